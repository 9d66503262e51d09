"""The targeting support meeting (``triage report tsm --term autumn-2026``), and recording
what it agreed back into each case (``triage report tsm-record FILE.csv``).

Working together to improve school attendance (DfE, 2024): the local authority holds a
termly targeting support meeting with each school to go through the pupils who are
persistently or severely absent, or at risk of becoming so, and agree a joint plan and who
leads it. The list: every pupil severely absent (50% or more of the term's possible sessions
missed), then persistently absent (10% or more), then at risk: attendance within
:data:`AT_RISK_POINTS` points above 90%, or falling fastest (the last
:data:`RECENT_WEEKS` weeks at least :data:`FALLING_POINTS` points below the weeks before).
Each with the stage, the barriers recorded at meetings, the open actions and who holds them,
and empty columns for what the meeting agrees.

The CSV, its ``agreed`` column filled in (and ``agreed_action``, ``lead``, ``due`` where the
meeting set them), comes back through :func:`record_agreed`: every row is checked first,
and any wrong row refuses the whole file (file and line for each problem); otherwise each
agreement becomes a note on the pupil's case (and an open action of the kind named), all in
one transaction with its audit events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from triage import settings
from triage.casework.cases import (
    ACTION_KINDS,
    ENFORCE_KINDS,
    _write_action,
)
from triage.dates import DateError, dmy, local_stamp, parse_date
from triage.imports.csvfile import ImportFileError, match_headers, read_csv, repeated_headers
from triage.model import Pupil
from triage.officers import require_writer
from triage.reports.cohorts import year_label
from triage.reports.document import (
    Column,
    References,
    ReportDoc,
    ReportError,
    Section,
    attendance_of,
    summary_of,
)
from triage.sanitise import printable
from triage.store import Store
from triage.store.logbook import insert_note
from triage.store.report_figures import NO_COUNTS, actions_of_pupils, counts_by_pupil

AT_RISK_POINTS = 5.0  # attendance from 90% to under 95%: "within 5 points above 90%"
RECENT_WEEKS = 4
FALLING_POINTS = 5.0
FALLING_SHOWN = 10  # the fastest fallers listed (beyond those already at risk)
GROUPS = ("severe", "persistent", "at_risk")
GROUP_LABELS = {"severe": "SA", "persistent": "PA", "at_risk": "At risk"}
GROUP_TITLES = {
    "severe": "Severe absence (SA: 50%+ missed)",
    "persistent": "Persistent absence (PA: 10%+ missed)",
    "at_risk": "At risk (90% to 95%, or falling fastest)",
}
# What a meeting may record against a case from the file: not the Enforce actions (a lead's,
# each with its own checks), nor those that need more than a line (barriers, a Notice to
# Improve's period): those are recorded on the case screen.
RECORDABLE_KINDS = {
    k: v
    for k, v in ACTION_KINDS.items()
    if k not in ENFORCE_KINDS and k not in ("meeting_held", "notice_to_improve")
}


@dataclass(frozen=True)
class TsmPupil:
    pupil: Pupil
    group: str  # severe, persistent, at_risk
    why: str  # "87.5%", "falling: 96.0% -> 82.0%"
    term_pct: float | None
    stage: str
    barriers: tuple[str, ...]
    actions: tuple[str, ...]  # "Early Help referral (open, 12/10/2026)"
    holders: tuple[str, ...]  # officers who recorded the open actions


@dataclass(frozen=True)
class TsmReport:
    school: str
    start: date
    end: date
    pupils: list[TsmPupil]


def tsm_report(store: Store, start: date, end: date) -> TsmReport:
    """The meeting's list over ``start <= date <= end`` (the term, up to the last marks)."""
    days = [d for d in store.school_days() if start <= d <= end]
    if not days:
        raise ReportError(f"no marks from {start:%d/%m/%Y} to {end:%d/%m/%Y}")
    end = min(end, days[-1])
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    recent_start = weeks[-RECENT_WEEKS] if len(weeks) > RECENT_WEEKS else None
    if recent_start is None:
        earlier, recent = counts_by_pupil(store, start, end), {}
    else:
        earlier = counts_by_pupil(store, start, recent_start - timedelta(days=1))
        recent = counts_by_pupil(store, recent_start, end)
    pupils = {p.id: p for p in store.pupils() if p.on_roll(end)}
    chosen: dict[int, tuple[str, str]] = {}
    falling: list[tuple[float, int, str]] = []
    for pid in pupils:
        before, lately = earlier.get(pid, NO_COUNTS), recent.get(pid, NO_COUNTS)
        term = before + lately
        summary = summary_of(term)
        pct = attendance_of(term)
        if pct is None:
            continue
        if summary.severe_absence:
            chosen[pid] = ("severe", f"{pct:.1f}%")
        elif summary.persistent_absence:
            chosen[pid] = ("persistent", f"{pct:.1f}%")
        elif pct <= 90 + AT_RISK_POINTS:
            chosen[pid] = ("at_risk", f"{pct:.1f}%, within {AT_RISK_POINTS:g} points of 90%")
        else:
            b, a = attendance_of(before), attendance_of(lately)
            if b is not None and a is not None and b - a >= FALLING_POINTS:
                falling.append((b - a, pid, f"falling: {b:.1f}% → {a:.1f}%"))
    falling.sort(key=lambda f: (-f[0], f[1]))
    for _drop, pid, why in falling[:FALLING_SHOWN]:
        chosen[pid] = ("at_risk", why)
    stage_names = settings.stage_names(store)
    barriers: dict[int, list[str]] = {}
    actions: dict[int, list[str]] = {}
    holders: dict[int, list[str]] = {}
    for row in actions_of_pupils(store, list(chosen)):
        detail = json.loads(row.detail) if row.detail else {}
        for barrier in detail.get("barriers", ()):
            if barrier not in barriers.setdefault(row.pupil_id, []):
                barriers[row.pupil_id].append(barrier)
        if row.status in (None, "open", "issued"):
            label = ACTION_KINDS[row.kind].label if row.kind in ACTION_KINDS else row.kind
            state = f"{row.status}, " if row.status else ""
            actions.setdefault(row.pupil_id, []).append(
                f"{label} ({state}{date.fromisoformat(row.date):%d/%m/%Y})"
            )
            if row.officer not in holders.setdefault(row.pupil_id, []):
                holders[row.pupil_id].append(row.officer)
    listed = []
    for pid, (group, why) in chosen.items():
        p = pupils[pid]
        listed.append(
            TsmPupil(
                p,
                group,
                why,
                attendance_of(earlier.get(pid, NO_COUNTS) + recent.get(pid, NO_COUNTS)),
                stage_names.get(p.stage, p.stage),
                tuple(barriers.get(pid, ())),
                tuple(actions.get(pid, ())),
                tuple(holders.get(pid, ())),
            )
        )
    listed.sort(
        key=lambda t: (
            GROUPS.index(t.group),
            t.term_pct if t.term_pct is not None else 0.0,
            t.pupil.legal_surname,
        )
    )
    return TsmReport(settings.get(store, "school_name"), start, end, listed)


AGREED_COLUMNS = (
    Column("agreed", "Agreed"),
    Column("agreed_action", "Agreed action"),
    Column("lead", "Lead"),
    Column("due", "Due"),
)


def document(report: TsmReport, names: bool = True) -> ReportDoc:
    refs = References()
    who = (Column("pupil", "Pupil"), Column("upn", "UPN")) if names else (Column("pupil", "Pupil"),)
    columns = (
        Column("group", "Group"),
        *who,
        Column("year", "Year"),
        Column("term_pct", "Term %", True),
        Column("why", "Why listed"),
        Column("stage", "Stage"),
        Column("barriers", "Barriers"),
        Column("actions", "Open actions"),
        Column("held_by", "Held by"),
        *AGREED_COLUMNS,
    )
    rows = []
    for t in report.pupils:
        person = (t.pupil.display_name, t.pupil.upn) if names else (refs(t.pupil.id),)
        rows.append(
            (
                GROUP_LABELS[t.group],
                *person,
                year_label(t.pupil.year_group),
                t.term_pct,
                t.why,
                t.stage,
                "; ".join(t.barriers),
                "; ".join(t.actions),
                ", ".join(t.holders) if names else str(len(t.holders)),
                "",
                "",
                "",
                "",
            )
        )
    counts = {g: sum(1 for t in report.pupils if t.group == g) for g in GROUPS}
    note = (
        "Fill in Agreed (and Agreed action, Lead, Due where set) and record it back with "
        "'triage report tsm-record FILE.csv'. Agreed actions: " + ", ".join(RECORDABLE_KINDS) + "."
    )
    if not names:
        note = "Without names this list cannot be recorded back."
    return ReportDoc(
        "tsm",
        f"{report.school}: targeting support meeting, "
        f"{report.start:%d/%m/%Y} to {report.end:%d/%m/%Y}",
        report.school,
        report.start,
        report.end,
        names,
        [Section("pupils", "Pupils for discussion", columns, rows, note=note)],
        [(GROUP_TITLES[g], str(counts[g])) for g in GROUPS],
    )


# --- recording what the meeting agreed ---------------------------------------------------------

_HEADERS = {
    "upn": ("upn",),
    "agreed": ("agreed",),
    "agreed_action": ("agreedaction",),
    "lead": ("lead",),
    "due": ("due",),
}


@dataclass(frozen=True)
class Agreement:
    line: int
    pupil: Pupil
    text: str
    kind: str | None
    lead: str
    due: date | None


def _kind_of(text: str) -> str | None:
    word = text.strip().lower()
    if not word:
        return None
    for key, kind in RECORDABLE_KINDS.items():
        if word in (key, key.replace("_", " "), kind.label.lower()):
            return key
    raise ValueError(
        f"agreed action {text.strip()!r} is not one of: " + ", ".join(RECORDABLE_KINDS)
    )


def read_agreements(store: Store, path: Path, meeting: date) -> list[Agreement]:
    """Every filled-in row of the file, checked. Raises :class:`ImportFileError` naming the
    file and each wrong line; rows with no ``agreed`` text are passed over."""
    table = read_csv(path)
    problems: list[tuple[int | None, str]] = []
    for header, cols in repeated_headers(table.headers, _HEADERS):
        problems.append((1, f"column {header!r} appears more than once (columns {cols})"))
    columns = match_headers(table.headers, _HEADERS)
    for needed in ("upn", "agreed"):
        if needed not in columns:
            problems.append((1, f"no {needed!r} column (is this a tsm report with names?)"))
    if problems:
        raise ImportFileError(path, problems)
    agreements = []

    def cell(row: list[str], key: str) -> str:
        i = columns.get(key)
        return printable(row[i]).strip() if i is not None and i < len(row) else ""

    for line, row in table.numbered_rows():
        text = cell(row, "agreed")
        if not text:
            continue
        upn = cell(row, "upn")
        pupil = store.pupil_by_upn(upn) if upn else None
        if pupil is None:
            problems.append((line, f"no pupil with UPN {upn!r}" if upn else "no UPN"))
            continue
        try:
            kind = _kind_of(cell(row, "agreed_action"))
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        due_text = cell(row, "due")
        due = None
        if due_text:
            try:
                due = parse_date(due_text)
            except DateError as exc:
                problems.append((line, f"due: {exc}"))
                continue
            if due < meeting:
                problems.append((line, f"due {dmy(due)} is before the meeting ({dmy(meeting)})"))
                continue
        agreements.append(Agreement(line, pupil, text, kind, cell(row, "lead"), due))
    if problems:
        raise ImportFileError(path, problems)
    if not agreements:
        raise ImportFileError(path, [(None, "no row has its 'agreed' column filled in")])
    return agreements


@dataclass(frozen=True)
class Recorded:
    notes: int
    actions: int
    pupils: int


def record_agreed(store: Store, path: Path, meeting: date) -> Recorded:
    """Record the meeting's agreements from the filled-in CSV: a note on each case ("Targeting
    support meeting 04/12/2026 agreed: … Lead: …") and, where an action was agreed, an open
    action of that kind with its due date. All or nothing, in one transaction."""
    agreements = read_agreements(store, path, meeting)
    stamp = local_stamp()
    actions = 0
    with store.transaction():
        require_writer(store)
        store.audit(
            "tsm-record",
            "file",
            path.name,
            {"meeting": meeting.isoformat(), "rows": [a.line for a in agreements]},
        )
        for a in agreements:
            lead = f" Lead: {a.lead}." if a.lead else ""
            agreed = a.text.rstrip(".")
            text = f"Targeting support meeting {dmy(meeting)} agreed: {agreed}.{lead}"
            event_id = store.audit("note", "pupil", a.pupil.id, {"text": text})
            insert_note(store, event_id, a.pupil.id, stamp, text)
            if a.kind is not None:
                _write_action(
                    store,
                    a.pupil.id,
                    a.kind,
                    meeting,
                    note=f"{a.text}{lead}",
                    due_date=a.due,
                    status="open",
                    detail={"source": "targeting support meeting", "lead": a.lead}
                    if a.lead
                    else {"source": "targeting support meeting"},
                    stamp=stamp,
                )
                actions += 1
    return Recorded(len(agreements), actions, len({a.pupil.id for a in agreements}))
