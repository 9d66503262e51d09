"""`s` on a case: move an open action on (a Notice to Improve done, a penalty notice paid),
through Textual's Pilot on a copy of the demo school."""

from __future__ import annotations

from datetime import date, datetime

from screens.case_dialogs import Choice, FieldsForm, Info
from screens.case_screen import CaseScreen
from tests.conftest import DEMO_MORNING, database_dump, planted, pupil_id
from tests.pilot import make_app, notifications, open_case, press
from triage.casework import cases, penalties
from triage.officers import add_officer
from triage.store import open_store
from triage.store.cases import action_by_id


def record(path, pid: int, kind: str, **extra) -> int:
    with open_store(path, create=False, officer="officer.one") as s:
        return cases.record_action(s, pid, kind, DEMO_MORNING, **extra).id


def status_of(path, action_id: int) -> str | None:
    with open_store(path, create=False) as s:
        row = action_by_id(s, action_id)
        assert row is not None
        return row.status


async def test_s_marks_a_notice_to_improve_done(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    nti = record(demo_db, pid, "notice_to_improve", due_date=date(2026, 12, 22))
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "s")
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # the one open action
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # its first status: done
        assert isinstance(app.screen, CaseScreen)
        assert any("Notice to Improve: done" in n for n in notifications(app))
    assert status_of(demo_db, nti) == "done"


async def test_an_unpaid_penalty_notice_shows_what_follows(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with open_store(demo_db, create=False, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        notice = penalties.issue_penalty_notice(
            s,
            pid,
            "Sarah Chapman",
            date(2026, 10, 1),
            override="issued before the app was used",
            at=datetime(2026, 10, 1, 9),
        )
    app = make_app(demo_db, officer="lead.one")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "s", "enter", "down", "down", "down", "enter")  # served, paid_80,
        # paid_160, [unpaid], withdrawn
        assert isinstance(app.screen, FieldsForm)  # on which day: today, as offered
        await press(pilot, "enter")
        assert isinstance(app.screen, Info)
    assert status_of(demo_db, notice.id) == "unpaid"


async def test_escape_leaves_every_action_as_it_was(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    record(demo_db, pid, "notice_to_improve", due_date=date(2026, 12, 22))
    before = database_dump(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "s", "enter", "escape")
        assert isinstance(app.screen, CaseScreen)
    assert database_dump(demo_db) == before


async def test_with_no_open_action_s_says_so(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "s")
        assert isinstance(app.screen, CaseScreen)
        assert "No open action to move on." in notifications(app)
