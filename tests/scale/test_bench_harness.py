"""The benchmark harness: row schema, interleaved medians, child measurements, the report."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from benchmarks import common, run
from benchmarks.common import ROW_FIELDS, Measurement, format_table, row, summarise


def test_row_has_the_shared_schema_and_computes_ratio_and_goal() -> None:
    measured = summarise([Measurement(3.0, 100), Measurement(1.0, 300), Measurement(2.0, 200)])
    floor = summarise([Measurement(1.0, 10)] * 3)
    item = row("catalog", 1000, "validate", measured, floor=("parse", floor), goal_ratio=2.0)
    assert tuple(item) == ROW_FIELDS
    assert item["wall_s"] == 2.0  # the median
    assert item["peak_rss_mb"] == 300  # the largest
    assert item["ratio"] == 2.0 and item["goal_met"] is True
    slower = row(
        "catalog", 1000, "validate", Measurement(2.5, 1), floor=("parse", 1.0), goal_ratio=2.0
    )
    assert slower["ratio"] == 2.5 and slower["goal_met"] is False


def test_check_rows_rejects_rows_missing_fields() -> None:
    with pytest.raises(ValueError, match="lacks"):
        common.check_rows([{"area": "x", "size": 1}])


def test_table_shows_every_row_with_missed_goals_marked() -> None:
    rows = [
        row("catalog", 100, "validate", Measurement(0.5, 40), floor=("parse", 1.0), goal_ratio=2),
        row(
            "site", 10_000, "build | search", Measurement(300.0, 900), goal_met=False, notes="slow"
        ),
    ]
    lines = format_table(rows).splitlines()
    assert len(lines) == 4
    assert "| catalog | 100 | validate | 0.500 | 40.00 | parse | 1.00 | 0.50x |" in lines[2]
    assert "10,000" in lines[3] and "build \\| search" in lines[3] and "**no**" in lines[3]


def test_run_child_reports_the_childs_own_timing_and_memory() -> None:
    code = (
        "from benchmarks.common import child_report\n"
        "block = bytearray(150 * 2**20)\n"
        "child_report(1.25, files=7)\n"
    )
    measurement = common.run_python(code)
    assert measurement.wall_s == 1.25
    assert measurement.extra["files"] == 7
    assert measurement.peak_rss_mb >= 150
    with pytest.raises(common.ChildFailed, match="exited 3"):
        common.run_child([sys.executable, "-c", "raise SystemExit(3)"])


def test_interleaved_runs_cases_round_robin() -> None:
    order = []

    def case(name: str):
        def measure() -> Measurement:
            order.append(name)
            return Measurement(float(len(order)), 1)

        return measure

    results = common.interleaved({"a": case("a"), "b": case("b")}, runs=3)
    assert order == ["a", "b", "a", "b", "a", "b"]
    assert results["a"].wall_s == 3.0 and results["b"].wall_s == 4.0  # medians of 1,3,5 / 2,4,6


def test_results_markdown_names_machine_versions_and_missed_goals() -> None:
    rows = [
        row("catalog", 100, "validate", Measurement(0.5, 40), floor=("parse", 1.0), goal_ratio=2),
        row(
            "rebuild",
            10_000,
            "warm",
            Measurement(45.0, 900),
            goal="<= 30 s",
            goal_met=False,
            notes="site builder dominates",
        ),
    ]
    text = run.results_markdown(
        rows, large=True, durations={"catalog": 60.0}, started=dt.datetime(2026, 11, 22, 19, 0)
    )
    assert "make bench-large" in text and "2026-11-22 19:00" in text
    assert "cores" in text and "mkdocs 1." in text and "pydantic 2." in text
    assert "Goals met: 1 of 2." in text
    assert "- rebuild 10000 warm: <= 30 s — site builder dominates" in text


def test_every_benchmark_module_is_discovered_catalog_first() -> None:
    areas = run.discover()
    assert areas[0] == "catalog"
    assert {"catalog", "rebuild"} <= set(areas)


def test_the_runner_writes_bytecode_for_govcat_and_the_benchmarks_first(
    tmp_path, monkeypatch
) -> None:
    """Where PYTHONDONTWRITEBYTECODE is set, nothing else would, and every timed child
    would compile what it imports; benchmarks/work (synthetic projects) is not walked."""
    import compileall
    from pathlib import Path

    compiled = []
    monkeypatch.setattr(
        compileall, "compile_dir", lambda folder, **kw: compiled.append((folder, kw)) or True
    )
    run.compile_sources()
    assert [(Path(f).name, kw.get("maxlevels")) for f, kw in compiled] == [
        ("generator", None),
        ("benchmarks", 0),
    ]
