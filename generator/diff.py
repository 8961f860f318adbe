"""The governance diff: what a change between two git revisions means for reviewers.

`governance_diff(catalog_dir, base, head)` loads the catalog on both sides and
compares the cards, not the text: models added, removed and renamed; stage
changes (a promotion to production stands out); risk tier, EU AI Act class and
classification; monitoring thresholds loosened or tightened; validations and
waivers; owners and accountable people; the policy findings the change
introduces or resolves. `render_markdown` turns the report into a pull-request
comment, `render_json` into data.

Loading is proportional to the change, not the catalog: the head side is
validated exactly as `govcat validate` does (from the working tree when HEAD is
checked out and clean there — the CI case — else from the revision written to a
temporary folder), and the base side reuses the head's
parsed cards for every file that `git diff` says is unchanged, parsing only the
base versions of the changed files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from generator.catalog import KIND_FOLDERS, Catalog
from generator.errors import Problem, ProblemsFound, sort_problems
from generator.gitrepo import FileChange, GitRepo
from generator.schema import MetricThreshold, ModelCard, Monitoring, Stage
from generator.validate import ValidationResult, validate_catalog

MARKER = "<!-- govcat-diff -->"
"""First line of the Markdown report: lets a workflow find and update its one PR comment."""

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}

LOWER_BOUNDS = ("min", "warn_below")
UPPER_BOUNDS = ("max", "warn_above")


# --- the report --------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    """A model added or removed, with what a reviewer looks at first."""

    model: str
    name: str
    stage: str
    risk_tier: str
    eu_ai_act: str
    classification: str
    owner: str


@dataclass(frozen=True)
class Rename:
    """A model whose file (and so id) was renamed."""

    old: str
    new: str


@dataclass(frozen=True)
class StageChange:
    """A model's lifecycle stage changed."""

    model: str
    old: str
    new: str

    @property
    def promoted_to_production(self) -> bool:
        """The change puts the model into production."""
        return self.new == Stage.production and self.old != Stage.production


@dataclass(frozen=True)
class FieldChange:
    """A single value changed (risk tier, classification, owner, accountable, …)."""

    model: str
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ThresholdChange:
    """One monitoring bound changed: `effect` is `loosened` or `tightened`."""

    model: str
    metric: str
    bound: str
    old: str
    new: str
    effect: str


@dataclass(frozen=True)
class RecordChange:
    """A validation or waiver added to or removed from a card."""

    model: str
    kind: str
    """`validation` or `waiver`."""
    change: str
    """`added` or `removed`."""
    detail: str


@dataclass(frozen=True)
class FindingRow:
    """A policy finding, compared across the change by (rule, model)."""

    rule: str
    model: str
    severity: str
    message: str


@dataclass(frozen=True)
class FileRow:
    """A dataset, team or settings file that changed."""

    path: str
    change: str


@dataclass
class DiffReport:
    """Everything the governance diff found between two revisions."""

    base: str
    head: str
    added: list[ModelRow] = field(default_factory=list)
    removed: list[ModelRow] = field(default_factory=list)
    renamed: list[Rename] = field(default_factory=list)
    stages: list[StageChange] = field(default_factory=list)
    risk: list[FieldChange] = field(default_factory=list)
    thresholds: list[ThresholdChange] = field(default_factory=list)
    records: list[RecordChange] = field(default_factory=list)
    accountability: list[FieldChange] = field(default_factory=list)
    data_and_teams: list[FieldChange] = field(default_factory=list)
    """Dataset classification, owner and personal-data changes; team membership changes
    (`model` holds `dataset:<id>` or `team:<id>`)."""
    findings_introduced: list[FindingRow] = field(default_factory=list)
    findings_resolved: list[FindingRow] = field(default_factory=list)
    policy_note: str = ""
    """Why findings were not (fully) compared, if they were not."""
    head_problems: list[Problem] = field(default_factory=list)
    other_files: list[FileRow] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)
    """Models whose card is invalid on the head side: neither removed nor compared."""

    @property
    def promotions(self) -> list[StageChange]:
        """Stage changes that put a model into production."""
        return [s for s in self.stages if s.promoted_to_production]

    @property
    def head_errors(self) -> list[Problem]:
        """Schema and reference errors on the head side."""
        return [p for p in self.head_problems if p.severity == "error"]

    def introduced(self, severity: str) -> list[FindingRow]:
        """Findings the change introduces at `severity` or worse."""
        floor = SEVERITY_ORDER[severity]
        return [f for f in self.findings_introduced if SEVERITY_ORDER.get(f.severity, 2) >= floor]

    def fails(self, severity: str) -> bool:
        """True when the change introduces findings at `severity` or worse, or head errors."""
        return bool(self.head_errors or self.introduced(severity))

    def verdict(self) -> str:
        """One line for the top of the report."""
        loosened = sum(1 for t in self.thresholds if t.effect == "loosened")
        new_errors = sum(1 for f in self.findings_introduced if f.severity == "error")
        parts = [
            _count(len(self.promotions), "model", "promoted to production"),
            _count(len(self.added), "model", "added"),
            _count(len(self.removed), "model", "removed"),
            _count(len(self.renamed), "model", "renamed"),
            _count(len(self.stages) - len(self.promotions), "other stage change"),
            _count(len(self.risk), "risk or classification change"),
            _count(loosened, "threshold", "loosened"),
            _count(len(self.thresholds) - loosened, "threshold", "tightened"),
            _count(sum(r.change == "added" for r in self.records), "validation or waiver", "added"),
            _count(
                sum(r.change == "removed" for r in self.records), "validation or waiver", "removed"
            ),
            _count(len(self.accountability), "ownership change"),
            _count(len(self.data_and_teams), "dataset or team change"),
            _count(new_errors, "new policy error"),
            _count(len(self.findings_introduced) - new_errors, "new policy warning"),
            _count(len(self.findings_resolved), "policy finding", "resolved"),
            _count(len(self.head_errors), "schema error"),
        ]
        said = [p for p in parts if p]
        return ", ".join(said) if said else "no governance-relevant changes"


def _count(number: int, noun: str, participle: str = "") -> str:
    if not number:
        return ""
    if number == 1:
        plural = noun
    elif noun.endswith("change") or noun.endswith("error") or noun.endswith("warning"):
        plural = noun + "s"
    elif " or " in noun:
        plural = noun.replace("validation or waiver", "validations or waivers")
    else:
        plural = noun + "s"
    return f"{number} {plural}{' ' + participle if participle else ''}"


# --- loading both sides ------------------------------------------------------


@dataclass
class Sides:
    """Both catalogs of a diff and the file changes between them."""

    base: Catalog
    head: ValidationResult
    changes: list[FileChange]
    folder: str


def governance_diff(
    catalog_dir: Path,
    base: str,
    head: str | None = None,
    *,
    today: dt.date | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> DiffReport:
    """Compare the catalog at `base` with `head` (a revision, or None: the working tree)."""
    today = today or dt.date.today()
    repo = GitRepo.discover(catalog_dir)
    folder = repo.relative(catalog_dir)
    with tempfile.TemporaryDirectory(prefix="govcat-diff-") as scratch:
        sides = load_sides(repo, folder, base, head, Path(scratch), today=today, progress=progress)
        progress("comparing cards and policy findings")
        report = compare(sides, today=today)
    report.base = base
    report.head = head or "working tree"
    return report


def load_sides(
    repo: GitRepo,
    folder: str,
    base: str,
    head: str | None,
    scratch: Path,
    *,
    today: dt.date,
    progress: Callable[[str], None] = lambda message: None,
) -> Sides:
    """Validate the head catalog fully and rebuild the base from the changed files only."""
    changes = repo.changed_files(base, head, folder)
    shown_head = head or "the working tree"
    if head is None or repo.is_checked_out(head, folder):
        progress(f"validating {folder} in {shown_head}")
        head_root = repo.top / folder
        head_result = validate_catalog(head_root, today=today)
    else:
        progress(f"reading {folder} at {head}")
        head_root = scratch / "head" / folder
        _write_files(head_root, folder, repo.read_files(head, folder))
        progress(f"validating {folder} at {head}")
        head_result = validate_catalog(head_root, today=today)
        head_result.problems = _shown_relative(head_result.problems, head_root, folder)
    progress(f"reading the {len(changes)} changed file(s) at {base}")
    base_catalog = _base_catalog(repo, folder, base, changes, head_result.catalog, scratch, today)
    return Sides(base_catalog, head_result, changes, folder)


def _card_file(folder: str, path: str | None) -> tuple[str, str] | None:
    """(kind folder, id) when `path` is a card file of the catalog at `folder`."""
    if path is None:
        return None
    relative = PurePosixPath(path).relative_to(folder) if folder != "." else PurePosixPath(path)
    if (
        len(relative.parts) == 2
        and relative.parts[0] in KIND_FOLDERS
        and relative.suffix == ".yaml"
    ):
        return relative.parts[0], relative.stem
    return None


def _base_catalog(
    repo: GitRepo,
    folder: str,
    base: str,
    changes: list[FileChange],
    head: Catalog,
    scratch: Path,
    today: dt.date,
) -> Catalog:
    entries = repo.list_files(base, folder)
    prefix = "" if folder == "." else folder + "/"
    changed_cards = {c.old_path for c in changes if _card_file(folder, c.old_path)}
    # settings.yaml, policy.yaml, the organisation's own policy profiles, …: every file but
    # the unchanged cards (taken from the head side) and the monitoring store's parquet
    wanted = {
        path: blob
        for path, blob in entries.items()
        if path in changed_cards
        or (
            path[len(prefix) :].split("/", 1)[0] not in KIND_FOLDERS
            and not path.endswith(".parquet")
        )
    }
    root = scratch / "base" / folder
    root.mkdir(parents=True, exist_ok=True)
    blobs = repo.read_blobs(wanted.values())
    _write_files(root, folder, {path: blobs[blob] for path, blob in wanted.items()})
    partial = validate_catalog(root, today=today).catalog

    catalog = Catalog(root=root, settings=partial.settings)
    replaced = {_card_file(folder, c.new_path) for c in changes} - {None}
    for kind in KIND_FOLDERS:
        target: dict[str, Any] = getattr(catalog, kind)
        for card_id, card in getattr(head, kind).items():
            if (kind, card_id) not in replaced:
                target[card_id] = card
                catalog.documents[(kind, card_id)] = head.documents[(kind, card_id)]
        for card_id, card in getattr(partial, kind).items():
            target[card_id] = card
            catalog.documents[(kind, card_id)] = partial.documents[(kind, card_id)]
        setattr(catalog, kind, dict(sorted(target.items())))
    return catalog


def _write_files(root: Path, folder: str, files: dict[str, bytes]) -> None:
    prefix = "" if folder == "." else folder + "/"
    for path, content in files.items():
        target = root / path[len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _shown_relative(problems: list[Problem], root: Path, folder: str) -> list[Problem]:
    shown_root = str(root)
    return [
        dataclasses.replace(p, path=folder + p.path[len(shown_root) :])
        if p.path.startswith(shown_root)
        else p
        for p in problems
    ]


# --- comparing ---------------------------------------------------------------


def compare(sides: Sides, *, today: dt.date) -> DiffReport:
    """The report for two loaded catalogs."""
    base, head = sides.base, sides.head.catalog
    report = DiffReport(base="", head="", head_problems=sort_problems(sides.head.problems))
    renames = {}
    for change in sides.changes:
        old, new = (
            _card_file(sides.folder, change.old_path),
            _card_file(sides.folder, change.new_path),
        )
        if (
            change.status == "R"
            and old
            and new
            and old[0] == new[0] == "models"
            and old[1] in base.models
            and new[1] in head.models
            and old[1] != new[1]
        ):
            renames[old[1]] = new[1]
        if not any(kind_id and kind_id[0] == "models" for kind_id in (old, new)):
            report.other_files.append(FileRow(_shown(change), _change_word(change)))
    renames.update(_renamed_by_content(base, head, renames))
    report.renamed = [Rename(old, new) for old, new in sorted(renames.items())]

    renamed_new = set(renames.values())
    for model_id, card in head.models.items():
        if model_id not in base.models and model_id not in renamed_new:
            report.added.append(_model_row(card))
    report.not_compared = sorted(_invalid_on_head(sides, base, head))
    for model_id, card in base.models.items():
        if (
            model_id not in head.models
            and model_id not in renames
            and model_id not in report.not_compared
        ):
            report.removed.append(_model_row(card))
    pairs = [(base.models[m], head.models[m]) for m in head.models if m in base.models]
    pairs += [(base.models[old], head.models[new]) for old, new in renames.items()]
    for old_card, new_card in sorted(pairs, key=lambda pair: pair[1].id):
        if old_card is new_card:
            continue  # unchanged file: the very same parsed card
        _compare_model(old_card, new_card, report)
    report.data_and_teams = _dataset_and_team_changes(base, head)

    try:
        head_findings = _findings(head, today)
    except PolicyUnavailable as error:
        report.policy_note = f"{error.reason} on the head side"
        report.head_problems = sort_problems([*report.head_problems, *error.problems])
        return report
    try:
        base_findings = _findings(base, today)
    except PolicyUnavailable as error:
        # nothing to compare with: every head finding counts as new
        report.policy_note = f"{error.reason} on the base side; every finding counts as new"
        base_findings = []
    renamed_back = {new: old for old, new in renames.items()}
    base_keys = {(f.rule, f.model) for f in base_findings}
    head_keys = {(f.rule, renamed_back.get(f.model, f.model)) for f in head_findings}
    report.findings_introduced = [
        f for f in head_findings if (f.rule, renamed_back.get(f.model, f.model)) not in base_keys
    ]
    report.findings_resolved = [
        f
        for f in base_findings
        if (f.rule, f.model) not in head_keys and f.model not in report.not_compared
    ]
    return report


def _invalid_on_head(sides: Sides, base: Catalog, head: Catalog) -> set[str]:
    """Base models whose file still exists on the head side but did not validate there."""
    invalid = set()
    for change in sides.changes:
        old = _card_file(sides.folder, change.old_path)
        new = _card_file(sides.folder, change.new_path)
        if (
            old
            and new
            and new[0] == "models"
            and new[1] not in head.models
            and old[1] in base.models
        ):
            invalid.add(old[1])
    return invalid


def _renamed_by_content(base: Catalog, head: Catalog, known: dict[str, str]) -> dict[str, str]:
    """Removed and added models whose cards are equal but for the id (git missed the rename,
    e.g. an untracked new file in the working tree)."""
    taken = set(known.values())
    added = {
        _without_id(card): model_id
        for model_id, card in head.models.items()
        if model_id not in base.models and model_id not in taken
    }
    found = {}
    for model_id, card in base.models.items():
        if model_id in head.models or model_id in known:
            continue
        new_id = added.pop(_without_id(card), None)
        if new_id is not None:
            found[model_id] = new_id
    return found


def _without_id(card: ModelCard) -> str:
    return json.dumps(card.model_dump(mode="json", exclude={"id"}), sort_keys=True)


def _shown(change: FileChange) -> str:
    if change.status == "R":
        return f"{change.old_path} → {change.new_path}"
    return change.new_path or change.old_path or ""


def _change_word(change: FileChange) -> str:
    return {"A": "added", "D": "removed", "R": "renamed"}.get(change.status, "modified")


def _model_row(card: ModelCard) -> ModelRow:
    return ModelRow(
        card.id,
        card.name,
        str(card.stage),
        str(card.risk.tier),
        str(card.risk.eu_ai_act),
        str(card.classification),
        card.owner,
    )


def _compare_model(old: ModelCard, new: ModelCard, report: DiffReport) -> None:
    model = new.id
    if old.stage != new.stage:
        report.stages.append(StageChange(model, str(old.stage), str(new.stage)))
    for label, before, after in (
        ("risk tier", old.risk.tier, new.risk.tier),
        ("EU AI Act class", old.risk.eu_ai_act, new.risk.eu_ai_act),
        ("classification", old.classification, new.classification),
    ):
        if before != after:
            report.risk.append(FieldChange(model, label, str(before), str(after)))
    report.thresholds.extend(threshold_changes(model, old.monitoring, new.monitoring))
    report.records.extend(_record_changes(model, old, new))
    if old.owner != new.owner:
        report.accountability.append(FieldChange(model, "owner", old.owner, new.owner))
    old_roles, new_roles = _contacts_by_role(old), _contacts_by_role(new)
    for role in sorted(set(old_roles) | set(new_roles)):
        before, after = old_roles.get(role, []), new_roles.get(role, [])
        if sorted(before) != sorted(after):
            report.accountability.append(
                FieldChange(model, role, ", ".join(before) or "—", ", ".join(after) or "—")
            )


def _dataset_and_team_changes(base: Catalog, head: Catalog) -> list[FieldChange]:
    changes = []
    for dataset_id, new in head.datasets.items():
        old = base.datasets.get(dataset_id)
        if old is None or old is new:
            continue
        for label, before, after in (
            ("classification", old.classification, new.classification),
            ("owner", old.owner, new.owner),
            ("personal data", old.personal_data, new.personal_data),
        ):
            if before != after:
                changes.append(FieldChange(f"dataset:{dataset_id}", label, str(before), str(after)))
    for team_id, new in head.teams.items():
        old = base.teams.get(team_id)
        if old is None or old is new:
            continue
        before, after = sorted(p.id for p in old.people), sorted(p.id for p in new.people)
        if before != after:
            removed = [f"-{p}" for p in before if p not in after]
            added = [f"+{p}" for p in after if p not in before]
            changes.append(
                FieldChange(
                    f"team:{team_id}",
                    "people",
                    ", ".join(before) or "—",
                    ", ".join([*after]) + f" ({' '.join(removed + added)})",
                )
            )
        if old.function != new.function:
            changes.append(
                FieldChange(f"team:{team_id}", "function", str(old.function), str(new.function))
            )
    return changes


def _contacts_by_role(card: ModelCard) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for contact in card.contacts:
        who = contact.person or f"team:{contact.team}"
        roles.setdefault(str(contact.role), []).append(who)
    return roles


def threshold_changes(
    model: str, old: Monitoring | None, new: Monitoring | None
) -> list[ThresholdChange]:
    """Every bound that moved, and whether the move loosens or tightens monitoring.

    Loosened: a lower bound (min, warn_below) lowered or dropped, an upper bound
    (max, warn_above) raised or dropped, a metric or the whole monitoring removed,
    more days allowed without data. The opposite moves tighten.
    """
    old_metrics = old.metrics if old else {}
    new_metrics = new.metrics if new else {}
    changes: list[ThresholdChange] = []
    for metric in sorted(set(old_metrics) | set(new_metrics)):
        before, after = old_metrics.get(metric), new_metrics.get(metric)
        if before is None and after is not None:
            changes.append(
                ThresholdChange(model, metric, "metric", "—", _bounds(after), "tightened")
            )
        elif after is None and before is not None:
            changes.append(
                ThresholdChange(model, metric, "metric", _bounds(before), "—", "loosened")
            )
        elif before is not None and after is not None:
            for bound in LOWER_BOUNDS + UPPER_BOUNDS:
                was, now = getattr(before, bound), getattr(after, bound)
                if was == now:
                    continue
                if was is None or now is None:
                    loosened = now is None
                else:
                    loosened = now < was if bound in LOWER_BOUNDS else now > was
                changes.append(
                    ThresholdChange(
                        model,
                        metric,
                        bound,
                        _number(was),
                        _number(now),
                        "loosened" if loosened else "tightened",
                    )
                )
    if old and new and old.freshness_days != new.freshness_days:
        changes.append(
            ThresholdChange(
                model,
                "(freshness)",
                "freshness_days",
                str(old.freshness_days),
                str(new.freshness_days),
                "loosened" if new.freshness_days > old.freshness_days else "tightened",
            )
        )
    return changes


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _bounds(threshold: MetricThreshold) -> str:
    parts = [
        f"{bound} {getattr(threshold, bound):g}"
        for bound in ("min", "warn_below", "warn_above", "max")
        if getattr(threshold, bound) is not None
    ]
    return ", ".join(parts)


def _record_changes(model: str, old: ModelCard, new: ModelCard) -> list[RecordChange]:
    changes = []
    for kind, before, after in (
        ("validation", old.validations, new.validations),
        ("waiver", old.waivers, new.waivers),
    ):
        for item in before:
            if item not in after:
                changes.append(RecordChange(model, kind, "removed", _record_detail(item)))
        for item in after:
            if item not in before:
                changes.append(RecordChange(model, kind, "added", _record_detail(item)))
    return changes


def _record_detail(item: Any) -> str:
    if hasattr(item, "outcome"):
        version = f" of {item.version}" if item.version else ""
        due = f", next review {item.next_review}" if item.next_review else ""
        return f"{item.outcome}{version} by {item.by} on {item.date}{due}"
    return f"rule {item.rule}, approved by {item.approved_by}, expires {item.expires}"


# --- policy findings ---------------------------------------------------------


class PolicyUnavailable(Exception):
    """The findings of one side cannot be computed (no engine, or a broken policy.yaml)."""

    def __init__(self, reason: str, problems: list[Problem] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []


def _findings(catalog: Catalog, today: dt.date) -> list[FindingRow]:
    """The open (not waived) policy findings of a catalog, one per (rule, model)."""
    try:
        from generator.policy import evaluate
    except ImportError:
        raise PolicyUnavailable("no policy engine is installed") from None
    try:
        findings = evaluate(catalog, today)
    except ProblemsFound as error:
        raise PolicyUnavailable("policy.yaml has errors", error.problems) from None
    rows = {}
    for finding in findings:
        if getattr(finding, "status", "open") != "open":
            continue
        row = _finding_row(finding)
        rows.setdefault((row.rule, row.model), row)
    return sorted(
        rows.values(), key=lambda f: (-SEVERITY_ORDER.get(f.severity, 2), f.model, f.rule)
    )


def _finding_row(finding: Any) -> FindingRow:
    # Only plain attributes: a finding's `problem` would re-read its card for a line number.
    return FindingRow(
        rule=str(finding.rule),
        model=str(getattr(finding, "model_id", None) or getattr(finding, "model", "")),
        severity=str(finding.severity),
        message=str(finding.message),
    )


# --- output ------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Card text made inert in a Markdown table cell (no HTML, links or emphasis)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#!~":
        text = text.replace(char, "\\" + char)
    return text


def _code(text: str) -> str:
    """A code span: nothing inside is interpreted, so only backticks and newlines matter."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


MAX_ROWS = 100
"""Rows per table or list in the Markdown report; the JSON report has them all."""
MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters: the report stops before that."""
MORE = "_… and {count} more: `govcat diff --format json` lists everything._"


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_ROWS:
        return lines
    return [*lines[:MAX_ROWS], MORE.format(count=len(lines) - MAX_ROWS)]


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    body = ["| " + " | ".join(row) + " |" for row in rows]
    if len(body) > MAX_ROWS:
        return [*lines, *body[:MAX_ROWS], "", MORE.format(count=len(body) - MAX_ROWS), ""]
    return [*lines, *body, ""]


def render_markdown(report: DiffReport) -> str:
    """The report as a pull-request comment (starts with `MARKER`)."""
    e = escape_markdown
    out = [
        MARKER,
        f"## Governance diff: {_code(report.base)} → {_code(report.head)}",
        "",
        f"**Verdict:** {report.verdict()}.",
        "",
    ]
    if report.head_errors:
        out += [f"### ❌ Schema problems on {e(report.head)} ({len(report.head_errors)})", ""]
        out += _capped(
            [f"- {_code(p.location())} {_code(p.rule)}: {e(p.message)}" for p in report.head_errors]
        )
        out.append("")
        if report.not_compared:
            shown = ", ".join(_code(m) for m in report.not_compared)
            out += [f"Not compared until their cards are valid again: {shown}.", ""]
    if report.promotions:
        out += ["### 🚀 Promoted to production", ""]
        out += _capped(
            [f"- **{_code(s.model)}**: {s.old} → **production**" for s in report.promotions]
        )
        out.append("")
    if report.added:
        out += [f"### Models added ({len(report.added)})", ""]
        out += _table(
            ["model", "name", "stage", "risk tier", "EU AI Act", "classification", "owner"],
            [
                [
                    _code(r.model),
                    e(r.name),
                    r.stage,
                    r.risk_tier,
                    r.eu_ai_act,
                    r.classification,
                    _code(r.owner),
                ]
                for r in report.added
            ],
        )
    if report.removed:
        out += [f"### Models removed ({len(report.removed)})", ""]
        out += _table(
            ["model", "name", "stage", "risk tier", "classification"],
            [
                [_code(r.model), e(r.name), r.stage, r.risk_tier, r.classification]
                for r in report.removed
            ],
        )
    if report.renamed:
        out += [f"### Models renamed ({len(report.renamed)})", ""]
        out += _capped([f"- {_code(r.old)} → {_code(r.new)}" for r in report.renamed])
        out.append("")
    if report.stages:
        out += ["### Stage changes", ""]
        out += _table(
            ["model", "from", "to"],
            [
                [_code(s.model), s.old, f"**{s.new}** 🚀" if s.promoted_to_production else s.new]
                for s in report.stages
            ],
        )
    if report.risk:
        out += ["### Risk and classification", ""]
        out += _table(
            ["model", "field", "from", "to"],
            [[_code(c.model), c.field, c.old, c.new] for c in report.risk],
        )
    if report.thresholds:
        out += ["### Monitoring thresholds", ""]
        out += _table(
            ["model", "metric", "bound", "from", "to", "effect"],
            [
                [
                    _code(t.model),
                    _code(t.metric),
                    t.bound,
                    t.old,
                    t.new,
                    "⚠️ **loosened**" if t.effect == "loosened" else "tightened",
                ]
                for t in report.thresholds
            ],
        )
    if report.records:
        out += ["### Validations and waivers", ""]
        out += _table(
            ["model", "record", "change", "detail"],
            [[_code(r.model), r.kind, r.change, e(r.detail)] for r in report.records],
        )
    if report.accountability:
        out += ["### Owners and accountability", ""]
        out += _table(
            ["model", "role", "from", "to"],
            [[_code(c.model), c.field, e(c.old), e(c.new)] for c in report.accountability],
        )
    if report.data_and_teams:
        out += ["### Datasets and teams", ""]
        out += _table(
            ["card", "field", "from", "to"],
            [[_code(c.model), c.field, e(c.old), e(c.new)] for c in report.data_and_teams],
        )
    out += ["### Policy findings", ""]
    if report.policy_note:
        out += [f"_Findings not fully compared: {e(report.policy_note)}._", ""]
    if not (report.findings_introduced or report.findings_resolved):
        out += ["No policy findings introduced or resolved.", ""]
    for title, rows in (
        ("Introduced", report.findings_introduced),
        ("Resolved", report.findings_resolved),
    ):
        if rows:
            out += [f"#### {title} ({len(rows)})", ""]
            out += _table(
                ["severity", "rule", "model", "finding"],
                [[f.severity, _code(f.rule), _code(f.model), e(f.message)] for f in rows],
            )
    if report.other_files:
        out += ["<details><summary>Other catalog files changed</summary>", ""]
        out += _capped([f"- {e(f.path)}: {f.change}" for f in report.other_files])
        out += ["", "</details>", ""]
    text = "\n".join(out).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS - 200)
        text = (
            text[:cut] + "\n\n_… the report is cut here; `govcat diff --format json` has it all._\n"
        )
    return text


def render_json(report: DiffReport) -> str:
    """The report as a JSON document (the verdict included)."""
    data = dataclasses.asdict(report)
    data["verdict"] = report.verdict()
    data["promotions"] = [dataclasses.asdict(s) for s in report.promotions]
    return json.dumps(data, indent=2, default=str) + "\n"
