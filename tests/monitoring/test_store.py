"""The parquet store: layout, compact, verify, locations (local and object-store URLs)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from generator.errors import StoreError
from generator.monitoring.ingest import IngestOptions, ingest
from generator.monitoring.store import (
    Store,
    arrow_schema,
    open_store,
    remote_source,
    resolve_store,
    series_name,
    tree_digest,
)

CDS = "credit-default-scorer"


def _nightly(export, day: int, value: str = "0.8") -> Path:
    return export(
        f"night-{day:02d}.csv",
        [
            [CDS, "3.2.0", f"2026-11-{day:02d}T06:00:00Z", "auc", "", value],
            [CDS, "3.2.0", f"2026-10-{day:02d}T06:00:00Z", "psi", "", "0.05"],
        ],
    )


def test_compact_merges_parts_without_changing_rows(catalog, export) -> None:
    for day in (1, 2, 3):
        ingest(catalog, [_nightly(export, day)], IngestOptions())
    store = Store(catalog.root / "monitoring")
    assert len(store.part_files()) == 6  # one part per night and month
    checksum = store.checksum()
    assert store.compact() == (6, 2)
    assert [p.parent.name for p in store.part_files()] == ["month=10", "month=11"]
    assert store.checksum() == checksum
    assert store.verify() == []
    digest = tree_digest(store.root)
    assert store.compact() == (2, 2)
    assert tree_digest(store.root) == digest
    # still idempotent after compaction
    report = ingest(catalog, [_nightly(export, 2)], IngestOptions())
    assert (report.added, report.duplicates) == (0, 2)
    assert tree_digest(store.root) == digest


def _summaries(store: Store) -> list[str]:
    return sorted(p.relative_to(store.root).as_posix() for p in store.root.rglob("series-*"))


def test_every_part_has_its_series_summary_and_loses_it_with_the_part(catalog, export) -> None:
    from generator.monitoring.aggregate import series_summary

    for day in (1, 2):
        ingest(catalog, [_nightly(export, day)], IngestOptions())
    store = Store(catalog.root / "monitoring")
    parts = [p.relative_to(store.root).as_posix() for p in store.part_files()]
    assert _summaries(store) == sorted(series_name(part) for part in parts)
    for part in store.part_files():
        summary = pq.read_table(part.with_name(part.name.replace("part-", "series-")))
        assert summary.num_rows == 1  # one series per part here
        row = summary.to_pylist()[0]
        assert (row["model_id"], row["n"], row["version"]) == (CDS, 1, "3.2.0")
        assert part.with_name(part.name.replace("part-", "series-")).read_bytes() == (
            series_summary(part)
        )
    store.compact()  # merging a month's parts replaces their summaries by the new part's
    parts = [p.relative_to(store.root).as_posix() for p in store.part_files()]
    assert len(parts) == 2
    assert _summaries(store) == sorted(series_name(part) for part in parts)
    november = next(p for p in store.part_files() if p.parent.name == "month=11")
    summary = pq.read_table(november.with_name(november.name.replace("part-", "series-")))
    assert summary.column("n").to_pylist() == [2]
    # --replace rewrites the month: the old part's summary goes with it
    ingest(catalog, [_nightly(export, 2, value="0.7")], IngestOptions(replace=True))
    parts = [p.relative_to(store.root).as_posix() for p in store.part_files()]
    assert _summaries(store) == sorted(series_name(part) for part in parts)
    assert store.verify() == []


def test_compact_writes_missing_summaries_and_verify_checks_them(catalog, export) -> None:
    ingest(catalog, [_nightly(export, 1)], IngestOptions())
    store = Store(catalog.root / "monitoring")
    october, november = sorted(store.part_files(), key=lambda p: p.parent.name)
    summary_of = {
        part: part.with_name(part.name.replace("part-", "series-")) for part in (october, november)
    }
    summary_of[october].unlink()  # a part from before summaries existed
    wrong = pq.read_table(summary_of[november]).to_pylist()
    wrong[0]["last_value"] = 0.1  # a summary that no longer tells the part's truth
    pq.write_table(
        pa.Table.from_pylist(wrong, schema=pq.read_schema(summary_of[november])),
        summary_of[november],
    )
    (store.root / "year=2026" / "month=11" / "series-0123456789abcdef.parquet").write_bytes(b"x")
    problems = {(Path(p.path).name, p.rule, p.severity) for p in store.verify()}
    assert problems == {
        (october.name, "store-summary-missing", "warning"),
        (summary_of[november].name, "store-summary-stale", "error"),
        ("series-0123456789abcdef.parquet", "store-summary-orphan", "error"),
    }
    summary_of[november].unlink()
    (store.root / "year=2026" / "month=11" / "series-0123456789abcdef.parquet").unlink()
    assert store.compact() == (2, 2)
    assert store.verify() == []
    assert all(path.is_file() for path in summary_of.values())


def test_verify_reports_foreign_corrupt_and_misplaced_files(catalog, export) -> None:
    ingest(catalog, [_nightly(export, 1)], IngestOptions())
    store = Store(catalog.root / "monitoring")
    november = next(p for p in store.part_files() if p.parent.name == "month=11")
    october = next(p for p in store.part_files() if p.parent.name == "month=10")
    (store.root / "notes.txt").write_text("hello")
    data = bytearray(november.read_bytes())
    data[100] ^= 0xFF
    november.write_bytes(bytes(data))
    (october.parent.parent / "month=12").mkdir()
    moved = october.parent.parent / "month=12" / october.name
    october.rename(moved)
    (store.root / "year=2026" / "month=10" / "part-0000.parquet.tmp").write_bytes(b"x")
    problems = {(Path(p.path).name, p.rule, p.severity) for p in store.verify()}
    assert problems == {
        ("notes.txt", "store-foreign-file", "error"),
        (november.name, "store-corrupt", "error"),
        (moved.name, "store-partition", "error"),
        ("part-0000.parquet.tmp", "store-temporary", "warning"),
        # the moved part's summary stayed in month=10
        (moved.name.replace("part-", "series-"), "store-summary-orphan", "error"),
    }


def test_verify_reports_a_parquet_file_with_another_schema(catalog) -> None:
    store = Store(catalog.root / "monitoring")
    folder = store.root / "year=2026" / "month=11"
    folder.mkdir(parents=True)
    import hashlib
    import io

    buffer = io.BytesIO()
    pq.write_table(pa.table({"model_id": ["x"], "value": [1.0]}), buffer)
    data = buffer.getvalue()
    (folder / f"part-{hashlib.sha256(data).hexdigest()[:16]}.parquet").write_bytes(data)
    (problem,) = store.verify()
    assert problem.rule == "store-schema"
    assert "columns are ['model_id', 'value']" in problem.message


def test_parts_have_the_design_schema(catalog, export) -> None:
    ingest(catalog, [_nightly(export, 1)], IngestOptions())
    for part in Store(catalog.root / "monitoring").part_files():
        schema = pq.read_schema(part)
        assert schema.names == [
            "model_id",
            "model_version",
            "ts",
            "metric",
            "segment",
            "value",
            "source",
        ]
        assert schema.remove_metadata() == arrow_schema()
        assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"


def test_gitignore_keeps_lock_and_temporaries_out_of_git(catalog, export) -> None:
    ingest(catalog, [_nightly(export, 1)], IngestOptions())
    text = (catalog.root / "monitoring" / ".gitignore").read_text()
    assert text.splitlines()[1:] == [".lock", "_pending.json", "*.tmp"]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("monitoring", ("local", "cat/monitoring")),
        ("../shared/monitoring", ("local", "cat/../shared/monitoring")),
        ("/data/store", ("local", "/data/store")),
        ("s3://bank-ml/monitoring/", ("remote", "s3://bank-ml/monitoring")),
        ("S3://bank-ml/a/b", ("remote", "s3://bank-ml/a/b")),
        ("gs://bank-ml/monitoring", ("remote", "gs://bank-ml/monitoring")),
        ("gcs://bank-ml/monitoring", ("remote", "gs://bank-ml/monitoring")),
    ],
)
def test_store_locations(setting, expected) -> None:
    location = resolve_store(Path("cat"), setting)
    kind, where = expected
    assert location.is_remote == (kind == "remote")
    assert str(location) == where


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("http://example.com/store", "only a folder or an s3:// / gs:// URL is supported"),
        ("file:///tmp/store", "only a folder or an s3:// / gs:// URL is supported"),
        ("s3://", "is not a usable URL"),
        ("s3://bucket/../other", "is not a usable URL"),
    ],
)
def test_unusable_store_locations(setting, message) -> None:
    with pytest.raises(StoreError, match=message.replace("/", "/").replace(".", r"\.")):
        resolve_store(Path("cat"), setting)


def test_remote_store_is_read_through_httpfs_only() -> None:
    location = resolve_store(Path("cat"), "s3://bank-ml/monitoring")
    assert remote_source(location.url) == (
        "read_parquet('s3://bank-ml/monitoring/year=*/month=*/part-*.parquet', "
        "hive_partitioning=false, union_by_name=false)"
    )
    with pytest.raises(StoreError, match="ingests only into a local folder"):
        open_store(location)


def test_summarize_reads_a_remote_store_through_duckdb(make_catalog, monkeypatch) -> None:
    """The aggregation asks DuckDB for the bucket's parts (no network here: the SQL is checked)."""
    from generator.monitoring import aggregate
    from tests.monitoring.conftest import load

    root = make_catalog()
    (root / "settings.yaml").write_text("monitoring_store: gs://bank-ml/monitoring\n")
    location, source = aggregate.source_for(load(root))
    assert location.url == "gs://bank-ml/monitoring"
    assert source == remote_source("gs://bank-ml/monitoring")


def _history(store: Store) -> list[str]:
    return sorted(p.name for p in store.root.glob("history-*"))


def test_history_merges_the_older_months_and_follows_every_commit(catalog, export) -> None:
    """The older months' summaries merged into one history file, replaced in the commit
    that changes them, ignored when stale; the aggregation gives the same with it as
    without it, on days where it is read and days where it is not."""
    import datetime as dt

    from generator.monitoring.aggregate import _summaries_sql, summarize
    from generator.monitoring.store import history_plan

    months = [(2026, m) for m in range(1, 12)]
    rows = [
        [CDS, "3.2.0", f"{y}-{m:02d}-{d:02d}T06:00:00Z", metric, "", str(0.7 + 0.01 * d)]
        for y, m in months
        for d in (3, 17)
        for metric in ("auc", "psi")
    ]
    ingest(catalog, [export("year.csv", rows)], IngestOptions())
    store = Store(catalog.root / "monitoring")
    plan = history_plan([p.relative_to(store.root).as_posix() for p in store.root.rglob("*")])
    assert plan is not None and plan.through == (2026, 7)  # 4 months before November
    assert [name.split("/")[1] for name in plan.covered] == [f"month={m:02d}" for m in range(1, 8)]
    assert _history(store) == [plan.name]
    assert store.verify() == []

    def summaries(as_of: dt.date) -> tuple:
        summary = summarize(catalog, as_of=as_of)
        return tuple((m, h.status, h.reason, tuple(h.metrics)) for m, h in summary.models.items())

    days = [dt.date(2026, 11, 21), dt.date(2026, 8, 15), dt.date(2026, 3, 1)]
    with_history = [summaries(day) for day in days]
    location = resolve_store(catalog.root, "monitoring")
    read_start = int(dt.datetime(2026, 8, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000
    end = int(dt.datetime(2026, 11, 22, tzinfo=dt.UTC).timestamp()) * 1_000_000
    import duckdb

    sql = _summaries_sql(location, end, duckdb.connect(), read_start)
    assert plan.name in sql and "month=07/series-" not in sql and "month=08/series-" in sql

    # late data for March: the same commit replaces the history
    ingest(
        catalog,
        [export("late.csv", [[CDS, "3.2.0", "2026-03-09T06:00:00Z", "auc", "", "0.5"]])],
        IngestOptions(),
    )
    (replaced,) = _history(store)
    assert replaced != plan.name and store.verify() == []
    used = [summaries(day) for day in days]
    assert used[0] != with_history[0]  # one more observation of auc
    # a damaged history is reported; a stale one is reported and ignored
    history = store.root / replaced
    good = history.read_bytes()
    history.write_bytes(store.root.joinpath(plan.covered[0]).read_bytes())
    assert [p.rule for p in store.verify()] == ["store-history-corrupt"]
    history.unlink()
    (store.root / plan.name).write_bytes(good)
    assert sorted(p.rule for p in store.verify()) == [
        "store-history-missing",
        "store-history-stale",
    ]
    assert [summaries(day) for day in days] == used  # read without the history: the same
    store.compact()
    (current,) = _history(store)
    assert current not in (plan.name, replaced)  # March's two parts are one now
    assert store.verify() == [] and [summaries(day) for day in days] == used
