"""How many worker processes a stage may use."""

from __future__ import annotations

import os

WORKERS_ENV = "GOVCAT_WORKERS"
"""Environment variable capping the worker processes (1: everything in one process)."""
MAX_WORKERS = 8


def worker_count(requested: int | None = None) -> int:
    """`requested`, else the CPUs this process may use, capped by GOVCAT_WORKERS and 8."""
    if requested is not None:
        return max(1, requested)
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        available = os.cpu_count() or 1
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting.isdigit() and int(setting) > 0:
        available = min(available, int(setting))
    return max(1, min(available, MAX_WORKERS))
