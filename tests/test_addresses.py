"""Where the family lives (issue #16): addresses on the pupils and contacts files, in the
shapes SIMS, Arbor and Bromcom export (address lines in columns, or one Address cell), with
the postcode checked loosely and stored upper case; shown on the case's contacts and in the
home-visit dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from screens.outcome_dialog import OutcomeDialog
from tests.conftest import DEMO_MORNING, database_dump, imported, pid
from tests.pilot import loaded, make_app, press, text_of
from triage.casework.chronology import load_case
from triage.imports.csvfile import ImportFileError
from triage.imports.importers import import_files, parse_postcode
from triage.morning.queue import load_morning
from triage.render.case import contacts_table, contacts_text
from triage.store import Store, open_store

AMY = "A123456789012"


@pytest.mark.parametrize(
    ("header", "row", "address", "postcode"),
    [
        (  # SIMS: address lines in their own columns
            "UPN,Surname,Forename,Address Line 1,Address Line 2,Town,County,Postcode",
            f"{AMY},Smith,Amy,12 High Street,Riverside,Kentford,Kent,rv1 2ab",
            "12 High Street, Riverside, Kentford, Kent",
            "RV1 2AB",
        ),
        (  # Arbor: street and town, the postcode without its space
            "UPN,Legal First Name,Legal Last Name,Street,Town/City,Postal Code",
            f"{AMY},Amy,Smith,Flat 3  Mill Court,Kentford,RV12AB",
            "Flat 3 Mill Court, Kentford",
            "RV1 2AB",
        ),
        (  # Bromcom: one Address cell with the postcode in it
            "UPN,Pupil,Address",
            f'{AMY},Amy Smith,"12 High Street, Kentford, RV1 2AB"',
            "12 High Street, Kentford",
            "RV1 2AB",
        ),
    ],
)
def test_a_pupils_address_is_imported_in_every_mis_shape(
    store: Store, tmp_path: Path, header: str, row: str, address: str, postcode: str
) -> None:
    imported(store, tmp_path, pupils=f"{header}\n{row}\n")
    pupil = store.pupil_by_upn(AMY)
    assert pupil is not None
    assert (pupil.address, pupil.postcode) == (address, postcode)


@pytest.mark.parametrize("written", ["SW1A 1AA", "sw1a1aa", "M1 1AE", " b33 8th "])
def test_postcodes_of_uk_shape_are_kept_upper_case_with_one_space(written: str) -> None:
    assert parse_postcode(written) in ("SW1A 1AA", "M1 1AE", "B33 8TH")


def test_a_postcode_that_is_not_a_uk_shape_is_refused_naming_its_line(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text(f"UPN,Surname,Forename,Postcode\n{AMY},Smith,Amy,12345\n", encoding="utf-8")
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match="line 2: postcode '12345' is not a UK postcode"):
        import_files(store, "pupils", [path])
    assert database_dump(store.path) == before


def test_a_roster_without_address_columns_keeps_the_address_known(
    store: Store, tmp_path: Path
) -> None:
    imported(store, tmp_path, pupils=f"UPN,Surname,Forename,Postcode\n{AMY},Smith,Amy,RV1 2AB\n")
    imported(store, tmp_path, pupils=f"UPN,Surname,Forename,Year\n{AMY},Smith,Amy,8\n")
    pupil = store.pupil_by_upn(AMY)
    assert pupil is not None and pupil.postcode == "RV1 2AB" and pupil.year_group == 8


CONTACTS = (
    "UPN,Contact Name,Relationship,Priority,Mobile,Address Line 1,Town,Postcode\n"
    f"{AMY},Sarah Smith,Mother,1,07700 900001,12 High Street,Kentford,RV1 2AB\n"
    f"{AMY},Dan Smith,Father,2,07700 900002,4 Low Road,Elmstead,RV9 8ZZ\n"
)


@pytest.fixture
def family(store: Store, tmp_path: Path) -> Store:
    return imported(
        store,
        tmp_path,
        pupils=f"UPN,Surname,Forename,Address Line 1,Town,Postcode\n"
        f"{AMY},Smith,Amy,12 High Street,Kentford,RV1 2AB\n",
        contacts=CONTACTS,
        marks=f"UPN,Date,Session,Mark\n{AMY},24/11/2026,AM,N\n",
    )


def test_contacts_keep_their_own_addresses(family: Store) -> None:
    mother, father = family.contacts_by_pupil()[pid(family, AMY)]
    assert mother.where == "12 High Street, Kentford, RV1 2AB"
    assert father.where == "4 Low Road, Elmstead, RV9 8ZZ"
    assert father.as_dict()["postcode"] == "RV9 8ZZ"


def test_the_case_shows_the_home_and_a_contact_living_elsewhere(family: Store) -> None:
    case = load_case(family, pid(family, AMY), DEMO_MORNING)
    lines = contacts_text(case).plain
    assert "Home: 12 High Street, Kentford, RV1 2AB" in lines
    assert "4 Low Road, Elmstead, RV9 8ZZ" in lines  # the father lives elsewhere
    assert lines.count("12 High Street") == 1  # the mother's is the home: said once
    assert contacts_table(case).caption.plain == "Home: 12 High Street, Kentford, RV1 2AB"


async def test_the_home_visit_dialog_says_where_to_go(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "address.csv"
    with open_store(demo_db, create=False) as s:
        first = load_morning(s, DEMO_MORNING, "AM").families[0].entries[0].pupil
        path.write_text(
            "UPN,Surname,Forename,Address,Postcode\n"
            f"{first.upn},{first.legal_surname},{first.legal_forename},"
            '"1 [bold]Mill[/] Lane, Kentford",RV1 2AB\n',
            encoding="utf-8",
        )
        import_files(s, "pupils", [path])
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "v")  # the cursor starts on the first family
        assert isinstance(app.screen, OutcomeDialog)
        where = text_of(app.screen.query_one("#dialog-where", Static))
        assert "Address: 1 [bold]Mill[/] Lane, Kentford, RV1 2AB" in where  # never markup
