"""Governance commands: `govcat policy …`, `govcat export …`, `govcat import …`."""

from __future__ import annotations

from pathlib import Path

import click

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


COMMANDS: list[click.Command] = [policy]
