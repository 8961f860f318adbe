"""Rebuild benchmark: cold vs warm (nightly, nothing changed) `govcat build`, per engine.

    python -m benchmarks.bench_rebuild [--large] [--json OUT.json]

On a synthetic project with a year of monitoring (1,000 models; 10,000 with --large):

- `govcat build` cold (no build/, no site/: no card cache, no engine cache) and warm
  (the nightly case: nothing changed since the last build), with `--engine mkdocs`
  and `--engine zensical`: one cold build per engine (it also primes the caches),
  then warm rebuilds interleaved between the engines, median of 3 runs each.
  Goal: a warm rebuild of 10,000 unchanged models in <= 30 s on 2 cores.

The bare-`mkdocs build` floor of a full build, the engine comparison of cold builds
and edit-to-preview with `govcat serve` live in bench_site.py.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Measurement,
    Summary,
    bench_main,
    interleaved,
    progress,
    row,
    run_python,
    summarise,
    synthetic_project,
)

AREA = "rebuild"
ENGINES = ("mkdocs", "zensical")
MONITORING_DAYS = 365
WARM_GOAL_S = 30.0


def _clean(project: Path) -> None:
    for name in ("build", "site"):
        shutil.rmtree(project / name, ignore_errors=True)


BUILD = """
import os, sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
from generator.pipeline import BuildOptions, run
os.chdir(sys.argv[1])
options = BuildOptions(
    catalog=Path("catalog"), engine=sys.argv[2], as_of=dt.date(2026, 11, 22)
)
started = time.perf_counter()
report = run(options)
child_report(
    time.perf_counter() - started,
    changed=report.changed,
    pages=report.pages,
    **{f"stage_{name}": seconds for name, seconds in report.timings.items()},
)
"""


def _build(project: Path, engine: str) -> Measurement:
    return run_python(BUILD, str(project), engine, timeout=3600)


def _stages(summary: Summary) -> str:
    """Median seconds of each pipeline stage over the runs, e.g. `validate 1.2 s, …`."""
    names = [key for key in summary.extra if key.startswith("stage_")]
    parts = []
    for name in names:
        values = sorted(run.extra.get(name, 0.0) for run in summary.runs)
        parts.append(f"{name.removeprefix('stage_')} {statistics.median(values):.1f} s")
    return ", ".join(parts)


def builds(models: int) -> list[dict[str, Any]]:
    """A cold build per engine (which also primes it), then warm rebuilds, interleaved."""
    project = synthetic_project(models, monitoring_days=MONITORING_DAYS)
    cold: dict[str, Summary] = {}
    for engine in ENGINES:
        _clean(project)
        progress(f"rebuild {models:,}: cold build with {engine} (also primes the caches)")
        cold[engine] = summarise([_build(project, engine)])
    # both engines share build/ (cards, generated files) and keep their own caches
    warm = interleaved(
        {engine: lambda engine=engine: _build(project, engine) for engine in ENGINES},
        runs=3,
        label=f"rebuild {models:,} warm",
    )
    rows = []
    is_large = models >= 10_000
    for engine in ENGINES:
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, cold ({engine}, 1 run)",
                cold[engine],
                notes="no build/ or site/: every card parsed, every page built; "
                f"stages: {_stages(cold[engine])}",
            )
        )
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, warm nightly ({engine})",
                warm[engine],
                floor=(f"cold build ({engine})", cold[engine]),
                goal=f"<= {WARM_GOAL_S:.0f} s at 10,000" if is_large else None,
                goal_met=(warm[engine].wall_s <= WARM_GOAL_S) if is_large else None,
                notes="nothing changed since the last build; "
                f"{warm[engine].extra.get('changed', '?')} generated files rewritten; "
                f"stages: {_stages(warm[engine])}",
            )
        )
    return rows


def run(large: bool) -> list[dict[str, Any]]:
    """1,000 models (and 10,000 with `large`)."""
    rows = builds(1000)
    if large:
        rows.extend(builds(10_000))
    return rows


if __name__ == "__main__":
    bench_main(AREA, run)
