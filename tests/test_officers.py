"""Who may use a database: officers, roles, single-user mode, and the CLI for them."""

from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

from tests.conftest import DEMO_MORNING, database_dump
from triage.cli.main import main
from triage.morning.logbook import log_attempt
from triage.officers import AccessDenied, access_of, add_officer, list_officers, remove_officer
from triage.store import current_officer, open_store


def test_with_no_officers_anyone_who_can_open_the_file_may_use_it(store) -> None:
    access = access_of(store)
    assert access.single_user and access.can_write


def test_the_first_officer_must_be_a_lead(store) -> None:
    with pytest.raises(ValueError, match="first officer must be a lead"):
        add_officer(store, "alice", "officer")
    assert list_officers(store) == []


def test_an_unknown_login_is_refused_once_officers_are_recorded(tmp_path) -> None:
    path = tmp_path / "t.db"
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
    with open_store(path, officer="stranger") as s:
        with pytest.raises(AccessDenied, match="not an officer of this database"):
            access_of(s)


def test_only_a_lead_may_manage_officers(tmp_path) -> None:
    path = tmp_path / "t.db"
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "worker", "officer")
    with open_store(path, officer="worker") as s:
        with pytest.raises(AccessDenied, match="only a lead"):
            add_officer(s, "friend", "officer")
        with pytest.raises(AccessDenied, match="only a lead"):
            remove_officer(s, "lead.one")
        assert [o.login for o in list_officers(s)] == ["lead.one", "worker"]


def test_the_last_lead_cannot_be_removed_while_others_remain(tmp_path) -> None:
    path = tmp_path / "t.db"
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "worker", "officer")
        with pytest.raises(ValueError, match="no lead"):
            remove_officer(s, "lead.one")
        assert len(list_officers(s)) == 2


def test_a_viewer_cannot_change_anything(demo_db) -> None:
    with open_store(demo_db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "watcher", "viewer")
    before = database_dump(demo_db)
    with open_store(demo_db, officer="watcher") as s:
        pupil = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]
        with pytest.raises(AccessDenied, match="viewer"):
            log_attempt(s, [pupil], DEMO_MORNING, "AM", "call", "no_answer")
    assert database_dump(demo_db) == before


def test_officer_changes_are_audited(store) -> None:
    add_officer(store, "officer.one", "lead", "Officer One")
    add_officer(store, "helper", "viewer")
    actions = [e["action"] for e in reversed(store.events())]
    assert actions == ["officer-add", "officer-add"]


def test_officers_cli_adds_lists_and_refuses_clearly(tmp_path, capsys, monkeypatch) -> None:
    db = tmp_path / "t.db"
    me = current_officer()
    assert main(["officers", "add", me, "--role", "lead", "--db", str(db)]) == 0
    assert main(["officers", "add", "bob", "--role", "viewer", "--db", str(db)]) == 0
    assert main(["officers", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "bob" in out and "viewer" in out and "lead" in out
    assert main(["officers", "remove", "nobody", "--db", str(db)]) == 1
    assert "not an officer" in capsys.readouterr().err


def test_group_option_creates_a_team_database_readable_by_that_group(tmp_path) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    path = tmp_path / "team.db"
    open_store(path, group=group).close()
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o660
    assert path.stat().st_gid == grp.getgrnam(group).gr_gid


def test_an_unknown_group_is_a_clear_error_and_makes_no_file(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    assert main(["import", "marks", "x.csv", "--db", str(db), "--group", "no-such-group-x"]) == 1
    assert "no group called 'no-such-group-x'" in capsys.readouterr().err
    assert not db.exists()


def test_setting_up_a_team_as_someone_else_succeeds_with_a_note(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    assert main(["officers", "add", "alice", "--role", "lead", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "alice is now lead" in captured.out
    assert "is not an officer of this database" in captured.err
    assert main(["officers", "list", "--db", str(db)]) == 1  # and now may not use it


def test_the_officer_is_the_real_user_not_a_variable_anyone_can_set(monkeypatch) -> None:
    """A user running as nobody with LOGNAME=root must not act, or be audited, as root."""
    real = pwd.getpwuid(os.getuid()).pw_name
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "someone.else")
    assert current_officer() == real


@pytest.mark.parametrize(
    "command",
    [
        ["queue"],
        ["summary"],
        ["audit"],
        ["config", "show"],
        ["officers", "list"],
        ["marks", "imports"],
        ["export", "amendments", "--all"],
    ],
)
def test_an_unknown_login_reads_nothing_once_officers_are_recorded(
    tmp_path, capsys, monkeypatch, command
) -> None:
    db = tmp_path / "t.db"
    marks = tmp_path / "m.csv"
    marks.write_text(
        "UPN,Surname,Forename,Date,Session,Mark\nA123456789012,Smith,Amy,24/11/2026,AM,N\n"
    )
    with open_store(db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
    monkeypatch.setattr("triage.store.current_officer", lambda: "lead.one")
    assert main(["import", "marks", str(marks), "--db", str(db)]) == 0
    capsys.readouterr()
    monkeypatch.setattr("triage.store.current_officer", lambda: "stranger")
    assert main([*command, "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert "'stranger' is not an officer of this database" in captured.err
    assert "Amy" not in captured.out and "A123456789012" not in captured.out


def test_an_unknown_login_cannot_take_a_backup(tmp_path, capsys, monkeypatch) -> None:
    db = tmp_path / "t.db"
    with open_store(db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
    monkeypatch.setattr("triage.store.current_officer", lambda: "stranger")
    copy = tmp_path / "copy.db"
    assert main(["backup", str(copy), "--db", str(db)]) == 1
    assert not copy.exists()


def test_the_side_files_of_a_database_are_never_readable_by_others(tmp_path) -> None:
    """SQLite gives -wal and -shm the database's own mode: a database left open to every
    user (an old one, a careless copy) is made private before it is opened."""
    path = tmp_path / "t.db"
    open_store(path).close()
    os.chmod(path, 0o664)
    with open_store(path) as s:
        s.audit("test")  # a write: the WAL is in use
        for name in ("t.db", "t.db-wal", "t.db-shm"):
            mode = (tmp_path / name).stat().st_mode
            assert mode & 0o007 == 0, (name, oct(mode))
