"""Files govcat writes for users: new cards from templates, and JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from importlib import resources
from pathlib import Path

from generator.schema import ID_RE, json_schemas


class ScaffoldError(Exception):
    """A scaffold cannot be written (bad id, file exists)."""


def atomic_write(path: Path, content: str | bytes, *, durable: bool = True) -> None:
    """Write `content` to `path` via a temporary file and a rename (never half-written).

    `durable` also fsyncs before the rename: for files users keep (cards, exports,
    the monitoring store); generated build files skip it for speed.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_card(
    catalog: Path,
    kind: str,
    card_id: str,
    *,
    owner: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write a commented template for a new model, dataset or team card."""
    if not ID_RE.match(card_id):
        raise ScaffoldError(
            f"'{card_id}' is not a valid id: use lower-case letters, digits and '-' "
            "(2-64 characters), e.g. card-fraud-detector"
        )
    path = catalog / f"{kind}s" / f"{card_id}.yaml"
    if path.exists():
        raise ScaffoldError(f"{path} already exists; edit it, or choose another id")
    template = resources.files("generator.scaffolds").joinpath(f"{kind}.yaml").read_text("utf-8")
    text = (
        template.replace("__ID__", card_id)
        .replace("__OWNER__", owner or "TODO-team-id")
        .replace("__TODAY__", (today or dt.date.today()).isoformat())
    )
    atomic_write(path, text)
    return path


def render_json_schemas() -> dict[str, str]:
    """File name → JSON text of each schema."""
    return {
        f"{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }


def write_json_schemas(output: Path, *, check: bool = False) -> list[Path]:
    """Write the schemas to `output`; with `check`, only list the files that differ."""
    stale = []
    for name, text in render_json_schemas().items():
        path = output / name
        current = path.read_text("utf-8") if path.is_file() else None
        if current != text:
            stale.append(path)
            if not check:
                atomic_write(path, text)
    return stale
