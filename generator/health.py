"""Health: the typed hand-off from the aggregate stage to render (no SQL here).

`generator.monitoring.aggregate.summarize` fills these from DuckDB; `render` and
the CLI read them. The classification of one value against a card's thresholds
lives here too, so the SQL and the Python agree on one definition.

This module imports nothing heavy (no DuckDB, pandas or numpy): chart series are
kept in stdlib `array.array` columns, 8 bytes per value, so that 10,000 models ×
90 days stay a few hundred MB at most and no per-point Python object is built.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from generator.schema import MetricThreshold, Stage


class HealthStatus(StrEnum):
    """Health of one metric or one model. Order of severity: see `SEVERITY`."""

    ok = "ok"
    warning = "warning"
    breach = "breach"
    stale = "stale"
    unmonitored = "unmonitored"


SEVERITY = {
    HealthStatus.ok: 0,
    HealthStatus.unmonitored: 1,
    HealthStatus.warning: 2,
    HealthStatus.stale: 3,
    HealthStatus.breach: 4,
}
"""Worse is larger; a model's health is its worst metric (or stale / unmonitored)."""

LIVE_STAGES = frozenset({Stage.production, Stage.staging})
"""Stages in which a model is expected to be monitored (unmonitored = needs attention)."""


def classify(value: float, threshold: MetricThreshold) -> HealthStatus:
    """`ok`, `warning` or `breach` for one value against one metric's thresholds."""
    if (threshold.min is not None and value < threshold.min) or (
        threshold.max is not None and value > threshold.max
    ):
        return HealthStatus.breach
    if (threshold.warn_below is not None and value < threshold.warn_below) or (
        threshold.warn_above is not None and value > threshold.warn_above
    ):
        return HealthStatus.warning
    return HealthStatus.ok


def worst(statuses: list[HealthStatus]) -> HealthStatus:
    """The most severe status of a list (ok for an empty list)."""
    return max(statuses, key=SEVERITY.__getitem__, default=HealthStatus.ok)


class WindowStats(NamedTuple):
    """Statistics of one metric series over a trailing window ending on the as-of day.

    A named tuple: the aggregation makes three per series, up to a million of them.
    """

    days: int
    count: int
    """Observations in the window."""
    mean: float | None
    min: float | None
    max: float | None
    slope_per_day: float | None
    """Least-squares trend, in metric units per day (None with fewer than 2 observations)."""
    breaches: int
    """Observations in the window outside min/max (0 when the series has no threshold)."""


class MetricHealth(NamedTuple):
    """One model × metric × segment: latest value, windows, status.

    A named tuple, like `WindowStats`: the aggregation makes one per series (30,000 at
    1,000 models), and a frozen dataclass costs four times as much to build.
    """

    metric: str
    segment: str
    """'' for the whole population, else a slice such as `age<25` or `column:income`."""
    latest_value: float | None
    latest_ts: dt.datetime | None
    status: HealthStatus
    """Latest value against the threshold; `ok` for series without a threshold;
    `unmonitored` for a declared metric without any data."""
    windows: tuple[WindowStats, ...] = ()
    """7, 30 and 90 days, in that order."""
    breach_since: dt.datetime | None = None
    """When the current uninterrupted breach began (None when not in breach)."""
    threshold: MetricThreshold | None = None
    """The card's threshold when this series is checked (segment '' or a declared segment)."""
    latest_version: str | None = None
    """model_version of the latest observation."""
    first_ts: dt.datetime | None = None
    """First observation ever (up to the as-of date)."""
    observations: int = 0
    """Observations up to the as-of date."""

    def window(self, days: int) -> WindowStats | None:
        """The window of `days` days, if computed."""
        return next((w for w in self.windows if w.days == days), None)


@dataclass(frozen=True, slots=True)
class ModelHealth:
    """Health of one model as of a date."""

    model_id: str
    status: HealthStatus
    as_of: dt.date
    last_data: dt.datetime | None
    metrics: Sequence[MetricHealth] = ()
    """Checked series first (worst first), then the others by metric and segment. A tuple,
    or, from the aggregation, a sequence that makes its objects on first use and then
    behaves as that tuple (equality, hash, pickle)."""
    reason: str = ""
    """One line for people: 'auc 0.74 below min 0.78 since 2026-10-02', 'no data for 6 days'."""
    stage: Stage | None = None
    freshness_days: int | None = None

    @property
    def needs_attention(self) -> bool:
        """Breach, warning or stale; or unmonitored while in production or staging."""
        if self.status in (HealthStatus.breach, HealthStatus.warning, HealthStatus.stale):
            return True
        return self.status == HealthStatus.unmonitored and self.stage in LIVE_STAGES


@dataclass(frozen=True)
class ModelSeries:
    """Daily chart series of one model, as columns (no object per point).

    Every series of the model shares one day axis starting at `start`. Series `i`
    is `keys[i] = (metric, segment)`; its points are
    `day_index[offsets[i]:offsets[i+1]]` (days since `start`, ascending) and
    `values[offsets[i]:offsets[i+1]]` (the last observation of that day, UTC).
    Days without data are simply absent. `to_json()` gives the shape written to
    the site's per-model JSON file::

        {"start": "2026-08-24", "days": 90,
         "series": [{"metric": "auc", "segment": "", "x": [0, 1, 2], "y": [0.81, 0.8, 0.79]}]}
    """

    model_id: str
    start: dt.date
    days: int
    keys: tuple[tuple[str, str], ...]
    offsets: array
    """array('q'), len(keys) + 1 bounds into day_index and values."""
    day_index: array
    """array('H'), day number since `start`."""
    values: array
    """array('d'), the daily values."""

    def __len__(self) -> int:
        return len(self.keys)

    def items(self) -> Iterator[tuple[str, str, array, array]]:
        """(metric, segment, day numbers, values) per series."""
        for i, (metric, segment) in enumerate(self.keys):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            yield metric, segment, self.day_index[lo:hi], self.values[lo:hi]

    def get(self, metric: str, segment: str = "") -> list[tuple[dt.date, float]]:
        """One series as (day, value) pairs: for tests and small uses, not for bulk output."""
        for name, seg, days, values in self.items():
            if (name, seg) == (metric, segment):
                return [
                    (self.start + dt.timedelta(days=d), v)
                    for d, v in zip(days, values, strict=True)
                ]
        return []

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data (see the class docstring for the shape)."""
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "series": [
                {"metric": metric, "segment": segment, "x": days.tolist(), "y": values.tolist()}
                for metric, segment, days, values in self.items()
            ],
        }


@dataclass
class MonitoringSummary:
    """Everything the site and the CLI need from monitoring, for one as-of date."""

    as_of: dt.date
    models: dict[str, ModelHealth] = field(default_factory=dict)
    """Every model of the catalog, by id."""
    series: dict[str, ModelSeries] = field(default_factory=dict)
    """model_id → its daily chart series over the chart window (models with data only)."""
    portfolio: list[tuple[dt.date, dict[HealthStatus, int]]] = field(default_factory=list)
    """Per day over the last 90 days, oldest first: count of models in each status."""
    store: str = ""
    """Where the monitoring data was read from (folder or URL)."""
    rows: int = 0
    """Observations in the store up to the as-of date."""

    def attention(self) -> list[ModelHealth]:
        """Models needing attention, worst first, then by id."""
        return sorted(
            (m for m in self.models.values() if m.needs_attention),
            key=lambda m: (-SEVERITY[m.status], m.model_id),
        )

    def counts(self) -> dict[HealthStatus, int]:
        """Models per status as of the as-of date."""
        result = {status: 0 for status in HealthStatus}
        for model in self.models.values():
            result[model.status] += 1
        return result
