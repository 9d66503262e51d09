"""The inbox folder: stable files only, recognised by their headers, all or nothing,
never twice, and never raced by two apps."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from tests.conftest import FIXTURES
from triage import settings
from triage.cli.main import main
from triage.imports import inbox
from triage.store import open_store

MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
    "A123456789012,Smith,Jo,8,8A,24/11/2026,AM,N\n"
    "A123456789013,Khan,Ali,9,9B,24/11/2026,AM,/\n"
)


def _inbox(store) -> Path:
    folder = store.path.parent / "drop"
    settings.set_value(store, "inbox", str(folder))
    return inbox.inbox_folder(store)


def test_the_inbox_defaults_to_a_folder_beside_the_database(store) -> None:
    folder = inbox.inbox_folder(store)
    assert folder == store.path.parent / "inbox"
    assert (folder / "done").is_dir() and (folder / "rejected").is_dir()


def test_a_file_is_taken_only_once_it_has_stopped_changing(store) -> None:
    folder = _inbox(store)
    (folder / "am.csv").write_text(MARKS[:60])
    results, seen = inbox.check(store, None)
    assert results == []  # first look: not yet known to be stable
    with (folder / "am.csv").open("a") as f:
        f.write(MARKS[60:])  # still being copied
    results, seen = inbox.check(store, seen)
    assert results == [] and (folder / "am.csv").exists()
    results, seen = inbox.check(store, seen)
    assert [r.outcome for r in results] == ["imported"]
    assert store.count("marks") == 2


def test_kinds_are_recognised_from_headers(store) -> None:
    for shape in ("sims", "arbor", "bromcom"):
        for kind in ("pupils", "contacts", "marks"):
            headers = (
                __import__("triage.imports.csvfile", fromlist=["read_csv"])
                .read_csv(FIXTURES / shape / f"{kind}.csv")
                .headers
            )
            assert inbox.detect_kind(headers) == kind, (shape, kind)


def test_good_bad_and_duplicate_files_go_to_their_folders(store) -> None:
    folder = _inbox(store)
    (folder / "am.csv").write_text(MARKS)
    (folder / "bad.csv").write_text(MARKS + "A123456789014,Lee,Sam,7,7C,24/11/2026,AM,QQ\n")
    _, seen = inbox.check(store, None)
    results, seen = inbox.check(store, seen)
    outcomes = {r.file: r.outcome for r in results}
    assert outcomes == {"am.csv": "imported", "bad.csv": "rejected"}
    rejected = list((folder / "rejected").glob("*bad.csv"))
    assert len(rejected) == 1
    report = rejected[0].with_name(rejected[0].name + ".txt").read_text()
    assert "bad.csv: line 4: unknown attendance code 'QQ'" in report
    assert store.count("marks") == 2  # nothing from the bad file
    assert any(e["action"] == "inbox-rejected" for e in store.events())
    # The same content again, under another name: refused as a duplicate.
    (folder / "am-copy.csv").write_text(MARKS)
    _, seen = inbox.check(store, None)
    results, _ = inbox.check(store, seen)
    assert [(r.file, r.outcome) for r in results] == [("am-copy.csv", "duplicate")]
    assert len(list((folder / "done").iterdir())) == 2
    assert store.count("imports") == 1


def test_two_apps_and_one_file_make_one_import(tmp_path) -> None:
    db = tmp_path / "t.db"
    with open_store(db) as s:
        folder = _inbox(s)
    (folder / "am.csv").write_text(MARKS)
    seen = inbox.look(folder)
    results: list = []
    failures: list[BaseException] = []

    def one_app(officer: str) -> None:
        try:
            with open_store(db, officer=officer) as s:
                results.extend(inbox.check(s, seen)[0])
        except BaseException as exc:  # a thread's exception would otherwise only warn
            failures.append(exc)

    threads = [threading.Thread(target=one_app, args=(f"o{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []  # e.g. a file another app took between listing and stat
    assert [r.outcome for r in results] == ["imported"]
    with open_store(db) as s:
        assert s.count("imports") == 1 and s.count("marks") == 2


def test_a_file_left_behind_by_a_dead_app_waits_again(store) -> None:
    folder = _inbox(store)
    dead = folder / ".processing" / "999999999"
    dead.mkdir()
    (dead / "am.csv").write_text(MARKS)
    assert inbox.recover(folder) == ["am.csv"]
    assert (folder / "am.csv").exists()


def test_cli_inbox_run_reports_each_file_and_fails_when_one_was_rejected(tmp_path, capsys):
    db = tmp_path / "t.db"
    with open_store(db) as s:
        folder = _inbox(s)
    (folder / "am.csv").write_text(MARKS)
    shutil.copy(FIXTURES / "bad" / "unknown_code.csv", folder / "bad.csv")
    (folder / "dup.csv").write_text(MARKS)
    code = main(["import", "--inbox", "--settle", "0.05", "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 1
    assert "am.csv: imported (marks)" in out
    assert "bad.csv: rejected" in out
    assert "dup.csv: duplicate" in out or "am.csv: duplicate" in out
    assert main(["import", "--inbox", "--settle", "0", "--db", str(db)]) == 0
    assert "nothing to import" in capsys.readouterr().out


def test_import_without_kind_or_inbox_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["import", "--db", str(tmp_path / "t.db")]) == 2
    assert "needs a kind" in capsys.readouterr().err


def test_the_inbox_ignores_hidden_and_non_csv_files(store) -> None:
    folder = _inbox(store)
    (folder / ".partial.csv").write_text(MARKS)
    (folder / "notes.docx").write_bytes(b"PK")
    assert inbox.look(folder) == {}
    assert os.path.exists(folder / "notes.docx")


def test_a_mornings_files_are_imported_roster_first_whatever_their_names(store) -> None:
    """contacts.csv sorts before pupils.csv; the marks' name sorts first of all. Taken in
    name order, the contacts would be refused (their pupils not known yet)."""
    folder = _inbox(store)
    for name, kind in (("a-marks.csv", "marks"), ("contacts.csv", "contacts"), ("z.csv", "pupils")):
        shutil.copy(FIXTURES / "sims" / f"{kind}.csv", folder / name)
    _, seen = inbox.check(store, None)
    results, _ = inbox.check(store, seen)
    assert [(r.file, r.kind, r.outcome) for r in results] == [
        ("z.csv", "pupils", "imported"),
        ("contacts.csv", "contacts", "imported"),
        ("a-marks.csv", "marks", "imported"),
    ]


def test_a_file_of_no_known_kind_comes_last_and_is_rejected(store) -> None:
    folder = _inbox(store)
    (folder / "a.csv").write_text("Colour,Size\nred,3\n")
    shutil.copy(FIXTURES / "sims" / "pupils.csv", folder / "b.csv")
    _, seen = inbox.check(store, None)
    results, _ = inbox.check(store, seen)
    assert [(r.file, r.outcome) for r in results] == [("b.csv", "imported"), ("a.csv", "rejected")]


def test_a_link_in_the_inbox_is_refused_and_never_read(store, tmp_path) -> None:
    """A link could point anywhere an officer's login can read (/etc/passwd)."""
    folder = _inbox(store)
    secret = tmp_path / "secret.csv"
    secret.write_text(MARKS)
    (folder / "marks.csv").symlink_to(secret)
    _, seen = inbox.check(store, None)
    results, _ = inbox.check(store, seen)
    assert [(r.file, r.outcome) for r in results] == [("marks.csv", "rejected")]
    assert "is a link, not a file" in results[0].message
    assert store.count("marks") == 0 and store.count("imports") == 0


def test_the_inbox_leaves_no_empty_claim_folder_behind(store) -> None:
    folder = _inbox(store)
    (folder / "am.csv").write_text(MARKS)
    _, seen = inbox.check(store, None)
    inbox.check(store, seen)
    assert list((folder / inbox.PROCESSING).iterdir()) == []
