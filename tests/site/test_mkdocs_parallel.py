"""MkDocs' build with pages in worker processes: the same site, the same warnings."""

from __future__ import annotations

import filecmp
import logging
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import mkdocs_parallel

pytestmark = pytest.mark.slow


def _project(tmp_path: Path, pages: int = 12) -> Path:
    docs = tmp_path / "docs"
    (docs / "models").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nSee [the first model](models/m000.md#usage).\n")
    (docs / "about.md").write_text("# About\n\n## Scope\n\nText.\n")
    for number in range(pages):
        (docs / "models" / f"m{number:03}.md").write_text(
            f"---\ntitle: Model {number}\n---\n\n# Model {number}\n\n## Usage\n\n"
            f"Back to [about](../about.md#scope), [home](../index.md).\n"
        )
    config = {
        "site_name": "Parallel",
        "theme": {"name": "material", "font": False},
        "plugins": [],
        "nav": [{"Home": "index.md"}, {"About": "about.md"}],
        "not_in_nav": "/models/\n",
        "markdown_extensions": [{"toc": {"permalink": True}}],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    return tmp_path / "mkdocs.yml"


def _build(
    config_file: Path,
    site: Path,
    workers: int,
    strict: bool = False,
    template_cache: Path | None = None,
) -> list[str]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    handler = Collect()
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        config = load_config(config_file=str(config_file), site_dir=str(site), strict=strict)
        if workers == 1:
            build(config)
        else:  # `usable` also wants no other thread: pytest's plugins may have some
            mkdocs_parallel.build(config, workers, template_cache=template_cache)
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    return messages


def _same_tree(left: Path, right: Path) -> None:
    compared = filecmp.dircmp(left, right)
    assert not compared.left_only and not compared.right_only, compared.report()
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    for name in compared.common_dirs:
        _same_tree(left / name, right / name)


def test_usable_only_without_plugins_and_with_several_workers(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    config_file = _project(tmp_path)
    config = load_config(config_file=str(config_file))
    assert not mkdocs_parallel.usable(config, 1)
    with_plugin = yaml.safe_load(config_file.read_text())
    with_plugin["plugins"] = ["search"]
    config_file.write_text(yaml.safe_dump(with_plugin))
    assert not mkdocs_parallel.usable(load_config(config_file=str(config_file)), 2)


def test_the_parallel_build_writes_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    config_file = _project(tmp_path)
    assert _build(config_file, tmp_path / "serial", 1) == []
    assert _build(config_file, tmp_path / "parallel", 3) == []
    assert (tmp_path / "parallel/models/m011/index.html").is_file()
    _same_tree(tmp_path / "serial", tmp_path / "parallel")
    # the theme's compiled templates kept between builds: written by the first, read by the next
    cache = tmp_path / "theme-templates"
    assert _build(config_file, tmp_path / "cold", 3, template_cache=cache) == []
    assert len(list(cache.iterdir())) > 10  # main.html, base.html and the partials
    assert _build(config_file, tmp_path / "warm", 3, template_cache=cache) == []
    _same_tree(tmp_path / "serial", tmp_path / "cold")
    _same_tree(tmp_path / "serial", tmp_path / "warm")


def test_warnings_from_workers_reach_the_caller_and_strict_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.exceptions import Abort

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    config_file = _project(tmp_path)
    broken = tmp_path / "docs/models/m005.md"
    broken.write_text(broken.read_text() + "\nSee [nowhere](missing.md) and [x](m001.md#nope).\n")
    config = yaml.safe_load(config_file.read_text())
    config["validation"] = {"anchors": "warn"}
    config_file.write_text(yaml.safe_dump(config))
    serial = _build(config_file, tmp_path / "serial", 1)
    parallel = _build(config_file, tmp_path / "parallel", 2)
    assert sorted(parallel) == sorted(serial)
    assert any("missing.md" in message for message in parallel)
    assert any("#nope" in message for message in parallel)  # a cross-worker anchor check
    with pytest.raises(Abort, match="strict mode"):
        _build(config_file, tmp_path / "strict", 2, strict=True)


def test_a_failing_page_fails_the_build(tmp_path: Path) -> None:
    from mkdocs.exceptions import Abort

    config_file = _project(tmp_path)
    config = yaml.safe_load(config_file.read_text())
    (tmp_path / "docs/models/m003.md").write_text("---\ntemplate: no-such.html\n---\n# x\n")
    config_file.write_text(yaml.safe_dump(config))
    with pytest.raises(Abort):
        _build(config_file, tmp_path / "parallel", 2)


def test_meanwhile_runs_while_the_workers_render_and_its_files_stay(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    config_file = _project(tmp_path)
    site = tmp_path / "site"
    seen: list[bool] = []

    def link_data() -> None:
        # the site folder was cleaned before: what is written now is kept
        seen.append(site.is_dir())
        (site / "models").mkdir(parents=True, exist_ok=True)
        (site / "models" / "m000.json").write_text("{}")

    config = load_config(config_file=str(config_file), site_dir=str(site))
    mkdocs_parallel.build(config, 2, meanwhile=link_data)
    assert seen == [True]
    assert (site / "models" / "m000.json").read_text() == "{}"
    assert (site / "models" / "m011" / "index.html").is_file()


def test_a_failing_meanwhile_still_waits_for_the_workers(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    config_file = _project(tmp_path)

    def fail() -> None:
        raise OSError("cannot link")

    config = load_config(config_file=str(config_file), site_dir=str(tmp_path / "site"))
    with pytest.raises(OSError, match="cannot link"):
        mkdocs_parallel.build(config, 2, meanwhile=fail)
    # every page is written: the error was raised after the workers were done
    pages = sorted((tmp_path / "site" / "models").glob("*/index.html"))
    assert len(pages) == 12


def test_theme_files_listed_once_per_process_are_mkdocs_own(tmp_path: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(config_file=str(_project(tmp_path)), site_dir=str(tmp_path / "site"))
    env = config.theme.get_env()

    def theme_files(add: Any) -> list[tuple[str, str | None, str]]:
        files = get_files(config)
        add(files)
        return [(file.src_uri, file.abs_src_path, file.dest_uri) for file in files]

    expected = theme_files(lambda files: files.add_files_from_theme(env, config))
    assert any(uri == "assets/javascripts/bundle.js" or "bundle" in uri for uri, _, _ in expected)
    for _ in range(2):  # listed, then from the process's memo
        assert theme_files(lambda files: mkdocs_parallel.add_theme_files(files, env, config)) == (
            expected
        )


def test_the_builder_process_builds_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functools import partial

    from generator.build import STATIC_DRAFTS, BuilderProcess, _build_with_mkdocs, link_static_files

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    config_file = _project(tmp_path, pages=120)
    config = yaml.safe_load(config_file.read_text())
    config["draft_docs"] = STATIC_DRAFTS  # data files are govcat's to link, as in a build
    pages = 122
    for name in ("here", "forked"):
        config["site_dir"] = name
        (tmp_path / f"{name}.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "docs" / "models" / "m000.json").write_text("{}")
    assert _build_with_mkdocs(tmp_path / "here.yml", False, pages) == []
    builder = BuilderProcess(tmp_path / "here.yml")  # warmed up from a previous config
    try:
        site = tmp_path / "forked"
        link = partial(link_static_files, tmp_path / "docs", site)
        assert builder.build(tmp_path / "forked.yml", False, pages, link) == []
    finally:
        builder.close()
    assert (site / "models" / "m000.json").read_text() == "{}"  # linked while it built
    (site / "models" / "m000.json").unlink()
    _same_tree(tmp_path / "here", site)


def test_the_builder_process_reports_a_failed_build_and_goes_away(tmp_path: Path) -> None:
    from functools import partial

    from generator.build import BuilderProcess, link_static_files
    from generator.errors import BuildError

    config_file = _project(tmp_path)
    (tmp_path / "docs/models/m003.md").write_text("---\ntemplate: no-such.html\n---\n# x\n")
    builder = BuilderProcess(config_file)
    try:
        with pytest.raises(BuildError, match="site build failed"):
            link = partial(link_static_files, tmp_path / "docs", tmp_path / "site")
            builder.build(config_file, False, 14, link)
    finally:
        builder.close()
    assert builder.pid == 0
    unused = BuilderProcess(config_file)  # validation failed: no build is sent
    pid = unused.pid
    unused.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_the_builder_warm_up_from_an_old_config_logs_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from generator.build import _warm_up_mkdocs

    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: Old\ndocs_dir: missing\nunknown_key: 1\n")
    with caplog.at_level(logging.DEBUG, logger="mkdocs"):
        _warm_up_mkdocs(config_file)
    assert caplog.records == []
    assert logging.root.manager.disable == logging.NOTSET


def test_the_builder_process_is_started_for_catalogs_up_to_its_size_only(
    minimal_catalog: Path, tmp_path: Path, monkeypatch
) -> None:
    """At 10,000 models MkDocs' page workers were slower forked from the builder process
    than from the pipeline's own: above BUILDER_MAX_MODELS cards it is not started."""
    from generator import build, pipeline

    started = []
    monkeypatch.setattr(
        build.BuilderProcess, "start", classmethod(lambda cls, config: started.append(config))
    )
    options = pipeline.BuildOptions(catalog=minimal_catalog, build_dir=tmp_path / "build")
    cards = len(list((minimal_catalog / "models").glob("*.yaml")))
    monkeypatch.setattr(pipeline, "BUILDER_MAX_MODELS", cards)
    pipeline._start_builder(options)
    assert started == [tmp_path / "build" / "mkdocs.yml"]
    monkeypatch.setattr(pipeline, "BUILDER_MAX_MODELS", cards - 1)
    assert pipeline._start_builder(options) is None
    monkeypatch.setattr(pipeline, "BUILDER_MAX_MODELS", cards)
    zensical = pipeline.BuildOptions(
        catalog=minimal_catalog, build_dir=tmp_path / "build", engine="zensical"
    )
    assert pipeline._start_builder(zensical) is None
    assert len(started) == 1
