"""Rebuilds: nothing changed keeps the site in place; any change builds again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

AS_OF = "2026-11-20"


def build(project: Path, *args: str) -> object:
    return CliRunner().invoke(
        cli,
        [
            "build",
            "--catalog",
            str(project / "catalog"),
            "--build-dir",
            str(project / "build"),
            "--site-dir",
            str(project / "site"),
            *args,
        ],
    )


@pytest.mark.slow
def test_a_rebuild_with_nothing_changed_keeps_the_site_and_a_change_rebuilds(
    tmp_path: Path,
) -> None:
    shutil.copytree(Path(__file__).parents[1] / "catalogs" / "minimal", tmp_path / "catalog")
    first = build(tmp_path, "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    assert "unchanged since the last build" not in first.output
    site = tmp_path / "site"
    inode = site.stat().st_ino

    again = build(tmp_path, "--as-of", AS_OF)
    assert again.exit_code == 0, again.output
    assert "unchanged since the last build, site kept" in again.output
    assert "search index" in again.output  # the kept site's numbers are reported
    assert site.stat().st_ino == inode

    # another as-of date: health and dates can differ, so the site is built again
    other_day = build(tmp_path, "--as-of", "2026-11-21")
    assert other_day.exit_code == 0, other_day.output
    assert "unchanged since the last build" not in other_day.output
    assert site.stat().st_ino != inode

    card = tmp_path / "catalog/models/churn-predictor.yaml"
    card.write_text(card.read_text().replace("name: ", "name: Renamed ", 1))
    edited = build(tmp_path, "--as-of", "2026-11-21")
    assert edited.exit_code == 0, edited.output
    assert "unchanged since the last build" not in edited.output
    page = (site / "models/churn-predictor/index.html").read_text()
    assert "Renamed " in page

    # the site replaced behind govcat's back: built again, not trusted
    shutil.rmtree(site)
    rebuilt = build(tmp_path, "--as-of", "2026-11-21")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "unchanged since the last build" not in rebuilt.output
    assert (site / "index.html").is_file()
