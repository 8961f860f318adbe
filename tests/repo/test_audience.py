"""Audience narrowing: what a public, internal or restricted build may contain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.audience import (
    HIDDEN,
    WITHHELD,
    UnknownAudience,
    internal_only,
    narrow,
    narrow_catalog,
    scrub_ids,
    strip_internal,
    visible_to,
)
from generator.catalog import Catalog
from generator.health import HealthStatus, ModelHealth, MonitoringSummary
from generator.policy import Finding
from generator.schema import FILE_KINDS, Settings, Waiver
from generator.validate import validate_catalog
from tests.conftest import load_minimal_card

AS_OF = dt.date(2026, 11, 20)


def valid_catalog(root: Path) -> Catalog:
    result = validate_catalog(root, today=AS_OF)
    assert result.errors == []
    return result.catalog


@pytest.mark.parametrize(
    ("classification", "public", "internal", "restricted"),
    [
        ("public", True, True, True),
        ("internal", False, True, True),
        ("confidential", False, False, True),
        ("restricted", False, False, True),
    ],
)
def test_who_sees_which_classification(
    classification: str, public: bool, internal: bool, restricted: bool
) -> None:
    assert visible_to(classification, "public") is public
    assert visible_to(classification, "internal") is internal
    assert visible_to(classification, "restricted") is restricted


def test_unknown_audience_is_refused(minimal_catalog: Path) -> None:
    with pytest.raises(UnknownAudience, match="'everyone' is not one of public, internal"):
        narrow_catalog(valid_catalog(minimal_catalog), "everyone")


@pytest.mark.parametrize(
    ("audience", "models", "datasets"),
    [
        ("public", ["churn-predictor"], []),
        ("internal", ["churn-predictor", "credit-default-scorer"], ["loan-applications-holdout"]),
        (
            "restricted",
            ["churn-predictor", "credit-default-scorer", "legacy-scorecard"],
            ["loan-applications-holdout", "loan-applications"],
        ),
    ],
)
def test_cards_above_the_audience_are_dropped(
    minimal_catalog: Path, audience: str, models: list[str], datasets: list[str]
) -> None:
    narrowed = narrow_catalog(valid_catalog(minimal_catalog), audience).catalog
    assert list(narrowed.models) == models
    assert list(narrowed.datasets) == datasets
    assert list(narrowed.teams) == ["credit-risk-ml", "model-risk"]
    assert {card_id for kind, card_id in narrowed.documents if kind == "models"} == set(models)


def _serialised(catalog: Catalog) -> str:
    parts = [catalog.settings.model_dump_json()]
    for folder in FILE_KINDS:
        parts += [card.model_dump_json() for card in getattr(catalog, folder).values()]
    return "\n".join(parts)


def test_references_to_hidden_cards_never_show_their_ids(minimal_catalog: Path) -> None:
    narrowed = narrow_catalog(valid_catalog(minimal_catalog), "internal")
    assert narrowed.hidden_models == {"legacy-scorecard"}
    assert narrowed.hidden_datasets == {"loan-applications"}
    scorer = narrowed.catalog.models["credit-default-scorer"]
    assert [t.dataset for t in scorer.training_data] == [HIDDEN]
    assert [f.source for f in scorer.features] == [HIDDEN, None]
    assert [e.dataset for e in scorer.evaluation] == ["loan-applications-holdout"]
    holdout = narrowed.catalog.datasets["loan-applications-holdout"]
    assert holdout.derived_from == [HIDDEN]
    text = _serialised(narrowed.catalog)
    # "loan-applications" is a prefix of the visible holdout's id: look for whole ids
    assert '"loan-applications"' not in text
    assert 'dataset:loan-applications"' not in text
    assert "legacy-scorecard" not in text and "Legacy Application Scorecard" not in text


def test_replaced_by_a_hidden_model_is_cleared(make_catalog: Callable[..., Path]) -> None:
    churn = load_minimal_card("models", "churn-predictor")
    churn.update(
        stage="deprecated",
        versions=[{"version": "0.9.0", "date": "2026-10-01", "stage": "deprecated"}],
        retirement={"date": "2027-01-31", "replaced_by": "credit-default-scorer"},
    )
    catalog = valid_catalog(make_catalog(models=[churn]))
    public = narrow_catalog(catalog, "public").catalog.models["churn-predictor"]
    assert public.retirement is not None and public.retirement.replaced_by is None
    internal = narrow_catalog(catalog, "internal").catalog.models["churn-predictor"]
    assert internal.retirement is not None
    assert internal.retirement.replaced_by == "credit-default-scorer"


def test_schema_marks_the_internal_only_fields() -> None:
    from generator import schema

    marked = sorted(
        f"{model.__name__}.{name}"
        for model in vars(schema).values()
        if isinstance(model, type) and issubclass(model, schema.StrictModel)
        for name in model.model_fields
        if internal_only(model, name)
    )
    assert marked == [
        "DatasetCard.links",
        "DatasetCard.source_system",
        "Deployment.endpoint",
        "Fairness.report",
        "ModelCard.links",
        "Monitoring.dashboard",
        "Person.email",
        "Settings.repository_url",
        "Team.channel",
        "Team.email",
        "Validation.report",
        "Version.registry",
        "Waiver.reason",
    ]


def test_public_build_drops_internal_only_fields(make_catalog: Callable[..., Path]) -> None:
    scorer = load_minimal_card("models", "credit-default-scorer")
    scorer["classification"] = "public"
    scorer["waivers"] = [
        {
            "rule": "internal.fairness",
            "reason": "SECRET-WAIVER-REASON",
            "approved_by": "apatel",
            "expires": "2027-01-01",
        }
    ]
    scorer["monitoring"]["dashboard"] = "https://grafana.bank.example/d/secret"
    catalog = valid_catalog(make_catalog(models=[scorer]))
    catalog.settings = Settings(repository_url="https://git.bank.example/catalog")

    public = narrow_catalog(catalog, "public").catalog
    card = public.models["credit-default-scorer"]
    assert card.deployment is not None
    assert card.deployment.endpoint is None
    assert card.deployment.platform == "kubernetes"  # not marked: kept
    assert card.links == {}
    assert card.versions[-1].registry is None
    assert card.validations[0].report is None
    assert card.monitoring is not None and card.monitoring.dashboard is None
    assert card.waivers[0].reason == WITHHELD
    assert card.waivers[0].rule == "internal.fairness"
    assert public.teams["credit-risk-ml"].email is None
    assert [p.email for p in public.teams["credit-risk-ml"].people] == [None, None]
    assert public.settings.repository_url is None
    text = _serialised(public)
    for secret in ("SECRET-WAIVER-REASON", "bank.example", "scoring-api", "models:/"):
        assert secret not in text

    internal = narrow_catalog(catalog, "internal").catalog
    kept = internal.models["credit-default-scorer"]
    assert kept.deployment is not None and kept.deployment.endpoint == "scoring-api/credit-default"
    assert kept.waivers[0].reason == "SECRET-WAIVER-REASON"
    assert internal.teams["credit-risk-ml"].email == "credit-risk-ml@bank.example"
    # the input catalog is never modified
    assert (
        catalog.models["credit-default-scorer"].deployment.endpoint == "scoring-api/credit-default"
    )


def test_strip_internal_returns_the_same_object_when_nothing_is_marked() -> None:
    waiver = Waiver(rule="r", reason="why", approved_by="apatel", expires=dt.date(2027, 1, 1))
    assert strip_internal(waiver).reason == WITHHELD
    settings = Settings()
    assert strip_internal(settings) is settings


def _health(model_id: str) -> ModelHealth:
    return ModelHealth(model_id, HealthStatus.ok, AS_OF, None)


def _finding(model_id: str, message: str, waiver: Waiver | None = None) -> Finding:
    return Finding(
        "internal.lineage",
        "Lineage",
        "error",
        model_id,
        message,
        "internal-default",
        "",
        "lineage",
        "waived" if waiver else "open",
        waiver,
    )


def test_narrow_filters_monitoring_and_findings(minimal_catalog: Path) -> None:
    catalog = valid_catalog(minimal_catalog)
    counts = {HealthStatus.ok: 3}
    summary = MonitoringSummary(
        as_of=AS_OF,
        models={m: _health(m) for m in catalog.models},
        portfolio=[(AS_OF, counts)],
    )
    waiver = Waiver(rule="r", reason="SECRET", approved_by="apatel", expires=dt.date(2027, 1, 1))
    findings = [
        _finding("churn-predictor", "trained on loan-applications, see legacy-scorecard", waiver),
        _finding("legacy-scorecard", "restricted model"),
        _finding("credit-default-scorer", "internal model"),
    ]
    narrowed, health, kept = narrow(catalog, summary, findings, "public")
    assert list(narrowed.models) == ["churn-predictor"]
    assert health is not None
    assert list(health.models) == ["churn-predictor"]
    assert health.portfolio == []  # counted hidden models: dropped, never leaked
    assert [f.model_id for f in kept] == ["churn-predictor"]
    assert kept[0].message == f"trained on {HIDDEN}, see {HIDDEN}"
    assert kept[0].waiver is not None and kept[0].waiver.reason == WITHHELD
    assert summary.models.keys() == catalog.models.keys()  # inputs untouched


def test_portfolio_of_an_already_narrowed_aggregation_is_kept(minimal_catalog: Path) -> None:
    catalog = valid_catalog(minimal_catalog)
    summary = MonitoringSummary(
        as_of=AS_OF,
        models={"churn-predictor": _health("churn-predictor")},
        portfolio=[(AS_OF, {HealthStatus.ok: 1})],
    )
    _, health, _ = narrow(catalog, summary, [], "public")
    assert health is not None and health.portfolio == [(AS_OF, {HealthStatus.ok: 1})]


def test_scrub_ids_replaces_whole_ids_only() -> None:
    hidden = frozenset({"loan-applications"})
    assert scrub_ids("uses loan-applications.", hidden) == f"uses {HIDDEN}."
    assert scrub_ids("uses loan-applications-holdout", hidden) == "uses loan-applications-holdout"
