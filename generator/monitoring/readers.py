"""Export files → raw records, each with its location for error messages.

A reader only splits a file into records (one per observation) and reports
file-level problems (unreadable, empty, missing or unknown columns). Checking the
values of every record is `ingest`'s job, so all formats share one set of rules.

Formats:

- long CSV / JSON Lines / parquet: columns `model_id, model_version, ts, metric,
  segment, value` (`model_version` and `segment` optional; `model_id` optional
  with `--model`);
- wide (`--wide --metric-columns auc,psi_total=psi`): one row per time (and
  model, segment), one column per metric, mapped to metric names explicitly;
- Evidently JSON: see `generator.monitoring.evidently`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator.errors import Problem

FORMATS = ("auto", "csv", "parquet", "jsonl", "evidently")
LONG_REQUIRED = ("ts", "metric", "value")
LONG_OPTIONAL = ("model_id", "model_version", "segment")
WIDE_KEYS = ("model_id", "model_version", "ts", "segment")
MAX_COLUMNS = 1_000
"""A wider export is refused: it is almost certainly not a monitoring export."""
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "evidently",
}


class Record(NamedTuple):
    """One observation as found in the file, not yet checked (a tuple: millions are made)."""

    line: int | None
    """Line number (CSV, JSON Lines); None for parquet rows and JSON documents."""
    where: str
    """Location inside the file when there is no line: `row 12`, `$.metrics[3].value`."""
    model_id: Any
    model_version: Any
    ts: Any
    metric: Any
    segment: Any
    value: Any
    raw: Any = None
    """The original row, for the rejects file."""


@dataclass
class ReadResult:
    """The records of one file, and problems that reject the whole file."""

    path: str
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """File-level problems: the file is rejected even with --skip-bad."""
    row_problems: list[Problem] = field(default_factory=list)
    """Records that could not even be parsed (a malformed JSON line): skippable."""
    header: list[str] | None = None
    """CSV column names: `Record.raw` is then the list of cells."""


@dataclass(frozen=True)
class WideMapping:
    """Wide format: export column → metric name."""

    columns: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> WideMapping:
        """`auc,psi_total=psi` → (('auc', 'auc'), ('psi_total', 'psi'))."""
        pairs = []
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            column, _, metric = item.partition("=")
            pairs.append((column.strip(), (metric or column).strip()))
        return cls(tuple(pairs))


def detect_format(path: Path, requested: str) -> str | None:
    """The format to read `path` with, from --format or the file extension."""
    if requested != "auto":
        return requested
    return EXTENSIONS.get(path.suffix.lower())


def _problem(path: str, line: int | None, rule: str, message: str) -> Problem:
    return Problem(path, line, None, rule, message)


def _check_columns(
    path: str, columns: Sequence[str], *, has_model: bool, wide: WideMapping | None
) -> list[Problem]:
    problems = []
    if len(columns) > MAX_COLUMNS:
        return [
            _problem(
                path,
                1,
                "ingest-too-many-columns",
                f"{len(columns):,} columns (at most {MAX_COLUMNS:,}); a monitoring export has "
                "model_id, model_version, ts, metric, segment, value — or, with --wide, one "
                "column per metric",
            )
        ]
    seen = set()
    for name in columns:
        if name in seen:
            problems.append(
                _problem(path, 1, "ingest-duplicate-column", f"column '{name}' appears twice")
            )
        seen.add(name)
    if wide is not None:
        known = set(WIDE_KEYS) | {column for column, _ in wide.columns}
        required = ["ts", *(column for column, _ in wide.columns)]
        hint = "list it in --metric-columns, or remove it from the export"
    else:
        known = set(LONG_REQUIRED) | set(LONG_OPTIONAL)
        required = list(LONG_REQUIRED)
        hint = "long format has model_id, model_version, ts, metric, segment, value (use --wide for one column per metric)"
    if not has_model:
        required.insert(0, "model_id")
    for name in required:
        if name not in seen:
            extra = " (or give --model ID)" if name == "model_id" else ""
            problems.append(
                _problem(
                    path,
                    1,
                    "ingest-missing-column",
                    f"required column '{name}' is missing{extra}; columns found: "
                    f"{', '.join(columns) if columns else '(none)'}",
                )
            )
    for name in columns:
        if name not in known:
            problems.append(
                _problem(path, 1, "ingest-unknown-column", f"unknown column '{name}'; {hint}")
            )
    return problems


def _records_from_row(
    row: dict[str, Any], line: int | None, where: str, wide: WideMapping | None, raw: Any
) -> Iterator[Record]:
    if wide is None:
        yield Record(
            line,
            where,
            row.get("model_id"),
            row.get("model_version"),
            row.get("ts"),
            row.get("metric"),
            row.get("segment"),
            row.get("value"),
            raw,
        )
        return
    for column, metric in wide.columns:
        yield Record(
            line,
            f"{where} column '{column}'",
            row.get("model_id"),
            row.get("model_version"),
            row.get("ts"),
            metric,
            row.get("segment"),
            row.get(column),
            raw,
        )


def read_csv(path: Path, shown: str, *, has_model: bool, wide: WideMapping | None) -> ReadResult:
    """A CSV export with a header line; line numbers as in an editor."""
    result = ReadResult(shown)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as error:
        result.problems.append(
            _problem(
                shown,
                None,
                "ingest-encoding",
                f"not UTF-8 text ({error.reason} at byte {error.start}); export as UTF-8 CSV",
            )
        )
        return result
    if not text.strip():
        result.problems.append(
            _problem(
                shown,
                None,
                "ingest-empty-file",
                "the file is empty; an export has a header line and at least one row",
            )
        )
        return result
    csv.field_size_limit(1 << 20)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
        problems = _check_columns(shown, header, has_model=has_model, wide=wide)
        if problems:
            result.problems.extend(problems)
            return result
        width = len(header)
        line = reader.line_num
        position = {name: index for index, name in enumerate(header)}
        take = [
            position.get(name)
            for name in ("model_id", "model_version", "ts", "metric", "segment", "value")
        ]
        records = result.records
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                result.row_problems.append(
                    _problem(
                        shown,
                        start,
                        "ingest-row-width",
                        f"{len(cells)} cells, but the header has {width} columns",
                    )
                )
                continue
            if wide is None:
                records.append(
                    Record(start, "", *(None if i is None else cells[i] for i in take), cells)
                )
            else:
                row = dict(zip(header, cells, strict=True))
                records.extend(_records_from_row(row, start, "", wide, cells))
        result.header = header
    except csv.Error as error:
        result.problems.append(
            _problem(shown, reader.line_num, "ingest-csv", f"malformed CSV: {error}")
        )
        return result
    if not result.records and not result.row_problems:
        result.problems.append(
            _problem(shown, None, "ingest-empty-file", "the file has a header but no rows")
        )
    return result


def read_jsonl(path: Path, shown: str, *, has_model: bool, wide: WideMapping | None) -> ReadResult:
    """JSON Lines: one JSON object per line; blank lines are skipped."""
    result = ReadResult(shown)
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError as error:
        result.problems.append(
            _problem(
                shown,
                None,
                "ingest-encoding",
                f"not UTF-8 text ({error.reason} at byte {error.start})",
            )
        )
        return result
    columns_checked = False
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError as error:
            result.row_problems.append(
                _problem(
                    shown,
                    number,
                    "ingest-malformed-json",
                    f"not valid JSON ({error}); each line must be one JSON object",
                )
            )
            continue
        if not isinstance(row, dict):
            result.row_problems.append(
                _problem(
                    shown,
                    number,
                    "ingest-malformed-json",
                    f"a JSON {type(row).__name__}, not an object",
                )
            )
            continue
        if not columns_checked:
            problems = _check_columns(shown, list(row), has_model=has_model, wide=wide)
            if problems:
                result.problems.extend(
                    Problem(p.path, number, None, p.rule, p.message.replace("column", "key", 1))
                    for p in problems
                )
                return result
            columns_checked = True
        else:
            unknown = [key for key in row if key not in _known_keys(wide)]
            if unknown:
                result.row_problems.append(
                    _problem(shown, number, "ingest-unknown-column", f"unknown key '{unknown[0]}'")
                )
                continue
        result.records.extend(_records_from_row(row, number, "", wide, row))
    if not result.records and not result.row_problems:
        result.problems.append(
            _problem(shown, None, "ingest-empty-file", "the file holds no JSON objects")
        )
    return result


def _known_keys(wide: WideMapping | None) -> set[str]:
    if wide is None:
        return set(LONG_REQUIRED) | set(LONG_OPTIONAL)
    return set(WIDE_KEYS) | {column for column, _ in wide.columns}


def read_parquet(
    path: Path, shown: str, *, has_model: bool, wide: WideMapping | None
) -> ReadResult:
    """A parquet export; rows are located as `row N` (1-based)."""
    import pyarrow.parquet as pq

    result = ReadResult(shown)
    if path.stat().st_size == 0:
        result.problems.append(_problem(shown, None, "ingest-empty-file", "the file is empty"))
        return result
    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, … for damaged files
        result.problems.append(
            _problem(
                shown,
                None,
                "ingest-unreadable",
                f"not a readable parquet file ({error}); re-export it",
            )
        )
        return result
    problems = _check_columns(shown, table.column_names, has_model=has_model, wide=wide)
    if problems:
        result.problems.extend(Problem(p.path, None, None, p.rule, p.message) for p in problems)
        return result
    if table.num_rows == 0:
        result.problems.append(_problem(shown, None, "ingest-empty-file", "the file has no rows"))
        return result
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    names = list(columns)
    for index in range(table.num_rows):
        row = {name: columns[name][index] for name in names}
        result.records.extend(_records_from_row(row, None, f"row {index + 1}", wide, row))
    return result


READERS = {"csv": read_csv, "jsonl": read_jsonl, "parquet": read_parquet}
