"""The calling ladder on the queue screen: next steps, overdue families, the DSL alert."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable

from screens.app import TriageApp
from tests.conftest import DEMO_MORNING
from tests.pilot import Clock
from tests.pilot import loaded as _loaded
from triage.morning.ladder import acknowledged
from triage.store import open_store


async def test_each_family_shows_its_next_step_and_when_it_is_due(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, clock=Clock(9, 20))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        first = str(table.get_cell(table.ordered_rows[0].key, "next"))
        assert first == "09:45 Text"  # 30 minutes after the 09:15 register close
        assert "overdue" not in str(app.screen.query_one("#queue-summary").render())


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
        assert "15 overdue" in str(screen.query_one("#queue-summary").render())


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


def test_the_case_timeline_shows_ladder_steps_beside_attempts(demo_db) -> None:
    from triage.casework.cases import timeline
    from triage.morning.logbook import log_attempt

    with open_store(demo_db, officer="officer.one") as s:
        pupil = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]
        log_attempt(
            s, [pupil], DEMO_MORNING, "AM", "text", "text_sent", at=datetime(2026, 11, 24, 9, 40)
        )
        texts = [e for e in timeline(s, pupil, ladder=True) if e.kind == "ladder"]
    done = [e for e in texts if "Text due 09:45, done 09:40" in e.text]
    assert done and done[0].officer == "officer.one"
    assert any("Call priority-1 contact due 10:00" in e.text for e in texts)
