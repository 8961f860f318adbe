"""The typed contexts every page template receives, all built in this one module.

`build_site_context` turns the validated catalog, the monitoring summary and the
policy findings into a `SiteContext`: one `ModelEntry` per model with its health,
governance status, review dates and source links already worked out, so templates
only display. Each page kind then gets a small frozen dataclass (`HomePage`,
`ModelPage`, …) built by a function below.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.catalog import Catalog
from generator.health import SEVERITY, HealthStatus, MetricHealth, ModelHealth, MonitoringSummary
from generator.schema import DatasetCard, ModelCard, Person, RiskTier, Stage, Team, Validation

REVIEW_SOON_DAYS = 30
LIST_LIMIT = 200
"""Most models listed statically on a team, tag or dataset page; the inventory has the rest."""
ATTENTION_LIMIT = 25
RECENT_LIMIT = 10

GOVERNANCE_ORDER = ("compliant", "due-soon", "overdue", "non-compliant")
HEALTH_ORDER = tuple(sorted(HealthStatus, key=SEVERITY.__getitem__))
HEALTH_LABELS = {
    HealthStatus.ok: "OK",
    HealthStatus.warning: "Warning",
    HealthStatus.breach: "Breach",
    HealthStatus.stale: "Stale",
    HealthStatus.unmonitored: "Unmonitored",
}


@dataclass(frozen=True)
class LastChange:
    """The last commit that touched a card file."""

    date: str
    author: str
    commit: str


@dataclass(frozen=True)
class FindingView:
    """A governance finding, reduced to what pages show."""

    model_id: str | None
    rule: str
    severity: str
    message: str
    status: str | None = None
    """`open` or `waived` (policy engine), None when unknown."""


@dataclass(frozen=True)
class ModelEntry:
    """One model as every page sees it: the card plus everything derived from it."""

    card: ModelCard
    health: ModelHealth
    governance: str
    findings: tuple[FindingView, ...]
    last_validation: Validation | None
    next_review: dt.date | None
    source_path: str
    source_url: str | None
    last_change: LastChange | None

    @property
    def id(self) -> str:
        return self.card.id

    @property
    def url(self) -> str:
        """Link from the site root to the model's page."""
        return f"models/{self.card.id}/"


@dataclass
class SiteContext:
    """Everything the templates may use, for one build."""

    as_of: dt.date
    catalog: Catalog
    summary: MonitoringSummary
    models: dict[str, ModelEntry]
    findings: list[FindingView]
    tags: dict[str, list[str]]
    """Tag → model ids, both sorted."""
    dataset_users: dict[str, list[str]] = field(default_factory=dict)
    """Dataset id → ids of the models that train, evaluate or draw features on it."""
    dataset_feeds: dict[str, list[str]] = field(default_factory=dict)
    """Dataset id → ids of the datasets derived from it (downstream lineage)."""
    team_models: dict[str, list[str]] = field(default_factory=dict)
    """Team id → ids of the models it owns."""
    audience: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Room for page producers added by other areas (see `PAGE_PRODUCERS`)."""

    @property
    def title(self) -> str:
        return self.catalog.settings.title

    def team_name(self, team_id: str) -> str:
        team = self.catalog.teams.get(team_id)
        return team.name if team else team_id

    @functools.cached_property
    def people(self) -> dict[str, tuple[Person, Team]]:
        """Person id → (person, team), built once (`Catalog.people` rebuilds it per call)."""
        return self.catalog.people

    def person_name(self, person_id: str) -> str:
        found = self.people.get(person_id)
        return found[0].name if found else person_id

    def person_team(self, person_id: str) -> str | None:
        found = self.people.get(person_id)
        return found[1].id if found else None


def _datasets_of(card: ModelCard) -> list[str]:
    """Datasets a model uses (training, evaluation, feature sources), sorted, no repeats."""
    used = {t.dataset for t in card.training_data} | {e.dataset for e in card.evaluation}
    used |= {
        f.source.removeprefix("dataset:")
        for f in card.features
        if f.source and f.source.startswith("dataset:")
    }
    return sorted(used)


def _finding_view(finding: Any) -> FindingView:
    """Adapt a policy finding without depending on its exact class."""

    def pick(*names: str) -> Any:
        for name in names:
            value = getattr(finding, name, None)
            if value is not None:
                return value
        return None

    return FindingView(
        model_id=pick("model_id", "card_id", "model"),
        rule=str(pick("rule", "rule_id") or "policy"),
        severity=str(pick("severity") or "error"),
        message=str(pick("message", "title") or ""),
        status=pick("status"),
    )


def _unmonitored(model_id: str, as_of: dt.date) -> ModelHealth:
    return ModelHealth(
        model_id=model_id,
        status=HealthStatus.unmonitored,
        as_of=as_of,
        last_data=None,
        reason="no monitoring data",
    )


def _governance(findings: list[FindingView], next_review: dt.date | None, as_of: dt.date) -> str:
    statuses = []
    if any(f.severity == "error" and f.status != "waived" for f in findings):
        statuses.append("non-compliant")
    if next_review is not None:
        if next_review < as_of:
            statuses.append("overdue")
        elif (next_review - as_of).days <= REVIEW_SOON_DAYS:
            statuses.append("due-soon")
    return max(statuses, key=GOVERNANCE_ORDER.index, default="compliant")


def _source_url(catalog: Catalog, path: str) -> str | None:
    base = catalog.settings.repository_url
    if not base:
        return None
    return f"{base.rstrip('/')}/blob/{catalog.settings.branch}/{path}"


def build_site_context(
    catalog: Catalog,
    summary: MonitoringSummary,
    findings: Iterable[Any],
    *,
    as_of: dt.date,
    last_changes: Mapping[str, LastChange] | None = None,
    repository_paths: Mapping[str, str] | None = None,
    governance: Mapping[str, str] | None = None,
    audience: str | None = None,
) -> SiteContext:
    """The one place where the site's context is assembled.

    `repository_paths` maps a model id to its card's path in the repository (for
    source links and git history); without it the path is `catalog/models/<id>.yaml`.
    `governance` is the policy engine's status per model; without it the status is
    derived from the findings and the card's next review date.
    """
    governance = governance or {}
    last_changes = last_changes or {}
    repository_paths = repository_paths or {}
    views = [_finding_view(f) for f in findings]
    by_model: dict[str, list[FindingView]] = defaultdict(list)
    for view in views:
        if view.model_id:
            by_model[view.model_id].append(view)
    models: dict[str, ModelEntry] = {}
    tags: dict[str, list[str]] = defaultdict(list)
    dataset_users: dict[str, list[str]] = defaultdict(list)
    team_models: dict[str, list[str]] = defaultdict(list)
    feeds: dict[str, list[str]] = defaultdict(list)
    for dataset in catalog.datasets.values():
        for upstream in dataset.derived_from:
            feeds[upstream].append(dataset.id)
    for model_id in sorted(catalog.models):
        card = catalog.models[model_id]
        last_validation = card.last_validation
        next_review = last_validation.next_review if last_validation else None
        path = repository_paths.get(model_id) or catalog.relative_source("models", model_id)
        model_findings = sorted(by_model.get(model_id, []), key=lambda f: (f.rule, f.message))
        models[model_id] = ModelEntry(
            card=card,
            health=summary.models.get(model_id) or _unmonitored(model_id, as_of),
            governance=str(
                governance.get(model_id) or _governance(model_findings, next_review, as_of)
            ),
            findings=tuple(model_findings),
            last_validation=last_validation,
            next_review=next_review,
            source_path=path,
            source_url=_source_url(catalog, path),
            last_change=last_changes.get(path),
        )
        for tag in card.tags:
            tags[tag].append(model_id)
        for dataset_id in _datasets_of(card):
            dataset_users[dataset_id].append(model_id)
        team_models[card.owner].append(model_id)
    return SiteContext(
        as_of=as_of,
        catalog=catalog,
        summary=summary,
        models=models,
        findings=sorted(views, key=lambda f: (f.model_id or "", f.rule, f.message)),
        tags={tag: tags[tag] for tag in sorted(tags)},
        dataset_users=dict(dataset_users),
        dataset_feeds=feeds,
        team_models=dict(team_models),
        audience=audience,
    )


# --- page contexts -----------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One tile on the dashboard."""

    label: str
    value: int
    detail: str = ""
    link: str | None = None
    tone: str = ""
    """A health status or governance status name for the tile's colour, or ''."""


@dataclass(frozen=True)
class HeatCell:
    count: int
    worst: HealthStatus | None
    unhealthy: int


@dataclass(frozen=True)
class HomePage:
    kpis: list[Kpi]
    health_counts: list[tuple[HealthStatus, int]]
    tier_counts: list[tuple[RiskTier, int]]
    heatmap_teams: list[tuple[str, str]]
    """(team id, team name), sorted by name."""
    heatmap: dict[tuple[str, RiskTier], HeatCell]
    attention: list[tuple[ModelEntry, str]]
    """(model, why it needs attention), worst first."""
    attention_total: int
    recent: list[tuple[ModelEntry, str]]
    """(model, what changed when), newest first."""


def _attention_reasons(entry: ModelEntry, as_of: dt.date) -> list[str]:
    reasons = []
    if entry.health.status in (HealthStatus.breach, HealthStatus.stale):
        reasons.append(entry.health.reason or entry.health.status.value)
    if entry.governance == "overdue" and entry.next_review:
        reasons.append(f"review overdue since {entry.next_review.isoformat()}")
    if entry.governance == "non-compliant":
        count = len(entry.findings)
        reasons.append(f"{count} governance finding{'' if count == 1 else 's'}")
    return reasons


def _attention_key(entry: ModelEntry) -> tuple:
    return (
        -SEVERITY[entry.health.status],
        -GOVERNANCE_ORDER.index(entry.governance),
        entry.card.name.lower(),
        entry.id,
    )


def home_page(site: SiteContext) -> HomePage:
    entries = list(site.models.values())
    health = Counter(e.health.status for e in entries)
    tiers = Counter(e.card.risk.tier for e in entries)
    governance = Counter(e.governance for e in entries)
    reviews_due = sum(
        1
        for e in entries
        if e.next_review and 0 <= (e.next_review - site.as_of).days <= REVIEW_SOON_DAYS
    )
    in_production = sum(1 for e in entries if e.card.stage == Stage.production)
    finding_count = sum(len(e.findings) for e in entries)
    kpis = [
        Kpi("Models", len(entries), f"{len(site.catalog.teams)} teams", "inventory/"),
        Kpi("In production", in_production, "", "inventory/?stage=production"),
        Kpi(
            "High or critical risk",
            tiers[RiskTier.high] + tiers[RiskTier.critical],
            f"{tiers[RiskTier.critical]} critical",
            "inventory/?risk=high,critical",
        ),
        Kpi(
            "Breaches",
            health[HealthStatus.breach],
            f"{health[HealthStatus.warning]} warnings",
            "inventory/?health=breach",
            "breach",
        ),
        Kpi("Stale feeds", health[HealthStatus.stale], "", "inventory/?health=stale", "stale"),
        Kpi(
            "Governance findings",
            finding_count,
            f"{governance['non-compliant']} models non-compliant",
            "inventory/?governance=non-compliant",
            "non-compliant" if finding_count else "compliant",
        ),
        Kpi(
            "Reviews due in 30 days",
            reviews_due,
            f"{governance['overdue']} overdue",
            "inventory/?governance=due-soon,overdue",
            "due-soon" if reviews_due else "",
        ),
    ]
    heatmap: dict[tuple[str, RiskTier], list[ModelEntry]] = defaultdict(list)
    for entry in entries:
        heatmap[(entry.card.owner, entry.card.risk.tier)].append(entry)
    cells = {
        key: HeatCell(
            count=len(group),
            worst=max((e.health.status for e in group), key=SEVERITY.__getitem__),
            unhealthy=sum(
                1
                for e in group
                if e.health.status
                in (HealthStatus.breach, HealthStatus.stale, HealthStatus.warning)
            ),
        )
        for key, group in heatmap.items()
    }
    team_ids = sorted({e.card.owner for e in entries}, key=lambda t: (site.team_name(t), t))
    attention = [
        (e, "; ".join(reasons))
        for e in sorted(entries, key=_attention_key)
        if (reasons := _attention_reasons(e, site.as_of))
    ]
    recent = _recent(entries)
    return HomePage(
        kpis=kpis,
        health_counts=[(status, health[status]) for status in reversed(HEALTH_ORDER)],
        tier_counts=[(tier, tiers[tier]) for tier in RiskTier],
        heatmap_teams=[(t, site.team_name(t)) for t in team_ids],
        heatmap=cells,
        attention=attention[:ATTENTION_LIMIT],
        attention_total=len(attention),
        recent=recent[:RECENT_LIMIT],
    )


def _recent(entries: list[ModelEntry]) -> list[tuple[ModelEntry, str]]:
    def when(entry: ModelEntry) -> str:
        if entry.last_change:
            return entry.last_change.date[:10]
        return entry.card.current_version.date.isoformat()

    def what(entry: ModelEntry) -> str:
        if entry.last_change:
            return f"card changed {entry.last_change.date[:10]} by {entry.last_change.author}"
        version = entry.card.current_version
        return f"version {version.version} released {version.date.isoformat()}"

    ordered = sorted(entries, key=lambda e: (when(e), e.id), reverse=True)
    return [(e, what(e)) for e in ordered]


@dataclass(frozen=True)
class ChartRef:
    """One monitoring chart on a model page: the browser fills it from the series file."""

    metric: str
    segment: str
    status: HealthStatus
    description: str


@dataclass(frozen=True)
class ModelPage:
    entry: ModelEntry
    owner: Team | None
    datasets: dict[str, DatasetCard]
    """Datasets referenced by the card that exist in the catalog."""
    metrics: list[MetricHealth]
    charts: list[ChartRef]
    replaced_by: ModelEntry | None


def model_page(site: SiteContext, entry: ModelEntry) -> ModelPage:
    card = entry.card
    referenced = _datasets_of(card)
    thresholds = card.monitoring.metrics if card.monitoring else {}
    metrics = sorted(entry.health.metrics, key=lambda m: (m.segment, m.metric))
    series = site.summary.series.get(card.id)
    charted = set(series.keys) if series is not None else set()
    charts = [
        ChartRef(
            metric=m.metric,
            segment=m.segment,
            status=m.status,
            description=(thresholds[m.metric].description or "") if m.metric in thresholds else "",
        )
        for m in metrics
        if (m.metric, m.segment) in charted
    ]
    replaced = card.retirement.replaced_by if card.retirement else None
    return ModelPage(
        entry=entry,
        owner=site.catalog.teams.get(card.owner),
        datasets={
            d: site.catalog.datasets[d] for d in sorted(referenced) if d in site.catalog.datasets
        },
        metrics=metrics,
        charts=charts,
        replaced_by=site.models.get(replaced) if replaced else None,
    )


@dataclass(frozen=True)
class ModelList:
    """A bounded list of models with a link to the inventory for the full set."""

    entries: list[ModelEntry]
    total: int
    inventory_query: str
    health_counts: list[tuple[HealthStatus, int]]


def model_list(site: SiteContext, model_ids: Iterable[str], inventory_query: str) -> ModelList:
    entries = sorted((site.models[m] for m in model_ids if m in site.models), key=_attention_key)
    counts = Counter(e.health.status for e in entries)
    return ModelList(
        entries=entries[:LIST_LIMIT],
        total=len(entries),
        inventory_query=inventory_query,
        health_counts=[(s, counts[s]) for s in reversed(HEALTH_ORDER) if counts[s]],
    )


@dataclass(frozen=True)
class DatasetPage:
    dataset: DatasetCard
    owner: Team | None
    used_by: ModelList
    upstream: list[DatasetCard]
    downstream: list[DatasetCard]


def dataset_page(site: SiteContext, dataset: DatasetCard) -> DatasetPage:
    catalog = site.catalog
    return DatasetPage(
        dataset=dataset,
        owner=catalog.teams.get(dataset.owner),
        used_by=model_list(site, site.dataset_users.get(dataset.id, []), f"dataset={dataset.id}"),
        upstream=[catalog.datasets[d] for d in dataset.derived_from if d in catalog.datasets],
        downstream=[catalog.datasets[d] for d in site.dataset_feeds.get(dataset.id, [])],
    )


@dataclass(frozen=True)
class TeamPage:
    team: Team
    models: ModelList
    datasets: list[DatasetCard]


def team_page(site: SiteContext, team: Team) -> TeamPage:
    catalog = site.catalog
    return TeamPage(
        team=team,
        models=model_list(site, site.team_models.get(team.id, []), f"team={team.id}"),
        datasets=[d for d in catalog.datasets.values() if d.owner == team.id],
    )


@dataclass(frozen=True)
class AlertsPage:
    breaches: list[tuple[ModelEntry, MetricHealth]]
    stale: list[ModelEntry]
    overdue: list[ModelEntry]
    limit: int = LIST_LIMIT * 5


def alerts_page(site: SiteContext) -> AlertsPage:
    entries = sorted(site.models.values(), key=_attention_key)
    # a breaching series makes its model breach: other models' metrics are not read (the
    # aggregation makes a model's metric objects when they are first read)
    breaches = [
        (e, m)
        for e in entries
        if e.health.status == HealthStatus.breach
        for m in sorted(e.health.metrics, key=lambda m: (m.metric, m.segment))
        if m.status == HealthStatus.breach
    ]
    return AlertsPage(
        breaches=breaches,
        stale=[e for e in entries if e.health.status == HealthStatus.stale],
        overdue=[e for e in entries if e.governance == "overdue"],
    )
