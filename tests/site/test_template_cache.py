"""Compiled site templates kept in build/cache between builds (`render._CompiledTemplates`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import render
from generator.render import SITE_TEMPLATES, make_environment


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(SITE_TEMPLATES, copy)
    (copy / "pages" / "probe.md.j2").write_text("version one: {{ name }}\n")
    # a fresh process: nothing compiled in memory
    monkeypatch.setattr(render, "_COMPILED", {})
    return copy


def _render(templates: Path, cache: Path) -> str:
    render._COMPILED.clear()  # as in the next build's process
    return make_environment(templates, cache).get_template("probe.md.j2").render(name="x")


def test_a_template_compiled_once_is_loaded_by_the_next_build(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    assert _render(templates, cache) == "version one: x\n"
    assert len(list(cache.glob("*.cache"))) == 1
    compiled: list[str] = []
    original = render.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(render.Environment, "compile", counting)
    assert _render(templates, cache) == "version one: x\n"
    assert compiled == []  # loaded, not compiled


def test_an_edited_template_is_compiled_again(templates: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _render(templates, cache)
    (templates / "pages" / "probe.md.j2").write_text("version two: {{ name }}\n")
    assert _render(templates, cache) == "version two: x\n"
    assert len(list(cache.glob("*.cache"))) == 1  # the stale entry was replaced


def test_a_new_compiler_does_not_load_old_bytecode(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    _render(templates, cache)
    monkeypatch.setattr(render, "_compiler_version", lambda: "othergovcat")
    assert _render(templates, cache) == "version one: x\n"
    assert [p.name.rsplit("-", 1)[1] for p in cache.glob("*.cache")] == ["othergovcat.cache"]
