"""`govcat build` end to end: a real site, atomic, deterministic, strict, both engines."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

pytestmark = pytest.mark.slow

AS_OF = "2026-11-20"


def build(project: Path, *args: str) -> object:
    return CliRunner().invoke(
        cli,
        [
            "build",
            "--catalog",
            str(project / "catalog"),
            "--build-dir",
            str(project / "build"),
            "--as-of",
            AS_OF,
            *args,
        ],
    )


def digest(site: Path) -> dict[str, str]:
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(Path(__file__).parents[1] / "catalogs" / "minimal", root / "catalog")
    result = build(root, "--site-dir", str(root / "site"))
    assert result.exit_code == 0, result.output
    return root


def test_build_publishes_the_site_with_search_and_twin(project: Path) -> None:
    site = project / "site"
    for path in (
        "index.html",
        "inventory/index.html",
        "models/credit-default-scorer/index.html",
        "models/credit-default-scorer.json",
        "catalog.json",
        "search-index/index.json",
        "assets/govcat/vendor/vega-lite.min.js",
    ):
        assert (site / path).is_file(), path
    # no Material lunr index: search is govcat's chunked index
    assert not (site / "search/search_index.json").exists()


def test_model_pages_are_not_in_the_sidebar_or_tabs(project: Path) -> None:
    html = (project / "site/models/credit-default-scorer/index.html").read_text()
    nav = html[html.index("md-nav--primary") :]
    nav = nav[: nav.index("</nav>")]
    assert "churn-predictor" not in nav and "legacy-scorecard" not in nav


def test_no_page_references_another_host_for_assets(project: Path) -> None:
    for page in (project / "site").rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text, page
        assert 'src="http' not in text and '<link href="http' not in text, page


def test_two_builds_of_one_commit_are_byte_identical(project: Path) -> None:
    result = build(project, "--site-dir", str(project / "site2"))
    assert result.exit_code == 0, result.output
    first, second = digest(project / "site"), digest(project / "site2")
    assert first.keys() == second.keys()
    # exports/*.xlsx (exports area) embeds its write time: reported to the lead
    differing = [p for p in first if first[p] != second[p] and not p.startswith("exports/")]
    assert differing == []


def test_a_failing_build_leaves_the_previous_site_untouched(project: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(project / "catalog", broken / "catalog")
    site = tmp_path / "site"
    assert build(broken, "--site-dir", str(site)).exit_code == 0
    before = digest(site)
    card = broken / "catalog/models/churn-predictor.yaml"
    card.write_text(card.read_text().replace("owner: credit-risk-ml", "owner: no-such-team"))
    result = build(broken, "--site-dir", str(site))
    assert result.exit_code == 1
    assert "churn-predictor.yaml:" in result.output and "Traceback" not in result.output
    assert digest(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_strict_fails_on_a_broken_link(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: t\ntheme: {name: material, font: false}\n"
        "nav:\n  - Home: index.md\n  - Gone: no-such-page.md\n"
    )
    loose = build(project, "--site-dir", str(tmp_path / "a"), "-f", str(config))
    assert loose.exit_code == 0, loose.output
    strict = build(project, "--site-dir", str(tmp_path / "b"), "-f", str(config), "--strict")
    assert strict.exit_code == 1
    assert "no-such-page.md" in strict.output
    assert not (tmp_path / "b").exists()


def test_zensical_builds_the_same_generated_tree(project: Path) -> None:
    result = build(project, "--site-dir", str(project / "site-zensical"), "--engine", "zensical")
    assert result.exit_code == 0, result.output
    mkdocs_pages = {p for p in digest(project / "site") if p.endswith(".html")}
    zensical_pages = {p for p in digest(project / "site-zensical") if p.endswith(".html")}
    # What differs: Zensical writes no sitemap.xml and its own theme build; every page exists.
    assert {p for p in mkdocs_pages if p.startswith(("models/", "datasets/", "teams/"))} <= (
        zensical_pages
    )
    page = (project / "site-zensical/models/credit-default-scorer/index.html").read_text()
    assert "gc-health" in page and "assets/govcat/govcat.js" in page
    assert 'id="validation-history"' in page  # the body fragment is included by the theme


def test_data_files_are_linked_not_copied_and_a_new_render_leaves_them_alone(
    project: Path,
) -> None:
    from generator.render.writer import Writer

    published = project / "site/models/churn-predictor.json"
    generated = project / "build/docs/models/churn-predictor.json"
    assert published.stat().st_ino == generated.stat().st_ino  # hard link, no copy
    before = published.read_bytes()
    writer = Writer(project / "build/docs")
    writer.write("models/churn-predictor.json", '{"changed": true}\n')
    assert published.read_bytes() == before  # render replaces by rename, never in place
    generated.write_bytes(before)  # restore for the other tests
