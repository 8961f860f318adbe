"""govcat ingest: checks, idempotence, conflicts, --skip-bad, --replace, formats, atomicity."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from generator.catalog import Catalog
from generator.errors import ProblemsFound, StoreError
from generator.monitoring.ingest import IngestOptions, ingest
from generator.monitoring.readers import WideMapping
from generator.monitoring.store import Store, tree_digest

REPO = Path(__file__).resolve().parents[2]
CDS = "credit-default-scorer"
GOOD = [
    [CDS, "3.2.0", "2026-11-20T06:00:00Z", "auc", "", "0.81"],
    [CDS, "3.2.0", "2026-11-20T06:00:00Z", "psi", "", "0.05"],
    [CDS, "3.2.0", "2026-10-31T23:30:00-02:00", "auc", "age<25", "0.79"],
    ["churn-predictor", "", "2026-11-20T06:00:00+01:00", "accuracy", "", "0.8"],
]


def store_of(catalog: Catalog) -> Store:
    return Store(catalog.root / "monitoring")


def rows_of(catalog: Catalog) -> list[tuple]:
    store = store_of(catalog)
    source = store.source_sql()
    if source is None:
        return []
    import duckdb

    return duckdb.sql(
        f"SELECT model_id, model_version, epoch_us(ts), metric, segment, value, source "
        f"FROM {source} ORDER BY ALL"
    ).fetchall()


def test_ingest_writes_month_parts_and_twice_changes_nothing(catalog, export) -> None:
    path = export("nightly.csv", GOOD)
    report = ingest(catalog, [path], IngestOptions())
    assert (report.rows_read, report.added, report.duplicates) == (4, 4, 0)
    names = sorted(
        p.relative_to(catalog.root / "monitoring").as_posix().rsplit("-", 1)[0]
        for p in store_of(catalog).part_files()
    )
    # 2026-10-31T23:30-02:00 is 2026-11-01 01:30 UTC: partitions follow UTC
    assert names == ["year=2026/month=11/part"]
    before = tree_digest(catalog.root / "monitoring")
    again = ingest(catalog, [path], IngestOptions())
    assert (again.added, again.duplicates, again.parts) == (0, 4, [])
    assert tree_digest(catalog.root / "monitoring") == before
    rows = rows_of(catalog)
    assert {r[3] for r in rows} == {"auc", "psi", "accuracy"}
    assert all(r[6].startswith("nightly.csv@") for r in rows)
    churn = next(r for r in rows if r[0] == "churn-predictor")
    assert churn[1] is None  # empty model_version is stored as NULL
    assert churn[2] == int(dt.datetime(2026, 11, 20, 5, tzinfo=dt.UTC).timestamp() * 1e6)


def test_a_fresh_store_from_the_same_export_is_byte_identical(
    tmp_path, make_catalog, export
) -> None:
    from tests.monitoring.conftest import load

    first = load(make_catalog())
    path = export("a.csv", GOOD)
    ingest(first, [path], IngestOptions())
    digest = tree_digest(first.root / "monitoring")
    second_root = tmp_path / "second"
    import shutil

    shutil.copytree(first.root, second_root)
    shutil.rmtree(second_root / "monitoring")
    ingest(load(second_root), [path], IngestOptions())
    assert tree_digest(second_root / "monitoring") == digest


BAD_CASES: dict[str, tuple[str, str, str]] = {
    # name: (file content, expected "path-suffix:line: rule", message fragment)
    "unknown-model": (
        "model_id,ts,metric,value\ncredit-default-scorr,2026-11-20T06:00:00Z,auc,0.8\n",
        ":2: ingest-unknown-model",
        "no model card 'credit-default-scorr'; did you mean 'credit-default-scorer'?",
    ),
    "nan": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc,NaN\n",
        ":2: ingest-non-finite",
        "value is 'NaN': only finite numbers are stored",
    ),
    "inf": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc,0.8\n{CDS},2026-11-21T06:00:00Z,auc,-inf\n",
        ":3: ingest-non-finite",
        "value is '-inf'",
    ),
    "text-value": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc,high\n",
        ":2: ingest-bad-value",
        "value 'high' is not a number",
    ),
    "empty-value": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc,\n",
        ":2: ingest-bad-value",
        "value is empty",
    ),
    "missing-column": (
        f"model_id,ts,metric\n{CDS},2026-11-20T06:00:00Z,auc\n",
        ":1: ingest-missing-column",
        "required column 'value' is missing",
    ),
    "unknown-column": (
        f"model_id,ts,metric,value,colour\n{CDS},2026-11-20T06:00:00Z,auc,0.8,red\n",
        ":1: ingest-unknown-column",
        "unknown column 'colour'",
    ),
    "naive-timestamp": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20 06:00:00,auc,0.8\n",
        ":2: ingest-naive-timestamp",
        "has no time zone; write it with Z or +HH:MM, or pass --assume-utc",
    ),
    "bad-timestamp": (
        f"model_id,ts,metric,value\n{CDS},20/11/2026,auc,0.8\n",
        ":2: ingest-bad-timestamp",
        "'20/11/2026' is not an ISO 8601 timestamp",
    ),
    "conflicting-duplicate": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc,0.8\n{CDS},2026-11-20T07:00:00+01:00,auc,0.7\n",
        ":3: ingest-conflict",
        "auc of 'credit-default-scorer' at 2026-11-20T06:00:00Z is 0.7 here but 0.8 at",
    ),
    "empty-file": ("", ": ingest-empty-file", "the file is empty"),
    "header-only": ("model_id,ts,metric,value\n", ": ingest-empty-file", "header but no rows"),
    "bad-metric": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,AUC score,0.8\n",
        ":2: ingest-bad-metric",
        "'AUC score' is not a metric name",
    ),
    "empty-metric": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,,0.8\n",
        ":2: ingest-empty-metric",
        "metric is empty",
    ),
    "bad-segment": (
        f"model_id,ts,metric,segment,value\n{CDS},2026-11-20T06:00:00Z,auc, age<25,0.8\n",
        ":2: ingest-bad-segment",
        "no leading or trailing spaces",
    ),
    "row-width": (
        f"model_id,ts,metric,value\n{CDS},2026-11-20T06:00:00Z,auc\n",
        ":2: ingest-row-width",
        "3 cells, but the header has 4 columns",
    ),
    "ten-thousand-columns": (
        ",".join(f"c{i}" for i in range(10_000))
        + "\n"
        + ",".join("1" for _ in range(10_000))
        + "\n",
        ":1: ingest-too-many-columns",
        "10,000 columns (at most 1,000)",
    ),
}


@pytest.fixture
def baseline(catalog, export) -> tuple[Catalog, str]:
    """The catalog with GOOD already ingested, and the store's digest."""
    ingest(catalog, [export("base.csv", GOOD)], IngestOptions())
    return catalog, tree_digest(catalog.root / "monitoring")


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_export_is_rejected_whole(case, baseline, tmp_path) -> None:
    catalog, digest = baseline
    content, where, fragment = BAD_CASES[case]
    path = tmp_path / f"{case}.csv"
    good_row = f"{CDS},2026-11-22T06:00:00Z,auc,0.85\n"
    path.write_text(
        content
        + (
            good_row
            if content.startswith("model_id,ts,metric,value\n") and case != "header-only"
            else ""
        ),
        "utf-8",
    )
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions())
    shown = [str(p) for p in raised.value.problems]
    assert any(line.startswith(str(path) + where) and fragment in line for line in shown), shown
    assert tree_digest(catalog.root / "monitoring") == digest


def test_conflict_with_the_store_names_both_sources(baseline, export) -> None:
    catalog, digest = baseline
    path = export("late.csv", [[CDS, "3.2.0", "2026-11-20T06:00:00Z", "auc", "", "0.7"]])
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions())
    (problem,) = raised.value.problems
    assert problem.rule == "ingest-conflict" and problem.line == 2
    assert problem.message.startswith(
        "auc of 'credit-default-scorer' v3.2.0 at 2026-11-20T06:00:00Z is 0.7 here but 0.81 in "
        "the store (from base.csv@"
    )
    assert problem.message.endswith("pass --replace to overwrite it")
    assert tree_digest(catalog.root / "monitoring") == digest


def test_replace_overwrites_and_keeps_other_rows(baseline, export) -> None:
    catalog, _ = baseline
    path = export("fix.csv", [[CDS, "3.2.0", "2026-11-20T06:00:00Z", "auc", "", "0.7"]])
    report = ingest(catalog, [path], IngestOptions(replace=True))
    assert (report.replaced, report.added) == (1, 0)
    rows = rows_of(catalog)
    assert len(rows) == len(GOOD)
    auc = [r for r in rows if r[3] == "auc" and r[4] == ""]
    assert [(r[5], r[6].split("@")[0]) for r in auc] == [(0.7, "fix.csv")]
    assert not [p for p in store_of(catalog).verify() if p.severity == "error"]
    assert len(store_of(catalog).part_files()) == 1  # the month was rewritten as one part


def test_conflict_across_two_files_of_one_run(catalog, export) -> None:
    first = export("a.csv", [[CDS, "", "2026-11-20T06:00:00Z", "auc", "", "0.8"]])
    second = export("b.csv", [[CDS, "", "2026-11-20T06:00:00Z", "auc", "", "0.9"]])
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [first, second], IngestOptions())
    assert [str(p) for p in raised.value.problems] == [
        f"{second}:2: ingest-conflict: auc of 'credit-default-scorer' at 2026-11-20T06:00:00Z is "
        f"0.9 here but 0.8 at {first}:2; keep one of them"
    ]
    assert not (catalog.root / "monitoring").exists() or not store_of(catalog).part_files()


def test_skip_bad_writes_good_rows_and_a_rejects_file(catalog, export) -> None:
    path = export(
        "mixed.csv",
        [
            [CDS, "", "2026-11-20T06:00:00Z", "auc", "", "0.8"],
            ["nope-model", "", "2026-11-20T06:00:00Z", "auc", "", "0.8"],
            [CDS, "", "2026-11-20T06:00:00Z", "psi", "", "nan"],
        ],
    )
    report = ingest(catalog, [path], IngestOptions(skip_bad=True))
    assert (report.added, report.rejected) == (1, 2)
    assert [p.rule for p in report.problems] == ["ingest-unknown-model", "ingest-non-finite"]
    rejects = path.with_name("mixed.csv.rejects.jsonl")
    assert report.rejects_files == [rejects]
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(e["line"], e["rule"], e["row"]["model_id"]) for e in entries] == [
        (3, "ingest-unknown-model", "nope-model"),
        (4, "ingest-non-finite", CDS),
    ]
    assert [r[3] for r in rows_of(catalog)] == ["auc"]


def test_assume_utc_and_model_option(catalog, export) -> None:
    path = export(
        "naive.csv", [["2026-11-20 06:00:00", "accuracy", "0.8"]], ["ts", "metric", "value"]
    )
    with pytest.raises(ProblemsFound):
        ingest(catalog, [path], IngestOptions(model="churn-predictor"))
    ingest(catalog, [path], IngestOptions(model="churn-predictor", assume_utc=True))
    (row,) = rows_of(catalog)
    assert row[0] == "churn-predictor"
    assert row[2] == int(dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC).timestamp() * 1e6)


def test_wide_format_with_mapping(catalog, export) -> None:
    path = export(
        "wide.csv",
        [
            [CDS, "2026-11-20T06:00:00Z", "0.81", "0.04"],
            [CDS, "2026-11-21T06:00:00Z", "0.8", "0.06"],
        ],
        ["model_id", "ts", "AUC", "psi_total"],
    )
    report = ingest(catalog, [path], IngestOptions(wide=WideMapping.parse("AUC=auc,psi_total=psi")))
    assert report.added == 4
    assert sorted((r[3], r[5]) for r in rows_of(catalog)) == [
        ("auc", 0.8),
        ("auc", 0.81),
        ("psi", 0.04),
        ("psi", 0.06),
    ]


def test_wide_value_problem_names_the_column(catalog, export) -> None:
    path = export("wide.csv", [[CDS, "2026-11-20T06:00:00Z", "x"]], ["model_id", "ts", "AUC"])
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions(wide=WideMapping.parse("AUC=auc")))
    assert [str(p) for p in raised.value.problems] == [
        f"{path}:2: ingest-bad-value:  column 'AUC': value 'x' is not a number"
    ]


def test_parquet_and_jsonl_exports(catalog, tmp_path) -> None:
    table = pa.table(
        {
            "model_id": [CDS, CDS],
            "ts": pa.array(
                [
                    dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC),
                    dt.datetime(2026, 11, 21, 6, tzinfo=dt.UTC),
                ],
                pa.timestamp("ms", tz="UTC"),
            ),
            "metric": ["auc", "auc"],
            "value": [0.8, 0.79],
        }
    )
    parquet = tmp_path / "export.parquet"
    pq.write_table(table, parquet)
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text(
        json.dumps({"model_id": CDS, "ts": "2026-11-22T06:00:00Z", "metric": "psi", "value": 0.1})
        + "\n\n"
        + json.dumps(
            {
                "model_id": CDS,
                "ts": "2026-11-22T06:00:00Z",
                "metric": "auc",
                "segment": "age<25",
                "value": 0.7,
            }
        )
        + "\n"
    )
    report = ingest(catalog, [parquet, jsonl], IngestOptions())
    assert report.added == 4
    assert sorted((r[3], r[4], r[5]) for r in rows_of(catalog)) == [
        ("auc", "", 0.79),
        ("auc", "", 0.8),
        ("auc", "age<25", 0.7),
        ("psi", "", 0.1),
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("truncated.parquet", None, ": ingest-unreadable: not a readable parquet file"),
        ("lines.jsonl", '{"model_id": "x"\n', ":1: ingest-malformed-json: not valid JSON"),
        ("report.json", '{"metrics": [', ":1:14: ingest-malformed-json: not valid JSON"),
        ("text-value.parquet", "text", ": row 1: value 'high' is not a number"),
        ("naive.parquet", "naive", ": row 1: ts '2026-11-20T06:00:00' has no time zone"),
    ],
)
def test_bad_parquet_and_json_files(name, content, expected, catalog, tmp_path) -> None:
    path = tmp_path / name
    if name == "truncated.parquet":
        good = tmp_path / "good.parquet"
        pq.write_table(
            pa.table(
                {
                    "model_id": [CDS],
                    "ts": ["2026-11-20T06:00:00Z"],
                    "metric": ["auc"],
                    "value": [0.8],
                }
            ),
            good,
        )
        path.write_bytes(good.read_bytes()[:-30])
    elif content == "text":
        pq.write_table(
            pa.table(
                {
                    "model_id": [CDS],
                    "ts": ["2026-11-20T06:00:00Z"],
                    "metric": ["auc"],
                    "value": ["high"],
                }
            ),
            path,
        )
    elif content == "naive":
        pq.write_table(
            pa.table(
                {
                    "model_id": [CDS],
                    "ts": [dt.datetime(2026, 11, 20, 6)],
                    "metric": ["auc"],
                    "value": [0.8],
                }
            ),
            path,
        )
    else:
        path.write_text(content)
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions())
    shown = [str(p) for p in raised.value.problems]
    assert any(line.startswith(str(path)) and expected in line for line in shown), shown
    assert not (catalog.root / "monitoring").exists() or not store_of(catalog).part_files()


def test_many_bad_rows_are_capped_in_the_report(catalog, export) -> None:
    path = export(
        "bad.csv",
        [[CDS, "", f"2026-11-20T06:00:{i % 60:02d}Z", "auc", "", "x"] for i in range(150)],
    )
    with pytest.raises(ProblemsFound) as raised:
        ingest(catalog, [path], IngestOptions())
    problems = raised.value.problems
    assert len(problems) == 101
    assert (
        str(problems[-1])
        == f"{path}: ingest-more-problems: 50 more bad rows not shown; nothing was written"
    )


def test_remote_store_is_read_only(make_catalog, export) -> None:
    from tests.monitoring.conftest import load

    root = make_catalog()
    (root / "settings.yaml").write_text("monitoring_store: s3://bank-ml/monitoring\n")
    catalog = load(root)
    with pytest.raises(StoreError, match="is remote: govcat reads it"):
        ingest(catalog, [export("a.csv", GOOD)], IngestOptions())


def test_a_second_writer_waits_for_the_lock(catalog, tmp_path) -> None:
    store = store_of(catalog)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.locked():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    try:
        with (
            pytest.raises(StoreError, match="another govcat ingest has held the store's lock"),
            store.locked(timeout_s=0.2),
        ):
            pass
    finally:
        release.set()
        holder.join()
    with store.locked(timeout_s=1):
        pass


# --- crash safety --------------------------------------------------------------

INGEST_CHILD = """
import sys
from pathlib import Path
from generator.validate import validate_catalog
from generator.monitoring.ingest import ingest, IngestOptions
catalog = validate_catalog(Path(sys.argv[1])).catalog
ingest(catalog, [Path(p) for p in sys.argv[2:]], IngestOptions(replace=True))
"""


def _run_child(root: Path, files: list[Path], crash_at: str | None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GOVCAT_STORE_CRASH_AT", None)
    if crash_at:
        env["GOVCAT_STORE_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_CHILD, str(root), *map(str, files)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _two_month_update(export: Callable[..., Path]) -> Path:
    rows = [
        [CDS, "3.2.0", f"2026-{m:02d}-{d:02d}T06:00:00Z", "auc", "", f"0.8{d % 10}"]
        for m in (9, 10, 12)
        for d in range(1, 29)
    ]
    rows.append([CDS, "3.2.0", "2026-11-20T06:00:00Z", "auc", "", "0.5"])  # replaces a stored row
    return export("update.csv", rows)


def _checksum_after(catalog: Catalog, update: Path, tmp_path: Path) -> str:
    """The store's checksum once the update is fully applied (in a copy of the catalog)."""
    import shutil

    from tests.monitoring.conftest import load

    copy = tmp_path / "finished"
    shutil.copytree(catalog.root, copy)
    ingest(load(copy), [update], IngestOptions(replace=True))
    return Store(copy / "monitoring").checksum()


@pytest.mark.parametrize("crash_at", ["mid-write", "before-journal", "after-journal", "mid-apply"])
def test_sigkill_during_ingest_leaves_store_before_or_after(
    crash_at, baseline, export, tmp_path
) -> None:
    catalog, _ = baseline
    store = store_of(catalog)
    update = _two_month_update(export)
    before, after = store.checksum(), _checksum_after(catalog, update, tmp_path)
    assert before != after
    child = _run_child(catalog.root, [update], crash_at)
    assert child.wait(120) == -signal.SIGKILL
    assert [p for p in store.verify() if p.severity == "error"] == []
    # a journal that was written is the commit point: readers already see "after"
    expected = after if crash_at in ("after-journal", "mid-apply") else before
    assert store.checksum() == expected
    # the next writer finishes or cleans up, then applies the update completely
    ingest(catalog, [update], IngestOptions(replace=True))
    assert store.checksum() == after
    assert not list((catalog.root / "monitoring").rglob("*.tmp"))
    assert not (catalog.root / "monitoring" / "_pending.json").exists()
    assert store.verify() == []


def test_external_sigkill_at_any_moment(baseline, export, tmp_path) -> None:
    import time

    catalog, _ = baseline
    store = store_of(catalog)
    update = _two_month_update(export)
    before, after = store.checksum(), _checksum_after(catalog, update, tmp_path)
    for delay in (0.5, 1.5, 3.0):
        child = _run_child(catalog.root, [update], None)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(120)
        assert [p for p in store.verify() if p.severity == "error"] == []
        assert store.checksum() in (before, after)
    ingest(catalog, [update], IngestOptions(replace=True))
    assert store.checksum() == after
