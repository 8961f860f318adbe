"""Each check kind: a card that passes and a card that fails, with the finding's location."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import load_minimal_card
from tests.governance.helpers import findings, line_of, rule, write_policy

SCORER = "credit-default-scorer"


def scorer(**changes: Any) -> dict[str, Any]:
    card = copy.deepcopy(load_minimal_card("models", SCORER))
    card["fairness"] = {"attributes": ["age"], "analysis": "AUC by age band within 0.03."}
    for key, value in changes.items():
        if value is None:
            card.pop(key, None)
        else:
            card[key] = value
    return card


def with_validation(**changes: Any) -> list[dict[str, Any]]:
    base = {
        "date": "2026-08-20",
        "by": "model-risk",
        "outcome": "approved",
        "next_review": "2027-08-20",
        "report": "https://wiki.bank.example/validation/cds-3.2",
    }
    base.update(changes)
    return [{k: v for k, v in base.items() if v is not None}]


MODEL_RISK_TWO = {
    "id": "model-risk",
    "name": "Model Risk Management",
    "function": "second-line",
    "people": [{"id": "apatel", "name": "Anika Patel"}, {"id": "bkim", "name": "Bo Kim"}],
}

# (test id, rule, card changes, expected (line of the finding's location, message fragment) or None)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, str] | None]] = [
    (
        "required-fields-ok",
        rule("required-fields", fields=["summary", "intended_use.primary"]),
        {},
        None,
    ),
    (
        "required-fields-missing",
        rule("required-fields", fields=["intended_use.out_of_scope", "limitations"]),
        {"intended_use": {"primary": "Pre-screening."}},
        ("intended_use", "`intended_use.out_of_scope` is missing"),
    ),
    ("review-cadence-ok", rule("review-cadence"), {}, None),
    (
        "review-cadence-overdue",
        rule("review-cadence"),
        {"validations": with_validation(date="2025-06-01", next_review=None)},
        ("validations[0].date", "overdue since 2026-06-01"),
    ),
    (
        "review-cadence-next-review-earlier",
        rule("review-cadence"),
        {"validations": with_validation(date="2026-01-10", next_review="2026-07-10")},
        ("validations[0].next_review", "overdue since 2026-07-10"),
    ),
    (
        "review-cadence-capped",
        rule("review-cadence", months_cap=6),
        {"validations": with_validation(date="2026-03-01", next_review=None)},
        ("validations[0].date", "overdue since 2026-09-01"),
    ),
    ("approval-ok", rule("approval", require_report=True), {}, None),
    (
        "approval-none",
        rule("approval"),
        {"validations": None},
        ("top", "no independent validation"),
    ),
    (
        "approval-rejected",
        rule("approval"),
        {"validations": with_validation(outcome="rejected", next_review=None)},
        ("validations[0].outcome", "rejected the model"),
    ),
    (
        "approval-in-progress",
        rule("approval"),
        {"validations": with_validation(outcome="in-progress", next_review=None)},
        ("validations[0].outcome", "latest: in-progress"),
    ),
    (
        "approval-old-version",
        rule("approval", covers_current_version=True),
        {"validations": with_validation(version="3.1.0")},
        ("validations[0].version", "covers version 3.1.0 but the current version is 3.2.0"),
    ),
    (
        "approval-no-report",
        rule("approval", require_report=True),
        {"validations": with_validation(report=None)},
        ("validations[0]", "links no report"),
    ),
    ("separation-ok", rule("separation-of-duties"), {}, None),
    (
        "separation-self-validated",
        rule("separation-of-duties"),
        {"validations": with_validation(by="credit-risk-ml")},
        ("validations[0].by", "validation by 'credit-risk-ml', which builds or owns the model"),
    ),
    (
        "separation-validator-is-responsible",
        rule("separation-of-duties"),
        {
            "contacts": [
                {"role": "accountable", "person": "jlee"},
                {"role": "validator", "person": "mchen"},
            ]
        },
        ("contacts[1].person", "validator 'mchen' is in the owning team"),
    ),
    ("team-size-ok", rule("owner-team-size"), {}, None),
    (
        "team-size-too-small",
        rule("owner-team-size", min_people=3),
        {},
        ("owner", "lists 2 people, fewer than 3"),
    ),
    ("monitoring-ok", rule("monitoring"), {}, None),
    (
        "monitoring-missing",
        rule("monitoring"),
        {"monitoring": None},
        ("top", "no monitoring declared"),
    ),
    (
        "monitoring-no-drift",
        rule("monitoring"),
        {"monitoring": {"metrics": {"auc": {"min": 0.7}, "latency_ms": {"max": 50}}}},
        ("monitoring.metrics", "no drift metric"),
    ),
    ("lineage-ok", rule("lineage", require_versions=True), {}, None),
    ("lineage-none", rule("lineage"), {"training_data": None}, ("top", "no training data")),
    (
        "lineage-no-version",
        rule("lineage", require_versions=True),
        {"training_data": [{"dataset": "loan-applications"}]},
        ("training_data[0]", "names no version"),
    ),
    ("fairness-ok", rule("fairness"), {}, None),
    (
        "fairness-missing",
        rule("fairness"),
        {"fairness": None},
        ("features[1].sensitive", "uses sensitive features (age) but has no fairness analysis"),
    ),
    (
        "fairness-attribute-not-analysed",
        rule("fairness"),
        {"fairness": {"attributes": ["sex"], "analysis": "By sex."}},
        ("fairness.attributes", "'age' is not among the analysed attributes"),
    ),
    (
        "fairness-too-old",
        rule("fairness", max_age_months=12),
        {"fairness": {"attributes": ["age"], "analysis": "By age.", "date": "2025-01-01"}},
        ("fairness.date", "older than 12 months"),
    ),
    ("oversight-ok", rule("human-oversight", min_length=20), {}, None),
    (
        "oversight-missing",
        rule("human-oversight"),
        {"human_oversight": None},
        ("top", "statement is missing"),
    ),
    ("contacts-ok", rule("contacts", roles=["accountable", "validator"]), {}, None),
    (
        "contacts-no-validator",
        rule("contacts", roles=["accountable", "validator"]),
        {"contacts": [{"role": "accountable", "person": "jlee"}]},
        ("contacts", "no validator contact"),
    ),
    ("evaluation-ok", rule("evaluation", require_slices=True), {}, None),
    ("evaluation-none", rule("evaluation"), {"evaluation": None}, ("top", "no offline evaluation")),
    (
        "evaluation-no-slices",
        rule("evaluation", require_slices=True),
        {"evaluation": [{"dataset": "loan-applications-holdout", "metrics": {"auc": 0.8}}]},
        ("evaluation[0]", "reports no per-segment metrics"),
    ),
    ("links-ok", rule("links", any_of=["documentation", "repository"]), {}, None),
    ("links-missing", rule("links", any_of=["logging"]), {}, ("links", "no `logging` link")),
    (
        "forbidden-out-of-scope",
        rule("forbidden", {"eu_ai_act": ["prohibited"]}, message="stop"),
        {},
        None,
    ),
    (
        "forbidden-in-scope",
        rule("forbidden", {"tiers": ["high"]}, message="stop it"),
        {},
        ("top", "stop it"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_check_kind(make_catalog: Callable[..., Any], case) -> None:
    _, policy_rule, changes, expected = case
    catalog = make_catalog(models=[scorer(**changes)], teams=[MODEL_RISK_TWO])
    write_policy(catalog, [policy_rule])
    found = [f for f in findings(catalog) if f.model_id == SCORER]
    if expected is None:
        assert [f.message for f in found] == []
        return
    loc, fragment = expected
    assert len(found) == 1, [f.message for f in found]
    finding = found[0]
    assert fragment in finding.message
    assert finding.rule == policy_rule["id"]
    assert finding.problem.path.endswith(f"models/{SCORER}.yaml")
    assert finding.problem.line == line_of(catalog / "models" / f"{SCORER}.yaml", loc)


def test_every_check_kind_has_a_passing_and_a_failing_case() -> None:
    from generator.policy import CHECKS

    kinds_ok = {c[1]["check"]["kind"] for c in CASES if c[3] is None}
    kinds_failing = {c[1]["check"]["kind"] for c in CASES if c[3] is not None}
    assert kinds_ok >= set(CHECKS) - {"retirement-plan"}
    assert kinds_failing >= set(CHECKS) - {"retirement-plan"}


def test_retirement_plan(make_catalog: Callable[..., Any]) -> None:
    legacy = load_minimal_card("models", "legacy-scorecard")
    no_plan = {k: v for k, v in legacy.items() if k != "retirement"}
    catalog = make_catalog(models=[no_plan])
    write_policy(catalog, [rule("retirement-plan")])
    assert [f.message for f in findings(catalog) if f.model_id == "legacy-scorecard"] == [
        "deprecated without a retirement plan; add `retirement: {date, replaced_by}`"
    ]
    catalog = make_catalog()
    write_policy(catalog, [rule("retirement-plan")])
    import datetime as dt

    assert findings(catalog, dt.date(2026, 12, 31)) == []
    late = findings(catalog, dt.date(2027, 1, 1))
    assert [f.message for f in late] == [
        "retirement date 2026-12-31 has passed but the model is still deprecated; "
        "set stage retired or move the date"
    ]
