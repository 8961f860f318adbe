"""The search index's source pages: built from the generated stubs and fragments."""

from __future__ import annotations

import json
from pathlib import Path

from generator.build import write_search_source


def _stub(path: Path, **front: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = "".join(f"{key}: {json.dumps(value)}\n" for key, value in front.items())
    path.write_text(f"---\n{head}---\n\n# title\n", encoding="utf-8")


def test_one_page_per_searchable_stub_with_its_title_and_fragment(tmp_path: Path) -> None:
    docs, target = tmp_path / "docs", tmp_path / "out"
    _stub(
        docs / "models/churn.md",
        title="Churn <b>model</b>",
        search=True,
        body="<p>Predicts churn</p>",
    )
    _stub(docs / "teams/risk.md", title="Risk", search=True, body="<p>Second line</p>")
    _stub(docs / "models/index.md", title="Models")  # no body, not searchable
    _stub(docs / "tags/x.md", title="x", search=True, body="<p>tag pages are not indexed</p>")

    assert write_search_source(docs, target, "de") == 2
    page = (target / "models/churn/index.html").read_text()
    assert '<html lang="de">' in page
    assert "<h1>Churn &lt;b&gt;model&lt;/b&gt;</h1><p>Predicts churn</p>" in page
    assert "data-pagefind-body" in page
    assert "<h1>Risk</h1><p>Second line</p>" in (target / "teams/risk/index.html").read_text()
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*.html")) == [
        "models/churn/index.html",
        "teams/risk/index.html",
    ]


def test_model_pages_are_indexed_without_their_record_keeping_sections(tmp_path: Path) -> None:
    """Search finds a model by what describes it; versions, validation history, metric
    tables, monitoring values, findings and compliance stay out of the index."""
    docs, target = tmp_path / "docs", tmp_path / "out"
    sections = {
        "intended-use": "Scores retail loan applications",
        "features-and-labels": "debt_to_income",
        "evaluation": "auc 0.81",
        "versions": "3.2.0 released",
        "limitations-assumptions-and-ethics": "Not for business loans",
        "validation-history": "approved with conditions",
        "monitoring": "psi 0.05",
        "governance-findings": "review-overdue",
        "compliance": "eu-ai-act profile",
    }
    body = "<p>Summary: predicts default</p>" + "".join(
        f'<h2 id="{name}">{name}<a class="headerlink" href="#{name}" title="Permanent link">'
        f"&para;</a></h2><p>{text}</p>"
        for name, text in sections.items()
    )
    _stub(docs / "models/cds.md", title="CDS", search=True, body=body)
    _stub(docs / "datasets/loans.md", title="Loans", search=True, body=body)
    assert write_search_source(docs, target, "en") == 2
    page = (target / "models/cds/index.html").read_text()
    kept = {"intended-use", "features-and-labels", "limitations-assumptions-and-ethics"}
    assert "predicts default" in page
    assert "&para;" not in page and "headerlink" not in page  # no ¶ in result excerpts
    assert '<h2 id="intended-use">intended-use</h2>' in page
    for name, text in sections.items():
        assert (text in page) == (name in kept), name
    # other pages are indexed whole
    assert all(
        text in (target / "datasets/loans/index.html").read_text() for text in sections.values()
    )


def test_the_indexer_clears_scratch_pages_a_killed_build_left(tmp_path: Path) -> None:
    import time

    from generator.build import _SearchIndexer

    docs, build = tmp_path / "docs", tmp_path / "build"
    _stub(docs / "models" / "m1.md", title="M1", search=True, body="<p>alpha</p>")
    leftover = build / ".search-killed" / "pages" / "models" / "m0"
    leftover.mkdir(parents=True)
    (leftover / "index.html").write_text("<p>old</p>")
    indexer = _SearchIndexer(docs, build, "en")
    try:
        site = tmp_path / "site"
        site.mkdir()
        assert indexer.finish(site) > 0  # Pagefind indexed this build's page
    finally:
        indexer.close()
    deadline = time.monotonic() + 20
    while list(build.glob(".search-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(build.glob(".search-*")) == []  # neither the leftover nor its own scratch
