"""Stable JSON text for every generated data file.

orjson, not the standard library: encoding the site's data (each model's twin, chart
data and BOM) was about a fifth of rendering, and orjson does it several times
faster. Output: UTF-8 text as is, no spaces, keys sorted unless asked otherwise, NaN
and infinities as `null` (valid JSON; the standard library would write `NaN`).
"""

from __future__ import annotations

from typing import Any

import orjson


def json_text(value: Any, *, sort_keys: bool = True, indent: bool = False) -> str:
    """`value` as compact JSON (two-space indented with `indent`)."""
    option = (orjson.OPT_SORT_KEYS if sort_keys else 0) | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(value, option=option).decode("utf-8")
