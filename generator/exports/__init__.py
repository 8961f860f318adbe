"""Standard exports of the catalog: inventory tables, CycloneDX ML-BOM, Hugging Face READMEs.

Each export is a pure function of a `GovernanceReport` returning text or bytes;
the CLI and the site decide where the result goes.
"""

from generator.exports.cyclonedx import cyclonedx_bom, cyclonedx_json, model_components
from generator.exports.huggingface import hf_readme
from generator.exports.inventory import INVENTORY_COLUMNS, inventory_bytes, inventory_rows

__all__ = [
    "INVENTORY_COLUMNS",
    "cyclonedx_bom",
    "cyclonedx_json",
    "hf_readme",
    "inventory_bytes",
    "inventory_rows",
    "model_components",
]
