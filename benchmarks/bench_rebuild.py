"""Rebuild benchmark: cold vs warm `govcat build`, per engine.

    python -m benchmarks.bench_rebuild [--large] [--json OUT.json]

On a synthetic project with a year of monitoring (1,000 models; 10,000 with --large),
one copy of the project per engine (a nightly job uses one engine; sharing build/
and site/ between engines would make every build a full one):

- cold: no build/, no site/ (no card cache, no engine cache, no memo); 1 run;
- warm nightly, nothing changed: the same as-of date again — govcat hashes its
  inputs (generator/memo.py) and keeps the published site; median of 3;
- warm nightly, next day: as-of one day later each run (health, staleness and
  review dates move, so every stage runs and most model pages change), with the
  card cache and unchanged generated files from the run before; median of 3.
Goal: a warm rebuild of 10,000 unchanged models in <= 30 s on 2 cores.

The bare-`mkdocs build` floor of a full build, the engine comparison of cold builds
and edit-to-preview with `govcat serve` live in bench_site.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import (
    WORK,
    Measurement,
    Summary,
    bench_main,
    interleaved,
    progress,
    row,
    run_python,
    settle,
    summarise,
    synthetic_project,
)

AREA = "rebuild"
ENGINES = ("mkdocs", "zensical")
MONITORING_DAYS = 365
WARM_GOAL_S = 30.0


BUILD = """
import os, sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
from generator.pipeline import BuildOptions, run
os.chdir(sys.argv[1])
options = BuildOptions(
    catalog=Path("catalog"), engine=sys.argv[2], as_of=dt.date.fromisoformat(sys.argv[3])
)
started = time.perf_counter()
report = run(options)
child_report(
    time.perf_counter() - started,
    changed=report.changed,
    pages=report.pages,
    skipped=report.build_skipped,
    **{f"stage_{name}": seconds for name, seconds in report.timings.items()},
)
"""


AS_OF = dt.date(2026, 11, 22)


def _build(project: Path, engine: str, as_of: dt.date = AS_OF) -> Measurement:
    return run_python(BUILD, str(project), engine, as_of.isoformat(), timeout=3600)


def _project_copy(source: Path, engine: str) -> Path:
    """A copy of the synthetic project for one engine (catalog and mkdocs.yml only)."""
    target = WORK / "rebuild" / f"{source.name}-{engine}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(source / "catalog", target / "catalog")
    shutil.copy2(source / "mkdocs.yml", target / "mkdocs.yml")
    return target


def _stages(summary: Summary) -> str:
    """Median seconds of each pipeline stage over the runs, e.g. `validate 1.2 s, …`."""
    names = [key for key in summary.extra if key.startswith("stage_")]
    parts = []
    for name in names:
        values = sorted(run.extra.get(name, 0.0) for run in summary.runs)
        parts.append(f"{name.removeprefix('stage_')} {statistics.median(values):.1f} s")
    return ", ".join(parts)


def builds(models: int) -> list[dict[str, Any]]:
    """Per engine: a cold build, warm rebuilds with nothing changed, next-day rebuilds."""
    source = synthetic_project(models, monitoring_days=MONITORING_DAYS)
    # Zensical only up to 1,000 models: at 1,000 it builds ~2.5x slower than the MkDocs
    # engine here, and at 10,000 its runs alone would take most of an hour
    engines = ENGINES if models < 10_000 else ("mkdocs",)
    projects = {engine: _project_copy(source, engine) for engine in engines}
    cold: dict[str, Summary] = {}
    for engine in engines:
        progress(f"rebuild {models:,}: cold build with {engine} (also primes the caches)")
        cold[engine] = summarise([_build(projects[engine], engine)])
        settle(projects[engine] / "site")
    warm = interleaved(
        {engine: lambda engine=engine: _build(projects[engine], engine) for engine in engines},
        runs=3,
        label=f"rebuild {models:,} warm, nothing changed",
        before_each=lambda engine: settle(projects[engine] / "site"),
    )
    days = {engine: iter(range(1, 4)) for engine in engines}
    next_day = interleaved(
        {
            engine: lambda engine=engine: _build(
                projects[engine], engine, AS_OF + dt.timedelta(days=next(days[engine]))
            )
            for engine in engines
        },
        runs=3,
        label=f"rebuild {models:,} warm, next day",
        before_each=lambda engine: settle(projects[engine] / "site"),
    )
    rows = []
    is_large = models >= 10_000
    for engine in engines:
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
        skipped = all(run.extra.get("skipped") for run in warm[engine].runs)
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, warm nightly, nothing changed ({engine})",
                warm[engine],
                floor=(f"cold build ({engine})", cold[engine]),
                goal=f"<= {WARM_GOAL_S:.0f} s at 10,000" if is_large else None,
                goal_met=(warm[engine].wall_s <= WARM_GOAL_S) if is_large else None,
                notes=(
                    "inputs hashed, equal to the last build's: site kept"
                    if skipped
                    else "NOT skipped (inputs differ?)"
                )
                + f"; stages: {_stages(warm[engine])}",
            )
        )
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, warm nightly, next day ({engine})",
                next_day[engine],
                floor=(f"cold build ({engine})", cold[engine]),
                notes="as-of +1 day per run: every stage runs; "
                f"{next_day[engine].extra.get('changed', '?')} generated files rewritten; "
                f"stages: {_stages(next_day[engine])}",
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
