"""Publishing a new site: swapped in whole, the previous one deleted in the background."""

from __future__ import annotations

import time
from pathlib import Path

from generator.build import discard, swap_in, sweep_discarded


def _site(folder: Path, marker: str, files: int = 50) -> Path:
    for n in range(files):
        page = folder / f"page-{n}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<p>{marker} {n}</p>")
    return folder


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".site."))


def _wait_until_gone(parent: Path, seconds: float = 20.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while _leftovers(parent) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _leftovers(parent)


def test_the_new_site_is_in_place_at_once_and_the_old_one_is_deleted_afterwards(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path / "site", "old")
    new = _site(tmp_path / ".site.new-abcd1234", "new")
    swap_in(new, site)
    assert (site / "page-7" / "index.html").read_text() == "<p>new 7</p>"
    assert not new.exists()
    # the previous site is out of the way at once, under a name only `discard` uses
    assert all(name.startswith(".site.old-") for name in _leftovers(tmp_path))
    assert _wait_until_gone(tmp_path) == []


def test_a_first_site_is_moved_in_with_nothing_to_delete(tmp_path: Path) -> None:
    new = _site(tmp_path / ".site.new-abcd1234", "new", files=2)
    swap_in(new, tmp_path / "site")
    assert (tmp_path / "site" / "page-1" / "index.html").is_file()
    assert _leftovers(tmp_path) == []


def test_leftovers_of_an_interrupted_deletion_are_swept_but_a_build_in_progress_is_not(
    tmp_path: Path,
) -> None:
    _site(tmp_path / ".site.old-123-abcd1234", "old", files=5)
    in_progress = _site(tmp_path / ".site.new-efgh5678", "new", files=5)
    sweep_discarded(tmp_path / "site")
    deadline = time.monotonic() + 20
    while (tmp_path / ".site.old-123-abcd1234").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftovers(tmp_path) == [".site.new-efgh5678"]
    assert len(list(in_progress.rglob("*.html"))) == 5


def test_a_site_folder_name_with_glob_characters_sweeps_only_its_own_leftovers(
    tmp_path: Path,
) -> None:
    _site(tmp_path / ".site[1].old-9-abcd1234", "old", files=2)
    _site(tmp_path / ".site1.old-9-abcd1234", "other site's", files=2)
    sweep_discarded(tmp_path / "site[1]")
    deadline = time.monotonic() + 20
    while (tmp_path / ".site[1].old-9-abcd1234").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site1.old-9-abcd1234"]


def test_discard_deletes_a_folder_with_awkward_names(tmp_path: Path) -> None:
    folder = tmp_path / ".site.old-1-x"
    (folder / "-rf" / "a b").mkdir(parents=True)
    (folder / "-rf" / "a b" / "$(touch pwned)").write_text("x")
    discard(folder)
    deadline = time.monotonic() + 20
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists()
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
