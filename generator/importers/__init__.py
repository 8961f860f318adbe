"""Importers: third-party model cards → a govcat card with TODO markers.

`import_hf` reads a Hugging Face README.md (YAML front matter + Markdown);
`import_mct` reads Google Model Card Toolkit JSON. Both return an
`ImportedCard` (id and YAML text) or raise `ProblemsFound` with located
problems when the source is malformed. What governance needs and the source
does not say (owner, accountable person, validator, risk, lineage to dataset
cards) becomes a TODO marker, so `govcat validate` fails until someone fills it.
"""

from generator.importers.common import ImportedCard, write_imported
from generator.importers.hf import import_hf
from generator.importers.mct import import_mct

__all__ = ["ImportedCard", "import_hf", "import_mct", "write_imported"]
