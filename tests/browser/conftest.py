"""One site built per session from the hostile fixture catalog with monitoring, served locally.

Browser tests drive Debian's chromium through Playwright. They skip only when
chromium or Playwright is missing *and* CI is not set: in CI a missing browser
is a failure, never a silent skip.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import http.server
import math
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AS_OF = dt.date(2026, 11, 20)
HOSTILE = Path(__file__).parents[1] / "catalogs" / "hostile"


def monitoring_rows(as_of: dt.date, days: int = 100) -> list[list[object]]:
    """Daily auc/psi for credit-default-scorer (auc breaches in the last 4 days), accuracy
    for churn-predictor, auc for hostile-model."""
    rows: list[list[object]] = []
    for offset in range(days, -1, -1):
        day = as_of - dt.timedelta(days=offset)
        ts = f"{day.isoformat()}T06:00:00Z"
        wobble = 0.005 * math.sin(offset / 3)
        auc = 0.83 + wobble if offset > 3 else 0.76
        rows.append(["credit-default-scorer", "3.2.0", ts, "auc", "", round(auc, 4)])
        rows.append(
            ["credit-default-scorer", "3.2.0", ts, "psi", "", round(0.05 + offset / 4000, 4)]
        )
        rows.append(["churn-predictor", "0.9.0", ts, "accuracy", "", round(0.8 + wobble, 4)])
        rows.append(["hostile-model", "1.0.0", ts, "auc", "", round(0.8 + wobble, 4)])
    return rows


def ingest(catalog: Path, rows: list[list[object]], work: Path) -> None:
    from generator.cli import cli

    export = work / "export.csv"
    with open(export, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["model_id", "model_version", "ts", "metric", "segment", "value"])
        writer.writerows(rows)
    result = CliRunner().invoke(cli, ["ingest", "--catalog", str(catalog), str(export)])
    assert result.exit_code == 0, result.output


@dataclass
class BuiltSite:
    root: Path
    url: str
    project: Path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The hostile catalog with monitoring, built once and served on 127.0.0.1."""
    from generator.pipeline import BuildOptions, run

    project = tmp_path_factory.mktemp("browser-site")
    catalog = project / "catalog"
    shutil.copytree(HOSTILE, catalog)
    ingest(catalog, monitoring_rows(AS_OF), project)
    run(BuildOptions(catalog=catalog, project_dir=project, as_of=AS_OF))
    site = project / "site"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield BuiltSite(site, f"http://127.0.0.1:{server.server_port}/", project)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Recorder:
    """Every request and console problem of one page."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(self.origin) and not url.startswith(("data:", "blob:"))
        ]

    def assert_clean(self) -> None:
        assert self.foreign() == [], "requests to other hosts"
        assert self.console_errors == [], "console errors"


@pytest.fixture
def page(browser: object, built_site: BuiltSite) -> Iterator[tuple[object, Recorder]]:
    """A fresh page that records requests, console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    recorder = Recorder(built_site.url.rstrip("/"))
    tab.on("request", lambda request: recorder.requests.append(request.url))
    tab.on(
        "console",
        lambda message: (
            recorder.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    tab.on("pageerror", lambda error: recorder.console_errors.append(str(error)))
    try:
        yield tab, recorder
    finally:
        context.close()
