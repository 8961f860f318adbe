"""Cache of loaded cards, so that a rebuild of unchanged cards skips YAML parsing.

Parsing YAML is the most expensive part of validation (≈ 1 ms per card with
libyaml events built in Python); pydantic validation of the same data is about a
tenth of that. The cache therefore keeps the *loaded data* of every card that
validated cleanly, and validation still runs on it: a cached card is checked
exactly like a freshly parsed one, only the parse is skipped.

Layout: one file, `build/cache/cards-<salt>.marshal`, holding
`{entry key: loaded data}`.

* The entry key is a hash of the card's folder, file name and bytes: any edit,
  rename or move is a miss.
* The salt is a hash of everything that could change what a file loads to or
  whether it is clean: govcat's version, the Python/PyYAML/pydantic versions, the
  source of the loader, schema, validate and cache modules (the JSON Schema is
  generated from the schema module), and the catalog's `policy.yaml`. A different salt is a different file, so a schema or
  policy change starts from an empty cache (old files are deleted on save).
* Only cards with no problem at all are cached; a card with problems is parsed
  every time, so its problems (with their positions) are always reported afresh.
* `marshal` (not pickle): the data is plain dicts, lists, strings and numbers,
  marshal loads it ~2x faster than pickle and cannot run code on load. A damaged
  or unreadable cache file is treated as empty.
* Saving writes a temporary file and renames it, keeping only the entries used in
  this run, so the cache never grows beyond the catalog.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

CACHE_FORMAT = 1
"""Bump when the layout of the cache file changes."""

_SOURCES = ("loader.py", "schema.py", "validate.py", "cache.py")


def default_cache_dir(catalog_root: Path) -> Path:
    """`build/cache` beside the catalog folder (the project directory's build/)."""
    return catalog_root.resolve().parent / "build" / "cache"


def salt(catalog_root: Path, policy_file: str = "policy.yaml") -> str:
    """A hash of everything that decides how a file loads and validates (see module doc)."""
    import pydantic
    import yaml

    import generator

    digest = hashlib.sha256()
    for part in (
        f"format={CACHE_FORMAT}",
        f"govcat={generator.__version__}",
        f"python={sys.version}",
        f"pyyaml={yaml.__version__}",
        f"pydantic={pydantic.VERSION}",
    ):
        digest.update(part.encode() + b"\0")
    package = Path(__file__).parent
    for name in _SOURCES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    policy = catalog_root / policy_file
    digest.update(policy.read_bytes() if policy.is_file() else b"no policy")
    return digest.hexdigest()[:24]


def read_marshal_dict(path: Path) -> dict[Any, Any]:
    """A dict saved with `marshal` ({} when the file is missing, damaged or not a dict).

    One read, then `loads`: `marshal.load` on a file reads it object by object, ~7x
    slower (2 s instead of 0.3 s for 10,000 cards)."""
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def entry_key(folder: str, name: str, raw: bytes) -> bytes:
    """The cache key of one file: its folder, name and content."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(folder.encode() + b"/" + name.encode() + b"\0")
    digest.update(raw)
    return digest.digest()


class CardCache:
    """Loaded data of clean cards, keyed by `entry_key`, for one salt."""

    def __init__(self, directory: Path, salt_value: str) -> None:
        self.directory = directory
        self.salt = salt_value
        self.path = directory / f"cards-{salt_value}.marshal"
        self._entries: dict[bytes, Any] = {}
        self._used: dict[bytes, Any] = {}
        self._changed = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, directory: Path, catalog_root: Path) -> CardCache:
        """The cache for this catalog in `directory` (empty if missing, stale or damaged)."""
        cache = cls(directory, salt(catalog_root))
        cache._read()
        return cache

    def _read(self) -> None:
        self._entries = read_marshal_dict(self.path)

    def get(self, key: bytes) -> Any | None:
        """The cached data for a key, or None (counts hits and misses)."""
        data = self._entries.get(key)
        if data is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = data
        return data

    def put(self, key: bytes, data: Any) -> None:
        """Remember the loaded data of a card that validated without any problem."""
        if key not in self._entries:
            self._changed = True
        self._used[key] = data

    def save(self) -> None:
        """Write the entries used in this run (atomically), and drop other salts' files."""
        if not self._changed and len(self._used) == len(self._entries):
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(temporary, "wb") as stream:
                marshal.dump(self._used, stream)
            os.replace(temporary, self.path)
            for stale in self.directory.glob("cards-*.marshal"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except (OSError, ValueError):
            return  # a cache that cannot be written only costs speed next time
        self._entries = dict(self._used)
        self._changed = False
