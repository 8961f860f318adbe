"""Open, update or close one GitHub issue per model in health breach.

    python .github/scripts/health_issues.py HEALTH_JSON [--summary FILE] [--dry-run]

HEALTH_JSON is the output of `govcat health --format json`. For every model whose
status is `breach` there is exactly one open issue labelled `govcat-health`: opened the
first night, its body refreshed on later nights (no new issue, no comment noise), and
closed with a comment on the first night the model is no longer in breach (a model
gone `stale`, without recent data, keeps its issue open: that is no recovery).

Issues are matched by a marker in their body (`<!-- govcat-health:MODEL_ID -->`), not by
title, so renaming an issue does not make a duplicate. Uses the `gh` CLI (GH_TOKEN and
GH_REPO from the environment) and only the standard library. Optional environment:
SITE_URL (the published site, for links to model pages) and RUN_URL (this run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LABEL = "govcat-health"
LABEL_COLOR = "B60205"
MARKER_RE = re.compile(r"<!-- govcat-health:([a-z0-9][a-z0-9-]{0,62}[a-z0-9]) -->")


def marker(model_id: str) -> str:
    return f"<!-- govcat-health:{model_id} -->"


def model_entries(report: Any) -> list[dict[str, Any]]:
    """The per-model entries of a health report, each with a `model_id`.

    Accepts `{"models": [...]}`, `{"models": {id: {...}}}` or a bare list; an entry
    names its model with `model_id` or `id`.
    """
    models = report.get("models", []) if isinstance(report, dict) else report
    if isinstance(models, dict):
        models = [{"model_id": key, **value} for key, value in models.items()]
    if not isinstance(models, list):
        raise ValueError("health report: expected a list of models")
    entries = []
    for entry in models:
        if not isinstance(entry, dict):
            raise ValueError("health report: a model entry is not an object")
        model_id = entry.get("model_id") or entry.get("id")
        if not isinstance(model_id, str) or not model_id:
            raise ValueError("health report: a model entry has no model_id")
        entries.append({**entry, "model_id": model_id})
    return entries


def issue_body(entry: dict[str, Any], as_of: str, site_url: str, run_url: str) -> str:
    model_id = entry["model_id"]
    lines = [
        marker(model_id),
        f"**{model_id}** is in **breach** of its monitoring thresholds"
        + (f" as of {as_of}" if as_of else "")
        + ".",
        "",
    ]
    if entry.get("reason"):
        lines += [f"> {entry['reason']}", ""]
    breached = [
        m for m in entry.get("metrics") or [] if isinstance(m, dict) and m.get("status") == "breach"
    ]
    if breached:
        lines += ["| metric | segment | latest value | breach since |", "| --- | --- | --- | --- |"]
        for m in breached:
            lines.append(
                f"| {m.get('metric', '')} | {m.get('segment') or 'all'} "
                f"| {m.get('latest_value', '')} | {m.get('breach_since') or ''} |"
            )
        lines.append("")
    if site_url:
        lines.append(f"Model page: {site_url.rstrip('/')}/models/{model_id}/")
    if run_url:
        lines.append(f"Updated by {run_url}")
    lines += [
        "",
        "This issue is maintained by the nightly `publish` workflow: it is updated while the "
        "breach lasts and closed when the model recovers.",
    ]
    return "\n".join(lines) + "\n"


class GitHub:
    """The few `gh` calls this script makes."""

    def __init__(self, dry_run: bool = False) -> None:
        self.dry_run = dry_run

    def run(self, args: list[str], stdin: str | None = None, *, write: bool = True) -> str:
        if self.dry_run and write:
            print("would run: gh", " ".join(args))
            return ""
        done = subprocess.run(
            ["gh", *args], input=stdin, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"gh {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout

    def ensure_label(self) -> None:
        self.run(
            [
                "label",
                "create",
                LABEL,
                "--force",
                "--color",
                LABEL_COLOR,
                "--description",
                "A model breaches its monitoring thresholds (govcat health)",
            ]
        )

    def open_issues(self) -> dict[str, int]:
        """model id → number of its open issue (the oldest one, if several)."""
        listing = self.run(
            [
                "issue",
                "list",
                "--label",
                LABEL,
                "--state",
                "open",
                "--limit",
                "1000",
                "--json",
                "number,body",
            ],
            write=False,
        )
        found: dict[str, int] = {}
        for issue in sorted(json.loads(listing or "[]"), key=lambda i: i["number"]):
            match = MARKER_RE.search(issue.get("body") or "")
            if match and match.group(1) not in found:
                found[match.group(1)] = issue["number"]
        return found

    def create(self, model_id: str, body: str) -> None:
        self.run(
            [
                "issue",
                "create",
                "--title",
                f"Health breach: {model_id}",
                "--label",
                LABEL,
                "--body-file",
                "-",
            ],
            body,
        )

    def update(self, number: int, body: str) -> None:
        self.run(["issue", "edit", str(number), "--body-file", "-"], body)

    def close(self, number: int, comment: str) -> None:
        self.run(["issue", "close", str(number), "--reason", "completed", "--comment", comment])


def sync(report: Any, gh: GitHub, site_url: str = "", run_url: str = "") -> list[tuple[str, str]]:
    """Bring the issues in line with the report; returns (model id, action) pairs."""
    entries = model_entries(report)
    as_of = str(report.get("as_of", "")) if isinstance(report, dict) else ""
    status = {e["model_id"]: str(e.get("status", "")) for e in entries}
    breached = [e for e in entries if status[e["model_id"]] == "breach"]
    open_issues = gh.open_issues()
    actions: list[tuple[str, str]] = []
    if breached:
        gh.ensure_label()
    for entry in breached:
        model_id = entry["model_id"]
        body = issue_body(entry, as_of, site_url, run_url)
        if model_id in open_issues:
            gh.update(open_issues[model_id], body)
            actions.append((model_id, f"updated #{open_issues[model_id]}"))
        else:
            gh.create(model_id, body)
            actions.append((model_id, "opened"))
    for model_id, number in sorted(open_issues.items()):
        if status.get(model_id) == "breach":
            continue
        if status.get(model_id) == "stale":
            # No fresh data is no evidence of recovery: leave the issue open as it is.
            actions.append((model_id, f"kept #{number} open (stale: no recent data)"))
            continue
        now = status.get(model_id) or "no longer in the catalog"
        gh.close(
            number,
            f"Recovered: `{model_id}` is {now}" + (f" as of {as_of}" if as_of else "") + ".",
        )
        actions.append((model_id, f"closed #{number}"))
    return actions


def summary_table(actions: Iterable[tuple[str, str]]) -> str:
    rows = [f"| {model_id} | {action} |" for model_id, action in actions]
    if not rows:
        return "### Health issues\n\nNo model in breach, no issue to close.\n"
    return "\n".join(["### Health issues", "", "| model | issue |", "| --- | --- |", *rows]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("health_json", type=Path)
    parser.add_argument("--summary", type=Path, help="job summary file to append to")
    parser.add_argument("--dry-run", action="store_true", help="print the changes only")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.health_json.read_text(encoding="utf-8"))
        actions = sync(
            report,
            GitHub(dry_run=args.dry_run),
            site_url=os.environ.get("SITE_URL", ""),
            run_url=os.environ.get("RUN_URL", ""),
        )
    except (OSError, ValueError, RuntimeError) as error:
        print(f"health_issues: {error}", file=sys.stderr)
        return 1
    for model_id, action in actions:
        print(f"{model_id}: {action}")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(summary_table(actions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
