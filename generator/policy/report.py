"""Everything governance knows about a catalog on one date, built once for exports and pages."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog import Catalog
from generator.errors import ProblemsFound
from generator.policy.checks import ReviewDue
from generator.policy.engine import (
    CellState,
    Finding,
    GovernanceStatus,
    Policy,
    ProfileScore,
    evaluate,
    governance_status,
    profile_scores,
    require_policy,
    review_schedule,
    rule_states,
)
from generator.policy.model import PolicyConfig


@dataclass
class GovernanceReport:
    """The catalog's governance as of a date: findings, statuses, reviews and scores."""

    catalog: Catalog
    as_of: dt.date
    policy: Policy | None
    findings: list[Finding] = field(default_factory=list)
    status: dict[str, GovernanceStatus] = field(default_factory=dict)
    reviews: dict[str, ReviewDue] = field(default_factory=dict)
    states: dict[str, dict[str, CellState]] = field(default_factory=dict)
    scores: dict[str, list[ProfileScore]] = field(default_factory=dict)

    def findings_of(self, model_id: str) -> list[Finding]:
        """The model's findings (open and waived), in rule order."""
        return self._by_model.get(model_id, [])

    @property
    def _by_model(self) -> dict[str, list[Finding]]:
        cached = self.__dict__.get("_by_model_cache")
        if cached is None:
            cached = {}
            for finding in self.findings:
                cached.setdefault(finding.model_id, []).append(finding)
            self.__dict__["_by_model_cache"] = cached
        return cached

    def status_counts(self) -> Counter[str]:
        """Models per governance status."""
        return Counter(str(s) for s in self.status.values())


def governance_report(
    catalog: Catalog, as_of: dt.date, policy: Policy | None = None
) -> GovernanceReport:
    """Evaluate the catalog's policy (loaded from the catalog unless given) as of `as_of`.

    Without a policy.yaml every model is `compliant` with no findings, and
    reviews follow the default cadence.
    """
    if policy is None:
        policy = require_policy(catalog.root)
    if policy is None:
        empty = Policy(PolicyConfig(profiles=[]), [], [])
        return GovernanceReport(
            catalog,
            as_of,
            None,
            status=governance_status(catalog, empty, [], as_of),
            reviews=review_schedule(catalog, empty, as_of),
        )
    findings = evaluate(catalog, as_of, policy)
    states = rule_states(catalog, policy, findings)
    return GovernanceReport(
        catalog,
        as_of,
        policy,
        findings,
        governance_status(catalog, policy, findings, as_of),
        review_schedule(catalog, policy, as_of),
        states,
        profile_scores(policy, states),
    )


def load_report(root: Path, as_of: dt.date) -> GovernanceReport:
    """Validate the catalog at `root` and evaluate its policy; `ProblemsFound` on errors."""
    from generator.validate import validate_catalog

    result = validate_catalog(root, today=as_of)
    if result.errors:
        raise ProblemsFound(result.errors)
    return governance_report(result.catalog, as_of)
