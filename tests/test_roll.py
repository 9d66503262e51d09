"""Leaving the roll (the 2024 registration regulations: a lawful ground, the local authority
told; the 20-day absence ground only after enquiries by the school and the local
authority) and children missing education (enquiries, the LA told with its reference)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import imported, pid
from triage.casework.chronology import case_as_dict, load_case
from triage.casework.roll import (
    ABSENCE_GROUND,
    RollError,
    absence_ground,
    deletion_of,
    grounds_offered,
    notify_la,
    record_deletion,
    record_enquiry,
)
from triage.morning import logbook
from triage.morning.queue import load_morning
from triage.officers import AccessDenied, add_officer
from triage.store import Store, open_store

REX = "A123456789012"
FIRST_ABSENT = date(2026, 9, 28)  # a Monday: O from here, N from 26 October
DAY_19, DAY_20 = date(2026, 10, 22), date(2026, 10, 23)
N_FROM = date(2026, 10, 26)
AT = datetime(2026, 11, 2, 12, 0)


def _weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    """Rex: present to 25 September, then unauthorised every day (O, then N)."""
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    for day in _weekdays(date(2026, 9, 7), date(2026, 10, 30)):
        for session in ("AM", "PM"):
            code = "N" if day >= N_FROM else "O" if day >= FIRST_ABSENT else "/"
            lines.append(f"{REX},Stone,Rex,9,9S,{day:%d/%m/%Y},{session},{code}")
    return imported(store, tmp_path, marks="\n".join(lines) + "\n")


def _enquire(store: Store, made_by: str, on: date = date(2026, 10, 1)) -> None:
    record_enquiry(
        store, pid(store, REX), on, made_by, "J Officer", "Mum (phone)", "no answer", at=AT
    )


def _delete(store: Store, ground: str, on: date, **kw) -> None:
    args = {"la_told_on": on, "la_told_how": "email", "at": AT, **kw}
    record_deletion(store, pid(store, REX), ground, on, **args)


def test_nineteen_days_with_both_enquiries_do_not_meet_the_absence_ground(school) -> None:
    _enquire(school, "school")
    _enquire(school, "la")
    check = absence_ground(school, pid(school, REX), DAY_19)
    assert (check.days, check.met) == (19, False)
    assert ABSENCE_GROUND not in grounds_offered(school, pid(school, REX), DAY_19)
    with pytest.raises(RollError, match="19 of 20 school days"):
        _delete(school, ABSENCE_GROUND, DAY_19)
    assert deletion_of(school, pid(school, REX)) is None


def test_twenty_days_with_enquiries_by_school_and_la_meet_the_absence_ground(school) -> None:
    _enquire(school, "school")
    _enquire(school, "la")
    assert absence_ground(school, pid(school, REX), DAY_20).met
    assert ABSENCE_GROUND in grounds_offered(school, pid(school, REX), DAY_20)
    _delete(school, ABSENCE_GROUND, DAY_20, la_reference="CME-77")
    deletion = deletion_of(school, pid(school, REX))
    assert deletion is not None and deletion.deleted_on == DAY_20
    assert deletion.la_reference == "CME-77"


def test_twenty_days_without_an_la_enquiry_do_not_meet_the_absence_ground(school) -> None:
    _enquire(school, "school")
    assert ABSENCE_GROUND not in grounds_offered(school, pid(school, REX), DAY_20)
    with pytest.raises(RollError, match="no enquiry by the local authority"):
        _delete(school, ABSENCE_GROUND, DAY_20)


def test_twenty_days_without_any_enquiry_do_not_meet_the_absence_ground(school) -> None:
    check = absence_ground(school, pid(school, REX), DAY_20)
    assert check.days == 20 and not check.met
    assert "by the school" in check.reason and "by the local authority" in check.reason


def test_an_enquiry_before_the_absence_began_does_not_count(school) -> None:
    _enquire(school, "school", date(2026, 9, 25))
    _enquire(school, "la")
    assert not absence_ground(school, pid(school, REX), DAY_20).met


def test_the_other_grounds_are_offered_whatever_the_register(school) -> None:
    offered = grounds_offered(school, pid(school, REX), date(2026, 9, 30))
    assert "other_school" in offered and "died" in offered and ABSENCE_GROUND not in offered


def test_registered_elsewhere_needs_the_school(school) -> None:
    with pytest.raises(RollError, match="name the school"):
        _delete(school, "other_school", DAY_20)
    _delete(school, "other_school", DAY_20, school="Riverside Academy")
    assert deletion_of(school, pid(school, REX)).school == "Riverside Academy"


def test_home_education_needs_the_day_the_parents_notice_came(school) -> None:
    with pytest.raises(RollError, match="written notice"):
        _delete(school, "home_education", DAY_20)
    with pytest.raises(RollError, match="comes before the deletion"):
        _delete(school, "home_education", DAY_20, notice_received_on=DAY_20 + timedelta(days=1))
    _delete(school, "home_education", DAY_20, notice_received_on=DAY_19)
    assert deletion_of(school, pid(school, REX)).notice_received_on == DAY_19


def test_a_deletion_needs_how_the_la_was_told_and_no_day_to_come(school) -> None:
    with pytest.raises(RollError, match="how the local authority"):
        _delete(school, "moved_away", DAY_20, la_told_how=" ")
    with pytest.raises(RollError, match="once made"):
        _delete(school, "moved_away", AT.date() + timedelta(days=1))
    with pytest.raises(RollError, match="not a lawful ground"):
        _delete(school, "fell_out_with_the_head", DAY_20)
    assert school.events()[0]["action"] == "import"  # nothing written


def test_only_a_lead_records_a_deletion(school) -> None:
    add_officer(school, "officer.one", "lead")
    add_officer(school, "officer.two", "officer")
    with open_store(school.path, create=False, officer="officer.two") as two:
        with pytest.raises(AccessDenied):
            _delete(two, "moved_away", DAY_20)
    _delete(school, "moved_away", DAY_20)


def test_a_pupil_is_deleted_once(school) -> None:
    _delete(school, "moved_away", DAY_20)
    with pytest.raises(RollError, match="already deleted"):
        _delete(school, "died", DAY_20)


def test_the_store_keeps_a_deleted_pupil_off_the_queue_from_the_deletion_day(school) -> None:
    rex = pid(school, REX)
    assert school.unexplained_pupil_ids(date(2026, 10, 27), "AM") == [rex]
    _delete(school, "moved_away", date(2026, 10, 27))
    assert school.unexplained_pupil_ids(date(2026, 10, 26), "AM") == [rex]
    assert school.unexplained_pupil_ids(date(2026, 10, 27), "AM") == []
    assert school.unexplained_pupil_ids(date(2026, 10, 30), "PM") == []
    assert load_morning(school, date(2026, 10, 28), "AM").entries == []
    assert not school.pupils([rex])[0].on_roll(date(2026, 10, 27))


def test_undo_puts_a_deleted_pupil_back_on_the_roll_and_the_queue(school) -> None:
    rex = pid(school, REX)
    _delete(school, "moved_away", date(2026, 10, 27))
    undone = logbook.undo_last(school)
    assert undone is not None and undone.action == "roll-deletion" and undone.pupil_ids == (rex,)
    assert deletion_of(school, rex) is None
    assert school.unexplained_pupil_ids(date(2026, 10, 28), "AM") == [rex]


def test_the_deletion_is_on_the_timeline_and_in_the_case_json(school) -> None:
    _enquire(school, "school")
    _delete(school, "other_school", DAY_20, school="Riverside Academy", la_reference="R1")
    case = load_case(school, pid(school, REX), DAY_20)
    assert any(e.kind == "roll" and "Riverside Academy" in e.text for e in case.timeline)
    record = case_as_dict(case)
    assert record["roll_deletion"]["ground"] == "other_school"
    assert record["roll_deletion"]["la_reference"] == "R1"
    assert record["cme_enquiries"][0]["made_by"] == "school"


# --- children missing education ---------------------------------------------------------------


def test_an_enquiry_needs_who_whom_and_what(school) -> None:
    with pytest.raises(RollError, match="what was done"):
        record_enquiry(school, pid(school, REX), DAY_19, "school", "J Officer", "Mum", " ")
    with pytest.raises(RollError, match="made by school or la"):
        record_enquiry(school, pid(school, REX), DAY_19, "police", "PC", "Mum", "visit")


def test_the_la_notification_needs_its_reference(school) -> None:
    with pytest.raises(RollError, match="reference is needed"):
        notify_la(school, pid(school, REX), DAY_19, " ", how="portal", at=AT)
    told = notify_la(
        school, pid(school, REX), DAY_19, "CME/9", how="portal", reply="will visit", at=AT
    )
    assert (told.reference, told.reply) == ("CME/9", "will visit")
    events = school.events()
    assert events[0]["action"] == "cme-notified"


def test_undo_takes_back_the_la_notification(school) -> None:
    from triage.casework.roll import notifications

    notify_la(school, pid(school, REX), DAY_19, "CME/9", how="portal", at=AT)
    assert logbook.undo_last(school).action == "cme-notified"
    assert notifications(school) == []


def test_a_database_from_before_the_roll_upgrades_and_takes_a_deletion(tmp_path) -> None:
    from tests.test_store import _database_at_version
    from triage.store.schema import MIGRATIONS

    version = next(i for i, m in enumerate(MIGRATIONS) if m.__name__.endswith("roll_and_cme"))
    path = tmp_path / "old.db"
    _database_at_version(path, version)
    with open_store(path, officer="officer.one") as s:
        assert s.unexplained_pupil_ids(date(2026, 11, 24), "AM") == [1]
        record_deletion(
            s,
            1,
            "moved_away",
            date(2026, 11, 24),
            la_told_on=date(2026, 11, 24),
            la_told_how="email",
            at=AT.replace(month=12),
        )
        assert s.unexplained_pupil_ids(date(2026, 11, 24), "AM") == []
