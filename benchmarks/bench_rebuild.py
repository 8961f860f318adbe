"""Rebuild benchmark: cold vs warm `govcat build`, per engine, and edit-to-preview.

    python -m benchmarks.bench_rebuild [--large] [--json OUT.json]

On a synthetic project with a year of monitoring (1,000 models; 10,000 with --large):

- `govcat build` cold (no build/, no site/: no card cache, no engine cache) and warm
  (the nightly case: nothing changed since the last build), with `--engine mkdocs`
  and `--engine zensical`, interleaved cold/warm per engine, medians of 3 runs.
  Goal: a warm rebuild of 10,000 unchanged models in <= 30 s on 2 cores.
- edit-to-preview (1,000 models, both runs): `govcat serve` is started, one card's
  name is edited, and the model page is polled until the new name is served.
  Goal: <= 5 s from the file write to the new page being served.

The bare-`mkdocs build` floor of a full build lives in bench_site.py.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import (
    REPO,
    Measurement,
    bench_main,
    interleaved,
    progress,
    row,
    run_child,
    summarise,
    synthetic_project,
    tree_rss_bytes,
)

AREA = "rebuild"
GOVCAT = str(REPO / ".venv" / "bin" / "govcat")
ENGINES = ("mkdocs", "zensical")
MONITORING_DAYS = 365
WARM_GOAL_S = 30.0
PREVIEW_GOAL_S = 5.0


def _clean(project: Path) -> None:
    for name in ("build", "site"):
        shutil.rmtree(project / name, ignore_errors=True)


def _build(project: Path, engine: str) -> Measurement:
    return run_child(
        [GOVCAT, "build", "--catalog", "catalog", "--engine", engine, "--as-of", "2026-11-22"],
        cwd=project,
        timeout=3600,
    )


def builds(models: int) -> list[dict[str, Any]]:
    """Cold and warm builds with each engine."""
    project = synthetic_project(models, monitoring_days=MONITORING_DAYS)
    cases = {}
    for engine in ENGINES:
        cases[f"cold-{engine}"] = lambda engine=engine: _build(project, engine)
        cases[f"warm-{engine}"] = lambda engine=engine: _build(project, engine)

    def before_each(name: str) -> None:
        if name.startswith("cold-"):
            _clean(project)

    results = interleaved(cases, runs=3, label=f"rebuild {models:,}", before_each=before_each)
    rows = []
    for engine in ENGINES:
        cold, warm = results[f"cold-{engine}"], results[f"warm-{engine}"]
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, cold ({engine})",
                cold,
                notes="no build/ or site/: every card parsed, every page built; "
                "incl. aggregation of a year of monitoring and the Pagefind index",
            )
        )
        is_large = models >= 10_000
        rows.append(
            row(
                AREA,
                models,
                f"govcat build, warm nightly ({engine})",
                warm,
                floor=(f"cold build ({engine})", cold),
                goal=f"<= {WARM_GOAL_S:.0f} s at 10,000" if is_large else None,
                goal_met=(warm.wall_s <= WARM_GOAL_S) if is_large else None,
                notes="nothing changed since the last build (card cache, unchanged "
                "generated files, engine's own cache)",
            )
        )
    return rows


# --- edit-to-preview ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def _wait_for(url: str, predicate: Any, timeout: float, every: float = 0.05) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        body = _fetch(url)
        if body is not None and predicate(body):
            return time.perf_counter() - started
        time.sleep(every)
    return None


def edit_to_preview(models: int, edits: int = 3) -> list[dict[str, Any]]:
    """Start `govcat serve`, edit one card `edits` times, time each until it is served."""
    project = synthetic_project(models, monitoring_days=MONITORING_DAYS)
    card = sorted((project / "catalog" / "models").glob("*.yaml"))[len(ENGINES)]
    model_id = card.stem
    original = card.read_text(encoding="utf-8")
    name_line = next(line for line in original.splitlines() if line.startswith("name: "))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/models/{model_id}/"
    log = project / "serve.log"
    progress(f"preview {models:,}: starting govcat serve on port {port}")
    with open(log, "w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [GOVCAT, "serve", "--catalog", "catalog", "--port", str(port), "--as-of", "2026-11-22"],
            cwd=project,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_bytes(server.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    times: list[float] = []
    try:
        ready = _wait_for(url, lambda body: name_line[6:] in body, timeout=1800, every=0.5)
        if ready is None:
            raise RuntimeError(f"govcat serve did not serve {url}; see {log}")
        progress(f"preview {models:,}: first page served after {ready:.0f} s")
        time.sleep(2)  # let the first build settle (livereload's own start-up)
        for attempt in range(edits):
            token = f"edited{attempt}x{int(time.time())}"
            card.write_text(
                original.replace(name_line, f"{name_line} {token}", 1), encoding="utf-8"
            )
            elapsed = _wait_for(url, lambda body, token=token: token in body, timeout=120)
            if elapsed is None:
                raise RuntimeError(f"the edit {token} was not served within 120 s; see {log}")
            times.append(elapsed)
            progress(f"preview {models:,}: edit {attempt + 1}/{edits} served after {elapsed:.2f} s")
            time.sleep(2)
    finally:
        card.write_text(original, encoding="utf-8")
        stop.set()
        sampler.join()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with contextlib.suppress(OSError):
            shutil.rmtree(project / "build" / "preview", ignore_errors=True)
    summary = summarise([Measurement(t, peak / 2**20) for t in times])
    return [
        row(
            AREA,
            models,
            "edit-to-preview (govcat serve)",
            summary,
            goal=f"<= {PREVIEW_GOAL_S:.0f} s",
            goal_met=summary.wall_s <= PREVIEW_GOAL_S,
            notes=f"file write → new page served; runs {', '.join(f'{t:.2f}' for t in times)} s; "
            "RSS of the serve process",
        )
    ]


def run(large: bool) -> list[dict[str, Any]]:
    """1,000 models (and 10,000 with `large`): builds; edit-to-preview at 1,000."""
    rows = builds(1000)
    rows.extend(edit_to_preview(1000))
    if large:
        rows.extend(builds(10_000))
    return rows


if __name__ == "__main__":
    bench_main(AREA, run)
