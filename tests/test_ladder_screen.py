"""The calling ladder on the queue screen: next steps, overdue families, the DSL banner and
`D` (DSL told)."""

from __future__ import annotations

import re
from datetime import date, datetime

from rich.cells import cell_len
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.app import TriageApp
from screens.widgets.dsl_banner import DslBanner, banner_text
from tests.conftest import DEMO_MORNING, database_dump, query
from tests.pilot import Clock, notifications, screen_text, settle
from tests.pilot import loaded as _loaded
from triage.morning.ladder import DslDue
from triage.officers import add_officer
from triage.store import open_store

AT_1010 = datetime(2026, 11, 24, 10, 10)  # naive: local time, as the app's clock


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


def banner(app: TriageApp) -> DslBanner:
    return app.screen_stack[1].query_one(DslBanner)


def banner_words(app: TriageApp) -> str:
    return str(banner(app).render()).replace("\n", " ")


async def tick(pilot: Pilot) -> None:
    """The queue's live tick, run now (a tick with nothing written re-reads the ladder every
    15 s): through the screen's own message queue, as its timer runs it."""
    queue = pilot.app.screen_stack[1]
    queue.call_later(queue.refresh_progress)
    await pilot.pause()


def dsl_attempts(path) -> list[tuple]:
    return query(
        path,
        "SELECT pupil_id, channel, outcome, officer FROM attempts WHERE outcome = 'dsl_informed'"
        " AND undone_event_id IS NULL ORDER BY id",
    )


async def test_keys_typed_as_a_dsl_step_falls_due_all_take_effect(demo_db) -> None:
    clock = Clock(10, 29)  # the safeguarding families' DSL step is due at 10:30
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded(pilot)
        first = app.screen.current_pupil_id()
        assert not banner(app).display
        clock.now = datetime(2026, 11, 24, 10, 31)
        await tick(pilot)  # the step falls due with the queue in front
        await pilot.press("c")
        await tick(pilot)  # and again with the outcome dialog open
        await pilot.press("1", "i")
        await pilot.pause()
        assert banner(app).display and "DSL due:" in banner_words(app)
        await pilot.press("s")
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"
    assert query(
        demo_db, "SELECT channel, outcome, reason_code FROM attempts WHERE pupil_id = ?", first
    ) == [("call", "spoke_reason", "I")]


async def test_the_banner_lists_the_families_whose_dsl_step_is_due_in_two_lines_at_80(
    demo_db,
) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=Clock(10, 45))
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded(pilot)
        due = banner(app).due
        assert len(due) > 2
        lines = str(banner(app).render()).splitlines()
        assert banner(app).size.height == len(lines) == 2
        shown = sum(1 for d in due if f"fam {d.family_id} " in " ".join(lines))
        assert lines[0].startswith(f"DSL due: fam {due[0].family_id} ")
        assert lines[-1].endswith(f"+{len(due) - shown} more — D on the family: DSL told")
        assert app.focused is app.screen.query_one("#queue", DataTable)  # never the banner


async def test_d_on_the_family_records_dsl_told_and_the_banner_lets_the_family_go(
    demo_db,
) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=Clock(10, 45))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        told = banner(app).due[0]
        app.screen.move_to(told.pupil_ids[0])
        await pilot.press("l")
        await pilot.pause()
        assert "The DSL step is due" in screen_text(app)
        await pilot.press("escape", "D")
        await pilot.pause()
        assert told.family_id not in [d.family_id for d in banner(app).due]
        assert f"fam {told.family_id} " not in banner_words(app)
        app.screen.move_to(told.pupil_ids[0])
        await pilot.press("l")
        await pilot.pause()
        (step,) = [s for s in app.screen.ladder.steps if s.step.kind == "dsl_alert"]
        assert "The DSL step is due" not in screen_text(app)
        assert (step.state, step.done_by, f"{step.done_at:%H:%M}") == (
            "done",
            "officer.one",
            "10:45",
        )
        await pilot.press("escape", "s")
        await settle(pilot, ("summary",))
        figures = screen_text(app)
    assert dsl_attempts(demo_db) == [
        (told.pupil_ids[0], "escalation", "dsl_informed", "officer.one")
    ]
    assert re.search(r"DSL told \(safeguarding step\) +1\b", figures)
    assert re.search(r"Case alerts acknowledged +0\b", figures)


async def test_d_on_a_family_whose_dsl_step_is_not_due_says_so_and_records_nothing(
    demo_db,
) -> None:
    before = database_dump(demo_db)
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=Clock(10, 0))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        family = app.screen.current_entry().family_id
        await pilot.press("D")
        await pilot.pause()
        assert notifications(app)[-1] == (
            f"Family {family}: the DSL step is not due until 10:30;"
            " nothing recorded (c then 7 records the DSL informed sooner)."
        )
    assert database_dump(demo_db) == before


async def test_a_viewer_sees_the_banner_but_d_records_nothing(demo_db) -> None:
    with open_store(demo_db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "watcher", "viewer")
    before = database_dump(demo_db)
    app = TriageApp(demo_db, DEMO_MORNING, officer="watcher", clock=Clock(10, 45))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        assert app.screen.check_action("dsl_told", ()) is False
        assert banner_words(app).startswith("DSL due: fam ")
        assert "D on the family" not in banner_words(app)
        app.screen.move_to(banner(app).due[0].pupil_ids[0])
        await pilot.press("D")
        await pilot.pause()
    assert database_dump(demo_db) == before


async def test_the_palette_records_dsl_told(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=Clock(10, 45))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        told = banner(app).due[0]
        app.screen.move_to(told.pupil_ids[0])
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"DSL", "space", *"told")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
    assert dsl_attempts(demo_db) == [
        (told.pupil_ids[0], "escalation", "dsl_informed", "officer.one")
    ]


async def test_u_after_d_puts_the_family_back_on_the_banner(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one", clock=Clock(10, 45))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        due = banner(app).due
        app.screen.move_to(due[0].pupil_ids[0])
        await pilot.press("D")
        await pilot.pause()
        assert banner(app).due == due[1:]
        await pilot.press("u")
        await pilot.pause()
        assert banner(app).due == due
    assert dsl_attempts(demo_db) == []


def test_an_acknowledgement_made_before_dsl_told_still_counts_as_told(demo_db) -> None:
    from triage.reports.summary import day_summary

    with open_store(demo_db, officer="officer.one") as s:
        pupil = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]
        with s.transaction():  # as the DSL notification recorded its acknowledgement
            s.audit(
                "ladder-ack",
                "pupil",
                pupil,
                {"date": DEMO_MORNING.isoformat(), "session": "AM", "step": "dsl_alert"},
            )
        assert day_summary(s, DEMO_MORNING).dsl_told == 1


def test_the_banner_says_how_many_more_families_than_fit() -> None:
    due = [DslDue(n, (n,), datetime(2026, 11, 24, 10, 30 + n)) for n in range(1, 13)]
    names = {n: f"Forename{n} Surname{n}" for n in range(1, 13)}
    lines = banner_text(due, names, 78).plain.splitlines()
    shown = [d for d in due if f"fam {d.family_id} " in " ".join(lines)]
    assert len(lines) == 2 and all(cell_len(line) <= 78 for line in lines)
    assert shown == due[: len(shown)]  # the earliest due first
    assert lines[1].endswith(f" · +{12 - len(shown)} more — D on the family: DSL told")


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
