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
