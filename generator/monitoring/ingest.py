"""Ingest: export files → checked rows → one atomic commit to the store.

Every record is checked (model id names a card, timestamp with a zone, finite
value, metric name, sane segment and version). By default any problem rejects
the whole run and nothing is written; with `skip_bad` the good rows are written
and every rejected row goes to a rejects file (JSON Lines) beside its export.

Rows are unique on (model_id, model_version, ts, metric, segment): a row already
in the store with the same value is skipped, so ingesting an export twice
writes nothing. The same key with another value is a conflict naming both
sources, unless `replace` is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator.catalog import Catalog
from generator.errors import Problem, ProblemsFound
from generator.monitoring import readers
from generator.monitoring.store import (
    COLUMNS,
    arrow_schema,
    duckdb_connect,
    open_store,
    parquet_bytes,
    part_name,
    resolve_store,
    sort_rows,
)

METRIC_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_SEGMENT = 200
MAX_VERSION = 100
MAX_PROBLEMS_PER_FILE = 100
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class IngestOptions:
    """How to read and what to do with bad rows (the `govcat ingest` options)."""

    file_format: str = "auto"
    model: str | None = None
    """Model id for exports that carry none (Evidently compact reports, CSV without model_id)."""
    at: dt.datetime | None = None
    """Observation time for exports that carry none (Evidently compact reports)."""
    assume_utc: bool = False
    skip_bad: bool = False
    replace: bool = False
    wide: readers.WideMapping | None = None
    rejects: Path | None = None
    """One rejects file for all inputs (default: `<export>.rejects.jsonl` beside each)."""


@dataclass
class IngestReport:
    """What an ingest did."""

    files: int = 0
    rows_read: int = 0
    added: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: int = 0
    parts: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Problems of rejected rows and files (only with skip_bad: otherwise they are raised)."""
    failed_files: list[Problem] = field(default_factory=list)
    """With skip_bad: files rejected whole (unreadable, wrong columns); the run still fails."""
    rejects_files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        text = (
            f"{self.files} file{'s' if self.files != 1 else ''}: {self.rows_read:,} rows read, "
            f"{self.added:,} added, {self.duplicates:,} already in the store"
        )
        if self.replaced:
            text += f", {self.replaced:,} replaced"
        if self.rejected:
            text += f", {self.rejected:,} rejected"
        return text + f"; {len(self.parts)} part{'s' if len(self.parts) != 1 else ''} written"


class _Row(NamedTuple):
    """A checked row and where it came from (a tuple: an export has millions)."""

    key: tuple[str, str | None, dt.datetime, str, str]
    value: float
    source: str
    path: str
    line: int | None
    where: str


def parse_timestamp(value: Any, *, assume_utc: bool) -> tuple[dt.datetime | None, str | None]:
    """A UTC datetime, or None and the reason."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            return None, f"ts {value!r} is not an ISO 8601 timestamp (e.g. 2026-11-20T06:00:00Z)"
    elif value is None or value == "":
        return None, "ts is empty"
    else:
        return None, f"ts {value!r} is not an ISO 8601 timestamp text"
    if stamp.tzinfo is None:
        if not assume_utc:
            return None, (
                f"ts {value if isinstance(value, str) else stamp.isoformat()!r} has no time zone; "
                "write it with Z or +HH:MM, or pass --assume-utc"
            )
        stamp = stamp.replace(tzinfo=dt.UTC)
    stamp = stamp.astimezone(dt.UTC)
    if not EARLIEST <= stamp < LATEST:
        return None, f"ts {stamp.isoformat()} is outside 1970-2099"
    return stamp, None


def parse_value(value: Any) -> tuple[float | None, str, str | None]:
    """A finite float, or None, the rule and the reason."""
    if isinstance(value, bool):
        return None, "ingest-bad-value", f"value {value!r} is a boolean, not a number"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        if not value.strip():
            return None, "ingest-bad-value", "value is empty"
        try:
            number = float(value)
        except ValueError:
            return None, "ingest-bad-value", f"value {value!r} is not a number"
    elif value is None:
        return None, "ingest-bad-value", "value is missing"
    else:
        return None, "ingest-bad-value", f"value {value!r} is not a number"
    if not math.isfinite(number):
        return None, "ingest-non-finite", f"value is {value!r}: only finite numbers are stored"
    return number, "", None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


class _Checker:
    """Checks records of one run; keeps the first problems of each file."""

    def __init__(self, catalog: Catalog, options: IngestOptions) -> None:
        self.models = set(catalog.models)
        self.options = options
        self.unknown_hint: dict[str, str] = {}
        self.stamps: dict[Any, tuple[dt.datetime | None, str | None]] = {}
        self.good_metrics: set[str] = set()
        self.good_segments: dict[str | None, str] = {}
        self.good_versions: dict[Any, str | None] = {}

    def _model_hint(self, model_id: str) -> str:
        if model_id not in self.unknown_hint:
            close = difflib.get_close_matches(model_id, sorted(self.models), n=1)
            self.unknown_hint[model_id] = (
                f"; did you mean '{close[0]}'?"
                if close
                else f" — add catalog/models/{model_id}.yaml first"
            )
        return self.unknown_hint[model_id]

    def check(self, record: readers.Record) -> tuple[tuple[Any, ...] | None, str, str]:
        """(model_id, version, ts, metric, segment, value) or None, rule, message.

        Exports repeat the same few model ids, timestamps, metrics and segments on
        every row, so each distinct text is checked once and remembered.
        """
        options = self.options
        model_id = record.model_id
        if options.model is not None or not _member(model_id, self.models):
            model_id, rule, message = self._model(model_id)
            if model_id is None:
                return None, rule, message
        ts = record.ts
        if ts is None or ts == "":
            ts = options.at
        if _member(ts, self.stamps):
            stamp, reason = self.stamps[ts]
        else:
            stamp, reason = parse_timestamp(ts, assume_utc=options.assume_utc)
            with contextlib.suppress(TypeError):
                self.stamps[ts] = (stamp, reason)
        if stamp is None:
            rule = (
                "ingest-naive-timestamp"
                if reason and "no time zone" in reason
                else "ingest-bad-timestamp"
            )
            return None, rule, reason or ""
        metric = record.metric
        if not _member(metric, self.good_metrics):
            rule, message = self._metric(metric)
            if rule:
                return None, rule, message
        segment = record.segment
        if _member(segment, self.good_segments):
            segment = self.good_segments[segment]
        else:
            segment, rule, message = self._segment(segment)
            if rule:
                return None, rule, message
        version = record.model_version
        if _member(version, self.good_versions):
            version = self.good_versions[version]
        else:
            version, rule, message = self._version(version)
            if rule:
                return None, rule, message
        value, rule, reason = parse_value(record.value)
        if value is None:
            return None, rule, reason or ""
        return (model_id, version, stamp, metric, segment, value), "", ""

    def _model(self, value: Any) -> tuple[str | None, str, str]:
        options = self.options
        model_id = _text(value)
        if model_id is None or model_id == "":
            if options.model is None:
                return None, "ingest-missing-model", "model_id is empty (or give --model ID)"
            model_id = options.model
        elif options.model is not None and model_id != options.model:
            return (
                None,
                "ingest-model-mismatch",
                f"model_id '{model_id}' differs from --model {options.model}",
            )
        if model_id not in self.models:
            return (
                None,
                "ingest-unknown-model",
                f"no model card '{model_id}'{self._model_hint(model_id)}",
            )
        return model_id, "", ""

    def _metric(self, value: Any) -> tuple[str, str]:
        metric = _text(value)
        if not metric:
            return "ingest-empty-metric", "metric is empty"
        if not METRIC_RE.match(metric):
            return "ingest-bad-metric", (
                f"metric {metric[:80]!r} is not a metric name: lower-case snake_case, starting "
                "with a letter, at most 64 characters (as in the card's monitoring.metrics)"
            )
        self.good_metrics.add(metric)
        return "", ""

    def _segment(self, value: Any) -> tuple[str, str, str]:
        segment = _text(value) or ""
        if len(segment) > MAX_SEGMENT or CONTROL_RE.search(segment) or segment != segment.strip():
            return (
                segment,
                "ingest-bad-segment",
                (
                    f"segment {segment[:80]!r} is not usable: at most {MAX_SEGMENT} characters, no "
                    "control characters, no leading or trailing spaces ('' = whole population)"
                ),
            )
        if value is None or isinstance(value, str):
            self.good_segments[value] = segment
        return segment, "", ""

    def _version(self, value: Any) -> tuple[str | None, str, str]:
        version = _text(value) or None
        if version is not None and (len(version) > MAX_VERSION or CONTROL_RE.search(version)):
            return None, "ingest-bad-version", f"model_version {version[:80]!r} is not usable"
        with contextlib.suppress(TypeError):
            self.good_versions[value] = version
        return version, "", ""


def _member(value: Any, known: Any) -> bool:
    """`value in known`, False for unhashable values (a JSON list or object)."""
    try:
        return value in known
    except TypeError:
        return False


def _located(path: str, line: int | None, where: str, rule: str, message: str) -> Problem:
    return Problem(path, line, None, rule, f"{where}: {message}" if where else message)


def _source_name(path: Path, data: bytes) -> str:
    return f"{path.name}@{hashlib.sha256(data).hexdigest()[:12]}"


def _describe_key(key: tuple[str, str | None, dt.datetime, str, str]) -> str:
    model_id, version, stamp, metric, segment = key
    text = f"{metric} of '{model_id}'"
    if version:
        text += f" v{version}"
    if segment:
        text += f" segment '{segment}'"
    return text + f" at {stamp.isoformat().replace('+00:00', 'Z')}"


def _where(row: _Row) -> str:
    return f"{row.path}:{row.line}" if row.line is not None else f"{row.path} ({row.where})"


def read_file(path: Path, options: IngestOptions) -> readers.ReadResult:
    """Split one export into records (file-level problems reject it)."""
    shown = str(path)
    if not path.is_file():
        result = readers.ReadResult(shown)
        result.problems.append(Problem(shown, None, None, "ingest-no-file", "no such file"))
        return result
    file_format = readers.detect_format(path, options.file_format)
    if file_format is None:
        result = readers.ReadResult(shown)
        result.problems.append(
            Problem(
                shown,
                None,
                None,
                "ingest-format",
                f"cannot tell the format from '{path.suffix}'; pass --format csv|parquet|jsonl|evidently",
            )
        )
        return result
    if file_format == "evidently":
        from generator.monitoring.evidently import read_evidently

        return read_evidently(path, shown, model=options.model, at=options.at)
    reader = readers.READERS[file_format]
    return reader(path, shown, has_model=options.model is not None, wide=options.wide)


def ingest(
    catalog: Catalog,
    files: Sequence[Path],
    options: IngestOptions,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Check every row of `files` and add the new ones to the catalog's store atomically.

    `progress`, if given, is called with one short line per step (for a terminal).
    """
    location = resolve_store(catalog.root, catalog.settings.monitoring_store)
    store = open_store(location)
    checker = _Checker(catalog, options)
    report = IngestReport(files=len(files))
    problems: list[Problem] = []
    rejected: dict[Path, list[dict[str, Any]]] = {}
    accepted: dict[tuple[Any, ...], _Row] = {}

    def reject(path: Path, problem: Problem, raw: Any, header: list[str] | None = None) -> None:
        problems.append(problem)
        if header is not None and isinstance(raw, list):
            raw = dict(zip(header, raw, strict=False))
        rejected.setdefault(path, []).append(
            {
                "file": problem.path,
                "line": problem.line,
                "rule": problem.rule,
                "message": problem.message,
                "row": raw,
            }
        )

    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(f"reading {number}/{len(files)}: {path.name}")
        result = read_file(path, options)
        if result.problems:
            problems.extend(result.problems)
            report.failed_files.extend(result.problems)
            continue
        source = _source_name(path, path.read_bytes())
        for problem in result.row_problems:
            reject(path, problem, None)
        for record in result.records:
            report.rows_read += 1
            row, rule, message = checker.check(record)
            if row is None:
                reject(
                    path,
                    _located(result.path, record.line, record.where, rule, message),
                    record.raw,
                    result.header,
                )
                continue
            key = row[:5]
            checked = _Row(key, row[5], source, result.path, record.line, record.where)
            previous = accepted.get(key)
            if previous is None:
                accepted[key] = checked
            elif previous.value != checked.value:
                reject(
                    path,
                    _located(
                        result.path,
                        record.line,
                        record.where,
                        "ingest-conflict",
                        f"{_describe_key(key)} is {checked.value!r} here but {previous.value!r} "
                        f"at {_where(previous)}; keep one of them",
                    ),
                    record.raw,
                    result.header,
                )
    _stop_or_continue(problems, options)

    if progress is not None:
        progress(f"checking {len(accepted):,} rows against the store")
    with store.locked():
        new_rows, conflicts, replaced = _against_store(store, accepted, options)
        report.duplicates = len(accepted) - len(new_rows) - len(conflicts) - len(replaced)
        for row, existing_value, existing_source in conflicts:
            reject(
                Path(row.path),
                _located(
                    row.path,
                    row.line,
                    row.where,
                    "ingest-conflict",
                    f"{_describe_key(row.key)} is {row.value!r} here but {existing_value!r} in the "
                    f"store (from {existing_source}); pass --replace to overwrite it",
                ),
                None,
            )
        _stop_or_continue(problems, options)
        add, remove = _new_parts(store, new_rows, replaced)
        report.parts = store.commit(add, remove)
    report.added = len(new_rows)
    report.replaced = len(replaced)
    report.rejected = sum(len(rows) for rows in rejected.values())
    report.problems = problems
    report.rejects_files = _write_rejects(rejected, options)
    return report


def _stop_or_continue(problems: list[Problem], options: IngestOptions) -> None:
    if problems and not options.skip_bad:
        raise ProblemsFound(_capped(problems))


def _capped(problems: list[Problem]) -> list[Problem]:
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(problem)
    result = []
    for path, items in by_file.items():
        result.extend(items[:MAX_PROBLEMS_PER_FILE])
        if len(items) > MAX_PROBLEMS_PER_FILE:
            result.append(
                Problem(
                    path,
                    None,
                    None,
                    "ingest-more-problems",
                    f"{len(items) - MAX_PROBLEMS_PER_FILE:,} more bad rows not shown; nothing was written",
                )
            )
    return result


def _rows_table(rows: Sequence[_Row]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "model_id": [r.key[0] for r in rows],
            "model_version": [r.key[1] for r in rows],
            "ts": [r.key[2] for r in rows],
            "metric": [r.key[3] for r in rows],
            "segment": [r.key[4] for r in rows],
            "value": [r.value for r in rows],
            "source": [r.source for r in rows],
        },
        schema=arrow_schema(),
    )


def _partition(stamp: dt.datetime) -> str:
    return f"year={stamp.year:04d}/month={stamp.month:02d}"


def _against_store(
    store: Any, accepted: dict[tuple[Any, ...], _Row], options: IngestOptions
) -> tuple[list[_Row], list[tuple[_Row, float, str]], list[_Row]]:
    """Split the run's rows into new, conflicting (with the stored value) and replacing."""
    rows = list(accepted.values())
    partitions = store.partition_files()
    touched = sorted({_partition(row.key[2]) for row in rows} & set(partitions))
    existing_files = [path for name in touched for path in partitions[name]]
    source = store.source_sql(existing_files)
    if source is None or not rows:
        return rows, [], []
    import pyarrow as pa

    incoming = _rows_table(rows).append_column("row_index", pa.array(range(len(rows)), pa.int64()))
    connection = duckdb_connect()
    connection.register("incoming", incoming)
    matches = connection.execute(
        f"""
        SELECT i.row_index, e.value, e.source
        FROM incoming AS i
        JOIN {source} AS e
          ON i.model_id = e.model_id AND i.ts = e.ts AND i.metric = e.metric
         AND i.segment = e.segment AND i.model_version IS NOT DISTINCT FROM e.model_version
        ORDER BY i.row_index
        """
    ).fetchall()
    matched: dict[int, tuple[float, str]] = {index: (value, src) for index, value, src in matches}
    new_rows, conflicts, replaced = [], [], []
    for index, row in enumerate(rows):
        if index not in matched:
            new_rows.append(row)
            continue
        value, existing_source = matched[index]
        if value == row.value:
            continue
        if options.replace:
            replaced.append(row)
        else:
            conflicts.append((row, value, existing_source))
    return new_rows, conflicts, replaced


def _new_parts(
    store: Any, new_rows: list[_Row], replaced: list[_Row]
) -> tuple[dict[str, bytes], list[str]]:
    """Part bytes per partition: new rows as a new part; partitions with replacements rewritten."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    by_partition: dict[str, list[_Row]] = {}
    for row in new_rows + replaced:
        by_partition.setdefault(_partition(row.key[2]), []).append(row)
    rewrite = {_partition(row.key[2]) for row in replaced}
    partitions = store.partition_files()
    add: dict[str, bytes] = {}
    remove: list[str] = []
    for name, rows in sorted(by_partition.items()):
        table = _rows_table(rows)
        if name in rewrite:
            old = pa.concat_tables(pq.read_table(path) for path in partitions[name])
            replaced_keys = _rows_table(replaced)
            old = _drop_keys(old, replaced_keys)
            table = pa.concat_tables([old.cast(arrow_schema()), table])
            remove.extend(store._final_name(path) for path in partitions[name])
        data = parquet_bytes(sort_rows(table))
        add[part_name(name, data)] = data
    return add, [name for name in remove if name not in add]


def _drop_keys(table: Any, keys: Any) -> Any:
    connection = duckdb_connect()
    connection.register("old_rows", table)
    connection.register("replaced_keys", keys)
    return connection.sql(
        f"""
        SELECT {", ".join(COLUMNS)} FROM old_rows AS o
        WHERE NOT EXISTS (
          SELECT 1 FROM replaced_keys AS r
          WHERE r.model_id = o.model_id AND r.ts = o.ts AND r.metric = o.metric
            AND r.segment = o.segment AND r.model_version IS NOT DISTINCT FROM o.model_version)
        """
    ).to_arrow_table()


def _write_rejects(
    rejected: dict[Path, list[dict[str, Any]]], options: IngestOptions
) -> list[Path]:
    from generator.scaffold import atomic_write

    if not options.skip_bad or not rejected:
        return []
    written = []
    if options.rejects is not None:
        lines = [
            json.dumps(entry, default=str) for entries in rejected.values() for entry in entries
        ]
        atomic_write(options.rejects, "\n".join(lines) + "\n")
        return [options.rejects]
    for path, entries in rejected.items():
        target = path.with_name(path.name + ".rejects.jsonl")
        atomic_write(target, "\n".join(json.dumps(entry, default=str) for entry in entries) + "\n")
        written.append(target)
    return written
