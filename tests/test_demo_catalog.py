"""The demo catalog that `make site` publishes: valid, complete, and telling its stories.

The demo's governance and monitoring stories are dated relative to STORY_DAY
(see catalog/README.md); schema validity is checked against the real today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalog import Catalog
from generator.cli import cli
from generator.schema import (
    Classification,
    ContactRole,
    EuAiActClass,
    ModelCard,
    RiskTier,
    Stage,
    ValidationOutcome,
)
from generator.validate import validate_catalog

DEMO = Path(__file__).resolve().parent.parent / "catalog"
STORY_DAY = dt.date(2026, 11, 22)
SCHEMA_LINE = {
    "models": "# yaml-language-server: $schema=../../schema/models.json",
    "datasets": "# yaml-language-server: $schema=../../schema/datasets.json",
    "teams": "# yaml-language-server: $schema=../../schema/teams.json",
}
APPROVALS = {ValidationOutcome.approved, ValidationOutcome.approved_with_conditions}


@pytest.fixture(scope="module")
def demo() -> Catalog:
    result = validate_catalog(DEMO, today=dt.date.today())
    assert [str(p) for p in result.problems] == []
    return result.catalog


def card_files() -> list[tuple[str, Path]]:
    return [
        (folder, path) for folder in SCHEMA_LINE for path in sorted((DEMO / folder).glob("*.yaml"))
    ]


def test_demo_validates_with_zero_problems_today() -> None:
    result = validate_catalog(DEMO, today=dt.date.today())
    assert [str(p) for p in result.problems] == []
    assert len(result.catalog.models) == len(list((DEMO / "models").glob("*.yaml")))


def test_govcat_validate_exits_0_on_the_demo() -> None:
    result = CliRunner().invoke(cli, ["validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_demo_is_bank_sized(demo: Catalog) -> None:
    assert len(demo.models) >= 24
    assert len(demo.teams) >= 6
    assert len(demo.datasets) >= 12
    first_line = {t.id for t in demo.teams.values() if t.function == "first-line"}
    assert len({m.owner for m in demo.models.values()} & first_line) >= 7
    assert {"second-line", "third-line", "data"} <= {t.function for t in demo.teams.values()}


@pytest.mark.parametrize(
    ("enum", "attribute"),
    [
        (Stage, lambda m: m.stage),
        (RiskTier, lambda m: m.risk.tier),
        (Classification, lambda m: m.classification),
        (EuAiActClass, lambda m: m.risk.eu_ai_act),
    ],
    ids=["stage", "risk-tier", "classification", "eu-ai-act"],
)
def test_every_enum_value_is_present(demo: Catalog, enum, attribute) -> None:
    present = {attribute(m) for m in demo.models.values()}
    assert set(enum) - present == set()


@pytest.mark.parametrize(("folder", "path"), card_files(), ids=lambda v: getattr(v, "name", v))
def test_file_starts_with_schema_line_and_id_is_stem(folder: str, path: Path) -> None:
    text = path.read_text("utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE[folder]
    match = re.search(r"^id: (\S+)$", text, re.MULTILINE)
    assert match is not None and match.group(1) == path.stem


def test_settings_file_starts_with_schema_line_and_names_the_bank(demo: Catalog) -> None:
    first = (DEMO / "settings.yaml").read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/settings.json"
    assert "Northwind" in demo.settings.title
    assert demo.settings.repository_url and demo.settings.site_url


def test_people_are_unique_and_models_name_an_accountable_person(demo: Catalog) -> None:
    ids = Counter(p.id for t in demo.teams.values() for p in t.people)
    assert [pid for pid, n in ids.items() if n > 1] == []
    for model in demo.models.values():
        roles = {c.role for c in model.contacts}
        assert ContactRole.accountable in roles, model.id


def test_lineage_runs_from_raw_to_holdout(demo: Catalog) -> None:
    def depth(dataset_id: str) -> int:
        upstream = demo.datasets[dataset_id].derived_from
        return 1 + max((depth(u) for u in upstream), default=0)

    assert max(depth(d) for d in demo.datasets) >= 4  # raw → curated → features → holdout
    used = {t.dataset for m in demo.models.values() for t in m.training_data}
    assert len(used) >= 10


def test_versions_and_validations_tell_a_history(demo: Catalog) -> None:
    multi = [m for m in demo.models.values() if len(m.versions) >= 2]
    assert len(multi) >= 20
    outcomes = {v.outcome for m in demo.models.values() for v in m.validations}
    assert outcomes == set(ValidationOutcome)


# --- the stories of catalog/README.md, checked on the data itself -------------


def in_use(model: ModelCard) -> bool:
    return model.stage in (Stage.production, Stage.staging)


def latest_review(model: ModelCard) -> dt.date | None:
    last = model.last_validation
    return last.next_review if last else None


def test_governance_stories_are_in_the_data(demo: Catalog) -> None:
    models = demo.models
    overdue = [
        m.id
        for m in models.values()
        if m.stage == Stage.production and (latest_review(m) or STORY_DAY) < STORY_DAY
    ]
    assert {"lgd-retail-mortgage", "atm-cash-forecaster", "customer-lifetime-value"} <= set(overdue)

    collections = models["collections-prioritisation"]
    assert collections.stage == Stage.production and collections.risk.tier == RiskTier.high
    assert {v.outcome for v in collections.validations} == {ValidationOutcome.in_progress}

    ifrs9 = models["ifrs9-staging-classifier"]
    assert ifrs9.last_validation.by == ifrs9.owner

    waivers = {(m.id, w.expires > STORY_DAY) for m in models.values() for w in m.waivers}
    assert ("sanctions-name-screening", True) in waivers
    assert ("customer-lifetime-value", False) in waivers
    validators = {p.id for p in demo.teams["model-risk"].people}
    assert all(w.approved_by in validators for m in models.values() for w in m.waivers)

    branch = models["branch-staffing-forecaster"]
    assert branch.stage == Stage.deprecated and branch.retirement is None
    legacy = models["application-scorecard-legacy"]
    assert legacy.retirement and legacy.retirement.replaced_by == "retail-pd-scorer"

    pricing = models["life-health-premium-pricing"]
    assert pricing.risk.eu_ai_act == EuAiActClass.high_risk and pricing.human_oversight is None

    propensity = models["marketing-propensity"]
    assert any(f.sensitive for f in propensity.features) and propensity.fairness is None

    assert len(demo.teams[models["employee-attrition-risk"].owner].people) == 1


def test_compliant_models_are_really_compliant(demo: Catalog) -> None:
    """Outside the deliberate stories, models in use are approved, reviewed and monitored."""
    stories = {
        "collections-prioritisation",
        "lgd-retail-mortgage",
        "atm-cash-forecaster",
        "customer-lifetime-value",
        "complaint-classifier",
        "employee-attrition-risk",
        "app-scam-detector",
    }
    for model in demo.models.values():
        if not in_use(model) or model.id in stories:
            continue
        assert any(v.outcome in APPROVALS for v in model.validations), model.id
        assert latest_review(model) and latest_review(model) >= STORY_DAY, model.id
        assert model.monitoring and len(model.monitoring.metrics) >= 2, model.id
        kinds = {t.kind for t in model.monitoring.metrics.values()}
        assert None not in kinds, model.id
        if model.id != "sanctions-name-screening":  # waived: operational metrics only
            assert {"performance", "drift"} <= kinds, model.id


def test_monitoring_stories_have_what_they_need(demo: Catalog) -> None:
    models = demo.models
    assert "psi" in models["customer-churn-predictor"].monitoring.metrics
    assert models["card-fraud-detector"].monitoring.metrics["auc"].min is not None
    last_atm_data = dt.date(2026, 11, 8)  # the feed stops here (README)
    assert (
        models["atm-cash-forecaster"].monitoring.freshness_days < (STORY_DAY - last_atm_data).days
    )
    prepayment = models["mortgage-prepayment"]
    assert prepayment.versions[-1].date == dt.date(2026, 5, 11)
    bnpl = models["bnpl-affordability-scorer"].monitoring
    assert "age_band=18-24" in bnpl.segments
    assert bnpl.metrics["approval_rate_ratio"].kind == "fairness"
    unmonitored = [
        m.id for m in models.values() if m.stage == Stage.production and not m.monitoring
    ]
    assert sorted(unmonitored) == ["complaint-classifier", "employee-attrition-risk"]


def test_readme_story_tables_name_real_models(demo: Catalog) -> None:
    readme = (DEMO / "README.md").read_text("utf-8")
    stories = readme[readme.index("## Monitoring stories") :]
    first_cells = re.findall(r"^\| ([^|]*`[^|]*)\|", stories, re.MULTILINE)
    named = {name for cell in first_cells for name in re.findall(r"`([a-z0-9-]+)`", cell)}
    assert len(named) >= 15
    assert named - set(demo.models) == set()
