"""Each shipped profile on the demo catalog (catalog/) as of 2026-11-22: exact findings.

The demo's governance stories are in catalog/README.md. If the demo changes, this
test says which finding appeared or went away.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from generator.policy import evaluate, governance_status, load_policy
from generator.validate import validate_catalog
from tests.conftest import REPO

AS_OF = dt.date(2026, 11, 22)
DEMO = REPO / "catalog"

EXPECTED: dict[str, dict[str, int]] = {
    "internal-default": {
        "atm-cash-forecaster:review-cadence:open": 1,
        "branch-staffing-forecaster:retirement:open": 1,
        "collections-prioritisation:approval:open": 1,
        "complaint-classifier:monitoring:open": 1,
        "customer-lifetime-value:review-cadence:open": 1,
        "employee-attrition-risk:monitoring:open": 1,
        "employee-attrition-risk:owner-team-size:open": 1,
        "ifrs9-staging-classifier:separation-of-duties:open": 2,
        "lgd-retail-mortgage:review-cadence:open": 1,
        "life-health-premium-pricing:high-risk-oversight:open": 1,
        "marketing-propensity:fairness:open": 1,
        "sanctions-name-screening:monitoring:waived": 1,
    },
    "us-sr-11-7": {
        "atm-cash-forecaster:annual-review:open": 1,
        "branch-staffing-forecaster:decommissioning:open": 1,
        "collections-prioritisation:independent-validation:open": 1,
        "collections-prioritisation:material-change:open": 1,
        "complaint-classifier:ongoing-monitoring:open": 1,
        "customer-lifetime-value:annual-review:open": 1,
        "employee-attrition-risk:ongoing-monitoring:open": 1,
        "ifrs9-staging-classifier:effective-challenge:open": 2,
        "lgd-retail-mortgage:annual-review:open": 1,
        "sanctions-name-screening:ongoing-monitoring:waived": 1,
    },
    "eu-ai-act": {
        "employee-attrition-risk:art15-accuracy-monitoring:open": 1,
        "life-health-premium-pricing:art14-human-oversight:open": 1,
    },
    "nist-ai-rmf": {
        "atm-cash-forecaster:govern-1.5-periodic-review:open": 1,
        "branch-staffing-forecaster:govern-1.7-decommissioning:open": 1,
        "complaint-classifier:measure-2.4-production-monitoring:open": 1,
        "customer-lifetime-value:govern-1.5-periodic-review:open": 1,
        "employee-attrition-risk:measure-2.4-production-monitoring:open": 1,
        "ifrs9-staging-classifier:measure-1.3-independent-assessment:open": 2,
        "lgd-retail-mortgage:govern-1.5-periodic-review:open": 1,
        "life-health-premium-pricing:govern-3.2-human-oversight:open": 1,
        "marketing-propensity:measure-2.11-fairness:open": 1,
        "sanctions-name-screening:measure-2.4-production-monitoring:waived": 1,
    },
}


@pytest.fixture(scope="module")
def demo():
    result = validate_catalog(DEMO, today=AS_OF)
    assert [str(p) for p in result.problems] == []
    return result.catalog


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_each_shipped_profile_alone_on_the_demo(demo, profile: str, tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(f"profiles: [{profile}]\n")
    policy, problems = load_policy(tmp_path)
    assert problems == [] and policy is not None
    findings = evaluate(demo, AS_OF, policy)
    found = Counter(
        f"{f.model_id}:{f.rule.split('.', 1)[1]}:{f.status}"
        for f in findings
        if f.profile == profile
    )
    assert dict(found) == EXPECTED[profile]
    # waivers of rules of the profiles not selected here are flagged, never silently ignored
    assert {f.rule for f in findings if f.profile != profile} <= {"waiver.unknown-rule"}


def test_the_demo_policy_tells_the_readme_stories(demo) -> None:
    policy, problems = load_policy(DEMO)
    assert problems == []
    findings = evaluate(demo, AS_OF, policy)
    assert len(findings) == sum(sum(v.values()) for v in EXPECTED.values()) == 37
    status = governance_status(demo, policy, findings, AS_OF)
    assert Counter(str(s) for s in status.values()) == {
        "compliant": 20,
        "non-compliant": 7,
        "overdue": 3,
        "due-soon": 1,
    }
    expired = [f for f in findings if f.model_id == "customer-lifetime-value" and f.waiver]
    assert {(f.rule, f.status, str(f.waiver.expires)) for f in expired} == {
        ("internal.review-cadence", "open", "2026-06-30"),
        ("sr11-7.annual-review", "open", "2026-06-30"),
    }
    assert all(f.message.endswith("(waiver expired 2026-06-30)") for f in expired)
