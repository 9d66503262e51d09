"""The SQL of an import (:mod:`triage.imports.importers` and the inbox): pupils, contacts
and their links, marks, the school days kept in ``date_codes``, and the import records.

Each function is one statement (or a few that belong together) run on the caller's
transaction: an import is all or nothing in the one transaction the importer opens, which
also writes its audit events; these only read and write rows. sqlite-utils does the
row-at-a-time inserts and updates of pupils, contacts and imports; the marks, the hot path
(100,000 rows), go through plain ``executemany`` on the connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, cast

from triage.codes import CLOSURE
from triage.store import PUPIL_FLAGS, Store

# The pupils' columns an import writes (and compares, to count a pupil as updated).
PUPIL_COLUMNS = (
    "upn",
    "admission_number",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "year_group",
    "reg_group",
    *PUPIL_FLAGS,
    "date_left",
    "date_of_birth",
    "address",
    "postcode",
)

# (code, mis_code, amended, minutes_late) of a stored mark, keyed by (pupil_id, date, session)
StoredMarks = dict[tuple[int, str, str], tuple[str, str, int, int | None]]


class PastImport(NamedTuple):
    file_name: str
    imported_at: str  # ISO 8601, UTC


# --- pupils --------------------------------------------------------------------------------


def pupil_lookup(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """Pupil ids by UPN, and by admission number (the first pupil with it, when two share
    one): how rows of an export find their pupil."""
    by_upn: dict[str, int] = {}
    by_adno: dict[str, int] = {}
    for pid, upn, adno in store.conn.execute("SELECT id, upn, admission_number FROM pupils"):
        by_upn[upn] = pid
        if adno:
            by_adno.setdefault(adno, pid)
    return by_upn, by_adno


def pupils_by_upn(store: Store) -> dict[str, dict[str, Any]]:
    """Every pupil's ``id`` and :data:`PUPIL_COLUMNS`, as a dict, by UPN."""
    return {
        row["upn"]: row
        for row in store.db.query(f"SELECT id, {', '.join(PUPIL_COLUMNS)} FROM pupils")
    }


def insert_pupil(store: Store, values: dict[str, Any]) -> None:
    store.db.table("pupils").insert(values)


def insert_pupils(store: Store, records: Iterable[dict[str, Any]]) -> None:
    store.db.table("pupils").insert_all(records)


def update_pupil(store: Store, pupil_id: int, changed: dict[str, Any]) -> None:
    store.db.table("pupils").update(pupil_id, changed)


# --- contacts ------------------------------------------------------------------------------


def contacts_by_key(store: Store) -> dict[str, dict[str, Any]]:
    """Every contact (all its columns, as a dict) by its ``contact_key``."""
    return {r["contact_key"]: r for r in store.db.query("SELECT * FROM contacts")}


def insert_contact(store: Store, values: dict[str, Any]) -> int:
    """Add a contact; returns its id."""
    return cast(int, store.db.table("contacts").insert(values).last_pk)


def update_contact(store: Store, contact_id: int, values: dict[str, Any]) -> None:
    store.db.table("contacts").update(contact_id, values)


def replace_pupil_contacts(
    store: Store,
    pupil_ids: Iterable[int],
    links: Iterable[tuple[int, int, int, str | None, int]],
) -> None:
    """Delete every link of these pupils to their contacts, then add ``links``: (pupil_id,
    contact_id, priority, relationship, parental_responsibility). A contacts export is the
    whole list for each pupil in it."""
    store.conn.executemany(
        "DELETE FROM pupil_contacts WHERE pupil_id = ?", [(pid,) for pid in pupil_ids]
    )
    store.conn.executemany(
        "INSERT INTO pupil_contacts (pupil_id, contact_id, priority, relationship,"
        " parental_responsibility) VALUES (?, ?, ?, ?, ?)",
        links,
    )


# --- marks ---------------------------------------------------------------------------------


def marks_between(store: Store, first: str, last: str) -> StoredMarks:
    """The stored marks dated ``first`` to ``last`` (ISO dates, both included), for an
    import to compare its rows with: one read of the export's dates, not one per row."""
    return {
        (pid, d, s): (code, mis, amended, late)
        for pid, d, s, code, mis, amended, late in store.conn.execute(
            "SELECT pupil_id, date, session, code, mis_code, amended, minutes_late FROM marks"
            " WHERE date BETWEEN ? AND ?",
            (first, last),
        )
    }


def insert_marks(store: Store, rows: Iterable[tuple[int, str, str, str, int | None, int]]) -> None:
    """Add new marks from ``rows`` of (pupil_id, date, session, code, minutes_late,
    import_id): the MIS's code is also the code in force, and an ``N`` puts the mark in
    its session's queue. Six values bound per mark; pass them in key order (each insert
    then lands beside the last in the B-tree)."""
    store.conn.executemany(
        "INSERT INTO marks (pupil_id, date, session, code, mis_code, minutes_late,"
        " import_id, queued) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?4 = 'N')",
        rows,
    )


def update_marks(
    store: Store,
    rows: Iterable[tuple[str, str, int | None, int, bool, int, str, str]],
) -> None:
    """Give stored marks the MIS's code: ``rows`` of (code, mis_code, minutes_late,
    import_id, queued, pupil_id, date, session). An officer's recode is overwritten
    (``amended`` cleared) and a mark once queued stays queued."""
    store.conn.executemany(
        "UPDATE marks SET code = ?, mis_code = ?, minutes_late = ?, import_id = ?,"
        " amended = 0, queued = MAX(queued, ?) WHERE pupil_id = ? AND date = ? AND session = ?",
        rows,
    )


def set_mis_codes(store: Store, rows: Iterable[tuple[str, int, int, str, str]]) -> None:
    """Note what the MIS says of marks whose code in force stays (an officer's recode):
    ``rows`` of (mis_code, import_id, pupil_id, date, session)."""
    store.conn.executemany(
        "UPDATE marks SET mis_code = ?, import_id = ?"
        " WHERE pupil_id = ? AND date = ? AND session = ?",
        rows,
    )


def keep_date_codes(store: Store, pairs: set[tuple[str, str]]) -> None:
    """Keep the date_codes table (the school days) in step with the marks, given the
    (date, code) pairs an import brought. A date where it brings a '#' (a closure) is
    recounted from its marks, so a day that became a closure stops counting as a school
    day; any other date only gains codes."""
    store.conn.executemany(
        "INSERT OR IGNORE INTO date_codes (date, code) VALUES (?, ?)", sorted(pairs)
    )
    for day in sorted({d for d, c in pairs if c == CLOSURE}):
        store.conn.execute("DELETE FROM date_codes WHERE date = ?", (day,))
        store.conn.execute(
            "INSERT INTO date_codes (date, code) SELECT DISTINCT date, code FROM marks"
            " WHERE date = ?",
            (day,),
        )


# --- sessions not taken yet ---------------------------------------------------------------


def keep_unmarked(
    store: Store, rows: Iterable[tuple[int, str, str, int]], stored: set[tuple[int, str, str]]
) -> int:
    """Record sessions an export says are not taken yet: ``rows`` of (pupil_id, date,
    session, import_id), skipping those with a mark ``stored`` already (a mark is never
    taken back by a later ``-``). Returns how many were recorded."""
    wanted = [r for r in rows if (r[0], r[1], r[2]) not in stored]
    store.conn.executemany(
        "INSERT OR REPLACE INTO unmarked (pupil_id, date, session, import_id) VALUES (?, ?, ?, ?)",
        wanted,
    )
    return len(wanted)


def forget_unmarked(
    store: Store, first: str, last: str, keys: Iterable[tuple[int, str, str]]
) -> None:
    """A mark has come for these (pupil_id, date, session): their session is taken. One
    cheap look first, since most imports find nothing waiting in their dates."""
    waiting = store.conn.execute(
        "SELECT 1 FROM unmarked WHERE date BETWEEN ? AND ? LIMIT 1", (first, last)
    ).fetchone()
    if waiting is not None:
        store.conn.executemany(
            "DELETE FROM unmarked WHERE date = ? AND session = ? AND pupil_id = ?",
            ((d, s, pid) for pid, d, s in keys),
        )


def unmarked_by_group(store: Store, on: str, session: str) -> dict[str, int]:
    """Registration group ('' when none) -> pupils whose ``session`` of ``on`` (ISO) an
    export said was not taken and no mark has come for since."""
    return dict(
        store.conn.execute(
            "SELECT COALESCE(p.reg_group, ''), COUNT(*) FROM unmarked u"
            " JOIN pupils p ON p.id = u.pupil_id"
            " WHERE u.date = ? AND u.session = ?"
            " GROUP BY 1 ORDER BY 1",
            (on, session),
        ).fetchall()
    )


# --- removing marks that should never have been imported ----------------------------------


def _which(import_id: int | None, on: str | None, session: str | None) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in (("import_id", import_id), ("date", on), ("session", session)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if not clauses:
        raise ValueError("say which marks: an import, a date, or both")
    return " AND ".join(clauses), params


def marks_matching(
    store: Store, *, import_id: int | None, on: str | None, session: str | None
) -> list[tuple[int, str, str, str, str, int]]:
    """(pupil_id, date, session, code, mis_code, amended) of the marks an import last wrote,
    or of a date (and session)."""
    where, params = _which(import_id, on, session)
    return store.conn.execute(
        "SELECT pupil_id, date, session, code, mis_code, amended FROM marks WHERE "
        + where
        + " ORDER BY date, session, pupil_id",
        params,
    ).fetchall()


def delete_marks_matching(
    store: Store, *, import_id: int | None, on: str | None, session: str | None
) -> int:
    """Delete those marks, and the sessions not taken that the same import or date left;
    then recount the school days of the dates they were on. Returns the marks deleted."""
    where, params = _which(import_id, on, session)
    days = [
        d for (d,) in store.conn.execute("SELECT DISTINCT date FROM marks WHERE " + where, params)
    ]
    deleted = store.conn.execute("DELETE FROM marks WHERE " + where, params).rowcount
    store.conn.execute("DELETE FROM unmarked WHERE " + where, params)
    for day in days:
        store.conn.execute("DELETE FROM date_codes WHERE date = ?", (day,))
        store.conn.execute(
            "INSERT INTO date_codes (date, code) SELECT DISTINCT date, code FROM marks"
            " WHERE date = ?",
            (day,),
        )
    return deleted


def import_records(store: Store, limit: int = 50) -> list[tuple[int, str, str, str, int, str]]:
    """(id, imported_at, file_name, kind, rows, imported_by) of the latest imports."""
    return store.conn.execute(
        "SELECT id, imported_at, file_name, kind, rows, imported_by FROM imports"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()


# --- the imports ---------------------------------------------------------------------------


def insert_import(
    store: Store, *, file_name: str, sha256: str, kind: str, rows: int, at: str
) -> int:
    """Record a file being imported by this store's officer; returns the import's id."""
    record = {
        "file_name": file_name,
        "sha256": sha256,
        "kind": kind,
        "rows": rows,
        "imported_at": at,
        "imported_by": store.officer,
    }
    return cast(int, store.db.table("imports").insert(record).last_pk)


def set_import_counts(store: Store, import_id: int, counts: Mapping[str, int]) -> None:
    """Keep what an import did (its counts, as JSON) on its record."""
    store.db.table("imports").update(import_id, {"counts": json.dumps(counts)})


def import_with_sha256(store: Store, sha256: str) -> PastImport | None:
    """The first import of a file with this content, None when there was none."""
    row = store.conn.execute(
        "SELECT file_name, imported_at FROM imports WHERE sha256 = ? LIMIT 1", (sha256,)
    ).fetchone()
    return None if row is None else PastImport(*row)
