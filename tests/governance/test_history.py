"""Point in time: the catalog as it stood at a git revision or a date, from a repo built here."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.history import HistoryError, point_in_time
from generator.validate import validate_catalog
from tests.conftest import MINIMAL


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _set_stage(card: Path, stage: str) -> None:
    data = yaml.safe_load(card.read_text())
    data["stage"] = stage
    data["versions"][-1]["stage"] = stage
    card.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """Three commits: 2026-10-15 (3 models), 2026-11-01 (churn in production), 2026-11-10 (legacy gone)."""
    root = tmp_path_factory.mktemp("history")
    git(root, "init", "-q", "-b", "main")
    catalog = root / "catalog"
    shutil.copytree(MINIMAL, catalog)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "year-end", date="2026-10-15")
    git(root, "tag", "v2026.10")
    _set_stage(catalog / "models" / "churn-predictor.yaml", "production")
    git(root, "commit", "-q", "-am", "churn to production", date="2026-11-01")
    (catalog / "models" / "legacy-scorecard.yaml").unlink()
    git(root, "commit", "-q", "-am", "retire legacy", date="2026-11-10")
    return root


def _stages(catalog: Path) -> dict[str, str]:
    result = validate_catalog(catalog, today=dt.date(2026, 11, 22))
    assert result.errors == []
    return {m: card.stage.value for m, card in result.catalog.models.items()}


def test_a_date_gives_the_catalog_at_the_end_of_that_day(repo: Path) -> None:
    catalog = repo / "catalog"
    with point_in_time(catalog, "2026-10-31") as moment:
        assert moment.as_of == dt.date(2026, 10, 31)
        assert moment.commit == git(repo, "rev-parse", "v2026.10")
        assert moment.catalog != catalog
        assert _stages(moment.catalog) == {
            "churn-predictor": "staging",
            "credit-default-scorer": "production",
            "legacy-scorecard": "deprecated",
        }
        materialised = moment.catalog
    assert not materialised.exists()  # the temporary copy is removed afterwards
    with point_in_time(catalog, "2026-11-01") as moment:
        assert _stages(moment.catalog)["churn-predictor"] == "production"
        assert "legacy-scorecard" in _stages(moment.catalog)


def test_a_revision_gives_its_commit_and_date(repo: Path) -> None:
    with point_in_time(repo / "catalog", "HEAD~1") as moment:
        assert moment.as_of == dt.date(2026, 11, 1)
        assert set(_stages(moment.catalog)) == {
            "churn-predictor",
            "credit-default-scorer",
            "legacy-scorecard",
        }
    with point_in_time(repo / "catalog", "v2026.10") as moment:
        assert moment.as_of == dt.date(2026, 10, 15)


def test_a_date_after_the_last_change_uses_the_working_tree(repo: Path) -> None:
    with point_in_time(repo / "catalog", "2026-11-22") as moment:
        assert moment.catalog == repo / "catalog" and moment.commit is None
        assert set(_stages(moment.catalog)) == {"churn-predictor", "credit-default-scorer"}


def test_unknown_points_in_time_are_clear_errors(repo: Path, tmp_path: Path) -> None:
    from generator.gitrepo import GitError

    with (
        pytest.raises(HistoryError, match="no commit on or before that date"),
        point_in_time(repo / "catalog", "2026-01-01"),
    ):
        pass
    with (
        pytest.raises(GitError, match="unknown revision 'nope'"),
        point_in_time(repo / "catalog", "nope"),
    ):
        pass
    with (
        pytest.raises(HistoryError, match="not in a git repository"),
        point_in_time(tmp_path, "v1"),
    ):
        pass


@pytest.mark.slow
def test_build_as_of_reproduces_the_month_end_catalog(
    repo: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--catalog",
            str(repo / "catalog"),
            "--as-of",
            "2026-10-31",
            "--build-dir",
            str(tmp_path / "build"),
            "--site-dir",
            str(tmp_path / "site"),
            "--no-search",
        ],
    )
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    assert (site / "models" / "legacy-scorecard" / "index.html").is_file()
    churn = (site / "models" / "churn-predictor" / "index.html").read_text()
    assert "staging" in churn
    import json

    catalog_twin = json.loads((site / "catalog.json").read_text())
    assert "2026-10-31" in json.dumps(catalog_twin)
    ics = (site / "governance" / "reviews.ics").read_text()
    assert "DTSTAMP:20261031T000000Z" in ics
