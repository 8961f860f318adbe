"""Evidently exports (real fixtures made by tests/fixtures/evidently/make_fixtures.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from generator.errors import ProblemsFound
from generator.monitoring.evidently import drift_metric, read_evidently
from generator.monitoring.ingest import IngestOptions, ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "evidently"
AT = dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC)


def rows(name: str, **options) -> dict[tuple[str, str], float]:
    """(metric, segment) → value of one fixture, as govcat reads it."""
    result = read_evidently(FIXTURES / name, name, model=options.get("model"), at=options.get("at"))
    assert result.problems == []
    return {(r.metric, r.segment): r.value for r in result.records}


def _status_counts(tests: list[dict]) -> dict[str, int]:
    counts = {"SUCCESS": 0, "FAIL": 0, "WARNING": 0, "ERROR": 0}
    for test in tests:
        counts[test["status"]] += 1
    return counts


def test_compact_report_maps_drift_quality_labels_and_tests() -> None:
    found = rows("compact_report_0.7.json", model="churn-predictor", at=AT)
    raw = json.loads((FIXTURES / "compact_report_0.7.json").read_text())
    by_type = {m["config"]["type"].rsplit(":", 1)[1]: m for m in raw["metrics"]}
    assert found[("accuracy", "")] == by_type["Accuracy"]["value"]
    assert found[("roc_auc", "")] == by_type["RocAuc"]["value"]
    assert found[("log_loss", "")] == by_type["LogLoss"]["value"]
    assert found[("drifted_columns", "")] == 2.0
    assert found[("drift_share", "")] == by_type["DriftedColumnsCount"]["value"]["share"]
    drift = {
        m["config"]["column"]: m["value"]
        for m in raw["metrics"]
        if m["config"]["type"].endswith("ValueDrift")
    }
    assert found[("drift_score_ks_pvalue", "column:age")] == drift["age"]
    assert found[("drift_score_chisquare_pvalue", "column:plan")] == drift["plan"]
    assert found[("f1", "label:1")] == by_type["F1ByLabel"]["value"]["1"]
    assert found[("precision", "label:0")] == by_type["PrecisionByLabel"]["value"]["0"]
    counts = _status_counts(raw["tests"])
    assert found[("test_passed_count", "")] == counts["SUCCESS"]
    assert found[("test_failed_count", "")] == counts["FAIL"]
    assert found[("test_warning_count", "")] == counts["WARNING"] == 1
    assert found[("test_error_count", "")] == counts["ERROR"]


def test_snapshot_carries_model_and_time_and_equals_the_compact_report() -> None:
    result = read_evidently(FIXTURES / "snapshot_0.7.json", "s", model=None, at=None)
    assert {r.model_id for r in result.records} == {"churn-predictor"}
    assert {r.ts for r in result.records} == {"2026-11-20T06:00:00"}
    assert all(r.where.startswith("$.metric_results") for r in result.records)
    assert rows("snapshot_0.7.json") == rows(
        "compact_report_0.7.json", model="churn-predictor", at=AT
    )


def test_multiclass_keeps_the_method_of_each_column() -> None:
    found = rows("compact_report_multiclass_0.7.json", model="churn-predictor", at=AT)
    assert ("drift_score_psi", "column:visits") in found  # a distance: higher = more drift
    assert ("drift_score_ks_pvalue", "column:spend") in found  # a p-value: lower = more drift
    assert {s for m, s in found if m == "recall" and s} == {
        "label:bronze",
        "label:gold",
        "label:silver",
    }


def test_legacy_report_and_test_suite() -> None:
    report = rows("legacy_report_0.4.json", model="churn-predictor")
    raw = json.loads((FIXTURES / "legacy_report_0.4.json").read_text())
    table = next(m["result"] for m in raw["metrics"] if m["metric"] == "DataDriftTable")
    tenure = table["drift_by_columns"]["tenure_months"]
    assert report[("drift_score_wasserstein", "column:tenure_months")] == tenure["drift_score"]
    assert report[("drifted_columns", "")] == table["number_of_drifted_columns"]
    quality = next(
        m["result"] for m in raw["metrics"] if m["metric"] == "ClassificationQualityMetric"
    )
    assert report[("accuracy", "")] == quality["current"]["accuracy"]
    suite = rows("legacy_testsuite_0.4.json", model="churn-predictor")
    summary = json.loads((FIXTURES / "legacy_testsuite_0.4.json").read_text())["summary"]
    assert suite[("test_failed_count", "")] == summary["failed_tests"]
    assert suite[("test_passed_count", "")] == summary["success_tests"]
    assert ("accuracy", "") in suite


@pytest.mark.parametrize(
    ("method", "metric"),
    [
        ("K-S p_value", "drift_score_ks_pvalue"),
        ("ks", "drift_score_ks_pvalue"),
        ("Wasserstein distance (normed)", "drift_score_wasserstein"),
        ("PSI", "drift_score_psi"),
        ("Anderson-Darling", "drift_score_anderson_pvalue"),
        ("Jensen-Shannon distance", "drift_score_jensenshannon"),
        ("my_custom p_value", "drift_score_my_custom_pvalue"),
    ],
)
def test_drift_metric_names_keep_the_method(method, metric) -> None:
    assert drift_metric(method) == metric


def test_model_and_date_from_the_file_name(minimal_catalog, tmp_path) -> None:
    from tests.monitoring.conftest import load

    catalog = load(minimal_catalog)
    path = tmp_path / "churn-predictor_2026-11-20.json"
    shutil.copyfile(FIXTURES / "churn-predictor_2026-11-20.json", path)
    report = ingest(catalog, [path], IngestOptions())
    assert report.added == report.rows_read > 20
    import duckdb

    from generator.monitoring.store import Store

    source = Store(minimal_catalog / "monitoring").source_sql()
    assert duckdb.sql(f"SELECT DISTINCT model_id, epoch_us(ts) FROM {source}").fetchall() == [
        ("churn-predictor", int(dt.datetime(2026, 11, 20, tzinfo=dt.UTC).timestamp() * 1e6))
    ]


@pytest.mark.parametrize(
    ("name", "content", "options", "expected"),
    [
        (
            "report.json",
            None,
            {},
            ": ingest-no-model: an Evidently 0.7 report names no model: pass --model ID or name "
            "the file <model-id>_<YYYY-MM-DD>.json",
        ),
        (
            "report.json",
            None,
            {"model": "churn-predictor"},
            ": ingest-no-timestamp: an Evidently 0.7 report carries no time: pass --at TIMESTAMP",
        ),
        (
            "snapshot.json",
            "snapshot",
            {},
            ": row? ",
        ),
        (
            "other.json",
            '{"id": "x", "suite": {}, "timestamp": "2026-11-20"}',
            {"model": "churn-predictor"},
            ": ingest-unknown-shape: not an Evidently export govcat reads (top-level keys id, "
            "suite, timestamp)",
        ),
        (
            "v2.json",
            '{"metrics": [{"config": {"type": "other:thing"}, "value": 1}], "tests": []}',
            {"model": "churn-predictor"},
            "ingest-unknown-shape: not an Evidently export govcat reads (`metrics[].config.type` "
            "is not evidently:metric_v2:*)",
        ),
        ("empty.json", "{}", {}, "the top level is an empty object"),
        ("list.json", "[]", {}, "the top level is a list"),
    ],
)
def test_evidently_problems(name, content, options, expected, minimal_catalog, tmp_path) -> None:
    from tests.monitoring.conftest import load

    catalog = load(minimal_catalog)
    path = tmp_path / name
    if content is None:
        shutil.copyfile(FIXTURES / "compact_report_0.7.json", path)
    elif content == "snapshot":
        shutil.copyfile(FIXTURES / "snapshot_0.7.json", path)
        expected = ": ingest-naive-timestamp: $.metric_results['"  # naive time needs --assume-utc
    else:
        path.write_text(content)
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions(**options))
    shown = [str(p) for p in raised.value.problems]
    assert any(line.startswith(str(path)) and expected in line for line in shown), shown
    assert not (minimal_catalog / "monitoring").exists() or not list(
        (minimal_catalog / "monitoring").rglob("*.parquet")
    )


def test_naive_snapshot_time_with_assume_utc(minimal_catalog, tmp_path) -> None:
    from tests.monitoring.conftest import load

    catalog = load(minimal_catalog)
    report = ingest(catalog, [FIXTURES / "snapshot_0.7.json"], IngestOptions(assume_utc=True))
    assert report.added == report.rows_read
