"""Lateness (``triage report lateness``): the pupils late most often this half-term, with
how late (the minutes the MIS export gives, where it gives them) and in which session.

A pupil who arrives before the register closes is marked ``L`` (present); after it closes,
``U`` (an unauthorised absence: it counts towards persistent absence and the penalty-notice
threshold). Both are late arrivals here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage import settings
from triage.model import Pupil
from triage.reports.cohorts import year_label
from triage.reports.document import Column, References, ReportDoc, ReportError, Section
from triage.store import Store
from triage.store.report_figures import PupilCounts, counts_by_pupil

SHOWN = 30  # the pupils listed, most often late first


@dataclass(frozen=True)
class LatePupil:
    pupil: Pupil
    counts: PupilCounts

    @property
    def average_minutes(self) -> float | None:
        c = self.counts
        return None if not c.marks_with_minutes else round(c.minutes_late / c.marks_with_minutes, 1)


@dataclass(frozen=True)
class LatenessReport:
    school: str
    start: date
    end: date
    pupils_late: int  # pupils late at least once
    late_before_close: int
    late_after_close: int
    late_am: int
    late_pm: int
    pupils: list[LatePupil]  # the SHOWN most often late


def lateness_report(store: Store, start: date, end: date, limit: int = SHOWN) -> LatenessReport:
    if not any(start <= d <= end for d in store.school_days()):
        raise ReportError(f"no marks from {start:%d/%m/%Y} to {end:%d/%m/%Y}")
    counts = {pid: c for pid, c in counts_by_pupil(store, start, end).items() if c.lates}
    pupils = {p.id: p for p in store.pupils(list(counts))} if counts else {}
    ranked = sorted(
        (LatePupil(pupils[pid], c) for pid, c in counts.items()),
        key=lambda lp: (-lp.counts.lates, -lp.counts.minutes_late, lp.pupil.legal_surname),
    )
    total = list(counts.values())
    return LatenessReport(
        settings.get(store, "school_name"),
        start,
        end,
        len(total),
        sum(c.late_before_close for c in total),
        sum(c.late_after_close for c in total),
        sum(c.late_am for c in total),
        sum(c.late_pm for c in total),
        ranked[:limit],
    )


def document(report: LatenessReport, names: bool = True) -> ReportDoc:
    refs = References()
    who = (Column("pupil", "Pupil"), Column("upn", "UPN")) if names else (Column("pupil", "Pupil"),)
    rows = []
    for lp in report.pupils:
        c = lp.counts
        person = (lp.pupil.display_name, lp.pupil.upn) if names else (refs(lp.pupil.id),)
        rows.append(
            (
                *person,
                year_label(lp.pupil.year_group),
                lp.pupil.reg_group or "",
                c.lates,
                c.late_before_close,
                c.late_after_close,
                c.late_am,
                c.late_pm,
                c.minutes_late if c.marks_with_minutes else None,
                lp.average_minutes,
            )
        )
    columns = (
        *who,
        Column("year", "Year"),
        Column("reg_group", "Reg"),
        Column("lates", "Lates", True),
        Column("late_l", "L", True),
        Column("late_u", "U", True),
        Column("late_am", "AM", True),
        Column("late_pm", "PM", True),
        Column("minutes_late", "Minutes", True),
        Column("average_minutes_late", "Avg min", True),
    )
    return ReportDoc(
        "lateness",
        f"{report.school}: lateness, {report.start:%d/%m/%Y} to {report.end:%d/%m/%Y}",
        report.school,
        report.start,
        report.end,
        names,
        [
            Section(
                "pupils",
                "Late most often",
                columns,
                rows,
                note="L: late before the register closed (present); U: after it closed "
                "(unauthorised absence). Minutes where the MIS export gives them.",
            )
        ],
        [
            ("Pupils late at least once", str(report.pupils_late)),
            ("Late before the register closed (L)", str(report.late_before_close)),
            ("Late after it closed (U)", str(report.late_after_close)),
            ("Late in the morning", str(report.late_am)),
            ("Late in the afternoon", str(report.late_pm)),
        ],
    )
