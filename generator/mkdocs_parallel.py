"""MkDocs' own build, with the pages converted and rendered by forked worker processes.

`mkdocs build` is single-threaded: at 10,000 model pages most of a govcat build is
MkDocs converting Markdown and rendering Material's base template page after page.
Those page steps are independent of each other once the navigation is known, so
this module runs MkDocs' build stage by stage — the same calls, in the same order,
as `mkdocs.commands.build.build` in the MkDocs release it checks for — and hands
the pages to worker processes:

1. this process: config, file list, theme files, navigation, and the pages in the
   navigation read (their titles appear on every page);
2. workers (forked, so they share all of that): each reads and renders its share
   of the pages and writes them, and returns its log messages and each page's
   anchors; meanwhile this process copies static files, builds the theme's
   templates (sitemap, 404) and runs the caller's `meanwhile` (govcat links its data
   files into the site);
3. this process: the anchors of every page are put back and links to anchors are
   validated over the whole site, exactly as MkDocs does.

No MkDocs plugin is involved. It is used only for the MkDocs release it was written
against, with no plugins configured, on a platform with fork; otherwise (and for small
sites, where there is nothing to gain) the caller runs MkDocs' `build`.
The output is byte-identical to `mkdocs build` (tested).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SUPPORTED_MKDOCS = "1.6.1"
READ_AHEAD = 200
"""Pages whose sources a worker's read-ahead thread reads before the worker gets there."""
MIN_PAGES = 100
"""Below this a build takes well under a second and forking gains nothing. From here it
does: 166 pages (100 models) built in 0.43-0.57 s instead of 0.66-0.78 s."""

log = logging.getLogger("mkdocs.commands.build")


def usable(config: Any, workers: int) -> bool:
    """Whether this MkDocs, this config and this process allow a parallel build."""
    import mkdocs

    return (
        workers > 1
        and mkdocs.__version__ == SUPPORTED_MKDOCS
        and hasattr(os, "fork")
        and not list(config.plugins)
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


class _Messages(logging.Handler):
    """Every record MkDocs logs in a worker, replayed by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def build(
    config: Any,
    workers: int,
    template_cache: Path | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """`mkdocs.commands.build.build(config)`, with pages handled by `workers` processes.

    With `template_cache`, the theme's compiled templates are kept in that folder
    between builds (Jinja's bytecode cache): every worker renders with Material's
    partials (navigation, header, footer, …), which Jinja otherwise compiles in each
    worker on its first page — about a quarter of a second each. `meanwhile` runs in
    this process while the workers render (after the static files and templates): work
    of the caller's that writes into the site folder outside the pages.
    """
    import jinja2
    from mkdocs import utils
    from mkdocs.commands.build import (
        _build_extra_template,
        _build_page,
        _build_theme_template,
        _populate_page,
    )
    from mkdocs.exceptions import Abort, BuildError
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    warning_counter = utils.CountHandler()
    warning_counter.setLevel(logging.WARNING)
    mkdocs_logger = logging.getLogger("mkdocs")
    if config.strict:
        mkdocs_logger.addHandler(warning_counter)
    inclusion = InclusionLevel.is_included
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        utils.clean_directory(config.site_dir)
        files = get_files(config)
        env = config.theme.get_env()
        if template_cache is not None:
            template_cache.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(template_cache))
        add_theme_files(files, env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        doc_files = files.documentation_pages(inclusion=inclusion)
        for file in doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
            assert file.page is not None
        # the navigation's pages first: their titles are on every page
        in_nav = [file for file in doc_files if not file.inclusion.is_not_in_nav()]
        for file in in_nav:
            _populate_page(file.page, config, files)
        env.get_template("main.html")  # compiled once, inherited by the workers
        env = config.plugins.on_env(env, config=config, files=files)

        index = {file.src_uri: number for number, file in enumerate(doc_files)}
        shares = [doc_files[worker::workers] for worker in range(workers)]

        def work(share: Sequence[Any]) -> dict[str, Any]:
            messages = _Messages()  # replayed by the parent, so each is shown once
            mkdocs_logger.handlers = [messages]
            mkdocs_logger.propagate = False
            anchors = {}
            ahead = _read_ahead(share)
            for file in share:
                ahead.release()
                if file.page.content is None:
                    _populate_page(file.page, config, files)
                _build_page(file.page, config, doc_files, nav, env, excluded=False)
                anchors[file.src_uri] = (
                    file.page.present_anchor_ids,
                    {
                        to_file.src_uri: links
                        for to_file, links in file.page.links_to_anchors.items()
                    },
                )
            return {"messages": messages.records, "anchors": anchors}

        wait = _start_children(shares, work)
        # while the workers render: static files and templates, in MkDocs' order
        files.copy_static_files(inclusion=inclusion)
        for template in config.theme.static_templates:
            _build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            _build_extra_template(template, files, config, nav)
        try:
            if meanwhile is not None:
                meanwhile()
        finally:
            results = wait()  # the workers are waited for even when `meanwhile` failed
        for result in results:
            for name, level, message in result["messages"]:
                logging.getLogger(name).log(level, message)
        for result in results:
            for src_uri, (present, links) in result["anchors"].items():
                page = doc_files[index[src_uri]].page
                page.present_anchor_ids = present
                page.links_to_anchors = {
                    files.get_file_from_path(target): targets
                    for target, targets in links.items()
                    if files.get_file_from_path(target) is not None
                }
        for file in doc_files:
            file.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        config.plugins.on_post_build(config=config)
        if counts := warning_counter.get_counts():
            message = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
            raise Abort(f"Aborted with {message} in strict mode!")
    except Exception as error:
        config.plugins.on_build_error(error=error)
        if isinstance(error, BuildError):
            log.error(str(error))
            raise Abort("Aborted with a BuildError!") from None
        raise
    finally:
        mkdocs_logger.removeHandler(warning_counter)


_THEME_LISTINGS: dict[tuple[str, tuple[str, ...]], list[str]] = {}
"""Per installed theme folder and filter: its static files, listed once per process."""


def _theme_patterns(config: Any) -> tuple[str, ...]:
    """The names `Files.add_files_from_theme` leaves out (MkDocs 1.6.1's list)."""
    from mkdocs import utils

    patterns = [".*", "*/.*", "*.py", "*.pyc", "*.html", "*readme*", "mkdocs_theme.yml"]
    patterns.append("locales/*")
    patterns.extend(f"*{extension}" for extension in utils.markdown_extensions)
    patterns.extend(config.theme.static_templates)
    return tuple(patterns)


def theme_listing(folder: str, config: Any) -> list[str]:
    """The static files in one of the theme's folders, as MkDocs lists and filters them.

    Material's templates folder holds ~14,500 files (its icons): listing and filtering
    them took ~0.08 s of every build. An installed theme does not change while a
    process runs, so each of its folders is listed once per process (the builder
    process of `generator.build` lists them before the build starts); the generated
    `custom_dir` is listed by every build.
    """
    import fnmatch

    import jinja2

    patterns = _theme_patterns(config)
    key = (folder, patterns)
    listing = _THEME_LISTINGS.get(key)
    if listing is None:
        names = jinja2.FileSystemLoader([folder]).list_templates()
        listing = [
            name
            for name in names
            if not any(fnmatch.fnmatch(name.lower(), pattern) for pattern in patterns)
        ]
        if folder != config.theme.custom_dir:
            _THEME_LISTINGS[key] = listing
    return listing


def add_theme_files(files: Any, env: Any, config: Any) -> None:
    """`files.add_files_from_theme(env, config)`, with the theme's folders listed once
    per process (`theme_listing`): the same files in the same order."""
    from mkdocs.structure.files import File

    if list(getattr(env.loader, "searchpath", ())) != list(config.theme.dirs):
        files.add_files_from_theme(env, config)
        return
    names = sorted({name for folder in config.theme.dirs for name in theme_listing(folder, config)})
    for path in names:
        # theme files do not override docs_dir files
        if files.get_file_from_path(path) is None:
            for folder in config.theme.dirs:
                # the first theme folder that holds the file
                if os.path.isfile(os.path.join(folder, path)):
                    files.append(File(path, folder, config.site_dir, config.use_directory_urls))
                    break


def _read_ahead(share: Sequence[Any]) -> threading.Semaphore:
    """Read the pages' sources in a thread, at most READ_AHEAD pages ahead of the worker
    (which releases the returned semaphore once per page it starts): the worker then
    finds each source in the page cache instead of waiting for the disk. Render wrote
    the sources a moment ago, but a machine short of memory (or one that reclaims cold
    pages within seconds, like the one the benchmarks ran on) may have dropped them."""
    budget = threading.Semaphore(0)

    def read() -> None:
        for done, file in enumerate(share):
            if done >= READ_AHEAD:
                budget.acquire()
            path = file.abs_src_path
            if path is not None:
                try:
                    with open(path, "rb") as source:
                        source.read()
                except OSError:
                    pass  # the worker reports it when it reads the page

    threading.Thread(target=read, name="read-ahead", daemon=True).start()
    return budget


def _start_children(
    parts: Sequence[Sequence[Any]], work: Callable[[Sequence[Any]], Any]
) -> Callable[[], list[Any]]:
    """Fork one child per part now; the returned function waits for their results."""
    children = []
    for part in parts:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(read)
            gc.disable()
            try:
                payload: tuple[str, Any] = ("ok", work(part))
            except BaseException as error:  # noqa: BLE001 - reported by the parent
                payload = ("error", f"{type(error).__name__}: {error}")
            try:
                with os.fdopen(write, "wb") as out:
                    pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                os._exit(0)
        os.close(write)
        children.append((pid, read))

    def wait() -> list[Any]:
        results, errors = [], []
        for pid, read in children:
            with os.fdopen(read, "rb") as source:
                data = source.read()
            _, status = os.waitpid(pid, 0)
            if not data:
                errors.append(f"a page worker died (wait status {status})")
                continue
            kind, value = pickle.loads(data)  # noqa: S301 - our own child's output
            if kind == "error":
                errors.append(value)
            else:
                results.append(value)
        if errors:
            from mkdocs.exceptions import BuildError

            raise BuildError("; ".join(errors))
        return results

    return wait
