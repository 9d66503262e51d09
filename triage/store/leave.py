"""Leave of absence and part-time timetables: their SQL.

Rows come back as SQLite holds them (ISO text for dates and stamps);
:mod:`triage.casework.leave` and :mod:`triage.casework.timetables` make their own records of
them. The caller holds the transaction and writes the audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from triage.store import Store
from triage.store.sql import placeholders


class LeaveRow(NamedTuple):
    id: int
    pupil_id: int
    first_date: str
    first_session: str
    last_date: str
    last_session: str
    reason: str
    asked_by: str
    asked_on: str
    event_id: int
    at: str
    officer: str
    decision: str | None
    decided_by: str | None
    decided_on: str | None
    decision_note: str | None
    decision_event_id: int | None
    decision_officer: str | None
    decision_at: str | None


_LEAVE_COLUMNS = (
    "id, pupil_id, first_date, first_session, last_date, last_session, reason, asked_by,"
    " asked_on, event_id, at, officer, decision, decided_by, decided_on, decision_note,"
    " decision_event_id, decision_officer, decision_at"
)

# A session as one text sorts in time order: '2027-01-05 AM' < '2027-01-05 PM'.


_LEAVE_INSERT = (
    "pupil_id",
    "first_date",
    "first_session",
    "last_date",
    "last_session",
    "reason",
    "asked_by",
    "asked_on",
    "event_id",
    "at",
    "officer",
)


def insert_leave_request(store: Store, row: dict[str, object]) -> int:
    """Insert a request; ``row`` holds the values of :data:`_LEAVE_INSERT`."""
    cur = store.conn.execute(
        "INSERT INTO leave_requests (pupil_id, first_date, first_session, last_date,"
        " last_session, reason, asked_by, asked_on, event_id, at, officer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row[name] for name in _LEAVE_INSERT],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def decide_leave_request(
    store: Store,
    request_id: int,
    *,
    decision: str,
    decided_by: str,
    decided_on: str,
    note: str | None,
    event_id: int,
    officer: str,
    at: str,
) -> None:
    store.conn.execute(
        "UPDATE leave_requests SET decision = ?, decided_by = ?, decided_on = ?,"
        " decision_note = ?, decision_event_id = ?, decision_officer = ?, decision_at = ?"
        " WHERE id = ?",
        (decision, decided_by, decided_on, note, event_id, officer, at, request_id),
    )


def leave_request(store: Store, request_id: int) -> LeaveRow | None:
    row = store.conn.execute(
        f"SELECT {_LEAVE_COLUMNS} FROM leave_requests WHERE id = ? AND undone_event_id IS NULL",
        (request_id,),
    ).fetchone()
    return None if row is None else LeaveRow(*row)


def leave_requests(store: Store, pupil_ids: Iterable[int] | None = None) -> list[LeaveRow]:
    """Leave requests (of some pupils, or all), the latest leave first."""
    sql = f"SELECT {_LEAVE_COLUMNS} FROM leave_requests WHERE undone_event_id IS NULL"
    params: list[int] = []
    if pupil_ids is not None:
        params = list(pupil_ids)
        sql += f" AND pupil_id IN ({placeholders(params)})"
    sql += " ORDER BY first_date DESC, id DESC"
    return [LeaveRow(*r) for r in store.conn.execute(sql, params)]


def granted_leave_covers(store: Store, pupil_id: int, day: str, session: str) -> bool:
    """Whether a granted leave request of the pupil covers the session."""
    slot = f"{day} {session}"
    row = store.conn.execute(
        "SELECT 1 FROM leave_requests WHERE pupil_id = ? AND decision = 'granted'"
        " AND undone_event_id IS NULL"
        " AND first_date || ' ' || first_session <= ?"
        " AND last_date || ' ' || last_session >= ? LIMIT 1",
        (pupil_id, slot, slot),
    ).fetchone()
    return row is not None


def marks_in_leave(
    store: Store, pupil_id: int, first: str, last: str, code: str
) -> list[tuple[str, str, int]]:
    """The pupil's marks with ``code`` from session ``first`` to ``last`` (each
    'YYYY-MM-DD AM|PM'): (date, session, amended)."""
    return [
        (d, s, a)
        for d, s, a in store.conn.execute(
            "SELECT date, session, amended FROM marks WHERE pupil_id = ? AND code = ?"
            " AND date || ' ' || session BETWEEN ? AND ? ORDER BY date, session",
            (pupil_id, code, first, last),
        )
    ]


# --- part-time timetables ---------------------------------------------------------------------


class TimetableRow(NamedTuple):
    id: int
    pupil_id: int
    starts: str
    planned_end: str
    review_dates: str  # JSON list of ISO dates
    agreed_with: str
    agreed_on: str
    la_notified_on: str | None
    ended_on: str | None
    note: str | None
    event_id: int
    at: str
    officer: str


_TIMETABLE_COLUMNS = (
    "id, pupil_id, starts, planned_end, review_dates, agreed_with, agreed_on, la_notified_on,"
    " ended_on, note, event_id, at, officer"
)


_TIMETABLE_INSERT = (
    "pupil_id",
    "starts",
    "planned_end",
    "review_dates",
    "agreed_with",
    "agreed_on",
    "la_notified_on",
    "note",
    "event_id",
    "at",
    "officer",
)


def insert_timetable(store: Store, row: dict[str, object]) -> int:
    """Insert a timetable; ``row`` holds the values of :data:`_TIMETABLE_INSERT`."""
    cur = store.conn.execute(
        "INSERT INTO part_time_timetables (pupil_id, starts, planned_end, review_dates,"
        " agreed_with, agreed_on, la_notified_on, note, event_id, at, officer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row[name] for name in _TIMETABLE_INSERT],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def set_la_notified(store: Store, timetable_id: int, on: str) -> None:
    store.conn.execute(
        "UPDATE part_time_timetables SET la_notified_on = ? WHERE id = ?", (on, timetable_id)
    )


def set_review_dates(store: Store, timetable_id: int, review_dates: str) -> None:
    store.conn.execute(
        "UPDATE part_time_timetables SET review_dates = ? WHERE id = ?",
        (review_dates, timetable_id),
    )


def set_ended(store: Store, timetable_id: int, on: str) -> None:
    store.conn.execute(
        "UPDATE part_time_timetables SET ended_on = ? WHERE id = ?", (on, timetable_id)
    )


def timetable(store: Store, timetable_id: int) -> TimetableRow | None:
    row = store.conn.execute(
        f"SELECT {_TIMETABLE_COLUMNS} FROM part_time_timetables"
        " WHERE id = ? AND undone_event_id IS NULL",
        (timetable_id,),
    ).fetchone()
    return None if row is None else TimetableRow(*row)


def timetables(store: Store, pupil_ids: Iterable[int] | None = None) -> list[TimetableRow]:
    """Part-time timetables (of some pupils, or all), the latest start first."""
    sql = f"SELECT {_TIMETABLE_COLUMNS} FROM part_time_timetables WHERE undone_event_id IS NULL"
    params: list[int] = []
    if pupil_ids is not None:
        params = list(pupil_ids)
        sql += f" AND pupil_id IN ({placeholders(params)})"
    sql += " ORDER BY starts DESC, id DESC"
    return [TimetableRow(*r) for r in store.conn.execute(sql, params)]


def insert_review(
    store: Store, timetable_id: int, reviewed_on: str, note: str | None, event_id: int, at: str
) -> int:
    cur = store.conn.execute(
        "INSERT INTO timetable_reviews (timetable_id, reviewed_on, note, event_id, at, officer)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (timetable_id, reviewed_on, note, event_id, at, store.officer),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def reviews(
    store: Store, timetable_ids: Iterable[int]
) -> dict[int, list[tuple[str, str | None, str, str]]]:
    """Each timetable's reviews, oldest first: (reviewed_on, note, at, officer)."""
    ids = list(timetable_ids)
    found: dict[int, list[tuple[str, str | None, str, str]]] = {}
    for tid, on, note, at, officer in store.conn.execute(
        "SELECT timetable_id, reviewed_on, note, at, officer FROM timetable_reviews"
        f" WHERE timetable_id IN ({placeholders(ids)}) AND undone_event_id IS NULL"
        " ORDER BY reviewed_on, id",
        ids,
    ):
        found.setdefault(tid, []).append((on, note, at, officer))
    return found


# --- undo ---------------------------------------------------------------------------------------


def decided_request_of_event(store: Store, event_id: int) -> bool:
    """Whether the request an event recorded has a decision now."""
    row = store.conn.execute(
        "SELECT 1 FROM leave_requests WHERE event_id = ? AND decision IS NOT NULL", (event_id,)
    ).fetchone()
    return row is not None


def clear_decision_of_event(store: Store, event_id: int) -> list[int]:
    """Undo a decision: the request it decided waits for one again. Returns the pupil."""
    rows = store.conn.execute(
        "SELECT pupil_id FROM leave_requests WHERE decision_event_id = ?", (event_id,)
    ).fetchall()
    store.conn.execute(
        "UPDATE leave_requests SET decision = NULL, decided_by = NULL, decided_on = NULL,"
        " decision_note = NULL, decision_event_id = NULL, decision_officer = NULL,"
        " decision_at = NULL WHERE decision_event_id = ?",
        (event_id,),
    )
    return [r[0] for r in rows]


def clear_la_notified(store: Store, timetable_id: int, if_on: str) -> None:
    store.conn.execute(
        "UPDATE part_time_timetables SET la_notified_on = NULL WHERE id = ? AND la_notified_on = ?",
        (timetable_id, if_on),
    )


def clear_ended(store: Store, timetable_id: int, if_on: str) -> None:
    store.conn.execute(
        "UPDATE part_time_timetables SET ended_on = NULL WHERE id = ? AND ended_on = ?",
        (timetable_id, if_on),
    )
