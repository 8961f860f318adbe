"""The composite action (action.yml): its interface, and its steps run as GitHub would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from ci_helpers import (
    ACTION_FILE,
    MINIMAL_CATALOG,
    REPO,
    VENV_BIN,
    load_yaml,
    unknown_govcat_options,
)

ACTION = load_yaml(ACTION_FILE)
STEPS = {step.get("name") or step["uses"].split("@")[0]: step for step in ACTION["runs"]["steps"]}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONDITION = re.compile(r"^inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'$")


def defaults(**overrides: str) -> dict[str, str]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    unknown = set(overrides) - set(values)
    assert not unknown, f"not inputs of the action: {unknown}"
    return {**values, **overrides}


def evaluate(expression: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    """The few expression forms action.yml uses: inputs.X, other contexts, X == 'v'."""
    if match := CONDITION.match(expression):
        name, operator, literal = match.groups()
        return str((inputs[name] == literal) == (operator == "=="))
    if expression.startswith("inputs."):
        return inputs[expression.removeprefix("inputs.")]
    return context[expression]


def run_step(
    name: str, inputs: dict[str, str], tmp_path: Path, context: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str] | None, dict[str, str]]:
    """Run one `run:` step like the runner: env from expressions, `bash -eo pipefail`."""
    step = STEPS[name]
    condition = step.get("if")
    if condition and evaluate(EXPRESSION.fullmatch(condition).group(1), inputs, context) != "True":
        return None, {}
    output_file = tmp_path / f"output-{len(list(tmp_path.glob('output-*')))}"
    output_file.touch()
    env = {
        **os.environ,
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_OUTPUT": str(output_file),
    }
    for key, value in step.get("env", {}).items():
        env[key] = EXPRESSION.sub(lambda m: evaluate(m.group(1), inputs, context), str(value))
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    assert step["shell"] == "bash"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return done, outputs


@pytest.fixture
def fake_govcat(tmp_path: Path) -> tuple[Path, Path]:
    """A `govcat` that records its arguments, one JSON list per call."""
    log = tmp_path / "govcat-calls.jsonl"
    fake = tmp_path / "bin" / "govcat"
    fake.parent.mkdir()
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    return fake, log


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_interface() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert inputs["catalog"]["default"] == "catalog"
    assert inputs["strict"]["default"] == "true"
    for name, spec in inputs.items():
        assert spec.get("description"), f"input {name} has no description"
        assert spec.get("required") is False, f"input {name} should be optional"
    assert set(ACTION["outputs"]) == {"govcat", "site-dir"}
    assert list(STEPS) == ["actions/setup-python", "Install govcat", "Validate", "Build"]


def test_steps_pass_inputs_through_env_only() -> None:
    for name, step in STEPS.items():
        if "run" not in step:
            continue
        assert step["shell"] == "bash", name
        assert "${{" not in step["run"], name
        referenced = set(re.findall(r"\$\{?([A-Z_]+)", step["run"]))
        provided = set(step.get("env", {})) | {"RUNNER_TEMP", "GITHUB_OUTPUT"}
        assert referenced <= provided | {"venv", "py", "args"}, (name, referenced - provided)


@pytest.mark.parametrize(
    ("overrides", "validate", "build"),
    [
        (
            {},
            ["validate", "catalog", "--format", "github"],
            ["build", "--catalog", "catalog", "--site-dir", "site", "--strict"],
        ),
        (
            {"strict": "false", "output": "public", "audience": "internal"},
            ["validate", "catalog", "--format", "github"],
            ["build", "--catalog", "catalog", "--site-dir", "public", "--audience", "internal"],
        ),
        (
            {"fail-on": "warning", "build": "false"},
            ["validate", "catalog", "--format", "github", "--fail-on", "warning"],
            None,
        ),
        (
            # inputs arrive as data: no word splitting, no command substitution
            {"catalog": "my catalog/$(touch pwned)"},
            ["validate", "my catalog/$(touch pwned)", "--format", "github"],
            ["build", "--catalog", "my catalog/$(touch pwned)", "--site-dir", "site", "--strict"],
        ),
    ],
    ids=["defaults", "not-strict", "validate-only", "hostile-path"],
)
def test_validate_and_build_arguments(
    overrides: dict[str, str],
    validate: list[str],
    build: list[str] | None,
    fake_govcat: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    fake, log = fake_govcat
    inputs = defaults(**overrides)
    context = {"steps.install.outputs.govcat": str(fake)}
    done, _ = run_step("Validate", inputs, tmp_path, context)
    assert done is not None and done.returncode == 0, done.stderr
    built, outputs = run_step("Build", inputs, tmp_path, context)
    if build is None:
        assert built is None
        assert calls(log) == [validate]
    else:
        assert built is not None and built.returncode == 0, built.stderr
        assert calls(log) == [validate, build]
        assert outputs == {"site-dir": inputs["output"]}
    assert not (tmp_path / "pwned").exists()
    for call in calls(log):
        assert unknown_govcat_options(call) == [], call


def test_validate_step_with_the_real_govcat(tmp_path: Path) -> None:
    """Annotations for a broken card, exit 0 for a valid catalog."""
    catalog = tmp_path / "catalog"
    shutil.copytree(MINIMAL_CATALOG, catalog)
    context = {"steps.install.outputs.govcat": str(VENV_BIN / "govcat")}
    done, _ = run_step("Validate", defaults(), tmp_path, context)
    assert done is not None and done.returncode == 0, done.stdout + done.stderr

    card = next((catalog / "models").glob("*.yaml"))
    text = card.read_text(encoding="utf-8")
    card.write_text(re.sub(r"(?m)^(\s*tier:).*$", r"\1 not-a-tier", text, count=1), "utf-8")
    done, _ = run_step("Validate", defaults(), tmp_path, context)
    assert done is not None and done.returncode == 1
    assert f"::error file=catalog/models/{card.name},line=" in done.stdout


def _wheel_with_fake_govcat(directory: Path) -> Path:
    """A dependency-free wheel whose `govcat` console script says hello: installable offline."""
    wheel = directory / "govcat-0.0.0-py3-none-any.whl"
    info = "govcat-0.0.0.dist-info"
    files = {
        "govcat_fake.py": "def main():\n    print('fake govcat')\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: govcat\nVersion: 0.0.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\ngovcat = govcat_fake:main\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(
            f"{info}/RECORD", "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
        )
    return wheel


def test_install_step_puts_govcat_in_a_venv_and_outputs_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = _wheel_with_fake_govcat(tmp_path)
    inputs = defaults(**{"govcat-spec": str(wheel)})
    context = {"github.action_path": str(REPO)}
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # the wheel is local: no index needed
    done, outputs = run_step("Install govcat", inputs, tmp_path, context)
    assert done is not None and done.returncode == 0, done.stdout + done.stderr
    govcat = Path(outputs["govcat"])
    assert govcat == tmp_path / "runner-temp" / "govcat-venv" / "bin" / "govcat"
    assert subprocess.run([govcat], capture_output=True, text=True, check=True).stdout == (
        "fake govcat\n"
    )
