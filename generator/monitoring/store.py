"""The monitoring store: append-only, hive-partitioned parquet with atomic commits.

Layout (one folder per calendar month of the observation time, UTC)::

    catalog/monitoring/
      .gitignore                      keeps the lock and temporaries out of git
      year=2026/month=11/part-<sha256[:16]>.parquet
      year=2026/month=11/series-<same hash>.parquet     its series summary
      history-through-2026-07-<sha256[:16]>.parquet      the older months' summaries, merged

Partitioning by month (not by model) keeps the file count independent of the
number of models: 10,000 models × one year is twelve folders, each holding one
part per ingest until `compact` merges them. Inside a part, rows are sorted by
(model_id, metric, segment, ts, model_version), so parquet's row-group
statistics let DuckDB skip most of a file when a query looks at a few models, and
the aggregation's time windows skip whole months by their folder name.

Every part is named after the SHA-256 of its bytes, and written with fixed
writer settings: the same rows always give the same file, so ingesting an export
twice changes nothing, and `verify` detects any byte that changed.

Beside each part lies its *series summary*, ``series-<same hash>.parquet``: one row
per model × metric × segment of the part (row count, first and last time, the last
value, the newest version and its time; `generator.monitoring.aggregate` defines
it). It is derived data, written in the same commit as its part and removed with
it, so the aggregation reads a few hundred thousand summary rows for the months
before the as-of day instead of every observation of the store's history: its cost
follows the chart window, not the years of history a bank keeps. `verify` checks
each summary against its part; a part without one (a store written before
summaries existed) is read in full, and `compact` writes the missing ones.

The *history* file merges the summaries of every month at least HISTORY_LAG_MONTHS
before the newest month into one row per series (same columns, same merge as the
aggregation's), named after the summaries it merges: the aggregation reads it instead
of those summaries whenever all its months lie before the chart window (any as-of day
in the newest month), so that the series' history reads ~5 months of summaries rather
than every month kept (STATS_SQL at 10,000 models × 13 months: 0.39-0.52 s instead of
0.65-0.74 s). Every commit replaces it when the months it covers change (a new month,
late data, `compact`), in the same journal; a history whose name does not match the
store's summaries is ignored, and `verify` reports it.

A store synced to a bucket keeps its summaries: the aggregation lists the bucket through
DuckDB's glob and uses them there too.

Commits are atomic. New parts are written as `*.parquet.tmp` and fsynced; then a
journal (`_pending.json`) naming the renames and removals is written atomically —
that is the commit point — and then applied. A reader that finds a journal
applies it virtually (see `Store.part_files`); the next writer applies it for
real. A crash before the journal leaves only temporaries, which readers ignore
and the next writer deletes. A lock file serialises writers.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import Problem, StoreError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

COLUMNS = ("model_id", "model_version", "ts", "metric", "segment", "value", "source")
"""The store's columns, in file order (DESIGN.md, "A monitoring row")."""
KEY = ("model_id", "model_version", "ts", "metric", "segment")
"""Rows are unique on these columns."""
SORT_ORDER = ("model_id", "metric", "segment", "ts", "model_version")
"""Row order inside a part: a total order, since keys are unique."""

JOURNAL = "_pending.json"
LOCK = ".lock"
GITIGNORE = ".gitignore"
README = "README.md"
GITIGNORE_TEXT = "# written by govcat ingest: never commit these\n.lock\n_pending.json\n*.tmp\n"
PART_RE = re.compile(r"^year=(\d{4})/month=(\d{2})/part-([0-9a-f]{16})\.parquet$")
SERIES_RE = re.compile(r"^year=(\d{4})/month=(\d{2})/series-([0-9a-f]{16})\.parquet$")
HISTORY_RE = re.compile(r"^history-through-(\d{4})-(\d{2})-([0-9a-f]{16})\.parquet$")
HISTORY_LAG_MONTHS = 4
"""The history covers the months up to this many before the newest month: the chart
window (90 days, read from its first month's first day) of an as-of day in the newest
month starts at most 3 months before it."""
TEMP_SUFFIX = ".tmp"
REMOTE_SCHEMES = ("s3://", "gs://", "gcs://", "r2://")
ROW_GROUP_SIZE = 131_072
"""Rows per row group: small enough for DuckDB to skip groups by model_id."""
MAX_PART_ROWS = 4_000_000
"""`compact` splits a month into parts of at most this many rows."""
LOCK_TIMEOUT_S = 600.0


def arrow_schema() -> pa.Schema:
    """The parquet schema of every part (ts is a UTC instant, microseconds)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("model_id", pa.string(), nullable=False),
            pa.field("model_version", pa.string(), nullable=True),
            pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("metric", pa.string(), nullable=False),
            pa.field("segment", pa.string(), nullable=False),
            pa.field("value", pa.float64(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
        ]
    )


def parquet_bytes(table: pa.Table) -> bytes:
    """Serialise sorted rows with fixed writer settings (same rows → same bytes)."""
    return fixed_parquet_bytes(table.cast(arrow_schema()))


def fixed_parquet_bytes(table: pa.Table) -> bytes:
    """A table as parquet with the store's fixed writer settings (same table → same bytes)."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(
        table.replace_schema_metadata(None),
        buffer,
        row_group_size=ROW_GROUP_SIZE,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        store_schema=False,
        version="2.6",
        data_page_version="1.0",
    )
    return buffer.getvalue()


def sort_rows(table: pa.Table) -> pa.Table:
    """Rows in the store's canonical order."""
    return table.sort_by([(name, "ascending", "at_start") for name in SORT_ORDER])


@dataclass(frozen=True)
class StoreLocation:
    """Where the monitoring store lives: a local folder or an object-store URL."""

    setting: str
    """As written in settings.yaml (or given on the command line)."""
    path: Path | None = None
    url: str | None = None

    @property
    def is_remote(self) -> bool:
        """True for s3:// and gs:// stores (read through DuckDB's httpfs)."""
        return self.url is not None

    def __str__(self) -> str:
        return self.url if self.url is not None else str(self.path)


def resolve_store(catalog_root: Path, setting: str) -> StoreLocation:
    """The store of a catalog: `setting` relative to the catalog folder, or a URL."""
    text = setting.strip()
    lowered = text.lower()
    if lowered.startswith(REMOTE_SCHEMES):
        bucket_and_prefix = text.split("://", 1)[1].strip("/")
        if not bucket_and_prefix or any(
            part in ("", ".", "..") for part in bucket_and_prefix.split("/")
        ):
            raise StoreError(
                f"monitoring_store '{setting}' is not a usable URL; write s3://bucket/prefix"
            )
        scheme = "gs" if lowered.startswith("gcs://") else lowered.split("://", 1)[0]
        return StoreLocation(setting, url=f"{scheme}://{bucket_and_prefix}")
    if "://" in text:
        raise StoreError(
            f"monitoring_store '{setting}': only a folder or an s3:// / gs:// URL is supported"
        )
    path = Path(text)
    return StoreLocation(setting, path=path if path.is_absolute() else catalog_root / path)


def sql_string(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def parquet_source(files: Sequence[Path | str]) -> str | None:
    """A DuckDB table expression over parquet files (paths or URLs); None for none."""
    if not files:
        return None
    listed = ", ".join(sql_string(str(path)) for path in files)
    return f"read_parquet([{listed}], hive_partitioning=false)"


def paired_summaries(files: dict[str, str]) -> list[tuple[str, str | None]]:
    """Each part among `files` (store-relative name → path or URL), sorted, with its series
    summary (None: it has none)."""
    return [
        (path, files.get(series_name(name)))
        for name, path in sorted(files.items())
        if PART_RE.match(name)
    ]


@dataclass(frozen=True)
class History:
    """The history file a store's summaries call for (see the module docstring)."""

    name: str
    """Its store-relative name: `history-through-YYYY-MM-<sha256 of the names>.parquet`."""
    through: tuple[int, int]
    """The last month it covers (year, month)."""
    covered: tuple[str, ...]
    """The store-relative names of the summaries it merges, sorted."""


def history_plan(names: Sequence[str]) -> History | None:
    """The history a store with these store-relative file names calls for: None when no
    month is old enough, or when a part of those months has no summary."""
    months = [(int(m.group(1)), int(m.group(2))) for m in map(PART_RE.match, names) if m]
    if not months:
        return None
    year, month = max(months)
    index = year * 12 + month - 1 - HISTORY_LAG_MONTHS
    through = (index // 12, index % 12 + 1)
    present = set(names)
    covered = []
    for name in sorted(names):
        match = PART_RE.match(name)
        if match and (int(match.group(1)), int(match.group(2))) <= through:
            if series_name(name) not in present:
                return None
            covered.append(series_name(name))
    if not covered:
        return None
    digest = hashlib.sha256("\n".join(covered).encode()).hexdigest()[:16]
    return History(
        f"history-through-{through[0]:04d}-{through[1]:02d}-{digest}.parquet",
        through,
        tuple(covered),
    )


def remote_summarized_parts(
    connection: duckdb.DuckDBPyConnection, url: str
) -> list[tuple[str, str | None]]:
    """`Store.summarized_parts` for a store at a URL, listed through DuckDB's glob (httpfs).

    A remote store is a copy of a local one (e.g. `aws s3 sync`): its summaries are
    synced with its parts, and a part synced without its summary is read in full."""
    pattern = f"{url}/year=*/month=*/*.parquet".replace("'", "''")
    listed = connection.execute(f"SELECT file FROM glob('{pattern}')").fetchall()
    prefix = url.rstrip("/") + "/"
    return paired_summaries({file.removeprefix(prefix): file for (file,) in listed})


def remote_source(url: str) -> str:
    """The DuckDB table expression for a remote store (no journal: remote stores are copies)."""
    return (
        f"read_parquet('{url}/year=*/month=*/part-*.parquet', hive_partitioning=false, "
        "union_by_name=false)"
    )


def duckdb_connect(location: StoreLocation | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC; with httpfs loaded for a remote store."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    # DuckDB draws a progress bar on stdout for long queries: it would corrupt `--format json`
    connection.execute("SET enable_progress_bar = false")
    if location is not None and location.is_remote:
        try:
            connection.execute("LOAD httpfs")
        except duckdb.Error as error:
            raise StoreError(
                f"reading {location.url} needs DuckDB's httpfs extension, which is not "
                f'installed ({error}); run `python -c "import duckdb; '
                "duckdb.sql('INSTALL httpfs')\"` once with network access, or sync the store "
                "to a local folder"
            ) from None
    return connection


def tree_digest(root: Path) -> str:
    """SHA-256 over the store's data files (names and bytes; not the lock or the README)."""
    digest = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            if relative in (LOCK, README):
                continue
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _crash_point(name: str) -> None:
    """Test hook: die here (SIGKILL) when GOVCAT_STORE_CRASH_AT names this point."""
    if os.environ.get("GOVCAT_STORE_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Store:
    """A local monitoring store folder."""

    root: Path

    # --- reading -----------------------------------------------------------

    def _journal(self) -> dict[str, Any] | None:
        path = self.root / JOURNAL
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise StoreError(f"{path}: unreadable commit journal ({error})") from None
        return data

    def _files(self) -> dict[str, Path]:
        """Store-relative name → file of every part, summary and history on disk."""
        return {
            path.relative_to(self.root).as_posix(): path
            for pattern in ("year=*/month=*/*.parquet", "history-*.parquet")
            for path in self.root.glob(pattern)
        }

    def _visible(self) -> dict[str, Path]:
        """Final name → file of every part and summary; a pending journal applied virtually."""
        if not self.root.is_dir():
            return {}
        files = self._files()
        journal = self._journal()
        if journal is not None:
            for temporary, final in journal.get("add", []):
                if final not in files and (self.root / temporary).is_file():
                    files[final] = self.root / temporary
            for removed in journal.get("remove", []):
                files.pop(removed, None)
        return files

    def part_files(self) -> list[Path]:
        """Every visible part, sorted; a pending commit's journal is applied virtually."""
        files = self._visible()
        return [files[name] for name in sorted(files) if PART_RE.match(name)]

    def summarized_parts(self) -> list[tuple[str, str | None]]:
        """Every visible part with its series summary (None: the part has none), sorted."""
        files = {name: str(path) for name, path in self._visible().items()}
        return paired_summaries(files)

    def history(self) -> tuple[str, History, set[str]] | None:
        """The history file when it is the one the visible summaries call for: its path,
        its plan, and the paths of the summaries it covers (as `summarized_parts` gives
        them)."""
        files = self._visible()
        plan = history_plan(list(files))
        if plan is None or plan.name not in files:
            return None
        return str(files[plan.name]), plan, {str(files[name]) for name in plan.covered}

    def partition_files(self) -> dict[str, list[Path]]:
        """`year=YYYY/month=MM` → its visible parts."""
        result: dict[str, list[Path]] = {}
        for path in self.part_files():
            relative = self._final_name(path)
            result.setdefault(relative.rsplit("/", 1)[0], []).append(path)
        return result

    def _final_name(self, path: Path) -> str:
        relative = path.relative_to(self.root).as_posix()
        return relative.removesuffix(TEMP_SUFFIX)

    def source_sql(self, files: Sequence[Path] | None = None) -> str | None:
        """A DuckDB table expression over `files` (default: every part); None when empty."""
        return parquet_source(self.part_files() if files is None else files)

    def checksum(self) -> str:
        """A content checksum of every row (order- and layout-independent)."""
        source = self.source_sql()
        if source is None:
            return "rows=0"
        connection = duckdb_connect()
        count, total = connection.execute(
            "SELECT count(*), coalesce(sum(hash(model_id, model_version, ts, metric, segment, "
            f"value, source)::HUGEINT), 0) FROM {source}"
        ).fetchone()
        return f"rows={count}:sum={total:x}"

    # --- writing -----------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the store's lock; recover an interrupted commit first."""
        self.root.mkdir(parents=True, exist_ok=True)
        gitignore = self.root / GITIGNORE
        if not gitignore.exists():
            _write_synced(gitignore, GITIGNORE_TEXT.encode())
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"{self.root / LOCK}: another govcat ingest has held the store's "
                            f"lock for {timeout_s:.0f} s; wait for it to finish and retry"
                        ) from None
                    time.sleep(0.05)
            self.recover()
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def recover(self) -> None:
        """Finish a commit whose journal was written; delete temporaries of one that was not."""
        journal = self._journal()
        if journal is not None:
            self._apply(journal)
        for pattern in (f"year=*/month=*/*{TEMP_SUFFIX}", f"history-*{TEMP_SUFFIX}"):
            for temporary in self.root.glob(pattern):
                temporary.unlink()

    def _apply(self, journal: dict[str, Any]) -> None:
        touched: set[Path] = set()
        for index, (temporary, final) in enumerate(journal.get("add", [])):
            source, target = self.root / temporary, self.root / final
            if source.is_file():
                os.replace(source, target)
                touched.add(target.parent)
            if index == 0:
                _crash_point("mid-apply")
        for removed in journal.get("remove", []):
            path = self.root / removed
            if path.is_file():
                path.unlink()
                touched.add(path.parent)
        for folder in touched:
            _fsync_dir(folder)
        (self.root / JOURNAL).unlink()
        _fsync_dir(self.root)
        for folder in touched:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                if not any(folder.parent.iterdir()):
                    folder.parent.rmdir()

    def commit(
        self, add: dict[str, bytes], remove: Sequence[str] = (), summarize: Sequence[str] = ()
    ) -> list[str]:
        """Atomically add parts (relative name → bytes) and remove parts. Hold `locked()`.

        Each added part gets its series summary in the same commit, and a removed part
        loses its own; `summarize` names present parts whose missing summary to write.
        Returns the names of the parts really added (a part already present is skipped).
        """
        from generator.monitoring.aggregate import history_summary, series_summary

        renames: list[tuple[str, str]] = []
        folders: set[Path] = set()
        added: list[str] = []

        def stage(final: str, data: bytes) -> Path:
            temporary = final + TEMP_SUFFIX
            target = self.root / temporary
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_synced(target, data)
            folders.add(target.parent)
            renames.append((temporary, final))
            _crash_point("mid-write")
            return target

        present = list(summarize)
        for final, data in sorted(add.items()):
            if not PART_RE.match(final):
                raise StoreError(f"internal: '{final}' is not a part name")
            if (self.root / final).is_file() and final not in remove:
                present.append(final)
                continue
            stage(series_name(final), series_summary(stage(final, data)))
            added.append(final)
        for final in dict.fromkeys(present):  # each once
            if not (self.root / series_name(final)).is_file():
                stage(series_name(final), series_summary(self.root / final))
        staged = {final for _, final in renames}
        removals = sorted(
            name
            for part in remove
            if part not in staged
            for name in (part, series_name(part))
            if (self.root / name).is_file()
        )
        # the history the store calls for once this commit is applied, in the same commit
        after = self._files()
        after.update((final, self.root / temporary) for temporary, final in renames)
        for name in removals:
            after.pop(name, None)
        plan = history_plan(list(after))
        if plan is not None and plan.name not in after:
            stage(plan.name, history_summary([after[name] for name in plan.covered]))
        removals += sorted(
            name for name in after if HISTORY_RE.match(name) and (plan is None or name != plan.name)
        )
        if not renames and not removals:
            return []
        for folder in folders:
            _fsync_dir(folder)
        _crash_point("before-journal")
        journal = {"add": [list(pair) for pair in sorted(renames)], "remove": removals}
        staging = self.root / (JOURNAL + TEMP_SUFFIX)
        _write_synced(staging, json.dumps(journal, indent=1).encode())
        os.replace(staging, self.root / JOURNAL)
        _fsync_dir(self.root)
        _crash_point("after-journal")
        self._apply(journal)
        return added

    # --- maintenance -------------------------------------------------------

    def compact(self) -> tuple[int, int]:
        """Merge each month's parts into as few parts as possible. Returns (before, after).

        Parts left as they are get their series summary when they lack one.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        with self.locked():
            before_checksum = self.checksum()
            add: dict[str, bytes] = {}
            remove: list[str] = []
            kept: list[str] = []
            before = after = 0
            for partition, files in sorted(self.partition_files().items()):
                before += len(files)
                if len(files) == 1:
                    kept.append(self._final_name(files[0]))
                    after += 1
                    continue
                table = sort_rows(pa.concat_tables(pq.read_table(path) for path in files))
                for start in range(0, table.num_rows, MAX_PART_ROWS):
                    data = parquet_bytes(table.slice(start, MAX_PART_ROWS))
                    add[part_name(partition, data)] = data
                    after += 1
                remove.extend(self._final_name(path) for path in files)
            self.commit(add, [name for name in remove if name not in add], summarize=kept)
            if self.checksum() != before_checksum:
                raise StoreError(
                    f"{self.root}: compact changed the store's content checksum; this is a bug — "
                    "restore the folder from git"
                )
        return before, after

    def verify(self) -> list[Problem]:
        """Read every part completely; report corrupt, misplaced and foreign files."""
        import pyarrow.parquet as pq

        from generator.monitoring.aggregate import series_summary

        problems: list[Problem] = []
        if not self.root.is_dir():
            return [
                Problem(
                    str(self.root),
                    None,
                    None,
                    "store-missing",
                    "the store folder does not exist; `govcat ingest` creates it",
                )
            ]
        journal_pending = (self.root / JOURNAL).is_file()
        schema = arrow_schema()
        valid: list[Path] = []
        summaries: dict[str, Path] = {}  # every series summary found
        beside_parts: set[str] = set()  # the summary name of every part, sound or not
        histories: dict[str, Path] = {}
        stale: list[Problem] = []
        missing: list[Problem] = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            relative = path.relative_to(self.root).as_posix()
            shown = str(path)
            if relative in (GITIGNORE, README, LOCK, JOURNAL):
                continue
            if relative.endswith(TEMP_SUFFIX):
                if not journal_pending:
                    problems.append(
                        Problem(
                            shown,
                            None,
                            None,
                            "store-temporary",
                            "left by an interrupted ingest and ignored; the next ingest deletes it",
                            "warning",
                        )
                    )
                continue
            if SERIES_RE.match(relative):
                summaries[relative] = path
                continue
            if HISTORY_RE.match(relative):
                histories[relative] = path
                continue
            match = PART_RE.match(relative)
            if match is None:
                problems.append(
                    Problem(
                        shown,
                        None,
                        None,
                        "store-foreign-file",
                        "not a part of the monitoring store (only year=YYYY/month=MM/part-<hash>.parquet belong here); move it elsewhere — the store is written only by `govcat ingest`",
                    )
                )
                continue
            beside_parts.add(series_name(relative))
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest()[:16] != match.group(3):
                problems.append(
                    Problem(
                        shown,
                        None,
                        None,
                        "store-corrupt",
                        "content does not match the part's name (sha256): the file was changed or damaged; restore it from git",
                    )
                )
                continue
            try:
                table = pq.read_table(io.BytesIO(data))
            except Exception as error:  # pyarrow raises several types for damaged files
                problems.append(
                    Problem(
                        shown,
                        None,
                        None,
                        "store-corrupt",
                        f"unreadable parquet ({error}); restore it from git",
                    )
                )
                continue
            if table.schema.remove_metadata() != schema:
                problems.append(
                    Problem(
                        shown,
                        None,
                        None,
                        "store-schema",
                        f"columns are {table.schema.names} with types {[str(t) for t in table.schema.types]}, not the store's schema; the file was not written by govcat ingest",
                    )
                )
                continue
            row_problems = self._check_rows(shown, table, int(match.group(1)), int(match.group(2)))
            problems.extend(row_problems)
            valid.append(path)
            if not row_problems:  # a damaged part's own problem says what to do
                summary = self.root / series_name(relative)
                if not summary.is_file():
                    missing.append(_summary_missing(shown))
                elif summary.read_bytes() != series_summary(table):
                    stale.append(_summary_stale(str(summary), relative))
        orphans = [
            _summary_orphan(str(path))
            for name, path in summaries.items()
            if name not in beside_parts
        ]
        problems.extend(sorted(orphans + stale, key=lambda problem: problem.path))
        problems.extend(missing)
        problems.extend(self._check_history(histories))
        problems.extend(self._duplicate_keys(valid))
        return problems

    def _check_history(self, histories: dict[str, Path]) -> list[Problem]:
        """The history file is the one the summaries call for, and merges them."""
        from generator.monitoring.aggregate import history_summary

        files = self._visible()
        plan = history_plan(list(files))
        problems = []
        for name, path in sorted(histories.items()):
            if plan is None or name != plan.name:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        "store-history-stale",
                        "not the history of the store's current summaries, so the aggregation "
                        "ignores it; delete it and run `govcat monitoring compact` to write "
                        "the current one",
                        "warning",
                    )
                )
            elif path.read_bytes() != history_summary([files[n] for n in plan.covered]):
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        "store-history-corrupt",
                        "does not merge the summaries its name covers: the health of past "
                        "months would be wrong; delete it and run `govcat monitoring compact` "
                        "to rewrite it",
                    )
                )
        if plan is not None and plan.name not in histories:
            problems.append(
                Problem(
                    str(self.root / plan.name),
                    None,
                    None,
                    "store-history-missing",
                    f"the months up to {plan.through[0]:04d}-{plan.through[1]:02d} have no "
                    "history file, so every aggregation reads their summaries one by one; run "
                    "`govcat monitoring compact` to write it",
                    "warning",
                )
            )
        return problems

    def _check_rows(self, shown: str, table: pa.Table, year: int, month: int) -> list[Problem]:
        import pyarrow.compute as pc

        problems = []
        stamps = table.column("ts")
        years, months = pc.year(stamps), pc.month(stamps)
        misplaced = pc.sum(pc.or_(pc.not_equal(years, year), pc.not_equal(months, month))).as_py()
        if misplaced:
            problems.append(
                Problem(
                    shown,
                    None,
                    None,
                    "store-partition",
                    f"{misplaced} rows have a ts outside year={year}/month={month:02d}; restore the file from git",
                )
            )
        values = table.column("value")
        bad = pc.sum(pc.invert(pc.is_finite(values))).as_py()
        if bad:
            problems.append(
                Problem(
                    shown,
                    None,
                    None,
                    "store-value",
                    f"{bad} values are NaN or infinite; restore the file from git",
                )
            )
        return problems

    def _duplicate_keys(self, parts: list[Path]) -> list[Problem]:
        source = self.source_sql(parts) if parts else None
        if source is None:
            return []
        connection = duckdb_connect()
        rows = connection.execute(
            f"SELECT model_id, metric, segment, ts::TIMESTAMP, count(*) FROM {source} "
            "GROUP BY model_id, model_version, ts, metric, segment HAVING count(*) > 1 "
            "ORDER BY ALL LIMIT 20"
        ).fetchall()
        return [
            Problem(
                str(self.root),
                None,
                None,
                "store-duplicate-key",
                f"model '{model}' metric '{metric}' segment '{segment}' at {ts.isoformat()} appears {count} times; restore the store from git",
            )
            for model, metric, segment, ts, count in rows
        ]


def part_name(partition: str, data: bytes) -> str:
    """`year=YYYY/month=MM/part-<sha256[:16]>.parquet` for a part's bytes."""
    return f"{partition}/part-{hashlib.sha256(data).hexdigest()[:16]}.parquet"


def _summary_orphan(shown: str) -> Problem:
    return Problem(
        shown,
        None,
        None,
        "store-summary-orphan",
        "a series summary without its part beside it; delete it "
        "(`govcat monitoring compact` writes summaries for the parts present)",
    )


def _summary_stale(shown: str, part: str) -> Problem:
    return Problem(
        shown,
        None,
        None,
        "store-summary-stale",
        f"does not match its part {part}: the health of past months would be wrong; "
        "delete it and run `govcat monitoring compact` to rewrite it",
    )


def _summary_missing(shown_part: str) -> Problem:
    return Problem(
        shown_part,
        None,
        None,
        "store-summary-missing",
        "this part has no series summary, so every aggregation reads it in full; "
        "run `govcat monitoring compact` to write it",
        "warning",
    )


def series_name(part: str) -> str:
    """The series summary's name beside a part: `…/part-<h>.parquet` → `…/series-<h>.parquet`."""
    folder, _, file = part.rpartition("/")
    return f"{folder}/series-{file.removeprefix('part-')}"


def open_store(location: StoreLocation) -> Store:
    """The local store at `location`; a clear error for a remote one (read-only here)."""
    if location.is_remote or location.path is None:
        raise StoreError(
            f"the monitoring store {location} is remote: govcat reads it for health and the "
            "site, but ingests only into a local folder — ingest locally, then sync the folder "
            "to the bucket (e.g. `aws s3 sync`)"
        )
    return Store(location.path)
