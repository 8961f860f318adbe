"""govcat turns off numpy's request for transparent huge pages (see `generator/__init__`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import generator, numpy; from numpy._core.multiarray import _get_madvise_hugepage; "
    "print(_get_madvise_hugepage())"
)


@pytest.mark.parametrize(("setting", "expected"), [(None, "False"), ("1", "True")])
def test_numpy_imported_after_govcat_asks_for_no_huge_pages_unless_told(setting, expected):
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = setting
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == expected
