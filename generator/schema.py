"""The catalog's file formats as pydantic models.

This module is the single source of truth for what a model card, dataset card,
team file and the catalog settings may contain. The JSON Schema given to editors
(`govcat schema`) and the reference documentation are generated from it.

It imports nothing of govcat's own: other stages depend on it, never the reverse.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$"
ID_RE = re.compile(ID_PATTERN)
TODO_MARKER = "TODO"
INTERNAL_ONLY: dict[str, Any] = {"internal_only": True}
"""`json_schema_extra` of fields a public build leaves out (internal links, addresses, reasons)."""

Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(
        description="Lower-case letters, digits and '-', 2–64 characters, starting and ending "
        "with a letter or digit. Used in URLs and file names."
    ),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Tag = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]{0,39}$"),
    Field(description="Lower-case keyword: letters, digits, '-', '+', '.'; at most 40 characters."),
]
MetricName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$"),
    Field(description="Metric name as it appears in monitoring exports (snake_case)."),
]


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s<>\"']*$", value, re.IGNORECASE):
        raise ValueError("must be an http:// or https:// URL")
    return value


Url = Annotated[
    str,
    StringConstraints(max_length=2_000),
    AfterValidator(_check_url),
    Field(
        description="An http:// or https:// URL; other schemes (javascript:, file:) are refused."
    ),
]


class Stage(StrEnum):
    """Lifecycle stage of a model version."""

    development = "development"
    validation = "validation"
    staging = "staging"
    production = "production"
    deprecated = "deprecated"
    retired = "retired"


class RiskTier(StrEnum):
    """Internal model-risk tier; drives review cadence and policy."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class EuAiActClass(StrEnum):
    """Risk class under the EU AI Act (Regulation (EU) 2024/1689)."""

    prohibited = "prohibited"
    high_risk = "high-risk"
    limited = "limited"
    minimal = "minimal"
    not_applicable = "not-applicable"


class Classification(StrEnum):
    """Who may see the card: builds for a narrower audience leave it out entirely."""

    public = "public"
    internal = "internal"
    confidential = "confidential"
    restricted = "restricted"


class ValidationOutcome(StrEnum):
    """Result of an independent model validation."""

    approved = "approved"
    approved_with_conditions = "approved-with-conditions"
    rejected = "rejected"
    in_progress = "in-progress"


class ContactRole(StrEnum):
    """Accountability role (RACI plus the independent validator)."""

    accountable = "accountable"
    responsible = "responsible"
    consulted = "consulted"
    informed = "informed"
    validator = "validator"


class StrictModel(BaseModel):
    """Base for every file section: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=False,
        use_enum_values=False,
        str_strip_whitespace=True,
    )

    @classmethod
    def field_names(cls) -> list[str]:
        """The keys a user may write in this section."""
        return [info.alias or name for name, info in cls.model_fields.items()]

    @classmethod
    def suggest(cls, key: str) -> str | None:
        """The closest known key to a misspelt one, if any is close."""
        matches = difflib.get_close_matches(key, cls.field_names(), n=1, cutoff=0.6)
        return matches[0] if matches else None


# --- model cards -------------------------------------------------------------


class Contact(StrictModel):
    """A person or team with a role in the model's accountability."""

    role: ContactRole = Field(description="RACI role, or `validator` for independent review.")
    person: Id | None = Field(None, description="Person id from a team file's `people`.")
    team: Id | None = Field(None, description="Team id (a file in catalog/teams/).")

    @model_validator(mode="after")
    def _one_of_person_or_team(self) -> Contact:
        if (self.person is None) == (self.team is None):
            raise ValueError("give exactly one of `person` or `team`")
        return self


class Risk(StrictModel):
    """Risk classification of the model."""

    tier: RiskTier = Field(description="Internal risk tier: low, medium, high or critical.")
    eu_ai_act: EuAiActClass = Field(
        EuAiActClass.not_applicable, description="EU AI Act risk class."
    )
    rationale: Text | None = Field(None, description="Why this tier and class were chosen.")


class IntendedUse(StrictModel):
    """What the model is for, and what it must not be used for."""

    primary: Text = Field(description="The primary intended use, in one or two sentences.")
    users: list[ShortText] = Field(default_factory=list, description="Intended users.")
    out_of_scope: list[ShortText] = Field(
        default_factory=list, description="Uses the model is not designed or approved for."
    )


class Feature(StrictModel):
    """An input feature of the model."""

    name: ShortText = Field(description="Feature name as the model sees it.")
    type: ShortText = Field("float", description="Data type (float, int, category, text, …).")
    source: ShortText | None = Field(
        None, description="Where it comes from: `dataset:<id>` for a catalogued dataset, or text."
    )
    sensitive: bool = Field(
        False,
        description="A protected or sensitive attribute (age, sex, …): triggers fairness rules.",
    )
    description: Text | None = Field(None, description="What the feature means.")


class Label(StrictModel):
    """A target the model predicts."""

    name: ShortText = Field(description="Label name.")
    description: Text | None = Field(None, description="Definition of the label.")


class TrainingData(StrictModel):
    """A dataset the model was trained on."""

    dataset: Id = Field(description="Dataset id (a file in catalog/datasets/).")
    version: ShortText | None = Field(None, description="Dataset version or snapshot used.")
    rows: int | None = Field(None, ge=0, description="Number of rows used.")


class EvaluationSlice(StrictModel):
    """Metrics on one segment of the evaluation data (fairness, cohorts)."""

    segment: ShortText = Field(description="Segment definition, e.g. `age<25` or `region=EU`.")
    metrics: dict[MetricName, float] = Field(description="Metric name → value on this segment.")


class Evaluation(StrictModel):
    """Offline evaluation of the model on one dataset."""

    dataset: Id = Field(description="Dataset id the evaluation ran on.")
    date: dt.date | None = Field(None, description="When the evaluation ran.")
    metrics: dict[MetricName, float] = Field(description="Metric name → value.")
    slices: list[EvaluationSlice] = Field(
        default_factory=list, description="Per-segment metrics (fairness and cohort analysis)."
    )


class Fairness(StrictModel):
    """Fairness analysis for models that use or affect protected groups."""

    attributes: list[ShortText] = Field(description="Protected attributes analysed.")
    analysis: Text = Field(description="Method and findings of the fairness analysis.")
    date: dt.date | None = Field(None, description="When the analysis was last done.")
    report: Url | None = Field(
        None, description="Link to the full fairness report.", json_schema_extra=INTERNAL_ONLY
    )


class Version(StrictModel):
    """One released version of the model."""

    version: ShortText = Field(
        description='Version label, e.g. `3.2.0` (quote numbers like `"1.10"`).'
    )
    date: dt.date = Field(description="Release date (YYYY-MM-DD).")
    stage: Stage = Field(description="Lifecycle stage of this version.")
    registry: ShortText | None = Field(
        None,
        description="Model registry reference, e.g. `models:/credit-default/12`.",
        json_schema_extra=INTERNAL_ONLY,
    )
    changes: Text | None = Field(None, description="What changed in this version.")


class Validation(StrictModel):
    """An independent validation (model-risk review) of the model."""

    date: dt.date = Field(description="Date of the validation decision.")
    by: Id = Field(description="Team id of the validating team.")
    outcome: ValidationOutcome = Field(description="Result of the validation.")
    version: ShortText | None = Field(None, description="Model version that was validated.")
    next_review: dt.date | None = Field(None, description="When the next review is due.")
    report: Url | None = Field(
        None, description="Link to the validation report.", json_schema_extra=INTERNAL_ONLY
    )
    conditions: list[ShortText] = Field(
        default_factory=list, description="Conditions attached to an approval."
    )


class MetricThreshold(StrictModel):
    """Thresholds for one monitored metric: breach outside min/max, warn outside the band."""

    min: float | None = Field(None, description="Breach when the value falls below this.")
    max: float | None = Field(None, description="Breach when the value rises above this.")
    warn_below: float | None = Field(None, description="Warning when the value falls below this.")
    warn_above: float | None = Field(None, description="Warning when the value rises above this.")
    kind: Literal["performance", "drift", "fairness", "data-quality", "operational"] | None = Field(
        None, description="What the metric watches; policy rules ask for performance and drift."
    )
    description: ShortText | None = Field(None, description="What the metric measures.")

    @model_validator(mode="after")
    def _consistent(self) -> MetricThreshold:
        if all(v is None for v in (self.min, self.max, self.warn_below, self.warn_above)):
            raise ValueError("give at least one of min, max, warn_below, warn_above")
        if self.min is not None and self.warn_below is not None and self.warn_below < self.min:
            raise ValueError(
                "warn_below must not be below min (the warning comes before the breach)"
            )
        if self.max is not None and self.warn_above is not None and self.warn_above > self.max:
            raise ValueError(
                "warn_above must not be above max (the warning comes before the breach)"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class Monitoring(StrictModel):
    """What production monitoring watches, and the thresholds that define health."""

    freshness_days: int = Field(
        2, ge=1, le=366, description="Days without new data after which the model is `stale`."
    )
    metrics: dict[MetricName, MetricThreshold] = Field(
        default_factory=dict, description="Metric name → thresholds."
    )
    segments: list[ShortText] = Field(
        default_factory=list,
        description="Segments (fairness slices) whose metrics are also checked against thresholds.",
    )
    dashboard: Url | None = Field(
        None, description="Link to the live monitoring dashboard.", json_schema_extra=INTERNAL_ONLY
    )


class Deployment(StrictModel):
    """Where the model runs."""

    platform: ShortText = Field(description="Serving platform (kubernetes, sagemaker, batch, …).")
    endpoint: ShortText | None = Field(
        None, description="Endpoint or job name.", json_schema_extra=INTERNAL_ONLY
    )
    regions: list[ShortText] = Field(default_factory=list, description="Regions served.")
    mode: Literal["online", "batch", "streaming"] | None = Field(
        None, description="How predictions are served."
    )


class Retirement(StrictModel):
    """Planned or actual retirement of a deprecated model."""

    date: dt.date = Field(description="Retirement date.")
    replaced_by: Id | None = Field(None, description="Id of the model that replaces this one.")
    reason: Text | None = Field(None, description="Why it is retired.")


class Waiver(StrictModel):
    """A time-boxed exception to a policy rule, approved by a validator."""

    rule: ShortText = Field(description="Policy rule id being waived.")
    reason: Text = Field(
        description="Why the rule may be waived for this model.", json_schema_extra=INTERNAL_ONLY
    )
    approved_by: Id = Field(description="Person id of the approver (must hold a validator role).")
    expires: dt.date = Field(description="Date after which the finding returns.")


class ModelCard(StrictModel):
    """A model card: one file per model in catalog/models/<id>.yaml, all versions inside."""

    id: Id = Field(description="Model id; equals the file name without `.yaml`.")
    name: ShortText = Field(description="Human-readable model name.")
    summary: Text = Field(description="One or two sentences: what the model predicts, for whom.")
    description: Text | None = Field(None, description="Longer description (plain text).")
    owner: Id = Field(description="Id of the accountable owner team.")
    contacts: list[Contact] = Field(default_factory=list, description="RACI-style accountability.")
    stage: Stage = Field(description="Lifecycle stage of the current (newest) version.")
    risk: Risk = Field(description="Risk tier and regulatory classification.")
    regulations: list[ShortText] = Field(
        default_factory=list, description="Regulations and guidance that apply (GDPR, SR-11-7, …)."
    )
    classification: Classification = Field(
        Classification.internal, description="Information classification: who may see this card."
    )
    tags: list[Tag] = Field(default_factory=list, description="Keywords for search and tag pages.")
    task: ShortText | None = Field(None, description="ML task, e.g. `binary-classification`.")
    framework: ShortText | None = Field(None, description="Library or framework, e.g. `lightgbm`.")
    intended_use: IntendedUse | None = Field(None, description="Intended and out-of-scope uses.")
    features: list[Feature] = Field(default_factory=list, description="Input features.")
    labels: list[Label] = Field(default_factory=list, description="Prediction targets.")
    training_data: list[TrainingData] = Field(
        default_factory=list, description="Datasets used for training (lineage)."
    )
    evaluation: list[Evaluation] = Field(default_factory=list, description="Offline evaluations.")
    fairness: Fairness | None = Field(None, description="Fairness analysis.")
    human_oversight: Text | None = Field(
        None, description="How humans oversee and can override the model (EU AI Act Art. 14)."
    )
    limitations: list[Text] = Field(default_factory=list, description="Known limitations.")
    assumptions: list[Text] = Field(
        default_factory=list, description="Assumptions the model relies on."
    )
    ethical_considerations: Text | None = Field(None, description="Ethical considerations.")
    versions: list[Version] = Field(
        min_length=1, description="Released versions, oldest first; the last is current."
    )
    validations: list[Validation] = Field(
        default_factory=list, description="Independent validations, oldest first."
    )
    monitoring: Monitoring | None = Field(None, description="Production monitoring and thresholds.")
    deployment: Deployment | None = Field(None, description="Where the model runs.")
    retirement: Retirement | None = Field(None, description="Retirement plan (deprecated models).")
    waivers: list[Waiver] = Field(default_factory=list, description="Time-boxed policy waivers.")
    links: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")], Url] = Field(
        default_factory=dict,
        description="Named links: repository, documentation, dashboard, …",
        json_schema_extra=INTERNAL_ONLY,
    )

    @property
    def current_version(self) -> Version:
        """The newest version (last in the list)."""
        return self.versions[-1]

    @property
    def last_validation(self) -> Validation | None:
        """The most recent validation, if any."""
        return max(self.validations, key=lambda v: v.date) if self.validations else None


# --- datasets, teams, settings ----------------------------------------------


class DatasetCard(StrictModel):
    """A dataset card: catalog/datasets/<id>.yaml, the target of model lineage."""

    id: Id = Field(description="Dataset id; equals the file name without `.yaml`.")
    name: ShortText = Field(description="Human-readable dataset name.")
    summary: Text = Field(description="What the data is and where it comes from.")
    owner: Id = Field(description="Id of the owning team (data steward).")
    classification: Classification = Field(
        Classification.internal, description="Information classification of the data."
    )
    source_system: ShortText | None = Field(
        None, description="System of record it is drawn from.", json_schema_extra=INTERNAL_ONLY
    )
    derived_from: list[Id] = Field(
        default_factory=list, description="Upstream dataset ids (lineage)."
    )
    personal_data: bool = Field(False, description="Contains personal data (GDPR Art. 4).")
    sensitive_columns: list[ShortText] = Field(
        default_factory=list, description="Columns holding special-category or protected data."
    )
    rows: int | None = Field(None, ge=0, description="Approximate number of rows.")
    time_range: ShortText | None = Field(
        None, description="Period covered, e.g. `2019-01..2026-06`."
    )
    retention: ShortText | None = Field(None, description="Retention rule, e.g. `7 years`.")
    tags: list[Tag] = Field(default_factory=list, description="Keywords.")
    links: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")], Url] = Field(
        default_factory=dict, description="Named links.", json_schema_extra=INTERNAL_ONLY
    )


class Person(StrictModel):
    """A person in a team."""

    id: Id = Field(description="Person id, unique across all teams (e.g. a user name).")
    name: ShortText = Field(description="Full name.")
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = Field(
        None, description="E-mail address.", json_schema_extra=INTERNAL_ONLY
    )
    title: ShortText | None = Field(None, description="Job title or role in the team.")


class Team(StrictModel):
    """A team file: catalog/teams/<id>.yaml, with its people."""

    id: Id = Field(description="Team id; equals the file name without `.yaml`.")
    name: ShortText = Field(description="Team name.")
    description: Text | None = Field(None, description="What the team does.")
    function: Literal["first-line", "second-line", "third-line", "data"] | None = Field(
        None,
        description="`first-line` (builds models), `second-line` (independent validation / "
        "model risk), `third-line` (audit), or `data` (data stewardship).",
    )
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = Field(
        None, description="Team mailbox.", json_schema_extra=INTERNAL_ONLY
    )
    channel: ShortText | None = Field(
        None, description="Chat channel, e.g. `#credit-risk-ml`.", json_schema_extra=INTERNAL_ONLY
    )
    code_owner: ShortText | None = Field(
        None, description="Git host handle for CODEOWNERS, e.g. `@bank/credit-risk-ml`."
    )
    people: list[Person] = Field(default_factory=list, description="Members of the team.")


class Settings(StrictModel):
    """Catalog settings: catalog/settings.yaml (optional)."""

    title: ShortText = Field("Model catalog", description="Site title.")
    organisation: ShortText | None = Field(None, description="Organisation name shown on the site.")
    repository_url: Url | None = Field(
        None,
        description="Web URL of the catalog repository, for 'view source' links.",
        json_schema_extra=INTERNAL_ONLY,
    )
    branch: ShortText = Field("main", description="Default branch for source links.")
    site_url: Url | None = Field(None, description="Where the site is published.")
    monitoring_store: ShortText = Field(
        "monitoring",
        description="Monitoring parquet store: a folder relative to the catalog, or an "
        "object-store URL (s3://…, gs://…).",
    )
    timezone: ShortText = Field("UTC", description="Time zone for dates shown on the site.")


FILE_KINDS: dict[str, type[StrictModel]] = {
    "models": ModelCard,
    "datasets": DatasetCard,
    "teams": Team,
}
"""Catalog sub-folder → the schema of the files in it."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema per file kind, for editors (yaml-language-server) and docs."""
    schemas = {}
    for name, model in {**FILE_KINDS, "settings": Settings}.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schemas[name] = schema
    return schemas
