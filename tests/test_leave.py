"""Leave of absence (The School Attendance (Pupil Registration) (England) Regulations 2024):
requests, the head teacher's decision entered by a lead, and C only where granted leave
covers the session."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import database_dump, imported, pid
from triage.casework.leave import (
    LeaveError,
    c_refusal,
    covers,
    decide_leave,
    leave_requests,
    parse_slot,
    request_leave,
)
from triage.morning import logbook
from triage.officers import AccessDenied, add_officer
from triage.store import Store, StoreError, open_store
from triage.store.logbook import recode_marks

AMY, BEN = "A123456789012", "A123456789013"
MON, TUE, WED = date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13)
ASKED = date(2027, 1, 4)
AT = datetime(2027, 1, 5, 9, 0)


def _marks(rows: list[tuple[str, date, str, str]]) -> str:
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    for upn, day, session, code in rows:
        name = "Amy" if upn == AMY else "Ben"
        lines.append(f"{upn},Smith,{name},3,3R,{day:%d/%m/%Y},{session},{code}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    """Amy and Ben: N on Monday PM to Wednesday AM (a family away), present otherwise."""
    rows = []
    for day in (MON, TUE, WED):
        for session in ("AM", "PM"):
            away = (day, session) not in ((MON, "AM"), (WED, "PM"))
            rows += [(upn, day, session, "N" if away else "/") for upn in (AMY, BEN)]
    return imported(store, tmp_path, marks=_marks(rows))


def _request(store: Store, upn: str = AMY, **kw) -> int:
    args = {
        "first": (MON, "PM"),
        "last": (WED, "AM"),
        "reason": "Grandparent's funeral abroad",
        "asked_by": "Sarah Smith",
        "asked_on": ASKED,
        "at": AT,
    }
    args.update(kw)
    return request_leave(store, pid(store, upn), **args).id


def test_leave_covers_its_first_and_last_sessions_and_nothing_either_side(school) -> None:
    req = request_leave(
        school, pid(school, AMY), (MON, "PM"), (WED, "AM"), "funeral", "Mum", ASKED, at=AT
    )
    assert covers(req, MON, "PM") and covers(req, WED, "AM") and covers(req, TUE, "AM")
    assert not covers(req, MON, "AM")
    assert not covers(req, WED, "PM")


def test_a_date_may_name_its_session() -> None:
    assert parse_slot("11/01/2027 pm", "AM") == (MON, "PM")
    assert parse_slot("11/01/2027", "PM") == (MON, "PM")
    with pytest.raises(LeaveError):
        parse_slot("31/02/2027", "AM")


def test_leave_ending_before_it_starts_is_refused(school) -> None:
    with pytest.raises(LeaveError, match="ends"):
        _request(school, first=(TUE, "AM"), last=(MON, "PM"))


def test_granting_leave_recodes_its_n_marks_to_c_only(school) -> None:
    request_id = _request(school)
    decided = decide_leave(school, request_id, "granted", "Mrs Head", at=AT)
    assert decided.recoded == 4  # Mon PM, Tue AM, Tue PM, Wed AM
    amy = pid(school, AMY)
    codes = {
        (d, s): c
        for d, s, c in school.conn.execute(
            "SELECT date, session, code FROM marks WHERE pupil_id = ?", (amy,)
        )
    }
    assert codes[(MON.isoformat(), "AM")] == "/"
    assert codes[(MON.isoformat(), "PM")] == "C"
    assert codes[(WED.isoformat(), "AM")] == "C"
    assert codes[(WED.isoformat(), "PM")] == "/"
    assert decided.request.decided_by == "Mrs Head"
    assert decided.request.decision_officer == "officer.one"


def test_only_a_lead_records_the_decision(school) -> None:
    add_officer(school, "officer.one", "lead")
    add_officer(school, "officer.two", "officer")
    request_id = _request(school)
    two = open_store(school.path, create=False, officer="officer.two")
    try:
        with pytest.raises(AccessDenied):
            decide_leave(two, request_id, "granted", "Mrs Head", at=AT)
    finally:
        two.close()


def test_leave_asked_for_after_it_began_is_kept_but_cannot_be_granted(school) -> None:
    request_id = _request(school, asked_on=MON, at=datetime(2027, 1, 11, 10, 0))
    request = leave_requests(school)[0]
    assert not request.in_advance
    before = database_dump(school.path)
    with pytest.raises(LeaveError, match="after the event"):
        decide_leave(school, request_id, "granted", "Mrs Head", at=AT)
    assert database_dump(school.path) == before
    assert decide_leave(school, request_id, "refused", "Mrs Head", at=AT).recoded == 0


def test_a_decision_is_made_once(school) -> None:
    request_id = _request(school)
    decide_leave(school, request_id, "refused", "Mrs Head", at=AT)
    with pytest.raises(LeaveError, match="already"):
        decide_leave(school, request_id, "granted", "Mrs Head", at=AT)


def test_c_is_refused_without_granted_leave_and_g_or_o_offered(school) -> None:
    amy = pid(school, AMY)
    refusal = c_refusal(school, [amy], TUE, "AM")
    assert refusal is not None and "G" in refusal and "O" in refusal
    assert c_refusal(school, [amy], TUE, "AM", "G") is None
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="No granted leave"):
        logbook.record_reason(school, [amy], TUE, "AM", "C", at=AT)
    assert database_dump(school.path) == before


def test_c_is_allowed_within_granted_leave_and_refused_just_outside_it(school, tmp_path) -> None:
    amy = pid(school, AMY)
    request_id = _request(school, first=(TUE, "AM"), last=(TUE, "PM"))
    decide_leave(school, request_id, "granted", "Mrs Head", at=AT)
    assert c_refusal(school, [amy], TUE, "PM") is None
    assert c_refusal(school, [amy], MON, "PM") is not None
    assert c_refusal(school, [amy], WED, "AM") is not None


def test_refused_leave_says_so_and_offers_g(school) -> None:
    request_id = _request(school)
    decide_leave(school, request_id, "refused", "Mrs Head", at=AT)
    refusal = c_refusal(school, [pid(school, AMY)], TUE, "AM")
    assert refusal is not None and "was refused" in refusal and "G" in refusal


def test_a_family_call_cannot_give_c_to_a_sibling_without_leave(school) -> None:
    amy, ben = pid(school, AMY), pid(school, BEN)
    decide_leave(school, _request(school), "granted", "Mrs Head", at=AT)
    with pytest.raises(ValueError, match="Ben"):
        logbook.record_reason(school, [amy, ben], TUE, "AM", "C", at=AT)


def test_the_store_refuses_c_without_covering_leave_whatever_the_caller(school) -> None:
    amy = pid(school, AMY)
    plan = [{"pupil_id": amy, "date": TUE.isoformat(), "session": "AM", "before": "N"}]
    with pytest.raises(StoreError, match="no granted leave"), school.transaction():
        event = school.audit("reason", "pupil", amy, {})
        recode_marks(school, event, [{**plan[0], "after": "C"}], None, "2027-01-05T09:00:00")


def test_a_database_from_before_leave_upgrades_and_takes_a_request(tmp_path) -> None:
    from tests.test_store import _database_at_version
    from triage.store.schema import MIGRATIONS

    version = next(
        i for i, m in enumerate(MIGRATIONS) if m.__name__.endswith("leave_and_timetables")
    )
    path = tmp_path / "old.db"
    _database_at_version(path, version)
    with open_store(path, officer="officer.one") as s:
        assert s.pupil_by_upn(AMY) is not None
        request = request_leave(s, 1, (MON, "AM"), (MON, "PM"), "funeral", "Mum", ASKED, at=AT)
        decided = decide_leave(s, request.id, "granted", "Mrs Head", at=AT)
        assert decided.request.granted and leave_requests(s)[0].id == request.id
        assert c_refusal(s, [1], MON, "PM") is None


# --- undo ---------------------------------------------------------------------------------------


def test_undo_takes_back_a_decision_and_its_recodes_then_the_request(school) -> None:
    amy = pid(school, AMY)
    request_id = _request(school)
    decide_leave(school, request_id, "granted", "Mrs Head", at=AT)
    undone = logbook.undo_last(school)
    assert undone is not None and undone.action == "leave-decision" and undone.marks_restored == 4
    assert leave_requests(school)[0].decision is None
    assert c_refusal(school, [amy], TUE, "AM") is not None
    codes = {c for (c,) in school.conn.execute("SELECT code FROM marks WHERE pupil_id = ?", (amy,))}
    assert "C" not in codes
    assert logbook.undo_last(school).action == "leave-request"
    assert leave_requests(school) == []


def test_a_request_decided_since_cannot_be_undone_before_its_decision(school) -> None:
    add_officer(school, "officer.one", "lead")
    add_officer(school, "lead.two", "lead")
    request_id = _request(school)
    two = open_store(school.path, create=False, officer="lead.two")
    try:
        decide_leave(two, request_id, "refused", "Mrs Head", at=AT)
    finally:
        two.close()
    with pytest.raises(StoreError, match="decided since"):
        logbook.undo_last(school)
    assert leave_requests(school)[0].decision == "refused"
