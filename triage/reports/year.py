"""The head of year's week (``triage report year 9 --week-of D``): the week's absences, the
pupils whose attendance this school year fell below 90% this week, the year's pupils on the
caseload (stage, next review, last action), and pupils to celebrate (100% this week; most
improved over the last four weeks against the four before).

Working together to improve school attendance (DfE, 2024): heads of year and pastoral leads
want weekly lists of their pupils. 90% is the line of persistent absence (10% missed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from triage import rules, settings
from triage.casework.cases import ACTION_KINDS, EXPECT, next_reviews
from triage.model import Pupil
from triage.reports.cohorts import year_label
from triage.reports.document import (
    Column,
    References,
    ReportDoc,
    ReportError,
    Section,
    attendance_of,
    summary_of,
    week_of,
)
from triage.store import Store
from triage.store.report_figures import (
    NO_COUNTS,
    PupilCounts,
    absences_between,
    actions_of_pupils,
    counts_by_pupil,
)

IMPROVEMENT_WEEKS = 4
MOST_IMPROVED = 5  # how many are named


@dataclass(frozen=True)
class Absentee:
    pupil: Pupil
    sessions: int
    codes: str  # "N 2, I 1"
    week_pct: float | None


@dataclass(frozen=True)
class Fallen:
    pupil: Pupil
    before: float | None  # this school year, to the end of last week
    after: float | None  # to the end of this week
    week_pct: float | None


@dataclass(frozen=True)
class OnCaseload:
    pupil: Pupil
    stage: str  # the school's name for it
    next_review: date | None
    last_action: str | None  # "Letter sent home, 12/11/2026"
    year_pct: float | None


@dataclass(frozen=True)
class Improved:
    pupil: Pupil
    before: float
    after: float


@dataclass(frozen=True)
class YearReport:
    school: str
    year_group: int
    start: date
    end: date
    absences: list[Absentee]
    fell_below: list[Fallen]
    caseload: list[OnCaseload]
    full_attendance: list[Pupil]
    most_improved: list[Improved]


def year_report(store: Store, year_group: int, week_of_day: date) -> YearReport:
    start, end = week_of(week_of_day)
    pupils = {p.id: p for p in store.pupils() if p.year_group == year_group and p.on_roll(start)}
    if not pupils:
        raise ReportError(f"no pupil on roll in {year_label(year_group).lower()}")
    days = store.school_days()
    if not any(start <= d <= end for d in days):
        raise ReportError(f"no marks in the week of {start:%d/%m/%Y}")
    year_start = rules.school_year_start(start)
    week = counts_by_pupil(store, start, end, year_group=year_group)
    before_week = (
        counts_by_pupil(store, year_start, start - timedelta(days=1), year_group=year_group)
        if year_start < start
        else {}
    )
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days if d <= end})
    improved: list[Improved] = []
    if len(weeks) >= 2 * IMPROVEMENT_WEEKS:
        recent_start, prior_start = weeks[-IMPROVEMENT_WEEKS], weeks[-2 * IMPROVEMENT_WEEKS]
        recent = counts_by_pupil(store, recent_start, end, year_group=year_group)
        prior = counts_by_pupil(
            store, prior_start, recent_start - timedelta(days=1), year_group=year_group
        )
        for pid, pupil in pupils.items():
            b, a = attendance_of(prior.get(pid)), attendance_of(recent.get(pid))
            if b is not None and a is not None and a > b:
                improved.append(Improved(pupil, b, a))
        improved.sort(key=lambda i: (-(i.after - i.before), i.pupil.legal_surname))

    absent_codes: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for mark in absences_between(store, start, end, year_group=year_group):
        absent_codes[mark.pupil_id][mark.code] += 1
    absences = [
        Absentee(
            pupils[pid],
            sum(codes.values()),
            ", ".join(f"{c} {n}" for c, n in sorted(codes.items())),
            attendance_of(week.get(pid)),
        )
        for pid, codes in absent_codes.items()
        if pid in pupils
    ]
    fell = []
    for pid, pupil in pupils.items():
        earlier = before_week.get(pid, NO_COUNTS)
        total: PupilCounts = earlier + week.get(pid, NO_COUNTS)
        if summary_of(total).persistent_absence and not summary_of(earlier).persistent_absence:
            fell.append(
                Fallen(
                    pupil,
                    attendance_of(earlier),
                    attendance_of(total),
                    attendance_of(week.get(pid)),
                )
            )
    on_caseload = [p for p in pupils.values() if p.stage != EXPECT]
    caseload = []
    if on_caseload:
        ids = [p.id for p in on_caseload]
        reviews = next_reviews(store, ids)
        last: dict[int, str] = {}
        for row in actions_of_pupils(store, ids):
            if row.pupil_id not in last:
                label = ACTION_KINDS[row.kind].label if row.kind in ACTION_KINDS else row.kind
                last[row.pupil_id] = f"{label}, {date.fromisoformat(row.date):%d/%m/%Y}"
        names = settings.stage_names(store)
        for p in on_caseload:
            total = before_week.get(p.id, NO_COUNTS) + week.get(p.id, NO_COUNTS)
            caseload.append(
                OnCaseload(
                    p,
                    names.get(p.stage, p.stage),
                    reviews.get(p.id),
                    last.get(p.id),
                    attendance_of(total),
                )
            )
    full = [
        pupils[pid]
        for pid, c in week.items()
        if pid in pupils and c.possible > 0 and c.attending == c.possible
    ]
    by_name = lambda p: (p.legal_surname, p.forename, p.upn)  # noqa: E731
    return YearReport(
        settings.get(store, "school_name"),
        year_group,
        start,
        end,
        sorted(absences, key=lambda a: (-a.sessions, by_name(a.pupil))),
        sorted(fell, key=lambda f: by_name(f.pupil)),
        sorted(caseload, key=lambda c: by_name(c.pupil)),
        sorted(full, key=by_name),
        improved[:MOST_IMPROVED],
    )


def _who(pupil: Pupil, names: bool, refs: References) -> tuple[str, str]:
    if names:
        return pupil.display_name, pupil.upn
    return refs(pupil.id), ""


PUPIL = (Column("pupil", "Pupil"), Column("upn", "UPN"), Column("reg_group", "Reg"))


def _pupil_columns(names: bool) -> tuple[Column, ...]:
    return PUPIL if names else (Column("pupil", "Pupil"), Column("reg_group", "Reg"))


def _pupil_cells(pupil: Pupil, names: bool, refs: References) -> tuple[str, ...]:
    name, upn = _who(pupil, names, refs)
    reg = pupil.reg_group or ""
    return (name, upn, reg) if names else (name, reg)


def document(report: YearReport, names: bool = True) -> ReportDoc:
    refs = References()
    cols = _pupil_columns(names)

    def cells(p: Pupil) -> tuple[str, ...]:
        return _pupil_cells(p, names, refs)

    sections = [
        Section(
            "absences",
            "This week's absences",
            (
                *cols,
                Column("sessions_missed", "Sessions missed", True),
                Column("codes", "Codes"),
                Column("week_pct", "Week %", True),
            ),
            [(*cells(a.pupil), a.sessions, a.codes, a.week_pct) for a in report.absences],
        ),
        Section(
            "fell_below_90",
            "Fell below 90% this week (this school year)",
            (
                *cols,
                Column("before_pct", "Before %", True),
                Column("now_pct", "Now %", True),
                Column("week_pct", "Week %", True),
            ),
            [(*cells(f.pupil), f.before, f.after, f.week_pct) for f in report.fell_below],
        ),
        Section(
            "caseload",
            "On the caseload",
            (
                *cols,
                Column("stage", "Stage"),
                Column("next_review", "Next review"),
                Column("last_action", "Last action"),
                Column("year_pct", "Year %", True),
            ),
            [
                (
                    *cells(c.pupil),
                    c.stage,
                    f"{c.next_review:%d/%m/%Y}" if c.next_review else None,
                    c.last_action,
                    c.year_pct,
                )
                for c in report.caseload
            ],
        ),
        Section(
            "full_attendance",
            "Celebrate: 100% this week",
            cols,
            [cells(p) for p in report.full_attendance],
        ),
        Section(
            "most_improved",
            f"Celebrate: most improved over {IMPROVEMENT_WEEKS} weeks",
            (*cols, Column("before_pct", "Before %", True), Column("after_pct", "After %", True)),
            [(*cells(i.pupil), i.before, i.after) for i in report.most_improved],
        ),
    ]
    label = year_label(report.year_group)
    return ReportDoc(
        "year",
        f"{report.school}: {label}, week of {report.start:%d %B %Y}",
        report.school,
        report.start,
        report.end,
        names,
        sections,
        [
            ("Year group", label),
            ("Week", f"{report.start:%d/%m/%Y} to {report.end:%d/%m/%Y}"),
            ("Pupils absent this week", str(len(report.absences))),
        ],
    )
