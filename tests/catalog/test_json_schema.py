"""The JSON Schema given to editors agrees with the pydantic schema on real cards."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from generator.loader import load_document
from tests.conftest import MINIMAL, REPO

SCHEMA_DIR = REPO / "schema"
CARDS = sorted(
    path
    for root in (MINIMAL, REPO / "catalog")
    for folder in ("models", "datasets", "teams")
    for path in (root / folder).glob("*.yaml")
)


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{kind}.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "path", CARDS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}"
)
def test_valid_cards_pass_the_editor_schema(path: Path) -> None:
    data = load_document(path).data
    errors = list(validator(path.parent.name).iter_errors(data))
    assert not errors, [error.message for error in errors]


def test_editor_schema_flags_unknown_keys_and_bad_enums() -> None:
    data = load_document(MINIMAL / "models" / "credit-default-scorer.yaml").data
    data["ownr"] = data.pop("owner")
    data["stage"] = "prod"
    messages = " ".join(error.message for error in validator("models").iter_errors(data))
    assert "'ownr' was unexpected" in messages
    assert "'prod' is not one of" in messages
