"""Cohorts, for governors (``triage report cohorts --from D --to D``): the whole school, each
year group, each registration group and each flag the roster carries, with attendance,
authorised and unauthorised absence, persistent and severe absence (count and %), late
arrivals and the average minutes late, and the change against the previous half-term and
the same period last year when the data holds them. The national and local-authority
figures the school enters (settings ``compare_*``) are shown beside.

Working together to improve school attendance (DfE, 2024): governors review attendance
regularly, by group (SEN, free school meals, social worker, looked after) against national
figures. Every rate is the DfE's (see :class:`triage.reports.document.GroupFigures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage import settings
from triage.model import Pupil
from triage.reports.document import (
    Column,
    GroupFigures,
    ReportDoc,
    ReportError,
    Section,
    group_figures,
    half_term_before,
    half_term_containing,
    same_period_last_year,
)
from triage.store import Store
from triage.store.report_figures import PupilCounts, counts_by_pupil
from triage.store.schema import PUPIL_FLAGS

FLAG_LABELS = {
    "social_worker": "Social worker",
    "child_protection": "Child protection plan",
    "looked_after": "Looked after",
    "sen_support": "SEN support",
    "ehc_plan": "EHC plan",
    "free_school_meals": "Free school meals",
    "young_carer": "Young carer",
}
assert set(FLAG_LABELS) == set(PUPIL_FLAGS)

COMPARISONS = (
    ("compare_national_attendance", "National attendance %"),
    ("compare_national_persistent", "National persistent absence %"),
    ("compare_la_attendance", "Local authority attendance %"),
    ("compare_la_persistent", "Local authority persistent absence %"),
)


def year_label(year: int | None) -> str:
    if year is None:
        return "Year not given"
    return {0: "Reception", -1: "Nursery 2", -2: "Nursery 1"}.get(year, f"Year {year}")


@dataclass(frozen=True)
class Cohort:
    kind: str  # school, year, reg_group, flag
    name: str
    now: GroupFigures
    previous_half_term: GroupFigures | None
    last_year: GroupFigures | None


@dataclass(frozen=True)
class CohortsReport:
    school: str
    start: date
    end: date
    previous_half_term: tuple[date, date] | None
    last_year: tuple[date, date] | None
    cohorts: list[Cohort]
    comparisons: list[tuple[str, float]]  # (label, the school's entered figure)


Group = tuple[str, str]  # (kind, name): ("year", "Year 9")


def _groups_of(pupil: Pupil) -> list[Group]:
    """The cohorts a pupil belongs to."""
    groups = [("school", "Whole school"), ("year", year_label(pupil.year_group))]
    if pupil.reg_group:
        groups.append(("reg_group", pupil.reg_group))
    groups += [("flag", FLAG_LABELS[f]) for f in PUPIL_FLAGS if getattr(pupil, f)]
    return groups


def _group_order(pupils: list[Pupil]) -> list[Group]:
    """School, years (lowest first), reg groups (by year, then name: 7RA before 10RA),
    flags (in the roster's order)."""
    years = sorted({p.year_group for p in pupils}, key=lambda y: (y is None, y or 0))
    year_of_reg: dict[str, int] = {}
    for p in pupils:
        if p.reg_group:
            year_of_reg[p.reg_group] = min(year_of_reg.get(p.reg_group, 99), p.year_group or 0)
    return [
        ("school", "Whole school"),
        *(("year", year_label(y)) for y in years),
        *(("reg_group", r) for r in sorted(year_of_reg, key=lambda r: (year_of_reg[r], r))),
        *(("flag", FLAG_LABELS[f]) for f in PUPIL_FLAGS),
    ]


def _figures(
    groups: dict[int, list[Group]], counts: dict[int, PupilCounts] | None
) -> dict[Group, GroupFigures]:
    """Each cohort's figures: every pupil's counts go once into each of its groups."""
    if counts is None:
        return {}
    members: dict[Group, list[PupilCounts]] = {}
    for pid, pupil_counts in counts.items():
        for group in groups.get(pid, ()):
            members.setdefault(group, []).append(pupil_counts)
    figures = {group: group_figures(m) for group, m in members.items()}
    return {group: f for group, f in figures.items() if f.pupils}


def cohorts_report(store: Store, start: date, end: date) -> CohortsReport:
    """The cohorts over ``start <= date <= end``. Three aggregates over the marks at most
    (this period, the half-term before, the same weeks last year); the rest is per pupil."""
    if start > end:
        raise ReportError("the start of the period is after its end")
    days = store.school_days()
    if not any(start <= d <= end for d in days):
        raise ReportError(f"no marks from {start:%d/%m/%Y} to {end:%d/%m/%Y}")
    pupils = store.pupils()
    now = counts_by_pupil(store, start, end)
    current = half_term_containing(days, start)
    before = half_term_before(days, current[0]) if current else None
    before_counts = counts_by_pupil(store, *before) if before else None
    last_year = same_period_last_year(start, end)
    held = any(last_year[0] <= d <= last_year[1] for d in days)
    last_counts = counts_by_pupil(store, *last_year) if held else None
    groups = {p.id: _groups_of(p) for p in pupils}
    figures = _figures(groups, now)
    before_figures = _figures(groups, before_counts)
    last_figures = _figures(groups, last_counts)
    cohorts = [
        Cohort(kind, name, figures[group], before_figures.get(group), last_figures.get(group))
        for group in _group_order(pupils)
        if group in figures
        for kind, name in (group,)
    ]
    comparisons = []
    for key, label in COMPARISONS:
        value = settings.get(store, key)
        if value:
            comparisons.append((label, float(value)))
    return CohortsReport(
        settings.get(store, "school_name"),
        start,
        end,
        before,
        last_year if held else None,
        cohorts,
        comparisons,
    )


def _change(now: float | None, then: GroupFigures | None) -> float | None:
    if now is None or then is None or then.attendance is None:
        return None
    return round(now - then.attendance, 1)


COHORT_COLUMNS = (
    Column("group_kind", "Kind"),
    Column("group", "Group"),
    Column("pupils", "Pupils", True),
    Column("attendance_pct", "Att %", True),
    Column("authorised_pct", "Auth abs %", True),
    Column("unauthorised_pct", "Unauth abs %", True),
    Column("persistent", "PA", True),
    Column("persistent_pct", "PA %", True),
    Column("severe", "SA", True),
    Column("severe_pct", "SA %", True),
    Column("late_l", "Late L", True),
    Column("late_u", "Late U", True),
    Column("average_minutes_late", "Avg min late", True),
    Column("change_vs_previous_half_term", "± prev half-term", True),
    Column("change_vs_last_year", "± last year", True),
)
KIND_LABELS = {"school": "School", "year": "Year", "reg_group": "Reg group", "flag": "Flag"}


def document(report: CohortsReport, names: bool = True) -> ReportDoc:
    """The cohorts as a :class:`ReportDoc` (the report names no pupil: ``names`` changes
    nothing but the marking)."""
    rows = []
    for c in report.cohorts:
        f = c.now
        rows.append(
            (
                KIND_LABELS[c.kind],
                c.name,
                f.pupils,
                f.attendance,
                f.authorised,
                f.unauthorised,
                f.persistent,
                f.persistent_pct,
                f.severe,
                f.severe_pct,
                f.sessions.late_before_close,
                f.sessions.late_after_close,
                f.average_minutes_late,
                _change(f.attendance, c.previous_half_term),
                _change(f.attendance, c.last_year),
            )
        )
    facts = [("Period", f"{report.start:%d/%m/%Y} to {report.end:%d/%m/%Y}")]
    if report.previous_half_term:
        a, b = report.previous_half_term
        facts.append(("Previous half-term", f"{a:%d/%m/%Y} to {b:%d/%m/%Y}"))
    else:
        facts.append(("Previous half-term", "not in the data"))
    if report.last_year:
        a, b = report.last_year
        facts.append(("Same period last year", f"{a:%d/%m/%Y} to {b:%d/%m/%Y}"))
    else:
        facts.append(("Same period last year", "not in the data"))
    facts += [(label, f"{value:.1f}%") for label, value in report.comparisons]
    chart = [(c.name, c.now.attendance) for c in report.cohorts if c.kind in ("school", "year")]
    section = Section(
        "cohorts",
        "Attendance by group",
        COHORT_COLUMNS,
        rows,
        note=(
            "Rates over possible sessions; PA: persistent absence (10% or more missed), "
            "SA: severe (50% or more); ± in percentage points of attendance."
        ),
        chart=chart,
        chart_label="Attendance % by year group",
    )
    return ReportDoc(
        "cohorts",
        f"{report.school}: attendance by group",
        report.school,
        report.start,
        report.end,
        names,
        [section],
        facts,
    )
