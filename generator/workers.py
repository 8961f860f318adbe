"""How many worker processes a stage may use."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

WORKERS_ENV = "GOVCAT_WORKERS"
"""Environment variable capping the worker processes (1: everything in one process)."""
MAX_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


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


IO_THREADS = 8
"""Files read at once by `map_io`."""
IO_CHUNK = 64
"""Items per thread task in `map_io` (a task per file would cost more than a warm read)."""


def map_io(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[function(item) for item in items]`, with up to IO_THREADS calls at once.

    For functions that mostly read files: when the files are not in the page cache (a
    fresh checkout, a network disk, a machine that reclaims cold pages within seconds),
    reading them one after another waits on the disk for each; several reads in
    flight keep it busy. Warm, the threads cost a few percent.
    """
    if len(items) <= IO_CHUNK:
        return [function(item) for item in items]

    def chunk(start: int) -> list[R]:
        return [function(item) for item in items[start : start + IO_CHUNK]]

    with ThreadPoolExecutor(IO_THREADS) as pool:
        return [
            result for part in pool.map(chunk, range(0, len(items), IO_CHUNK)) for result in part
        ]
