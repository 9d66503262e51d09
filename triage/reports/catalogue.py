"""The four reports by name, with the periods they cover when none is given, for the command
line (``triage report …``) and the reports screen alike: the same call, the same figures.
"""

from __future__ import annotations

from datetime import date

from triage.morning.queue import NoMarksError, default_date
from triage.reports import cohorts, lateness, tsm, year
from triage.reports.document import (
    ReportDoc,
    ReportError,
    half_term_containing,
    parse_term,
    term_containing,
)
from triage.store import Store

KINDS = ("cohorts", "year", "tsm", "lateness")
KIND_LABELS = {
    "cohorts": "Cohorts (governors)",
    "year": "Head of year's week",
    "tsm": "Targeting support meeting",
    "lateness": "Lateness",
}


def latest_marks(store: Store) -> date:
    try:
        return default_date(store)
    except NoMarksError as exc:
        raise ReportError(str(exc)) from exc


def _period(store: Store, start: date | None, end: date | None, last: date) -> tuple[date, date]:
    """``--from``/``--to`` as given; else the half-term holding the latest marks (or the
    end given), up to them."""
    end = end or last
    if start is None:
        half = half_term_containing(store.school_days(), end)
        start = half[0] if half else end
    if start > end:
        raise ReportError("--from is after --to")
    return start, end


def make_report(
    store: Store,
    kind: str,
    *,
    start: date | None = None,
    end: date | None = None,
    term: str | None = None,
    year_group: int | None = None,
    week_of: date | None = None,
    names: bool = True,
) -> ReportDoc:
    last = latest_marks(store)
    if kind == "cohorts":
        a, b = _period(store, start, end, last)
        return cohorts.document(cohorts.cohorts_report(store, a, b), names)
    if kind == "year":
        if year_group is None:
            raise ReportError("say which year group: R or 1-13")
        return year.document(year.year_report(store, year_group, week_of or last), names)
    if kind == "tsm":
        if term and (start or end):
            raise ReportError("give --term, or --from and --to, not both")
        if term:
            a, b = parse_term(term)
        elif start or end:
            a, b = start or term_containing(end or last)[0], end or last
        else:
            a, b = term_containing(last)
        if a > b:
            raise ReportError("--from is after --to")
        return tsm.document(tsm.tsm_report(store, a, min(b, last)), names)
    if kind == "lateness":
        a, b = _period(store, start, end, last)
        return lateness.document(lateness.lateness_report(store, a, b), names)
    raise ReportError(f"no report called {kind!r} ({', '.join(KINDS)})")
