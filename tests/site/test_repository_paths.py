"""The card path each model page links to in the repository (`pipeline._repository_paths`)."""

from __future__ import annotations

from pathlib import Path

from generator.pipeline import _repository_paths
from generator.validate import validate_catalog


def test_paths_are_relative_to_the_repository_top_and_follow_symlinked_cards(
    make_catalog, tmp_path: Path
) -> None:
    root = make_catalog()
    top = root.parent.resolve()
    models = sorted((root / "models").glob("*.yaml"))
    # one card is a symlink to a file kept elsewhere in the repository
    shared = top / "shared-cards"
    shared.mkdir()
    moved = shared / "kept-here.yaml"
    models[0].rename(moved)
    models[0].symlink_to(moved)
    catalog = validate_catalog(root).catalog

    paths = _repository_paths(catalog, top)

    relative_root = root.resolve().relative_to(top).as_posix()
    expected = {
        model_id: f"{relative_root}/models/{model_id}.yaml"
        for model_id in catalog.models
        if model_id != models[0].stem
    }
    expected[models[0].stem] = "shared-cards/kept-here.yaml"
    assert paths == expected


def test_a_catalog_outside_the_repository_has_no_paths(make_catalog, tmp_path: Path) -> None:
    catalog = validate_catalog(make_catalog()).catalog
    elsewhere = tmp_path / "another-repository"
    elsewhere.mkdir()
    assert _repository_paths(catalog, elsewhere.resolve()) == {}
