"""Commands that put the catalog into a team's git workflow: diff, codeowners, init."""

from __future__ import annotations

from collections.abc import Callable
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
    on = parse_date(today)
    report = governance_diff(catalog, base, head, today=on, progress=_terminal_progress())
    text = render_json(report) if output_format == "json" else render_markdown(report)
    click.echo(text, nl=False)
    if output is not None:
        _write_output(output, text)
    if fail_on_new and report.fails(fail_on_new):
        introduced = len(report.introduced(fail_on_new))
        errors = len(report.head_errors)
        reasons = []
        if introduced:
            reasons.append(f"introduces {introduced} policy finding(s) at {fail_on_new} or worse")
        if errors:
            reasons.append(f"leaves {errors} schema error(s) on {report.head}")
        raise click.ClickException(
            f"the change {' and '.join(reasons)} — see the report above; findings "
            "already on the base never fail"
        )


@click.command()
@CATALOG_OPTION
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write, `-` for standard output "
    "[default: .github/CODEOWNERS, or .gitlab/CODEOWNERS with --gitlab].",
)
@click.option("--gitlab", is_flag=True, help="GitLab syntax: one [Section] per catalog folder.")
@click.option(
    "--check", is_flag=True, help="Only check that the file is up to date (exit 1 if not)."
)
def codeowners(catalog: Path, output: Path | None, gitlab: bool, check: bool) -> None:
    """Generate CODEOWNERS from the cards, so the git host enforces the right reviews.

    Each model card is owned by its owner team and its independent validator
    (the teams' `code_owner` handles), each dataset by its owner, each team file
    by the team and the second-line teams; settings, policy and new cards by the
    second-line teams.

    \b
    Example:
      govcat codeowners
      govcat codeowners --gitlab -o .gitlab/CODEOWNERS
      govcat codeowners --check
    """
    from generator.codeowners import GITHUB_PATH, GITLAB_PATH, codeowners_for
    from generator.errors import ProblemsFound, format_problems

    if not catalog.is_dir():
        raise click.UsageError(f"catalog folder '{catalog}' does not exist")
    output = output or (GITLAB_PATH if gitlab else GITHUB_PATH)
    command = f"govcat codeowners --catalog {catalog.as_posix()}"
    command += " --gitlab" if gitlab else ""
    if output not in (GITLAB_PATH if gitlab else GITHUB_PATH, Path("-")):
        command += f" -o {output.as_posix()}"
    try:
        text = codeowners_for(catalog, gitlab=gitlab, command=command)
    except ProblemsFound as error:
        click.echo(format_problems(error.problems))
        raise
    if check:
        current = output.read_text("utf-8") if output.is_file() else None
        if current != text:
            state = "is missing" if current is None else "is out of date with the cards"
            raise click.ClickException(f"{output} {state} — run `{command}` and commit it")
        click.echo(f"{output} is up to date")
        return
    _write_output(output, text)
    if str(output) != "-":
        click.echo(f"wrote {output}", err=True)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Model catalog", show_default=True, help="Site title.")
@click.option(
    "--force", is_flag=True, help="Add the scaffold to a non-empty folder (same names overwritten)."
)
def init(directory: Path, title: str, force: bool) -> None:
    """Scaffold a new catalog repository in DIRECTORY.

    Writes an example catalog (teams, a dataset, a model, settings and policy),
    mkdocs.yml, GitHub workflows (pull-request check with the governance diff,
    publish to Pages), CODEOWNERS, a pre-commit hook, requirements.txt and a
    README. The result passes `govcat validate` and `govcat build` as written.

    \b
    Example:
      govcat init model-catalog
      cd model-catalog && git init && govcat validate catalog
    """
    from generator.init import InitError, init_repository, relative_posix

    try:
        result = init_repository(directory, title=title, force=force)
    except InitError as error:
        raise click.ClickException(str(error)) from None
    shown = relative_posix(result.root)
    for path in result.files:
        click.echo(f"wrote {shown}/{path}")
    click.echo(f"next: cd {shown} && git init && govcat validate catalog && govcat build")


def _terminal_progress() -> Callable[[str], None]:
    """Progress lines on stderr when it is a terminal; silent in CI and pipes."""
    import sys

    if not sys.stderr.isatty():
        return lambda message: None
    return lambda message: click.echo(f"govcat: {message}…", err=True)


def _write_output(path: Path, text: str) -> None:
    """`-` is standard output; a regular file is replaced atomically; anything else
    (a pipe, /dev/stdout) is written to in place, never replaced."""
    if str(path) == "-":
        click.echo(text, nl=False)
    elif path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as stream:
            stream.write(text)
    else:
        from generator.scaffold import atomic_write

        atomic_write(path, text)


COMMANDS: list[click.Command] = [diff, codeowners, init]
