"""Option parsing shared by the command modules."""

from __future__ import annotations

import datetime as dt

import click


def parse_date(value: str | None, param_hint: str | None = None) -> dt.date | None:
    """A `YYYY-MM-DD` option value as a date (None stays None); a usage error otherwise."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=param_hint
        ) from None
