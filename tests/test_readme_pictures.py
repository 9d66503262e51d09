"""The README's pictures are the snapshot tests' own pictures, so they cannot go stale.

Each picture in docs/pictures/ is a copy of one snapshot (an SVG that a snapshot test
compares the screen with, and that a person has reviewed by eye). These tests fail when a
picture differs from its snapshot, or when the README does not show it. After accepting a
snapshot change (`--snapshot-update`, then looking at it), copy the pictures again with

    make pictures        (or: .venv/bin/python -m tests.test_readme_pictures)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "__snapshots__"
PICTURES = ROOT / "docs" / "pictures"
README = ROOT / "README.md"

# picture in docs/pictures -> the snapshot it copies (test module / test name)
SOURCES = {
    "queue.svg": "test_queue_screen/test_queue_after_a_few_outcomes_snapshot_120x40.svg",
    "call-dialog.svg": "test_queue_screen/test_outcome_dialog_for_siblings_snapshot_80x24.svg",
    "ladder.svg": "test_snapshots/test_ladder_view_snapshot_80x24.svg",
    "help.svg": "test_snapshots/test_help_snapshot_80x24.svg",
    "case.svg": "test_snapshots/test_case_snapshot_120x40.svg",
    "register.svg": "test_case_screen/test_the_register_grid_reads_at_80x24.svg",
    "caseload.svg": "test_snapshots/test_caseload_snapshot_120x40.svg",
    "summary.svg": "test_snapshots/test_summary_snapshot_120x40.svg",
}


def copy_pictures() -> list[str]:
    """Copy every snapshot to its picture; the names of the pictures that changed."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    changed = []
    for picture, source in SOURCES.items():
        target = PICTURES / picture
        if not target.exists() or target.read_bytes() != (SNAPSHOTS / source).read_bytes():
            shutil.copyfile(SNAPSHOTS / source, target)
            changed.append(picture)
    for stale in sorted(set(p.name for p in PICTURES.glob("*.svg")) - set(SOURCES)):
        (PICTURES / stale).unlink()
        changed.append(f"{stale} (removed)")
    return changed


@pytest.mark.parametrize("picture", sorted(SOURCES))
def test_each_readme_picture_is_its_snapshot(picture: str) -> None:
    source = SNAPSHOTS / SOURCES[picture]
    assert source.exists(), f"{SOURCES[picture]} is gone: point {picture} at another snapshot"
    assert (PICTURES / picture).exists(), f"run `make pictures`: {picture} is missing"
    assert (PICTURES / picture).read_bytes() == source.read_bytes(), (
        f"docs/pictures/{picture} differs from its snapshot: run `make pictures`"
    )


def test_the_readme_shows_every_picture_and_no_other() -> None:
    text = README.read_text(encoding="utf-8")
    shown = {name for name in SOURCES if f"docs/pictures/{name}" in text}
    assert shown == set(SOURCES)
    assert set(p.name for p in PICTURES.glob("*.svg")) == set(SOURCES)


if __name__ == "__main__":
    changed = copy_pictures()
    print("\n".join(f"docs/pictures/{name}" for name in changed) or "every picture is current")
    sys.exit(0)
