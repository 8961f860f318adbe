"""The publishing pipeline, composed in one place: load → validate → aggregate → render → build.

    validate_catalog      catalog/ → Catalog, or every problem (ProblemsFound)
    run_policy            Catalog → governance findings and status per model
    summarize             Catalog + monitoring store → MonitoringSummary (health)
    narrow                optional: only what one audience may see
    build_site_context    → SiteContext (the typed context of every template)
    render_site           → build/docs/ (Markdown, data, assets) + build/overrides/
    build_site            → site/ (MkDocs or Zensical, search index), swapped in atomically

Nothing is written until load, validation and aggregation have all succeeded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import memo
from generator.errors import BuildError, GovcatError, Problem, ProblemsFound
from generator.health import HealthStatus, ModelHealth, MonitoringSummary

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """Everything `govcat build` and `govcat serve` can be asked to do."""

    catalog: Path
    project_dir: Path = Path(".")
    """Holds mkdocs.yml (if any), build/ and site/ unless given explicitly."""
    site_dir: Path | None = None
    build_dir: Path | None = None
    config_file: Path | None = None
    """The project's mkdocs.yml; None: `project_dir/mkdocs.yml` if present, else the default."""
    as_of: dt.date | None = None
    engine: str = "mkdocs"
    strict: bool = False
    audience: str | None = None
    search: bool = True

    @property
    def site(self) -> Path:
        return self.site_dir or self.project_dir / "site"

    @property
    def build(self) -> Path:
        return self.build_dir or self.project_dir / "build"

    @property
    def project_config(self) -> Path | None:
        if self.config_file is not None:
            return self.config_file
        candidate = self.project_dir / "mkdocs.yml"
        return candidate if candidate.is_file() else None

    def resolved_as_of(self) -> dt.date:
        """--as-of, else SOURCE_DATE_EPOCH's date (reproducible builds), else today (UTC)."""
        if self.as_of is not None:
            return self.as_of
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.strip().isdigit():
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        return dt.datetime.now(dt.UTC).date()


@dataclass
class PipelineReport:
    """What a run did, for the CLI's summary and the benchmark."""

    models: int = 0
    pages: int = 0
    changed: int = 0
    removed: int = 0
    search_files: int = 0
    site_dir: Path | None = None
    build_skipped: bool = False
    """Nothing changed since the last build of this site: the builder did not run."""
    warnings: list[Problem] = field(default_factory=list)
    build_warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def terminal_progress(message: str) -> None:
    """Progress on stderr, only when it is a terminal."""
    if sys.stderr.isatty():
        print(f"govcat: {message}", file=sys.stderr, flush=True)


@dataclass
class Prepared:
    """The output of the read-only stages: ready to render."""

    site: Any  # generator.render.SiteContext
    warnings: list[Problem]
    summary: MonitoringSummary | None = None
    """The monitoring summary before audience narrowing (reused by the preview)."""


def _summarize(catalog: Any, as_of: dt.date, prefetched: Any = None) -> MonitoringSummary:
    try:
        from generator.monitoring.aggregate import summarize
    except ImportError:  # monitoring not installed in this tree: every model unmonitored
        return MonitoringSummary(
            as_of=as_of,
            models={
                model_id: ModelHealth(model_id, HealthStatus.unmonitored, as_of, None)
                for model_id in catalog.models
            },
        )
    return summarize(catalog, as_of=as_of, prefetched=prefetched)


def _prefetch(
    options: BuildOptions, as_of: dt.date, previous: Prepared | None, changed: set[str] | None
) -> contextlib.AbstractContextManager[Any]:
    """The monitoring store's reads that need no card (`aggregate.Prefetch`), started
    before the catalog is validated; a null context when there is nothing to start (a
    preview after edits aggregates the edited models only: `_summarize_changed`)."""
    from generator.validate import load_settings

    if _reuses_summary(options, previous, changed):
        return contextlib.nullcontext()
    try:
        from generator.monitoring.aggregate import Prefetch

        return Prefetch(options.catalog, load_settings(options.catalog).monitoring_store, as_of)
    except (ImportError, GovcatError):  # validation reports a bad store setting
        return contextlib.nullcontext()


def _reuses_summary(
    options: BuildOptions, previous: Prepared | None, changed: set[str] | None
) -> bool:
    """Whether the preview after edits keeps the previous summary and aggregates only the
    edited models (`_summarize_changed`) instead of the whole store."""
    return (
        previous is not None
        and previous.summary is not None
        and changed is not None
        and not options.audience
    )


def _summarize_changed(
    catalog: Any, as_of: dt.date, previous: MonitoringSummary, changed: set[str]
) -> MonitoringSummary:
    """The previous summary with the edited models aggregated again (preview only).

    An edited card can change its own thresholds, hence its health; other models'
    health depends only on their cards and the store, which did not change. The
    dashboard's 90-day portfolio is kept as it was until the next full render.
    """
    subset = dataclasses.replace(
        catalog, models={m: catalog.models[m] for m in sorted(changed) if m in catalog.models}
    )
    fresh = _summarize(subset, as_of)
    series = {m: s for m, s in previous.series.items() if m not in changed}
    series.update(fresh.series)
    models = {m: h for m, h in previous.models.items() if m in catalog.models}
    models.update(fresh.models)
    return dataclasses.replace(previous, models=models, series=series)


def _narrow(catalog: Any, summary: Any, findings: list[Any], audience: str | None) -> tuple:
    if not audience:
        return catalog, summary, findings
    from generator.audience import narrow

    return narrow(catalog, summary, findings, audience)


def prepare(
    options: BuildOptions,
    progress: Progress = _quiet,
    *,
    previous: Prepared | None = None,
    changed: set[str] | None = None,
) -> Prepared:
    """Load, validate, evaluate policy, aggregate and narrow: no file is written.

    With `previous` and `changed` (the preview after model cards were edited), only
    the edited models are aggregated again. The cyclic GC is paused throughout
    (`gc_paused`): every stage makes many small objects while the loaded cards are
    alive, and each collection would scan the cards again (the governance view alone
    took 1.6 s instead of 0.8 s at 10,000 models).
    """
    from generator.validate import gc_paused

    with gc_paused():
        return _prepare(options, progress, previous, changed)


def _prepare(
    options: BuildOptions,
    progress: Progress,
    previous: Prepared | None,
    changed: set[str] | None,
) -> Prepared:
    from generator.policy import governance_status, run_policy
    from generator.render import build_site_context
    from generator.render.governance import attach_governance
    from generator.render.history import card_history
    from generator.validate import validate_catalog

    as_of = options.resolved_as_of()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # the store's reads that need no card run while the cards are validated
    with _prefetch(options, as_of, previous, changed) as prefetched:
        progress(f"validating {options.catalog}")
        # build/cache: unchanged cards skip YAML parsing (generator/cache.py)
        validated = validate_catalog(
            options.catalog, today=as_of, cache_dir=options.build / "cache"
        )
        catalog = validated.catalog
        invalid = any(p.severity == "error" or options.strict for p in validated.problems)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # the aggregation (DuckDB and numpy, mostly outside the GIL) runs in a thread
            # while this one checks the policy and asks git for the cards' history
            aggregation = None
            if not invalid:
                progress(f"aggregating monitoring for {len(catalog.models)} models")
                aggregation = pool.submit(
                    _aggregate, options, catalog, as_of, previous, changed, prefetched
                )
            policy_run = run_policy(catalog, as_of)
            problems = validated.problems + policy_run.problems
            if invalid or any(p.severity == "error" or options.strict for p in problems):
                raise ProblemsFound(problems)
            findings = policy_run.findings
            governance = (
                governance_status(catalog, policy_run.policy, findings, as_of)
                if policy_run.policy is not None
                else {}
            )
            history, top = card_history(catalog.root)
            timings["validate"] = time.perf_counter() - started
            assert aggregation is not None
            summary, timings["aggregate"] = aggregation.result()
    full_summary = summary
    catalog, summary, findings = _narrow(catalog, summary, findings, options.audience)

    repository_paths = _repository_paths(catalog, top) if top is not None else {}
    site = build_site_context(
        catalog,
        summary,
        findings,
        as_of=as_of,
        last_changes=history,
        repository_paths=repository_paths,
        governance={k: str(v) for k, v in governance.items()},
        audience=options.audience,
    )
    site.extra["timings"] = timings
    attach_governance(site, policy_run.policy, findings)
    return Prepared(site=site, warnings=problems, summary=full_summary)


def _aggregate(
    options: BuildOptions,
    catalog: Any,
    as_of: dt.date,
    previous: Prepared | None,
    changed: set[str] | None,
    prefetched: Any = None,
) -> tuple[MonitoringSummary, float]:
    """The monitoring summary of `catalog` (what its audience may see), and its seconds."""
    started = time.perf_counter()
    if _reuses_summary(options, previous, changed):
        summary = _summarize_changed(catalog, as_of, previous.summary, changed)  # type: ignore[union-attr,arg-type]
    elif options.audience:
        # aggregate only what the audience may see, so the portfolio counts stay exact
        from generator.audience import narrow_catalog

        summary = _summarize(narrow_catalog(catalog, options.audience).catalog, as_of, prefetched)
    else:
        summary = _summarize(catalog, as_of, prefetched)
    return summary, time.perf_counter() - started


def _repository_paths(catalog: Any, top: Path) -> dict[str, str]:
    """Each model card's path inside the git repository whose top folder is `top`."""
    folders: dict[Path, Path] = {}
    paths = {}
    for model_id in catalog.models:
        document = catalog.documents.get(("models", model_id))
        path = Path(document.path) if document else catalog.root / "models" / f"{model_id}.yaml"
        if path.is_symlink():
            real = path.resolve()
        else:  # one realpath per folder, not per card (0.45 s for 10,000 cards)
            folder = folders.get(path.parent)
            if folder is None:
                folder = folders[path.parent] = path.parent.resolve()
            real = folder / path.name
        with contextlib.suppress(ValueError):
            paths[model_id] = real.relative_to(top).as_posix()
    return paths


def render(options: BuildOptions, prepared: Prepared) -> Any:
    """Render the prepared site into build/docs and build/overrides."""
    from generator.render import render_site

    return render_site(prepared.site, options.build / "docs", options.build / "overrides")


def site_config(options: BuildOptions, prepared: Prepared, nav: list[Any]) -> dict[str, Any]:
    """The builder's effective config for this project and this render."""
    from generator.build import NavItem, effective_config
    from generator.render.escape import title_text

    settings = prepared.site.catalog.settings
    return effective_config(
        project_config=options.project_config,
        docs_dir=options.build / "docs",
        overrides_dir=options.build / "overrides",
        site_dir=options.site,
        nav=[NavItem(n.title, n.path) for n in nav],
        site_name=title_text(settings.title),
        site_url=settings.site_url,
        base=options.build,
    )


BUILDER_MAX_MODELS = 3_000
"""Up to this many model cards, MkDocs runs in a builder process forked when the build
starts (`build.BuilderProcess`): interleaved runs took 1.52 s → 1.31 s at 100 models and
7.10 s → 6.64 s at 1,000. At 10,000 it was slower (62.7 s and 62.7 s against 55.9 s and
52.7 s forked from this process; the build stage 22.9 and 34.0 s against 21.0 and 23.6 s),
so large catalogs fork MkDocs' page workers from this process as before."""


def _start_builder(options: BuildOptions) -> Any:
    """MkDocs' imports and theme files, on the other core while govcat's stages run: a
    `build.BuilderProcess`, or None (Zensical, or more than BUILDER_MAX_MODELS cards)."""
    from generator.build import BuilderProcess

    if options.engine != "mkdocs" or _card_count(options.catalog) > BUILDER_MAX_MODELS:
        return None
    return BuilderProcess.start(options.build / "mkdocs.yml")


def _card_count(catalog: Path) -> int:
    """Model cards in the catalog folder (a directory listing: no card is read)."""
    try:
        return sum(1 for entry in os.scandir(catalog / "models") if entry.name.endswith(".yaml"))
    except OSError:
        return 0


def run(options: BuildOptions, progress: Progress = _quiet) -> PipelineReport:
    """The whole pipeline: validate → aggregate → render → build; site/ swapped in at the end."""
    if not options.catalog.is_dir():
        raise BuildError(f"catalog folder '{options.catalog}' does not exist")
    builder = _start_builder(options)
    try:
        return _run(options, progress, builder)
    finally:
        if builder is not None:
            builder.close()


def _run(options: BuildOptions, progress: Progress, builder: Any) -> PipelineReport:
    from generator.build import build_site

    started = time.perf_counter()
    digest = inputs_digest(options)
    recorded = memo.unchanged(options.build, digest, options.site.resolve())
    if recorded is not None:
        progress("nothing changed since the last build: the site in place is kept")
        return _report_from_memo(options, recorded, time.perf_counter() - started)
    memo.forget(options.build)
    prepared = prepare(options, progress)
    report = PipelineReport(models=len(prepared.site.models), warnings=prepared.warnings)
    report.timings.update(prepared.site.extra.get("timings", {}))

    started = time.perf_counter()
    progress(f"rendering {report.models} model pages")
    rendered = render(options, prepared)
    report.timings["render"] = time.perf_counter() - started
    report.pages, report.changed, report.removed = (
        rendered.pages,
        len(rendered.changed),
        len(rendered.removed),
    )

    started = time.perf_counter()
    progress(f"building the site with {options.engine}")
    result = build_site(
        config=site_config(options, prepared, rendered.nav),
        config_file=options.build / "mkdocs.yml",
        docs_dir=options.build / "docs",
        site_dir=options.site,
        as_of=prepared.site.as_of,
        engine=options.engine,
        strict=options.strict,
        search=options.search,
        source_digest=rendered.digest,
        builder=builder,
    )
    report.timings["build"] = time.perf_counter() - started
    if result.skipped:
        progress("nothing changed since the last build: the site in place is kept")
    report.build_skipped = result.skipped
    report.site_dir = result.site_dir
    report.search_files = result.search_files
    report.build_warnings = result.warnings
    memo.remember(
        options.build,
        digest,
        result.site_dir,
        {
            "models": report.models,
            "pages": report.pages,
            "search_files": report.search_files,
            "warnings": [dataclasses.asdict(problem) for problem in report.warnings],
            "build_warnings": report.build_warnings,
        },
    )
    return report


def inputs_digest(options: BuildOptions) -> str | None:
    """The hash of everything a build of `options` reads (see generator/memo.py)."""
    from generator.build import tool_versions
    from generator.monitoring.store import resolve_store
    from generator.render import PAGE_PRODUCERS, SITE_TEMPLATES
    from generator.validate import load_settings

    settings = load_settings(options.catalog)
    try:
        location = resolve_store(options.catalog, settings.monitoring_store)
    except GovcatError:
        return None  # validation reports it; such a build never completes anyway
    return memo.inputs_digest(
        catalog_root=options.catalog,
        store_path=location.path,
        store_is_remote=location.is_remote,
        templates=SITE_TEMPLATES,
        project_config=options.project_config,
        producers=PAGE_PRODUCERS,
        versions=tool_versions(),
        options={
            "as_of": options.resolved_as_of().isoformat(),
            "audience": options.audience,
            "engine": options.engine,
            "strict": options.strict,
            "search": options.search,
            "site": str(options.site.resolve()),
            "build": str(options.build.resolve()),
        },
    )


def _report_from_memo(
    options: BuildOptions, recorded: dict[str, Any], seconds: float
) -> PipelineReport:
    """The report of a build skipped because its inputs equal the last build's."""
    return PipelineReport(
        models=int(recorded.get("models", 0)),
        pages=int(recorded.get("pages", 0)),
        search_files=int(recorded.get("search_files", 0)),
        site_dir=options.site.resolve(),
        build_skipped=True,
        warnings=[Problem(**problem) for problem in recorded.get("warnings", [])],
        build_warnings=list(recorded.get("build_warnings", [])),
        timings={"inputs": seconds},
    )


def _catalog_state(root: Path) -> dict[str, tuple[int, int]]:
    """Path → (mtime_ns, size) of every file in the catalog (cheap change detection)."""
    state = {}
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            state[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return state


def changed_models(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> set[str] | None:
    """Ids of the edited model cards, or None when anything else changed (full render)."""
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    ids = set()
    for path in changed:
        file = Path(path)
        if path not in before or path not in after:
            return None  # a card added or removed: lists and links change everywhere
        if file.parent.name != "models" or file.suffix != ".yaml":
            return None
        ids.add(file.stem)
    return ids


def rerender(
    options: BuildOptions,
    progress: Progress = _quiet,
    *,
    previous: Prepared | None = None,
    models: set[str] | None = None,
) -> Prepared | None:
    """Validate, aggregate and render again; only changed generated files are rewritten.

    With `models` (the edited cards) only their pages, the pages that list them and
    the dashboards are re-rendered. Problems are reported and leave the previous
    render in place (the preview keeps showing the last good site).
    """
    from generator.render import Scope, render_site

    try:
        prepared = prepare(options, progress, previous=previous, changed=models)
    except ProblemsFound as found:
        from generator.errors import format_problems

        # always shown (not only on a terminal): the preview is stale until they are fixed
        print(
            f"govcat: not re-rendered, the catalog has problems:\n"
            f"{format_problems(found.problems)}",
            file=sys.stderr,
            flush=True,
        )
        return None
    scope = None
    if models is not None and previous is not None:
        scope = Scope.around(models, prepared.site, previous.site)
    rendered = render_site(
        prepared.site, options.build / "docs", options.build / "overrides", scope=scope
    )
    progress(
        f"re-rendered{' ' + ', '.join(sorted(models)) if scope else ''}: "
        f"{len(rendered.changed)} files changed, {len(rendered.removed)} removed"
    )
    return prepared


def serve_site(
    options: BuildOptions,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    progress: Progress = _quiet,
    poll_seconds: float = 0.5,
) -> None:
    """Render once, start the live-reload server, and re-render when a catalog file changes."""
    import threading

    from generator.build import serve_site as serve_built_site
    from generator.build import write_effective_config

    prepared = prepare(options, progress)
    rendered = render(options, prepared)
    config = site_config(options, prepared, rendered.nav)
    config["site_dir"] = "preview"  # relative to the config in build/
    config_file = write_effective_config(options.build / "mkdocs.serve.yml", config)

    stop = threading.Event()

    def watch() -> None:
        state = _catalog_state(options.catalog)
        last = prepared
        while not stop.wait(poll_seconds):
            current = _catalog_state(options.catalog)
            if current != state:
                models = changed_models(state, current)
                state = current
                progress("catalog changed, re-rendering")
                last = rerender(options, progress, previous=last, models=models) or last

    watcher = threading.Thread(target=watch, name="govcat-catalog-watcher", daemon=True)
    watcher.start()
    try:
        serve_built_site(config_file, host=host, port=port)
    finally:
        stop.set()
