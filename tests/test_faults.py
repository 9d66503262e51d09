"""Faults an officer's morning can meet: a killed import, hostile text in a file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.text import Text

from tests.conftest import DEMO_MORNING
from triage.imports.importers import import_files
from triage.sanitise import printable
from triage.store import open_store


def _big_marks_file(path: Path) -> Path:
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    for p in range(600):
        upn = f"A{100000000000 + p}"
        for day in range(1, 32):
            for session in ("AM", "PM"):
                lines.append(f"{upn},Sur{p},Fore{p},8,8A,{day:02d}/10/2026,{session},/")
    path.write_text("\n".join(lines) + "\n")
    return path


IMPORTER = """
import sys
from pathlib import Path
from triage.store import open_store
from triage.imports.importers import import_files
store = open_store(sys.argv[1])
print("ready", flush=True)
import_files(store, "marks", [Path(sys.argv[2])])
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3, 0.6])
def test_an_import_killed_at_any_moment_leaves_all_or_nothing(tmp_path, delay) -> None:
    db = tmp_path / "t.db"
    open_store(db).close()
    csv_file = _big_marks_file(tmp_path / "marks.csv")
    expected = sum(1 for _ in csv_file.open()) - 1
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(db), str(csv_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    marks = conn.execute("SELECT COUNT(*) FROM marks").fetchone()[0]
    imports = conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0]
    assert (marks, imports) in ((0, 0), (expected, 1))
    conn.close()
    # The database is still usable afterwards: the same import now completes.
    with open_store(db) as s:
        import_files(s, "marks", [csv_file])
        assert s.count("marks") == expected


def test_control_characters_in_names_never_reach_the_terminal(store, tmp_path) -> None:
    hostile = tmp_path / "marks.csv"
    hostile.write_text(
        "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
        'A123456789012,"Smith\x1b[2J\x1b]0;pwned\x07",[bold]Jo[/bold],8,8A\x9b31m,'
        "24/11/2026,AM,N\n"
    )
    import_files(store, "marks", [hostile])
    pupil = store.pupil_by_upn("A123456789012")
    assert "\x1b" not in pupil.legal_surname and "\x07" not in pupil.legal_surname
    assert "\x9b" not in (pupil.reg_group or "")
    assert pupil.legal_surname == "Smith[2J]0;pwned"
    # Rich markup stays literal text when shown.
    assert Text(pupil.display_name).plain == "[bold]Jo[/bold] Smith[2J]0;pwned"


def test_printable_keeps_ordinary_names_as_they_are() -> None:
    for name in ("Siobhán O'Neill", "Zoë Smith-Jones", "D’Souza", "Nguyễn", "李"):
        assert printable(name) == name
    assert printable("two\tparts\nhere") == "two parts here"


async def test_hostile_names_show_literally_in_the_queue(tmp_path) -> None:
    from textual.widgets import DataTable

    from screens.app import TriageApp

    db = tmp_path / "t.db"
    hostile = tmp_path / "marks.csv"
    hostile.write_text(
        "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
        "A123456789012,Smith\x1b[31m,[red]Jo[/red],8,8A,24/11/2026,AM,N\n"
    )
    with open_store(db) as s:
        import_files(s, "marks", [hostile])
    app = TriageApp(db, DEMO_MORNING)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#queue", DataTable)
        name = table.get_cell_at((0, 2))
        assert str(name) == "[red]Jo[/red] Smith[31m"


def test_no_shell_is_ever_invoked_and_sql_is_never_built_from_data() -> None:
    """A cheap guard on the whole code base: no shell, and SQL text only ever built from
    constants (placeholders for values)."""
    root = Path(__file__).resolve().parent.parent
    for folder in ("triage", "screens"):
        for source in (root / folder).glob("*.py"):
            text = source.read_text()
            assert "shell=True" not in text, source
            assert "os.system(" not in text, source
            assert "os.popen(" not in text, source


def test_closing_the_app_releases_the_officers_claims(demo_db) -> None:
    import asyncio

    from screens.app import TriageApp
    from triage.morning.logbook import claim, claims_for

    async def run() -> None:
        app = TriageApp(demo_db, DEMO_MORNING, officer="officer.one")
        async with app.run_test() as pilot:
            await pilot.app.workers.wait_for_complete()
            claim(
                app.store,
                [app.store.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]],
                DEMO_MORNING,
                "AM",
            )

    asyncio.run(run())
    with open_store(demo_db, officer="officer.two") as other:
        assert claims_for(other, DEMO_MORNING, "AM") == {}
