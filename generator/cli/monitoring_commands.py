"""Monitoring commands: ingest exports, report health, compact and verify the store."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from generator.errors import ProblemsFound, format_problems, summary_line

CATALOG_OPTION = click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("catalog"),
    show_default=True,
    help="Catalog folder (its settings.yaml may move the store: monitoring_store).",
)


def _load_catalog(catalog: Path, today: dt.date | None = None) -> Any:
    from generator.validate import validate_catalog

    if not catalog.is_dir():
        raise click.UsageError(f"catalog folder '{catalog}' does not exist")
    result = validate_catalog(catalog, today=today)
    if result.errors:
        click.echo(
            f"warning: {catalog} has {summary_line(result.errors)} Cards with errors are left "
            f"out; run `govcat validate {catalog}`.",
            err=True,
        )
    return result.catalog


def _parse_at(value: str | None, assume_utc: bool) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a timestamp (2026-11-20T06:00:00Z) or a date", param_hint="--at"
        ) from None
    if stamp.tzinfo is None:
        if not assume_utc:
            raise click.BadParameter(
                f"{value!r} has no time zone; add Z or +HH:MM (or pass --assume-utc)",
                param_hint="--at",
            )
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@CATALOG_OPTION
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "csv", "parquet", "jsonl", "evidently"]),
    default="auto",
    show_default=True,
    help="Export format; auto looks at the extension (.json = Evidently).",
)
@click.option("--model", metavar="ID", help="Model id for exports that carry none.")
@click.option(
    "--at",
    metavar="TIMESTAMP",
    help="Observation time for exports that carry none (Evidently compact reports).",
)
@click.option("--assume-utc", is_flag=True, help="Read timestamps without a zone as UTC.")
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Write the good rows; bad rows go to <export>.rejects.jsonl (or --rejects).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --skip-bad: one rejects file for all exports.",
)
@click.option(
    "--replace", is_flag=True, help="Overwrite stored values that conflict with the export."
)
@click.option("--wide", is_flag=True, help="One column per metric (needs --metric-columns).")
@click.option(
    "--metric-columns",
    metavar="COL[=METRIC],...",
    help="With --wide: the metric columns, optionally renamed (auc,psi_total=psi).",
)
@click.option(
    "--problems-format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How to print problems.",
)
def ingest(
    files: tuple[Path, ...],
    catalog: Path,
    file_format: str,
    model: str | None,
    at: str | None,
    assume_utc: bool,
    skip_bad: bool,
    rejects: Path | None,
    replace: bool,
    wide: bool,
    metric_columns: str | None,
    problems_format: str,
) -> None:
    """Check monitoring exports and add their new rows to the catalog's parquet store.

    FILES are long-format CSV, JSON Lines or parquet (model_id, model_version, ts,
    metric, segment, value), wide exports (--wide), or Evidently JSON (compact
    report, snapshot, legacy report or test suite). Every row is checked; by
    default one bad row rejects everything and nothing is written. Ingesting the
    same export twice changes nothing.

    \b
    Example:
      govcat ingest exports/2026-11-21.csv
      govcat ingest --model churn-predictor --at 2026-11-20T06:00:00Z report.json
      govcat ingest --wide --metric-columns auc,psi_total=psi nightly.csv
    """
    from generator.monitoring.ingest import IngestOptions
    from generator.monitoring.ingest import ingest as run_ingest
    from generator.monitoring.readers import WideMapping

    if wide != bool(metric_columns):
        raise click.UsageError("--wide and --metric-columns go together")
    if rejects is not None and not skip_bad:
        raise click.UsageError("--rejects needs --skip-bad")
    options = IngestOptions(
        file_format=file_format,
        model=model,
        at=_parse_at(at, assume_utc),
        assume_utc=assume_utc,
        skip_bad=skip_bad,
        replace=replace,
        wide=WideMapping.parse(metric_columns) if metric_columns else None,
        rejects=rejects,
    )
    loaded = _load_catalog(catalog)
    try:
        report = run_ingest(loaded, list(files), options, progress=_terminal_progress())
    except ProblemsFound as error:
        _clear_progress()
        click.echo(format_problems(error.problems, problems_format), err=True)
        raise ProblemsFound(error.problems, "problem") from None
    _clear_progress()
    if report.problems:
        click.echo(format_problems(report.problems, problems_format), err=True)
    click.echo(report.summary())
    for path in report.rejects_files:
        click.echo(f"rejected rows written to {path}", err=True)
    if report.failed_files:
        raise ProblemsFound(report.failed_files)


def _terminal_progress() -> Any:
    """A progress callback that redraws one stderr line on a terminal; None otherwise (CI)."""
    if not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        sys.stderr.write("\r\x1b[K" + message[:100])
        sys.stderr.flush()

    return show


def _clear_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")


@click.command()
@CATALOG_OPTION
@click.option("--as-of", metavar="DATE", help="Health as of this day (default today, UTC).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--fail-on",
    type=click.Choice(["breach", "warning", "stale"]),
    help="Exit 1 when a model is this bad or worse (breach > stale > warning).",
)
@click.option("--all", "show_all", is_flag=True, help="Also list the models that are fine.")
def health(
    catalog: Path, as_of: str | None, output_format: str, fail_on: str | None, show_all: bool
) -> None:
    """Print model health from the monitoring store, models needing attention first.

    The exit status is 0 unless --fail-on is given and a model is at least that
    bad: the nightly job's alert signal.

    \b
    Example:
      govcat health
      govcat health --as-of 2026-11-21 --format json
      govcat health --fail-on breach
    """
    from generator.health import SEVERITY, HealthStatus
    from generator.monitoring.aggregate import summarize

    day = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(
                f"{as_of!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
            ) from None
    loaded = _load_catalog(catalog)
    summary = summarize(loaded, as_of=day)
    attention = summary.attention()
    if output_format == "json":
        click.echo(json.dumps(_health_json(summary), indent=2))
    else:
        counts = summary.counts()
        shown = ", ".join(f"{counts[s]} {s}" for s in HealthStatus if counts[s])
        click.echo(f"health as of {summary.as_of}: {len(summary.models)} models ({shown})")
        listed = attention + (
            [
                m
                for m in sorted(summary.models.values(), key=lambda m: m.model_id)
                if m not in attention
            ]
            if show_all
            else []
        )
        width = max((len(m.model_id) for m in listed), default=0)
        for model in listed:
            click.echo(
                f"{model.status.value.upper():<11} {model.model_id:<{width}}  {model.reason}"
            )
        if not attention:
            click.echo("no model needs attention")
    if fail_on is not None:
        bar = SEVERITY[HealthStatus(fail_on)]
        failing = [m for m in attention if SEVERITY[m.status] >= bar]
        if failing:
            if output_format == "text":
                click.echo(f"{len(failing)} model(s) at {fail_on} or worse", err=True)
            sys.exit(1)


def _health_json(summary: Any) -> dict[str, Any]:
    def stamp(value: dt.datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    attention = {m.model_id for m in summary.attention()}
    return {
        "as_of": summary.as_of.isoformat(),
        "store": summary.store,
        "rows": summary.rows,
        "counts": {status.value: count for status, count in summary.counts().items()},
        "attention": [m.model_id for m in summary.attention()],
        "models": [
            {
                "id": model.model_id,
                "status": model.status.value,
                "needs_attention": model.model_id in attention,
                "reason": model.reason,
                "stage": model.stage.value if model.stage else None,
                "last_data": stamp(model.last_data),
                "metrics": [
                    {
                        "metric": metric.metric,
                        "segment": metric.segment,
                        "status": metric.status.value,
                        "latest_value": metric.latest_value,
                        "latest_ts": stamp(metric.latest_ts),
                        "breach_since": stamp(metric.breach_since),
                        "checked": metric.threshold is not None,
                    }
                    for metric in model.metrics
                ],
            }
            for model in summary.models.values()
        ],
        "portfolio": [
            {"day": day.isoformat(), **{s.value: n for s, n in counts.items()}}
            for day, counts in summary.portfolio
        ],
    }


@click.group()
def monitoring() -> None:
    """Maintain the monitoring store: compact small parts, verify every file.

    \b
    Example:
      govcat monitoring verify
      govcat monitoring compact --catalog catalog/
    """


def _local_store(catalog: Path) -> Any:
    from generator.monitoring.store import open_store, resolve_store

    loaded = _load_catalog(catalog)
    return open_store(resolve_store(loaded.root, loaded.settings.monitoring_store))


@monitoring.command()
@CATALOG_OPTION
def compact(catalog: Path) -> None:
    """Merge each month's parts into one part; rows and their checksum stay the same.

    Parts that lack their series summary (a store written by an older govcat) get
    one, so that health and the site stop reading those months row by row.

    \b
    Example:
      govcat monitoring compact
    """
    store = _local_store(catalog)
    before_checksum = store.checksum()
    before, after = store.compact()
    click.echo(
        f"{store.root}: {before} parts → {after}; content checksum {before_checksum} unchanged"
    )


@monitoring.command()
@CATALOG_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
)
def verify(catalog: Path, output_format: str) -> None:
    """Read every part of the store; report corrupt, misplaced or foreign files.

    Each part's series summary is recomputed and compared with the one beside it.

    \b
    Example:
      govcat monitoring verify --catalog catalog/
    """
    store = _local_store(catalog)
    problems = store.verify()
    errors = [p for p in problems if p.severity == "error"]
    if problems or output_format == "json":
        click.echo(format_problems(problems, output_format), err=output_format == "text")
    if errors:
        raise ProblemsFound(problems)
    if output_format == "text":
        click.echo(f"{store.root}: {len(store.part_files())} parts verified, {store.checksum()}")


COMMANDS: list[click.Command] = [ingest, health, monitoring]
