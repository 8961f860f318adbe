"""The validated catalog: the typed hand-off from validation to every later stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Problem
from generator.loader import Document
from generator.schema import DatasetCard, ModelCard, Person, Settings, Team

KIND_FOLDERS = ("models", "datasets", "teams")


@dataclass
class Catalog:
    """Every valid card of a catalog, keyed and sorted by id, with its source document."""

    root: Path
    settings: Settings
    models: dict[str, ModelCard] = field(default_factory=dict)
    datasets: dict[str, DatasetCard] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    documents: dict[tuple[str, str], Document] = field(default_factory=dict, repr=False)
    """(folder, id) → the loaded file, for source positions."""

    @property
    def people(self) -> dict[str, tuple[Person, Team]]:
        """Person id → (person, their team)."""
        return {person.id: (person, team) for team in self.teams.values() for person in team.people}

    def source_path(self, folder: str, card_id: str) -> str:
        """The card's file as shown to users (e.g. `catalog/models/x.yaml`)."""
        return self.documents[(folder, card_id)].path

    def relative_source(self, folder: str, card_id: str) -> str:
        """The card's file relative to the catalog root's parent (for repository links)."""
        document = self.documents.get((folder, card_id))
        name = Path(document.path).name if document else f"{card_id}.yaml"
        return f"{self.root.name}/{folder}/{name}"

    def problem(
        self,
        folder: str,
        card_id: str,
        loc: Iterable[str | int],
        rule: str,
        message: str,
        *,
        severity: str = "error",
        key: bool = False,
    ) -> Problem:
        """A problem located at `loc` inside a card (its nearest existing parent if missing)."""
        return self.documents[(folder, card_id)].problem(
            loc, rule, message, severity=severity, key=key
        )

    def models_owned_by(self, team_id: str) -> list[ModelCard]:
        """Models whose owner is the team, in id order."""
        return [m for m in self.models.values() if m.owner == team_id]

    def models_using_dataset(self, dataset_id: str) -> list[ModelCard]:
        """Models that train or evaluate on the dataset, or draw features from it."""
        ref = f"dataset:{dataset_id}"
        return [
            m
            for m in self.models.values()
            if any(t.dataset == dataset_id for t in m.training_data)
            or any(e.dataset == dataset_id for e in m.evaluation)
            or any(f.source == ref for f in m.features)
        ]
