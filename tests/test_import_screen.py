"""The inbox and the import screen inside the running app (Pilot)."""

from __future__ import annotations

from textual.widgets import DataTable

from screens.app import TriageApp
from tests.conftest import DEMO_MORNING
from tests.pilot import MORNING_CLOCK as CLOCK
from tests.pilot import settle as _settle
from triage import settings
from triage.imports import inbox
from triage.store import open_store


def _new_absence_file(demo_db, folder) -> tuple[str, str]:
    """A late-morning export: one pupil who was present is now N, one N is now present."""
    with open_store(demo_db) as s:
        queued = s.unexplained_pupil_ids(DEMO_MORNING, "AM")
        arrived = s.pupils([queued[0]])[0]
        present = s.conn.execute(
            "SELECT p.upn, p.legal_surname, p.legal_forename FROM marks m JOIN pupils p"
            " ON p.id = m.pupil_id WHERE m.date = '2026-11-24' AND m.code = '/' LIMIT 1"
        ).fetchone()
    (folder / "am-late.csv").write_text(
        "UPN,Surname,Forename,Date,Session,Mark\n"
        f"{present[0]},{present[1]},{present[2]},24/11/2026,AM,N\n"
        f"{arrived.upn},{arrived.legal_surname},{arrived.legal_forename},24/11/2026,AM,L\n"
    )
    return present[0], arrived.upn


async def test_a_file_dropped_in_the_inbox_updates_the_queue_in_place(demo_db) -> None:
    with open_store(demo_db) as s:
        folder = inbox.inbox_folder(s)
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        before = table.row_count
        await pilot.press("j", "j")
        kept_on = app.screen.current_pupil_id()
        new_upn, arrived_upn = _new_absence_file(demo_db, folder)
        app.check_inbox()  # first look: the file is new
        await _settle(pilot)
        app.check_inbox()  # second look: unchanged, so it is taken
        await _settle(pilot)
        app.screen.check_for_changes()
        await _settle(pilot)
        assert table.row_count == before + 1
        names = {e.pupil.upn: e.pupil.id for e in app.screen.morning.entries}
        assert new_upn in names
        assert app.screen.progress.statuses[names[arrived_upn]].label == "arrived"
        assert app.screen.current_pupil_id() == kept_on  # the cursor did not jump
        assert any("Imported am-late.csv" in str(n.message) for n in app._notifications)


async def test_a_rejected_file_leaves_a_notice_until_dismissed(demo_db) -> None:
    with open_store(demo_db) as s:
        folder = inbox.inbox_folder(s)
    (folder / "bad.csv").write_text("UPN,Date,Session,Mark\nA123456789012,31/02/2026,AM,N\n")
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        app.check_inbox()
        await _settle(pilot)
        app.check_inbox()
        await _settle(pilot)
        notices = [n for n in app._notifications if n.severity == "error"]
        assert notices and "impossible date" in str(notices[0].message)
        assert notices[0].timeout > 3600
        await pilot.press("x")
        assert not [n for n in app._notifications if n.severity == "error"]
    assert list((folder / "rejected").glob("*bad.csv.txt"))


async def test_the_import_screen_lists_the_inbox_and_imports_a_picked_file(demo_db, tmp_path):
    from screens.import_screen import ImportScreen

    with open_store(demo_db) as s:
        folder = inbox.inbox_folder(s)
        settings.set_value(s, "inbox_check_seconds", "3600")  # the timer stays out of the way
    home = tmp_path / "home"
    home.mkdir()
    new_upn, _ = _new_absence_file(demo_db, home)
    (folder / "waiting.csv").write_text("UPN,Date,Session,Mark\n")
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await app.push_screen(ImportScreen(home=home))
        await pilot.pause()
        await _settle(pilot)
        files = app.screen.query_one("#inbox-files", DataTable)
        assert files.row_count >= 1
        app.screen.import_file(home / "am-late.csv")
        await _settle(pilot)
        result = str(app.screen.query_one("#import-result").render())
        assert "imported marks from am-late.csv" in result
        await pilot.press("escape")
        assert type(app.screen).__name__ == "QueueScreen"
    with open_store(demo_db) as s:
        assert s.pupil_by_upn(new_upn).id in s.unexplained_pupil_ids(DEMO_MORNING, "AM")


# --- the picker: a typed path, up a folder, the last folder (#17) --------------------------


async def _import_screen(pilot, home):
    from screens.import_screen import CsvTree, ImportScreen

    screen = ImportScreen(home=home)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    await screen.query_one(CsvTree).reload()  # its folders read
    await _settle(pilot)
    return screen


def _quiet_inbox(demo_db) -> None:
    with open_store(demo_db) as s:
        settings.set_value(s, "inbox_check_seconds", "3600")  # the timer stays out of the way


async def test_a_path_typed_in_the_picker_imports_a_file_outside_the_home_folder(
    demo_db, tmp_path
) -> None:
    from tests.pilot import type_text

    _quiet_inbox(demo_db)
    home, elsewhere = tmp_path / "home", tmp_path / "x"
    home.mkdir()
    elsewhere.mkdir()
    new_upn, _ = _new_absence_file(demo_db, elsewhere)
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        screen = await _import_screen(pilot, home)
        await pilot.press("ctrl+l")
        await type_text(pilot, str(elsewhere / "am-late.csv"))
        await pilot.press("enter")
        await _settle(pilot)
        result = str(screen.query_one("#import-result").render())
        assert "imported marks from am-late.csv" in result
        assert screen.query_one("#picker").path == elsewhere  # the picker shows its folder
    with open_store(demo_db) as s:
        assert s.pupil_by_upn(new_upn).id in s.unexplained_pupil_ids(DEMO_MORNING, "AM")


async def test_going_up_from_the_start_folder_shows_its_parent_and_is_kept_this_session(
    demo_db, tmp_path
) -> None:
    from screens.import_screen import CsvTree, ImportScreen

    _quiet_inbox(demo_db)
    home = tmp_path / "home"
    home.mkdir()
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        screen = await _import_screen(pilot, home)
        tree = screen.query_one(CsvTree)
        tree.focus()
        await pilot.press("backspace")
        await tree.reload()
        await pilot.pause()
        assert tree.path == tmp_path
        assert "home" in [child.label.plain for child in tree.root.children]
        await pilot.press("escape")
        reopened = ImportScreen()  # as the queue's i opens it: from the home folder...
        await app.push_screen(reopened)
        await pilot.pause()
        assert reopened.query_one(CsvTree).path == tmp_path  # ...but where it was left


async def test_a_typed_folder_moves_the_picker_and_a_wrong_path_changes_nothing(
    demo_db, tmp_path
) -> None:
    from screens.import_screen import CsvTree
    from tests.pilot import notifications, type_text

    _quiet_inbox(demo_db)
    home, share = tmp_path / "home", tmp_path / "share"
    home.mkdir()
    share.mkdir()
    app = TriageApp(demo_db, DEMO_MORNING, clock=CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        screen = await _import_screen(pilot, home)
        await pilot.press("ctrl+l")
        await type_text(pilot, "../nowhere")
        await pilot.press("enter")
        assert screen.query_one(CsvTree).path == home
        assert any("There is no file or folder at" in n for n in notifications(app))
        assert screen.query_one("#picker-path").value == "../nowhere"  # left to mend
        screen.query_one("#picker-path").value = ""
        await type_text(pilot, "../share")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(CsvTree).path == home / "../share"
        assert screen.query_one(CsvTree).has_focus


def test_a_pasted_path_is_read_as_the_officer_meant_it(tmp_path, monkeypatch) -> None:
    from screens.import_screen import typed_path

    monkeypatch.setenv("HOME", str(tmp_path))
    usb = tmp_path / "USB stick"
    usb.mkdir()
    (usb / "May marks.csv").write_text("")
    here = tmp_path / "home"
    want = usb / "May marks.csv"
    assert typed_path(f"'{want}'", here) == want  # a file manager's quotes
    assert typed_path(f'  "{want}"\n', here) == want
    assert typed_path("file://" + str(want).replace(" ", "%20"), here) == want
    assert typed_path(str(want).replace(" ", "\\ "), here) == want  # a terminal's escapes
    assert typed_path("~/USB stick/May marks.csv", here) == want
    assert typed_path("..", here) == here / ".."
    assert typed_path("   ", here) is None
