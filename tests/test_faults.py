"""Faults an officer's morning can meet: a killed import, hostile text in a file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.text import Text

from tests.conftest import DEMO_MORNING
from tests.source_guard import BUILT, SHELL, Finding, findings_under
from triage.imports.importers import import_files
from triage.sanitise import printable
from triage.store import open_store


def _big_marks_file(path: Path) -> Path:
    lines = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    autumn = [date(2026, 10, 1) + timedelta(days=n) for n in range(60)]
    school_days = [d for d in autumn if d.weekday() < 5][:31]  # weekend marks are refused
    for p in range(600):
        upn = f"A{100000000000 + p}"
        for day in school_days:
            for session in ("AM", "PM"):
                lines.append(f"{upn},Sur{p},Fore{p},8,8A,{day:%d/%m/%Y},{session},/")
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


# --- no shell, and no SQL built from data (tests/source_guard.py) -------------------------

SOURCE_FOLDERS = ("triage", "screens")


@dataclass(frozen=True)
class Allowed:
    """SQL built from a value on purpose: the function it is in, a piece of its text, why."""

    function: str
    text: str
    reason: str


ALLOWED = (
    Allowed(
        "migrate",
        "PRAGMA user_version",
        "a PRAGMA takes no parameters; the value is the migration step's number (an int)",
    ),
    Allowed(
        "count",
        "SELECT COUNT(*) FROM [",
        "a table name cannot be a parameter: count() refuses a name that is not an "
        "identifier, and its callers pass a literal table name",
    ),
    Allowed("events", "LIMIT", "the limit goes through int(): it can only be a number"),
)


def _allowance(finding: Finding) -> Allowed | None:
    return next(
        (
            a
            for a in ALLOWED
            if finding.what == BUILT and a.function == finding.function and a.text in finding.text
        ),
        None,
    )


def test_no_shell_is_ever_invoked_and_sql_is_never_built_from_data() -> None:
    """Over every module under triage/ and screens/, subfolders included: no shell, and SQL
    text built only from constants and placeholders (values go in as parameters). The few
    exceptions are in ALLOWED with their reasons, and each must still be needed."""
    root = Path(__file__).resolve().parent.parent
    modules = [p for folder in SOURCE_FOLDERS for p in (root / folder).rglob("*.py")]
    assert any(p.parent.name == "store" for p in modules)  # subfolders are read
    findings = findings_under(root, SOURCE_FOLDERS)
    problems = [str(f) for f in findings if _allowance(f) is None]
    assert problems == [], "\n".join(problems)
    needed = {_allowance(f) for f in findings}
    stale = [a for a in ALLOWED if a not in needed]
    assert stale == [], f"no longer needed (remove from ALLOWED): {stale}"


CLEAN_MODULE = """
from triage.store.sql import placeholders, MARK_COLUMNS

COLUMNS = ("id", "upn")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM pupils"
LIMIT = 10
TABLES = frozenset({"attempts", "recodes"})


def _in_list(codes):
    return ",".join("'" + c + "'" for c in sorted(codes))


def _pupil_clause(ids):
    return "" if ids is None else f" AND pupil_id IN ({placeholders(ids)})"


def _table(name):
    if name not in TABLES:
        raise ValueError(name)
    return name


CODES = _in_list(("N", "O"))


def read(conn, store, ids, name, recent):
    conn.execute("SELECT * FROM pupils WHERE legal_surname = ?", (name,))
    conn.execute(SELECT + " WHERE id IN (" + placeholders(ids) + ")", ids)
    marks = placeholders(ids)
    sql = f"SELECT * FROM marks WHERE pupil_id IN ({marks})"
    if recent:
        sql += f" LIMIT {LIMIT}"
    conn.execute(sql, ids)
    more = " AND queued = 1" if recent else ""
    conn.execute(f"SELECT * FROM marks WHERE date = ?{more}{_pupil_clause(ids)}", (name,))
    conn.execute(f"SELECT * FROM marks WHERE pupil_id IN ({','.join('?' * len(ids))})", ids)
    conn.execute(f"SELECT {MARK_COLUMNS} FROM marks WHERE code IN ({CODES})")
    conn.execute(f"UPDATE {_table(name)} SET undone_event_id = ?", (1,))
    for table in COLUMNS:
        conn.execute(f"SELECT COUNT(*) FROM {table}")
    conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in ids])
    subprocess.run(["editor", name], check=False, shell=False)
    store.query(f"#row-{name}")  # Textual's DOM query, not SQL
    return run(conn, sql)


def run(conn, sql):
    return conn.execute(sql)  # a parameter: judged where its text is built
"""

BUILT_FROM_DATA = {
    "an f-string": "conn.execute(f\"SELECT * FROM pupils WHERE legal_surname = '{name}'\")",
    "a local f-string": 'sql = f"DELETE FROM {name}"\n    conn.execute(sql)',
    "a grown local": 'sql = "SELECT * FROM t"\n    sql += " WHERE x = " + name\n'
    "    conn.execute(sql)",
    "a % format": 'conn.executemany("INSERT INTO %s VALUES (?)" % name, [])',
    "a .format()": 'store.conn.executescript("DROP TABLE {};".format(name))',
    "a + concatenation": 'self.db.execute("SELECT * FROM t WHERE x = " + str(name))',
    "a join": 'conn.execute(" AND ".join(f"{c} = ?" for c in name))',
    "a keyword argument": 'conn.execute(sql=f"SELECT {name}")',
    "sqlite-utils' query": 'store.db.query(f"SELECT * FROM {name}")',
    "an unchecked helper": 'conn.execute(f"SELECT * FROM {passed_through(name)}")',
    "a lambda's parameter": 'lambda t: conn.execute(f"SELECT * FROM {t}")',
}
SHELLS = {
    "shell=True": "subprocess.run(name, shell=True)",
    "os.system": "os.system(name)",
    "os.popen": "os.popen(name).read()",
    "from os import system": "system(name)",
    "subprocess.getoutput": "subprocess.getoutput(name)",
}


def _module_under(root: Path, body: str) -> None:
    package = root / "triage" / "deep" / "sub"  # found however deep it sits
    package.mkdir(parents=True)
    source = "import os\nimport subprocess\nfrom os import system\n\n\n"
    source += "def passed_through(name):\n    return name\n\n\n"
    source += f"def read(conn, store, self, name):\n    {body}\n"
    (package / "module.py").write_text(source)


@pytest.mark.parametrize("body", BUILT_FROM_DATA.values(), ids=BUILT_FROM_DATA.keys())
def test_the_guard_catches_sql_built_from_data(tmp_path, body) -> None:
    _module_under(tmp_path, body)
    found = findings_under(tmp_path, SOURCE_FOLDERS)
    assert [(f.path, f.function, f.what) for f in found] == [
        (Path("triage/deep/sub/module.py"), "read", BUILT)
    ]
    assert "name" in found[0].text or "{t}" in found[0].text


@pytest.mark.parametrize("body", SHELLS.values(), ids=SHELLS.keys())
def test_the_guard_catches_a_shell(tmp_path, body) -> None:
    _module_under(tmp_path, body)
    assert [f.what for f in findings_under(tmp_path, SOURCE_FOLDERS)] == [SHELL]


def test_the_guard_passes_sql_made_of_constants_and_placeholders(tmp_path) -> None:
    module = tmp_path / "screens" / "widgets" / "clean.py"
    module.parent.mkdir(parents=True)
    module.write_text(CLEAN_MODULE)
    assert findings_under(tmp_path, SOURCE_FOLDERS) == []


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
