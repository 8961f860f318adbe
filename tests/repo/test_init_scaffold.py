"""`govcat init DIR`: a new catalog repository that validates and builds as written."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from generator.cli import cli
from generator.init import (
    GITHUB_FOLDERS,
    WORKFLOW_REPLACEMENTS,
    github_templates,
    init_repository,
    planned_files,
)
from tests.conftest import REPO

EXPECTED_FILES = [
    ".github/CODEOWNERS",
    ".github/scripts/fetch-exports.sh",
    ".github/scripts/governance_comment.py",
    ".github/scripts/health_issues.py",
    ".github/workflows/publish.yml",
    ".github/workflows/pull-request.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "catalog/datasets/customer-accounts.yaml",
    "catalog/models/customer-churn.yaml",
    "catalog/policy.yaml",
    "catalog/settings.yaml",
    "catalog/teams/data-science.yaml",
    "catalog/teams/model-risk.yaml",
    "mkdocs.yml",
    "requirements.txt",
]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "my-catalog", "--title", "Acme models")
    assert result.exit_code == 0, result.output
    return tmp_path / "my-catalog"


def test_init_writes_every_file_and_says_what_next(scaffold: Path) -> None:
    assert files_under(scaffold) == EXPECTED_FILES
    result_lines = invoke("init", str(scaffold), "--force").output.splitlines()
    assert result_lines[-1].startswith("next: cd ")
    assert "govcat validate catalog && govcat build" in result_lines[-1]


def test_output_lists_files_relative_to_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "new-repo")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "wrote new-repo/.github/CODEOWNERS"
    assert result.output.splitlines()[-1] == (
        "next: cd new-repo && git init && govcat validate catalog && govcat build"
    )


def test_example_catalog_is_valid_without_any_finding(scaffold: Path) -> None:
    result = invoke("validate", str(scaffold / "catalog"), "--strict")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("1 models, 1 datasets, 2 teams — valid\n")


def test_example_dates_are_relative_to_today(tmp_path: Path) -> None:
    init_repository(tmp_path / "repo", today=dt.date(2030, 6, 15))
    card = yaml.safe_load((tmp_path / "repo/catalog/models/customer-churn.yaml").read_text())
    assert card["versions"][0]["date"] == dt.date(2030, 4, 16)
    assert card["validations"][0]["date"] == dt.date(2030, 5, 1)
    assert card["validations"][0]["next_review"] == dt.date(2031, 5, 1)


def test_title_reaches_settings_readme_and_mkdocs(scaffold: Path) -> None:
    assert yaml.safe_load((scaffold / "catalog/settings.yaml").read_text())["title"] == (
        "Acme models"
    )
    assert (scaffold / "README.md").read_text().startswith("# Acme models\n")
    config = yaml.safe_load((scaffold / "mkdocs.yml").read_text())
    assert config["site_name"] == "Acme models"
    assert config["theme"]["name"] == "material"


def test_mkdocs_config_is_the_built_in_default(scaffold: Path) -> None:
    from generator.build import DEFAULT_CONFIG

    config = yaml.safe_load((scaffold / "mkdocs.yml").read_text())
    assert config == {"site_name": "Acme models", **DEFAULT_CONFIG}


def test_codeowners_is_generated_and_up_to_date(scaffold: Path, monkeypatch) -> None:
    lines = (scaffold / ".github/CODEOWNERS").read_text().splitlines()
    assert (
        "/catalog/models/customer-churn.yaml @example-org/data-science @example-org/model-risk"
        in lines
    )
    monkeypatch.chdir(scaffold)
    result = invoke("codeowners", "--check")
    assert result.exit_code == 0, result.output


def test_non_empty_folder_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = invoke("init", str(target))
    assert result.exit_code == 1
    assert "is not empty; choose a new folder, or pass --force" in result.output
    assert files_under(target) == ["notes.txt"]


def test_force_adds_the_scaffold_and_keeps_other_files(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    (target / "README.md").write_text("old readme")
    result = invoke("init", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text() == "keep me"
    assert (target / "README.md").read_text().startswith("# Model catalog\n")
    assert sorted(files_under(target)) == sorted([*EXPECTED_FILES, "notes.txt"])


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = invoke("init", str(tmp_path / "file"))
    assert result.exit_code != 0
    assert "file" in result.output


def test_workflow_templates_are_this_repositorys_workflows() -> None:
    """One source of truth: init copies .github/ (a wheel ships it as package data)."""
    shipped = github_templates()
    for folder in GITHUB_FOLDERS:
        ours = sorted(p.name for p in (REPO / ".github" / folder).iterdir() if p.is_file())
        theirs = sorted(e.name for e in shipped.joinpath(folder).iterdir())
        assert theirs == ours
    planned = planned_files("Catalog", dt.date(2026, 11, 22))
    assert planned[".github/scripts/health_issues.py"] == (
        REPO / ".github" / "scripts" / "health_issues.py"
    ).read_text("utf-8")


def test_every_install_rewrite_applies() -> None:
    texts = [
        entry.read_text("utf-8") for entry in github_templates().joinpath("workflows").iterdir()
    ]
    for ours, _ in WORKFLOW_REPLACEMENTS:
        assert any(ours in text for text in texts), f"no workflow contains {ours!r} any more"


def test_generated_workflows_install_govcat_from_requirements(scaffold: Path) -> None:
    for path in sorted((scaffold / ".github/workflows").iterdir()):
        text = path.read_text()
        assert "make install" not in text and "uv.lock" not in text and ".cache/uv" not in text
        workflow = yaml.safe_load(text)
        steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
        installs = [s for s in steps if "requirements.txt" in str(s.get("run", ""))]
        assert installs, path.name
        assert all(
            s["run"] == "python -m venv .venv && .venv/bin/pip install -r requirements.txt"
            for s in installs
        )
    requirements = (scaffold / "requirements.txt").read_text().splitlines()
    from generator import __version__

    assert f"govcat=={__version__}" in requirements


def test_scripts_are_executable(scaffold: Path) -> None:
    assert os.access(scaffold / ".github/scripts/fetch-exports.sh", os.X_OK)


def test_pre_commit_hook_runs_govcat_validate(scaffold: Path) -> None:
    config = yaml.safe_load((scaffold / ".pre-commit-config.yaml").read_text())
    (hook,) = config["repos"][0]["hooks"]
    assert hook["id"] == "govcat-validate"
    assert hook["entry"] == "govcat validate catalog"
    assert hook["files"] == "^catalog/"


@pytest.mark.slow
def test_init_then_validate_then_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "repo").exit_code == 0
    monkeypatch.chdir(tmp_path / "repo")
    validated = invoke("validate", "catalog", "--strict")
    assert validated.exit_code == 0, validated.output
    built = invoke("build", "--strict")
    assert built.exit_code == 0, built.output
    page = (tmp_path / "repo/site/models/customer-churn/index.html").read_text("utf-8")
    assert "Customer Churn Predictor" in page
    assert (tmp_path / "repo/site/index.html").is_file()
