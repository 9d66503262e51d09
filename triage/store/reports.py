"""The SQL of the reports: the end-of-day summary's counts and the school's attendance
(:mod:`triage.reports.summary`), and the recodes to enter back into the MIS
(:mod:`triage.reports.amendments`).

Each function is one statement (or a few that belong together); a write runs on the
caller's transaction, which also writes its audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

from triage.codes import ATTENDING_CODES, NOT_YET_PROVIDED, POSSIBLE_CODES
from triage.store import Store

# --- the day's work ------------------------------------------------------------------------
# The queue's marks are found by ``queued = 1`` written literally: a bound parameter would
# not use the partial index on it (see the schema).


def queued_by_session(store: Store, on: date) -> dict[str, int]:
    """Session -> pupils in its queue on ``on`` (every mark the MIS gave as N), by session."""
    return dict(
        store.conn.execute(
            "SELECT session, COUNT(*) FROM marks WHERE date = ? AND queued = 1"
            " GROUP BY session ORDER BY session",
            (on.isoformat(),),
        ).fetchall()
    )


def attempts_by_channel(store: Store, on: date) -> dict[str, int]:
    """Channel -> actions (not undone) on ``on`` that tried it, by channel. An action on a
    family is one attempt per pupil: counted once."""
    return dict(
        store.conn.execute(
            "SELECT channel, COUNT(DISTINCT event_id) FROM attempts"
            " WHERE date = ? AND undone_event_id IS NULL GROUP BY channel ORDER BY channel",
            (on.isoformat(),),
        ).fetchall()
    )


def reasons_by_code(store: Store, on: date) -> dict[str, int]:
    """Code -> queued marks of ``on`` that now have a reason (a code other than N), by code."""
    return dict(
        store.conn.execute(
            "SELECT code, COUNT(*) FROM marks WHERE date = ? AND queued = 1 AND code != ?"
            " GROUP BY code ORDER BY code",
            (on.isoformat(), NOT_YET_PROVIDED),
        ).fetchall()
    )


def recodes_on(store: Store, on: date) -> int:
    """Recodes (not undone) of marks dated ``on``."""
    return int(
        store.conn.execute(
            "SELECT COUNT(*) FROM recodes WHERE date = ? AND undone_event_id IS NULL",
            (on.isoformat(),),
        ).fetchone()[0]
    )


def stage_changes_on(store: Store, on: date) -> int:
    """Stage changes (not undone) made on ``on`` (the date of their timestamp)."""
    return int(
        store.conn.execute(
            "SELECT COUNT(*) FROM stage_changes WHERE substr(at, 1, 10) = ?"
            " AND undone_event_id IS NULL",
            (on.isoformat(),),
        ).fetchone()[0]
    )


def alerts_acknowledged_on(store: Store, on: date) -> int:
    """Case alerts (``triage.casework.alerts``: persistent absence, an N left too long…)
    acknowledged on ``on`` (the date of their timestamp). Not the DSL step: see
    :func:`dsl_told_on`."""
    return int(
        store.conn.execute(
            "SELECT COUNT(*) FROM alert_acks WHERE substr(at, 1, 10) = ?", (on.isoformat(),)
        ).fetchone()[0]
    )


def dsl_told_on(store: Store, on: date) -> int:
    """Pupils (per session) whose designated safeguarding lead was told about their absence
    on ``on``: the escalation *DSL informed* (not undone), which "DSL told" writes, or an
    acknowledgement the DSL notification recorded before "DSL told" took its place
    (``ladder-ack`` events, which count as told)."""
    return int(
        store.conn.execute(
            "SELECT COUNT(*) FROM ("
            " SELECT pupil_id, session FROM attempts WHERE date = ? AND outcome = ?"
            " AND undone_event_id IS NULL"
            " UNION"
            " SELECT CAST(entity_id AS INTEGER), json_extract(detail, '$.session') FROM events"
            " WHERE action = ? AND entity = 'pupil' AND json_extract(detail, '$.date') = ?)",
            (on.isoformat(), "dsl_informed", "ladder-ack", on.isoformat()),
        ).fetchone()[0]
    )


def work_by_officer(store: Store, on: date) -> dict[str, dict[str, int]]:
    """Officer -> {"attempts", "recodes", "notes": how many (not undone)} for ``on``: the
    actions logged for the day's marks, the recodes of its marks and the notes written that
    day. An officer with none of one kind has no entry for it."""
    iso = on.isoformat()
    per_officer: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for officer, n in store.conn.execute(
        "SELECT officer, COUNT(DISTINCT event_id) FROM attempts WHERE date = ?"
        " AND undone_event_id IS NULL GROUP BY officer",
        (iso,),
    ):
        per_officer[officer]["attempts"] = n
    for officer, n in store.conn.execute(
        "SELECT officer, COUNT(*) FROM recodes WHERE date = ? AND undone_event_id IS NULL"
        " GROUP BY officer",
        (iso,),
    ):
        per_officer[officer]["recodes"] = n
    for officer, n in store.conn.execute(
        "SELECT officer, COUNT(*) FROM notes WHERE substr(at, 1, 10) = ?"
        " AND undone_event_id IS NULL GROUP BY officer",
        (iso,),
    ):
        per_officer[officer]["notes"] = n
    return dict(per_officer)


# --- the school's attendance ---------------------------------------------------------------


def _literal(code: str) -> str:
    """A code as a SQL string literal, from the codes table (constants, never data)."""
    return "'" + code.replace("'", "''") + "'"


def _in(codes: frozenset[str]) -> str:
    """A SQL list of codes."""
    return ",".join(_literal(c) for c in sorted(codes))


# The plain test of a mark: the summary benchmark's yardstick query (bench/summary.py) uses
# these, so they stay as they were; the summary itself uses the quicker test below.
ATTENDING_SQL = f"CASE WHEN code IN ({_in(ATTENDING_CODES)}) THEN 1 ELSE 0 END"
POSSIBLE_SQL = f"CASE WHEN code IN ({_in(POSSIBLE_CODES)}) THEN 1 ELSE 0 END"

_COMMONEST = ("/", "\\", "L")  # present AM, present PM, late: about 95% of all marks


def _counts(codes: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """The same 1 or 0 as ``CASE WHEN code IN (...)``, as a CASE on the code that tries the
    commonest marks first: most marks then cost one or two comparisons, where an IN list is
    a lookup in a temporary index for every mark (a third of the time of a whole-term sum).
    Returns the SQL and its parameters, the codes in the order tried (bound parameters
    measured as quick as literals)."""
    order = (*(c for c in _COMMONEST if c in codes), *sorted(codes - set(_COMMONEST)))
    return "CASE code " + " ".join("WHEN ? THEN 1" for _ in order) + " ELSE 0 END", order


_ATTENDING, _ATTENDING_CODES = _counts(ATTENDING_CODES)
_POSSIBLE, _POSSIBLE_CODES = _counts(POSSIBLE_CODES)
# Marks are keyed by pupil, then date: naming every pupil lets SQLite go straight to each
# pupil's dates in range (2,000 short seeks) instead of reading the whole year of marks; it
# will not skip-scan the key by itself without ANALYZE statistics. Every mark's pupil is in
# ``pupils`` (a foreign key, enforced).
_SUMS_BETWEEN = (
    f"SUM({_ATTENDING}), SUM({_POSSIBLE})"
    " FROM marks WHERE pupil_id IN (SELECT id FROM pupils) AND date >= ? AND date < ?"
)


def attendance_by_date(store: Store, start: date, end: date) -> dict[date, tuple[int, int]]:
    """(attending, possible) sessions of the whole school on each date with marks from
    ``start`` to ``end`` (a few weeks: SQLite sorts these marks by date to group them)."""
    return {
        date.fromisoformat(d): (a, p)
        for d, a, p in store.conn.execute(
            f"SELECT date, {_SUMS_BETWEEN} GROUP BY date",
            (
                *_ATTENDING_CODES,
                *_POSSIBLE_CODES,
                start.isoformat(),
                (end + timedelta(days=1)).isoformat(),
            ),
        )
    }


def attendance_by_pupil(
    store: Store, windows: dict[str, tuple[date, date]]
) -> dict[int, dict[str, tuple[int, int]]]:
    """(attending, possible) sessions of each pupil with marks in each named window of dates
    (``start <= date <= end``).

    The windows overlap (the term holds the last 4 weeks), so the dates are cut at every
    window's edges into stretches, and each stretch is one query grouped by pupil: its marks
    come in key order, so SQLite groups them without sorting and reads each mark once, and
    each window is the sum of its stretches. (One query with a CASE per window tests every
    mark six times and took twice as long.)
    """
    spans = {name: (start, end + timedelta(days=1)) for name, (start, end) in windows.items()}
    edges = sorted({d for span in spans.values() for d in span})
    totals: dict[int, dict[str, tuple[int, int]]] = defaultdict(
        lambda: dict.fromkeys(spans, (0, 0))
    )
    for lo, hi in pairwise(edges):
        within = [name for name, (start, stop) in spans.items() if start <= lo and hi <= stop]
        if not within:
            continue  # a gap between windows
        for pid, a, p in store.conn.execute(
            f"SELECT pupil_id, {_SUMS_BETWEEN} GROUP BY pupil_id",
            (*_ATTENDING_CODES, *_POSSIBLE_CODES, lo.isoformat(), hi.isoformat()),
        ):
            for name in within:
                ta, tp = totals[pid][name]
                totals[pid][name] = (ta + a, tp + p)
    return dict(totals)


# --- amendments for the MIS ----------------------------------------------------------------


class RecodeRow(NamedTuple):
    """A recode of a mark, with its pupil and what the MIS now says of the mark."""

    id: int
    pupil_id: int
    date: str  # ISO
    session: str
    old_code: str
    new_code: str
    reason: str | None
    officer: str
    at: str
    upn: str
    surname: str
    forename: str  # preferred, else legal
    mis_code: str | None  # None when the mark is no longer stored


def recodes_to_amend(
    store: Store,
    *,
    on: date | None = None,
    since: date | None = None,
    everything: bool = False,
) -> list[RecodeRow]:
    """Recodes not undone of marks dated ``on``, or from ``since`` on, or any date (neither);
    only those not yet exported unless ``everything``. In mark order (date, session, the
    pupil's surname), each mark's recodes in the order made."""
    clauses = ["r.undone_event_id IS NULL"]
    params: list[str] = []
    if on is not None:
        clauses.append("r.date = ?")
        params.append(on.isoformat())
    elif since is not None:
        clauses.append("r.date >= ?")
        params.append(since.isoformat())
    if not everything:
        clauses.append("r.exported_at IS NULL")
    rows = store.conn.execute(
        "SELECT r.id, r.pupil_id, r.date, r.session, r.old_code, r.new_code, r.reason,"
        " r.officer, r.at, p.upn, p.legal_surname, COALESCE(p.preferred_forename,"
        " p.legal_forename), m.mis_code FROM recodes r JOIN pupils p ON p.id = r.pupil_id"
        " LEFT JOIN marks m ON m.pupil_id = r.pupil_id AND m.date = r.date"
        " AND m.session = r.session"
        f" WHERE {' AND '.join(clauses)} ORDER BY r.date, r.session, p.legal_surname, r.id",
        params,
    ).fetchall()
    return list(map(RecodeRow._make, rows))


def mark_recodes_exported(store: Store, recode_ids: Iterable[int], at: str) -> None:
    """Stamp these recodes exported at ``at``; one exported before keeps its first stamp."""
    store.conn.executemany(
        "UPDATE recodes SET exported_at = ? WHERE id = ? AND exported_at IS NULL",
        [(at, i) for i in recode_ids],
    )
