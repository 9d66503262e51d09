"""Leaving the roll and children missing education: their SQL.

Rows come back as SQLite holds them (ISO text for dates and stamps);
:mod:`triage.casework.roll` makes its own records of them. The caller holds the
transaction and writes the audit event. Rows are only ever inserted, and marked undone
(``undone_event_id``) by an undo.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from triage.store import Store
from triage.store.sql import placeholders


class DeletionRow(NamedTuple):
    id: int
    pupil_id: int
    ground: str
    deleted_on: str
    detail: str | None  # JSON
    la_told_on: str
    la_told_how: str
    la_reference: str | None
    note: str | None
    event_id: int
    at: str
    officer: str


_DELETION_COLUMNS = (
    "id, pupil_id, ground, deleted_on, detail, la_told_on, la_told_how, la_reference, note,"
    " event_id, at, officer"
)


def insert_deletion(store: Store, row: dict[str, object]) -> int:
    """Insert a deletion; ``row`` holds :class:`DeletionRow`'s fields but ``id``."""
    cur = store.conn.execute(
        "INSERT INTO roll_deletions (pupil_id, ground, deleted_on, detail, la_told_on,"
        " la_told_how, la_reference, note, event_id, at, officer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row[n] for n in DeletionRow._fields[1:]],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def deletions(store: Store, pupil_ids: Iterable[int] | None = None) -> list[DeletionRow]:
    """Deletions from the roll (of some pupils, or all) not undone, the latest first."""
    sql = f"SELECT {_DELETION_COLUMNS} FROM roll_deletions WHERE undone_event_id IS NULL"
    params: list[int] = []
    if pupil_ids is not None:
        params = list(pupil_ids)
        sql += f" AND pupil_id IN ({placeholders(params)})"
    sql += " ORDER BY deleted_on DESC, id DESC"
    return [DeletionRow(*r) for r in store.conn.execute(sql, params)]


class CmeRow(NamedTuple):
    id: int
    pupil_id: int
    kind: str  # 'enquiry' or 'notified'
    made_on: str
    made_by: str | None  # an enquiry's: 'school' or 'la'
    person: str | None
    contacted: str | None
    what: str | None
    how: str | None
    reference: str | None
    reply: str | None
    event_id: int
    at: str
    officer: str


_CME_COLUMNS = (
    "id, pupil_id, kind, made_on, made_by, person, contacted, what, how, reference, reply,"
    " event_id, at, officer"
)


def insert_cme(store: Store, row: dict[str, object]) -> int:
    """Insert an enquiry or a notification; ``row`` holds :class:`CmeRow`'s fields but
    ``id`` (those it lacks are NULL)."""
    cur = store.conn.execute(
        "INSERT INTO cme_records (pupil_id, kind, made_on, made_by, person, contacted, what,"
        " how, reference, reply, event_id, at, officer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row.get(n) for n in CmeRow._fields[1:]],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def cme_records(
    store: Store, pupil_ids: Iterable[int] | None = None, kind: str | None = None
) -> list[CmeRow]:
    """Enquiries and notifications (of some pupils, or all; of one kind, or both) not undone,
    the latest first."""
    sql = f"SELECT {_CME_COLUMNS} FROM cme_records WHERE undone_event_id IS NULL"
    params: list[object] = []
    if pupil_ids is not None:
        ids = list(pupil_ids)
        sql += f" AND pupil_id IN ({placeholders(ids)})"
        params += ids
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY made_on DESC, id DESC"
    return [CmeRow(*r) for r in store.conn.execute(sql, params)]
