"""Structure of the GitHub workflows: least privilege, pinning, safe scripts, the contract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ci_helpers import (
    ACTION_FILE,
    REPO,
    WORKFLOW_FILES,
    WORKFLOWS_DIR,
    govcat_calls,
    load_yaml,
    triggers,
    unknown_govcat_options,
)

PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+(?:\.\d+){0,2}\s*$"
)
WRITE_SCOPES_ALLOWED = {
    # job id → the write scopes it may hold (anything else must be read-only)
    "pull-request.yml": {"comment": {"pull-requests"}},
    "publish.yml": {
        "ingest": {"contents"},
        "deploy": {"pages", "id-token"},
        "health": {"issues"},
    },
}


def workflow(name: str) -> dict[str, Any]:
    return load_yaml(WORKFLOWS_DIR / name)


def all_steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def run_commands(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


WORKFLOW_IDS = [path.name for path in WORKFLOW_FILES]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=WORKFLOW_IDS)
def test_permissions_are_per_job_and_minimal(path: Path) -> None:
    document = load_yaml(path)
    assert document.get("permissions") == {}, "workflow-level permissions must be `{}`"
    allowed = WRITE_SCOPES_ALLOWED.get(path.name, {})
    for job_id, job in document["jobs"].items():
        assert "permissions" in job, f"job {job_id} has no permissions:"
        permissions = job["permissions"]
        assert isinstance(permissions, dict), f"job {job_id}: permissions must be a mapping"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes <= allowed.get(job_id, set()), f"job {job_id} writes {writes}"
        assert set(permissions.values()) <= {"read", "write", "none"}


@pytest.mark.parametrize("path", [*WORKFLOW_FILES, ACTION_FILE], ids=[*WORKFLOW_IDS, "action.yml"])
def test_actions_are_pinned_to_full_commit_shas(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert lines, "no action used?"
    for line in lines:
        if line.strip().startswith("#"):
            continue
        assert PINNED_USES.match(line), f"not pinned to a full SHA with a version comment: {line}"


@pytest.mark.parametrize("path", [*WORKFLOW_FILES, ACTION_FILE], ids=[*WORKFLOW_IDS, "action.yml"])
def test_no_expression_inside_run(path: Path) -> None:
    """Every value reaches a script through env: no `${{ … }}` is spliced into shell code."""
    for step in all_steps(load_yaml(path)):
        assert "${{" not in step.get("run", ""), f"expression inside run: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=WORKFLOW_IDS)
def test_no_dangerous_triggers_and_checkouts_drop_credentials(path: Path) -> None:
    document = load_yaml(path)
    assert not {"pull_request_target", "workflow_run"} & set(triggers(document))
    for job_id, job in document["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"job {job_id} has no timeout"
        assert job.get("runs-on") == "ubuntu-latest"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, job_id


def test_pull_request_workflow() -> None:
    document = workflow("pull-request.yml")
    assert set(triggers(document)) == {"pull_request"}
    check, comment = document["jobs"]["check"], document["jobs"]["comment"]
    assert check["permissions"] == {"contents": "read"}
    script = run_commands(check)
    assert "make install" in script
    assert any(step.get("uses", "").startswith("actions/cache@") for step in check["steps"])
    assert "govcat validate catalog --format github" in script
    assert re.search(r"govcat build --catalog catalog --strict", script)
    assert re.search(
        r"govcat diff \"\$BASE_SHA\" HEAD --format markdown --fail-on-new error", script
    )
    assert "$GITHUB_STEP_SUMMARY" in script
    # The diff's base comes from the event through env, never spliced into the script.
    diff_step = next(step for step in check["steps"] if step.get("id") == "diff")
    assert diff_step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    # The job with the write token runs none of the pull request's code ...
    assert comment["needs"] == "check"
    assert not any(
        step.get("uses", "").startswith("actions/checkout@") for step in comment["steps"]
    )
    # ... and updates the one marked comment instead of adding one per push.
    post = run_commands(comment)
    assert "<!-- govcat:governance-diff -->" in post
    assert "--method PATCH" in post and "--method POST" in post
    assert "head.repo.full_name == github.repository" in comment["if"]


def test_publish_workflow_triggers_and_concurrency() -> None:
    document = workflow("publish.yml")
    on = triggers(document)
    assert on["push"] == {"branches": ["main"]}
    assert on["schedule"] and "cron" in on["schedule"][0]
    assert "workflow_dispatch" in on
    # One group for all runs (push, nightly, manual), never cancelling a running deployment.
    assert document["concurrency"] == {"group": "github-pages", "cancel-in-progress": False}


def test_publish_workflow_builds_and_deploys_pages() -> None:
    jobs = workflow("publish.yml")["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert "govcat build --catalog catalog --strict" in run_commands(build)
    uses = [step.get("uses", "") for step in build["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert deploy["needs"] == "build"
    # A skipped ingest (every push) must not skip the deployment through success().
    assert deploy["if"] == "${{ !cancelled() && needs.build.result == 'success' }}"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    # Builds check out the branch tip, so a run never publishes an older commit.
    for job in (build, jobs["ingest"], jobs["health"]):
        checkout = next(
            s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")
        )
        assert checkout["with"]["ref"] == "${{ github.ref }}"


def test_publish_workflow_nightly_ingest() -> None:
    jobs = workflow("publish.yml")["jobs"]
    ingest = jobs["ingest"]
    assert "schedule" in ingest["if"] and "workflow_dispatch" in ingest["if"]
    script = run_commands(ingest)
    assert ".github/scripts/fetch-exports.sh" in script
    assert "govcat ingest" in script
    # Commits only when the snapshot changed, as the Actions bot, token scoped to the step.
    assert "git diff --cached --quiet" in script
    commit = next(step for step in ingest["steps"] if step.get("id") == "commit")
    assert commit["env"]["GIT_AUTHOR_NAME"] == "github-actions[bot]"
    assert "gh auth setup-git" in commit["run"]
    fetch = next(step for step in ingest["steps"] if "fetch-exports" in step.get("run", ""))
    assert fetch["env"]["GOVCAT_EXPORTS_URI"] == "${{ vars.GOVCAT_EXPORTS_URI }}"
    # The site is rebuilt after the ingest (and also when there is nothing to ingest).
    assert jobs["build"]["needs"] == "ingest"
    assert "needs.ingest.result == 'skipped'" in jobs["build"]["if"]


def test_publish_workflow_health_notifications() -> None:
    health = workflow("publish.yml")["jobs"]["health"]
    assert health["permissions"] == {"contents": "read", "issues": "write"}
    assert "github.event_name != 'push'" in health["if"]
    script = run_commands(health)
    assert "govcat health --catalog catalog --format json --fail-on breach" in script
    assert ".github/scripts/health_issues.py" in script


def test_govcat_invocations_match_the_cli() -> None:
    """Every `govcat …` the CI files run names a real subcommand and real options."""
    scripts = [
        step.get("run", "") for path in WORKFLOW_FILES for step in all_steps(load_yaml(path))
    ]
    gitlab = load_yaml(REPO / ".gitlab-ci.yml")
    scripts += [
        "\n".join(job.get("script", []) + job.get("before_script", []))
        for job in gitlab.values()
        if isinstance(job, dict)
    ]
    calls = [call for script in scripts for call in govcat_calls(script)]
    assert {call[0] for call in calls} >= {"validate", "build", "diff", "ingest", "health"}
    for call in calls:
        assert unknown_govcat_options(call) == [], call
