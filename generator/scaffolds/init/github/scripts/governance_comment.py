"""Turn `govcat diff --format markdown` output into the pull request's comment body.

Used by .github/workflows/pull-request.yml. The first line of the body is a marker
that the commenting job looks for, so that one comment per pull request is updated
rather than a new one added on every push. The same text goes to the job summary.
Standard library only: it runs before (or without) the project's environment.
"""

from __future__ import annotations

import argparse
from pathlib import Path

MARKER = "<!-- govcat:governance-diff -->"
# GitHub refuses comment bodies over 65,536 characters and step summaries over 1 MiB;
# keep room for the frame.
MAX_COMMENT_CHARS = 60_000
MAX_SUMMARY_CHARS = 900_000

VERDICTS = {
    0: ":white_check_mark: No new policy errors.",
    1: ":x: This change introduces policy errors or schema errors (or the diff could not "
    "be computed): the check fails until they are fixed or waived.",
    127: ":warning: The governance diff did not run: the check failed before it (see the job log).",
}


def comment_body(diff: str, status: int, run_url: str, limit: int = MAX_COMMENT_CHARS) -> str:
    """The comment: marker, the diff (cut at a line if over `limit` characters), the
    check's verdict and a link to the run."""
    diff = diff.strip()
    if len(diff) > limit:
        cut = diff.rfind("\n", 0, limit)
        diff = (
            diff[: cut if cut > 0 else limit]
            + "\n\n… truncated: "
            + (
                f"the full diff is in the [job summary]({run_url})."
                if limit == MAX_COMMENT_CHARS
                else "run `govcat diff` locally for the full diff."
            )
        )
    verdict = VERDICTS.get(status, f":x: `govcat diff` exited with status {status}.")
    # govcat diff's report carries its own heading and verdict; the check's outcome goes below.
    parts = [MARKER, diff or "## Governance diff", "", f"**Check:** {verdict}", ""]
    parts.append(f"<sub>Updated by [this run]({run_url}).</sub>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--diff", type=Path, required=True, help="govcat diff's Markdown output")
    parser.add_argument("--status", type=int, required=True, help="govcat diff's exit status")
    parser.add_argument("--run-url", required=True)
    parser.add_argument("--output", type=Path, required=True, help="where to write the body")
    parser.add_argument("--summary", type=Path, help="job summary file to append to")
    args = parser.parse_args(argv)

    diff = args.diff.read_text(encoding="utf-8") if args.diff.is_file() else ""
    body = comment_body(diff, args.status, args.run_url)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(body, encoding="utf-8")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(
                comment_body(diff, args.status, args.run_url, MAX_SUMMARY_CHARS).removeprefix(
                    MARKER + "\n"
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
