"""The leak test: a public or internal build holds not one byte of what it must not show.

One catalog with restricted and confidential models and a confidential dataset, each
carrying unique marker words in its id, name, summary, features, labels, tags,
limitations, metric names and monitoring data, is built for the public and the internal
audience. Every byte of every file in site/ (gzip files such as sitemap.xml.gz
decompressed first; zip archives such as .xlsx opened member by member), and every file
*path*, is searched for every marker of every card the audience may not see. A
restricted build of the same catalog is the positive control: the same search finds
every marker there, in the search index too.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import MINIMAL, load_minimal_card, write_card

AS_OF = "2026-11-20"

# Marker words are single tokens ending in digits, so that they survive the search
# index's tokenising and stemming; every one occurs in exactly one card.
RESTRICTED_MODEL = {
    "id": "zz-secret-q7x",
    "name": "Qmark7731 Scorer",
    "summary": "Scores qsumm7732 applications for the restricted desk.",
    "description": "Long qdesc7739 description.",
    "owner": "credit-risk-ml",
    "contacts": [
        {"role": "accountable", "person": "jlee"},
        {"role": "validator", "team": "model-risk"},
    ],
    "stage": "production",
    "risk": {"tier": "high", "eu_ai_act": "high-risk", "rationale": "qrationale7740"},
    "classification": "restricted",
    "tags": ["qtag7734"],
    "task": "qtask7741",
    "intended_use": {"primary": "qprimary7742", "out_of_scope": ["qscope7743"]},
    "features": [
        {"name": "qfeat7733", "type": "float", "source": "dataset:zz-conf-data-w3"},
    ],
    "labels": [{"name": "qlabel7735"}],
    "training_data": [{"dataset": "zz-conf-data-w3"}],
    "limitations": ["qlimit7736"],
    "human_oversight": "qoversight7744",
    "versions": [
        {"version": "1.0.0", "date": "2026-09-01", "stage": "production", "changes": "qchg7745"}
    ],
    "validations": [
        {
            "date": "2026-09-10",
            "by": "model-risk",
            "outcome": "approved",
            "next_review": "2027-09-10",
        }
    ],
    "monitoring": {
        "freshness_days": 3,
        "metrics": {
            "auc": {"min": 0.7, "warn_below": 0.75, "kind": "performance"},
            "qmetric7737": {"max": 0.3, "kind": "drift"},
        },
    },
    "deployment": {"platform": "kubernetes", "endpoint": "qendpoint7738"},
}

CONFIDENTIAL_MODEL = {
    "id": "zz-conf-m4v",
    "name": "Cmark8841 Forecaster",
    "summary": "Forecasts csumm8842 volumes.",
    "owner": "model-risk",
    "stage": "development",
    "risk": {"tier": "low"},
    "classification": "confidential",
    "tags": ["ctag8843"],
    "features": [{"name": "cfeat8844"}],
    "versions": [{"version": "0.1.0", "date": "2026-10-01", "stage": "development"}],
    "monitoring": {"metrics": {"cmetric8845": {"min": 1.0}}},
}

CONFIDENTIAL_DATASET = {
    "id": "zz-conf-data-w3",
    "name": "Dmark9951 Records",
    "summary": "Confidential dsumm9952 records.",
    "owner": "credit-risk-ml",
    "classification": "confidential",
    "sensitive_columns": ["dcol9953"],
    "tags": ["dtag9954"],
}

HIDDEN_FROM_INTERNAL = {
    "zz-secret-q7x": [
        "zz-secret-q7x",
        "q7x",
        "qmark7731",
        "qsumm7732",
        "qdesc7739",
        "qrationale7740",
        "qtag7734",
        "qtask7741",
        "qprimary7742",
        "qscope7743",
        "qfeat7733",
        "qlabel7735",
        "qlimit7736",
        "qoversight7744",
        "qchg7745",
        "qmetric7737",
        "qendpoint7738",
    ],
    "zz-conf-m4v": [
        "zz-conf-m4v",
        "m4v",
        "cmark8841",
        "csumm8842",
        "ctag8843",
        "cfeat8844",
        "cmetric8845",
    ],
    "zz-conf-data-w3": ["zz-conf-data-w3", "dmark9951", "dsumm9952", "dcol9953", "dtag9954"],
    # a restricted card of the minimal catalog
    "legacy-scorecard": ["legacy-scorecard", "Legacy Application Scorecard"],
    "loan-applications": ["Loan origination system", "Retail loan applications with bureau"],
}

HIDDEN_FROM_PUBLIC = {
    **HIDDEN_FROM_INTERNAL,
    "credit-default-scorer": [
        "credit-default-scorer",
        "Credit Default Scorer",
        "12-month probability of default",
    ],
    "loan-applications-holdout": ["loan-applications-holdout", "Out-of-time holdout"],
    # internal-only fields of visible cards
    "internal-only fields": [
        "iendpoint6601",
        "ireport6602",
        "iwaiver6603",
        "ieml6604",
        "iregistry6605",
        "ilink6606",
    ],
}

VISIBLE_EVERYWHERE = ["pmark5511", "churn-predictor"]


def _leaky_catalog(root: Path) -> Path:
    catalog = root / "catalog"
    shutil.copytree(MINIMAL, catalog)
    for card in (RESTRICTED_MODEL, CONFIDENTIAL_MODEL):
        write_card(catalog, "models", card)
    write_card(catalog, "datasets", CONFIDENTIAL_DATASET)

    churn = load_minimal_card("models", "churn-predictor")  # public
    churn["summary"] = "Churn pmark5511 probability; not a replacement of anything."
    churn["stage"] = "deprecated"
    churn["versions"] = [
        {
            "version": "0.9.0",
            "date": "2026-10-01",
            "stage": "deprecated",
            "registry": "models:/iregistry6605/1",
        },
    ]
    churn["retirement"] = {"date": "2027-01-31", "replaced_by": "zz-secret-q7x"}
    churn["training_data"] = [{"dataset": "zz-conf-data-w3"}, {"dataset": "loan-applications"}]
    churn["features"] = [{"name": "tenure", "source": "dataset:zz-conf-data-w3"}]
    churn["deployment"] = {"platform": "batch", "endpoint": "iendpoint6601"}
    churn["validations"] = [
        {
            "date": "2026-10-02",
            "by": "model-risk",
            "outcome": "approved",
            "report": "https://wiki.example/ireport6602",
        }
    ]
    churn["waivers"] = [
        {
            "rule": "internal.lineage",
            "reason": "iwaiver6603",
            "approved_by": "apatel",
            "expires": "2027-01-01",
        }
    ]
    churn["links"] = {"repository": "https://git.example/ilink6606"}
    write_card(catalog, "models", churn)

    team = load_minimal_card("teams", "credit-risk-ml")
    team["people"][0]["email"] = "ieml6604@bank.example"
    write_card(catalog, "teams", team)

    # every rule as a warning: findings on every model (hidden ones too), none fails the build
    profile = yaml.safe_load(
        (Path(__file__).parents[2] / "generator/policy/profiles/internal-default.yaml").read_text()
    )
    policy = {
        "profiles": ["internal-default"],
        "severity": {rule["id"]: "warning" for rule in profile["rules"]},
    }
    (catalog / "policy.yaml").write_text(yaml.safe_dump(policy))
    _monitoring_export(root / "export.csv")
    return catalog


def _monitoring_export(path: Path) -> None:
    end = dt.date.fromisoformat(AS_OF)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["model_id", "model_version", "ts", "metric", "segment", "value"])
        for day in range(30):
            ts = f"{end - dt.timedelta(days=day)}T06:00:00Z"
            writer.writerow(["zz-secret-q7x", "1.0.0", ts, "auc", "", 0.65 + day / 1000])
            writer.writerow(["zz-secret-q7x", "1.0.0", ts, "qmetric7737", "qseg7746", 0.5])
            writer.writerow(["zz-conf-m4v", "0.1.0", ts, "cmetric8845", "", 0.5])
            writer.writerow(["churn-predictor", "0.9.0", ts, "accuracy", "", 0.8])


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def build_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Builds the site for one audience (once per worker): each test builds only its own."""
    root = tmp_path_factory.mktemp("leak")
    catalog = _leaky_catalog(root)
    _invoke("validate", str(catalog), "--today", AS_OF)
    _invoke("ingest", "--catalog", str(catalog), str(root / "export.csv"))
    built: dict[str, Path] = {}

    def build(audience: str) -> Path:
        if audience not in built:
            site = root / f"site-{audience}"
            previous = Path.cwd()
            os.chdir(root)  # no project mkdocs.yml: govcat's built-in config
            try:
                _invoke(
                    "build",
                    "--catalog",
                    str(catalog),
                    "--audience",
                    audience,
                    "--as-of",
                    AS_OF,
                    "--build-dir",
                    str(root / f"build-{audience}"),
                    "--site-dir",
                    str(site),
                )
            finally:
                os.chdir(previous)
            built[audience] = site
        return built[audience]

    return build


def _contents(site: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file, gzip layers removed and zip archives (xlsx, downloads)
    opened member by member; file paths and member names count as content."""
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        yield f"path:{relative}", relative.encode()
        if path.is_file():
            yield from _unpacked(relative, path.read_bytes())


def _unpacked(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    while data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield f"path:{name}!{member}", member.encode()
                yield from _unpacked(f"{name}!{member}", archive.read(member))
    yield name, data


def _hits(site: Path, markers: dict[str, list[str]]) -> list[str]:
    needles = {m.lower().encode(): card for card, words in markers.items() for m in words}
    hits = []
    for name, data in _contents(site):
        lowered = data.lower()
        hits += [
            f"{card}: {needle.decode()!r} in {name}"
            for needle, card in needles.items()
            if needle in lowered
        ]
    return hits


def _search_files(site: Path) -> list[tuple[str, bytes]]:
    return [(n, d) for n, d in _contents(site) if n.startswith("search-index/")]


def _assert_search_reaches_the_index(site: Path) -> None:
    """Positive control: the same search finds what IS visible inside the search index."""
    assert _search_files(site), "no search index in the site"
    index = b"".join(d.lower() for _, d in _search_files(site))
    assert b"pmark5511" in index
    found = _hits(site, {"visible": VISIBLE_EVERYWHERE})
    assert any("'pmark5511' in search-index/" in hit for hit in found)


@pytest.mark.slow
def test_restricted_site_shows_everything_and_the_search_finds_it(
    build_site: Callable[[str], Path],
) -> None:
    """Positive control for the two leak tests: every marker is found where it may be."""
    site = build_site("restricted")
    _assert_search_reaches_the_index(site)
    found = _hits(site, HIDDEN_FROM_INTERNAL)
    for marker in (
        "zz-secret-q7x",
        "qmark7731",
        "qsumm7732",
        "qfeat7733",
        "qmetric7737",
        "dmark9951",
        "cmark8841",
        "legacy-scorecard",
    ):
        assert any(repr(marker) in hit for hit in found), marker
    assert any("search-index/" in hit and "'qsumm7732'" in hit for hit in found)
    assert any("path:models/zz-secret-q7x" in hit for hit in found)


@pytest.mark.slow
def test_public_site_leaks_nothing(build_site: Callable[[str], Path]) -> None:
    site = build_site("public")
    _assert_search_reaches_the_index(site)
    assert _hits(site, HIDDEN_FROM_PUBLIC) == []
    page = (site / "models" / "churn-predictor" / "index.html").read_text("utf-8")
    assert "(not visible to this audience)" in page


@pytest.mark.slow
def test_internal_site_leaks_nothing(build_site: Callable[[str], Path]) -> None:
    site = build_site("internal")
    _assert_search_reaches_the_index(site)
    assert _hits(site, HIDDEN_FROM_INTERNAL) == []
    # what the internal audience may see is there: internal cards and internal-only fields
    found = _hits(site, {"internal": ["credit-default-scorer", "iendpoint6601"]})
    assert any("'credit-default-scorer'" in hit for hit in found)
    assert any("'iendpoint6601'" in hit for hit in found)


def test_the_search_opens_gzip_and_zip_files(tmp_path: Path) -> None:
    """The unpacking the leak tests rely on finds a marker inside a gzip inside a zip."""
    inner = gzip.compress(b"<row>zz-secret-q7x</row>")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("xl/sheet1.xml.gz", inner)
        zipped.writestr("qmark7731.txt", b"")
    (tmp_path / "export.xlsx").write_bytes(archive.getvalue())
    hits = _hits(tmp_path, {"zz-secret-q7x": ["zz-secret-q7x", "qmark7731"]})
    assert "zz-secret-q7x: 'zz-secret-q7x' in export.xlsx!xl/sheet1.xml.gz" in hits
    assert "zz-secret-q7x: 'qmark7731' in path:export.xlsx!qmark7731.txt" in hits
