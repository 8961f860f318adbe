"""Governance benchmarks: policy evaluation, exports and the governance pages at scale.

    python -m benchmarks.bench_governance            # 1,000 models
    python -m benchmarks.bench_governance --large    # 10,000 models

A synthetic project (`benchmarks.synth`, 30 days of monitoring; it copies the demo's
policy.yaml: four profiles, ~50 rules) in benchmarks/work/. Each case runs in a
child process; medians of 3 interleaved runs.

- `validate + policy`: what `govcat validate` does: validate, evaluate every rule on
  every model, locate every open finding (file:line:col). Floor: validate alone.
  Goal <= 2x floor.
- `exports`: inventory (csv, json, xlsx) and the all-models CycloneDX BOM from an
  evaluated report. Floor: validate + policy. Goal <= 1.5x floor.
- `render with governance pages`: the render stage with the governance producer
  (compliance page, Annex IV documents, badges, calendar, feed, per-model exports).
  Floor: the render stage without it. Goal <= 2x floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

AREA = "governance"
AS_OF = "2026-11-20"

VALIDATE = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.validate import validate_catalog
result = validate_catalog(Path(sys.argv[1]), today=dt.date.fromisoformat(sys.argv[2]))
child_report(time.perf_counter() - start, models=len(result.catalog.models))
"""

POLICY = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.validate import validate_catalog
from generator.policy import run_policy
today = dt.date.fromisoformat(sys.argv[2])
result = validate_catalog(Path(sys.argv[1]), today=today)
run = run_policy(result.catalog, today)
lines = [str(p) for p in run.open_problems()]
child_report(time.perf_counter() - start, findings=len(run.findings), open=len(lines))
"""

EXPORTS = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
start = time.perf_counter()
from generator.policy.report import load_report
from generator.exports import cyclonedx_json, inventory_bytes
report = load_report(Path(sys.argv[1]), dt.date.fromisoformat(sys.argv[2]))
sizes = [len(inventory_bytes(report, f)) for f in ("csv", "json", "xlsx")]
sizes.append(len(cyclonedx_json(report)))
child_report(time.perf_counter() - start, bytes=sum(sizes))
"""

RENDER = """
import sys, time, datetime as dt, shutil
from pathlib import Path
from benchmarks.common import child_report
from generator import render as render_module
from generator.pipeline import BuildOptions, prepare, render
catalog, as_of, with_governance, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "yes", Path(sys.argv[4])
if not with_governance:
    render_module.PAGE_PRODUCERS.clear()
shutil.rmtree(out, ignore_errors=True)
options = BuildOptions(catalog=catalog, build_dir=out, site_dir=out / "site", as_of=dt.date.fromisoformat(as_of))
prepared = prepare(options)
start = time.perf_counter()
result = render(options, prepared)
child_report(time.perf_counter() - start, changed=len(result.changed))
"""


def ensure_project(models: int) -> Path:
    target = WORK / f"governance-{models}"
    if (target / ".complete").is_file():
        return target / "catalog"
    progress(f"writing a synthetic catalog of {models:,} models")
    run_child(
        [
            PYTHON,
            "-m",
            "benchmarks.synth",
            "--models",
            str(models),
            "--monitoring-days",
            "30",
            "--end-date",
            AS_OF,
            "-o",
            str(target),
        ],
        cwd=REPO,
    )
    (target / ".complete").write_text("ok\n")
    return target / "catalog"


def run(large: bool) -> list[dict[str, Any]]:
    """Measure one size."""
    models = 10_000 if large else 1_000
    catalog = ensure_project(models)
    work = WORK / f"governance-{models}-render"
    cases = {
        "validate": lambda: run_python(VALIDATE, str(catalog), AS_OF),
        "policy": lambda: run_python(POLICY, str(catalog), AS_OF),
        "exports": lambda: run_python(EXPORTS, str(catalog), AS_OF),
        "render": lambda: run_python(RENDER, str(catalog), AS_OF, "no", str(work / "plain")),
        "render+gov": lambda: run_python(RENDER, str(catalog), AS_OF, "yes", str(work / "gov")),
    }
    results = interleaved(cases, runs=3, label=f"{models:,} models")
    size = f"{models:,} models"
    policy = results["policy"]
    return [
        row(
            AREA,
            size,
            "validate + policy (located findings)",
            policy,
            floor=("validate", results["validate"]),
            goal="<= 2x floor",
            goal_ratio=2.0,
            notes=f"{policy.extra.get('findings')} findings, {policy.extra.get('open')} open",
        ),
        row(
            AREA,
            size,
            "exports (inventory x3 + CycloneDX all)",
            results["exports"],
            floor=("validate + policy", policy),
            goal="<= 1.5x floor",
            goal_ratio=1.5,
        ),
        row(
            AREA,
            size,
            "render with governance pages",
            results["render+gov"],
            floor=("render without them", results["render"]),
            goal="<= 2x floor",
            goal_ratio=2.0,
        ),
    ]


if __name__ == "__main__":
    bench_main(AREA, run)
