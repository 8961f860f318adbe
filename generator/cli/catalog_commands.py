"""Commands for the catalog's files: validate, schema, new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from generator.cli.options import parse_date
from generator.errors import ProblemsFound, format_problems, summary_line

CATALOG_ARGUMENT = click.argument(
    "catalog", type=click.Path(file_okay=False, path_type=Path), default="catalog", required=False
)


@click.command()
@CATALOG_ARGUMENT
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text lines, a JSON document, or GitHub workflow annotations.",
)
@click.option("--today", metavar="DATE", help="Validate as of this date (YYYY-MM-DD).")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default=None,
    help="Also fail on policy findings of this severity or worse (schema problems always fail).",
)
@click.option(
    "--strict", is_flag=True, help="Treat warnings as errors (same as --fail-on warning)."
)
def validate(
    catalog: Path, output_format: str, today: str | None, fail_on: str | None, strict: bool
) -> None:
    """Check every card of CATALOG (default ./catalog) and report all problems at once.

    Problems print as `path:line:col: rule-id: message`; the exit status is 1 when
    there is any error, 0 otherwise.

    \b
    Example:
      govcat validate catalog/
      govcat validate --format github
    """
    from generator.policy import run_policy
    from generator.validate import validate_catalog

    if not catalog.is_dir():
        raise click.UsageError(f"catalog folder '{catalog}' does not exist")
    day = parse_date(today) or dt.date.today()
    result = validate_catalog(catalog, today=day)
    policy = run_policy(result.catalog, day)  # findings fail only with --fail-on
    if strict:
        fail_on = "warning"
    failing = [
        p
        for p in result.problems + policy.problems
        if p.severity == "error" or fail_on == "warning"
    ]
    failing += [f.problem for f in policy.failing(fail_on)]
    problems = result.problems + policy.problems + policy.open_problems()
    if output_format == "json":
        click.echo(format_problems(problems, "json"))
    elif problems:
        click.echo(format_problems(problems, output_format))
    if failing:
        if output_format != "text":
            raise click.exceptions.Exit(1)
        raise ProblemsFound(problems)
    if output_format == "text":
        models = len(result.catalog.models)
        tail = f" ({summary_line(problems, 'finding')})" if problems else ""
        if policy.waived:
            tail += f" ({policy.waived} waived)"
        click.echo(
            f"{catalog}: {models} models, {len(result.catalog.datasets)} datasets, "
            f"{len(result.catalog.teams)} teams — valid{tail}",
            err=bool(problems),
        )


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schema"),
    show_default=True,
    help="Folder to write the JSON Schema files into.",
)
@click.option("--check", is_flag=True, help="Fail if the files in --output are out of date.")
def schema(output: Path, check: bool) -> None:
    """Write JSON Schema files for model, dataset, team and settings files.

    Editors with the YAML language server autocomplete and check cards that start
    with `# yaml-language-server: $schema=../../schema/models.json`.

    \b
    Example:
      govcat schema -o schema/
    """
    from generator.scaffold import write_json_schemas

    stale = write_json_schemas(output, check=check)
    if check and stale:
        raise click.ClickException(
            f"out of date: {', '.join(map(str, stale))} — run `govcat schema -o {output}`"
        )
    if not check:
        click.echo(f"wrote JSON Schema to {output}/")


@click.command()
@click.argument("kind", type=click.Choice(["model", "dataset", "team"]))
@click.argument("card_id", metavar="ID")
@click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("catalog"),
    show_default=True,
    help="Catalog folder.",
)
@click.option("--owner", default=None, help="Owner team id to fill in.")
def new(kind: str, card_id: str, catalog: Path, owner: str | None) -> None:
    """Scaffold a commented card with TODO markers at CATALOG/<kind>s/ID.yaml.

    The new card fails `govcat validate` (rule todo-left) until every TODO is
    replaced.

    \b
    Example:
      govcat new model card-fraud-detector --owner payments-ml
    """
    from generator.scaffold import ScaffoldError, new_card

    try:
        path = new_card(catalog, kind, card_id, owner=owner)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {path} — fill in the TODOs, then run `govcat validate {catalog}`")


COMMANDS: list[click.Command] = [validate, schema, new]
