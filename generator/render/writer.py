"""Write generated files only when their bytes change, and remove stale ones.

Keeping unchanged files untouched (same bytes, same mtime) lets `mkdocs serve`'s
dirty reload and the site builder's caches skip them: editing one card rewrites
that card's page and the few aggregate pages that mention it, nothing else.
Each write goes to a temporary file first and is renamed into place, so a
watcher never sees a half-written page.

A parallel render gives each worker process its own `Writer` over the same root;
the parent merges what they wrote (`state()` / `merge()`), so `digest()`,
`changed` and `finish()` are what one serial writer would give.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_OPEN_FLAGS |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_up_to(path: str, limit: int) -> bytes | None:
    """The first `limit` bytes of a file, None if there is none (plain system calls: a
    rebuild compares every generated file, so each call counts)."""
    try:
        handle = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    try:
        chunks = []
        while limit > 0:
            chunk = os.read(handle, limit)
            if not chunk:
                break
            chunks.append(chunk)
            limit -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


class Writer:
    """Collects the generated tree under `root`; `finish()` deletes what was not written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.changed: list[str] = []
        self.digests: dict[str, str] = {}
        """Path → content hash of every file written (the build stage's skip stamp)."""
        self._folders: set[str] = set()
        """Folders (relative) known to exist: one mkdir per folder, not per file."""

    @property
    def written(self) -> set[str]:
        """Every path written by this run."""
        return set(self.digests)

    def write(self, relative: str, content: str | bytes) -> None:
        """Write `content` to `root/relative` unless the file already holds exactly it."""
        if "//" in relative or "/." in relative or relative[:2] == "./" or relative[-1:] == "/":
            relative = PurePosixPath(relative).as_posix()  # the rare path not in normal form
        if relative in self.digests:
            raise ValueError(f"generated file written twice: {relative}")
        parts = relative.split("/")
        if relative.startswith("/") or ".." in parts or "" in parts:
            raise ValueError(f"generated path escapes the output folder: {relative}")
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.digests[relative] = hashlib.blake2b(data, digest_size=16).hexdigest()
        path = os.path.join(self.root, relative)
        if _read_up_to(path, len(data) + 1) == data:
            return
        self._replace(relative, path, data)
        self.changed.append(relative)

    def _replace(self, relative: str, path: str, data: bytes) -> None:
        """Temporary file beside `path`, then a rename: readers never see half a file."""
        folder, _, name = relative.rpartition("/")
        if folder not in self._folders:
            os.makedirs(os.path.join(self.root, folder), exist_ok=True)
            self._folders.add(folder)
        # one writer per process and file, so the process id makes the name unique
        temporary = os.path.join(os.path.dirname(path), f".{name}.{os.getpid()}.tmp")
        try:
            handle = os.open(temporary, _OPEN_FLAGS, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def write_json(self, relative: str, value: Any, *, indent: int | None = None) -> None:
        """Write stable JSON: sorted keys, no NaN, compact unless `indent` is given."""
        separators = (",", ":") if indent is None else (",", ": ")
        text = json.dumps(
            value,
            sort_keys=True,
            separators=separators,
            indent=indent,
            ensure_ascii=False,
            allow_nan=False,
        )
        self.write(relative, text + "\n")

    def state(self) -> tuple[dict[str, str], list[str]]:
        """What this writer wrote (digests, changed paths): sent from a worker to the parent."""
        return self.digests, self.changed

    def merge(self, state: tuple[dict[str, str], list[str]]) -> None:
        """Take over what another writer over the same root wrote (a worker's `state()`)."""
        digests, changed = state
        twice = self.digests.keys() & digests.keys()
        if twice:
            raise ValueError(f"generated file written twice: {min(twice)}")
        self.digests.update(digests)
        self.changed.extend(changed)

    def digest(self) -> str:
        """One hash of every path and content written: equal digests, equal trees."""
        total = hashlib.blake2b(digest_size=16)
        for relative in sorted(self.digests):
            total.update(f"{relative}\0{self.digests[relative]}\n".encode())
        return total.hexdigest()

    def finish(self) -> list[str]:
        """Delete files under `root` that this run did not write; return their paths."""
        removed = []
        if not self.root.is_dir():
            return removed
        root = str(self.root)
        for folder, _subfolders, files in os.walk(root, topdown=False):
            prefix = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if prefix == "." else prefix + "/"
            for name in files:
                relative = prefix + name
                if relative not in self.digests:
                    os.unlink(os.path.join(folder, name))
                    removed.append(relative)
            if prefix and not os.listdir(folder):
                os.rmdir(folder)
        return sorted(removed, key=lambda relative: relative.split("/"))
