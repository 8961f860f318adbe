"""Aggregate: DuckDB over the parquet store → `generator.health` objects.

All of govcat's monitoring SQL lives here. The store is never loaded into
pandas: DuckDB streams the parquet files and only small results come back
(one row per model × metric × segment, one row per model × day, and the chart
points as numeric arrays).

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

The same SQL computes the status of every model for each of the last 90 days
(the portfolio); the as-of day's row is the model's status.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.catalog import Catalog
from generator.health import (
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
    remote_source,
    resolve_store,
)
from generator.schema import MetricThreshold, ModelCard

DAY_US = 86_400_000_000
WINDOWS = (7, 30, 90)
PORTFOLIO_DAYS = 90
CHART_DAYS = 180
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = EPOCH.date()
STATUS_BY_CODE = {
    0: HealthStatus.ok,
    1: HealthStatus.unmonitored,
    2: HealthStatus.warning,
    3: HealthStatus.stale,
    4: HealthStatus.breach,
}


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


def source_for(catalog: Catalog) -> tuple[StoreLocation, str | None]:
    """The store of `catalog` and the DuckDB table expression over it (None when empty)."""
    location = resolve_store(catalog.root, catalog.settings.monitoring_store)
    if location.is_remote:
        return location, remote_source(location.url or "")
    return location, Store(location.path).source_sql()  # type: ignore[arg-type]


def checked_segments(card: ModelCard) -> list[str]:
    """'' (the whole population) and the card's declared segments."""
    if card.monitoring is None:
        return []
    return ["", *card.monitoring.segments]


def _inputs(catalog: Catalog) -> tuple[Any, Any]:
    """The models and thresholds tables, as small Arrow tables for DuckDB."""
    import pyarrow as pa

    models: dict[str, list[Any]] = {"model_id": [], "freshness_days": [], "declared": []}
    thresholds: dict[str, list[Any]] = {
        key: []
        for key in ("model_id", "metric", "segment", "t_min", "t_max", "warn_below", "warn_above")
    }
    for model_id, card in sorted(catalog.models.items()):
        monitoring = card.monitoring
        models["model_id"].append(model_id)
        models["freshness_days"].append(monitoring.freshness_days if monitoring else 2)
        models["declared"].append(bool(monitoring and monitoring.metrics))
        if monitoring is None:
            continue
        for metric, threshold in sorted(monitoring.metrics.items()):
            for segment in checked_segments(card):
                thresholds["model_id"].append(model_id)
                thresholds["metric"].append(metric)
                thresholds["segment"].append(segment)
                thresholds["t_min"].append(threshold.min)
                thresholds["t_max"].append(threshold.max)
                thresholds["warn_below"].append(threshold.warn_below)
                thresholds["warn_above"].append(threshold.warn_above)
    models_table = pa.table(
        models,
        schema=pa.schema(
            [("model_id", pa.string()), ("freshness_days", pa.int32()), ("declared", pa.bool_())]
        ),
    )
    threshold_schema = pa.schema(
        [("model_id", pa.string()), ("metric", pa.string()), ("segment", pa.string())]
        + [(name, pa.float64()) for name in ("t_min", "t_max", "warn_below", "warn_above")]
    )
    return models_table, pa.table(thresholds, schema=threshold_schema)


# --- the SQL -----------------------------------------------------------------

OBSERVATIONS_SQL = """
CREATE TEMP VIEW observations AS
SELECT model_id, model_version, epoch_us(ts) AS t, metric, segment, value
FROM {source}
WHERE ts < make_timestamptz({end_us}::BIGINT)
"""

BREACH = "(coalesce(o.value < th.t_min, false) OR coalesce(o.value > th.t_max, false))"


def _window_columns() -> str:
    parts = []
    for days in WINDOWS:
        since = f"o.t >= {{end_us}} - {days} * {DAY_US}"
        x = f"(o.t - {{end_us}}) / {DAY_US}.0"
        parts.append(
            f"""
  count(*) FILTER (WHERE {since}) AS n_{days},
  avg(o.value) FILTER (WHERE {since}) AS mean_{days},
  min(o.value) FILTER (WHERE {since}) AS min_{days},
  max(o.value) FILTER (WHERE {since}) AS max_{days},
  regr_slope(o.value, {x}) FILTER (WHERE {since}) AS slope_{days},
  count(*) FILTER (WHERE {since} AND {BREACH}) AS breaches_{days}"""
        )
    return ",".join(parts)


SERIES_SQL = (
    """
CREATE TEMP TABLE series_stats AS
SELECT o.model_id, o.metric, o.segment,
  th.model_id IS NOT NULL AS checked,
  count(*) AS n, min(o.t) AS first_t, max(o.t) AS last_t,
  arg_max(o.value, o.t) AS latest_value,
  arg_max(o.model_version, o.t) AS latest_version,
  max(o.t) FILTER (WHERE NOT """
    + BREACH
    + """) AS last_ok_t,
"""
    + _window_columns()
    + """
FROM observations AS o
LEFT JOIN thresholds AS th USING (model_id, metric, segment)
GROUP BY o.model_id, o.metric, o.segment, th.model_id
"""
)

BREACH_SINCE_SQL = """
SELECT o.model_id, o.metric, o.segment, min(o.t) AS since
FROM observations AS o
JOIN breaching AS b USING (model_id, metric, segment)
WHERE o.model_id IN ({model_list}) AND o.t > coalesce(b.last_ok_t, -1)
GROUP BY ALL
"""

CHART_SQL = """
CREATE TEMP TABLE chart_keys AS
SELECT model_id, metric, segment,
  (row_number() OVER (ORDER BY model_id, metric, segment) - 1)::INTEGER AS series_no
FROM series_stats WHERE last_t >= {chart_start_day} * {day_us};

CREATE TEMP TABLE daily AS
SELECT k.series_no, (o.t // {day_us})::INTEGER AS day,
  arg_max(o.value, o.t) AS value, max(o.t) AS last_t
FROM observations AS o JOIN chart_keys AS k USING (model_id, metric, segment)
WHERE o.t >= {chart_start_day} * {day_us}
GROUP BY ALL;
"""

CHART_POINTS_SQL = """
SELECT series_no, (day - {chart_start_day})::USMALLINT AS day_index, value
FROM daily ORDER BY series_no, day
"""

# Per model and day of the portfolio window: the worst checked series (4 breach,
# 2 warning, 0 ok) from each series' last daily value on or before that day, and
# the model's newest observation day; then the status rules of the module docstring.
PORTFOLIO_SQL = """
WITH days AS (
  SELECT range::INTEGER AS d FROM range({portfolio_start_day}, {end_day})
),
checked_daily AS (
  SELECT k.model_id, k.metric, k.segment, daily.day, daily.value,
         th.t_min, th.t_max, th.warn_below, th.warn_above
  FROM daily
  JOIN chart_keys AS k USING (series_no)
  JOIN thresholds AS th USING (model_id, metric, segment)
),
grid AS (
  SELECT th.model_id, th.metric, th.segment, days.d FROM thresholds AS th CROSS JOIN days
),
series_day AS (
  SELECT g.model_id, g.d,
    CASE
      WHEN c.value IS NULL THEN 0
      WHEN c.value < c.t_min OR c.value > c.t_max THEN 4
      WHEN c.value < c.warn_below OR c.value > c.warn_above THEN 2
      ELSE 0 END AS severity
  FROM grid AS g ASOF LEFT JOIN checked_daily AS c
    ON g.model_id = c.model_id AND g.metric = c.metric AND g.segment = c.segment AND g.d >= c.day
),
model_severity AS (
  SELECT model_id, d, max(severity) AS severity FROM series_day GROUP BY ALL
),
model_daily AS (
  SELECT k.model_id, daily.day, max(daily.last_t) AS last_t
  FROM daily JOIN chart_keys AS k USING (series_no) GROUP BY ALL
),
model_first AS (
  SELECT model_id, min(first_t) AS first_t, max(last_t) AS last_t
  FROM series_stats GROUP BY ALL
),
model_grid AS (
  SELECT m.model_id, m.freshness_days, m.declared, days.d FROM models AS m CROSS JOIN days
),
model_last AS (
  SELECT g.*, md.last_t AS last_recent_t
  FROM model_grid AS g ASOF LEFT JOIN model_daily AS md
    ON g.model_id = md.model_id AND g.d >= md.day
)
SELECT l.model_id, l.d,
  CASE
    WHEN NOT l.declared THEN 1
    WHEN f.first_t IS NULL OR f.first_t // {day_us} > l.d THEN 1
    WHEN coalesce(s.severity, 0) = 4 THEN 4
    WHEN l.last_recent_t IS NULL OR l.d - l.last_recent_t // {day_us} > l.freshness_days THEN 3
    WHEN coalesce(s.severity, 0) = 2 THEN 2
    ELSE 0 END AS status
FROM model_last AS l
LEFT JOIN model_severity AS s ON s.model_id = l.model_id AND s.d = l.d
LEFT JOIN model_first AS f ON f.model_id = l.model_id
ORDER BY l.d, l.model_id
"""


# --- Python side: run the SQL, build the hand-off objects --------------------


def summarize(catalog: Catalog, *, as_of: dt.date | None = None) -> MonitoringSummary:
    """Health of every model of `catalog` as of the end of `as_of` (default: today, UTC)."""
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    window = _Window(as_of)
    location, source = source_for(catalog)
    summary = MonitoringSummary(as_of=as_of, store=str(location))
    connection = duckdb_connect(location)
    models_table, thresholds_table = _inputs(catalog)
    connection.register("models", models_table)
    connection.register("thresholds", thresholds_table)
    params = {
        "end_us": window.end_us,
        "end_day": window.end_day,
        "day_us": DAY_US,
        "chart_start_day": window.chart_start_day,
        "portfolio_start_day": window.portfolio_start_day,
    }
    if source is None:
        source = (
            "(SELECT NULL::VARCHAR AS model_id, NULL::VARCHAR AS model_version, "
            "NULL::TIMESTAMPTZ AS ts, NULL::VARCHAR AS metric, NULL::VARCHAR AS segment, "
            "NULL::DOUBLE AS value WHERE false)"
        )
    connection.execute(OBSERVATIONS_SQL.format(source=source, **params))
    connection.execute(SERIES_SQL.format(**params))
    connection.execute(CHART_SQL.format(**params))
    stats = connection.execute(
        "SELECT * FROM series_stats ORDER BY model_id, NOT checked, metric, segment"
    ).fetchall()
    columns = [d[0] for d in connection.description]
    breach_since = _breach_since(connection, catalog, stats, columns, params)
    summary.series = _series(connection, window, params)
    statuses = _portfolio(connection, params, summary)
    summary.rows = sum(row[columns.index("n")] for row in stats)
    by_model: dict[str, list[tuple[Any, ...]]] = {}
    for row in stats:
        by_model.setdefault(row[0], []).append(row)
    for model_id, card in sorted(catalog.models.items()):
        summary.models[model_id] = _model_health(
            card,
            as_of,
            statuses.get(model_id, HealthStatus.unmonitored),
            by_model.get(model_id, []),
            columns,
            breach_since,
        )
    connection.close()
    return summary


def _threshold(card: ModelCard, metric: str, segment: str) -> MetricThreshold | None:
    monitoring = card.monitoring
    if monitoring is None or segment not in checked_segments(card):
        return None
    return monitoring.metrics.get(metric)


def _breach_since(
    connection: Any,
    catalog: Catalog,
    stats: list[tuple[Any, ...]],
    columns: list[str],
    params: dict[str, int],
) -> dict[tuple[str, str, str], int]:
    """When each currently breaching series' run of breaches began (targeted second scan)."""
    import pyarrow as pa

    index = {name: i for i, name in enumerate(columns)}
    breaching: dict[str, list[Any]] = {"model_id": [], "metric": [], "segment": [], "last_ok_t": []}
    for row in stats:
        model_id, metric, segment = row[0], row[1], row[2]
        threshold = _threshold(catalog.models[model_id], metric, segment)
        if (
            threshold is None
            or classify(row[index["latest_value"]], threshold) != HealthStatus.breach
        ):
            continue
        breaching["model_id"].append(model_id)
        breaching["metric"].append(metric)
        breaching["segment"].append(segment)
        breaching["last_ok_t"].append(row[index["last_ok_t"]])
    if not breaching["model_id"]:
        return {}
    connection.register(
        "breaching",
        pa.table(
            breaching,
            schema=pa.schema(
                [
                    ("model_id", pa.string()),
                    ("metric", pa.string()),
                    ("segment", pa.string()),
                    ("last_ok_t", pa.int64()),
                ]
            ),
        ),
    )
    model_list = ", ".join(
        "'" + m.replace("'", "''") + "'" for m in sorted(set(breaching["model_id"]))
    )
    rows = connection.execute(BREACH_SINCE_SQL.format(model_list=model_list, **params)).fetchall()
    return {(m, metric, segment): since for m, metric, segment, since in rows}


def _series(connection: Any, window: _Window, params: dict[str, int]) -> dict[str, ModelSeries]:
    """Chart points as flat numeric arrays, cut into one `ModelSeries` per model."""
    import numpy as np

    keys = connection.execute(
        "SELECT model_id, metric, segment FROM chart_keys ORDER BY series_no"
    ).fetchall()
    points = connection.execute(CHART_POINTS_SQL.format(**params)).fetchnumpy()
    series_no = np.asarray(points["series_no"], dtype=np.int64)
    day_index = np.asarray(points["day_index"], dtype=np.uint16)
    values = np.asarray(points["value"], dtype=np.float64)
    bounds = np.searchsorted(series_no, np.arange(len(keys) + 1), side="left")
    start = EPOCH_DATE + dt.timedelta(days=window.chart_start_day)
    result: dict[str, ModelSeries] = {}
    i = 0
    while i < len(keys):
        model_id = keys[i][0]
        j = i
        while j < len(keys) and keys[j][0] == model_id:
            j += 1
        lo, hi = int(bounds[i]), int(bounds[j])
        offsets = array("q", (int(b) - lo for b in bounds[i : j + 1]))
        result[model_id] = ModelSeries(
            model_id=model_id,
            start=start,
            days=CHART_DAYS,
            keys=tuple((metric, segment) for _, metric, segment in keys[i:j]),
            offsets=offsets,
            day_index=array("H", day_index[lo:hi].tobytes()),
            values=array("d", values[lo:hi].tobytes()),
        )
        i = j
    return result


def _portfolio(
    connection: Any, params: dict[str, int], summary: MonitoringSummary
) -> dict[str, HealthStatus]:
    """Fill `summary.portfolio`; return each model's status on the as-of day."""
    rows = connection.execute(PORTFOLIO_SQL.format(**params)).fetchnumpy()
    import numpy as np

    days = np.asarray(rows["d"], dtype=np.int64)
    codes = np.asarray(rows["status"], dtype=np.int64)
    for day in range(params["portfolio_start_day"], params["end_day"]):
        lo, hi = np.searchsorted(days, [day, day + 1])
        counts = np.bincount(codes[lo:hi], minlength=5)
        summary.portfolio.append(
            (
                EPOCH_DATE + dt.timedelta(days=day),
                {STATUS_BY_CODE[code]: int(counts[code]) for code in (0, 2, 4, 3, 1)},
            )
        )
    last = params["end_day"] - 1
    lo, hi = np.searchsorted(days, [last, last + 1])
    model_ids = rows["model_id"][lo:hi]
    return {str(m): STATUS_BY_CODE[int(c)] for m, c in zip(model_ids, codes[lo:hi], strict=True)}


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
    rows: list[tuple[Any, ...]],
    columns: list[str],
    breach_since: dict[tuple[str, str, str], int],
) -> ModelHealth:
    index = {name: i for i, name in enumerate(columns)}
    metrics: list[MetricHealth] = []
    for row in rows:
        metric, segment = row[1], row[2]
        threshold = _threshold(card, metric, segment)
        latest = row[index["latest_value"]]
        metric_status = classify(latest, threshold) if threshold is not None else HealthStatus.ok
        windows = tuple(
            WindowStats(
                days=days,
                count=row[index[f"n_{days}"]],
                mean=row[index[f"mean_{days}"]],
                min=row[index[f"min_{days}"]],
                max=row[index[f"max_{days}"]],
                slope_per_day=_finite(row[index[f"slope_{days}"]]),
                breaches=row[index[f"breaches_{days}"]],
            )
            for days in WINDOWS
        )
        metrics.append(
            MetricHealth(
                metric=metric,
                segment=segment,
                latest_value=latest,
                latest_ts=_stamp(row[index["last_t"]]),
                status=metric_status,
                windows=windows,
                breach_since=_stamp(breach_since.get((card.id, metric, segment))),
                threshold=threshold,
                latest_version=row[index["latest_version"]],
                first_ts=_stamp(row[index["first_t"]]),
                observations=row[index["n"]],
            )
        )
    declared = card.monitoring.metrics if card.monitoring else {}
    reported = {m.metric for m in metrics if m.segment == ""}
    missing = sorted(set(declared) - reported)
    metrics.extend(
        MetricHealth(metric, "", None, None, HealthStatus.unmonitored, threshold=declared[metric])
        for metric in missing
    )
    metrics.sort(key=lambda m: (m.threshold is None, -_severity(m.status), m.metric, m.segment))
    last_data = max((m.latest_ts for m in metrics if m.latest_ts is not None), default=None)
    return ModelHealth(
        model_id=card.id,
        status=status,
        as_of=as_of,
        last_data=last_data,
        metrics=tuple(metrics),
        reason=_reason(card, status, metrics, last_data, as_of, missing),
        stage=card.stage,
        freshness_days=card.monitoring.freshness_days if card.monitoring else None,
    )


def _severity(status: HealthStatus) -> int:
    from generator.health import SEVERITY

    return SEVERITY[status]


def _finite(value: float | None) -> float | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def _reason(
    card: ModelCard,
    status: HealthStatus,
    metrics: Iterable[MetricHealth],
    last_data: dt.datetime | None,
    as_of: dt.date,
    missing: list[str],
) -> str:
    metrics = list(metrics)
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
    wanted = HealthStatus.breach if status == HealthStatus.breach else HealthStatus.warning
    reasons = [_metric_reason(m) for m in metrics if m.status == wanted]
    reasons = [r for r in reasons if r]
    if reasons:
        more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return reasons[0] + more + missing_note
    checked = sum(1 for m in metrics if m.threshold is not None and m.latest_value is not None)
    return f"{checked} checked series within thresholds{missing_note}"
