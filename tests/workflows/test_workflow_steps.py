"""The workflows' own scripts, run with the real govcat on temporary git repositories.

The pull-request check must fail on schema problems and on policy errors a change
introduces, never on findings already on the base; the nightly job must commit a
monitoring snapshot only when it changed, survive a merge landing meanwhile, and turn
a breach into an issue.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ci_helpers import MINIMAL_CATALOG, REPO, VENV_BIN, run_step, workflow_step

pytestmark = pytest.mark.slow  # each case runs govcat several times (~15 s of CPU in all)

RUN_URL = "https://github.example/o/r/actions/runs/1"
CONTEXT = {
    "github.server_url": "https://github.example",
    "github.repository": "o/r",
    "github.run_id": "1",
    "github.token": "not-a-token",
    "github.ref_name": "main",
    "vars.GOVCAT_EXPORTS_URI": "",
    "secrets.GOVCAT_EXPORTS_TOKEN": "",
    "needs.deploy.outputs.page_url": "https://o.github.example/r/",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.invalid",
        "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)


def workspace(repo: Path) -> None:
    """What a job's workspace has besides the checkout: .venv (make install) and .github."""
    (repo / ".venv").symlink_to(VENV_BIN.parent)
    if not (repo / ".github").exists():
        (repo / ".github").symlink_to(REPO / ".github")
    (repo / ".git" / "info" / "exclude").write_text(".venv\n.github\nbuild/\n")


def catalog_repo(path: Path) -> Path:
    """A git repository with the minimal catalog and a policy: it has findings already."""
    path.mkdir()
    shutil.copytree(MINIMAL_CATALOG, path / "catalog")
    (path / "catalog" / "policy.yaml").write_text("profiles: [internal-default]\n")
    git(path, "init", "-q")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "base")
    return path


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count, pattern
    path.write_text(new, encoding="utf-8")


# --- pull request ---------------------------------------------------------------


def pr_check(repo: Path, tmp_path: Path, base: str) -> dict[str, subprocess.CompletedProcess]:
    env = {
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    context = {**CONTEXT, "github.event.pull_request.base.sha": base}
    results = {}
    for step in ("validate", "diff"):
        results[step], _ = run_step(
            workflow_step("pull-request.yml", "check", step), repo, context, env
        )
    return results


def test_pr_check_passes_despite_findings_already_on_the_base(tmp_path: Path) -> None:
    repo = catalog_repo(tmp_path / "repo")
    workspace(repo)
    base = git(repo, "rev-parse", "HEAD")
    assert (
        subprocess.run(
            [VENV_BIN / "govcat", "validate", "catalog", "--fail-on", "error"],
            cwd=repo,
            capture_output=True,
        ).returncode
        == 1
    ), "the base should already have policy errors"
    edit(
        repo / "catalog/models/churn-predictor.yaml", r"^summary: .*$", "summary: Reworded summary."
    )
    git(repo, "commit", "-qam", "reword")

    results = pr_check(repo, tmp_path, base)
    assert results["validate"].returncode == 0, (
        results["validate"].stdout + results["validate"].stderr
    )
    assert results["diff"].returncode == 0, results["diff"].stdout + results["diff"].stderr
    comment = (tmp_path / "runner/governance-diff/comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- govcat:governance-diff -->\n")
    assert "No new policy errors" in comment
    assert "No new policy errors" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_pr_check_fails_on_policy_errors_the_change_introduces(tmp_path: Path) -> None:
    repo = catalog_repo(tmp_path / "repo")
    workspace(repo)
    base = git(repo, "rev-parse", "HEAD")
    card = repo / "catalog/models/churn-predictor.yaml"
    edit(card, r"^stage: staging$", "stage: production")
    edit(card, r"tier: low", "tier: high")
    edit(card, r"stage: staging\}", "stage: production}")
    git(repo, "commit", "-qam", "promote")

    results = pr_check(repo, tmp_path, base)
    assert results["validate"].returncode == 0  # findings alone do not fail validate
    assert results["diff"].returncode == 1
    comment = (tmp_path / "runner/governance-diff/comment.md").read_text(encoding="utf-8")
    assert "churn-predictor" in comment and "introduces policy errors" in comment


def test_pr_check_fails_on_schema_problems_with_annotations(tmp_path: Path) -> None:
    repo = catalog_repo(tmp_path / "repo")
    workspace(repo)
    base = git(repo, "rev-parse", "HEAD")
    edit(repo / "catalog/models/churn-predictor.yaml", r"tier: low", "tier: lowest")
    git(repo, "commit", "-qam", "typo")

    results = pr_check(repo, tmp_path, base)
    assert results["validate"].returncode == 1
    assert re.search(
        r"^::error file=catalog/models/churn-predictor\.yaml,line=\d+,col=\d+,title=schema-",
        results["validate"].stdout, re.MULTILINE,
    )  # fmt: skip
    assert results["diff"].returncode == 1


# --- nightly ----------------------------------------------------------------------


def export(path: Path, value: float, ts: str = "2026-10-05T06:00:00Z") -> Path:
    path.write_text(
        "model_id,model_version,ts,metric,segment,value\n"
        f"churn-predictor,0.9.0,{ts},accuracy,,{value}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def nightly(tmp_path: Path, fake_gh: Path) -> tuple[Path, Path]:
    """A bare 'origin' holding the catalog and a shallow checkout of it (as actions/checkout)."""
    seed = catalog_repo(tmp_path / "seed")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(work))
    workspace(work)
    return origin, work


def nightly_run(work: Path, tmp_path: Path, exports_uri: str) -> dict[str, str]:
    env = {"RUNNER_TEMP": str(tmp_path / "runner")}
    shutil.rmtree(tmp_path / "runner", ignore_errors=True)
    context = {**CONTEXT, "vars.GOVCAT_EXPORTS_URI": exports_uri}
    outputs = {}
    for step in ("Fetch monitoring exports", "Ingest", "commit"):
        done, outputs = run_step(workflow_step("publish.yml", "ingest", step), work, context, env)
        assert done.returncode == 0, f"{step}:\n{done.stdout}\n{done.stderr}"
    return outputs


def test_nightly_commits_the_snapshot_only_when_it_changed(
    nightly: tuple[Path, Path], tmp_path: Path, fake_gh: Path
) -> None:
    origin, work = nightly
    drop = tmp_path / "drop"
    drop.mkdir()
    export(drop / "2026-10-05.csv", 0.81)

    outputs = nightly_run(work, tmp_path, str(drop))
    assert outputs["changed"] == "true"
    assert git(origin, "rev-parse", "main") == outputs["sha"]
    assert git(origin, "log", "-1", "--format=%an|%s", "main").startswith(
        "github-actions[bot]|monitoring: nightly snapshot"
    )
    assert git(origin, "show", "--name-only", "--format=", "main").startswith("catalog/monitoring/")
    assert ["auth", "setup-git"] in [
        json.loads(line)["args"] for line in fake_gh.read_text().splitlines()
    ]

    # the same export again: nothing new, nothing committed
    outputs = nightly_run(work, tmp_path, str(drop))
    assert outputs["changed"] == "false"
    assert git(origin, "rev-list", "--count", "main") == "2"

    # no location configured: nothing fetched, nothing committed, no failure
    assert nightly_run(work, tmp_path, "")["changed"] == "false"


def test_nightly_rebases_when_a_merge_lands_meanwhile(
    nightly: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, work = nightly
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    edit(
        other / "catalog/models/churn-predictor.yaml",
        r"^summary: .*$",
        "summary: Merged meanwhile.",
    )
    git(other, "commit", "-qam", "a merge")
    git(other, "push", "-q", "origin", "HEAD:main")

    drop = tmp_path / "drop"
    drop.mkdir()
    export(drop / "export.csv", 0.81)
    outputs = nightly_run(work, tmp_path, str(drop))
    assert outputs["changed"] == "true"
    assert git(origin, "log", "--format=%s", "main").splitlines()[:2] == [
        git(origin, "log", "-1", "--format=%s", "main"),
        "a merge",
    ]


def test_nightly_health_opens_an_issue_for_a_breach(
    nightly: tuple[Path, Path], tmp_path: Path, fake_gh: Path
) -> None:
    _, work = nightly
    drop = tmp_path / "drop"
    drop.mkdir()
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    export(drop / "export.csv", 0.5, an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))  # min is 0.70
    nightly_run(work, tmp_path, str(drop))

    env = {
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done, outputs = run_step(workflow_step("publish.yml", "health", "health"), work, CONTEXT, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs == {"breach": "true"}
    step = workflow_step("publish.yml", "health", "Open, update or close breach issues")
    done, _ = run_step(step, work, CONTEXT, env)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = [json.loads(line) for line in fake_gh.read_text().splitlines()]
    created = [c for c in calls if c["args"][:2] == ["issue", "create"]]
    assert len(created) == 1
    assert "Health breach: churn-predictor" in created[0]["args"]
    assert "https://o.github.example/r/models/churn-predictor/" in created[0]["stdin"]
    assert "| churn-predictor | opened |" in (tmp_path / "summary.md").read_text(encoding="utf-8")
