"""Shared helpers for govcat's benchmarks: timing, peak RSS, the row schema, the table.

Every area's benchmark module (`benchmarks/bench_<area>.py`) is runnable as

    python -m benchmarks.bench_<area> [--large] [--json OUT.json]

and produces a list of `Row`s. The easiest way to honour that contract:

    from benchmarks.common import bench_main, interleaved, row, run_child

    def run(large: bool) -> list[dict]:
        ...
        return [row("catalog", 1000, "validate", measured, floor=("yaml parse", floor_m),
                    goal="<= 2x floor", goal_ratio=2.0)]

    if __name__ == "__main__":
        bench_main("catalog", run)

Measuring: run each case in a child process (`run_child`), so its peak RSS is its
own and imports are not shared between the measured code and its floor. A child can
report the time of just the interesting part by printing one line made with
`child_report(...)`; otherwise the wall time is the whole process.
`interleaved({...}, runs=3)` runs the cases round-robin (A B A B A B) so a noisy
neighbour slows both alike, and `summarise` takes the median wall time and the
largest peak RSS over the runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WORK = BENCH_DIR / "work"
"""Scratch output of every benchmark (gitignored)."""
PYTHON = sys.executable

ROW_FIELDS = (
    "area",
    "size",
    "stage",
    "wall_s",
    "peak_rss_mb",
    "floor",
    "floor_wall_s",
    "ratio",
    "goal",
    "goal_met",
    "notes",
)
"""The JSON row schema every benchmark writes (`--json OUT.json` is a list of these)."""

CHILD_MARKER = "GOVCAT-BENCH "
"""Prefix of the one stdout line a child uses to report its own measurements."""


# --- progress ----------------------------------------------------------------


def progress(message: str) -> None:
    """One line of progress on stderr (line-oriented: fine on a terminal and in CI logs)."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# --- measuring ---------------------------------------------------------------


@dataclass
class Measurement:
    """One run of one case."""

    wall_s: float
    """The child's own report of the interesting part, else the whole process's wall time."""
    peak_rss_mb: float
    """Peak resident memory: the largest of the process's own high-water mark and the
    sampled sum over the process and its children."""
    process_wall_s: float = 0.0
    """Wall time of the whole child process, start-up included."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Anything else the child reported (counts, sizes, …)."""


@dataclass
class Summary:
    """Several runs of one case, summarised."""

    wall_s: float
    """Median wall time."""
    peak_rss_mb: float
    """Largest peak RSS over the runs."""
    runs: list[Measurement]

    @property
    def extra(self) -> dict[str, Any]:
        """What the last run reported."""
        return self.runs[-1].extra if self.runs else {}


class ChildFailed(RuntimeError):
    """A measured child process exited with an error."""


def child_report(wall_s: float, **extra: Any) -> None:
    """Called inside a child: report the measured part's wall time (and extras).

    Peak RSS is added automatically (the process's high-water mark so far).
    """
    payload = {"wall_s": wall_s, "peak_rss_mb": own_peak_rss_mb(), **extra}
    print(CHILD_MARKER + json.dumps(payload), flush=True)


def own_peak_rss_mb() -> float:
    """This process's peak RSS so far (Linux reports KiB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of a process and all its children now (0 if it is gone)."""
    import psutil

    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total
    except psutil.Error:
        return 0


def run_child(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    sample_every: float = 0.05,
    check: bool = True,
) -> Measurement:
    """Run a command, measuring wall time and peak RSS (of it and its children).

    If the child prints a `child_report` line, its `wall_s` (and extras) are used;
    stdout/stderr are captured and shown only when the child fails.
    """
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONHASHSEED", "0")
    start = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, tree_rss_bytes(process.pid))
            stop.wait(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        stop.set()
        raise ChildFailed(
            f"{' '.join(argv)} timed out after {timeout} s\n{stderr[-2000:]}"
        ) from None
    finally:
        stop.set()
        sampler.join()
    process_wall = time.perf_counter() - start
    if check and process.returncode != 0:
        raise ChildFailed(
            f"{' '.join(argv)} exited {process.returncode}\n{stdout[-2000:]}\n{stderr[-4000:]}"
        )
    reported: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith(CHILD_MARKER):
            reported = json.loads(line[len(CHILD_MARKER) :])
    wall = float(reported.pop("wall_s", process_wall))
    own_peak = float(reported.pop("peak_rss_mb", 0.0))
    peak = max(own_peak, peak_tree / (1024 * 1024))
    reported.setdefault("returncode", process.returncode)
    return Measurement(wall, peak, process_wall, reported)


def run_python(code: str, *args: str, **kwargs: Any) -> Measurement:
    """`run_child` for a snippet of Python run with this interpreter from the repo root."""
    kwargs.setdefault("cwd", REPO)
    return run_child([PYTHON, "-c", code, *args], **kwargs)


def interleaved(
    cases: dict[str, Callable[[], Measurement]],
    *,
    runs: int = 3,
    label: str = "",
    before_each: Callable[[str], None] | None = None,
) -> dict[str, Summary]:
    """Run each case `runs` times, round-robin, and summarise each (median wall, max RSS).

    `before_each(name)` runs (unmeasured) before every run of a case: clear a cache,
    touch a file, …
    """
    results: dict[str, list[Measurement]] = {name: [] for name in cases}
    for round_index in range(runs):
        for name, case in cases.items():
            if before_each is not None:
                before_each(name)
            measurement = case()
            results[name].append(measurement)
            progress(
                f"{label + ': ' if label else ''}{name} run {round_index + 1}/{runs}: "
                f"{measurement.wall_s:.2f} s, {measurement.peak_rss_mb:.0f} MB"
            )
    return {name: summarise(found) for name, found in results.items()}


def settle(site: Path, limit_s: float = 300.0) -> None:
    """Wait until the previous sites `govcat build` deletes in the background (beside
    `site`, see generator.build.discard) are gone: that deletion is not part of a build,
    and must not slow the next case either."""
    deadline = time.monotonic() + limit_s
    while any(site.parent.glob(f".{site.name}.old-*")) and time.monotonic() < deadline:
        time.sleep(0.05)


def summarise(measurements: list[Measurement]) -> Summary:
    """Median wall time, largest peak RSS."""
    return Summary(
        wall_s=statistics.median(m.wall_s for m in measurements),
        peak_rss_mb=max(m.peak_rss_mb for m in measurements),
        runs=measurements,
    )


# --- rows --------------------------------------------------------------------


def row(
    area: str,
    size: int | str,
    stage: str,
    measured: Summary | Measurement | None,
    *,
    floor: tuple[str, Summary | Measurement | float] | None = None,
    goal: str | None = None,
    goal_ratio: float | None = None,
    goal_met: bool | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """One result row in the shared schema.

    `floor` is `(description, its measurement or wall seconds)`. With `goal_ratio`,
    `goal_met` is `ratio <= goal_ratio`; pass `goal_met` directly for other goals
    (e.g. an absolute time, or "faster than").
    """
    wall = measured.wall_s if measured is not None else None
    rss = measured.peak_rss_mb if measured is not None else None
    floor_name = floor_wall = ratio = None
    if floor is not None:
        floor_name, floor_value = floor
        floor_wall = floor_value if isinstance(floor_value, int | float) else floor_value.wall_s
        if wall is not None and floor_wall:
            ratio = wall / floor_wall
    if goal_met is None and goal_ratio is not None and ratio is not None:
        goal_met = ratio <= goal_ratio
    return {
        "area": area,
        "size": size,
        "stage": stage,
        "wall_s": _round(wall),
        "peak_rss_mb": _round(rss, 1),
        "floor": floor_name,
        "floor_wall_s": _round(floor_wall),
        "ratio": _round(ratio, 2),
        "goal": goal,
        "goal_met": goal_met,
        "notes": notes,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def check_rows(rows: list[dict[str, Any]]) -> None:
    """Raise if a row does not follow the shared schema."""
    for item in rows:
        missing = [name for name in ROW_FIELDS if name not in item]
        if missing:
            raise ValueError(f"benchmark row {item!r} lacks {', '.join(missing)}")


# --- output ------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "**no**"
    if isinstance(value, float):
        if abs(value) < 1:
            return f"{value:.3f}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


TABLE_COLUMNS = (
    ("area", "area"),
    ("size", "size"),
    ("stage", "stage"),
    ("wall_s", "wall s"),
    ("peak_rss_mb", "peak RSS MB"),
    ("floor", "floor"),
    ("floor_wall_s", "floor s"),
    ("ratio", "ratio"),
    ("goal", "goal"),
    ("goal_met", "met"),
    ("notes", "notes"),
)


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (readable in a terminal too)."""
    header = "| " + " | ".join(title for _, title in TABLE_COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in TABLE_COLUMNS) + "|"
    lines = [header, rule]
    for item in rows:
        cells = []
        for key, _ in TABLE_COLUMNS:
            value = item.get(key)
            if key == "ratio" and isinstance(value, int | float):
                cells.append(f"{value:.2f}x")
            else:
                cells.append(_cell(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(rows: list[dict[str, Any]], path: Path | str) -> None:
    """Write rows as JSON (temp file + rename, so a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)


def bench_main(area: str, run: Callable[[bool], list[dict[str, Any]]]) -> None:
    """The command line of a `bench_<area>` module: `[--large] [--json OUT.json]`."""
    parser = argparse.ArgumentParser(
        prog=f"python -m benchmarks.bench_{area}", description=f"govcat {area} benchmark"
    )
    parser.add_argument(
        "--large", action="store_true", help="also the 10,000-model / 100M-row cases"
    )
    parser.add_argument("--json", type=Path, help="write the result rows as JSON to this file")
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = run(options.large)
    check_rows(rows)
    print(format_table(rows))
    progress(f"{area}: done in {time.perf_counter() - started:.0f} s")
    if options.json:
        write_json(rows, options.json)


# --- machine -----------------------------------------------------------------


def machine_info() -> dict[str, str]:
    """CPU model, cores, RAM, OS and Python: the context a reader needs for the numbers."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:  # pragma: no cover - psutil is a dev dependency
        ram = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


# --- synthetic catalogs ------------------------------------------------------


def synthetic_project(models: int, *, monitoring_days: int = 0, seed: int = 1) -> Path:
    """A synthetic project directory (catalog/ + mkdocs.yml) under benchmarks/work/synth/.

    Generated once per (models, days, seed) and reused by later benchmarks; a marker
    file written last tells a finished directory from an interrupted one.
    """
    target = WORK / "synth" / f"m{models}-d{monitoring_days}-s{seed}"
    if (target / ".complete").is_file():
        ensure_series_summaries(target / "catalog")
        return target
    progress(f"synth: {models:,} models, {monitoring_days} monitoring days → {target}")
    subprocess.run(
        [
            PYTHON,
            "-m",
            "benchmarks.synth",
            "--models",
            str(models),
            "--monitoring-days",
            str(monitoring_days),
            "--seed",
            str(seed),
            "-o",
            str(target),
        ],
        cwd=REPO,
        check=True,
    )
    return target


def ensure_series_summaries(catalog: Path) -> None:
    """Give a store synthesised before series summaries or the history file existed what
    `govcat ingest` now writes with its parts: the summaries (`govcat monitoring compact`),
    the history (a commit without parts, which writes only that)."""
    from generator.monitoring.store import Store, history_plan

    store = Store(catalog / "monitoring")
    if any(summary is None for _, summary in store.summarized_parts()):
        progress(f"writing the series summaries of {store.root}")
        command = [PYTHON, "-m", "generator", "monitoring", "compact", "--catalog", str(catalog)]
        subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    names = [p.relative_to(store.root).as_posix() for p in store.root.rglob("*.parquet")]
    if history_plan(names) is not None and store.history() is None:
        progress(f"writing the history file of {store.root}")
        with store.locked():
            store.commit({})
