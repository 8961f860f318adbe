"""Governance pages: compliance report, technical documentation, calendar, feed, badges, exports.

`attach_governance` (called by the pipeline right after the site context is
built) stores a `GovernanceView` in `site.extra["governance"]`, so the model
page's compliance section can show completeness scores. `governance_pages` is a
page producer (see `generator.render.PAGE_PRODUCERS`) that writes:

* `governance/index.md` — the compliance page (status counts, reviews due,
  open waivers, findings per rule and per team, models × rules matrix);
* `governance/docs/<id>.html` — the technical documentation of each model in
  EU AI Act Annex IV order, gaps marked, standalone and printable;
* `governance/reviews.ics` and `governance/feed.xml` — review calendar, Atom feed;
* `badges/health/<id>.svg`, `badges/compliance/<id>.svg` — stable badge URLs;
* `exports/…` — inventory (csv, json, xlsx), CycloneDX ML-BOM, HF READMEs.

Everything is a function of the site context and its as-of date: no clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import jinja2

from generator.policy import (
    Finding,
    Policy,
    ProfileScore,
    profile_scores,
    review_schedule,
    rule_states,
)
from generator.policy.checks import ReviewDue
from generator.policy.engine import STATUS_ORDER, GovernanceStatus
from generator.policy.report import GovernanceReport, governance_report
from generator.render import SITE_TEMPLATES

GOVERNANCE_TEMPLATES = SITE_TEMPLATES / "governance"
MATRIX_ROW_LIMIT = 200
"""Models listed per profile in the static matrix (worst first); matrix.json has them all."""
FEED_LIMIT = 200
STATUS_COLOURS = {
    "compliant": "#2e7d32",
    "due-soon": "#b26a00",
    "overdue": "#c62828",
    "non-compliant": "#c62828",
    "ok": "#2e7d32",
    "warning": "#b26a00",
    "breach": "#c62828",
    "stale": "#6d4c41",
    "unmonitored": "#616161",
}


@dataclass(frozen=True)
class ModelCompliance:
    """What a model page shows about governance."""

    model_id: str
    status: str
    scores: list[ProfileScore]
    review: ReviewDue | None
    open_findings: int
    waived_findings: int


@dataclass
class GovernanceView:
    """The site's governance, built once per render."""

    report: GovernanceReport
    profiles: list[tuple[str, str]] = field(default_factory=list)
    """(profile id, title) of the active profiles."""

    def model(self, model_id: str) -> ModelCompliance:
        """Compliance of one model."""
        findings = self.report.findings_of(model_id)
        open_count = sum(1 for f in findings if f.is_open)
        return ModelCompliance(
            model_id,
            str(self.report.status.get(model_id, "compliant")),
            self.report.scores.get(model_id, []),
            self.report.reviews.get(model_id),
            open_count,
            len(findings) - open_count,
        )

    def profile_title(self, profile_id: str) -> str:
        """A profile's title."""
        return dict(self.profiles).get(profile_id, profile_id)

    @functools.cached_property
    def components(self) -> dict[str, dict[str, Any]]:
        """Every model's CycloneDX component, built once (before a parallel render forks)."""
        from generator.exports import model_components

        return model_components(self.report)


def attach_governance(site: Any, policy: Policy | None, findings: list[Finding]) -> GovernanceView:
    """Build the governance view for `site` (already narrowed) and keep it in `site.extra`."""
    catalog, as_of = site.catalog, site.as_of
    status = {m: GovernanceStatus(entry.governance) for m, entry in site.models.items()}
    if policy is None:
        report = _empty_report(site)
    else:
        states = rule_states(catalog, policy, findings)
        report = GovernanceReport(
            catalog,
            as_of,
            policy,
            list(findings),
            status,
            review_schedule(catalog, policy, as_of),
            states,
            profile_scores(policy, states),
        )
    view = GovernanceView(
        report, [(p.id, p.title) for p in policy.profiles] if policy is not None else []
    )
    site.extra["governance"] = view
    return view


def _empty_report(site: Any) -> GovernanceReport:
    from generator.policy.model import PolicyConfig

    empty = Policy(PolicyConfig(profiles=[]), [], [])
    return GovernanceReport(
        site.catalog,
        site.as_of,
        None,
        status={m: GovernanceStatus(e.governance) for m, e in site.models.items()},
        reviews=review_schedule(site.catalog, empty, site.as_of),
    )


def _view(site: Any) -> GovernanceView:
    view = site.extra.get("governance")
    if isinstance(view, GovernanceView):
        return view
    # rendered outside the pipeline: evaluate the catalog's own policy here
    report = governance_report(site.catalog, site.as_of)
    return attach_governance(site, report.policy, report.findings)


_ENVIRONMENTS: weakref.WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = (
    weakref.WeakKeyDictionary()
)


def _environment(environment: jinja2.Environment) -> jinja2.Environment:
    """The render's environment with the governance templates first (made once per render)."""
    overlay = _ENVIRONMENTS.get(environment)
    if overlay is None:
        overlay = environment.overlay(
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(str(GOVERNANCE_TEMPLATES)), environment.loader]
            )
        )
        _ENVIRONMENTS[environment] = overlay
    return overlay


# --- the compliance page ------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    rule_id: str
    title: str
    profile: str
    clause: str
    severity: str
    applicable: int
    failing: int
    waived: int


@dataclass(frozen=True)
class TeamRow:
    team_id: str
    name: str
    models: int
    counts: dict[str, int]
    open_errors: int
    open_warnings: int


@dataclass(frozen=True)
class MatrixTable:
    profile_id: str
    title: str
    rules: list[Any]
    rows: list[tuple[Any, list[str]]]
    """(model entry, cell state per rule)."""
    total: int


@dataclass(frozen=True)
class CompliancePage:
    status_counts: list[tuple[str, int]]
    reviews: list[tuple[Any, ReviewDue]]
    waivers: list[tuple[Any, Any, bool]]
    """(model entry, waiver, approver is valid) for waivers in force."""
    rules: list[RuleRow]
    teams: list[TeamRow]
    matrices: list[MatrixTable]
    has_policy: bool


def compliance_page(site: Any, view: GovernanceView) -> CompliancePage:
    """The compliance page's context."""
    report = view.report
    as_of = site.as_of
    counts = {s.value: 0 for s in GovernanceStatus}
    for entry in site.models.values():
        counts[entry.governance] = counts.get(entry.governance, 0) + 1
    reviews = sorted(
        (
            (site.models[m], r)
            for m, r in report.reviews.items()
            if m in site.models and r.state in ("overdue", "due-soon")
        ),
        key=lambda item: (item[1].due, item[0].id),
    )
    invalid_waivers = {
        (f.model_id, f.loc[1]) for f in report.findings if f.rule == "waiver.approver"
    }
    waivers = [
        (entry, waiver, (entry.id, i) not in invalid_waivers)
        for entry in site.models.values()
        for i, waiver in enumerate(entry.card.waivers)
        if waiver.expires >= as_of
    ]
    waivers.sort(key=lambda item: (item[1].expires, item[0].id))
    rules: list[RuleRow] = []
    matrices: list[MatrixTable] = []
    if report.policy is not None:
        applicable = {r.id: 0 for r in report.policy.rules}
        failing = dict.fromkeys(applicable, 0)
        waived = dict.fromkeys(applicable, 0)
        for row in report.states.values():
            for rule_id, state in row.items():
                if state != "n/a":
                    applicable[rule_id] += 1
                failing[rule_id] += state == "fail"
                waived[rule_id] += state == "waived"
        rules = [
            RuleRow(
                r.id,
                r.rule.title,
                r.profile.id,
                r.rule.clause,
                r.severity,
                applicable[r.id],
                failing[r.id],
                waived[r.id],
            )
            for r in report.policy.rules
        ]
        for profile_id, title in view.profiles:
            profile_rules = report.policy.rules_of(profile_id)
            rows = []
            for model_id, entry in site.models.items():
                states = report.states.get(model_id, {})
                cells = [states.get(r.id, "n/a") for r in profile_rules]
                if all(c == "n/a" for c in cells):
                    continue
                rows.append((entry, cells))
            rows.sort(
                key=lambda item: (
                    -sum(c == "fail" for c in item[1]),
                    -STATUS_ORDER[GovernanceStatus(item[0].governance)],
                    item[0].id,
                )
            )
            matrices.append(
                MatrixTable(profile_id, title, profile_rules, rows[:MATRIX_ROW_LIMIT], len(rows))
            )
    team_rows = []
    by_team: dict[str, list[Any]] = {}
    for entry in site.models.values():
        by_team.setdefault(entry.card.owner, []).append(entry)
    for team_id in sorted(by_team, key=lambda t: (site.team_name(t), t)):
        entries = by_team[team_id]
        team_counts = {s.value: 0 for s in GovernanceStatus}
        errors = warnings = 0
        for entry in entries:
            team_counts[entry.governance] = team_counts.get(entry.governance, 0) + 1
            for finding in report.findings_of(entry.id):
                if finding.is_open:
                    errors += finding.severity == "error"
                    warnings += finding.severity == "warning"
        team_rows.append(
            TeamRow(team_id, site.team_name(team_id), len(entries), team_counts, errors, warnings)
        )
    return CompliancePage(
        status_counts=[(s.value, counts.get(s.value, 0)) for s in GovernanceStatus],
        reviews=reviews,
        waivers=waivers,
        rules=rules,
        teams=team_rows,
        matrices=matrices,
        has_policy=report.policy is not None,
    )


def matrix_data(site: Any, view: GovernanceView) -> dict[str, Any]:
    """The full models × rules matrix as data (the static page lists the worst models only)."""
    report = view.report
    rules = [r.id for r in report.policy.rules] if report.policy else []
    return {
        "as_of": site.as_of.isoformat(),
        "rules": rules,
        "models": {
            model_id: {
                "governance": entry.governance,
                "owner": entry.card.owner,
                "states": [report.states.get(model_id, {}).get(r, "n/a") for r in rules],
            }
            for model_id, entry in site.models.items()
        },
    }


# --- technical documentation (EU AI Act Annex IV order) ------------------------


@dataclass(frozen=True)
class DocItem:
    label: str
    value: Any
    """Text, a list of texts, or None for a gap."""
    note: str = ""


@dataclass(frozen=True)
class DocSection:
    number: str
    title: str
    items: list[DocItem]

    @property
    def gaps(self) -> int:
        return sum(1 for item in self.items if _is_gap(item.value))


def _is_gap(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def technical_documentation(
    site: Any, entry: Any, view: GovernanceView, people: dict[str, str] | None = None
) -> list[DocSection]:
    """The sections of Annex IV, filled from the card; empty items are gaps.

    `people` (person id → name) is built once per render: `catalog.people` builds
    it anew on every access, which would make 10,000 documents quadratic.
    """
    card = entry.card
    catalog = site.catalog
    if people is None:
        people = {person_id: person.name for person_id, (person, _) in catalog.people.items()}
    team = catalog.teams.get(card.owner)
    use = card.intended_use
    deployment = card.deployment
    people = [
        f"{c.role.value}: {people.get(c.person, c.person) if c.person else site.team_name(c.team)}"
        for c in card.contacts
    ]
    datasets = []
    for item in card.training_data:
        dataset = catalog.datasets.get(item.dataset)
        parts = [dataset.name if dataset else item.dataset]
        if item.version:
            parts.append(f"version {item.version}")
        if item.rows:
            parts.append(f"{item.rows:,} rows")
        if dataset is not None:
            if dataset.source_system:
                parts.append(f"source {dataset.source_system}")
            if dataset.personal_data:
                parts.append("personal data")
            if dataset.sensitive_columns:
                parts.append("sensitive columns: " + ", ".join(dataset.sensitive_columns))
        datasets.append("; ".join(parts))
    evaluations = []
    for evaluation in card.evaluation:
        metrics = ", ".join(f"{k} {v:g}" for k, v in evaluation.metrics.items())
        evaluations.append(f"{evaluation.dataset}: {metrics}")
        for segment in evaluation.slices:
            seg_metrics = ", ".join(f"{k} {v:g}" for k, v in segment.metrics.items())
            evaluations.append(f"{evaluation.dataset} [{segment.segment}]: {seg_metrics}")
    validations = [
        f"{v.date} by {v.by}: {v.outcome.value}"
        + (f" (version {v.version})" if v.version else "")
        + (f"; next review {v.next_review}" if v.next_review else "")
        + (f"; conditions: {'; '.join(v.conditions)}" if v.conditions else "")
        for v in card.validations
    ]
    monitoring = []
    if card.monitoring:
        for name, threshold in card.monitoring.metrics.items():
            bounds = ", ".join(
                f"{label} {value:g}"
                for label, value in (
                    ("min", threshold.min),
                    ("warn below", threshold.warn_below),
                    ("warn above", threshold.warn_above),
                    ("max", threshold.max),
                )
                if value is not None
            )
            monitoring.append(f"{name} ({threshold.kind or 'metric'}): {bounds}")
    findings = view.report.findings_of(card.id)
    risk_items = [f"{f.rule} ({f.severity}, {f.status}): {f.message}" for f in findings]
    fairness = None
    if card.fairness:
        fairness = (
            f"Attributes: {', '.join(card.fairness.attributes)}. {card.fairness.analysis}"
            + (f" ({card.fairness.date})" if card.fairness.date else "")
        )
    health = entry.health
    return [
        DocSection(
            "1",
            "General description of the AI system",
            [
                DocItem("(a) Intended purpose", use.primary if use else None),
                DocItem("(a) Provider / owner", team.name if team else card.owner),
                DocItem("(a) Accountable people", people),
                DocItem(
                    "(a) Current version",
                    f"{card.current_version.version} ({card.current_version.date}, {card.stage.value})",
                ),
                DocItem("(b) Interaction with other systems", _deployment_text(deployment)),
                DocItem("(c) Software and framework", card.framework),
                DocItem("(h) Intended users", list(use.users) if use else None),
                DocItem("(h) Uses out of scope", list(use.out_of_scope) if use else None),
            ],
        ),
        DocSection(
            "2",
            "Elements of the AI system and its development",
            [
                DocItem("(a) Task and method", card.task),
                DocItem("(a) Description", card.description or card.summary),
                DocItem(
                    "(b) Input features",
                    [
                        f"{f.name} ({f.type})" + (" — sensitive" if f.sensitive else "")
                        for f in card.features
                    ],
                ),
                DocItem(
                    "(b) Outputs",
                    [
                        label.name + (f": {label.description}" if label.description else "")
                        for label in card.labels
                    ],
                ),
                DocItem("(b) Key assumptions", list(card.assumptions)),
                DocItem("(d) Training data and lineage", datasets),
                DocItem("(e) Human oversight measures", card.human_oversight),
                DocItem("(g) Validation and testing: metrics", evaluations),
                DocItem("(g) Independent validations", validations),
                DocItem(
                    "(h) Cybersecurity measures",
                    None,
                    "not recorded in model cards; link the security assessment",
                ),
            ],
        ),
        DocSection(
            "3",
            "Monitoring, functioning and control",
            [
                DocItem("Known limitations", list(card.limitations)),
                DocItem("Foreseeable risks and their rationale", card.risk.rationale),
                DocItem("Fairness analysis", fairness),
                DocItem("Ethical considerations", card.ethical_considerations),
            ],
        ),
        DocSection(
            "4",
            "Appropriateness of the performance metrics",
            [DocItem("Monitored metrics and thresholds", monitoring)],
        ),
        DocSection(
            "5",
            "Risk management system",
            [
                DocItem("Risk tier", card.risk.tier.value),
                DocItem("EU AI Act class", card.risk.eu_ai_act.value),
                DocItem("Applicable regulations", list(card.regulations)),
                DocItem("Policy findings", risk_items or ["none"]),
                DocItem(
                    "Waivers",
                    [
                        f"{w.rule}: {w.reason} (approved by {w.approved_by}, expires {w.expires})"
                        for w in card.waivers
                    ]
                    or ["none"],
                ),
            ],
        ),
        DocSection(
            "6",
            "Changes through the lifecycle",
            [
                DocItem(
                    "Versions",
                    [
                        f"{v.version} ({v.date}, {v.stage.value})"
                        + (f": {v.changes}" if v.changes else "")
                        for v in card.versions
                    ],
                )
            ],
        ),
        DocSection(
            "7",
            "Harmonised standards and specifications applied",
            [DocItem("Standards", None, "not recorded in model cards; list the standards applied")],
        ),
        DocSection(
            "8",
            "EU declaration of conformity",
            [DocItem("Approval before use", validations[-1] if validations else None)],
        ),
        DocSection(
            "9",
            "Post-market monitoring plan",
            [
                DocItem("Monitoring plan", monitoring),
                DocItem(
                    "Data freshness",
                    f"new data at least every {card.monitoring.freshness_days} days"
                    if card.monitoring
                    else None,
                ),
                DocItem("Dashboard", card.monitoring.dashboard if card.monitoring else None),
                DocItem(
                    "Current health",
                    f"{health.status.value}" + (f" — {health.reason}" if health.reason else ""),
                ),
            ],
        ),
    ]


def _deployment_text(deployment: Any) -> str | None:
    if deployment is None:
        return None
    parts = [deployment.platform]
    if deployment.endpoint:
        parts.append(f"endpoint {deployment.endpoint}")
    if deployment.mode:
        parts.append(f"{deployment.mode} mode")
    if deployment.regions:
        parts.append("regions " + ", ".join(deployment.regions))
    return ", ".join(parts)


# --- calendar, feed, badges -------------------------------------------------------


def _ical_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def reviews_ics(site: Any, view: GovernanceView) -> str:
    """An iCalendar file: one all-day event per model's next review."""
    stamp = site.as_of.strftime("%Y%m%dT000000Z")
    base = (site.catalog.settings.site_url or "").rstrip("/")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//govcat//model reviews//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ical_text(site.title + ' — model reviews')}",
    ]
    for model_id, review in sorted(view.report.reviews.items()):
        entry = site.models.get(model_id)
        if entry is None:
            continue
        card = entry.card
        description = (
            f"{card.risk.tier.value} risk; validated {review.validated}; cadence "
            f"{review.cadence_months} months; owner {site.team_name(card.owner)}"
        )
        event = [
            "BEGIN:VEVENT",
            f"UID:{model_id}-review@govcat",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{review.due.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(review.due + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_ical_text(f'Model review due: {card.name}')}",
            f"DESCRIPTION:{_ical_text(description)}",
            f"CATEGORIES:{_ical_text(review.state)}",
        ]
        if base:
            event.append(f"URL:{base}/models/{model_id}/")
        event.append("END:VEVENT")
        lines += event
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


ATOM = "http://www.w3.org/2005/Atom"


def feed_entries(site: Any, view: GovernanceView) -> list[tuple[dt.date, str, str, str, str]]:
    """(date, id, title, summary, link) of health changes and findings, newest first."""
    entries = []
    for model_id, entry in site.models.items():
        card = entry.card
        health = entry.health
        if health.status.value in ("breach", "warning", "stale"):
            since = [m.breach_since for m in health.metrics if m.breach_since is not None]
            when = (
                min(since).date()
                if since
                else health.last_data.date()
                if health.last_data
                else site.as_of
            )
            entries.append(
                (
                    when,
                    f"health/{model_id}/{health.status.value}/{when.isoformat()}",
                    f"{card.name}: health {health.status.value}",
                    health.reason or f"health is {health.status.value}",
                    f"models/{model_id}/",
                )
            )
        for finding in view.report.findings_of(model_id):
            if not finding.is_open:
                continue
            when = _finding_date(finding, card, entry, view)
            entries.append(
                (
                    when,
                    f"finding/{model_id}/{finding.rule}/{when.isoformat()}",
                    f"{card.name}: {finding.rule} ({finding.severity})",
                    finding.message,
                    f"models/{model_id}/",
                )
            )
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return entries[:FEED_LIMIT]


def _finding_date(finding: Finding, card: Any, entry: Any, view: GovernanceView) -> dt.date:
    """When a finding arose, as far as the card tells: review due date, waiver expiry, last change."""
    if finding.overdue:
        review = view.report.reviews.get(card.id)
        if review is not None:
            return review.due
    if finding.waiver is not None and finding.waiver.expires < view.report.as_of:
        return finding.waiver.expires + dt.timedelta(days=1)
    if entry.last_change is not None:
        try:
            return dt.date.fromisoformat(entry.last_change.date[:10])
        except ValueError:
            pass
    return card.current_version.date


def atom_feed(site: Any, view: GovernanceView) -> str:
    """Atom feed of health changes and open findings."""
    ET.register_namespace("", ATOM)
    base = (site.catalog.settings.site_url or "").rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{site.title}: health and governance"
    ET.SubElement(
        feed, f"{{{ATOM}}}id"
    ).text = f"tag:govcat,{site.as_of.year}:{_slug(site.title)}/feed"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{site.as_of.isoformat()}T00:00:00Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = site.catalog.settings.organisation or "govcat"
    link = ET.SubElement(feed, f"{{{ATOM}}}link")
    link.set("rel", "self")
    link.set("href", f"{base}/governance/feed.xml" if base else "feed.xml")
    for when, key, title, summary, href in feed_entries(site, view):
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}title").text = title
        ET.SubElement(item, f"{{{ATOM}}}id").text = f"tag:govcat,{when.isoformat()}:{key}"
        ET.SubElement(item, f"{{{ATOM}}}updated").text = f"{when.isoformat()}T00:00:00Z"
        entry_link = ET.SubElement(item, f"{{{ATOM}}}link")
        entry_link.set("href", f"{base}/{href}" if base else f"../{href}")
        ET.SubElement(item, f"{{{ATOM}}}summary").text = summary
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "catalog"


def badge_svg(label: str, value: str) -> str:
    """A flat two-part badge (label | value), coloured by the value."""
    from markupsafe import escape

    colour = STATUS_COLOURS.get(value, "#616161")
    left, right = 6 * len(label) + 12, 6 * len(value) + 12
    width = left + right
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(value)}"><title>{escape(label)}: {escape(value)}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(value)}</text></g></svg>\n'
    )


# --- the producer -------------------------------------------------------------------


def governance_pages(site: Any, out: Any) -> None:
    """Page producer: every governance page and file (see the module docstring)."""
    from generator.exports import cyclonedx_json, hf_readme, inventory_bytes
    from generator.render import _root_prefix
    from generator.render.escape import body_page

    view = _view(site)
    environment = _environment(out.environment)

    def render(template: str, path: str, *, body: bool = False, **context: Any) -> None:
        text = environment.get_template(template).render(
            site=site, root=_root_prefix(path), view=view, **context
        )
        out.write(path, body_page(text) if body else text)
        if path.endswith(".md"):
            out.pages += 1

    if out.aggregates:
        page = compliance_page(site, view)
        render("compliance.md.j2", "governance/index.md", body=True, page=page)
        out.write("governance/compliance.js", (GOVERNANCE_TEMPLATES / "compliance.js").read_bytes())
        out.write_json("governance/matrix.json", matrix_data(site, view))
        out.write("governance/reviews.ics", reviews_ics(site, view))
        out.write("governance/feed.xml", atom_feed(site, view))
        out.add_nav("Compliance", "governance/index.md", 25)

    report = view.report
    people = {pid: person.name for pid, (person, _) in site.people.items()}
    components = view.components
    for model_id, entry in site.models.items():
        if not out.wants("models", model_id):
            continue
        render(
            "technical_documentation.html.j2",
            f"governance/docs/{model_id}.html",
            entry=entry,
            compliance=view.model(model_id),
            sections=technical_documentation(site, entry, view, people),
        )
        out.write(f"badges/health/{model_id}.svg", badge_svg("health", entry.health.status.value))
        out.write(f"badges/compliance/{model_id}.svg", badge_svg("governance", entry.governance))
        out.write(
            f"exports/models/{model_id}.cdx.json",
            cyclonedx_json(report, [model_id], components=components),
        )
        out.write(f"exports/hf/{model_id}.README.md.txt", hf_readme(report, model_id))
    if out.aggregates:
        for output_format in ("csv", "json", "xlsx"):
            out.write(f"exports/inventory.{output_format}", inventory_bytes(report, output_format))
        out.write("exports/catalog.cdx.json", cyclonedx_json(report, components=components))


def _prepare(site: Any, environment: jinja2.Environment) -> None:
    """Before a parallel render forks: the view, its BOM components and the compiled
    templates, computed once."""
    _view(site).components  # noqa: B018 (a cached property)
    overlay = _environment(environment)
    for name in ("compliance.md.j2", "technical_documentation.html.j2"):
        overlay.get_template(name)


governance_pages.shardable = True  # type: ignore[attr-defined]
governance_pages.prepare = _prepare  # type: ignore[attr-defined]
