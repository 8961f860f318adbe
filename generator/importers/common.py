"""What both importers share: text cleaning, the card skeleton and writing it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import GovcatError
from generator.scaffold import atomic_write

TODO_PERSON = "TODO-person-id"
TODO_TEAM = "TODO-team-id"
TODO_VALIDATOR = "TODO-validation-team-id"
TODO_DATASET = "TODO-dataset-id"
SHORT = 300
LONG = 4000


class ImportExists(GovcatError):
    """The target card exists and --force was not given."""


@dataclass(frozen=True)
class ImportedCard:
    """An imported card: its id and the YAML text to write."""

    card_id: str
    text: str
    todos: int
    """How many TODO markers are left for a person to fill."""


def slug(text: str, fallback: str = "imported-model") -> str:
    """A valid catalog id from any name (`openai/whisper-large` → `openai-whisper-large`)."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    if len(value) < 2:
        value = fallback
    return value


def plain(text: str, limit: int = LONG) -> str:
    """Markdown → one plain paragraph: no HTML, links as their text, no emphasis."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*_`]{1,3}", "", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def first_sentences(text: str, limit: int = SHORT) -> str:
    """The leading sentences of `text` that fit in `limit` characters."""
    text = plain(text, 10 * limit)
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    result = ""
    for sentence in sentences:
        if len(result) + len(sentence) + 1 > limit:
            break
        result = f"{result} {sentence}".strip()
    return result or text[: limit - 1] + "…"


def metric_name(text: str) -> str | None:
    """A snake_case metric name (`Top 1 Accuracy` → `top_1_accuracy`), None if impossible."""
    value = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:64]
    if not value:
        return None
    if not value[0].isalpha():
        value = f"m_{value}"[:64]
    return value


def number(value: Any) -> float | None:
    """A finite float from 0.9, '0.9', '77.46%' (→ 77.46); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    else:
        match = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*%?\s*", str(value))
        if not match:
            return None
        result = float(match.group(1))
    return result if result == result and abs(result) != float("inf") else None


def tag(text: str) -> str | None:
    """A valid tag from free text, or None."""
    value = re.sub(r"[^a-z0-9+.-]+", "-", str(text).lower()).strip("-.")[:40].strip("-.")
    return value if value and re.match(r"^[a-z0-9][a-z0-9+.-]{0,39}$", value) else None


def url(text: Any) -> str | None:
    """The text if it is a plain http(s) URL."""
    value = str(text).strip()
    return value if re.match(r"^https?://[^\s/$.?#][^\s<>\"']*$", value, re.I) else None


def skeleton(
    *,
    card_id: str,
    name: str,
    summary: str | None,
    owner: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """The governance part every imported card needs, with TODOs where the source is silent."""
    return {
        "id": card_id,
        "name": plain(name, SHORT) or card_id,
        "summary": summary or "TODO one or two sentences — what the model predicts, for whom.",
        "owner": owner or TODO_TEAM,
        "contacts": [
            {"role": "accountable", "person": TODO_PERSON},
            {"role": "validator", "team": TODO_VALIDATOR},
        ],
        "stage": "development",
        "risk": {
            "tier": "medium",
            "eu_ai_act": "not-applicable",
            "rationale": "TODO assess the risk tier and EU AI Act class for our use, and say why.",
        },
        "classification": "internal",
    }


def render(card: dict[str, Any], source: str, notes: list[str], today: dt.date) -> ImportedCard:
    """The card as commented YAML."""
    header = [
        "# yaml-language-server: $schema=../../schema/models.json",
        f"# Imported from {source} on {today.isoformat()} by `govcat import`.",
        "# Replace every TODO (owner, people, risk, lineage to dataset cards), then run",
        "# `govcat validate`. The source said nothing about them.",
        *(f"# {note}" for note in notes),
    ]
    body = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=100)
    todos = body.count("TODO")
    return ImportedCard(card["id"], "\n".join(header) + "\n" + body, todos)


def write_imported(card: ImportedCard, target: Path, *, force: bool = False) -> Path:
    """Write the card atomically; refuse to replace an existing file unless `force`."""
    if target.exists() and not force:
        raise ImportExists(f"{target} already exists; pass --force to replace it, or -o elsewhere")
    atomic_write(target, card.text)
    return target
