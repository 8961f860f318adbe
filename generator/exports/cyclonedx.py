"""CycloneDX 1.6 ML-BOM: one `machine-learning-model` component per model, with its model card.

Governance facts CycloneDX has no field for (risk tier, EU AI Act class,
validations, next review, governance status) travel as `properties` named
`govcat:…`, on the model card. Datasets become `data` components that the model
cards reference. Output is deterministic: the serial number is derived from the
content and the timestamp is the report's as-of date.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from generator import __version__
from generator.jsontext import json_text
from generator.policy.report import GovernanceReport
from generator.schema import DatasetCard, ModelCard

SPEC_VERSION = "1.6"
_LINK_TYPES = {
    "repository": "vcs",
    "source": "vcs",
    "documentation": "documentation",
    "docs": "documentation",
    "dashboard": "quality-metrics",
    "logging": "log",
    "logs": "log",
    "issues": "issue-tracker",
    "model_card": "model-card",
    "model-card": "model-card",
}
_APPROACH = {"clustering": "unsupervised", "anomaly-detection": "unsupervised"}


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": f"govcat:{name}", "value": str(value)}


def _model_component(model: ModelCard, report: GovernanceReport) -> dict[str, Any]:
    catalog = report.catalog
    props = [
        _prop("risk:tier", model.risk.tier.value),
        _prop("risk:eu-ai-act", model.risk.eu_ai_act.value),
        _prop("stage", model.stage.value),
        _prop("classification", model.classification.value),
        _prop("owner", model.owner),
        _prop("governance:status", report.status.get(model.id, "compliant")),
    ]
    if model.risk.rationale:
        props.append(_prop("risk:rationale", model.risk.rationale))
    props += [_prop("regulation", r) for r in model.regulations]
    props += [
        _prop(f"contact:{c.role.value}", c.person or f"team:{c.team}") for c in model.contacts
    ]
    for i, v in enumerate(model.validations):
        prefix = f"validation:{i}"
        props += [
            _prop(f"{prefix}:date", v.date.isoformat()),
            _prop(f"{prefix}:by", v.by),
            _prop(f"{prefix}:outcome", v.outcome.value),
        ]
        if v.version:
            props.append(_prop(f"{prefix}:version", v.version))
        if v.next_review:
            props.append(_prop(f"{prefix}:next-review", v.next_review.isoformat()))
        if v.report:
            props.append(_prop(f"{prefix}:report", v.report))
    review = report.reviews.get(model.id)
    if review is not None:
        props += [_prop("review:next", review.due.isoformat()), _prop("review:state", review.state)]
    for finding in report.findings_of(model.id):
        props.append(_prop(f"finding:{finding.status}", f"{finding.rule}: {finding.message}"))
    for w in model.waivers:
        props.append(_prop("waiver", f"{w.rule} approved by {w.approved_by} until {w.expires}"))
    if model.retirement:
        props.append(_prop("retirement:date", model.retirement.date.isoformat()))
    if model.human_oversight:
        props.append(_prop("human-oversight", model.human_oversight))

    parameters: dict[str, Any] = {}
    if model.task:
        parameters["task"] = model.task
        parameters["approach"] = {"type": _APPROACH.get(model.task, "supervised")}
    if model.framework:
        parameters["architectureFamily"] = model.framework
    datasets = [t.dataset for t in model.training_data] + [e.dataset for e in model.evaluation]
    known = [d for d in dict.fromkeys(datasets) if d in catalog.datasets]
    if known:
        parameters["datasets"] = [{"ref": f"dataset:{d}"} for d in known]
    if model.features:
        parameters["inputs"] = [{"format": f"{f.name} ({f.type})"} for f in model.features]
    if model.labels:
        parameters["outputs"] = [{"format": label.name} for label in model.labels]

    metrics = []
    for evaluation in model.evaluation:
        for name, value in evaluation.metrics.items():
            metrics.append(
                {"type": name, "value": repr(value), "slice": f"dataset:{evaluation.dataset}"}
            )
        for segment in evaluation.slices:
            for name, value in segment.metrics.items():
                metrics.append({"type": name, "value": repr(value), "slice": segment.segment})

    considerations: dict[str, Any] = {}
    if model.intended_use:
        considerations["users"] = list(model.intended_use.users)
        considerations["useCases"] = [model.intended_use.primary]
    if model.limitations:
        considerations["technicalLimitations"] = list(model.limitations)
    if model.ethical_considerations:
        considerations["ethicalConsiderations"] = [{"name": model.ethical_considerations}]
    if model.fairness:
        considerations["fairnessAssessments"] = [
            {"groupAtRisk": attribute, "harms": model.fairness.analysis}
            for attribute in model.fairness.attributes
        ]
    card: dict[str, Any] = {"bom-ref": f"model-card:{model.id}"}
    if parameters:
        card["modelParameters"] = parameters
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations = {k: v for k, v in considerations.items() if v}
    if considerations:
        card["considerations"] = considerations
    card["properties"] = props

    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": f"model:{model.id}",
        "name": model.name,
        "version": model.current_version.version,
        "description": model.summary,
        "group": model.owner,
    }
    team = catalog.teams.get(model.owner)
    if team is not None:
        supplier: dict[str, Any] = {"name": team.name}
        if team.email:
            supplier["contact"] = [{"name": team.name, "email": team.email}]
        component["supplier"] = supplier
    references = [
        {"type": _LINK_TYPES.get(name, "other"), "url": url, "comment": name}
        for name, url in model.links.items()
    ]
    references += [
        {"type": "evidence", "url": v.report, "comment": f"validation {v.date}"}
        for v in model.validations
        if v.report
    ]
    if references:
        component["externalReferences"] = references
    if model.tags:
        component["tags"] = list(model.tags)
    component["modelCard"] = card
    return component


def _dataset_component(dataset: DatasetCard, report: GovernanceReport) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "dataset",
        "name": dataset.name,
        "description": dataset.summary,
        "classification": dataset.classification.value,
    }
    if dataset.sensitive_columns:
        data["sensitiveData"] = list(dataset.sensitive_columns)
    team = report.catalog.teams.get(dataset.owner)
    data["governance"] = {
        "owners": [{"organization": {"name": team.name if team else dataset.owner}}]
    }
    return {
        "type": "data",
        "bom-ref": f"dataset:{dataset.id}",
        "name": dataset.name,
        "data": [data],
        "properties": [
            _prop("owner", dataset.owner),
            _prop("personal-data", str(dataset.personal_data).lower()),
        ],
    }


def cyclonedx_bom(
    report: GovernanceReport,
    model_ids: list[str] | None = None,
    *,
    components: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM (as a dict) of the given models (all when None) and their datasets.

    `components` (model id → component) lets a caller that writes many BOMs build
    each model's component once.
    """
    catalog = report.catalog
    ids = list(catalog.models) if model_ids is None else model_ids
    models = [catalog.models[i] for i in ids]
    dataset_ids: dict[str, None] = {}
    for model in models:
        for d in [t.dataset for t in model.training_data] + [e.dataset for e in model.evaluation]:
            if d in catalog.datasets:
                dataset_ids[d] = None
    model_components = [
        components[m.id] if components and m.id in components else _model_component(m, report)
        for m in models
    ]
    model_components += [
        _dataset_component(catalog.datasets[d], report) for d in sorted(dataset_ids)
    ]
    dependencies = [
        {
            "ref": f"model:{m.id}",
            "dependsOn": [
                f"dataset:{t.dataset}" for t in m.training_data if t.dataset in dataset_ids
            ],
        }
        for m in models
    ]
    settings = catalog.settings
    bom: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": dt.datetime.combine(report.as_of, dt.time(), dt.UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "tools": {
                "components": [{"type": "application", "name": "govcat", "version": __version__}]
            },
            "manufacturer": {"name": settings.organisation or settings.title},
            "properties": [_prop("as-of", report.as_of.isoformat())],
        },
        "components": model_components,
        "dependencies": dependencies,
    }
    if len(models) == 1:
        bom["metadata"]["component"] = {
            "type": "machine-learning-model",
            "bom-ref": "subject",
            "name": models[0].name,
            "version": models[0].current_version.version,
        }
    return bom


def _serial(compact: str) -> str:
    """A serial number derived from the content: the same BOM always gets the same one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "govcat:" + compact).urn


def cyclonedx_json(
    report: GovernanceReport,
    model_ids: list[str] | None = None,
    *,
    indent: int | None = None,
    components: dict[str, dict[str, Any]] | None = None,
) -> str:
    """`cyclonedx_bom` as JSON text, with its content-derived `serialNumber`.

    Compact unless `indent` (then indented by the standard library: any width).
    """
    bom = cyclonedx_bom(report, model_ids, components=components)
    compact = json_text(bom, sort_keys=False)
    serial = _serial(compact)
    if indent is None:  # append the serial number without encoding the BOM twice
        return f'{compact[:-1]},"serialNumber":"{serial}"}}\n'
    bom["serialNumber"] = serial
    return json.dumps(bom, indent=indent, ensure_ascii=False) + "\n"


def model_components(report: GovernanceReport) -> dict[str, dict[str, Any]]:
    """Every model's component, built once (for writing a BOM per model and one of all)."""
    return {m.id: _model_component(m, report) for m in report.catalog.models.values()}
