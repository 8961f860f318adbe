"""Helpers for the monitoring tests: exports written by code, a loaded catalog."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.catalog import Catalog
from generator.validate import validate_catalog

HEADER = ["model_id", "model_version", "ts", "metric", "segment", "value"]


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    """A CSV export (header + rows)."""
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load(root: Path) -> Catalog:
    """The valid catalog at `root`."""
    result = validate_catalog(root)
    assert not result.errors, result.errors
    return result.catalog


@pytest.fixture
def catalog(minimal_catalog: Path) -> Catalog:
    """The minimal catalog (credit-default-scorer: auc, psi; churn-predictor: accuracy)."""
    return load(minimal_catalog)


@pytest.fixture
def export(tmp_path: Path) -> Callable[..., Path]:
    """Factory: `export("name.csv", rows)` writes a CSV export into tmp_path/exports."""

    def make(name: str, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
        folder = tmp_path / "exports"
        folder.mkdir(exist_ok=True)
        return write_csv(folder / name, rows, header)

    return make
