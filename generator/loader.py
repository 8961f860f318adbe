"""Load stage: YAML files → plain Python data with source positions.

The loader is deliberately stricter than `yaml.safe_load`:

* it reads the libyaml event stream and builds the data itself, so nesting depth
  and alias expansion are bounded *while* parsing (libyaml's own composer
  recurses and crashes the interpreter on a few thousand nested brackets);
* only plain YAML tags are accepted — no tag can construct an object;
* duplicate keys, several documents, non-UTF-8 bytes, control characters and
  oversized files are errors, not silent surprises;
* every key and value keeps its `line:col`, so later stages can point a user at
  the exact spot.

Positions are kept in one flat dict per document keyed by the value's path
(`("versions", 0, "date")`), built only when asked for: the fast path of a
catalog build parses without them, and a document re-reads its own text with
positions the first time a problem needs a location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Problem

MAX_FILE_BYTES = 1024 * 1024
"""A model card is a few KB; a megabyte is a mistake (or an attack), not a card."""
MAX_DEPTH = 32
MAX_NODES = 200_000
"""Upper bound on values built per file, aliases expanded (stops 'billion laughs')."""

Loc = tuple[str | int, ...]
Position = tuple[int, int]

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "!",
}
_RESOLVER = yaml.resolver.Resolver()
_TRUE = {"yes", "true", "on", "y"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")


class LoadError(Exception):
    """A file cannot be read as YAML at all (carries the problem)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Document:
    """One loaded YAML file: its data and where each value came from."""

    path: str
    """The path as shown to the user (relative to where govcat runs, if possible)."""
    data: Any
    text: str = field(repr=False)
    problems: list[Problem] = field(default_factory=list)
    """Non-fatal problems found while loading (duplicate keys)."""
    _values: dict[Loc, Position] | None = field(default=None, repr=False)
    _keys: dict[Loc, Position] | None = field(default=None, repr=False)

    def _ensure_positions(self) -> None:
        if self._values is None:
            builder = _Builder(self.path, track_positions=True)
            builder.build(self.text)
            self._values, self._keys = builder.values, builder.keys

    def position(self, loc: Iterable[str | int], *, key: bool = False) -> Position:
        """The best `(line, col)` for a path into the data.

        With `key=True` the position of the mapping key itself (for unknown or
        misspelt keys); otherwise the value's. A path that does not exist (a
        missing field) falls back to its nearest existing parent.
        """
        self._ensure_positions()
        assert self._values is not None and self._keys is not None
        loc = tuple(loc)
        if key and loc in self._keys:
            return self._keys[loc]
        while loc:
            if loc in self._values:
                return self._values[loc]
            loc = loc[:-1]
        return self._values.get((), (1, 1))

    def problem(
        self,
        loc: Iterable[str | int],
        rule: str,
        message: str,
        *,
        key: bool = False,
        severity: str = "error",
    ) -> Problem:
        """A `Problem` located at `loc` in this document."""
        line, col = self.position(loc, key=key)
        return Problem(self.path, line, col, rule, message, severity)  # type: ignore[arg-type]


def display_path(path: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_document(path: Path, *, shown_as: str | None = None) -> Document:
    """Read one YAML file safely. Raises `LoadError` when it cannot be read at all."""
    shown = shown_as or display_path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LoadError(
            Problem(shown, None, None, "file-unreadable", str(error.strerror))
        ) from None
    if size > MAX_FILE_BYTES:
        raise LoadError(
            Problem(
                shown,
                None,
                None,
                "file-too-large",
                f"file is {size:,} bytes; a card may be at most {MAX_FILE_BYTES:,} bytes — "
                "keep long documents in the linked repository and link to them",
            )
        )
    raw = path.read_bytes()
    return load_text(raw, shown)


def load_text(raw: bytes, shown: str) -> Document:
    """Parse bytes that claim to be one YAML document (see `load_document`)."""
    text = _decode(raw, shown)
    builder = _Builder(shown, track_positions=False)
    data = builder.build(text)
    return Document(shown, data, text, builder.problems)


def _line_col(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _line_col(raw[: error.start].decode("utf-8", "replace"), error.start)
        raise LoadError(
            Problem(
                shown,
                line,
                col,
                "file-encoding",
                f"byte 0x{raw[error.start]:02x} is not valid UTF-8; save the file as UTF-8",
            )
        ) from None
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise LoadError(
            Problem(
                shown,
                line,
                col,
                "file-control-character",
                f"control character U+{ord(bad.group()):04X} is not allowed in a YAML file; "
                "remove it",
            )
        )
    return text


class _Builder:
    """Builds Python data from libyaml events, iteratively (no recursion)."""

    def __init__(self, shown: str, *, track_positions: bool) -> None:
        self.shown = shown
        self.track = track_positions
        self.values: dict[Loc, Position] = {}
        self.keys: dict[Loc, Position] = {}
        self.problems: list[Problem] = []
        self.nodes = 0

    def fail(self, mark: Any, rule: str, message: str) -> LoadError:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        return LoadError(Problem(self.shown, line, col, rule, message))

    def build(self, text: str) -> Any:
        parser = yaml.CSafeLoader(text)
        try:
            return self._build(parser)
        except yaml.MarkedYAMLError as error:
            raise self._syntax_error(error, text) from None
        except yaml.YAMLError as error:  # unmarked libyaml errors
            raise LoadError(Problem(self.shown, None, None, "yaml-syntax", str(error))) from None
        finally:
            parser.dispose()

    def _syntax_error(self, error: yaml.MarkedYAMLError, text: str) -> LoadError:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "invalid YAML"
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            return self.fail(
                mark,
                "yaml-tab-indent",
                "a tab character is used for indentation; YAML needs spaces",
            )
        context = f" ({error.context})" if error.context else ""
        return self.fail(mark, "yaml-syntax", f"{problem}{context}")

    def _build(self, parser: Any) -> Any:  # noqa: C901 - one loop over event kinds
        get_event = parser.get_event
        # Each frame: [container, loc, pending_key, anchor, start_nodes]
        stack: list[list[Any]] = []
        anchors: dict[str, tuple[Any, int]] = {}
        root: Any = None
        documents = 0
        track = self.track
        values, keys = self.values, self.keys

        def place(value: Any, anchor: str | None, size: int) -> None:
            nonlocal root
            if anchor is not None:
                anchors[anchor] = (value, size)
            if not stack:
                root = value
                return
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(value)
            else:
                key = frame[2]
                frame[2] = None
                if key in container:
                    self.problems.append(
                        Problem(
                            self.shown,
                            frame[5][0],
                            frame[5][1],
                            "yaml-duplicate-key",
                            f"key '{key}' appears more than once in this mapping; "
                            "the last one would silently win — keep one",
                        )
                    )
                container[key] = value

        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                self.nodes += 1
                mark = event.start_mark
                if stack and type(stack[-1][0]) is dict and stack[-1][2] is None:
                    # a mapping key: always its literal text (so `no:` stays "no")
                    frame = stack[-1]
                    key = event.value
                    frame[2] = key
                    frame[5] = (mark.line + 1, mark.column + 1)
                    if track:
                        keys[frame[1] + (key,)] = frame[5]
                    continue
                value = self._scalar(event)
                loc = self._child_loc(stack) if track else ()
                if track:
                    values[loc] = (mark.line + 1, mark.column + 1)
                place(value, event.anchor, 1)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.nodes += 1
                self._check_tag(event)
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        event.start_mark,
                        "yaml-too-deep",
                        f"nesting deeper than {MAX_DEPTH} levels; a card is never this deep",
                    )
                loc = self._child_loc(stack) if (track or stack) else ()
                if track:
                    values[loc] = (event.start_mark.line + 1, event.start_mark.column + 1)
                container: Any = {} if kind is yaml.MappingStartEvent else []
                stack.append([container, loc, None, event.anchor, self.nodes, None])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container, _, _, anchor, start, _ = stack.pop()
                place(container, anchor, self.nodes - start + 1)
            elif kind is yaml.AliasEvent:
                if event.anchor not in anchors:
                    raise self.fail(
                        event.start_mark,
                        "yaml-alias",
                        f"alias *{event.anchor} refers to no finished anchor "
                        "(undefined or recursive)",
                    )
                value, size = anchors[event.anchor]
                self.nodes += size
                if self.nodes > MAX_NODES:
                    raise self.fail(
                        event.start_mark,
                        "yaml-alias-limit",
                        f"aliases expand to more than {MAX_NODES:,} values; "
                        "write the values out instead of nesting aliases",
                    )
                if stack and type(stack[-1][0]) is dict and stack[-1][2] is None:
                    raise self.fail(
                        event.start_mark, "yaml-complex-key", "an alias cannot be a key"
                    )
                loc = self._child_loc(stack) if track else ()
                if track:
                    values[loc] = (event.start_mark.line + 1, event.start_mark.column + 1)
                place(value, None, size)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail(
                        event.start_mark,
                        "yaml-multiple-documents",
                        "a second YAML document starts here ('---'); put one card per file",
                    )
            elif kind is yaml.StreamEndEvent:
                break
            if self.nodes > MAX_NODES:
                raise self.fail(
                    event.start_mark,
                    "yaml-too-large",
                    f"more than {MAX_NODES:,} values in one file",
                )
        return root

    def _child_loc(self, stack: list[list[Any]]) -> Loc:
        if not stack:
            return ()
        frame = stack[-1]
        container = frame[0]
        if type(container) is list:
            return frame[1] + (len(container),)
        if frame[2] is None:
            # a collection used as a mapping key
            line, col = frame[5] if frame[5] else (None, None)
            raise LoadError(
                Problem(
                    self.shown, line, col, "yaml-complex-key", "a mapping key must be plain text"
                )
            )
        return frame[1] + (frame[2],)

    def _check_tag(self, event: Any) -> None:
        tag = event.tag
        if tag is not None and tag not in _ALLOWED_TAGS:
            raise self.fail(
                event.start_mark,
                "yaml-unsafe-tag",
                f"tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
                "govcat reads plain YAML (strings, numbers, booleans, lists, mappings)",
            )

    def _scalar(self, event: Any) -> Any:
        self._check_tag(event)
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if event.style or not event.implicit[0]:
                return value  # quoted or block scalar: always text
            tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() in _TRUE
        if tag == "tag:yaml.org,2002:int":
            text = value.replace("_", "")
            if _INT_RE.match(value):
                return int(text)
            try:
                sign = -1 if text.startswith("-") else 1
                text = text.lstrip("+-")
                if text.startswith("0b"):
                    return sign * int(text[2:], 2)
                if text.startswith("0x"):
                    return sign * int(text[2:], 16)
                if text.startswith("0o"):
                    return sign * int(text[2:], 8)
                if text.startswith("0") and len(text) > 1:
                    return sign * int(text, 8)
                return sign * int(text)
            except ValueError:
                return value
        if tag == "tag:yaml.org,2002:float":
            text = value.replace("_", "").lower()
            if text in (".inf", "+.inf"):
                return float("inf")
            if text == "-.inf":
                return float("-inf")
            if text == ".nan":
                return float("nan")
            try:
                return float(text)
            except ValueError:
                return value
        # timestamps stay text: the schema parses dates, with a clear message when
        # they are impossible (2026-02-30), which YAML's own constructor crashes on.
        return value
