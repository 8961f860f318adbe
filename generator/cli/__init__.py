"""govcat's command line: a thin Click shell over the pipeline stages.

Each command module parses arguments, calls one library function and turns its
result into output and an exit code. Heavy imports stay inside the commands so
that `govcat --help` is instant.
"""

from __future__ import annotations

import click

from generator import __version__
from generator.cli import (
    catalog_commands,
    governance_commands,
    monitoring_commands,
    site_commands,
    workflow_commands,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="govcat")
def cli() -> None:
    """govcat: a governance catalog for machine-learning models.

    Model cards and monitoring snapshots live in git; govcat validates them,
    aggregates monitoring and publishes a static, searchable site.

    \b
    Example:
      govcat validate catalog/
      govcat build --catalog catalog/
    """


for module in (
    catalog_commands,
    monitoring_commands,
    site_commands,
    governance_commands,
    workflow_commands,
):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="govcat")
