"""The record of one pupil's case: what the case screen and ``triage case`` show now
(:func:`load_case`), and the chronology a school sends with a referral to the local
authority's legal or attendance team (:func:`build_chronology`, :func:`render`).

Nothing here is a rule of its own: the figures come from :mod:`triage.rules`, the stage,
actions, timeline, patterns, register grid and suggested stage from :mod:`triage.casework.cases`,
and the alerts from :mod:`triage.casework.alerts`. This module gathers them for one pupil.

The chronology
--------------
One dated, factual record, **newest last**: the pupil's attendance figures by half-term,
then every contact attempt, mark recoded, note, meeting, letter, support action, stage
change and notice (and each change of a notice's status), in date order. An action is
dated by the day it happened (``Action.on``), everything else by when it was recorded.
Alert acknowledgements are left out: they are the office's housekeeping, not facts of the
case. ``since`` (``--from``) leaves out figures and entries before that day.

**Half-terms are approximate**, until term dates become a setting. Terms follow
:func:`triage.rules.term_start` (autumn from 1 September, spring from 1 January, summer
from Easter Monday). Each term is split in two at its half-term break, found in the
register: the longest gap of **3 or more weekdays** between two consecutive school days of
the term (a bank holiday or an INSET day is shorter; a half-term week is 5), taking the one
nearest the middle of the term when there are several. When the register shows no such
gap (the term has not reached its break, or the marks start after it), the term is split
at its calendar midpoint (autumn: 1 September to 31 December; spring: 1 January to Easter
Sunday; summer: Easter Monday to 31 July). Each half-term's figures run from its first to
its last school day on record.

Markdown escapes every value taken from the database (backslashes, so a name cannot
format the record or smuggle in HTML when the file is rendered); HTML is a self-contained
printable page with every value HTML-escaped.
"""

from __future__ import annotations

import html
import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from triage import rules, settings
from triage.casework import alerts, cases, roll
from triage.casework.alerts import Alert
from triage.casework.cases import Action, Patterns, Suggestion, TimelineEntry
from triage.casework.leave import LeaveRequest, leave_requests
from triage.casework.leave import as_record as leave_record
from triage.casework.professionals import professionals_for
from triage.casework.timetables import Timetable, timetables_of
from triage.casework.timetables import as_record as timetable_record
from triage.codes import UNAUTHORISED_CODES
from triage.dates import dmy, local_now
from triage.model import AttendanceSummary, Contact, Mark, Professional, Pupil, year_label
from triage.morning.queue import FLAG_LABELS
from triage.render.html import html_page
from triage.store import Store
from triage.store import cases as case_rows

FORMATS = ("markdown", "html")
HALF_TERM_BREAK_WEEKDAYS = 3  # a gap this long (in weekdays) inside a term is its break


class CaseError(ValueError):
    """A case that cannot be shown (an unknown UPN, no marks): one clear line."""


def flags_of(pupil: Pupil) -> list[str]:
    """SW, CP, LAC, EHCP, SEN, YC, FSM, as the queue shows them."""
    return [label for attr, label in FLAG_LABELS if getattr(pupil, attr)]


def find_pupil(store: Store, upn: str) -> Pupil:
    pupil = store.pupil_by_upn(upn)
    if pupil is None:
        raise CaseError(f"there is no pupil with UPN {upn.strip()!r}")
    return pupil


def siblings_of(store: Store, pupil_id: int) -> list[Pupil]:
    """Pupils who share a contact with this one (siblings share contacts: the importer
    keeps one row per contact), in name order."""
    ids = case_rows.sibling_ids(store, pupil_id)
    return store.pupils(ids) if ids else []


# --- the case now ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    """Everything the case screen and ``triage case`` show about one pupil on ``on``."""

    pupil: Pupil
    on: date
    school: str
    stage: str
    stage_since: date | None  # the last stage change; None: never changed
    next_review: date | None
    suggestion: Suggestion | None
    term_start: date
    year_start: date
    term: AttendanceSummary
    year: AttendanceSummary
    rolling_unauthorised: int  # in the rolling 10 school weeks
    consecutive_days: int  # school days of unauthorised absence, ending ``on``
    overdue_n: tuple[Mark, ...]  # N marks older than 5 school days
    latest_n: Mark | None  # the latest mark still N, on or before ``on``
    grid: cases.Grid
    patterns: Patterns  # this term
    contacts: tuple[Contact, ...]  # priority order
    siblings: tuple[Pupil, ...]
    alerts: tuple[Alert, ...]
    actions: tuple[Action, ...]  # newest first
    timeline: tuple[TimelineEntry, ...]  # newest first
    professionals: tuple[Professional, ...] = ()  # social worker, virtual school
    to_do: tuple[cases.StepToDo, ...] = ()  # the calling ladder's steps not done yet, on ``on``
    leave: tuple[LeaveRequest, ...] = ()  # leave requests, the latest leave first
    timetables: tuple[Timetable, ...] = ()  # part-time timetables, the latest first
    deletion: roll.Deletion | None = None  # deleted from the roll in the app
    cme_enquiries: tuple[roll.Enquiry, ...] = ()  # the latest first
    cme_notifications: tuple[roll.CmeNotification, ...] = ()  # the latest first
    stage_names: Mapping[str, str] = field(default_factory=dict)  # DfE -> the school's

    def name_of(self, stage: str) -> str:
        """The school's name for a (DfE) stage."""
        return self.stage_names.get(stage, stage)

    @property
    def stage_name(self) -> str:
        return self.name_of(self.stage)

    @property
    def open_alerts(self) -> tuple[Alert, ...]:
        """Alerts nobody has acknowledged yet."""
        return tuple(a for a in self.alerts if a.acknowledged is None)

    @property
    def school_age_note(self) -> str | None:
        """Why the statutory prompts do not apply (or may be wrong): below or over
        compulsory school age, or no date of birth. None when they plainly apply."""
        return rules.school_age_note(self.pupil.date_of_birth, self.on)

    @property
    def of_compulsory_school_age(self) -> bool:
        return rules.of_compulsory_school_age(self.pupil.date_of_birth, self.on)

    @property
    def days_at_stage(self) -> int | None:
        """Calendar days since the last stage change (None: never changed)."""
        return None if self.stage_since is None else (self.on - self.stage_since).days


def load_case(store: Store, pupil_id: int, on: date, now: datetime | None = None) -> CaseSummary:
    """Read one pupil's case as it stands on ``on`` (a handful of queries); ``now`` (default
    the clock) decides which of the calling ladder's steps are overdue."""
    now = now or local_now()
    found = store.pupils([pupil_id])
    if not found:
        raise CaseError(f"there is no pupil with id {pupil_id}")
    pupil = found[0]
    days = store.school_days()
    marks = store.marks_by_pupil([pupil_id], end=on).get(pupil_id, [])
    term, year = rules.term_start(on), rules.school_year_start(on)
    year_figures = rules.attendance(marks, year, on)
    rolling = rules.rolling_unauthorised_sessions(marks, days, on)
    consecutive = rules.consecutive_unauthorised_days(marks, days, on)
    actions = cases.actions_of(store, pupil_id)
    stage = cases.current_stage(store, pupil_id)
    latest_n = next((m for m in reversed(marks) if m.code == "N"), None)
    return CaseSummary(
        pupil=pupil,
        on=on,
        school=settings.get(store, "school_name"),
        stage=stage,
        stage_since=cases.stage_since(store, pupil_id),
        next_review=cases.next_review(store, pupil_id),
        suggestion=cases.suggest(year_figures, rolling, consecutive, actions, stage),
        term_start=term,
        year_start=year,
        term=rules.attendance(marks, term, on),
        year=year_figures,
        rolling_unauthorised=rolling,
        consecutive_days=consecutive,
        overdue_n=tuple(rules.overdue_n_marks(marks, days, on)),
        latest_n=latest_n,
        grid=cases.register_grid(marks, days, on),
        patterns=cases.patterns(marks, term, on),
        contacts=tuple(store.contacts_by_pupil([pupil_id]).get(pupil_id, [])),
        siblings=tuple(siblings_of(store, pupil_id)),
        alerts=tuple(
            alerts.alerts_for(
                store, on, [pupil_id], school_days=days, marks_by_pupil={pupil_id: marks}
            )
        ),
        actions=tuple(actions),
        timeline=tuple(cases.timeline(store, pupil_id, ladder=True, now=now)),
        professionals=tuple(professionals_for(store, [pupil_id]).get(pupil_id, [])),
        to_do=tuple(cases.ladder_to_do(store, pupil_id, on, now)),
        leave=tuple(leave_requests(store, [pupil_id])),
        timetables=tuple(timetables_of(store, [pupil_id])),
        deletion=roll.deletion_of(store, pupil_id),
        cme_enquiries=tuple(roll.enquiries(store, [pupil_id])),
        cme_notifications=tuple(roll.notifications(store, [pupil_id])),
        stage_names=settings.stage_names(store),
    )


def _figures(summary: AttendanceSummary, start: date) -> dict[str, Any]:
    pct = summary.percent
    return {
        "from": start.isoformat(),
        "possible": summary.possible,
        "present": summary.attending,
        "authorised": summary.authorised,
        "unauthorised": summary.unauthorised,
        "percent": None if pct is None else round(pct, 1),
        "persistent_absence": summary.persistent_absence,
        "severe_absence": summary.severe_absence,
    }


def case_as_dict(case: CaseSummary) -> dict[str, Any]:
    """The stable JSON shape of ``triage case UPN --format json``."""
    p = case.pupil
    pat = case.patterns
    return {
        **p.identity(),
        "flags": flags_of(p),
        "date_left": p.date_left.isoformat() if p.date_left else None,
        "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
        "compulsory_school_age": {
            "of_age": case.of_compulsory_school_age,
            "note": case.school_age_note,
        },
        "date": case.on.isoformat(),
        "stage": {
            "current": case.stage_name,
            "current_dfe": case.stage,  # the DfE stage behind the school's name
            "since": case.stage_since.isoformat() if case.stage_since else None,
            "next_review": case.next_review.isoformat() if case.next_review else None,
            "suggested": case.name_of(case.suggestion.stage) if case.suggestion else None,
            "suggested_dfe": case.suggestion.stage if case.suggestion else None,
            "suggested_because": case.suggestion.reason if case.suggestion else None,
        },
        "attendance": {
            "term": _figures(case.term, case.term_start),
            "year": _figures(case.year, case.year_start),
        },
        "unauthorised_sessions_10_weeks": case.rolling_unauthorised,
        "penalty_notice_threshold": rules.PENALTY_NOTICE_SESSIONS,
        "consecutive_days": case.consecutive_days,
        "missing_education_threshold": rules.MISSING_EDUCATION_DAYS,
        "overdue_n": [{"date": m.date.isoformat(), "session": m.session} for m in case.overdue_n],
        "patterns": {
            "from": case.term_start.isoformat(),
            "by_weekday": dict(zip(cases.WEEKDAYS, pat.by_weekday, strict=True)),
            "by_session": dict(pat.by_session),
            "callout": pat.callout,
        },
        "register": {
            "weeks": [
                {
                    "monday": w.monday.isoformat(),
                    "after_break": w.after_break,
                    "cells": w.text,
                    "codes": [[am.code, pm.code] for am, pm in w.cells],
                }
                for w in case.grid.weeks
            ],
            "legend": dict(case.grid.legend),
        },
        "contacts": [c.as_dict() for c in case.contacts],
        "siblings": [
            {
                "upn": s.upn,
                "name": s.display_name,
                "year": year_label(s.year_group),
                "reg_group": s.reg_group,
                "stage": case.name_of(s.stage),
                "stage_dfe": s.stage,
                "on_roll": s.on_roll(case.on),
            }
            for s in case.siblings
        ],
        "alerts": [alert_as_dict(a) for a in case.alerts],
        "actions": [
            {
                "kind": a.kind,
                "label": a.label,
                "date": a.on.isoformat(),
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "status": a.status,
                "note": a.note,
                "detail": dict(a.detail),
                "officer": a.officer,
                "recorded_at": a.at.isoformat(),
            }
            for a in case.actions
        ],
        "leave_requests": [leave_record(r) for r in case.leave],
        "part_time_timetables": [timetable_record(t) for t in case.timetables],
        "roll_deletion": roll.deletion_record(case.deletion) if case.deletion else None,
        "cme_enquiries": [roll.enquiry_record(e) for e in case.cme_enquiries],
        "cme_notifications": [roll.notification_record(n) for n in case.cme_notifications],
        "timeline": [
            {"at": e.when.isoformat(), "officer": e.officer, "kind": e.kind, "text": e.text}
            for e in case.timeline
        ],
        "ladder_to_do": [
            {"due": t.due.isoformat(), "session": t.session, "step": t.label, "overdue": t.overdue}
            for t in case.to_do
        ],
    }


def alert_as_dict(alert: Alert) -> dict[str, Any]:
    ack = alert.acknowledged
    return {
        "kind": alert.kind,
        "label": alert.label,
        "arose_on": alert.arose_on.isoformat(),
        "message": alert.message,
        "acknowledged_by": ack.officer if ack else None,
        "acknowledged_at": ack.at.isoformat() if ack else None,
    }


# --- the caseload -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    """One pupil on the caseload: above Expect, or with an alert nobody has acknowledged."""

    pupil: Pupil
    stage_since: date | None
    next_review: date | None
    year: AttendanceSummary  # this school year
    rolling_unauthorised: int
    alerts: tuple[Alert, ...]  # every alert in force, acknowledged or not
    suggestion: Suggestion | None

    @property
    def open_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.acknowledged is None)


def load_caseload(store: Store, on: date) -> list[CaseloadRow]:
    """Every pupil on roll on ``on`` who is above Expect or has an open (unacknowledged)
    alert, with the figures the caseload screen sorts and filters by. A fixed number of
    queries, bar one small one per pupil for the date of the last stage change."""
    found = alerts.alerts_for(store, on)
    by_pupil: dict[int, list[alerts.Alert]] = {}
    for alert in found:
        by_pupil.setdefault(alert.pupil_id, []).append(alert)
    chosen = [
        p
        for p in store.pupils()
        if p.on_roll(on)
        and (p.stage != cases.EXPECT or any(a.acknowledged is None for a in by_pupil.get(p.id, ())))
    ]
    if not chosen:
        return []
    ids = [p.id for p in chosen]
    days = store.school_days()
    year_start = rules.school_year_start(on)
    start = min(year_start, rules.rolling_window_start(days, on) or on)
    marks = store.marks_by_pupil(ids, start=start, end=on)
    reviews = cases.next_reviews(store, ids)
    support: dict[int, list[Action]] = {}
    for kind in sorted(cases.SUPPORT_KINDS):
        for action in cases.open_actions(store, kind):
            support.setdefault(action.pupil_id, []).append(action)
    rows = []
    for p in chosen:
        pupil_marks = marks.get(p.id, [])
        year = rules.attendance(pupil_marks, year_start, on)
        rolling = rules.rolling_unauthorised_sessions(pupil_marks, days, on)
        consecutive = rules.consecutive_unauthorised_days(pupil_marks, days, on)
        rows.append(
            CaseloadRow(
                pupil=p,
                stage_since=cases.stage_since(store, p.id) if p.stage != cases.EXPECT else None,
                next_review=reviews.get(p.id),
                year=year,
                rolling_unauthorised=rolling,
                alerts=tuple(by_pupil.get(p.id, ())),
                suggestion=cases.suggest(
                    year, rolling, consecutive, support.get(p.id, []), p.stage
                ),
            )
        )
    return rows


# --- half-terms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HalfTerm:
    label: str  # "Autumn 1, 2026/27"
    start: date  # its first school day on record (or ``since``)
    end: date  # its last
    figures: AttendanceSummary
    unauthorised: tuple[Mark, ...]  # the sessions of unauthorised absence, in date order

    @property
    def unauthorised_codes(self) -> dict[str, int]:
        return dict(sorted(Counter(m.code for m in self.unauthorised).items()))


def _weekdays_between(a: date, b: date) -> int:
    """Weekdays strictly between two dates."""
    return sum(1 for i in range(1, (b - a).days) if (a + timedelta(days=i)).weekday() < 5)


def _split_term(term_start: date, days: Sequence[date]) -> int:
    """Index in ``days`` (the term's school days) where its second half begins."""
    last = rules.term_of(term_start).usual_end
    middle = term_start + (last - term_start) / 2
    gaps = [
        (i + 1, days[i] + (days[i + 1] - days[i]) / 2)
        for i in range(len(days) - 1)
        if _weekdays_between(days[i], days[i + 1]) >= HALF_TERM_BREAK_WEEKDAYS
    ]
    if gaps:
        return min(gaps, key=lambda g: (abs(g[1] - middle), g[0]))[0]
    return bisect_left(days, middle)


def half_terms(
    marks: Sequence[Mark], school_days: Sequence[date], since: date | None, until: date
) -> list[HalfTerm]:
    """The pupil's figures by (approximate) half-term, oldest first, over the school days
    from ``since`` (or the first) to ``until``. See the module's notes on half-terms."""
    lo = 0 if since is None else bisect_left(school_days, since)
    span = list(school_days[lo : bisect_right(school_days, until)])
    by_term: dict[date, list[date]] = {}
    for d in span:
        by_term.setdefault(rules.term_start(d), []).append(d)
    result = []
    for start, days in by_term.items():
        name = rules.term_of(start).name
        year = rules.school_year_start(start).year
        school_year = f"{year}/{(year + 1) % 100:02d}"
        # Split over the whole term's school days, so a --from inside a term does not move
        # the break; then keep the days in range.
        whole = [d for d in school_days if rules.term_start(d) == start and d <= until]
        split = _split_term(start, whole)
        cut = whole[split] if split < len(whole) else None
        halves = (
            [d for d in days if cut is None or d < cut],
            [d for d in days if cut is not None and d >= cut],
        )
        for n, half in enumerate(halves, start=1):
            if not half:
                continue
            first, last = half[0], half[-1]
            result.append(
                HalfTerm(
                    label=f"{name} {n}, {school_year}",
                    start=first,
                    end=last,
                    figures=rules.attendance(marks, first, last),
                    unauthorised=tuple(
                        m for m in marks if first <= m.date <= last and m.code in UNAUTHORISED_CODES
                    ),
                )
            )
    return result


# --- the chronology --------------------------------------------------------------------------

HEADINGS = {
    "attempt": "Contact attempt",
    "recode": "Mark recoded",
    "note": "Note",
    "stage": "Stage of support",
    "leave": "Leave of absence",
    "timetable": "Part-time timetable",
    "status": "Status changed",
}


def _action_heading(kind: str) -> str:
    if kind == "letter_sent":
        return "Letter"
    if kind == "meeting_held":
        return "Meeting"
    if kind == "penalty_notice":
        return "Penalty notice"
    if kind == "notice_to_improve":
        return "Notice to Improve"
    if kind in cases.SUPPORT_KINDS:
        return "Support"
    stage = cases.ACTION_KINDS[kind].stage if kind in cases.ACTION_KINDS else None
    if stage in (cases.FORMALISE, cases.ENFORCE):
        return "Formal action"
    return "Action"


@dataclass(frozen=True)
class ChronologyEntry:
    on: date  # the day it happened
    at: datetime | None  # when it was recorded
    heading: str  # Contact attempt, Meeting, Letter, Support, Stage of support, …
    text: str  # plain text
    officer: str


@dataclass(frozen=True)
class Chronology:
    pupil: Pupil
    school: str
    contacts: tuple[Contact, ...]
    stage: str
    since: date | None
    until: date
    prepared_by: str
    prepared_at: datetime
    half_terms: tuple[HalfTerm, ...]
    entries: tuple[ChronologyEntry, ...]  # oldest first: newest last


def _status_changes(store: Store, pupil_id: int) -> list[ChronologyEntry]:
    """Each change of an action's status (a notice paid, a referral done), from the audit
    trail; changes to actions since undone are left out."""
    live = {a.id: a for a in cases.actions_of(store, pupil_id)}
    found = []
    for at, officer, detail in case_rows.action_status_events(store, pupil_id):
        d = json.loads(detail) if detail else {}
        action_id = d.get("action_id")
        action = live.get(action_id) if isinstance(action_id, int) else None
        if action is None:
            continue
        before = (d.get("before") or {}).get("status") or "none"
        after = (d.get("after") or {}).get("status") or "none"
        moment = datetime.fromisoformat(at).astimezone()
        text = f"{action.label} of {dmy(action.on)}: status {before} → {after}"
        note = (d.get("after") or {}).get("note")
        if note and note != (d.get("before") or {}).get("note"):
            text += f"; {note}"
        found.append(ChronologyEntry(moment.date(), moment, HEADINGS["status"], text, officer))
    return found


def build_chronology(
    store: Store,
    pupil_id: int,
    until: date,
    since: date | None = None,
    *,
    now: datetime | None = None,
) -> Chronology:
    """The chronology of one pupil's case from ``since`` (default: everything) to ``until``."""
    found = store.pupils([pupil_id])
    if not found:
        raise CaseError(f"there is no pupil with id {pupil_id}")
    if since is not None and since > until:
        raise CaseError(f"--from {dmy(since)} is after the record's last day {dmy(until)}")
    pupil = found[0]
    days = store.school_days()
    marks = store.marks_by_pupil([pupil_id], end=until).get(pupil_id, [])
    actions = {a.event_id: a for a in cases.actions_of(store, pupil_id)}
    entries: list[ChronologyEntry] = []
    for e in cases.timeline(store, pupil_id):
        if e.kind == "ack":
            continue
        if e.kind == "action" and e.event_id in actions:
            action = actions[e.event_id]
            entries.append(
                ChronologyEntry(action.on, e.when, _action_heading(action.kind), e.text, e.officer)
            )
        else:
            entries.append(
                ChronologyEntry(
                    e.when.date(), e.when, HEADINGS.get(e.kind, e.kind), e.text, e.officer
                )
            )
    entries.extend(_status_changes(store, pupil_id))
    entries = [e for e in entries if (since is None or e.on >= since) and e.on <= until]
    order = {id(e): i for i, e in enumerate(entries)}
    # Oldest first; within a day, in the order recorded (the timeline's order reversed).
    entries.sort(key=lambda e: (e.on, e.at.timestamp() if e.at else 0.0, -order[id(e)]))
    moment = now or datetime.now().astimezone()
    return Chronology(
        pupil=pupil,
        school=settings.get(store, "school_name"),
        contacts=tuple(store.contacts_by_pupil([pupil_id]).get(pupil_id, [])),
        stage=_stage_words(store, cases.current_stage(store, pupil_id)),
        since=since,
        until=until,
        prepared_by=store.officer,
        prepared_at=moment,
        half_terms=tuple(half_terms(marks, days, since, until)),
        entries=tuple(entries),
    )


def _stage_words(store: Store, stage: str) -> str:
    """The school's name for the stage, with the DfE stage behind it when they differ."""
    name = settings.stage_names(store).get(stage, stage)
    return name if name == stage else f"{name} (DfE stage: {stage})"


# --- rendering ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!])")

HALF_TERM_NOTE = (
    "Half-terms are approximate: each term (autumn from 1 September, spring from 1 January, "
    "summer from Easter Monday) is split at the longest break of 3 or more weekdays in the "
    "register nearest its middle, or at its calendar midpoint when the register shows none. "
    "Present includes approved educational activity off-site; attendance is present ÷ possible "
    "sessions."
)


def md(value: object) -> str:
    """A value as literal Markdown text (also safe inside a table cell)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def _pct(summary: AttendanceSummary) -> str:
    return "—" if summary.percent is None else f"{summary.percent:.1f}%"


def _heading_facts(c: Chronology) -> list[tuple[str, str]]:
    p = c.pupil
    name = f"{p.legal_forename} {p.legal_surname}"
    if p.preferred_forename and p.preferred_forename != p.legal_forename:
        name += f" (known as {p.preferred_forename})"
    period = f"{dmy(c.since)} to {dmy(c.until)}" if c.since else f"to {dmy(c.until)}"
    facts = [
        ("Pupil", name),
        ("UPN", p.upn),
        ("Year and group", f"{year_label(p.year_group)} {p.reg_group or ''}".strip()),
        ("School", c.school),
        ("Stage of support now", c.stage),
        ("Period", period),
        ("Prepared", f"{c.prepared_at:%d/%m/%Y %H:%M} by {c.prepared_by}"),
    ]
    flags = flags_of(p)
    if flags:
        facts.insert(3, ("Flags", " ".join(flags)))
    if p.date_left:
        facts.insert(3, ("Left", dmy(p.date_left)))
    return facts


def _contact_line(contact: Contact) -> str:
    pr = (
        "parental responsibility"
        if contact.parental_responsibility
        else "no parental responsibility"
    )
    return (
        f"{contact.name}, {contact.relationship or 'contact'}, {pr} (priority {contact.priority})"
    )


def _sessions(marks: Sequence[Mark]) -> str:
    return ", ".join(f"{m.date:%a} {dmy(m.date)} {m.session} {m.code}" for m in marks)


def render_markdown(c: Chronology) -> str:
    out = [f"# Attendance chronology: {md(c.pupil.display_name)}", ""]
    out += ["| | |", "|---|---|"]
    out += [f"| {md(k)} | {md(v)} |" for k, v in _heading_facts(c)]
    out += ["", "## Contacts", ""]
    out += [f"- {md(_contact_line(ct))}" for ct in c.contacts] or ["- none on record"]
    out += ["", "## Attendance by half-term", ""]
    if c.half_terms:
        out += [
            "| Half-term | From | To | Possible | Present | Authorised | Unauthorised"
            " | Attendance |",
            "|---|---|---|---:|---:|---:|---:|---:|",
        ]
        for h in c.half_terms:
            f = h.figures
            out.append(
                f"| {md(h.label)} | {dmy(h.start)} | {dmy(h.end)} | {f.possible} | "
                f"{f.attending} | {f.authorised} | {f.unauthorised} | {md(_pct(f))} |"
            )
        out += ["", md(HALF_TERM_NOTE), ""]
        for h in c.half_terms:
            if h.unauthorised:
                codes = ", ".join(f"{k} {v}" for k, v in h.unauthorised_codes.items())
                out.append(
                    f"- **{md(h.label)}**: {len(h.unauthorised)} unauthorised sessions "
                    f"({md(codes)}): {md(_sessions(h.unauthorised))}"
                )
    else:
        out.append("No register marks in this period.")
    out += ["", "## Record (oldest first)", ""]
    if c.entries:
        out += ["| Date | Time | What | Detail | Officer |", "|---|---|---|---|---|"]
        for e in c.entries:
            time = f"{e.at:%H:%M}" if e.at is not None and e.at.date() == e.on else ""
            out.append(
                f"| {dmy(e.on)} | {time} | {md(e.heading)} | {md(e.text)} | {md(e.officer)} |"
            )
    else:
        out.append("Nothing recorded in this period.")
    out.append("")
    return "\n".join(out)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_html(c: Chronology) -> str:
    """A complete, self-contained printable page (well-formed: every element closed), made by
    :func:`triage.render.html.html_page` with the print stylesheet every page shares."""
    title = f"Attendance chronology: {c.pupil.display_name}"
    out = [f"<h1>{_e(title)}</h1>", '<table class="facts">']
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in _heading_facts(c)]
    out += ["</table>", "<h2>Contacts</h2>", "<ul>"]
    out += [f"<li>{_e(_contact_line(ct))}</li>" for ct in c.contacts] or ["<li>none on record</li>"]
    out += ["</ul>", "<h2>Attendance by half-term</h2>"]
    if c.half_terms:
        out.append('<table class="half-terms">')
        out.append(
            "<tr><th>Half-term</th><th>From</th><th>To</th><th>Possible</th><th>Present</th>"
            "<th>Authorised</th><th>Unauthorised</th><th>Attendance</th></tr>"
        )
        for h in c.half_terms:
            f = h.figures
            out.append(
                f"<tr><td>{_e(h.label)}</td><td>{dmy(h.start)}</td><td>{dmy(h.end)}</td>"
                f'<td class="n">{f.possible}</td><td class="n">{f.attending}</td>'
                f'<td class="n">{f.authorised}</td><td class="n">{f.unauthorised}</td>'
                f'<td class="n">{_e(_pct(f))}</td></tr>'
            )
        out.append("</table>")
        out.append(f'<p class="note">{_e(HALF_TERM_NOTE)}</p>')
        listed = [h for h in c.half_terms if h.unauthorised]
        if listed:
            out.append("<ul>")
            for h in listed:
                codes = ", ".join(f"{k} {v}" for k, v in h.unauthorised_codes.items())
                out.append(
                    f"<li><strong>{_e(h.label)}</strong>: {len(h.unauthorised)} unauthorised "
                    f"sessions ({_e(codes)}): {_e(_sessions(h.unauthorised))}</li>"
                )
            out.append("</ul>")
    else:
        out.append("<p>No register marks in this period.</p>")
    out.append("<h2>Record (oldest first)</h2>")
    if c.entries:
        out.append('<table class="record">')
        out.append(
            "<tr><th>Date</th><th>Time</th><th>What</th><th>Detail</th><th>Officer</th></tr>"
        )
        for e in c.entries:
            time = f"{e.at:%H:%M}" if e.at is not None and e.at.date() == e.on else ""
            out.append(
                f"<tr><td>{dmy(e.on)}</td><td>{time}</td><td>{_e(e.heading)}</td>"
                f"<td>{_e(e.text)}</td><td>{_e(e.officer)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>Nothing recorded in this period.</p>")
    return html_page(title, "\n".join(out))


def render(chronology: Chronology, fmt: str) -> str:
    if fmt == "markdown":
        return render_markdown(chronology)
    if fmt == "html":
        return render_html(chronology)
    raise CaseError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
