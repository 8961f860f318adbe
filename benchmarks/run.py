"""Run every benchmark and print one table: `make bench` / `make bench-large`.

    python -m benchmarks.run [--large] [--only catalog,site] [--output FILE] [--collect]

Each `benchmarks/bench_<area>.py` runs as its own process, one after the other (so
they never compete for the two cores), with `--large` passed through. Their
progress lines are streamed to stderr prefixed with the area; their rows are
merged into one table, printed, and written with the machine, the versions and
the date to `benchmarks/results.md` (`results-large.md` with --large). An area
that fails shows as a row saying so; the exit status is then 1. `--collect` runs
nothing and writes the report from each area's last results (`benchmarks/work/
results/<area>[-large].json`), for areas run at different times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BENCH_DIR,
    PYTHON,
    REPO,
    WORK,
    check_rows,
    format_table,
    machine_info,
    row,
)

FIRST = ("catalog",)
"""Areas that run before the others (the rest follow in name order)."""
VERSIONS = (
    "govcat",
    "mkdocs",
    "mkdocs-material",
    "zensical",
    "duckdb",
    "pydantic",
    "PyYAML",
    "pyarrow",
    "pandas",
    "Jinja2",
)


def discover() -> list[str]:
    """The areas that have a `bench_<area>.py`, catalog first."""
    areas = sorted(path.stem.removeprefix("bench_") for path in BENCH_DIR.glob("bench_*.py"))
    return [a for a in FIRST if a in areas] + [a for a in areas if a not in FIRST]


def versions() -> dict[str, str]:
    """Installed versions of what the numbers depend on."""
    found = {"python": sys.version.split()[0]}
    for name in VERSIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _stream(pipe: Any, area: str, lines: list[str]) -> None:
    for line in pipe:
        text = line.rstrip("\n")
        lines.append(text)
        print(f"[{area}] {text}", file=sys.stderr, flush=True)


def collected_area(area: str, *, large: bool) -> tuple[list[dict[str, Any]], float]:
    """The rows and duration of an area's last successful run (`--collect`)."""
    output = WORK / "results" / f"{area}{'-large' if large else ''}.json"
    if not output.is_file():
        return [row(area, "", "benchmark failed", None, goal_met=False, notes="never run")], 0.0
    rows = json.loads(output.read_text(encoding="utf-8"))
    check_rows(rows)
    seconds = output.with_suffix(".seconds")
    elapsed = float(seconds.read_text(encoding="utf-8")) if seconds.is_file() else 0.0
    return rows, elapsed


def run_area(
    area: str, *, large: bool, timeout: float | None
) -> tuple[list[dict[str, Any]], float]:
    """Run one area's module; its rows, or one row saying why it failed."""
    output = WORK / "results" / f"{area}{'-large' if large else ''}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    command = [PYTHON, "-m", f"benchmarks.bench_{area}", "--json", str(output)]
    if large:
        command.append("--large")
    print(f"[run] {area}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.DEVNULL,  # the area's own table: the merged one is printed instead
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_stream, args=(process.stderr, area, lines), daemon=True)
    reader.start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        returncode = None
    reader.join(timeout=5)
    elapsed = time.perf_counter() - started
    if returncode == 0 and output.is_file():
        rows = json.loads(output.read_text(encoding="utf-8"))
        check_rows(rows)
        output.with_suffix(".seconds").write_text(f"{elapsed:.1f}\n", encoding="utf-8")
        return rows, elapsed
    reason = (
        f"timed out after {timeout:.0f} s"
        if returncode is None
        else f"exited {returncode}: " + " / ".join(line for line in lines[-3:] if line.strip())
    )
    return [row(area, "", "benchmark failed", None, goal_met=False, notes=reason[:300])], elapsed


def results_markdown(
    rows: list[dict[str, Any]],
    *,
    large: bool,
    durations: dict[str, float],
    started: dt.datetime,
    load: tuple[float, float] | None = None,
    only: str | None = None,
    collected: bool = False,
) -> str:
    """The committed report: context first, then the table, then the goals in words."""
    machine = machine_info()
    found = versions()
    arguments = (" --large" if large else "") + (f" --only {only}" if only else "")
    made_by = (
        f"`python -m benchmarks.run{arguments}` (only some areas)"
        if only
        else f"`{'make bench-large' if large else 'make bench'}` "
        f"(`python -m benchmarks.run{arguments}`)"
    )
    lines = [
        f"# govcat benchmark results ({'large' if large else 'default'} sizes)",
        "",
        (
            f"Collected on {started.strftime('%Y-%m-%d %H:%M')} UTC by "
            f"`python -m benchmarks.run{arguments} --collect` from each area's last run "
            "(areas run at different times, each with the same runner). "
            "Do not edit: run it again."
            if collected
            else f"Generated by {made_by} on {started.strftime('%Y-%m-%d %H:%M')} UTC. "
            "Do not edit: run it again."
        ),
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram']} RAM, "
        f"{machine['os']}",
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in found.items()),
        "- Time per area: "
        + ", ".join(f"{area} {seconds / 60:.1f} min" for area, seconds in durations.items())
        + f"; total {sum(durations.values()) / 60:.1f} min",
        "- Method: every case in its own process; measured and floor runs interleaved; "
        "wall time is the median of >= 3 runs, peak RSS the largest (process and children).",
        *(
            [
                f"- Machine load (1-minute load average) at start {load[0]:.1f}, at end "
                f"{load[1]:.1f}"
                + (
                    ": above the core count, other work shared the CPUs, so absolute times "
                    "are inflated; ratios come from interleaved runs and suffer less."
                    if max(load) > float(machine["cores"])
                    else "."
                )
            ]
            if load is not None
            else []
        ),
        "",
        format_table(rows),
        "",
    ]
    goals = [r for r in rows if r.get("goal_met") is not None]
    met = [r for r in goals if r["goal_met"]]
    lines.append(f"Goals met: {len(met)} of {len(goals)}.")
    missed = [r for r in goals if not r["goal_met"]]
    if missed:
        lines.append("")
        lines.append("Missed (see the notes column for the cause):")
        lines.append("")
        for item in missed:
            lines.append(
                f"- {item['area']} {item['size']} {item['stage']}: "
                f"{item.get('goal') or ''} — {item.get('notes') or ''}"
            )
    lines.append("")
    return "\n".join(lines)


def compile_sources() -> None:
    """Write the bytecode of govcat and the benchmarks before anything is timed.

    Where PYTHONDONTWRITEBYTECODE is set (it is on the reference machine), Python never
    writes `__pycache__`: every child process would compile each module it imports
    whose bytecode is missing or older than its source (~0.02 s for the largest), and a
    tree fresh from git would be measured slower than the same code run twice."""
    import compileall

    compileall.compile_dir(REPO / "generator", quiet=1)
    compileall.compile_dir(BENCH_DIR, maxlevels=0, quiet=1)  # not work/: synthetic projects


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--large", action="store_true", help="10,000 models, 100M rows")
    parser.add_argument("--only", help="comma-separated areas (default: every bench_*.py)")
    parser.add_argument("--output", type=Path, help="report file (default: benchmarks/results.md)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per area")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="run nothing: write the report from each area's last results (areas run apart)",
    )
    options = parser.parse_args(argv)
    areas = discover()
    if options.only:
        wanted = [name.strip() for name in options.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(areas))
        if unknown:
            parser.error(f"no benchmark for {', '.join(unknown)}; known: {', '.join(areas)}")
        areas = [a for a in areas if a in wanted]
    if not options.collect:
        compile_sources()
    started = dt.datetime.now(dt.UTC)
    load_at_start = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    durations: dict[str, float] = {}
    for area in areas:
        if options.collect:
            area_rows, seconds = collected_area(area, large=options.large)
        else:
            area_rows, seconds = run_area(area, large=options.large, timeout=options.timeout)
        rows.extend(area_rows)
        durations[area] = seconds
        print(f"[run] {area}: done in {seconds:.0f} s", file=sys.stderr, flush=True)
    print(format_table(rows))
    report = options.output or BENCH_DIR / ("results-large.md" if options.large else "results.md")
    text = results_markdown(
        rows,
        large=options.large,
        durations=durations,
        started=started,
        load=None if options.collect else (load_at_start, os.getloadavg()[0]),
        only=options.only,
        collected=options.collect,
    )
    temporary = report.with_name(report.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(report)
    print(f"[run] wrote {report}", file=sys.stderr, flush=True)
    failed = any(r["stage"] == "benchmark failed" for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
