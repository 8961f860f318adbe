"""The site's search index: static, chunked JSON files that the browser queries.

Search finds a model (or a dataset or team page) by the words on its page: name, id,
summary, tags, owner, features, data, uses, limitations. Render keeps one *record*
per searchable page (`page_record`: its URL, title, an excerpt and the text of its
head and body, without a model page's record-keeping sections) in
`build/search-records.marshal`; this module turns the records into files under
`search-index/` in the site, in a process of its own that runs beside the site
builder. The browser (`assets/govcat.js`) loads only what a query needs:

* `index.json`: the format, the page count, the pages per page file, and the
  prefixes of the token files;
* `t/<hex of a prefix>.json`: `{token: [page number × 16 + weight, …]}` for every
  token starting with that prefix (two characters; a file over `CHUNK_BYTES` is split
  by the next character, so a query fetches a few small files whatever the size of
  the catalog);
* `p/<n>.json`: `[[url, title, excerpt], …]` for pages `n × PAGE_CHUNK` onwards.

A token is a run of letters, digits and underscores, lowercased (`TOKEN`, the same
rule as the browser's); a token with underscores (`debt_to_income`) is also indexed
by its parts. Its weight in a page is where it appears: the title (8), the page head
— id, badges, summary and facts (4) — or the rest (1). The browser matches every
query word as a prefix of a token, keeps the pages that match all words, and ranks
them by summed weight (an exact word counts double).

Why not Pagefind, the first choice: at 10,000 models it spent 23 s of CPU (plus 5 s
writing its HTML source pages) on 12,000 pages of ~2.7 KB of text — more than half of
a bare `mkdocs build` of the same site — where this index takes ~2 s, and the bytes
a query downloads are of the same order.

The index holds only what the records hold, and the records only what the rendered
pages show: a build for a narrower audience indexes nothing it excluded.
"""

from __future__ import annotations

import marshal
import re
import sys
from collections import defaultdict
from pathlib import Path

from generator.cache import read_marshal_dict
from generator.jsontext import json_text

FORMAT = 1
RECORDS_NAME = "search-records.marshal"
"""The records' file in the build folder (beside `docs/`)."""
PREFIX = 2
"""Characters of the token files' prefixes (longer where a file would be too large)."""
CHUNK_BYTES = 48_000
"""A token file above this size is split by the next character of its tokens."""
PAGE_CHUNK = 32
"""Pages per page file: the 8 results of a query fetch a few of these, ~20 KB each."""
EXCERPT_CHARS = 280
WEIGHT_TITLE, WEIGHT_HEAD, WEIGHT_BODY = 8, 4, 1
MAX_TOKEN = 40
TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*|_+", re.UNICODE)
TAG = re.compile(r"<[^>]*>")
IGNORED = re.compile(r"<div [^>]*data-search-ignore[^>]*>.*?</table></div>", re.DOTALL)
"""A list of models on a dataset or team page (`model_table`): a query for a model
should find its own page, not every page listing it."""
SECTION_START = '<h2 id="'
SUMMARY = re.compile(r'<p class="gc-summary">(.*?)</p>', re.DOTALL)
UNSEARCHED_SECTIONS = frozenset(
    {
        "evaluation",
        "versions",
        "validation-history",
        "monitoring",
        "governance-findings",
        "compliance",
    }
)
"""Model page sections (`<h2 id>`) left out of the index: metric tables, dates,
versions, monitoring values and governance findings. Search finds a model by what
describes it; these sections are half of a model page's text."""

Record = tuple[str, str, str, str, str]
"""(url, title, excerpt, head text, body text) of one searchable page."""


def page_text(html_fragment: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded)."""
    import html

    return " ".join(html.unescape(TAG.sub(" ", html_fragment)).split())


def searchable_part(body: str, *, keep_all: bool = False) -> tuple[str, str]:
    """A page body's head (before its first section) and its sections, less
    `UNSEARCHED_SECTIONS` unless `keep_all` (a section runs to the next `<h2`; card text
    is escaped, so a `<h2` in a body is always govcat's own); lists of models dropped."""
    head, *sections = IGNORED.sub(" ", body).split(SECTION_START)
    kept = "".join(
        SECTION_START + section
        for section in sections
        if keep_all or section[: section.find('"')] not in UNSEARCHED_SECTIONS
    )
    return head, kept


def page_record(url: str, title: str, body: str) -> Record:
    """The search record of a page at `url` (relative to the site's root) from its title
    and its rendered HTML body (a model page's without `UNSEARCHED_SECTIONS`)."""
    if url.startswith("models/"):
        head, sections = searchable_part(body)
    else:
        head, sections = searchable_part(body, keep_all=True)
    summary = SUMMARY.search(head)
    head_text = page_text(head)
    excerpt = page_text(summary.group(1)) if summary else head_text
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return (url, " ".join(title.split()), excerpt, head_text, page_text(sections))


def tokens(text: str) -> set[str]:
    """The index's tokens of `text`: lowercased words, and the parts of `a_b` words."""
    found = set()
    for token in TOKEN.findall(text.lower()):
        if len(token) > MAX_TOKEN:
            continue
        found.add(token)
        if "_" in token:
            found.update(part for part in token.split("_") if part)
    return found


def _postings(records: list[Record]) -> dict[str, list[int]]:
    """Token → sorted postings (page number × 16 + the token's weight in the page)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for number, (_, title, _, head, body) in enumerate(records):
        weights: dict[str, int] = dict.fromkeys(tokens(body), WEIGHT_BODY)
        weights.update(dict.fromkeys(tokens(head), WEIGHT_HEAD))
        weights.update(dict.fromkeys(tokens(title), WEIGHT_TITLE))
        base = number * 16
        for token, weight in weights.items():
            postings[token].append(base + weight)
    return postings


def _chunks(postings: dict[str, list[int]]) -> dict[str, dict[str, list[int]]]:
    """Token files by prefix: `PREFIX` characters, more where a file is over CHUNK_BYTES."""
    pending = defaultdict(dict)
    for token in sorted(postings):
        pending[token[:PREFIX]][token] = postings[token]
    chunks: dict[str, dict[str, list[int]]] = {}
    while pending:
        prefix, chunk = pending.popitem()
        size = sum(len(token) + 6 * len(values) for token, values in chunk.items())
        longer = [token for token in chunk if len(token) > len(prefix)]
        if size <= CHUNK_BYTES or not longer:
            chunks[prefix] = chunk
            continue
        # tokens equal to the prefix stay; the others go by one more character
        kept = {token: values for token, values in chunk.items() if len(token) == len(prefix)}
        if kept:
            chunks[prefix] = kept
        split: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for token in longer:
            split[token[: len(prefix) + 1]][token] = chunk[token]
        pending.update(split)
    return chunks


def file_name(prefix: str) -> str:
    """A token file's name: its prefix's UTF-8 bytes in hex (safe on any file system)."""
    return prefix.encode("utf-8").hex() + ".json"


def build_index(records: list[Record], output: Path) -> int:
    """Write the index of `records` (in this order) into `output`; return its file count."""
    chunks = _chunks(_postings(records))
    (output / "t").mkdir(parents=True, exist_ok=True)
    (output / "p").mkdir(parents=True, exist_ok=True)
    for prefix, chunk in chunks.items():
        (output / "t" / file_name(prefix)).write_text(json_text(chunk), encoding="utf-8")
    page_files = range(0, len(records), PAGE_CHUNK)
    for start in page_files:
        rows = [
            [url, title, excerpt]
            for url, title, excerpt, _, _ in records[start : start + PAGE_CHUNK]
        ]
        (output / "p" / f"{start // PAGE_CHUNK}.json").write_text(json_text(rows), encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "pages": len(records),
        "pageChunk": PAGE_CHUNK,
        "prefixes": sorted(chunks),
    }
    (output / "index.json").write_text(json_text(manifest), encoding="utf-8")
    return len(chunks) + len(page_files) + 1


def write_records(path: Path, records: dict[str, Record], *, merge: bool = False) -> None:
    """Save the records (by page path) for the indexer; with `merge`, over the saved ones
    (a partial render: the pages it did not render keep their records)."""
    from generator.scaffold import atomic_write  # (not in the indexer process: pydantic)

    if merge:
        records = {**read_records(path), **records}
    atomic_write(path, marshal.dumps(records), durable=False)


def read_records(path: Path) -> dict[str, Record]:
    """The saved records ({} when there are none or they are unreadable)."""
    return read_marshal_dict(path)


KIND_ORDER = {"models": 0, "datasets": 1, "teams": 2}
"""Page order in the index (which breaks ties between equal scores): models first."""


def _page_order(path: str) -> tuple[int, str]:
    return KIND_ORDER.get(path.split("/", 1)[0], len(KIND_ORDER)), path


def main(argv: list[str] | None = None) -> None:
    """The indexer process: `python -m generator.search_index RECORDS OUTPUT`."""
    records_path, output = argv if argv is not None else sys.argv[1:3]
    try:
        records = marshal.loads(Path(records_path).read_bytes())
    except (OSError, EOFError, ValueError, TypeError) as error:
        sys.exit(f"no search records at {records_path} ({error}): render the site first")
    try:
        build_index([records[key] for key in sorted(records, key=_page_order)], Path(output))
    except OSError as error:
        sys.exit(f"writing the search index: {error}")


if __name__ == "__main__":
    main()
