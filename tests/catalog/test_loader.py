"""The safe YAML loader: data, positions and refusals."""

from __future__ import annotations

import pytest

from generator.loader import LoadError, load_text


def test_plain_yaml_types_and_keys_stay_literal() -> None:
    document = load_text(
        b"id: x\nno: yes\nn: 3\nf: 1.5\nd: 2026-01-01\nq: '007'\nh: 0x1F\n", "c.yaml"
    )
    assert document.data == {
        "id": "x",
        "no": True,
        "n": 3,
        "f": 1.5,
        "d": "2026-01-01",
        "q": "007",
        "h": 31,
    }


def test_positions_of_values_keys_and_missing_paths() -> None:
    text = b"id: x\nversions:\n  - {version: 1.0.0, date: 2026-01-01}\n  - version: 2.0.0\n    date: 2026-02-01\n"
    document = load_text(text, "c.yaml")
    assert document.position(("versions", 0, "date")) == (3, 28)
    assert document.position(("versions", 1, "date")) == (5, 11)
    assert document.position(("versions",), key=True) == (2, 1)
    # a missing field points at its nearest existing parent
    assert document.position(("versions", 1, "stage")) == (4, 5)
    assert document.problem(("id",), "r", "m").line == 1


def test_windows_line_endings_and_bom_are_accepted() -> None:
    document = load_text(b"\xef\xbb\xbfid: x\r\nname: y\r\n", "c.yaml")
    assert document.data == {"id": "x", "name": "y"}
    assert document.position(("name",)) == (2, 7)


def test_anchors_and_small_aliases_are_fine() -> None:
    document = load_text(b"a: &t {min: 1}\nb: *t\n", "c.yaml")
    assert document.data["b"] == {"min": 1}


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b"a: !!binary aGVsbG8=\n", "yaml-unsafe-tag"),
        (b"a: !!set {x}\n", "yaml-unsafe-tag"),
        (b"a: !!python/name:os.system\n", "yaml-unsafe-tag"),
        (b"a: 1\n--- \nb: 2\n", "yaml-multiple-documents"),
        (b"a: *missing\n", "yaml-alias"),
        (b"a: 1\x07\n", "file-control-character"),
    ],
)
def test_refusals(raw: bytes, rule: str) -> None:
    with pytest.raises(LoadError) as error:
        load_text(raw, "c.yaml")
    assert error.value.problem.rule == rule
    assert error.value.problem.path == "c.yaml"


def test_depth_limit_stops_before_libyaml_recursion() -> None:
    # libyaml's composer crashes the interpreter at this depth; the event builder stops early
    with pytest.raises(LoadError) as error:
        load_text(b"[" * 200_000 + b"]" * 200_000, "c.yaml")
    assert error.value.problem.rule == "yaml-too-deep"
    assert error.value.problem.line == 1
