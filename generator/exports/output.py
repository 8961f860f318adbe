"""Where an export goes: a file (written atomically) or standard output (`-`)."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.scaffold import atomic_write


def write_output(target: str, data: bytes) -> None:
    """Write `data` to `target` (`-` for stdout) via a temporary file and a rename."""
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    atomic_write(Path(target), data)
