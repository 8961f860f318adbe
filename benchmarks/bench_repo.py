"""Workflow benchmarks: `govcat diff` and `govcat codeowners` on a large catalog in git.

    python -m benchmarks.bench_repo            # 1,000 models
    python -m benchmarks.bench_repo --large    # 10,000 models

A synthetic project (`benchmarks.synth`, no monitoring) is committed to a git
repository in benchmarks/work/, then a second commit changes 20 model cards
(a threshold lowered, a stage moved). Each case runs in a child process; medians of
3 interleaved runs.

- `diff (20 cards changed)`: `governance_diff(catalog, base, head)`: the head revision
  written out and validated, the base rebuilt from the 20 changed files, policy
  evaluated on both sides, the report rendered. Floor: what `govcat validate` does on
  one side (validate + policy evaluate of the working tree). Goal <= 2x floor: the
  second side should cost far less than the first (only changed files are parsed).
- `codeowners`: validate + CODEOWNERS text. Floor: validate alone. Goal <= 1.2x.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import (
    PYTHON,
    REPO,
    WORK,
    bench_main,
    interleaved,
    progress,
    row,
    run_child,
    run_python,
)

AREA = "repo"
CHANGED = 20
TODAY = "2026-11-20"

DIFF = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.diff import governance_diff, render_markdown
report = governance_diff(Path(sys.argv[1]), "base", "head", today=dt.date.fromisoformat(sys.argv[2]))
text = render_markdown(report)
child_report(time.perf_counter() - start, verdict=report.verdict(), chars=len(text))
"""

VALIDATE = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.validate import validate_catalog
from generator.policy import evaluate
today = dt.date.fromisoformat(sys.argv[2])
result = validate_catalog(Path(sys.argv[1]), today=today)
findings = evaluate(result.catalog, today)
child_report(time.perf_counter() - start, models=len(result.catalog.models), findings=len(findings))
"""

CODEOWNERS = """
import sys, time
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.codeowners import codeowners_for
text = codeowners_for(Path(sys.argv[1]))
child_report(time.perf_counter() - start, lines=text.count(chr(10)))
"""

VALIDATE_ONLY = """
import sys, time
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.validate import validate_catalog
result = validate_catalog(Path(sys.argv[1]))
child_report(time.perf_counter() - start, models=len(result.catalog.models))
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def ensure_repository(models: int) -> Path:
    """A git repository with the synthetic catalog at tag `base` and 20 cards changed at `head`."""
    target = WORK / f"repo-{models}"
    if (target / ".complete").is_file():
        return target / "catalog"
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)
    progress(f"writing a synthetic catalog of {models:,} models into a git repository")
    run_child(
        [
            PYTHON,
            "-m",
            "benchmarks.synth",
            "--models",
            str(models),
            "--monitoring-days",
            "0",
            "-o",
            str(target),
        ],
        cwd=REPO,
    )
    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "user.email", "bench@example.org")
    _git(target, "config", "user.name", "Bench")
    _git(target, "config", "commit.gpgsign", "false")
    _git(target, "add", "catalog")
    _git(target, "commit", "-q", "-m", "base")
    _git(target, "tag", "base")
    for path in sorted((target / "catalog" / "models").glob("*.yaml"))[:CHANGED]:
        _change_card(path)
    _git(target, "commit", "-q", "-am", "head")
    _git(target, "tag", "head")
    (target / ".complete").write_text("ok\n")
    return target / "catalog"


def _change_card(path: Path) -> None:
    text = path.read_text("utf-8")
    card = yaml.safe_load(text)
    metrics = (card.get("monitoring") or {}).get("metrics") or {}
    for threshold in metrics.values():
        if threshold.get("min") is not None:
            old = threshold["min"]
            threshold["min"] = round(old - 0.05, 4)
            if threshold.get("warn_below") is not None:
                threshold["warn_below"] = max(threshold["warn_below"], threshold["min"])
            break
    path.write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), "utf-8")


def run(large: bool) -> list[dict[str, Any]]:
    """Measure one size."""
    models = 10_000 if large else 1_000
    catalog = ensure_repository(models)
    cases = {
        "diff": lambda: run_python(DIFF, str(catalog), TODAY),
        "validate+policy": lambda: run_python(VALIDATE, str(catalog), TODAY),
        "codeowners": lambda: run_python(CODEOWNERS, str(catalog)),
        "validate": lambda: run_python(VALIDATE_ONLY, str(catalog)),
    }
    results = interleaved(cases, runs=3, label=f"{models:,} models")
    size = f"{models:,} models"
    diff = results["diff"]
    return [
        row(
            AREA,
            size,
            f"diff ({CHANGED} cards changed)",
            diff,
            floor=("validate + policy of one side", results["validate+policy"]),
            goal="<= 2x floor",
            goal_ratio=2.0,
            notes=str(diff.extra.get("verdict", "")),
        ),
        row(
            AREA,
            size,
            "codeowners",
            results["codeowners"],
            floor=("validate", results["validate"]),
            goal="<= 1.2x floor",
            goal_ratio=1.2,
        ),
    ]


if __name__ == "__main__":
    bench_main(AREA, run)
