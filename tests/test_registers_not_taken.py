"""A register export run before every register is taken (09:20: the afternoon is still to
come): SIMS writes `-` and other systems leave the mark blank. Such a session is no mark
yet: never stored, never a possible session, never an absence, counted in the import's
report; a register still not taken after it closed is shown in the queue's header and the
summary, by group (issue #16)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import DEMO_MORNING, FIXTURES, database_dump
from tests.pilot import loaded, make_app, screen_text
from triage.imports.importers import ImportFileError, import_files
from triage.morning.queue import RegisterNotTaken, registers_not_taken
from triage.render.summary_report import render
from triage.reports.summary import day_summary
from triage.store import Store, open_store

SIMS_0920 = FIXTURES / "extra" / "marks_0920_sims.csv"
ARBOR_0920 = FIXTURES / "extra" / "marks_0920_arbor.csv"
NOV_24 = date(2026, 11, 24)
BEFORE_PM_CLOSE = datetime(2026, 11, 24, 12, 0)
AFTER_PM_CLOSE = datetime(2026, 11, 24, 14, 0)


def marks_on(store: Store, session: str) -> list[tuple]:
    return store.conn.execute(
        "SELECT pupil_id, code FROM marks WHERE date = ? AND session = ? ORDER BY pupil_id",
        (NOV_24.isoformat(), session),
    ).fetchall()


@pytest.mark.parametrize(("path", "not_taken", "pm_marks"), [(SIMS_0920, 3, 1), (ARBOR_0920, 2, 0)])
def test_a_0920_export_imports_and_its_untaken_sessions_are_no_marks(
    store: Store, path: Path, not_taken: int, pm_marks: int
) -> None:
    report = import_files(store, "marks", [path])
    assert report.counts["sessions_not_taken"] == not_taken
    assert f"sessions not taken yet: {not_taken}" in "\n".join(report.lines())
    assert len(marks_on(store, "PM")) == pm_marks  # a '-' or blank is never stored
    assert all(code for _pid, code in marks_on(store, "AM"))
    assert store.conn.execute("SELECT code FROM date_codes WHERE code = ''").fetchall() == []


def test_an_untaken_session_is_no_possible_session_and_no_absence(store: Store) -> None:
    import_files(store, "marks", [SIMS_0920])
    pupil = store.pupil_by_upn("P999210318107")
    assert pupil is not None
    (marks,) = store.marks_by_pupil([pupil.id]).values()
    assert [(m.session, m.code) for m in marks] == [("AM", "/")]


def test_a_code_that_is_really_unknown_is_still_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_text(SIMS_0920.read_text(encoding="utf-8").replace(",PM,-,", ",PM,?,", 1))
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match="line 3: unknown attendance code '\\?'"):
        import_files(store, "marks", [path])
    assert database_dump(store.path) == before


def test_registers_not_taken_show_once_they_have_closed_by_group(store: Store) -> None:
    import_files(store, "marks", [SIMS_0920])
    assert registers_not_taken(store, NOV_24, BEFORE_PM_CLOSE) == ()
    assert registers_not_taken(store, NOV_24, AFTER_PM_CLOSE) == (
        RegisterNotTaken("PM", "10RB", 1),
        RegisterNotTaken("PM", "7RB", 1),
        RegisterNotTaken("PM", "9RA", 1),
    )


def test_the_afternoons_marks_arriving_take_the_registers_off_the_list(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, "marks", [SIMS_0920])
    later = tmp_path / "marks_1400.csv"
    later.write_text(
        SIMS_0920.read_text(encoding="utf-8").replace(",PM,-,", ",PM,\\,"), encoding="utf-8"
    )
    report = import_files(store, "marks", [later])
    assert report.counts["sessions_not_taken"] == 0
    assert registers_not_taken(store, NOV_24, AFTER_PM_CLOSE) == ()
    assert len(marks_on(store, "PM")) == 4


def test_a_later_dash_never_takes_back_a_stored_mark(store: Store, tmp_path: Path) -> None:
    import_files(store, "marks", [SIMS_0920])
    again = tmp_path / "again.csv"
    again.write_text(
        SIMS_0920.read_text(encoding="utf-8").replace(",PM,/,", ",PM,-,"), encoding="utf-8"
    )
    import_files(store, "marks", [again])
    assert len(marks_on(store, "PM")) == 1  # O'Neill's PM mark stays
    assert [r.group for r in registers_not_taken(store, NOV_24, AFTER_PM_CLOSE)] == [
        "10RB",
        "7RB",
        "9RA",
    ]


def test_the_summary_lists_the_registers_not_taken(store: Store) -> None:
    import_files(store, "marks", [SIMS_0920])
    summary = day_summary(store, NOV_24)  # a past day: every register has closed
    assert [r.label for r in summary.registers_not_taken] == [
        "PM 10RB (1)",
        "PM 7RB (1)",
        "PM 9RA (1)",
    ]
    text = " ".join(render(summary, "text").split())
    assert "Registers not taken PM 10RB (1), PM 7RB (1), PM 9RA (1)" in text
    data = json.loads(render(summary, "json"))
    assert data["registers_not_taken"][0] == {"session": "PM", "group": "10RB", "pupils": 1}
    assert "register_not_taken,PM 7RB,1" in render(summary, "csv")


async def test_the_queue_header_names_the_registers_not_taken(demo_db: Path, tmp_path) -> None:
    with open_store(demo_db, create=False) as s:
        pupil = s.pupils()[0]
    path = tmp_path / "pm.csv"
    path.write_text(
        "UPN,Surname,Forename,Reg,Date,Session,Mark\n"
        f"{pupil.upn},{pupil.legal_surname},{pupil.legal_forename},{pupil.reg_group},"
        f"{DEMO_MORNING:%d/%m/%Y},PM,-\n",
        encoding="utf-8",
    )
    with open_store(demo_db, create=False) as s:
        import_files(s, "marks", [path])
    app = make_app(demo_db, clock=lambda: datetime.combine(DEMO_MORNING, AFTER_PM_CLOSE.time()))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        header = " ".join(screen_text(app).split())
        assert f"not taken: PM {pupil.reg_group} (1)" in header
