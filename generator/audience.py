"""Narrow a validated catalog to what one audience may see, before anything is rendered.

A build for an audience holds nothing that audience may not see. The filter runs
once, between aggregation and render, so every output (pages, inventory and its
downloads, search index, JSON twin, sitemap, feeds, calendars, badges, charts,
exports, "used by" lists and counts) is made from the narrowed catalog only.

Who sees what (card `classification` → audiences that see it):

| classification | public | internal | restricted |
| --- | --- | --- | --- |
| public | yes | yes | yes |
| internal | | yes | yes |
| confidential | | | yes |
| restricted | | | yes |

Confidential and restricted cards are for the restricted audience only: an
internal build goes to everyone in the company, which is exactly who
`confidential` keeps out.

What narrowing does:

* models and datasets classified above the audience are dropped, with their
  source documents, monitoring health, chart series and policy findings;
* references to a dropped card from a visible one never show its id: training,
  evaluation and feature sources become `HIDDEN`, a `replaced_by` that points
  at a hidden model is cleared, upstream datasets in lineage become `HIDDEN`,
  and hidden ids in finding messages are replaced by `HIDDEN`;
* for the public audience, fields marked `internal_only` in the schema
  (endpoints, registry references, report and dashboard links, e-mail
  addresses, chat channels, waiver reasons, …) are dropped (a required one is
  replaced by `WITHHELD`).

Free text is the author's responsibility: a public card whose summary names a
restricted model by name still does after narrowing.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from generator.catalog import Catalog
from generator.health import MonitoringSummary
from generator.schema import Classification, ModelCard

AUDIENCES = ("public", "internal", "restricted")
"""Audiences from the narrowest to the widest."""

VISIBLE: dict[str, frozenset[Classification]] = {
    "public": frozenset({Classification.public}),
    "internal": frozenset({Classification.public, Classification.internal}),
    "restricted": frozenset(Classification),
}
"""Audience → the card classifications it may see."""

HIDDEN = "(not visible to this audience)"
"""Shown instead of a reference to a card the audience may not see."""

WITHHELD = "(withheld from the public catalog)"
"""Replaces a required internal-only text field in a public build."""

_ID_TOKEN = re.compile(r"[a-z0-9][a-z0-9-]*[a-z0-9]")

T = TypeVar("T")


class UnknownAudience(ValueError):
    """The audience is not one of `AUDIENCES`."""


def visible_to(classification: Classification | str, audience: str) -> bool:
    """True when a card of `classification` may be shown to `audience`."""
    if audience not in VISIBLE:
        raise UnknownAudience(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}")
    return Classification(classification) in VISIBLE[audience]


@dataclass(frozen=True)
class Narrowed:
    """What a build for one audience is made from, and what was left out."""

    catalog: Catalog
    hidden_models: frozenset[str]
    hidden_datasets: frozenset[str]


def narrow_catalog(catalog: Catalog, audience: str) -> Narrowed:
    """The catalog as `audience` may see it (see the module docstring)."""
    visible_to("public", audience)  # validates the audience
    allowed = VISIBLE[audience]
    hidden_models = frozenset(
        m for m, card in catalog.models.items() if card.classification not in allowed
    )
    hidden_datasets = frozenset(
        d for d, card in catalog.datasets.items() if card.classification not in allowed
    )
    public = audience == "public"

    models = {}
    for model_id, card in catalog.models.items():
        if model_id in hidden_models:
            continue
        card = _model_references(card, hidden_models, hidden_datasets)
        models[model_id] = strip_internal(card) if public else card
    datasets = {}
    for dataset_id, card in catalog.datasets.items():
        if dataset_id in hidden_datasets:
            continue
        if any(upstream in hidden_datasets for upstream in card.derived_from):
            card = card.model_copy(
                update={
                    "derived_from": [
                        HIDDEN if d in hidden_datasets else d for d in card.derived_from
                    ]
                }
            )
        datasets[dataset_id] = strip_internal(card) if public else card
    teams = {
        team_id: strip_internal(team) if public else team for team_id, team in catalog.teams.items()
    }
    documents = {
        key: document
        for key, document in catalog.documents.items()
        if not (key[0] == "models" and key[1] in hidden_models)
        and not (key[0] == "datasets" and key[1] in hidden_datasets)
    }
    narrowed = Catalog(
        root=catalog.root,
        settings=strip_internal(catalog.settings) if public else catalog.settings,
        models=models,
        datasets=datasets,
        teams=teams,
        documents=documents,
    )
    return Narrowed(narrowed, hidden_models, hidden_datasets)


def narrow(
    catalog: Catalog, summary: MonitoringSummary | None, findings: list[T], audience: str
) -> tuple[Catalog, MonitoringSummary | None, list[T]]:
    """Catalog, monitoring summary and policy findings as `audience` may see them.

    Call it once, after aggregation and before render. For exact portfolio
    counts (models per health status per day), aggregate the already narrowed
    catalog (`narrow_catalog(...).catalog`): a summary that still counts hidden
    models has its portfolio dropped rather than leak how many there are.
    """
    result = narrow_catalog(catalog, audience)
    kept = result.catalog.models
    hidden = result.hidden_models | result.hidden_datasets
    narrowed_summary = None
    if summary is not None:
        counted_hidden = any(model_id not in kept for model_id in summary.models)
        narrowed_summary = dataclasses.replace(
            summary,
            models={m: h for m, h in summary.models.items() if m in kept},
            series={m: s for m, s in summary.series.items() if m in kept},
            portfolio=[] if counted_hidden else list(summary.portfolio),
        )
    narrowed_findings = [
        _narrow_finding(finding, hidden, public=audience == "public")
        for finding in findings
        if _finding_model(finding) in kept
    ]
    return result.catalog, narrowed_summary, narrowed_findings


# --- references to hidden cards ------------------------------------------------


def _model_references(
    card: ModelCard, hidden_models: frozenset[str], hidden_datasets: frozenset[str]
) -> ModelCard:
    update: dict[str, Any] = {}
    if any(t.dataset in hidden_datasets for t in card.training_data):
        update["training_data"] = [
            t.model_copy(update={"dataset": HIDDEN}) if t.dataset in hidden_datasets else t
            for t in card.training_data
        ]
    if any(e.dataset in hidden_datasets for e in card.evaluation):
        update["evaluation"] = [
            e.model_copy(update={"dataset": HIDDEN}) if e.dataset in hidden_datasets else e
            for e in card.evaluation
        ]
    hidden_sources = {f"dataset:{d}" for d in hidden_datasets}
    if any(f.source in hidden_sources for f in card.features):
        update["features"] = [
            f.model_copy(update={"source": HIDDEN}) if f.source in hidden_sources else f
            for f in card.features
        ]
    if card.retirement is not None and card.retirement.replaced_by in hidden_models:
        update["retirement"] = card.retirement.model_copy(update={"replaced_by": None})
    return card.model_copy(update=update) if update else card


def scrub_ids(text: str, hidden: Iterable[str] | frozenset[str]) -> str:
    """`text` with every whole-word occurrence of a hidden id replaced by `HIDDEN`."""
    hidden = hidden if isinstance(hidden, frozenset) else frozenset(hidden)
    if not hidden:
        return text
    return _ID_TOKEN.sub(lambda m: HIDDEN if m.group() in hidden else m.group(), text)


def _finding_model(finding: Any) -> str | None:
    return getattr(finding, "model_id", None) or getattr(finding, "model", None)


def _narrow_finding(finding: T, hidden: frozenset[str], *, public: bool) -> T:
    if not dataclasses.is_dataclass(finding) or isinstance(finding, type):
        return finding
    update: dict[str, Any] = {}
    message = getattr(finding, "message", None)
    if isinstance(message, str):
        scrubbed = scrub_ids(message, hidden)
        if scrubbed != message:
            update["message"] = scrubbed
    if public and isinstance(getattr(finding, "waiver", None), BaseModel):
        update["waiver"] = strip_internal(finding.waiver)  # type: ignore[attr-defined]
    return dataclasses.replace(finding, **update) if update else finding  # type: ignore[type-var]


# --- internal-only fields ------------------------------------------------------


def internal_only(model: type[BaseModel], field_name: str) -> bool:
    """True when the schema marks the field `internal_only` (left out of public builds)."""
    extra = model.model_fields[field_name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("internal_only"))


def strip_internal(value: T) -> T:
    """A copy of `value` without its internal-only fields (the same object if it has none)."""
    if isinstance(value, BaseModel):
        plan = _plan(type(value))
        if not plan:
            return value
        update: dict[str, Any] = {}
        for name, drop in plan.items():
            current = getattr(value, name)
            if drop:
                info = type(value).model_fields[name]
                replacement = (
                    (WITHHELD if isinstance(current, str) else current)
                    if info.is_required()
                    else info.get_default(call_default_factory=True)
                )
                if replacement != current:
                    update[name] = replacement
            else:
                stripped = strip_internal(current)
                if stripped is not current:
                    update[name] = stripped
        return value.model_copy(update=update) if update else value  # type: ignore[return-value]
    if isinstance(value, list):
        items = [strip_internal(item) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value  # type: ignore[return-value]
    if isinstance(value, dict):
        entries = {key: strip_internal(item) for key, item in value.items()}
        changed = any(entries[key] is not item for key, item in value.items())
        return entries if changed else value  # type: ignore[return-value]
    return value


_PLANS: dict[type[BaseModel], dict[str, bool]] = {}


def _plan(model: type[BaseModel]) -> dict[str, bool]:
    """Field → True (drop it) or False (descend into it), only for fields that matter."""
    if model in _PLANS:
        return _PLANS[model]
    _PLANS[model] = {}  # recursion guard
    plan: dict[str, bool] = {}
    for name, info in model.model_fields.items():
        if internal_only(model, name):
            plan[name] = True
        elif any(_plan(inner) for inner in _models_in(info.annotation)):
            plan[name] = False
    _PLANS[model] = plan
    return plan


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found
