"""The queue screen driven by keys alone, through Textual's Pilot, on a real SQLite file.

Every test presses the keys an officer would press and then asserts on the store (what
was written) and on the table (what the officer sees). The demo morning is 2026-11-24
AM: 18 pupils in 16 families, safeguarding cases first, two pairs of siblings.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from screens.app import TriageApp
from screens.help_screen import HelpScreen
from screens.outcome_dialog import Confirm, OutcomeDialog, Prompt, ReasonPicker
from screens.queue_screen import FIRST_ROWS, QueueScreen
from tests.conftest import DEMO_MORNING, database_dump, query
from tests.pilot import (
    AM,
    Clock,
    loaded,
    make_app,
    notifications,
    press,
    screen_text,
    text_of,
    type_text,
)
from triage.model import Family, QueueEntry
from triage.morning import logbook
from triage.morning.queue import Morning, add_counts, load_morning
from triage.store import open_store

DAY = DEMO_MORNING.isoformat()


def table(app: TriageApp) -> DataTable:
    return app.screen_stack[1].query_one("#queue", DataTable)


def row_ids(app: TriageApp) -> list[int]:
    return [int(row.key.value) for row in table(app).ordered_rows]


def cursor_pupil(app: TriageApp) -> int:
    t = table(app)
    return int(t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value)


def cell(app: TriageApp, pupil_id: int, column: str) -> str:
    return table(app).get_cell(str(pupil_id), column).plain


def status(app: TriageApp, pupil_id: int) -> str:
    return cell(app, pupil_id, "status")


async def go_to(pilot: Pilot, pupil_id: int) -> None:
    """Move the cursor to a pupil's row with j and k, as an officer would."""
    steps = row_ids(pilot.app).index(pupil_id) - table(pilot.app).cursor_row
    await press(pilot, *(["j"] * steps if steps > 0 else ["k"] * -steps))
    assert cursor_pupil(pilot.app) == pupil_id


async def live_check(pilot: Pilot) -> None:
    """Run the queue's live check now, as its timer does. It goes through the screen's own
    message queue: with a second app running in the same test, code called directly from
    the test would see that app as ``self.app``."""
    screen = pilot.app.screen_stack[1]
    screen.call_later(screen.check_for_changes)
    await pilot.pause()


def attempts(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT pupil_id, channel, outcome, reason_code, officer FROM attempts"
        " WHERE undone_event_id IS NULL ORDER BY id",
    )


def recodes(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT pupil_id, old_code, new_code FROM recodes WHERE undone_event_id IS NULL"
        " ORDER BY id",
    )


def mark(path: Path, pupil_id: int) -> tuple:
    return query(
        path,
        "SELECT code, amended FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
        pupil_id,
        DAY,
        AM,
    )[0]


@pytest.fixture(scope="module")
def morning(demo_db_master: Path) -> Morning:
    """The demo morning's queue, read once: every test's demo_db is a copy of this file."""
    with open_store(demo_db_master, create=False) as s:
        return load_morning(s, DEMO_MORNING, AM)


@pytest.fixture(scope="module")
def untouched(demo_db_master: Path) -> str:
    """Every row of the demo school before any test changed its copy."""
    return database_dump(demo_db_master)


def family_named(morning: Morning, surname: str) -> Family:
    return next(
        f
        for f in morning.families
        if len(f.entries) > 1 and f.entries[0].pupil.legal_surname == surname
    )


def pids(entries: list[QueueEntry] | tuple[QueueEntry, ...]) -> list[int]:
    return [e.pupil.id for e in entries]


# --- logging a call ----------------------------------------------------------------------


async def test_c_1_i_logs_illness_recodes_the_mark_and_moves_to_the_next_pupil_to_call(
    demo_db: Path, morning: Morning
) -> None:
    first, second = morning.families[0].entries[0], morning.families[1].entries[0]
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert cursor_pupil(app) == first.pupil.id
        await press(pilot, "c", "1", "i")
        assert status(app, first.pupil.id) == "reason → I"
        assert cursor_pupil(app) == second.pupil.id
    pid = first.pupil.id
    assert attempts(demo_db) == [(pid, "call", "spoke_reason", "I", "officer.one")]
    assert mark(demo_db, pid) == ("I", 1)
    assert recodes(demo_db) == [(pid, "N", "I")]


async def test_a_call_logged_on_a_sibling_covers_the_whole_family(
    demo_db: Path, morning: Morning
) -> None:
    grants = pids(family_named(morning, "Grant").entries)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await go_to(pilot, grants[1])
        await press(pilot, "c", "1", "i")
        assert [status(app, pid) for pid in grants] == ["reason → I"] * 2
    assert sorted(attempts(demo_db)) == sorted(
        (pid, "call", "spoke_reason", "I", "officer.one") for pid in grants
    )
    assert sorted(recodes(demo_db)) == sorted((pid, "N", "I") for pid in grants)
    assert [mark(demo_db, pid) for pid in grants] == [("I", 1), ("I", 1)]


async def test_a_before_the_outcome_logs_for_this_pupil_only(
    demo_db: Path, morning: Morning
) -> None:
    grants = pids(family_named(morning, "Grant").entries)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await go_to(pilot, grants[1])
        await press(pilot, "c", "a", "1", "i")
        assert status(app, grants[0]) == "to call"
        assert status(app, grants[1]) == "reason → I"
    assert attempts(demo_db) == [(grants[1], "call", "spoke_reason", "I", "officer.one")]
    assert recodes(demo_db) == [(grants[1], "N", "I")]
    assert mark(demo_db, grants[0]) == ("N", 0)


# --- escape changes nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(["c", "escape"], id="outcome-dialog"),
        pytest.param(["c", "1", "escape"], id="reason-picker-after-a-call"),
        pytest.param(["r", "escape"], id="reason-picker"),
        pytest.param(["c", "6", "1", "4", "escape"], id="callback-prompt-after-a-call"),
        pytest.param(["b", "1", "4", "escape"], id="callback-prompt"),
        pytest.param(["n", "M", "u", "m", "escape"], id="note-prompt"),
    ],
)
async def test_escape_at_any_step_leaves_the_store_untouched(
    demo_db: Path, untouched: str, keys: list[str]
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, *keys)
        assert type(app.screen) is QueueScreen
        assert status(app, row_ids(app)[0]) == "to call"
    assert database_dump(demo_db) == untouched


def dump_without_claims(path: Path) -> str:
    """The store but for claims, which a dialog still open rightly holds."""
    lines = database_dump(path).splitlines()
    return "\n".join(line for line in lines if not line.startswith('INSERT INTO "claims"'))


async def test_escape_in_the_reason_search_closes_it_and_records_nothing(
    demo_db: Path, untouched: str
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "1", "slash", "e", "x", "a", "m", "escape")
        assert isinstance(app.screen, ReasonPicker)
        assert not app.screen.query("#reason-search")
    assert dump_without_claims(demo_db) == untouched


STUCK_PICKER = (
    "ReasonPicker.action_cancel removes the focused search Input without moving focus: "
    "app.focused stays on the detached Input, so no key reaches the picker any more"
)


async def test_a_second_escape_after_the_reason_search_closes_the_picker(
    demo_db: Path,
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "r", "slash", "e", "x", "escape", "escape")
        assert type(app.screen) is QueueScreen


# --- no answer, and the contact to try next --------------------------------------------------


async def test_no_answer_moves_try_next_to_the_priority_2_contact(
    demo_db: Path, morning: Morning
) -> None:
    entry = morning.entries[0]
    assert len(entry.contacts) >= 2
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert cell(app, entry.pupil.id, "contact").startswith(entry.contacts[0].name)
        await press(pilot, "c", "3")
        assert status(app, entry.pupil.id) == "tried 1"
        assert cell(app, entry.pupil.id, "contact").startswith(entry.contacts[1].name)
        assert cell(app, entry.pupil.id, "number") == entry.contacts[1].numbers[0]
    assert query(demo_db, "SELECT pupil_id, outcome, contact_id FROM attempts") == [
        (entry.pupil.id, "no_answer", entry.contacts[0].id)
    ]


async def test_a_longer_status_is_shown_in_full_on_screen(demo_db: Path, morning: Morning) -> None:
    entry = morning.entries[0]
    pid = entry.pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "3")
        assert status(app, pid) == "tried 1"
        row_on_screen = table(app).render_line(1 + row_ids(app).index(pid)).text  # 1: heading
        assert entry.pupil.display_name in row_on_screen
        assert "tried 1" in row_on_screen


async def test_when_every_contact_fails_a_safeguarding_pupil_needs_a_home_visit(
    demo_db: Path, morning: Morning
) -> None:
    entry = morning.entries[0]
    assert entry.pupil.safeguarding
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        for n, contact in enumerate(entry.contacts):
            await go_to(pilot, entry.pupil.id)
            assert cell(app, entry.pupil.id, "contact").startswith(contact.name)
            await press(pilot, "c", "3" if n % 2 == 0 else "5")  # no answer, wrong number
        assert status(app, entry.pupil.id) == "visit due"
        assert cell(app, entry.pupil.id, "contact") == ""
    tried = query(demo_db, "SELECT contact_id FROM attempts ORDER BY id")
    assert [c for (c,) in tried] == [c.id for c in entry.contacts]


# --- texts, emails, visits, escalations ------------------------------------------------------


async def test_text_email_and_visit_dialogs_each_record_their_own_channel(
    demo_db: Path, morning: Morning
) -> None:
    first, second, third = (f.entries[0].pupil.id for f in morning.families[:3])
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "t", "1")  # text sent
        await go_to(pilot, second)
        await press(pilot, "e", "1")  # email sent
        await go_to(pilot, third)
        await press(pilot, "v", "3")  # no one home
        assert status(app, first) == "texted"
        assert status(app, second) == "emailed"
        assert status(app, third) == "not home"
    assert [a[:3] for a in attempts(demo_db)] == [
        (first, "text", "text_sent"),
        (second, "email", "email_sent"),
        (third, "visit", "no_one_home"),
    ]


async def test_visit_4_records_a_concern_shown_as_escalate(demo_db: Path, morning: Morning) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "v", "4")
        assert status(app, pid) == "CONCERN"
    assert attempts(demo_db) == [(pid, "visit", "concern", None, "officer.one")]


async def test_c_7_records_that_the_designated_safeguarding_lead_was_informed(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "7")
        assert type(app.screen) is QueueScreen
    assert attempts(demo_db) == [(pid, "escalation", "dsl_informed", None, "officer.one")]
    assert recodes(demo_db) == []


# --- a reason without an attempt ---------------------------------------------------------------


async def test_r_and_a_letter_records_a_reason_without_an_attempt(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "r", "g")
        assert status(app, pid) == "reason → G"
    assert attempts(demo_db) == []
    assert recodes(demo_db) == [(pid, "N", "G")]
    assert mark(demo_db, pid) == ("G", 1)


async def test_r_slash_searching_exam_records_code_s(demo_db: Path, morning: Morning) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "r", "slash")
        await type_text(pilot, "exam")
        results = app.screen.query_one("#reason-results", OptionList)
        assert [results.get_option_at_index(i).id for i in range(results.option_count)] == ["S"]
        await press(pilot, "enter")
        assert status(app, pid) == "reason → S"
    assert recodes(demo_db) == [(pid, "N", "S")]


# --- notes ------------------------------------------------------------------------------------


async def test_n_stores_the_note_typed(demo_db: Path, morning: Morning) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Mum rang")
        await press(pilot, "enter")
        assert type(app.screen) is QueueScreen
    assert query(demo_db, "SELECT pupil_id, officer, text FROM notes") == [
        (pid, "officer.one", "Mum rang")
    ]


async def test_an_empty_note_is_refused_with_a_message(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "n", "space", "enter")
        assert isinstance(app.screen, Prompt)
        assert "the note is empty" in text_of(app.screen.query_one("#prompt-error", Static))
        await press(pilot, "escape")
    assert query(demo_db, "SELECT count(*) FROM notes") == [(0,)]


# --- callbacks ------------------------------------------------------------------------------


async def test_b_and_a_time_shows_the_callback_in_the_status(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "b")
        await type_text(pilot, "14:30")
        await press(pilot, "enter")
        assert type(app.screen) is QueueScreen
        assert status(app, pid) == "ring 14:30"


async def test_c_6_and_a_time_records_asked_to_call_back(demo_db: Path, morning: Morning) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "6")
        await type_text(pilot, "15:00")
        await press(pilot, "enter")
        assert attempts(demo_db) == [(pid, "call", "callback", None, "officer.one")]
        assert type(app.screen) is QueueScreen
        assert status(app, pid) == "ring 15:00"


async def test_a_callback_time_that_is_not_a_time_is_refused_in_the_prompt(
    demo_db: Path, untouched: str
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "b")
        await type_text(pilot, "teatime")
        await press(pilot, "enter")
        assert isinstance(app.screen, Prompt)
        assert "not a time" in text_of(app.screen.query_one("#prompt-error", Static))
        await press(pilot, "escape")
    assert database_dump(demo_db) == untouched


async def test_a_family_moves_to_the_top_when_its_callback_falls_due(
    demo_db: Path, morning: Morning
) -> None:
    family = morning.families[4]
    pid = family.entries[0].pupil.id
    with open_store(demo_db, create=False, officer="officer.one") as s:
        logbook.set_callback(
            s,
            [pid],
            DEMO_MORNING,
            AM,
            datetime(2026, 11, 24, 14, 30),
            family.entries[0].contacts[0],
            at=datetime(2026, 11, 24, 9, 5),
        )
    clock = Clock(9, 20)
    app = make_app(demo_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert status(app, pid) == "ring 14:30"
        assert row_ids(app).index(pid) == 4
        clock.now = datetime(2026, 11, 24, 14, 29)
        app.screen.check_for_changes()
        await pilot.pause()
        assert row_ids(app).index(pid) == 4
        clock.now = datetime(2026, 11, 24, 14, 31)
        app.screen.check_for_changes()
        await pilot.pause()
        assert row_ids(app)[0] == pid
        assert "reverse" in str(table(app).get_cell(str(pid), "status").style)


# --- undo -----------------------------------------------------------------------------------


async def test_u_undoes_the_last_outcome_and_the_pupil_is_to_call_again(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "1", "i")
        await press(pilot, "u")
        assert status(app, pid) == "to call"
        assert cursor_pupil(app) == pid
    assert attempts(demo_db) == []
    assert query(demo_db, "SELECT count(*) FROM attempts WHERE undone_event_id IS NOT NULL") == [
        (1,)
    ]
    assert mark(demo_db, pid) == ("N", 0)
    assert query(demo_db, "SELECT new_code FROM recodes WHERE undone_event_id IS NOT NULL") == [
        ("I",)
    ]


async def test_a_second_u_with_nothing_left_says_so(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "1", "i")
        await press(pilot, "u")
        app.clear_notifications()
        await press(pilot, "u")
        assert notifications(app) == ["Nothing of yours to undo."]
    assert query(demo_db, "SELECT count(*) FROM events WHERE action = 'undo'") == [(1,)]


# --- resolved rows --------------------------------------------------------------------------


async def test_a_resolved_family_moves_to_the_bottom_and_the_cursor_stays_on_the_next_pupil(
    demo_db: Path, morning: Morning
) -> None:
    first, second = morning.entries[0].pupil.id, morning.families[1].entries[0].pupil.id
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "1", "i")
        assert row_ids(app)[-1] == first
        assert row_ids(app)[0] == second
        assert cursor_pupil(app) == second


async def test_h_hides_resolved_rows_and_shows_them_again(demo_db: Path, morning: Morning) -> None:
    grants = pids(family_named(morning, "Grant").entries)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await go_to(pilot, grants[0])
        await press(pilot, "c", "1", "i")
        assert row_ids(app)[-2:] == grants
        at = cursor_pupil(app)
        await press(pilot, "h")
        assert table(app).row_count == len(morning.entries) - 2
        assert not set(grants) & set(row_ids(app))
        assert cursor_pupil(app) == at
        await press(pilot, "h")
        assert table(app).row_count == len(morning.entries)
        assert row_ids(app)[-2:] == grants
        assert cursor_pupil(app) == at


async def test_resolving_a_family_mid_queue_moves_the_cursor_to_the_family_below_it(
    demo_db: Path, morning: Morning
) -> None:
    middle, below = morning.families[4].entries[0], morning.families[5].entries[0]
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await go_to(pilot, middle.pupil.id)
        await press(pilot, "c", "1", "i")
        assert status(app, middle.pupil.id) == "reason → I"
        assert cursor_pupil(app) == below.pupil.id


# --- filter -----------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["surname", "reg group", "UPN"])
async def test_slash_filters_the_rows_and_escape_clears_the_filter(
    demo_db: Path, morning: Morning, by: str
) -> None:
    target = family_named(morning, "Grant").entries[1].pupil
    needle, expected = {
        "surname": (
            "Grant",
            [e for e in morning.entries if e.pupil.legal_surname == "Grant"],
        ),
        "reg group": (
            target.reg_group,
            [e for e in morning.entries if e.pupil.reg_group == target.reg_group],
        ),
        "UPN": (target.upn[-7:], [e for e in morning.entries if e.pupil.upn == target.upn]),
    }[by]
    assert 0 < len(expected) < len(morning.entries)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "slash")
        await type_text(pilot, needle)
        assert sorted(row_ids(app)) == sorted(pids(expected))
        await press(pilot, "escape")
        assert table(app).row_count == len(morning.entries)
        assert not app.screen.query_one("#queue-filter", Input).display


# --- viewing: pupil panel, help, command palette ---------------------------------------------


async def test_enter_opens_the_case_with_contacts_and_todays_attempts(
    demo_db: Path, morning: Morning
) -> None:
    from screens.case_screen import CaseScreen

    entry = morning.entries[0]
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "c", "3")
        await go_to(pilot, entry.pupil.id)
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "case"])
        await pilot.pause()
        shown = screen_text(app)
        assert entry.pupil.upn in shown
        await press(pilot, "3")  # the contacts tab
        shown = screen_text(app)
        for contact in entry.contacts:
            assert contact.name in shown
        await press(pilot, "4")  # the timeline
        shown = screen_text(app)
        assert "09:20" in shown and "officer.one" in shown and "No answer" in shown
        await press(pilot, "escape")
        assert type(app.screen) is QueueScreen
        assert len(app.screen_stack) == 2


async def test_question_mark_lists_the_keys_of_the_queue(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        lines = [" ".join(line.split()) for line in screen_text(app).splitlines()]
        for key_and_description in (
            "c Call",
            "t Text",
            "e Email",
            "v Visit",
            "r Reason",
            "n Note",
            "b Callback",
            "u Undo",
            "h Hide/show resolved",
            "q Quit",
        ):
            assert any(line.startswith(key_and_description) for line in lines)
        assert any(line.startswith("ctrl+p") for line in lines)
        await press(pilot, "escape")
        assert type(app.screen) is QueueScreen


async def test_the_command_palette_finds_call_and_runs_it(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Call")
        await pilot.pause(0.3)
        results = app.screen.query_one(OptionList)
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert prompts[0].splitlines() == ["Call", "key: c"]
        await press(pilot, "enter")
        assert isinstance(app.screen, OutcomeDialog)
        assert app.screen.channel == "call"


# --- two officers on one file -------------------------------------------------------------


async def test_another_officers_outcome_shows_after_the_live_check_without_a_keypress(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    one, two = make_app(demo_db), make_app(demo_db, officer="officer.two")
    async with one.run_test(size=(160, 40)) as p1:  # wide enough for the last attempt
        await loaded(p1)
        assert status(one, pid) == "to call"
        async with two.run_test(size=(120, 40)) as p2:
            await loaded(p2)
            await press(p2, "c", "1", "i")
        for _ in range(30):  # the screen's own timer, every LIVE_CHECK_SECONDS
            if status(one, pid) == "reason → I":
                break
            await p1.pause(0.1)
        assert status(one, pid) == "reason → I"
        assert "officer.two" in cell(one, pid, "last")
        assert row_ids(one)[-1] == pid
    assert attempts(demo_db) == [(pid, "call", "spoke_reason", "I", "officer.two")]


async def test_another_officers_claim_shows_and_logging_over_it_asks_first(
    demo_db: Path, morning: Morning
) -> None:
    pid = morning.entries[0].pupil.id
    one, two = make_app(demo_db), make_app(demo_db, officer="officer.two")
    async with one.run_test(size=(120, 40)) as p1:
        await loaded(p1)
        async with two.run_test(size=(120, 40)) as p2:
            await loaded(p2)
            await press(p2, "c")
            assert isinstance(two.screen, OutcomeDialog)
            await live_check(p1)
            assert status(one, pid) == "to call [officer.two]"
            await press(p1, "c")
            assert isinstance(one.screen, Confirm)
            await press(p1, "n")
            assert type(one.screen) is QueueScreen
            assert query(demo_db, "SELECT officer FROM claims") == [("officer.two",)]
            await press(p1, "c")
            assert isinstance(one.screen, Confirm)
            await press(p1, "y")
            assert isinstance(one.screen, OutcomeDialog)
            assert "officer.two" in screen_text(one)
            await press(p1, "1", "i")
    assert attempts(demo_db) == [(pid, "call", "spoke_reason", "I", "officer.one")]


# --- a long queue: painted first, counted straight after -------------------------------------


async def test_a_long_queue_is_painted_before_its_attendance_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage.demo_school import build_demo_database

    path = build_demo_database(tmp_path / "big.db", DEMO_MORNING)
    with open_store(path, create=False) as s, s.transaction():
        # Every pupil whose afternoon was unexplained that week is absent this morning too.
        s.conn.execute(
            "UPDATE marks SET code = 'N', mis_code = 'N', queued = 1 WHERE date = ?"
            " AND session = 'AM' AND pupil_id IN (SELECT pupil_id FROM marks"
            " WHERE date BETWEEN '2026-11-16' AND '2026-11-23' AND code IN ('N', 'O', 'I'))",
            (DEMO_MORNING.isoformat(),),
        )
    with open_store(path, create=False) as s:
        full = load_morning(s, DEMO_MORNING, AM)
        uncounted = load_morning(s, DEMO_MORNING, AM, counted=False)
        assert len(full.entries) > FIRST_ROWS
        assert all(e.attendance is None for e in uncounted.entries)
        assert add_counts(s, uncounted) == full

    painted: list[str] = []  # the Att% cells on screen when the counting starts
    count = QueueScreen.count_figures

    def count_after_painting(screen: QueueScreen, morning: Morning):
        rows = screen.query_one("#queue", DataTable)
        painted.extend(str(rows.get_cell(str(e.pupil.id), "att")) for e in morning.entries[:30])
        return count(screen, morning)

    monkeypatch.setattr(QueueScreen, "count_figures", count_after_painting)
    app = make_app(path)
    async with app.run_test(size=(200, 40)) as pilot:  # wide enough for the Att% column
        await loaded(pilot)
        assert app.screen.morning == full
        shown = {pid: str(table(app).get_cell(str(pid), "att")) for pid in row_ids(app)}
    assert set(painted) == {"…"}  # the first paint did not wait for the counts
    assert shown == {
        e.pupil.id: "" if e.attendance.percent is None else f"{e.attendance.percent:.0f}"
        for e in full.entries
    }


# --- a whole morning by keys alone --------------------------------------------------------------


async def test_a_scripted_morning_of_twenty_families_by_keys_alone(tmp_path: Path) -> None:
    from triage.demo_school import build_demo_database

    path = build_demo_database(tmp_path / "big.db", DEMO_MORNING, pupils=1400)
    with open_store(path, create=False) as s:
        big = load_morning(s, DEMO_MORNING, AM)
    assert len(big.families) > 20
    worked = big.families[:20]
    # Three families do not answer at first, then give a medical appointment.
    reluctant = {worked[n].id for n in (4, 11, 18)}
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        for family in worked:
            assert cursor_pupil(app) == family.entries[0].pupil.id
            if family.id in reluctant:
                await press(pilot, "c", "3")
                assert status(app, family.entries[0].pupil.id) == "tried 1"
                await press(pilot, "k", "c", "1", "m")
            else:
                await press(pilot, "c", "1", "i")
        summary = " ".join(text_of(app.screen.query_one("#queue-summary", Static)).split())
    done = [e for f in worked for e in f.entries]
    left = len(big.entries) - len(done)
    assert (f"{left} to call · 0 tried · {len(done)} explained · ") in summary
    expected_code = {
        e.pupil.id: "M" if f.id in reluctant else "I" for f in worked for e in f.entries
    }
    assert sorted(recodes(path)) == sorted((pid, "N", c) for pid, c in expected_code.items())
    outcomes = query(path, "SELECT outcome, count(*) FROM attempts GROUP BY outcome")
    n_reluctant = sum(len(f.entries) for f in worked if f.id in reluctant)
    assert dict(outcomes) == {"spoke_reason": len(done), "no_answer": n_reluctant}
    assert query(path, "SELECT DISTINCT officer, channel FROM attempts") == [
        ("officer.one", "call")
    ]
    marks = dict(
        query(
            path,
            "SELECT pupil_id, code FROM marks WHERE date = ? AND session = ? AND queued = 1",
            DAY,
            AM,
        )
    )
    assert {pid: marks[pid] for pid in expected_code} == expected_code
    assert {marks[e.pupil.id] for f in big.families[20:] for e in f.entries} == {"N"}


# --- how it looks -------------------------------------------------------------------------------


async def _after_a_few_outcomes(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, "c", "1", "i")  # family 1 resolved, moves to the bottom
    await press(pilot, "c", "3")  # no answer
    await press(pilot, "t", "1")  # text sent
    await press(pilot, "v", "4")  # concern
    pilot.app.clear_notifications()
    await pilot.pause()


async def _outcome_dialog_for_siblings(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, *["j"] * 5, "c")
    assert isinstance(pilot.app.screen, OutcomeDialog)


async def _reason_picker(pilot: Pilot) -> None:
    await loaded(pilot)
    await press(pilot, "c", "1")
    assert isinstance(pilot.app.screen, ReasonPicker)


def test_queue_after_a_few_outcomes_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=(80, 24), run_before=_after_a_few_outcomes)


def test_queue_after_a_few_outcomes_snapshot_120x40(demo_db: Path, snap_compare) -> None:
    assert snap_compare(
        make_app(demo_db), terminal_size=(120, 40), run_before=_after_a_few_outcomes
    )


def test_outcome_dialog_for_siblings_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert snap_compare(
        make_app(demo_db), terminal_size=(80, 24), run_before=_outcome_dialog_for_siblings
    )


def test_reason_picker_snapshot_80x24(demo_db: Path, snap_compare) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=(80, 24), run_before=_reason_picker)


@pytest.mark.parametrize(("key", "next_dialog"), [("1", ReasonPicker), ("6", Prompt)])
async def test_the_call_dialog_hides_under_the_reason_or_callback_dialog(
    demo_db: Path, key: str, next_dialog: type
) -> None:
    """The smaller dialog over it must not leave the call dialog's border and hint
    showing round its edges (they read as live keys)."""
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        name = app.screen.entries[app.screen.current_pupil_id()].pupil.display_name
        await press(pilot, "c")
        call = app.screen
        assert isinstance(call, OutcomeDialog) and call.query_one("#dialog").display
        await press(pilot, key)
        assert isinstance(app.screen, next_dialog)
        assert not call.query_one("#dialog").display
        if next_dialog is ReasonPicker:  # the picker alone says whose reason it is
            assert name in str(app.screen.query_one("#dialog-title", Static).render())
        await press(pilot, "escape")  # nothing recorded, back on the queue
        assert isinstance(app.screen, QueueScreen)
