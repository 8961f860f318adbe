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


def read(text: str) -> dict[str, Any]:
    """The front matter of a stub ({} when it has none or it does not parse)."""
    if not text.startswith("---\n"):
        return {}
    head = text[4:].split("\n---\n", 1)[0]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        values = yaml.load(head, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return {}
    return values if isinstance(values, dict) else {}
