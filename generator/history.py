"""Point in time: the catalog as it stood at a git revision or at the end of a date.

`govcat build --as-of REV|DATE` builds the examiner's "inventory at year-end":
the cards come from git history (one `git ls-tree` and one `git cat-file
--batch` via `generator.gitrepo`), materialised into a temporary folder, and
monitoring is aggregated up to that date (the monitoring files committed at that
revision, or, when the store is not in git, the current store cut at the date).

A DATE selects the last commit on or before the end of that day (committer
date, current branch). When no commit touched the catalog after that day, the
working tree already is the catalog as it stood, and it is used as it is.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import GovcatError
from generator.gitrepo import GitError, GitRepo


class HistoryError(GovcatError):
    """The catalog cannot be materialised at the requested point in time."""


@dataclass(frozen=True)
class PointInTime:
    """Where the catalog of a point in time is, and the date it stands for."""

    catalog: Path
    as_of: dt.date
    commit: str | None
    """The commit the cards come from; None when the working tree is used."""


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _commit_date(repo: GitRepo, commit: str) -> dt.date:
    output = repo.git("show", "-s", "--format=%cI", commit).decode().strip()
    return dt.datetime.fromisoformat(output).astimezone(dt.UTC).date()


def _commit_at_end_of(repo: GitRepo, day: dt.date, folder: str) -> tuple[str | None, bool]:
    """(last commit on or before the end of `day`, whether the catalog changed after it)."""
    end = f"{day.isoformat()}T23:59:59Z"
    before = repo.git("rev-list", "-1", f"--before={end}", "HEAD").decode().strip() or None
    later = repo.git("rev-list", "-1", f"--since={end}", "HEAD", "--", folder).decode().strip()
    return before, bool(later)


def materialise(repo: GitRepo, commit: str, folder: str, destination: Path) -> int:
    """Write every file below `folder` at `commit` into `destination`; return the count."""
    files = repo.read_files(commit, folder)
    prefix = PurePosixPath(folder)
    for path, content in files.items():
        relative = PurePosixPath(path).relative_to(prefix) if folder != "." else PurePosixPath(path)
        if ".." in relative.parts or relative.is_absolute():
            raise HistoryError(f"refusing to write '{path}' outside the catalog folder")
        target = destination.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return len(files)


@contextmanager
def point_in_time(catalog: Path, as_of: str | None) -> Iterator[PointInTime]:
    """The catalog at `as_of` (a date YYYY-MM-DD or a git revision), for the `with` block.

    Without `as_of`, or for a date outside a git repository, or a date after the
    catalog's last change, the working tree is used. Temporary files are removed
    when the block ends.
    """
    if as_of is None:
        yield PointInTime(catalog, dt.datetime.now(dt.UTC).date(), None)
        return
    day = _parse_date(as_of)
    try:
        repo = GitRepo.discover(catalog)
    except GitError:
        if day is None:
            raise HistoryError(
                f"--as-of {as_of}: not a date, and {catalog} is not in a git repository "
                "(a revision needs git history)"
            ) from None
        yield PointInTime(catalog, day, None)
        return
    folder = repo.relative(catalog)
    if day is not None:
        commit, changed_since = _commit_at_end_of(repo, day, folder)
        if not changed_since:
            yield PointInTime(catalog, day, None)
            return
        if commit is None:
            raise HistoryError(
                f"--as-of {as_of}: the repository has no commit on or before that date"
            )
    else:
        commit = repo.resolve(as_of)
        day = _commit_date(repo, commit)
    workspace = Path(tempfile.mkdtemp(prefix="govcat-as-of-"))
    try:
        destination = workspace / catalog.resolve().name
        destination.mkdir()
        if materialise(repo, commit, folder, destination) == 0:
            raise HistoryError(f"--as-of {as_of}: {folder}/ did not exist at commit {commit[:12]}")
        _link_monitoring(catalog, destination)
        yield PointInTime(destination, day, commit)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def _link_monitoring(catalog: Path, destination: Path) -> None:
    """Use the current monitoring store when the store was not committed at that revision.

    The store is append-only and the aggregation cuts it at the as-of date, so the
    current store shows exactly what was known by then (plus late arrivals).
    """
    from generator.validate import SETTINGS_FILE

    store = "monitoring"
    settings = destination / SETTINGS_FILE
    if settings.is_file():
        import yaml

        try:
            data = yaml.safe_load(settings.read_text("utf-8")) or {}
            store = str(data.get("monitoring_store", store)) if isinstance(data, dict) else store
        except yaml.YAMLError:
            return  # validation reports the broken settings file
    if "://" in store or Path(store).is_absolute():
        return
    target, current = destination / store, catalog / store
    if not target.exists() and current.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(current.resolve(), target, target_is_directory=True)
