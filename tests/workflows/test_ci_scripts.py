"""The helper scripts the workflows call (.github/scripts/), with a fake `gh` CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from ci_helpers import REPO

SCRIPTS = REPO / ".github" / "scripts"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


governance_comment = load("governance_comment")
health_issues = load("health_issues")


def gh_calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


# --- governance_comment.py ---------------------------------------------------------


def test_comment_starts_with_the_marker_and_gives_the_verdict() -> None:
    diff = "<!-- govcat-diff -->\n## Governance diff: `a` → `b`\n\n**Verdict:** one model added."
    body = governance_comment.comment_body(diff, 0, "https://ci.example/run/1")
    assert body.splitlines()[0] == governance_comment.MARKER
    assert "one model added" in body and "No new policy errors" in body
    assert "https://ci.example/run/1" in body
    failing = governance_comment.comment_body(diff, 1, "u")
    assert "introduces policy errors" in failing


def test_comment_when_the_diff_did_not_run() -> None:
    body = governance_comment.comment_body("", 127, "u")
    assert "## Governance diff" in body and "did not run" in body


def test_huge_diff_is_cut_to_fit_a_comment() -> None:
    diff = "\n".join(f"| model-{i} | changed |" for i in range(20_000))
    body = governance_comment.comment_body(diff, 0, "https://ci.example/run/1")
    assert len(body) < 65_536
    assert "truncated" in body and "job summary" in body


def test_comment_script_writes_body_and_summary(tmp_path: Path) -> None:
    (tmp_path / "diff.md").write_text("## Governance diff\n\nnothing\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    status = governance_comment.main(
        ["--diff", str(tmp_path / "diff.md"), "--status", "1", "--run-url", "u",
         "--output", str(tmp_path / "out" / "comment.md"), "--summary", str(summary)]
    )  # fmt: skip
    assert status == 0
    body = (tmp_path / "out" / "comment.md").read_text(encoding="utf-8")
    assert body.startswith(governance_comment.MARKER)
    assert summary.read_text(encoding="utf-8") == body.removeprefix(
        governance_comment.MARKER + "\n"
    )


# --- health_issues.py --------------------------------------------------------------


def report(**statuses: str) -> dict:
    return {
        "as_of": "2026-10-05",
        "models": [
            {
                "model_id": model_id.replace("_", "-"),
                "status": status,
                "reason": f"{model_id} reason",
                "metrics": [
                    {"metric": "auc", "segment": "", "status": status, "latest_value": 0.7,
                     "breach_since": "2026-10-02T00:00:00"}
                ],
            }
            for model_id, status in statuses.items()
        ],
    }  # fmt: skip


def run_health(tmp_path: Path, data: dict, *extra: str) -> int:
    path = tmp_path / "health.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return health_issues.main([str(path), *extra])


def issue(number: int, model_id: str) -> dict:
    return {"number": number, "body": f"{health_issues.marker(model_id)}\nold text"}


def test_new_breach_opens_one_issue(tmp_path: Path, fake_gh: Path) -> None:
    summary = tmp_path / "summary.md"
    assert (
        run_health(tmp_path, report(fraud_model="breach", churn="ok"), "--summary", str(summary))
        == 0
    )
    calls = gh_calls(fake_gh)
    assert [c["args"][:2] for c in calls] == [
        ["issue", "list"],
        ["label", "create"],
        ["issue", "create"],
    ]
    create = calls[-1]
    assert create["args"][create["args"].index("--title") + 1] == "Health breach: fraud-model"
    assert create["args"][create["args"].index("--label") + 1] == "govcat-health"
    assert create["stdin"].startswith("<!-- govcat-health:fraud-model -->")
    assert "fraud_model reason" in create["stdin"] and "| auc | all | 0.7 |" in create["stdin"]
    assert "| fraud-model | opened |" in summary.read_text(encoding="utf-8")


def test_ongoing_breach_updates_its_issue(tmp_path: Path, fake_gh: Path) -> None:
    (tmp_path / "issues.json").write_text(json.dumps([issue(7, "fraud-model")]))
    assert run_health(tmp_path, report(fraud_model="breach")) == 0
    edit = gh_calls(fake_gh)[-1]
    assert edit["args"][:3] == ["issue", "edit", "7"]
    assert "--body-file" in edit["args"] and edit["stdin"].startswith("<!-- govcat-health:")
    assert not any(c["args"][:2] == ["issue", "create"] for c in gh_calls(fake_gh))


def test_recovery_closes_and_stale_keeps_the_issue(tmp_path: Path, fake_gh: Path) -> None:
    (tmp_path / "issues.json").write_text(
        json.dumps([issue(3, "churn"), issue(4, "gone-model"), issue(5, "quiet")])
    )
    assert run_health(tmp_path, report(churn="warning", quiet="stale")) == 0
    closes = [c["args"] for c in gh_calls(fake_gh) if c["args"][:2] == ["issue", "close"]]
    assert [args[2] for args in closes] == ["3", "4"]
    assert "is warning" in closes[0][closes[0].index("--comment") + 1]
    assert "no longer in the catalog" in closes[1][closes[1].index("--comment") + 1]
    assert not any(
        c["args"][:2] in (["issue", "edit"], ["label", "create"]) for c in gh_calls(fake_gh)
    )


def test_no_breach_no_issue_no_write(tmp_path: Path, fake_gh: Path) -> None:
    assert run_health(tmp_path, report(churn="ok")) == 0
    assert [c["args"][:2] for c in gh_calls(fake_gh)] == [["issue", "list"]]


def test_health_report_shapes(tmp_path: Path) -> None:
    by_key = {"models": {"a-model": {"status": "breach"}}}
    assert health_issues.model_entries(by_key) == [{"model_id": "a-model", "status": "breach"}]
    assert (
        health_issues.model_entries([{"id": "b-model", "status": "ok"}])[0]["model_id"] == "b-model"
    )
    with pytest.raises(ValueError):
        health_issues.model_entries({"models": [{"status": "breach"}]})


def test_unreadable_report_fails(
    tmp_path: Path, fake_gh: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "health.json"
    path.write_text("Error: not json", encoding="utf-8")
    assert health_issues.main([str(path)]) == 1
    assert "health_issues:" in capsys.readouterr().err
    assert gh_calls(fake_gh) == []


# --- fetch-exports.sh --------------------------------------------------------------


def fetch(tmp_path: Path, uri: str | None) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOVCAT_EXPORTS_URI", "GITHUB_ACTIONS")}
    if uri is not None:
        env["GOVCAT_EXPORTS_URI"] = uri
    dest = tmp_path / "exports"
    done = subprocess.run(
        ["bash", str(SCRIPTS / "fetch-exports.sh"), str(dest)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    files = (
        sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
        if dest.exists()
        else []
    )
    return done, files


def test_fetch_without_a_location_fetches_nothing(tmp_path: Path) -> None:
    done, files = fetch(tmp_path, None)
    assert done.returncode == 0 and files == []
    assert "GOVCAT_EXPORTS_URI is not set" in done.stdout


def test_fetch_from_a_folder_or_file(tmp_path: Path) -> None:
    source = tmp_path / "drop"
    (source / "2026-10-05").mkdir(parents=True)
    (source / "2026-10-05" / "a.csv").write_text("x\n")
    (source / "b.parquet").write_bytes(b"PAR1")
    done, files = fetch(tmp_path, f"file:{source}")
    assert done.returncode == 0, done.stderr
    assert files == ["2026-10-05/a.csv", "b.parquet"]
    assert "fetched 2 monitoring export file(s)" in done.stdout
    done, files = fetch(tmp_path / "second", str(source / "b.parquet"))
    assert done.returncode == 0 and files == ["b.parquet"]


def test_fetch_rejects_unknown_schemes_and_missing_paths(tmp_path: Path) -> None:
    assert fetch(tmp_path, "ftp://host/x.csv")[0].returncode == 2
    assert fetch(tmp_path, str(tmp_path / "missing"))[0].returncode == 2
    assert fetch(tmp_path, "artifact:no-slash")[0].returncode == 2


def test_fetch_from_a_workflow_artifact(tmp_path: Path, fake_gh: Path) -> None:
    (tmp_path / "runs.json").write_text(json.dumps([{"databaseId": 42}]))
    done, files = fetch(tmp_path, "artifact:monitoring-export.yml/exports")
    assert done.returncode == 0, done.stderr
    assert files == ["export.csv"]
    calls = [c["args"] for c in gh_calls(fake_gh)]
    assert calls[0][:4] == ["run", "list", "--workflow", "monitoring-export.yml"]
    assert calls[1] == [
        "run",
        "download",
        "42",
        "--name",
        "exports",
        "--dir",
        str(tmp_path / "exports"),
    ]
