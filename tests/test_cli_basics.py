"""The command line as people expect it (#17): output to a pipe or a file is never cut,
``--version``, ``python -m triage``, and a missing database that says what to do next."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import imported
from triage.cli.main import main
from triage.store import open_store

ROOT = Path(__file__).resolve().parent.parent
UPN = "A123456789012"
LONG_NAME = "Maximiliana-Josephine Featherstonehaugh-Cholmondeley-Worthington"
PHONE = "07700 900123 ext 4567"
FORENAME, SURNAME = LONG_NAME.split()
PUPILS = f"UPN,Surname,Forename,Year,Reg\n{UPN},{SURNAME},{FORENAME},8,8A\n"
CONTACTS = (
    "UPN,Contact Name,Relationship,Priority,Mobile\n"
    f"{UPN},Bartholomew Featherstonehaugh-Cholmondeley,Grandfather,1,{PHONE}\n"
)
MARKS = f"UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n{UPN},X,Y,8,8A,24/11/2026,AM,N\n"


@pytest.fixture
def long_names_db(tmp_path: Path) -> Path:
    """A school whose one absent pupil has a long name and a long number to call."""
    path = tmp_path / "long.db"
    with open_store(path) as store:
        imported(store, tmp_path, pupils=PUPILS, contacts=CONTACTS, marks=MARKS)
    return path


def triage_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "triage", *args]


def environment(**extra: str) -> dict[str, str]:
    """The test's environment without a terminal width (Rich would take COLUMNS)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return env | extra


# --- output to a pipe or a file ------------------------------------------------------------


def test_the_queue_written_to_a_file_keeps_long_names_and_phone_numbers_whole(
    long_names_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "today.txt"
    with out.open("w") as file:
        subprocess.run(
            triage_command("queue", "--db", str(long_names_db)),
            stdout=file,
            check=True,
            cwd=ROOT,
            env=environment(),
            timeout=60,
        )
    text = out.read_text(encoding="utf-8")
    (row,) = [line for line in text.splitlines() if PHONE in line]
    assert LONG_NAME in row and "Bartholomew Featherstonehaugh-Cholmondeley (Grandfather)" in row
    assert "…" not in text and len(row) > 80


def test_the_queue_in_a_terminal_still_fits_the_window(long_names_db: Path) -> None:
    """A real terminal (a pty) 80 columns wide: every line fits, the names wrapping onto a
    second line rather than the number to call being cut."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    done = subprocess.run(
        triage_command("queue", "--db", str(long_names_db)),
        stdout=follower,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=environment(TERM="xterm"),
        timeout=60,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed: everything has been read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 0, done.stderr
    lines = b"".join(chunks).decode("utf-8").replace("\r", "").splitlines()
    plain = [line for line in lines if line.strip()]
    assert plain and all(len(_visible(line)) <= 80 for line in plain)
    assert any(PHONE in line for line in plain)  # the names wrap; the number stays whole


def _visible(line: str) -> str:
    """The characters a terminal shows (without its colour and style escapes)."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", line)


def test_a_case_printed_to_a_pipe_is_not_wrapped(demo_db: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with open_store(demo_db, create=False) as store:
        upn = store.pupils()[0].upn
    assert main(["case", upn, "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    legend = [line for line in out.splitlines() if line.startswith("/ present")]
    assert legend and "not a school day" in legend[0] and len(legend[0]) > 80


# --- --version and python -m triage -------------------------------------------------------


def test_version_prints_the_installed_version_and_exits_0() -> None:
    done = subprocess.run(
        triage_command("--version"), capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout == f"triage {version('attendance-triage')}\n"


def test_python_m_triage_is_the_triage_command(tmp_path: Path) -> None:
    done = subprocess.run(
        triage_command("--help"), capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: triage ")
    missing = tmp_path / "none.db"
    done = subprocess.run(
        triage_command("queue", "--db", str(missing)),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 1 and "no database at" in done.stderr
    assert "Traceback" not in done.stderr


def test_importing_triage_main_runs_nothing() -> None:
    """``python -m triage`` runs the command; importing the module (a tool walking the
    package) does not."""
    done = subprocess.run(
        [sys.executable, "-c", "import triage.__main__; print('imported')"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "imported\n"


# --- a missing database ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [],  # opening the app
        ["queue"],
        ["case", "A123456789012"],
        ["alerts"],
        ["audit"],
        ["summary"],
        ["config", "show"],
        ["config", "ladder", "show"],
        ["officers", "list"],
        ["marks", "imports"],
        ["check"],
    ],
)
def test_a_read_on_a_missing_database_says_the_next_step_and_creates_nothing(
    tmp_path: Path, capsys, command: list[str]
) -> None:
    missing = tmp_path / "school" / "none.db"
    assert main([*command, "--db", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"there is no database at {missing}" in err
    assert "triage demo" in err
    assert f"triage import pupils FILE --db {missing}" in err
    assert not missing.exists() and not missing.parent.exists()


def test_without_db_the_next_step_needs_no_db_option(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "none.db"))
    assert main(["queue"]) == 1
    err = capsys.readouterr().err
    assert "triage import pupils FILE," in err and "--db" not in err


def test_importing_pupils_the_suggested_next_step_makes_the_database(tmp_path: Path) -> None:
    db = tmp_path / "school.db"
    (tmp_path / "pupils.csv").write_text(PUPILS, encoding="utf-8")
    assert main(["import", "pupils", str(tmp_path / "pupils.csv"), "--db", str(db)]) == 0
    with open_store(db, create=False) as store:
        assert store.count("pupils") == 1
