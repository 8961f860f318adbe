"""Where an export goes: a file (written atomically) or standard output (`-`)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def write_output(target: str, data: bytes) -> None:
    """Write `data` to `target` (`-` for stdout) via a temporary file and a rename."""
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
