"""The SQL of home visits (:mod:`triage.visits`): the rows of a day's planned, dropped,
started and ended visits. Writes run on the caller's transaction; the domain decides what
is written and writes the audit event."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from triage.store import Store


class VisitRow(NamedTuple):
    id: int
    date: date
    session: str
    pupil_ids: tuple[int, ...]
    state: str  # planned, dropped, started, ended
    officer: str | None
    started_by: str | None
    started_at: str | None  # local stamp
    expected_back: str | None  # UTC stamp
    escalated_at: str | None
    escalated_by: str | None
    ended_at: str | None
    ended_by: str | None
    outcome: str | None
    reason_code: str | None
    note: str | None


_COLUMNS = (
    "id, date, session, pupil_ids, state, officer, started_by, started_at, expected_back,"
    " escalated_at, escalated_by, ended_at, ended_by, outcome, reason_code, note"
)


def _row(values: Sequence[Any]) -> VisitRow:
    fields = list(values)
    fields[1] = date.fromisoformat(fields[1])
    fields[3] = tuple(json.loads(fields[3]))
    return VisitRow(*fields)


def visits_on(store: Store, on: date) -> list[VisitRow]:
    """Every visit row of a day, oldest first."""
    return [
        _row(r)
        for r in store.conn.execute(
            f"SELECT {_COLUMNS} FROM visits WHERE date = ? ORDER BY id", (on.isoformat(),)
        )
    ]


def visit(store: Store, visit_id: int) -> VisitRow | None:
    found = store.conn.execute(
        f"SELECT {_COLUMNS} FROM visits WHERE id = ?", (visit_id,)
    ).fetchone()
    return _row(found) if found else None


def open_visits(store: Store) -> list[VisitRow]:
    """Visits started and not ended, on any day (the overdue banner's one cheap read)."""
    return [
        _row(r)
        for r in store.conn.execute(
            f"SELECT {_COLUMNS} FROM visits WHERE state = 'started' ORDER BY expected_back, id"
        )
    ]


def insert_visit(
    store: Store,
    event_id: int,
    on: date,
    session: str,
    pupil_ids: Sequence[int],
    state: str,
    officer: str | None,
) -> int:
    ids = sorted(pupil_ids)
    cur = store.conn.execute(
        "INSERT INTO visits (date, session, pupil_ids, first_pupil_id, state, officer, event_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (on.isoformat(), session, json.dumps(ids), ids[0], state, officer, event_id),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


_MUTABLE = (
    "state", "officer", "started_by", "started_at", "expected_back", "escalated_at",
    "escalated_by", "ended_at", "ended_by", "outcome", "reason_code", "note",
)  # fmt: skip


def update_visit(store: Store, visit_id: int, event_id: int, **changes: str | None) -> None:
    """Set these columns of one visit (the row is read, changed and written back whole:
    one fixed statement)."""
    unknown = set(changes) - set(_MUTABLE)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    row = visit(store, visit_id)
    if row is None:
        raise KeyError(visit_id)
    values = {name: changes.get(name, getattr(row, name)) for name in _MUTABLE}
    store.conn.execute(
        "UPDATE visits SET state = ?, officer = ?, started_by = ?, started_at = ?,"
        " expected_back = ?, escalated_at = ?, escalated_by = ?, ended_at = ?, ended_by = ?,"
        " outcome = ?, reason_code = ?, note = ?, event_id = ? WHERE id = ?",
        (*values.values(), event_id, visit_id),
    )


def visited_pupils(store: Store, on: date) -> set[int]:
    """Pupils with a home visit logged on a day (an attempt on the visit channel, not
    undone), however it was recorded: from the visits screen or with `v` on the queue."""
    return {
        pid
        for (pid,) in store.conn.execute(
            "SELECT DISTINCT pupil_id FROM attempts WHERE date = ? AND channel = 'visit'"
            " AND undone_event_id IS NULL",
            (on.isoformat(),),
        )
    }
