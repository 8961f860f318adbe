"""Exports: inventory tables, CycloneDX 1.6 (validated with cyclonedx-python-lib), HF README."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from generator.cli import cli
from generator.exports import (
    INVENTORY_COLUMNS,
    cyclonedx_bom,
    cyclonedx_json,
    hf_readme,
    inventory_bytes,
)
from generator.policy.report import load_report
from tests.conftest import load_minimal_card
from tests.governance.helpers import TODAY, rule, write_policy

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


@pytest.fixture
def report(make_catalog):
    hostile = load_minimal_card("models", "churn-predictor")
    hostile["summary"] = '=HYPERLINK("http://evil.example") <script>alert(1)</script>'
    catalog = make_catalog(models=[hostile])
    write_policy(catalog, [rule("human-oversight", {"stages": ["staging"]})])
    return load_report(catalog, TODAY)


def test_cyclonedx_validates_against_the_1_6_schema(report) -> None:
    text = cyclonedx_json(report)
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    scorer = next(c for c in bom["components"] if c["bom-ref"] == "model:credit-default-scorer")
    assert scorer["type"] == "machine-learning-model"
    props = {(p["name"], p["value"]) for p in scorer["modelCard"]["properties"]}
    assert ("govcat:risk:tier", "high") in props
    assert ("govcat:validation:0:outcome", "approved") in props
    assert ("govcat:validation:0:date", "2026-08-20") in props
    assert ("govcat:review:next", "2027-08-20") in props
    assert scorer["modelCard"]["modelParameters"]["datasets"] == [
        {"ref": "dataset:loan-applications"},
        {"ref": "dataset:loan-applications-holdout"},
    ]
    refs = {c["bom-ref"] for c in bom["components"]}
    assert {"dataset:loan-applications", "dataset:loan-applications-holdout"} <= refs
    assert bom["metadata"]["timestamp"] == "2026-11-22T00:00:00Z"


def test_cyclonedx_is_deterministic_and_the_validator_rejects_a_broken_bom(report) -> None:
    assert cyclonedx_json(report) == cyclonedx_json(report)
    bom = cyclonedx_bom(report, ["credit-default-scorer"])
    assert bom["metadata"]["component"]["name"] == "Credit Default Scorer"
    assert len([c for c in bom["components"] if c["type"] == "machine-learning-model"]) == 1
    bom["components"][0]["modelCard"]["riskTier"] = "high"  # not a CycloneDX field
    assert VALIDATOR.validate_str(json.dumps(bom)) is not None


def test_inventory_csv_neutralises_formulas(report) -> None:
    rows = list(csv.DictReader(io.StringIO(inventory_bytes(report, "csv").decode())))
    assert [r["id"] for r in rows] == [
        "churn-predictor",
        "credit-default-scorer",
        "legacy-scorecard",
    ]
    assert tuple(rows[0]) == INVENTORY_COLUMNS
    churn = rows[0]
    assert churn["summary"].startswith("'=HYPERLINK")
    assert churn["governance_status"] == "non-compliant"
    assert churn["open_errors"] == "1"
    scorer = rows[1]
    assert (scorer["next_review"], scorer["review_state"], scorer["validated_by"]) == (
        "2027-08-20",
        "scheduled",
        "model-risk",
    )


def test_inventory_json_and_xlsx(report) -> None:
    from openpyxl import load_workbook

    document = json.loads(inventory_bytes(report, "json"))
    assert document["as_of"] == "2026-11-22"
    assert [m["id"] for m in document["models"]] == [
        "churn-predictor",
        "credit-default-scorer",
        "legacy-scorecard",
    ]
    assert document["models"][2]["retirement_date"] == "2026-12-31"
    data = inventory_bytes(report, "xlsx")
    assert data == inventory_bytes(report, "xlsx")  # reproducible bytes
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == list(INVENTORY_COLUMNS)
    assert sheet["A3"].value == "credit-default-scorer"
    assert sheet["C2"].data_type == "s" and sheet["C2"].value.startswith("'=")


def test_hf_readme_has_model_index_and_escapes_html(report) -> None:
    text = hf_readme(report, "credit-default-scorer")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["library_name"] == "lightgbm"
    assert front["pipeline_tag"] == "tabular-classification"
    result = front["model-index"][0]["results"][0]
    assert (
        result["dataset"]
        == {"name": "Loan applications holdout", "type": "loan-applications-holdout"}
        or result["dataset"]["type"] == "loan-applications-holdout"
    )
    assert {m["type"]: m["value"] for m in result["metrics"]} == {"auc": 0.82, "ks": 0.41}
    assert (
        "## Evaluation" in text
        and "| `loan-applications-holdout` | age&lt;25 | auc | 0.79 |" in text
    )
    churn = hf_readme(report, "churn-predictor")
    assert "<script>" not in churn and "&lt;script&gt;" in churn


def test_export_cli_writes_files_and_stdout(report, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(report.catalog.root.parent)
    run = CliRunner().invoke
    result = run(cli, ["export", "cyclonedx", "--all", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert VALIDATOR.validate_str(result.stdout) is None
    target = tmp_path / "out" / "inventory.xlsx"
    result = run(
        cli, ["export", "inventory", "--format", "xlsx", "-o", str(target), "--today", "2026-11-22"]
    )
    assert result.exit_code == 0 and target.read_bytes()[:2] == b"PK"
    readme = run(cli, ["export", "hf", "credit-default-scorer", "--today", "2026-11-22"])
    assert readme.stdout.startswith("---\n")
    unknown = run(cli, ["export", "hf", "credit-default-scorr"])
    assert unknown.exit_code == 1
    assert (
        "no model 'credit-default-scorr' in catalog; did you mean 'credit-default-scorer'?"
        in unknown.output
    )
    assert run(cli, ["export", "cyclonedx"]).exit_code == 2


def test_export_refuses_an_invalid_catalog(report, monkeypatch) -> None:
    monkeypatch.chdir(report.catalog.root.parent)
    path = report.catalog.root / "models" / "churn-predictor.yaml"
    path.write_text(path.read_text().replace("owner: credit-risk-ml", "owner: nobody"))
    result = CliRunner().invoke(cli, ["export", "inventory"])
    assert result.exit_code == 1
    assert (
        "catalog/models/churn-predictor.yaml:4:8: ref-unknown-team: no team with id 'nobody'"
        in result.output
    )
