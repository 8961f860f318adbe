"""The site's data files: the inventory, chart series and the machine-readable twin.

Pages stay small because lists and series live in JSON files that JavaScript
islands fetch: the inventory table reads one compact `data/inventory.json`
(rows as arrays, no repeated keys), each model page reads only its own
`data/series/<id>.json`. Everything is sorted and free of timestamps other than
`as_of`, so two builds of one commit give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from generator.health import HealthStatus, ModelHealth, MonitoringSummary
from generator.jsontext import json_text
from generator.render.context import ModelEntry, SiteContext

INVENTORY_COLUMNS = (
    "id",
    "name",
    "owner",
    "stage",
    "risk",
    "eu_ai_act",
    "health",
    "governance",
    "last_validation",
    "next_review",
    "tags",
    "datasets",
)
"""Column order of `data/inventory.json` rows (the inventory island reads it by name)."""


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def inventory_row(entry: ModelEntry) -> list[Any]:
    card = entry.card
    datasets = sorted(
        {t.dataset for t in card.training_data} | {e.dataset for e in card.evaluation}
    )
    return [
        card.id,
        card.name,
        card.owner,
        card.stage.value,
        card.risk.tier.value,
        card.risk.eu_ai_act.value,
        entry.health.status.value,
        entry.governance,
        _date(entry.last_validation.date if entry.last_validation else None),
        _date(entry.next_review),
        " ".join(card.tags),
        " ".join(datasets),
    ]


def inventory_data(site: SiteContext) -> dict[str, Any]:
    """The compact table the inventory page loads: columns once, rows as arrays."""
    return {
        "as_of": site.as_of.isoformat(),
        "columns": list(INVENTORY_COLUMNS),
        "teams": {team_id: team.name for team_id, team in site.catalog.teams.items()},
        "rows": [inventory_row(e) for e in site.models.values()],
    }


def inventory_records(site: SiteContext) -> list[dict[str, Any]]:
    """The downloadable inventory: one flat record per model."""
    records = []
    for entry in site.models.values():
        record = dict(zip(INVENTORY_COLUMNS, inventory_row(entry), strict=True))
        record["summary"] = entry.card.summary
        record["owner_name"] = site.team_name(entry.card.owner)
        record["health_reason"] = entry.health.reason
        record["url"] = entry.url
        records.append(record)
    return records


def inventory_csv(records: list[dict[str, Any]]) -> str:
    """CSV of `inventory_records`, with spreadsheet formula injection defused."""
    buffer = io.StringIO()
    columns = list(records[0]) if records else [*INVENTORY_COLUMNS, "summary"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _csv_cell(v) for k, v in record.items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula in Excel; card text is untrusted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def health_json(health: ModelHealth) -> dict[str, Any]:
    return {
        "status": health.status.value,
        "as_of": health.as_of.isoformat(),
        "last_data": health.last_data.isoformat() if health.last_data else None,
        "reason": health.reason,
        "metrics": [
            {
                "metric": m.metric,
                "segment": m.segment,
                "status": m.status.value,
                "latest_value": m.latest_value,
                "latest_ts": m.latest_ts.isoformat() if m.latest_ts else None,
                "breach_since": m.breach_since.isoformat() if m.breach_since else None,
                "windows": [
                    {
                        "days": w.days,
                        "mean": w.mean,
                        "min": w.min,
                        "max": w.max,
                        "slope_per_day": w.slope_per_day,
                        "breaches": w.breaches,
                    }
                    for w in m.windows
                ],
            }
            for m in sorted(health.metrics, key=lambda m: (m.metric, m.segment))
        ],
    }


def model_twin(site: SiteContext, entry: ModelEntry) -> dict[str, Any]:
    """`models/<id>.json`: the validated card plus its health and governance status."""
    return {
        "card": entry.card.model_dump(mode="json", exclude_none=True),
        "health": health_json(entry.health),
        "governance": {
            "status": entry.governance,
            "next_review": _date(entry.next_review) or None,
            "findings": [
                {"rule": f.rule, "severity": f.severity, "message": f.message}
                for f in entry.findings
            ],
        },
        "source": entry.source_path,
        "as_of": site.as_of.isoformat(),
    }


def catalog_twin(site: SiteContext, model_twins: list[str]) -> str:
    """`catalog.json`: every card (models, datasets, teams) with health, in one file.

    `model_twins` are the already serialised `models/<id>.json` documents, spliced in
    rather than encoded a second time (JSON encoding is most of the twin's cost).
    """
    catalog = site.catalog
    placeholder = "\u0000models\u0000"  # a string no validated card can hold (no NUL)
    document = {
        "as_of": site.as_of.isoformat(),
        "datasets": [
            d.model_dump(mode="json", exclude_none=True) for d in catalog.datasets.values()
        ],
        "models": placeholder,
        "teams": [t.model_dump(mode="json", exclude_none=True) for t in catalog.teams.values()],
        "title": catalog.settings.title,
    }
    text = json_text(document)
    return text.replace(json.dumps(placeholder), f"[{','.join(model_twins)}]", 1) + "\n"


def model_series(summary: MonitoringSummary, entry: ModelEntry) -> dict[str, Any] | None:
    """`data/series/<id>.json`: the model's daily series (columns) with their thresholds.

    The shape is `ModelSeries.to_json()` (a shared day axis, `x` day numbers and
    `y` values per series) plus each series' thresholds, so the one chart spec can
    draw threshold lines, the warning band and mark breaches.
    """
    series = summary.series.get(entry.id)
    if series is None or not len(series):
        return None
    thresholds = entry.card.monitoring.metrics if entry.card.monitoring else {}
    checked = {(m.metric, m.segment): m for m in entry.health.metrics}
    document = series.to_json()
    for item in document["series"]:
        key = (item["metric"], item["segment"])
        health = checked.get(key)
        declared = thresholds.get(item["metric"])
        threshold = (health.threshold if health else None) or (declared if not key[1] else None)
        item["status"] = health.status.value if health else HealthStatus.ok.value
        item["description"] = (declared.description or "") if declared else ""
        item["threshold"] = (
            threshold.model_dump(mode="json", exclude_none=True, include=_THRESHOLD_FIELDS)
            if threshold
            else {}
        )
    document["model"] = entry.id
    return document


_THRESHOLD_FIELDS = {"min", "max", "warn_below", "warn_above"}


def portfolio_series(summary: MonitoringSummary) -> list[dict[str, Any]]:
    """`data/portfolio.json`: models per health status per day (for the dashboard chart)."""
    return [
        {"day": day.isoformat(), "status": status.value, "count": counts.get(status, 0)}
        for day, counts in summary.portfolio
        for status in HealthStatus
    ]
