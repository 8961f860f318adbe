"""The site's search index (generator/search_index.py): records, tokens, chunked files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from generator import search_index
from generator.errors import BuildError
from generator.search_index import build_index, file_name, page_record, tokens

SECTIONS = {
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
BODY = (
    '<div class="gc-badges"><code class="gc-id">cds</code> production</div>'
    '<p class="gc-summary">Predicts &lt;b&gt;default&lt;/b&gt; of retail loans</p>'
    + "".join(
        f'<h2 id="{name}">{name}<a class="headerlink" href="#{name}" title="Permanent link">'
        f"&para;</a></h2><p>{text}</p>"
        for name, text in SECTIONS.items()
    )
)
KEPT = {"intended-use", "features-and-labels", "limitations-assumptions-and-ethics"}


def _index(tmp_path: Path, records: list[search_index.Record]) -> Path:
    output = tmp_path / "index"
    build_index(records, output)
    return output


def _lookup(output: Path, word: str) -> dict[int, int]:
    """What the browser does for one query word (assets/govcat.js, `wordMatches`): page
    number → best weight of a token the word starts, exact tokens counting double."""
    manifest = json.loads((output / "index.json").read_text())
    scores: dict[int, int] = {}
    for prefix in manifest["prefixes"]:
        if not (word.startswith(prefix) or prefix.startswith(word)):
            continue
        chunk = json.loads((output / "t" / file_name(prefix)).read_text())
        for token, postings in chunk.items():
            if token.startswith(word):
                for posting in postings:
                    page, weight = divmod(posting, 16)
                    score = weight * (2 if token == word else 1)
                    scores[page] = max(scores.get(page, 0), score)
    return scores


def test_a_model_page_record_keeps_what_describes_the_model() -> None:
    url, title, excerpt, head, body = page_record("models/cds/", "Credit  Default", BODY)
    assert (url, title) == ("models/cds/", "Credit Default")
    # the excerpt is the summary as text: card text stays text (escaped again by the
    # browser, which builds it with text nodes)
    assert excerpt == "Predicts <b>default</b> of retail loans"
    assert head.startswith("cds production Predicts <b>default</b>")
    for name, text in SECTIONS.items():
        assert (text in body) == (name in KEPT), name
    assert "¶" not in excerpt


def test_other_pages_keep_every_section_but_not_their_lists_of_models() -> None:
    models_list = (
        '<div class="gc-table-wrap gc-table" data-search-ignore><table><tr><td>'
        "Churn Predictor</td></tr></table></div>"
    )
    _, _, _, head, body = page_record("datasets/loans/", "Loans", models_list + BODY)
    assert all(text in body for text in SECTIONS.values())
    assert "Churn Predictor" not in head + body


def test_tokens_are_lowercased_words_and_the_parts_of_snake_case_words() -> None:
    assert tokens("Debt_to_Income ratio, UK-only; Ünïcode 42") == {
        "debt_to_income",
        "debt",
        "to",
        "income",
        "ratio",
        "uk",
        "only",
        "ünïcode",
        "42",
    }
    assert tokens("x" * 41) == set()  # hashes and blobs are not words


def test_each_word_weighs_where_it_appears_and_finds_its_pages(tmp_path: Path) -> None:
    records = [
        page_record("models/cds/", "Credit Default", BODY),
        page_record("models/churn/", "Churn Predictor", '<p class="gc-summary">credit churn</p>'),
        page_record("teams/risk/", "Risk", '<h2 id="models">Models</h2><p>Owns credit models</p>'),
    ]
    output = _index(tmp_path, records)
    assert _lookup(output, "credit") == {0: 16, 1: 8, 2: 2}  # title, head, body (exact: x2)
    assert _lookup(output, "cred") == {0: 8, 1: 4, 2: 1}  # a prefix counts once
    assert _lookup(output, "debt") == {0: 2}  # a part of debt_to_income, exact
    assert _lookup(output, "debt_to") == {0: 1}
    assert _lookup(output, "debt_to_income") == {0: 2}
    assert _lookup(output, "auc") == {}  # the evaluation section is not indexed
    rows = json.loads((output / "p" / "0.json").read_text())
    assert rows[1] == ["models/churn/", "Churn Predictor", "credit churn"]


def test_large_token_files_are_split_and_every_token_stays_findable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "CHUNK_BYTES", 200)
    monkeypatch.setattr(search_index, "PAGE_CHUNK", 4)
    words = [f"model{n} modest mod mo mo{n % 3}" for n in range(40)]
    records = [page_record(f"models/m{n}/", f"M{n}", f"<p>{w}</p>") for n, w in enumerate(words)]
    output = _index(tmp_path, records)
    manifest = json.loads((output / "index.json").read_text())
    assert manifest["pages"] == 40 and manifest["pageChunk"] == 4
    assert len(list((output / "p").glob("*.json"))) == 10
    assert "mo" in manifest["prefixes"]  # "mo" itself stays in the 2-character file
    assert any(len(prefix) > 3 for prefix in manifest["prefixes"])  # model0..model39
    for path in (output / "t").glob("*.json"):
        assert path.stat().st_size <= 200 or len(json.loads(path.read_text())) == 1
    assert set(_lookup(output, "model1")) == {1, *range(10, 20)}
    assert len(_lookup(output, "mod")) == 40
    assert set(_lookup(output, "mo2")) == {n for n in range(40) if n % 3 == 2}


def test_the_same_records_give_the_same_bytes(tmp_path: Path) -> None:
    records = [page_record(f"models/m{n}/", f"Model {n}", BODY) for n in range(50)]
    first, second = tmp_path / "a", tmp_path / "b"
    build_index(records, first)
    build_index(list(records), second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_records_of_a_partial_render_merge_over_the_saved_ones(tmp_path: Path) -> None:
    path = tmp_path / "search-records.marshal"
    search_index.write_records(path, {"models/a.md": page_record("models/a/", "A", "")})
    search_index.write_records(path, {"models/b.md": page_record("models/b/", "B", "")}, merge=True)
    assert sorted(search_index.read_records(path)) == ["models/a.md", "models/b.md"]
    search_index.write_records(path, {"models/c.md": page_record("models/c/", "C", "")})
    assert sorted(search_index.read_records(path)) == ["models/c.md"]
    path.write_bytes(b"not marshal")
    assert search_index.read_records(path) == {}


def test_the_indexer_process_publishes_the_index_and_clears_old_scratch(tmp_path: Path) -> None:
    from generator.build import INDEX_FOLDER, _SearchIndexer

    build = tmp_path / "build"
    records = build / "search-records.marshal"
    search_index.write_records(
        records,
        {
            "teams/risk.md": page_record("teams/risk/", "Risk", "<p>alpha</p>"),
            "models/m1.md": page_record("models/m1/", "M1", "<p>alpha</p>"),
        },
    )
    leftover = build / ".search-killed" / INDEX_FOLDER
    leftover.mkdir(parents=True)
    (leftover / "index.json").write_text("{}")
    indexer = _SearchIndexer(records, build)
    try:
        site = tmp_path / "site"
        site.mkdir()
        # index.json, a page file and the token files of al(pha), m1 and ri(sk)
        assert indexer.finish(site) == 5
    finally:
        indexer.close()
    pages = json.loads((site / INDEX_FOLDER / "p" / "0.json").read_text())
    assert [row[0] for row in pages] == ["models/m1/", "teams/risk/"]  # models first
    deadline = time.monotonic() + 20
    while list(build.glob(".search-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(build.glob(".search-*")) == []  # neither the leftover nor its own scratch


def test_a_failing_indexer_fails_the_build_with_its_message(tmp_path: Path) -> None:
    from generator.build import _SearchIndexer

    build = tmp_path / "build"
    build.mkdir()
    indexer = _SearchIndexer(build / "search-records.marshal", build)  # never written
    (tmp_path / "site").mkdir()
    try:
        with pytest.raises(BuildError, match="(?s)the search index failed .*no search records"):
            indexer.finish(tmp_path / "site")
    finally:
        indexer.close()
    assert not (tmp_path / "site" / "search-index").exists()


def test_the_indexer_process_starts_without_the_card_schema() -> None:
    """It runs beside the site builder on a busy machine: importing pydantic and the schema
    would cost it ~0.2 s of CPU for nothing."""
    import subprocess
    import sys

    probe = "import sys, generator.search_index; print('pydantic' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"
