"""Governance commands: `govcat policy …`, `govcat export …`, `govcat import …`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from generator.cli.options import parse_date

CATALOG_OPTION = click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("catalog"),
    show_default=True,
    help="Catalog folder.",
)


@click.group()
def policy() -> None:
    """Inspect the catalog's governance policy: profiles, rules and check kinds.

    \b
    Example:
      govcat policy list
      govcat policy explain sr11-7.annual-review
    """


def _load(catalog: Path):  # noqa: ANN202 - Policy | None, imported lazily
    from generator.errors import ProblemsFound
    from generator.policy import load_policy

    loaded, problems = load_policy(catalog)
    if any(p.severity == "error" for p in problems):
        from generator.errors import format_problems

        click.echo(format_problems(problems), err=True)
        raise ProblemsFound(problems)
    return loaded


@policy.command("list")
@CATALOG_OPTION
def policy_list(catalog: Path) -> None:
    """List the profiles (active ones first) and their rules with severities.

    \b
    Example:
      govcat policy list --catalog catalog/
    """
    from generator.policy.describe import list_rules

    click.echo(list_rules(_load(catalog)))


@policy.command("explain")
@click.argument("rule_id", metavar="RULE")
@CATALOG_OPTION
def policy_explain(rule_id: str, catalog: Path) -> None:
    """Explain one rule: its clause, scope, check and why it exists.

    \b
    Example:
      govcat policy explain eu-ai-act.art14-human-oversight
    """
    from generator.policy.describe import explain_rule

    text = explain_rule(rule_id, _load(catalog))
    if text is None:
        raise click.ClickException(f"no rule '{rule_id}'; `govcat policy list` shows the rule ids")
    click.echo(text)


@policy.command("checks")
def policy_checks() -> None:
    """Describe the check kinds a rule can use, with their parameters.

    \b
    Example:
      govcat policy checks
    """
    from generator.policy.describe import describe_checks

    click.echo(describe_checks())


def _as_of(value: str | None) -> dt.date:
    return parse_date(value, param_hint="--today") or dt.date.today()


TODAY_OPTION = click.option(
    "--today", metavar="DATE", help="Evaluate the policy as of this date (YYYY-MM-DD)."
)
OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="PATH",
    help="File to write (written atomically); '-' for standard output.",
)


@contextmanager
def _problems_printed() -> Iterator[None]:
    """Print every located problem (`path:line:col: rule: message`) before exiting with 1."""
    from generator.errors import ProblemsFound, format_problems

    try:
        yield
    except ProblemsFound as error:
        click.echo(format_problems(error.problems), err=True)
        raise


def _emit(output: str, data: bytes) -> None:
    from generator.exports.output import write_output

    write_output(output, data)
    if output != "-":
        click.echo(f"wrote {output}", err=True)


@click.group("export")
def export() -> None:
    """Export the catalog: inventory tables, CycloneDX ML-BOM, Hugging Face READMEs.

    \b
    Example:
      govcat export inventory --format xlsx -o inventory.xlsx
      govcat export cyclonedx --all -o ml-bom.json
    """


@export.command("inventory")
@CATALOG_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json", "xlsx"]),
    default="csv",
    show_default=True,
    help="Table format.",
)
@OUTPUT_OPTION
@TODAY_OPTION
def export_inventory(catalog: Path, output_format: str, output: str, today: str | None) -> None:
    """The model inventory, one row per model, with governance status and review dates.

    \b
    Example:
      govcat export inventory --format csv -o inventory.csv
    """
    from generator.exports import inventory_bytes
    from generator.policy.report import load_report

    if output_format == "xlsx" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("xlsx is binary: give -o FILE.xlsx")
    with _problems_printed():
        report = load_report(catalog, _as_of(today))
    _emit(output, inventory_bytes(report, output_format))


@export.command("cyclonedx")
@click.argument("model_id", metavar="[MODEL]", required=False)
@click.option("--all", "all_models", is_flag=True, help="Every model of the catalog.")
@CATALOG_OPTION
@OUTPUT_OPTION
@TODAY_OPTION
def export_cyclonedx(
    model_id: str | None, all_models: bool, catalog: Path, output: str, today: str | None
) -> None:
    """A CycloneDX 1.6 ML-BOM (JSON) of one model, or of all with --all.

    \b
    Example:
      govcat export cyclonedx credit-default-scorer -o cds.cdx.json
      govcat export cyclonedx --all -o catalog.cdx.json
    """
    from generator.exports import cyclonedx_json
    from generator.policy.report import load_report

    if bool(model_id) == all_models:
        raise click.UsageError("give one MODEL id or --all")
    with _problems_printed():
        report = load_report(catalog, _as_of(today))
    ids = None if all_models else [_known_model(report, model_id)]
    # one model: indented for people; --all: compact (a 10,000-model BOM indents slowly)
    _emit(output, cyclonedx_json(report, ids, indent=None if all_models else 2).encode())


def _known_model(report, model_id: str | None) -> str:  # noqa: ANN001
    import difflib

    if model_id not in report.catalog.models:
        close = difflib.get_close_matches(str(model_id), list(report.catalog.models), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise click.ClickException(f"no model '{model_id}' in {report.catalog.root}{hint}")
    return str(model_id)


@export.command("hf")
@click.argument("model_id", metavar="MODEL")
@CATALOG_OPTION
@OUTPUT_OPTION
@TODAY_OPTION
def export_hf(model_id: str, catalog: Path, output: str, today: str | None) -> None:
    """A Hugging Face style README.md (YAML metadata with model-index, then sections).

    \b
    Example:
      govcat export hf credit-default-scorer -o README.md
    """
    from generator.exports import hf_readme
    from generator.policy.report import load_report

    with _problems_printed():
        report = load_report(catalog, _as_of(today))
    _emit(output, hf_readme(report, _known_model(report, model_id)).encode())


@click.group("import")
def import_() -> None:
    """Import third-party model cards as catalog cards with TODOs for governance.

    \b
    Example:
      govcat import hf README.md --owner nlp-platform
      govcat import mct model_card.json -o catalog/models/cats-vs-dogs.yaml
    """


def _import_options(function):  # noqa: ANN001, ANN202
    function = click.option("--force", is_flag=True, help="Replace an existing card.")(function)
    function = click.option("--owner", help="Owner team id to fill in.")(function)
    function = click.option("--id", "card_id", help="Card id (default: from the source's name).")(
        function
    )
    function = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Card file to write (default CATALOG/models/<id>.yaml); '-' for stdout.",
    )(function)
    function = CATALOG_OPTION(function)
    return click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))(
        function
    )


def _run_import(kind: str, source: Path, catalog: Path, output, card_id, owner, force) -> None:  # noqa: ANN001
    from generator.importers import import_hf, import_mct, write_imported
    from generator.schema import ID_RE

    if card_id is not None and not ID_RE.match(card_id):
        raise click.BadParameter(f"{card_id!r} is not a valid id", param_hint="--id")
    importer = import_hf if kind == "hf" else import_mct
    with _problems_printed():
        card = importer(source, card_id=card_id, owner=owner)
    if output is not None and str(output) == "-":
        click.echo(card.text, nl=False)
        return
    target = output or catalog / "models" / f"{card.card_id}.yaml"
    write_imported(card, target, force=force)
    click.echo(
        f"wrote {target} with {card.todos} TODOs — fill them in, then run `govcat validate {catalog}`"
    )


@import_.command("hf")
@_import_options
def import_hf_command(source: Path, catalog: Path, output, card_id, owner, force) -> None:  # noqa: ANN001
    """Import a Hugging Face model card (README.md with YAML front matter).

    \b
    Example:
      govcat import hf README.md --id sentence-embedder --owner nlp-platform
    """
    _run_import("hf", source, catalog, output, card_id, owner, force)


@import_.command("mct")
@_import_options
def import_mct_command(source: Path, catalog: Path, output, card_id, owner, force) -> None:  # noqa: ANN001
    """Import a Google Model Card Toolkit card (model_card.json).

    \b
    Example:
      govcat import mct model_card.json --owner vision-ml
    """
    _run_import("mct", source, catalog, output, card_id, owner, force)


COMMANDS: list[click.Command] = [policy, export, import_]
