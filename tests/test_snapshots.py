"""How each screen and dialog looks, through snapshots (review every change by eye).

The queue's own snapshots are in test_app.py and test_queue_screen.py, the register grid's
in test_case_screen.py. Each snapshot here is of a copy of the demo school on its morning
(Tuesday 24 November 2026, AM) with the clock at 09:20, reached by the keys an officer
presses, and taken once every worker the screen started has finished.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from screens.case_dialogs import ActionForm, StageDialog
from screens.caseload_screen import CaseloadScreen
from screens.help_screen import HelpScreen
from screens.import_screen import CsvTree, ImportScreen
from screens.ladder_view import LadderView
from screens.summary_screen import SummaryScreen
from tests.conftest import planted, pupil_id
from tests.pilot import (
    Clock,
    choose_action,
    loaded,
    make_app,
    open_case,
    press,
    settle,
    type_text,
)
from triage import settings
from triage.store import open_store

SMALL, LARGE = (80, 24), (120, 40)


def _snapshot(
    snap_compare,
    demo_db: Path,
    size: tuple[int, int],
    run_before: Callable[[Pilot], Awaitable[None]],
    clock: Clock | None = None,
) -> bool:
    """The app on a copy of the demo school, after ``run_before``, against its snapshot."""
    return snap_compare(make_app(demo_db, clock=clock), terminal_size=size, run_before=run_before)


# --- the caseload (w) -------------------------------------------------------------------------


async def _caseload(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, "w")
    assert isinstance(pilot.app.screen, CaseloadScreen)
    assert pilot.app.screen.rows  # read, not still loading
    # DataTable sizes its columns to the rows on a later refresh: wait for it, before the
    # picture (taken too soon, the columns are still the width of their headings).
    table = pilot.app.screen.query_one("#caseload", DataTable)
    names = [r.pupil.display_name for r in pilot.app.screen.rows]
    for _ in range(100):
        if table.columns[ColumnKey("name")].content_width >= max(map(len, names)):
            break
        await pilot.pause(0.02)
    await pilot.pause()


def test_caseload_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _caseload)


def test_caseload_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, LARGE, _caseload)


# --- a case (enter) and its dialogs ---------------------------------------------------------


async def _case(pilot: Pilot) -> None:
    await open_case(pilot, pupil_id(pilot.app.db_path, planted().penalty_10))


def test_case_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    """The attendance tab, as a case opens (the register tab has its own snapshot)."""
    assert _snapshot(snap_compare, demo_db, SMALL, _case)


def test_case_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    """The attendance tab, as a case opens (the register tab has its own snapshot)."""
    assert _snapshot(snap_compare, demo_db, LARGE, _case)


async def _stage_move(pilot: Pilot) -> None:
    await _case(pilot)
    await press(pilot, "greater_than_sign")
    assert isinstance(pilot.app.screen, StageDialog)
    await type_text(pilot, "attendance still falling")


def test_stage_move_dialog_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _stage_move)


def test_stage_move_dialog_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    """The whole form (at 80x24 its last fields fall below the screen's edge)."""
    assert _snapshot(snap_compare, demo_db, LARGE, _stage_move)


async def _meeting_form(pilot: Pilot) -> None:
    await open_case(pilot, pupil_id(pilot.app.db_path, planted().penalty_9))
    await choose_action(pilot, "mee")
    assert isinstance(pilot.app.screen, ActionForm)
    await press(pilot, "tab", "space")  # the first barrier ticked


def test_action_form_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _meeting_form)


def test_action_form_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    """The whole form (at 80x24 its last fields fall below the screen's edge)."""
    assert _snapshot(snap_compare, demo_db, LARGE, _meeting_form)


# --- the end-of-day summary (s) ---------------------------------------------------------------


async def _summary(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, "c", "1", "i")  # spoke to a parent: illness
    await press(pilot, "c", "3")  # no answer
    await press(pilot, "t", "1")  # text sent
    await press(pilot, "s")
    assert isinstance(pilot.app.screen, SummaryScreen)
    await settle(pilot, ("summary",))
    assert pilot.app.screen.summary is not None  # counted, not "Counting…"
    pilot.app.clear_notifications()
    await pilot.pause()


def test_summary_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _summary)


def test_summary_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, LARGE, _summary)


# --- the import screen (i) --------------------------------------------------------------------


@pytest.fixture
def officer_home(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The officer's files and the inbox as folders named relative to the working folder,
    so the screen shows the same names on every run (not this run's tmp path)."""
    monkeypatch.chdir(tmp_path)
    with open_store(demo_db) as s:
        settings.set_value(s, "inbox", "inbox")  # empty: a file would be dated today
        settings.set_value(s, "inbox_check_seconds", "3600")
    home = tmp_path / "officer.one"
    for name in ("Downloads/am-late.csv", "Downloads/contacts.csv", "marks-24-11.csv"):
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text("UPN,Date,Session,Mark\n")
    (home / "timetable.pdf").write_bytes(b"%PDF-1.4\n")  # not a CSV: not listed
    (home / ".~lock.marks-24-11.csv#").write_text("")  # hidden: not listed
    return home


async def _import_screen(pilot: Pilot) -> None:
    await loaded(pilot)
    await pilot.app.push_screen(ImportScreen(home=Path("officer.one")))  # see officer_home
    await pilot.pause()
    await pilot.app.screen.query_one(CsvTree).reload()  # the picker's folders read
    await settle(pilot, ("inbox",))
    inbox = pilot.app.screen.query_one("#inbox-files", DataTable)
    assert str(inbox.get_cell_at((0, 1))) == "(the inbox is empty)"  # looked at


@pytest.mark.usefixtures("officer_home")
def test_import_screen_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _import_screen)


# --- help (?) and the family's ladder (l) -----------------------------------------------------


async def _help(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, "question_mark")
    assert isinstance(pilot.app.screen, HelpScreen)


def test_help_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, SMALL, _help)


def test_help_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    assert _snapshot(snap_compare, demo_db, LARGE, _help)


def _ladder(clock: Clock) -> Callable[[Pilot], Awaitable[None]]:
    """The first family's ladder at 10:10, its text sent at 09:20: done, overdue, pending."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        queue = pilot.app.screen
        first = queue.current_pupil_id()
        await press(pilot, "t", "1")  # the first family's text sent at 09:20
        clock.now = clock.now.replace(hour=10, minute=10)  # its call is overdue now
        queue.refresh_progress()
        order = queue.row_order()
        steps = order.index(first) - order.index(queue.current_pupil_id())
        await press(pilot, *(["j"] * steps if steps > 0 else ["k"] * -steps))
        assert queue.current_pupil_id() == first
        await press(pilot, "l")
        assert isinstance(pilot.app.screen, LadderView)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_ladder_view_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    clock = Clock(9, 20)
    assert _snapshot(snap_compare, demo_db, SMALL, _ladder(clock), clock=clock)


def test_ladder_view_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    clock = Clock(9, 20)
    assert _snapshot(snap_compare, demo_db, LARGE, _ladder(clock), clock=clock)
