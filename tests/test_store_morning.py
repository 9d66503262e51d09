"""The store's reads and writes for the morning's work, the officers and the audit trail
(triage/store/logbook.py, officers.py, audit.py), where the domain's own tests do not
already pin them down; on a real SQLite file built from a small MIS export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import imported, pid
from triage.audit import audit_trail
from triage.morning.logbook import add_note, log_attempt
from triage.officers import add_officer, list_officers
from triage.store import Store, open_store
from triage.store.audit import audit_events, session_acks
from triage.store.logbook import mark_undone, pupils_of_event, session_mark

ON = date(2026, 11, 24)
AM = "AM"
NINE = datetime(2026, 11, 24, 9, 0)
AMY, BEN = "A123456789012", "A123456789013"
MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
    f"{AMY},Smith,Amy,3,3R,24/11/2026,AM,N\n"
    f"{BEN},Smith,Ben,5,5B,24/11/2026,AM,/\n"
)


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, marks=MARKS)


def no_answer(store: Store, upn: str, minute: int = 1) -> int:
    return log_attempt(
        store, [pid(store, upn)], ON, AM, "call", "no_answer", at=NINE + timedelta(minutes=minute)
    ).event_id


# --- triage/store/logbook.py ---------------------------------------------------------------


def test_a_session_mark_is_its_code_and_whether_the_app_amended_it(school) -> None:
    assert session_mark(school, pid(school, AMY), ON, AM) == ("N", False)
    assert session_mark(school, pid(school, AMY), ON, "PM") is None


def test_an_undo_marks_rows_only_in_the_tables_that_hold_an_actions_rows(school) -> None:
    event_id = no_answer(school, AMY)
    for read_or_mark in (
        lambda: pupils_of_event(school, "pupils", event_id),
        lambda: mark_undone(school, "marks; DROP TABLE marks", event_id, event_id),
    ):
        with pytest.raises(ValueError, match="no rows an undo marks"):
            read_or_mark()
    assert pupils_of_event(school, "attempts", event_id) == [pid(school, AMY)]


# --- triage/store/audit.py -----------------------------------------------------------------


def test_session_acks_for_no_pupils_is_empty(school) -> None:
    with school.transaction():  # as the DSL notification acknowledged, before "DSL told"
        school.audit(
            "ladder-ack",
            "pupil",
            pid(school, AMY),
            {"date": ON.isoformat(), "session": AM, "at": NINE.astimezone().isoformat()},
        )
    assert session_acks(school, "ladder-ack", ON, AM, iter(())) == []
    assert session_acks(school, "ladder-ack", ON, AM, iter([pid(school, AMY)])) == [
        (pid(school, AMY), "officer.one", NINE.astimezone().isoformat())
    ]


def test_audit_events_by_one_officer_leave_out_the_others(school) -> None:
    no_answer(school, AMY)
    with open_store(school.path, officer="officer.two") as second:
        no_answer(second, AMY, minute=2)
    mine = audit_events(school, officer="officer.one")
    assert mine and {e.officer for e in mine} == {"officer.one"}
    assert len(audit_events(school)) == len(mine) + 1


def test_audit_events_from_a_date_leave_out_earlier_ones(school) -> None:
    no_answer(school, AMY)
    today = date.fromisoformat(audit_events(school)[-1].at[:10])
    assert audit_events(school, since=today)[-1].action == "attempt"
    assert audit_events(school, since=today + timedelta(days=1)) == []


# --- triage/audit.py over the store -------------------------------------------------------


def test_the_audit_trail_about_a_pupil_lists_only_events_about_them(school) -> None:
    no_answer(school, AMY)
    add_note(school, pid(school, BEN), "Arrived late with a note", at=NINE)
    about_ben = audit_trail(school, pupil=BEN.lower())  # a UPN is read as typed
    assert [e["action"] for e in about_ben] == ["note"]


def test_the_audit_trail_of_an_unknown_upn_is_a_clear_error(school) -> None:
    with pytest.raises(ValueError, match="no pupil with UPN X999"):
        audit_trail(school, pupil="X999")


# --- triage/store/officers.py -------------------------------------------------------------


def test_changing_an_officers_role_without_a_name_keeps_their_recorded_name(store) -> None:
    add_officer(store, store.officer, "lead", "Officer One")
    add_officer(store, store.officer, "lead")
    assert [(o.login, o.display_name) for o in list_officers(store)] == [
        ("officer.one", "Officer One")
    ]
