"""Health: the typed hand-off from the aggregate stage to render (no SQL here).

`aggregate.py` fills these from DuckDB; `render` and the CLI read them. The
classification of one value against a card's thresholds lives here too, so the
SQL and the Python agree on one definition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from generator.schema import MetricThreshold


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


@dataclass(frozen=True)
class WindowStats:
    """Statistics of one metric series over a trailing window."""

    days: int
    mean: float | None
    min: float | None
    max: float | None
    slope_per_day: float | None
    """Least-squares trend, in metric units per day."""
    breaches: int
    """Observations in the window outside min/max."""


@dataclass(frozen=True)
class MetricHealth:
    """One model × metric × segment: latest value, windows, status."""

    metric: str
    segment: str
    """'' for the whole population, else a slice such as `age<25` or `column:income`."""
    latest_value: float | None
    latest_ts: dt.datetime | None
    status: HealthStatus
    windows: tuple[WindowStats, ...] = ()
    breach_since: dt.datetime | None = None
    """When the current uninterrupted breach began (None when not in breach)."""
    threshold: MetricThreshold | None = None


@dataclass(frozen=True)
class ModelHealth:
    """Health of one model as of a date."""

    model_id: str
    status: HealthStatus
    as_of: dt.date
    last_data: dt.datetime | None
    metrics: tuple[MetricHealth, ...] = ()
    reason: str = ""
    """One line for people: 'auc 0.74 below min 0.78 since 2026-10-02', 'no data for 6 days'."""


@dataclass(frozen=True)
class SeriesPoint:
    """One day of one metric, for charts."""

    day: dt.date
    value: float


@dataclass
class MonitoringSummary:
    """Everything the site and the CLI need from monitoring, for one as-of date."""

    as_of: dt.date
    models: dict[str, ModelHealth] = field(default_factory=dict)
    series: dict[tuple[str, str, str], list[SeriesPoint]] = field(default_factory=dict)
    """(model_id, metric, segment) → daily values over the chart window, oldest first."""
    portfolio: list[tuple[dt.date, dict[HealthStatus, int]]] = field(default_factory=list)
    """Per day over the last 90 days: count of models in each status."""
