"""Skip a rebuild whose inputs are exactly those of the site already published.

A nightly job often has nothing new to publish: no card changed, no export
arrived, same day. Then aggregation, rendering and the site build would only
reproduce the site in place. `inputs_digest` hashes everything those stages
read, and `build/build-memo.json` records the digest of the last successful
build together with what it reported; when both match (and the published
folder is still the one that build swapped in) the pipeline stops after
validation.

What the digest covers, and why that is enough:

* every file under the catalog folder — cards, settings, policy, waivers — by
  content; files over 1 MiB (monitoring parquet parts, whose names already carry
  their content hash) by path, size and modification time;
* a local monitoring store outside the catalog folder, the same way; a remote
  store (s3://, gs://) cannot be listed cheaply, so catalogs using one never skip;
* the last commit touching the catalog and the repository's top folder (the
  pages show "last changed" from git);
* govcat's own code, templates and policy profiles, the site templates, the
  project's mkdocs.yml, the page producers, Python and tool versions;
* the build options: as-of date, audience, engine, strict, search, site folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from stat import S_ISREG
from typing import Any

from generator.scaffold import atomic_write
from generator.workers import map_io

MEMO_NAME = "build-memo.json"
MEMO_FORMAT = 1
CONTENT_LIMIT = 1 << 20
"""Files up to this size are hashed by content, larger ones by path, size and mtime."""
SKIPPED_FOLDERS = frozenset({"__pycache__", ".git"})


def _tree(digest: Any, root: Path, label: str) -> None:
    """Feed every file under `root` into `digest`, in a stable order.

    `os.walk` and plain `open` rather than pathlib: at 10,000 cards the pathlib version
    spent ~1 s on path objects before the build could start; the files are read by
    several threads (`map_io`: 1.0 s instead of 2.6 s when they are not cached).
    """
    if not root.is_dir():
        digest.update(f"{label}: missing\0".encode())
        return
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS]
        relative_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if relative_folder == "." else relative_folder + "/"
        files += [(prefix + name, os.path.join(folder, name)) for name in names]
    files.sort()
    for (relative, _), entry in zip(files, map_io(_file_entry, [p for _, p in files]), strict=True):
        if entry is not None:
            digest.update(f"{label}/{relative}\0{entry[0]}\0".encode())
            digest.update(entry[1])


def _file_entry(path: str) -> tuple[int, bytes] | None:
    """A regular file's size and the hash of its bytes (of its mtime, when it is large);
    None for anything else (a dangling symlink, a folder's named pipe)."""
    try:
        stat = os.stat(path)
        if not S_ISREG(stat.st_mode):
            return None
        if stat.st_size > CONTENT_LIMIT:
            return stat.st_size, str(stat.st_mtime_ns).encode()
        with open(path, "rb") as stream:
            return stat.st_size, hashlib.blake2b(stream.read(), digest_size=16).digest()
    except OSError:
        return None


@functools.cache
def code_digest() -> str:
    """A hash of govcat's own code (the `generator` package), once per process: a build
    by changed code is a different build even when the version number is the same."""
    import generator

    digest = hashlib.blake2b(digest_size=20)
    _tree(digest, Path(generator.__file__).parent, "govcat")
    return digest.hexdigest()


def _git_state(catalog_root: Path) -> str:
    """The repository top and the last commit touching the catalog ('' outside git)."""
    try:
        completed = subprocess.run(
            [
                "git",
                "-C",
                str(catalog_root),
                "log",
                "-1",
                "--format=%H",
                "--",
                ".",
            ],
            capture_output=True,
            check=True,
            text=True,
        )
        top = subprocess.run(
            ["git", "-C", str(catalog_root), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f"{top.stdout.strip()}@{completed.stdout.strip()}"


def inputs_digest(
    *,
    catalog_root: Path,
    store_path: Path | None,
    store_is_remote: bool,
    templates: Path,
    project_config: Path | None,
    producers: Iterable[Any],
    versions: dict[str, str],
    options: dict[str, Any],
) -> str | None:
    """A hash of everything a build reads; None when that cannot be known (remote store)."""
    if store_is_remote:
        return None
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"format={MEMO_FORMAT}\0python={sys.version}\0".encode())
    digest.update(json.dumps(versions, sort_keys=True).encode() + b"\0")
    digest.update(json.dumps(options, sort_keys=True, default=str).encode() + b"\0")
    digest.update(repr([getattr(p, "__qualname__", p) for p in producers]).encode() + b"\0")
    catalog_root = catalog_root.resolve()
    _tree(digest, catalog_root, "catalog")
    if store_path is not None:
        store = store_path.resolve()
        if not store.is_relative_to(catalog_root):
            _tree(digest, store, "store")
    digest.update(f"govcat={code_digest()}\0".encode())
    _tree(digest, templates, "templates")
    if project_config is not None and project_config.is_file():
        digest.update(b"config\0" + project_config.read_bytes())
    digest.update(f"git={_git_state(catalog_root)}".encode())
    return digest.hexdigest()


def read_record(path: Path) -> dict[str, Any]:
    """A build record ({} when there is none or it is unreadable)."""
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def site_identity(site_dir: Path) -> list[int] | None:
    """The published folder's inode and mtime (None when it is missing): another process
    replacing the folder changes them."""
    with contextlib.suppress(OSError):
        if (site_dir / "index.html").is_file():
            stat = site_dir.stat()
            return [stat.st_ino, stat.st_mtime_ns]
    return None


def matching_record(path: Path, key: str, value: str, site_dir: Path) -> dict[str, Any] | None:
    """The record at `path` when its `key` equals `value` and the site it describes is
    still the one in place."""
    recorded = read_record(path)
    if recorded.get(key) != value:
        return None
    identity = site_identity(site_dir)
    if identity is None or recorded.get("site") != identity:
        return None
    return recorded


def write_record(path: Path, record: dict[str, Any], site_dir: Path) -> None:
    """Record a successful build into `site_dir` (with the folder's identity)."""
    identity = site_identity(site_dir)
    if identity is None:
        return
    atomic_write(path, json.dumps({**record, "site": identity}, sort_keys=True), durable=False)


def read_memo(build_dir: Path) -> dict[str, Any]:
    """The last successful build's memo ({} when there is none)."""
    return read_record(build_dir / MEMO_NAME)


def unchanged(build_dir: Path, digest: str | None, site_dir: Path) -> dict[str, Any] | None:
    """The last build's record when it was built from `digest` and its site is in place."""
    if digest is None:
        return None
    return matching_record(build_dir / MEMO_NAME, "inputs", digest, site_dir)


def forget(build_dir: Path) -> None:
    """Drop the record before a build starts (a failed build must not look finished)."""
    (build_dir / MEMO_NAME).unlink(missing_ok=True)


def remember(build_dir: Path, digest: str | None, site_dir: Path, report: dict[str, Any]) -> None:
    """Record a successful build of `digest` into `site_dir`."""
    if digest is not None:
        write_record(build_dir / MEMO_NAME, {"inputs": digest, **report}, site_dir)
