"""Leave of absence and part-time timetables through Textual's Pilot, on a copy of the demo
school (Tuesday 24 November 2026, AM): the reason picker refuses `c` without granted leave
and stays open for G or O; the case's keys record a request (o), a lead's decision (d) and
a part-time timetable (w)."""

from __future__ import annotations

from textual.widgets import Input, Static

from screens.case_dialogs import Choice, FieldsForm
from screens.outcome_dialog import OutcomeDialog, ReasonPicker
from tests.conftest import DEMO_MORNING, planted, pupil_id, query
from tests.pilot import NOW, loaded, make_app, open_case, press, text_of, type_text
from triage.casework.leave import decide_leave, request_leave
from triage.store import open_store


def _queued_pid(demo_db) -> int:
    return pupil_id(demo_db, planted().morning_queue[0])


def _mark(demo_db, pid: int) -> str:
    return query(
        demo_db,
        "SELECT code FROM marks WHERE pupil_id = ? AND date = ? AND session = 'AM'",
        pid,
        DEMO_MORNING.isoformat(),
    )[0][0]


async def _fill(pilot, *values: str) -> None:
    """Type each value into the form's fields in turn (clearing what is there)."""
    inputs = list(pilot.app.screen.query(Input))
    for field, value in zip(inputs, values, strict=False):
        field.value = value
    await pilot.pause()


async def test_c_in_the_reason_picker_is_refused_without_leave_and_g_then_recorded(
    demo_db,
) -> None:
    pid = _queued_pid(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "r", "c")
        assert isinstance(app.screen, ReasonPicker)  # still open, saying why
        refused = text_of(app.screen.query_one("#reason-refused", Static))
        assert "No granted leave" in refused and "G" in refused
        assert _mark(demo_db, pid) == "N"
        assert query(demo_db, "SELECT count(*) FROM recodes") == [(0,)]
        await press(pilot, "g")
        assert not isinstance(app.screen, ReasonPicker)
    assert _mark(demo_db, pid) == "G"


async def test_c_after_a_call_is_allowed_when_granted_leave_covers_the_session(
    demo_db,
) -> None:
    pid = _queued_pid(demo_db)
    with open_store(demo_db, create=False, officer="officer.one") as s:
        request = request_leave(
            s,
            pid,
            (DEMO_MORNING, "AM"),
            (DEMO_MORNING, "PM"),
            "funeral",
            "Mum",
            DEMO_MORNING.replace(day=2),
            at=NOW.replace(day=2),
        )
        # decided before the marks came in; the N stays until a call says the family is away
        decide_leave(s, request.id, "granted", "Mrs Head", on=DEMO_MORNING.replace(day=3))
        s.conn.execute(
            "UPDATE marks SET code = 'N' WHERE pupil_id = ? AND date = ? AND session = 'AM'",
            (pid, DEMO_MORNING.isoformat()),
        )
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "c")
        assert isinstance(app.screen, OutcomeDialog)
        await press(pilot, "1", "c")
        assert not isinstance(app.screen, ReasonPicker)
    assert _mark(demo_db, pid) == "C"


async def test_the_queue_reason_picker_refuses_c_too(demo_db) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "r", "c")
        assert isinstance(app.screen, ReasonPicker)
        assert "No granted leave" in text_of(app.screen.query_one("#reason-refused", Static))
        await press(pilot, "escape")
    assert query(demo_db, "SELECT count(*) FROM recodes") == [(0,)]


async def test_o_records_a_leave_request_and_d_the_head_teachers_decision(demo_db) -> None:
    pid = _queued_pid(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "o")
        assert isinstance(app.screen, FieldsForm)
        await _fill(pilot, "14/12/2026", "16/12/2026 AM", "Funeral abroad", "Sarah", "20/11/2026")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        await press(pilot, "d")
        assert isinstance(app.screen, Choice)
        await type_text(pilot, "granted")
        await press(pilot, "enter")
        assert isinstance(app.screen, FieldsForm)
        await type_text(pilot, "Mrs Head")
        await press(pilot, "enter")
        assert not isinstance(app.screen, FieldsForm)
    rows = query(
        demo_db,
        "SELECT first_date, last_session, asked_by, decision, decided_by, decision_officer"
        " FROM leave_requests WHERE pupil_id = ?",
        pid,
    )
    assert rows == [("2026-12-14", "AM", "Sarah", "granted", "Mrs Head", "officer.one")]


async def test_a_bad_date_in_the_leave_form_reopens_it_as_typed_with_the_reason(
    demo_db,
) -> None:
    pid = _queued_pid(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "o")
        await _fill(pilot, "16/12/2026", "14/12/2026", "Funeral", "Sarah", "20/11/2026")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, FieldsForm)
        assert "before it starts" in text_of(app.screen.query_one("#form-error", Static))
        assert app.screen.query_one("#field-reason", Input).value == "Funeral"
    assert query(demo_db, "SELECT count(*) FROM leave_requests") == [(0,)]


async def test_d_is_for_a_lead_only(demo_db) -> None:
    from triage.officers import add_officer

    pid = _queued_pid(demo_db)
    with open_store(demo_db, create=False, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "officer.two", "officer")
        request_leave(s, pid, (DEMO_MORNING, "AM"), (DEMO_MORNING, "PM"), "r", "Mum",
                      DEMO_MORNING.replace(day=2), at=NOW.replace(day=2))  # fmt: skip
    app = make_app(demo_db, officer="officer.two")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "d")
        assert not isinstance(app.screen, Choice)
    assert query(demo_db, "SELECT decision FROM leave_requests") == [(None,)]


async def test_w_records_a_part_time_timetable_and_the_case_shows_it(demo_db) -> None:
    pid = _queued_pid(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        await press(pilot, "w")
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # record a new one
        assert isinstance(app.screen, FieldsForm)
        await _fill(pilot, "02/11/2026", "18/12/2026", "16/11/2026 30/11/2026", "Sarah",
                    "30/10/2026", "", "reintegration")  # fmt: skip
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        attendance = text_of(screen.query_one("#case-attendance", Static))
        assert "Part-time timetable" in attendance and "agreed with Sarah" in attendance
    rows = query(demo_db, "SELECT starts, review_dates FROM part_time_timetables")
    assert rows == [("2026-11-02", '["2026-11-16", "2026-11-30"]')]


async def test_the_case_shows_the_schools_stage_names_and_stores_the_dfe_stage(demo_db) -> None:
    from screens.case_dialogs import StageDialog
    from triage import settings
    from triage.casework import cases

    pid = pupil_id(demo_db, planted().penalty_10)
    with open_store(demo_db, create=False, officer="officer.one") as s:
        settings.set_value(s, "stage_name.expect", "Aspire")
        settings.set_value(s, "stage_name.monitor", "Keep an eye")
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        assert "Stage: Aspire" in text_of(screen.query_one("#case-header", Static))
        await press(pilot, "greater_than_sign")
        assert isinstance(app.screen, StageDialog)
        assert "from Aspire" in text_of(app.screen.query_one("#dialog-title", Static))
        await type_text(pilot, "pattern on Mondays")
        await press(pilot, "enter")
        assert "Stage: Keep an eye" in text_of(screen.query_one("#case-header", Static))
    with open_store(demo_db, create=False) as s:
        assert cases.current_stage(s, pid) == cases.MONITOR
