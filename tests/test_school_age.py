"""Compulsory school age (Education Act 1996, s8): who the law's attendance duties apply to.
Penalty-notice and children-missing-education prompts are raised only for pupils of
compulsory school age; the case says why when they are not (issue #16)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import database_dump, imported, pid
from triage import rules
from triage.casework.alerts import alerts_for
from triage.casework.chronology import case_as_dict, load_case
from triage.imports.csvfile import ImportFileError
from triage.imports.importers import import_files
from triage.render.case import thresholds_text
from triage.store import Store

# --- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        (date(2021, 3, 31), date(2026, 3, 31)),  # 5th birthday on a prescribed day: that day
        (date(2021, 4, 1), date(2026, 8, 31)),
        (date(2021, 8, 31), date(2026, 8, 31)),
        (date(2021, 9, 1), date(2026, 12, 31)),  # a September birthday: from 31 December
        (date(2021, 12, 31), date(2026, 12, 31)),
        (date(2022, 1, 1), date(2027, 3, 31)),
        (date(2020, 2, 29), date(2025, 3, 31)),  # 5 on 1 March in a common year
    ],
)
def test_a_child_becomes_of_school_age_on_the_first_prescribed_day_after_turning_five(
    born: date, starts: date
) -> None:
    assert rules.school_age_starts(born) == starts


@pytest.mark.parametrize(
    ("born", "leaves"),
    [
        (date(2010, 9, 1), date(2027, 6, 25)),  # oldest of the year: 16 in September
        (date(2011, 8, 31), date(2027, 6, 25)),  # youngest of the same year, summer-born
        (date(2010, 8, 31), date(2026, 6, 26)),  # 16 in the summer holiday after the Friday
        (date(2010, 6, 27), date(2026, 6, 26)),  # 16 the day after the leaving date
        (date(2010, 6, 26), date(2026, 6, 26)),  # 16 on the leaving date itself
    ],
)
def test_a_young_person_stops_on_the_last_friday_in_june_of_the_year_they_turn_16(
    born: date, leaves: date
) -> None:
    assert rules.school_leaving_date(born) == leaves
    assert leaves.weekday() == 4 and leaves.month == 6 and leaves.day > 23


def test_compulsory_school_age_runs_from_its_start_to_the_leaving_date_inclusive() -> None:
    born = date(2021, 9, 1)
    starts, leaves = rules.school_age_starts(born), rules.school_leaving_date(born)
    assert not rules.of_compulsory_school_age(born, starts - timedelta(days=1))
    assert rules.of_compulsory_school_age(born, starts)
    assert rules.of_compulsory_school_age(born, leaves)
    assert not rules.of_compulsory_school_age(born, leaves + timedelta(days=1))


def test_a_pupil_with_no_date_of_birth_is_treated_as_of_school_age_and_it_is_said() -> None:
    assert rules.of_compulsory_school_age(None, date(2026, 11, 24))
    assert rules.school_age_note(None, date(2026, 11, 24)) == (
        "date of birth missing: treated as of compulsory school age"
    )


def test_the_note_says_when_school_age_starts_or_since_when_it_ended() -> None:
    on = date(2026, 11, 24)
    assert rules.school_age_note(date(2021, 9, 1), on) == (
        "not of compulsory school age until 31/12/2026"
    )
    assert rules.school_age_note(date(2010, 3, 1), on) == (
        "over compulsory school age (since 27/06/2026)"
    )
    assert rules.school_age_note(date(2013, 1, 1), on) is None


# --- the prompts --------------------------------------------------------------------------

RECEPTION, YEAR_12, YEAR_8, NO_DOB = (
    "A100000000001",
    "A100000000002",
    "A100000000003",
    "A100000000004",
)
PUPILS = (
    "UPN,Surname,Forename,Year,Reg,Date of Birth\n"
    f"{RECEPTION},Able,Ria,R,RA,01/09/2021\n"
    f"{YEAR_12},Baker,Sam,12,12A,01/03/2010\n"
    f"{YEAR_8},Cole,Tom,8,8A,01/01/2013\n"
    f"{NO_DOB},Dunn,Una,8,8A,\n"
)
TEN_DAYS = [date(2026, 11, 2) + timedelta(days=d) for d in range(12) if d % 7 < 5]  # 10 days
MARKS = "UPN,Date,Session,Mark\n" + "".join(
    f"{upn},{day:%d/%m/%Y},{session},O\n"
    for upn in (RECEPTION, YEAR_12, YEAR_8, NO_DOB)
    for day in TEN_DAYS
    for session in ("AM", "PM")
)
ON = TEN_DAYS[-1]


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, pupils=PUPILS, marks=MARKS)


def kinds_for(store: Store, upn: str) -> set[str]:
    return {a.kind for a in alerts_for(store, ON, [pid(store, upn)])}


@pytest.mark.parametrize("upn", [RECEPTION, YEAR_12])
def test_no_statutory_prompt_below_or_over_compulsory_school_age(school: Store, upn: str) -> None:
    kinds = kinds_for(school, upn)
    assert "penalty_threshold" not in kinds and "missing_education" not in kinds
    assert "severe_absence" in kinds  # attendance is still watched


@pytest.mark.parametrize("upn", [YEAR_8, NO_DOB])
def test_the_statutory_prompts_stand_for_a_pupil_of_school_age_or_unknown_age(
    school: Store, upn: str
) -> None:
    assert {"penalty_threshold", "missing_education"} <= kinds_for(school, upn)


def test_the_case_says_why_no_prompt_is_raised(school: Store) -> None:
    case = load_case(school, pid(school, RECEPTION), ON)
    text = thresholds_text(case).plain
    assert (
        "Compulsory school age: not of compulsory school age until 31/12/2026: "
        "no penalty-notice or CME prompt"
    ) in text
    data = case_as_dict(case)
    assert data["date_of_birth"] == "2021-09-01"
    assert data["compulsory_school_age"] == {
        "of_age": False,
        "note": "not of compulsory school age until 31/12/2026",
    }


def test_the_case_says_the_date_of_birth_is_missing(school: Store) -> None:
    case = load_case(school, pid(school, NO_DOB), ON)
    assert "date of birth missing: treated as of compulsory school age" in (
        thresholds_text(case).plain
    )
    assert case.of_compulsory_school_age


# --- the import -------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["DOB", "Date of Birth", "Birth Date", "date_of_birth"])
def test_a_date_of_birth_is_imported_under_its_usual_headers(
    store: Store, tmp_path: Path, header: str
) -> None:
    imported(
        store, tmp_path, pupils=f"UPN,Surname,Forename,{header}\n{YEAR_8},Cole,Tom,2013-01-01\n"
    )
    pupil = store.pupil_by_upn(YEAR_8)
    assert pupil is not None and pupil.date_of_birth == date(2013, 1, 1)


@pytest.mark.parametrize(
    ("dob", "problem"),
    [
        ("31/02/2013", "impossible date '31/02/2013'"),
        ("01/01/2099", "date of birth '01/01/2099' is not a possible date of birth"),
        ("01/01/1850", "date of birth '01/01/1850' is not a possible date of birth"),
    ],
)
def test_an_impossible_date_of_birth_is_refused_naming_its_line(
    store: Store, tmp_path: Path, dob: str, problem: str
) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text(f"UPN,Surname,Forename,DOB\n{YEAR_8},Cole,Tom,{dob}\n", encoding="utf-8")
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match=f"line 2: {problem}"):
        import_files(store, "pupils", [path])
    assert database_dump(store.path) == before
