"""The published site in a real browser: dashboard, inventory, search, charts, hostile text."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE_MODEL = "models/hostile-model/"


def test_home_shows_kpis(page, built_site) -> None:
    tab, recorder = page
    tab.goto(built_site.url)
    models = tab.locator('a.gc-kpi[data-kpi="Models"] .gc-kpi__value')
    assert models.inner_text() == "4"
    breaches = tab.locator('a.gc-kpi[data-kpi="Breaches"] .gc-kpi__value')
    assert breaches.inner_text() == "1"  # credit-default-scorer's auc in the last days
    attention = tab.locator(".gc-attention tbody tr")
    assert "Credit Default Scorer" in attention.first.inner_text()
    tab.locator('.gc-chart[data-chart="portfolio"][data-rendered="true"] svg').wait_for()
    recorder.assert_clean()


def _inventory_ids(tab) -> list[str]:
    return tab.locator("#gc-rows tr").evaluate_all("rows => rows.map(r => r.dataset.id)")


def test_inventory_filters_narrow_rows_and_live_in_the_url(page, built_site) -> None:
    tab, recorder = page
    tab.goto(built_site.url + "inventory/")
    tab.locator("#gc-rows tr").first.wait_for()
    assert sorted(_inventory_ids(tab)) == [
        "churn-predictor",
        "credit-default-scorer",
        "hostile-model",
        "legacy-scorecard",
    ]
    staging = tab.locator('[data-facet="stage"] button[data-value="staging"]')
    assert staging.locator(".gc-chip__count").inner_text() == "1"
    staging.click()
    assert _inventory_ids(tab) == ["churn-predictor"]
    assert "stage=staging" in tab.url
    assert tab.locator("#gc-count").inner_text() == "1 of 4 models"

    tab.goto(built_site.url + "inventory/?health=breach")
    tab.locator("#gc-rows tr").first.wait_for()
    assert _inventory_ids(tab) == ["credit-default-scorer"]

    tab.goto(built_site.url + "inventory/")
    tab.locator("#gc-rows tr").first.wait_for()
    tab.fill("#gc-filter", "churn")
    assert _inventory_ids(tab) == ["churn-predictor"]
    assert "q=churn" in tab.url
    recorder.assert_clean()


def test_inventory_sorts_by_health_severity(page, built_site) -> None:
    tab, _ = page
    tab.goto(built_site.url + "inventory/?sort=-health")
    tab.locator("#gc-rows tr").first.wait_for()
    assert _inventory_ids(tab)[0] == "credit-default-scorer"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Churn Predictor", "churn-predictor"),  # name
        ("debt_to_income", "credit-default-scorer"),  # feature
        ("legacy-scorecard", "legacy-scorecard"),  # id
    ],
)
def test_search_opens_the_model_page(page, built_site, query, expected) -> None:
    tab, recorder = page
    tab.goto(built_site.url + "inventory/")
    tab.fill("#gc-header-search-input", query)
    first = tab.locator("#gc-search-dropdown a").first
    first.wait_for()
    first.click()
    tab.wait_for_url(re.compile(rf"/models/{expected}/$"))
    assert tab.locator("code.gc-id").first.inner_text() == expected
    recorder.assert_clean()


def test_every_chart_on_a_model_page_renders(page, built_site) -> None:
    tab, recorder = page
    tab.goto(built_site.url + "models/credit-default-scorer/")
    assert tab.locator(".gc-charts").get_attribute("data-count") == "2"  # auc and psi
    tab.wait_for_function(
        "document.querySelectorAll('.gc-chart[data-metric][data-rendered=\"true\"] svg').length == 2"
    )
    assert tab.locator(".gc-chart[data-metric]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.metric)"
    ) == ["auc", "psi"]
    # the breach is marked: the auc chart draws the last 4 days as breach points
    breach_marks = tab.locator('.gc-chart[data-metric="auc"] path[aria-roledescription="point"]')
    assert breach_marks.count() == 4
    # the latest-values table is server-rendered (works without JavaScript)
    assert tab.locator(".gc-latest tbody tr").count() == 2
    recorder.assert_clean()


def test_hostile_card_text_stays_inert_and_visible(page, built_site) -> None:
    tab, recorder = page
    tab.goto(built_site.url + HOSTILE_MODEL)
    tab.locator('.gc-chart[data-rendered="true"] svg').first.wait_for()
    assert tab.evaluate("window.__pwned") is None
    text = tab.locator("article").inner_text()
    assert "<script>window.__pwned='summary'</script>" in text
    assert "<img src=x onerror=\"window.__pwned='img'\">" in text
    assert "[click me](javascript:window.__pwned='link')" in text
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "| pipe | in | cell |" in text
    assert "{: onclick=" in text
    article = tab.locator("article")
    assert article.locator("script, iframe, img, marquee, style").count() == 0
    assert article.locator("[onerror], [onload], [onclick]").count() == 0
    assert article.locator('a[href^="javascript:"]').count() == 0
    assert tab.title().startswith("Hostile")
    recorder.assert_clean()


def test_search_results_for_hostile_text_are_inert(page, built_site) -> None:
    tab, recorder = page
    tab.goto(built_site.url + "search/?q=pwned")
    tab.locator("#gc-search-results a").first.wait_for()
    assert tab.evaluate("window.__pwned") is None
    results = tab.locator("#gc-search-results")
    assert results.locator("script, img, iframe").count() == 0
    recorder.assert_clean()


@pytest.mark.parametrize(
    "path",
    [
        "",
        "alerts/",
        "datasets/loan-applications/",
        "teams/credit-risk-ml/",
        "tags/credit/",
        "search/",
    ],
)
def test_pages_load_without_foreign_requests_or_errors(page, built_site, path) -> None:
    tab, recorder = page
    tab.goto(built_site.url + path)
    tab.wait_for_load_state("networkidle")
    assert tab.locator("h1").count() == 1
    recorder.assert_clean()


def test_phone_width_has_no_horizontal_page_scroll(browser, built_site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        for path in ("", "inventory/", "models/credit-default-scorer/"):
            tab.goto(built_site.url + path)
            tab.wait_for_load_state("networkidle")
            overflow = tab.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path or 'home'} scrolls sideways by {overflow}px"
    finally:
        context.close()
