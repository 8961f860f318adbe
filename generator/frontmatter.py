"""Front matter of the generated Markdown stubs: written by render, read by the builder.

Each value is written on one line as a YAML double-quoted scalar (or a JSON number,
boolean or list), so a page body of any size is one line the site builder's C YAML
parser reads in microseconds. Everything outside printable ASCII is escaped:
YAML 1.1 folds U+0085, U+2028 and U+2029 inside quoted scalars as line breaks, and
characters beyond the BMP need the 8-digit `\\U` escape (JSON would write a surrogate
pair, which YAML does not join).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

_OUTSIDE_ASCII = re.compile(r"[^\x20-\x7e]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def scalar(value: Any) -> str:
    """`value` as a one-line YAML flow value that reads back equal."""
    return _OUTSIDE_ASCII.sub(_escape, json.dumps(value, ensure_ascii=False))


def write(values: dict[str, Any]) -> str:
    """The `---` block for `values`, one key per line."""
    return "---\n" + "".join(f"{key}: {scalar(value)}\n" for key, value in values.items()) + "---\n"


def split(text: str) -> tuple[dict[str, Any], str] | None:
    """A stub's front matter and the Markdown after it (None when it has no front matter)."""
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        return None
    head, rest = text[4:].split("\n---\n", 1)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        values = yaml.load(head, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        values = None
    return (values if isinstance(values, dict) else {}), rest


def read(text: str) -> dict[str, Any]:
    """The front matter of a stub ({} when it has none or it does not parse)."""
    found = split(text)
    return found[0] if found else {}
