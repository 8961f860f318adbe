"""The card cache and parallel parsing change speed only: never the catalog or the problems."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.cache
import generator.validate
from benchmarks import synth
from generator.cache import CardCache, default_cache_dir, entry_key
from generator.validate import validate_catalog

TODAY = dt.date(2026, 11, 22)

BROKEN = {
    # a TODO left by `govcat new`
    "todo-card": "id: todo-card\nname: TODO\nsummary: x\nowner: o\nstage: production\n",
    # YAML that does not parse
    "syntax-card": "id: syntax-card\nname: [unclosed\n",
    # a duplicate key and an unknown key
    "dup-card": "id: dup-card\nid: dup-card\nnmae: x\n",
    # a list, not a mapping
    "list-card": "- a\n- b\n",
    # empty
    "empty-card": "",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 valid synthetic models plus broken files, a dangling reference and a BOM."""
    target = tmp_path_factory.mktemp("scale") / "project"
    synth.write_project(target, models=60, monitoring_days=0, seed=11, workers=1)
    models = target / "catalog" / "models"
    for name, text in BROKEN.items():
        (models / f"{name}.yaml").write_text(text, encoding="utf-8")
    # valid on its own, but owned by a team that does not exist: a cross-file problem
    plan = synth.make_plan(60, 11)
    text = (models / f"{synth.model_id(plan, 5)}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^id: .*$", "id: dangling-owner", text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^owner: .*$", "owner: no-such-team", text, count=1, flags=re.MULTILINE)
    (models / "dangling-owner.yaml").write_text(text, encoding="utf-8")
    # a valid card whose id differs from its file name
    renamed = re.sub(r"^id: .*$", "id: other-name", text, count=1, flags=re.MULTILINE)
    (models / "wrong-name.yaml").write_text(renamed, encoding="utf-8")
    # a byte-order mark must not shift any position
    bom = models / f"{synth.model_id(plan, 7)}.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    return target


def _as_text(result: generator.validate.ValidationResult) -> list[str]:
    return [str(problem) for problem in result.problems]


@pytest.fixture
def count_parses(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Count the files that were really parsed (in this process)."""
    calls = []
    real = generator.validate.load_text

    def counting(raw: bytes, shown: str) -> generator.loader.Document:
        calls.append(shown)
        return real(raw, shown)

    monkeypatch.setattr(generator.validate, "load_text", counting)
    return lambda: len(calls)


def test_reference_run_finds_every_kind_of_problem(project: Path) -> None:
    result = validate_catalog(project / "catalog", today=TODAY, workers=1)
    rules = {problem.rule for problem in result.problems}
    assert {
        "todo-left",
        "yaml-syntax",
        "yaml-duplicate-key",
        "schema-unknown-key",
        "id-file-mismatch",
        "yaml-not-mapping",
        "yaml-empty",
        "ref-unknown-team",
    } <= rules
    assert len(result.catalog.models) == 61  # 60 synthetic + the dangling-owner card


PARALLEL_SCRIPT = """
import datetime as dt, json, sys
from pathlib import Path
import generator.validate as validate

parsed_here = []
real_parse_chunk = validate._parse_chunk

def counting(jobs):
    parsed_here.append(len(jobs))
    return real_parse_chunk(jobs)

catalog = Path(sys.argv[1])
today = dt.date(2026, 11, 22)
serial = validate.validate_catalog(catalog, today=today, workers=1)
validate.PARALLEL_MIN_FILES = 10
validate._parse_chunk = counting
parallel = validate.validate_catalog(catalog, today=today, workers=2)
print(json.dumps({
    "parsed_here": parsed_here,
    "same_problems": [str(p) for p in parallel.problems] == [str(p) for p in serial.problems],
    "problems": len(serial.problems),
    "same_models": parallel.catalog.models == serial.catalog.models
    and list(parallel.catalog.models) == list(serial.catalog.models),
    "same_datasets": parallel.catalog.datasets == serial.catalog.datasets,
    "same_teams": parallel.catalog.teams == serial.catalog.teams,
}))
"""


def test_parallel_parsing_gives_the_serial_result(project: Path) -> None:
    # A fresh process: forking worker processes is only done when no other thread runs,
    # and a pytest-xdist worker has threads of its own.
    import json
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-c", PARALLEL_SCRIPT, str(project / "catalog")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    outcome = json.loads(completed.stdout)
    assert outcome["parsed_here"] == []  # every file was parsed in a worker process, none here
    assert outcome["problems"] > 0
    assert outcome["same_problems"]
    assert outcome["same_models"]
    assert outcome["same_datasets"]
    assert outcome["same_teams"]


def test_warm_run_skips_parsing_and_reports_the_same(
    project: Path, tmp_path: Path, count_parses: Callable[[], int]
) -> None:
    cache = tmp_path / "cache"
    reference = validate_catalog(project / "catalog", today=TODAY, workers=1)
    files = sum(1 for _ in (project / "catalog").glob("*/*.yaml"))
    assert count_parses() == files
    cold = validate_catalog(project / "catalog", today=TODAY, cache_dir=cache, workers=1)
    assert count_parses() == 2 * files
    assert list(cache.glob("cards-*.marshal"))

    warm = validate_catalog(project / "catalog", today=TODAY, cache_dir=cache, workers=1)
    # only the files with problems of their own are parsed again
    assert count_parses() - 2 * files == len(BROKEN) + 1  # + wrong-name.yaml
    assert _as_text(cold) == _as_text(reference)
    assert _as_text(warm) == _as_text(reference)
    assert warm.catalog.models == reference.catalog.models
    # positions of cross-file problems still come from the (cached) card's text
    dangling = [p for p in warm.problems if p.rule == "ref-unknown-team"]
    assert dangling and all(p.line and p.line > 1 for p in dangling)


def test_an_edited_card_is_parsed_again(
    make_catalog: Callable[..., Path], tmp_path: Path, count_parses: Callable[[], int]
) -> None:
    catalog = make_catalog()
    cache = tmp_path / "cache"
    validate_catalog(catalog, today=TODAY, cache_dir=cache)
    first = count_parses()
    card = catalog / "models" / "churn-predictor.yaml"
    card.write_text(card.read_text().replace("Churn Predictor", "Churn Predictor v2"))
    result = validate_catalog(catalog, today=TODAY, cache_dir=cache)
    assert count_parses() - first == 1
    assert result.catalog.models["churn-predictor"].name == "Churn Predictor v2"
    # an edit that breaks the card is reported, not served stale from the cache
    card.write_text(card.read_text().replace("stage: staging", "stage: shipping"))
    broken = validate_catalog(catalog, today=TODAY, cache_dir=cache)
    assert "churn-predictor" not in broken.catalog.models
    assert any(p.rule == "schema-enum" and "churn-predictor" in p.path for p in broken.problems)


def test_a_policy_change_starts_from_an_empty_cache(
    make_catalog: Callable[..., Path], tmp_path: Path, count_parses: Callable[[], int]
) -> None:
    catalog = make_catalog()
    cache = tmp_path / "cache"
    validate_catalog(catalog, today=TODAY, cache_dir=cache)
    validate_catalog(catalog, today=TODAY, cache_dir=cache)
    files = sum(1 for _ in catalog.glob("*/*.yaml"))
    assert count_parses() == files  # the second run parsed nothing
    old = {path.name for path in cache.iterdir()}
    (catalog / "policy.yaml").write_text("# stricter rules\n", encoding="utf-8")
    validate_catalog(catalog, today=TODAY, cache_dir=cache)
    assert count_parses() == 2 * files
    assert {path.name for path in cache.iterdir()}.isdisjoint(old)  # the stale file is gone


def test_a_schema_change_changes_the_salt(
    make_catalog: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = make_catalog()
    before = generator.cache.salt(catalog)
    monkeypatch.setattr(generator.cache, "_SOURCES", ("schema.py",))
    assert generator.cache.salt(catalog) != before
    monkeypatch.setattr(generator, "__version__", "99.0")
    assert generator.cache.salt(catalog) != before


def test_a_damaged_cache_file_is_ignored(
    make_catalog: Callable[..., Path], tmp_path: Path, count_parses: Callable[[], int]
) -> None:
    catalog = make_catalog()
    cache = tmp_path / "cache"
    reference = validate_catalog(catalog, today=TODAY, cache_dir=cache)
    (cache_file,) = cache.glob("cards-*.marshal")
    cache_file.write_bytes(b"\x00garbage" * 10)
    again = validate_catalog(catalog, today=TODAY, cache_dir=cache)
    assert _as_text(again) == _as_text(reference)
    assert again.catalog.models == reference.catalog.models
    assert count_parses() == 2 * sum(1 for _ in catalog.glob("*/*.yaml"))


def test_cache_keys_depend_on_folder_name_and_bytes() -> None:
    key = entry_key("models", "a.yaml", b"id: a\n")
    assert key == entry_key("models", "a.yaml", b"id: a\n")
    assert key != entry_key("models", "a.yaml", b"id: a \n")
    assert key != entry_key("models", "b.yaml", b"id: a\n")
    assert key != entry_key("datasets", "a.yaml", b"id: a\n")


def test_cache_forgets_cards_that_are_gone(tmp_path: Path) -> None:
    cache = CardCache(tmp_path, "salt")
    cache.put(b"k1", {"id": "a"})
    cache.put(b"k2", {"id": "b"})
    cache.save()
    again = CardCache(tmp_path, "salt")
    again._read()
    assert again.get(b"k1") == {"id": "a"}
    again.save()  # only k1 was used in this run
    third = CardCache(tmp_path, "salt")
    third._read()
    assert third.get(b"k2") is None and third.get(b"k1") == {"id": "a"}


def test_default_cache_dir_is_build_cache_beside_the_catalog(tmp_path: Path) -> None:
    assert default_cache_dir(tmp_path / "catalog") == (tmp_path / "build" / "cache").resolve()
