from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
import sqlite_utils

from triage import store as store_module
from triage.store import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    StoreError,
    default_db_path,
    open_store,
)


def test_new_database_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wal_and_shm_files_are_private_too(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    s = open_store(path)
    s.set_setting("school_name", "X")  # a write creates the -wal and -shm files
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        assert extra.exists()
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0
    s.close()


def test_connection_uses_wal_foreign_keys_and_a_busy_timeout(store) -> None:
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_new_database_is_at_the_current_schema_version(store) -> None:
    assert store.user_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert {"pupils", "contacts", "pupil_contacts", "marks", "imports", "events"} <= set(
        store.db.table_names()
    )


def _database_at_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:version]:
        step(db)
    conn.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        conn.execute(
            "INSERT INTO pupils (upn, legal_forename, legal_surname, stage)"
            " VALUES ('A123456789012', 'Jo', 'Bloggs', 'Expect')"
        )
        conn.execute(
            "INSERT INTO marks (pupil_id, date, session, code, mis_code, queued)"
            " VALUES (1, '2026-11-24', 'AM', 'N', 'N', 1)"
        )
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_each_earlier_schema_upgrades_in_place_keeping_its_data(tmp_path, version) -> None:
    path = tmp_path / "old.db"
    _database_at_version(path, version)
    with open_store(path) as s:
        assert s.user_version == SCHEMA_VERSION
        if version >= 1:
            assert s.pupil_by_upn("A123456789012").legal_surname == "Bloggs"
            assert s.unexplained_pupil_ids(__import__("datetime").date(2026, 11, 24), "AM") == [1]
        s.audit("test")  # the audit table exists after the upgrade
        assert s.events()[0]["action"] == "test"


def test_a_database_from_a_newer_version_is_refused_clearly(tmp_path) -> None:
    path = tmp_path / "future.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Attendance Triage"):
        open_store(path)


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a shopping list, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a usable Attendance Triage database"):
        open_store(path)


def test_opening_without_create_does_not_make_a_file(tmp_path) -> None:
    with pytest.raises(StoreError, match="no database"):
        open_store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_audit_trail_rejects_update_and_delete(store) -> None:
    with store.transaction():
        store.audit("import", "import", 1, {"rows": 3})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE events SET officer = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM events")
    assert store.events()[0]["officer"] == "officer.one"


def test_a_failed_transaction_writes_nothing(store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
            store.audit("setting", "setting", "a")
            raise RuntimeError("crash mid-change")
    assert store.setting("a") is None
    assert store.events() == []


def test_setting_a_value_is_audited_with_before_and_after(store) -> None:
    store.set_setting("school_name", "Old Name")
    store.set_setting("school_name", "New Name")
    assert store.setting("school_name") == "New Name"
    latest = store.events()[0]
    assert latest["action"] == "setting"
    assert '"before": "Old Name"' in latest["detail"]
    assert '"after": "New Name"' in latest["detail"]


def test_a_write_that_meets_a_held_lock_fails_clearly_and_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "busy.db"
    open_store(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    s = open_store(path)
    try:
        with pytest.raises(StoreError, match="busy"):
            s.set_setting("school_name", "X")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert s.setting("school_name") is None
    s.close()


def test_database_location_follows_triage_db_then_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    monkeypatch.delenv("TRIAGE_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "attendance-triage" / "triage.db"


def test_the_data_directory_is_created_on_first_use(tmp_path) -> None:
    path = tmp_path / "deep" / "er" / "triage.db"
    open_store(path).close()
    assert path.exists()
    assert os.access(path, os.R_OK | os.W_OK)


def test_the_stores_school_days_are_the_rules_school_days_with_partial_closures(tmp_path) -> None:
    from datetime import date as _date

    from triage.imports.importers import import_files
    from triage.rules import school_days

    header = "UPN,Surname,Forename,Date,Session,Mark\n"
    marks = tmp_path / "m.csv"
    marks.write_text(
        header
        + "A123456789012,S,J,23/11/2026,AM,#\nB123456789012,T,K,23/11/2026,AM,#\n"  # closed
        + "A123456789012,S,J,24/11/2026,AM,#\nB123456789012,T,K,24/11/2026,AM,/\n"  # partly
        + "A123456789012,S,J,25/11/2026,AM,N\nA123456789012,S,J,25/11/2026,PM,/\n"
    )
    with open_store(tmp_path / "t.db") as s:
        assert s.school_days() == []
        import_files(s, "marks", [marks])
        assert s.school_days() == [_date(2026, 11, 24), _date(2026, 11, 25)]
        assert s.school_days() == school_days(s.date_codes())


def test_school_days_follow_imports_including_a_day_that_becomes_a_closure(tmp_path) -> None:
    from datetime import date as _date

    from triage.imports.importers import import_files
    from triage.rules import school_days

    path = tmp_path / "t.db"
    header = "UPN,Surname,Forename,Date,Session,Mark\n"
    first = tmp_path / "a.csv"
    first.write_text(
        header + "A123456789012,S,J,23/11/2026,AM,/\nA123456789012,S,J,24/11/2026,AM,N\n"
    )
    closure = tmp_path / "b.csv"
    closure.write_text(header + "A123456789012,S,J,23/11/2026,AM,#\n")
    with open_store(path) as s:
        import_files(s, "marks", [first])
        assert school_days(s.date_codes()) == [_date(2026, 11, 23), _date(2026, 11, 24)]
        assert s.school_days() == school_days(s.date_codes())
        import_files(s, "marks", [closure])  # the 23rd turns out to have been an INSET day
        assert school_days(s.date_codes()) == [_date(2026, 11, 24)]
        assert s.school_days() == school_days(s.date_codes())
        direct = s.conn.execute("SELECT DISTINCT date, code FROM marks ORDER BY 1, 2").fetchall()
        kept = s.conn.execute("SELECT date, code FROM date_codes ORDER BY 1, 2").fetchall()
        assert kept == direct


# --- files that are not this app's database (#15) ------------------------------------------


@pytest.mark.parametrize("command_reads_only", [True, False])
def test_another_programs_database_is_refused_and_left_as_it_was(
    tmp_path, command_reads_only
) -> None:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('beach.jpg')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is not an Attendance Triage database"):
        open_store(path, create=not command_reads_only)
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists()


def test_an_empty_file_given_as_the_database_is_refused(tmp_path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="is not an Attendance Triage database"):
        open_store(path)
    assert path.read_bytes() == b""


def test_a_new_database_is_marked_as_this_apps_and_opens_again(tmp_path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
    open_store(path, create=False).close()


def test_a_database_from_before_the_mark_is_adopted(tmp_path) -> None:
    path = tmp_path / "old.db"
    _database_at_version(path, SCHEMA_VERSION - 1)
    open_store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
