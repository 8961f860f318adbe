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


def inline_text(value: Any) -> Any:
    """Jinja `finalize`: card text never starts a line of the generated file.

    Newlines inside a value become `&#10;` (rendered as the same white space in
    HTML), so no card text can begin a line that `fragment_html` or Markdown would
    read as structure. Markup (already safe) and non-strings pass unchanged.
    """
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(str(escape(value)).replace("\r", "").replace("\n", "&#10;"))


def output_text(value: Any) -> Markup:
    """`escape(inline_text(value))` — what every `{{ … }}` of a page prints — in one call.

    The render's templates are compiled to call this (see `render.Environment`): it
    runs for every value printed, so the common cases (text, markup) take the
    shortest path; anything else goes the general way.
    """
    kind = type(value)
    if kind is str:
        if "\n" in value or "\r" in value:
            return Markup(str(escape(value)).replace("\r", "").replace("\n", "&#10;"))
        return escape(value)
    if kind is Markup:
        return value
    return escape(inline_text(value))


_HEADING = re.compile(r"^(#{2,3}) (\S[^\n]*?)\s*$", re.MULTILINE)


_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_GAPS = re.compile(r"[\s-]+")


def _slug(text: str, used: set[str]) -> str:
    base = _NOT_SLUG.sub("", text).strip().lower()
    base = _SLUG_GAPS.sub("-", base) or "section"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}_{n}"
    used.add(slug)
    return slug


def fragment_html(html: str) -> str:
    """A rendered page body made ready for the theme to include verbatim.

    * `## Heading` lines (only templates can write them: card text never starts a
      line, see `inline_text`) become `<h2 id=…>`, and an "on this page" list of
      them goes before the first one;
    * braces become character references, so `{{ … }}` or `{% … %}` in card text stays
      text whatever a theme or a later tool does with the body (shown unchanged).
    """
    used: set[str] = set()
    headings: list[tuple[str, str]] = []

    def heading(match: re.Match[str]) -> str:
        level = len(match.group(1))
        text = match.group(2)
        slug = _slug(str(Markup(text).striptags()), used)
        if level == 2:
            headings.append((slug, text))
        return (
            f'<h{level} id="{slug}">{text}<a class="headerlink" href="#{slug}" '
            f'title="Permanent link">&para;</a></h{level}>'
        )

    body = _HEADING.sub(heading, html)
    if len(headings) > 1:  # the list goes right before the first section
        links = "".join(f'<li><a href="#{slug}">{text}</a></li>' for slug, text in headings)
        first = body.index(f'<h2 id="{headings[0][0]}"')
        nav = f'<nav class="gc-onpage" aria-label="On this page"><ul>{links}</ul></nav>\n'
        body = body[:first] + nav + body[first:]
    return body.replace("{", "&#123;").replace("}", "&#125;")


def body_page(page: str) -> str:
    """A rendered page (front matter, `# Title`, HTML blocks) made a stub: front matter
    with the HTML as `body` (see `fragment_html`), then the title as its only Markdown.

    The site builder then reads no HTML through Python-Markdown (the cost of list and
    dashboard pages) and the theme prints the body after the title.
    """
    from generator import frontmatter

    found = frontmatter.split(page)
    if found is None:
        raise ValueError("a body page starts with front matter")
    front, rest = found
    title, _, html = rest.lstrip("\n").partition("\n")
    if not title.startswith("# "):
        raise ValueError("a body page's Markdown starts with its `# Title` line")
    front["body"] = fragment_html(html.strip("\n"))
    return f"{frontmatter.write(front)}\n{title}\n"
