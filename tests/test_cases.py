"""Cases: stage changes, actions, the timeline, absence patterns, the register grid and the
suggested stage, on a real SQLite file built from a small hand-made MIS export."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import database_dump, imported
from triage.casework.alerts import acknowledge, alerts_for
from triage.casework.cases import (
    ACTION_KINDS,
    BARRIERS,
    CELL_CHARS,
    ENFORCE_KINDS,
    LEGEND,
    SUPPORT_KINDS,
    Action,
    Cell,
    NeedsConfirmation,
    actions_of,
    change_stage,
    current_stage,
    next_review,
    patterns,
    record_action,
    register_grid,
    set_action_status,
    stage_history,
    stage_since,
    suggest,
    timeline,
)
from triage.model import AttendanceSummary, Mark
from triage.morning.logbook import add_note, log_attempt, undo_last
from triage.officers import AccessDenied, add_officer
from triage.rules import school_days
from triage.store import Store, open_store

AMY, BEN = "A123456789012", "A123456789013"
ON = date(2026, 11, 24)
NINE = datetime(2026, 11, 24, 9, 0)
MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
    f"{AMY},Smith,Amy,3,3R,24/11/2026,AM,N\n"
    f"{BEN},Smith,Ben,5,5B,24/11/2026,AM,/\n"
)


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, marks=MARKS)


def amy(store: Store) -> int:
    return store.pupil_by_upn(AMY).id


def other_login(store: Store, login: str, role: str) -> Store:
    """Make officer.one the lead, add ``login`` with ``role`` and open the file as them."""
    add_officer(store, "officer.one", "lead")
    add_officer(store, login, role)
    return open_store(store.path, officer=login)


def meeting(store: Store, pupil_id: int, on: date = ON) -> Action:
    return record_action(store, pupil_id, "meeting_held", on, detail={"barriers": ["transport"]})


# --- stage changes ----------------------------------------------------------------------------


def test_moving_up_a_stage_updates_the_pupil_and_records_the_change_with_its_reason(school):
    change = change_stage(
        school, amy(school), "Monitor", "Mondays missed", date(2026, 12, 8), at=NINE
    )
    assert current_stage(school, amy(school)) == "Monitor"
    assert school.pupil_by_upn(AMY).stage == "Monitor"
    row = school.conn.execute(
        "SELECT from_stage, to_stage, reason, review_date, officer, event_id FROM stage_changes"
    ).fetchone()
    assert row == (
        "Expect",
        "Monitor",
        "Mondays missed",
        "2026-12-08",
        "officer.one",
        change.event_id,
    )


def test_a_stage_change_writes_one_stage_audit_event_with_before_and_after(school):
    change = change_stage(school, amy(school), "Monitor", "pattern", None, at=NINE)
    action, detail = school.conn.execute(
        "SELECT action, detail FROM events WHERE id = ?", (change.event_id,)
    ).fetchone()
    assert action == "stage"
    assert (json.loads(detail)["before"], json.loads(detail)["after"]) == ("Expect", "Monitor")


@pytest.mark.parametrize("to_stage", ["Formalise support", "Enforce"])
def test_moving_up_to_formalise_or_enforce_with_no_support_recorded_needs_confirmation(
    school, to_stage
):
    before = database_dump(school.path)
    with pytest.raises(NeedsConfirmation, match="No support is recorded"):
        change_stage(school, amy(school), to_stage, "not attending", None, at=NINE)
    assert database_dump(school.path) == before


def test_a_letter_home_is_not_support_for_a_move_to_formalise(school):
    record_action(school, amy(school), "letter_sent", ON)
    with pytest.raises(NeedsConfirmation):
        change_stage(school, amy(school), "Formalise support", "no change", None, at=NINE)


def test_moving_up_to_formalise_after_a_recorded_meeting_needs_no_confirmation(school):
    meeting(school, amy(school))
    change = change_stage(school, amy(school), "Formalise support", "no change", None, at=NINE)
    assert current_stage(school, amy(school)) == "Formalise support"
    assert not change.confirmed


def test_an_undone_support_action_no_longer_counts_as_support(school):
    action = meeting(school, amy(school))
    with school.transaction():
        undo = school.audit("undo", "event", action.event_id, {"action": "action"})
        school.conn.execute(
            "UPDATE actions SET undone_event_id = ? WHERE id = ?", (undo, action.id)
        )
    with pytest.raises(NeedsConfirmation):
        change_stage(school, amy(school), "Formalise support", "no change", None, at=NINE)


def test_an_unapproved_term_time_holiday_case_moves_to_formalise_without_support(school):
    change = change_stage(
        school, amy(school), "Formalise support", "10 days in Spain", None, holiday=True, at=NINE
    )
    assert current_stage(school, amy(school)) == "Formalise support"
    assert stage_history(school, amy(school))[0].holiday
    assert change.holiday


def test_a_confirmed_move_without_support_is_made_and_recorded_as_confirmed(school):
    change_stage(
        school, amy(school), "Enforce", "refuses all contact", None, confirmed=True, at=NINE
    )
    assert current_stage(school, amy(school)) == "Enforce"
    assert stage_history(school, amy(school))[0].confirmed


def test_moving_down_is_always_allowed(school):
    change_stage(school, amy(school), "Enforce", "refuses contact", None, confirmed=True, at=NINE)
    change = change_stage(school, amy(school), "Monitor", "attending again", None, at=NINE)
    assert current_stage(school, amy(school)) == "Monitor"
    assert not change.up


def test_moving_to_the_stage_the_pupil_is_at_is_an_error(school):
    with pytest.raises(ValueError, match="already at Expect"):
        change_stage(school, amy(school), "Expect", "no change", None, at=NINE)


@pytest.mark.parametrize("reason", ["", "   ", "\x1b\n"])
def test_a_stage_change_needs_a_reason(school, reason):
    with pytest.raises(ValueError, match="reason"):
        change_stage(school, amy(school), "Monitor", reason, None, at=NINE)


def test_an_unknown_stage_is_refused(school):
    with pytest.raises(ValueError, match="not a stage"):
        change_stage(school, amy(school), "Escalate", "why", None, at=NINE)


def test_a_review_date_before_the_day_of_the_change_is_refused(school):
    with pytest.raises(ValueError, match="in the past"):
        change_stage(school, amy(school), "Monitor", "why", date(2026, 11, 23), at=NINE)


def test_a_viewer_cannot_change_a_stage(school):
    viewer = other_login(school, "watcher", "viewer")
    try:
        with pytest.raises(AccessDenied, match="viewer"):
            change_stage(viewer, amy(viewer), "Monitor", "pattern", None, at=NINE)
    finally:
        viewer.close()
    assert current_stage(school, amy(school)) == "Expect"


def test_stage_history_is_newest_first(school):
    change_stage(school, amy(school), "Monitor", "first", None, at=NINE)
    change_stage(school, amy(school), "Listen and understand", "second", None, at=NINE)
    assert [c.reason for c in stage_history(school, amy(school))] == ["second", "first"]


def test_stage_since_is_the_date_of_the_last_change_and_none_before_any(school):
    assert stage_since(school, amy(school)) is None
    change_stage(school, amy(school), "Monitor", "first", None, at=NINE)
    change_stage(school, amy(school), "Listen and understand", "x", None, at=NINE + timedelta(2))
    assert stage_since(school, amy(school)) == date(2026, 11, 26)


def test_next_review_is_set_by_the_latest_stage_change_or_review(school):
    change_stage(school, amy(school), "Monitor", "first", date(2026, 12, 1), at=NINE)
    assert next_review(school, amy(school)) == date(2026, 12, 1)
    record_action(school, amy(school), "review_held", date(2026, 12, 1), due_date=date(2027, 1, 12))
    assert next_review(school, amy(school)) == date(2027, 1, 12)
    change_stage(school, amy(school), "Expect", "attending well", None, at=NINE + timedelta(8))
    assert next_review(school, amy(school)) is None


# --- actions ----------------------------------------------------------------------------------

DETAILS = {
    "meeting_held": {"detail": {"barriers": ["illness/health", "transport"]}},
    "notice_to_improve": {"due_date": date(2026, 12, 15)},
}


@pytest.mark.parametrize("kind", [k for k in ACTION_KINDS if k != "penalty_notice"])
def test_every_kind_of_action_can_be_recorded(school, kind):
    action = record_action(school, amy(school), kind, ON, note="done", **DETAILS.get(kind, {}))
    assert [(a.kind, a.on, a.note) for a in actions_of(school, amy(school))] == [(kind, ON, "done")]
    assert action.label == ACTION_KINDS[kind].label


def test_a_penalty_notice_is_recorded_through_the_penalties_module(school):
    with pytest.raises(ValueError, match="issue_penalty_notice"):
        record_action(school, amy(school), "penalty_notice", ON)


def test_an_unknown_kind_of_action_is_refused(school):
    with pytest.raises(ValueError, match="not a kind of action"):
        record_action(school, amy(school), "coffee", ON)


@pytest.mark.parametrize(
    "detail, message",
    [
        ({}, "at least one barrier"),
        ({"barriers": []}, "at least one barrier"),
        ({"barriers": ["weather"]}, "weather is not a barrier"),
        ({"barriers": ["SEND", "SEND"]}, "listed twice"),
        ({"barriers": ["other"]}, "say what the other barrier is"),
    ],
)
def test_a_meeting_needs_barriers_from_the_list(school, detail, message):
    with pytest.raises(ValueError, match=message):
        record_action(school, amy(school), "meeting_held", ON, detail=detail)
    assert actions_of(school, amy(school)) == []


def test_barriers_are_stored_in_the_order_of_the_list(school):
    record_action(
        school,
        amy(school),
        "meeting_held",
        ON,
        note="carer",
        detail={"barriers": ["other", "SEND"]},
    )
    assert actions_of(school, amy(school))[0].barriers == ("SEND", "other")
    assert BARRIERS.index("SEND") < BARRIERS.index("other")


def test_a_notice_to_improve_needs_the_end_of_its_improvement_period(school):
    with pytest.raises(ValueError, match="improvement period"):
        record_action(school, amy(school), "notice_to_improve", ON)
    with pytest.raises(ValueError, match="improvement period must end after"):
        record_action(school, amy(school), "notice_to_improve", ON, due_date=ON)


def test_support_kinds_are_the_listen_and_facilitate_actions():
    assert {"meeting_held", "in_school_support_plan", "early_help_referral"} <= SUPPORT_KINDS
    assert "agency_referral" in SUPPORT_KINDS and "letter_sent" not in SUPPORT_KINDS
    assert ENFORCE_KINDS == {"penalty_notice", "prosecution_referral", "parenting_order"}


@pytest.mark.parametrize("kind", ["prosecution_referral", "parenting_order"])
def test_an_officer_who_is_not_a_lead_cannot_record_an_enforce_action(school, kind):
    officer = other_login(school, "officer.two", "officer")
    before = database_dump(school.path)
    try:
        with pytest.raises(AccessDenied, match="only a lead"):
            record_action(officer, amy(officer), kind, ON)
    finally:
        officer.close()
    assert database_dump(school.path) == before


def test_an_officer_who_is_not_a_lead_can_record_support(school):
    officer = other_login(school, "officer.two", "officer")
    try:
        meeting(officer, amy(officer))
    finally:
        officer.close()
    assert [a.officer for a in actions_of(school, amy(school))] == ["officer.two"]


def test_a_viewer_cannot_record_an_action(school):
    viewer = other_login(school, "watcher", "viewer")
    try:
        with pytest.raises(AccessDenied, match="viewer"):
            record_action(viewer, amy(viewer), "letter_sent", ON)
    finally:
        viewer.close()


def test_an_action_writes_one_action_audit_event_with_the_row_as_after(school):
    action = meeting(school, amy(school))
    action_name, detail = school.conn.execute(
        "SELECT action, detail FROM events WHERE id = ?", (action.event_id,)
    ).fetchone()
    after = json.loads(detail)["after"]
    assert action_name == "action"
    assert (after["kind"], after["detail"]["barriers"]) == ("meeting_held", ["transport"])


def test_an_action_status_change_is_audited_with_before_and_after(school):
    action = record_action(school, amy(school), "early_help_referral", ON, status="open")
    changed = set_action_status(school, action.id, "done")
    assert changed.status == "done"
    detail = json.loads(
        school.conn.execute(
            "SELECT detail FROM events WHERE action = 'action-status' ORDER BY id DESC"
        ).fetchone()[0]
    )
    assert (detail["before"]["status"], detail["after"]["status"]) == ("open", "done")


# --- the timeline -----------------------------------------------------------------------------


def test_the_timeline_holds_every_kind_of_entry_newest_first(school):
    pid = amy(school)
    mother = None
    log_attempt(school, [pid], ON, "AM", "call", "no_answer", mother, at=NINE)
    log_attempt(
        school, [pid], ON, "AM", "call", "spoke_reason", mother, reason_code="I",
        at=NINE + timedelta(minutes=5),
    )  # fmt: skip
    add_note(school, pid, "Mum says flu", at=NINE + timedelta(minutes=6))
    change_stage(school, pid, "Monitor", "third N this month", None, at=NINE + timedelta(minutes=7))
    meeting(school, pid)  # recorded now, after all the above
    kinds = [e.kind for e in timeline(school, pid)]
    assert kinds == ["action", "stage", "note", "recode", "attempt", "attempt"]


def test_timeline_entries_say_what_happened_in_plain_words(school):
    pid = amy(school)
    log_attempt(school, [pid], ON, "AM", "call", "spoke_reason", None, reason_code="I", at=NINE)
    change_stage(school, pid, "Monitor", "third N", date(2026, 12, 8), at=NINE + timedelta(1))
    texts = [e.text for e in timeline(school, pid)]
    assert texts == [
        "Stage: Expect → Monitor. third N Review by 08/12/2026.",
        "Mark 24/11/2026 AM recoded N → I (Spoke to contact — reason given)",
        "Call: Spoke to contact — reason given; absence 24/11/2026 AM; reason I",
    ]


def test_the_timeline_shows_an_alert_acknowledgement_with_who_and_when(school):
    pid = amy(school)
    change_stage(school, pid, "Monitor", "pattern", ON, at=NINE)
    alert = next(a for a in alerts_for(school, ON) if a.kind == "review_due")
    acknowledge(school, alert, at=NINE + timedelta(hours=1))
    entry = timeline(school, pid)[0]
    assert (entry.kind, entry.officer, entry.when.hour) == ("ack", "officer.one", 10)
    assert entry.text == "Alert acknowledged: Review due (arose 24/11/2026)"


def test_the_timeline_leaves_out_what_was_undone(school):
    pid = amy(school)
    add_note(school, pid, "kept", at=NINE)
    add_note(school, pid, "a slip", at=NINE + timedelta(minutes=1))
    undo_last(school)
    assert [e.text for e in timeline(school, pid)] == ["Note: kept"]


# --- patterns ---------------------------------------------------------------------------------

MONDAY = date(2026, 9, 7)


def weekly_marks(missed: dict[int, int], weeks: int = 10, pm_only: bool = False) -> list[Mark]:
    """Ten weeks of a pupil's register, absent (I) on ``missed[weekday]`` sessions of that
    weekday: the morning first, then the afternoon, week after week."""
    marks = []
    left = dict(missed)
    for week in range(weeks):
        for weekday in range(5):
            day = MONDAY + timedelta(weeks=week, days=weekday)
            for session in ("PM", "AM") if pm_only else ("AM", "PM"):
                absent = left.get(weekday, 0) > 0
                if absent:
                    left[weekday] -= 1
                marks.append(Mark(1, day, session, "I" if absent else "/"))
    return marks


def days_missed(by_weekday: list[int]) -> dict[int, int]:
    return {d: n for d, n in enumerate(by_weekday) if n}


def test_absences_are_counted_by_weekday_and_by_session():
    found = patterns(weekly_marks({0: 3, 4: 2}), None, None)
    assert found.by_weekday == (3, 0, 0, 0, 2)
    assert dict(found.by_session) == {"AM": 3, "PM": 2}
    assert found.possible_by_weekday == (20, 20, 20, 20, 20)


def test_only_the_range_asked_for_is_counted():
    marks = weekly_marks({0: 6})  # Mondays of weeks 1-3
    assert patterns(marks, MONDAY + timedelta(weeks=1), None).by_weekday[0] == 4


def test_approved_off_site_and_not_possible_sessions_are_not_absences():
    marks = [Mark(1, MONDAY, "AM", "V"), Mark(1, MONDAY, "PM", "X"), Mark(1, MONDAY, "AM", "I")]
    found = patterns(marks, None, None)
    assert (found.by_weekday[0], found.possible_by_weekday[0]) == (1, 2)


@pytest.mark.parametrize(
    "by_weekday, called",
    [
        ([6, 4, 4, 4, 4], "Mondays"),  # exactly 1.5 x the mean of the others
        ([5, 4, 4, 4, 4], None),  # just under
        ([3, 0, 0, 0, 0], "Mondays"),  # exactly the minimum of 3
        ([2, 0, 0, 0, 0], None),  # one day off is not a pattern
        ([0, 0, 0, 0, 4], "Fridays"),
        ([5, 0, 0, 0, 4], "Mondays and Fridays"),
        ([4, 4, 4, 0, 0], None),  # three heavy days: spread, not a pattern
    ],
)
def test_a_weekday_is_called_out_at_three_absences_and_one_and_a_half_times_the_others(
    by_weekday, called
):
    found = patterns(weekly_marks(days_missed(by_weekday)), None, None)
    # Sessions are spread AM then PM, so no session pattern muddles the weekday one.
    if called is None:
        assert found.weekdays == ()
        assert found.callout is None or "falls mostly on" not in found.callout
    else:
        assert f"Absence falls mostly on {called}:" in (found.callout or "")


def sessions(am: int, pm: int) -> list[Mark]:
    """``am`` mornings and ``pm`` afternoons missed, each on a different weekday of a week."""
    marks = []
    day = MONDAY
    for session, count in (("AM", am), ("PM", pm)):
        for _ in range(count):
            other = "PM" if session == "AM" else "AM"
            marks += [Mark(1, day, session, "I"), Mark(1, day, other, "/")]
            day += timedelta(days=3 if day.weekday() == 4 else 1)  # Friday -> Monday
    return marks


@pytest.mark.parametrize(
    "am, pm, called",
    [
        (6, 4, "mornings"),  # exactly 60%
        (5, 4, None),  # 55%
        (4, 0, "mornings"),  # exactly the minimum of 4
        (3, 0, None),  # under the minimum
        (1, 5, "afternoons"),
    ],
)
def test_a_session_is_called_out_at_four_absences_and_sixty_percent(am, pm, called):
    found = patterns(sessions(am, pm), None, None)
    assert found.session == {"mornings": "AM", "afternoons": "PM", None: None}[called]
    if called:
        assert f"mostly in the {called}" in (found.callout or "")


def test_no_absence_means_no_callout():
    assert patterns(weekly_marks({}), None, None).callout is None


# --- the register grid ------------------------------------------------------------------------


def grid_marks(weeks: int, code_of=lambda day, session: "/") -> list[Mark]:
    return [
        Mark(
            1,
            MONDAY + timedelta(weeks=w, days=d),
            s,
            code_of(MONDAY + timedelta(weeks=w, days=d), s),
        )
        for w in range(weeks)
        for d in range(5)
        for s in ("AM", "PM")
    ]


def test_the_grid_has_the_last_twelve_school_weeks_of_five_days_and_two_sessions():
    marks = grid_marks(14)
    days = school_days((m.date, m.code) for m in marks)
    grid = register_grid(marks, days, days[-1])
    assert len(grid.weeks) == 12
    assert grid.weeks[0].monday == MONDAY + timedelta(weeks=2)  # oldest first
    assert all(len(w.cells) == 5 and all(len(day) == 2 for day in w.cells) for w in grid.weeks)
    assert grid.weeks[-1].text == "// // // // //"


def test_each_kind_of_cell_has_its_own_character_and_a_legend_entry():
    assert len(set(CELL_CHARS.values())) == len(Cell)
    assert [label for _char, label in LEGEND] == [c.value for c in Cell]


@pytest.mark.parametrize(
    "code, kind, char",
    [
        ("/", Cell.PRESENT, "/"),
        ("L", Cell.PRESENT, "/"),
        ("V", Cell.APPROVED, "+"),
        ("I", Cell.AUTHORISED, "~"),
        ("O", Cell.UNAUTHORISED, "!"),
        ("N", Cell.UNAUTHORISED, "!"),
        ("X", Cell.NOT_POSSIBLE, "-"),
    ],
)
def test_a_cell_shows_the_category_of_its_mark(code, kind, char):
    marks = [Mark(1, MONDAY, "AM", code)]
    cell = register_grid(marks, [MONDAY], MONDAY).weeks[0].cells[0][0]
    assert (cell.kind, cell.char, cell.code) == (kind, char, code)


def test_a_whole_school_closure_shows_as_not_a_school_day():
    closure = MONDAY + timedelta(days=2)  # Wednesday: INSET, every pupil '#'
    marks = grid_marks(1, lambda day, s: "#" if day == closure else "/")
    other_pupil = [Mark(2, m.date, m.session, m.code) for m in marks]
    days = school_days((m.date, m.code) for m in marks + other_pupil)
    week = register_grid(marks, days, MONDAY + timedelta(days=4)).weeks[0]
    assert week.cells[2][0].kind is Cell.NOT_SCHOOL_DAY
    assert week.text == "// // .. // //"


def test_a_session_not_yet_taken_shows_no_mark_and_later_days_not_school_days():
    marks = [m for m in grid_marks(1) if m.date <= MONDAY + timedelta(days=1)]
    marks = [m for m in marks if not (m.date == MONDAY + timedelta(days=1) and m.session == "PM")]
    days = school_days((m.date, m.code) for m in marks)
    assert register_grid(marks, days, days[-1]).weeks[0].text == "// /? .. .. .."


def test_a_holiday_week_is_left_out_and_the_week_after_it_is_marked():
    marks = [
        m
        for m in grid_marks(3)
        if not (MONDAY + timedelta(weeks=1) <= m.date < MONDAY + timedelta(weeks=2))
    ]
    days = school_days((m.date, m.code) for m in marks)
    grid = register_grid(marks, days, days[-1])
    assert [w.monday for w in grid.weeks] == [MONDAY, MONDAY + timedelta(weeks=2)]
    assert [w.after_break for w in grid.weeks] == [False, True]


# --- the suggested stage ----------------------------------------------------------------------

PERSISTENT = AttendanceSummary(possible=100, attending=88, authorised=12, unauthorised=0)
SEVERE = AttendanceSummary(possible=100, attending=40, authorised=50, unauthorised=10)
FINE = AttendanceSummary(possible=100, attending=96, authorised=4, unauthorised=0)


def suggested_stage(*args, **kwargs) -> str | None:
    """The stage :func:`suggest` points to, or None."""
    found = suggest(*args, **kwargs)
    return found.stage if found else None


def act(kind: str) -> Action:
    return Action(0, 1, kind, ON, None, None, None, {}, NINE, "o", 0)


def test_persistent_absence_with_nothing_recorded_suggests_listen_and_understand():
    assert suggested_stage(PERSISTENT, 0, 0, []) == "Listen and understand"


def test_persistent_absence_after_a_meeting_suggests_facilitate_support():
    assert suggested_stage(PERSISTENT, 0, 0, [act("meeting_held")]) == "Facilitate support"


def test_severe_absence_with_no_support_recorded_suggests_listening_first():
    assert suggested_stage(SEVERE, 0, 0, [act("letter_sent")]) == "Listen and understand"


@pytest.mark.parametrize(
    "summary, rolling, days",
    [(SEVERE, 0, 0), (FINE, 10, 0), (FINE, 0, 10)],
    ids=["severe absence", "penalty threshold", "missing education"],
)
def test_a_serious_concern_with_support_recorded_suggests_formalise_support(summary, rolling, days):
    found = suggest(summary, rolling, days, [act("early_help_referral")])
    assert found.stage == "Formalise support"
    assert "with support already recorded" in found.reason


def test_just_under_every_threshold_suggests_nothing():
    assert suggested_stage(FINE, 9, 9, [act("early_help_referral")]) is None


def test_nothing_is_suggested_at_or_below_the_current_stage():
    assert suggested_stage(PERSISTENT, 0, 0, [], current_stage="Listen and understand") is None
    assert suggested_stage(PERSISTENT, 0, 0, [], current_stage="Monitor") == "Listen and understand"
