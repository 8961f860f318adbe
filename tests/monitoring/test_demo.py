"""The committed demo store: regenerated deterministically, idempotent, and telling its stories."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest

from generator.health import HealthStatus
from generator.monitoring.aggregate import summarize
from generator.monitoring.ingest import IngestOptions, ingest
from generator.monitoring.store import tree_digest
from tests.monitoring.conftest import load

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "demo_monitoring.py"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_script():
    spec = importlib.util.spec_from_file_location("demo_monitoring", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_exports_ingested_twice_leave_the_store_unchanged(demo_script, tmp_path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", root, ignore=shutil.ignore_patterns("monitoring"))
    files = demo_script.write_exports(root, tmp_path / "exports")
    assert {f.suffix for f in files} == {".csv", ".jsonl"}
    catalog = load(root)
    first = ingest(catalog, files, IngestOptions())
    assert first.added == first.rows_read > 10_000
    digest = tree_digest(root / "monitoring")
    second = ingest(catalog, files, IngestOptions())
    assert (second.added, second.duplicates, second.parts) == (0, first.rows_read, [])
    assert tree_digest(root / "monitoring") == digest
    assert digest == tree_digest(REPO / "catalog" / "monitoring"), (
        "catalog/monitoring is out of date with the demo cards or the script: run "
        "`.venv/bin/python scripts/demo_monitoring.py --fresh` and commit catalog/monitoring"
    )


def test_demo_store_tells_the_readme_stories() -> None:
    summary = summarize(load(REPO / "catalog"), as_of=TODAY)
    status = {model_id: health.status for model_id, health in summary.models.items()}
    assert status["customer-churn-predictor"] == HealthStatus.warning  # slow drift
    assert status["card-fraud-detector"] == HealthStatus.breach  # sudden breach
    fraud = {m.metric: m for m in summary.models["card-fraud-detector"].metrics}
    assert fraud["auc"].breach_since.date() == dt.date(2026, 11, 14)
    assert status["atm-cash-forecaster"] == HealthStatus.stale  # stale feed
    assert summary.models["atm-cash-forecaster"].last_data.date() == dt.date(2026, 11, 8)
    assert status["mortgage-prepayment"] == HealthStatus.ok  # recovered after retraining
    past = summarize(load(REPO / "catalog"), as_of=dt.date(2026, 4, 1))
    assert past.models["mortgage-prepayment"].status == HealthStatus.breach
    bnpl = summary.models["bnpl-affordability-scorer"]  # fairness slice diverging
    assert bnpl.status == HealthStatus.warning
    assert [m.segment for m in bnpl.metrics if m.status == HealthStatus.warning] == [
        "age_band=18-24"
    ]
    assert status["complaint-classifier"] == HealthStatus.unmonitored
    assert status["employee-attrition-risk"] == HealthStatus.unmonitored
    assert [s for _, s in summary.portfolio][-1] == summary.counts()
