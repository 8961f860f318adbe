"""Load the catalog's policy and evaluate it: `evaluate(catalog, today) -> list[Finding]`.

The engine is pure over its inputs (catalog, policy, date): no clock, no files
written. Loading reads `catalog/policy.yaml`, the shipped profiles in
`generator/policy/profiles/` and any profile files the catalog names. A catalog
without `policy.yaml` has no governance policy: no rules run, no findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from generator.catalog import Catalog
from generator.errors import Problem, ProblemsFound
from generator.loader import Document, LoadError, load_document, load_text
from generator.policy.checks import (
    CHECKS,
    CheckContext,
    CheckKind,
    Loc,
    Params,
    ReviewDue,
    review_due,
)
from generator.policy.model import PolicyConfig, Profile, Rule, Scope
from generator.schema import ModelCard, Stage, Waiver
from generator.validate import gc_paused

POLICY_FILE = "policy.yaml"
SHIPPED_PROFILES = ("internal-default", "us-sr-11-7", "eu-ai-act", "nist-ai-rmf")
WAIVER_PROFILE = "govcat"
WAIVER_CLAUSE = "govcat waiver process: time-boxed, approved by an independent validator"


# --- policy ------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveRule:
    """A rule as the catalog applies it: its profile, effective severity and checked params."""

    rule: Rule
    profile: Profile
    severity: Literal["error", "warning"]
    kind: CheckKind
    params: Params

    @property
    def id(self) -> str:
        """The rule id."""
        return self.rule.id

    def applies_to(self, model: ModelCard) -> bool:
        """Whether the model is in the rule's scope."""
        return scope_matches(self.rule.scope, model)


@dataclass
class Policy:
    """The catalog's policy: configuration, the profiles it selects and their active rules."""

    config: PolicyConfig
    profiles: list[Profile]
    rules: list[ActiveRule]
    source: str = POLICY_FILE

    @cached_property
    def by_id(self) -> dict[str, ActiveRule]:
        """Active rules by id."""
        return {rule.id: rule for rule in self.rules}

    def rules_of(self, profile_id: str) -> list[ActiveRule]:
        """The active rules of one profile."""
        return [rule for rule in self.rules if rule.profile.id == profile_id]


def scope_matches(scope: Scope, model: ModelCard) -> bool:
    """Every condition the scope gives holds for the model (no stages: any but retired)."""
    if scope.stages:
        if model.stage not in scope.stages:
            return False
    elif model.stage == Stage.retired:
        return False
    if scope.tiers and model.risk.tier not in scope.tiers:
        return False
    if scope.eu_ai_act and model.risk.eu_ai_act not in scope.eu_ai_act:
        return False
    if scope.classifications and model.classification not in scope.classifications:
        return False
    if scope.tags and not set(scope.tags) & set(model.tags):
        return False
    if scope.regulations:
        wanted = {r.lower() for r in scope.regulations}
        if not wanted & {r.lower() for r in model.regulations}:
            return False
    return True


def _dotted(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _parse(
    document: Document,
    model: type[BaseModel],
    problems: list[Problem],
    data: Any = None,
    prefix: Loc = (),
) -> Any:
    """`model` from `data` (default: the document's), each error a located problem."""
    try:
        return model.model_validate(document.data if data is None else data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            loc = prefix + tuple(p for p in detail["loc"] if not (isinstance(p, str) and "[" in p))
            message = str(detail["msg"]).removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = f"unknown key '{loc[-1]}'"
            elif detail["type"] == "missing":
                message = f"required key '{loc[-1]}' is missing"
            problems.append(
                document.problem(
                    loc,
                    "policy-schema",
                    f"{_dotted(loc)}: {message}",
                    key=detail["type"] == "extra_forbidden",
                )
            )
        return None


@lru_cache(maxsize=8)
def _shipped_profile(name: str) -> tuple[Profile | None, tuple[Problem, ...]]:
    resource = resources.files("generator.policy").joinpath("profiles", f"{name}.yaml")
    shown = f"generator/policy/profiles/{name}.yaml"
    return _load_profile_text(resource.read_bytes(), shown)


def _load_profile_text(raw: bytes, shown: str) -> tuple[Profile | None, tuple[Problem, ...]]:
    try:
        document = load_text(raw, shown)
    except LoadError as error:
        return None, (error.problem,)
    problems = list(document.problems)
    if not isinstance(document.data, dict):
        problems.append(
            Problem(shown, 1, 1, "policy-schema", "a profile is a mapping (id, title, rules)")
        )
        return None, tuple(problems)
    profile = _parse(document, Profile, problems)
    if profile is None:
        return None, tuple(problems)
    for i, rule in enumerate(profile.rules):
        kind = CHECKS.get(rule.check.kind)
        if kind is None:
            problems.append(
                document.problem(
                    ("rules", i, "check", "kind"),
                    "policy-check-kind",
                    f"unknown check kind '{rule.check.kind}'; known: {', '.join(sorted(CHECKS))}",
                )
            )
            continue
        _parse(document, kind.params, problems, rule.check.params, ("rules", i, "check"))
    seen: set[str] = set()
    for i, rule in enumerate(profile.rules):
        if rule.id in seen:
            problems.append(
                document.problem(
                    ("rules", i, "id"),
                    "policy-duplicate-rule",
                    f"rule id '{rule.id}' is used twice",
                )
            )
        seen.add(rule.id)
    return (None if problems else profile), tuple(problems)


def load_policy(root: Path) -> tuple[Policy | None, list[Problem]]:
    """The catalog's policy, or None when it has no `policy.yaml`; plus every problem in it."""
    path = root / POLICY_FILE
    if not path.is_file():
        return None, []
    try:
        document = load_document(path)
    except LoadError as error:
        return None, [error.problem]
    problems = list(document.problems)
    if document.data is None:
        document.data = {}
    if not isinstance(document.data, dict):
        return None, [
            *problems,
            document.problem(
                (), "policy-schema", "policy.yaml is a mapping (profiles, parameters)"
            ),
        ]
    config = _parse(document, PolicyConfig, problems)
    if config is None:
        return None, problems
    profiles: list[Profile] = []
    for i, name in enumerate(config.profiles):
        if name.endswith(".yaml"):
            target = (root / name).resolve()
            if not target.is_relative_to(root.resolve()) or not target.is_file():
                problems.append(
                    document.problem(
                        ("profiles", i),
                        "policy-profile-unknown",
                        f"profile file '{name}' does not exist inside the catalog folder",
                    )
                )
                continue
            try:
                raw = target.read_bytes()
            except OSError as error:
                problems.append(
                    document.problem(("profiles", i), "policy-profile-unknown", str(error))
                )
                continue
            profile, found = _load_profile_text(raw, str(Path(document.path).parent / name))
        elif name in SHIPPED_PROFILES:
            profile, found = _shipped_profile(name)
        else:
            problems.append(
                document.problem(
                    ("profiles", i),
                    "policy-profile-unknown",
                    f"no shipped profile '{name}'; known: {', '.join(SHIPPED_PROFILES)}, or a "
                    "catalog-relative file ending in .yaml",
                )
            )
            continue
        problems.extend(found)
        if profile is not None:
            profiles.append(profile)
    rules: list[ActiveRule] = []
    seen: dict[str, str] = {}
    for profile in profiles:
        for rule in profile.rules:
            if rule.id in seen:
                problems.append(
                    document.problem(
                        ("profiles",),
                        "policy-duplicate-rule",
                        f"rule '{rule.id}' is in profiles '{seen[rule.id]}' and '{profile.id}'; "
                        "rule ids must be unique",
                    )
                )
                continue
            seen[rule.id] = profile.id
            if rule.id in config.disabled_rules:
                continue
            kind = CHECKS[rule.check.kind]
            rules.append(
                ActiveRule(
                    rule,
                    profile,
                    config.severity.get(rule.id, rule.severity),
                    kind,
                    kind.params.model_validate(rule.check.params),
                )
            )
    for section, names in (
        ("disabled_rules", config.disabled_rules),
        ("severity", config.severity),
    ):
        for i, rule_id in enumerate(names):
            if rule_id not in seen:
                problems.append(
                    document.problem(
                        (section, i if section == "disabled_rules" else rule_id),
                        "policy-rule-unknown",
                        f"no rule '{rule_id}' in the selected profiles; check the id "
                        "(`govcat policy list`)",
                        severity="warning",
                    )
                )
    return Policy(config, profiles, rules, document.path), problems


def require_policy(root: Path) -> Policy | None:
    """`load_policy`, raising `ProblemsFound` when the policy itself has errors."""
    policy, problems = load_policy(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ProblemsFound(errors)
    return policy


# --- findings ----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A model failing a policy rule (or a waiver problem), located in the model's card."""

    rule: str
    title: str
    severity: Literal["error", "warning"]
    model_id: str
    message: str
    profile: str
    clause: str
    check: str
    status: Literal["open", "waived"] = "open"
    waiver: Waiver | None = None
    """The waiver in force (status waived) or the one that has expired (status open)."""
    loc: Loc = ()
    overdue: bool = False
    """An overdue review: gives the model the `overdue` governance status."""
    document: Document | None = field(default=None, compare=False, repr=False)

    @cached_property
    def problem(self) -> Problem:
        """The finding as a located problem (`path:line:col: rule: message`)."""
        text = self.message
        if self.status == "waived" and self.waiver is not None:
            text += f" [waived until {self.waiver.expires} by {self.waiver.approved_by}]"
        if self.document is None:
            return Problem(
                f"models/{self.model_id}.yaml", None, None, self.rule, text, self.severity
            )
        return self.document.problem(self.loc, self.rule, text, severity=self.severity)

    @property
    def is_open(self) -> bool:
        """Not waived."""
        return self.status == "open"


def evaluate(catalog: Catalog, today: dt.date, policy: Policy | None = None) -> list[Finding]:
    """Every finding of the catalog's policy on its valid models, as of `today`.

    Without `policy` it is loaded from the catalog (`ProblemsFound` if it has
    errors; no findings when the catalog has no policy.yaml).
    """
    if policy is None:
        policy = require_policy(catalog.root)
        if policy is None:
            return []
    with gc_paused():  # the cyclic GC would rescan every loaded card (DESIGN.md)
        return _evaluate(catalog, today, policy)


def _evaluate(catalog: Catalog, today: dt.date, policy: Policy) -> list[Finding]:
    context = CheckContext(catalog, policy.config.parameters, today)
    validators = _validator_people(catalog)
    findings: list[Finding] = []
    for model in catalog.models.values():
        document = catalog.documents.get(("models", model.id))
        waivers = _waivers_by_rule(model)
        for active in policy.rules:
            if not active.applies_to(model):
                continue
            for failure in active.kind.run(context, model, active.params):
                waiver, status = _waiver_status(
                    waivers.get(active.id), today, model, validators, catalog
                )
                message = failure.message
                if status == "open" and waiver is not None and waiver.expires < today:
                    message += f" (waiver expired {waiver.expires})"
                findings.append(
                    Finding(
                        active.id,
                        active.rule.title,
                        active.severity,
                        model.id,
                        message + (f" — {active.rule.fix}" if active.rule.fix else ""),
                        active.profile.id,
                        active.rule.clause,
                        active.kind.name,
                        status,
                        waiver,
                        failure.loc,
                        failure.overdue,
                        document,
                    )
                )
        findings.extend(_waiver_findings(model, policy, validators, catalog, document, today))
    return findings


def _waivers_by_rule(model: ModelCard) -> dict[str, list[tuple[int, Waiver]]]:
    result: dict[str, list[tuple[int, Waiver]]] = {}
    for i, waiver in enumerate(model.waivers):
        result.setdefault(waiver.rule, []).append((i, waiver))
    return result


def _validator_people(catalog: Catalog) -> set[str]:
    """People in second-line teams: they may approve waivers for any model."""
    return {
        person.id
        for team in catalog.teams.values()
        if team.function == "second-line"
        for person in team.people
    }


def _may_approve(person: str, model: ModelCard, validators: set[str], catalog: Catalog) -> bool:
    owner = catalog.teams.get(model.owner)
    if owner is not None and any(p.id == person for p in owner.people):
        return False
    if person in validators:
        return True
    for contact in model.contacts:
        if contact.role.value != "validator":
            continue
        if contact.person == person:
            return True
        team = catalog.teams.get(contact.team or "")
        if team is not None and any(p.id == person for p in team.people):
            return True
    return False


def _waiver_status(
    candidates: list[tuple[int, Waiver]] | None,
    today: dt.date,
    model: ModelCard,
    validators: set[str],
    catalog: Catalog,
) -> tuple[Waiver | None, Literal["open", "waived"]]:
    """The waiver that applies (status waived), else the latest expired one (status open)."""
    if not candidates:
        return None, "open"
    valid = [w for _, w in candidates if _may_approve(w.approved_by, model, validators, catalog)]
    active = [w for w in valid if w.expires >= today]
    if active:
        return max(active, key=lambda w: w.expires), "waived"
    if valid:
        return max(valid, key=lambda w: w.expires), "open"
    return None, "open"


def _waiver_findings(
    model: ModelCard,
    policy: Policy,
    validators: set[str],
    catalog: Catalog,
    document: Document | None,
    today: dt.date,
) -> list[Finding]:
    findings = []
    for i, waiver in enumerate(model.waivers):
        if not _may_approve(waiver.approved_by, model, validators, catalog):
            findings.append(
                Finding(
                    "waiver.approver",
                    "Waivers are approved by an independent validator",
                    "error",
                    model.id,
                    f"waiver of '{waiver.rule}' is approved by '{waiver.approved_by}', who is not "
                    "an independent validator (second-line team member or validator contact "
                    "outside the owner team); it does not apply until a validator approves it",
                    WAIVER_PROFILE,
                    WAIVER_CLAUSE,
                    "waiver",
                    loc=("waivers", i, "approved_by"),
                    document=document,
                )
            )
        if waiver.rule not in policy.by_id:
            findings.append(
                Finding(
                    "waiver.unknown-rule",
                    "Waivers name an active rule",
                    "warning",
                    model.id,
                    f"waiver names rule '{waiver.rule}', which is not an active rule of this "
                    "catalog's policy; correct the id (`govcat policy list`) or remove the waiver",
                    WAIVER_PROFILE,
                    WAIVER_CLAUSE,
                    "waiver",
                    loc=("waivers", i, "rule"),
                    document=document,
                )
            )
    return findings


# --- governance status, review schedule, completeness --------------------------


class GovernanceStatus(StrEnum):
    """A model's governance status (worst first: non-compliant, overdue, due-soon, compliant)."""

    compliant = "compliant"
    due_soon = "due-soon"
    overdue = "overdue"
    non_compliant = "non-compliant"


STATUS_ORDER = {
    GovernanceStatus.compliant: 0,
    GovernanceStatus.due_soon: 1,
    GovernanceStatus.overdue: 2,
    GovernanceStatus.non_compliant: 3,
}


def review_schedule(catalog: Catalog, policy: Policy, today: dt.date) -> dict[str, ReviewDue]:
    """Model id → its next review, for models with an approval (retired ones left out).

    The cadence is the tier's, capped by the tightest `months_cap` of the
    review-cadence rules that apply to the model.
    """
    cadence_rules = [r for r in policy.rules if r.kind.name == "review-cadence"]
    schedule = {}
    for model in catalog.models.values():
        caps = [
            r.params.months_cap  # type: ignore[attr-defined]
            for r in cadence_rules
            if r.applies_to(model) and r.params.months_cap  # type: ignore[attr-defined]
        ]
        due = review_due(model, policy.config.parameters, today, min(caps) if caps else None)
        if due is not None:
            schedule[model.id] = due
    return schedule


def governance_status(
    catalog: Catalog, policy: Policy, findings: list[Finding], today: dt.date
) -> dict[str, GovernanceStatus]:
    """Model id → status: `non-compliant` with an open error finding (other than an overdue
    review), else `overdue` with an open overdue-review finding, else `due-soon` when the
    next review is within `parameters.due_soon_days`, else `compliant`. Warnings alone do not
    make a model non-compliant.
    """
    schedule = review_schedule(catalog, policy, today)
    status = {}
    non_compliant = {
        f.model_id for f in findings if f.is_open and f.severity == "error" and not f.overdue
    }
    overdue = {f.model_id for f in findings if f.is_open and f.overdue}
    for model_id in catalog.models:
        if model_id in non_compliant:
            status[model_id] = GovernanceStatus.non_compliant
        elif model_id in overdue:
            status[model_id] = GovernanceStatus.overdue
        elif model_id in schedule and schedule[model_id].state == "due-soon":
            status[model_id] = GovernanceStatus.due_soon
        else:
            status[model_id] = GovernanceStatus.compliant
    return status


@dataclass(frozen=True)
class ProfileScore:
    """How complete a model is against one profile."""

    profile: str
    applicable: int
    passed: int
    waived: int

    @property
    def percent(self) -> int | None:
        """Passed (or waived) applicable rules, in percent; None when no rule applies."""
        if not self.applicable:
            return None
        return round(100 * (self.passed + self.waived) / self.applicable)


CellState = Literal["pass", "fail", "waived", "n/a"]


def rule_states(
    catalog: Catalog, policy: Policy, findings: list[Finding]
) -> dict[str, dict[str, CellState]]:
    """Model id → rule id → pass / fail / waived / n/a (the compliance matrix)."""
    failing: dict[tuple[str, str], CellState] = {}
    for finding in findings:
        key = (finding.model_id, finding.rule)
        if finding.is_open:
            failing[key] = "fail"
        else:
            failing.setdefault(key, "waived")
    matrix: dict[str, dict[str, CellState]] = {}
    for model in catalog.models.values():
        row: dict[str, CellState] = {}
        for active in policy.rules:
            if active.applies_to(model):
                row[active.id] = failing.get((model.id, active.id), "pass")
            else:
                row[active.id] = "n/a"
        matrix[model.id] = row
    return matrix


def profile_scores(
    policy: Policy, states: dict[str, dict[str, CellState]]
) -> dict[str, list[ProfileScore]]:
    """Model id → a completeness score per selected profile."""
    profile_of = {rule.id: rule.profile.id for rule in policy.rules}
    scores = {}
    for model_id, row in states.items():
        counts = {p.id: [0, 0, 0] for p in policy.profiles}
        for rule_id, state in row.items():
            if state == "n/a":
                continue
            count = counts[profile_of[rule_id]]
            count[0] += 1
            count[1] += state == "pass"
            count[2] += state == "waived"
        scores[model_id] = [ProfileScore(p, *c) for p, c in counts.items()]
    return scores


@dataclass
class PolicyRun:
    """What `govcat validate` shows of the policy: problems in the policy files, and findings."""

    problems: list[Problem]
    findings: list[Finding]
    policy: Policy | None

    @property
    def open_findings(self) -> list[Finding]:
        """Findings not covered by an active waiver."""
        return [f for f in self.findings if f.is_open]

    @property
    def waived(self) -> int:
        """How many findings an active waiver covers."""
        return len(self.findings) - len(self.open_findings)

    def open_problems(self) -> list[Problem]:
        """The open findings as located problems (computed with the cyclic GC paused)."""
        with gc_paused():
            return [f.problem for f in self.open_findings]

    def failing(self, fail_on: str | None) -> list[Finding]:
        """Open findings that fail the run under `--fail-on error|warning` (none without it)."""
        if fail_on == "warning":
            return self.open_findings
        if fail_on == "error":
            return [f for f in self.open_findings if f.severity == "error"]
        return []


def run_policy(catalog: Catalog, today: dt.date) -> PolicyRun:
    """Load the catalog's policy and evaluate it; policy-file errors leave no findings."""
    policy, problems = load_policy(catalog.root)
    if policy is None or any(p.severity == "error" for p in problems):
        return PolicyRun(problems, [], policy)
    return PolicyRun(problems, evaluate(catalog, today, policy), policy)
