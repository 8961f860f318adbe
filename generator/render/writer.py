"""Write generated files only when their bytes change, and remove stale ones.

Keeping unchanged files untouched (same bytes, same mtime) lets `mkdocs serve`'s
dirty reload and the site builder's caches skip them: editing one card rewrites
that card's page and the few aggregate pages that mention it, nothing else.
Each write goes to a temporary file first and is renamed into place, so a
watcher never sees a half-written page.

Whether a file already holds the new bytes is known without reading it when a
record of the last render is given (`Writer(root, record=…)`): for each file it
wrote, its content hash, size and modification time. A file whose size and time
are still the recorded ones holds the recorded content, so comparing hashes is
enough; any other file is read and compared. At 10,000 models that replaces
reading 63,000 files with as many `stat` calls.

A parallel render gives each worker process its own `Writer` over the same root;
the parent merges what they wrote (`state()` / `merge()`), so `digest()`,
`changed` and `finish()` are what one serial writer would give.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from pathlib import Path, PurePosixPath
from typing import Any

from generator.cache import read_marshal_dict
from generator.jsontext import json_text
from generator.scaffold import atomic_write

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


WriterState = tuple[dict[str, str], list[str], dict[str, tuple[str, int, int]]]


def _size_and_time(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _load_record(record: Path | None) -> dict[str, tuple[str, int, int]]:
    """The last render's record ({} when there is none or it is unreadable)."""
    return {} if record is None else read_marshal_dict(record)


class Writer:
    """Collects the generated tree under `root`; `finish()` deletes what was not written."""

    def __init__(self, root: Path, *, record: Path | None = None) -> None:
        self.root = root
        self.changed: list[str] = []
        self.digests: dict[str, str] = {}
        """Path → content hash of every file written (the build stage's skip stamp)."""
        self._folders: set[str] = set()
        """Folders (relative) known to exist: one mkdir per folder, not per file."""
        self.record = record
        self.known: dict[str, tuple[str, int, int]] = _load_record(record)
        """The last render's files: path → (content hash, size, modification time)."""
        self.entries: dict[str, tuple[str, int, int]] = {}
        """The same for the files of this run (the next run's `known`)."""

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
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.digests[relative] = digest
        path = os.path.join(self.root, relative)
        known = self.known.get(relative)
        if known is not None and _size_and_time(path) == known[1:]:
            if known[0] == digest:  # still exactly what the last render wrote
                self.entries[relative] = known
                return
        elif _read_up_to(path, len(data) + 1) == data:
            self._note(relative, path, digest)
            return
        self._replace(relative, path, data)
        self._note(relative, path, digest)
        self.changed.append(relative)

    def _note(self, relative: str, path: str, digest: str) -> None:
        size_and_time = _size_and_time(path)
        if size_and_time is not None:
            self.entries[relative] = (digest, *size_and_time)

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
        """Write stable JSON (`generator.jsontext`): sorted keys, compact unless `indent`
        (two spaces)."""
        self.write(relative, json_text(value, indent=indent is not None) + "\n")

    def state(self) -> WriterState:
        """What this writer wrote (digests, changed paths, record entries): sent from a worker
        to the parent."""
        return self.digests, self.changed, self.entries

    def merge(self, state: WriterState) -> None:
        """Take over what another writer over the same root wrote (a worker's `state()`)."""
        digests, changed, entries = state
        twice = self.digests.keys() & digests.keys()
        if twice:
            raise ValueError(f"generated file written twice: {min(twice)}")
        self.digests.update(digests)
        self.changed.extend(changed)
        self.entries.update(entries)

    def save_record(self, *, partial: bool = False) -> None:
        """Keep what this run wrote for the next one (with `partial`, a render of some
        pages: the other files keep their entries). Atomic; a record that cannot be
        written only costs the next run its reads."""
        if self.record is None:
            return
        entries = {**self.known, **self.entries} if partial else self.entries
        with contextlib.suppress(OSError, ValueError):
            atomic_write(self.record, marshal.dumps(entries), durable=False)

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
