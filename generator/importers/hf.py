"""Import a Hugging Face model card: README.md with YAML front matter and Markdown sections."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from generator.errors import Problem, ProblemsFound
from generator.importers.common import (
    LONG,
    SHORT,
    TODO_DATASET,
    ImportedCard,
    first_sentences,
    metric_name,
    number,
    plain,
    render,
    skeleton,
    slug,
    tag,
)
from generator.loader import Document, LoadError, display_path, load_text

_EMPTY = re.compile(r"^\W*(more information needed|n/?a|tbd|none)?\W*$", re.I)
_SECTIONS: dict[str, re.Pattern[str]] = {
    "description": re.compile(r"model description|model details|overview|^description|about", re.I),
    "out_of_scope": re.compile(r"out[- ]of[- ]scope|misuse|not intended", re.I),
    "users": re.compile(r"intended users|who .*use", re.I),
    "primary": re.compile(
        r"intended use|direct use|^uses$|model use|evaluated use|how to use", re.I
    ),
    "limitations": re.compile(r"limitation|bias|risks", re.I),
    "ethics": re.compile(r"ethic|broader implications|societal", re.I),
    "training": re.compile(r"training data", re.I),
}


def _fail(shown: str, line: int | None, col: int | None, rule: str, message: str) -> ProblemsFound:
    return ProblemsFound([Problem(shown, line, col, rule, message)])


def _split_front_matter(text: str, shown: str) -> tuple[str | None, str, int]:
    """(front matter text or None, Markdown body, line number where the front matter starts)."""
    if not text.startswith("---\n"):
        return None, text, 0
    match = re.search(r"^---[ \t]*$", text[4:], re.M)
    if match is None:
        raise _fail(
            shown,
            1,
            1,
            "import-hf-front-matter",
            "the front matter opened by '---' is never closed; end it with a '---' line",
        )
    return text[4 : 4 + match.start()], text[4 + match.end() :], 2


def _front_matter(raw: str, shown: str, first_line: int) -> tuple[dict[str, Any], Document | None]:
    offset = first_line - 1
    try:
        document = load_text(raw.encode("utf-8"), shown)
    except LoadError as error:
        p = error.problem
        raise ProblemsFound(
            [Problem(shown, (p.line or 1) + offset, p.col, p.rule, p.message)]
        ) from None
    data = document.data
    if data is None:
        return {}, document
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise _fail(
            shown,
            first_line,
            1,
            "import-hf-front-matter",
            f"the YAML front matter is {kind}; Hugging Face metadata is a mapping "
            "(license: …, tags: …, model-index: …) — fix the card's metadata",
        )
    return data, document


def _check_model_index(data: dict[str, Any], document: Document, shown: str, offset: int) -> None:
    index = data.get("model-index")
    if index is None:
        return
    problems: list[Problem] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        line, col = document.position(("model-index", *loc))
        problems.append(Problem(shown, line + offset, col, "import-hf-model-index", message))

    if not isinstance(index, list):
        problem((), "model-index is a list of models ({name, results}); fix the card's metadata")
    else:
        for i, entry in enumerate(index):
            if not isinstance(entry, dict) or not isinstance(entry.get("results"), list):
                problem((i,), f"model-index[{i}] needs `name` and a list of `results`")
                continue
            for j, result in enumerate(entry["results"]):
                where = f"model-index[{i}].results[{j}]"
                if not isinstance(result, dict):
                    problem((i, "results", j), f"{where} is not a mapping (task, dataset, metrics)")
                    continue
                task = result.get("task")
                if not isinstance(task, dict) or not task.get("type"):
                    problem(
                        (i, "results", j), f"{where} has no `task.type`; say what was evaluated"
                    )
                dataset = result.get("dataset")
                if not isinstance(dataset, dict) or not (
                    dataset.get("type") or dataset.get("name")
                ):
                    problem(
                        (i, "results", j),
                        f"{where} has no `dataset` (type, name); every result names the data it "
                        "was measured on",
                    )
                metrics = result.get("metrics")
                if (
                    not isinstance(metrics, list)
                    or not metrics
                    or not all(
                        isinstance(m, dict) and m.get("type") and "value" in m for m in metrics
                    )
                ):
                    problem((i, "results", j), f"{where} needs `metrics: [{{type, value}}]`")
    if problems:
        raise ProblemsFound(problems)


def _sections(markdown: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(H1 title, text before the first sub-heading, [(heading, body)])."""
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.S)
    title, intro, sections = "", [], []
    current: list[str] | None = None
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        heading = None if fence else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            level, text = len(heading.group(1)), plain(heading.group(2), SHORT)
            text = re.sub(r"\s*\[optional\]\s*$", "", text, flags=re.I)
            if level == 1 and not title:
                title = text
                current = intro
                continue
            current = []
            sections.append((text, current))  # type: ignore[arg-type]
            continue
        (current if current is not None else intro).append(line)
    return title, "\n".join(intro), [(h, "\n".join(b)) for h, b in sections]  # type: ignore[misc]


def _items(body: str, limit: int = 10) -> list[str]:
    """Bullet items of a section, else its paragraphs; empty placeholders dropped."""
    bullets = [m.group(1) for m in re.finditer(r"^\s*[-*+]\s+(.*)$", body, re.M)]
    parts = bullets or re.split(r"\n\s*\n", body)
    items = [plain(p, LONG) for p in parts]
    return [i for i in items if i and not _EMPTY.match(i)][:limit]


def _text_of(sections: list[tuple[str, str]], key: str) -> str:
    pattern = _SECTIONS[key]
    texts = [plain(body) for heading, body in sections if pattern.search(heading)]
    return " ".join(t for t in texts if t and not _EMPTY.match(t))[:LONG]


def import_hf(
    path: Path,
    *,
    card_id: str | None = None,
    owner: str | None = None,
    today: dt.date | None = None,
) -> ImportedCard:
    """A govcat card from a Hugging Face README.md; `ProblemsFound` if the card is malformed."""
    today = today or dt.date.today()
    shown = display_path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _fail(
            shown, None, None, "import-encoding", f"not UTF-8 text ({error.reason})"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, markdown, first_line = _split_front_matter(text, shown)
    meta: dict[str, Any] = {}
    if front is not None:
        # a card template's metadata is a Jinja placeholder: keep the rest of it
        front = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", front, flags=re.S)
        meta, document = _front_matter(front, shown, first_line)
        if document is not None and meta:
            _check_model_index(meta, document, shown, first_line - 1)
    title, intro, sections = _sections(markdown)
    index = meta.get("model-index") or []
    index_name = str(index[0].get("name", "")) if index else ""
    title = re.sub(r"^model card( for|:)?\s*|\s*model card$", "", title, flags=re.I).strip()
    stem = (
        path.parent.name
        if path.stem.lower() in ("readme", "model_card", "modelcard")
        else path.stem
    )
    name = title or index_name or re.sub(r"[_\s]+", " ", stem).strip()
    description = _text_of(sections, "description")
    summary = first_sentences(intro) or first_sentences(description) or None
    card = skeleton(
        card_id=card_id or slug(index_name or title or stem),
        name=name,
        summary=summary,
        owner=owner,
        today=today,
    )
    tags = meta.get("tags") or []
    tags = [tags] if isinstance(tags, str) else tags
    card["tags"] = sorted({t for t in (tag(x) for x in tags if isinstance(x, str | int)) if t})
    pipeline = meta.get("pipeline_tag")
    task = pipeline or next(
        (r.get("task", {}).get("type") for e in index for r in e.get("results", [])), None
    )
    if task:
        card["task"] = plain(str(task), SHORT)
    if meta.get("library_name"):
        card["framework"] = plain(str(meta["library_name"]), SHORT)
    licence = meta.get("license")
    if description or licence:
        card["description"] = " ".join(
            x for x in (description, f"Licence: {licence}." if licence else "") if x
        )
    primary = _text_of(sections, "primary")
    users = [i[:SHORT] for s in sections if _SECTIONS["users"].search(s[0]) for i in _items(s[1])]
    out_of_scope = [
        i[:SHORT] for s in sections if _SECTIONS["out_of_scope"].search(s[0]) for i in _items(s[1])
    ]
    card["intended_use"] = {
        "primary": primary or "TODO the primary intended use in our organisation.",
        "users": users or ["TODO intended users"],
        "out_of_scope": out_of_scope or ["TODO uses it is not approved for"],
    }
    card["training_data"] = [{"dataset": TODO_DATASET, "version": "TODO snapshot used"}]
    evaluation = []
    notes = []
    datasets = meta.get("datasets") or []
    datasets = [datasets] if isinstance(datasets, str) else datasets
    if datasets:
        notes.append("Source training datasets: " + ", ".join(str(d) for d in datasets)[:400])
    for entry in index:
        for result in entry.get("results", []):
            metrics = {}
            for metric in result.get("metrics", []):
                key, value = metric_name(metric.get("type", "")), number(metric.get("value"))
                if key and value is not None:
                    metrics[key] = value
            if metrics:
                source = result.get("dataset", {})
                notes.append(
                    f"evaluation[{len(evaluation)}] was measured on "
                    f"{source.get('name') or source.get('type')} (split {source.get('split', 'n/a')})"
                )
                evaluation.append({"dataset": TODO_DATASET, "metrics": metrics})
    if evaluation:
        card["evaluation"] = evaluation
    limitations = [
        i for s in sections if _SECTIONS["limitations"].search(s[0]) for i in _items(s[1])
    ]
    card["limitations"] = limitations or ["TODO known limitations"]
    ethics = _text_of(sections, "ethics")
    if ethics:
        card["ethical_considerations"] = ethics
    card["versions"] = [
        {
            "version": "TODO version label",
            "date": today.isoformat(),
            "stage": "development",
            "changes": f"Imported from {path.name}.",
        }
    ]
    return render(card, path.name, notes, today)
