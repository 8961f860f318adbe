"""Documentation is part of the product: help texts, schema descriptions, README."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from generator import schema
from generator.cli import cli
from tests.conftest import REPO


def all_commands(
    group: click.Group = cli, prefix: str = "govcat"
) -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


COMMANDS = all_commands()


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path.split()[1:], "--help"])
    assert result.exit_code == 0
    assert command.help, f"{path} has no help text"
    if not isinstance(command, click.Group):
        assert "Example" in result.output, f"`{path} --help` shows no example"
        assert "govcat " in result.output.split("Example", 1)[1]


def strict_models() -> list[type[schema.StrictModel]]:
    return sorted(
        {
            obj
            for obj in vars(schema).values()
            if isinstance(obj, type)
            and issubclass(obj, schema.StrictModel)
            and obj is not schema.StrictModel
        },
        key=lambda model: model.__name__,
    )


@pytest.mark.parametrize("model", strict_models(), ids=lambda m: m.__name__)
def test_every_schema_field_has_a_description(model: type[schema.StrictModel]) -> None:
    missing = [name for name, info in model.model_fields.items() if not info.description]
    assert not missing, f"{model.__name__} fields without description: {missing}"
    assert model.__doc__, f"{model.__name__} has no docstring"


def test_readme_first_screen_has_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "make site" in first_screen
    assert "make test" in first_screen


def test_readme_lists_every_top_level_command() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"<!-- commands -->\n(.*?)<!-- /commands -->", readme, re.S)
    assert block, "README.md lacks the <!-- commands --> block"
    listed = set(re.findall(r"^\| `govcat ([a-z-]+)", block.group(1), re.M))
    assert listed == set(cli.commands), "README's command table drifted from `govcat --help`"
