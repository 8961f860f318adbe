"""The pre-commit hook manifest (.pre-commit-hooks.yaml), run with `pre-commit try-repo`.

The published hook is `language: python`: pre-commit builds a virtualenv and installs
govcat (this repository) with its dependencies from the package index, which these
offline tests cannot do. They check the published manifest as it is, then run a copy
that differs only in `language: system` (govcat taken from PATH, here the project's
.venv) through the real `pre-commit try-repo` on a temporary catalog repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from ci_helpers import MINIMAL_CATALOG, REPO, VENV_BIN, dev_tool, load_yaml

MANIFEST = REPO / ".pre-commit-hooks.yaml"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }


@pytest.fixture
def hook_repo(tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the manifest with `language: system` instead of `python`."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "hook-repo"
    repo.mkdir()
    text = MANIFEST.read_text(encoding="utf-8")
    system, count = re.subn(r"(?m)^(\s*language:) python$", r"\1 system", text)
    assert count == 1
    (repo / ".pre-commit-hooks.yaml").write_text(system, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture
def catalog_repo(tmp_path: Path, hook_repo: Path) -> Path:
    """A git repository with a small valid catalog at catalog/ and a README."""
    repo = tmp_path / "catalog-repo"
    shutil.copytree(MINIMAL_CATALOG, repo / "catalog")
    (repo / "README.md").write_text("# catalog\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    return repo


def try_repo(catalog_repo: Path, hook_repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(dev_tool("pre-commit")), "try-repo", str(hook_repo), "govcat-validate", *args],
        cwd=catalog_repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_published_manifest() -> None:
    done = subprocess.run(
        [str(dev_tool("pre-commit")), "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (hook,) = load_yaml(MANIFEST)
    assert hook["id"] == "govcat-validate"
    assert hook["language"] == "python"  # users get govcat installed by pre-commit
    assert hook["entry"] == "govcat validate"
    assert hook["pass_filenames"] is False  # it validates the whole catalog folder
    assert re.match(hook["files"], "catalog/models/a.yaml")
    assert not re.match(hook["files"], "README.md")


def test_hook_passes_on_a_valid_catalog(catalog_repo: Path, hook_repo: Path) -> None:
    done = try_repo(catalog_repo, hook_repo, "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"govcat validate\.+Passed", done.stdout), done.stdout


def test_hook_fails_on_a_broken_card(catalog_repo: Path, hook_repo: Path) -> None:
    card = next((catalog_repo / "catalog" / "models").glob("*.yaml"))
    text = card.read_text(encoding="utf-8")
    card.write_text(re.sub(r"(?m)^(\s*tier:).*$", r"\1 not-a-tier", text, count=1), "utf-8")
    git(catalog_repo, "add", ".")
    done = try_repo(catalog_repo, hook_repo, "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"govcat validate\.+Failed", done.stdout), done.stdout
    # the problem is reported at file:line:col with its rule
    assert re.search(rf"catalog/models/{re.escape(card.name)}:\d+:\d+: [\w-]+: ", done.stdout)


def test_hook_only_runs_for_catalog_files(catalog_repo: Path, hook_repo: Path) -> None:
    broken = catalog_repo / "catalog" / "models" / "broken.yaml"
    broken.write_text("id: broken\n", encoding="utf-8")  # would fail if the hook ran
    git(catalog_repo, "add", ".")
    done = try_repo(catalog_repo, hook_repo, "--files", "README.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Skipped" in done.stdout


def test_manifest_copy_differs_only_in_language(hook_repo: Path) -> None:
    published = load_yaml(MANIFEST)
    tested = yaml.safe_load((hook_repo / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [{**hook, "language": "python"} for hook in tested] == published
