"""Validate stage: loaded documents → a `Catalog`, or the list of every problem.

Three layers, all run, all reported together:

1. per file: the loader's YAML problems, then the pydantic schema, with each
   pydantic error translated into a rule id and a message that says what to do;
2. per catalog: ids match file names, references resolve, versions and
   validations are consistent;
3. leftovers of `govcat new`: TODO markers.

Policy findings (governance rules) are a separate stage on the valid catalog.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import sys
import threading
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.cache import CardCache, entry_key
from generator.catalog import KIND_FOLDERS, Catalog
from generator.errors import Problem
from generator.loader import (
    MAX_FILE_BYTES,
    Document,
    LoadError,
    Loc,
    display_path,
    load_document,
    load_text,
)
from generator.schema import FILE_KINDS, ID_RE, TODO_MARKER, Settings, StrictModel
from generator.workers import map_io, worker_count

SETTINGS_FILE = "settings.yaml"
POLICY_FILE = "policy.yaml"
PARALLEL_MIN_FILES = 300
"""Parse in worker processes only when this many files need parsing: below it, starting
the workers costs more than it saves."""
_BOM = b"\xef\xbb\xbf"


@dataclass
class ValidationResult:
    """The valid part of the catalog and every problem found."""

    catalog: Catalog
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems with severity `error`."""
        return [p for p in self.problems if p.severity == "error"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC, and promote what was made meanwhile to its oldest generation.

    Running, the GC would rescan every loaded card again and again while thousands of
    small objects are made (loading and aggregating 2-5x slower). Re-enabled, its
    first young collection would still scan all of them once more (0.1 s at 1,000
    models after the aggregation: ~250,000 objects); `freeze` + `unfreeze` moves them
    to the oldest generation unscanned instead (two list splices), where the next full
    collection finds them like any long-lived object. Skipped when something else froze
    objects (`unfreeze` would thaw them too).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def catalog_files(root: Path) -> dict[str, list[Path]]:
    """The card files of each folder (`*.yaml` directly inside), sorted by name."""
    return {
        # sorting by name is the same order as by path here, and much cheaper
        folder: sorted((root / folder).glob("*.yaml"), key=lambda path: path.name)
        if (root / folder).is_dir()
        else []
        for folder in KIND_FOLDERS
    }


def validate_catalog(
    root: Path,
    *,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> ValidationResult:
    """Load and validate every file of the catalog at `root`.

    With `cache_dir` (usually `generator.cache.default_cache_dir(root)`), cards that
    validated cleanly before and have not changed skip YAML parsing. `workers` caps
    the processes that parse files (default: the CPUs available, or $GOVCAT_WORKERS);
    the problems and the catalog are the same whatever the cache and the workers.
    """
    today = today or dt.date.today()
    problems: list[Problem] = []
    settings = _load_settings(root, problems)
    catalog = Catalog(root=root, settings=settings)
    files = catalog_files(root)
    problems.extend(_stray_files(root))
    with gc_paused():
        cache = CardCache.open(cache_dir, root) if cache_dir is not None else None
        loaded = _load_files(root, files, cache, worker_count(workers))
        for folder, paths in files.items():
            model = FILE_KINDS[folder]
            target: dict[str, Any] = getattr(catalog, folder)
            for path, item in zip(paths, loaded[folder], strict=True):
                data = item.document.data if item.document is not None else None
                before = len(problems)
                card = _load_card(path, item, model, catalog, folder, problems)
                if card is not None:
                    target[card.id] = card
                    if cache is not None and item.key is not None and len(problems) == before:
                        cache.put(item.key, data)
        # Cards that exist but failed to load already have their problem; references to
        # them are not reported again as dangling.
        unloadable = {
            (folder, path.stem)
            for folder, paths in files.items()
            for path in paths
            if path.stem not in getattr(catalog, folder)
        }
        problems.extend(check_references(catalog, today, unloadable=unloadable))
        if cache is not None:
            cache.save()
    return ValidationResult(catalog, problems)


# --- loading: cache, then parse (in worker processes when there are many files) ---


@dataclass
class _Loaded:
    """One card file after loading: a document, or the problem that stopped it."""

    document: Document | None = None
    error: Problem | None = None
    todos: list[Loc] = field(default_factory=list)
    """Where values still hold a TODO marker."""
    key: bytes | None = None
    """The file's cache key (when a cache is used)."""


def _load_files(
    root: Path, files: dict[str, list[Path]], cache: CardCache | None, workers: int
) -> dict[str, list[_Loaded]]:
    """Every card file loaded, in `files` order: from the cache, else parsed."""
    loaded: dict[str, list[_Loaded]] = {folder: [] for folder in files}
    to_parse: list[tuple[_Loaded, bytes, str]] = []
    # read by several threads: cards not in the page cache are read in parallel
    raws = iter(map_io(_read_card_bytes, [path for paths in files.values() for path in paths]))
    for folder, paths in files.items():
        shown_folder = Path(display_path(root / folder)) if paths else None
        for path in paths:
            # display_path resolves symlinks; resolving the folder once is the same for
            # plain files and saves a realpath per file
            shown = display_path(path) if path.is_symlink() else str(shown_folder / path.name)
            raw = next(raws)
            if raw is None:  # too large or unreadable: the loader says why
                loaded[folder].append(_load_unreadable(path, shown))
                continue
            item = _Loaded(key=entry_key(folder, path.name, raw) if cache is not None else None)
            data = cache.get(item.key) if cache is not None and item.key is not None else None
            if data is not None:
                item.document = Document(shown, data, _text(raw))
            else:
                to_parse.append((item, raw, shown))
            loaded[folder].append(item)
    jobs = [(raw, shown) for _, raw, shown in to_parse]
    # fork is unsafe while other threads run (govcat serve's watcher and server): parse here
    if workers > 1 and len(jobs) >= PARALLEL_MIN_FILES and threading.active_count() == 1:
        outcomes = _parse_in_workers(jobs, workers)
    else:
        outcomes = _parse_chunk(jobs)
    for (item, raw, shown), outcome in zip(to_parse, outcomes, strict=True):
        if isinstance(outcome, Problem):
            item.error = outcome
        else:
            data, load_problems, item.todos = outcome
            item.document = Document(shown, data, _text(raw), load_problems)
    return loaded


def _read_card_bytes(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _load_unreadable(path: Path, shown: str) -> _Loaded:
    try:
        document = load_document(path, shown_as=shown)
    except LoadError as error:
        return _Loaded(error=error.problem)
    return _Loaded(document=document, todos=_todo_locs(document.data, document.text))


def _text(raw: bytes) -> str:
    """The text of bytes the loader accepted (same BOM handling as the loader)."""
    return (raw[len(_BOM) :] if raw.startswith(_BOM) else raw).decode("utf-8")


_Outcome = tuple[Any, list[Problem], list[Loc]] | Problem


def _parse_chunk(jobs: list[tuple[bytes, str]]) -> list[_Outcome]:
    """Parse files: (data, load problems, TODO locations), or the problem that stopped one.

    Runs in a worker process too, so it returns plain data (cheap to send back).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        outcomes: list[_Outcome] = []
        for raw, shown in jobs:
            try:
                document = load_text(raw, shown)
            except LoadError as error:
                outcomes.append(error.problem)
                continue
            outcomes.append(
                (document.data, document.problems, _todo_locs(document.data, document.text))
            )
        return outcomes
    finally:
        if was_enabled:
            gc.enable()


def _parse_in_workers(jobs: list[tuple[bytes, str]], workers: int) -> list[_Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork shares the already-imported loader with the workers (no start-up imports)
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    size = max(50, -(-len(jobs) // (workers * 4)))
    chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [outcome for chunk in pool.map(_parse_chunk, chunks) for outcome in chunk]
    except (OSError, BrokenProcessPool):
        # no process support here (a sandbox, a missing /dev/shm): parse in this process
        return _parse_chunk(jobs)


def load_settings(root: Path) -> Settings:
    """The catalog's settings (defaults where the file is missing or has problems)."""
    return _load_settings(root, [])


def _load_settings(root: Path, problems: list[Problem]) -> Settings:
    path = root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        document = load_document(path)
    except LoadError as error:
        problems.append(error.problem)
        return Settings()
    problems.extend(document.problems)
    if document.data is None:
        return Settings()
    settings = _validate_model(document, Settings, problems)
    return settings if isinstance(settings, Settings) else Settings()


def _stray_files(root: Path) -> list[Problem]:
    problems = []
    for folder in KIND_FOLDERS:
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix == ".yml":
                problems.append(
                    Problem(
                        display_path(path),
                        None,
                        None,
                        "file-extension",
                        f"'{path.name}' is ignored: card files end in '.yaml' — rename it",
                    )
                )
    return problems


def _load_card(
    path: Path,
    item: _Loaded,
    model: type[StrictModel],
    catalog: Catalog,
    folder: str,
    problems: list[Problem],
) -> StrictModel | None:
    if item.error is not None:
        problems.append(item.error)
        return None
    document = item.document
    assert document is not None
    problems.extend(document.problems)
    stem = path.stem
    if document.data is None:
        problems.append(
            Problem(
                document.path,
                1,
                1,
                "yaml-empty",
                f"the file is empty; write a {model.__name__} here or delete the file "
                f"(`govcat new {folder.rstrip('s')} {stem}` writes a template)",
            )
        )
        return None
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else "a single value"
        problems.append(
            Problem(
                document.path,
                1,
                1,
                "yaml-not-mapping",
                f"the file holds {kind}; a card is a mapping of keys (id: …, name: …)",
            )
        )
        return None
    todos = _todo_problems(document, item.todos)
    problems.extend(todos)
    schema_problems: list[Problem] = []
    card = _validate_model(document, model, schema_problems)
    todo_spots = {(p.line, p.col) for p in todos}
    problems.extend(p for p in schema_problems if (p.line, p.col) not in todo_spots)
    if card is None:
        return None
    card_id = card.id  # type: ignore[attr-defined]
    if not ID_RE.match(stem):
        problems.append(
            document.problem(
                ("id",),
                "id-file-name",
                f"file name '{path.name}' is not a valid id; rename the file to '{card_id}.yaml'",
            )
        )
        return None
    if card_id != stem:
        problems.append(
            document.problem(
                ("id",),
                "id-file-mismatch",
                f"id '{card_id}' differs from the file name '{path.name}'; "
                f"rename the file to '{card_id}.yaml' or set id: {stem}",
            )
        )
        return None
    document.data = None  # the typed card is kept; the raw dicts are not needed any more
    catalog.documents[(folder, card_id)] = document
    return card


def _todo_locs(data: Any, text: str) -> list[Loc]:
    """Where string values hold the TODO marker left by `govcat new`."""
    # A value can only hold the marker if the text does, or if an escape sequence
    # (always written with a backslash) produced it: skip the walk otherwise.
    if TODO_MARKER not in text and "\\" not in text:
        return []
    found: list[Loc] = []

    def walk(value: Any, loc: Loc) -> None:
        if isinstance(value, str):
            if TODO_MARKER in value:
                found.append(loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, loc + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, loc + (index,))

    walk(data, ())
    return found


def _todo_problems(document: Document, found: list[Loc]) -> list[Problem]:
    return [
        document.problem(
            loc,
            "todo-left",
            f"{_dotted(loc)} still holds a TODO; replace it with the "
            "real value (or remove the optional entry)",
        )
        for loc in found
    ]


def _validate_model(
    document: Document, model: type[BaseModel], problems: list[Problem]
) -> BaseModel | None:
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            problems.append(_translate(document, model, detail))
        return None


# --- pydantic errors → rule ids and messages ---------------------------------


def _section_model(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the mapping at `loc` (walking lists and dicts)."""
    current: Any = root
    for part in loc:
        model = _first_model(current)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            current = model.model_fields[part].annotation
            continue
        current = _container_item(current)
        if current is None:
            return None
    return _first_model(current)


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _container_item(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set):
        return args[0] if args else None
    if origin is dict:
        return args[1] if len(args) > 1 else None
    for arg in args:  # Optional[...] / Annotated[...]
        item = _container_item(arg)
        if item is not None:
            return item
    return None


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _translate(document: Document, model: type[BaseModel], detail: Any) -> Problem:
    # pydantic adds validator names ("function-after[...]", "literal[...]") to loc
    loc = tuple(
        part
        for part in detail["loc"]
        if not (isinstance(part, str) and "[" in part and "]" in part)
    )
    kind = detail["type"]
    value = detail.get("input")
    where = _dotted(loc)
    if kind == "extra_forbidden":
        section = _section_model(model, loc[:-1])
        key = loc[-1]
        hint = ""
        if section is not None and issubclass(section, StrictModel):
            suggestion = section.suggest(str(key))
            hint = (
                f"; did you mean '{suggestion}'?"
                if suggestion
                else f"; known keys: {', '.join(section.field_names())}"
            )
        parent = _dotted(loc[:-1]) if loc[:-1] else "the card"
        return document.problem(
            loc, "schema-unknown-key", f"unknown key '{key}' in {parent}{hint}", key=True
        )
    if kind == "missing":
        section = _section_model(model, loc[:-1])
        description = ""
        if section is not None and isinstance(loc[-1], str) and loc[-1] in section.model_fields:
            description = f" ({section.model_fields[loc[-1]].description})"
        return document.problem(
            loc, "schema-missing", f"required key '{where}' is missing{description}"
        )
    if kind == "enum":
        expected = detail.get("ctx", {}).get("expected", "")
        return document.problem(
            loc, "schema-enum", f"{where}: {value!r} is not allowed; expected {expected}"
        )
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return document.problem(
            loc, "schema-enum", f"{where}: {value!r} is not allowed; expected {expected}"
        )
    if kind.startswith(("date_", "datetime_")):
        return document.problem(
            loc, "schema-date", f"{where}: {value!r} is not a real date; write YYYY-MM-DD"
        )
    if kind == "string_pattern_mismatch":
        if (
            loc
            and loc[-1]
            in ("id", "owner", "by", "dataset", "person", "team", "approved_by", "replaced_by")
            or (len(loc) >= 2 and loc[-2] == "derived_from")
        ):
            return document.problem(
                loc,
                "schema-id",
                f"{where}: {value!r} is not a valid id — use lower-case letters, digits and '-' "
                "(2-64 characters, no '/', '.' or spaces)",
            )
        pattern = detail.get("ctx", {}).get("pattern", "")
        return document.problem(
            loc, "schema-pattern", f"{where}: {value!r} does not match {pattern}"
        )
    if kind == "value_error":
        message = str(detail.get("msg", "")).removeprefix("Value error, ")
        rule = "schema-url" if "URL" in message else "schema-value"
        return document.problem(loc, rule, f"{where}: {message}")
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return document.problem(
            loc,
            "schema-type",
            f"{where}: expected text, got the number {value!r}; quote it "
            f'("{value}") so that YAML keeps it as written',
        )
    if kind == "model_type" or kind == "dict_type":
        return document.problem(
            loc,
            "schema-type",
            f"{where}: expected a mapping (key: value), got {type(value).__name__}",
        )
    message = str(detail.get("msg", "invalid value"))
    return document.problem(loc, "schema-type", f"{where}: {message}")


# --- cross-entity rules ------------------------------------------------------


def check_references(
    catalog: Catalog, today: dt.date, *, unloadable: set[tuple[str, str]] = frozenset()
) -> list[Problem]:
    """Rules across files: references resolve; versions and validations are consistent.

    `unloadable` holds (folder, id) of files that exist but did not validate.
    """
    problems: list[Problem] = []
    teams_unloadable = any(folder == "teams" for folder, _ in unloadable)
    people: dict[str, str] = {}
    for team in catalog.teams.values():
        for index, person in enumerate(team.people):
            if person.id in people:
                problems.append(
                    catalog.problem(
                        "teams",
                        team.id,
                        ("people", index, "id"),
                        "id-duplicate",
                        f"person id '{person.id}' is already used in team '{people[person.id]}'; "
                        "person ids are unique across teams",
                    )
                )
            else:
                people[person.id] = team.id

    def need(folder: str, card_id: str, loc: tuple[str | int, ...], kind: str, ref: str) -> None:
        known = {
            "team": catalog.teams,
            "dataset": catalog.datasets,
            "model": catalog.models,
            "person": people,
        }[kind]
        if kind == "person" and teams_unloadable:
            return  # the person may be in the team file that failed to load
        if ref not in known and (f"{kind}s", ref) not in unloadable:
            close = difflib.get_close_matches(ref, list(known), n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f" — add {display_path(catalog.root / f'{kind}s' / f'{ref}.yaml')}"
                if kind in ("team", "dataset")
                else ""
            )
            if kind == "person":
                hint = hint or " — add the person to a team file's `people`"
            problems.append(
                catalog.problem(
                    folder, card_id, loc, f"ref-unknown-{kind}", f"no {kind} with id '{ref}'{hint}"
                )
            )

    for model in catalog.models.values():
        mid = model.id
        need("models", mid, ("owner",), "team", model.owner)
        for i, contact in enumerate(model.contacts):
            if contact.person:
                need("models", mid, ("contacts", i, "person"), "person", contact.person)
            if contact.team:
                need("models", mid, ("contacts", i, "team"), "team", contact.team)
        for i, item in enumerate(model.training_data):
            need("models", mid, ("training_data", i, "dataset"), "dataset", item.dataset)
        for i, item in enumerate(model.evaluation):
            need("models", mid, ("evaluation", i, "dataset"), "dataset", item.dataset)
        for i, feature in enumerate(model.features):
            if feature.source and feature.source.startswith("dataset:"):
                need(
                    "models",
                    mid,
                    ("features", i, "source"),
                    "dataset",
                    feature.source.removeprefix("dataset:"),
                )
        for i, validation in enumerate(model.validations):
            need("models", mid, ("validations", i, "by"), "team", validation.by)
        for i, waiver in enumerate(model.waivers):
            need("models", mid, ("waivers", i, "approved_by"), "person", waiver.approved_by)
        if model.retirement and model.retirement.replaced_by:
            need(
                "models", mid, ("retirement", "replaced_by"), "model", model.retirement.replaced_by
            )
        problems.extend(_version_problems(catalog, model))
        problems.extend(_validation_problems(catalog, model, today))

    for dataset in catalog.datasets.values():
        need("datasets", dataset.id, ("owner",), "team", dataset.owner)
        for i, upstream in enumerate(dataset.derived_from):
            need("datasets", dataset.id, ("derived_from", i), "dataset", upstream)
    problems.extend(_lineage_cycles(catalog))
    return problems


def _version_problems(catalog: Catalog, model: Any) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, version in enumerate(model.versions):
        if version.version in seen:
            problems.append(
                catalog.problem(
                    "models",
                    model.id,
                    ("versions", i, "version"),
                    "version-duplicate",
                    f"version {version.version} is listed twice (also at versions[{seen[version.version]}])",
                )
            )
        seen.setdefault(version.version, i)
        if i and version.date < model.versions[i - 1].date:
            problems.append(
                catalog.problem(
                    "models",
                    model.id,
                    ("versions", i, "date"),
                    "version-order",
                    f"version {version.version} ({version.date}) is older than the version before it; "
                    "list versions oldest first",
                )
            )
    current = model.versions[-1]
    if current.stage != model.stage:
        problems.append(
            catalog.problem(
                "models",
                model.id,
                ("stage",),
                "version-stage",
                f"stage is '{model.stage}' but the newest version {current.version} is "
                f"'{current.stage}'; make them agree",
            )
        )
    return problems


def _validation_problems(catalog: Catalog, model: Any, today: dt.date) -> list[Problem]:
    problems = []
    for i, validation in enumerate(model.validations):
        if validation.date > today:
            problems.append(
                catalog.problem(
                    "models",
                    model.id,
                    ("validations", i, "date"),
                    "validation-future",
                    f"validation date {validation.date} is in the future; record validations once "
                    "they are decided",
                )
            )
        if validation.next_review is not None and validation.next_review <= validation.date:
            problems.append(
                catalog.problem(
                    "models",
                    model.id,
                    ("validations", i, "next_review"),
                    "review-before-validation",
                    f"next_review {validation.next_review} is not after the validation date "
                    f"{validation.date}",
                )
            )
    return problems


def _lineage_cycles(catalog: Catalog) -> list[Problem]:
    problems = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(dataset_id: str, path: list[str]) -> None:
        state[dataset_id] = 1
        dataset = catalog.datasets[dataset_id]
        for i, upstream in enumerate(dataset.derived_from):
            if upstream not in catalog.datasets:
                continue
            if state.get(upstream) == 1:
                cycle = " → ".join([*path[path.index(upstream) :], dataset_id, upstream])
                problems.append(
                    catalog.problem(
                        "datasets",
                        dataset_id,
                        ("derived_from", i),
                        "lineage-cycle",
                        f"lineage forms a cycle: {cycle}",
                    )
                )
            elif upstream not in state:
                visit(upstream, [*path, dataset_id])
        state[dataset_id] = 2

    for dataset_id in catalog.datasets:
        if dataset_id not in state:
            visit(dataset_id, [])
    return problems
