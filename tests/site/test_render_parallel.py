"""Parallel render: forked workers write exactly the tree, digest and result of a serial render.

Fork is only used from a process's main thread with no other thread running, and
pytest-xdist workers run helper threads, so the renders that must go parallel run
in a fresh interpreter (a script below); the parallel path is asserted to have run
(`RenderResult.workers`), with the threshold lowered so a small catalog qualifies.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.render import PageWriter, Shard, _can_fork, _shard_owners, render_site
from generator.render.writer import Writer
from tests.conftest import load_minimal_card, write_card

EXTRA_MODELS = 24
AS_OF = dt.date(2026, 11, 20)

SCRIPT = r"""
import datetime as dt, json, sys
from pathlib import Path

import generator.render as render
from generator.pipeline import BuildOptions, prepare
from generator.render import Scope, render_site

catalog, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
options = BuildOptions(
    catalog=catalog, build_dir=out / "build", as_of=dt.date(2026, 11, 20), search=False
)
site = prepare(options).site


def summary(result):
    return {
        "pages": result.pages,
        "changed": result.changed,
        "removed": result.removed,
        "nav": [[n.title, n.path, n.order] for n in result.nav],
        "digest": result.digest,
        "workers": result.workers,
    }


def tree(name, **options):
    return render_site(site, out / name / "docs", out / name / "overrides", **options)


report = {}
if mode == "compare":
    for name in ("serial", "parallel"):  # a stale file each render must remove
        stale = out / name / "docs" / "models" / "retired-long-ago.md"
        stale.parent.mkdir(parents=True)
        stale.write_text("old")
    report["serial"] = summary(tree("serial", workers=1))
    report["parallel"] = summary(tree("parallel", workers=3, parallel_min_models=1))
    report["again"] = summary(tree("parallel", workers=3, parallel_min_models=1))
    report["default"] = summary(tree("default", workers=3))  # below the threshold
elif mode == "scope":
    tree("parallel", workers=2, parallel_min_models=1)
    card = catalog / "models" / "churn-predictor.yaml"
    card.write_text(card.read_text().replace("Churn Predictor", "Churn Predictor Two"))
    edited = prepare(options).site
    scope = Scope.around({"churn-predictor"}, edited, site)
    site = edited
    report["scoped"] = summary(tree("parallel", scope=scope, workers=2, parallel_min_models=1))
elif mode == "failing":

    def failing(site, out):
        for model_id in site.models:
            if out.wants("models", model_id) and not out.aggregates:
                raise ValueError(f"cannot render {model_id}")

    failing.shardable = True
    render.PAGE_PRODUCERS.append(failing)
    try:
        tree("parallel", workers=2, parallel_min_models=1)
    except ValueError as error:
        report["error"] = str(error)
    render.PAGE_PRODUCERS.remove(failing)

    def unpicklable(site, out):
        for model_id in site.models:
            if out.wants("models", model_id):
                out.keep("callbacks", model_id, lambda: None)

    unpicklable.shardable = True
    render.PAGE_PRODUCERS.append(unpicklable)
    try:
        tree("unpicklable", workers=2, parallel_min_models=1)
    except RuntimeError as error:
        report["unsent"] = str(error)
print(json.dumps(report))
"""


@pytest.fixture
def catalog(make_catalog) -> Path:
    """The minimal catalog plus enough models to split over several workers."""
    root = make_catalog()
    templates = [
        load_minimal_card("models", "credit-default-scorer"),
        load_minimal_card("models", "churn-predictor"),
    ]
    for number in range(EXTRA_MODELS):
        card = dict(templates[number % 2])
        card["id"] = f"model-{number:02d}"
        card["name"] = f"Model {number:02d} <b>bold</b>"
        card["tags"] = [f"tag-{number % 5}", "shared"]
        write_card(root, "models", card)
    return root


def _run(catalog: Path, out: Path, mode: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(catalog), str(out), mode],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_parallel_render_writes_what_a_serial_render_writes(catalog: Path, tmp_path: Path) -> None:
    report = _run(catalog, tmp_path, "compare")
    serial, parallel = report["serial"], report["parallel"]
    assert serial["workers"] == 1
    assert parallel["workers"] == 3
    assert {k: v for k, v in parallel.items() if k != "workers"} == {
        k: v for k, v in serial.items() if k != "workers"
    }
    assert parallel["removed"] == ["models/retired-long-ago.md"]
    assert "models/model-07.md" in parallel["changed"]
    for folder in ("docs", "overrides"):
        serial_files = _files(tmp_path / "serial" / folder)
        parallel_files = _files(tmp_path / "parallel" / folder)
        assert serial_files.keys() == parallel_files.keys()
        different = [p for p in serial_files if serial_files[p] != parallel_files[p]]
        assert different == []
    catalog_twin = json.loads((tmp_path / "parallel/docs/catalog.json").read_text())
    assert [m["card"]["id"] for m in catalog_twin["models"]] == sorted(
        ["churn-predictor", "credit-default-scorer", "legacy-scorecard"]
        + [f"model-{n:02d}" for n in range(EXTRA_MODELS)]
    )
    # a second parallel render of the same site rewrites and removes nothing
    assert report["again"]["changed"] == [] and report["again"]["removed"] == []
    assert report["again"]["digest"] == serial["digest"]
    # under the default threshold a catalog this small renders in one process
    assert report["default"]["workers"] == 1
    assert report["default"]["digest"] == serial["digest"]


def test_scoped_render_after_a_parallel_render_rewrites_only_the_edited_card(
    catalog: Path, tmp_path: Path
) -> None:
    scoped = _run(catalog, tmp_path, "scope")["scoped"]
    assert scoped["workers"] == 1  # the preview's partial render stays in one process
    assert "models/churn-predictor.md" in scoped["changed"]
    assert not any(p.startswith("models/model-") for p in scoped["changed"])
    assert scoped["removed"] == [] and scoped["digest"] == ""
    page = (tmp_path / "parallel/docs/models/churn-predictor.md").read_text()
    assert "Churn Predictor Two" in page


def test_an_error_in_a_worker_is_raised_by_the_render(catalog: Path, tmp_path: Path) -> None:
    report = _run(catalog, tmp_path, "failing")
    assert report["error"].startswith("cannot render ")
    # a value a worker cannot send back fails the render with the reason, never hangs it
    assert "pickle" in report["unsent"]


def test_every_item_goes_to_exactly_one_shard_and_the_parent_takes_less(
    catalog: Path, tmp_path: Path
) -> None:
    from generator.health import MonitoringSummary
    from generator.render import build_site_context
    from generator.validate import validate_catalog

    result = validate_catalog(catalog, today=AS_OF)
    site = build_site_context(result.catalog, MonitoringSummary(as_of=AS_OF), [], as_of=AS_OF)
    owners = _shard_owners(site, 3)
    assert owners["models"].keys() == site.models.keys()
    assert owners["tags"].keys() == site.tags.keys()
    shares = [sum(1 for s in owners["models"].values() if s == i) for i in range(3)]
    assert sum(shares) == len(site.models) and shares[0] < min(shares[1:])
    writers = [
        PageWriter(Writer(tmp_path), None, site, shard=Shard(i, owners))  # type: ignore[arg-type]
        for i in range(3)
    ]
    for model_id in site.models:
        assert sum(w.wants("models", model_id) for w in writers) == 1
    assert [w.aggregates for w in writers] == [True, False, False]


def test_writers_merge_and_refuse_a_file_written_by_two_processes(tmp_path: Path) -> None:
    parent, worker = Writer(tmp_path), Writer(tmp_path)
    parent.write("a.md", "a")
    worker.write("b.md", "b")
    parent.merge(worker.state())
    assert parent.written == {"a.md", "b.md"}
    assert parent.finish() == []
    other = Writer(tmp_path)
    other.write("b.md", "b")
    with pytest.raises(ValueError, match="written twice: b.md"):
        parent.merge(other.state())


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not _can_fork()
    finally:
        stop.set()
        thread.join()


def test_render_with_threads_running_stays_serial(minimal_catalog: Path, tmp_path: Path) -> None:
    from generator.health import MonitoringSummary
    from generator.render import build_site_context
    from generator.validate import validate_catalog

    result = validate_catalog(minimal_catalog, today=AS_OF)
    site = build_site_context(result.catalog, MonitoringSummary(as_of=AS_OF), [], as_of=AS_OF)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        rendered = render_site(
            site, tmp_path / "docs", tmp_path / "overrides", workers=2, parallel_min_models=1
        )
    finally:
        stop.set()
        thread.join()
    assert rendered.workers == 1
    assert (tmp_path / "docs/models/churn-predictor.md").is_file()


def test_finish_removes_what_no_process_wrote_and_the_folders_left_empty(tmp_path: Path) -> None:
    for stale in ("b/old.md", "a/deep/er/old.json", "z.md", "a/keep.md"):
        (tmp_path / stale).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / stale).write_text("old")
    parent, worker = Writer(tmp_path), Writer(tmp_path)
    parent.write("a/keep.md", "new")
    worker.write("c/new.md", "new")
    parent.merge(worker.state())
    assert parent.finish() == ["a/deep/er/old.json", "b/old.md", "z.md"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a",
        "a/keep.md",
        "c",
        "c/new.md",
    ]
    assert not list(tmp_path.rglob("*.tmp"))


def _never_read(path: str, limit: int) -> bytes | None:
    raise AssertionError(f"{path} was read although the record describes it")


def test_the_record_of_the_last_render_replaces_reading_unchanged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import writer as writer_module

    record = tmp_path / "cache" / "written-docs.marshal"
    first = Writer(tmp_path / "docs", record=record)
    for name in ("same.md", "edited.md", "tampered.md", "gone.md"):
        first.write(name, f"{name} v1")
    first.save_record()
    tampered = tmp_path / "docs" / "tampered.md"
    tampered.write_text("changed by hand, not by govcat")
    (tmp_path / "docs" / "gone.md").unlink()

    monkeypatch.setattr(writer_module, "_read_up_to", _never_read)
    second = Writer(tmp_path / "docs", record=record)
    second.write("same.md", "same.md v1")  # recorded size, time and hash: untouched
    second.write("edited.md", "edited.md v2")  # recorded, new hash: rewritten unread
    # the file no longer matches its record: it is compared by reading it
    monkeypatch.setattr(writer_module, "_read_up_to", lambda path, limit: b"?")
    second.write("tampered.md", "tampered.md v1")
    second.write("gone.md", "gone.md v1")
    assert sorted(second.changed) == ["edited.md", "gone.md", "tampered.md"]
    for name, text in [
        ("same.md", "same.md v1"),
        ("edited.md", "edited.md v2"),
        ("tampered.md", "tampered.md v1"),
        ("gone.md", "gone.md v1"),
    ]:
        assert (tmp_path / "docs" / name).read_text() == text
    second.save_record()
    third = Writer(tmp_path / "docs", record=record)
    assert third.known.keys() == {"same.md", "edited.md", "tampered.md", "gone.md"}


def test_an_unreadable_record_only_costs_reads(tmp_path: Path) -> None:
    record = tmp_path / "written.marshal"
    record.write_bytes(b"not marshal data")
    writer = Writer(tmp_path / "docs", record=record)
    assert writer.known == {}
    writer.write("a.md", "a")
    assert writer.changed == ["a.md"]


def test_a_partial_render_keeps_the_record_of_the_files_it_did_not_write(tmp_path: Path) -> None:
    record = tmp_path / "written.marshal"
    full = Writer(tmp_path / "docs", record=record)
    full.write("a.md", "a")
    full.write("b.md", "b")
    full.save_record()
    partial = Writer(tmp_path / "docs", record=record)
    partial.write("a.md", "a2")
    partial.save_record(partial=True)
    kept = Writer(tmp_path / "docs", record=record).known
    assert kept.keys() == {"a.md", "b.md"}
    assert kept["b.md"] == full.entries["b.md"] and kept["a.md"] != full.entries["a.md"]
