"""Part-time timetables (Working together to improve school attendance: agreed, reviewed,
an end date, the local authority told) and their alerts; illness at 15 school days
(Arranging education for children who cannot attend school because of health needs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import database_dump, imported, pid
from triage import rules
from triage.casework.alerts import alerts_for
from triage.casework.cases import record_action
from triage.casework.timetables import (
    TimetableError,
    end_timetable,
    record_review,
    record_timetable,
    timetable_alerts,
    timetables_of,
)
from triage.model import Mark
from triage.store import Store

AMY = "A123456789012"
START = date(2027, 1, 4)  # a Monday
END = date(2027, 2, 12)
REVIEW_1, REVIEW_2 = date(2027, 1, 18), date(2027, 2, 1)
AT = datetime(2027, 1, 1, 9, 0)


def _weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def _marks(code_of) -> str:
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    for day in _weekdays(date(2026, 11, 2), date(2027, 3, 5)):
        for session in ("AM", "PM"):
            lines.append(f"{AMY},Smith,Amy,3,3R,{day:%d/%m/%Y},{session},{code_of(day, session)}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    """Amy on a part-time timetable: C2 every afternoon from 4 January."""

    def code(day: date, session: str) -> str:
        return "C2" if session == "PM" and day >= START else "/"

    return imported(store, tmp_path, marks=_marks(code))


def _timetable(store: Store, **kw):
    args = {
        "starts": START,
        "planned_end": END,
        "review_dates": [REVIEW_1, REVIEW_2],
        "agreed_with": "Sarah Smith",
        "agreed_on": date(2026, 12, 18),
        "at": AT,
    }
    args.update(kw)
    return record_timetable(store, pid(store, AMY), **args)


def _evening(day: date) -> datetime:
    """When a review held on ``day`` is recorded (a review is recorded once held)."""
    return datetime(day.year, day.month, day.day, 16, 0)


def _kinds(store: Store, on: date) -> dict[str, date]:
    return {a.kind: a.arose_on for a in alerts_for(store, on)}


def test_a_timetable_needs_an_end_after_its_start_a_review_and_the_parents_agreement(
    school,
) -> None:
    before = database_dump(school.path)
    with pytest.raises(TimetableError, match="not after the start"):
        _timetable(school, planned_end=START)
    with pytest.raises(TimetableError, match="review date is needed"):
        _timetable(school, review_dates=[])
    with pytest.raises(TimetableError, match="agreement"):
        _timetable(school, agreed_on=START + timedelta(days=1))
    with pytest.raises(TimetableError, match="parent"):
        _timetable(school, agreed_with="  ")
    assert database_dump(school.path) == before


def test_c2_marks_with_no_timetable_raise_an_alert_from_the_first_of_them(school) -> None:
    assert _kinds(school, date(2027, 1, 6))["c2_without_timetable"] == START
    _timetable(school)
    assert "c2_without_timetable" not in _kinds(school, date(2027, 1, 6))


def test_a_review_date_passed_without_a_review_raises_an_alert_the_day_after(school) -> None:
    _timetable(school)
    assert "timetable_review" not in _kinds(school, REVIEW_1 - timedelta(days=1))
    assert _kinds(school, REVIEW_1)["timetable_review"] == REVIEW_1


def test_a_recorded_review_clears_the_alert_until_the_next_review_date(school) -> None:
    t = _timetable(school)
    record_review(school, t.id, REVIEW_1, "going well", at=_evening(REVIEW_1))
    assert "timetable_review" not in _kinds(school, REVIEW_2 - timedelta(days=1))
    assert _kinds(school, REVIEW_2)["timetable_review"] == REVIEW_2


def test_the_end_date_passed_with_the_timetable_open_raises_an_alert(school) -> None:
    t = _timetable(school)
    record_review(school, t.id, REVIEW_1, at=_evening(REVIEW_1))
    record_review(school, t.id, REVIEW_2, at=_evening(REVIEW_2))
    assert "timetable_overrun" not in _kinds(school, END)
    assert _kinds(school, END + timedelta(days=3))["timetable_overrun"] == END + timedelta(days=1)
    end_timetable(school, t.id, END)
    kinds = _kinds(school, END + timedelta(days=3))
    assert "timetable_overrun" not in kinds
    assert kinds["c2_without_timetable"] == date(2027, 2, 15)  # C2 goes on after it ended


def test_a_review_can_plan_the_next_one(school) -> None:
    t = _timetable(school, review_dates=[REVIEW_1])
    record_review(school, t.id, REVIEW_1, next_review=REVIEW_2, at=_evening(REVIEW_1))
    assert timetables_of(school)[0].review_dates == (REVIEW_1, REVIEW_2)


def test_timetable_alerts_are_a_pure_function_of_the_records() -> None:
    assert timetable_alerts([], {7: [START]}, START)[0].kind == "c2_without_timetable"


# --- illness --------------------------------------------------------------------------------


def _illness(n_sessions: int) -> list[Mark]:
    days = _weekdays(date(2026, 9, 7), date(2026, 12, 18))
    slots = [(d, s) for d in days for s in ("AM", "PM")][:n_sessions]
    return [Mark(1, d, s, "I") for d, s in slots]


def test_illness_at_14_and_a_half_school_days_is_not_yet_15() -> None:
    assert rules.illness_days_reached_on(_illness(29)) is None


def test_illness_at_15_school_days_arises_on_the_thirtieth_session() -> None:
    marks = _illness(30)
    assert rules.illness_days_reached_on(marks) == marks[-1].date


def test_illness_of_14_whole_days_spread_out_raises_nothing_and_15_does(
    store: Store, tmp_path: Path
) -> None:
    ill = set(_weekdays(date(2026, 11, 2), date(2027, 3, 5))[::3][:15])
    last = max(ill)

    def code(day: date, session: str) -> str:
        return "I" if day in ill else "/"

    imported(store, tmp_path, marks=_marks(code))
    before_last = max(d for d in ill if d != last)
    assert "illness_15_days" not in _kinds(store, last - timedelta(days=1))
    assert before_last < last
    assert _kinds(store, last)["illness_15_days"] == last
    record_action(store, pid(store, AMY), "medical_evidence_seen", last, at=AT)
    assert "illness_15_days" in _kinds(store, last)
    record_action(store, pid(store, AMY), "health_referral", last, at=AT)
    assert "illness_15_days" not in _kinds(store, last)


def test_undo_takes_back_a_review_and_the_review_date_it_planned(school) -> None:
    from triage.morning import logbook

    t = _timetable(school, review_dates=[REVIEW_1])
    record_review(school, t.id, REVIEW_1, next_review=REVIEW_2, at=_evening(REVIEW_1))
    assert logbook.undo_last(school).action == "timetable-review"
    again = timetables_of(school)[0]
    assert again.reviews == () and again.review_dates == (REVIEW_1,)
    assert logbook.undo_last(school).action == "timetable"
    assert timetables_of(school) == []
