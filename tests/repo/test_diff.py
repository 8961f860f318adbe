"""`govcat diff` on a git repository built commit by commit, one commit per kind of change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.diff import MARKER, governance_diff, render_markdown, threshold_changes
from generator.gitrepo import GitError, GitRepo
from generator.schema import Monitoring

MINIMAL = Path(__file__).parents[1] / "catalogs" / "minimal"
TODAY = "2026-11-20"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def edit(
    catalog: Path, folder: str, card_id: str, change: Callable[[dict[str, Any]], None]
) -> None:
    path = catalog / folder / f"{card_id}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


def commit(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", tag)
    git(repo, "tag", tag)


NEW_MODEL = {
    "id": "fraud-detector",
    "name": "Card Fraud Detector <script>alert(1)</script>",
    "summary": "Flags card transactions likely to be fraudulent.",
    "owner": "credit-risk-ml",
    "stage": "development",
    "risk": {"tier": "medium", "eu_ai_act": "limited"},
    "classification": "internal",
    "versions": [{"version": "0.1.0", "date": "2026-11-01", "stage": "development"}],
}


def _promote(card: dict[str, Any]) -> None:
    card["stage"] = "production"
    card["versions"].append({"version": "1.0.0", "date": "2026-11-02", "stage": "production"})


def _risk(card: dict[str, Any]) -> None:
    card["risk"]["tier"] = "critical"
    card["risk"]["eu_ai_act"] = "limited"
    card["classification"] = "confidential"


def _thresholds(card: dict[str, Any]) -> None:
    metrics = card["monitoring"]["metrics"]
    metrics["auc"]["min"] = 0.75  # lowered: loosened
    metrics["psi"]["max"] = 0.2  # lowered: tightened
    del metrics["psi"]["warn_above"]  # dropped: loosened
    metrics["ks"] = {"min": 0.3}  # new metric: tightened


def _validations(card: dict[str, Any]) -> None:
    card["validations"] = [
        {"date": "2026-11-03", "by": "model-risk", "outcome": "approved", "version": "1.0.0"}
    ]


def _owners(card: dict[str, Any]) -> None:
    card["owner"] = "model-risk"
    card["contacts"] = [{"role": "accountable", "person": "mchen"}]


def _rename(catalog: Path) -> None:
    repo = catalog.parent
    git(repo, "mv", "catalog/models/legacy-scorecard.yaml", "catalog/models/legacy-points.yaml")
    path = catalog / "models" / "legacy-points.yaml"  # a text edit keeps git's similarity high
    path.write_text(path.read_text("utf-8").replace("id: legacy-scorecard", "id: legacy-points"))


def _break(card: dict[str, Any]) -> None:
    card["stage"] = "launched"


STEPS: list[tuple[str, Callable[[Path], None]]] = [
    ("add", lambda c: (c / "models" / "fraud-detector.yaml").write_text(yaml.safe_dump(NEW_MODEL))),
    ("promote", lambda c: edit(c, "models", "churn-predictor", _promote)),
    ("risk", lambda c: edit(c, "models", "credit-default-scorer", _risk)),
    ("thresholds", lambda c: edit(c, "models", "credit-default-scorer", _thresholds)),
    ("validations", lambda c: edit(c, "models", "churn-predictor", _validations)),
    ("owners", lambda c: edit(c, "models", "churn-predictor", _owners)),
    ("rename", _rename),
    ("remove", lambda c: (c / "models" / "fraud-detector.yaml").unlink()),
    (
        "dataset",
        lambda c: edit(
            c, "datasets", "loan-applications", lambda d: d.update(rows=5, classification="public")
        ),
    ),
    ("broken", lambda c: edit(c, "models", "churn-predictor", _break)),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with tags c0 (the minimal catalog) and one tag per step."""
    root = tmp_path_factory.mktemp("diff-repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.org")
    git(root, "config", "user.name", "Test")
    git(root, "config", "commit.gpgsign", "false")
    shutil.copytree(MINIMAL, root / "catalog")
    commit(root, "c0")
    for tag, step in STEPS:
        step(root / "catalog")
        commit(root, tag)
    return root


def run_diff(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["diff", *args, "--catalog", str(repo / "catalog"), "--today", TODAY]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def section(markdown: str, title: str) -> str:
    """The text of the `### title` section (up to the next heading of level 2-3)."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### ") and title in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("### ", "## "))),
        len(lines),
    )
    return "\n".join(lines[start:end])


def verdict(markdown: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith("**Verdict:**"))


def test_report_starts_with_the_marker_and_names_the_revisions(repo: Path) -> None:
    code, out = run_diff(repo, "c0", "add")
    assert code == 0
    assert out.splitlines()[:2] == [MARKER, "## Governance diff: `c0` → `add`"]


def test_no_change_says_so(repo: Path) -> None:
    code, out = run_diff(repo, "add", "add")
    assert code == 0
    assert verdict(out) == "**Verdict:** no governance-relevant changes."
    assert "### Models" not in out


def test_model_added_is_listed_with_its_name_escaped(repo: Path) -> None:
    _, out = run_diff(repo, "c0", "add")
    assert verdict(out) == "**Verdict:** 1 model added."
    added = section(out, "Models added (1)")
    assert (
        "| `fraud-detector` | Card Fraud Detector &lt;script&gt;alert(1)&lt;/script&gt; "
        "| development | medium | limited | internal | `credit-risk-ml` |"
    ) in added
    assert "<script>" not in out


def test_promotion_to_production_stands_out(repo: Path) -> None:
    _, out = run_diff(repo, "add", "promote")
    assert verdict(out) == "**Verdict:** 1 model promoted to production."
    assert "- **`churn-predictor`**: staging → **production**" in section(
        out, "Promoted to production"
    )
    assert "| `churn-predictor` | staging | **production** 🚀 |" in section(out, "Stage changes")


def test_risk_tier_eu_class_and_classification_changes(repo: Path) -> None:
    _, out = run_diff(repo, "promote", "risk")
    assert verdict(out) == "**Verdict:** 3 risk or classification changes."
    risk = section(out, "Risk and classification")
    assert "| `credit-default-scorer` | risk tier | high | critical |" in risk
    assert "| `credit-default-scorer` | EU AI Act class | high-risk | limited |" in risk
    assert "| `credit-default-scorer` | classification | internal | confidential |" in risk


def test_thresholds_loosened_and_tightened_with_old_and_new_values(repo: Path) -> None:
    _, out = run_diff(repo, "risk", "thresholds")
    assert verdict(out) == "**Verdict:** 2 thresholds loosened, 2 thresholds tightened."
    rows = section(out, "Monitoring thresholds").splitlines()
    assert "| `credit-default-scorer` | `auc` | min | 0.78 | 0.75 | ⚠️ **loosened** |" in rows
    assert "| `credit-default-scorer` | `psi` | max | 0.25 | 0.2 | tightened |" in rows
    assert "| `credit-default-scorer` | `psi` | warn_above | 0.1 | — | ⚠️ **loosened** |" in rows
    assert "| `credit-default-scorer` | `ks` | metric | — | min 0.3 | tightened |" in rows


def test_validation_added(repo: Path) -> None:
    _, out = run_diff(repo, "thresholds", "validations")
    assert verdict(out) == "**Verdict:** 1 validation or waiver added."
    assert (
        "| `churn-predictor` | validation | added | approved of 1.0.0 by model-risk on 2026-11-03 |"
        in section(out, "Validations and waivers")
    )


def test_validation_removed_when_diffed_backwards(repo: Path) -> None:
    _, out = run_diff(repo, "validations", "thresholds")
    assert "| `churn-predictor` | validation | removed |" in section(out, "Validations and waivers")


def test_owner_and_accountable_person_changed(repo: Path) -> None:
    _, out = run_diff(repo, "validations", "owners")
    assert verdict(out) == "**Verdict:** 2 ownership changes."
    owners = section(out, "Owners and accountability")
    assert "| `churn-predictor` | owner | credit-risk-ml | model-risk |" in owners
    assert "| `churn-predictor` | accountable | jlee | mchen |" in owners


def test_rename_is_detected_not_reported_as_add_and_remove(repo: Path) -> None:
    _, out = run_diff(repo, "owners", "rename")
    assert verdict(out) == "**Verdict:** 1 model renamed."
    assert "- `legacy-scorecard` → `legacy-points`" in section(out, "Models renamed (1)")
    assert "Models added" not in out and "Models removed" not in out


def test_model_removed(repo: Path) -> None:
    _, out = run_diff(repo, "rename", "remove")
    assert verdict(out) == "**Verdict:** 1 model removed."
    assert "| `fraud-detector` |" in section(out, "Models removed (1)")


def test_dataset_change_is_listed_under_other_files(repo: Path) -> None:
    _, out = run_diff(repo, "remove", "dataset")
    assert "- catalog/datasets/loan-applications.yaml: modified" in out
    assert verdict(out) == "**Verdict:** 1 dataset or team change."
    assert "| `dataset:loan-applications` | classification | confidential | public |" in section(
        out, "Datasets and teams"
    )


def test_team_membership_change(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "checkout", "-q", "dataset")

    def add_validator(team: dict[str, Any]) -> None:
        team["people"].append({"id": "bnew", "name": "B New"})

    edit(clone / "catalog", "teams", "model-risk", add_validator)
    result = CliRunner().invoke(cli, ["diff", "dataset", "--catalog", str(clone / "catalog")])
    assert "| `team:model-risk` | people | apatel | apatel, bnew (+bnew) |" in section(
        result.output, "Datasets and teams"
    )


def test_schema_error_on_head_is_reported_and_fails(repo: Path) -> None:
    code, out = run_diff(repo, "dataset", "broken", "--fail-on-new", "error")
    assert code == 1
    assert "1 schema error" in verdict(out)
    problems = section(out, "Schema problems on")
    assert "catalog/models/churn-predictor.yaml:" in problems
    assert "`schema-enum`" in problems
    assert "Error: the change leaves 1 schema error(s) on broken — see the report above" in out
    # an invalid card is not a removed model
    assert verdict(out) == "**Verdict:** 1 schema error."
    assert "Not compared until their cards are valid again: `churn-predictor`." in problems


def test_without_fail_on_new_schema_errors_do_not_fail(repo: Path) -> None:
    code, _ = run_diff(repo, "dataset", "broken")
    assert code == 0


def test_several_commits_at_once_add_up(repo: Path) -> None:
    _, out = run_diff(repo, "c0", "rename")
    assert verdict(out).startswith("**Verdict:** 1 model promoted to production, 1 model added, ")
    assert "1 model renamed" in verdict(out)


def test_working_tree_is_the_default_head(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "checkout", "-q", "remove")
    catalog = clone / "catalog"
    edit(catalog, "models", "churn-predictor", lambda c: c.update(classification="restricted"))
    untracked = dict(NEW_MODEL, id="untracked-model", name="Untracked")
    (catalog / "models" / "untracked-model.yaml").write_text(yaml.safe_dump(untracked))
    result = CliRunner().invoke(
        cli, ["diff", "remove", "--catalog", str(catalog), "--today", TODAY]
    )
    assert result.exit_code == 0, result.output
    assert "## Governance diff: `remove` → `working tree`" in result.output
    assert "| `churn-predictor` | classification | public | restricted |" in result.output
    assert "| `untracked-model` | Untracked |" in section(result.output, "Models added (1)")


def test_json_format(repo: Path) -> None:
    code, out = run_diff(repo, "add", "promote", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "1 model promoted to production"
    assert data["stages"] == [{"model": "churn-predictor", "old": "staging", "new": "production"}]
    assert data["promotions"] == data["stages"]


def test_output_file_is_written(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    code, out = run_diff(repo, "add", "promote", "-o", str(target))
    assert code == 0
    assert target.read_text("utf-8") == out


def test_unknown_revision_is_a_clear_error(repo: Path) -> None:
    code, out = run_diff(repo, "no-such-branch")
    assert code == 1
    assert "unknown revision 'no-such-branch'" in out
    assert "fetch-depth: 0" in out


def test_rename_of_an_untracked_file_is_found_by_content(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "checkout", "-q", "remove")
    models = clone / "catalog" / "models"
    edit(models.parent, "models", "churn-predictor", lambda card: card.update(id="churn-model"))
    (models / "churn-predictor.yaml").rename(models / "churn-model.yaml")  # not `git mv`
    result = CliRunner().invoke(cli, ["diff", "remove", "--catalog", str(models.parent)])
    assert "- `churn-predictor` → `churn-model`" in section(result.output, "Models renamed (1)")
    assert "Models added" not in result.output


def test_catalog_outside_a_git_repository(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "catalog")
    with pytest.raises(GitError, match="rev-parse"):
        GitRepo.discover(tmp_path / "catalog")


def test_base_reuses_head_cards_for_unchanged_files(repo: Path) -> None:
    # Only changed files are parsed again: unchanged cards are the same objects on both sides.
    from generator.diff import load_sides

    git_repo = GitRepo.discover(repo / "catalog")
    import datetime as dt
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        sides = load_sides(
            git_repo, "catalog", "add", "promote", Path(scratch), today=dt.date(2026, 11, 20)
        )
    assert (
        sides.base.models["credit-default-scorer"]
        is sides.head.catalog.models["credit-default-scorer"]
    )
    assert sides.base.models["churn-predictor"] is not sides.head.catalog.models["churn-predictor"]
    assert str(sides.base.models["churn-predictor"].stage) == "staging"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"min": 0.8}, {"min": 0.7}, [("min", "0.8", "0.7", "loosened")]),
        ({"min": 0.8}, {"min": 0.9}, [("min", "0.8", "0.9", "tightened")]),
        ({"max": 0.2}, {"max": 0.3}, [("max", "0.2", "0.3", "loosened")]),
        ({"warn_below": 0.8, "min": 0.7}, {"min": 0.7}, [("warn_below", "0.8", "—", "loosened")]),
        ({"max": 0.3}, {"max": 0.3, "warn_above": 0.2}, [("warn_above", "—", "0.2", "tightened")]),
        ({"warn_above": 0.2}, {"warn_above": 0.25}, [("warn_above", "0.2", "0.25", "loosened")]),
    ],
)
def test_threshold_direction(
    old: dict[str, float], new: dict[str, float], expected: list[tuple[str, ...]]
) -> None:
    changes = threshold_changes("m", Monitoring(metrics={"x": old}), Monitoring(metrics={"x": new}))
    assert [(c.bound, c.old, c.new, c.effect) for c in changes] == expected


def test_monitoring_removed_loosens_every_metric() -> None:
    changes = threshold_changes("m", Monitoring(metrics={"a": {"min": 1}, "b": {"max": 2}}), None)
    assert [(c.metric, c.effect) for c in changes] == [("a", "loosened"), ("b", "loosened")]


def test_freshness_days_raised_is_loosened() -> None:
    (change,) = threshold_changes(
        "m", Monitoring(freshness_days=2, metrics={}), Monitoring(freshness_days=7, metrics={})
    )
    assert (change.bound, change.old, change.new, change.effect) == (
        "freshness_days",
        "2",
        "7",
        "loosened",
    )


@pytest.fixture
def fake_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in policy engine: production models without a validation get an error."""

    class Finding:
        def __init__(self, rule: str, model_id: str, severity: str, message: str) -> None:
            self.rule, self.model_id, self.severity, self.message = (
                rule,
                model_id,
                severity,
                message,
            )

    def evaluate(catalog: Any, today: Any) -> list[Finding]:
        findings = []
        for model in catalog.models.values():
            if str(model.stage) == "production" and not model.validations:
                findings.append(
                    Finding("validation-required", model.id, "error", f"{model.name} | unvalidated")
                )
            if not model.contacts:
                findings.append(Finding("contacts-required", model.id, "warning", "no contacts"))
        return findings

    module = types.ModuleType("generator.policy")
    module.evaluate = evaluate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "generator.policy", module)


@pytest.mark.usefixtures("fake_policy")
def test_findings_introduced_by_the_change_fail_the_check(repo: Path) -> None:
    code, out = run_diff(repo, "add", "promote", "--fail-on-new", "error")
    assert code == 1
    assert verdict(out) == "**Verdict:** 1 model promoted to production, 1 new policy error."
    introduced = section(out, "Policy findings")
    assert "#### Introduced (1)" in introduced
    assert (
        "| error | `validation-required` | `churn-predictor` | Churn Predictor \\| unvalidated |"
        in introduced
    )
    assert "#### Resolved" not in introduced
    assert "Error: the change introduces 1 policy finding(s) at error or worse — see" in out


@pytest.mark.usefixtures("fake_policy")
def test_findings_already_on_base_never_fail(repo: Path) -> None:
    # legacy-scorecard and fraud-detector have no contacts on both sides: not new.
    code, out = run_diff(repo, "promote", "risk", "--fail-on-new", "warning")
    assert code == 0
    assert "No policy findings introduced or resolved." in out


@pytest.mark.usefixtures("fake_policy")
def test_findings_resolved_by_the_change(repo: Path) -> None:
    code, out = run_diff(repo, "thresholds", "validations", "--fail-on-new", "error")
    assert code == 0
    assert verdict(out) == "**Verdict:** 1 validation or waiver added, 1 policy finding resolved."
    assert "#### Resolved (1)" in out
    assert "| error | `validation-required` | `churn-predictor` |" in section(
        out, "Policy findings"
    )


@pytest.mark.usefixtures("fake_policy")
def test_warning_threshold_counts_new_warnings(repo: Path) -> None:
    # the added model has no contacts: a new warning, but no new error
    assert run_diff(repo, "c0", "add", "--fail-on-new", "error")[0] == 0
    code, out = run_diff(repo, "c0", "add", "--fail-on-new", "warning")
    assert code == 1
    assert "1 new policy warning" in verdict(out)


def test_library_entry_point_renders_the_same(repo: Path) -> None:
    import datetime as dt

    report = governance_diff(repo / "catalog", "add", "promote", today=dt.date(2026, 11, 20))
    assert report.head == "promote"
    assert [s.model for s in report.promotions] == ["churn-predictor"]
    assert render_markdown(report).startswith(MARKER + "\n")


@pytest.fixture
def policy_clone(repo: Path, tmp_path: Path) -> Path:
    """A clone at tag `add` with the shipped internal-default policy committed on top."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "checkout", "-q", "-b", "work", "add")
    git(clone, "config", "user.email", "test@example.org")
    git(clone, "config", "user.name", "Test")
    (clone / "catalog" / "policy.yaml").write_text("profiles: [internal-default]\n")
    git(clone, "add", "catalog/policy.yaml")
    git(clone, "commit", "-q", "-m", "policy")
    return clone


def test_real_policy_engine_new_error_on_promotion(policy_clone: Path) -> None:
    catalog = policy_clone / "catalog"
    edit(catalog, "models", "churn-predictor", _promote)
    code, out = run_diff(policy_clone, "HEAD", "--fail-on-new", "error")
    assert code == 1
    introduced = section(out, "Policy findings")
    assert "| error | `internal.approval` | `churn-predictor` | no independent validation" in (
        introduced
    )
    # findings the base already had (e.g. on the added model) are not listed as new
    assert "`fraud-detector`" not in introduced


def test_real_policy_engine_finding_resolved(policy_clone: Path) -> None:
    catalog = policy_clone / "catalog"
    edit(catalog, "models", "churn-predictor", _promote)
    git(policy_clone, "commit", "-q", "-am", "promote")
    edit(catalog, "models", "churn-predictor", _validations)
    code, out = run_diff(policy_clone, "HEAD", "--fail-on-new", "error")
    assert code == 0, out
    assert "#### Resolved" in out
    assert "| error | `internal.approval` | `churn-predictor` |" in section(out, "Policy findings")


def test_broken_policy_on_head_is_a_schema_problem(policy_clone: Path) -> None:
    (policy_clone / "catalog" / "policy.yaml").write_text("profiles: [no-such-profile]\n")
    code, out = run_diff(policy_clone, "HEAD", "--fail-on-new", "error")
    assert code == 1
    assert "catalog/policy.yaml" in section(out, "Schema problems on")
    assert "_Findings not fully compared: policy.yaml has errors on the head side._" in out


def test_head_checked_out_and_clean_is_read_from_the_working_tree(
    repo: Path, tmp_path: Path
) -> None:
    git_repo = GitRepo.discover(repo / "catalog")
    assert git_repo.is_checked_out("broken", "catalog")  # main's tip
    assert git_repo.is_checked_out("HEAD", "catalog")
    assert not git_repo.is_checked_out("dataset", "catalog")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    clone_repo = GitRepo.discover(clone / "catalog")
    assert clone_repo.is_checked_out("HEAD", "catalog")
    (clone / "catalog" / "models" / "new.yaml").write_text("id: new\n")  # untracked
    assert not clone_repo.is_checked_out("HEAD", "catalog")


def test_policy_profile_files_of_the_base_are_read(policy_clone: Path) -> None:
    """An organisation's own profile (a file below the catalog) is evaluated on both sides."""
    catalog = policy_clone / "catalog"
    profile = {
        "id": "our-bank",
        "title": "Our bank",
        "rules": [
            {
                "id": "our.contacts",
                "title": "Contacts named",
                "rationale": "Someone to call.",
                "clause": "Our policy §1",
                "severity": "error",
                "check": {"kind": "contacts", "roles": ["accountable"]},
            }
        ],
    }
    (catalog / "policies").mkdir()
    (catalog / "policies" / "our-bank.yaml").write_text(yaml.safe_dump(profile))
    (catalog / "policy.yaml").write_text("profiles: [policies/our-bank.yaml]\n")
    git(policy_clone, "add", "catalog")
    git(policy_clone, "commit", "-q", "-m", "own profile")
    # no change to the cards: the findings already there are not new
    code, out = run_diff(policy_clone, "HEAD", "--fail-on-new", "error")
    assert code == 0, out
    assert "No policy findings introduced or resolved." in out
    assert "Findings not fully compared" not in out


def test_long_reports_are_capped_for_a_pr_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.diff as diff_module
    from generator.diff import MAX_ROWS, DiffReport, ModelRow, Rename

    report = DiffReport(base="a", head="b")
    report.added = [
        ModelRow(f"model-{i:05d}", "x" * 50, "development", "low", "minimal", "internal", "t")
        for i in range(MAX_ROWS + 5)
    ]
    report.renamed = [Rename(f"old-{i:05d}", f"new-{i:05d}") for i in range(MAX_ROWS + 2)]
    text = render_markdown(report)
    assert "_… and 5 more: `govcat diff --format json` lists everything._" in text
    assert "_… and 2 more: `govcat diff --format json` lists everything._" in text
    assert "| `model-00099` |" in text and "| `model-00100` |" not in text
    assert (
        verdict(text) == f"**Verdict:** {MAX_ROWS + 5} models added, {MAX_ROWS + 2} models renamed."
    )

    monkeypatch.setattr(diff_module, "MAX_CHARS", 5_000)
    cut = render_markdown(report)
    assert len(cut) <= 5_000
    assert cut.startswith(MARKER)
    assert cut.endswith("_… the report is cut here; `govcat diff --format json` has it all._\n")
