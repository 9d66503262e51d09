"""Alerts at and either side of each threshold, on a register that runs from the end of
November across the Christmas holiday and an INSET day (every pupil '#') into January;
acknowledgements; and the demo school's planted cases."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DEMO_MORNING
from triage import rules
from triage.casework.alerts import (
    Alert,
    acknowledge,
    alerts_for,
    calendar,
    load_from,
    pupil_alerts,
)
from triage.casework.cases import change_stage, record_action, set_action_status
from triage.casework.roll import notify_la, record_deletion
from triage.demo import planted_cases
from triage.imports.importers import import_files
from triage.officers import AccessDenied, add_officer
from triage.store import Store, open_store


def weekdays(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + timedelta(days=i)).weekday() < 5
    ]


INSET = date(2027, 1, 4)  # Monday: the whole school closed ('#'), so not a school day
DAYS = (
    weekdays(date(2026, 11, 30), date(2026, 12, 18))
    + [INSET]
    + weekdays(date(2027, 1, 5), date(2027, 1, 15))
)
SCHOOL_DAYS = [d for d in DAYS if d != INSET]  # 15 in December, 9 in January


def d(month: int, day: int) -> date:
    return date(2026 if month == 12 or month == 11 else 2027, month, day)


def present(day: date, session: str) -> str:
    return "/" if session == "AM" else "\\"


def cam(day: date, session: str) -> str:
    """Unauthorised every day from Fri 11 Dec to Tue 12 Jan: the 10th school day is 8 Jan."""
    return "O" if d(12, 11) <= day <= d(1, 12) else present(day, session)


def pen(day: date, session: str) -> str:
    """A three-day holiday (6 sessions of G) then late after the register closed (U) each
    morning from 5 to 8 Jan: the 9th unauthorised session on 7 Jan, the 10th on 8 Jan."""
    if d(12, 16) <= day <= d(12, 18):
        return "G"
    if d(1, 5) <= day <= d(1, 8) and session == "AM":
        return "U"
    return present(day, session)


def pat(day: date, session: str) -> str:
    """Ill on 30 Nov and 1 Dec (4 sessions) and again on 13 and 14 Jan."""
    return "I" if day in (d(11, 30), d(12, 1), d(1, 13), d(1, 14)) else present(day, session)


def sev(day: date, session: str) -> str:
    """Ill for the first ten school days (20 sessions), present after."""
    return "I" if day <= d(12, 11) else present(day, session)


def nat(day: date, session: str) -> str:
    """An N on Thu 17 Dec AM never recoded: overdue on the 6th school day after, 11 Jan."""
    return "N" if (day, session) == (d(12, 17), "AM") else present(day, session)


PUPILS = {
    "A100000000001": ("Bea", present),
    "A100000000002": ("Cam", cam),
    "A100000000003": ("Pen", pen),
    "A100000000004": ("Pat", pat),
    "A100000000005": ("Sev", sev),
    "A100000000006": ("Nat", nat),
}


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    for upn, (name, code_of) in PUPILS.items():
        for day in DAYS:
            for session in ("AM", "PM"):
                code = "#" if day == INSET else code_of(day, session)
                lines.append(f"{upn},Test,{name},8,8A,{day:%d/%m/%Y},{session},{code}")
    path = tmp_path / "marks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_files(store, "marks", [path])
    return store


def pid(store: Store, name: str) -> int:
    upn = next(u for u, (n, _) in PUPILS.items() if n == name)
    return store.pupil_by_upn(upn).id


def alerts_of(store: Store, name: str, on: date, kind: str) -> list[Alert]:
    return [a for a in alerts_for(store, on) if a.pupil_id == pid(store, name) and a.kind == kind]


def test_the_fixture_spans_a_holiday_and_a_whole_school_closure(school):
    assert rules.school_days(school.date_codes()) == SCHOOL_DAYS


# --- children missing education: 10 consecutive school days ------------------------------------


def test_nine_consecutive_unauthorised_school_days_raise_no_missing_education_alert(school):
    assert alerts_of(school, "Cam", d(1, 7), "missing_education") == []


def test_the_tenth_consecutive_day_across_the_holiday_and_closure_raises_the_alert(school):
    (alert,) = alerts_of(school, "Cam", d(1, 8), "missing_education")
    assert alert.arose_on == d(1, 8)
    assert "10 consecutive school days" in alert.message and "since 11/12/2026" in alert.message


def test_the_missing_education_alert_keeps_the_day_it_arose_while_the_run_goes_on(school):
    (alert,) = alerts_of(school, "Cam", d(1, 12), "missing_education")
    assert alert.arose_on == d(1, 8)
    assert alert.message.startswith("12 consecutive school days")


def test_the_missing_education_alert_ends_when_the_pupil_attends(school):
    assert alerts_of(school, "Cam", d(1, 13), "missing_education") == []


def tell_la(school: Store, on: date) -> None:
    at = datetime.combine(on, datetime.min.time()).replace(hour=12)
    notify_la(school, pid(school, "Cam"), on, "CME/123", how="portal", at=at)


def test_telling_the_local_authority_with_its_reference_clears_the_missing_education_alert(
    school,
):
    tell_la(school, d(1, 8))
    assert alerts_of(school, "Cam", d(1, 11), "missing_education") == []


def test_telling_the_local_authority_before_the_alert_arose_does_not_clear_it(school):
    tell_la(school, d(1, 7))
    assert len(alerts_of(school, "Cam", d(1, 11), "missing_education")) == 1


def test_a_bare_action_saying_the_local_authority_was_told_no_longer_clears_the_alert(school):
    record_action(school, pid(school, "Cam"), "la_notified_cme", d(1, 8))
    assert len(alerts_of(school, "Cam", d(1, 11), "missing_education")) == 1


def test_a_pupil_deleted_from_the_roll_has_no_missing_education_alert_from_that_day(school):
    lead = school  # the fixture's officer is a lead (or there are no officers)
    at = datetime(2027, 1, 11, 12)
    record_deletion(
        lead,
        pid(school, "Cam"),
        "moved_away",
        d(1, 11),
        la_told_on=d(1, 11),
        la_told_how="email",
        at=at,
    )
    assert alerts_of(school, "Cam", d(1, 11), "missing_education") == []
    assert len(alerts_of(school, "Cam", d(1, 8), "missing_education")) == 1


# --- penalty-notice threshold: 10 unauthorised sessions in 10 school weeks ----------------------


def test_nine_unauthorised_sessions_across_the_holiday_raise_no_penalty_alert(school):
    assert alerts_of(school, "Pen", d(1, 7), "penalty_threshold") == []


def test_the_tenth_unauthorised_session_raises_the_penalty_notice_alert(school):
    (alert,) = alerts_of(school, "Pen", d(1, 8), "penalty_threshold")
    assert alert.arose_on == d(1, 8)
    assert alert.message.startswith("10 unauthorised sessions in 10 school weeks")


def test_the_penalty_alert_keeps_the_day_it_arose_on_later_days(school):
    (alert,) = alerts_of(school, "Pen", d(1, 15), "penalty_threshold")
    assert alert.arose_on == d(1, 8)


# --- persistent and severe absence over the school year ----------------------------------------


def test_persistent_absence_at_exactly_ten_percent_raises_the_alert(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")  # 4 of 40 missed
    assert alert.arose_on == d(12, 4)  # the first day with a school week of sessions
    assert "90.0% attendance this school year: 4 of 40" in alert.message


def test_just_under_ten_percent_raises_no_persistent_absence_alert(school):
    assert alerts_of(school, "Pat", d(1, 12), "persistent_absence") == []  # 4 of 42


def test_no_attendance_alert_before_a_school_week_of_sessions(school):
    assert [a for a in alerts_for(school, d(12, 3)) if a.pupil_id == pid(school, "Pat")] == []
    assert len(alerts_of(school, "Pat", d(12, 4), "persistent_absence")) == 1


def test_severe_absence_at_exactly_fifty_percent_is_shown_instead_of_persistent(school):
    kinds = [a.kind for a in alerts_for(school, d(1, 11)) if a.pupil_id == pid(school, "Sev")]
    assert kinds == ["severe_absence"]  # 20 of 40 missed


def test_just_under_fifty_percent_is_persistent_absence(school):
    kinds = [a.kind for a in alerts_for(school, d(1, 12)) if a.pupil_id == pid(school, "Sev")]
    assert kinds == ["persistent_absence"]  # 20 of 42 missed


# --- N older than 5 school days ----------------------------------------------------------------


def test_an_n_is_not_overdue_on_the_fifth_school_day_after(school):
    assert alerts_of(school, "Nat", d(1, 8), "overdue_n") == []


def test_an_n_is_overdue_on_the_sixth_school_day_after_not_counting_the_closure(school):
    (alert,) = alerts_of(school, "Nat", d(1, 11), "overdue_n")
    assert alert.arose_on == d(1, 11)
    assert "1 N mark older than 5 school days (the oldest 17/12/2026 AM)" in alert.message


# --- review dates and Notices to Improve -------------------------------------------------------


def test_a_review_date_raises_an_alert_from_that_day(school):
    bea = pid(school, "Bea")
    change_stage(school, bea, "Monitor", "late a lot", d(1, 12), at=datetime(2026, 12, 1, 9))
    assert alerts_of(school, "Bea", d(1, 11), "review_due") == []
    (alert,) = alerts_of(school, "Bea", d(1, 12), "review_due")
    assert alert.arose_on == d(1, 12)


def test_recording_a_review_with_a_new_date_clears_the_review_alert(school):
    bea = pid(school, "Bea")
    change_stage(school, bea, "Monitor", "late a lot", d(1, 12), at=datetime(2026, 12, 1, 9))
    record_action(school, bea, "review_held", d(1, 12), due_date=d(1, 26))
    assert alerts_of(school, "Bea", d(1, 13), "review_due") == []


def test_the_end_of_a_notice_to_improve_period_raises_an_alert_until_it_is_closed(school):
    nti = record_action(school, pid(school, "Pen"), "notice_to_improve", d(12, 1), due_date=d(1, 8))
    assert alerts_of(school, "Pen", d(1, 7), "nti_ended") == []
    (alert,) = alerts_of(school, "Pen", d(1, 8), "nti_ended")
    assert alert.arose_on == d(1, 8)
    set_action_status(school, nti.id, "done")
    assert alerts_of(school, "Pen", d(1, 11), "nti_ended") == []


# --- acknowledgements --------------------------------------------------------------------------


def test_an_acknowledgement_records_who_and_when_and_shows_on_the_alert(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    acknowledge(school, alert, at=datetime(2027, 1, 11, 9, 30))
    (again,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    assert again.acknowledged.officer == "officer.one"
    assert (again.acknowledged.at.hour, again.acknowledged.at.minute) == (9, 30)


def test_an_acknowledgement_writes_an_ack_audit_event(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    acked = acknowledge(school, alert)
    action, detail = school.conn.execute(
        "SELECT action, detail FROM events WHERE id = ?", (acked.acknowledged.event_id,)
    ).fetchone()
    assert action == "ack"
    assert (json.loads(detail)["kind"], json.loads(detail)["arose_on"]) == (
        "persistent_absence",
        "2026-12-04",
    )


def test_acknowledging_twice_keeps_the_first_acknowledgement(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    first = acknowledge(school, alert, at=datetime(2027, 1, 11, 9, 30))
    second = acknowledge(school, alert, at=datetime(2027, 1, 11, 10, 0))
    assert second.acknowledged == first.acknowledged
    assert school.count("alert_acks") == 1


def test_an_alert_that_ends_and_arises_again_shows_again_unacknowledged(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    acknowledge(school, alert)
    (again,) = alerts_of(school, "Pat", d(1, 13), "persistent_absence")  # 6 of 44 missed
    assert again.arose_on == d(1, 13)
    assert again.acknowledged is None


def test_a_viewer_cannot_acknowledge_an_alert(school):
    (alert,) = alerts_of(school, "Pat", d(1, 11), "persistent_absence")
    add_officer(school, "officer.one", "lead")
    add_officer(school, "watcher", "viewer")
    viewer = open_store(school.path, officer="watcher")
    try:
        with pytest.raises(AccessDenied):
            acknowledge(viewer, alert)
    finally:
        viewer.close()
    assert school.count("alert_acks") == 0


# --- who is included ---------------------------------------------------------------------------


def test_alerts_can_be_asked_for_some_pupils_only(school):
    found = alerts_for(school, d(1, 12), [pid(school, "Cam")])
    assert {a.pupil_id for a in found} == {pid(school, "Cam")}
    assert "missing_education" in {a.kind for a in found}


def test_a_pupil_who_has_left_has_no_alerts(school):
    school.conn.execute(
        "UPDATE pupils SET date_left = '2027-01-08' WHERE id = ?", (pid(school, "Cam"),)
    )
    assert [a for a in alerts_for(school, d(1, 12)) if a.pupil_id == pid(school, "Cam")] == []


def test_a_pupil_attending_well_has_no_alerts(school):
    assert [a for a in alerts_for(school, d(1, 15)) if a.pupil_id == pid(school, "Bea")] == []


def test_alerts_come_in_order_of_kind_then_the_day_they_arose(school):
    found = alerts_for(school, d(1, 12))
    kinds = [a.kind for a in found]
    assert kinds == sorted(kinds, key=["missing_education", "penalty_threshold",
                                       "severe_absence", "persistent_absence",
                                       "overdue_n"].index)  # fmt: skip
    assert kinds[0] == "missing_education"


# --- the demo school ---------------------------------------------------------------------------


def upns_with(store: Store, found: list[Alert], kind: str) -> set[str]:
    upn = {p.id: p.upn for p in store.pupils()}
    return {upn[a.pupil_id] for a in found if a.kind == kind}


def test_alerts_over_the_demo_school_find_the_planted_cases(demo):
    planted = planted_cases(DEMO_MORNING)
    found = alerts_for(demo, DEMO_MORNING)
    assert upns_with(demo, found, "missing_education") == {planted.missing_education_10}
    penalty = upns_with(demo, found, "penalty_threshold")
    assert planted.penalty_10 in penalty and planted.penalty_9 not in penalty
    assert upns_with(demo, found, "severe_absence") == set(planted.severe)
    assert upns_with(demo, found, "overdue_n") == set(planted.stale_n)


def test_alerts_over_the_demo_school_match_the_rules_applied_to_every_mark(demo):
    """The two-step reading (cheap facts first, full marks for a few) misses nobody."""
    days = rules.school_days(demo.date_codes())
    cal = calendar(days, DEMO_MORNING)
    marks = demo.marks_by_pupil(start=load_from(days, DEMO_MORNING), end=DEMO_MORNING)
    expected = sorted(
        (a.pupil_id, a.kind, a.arose_on, a.message)
        for p in demo.pupils()
        if p.on_roll(DEMO_MORNING)
        for a in pupil_alerts(p.id, marks.get(p.id, []), cal)
    )
    found = sorted(
        (a.pupil_id, a.kind, a.arose_on, a.message) for a in alerts_for(demo, DEMO_MORNING)
    )
    assert found == expected


def test_alerts_given_each_pupils_whole_record_are_those_read_from_the_store(demo):
    """A caller that has read the marks already (the case) passes them, all of them: the
    alerts are the same as when alerts_for reads only the ones it needs."""
    every = demo.marks_by_pupil(end=DEMO_MORNING)
    days = demo.school_days()
    for p in demo.pupils():
        given = alerts_for(
            demo, DEMO_MORNING, [p.id], school_days=days, marks_by_pupil={p.id: every.get(p.id, [])}
        )
        assert given == alerts_for(demo, DEMO_MORNING, [p.id])


def test_alerts_over_a_whole_school_take_a_fixed_number_of_queries(demo, school):
    """No query per pupil: 1,000 pupils take as many statements as six."""

    def statements(store: Store, on: date) -> int:
        seen: list[str] = []
        store.conn.set_trace_callback(seen.append)
        try:
            alerts_for(store, on)
        finally:
            store.conn.set_trace_callback(None)
        return len(seen)

    assert statements(demo, DEMO_MORNING) == statements(school, d(1, 12))
