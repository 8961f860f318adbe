"""Build stage: the generated tree in build/ → the static site, atomically.

Only this module calls the site builder (MkDocs or Zensical).

* The site is built into a temporary folder next to `site/`, with its search
  index (`generator.search_index`, built beside the builder), and only then
  swapped in: the previous site stays whole until
  the new one is complete, and a failed build leaves it untouched.
* The builder reads an *effective* config written to `build/mkdocs.yml`: it
  inherits the project's `mkdocs.yml` (theme, palette, extensions) when there is
  one, or govcat's built-in default, and sets what govcat owns: the generated
  docs_dir, the theme's `custom_dir` (Material block overrides), the top-level
  nav (never the model pages: with every model in the nav each page carries the
  whole sidebar, and the site grows quadratically), and no Material search plugin
  (its single lunr index is ~24 MB at 10,000 pages; govcat's index is chunked
  and a query downloads a few hundred KB at most).
* Up to `pipeline.BUILDER_MAX_MODELS` model cards, MkDocs runs in a process forked
  when the pipeline starts (`BuilderProcess`): it imports MkDocs and lists the
  theme's files while govcat validates, aggregates and renders, then builds when the
  generated tree is ready. Larger catalogs fork MkDocs' page workers from the
  pipeline's own process (faster there: measured at 10,000 models).
* Dates in the output come from SOURCE_DATE_EPOCH, set to the as-of date, so
  two builds of one commit are byte-identical.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import glob
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import memo
from generator.errors import BuildError
from generator.search_index import RECORDS_NAME

ENGINES = ("mkdocs", "zensical")

STATIC_DRAFTS = "*.*\n!*.md\n!/assets/**\n"
"""`draft_docs` patterns: every generated data file (JSON, CSV, SVG badges, printable HTML)
is a 'draft' to MkDocs — served by `mkdocs serve` but not copied by `mkdocs build`.
`build_site` hard-links them into the new site instead: at 10,000 models that is
~70,000 files MkDocs would otherwise copy one by one. Pages and theme assets stay
MkDocs' own."""

NOT_IN_NAV = "/models/\n/datasets/\n/teams/\n/tags/\n"

DEFAULT_CONFIG: dict[str, Any] = {
    "theme": {
        "name": "material",
        "font": False,
        "language": "en",
        "features": [
            "navigation.tabs",
            "navigation.top",
            "navigation.footer",
            "toc.follow",
        ],
        "palette": [
            {
                "media": "(prefers-color-scheme: light)",
                "scheme": "default",
                "primary": "indigo",
                "accent": "indigo",
                "toggle": {"icon": "material/weather-night", "name": "Switch to dark mode"},
            },
            {
                "media": "(prefers-color-scheme: dark)",
                "scheme": "slate",
                "primary": "indigo",
                "accent": "indigo",
                "toggle": {"icon": "material/weather-sunny", "name": "Switch to light mode"},
            },
        ],
    },
    "markdown_extensions": ["admonition", "tables", {"toc": {"permalink": True}}],
    "plugins": [],
}
"""Used when the project has no mkdocs.yml (catalogs created outside this repository)."""


@dataclass(frozen=True)
class NavItem:
    """A top-level navigation entry: title and page path in the docs folder."""

    title: str
    path: str


@dataclass
class BuildResult:
    """What the build produced."""

    site_dir: Path
    engine: str
    pages: int
    search_files: int
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False
    """True when nothing changed since the last build of this site: the builder and
    the search indexer did not run and the published site was left as it was."""


STAMP_NAME = "site-stamp.json"
"""In the build folder: what the last successful build was built from (see `build_stamp`)."""


def tool_versions() -> dict[str, str]:
    """Versions of govcat and the site tools (part of every build's stamp and memo)."""
    from importlib import metadata

    versions = {}
    for package in ("govcat", "mkdocs", "mkdocs-material", "zensical"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = ""
    return versions


def build_stamp(
    *,
    config: dict[str, Any],
    source_digest: str,
    site_dir: Path,
    as_of: dt.date,
    engine: str,
    strict: bool,
    search: bool,
) -> str:
    """A hash of everything a build reads: the generated tree, the effective config, the
    project config it inherits, the options, the as-of date, the tool versions and
    govcat's own code."""
    inherited = config.get("INHERIT")
    project_text = ""
    if inherited:
        # the effective config's paths are relative to the build folder (see effective_config)
        candidates = [Path(inherited)] if Path(inherited).is_absolute() else []
        candidates.append(Path(config.get("_base", ".")) / inherited)
        for candidate in candidates:
            with contextlib.suppress(OSError):
                project_text = candidate.read_text("utf-8")
                break
    payload = {
        "source": source_digest,
        "config": {k: v for k, v in config.items() if k != "site_dir"},
        "project_config": project_text,
        "site_dir": str(site_dir),
        "as_of": as_of.isoformat(),
        "engine": engine,
        "strict": strict,
        "search": search,
        "versions": tool_versions(),
        "code": memo.code_digest(),  # e.g. what the search index is built from
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _PermissiveLoader(yaml.SafeLoader):
    """Reads a user's mkdocs.yml to see which keys it sets, ignoring `!!python/…` and `!ENV` tags."""


_PermissiveLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def read_project_config(path: Path) -> dict[str, Any]:
    """The top-level keys of a project's mkdocs.yml (tag values read as None)."""
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=_PermissiveLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"{path}: cannot read the site config: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BuildError(f"{path}: the site config must be a mapping of settings")
    return data


def effective_config(
    *,
    project_config: Path | None,
    docs_dir: Path,
    overrides_dir: Path,
    site_dir: Path,
    nav: Sequence[NavItem],
    site_name: str,
    site_url: str | None = None,
    base: Path | None = None,
) -> dict[str, Any]:
    """The config the builder reads: the project's (or the default) plus govcat's keys.

    Paths are written relative to `base`, the folder the config is written to
    (Zensical panics on absolute ones; both builders resolve them from there).
    """

    def where(path: Path) -> str:
        return _relative(path, base)

    if project_config is not None:
        user = read_project_config(project_config)
        config: dict[str, Any] = {"INHERIT": where(project_config)}
        theme = user.get("theme")
        if isinstance(theme, str):
            config["theme"] = {"name": theme, "custom_dir": where(overrides_dir)}
        else:
            config["theme"] = {"custom_dir": where(overrides_dir)}
        if "site_name" not in user:
            config["site_name"] = site_name
        if "plugins" not in user:
            config["plugins"] = []
        if "markdown_extensions" not in user:
            config["markdown_extensions"] = DEFAULT_CONFIG["markdown_extensions"]
    else:
        user = {}
        config = {"site_name": site_name, **DEFAULT_CONFIG}
        config["theme"] = {**DEFAULT_CONFIG["theme"], "custom_dir": where(overrides_dir)}
    if "nav" not in user:
        config["nav"] = [{item.title: item.path} for item in nav]
    if "not_in_nav" not in user:
        config["not_in_nav"] = NOT_IN_NAV
    if "draft_docs" not in user:
        config["draft_docs"] = STATIC_DRAFTS
    if site_url and "site_url" not in user:
        config["site_url"] = site_url
    config["docs_dir"] = where(docs_dir)
    config["site_dir"] = where(site_dir)
    config["use_directory_urls"] = True
    return config


def _relative(path: Path, base: Path | None) -> str:
    if base is None:
        return str(path.resolve())
    return os.path.relpath(path.resolve(), base.resolve())


def write_effective_config(path: Path, config: dict[str, Any]) -> Path:
    """Write the effective config (only when it changed, so `serve` doesn't rebuild for nothing)."""
    text = "# Generated by govcat build: do not edit; edit mkdocs.yml instead.\n" + yaml.safe_dump(
        config, sort_keys=False, allow_unicode=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text("utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def source_date(as_of: dt.date) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to the as-of date (midnight UTC) while building."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    epoch = int(dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _build_with_mkdocs(
    config_file: Path, strict: bool, pages: int = 0, meanwhile: Callable[[], None] | None = None
) -> list[str]:
    """MkDocs' build; with `pages` >= mkdocs_parallel.MIN_PAGES, in worker processes
    while this process runs `meanwhile` (else `meanwhile` runs after the build)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from generator import mkdocs_parallel
    from generator.workers import worker_count

    collector = _WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        config = load_config(config_file=str(config_file), strict=strict)
        workers = min(worker_count(), max(1, pages // (mkdocs_parallel.MIN_PAGES // 2)))
        if pages >= mkdocs_parallel.MIN_PAGES and mkdocs_parallel.usable(config, workers):
            cache = config_file.parent / "cache" / "theme-templates"
            mkdocs_parallel.build(config, workers, template_cache=cache, meanwhile=meanwhile)
        else:
            build(config)
            if meanwhile is not None:
                meanwhile()
    except MkDocsException as error:
        details = "\n".join(f"  {m}" for m in collector.messages)
        raise BuildError(f"the site build failed: {error}\n{details}".rstrip()) from None
    finally:
        logger.removeHandler(collector)
    return collector.messages


class BuilderProcess:
    """MkDocs' build in a process forked before govcat's own stages.

    A build's fixed costs are MkDocs' imports, its config and Material's theme files
    (~14,500 names to list and filter): ~0.3 s, a fifth of a 100-model build. The
    process forked here pays them on the other core while this one validates,
    aggregates and renders, then waits; `build` hands it the config and it runs
    `_build_with_mkdocs` (page workers forked from it) as this process would have.
    """

    def __init__(self, config_file: Path) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child
            os.close(job_write)
            os.close(result_read)
            _builder_child(config_file, job_read, result_write)
        os.close(job_read)
        os.close(result_write)
        self._job: int | None = job_write
        self._result: int | None = result_read

    @classmethod
    def start(cls, config_file: Path) -> BuilderProcess | None:
        """Fork the builder, or None where forking is unsafe (threads) or impossible."""
        import threading

        if not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        return cls(config_file)

    def build(
        self, config_file: Path, strict: bool, pages: int, meanwhile: Callable[[], None]
    ) -> list[str]:
        """`_build_with_mkdocs` in the builder process (`meanwhile`, picklable, run there
        while its page workers render); its warnings, or its BuildError raised here."""
        import pickle

        assert self._job is not None and self._result is not None, "one build per process"
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        job = (config_file, strict, pages, meanwhile, epoch)
        with contextlib.suppress(BrokenPipeError), os.fdopen(self._job, "wb") as out:
            self._job = None
            pickle.dump(job, out, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(self._result, "rb") as source:
            self._result = None
            data = source.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if not data:
            raise BuildError(f"the site builder process died (wait status {status})")
        kind, value = pickle.loads(data)  # noqa: S301 - our own child's output
        if kind != "ok":
            raise BuildError(value)
        return value

    def close(self) -> None:
        """Stop the builder if it is still there (validation failed, nothing changed, or
        the build was interrupted)."""
        for descriptor in (self._job, self._result):
            if descriptor is not None:
                os.close(descriptor)
        self._job = self._result = None
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)  # it holds nothing but imports
            os.waitpid(self.pid, 0)
            self.pid = 0


def _builder_child(config_file: Path, job_read: int, result_write: int) -> None:  # pragma: no cover
    """The builder process: warm up, wait for the job, build, report, exit."""
    import pickle
    import traceback

    try:
        _warm_up_mkdocs(config_file)
        with os.fdopen(job_read, "rb") as source:
            data = source.read()
        if not data:  # the build was called off
            os._exit(0)
        config_file, strict, pages, meanwhile, epoch = pickle.loads(data)  # noqa: S301
        if epoch is not None:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
        try:
            payload: tuple[str, Any] = (
                "ok",
                _build_with_mkdocs(config_file, strict, pages, meanwhile=meanwhile),
            )
        except BuildError as error:
            payload = ("error", str(error))
        except BaseException as error:  # noqa: BLE001 - reported by the parent
            payload = ("error", f"the site build failed: {error!r}\n{traceback.format_exc()}")
        with os.fdopen(result_write, "wb") as out:
            pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _warm_up_mkdocs(config_file: Path) -> None:
    """MkDocs' imports, and its theme's files listed (`mkdocs_parallel.theme_listing`)
    from the previous build's config when there is one: what the build will need."""
    from mkdocs.commands import build  # noqa: F401 - imported for the build
    from mkdocs.config import load_config

    from generator import mkdocs_parallel

    if not config_file.is_file():
        return
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # its messages belong to that (old) build
    try:
        config = load_config(config_file=str(config_file))
        for folder in config.theme.dirs:
            if folder != config.theme.custom_dir:
                mkdocs_parallel.theme_listing(folder, config)
    except Exception:  # noqa: BLE001, S110 - a warm-up only: the build reports problems
        pass
    finally:
        logging.disable(previous)


def _build_with_zensical(config_file: Path, strict: bool) -> list[str]:
    command = [sys.executable, "-m", "zensical", "build", "-f", str(config_file)]
    if strict:
        command.append("--strict")
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BuildError(f"cannot run zensical: {error}") from None
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        if "No module named zensical" in output:
            raise BuildError(
                "the zensical engine is not installed — `pip install 'govcat[zensical]'`"
            )
        raise BuildError(f"zensical build failed (exit {completed.returncode}):\n{output}")
    return [
        line
        for line in (completed.stderr + completed.stdout).splitlines()
        if "warning" in line.lower()
    ]


INDEX_FOLDER = "search-index"
"""The search index's folder in the site (see `generator.search_index`)."""


class _SearchIndexer:
    """The search index, built from render's records by a process of its own beside the
    site builder (at 10,000 models ~2 s of CPU, off the critical path)."""

    def __init__(self, records: Path, scratch: Path) -> None:
        # a build killed before `close` left its scratch folder: one build dir, one build
        _discard_matching(scratch, ".search-*")
        self.folder = Path(tempfile.mkdtemp(prefix=".search-", dir=scratch))
        self.output = self.folder / INDEX_FOLDER
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator.search_index", str(records), str(self.output)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def finish(self, site_dir: Path) -> int:
        """Wait for the index and move it into the site; return its file count."""
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise BuildError(
                f"the search index failed (exit {self.process.returncode}):\n{output.strip()}"
            )
        os.replace(self.output, site_dir / INDEX_FOLDER)
        return sum(1 for path in (site_dir / INDEX_FOLDER).rglob("*") if path.is_file())

    def close(self) -> None:
        """Stop the indexer if it still runs (a failed build) and remove its scratch folder."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        discard(self.folder)


def _count_files(root: Path, wanted: Callable[[str], bool]) -> int:
    """How many files under `root` have a `wanted` name: `os.walk`, not `Path.rglob`,
    which took 0.04-0.09 s instead of 0.03 s over a 1,000-model site, on the critical
    path after the build."""
    return sum(sum(1 for name in names if wanted(name)) for _, _, names in os.walk(root))


def is_static_data(relative: str) -> bool:
    """Whether a generated file is one of the data files `STATIC_DRAFTS` leaves to govcat."""
    return (
        "." in relative.rsplit("/", 1)[-1]
        and not relative.endswith(".md")
        and not (relative.startswith("assets/"))
    )


def link_static_files(docs_dir: Path, site_dir: Path) -> int:
    """Hard-link the generated data files into the built site (copy across file systems).

    Render replaces files by rename, never in place, so a published file keeps its
    content when the next render changes the generated one. Plain `os` calls, one
    `makedirs` per folder: at 10,000 models this links ~60,000 files.
    """
    linked = 0
    root = str(docs_dir)
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        inside = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        names = [name for name in sorted(files) if is_static_data(prefix + name)]
        if not names:
            continue
        target_folder = os.path.join(site_dir, prefix)
        os.makedirs(target_folder, exist_ok=True)
        for name in names:
            source, target = os.path.join(folder, name), os.path.join(target_folder, name)
            try:
                os.link(source, target)
            except FileExistsError:  # an engine that ignores draft_docs copied it already
                continue
            except OSError:
                shutil.copy2(source, target)
            linked += 1
    return linked


def _exchange(new: Path, current: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(current), rename_exchange)
    return result == 0


def swap_in(new_site: Path, site_dir: Path) -> None:
    """Replace `site_dir` with the complete `new_site`; the old site is deleted afterwards,
    in the background (see `discard`)."""
    previous = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}-{new_site.name[-8:]}")
    if site_dir.exists() and _exchange(new_site, site_dir):
        os.replace(new_site, previous)  # it now holds the previous site
        discard(previous)
        return
    had_site = site_dir.exists()
    if had_site:
        os.replace(site_dir, previous)
    os.replace(new_site, site_dir)
    if had_site:
        discard(previous)


def discard(folder: Path) -> None:
    """Delete `folder` without waiting for it: a previous site already swapped out under
    its `.<site>.old-*` name, or the search indexer's scratch pages.

    Deleting a site of 10,000 models (tens of thousands of files) takes seconds that
    nobody needs to wait for, more so on a file system mounted with `discard`, where
    freeing a file's blocks is slow (this machine: 0.25 ms to replace a 15 KB file,
    0.05 ms to write a new one). A background `rm -rf` deletes it; `sweep_discarded`
    removes any old site an interrupted deletion left behind.
    """
    shell = shutil.which("sh")
    if shell is not None:
        # the shell starts `rm` in the background and exits at once: nothing to wait for
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(  # noqa: S603 - a fixed command line; the folder is an argument
                [shell, "-c", 'rm -rf -- "$1" &', "discard", str(folder)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                check=True,
                timeout=30,
            )
            return
    shutil.rmtree(folder, ignore_errors=True)


def sweep_discarded(site_dir: Path) -> None:
    """Start deleting previous sites left beside `site_dir` by an interrupted `discard`."""
    _discard_matching(site_dir.parent, f".{glob.escape(site_dir.name)}.old-*")


def _discard_matching(folder: Path, pattern: str) -> None:
    """`discard` every folder in `folder` whose name matches `pattern`."""
    if folder.is_dir():
        for leftover in folder.glob(pattern):
            if leftover.is_dir():
                discard(leftover)


def build_site(
    *,
    config: dict[str, Any],
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    as_of: dt.date,
    engine: str = "mkdocs",
    strict: bool = False,
    search: bool = True,
    source_digest: str = "",
    builder: BuilderProcess | None = None,
) -> BuildResult:
    """Build the site described by `config` and swap it into `site_dir`.

    `config["site_dir"]` is replaced by a temporary folder beside `site_dir`.

    With `search` the search index is built from the records render left beside
    `docs_dir` (see `generator.search_index`) while the site builder runs. With
    `builder` (MkDocs only), the site is built in that process.
    """
    if engine not in ENGINES:
        raise BuildError(f"unknown engine '{engine}' — use one of {', '.join(ENGINES)}")
    site_dir = site_dir.resolve()
    stamp_file = config_file.parent / STAMP_NAME
    stamp = ""
    if source_digest:
        stamp = build_stamp(
            config={**config, "_base": str(config_file.parent)},
            source_digest=source_digest,
            site_dir=site_dir,
            as_of=as_of,
            engine=engine,
            strict=strict,
            search=search,
        )
        recorded = memo.matching_record(stamp_file, "stamp", stamp, site_dir)
        if recorded is not None:
            return BuildResult(
                site_dir,
                engine,
                int(recorded.get("pages", 0)),
                int(recorded.get("search_files", 0)),
                list(recorded.get("warnings", [])),
                skipped=True,
            )
    stamp_file.unlink(missing_ok=True)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_discarded(site_dir)
    # Zensical refuses a site_dir outside its config's folder: build inside build/ then.
    scratch = config_file.parent.resolve() if engine == "zensical" else site_dir.parent
    scratch.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=scratch))
    temporary.chmod(0o755)  # mkdtemp makes it private; a published site is world-readable
    indexer = None
    try:
        if search:
            indexer = _SearchIndexer(docs_dir.parent / RECORDS_NAME, config_file.parent)
        relative_site = _relative(temporary, config_file.parent)
        write_effective_config(config_file, {**config, "site_dir": relative_site})
        with source_date(as_of):
            if engine == "mkdocs":
                sources = _count_files(docs_dir, lambda name: name.endswith(".md"))
                # the data files are linked while MkDocs' page workers render
                link = functools.partial(link_static_files, docs_dir, temporary)
                if builder is not None:
                    warnings = builder.build(config_file, strict, sources, link)
                else:
                    warnings = _build_with_mkdocs(config_file, strict, sources, meanwhile=link)
            else:
                warnings = _build_with_zensical(config_file, strict)
                link_static_files(docs_dir, temporary)
        if not (temporary / "index.html").is_file():
            raise BuildError(f"the {engine} build wrote no index.html — nothing was published")
        pages = _count_files(temporary, lambda name: name == "index.html")
        search_files = indexer.finish(temporary) if indexer is not None else 0
        swap_in(temporary, site_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        if indexer is not None:
            indexer.close()
    if stamp:
        record = {"stamp": stamp, "pages": pages, "search_files": search_files}
        memo.write_record(stamp_file, {**record, "warnings": warnings}, site_dir)
    return BuildResult(site_dir, engine, pages, search_files, warnings)


def serve_site(config_file: Path, *, host: str, port: int) -> None:
    """Serve the site with MkDocs' live-reload server, rebuilding only changed pages.

    Blocks until interrupted. MkDocs watches the generated docs folder; a dirty
    build re-renders just the pages whose files changed.
    """
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    try:
        serve(
            config_file=str(config_file),
            livereload=True,
            build_type="dirty",
            dev_addr=f"{host}:{port}",
        )
    except MkDocsException as error:
        raise BuildError(f"the preview server failed: {error}") from None
