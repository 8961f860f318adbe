"""Catalog benchmark: load + validate N synthetic cards, next to a bare YAML parse.

    python -m benchmarks.bench_catalog [--large] [--json OUT.json]

Sizes: 100 and 1,000 cards (10,000 with --large). Every case runs in its own child
process (so peak RSS is its own), round-robin with the others, three times
(five at 100 cards); the table shows medians. Times are of the work itself, after
imports: the floor is the same for both sides (a Python process), and start-up
is reported in the notes.

The floor is what any tool must at least do: `yaml.load(f, Loader=yaml.CSafeLoader)`
of the same files, one after the other, in one process, with Python's defaults.
"""

from __future__ import annotations

import shutil
from typing import Any

from benchmarks.common import (
    WORK,
    Summary,
    bench_main,
    interleaved,
    progress,
    row,
    run_python,
    synthetic_project,
)
from generator.validate import PARALLEL_MIN_FILES

AREA = "catalog"

FLOOR = """
import sys, time
t0 = time.perf_counter()
import yaml
from pathlib import Path
from benchmarks.common import child_report
root = Path(sys.argv[1])
files = [p for folder in ("models", "datasets", "teams")
         for p in sorted((root / folder).glob("*.yaml"))]
started = time.perf_counter()
for path in files:
    with open(path, "rb") as stream:
        yaml.load(stream, Loader=yaml.CSafeLoader)
child_report(time.perf_counter() - started, files=len(files), startup_s=started - t0)
"""

LOAD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from benchmarks.common import child_report
from generator.loader import load_document
from generator.validate import catalog_files, gc_paused
root = Path(sys.argv[1])
files = [p for paths in catalog_files(root).values() for p in paths]
started = time.perf_counter()
with gc_paused():
    documents = [load_document(path) for path in files]
child_report(time.perf_counter() - started, files=len(files), startup_s=started - t0)
"""

VALIDATE = """
import sys, time, datetime
t0 = time.perf_counter()
from pathlib import Path
from benchmarks.common import child_report
from generator.validate import validate_catalog
root, cache, workers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
result = validate_catalog(
    root,
    today=datetime.date(2026, 11, 22),
    cache_dir=Path(cache) if cache != "-" else None,
    workers=workers or None,
)
elapsed = time.perf_counter() - started
assert not result.problems, result.problems[:3]
child_report(elapsed, models=len(result.catalog.models), startup_s=started - t0)
"""


def measure(models: int, runs: int) -> list[dict[str, Any]]:
    """The rows for one catalog size."""
    project = synthetic_project(models)
    catalog = project / "catalog"
    cache = WORK / "catalog-cache" / f"m{models}"
    if cache.exists():
        shutil.rmtree(cache)
    root = str(catalog)
    progress(f"catalog: priming the card cache for {models:,} models")
    run_python(VALIDATE, root, str(cache), "0")

    cases = {
        "floor": lambda: run_python(FLOOR, root),
        "load": lambda: run_python(LOAD, root),
        "validate-cold": lambda: run_python(VALIDATE, root, "-", "0"),
        "validate-cold-1": lambda: run_python(VALIDATE, root, "-", "1"),
        "validate-warm": lambda: run_python(VALIDATE, root, str(cache), "0"),
    }
    results = interleaved(cases, runs=runs, label=f"catalog {models:,}")
    floor = results["floor"]
    files = floor.extra.get("files", 0)
    goal = "<= 2x floor"

    def note(summary: Summary, text: str) -> str:
        per_card = summary.wall_s / files * 1000 if files else 0
        startup = summary.extra.get("startup_s", 0.0)
        return f"{text}{'; ' if text else ''}{per_card:.2f} ms/file; start-up {startup:.2f} s"

    floor_name = "yaml.CSafeLoader parse"
    return [
        row(
            AREA,
            models,
            "floor: bare YAML parse",
            floor,
            notes=note(floor, f"{files:,} files (models, datasets, teams), 1 process"),
        ),
        row(
            AREA,
            models,
            "load (safe loader, positions on demand)",
            results["load"],
            floor=(floor_name, floor),
            notes=note(results["load"], "1 process"),
        ),
        row(
            AREA,
            models,
            "validate, cold (no cache)",
            results["validate-cold"],
            floor=(floor_name, floor),
            goal=goal,
            goal_ratio=2.0,
            notes=note(
                results["validate-cold"],
                "parse in worker processes"
                if files >= PARALLEL_MIN_FILES
                else f"1 process (workers start at {PARALLEL_MIN_FILES} files)",
            ),
        ),
        row(
            AREA,
            models,
            "validate, cold, 1 process",
            results["validate-cold-1"],
            floor=(floor_name, floor),
            goal=goal,
            goal_ratio=2.0,
            notes=note(results["validate-cold-1"], ""),
        ),
        row(
            AREA,
            models,
            "validate, warm (card cache)",
            results["validate-warm"],
            floor=(floor_name, floor),
            goal=goal,
            goal_ratio=2.0,
            notes=note(results["validate-warm"], "unchanged cards skip YAML parsing"),
        ),
    ]


def run(large: bool) -> list[dict[str, Any]]:
    """Every size: 100 and 1,000 cards, and 10,000 with `large`."""
    sizes = [(100, 5), (1000, 3)] + ([(10_000, 3)] if large else [])
    rows: list[dict[str, Any]] = []
    for models, runs in sizes:
        rows.extend(measure(models, runs))
    return rows


if __name__ == "__main__":
    bench_main(AREA, run)
