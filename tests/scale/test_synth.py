"""The synthetic catalogs behind the benchmarks are valid, varied and deterministic."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks import synth
from generator.monitoring import store
from generator.validate import validate_catalog

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synth") / "project"
    synth.write_project(
        target, models=100, monitoring_days=40, seed=7, end=dt.date(2026, 11, 20), workers=1
    )
    return target


def test_synthetic_catalog_is_valid(project: Path) -> None:
    result = validate_catalog(project / "catalog", today=TODAY)
    assert [str(p) for p in result.problems] == []
    assert len(result.catalog.models) == 100
    assert len(result.catalog.datasets) == 20
    assert len(result.catalog.teams) >= 4


def test_synthetic_cards_vary_like_a_real_inventory(project: Path) -> None:
    result = validate_catalog(project / "catalog", today=TODAY)
    models = list(result.catalog.models.values())
    assert {m.stage.value for m in models} == {
        "production",
        "staging",
        "validation",
        "development",
        "deprecated",
        "retired",
    }
    assert {m.risk.tier.value for m in models} == {"low", "medium", "high", "critical"}
    assert len({m.task for m in models}) >= 8
    assert any(m.retirement for m in models) and any(m.fairness for m in models)
    assert any(m.monitoring is None for m in models)  # unmonitored models exist too
    sizes = [p.stat().st_size for p in (project / "catalog" / "models").glob("*.yaml")]
    assert 2_800 <= sum(sizes) / len(sizes) <= 4_200  # ~3.4 KB, like a real card


def test_synthetic_monitoring_is_in_the_store_format(project: Path) -> None:
    parts = store.Store(project / "catalog" / "monitoring").part_files()
    assert parts
    names = [p.relative_to(project / "catalog" / "monitoring").as_posix() for p in parts]
    assert all(store.PART_RE.match(name) for name in names)
    rows = 0
    for path in parts:
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == store.arrow_schema()
        assert table.equals(table.sort_by([(name, "ascending") for name in store.SORT_ORDER]))
        rows += table.num_rows
    result = validate_catalog(project / "catalog", today=TODAY)
    reporting = Counter(
        row
        for path in parts
        for row in pq.read_table(path, columns=["model_id"])["model_id"].to_pylist()
    )
    assert set(reporting) == set(result.catalog.models)
    # 10 metrics x 40 days, less 10 days for the one-in-23 models that went stale
    stale = [index for index in range(100) if index % 23 == 0]
    assert rows == 100 * 10 * 40 - len(stale) * 10 * 10


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    synth.write_project(first, models=30, monitoring_days=0, seed=3, workers=1)
    synth.write_project(second, models=30, monitoring_days=0, seed=3, workers=2)
    files = sorted(p.relative_to(first) for p in (first / "catalog").rglob("*.yaml"))
    assert len(files) > 30
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes()
    other = tmp_path / "c"
    synth.write_project(other, models=30, monitoring_days=0, seed=4, workers=1)
    assert any(
        (first / relative).read_bytes() != (other / relative).read_bytes()
        for relative in files
        if (other / relative).exists()
    )
