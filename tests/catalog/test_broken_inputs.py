"""The corpus of broken inputs: each one is a clear, located problem — never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import MINIMAL, load_minimal_card

GOOD_MODEL = (MINIMAL / "models" / "credit-default-scorer.yaml").read_text("utf-8")


def model_text(**changes: object) -> str:
    card = load_minimal_card("models", "credit-default-scorer")
    card.update(changes)
    return yaml.safe_dump(card, sort_keys=False)


def replace_line(old: str, new: str, text: str = GOOD_MODEL) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


@dataclass
class Case:
    name: str
    content: bytes | str
    rule: str
    line: int | None
    file: str = "models/credit-default-scorer.yaml"
    message: str = ""


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


CASES = [
    Case("syntax-error", "id: x\nname: [unclosed\nsummary: y\n", "yaml-syntax", 3),
    Case("tab-indentation", "id: x\nrisk:\n\ttier: high\n", "yaml-tab-indent", 3),
    Case(
        "duplicate-key",
        GOOD_MODEL + "owner: credit-risk-ml\n",
        "yaml-duplicate-key",
        GOOD_MODEL.count("\n") + 1,
        message="key 'owner' appears more than once",
    ),
    Case(
        "unknown-key",
        replace_line("owner:", "ownr:"),
        "schema-unknown-key",
        line_of(GOOD_MODEL, "owner:"),
        message="did you mean 'owner'?",
    ),
    Case(
        "unknown-nested-key",
        replace_line("  tier: high", "  teir: high"),
        "schema-unknown-key",
        line_of(GOOD_MODEL, "  tier: high"),
        message="did you mean 'tier'?",
    ),
    Case(
        "wrong-enum",
        replace_line("stage: production\n", "stage: prod\n"),
        "schema-enum",
        line_of(GOOD_MODEL, "stage: production\n"),
        message="'prod' is not allowed",
    ),
    Case(
        "impossible-date",
        replace_line("date: 2026-08-20", "date: 2026-02-30"),
        "schema-date",
        line_of(GOOD_MODEL, "date: 2026-08-20"),
        message="not a real date",
    ),
    Case(
        "javascript-url",
        replace_line('"https://git.bank.example/credit/default-scorer"', '"javascript:alert(1)"'),
        "schema-url",
        line_of(GOOD_MODEL, "links:"),
        message="http:// or https://",
    ),
    Case(
        "dangling-team",
        replace_line("owner: credit-risk-ml", "owner: credit-risk"),
        "ref-unknown-team",
        line_of(GOOD_MODEL, "owner:"),
        message="did you mean 'credit-risk-ml'?",
    ),
    Case(
        "dangling-dataset",
        replace_line("{dataset: loan-applications,", "{dataset: loans,"),
        "ref-unknown-dataset",
        line_of(GOOD_MODEL, "training_data:") + 1,
    ),
    Case(
        "dangling-person",
        replace_line("person: mchen", "person: mchan"),
        "ref-unknown-person",
        line_of(GOOD_MODEL, "person: mchen"),
        message="did you mean 'mchen'?",
    ),
    Case(
        "duplicate-person-id",
        (MINIMAL / "teams" / "model-risk.yaml").read_text()
        + "  - {id: jlee, name: Someone Else}\n",
        "id-duplicate",
        8,
        file="teams/model-risk.yaml",
    ),
    Case(
        "id-not-file-name",
        replace_line("id: credit-default-scorer", "id: credit-default"),
        "id-file-mismatch",
        1,
        message="rename the file",
    ),
    Case(
        "path-traversal-id",
        replace_line("id: credit-default-scorer", "id: ../../etc/passwd"),
        "schema-id",
        1,
        message="is not a valid id",
    ),
    Case("invalid-file-name", GOOD_MODEL, "id-file-name", 1, file="models/Credit_Default.yaml"),
    Case("alias-bomb", ALIAS_BOMB, "yaml-alias-limit", None),
    Case(
        "python-object-tag",
        "id: x\nname: !!python/object/apply:os.system ['rm -rf /']\n",
        "yaml-unsafe-tag",
        2,
    ),
    Case("custom-tag", "id: !include other.yaml\n", "yaml-unsafe-tag", 1),
    Case("empty-file", "", "yaml-empty", 1),
    Case("only-comments", "# nothing here yet\n", "yaml-empty", 1),
    Case("list-at-top-level", "- id: x\n- id: y\n", "yaml-not-mapping", 1),
    Case("scalar-at-top-level", "just some text\n", "yaml-not-mapping", 1),
    Case(
        "several-documents",
        GOOD_MODEL + "---\nid: other\n",
        "yaml-multiple-documents",
        GOOD_MODEL.count("\n") + 1,
    ),
    Case(
        "non-utf8",
        GOOD_MODEL.encode().replace(b"Credit Default Scorer", b"Cr\xe9dit"),
        "file-encoding",
        2,
    ),
    Case("nul-byte", GOOD_MODEL.replace("summary:", "summary:\x00"), "file-control-character", 3),
    Case("deep-nesting", "id: x\nname: " + "[" * 50_000 + "]" * 50_000 + "\n", "yaml-too-deep", 2),
    Case("huge-file", b"", "file-too-large", None),  # content written by the test (50 MB)
    Case(
        "missing-required",
        model_text(summary=None).replace("summary: null\n", ""),
        "schema-missing",
        1,
        message="required key 'summary' is missing",
    ),
    Case(
        "unquoted-version",
        replace_line("version: 3.2.0,", "version: 3.20,"),
        "schema-type",
        line_of(GOOD_MODEL, "version: 3.2.0"),
        message="quote it",
    ),
    Case(
        "versions-out-of-order",
        replace_line("date: 2025-09-01", "date: 2026-10-01"),
        "version-order",
        line_of(GOOD_MODEL, "version: 3.2.0"),
    ),
    Case(
        "stage-disagrees-with-version",
        replace_line("stage: production\n", "stage: staging\n"),
        "version-stage",
        line_of(GOOD_MODEL, "stage: production\n"),
    ),
    Case(
        "validation-in-future",
        replace_line("date: 2026-08-20", "date: 2099-08-20"),
        "validation-future",
        line_of(GOOD_MODEL, "date: 2026-08-20"),
    ),
    Case(
        "review-before-validation",
        replace_line("next_review: 2027-08-20", "next_review: 2025-01-01"),
        "review-before-validation",
        line_of(GOOD_MODEL, "next_review:"),
    ),
    Case(
        "contact-person-and-team",
        replace_line(
            "{role: validator, team: model-risk}",
            "{role: validator, team: model-risk, person: apatel}",
        ),
        "schema-value",
        line_of(GOOD_MODEL, "{role: validator"),
        message="exactly one of",
    ),
    Case(
        "threshold-min-above-max",
        replace_line(
            "psi: {max: 0.25, warn_above: 0.10, kind: drift}",
            "psi: {min: 0.5, max: 0.25, kind: drift}",
        ),
        "schema-value",
        line_of(GOOD_MODEL, "psi: {"),
        message="min is greater than max",
    ),
    Case("todo-left", replace_line("Credit Default Scorer", "TODO name"), "todo-left", 2),
    Case("recursive-alias", "id: &a [*a]\n", "yaml-alias", 1),
    Case("complex-key", "? [a, b]\n: value\n", "yaml-complex-key", None),
    Case(
        "bad-tag-value",
        replace_line("tags: [credit, tabular, gbm]", "tags: [Credit Risk]"),
        "schema-pattern",
        line_of(GOOD_MODEL, "tags:"),
    ),
    Case("yml-extension", GOOD_MODEL, "file-extension", None, file="models/extra.yml"),
    Case(
        "settings-unknown-key",
        "title: Bank\ntheme: dark\n",
        "schema-unknown-key",
        2,
        file="settings.yaml",
    ),
    Case(
        "lineage-cycle",
        (MINIMAL / "datasets" / "loan-applications.yaml").read_text()
        + "derived_from: [loan-applications-holdout]\n",
        "lineage-cycle",
        9,
        file="datasets/loan-applications.yaml",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_input_is_a_located_problem(case: Case, make_catalog, monkeypatch) -> None:
    catalog = make_catalog()
    target = catalog / case.file
    if case.file != "models/credit-default-scorer.yaml" and case.file.startswith("models/"):
        (catalog / "models" / "credit-default-scorer.yaml").unlink()
    if case.name == "huge-file":
        with target.open("wb") as stream:
            stream.write(b"# padding\n" * (5 * 1024 * 1024))
    else:
        content = case.content.encode() if isinstance(case.content, str) else case.content
        target.write_bytes(content)
    monkeypatch.chdir(catalog.parent)

    result = CliRunner().invoke(cli, ["validate", "catalog"])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if f": {case.rule}: " in line]
    assert lines, f"rule {case.rule} not reported:\n{result.output}"
    expected_prefix = (
        f"catalog/{case.file}:" if case.line is None else f"catalog/{case.file}:{case.line}:"
    )
    assert any(line.startswith(expected_prefix) for line in lines), result.output
    if case.message:
        assert any(case.message in line for line in lines), result.output


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)
    assert len({c.rule for c in CASES}) >= 25


def test_all_problems_are_reported_at_once(make_catalog, monkeypatch) -> None:
    catalog = make_catalog()
    (catalog / "models" / "churn-predictor.yaml").write_text("id: churn-predictor\nname: [\n")
    broken = replace_line("owner: credit-risk-ml", "owner: nobody").replace(
        "stage: production\n", "stage: prod\n", 1
    )
    (catalog / "models" / "credit-default-scorer.yaml").write_text(broken)
    monkeypatch.chdir(catalog.parent)

    result = CliRunner().invoke(cli, ["validate", "catalog", "--format", "json"])

    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    rules = {(Path(p["path"]).name, p["rule"]) for p in problems}
    assert ("churn-predictor.yaml", "yaml-syntax") in rules
    assert ("credit-default-scorer.yaml", "schema-enum") in rules
