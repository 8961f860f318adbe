"""Generate the demo catalog's monitoring exports and ingest them with `govcat ingest`.

One command regenerates the committed store ``catalog/monitoring/``::

    .venv/bin/python scripts/demo_monitoring.py

It writes a year of daily observations (2025-11-23 → 2026-11-22, 06:00 UTC;
month-end points for monthly models with ``freshness_days`` >= 30) for every
production and staging model of the demo catalog that declares monitoring, one
row per declared metric and per declared segment, as weekly exports (CSV, every
fourth week JSON Lines, like a real nightly job's mixed history) in
``--exports`` (default: a temporary folder), then runs ``govcat ingest`` on
them and ``govcat monitoring compact``. Everything is deterministic (seeded per
model and metric), so running it twice gives a byte-identical store.

The stories of catalog/README.md ("Monitoring stories") are encoded in
``STORIES`` below: slow drift, a sudden breach, a stale feed, a recovery after
retraining and diverging fairness slices. Every other series stays healthy.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.schema import MetricThreshold, ModelCard, Stage  # noqa: E402
from generator.validate import validate_catalog  # noqa: E402

FIRST_DAY = dt.date(2025, 11, 23)
LAST_DAY = dt.date(2026, 11, 22)
HOUR = 6

Shape = Callable[[dt.date, float], float | None]
"""(day, healthy value) → the value of that day, or None for no observation."""


def _ramp(start: dt.date, end: dt.date, frm: float, to: float) -> Shape:
    def shape(day: dt.date, healthy: float) -> float:
        if day < start:
            return frm
        fraction = min(1.0, (day - start).days / max(1, (end - start).days))
        return frm + (to - frm) * fraction

    return shape


def _step(start: dt.date, before: float | None, after: float) -> Shape:
    def shape(day: dt.date, healthy: float) -> float:
        return after if day >= start else (healthy if before is None else before)

    return shape


def _episode(start: dt.date, end: dt.date, value: float) -> Shape:
    def shape(day: dt.date, healthy: float) -> float:
        return value if start <= day <= end else healthy

    return shape


STORIES: dict[tuple[str, str, str], Shape] = {
    # slow drift: PSI creeps up from May, crosses warn_above 0.10 around 2026-08-20
    ("customer-churn-predictor", "psi", ""): _ramp(dt.date(2026, 5, 1), LAST_DAY, 0.04, 0.17),
    ("customer-churn-predictor", "csi_salary_credit_trend", ""): _ramp(
        dt.date(2026, 5, 1), LAST_DAY, 0.03, 0.14
    ),
    ("customer-churn-predictor", "auc", ""): _ramp(dt.date(2026, 5, 1), LAST_DAY, 0.81, 0.77),
    # sudden breach on 2026-11-14
    ("card-fraud-detector", "auc", ""): _step(dt.date(2026, 11, 14), 0.96, 0.87),
    ("card-fraud-detector", "recall", ""): _step(dt.date(2026, 11, 14), 0.71, 0.50),
    ("card-fraud-detector", "drift_share", ""): _step(dt.date(2026, 11, 14), 0.05, 0.22),
    # recovered after retraining (v4.0.0 on 2026-05-11)
    ("mortgage-prepayment", "mape", ""): _episode(dt.date(2026, 3, 9), dt.date(2026, 5, 10), 0.26),
    ("mortgage-prepayment", "cpr_bias", ""): _episode(
        dt.date(2026, 3, 9), dt.date(2026, 5, 10), -0.03
    ),
    ("mortgage-prepayment", "psi", ""): _episode(dt.date(2026, 3, 9), dt.date(2026, 5, 10), 0.30),
    # fairness slice diverging from June; crosses warn_below 0.85 around 2026-10-15
    ("bnpl-affordability-scorer", "approval_rate_ratio", "age_band=18-24"): _ramp(
        dt.date(2026, 6, 1), LAST_DAY, 0.93, 0.828
    ),
    ("bnpl-affordability-scorer", "approval_rate_ratio", ""): lambda day, healthy: 1.0,
}
FEED_STOPS = {"atm-cash-forecaster": dt.date(2026, 11, 8)}
"""Stale feeds: the last day with data."""


def healthy_value(threshold: MetricThreshold) -> tuple[float, float]:
    """A comfortably healthy value for the threshold, and the room it has to the warning band."""
    low = threshold.warn_below if threshold.warn_below is not None else threshold.min
    high = threshold.warn_above if threshold.warn_above is not None else threshold.max
    if low is not None and high is not None:
        return (low + high) / 2, (high - low) / 2
    if low is not None:
        floor = threshold.min if threshold.min is not None else low - 0.05 * abs(low or 1)
        room = max(low - floor, 0.02 * abs(low) or 0.01) * 1.5
        return low + room, room
    assert high is not None
    return 0.6 * high, 0.4 * abs(high)


def observation_days(card: ModelCard) -> list[dt.date]:
    """Daily, or month ends for monthly models; from the first staging/production version."""
    assert card.monitoring is not None
    live = [v.date for v in card.versions if v.stage in (Stage.production, Stage.staging)]
    start = max(FIRST_DAY, live[0]) if live else FIRST_DAY
    end = FEED_STOPS.get(card.id, LAST_DAY)
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if card.monitoring.freshness_days >= 30:
        days = [d for d in days if (d + dt.timedelta(days=1)).day == 1]
    return days


def version_on(card: ModelCard, day: dt.date) -> str:
    """The card's version that was current on `day`."""
    current = card.versions[0].version
    for version in card.versions:
        if version.date <= day:
            current = version.version
    return current


def rows_for(card: ModelCard) -> list[tuple[dt.date, str, str, str, str, float]]:
    """(day, model_id, version, metric, segment, value) of one model, deterministic."""
    assert card.monitoring is not None
    rows = []
    segments = ["", *card.monitoring.segments]
    for metric, threshold in sorted(card.monitoring.metrics.items()):
        healthy, room = healthy_value(threshold)
        for segment in segments:
            seed = hashlib.sha256(f"{card.id}/{metric}/{segment}".encode()).digest()
            rng = random.Random(int.from_bytes(seed[:8], "big"))
            story = STORIES.get((card.id, metric, segment))
            for day in observation_days(card):
                base = story(day, healthy) if story else healthy
                noise = max(-0.4, min(0.4, rng.gauss(0, 0.12))) * room
                if story is not None:
                    noise *= 0.25
                value = base + noise + 0.05 * room * math.sin(day.toordinal() / 7)
                rows.append((day, card.id, version_on(card, day), metric, segment, round(value, 6)))
    return rows


def write_exports(catalog: Path, exports: Path) -> list[Path]:
    """Weekly export files for every monitored production/staging model."""
    result = validate_catalog(catalog, today=LAST_DAY)
    by_week: dict[dt.date, list[tuple[dt.date, str, str, str, str, float]]] = {}
    for card in result.catalog.models.values():
        if card.stage not in (Stage.production, Stage.staging) or card.monitoring is None:
            continue
        if not card.monitoring.metrics:
            continue
        for row in rows_for(card):
            week = row[0] - dt.timedelta(days=(row[0] - FIRST_DAY).days % 7)
            by_week.setdefault(week, []).append(row)
    exports.mkdir(parents=True, exist_ok=True)
    files = []
    for number, (week, rows) in enumerate(sorted(by_week.items())):
        rows.sort(key=lambda r: (r[0], r[1], r[3], r[4]))
        jsonl = number % 4 == 3
        path = exports / f"monitoring_{week.isoformat()}.{'jsonl' if jsonl else 'csv'}"
        records = [
            {
                "model_id": model_id,
                "model_version": version,
                "ts": f"{day.isoformat()}T{HOUR:02d}:00:00Z",
                "metric": metric,
                "segment": segment,
                "value": value,
            }
            for day, model_id, version, metric, segment, value in rows
        ]
        with open(path, "w", encoding="utf-8", newline="") as stream:
            if jsonl:
                for record in records:
                    stream.write(json.dumps(record) + "\n")
            else:
                writer = csv.DictWriter(stream, fieldnames=list(records[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(records)
        files.append(path)
    return files


def main() -> None:
    """Write the exports, ingest them into the catalog's store, compact it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=REPO / "catalog")
    parser.add_argument("--exports", type=Path, help="keep the exports in this folder")
    parser.add_argument("--exports-only", action="store_true", help="write exports, ingest nothing")
    parser.add_argument("--fresh", action="store_true", help="delete the store before ingesting")
    args = parser.parse_args()
    exports = args.exports or Path(tempfile.mkdtemp(prefix="govcat-demo-exports-"))
    files = write_exports(args.catalog, exports)
    print(f"wrote {len(files)} exports to {exports}", file=sys.stderr)
    if args.exports_only:
        return
    if args.fresh:  # the data goes; the store's README (committed, hand-written) stays
        store = args.catalog / "monitoring"
        for entry in store.iterdir() if store.is_dir() else ():
            if entry.name != "README.md":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    govcat = [sys.executable, "-m", "generator"]
    subprocess.run(
        [*govcat, "ingest", "--catalog", str(args.catalog), *map(str, files)], check=True
    )
    subprocess.run([*govcat, "monitoring", "compact", "--catalog", str(args.catalog)], check=True)
    if args.exports is None:
        shutil.rmtree(exports)


if __name__ == "__main__":
    main()
