"""The calling ladder on the queue screen: next steps, overdue families, the DSL alert."""

from __future__ import annotations

from datetime import date, datetime

from textual.widgets import DataTable

from screens.app import TriageApp
from tests.conftest import DEMO_MORNING
from tests.pilot import Clock
from tests.pilot import loaded as _loaded
from triage.morning.ladder import acknowledged
from triage.store import open_store

AT_1010 = datetime(2026, 11, 24, 10, 10)  # naive: local time, as the app's clock


async def test_each_family_shows_its_next_step_and_when_it_is_due(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, clock=Clock(9, 20))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        first = str(table.get_cell_at((0, 4)))
        assert first == "Text 09:45"  # 30 minutes after the 09:15 register close
        assert "ladder overdue" not in str(app.screen.query_one("#queue-summary").render())


async def test_families_whose_step_falls_overdue_move_up(demo_db) -> None:
    clock = Clock(9, 20)
    app = TriageApp(demo_db, DEMO_MORNING, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        screen = app.screen
        texted = screen.morning.families[3]  # no safeguarding flag: its next step is a call
        assert not texted.entries[0].pupil.safeguarding
        await pilot.press("j", "j", "j", "t", "1")  # text sent: its text step is done
        await pilot.pause()
        clock.now = datetime(2026, 11, 24, 9, 50)  # every other family's text is now late
        screen.refresh_progress()
        await pilot.pause()
        order = screen.row_order()
        last = screen.morning.families[-1].entries[0].pupil.id
        assert order.index(last) < order.index(texted.entries[0].pupil.id)
        assert "ladder overdue 15" in str(screen.query_one("#queue-summary").render())


async def test_a_dsl_alert_interrupts_once_and_its_acknowledgement_is_recorded(demo_db) -> None:
    clock = Clock(10, 45)  # past the 75-minute DSL step for the safeguarding families
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        app.screen.refresh_progress()
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        await pilot.press("y")
        await pilot.pause()
    with open_store(demo_db) as s:
        acks = acknowledged(s, DEMO_MORNING, "AM")
        assert acks and next(iter(acks.values())).officer == "officer.one"
        assert any(e["action"] == "ladder-ack" for e in s.events())


async def test_l_shows_the_family_ladder(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, clock=Clock(9, 20))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert type(app.screen).__name__ == "LadderView"
        assert app.screen.ladder.steps[0].step.label == "Text"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "QueueScreen"


def _text_sent_at_0940(demo_db) -> int:
    """The first queued pupil's family texted at 09:40 (the ladder's text, due 09:45)."""
    from triage.morning.logbook import log_attempt

    with open_store(demo_db, officer="officer.one") as s:
        pupil = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]
        log_attempt(
            s, [pupil], DEMO_MORNING, "AM", "text", "text_sent", at=datetime(2026, 11, 24, 9, 40)
        )
    return pupil


def test_the_case_timeline_keeps_the_ladder_steps_done_and_only_those(demo_db) -> None:
    from triage.casework.cases import timeline

    pupil = _text_sent_at_0940(demo_db)
    with open_store(demo_db) as s:
        texts = [e for e in timeline(s, pupil, ladder=True, now=AT_1010) if e.kind == "ladder"]
    done = [e for e in texts if "Text due 09:45, done 09:40" in e.text]
    assert done and done[0].officer == "officer.one"
    # A step not done is not history: no "due 10:00, overdue" row with no officer.
    assert all(", done " in e.text and e.officer for e in texts), texts


def test_the_steps_not_done_are_listed_apart_in_due_order_overdue_marked(demo_db) -> None:
    from triage.casework.cases import ladder_to_do

    pupil = _text_sent_at_0940(demo_db)
    with open_store(demo_db) as s:
        to_do = ladder_to_do(s, pupil, DEMO_MORNING, AT_1010)
        earlier_day = ladder_to_do(s, pupil, date(2026, 11, 23), AT_1010)
    assert to_do[0].label == "Call priority-1 contact" and f"{to_do[0].due:%H:%M}" == "10:00"
    assert to_do[0].overdue  # due 10:00, and it is 10:10
    assert not to_do[-1].overdue  # the last step (hours later) is not due yet
    assert [t.due for t in to_do] == sorted(t.due for t in to_do)
    assert "Text" not in [t.label for t in to_do][:1]  # done at 09:40: not still to do
    assert earlier_day == []  # only the case's day: earlier days' steps are not "to do"


def test_triage_case_prints_the_steps_to_do_before_the_timeline(demo_db) -> None:
    from triage.casework.chronology import load_case
    from triage.render.case import timeline_text

    pupil = _text_sent_at_0940(demo_db)
    with open_store(demo_db) as s:
        text = timeline_text(load_case(s, pupil, DEMO_MORNING, AT_1010)).plain
    to_do, history = text.split("Timeline (newest first)")
    assert to_do.startswith("Calling ladder, still to do (Tue 24 Nov)")
    assert "AM 10:00  Call priority-1 contact  overdue" in to_do
    assert "Text due 09:45, done 09:40" in history and "overdue" not in history


async def test_the_case_screens_timeline_tab_shows_the_steps_to_do_apart(demo_db) -> None:
    from tests.pilot import make_app, open_case, press, screen_text

    pupil = _text_sent_at_0940(demo_db)
    app = make_app(demo_db, clock=Clock(10, 10))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pupil)
        await press(pilot, "4")
        shown = screen_text(app)
    to_do, history = shown.split("Timeline, newest first")
    assert "Calling ladder, still to do" in to_do and "overdue" in to_do
    assert "Call priority-1 contact" in to_do and "Call priority-1" not in history
    assert "Text due 09:45, done 09:40" in history
