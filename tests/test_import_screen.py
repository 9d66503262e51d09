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
