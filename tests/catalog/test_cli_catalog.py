"""`govcat validate`, `govcat schema` and `govcat new` through Click's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import REPO


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_validate_clean_catalog(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    result = run("validate", "catalog")
    assert result.exit_code == 0
    assert result.output == "catalog: 3 models, 2 datasets, 2 teams — valid\n"


def test_validate_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def _break_owner(catalog: Path) -> Path:
    path = catalog / "models" / "churn-predictor.yaml"
    path.write_text(path.read_text().replace("owner: credit-risk-ml", "owner: growth"))
    return path


def test_validate_text_output_is_exact(minimal_catalog: Path, monkeypatch) -> None:
    _break_owner(minimal_catalog)
    monkeypatch.chdir(minimal_catalog.parent)
    result = run("validate", "catalog")
    assert result.exit_code == 1
    assert result.output == (
        "catalog/models/churn-predictor.yaml:4:8: ref-unknown-team: no team with id 'growth'"
        " — add catalog/teams/growth.yaml\n"
        "Error: 1 problem (1 error) in 1 file.\n"
    )


def test_validate_github_annotations(minimal_catalog: Path, monkeypatch) -> None:
    _break_owner(minimal_catalog)
    monkeypatch.chdir(minimal_catalog.parent)
    result = run("validate", "catalog", "--format", "github")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "::error file=catalog/models/churn-predictor.yaml,line=4,col=8,title=ref-unknown-team::"
        "no team with id 'growth' — add catalog/teams/growth.yaml"
    )


def test_validate_json_is_data(minimal_catalog: Path, monkeypatch) -> None:
    _break_owner(minimal_catalog)
    monkeypatch.chdir(minimal_catalog.parent)
    result = run("validate", "catalog", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["count"] == 1
    assert document["problems"][0] == {
        "path": "catalog/models/churn-predictor.yaml",
        "line": 4,
        "col": 8,
        "rule": "ref-unknown-team",
        "message": "no team with id 'growth' — add catalog/teams/growth.yaml",
        "severity": "error",
    }


def test_new_model_fails_until_todos_are_filled(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    result = run("new", "model", "card-fraud", "--owner", "credit-risk-ml")
    assert result.exit_code == 0, result.output
    path = minimal_catalog / "models" / "card-fraud.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=../../schema/models.json\n")

    failing = run("validate", "catalog")
    assert failing.exit_code == 1
    assert "todo-left" in failing.output
    assert {line.split(": ")[1] for line in failing.output.splitlines()[:-1]} == {"todo-left"}

    # replace every TODO with a plausible value: the card then validates
    text = path.read_text()
    text = re.sub(r"TODO-person-id", "mchen", text)
    text = text.replace("TODO-validation-team-id", "model-risk")
    text = text.replace("TODO-dataset-id", "loan-applications")
    text = text.replace("TODO-feature", "amount").replace("TODO-label", "is_fraud")
    text = re.sub(r"TODO dataset:<dataset-id> or free text", "dataset:loan-applications", text)
    text = re.sub(r"TODO[^,}\]\n]*", "filled in", text)
    path.write_text(text)
    assert run("validate", "catalog").exit_code == 0, run("validate", "catalog").output


def test_new_refuses_bad_ids_and_existing_files(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    bad = run("new", "model", "../escape")
    assert bad.exit_code == 1
    assert "is not a valid id" in bad.output
    assert not (minimal_catalog.parent / "escape.yaml").exists()
    exists = run("new", "model", "churn-predictor")
    assert exists.exit_code == 1
    assert "already exists" in exists.output


def test_new_team_and_dataset_templates_are_cards(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    for kind in ("team", "dataset"):
        assert run("new", kind, f"new-{kind}").exit_code == 0
        data = yaml.safe_load((minimal_catalog / f"{kind}s" / f"new-{kind}.yaml").read_text())
        assert data["id"] == f"new-{kind}"


def test_schema_check_detects_drift(tmp_path: Path) -> None:
    assert run("schema", "-o", str(tmp_path)).exit_code == 0
    assert run("schema", "-o", str(tmp_path), "--check").exit_code == 0
    (tmp_path / "models.json").write_text("{}")
    stale = run("schema", "-o", str(tmp_path), "--check")
    assert stale.exit_code == 1
    assert "models.json" in stale.output


def test_committed_schema_is_up_to_date() -> None:
    result = run("schema", "-o", str(REPO / "schema"), "--check")
    assert result.exit_code == 0, "schema/ is stale: run `govcat schema -o schema`"


def test_python_dash_m_works() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "generator", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("govcat, version ")
