"""Write generated files only when their bytes change, and remove stale ones.

Keeping unchanged files untouched (same bytes, same mtime) lets `mkdocs serve`'s
dirty reload and the site builder's caches skip them: editing one card rewrites
that card's page and the few aggregate pages that mention it, nothing else.
Each write goes to a temporary file first and is renamed into place, so a
watcher never sees a half-written page.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

from generator.scaffold import atomic_write


class Writer:
    """Collects the generated tree under `root`; `finish()` deletes what was not written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()
        self.changed: list[str] = []
        self.digests: dict[str, str] = {}
        """Path → content hash of every file written (the build stage's skip stamp)."""

    def write(self, relative: str, content: str | bytes) -> None:
        """Write `content` to `root/relative` unless the file already holds exactly it."""
        relative = PurePosixPath(relative).as_posix()
        if relative in self.written:
            raise ValueError(f"generated file written twice: {relative}")
        if relative.startswith("/") or ".." in PurePosixPath(relative).parts:
            raise ValueError(f"generated path escapes the output folder: {relative}")
        self.written.add(relative)
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.digests[relative] = hashlib.blake2b(data, digest_size=16).hexdigest()
        path = self.root / relative
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return
        except FileNotFoundError:
            pass
        atomic_write(path, data, durable=False)
        self.changed.append(relative)

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
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                relative = path.relative_to(self.root).as_posix()
                if relative not in self.written:
                    path.unlink()
                    removed.append(relative)
        for directory in sorted(self.root.rglob("*"), reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
        return removed
