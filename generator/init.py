"""`govcat init DIR`: a new catalog repository for teams that install govcat from PyPI.

What it writes (templates in `generator/scaffolds/init/`):

    catalog/                 one example of each file: two teams (builders and the
                             independent validator), a dataset, a model in production,
                             settings.yaml and policy.yaml (the shipped internal-default profile)
    mkdocs.yml               govcat's built-in default site config (`generator.build.DEFAULT_CONFIG`)
    requirements.txt         govcat pinned to the version that wrote the repository
    .github/workflows/       the pull-request check and the publish workflow of govcat's own
                             repository, installing govcat from requirements.txt instead of
                             `make install` (see `WORKFLOW_REPLACEMENTS`)
    .github/scripts/         the helpers those workflows call
    .github/CODEOWNERS       generated from the example cards (`govcat codeowners`)
    .pre-commit-config.yaml  a local `govcat validate` hook
    .gitignore, README.md

The workflows and scripts are this repository's own `.github/` files (shipped in
the wheel as package data); their install steps are rewritten when they are
written out. Dates in the example cards are relative to today, so
the example validates and builds without findings on the day it is written.
"""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from generator import __version__
from generator.scaffold import atomic_write

TEMPLATES = "init"
"""Folder of `generator.scaffolds` holding the templates."""

WORKFLOW_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("- name: Install (locked)\n", "- name: Install govcat (pinned in requirements.txt)\n"),
    (
        "run: make install\n",
        "run: python -m venv .venv && .venv/bin/pip install -r requirements.txt\n",
    ),
    ("- name: Cache uv downloads\n", "- name: Cache pip downloads\n"),
    ("path: ~/.cache/uv\n", "path: ~/.cache/pip\n"),
    (
        "key: uv-${{ runner.os }}-py3.11-${{ hashFiles('uv.lock') }}\n",
        "key: pip-${{ runner.os }}-py3.11-${{ hashFiles('requirements.txt') }}\n",
    ),
    ("restore-keys: uv-${{ runner.os }}-py3.11-\n", "restore-keys: pip-${{ runner.os }}-py3.11-\n"),
)
"""(text in govcat's own workflows, text in a catalog repository's): how govcat is installed."""

# template path → path in the new repository (dot files are shipped without the dot)
RENAMED = {
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
}


class InitError(Exception):
    """The target folder cannot be initialised (not empty, not a folder)."""


@dataclass(frozen=True)
class InitResult:
    """The files written, relative to the new repository."""

    root: Path
    files: list[str]


def templates() -> Traversable:
    """The root of the init templates (package data)."""
    return resources.files("generator.scaffolds").joinpath(TEMPLATES)


GITHUB_FOLDERS = ("workflows", "scripts")


def github_templates() -> Traversable:
    """govcat's own `.github/` (workflows and scripts): one source of truth.

    A wheel carries them as `generator/scaffolds/init/github/` (hatch force-include);
    a source checkout reads the repository's `.github/` itself.
    """
    packaged = templates().joinpath("github")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / ".github"


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.extend(_walk(entry, path + "/"))
        else:
            found.append((path, entry))
    return found


def workflow_for_catalog_repository(text: str) -> str:
    """One of govcat's own workflows, installing govcat from requirements.txt."""
    for ours, theirs in WORKFLOW_REPLACEMENTS:
        text = text.replace(ours, theirs)
    return text


def planned_files(title: str, today: dt.date) -> dict[str, str]:
    """Path in the new repository → its text (CODEOWNERS excluded: it needs the catalog)."""
    values = {
        "__TITLE__": title,
        "__RELEASED__": (today - dt.timedelta(days=60)).isoformat(),
        "__VALIDATED__": (today - dt.timedelta(days=45)).isoformat(),
        "__NEXT_REVIEW__": (today + dt.timedelta(days=320)).isoformat(),
    }
    files: dict[str, str] = {}
    github = github_templates()
    sources = _walk(templates()) + [
        (f"github/{folder}/{path}", entry)
        for folder in GITHUB_FOLDERS
        for path, entry in _walk(github.joinpath(folder))
    ]
    for path, entry in sources:
        text = entry.read_text("utf-8")
        if path.startswith("github/"):
            target = "." + path
            if path.startswith("github/workflows/"):
                text = workflow_for_catalog_repository(text)
        else:
            target = RENAMED.get(path, path)
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
        files[target] = text
    files["mkdocs.yml"] = _mkdocs_config(title)
    files["requirements.txt"] = (
        "# govcat, pinned: upgrade deliberately (pip install -U govcat), then commit.\n"
        f"govcat=={__version__}\n"
    )
    return dict(sorted(files.items()))


def _mkdocs_config(title: str) -> str:
    from generator.build import DEFAULT_CONFIG

    header = (
        "# The site's look: theme, palette, Markdown extensions. govcat adds the pages,\n"
        "# the navigation and its theme overrides when it builds (`govcat build`).\n"
    )
    return header + yaml.safe_dump(
        {"site_name": title, **DEFAULT_CONFIG}, sort_keys=False, allow_unicode=True
    )


def init_repository(
    root: Path, *, title: str = "Model catalog", force: bool = False, today: dt.date | None = None
) -> InitResult:
    """Write a new catalog repository into `root` (refused if it is not empty, unless `force`).

    With `force`, files of the same name are overwritten and every other file is kept.
    """
    today = today or dt.date.today()
    if root.exists() and not root.is_dir():
        raise InitError(f"'{root}' exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise InitError(
            f"'{root}' is not empty; choose a new folder, or pass --force to add the "
            "scaffold to it (files of the same name are overwritten)"
        )
    files = planned_files(title, today)
    for relative, text in files.items():
        atomic_write(root / relative, text)
    for relative in files:
        if relative.endswith(".sh"):
            path = root / relative
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    codeowners = _codeowners(root, today)
    atomic_write(root / ".github" / "CODEOWNERS", codeowners)
    return InitResult(root, sorted([*files, ".github/CODEOWNERS"]))


def _codeowners(root: Path, today: dt.date) -> str:
    from generator.codeowners import render_codeowners
    from generator.errors import ProblemsFound
    from generator.validate import validate_catalog

    result = validate_catalog(root / "catalog", today=today)
    if result.errors:  # the shipped example is tested to be valid: this is a packaging bug
        raise ProblemsFound(result.errors)
    return render_codeowners(
        result.catalog, catalog_path="catalog", command="govcat codeowners --catalog catalog"
    ).text


def relative_posix(path: Path) -> str:
    """`path` for messages: relative to the working folder when below it, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.resolve().as_posix()
