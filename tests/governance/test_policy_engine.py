"""Policy loading, waivers, governance status and the `govcat validate` integration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.policy import (
    SHIPPED_PROFILES,
    GovernanceStatus,
    evaluate,
    governance_status,
    load_policy,
    profile_scores,
    review_schedule,
    rule_states,
)
from generator.policy.engine import _shipped_profile
from generator.validate import validate_catalog
from tests.conftest import load_minimal_card
from tests.governance.helpers import TODAY, findings, line_of, rule, write_policy

SCORER = "credit-default-scorer"


@pytest.mark.parametrize("name", SHIPPED_PROFILES)
def test_shipped_profiles_load_and_cite_clauses(name: str) -> None:
    profile, problems = _shipped_profile(name)
    assert problems == ()
    assert profile is not None and len(profile.rules) >= 10
    assert all(r.clause and r.rationale and r.id.split(".")[0] for r in profile.rules)
    prefixes = {r.id.split(".")[0] for r in profile.rules}
    assert len(prefixes) == 1


def test_no_policy_file_means_no_findings(minimal_catalog: Path) -> None:
    assert load_policy(minimal_catalog) == (None, [])
    result = validate_catalog(minimal_catalog, today=TODAY)
    assert evaluate(result.catalog, TODAY) == []


def test_policy_errors_are_located(minimal_catalog: Path, monkeypatch) -> None:
    (minimal_catalog / "policy.yaml").write_text(
        "profiles: [internal-default, sr-11-7, ../outside.yaml]\n"
        "parameters:\n  review_cadence_months: {high: 0}\n  colour: red\n"
        "disabled_rules: [internal.nope]\n"
    )
    monkeypatch.chdir(minimal_catalog.parent)
    policy, problems = load_policy(Path("catalog"))
    assert [str(p) for p in problems] == [
        "catalog/policy.yaml:3:33: policy-schema: parameters.review_cadence_months.high: "
        "Input should be greater than or equal to 1",
        "catalog/policy.yaml:4:3: policy-schema: parameters.colour: unknown key 'colour'",
    ]
    (minimal_catalog / "policy.yaml").write_text(
        "profiles: [internal-default, sr-11-7, ../outside.yaml]\ndisabled_rules: [internal.nope]\n"
    )
    policy, problems = load_policy(Path("catalog"))
    assert [str(p) for p in problems] == [
        "catalog/policy.yaml:1:30: policy-profile-unknown: no shipped profile 'sr-11-7'; known: "
        "internal-default, us-sr-11-7, eu-ai-act, nist-ai-rmf, or a catalog-relative file "
        "ending in .yaml",
        "catalog/policy.yaml:1:39: policy-profile-unknown: profile file '../outside.yaml' does "
        "not exist inside the catalog folder",
        "catalog/policy.yaml:2:18: policy-rule-unknown: warning: no rule 'internal.nope' in the "
        "selected profiles; check the id (`govcat policy list`)",
    ]
    result = CliRunner().invoke(cli, ["validate", "catalog"])
    assert result.exit_code == 1
    assert "policy-profile-unknown" in result.output


def test_bad_check_parameters_in_a_custom_profile(minimal_catalog: Path, monkeypatch) -> None:
    write_policy(
        minimal_catalog,
        [rule("monitoring", kinds=["speed"]), rule("teleport"), rule("approval", colour=1)],
    )
    monkeypatch.chdir(minimal_catalog.parent)
    _, problems = load_policy(Path("catalog"))
    rules = [(p.rule, p.message.split(":")[0]) for p in problems]
    assert rules == [
        ("policy-schema", "rules[0].check.kinds[0]"),
        ("policy-check-kind", "unknown check kind 'teleport'; known"),
        ("policy-schema", "rules[2].check.colour"),
    ]
    assert all(p.path == "catalog/local.yaml" and p.line for p in problems)


def _waived_card(waiver: dict[str, Any]) -> dict[str, Any]:
    card = load_minimal_card("models", SCORER)
    card["waivers"] = [waiver]
    return card


def test_waiver_suppresses_until_expiry_then_the_finding_returns(make_catalog) -> None:
    waiver = {
        "rule": "local.fairness",
        "reason": "Analysis scheduled with the 2027 retrain.",
        "approved_by": "apatel",
        "expires": "2026-12-31",
    }
    catalog = make_catalog(models=[_waived_card(waiver)])
    write_policy(catalog, [rule("fairness")])
    before = findings(catalog, dt.date(2026, 12, 31))
    assert [(f.rule, f.status, str(f.waiver.expires)) for f in before] == [
        ("local.fairness", "waived", "2026-12-31")
    ]
    assert "[waived until 2026-12-31 by apatel]" in str(before[0].problem)
    after = findings(catalog, dt.date(2027, 1, 1))
    assert [(f.rule, f.status) for f in after] == [("local.fairness", "open")]
    assert after[0].message.endswith("(waiver expired 2026-12-31)")


def test_waiver_by_a_non_validator_is_a_finding_and_does_not_apply(make_catalog) -> None:
    waiver = {
        "rule": "local.fairness",
        "reason": "Self-approved.",
        "approved_by": "mchen",
        "expires": "2027-06-30",
    }
    catalog = make_catalog(models=[_waived_card(waiver)])
    write_policy(catalog, [rule("fairness")])
    found = sorted(findings(catalog), key=lambda f: f.rule)
    assert [(f.rule, f.status, f.severity) for f in found] == [
        ("local.fairness", "open", "error"),
        ("waiver.approver", "open", "error"),
    ]
    card_path = catalog / "models" / f"{SCORER}.yaml"
    assert found[1].problem.line == line_of(card_path, "waivers[0].approved_by")
    assert "'mchen', who is not an independent validator" in found[1].message


def test_waiver_for_unknown_rule_is_a_warning(make_catalog) -> None:
    waiver = {
        "rule": "local.nothing",
        "reason": "Typo.",
        "approved_by": "apatel",
        "expires": "2027-06-30",
    }
    catalog = make_catalog(models=[_waived_card(waiver)])
    write_policy(catalog, [rule("links", {"tiers": ["high"]}, any_of=["repository"])])
    assert [(f.rule, f.severity) for f in findings(catalog)] == [("waiver.unknown-rule", "warning")]


def _status(catalog: Path, today: dt.date) -> dict[str, GovernanceStatus]:
    result = validate_catalog(catalog, today=today)
    policy, _ = load_policy(catalog)
    found = evaluate(result.catalog, today, policy)
    return governance_status(result.catalog, policy, found, today)


def test_governance_status_follows_review_dates_and_errors(make_catalog) -> None:
    catalog = make_catalog()
    write_policy(catalog, [rule("review-cadence"), rule("lineage", {"tiers": ["low"]})])
    # credit-default-scorer: validated 2026-08-20, next review 2027-08-20
    assert _status(catalog, dt.date(2027, 7, 21))[SCORER] == "due-soon"
    assert _status(catalog, dt.date(2027, 7, 20))[SCORER] == "compliant"
    assert _status(catalog, dt.date(2027, 8, 20))[SCORER] == "due-soon"
    assert _status(catalog, dt.date(2027, 8, 21))[SCORER] == "overdue"
    statuses = _status(catalog, dt.date(2026, 11, 22))
    assert statuses == {
        "churn-predictor": "non-compliant",  # low tier without training data
        SCORER: "compliant",
        "legacy-scorecard": "compliant",
    }


def test_review_schedule_and_scores(make_catalog) -> None:
    catalog = make_catalog()
    write_policy(catalog, [rule("review-cadence", months_cap=6), rule("human-oversight")])
    result = validate_catalog(catalog, today=TODAY)
    policy, _ = load_policy(catalog)
    schedule = review_schedule(result.catalog, policy, TODAY)
    assert {k: str(v.due) for k, v in schedule.items()} == {SCORER: "2027-02-20"}
    found = evaluate(result.catalog, TODAY, policy)
    states = rule_states(result.catalog, policy, found)
    assert states[SCORER] == {"local.review-cadence": "pass", "local.human-oversight": "pass"}
    assert states["churn-predictor"]["local.human-oversight"] == "fail"
    scores = profile_scores(policy, states)
    assert [(s.profile, s.applicable, s.passed, s.percent) for s in scores["churn-predictor"]] == [
        ("local", 2, 1, 50)
    ]


def test_validate_prints_findings_and_fails_only_when_asked(make_catalog, monkeypatch) -> None:
    catalog = make_catalog()
    write_policy(
        catalog,
        [
            rule("human-oversight", {"stages": ["staging"]}),
            rule("links", severity="warning", any_of=["docs"]),
        ],
    )
    monkeypatch.chdir(catalog.parent)
    run = CliRunner().invoke
    plain = run(cli, ["validate", "catalog", "--today", "2026-11-22"])
    assert plain.exit_code == 0, plain.output
    lines = plain.output.splitlines()
    assert lines[0] == (
        "catalog/models/churn-predictor.yaml:1:1: local.human-oversight: the human-oversight "
        "statement is missing; describe who reviews outputs, how they can override or stop the model"
    )
    assert lines[-1].startswith("catalog: 3 models, 2 datasets, 2 teams — valid (4 findings")
    assert (
        run(cli, ["validate", "catalog", "--today", "2026-11-22", "--fail-on", "error"]).exit_code
        == 1
    )
    write_policy(catalog, [rule("links", severity="warning", any_of=["docs"])])
    assert (
        run(cli, ["validate", "catalog", "--today", "2026-11-22", "--fail-on", "error"]).exit_code
        == 0
    )
    assert (
        run(cli, ["validate", "catalog", "--today", "2026-11-22", "--fail-on", "warning"]).exit_code
        == 1
    )


def test_policy_cli(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    run = CliRunner().invoke
    listing = run(cli, ["policy", "list"])
    assert listing.exit_code == 0
    assert "us-sr-11-7 (available): US bank model risk management" in listing.output
    explained = run(cli, ["policy", "explain", "eu-ai-act.art14-human-oversight"])
    assert explained.exit_code == 0
    assert "clause:    EU AI Act Art. 14(1), 14(4); Annex IV(2)(e)" in explained.output
    missing = run(cli, ["policy", "explain", "nope"])
    assert missing.exit_code == 1
    assert "no rule 'nope'" in missing.output
    checks = run(cli, ["policy", "checks"])
    assert checks.output.splitlines()[0] == "approval"


def test_evaluate_raises_on_a_broken_policy(minimal_catalog: Path) -> None:
    from generator.errors import ProblemsFound

    (minimal_catalog / "policy.yaml").write_text("profiles: [nope]\n")
    result = validate_catalog(minimal_catalog, today=TODAY)
    with pytest.raises(ProblemsFound):
        evaluate(result.catalog, TODAY)


def test_findings_sorted_are_stable(make_catalog: Callable[..., Path]) -> None:
    catalog = make_catalog()
    (catalog / "policy.yaml").write_text(
        "profiles: [internal-default, us-sr-11-7, eu-ai-act, nist-ai-rmf]\n"
    )
    first = [str(f.problem) for f in findings(catalog)]
    assert first == [str(f.problem) for f in findings(catalog)]
    assert len(first) > 10
