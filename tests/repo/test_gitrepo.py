"""generator.gitrepo: reading files at a revision with a fixed number of git processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.gitrepo import FileChange, GitError, GitRepo


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.org")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "commit.gpgsign", "false")
    (tmp_path / "catalog" / "models").mkdir(parents=True)
    (tmp_path / "catalog" / "models" / "a.yaml").write_text("id: a\nname: A\n" * 20)
    (tmp_path / "catalog" / "models" / "b.yaml").write_text("id: b\n")
    (tmp_path / "catalog" / "empty.txt").write_bytes(b"")
    (tmp_path / "catalog" / "binary.bin").write_bytes(b"\x00\n\n\xff" * 10)
    (tmp_path / "catalog" / "späce name.yaml").write_text("x: 1\n")
    (tmp_path / "other.txt").write_text("outside the catalog\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "one")
    return GitRepo.discover(tmp_path / "catalog")


def test_discover_and_relative(repo: GitRepo) -> None:
    assert repo.relative(repo.top / "catalog") == "catalog"
    assert repo.relative(repo.top) == "."
    with pytest.raises(GitError, match="is not inside the git repository"):
        repo.relative(repo.top.parent)


def test_read_files_returns_exact_bytes_through_one_batch(repo: GitRepo) -> None:
    files = repo.read_files("HEAD", "catalog")
    assert sorted(files) == [
        "catalog/binary.bin",
        "catalog/empty.txt",
        "catalog/models/a.yaml",
        "catalog/models/b.yaml",
        "catalog/späce name.yaml",
    ]
    assert files["catalog/binary.bin"] == b"\x00\n\n\xff" * 10
    assert files["catalog/empty.txt"] == b""
    assert files["catalog/models/b.yaml"] == b"id: b\n"
    assert files["catalog/models/a.yaml"] == b"id: a\nname: A\n" * 20


def test_read_blobs_of_nothing_runs_no_git(repo: GitRepo) -> None:
    assert repo.read_blobs([]) == {}


def test_missing_blob_is_an_error(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="missing"):
        repo.read_blobs(["0" * 40])


def test_changed_files_between_revisions_and_against_the_working_tree(repo: GitRepo) -> None:
    top = repo.top
    git(top, "mv", "catalog/models/a.yaml", "catalog/models/c.yaml")
    (top / "catalog" / "models" / "b.yaml").unlink()
    (top / "catalog" / "empty.txt").write_text("now with text\n")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "two")
    assert repo.changed_files("HEAD~1", "HEAD", "catalog") == [
        FileChange("M", "catalog/empty.txt", "catalog/empty.txt"),
        FileChange("D", "catalog/models/b.yaml", None),
        FileChange("R", "catalog/models/a.yaml", "catalog/models/c.yaml"),
    ]
    (top / "catalog" / "models" / "new.yaml").write_text("id: new\n")  # untracked
    (top / "other.txt").write_text("changed, but outside the folder\n")
    assert repo.changed_files("HEAD", None, "catalog") == [
        FileChange("A", None, "catalog/models/new.yaml")
    ]


def test_revisions_are_resolved_or_refused(repo: GitRepo) -> None:
    assert len(repo.resolve("main")) == 40
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        repo.resolve("nope")
    with pytest.raises(GitError, match="is not a revision"):
        repo.resolve("--output=/tmp/x")
