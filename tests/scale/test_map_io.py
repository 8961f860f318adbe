"""`workers.map_io`: several reads in flight, results in the items' order."""

from __future__ import annotations

import threading
import time

import pytest

from generator.workers import IO_CHUNK, map_io


def test_results_keep_the_items_order_and_use_several_threads() -> None:
    seen: set[int] = set()

    def slow_square(n: int) -> int:
        seen.add(threading.get_ident())
        time.sleep(0.001 if n % 7 else 0.003)  # uneven, so chunks finish out of order
        return n * n

    items = list(range(IO_CHUNK * 6 + 5))
    assert map_io(slow_square, items) == [n * n for n in items]
    assert len(seen) > 1


def test_a_short_list_runs_in_this_thread() -> None:
    assert (
        map_io(lambda _: threading.get_ident(), list(range(IO_CHUNK)))
        == [threading.get_ident()] * IO_CHUNK
    )


def test_an_error_reaches_the_caller() -> None:
    def fail_on_99(n: int) -> int:
        if n == 99:
            raise OSError("disk gone")
        return n

    with pytest.raises(OSError, match="disk gone"):
        map_io(fail_on_99, list(range(IO_CHUNK * 3)))
