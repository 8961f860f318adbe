"""Helpers for governance tests: a catalog with a one-rule policy, evaluated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from generator.policy import Finding, evaluate, load_policy
from generator.validate import validate_catalog

TODAY = dt.date(2026, 11, 22)


def write_policy(catalog: Path, rules: list[dict[str, Any]], **config: Any) -> None:
    """A catalog-local profile `local.yaml` holding `rules`, selected by policy.yaml."""
    profile = {"id": "local", "title": "Local test profile", "rules": rules}
    (catalog / "local.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    config.setdefault("profiles", ["local.yaml"])
    (catalog / "policy.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def rule(kind: str, scope: dict[str, Any] | None = None, severity: str = "error", **params: Any):
    """A rule dict for check `kind` with `params`."""
    return {
        "id": f"local.{kind}",
        "title": f"{kind} holds",
        "rationale": "Test rule.",
        "clause": "Test §1",
        "severity": severity,
        "scope": scope or {},
        "check": {"kind": kind, **params},
    }


def findings(catalog: Path, today: dt.date = TODAY) -> list[Finding]:
    """Validate (asserting no problems) and evaluate the catalog's policy."""
    result = validate_catalog(catalog, today=today)
    assert [str(p) for p in result.problems] == []
    policy, problems = load_policy(catalog)
    assert [str(p) for p in problems] == []
    assert policy is not None
    return evaluate(result.catalog, today, policy)


def line_of(card_path: Path, loc: str) -> int:
    """The line of a field (`a.b[0].c`, or `top`) found by yaml.compose, independent of govcat."""
    node = yaml.compose(card_path.read_text())
    if loc == "top":
        return 1
    for part in loc.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, yaml.SequenceNode):
            node = node.value[int(part)]
        else:
            node = next(v for k, v in node.value if k.value == part)
    return node.start_mark.line + 1
