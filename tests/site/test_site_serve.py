"""`govcat serve`: the preview serves the site and shows an edited card within seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_serve_rebuilds_the_page_of_an_edited_card(minimal_catalog: Path, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/models/churn-predictor/"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "serve",
            "--catalog",
            str(minimal_catalog),
            "--build-dir",
            str(tmp_path / "build"),
            "--port",
            str(port),
            "--as-of",
            "2026-11-20",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert _wait_for(lambda: _get(url) is not None, 90), "the preview never came up"
        assert "Probability that a retail customer" in (_get(url) or "")
        card = minimal_catalog / "models/churn-predictor.yaml"
        card.write_text(
            card.read_text().replace("Probability that a retail", "Edited, probability that a")
        )
        assert _wait_for(lambda: "Edited, probability" in (_get(url) or ""), 30)
        # an invalid edit keeps the last good page and reports the problem
        card.write_text(card.read_text().replace("owner: credit-risk-ml", "owner: nobody-here"))
        time.sleep(3)
        assert "Edited, probability" in (_get(url) or "")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert b"Traceback" not in errors
    assert b"churn-predictor.yaml" in errors and b"nobody-here" in errors
