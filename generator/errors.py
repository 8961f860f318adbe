"""Problems a user can cause, and govcat's exception hierarchy.

A `Problem` is one thing wrong with the user's input, located at
`path:line:col`. Stages collect problems instead of raising at the first one,
so that a user sees everything wrong at once. The CLI turns a non-empty list
into exit status 1 via `ProblemsFound`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import click

Severity = Literal["error", "warning"]
OutputFormat = Literal["text", "json", "github"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the user's input, with its source location."""

    path: str
    line: int | None
    col: int | None
    rule: str
    message: str
    severity: Severity = "error"

    def location(self) -> str:
        """`path:line:col`, leaving out what is unknown."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location()}: {self.rule}: {prefix}{self.message}"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, then line order; stable for identical locations."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.col or 0, p.rule, p.message))


def summary_line(problems: Sequence[Problem], noun: str = "problem") -> str:
    """`3 problems (2 errors, 1 warning) in 2 files.`"""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    plural = "" if len(problems) == 1 else "s"
    detail = []
    if errors:
        detail.append(f"{errors} error{'' if errors == 1 else 's'}")
    if warnings:
        detail.append(f"{warnings} warning{'' if warnings == 1 else 's'}")
    return (
        f"{len(problems)} {noun}{plural} ({', '.join(detail)}) "
        f"in {files} file{'' if files == 1 else 's'}."
    )


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_problems(problems: Sequence[Problem], output_format: OutputFormat = "text") -> str:
    """Render problems as plain lines, a JSON document or GitHub workflow annotations."""
    ordered = sort_problems(problems)
    if output_format == "json":
        return json.dumps(
            {"problems": [asdict(p) for p in ordered], "count": len(ordered)}, indent=2
        )
    if output_format == "github":
        lines = []
        for p in ordered:
            props = [f"file={_github_escape(p.path, property_value=True)}"]
            if p.line is not None:
                props.append(f"line={p.line}")
            if p.col is not None:
                props.append(f"col={p.col}")
            props.append(f"title={_github_escape(p.rule, property_value=True)}")
            lines.append(f"::{p.severity} {','.join(props)}::{_github_escape(p.message)}")
        return "\n".join(lines)
    return "\n".join(str(p) for p in ordered)


class GovcatError(click.ClickException):
    """Base of every error govcat reports to the user (exit status 1)."""

    exit_code = 1


class ProblemsFound(GovcatError):
    """The input has problems; they have been printed."""

    def __init__(self, problems: Sequence[Problem], noun: str = "problem") -> None:
        self.problems = list(problems)
        super().__init__(summary_line(self.problems, noun))


class CatalogNotFound(GovcatError):
    """The catalog folder does not exist or is not a catalog."""


class BuildError(GovcatError):
    """The site could not be built; the previous site is left untouched."""


class StoreError(GovcatError):
    """The monitoring store cannot be read or written."""
