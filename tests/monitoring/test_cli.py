"""The monitoring commands: exact output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.monitoring.conftest import write_csv

CDS = "credit-default-scorer"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ingested(minimal_catalog: Path, tmp_path: Path) -> Path:
    """The minimal catalog with a week of data: credit-default-scorer breaches psi."""
    rows = []
    for day in range(15, 22):
        ts = f"2026-11-{day:02d}T06:00:00Z"
        rows.append([CDS, "3.2.0", ts, "auc", "", "0.82"])
        rows.append([CDS, "3.2.0", ts, "psi", "", "0.3" if day >= 20 else "0.05"])
        rows.append(["churn-predictor", "0.9.0", ts, "accuracy", "", "0.8"])
    export = write_csv(tmp_path / "week.csv", rows)
    code, out, _ = run("ingest", "--catalog", str(minimal_catalog), str(export))
    assert code == 0
    assert out == "1 file: 21 rows read, 21 added, 0 already in the store; 1 part written\n"
    return minimal_catalog


def test_health_text_lists_attention_first(ingested: Path) -> None:
    code, out, _ = run("health", "--catalog", str(ingested), "--as-of", "2026-11-21")
    assert code == 0
    assert out.splitlines() == [
        "health as of 2026-11-21: 3 models (1 ok, 1 breach, 1 unmonitored)",
        "BREACH      credit-default-scorer  psi 0.3 above max 0.25 since 2026-11-20",
    ]
    code, out, _ = run("health", "--catalog", str(ingested), "--as-of", "2026-11-21", "--all")
    assert out.splitlines()[2:] == [
        "OK          churn-predictor        1 checked series within thresholds",
        "UNMONITORED legacy-scorecard       no monitoring declared in the card",
    ]


def test_health_fail_on(ingested: Path) -> None:
    base = ["health", "--catalog", str(ingested), "--as-of", "2026-11-21"]
    assert run(*base)[0] == 0  # a breach alone never fails the command
    assert run(*base, "--fail-on", "breach")[0] == 1
    assert run(*base, "--fail-on", "warning")[0] == 1
    assert run(*base, "--fail-on", "stale")[0] == 1  # breach is worse than stale
    # before the psi breach: everything fine
    early = ["health", "--catalog", str(ingested), "--as-of", "2026-11-19"]
    assert run(*early, "--fail-on", "warning")[0] == 0
    # four days after the last export: churn-predictor (freshness 3) is stale; the breach stays
    code, out, _ = run("health", "--catalog", str(ingested), "--as-of", "2026-11-25")
    assert code == 0
    assert out.splitlines()[1:] == [
        "BREACH      credit-default-scorer  psi 0.3 above max 0.25 since 2026-11-20",
        "STALE       churn-predictor        no data for 4 days (last 2026-11-21, freshness 3 days)",
    ]


def test_health_json(ingested: Path) -> None:
    code, out, _ = run(
        "health", "--catalog", str(ingested), "--as-of", "2026-11-21", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == "2026-11-21"
    assert data["counts"] == {"ok": 1, "warning": 0, "breach": 1, "stale": 0, "unmonitored": 1}
    assert data["attention"] == [CDS]
    model = next(m for m in data["models"] if m["id"] == CDS)
    psi = next(m for m in model["metrics"] if m["metric"] == "psi")
    assert psi == {
        "metric": "psi",
        "segment": "",
        "status": "breach",
        "latest_value": 0.3,
        "latest_ts": "2026-11-21T06:00:00Z",
        "breach_since": "2026-11-20T06:00:00Z",
        "checked": True,
    }
    assert len(data["portfolio"]) == 90
    assert data["portfolio"][-1] == {
        "day": "2026-11-21",
        "ok": 1,
        "warning": 0,
        "breach": 1,
        "stale": 0,
        "unmonitored": 1,
    }


def test_ingest_problems_exit_1_and_nothing_written(minimal_catalog: Path, tmp_path: Path) -> None:
    export = write_csv(tmp_path / "bad.csv", [[CDS, "", "2026-11-20 06:00", "auc", "", "x"]])
    code, out, err = run("ingest", "--catalog", str(minimal_catalog), str(export))
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{export}:2: ingest-naive-timestamp: ts '2026-11-20 06:00' has no time zone; write it "
        "with Z or +HH:MM, or pass --assume-utc",
        "Error: 1 problem (1 error) in 1 file.",
    ]
    assert not (minimal_catalog / "monitoring").exists()


def test_ingest_skip_bad_cli(minimal_catalog: Path, tmp_path: Path) -> None:
    export = write_csv(
        tmp_path / "mixed.csv",
        [
            [CDS, "", "2026-11-20T06:00:00Z", "auc", "", "0.8"],
            ["ghost", "", "2026-11-20T06:00:00Z", "auc", "", "1"],
        ],
    )
    rejects = tmp_path / "rejected.jsonl"
    code, out, err = run(
        "ingest",
        "--catalog",
        str(minimal_catalog),
        "--skip-bad",
        "--rejects",
        str(rejects),
        str(export),
    )
    assert code == 0
    assert (
        out == "1 file: 2 rows read, 1 added, 0 already in the store, 1 rejected; 1 part written\n"
    )
    assert f"{export}:3: ingest-unknown-model: no model card 'ghost'" in err
    assert json.loads(rejects.read_text())["row"]["model_id"] == "ghost"


def test_ingest_usage_errors(minimal_catalog: Path, tmp_path: Path) -> None:
    export = write_csv(tmp_path / "a.csv", [])
    code, _, err = run("ingest", "--catalog", str(minimal_catalog), "--wide", str(export))
    assert code == 2 and "--wide and --metric-columns go together" in err
    code, _, err = run(
        "ingest", "--catalog", str(minimal_catalog), "--at", "2026-11-20T06:00", str(export)
    )
    assert code == 2 and "has no time zone" in err


def test_monitoring_verify_and_compact(ingested: Path, tmp_path: Path) -> None:
    more = write_csv(
        tmp_path / "more.csv", [[CDS, "3.2.0", "2026-11-22T06:00:00Z", "auc", "", "0.81"]]
    )
    assert run("ingest", "--catalog", str(ingested), str(more))[0] == 0
    code, out, _ = run("monitoring", "verify", "--catalog", str(ingested))
    assert code == 0 and out.startswith(f"{ingested / 'monitoring'}: 2 parts verified, rows=22:")
    checksum = out.split(", ", 1)[1].strip()
    code, out, _ = run("monitoring", "compact", "--catalog", str(ingested))
    assert code == 0
    assert out == f"{ingested / 'monitoring'}: 2 parts → 1; content checksum {checksum} unchanged\n"
    (ingested / "monitoring" / "stray.csv").write_text("x")
    code, _, err = run("monitoring", "verify", "--catalog", str(ingested))
    assert code == 1
    assert f"{ingested / 'monitoring' / 'stray.csv'}: store-foreign-file: not a part" in err


@pytest.mark.parametrize(
    "command",
    [["ingest"], ["health"], ["monitoring"], ["monitoring", "compact"], ["monitoring", "verify"]],
)
def test_help_has_an_example(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Example:" in out
