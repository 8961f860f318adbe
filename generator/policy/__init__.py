"""Governance as code: policy profiles, their rules, and findings on the catalog.

`evaluate(catalog, today)` is the entry point; `load_policy(root)` reads
`catalog/policy.yaml` and the profiles it selects. The check kinds rules can use
are in `generator.policy.checks` (`CHECKS`).
"""

from generator.policy.checks import CHECKS, ReviewDue, review_due
from generator.policy.engine import (
    POLICY_FILE,
    SHIPPED_PROFILES,
    ActiveRule,
    Finding,
    GovernanceStatus,
    Policy,
    PolicyRun,
    ProfileScore,
    evaluate,
    governance_status,
    load_policy,
    profile_scores,
    require_policy,
    review_schedule,
    rule_states,
    run_policy,
)

__all__ = [
    "CHECKS",
    "POLICY_FILE",
    "SHIPPED_PROFILES",
    "ActiveRule",
    "Finding",
    "GovernanceStatus",
    "Policy",
    "PolicyRun",
    "ProfileScore",
    "ReviewDue",
    "evaluate",
    "governance_status",
    "load_policy",
    "profile_scores",
    "require_policy",
    "review_due",
    "review_schedule",
    "rule_states",
    "run_policy",
]
