"""Front matter values survive the YAML parsers the site builders use."""

from __future__ import annotations

import yaml

from generator import frontmatter

AWKWARD = [
    'plain <p class="x">body</p>',
    'quotes " and \\ backslashes \\" and {{ braces }} {% tags %}',
    "line\nbreaks\r\n and\ttabs",
    "unicode line separators \u2028 \u2029 and next-line \u0085 stay",
    "emoji 😀 and astral 𝔘 and CJK 模型 and accents café",
    "BOM \ufeff, NUL-free control \x01\x1f and DEL \x7f",
    "--- looks like a fence\n---\n",
    "",
]


def test_values_read_back_equal_with_both_yaml_loaders() -> None:
    values = {f"k{i}": text for i, text in enumerate(AWKWARD)}
    values.update({"search": True, "hide": ["navigation", "toc"], "n": 3})
    block = frontmatter.write(values)
    head = block.removeprefix("---\n").removesuffix("---\n")
    assert all(line.isascii() for line in head.splitlines())
    assert len(head.splitlines()) == len(values)  # one line per key, whatever the value
    assert yaml.load(head, Loader=yaml.CSafeLoader) == values  # noqa: S506
    assert yaml.load(head, Loader=yaml.SafeLoader) == values  # noqa: S506
    assert frontmatter.read(block + "\n# Title\n") == values


def test_reading_a_stub_without_front_matter() -> None:
    assert frontmatter.read("# Title\n") == {}
    assert frontmatter.read("---\n: [unclosed\n---\n") == {}


def test_a_rendered_page_becomes_a_title_with_its_body_in_the_front_matter() -> None:
    import pytest

    from generator.render.escape import body_page

    page = "---\ntitle: Alerts\nhide: [navigation]\n---\n\n# Alerts\n\n<p>a {x}</p>\n\n## Breaches\n\n<table></table>\n\n## Stale feeds\n"
    stub = body_page(page)
    assert stub.endswith("---\n\n# Alerts\n")
    front = frontmatter.read(stub)
    assert front["title"] == "Alerts" and front["hide"] == ["navigation"]
    body = front["body"]
    assert body.startswith("<p>a &#123;x&#125;</p>")  # braces inert
    assert '<h2 id="breaches">Breaches' in body and '<a href="#stale-feeds">' in body
    with pytest.raises(ValueError):
        body_page("# no front matter\n")
    with pytest.raises(ValueError):
        body_page("---\ntitle: x\n---\n\n<p>no title line</p>\n")
