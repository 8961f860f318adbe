"""Site benchmark: full `govcat build` against a bare `mkdocs build` of as many plain pages.

    python -m benchmarks.bench_site [--large] [--json OUT.json]

For 100 and 1,000 synthetic models with 90 days of monitoring (10,000 with
--large), interleaved, median of 3 runs each:

* `govcat build` (validate → aggregate → render → MkDocs, with the search index
  built beside it), with the time of each of its stages as the child reports it;
* the floor: `mkdocs build` of as many plain ~2 KB pages as the govcat site has
  (models, datasets, teams, tags and the section pages), with the same theme and
  plugins (Material, no search plugin) and a nav of the same shape (home and seven
  section pages as tabs, the rest outside the nav);
* the same build with `--engine zensical`;
* site size, bytes per model page, and in headless Chromium the search payload
  downloaded for one query and the time to its first result (cold: the index's
  manifest, token files and page files are fetched by that query; the time includes
  the search box's 100 ms debounce);
* edit-to-preview (1,000 models): `govcat serve`, edit one card, time until the
  served page shows the edit.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    REPO,
    WORK,
    bench_main,
    interleaved,
    progress,
    row,
    run_child,
    run_python,
    settle,
    synthetic_project,
)

AREA = "site"
AS_OF = "2026-11-20"
MONITORING_DAYS = 90
CHROMIUM = "/usr/bin/chromium"
RUN_DIR = WORK / "site-runs" / str(os.getpid())
"""This run's outputs: two benchmark runs at once (make bench and a manual one) must not
build into the same folders. The synthetic inputs are shared (read only)."""

BUILD_CODE = """
import sys, time
from pathlib import Path
from benchmarks.common import child_report
from generator.pipeline import BuildOptions, run
import datetime as dt
project, out = Path(sys.argv[1]), Path(sys.argv[4])
# a full build every run: without the memo and the stamp an unchanged site is not kept
# (skipping is measured in bench_rebuild); the card cache and generated files stay
(out / "build" / "build-memo.json").unlink(missing_ok=True)
(out / "build" / "site-stamp.json").unlink(missing_ok=True)
started = time.perf_counter()
report = run(BuildOptions(catalog=project / "catalog", project_dir=project,
                          build_dir=out / "build", site_dir=out / "site",
                          as_of=dt.date.fromisoformat(sys.argv[2]), engine=sys.argv[3]))
child_report(time.perf_counter() - started, pages=report.pages, **report.timings)
"""

FLOOR_PAGE = """---
title: Model {n}
---

# Model {n}

{text}

| field | value |
| --- | --- |
| owner | team-{team} |
| stage | production |
| risk | medium |

## Intended use

{text}
"""


FLOOR_SECTIONS = 7
"""Top-level pages beside the home page in the floor's nav (shown as tabs, like govcat's
Inventory, Alerts, Compliance, Datasets, Teams, Tags and Search)."""


def floor_project(pages: int, template: Path) -> Path:
    """`pages` plain ~2 KB pages with the project's theme config, as many as the govcat
    site has; the nav lists the home page and FLOOR_SECTIONS section pages, the rest
    are outside it (like model, dataset, team and tag pages)."""
    target = WORK / "site-floor" / f"p{pages}"
    marker = target / ".complete"
    if marker.is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    docs = target / "docs"
    (docs / "models").mkdir(parents=True)
    (docs / "index.md").write_text("# Floor\n\nPlain pages for the site-builder floor.\n")
    text = "A plain model page of about two kilobytes, the same for every model. " * 10
    nav = "  - Home: index.md\n"
    for n in range(1, FLOOR_SECTIONS + 1):
        (docs / f"section-{n}.md").write_text(f"# Section {n}\n\n{text}\n")
        nav += f"  - Section {n}: section-{n}.md\n"
    for n in range(pages - 1 - FLOOR_SECTIONS):
        (docs / "models" / f"model-{n:05d}.md").write_text(
            FLOOR_PAGE.format(n=n, team=n % 23, text=text)
        )
    config = template.read_text("utf-8")
    config += f"\ndocs_dir: docs\nsite_dir: site\nnav:\n{nav}not_in_nav: /models/\n"
    (target / "mkdocs.yml").write_text(config)
    marker.write_text("ok\n")
    return target


def tree_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def model_page_bytes(site: Path) -> float:
    pages = [p for p in (site / "models").glob("*/index.html")]
    return sum(p.stat().st_size for p in pages) / max(1, len(pages))


def search_probe(site: Path, query: str) -> dict[str, float]:
    """Cold search in headless Chromium: ms to the first result, bytes fetched from /search-index/."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    payload = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_page()
            page.goto(base + "search/")
            page.wait_for_load_state("networkidle")
            sizes: list[int] = []

            def on_response(response: Any) -> None:
                if "/search-index/" in response.url:
                    try:
                        sizes.append(len(response.body()))
                    except Exception:  # noqa: BLE001 - a failed body is counted as 0
                        sizes.append(0)

            page.on("response", on_response)
            elapsed = page.evaluate(
                """async (query) => {
                    const input = document.getElementById('gc-search-input');
                    const results = document.getElementById('gc-search-results');
                    const start = performance.now();
                    const done = new Promise(resolve => {
                        new MutationObserver((_, observer) => {
                            if (results.querySelector('a')) { observer.disconnect(); resolve(); }
                        }).observe(results, {childList: true, subtree: true});
                    });
                    input.value = query;
                    input.dispatchEvent(new Event('input'));
                    await done;
                    return performance.now() - start;
                }""",
                query,
            )
            page.wait_for_load_state("networkidle")
            payload = sum(sizes)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"first_result_ms": elapsed, "payload_kb": payload / 1024}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local server
            return response.read().decode("utf-8", "replace")
    except OSError:
        return None


def edit_to_preview(project: Path) -> dict[str, float]:
    """Seconds from writing a changed card to `govcat serve` serving the changed page."""
    scratch = RUN_DIR / f"serve-{project.name}"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(project / "catalog", scratch / "catalog")
    shutil.copy(project / "mkdocs.yml", scratch / "mkdocs.yml")
    card = sorted((scratch / "catalog" / "models").glob("*.yaml"))[0]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/models/{card.stem}/"
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "generator",
            "serve",
            "--catalog",
            "catalog",
            "--port",
            str(port),
            "--as-of",
            AS_OF,
        ],
        cwd=scratch,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        started = time.perf_counter()
        while _fetch(url) is None:
            if process.poll() is not None or time.perf_counter() - started > 900:
                raise RuntimeError("govcat serve did not come up")
            time.sleep(0.5)
        startup = time.perf_counter() - started
        time.sleep(2)
        marker = f"Edited {time.time_ns()}"
        text = card.read_text("utf-8")
        lines = [
            f"summary: {marker}." if line.startswith("summary:") else line
            for line in text.splitlines()
        ]
        edited = time.perf_counter()
        card.write_text("\n".join(lines) + "\n", encoding="utf-8")
        while marker not in (_fetch(url) or ""):
            if time.perf_counter() - edited > 300:
                raise RuntimeError("the edit never reached the served page")
            time.sleep(0.1)
        return {"edit_s": time.perf_counter() - edited, "startup_s": startup}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _search_query(project: Path) -> str:
    """A word from one model's name: what someone would type."""
    card = sorted((project / "catalog" / "models").glob("*.yaml"))[
        len(list((project / "catalog" / "models").glob("*.yaml"))) // 2
    ]
    for line in card.read_text("utf-8").splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip("\"'")
    return card.stem


def measure(models: int, *, runs: int, engines: bool, serve: bool) -> list[dict[str, Any]]:
    project = synthetic_project(models, monitoring_days=MONITORING_DAYS)
    out = RUN_DIR / f"govcat-m{models}"

    def govcat(engine: str) -> Any:
        return run_python(BUILD_CODE, str(project), AS_OF, engine, str(out), timeout=3600)

    # a first build, not measured: every measured run then starts from the state a nightly
    # build finds (card cache, generated files and a previous site in place), and the
    # floor gets as many pages as this site has
    warm_up = govcat("mkdocs")
    progress(f"site {models}: warm-up build {warm_up.wall_s:.2f} s")
    pages = sum(1 for _ in (out / "build" / "docs").rglob("*.md"))
    floor = floor_project(pages, project / "mkdocs.yml")

    floor_site = RUN_DIR / f"floor-m{models}"

    def bare_mkdocs() -> Any:
        command = [PYTHON, "-m", "mkdocs", "build", "-q", "-f", str(floor / "mkdocs.yml")]
        return run_child([*command, "-d", str(floor_site)], cwd=floor, timeout=3600)

    cases = {"govcat build": lambda: govcat("mkdocs"), "mkdocs floor": bare_mkdocs}
    if engines:
        cases["govcat build --engine zensical"] = lambda: govcat("zensical")
    results = interleaved(
        cases, runs=runs, label=f"site {models}", before_each=lambda _: settle(out / "site")
    )
    build = results["govcat build"]
    floor_summary = results["mkdocs floor"]
    stage = {
        name: statistics.median(run.extra.get(name, 0.0) for run in build.runs)
        for name in ("validate", "aggregate", "render", "build")
    }
    own = stage["validate"] + stage["aggregate"] + stage["render"]
    rows = [
        row(
            AREA,
            models,
            "govcat build (full)",
            build,
            floor=("mkdocs build, plain pages", floor_summary),
            goal="<= 1.25x floor",
            goal_ratio=1.25,
            notes=f"{build.extra.get('pages', '?')} pages incl. the search index; "
            f"govcat's own stages {own:.1f} s ({own / floor_summary.wall_s:.2f}x the floor), "
            f"site builder + search {stage['build']:.1f} s "
            f"({stage['build'] / floor_summary.wall_s:.2f}x the floor: MkDocs' pages in "
            "worker processes from 100 pages, where the floor is one process)",
        )
    ]
    for stage in ("validate", "aggregate", "render", "build"):
        timings = sorted(run.extra.get(stage, 0.0) for run in build.runs)
        rows.append(
            row(
                AREA,
                models,
                f"  stage: {stage}"
                + (" (site builder + search index)" if stage == "build" else ""),
                None,
                notes=f"median {timings[len(timings) // 2]:.2f} s",
            )
        )
    if engines:
        zensical = results["govcat build --engine zensical"]
        rows.append(
            row(
                AREA,
                models,
                "govcat build --engine zensical",
                zensical,
                floor=("mkdocs build, plain pages", floor_summary),
                notes="same generated tree; Zensical's own theme build",
            )
        )
    if engines:  # the last round ended with the Zensical build: rebuild with MkDocs
        subprocess.run(
            [PYTHON, "-c", BUILD_CODE, str(project), AS_OF, "mkdocs", str(out)],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
    site = out / "site"
    rows.append(
        row(
            AREA,
            models,
            "site size",
            None,
            notes=f"{tree_bytes(site) / 1e6:.1f} MB total; {model_page_bytes(site) / 1024:.1f} KB "
            f"per model page (floor {model_page_bytes(floor_site) / 1024:.1f} KB, "
            f"{tree_bytes(floor_site) / 1e6:.1f} MB)",
        )
    )
    if Path(CHROMIUM).exists():
        probe = search_probe(site, _search_query(project))
        rows.append(
            row(
                AREA,
                models,
                "search: first result (cold)",
                None,
                goal="<= 300 ms" if models >= 10_000 else None,
                goal_met=probe["first_result_ms"] <= 300 if models >= 10_000 else None,
                notes=f"{probe['first_result_ms']:.0f} ms; {probe['payload_kb']:.0f} KB "
                "downloaded from /search-index/ for the query (Material's lunr index: ~24 MB "
                "at 10,000)",
            )
        )
    if serve:
        preview = edit_to_preview(project)
        rows.append(
            row(
                AREA,
                models,
                "serve: edit to preview",
                None,
                goal="<= 5 s",
                goal_met=preview["edit_s"] <= 5,
                notes=f"{preview['edit_s']:.1f} s from card write to served page "
                f"(server start {preview['startup_s']:.0f} s)",
            )
        )
    return rows


def run(large: bool) -> list[dict[str, Any]]:
    progress(f"site: as of {AS_OF}, {MONITORING_DAYS} days of monitoring")
    rows = measure(100, runs=3, engines=True, serve=False)
    rows += measure(1000, runs=3, engines=True, serve=True)
    if large:
        # no Zensical at 10,000 (see bench_rebuild): ~2.5x slower than MkDocs at 1,000
        rows += measure(10_000, runs=3, engines=False, serve=False)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    return rows


if __name__ == "__main__":
    dt.date.fromisoformat(AS_OF)
    bench_main(AREA, run)
