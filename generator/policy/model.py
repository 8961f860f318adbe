"""Policy files as pydantic models: `catalog/policy.yaml` and profile files.

A profile is a list of rules; a rule is metadata (id, title, rationale, source
clause, severity), a scope (which models it applies to) and a check (one of the
kinds in `generator.policy.checks`, with its parameters). `policy.yaml` picks
profiles, sets parameters and may switch rules off or change their severity.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from generator.schema import Classification, EuAiActClass, RiskTier, Stage

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,79}$"
RuleId = Annotated[
    str,
    StringConstraints(pattern=RULE_ID_PATTERN),
    Field(
        description="Rule id: lower-case letters, digits, '.' and '-', e.g. `sr11-7.periodic-review`."
    ),
]
ProfileName = Annotated[
    str,
    StringConstraints(pattern=r"^([a-z0-9][a-z0-9-]{0,62}[a-z0-9]|[A-Za-z0-9_./-]+\.yaml)$"),
    Field(
        description="A shipped profile name (`internal-default`, `us-sr-11-7`, `eu-ai-act`, "
        "`nist-ai-rmf`) or a profile file relative to the catalog folder ending in `.yaml`."
    ),
]


class PolicyModel(BaseModel):
    """Base for policy files: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Scope(PolicyModel):
    """Which models a rule applies to; every given condition must hold (empty = any)."""

    stages: list[Stage] = Field(
        default_factory=list,
        description="Lifecycle stages; empty means every stage except `retired`.",
    )
    tiers: list[RiskTier] = Field(default_factory=list, description="Internal risk tiers.")
    eu_ai_act: list[EuAiActClass] = Field(default_factory=list, description="EU AI Act classes.")
    classifications: list[Classification] = Field(
        default_factory=list, description="Information classifications."
    )
    tags: list[str] = Field(
        default_factory=list, description="The model has at least one of these tags."
    )
    regulations: list[str] = Field(
        default_factory=list,
        description="The model lists at least one of these regulations (case-insensitive).",
    )


class Check(PolicyModel):
    """The check a rule runs: a kind from the documented set, with its parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str = Field(description="Check kind, see `govcat policy checks`.")

    @property
    def params(self) -> dict[str, Any]:
        """The parameters given beside `kind`."""
        return dict(self.model_extra or {})


class Rule(PolicyModel):
    """One governance rule."""

    id: RuleId
    title: str = Field(min_length=1, max_length=200, description="Short statement of the rule.")
    rationale: str = Field(min_length=1, description="Why the rule exists (what it implements).")
    clause: str = Field(min_length=1, description="Source clause it implements, as cited.")
    severity: Literal["error", "warning"] = Field("error", description="error or warning.")
    scope: Scope = Field(default_factory=Scope, description="Which models the rule applies to.")
    check: Check = Field(description="What is checked.")
    fix: str | None = Field(None, description="How to fix a finding (appended to the message).")


class Profile(PolicyModel):
    """A named set of rules (shipped in the package or an organisation's own)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")] = Field(
        description="Profile id."
    )
    title: str = Field(description="Profile title.")
    description: str = Field("", description="What the profile covers and what it does not.")
    source: str | None = Field(None, description="The regulation or standard it follows.")
    url: str | None = Field(None, description="Where the source text is published.")
    rules: list[Rule] = Field(min_length=1, description="The rules.")


class ReviewCadence(PolicyModel):
    """Months between independent reviews, per risk tier."""

    critical: int = Field(6, ge=1, le=120, description="Months for critical models.")
    high: int = Field(12, ge=1, le=120, description="Months for high-risk models.")
    medium: int = Field(24, ge=1, le=120, description="Months for medium-risk models.")
    low: int = Field(36, ge=1, le=120, description="Months for low-risk models.")

    def months(self, tier: RiskTier) -> int:
        """Cadence for a tier."""
        return int(getattr(self, tier.value))


class Parameters(PolicyModel):
    """Organisation-wide parameters the check kinds read."""

    review_cadence_months: ReviewCadence = Field(
        default_factory=ReviewCadence, description="Months between reviews per risk tier."
    )
    due_soon_days: int = Field(
        30, ge=0, le=365, description="A review due within this many days is `due-soon`."
    )
    min_team_people: int = Field(
        2, ge=1, le=100, description="Minimum people in an owner team (key-person risk)."
    )
    approval_outcomes: list[Literal["approved", "approved-with-conditions"]] = Field(
        default_factory=lambda: ["approved", "approved-with-conditions"],
        description="Validation outcomes that count as an approval.",
    )


class PolicyConfig(PolicyModel):
    """`catalog/policy.yaml`: the catalog's governance policy."""

    profiles: list[ProfileName] = Field(
        default_factory=lambda: ["internal-default"],
        description="Profiles to apply, shipped names or catalog-relative `.yaml` files.",
    )
    parameters: Parameters = Field(
        default_factory=Parameters, description="Parameters for the check kinds."
    )
    disabled_rules: list[RuleId] = Field(
        default_factory=list, description="Rule ids switched off for this catalog."
    )
    severity: dict[RuleId, Literal["error", "warning"]] = Field(
        default_factory=dict, description="Rule id → severity override."
    )
