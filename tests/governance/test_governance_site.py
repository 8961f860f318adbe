"""Governance pages rendered from a catalog built here (no MkDocs run: render stage only)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import feedparser
import icalendar
import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from generator import frontmatter
from generator.pipeline import BuildOptions, prepare, render
from tests.conftest import MINIMAL, load_minimal_card, write_card

AS_OF = dt.date(2026, 11, 22)
HOSTILE = '<script>alert("x")</script> & [link](javascript:alert(1))'


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("govsite")
    catalog = root / "catalog"
    shutil.copytree(MINIMAL, catalog)
    scorer = load_minimal_card("models", "credit-default-scorer")
    scorer["waivers"] = [
        {
            "rule": "internal.fairness",
            "reason": "Fairness study due with the 2027 retrain.",
            "approved_by": "apatel",
            "expires": "2027-03-31",
        },
    ]
    write_card(catalog, "models", scorer)
    churn = load_minimal_card("models", "churn-predictor")
    churn["summary"] = HOSTILE
    churn["stage"] = "production"
    churn["versions"][-1]["stage"] = "production"
    churn["validations"] = [
        {
            "date": "2023-06-01",
            "by": "model-risk",
            "outcome": "approved",
            "next_review": "2026-06-01",
        }
    ]
    churn["waivers"] = [
        {
            "rule": "internal.monitoring",
            "reason": "Expired.",
            "approved_by": "apatel",
            "expires": "2026-10-01",
        },
        {
            "rule": "internal.lineage",
            "reason": "Self-approved.",
            "approved_by": "mchen",
            "expires": "2027-01-01",
        },
    ]
    write_card(catalog, "models", churn)
    (catalog / "policy.yaml").write_text(
        yaml.safe_dump({"profiles": ["internal-default", "eu-ai-act"]})
    )
    options = BuildOptions(catalog=catalog, project_dir=root, as_of=AS_OF, search=False)
    render(options, prepare(options))
    return root / "build" / "docs"


def test_compliance_page_lists_reviews_waivers_rules_and_matrix(docs: Path) -> None:
    stub = (docs / "governance" / "index.md").read_text()
    assert stub.startswith('---\ntitle: "Compliance"\n')
    assert stub.endswith("---\n\n# Compliance\n")  # the body is HTML in the front matter
    page = frontmatter.read(stub)["body"]
    reviews = page.split('id="gc-reviews"')[1].split("</table>")[0]
    assert "Churn Predictor" in reviews and "overdue by 174 days" in reviews
    waivers = page.split('id="gc-waivers"')[1].split("</table>")[0]
    assert "<code>internal.fairness</code>" in waivers and "2027-03-31" in waivers
    assert "(not a validator: waiver does not apply)" in waivers  # mchen's self-approval
    assert "<code>internal.monitoring</code>" not in waivers  # expired
    rules = page.split('id="gc-rules"')[1].split("</table>")[0]
    assert "<code>eu-ai-act.art14-human-oversight</code>" in rules
    assert 'data-profile="internal-default"' in page and 'data-profile="eu-ai-act"' in page
    assert "<script>alert" not in page


def _model_body(docs: Path, model_id: str) -> str:
    """A model page's body: the HTML its front matter carries for the theme."""
    return frontmatter.read((docs / "models" / f"{model_id}.md").read_text())["body"]


def test_model_page_has_the_compliance_section(docs: Path) -> None:
    page = _model_body(docs, "credit-default-scorer")
    section = (
        page.split('id="compliance"', 1)[1]
        if 'id="compliance"' in page
        else page.split("## Compliance", 1)[1]
    )
    assert "Internal default" in section and "EU AI Act (Regulation (EU) 2024/1689)" in section
    assert "1 waived" in section
    assert 'href="../../governance/docs/credit-default-scorer.html"' in section


def test_reviews_calendar_parses_with_icalendar(docs: Path) -> None:
    calendar = icalendar.Calendar.from_ical((docs / "governance" / "reviews.ics").read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"credit-default-scorer-review@govcat", "churn-predictor-review@govcat"}
    scorer = events["credit-default-scorer-review@govcat"]
    assert scorer.decoded("DTSTART") == dt.date(2027, 8, 20)
    assert str(scorer["SUMMARY"]) == "Model review due: Credit Default Scorer"
    assert events["churn-predictor-review@govcat"].decoded("DTSTART") == dt.date(2026, 6, 1)


def test_feed_parses_with_feedparser_and_lists_open_findings(docs: Path) -> None:
    feed = feedparser.parse((docs / "governance" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    titles = [entry.title for entry in feed.entries]
    assert any("internal.review-cadence" in t for t in titles)
    assert any(t.startswith("Churn Predictor: waiver.approver") for t in titles)
    monitoring = next(e for e in feed.entries if "internal.monitoring" in e.title)
    assert monitoring.updated.startswith("2026-10-02")  # the day after the waiver expired
    assert "internal.fairness" not in " ".join(titles)  # waived


def test_technical_documentation_follows_annex_iv_and_marks_gaps(docs: Path) -> None:
    html = (docs / "governance" / "docs" / "churn-predictor.html").read_text()
    headings = [part.split("<")[0] for part in html.split('<h2 id="annex-iv-')[1:]]
    assert [h.split('">', 1)[1].split(".")[0] for h in headings] == [str(n) for n in range(1, 10)]
    assert '<span class="gap">Gap:</span>' in html
    assert "@media print" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_badges_and_exports_are_offered(docs: Path) -> None:
    badge = (docs / "badges" / "compliance" / "churn-predictor.svg").read_text()
    assert badge.startswith("<svg") and "governance: non-compliant" in badge
    assert "health: unmonitored" in (docs / "badges" / "health" / "churn-predictor.svg").read_text()
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    assert validator.validate_str((docs / "exports" / "catalog.cdx.json").read_text()) is None
    assert (
        validator.validate_str(
            (docs / "exports" / "models" / "churn-predictor.cdx.json").read_text()
        )
        is None
    )
    assert (docs / "exports" / "inventory.xlsx").read_bytes()[:2] == b"PK"
    matrix = json.loads((docs / "governance" / "matrix.json").read_text())
    assert matrix["models"]["churn-predictor"]["governance"] == "non-compliant"
    assert (
        (docs / "exports" / "hf" / "churn-predictor.README.md.txt").read_text().startswith("---\n")
    )
