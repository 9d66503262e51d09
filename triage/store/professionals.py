"""The professionals around a child (social worker, virtual school): their SQL."""

from __future__ import annotations

from collections.abc import Iterable

from triage.model import Professional
from triage.store import Store
from triage.store.sql import placeholders


def professionals_of(store: Store, pupil_ids: Iterable[int]) -> dict[int, list[Professional]]:
    """Each pupil's professionals, social worker first."""
    ids = list(pupil_ids)
    found: dict[int, list[Professional]] = {}
    for row in store.conn.execute(
        "SELECT pupil_id, role, name, team, phone, email FROM professionals"
        f" WHERE pupil_id IN ({placeholders(ids)}) ORDER BY pupil_id, role",
        ids,
    ):
        found.setdefault(row[0], []).append(Professional(*row))
    return found


def professional(store: Store, pupil_id: int, role: str) -> Professional | None:
    row = store.conn.execute(
        "SELECT pupil_id, role, name, team, phone, email FROM professionals"
        " WHERE pupil_id = ? AND role = ?",
        (pupil_id, role),
    ).fetchone()
    return None if row is None else Professional(*row)


def upsert_professionals(store: Store, rows: Iterable[Professional], at: str) -> None:
    """Record (or replace) one professional of each role per pupil."""
    store.conn.executemany(
        "INSERT INTO professionals (pupil_id, role, name, team, phone, email, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pupil_id, role) DO UPDATE SET"
        " name = excluded.name, team = excluded.team, phone = excluded.phone,"
        " email = excluded.email, updated_at = excluded.updated_at",
        [(*p, at) for p in rows],
    )


def delete_professional(store: Store, pupil_id: int, role: str) -> None:
    store.conn.execute(
        "DELETE FROM professionals WHERE pupil_id = ? AND role = ?", (pupil_id, role)
    )
