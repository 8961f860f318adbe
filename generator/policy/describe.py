"""Plain-text descriptions of profiles, rules and check kinds for `govcat policy`."""

from __future__ import annotations

import textwrap

from generator.policy.checks import CHECKS
from generator.policy.engine import SHIPPED_PROFILES, Policy, _shipped_profile
from generator.policy.model import Profile, Rule


def shipped_profiles() -> list[Profile]:
    """Every profile shipped with govcat."""
    return [p for p in (_shipped_profile(name)[0] for name in SHIPPED_PROFILES) if p]


def list_rules(policy: Policy | None) -> str:
    """One line per rule of each profile: id, severity, title; active profiles marked."""
    active = {p.id for p in policy.profiles} if policy else set()
    profiles = list(policy.profiles) if policy else []
    profiles += [p for p in shipped_profiles() if p.id not in active]
    lines = []
    for profile in profiles:
        mark = "active" if profile.id in active else "available"
        lines.append(f"{profile.id} ({mark}): {profile.title}")
        disabled = set(policy.config.disabled_rules) if policy else set()
        for rule in profile.rules:
            severity = (
                policy.by_id[rule.id].severity
                if policy and rule.id in policy.by_id
                else rule.severity
            )
            off = " [disabled]" if rule.id in disabled else ""
            lines.append(f"  {rule.id:<42} {severity:<8} {rule.title}{off}")
    return "\n".join(lines)


def explain_rule(rule_id: str, policy: Policy | None) -> str | None:
    """Everything about one rule (from the catalog's policy or any shipped profile)."""
    found: tuple[Rule, Profile] | None = None
    for profile in [*(policy.profiles if policy else []), *shipped_profiles()]:
        for rule in profile.rules:
            if rule.id == rule_id:
                found = (rule, profile)
                break
        if found:
            break
    if found is None:
        return None
    rule, profile = found
    scope = {k: [str(v) for v in vs] for k, vs in rule.scope.model_dump(mode="json").items() if vs}
    params = ", ".join(f"{k}={v}" for k, v in rule.check.params.items()) or "defaults"
    kind = CHECKS[rule.check.kind]
    scope_text = "; ".join(f"{k}: {', '.join(v)}" for k, v in scope.items())
    lines = [
        f"{rule.id}: {rule.title}",
        f"profile:   {profile.id} ({profile.title})",
        f"clause:    {rule.clause}",
        f"severity:  {rule.severity}",
        f"scope:     {scope_text or 'every model not retired'}",
        f"check:     {rule.check.kind} ({params})",
        "",
        textwrap.fill(f"Why: {rule.rationale}", 88),
        "",
        textwrap.fill(f"What is checked: {' '.join(kind.doc.split())}", 88),
    ]
    return "\n".join(lines)


def describe_checks() -> str:
    """The documented check kinds with their parameters."""
    lines = []
    for name in sorted(CHECKS):
        kind = CHECKS[name]
        lines.append(name)
        lines.extend(
            textwrap.wrap(
                " ".join(kind.doc.split()), 84, initial_indent="    ", subsequent_indent="    "
            )
        )
        lines.append("")
    return "\n".join(lines).rstrip()
