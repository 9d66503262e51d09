"""The app through Textual's Pilot, and its look through snapshots (review changes by eye)."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from screens.app import TriageApp
from tests.conftest import DEMO_MORNING
from tests.pilot import MORNING_CLOCK
from tests.pilot import loaded as _loaded
from triage.morning.queue import load_morning
from triage.store import open_store


async def test_app_opens_on_the_queue_with_school_name_and_date(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        assert app.title == "Riverside Academy (demo)"
        assert app.sub_title == "Tue 24 Nov 2026 · AM"
        header = app.screen.query_one("TitleBar").render()
        assert "Riverside Academy (demo)" in str(header) and "Tue 24 Nov 2026" in str(header)
        summary = str(app.screen.query_one("#queue-summary", Static).render())
        assert "18 to call" in summary


async def test_the_title_bar_follows_the_screen_then_the_app(demo_db) -> None:
    """A case sets its own title (the pupil); back on the queue, the school's shows again."""
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        await pilot.press("enter")
        await _loaded(pilot)
        case_title = str(app.screen.query_one("TitleBar").render())
        assert app.screen.title in case_title and "case as on Tue 24 Nov 2026" in case_title
        await pilot.press("escape")
        await _loaded(pilot)
        assert "Riverside Academy (demo)" in str(app.screen.query_one("TitleBar").render())


async def test_queue_table_shows_every_queued_pupil_in_queue_order(demo_db) -> None:
    with open_store(demo_db) as s:
        expected = [str(e.pupil.id) for e in load_morning(s, DEMO_MORNING).entries]
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert [row.key.value for row in table.ordered_rows] == expected


async def test_j_and_k_move_the_cursor_and_q_quits(demo_db) -> None:
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("q")
    assert app.return_code == 0 or app.return_code is None
    assert not app.is_running


def test_queue_snapshot_80x24(demo_db, snap_compare) -> None:
    assert snap_compare(
        TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK),
        terminal_size=(80, 24),
        run_before=_loaded,
    )


def test_queue_snapshot_120x40(demo_db, snap_compare) -> None:
    assert snap_compare(
        TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK),
        terminal_size=(120, 40),
        run_before=_loaded,
    )


async def test_a_viewer_sees_the_queue_but_no_key_that_writes(demo_db) -> None:
    from tests.conftest import database_dump
    from triage.officers import add_officer

    with open_store(demo_db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "watcher", "viewer")
    before = database_dump(demo_db)
    app = TriageApp(demo_db, DEMO_MORNING, officer="watcher")
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        for action in ("log", "reason", "note", "callback", "undo"):
            assert app.screen.check_action(action, ()) is False
        shown = {b.binding.description for b in app.screen.active_bindings.values()}
        assert "Details" in shown or "Help" in shown  # reading keys remain
        await pilot.press("c", "1", "i")
        summary = str(app.screen.query_one("#queue-summary", Static).render())
        assert "viewer, read-only" in summary
    assert database_dump(demo_db) == before


def test_an_unknown_login_cannot_open_the_app(demo_db, capsys, monkeypatch) -> None:
    from triage.cli.main import main
    from triage.officers import add_officer

    with open_store(demo_db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
    monkeypatch.setattr("triage.store.current_officer", lambda: "stranger")
    assert main(["--db", str(demo_db)]) == 1
    assert "'stranger' is not an officer of this database" in capsys.readouterr().err


async def test_the_queue_header_counts_the_open_alerts(demo_db) -> None:
    from triage.casework.alerts import alerts_for

    with open_store(demo_db) as s:
        expected = len([a for a in alerts_for(s, DEMO_MORNING) if not a.acknowledged])
    assert expected > 0
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        summary = str(app.screen.query_one("#queue-summary", Static).render())
        assert f"{expected} alerts (w)" in summary


async def test_any_pupil_can_be_found_from_the_palette_and_their_case_opened(demo_db) -> None:
    from screens.case_screen import CaseScreen

    with open_store(demo_db) as s:
        pupil = next(
            p for p in s.pupils() if p.id not in s.unexplained_pupil_ids(DEMO_MORNING, "AM")
        )
    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*pupil.upn)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.pupil_id == pupil.id


async def test_the_collector_paused_for_start_up_runs_again_once_the_queue_is_painted(
    demo_db,
) -> None:
    """Start-up pauses Python's cyclic garbage collector (triage/app.py); it must not stay
    paused for the officer's whole session, nor after the app has gone."""
    import gc

    app = TriageApp(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    paused_while_starting = []
    app.call_later(lambda: paused_while_starting.append(not gc.isenabled()))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        assert paused_while_starting == [True]
        assert gc.isenabled()
    assert gc.isenabled()


async def test_the_collector_runs_again_when_the_first_load_fails(demo_db) -> None:
    """A queue that cannot be read (the store refuses) still ends start-up: the officer
    sees why, and the collector is not left paused for the rest of the session."""
    import gc

    from triage.store import StoreError

    class Refusing(TriageApp):
        def load_morning(self, store=None, *, counted=True, keep_numbers=True):
            raise StoreError("database is locked")

    app = Refusing(demo_db, DEMO_MORNING, clock=MORNING_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        assert "database is locked" in " ".join(str(n.message) for n in app._notifications)
        assert gc.isenabled()
