"""The queue at any width (issue #17): the columns an officer dials from always show, the
others give way by priority as the window narrows and come back as it widens; the counts
line is one line at 80 columns; the footer starts with help and quit; family numbers stay
put on screen when the queue re-sorts."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from screens.queue_screen import CELL_PADDING, COLUMNS, SCROLLBAR, column_widths
from tests.conftest import DEMO_MORNING
from tests.pilot import loaded, make_app, press, settle
from triage.model import Attempt, Contact
from triage.morning.outcomes import OUTCOMES, short_status, status_of

DIALLING = ["flag", "fam", "name", "status", "next", "contact", "number"]


def table_of(app) -> DataTable:
    return app.screen.query_one("#queue", DataTable)


def shown_columns(app) -> list[str]:
    return [str(c.key.value) for c in table_of(app).ordered_columns]


def drawn_width(widths: dict[str, int]) -> int:
    return sum(w + 2 * CELL_PADDING for w in widths.values())


# --- the columns, by width ---------------------------------------------------------------


def test_at_80_columns_the_dialling_columns_show_and_fit() -> None:
    widths = column_widths(80)
    assert list(widths) == DIALLING
    assert drawn_width(widths) <= 80 - SCROLLBAR


@pytest.mark.parametrize("window", [80, 100, 120, 132, 160, 200, 240])
def test_the_columns_never_need_more_than_the_window(window: int) -> None:
    assert drawn_width(column_widths(window)) <= window - SCROLLBAR


def test_at_120_columns_the_relationship_shows_and_nothing_is_cut() -> None:
    widths = column_widths(120)
    assert list(widths) == [*DIALLING[:6], "rel", "number"]
    assert widths["contact"] >= len("Patricia Smith-Jones")  # the cut name
    assert widths["name"] >= len("Mohamed Robinson")
    assert widths["status"] >= len("to call [officer.two]")  # another officer's claim


def test_a_column_once_shown_stays_shown_as_the_window_widens() -> None:
    seen: set[str] = set()
    for window in range(80, 260):
        shown = set(column_widths(window))
        assert seen <= shown, window
        seen = shown
    assert seen == {c.key for c in COLUMNS}


def test_the_columns_give_way_in_their_order_attendance_first() -> None:
    appear = {}
    for window in range(80, 260):
        for key in column_widths(window):
            appear.setdefault(key, window)
    optional = sorted((c for c in COLUMNS if c.keep), key=lambda c: c.keep)
    assert [appear[c.key] for c in optional] == sorted(appear[c.key] for c in optional)
    assert optional[-1].key == "att"


# --- short statuses ----------------------------------------------------------------------


def test_every_status_is_at_most_ten_characters_in_the_queue() -> None:
    from datetime import datetime

    contact = Contact(1, "Pat", "Mother", 1, mobile="07700 900000")
    other = Contact(2, "Sam", "Father", 2, mobile="07700 900001")
    at = datetime(2026, 11, 24, 9, 30)
    statuses = [status_of("N", False, [], (contact,), False, 1)]
    for code, amended in (("/", False), ("U", False), ("I", True), ("G", False)):
        statuses.append(status_of(code, amended, [], (contact,), False, 1))
    for channel, outcomes in OUTCOMES.items():
        for outcome in outcomes:
            for tries in (1, 2):
                attempts = [
                    Attempt(at, "officer.one", channel, outcome.key, 1) for _ in range(tries)
                ]
                for safeguarding in (True, False):
                    statuses.append(
                        status_of("N", False, attempts, (contact, other), safeguarding, 3)
                    )
    callback = Attempt(at, "officer.one", "call", "callback", 1, callback_at=at)
    statuses.append(status_of("N", False, [callback], (contact,), False, 1))
    words = {short_status(s) for s in statuses}
    assert max(map(len, words)) <= 10, words
    assert {"to call", "tried 1", "tried 2", "reached", "ring 09:30", "reason → I"} <= words


# --- on screen ---------------------------------------------------------------------------


async def test_resizing_the_window_relays_the_table(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(200, 40)) as pilot:
        await loaded(pilot)
        assert shown_columns(app) == list(column_widths(200))
        assert "att" in shown_columns(app)
        await press(pilot, "j", "j", "j")
        on = app.screen.current_pupil_id()

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert shown_columns(app) == DIALLING
        assert app.screen.current_pupil_id() == on  # the cursor stays on its pupil
        number = table_of(app).get_cell(str(on), "number")
        assert str(number) and str(number)[0] == "0"

        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert shown_columns(app) == list(column_widths(200))
        entry = app.screen.entries[on]
        assert str(table_of(app).get_cell(str(on), "att")) == f"{entry.attendance.percent:.0f}"


async def test_the_number_is_on_screen_at_80_and_120_columns(demo_db: Path) -> None:
    for size in ((80, 24), (120, 40)):
        app = make_app(demo_db)
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            first = app.screen.morning.entries[0]
            number = first.contacts[0].numbers[0]
            region = table_of(app).region
            # The Number column ends inside the window (nothing scrolled off to the right).
            assert table_of(app).virtual_size.width <= region.width
            assert number.replace(" ", "&#160;") in app.export_screenshot()


async def test_the_counts_line_is_one_line_at_80_columns(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await settle(pilot)
        assert app.screen.alerts_open  # the count that used to wrap it to three lines
        summary = app.screen.query_one("#queue-summary", Static)
        assert summary.region.height == 1
        assert cell_len(str(summary.render())) <= 80 - 2


async def test_the_footer_starts_with_help_and_quit(demo_db: Path) -> None:
    for size in ((80, 24), (120, 40)):
        app = make_app(demo_db)
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            keys = list(app.screen.query(FooterKey))
            assert [k.key for k in keys[:2]] == ["question_mark", "q"]
            assert all(k.region.right <= size[0] for k in keys[:2])
            await press(pilot, "q")
            assert not app.is_running


async def test_family_one_keeps_its_number_at_the_bottom_once_resolved(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        first = app.screen.morning.families[0]
        assert first.id == 1
        await press(pilot, "c", "1", "i")  # a reason: family 1 resolved, sorted last
        table = table_of(app)
        bottom = table.ordered_rows[-len(first.entries)].key
        assert int(str(bottom.value)) == first.entries[0].pupil.id
        assert str(table.get_cell(bottom, "fam")) == "1"
        app.screen.load()  # read again (as after a new export): the same number
        await settle(pilot, ("load",))
        assert app.screen.morning.date == DEMO_MORNING
        assert {
            e.family_id
            for e in app.screen.morning.entries
            if e.pupil.id == first.entries[0].pupil.id
        } == {1}


async def test_a_resize_while_a_case_is_open_relays_the_queue_on_return(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await press(pilot, "enter")  # the case covers the queue
        await settle(pilot, ("case",))
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        await press(pilot, "escape")
        await settle(pilot)
        assert shown_columns(app) == list(column_widths(200))
