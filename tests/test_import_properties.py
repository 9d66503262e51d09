"""Property tests: whatever bytes arrive, an import is a clean import or one clear error,
and after an error the database is exactly as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
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


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> Path:
    """A database holding the SIMS school, so errors are checked against real content."""
    path = tmp_path_factory.mktemp("props") / "seed.db"
    with open_store(path) as s:
        for kind in KINDS:
            import_files(s, kind, [FIXTURES / "sims" / f"{kind}.csv"])
    return path


def _snapshot(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [
            (table, conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall())
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    finally:
        conn.close()


def _import_is_clean_or_clear(db: Path, kind: str, data: bytes, tmp: Path) -> None:
    file = tmp / "input.csv"
    file.write_bytes(data)
    before = _snapshot(db)
    with open_store(db) as s:
        try:
            import_files(s, kind, [file])
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


@SETTINGS
@given(source=st.sampled_from(sorted(GOOD_FILES)), encoding=st.sampled_from(ENCODINGS))
def test_valid_files_in_any_usual_encoding_import_or_fail_clearly(
    seeded_db, tmp_path_factory, source, encoding
) -> None:
    text = GOOD_FILES[source].decode("cp1252" if source[0] == "sims" else "utf-8-sig")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return  # this text cannot be written in that encoding at all
    _import_is_clean_or_clear(seeded_db, source[1], data, tmp_path_factory.mktemp("e"))


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
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerow(["A123456789012"] + ["x"] * (len(headers) - 1))
    _import_is_clean_or_clear(
        seeded_db, kind, out.getvalue().encode("utf-8"), tmp_path_factory.mktemp("h")
    )
