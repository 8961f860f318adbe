"""Structure of .gitlab-ci.yml: the GitLab equivalent of the GitHub workflows."""

from __future__ import annotations

from typing import Any

from ci_helpers import REPO, load_yaml

CONFIG = load_yaml(REPO / ".gitlab-ci.yml")
MR = '$CI_PIPELINE_SOURCE == "merge_request_event"'
SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"'
DEFAULT_PUSH = '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'


def rules(job: str) -> list[str]:
    return [rule["if"] for rule in CONFIG[job]["rules"]]


def script(job: str) -> str:
    return "\n".join(CONFIG[job]["script"])


def test_pipelines_run_for_merge_requests_default_branch_and_schedules() -> None:
    workflow_rules = [rule["if"] for rule in CONFIG["workflow"]["rules"]]
    assert MR in workflow_rules and SCHEDULE in workflow_rules and DEFAULT_PUSH in workflow_rules
    jobs = {name for name, value in CONFIG.items() if isinstance(value, dict) and "script" in value}
    assert jobs == {"merge-request", "ingest", "pages", "health"}
    for job in jobs:
        assert CONFIG[job]["stage"] in CONFIG["stages"]
        assert CONFIG[job]["extends"] == ".install"
    assert "make install" in CONFIG[".install"]["before_script"]
    assert CONFIG[".install"]["cache"]["key"]["files"] == ["uv.lock"]


def test_merge_request_job() -> None:
    assert rules("merge-request") == [MR]
    text = script("merge-request")
    assert "$GOVCAT validate catalog" in text
    assert "$GOVCAT build --catalog catalog --strict" in text
    assert '$GOVCAT diff "$CI_MERGE_REQUEST_DIFF_BASE_SHA" HEAD' in text
    assert "--fail-on-new error" in text
    artifacts: dict[str, Any] = CONFIG["merge-request"]["artifacts"]
    assert artifacts["when"] == "always" and artifacts["paths"] == ["governance-diff.md"]


def test_pages_job_publishes_in_order() -> None:
    pages = CONFIG["pages"]
    assert DEFAULT_PUSH in rules("pages") and SCHEDULE in rules("pages")
    assert MR not in rules("pages")
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["resource_group"] == "pages" and pages["interruptible"] is False
    assert "environment" in pages  # lets GitLab skip outdated deployment jobs
    assert "--site-dir public" in script("pages")
    assert {"job": "ingest", "optional": True, "artifacts": True} in pages["needs"]


def test_nightly_ingest_and_health() -> None:
    assert SCHEDULE in rules("ingest") and SCHEDULE in rules("health")
    text = script("ingest")
    assert "fetch-exports.sh" in text and "$GOVCAT ingest" in text
    assert "git diff --cached --quiet" in text  # commit only when the snapshot changed
    assert "[skip ci]" in text
    assert CONFIG["ingest"]["artifacts"]["paths"] == ["catalog/monitoring/"]
    assert "--fail-on breach" in script("health")
