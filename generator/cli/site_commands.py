"""Commands for the published site: build and serve."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import parse_date

AUDIENCE_CHOICES = ("public", "internal", "restricted")


def _site_options(command: click.Command) -> click.Command:
    options = [
        click.option(
            "--catalog",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("catalog"),
            show_default=True,
            help="Catalog folder.",
        ),
        click.option(
            "--config-file",
            "-f",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            default=None,
            help="Site config (theme, palette); default ./mkdocs.yml if present, "
            "else govcat's built-in one.",
        ),
        click.option(
            "--build-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("build"),
            show_default=True,
            help="Where the generated Markdown and data files go.",
        ),
        click.option("--as-of", metavar="DATE", help="Health as of this date (YYYY-MM-DD)."),
        click.option(
            "--audience",
            type=click.Choice(AUDIENCE_CHOICES),
            default=None,
            help="Publish only what this audience may see (default: everything).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command()
@_site_options
@click.option(
    "--site-dir",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Output folder; replaced only once the new site is complete.",
)
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default="mkdocs",
    show_default=True,
    help="Static site builder (zensical: the optional `govcat[zensical]` extra).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on any validation problem (warnings too), policy-file problem or broken link.",
)
@click.option("--no-search", is_flag=True, help="Skip the search index (site/search-index/).")
def build(
    catalog: Path,
    config_file: Path | None,
    build_dir: Path,
    as_of: str | None,
    audience: str | None,
    site_dir: Path,
    engine: str,
    strict: bool,
    no_search: bool,
) -> None:
    """Validate the catalog, aggregate monitoring and publish the static site.

    Generated Markdown and data go to --build-dir, the site to --site-dir. With a
    fixed --as-of (or SOURCE_DATE_EPOCH) two builds of one commit are identical.

    \b
    Example:
      govcat build --catalog catalog/
      govcat build --as-of 2026-11-01 --strict --engine zensical
      govcat build --as-of v2025.12   # cards as they stood at a git revision
    """
    from generator.errors import ProblemsFound, format_problems
    from generator.history import point_in_time
    from generator.pipeline import BuildOptions, run, terminal_progress

    # --as-of DATE|REV: the cards as they stood then, from git history when they changed since
    with point_in_time(catalog, as_of) as moment:
        options = BuildOptions(
            catalog=moment.catalog,
            site_dir=site_dir,
            build_dir=build_dir,
            config_file=config_file,
            as_of=moment.as_of if as_of else None,
            engine=engine,
            strict=strict,
            audience=audience,
            search=not no_search,
        )
        try:
            report = run(options, progress=terminal_progress)
        except ProblemsFound as found:
            click.echo(format_problems(found.problems), err=True)
            raise
    if report.warnings:
        click.echo(format_problems(report.warnings), err=True)
    for warning in report.build_warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{report.site_dir}: {report.models} models, {report.pages} pages "
        f"({report.changed} generated files changed, {report.removed} removed)"
        + (f", search index {report.search_files} files" if report.search_files else "")
        + ("; unchanged since the last build, site kept" if report.build_skipped else "")
    )


@click.command()
@_site_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve(
    catalog: Path,
    config_file: Path | None,
    build_dir: Path,
    as_of: str | None,
    audience: str | None,
    host: str,
    port: int,
) -> None:
    """Preview the site with live reload; a changed card is re-rendered within seconds.

    Only generated files whose content changed are rewritten, so the preview
    rebuilds just those pages. Search needs a full `govcat build`.

    \b
    Example:
      govcat serve --catalog catalog/ --port 8000
    """
    from generator.pipeline import BuildOptions, serve_site, terminal_progress

    if not catalog.is_dir():
        raise click.UsageError(f"catalog folder '{catalog}' does not exist")
    options = BuildOptions(
        catalog=catalog,
        build_dir=build_dir,
        config_file=config_file,
        as_of=parse_date(as_of),
        audience=audience,
    )
    serve_site(options, host=host, port=port, progress=terminal_progress)


COMMANDS: list[click.Command] = [build, serve]
