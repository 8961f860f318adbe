"""Evidently JSON exports → monitoring records (see tests/fixtures/evidently/README.md).

Four shapes are recognised, in this order; anything else is refused with a
reason, never guessed:

1. 0.7 snapshot (`Snapshot.dumps()`): `metric_results` + `top_level_metrics`;
   carries a timestamp (naive: needs --assume-utc or --at) and `metadata.model_id`;
2. 0.7 compact report (`save_json()` / `.json()`): exactly `metrics` + `tests`;
   no model id, no time: from --model / --at or a `<model-id>_<YYYY-MM-DD>…json`
   file name (the date means 00:00 UTC);
3. legacy (< 0.7) report (`Report.json()`): `version` + `metrics[].metric/result`;
4. legacy test suite (`TestSuite.json()`): `version` + `tests` + `summary`.

Mapping (metric names as stored; segment in brackets):

- drift: `drifted_columns` (count) and `drift_share`; each column's score as
  `drift_score_<method>` [`column:<name>`], where `<method>` is Evidently's
  stattest id and p-value methods end in `_pvalue` (`drift_score_ks_pvalue`:
  lower = more drift; `drift_score_wasserstein`, `drift_score_psi`: higher =
  more drift), so a threshold can never compare the two kinds;
- quality: `accuracy`, `precision`, `recall`, `f1`, `roc_auc`, `log_loss`
  (and `tpr`, `tnr`, `fpr`, `fnr` when present); per label [`label:<x>`];
- test outcomes: one count per status, `test_passed_count`, `test_failed_count`,
  `test_warning_count` (a failed non-critical test), `test_error_count` (and
  `test_skipped_count` for legacy suites). Counts, not one row per test, because
  Evidently's test names are not unique and a card thresholds the count
  (`test_failed_count: {max: 0}`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.errors import Problem
from generator.monitoring.readers import ReadResult, Record

FILE_NAME_RE = re.compile(
    r"^(?P<model>[a-z0-9][a-z0-9-]{0,62}[a-z0-9])_(?P<date>\d{4}-\d{2}-\d{2})"
)
METRIC_V2 = "evidently:metric_v2:"
RESULT_V2 = "evidently:metric_result_v2:"

QUALITY = {
    "Accuracy": "accuracy",
    "Precision": "precision",
    "Recall": "recall",
    "F1Score": "f1",
    "RocAuc": "roc_auc",
    "LogLoss": "log_loss",
    "TPR": "tpr",
    "TNR": "tnr",
    "FPR": "fpr",
    "FNR": "fnr",
}
BY_LABEL = {
    "PrecisionByLabel": "precision",
    "RecallByLabel": "recall",
    "F1ByLabel": "f1",
    "RocAucByLabel": "roc_auc",
}
LEGACY_QUALITY = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "tpr",
    "tnr",
    "fpr",
    "fnr",
)
LEGACY_TESTS = {
    "Accuracy Score": "accuracy",
    "Precision Score": "precision",
    "Recall Score": "recall",
    "F1 Score": "f1",
    "ROC AUC Score": "roc_auc",
    "Logarithmic Loss": "log_loss",
}
TEST_STATUSES = {
    "SUCCESS": "test_passed_count",
    "FAIL": "test_failed_count",
    "WARNING": "test_warning_count",
    "ERROR": "test_error_count",
}

# Evidently's stattests: display name → id, and which ids return p-values (lower =
# more drift). From evidently/legacy/calculations/stattests/*.py.
STATTEST_IDS = {
    "k-s p_value": "ks",
    "chi-square p_value": "chisquare",
    "z-test p_value": "z",
    "anderson-darling": "anderson",
    "cramer-von mises": "cramer_von_mises",
    "epps-singleton": "es",
    "fisher's exact test": "fisher_exact",
    "g-test": "g_test",
    "mann-whitney u-rank test": "mannw",
    "t-test": "t_test",
    "empirical_mmd": "empirical_mmd",
    "total-variation-distance": "tvd",
    "wasserstein distance (normed)": "wasserstein",
    "psi": "psi",
    "jensen-shannon distance": "jensenshannon",
    "kullback-leibler divergence": "kl_div",
    "hellinger distance": "hellinger",
    "energy-distance": "ed",
    "percentile text content drift": "perc_text_content_drift",
    "absolute text content drift": "abs_text_content_drift",
}
P_VALUE_METHODS = frozenset(
    {
        "ks",
        "chisquare",
        "z",
        "anderson",
        "cramer_von_mises",
        "es",
        "fisher_exact",
        "g_test",
        "mannw",
        "t_test",
        "empirical_mmd",
        "tvd",
    }
)


class UnknownShape(Exception):
    """The JSON is not one of the Evidently exports govcat reads."""


def drift_metric(method: str) -> str:
    """`K-S p_value` → `drift_score_ks_pvalue`; `psi` → `drift_score_psi`."""
    lowered = method.strip().lower()
    method_id = STATTEST_IDS.get(lowered, lowered)
    method_id = re.sub(r"[^a-z0-9]+", "_", method_id).strip("_") or "unknown"
    suffix = "_pvalue" if method_id in P_VALUE_METHODS or lowered.endswith("p_value") else ""
    return f"drift_score_{method_id.removesuffix('_p_value')}{suffix}"[:64]


def read_evidently(
    path: Path, shown: str, *, model: str | None, at: dt.datetime | None
) -> ReadResult:
    """Records from one Evidently JSON export (JSON paths as locations)."""
    result = ReadResult(shown)

    def fail(rule: str, message: str) -> ReadResult:
        result.problems.append(Problem(shown, None, None, rule, message))
        return result

    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        return fail("ingest-encoding", f"not UTF-8 text ({error.reason} at byte {error.start})")
    if not text.strip():
        return fail("ingest-empty-file", "the file is empty; expected an Evidently JSON export")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        result.problems.append(
            Problem(
                shown,
                error.lineno,
                error.colno,
                "ingest-malformed-json",
                f"not valid JSON: {error.msg}",
            )
        )
        return result
    try:
        shape, stamp, model_id, found = _parse(document)
        entries = list(found)
    except UnknownShape as error:
        return fail(
            "ingest-unknown-shape",
            f"not an Evidently export govcat reads ({error}); expected a 0.7 report "
            "(save_json), a 0.7 snapshot (dumps), or a legacy report / test suite (json())",
        )
    if not entries:
        return fail("ingest-unknown-shape", f"{shape} without drift, quality or test results")
    from_name = FILE_NAME_RE.match(path.name)
    if model is None and model_id is None:
        if from_name is None:
            return fail(
                "ingest-no-model",
                f"an Evidently {shape} names no model: pass --model ID or name the file "
                "<model-id>_<YYYY-MM-DD>.json",
            )
        model_id = from_name.group("model")
    if at is not None:
        stamp = at
    elif stamp is None:
        if from_name is None:
            return fail(
                "ingest-no-timestamp",
                f"an Evidently {shape} carries no time: pass --at TIMESTAMP or name the file "
                "<model-id>_<YYYY-MM-DD>.json",
            )
        try:
            day = dt.date.fromisoformat(from_name.group("date"))
        except ValueError:
            return fail(
                "ingest-no-timestamp", f"'{from_name.group('date')}' in the file name is not a date"
            )
        stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    for where, metric, segment, value in entries:
        result.records.append(
            Record(
                None,
                where,
                model_id or model,
                None,
                stamp,
                metric,
                segment,
                value,
                {"path": where, "value": value},
            )
        )
    return result


def _parse(document: Any) -> tuple[str, Any, str | None, Iterator[tuple[str, str, str, Any]]]:
    """(shape name, timestamp or None, model id or None, (path, metric, segment, value)...)."""
    if not isinstance(document, dict) or not document:
        raise UnknownShape(
            f"the top level is {'an empty object' if document == {} else 'a ' + type(document).__name__}, not an Evidently object"
        )
    if isinstance(document.get("metric_results"), dict) and isinstance(
        document.get("top_level_metrics"), list
    ):
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        model_id = metadata.get("model_id") if isinstance(metadata.get("model_id"), str) else None
        return "0.7 snapshot", document.get("timestamp"), model_id, _snapshot(document)
    if set(document) == {"metrics", "tests"} and isinstance(document["metrics"], list):
        metrics = document["metrics"]
        if not all(
            isinstance(m, dict) and str(_get(m, "config", "type")).startswith(METRIC_V2)
            for m in metrics
        ):
            raise UnknownShape("`metrics[].config.type` is not evidently:metric_v2:*")
        return "0.7 report", None, None, _compact(document)
    version = document.get("version")
    if isinstance(version, str):
        if not re.match(r"^0\.[0-6]\.", version):
            raise UnknownShape(f"version {version!r} with a legacy layout")
        if isinstance(document.get("metrics"), list) and all(
            isinstance(m, dict)
            and isinstance(m.get("metric"), str)
            and isinstance(m.get("result"), dict)
            for m in document["metrics"]
        ):
            return "legacy report", document.get("timestamp"), None, _legacy_report(document)
        if isinstance(document.get("tests"), list) and isinstance(document.get("summary"), dict):
            return (
                "legacy test suite",
                document.get("timestamp"),
                None,
                _legacy_tests(document["tests"], "$.tests"),
            )
    keys = ", ".join(sorted(map(str, document))[:8])
    raise UnknownShape(f"top-level keys {keys}")


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _value_rows(
    metric_type: str, params: dict[str, Any], value: Any, where: str
) -> Iterator[tuple[str, str, str, Any]]:
    """Rows of one 0.7 metric (value already located: number, {count, share} or {label: n})."""
    kind = metric_type.removeprefix(METRIC_V2)
    if kind == "DriftedColumnsCount":
        yield f"{where}.count", "drifted_columns", "", _get(value, "count")
        yield f"{where}.share", "drift_share", "", _get(value, "share")
    elif kind == "ValueDrift":
        method = str(params.get("method") or "unknown")
        yield where, drift_metric(method), f"column:{params.get('column')}", value
    elif kind in QUALITY:
        yield where, QUALITY[kind], "", value
    elif kind in BY_LABEL and isinstance(value, dict):
        for label in sorted(value, key=str):
            yield f"{where}.{label}", BY_LABEL[kind], f"label:{label}", value[label]


def _test_counts(
    tests: list[Any], where: str, statuses: dict[str, str]
) -> Iterator[tuple[str, str, str, Any]]:
    counts = dict.fromkeys(statuses.values(), 0)
    for test in tests:
        metric = statuses.get(str(_get(test, "status")))
        if metric is not None:
            counts[metric] += 1
    for metric, count in counts.items():
        yield where, metric, "", count


def _compact(document: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    for index, metric in enumerate(document["metrics"]):
        config = metric.get("config") or {}
        yield from _value_rows(
            str(config.get("type")), config, metric.get("value"), f"$.metrics[{index}].value"
        )
    if document["tests"]:
        yield from _test_counts(document["tests"], "$.tests", TEST_STATUSES)


def _snapshot(document: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    results = document["metric_results"]
    tests: list[Any] = []
    for metric_id in document["top_level_metrics"]:
        result = results.get(metric_id)
        if not isinstance(result, dict):
            continue
        where = f"$.metric_results['{metric_id}']"
        params = _get(result, "metric_value_location", "metric", "params") or {}
        metric_type = str(params.get("type"))
        result_type = str(result.get("type")).removeprefix(RESULT_V2)
        if result_type == "SingleValue":
            yield from _value_rows(metric_type, params, result.get("value"), f"{where}.value")
        elif result_type == "CountValue":
            value = {
                "count": _get(result, "count", "value"),
                "share": _get(result, "share", "value"),
            }
            for path, name, segment, number in _value_rows(metric_type, params, value, where):
                yield (
                    path.replace(".count", ".count.value").replace(".share", ".share.value"),
                    name,
                    segment,
                    number,
                )
        elif result_type == "ByLabelValue":
            values = result.get("values") or {}
            flat = {label: _get(item, "value") for label, item in values.items()}
            for path, name, segment, number in _value_rows(
                metric_type, params, flat, f"{where}.values"
            ):
                yield path + ".value", name, segment, number
        tests.extend(result.get("tests") or [])
    if tests:
        yield from _test_counts(tests, "$.metric_results[].tests", TEST_STATUSES)


def _legacy_report(document: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    metrics = document["metrics"]
    kinds = [m["metric"] for m in metrics]
    for index, item in enumerate(metrics):
        result, where = item["result"], f"$.metrics[{index}].result"
        kind = item["metric"]
        if kind == "DatasetDriftMetric" or (
            kind == "DataDriftTable" and "DatasetDriftMetric" not in kinds
        ):
            yield (
                f"{where}.number_of_drifted_columns",
                "drifted_columns",
                "",
                result.get("number_of_drifted_columns"),
            )
            yield (
                f"{where}.share_of_drifted_columns",
                "drift_share",
                "",
                result.get("share_of_drifted_columns"),
            )
        if kind == "DataDriftTable":
            for column, drift in sorted((result.get("drift_by_columns") or {}).items()):
                method = str(_get(drift, "stattest_name") or "unknown")
                yield (
                    f"{where}.drift_by_columns.{column}.drift_score",
                    drift_metric(method),
                    f"column:{column}",
                    _get(drift, "drift_score"),
                )
        elif kind == "ClassificationQualityMetric":
            current = result.get("current") or {}
            for name in LEGACY_QUALITY:
                if current.get(name) is not None:
                    yield f"{where}.current.{name}", name, "", current[name]
        elif kind == "ClassificationQualityByClass":
            current = result.get("current") or {}
            labels = list((current.get("metrics") or {}).items())
            for label, values in labels:
                for name in ("precision", "recall", "f1"):
                    if isinstance(values, dict) and values.get(name) is not None:
                        yield (
                            f"{where}.current.metrics.{label}.{name}",
                            name,
                            f"label:{label}",
                            values[name],
                        )
            roc_aucs = current.get("roc_aucs")
            if isinstance(roc_aucs, list) and len(roc_aucs) == len(labels):
                for position, ((label, _), value) in enumerate(zip(labels, roc_aucs, strict=True)):
                    yield (
                        f"{where}.current.roc_aucs[{position}]",
                        "roc_auc",
                        f"label:{label}",
                        value,
                    )


def _legacy_tests(tests: list[Any], where: str) -> Iterator[tuple[str, str, str, Any]]:
    for index, test in enumerate(tests):
        name = _get(test, "name")
        if name in LEGACY_TESTS and _get(test, "parameters", "value") is not None:
            yield (
                f"{where}[{index}].parameters.value",
                LEGACY_TESTS[name],
                "",
                test["parameters"]["value"],
            )
    yield from _test_counts(tests, where, {**TEST_STATUSES, "SKIPPED": "test_skipped_count"})
