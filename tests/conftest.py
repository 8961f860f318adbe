"""Shared fixtures: catalogs built by code, and the committed sample catalogs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

TESTS = Path(__file__).parent
REPO = TESTS.parent
MINIMAL = TESTS / "catalogs" / "minimal"


def write_card(
    catalog: Path, folder: str, data: dict[str, Any] | str, name: str | None = None
) -> Path:
    """Write one card (a dict dumped as YAML, or raw text) and return its path."""
    card_id = name or (data["id"] if isinstance(data, dict) else "card")
    path = catalog / folder / f"{card_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load_minimal_card(folder: str, card_id: str) -> dict[str, Any]:
    """A card of the minimal catalog as a dict, to modify in a test."""
    return yaml.safe_load((MINIMAL / folder / f"{card_id}.yaml").read_text("utf-8"))


@pytest.fixture
def make_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a copy of tests/catalogs/minimal, with cards added, replaced or removed.

    `make_catalog(models=[{...}], remove=["models/churn-predictor"])` returns the
    catalog folder (tmp_path/catalog).
    """

    def make(
        *,
        models: list[dict[str, Any]] = (),
        datasets: list[dict[str, Any]] = (),
        teams: list[dict[str, Any]] = (),
        remove: list[str] = (),
        base: Path = MINIMAL,
    ) -> Path:
        catalog = tmp_path / "catalog"
        if catalog.exists():
            shutil.rmtree(catalog)
        shutil.copytree(base, catalog)
        for entry in remove:
            (catalog / f"{entry}.yaml").unlink()
        for folder, cards in (("models", models), ("datasets", datasets), ("teams", teams)):
            for card in cards:
                write_card(catalog, folder, card)
        return catalog

    return make


@pytest.fixture
def minimal_catalog(make_catalog: Callable[..., Path]) -> Path:
    """A writable copy of tests/catalogs/minimal."""
    return make_catalog()
