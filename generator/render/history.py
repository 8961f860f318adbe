"""'Last changed' for every card, from ONE `git log` over the catalog folder.

One process for the whole catalog, not one per card: at 10,000 cards that is the
difference between a fraction of a second and minutes. Outside a git repository
(or without git) the site simply shows no history.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.render.context import LastChange

_RECORD = "\x1e"


def card_history(catalog_root: Path) -> tuple[dict[str, LastChange], Path | None]:
    """Repository path of each file under `catalog_root` → its last commit; and the repo top."""
    try:
        top = subprocess.run(
            ["git", "-C", str(catalog_root), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout.strip()
        log = subprocess.run(
            [
                "git",
                "-C",
                str(catalog_root),
                "log",
                "--no-renames",
                "--name-only",
                f"--format={_RECORD}%H%x09%aI%x09%an",
                "--",
                ".",
            ],
            capture_output=True,
            check=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}, None
    changes: dict[str, LastChange] = {}
    for record in log.split(_RECORD)[1:]:
        header, _, names = record.partition("\n")
        commit, date, author = (header.split("\t") + ["", "", ""])[:3]
        for name in names.splitlines():
            name = name.strip()
            if name and name not in changes:
                changes[name] = LastChange(date=date, author=author, commit=commit)
    return changes, Path(top)
