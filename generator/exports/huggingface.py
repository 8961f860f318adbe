"""A Hugging Face style README.md for one model: YAML metadata (with `model-index`) + sections.

Card text is written as Markdown text with HTML-special characters escaped, so a
card cannot smuggle HTML into the README.
"""

from __future__ import annotations

import html
import json
from typing import Any

from generator.policy.report import GovernanceReport
from generator.schema import ModelCard

_PIPELINE_TAGS = {
    "binary-classification": "tabular-classification",
    "multiclass-classification": "tabular-classification",
    "classification": "tabular-classification",
    "regression": "tabular-regression",
    "forecasting": "time-series-forecasting",
    "time-series-forecasting": "time-series-forecasting",
    "text-classification": "text-classification",
    "token-classification": "token-classification",
    "image-classification": "image-classification",
    "object-detection": "object-detection",
    "text-generation": "text-generation",
    "question-answering": "question-answering",
    "summarization": "summarization",
    "translation": "translation",
    "automatic-speech-recognition": "automatic-speech-recognition",
    "feature-extraction": "feature-extraction",
    "sentence-similarity": "sentence-similarity",
}


def _text(value: str) -> str:
    return html.escape(" ".join(value.split()), quote=False)


def _metadata(model: ModelCard, report: GovernanceReport) -> dict[str, Any]:
    catalog = report.catalog
    meta: dict[str, Any] = {}
    if model.framework:
        meta["library_name"] = model.framework
    pipeline = _PIPELINE_TAGS.get(model.task or "")
    if pipeline:
        meta["pipeline_tag"] = pipeline
    tags = list(model.tags) + [f"risk-tier-{model.risk.tier.value}"]
    meta["tags"] = tags
    datasets = [t.dataset for t in model.training_data]
    if datasets:
        meta["datasets"] = datasets
    metric_names = sorted({name for e in model.evaluation for name in e.metrics})
    if metric_names:
        meta["metrics"] = metric_names
    results = []
    for evaluation in model.evaluation:
        dataset = catalog.datasets.get(evaluation.dataset)
        results.append(
            {
                "task": {
                    "type": pipeline or (model.task or "other"),
                    "name": model.task or "other",
                },
                "dataset": {
                    "name": dataset.name if dataset else evaluation.dataset,
                    "type": evaluation.dataset,
                },
                "metrics": [
                    {"type": name, "value": value, "name": name}
                    for name, value in evaluation.metrics.items()
                ],
            }
        )
    if results:
        meta["model-index"] = [{"name": model.id, "results": results}]
    return meta


def _scalar(value: Any) -> str:
    """A YAML scalar: text always double-quoted (JSON strings are valid YAML), numbers as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _yaml_lines(value: Any, indent: str = "") -> list[str]:
    """Block-style YAML for the metadata's plain shapes (PyYAML's representer is ~10x slower)."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{indent}{key}:")
                lines += _yaml_lines(item, indent + "  ")
            else:
                lines.append(f"{indent}{key}: {_scalar(item) if item != [] else '[]'}")
    else:
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _yaml_lines(item, indent + "  ")
                lines.append(f"{indent}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{indent}- {_scalar(item)}")
    return lines


def hf_readme(report: GovernanceReport, model_id: str) -> str:
    """The README.md text for `model_id`."""
    model = report.catalog.models[model_id]
    meta = "\n".join(_yaml_lines(_metadata(model, report))) + "\n"
    lines = [
        "---",
        meta.rstrip(),
        "---",
        "",
        f"# {_text(model.name)}",
        "",
        _text(model.summary),
        "",
    ]
    if model.description:
        lines += [_text(model.description), ""]
    team = report.catalog.teams.get(model.owner)
    lines += [
        "## Model details",
        "",
        f"- **Owner:** {_text(team.name if team else model.owner)}",
        f"- **Version:** {_text(model.current_version.version)} ({model.current_version.date})",
        f"- **Stage:** {model.stage.value}",
    ]
    if model.task:
        lines.append(f"- **Task:** {_text(model.task)}")
    if model.framework:
        lines.append(f"- **Framework:** {_text(model.framework)}")
    lines.append("")
    if model.intended_use:
        lines += ["## Uses", "", "### Intended use", "", _text(model.intended_use.primary), ""]
        if model.intended_use.users:
            lines += [
                f"Intended users: {', '.join(_text(u) for u in model.intended_use.users)}.",
                "",
            ]
        if model.intended_use.out_of_scope:
            lines += ["### Out-of-scope use", ""]
            lines += [f"- {_text(u)}" for u in model.intended_use.out_of_scope] + [""]
    if model.training_data:
        lines += ["## Training data", ""]
        for item in model.training_data:
            extra = ", ".join(
                x
                for x in (
                    f"version {item.version}" if item.version else "",
                    f"{item.rows:,} rows" if item.rows else "",
                )
                if x
            )
            lines.append(f"- `{item.dataset}`" + (f" ({_text(extra)})" if extra else ""))
        lines.append("")
    if model.evaluation:
        lines += [
            "## Evaluation",
            "",
            "| dataset | segment | metric | value |",
            "| --- | --- | --- | --- |",
        ]
        for evaluation in model.evaluation:
            for name, value in evaluation.metrics.items():
                lines.append(f"| `{evaluation.dataset}` | all | {name} | {value:g} |")
            for segment in evaluation.slices:
                for name, value in segment.metrics.items():
                    cell = _text(segment.segment).replace("|", "\\|")
                    lines.append(f"| `{evaluation.dataset}` | {cell} | {name} | {value:g} |")
        lines.append("")
    if model.limitations or model.assumptions:
        lines += ["## Bias, risks, and limitations", ""]
        lines += [f"- {_text(x)}" for x in model.limitations]
        lines += [f"- Assumption: {_text(x)}" for x in model.assumptions] + [""]
    if model.fairness:
        lines += ["## Fairness", "", _text(model.fairness.analysis), ""]
    if model.ethical_considerations:
        lines += ["## Ethical considerations", "", _text(model.ethical_considerations), ""]
    if model.human_oversight:
        lines += ["## Human oversight", "", _text(model.human_oversight), ""]
    lines += [
        "## Governance",
        "",
        f"- **Risk tier:** {model.risk.tier.value}",
        f"- **EU AI Act class:** {model.risk.eu_ai_act.value}",
        f"- **Governance status:** {report.status.get(model.id, 'compliant')} (as of {report.as_of})",
    ]
    last = model.last_validation
    if last:
        lines.append(f"- **Last validation:** {last.date} by `{last.by}`: {last.outcome.value}")
    review = report.reviews.get(model.id)
    if review:
        lines.append(f"- **Next review due:** {review.due}")
    lines.append("")
    return "\n".join(lines)
