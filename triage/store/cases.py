"""The store's side of cases: stage changes, the actions of each stage, and what a case's
timeline and chronology read (its attempts, recodes, notes, queued absences, siblings and
the audit trail of status changes).

Rows come back as SQLite holds them (ISO text for dates and stamps, JSON text for an
action's detail); :mod:`triage.casework.cases` makes its own records of them. Writes take
the values to store in the same form. Undone rows (``undone_event_id`` set) are left out of
every read. The caller holds the transaction and writes the audit event (see
:mod:`triage.casework.cases`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from triage.store import Store
from triage.store.sql import placeholders


class StageChangeRow(NamedTuple):
    """A row of ``stage_changes`` with the detail of its audit event (JSON text)."""

    id: int
    from_stage: str
    to_stage: str
    reason: str
    review_date: str | None
    at: str
    officer: str
    event_id: int
    detail: str | None  # the ``stage`` event's detail: holiday, confirmed


class ActionRow(NamedTuple):
    """A row of ``actions``."""

    id: int
    pupil_id: int
    kind: str
    date: str
    note: str | None
    due_date: str | None
    status: str | None
    detail: str | None  # JSON text
    at: str
    officer: str
    event_id: int


class AttemptRow(NamedTuple):
    """A contact attempt as a case's timeline shows it (a row of ``attempts``)."""

    event_id: int
    at: str
    officer: str
    channel: str
    outcome: str
    contact_name: str | None
    number: str | None
    date: str  # of the absence
    session: str
    reason_code: str | None
    note: str | None
    callback_at: str | None


_ACTION_COLUMNS = "id, pupil_id, kind, date, note, due_date, status, detail, at, officer, event_id"


# --- stages ----------------------------------------------------------------------------------


def pupil_stage(store: Store, pupil_id: int) -> str | None:
    """The pupil's stage of support; None when there is no such pupil."""
    row = store.conn.execute("SELECT stage FROM pupils WHERE id = ?", (pupil_id,)).fetchone()
    return None if row is None else row[0]


def set_pupil_stage(store: Store, pupil_id: int, stage: str) -> None:
    store.conn.execute("UPDATE pupils SET stage = ? WHERE id = ?", (stage, pupil_id))


def insert_stage_change(
    store: Store,
    *,
    event_id: int,
    pupil_id: int,
    from_stage: str,
    to_stage: str,
    reason: str,
    review_date: str | None,
    at: str,
    officer: str,
) -> int:
    """Insert one stage change; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO stage_changes (event_id, pupil_id, from_stage, to_stage, reason,"
        " review_date, at, officer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, pupil_id, from_stage, to_stage, reason, review_date, at, officer),
    )
    return int(cur.lastrowid or 0)


def stage_changes_of(store: Store, pupil_id: int) -> list[StageChangeRow]:
    """The pupil's stage changes, newest first."""
    return [
        StageChangeRow._make(row)
        for row in store.conn.execute(
            "SELECT s.id, s.from_stage, s.to_stage, s.reason, s.review_date, s.at, s.officer,"
            " s.event_id, e.detail FROM stage_changes s JOIN events e ON e.id = s.event_id"
            " WHERE s.pupil_id = ? AND s.undone_event_id IS NULL ORDER BY s.event_id DESC",
            (pupil_id,),
        )
    ]


def last_stage_change_at(store: Store, pupil_id: int) -> str | None:
    """When the pupil's latest stage change was made (its stamp), or None."""
    row = store.conn.execute(
        "SELECT at FROM stage_changes WHERE pupil_id = ? AND undone_event_id IS NULL"
        " ORDER BY event_id DESC LIMIT 1",
        (pupil_id,),
    ).fetchone()
    return row[0] if row else None


def review_dates(store: Store, review_kind: str) -> list[tuple[int, str | None, int]]:
    """(pupil id, review date, event id) of every stage change and every action of
    ``review_kind``: each sets the review date in force when it is the pupil's latest."""
    return store.conn.execute(
        "SELECT pupil_id, review_date, event_id FROM stage_changes"
        " WHERE undone_event_id IS NULL UNION ALL"
        " SELECT pupil_id, due_date, event_id FROM actions"
        " WHERE kind = ? AND undone_event_id IS NULL",
        (review_kind,),
    ).fetchall()


# --- actions ---------------------------------------------------------------------------------


def insert_action(
    store: Store,
    *,
    event_id: int,
    pupil_id: int,
    kind: str,
    on: str,
    note: str | None,
    due_date: str | None,
    status: str | None,
    detail: str | None,
    at: str,
    officer: str,
) -> int:
    """Insert one action; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO actions (event_id, pupil_id, kind, date, note, due_date, status, detail,"
        " at, officer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, pupil_id, kind, on, note, due_date, status, detail, at, officer),
    )
    return int(cur.lastrowid or 0)


def update_action_status(store: Store, action_id: int, status: str, note: str | None) -> None:
    store.conn.execute(
        "UPDATE actions SET status = ?, note = ? WHERE id = ?", (status, note, action_id)
    )


def update_action_detail(store: Store, action_id: int, detail: str | None) -> None:
    store.conn.execute("UPDATE actions SET detail = ? WHERE id = ?", (detail, action_id))


def has_action_of(store: Store, pupil_id: int, kinds: Iterable[str]) -> bool:
    """Whether the pupil has any action of one of ``kinds``."""
    kinds = sorted(kinds)
    return (
        store.conn.execute(
            "SELECT 1 FROM actions WHERE pupil_id = ? AND undone_event_id IS NULL"
            f" AND kind IN ({placeholders(kinds)}) LIMIT 1",
            (pupil_id, *kinds),
        ).fetchone()
        is not None
    )


def action_by_id(store: Store, action_id: int) -> ActionRow | None:
    row = store.conn.execute(
        f"SELECT {_ACTION_COLUMNS} FROM actions WHERE id = ? AND undone_event_id IS NULL",
        (action_id,),
    ).fetchone()
    return ActionRow._make(row) if row else None


def actions_of(store: Store, pupil_id: int, kind: str | None = None) -> list[ActionRow]:
    """The pupil's actions (optionally of one kind), newest first by date."""
    sql = f"SELECT {_ACTION_COLUMNS} FROM actions WHERE pupil_id = ? AND undone_event_id IS NULL"
    params: list[object] = [pupil_id]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    rows = store.conn.execute(sql + " ORDER BY date DESC, event_id DESC", params)
    return list(map(ActionRow._make, rows))


def actions_of_kind(store: Store, kind: str) -> list[ActionRow]:
    """Every pupil's actions of one kind, by pupil then date."""
    rows = store.conn.execute(
        f"SELECT {_ACTION_COLUMNS} FROM actions WHERE kind = ? AND undone_event_id IS NULL"
        " ORDER BY pupil_id, date, event_id",
        (kind,),
    )
    return list(map(ActionRow._make, rows))


def action_status_events(store: Store, pupil_id: int) -> list[tuple[str, str, str | None]]:
    """(at, officer, detail JSON) of the pupil's ``action-status`` audit events, oldest
    first: a status's history is kept in the audit trail only."""
    return store.conn.execute(
        "SELECT at, officer, detail FROM events WHERE action = ?"
        " AND entity = ? AND entity_id = ? ORDER BY id",
        ("action-status", "pupil", str(pupil_id)),
    ).fetchall()


# --- what a case's timeline reads --------------------------------------------------------------


def attempts_of(store: Store, pupil_id: int) -> list[AttemptRow]:
    """The pupil's contact attempts, in no particular order."""
    rows = store.conn.execute(
        "SELECT event_id, at, officer, channel, outcome, contact_name, number, date, session,"
        " reason_code, note, callback_at FROM attempts"
        " WHERE pupil_id = ? AND undone_event_id IS NULL",
        (pupil_id,),
    )
    return list(map(AttemptRow._make, rows))


def recodes_of(
    store: Store, pupil_id: int
) -> list[tuple[int, str, str, str, str, str, str, str | None]]:
    """The pupil's recodes: (event id, at, officer, date, session, old code, new code,
    reason)."""
    return store.conn.execute(
        "SELECT event_id, at, officer, date, session, old_code, new_code, reason FROM recodes"
        " WHERE pupil_id = ? AND undone_event_id IS NULL",
        (pupil_id,),
    ).fetchall()


def notes_of(store: Store, pupil_id: int) -> list[tuple[int, str, str, str]]:
    """The pupil's notes: (event id, at, officer, text)."""
    return store.conn.execute(
        "SELECT event_id, at, officer, text FROM notes"
        " WHERE pupil_id = ? AND undone_event_id IS NULL",
        (pupil_id,),
    ).fetchall()


def queued_absences(store: Store, pupil_id: int, limit: int) -> list[tuple[str, str, str]]:
    """The pupil's latest ``limit`` sessions the MIS marked N (the morning queue's), newest
    first: (date, session, mark in force)."""
    return store.conn.execute(
        "SELECT date, session, code FROM marks WHERE pupil_id = ? AND queued = 1"
        " ORDER BY date DESC, session DESC LIMIT ?",
        (pupil_id, limit),
    ).fetchall()


def sibling_ids(store: Store, pupil_id: int) -> list[int]:
    """Pupils who share a contact with this one (the importer keeps one row per contact)."""
    return [
        pid
        for (pid,) in store.conn.execute(
            "SELECT DISTINCT b.pupil_id FROM pupil_contacts a"
            " JOIN pupil_contacts b ON b.contact_id = a.contact_id"
            " WHERE a.pupil_id = ? AND b.pupil_id != ?",
            (pupil_id, pupil_id),
        )
    ]
