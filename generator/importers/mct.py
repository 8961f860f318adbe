"""Import a Google Model Card Toolkit card (JSON, schema 0.0.1 / 0.0.2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from generator.errors import Problem, ProblemsFound
from generator.importers.common import (
    LONG,
    SHORT,
    TODO_DATASET,
    ImportedCard,
    first_sentences,
    metric_name,
    number,
    plain,
    render,
    skeleton,
    slug,
    url,
)
from generator.loader import display_path

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%B %d, %Y")


def _date(text: Any) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(str(text).strip(), fmt).date()
        except ValueError:
            continue
    return None


def _texts(items: Any, *keys: str) -> list[str]:
    """The text fields of a list of MCT objects (description / name / reference / …)."""
    result = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            value = item
        elif isinstance(item, dict):
            value = next((str(item[k]) for k in keys if item.get(k)), "")
        else:
            continue
        value = plain(value, LONG)
        if value:
            result.append(value)
    return result


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def import_mct(
    path: Path,
    *,
    card_id: str | None = None,
    owner: str | None = None,
    today: dt.date | None = None,
) -> ImportedCard:
    """A govcat card from Model Card Toolkit JSON; `ProblemsFound` if it is not such a card."""
    today = today or dt.date.today()
    shown = display_path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ProblemsFound(
            [Problem(shown, None, None, "import-encoding", f"not UTF-8 text ({error.reason})")]
        ) from None
    except json.JSONDecodeError as error:
        raise ProblemsFound(
            [
                Problem(
                    shown,
                    error.lineno,
                    error.colno,
                    "import-mct-json",
                    f"not valid JSON: {error.msg}",
                )
            ]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("model_details"), dict):
        raise ProblemsFound(
            [
                Problem(
                    shown,
                    1,
                    1,
                    "import-mct-schema",
                    "not a Model Card Toolkit card: the top level needs a `model_details` object",
                )
            ]
        )
    details = data["model_details"]
    name = plain(str(details.get("name") or path.stem), SHORT)
    overview = str(details.get("overview") or "")
    card = skeleton(
        card_id=card_id or slug(name),
        name=name,
        summary=first_sentences(overview) or None,
        owner=owner,
        today=today,
    )
    notes = []
    owners = _texts(details.get("owners"), "name", "contact")
    if owners:
        notes.append("Source owners: " + "; ".join(owners)[:300] + " — map them to catalog people.")
    licences = _texts(details.get("licenses"), "identifier", "custom_text")
    description = plain(overview, LONG)
    if licences:
        description = f"{description} Licence: {', '.join(licences)}.".strip()
    if description:
        card["description"] = description
    parameters = _object(data.get("model_parameters"))
    if parameters.get("model_architecture"):
        card["framework"] = plain(str(parameters["model_architecture"]), SHORT)
    considerations = _object(data.get("considerations"))
    use_cases = _texts(considerations.get("use_cases"), "description")
    users = [u[:SHORT] for u in _texts(considerations.get("users"), "description")]
    card["intended_use"] = {
        "primary": " ".join(use_cases)[:LONG] or "TODO the primary intended use.",
        "users": users or ["TODO intended users"],
        "out_of_scope": ["TODO uses it is not approved for"],
    }
    datasets = _texts(parameters.get("data"), "name")
    if datasets:
        notes.append("Source datasets: " + ", ".join(datasets)[:300])
    card["training_data"] = [{"dataset": TODO_DATASET, "version": "TODO snapshot used"}]
    metrics: dict[str, float] = {}
    slices: dict[str, dict[str, float]] = {}
    analysis = _object(data.get("quantitative_analysis"))
    for metric in analysis.get("performance_metrics") or []:
        if not isinstance(metric, dict):
            continue
        key, value = metric_name(metric.get("type", "")), number(metric.get("value"))
        if key is None or value is None:
            continue
        segment = plain(str(metric.get("slice") or ""), SHORT)
        (slices.setdefault(segment, {}) if segment else metrics)[key] = value
    if metrics or slices:
        evaluation: dict[str, Any] = {
            "dataset": TODO_DATASET,
            "metrics": metrics or next(iter(slices.values())),
        }
        if slices and metrics:
            evaluation["slices"] = [{"segment": s, "metrics": m} for s, m in slices.items()]
        card["evaluation"] = [evaluation]
    limitations = _texts(considerations.get("limitations"), "description")
    limitations += [
        f"Trade-off: {t}" for t in _texts(considerations.get("tradeoffs"), "description")
    ]
    card["limitations"] = limitations or ["TODO known limitations"]
    ethics = []
    for item in considerations.get("ethical_considerations") or []:
        if isinstance(item, dict) and item.get("name"):
            mitigation = item.get("mitigation_strategy")
            ethics.append(
                plain(str(item["name"]))
                + (f" Mitigation: {plain(str(mitigation))}" if mitigation else "")
            )
    if ethics:
        card["ethical_considerations"] = " ".join(ethics)[:LONG]
    version = _object(details.get("version"))
    released = _date(version.get("date")) if version.get("date") else None
    card["versions"] = [
        {
            "version": plain(str(version.get("name") or "TODO version label"), SHORT),
            "date": (released or today).isoformat(),
            "stage": "development",
            "changes": f"Imported from {path.name}.",
        }
    ]
    links = {}
    for key, field, text_key in (
        ("reference", "references", "reference"),
        ("citation", "citations", "citation"),
    ):
        found = [u for u in (url(t) for t in _texts(details.get(field), text_key)) if u]
        for i, link in enumerate(found[:5]):
            links[f"{key}{'' if i == 0 else f'-{i + 1}'}"] = link
    if links:
        card["links"] = links
    return render(card, path.name, notes, today)
