"""A lead takes back marks that should never have been imported (issue #16): by the import
that wrote them or by date; previewed first, audited, one transaction, and every other mark
(and the officers' work on it) left as it was."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import database_dump
from triage.cli.main import main
from triage.imports.importers import import_files
from triage.morning.logbook import record_reason
from triage.officers import add_officer
from triage.store import open_store

AMY, BEN = "A123456789012", "A123456789013"
RIGHT = (
    "UPN,Surname,Forename,Date,Session,Mark\n"
    f"{AMY},Smith,Amy,23/11/2026,AM,N\n"
    f"{BEN},Khan,Ben,23/11/2026,AM,/\n"
)
WRONG = (  # another school's export, dropped in by mistake
    "UPN,Surname,Forename,Date,Session,Mark\n"
    f"{AMY},Smith,Amy,24/11/2026,AM,O\n"
    f"{BEN},Khan,Ben,24/11/2026,AM,O\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    (tmp_path / "right.csv").write_text(RIGHT, encoding="utf-8")
    (tmp_path / "wrong.csv").write_text(WRONG, encoding="utf-8")
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "worker", "officer")
        import_files(s, "marks", [tmp_path / "right.csv"])
        import_files(s, "marks", [tmp_path / "wrong.csv"])
        amy = s.pupil_by_upn(AMY)
        assert amy is not None
        record_reason(s, [amy.id], date(2026, 11, 23), "AM", "I")
    return path


def run(db: Path, officer: str, *argv: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("triage.store.current_officer", lambda: officer)
    return main(["marks", *argv, "--db", str(db)])


def test_the_imports_are_listed_with_their_ids(db, capsys, monkeypatch) -> None:
    assert run(db, "lead.one", "imports", monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "2" and lines[0].endswith("wrong.csv")
    assert lines[1].split()[0] == "1" and lines[1].endswith("right.csv")


def test_without_yes_it_only_says_what_would_go(db, capsys, monkeypatch) -> None:
    before = database_dump(db)
    assert run(db, "lead.one", "remove", "--import", "2", monkeypatch=monkeypatch) == 0
    assert "would remove 2 mark(s) on 24/11/2026; add --yes" in capsys.readouterr().out
    assert database_dump(db) == before


def test_a_lead_removes_a_wrong_files_marks_and_nothing_else(db, capsys, monkeypatch) -> None:
    assert run(db, "lead.one", "remove", "--import", "2", "--yes", monkeypatch=monkeypatch) == 0
    assert "removed 2 mark(s) on 24/11/2026" in capsys.readouterr().out
    with open_store(db, create=False) as s:
        marks = s.conn.execute("SELECT date, code, amended FROM marks ORDER BY code").fetchall()
        assert marks == [("2026-11-23", "/", 0), ("2026-11-23", "I", 1)]  # Amy's recode kept
        assert [d.isoformat() for d in s.school_days()] == ["2026-11-23"]
        (event,) = [e for e in s.events() if e["action"] == "marks-removed"]
    detail = json.loads(event["detail"])
    assert detail["import_id"] == 2 and len(detail["marks"]) == 2
    assert event["officer"] == "lead.one"


def test_only_a_lead_may_remove_marks(db, capsys, monkeypatch) -> None:
    before = database_dump(db)
    assert (
        run(db, "worker", "remove", "--date", "24/11/2026", "--yes", monkeypatch=monkeypatch) == 1
    )
    assert "only a lead" in capsys.readouterr().err
    assert database_dump(db) == before


def test_marks_are_removed_by_date_and_session(db, capsys, monkeypatch) -> None:
    argv = ("remove", "--date", "23/11/2026", "--session", "AM", "--yes")
    assert run(db, "lead.one", *argv, monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "removed 2 mark(s) on 23/11/2026; 1 of them recoded by an officer" in out
    with open_store(db, create=False) as s:
        assert s.conn.execute("SELECT DISTINCT date FROM marks").fetchall() == [("2026-11-24",)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("remove",), "say which marks"),
        (("remove", "--import", "2", "--session", "AM"), "--session goes with --date"),
    ],
)
def test_saying_which_marks_is_required(db, capsys, monkeypatch, argv, message) -> None:
    assert run(db, "lead.one", *argv, monkeypatch=monkeypatch) == 2
    assert message in capsys.readouterr().err


def test_nothing_matching_is_a_clear_error(db, capsys, monkeypatch) -> None:
    argv = ("remove", "--date", "25/11/2026", "--yes")
    assert run(db, "lead.one", *argv, monkeypatch=monkeypatch) == 1
    assert "no mark matches: nothing was removed" in capsys.readouterr().err
