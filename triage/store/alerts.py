"""The store's side of alerts: the cheap counts and marks :func:`triage.casework.alerts.alerts_for`
reads for every pupil, and the acknowledgements (``alert_acks``).

An acknowledgement is kept against (pupil, kind, arose on); its dates and stamp come back as
SQLite holds them (ISO text). The caller holds the transaction and writes the audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from triage.codes import ATTENDING_CODES, NOT_YET_PROVIDED, POSSIBLE_CODES, UNAUTHORISED_CODES
from triage.model import Mark
from triage.store import Store
from triage.store.sql import placeholders

# Sorted once: the codes are bound as parameters, in a fixed order.
_POSSIBLE = tuple(sorted(POSSIBLE_CODES))
_ATTENDING = tuple(sorted(ATTENDING_CODES))
_UNAUTHORISED = tuple(sorted(UNAUTHORISED_CODES))


class AckRow(NamedTuple):
    """A row of ``alert_acks``."""

    pupil_id: int
    kind: str
    arose_on: str
    event_id: int
    at: str
    officer: str


_ACK_COLUMNS = "pupil_id, kind, arose_on, event_id, at, officer"


def _pupil_clause(ids: Sequence[int] | None) -> str:
    return "" if ids is None else f" AND pupil_id IN ({placeholders(ids)})"


def year_counts(
    store: Store, ids: Sequence[int] | None, start: date, end: date
) -> dict[int, tuple[int, int]]:
    """Pupil id -> (possible, attending) sessions from ``start`` to ``end`` (every pupil's,
    or ``ids``'): the inputs of :func:`triage.rules.attendance`, counted by SQLite."""
    return {
        pid: (possible or 0, attending or 0)
        for pid, possible, attending in store.conn.execute(
            f"SELECT pupil_id, SUM(code IN ({placeholders(_POSSIBLE)})),"
            f" SUM(code IN ({placeholders(_ATTENDING)})) FROM marks"
            f" WHERE date >= ? AND date <= ?{_pupil_clause(ids)} GROUP BY pupil_id",
            (*_POSSIBLE, *_ATTENDING, start.isoformat(), end.isoformat(), *(ids or ())),
        )
    }


def unauthorised_marks(
    store: Store, ids: Sequence[int] | None, start: date, end: date
) -> dict[int, list[Mark]]:
    """Unauthorised marks from ``start`` to ``end``, and every ``N`` before ``start`` (an N
    never stops needing a recode), in date order, grouped by pupil (every pupil's, or
    ``ids``')."""
    result: dict[int, list[Mark]] = {}
    parsed: dict[str, date] = {}
    for pid, d, session, code in store.conn.execute(
        f"SELECT pupil_id, date, session, code FROM marks"
        f" WHERE code IN ({placeholders(_UNAUTHORISED)}) AND (date >= ? OR code = ?)"
        f" AND date <= ?{_pupil_clause(ids)} ORDER BY pupil_id, date, session",
        (*_UNAUTHORISED, start.isoformat(), NOT_YET_PROVIDED, end.isoformat(), *(ids or ())),
    ):
        day = parsed.get(d) or parsed.setdefault(d, date.fromisoformat(d))
        result.setdefault(pid, []).append(Mark(pid, day, session, code))
    return result


def marks_with_code(
    store: Store, ids: Sequence[int] | None, code: str, start: date, end: date
) -> dict[int, list[Mark]]:
    """Marks of one code (``I``: illness; ``C2``: part-time timetable) from ``start`` to
    ``end``, in date order, grouped by pupil (every pupil's, or ``ids``')."""
    result: dict[int, list[Mark]] = {}
    for pid, d, session in store.conn.execute(
        "SELECT pupil_id, date, session FROM marks WHERE code = ? AND date >= ? AND date <= ?"
        f"{_pupil_clause(ids)} ORDER BY pupil_id, date, session",
        (code, start.isoformat(), end.isoformat(), *(ids or ())),
    ):
        result.setdefault(pid, []).append(Mark(pid, date.fromisoformat(d), session, code))
    return result


def acknowledgements(store: Store) -> list[AckRow]:
    """Every acknowledgement of every pupil."""
    return list(map(AckRow._make, store.conn.execute(f"SELECT {_ACK_COLUMNS} FROM alert_acks")))


def acknowledgements_of(store: Store, pupil_id: int) -> list[AckRow]:
    """The pupil's acknowledgements (for the case's timeline)."""
    return list(
        map(
            AckRow._make,
            store.conn.execute(
                f"SELECT {_ACK_COLUMNS} FROM alert_acks WHERE pupil_id = ?", (pupil_id,)
            ),
        )
    )


def acknowledgement(store: Store, pupil_id: int, kind: str, arose_on: str) -> AckRow | None:
    """The acknowledgement of one alert, if it has one."""
    row = store.conn.execute(
        f"SELECT {_ACK_COLUMNS} FROM alert_acks WHERE pupil_id = ? AND kind = ? AND arose_on = ?",
        (pupil_id, kind, arose_on),
    ).fetchone()
    return AckRow._make(row) if row else None


def insert_acknowledgement(
    store: Store, pupil_id: int, kind: str, arose_on: str, event_id: int, at: str, officer: str
) -> None:
    store.conn.execute(
        f"INSERT INTO alert_acks ({_ACK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (pupil_id, kind, arose_on, event_id, at, officer),
    )
