"""Property tests: whatever bytes arrive, an import is a clean import or one clear error,
and after an error the database is exactly as it was. A valid file always imports, in
any usual encoding, delimiter and header style, and stores what it says."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, database_dump
from triage.codes import CODES
from triage.imports.csvfile import ImportFileError
from triage.imports.importers import KINDS, import_files
from triage.store import open_store

GOOD_FILES = {
    (shape, kind): (FIXTURES / shape / f"{kind}.csv").read_bytes()
    for shape in ("sims", "arbor", "bromcom")
    for kind in KINDS
}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1")
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GENERATED = settings(SETTINGS, max_examples=25)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> Path:
    """A database holding the SIMS school, so errors are checked against real content.
    Every example imports into its own copy: the seed itself never changes."""
    path = tmp_path_factory.mktemp("props") / "seed.db"
    with open_store(path) as s:
        for kind in KINDS:
            import_files(s, kind, [FIXTURES / "sims" / f"{kind}.csv"])
    return path


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    """A database with the schema and nothing else."""
    path = tmp_path_factory.mktemp("props") / "empty.db"
    open_store(path).close()
    return path


def _copy(db: Path, folder: Path) -> Path:
    copy = folder / "copy.db"
    shutil.copy(db, copy)
    return copy


def _snapshot(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [
            (table, conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall())
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    finally:
        conn.close()


def _content(path: Path) -> dict[str, list[tuple]]:
    """What a school's files say, as stored: every pupil, contact, link and mark (not the
    times rows were written, nor the import's own record)."""
    conn = sqlite3.connect(path)
    try:
        content = {}
        for table in ("pupils", "contacts", "pupil_contacts", "marks", "date_codes"):
            columns = [
                name
                for _, name, *_ in conn.execute(f"PRAGMA table_info({table})")
                if name not in ("created_at", "updated_at")
            ]
            listed = ", ".join(columns)
            rows = conn.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}").fetchall()
            content[table] = rows
        return content
    finally:
        conn.close()


def _import(db: Path, kind: str, data: bytes, tmp: Path) -> None:
    file = tmp / "input.csv"
    file.write_bytes(data)
    with open_store(db) as s:
        import_files(s, kind, [file])


def _import_is_clean_or_clear(db: Path, kind: str, data: bytes, tmp: Path) -> None:
    """For bytes that may or may not be a valid file: either outcome, but an error is one
    clear ImportFileError and leaves every row as it was."""
    db = _copy(db, tmp)
    before = _snapshot(db)
    try:
        _import(db, kind, data, tmp)
    except ImportFileError as exc:
        assert exc.message.startswith("input.csv: not imported")
        assert _snapshot(db) == before  # nothing half-written
    except Exception as exc:  # any other exception is a bug an officer would see
        pytest.fail(f"{type(exc).__name__}: {exc}")


@SETTINGS
@given(data=st.binary(max_size=600), kind=st.sampled_from(KINDS))
def test_arbitrary_bytes_give_a_clean_import_or_a_clear_error(
    seeded_db, tmp_path_factory, data, kind
) -> None:
    _import_is_clean_or_clear(seeded_db, kind, data, tmp_path_factory.mktemp("b"))


@SETTINGS
@given(
    source=st.sampled_from(sorted(GOOD_FILES)),
    cuts=st.lists(
        st.tuples(st.integers(0, 2000), st.integers(0, 40), st.binary(max_size=6)), max_size=4
    ),
)
def test_mutated_valid_files_give_a_clean_import_or_a_clear_error(
    seeded_db, tmp_path_factory, source, cuts
) -> None:
    data = bytearray(GOOD_FILES[source])
    for at, length, insert in cuts:
        at = min(at, len(data))
        data[at : at + length] = insert
    _import_is_clean_or_clear(seeded_db, source[1], bytes(data), tmp_path_factory.mktemp("m"))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("source", sorted(GOOD_FILES), ids="-".join)
def test_valid_files_in_any_usual_encoding_import_and_store_the_same_rows(
    seeded_db, tmp_path, source, encoding
) -> None:
    """Every fixture file in every usual encoding (the 45 pairs, not a sample) imports,
    and stores exactly what the same text stores when it comes as UTF-8."""
    shape, kind = source
    text = GOOD_FILES[source].decode("cp1252" if shape == "sims" else "utf-8-sig")
    # A letter the encoding cannot hold (’ in latin-1) becomes "?", in both files alike.
    text = text.encode(encoding, errors="replace").decode(encoding)
    as_utf8 = _copy(seeded_db, tmp_path)
    _import(as_utf8, kind, text.encode("utf-8"), tmp_path)
    expected = _content(as_utf8)
    (tmp_path / "other").mkdir()
    encoded = _copy(seeded_db, tmp_path / "other")
    _import(encoded, kind, text.encode(encoding), tmp_path / "other")  # raises if refused
    assert _content(encoded) == expected


@SETTINGS
@given(
    headers=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
        min_size=1,
        max_size=10,
    ),
    kind=st.sampled_from(KINDS),
)
def test_random_headers_give_a_clean_import_or_a_clear_error(
    seeded_db, tmp_path_factory, headers, kind
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerow(["A123456789012"] + ["x"] * (len(headers) - 1))
    _import_is_clean_or_clear(
        seeded_db, kind, out.getvalue().encode("utf-8"), tmp_path_factory.mktemp("h")
    )


# --- generated register exports -----------------------------------------------------------

SCHOOL_DAYS = [date(2026, 11, 16) + timedelta(days=d) for d in range(12) if d % 7 < 5]
FIELDS = ("upn", "surname", "forename", "date", "session", "code")
HEADERS = {  # a few of the ways MIS exports name each column
    "upn": ("UPN", "Unique Pupil Number", "upn"),
    "surname": ("Surname", "Legal Surname", "Last Name"),
    "forename": ("Forename", "Legal Forename", "First Name"),
    "date": ("Date", "Session Date", "Attendance Date"),
    "session": ("Session", "AM/PM"),
    "code": ("Mark", "Attendance Mark", "Code"),
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d %b %Y")
SESSION_WORDS = {"AM": ("AM", "am", "Morning"), "PM": ("PM", "pm", "Afternoon")}
# Names with accents, apostrophes and hyphens. (An apostrophe ’ straight after an accented
# capital would make Windows-1252 bytes that are also valid UTF-8: no reader can tell which
# was meant, so the generator leaves that out.)
LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
NAME = st.from_regex(rf"[{LETTER}]{{0,5}}[A-Za-z]([’'\-][{LETTER}]{{1,6}})?", fullmatch=True)


@st.composite
def register_exports(draw) -> tuple[bytes, list[tuple[str, ...]], dict]:
    """A valid marks file; the rows it says (upn, surname, forename, ISO date, session,
    code); and how it was written: any usual encoding, delimiter, header names and order,
    date form, session words and case of code."""
    upns = draw(
        st.lists(
            st.from_regex(r"[A-Z][0-9]{11}[0-9A-Z]", fullmatch=True),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    names = {upn: (draw(NAME), draw(NAME)) for upn in upns}
    marks = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from(upns), st.sampled_from(SCHOOL_DAYS), st.sampled_from(("AM", "PM"))
            ),
            st.sampled_from(sorted(CODES)),
            min_size=1,
            max_size=20,
        )
    )
    how = {
        "order": draw(st.permutations(FIELDS)),
        "delimiter": draw(st.sampled_from((",", ";", "\t"))),
        "encoding": draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "utf-16"))),
    }
    date_format = draw(st.sampled_from(DATE_FORMATS))
    said = [(upn, *names[upn], day.isoformat(), s, code) for (upn, day, s), code in marks.items()]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=how["delimiter"])
    writer.writerow([draw(st.sampled_from(HEADERS[field])) for field in how["order"]])
    for (upn, day, session), code in marks.items():
        written = {
            "upn": upn,
            "surname": names[upn][0],
            "forename": names[upn][1],
            "date": day.strftime(date_format),
            "session": draw(st.sampled_from(SESSION_WORDS[session])),
            "code": draw(st.sampled_from((code, code.lower()))),
        }
        writer.writerow([written[field] for field in how["order"]])
    return out.getvalue().encode(how["encoding"]), said, how


@GENERATED
@given(export=register_exports())
def test_a_generated_valid_register_export_imports_every_row(
    empty_db, tmp_path_factory, export
) -> None:
    data, said, _ = export
    tmp = tmp_path_factory.mktemp("g")
    db = _copy(empty_db, tmp)
    _import(db, "marks", data, tmp)  # a valid file must import: an error fails the test
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute(
            "SELECT p.upn, p.legal_surname, p.legal_forename, m.date, m.session, m.code"
            " FROM marks m JOIN pupils p ON p.id = m.pupil_id"
        ).fetchall()
    finally:
        conn.close()
    assert sorted(stored) == sorted(said)


SPOILED = {  # a value no export may hold, and what the officer is told about it
    "upn": ("12345", "UPN '12345' is not"),
    "date": ("31/02/2026", "impossible date '31/02/2026'"),
    "session": ("Evening", "session 'Evening' is not AM or PM"),
    "code": ("XX", "unknown attendance code 'XX'"),
}


@GENERATED
@given(export=register_exports(), field=st.sampled_from(sorted(SPOILED)), data=st.data())
def test_a_generated_export_with_one_bad_value_is_refused_and_changes_nothing(
    seeded_db, tmp_path_factory, export, field, data
) -> None:
    raw, said, how = export
    lines = raw.decode(how["encoding"]).lstrip("\ufeff").splitlines(keepends=True)
    spoilt = data.draw(st.integers(0, len(said) - 1), label="spoilt row")
    cells = next(csv.reader([lines[1 + spoilt]], delimiter=how["delimiter"]))
    bad, told = SPOILED[field]
    cells[how["order"].index(field)] = bad
    out = io.StringIO()
    csv.writer(out, delimiter=how["delimiter"]).writerow(cells)
    lines[1 + spoilt] = out.getvalue()
    tmp = tmp_path_factory.mktemp("s")
    db = _copy(seeded_db, tmp)
    before = database_dump(db)
    with pytest.raises(ImportFileError) as refused:
        _import(db, "marks", "".join(lines).encode(how["encoding"]), tmp)
    assert f"line {2 + spoilt}: {told}" in refused.value.message
    assert database_dump(db) == before
