"""CODEOWNERS from the cards: the git host then makes the right people review each change.

Who owns what (every handle is a team's `code_owner`):

* a model card: its owner team and its independent validator — the teams named
  in `contacts` with role `validator` (or the team of a validator person), else
  the team of the latest validation;
* a dataset card: its owner team (the data steward);
* a team file: the team itself and every second-line team, because team files
  decide who may approve validations and waivers;
* `settings.yaml`, `policy.yaml`, other files directly in the catalog folder and
  any new card not listed yet (a catch-all per folder): the second-line teams, so
  a new card is reviewed by model risk before it gets owners of its own. The
  monitoring store (written by the nightly job) is left unowned.

GitHub applies the last matching line; GitLab applies the last matching line
*within each section* and every section that matches. The layout keeps both
equivalent: one section per folder, its catch-all first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog import Catalog
from generator.errors import Problem, ProblemsFound
from generator.schema import ContactRole, ModelCard, Person, Team

HANDLE_RE = re.compile(r"^(@[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+)$")
"""A user or team handle (`@name`, `@org/team`, `@group/subgroup`) or an e-mail address."""

GITHUB_PATH = Path(".github/CODEOWNERS")
GITLAB_PATH = Path(".gitlab/CODEOWNERS")


@dataclass
class Section:
    """A group of CODEOWNERS lines (a GitLab section, a comment heading on GitHub)."""

    name: str
    default_owners: list[str]
    catch_all: str
    lines: list[tuple[str, list[str], str]] = field(default_factory=list)
    """(path, owners, comment when nobody owns it)."""


@dataclass
class CodeOwners:
    """The generated file and the problems found while generating it."""

    text: str
    problems: list[Problem]


def render_codeowners(
    catalog: Catalog, *, catalog_path: str, gitlab: bool = False, command: str = ""
) -> CodeOwners:
    """The CODEOWNERS text for `catalog`, whose folder is `catalog_path` in the repository."""
    problems: list[Problem] = []
    handles = _team_handles(catalog, problems)
    governance = [handles[t.id] for t in catalog.teams.values() if t.function == "second-line"]
    governance = [h for h in dict.fromkeys(governance) if h]
    base = "/" + catalog_path.strip("/") + "/" if catalog_path not in ("", ".") else "/"

    catalog_section = Section("Catalog settings and policy", governance, base + "*")
    for name in ("settings.yaml", "policy.yaml"):
        catalog_section.lines.append((base + name, governance, ""))

    models = Section("Models", governance, base + "models/")
    people = catalog.people  # built once: it walks every team
    for model in catalog.models.values():
        owners = [
            handles.get(model.owner),
            *(handles.get(t) for t in validator_teams(catalog, model, people)),
        ]
        models.lines.append(_line(catalog, "models", model.id, base, owners))

    datasets = Section("Datasets", governance, base + "datasets/")
    for dataset in catalog.datasets.values():
        datasets.lines.append(
            _line(catalog, "datasets", dataset.id, base, [handles.get(dataset.owner)])
        )

    teams = Section("Teams", governance, base + "teams/")
    for team in catalog.teams.values():
        teams.lines.append(
            _line(catalog, "teams", team.id, base, [handles.get(team.id), *governance])
        )

    sections = [catalog_section, models, datasets, teams]
    text = _format(sections, gitlab=gitlab, command=command)
    return CodeOwners(text, problems)


def validator_teams(
    catalog: Catalog,
    model: ModelCard,
    people: dict[str, tuple[Person, Team]] | None = None,
) -> list[str]:
    """Team ids of the model's independent validators (contacts first, else latest validation).

    `people` is `catalog.people`, passed in when called for every model.
    """
    people = catalog.people if people is None else people
    teams = []
    for contact in model.contacts:
        if contact.role != ContactRole.validator:
            continue
        if contact.team:
            teams.append(contact.team)
        elif contact.person in people:
            teams.append(people[contact.person][1].id)
    if not teams and model.last_validation is not None:
        teams.append(model.last_validation.by)
    return list(dict.fromkeys(teams))


def _team_handles(catalog: Catalog, problems: list[Problem]) -> dict[str, str]:
    handles = {}
    for team in catalog.teams.values():
        handle = team.code_owner or ""
        if handle and not HANDLE_RE.match(handle):
            problems.append(
                catalog.problem(
                    "teams",
                    team.id,
                    ("code_owner",),
                    "codeowners-handle",
                    f"code_owner {handle!r} is not a git host handle; write `@org/team`, "
                    "`@user` or an e-mail address",
                )
            )
            handle = ""
        handles[team.id] = handle
    return handles


def _line(
    catalog: Catalog, folder: str, card_id: str, base: str, owners: list[str | None]
) -> tuple[str, list[str], str]:
    document = catalog.documents.get((folder, card_id))
    name = Path(document.path).name if document else f"{card_id}.yaml"
    handles = [h for h in dict.fromkeys(owners) if h]
    note = "" if handles else "no team of this card has a code_owner handle"
    return f"{base}{folder}/{name}", handles, note


def _format(sections: list[Section], *, gitlab: bool, command: str) -> str:
    lines = [
        "# Generated by govcat from the catalog's cards — do not edit by hand.",
        f"# Regenerate with: {command or 'govcat codeowners'}",
        "# A card is owned by its owner team and its independent validator; team files,",
        "# settings, policy and new files by the second-line (model risk) teams.",
        "",
    ]
    for section in sections:
        entries = [
            " ".join([path, *owners]) if owners else f"# {path}: {note}"
            for path, owners, note in section.lines
        ]
        if section.default_owners:
            catch_all = section.catch_all
            entries.insert(
                0, catch_all if gitlab else " ".join([catch_all, *section.default_owners])
            )
        if not any(not entry.startswith("#") for entry in entries):
            continue
        if gitlab:
            default = " ".join(section.default_owners)
            lines.append(f"[{section.name}]{' ' + default if default else ''}")
        else:
            lines.append(f"# {section.name}")
        lines.extend(entries)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def repository_path(catalog_dir: Path) -> str:
    """The catalog folder relative to its git repository's top level (else its parent)."""
    from generator.gitrepo import GitError, GitRepo

    try:
        return GitRepo.discover(catalog_dir).relative(catalog_dir)
    except GitError:
        return catalog_dir.resolve().name


def codeowners_for(catalog_dir: Path, *, gitlab: bool = False, command: str = "") -> str:
    """Validate the catalog and return its CODEOWNERS text; `ProblemsFound` on any error."""
    from generator.validate import validate_catalog

    result = validate_catalog(catalog_dir)
    errors = result.errors
    if errors:
        raise ProblemsFound(errors)
    generated = render_codeowners(
        result.catalog, catalog_path=repository_path(catalog_dir), gitlab=gitlab, command=command
    )
    if generated.problems:
        raise ProblemsFound(generated.problems)
    return generated.text
