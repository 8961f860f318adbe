"""Commands that put the catalog into a team's git workflow: diff, codeowners, init."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

CATALOG_OPTION = click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("catalog"),
    show_default=True,
    help="Catalog folder.",
)


@click.command()
@click.argument("base")
@click.argument("head", required=False)
@CATALOG_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown for a pull-request comment, or a JSON document.",
)
@click.option(
    "--fail-on-new",
    type=click.Choice(["error", "warning"]),
    default=None,
    help="Exit 1 when the change introduces policy findings of this severity or worse, "
    "or when HEAD has schema errors. Findings already present on BASE never fail.",
)
@click.option("--today", metavar="DATE", help="Evaluate policy as of this date (YYYY-MM-DD).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report to this file (e.g. for $GITHUB_STEP_SUMMARY).",
)
def diff(
    base: str,
    head: str | None,
    catalog: Path,
    output_format: str,
    fail_on_new: str | None,
    today: str | None,
    output: Path | None,
) -> None:
    """The governance diff of the catalog between git revisions BASE and HEAD.

    HEAD defaults to the working tree. The report lists models added, removed and
    renamed, stage changes (promotions to production stand out), risk and
    classification changes, monitoring thresholds loosened or tightened,
    validations, waivers, owners, and the policy findings the change introduces
    or resolves — with a one-line verdict on top.

    \b
    Example:
      govcat diff origin/main
      govcat diff origin/main HEAD --fail-on-new error -o diff.md
    """
    from generator.diff import governance_diff, render_json, render_markdown

    if not catalog.is_dir():
        raise click.UsageError(f"catalog folder '{catalog}' does not exist")
    on = _parse_date(today)
    report = governance_diff(catalog, base, head, today=on)
    text = render_json(report) if output_format == "json" else render_markdown(report)
    click.echo(text, nl=False)
    if output is not None:
        from generator.scaffold import atomic_write

        atomic_write(output, text)
    if fail_on_new and report.fails(fail_on_new):
        introduced = len(report.introduced(fail_on_new))
        errors = len(report.head_errors)
        raise click.ClickException(
            f"the change introduces {introduced} policy finding(s) at {fail_on_new} or worse "
            f"and HEAD has {errors} schema error(s) — see the report above"
        )


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


COMMANDS: list[click.Command] = [diff]
