"""Keeping the database safe: online backups and integrity checks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from triage.store import DAMAGED, Store, StoreError


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
        # A backup of a damaged database copies the damage: check the copy, not the hope.
        verdict = target.execute("PRAGMA integrity_check(1)").fetchone()[0]
    except sqlite3.Error as exc:
        verdict = str(exc)
    target.close()
    if verdict != "ok":
        dest.unlink(missing_ok=True)
        raise StoreError(
            f"the database is damaged ({verdict}): no backup was made, since it would copy "
            "the damage. Restore the last good backup (run triage check on it first)"
        )
    return dest


def check(store: Store) -> list[str]:
    """Problems found by PRAGMA integrity_check and foreign_key_check (empty: all well);
    a file too damaged to be checked says so, with what to do, in one line."""
    try:
        problems = [
            row[0] for row in store.conn.execute("PRAGMA integrity_check") if row[0] != "ok"
        ]
        for table, rowid, parent, _fk in store.conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid} points at a missing {parent} row")
    except sqlite3.DatabaseError as exc:
        return [f"{DAMAGED} ({exc})"]
    if problems:
        problems.append(DAMAGED)
    return problems
