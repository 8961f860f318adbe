"""Escaping of untrusted card text for generated Markdown pages.

Card text is untrusted: it may contain HTML (`<script>`, `<img onerror=…>`),
Markdown links to `javascript:`, attribute lists (`{: onclick=…}`), table pipes
or template syntax. Generated pages put card text in two places:

* inside raw HTML blocks (tables, badges, lists): HTML escaping is enough, since
  Python-Markdown passes block-level HTML through untouched (and `md_in_html`
  only looks inside elements that carry `markdown="1"`, which escaped text can't add);
* inline in Markdown (headings, list items): HTML escaping plus every ASCII
  punctuation character that Markdown or one of its extensions could read as syntax
  turned into a numeric character reference. Python-Markdown leaves character
  references alone, and the browser shows them as the original characters.

Both filters return `Markup`, so Jinja's autoescape does not escape them twice.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup, escape

_MARKDOWN_SIGNIFICANT = set("\\`*_{}[]()#+-.!|~^=:$%@'\"<>&/")
_NEWLINES = re.compile(r"[\r\n\t]+")
_TITLE_UNSAFE = re.compile(r"[<>&\"'`{}\\|\[\]]")


def markdown_text(value: Any) -> Markup:
    """Untrusted text made inert for an inline Markdown context (one line)."""
    if value is None:
        return Markup("")
    text = _NEWLINES.sub(" ", str(value))
    return Markup("".join(f"&#{ord(c)};" if c in _MARKDOWN_SIGNIFICANT else c for c in text))


def html_text(value: Any) -> Markup:
    """Untrusted text escaped for an HTML context (what autoescape does, made explicit)."""
    return escape("" if value is None else str(value))


def title_text(value: Any) -> str:
    """A plain page title for front matter: characters that could form markup removed.

    Themes print `page.title | striptags` unescaped into `<title>` and navigation; a
    title without `<`, `>` or `&` can't become markup there, whatever the theme does.
    """
    return " ".join(_TITLE_UNSAFE.sub(" ", str(value)).split())


def json_attribute(value: Any) -> Markup:
    """A value as JSON, HTML-escaped for a `data-*` attribute."""
    return escape(json.dumps(value, sort_keys=True, separators=(",", ":")))
