"""What every report for the people above the officer is made of, whatever its format: a
title, the period it covers, and sections of rows under named columns, with plain values
(text, whole numbers, percentages, ``None`` for "no figure"). One renderer
(:mod:`triage.render.reports`) draws any of them as text, Markdown, CSV, JSON or HTML, and
the reports screen shows the same sections, so every output carries the same figures.

With ``names=False`` a report leaves out every name and UPN (and free text that may hold
one: notes): a pupil is a reference (``P1``, ``P2``…) that means nothing outside the page.

Also here: the periods reports cover (half-terms, terms by name, weeks) and the figures of
a group of pupils, from :class:`triage.store.report_figures.PupilCounts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.easter import easter

from triage import rules
from triage.casework.chronology import half_terms
from triage.model import AttendanceSummary
from triage.store.report_figures import NO_COUNTS, PupilCounts

Value = str | int | float | None


class ReportError(ValueError):
    """A report that cannot be made as asked (a term with no marks, a year not on roll)."""


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key and the CSV heading: stable, documented in docs/reports.md
    heading: str  # what people read
    numeric: bool = False  # right-aligned; a float is a percentage with one decimal


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Value, ...]]
    note: str = ""
    # A bar chart of one percentage column for the printable page: (label, value) pairs.
    chart: list[tuple[str, float | None]] | None = None
    chart_label: str = ""


@dataclass(frozen=True)
class ReportDoc:
    kind: str  # cohorts, year, tsm, lateness
    title: str
    school: str
    start: date
    end: date
    names: bool
    sections: list[Section]
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) above

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.kind,
            "title": self.title,
            "school": self.school,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "names": self.names,
            "facts": {label: value for label, value in self.facts},
            "sections": {
                s.key: [{c.key: v for c, v in zip(s.columns, row, strict=True)} for row in s.rows]
                for s in self.sections
            },
        }


def pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


class References:
    """Stable stand-ins for pupils in a report without names: the first pupil met is P1."""

    def __init__(self) -> None:
        self._refs: dict[int, str] = {}

    def __call__(self, pupil_id: int) -> str:
        return self._refs.setdefault(pupil_id, f"P{len(self._refs) + 1}")


# --- the figures of a group ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """A group's attendance over a period: DfE definitions (:mod:`triage.rules`,
    :class:`triage.model.AttendanceSummary`): attendance % over possible sessions,
    persistent absence at 10% or more missed, severe at 50% or more."""

    pupils: int  # with at least one possible session
    sessions: PupilCounts
    persistent: int
    severe: int

    @property
    def attendance(self) -> float | None:
        return pct(self.sessions.attending, self.sessions.possible)

    @property
    def authorised(self) -> float | None:
        return pct(self.sessions.authorised, self.sessions.possible)

    @property
    def unauthorised(self) -> float | None:
        return pct(self.sessions.unauthorised, self.sessions.possible)

    @property
    def persistent_pct(self) -> float | None:
        return pct(self.persistent, self.pupils)

    @property
    def severe_pct(self) -> float | None:
        return pct(self.severe, self.pupils)

    @property
    def average_minutes_late(self) -> float | None:
        s = self.sessions
        return None if not s.marks_with_minutes else round(s.minutes_late / s.marks_with_minutes, 1)


def summary_of(counts: PupilCounts) -> AttendanceSummary:
    return AttendanceSummary(
        possible=counts.possible,
        attending=counts.attending,
        authorised=counts.authorised,
        unauthorised=counts.unauthorised,
    )


def group_figures(members: Iterable[PupilCounts]) -> GroupFigures:
    """The figures of a group from its pupils' counts (pupils with no possible session are
    not counted: they were not expected in school)."""
    total, pupils, persistent, severe = NO_COUNTS, 0, 0, 0
    for counts in members:
        if counts.possible == 0:
            continue
        total += counts
        pupils += 1
        summary = summary_of(counts)
        persistent += summary.persistent_absence
        severe += summary.severe_absence
    return GroupFigures(pupils, total, persistent, severe)


def attendance_of(counts: PupilCounts | None) -> float | None:
    return None if counts is None else pct(counts.attending, counts.possible)


# --- periods --------------------------------------------------------------------------------

TERM_NAMES = ("autumn", "spring", "summer")


def parse_term(text: str) -> tuple[date, date]:
    """``autumn-2026``, ``spring-2027``, ``summer-2027`` -> the term's first and last days
    (:func:`triage.rules.term_of`: autumn is September to December, spring January to
    Easter Sunday, summer Easter Monday to 31 July)."""
    name, _, year_text = text.strip().lower().replace(" ", "-").partition("-")
    if name not in TERM_NAMES or not (year_text.isdigit() and len(year_text) == 4):
        raise ReportError(f"{text!r} is not a term such as autumn-2026, spring-2027, summer-2027")
    year = int(year_text)
    inside = {
        "autumn": date(year, 9, 1),
        "spring": date(year, 1, 2),
        "summer": easter(year) + timedelta(days=1),
    }[name]
    term = rules.term_of(inside)
    return term.start, term.usual_end


def term_containing(on: date) -> tuple[date, date]:
    term = rules.term_of(on)
    return term.start, term.usual_end


def half_term_containing(school_days: Sequence[date], on: date) -> tuple[date, date] | None:
    """The (approximate) half-term holding ``on``, as its first and last school days on
    record up to ``on`` (:func:`triage.casework.chronology.half_terms`); None when ``on`` is
    before every school day."""
    halves = half_terms([], school_days, None, on)
    return (halves[-1].start, halves[-1].end) if halves else None


def half_term_before(school_days: Sequence[date], start: date) -> tuple[date, date] | None:
    """The half-term before the one starting on ``start`` (None when the data has none)."""
    earlier = [d for d in school_days if d < start]
    if not earlier:
        return None
    return half_term_containing(earlier, earlier[-1])


def week_of(on: date) -> tuple[date, date]:
    """Monday to Friday of the week holding ``on``."""
    monday = on - timedelta(days=on.weekday())
    return monday, monday + timedelta(days=4)


def same_period_last_year(start: date, end: date) -> tuple[date, date]:
    """The same weekdays 52 weeks before (a Monday stays a Monday)."""
    back = timedelta(weeks=52)
    return start - back, end - back
