"""summarize(): health per model, windows, breach start, staleness, portfolio, chart series."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from generator.errors import StoreError
from generator.health import HealthStatus, classify
from generator.monitoring.aggregate import summarize
from generator.monitoring.ingest import IngestOptions, ingest
from tests.conftest import load_minimal_card
from tests.monitoring.conftest import load, write_csv

AS_OF = dt.date(2026, 11, 21)
CDS = "credit-default-scorer"


def _day(offset: int) -> str:
    """`offset` days before AS_OF, 06:00 UTC."""
    return f"{(AS_OF - dt.timedelta(days=offset)).isoformat()}T06:00:00Z"


def _card(
    model_id: str,
    metrics: dict,
    *,
    stage: str = "production",
    freshness: int = 2,
    segments: list[str] | None = None,
) -> dict:
    card = load_minimal_card("models", "churn-predictor")
    card.update(id=model_id, name=model_id.title(), stage=stage)
    card["versions"] = [{"version": "1.0.0", "date": "2025-01-01", "stage": stage}]
    card["monitoring"] = {"freshness_days": freshness, "metrics": metrics}
    if segments:
        card["monitoring"]["segments"] = segments
    return card


AUC = {"auc": {"min": 0.78, "warn_below": 0.80}}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> tuple:
    """A catalog with one model per story, and its summary as of AS_OF."""
    import shutil

    from tests.conftest import MINIMAL, write_card

    root = tmp_path_factory.mktemp("aggregate") / "catalog"
    shutil.copytree(MINIMAL, root)
    cards = [
        _card("healthy", AUC),
        _card("breaching", AUC),
        _card("warning-only", AUC),
        _card("stale-feed", AUC, freshness=3),
        _card("declared-no-data", AUC),
        _card(
            "fair-slices", {"approval_ratio": {"min": 0.8, "warn_below": 0.85}}, segments=["age<25"]
        ),
        _card("recovered", AUC),
    ]
    for card in cards:
        write_card(root, "models", card)
    rows = []
    for offset in range(200, -1, -1):
        rows.append(["healthy", "1.0.0", _day(offset), "auc", "", 0.85 + 0.0001 * (200 - offset)])
        # breach: fine until 10 days ago, then below min (0.78); one warn day before it
        value = 0.85 if offset > 10 else 0.75
        if offset == 11:
            value = 0.79
        rows.append(["breaching", "1.0.0", _day(offset), "auc", "", value])
        rows.append(["warning-only", "1.0.0", _day(offset), "auc", "", 0.79])
        if offset >= 6:
            rows.append(["stale-feed", "1.0.0", _day(offset), "auc", "", 0.9])
        rows.append(["fair-slices", "1.0.0", _day(offset), "approval_ratio", "", 1.0])
        rows.append(
            [
                "fair-slices",
                "1.0.0",
                _day(offset),
                "approval_ratio",
                "age<25",
                round(0.95 - 0.001 * (200 - offset), 4),
            ]
        )
        rows.append(["fair-slices", "1.0.0", _day(offset), "approval_ratio", "region=EU", 0.5])
        recovered = 0.7 if 120 <= offset <= 150 else 0.86
        rows.append(["recovered", "1.0.0", _day(offset), "auc", "", recovered])
    # data after the as-of day must be ignored
    rows.append(["healthy", "1.0.0", "2026-11-25T06:00:00Z", "auc", "", 0.1])
    # two observations on one day: the chart keeps the later one
    rows.append(["healthy", "1.0.0", _day(0).replace("06:00", "18:00"), "auc", "", 0.88])
    export = write_csv(root.parent / "export.csv", rows)
    catalog = load(root)
    ingest(catalog, [export], IngestOptions())
    return catalog, summarize(catalog, as_of=AS_OF), rows


def test_model_statuses_and_reasons(scenario) -> None:
    _, summary, _ = scenario
    got = {m: (h.status.value, h.reason) for m, h in summary.models.items()}
    assert got["healthy"] == ("ok", "1 checked series within thresholds")
    assert got["breaching"] == ("breach", "auc 0.75 below min 0.78 since 2026-11-11")
    assert got["warning-only"] == ("warning", "auc 0.79 below warn_below 0.8")
    assert got["stale-feed"] == ("stale", "no data for 6 days (last 2026-11-15, freshness 3 days)")
    assert got["declared-no-data"] == (
        "unmonitored",
        "monitoring declared, but the store holds no data for it — ingest an export",
    )
    assert got["fair-slices"] == (
        "breach",
        "approval_ratio [age<25] 0.75 below min 0.8 since 2026-10-03",
    )
    assert got["recovered"] == ("ok", "1 checked series within thresholds")
    assert got["legacy-scorecard"] == ("unmonitored", "no monitoring declared in the card")
    assert got[CDS][0] == "unmonitored"  # declared auc/psi, no data


def test_attention_order(scenario) -> None:
    _, summary, _ = scenario
    assert [m.model_id for m in summary.attention()] == [
        "breaching",
        "fair-slices",
        "stale-feed",
        "warning-only",
        "churn-predictor",  # staging, declared, no data: live models must be monitored
        "credit-default-scorer",
        "declared-no-data",
    ]


def test_metric_windows_match_a_plain_python_computation(scenario) -> None:
    _, summary, rows = scenario
    (auc,) = [m for m in summary.models["healthy"].metrics if m.metric == "auc"]
    end = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    observations = [
        (dt.datetime.fromisoformat(ts), value)
        for model, _, ts, metric, _, value in rows
        if model == "healthy" and dt.datetime.fromisoformat(ts) < end
    ]
    assert auc.latest_value == 0.88
    assert auc.latest_ts == dt.datetime(2026, 11, 21, 18, tzinfo=dt.UTC)
    assert auc.observations == len(observations)
    for window in auc.windows:
        inside = [(t, v) for t, v in observations if t >= end - dt.timedelta(days=window.days)]
        values = [v for _, v in inside]
        assert window.count == len(values)
        assert window.mean == pytest.approx(sum(values) / len(values))
        assert (window.min, window.max) == (min(values), max(values))
        xs = [(t - end).total_seconds() / 86400 for t, _ in inside]
        mean_x, mean_y = sum(xs) / len(xs), sum(values) / len(values)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs
        )
        assert window.slope_per_day == pytest.approx(slope)
        assert window.breaches == 0
    assert [w.days for w in auc.windows] == [7, 30, 90]


def test_breach_counts_and_checked_segments(scenario) -> None:
    _, summary, _ = scenario
    (auc,) = summary.models["breaching"].metrics
    assert [w.breaches for w in auc.windows] == [7, 11, 11]
    assert auc.breach_since == dt.datetime(2026, 11, 11, 6, tzinfo=dt.UTC)
    fair = {m.segment: m for m in summary.models["fair-slices"].metrics}
    assert fair["age<25"].threshold is not None and fair["age<25"].status == HealthStatus.breach
    # a segment the card does not list is shown but not checked
    assert fair["region=EU"].threshold is None and fair["region=EU"].status == HealthStatus.ok
    recovered = summary.models["recovered"].metrics[0]
    assert recovered.breach_since is None and recovered.status == HealthStatus.ok


def test_portfolio_last_day_equals_model_statuses(scenario) -> None:
    _, summary, _ = scenario
    assert len(summary.portfolio) == 90
    assert summary.portfolio[-1][0] == AS_OF
    assert summary.portfolio[0][0] == AS_OF - dt.timedelta(days=89)
    assert summary.portfolio[-1][1] == summary.counts()
    assert all(sum(counts.values()) == len(summary.models) for _, counts in summary.portfolio)
    by_day = dict(summary.portfolio)
    # 'recovered' breached from offset 150 to 120 (2026-06-24 .. 2026-07-24: before the window);
    # 'breaching' breaches from 2026-11-11; 'fair-slices' from 2026-10-03
    assert by_day[dt.date(2026, 11, 10)][HealthStatus.breach] == 1
    assert by_day[dt.date(2026, 11, 11)][HealthStatus.breach] == 2
    # stale-feed's last data is 2026-11-15: stale once more than 3 days have passed
    assert by_day[dt.date(2026, 11, 18)][HealthStatus.stale] == 0
    assert by_day[dt.date(2026, 11, 19)][HealthStatus.stale] == 1


def test_portfolio_matches_python_classify_on_past_days(scenario) -> None:
    """The SQL/numpy rules and generator.health.classify agree, day by day."""
    catalog, summary, _ = scenario
    for offset in (0, 40, 89):
        day = AS_OF - dt.timedelta(days=offset)
        expected = summarize(catalog, as_of=day).counts()
        assert dict(summary.portfolio)[day] == expected


def test_data_after_as_of_is_ignored(scenario) -> None:
    _, summary, _ = scenario
    latest = summary.models["healthy"].last_data
    assert latest == dt.datetime(2026, 11, 21, 18, tzinfo=dt.UTC)


def test_chart_series_are_compact_columns(scenario) -> None:
    _, summary, _ = scenario
    series = summary.series["fair-slices"]
    assert series.keys == (
        ("approval_ratio", ""),
        ("approval_ratio", "age<25"),
        ("approval_ratio", "region=EU"),
    )
    assert series.start == AS_OF - dt.timedelta(days=89)
    assert series.days == 90
    assert series.values.typecode == "d" and series.day_index.typecode == "H"
    points = series.get("approval_ratio", "age<25")
    assert len(points) == 90
    assert points[-1] == (AS_OF, pytest.approx(0.75))
    data = summary.series["healthy"].to_json()
    (auc,) = data["series"]
    assert auc["x"][-1] == 89 and auc["y"][-1] == 0.88  # the day's last observation
    assert len(auc["x"]) == len(set(auc["x"])) == 90
    assert "declared-no-data" not in summary.series


def test_summarize_leaves_the_garbage_collector_as_it_found_it(scenario) -> None:
    import gc

    catalog, _, _ = scenario
    assert gc.isenabled() and gc.get_freeze_count() == 0
    summarize(catalog, as_of=AS_OF)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    gc.freeze()  # someone else's frozen objects stay frozen
    try:
        frozen = gc.get_freeze_count()
        summarize(catalog, as_of=AS_OF)
        # (objects freed meanwhile leave the frozen generation; thawed, it would be empty)
        assert not gc.isenabled() and gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
        gc.enable()


def test_classify_is_the_same_rule(scenario) -> None:
    catalog, summary, _ = scenario
    for model in summary.models.values():
        for metric in model.metrics:
            if metric.threshold is not None and metric.latest_value is not None:
                assert metric.status == classify(metric.latest_value, metric.threshold)


def test_empty_store(minimal_catalog: Path) -> None:
    summary = summarize(load(minimal_catalog), as_of=AS_OF)
    assert summary.rows == 0 and summary.series == {}
    assert {m.status for m in summary.models.values()} == {HealthStatus.unmonitored}
    assert summary.portfolio[-1][1][HealthStatus.unmonitored] == 3


def _comparable(summary) -> tuple:
    series = {m: s.to_json() for m, s in summary.series.items()}
    return summary.models, series, summary.portfolio, summary.rows


def test_batches_and_the_hash_collision_fallback_give_the_same_summary(
    scenario, monkeypatch
) -> None:
    from generator.monitoring import aggregate

    catalog, summary, _ = scenario
    expected = _comparable(summary)
    monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", 80)  # a batch per model or two
    series, window = _series_and_window(catalog)
    assert len(aggregate._batches(series, window, series.model_runs())) > 3
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected
    # every series key hashing alike forces the exact join on the key strings
    monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", 10**9)
    monkeypatch.setattr(
        aggregate,
        "STATS_SQL",
        aggregate.STATS_SQL.replace("hash(model_id, metric, segment)", "42::UBIGINT"),
    )
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected


@pytest.mark.parametrize(
    "as_of",
    [
        AS_OF,  # November also holds later rows: its part is read in full
        dt.date(2026, 10, 31),  # a month's last day: every month before from summaries
        dt.date(2026, 9, 14),  # mid-month, no later rows in the store for that month
        dt.date(2026, 6, 1),
    ],
)
def test_series_summaries_give_what_the_parts_give(scenario, tmp_path, as_of) -> None:
    """The summaries beside the parts stand in for reading the parts, on any as-of day,
    and with several parts in one month (ties between two inputs broken alike)."""
    import shutil

    catalog, _, _ = scenario
    with_summaries = tmp_path / "with" / "catalog"
    shutil.copytree(catalog.root, with_summaries)
    plain = tmp_path / "plain" / "catalog"
    shutil.copytree(catalog.root, plain, ignore=shutil.ignore_patterns("series-*"))
    assert not list(plain.rglob("series-*")) and list(with_summaries.rglob("series-*"))
    expected = _comparable(summarize(load(plain), as_of=as_of))
    assert _comparable(summarize(load(with_summaries), as_of=as_of)) == expected
    # a second part in every month: a new series, and a version switch at an existing
    # series' last time (the same time in two parts of one month)
    more = [
        ["healthy", "2.0.0", _day(offset), "psi", "", 0.01 * offset] for offset in range(0, 300, 7)
    ]
    more.append(["recovered", "0.9.0", "2026-10-31T06:00:00Z", "auc", "", 0.5])
    for root in (plain, with_summaries):
        ingest(load(root), [write_csv(root.parent / "more.csv", more)], IngestOptions())
    # ingest summarised its new parts (January to November), not the parts it found
    assert len(list(plain.rglob("series-*"))) == 11
    for path in plain.rglob("series-*"):
        path.unlink()
    expected = _comparable(summarize(load(plain), as_of=as_of))
    assert _comparable(summarize(load(with_summaries), as_of=as_of)) == expected


def test_summaries_stand_in_for_the_months_before_the_as_of_day(scenario) -> None:
    """Only parts that may hold rows after the as-of day's end are read in full."""
    from generator.monitoring import aggregate

    catalog, _, _ = scenario
    location, _ = aggregate.source_for(catalog)
    connection = aggregate.duckdb_connect(location)

    def read_in_full(as_of: dt.date) -> list[str]:
        end_us = aggregate._Window(as_of).end_us
        sql = aggregate._summaries_sql(location, end_us, connection)
        return sorted(Path(name).parent.name for name in re.findall(r"'([^']*part-[^']*)'", sql))

    assert read_in_full(AS_OF) == ["month=11"]  # a row of 2026-11-25 is in November's part
    assert read_in_full(dt.date(2026, 10, 31)) == []
    assert read_in_full(dt.date(2026, 10, 30)) == ["month=10"]


def test_a_remote_store_is_listed_with_its_summaries(scenario, tmp_path) -> None:
    """A bucket is listed through DuckDB's glob (the same call httpfs answers for s3://;
    here over a local copy, since no network is reachable): parts pair with the summaries
    synced beside them, a part synced without one is read in full, and the per-series
    history is the local store's."""
    import shutil

    import duckdb

    from generator.monitoring import aggregate
    from generator.monitoring.store import Store, StoreLocation, remote_summarized_parts

    catalog, _, _ = scenario
    local = aggregate.source_for(catalog)[0]
    bucket = tmp_path / "bucket"
    shutil.copytree(local.path, bucket)
    october = next(bucket.glob("year=2026/month=10/series-*.parquet"))
    october.unlink()  # synced without its summary
    connection = duckdb.connect()
    listed = remote_summarized_parts(connection, str(bucket))
    local_parts = Store(local.path).summarized_parts()
    assert [Path(part).relative_to(bucket) for part, _ in listed] == [
        Path(part).relative_to(local.path) for part, _ in local_parts
    ]
    assert [Path(part).parent.name for part, summary in listed if summary is None] == ["month=10"]
    window = aggregate._Window(dt.date(2026, 10, 31))
    end_us, prior_end = window.end_us, window.read_start_us
    remote = StoreLocation("s3://bank/monitoring", url=str(bucket))
    sql = aggregate._summaries_sql(remote, end_us, connection, prior_end)
    assert sorted(Path(name).parent.name for name in re.findall(r"'([^']*part-[^']*)'", sql)) == [
        "month=10"
    ]
    stats = aggregate.STATS_SQL.format
    local_sql = aggregate._summaries_sql(local, end_us, connection, prior_end)
    assert (
        connection.sql(stats(summaries=sql, no_time=aggregate.NO_TIME)).fetchall()
        == connection.sql(stats(summaries=local_sql, no_time=aggregate.NO_TIME)).fetchall()
    )


def _series_and_window(catalog):
    from generator.monitoring import aggregate

    location, _ = aggregate.source_for(catalog)
    window = aggregate._Window(AS_OF)
    connection = aggregate.duckdb_connect(location)
    params = {"end_us": window.end_us, "read_start_us": window.read_start_us}
    return aggregate._read_series(connection, location, params), window


def test_data_of_a_deleted_card_is_left_out(make_catalog, tmp_path) -> None:
    root = make_catalog()
    export = write_csv(
        tmp_path / "e.csv",
        [
            [CDS, "", _day(0), "auc", "", "0.85"],
            ["churn-predictor", "", _day(0), "accuracy", "", "0.8"],
        ],
    )
    ingest(load(root), [export], IngestOptions())
    (root / "models" / "churn-predictor.yaml").unlink()
    summary = summarize(load(root), as_of=AS_OF)
    assert sorted(summary.models) == [CDS, "legacy-scorecard"]
    assert sorted(summary.series) == [CDS]
    assert summary.portfolio[-1][1] == summary.counts()


def test_latest_value_and_version_match_arg_max_over_the_whole_history(
    make_catalog, tmp_path
) -> None:
    """The latest value and version come from the rows at each series' last time; NULL
    versions are skipped as DuckDB's arg_max over the whole history skips them."""
    import duckdb

    root = make_catalog()
    rows = [
        # version changes: the newest one wins
        [CDS, "1.0.0", _day(3), "auc", "", "0.81"],
        [CDS, "1.1.0", _day(1), "auc", "", "0.83"],
        # the newest row has no version: the newest earlier version is reported
        [CDS, "2.0.0", _day(5), "psi", "", "0.05"],
        [CDS, "2.1.0", _day(4), "psi", "", "0.06"],
        [CDS, "", _day(2), "psi", "", "0.07"],
        # never a version
        ["churn-predictor", "", _day(9), "accuracy", "", "0.7"],
        ["churn-predictor", "", _day(8), "accuracy", "", "0.75"],
        # a series whose last row is long before the others' (older than the chart)
        ["churn-predictor", "0.9.0", _day(400), "accuracy", "age<25", "0.6"],
        ["churn-predictor", "0.9.1", _day(300), "accuracy", "age<25", "0.65"],
    ]
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    summary = summarize(load(root), as_of=AS_OF)
    found = {
        (model_id, m.metric, m.segment): (m.latest_value, m.latest_version, m.latest_ts)
        for model_id, health in summary.models.items()
        for m in health.metrics
        if m.latest_value is not None
    }
    parts = sorted((root / "monitoring").rglob("part-*.parquet"))
    listed = ", ".join(f"'{p}'" for p in parts)
    expected = duckdb.sql(
        "SELECT model_id, metric, segment, arg_max(value, ts), arg_max(model_version, ts), "
        f"max(epoch_us(ts)) FROM read_parquet([{listed}]) GROUP BY ALL"
    ).fetchall()
    assert len(expected) == len(found) == 4
    for model_id, metric, segment, value, version, last_us in expected:
        latest = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=last_us)
        assert found[(model_id, metric, segment)] == (value, version, latest)
    assert found[(CDS, "auc", "")][:2] == (0.83, "1.1.0")
    assert found[(CDS, "psi", "")][:2] == (0.07, "2.1.0")
    assert found[("churn-predictor", "accuracy", "")][:2] == (0.75, None)
    assert found[("churn-predictor", "accuracy", "age<25")][:2] == (0.65, "0.9.1")


def test_series_outside_the_chart_window_and_an_old_breach_that_still_holds(
    make_catalog, tmp_path
) -> None:
    """A series without data in the chart window has no chart points and empty windows; a
    checked value from before the portfolio's days holds until the next one."""
    from tests.conftest import write_card

    root = make_catalog()
    write_card(root, "models", _card("partial", AUC, segments=["age<25"]))
    rows = [["partial", "1.0.0", _day(offset), "auc", "", 0.85] for offset in range(10)]
    rows += [
        ["partial", "1.0.0", _day(200), "auc", "age<25", 0.85],
        ["partial", "1.0.0", _day(150), "auc", "age<25", 0.70],  # breach, never followed
        ["partial", "1.0.0", _day(300), "psi", "", 0.1],  # long before the chart window
    ]
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    summary = summarize(load(root), as_of=AS_OF)
    health = summary.models["partial"]
    assert health.status == HealthStatus.breach
    metrics = {(m.metric, m.segment): m for m in health.metrics}
    old_breach = metrics[("auc", "age<25")]
    assert old_breach.breach_since == dt.datetime.fromisoformat(_day(150))
    assert [(w.count, w.mean, w.slope_per_day, w.breaches) for w in old_breach.windows] == [
        (0, None, None, 0)
    ] * 3
    assert [w.count for w in metrics[("psi", "")].windows] == [0, 0, 0]
    chart = summary.series["partial"]
    assert chart.keys == (("auc", ""),)  # nothing of age<25 within the chart's 90 days
    assert len(chart.get("auc")) == 10
    # the breach from 150 days ago holds on every day of the portfolio
    assert all(counts[HealthStatus.breach] == 1 for _, counts in summary.portfolio)


def test_values_and_data_from_before_the_chart_window_count_on_the_portfolio_days(
    make_catalog, tmp_path
) -> None:
    """The portfolio is exact on its first days: a checked value from before the chart's
    90 days (read from the rows of the window's first month, or from the summaries of the
    months before) holds until the series' next value, and a model's last data before the
    window counts for staleness however long its freshness is."""
    from tests.conftest import write_card

    root = make_catalog()
    for model_id in ("month-before", "long-before"):
        write_card(root, "models", _card(model_id, AUC, freshness=300))
    rows = [
        # 95 days before the as-of day: in the chart window's first month (August)
        ["month-before", "1.0.0", _day(96), "auc", "", 0.85],
        ["month-before", "1.0.0", _day(95), "auc", "", 0.79],  # warning
        ["month-before", "1.0.0", _day(20), "auc", "", 0.75],  # breach from then on
        # 250 days before: months before the chart window
        ["long-before", "1.0.0", _day(250), "auc", "", 0.70],  # breach
        ["long-before", "1.0.0", _day(10), "auc", "", 0.85],  # fine from then on
    ]
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    summary = summarize(load(root), as_of=AS_OF)
    warning, breach, ok = HealthStatus.warning, HealthStatus.breach, HealthStatus.ok
    first = AS_OF - dt.timedelta(days=89)
    by_day = dict(summary.portfolio)
    # the first portfolio day: month-before warns (95 days ago), long-before breaches
    assert by_day[first][warning] == 1 and by_day[first][breach] == 1
    for offset in range(90):
        counts = by_day[AS_OF - dt.timedelta(days=offset)]
        expected = {warning: 0, breach: 0, ok: 0}
        expected[breach if offset <= 20 else warning] += 1  # month-before
        expected[ok if offset <= 10 else breach] += 1  # long-before
        assert {level: counts[level] for level in expected} == expected, offset
        assert counts[HealthStatus.stale] == 0  # freshness 300 days
    # a summary as of one of those days (another chart window) finds the same statuses
    for offset in (89, 21, 20):
        day = AS_OF - dt.timedelta(days=offset)
        assert summarize(load(root), as_of=day).counts() == by_day[day]
    assert summary.series["month-before"].get("auc") == [(AS_OF - dt.timedelta(days=20), 0.75)]


def test_the_last_value_before_the_window_lies_beyond_the_days_read_before_it(
    make_catalog, tmp_path, monkeypatch
) -> None:
    """Of the window's first month, the rows from CHART_LOOKBACK_DAYS before the window are
    read; a series whose last instant before the window is older (a weekly feed, a feed
    that stopped, two versions at that instant) has it read apart: the portfolio's first
    days, staleness and breach starts are those of reading by key hashes, which reads
    the whole month."""
    from generator.monitoring import aggregate
    from tests.conftest import write_card

    stories = ("weekly", "stopped", "tie", "daily")
    root = make_catalog()
    for model_id in stories:
        write_card(root, "models", _card(model_id, AUC, freshness=30))
    first_day = 89  # the window's first day, in days before AS_OF (2026-08-24)
    rows = []
    for offset in range(first_day + 20, -1, -1):  # from the month's first days on
        rows.append(["daily", "1.0.0", _day(offset), "auc", "", 0.85])
        if (offset - first_day - 5) % 7 == 0:  # 5 days before the window, 2 days into it...
            rows.append(["weekly", "1.0.0", _day(offset), "auc", "", 0.7 if offset > 80 else 0.9])
        if offset > first_day + 10:
            rows.append(["stopped", "1.0.0", _day(offset), "auc", "", 0.79])  # a warning
    for version, value in (("1.0.0", 0.85), ("1.1.0", 0.6)):  # 6 days before: greatest counts
        rows.append(["tie", version, _day(first_day + 6), "auc", "", value])
    rows.append(["tie", "1.0.0", _day(first_day - 3), "auc", "", 0.7])
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    catalog = load(root)
    read_before = []
    real = aggregate._OrderedPart.read_before

    def spied(part, connection, low, missing, since):
        read_before.append(len(missing))
        return real(part, connection, low, missing, since)

    monkeypatch.setattr(aggregate._OrderedPart, "read_before", spied)
    reads = _spied_chart_reads(monkeypatch)
    summary = summarize(catalog, as_of=AS_OF)
    assert set(reads) == {"rows"} and sum(read_before) == 3  # all but daily
    monkeypatch.setattr(aggregate, "_ordered_parts", lambda *args: None)
    assert _comparable(summarize(catalog, as_of=AS_OF)) == _comparable(summary)
    assert "hash" in reads
    by_day = dict(summary.portfolio)
    window_start = AS_OF - dt.timedelta(days=first_day)
    # weekly breaches from 5 days before the window; stopped warns until stale (30 days);
    # tie is fine (0.85 after 0.6 at one instant) until it breaches 3 days into the window
    assert by_day[window_start][HealthStatus.breach] == 1
    assert by_day[window_start][HealthStatus.warning] == 1
    assert by_day[window_start + dt.timedelta(days=3)][HealthStatus.breach] == 2
    assert summary.models["stopped"].status == HealthStatus.stale
    since = summary.models["tie"].metrics[0].breach_since  # not from the 0.6 before
    assert since == dt.datetime.fromisoformat(_day(first_day - 3))
    assert summary.models["weekly"].status == HealthStatus.ok


@pytest.mark.parametrize("read", ["rows", "hash"])
def test_breach_starts_at_and_before_the_chart_window(make_catalog, tmp_path, monkeypatch, read):
    """Of the rows read before the chart window only each series' last instant is kept (its
    greatest value): a breach that began on the window's first day starts there; one that
    began earlier, or at that last instant behind a greater value, starts where the whole
    history says. Read by row numbers or by key hashes alike."""
    from generator.monitoring import aggregate
    from tests.conftest import write_card

    root = make_catalog()
    bounded = {"auc": {"min": 0.78, "max": 0.95}}
    stories = ("at-window", "before-window", "fine-tie", "breach-tie", "new-in-window")
    for model_id in stories:
        write_card(root, "models", _card(model_id, bounded))
    rows = []
    for offset in range(110, -1, -1):  # the window's first day is 89 days before AS_OF
        rows.append(["at-window", "1.0.0", _day(offset), "auc", "", 0.85 if offset > 89 else 0.7])
        rows.append(
            ["before-window", "1.0.0", _day(offset), "auc", "", 0.85 if offset > 99 else 0.7]
        )
        for model_id in ("fine-tie", "breach-tie"):
            rows.append([model_id, "1.0.0", _day(offset), "auc", "", 0.85 if offset >= 90 else 0.7])
        if offset <= 50:
            rows.append(["new-in-window", "1.0.0", _day(offset), "auc", "", 0.7])
    # a second version at the last instant before the window: below, or above, the max
    rows.append(["fine-tie", "1.1.0", _day(90), "auc", "", 0.6])
    rows.append(["breach-tie", "1.1.0", _day(90), "auc", "", 0.97])
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    if read == "hash":
        monkeypatch.setattr(aggregate, "_ordered_parts", lambda *args: None)
    reads = _spied_chart_reads(monkeypatch)
    summary = summarize(load(root), as_of=AS_OF)
    assert set(reads) == {read}
    since = {m: summary.models[m].metrics[0].breach_since for m in stories}
    assert since == {
        "at-window": dt.datetime.fromisoformat(_day(89)),
        "before-window": dt.datetime.fromisoformat(_day(99)),
        # in value order at one instant, 0.85 comes last: the breach starts after it
        "fine-tie": dt.datetime.fromisoformat(_day(89)),
        # 0.97 comes after 0.85 and breaches: the breach starts at that instant
        "breach-tie": dt.datetime.fromisoformat(_day(90)),
        "new-in-window": dt.datetime.fromisoformat(_day(50)),
    }
    first_day = dict(summary.portfolio)[AS_OF - dt.timedelta(days=89)]
    assert first_day[HealthStatus.breach] == 4  # but new-in-window, without data yet


def test_the_summary_does_not_depend_on_how_rows_are_split_into_parts(
    make_catalog, tmp_path
) -> None:
    """Rows of one month ingested by two exports (odd and even days, newest first) land in
    two parts each: the chart window's observations arrive out of time order."""
    from tests.conftest import write_card

    card = _card("split", {"auc": {"min": 0.8, "warn_below": 0.82}}, segments=["age<25"])
    rows = [
        ["split", "1.0.0", _day(offset).replace("06:00", hour), "auc", segment, value]
        for offset in range(120)
        for hour, segment, value in (
            ("06:00", "", 0.8 + (offset % 7) / 100),
            ("18:00", "", 0.79 + (offset % 5) / 100),  # two a day: the later one is charted
            ("09:30", "age<25", 0.83 - (offset % 3) / 100),
        )
    ]
    summaries = []
    for exports in ([rows], [rows[1::2][::-1], rows[0::2][::-1]]):
        root = make_catalog()
        write_card(root, "models", card)
        paths = [write_csv(tmp_path / f"part{i}.csv", part) for i, part in enumerate(exports)]
        for path in paths:
            ingest(load(root), [path], IngestOptions())
        summaries.append(_comparable(summarize(load(root), as_of=AS_OF)))
    assert summaries[0] == summaries[1]
    models, series, _, _ = summaries[0]
    assert [w.count for w in models["split"].metrics[0].windows] == [14, 60, 180]


def _store_with_new_keys(make_catalog, tmp_path, days: int = 270) -> Path:
    """`days` of data; with ~9 months, the store has a history file (through July) and the
    months after it hold keys the history does not: models whose ids sort first, in the
    middle and last, a new metric and new segments (ordered by code point: 'Z' < 'a' <
    'é'), beside a model that stopped in May; NULL versions, and a version switch at one
    instant in two parts of a month. Nothing after AS_OF: every part has a summary."""
    from tests.conftest import write_card

    root = make_catalog()
    for model_id in ("aa-new", "mm-steady", "mo-new", "stopped", "zz-new"):
        write_card(root, "models", _card(model_id, AUC, segments=["a", "é"]))
    rows = []
    for offset in range(days, -1, -1):
        version = "" if offset % 11 == 0 else f"1.{offset // 60}.0"
        rows.append(["mm-steady", version, _day(offset), "auc", "", 0.8 + offset / 10_000])
        if offset > 190:
            rows.append(["stopped", "1.0.0", _day(offset), "auc", "", 0.9])
        if offset < 75:
            for model_id in ("aa-new", "mo-new", "zz-new"):
                rows.append([model_id, "2.0.0", _day(offset), "auc", "", 0.7 + offset / 1000])
            rows.append(["mm-steady", "", _day(offset), "psi", "", offset / 100])
            for segment in ("é", "Z", "a"):
                rows.append(["mm-steady", "1.0.0", _day(offset), "auc", segment, 0.79])
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    switch = [
        ["mm-steady", "9.9.9", _day(0), "auc", "", 0.5],  # beside the row of 1.0.0 at that time
        ["mm-steady", "0.0.1", _day(40), "auc", "a", 0.95],
    ]
    if days > 200:
        switch.append(["stopped", "", _day(200), "auc", "", 0.1])
    ingest(load(root), [write_csv(tmp_path / "switch.csv", switch)], IngestOptions())
    return root


@pytest.mark.parametrize("store", ["history", "no history", "young"])
def test_summary_rows_merged_by_numpy_give_what_stats_sql_gives(
    make_catalog, tmp_path, monkeypatch, store
) -> None:
    """The series' history from STATS_SQL's GROUP BY on the key strings, or from numpy's
    merge of the summary rows (`_merged_series`): the same series in the same order, with
    the same counts, times, latest values and versions, and values before the chart window;
    and the same summary. Without a history file, the first month's summary numbers the
    series and most keys are new; in a young store (60 days) every summary is of a month
    the chart reads, so no series has a value before it."""
    import numpy as np

    from generator.monitoring import aggregate

    root = _store_with_new_keys(make_catalog, tmp_path, 60 if store == "young" else 270)
    if store == "no history":
        for path in (root / "monitoring").glob("history-*"):
            path.unlink()
    catalog = load(root)
    location, _ = aggregate.source_for(catalog)
    assert (aggregate.Store(location.path).history() is not None) == (store == "history")
    window = aggregate._Window(AS_OF)
    params = {"end_us": window.end_us, "read_start_us": window.read_start_us}
    connection = aggregate.duckdb_connect(location)
    merged = aggregate._read_series(connection, location, params)
    expected = _comparable(summarize(catalog, as_of=AS_OF))
    assert merged.summaries is not None  # merged by numpy
    assert set(merged.model_id) == {"aa-new", "mm-steady", "mo-new", "zz-new"} | (
        set() if store == "young" else {"stopped"}
    )
    assert (store == "young") == bool(np.isnan(merged.prior_value).all())
    monkeypatch.setattr(aggregate, "_merged_series", lambda *args: None)
    grouped = aggregate._read_series(connection, location, params)
    assert grouped.summaries is None  # by STATS_SQL
    for name in ("model_id", "metric", "segment", "latest_version"):
        assert getattr(merged, name) == getattr(grouped, name), name
    for name in ("key_hash", "n", "first_t", "last_t", "latest_value", "prior_t", "prior_value"):
        got, want = getattr(merged, name), getattr(grouped, name)
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True), name
    keys = zip(merged.model_id, merged.metric, merged.segment, strict=True)
    assert ("mm-steady", "auc", "é") in keys
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected


def test_summary_rows_with_strings_sharing_a_hash_are_left_to_stats_sql(
    make_catalog, tmp_path
) -> None:
    """Two strings of a key column with one hash, or rows matched to a series by a hash
    that is not its key's (here every key's): numpy does not merge them (`_merged_series`
    gives None), STATS_SQL groups them by their strings."""
    from generator.monitoring import aggregate

    root = _store_with_new_keys(make_catalog, tmp_path)
    location, _ = aggregate.source_for(load(root))
    window = aggregate._Window(AS_OF)
    connection = aggregate.duckdb_connect(location)
    choice = aggregate._summary_choice(location, window.end_us, connection, window.read_start_us)
    source = aggregate.parquet_source(choice.summaries)
    texts = aggregate._arrays(connection, aggregate.SUMMARY_TEXTS_SQL.format(source=source))
    rows = aggregate._summary_rows(connection, choice.summaries)

    def merged(texts, rows):
        return aggregate._merged_series(texts, rows, choice.summaries, window.read_start_us)

    assert merged(texts, rows) is not None
    models = texts["kind"] == 0
    one_hash = texts["text_hash"].copy()
    one_hash[models] = one_hash[models][0]
    assert merged(dict(texts, text_hash=one_hash), rows) is None
    assert merged(texts, dict(rows, key_hash=rows["key_hash"] * 0 + 42)) is None


def _spied_chart_reads(monkeypatch) -> list[str]:
    """Which path read each chart batch: 'rows' (by row numbers) or 'hash' (CHART_SQL)."""
    from generator.monitoring import aggregate

    reads: list[str] = []
    ordered, hashed = aggregate._ordered_points, aggregate._chart_points

    def by_rows(*args):
        points = ordered(*args)
        reads.append("rows")
        return points

    def by_hash(*args):
        reads.append("hash")
        return hashed(*args)

    monkeypatch.setattr(aggregate, "_ordered_points", by_rows)
    monkeypatch.setattr(aggregate, "_chart_points", by_hash)
    return reads


def test_the_chart_is_read_by_row_numbers_like_by_key_hashes(scenario, monkeypatch) -> None:
    """Parts with series summaries are read by row ranges, without the key strings; a
    store whose parts lack summaries by CHART_SQL; both give the same summary."""
    from generator.monitoring import aggregate

    catalog, summary, _ = scenario
    expected = _comparable(summary)
    reads = _spied_chart_reads(monkeypatch)
    monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", 80)
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected
    assert len(reads) > 3 and set(reads) == {"rows"}
    reads.clear()
    monkeypatch.setattr(aggregate, "_ordered_parts", lambda *args: None)
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected
    assert len(reads) > 3 and set(reads) == {"hash"}


@pytest.mark.parametrize("damage", ["row count", "first time", "last time"])
def test_a_part_that_does_not_match_its_summary_is_read_by_key_hashes(
    scenario, monkeypatch, damage
) -> None:
    """A summary whose row counts do not add up to its part's rows sends every batch to
    CHART_SQL; one whose series do not start or end at its times, the batches reading it."""
    from generator.monitoring import aggregate

    catalog, summary, _ = scenario
    expected = _comparable(summary)
    reads = _spied_chart_reads(monkeypatch)
    monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", 80)
    real_summaries, real_parts = aggregate._chart_summaries, aggregate._ordered_parts

    def miscounted(*args):
        parts, columns, rows = real_summaries(*args)
        columns = dict(columns, n=columns["n"] + (columns["file_index"] == 0))
        return parts, columns, rows

    def mistimed(*args):
        parts = real_parts(*args)
        name = "first_us" if damage == "first time" else "last_us"
        setattr(parts[-1], name, getattr(parts[-1], name) - 1)
        return parts

    if damage == "row count":
        monkeypatch.setattr(aggregate, "_chart_summaries", miscounted)
    else:
        monkeypatch.setattr(aggregate, "_ordered_parts", mistimed)
    assert _comparable(summarize(catalog, as_of=AS_OF)) == expected
    assert "hash" in reads
    if damage == "row count":
        assert set(reads) == {"hash"}


def test_series_pieces_out_of_time_order_are_sorted(scenario, tmp_path, monkeypatch) -> None:
    """Two parts of one month whose rows of a series interleave in time (an export of
    noon values after one of morning values): read by row numbers, the pieces come part
    after part and are sorted like the rows CHART_SQL reads."""
    import shutil

    from generator.monitoring import aggregate

    catalog, _, _ = scenario
    with_summaries = tmp_path / "with" / "catalog"
    shutil.copytree(catalog.root, with_summaries)
    noon = [
        ["healthy", "1.0.0", _day(offset).replace("06:00", "12:00"), "auc", "", 0.8 + offset / 1e4]
        for offset in range(1, 120, 3)
    ]
    ingest(load(with_summaries), [write_csv(tmp_path / "noon.csv", noon)], IngestOptions())
    plain = tmp_path / "plain" / "catalog"
    shutil.copytree(with_summaries, plain, ignore=shutil.ignore_patterns("series-*"))
    expected = _comparable(summarize(load(plain), as_of=AS_OF))
    sorted_by_chart = []
    chart = aggregate._chart

    def spied(points, *args):
        sorted_by_chart.append(points[0] is not None)
        return chart(points, *args)

    monkeypatch.setattr(aggregate, "_chart", spied)
    reads = _spied_chart_reads(monkeypatch)
    assert _comparable(summarize(load(with_summaries), as_of=AS_OF)) == expected
    assert set(reads) == {"rows"} and sorted_by_chart == [True]


def test_a_prefetched_store_read_gives_the_same_summary_and_is_used_once(
    scenario, monkeypatch
) -> None:
    """`prefetch` reads the store before the cards are known; `summarize` then only adds
    what needs them, with the same result. A second summarize reads the store again."""
    from generator.monitoring import aggregate

    catalog, summary, _ = scenario
    store_reads = []
    real_read_series = aggregate._read_series

    def spied(*args):
        store_reads.append(args)
        return real_read_series(*args)

    monkeypatch.setattr(aggregate, "_read_series", spied)
    with aggregate.Prefetch(catalog.root, catalog.settings.monitoring_store, AS_OF) as early:
        early._thread.join()
        assert len(store_reads) == 1  # read before summarize was called
        assert _comparable(summarize(catalog, as_of=AS_OF, prefetched=early)) == (
            _comparable(summary)
        )
        assert len(store_reads) == 1
        assert _comparable(summarize(catalog, as_of=AS_OF, prefetched=early)) == (
            _comparable(summary)
        )
        assert len(store_reads) == 2


def test_a_prefetch_of_another_day_or_store_is_not_used(scenario, make_catalog) -> None:
    from generator.monitoring import aggregate

    catalog, summary, _ = scenario
    day_before = AS_OF - dt.timedelta(days=1)
    with aggregate.Prefetch(catalog.root, catalog.settings.monitoring_store, day_before) as p:
        assert _comparable(summarize(catalog, as_of=AS_OF, prefetched=p)) == _comparable(summary)
    other = load(make_catalog())  # the minimal catalog: another store, empty
    with aggregate.Prefetch(other.root, other.settings.monitoring_store, AS_OF) as p:
        assert _comparable(summarize(catalog, as_of=AS_OF, prefetched=p)) == _comparable(summary)


def test_a_prefetch_that_failed_raises_in_summarize(scenario, monkeypatch) -> None:
    from generator.monitoring import aggregate

    catalog, _, _ = scenario

    def broken(*args):
        raise StoreError("the store is unreadable")

    monkeypatch.setattr(aggregate, "_read_series", broken)
    early = aggregate.Prefetch(catalog.root, catalog.settings.monitoring_store, AS_OF)
    with early, pytest.raises(StoreError, match="unreadable"):
        summarize(catalog, as_of=AS_OF, prefetched=early)


def test_metric_objects_are_made_on_first_read_and_act_as_the_tuple(
    scenario, tmp_path: Path
) -> None:
    """A model's metrics come as a sequence that makes its objects when first read (the
    aggregation does not build 300,000 of them for pages that render them in workers); it
    compares, hashes and pickles as the tuple it becomes, declared metrics without data
    included."""
    import pickle
    import shutil

    from tests.conftest import write_card

    catalog, summary, _ = scenario
    root = tmp_path / "catalog"
    shutil.copytree(catalog.root, root)
    write_card(root, "models", _card("healthy", {**AUC, "psi": {"max": 0.2}}))
    fresh = summarize(load(root), as_of=AS_OF)

    healthy = fresh.models["healthy"]
    assert not isinstance(healthy.metrics, tuple)
    assert len(healthy.metrics) == 2
    made = tuple(healthy.metrics)
    assert [(m.metric, m.status) for m in made] == [  # checked, worst first
        ("psi", HealthStatus.unmonitored),
        ("auc", HealthStatus.ok),
    ]
    assert made[1] == summary.models["healthy"].metrics[0]
    assert healthy.metrics == made and hash(healthy.metrics) == hash(made)
    assert healthy.metrics[0] is made[0]  # made once
    assert healthy.reason == "1 checked series within thresholds; no data for declared psi"
    copy = pickle.loads(pickle.dumps(healthy))
    assert type(copy.metrics) is tuple and copy == healthy
    # the other models' objects are those of the first summary
    for model_id in ("breaching", "fair-slices", "recovered"):
        assert fresh.models[model_id] == summary.models[model_id]


def _exact_windows(rows: list[list], thresholds: dict) -> dict:
    """Each series' (count, mean, min, max, slope per day, breaches) per window, computed
    one series at a time in exact rational arithmetic: what the windows must give up to
    rounding."""
    from fractions import Fraction

    day_us = 86_400_000_000
    end = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    observations: dict[tuple, list[tuple[Fraction, Fraction]]] = {}
    for model, _, ts, metric, segment, value in rows:
        age_us = (dt.datetime.fromisoformat(ts) - end) // dt.timedelta(microseconds=1)
        key = (model, metric, segment)
        observations.setdefault(key, []).append((Fraction(age_us, day_us), Fraction(value)))
    expected = {}
    for key, points in observations.items():
        low, high = thresholds.get(key, (None, None))
        for days in (7, 30, 90):
            inside = [(x, y) for x, y in points if -days <= x < 0]
            n = len(inside)
            if not n:
                expected[key, days] = (0, None, None, None, None, 0)
                continue
            xs, ys = [x for x, _ in inside], [y for _, y in inside]
            spread = n * sum(x * x for x in xs) - sum(xs) ** 2
            slope = None
            if n >= 2 and spread:
                slope = float((n * sum(x * y for x, y in inside) - sum(xs) * sum(ys)) / spread)
            breaches = 0
            if low is not None:
                breaches = sum(1 for y in ys if y < Fraction(low) or y > Fraction(high))
            expected[key, days] = (
                n,
                float(sum(ys) / n),
                float(min(ys)),
                float(max(ys)),
                slope,
                breaches,
            )
    return expected


def test_windows_match_an_exact_computation_per_series(make_catalog, tmp_path, monkeypatch) -> None:
    """Windows cut from per-segment sums give each series' statistics as computed alone:
    several observations a day at odd times, gaps, observations on the windows' first
    instant and just before it, a window with one observation (no slope) or two at one
    instant (no slope either), empty windows, rows of the chart's first month before the
    90 days, an unchecked segment and a metric without a threshold (no breaches); and
    the same whatever the batches and chunks."""
    import random

    from generator.monitoring import aggregate
    from tests.conftest import write_card

    write_card(
        make_catalog(),
        "models",
        _card("windowed", {"auc": {"min": 0.78, "max": 0.95}}, segments=["age<25"]),
    )
    root = tmp_path / "catalog"
    end = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)

    def at(before: dt.timedelta) -> str:
        return (end - before).isoformat().replace("+00:00", "Z")

    pick = random.Random(7)
    rows = []
    for offset in range(1, 113):  # the read starts on August 1st, 112 days before the end
        if offset % 6 == 2:
            continue  # a gap
        for _ in range(pick.randint(1, 4)):
            second = pick.randrange(86_400)
            value = round(pick.uniform(0.7, 0.99), 4)
            rows.append(
                [
                    "windowed",
                    "1.0.0",
                    at(dt.timedelta(days=offset, seconds=-second)),
                    "auc",
                    "",
                    value,
                ]
            )
            rows.append(
                [
                    "other",
                    "1.0.0",
                    at(dt.timedelta(days=offset, seconds=-second)),
                    "auc",
                    "",
                    value / 2,
                ]
            )
    rows += [
        ["windowed", "1.0.0", at(dt.timedelta(days=7)), "auc", "age<25", 0.96],  # first instant
        ["windowed", "1.0.0", at(dt.timedelta(days=10)), "auc", "age<25", 0.7],
        ["windowed", "1.0.0", at(dt.timedelta(days=30)), "auc", "age<25", 0.81],
        ["windowed", "1.0.0", at(dt.timedelta(days=30, seconds=1)), "auc", "age<25", 0.5],
        ["windowed", "1.0.0", at(dt.timedelta(days=89, hours=5)), "auc", "age<25", 0.8],
        # a segment the card does not list: shown, never breaching
        *[
            ["windowed", "1.0.0", at(dt.timedelta(days=d)), "auc", "region=EU", 0.1 * d]
            for d in range(20, 50, 3)
        ],
        # psi: no threshold; two observations at one instant in the windows, more before
        ["windowed", "1.0.0", at(dt.timedelta(days=12, hours=3)), "psi", "", 0.2],
        ["windowed", "1.1.0", at(dt.timedelta(days=12, hours=3)), "psi", "", 0.3],
        *[
            ["windowed", "1.0.0", at(dt.timedelta(days=d)), "psi", "", 0.01 * d]
            for d in range(91, 112, 2)
        ],
    ]
    write_card(root, "models", _card("other", AUC))
    ingest(load(root), [write_csv(tmp_path / "e.csv", rows)], IngestOptions())
    thresholds = {
        ("windowed", "auc", ""): (0.78, 0.95),
        ("windowed", "auc", "age<25"): (0.78, 0.95),
        ("other", "auc", ""): (0.78, float("inf")),
    }
    expected = _exact_windows(rows, thresholds)
    summary = summarize(load(root), as_of=AS_OF)
    got = {
        ((model, m.metric, m.segment), w.days): w[1:]
        for model in ("windowed", "other")
        for m in summary.models[model].metrics
        for w in m.windows
    }
    assert got.keys() == expected.keys()
    for key, (count, mean, low, high, slope, breaches) in expected.items():
        assert got[key] == (
            count,
            mean if mean is None else pytest.approx(mean, rel=1e-12),
            low,
            high,
            slope if slope is None else pytest.approx(slope, rel=1e-9),
            breaches,
        ), key
    # the cases the test means to cover are there
    assert [got[("windowed", "auc", "age<25"), days][0] for days in (7, 30, 90)] == [1, 3, 5]
    assert got[("windowed", "auc", "age<25"), 7][4] is None
    assert got[("windowed", "auc", "region=EU"), 7][0] == 0
    assert got[("windowed", "auc", "region=EU"), 90][5] == 0
    assert got[("windowed", "psi", ""), 30][0] == 2 and got[("windowed", "psi", ""), 30][4] is None
    assert got[("windowed", "auc", ""), 90][5] > got[("windowed", "auc", ""), 30][5] > 0
    # batches of a model or less, chunks of a series
    expected_summary = _comparable(summary)
    monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", 50)
    for chunk in (1, 100):
        monkeypatch.setattr(aggregate, "WINDOW_CHUNK_POINTS", chunk)
        assert _comparable(summarize(load(root), as_of=AS_OF)) == expected_summary


@pytest.mark.parametrize("block_rows", [1, 10**9], ids=["blocks", "index"])
def test_pieces_go_into_series_order_by_blocks_or_by_index_alike(
    scenario, tmp_path, monkeypatch, block_rows
) -> None:
    """Each part's piece of a batch goes into series order by 2-D copies of blocks of series
    alike in every part, or through an index array; both give what CHART_SQL gives, with
    series of uneven counts, keys with rows only after the as-of day (no series) between
    the series in a part, and batches whose rows of a part span two chunks read ahead."""
    import shutil
    import threading

    from generator.monitoring import aggregate

    catalog, _, _ = scenario
    with_summaries = tmp_path / "with" / "catalog"
    shutil.copytree(catalog.root, with_summaries)
    rows = [
        # every third day: other counts per month than its neighbours' daily rows
        ["fair-slices", "1.0.0", _day(offset), "approval_ratio", "age<30", 0.9]
        for offset in range(0, 120, 3)
    ] + [
        # keys between series, with rows after the as-of day only
        ["breaching", "1.0.0", "2026-11-25T06:00:00Z", "auc", "late", 0.5],
        ["fair-slices", "1.0.0", "2026-11-26T06:00:00Z", "approval_ratio", "age<27", 0.5],
    ]
    ingest(load(with_summaries), [write_csv(tmp_path / "more.csv", rows)], IngestOptions())
    plain = tmp_path / "plain" / "catalog"
    shutil.copytree(with_summaries, plain, ignore=shutil.ignore_patterns("series-*"))
    expected = _comparable(summarize(load(plain), as_of=AS_OF))
    interleaved, indexed = [], []
    real_interleaved, real_ranges = aggregate._interleaved, aggregate._ranges
    inside = threading.local()  # _ranges has other callers, on the main thread

    def spied_interleaved(*args):
        interleaved.append(args[1].shape)
        inside.interleaving = True
        try:
            return real_interleaved(*args)
        finally:
            inside.interleaving = False

    def spied_ranges(*args):
        if getattr(inside, "interleaving", False):
            indexed.append(len(args[0]))
        return real_ranges(*args)

    segments = []
    real_rows = aggregate._OrderedPart.rows

    def spied_rows(*args):
        read = real_rows(*args)
        segments.append(len(read))
        return read

    monkeypatch.setattr(aggregate, "_interleaved", spied_interleaved)
    monkeypatch.setattr(aggregate, "_ranges", spied_ranges)
    monkeypatch.setattr(aggregate._OrderedPart, "rows", spied_rows)
    monkeypatch.setattr(aggregate, "BLOCK_COPY_ROWS", block_rows)
    reads = _spied_chart_reads(monkeypatch)
    # a batch per model or two, read ahead a few series at a time; and one batch
    for batch_points, read_rows in ((80, 60), (10**9, 10**6)):
        monkeypatch.setattr(aggregate, "CHART_BATCH_POINTS", batch_points)
        monkeypatch.setattr(aggregate, "CHART_READ_ROWS", read_rows)
        assert _comparable(summarize(load(with_summaries), as_of=AS_OF)) == expected
    assert set(reads) == {"rows"} and len(interleaved) == len(reads)
    assert any(pieces > 1 for pieces, _ in interleaved)
    assert bool(indexed) == (block_rows > 1)
    assert set(segments) == {1, 2}  # some batches began in one chunk and ended in the next


@pytest.mark.parametrize("layout", ["runs", "shuffled"])
def test_summary_rows_are_matched_to_series_by_runs_or_by_lookup_alike(layout) -> None:
    """A part's summary rows get their series numbers by runs of consecutive series (rows
    in series order, with gaps and keys that are no series) or, when the runs are short,
    by looking every row up; both as a plain lookup of each hash."""
    import numpy as np

    from generator.monitoring.aggregate import _hash_lookup, _series_numbers

    rng = np.random.default_rng(7)
    series_hash = rng.permutation(np.unique(rng.integers(0, 2**62, size=5000, dtype=np.uint64)))
    present = np.sort(rng.choice(len(series_hash), size=4990, replace=False))  # with rows
    strangers = rng.integers(2**62, 2**63, size=5, dtype=np.uint64)  # keys that are no series
    hashes = np.insert(series_hash[present], rng.integers(0, 4990, size=5), strangers)
    if layout == "shuffled":
        hashes = rng.permutation(hashes)
    order = np.argsort(series_hash, kind="stable")
    number_of = {int(value): number for number, value in enumerate(series_hash.tolist())}
    expected = [number_of.get(int(value), -1) for value in hashes.tolist()]
    lookup = _hash_lookup(series_hash[order], order, hashes)
    assert _series_numbers(series_hash, hashes, lookup).tolist() == expected
