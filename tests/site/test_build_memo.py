"""The build memo: a rebuild whose inputs equal the last build's stops after hashing them."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from generator import memo
from generator.errors import ProblemsFound
from generator.pipeline import BuildOptions, inputs_digest, run

MINIMAL = Path(__file__).parents[1] / "catalogs" / "minimal"
AS_OF = dt.date(2026, 11, 20)


def _project(tmp_path: Path) -> BuildOptions:
    shutil.copytree(MINIMAL, tmp_path / "catalog")
    return BuildOptions(catalog=tmp_path / "catalog", project_dir=tmp_path, as_of=AS_OF)


def test_every_input_changes_the_digest(tmp_path: Path) -> None:
    options = _project(tmp_path)
    base = inputs_digest(options)
    assert base is not None
    assert inputs_digest(options) == base  # stable

    card = tmp_path / "catalog/models/churn-predictor.yaml"
    original = card.read_bytes()
    card.write_bytes(original + b"# a comment\n")
    assert inputs_digest(options) != base
    card.write_bytes(original)
    assert inputs_digest(options) == base

    new_file = tmp_path / "catalog/policy.yaml"
    new_file.write_text("profiles: [internal-default]\n")
    assert inputs_digest(options) != base
    new_file.unlink()

    # a large file (a monitoring part): path, size and modification time
    part = tmp_path / "catalog/monitoring/year=2026/month=11/part-x.parquet"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * (memo.CONTENT_LIMIT + 1))
    with_part = inputs_digest(options)
    assert with_part != base
    stat = part.stat()
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert inputs_digest(options) != with_part
    shutil.rmtree(tmp_path / "catalog/monitoring")
    assert inputs_digest(options) == base

    for changed in (
        BuildOptions(catalog=options.catalog, project_dir=tmp_path, as_of=dt.date(2026, 11, 21)),
        BuildOptions(catalog=options.catalog, project_dir=tmp_path, as_of=AS_OF, strict=True),
        BuildOptions(catalog=options.catalog, project_dir=tmp_path, as_of=AS_OF, search=False),
        BuildOptions(catalog=options.catalog, project_dir=tmp_path, as_of=AS_OF, engine="zensical"),
        BuildOptions(catalog=options.catalog, project_dir=tmp_path, as_of=AS_OF, audience="public"),
        BuildOptions(
            catalog=options.catalog, project_dir=tmp_path, as_of=AS_OF, site_dir=tmp_path / "x"
        ),
    ):
        assert inputs_digest(changed) != base

    (tmp_path / "mkdocs.yml").write_text("site_name: Models\n")
    assert inputs_digest(options) != base


def test_a_remote_store_never_skips(tmp_path: Path) -> None:
    options = _project(tmp_path)
    (tmp_path / "catalog/settings.yaml").write_text("monitoring_store: s3://bank/monitoring\n")
    assert inputs_digest(options) is None


@pytest.mark.slow
def test_an_unchanged_rebuild_skips_every_stage_and_reports_the_same(tmp_path: Path) -> None:
    options = _project(tmp_path)
    first = run(options)
    assert not first.build_skipped
    assert {"validate", "aggregate", "render", "build"} <= set(first.timings)
    index = tmp_path / "site/index.html"
    built_at = index.stat().st_mtime_ns

    generated = tmp_path / "build/docs/index.md"
    generated.unlink()  # render does not run again, so it is not written again
    again = run(options)
    assert again.build_skipped
    assert set(again.timings) == {"inputs"}
    assert not generated.exists()
    assert (again.models, again.pages, again.search_files) == (
        first.models,
        first.pages,
        first.search_files,
    )
    assert [str(p) for p in again.warnings] == [str(p) for p in first.warnings]
    assert index.stat().st_mtime_ns == built_at


@pytest.mark.slow
def test_a_failed_build_forgets_the_memo(tmp_path: Path) -> None:
    options = _project(tmp_path)
    run(options)
    assert memo.read_memo(tmp_path / "build")
    card = tmp_path / "catalog/models/churn-predictor.yaml"
    good = card.read_text()
    card.write_text(good.replace("name: ", "nme: ", 1))
    with pytest.raises(ProblemsFound):
        run(options)
    assert not memo.read_memo(tmp_path / "build")
    card.write_text(good)  # the inputs of the published site again: no memo, so stages run
    assert "render" in run(options).timings


def test_govcat_code_is_an_input_of_the_memo_and_the_site_stamp(
    tmp_path: Path, monkeypatch
) -> None:
    """Changed code (the same version number) is a different build: e.g. the search index
    is made by govcat from a generated tree that did not change."""
    from generator.build import build_stamp

    options = _project(tmp_path)

    def stamp() -> str:
        return build_stamp(
            config={"site_name": "x"},
            source_digest="tree",
            site_dir=tmp_path / "site",
            as_of=AS_OF,
            engine="mkdocs",
            strict=False,
            search=True,
        )

    before = (inputs_digest(options), stamp())
    assert before == (inputs_digest(options), stamp())
    monkeypatch.setattr(memo, "code_digest", lambda: "other code")
    after = (inputs_digest(options), stamp())
    assert after[0] != before[0] and after[1] != before[1]
