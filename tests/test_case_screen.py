"""The case screen and the caseload through Textual's Pilot, on a copy of the demo school.

Each test pushes the screen itself (the queue's `enter` and `w` are wired elsewhere),
presses the keys an officer would, and asserts on the store. Only the screens' own
workers (group "case") are waited for. The demo morning is Tuesday 24 November 2026.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from screens.app import TriageApp
from screens.case_dialogs import ActionForm, Choice, Info, PenaltyForm, StageDialog
from screens.case_screen import CaseScreen
from screens.outcome_dialog import Confirm, OutcomeDialog, Prompt
from tests.conftest import DEMO_MORNING, database_dump, planted, pupil_id, query
from tests.pilot import (
    NOW,
    choose_action,
    make_app,
    open_case,
    open_caseload,
    press,
    text_of,
    type_text,
)
from triage.casework import cases, penalties
from triage.casework.letters import improvement_period
from triage.officers import add_officer, display_name, set_display_name
from triage.store import open_store


def stage_of(path: Path, pid: int) -> str:
    with open_store(path, create=False) as s:
        return cases.current_stage(s, pid)


def setup_store(path: Path):
    return open_store(path, create=False, officer="officer.one")


# --- stages -----------------------------------------------------------------------------------


async def test_moving_up_to_formalise_without_support_asks_and_y_confirms(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        cases.change_stage(s, pid, cases.FACILITATE, "no improvement", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "greater_than_sign")
        assert isinstance(app.screen, StageDialog)
        await type_text(pilot, "no help")
        await press(pilot, "enter")
        assert isinstance(app.screen, Confirm)
        await press(pilot, "y")
    with setup_store(demo_db) as s:
        latest = cases.stage_history(s, pid)[0]
    assert (latest.to_stage, latest.confirmed, latest.reason) == (
        cases.FORMALISE,
        True,
        "no help",
    )


async def test_answering_n_to_the_confirmation_leaves_the_store_untouched(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        cases.change_stage(s, pid, cases.FACILITATE, "no improvement", None, at=NOW)
    before = database_dump(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "greater_than_sign")
        await type_text(pilot, "no help")
        await press(pilot, "enter")
        assert isinstance(app.screen, Confirm)
        await press(pilot, "n")
        assert isinstance(app.screen, CaseScreen)
    assert database_dump(demo_db) == before


async def test_moving_up_with_support_recorded_needs_no_confirmation(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        cases.record_action(
            s, pid, "meeting_held", date(2026, 11, 10), detail={"barriers": ["transport"]}
        )
        cases.change_stage(s, pid, cases.FACILITATE, "bus pass arranged", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "greater_than_sign")
        await type_text(pilot, "worse")
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
    with setup_store(demo_db) as s:
        latest = cases.stage_history(s, pid)[0]
    assert (latest.to_stage, latest.confirmed) == (cases.FORMALISE, False)


async def test_an_unapproved_holiday_moves_up_without_confirmation(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        cases.change_stage(s, pid, cases.FACILITATE, "holiday taken", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "greater_than_sign")
        await type_text(pilot, "Spain")
        await press(pilot, "tab", "tab", "space")  # reason -> review date -> holiday box
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    with setup_store(demo_db) as s:
        latest = cases.stage_history(s, pid)[0]
    assert (latest.to_stage, latest.holiday, latest.confirmed) == (cases.FORMALISE, True, False)


async def test_moving_down_records_the_reason_and_the_offered_review_date(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    with setup_store(demo_db) as s:
        cases.change_stage(s, pid, cases.MONITOR, "pattern of Mondays", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "less_than_sign")
        await type_text(pilot, "better")
        await press(pilot, "enter")
    with setup_store(demo_db) as s:
        latest = cases.stage_history(s, pid)[0]
    assert (latest.to_stage, latest.review_date) == (cases.EXPECT, date(2026, 12, 22))


async def test_a_review_date_in_the_past_reopens_the_dialog_with_the_reason(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "greater_than_sign")
        await type_text(pilot, "M")
        await press(pilot, "tab", "ctrl+u")  # the review date field, emptied
        await type_text(pilot, "1/11/2026")
        await press(pilot, "enter")
        assert isinstance(app.screen, StageDialog)
        assert "in the past" in text_of(app.screen.query_one("#form-error", Static))
    assert stage_of(demo_db, pid) == cases.EXPECT


async def test_u_undoes_the_officers_last_stage_move(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    with setup_store(demo_db) as s:
        cases.change_stage(s, pid, cases.MONITOR, "pattern of Mondays", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        await press(pilot, "u")
        assert screen.case is not None and screen.case.stage == cases.EXPECT
    assert stage_of(demo_db, pid) == cases.EXPECT


# --- actions ----------------------------------------------------------------------------------


async def test_a_meeting_records_the_barriers_ticked(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "mee")
        assert isinstance(app.screen, ActionForm)
        await press(pilot, "tab", "space", "down", "down", "down", "space")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    with setup_store(demo_db) as s:
        (meeting,) = cases.actions_of(s, pid, "meeting_held")
    assert meeting.barriers == ("illness/health", "bullying")


async def test_a_meeting_with_no_barrier_ticked_is_not_saved(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "mee")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ActionForm)
    assert query(demo_db, "SELECT COUNT(*) FROM actions") == [(0,)]


async def test_a_notice_to_improve_records_the_end_of_its_improvement_period(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "imp")
        await press(pilot, "enter")
    with setup_store(demo_db) as s:
        (nti,) = cases.actions_of(s, pid, "notice_to_improve")
    assert (nti.on, nti.due_date) == (DEMO_MORNING, improvement_period(DEMO_MORNING, 4)[1])


def confirm_text(app: TriageApp) -> str:
    return text_of(app.screen.query_one("#dialog-title", Static))


async def test_a_first_penalty_notice_is_80_then_160_and_is_issued_on_y(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "pen")
        assert isinstance(app.screen, PenaltyForm)
        await press(pilot, "enter", "enter")  # the first parent; the date as offered
        assert isinstance(app.screen, Confirm)
        words = " ".join(confirm_text(app).split())
        assert "First penalty notice to Claire Chapman" in words
        assert "£80 if paid by 15/12/2026 (21 days)" in words
        assert "£160 if paid by 22/12/2026 (28 days)" in words
        await press(pilot, "y")
    with setup_store(demo_db) as s:
        (notice,) = cases.actions_of(s, pid, "penalty_notice")
    assert (notice.detail["number"], notice.status) == (1, "issued")


async def test_a_second_penalty_notice_is_160_with_no_reduced_rate(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        penalties.issue_penalty_notice(
            s, pid, "Claire Chapman", date(2025, 3, 3), override="issued before the app was used"
        )
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "pen")
        await press(pilot, "enter", "enter")
        words = " ".join(confirm_text(app).split())
        assert "Second penalty notice" in words and "No reduced rate" in words
        assert "£160 if paid by 22/12/2026 (28 days)" in words and "£80" not in words
        await press(pilot, "y")
    with setup_store(demo_db) as s:
        latest = cases.actions_of(s, pid, "penalty_notice")[0]
    assert latest.detail["number"] == 2


async def test_a_third_penalty_notice_within_3_years_is_refused(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with setup_store(demo_db) as s:
        penalties.issue_penalty_notice(
            s, pid, "Claire Chapman", date(2025, 3, 3), override="issued before the app was used"
        )
        penalties.issue_penalty_notice(
            s, pid, "Claire Chapman", date(2026, 2, 2), override="issued before the app was used"
        )
    before = database_dump(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "pen")
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, Info)
        words = " ".join(text_of(app.screen.query_one("#info-message", Static)).split())
        assert "a third cannot be issued (not before 03/03/2028)" in words
        assert "section 444" in words
        await press(pilot, "escape")
    assert database_dump(demo_db) == before


# --- leaving things alone -------------------------------------------------------------------


async def test_escape_from_every_dialog_leaves_the_store_untouched(demo_db) -> None:
    upn = planted().morning_queue[0]  # an N this morning: the call keys open their dialogs
    pid = pupil_id(demo_db, upn)
    before = database_dump(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        for keys in (
            ("c",),
            ("r",),
            ("n",),
            ("greater_than_sign",),
            ("a", "m", "e", "e", "enter"),
            ("a", "p", "e", "n", "enter"),
            ("l",),
        ):
            await press(pilot, *keys)
            assert not isinstance(app.screen, CaseScreen), keys
            while not isinstance(app.screen, CaseScreen):
                await press(pilot, "escape")
        await press(pilot, "escape")
        assert not isinstance(app.screen, CaseScreen)
    assert database_dump(demo_db) == before


# --- the screen's parts -----------------------------------------------------------------------


async def _register_tab(pilot: Pilot) -> None:
    pid = pupil_id(pilot.app.db_path, planted().penalty_10)
    await open_case(pilot, pid)
    await press(pilot, "2")
    await pilot.pause(0.3)


def test_the_register_grid_reads_at_80x24(demo_db, snap_compare) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=(80, 24), run_before=_register_tab)


@pytest.mark.parametrize("width", [40, 76, 80, 116, 120])
def test_the_register_legend_breaks_only_between_whole_phrases(demo, width: int) -> None:
    import io

    from rich.console import Console

    from triage.casework.chronology import load_case
    from triage.render.case import register_text

    case = load_case(demo, demo.pupil_by_upn(planted().penalty_10).id, DEMO_MORNING)
    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(register_text(case))
    lines = out.getvalue().splitlines()
    for char, meaning in case.grid.legend:
        assert any(f"{char} {meaning}" in line for line in lines), (meaning, lines[-4:])
    assert all(len(line.rstrip()) <= width for line in lines)


async def test_enter_on_a_sibling_opens_the_siblings_case(demo_db) -> None:
    first, second = planted().queue_sibling_pairs[0]
    pid, sibling = pupil_id(demo_db, first), pupil_id(demo_db, second)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        opened = await open_case(pilot, pid)
        await press(pilot, "3", "enter")
        assert isinstance(app.screen, CaseScreen) and app.screen.pupil_id == sibling
        await press(pilot, "escape")
        assert app.screen is opened


async def test_k_acknowledges_the_alert_picked(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)  # penalty threshold, persistent absence
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "k")
        assert isinstance(app.screen, Choice)
        await press(pilot, "down", "enter")
    acks = query(demo_db, "SELECT pupil_id, kind, officer FROM alert_acks")
    assert acks == [(pid, "persistent_absence", "officer.one")]


async def test_a_viewer_has_no_key_that_writes(demo_db) -> None:
    with open_store(demo_db, create=False, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "viewer.one", "viewer")
    pid = pupil_id(demo_db, planted().morning_queue[0])
    before = database_dump(demo_db)
    app = make_app(demo_db, officer="viewer.one")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        shown = {b.action for _node, b, enabled, _tip in screen.active_bindings.values() if enabled}
        assert "back" in shown and "chronology" in shown
        assert not shown & {"log('call')", "note", "stage(1)", "record_action", "letter", "undo"}
        for key in ("c", "n", "greater_than_sign", "a", "l", "k", "u"):
            await press(pilot, key)
            assert app.screen is screen, key
    assert database_dump(demo_db) == before


async def test_l_writes_the_letter_beside_the_database_and_records_it(demo_db) -> None:
    upn = planted().penalty_9
    pid = pupil_id(demo_db, upn)
    with setup_store(demo_db) as s:
        set_display_name(s, "officer.one", "Priya Shah")
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "l")
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # attendance-concern, the first
    letter = demo_db.parent / "letters" / f"{upn}-attendance-concern.html"
    assert letter.stat().st_mode & 0o777 == 0o600
    with setup_store(demo_db) as s:
        (sent,) = cases.actions_of(s, pid, "letter_sent")
    assert sent.detail["file"] == str(letter)


async def test_l_asks_an_officer_with_no_name_for_it_and_signs_with_it_not_the_login(
    demo_db,
) -> None:
    upn = planted().penalty_9
    pid = pupil_id(demo_db, upn)
    app = make_app(demo_db)  # officer.one, no name recorded
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "l", "enter")  # attendance-concern, the first
        assert isinstance(app.screen, Prompt)  # asked before any letter is made
        assert not (demo_db.parent / "letters").exists()
        await type_text(pilot, "officer.one")
        await press(pilot, "enter")
        assert isinstance(app.screen, Prompt)  # a login is not a name: asked again
        await press(pilot, *["backspace"] * len("officer.one"))
        await type_text(pilot, "Priya Shah")
        await press(pilot, "enter")
    letter = demo_db.parent / "letters" / f"{upn}-attendance-concern.html"
    text = letter.read_text(encoding="utf-8")
    assert "Priya Shah" in text and "officer.one" not in text
    with setup_store(demo_db) as s:
        assert display_name(s) == "Priya Shah"  # kept: not asked again
        (event,) = query(
            demo_db, "SELECT officer, detail FROM events WHERE action = 'officer-name'"
        )
    assert event[0] == "officer.one" and "Priya Shah" in event[1]


async def test_a_letter_whose_name_question_is_cancelled_writes_nothing(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    before = database_dump(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "l", "enter")
        assert isinstance(app.screen, Prompt)
        await press(pilot, "escape")
        assert isinstance(app.screen, CaseScreen)
    assert not (demo_db.parent / "letters").exists()
    assert database_dump(demo_db) == before


async def test_c_logs_a_call_against_the_pupils_latest_unexplained_absence(demo_db) -> None:
    pid = pupil_id(demo_db, planted().queue_social_worker)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "c")
        assert isinstance(app.screen, OutcomeDialog)
        await press(pilot, "3")  # no answer
    rows = query(demo_db, "SELECT pupil_id, date, session, channel, outcome FROM attempts")
    assert rows == [(pid, DEMO_MORNING.isoformat(), "AM", "call", "no_answer")]


async def test_c_with_no_unexplained_absence_says_there_is_nothing_to_log(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)  # present this morning, no N anywhere
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        await press(pilot, "c")
        assert app.screen is screen
        assert any("no unexplained absence" in n.message for n in app._notifications)


async def test_n_adds_a_note_to_the_timeline(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        await press(pilot, "n")
        await type_text(pilot, "[b]x")  # shown as typed, never as markup
        await press(pilot, "enter", "4")
        assert "Note: [b]x" in text_of(screen.query_one("#case-timeline", Static))


async def test_h_writes_a_private_chronology_beside_the_database(demo_db) -> None:
    upn = planted().penalty_10
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pupil_id(demo_db, upn))
        await press(pilot, "h")
    written = demo_db.parent / "chronologies" / f"{upn}-chronology-2026-11-24.html"
    assert written.stat().st_mode & 0o777 == 0o600
    assert "Attendance by half-term" in written.read_text(encoding="utf-8")


# --- the caseload -----------------------------------------------------------------------------


def caseload_ids(app: TriageApp) -> list[int]:
    table = app.screen.query_one("#caseload", DataTable)
    return [int(row.key.value) for row in table.ordered_rows]


async def test_the_caseload_holds_pupils_above_expect_or_with_an_open_alert(demo_db) -> None:
    p = planted()
    monitored = pupil_id(demo_db, p.recent_n[0])  # no alert of its own
    seen = pupil_id(demo_db, p.missing_education_9)
    alerted = pupil_id(demo_db, p.penalty_10)
    with setup_store(demo_db) as s:
        from triage.casework.alerts import acknowledge, alerts_for

        cases.change_stage(s, monitored, cases.MONITOR, "Monday pattern", None, at=NOW)
        for alert in alerts_for(s, DEMO_MORNING, [seen]):
            acknowledge(s, alert)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_caseload(pilot)
        ids = caseload_ids(app)
    assert monitored in ids and alerted in ids and seen not in ids


async def test_s_filters_the_caseload_by_stage(demo_db) -> None:
    p = planted()
    monitored = pupil_id(demo_db, p.recent_n[0])
    with setup_store(demo_db) as s:
        cases.change_stage(s, monitored, cases.MONITOR, "Monday pattern", None, at=NOW)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_caseload(pilot)
        await press(pilot, "s", "s")  # Expect, then Monitor
        assert caseload_ids(app) == [monitored]
        await press(pilot, "escape")  # clears the filters
        assert len(caseload_ids(app)) > 1


async def test_o_sorts_the_caseload_by_lowest_attendance(demo_db) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_caseload(pilot)
        await press(pilot, "o", "o")  # stage, then attendance
        ids = caseload_ids(app)
        percent = {r.pupil.id: r.year.percent for r in screen.rows}
    shown = [percent[i] for i in ids]
    assert shown == sorted(shown) and shown[0] < 50


async def test_enter_on_the_caseload_opens_the_case(demo_db) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_caseload(pilot)
        first = caseload_ids(app)[0]
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen) and app.screen.pupil_id == first
