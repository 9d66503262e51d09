"""Build the demo school's database: generated MIS exports, imported the real way.

The generator (:mod:`triage.demo`) writes CSV files in an MIS shape; this module imports
them through the same importer an officer uses, so the demo exercises the real path.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from triage.demo import DEMO_SCHOOL_NAME, latest_school_day, write_demo_files
from triage.imports.importers import import_files
from triage.store import DB_FILE_NAME, StoreError, current_officer, open_store

DEMO_MARKER = "demo"  # a settings key: only a database carrying it may be rebuilt


def demo_morning(today: date) -> date:
    """The demo morning: today when the demo school is open, else its last open day."""
    return latest_school_day(today)


def demo_db_path(on: date) -> Path:
    """A per-user temporary location, never the officer's real database."""
    folder = Path(tempfile.gettempdir()) / f"attendance-triage-demo-{current_officer()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"demo-{on.isoformat()}{Path(DB_FILE_NAME).suffix}"  # the real file's suffix


def build_demo_database(path: Path, on: date, pupils: int = 1000) -> Path:
    """A fresh demo database at ``path``. Refuses to replace a file that is not a demo."""
    path = Path(path)
    if path.exists():
        with open_store(path, create=False) as existing:
            if existing.setting(DEMO_MARKER) != "1":
                raise StoreError(f"{path} is not a demo database; the demo will not overwrite it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="triage-demo-") as tmp:
        files = write_demo_files(Path(tmp), on, pupils=pupils)
        with open_store(path) as store:
            store.set_setting(DEMO_MARKER, "1")
            store.set_setting("school_name", DEMO_SCHOOL_NAME)
            import_files(store, "pupils", [files.pupils])
            import_files(store, "contacts", [files.contacts])
            import_files(store, "marks", [files.marks])
    os.chmod(path, 0o600)
    return path
