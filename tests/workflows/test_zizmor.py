"""zizmor (offline) audits the workflows and the composite action: no findings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ci_helpers import ACTION_FILE, REPO, WORKFLOWS_DIR, dev_tool


def zizmor(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(dev_tool("zizmor")), "--offline", "--format", "json", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_workflows_and_action_have_no_findings() -> None:
    # pedantic: the regular audits plus code smells (e.g. undocumented permissions)
    done = zizmor("--persona", "pedantic", str(WORKFLOWS_DIR), str(ACTION_FILE))
    assert done.returncode == 0, done.stdout + done.stderr
    findings = json.loads(done.stdout)
    assert findings == [], json.dumps(findings, indent=1)


def test_zizmor_reports_problems(tmp_path: Path) -> None:
    """zizmor really audits offline: template injection and unpinned actions are found."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    done = zizmor("--no-config", str(workflows), cwd=tmp_path)
    audits = {finding["ident"] for finding in json.loads(done.stdout)}
    assert {"template-injection", "unpinned-uses"} <= audits, done.stdout + done.stderr
