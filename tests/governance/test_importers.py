"""Importers over the real third-party cards in ../shared/corpus/model_cards/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemsFound
from generator.importers import import_hf, import_mct
from generator.validate import validate_catalog

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "model_cards"
CARDS = sorted(p for p in CORPUS.iterdir() if p.name != "SOURCES.md") if CORPUS.is_dir() else []
VALID = [p for p in CARDS if "invalid" not in p.name]
INVALID = [p for p in CARDS if "invalid" in p.name]
TODAY = dt.date(2026, 11, 22)


def _import(path: Path):
    importer = import_mct if path.suffix == ".json" else import_hf
    return importer(path, card_id="imported-card", today=TODAY)


def fill_todos(text: str) -> str:
    """Replace every TODO marker with a value valid in tests/catalogs/minimal."""
    text = text.replace("TODO-person-id", "jlee").replace("TODO-team-id", "credit-risk-ml")
    text = text.replace("TODO-validation-team-id", "model-risk")
    text = text.replace("TODO-dataset-id", "loan-applications")
    return re.sub(r"TODO[^\n'\"]*", "filled in", text)


def test_the_corpus_is_there() -> None:
    assert len(VALID) >= 15 and len(INVALID) == 2


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_every_real_card_imports_and_validates_once_todos_are_filled(
    path: Path, minimal_catalog: Path
) -> None:
    card = _import(path)
    assert card.todos >= 5
    target = minimal_catalog / "models" / "imported-card.yaml"
    target.write_text(card.text)
    before = validate_catalog(minimal_catalog, today=TODAY)
    rules = {p.rule for p in before.problems}
    assert rules == {"todo-left"}, [str(p) for p in before.problems]
    target.write_text(fill_todos(card.text))
    after = validate_catalog(minimal_catalog, today=TODAY)
    assert [str(p) for p in after.problems] == []
    assert "imported-card" in after.catalog.models


def test_what_the_importers_carry_over() -> None:
    simple = _import(CORPUS / "huggingface__huggingface_hub__sample_simple_model_index.md")
    assert "task: image-classification" in simple.text
    assert "framework: timm" in simple.text
    assert "accuracy: 0.9" in simple.text and "f1: 0.66" in simple.text
    mct = _import(CORPUS / "tensorflow__model-card-toolkit__cats_vs_dogs_v0_0_2.json")
    assert "name: Fine-tuned MobileNetV2 Model for Cat vs. Dogs" in mct.text
    assert "date: '2020-08-28'" in mct.text
    assert "accuracy: 0.9781249761581421" in mct.text
    assert "reference: https://www.kaggle.com/c/dogs-vs-cats" in mct.text


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixtures_fail_with_a_located_problem(
    path: Path, tmp_path: Path, monkeypatch
) -> None:
    with pytest.raises(ProblemsFound) as caught:
        _import(path)
    problem = caught.value.problems[0]
    assert problem.line and problem.col and problem.rule.startswith("import-hf-")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["import", "hf", str(path)])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(path.name)}:\d+:\d+: import-hf-[a-z-]+: ", result.output)
    assert "Traceback" not in result.output
    assert not (tmp_path / "catalog").exists()


def test_invalid_card_data_message_is_exact() -> None:
    with pytest.raises(ProblemsFound) as caught:
        _import(CORPUS / "huggingface__huggingface_hub__sample_invalid_model_index.md")
    assert [(p.line, p.col, p.rule) for p in caught.value.problems] == [
        (15, 5, "import-hf-model-index")
    ]


def test_broken_json_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "card.json"
    bad.write_text('{"model_details": {"name": "x",}\n')
    with pytest.raises(ProblemsFound) as caught:
        import_mct(bad)
    assert [(p.line, p.col, p.rule) for p in caught.value.problems] == [(1, 32, "import-mct-json")]


def test_import_cli_never_overwrites_without_force(minimal_catalog: Path, monkeypatch) -> None:
    monkeypatch.chdir(minimal_catalog.parent)
    source = CORPUS / "openai__whisper__model-card.md"
    run = CliRunner().invoke
    first = run(cli, ["import", "hf", str(source), "--owner", "credit-risk-ml"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("wrote catalog/models/whisper.yaml with ")
    written = minimal_catalog / "models" / "whisper.yaml"
    assert "owner: credit-risk-ml" in written.read_text()
    written.write_text("keep me")
    again = run(cli, ["import", "hf", str(source)])
    assert again.exit_code == 1 and "already exists; pass --force" in again.output
    assert written.read_text() == "keep me"
    forced = run(cli, ["import", "hf", str(source), "--force"])
    assert forced.exit_code == 0 and written.read_text().startswith("# yaml-language-server")
    bad_id = run(cli, ["import", "hf", str(source), "--id", "../x"])
    assert bad_id.exit_code == 2
