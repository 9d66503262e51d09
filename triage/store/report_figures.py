"""The SQL of the reports for the people above the officer (:mod:`triage.reports.cohorts`,
``year``, ``tsm``, ``lateness``): one aggregate over the marks gives every pupil's session
counts for a stretch of dates, and the reports group those (a few thousand rows, never the
marks) into cohorts and lists. The small reads of cases (actions of a few pupils) are here
too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from triage.codes import ATTENDING_CODES, AUTHORISED_CODES, POSSIBLE_CODES, UNAUTHORISED_CODES
from triage.store import Store
from triage.store.cases import ActionRow
from triage.store.reports import _counts
from triage.store.sql import placeholders

LATE_IN = "L"  # late, before the register closed (present)
LATE_AFTER = "U"  # late, after it closed (unauthorised absence)


class PupilCounts(NamedTuple):
    """One pupil's sessions over a stretch of dates, by kind (see :mod:`triage.codes`)."""

    possible: int
    attending: int
    authorised: int
    unauthorised: int
    late_before_close: int  # L
    late_after_close: int  # U
    late_am: int  # L or U in a morning
    late_pm: int
    minutes_late: int  # summed over the marks that give minutes
    marks_with_minutes: int

    @property
    def lates(self) -> int:
        return self.late_before_close + self.late_after_close

    def __add__(self, other: object) -> PupilCounts:
        assert isinstance(other, PupilCounts)
        return PupilCounts(*(a + b for a, b in zip(self, other, strict=True)))


NO_COUNTS = PupilCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

_ATTENDING, _ATTENDING_CODES = _counts(ATTENDING_CODES)
_POSSIBLE, _POSSIBLE_CODES = _counts(POSSIBLE_CODES)
_AUTHORISED, _AUTHORISED_CODES = _counts(AUTHORISED_CODES)
_UNAUTHORISED, _UNAUTHORISED_CODES = _counts(UNAUTHORISED_CODES)
# Pupils are named (rather than left to a scan of every mark) for the reason given in
# triage.store.reports: the marks' key is (pupil, date), so each pupil's dates are a seek.
_BY_PUPIL = (
    f"SELECT pupil_id, SUM({_POSSIBLE}), SUM({_ATTENDING}), SUM({_AUTHORISED}),"
    f" SUM({_UNAUTHORISED}), SUM(code = '{LATE_IN}'), SUM(code = '{LATE_AFTER}'),"
    f" SUM(code IN ('{LATE_IN}', '{LATE_AFTER}') AND session = 'AM'),"
    f" SUM(code IN ('{LATE_IN}', '{LATE_AFTER}') AND session = 'PM'),"
    f" COALESCE(SUM(CASE WHEN code IN ('{LATE_IN}', '{LATE_AFTER}') THEN minutes_late END), 0),"
    f" COUNT(CASE WHEN code IN ('{LATE_IN}', '{LATE_AFTER}') THEN minutes_late END)"
    " FROM marks WHERE pupil_id IN ({pupils}) AND date >= ? AND date < ? GROUP BY pupil_id"
)
_BY_PUPIL_OF_SCHOOL = _BY_PUPIL.replace("{pupils}", "SELECT id FROM pupils")
_BY_PUPIL_OF_YEAR = _BY_PUPIL.replace("{pupils}", "SELECT id FROM pupils WHERE year_group = ?")
_SCHOOL_SUMS = (
    f"SELECT SUM({_ATTENDING}), SUM({_POSSIBLE}) FROM marks"
    " WHERE pupil_id IN (SELECT id FROM pupils) AND date >= ? AND date < ?"
)
_PARAMS = (*_POSSIBLE_CODES, *_ATTENDING_CODES, *_AUTHORISED_CODES, *_UNAUTHORISED_CODES)


def counts_by_pupil(
    store: Store, start: date, end: date, *, year_group: int | None = None
) -> dict[int, PupilCounts]:
    """Each pupil's :class:`PupilCounts` over ``start <= date <= end`` (only the pupils of
    ``year_group`` when given): one aggregate over their marks. A pupil with no marks in
    the stretch has no entry."""
    extra: tuple[int, ...] = ()
    sql = _BY_PUPIL_OF_SCHOOL
    if year_group is not None:
        sql, extra = _BY_PUPIL_OF_YEAR, (year_group,)
    rows = store.conn.execute(
        sql,
        (*_PARAMS, *extra, start.isoformat(), (end + timedelta(days=1)).isoformat()),
    )
    return {row[0]: PupilCounts(*(int(v or 0) for v in row[1:])) for row in rows}


def school_counts(store: Store, start: date, end: date) -> tuple[int, int]:
    """(attending, possible) sessions of the whole school over ``start <= date <= end``:
    the yardstick the reports' benchmark measures them against (``bench/reports.py``)."""
    att, poss = store.conn.execute(
        _SCHOOL_SUMS,
        (
            *_ATTENDING_CODES,
            *_POSSIBLE_CODES,
            start.isoformat(),
            (end + timedelta(days=1)).isoformat(),
        ),
    ).fetchone()
    return int(att or 0), int(poss or 0)


class AbsentMark(NamedTuple):
    pupil_id: int
    date: str  # ISO
    session: str
    code: str


def absences_between(store: Store, start: date, end: date, *, year_group: int) -> list[AbsentMark]:
    """The marks of absence (possible sessions not attended) of a year group's pupils over
    ``start <= date <= end``, in pupil, date and session order."""
    absent = sorted(POSSIBLE_CODES - ATTENDING_CODES)
    rows = store.conn.execute(
        "SELECT pupil_id, date, session, code FROM marks WHERE pupil_id IN"
        " (SELECT id FROM pupils WHERE year_group = ?) AND date >= ? AND date <= ?"
        f" AND code IN ({placeholders(absent)}) ORDER BY pupil_id, date, session",
        (year_group, start.isoformat(), end.isoformat(), *absent),
    )
    return list(map(AbsentMark._make, rows))


def actions_of_pupils(store: Store, pupil_ids: Sequence[int]) -> list[ActionRow]:
    """The actions (not undone) of these pupils, by pupil, newest first."""
    rows = store.conn.execute(
        "SELECT id, pupil_id, kind, date, note, due_date, status, detail, at, officer, event_id"
        f" FROM actions WHERE pupil_id IN ({placeholders(pupil_ids)})"
        " AND undone_event_id IS NULL ORDER BY pupil_id, date DESC, event_id DESC",
        tuple(pupil_ids),
    )
    return list(map(ActionRow._make, rows))


def year_groups(store: Store) -> list[int]:
    """The year groups the roster holds, lowest first."""
    return [
        y
        for (y,) in store.conn.execute(
            "SELECT DISTINCT year_group FROM pupils WHERE year_group IS NOT NULL ORDER BY 1"
        )
    ]
