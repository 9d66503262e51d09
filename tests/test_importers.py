"""The MIS importers: the three export shapes in fixtures/, the bad files, and the rules of an
import (all or nothing, idempotent, officer recodes kept, dry runs) on files built in tmp_path.

Facts about the fixtures come from fixtures/README.md and fixtures/expected.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, database_dump
from triage import settings as school_settings
from triage.imports.csvfile import ImportFileError
from triage.imports.importers import (
    ImportReport,
    RowProblem,
    import_files,
    parse_date,
    parse_sen,
    parse_session,
    parse_year,
    split_full_name,
    validate_file,
)
from triage.store import Store

EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
KINDS = ("pupils", "contacts", "marks")
SHAPES = [
    "sims",
    "arbor",
    "bromcom",
]

# The school's marks, from fixtures/README.md: 7 sessions per pupil (Lucy Chen left: 4).
SESSIONS = [
    ("2026-11-19", "AM"),
    ("2026-11-19", "PM"),
    ("2026-11-20", "AM"),
    ("2026-11-20", "PM"),
    ("2026-11-23", "AM"),
    ("2026-11-23", "PM"),
    ("2026-11-24", "AM"),
]
MARK_TABLE = {
    "A999201419101": "/ \\ / \\ / \\ N",
    "T999201417102": "/ \\ / \\ L \\ N",
    "E999203120103": "/ \\ I I / \\ N",
    "G999201418104": "/ \\ / \\ V V /",
    "F999205716105": "L \\ / \\ U \\ /",
    "K999203119106": "/ \\ / M / \\ N",
    "P999210318107": "/ \\ M \\ / \\ /",
    "L999201420108": "/ \\ / N L \\ /",
    "M999205716109": "I I / \\ I \\ L",
    "X999214017110": "/ \\ / \\",
}
LATE = {
    ("F999205716105", "2026-11-19", "AM"): 12,
    ("T999201417102", "2026-11-23", "AM"): 7,
    ("L999201420108", "2026-11-23", "AM"): 5,
    ("M999205716109", "2026-11-24", "AM"): 3,
}
EXPECTED_MARKS = {
    (upn, d, s, code, LATE.get((upn, d, s)))
    for upn, codes in MARK_TABLE.items()
    for (d, s), code in zip(SESSIONS, codes.split(), strict=False)
}
CONTACT_ORDER = {
    "A999201419101": ["Mary O'Neill", "Patrick O'Neill", "Bridget Murphy"],
    "T999201417102": ["Mary O'Neill", "Patrick O'Neill", "Bridget Murphy"],
    "E999203120103": ["Jane Smith-Jones", "Gareth Jones"],
    "G999201418104": ["Anita D’Souza", "Rahul D’Souza"],
    "F999205716105": ["Ayesha Khan", "Imran Khan"],
    "K999203119106": ["Anna Kowalska"],
    "P999210318107": ["Susan Whitfield", "David Whitfield"],
    "L999201420108": ["Kelly Brown", "Sandra Brown"],
    "M999205716109": ["Rhian Evans"],
    "X999214017110": ["Wei Chen", "Li Na Chen"],
}

UPN1, UPN2, UPN3 = "A123456789012", "B123456789012", "C123456789012"
MARKS_HEADER = "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"


# --- helpers ---------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def marks_csv(path: Path, *rows: str) -> Path:
    """A SIMS-like marks file; each row is 'UPN,date,session,code' (names filled in)."""
    lines = []
    for row in rows:
        upn, when, session, code = row.split(",")
        lines.append(f"{upn},Bloggs,Jo,8,8A,{when},{session},{code}\n")
    return write(path, MARKS_HEADER + "".join(lines))


def fixture(shape: str, kind: str) -> Path:
    return FIXTURES / shape / f"{kind}.csv"


def import_shape(store: Store, shape: str) -> dict[str, ImportReport]:
    return {kind: import_files(store, kind, [fixture(shape, kind)]) for kind in KINDS}


def marks_in_store(store: Store) -> set[tuple]:
    return set(
        store.conn.execute(
            "SELECT p.upn, m.date, m.session, m.code, m.minutes_late"
            " FROM marks m JOIN pupils p ON p.id = m.pupil_id"
        )
    )


def code_of(store: Store, upn: str, when: str, session: str) -> tuple[str, int]:
    return store.conn.execute(
        "SELECT m.code, m.amended FROM marks m JOIN pupils p ON p.id = m.pupil_id"
        " WHERE p.upn = ? AND m.date = ? AND m.session = ?",
        (upn, when, session),
    ).fetchone()


def problem_lines(exc: ImportFileError) -> list[int | None]:
    return [line for line, _ in exc.problems]


def pupils_csv(path: Path) -> Path:
    return write(
        path,
        f"UPN,Surname,Forename\n{UPN1},Bloggs,Jo\n{UPN2},Bloggs,Al\n{UPN3},Patel,Ravi\n",
    )


# --- the value parsers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "24/11/2026",
        "24.11.2026",
        "24-11-2026",
        "24/11/2026 08:45",
        "2026-11-24",
        "24-Nov-2026",
        "24 Nov 2026",
        "24 November 2026",
    ],
)
def test_every_documented_date_form_reads_as_24_november_2026(text: str) -> None:
    assert parse_date(text) == date(2026, 11, 24)


def test_iso_date_is_year_month_day_so_2026_11_05_is_5_november() -> None:
    assert parse_date("2026-11-05") == date(2026, 11, 5)


def test_slash_date_is_day_first_so_05_11_2026_is_5_november() -> None:
    assert parse_date("05/11/2026") == date(2026, 11, 5)


def test_impossible_date_is_a_row_problem() -> None:
    with pytest.raises(RowProblem, match="impossible date '31/02/2026'"):
        parse_date("31/02/2026")


def test_month_first_date_is_refused_because_dates_are_always_day_first() -> None:
    with pytest.raises(RowProblem):
        parse_date("11/24/2026")


@pytest.mark.parametrize("text", ["8", "Y8", "Year 8", "year 8", "Yr 8", " 08 "])
def test_year_group_8_in_any_export_spelling(text: str) -> None:
    assert parse_year(text) == 8


@pytest.mark.parametrize("text", ["R", "Reception"])
def test_reception_is_year_group_0(text: str) -> None:
    assert parse_year(text) == 0


def test_year_14_is_a_row_problem() -> None:
    with pytest.raises(RowProblem):
        parse_year("14")


@pytest.mark.parametrize(
    ("text", "session"),
    [("AM", "AM"), ("pm", "PM"), ("Morning", "AM"), ("afternoon", "PM"), (" am ", "AM")],
)
def test_session_words_become_am_or_pm(text: str, session: str) -> None:
    assert parse_session(text) == session


def test_evening_is_not_a_session() -> None:
    with pytest.raises(RowProblem, match="Evening"):
        parse_session("Evening")


@pytest.mark.parametrize(
    ("text", "sen"),
    [
        ("K", "K"),
        ("E", "E"),
        ("SEN Support", "K"),
        ("EHC Plan", "E"),
        ("", ""),
        ("N", ""),
        ("No SEN", ""),
        ("Yes", "K"),
        ("1", "K"),
    ],
)
def test_sen_values_map_to_support_plan_or_none(text: str, sen: str) -> None:
    assert parse_sen(text) == sen


@pytest.mark.parametrize("text", ["0", "False"])
def test_sen_no_flag_values_mean_no_sen(text: str) -> None:
    assert parse_sen(text) == ""


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("O'Neill, Cian", ("Cian", "O'Neill")),
        ("Smith-Jones,  Zoë", ("Zoë", "Smith-Jones")),
        ("Li Na Chen", ("Li Na", "Chen")),
        ("Siobhán O'Neill", ("Siobhán", "O'Neill")),
    ],
)
def test_single_name_is_surname_comma_forename_or_forename_then_last_word(
    text: str, names: tuple[str, str]
) -> None:
    assert split_full_name(text) == names


def test_a_single_word_name_is_a_row_problem() -> None:
    with pytest.raises(RowProblem):
        split_full_name("Cher")


# --- the three MIS shapes in fixtures/ ---------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_each_mis_shape_imports_pupils_contacts_and_marks_with_the_documented_counts(
    store: Store, shape: str
) -> None:
    reports = import_shape(store, shape)
    counts = {kind: dict(r.counts) for kind, r in reports.items()}
    assert counts["pupils"]["pupils_new"] == 10
    assert counts["contacts"]["links"] == 20
    assert counts["contacts"]["pupils_with_contacts"] == 10
    assert counts["contacts"]["contacts_new"] == 17  # 20 rows, 3 shared by the siblings
    assert counts["marks"]["marks_new"] == 67
    assert counts["marks"].get("pupils_new", 0) == 0
    assert (store.count("pupils"), store.count("pupil_contacts"), store.count("marks")) == (
        10,
        20,
        67,
    )


@pytest.mark.parametrize(
    "shape",
    [
        "sims",
        "arbor",
        "bromcom",
    ],
)
def test_each_mis_shape_gives_every_pupil_the_documented_names_year_group_and_flags(
    store: Store, shape: str
) -> None:
    import_files(store, "pupils", [fixture(shape, "pupils")])
    for upn, want in EXPECTED["pupils_by_upn"].items():
        p = store.pupil_by_upn(upn)
        got = {
            "legal_forename": p.legal_forename,
            "legal_surname": p.legal_surname,
            "preferred_forename": p.forename,  # the name used: preferred, else legal
            "year": p.year_group,
            "reg_group": p.reg_group,
            "social_worker": p.social_worker,
            "child_protection": p.child_protection,
            "looked_after": p.looked_after,
            "sen_support": p.sen_support,
            "ehc_plan": p.ehc_plan,
            "free_school_meals": p.free_school_meals,
            "young_carer": p.young_carer,
            "admission_number": p.admission_number,
            "date_left": p.date_left.isoformat() if p.date_left else None,
        }
        assert got == want, upn


@pytest.mark.parametrize("shape", ["sims", "arbor"])
def test_windows_1252_and_bom_pupils_files_keep_non_ascii_names(store: Store, shape: str) -> None:
    import_files(store, "pupils", [fixture(shape, "pupils")])
    names = {(p.legal_forename, p.legal_surname) for p in store.pupils()}
    assert {("Siobhán", "O'Neill"), ("Zoë", "Smith-Jones"), ("Priya", "D’Souza")} <= names


def test_arbor_blank_preferred_name_leaves_the_legal_forename_in_use(store: Store) -> None:
    import_files(store, "pupils", [fixture("arbor", "pupils")])
    jake = store.pupil_by_upn("L999201420108")
    assert (jake.preferred_forename, jake.forename) == (None, "Jake")


def test_sims_preferred_forename_differs_from_the_legal_one(store: Store) -> None:
    import_files(store, "pupils", [fixture("sims", "pupils")])
    seun = store.pupil_by_upn("P999210318107")
    assert (seun.legal_forename, seun.forename, seun.display_name) == (
        "Oluwaseun",
        "Seun",
        "Seun Adeyemi",
    )


def test_sims_sen_k_is_sen_support_and_e_is_an_ehc_plan(store: Store) -> None:
    import_files(store, "pupils", [fixture("sims", "pupils")])
    cian, priya = store.pupil_by_upn("T999201417102"), store.pupil_by_upn("G999201418104")
    assert (cian.sen_support, cian.ehc_plan, priya.sen_support, priya.ehc_plan) == (
        True,
        False,
        False,
        True,
    )


@pytest.mark.parametrize("shape", ["sims", "arbor", "bromcom"])
def test_each_marks_file_alone_gives_the_documented_marks(store: Store, shape: str) -> None:
    """dd/mm/yyyy (SIMS), yyyy-mm-dd with am/pm and ';' (Arbor), 24-Nov-2026 with
    Morning/Afternoon and tabs (Bromcom): the same 67 marks, minutes late only on L."""
    import_files(store, "marks", [fixture(shape, "marks")])
    assert marks_in_store(store) == EXPECTED_MARKS


@pytest.mark.parametrize("shape", ["sims", "arbor", "bromcom"])
def test_each_marks_file_reports_the_documented_n_per_date_and_session(
    store: Store, shape: str
) -> None:
    report = import_files(store, "marks", [fixture(shape, "marks")])
    got = {f"{d.isoformat()} {s}": n for (d, s), n in report.absences.items()}
    assert got == EXPECTED["n_by_date_session"]


@pytest.mark.parametrize("shape", ["sims", "arbor", "bromcom"])
def test_each_marks_file_alone_creates_the_pupils_from_its_name_and_year_columns(
    store: Store, shape: str
) -> None:
    report = import_files(store, "marks", [fixture(shape, "marks")])
    got = {
        p.upn: (p.legal_forename, p.legal_surname, p.year_group, p.reg_group)
        for p in store.pupils()
    }
    want = {
        upn: (e["legal_forename"], e["legal_surname"], e["year"], e["reg_group"])
        for upn, e in EXPECTED["pupils_by_upn"].items()
    }
    assert (report.counts["pupils_new"], got) == (10, want)


@pytest.mark.parametrize("shape", SHAPES)
def test_siblings_share_one_contact_row_with_the_same_contact_id(store: Store, shape: str) -> None:
    import_files(store, "pupils", [fixture(shape, "pupils")])
    import_files(store, "contacts", [fixture(shape, "contacts")])
    siobhan = store.pupil_by_upn("A999201419101").id
    cian = store.pupil_by_upn("T999201417102").id
    contacts = store.contacts_by_pupil([siobhan, cian])
    assert [c.id for c in contacts[siobhan]] == [c.id for c in contacts[cian]]
    assert (contacts[siobhan][0].name, contacts[siobhan][0].mobile) == (
        "Mary O'Neill",
        "07700 900101",
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_each_pupils_contacts_come_in_priority_order(store: Store, shape: str) -> None:
    import_files(store, "pupils", [fixture(shape, "pupils")])
    import_files(store, "contacts", [fixture(shape, "contacts")])
    by_id = {p.id: p.upn for p in store.pupils()}
    got = {by_id[pid]: [c.name for c in cs] for pid, cs in store.contacts_by_pupil().items()}
    assert got == CONTACT_ORDER


def test_bromcom_quoted_relationships_with_commas_come_through_whole(store: Store) -> None:
    import_files(store, "pupils", [fixture("sims", "pupils")])  # (Bromcom's fails: SEN 0)
    import_files(store, "contacts", [fixture("bromcom", "contacts")])
    relationships = Counter(
        r for (r,) in store.conn.execute("SELECT relationship FROM pupil_contacts")
    )
    assert (relationships["Grandparent, maternal"], relationships["Grandparent, paternal"]) == (
        2,
        1,
    )


def test_only_arbor_contacts_bring_work_phones(store: Store) -> None:
    import_files(store, "pupils", [fixture("arbor", "pupils")])
    import_files(store, "contacts", [fixture("arbor", "contacts")])
    work = dict(store.conn.execute("SELECT name, work_phone FROM contacts WHERE work_phone <> ''"))
    assert work == {"Mary O'Neill": "0113 496 0901", "Rahul D’Souza": "0113 496 0922"}


def test_inset_day_file_adds_20_closure_marks_to_a_school_already_imported(
    store: Store,
) -> None:
    import_files(store, "marks", [fixture("sims", "marks")])
    report = import_files(store, "marks", [FIXTURES / "extra" / "inset_day_sims.csv"])
    assert (report.counts["marks_new"], report.counts["pupils_new"]) == (20, 0)
    assert {
        code for (code,) in store.conn.execute("SELECT code FROM marks WHERE date = '2026-11-18'")
    } == {"#"}


# --- the bad files -----------------------------------------------------------------------

BAD = [
    ("missing_column.csv", 1, "missing column(s) for a marks file: Mark"),
    ("unknown_code.csv", 5, "unknown attendance code 'QQ'"),
    ("impossible_date.csv", 4, "impossible date '31/02/2026'"),
    ("bad_session.csv", 6, "session 'Evening' is not AM or PM"),
    ("truncated.csv", 9, "8 fields where the header has 11"),
    ("unterminated_quote.csv", 5, "broken CSV"),
    ("duplicate_row_conflict.csv", 8, "L999201420108 2026-11-19 AM is on line 3 with mark /"),
    ("empty.csv", None, "the file is empty"),
    # fixtures/README.md gives line 1 for the header; the importer names no line (it is not
    # a line's fault): the problem and the file are what the officer needs.
    ("header_only.csv", None, "the file has a header but no rows"),
]


@pytest.mark.parametrize(("name", "line", "problem"), BAD)
def test_bad_file_error_names_the_file_the_line_and_the_problem(
    store: Store, name: str, line: int | None, problem: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [FIXTURES / "bad" / name])
    where = f"line {line}: " if line is not None else ""
    shown = [s.strip() for s in caught.value.message.splitlines()[1:]]
    assert any(s.startswith(f"{name}: {where}{problem}") for s in shown), caught.value.message
    assert len(caught.value.problems) == 1


def test_binary_file_is_refused_as_not_a_text_csv_file(store: Store) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [FIXTURES / "bad" / "not_csv.bin"])
    assert "not_csv.bin: " in caught.value.message
    assert "not a text CSV file (it contains NUL bytes)" in caught.value.message


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "bad").iterdir()))
def test_bad_file_leaves_the_database_byte_for_byte_unchanged(store: Store, name: str) -> None:
    import_files(store, "pupils", [fixture("sims", "pupils")])
    import_files(store, "marks", [FIXTURES / "extra" / "inset_day_sims.csv"])
    before = database_dump(store.path)
    with pytest.raises(ImportFileError):
        import_files(store, "marks", [FIXTURES / "bad" / name])
    assert database_dump(store.path) == before


def test_error_lists_20_problems_then_says_how_many_more(tmp_path: Path, store: Store) -> None:
    october = [date(2026, 10, 1) + timedelta(days=n) for n in range(40)]
    weekdays = [day for day in october if day.weekday() < 5][:25]  # weekends are refused too
    rows = [f"{UPN1},{day:%d/%m/%Y},AM,QQ" for day in weekdays]
    path = marks_csv(tmp_path / "many.csv", *rows)
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [path])
    lines = caught.value.message.splitlines()
    assert sum("many.csv: line " in s for s in lines) == 20
    assert lines[-1].strip() == "… and 5 more problem(s)"


# --- encodings and delimiters, on files built here --------------------------------------


def test_utf16_with_bom_tab_delimited_excel_unicode_text_imports(
    tmp_path: Path, store: Store
) -> None:
    text = (
        "UPN\tSurname\tForename\tDate\tSession\tMark\r\n"
        f"{UPN1}\tO'Neill\tSiobhán\t24/11/2026\tAM\tN\r\n"
    )
    path = write(tmp_path / "unicode.txt", text, "utf-16")  # Python writes the BOM
    import_files(store, "marks", [path])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, code_of(store, UPN1, "2026-11-24", "AM")[0]) == ("Siobhán", "N")


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path, store: Store) -> None:
    text = f"UPN,Surname,Forename\n{UPN1},Smith-Jones,Zoë\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    import_files(store, "pupils", [path])
    assert store.pupil_by_upn(UPN1).legal_forename == "Zoë"


def test_windows_1252_file_without_a_bom_reads_curly_apostrophes(
    tmp_path: Path, store: Store
) -> None:
    path = write(tmp_path / "p.csv", f"UPN,Surname,Forename\n{UPN1},D’Souza,Siobhán\n", "cp1252")
    import_files(store, "pupils", [path])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_surname, p.legal_forename) == ("D’Souza", "Siobhán")


def test_explicit_encoding_reads_utf16_without_a_bom(tmp_path: Path, store: Store) -> None:
    text = f"UPN,Surname,Forename\n{UPN1},Smith-Jones,Zoë\n"
    path = write(tmp_path / "p.csv", text, "utf-16-le")
    import_files(store, "pupils", [path], encoding="utf-16-le")
    assert store.pupil_by_upn(UPN1).legal_forename == "Zoë"


def test_wrong_explicit_encoding_names_the_line_and_the_encoding(
    tmp_path: Path, store: Store
) -> None:
    text = f"UPN,Surname,Forename\n{UPN1},Bloggs,Jo\n{UPN2},O'Neill,Siobhán\n"
    path = write(tmp_path / "p.csv", text, "cp1252")
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "pupils", [path], encoding="utf-8")
    assert "p.csv: line 3: not valid utf-8 (byte 0xe1)" in caught.value.message


def test_unknown_encoding_name_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "p.csv", f"UPN,Surname,Forename\n{UPN1},Bloggs,Jo\n")
    with pytest.raises(ImportFileError, match="unknown encoding 'latin-9000'"):
        import_files(store, "pupils", [path], encoding="latin-9000")


def test_explicit_utf8_encoding_on_a_bom_file_still_finds_the_first_header(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"UPN,Surname,Forename\n{UPN1},Bloggs,Jo\n".encode())
    import_files(store, "pupils", [path], encoding="utf-8")
    assert store.count("pupils") == 1


def test_utf8_bom_file_with_invalid_bytes_is_an_import_file_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xef\xbb\xbf" + MARKS_HEADER.encode() + b"\x80\n")
    with pytest.raises(ImportFileError):
        validate_file("marks", path)


def test_cut_off_utf16_file_is_an_import_file_error(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_bytes(MARKS_HEADER.encode("utf-16") + b"\x00")
    with pytest.raises(ImportFileError):
        validate_file("marks", path)


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_delimited_marks_import(
    tmp_path: Path, store: Store, delimiter: str
) -> None:
    rows = [
        ["UPN", "Surname", "Forename", "Date", "Session", "Mark"],
        [UPN1, "Bloggs", "Jo", "24/11/2026", "AM", "N"],
        [UPN1, "Bloggs", "Jo", "24/11/2026", "PM", "I"],
    ]
    path = write(tmp_path / "m.csv", "".join(delimiter.join(r) + "\n" for r in rows))
    import_files(store, "marks", [path])
    assert code_of(store, UPN1, "2026-11-24", "PM")[0] == "I"


def test_quoted_name_with_a_comma_in_a_comma_delimited_file(tmp_path: Path, store: Store) -> None:
    text = f'UPN,Pupil Name,Year,Date,Session,Mark\n{UPN1},"O\'Neill, Cian",Y10,24/11/2026,AM,N\n'
    import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, p.legal_surname, p.year_group) == ("Cian", "O'Neill", 10)


# --- pupils files ------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["Y8", "Year 8", "8"])
def test_pupils_file_year_group_spellings_all_store_8(
    tmp_path: Path, store: Store, year: str
) -> None:
    path = write(tmp_path / "p.csv", f"UPN,Surname,Forename,Year Group\n{UPN1},Bloggs,Jo,{year}\n")
    import_files(store, "pupils", [path])
    assert store.pupil_by_upn(UPN1).year_group == 8


def test_unknown_extra_columns_are_ignored(tmp_path: Path, store: Store) -> None:
    text = (
        "Ethnicity,UPN,Notes,Surname,Forename,Year,Shoe Size\n"
        f"WBRI,{UPN1},likes maths,Bloggs,Jo,Y8,5\n"
    )
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_surname, p.legal_forename, p.year_group) == ("Bloggs", "Jo", 8)


def test_forename_surname_single_column_takes_the_last_word_as_surname(
    tmp_path: Path, store: Store
) -> None:
    text = f"UPN,Pupil\n{UPN1},Li Na Chen\n"
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, p.legal_surname) == ("Li Na", "Chen")


def test_surname_comma_forename_single_column(tmp_path: Path, store: Store) -> None:
    text = f'UPN,Student Name\n{UPN1},"Smith-Jones, Zoë"\n'
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, p.legal_surname) == ("Zoë", "Smith-Jones")


def test_separate_name_columns_win_over_the_single_name_column(
    tmp_path: Path, store: Store
) -> None:
    text = f'UPN,Name,Legal Surname,Legal Forename\n{UPN1},"Jones, Bobby",Smith,Robert\n'
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, p.legal_surname) == ("Robert", "Smith")


def test_yes_no_flags_set_the_pupils_flags(tmp_path: Path, store: Store) -> None:
    text = (
        "UPN,Surname,Forename,CIN,CP,CLA,FSM,Young Carer\n"
        f"{UPN1},Bloggs,Jo,Yes,True,1,Y,No\n"
        f"{UPN2},Bloggs,Al,No,False,0,,N\n"
    )
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    jo, al = store.pupil_by_upn(UPN1), store.pupil_by_upn(UPN2)
    flags = ("social_worker", "child_protection", "looked_after", "free_school_meals")
    assert [getattr(jo, f) for f in flags] == [True] * 4
    assert [getattr(al, f) for f in flags] == [False] * 4


def test_send_flag_with_an_ehcp_flag_is_an_ehc_plan_not_also_sen_support(
    tmp_path: Path, store: Store
) -> None:
    text = f"UPN,Pupil,SEND,EHCP\n{UPN1},Priya D’Souza,1,1\n"
    import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.sen_support, p.ehc_plan) == (False, True)


def test_pupils_file_with_the_same_upn_twice_names_both_lines(tmp_path: Path, store: Store) -> None:
    text = f"UPN,Surname,Forename\n{UPN1},Bloggs,Jo\n{UPN2},Bloggs,Al\n{UPN1.lower()},Bloggs,Joe\n"
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "pupils", [write(tmp_path / "p.csv", text)])
    assert f"p.csv: line 4: UPN {UPN1} is already on line 2" in caught.value.message


def test_reimporting_the_same_pupils_counts_them_unchanged(tmp_path: Path, store: Store) -> None:
    path = pupils_csv(tmp_path / "p.csv")
    import_files(store, "pupils", [path])
    report = import_files(store, "pupils", [path])
    assert (report.counts["pupils_unchanged"], report.counts["pupils_new"]) == (3, 0)


def test_a_changed_reg_group_counts_the_pupil_updated(tmp_path: Path, store: Store) -> None:
    import_files(
        store,
        "pupils",
        [write(tmp_path / "a.csv", f"UPN,Surname,Forename,Reg\n{UPN1},Bloggs,Jo,8A\n")],
    )
    report = import_files(
        store,
        "pupils",
        [write(tmp_path / "b.csv", f"UPN,Surname,Forename,Reg\n{UPN1},Bloggs,Jo,8B\n")],
    )
    assert (report.counts["pupils_updated"], store.pupil_by_upn(UPN1).reg_group) == (1, "8B")


# --- contacts files ----------------------------------------------------------------------


def test_contacts_file_without_a_priority_column_keeps_the_file_order(
    tmp_path: Path, store: Store
) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    text = (
        "UPN,Contact Name,Mobile\n"
        f"{UPN1},Zara Bloggs,07700900003\n"
        f"{UPN1},Adam Bloggs,07700900001\n"
        f"{UPN1},Mia Bloggs,07700900002\n"
    )
    import_files(store, "contacts", [write(tmp_path / "c.csv", text)])
    pid = store.pupil_by_upn(UPN1).id
    got = [(c.priority, c.name) for c in store.contacts_by_pupil([pid])[pid]]
    assert got == [(1, "Zara Bloggs"), (2, "Adam Bloggs"), (3, "Mia Bloggs")]


def test_contact_priority_column_decides_the_calling_order(tmp_path: Path, store: Store) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    text = (
        "UPN,Contact Name,Priority,Mobile\n"
        f"{UPN1},Zara Bloggs,3,07700900003\n"
        f"{UPN1},Adam Bloggs,1,07700900001\n"
        f"{UPN1},Mia Bloggs,2,07700900002\n"
    )
    import_files(store, "contacts", [write(tmp_path / "c.csv", text)])
    pid = store.pupil_by_upn(UPN1).id
    assert [c.name for c in store.contacts_by_pupil([pid])[pid]] == [
        "Adam Bloggs",
        "Mia Bloggs",
        "Zara Bloggs",
    ]


def test_a_mother_listed_for_two_siblings_is_one_contact_row(tmp_path: Path, store: Store) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    text = (
        "UPN,Contact Name,Mobile\n"
        f"{UPN1},Sue Bloggs,07700 900001\n"
        f"{UPN2},Sue Bloggs,07700900001\n"  # same number, written differently
    )
    import_files(store, "contacts", [write(tmp_path / "c.csv", text)])
    assert (store.count("contacts"), store.count("pupil_contacts")) == (1, 2)


def test_contacts_export_replaces_each_pupils_links(tmp_path: Path, store: Store) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    first = (
        f"UPN,Contact Name,Mobile\n{UPN1},Sue Bloggs,07700900001\n{UPN1},Tom Bloggs,07700900002\n"
    )
    import_files(store, "contacts", [write(tmp_path / "c1.csv", first)])
    later = f"UPN,Contact Name,Mobile\n{UPN1},Tom Bloggs,07700900002\n"
    import_files(store, "contacts", [write(tmp_path / "c2.csv", later)])
    pid = store.pupil_by_upn(UPN1).id
    assert [c.name for c in store.contacts_by_pupil([pid])[pid]] == ["Tom Bloggs"]


def test_contact_for_an_unknown_pupil_names_the_line(tmp_path: Path, store: Store) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    text = f"UPN,Contact Name\n{UPN1},Sue Bloggs\nZ123456789012,Ann Other\n"
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "contacts", [write(tmp_path / "c.csv", text)])
    assert "c.csv: line 3: pupil Z123456789012 is not known" in caught.value.message


def test_two_contacts_files_in_one_import_report_all_their_links(
    tmp_path: Path, store: Store
) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    c1 = write(tmp_path / "c1.csv", f"UPN,Contact Name,Mobile\n{UPN1},Sue Bloggs,07700900001\n")
    c2 = write(
        tmp_path / "c2.csv",
        f"UPN,Contact Name,Mobile\n{UPN2},Sue Bloggs,07700900001\n{UPN3},Raj Patel,07700900009\n",
    )
    report = import_files(store, "contacts", [c1, c2])
    assert (report.counts["links"], report.counts["pupils_with_contacts"]) == (
        store.count("pupil_contacts"),
        3,
    )


# --- marks files: idempotence, overlap, officer recodes ----------------------------------


def test_importing_the_same_marks_twice_changes_nothing_the_second_time(
    tmp_path: Path, store: Store
) -> None:
    path = marks_csv(
        tmp_path / "m.csv",
        f"{UPN1},23/11/2026,AM,N",
        f"{UPN1},23/11/2026,PM,/",
        f"{UPN2},23/11/2026,AM,L",
    )
    first = import_files(store, "marks", [path])
    second = import_files(store, "marks", [path])
    assert (first.counts["marks_new"], second.counts["marks_new"]) == (3, 0)
    assert second.counts["marks_unchanged"] == 3
    assert store.count("marks") == 3


def test_overlapping_later_export_adds_new_updates_changed_and_keeps_the_rest(
    tmp_path: Path, store: Store
) -> None:
    import_files(
        store,
        "marks",
        [
            marks_csv(
                tmp_path / "week1.csv",
                f"{UPN1},23/11/2026,AM,N",
                f"{UPN1},23/11/2026,PM,/",
                f"{UPN2},23/11/2026,AM,/",
            )
        ],
    )
    later = marks_csv(
        tmp_path / "week2.csv",
        f"{UPN1},23/11/2026,AM,I",  # changed
        f"{UPN1},23/11/2026,PM,/",  # unchanged
        f"{UPN2},23/11/2026,AM,/",  # unchanged
        f"{UPN1},24/11/2026,AM,/",  # new
        f"{UPN2},24/11/2026,AM,N",  # new
    )
    report = import_files(store, "marks", [later])
    c = report.counts
    assert (c["marks_new"], c["marks_changed"], c["marks_unchanged"]) == (2, 1, 2)
    assert store.count("marks") == 5
    assert code_of(store, UPN1, "2026-11-23", "AM")[0] == "I"


def _recoded_by_an_officer(tmp_path: Path, store: Store) -> None:
    import_files(store, "marks", [marks_csv(tmp_path / "first.csv", f"{UPN1},24/11/2026,AM,N")])
    store.conn.execute("UPDATE marks SET code = 'I', amended = 1")


def test_officer_recode_is_kept_when_a_later_export_still_says_n(
    tmp_path: Path, store: Store
) -> None:
    _recoded_by_an_officer(tmp_path, store)
    import_files(store, "marks", [marks_csv(tmp_path / "again.csv", f"{UPN1},24/11/2026,AM,N")])
    assert code_of(store, UPN1, "2026-11-24", "AM") == ("I", 1)


def test_a_kept_officer_recode_is_counted_in_the_report(tmp_path: Path, store: Store) -> None:
    _recoded_by_an_officer(tmp_path, store)
    report = import_files(
        store, "marks", [marks_csv(tmp_path / "again.csv", f"{UPN1},24/11/2026,AM,N")]
    )
    assert (report.counts["marks_kept"], report.counts["marks_changed"]) == (1, 0)


def test_a_real_code_from_the_mis_replaces_an_officer_recode_and_clears_amended(
    tmp_path: Path, store: Store
) -> None:
    _recoded_by_an_officer(tmp_path, store)
    report = import_files(
        store, "marks", [marks_csv(tmp_path / "later.csv", f"{UPN1},24/11/2026,AM,M")]
    )
    assert code_of(store, UPN1, "2026-11-24", "AM") == ("M", 0)
    assert report.counts["marks_changed"] == 1


def test_marks_for_an_unknown_pupil_create_the_pupil_from_name_year_and_group(
    tmp_path: Path, store: Store
) -> None:
    text = MARKS_HEADER + f"{UPN1},Smith-Jones,Zoë,Year 7,7RA,24/11/2026,AM,N\n"
    report = import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    p = store.pupil_by_upn(UPN1)
    assert (p.legal_forename, p.legal_surname, p.year_group, p.reg_group) == (
        "Zoë",
        "Smith-Jones",
        7,
        "7RA",
    )
    assert report.counts["pupils_new"] == 1


def test_marks_for_an_unknown_pupil_without_name_columns_name_the_line(
    tmp_path: Path, store: Store
) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    text = f"UPN,Date,Session,Mark\n{UPN1},24/11/2026,AM,N\nZ123456789012,24/11/2026,AM,N\n"
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert (
        "m.csv: line 3: pupil Z123456789012 is not known and the row gives no name"
        in caught.value.message
    )


def test_marks_file_repeating_a_mark_with_the_same_code_stores_one_mark(
    tmp_path: Path, store: Store
) -> None:
    path = marks_csv(tmp_path / "m.csv", f"{UPN1},24/11/2026,AM,N", f"{UPN1},24/11/2026,am,n")
    report = import_files(store, "marks", [path])
    assert (store.count("marks"), report.counts["marks_new"]) == (1, 1)


def test_marks_file_repeating_a_mark_with_another_code_is_an_error_naming_both_lines(
    tmp_path: Path, store: Store
) -> None:
    path = marks_csv(
        tmp_path / "m.csv",
        f"{UPN1},24/11/2026,AM,N",
        f"{UPN2},24/11/2026,AM,N",
        f"{UPN1},24/11/2026,AM,I",
    )
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [path])
    assert f"m.csv: line 4: {UPN1} 2026-11-24 AM is on line 2 with mark N" in caught.value.message


def test_a_superscript_digit_in_minutes_late_is_an_import_file_error(tmp_path: Path) -> None:
    text = f"UPN,Date,Session,Mark,Mins Late\n{UPN1},24/11/2026,AM,L,²\n"
    with pytest.raises(ImportFileError):
        validate_file("marks", write(tmp_path / "m.csv", text))


# --- blank lines, trailing rows and line numbers -----------------------------------------


def test_blank_line_and_trailing_empty_cell_rows_are_ignored(tmp_path: Path, store: Store) -> None:
    text = (
        MARKS_HEADER
        + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,N\r\n"
        + "\r\n"
        + f"{UPN2},Bloggs,Al,8,8A,24/11/2026,AM,/\r\n"
        + ",,,,,,,\r\n" * 3
    )
    report = import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert (report.counts["marks_new"], store.count("marks")) == (2, 2)


def test_trailing_empty_cell_rows_alone_are_ignored(tmp_path: Path, store: Store) -> None:
    text = MARKS_HEADER + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,N\n" + ",,,,,,,\n" * 4
    report = import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert (report.rows, store.count("marks")) == (1, 1)


def test_rows_read_leaves_out_trailing_empty_cell_rows_after_a_blank_line(
    tmp_path: Path, store: Store
) -> None:
    text = (
        MARKS_HEADER
        + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,N\n\n"
        + f"{UPN2},Bloggs,Al,8,8A,24/11/2026,AM,/\n"
        + ",,,,,,,\n" * 3
    )
    report = import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert report.rows == 2


def test_a_leading_empty_cell_row_is_skipped_even_when_a_blank_line_follows(
    tmp_path: Path, store: Store
) -> None:
    text = (
        ",,,,,,,\n"
        + MARKS_HEADER
        + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,N\n"
        + "\n"
        + f"{UPN2},Bloggs,Al,8,8A,24/11/2026,AM,/\n"
    )
    import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert store.count("marks") == 2


def test_a_leading_empty_cell_row_is_skipped(tmp_path: Path, store: Store) -> None:
    text = ",,,,,,,\n" + MARKS_HEADER + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,QQ\n"
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert problem_lines(caught.value) == [3]


def test_line_numbers_after_a_blank_line_are_physical_lines(tmp_path: Path, store: Store) -> None:
    text = (
        MARKS_HEADER
        + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,N\n"
        + "\n"
        + f"{UPN2},Bloggs,Al,8,8A,24/11/2026,AM,/\n"
        + f"{UPN3},Patel,Ravi,8,8A,24/11/2026,AM,QQ\n"
    )
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert problem_lines(caught.value) == [5]


def test_a_quoted_field_over_two_lines_keeps_later_line_numbers_right(
    tmp_path: Path, store: Store
) -> None:
    text = (
        MARKS_HEADER
        + f'{UPN1},"Bloggs\nSmith",Jo,8,8A,24/11/2026,AM,N\n'  # lines 2-3
        + f"{UPN2},Bloggs,Al,8,8A,24/11/2026,AM,/\n"  # line 4
        + f"{UPN3},Patel,Ravi,8,8A,24/11/2026,XM,/\n"  # line 5
    )
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert problem_lines(caught.value) == [5]


def test_leading_blank_lines_keep_line_numbers_physical(tmp_path: Path, store: Store) -> None:
    text = "\n\n" + MARKS_HEADER + f"{UPN1},Bloggs,Jo,8,8A,24/11/2026,AM,QQ\n"
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [write(tmp_path / "m.csv", text)])
    assert problem_lines(caught.value) == [4]


# --- all or nothing, dry runs, the record of an import -----------------------------------


def test_two_files_the_second_bad_writes_nothing_from_the_first(
    tmp_path: Path, store: Store
) -> None:
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    before = database_dump(store.path)
    good = marks_csv(tmp_path / "good.csv", f"{UPN1},24/11/2026,AM,N")
    bad = marks_csv(tmp_path / "bad.csv", f"{UPN2},24/11/2026,AM,QQ")
    with pytest.raises(ImportFileError, match="bad.csv: line 2"):
        import_files(store, "marks", [good, bad])
    assert database_dump(store.path) == before


def test_a_second_file_failing_while_it_is_written_rolls_back_the_first(
    tmp_path: Path, store: Store
) -> None:
    """Both contacts files are valid on their own; the second names a pupil not in the
    store, found only while applying, after the first file's rows were written."""
    import_files(store, "pupils", [pupils_csv(tmp_path / "p.csv")])
    before = database_dump(store.path)
    good = write(tmp_path / "c1.csv", f"UPN,Contact Name\n{UPN1},Sue Bloggs\n")
    bad = write(tmp_path / "c2.csv", "UPN,Contact Name\nZ123456789012,Ann Other\n")
    with pytest.raises(ImportFileError, match="c2.csv: line 2"):
        import_files(store, "contacts", [good, bad])
    assert database_dump(store.path) == before


def _week_then_overlap(tmp_path: Path, store: Store) -> Path:
    import_files(
        store,
        "marks",
        [marks_csv(tmp_path / "w1.csv", f"{UPN1},23/11/2026,AM,N", f"{UPN1},23/11/2026,PM,/")],
    )
    store.conn.execute("UPDATE marks SET code = 'I', amended = 1 WHERE session = 'AM'")
    return marks_csv(
        tmp_path / "w2.csv",
        f"{UPN1},23/11/2026,AM,N",  # kept
        f"{UPN1},23/11/2026,PM,L",  # changed
        f"{UPN1},24/11/2026,AM,/",  # new
        f"{UPN2},24/11/2026,AM,N",  # new, and a new pupil
    )


def test_dry_run_reports_the_counts_a_real_import_gives(tmp_path: Path, store: Store) -> None:
    later = _week_then_overlap(tmp_path, store)
    dry = import_files(store, "marks", [later], dry_run=True)
    real = import_files(store, "marks", [later])
    assert (dry.counts, dry.absences, dry.rows) == (real.counts, real.absences, real.rows)
    assert dry.counts["marks_new"] == 2 and dry.counts["marks_kept"] == 1


def test_dry_run_leaves_the_database_unchanged(tmp_path: Path, store: Store) -> None:
    later = _week_then_overlap(tmp_path, store)
    before = database_dump(store.path)
    import_files(store, "marks", [later], dry_run=True)
    assert database_dump(store.path) == before


def test_dry_run_report_says_would_import(tmp_path: Path, store: Store) -> None:
    later = _week_then_overlap(tmp_path, store)
    assert (
        import_files(store, "marks", [later], dry_run=True)
        .lines()[0]
        .startswith("would import marks from w2.csv")
    )


def test_dry_run_of_two_overlapping_files_reports_the_counts_a_real_import_gives(
    tmp_path: Path, store: Store
) -> None:
    a = marks_csv(tmp_path / "a.csv", f"{UPN1},23/11/2026,AM,N", f"{UPN1},23/11/2026,PM,N")
    b = marks_csv(tmp_path / "b.csv", f"{UPN1},23/11/2026,PM,N", f"{UPN1},24/11/2026,AM,N")
    dry = import_files(store, "marks", [a, b], dry_run=True)
    real = import_files(store, "marks", [a, b])
    assert dry.counts == real.counts


def test_import_records_file_name_hash_kind_rows_and_officer(tmp_path: Path, store: Store) -> None:
    path = marks_csv(tmp_path / "m.csv", f"{UPN1},24/11/2026,AM,N", f"{UPN2},24/11/2026,AM,/")
    import_files(store, "marks", [path])
    row = next(store.db["imports"].rows)
    assert (row["file_name"], row["sha256"], row["kind"], row["rows"], row["imported_by"]) == (
        "m.csv",
        hashlib.sha256(path.read_bytes()).hexdigest(),
        "marks",
        2,
        "officer.one",
    )


def test_import_writes_an_audit_event_with_its_counts(tmp_path: Path, store: Store) -> None:
    path = marks_csv(tmp_path / "m.csv", f"{UPN1},24/11/2026,AM,N", f"{UPN2},24/11/2026,AM,/")
    import_files(store, "marks", [path])
    [event] = [e for e in store.events() if e["action"] == "import"]
    detail = json.loads(event["detail"])
    assert (event["officer"], detail["file"], detail["kind"], detail["counts"]["marks_new"]) == (
        "officer.one",
        "m.csv",
        "marks",
        2,
    )


def test_marks_report_lines_give_the_n_per_date_and_session(store: Store) -> None:
    report = import_files(store, "marks", [fixture("sims", "marks")])
    assert "  N (no reason yet) on Tue 24 Nov 2026 AM: 4" in report.lines()


# --- property tests ----------------------------------------------------------------------

BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=400).filter(lambda b: not b.startswith(BOMS)))
def test_arbitrary_bytes_either_validate_or_raise_import_file_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "marks.csv"
        path.write_bytes(raw)
        try:
            validate_file("marks", path)
        except ImportFileError as exc:
            assert exc.message.startswith("marks.csv: not imported")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_a_marks_header_with_arbitrary_rows_either_imports_or_raises_import_file_error(
    body: str,
) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "marks.csv"
        path.write_bytes((MARKS_HEADER + body).encode("utf-8"))
        try:
            validate_file("marks", path)
        except ImportFileError as exc:
            assert exc.message.startswith("marks.csv: not imported")


HEADER_NAMES = {
    "upn": ["UPN", "Unique Pupil Number"],
    "date": ["Date", "Session Date", "Attendance Date"],
    "session": ["Session", "AM/PM", "AMPM"],
    "code": ["Mark", "Code", "Attendance Mark", "Mark Code", "Attendance Code"],
}


@st.composite
def header_variant(draw: st.DrawFn, names: list[str]) -> str:
    """One of the names, each letter in either case, with spaces, _ . - sprinkled in."""
    out = [draw(st.sampled_from(["", " "]))]
    for ch in draw(st.sampled_from(names)):
        if ch == " ":
            ch = draw(st.sampled_from([" ", "", "_", "  ", "-"]))
        elif ch.isalpha():
            ch = draw(st.sampled_from([ch.lower(), ch.upper()]))
        out.append(ch + draw(st.sampled_from(["", "", "", " ", "_", ".", "-"])))
    return "".join(out)


@settings(max_examples=50, deadline=None)
@given(
    headers=st.fixed_dictionaries(
        {field: header_variant(names) for field, names in HEADER_NAMES.items()}
    ),
    order=st.permutations(list(HEADER_NAMES)),
)
def test_any_case_and_spacing_of_the_known_headers_is_matched(
    headers: dict[str, str], order: list[str]
) -> None:
    values = {"upn": UPN1, "date": "24/11/2026", "session": "pm", "code": "n"}
    text = ",".join(headers[f] for f in order) + "\n" + ",".join(values[f] for f in order) + "\n"
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d) / "marks.csv", text)
        marks = validate_file("marks", path).records
    assert (marks.upn, marks.date, marks.session, marks.code) == (
        [UPN1],
        ["2026-11-24"],
        ["PM"],
        ["N"],
    )


# --- headers present twice, year groups in other scripts (#16) ----------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("UPN,UPN,Surname,Forename,Date,Session,Mark", "'UPN' appears 2 times (columns 1, 2)"),
        ("UPN,Surname,Forename,Date,Session,Mark,mark", "'Mark' appears 2 times (columns 6, 7)"),
    ],
)
def test_a_header_present_twice_is_refused_naming_its_columns(
    store: Store, tmp_path: Path, header: str, column: str
) -> None:
    path = tmp_path / "marks.csv"
    width = header.count(",") + 1
    row = ["A123456789012", "Smith", "Amy", "24/11/2026", "AM", "N"]
    row = row[:1] + row if header.startswith("UPN,UPN") else row + ["N"]
    assert len(row) == width
    path.write_text(header + "\n" + ",".join(row) + "\n", encoding="utf-8")
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match=re.escape(column)):
        import_files(store, "marks", [path])
    assert database_dump(store.path) == before


@pytest.mark.parametrize("year", ["١٠", "１０", "Year ١٠"])
def test_a_year_group_in_digits_no_mis_writes_is_refused(year: str) -> None:
    with pytest.raises(RowProblem, match="is not N1, N2, Reception or 1-13"):
        parse_year(year)


@pytest.mark.parametrize(
    ("year", "expected"),
    [("7", 7), ("Year 7", 7), ("Y7", 7), ("R", 0), ("13", 13), ("N1", -2), ("n2", -1)],
)
def test_the_year_groups_schools_write_are_read(year: str, expected: int) -> None:
    assert parse_year(year) == expected


def test_nursery_classes_show_as_schools_write_them() -> None:
    from triage.model import year_label

    assert [year_label(y) for y in (-2, -1, 0, 7)] == ["N1", "N2", "R", "7"]


# --- a file that only looks right: one encoding for the whole file (#16) ------------------


def test_a_utf8_file_with_one_windows_1252_byte_is_refused_naming_the_line(
    store: Store, tmp_path: Path
) -> None:
    """Read as Windows-1252 it would import, with every accented name spoilt (Zoë as ZoÃ«)."""
    path = tmp_path / "marks.csv"
    path.write_bytes(
        b"UPN,Surname,Forename,Date,Session,Mark\n"
        b"A123456789012,Smith,Zo\xc3\xab,24/11/2026,AM,N\n"  # UTF-8
        b"A123456789013,Khan,Ren\xe9e,24/11/2026,AM,N\n"  # one Windows-1252 byte
    )
    before = database_dump(store.path)
    with pytest.raises(ImportFileError) as caught:
        import_files(store, "marks", [path])
    assert "line 3: byte 0xe9 is not UTF-8, but line 2 is written in UTF-8" in caught.value.message
    assert "--encoding" in caught.value.message
    assert database_dump(store.path) == before


def test_a_whole_windows_1252_file_still_imports(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_bytes(
        b"UPN,Surname,Forename,Date,Session,Mark\n"
        b"A123456789012,Smith,Zo\xeb,24/11/2026,AM,N\n"
        b"A123456789013,Khan,Ren\xe9e,24/11/2026,AM,N\n"
    )
    import_files(store, "marks", [path])
    names = sorted(p.legal_forename for p in store.pupils())
    assert names == ["Renée", "Zoë"]


def test_the_officer_can_name_the_encoding_of_a_mixed_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_bytes(
        b"UPN,Surname,Forename,Date,Session,Mark\n"
        b"A123456789012,Smith,Zo\xc3\xab,24/11/2026,AM,N\n"
        b"A123456789013,Khan,Ren\xe9e,24/11/2026,AM,N\n"
    )
    import_files(store, "marks", [path], encoding="cp1252")
    assert store.count("marks") == 2


# --- dates that only look right (#16) -------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            "01/01/2099",
            "date '01/01/2099' is far from the file's other dates (school year 2026/27)",
        ),
        ("31/12/9999", "date '31/12/9999' is far from the file's other dates"),
        ("01/01/0001", "date '01/01/0001' is far from the file's other dates"),
        ("21/11/2026", "Saturday 21/11/2026: a mark on a weekend"),
    ],
)
def test_a_mark_dated_far_from_the_rest_or_on_a_weekend_is_refused_naming_its_line(
    store: Store, tmp_path: Path, written: str, problem: str
) -> None:
    path = marks_csv(
        tmp_path / "m.csv",
        f"{UPN1},23/11/2026,AM,/",
        f"{UPN1},24/11/2026,AM,N",
        f"{UPN1},{written},AM,N",
    )
    before = database_dump(store.path)
    with pytest.raises(ImportFileError, match=re.escape(f"line 4: {problem}")):
        import_files(store, "marks", [path])
    assert database_dump(store.path) == before


def test_a_school_open_at_weekends_can_import_weekend_marks(store: Store, tmp_path: Path) -> None:
    school_settings.set_value(store, "weekend_marks", "yes")
    path = marks_csv(tmp_path / "m.csv", f"{UPN1},21/11/2026,AM,/", f"{UPN1},23/11/2026,AM,/")
    import_files(store, "marks", [path])
    assert store.count("marks") == 2


@pytest.mark.parametrize("written", ["01/01/0001", "31/12/9999", "01/01/2099"])
def test_a_file_of_one_impossible_date_is_refused_not_a_crash(
    store: Store, tmp_path: Path, written: str
) -> None:
    path = marks_csv(tmp_path / "m.csv", f"{UPN1},{written},AM,N")
    with pytest.raises(ImportFileError, match="line 2: date .* is far from the file's other"):
        import_files(store, "marks", [path])
    assert store.count("marks") == 0


# --- files that are not files (#15) --------------------------------------------------------


def test_a_fifo_is_refused_at_once_not_waited_on(store: Store, tmp_path: Path) -> None:
    fifo = tmp_path / "marks.csv"
    os.mkfifo(fifo)
    with pytest.raises(ImportFileError, match="not a regular file"):
        import_files(store, "marks", [fifo])  # would block for ever if it were read


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(store: Store, path: str) -> None:
    with pytest.raises(ImportFileError, match="not a regular file"):
        import_files(store, "marks", [Path(path)])


def test_a_folder_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="this is a folder, not a file"):
        import_files(store, "marks", [tmp_path])
