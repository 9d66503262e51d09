"""The SQL of the officer's logbook (:mod:`triage.morning.logbook`): attempts, recodes of
marks, notes, undoing an action, and claims on a family.

Each function is one statement (or a few that belong together) run on the caller's
transaction: the domain opens the transaction and writes the audit event; these only read
and write rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from triage.model import Attempt
from triage.store import Store, StoreError
from triage.store.leave import granted_leave_covers
from triage.store.sql import placeholders

LEAVE_CODE = "C"  # leave of absence in exceptional circumstances: only with granted leave

# --- marks and their recodes ---------------------------------------------------------------


def session_mark(store: Store, pupil_id: int, on: date, session: str) -> tuple[str, bool] | None:
    """(code, amended in the app) of a pupil's mark for a session, None when there is none."""
    row = store.conn.execute(
        "SELECT code, amended FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
        (pupil_id, on.isoformat(), session),
    ).fetchone()
    return None if row is None else (row[0], bool(row[1]))


def recode_marks(
    store: Store,
    event_id: int,
    recodes: Iterable[Mapping[str, Any]],
    reason: str | None,
    at: str,
) -> None:
    """Give each mark its new code, and keep the recode (``pupil_id``, ``date``,
    ``session``, ``before``, ``after``) against the action's audit event so an undo can put
    it back. ``date_codes`` learns the new code (the school-day reads come from it).

    A mark becomes ``C`` only where a granted leave request covers its session (the 2024
    registration regulations: leave is granted by the head teacher, in advance): checked
    here too, so no path can write one without it (:mod:`triage.casework.leave`)."""
    recodes = list(recodes)
    for r in recodes:
        if r["after"] == LEAVE_CODE and not granted_leave_covers(
            store, r["pupil_id"], r["date"], r["session"]
        ):
            raise StoreError(
                f"no granted leave covers {r['date']} {r['session']}: C (leave granted) "
                "cannot be recorded; record G (holiday not granted) or O instead"
            )
    for r in recodes:
        store.conn.execute(
            "UPDATE marks SET code = ?, amended = 1"
            " WHERE pupil_id = ? AND date = ? AND session = ?",
            (r["after"], r["pupil_id"], r["date"], r["session"]),
        )
        store.conn.execute(
            "INSERT OR IGNORE INTO date_codes (date, code) VALUES (?, ?)",
            (r["date"], r["after"]),
        )
        store.conn.execute(
            "INSERT INTO recodes (event_id, pupil_id, date, session, old_code, new_code, reason,"
            " at, officer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                r["pupil_id"],
                r["date"],
                r["session"],
                r["before"],
                r["after"],
                reason,
                at,
                store.officer,
            ),
        )


# --- attempts and notes --------------------------------------------------------------------


def insert_attempts(
    store: Store,
    event_id: int,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    *,
    at: str,
    channel: str,
    outcome: str,
    contact_id: int | None,
    contact_name: str | None,
    number: str | None,
    reason_code: str | None,
    note: str | None,
    callback_at: str | None,
) -> None:
    """One attempt row per pupil (a family call covers siblings), by this officer."""
    store.conn.executemany(
        "INSERT INTO attempts (event_id, pupil_id, date, session, at, officer, channel,"
        " outcome, contact_id, contact_name, number, reason_code, note, callback_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                event_id,
                pid,
                on.isoformat(),
                session,
                at,
                store.officer,
                channel,
                outcome,
                contact_id,
                contact_name,
                number,
                reason_code,
                note,
                callback_at,
            )
            for pid in pupil_ids
        ],
    )


def attempts_in_session(
    store: Store, on: date, session: str, pupil_ids: Sequence[int] | None = None
) -> dict[int, list[Attempt]]:
    """Pupil id -> the attempts not undone about their absence in a session, in the order
    they were written (only ``pupil_ids``' when given). The queue loads on this: one query,
    rows made straight into :class:`Attempt`."""
    result: dict[int, list[Attempt]] = {}
    some = "" if pupil_ids is None else f" AND pupil_id IN ({placeholders(pupil_ids)})"
    for pid, at, officer, channel, out, contact_id, reason, callback in store.conn.execute(
        "SELECT pupil_id, at, officer, channel, outcome, contact_id, reason_code, callback_at"
        f" FROM attempts WHERE date = ? AND session = ? AND undone_event_id IS NULL{some}"
        " ORDER BY id",
        (on.isoformat(), session, *(pupil_ids or ())),
    ):
        result.setdefault(pid, []).append(
            Attempt(
                at=datetime.fromisoformat(at),
                officer=officer,
                channel=channel,
                outcome=out,
                contact_id=contact_id,
                reason_code=reason,
                callback_at=datetime.fromisoformat(callback) if callback else None,
            )
        )
    return result


def insert_note(store: Store, event_id: int, pupil_id: int, at: str, text: str) -> None:
    store.conn.execute(
        "INSERT INTO notes (event_id, pupil_id, at, officer, text) VALUES (?, ?, ?, ?, ?)",
        (event_id, pupil_id, at, store.officer, text),
    )


# --- undo ----------------------------------------------------------------------------------


def last_action_not_undone(store: Store, actions: Sequence[str]) -> tuple[int, str] | None:
    """(event id, action) of this officer's latest audit event among ``actions`` that no
    ``undo`` event names, or None."""
    row = store.conn.execute(
        f"SELECT id, action FROM events WHERE officer = ? AND action IN ({placeholders(actions)})"
        " AND id NOT IN (SELECT CAST(entity_id AS INTEGER) FROM events WHERE action = ?)"
        " ORDER BY id DESC LIMIT 1",
        (store.officer, *actions, "undo"),
    ).fetchone()
    return None if row is None else (row[0], row[1])


# Rows written by an action and marked undone (never deleted) by its undo. Table names
# cannot be parameters: they come from this list only.
_UNDONE_BY_EVENT = (
    "attempts",
    "notes",
    "actions",
    "stage_changes",
    "leave_requests",
    "part_time_timetables",
    "timetable_reviews",
    "roll_deletions",
    "cme_records",
)


def _undoable_table(table: str) -> str:
    if table not in _UNDONE_BY_EVENT:
        raise ValueError(f"{table!r} has no rows an undo marks")
    return table


def pupils_of_event(store: Store, table: str, event_id: int) -> list[int]:
    """The pupil ids of the rows of ``table`` that an event wrote, in row order."""
    return [
        pid
        for (pid,) in store.conn.execute(
            f"SELECT pupil_id FROM {_undoable_table(table)} WHERE event_id = ?", (event_id,)
        )
    ]


def mark_undone(store: Store, table: str, event_id: int, undo_id: int) -> None:
    """Mark the rows of ``table`` that an event wrote as undone by ``undo_id``."""
    store.conn.execute(
        f"UPDATE {_undoable_table(table)} SET undone_event_id = ? WHERE event_id = ?",
        (undo_id, event_id),
    )


class RecodeRow(NamedTuple):
    id: int
    pupil_id: int
    date: str
    session: str
    old_code: str
    new_code: str


def recodes_of(store: Store, event_id: int) -> list[RecodeRow]:
    return [
        RecodeRow(*row)
        for row in store.conn.execute(
            "SELECT id, pupil_id, date, session, old_code, new_code FROM recodes"
            " WHERE event_id = ?",
            (event_id,),
        )
    ]


def restore_mark(store: Store, recode: RecodeRow, undo_id: int) -> int:
    """Put a recoded mark back to its old code, unless it has changed since the recode (a
    later import or another officer); the recode is marked undone either way. Returns 1
    when the mark went back, else 0."""
    restored = store.conn.execute(
        "UPDATE marks SET code = ?, amended = (? != mis_code)"
        " WHERE pupil_id = ? AND date = ? AND session = ? AND code = ? AND amended = 1",
        (
            recode.old_code,
            recode.old_code,
            recode.pupil_id,
            recode.date,
            recode.session,
            recode.new_code,
        ),
    ).rowcount
    store.conn.execute("UPDATE recodes SET undone_event_id = ? WHERE id = ?", (undo_id, recode.id))
    return restored


def stage_changes_of(store: Store, event_id: int) -> list[tuple[int, str, str]]:
    """(pupil id, from stage, to stage) of the stage changes an event wrote."""
    return [
        (pid, from_stage, to_stage)
        for pid, from_stage, to_stage in store.conn.execute(
            "SELECT pupil_id, from_stage, to_stage FROM stage_changes WHERE event_id = ?",
            (event_id,),
        )
    ]


def restore_stage(store: Store, pupil_id: int, from_stage: str, to_stage: str) -> int:
    """Move a pupil back to ``from_stage`` if still at ``to_stage`` (nobody has moved them
    since); 1 when moved, else 0."""
    return store.conn.execute(
        "UPDATE pupils SET stage = ? WHERE id = ? AND stage = ?",
        (from_stage, pupil_id, to_stage),
    ).rowcount


def event_subject(store: Store, event_id: int) -> tuple[str | None, str | None] | None:
    """(entity id, detail JSON text) of an audit event, None when there is no such event."""
    row = store.conn.execute(
        "SELECT entity_id, detail FROM events WHERE id = ?", (event_id,)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def restore_action_status(
    store: Store, action_id: int, status: str | None, note: str | None, if_status: str | None
) -> int:
    """Give an action back its status and note, only if its status is still ``if_status``
    (the one the undone change set); 1 when put back, else 0."""
    return store.conn.execute(
        "UPDATE actions SET status = ?, note = ? WHERE id = ? AND status IS ?",
        (status, note, action_id, if_status),
    ).rowcount


def restore_action_detail(store: Store, action_id: int, detail: dict[str, object]) -> None:
    """Give an action back the detail an undone status change replaced."""
    store.conn.execute(
        "UPDATE actions SET detail = ? WHERE id = ?",
        (json.dumps(detail, sort_keys=True, ensure_ascii=False) if detail else None, action_id),
    )


def withdraw_acks_of(store: Store, event_id: int) -> list[int]:
    """Delete the alert acknowledgements an event wrote; returns the pupil ids they were
    about (read first, in row order)."""
    pupils = [
        pid
        for (pid,) in store.conn.execute(
            "SELECT pupil_id FROM alert_acks WHERE event_id = ?", (event_id,)
        )
    ]
    store.conn.execute("DELETE FROM alert_acks WHERE event_id = ?", (event_id,))
    return pupils


# --- claims --------------------------------------------------------------------------------


def upsert_claims(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    claimed_at: str,
    expires_at: str,
) -> None:
    """Claim these pupils' session for this officer (taking over any claim on them)."""
    store.conn.executemany(
        "INSERT INTO claims (pupil_id, date, session, officer, claimed_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pupil_id, date, session) DO UPDATE SET"
        " officer = excluded.officer, claimed_at = excluded.claimed_at,"
        " expires_at = excluded.expires_at",
        [
            (pid, on.isoformat(), session, store.officer, claimed_at, expires_at)
            for pid in pupil_ids
        ],
    )


def delete_claims_of(store: Store, pupil_ids: Sequence[int], on: date, session: str) -> None:
    """Delete this officer's claims on these pupils' session (others' claims stay)."""
    store.conn.executemany(
        "DELETE FROM claims WHERE pupil_id = ? AND date = ? AND session = ? AND officer = ?",
        [(pid, on.isoformat(), session, store.officer) for pid in pupil_ids],
    )


def delete_all_claims_of(store: Store) -> None:
    """Delete every claim this officer holds."""
    store.conn.execute("DELETE FROM claims WHERE officer = ?", (store.officer,))


def others_live_claims(store: Store, on: date, session: str, now: str) -> dict[int, str]:
    """Pupil id -> officer, for other officers' claims on the session that expire after
    ``now`` (a UTC stamp: claims' times are compared as text)."""
    return {
        pid: officer
        for pid, officer in store.conn.execute(
            "SELECT pupil_id, officer FROM claims WHERE date = ? AND session = ?"
            " AND expires_at > ? AND officer != ?",
            (on.isoformat(), session, now, store.officer),
        )
    }
