"""Keeping the database safe: online backups and integrity checks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from triage.store import Store, StoreError


def backup(store: Store, dest: Path) -> Path:
    """A consistent copy made with SQLite's online backup API, so other officers can keep
    writing while it runs. ``dest`` is a new file (or a folder to put it in), made 0600:
    it holds children's data. An existing file is never overwritten."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        dest = dest / f"{store.path.stem}-backup.db"
    if dest.exists():
        raise StoreError(f"{dest} already exists; choose a new name")
    if dest.resolve() == store.path.resolve():
        raise StoreError("the backup cannot be the database itself")
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create {dest}: {exc.strerror}") from exc
    os.close(fd)
    target = sqlite3.connect(dest)
    try:
        store.conn.backup(target, pages=1024)
    except sqlite3.Error as exc:
        target.close()
        dest.unlink(missing_ok=True)
        raise StoreError(f"the backup failed and was removed: {exc}") from exc
    target.close()
    return dest


def check(store: Store) -> list[str]:
    """Problems found by PRAGMA integrity_check and foreign_key_check (empty: all well)."""
    problems = [row[0] for row in store.conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    for table, rowid, parent, _fk in store.conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"{table} row {rowid} points at a missing {parent} row")
    return problems
