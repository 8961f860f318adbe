"""Monitoring benchmarks: ingest rows/s, full aggregation vs a plain DuckDB scan and pandas.

    python -m benchmarks.bench_monitoring            # 1,000 models, ~11M rows
    python -m benchmarks.bench_monitoring --large    # 10,000 models, ~110M rows

The synthetic store (1,000 or 10,000 models × 10 metrics × 3 segments × 365 days)
is written by `benchmarks.synth` with the store's own writer (same layout, sort
order and parquet settings as `govcat ingest`) and reused from benchmarks/work/.

Stages (each in a child process; medians of 3 interleaved runs; peak RSS of the child):

- `aggregate`: `summarize()` (every model's health, windows, portfolio, chart series)
  against the floor (goal <= 3x), and, at the default size, against a straightforward
  pandas version of the same per-series aggregation (goal >= 5x faster); RSS goal
  <= 2 GiB at --large;
- `ingest`: the real ingest path (`generator.monitoring.ingest.ingest`) of one week of
  new rows for every model into the full store: rows/s, with conflict checks.

The floor is a bare DuckDB scan that reads and decodes every column `summarize` reads
(model_id, metric, segment, model_version, ts, value; not `source`), with the
cheapest aggregate that still needs each value, and no GROUP BY::

    SELECT count(*), max(length(model_id)), max(length(metric)), max(length(segment)),
           max(length(model_version)), min(ts), max(ts), sum(value) FROM <every part>

(`length` needs the decoded string, unlike `count(col)`, which a reader may answer from
the validity mask; it costs about as much as `count`). Both children import DuckDB,
numpy and pyarrow before the clock starts, and both time listing the parts and
connecting, so the ratio compares scan work with aggregation work only. Two more scans
are reported for information, not as the goal's floor: the old floor over `ts` and
`value` alone (`count(*), max(ts), sum(value)`, which leaves out the key strings that
dominate the cost), and min/max over every column (string comparisons on every row:
aggregation work on top of the scan, so too generous a floor).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    REPO,
    WORK,
    bench_main,
    ensure_series_summaries,
    interleaved,
    progress,
    row,
    run_child,
    run_python,
)

END = dt.date(2026, 11, 21)
SEGMENTS = 3
AREA = "monitoring"

AGGREGATE = """
import sys, time, datetime as dt
from pathlib import Path
from benchmarks.common import child_report
from generator.validate import validate_catalog
from generator.monitoring.aggregate import summarize
import duckdb, numpy, pyarrow  # imports are a per-process constant, not aggregation work
pyarrow.array([0])  # (pyarrow imports pandas on first use)
catalog = validate_catalog(Path(sys.argv[1])).catalog
start = time.perf_counter()
summary = summarize(catalog, as_of=dt.date.fromisoformat(sys.argv[2]))
wall = time.perf_counter() - start
points = sum(len(s.values) for s in summary.series.values())
child_report(wall, rows=summary.rows, models=len(summary.models), points=points)
"""

FLOOR = """
import sys, time
from pathlib import Path
from benchmarks.bench_monitoring import FLOOR_SQL
from benchmarks.common import child_report
from generator.monitoring.store import Store, duckdb_connect
import duckdb, numpy, pyarrow  # as in AGGREGATE: imports are not scan work
start = time.perf_counter()
source = Store(Path(sys.argv[1])).source_sql()
count = duckdb_connect().execute(FLOOR_SQL[sys.argv[2]].format(source=source)).fetchone()[0]
child_report(time.perf_counter() - start, rows=count)
"""

STRINGS = ("model_id", "metric", "segment", "model_version")
"""The string columns `summarize` reads (with ts and value)."""
FLOOR_SQL = {
    # the goal's floor: every column summarize reads, each value decoded, no GROUP BY
    "columns": "SELECT count(*), "
    + ", ".join(f"max(length({c}))" for c in STRINGS)
    + ", min(ts)::TIMESTAMP, max(ts)::TIMESTAMP, sum(value) FROM {source}",
    # for information: the old floor (ts and value only)
    "ts_value": "SELECT count(*), max(ts)::TIMESTAMP, sum(value) FROM {source}",
    # for information: min/max of every column (string comparisons on every row)
    "minmax": "SELECT count(*), "
    + ", ".join(f"min({c}), max({c})" for c in STRINGS)
    + ", min(ts)::TIMESTAMP, max(ts)::TIMESTAMP, sum(value) FROM {source}",
}
FLOOR_NAMES = {
    "columns": "DuckDB scan of the 6 columns summarize reads (max(length(str)), min/max(ts), "
    "sum(value))",
    "ts_value": "DuckDB scan of ts, value only: count(*), max(ts), sum(value)",
    "minmax": "DuckDB min/max of the 6 columns (compares every string)",
}

# The same per-series aggregation written the obvious pandas way: load, filter,
# group by. (Latest value, first/last time, 7/30/90-day mean/min/max/slope, breaches,
# daily chart points.) Portfolio and breach-since are left out, which favours pandas.
PANDAS = """
import sys, time, datetime as dt
from pathlib import Path
import numpy as np, pandas as pd, pyarrow.parquet as pq, pyarrow as pa
from benchmarks.common import child_report
from benchmarks.synth import THRESHOLDS
from generator.monitoring.store import Store
start = time.perf_counter()
files = Store(Path(sys.argv[1])).part_files()
frame = pa.concat_tables(pq.read_table(f) for f in files).to_pandas()
end = pd.Timestamp(sys.argv[2], tz="UTC") + pd.Timedelta(days=1)
frame = frame[frame["ts"] < end]
keys = ["model_id", "metric", "segment"]
frame = frame.sort_values(keys + ["ts"])
limits = pd.DataFrame([(m, t.get("min", -np.inf), t.get("max", np.inf))
                       for m, t in THRESHOLDS.items()], columns=["metric", "t_min", "t_max"])
frame = frame.merge(limits, on="metric", how="left")
frame["breach"] = (frame["value"] < frame["t_min"]) | (frame["value"] > frame["t_max"])
frame["x"] = (frame["ts"] - end).dt.total_seconds() / 86400
grouped = frame.groupby(keys, sort=False)
stats = grouped.agg(n=("value", "size"), first=("ts", "min"), last=("ts", "max"),
                    latest=("value", "last"))
for days in (7, 30, 90):
    window = frame[frame["ts"] >= end - pd.Timedelta(days=days)].copy()
    window["xy"] = window["x"] * window["value"]
    window["xx"] = window["x"] * window["x"]
    agg = window.groupby(keys).agg(n=("value", "size"), mean=("value", "mean"),
        lo=("value", "min"), hi=("value", "max"), sx=("x", "sum"), sy=("value", "sum"),
        sxy=("xy", "sum"), sxx=("xx", "sum"), breaches=("breach", "sum"))
    agg["slope"] = (agg.n * agg.sxy - agg.sx * agg.sy) / (agg.n * agg.sxx - agg.sx ** 2)
    stats = stats.join(agg.add_suffix(f"_{days}"))
chart = frame[frame["ts"] >= end - pd.Timedelta(days=180)].copy()
chart["day"] = chart["ts"].dt.floor("D")
daily = chart.groupby(keys + ["day"], sort=True)["value"].last()
child_report(time.perf_counter() - start, series=len(stats), points=len(daily))
"""

INGEST = """
import sys, time
from pathlib import Path
from benchmarks.common import child_report
from generator.validate import validate_catalog
from generator.monitoring.ingest import ingest, IngestOptions
catalog = validate_catalog(Path(sys.argv[1])).catalog
start = time.perf_counter()
report = ingest(catalog, [Path(sys.argv[2])], IngestOptions())
wall = time.perf_counter() - start
child_report(wall, rows=report.rows_read, added=report.added)
"""


def ensure_store(models: int) -> Path:
    """The synthetic project for `models` models (written once, then reused)."""
    target = WORK / f"monitoring-{models}"
    if not (target / ".complete").is_file():
        progress(f"writing synthetic store: {models:,} models × 10 metrics × {SEGMENTS} segments")
        run_child(
            [
                PYTHON,
                "-m",
                "benchmarks.synth",
                "--models",
                str(models),
                "--monitoring-days",
                "365",
                "--segments",
                str(SEGMENTS),
                "--end-date",
                END.isoformat(),
                "-o",
                str(target),
            ],
            cwd=REPO,
        )
    ensure_series_summaries(target / "catalog")
    return target / "catalog"


def without_summaries(catalog: Path) -> Path:
    """A copy of the project whose store has no series summaries nor history (a store
    written before they existed: every part is read in full); parts are hard links."""
    target = catalog.parent.parent / f"{catalog.parent.name}-no-summaries"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        catalog.parent,
        target,
        copy_function=os.link,
        ignore=lambda _, names: [n for n in names if n.startswith(("series-", "history-"))],
    )
    return target / "catalog"


def write_week_export(catalog: Path, path: Path) -> int:
    """One week after the store's end: every model × metric × segment × day, as CSV."""
    import duckdb

    from benchmarks.synth import MONITORED_METRICS
    from benchmarks.synth import SEGMENTS as SYNTH_SEGMENTS

    ids = sorted(p.stem for p in (catalog / "models").glob("*.yaml"))
    connection = duckdb.connect()
    connection.execute(
        f"""
        COPY (
          SELECT m.model_id, '1.0.0' AS model_version,
                 strftime(DATE '{END.isoformat()}' + d.day::INTEGER + 1, '%Y-%m-%d') || 'T06:00:00Z' AS ts,
                 k.metric, s.segment, 0.5 + (d.day % 5) / 100.0 AS value
          FROM (SELECT unnest($ids) AS model_id) m,
               (SELECT unnest($metrics) AS metric) k,
               (SELECT unnest($segments) AS segment) s,
               range(7) AS d(day)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """,
        {
            "ids": ids,
            "metrics": list(MONITORED_METRICS),
            "segments": list(SYNTH_SEGMENTS[:SEGMENTS]),
        },
    )
    return connection.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()[0]


def run(large: bool) -> list[dict[str, Any]]:
    """Measure one size; the pandas comparison only at the default size."""
    models = 10_000 if large else 1_000
    catalog = ensure_store(models)
    store = catalog / "monitoring"
    as_of = END.isoformat()
    plain = without_summaries(catalog)
    cases = {
        "aggregate": lambda: run_python(AGGREGATE, str(catalog), as_of),
        "aggregate without summaries": lambda: run_python(AGGREGATE, str(plain), as_of),
        **{
            f"floor {name}": lambda name=name: run_python(FLOOR, str(store), name)
            for name in FLOOR_SQL
        },
    }
    if not large:
        cases["pandas"] = lambda: run_python(PANDAS, str(store), as_of)
    results = interleaved(cases, runs=3, label=f"{models:,} models")
    rows_in_store = results["aggregate"].extra.get("rows", 0)
    size = f"{models:,} models / {rows_in_store / 1e6:.0f}M rows"
    aggregate, floor = results["aggregate"], results["floor columns"]
    rss_goal = aggregate.peak_rss_mb <= 2048
    out = [
        row(
            AREA,
            size,
            "aggregate (summarize)",
            aggregate,
            floor=(FLOOR_NAMES["columns"], floor),
            goal="<= 3x floor" + ("; RSS <= 2 GiB" if large else ""),
            goal_met=(aggregate.wall_s <= 3 * floor.wall_s) and (rss_goal or not large),
            notes=f"{aggregate.extra.get('points', 0):,} chart points; RSS includes loading "
            f"{models:,} cards; floor = bare scan reading and decoding every column summarize "
            "reads (no GROUP BY), timed like summarize (after imports, with connect)",
        )
    ]
    out.append(
        row(
            AREA,
            size,
            "aggregate, store without series summaries (information only)",
            results["aggregate without summaries"],
            floor=(FLOOR_NAMES["columns"], floor),
            goal=None,
            notes="a store written before series summaries existed: every part "
            "is read in full; `govcat monitoring compact` writes the summaries",
        )
    )
    for name, note in (
        (
            "ts_value",
            "the old floor: reads neither the key strings nor model_version, "
            "which summarize must group by and return",
        ),
        ("minmax", "compares every string: aggregation work on top of the scan"),
    ):
        out.append(
            row(
                AREA,
                size,
                f"aggregate vs {name} scan (information only)",
                aggregate,
                floor=(FLOOR_NAMES[name], results[f"floor {name}"]),
                goal=None,
                notes=note,
            )
        )
    if "pandas" in results:
        pandas = results["pandas"]
        out.append(
            row(
                AREA,
                size,
                "aggregate vs pandas",
                aggregate,
                floor=("pandas groupby (subset of the same work)", pandas),
                goal=">= 5x faster than pandas",
                goal_met=pandas.wall_s >= 5 * aggregate.wall_s,
                notes=f"pandas peak RSS {pandas.peak_rss_mb:,.0f} MB",
            )
        )
    # the real ingest path: one week for every model into the full store
    scratch = WORK / f"monitoring-ingest-{models}"
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(catalog, scratch / "catalog")
    export = scratch / "week.csv"
    count = write_week_export(scratch / "catalog", export)
    original = {p.name for p in (scratch / "catalog" / "monitoring").rglob("*.parquet")}

    def reset(_: str) -> None:
        for part in (scratch / "catalog" / "monitoring").rglob("*.parquet"):
            if part.name not in original:
                part.unlink()

    ingest = interleaved(
        {"ingest": lambda: run_python(INGEST, str(scratch / "catalog"), str(export))},
        runs=3,
        label="ingest",
        before_each=reset,
    )["ingest"]
    out.append(
        row(
            AREA,
            size,
            f"ingest {count:,} rows (CSV, into the full store)",
            ingest,
            goal=None,
            notes=f"{count / ingest.wall_s:,.0f} rows/s (checks, dedup against the store, "
            "atomic commit)",
        )
    )
    return out


if __name__ == "__main__":
    bench_main(AREA, run)
