"""Render stage: the site context → generated Markdown, JSON data files and assets.

Only this package knows Jinja. `render_site` writes into `build/docs/` (the
site builder's docs_dir) and `build/overrides/` (the theme's `custom_dir`):

* one Markdown page with front matter per model, dataset, team and tag, plus the
  dashboard, inventory, alerts and search pages;
* data files the JavaScript islands read (`data/inventory.json`,
  `data/series/<id>.json`, `data/portfolio.json`) and the machine-readable twin
  (`catalog.json`, `models/<id>.json`, `inventory.csv`, `inventory.json`);
* the assets (CSS, JS, vendored Vega) and Material block overrides.

Files are written only when their bytes change, and files no longer produced are
removed, so incremental site builds skip what did not change.

Extension point — `PAGE_PRODUCERS`: other areas add pages without touching the
built-in ones. A producer is `producer(site: SiteContext, out: PageWriter) -> None`
(or a `"module:function"` string, imported when the site is rendered, which avoids
import cycles). It may call `out.render(template, path, page=...)`,
`out.write(path, text)`, `out.write_json(path, value)` and `out.add_nav(title,
path, order)`; its templates live in `site_templates/pages/` beside the built-in
ones and may include the shared partials (`_badges.md.j2`, …). Example:

    PAGE_PRODUCERS.append("generator.governance.site:compliance_pages")

Parallel render — a full render of a large catalog (`PARALLEL_MIN_MODELS` models or
more) forks one worker process per core. A producer marked `shardable = True` runs in
every process: `out.wants(kind, id)` is true in exactly one process for each model,
dataset, team and tag, and `out.aggregates` is true only in the parent, which alone
writes the whole-catalog files (indexes, dashboards, nav). Values a producer needs
from every item for such a file go through `out.keep(name, key, value)` and are read
in a callback registered with `out.after(callback)`, run in the parent once every
worker's share is merged into `out.collected(name)`. A shardable producer may also
have a `prepare(site, environment)` attribute, called once in the parent before the
fork, for read-only state every worker would otherwise compute again. Other producers
run once, in the parent, seeing every item. The result (files, digest, changed paths,
pages, nav) is exactly that of a serial render.

Templates print through `output_text` (one call per `{{ … }}`, see `Environment`) and
get `badge`: the badge and link macros of `_badges.md.j2`, each run once per distinct
arguments in a render.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler

from generator import frontmatter, search_index
from generator.jsontext import json_text
from generator.render import data
from generator.render.context import (
    HEALTH_LABELS,
    SiteContext,
    alerts_page,
    build_site_context,
    dataset_page,
    home_page,
    model_list,
    model_page,
    team_page,
)
from generator.render.escape import (
    body_page,
    fragment_html,
    html_text,
    inline_text,
    json_attribute,
    markdown_text,
    output_text,
    title_text,
)
from generator.render.writer import Writer
from generator.scaffold import atomic_write
from generator.workers import worker_count

__all__ = [
    "PAGE_PRODUCERS",
    "PageWriter",
    "RenderResult",
    "Scope",
    "SiteContext",
    "build_site_context",
    "render_site",
]


SEARCH_RECORDS = "search-records"
"""`PageWriter.keep` name of the searchable pages' records (see `render_fragment_page`)."""


def _site_templates() -> Path:
    """The templates folder: inside the package when installed from a wheel, else the repo's."""
    packaged = Path(__file__).resolve().parents[1] / "site_templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "site_templates"


SITE_TEMPLATES = _site_templates()
"""Templates, theme overrides and assets shipped with govcat."""

Producer = Callable[[SiteContext, "PageWriter"], None]

PAGE_PRODUCERS: list[Producer | str] = ["generator.render.governance:governance_pages"]
"""Extra page producers run after the built-in pages (see the module docstring)."""

PARALLEL_MIN_MODELS = 40
"""Below this many models a render stays in one process (forking costs more than it
saves). Interleaved runs, render stage medians: 10 models 0.060 s in one process,
0.072 s in two; 40 models 0.17 s and 0.14 s; 100 models 0.46 s and 0.30 s."""
AGGREGATE_COST = 0.2
"""The whole-catalog files (dashboards, indexes, exports) cost about a fifth of the
per-item pages (measured at 1,000 models): the parent, which writes them, takes a
smaller share of the items."""


@dataclass(frozen=True)
class NavEntry:
    """A top-level navigation entry (model pages are never in the nav)."""

    title: str
    path: str
    order: int


@dataclass
class RenderResult:
    """What a render wrote: for incremental builds and the CLI's summary."""

    pages: int
    changed: list[str]
    removed: list[str]
    nav: list[NavEntry] = field(default_factory=list)
    digest: str = ""
    """Hash of the whole generated tree (docs and overrides) after a full render: the
    build stage skips the site builder when it built from the same tree before."""
    workers: int = 1
    """Processes that rendered (more than one: a parallel render, same output)."""


def _root_prefix(path: str) -> str:
    """Relative link from the page generated at `path` to the site root (directory URLs)."""
    parts = PurePosixPath(path).with_suffix("").parts
    depth = len(parts) - (1 if parts and parts[-1] == "index" else 0)
    return "../" * depth


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles `{{ value }}` to `output_text(value)` instead of `escape(finalize(value))`.

    The same text (see `escape.output_text`), with one call instead of two or three per
    printed value: there are hundreds of them per model page. Jinja's own
    `NativeEnvironment` customises its output the same way.
    """

    def _fused(self, frame: Any, finalize: Any) -> bool:
        return bool(
            frame.eval_ctx.autoescape
            and not frame.eval_ctx.volatile
            and finalize.src == "environment.finalize("
            and self.environment.finalize is inline_text
        )

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._fused(frame, finalize):
            self.write("environment.output_text(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._fused(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class Environment(jinja2.Environment):
    """The render's Jinja environment (see `make_environment`)."""

    code_generator_class = _CodeGenerator
    output_text = staticmethod(output_text)


class _Memo:
    """The macros of a partial that depend only on their arguments, run once per arguments.

    A badge or a link is the same markup on every page that shows it; calling a Jinja
    macro is slow (a new context each time), so `badge.health(status)` looks it up.
    Arguments other than text, numbers and enums (the site, a model entry) are keyed by
    identity and kept alive with the result, so an identity is never reused.
    """

    def __init__(self, environment: jinja2.Environment, template: str, pure: set[str]) -> None:
        self._environment = environment
        self._template = template
        self._pure = pure
        self._module: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._module is None:
            self._module = self._environment.get_template(self._template).module
        macro = getattr(self._module, name)
        if name not in self._pure:
            return macro
        results: dict[tuple, tuple[Any, tuple]] = {}

        def call(*args: Any) -> Any:
            key = tuple((type(a), a) if isinstance(a, (str, int, float)) else id(a) for a in args)
            found = results.get(key)
            if found is None:
                found = results[key] = (macro(*args), args)
            return found[0]

        setattr(self, name, call)
        return call


PURE_BADGES = {
    "health",
    "governance",
    "stage",
    "risk",
    "eu",
    "model_link",
    "team_link",
    "dataset_link",
}
"""Macros of `_badges.md.j2` whose markup depends only on their arguments (in one render)."""


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the next render in this process (the preview
    re-renders after every edit) and, with `directory`, in files for the next build
    (compiling them costs ~0.1 s a build); a template whose source changed is compiled
    again (Jinja checks each entry against the source's checksum)."""

    def __init__(self, memory: dict[str, bytes], directory: Path | None = None) -> None:
        self._compiled = memory
        self.directory = directory

    def _file(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}-{_compiler_version()}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is None and self.directory is not None:
            with contextlib.suppress(OSError):
                compiled = self._file(bucket.key).read_bytes()
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled[bucket.key] = bucket.bytecode_to_string()
        if self.directory is not None:
            with contextlib.suppress(OSError):
                for stale in self.directory.glob(f"{bucket.key}-*.cache"):
                    stale.unlink()
                atomic_write(self._file(bucket.key), compiled, durable=False)


@functools.cache
def _compiler_version() -> str:
    """The compiled templates' version: this module (it customises Jinja's code
    generator, see `Environment`) and Jinja's release."""
    digest = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8)
    digest.update(jinja2.__version__.encode())
    return digest.hexdigest()


_COMPILED: dict[str, bytes] = {}
"""Templates compiled in this process (shared by every environment it makes)."""


def make_environment(templates: Path, cache_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescape on, undefined names are errors, filters registered;
    compiled templates are kept in `cache_dir` between builds."""
    environment = Environment(
        bytecode_cache=_CompiledTemplates(_COMPILED, cache_dir),
        loader=jinja2.FileSystemLoader(str(templates / "pages")),
        autoescape=True,
        finalize=inline_text,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters.update(
        md=markdown_text,
        html=html_text,
        title_text=title_text,
        jsonattr=json_attribute,
        date=lambda value: value.isoformat()[:10] if value is not None else "—",
    )
    icons = {
        path.stem: jinja2.utils.markupsafe.Markup(path.read_text("utf-8").strip())
        for path in sorted((templates / "icons").glob("*.svg"))
    }
    environment.globals.update(icon=icons.__getitem__, HEALTH_LABELS=HEALTH_LABELS)
    environment.globals["badge"] = _Memo(environment, "_badges.md.j2", PURE_BADGES)
    return environment


@dataclass(frozen=True)
class Scope:
    """What a partial re-render (`govcat serve` after a card edit) must refresh."""

    models: frozenset[str]
    datasets: frozenset[str]
    teams: frozenset[str]
    tags: frozenset[str]

    @classmethod
    def around(cls, model_ids: set[str], *sites: SiteContext) -> Scope:
        """The models, and the datasets, teams and tags they touch in any of `sites`."""
        datasets, teams, tags = set(), set(), set()
        for site in sites:
            for model_id in model_ids:
                entry = site.models.get(model_id)
                if entry is None:
                    continue
                card = entry.card
                teams.add(card.owner)
                teams.update(c.team for c in card.contacts if c.team)
                tags.update(card.tags)
                datasets.update(d for d, users in site.dataset_users.items() if model_id in users)
        return cls(frozenset(model_ids), frozenset(datasets), frozenset(teams), frozenset(tags))


@dataclass(frozen=True)
class Shard:
    """One process's share of the per-item pages in a parallel render (0: the parent)."""

    index: int
    owners: Mapping[str, Mapping[str, int]]
    """Kind (`models`, `datasets`, …) → item id → the index of the shard writing it;
    items of other kinds belong to the parent."""

    def owns(self, kind: str, item_id: str) -> bool:
        return self.owners.get(kind, {}).get(item_id, 0) == self.index


class PageWriter:
    """What a page producer writes through: templates rendered to files, data, nav.

    `scope` is None for a full render. In a partial re-render it names what changed;
    producers skip the per-item pages outside it (`wants(kind, id)`) and still
    write their aggregate pages (dashboard, inventory, indexes).

    In a parallel render each process has its own PageWriter with a `shard`: `wants`
    is also false for the items other processes write, and `aggregates` (write the
    whole-catalog files) is true only in the parent.
    """

    def __init__(
        self,
        writer: Writer,
        environment: jinja2.Environment,
        site: SiteContext,
        scope: Scope | None = None,
        *,
        shard: Shard | None = None,
    ) -> None:
        self.writer = writer
        self.environment = environment
        self.site = site
        self.scope = scope
        self.shard = shard
        self.aggregates = shard is None or shard.index == 0
        """Whether this process writes the whole-catalog files (always, unless a worker)."""
        self.nav: list[NavEntry] = []
        self.pages = 0
        self.kept: dict[str, dict[str, Any]] = {}
        self.callbacks: list[Callable[[], None]] = []

    def wants(self, kind: str, item_id: str) -> bool:
        """Whether the page of this model, dataset, team or tag must be written here, now."""
        if self.scope is not None and item_id not in getattr(self.scope, kind):
            return False
        return self.shard is None or self.shard.owns(kind, item_id)

    def keep(self, name: str, key: str, value: Any) -> None:
        """Keep a per-item value for a whole-catalog file (see `after`); it must pickle."""
        self.kept.setdefault(name, {})[key] = value

    def collected(self, name: str) -> dict[str, Any]:
        """Key → value kept under `name` by every process (complete inside `after` callbacks)."""
        return self.kept.setdefault(name, {})

    def after(self, callback: Callable[[], None]) -> None:
        """Run `callback` once every item is written (in the parent; workers skip it)."""
        if self.aggregates:
            self.callbacks.append(callback)

    def render(self, template: str, path: str, *, body: bool = False, **context: Any) -> None:
        """Render `template` with `site`, `root` (link prefix) and `context` into `path`.

        With `body`, the page's HTML goes into its front matter (`escape.body_page`):
        for list and dashboard pages, whose size grows with the catalog.
        """
        text = self.environment.get_template(template).render(
            site=self.site, root=_root_prefix(path), **context
        )
        self.writer.write(path, body_page(text) if body else text)
        self.pages += path.endswith(".md")

    def render_fragment_page(
        self, template: str, path: str, *, title: str, search: bool = False, **context: Any
    ) -> None:
        """A page whose body is rendered HTML carried in its front matter, not Markdown.

        MkDocs runs every page's Markdown through Python's HTML parser twice (raw HTML
        blocks, then anchor collection): for HTML-heavy pages such as a model card
        that is most of the site build. Here the Markdown is just the title, and the
        body is the front matter's `body:` (one escaped line, read by the builder's C
        YAML parser), which `overrides/main.html` prints after the title. Including a
        per-page template file instead costs the theme a Jinja compile per page.
        """
        html = self.environment.get_template(template).render(
            site=self.site, root=_root_prefix(path), **context
        )
        body = fragment_html(html)
        front = {
            "title": title_text(title),
            "search": search,
            "hide": ["navigation", "toc"],
            "body": body,
        }
        self.writer.write(path, f"{frontmatter.write(front)}\n# {markdown_text(title)}\n")
        self.pages += 1
        if search:  # the page's search record (generator.search_index)
            url = path.removesuffix(".md") + "/"
            self.keep(SEARCH_RECORDS, path, search_index.page_record(url, title, body))

    def write(self, path: str, content: str | bytes) -> None:
        self.writer.write(path, content)

    def write_json(self, path: str, value: Any, *, indent: int | None = None) -> None:
        self.writer.write_json(path, value, indent=indent)

    def add_nav(self, title: str, path: str, order: int = 100) -> None:
        """Add a top-level navigation entry (keep it to a handful of pages)."""
        if self.aggregates:
            self.nav.append(NavEntry(title, path, order))


# --- built-in producers -------------------------------------------------------


def _home(site: SiteContext, out: PageWriter) -> None:
    out.render("home.md.j2", "index.md", body=True, page=home_page(site))
    out.write_json("data/portfolio.json", data.portfolio_series(site.summary))
    out.add_nav("Dashboard", "index.md", 0)


def _inventory(site: SiteContext, out: PageWriter) -> None:
    out.render("inventory.md.j2", "inventory.md", columns=data.INVENTORY_COLUMNS)
    out.write_json("data/inventory.json", data.inventory_data(site))
    records = data.inventory_records(site)
    out.write("inventory.csv", data.inventory_csv(records))
    out.write_json("inventory.json", records)
    out.add_nav("Inventory", "inventory.md", 10)


def _models(site: SiteContext, out: PageWriter) -> None:
    for entry in site.models.values():
        if not out.wants("models", entry.id):
            continue
        out.render_fragment_page(
            "model.html.j2",
            f"models/{entry.id}.md",
            title=entry.card.name,
            search=True,
            page=model_page(site, entry),
        )
        twin = json_text(data.model_twin(site, entry))
        out.keep("model-twins", entry.id, twin)
        out.write(f"models/{entry.id}.json", twin + "\n")
        series = data.model_series(site.summary, entry)
        if series is not None:
            out.write_json(f"data/series/{entry.id}.json", series)
    if out.scope is None:  # the whole-catalog twin is refreshed by full builds only
        twins = out.collected("model-twins")
        out.after(
            lambda: out.write(
                "catalog.json", data.catalog_twin(site, [twins[m] for m in site.models])
            )
        )


def _datasets(site: SiteContext, out: PageWriter) -> None:
    datasets = site.catalog.datasets
    for dataset in datasets.values():
        if not out.wants("datasets", dataset.id):
            continue
        out.render_fragment_page(
            "dataset.html.j2",
            f"datasets/{dataset.id}.md",
            title=dataset.name,
            search=True,
            page=dataset_page(site, dataset),
        )
    if out.aggregates:
        out.render(
            "datasets_index.md.j2", "datasets/index.md", body=True, datasets=list(datasets.values())
        )
        out.add_nav("Datasets", "datasets/index.md", 30)


def _teams(site: SiteContext, out: PageWriter) -> None:
    teams = site.catalog.teams
    for team in teams.values():
        if not out.wants("teams", team.id):
            continue
        out.render_fragment_page(
            "team.html.j2",
            f"teams/{team.id}.md",
            title=team.name,
            search=True,
            page=team_page(site, team),
        )
    if out.aggregates:
        out.render("teams_index.md.j2", "teams/index.md", body=True, teams=list(teams.values()))
        out.add_nav("Teams", "teams/index.md", 40)


def _tags(site: SiteContext, out: PageWriter) -> None:
    for tag, model_ids in site.tags.items():
        if not out.wants("tags", tag):
            continue
        out.render(
            "tag.md.j2",
            f"tags/{tag}.md",
            body=True,
            tag=tag,
            models=model_list(site, model_ids, f"tag={tag}"),
        )
    if out.aggregates:
        out.render("tags_index.md.j2", "tags/index.md")
        out.add_nav("Tags", "tags/index.md", 50)


def _alerts(site: SiteContext, out: PageWriter) -> None:
    out.render("alerts.md.j2", "alerts.md", body=True, page=alerts_page(site))
    out.add_nav("Alerts", "alerts.md", 20)


def _search(site: SiteContext, out: PageWriter) -> None:
    out.render("search.md.j2", "search.md")
    out.add_nav("Search", "search.md", 90)


for _producer in (_home, _inventory, _models, _datasets, _teams, _tags, _alerts, _search):
    _producer.incremental = True  # type: ignore[attr-defined]
for _producer in (_models, _datasets, _teams, _tags):
    _producer.shardable = True  # type: ignore[attr-defined]

BUILTIN_PRODUCERS: list[Producer] = [
    _home,
    _inventory,
    _models,
    _datasets,
    _teams,
    _tags,
    _alerts,
    _search,
]


def _resolve(producer: Producer | str) -> Producer:
    if callable(producer):
        return producer
    module_name, _, attribute = producer.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _copy_tree(source: Path, writer: Writer, prefix: str = "") -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            writer.write(prefix + path.relative_to(source).as_posix(), path.read_bytes())


def _can_fork() -> bool:
    """Fork is copy-on-write and needs no pickling of the site, but only where it is safe:
    on Linux, from the main thread, with no other thread running (`govcat serve`)."""
    return (
        sys.platform == "linux"
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


def _shard_owners(site: SiteContext, count: int) -> dict[str, dict[str, int]]:
    """Item → shard, dealt in turn so each shard gets a like mix; the parent a smaller share.

    With `a` the aggregate cost per item cost, the parent's weight `w` balances the
    processes: `a + w / (w + count - 1) = 1 / (w + count - 1)` (in items' total cost).
    """
    parent = max(0.0, (1 - AGGREGATE_COST * (count - 1)) / (1 + AGGREGATE_COST))
    weights = [parent] + [1.0] * (count - 1)
    owners: dict[str, dict[str, int]] = {}
    kinds = {
        "models": site.models,
        "datasets": site.catalog.datasets,
        "teams": site.catalog.teams,
        "tags": site.tags,
    }
    for kind, items in kinds.items():
        loads = [0.0] * count
        owner = owners[kind] = {}
        for item_id in items:
            index = min(
                range(count),
                key=lambda i: ((loads[i] + 1) / weights[i] if weights[i] else float("inf"), i),
            )
            owner[item_id] = index
            loads[index] += 1
    return owners


def _run(producers: list[Producer], site: SiteContext, out: PageWriter) -> None:
    """Run the producers; one that cannot be split sees every item (parent only)."""
    shard = out.shard
    for producer in producers:
        if shard is None or getattr(producer, "shardable", False):
            producer(site, out)
        elif out.aggregates:
            out.shard = None
            try:
                producer(site, out)
            finally:
                out.shard = shard


def _render_share(
    site: SiteContext,
    environment: jinja2.Environment,
    docs_dir: Path,
    overrides_dir: Path,
    producers: list[Producer],
    shard: Shard,
    connection: Any,
    known: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
) -> None:
    """A worker process: write this shard's pages, send back what was written."""
    try:
        docs, overrides = Writer(docs_dir), Writer(overrides_dir)
        docs.known, overrides.known = known  # the parent's record of the last render
        out = PageWriter(docs, environment, site, None, shard=shard)
        _run(producers, site, out)
        result = ("ok", (docs.state(), overrides.state(), out.pages, out.kept))
    except BaseException as error:  # sent to the parent, which raises it
        result = ("error", error)
    try:
        connection.send(result)
    except Exception as unsent:  # an exception or kept value that does not pickle
        cause = result[1] if result[0] == "error" else unsent
        connection.send(("error", RuntimeError("".join(traceback.format_exception(cause)))))
    finally:
        connection.close()


def _prepare_fork(site: SiteContext, environment: jinja2.Environment) -> None:
    """Compute what every worker would otherwise compute again, before forking."""
    for name in environment.list_templates(extensions=["j2"]):
        environment.get_template(name)
    site.people  # noqa: B018 (a cached property)


def _render_parallel(
    site: SiteContext,
    environment: jinja2.Environment,
    docs: Writer,
    overrides: Writer,
    producers: list[Producer],
    count: int,
) -> PageWriter | None:
    """Render in `count` processes (this one and forked workers); None if fork fails."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    owners = _shard_owners(site, count)
    _prepare_fork(site, environment)
    for producer in producers:
        prepare = getattr(producer, "prepare", None)
        if prepare is not None:
            prepare(site, environment)
    workers = []
    gc.freeze()  # objects shared with the workers stay untouched by their collector
    try:
        for index in range(1, count):
            receiver, sender = context.Pipe(duplex=False)
            shard = Shard(index, owners)
            process = context.Process(
                target=_render_share,
                args=(site, environment, docs.root, overrides.root, producers, shard, sender),
                kwargs={"known": (docs.known, overrides.known)},
                name=f"govcat-render-{index}",
                daemon=True,
            )
            process.start()
            sender.close()
            workers.append((process, receiver))
    except OSError:  # no process support here (a sandbox): render in this process
        for process, receiver in workers:
            process.kill()
            process.join()
            receiver.close()
        gc.unfreeze()
        return None
    gc.unfreeze()
    out = PageWriter(docs, environment, site, None, shard=Shard(0, owners))
    try:
        _run(producers, site, out)
        for process, receiver in workers:
            try:
                status, payload = receiver.recv()
            except EOFError:
                status, payload = "error", RuntimeError(f"{process.name} exited unexpectedly")
            if status == "error":
                raise payload
            docs_state, overrides_state, pages, kept = payload
            docs.merge(docs_state)
            overrides.merge(overrides_state)
            out.pages += pages
            for name, values in kept.items():
                out.collected(name).update(values)
    finally:
        for process, receiver in workers:
            if process.is_alive():
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
            receiver.close()
    return out


def render_site(
    site: SiteContext,
    docs_dir: Path,
    overrides_dir: Path,
    *,
    templates: Path = SITE_TEMPLATES,
    scope: Scope | None = None,
    workers: int | None = None,
    parallel_min_models: int = PARALLEL_MIN_MODELS,
) -> RenderResult:
    """Write the whole generated tree for `site`; unchanged files are left untouched.

    With `scope` (a partial re-render for the preview) only the pages in scope and the
    aggregate pages are written, nothing is deleted, and extra producers run only if
    they declare `incremental = True` (and then honour `out.wants`); the others catch
    up at the next full render.

    A full render of `parallel_min_models` models or more is split over `workers`
    processes (default: `generator.workers.worker_count()`); the output is the same.
    """
    # build/cache: compiled templates, and what the last render wrote (so unchanged
    # files need not be read)
    records = docs_dir.parent / "cache"
    environment = make_environment(templates, records / "site-templates")
    docs = Writer(docs_dir, record=records / f"written-{docs_dir.name}.marshal")
    overrides = Writer(overrides_dir, record=records / f"written-{overrides_dir.name}.marshal")
    producers = []
    for producer in [*BUILTIN_PRODUCERS, *PAGE_PRODUCERS]:
        resolved = _resolve(producer)
        if scope is None or getattr(resolved, "incremental", False):
            producers.append(resolved)
    out = None
    count = 1
    if scope is None and len(site.models) >= parallel_min_models and _can_fork():
        count = worker_count(workers)
        if count > 1:
            out = _render_parallel(site, environment, docs, overrides, producers, count)
    if out is None:
        count = 1
        out = PageWriter(docs, environment, site, scope)
        _run(producers, site, out)
    for callback in out.callbacks:
        callback()
    search_index.write_records(
        docs_dir.parent / search_index.RECORDS_NAME,
        out.collected(SEARCH_RECORDS),
        merge=scope is not None,
    )
    _copy_tree(templates / "assets", docs, "assets/govcat/")
    _copy_tree(templates / "charts", docs, "assets/govcat/charts/")
    _copy_tree(templates / "overrides", overrides)
    removed = [] if scope is not None else docs.finish() + overrides.finish()
    for writer in (docs, overrides):
        writer.save_record(partial=scope is not None)
    return RenderResult(
        pages=out.pages,
        # sorted: a parallel render writes in another order than a serial one
        changed=sorted(docs.changed) + sorted(overrides.changed),
        removed=removed,
        nav=sorted(out.nav, key=lambda n: (n.order, n.title)),
        digest="" if scope is not None else f"{docs.digest()}-{overrides.digest()}",
        workers=count,
    )
