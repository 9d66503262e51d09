"""The professionals around a child (issue #16): a social worker (and, for a looked-after
child, the virtual school) from the roster or entered on the case, shown beside the
family's contacts, and named by the ladder's "social worker informed" step."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from screens.case_dialogs import Choice, ProfessionalForm
from screens.ladder_view import LadderView
from tests.conftest import DEMO_MORNING, database_dump, imported, pid
from tests.pilot import loaded, make_app, open_case, press, text_of, type_text
from triage.casework.chronology import load_case
from triage.casework.professionals import professionals_for, record_professional
from triage.imports.csvfile import ImportFileError
from triage.imports.importers import import_files
from triage.model import Professional
from triage.morning.queue import load_morning
from triage.render.case import contacts_text
from triage.store import Store, open_store

AMY = "A123456789012"
ROSTER = (
    "UPN,Surname,Forename,Social Worker,Looked After,Social Worker Name,Social Worker Team,"
    "Social Worker Phone,Social Worker Email,Virtual School Contact,Virtual School Email\n"
    f"{AMY},Smith,Amy,Y,Y,Jo Bloggs,Riverside CIN team,01632 960001,jo@example.org,"
    "Pat Lee,vs@example.org\n"
)


def test_the_roster_brings_the_social_worker_and_the_virtual_school(
    store: Store, tmp_path: Path
) -> None:
    imported(store, tmp_path, pupils=ROSTER)
    amy = pid(store, AMY)
    assert professionals_for(store, [amy])[amy] == [
        Professional(
            amy,
            "social_worker",
            "Jo Bloggs",
            "Riverside CIN team",
            "01632 960001",
            "jo@example.org",
        ),
        Professional(amy, "virtual_school", "Pat Lee", None, None, "vs@example.org"),
    ]


def test_a_roster_email_that_is_no_address_is_refused_naming_its_line(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text(ROSTER.replace("jo@example.org", "jo at the council"), encoding="utf-8")
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match="line 2: email 'jo at the council' is not"):
        import_files(store, "pupils", [path])
    assert database_dump(store.path) == before


def test_a_professional_entered_on_the_case_replaces_the_last_and_is_audited(
    store: Store, tmp_path: Path
) -> None:
    imported(store, tmp_path, pupils=ROSTER)
    amy = pid(store, AMY)
    record_professional(store, amy, "social_worker", "  Sam  Hill ", phone="01632 960009")
    (social_worker, _vs) = professionals_for(store, [amy])[amy]
    assert social_worker.reach == "Sam Hill, 01632 960009"
    (event,) = [e for e in store.events() if e["action"] == "professional"]
    assert '"name": "Jo Bloggs"' in event["detail"] and '"name": "Sam Hill"' in event["detail"]


@pytest.mark.parametrize(
    ("role", "name", "email", "problem"),
    [
        ("social_worker", "  ", None, "a name is needed"),
        ("teacher", "Jo", None, "'teacher' is not one of"),
        ("social_worker", "Jo", "jo at council", "is not an email address"),
    ],
)
def test_a_professional_without_a_name_or_with_a_bad_email_is_refused(
    store: Store, tmp_path: Path, role: str, name: str, email: str | None, problem: str
) -> None:
    imported(store, tmp_path, pupils=ROSTER)
    before = database_dump(store.path)
    with pytest.raises(ValueError, match=problem):
        record_professional(store, pid(store, AMY), role, name, email=email)
    assert database_dump(store.path) == before


def test_the_case_shows_them_beside_the_contacts(store: Store, tmp_path: Path) -> None:
    imported(store, tmp_path, pupils=ROSTER)
    text = contacts_text(load_case(store, pid(store, AMY), DEMO_MORNING)).plain
    assert "Social worker: Jo Bloggs (Riverside CIN team), 01632 960001, jo@example.org" in text
    assert "Virtual school: Pat Lee, vs@example.org" in text


def first_queued(path: Path):
    with open_store(path, create=False) as s:
        return load_morning(s, DEMO_MORNING, "AM").families[0].entries[0].pupil


async def test_the_ladder_says_whom_to_tell_and_on_which_number(demo_db: Path) -> None:
    pupil = first_queued(demo_db)
    assert pupil.social_worker  # the demo's first family is a safeguarding case
    with open_store(demo_db, create=False) as s:
        record_professional(s, pupil.id, "social_worker", "Jo Bloggs", phone="01632 960001")
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "l")
        assert isinstance(app.screen, LadderView)
        shown = " ".join(text_of(app.screen.query_one(Static)).split())
        assert "tell Jo Bloggs, 01632 960001" in shown


async def test_p_on_a_case_records_the_social_worker(demo_db: Path) -> None:
    pupil = first_queued(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pupil.id)
        await press(pilot, "p")
        assert isinstance(app.screen, Choice)
        await press(pilot, "enter")  # social worker
        assert isinstance(app.screen, ProfessionalForm)
        await type_text(pilot, "Jo Bloggs")
        await press(pilot, "tab")
        await type_text(pilot, "CIN")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, ProfessionalForm)
    with open_store(demo_db, create=False) as s:
        (found,) = professionals_for(s, [pupil.id])[pupil.id]
    assert (found.name, found.team) == ("Jo Bloggs", "CIN")


FULL = Path(__file__).resolve().parent.parent / "fixtures" / "extra"


@pytest.mark.parametrize(
    ("shape", "upn", "born", "where", "social_worker"),
    [
        (
            "sims",
            "P999210318107",
            "2013-03-14",
            "Flat 2, 14 Mill Road, Kentford, Kent, RV1 4MR",
            "Jo Bloggs (Riverside CIN team), 01632 960001, jo.bloggs@example.org",
        ),
        (
            "arbor",
            "E999203120103",
            "2014-11-05",
            "7 Riverside Walk, Kentford, RV1 2RW",
            "Alex Mor, 01632 960003",
        ),
        (
            "bromcom",
            "L999201420108",
            "2014-09-02",
            "3 Orchard Close, Elmstead, RV9 8OC",
            "Sam Hill, sam.hill@example.org",
        ),
    ],
)
def test_each_mis_roster_brings_birth_address_and_social_worker(
    store: Store, shape: str, upn: str, born: str, where: str, social_worker: str
) -> None:
    import_files(store, "pupils", [FULL / f"pupils_full_{shape}.csv"])
    pupil = store.pupil_by_upn(upn)
    assert pupil is not None
    assert (pupil.date_of_birth.isoformat() if pupil.date_of_birth else None) == born
    assert pupil.where == where
    (found, *_) = professionals_for(store, [pupil.id])[pupil.id]
    assert (found.role, found.reach) == ("social_worker", social_worker)


async def test_the_case_screens_contacts_tab_shows_home_and_social_worker(demo_db: Path) -> None:
    pupil = first_queued(demo_db)
    with open_store(demo_db, create=False) as s:
        record_professional(s, pupil.id, "social_worker", "Jo Bloggs", phone="01632 960001")
        path = demo_db.parent / "address.csv"
        path.write_text(
            "UPN,Surname,Forename,Address Line 1,Town,Postcode\n"
            f"{pupil.upn},{pupil.legal_surname},{pupil.legal_forename},1 Mill Lane,Kentford,"
            "rv1 2ab\n",
            encoding="utf-8",
        )
        import_files(s, "pupils", [path])
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pupil.id)
        await press(pilot, "3")
        shown = " ".join(text_of(app.screen.query_one("#case-contacts", Static)).split())
    assert "Home: 1 Mill Lane, Kentford, RV1 2AB" in shown
    assert "Social worker: Jo Bloggs, 01632 960001" in shown
