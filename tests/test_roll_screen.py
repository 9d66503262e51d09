"""Leaving the roll, children missing education and prosecution on the case screen, through
Textual's Pilot on a copy of the demo school (Tuesday 24 November 2026, AM): m records an
enquiry and the LA told (which clears the 10-day alert), g a lead's deletion from the roll
(the 20-day ground offered only when met), s on a prosecution referral its hearings."""

from __future__ import annotations

import json
from datetime import date

from textual.widgets import Input, OptionList, Static

from screens.case_dialogs import Choice, FieldsForm
from tests.conftest import planted, pupil_id, query
from tests.pilot import make_app, notifications, open_case, press, text_of
from triage.casework.cases import record_action
from triage.store import open_store


async def _fill(pilot, *values: str) -> None:
    for field, value in zip(pilot.app.screen.query(Input), values, strict=False):
        field.value = value
    await pilot.pause()


def _options(app) -> list[str]:
    options = app.screen.query_one("#choice-list", OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_m_records_an_enquiry_then_the_la_told_clears_the_missing_education_alert(
    demo_db,
) -> None:
    pid = pupil_id(demo_db, planted().missing_education_10)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        assert any(a.kind == "missing_education" for a in screen.case.alerts)
        await press(pilot, "m")
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # an enquiry
        assert isinstance(app.screen, FieldsForm)
        await _fill(pilot, "23/11/2026", "school", "J Officer", "Mum (home visit)", "no answer")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        await press(pilot, "m", "down", "enter")  # the LA told
        await _fill(pilot, "24/11/2026", "", "portal")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, FieldsForm)  # no reference: the form again, saying so
        assert "reference" in text_of(app.screen.query_one("#form-error", Static))
        await _fill(pilot, "24/11/2026", "CME-41", "portal", "", "LA will visit")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        assert not any(a.kind == "missing_education" for a in screen.case.alerts)
        assert any("ref CME-41" in e.text for e in screen.case.timeline)
    rows = query(demo_db, "SELECT kind, made_by, reference FROM cme_records ORDER BY id")
    assert rows == [("enquiry", "school", None), ("notified", None, "CME-41")]


async def test_g_deletes_a_pupil_from_the_roll_and_the_case_says_so(demo_db) -> None:
    pid = pupil_id(demo_db, planted().morning_queue[0])
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, pid)
        await press(pilot, "g")
        assert isinstance(app.screen, Choice)
        assert _options(app)[0] == "other_school" and "absence_20_days" not in _options(app)
        assert "20-day absence ground not met" in text_of(
            app.screen.query_one("#dialog-title", Static)
        )
        await press(pilot, "enter")
        assert isinstance(app.screen, FieldsForm)
        await _fill(pilot, "24/11/2026", "Riverside Academy", "24/11/2026", "email", "R-9")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        header = text_of(screen.query_one("#case-header", Static))
        assert "Off the roll from 24/11/2026: Registered at another school" in header
        await press(pilot, "u")
        assert "Off the roll" not in text_of(screen.query_one("#case-header", Static))
    assert query(demo_db, "SELECT ground, undone_event_id IS NOT NULL FROM roll_deletions") == [
        ("other_school", 1)
    ]


async def test_g_is_for_a_lead_only(demo_db) -> None:
    from triage.officers import add_officer

    pid = pupil_id(demo_db, planted().morning_queue[0])
    with open_store(demo_db, create=False, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "officer.two", "officer")
    app = make_app(demo_db, officer="officer.two")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "g", "enter")
        await _fill(pilot, "24/11/2026", "Riverside Academy", "24/11/2026", "email")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, FieldsForm)
        assert "only a lead" in text_of(app.screen.query_one("#form-error", Static))
    assert query(demo_db, "SELECT count(*) FROM roll_deletions") == [(0,)]


async def test_s_on_a_prosecution_referral_records_a_hearing(demo_db) -> None:
    pid = pupil_id(demo_db, planted().penalty_10)
    with open_store(demo_db, create=False, officer="officer.one") as s:
        record_action(s, pid, "prosecution_referral", date(2026, 11, 2))
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await press(pilot, "s", "enter")  # the referral
        assert isinstance(app.screen, Choice)
        assert _options(app)[:2] == ["hearing", "fined"]
        await press(pilot, "enter")
        await _fill(pilot, "15/12/2026", "Riverside Magistrates' Court")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FieldsForm)
        assert any("hearings 15/12/2026" in n for n in notifications(app))
    (detail,) = query(demo_db, "SELECT detail FROM actions WHERE kind = 'prosecution_referral'")
    assert json.loads(detail[0])["court"] == "Riverside Magistrates' Court"
