"""The documented set of check kinds a policy rule can use.

Each kind is a function `(context, model, params) -> list[Failure]` plus a
pydantic model of its parameters (checked when the policy loads, so a typo in a
profile is a located problem, never a crash). A `Failure` is where in the card
the problem is (a path into the card; a missing field falls back to its nearest
parent, or the card's top) and what to do about it.

`govcat policy checks` prints this catalogue from the docstrings below.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from generator.catalog import Catalog
from generator.policy.model import Parameters
from generator.schema import ContactRole, ModelCard, Stage, ValidationOutcome

Loc = tuple[str | int, ...]

METRIC_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "auc",
            "roc_auc",
            "gini",
            "ks",
            "accuracy",
            "precision",
            "recall",
            "f1",
            "f1_score",
            "mae",
            "mape",
            "rmse",
            "mse",
            "r2",
            "logloss",
            "log_loss",
            "brier",
            "ndcg",
            "map",
            "hit_rate",
            "bleu",
            "rouge",
            "wer",
            "cer",
            "smape",
            "pr_auc",
            "average_precision",
            "top1_accuracy",
            "top5_accuracy",
            "approval_rate",
            "gini_coefficient",
        ),
        "performance",
    ),
    **dict.fromkeys(
        (
            "psi",
            "csi",
            "drift_share",
            "drift",
            "kl_divergence",
            "js_divergence",
            "wasserstein",
            "feature_drift",
            "prediction_drift",
            "target_drift",
            "share_of_drifted_columns",
            "embedding_drift",
            "data_drift",
        ),
        "drift",
    ),
}
"""Metric kind by well-known name, for thresholds that do not say their `kind`."""


@dataclass(frozen=True)
class Failure:
    """One way a model fails a check: where (a path into the card) and what to do."""

    loc: Loc
    message: str
    overdue: bool = False
    """For review checks: the failure is an overdue review (drives the `overdue` status)."""


@dataclass
class CheckContext:
    """What every check may read: the catalog, the parameters and today's date."""

    catalog: Catalog
    parameters: Parameters
    today: dt.date
    _team_of: dict[str, str] | None = field(default=None, repr=False)

    @property
    def team_of(self) -> dict[str, str]:
        """Person id → team id (computed once per evaluation)."""
        if self._team_of is None:
            self._team_of = {
                person.id: team.id for team in self.catalog.teams.values() for person in team.people
            }
        return self._team_of


class Params(BaseModel):
    """Parameters of a check kind (none by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CheckKind:
    """A check kind: name, documentation, parameter model and the function."""

    name: str
    params: type[Params]
    run: Callable[[CheckContext, ModelCard, Any], list[Failure]]

    @property
    def doc(self) -> str:
        """The check's documentation (its function's docstring)."""
        return (self.run.__doc__ or "").strip()


CHECKS: dict[str, CheckKind] = {}


def check(name: str, params: type[Params] = Params) -> Callable[..., Any]:
    """Register a check kind under `name`."""

    def register(function: Callable[..., list[Failure]]) -> Callable[..., list[Failure]]:
        CHECKS[name] = CheckKind(name, params, function)
        return function

    return register


# --- helpers -----------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_empty(value: Any) -> bool:
    """None, an empty string, list or mapping."""
    return value is None or (isinstance(value, str | list | dict | tuple) and len(value) == 0)


def field_value(model: ModelCard, dotted: str) -> Any:
    """The value at a dotted path (`intended_use.out_of_scope`, `links.repository`)."""
    value: Any = model
    for part in dotted.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


def approvals(model: ModelCard, outcomes: list[str]) -> list[tuple[int, Any]]:
    """(index, validation) of validations whose outcome counts as an approval."""
    return [(i, v) for i, v in enumerate(model.validations) if v.outcome.value in outcomes]


def metric_kind(name: str, declared: str | None) -> str | None:
    """A threshold's kind: as declared, else guessed from a well-known metric name."""
    return declared or METRIC_KINDS.get(name)


@dataclass(frozen=True)
class ReviewDue:
    """When a model's next independent review is due, and why."""

    model_id: str
    due: dt.date
    validation_index: int
    validated: dt.date
    cadence_months: int
    days_left: int
    due_soon_days: int = 30

    @property
    def state(self) -> Literal["overdue", "due-soon", "scheduled"]:
        """overdue (past due), due-soon (within the policy's window) or scheduled."""
        if self.days_left < 0:
            return "overdue"
        return "due-soon" if self.days_left <= self.due_soon_days else "scheduled"


def review_due(
    model: ModelCard, parameters: Parameters, today: dt.date, months_cap: int | None = None
) -> ReviewDue | None:
    """The next review of a model: the earlier of the card's `next_review` and the cadence.

    None when the model has no approving validation yet (the `approval` check
    reports that) or is retired.
    """
    if model.stage == Stage.retired:
        return None
    approved = approvals(model, parameters.approval_outcomes)
    if not approved:
        return None
    index, validation = max(approved, key=lambda item: item[1].date)
    months = parameters.review_cadence_months.months(model.risk.tier)
    if months_cap is not None:
        months = min(months, months_cap)
    due = add_months(validation.date, months)
    if validation.next_review is not None and validation.next_review < due:
        due = validation.next_review
    return ReviewDue(
        model.id,
        due,
        index,
        validation.date,
        months,
        (due - today).days,
        parameters.due_soon_days,
    )


# --- the check kinds ---------------------------------------------------------


class RequiredFieldsParams(Params):
    fields: list[str] = Field(min_length=1, description="Dotted card paths that must be filled.")


@check("required-fields", RequiredFieldsParams)
def required_fields(
    ctx: CheckContext, model: ModelCard, params: RequiredFieldsParams
) -> list[Failure]:
    """Each listed field (dotted path, e.g. `intended_use.out_of_scope`) is present and not empty.

    params: `fields: [summary, intended_use.primary, limitations, …]`.
    """
    failures = []
    for dotted in params.fields:
        if is_empty(field_value(model, dotted)):
            failures.append(
                Failure(tuple(dotted.split(".")), f"`{dotted}` is missing or empty; fill it in")
            )
    return failures


class ReviewCadenceParams(Params):
    months_cap: int | None = Field(
        None, ge=1, le=120, description="At most this many months, whatever the tier's cadence."
    )


@check("review-cadence", ReviewCadenceParams)
def review_cadence(
    ctx: CheckContext, model: ModelCard, params: ReviewCadenceParams
) -> list[Failure]:
    """The latest approval's next review (the earlier of `next_review` and approval date plus the
    tier's cadence from `parameters.review_cadence_months`) is not in the past.

    params: `months_cap: 12` (optional; e.g. SR 11-7's at-least-annual review).
    Models without an approval are left to the `approval` check.
    """
    due = review_due(model, ctx.parameters, ctx.today, params.months_cap)
    if due is None or due.days_left >= 0:
        return []
    validation = model.validations[due.validation_index]
    loc: Loc = ("validations", due.validation_index)
    loc += ("next_review",) if validation.next_review is not None else ("date",)
    return [
        Failure(
            loc,
            f"independent review overdue since {due.due} ({-due.days_left} days; validated "
            f"{due.validated}, {model.risk.tier.value} tier allows {due.cadence_months} months); "
            "revalidate and record the new validation",
            overdue=True,
        )
    ]


class ApprovalParams(Params):
    outcomes: list[Literal["approved", "approved-with-conditions"]] | None = Field(
        None, description="Allowed outcomes (default: `parameters.approval_outcomes`)."
    )
    covers_current_version: bool = Field(
        False, description="The approval must name the current version."
    )
    require_report: bool = Field(False, description="The approval must link its report.")


@check("approval", ApprovalParams)
def approval(ctx: CheckContext, model: ModelCard, params: ApprovalParams) -> list[Failure]:
    """An independent validation with an allowed outcome is recorded, and the latest validation
    is not a rejection.

    params: `outcomes` (default `parameters.approval_outcomes`), `covers_current_version`
    (the approval names the current version), `require_report` (it links its report).
    """
    outcomes = params.outcomes or ctx.parameters.approval_outcomes
    if not model.validations:
        return [
            Failure(
                ("validations",),
                "no independent validation recorded; have the model validated and add "
                "`validations: [{date, by: <validator team>, outcome: approved, next_review}]`",
            )
        ]
    latest_index = max(range(len(model.validations)), key=lambda i: model.validations[i].date)
    latest = model.validations[latest_index]
    if latest.outcome == ValidationOutcome.rejected:
        return [
            Failure(
                ("validations", latest_index, "outcome"),
                f"the latest validation ({latest.date}) rejected the model; fix the findings and "
                "revalidate, or take the model out of use",
            )
        ]
    approved = approvals(model, outcomes)
    if not approved:
        return [
            Failure(
                ("validations", latest_index, "outcome"),
                f"no validation with outcome {' or '.join(outcomes)} (latest: "
                f"{latest.outcome.value}); complete the validation before relying on the model",
            )
        ]
    index, chosen = max(approved, key=lambda item: item[1].date)
    failures = []
    current = model.current_version.version
    if params.covers_current_version and chosen.version != current:
        what = f"covers version {chosen.version}" if chosen.version else "names no version"
        failures.append(
            Failure(
                ("validations", index, "version"),
                f"the approval of {chosen.date} {what} but the current version is {current}; "
                "validate the change and record the validated version",
            )
        )
    if params.require_report and chosen.report is None:
        failures.append(
            Failure(
                ("validations", index),
                f"the approval of {chosen.date} links no report; add `report: <URL>`",
            )
        )
    return failures


class SeparationParams(Params):
    validator_function: Literal["second-line", "third-line"] | None = Field(
        "second-line", description="The validating team's `function` (none: not checked)."
    )


@check("separation-of-duties", SeparationParams)
def separation_of_duties(
    ctx: CheckContext, model: ModelCard, params: SeparationParams
) -> list[Failure]:
    """The validator is independent: the latest validation's team and every `validator` contact
    are neither the owner team nor a team or person that is accountable or responsible, and the
    validating team has the configured `function` (second line by default).

    params: `validator_function: second-line | third-line | null`.
    """
    team_of = ctx.team_of
    builders_people = {c.person for c in model.contacts if c.person and c.role in _BUILDER_ROLES}
    builders_teams = {model.owner}
    builders_teams |= {c.team for c in model.contacts if c.team and c.role in _BUILDER_ROLES}
    builders_teams |= {team_of[p] for p in builders_people if p in team_of}
    failures = []
    if model.validations:
        index = max(range(len(model.validations)), key=lambda i: model.validations[i].date)
        by = model.validations[index].by
        if by in builders_teams:
            failures.append(
                Failure(
                    ("validations", index, "by"),
                    f"validation by '{by}', which builds or owns the model; an independent "
                    "team must validate it",
                )
            )
        team = ctx.catalog.teams.get(by)
        wanted = params.validator_function
        if team is not None and wanted and team.function != wanted and by not in builders_teams:
            failures.append(
                Failure(
                    ("validations", index, "by"),
                    f"validating team '{by}' has function '{team.function or 'unset'}', not "
                    f"'{wanted}'; have the {wanted} validate it",
                )
            )
    for i, contact in enumerate(model.contacts):
        if contact.role != ContactRole.validator:
            continue
        if contact.team and contact.team in builders_teams:
            failures.append(
                Failure(
                    ("contacts", i, "team"),
                    f"validator '{contact.team}' also builds or owns the model; name an "
                    "independent validator",
                )
            )
        if contact.person and (
            contact.person in builders_people or team_of.get(contact.person) in builders_teams
        ):
            failures.append(
                Failure(
                    ("contacts", i, "person"),
                    f"validator '{contact.person}' is in the owning team or responsible for the "
                    "model; name an independent validator",
                )
            )
    return failures


_BUILDER_ROLES = (ContactRole.accountable, ContactRole.responsible)


class TeamSizeParams(Params):
    min_people: int | None = Field(
        None, ge=1, description="Minimum people (default `parameters.min_team_people`)."
    )


@check("owner-team-size", TeamSizeParams)
def owner_team_size(ctx: CheckContext, model: ModelCard, params: TeamSizeParams) -> list[Failure]:
    """The owner team lists at least `min_people` people (key-person risk).

    params: `min_people` (default `parameters.min_team_people`).
    """
    team = ctx.catalog.teams.get(model.owner)
    if team is None:
        return []  # an unknown team is a reference problem, reported by validation
    wanted = params.min_people or ctx.parameters.min_team_people
    if len(team.people) >= wanted:
        return []
    return [
        Failure(
            ("owner",),
            f"owner team '{team.id}' lists {len(team.people)} "
            f"{'person' if len(team.people) == 1 else 'people'}, fewer than {wanted}; add "
            f"people to catalog/teams/{team.id}.yaml",
        )
    ]


class MonitoringParams(Params):
    kinds: list[Literal["performance", "drift", "fairness", "data-quality", "operational"]] = Field(
        default_factory=lambda: ["performance", "drift"],
        description="Metric kinds that need at least one threshold each.",
    )


@check("monitoring", MonitoringParams)
def monitoring(ctx: CheckContext, model: ModelCard, params: MonitoringParams) -> list[Failure]:
    """Monitoring is declared with at least one thresholded metric of each listed kind
    (`kind:` on the threshold, or a well-known name such as auc, accuracy, psi, drift_share).

    params: `kinds: [performance, drift]`.
    """
    if model.monitoring is None or not model.monitoring.metrics:
        return [
            Failure(
                ("monitoring",),
                f"no monitoring declared; add `monitoring.metrics` with thresholds for "
                f"{', '.join(params.kinds)} metrics",
            )
        ]
    present = {
        metric_kind(name, threshold.kind) for name, threshold in model.monitoring.metrics.items()
    }
    missing = [kind for kind in params.kinds if kind not in present]
    if not missing:
        return []
    return [
        Failure(
            ("monitoring", "metrics"),
            f"no {' or '.join(missing)} metric among the monitored ones; add one with thresholds "
            "(set `kind:` on metrics with unusual names)",
        )
    ]


@check("retirement-plan")
def retirement_plan(ctx: CheckContext, model: ModelCard, params: Params) -> list[Failure]:
    """A deprecated model has a retirement date, and the date has not passed while the model is
    still deprecated. Other stages pass.
    """
    if model.stage != Stage.deprecated:
        return []
    if model.retirement is None:
        return [
            Failure(
                ("stage",),
                "deprecated without a retirement plan; add `retirement: {date, replaced_by}`",
            )
        ]
    if model.retirement.date < ctx.today:
        return [
            Failure(
                ("retirement", "date"),
                f"retirement date {model.retirement.date} has passed but the model is still "
                "deprecated; set stage retired or move the date",
            )
        ]
    return []


class LineageParams(Params):
    require_versions: bool = Field(False, description="Each training dataset names its version.")


@check("lineage", LineageParams)
def lineage(ctx: CheckContext, model: ModelCard, params: LineageParams) -> list[Failure]:
    """Training data is declared and every training dataset resolves to a dataset card
    (optionally with the version used).

    params: `require_versions: true|false`.
    """
    if not model.training_data:
        return [
            Failure(
                ("training_data",),
                "no training data declared; add `training_data: [{dataset: <id>, version}]` "
                "with dataset cards in catalog/datasets/",
            )
        ]
    failures = []
    for i, item in enumerate(model.training_data):
        if item.dataset not in ctx.catalog.datasets:
            failures.append(
                Failure(
                    ("training_data", i, "dataset"),
                    f"training dataset '{item.dataset}' has no dataset card; add "
                    f"catalog/datasets/{item.dataset}.yaml",
                )
            )
        elif params.require_versions and not item.version:
            failures.append(
                Failure(
                    ("training_data", i),
                    f"training dataset '{item.dataset}' names no version; add `version:`",
                )
            )
    return failures


class FairnessParams(Params):
    max_age_months: int | None = Field(
        None, ge=1, le=120, description="The analysis is at most this old (needs its `date`)."
    )


@check("fairness", FairnessParams)
def fairness(ctx: CheckContext, model: ModelCard, params: FairnessParams) -> list[Failure]:
    """A model with `sensitive: true` features has a fairness analysis that names every
    sensitive feature among its attributes (and, with `max_age_months`, is recent enough).
    Models without sensitive features pass.

    params: `max_age_months` (optional).
    """
    sensitive = [(i, f) for i, f in enumerate(model.features) if f.sensitive]
    if not sensitive:
        return []
    names = ", ".join(f.name for _, f in sensitive)
    if model.fairness is None:
        return [
            Failure(
                ("features", sensitive[0][0], "sensitive"),
                f"uses sensitive features ({names}) but has no fairness analysis; add "
                "`fairness: {attributes, analysis, date}`",
            )
        ]
    analysed = {a.strip().lower() for a in model.fairness.attributes}
    failures = [
        Failure(
            ("fairness", "attributes"),
            f"sensitive feature '{f.name}' is not among the analysed attributes; analyse it "
            "and list it",
        )
        for _, f in sensitive
        if f.name.lower() not in analysed
    ]
    if params.max_age_months:
        date = model.fairness.date
        if date is None:
            failures.append(Failure(("fairness",), "fairness analysis has no `date`; add it"))
        elif add_months(date, params.max_age_months) < ctx.today:
            failures.append(
                Failure(
                    ("fairness", "date"),
                    f"fairness analysis of {date} is older than {params.max_age_months} months; "
                    "repeat it",
                )
            )
    return failures


class OversightParams(Params):
    min_length: int = Field(40, ge=1, description="Minimum characters of the statement.")


@check("human-oversight", OversightParams)
def human_oversight(ctx: CheckContext, model: ModelCard, params: OversightParams) -> list[Failure]:
    """A `human_oversight` statement says how people oversee and can override the model, at
    least `min_length` characters long.

    params: `min_length: 40`.
    """
    text = model.human_oversight or ""
    if len(text) >= params.min_length:
        return []
    what = "is too short to say who oversees it and how" if text else "is missing"
    return [
        Failure(
            ("human_oversight",),
            f"the human-oversight statement {what}; describe who reviews outputs, how they can "
            "override or stop the model",
        )
    ]


class ContactsParams(Params):
    roles: list[ContactRole] = Field(min_length=1, description="Roles that must be filled.")


@check("contacts", ContactsParams)
def contacts(ctx: CheckContext, model: ModelCard, params: ContactsParams) -> list[Failure]:
    """Each listed accountability role has at least one contact (person or team).

    params: `roles: [accountable, responsible, validator]`.
    """
    present = {c.role for c in model.contacts}
    missing = [role.value for role in params.roles if role not in present]
    if not missing:
        return []
    return [
        Failure(
            ("contacts",),
            f"no {', '.join(missing)} contact; add `contacts: [{{role: {missing[0]}, person: <id>}}]`",
        )
    ]


class EvaluationParams(Params):
    min_metrics: int = Field(1, ge=1, description="Metrics in at least one evaluation.")
    require_slices: bool = Field(
        False, description="Models with sensitive features report per-segment metrics."
    )


@check("evaluation", EvaluationParams)
def evaluation(ctx: CheckContext, model: ModelCard, params: EvaluationParams) -> list[Failure]:
    """An offline evaluation with at least `min_metrics` metrics is recorded; with
    `require_slices`, a model with sensitive features also reports per-segment metrics.

    params: `min_metrics: 1`, `require_slices: false`.
    """
    if not model.evaluation:
        return [
            Failure(
                ("evaluation",),
                "no offline evaluation recorded; add `evaluation: [{dataset, metrics}]`",
            )
        ]
    failures = []
    if max(len(e.metrics) for e in model.evaluation) < params.min_metrics:
        failures.append(
            Failure(
                ("evaluation",),
                f"no evaluation reports {params.min_metrics} metrics or more; add metrics",
            )
        )
    if (
        params.require_slices
        and any(f.sensitive for f in model.features)
        and not any(e.slices for e in model.evaluation)
    ):
        failures.append(
            Failure(
                ("evaluation", 0),
                "uses sensitive features but reports no per-segment metrics; add `slices`",
            )
        )
    return failures


class LinksParams(Params):
    any_of: list[str] = Field(min_length=1, description="Link names, one of which must exist.")


@check("links", LinksParams)
def links(ctx: CheckContext, model: ModelCard, params: LinksParams) -> list[Failure]:
    """At least one of the named links exists (e.g. `repository`, `documentation`, `logging`).

    params: `any_of: [logging, logs]`.
    """
    if any(name in model.links for name in params.any_of):
        return []
    return [
        Failure(
            ("links",),
            f"no `{params.any_of[0]}` link"
            + (f" (or {', '.join(params.any_of[1:])})" if len(params.any_of) > 1 else "")
            + f"; add `links: {{{params.any_of[0]}: <URL>}}`",
        )
    ]


class ForbiddenParams(Params):
    message: str = Field(min_length=1, description="Why models in scope are not allowed.")


@check("forbidden", ForbiddenParams)
def forbidden(ctx: CheckContext, model: ModelCard, params: ForbiddenParams) -> list[Failure]:
    """Every model in the rule's scope fails (for combinations that must not exist, e.g. a
    prohibited AI practice in use). The rule's scope does the selecting.

    params: `message` (what is wrong and what to do).
    """
    return [Failure((), params.message)]
