"""Never a crash, never a silent loss (#15): a write that fails for a cause outside the app
(the disk full) reaches the officer as one line and changes nothing, the app keeps running;
an error nobody expected ends the app with one line and a private log, never a traceback
with the local variables (pupils' names) on the terminal."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from screens.app import TriageApp
from screens.queue_screen import QueueScreen
from tests.conftest import database_dump
from tests.pilot import loaded, make_app, notifications, press
from triage.morning.logbook import add_note
from triage.store import StoreError, open_store


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real small filesystem (tmpfs), where the machine lets the tests mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@contextmanager
def lock_held(db: Path) -> Iterator[None]:
    """Another officer's write, or a backup, holding the database's write lock."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def fill(disk: Path) -> None:
    """Fill the filesystem to the last byte."""
    with open(disk / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    try:
        with open(disk / "filler2", "wb") as f:
            while True:
                f.write(b"\0")
                f.flush()
    except OSError:
        pass


def test_a_write_on_a_full_disk_is_one_clear_error_and_changes_nothing(
    small_disk: Path, demo_db: Path
) -> None:
    db = small_disk / "triage.db"
    db.write_bytes(demo_db.read_bytes())
    os.chmod(db, 0o600)
    with open_store(db, create=False) as s:
        pupil = s.pupils()[0]
        before = s.conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
        fill(small_disk)
        with pytest.raises(StoreError, match="Nothing was saved: the disk .* is full"):
            for _ in range(200):  # a page or two may still fit: write until it does not
                add_note(s, pupil.id, "x" * 4000)
    os.remove(small_disk / "filler")
    with open_store(db, create=False) as s:
        after = s.conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert after >= before  # what was saved before the disk filled is kept, whole


async def test_the_app_keeps_running_when_the_disk_is_full(small_disk: Path, demo_db: Path) -> None:
    db = small_disk / "triage.db"
    db.write_bytes(demo_db.read_bytes())
    os.chmod(db, 0o600)
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        fill(small_disk)
        snapshot = database_dump(db)
        for _ in range(3):
            await press(pilot, "c", "3")  # a call with no answer: a write, on a full disk
        assert isinstance(app.screen, QueueScreen)  # still running
        assert app.is_running
        full = [n for n in notifications(app) if "disk holding the database is full" in n]
        assert full, notifications(app)
    assert database_dump(db) == snapshot


async def test_an_unexpected_error_ends_with_one_line_and_a_private_log(
    demo_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(self: QueueScreen, channel: str) -> None:
        secret = "Hamza Shaw 07700 900123"  # a local variable Textual would print
        raise RuntimeError(f"a bug{'' if secret else '!'}")

    monkeypatch.setattr(QueueScreen, "action_log", broken)
    app: TriageApp = make_app(demo_db)
    with pytest.raises(RuntimeError, match="a bug"):  # Pilot re-raises for the test
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("c")
            await pilot.pause()
    shown = " ".join(capsys.readouterr().err.split())  # what the terminal is given
    assert "Attendance Triage stopped after an unexpected error" in shown
    assert "Traceback" not in shown and "Hamza" not in shown and "07700" not in shown
    log = tmp_path / "state" / "attendance-triage" / "errors.log"
    assert "RuntimeError: a bug" in log.read_text()
    assert "07700" not in log.read_text()  # no local variables, even in the log
    assert (log.stat().st_mode & 0o777) == 0o600
    assert app.return_code == 1


@pytest.fixture
def read_only_disk(small_disk: Path, demo_db: Path) -> Iterator[Path]:
    """The demo database on a filesystem mounted read-only (as root can do to a file
    that its permissions alone would not stop)."""
    db = small_disk / "triage.db"
    db.write_bytes(demo_db.read_bytes())
    os.chmod(db, 0o600)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    yield db


def test_a_read_only_database_is_one_clear_line(read_only_disk: Path, capsys) -> None:
    from triage.cli.main import main

    assert main(["queue", "--db", str(read_only_disk)]) == 1
    err = capsys.readouterr().err
    assert "is read-only for you" in err and "unexpected error" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["marks", "remove", "--import", "99999999999999999999999"], "not a whole number from"),
        (["import", "--inbox", "--settle", "1e400"], "not a number of seconds"),
    ],
)
def test_a_number_too_large_is_a_usage_error_not_a_crash(
    tmp_path: Path, capsys, argv: list[str], message: str
) -> None:
    from triage.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main([*argv, "--db", str(tmp_path / "t.db")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_contact_priority_too_large_is_a_row_problem(tmp_path: Path) -> None:
    from triage.imports.csvfile import ImportFileError
    from triage.imports.importers import import_files

    path = tmp_path / "contacts.csv"
    path.write_text(
        "UPN,Contact Name,Priority\nA123456789012,Sarah Smith,99999999999999999999999\n",
        encoding="utf-8",
    )
    with (
        open_store(tmp_path / "t.db") as s,
        pytest.raises(
            ImportFileError, match="line 2: priority '9+' is not a whole number from 1 to 99"
        ),
    ):
        import_files(s, "contacts", [path])


# --- another writer holding the lock: never a silent loss (#15) -----------------------------


def _status(screen: QueueScreen, pid: int) -> str:
    assert screen.progress is not None
    return str(screen.status_text(pid, screen.progress.statuses[pid]))


def _attempts(db: Path, pid: int) -> list[tuple[str]]:
    with open_store(db, create=False) as s:
        return s.conn.execute("SELECT outcome FROM attempts WHERE pupil_id = ?", (pid,)).fetchall()


async def test_an_outcome_logged_while_the_lock_is_held_says_saving_and_the_keys_stay_live(
    demo_db: Path,
) -> None:
    from tests.pilot import settle

    app = make_app(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        first = screen.row_order()[0]
        with lock_held(demo_db):  # another officer, or a backup, holds the lock
            await pilot.press("c", "3")  # no answer: the write cannot go in yet
            await pilot.pause()
            assert "saving…" in _status(screen, first)
            # The keyboard was never taken: the cursor moved on to the next family, and the
            # next keys work while the first write waits its turn in a worker.
            assert screen.current_pupil_id() != first
            table = screen.query_one("#queue")
            row_before = table.cursor_row
            await pilot.press("k")
            await pilot.pause()
            assert table.cursor_row == row_before - 1
            assert [w for w in app.workers if w.group == "writes" and w.is_running]
            assert _attempts(demo_db, first) == []
        await settle(pilot)
        assert "saving…" not in _status(screen, first)
        assert "NOT SAVED" not in _status(screen, first)
    assert _attempts(demo_db, first) == [("no_answer",)]


async def test_a_family_still_saving_takes_no_second_entry_until_it_is_saved(
    demo_db: Path,
) -> None:
    from tests.pilot import settle

    app = make_app(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        first = screen.row_order()[0]
        with lock_held(demo_db):  # another officer, or a backup
            await pilot.press("c", "3")
            await pilot.pause()
            screen.move_to(first)
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, QueueScreen)  # no dialog: refused, and said why
            assert any("Still saving" in n for n in notifications(app))
        await settle(pilot)
    assert _attempts(demo_db, first) == [("no_answer",)]  # once, not twice


async def test_an_outcome_not_saved_says_so_on_its_row_and_ctrl_r_saves_it(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pilot import settle

    monkeypatch.setattr("screens.officer_screen.BACKGROUND_WRITE_MS", 300)  # need not wait 30 s
    app = make_app(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        pid = screen.row_order()[0]
        with lock_held(demo_db):  # another officer, or a backup, holds the lock
            await press(pilot, "c")  # the claim gives up at once: the dialog opens
            await press(pilot, "3")  # no answer: the write waits in a worker, then fails
            await settle(pilot)
            assert "NOT SAVED" in _status(screen, pid)
            assert any("ctrl+r on it tries again" in n for n in notifications(app))
        screen.move_to(pid)
        await press(pilot, "ctrl+r")
        await settle(pilot)
        assert "NOT SAVED" not in _status(screen, pid)
    assert _attempts(demo_db, pid) == [("no_answer",)]


async def test_quitting_with_an_entry_not_saved_warns_first_and_a_second_q_quits(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pilot import settle

    monkeypatch.setattr("screens.officer_screen.BACKGROUND_WRITE_MS", 300)
    app = make_app(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        with lock_held(demo_db):  # another officer, or a backup
            await pilot.press("c", "3")
            await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is None  # still running: told first
        assert any("press q again to quit anyway" in n for n in notifications(app))
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


@pytest.mark.parametrize(
    "argv",
    [["import", "marks", "/tmp/" + "a" * 300 + ".csv"], ["backup", "/tmp/" + "b" * 300 + ".db"]],
)
def test_a_file_name_too_long_is_one_clear_line(tmp_path: Path, capsys, argv) -> None:
    from triage.cli.main import main

    db = tmp_path / "t.db"
    open_store(db).close()
    assert main([*argv, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "File name too long" in err and "unexpected error" not in err
    assert len(err) < 300  # the name is quoted short


async def test_a_note_on_a_case_written_while_the_lock_is_held_is_saved_once_it_is_free(
    demo_db: Path,
) -> None:
    from tests.conftest import planted, pupil_id
    from tests.pilot import open_case, settle, type_text

    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        with lock_held(demo_db):  # another officer, or a backup
            await press(pilot, "n")
            await type_text(pilot, "rang the aunt")
            await pilot.press("enter")
            await pilot.pause()
            assert any("Saving…" in n for n in notifications(app))
            assert [w for w in app.workers if w.group == "writes" and w.is_running]
        await settle(pilot)
    with open_store(demo_db, create=False) as s:
        notes = s.conn.execute("SELECT text FROM notes WHERE pupil_id = ?", (pid,)).fetchall()
    assert notes == [("rang the aunt",)]


async def test_a_case_action_that_cannot_be_saved_reopens_its_form_as_typed(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.case_dialogs import ActionForm
    from tests.conftest import planted, pupil_id
    from tests.pilot import choose_action, open_case, settle

    monkeypatch.setattr("screens.officer_screen.BACKGROUND_WRITE_MS", 300)
    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "mee")
        await press(pilot, "tab", "space")  # one barrier ticked
        with lock_held(demo_db):  # another officer, or a backup
            await pilot.press("ctrl+s")
            await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionForm)  # back, with what was typed and why
        assert "busy" in str(form.error)
        await press(pilot, "ctrl+s")
        await settle(pilot)
    with open_store(demo_db, create=False) as s:
        count = s.conn.execute("SELECT COUNT(*) FROM actions WHERE pupil_id = ?", (pid,)).fetchone()
    assert count == (1,)


async def test_the_app_finds_a_damaged_database_and_refuses_to_write_on_it(
    demo_db: Path, tmp_path: Path
) -> None:
    from tests.pilot import settle
    from tests.test_maintenance import _damage_far_from_the_marks

    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage_far_from_the_marks(db)
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        assert any("the database is damaged" in n for n in notifications(app))
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        pid = screen.row_order()[0]
        await pilot.press("c", "3")
        await settle(pilot)
        assert "NOT SAVED" in _status(screen, pid)
    assert _attempts(db, pid) == []
