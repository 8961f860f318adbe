"""Aggregate: DuckDB over the parquet store → `generator.health` objects.

All of govcat's monitoring SQL lives here. The store is never loaded into
pandas: DuckDB streams the parquet files and only small results come back
(one row per model × metric × segment, and the chart window's observations as
numeric arrays, read in batches of whole models so that memory stays bounded; a
worker thread reads the next batch while numpy works on the current one).

Where the time goes (2 cores, a fresh process, after the imports; 1,000 models = 11M
rows, 10,000 models = 109M rows; medians of interleaved runs on a quiet machine):
summarize takes ~0.35-0.45 s and ~2.4-2.6 s, peak RSS ~1.3-1.35 GB at 10,000 models with
the cards loaded; single runs swing by 30 % and more on this VM (fresh pages, neighbours).
In order:

1. connecting (~0.03-0.04 s);
2. the series' history, merged by numpy from the summary rows of the store's history file
   and of the months after it (`_merged_series`: the rows, SUMMARY_ROWS_SQL, read by the
   worker while the main thread reads each key column's strings; ~0.2-0.35 s at 10,000 in
   a fresh process, most of it the fresh pages of 1.5M fetched rows), or by STATS_SQL's
   GROUP BY on the three key strings (~0.05-0.09 s and ~0.4-0.5 s; 0.65-0.75 s from every
   month's summaries, ~11 s over every row of a store without summaries) when a part is
   read in full, the store is remote, or two strings of a key column share a hash;
3. the plan of the chart reads: the chart months' summary rows, numbered by the merge,
   matched to the parts (`_chart_summaries`, `_ordered_parts`: a few milliseconds on the
   main thread; in the worker, while the main thread's Python loops held the GIL, ~0.2 s),
   then the thresholds and the portfolio's arrays while the first batch is read;
4. the chart window's observations (2.8M and 27.8M rows read: the window's 90 days and,
   of its first month's parts, the CHART_LOOKBACK_DAYS before it; 34M at 10,000 from the
   month's first day), read by a worker thread by row numbers, in batches of whole
   models of ~1M observations (the first ~250,000), READ_AHEAD batches ahead of the main
   thread (`_ordered_points`): parts are sorted by series and their summaries count each
   series' rows, so a batch is one row range per part, read without the key strings
   (hashing three strings per row was most of a read's cost) and put in (series, time)
   order by 2-D copies of blocks of series alike in every part (`_interleaved`), leaving
   out the rows before the window but for each series' last instant (`_before_window`;
   a series whose last instant lies before the days read has its older rows read apart,
   `_OrderedPart.read_before`). Read alone: ~0.1 s and ~0.8 s of CPU; alongside the main
   thread ~1.5-1.9 s at 10,000, the slower of the two threads: the main thread makes each
   batch's daily values (`_chart`; in the worker: 2.77 s instead of 2.54 s at 10,000,
   medians of 6 interleaved runs), and moving `_interleaved` to it cost 0.2 s;
5. per batch, on the main thread: the windows (`_windows`:
   one `reduceat` per statistic over disjoint time segments of each series; ~0.4 s at
   10,000 against 1.0-1.1 s summing each window's own observations), breach starts, the
   portfolio (only series with a value outside their ok band), the chart series, and the
   columns of the hand-off objects in display order (`_MetricBatch`: a model's `MetricHealth`
   and `WindowStats` are made when its metrics are first read, mostly in render's
   worker processes; making all 1.2M objects here took 0.76-1.0 s at 10,000);
6. per model of the batch, once the portfolio counted it: its status on the as-of day
   (`_Portfolio.as_of_codes`), health and reason from those columns (~0.2 s at 10,000,
   done while the next batch is read: after the last batch, 3.11 s instead of 3.44 s,
   medians of 4 interleaved runs).

`govcat build` starts the store's half of this work (`Prefetch`: DuckDB's imports and
connection, the series' history, the chart reads' plan and the first batch; none of it needs a
card) before it validates the catalog, so that it runs while the cards are read:
validate + aggregate, medians of interleaved builds with compiled bytecode, 0.32 s
instead of 0.35 s at 100 models and 0.85 s instead of 0.96 s at 1,000 (neutral at
10,000, where validation keeps both cores busy). Results come back through
`fetchnumpy`, so that aggregation never imports pyarrow.

Time is handled as integer microseconds since the epoch (UTC) and days as
integers since the epoch: comparisons stay cheap and no time-zone database is
consulted. Everything after the end of the as-of day is ignored, so a build
for a past date is reproducible.

Health rules (one definition, shared with `generator.health.classify`):

- a series is *checked* when its metric has a threshold in the card and its
  segment is '' or listed in `monitoring.segments`; its status is the latest
  value against the threshold (breach outside min/max, warning outside the
  warn band);
- a model is `unmonitored` when the card declares no thresholds, or when the
  store holds no data for it up to that day; else `breach` if any checked series
  breaches; else `stale` when its newest observation is more than
  `freshness_days` days before the day; else `warning` if any checked series
  warns; else `ok`.

The same rules, applied with numpy to the daily values of the chart window (90
days) and to each series' last value before it, give the status of every model on
each of the last 90 days (the portfolio); the as-of day's column is the model's
status. Several observations of one series at one instant (a version switch) count
in value order, whatever parts they came from. `generator.health.classify` is the
per-value rule; a test checks that both agree day by day.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

from generator.catalog import Catalog
from generator.health import (
    SEVERITY,
    HealthStatus,
    MetricHealth,
    ModelHealth,
    ModelSeries,
    MonitoringSummary,
    WindowStats,
    classify,
)
from generator.monitoring.store import (
    Store,
    StoreLocation,
    duckdb_connect,
    fixed_parquet_bytes,
    parquet_source,
    remote_source,
    remote_summarized_parts,
    resolve_store,
    sql_string,
)
from generator.schema import MetricThreshold, ModelCard
from generator.validate import gc_paused

DAY_US = 86_400_000_000
WINDOWS = (7, 30, 90)
PORTFOLIO_DAYS = 90
CHART_DAYS = 90
"""Days of the model charts; also the look-back of the 90-day window and the portfolio
(which additionally reads each series' last value before these days: see `_Window`)."""
CHART_BATCH_POINTS = 1_000_000
"""Chart-window observations handled at once. Batches this small keep numpy's arrays
(8 MB each) in memory the allocator reuses from batch to batch: with 4M points, every
batch mapped fresh pages for its temporaries, and the page faults cost more time than
the extra queries (each skips other models' row groups) and raised the peak RSS."""
CHART_READ_ROWS = 1_000_000
"""Rows of a part read at once for the chart, at most (up to 4 batches' worth: each
query costs a few milliseconds whatever it reads); 16 MB of times and values, below
the size from which the allocator maps fresh pages for every array."""
BLOCK_COPY_ROWS = 1024
"""`_interleaved` copies blocks of alike series when they average this many rows per
piece, at least (each copy costs a few microseconds of Python; an index array ~4 ns a row)."""
CHART_LOOKBACK_DAYS = 3
"""Of the parts of the chart window's first month, the rows from this many days before the
window are read, not the month's first rows (at 10,000 models, 22 days of 113 read): each
series' last instant before the window mostly lies in them (daily feeds, a missed day or
two); the rows of the others before these days are read apart (`_OrderedPart.read_before`)."""
READ_AHEAD = 2
"""Chart batches read ahead of the main thread: with one, the worker waited for the main
thread to ask for the next batch and the main thread for the worker, each ~0.7 s at
10,000 models, as batches are not all alike; the worker reads one batch after another."""
DUCKDB_MEMORY = "1GB"
WINDOW_COLUMNS = ("n", "mean", "min", "max", "slope", "breaches")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = EPOCH.date()
MICROSECOND = dt.timedelta(microseconds=1)
MONTH_FOLDER = re.compile(r"year=(\d{4})/month=(\d{2})/[^/]*$")
STATUS_BY_CODE = {code: status for status, code in SEVERITY.items()}
"""The numpy side's status codes: each status' severity (ok 0 … breach 4)."""


def _stamp(microseconds: int | None) -> dt.datetime | None:
    return None if microseconds is None else EPOCH + dt.timedelta(microseconds=microseconds)


def _day_number(day: dt.date) -> int:
    return (day - EPOCH_DATE).days


@dataclass(frozen=True)
class _Window:
    """SQL bounds of one summary (all integers, microseconds or days since the epoch)."""

    as_of: dt.date

    @property
    def end_day(self) -> int:
        return _day_number(self.as_of) + 1

    @property
    def end_us(self) -> int:
        return self.end_day * DAY_US

    @property
    def chart_start_day(self) -> int:
        return self.end_day - CHART_DAYS

    @property
    def portfolio_start_day(self) -> int:
        return self.end_day - PORTFOLIO_DAYS

    @property
    def read_start_us(self) -> int:
        """Where the read of observations starts: the first day of the chart window's
        first month. The rows of that month before the chart's days (only each series'
        last instant is kept, `_before_window`) and, for the months before, their series
        summaries (STATS_SQL's `prior_*`) give every series' last value before the
        window, which holds on the portfolio's first days."""
        start = EPOCH_DATE + dt.timedelta(days=self.chart_start_day)
        return _day_number(start.replace(day=1)) * DAY_US


def source_for(catalog: Catalog) -> tuple[StoreLocation, str | None]:
    """The store of `catalog` and the DuckDB table expression over it (None when empty)."""
    location = _location(catalog)
    return location, _source(location)


def _location(catalog: Catalog) -> StoreLocation:
    return resolve_store(catalog.root, catalog.settings.monitoring_store)


def _source(location: StoreLocation) -> str | None:
    if location.is_remote:
        return remote_source(location.url or "")
    return Store(location.path).source_sql()  # type: ignore[arg-type]


def checked_segments(card: ModelCard) -> list[str]:
    """'' (the whole population) and the card's declared segments."""
    if card.monitoring is None:
        return []
    return ["", *card.monitoring.segments]


def _models(catalog: Catalog) -> dict[str, list[Any]]:
    """Per model, in id order: freshness_days and whether thresholds are declared."""
    models: dict[str, list[Any]] = {"model_id": [], "freshness_days": [], "declared": []}
    for model_id, card in sorted(catalog.models.items()):
        monitoring = card.monitoring
        models["model_id"].append(model_id)
        models["freshness_days"].append(monitoring.freshness_days if monitoring else 2)
        models["declared"].append(bool(monitoring and monitoring.metrics))
    return models


# --- the SQL -----------------------------------------------------------------
#
# Two reads, both filtering on the `ts` column itself so that DuckDB skips row
# groups (and whole months) by their statistics:
#
# 1. per series over the whole history: the parts' series summaries (a few hundred
#    thousand rows) for every month that ends before the as-of day's end — or holds
#    nothing later —, merged by numpy (SUMMARY_ROWS_SQL, `_merged_series`) or by a
#    GROUP BY on the three key strings (STATS_SQL), which also aggregates the rest (the
#    current month, or every part of a store without summaries); its cost follows the
#    number of series, not the years of history kept;
# 2. the raw observations of the chart window (and, for the last value before the
#    window, of its first month's days before it, or only of the CHART_LOOKBACK_DAYS
#    before it when read by row numbers): times and values by row numbers, in series order,
#    from parts whose summaries say which rows each series holds (`_ordered_points`);
#    else (a remote store, a part without a summary or not matching it) keyed by a
#    64-bit hash of the series key (CHART_SQL) and sorted once by numpy. numpy derives
#    the daily chart points, the 7/30/90-day windows, breaches and the portfolio from
#    the sorted arrays.
#
# Joins on the key strings and million-group GROUP BYs (series × day) are several
# times slower than both scans together, so there are none.

# One row per series of some rows of the store: a part's *series summary* (written
# beside every part, see `generator.monitoring.store`) or the partial aggregate of
# parts read in full. The last value is the one at the newest time; two rows of a
# series at one time (a version switch at the same instant) are told apart by the
# hash of their version, so the choice is deterministic (a summary's bytes must be)
# and the same from summaries as from the rows: `last_tie` keeps the last row's hash.
# The order is one HUGEINT, (time << 64) + hash: a struct (time, version) costs 2.7x
# more at 100M rows. arg_max skips NULL versions: `version` is the newest not NULL.
NEWEST = "((epoch_us(ts)::HUGEINT << 64) + hash(model_version))"
SERIES_SQL = f"""
SELECT model_id, metric, segment, count(*)::BIGINT AS n, min(epoch_us(ts)) AS first_us,
  max(epoch_us(ts)) AS last_us, arg_max(value, {NEWEST}) AS last_value,
  arg_max(hash(model_version), {NEWEST}) AS last_tie,
  arg_max(model_version, {NEWEST}) AS version,
  max(epoch_us(ts)) FILTER (WHERE model_version IS NOT NULL) AS version_us{{prior}}
FROM {{source}} {{where}}
GROUP BY model_id, metric, segment
"""
# The same for the rows before `prior_end` (the month in which the chart window starts):
# the last value before the chart window, from rows read in full ...
PRIOR_ROWS = f""",
  max(epoch_us(ts)) FILTER (WHERE ts < make_timestamptz({{prior_end}}::BIGINT)) AS prior_us,
  arg_max(value, {NEWEST}) FILTER (WHERE ts < make_timestamptz({{prior_end}}::BIGINT))
    AS prior_value,
  arg_max(hash(model_version), {NEWEST})
    FILTER (WHERE ts < make_timestamptz({{prior_end}}::BIGINT)) AS prior_tie"""
# ... and from summaries (a summary covers one month: all of it is before, or none)
PRIOR_SUMMARY = """,
  CASE WHEN last_us < {prior_end} THEN last_us END AS prior_us,
  CASE WHEN last_us < {prior_end} THEN last_value END AS prior_value,
  CASE WHEN last_us < {prior_end} THEN last_tie END AS prior_tie"""

SUMMARY_COLUMNS = (
    "model_id, metric, segment, n, first_us, last_us, last_value, last_tie, version, version_us"
)
# Per series over the whole history, from the summaries of the months before the
# as-of day and the partial aggregate of the parts read in full (same order as above).
STATS_SQL = """
SELECT model_id, metric, segment, hash(model_id, metric, segment) AS key_hash,
  sum(n)::BIGINT AS n, min(first_us) AS first_t, max(last_us) AS last_t,
  arg_max(last_value, (last_us::HUGEINT << 64) + last_tie) AS latest_value,
  arg_max(version, (version_us::HUGEINT << 64) + hash(version)) AS latest_version,
  coalesce(max(prior_us), ({no_time})::BIGINT) AS prior_t,
  coalesce(arg_max(prior_value, (prior_us::HUGEINT << 64) + prior_tie), 'NaN'::DOUBLE)
    AS prior_value
FROM ({summaries}) AS s
GROUP BY model_id, metric, segment
ORDER BY model_id, metric, segment
"""
EMPTY_SUMMARY = (
    "SELECT NULL::VARCHAR AS model_id, NULL::VARCHAR AS metric, NULL::VARCHAR AS segment, "
    "0::BIGINT AS n, 0::BIGINT AS first_us, 0::BIGINT AS last_us, 0::DOUBLE AS last_value, "
    "0::UBIGINT AS last_tie, NULL::VARCHAR AS version, NULL::BIGINT AS version_us, "
    "NULL::BIGINT AS prior_us, NULL::DOUBLE AS prior_value, NULL::UBIGINT AS prior_tie WHERE false"
)
# STATS_SQL without its GROUP BY (`_merged_series`), when every part up to the as-of day has
# a summary: every summary row with the hashes of its key strings, and each key column's
# distinct strings with their hashes. numpy numbers the rows by series and merges them.
SUMMARY_ROWS_SQL = """
SELECT file_index, hash(model_id, metric, segment) AS key_hash, hash(model_id) AS model_hash,
  hash(metric) AS metric_hash, hash(segment) AS segment_hash, n, first_us, last_us, last_value,
  last_tie, hash(version) AS version_hash, coalesce(version_us, ({no_time})::BIGINT) AS version_us
FROM {source}
"""
SUMMARY_TEXTS_SQL = """
WITH s AS (SELECT model_id, metric, segment, version FROM {source})
SELECT 0 AS kind, model_id AS text, hash(model_id) AS text_hash FROM s GROUP BY ALL
UNION ALL SELECT 1, metric, hash(metric) FROM s GROUP BY ALL
UNION ALL SELECT 2, segment, hash(segment) FROM s GROUP BY ALL
UNION ALL SELECT 3, version, hash(version) FROM s WHERE version IS NOT NULL GROUP BY ALL
"""
NO_TIME = -(2**62)
"""`prior_t` of a series without data before the chart window's month."""
NO_DAY = -(2**40)
"""The newest day with data of a model without any (stale on every day)."""

CHART_SQL = """
SELECT hash(model_id, metric, segment) AS key_hash, epoch_us(ts) AS t, value
FROM {source}
WHERE ts >= make_timestamptz({read_start_us}::BIGINT) AND ts < make_timestamptz({end_us}::BIGINT)
  {models}
"""

# Fallback when two series keys share a 64-bit hash (never seen; kept exact anyway).
CHART_BY_KEY_SQL = """
SELECT k.series_no AS series_no, epoch_us(o.ts) AS t, o.value
FROM {source} AS o JOIN series_keys AS k USING (model_id, metric, segment)
WHERE o.ts >= make_timestamptz({read_start_us}::BIGINT)
  AND o.ts < make_timestamptz({end_us}::BIGINT)
  {models}
"""

# The whole history of the few series that breach in every row read for the chart.
HISTORY_SQL = """
SELECT k.series_no, epoch_us(o.ts) AS t, o.value
FROM {source} AS o JOIN long_breaches AS k USING (model_id, metric, segment)
WHERE o.model_id IN ({model_list}) AND o.ts < make_timestamptz({end_us}::BIGINT)
"""


# --- Python side: run the SQL, build the hand-off objects --------------------


@dataclass
class _Chart:
    """Observations of series lo..hi-1 in the chart window, sorted by (series, time), and
    their daily last values. Series `lo + i` owns `[bounds[i], bounds[i + 1])` of the
    observations and `[daily_bounds[i], daily_bounds[i + 1])` of the daily values; and
    `prior_t[i]`, `prior_value[i]`: its last observation read before the window (from the
    read start, `_Window.read_start_us`; NO_TIME and NaN: none)."""

    t: Any
    value: Any
    bounds: Any
    daily_offset: Any
    """Day of each daily value, counted from the chart window's first day (0 to
    CHART_DAYS - 1)."""
    daily_value: Any
    daily_bounds: Any
    prior_t: Any
    prior_value: Any
    """At the last instant before the window, the greatest value (the last in the order of
    `_settle_ties`)."""
    lo: int
    hi: int


@dataclass
class _Series:
    """Every series with data up to the as-of day, in key order (its index is its number).

    Columns: lists for strings and thresholds, numpy arrays for numbers.
    """

    model_id: list[str]
    metric: list[str]
    segment: list[str]
    key_hash: Any
    """uint64: DuckDB's hash(model_id, metric, segment)."""
    n: Any
    first_t: Any
    last_t: Any
    latest_value: Any
    latest_version: list[str | None]
    thresholds: list[MetricThreshold | None]
    """Set by `_thresholds`, with `threshold_no` and `distinct`."""
    prior_t: Any
    """Time of the last observation before the chart window's month (NO_TIME: none)."""
    prior_value: Any
    """Its value (NaN: none)."""

    threshold_no: Any = None
    """int64: the number of each series' threshold in `distinct` (-1: unchecked)."""
    distinct: list[MetricThreshold] | None = None
    """The cards' thresholds, each once (the same object for every segment of a metric)."""
    summaries: _SummaryRows | None = None
    """The summary rows `_merged_series` merged, numbered (None: STATS_SQL merged them)."""

    def __len__(self) -> int:
        return len(self.model_id)

    def key(self, i: int) -> tuple[str, str, str]:
        """(model_id, metric, segment) of series `i`."""
        return self.model_id[i], self.metric[i], self.segment[i]

    def model_runs(self) -> list[tuple[str, int, int]]:
        """(model_id, first series, end) for each model, in key order (the ids compared by
        numpy: half the time of a Python loop, which holds the GIL the first read needs)."""
        import numpy as np

        ids = self.model_id
        if not ids:
            return []
        array = np.array(ids, dtype=object)
        starts = np.flatnonzero(np.concatenate(([True], array[1:] != array[:-1]))).tolist()
        return list(zip([ids[lo] for lo in starts], starts, [*starts[1:], len(ids)], strict=True))

    def limits(self) -> tuple[Any, Any, Any, Any, Any]:
        """checked, t_min, t_max, warn_below, warn_above as numpy arrays (missing = ±inf):
        one row per distinct threshold, gathered by `threshold_no` (a getattr per series
        and bound took 0.25 s at 10,000 models, this 0.01 s)."""
        import numpy as np

        inf = np.inf
        table = np.array(
            [
                [
                    -inf if t.min is None else t.min,
                    inf if t.max is None else t.max,
                    -inf if t.warn_below is None else t.warn_below,
                    inf if t.warn_above is None else t.warn_above,
                ]
                for t in self.distinct or ()
            ]
            + [[-inf, inf, -inf, inf]],  # row -1: unchecked
            dtype=np.float64,
        )
        number = self.threshold_no
        return (number >= 0, *(np.take(table[:, k], number) for k in range(4)))


def series_summary(part: Path | Any) -> bytes:
    """The series summary of one part (its file or its Arrow table): SERIES_SQL's rows in
    key order, written with fixed settings (same part → same bytes)."""
    connection = duckdb_connect()
    if isinstance(part, Path):
        source = parquet_source([part])
    else:
        connection.register("part_rows", part)
        source = "part_rows"
    sql = (
        SERIES_SQL.format(source=source, where="", prior="") + "ORDER BY model_id, metric, segment"
    )
    summary = connection.sql(sql).to_arrow_table()
    connection.close()
    return fixed_parquet_bytes(summary.cast(summary_schema()))


# The summaries of many months merged into one row per series (the store's history file):
# the same columns, merged as STATS_SQL merges them, so reading it gives what reading
# the summaries it covers gives.
MERGED_SUMMARIES_SQL = """
SELECT model_id, metric, segment, sum(n)::BIGINT AS n, min(first_us) AS first_us,
  max(last_us) AS last_us,
  arg_max(last_value, (last_us::HUGEINT << 64) + last_tie) AS last_value,
  arg_max(last_tie, (last_us::HUGEINT << 64) + last_tie) AS last_tie,
  arg_max(version, (version_us::HUGEINT << 64) + hash(version)) AS version,
  max(version_us) AS version_us
FROM {source}
GROUP BY model_id, metric, segment
ORDER BY model_id, metric, segment
"""


def history_summary(summaries: list[Path]) -> bytes:
    """The store's history file merging `summaries` (MERGED_SUMMARIES_SQL), with fixed settings."""
    connection = duckdb_connect()
    merged = connection.sql(
        MERGED_SUMMARIES_SQL.format(source=parquet_source(summaries))
    ).to_arrow_table()
    connection.close()
    return fixed_parquet_bytes(merged.cast(summary_schema()))


def summary_schema() -> Any:
    """The parquet schema of a series summary (times in microseconds since the epoch)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("model_id", pa.string(), nullable=False),
            pa.field("metric", pa.string(), nullable=False),
            pa.field("segment", pa.string(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("first_us", pa.int64(), nullable=False),
            pa.field("last_us", pa.int64(), nullable=False),
            pa.field("last_value", pa.float64(), nullable=False),
            pa.field("last_tie", pa.uint64(), nullable=False),
            pa.field("version", pa.string(), nullable=True),
            pa.field("version_us", pa.int64(), nullable=True),
        ]
    )


def _month_bounds(part: str) -> tuple[int, int]:
    """The first and the last-plus-one microsecond of a part's month (from its folders)."""
    match = MONTH_FOLDER.search(part)
    if match is None:
        raise AssertionError(f"{part} is not in a year=YYYY/month=MM folder")
    year, month = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    following = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return (start - EPOCH) // MICROSECOND, (following - EPOCH) // MICROSECOND


@dataclass
class _SummaryChoice:
    """What STATS_SQL reads up to `end_us`: per part its summary when it has one and holds
    nothing later (or the history file standing in for the older months' summaries), else
    the part's rows (`raw`, aggregated by SERIES_SQL)."""

    summaries: list[str]
    """The history file first, when it stands in."""
    raw: list[str]


def _summary_choice(
    location: StoreLocation, end_us: int, connection: Any, prior_end_us: int
) -> _SummaryChoice:
    chosen = None
    if location.is_remote:
        parts = remote_summarized_parts(connection, location.url or "")
    else:
        store = Store(location.path)  # type: ignore[arg-type]
        parts = store.summarized_parts()
        chosen = store.history()
    summaries: list[str] = []
    raw: list[str] = []
    if chosen is not None:
        path, plan, covered = chosen
        year, month = plan.through
        if _month_bounds(f"year={year:04d}/month={month:02d}/x")[1] <= prior_end_us:
            # every month it covers ends before the chart window's: it replaces their
            # summaries (whose prior_* are their last_* all the same)
            summaries.append(path)
            parts = [(part, summary) for part, summary in parts if summary not in covered]
    for part, summary in parts:
        start, stop = _month_bounds(part)
        if start >= end_us:
            continue
        if summary is not None and (
            stop <= end_us
            or connection.execute(
                f"SELECT max(last_us) FROM {parquet_source([summary])}"
            ).fetchall()[0][0]
            < end_us
        ):
            summaries.append(summary)
        else:
            raw.append(part)
    return _SummaryChoice(summaries, raw)


def _done(value: Any) -> Future[Any]:
    """A future that has `value` already."""
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def _summary_rows(connection: Any, files: list[str]) -> dict[str, Any]:
    """SUMMARY_ROWS_SQL over the summaries `files`, in file order."""
    return _arrays(
        connection, SUMMARY_ROWS_SQL.format(source=parquet_source(files), no_time=NO_TIME)
    )


CHART_SUMMARY_COLUMNS = ("key_hash", "n", "first_us", "last_us")


@dataclass
class _SummaryRows:
    """The summary rows of `files` (the columns `_chart_summaries` uses) and each one's
    series number; file `i` holds rows `[edges[i], edges[i + 1])`."""

    files: list[str]
    columns: dict[str, Any]
    edges: list[int]
    series_no: Any


class _NotMergeable(Exception):
    """Summary rows `_merged_series` leaves to STATS_SQL."""


@dataclass
class _Texts:
    """The distinct strings of one key column, sorted, and their hashes (all distinct)."""

    text: Any
    """Object array, in string order (that of DuckDB's ORDER BY: code points)."""
    hashes: Any
    """Sorted."""
    rank: Any
    """The rank in `text` of each of `hashes`."""

    def ranks(self, hashes: Any) -> Any:
        """The rank of the string of each hash."""
        import numpy as np

        at = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self.hashes) - 1, 0))
        if len(hashes) and not bool((self.hashes[at] == hashes).all()):
            raise _NotMergeable("a string missing from its column's strings")
        return self.rank[at]


def _texts(columns: dict[str, Any], kind: int) -> _Texts:
    """SUMMARY_TEXTS_SQL's strings of column `kind`."""
    import numpy as np

    chosen = columns["kind"] == kind
    text = np.asarray(columns["text"][chosen], dtype=object)
    hashes = np.asarray(columns["text_hash"][chosen], dtype=np.uint64)
    by_text = np.array(sorted(range(len(text)), key=text.__getitem__), dtype=np.int64)
    rank = np.empty(len(text), dtype=np.int64)
    rank[by_text] = np.arange(len(text))
    by_hash = np.argsort(hashes)
    hashes = hashes[by_hash]
    if bool((hashes[1:] == hashes[:-1]).any()):
        raise _NotMergeable("two strings of a column share a hash")
    return _Texts(text[by_text], hashes, rank[by_hash])


class _Keys:
    """Summary rows' keys as integers in key order, from their strings' ranks (exact: each
    string is known by its column's hash, which no other string of the column has)."""

    COLUMNS = ("model_hash", "metric_hash", "segment_hash")

    def __init__(self, texts: dict[str, Any], columns: dict[str, Any]) -> None:
        self.columns = columns
        self.texts = [_texts(texts, kind) for kind in range(3)]
        self.versions = _texts(texts, 3)
        sizes = [len(column.text) for column in self.texts]
        self.bases = (sizes[1] * sizes[2], sizes[2], 1)
        if sizes[0] * self.bases[0] >= 2**62:
            raise _NotMergeable("too many distinct strings to number the keys")

    def codes(self, rows: Any) -> Any:
        """The key of each of `rows` (indices) as one integer, in key order."""
        import numpy as np

        code = np.zeros(len(rows), dtype=np.int64)
        for name, texts, base in zip(self.COLUMNS, self.texts, self.bases, strict=True):
            code += texts.ranks(self.columns[name][rows]) * base
        return code

    def strings(self, codes: Any) -> tuple[list[str], list[str], list[str]]:
        """model_id, metric and segment of each key."""
        import numpy as np

        model_rank, rest = np.divmod(codes, self.bases[0])
        metric_rank, segment_rank = np.divmod(rest, self.bases[1])
        ranks = (model_rank, metric_rank, segment_rank)
        return tuple(  # type: ignore[return-value]
            texts.text[rank].tolist() for texts, rank in zip(self.texts, ranks, strict=True)
        )

    def same(self, rows: Any, others: Any) -> bool:
        """Whether `rows` and `others` (indices or slices) have the same keys."""
        import numpy as np

        return all(
            np.array_equal(self.columns[name][rows], self.columns[name][others])
            for name in self.COLUMNS
        )


def _merged_series(
    texts: dict[str, Any], rows: dict[str, Any], files: list[str], prior_end_us: int
) -> _Series | None:
    """STATS_SQL's result from the summary rows of `files` (`rows`: SUMMARY_ROWS_SQL,
    `texts`: SUMMARY_TEXTS_SQL), merged by numpy; None (STATS_SQL then merges them) when
    two strings of a key column share a hash, or the rows are not as summaries are.

    Each summary lists its series in key order. The first file (the history, when there is
    one, which lists nearly every series) numbers the series; the other files' rows are
    matched to them by runs of key hashes (`_series_numbers`, each run's first row looked
    up by its key's strings), then checked string by string (`_Keys`): so the result is
    exact whatever the hashes of the three strings together. A key of no series of the
    first file is new (a model added since): the new keys are ordered among the others by
    their strings. n, first and last times, the last value and version, and the last value
    before `prior_end_us` are then merged file by file, as STATS_SQL's arg_max by (time,
    hash) merges them.

    STATS_SQL's GROUP BY on the three strings took 0.35-0.5 s at 10,000 models (300,000
    series in 1.5M summary rows); this: the two reads, ~0.1 s warm but 0.2-0.35 s in a
    fresh process (the first touch of the fetched rows' pages), and ~0.1 s of numpy."""
    import numpy as np

    columns = {name: np.asarray(column) for name, column in rows.items()}
    file_index = columns["file_index"]
    if not len(file_index) or bool((np.diff(file_index) < 0).any()):
        return None
    edges = np.searchsorted(file_index, np.arange(len(files) + 1)).tolist()
    try:
        keys = _Keys(texts, columns)
        first_rows = edges[1]
        first_codes = keys.codes(np.arange(first_rows))  # the first file's series, in key order
        if bool((np.diff(first_codes) <= 0).any()):
            return None
        key_hash = columns["key_hash"]
        number = np.empty(len(key_hash), dtype=np.int64)
        number[:first_rows] = np.arange(first_rows)
        last = max(first_rows - 1, 0)
        for lo, hi in pairwise(edges[1:]):

            def lookup(rows: Any, lo: int = lo) -> Any:
                code = keys.codes(rows + lo)
                at = np.minimum(np.searchsorted(first_codes, code), last)
                return np.where(first_codes[at] == code, at, -1)

            number[lo:hi] = _series_numbers(key_hash[:first_rows], key_hash[lo:hi], lookup)
        new_rows = np.flatnonzero(number < 0)
        # the other files' rows matched by a run of hashes: their series' strings (a
        # series' number is its row in the first file)
        if len(new_rows):
            matched = np.flatnonzero(number[first_rows:] >= 0) + first_rows
        else:
            matched = slice(first_rows, None)
        if not keys.same(matched, number[matched]):
            return None
        # the keys not in the first file, ordered among its keys
        new_row_codes = keys.codes(new_rows)
        new_codes = np.unique(new_row_codes)
        insert_at = np.searchsorted(first_codes, new_codes)
        first_numbers = np.arange(first_rows) + np.searchsorted(
            insert_at, np.arange(first_rows), "right"
        )
        new_numbers = insert_at + np.arange(len(new_codes))
        if len(new_rows):
            series_no = first_numbers[number]  # (the new rows' are replaced)
            series_no[new_rows] = new_numbers[np.searchsorted(new_codes, new_row_codes)]
        else:
            series_no = number
        decreasing = np.flatnonzero(np.diff(series_no) <= 0) + 1
        if not bool(np.isin(decreasing, edges).all()):  # a file with a key twice, or unsorted
            return None
        size = first_rows + len(new_codes)
        codes = np.empty(size, dtype=np.int64)
        codes[first_numbers], codes[new_numbers] = first_codes, new_codes
        hashes = np.empty(size, dtype=np.uint64)
        hashes[series_no] = key_hash  # (a series' rows have one key, one hash)

        def rows_of(lo: int, hi: int) -> dict[str, Any]:
            return {name: column[lo:hi] for name, column in columns.items()}

        merged = _Merge(size, prior_end_us, rows_of(0, first_rows), first_numbers)
        for lo, hi in pairwise(edges[1:]):
            merged.add(rows_of(lo, hi), series_no[lo:hi])
        has_version = merged.version_us != NO_TIME
        latest_version = np.full(size, None, dtype=object)
        versions = keys.versions
        latest_version[has_version] = versions.text[
            versions.ranks(merged.version_hash[has_version])
        ]
    except _NotMergeable:
        return None
    return _Series(
        *keys.strings(codes),
        hashes,
        merged.n,
        merged.first_t,
        merged.last_t,
        merged.last_value,
        latest_version.tolist(),
        [],
        merged.prior_t,
        merged.prior_value,
        summaries=_SummaryRows(
            files, {name: columns[name] for name in CHART_SUMMARY_COLUMNS}, edges, series_no
        ),
    )


class _Merge:
    """Per series, the merge of summary rows (each file's rows at most once per series)."""

    def __init__(self, size: int, prior_end_us: int, rows: dict[str, Any], at: Any) -> None:
        """Starting from the first file's `rows`, of series `at` (the others: none yet)."""
        import numpy as np

        self.prior_end_us = prior_end_us

        def column(fill: Any, dtype: Any, values: Any) -> Any:
            merged = np.full(size, fill, dtype=dtype)
            merged[at] = values
            return merged

        self.n = column(0, np.int64, rows["n"])
        self.first_t = column(np.iinfo(np.int64).max, np.int64, rows["first_us"])
        self.last_t = column(NO_TIME, np.int64, rows["last_us"])
        self.last_tie = column(0, np.uint64, rows["last_tie"])
        self.last_value = column(np.nan, np.float64, rows["last_value"])
        self.version_us = column(NO_TIME, np.int64, rows["version_us"])
        self.version_hash = column(0, np.uint64, rows["version_hash"])
        before = rows["last_us"] < prior_end_us
        self.prior_t = column(NO_TIME, np.int64, np.where(before, rows["last_us"], NO_TIME))
        self.prior_tie = column(0, np.uint64, rows["last_tie"])
        self.prior_value = column(np.nan, np.float64, np.where(before, rows["last_value"], np.nan))

    def add(self, rows: dict[str, Any], at: Any) -> None:
        """One file's rows, of series `at` (distinct); the prior value from those whose
        series' last time in the file is before `prior_end_us` (a summary covers one month,
        or the history's months: all of it before, or none)."""
        import numpy as np

        self.n[at] += rows["n"]
        self.first_t[at] = np.minimum(self.first_t[at], rows["first_us"])
        _newest(
            at,
            rows["last_us"],
            rows["last_tie"],
            (self.last_t, self.last_tie),
            ((self.last_value, rows["last_value"]),),
        )
        # NULL versions have NO_TIME: never newer than a version
        _newest(
            at, rows["version_us"], rows["version_hash"], (self.version_us, self.version_hash), ()
        )
        before = rows["last_us"] < self.prior_end_us
        if bool(before.any()):
            _newest(
                at[before],
                rows["last_us"][before],
                rows["last_tie"][before],
                (self.prior_t, self.prior_tie),
                ((self.prior_value, rows["last_value"][before]),),
            )


def _newest(
    at: Any, t: Any, tie: Any, newest: tuple[Any, Any], carried: tuple[tuple[Any, Any], ...]
) -> None:
    """Where (t, tie) is newer than series `at`'s (`newest`: its time and tie arrays, updated)
    for each of `carried` (target array, the rows' values) its value too: arg_max by
    (t << 64) + tie, as in STATS_SQL."""
    newest_t, newest_tie = newest
    current = newest_t[at]
    newer = t > current
    tied = t == current
    if bool(tied.any()):
        newer |= tied & (tie > newest_tie[at])
    if bool(newer.all()):  # mostly: the files come in time order
        newest_t[at], newest_tie[at] = t, tie
        for target, values in carried:
            target[at] = values
        return
    chosen = at[newer]
    newest_t[chosen], newest_tie[chosen] = t[newer], tie[newer]
    for target, values in carried:
        target[chosen] = values[newer]


def _summaries_sql(
    location: StoreLocation, end_us: int, connection: Any, prior_end_us: int = 0
) -> str:
    """STATS_SQL's input: per part up to `end_us`, its summary when it has one and holds
    nothing later, else the part's rows aggregated (SERIES_SQL); with each series' last
    observation before `prior_end_us` (the `prior_*` columns, NULL when none)."""
    return _choice_sql(
        _summary_choice(location, end_us, connection, prior_end_us), end_us, prior_end_us
    )


def _choice_sql(choice: _SummaryChoice, end_us: int, prior_end_us: int) -> str:
    """`_summaries_sql` of the parts and summaries `choice` chose."""
    selects = []
    if choice.summaries:
        prior = PRIOR_SUMMARY.format(prior_end=prior_end_us)
        selects.append(f"SELECT {SUMMARY_COLUMNS}{prior} FROM {parquet_source(choice.summaries)}")
    if choice.raw:
        before_end = f"WHERE ts < make_timestamptz({end_us}::BIGINT)"
        prior = PRIOR_ROWS.format(prior_end=prior_end_us)
        selects.append(
            SERIES_SQL.format(source=parquet_source(choice.raw), where=before_end, prior=prior)
        )
    return " UNION ALL ".join(selects) or EMPTY_SUMMARY


def _read_series(
    connection: Any,
    location: StoreLocation,
    params: dict[str, int],
    aside: Callable[..., Any] | None = None,
) -> _Series:
    """Every series' history up to the as-of day: merged by numpy from the summaries
    (`_merged_series`) when nothing is read in full, else by STATS_SQL. The thresholds are
    left to the caller (`_thresholds`), which makes them while the first chart batch is
    read. `aside(function, *args)`: runs `function(cursor, *args)` on a second cursor and
    returns its future (else it runs here)."""
    import numpy as np

    end_us, prior_end_us = params["end_us"], params["read_start_us"]
    choice = _summary_choice(location, end_us, connection, prior_end_us)
    if choice.summaries and not choice.raw and not location.is_remote:
        if aside is None:
            rows = _done(_summary_rows(connection, choice.summaries))
        else:
            rows = aside(_summary_rows, choice.summaries)
        texts = _arrays(
            connection, SUMMARY_TEXTS_SQL.format(source=parquet_source(choice.summaries))
        )
        merged = _merged_series(texts, rows.result(), choice.summaries, prior_end_us)
        if merged is not None:
            return merged
    summaries = _choice_sql(choice, end_us, prior_end_us)
    columns = _arrays(connection, STATS_SQL.format(summaries=summaries, no_time=NO_TIME))

    def numbers(name: str, dtype: Any) -> Any:
        return np.asarray(columns[name], dtype=dtype)

    return _Series(
        columns["model_id"].tolist(),
        columns["metric"].tolist(),
        columns["segment"].tolist(),
        numbers("key_hash", np.uint64),
        numbers("n", np.int64),
        numbers("first_t", np.int64),
        numbers("last_t", np.int64),
        numbers("latest_value", np.float64),
        columns["latest_version"].tolist(),  # a masked array when NULLs: None for them
        [],
        numbers("prior_t", np.int64),
        numbers("prior_value", np.float64),
    )


def _thresholds(series: _Series, catalog: Catalog, runs: list[tuple[str, int, int]]) -> None:
    """Set `series.thresholds`: the card's threshold of each checked series, by series
    number (None: unchecked); and `threshold_no` and `distinct` for `_Series.limits`.
    `runs`: `series.model_runs()`."""
    import numpy as np

    n = len(series)
    thresholds: list[MetricThreshold | None] = [None] * n
    numbers = [-1] * n
    distinct: list[MetricThreshold] = []
    for model_id, lo, hi in runs:
        card = catalog.models.get(model_id)
        if card is None or card.monitoring is None or not card.monitoring.metrics:
            continue
        segments, numbered = set(checked_segments(card)), {}
        for metric, threshold in card.monitoring.metrics.items():
            numbered[metric] = (threshold, len(distinct))
            distinct.append(threshold)
        for i in range(lo, hi):
            if series.segment[i] in segments:
                found = numbered.get(series.metric[i])
                if found is not None:
                    thresholds[i], numbers[i] = found
    series.thresholds, series.distinct = thresholds, distinct
    series.threshold_no = np.asarray(numbers, dtype=np.int64)


def summarize(
    catalog: Catalog, *, as_of: dt.date | None = None, prefetched: Prefetch | None = None
) -> MonitoringSummary:
    """Health of every model of `catalog` as of the end of `as_of` (default: today, UTC).

    `prefetched`: the store's half, started by `Prefetch` before the catalog was
    validated; used when it read this catalog's store for this day, else closed."""
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    with gc_paused():
        store_read = prefetched.take(catalog, as_of) if prefetched is not None else None
        if store_read is None:
            store_read = _StoreRead(_location(catalog), _Window(as_of))
        with store_read:
            return _summarize(catalog, store_read)


class Prefetch:
    """The store's half of `summarize` (DuckDB's imports and connection, the series'
    history and the chart parts' plan, the first chart batch), run in a thread while the
    caller validates the catalog: none of it depends on the cards. `govcat build` starts
    one before validating: `Prefetch(catalog_root, its settings' monitoring_store,
    as_of)`. Use it as a context manager: leaving closes what `summarize` did not
    take."""

    def __init__(self, catalog_root: Path, store_setting: str, as_of: dt.date) -> None:
        import threading

        self.as_of = as_of
        self.location = resolve_store(catalog_root, store_setting)
        self._read: _StoreRead | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="govcat-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._read = _StoreRead(self.location, _Window(self.as_of))
        except BaseException as error:  # raised by `take`, in the caller's thread
            self._error = error

    def take(self, catalog: Catalog, as_of: dt.date) -> _StoreRead | None:
        """The store's half, when it read `catalog`'s store for `as_of` (else None); once."""
        self._thread.join()
        if self._read is None and self._error is None:
            return None  # taken already
        if (as_of, str(_location(catalog))) != (self.as_of, str(self.location)):
            self.close()
            return None
        read, error = self._read, self._error
        self._read = self._error = None
        if error is not None:
            raise error
        return read

    def close(self) -> None:
        self._thread.join()
        if self._read is not None:
            self._read.close()
        self._read = self._error = None

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


EMPTY_SOURCE = (
    "(SELECT NULL::VARCHAR AS model_id, NULL::VARCHAR AS model_version, "
    "NULL::TIMESTAMPTZ AS ts, NULL::VARCHAR AS metric, NULL::VARCHAR AS segment, "
    "NULL::DOUBLE AS value WHERE false)"
)
"""The table expression of an empty store."""


class _StoreRead:
    """What `summarize` reads before it needs the cards: a connection with a second
    cursor for the chart reads, the worker thread that runs them, the series' history,
    the chart batches and the plan of their reads, and the first batch's read under way.
    A context manager: leaving waits for the worker and closes the connection."""

    def __init__(self, location: StoreLocation, window: _Window) -> None:
        self.window = window
        self.location = location
        self.source = _source(location) or EMPTY_SOURCE
        self.params = {
            "end_us": window.end_us,
            "read_start_us": window.read_start_us,
            "chart_start_us": window.chart_start_day * DAY_US,
        }
        self.connection = connection = duckdb_connect(location)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.reader: Any = None
        try:
            connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            # the chart window is read in batches of whole models, so that memory stays
            # bounded; a second cursor reads the next batch in a thread while numpy works
            # on this one (DuckDB and numpy release the GIL)
            self.reader = reader = connection.cursor()
            reader.execute("SET TimeZone = 'UTC'")
            reader.execute("SET enable_progress_bar = false")
            # every chart batch reads the same parts' footers (parts never change: named
            # by hash); a setting of each cursor, like the time zone
            for cursor in (connection, reader):
                cursor.execute("SET parquet_metadata_cache = true")
            self.series = series = _read_series(
                connection,
                location,
                self.params,
                lambda function, *args: self.pool.submit(function, reader, *args),
            )
            if series.summaries is not None:
                # the plan from the rows just merged: a few milliseconds here, against
                # ~0.2 s in the worker while the Python loops below hold the GIL
                summaries = _done(
                    _chart_summaries(connection, location, self.params, series.summaries)
                )
                series.summaries = None  # (their memory is freed)
                plan = _done(_ordered_parts(summaries, series))
            else:
                summaries = self.pool.submit(_chart_summaries, reader, location, self.params)
                plan = self.pool.submit(_ordered_parts, summaries, series)
            self.runs = self.series.model_runs()
            self.batches = _batches(self.series, window, self.runs)
            self.chart_args = (reader, self.source, plan, self.series, self.params)
            self.ahead = deque(self.read(n) for n in range(min(READ_AHEAD, len(self.batches))))
        except BaseException:
            self.close()
            raise

    def read(self, number: int) -> Any:
        """The future of chart batch `number`'s observations (`_read_points`)."""
        return self.pool.submit(_read_points, *self.chart_args, *self.batches[number])

    def charts(self) -> Iterator[_Chart]:
        """Each chart batch's `_Chart`, in order, the reads staying READ_AHEAD batches ahead
        of the caller. The daily values (`_chart`) are made here, on the caller's thread:
        the reads are the slower half (in the worker, summarize took 2.77 s instead of
        2.54 s at 10,000 models, medians of 6 interleaved runs; alike at 1,000)."""
        for number in range(len(self.batches)):
            points = self.ahead.popleft().result()
            if number + READ_AHEAD < len(self.batches):
                self.ahead.append(self.read(number + READ_AHEAD))
            yield _chart(points, self.params, *self.batches[number])

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.reader is not None:
            self.reader.close()
        self.connection.close()

    def __enter__(self) -> _StoreRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _summarize(catalog: Catalog, store_read: _StoreRead) -> MonitoringSummary:
    window, params = store_read.window, store_read.params
    connection, source = store_read.connection, store_read.source
    series = store_read.series
    summary = MonitoringSummary(as_of=window.as_of, store=str(store_read.location))
    models = _models(catalog)
    # while the first batch is read (unless it was read while the cards were validated)
    runs = store_read.runs
    _thresholds(series, catalog, runs)
    limits = series.limits()
    portfolio = _Portfolio(models, series, runs, limits, window)
    healths: dict[str, ModelHealth] = {}
    stamps: dict[int, dt.datetime | None] = {}
    run_starts = [first for _, first, _ in runs]
    # one (metric, segment) tuple per distinct pair, shared by every model's chart series
    shared: dict[tuple[str, str], tuple[str, str]] = {}
    keys = [shared.setdefault(key, key) for key in zip(series.metric, series.segment, strict=True)]
    for chart in store_read.charts():
        lo, hi = chart.lo, chart.hi
        # whole models: the runs of the batch's models
        batch_runs = runs[bisect_left(run_starts, lo) : bisect_left(run_starts, hi)]
        columns = _windows(chart, lo, hi, limits, window)
        batch = _MetricBatch(
            series,
            limits,
            lo,
            [end - first for _, first, end in batch_runs],
            columns,
            _breach_since(connection, source, series, chart, params, lo, hi),
            stamps,
        )
        summary.series.update(
            (model_id, model_series)
            for model_id, model_series in _series(chart, window, batch_runs, keys)
            if model_id in catalog.models  # data of a deleted card stays in the store
        )
        longest = max(WINDOWS)
        portfolio.add(
            chart, _window_column(columns, longest, "min"), _window_column(columns, longest, "max")
        )
        del chart, columns
        # the batch's models are complete: their health now, while the next batch is read
        healths.update(_model_healths(catalog, batch, batch_runs, portfolio, limits))
    statuses = portfolio.finish(summary)
    summary.rows = int(series.n.sum())
    for model_id, card in sorted(catalog.models.items()):
        health = healths.get(model_id)
        if health is None:  # no data
            health = _model_health(card, window.as_of, statuses[model_id], None, None, 0)
        summary.models[model_id] = health
    return summary


def _model_healths(
    catalog: Catalog,
    batch: _MetricBatch,
    runs: list[tuple[str, int, int]],
    portfolio: _Portfolio,
    limits: Any,
) -> Iterator[tuple[str, ModelHealth]]:
    """The health of the models of one batch (`runs`: model id, first series, end), once
    the portfolio has counted the batch: their status on the as-of day, newest
    observation and checked series from the batch's columns."""
    import numpy as np

    if not runs:
        return
    series, stamps, lo = batch.series, batch.stamps, batch.lo
    starts = [first for _, first, _ in runs]
    end = runs[-1][2]
    newest = np.maximum.reduceat(series.last_t[:end], starts).tolist()
    checked = np.add.reduceat(limits[0][:end], starts, dtype=np.int64).tolist()
    kept = [number for number, (model_id, _, _) in enumerate(runs) if model_id in catalog.models]
    codes = portfolio.as_of_codes([portfolio.position[runs[number][0]] for number in kept])
    as_of = portfolio.window.as_of
    for number, code in zip(kept, codes, strict=True):  # not the data of deleted cards
        model_id, first, stop = runs[number]
        t = newest[number]
        if t not in stamps:
            stamps[t] = _stamp(t)
        yield (
            model_id,
            _model_health(
                catalog.models[model_id],
                as_of,
                STATUS_BY_CODE[code],
                (batch, first - lo, stop - lo, first),
                stamps[t],
                checked[number],
            ),
        )


class _MetricBatch:
    """The `MetricHealth` columns of one chart batch's series, in display order: each
    model's run of series (checked first, worst first, then by metric and segment), models
    one after another. `make` builds one model's objects from them.

    The objects are made when a model's metrics are first used (`_ModelMetrics`), not
    here: at 10,000 models, 300,000 `MetricHealth` and 900,000 `WindowStats` took 0.76-1.0 s
    of the aggregation's main thread, while `govcat build` reads the metrics of most models
    only in render's worker processes (their own pages, in parallel) and the parent those
    of the models that need attention (reasons, alerts, feed). Columns: 0.1 s.
    """

    def __init__(
        self,
        series: _Series,
        limits: Any,
        lo: int,
        model_sizes: list[int],
        columns: list[Any],
        breach_since: dict[int, int],
        stamps: dict[int, dt.datetime | None],
    ) -> None:
        import numpy as np

        n = sum(model_sizes)
        hi = lo + n
        checked, t_min, t_max, warn_below, warn_above = (limit[lo:hi] for limit in limits)
        latest = series.latest_value[lo:hi]
        codes = np.where(checked, _value_codes(latest, t_min, t_max, warn_below, warn_above), 0)
        # within a model, SQL gave (metric, segment) order (byte order = str order for
        # UTF-8); a stable sort on (unchecked, -severity) inside each model finishes it
        model_no = np.repeat(np.arange(len(model_sizes)), model_sizes)
        order = np.lexsort((np.arange(n), -codes, ~checked, model_no))
        self.series = series
        self.stamps = stamps
        self.lo = lo
        self.number = order + lo
        """Series numbers, in display order."""
        self.codes = codes[order]
        self.latest = latest[order]
        self.first_t = series.first_t[lo:hi][order]
        self.last_t = series.last_t[lo:hi][order]
        self.observations = series.n[lo:hi][order]
        self.columns = [column[order] for column in columns]
        self.breach_since = breach_since

    def at_status(self, start: int, stop: int, status: HealthStatus) -> tuple[int, int]:
        """The first display position of start..stop-1 whose series has `status` (-1: none),
        and how many have it."""
        import numpy as np

        found = np.flatnonzero(self.codes[start:stop] == SEVERITY[status])
        return (start + int(found[0]) if len(found) else -1), len(found)

    def reason_fields(self, position: int) -> MetricHealth:
        """What a reason shows of the series at display `position` (metric, segment, latest
        value, status, breach start, threshold): a partial object, for `_metric_reason`."""
        i = int(self.number[position])
        since = self.breach_since.get(i)
        return MetricHealth(
            self.series.metric[i],
            self.series.segment[i],
            float(self.latest[position]),
            None,
            STATUS_BY_CODE[int(self.codes[position])],
            breach_since=None if since is None else _stamp(since),
            threshold=self.series.thresholds[i],
        )

    def make(self, start: int, stop: int) -> list[MetricHealth]:
        """The `MetricHealth` of display positions start..stop-1 (one model's run)."""
        n = stop - start
        numbers = self.number[start:stop].tolist()
        series, stamps = self.series, self.stamps
        for t in self.first_t[start:stop].tolist() + self.last_t[start:stop].tolist():
            if t not in stamps:
                stamps[t] = _stamp(t)
        # named tuples made by tuple.__new__ straight from zipped columns: no Python call
        # per object (WindowStats(...) or MetricHealth(...) would run their __new__ each)
        make = tuple.__new__
        windows_per_days = []
        width = len(WINDOW_COLUMNS)
        for w, days in enumerate(WINDOWS):
            count, mean, low, high, slope, breaches = (
                column[start:stop].tolist() for column in self.columns[w * width : (w + 1) * width]
            )
            rows = zip(
                repeat(days, n),
                count,
                _none_for_nan(mean),
                _none_for_nan(low),
                _none_for_nan(high),
                _none_for_nan(slope),
                breaches,
                strict=True,
            )
            windows_per_days.append(map(make, repeat(WindowStats, n), rows))
        since = self.breach_since
        rows = zip(
            [series.metric[i] for i in numbers],
            [series.segment[i] for i in numbers],
            self.latest[start:stop].tolist(),
            map(stamps.__getitem__, self.last_t[start:stop].tolist()),
            map(STATUS_BY_CODE.__getitem__, self.codes[start:stop].tolist()),
            zip(*windows_per_days, strict=True),
            [_stamp(since[i]) if i in since else None for i in numbers],
            [series.thresholds[i] for i in numbers],
            [series.latest_version[i] for i in numbers],
            map(stamps.__getitem__, self.first_t[start:stop].tolist()),
            self.observations[start:stop].tolist(),
            strict=True,
        )
        return list(map(make, repeat(MetricHealth, n), rows))


def _value_codes(v: Any, t_min: Any, t_max: Any, warn_below: Any, warn_above: Any) -> Any:
    """Each value's code against its series' bounds: breach (4) outside min/max, warning
    (2) outside the warn band, else ok (0); `classify` for numpy arrays."""
    import numpy as np

    return np.where(
        (v < t_min) | (v > t_max), 4, np.where((v < warn_below) | (v > warn_above), 2, 0)
    )


def _model_codes(unmonitored: Any, breach: Any, stale: Any, warning: Any) -> Any:
    """A model's code from its days' facts (the rules of the module docstring)."""
    import numpy as np

    return np.where(
        unmonitored, 1, np.where(breach, 4, np.where(stale, 3, np.where(warning, 2, 0)))
    )


def _none_for_nan(values: list[float]) -> list[float | None]:
    return [None if v != v else v for v in values]


class _ModelMetrics(Sequence[MetricHealth]):
    """One model's `MetricHealth` objects, made from its `_MetricBatch` on first use (see
    there why), with the unmonitored entries of declared metrics without data (`missing`).
    Behaves as the tuple it becomes: compares, hashes and pickles as that tuple."""

    __slots__ = ("_source", "_items", "_length")

    def __init__(
        self, batch: _MetricBatch, start: int, stop: int, missing: list[MetricHealth]
    ) -> None:
        self._source: tuple[_MetricBatch, int, int, list[MetricHealth]] | None = (
            batch,
            start,
            stop,
            missing,
        )
        self._items: tuple[MetricHealth, ...] | None = None
        self._length = stop - start + len(missing)

    def _made(self) -> tuple[MetricHealth, ...]:
        items = self._items
        if items is None:
            batch, start, stop, missing = self._source  # type: ignore[misc]
            metrics = batch.make(start, stop)
            if missing:
                metrics += missing
                metrics.sort(key=_display_order)
            self._items = items = tuple(metrics)
            self._source = None
        return items

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        return self._made()[index]

    def __iter__(self) -> Iterator[MetricHealth]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _ModelMetrics | tuple):
            return self._made() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._made())

    def __repr__(self) -> str:
        return repr(self._made())

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (self._made(),)


def _display_order(m: MetricHealth) -> tuple[bool, int, str, str]:
    """Checked series first, worst first, then by metric and segment."""
    return m.threshold is None, -SEVERITY[m.status], m.metric, m.segment


def _batches(
    series: _Series, window: _Window, runs: list[tuple[str, int, int]]
) -> list[tuple[int, int]]:
    """Ranges of series numbers, cut between models, of about CHART_BATCH_POINTS points each
    (`runs`: `series.model_runs()`)."""
    import numpy as np

    chart_start = window.read_start_us
    span = np.maximum(1, series.last_t - series.first_t)
    inside = np.maximum(0, series.last_t - np.maximum(series.first_t, chart_start))
    points = series.n * np.minimum(1.0, (inside + 1) / span)
    starts = [first for _, first, _ in runs]
    per_model = np.add.reduceat(points, starts).tolist() if starts else []
    result, lo, total = [], 0, 0.0
    for first, model_points in zip(starts, per_model, strict=True):
        # the first batch is smaller: the main thread has little to do until it is read
        if total >= (CHART_BATCH_POINTS if result else CHART_BATCH_POINTS // 4) and first > lo:
            result.append((lo, first))
            lo, total = first, 0.0
        total += model_points
    if lo < len(series) or not result:
        result.append((lo, len(series)))
    return result


def _arrays(connection: Any, sql: str) -> dict[str, Any]:
    """The columns of a query's result as numpy arrays (the columns read here are never
    NULL). `fetchnumpy` rather than Arrow: as fast for these columns (measured at 10,000
    models), and aggregation then never imports pyarrow, ~0.05-0.1 s of a small
    catalog's build."""
    return connection.sql(sql).fetchnumpy()


@dataclass
class _OrderedPart:
    """A local part of the chart's months whose rows are read by row numbers, without their
    key strings: its rows are sorted by series (`SORT_ORDER`), and its series summary lists
    the series in the same order with their row counts, first and last times.

    Summary row `i` names the rows `[row_start[i], row_start[i + 1])`, of series
    `series_no[i]` (-1: a key with no rows up to the as-of day); the rows of series lo..hi-1
    are then one range of the part's rows. Rows are read ahead, CHART_READ_ROWS at a time,
    into `chunk_t` and `chunk_value` (row numbers `chunk_start` to `chunk_end`), up to a
    series' first row. Of a part of the chart window's first month, only the rows from
    `since` on are read (`_OrderedPart.since`); `chunk_rows` then holds their row numbers."""

    path: str
    series_no: Any
    row_start: Any
    first_us: Any
    last_us: Any
    known: Any
    """The summary rows with a series number (their numbers increase)."""
    known_series: Any
    """Their series numbers."""
    month_start: int
    """The first microsecond of the part's month."""
    chunk_start: int = 0
    chunk_end: int = 0
    chunk_t: Any = None
    chunk_value: Any = None
    chunk_rows: Any = None

    def since(self, cut: int) -> int | None:
        """Where the rows read start, for a chart window starting at `cut` (None: the first
        row): CHART_LOOKBACK_DAYS before it, when the part's month starts earlier (the
        window's first month). A series' last instant before the window is then read
        when it lies in those days; `_ordered_points` reads the others' apart."""
        since = cut - CHART_LOOKBACK_DAYS * DAY_US
        return since if self.month_start < since else None

    def rows(
        self, connection: Any, row: int, row_end: int, since: int | None
    ) -> list[tuple[int, int, Any, Any, Any]]:
        """Times and values of rows `[row, row_end)` (a series' first row to another's) from
        `since` on (None: all), as one or two segments (first row, end row, row numbers of
        the rows read or None for all, times, values) cut at a series' first row: the rows
        left in the chunk, then those of the next. Batches do not end where chunks do, and
        reading the rows left again cost 18-22 % more rows read."""
        import numpy as np

        segments = []
        if self.chunk_t is not None and self.chunk_start <= row < self.chunk_end:
            taken_end = min(row_end, self.chunk_end)
            segments.append(self._segment(row, taken_end))
            if taken_end == row_end:
                return segments
            ahead, row = CHART_READ_ROWS, taken_end
        else:
            ahead = min(CHART_READ_ROWS, 4 * (row_end - row))
        self.chunk_t = self.chunk_value = self.chunk_rows = None
        # up to the last series that ends within the read-ahead
        read_end = max(
            row_end, int(self.row_start[np.searchsorted(self.row_start, row + ahead, "right") - 1])
        )
        later = None if since is None else f"ts >= make_timestamptz({since}::BIGINT)"
        columns = self._read(connection, row, read_end, later)
        self.chunk_start, self.chunk_end = row, read_end
        self.chunk_t, self.chunk_value = columns["t"], columns["value"]
        if since is None:
            if len(self.chunk_t) != read_end - row:
                raise _PartMismatch(self.path)
        else:
            self.chunk_rows = np.asarray(columns["row_number"], dtype=np.int64)
        segments.append(self._segment(row, row_end))
        return segments

    def _read(self, connection: Any, row: int, end: int, when: str | None) -> dict[str, Any]:
        """Times and values of rows `[row, end)`; only those matching `when` (SQL on `ts`),
        then with their row numbers (`row_number`)."""
        numbers, condition = (
            ("", "") if when is None else (", file_row_number AS row_number", f" AND {when}")
        )
        return _arrays(
            connection,
            f"SELECT epoch_us(ts) AS t, value{numbers} FROM read_parquet("
            f"{sql_string(self.path)}, file_row_number = true) WHERE file_row_number >= {row} "
            f"AND file_row_number < {end}{condition}",
        )

    def _segment(self, row: int, end: int) -> tuple[int, int, Any, Any, Any]:
        """The chunk's rows `[row, end)`, as `rows` gives them."""
        import numpy as np

        if self.chunk_rows is None:
            first, last = row - self.chunk_start, end - self.chunk_start
            numbers = None
        else:
            first, last = np.searchsorted(self.chunk_rows, [row, end]).tolist()
            numbers = self.chunk_rows[first:last]
        return row, end, numbers, self.chunk_t[first:last], self.chunk_value[first:last]

    def read_before(
        self, connection: Any, low: int, missing: Any, since: int
    ) -> tuple[Any, Any, Any, Any]:
        """The rows before `since` of summary rows low + `missing` (increasing): where each
        one's rows start and how many, times and values. One query, over the rows of the
        first to the last of them."""
        import numpy as np

        first, end = self.row_start[low + missing], self.row_start[low + missing + 1]
        earlier = f"ts < make_timestamptz({since}::BIGINT)"
        columns = self._read(connection, int(first[0]), int(end[-1]), earlier)
        numbers = np.asarray(columns["row_number"], dtype=np.int64)
        start = np.searchsorted(numbers, first)
        return start, np.searchsorted(numbers, end) - start, columns["t"], columns["value"]


class _PartMismatch(Exception):
    """A part's rows are not those its series summary describes."""


def _chart_summaries(
    connection: Any,
    location: StoreLocation,
    params: dict[str, int],
    merged: _SummaryRows | None = None,
) -> tuple[list[str], dict[str, Any], dict[str, int]] | None:
    """For `_ordered_parts`: the parts of the months the chart reads, their summaries' rows
    (with each key's hash; and its series number, `series_no`, when `merged` holds them)
    and the parts' row counts; None for a remote store or a part without a summary. The
    summary rows come from `merged` (the rows `_merged_series` merged) when it has every
    one of them, else from a query."""
    import numpy as np

    if location.is_remote:
        return None
    chosen = []
    for part, summary in Store(location.path).summarized_parts():  # type: ignore[arg-type]
        start, stop = _month_bounds(part)
        if stop <= params["read_start_us"] or start >= params["end_us"]:
            continue
        if summary is None:
            return None
        chosen.append((part, summary))
    if not chosen:
        return [], {}, {}
    numbered = {path: number for number, path in enumerate(merged.files)} if merged else {}
    if merged is not None and all(summary in numbered for _, summary in chosen):
        pieces = [
            (merged.edges[numbered[summary]], merged.edges[numbered[summary] + 1])
            for _, summary in chosen
        ]
        named = dict(merged.columns, series_no=merged.series_no)
        if all(hi == lo for (_, hi), (lo, _) in pairwise(pieces)):  # mostly: the last files
            start, stop = pieces[0][0], pieces[-1][1]
            columns = {name: column[start:stop] for name, column in named.items()}  # views
        else:
            columns = {
                name: np.concatenate([column[lo:hi] for lo, hi in pieces])
                for name, column in named.items()
            }
        columns["file_index"] = np.repeat(
            np.arange(len(pieces), dtype=np.int32), [hi - lo for lo, hi in pieces]
        )
    else:
        columns = _arrays(
            connection,
            "SELECT file_index, hash(model_id, metric, segment) AS key_hash, n, first_us, "
            f"last_us FROM {parquet_source([summary for _, summary in chosen])}",
        )
    rows = dict(
        connection.execute(
            "SELECT file_name, sum(num_rows) FROM parquet_file_metadata("
            f"[{', '.join(sql_string(part) for part, _ in chosen)}]) GROUP BY file_name"
        ).fetchall()
    )
    return [part for part, _ in chosen], columns, rows


def _ordered_parts(summaries: Any, series: _Series) -> list[_OrderedPart] | None:
    """Every part of the months the chart reads, as `_OrderedPart`s (`summaries`: the future
    of `_chart_summaries`); None (read by CHART_SQL) for a remote store, a part without a
    summary or whose summary does not match it, or two series keys with one hash.

    A summary row is matched to its series by the key's hash. A key of a summary that is
    not a series (all its rows are after the as-of day: every key with an earlier row is
    one) may match another series' hash: its rows are dropped by their time all the same."""
    import numpy as np

    read = summaries.result()
    if read is None or not len(series):
        return None
    chosen, columns, rows = read
    if not chosen:
        return []
    numbered = "series_no" in columns  # by `_merged_series`, which left no hash twice
    if not numbered:
        order = np.argsort(series.key_hash, kind="stable")
        sorted_hashes = series.key_hash[order]
        if bool((sorted_hashes[1:] == sorted_hashes[:-1]).any()):
            return None
    file_index = np.asarray(columns["file_index"], dtype=np.int64)
    if bool((np.diff(file_index) < 0).any()):
        return None
    key_hash = np.asarray(columns["key_hash"], dtype=np.uint64)
    all_counts = np.asarray(columns["n"], dtype=np.int64)
    all_first = np.asarray(columns["first_us"], dtype=np.int64)
    all_last = np.asarray(columns["last_us"], dtype=np.int64)
    edges = np.searchsorted(file_index, np.arange(len(chosen) + 1)).tolist()
    parts = []
    for number, part in enumerate(chosen):
        low, high = edges[number], edges[number + 1]
        if numbered:
            series_no = columns["series_no"][low:high]
        else:
            hashes = key_hash[low:high]
            lookup = _hash_lookup(sorted_hashes, order, hashes)
            series_no = _series_numbers(series.key_hash, hashes, lookup)
        counts = all_counts[low:high]
        known = np.flatnonzero(series_no >= 0)
        if (
            rows.get(part) != int(counts.sum())
            or bool((counts <= 0).any())
            or bool((np.diff(series_no[known]) <= 0).any())
        ):
            return None
        row_start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=row_start[1:])
        parts.append(
            _OrderedPart(
                part,
                series_no,
                row_start,
                all_first[low:high],
                all_last[low:high],
                known,
                series_no[known],
                _month_bounds(part)[0],
            )
        )
    return parts


def _series_numbers(series_hash: Any, hashes: Any, lookup: Callable[[Any], Any]) -> Any:
    """The series number of each key hash of a part's summary rows (-1: no series'), given
    the series' hashes (`series_hash`) and `lookup(rows)`, the series number of each of
    these rows (indices into `hashes`; -1: none).

    The rows follow the series' order, mostly without gaps (a month holds a row of nearly
    every series): each run of consecutive series is found by comparing the hashes, and
    only its first row is looked up. When the runs are short, every row left is looked
    up. At 10,000 models (1.2M summary rows of 11 parts): ~5 ms instead of ~0.25 s."""
    import numpy as np

    numbers = np.full(len(hashes), -1, dtype=np.int64)
    row, lookups = 0, 0
    while row < len(hashes):
        lookups += 1
        if lookups > 16 + len(hashes) // 256:
            numbers[row:] = lookup(np.arange(row, len(hashes)))
            return numbers
        first = int(lookup(np.array([row]))[0])
        if first < 0:
            row += 1
            continue
        # the run: as long as the rows' hashes are those of the next series (windows doubling)
        length, window = 1, 1024
        most = min(len(hashes) - row, len(series_hash) - first)
        while length < most:
            end = min(most, length + window)
            same = series_hash[first + length : first + end] == hashes[row + length : row + end]
            if not same.all():
                length += int(np.argmin(same))
                break
            length, window = end, 2 * window
        numbers[row : row + length] = np.arange(first, first + length)
        row += length
    return numbers


def _hash_lookup(sorted_hashes: Any, order: Any, hashes: Any) -> Callable[[Any], Any]:
    """`_series_numbers`' lookup by hash: `sorted_hashes` are the series' hashes, sorted (all
    distinct), `order` their series numbers. Rows are looked up in hash order (searchsorted
    is several times faster on sorted needles)."""
    import numpy as np

    last = len(sorted_hashes) - 1

    def lookup(rows: Any) -> Any:
        wanted = hashes[rows]
        by_hash = np.argsort(wanted, kind="stable")
        at = np.minimum(np.searchsorted(sorted_hashes, wanted[by_hash]), last)
        numbers = np.empty(len(rows), dtype=np.int64)
        numbers[by_hash] = np.where(sorted_hashes[at] == wanted[by_hash], order[at], -1)
        return numbers

    return lookup


def _read_points(
    connection: Any,
    source: str,
    plan: Any,
    series: _Series,
    params: dict[str, int],
    lo: int,
    hi: int,
) -> tuple[Any, ...]:
    """The chart window's observations of series lo..hi-1, for `_chart`: by row numbers
    (`_ordered_points`) when `plan` (the future of `_ordered_parts`) gives the parts and
    they match their summaries, else by CHART_SQL (`_chart_points`). Runs in a worker
    thread: `connection` is its own cursor."""
    parts = plan.result()
    if parts is not None:
        try:
            return _ordered_points(connection, parts, params, lo, hi)
        except _PartMismatch:
            pass
    return _chart_points(connection, source, series, params, lo, hi)


def _ordered_points(
    connection: Any, parts: list[_OrderedPart], params: dict[str, int], lo: int, hi: int
) -> tuple[Any, Any, Any, Any]:
    """The chart window's observations of series lo..hi-1 from `parts`, read by row numbers
    and put in series order, each series' pieces in part order: (None, times, values,
    bounds), or, when a piece is not in time order, (series numbers, times, values, None)
    for `_chart` to sort. Raises `_PartMismatch` when a piece's first or last time is not
    its summary's."""
    import numpy as np

    pieces = []  # per segment of a part read: its times and values
    # per piece and series: its rows in the window, where they start, the rows before
    counts, starts, skips = [], [], []
    before: list[tuple[Any, Any, Any]] = []  # each series' last instant before the window
    newest, oldest = [], []
    cut = params["chart_start_us"]
    for part in parts:
        first, end = np.searchsorted(part.known_series, [lo, hi]).tolist()
        if first == end:
            continue
        low, high = int(part.known[first]), int(part.known[end - 1]) + 1
        row_start = part.row_start
        since = part.since(cut)
        for row, row_end, read, t, value in part.rows(
            connection, int(row_start[low]), int(row_start[high]), since
        ):
            # the segment's summary rows
            low, high = np.searchsorted(row_start, [row, row_end]).tolist()
            rows = np.diff(row_start[low : high + 1])
            first_us, last_us = part.first_us[low:high], part.last_us[low:high]
            if read is None:
                start, count = row_start[low:high] - row, rows
                whole = some = slice(None)
            else:  # from `since` on: each series' last rows
                edges = np.searchsorted(read, row_start[low : high + 1])
                start, count = edges[:-1], np.diff(edges)
                whole, some = count == rows, count > 0
                if bool(((count > rows) | ((count == 0) & (last_us >= since))).any()):
                    raise _PartMismatch(part.path)
            if bool(
                (t[start[whole]] != first_us[whole]).any()
                or (t[(start + count - 1)[some]] != last_us[some]).any()
            ):
                raise _PartMismatch(part.path)
            pieces.append((t, value))
            numbers = part.series_no[low:high]
            held = numbers >= 0  # a key that is no series is left out
            skip = np.zeros(len(count), dtype=np.int64)
            if int(first_us.min()) < cut:
                skip = _before_window(t, value, start, count, cut, numbers - lo, held, before)
            if read is not None:
                # rows before `since`, but none read before the window: the last instant
                # before it is among the rows not read
                missing = np.flatnonzero(held & (skip == 0) & (count < rows))
                if len(missing):
                    *runs, t_before, value_before = part.read_before(
                        connection, low, missing, since
                    )
                    _last_instants(t_before, value_before, *runs, numbers[missing] - lo, before)
            for per_series, column in (
                (counts, count - skip),
                (starts, start + skip),
                (skips, skip),
            ):
                per_series.append(np.zeros(hi - lo, dtype=np.int64))
                per_series[-1][numbers[held] - lo] = column[held]
            newest.append(int(part.last_us[low:high].max()))
            oldest.append(int(part.first_us[low:high].min()))
    prior = (
        tuple(np.concatenate(column) for column in zip(*before, strict=True))
        if before
        else (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    )
    if not pieces:
        empty = np.empty(0, dtype=np.int64)
        return None, empty, np.empty(0, np.float64), np.zeros(hi - lo + 1, np.int64), prior
    count, start, skip = np.stack(counts), np.stack(starts), np.stack(skips)  # (pieces, series)
    bounds = np.zeros(hi - lo + 1, dtype=np.int64)
    np.cumsum(count.sum(axis=0), out=bounds[1:])
    if len(pieces) == 1 and int(bounds[-1]) == len(pieces[0][0]):
        t, value = pieces[0]  # one part, every row a series' in the window: views
    else:
        t, value = _interleaved(pieces, count, start, bounds, skip)
    # rows after the as-of day (or, in a foreign part, before the read start) are dropped
    if max(newest) >= params["end_us"]:
        t, value, bounds = _kept(t < params["end_us"], t, value, bounds)
    if min(oldest) < params["read_start_us"]:
        prior = tuple(column[prior[1] >= params["read_start_us"]] for column in prior)
    if len(t) > 1:
        backwards = t[1:] < t[:-1]
        backwards[bounds[1:-1][(bounds[1:-1] > 0) & (bounds[1:-1] < len(t))] - 1] = False
        if bool(backwards.any()):
            return np.repeat(np.arange(lo, hi), np.diff(bounds)), t, value, None, prior
    return None, t, value, bounds, prior


def _before_window(
    t: Any,
    value: Any,
    start: Any,
    count: Any,
    cut: int,
    offset: Any,
    held: Any,
    before: list[tuple[Any, Any, Any]],
) -> Any:
    """For the consecutive runs `[start[i], start[i] + count[i])` of a piece's times `t` and
    values (each a series' rows, in time order): how many rows precede `cut` (the chart
    window's start), the rows to skip. Appends to `before` the rows of each held run's last instant
    before `cut` (series offset `offset[i]`, times, values): all the portfolio and the breach
    starts need of the rows before the window (a fifth of the rows read at 10,000 models)."""
    import numpy as np

    bounds = np.append(start, start[-1] + count[-1]) if len(start) else np.zeros(1, np.int64)
    first_inside = _lower_bounds(t, bounds, [cut])[:, 0]
    skip = first_inside - start
    runs = np.flatnonzero(held & (skip > 0))
    _last_instants(t, value, start[runs], skip[runs], offset[runs], before)
    return skip


def _last_instants(
    t: Any, value: Any, start: Any, count: Any, offset: Any, before: list[tuple[Any, Any, Any]]
) -> None:
    """Appends to `before` the rows of the last instant of each run `[start[i], start[i] +
    count[i])` of times `t` (in time order; count > 0): series offset `offset[i]`, times,
    values."""
    import numpy as np

    if len(start):
        end = start + count
        last = _run_lower_bounds(t, start, count, t[end - 1])
        rows = _ranges(last, end - last)
        before.append((np.repeat(offset, end - last), t[rows], value[rows]))


def _interleaved(
    pieces: list[tuple[Any, Any]], count: Any, start: Any, bounds: Any, skip: Any
) -> tuple[Any, Any]:
    """The pieces' times and values series by series, each series' rows in piece order:
    series `i` has `count[p, i]` rows in piece `p`, from `start[p, i]`, after `skip[p, i]`
    rows left out (those before the chart window); it goes to `[bounds[i], bounds[i + 1])`.

    Consecutive series alike in every piece (as many rows and rows left out, one after
    another) form a block, copied piece by piece as a 2-D slice: series observed on a
    schedule (daily, hourly) have as many rows in each month, so a batch is a few dozen
    blocks (89 in the 30,000 series at 1,000 models). Otherwise the rows are gathered
    through an index array. A batch of 1M rows from 4 parts at 1,000 models: ~5 ms by
    blocks, ~8 ms by the index, ~15 ms when each piece was scattered into place through
    index arrays; ~4 ms repeated on the same batch, but 20-45 ms the first time, in a fresh
    process: most of it is the kernel's first touch of the output's fresh pages."""
    import numpy as np

    total = int(bounds[-1])
    size = count.shape[1]
    stride = count + skip  # the series' rows in the piece
    same = (count[:, 1:] == count[:, :-1]) & (
        (count[:, :-1] == 0)
        | ((skip[:, 1:] == skip[:, :-1]) & (start[:, 1:] == start[:, :-1] + stride[:, :-1]))
    )
    block_start = np.flatnonzero(np.concatenate(([True], ~same.all(axis=0))))
    used = count[:, block_start] > 0
    if int(used.sum()) * BLOCK_COPY_ROWS <= total:
        t, value = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.float64)
        block_end = np.append(block_start[1:], size).tolist()
        for block, first in enumerate(block_start.tolist()):
            series, width = block_end[block] - first, int(count[:, first].sum())
            if not width:
                continue
            at = int(bounds[first])
            out_t = t[at : at + series * width].reshape(series, width)
            out_value = value[at : at + series * width].reshape(series, width)
            column = 0
            for number in np.flatnonzero(used[:, block]).tolist():
                rows, left_out = int(count[number, first]), int(skip[number, first])
                row, width_in = int(start[number, first]) - left_out, rows + left_out
                taken = slice(row, row + series * width_in)
                for out, piece in zip((out_t, out_value), pieces[number], strict=True):
                    rows_in = piece[taken].reshape(series, width_in)
                    out[:, column : column + rows] = rows_in[:, left_out:]
                column += rows
        return t, value
    # the row of each series' rows in the pieces put one after another, series by series
    offsets = np.cumsum([0] + [len(piece_t) for piece_t, _ in pieces[:-1]])
    rows = _ranges((start + offsets[:, None]).T.ravel(), count.T.ravel())
    t = np.concatenate([piece_t for piece_t, _ in pieces])[rows]
    value = np.concatenate([piece_value for _, piece_value in pieces])[rows]
    return t, value


def _chart_points(
    connection: Any, source: str, series: _Series, params: dict[str, int], lo: int, hi: int
) -> tuple[Any, ...]:
    """The chart window's observations of series lo..hi-1, in store order: series numbers,
    times and values, None (not sorted), and the rows read before the window (series
    offsets, times, values). Runs in a worker thread: `connection` is its own cursor."""
    import numpy as np

    if lo == 0 and hi == len(series):
        models = ""
    else:
        models = (
            f"AND model_id >= {sql_string(series.model_id[lo])} "
            f"AND model_id <= {sql_string(series.model_id[hi - 1])}"
        )
    hashes = series.key_hash[lo:hi]
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    if len(sorted_hashes) > 1 and bool((sorted_hashes[1:] == sorted_hashes[:-1]).any()):
        import pyarrow as pa

        keys = pa.table(
            {
                "model_id": series.model_id[lo:hi],
                "metric": series.metric[lo:hi],
                "segment": series.segment[lo:hi],
                "series_no": pa.array(range(lo, hi), pa.int64()),
            }
        )
        connection.register("series_keys", keys)
        sql = CHART_BY_KEY_SQL.format(
            source=source, models=models.replace("model_id", "o.model_id"), **params
        )
        points = _arrays(connection, sql)
        series_no = np.asarray(points["series_no"], dtype=np.int64)
    else:
        sql = CHART_SQL.format(source=source, models=models, **params)
        points = _arrays(connection, sql)
        point_hash = np.asarray(points["key_hash"], dtype=np.uint64)
        # parts are sorted by series, so equal hashes come in runs: look up each run once
        new_run = np.ones(len(point_hash), dtype=bool)
        new_run[1:] = point_hash[1:] != point_hash[:-1]
        heads = np.flatnonzero(new_run)
        run_series = order[np.searchsorted(sorted_hashes, point_hash[heads])].astype(np.int64)
        series_no = np.repeat(run_series + lo, np.diff(np.append(heads, len(point_hash))))
        del point_hash, new_run, heads
    t, value = points["t"], points["value"]
    inside = t >= params["chart_start_us"]
    prior = (series_no[~inside] - lo, t[~inside], value[~inside])
    return series_no[inside], t[inside], value[inside], None, prior


def _chart(points: tuple[Any, ...], params: dict[str, int], lo: int, hi: int) -> _Chart:
    """The observations of `_chart_points` or `_ordered_points` (series numbers or None,
    times, values, bounds or None, rows before the window), sorted by (series, time), their
    daily values and each series' last value before the window."""
    import numpy as np

    series_no, t, value, sorted_bounds, before = points
    t = np.asarray(t, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    if sorted_bounds is not None:
        # in series order, each series' observations in time order: what the sort below
        # would give (it is stable), but for ties in one instant, which are settled alike
        bounds = sorted_bounds
    else:
        bounds = np.zeros(hi - lo + 1, dtype=np.int64)
        np.cumsum(np.bincount(series_no, minlength=hi)[lo:], out=bounds[1:])
        # one int64 sort key: series number above milliseconds since the read start (below
        # 2**34: 198 days)
        sort_key = (series_no << 34) | ((t - params["read_start_us"]) // 1000)
        del series_no
        sort = np.argsort(sort_key, kind="stable")
        del sort_key
        t, value = np.take(t, sort), np.take(value, sort)
        del sort
    t, value = _settle_ties(t, value, bounds)
    prior_t, prior_value = _last_before(before, hi - lo)
    offset = t // DAY_US - params["chart_start_us"] // DAY_US
    # the last observation of each day: where the day or the series changes
    last_of_day = np.ones(len(t), dtype=bool)
    if len(t):
        np.not_equal(offset[1:], offset[:-1], out=last_of_day[:-1])
        last_of_day[bounds[1:][bounds[1:] > bounds[:-1]] - 1] = True
    if last_of_day.all():  # one observation a day: the daily values are the observations
        daily = offset, value, bounds
    else:
        daily = _kept(last_of_day, offset, value, bounds)
    return _Chart(t, value, bounds, *daily, prior_t, prior_value, lo, hi)


def _last_before(before: tuple[Any, Any, Any], n: int) -> tuple[Any, Any]:
    """Per series offset 0..n-1, the time of its newest row of `before` (series offsets,
    times, values; NO_TIME: none) and the greatest value at that time (NaN: none)."""
    import numpy as np

    offset, t, value = before
    prior_t = np.full(n, NO_TIME, dtype=np.int64)
    prior_value = np.full(n, np.nan)
    if len(offset):
        np.maximum.at(prior_t, offset, t)
        last = t == prior_t[offset]
        np.fmax.at(prior_value, offset[last], value[last])
    return prior_t, prior_value


def _settle_ties(t: Any, value: Any, bounds: Any) -> tuple[Any, Any]:
    """Order the observations of a series that the millisecond sort key left in arrival
    order: those within one millisecond by time, and several at one instant (a version
    switch) by value, so that nothing depends on how rows are split into parts (in place,
    or in a copy of read-only arrays)."""
    import numpy as np

    if len(t) < 2:
        return t, value
    unsorted = t[1:] <= t[:-1]
    unsorted[bounds[1:-1][(bounds[1:-1] > 0) & (bounds[1:-1] < len(t))] - 1] = False
    if not unsorted.any():
        return t, value
    if not (t.flags.writeable and value.flags.writeable):
        t, value = t.copy(), value.copy()
    # the runs of one series and one millisecond that hold an unsorted pair
    millisecond = t // 1000
    run_start = np.ones(len(t), dtype=bool)
    run_start[1:] = millisecond[1:] != millisecond[:-1]
    run_start[bounds[:-1][bounds[:-1] < len(t)]] = True
    run = np.cumsum(run_start)
    rows = np.flatnonzero(np.isin(run, run[np.flatnonzero(unsorted)]))
    order = rows[np.lexsort((value[rows], t[rows], run[rows]))]
    t[rows], value[rows] = t[order], value[order]
    return t, value


def _kept(mask: Any, offset: Any, value: Any, bounds: Any) -> tuple[Any, Any, Any]:
    """The elements of `offset` and `value` where `mask` holds, with the runs' new bounds."""
    import numpy as np

    kept = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=kept[1:])
    return offset[mask], value[mask], kept[bounds]


def _ranges(starts: Any, lengths: Any) -> Any:
    """The indexes of the ranges `[starts[i], starts[i] + lengths[i])`, one after another."""
    import numpy as np

    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total) + np.repeat(starts - (ends - lengths), lengths)


def _windows(chart: _Chart, lo: int, hi: int, limits: Any, window: _Window) -> list[Any]:
    """The 7/30/90-day statistics of series lo..hi-1: one array per window and column of
    WINDOW_COLUMNS (NaN for a missing mean, min, max or slope).

    The windows are nested suffixes of each series' observations, so each series is cut
    by time into disjoint segments: before the longest window, from each window's start
    to the next shorter one's, and the shortest window. Each statistic is computed once
    per segment (`_segment_sums`, `_segment_breaches`) and a window is its segments
    combined, always from the shortest window's on, so that a result depends on the
    series' observations only. At 10,000 models: 0.41 s of the main thread instead of
    1.04 s masking, compacting and summing each window's own observations (medians of 5
    interleaved runs)."""
    import numpy as np

    checked, t_min, t_max, _, _ = limits
    longest_first = sorted(WINDOWS, reverse=True)
    # per series: where it starts, where each window starts (longest first), where it ends
    edges = np.empty((hi - lo, len(WINDOWS) + 2), dtype=np.int64)
    edges[:, 0], edges[:, -1] = chart.bounds[:-1], chart.bounds[1:]
    starts = [window.end_us - days * DAY_US for days in longest_first]
    edges[:, 1:-1] = _lower_bounds(chart.t, chart.bounds, starts)
    sums = _segment_sums(chart.t, chart.value, edges, window.end_us)
    # the windows' segments, the shortest window's first (the segment before the longest
    # window is left out); column w of what follows is the w-th shortest window
    count = np.cumsum(np.diff(edges, axis=1)[:, :0:-1], axis=1)
    total, sum_x, sum_xx, sum_xy = np.cumsum(sums[:4, :, :0:-1], axis=-1)
    low = np.minimum.accumulate(sums[4, :, :0:-1], axis=-1)
    high = np.maximum.accumulate(sums[5, :, :0:-1], axis=-1)
    # only series with a value outside their min/max in the longest window have breaches
    outside = (low[:, -1] < t_min[lo:hi]) | (high[:, -1] > t_max[lo:hi])
    breaches = _segment_breaches(
        chart.value, edges, checked[lo:hi] & outside, t_min[lo:hi], t_max[lo:hi]
    )
    breaches = np.cumsum(breaches[:, :0:-1], axis=1)
    mean, low, high, slope = _window_columns(count, total, sum_x, sum_xx, sum_xy, low, high)
    by_days = {
        days: [count[:, w], mean[:, w], low[:, w], high[:, w], slope[:, w], breaches[:, w]]
        for w, days in enumerate(sorted(WINDOWS))
    }
    return [column for days in WINDOWS for column in by_days[days]]


def _window_column(columns: list[Any], days: int, name: str) -> Any:
    """The column `name` (of WINDOW_COLUMNS) of the `days` window in `_windows`' result."""
    return columns[WINDOWS.index(days) * len(WINDOW_COLUMNS) + WINDOW_COLUMNS.index(name)]


def _lower_bounds(t: Any, bounds: Any, cuts: list[int]) -> Any:
    """For each run `[bounds[i], bounds[i + 1])` of `t` (each in ascending order), the
    index of its first element at or after each of `cuts`, as an array (runs, cuts).

    A guess from each run's first and last element, as if the run were evenly spaced
    (most series are observed at a steady pace), then a bisection for the wrong guesses:
    ~0.55 ms for a batch of 1M observations in 9,000 series, against ~1.6 ms bisecting
    every run and ~2.2 ms comparing every observation with each cut."""
    import numpy as np

    runs, per_run = len(bounds) - 1, len(cuts)
    start = np.repeat(bounds[:-1], per_run)
    size = np.repeat(np.diff(bounds), per_run)
    cut = np.tile(np.asarray(cuts, dtype=np.int64), runs)
    return _run_lower_bounds(t, start, size, cut).reshape(runs, per_run)


def _run_lower_bounds(t: Any, start: Any, size: Any, cut: Any) -> Any:
    """For each run `[start[i], start[i] + size[i])` of `t` (in ascending order), the index
    of its first element at or after `cut[i]` (`_lower_bounds`' guess and bisection)."""
    import numpy as np

    if len(t) == 0:
        return start.copy()
    # "clip": an empty run at the very end reads an element of another run; its guess is
    # 0 whatever it reads
    first = np.take(t, start, mode="clip")
    last = np.take(t, start + size - 1, mode="clip")
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.ceil((cut - first) / (last - first) * (size - 1))
    # NaN or ±inf for runs of one element or of one instant: any guess in the run will do
    guess = np.clip(np.nan_to_num(guess), 0, size).astype(np.int64)
    position = start + guess
    wrong = ((guess > 0) & (np.take(t, position - 1, mode="clip") >= cut)) | (
        (guess < size) & (np.take(t, position, mode="clip") < cut)
    )
    if wrong.any():
        position[wrong] = _bisected(t, start[wrong], size[wrong], cut[wrong])
    return position


def _bisected(t: Any, base: Any, size: Any, cut: Any) -> Any:
    """The index of the first element at or after `cut` in each run `[base, base + size)`
    of `t`: a bisection of all runs at once."""
    import numpy as np

    base = base.copy()
    # the answer lies in [base, base + size] and every element before base is below the cut
    while True:
        half = size >> 1
        if not half.any():
            break
        np.add(base, half, out=base, where=np.take(t, base + half, mode="clip") < cut)
        size = size - half
    return base + ((size > 0) & (np.take(t, base, mode="clip") < cut))


WINDOW_CHUNK_POINTS = 65_536
"""Observations whose segment sums are computed at once (whole series, about this many):
their times as float64, products and values (512 KB each) stay in the CPU's cache
between the passes; over whole 1M batches, each pass went to memory and fresh pages
(~9-10 ms a batch instead of ~14-18 ms, on batches of the 10,000-model benchmark)."""


def _segment_sums(t: Any, value: Any, edges: Any, end_us: int) -> Any:
    """Per segment `[edges[i, j], edges[i, j + 1])` of the observations: the sum of the
    values, of x, x², x · value (x: microseconds from `end_us`, as float64), and the
    values' min and max, as an array (6, series, segments). An empty segment gives 0,
    +inf and -inf: nothing, when combined.

    `reduceat` sums a segment as its first element plus numpy's pairwise sum of the
    rest, so a sum depends on the segment's values and order only, not on the array (or
    the chunk of series) that holds it. x is exact: t and `end_us` are integers below
    2**53.
    """
    import numpy as np

    series, segments = edges.shape[0], edges.shape[1] - 1
    starts = edges[:, :-1].ravel()
    sums = np.empty((6, series * segments))
    # chunks of whole series, each from the first series starting at or after a multiple
    # of WINDOW_CHUNK_POINTS
    firsts = np.unique(np.searchsorted(edges[:, 0], np.arange(0, len(t), WINDOW_CHUNK_POINTS)))
    for a, b in pairwise([*firsts[firsts < series].tolist(), series]):
        first, end = int(edges[a, 0]), int(edges[b - 1, -1])
        at = starts[a * segments : b * segments] - first
        # empty segments at the chunk's end are left out: reduceat takes no index == length
        at = at[: np.searchsorted(at, end - first)]
        if not len(at):
            continue
        done = slice(a * segments, a * segments + len(at))
        chunk_value = value[first:end]
        np.add.reduceat(chunk_value, at, out=sums[0, done])
        x = t[first:end].astype(np.float64)
        x -= end_us
        np.add.reduceat(x, at, out=sums[1, done])
        np.add.reduceat(x * chunk_value, at, out=sums[3, done])
        x *= x
        np.add.reduceat(x, at, out=sums[2, done])
        np.minimum.reduceat(chunk_value, at, out=sums[4, done])
        np.maximum.reduceat(chunk_value, at, out=sums[5, done])
    # reduceat gives an empty segment's first element (and leaves out those at the end)
    empty = np.diff(edges, axis=1).ravel() == 0
    identity = np.array([0.0, 0.0, 0.0, 0.0, np.inf, -np.inf])
    np.copyto(sums, identity[:, None], where=empty)
    return sums.reshape(6, series, segments)


def _segment_breaches(value: Any, edges: Any, checked: Any, t_min: Any, t_max: Any) -> Any:
    """Per segment (as in `_segment_sums`), how many values breach the series' threshold
    (t_min, t_max), for `checked` series and from the longest window's start (0 before
    it): a running count over those observations only."""
    import numpy as np

    breaches = np.zeros((len(edges), edges.shape[1] - 1), dtype=np.int64)
    counted = np.flatnonzero(checked & (edges[:, -1] > edges[:, 1]))
    if not len(counted):
        return breaches
    start = edges[counted, 1]
    count = edges[counted, -1] - start
    picked = value[_ranges(start, count)]
    breached = np.zeros(len(picked) + 1, dtype=np.int64)
    np.cumsum(
        (picked < np.repeat(t_min[counted], count)) | (picked > np.repeat(t_max[counted], count)),
        out=breached[1:],
    )
    del picked
    # the running count at each segment's edge
    at = edges[counted, 1:] - (start - (np.cumsum(count) - count))[:, None]
    breaches[counted, 1:] = np.diff(breached[at], axis=1)
    return breaches


def _window_columns(
    count: Any, total: Any, sum_x: Any, sum_xx: Any, sum_xy: Any, low: Any, high: Any
) -> tuple[Any, Any, Any, Any]:
    """mean, min, max and least-squares slope per day of windows from their sums (x in
    microseconds): NaN for an empty window, slope NaN with fewer than 2 observations.

    x in exact microseconds rather than rounded days: the benchmark's worst slope (a
    nearly flat series) came within 3e-13 of exact arithmetic instead of 6e-11."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
        slope = (count * sum_xy - sum_x * total) / (count * sum_xx - sum_x * sum_x) * DAY_US
    slope[(count < 2) | ~np.isfinite(slope)] = np.nan
    empty = count == 0
    return mean, np.where(empty, np.nan, low), np.where(empty, np.nan, high), slope


def _breach_since(
    connection: Any,
    source: str,
    series: _Series,
    chart: _Chart,
    params: dict[str, int],
    lo: int,
    hi: int,
) -> dict[int, int]:
    """When each currently breaching series (of lo..hi-1) began its run of breaches, by
    series number.

    The first observation after the last one that did not breach: found in the
    chart window's sorted observations, or, for a series breaching throughout the
    window, in its whole history (a targeted scan of a few series).
    """
    import numpy as np

    result: dict[int, int] = {}
    long_runs: dict[int, MetricThreshold] = {}
    for series_no in range(lo, hi):
        threshold = series.thresholds[series_no]
        if threshold is None:
            continue
        latest = float(series.latest_value[series_no])
        if classify(latest, threshold) != HealthStatus.breach:
            continue
        first_t = int(series.first_t[series_no])
        start, end = int(chart.bounds[series_no - lo]), int(chart.bounds[series_no - lo + 1])
        since = _run_start(chart.t[start:end], chart.value[start:end], threshold)
        if since is None and start < end:
            # every value in the window breaches: since its first one when the last value
            # read before it did not, or when it has no older one; else from its history
            prior = float(chart.prior_value[series_no - lo])
            if prior == prior and classify(prior, threshold) != HealthStatus.breach:
                since = int(chart.t[start])
            elif first_t == int(chart.t[start]):
                since = first_t
        if since is None:
            long_runs[series_no] = threshold
        else:
            result[series_no] = since
    if long_runs:
        numbers = sorted(long_runs)
        keys = ", ".join(
            f"({sql_string(series.model_id[i])}, {sql_string(series.metric[i])}, "
            f"{sql_string(series.segment[i])}, {i})"
            for i in numbers
        )
        connection.execute(
            "CREATE OR REPLACE TEMP VIEW long_breaches AS SELECT * FROM "
            f"(VALUES {keys}) AS k(model_id, metric, segment, series_no)"
        )
        model_list = ", ".join(sql_string(m) for m in sorted({series.model_id[i] for i in numbers}))
        history = connection.execute(
            HISTORY_SQL.format(source=source, model_list=model_list, **params)
        ).fetchnumpy()
        numbers_found = np.asarray(history["series_no"], dtype=np.int64)
        order = np.lexsort((history["value"], history["t"], numbers_found))  # as _settle_ties
        t, value, numbers_found = history["t"][order], history["value"][order], numbers_found[order]
        for number in numbers:
            start, end = np.searchsorted(numbers_found, [number, number + 1])
            since = _run_start(t[start:end], value[start:end], long_runs[number])
            result[number] = since if since is not None else int(series.first_t[number])
    return result


def _run_start(t: Any, value: Any, threshold: MetricThreshold) -> int | None:
    """Time of the first observation after the last non-breaching one (None: all breach)."""
    import numpy as np

    low = -np.inf if threshold.min is None else threshold.min
    high = np.inf if threshold.max is None else threshold.max
    fine = np.flatnonzero((value >= low) & (value <= high))
    if len(fine) == 0:
        return None
    last_fine = int(fine[-1])
    return int(t[last_fine + 1]) if last_fine + 1 < len(t) else None


def _series(
    chart: _Chart, window: _Window, runs: list[tuple[str, int, int]], keys: list[tuple[str, str]]
) -> Iterator[tuple[str, ModelSeries]]:
    """The daily values of the chart's series, one `ModelSeries` per model of `runs` (model
    id, first series, end) up to the chart's end (no empty series); `keys` by series."""
    import numpy as np

    lo, hi = chart.lo, chart.hi
    bounds = chart.daily_bounds
    present = bounds[1:] > bounds[:-1]
    day_index = chart.daily_offset.astype(np.uint16)
    start = EPOCH_DATE + dt.timedelta(days=window.chart_start_day)
    for model_id, first, end in runs:
        if first >= hi:
            break
        shown = present[first - lo : end - lo]
        if shown.all():
            model_keys = tuple(keys[first:end])
            offsets = bounds[first - lo : end - lo + 1]
        else:
            numbers = (np.flatnonzero(shown) + first).tolist()
            if not numbers:
                continue
            model_keys = tuple(keys[n] for n in numbers)
            offsets = bounds[np.append(np.asarray(numbers) - lo, numbers[-1] + 1 - lo)]
        low, high = int(offsets[0]), int(offsets[-1])
        yield (
            model_id,
            ModelSeries(
                model_id=model_id,
                start=start,
                days=CHART_DAYS,
                keys=model_keys,
                offsets=array("q", (offsets - low).tobytes()),
                day_index=array("H", day_index[low:high].tobytes()),
                values=array("d", chart.daily_value[low:high].tobytes()),
            ),
        )


class _Portfolio:
    """Status of every model on each of the last 90 days (the rules of the module docstring).

    Each checked series' daily last value holds until its next one, and its last value
    before the chart window (from the rows read before it, else from STATS_SQL's
    `prior_*`) until its first one in the window; a models × days count per level
    (breach, warning) marks the days a model has a series at that level; a models ×
    chart-days matrix the days it has any data, and `newest_before` each model's last
    day with data before the window. Chart batches are added one by one; `finish`
    applies the rules.
    """

    def __init__(
        self,
        models: dict[str, list[Any]],
        series: _Series,
        runs: list[tuple[str, int, int]],
        limits: Any,
        window: _Window,
    ) -> None:
        """`runs`: `series.model_runs()`."""
        import numpy as np

        self.window = window
        self.model_ids = models["model_id"]
        self.position = position = {model_id: i for i, model_id in enumerate(self.model_ids)}
        self.freshness = np.asarray(models["freshness_days"], np.int64)
        self.declared = np.asarray(models["declared"], dtype=bool)
        n_models = len(self.model_ids)
        self.first_day = np.full(n_models, np.iinfo(np.int64).max)
        self.series_model = np.repeat(  # by model, not by series
            np.asarray([position.get(model_id, -1) for model_id, _, _ in runs], np.int64),
            [end - first for _, first, end in runs],
        )
        known = self.series_model >= 0
        np.minimum.at(self.first_day, self.series_model[known], series.first_t[known] // DAY_US)
        self.newest_before = np.full(n_models, NO_DAY, np.int64)
        prior = known & (series.prior_t != NO_TIME)
        np.maximum.at(self.newest_before, self.series_model[prior], series.prior_t[prior] // DAY_US)
        self.has_prior = prior
        self.prior_value = series.prior_value
        self.limits = limits
        self.width = PORTFOLIO_DAYS + 1
        self.diff = {bar: np.zeros(n_models * self.width, np.int64) for bar in (4, 2)}
        self.has_data = np.zeros((n_models, CHART_DAYS), dtype=bool)

    def add(self, chart: _Chart, low: Any, high: Any) -> None:
        """Count one batch of daily values (`low`, `high`: each series' least and greatest
        observation in the chart window, NaN for none; the 90-day window's min and max)."""
        import numpy as np

        lo, hi = chart.lo, chart.hi
        if lo == hi:
            return
        checked, t_min, t_max, warn_below, warn_above = self.limits
        model = self.series_model[lo:hi]
        known = model >= 0  # else data of a deleted card
        count = np.diff(chart.daily_bounds)
        self._count_data_days(model, known, count, chart)
        # the last observation read before the window: its day is its model's newest before
        read_before = chart.prior_t != NO_TIME
        marked = np.flatnonzero(known & read_before)
        np.maximum.at(self.newest_before, model[marked], chart.prior_t[marked] // DAY_US)
        # a checked value holds from its day until the next value of its series (the as-of
        # day's end for the last one). Only the series with a value outside their ok band,
        # where no warning or breach bound is passed, count (most have none: the window's
        # min and max tell; a daily value is one of the window's observations)
        ok_low = np.maximum(t_min[lo:hi], warn_below[lo:hi])
        ok_high = np.minimum(t_max[lo:hi], warn_above[lo:hi])
        leaves_ok_band = (low < ok_low) | (high > ok_high)
        counted = np.flatnonzero(checked[lo:hi] & known & (count > 0) & leaves_ok_band)
        count, series = count[counted], counted + lo
        chosen = _ranges(chart.daily_bounds[counted], count)
        end = np.cumsum(count)
        day = chart.daily_offset[chosen]
        v = chart.daily_value[chosen]
        next_day = np.empty_like(day)
        next_day[:-1] = day[1:]
        next_day[end - 1] = CHART_DAYS
        series = np.repeat(series, count)
        # each checked series' last value before the window (read, else STATS_SQL's prior_*
        # from before the read start) holds until its first daily value (or to the end),
        # when it is not ok
        prior = np.flatnonzero(checked[lo:hi] & known & (read_before | self.has_prior[lo:hi]))
        prior_value = np.where(read_before, chart.prior_value, self.prior_value[lo:hi])[prior]
        numbers = prior + lo
        flagged = (
            _value_codes(
                prior_value,
                t_min[numbers],
                t_max[numbers],
                warn_below[numbers],
                warn_above[numbers],
            )
            > 0
        )
        prior, prior_value = prior[flagged], prior_value[flagged]
        if len(prior):
            first_read = np.full(len(prior), CHART_DAYS, np.int64)
            read = np.diff(chart.daily_bounds)[prior] > 0
            first_read[read] = chart.daily_offset[chart.daily_bounds[prior[read]]]
            day = np.concatenate([day, np.full(len(prior), -1, np.int64)])
            next_day = np.concatenate([next_day, first_read])
            v = np.concatenate([v, prior_value])
            series = np.concatenate([series, prior + lo])
        if not len(series):
            return
        start = PORTFOLIO_DAYS - CHART_DAYS
        covers_from = np.minimum(np.maximum(day + start, 0), PORTFOLIO_DAYS)
        covers_to = np.minimum(np.maximum(next_day + start, 0), PORTFOLIO_DAYS)
        severity = _value_codes(
            v, t_min[series], t_max[series], warn_below[series], warn_above[series]
        )
        model = self.series_model[series]
        # a batch holds whole models: count into the rows of its models only
        first = int(model.min()) * self.width
        size = (int(model.max()) + 1) * self.width - first
        for bar, diff in self.diff.items():
            at_level = severity >= bar
            row = model[at_level] * self.width - first
            rows = diff[first : first + size]
            rows += np.bincount(row + covers_from[at_level], minlength=size)
            rows -= np.bincount(row + covers_to[at_level], minlength=size)

    def _count_data_days(self, model: Any, known: Any, count: Any, chart: _Chart) -> None:
        """Mark the chart days with data of the batch's models (`has_data`). A series with a
        value on every chart day marks its model's whole row, and the model's other series
        are then left out."""
        import numpy as np

        full = np.unique(model[known & (count == CHART_DAYS)])
        self.has_data[full] = True
        partial = np.flatnonzero(known & (count > 0) & ~np.isin(model, full))
        if not len(partial):
            return
        count = count[partial]
        values = _ranges(chart.daily_bounds[partial], count)
        cells = np.repeat(model[partial] * CHART_DAYS, count) + chart.daily_offset[values]
        self.has_data.reshape(-1)[cells] = True

    def as_of_codes(self, rows: list[int]) -> list[int]:
        """The status codes on the as-of day of the models at `rows`, once every batch
        holding their series was added: `finish`'s last column, for these models only."""
        import numpy as np

        rows_ = np.asarray(rows, dtype=np.int64)
        window, days = self.window, PORTFOLIO_DAYS
        level = {
            bar: diff.reshape(-1, self.width)[rows_, :days].sum(axis=1) > 0
            for bar, diff in self.diff.items()
        }
        chart_days = np.arange(window.chart_start_day, window.end_day)
        newest_day = np.where(
            self.has_data[rows_], chart_days, self.newest_before[rows_, None]
        ).max(axis=1)
        last_day = window.end_day - 1
        stale = (last_day - newest_day) > self.freshness[rows_]
        no_data = self.first_day[rows_] > last_day
        return _model_codes(~self.declared[rows_] | no_data, level[4], stale, level[2]).tolist()

    def finish(self, summary: MonitoringSummary) -> dict[str, HealthStatus]:
        """Fill `summary.portfolio`; return each model's status on the as-of day."""
        import numpy as np

        n_models, days, window = len(self.model_ids), PORTFOLIO_DAYS, self.window
        level = {
            bar: np.cumsum(diff.reshape(n_models, self.width), axis=1)[:, :days] > 0
            for bar, diff in self.diff.items()
        }
        chart_days = np.arange(window.chart_start_day, window.end_day)
        newest_day = np.maximum.accumulate(
            np.where(self.has_data, chart_days, self.newest_before[:, None]), axis=1
        )[:, CHART_DAYS - days :]
        day_numbers = np.arange(window.portfolio_start_day, window.end_day)
        stale = (day_numbers[None, :] - newest_day) > self.freshness[:, None]
        no_data = self.first_day[:, None] > day_numbers[None, :]
        codes = _model_codes(~self.declared[:, None] | no_data, level[4], stale, level[2])
        for d in range(days):
            counts = np.bincount(codes[:, d], minlength=5)
            summary.portfolio.append(
                (
                    EPOCH_DATE + dt.timedelta(days=int(day_numbers[d])),
                    {STATUS_BY_CODE[code]: int(counts[code]) for code in (0, 2, 4, 3, 1)},
                )
            )
        return {m: STATUS_BY_CODE[int(codes[i, -1])] for i, m in enumerate(self.model_ids)}


def _format_value(value: float) -> str:
    return f"{value:.4g}"


def _metric_reason(health: MetricHealth) -> str:
    threshold, value = health.threshold, health.latest_value
    if threshold is None or value is None:
        return ""
    name = health.metric + (f" [{health.segment}]" if health.segment else "")
    shown = _format_value(value)
    if threshold.min is not None and value < threshold.min:
        text = f"{name} {shown} below min {_format_value(threshold.min)}"
    elif threshold.max is not None and value > threshold.max:
        text = f"{name} {shown} above max {_format_value(threshold.max)}"
    elif threshold.warn_below is not None and value < threshold.warn_below:
        text = f"{name} {shown} below warn_below {_format_value(threshold.warn_below)}"
    elif threshold.warn_above is not None and value > threshold.warn_above:
        text = f"{name} {shown} above warn_above {_format_value(threshold.warn_above)}"
    else:
        return ""
    if health.breach_since is not None:
        text += f" since {health.breach_since.date().isoformat()}"
    return text


def _model_health(
    card: ModelCard,
    as_of: dt.date,
    status: HealthStatus,
    run: tuple[_MetricBatch, int, int, int] | None,
    last_data: dt.datetime | None,
    checked: int,
) -> ModelHealth:
    """`run`: where the model's series are (its batch, their display positions start and
    stop in it, its first series number); None for a model without data. `last_data`:
    its newest observation; `checked`: how many of its series are checked."""
    declared = card.monitoring.metrics if card.monitoring else {}
    metrics: Sequence[MetricHealth]
    worst: tuple[MetricHealth | None, int] = (None, 0)
    if run is None:
        missing = sorted(declared)
        metrics = tuple(_unmonitored(declared, missing))
    else:
        batch, start, stop, first = run
        series = batch.series
        # a declared metric is reported when the model has its series (metric, ''): the
        # first of that metric's series, in key order ('' sorts first)
        missing = []
        for metric in sorted(declared):
            i = bisect_left(series.metric, metric, first, first + stop - start)
            if i == first + stop - start or series.key(i)[1:] != (metric, ""):
                missing.append(metric)
        metrics = _ModelMetrics(batch, start, stop, _unmonitored(declared, missing))
        if status in (HealthStatus.breach, HealthStatus.warning):
            # the first such series in display order is the reason's; its object only
            position, count = batch.at_status(start, stop, status)
            if position >= 0:
                worst = batch.reason_fields(position), count
    return ModelHealth(
        model_id=card.id,
        status=status,
        as_of=as_of,
        last_data=last_data,
        metrics=metrics,
        reason=_reason(card, status, worst, last_data, as_of, missing, checked),
        stage=card.stage,
        freshness_days=card.monitoring.freshness_days if card.monitoring else None,
    )


def _unmonitored(declared: dict[str, MetricThreshold], missing: list[str]) -> list[MetricHealth]:
    """Entries for declared metrics without data."""
    return [
        MetricHealth(metric, "", None, None, HealthStatus.unmonitored, threshold=declared[metric])
        for metric in missing
    ]


def _reason(
    card: ModelCard,
    status: HealthStatus,
    worst: tuple[MetricHealth | None, int],
    last_data: dt.datetime | None,
    as_of: dt.date,
    missing: list[str],
    checked: int,
) -> str:
    """`worst`: for a model in breach or warning, its first series (in display order) at
    that status and how many are; `checked`: how many series with data are checked."""
    missing_note = f"; no data for declared {', '.join(missing)}" if missing and last_data else ""
    if status == HealthStatus.unmonitored:
        if card.monitoring is None or not card.monitoring.metrics:
            if last_data is not None:
                return (
                    f"no thresholds declared in the card (data up to {last_data.date()}); add "
                    "monitoring.metrics"
                )
            return "no monitoring declared in the card"
        return "monitoring declared, but the store holds no data for it — ingest an export"
    if status == HealthStatus.stale and last_data is not None:
        days = (as_of - last_data.date()).days
        return (
            f"no data for {days} days (last {last_data.date()}, freshness "
            f"{card.monitoring.freshness_days if card.monitoring else '?'} days){missing_note}"
        )
    first, count = worst
    # a checked series at breach or warning is outside its bounds: it has a reason
    reason = _metric_reason(first) if first is not None else ""
    if reason:
        more = f" (+{count - 1} more)" if count > 1 else ""
        return reason + more + missing_note
    return f"{checked} checked series within thresholds{missing_note}"
