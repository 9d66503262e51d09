"""Shared fixtures: real SQLite files in tmp_path, the demo school built once per run, and
the few helpers that read a database file (Pilot helpers are in tests/pilot.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from triage.store import Store, open_store

if TYPE_CHECKING:
    from tests.smtp_school import Mailbox
    from triage.demo import PlantedCases

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_MORNING = date(2026, 11, 24)  # a Tuesday: the demo's queue is this morning's


@pytest.fixture(autouse=True)
def _no_stray_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch a real per-user database or file: point the defaults into tmp_path."""
    monkeypatch.delenv("TRIAGE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # Nor an officer's own preferences (a theme chosen would change every snapshot).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir(exist_ok=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "triage.db", officer="officer.one")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from triage.demo_school import build_demo_database

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_database(path, DEMO_MORNING)
    return path


@pytest.fixture
def demo_db(demo_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db_master, copy)
    return copy


@pytest.fixture
def demo(demo_db: Path) -> Iterator[Store]:
    """The store of a private copy of the demo school, open as officer.one."""
    s = open_store(demo_db, create=False, officer="officer.one")
    yield s
    s.close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and its port: what arrives is kept; see
    tests/smtp_school.py for refusing a recipient or holding a message."""
    from aiosmtpd.controller import Controller

    from tests.smtp_school import Mailbox, authenticate, free_port

    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        yield box, port
    finally:
        box.release.set()
        controller.stop()


@pytest.fixture
def sending_school(
    store: Store,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> Store:
    """The small school of tests/smtp_school.py, sending through ``mailbox``."""
    from tests.smtp_school import PASSWORD, PASSWORD_ENV, set_up_school

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return set_up_school(store, tmp_path, mailbox[1])


@lru_cache(maxsize=1)
def planted() -> PlantedCases:
    """The cases the demo school plants (which UPN shows which rule), as on the demo morning."""
    from triage.demo import planted_cases

    return planted_cases(DEMO_MORNING)


def imported(store: Store, folder: Path, **exports: str) -> Store:
    """``store`` with MIS exports imported, in the order given: ``pupils=``, ``contacts=``,
    ``marks=`` (each the text of a CSV file, written to ``folder``)."""
    from triage.imports.importers import import_files

    for kind, text in exports.items():
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        import_files(store, kind, [path])
    return store


def pid(store: Store, upn: str) -> int:
    """A pupil's id in an open store, by UPN."""
    pupil = store.pupil_by_upn(upn)
    assert pupil is not None, upn
    return pupil.id


def pupil_id(path: Path, upn: str) -> int:
    """The id of the pupil with this UPN in a database file."""
    with open_store(path, create=False) as s:
        pupil = s.pupil_by_upn(upn)
        assert pupil is not None, upn
        return pupil.id


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    """Rows read straight from a database file, to check what a screen wrote."""
    with open_store(path, create=False) as s:
        return s.conn.execute(sql, params).fetchall()


# Kept by opening the queue (the day's family numbers, docs/queue.md), not by any step an
# officer takes: left out of the dump, so opening the app is not taken for a change.
OPENING_BOOKKEEPING = ('INSERT INTO "family_numbers"', 'INSERT INTO "family_number_counters"')


def database_dump(path: Path) -> str:
    """Every row of every table, to prove that a failed step changed nothing."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return "\n".join(
            line for line in conn.iterdump() if not line.startswith(OPENING_BOOKKEEPING)
        )
    finally:
        conn.close()
