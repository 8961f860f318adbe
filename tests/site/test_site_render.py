"""Render stage: escaping, generated files, incremental writes, no model in the nav."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from generator import frontmatter
from generator.health import HealthStatus, ModelHealth, MonitoringSummary
from generator.render import build_site_context, render_site
from generator.render.escape import markdown_text, title_text
from generator.render.writer import Writer
from generator.validate import validate_catalog

AS_OF = dt.date(2026, 11, 20)

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "{: onclick=alert(1) }",
    "a | b",
    "{{ 7*7 }} {% raw %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_leaves_no_markup_characters(text: str) -> None:
    escaped = str(markdown_text(text))
    for character in "<>[](){}|*_`":
        assert character not in escaped.replace("&#", "")
    assert "&#60;" in escaped or "&#91;" in escaped or "&#123;" in escaped or "&#124;" in escaped


def test_title_text_drops_characters_that_could_form_markup() -> None:
    assert title_text("A </title><script>x</script> & {{ y }}") == "A /title script x /script y"


def _render(catalog_root: Path, out: Path, summary: MonitoringSummary | None = None):
    result = validate_catalog(catalog_root, today=AS_OF)
    assert not result.errors
    catalog = result.catalog
    summary = summary or MonitoringSummary(as_of=AS_OF)
    site = build_site_context(catalog, summary, [], as_of=AS_OF)
    return render_site(site, out / "docs", out / "overrides")


def test_render_writes_every_page_and_data_file(minimal_catalog: Path, tmp_path: Path) -> None:
    rendered = _render(minimal_catalog, tmp_path)
    docs = tmp_path / "docs"
    for path in (
        "index.md",
        "inventory.md",
        "alerts.md",
        "search.md",
        "models/credit-default-scorer.md",
        "models/credit-default-scorer.json",
        "datasets/loan-applications.md",
        "teams/credit-risk-ml.md",
        "tags/credit.md",
        "catalog.json",
        "inventory.csv",
        "inventory.json",
        "data/inventory.json",
        "assets/govcat/govcat.js",
        "assets/govcat/vendor/vega.min.js",
        "assets/govcat/charts/metric.vl.json",
    ):
        assert (docs / path).is_file(), path
    assert (tmp_path / "overrides" / "main.html").is_file()
    inventory = json.loads((docs / "data/inventory.json").read_text())
    ids = [row[inventory["columns"].index("id")] for row in inventory["rows"]]
    assert ids == ["churn-predictor", "credit-default-scorer", "legacy-scorecard"]
    twin = json.loads((docs / "models/credit-default-scorer.json").read_text())
    assert twin["card"]["owner"] == "credit-risk-ml"
    assert twin["health"]["status"] == "unmonitored"
    # the nav is a handful of top-level pages, never the model pages
    assert all(not entry.path.startswith("models/") for entry in rendered.nav)
    assert [n.title for n in rendered.nav][:3] == ["Dashboard", "Inventory", "Alerts"]


def test_model_page_is_a_title_and_its_body_html_in_the_front_matter(
    minimal_catalog: Path, tmp_path: Path
) -> None:
    _render(minimal_catalog, tmp_path)
    stub = (tmp_path / "docs/models/credit-default-scorer.md").read_text()
    assert stub.startswith('---\ntitle: "Credit Default Scorer"\nsearch: true\n')
    assert stub.endswith("---\n\n# Credit Default Scorer\n")
    assert len(stub.splitlines()) == 8  # front matter: one line per key, body included
    assert not (tmp_path / "overrides/fragments").exists()
    body = frontmatter.read(stub)["body"]
    assert '<a href="../../teams/credit-risk-ml/">Credit Risk ML</a>' in body
    assert '<a href="../../datasets/loan-applications/">' in body
    assert '<h2 id="validation-history">Validation history' in body
    assert '<li><a href="#validation-history">Validation history</a></li>' in body
    # a card's link names label their rows like govcat's own facts: first letter upper
    assert "<tr><th>Repository</th>" in body


def test_second_render_changes_nothing_and_an_edit_rewrites_only_its_pages(
    minimal_catalog: Path, tmp_path: Path
) -> None:
    _render(minimal_catalog, tmp_path)
    docs = tmp_path / "docs"
    untouched = docs / "models/credit-default-scorer.md"
    before = untouched.stat().st_mtime_ns
    again = _render(minimal_catalog, tmp_path)
    # exports/*.xlsx (the exports area's producer) embeds its write time: reported to the lead
    assert [p for p in again.changed if not p.startswith("exports/")] == []
    assert again.removed == []

    card = minimal_catalog / "models/churn-predictor.yaml"
    card.write_text(card.read_text().replace("Churn Predictor", "Churn Predictor Two"))
    edited = _render(minimal_catalog, tmp_path)
    assert "models/churn-predictor.md" in edited.changed
    assert "models/credit-default-scorer.md" not in edited.changed
    assert untouched.stat().st_mtime_ns == before

    card.unlink()
    removed = _render(minimal_catalog, tmp_path)
    assert "models/churn-predictor.md" in removed.removed
    assert not (docs / "models/churn-predictor.md").exists()


def test_hostile_text_is_escaped_in_generated_markdown(make_catalog, tmp_path: Path) -> None:
    hostile = Path(__file__).parents[1] / "catalogs" / "hostile"
    catalog = make_catalog(base=hostile)
    _render(catalog, tmp_path / "out")
    stub = (tmp_path / "out/docs/models/hostile-model.md").read_text()
    page = stub + frontmatter.read(stub)["body"]
    assert "<script" not in page
    assert "<img" not in page and "<iframe" not in page and "<svg" not in page
    assert 'href="javascript:' not in page
    # card text is data, never a template: braces are character references in the
    # body (whatever a theme does with it), shown as {{ 7*7 }}, never 49
    assert "{" not in page.split("---", 2)[2] and "&#123;&#123; 7*7 &#125;&#125;" in page
    assert "49" not in page
    # card text never starts a line (a line starting with ## would become a heading)
    assert "\n# not a heading" not in page and "# not a heading" in page


def test_health_and_series_reach_the_model_page(minimal_catalog: Path, tmp_path: Path) -> None:
    health = ModelHealth(
        "credit-default-scorer", HealthStatus.breach, AS_OF, None, reason="auc below min"
    )
    summary = MonitoringSummary(as_of=AS_OF, models={"credit-default-scorer": health})
    _render(minimal_catalog, tmp_path, summary)
    stub = (tmp_path / "docs/models/credit-default-scorer.md").read_text()
    page = frontmatter.read(stub)["body"]
    assert "gc-health--breach" in page and "auc below min" in page
    assert "stale after 2 days without data" in page
    home = frontmatter.read((tmp_path / "docs/index.md").read_text())["body"]
    assert 'data-kpi="Breaches"><span class="gc-kpi__value">1<' in home


def test_a_one_day_freshness_reads_in_the_singular(make_catalog, tmp_path: Path) -> None:
    from tests.conftest import load_minimal_card

    card = load_minimal_card("models", "credit-default-scorer")
    card["monitoring"]["freshness_days"] = 1
    out = tmp_path / "out"
    _render(make_catalog(models=[card]), out, MonitoringSummary(as_of=AS_OF))
    stub = (out / "docs/models/credit-default-scorer.md").read_text()
    assert "stale after 1 day without data" in frontmatter.read(stub)["body"]


def test_writer_refuses_paths_outside_its_folder(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    with pytest.raises(ValueError):
        writer.write("../escape.md", "x")
    with pytest.raises(ValueError):
        writer.write("/etc/passwd", "x")


def test_partial_render_for_the_preview_touches_only_the_edited_card(
    minimal_catalog: Path, tmp_path: Path
) -> None:
    from generator.render import Scope

    _render(minimal_catalog, tmp_path)
    docs = tmp_path / "docs"
    card = minimal_catalog / "models/churn-predictor.yaml"
    card.write_text(card.read_text().replace("Churn Predictor", "Churn Predictor Two"))
    result = validate_catalog(minimal_catalog, today=AS_OF)
    site = build_site_context(result.catalog, MonitoringSummary(as_of=AS_OF), [], as_of=AS_OF)
    scope = Scope.around({"churn-predictor"}, site)
    assert scope.teams == {"credit-risk-ml"} and scope.tags == {"retention", "tabular"}
    partial = render_site(site, docs, tmp_path / "overrides", scope=scope)
    assert set(partial.changed) >= {"models/churn-predictor.md", "data/inventory.json"}
    assert not any(p.startswith("models/credit") for p in partial.changed)
    assert partial.removed == []
    assert "Churn Predictor Two" in (docs / "models/churn-predictor.md").read_text()
    assert (docs / "models/legacy-scorecard.md").is_file()  # out of scope, kept


def test_changed_models_asks_for_a_full_render_unless_only_cards_were_edited() -> None:
    from generator.pipeline import changed_models

    before = {"c/models/a.yaml": (1, 10), "c/models/b.yaml": (1, 10), "c/teams/t.yaml": (1, 5)}
    assert changed_models(before, {**before, "c/models/a.yaml": (2, 11)}) == {"a"}
    assert changed_models(before, {**before, "c/teams/t.yaml": (2, 6)}) is None
    assert changed_models(before, {**before, "c/models/new.yaml": (1, 1)}) is None
    assert changed_models(before, dict(before)) == set()


def test_preview_aggregates_only_the_edited_card_and_agrees_with_a_full_run(
    minimal_catalog: Path, tmp_path: Path
) -> None:
    import csv

    from click.testing import CliRunner

    from generator.cli import cli
    from generator.pipeline import BuildOptions, prepare

    export = tmp_path / "export.csv"
    with open(export, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["model_id", "model_version", "ts", "metric", "segment", "value"])
        for day in range(1, 20):
            ts = f"2026-11-{day:02d}T06:00:00Z"
            writer.writerow(["credit-default-scorer", "3.2.0", ts, "auc", "", 0.79])
            writer.writerow(["churn-predictor", "0.9.0", ts, "accuracy", "", 0.9])
    ingested = CliRunner().invoke(cli, ["ingest", "--catalog", str(minimal_catalog), str(export)])
    assert ingested.exit_code == 0, ingested.output
    options = BuildOptions(catalog=minimal_catalog, build_dir=tmp_path / "build", as_of=AS_OF)
    before = prepare(options)
    assert before.site.summary.models["credit-default-scorer"].status == HealthStatus.warning

    card = minimal_catalog / "models/credit-default-scorer.yaml"
    card.write_text(card.read_text().replace("auc: {min: 0.78", "auc: {min: 0.80"))
    partial = prepare(options, previous=before, changed={"credit-default-scorer"})
    full = prepare(options)
    assert partial.site.summary.models == full.site.summary.models
    assert partial.site.summary.models["credit-default-scorer"].status == HealthStatus.breach


@pytest.mark.parametrize(
    ("count", "reason"), [(1, "1 governance finding"), (3, "3 governance findings")]
)
def test_needs_attention_counts_findings_in_words(count: int, reason: str) -> None:
    from types import SimpleNamespace

    from generator.health import HealthStatus
    from generator.render.context import _attention_reasons

    entry = SimpleNamespace(
        health=SimpleNamespace(status=HealthStatus.ok, reason=""),
        governance="non-compliant",
        next_review=None,
        findings=[object()] * count,
    )
    assert _attention_reasons(entry, AS_OF) == [reason]  # type: ignore[arg-type]


def test_a_build_that_fails_validation_leaves_no_store_read_behind(make_catalog, tmp_path) -> None:
    """The store is read while the cards are validated (`aggregate.Prefetch`); when they
    fail, that read is closed: its connection and its worker thread do not outlive it."""
    import threading

    from generator.errors import ProblemsFound
    from generator.pipeline import BuildOptions, prepare
    from tests.conftest import load_minimal_card

    card = load_minimal_card("models", "churn-predictor")
    card["risk_tier"] = "unheard-of"
    root = make_catalog(models=[card])
    threads = set(threading.enumerate())
    with pytest.raises(ProblemsFound) as failed:
        prepare(BuildOptions(catalog=root, build_dir=tmp_path / "build", as_of=AS_OF))
    assert [problem.rule for problem in failed.value.problems] == ["schema-unknown-key"]
    assert set(threading.enumerate()) == threads
