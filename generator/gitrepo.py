"""Read a catalog as it was at a git revision, with a handful of git processes.

Everything here shells out to `git` with fixed argument lists (never a shell),
and reads many files through ONE `git cat-file --batch` process per call rather
than one `git show` per file: at 10,000 cards the difference is seconds against
minutes.

The helpers are deliberately general (any folder, any revision) so that other
stages — the governance diff, the audit history — can share them:

    repo = GitRepo.discover(Path("catalog"))
    entries = repo.list_files("main", "catalog")        # path → blob id
    texts = repo.read_blobs(entries.values())           # blob id → bytes
    changes = repo.changed_files("main", None, "catalog")  # against the working tree

Paths given to and returned by these helpers are POSIX paths relative to the
repository's top level.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import GovcatError


class GitError(GovcatError):
    """A git command failed (not a repository, unknown revision, git missing)."""


@dataclass(frozen=True)
class FileChange:
    """One entry of `git diff --name-status -M`: A(dded), D(eleted), M(odified), R(enamed)."""

    status: str
    old_path: str | None
    """The path at the base revision (None when added)."""
    new_path: str | None
    """The path at the head revision or in the working tree (None when deleted)."""


@dataclass(frozen=True)
class GitRepo:
    """A git working tree, addressed by its top-level folder."""

    top: Path

    @classmethod
    def discover(cls, path: Path) -> GitRepo:
        """The repository that contains `path` (a file or folder)."""
        start = path if path.is_dir() else path.parent
        if not start.exists():
            raise GitError(f"'{path}' does not exist")
        output = _run(["git", "rev-parse", "--show-toplevel"], start.resolve())
        return cls(Path(output.decode().strip()))

    def relative(self, path: Path) -> str:
        """`path` as a POSIX path relative to the repository's top level."""
        try:
            relative = path.resolve().relative_to(self.top.resolve())
        except ValueError:
            raise GitError(f"'{path}' is not inside the git repository at {self.top}") from None
        return PurePosixPath(relative).as_posix() if relative.parts else "."

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run `git <args>` in the repository and return its standard output."""
        return _run(["git", *args], self.top, stdin=stdin)

    def resolve(self, revision: str) -> str:
        """The full commit id of `revision` (a branch, tag, sha, `HEAD~2`, …)."""
        if revision.startswith("-"):
            raise GitError(f"'{revision}' is not a revision")
        try:
            output = self.git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
        except GitError:
            raise GitError(
                f"unknown revision '{revision}' — fetch it first (in CI: "
                "actions/checkout with fetch-depth: 0)"
            ) from None
        return output.decode().strip()

    def is_checked_out(self, revision: str, folder: str = ".") -> bool:
        """True when the working tree's `folder` is exactly `revision` (HEAD there, nothing
        modified, staged or untracked below it): its files can be read from disk."""
        try:
            head = self.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip()
        except GitError:
            return False
        if head != self.resolve(revision):
            return False
        status = self.git("status", "--porcelain", "-z", "--untracked-files=all", "--", folder)
        return not status

    def list_files(self, revision: str, folder: str = ".") -> dict[str, str]:
        """Every file below `folder` at `revision`: path → blob id, sorted by path."""
        commit = self.resolve(revision)
        output = self.git("ls-tree", "-r", "-z", "--full-tree", commit, "--", folder)
        entries: dict[str, str] = {}
        for record in output.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            _mode, kind, blob = meta.decode().split()
            if kind == "blob":
                entries[path.decode("utf-8", "surrogateescape")] = blob
        return dict(sorted(entries.items()))

    def read_blobs(self, blob_ids: Iterable[str]) -> dict[str, bytes]:
        """The content of many blobs through one `git cat-file --batch` process."""
        wanted = list(dict.fromkeys(blob_ids))
        if not wanted:
            return {}
        output = self.git("cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
        blobs: dict[str, bytes] = {}
        position = 0
        for blob in wanted:
            header_end = output.index(b"\n", position)
            header = output[position:header_end].decode().split()
            if len(header) < 3 or header[1] == "missing":
                raise GitError(f"git object {blob} is missing from the repository")
            size = int(header[2])
            start = header_end + 1
            blobs[blob] = output[start : start + size]
            position = start + size + 1  # the content is followed by a newline
        return blobs

    def read_files(self, revision: str, folder: str = ".") -> dict[str, bytes]:
        """Every file below `folder` at `revision`: path → content (two git processes)."""
        entries = self.list_files(revision, folder)
        blobs = self.read_blobs(entries.values())
        return {path: blobs[blob] for path, blob in entries.items()}

    def changed_files(
        self, base: str, head: str | None, folder: str = ".", *, renames: bool = True
    ) -> list[FileChange]:
        """Files below `folder` that differ between `base` and `head`.

        With `head=None` the comparison is against the working tree, including
        untracked (not ignored) files, which count as added. Renames are detected
        by content similarity (`git diff -M`) among tracked files.
        """
        revisions = [self.resolve(base)] + ([self.resolve(head)] if head else [])
        args = ["diff", "--name-status", "-z", "--no-ext-diff", "--no-renames"]
        if renames:
            args[-1] = "-M"
        output = self.git(*args, *revisions, "--", folder)
        changes = _parse_name_status(output)
        if head is None:
            untracked = self.git("ls-files", "-z", "--others", "--exclude-standard", "--", folder)
            for path in untracked.split(b"\0"):
                if path:
                    changes.append(FileChange("A", None, path.decode("utf-8", "surrogateescape")))
        return sorted(changes, key=lambda c: c.new_path or c.old_path or "")


def _parse_name_status(output: bytes) -> list[FileChange]:
    fields = [f.decode("utf-8", "surrogateescape") for f in output.split(b"\0")]
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            index += 3
            changes.append(
                FileChange("R", old, new) if status == "R" else FileChange("A", None, new)
            )
            continue
        path = fields[index + 1]
        index += 2
        if status == "A":
            changes.append(FileChange("A", None, path))
        elif status == "D":
            changes.append(FileChange("D", path, None))
        else:  # M, T (type change), U (unmerged): the file exists on both sides
            changes.append(FileChange("M", path, path))
    return changes


def _run(command: list[str], cwd: Path, *, stdin: bytes | None = None) -> bytes:
    try:
        completed = subprocess.run(command, input=stdin, capture_output=True, check=False, cwd=cwd)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit status {completed.returncode}"
        raise GitError(f"`{' '.join(command[1:])}` failed: {detail}")
    return completed.stdout
