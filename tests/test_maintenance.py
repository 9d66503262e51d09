"""Backups while others write, integrity checks, and the audit trail command."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading

import pytest

from tests.conftest import DEMO_MORNING
from triage.cli.main import main
from triage.morning.logbook import log_attempt
from triage.store import open_store
from triage.store.maintenance import backup, check


def test_backup_is_a_consistent_private_copy(demo_db, tmp_path) -> None:
    dest = tmp_path / "copy.db"
    with open_store(demo_db) as s:
        backup(s, dest)
        marks = s.count("marks")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == marks


def test_backup_runs_while_another_officer_keeps_writing(demo_db, tmp_path) -> None:
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        with open_store(demo_db, officer="officer.two") as other:
            pupils = other.unexplained_pupil_ids(DEMO_MORNING, "AM")
            while not stop.is_set():
                log_attempt(
                    other,
                    [pupils[len(written) % len(pupils)]],
                    DEMO_MORNING,
                    "AM",
                    "call",
                    "no_answer",
                )
                written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with open_store(demo_db) as s:
            backup(s, tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert written  # the other officer really was writing


def test_backup_never_overwrites_a_file(demo_db, tmp_path, capsys) -> None:
    dest = tmp_path / "copy.db"
    dest.write_text("precious")
    assert main(["backup", str(dest), "--db", str(demo_db)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert dest.read_text() == "precious"


def test_check_reports_a_healthy_database(demo_db, capsys) -> None:
    assert main(["check", "--db", str(demo_db)]) == 0
    assert "integrity ok" in capsys.readouterr().out


def test_check_finds_a_dangling_foreign_key(demo_db, capsys) -> None:
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO pupil_contacts (pupil_id, contact_id, priority,"
        " parental_responsibility) VALUES (999999, 1, 1, 0)"
    )
    conn.commit()
    conn.close()
    with open_store(demo_db) as s:
        assert any("pupil_contacts" in p for p in check(s))
    assert main(["check", "--db", str(demo_db)]) == 1


def test_audit_lists_changes_by_officer_and_pupil(demo_db, capsys) -> None:
    with open_store(demo_db, officer="officer.two") as s:
        pupils = s.unexplained_pupil_ids(DEMO_MORNING, "AM")
        log_attempt(s, [pupils[0]], DEMO_MORNING, "AM", "call", "spoke_reason", reason_code="I")
        upn = s.pupils([pupils[0]])[0].upn
    assert (
        main(["audit", "--db", str(demo_db), "--officer", "officer.two", "--format", "json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in rows] == ["attempt"]
    assert rows[0]["detail"]["recodes"][0]["before"] == "N"
    assert rows[0]["detail"]["recodes"][0]["after"] == "I"
    assert main(["audit", "--db", str(demo_db), "--pupil", upn]) == 0
    assert "recoded" in capsys.readouterr().out
    assert main(["audit", "--db", str(demo_db), "--pupil", "Z000000000000"]) == 1


# --- a damaged database (#15) ----------------------------------------------------------------


def _damage(path) -> None:
    """Overwrite pages in the middle of the file with garbage, as a failing disk might."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xde\xad\xbe\xef" * 4096)


def test_check_names_the_damage_and_what_to_do(demo_db, tmp_path, capsys) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage(db)
    assert main(["check", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "the database is damaged" in err and "restore the last good backup" in err
    assert "unexpected error" not in err


def test_a_backup_of_a_damaged_database_is_refused_and_leaves_no_copy(
    demo_db, tmp_path, capsys
) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage(db)
    copy = tmp_path / "copy.db"
    assert main(["backup", str(copy), "--db", str(db)]) == 1
    assert "no backup was made" in capsys.readouterr().err
    assert not copy.exists()


def _damage_far_from_the_marks(path) -> None:
    """Damage pages that an import of marks never reads (a table of its own at the end of
    the file): only a check of the whole file can find it before the import writes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("VACUUM")
    conn.execute("CREATE TABLE far_away (x BLOB)")
    conn.executemany("INSERT INTO far_away VALUES (randomblob(3000))", [()] * 100)
    conn.execute("PRAGMA journal_mode = WAL")  # as the app keeps it: opening changes nothing
    conn.close()
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size - 100_000)
        f.write(b"\xde\xad\xbe\xef" * 4096)


def test_an_import_into_a_damaged_database_is_refused_and_changes_nothing(
    demo_db, tmp_path, capsys
) -> None:
    from pathlib import Path

    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage_far_from_the_marks(db)
    before = db.read_bytes()
    marks = Path(__file__).parent.parent / "fixtures" / "sims" / "marks.csv"
    assert main(["import", "marks", str(marks), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "the database is damaged" in err and "restore the last good backup" in err
    assert db.read_bytes() == before


def test_a_store_found_damaged_refuses_every_later_write(demo_db, tmp_path) -> None:
    from triage.store import StoreError

    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage(db)
    with open_store(db, create=False) as store:
        with pytest.raises(StoreError, match="the database is damaged"):
            store.refuse_if_damaged()
        with pytest.raises(StoreError, match="the database is damaged"), store.transaction():
            pass
