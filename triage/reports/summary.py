"""The end-of-day summary: what came in, what was resolved, who is still unexplained, and
how the school's attendance is moving.

Every figure is a count in the store (the tests check each against a direct query). The
heavy part — attendance over the term for the whole school — is SQL aggregates
(:mod:`triage.store.reports`) that read each mark they need once: totals per date over the
last 20 school days (today, this week, same day last week, the chart), and totals per pupil
over the term and the two 4-week windows (this term's %, full attendance, most improved).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from triage import rules, settings
from triage.dates import hhmm
from triage.morning.ladder import (
    KIND_LABELS,
    StepTimeliness,
    ladder_of,
    register_close,
    timeliness,
)
from triage.morning.logbook import attempts_for
from triage.morning.outcomes import CHANNEL_LABELS
from triage.morning.queue import RegisterNotTaken, load_morning, load_progress, registers_not_taken
from triage.store import Store
from triage.store.reports import (
    alerts_acknowledged_on,
    attempts_by_channel,
    attendance_by_date,
    attendance_by_pupil,
    dsl_told_on,
    queued_by_session,
    reasons_by_code,
    recodes_on,
    stage_changes_on,
    work_by_officer,
)

IMPROVEMENT_WEEKS = 4  # "most improved over the last 4 school weeks"
_Day = date  # inside DaySummary, its field ``date`` hides the type


@dataclass(frozen=True)
class Unexplained:
    name: str
    upn: str
    year_group: str
    session: str
    tried: list[str]  # "09:12 call no answer (Mother)"


@dataclass(frozen=True)
class Improved:
    name: str
    upn: str
    before: float
    after: float


class TimelinessRow(NamedTuple):  # not a dataclass: see triage.model
    """One step of the calling ladder in one session, as families experienced it.

    Each family the step applied to is counted once: *not reached* (its due time passed and
    it was never done while still needed), else *late* (done after its due time), else *on
    time*; the rest needed it no more (a reason came first) and are in none of the three.
    Only the late and not-reached families are named: they are what a lead follows up."""

    session: str
    step: str  # the ladder's key: "call_p1"
    label: str  # "Call priority-1 contact"
    due_minutes: int  # after the register closed
    due_at: str  # the clock time it fell due, "10:00"
    families: int  # families the step applied to
    on_time: int
    late: tuple[str, ...]  # family names (the pupils', comma-separated)
    not_reached: tuple[str, ...]
    median_minutes: float | None  # from the register closing to the step being done
    worst_minutes: int | None

    def as_json(self, names: bool) -> dict[str, Any]:
        data = self._asdict()
        data["reached"] = self.on_time + len(self.late)
        if not names:
            data["late"], data["not_reached"] = len(self.late), len(self.not_reached)
        data["skipped"] = data["not_reached"]  # its name before #17, kept for readers of JSON
        return data


def timeliness_rows(
    session: str,
    steps: list[StepTimeliness],
    family_names: dict[int, str],
    register_closed: datetime,
) -> list[TimelinessRow]:
    """The ladder's timeliness (:func:`triage.morning.ladder.timeliness`) as rows to read:
    each family in exactly one of on time, late, not reached (or none: not needed)."""
    rows = []
    for t in steps:
        not_reached = list(dict.fromkeys(t.skipped))
        late = [f for f in dict.fromkeys(t.late) if f not in not_reached]
        rows.append(
            TimelinessRow(
                session,
                t.key,
                KIND_LABELS.get(t.kind, t.kind),
                t.due_minutes,
                hhmm((register_closed + timedelta(minutes=t.due_minutes)).time()),
                t.applied,
                t.on_time,
                tuple(family_names.get(f, str(f)) for f in late),
                tuple(family_names.get(f, str(f)) for f in not_reached),
                t.median_minutes,
                t.worst_minutes,
            )
        )
    return rows


@dataclass
class DaySummary:
    school: str
    date: date
    queued: dict[str, int] = field(default_factory=dict)  # session -> pupils queued
    families_contacted: int = 0
    attempts_by_channel: dict[str, int] = field(default_factory=dict)
    reasons_by_code: dict[str, int] = field(default_factory=dict)
    unexplained: list[Unexplained] = field(default_factory=list)
    callbacks_outstanding: list[str] = field(default_factory=list)
    recodes: int = 0
    stage_changes: int = 0
    alerts_acknowledged: int = 0  # case alerts (triage.casework.alerts)
    dsl_told: int = 0  # pupils whose DSL step was done: the DSL told
    per_officer: dict[str, dict[str, int]] = field(default_factory=dict)
    attendance_today: float | None = None
    attendance_week: float | None = None
    attendance_term: float | None = None
    attendance_same_day_last_week: float | None = None
    last_school_days: list[tuple[_Day, float | None]] = field(default_factory=list)
    full_attendance: list[str] = field(default_factory=list)
    most_improved: list[Improved] = field(default_factory=list)
    # The calling ladder, per session and step: on time, late, not reached.
    timeliness: list[TimelinessRow] = field(default_factory=list)
    # Registers closed but still not taken in the latest export, by session and group.
    registers_not_taken: list[RegisterNotTaken] = field(default_factory=list)
    # Every home visit started that day: "Hamza Shaw: 12:00-12:50 officer.one, Child seen…"
    visits: list[str] = field(default_factory=list)

    def as_json(self, names: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["timeliness"] = [t.as_json(names) for t in self.timeliness]
        data["date"] = self.date.isoformat()
        data["registers_not_taken"] = [r._asdict() for r in self.registers_not_taken]
        data["last_school_days"] = [
            {"date": d.isoformat(), "percent": p} for d, p in self.last_school_days
        ]
        if not names:
            data["unexplained"] = [
                {"year_group": u.year_group, "session": u.session, "attempts": len(u.tried)}
                for u in self.unexplained
            ]
            data["full_attendance"] = len(self.full_attendance)
            data["most_improved"] = len(self.most_improved)
            data["callbacks_outstanding"] = len(self.callbacks_outstanding)
            data["visits"] = len(self.visits)
        return data


def _pct(att: int, poss: int) -> float | None:
    return None if poss == 0 else round(100.0 * att / poss, 1)


def day_summary(store: Store, on: date, *, limit: int = 10) -> DaySummary:
    days = store.school_days()
    summary = DaySummary(settings.get(store, "school_name"), on)

    # --- the day's first-day calling --------------------------------------------------
    summary.queued = queued_by_session(store, on)
    summary.attempts_by_channel = {
        CHANNEL_LABELS.get(c, c): n for c, n in attempts_by_channel(store, on).items()
    }
    summary.reasons_by_code = reasons_by_code(store, on)
    summary.recodes = recodes_on(store, on)
    summary.stage_changes = stage_changes_on(store, on)
    summary.alerts_acknowledged = alerts_acknowledged_on(store, on)
    summary.dsl_told = dsl_told_on(store, on)
    summary.per_officer = dict(sorted(work_by_officer(store, on).items()))
    # A past day's registers have all closed; today's, by the clock.
    moment = datetime.now() if on >= date.today() else datetime.combine(on, time(23, 59))
    summary.registers_not_taken = list(registers_not_taken(store, on, moment))

    for session in summary.queued:
        morning = load_morning(store, on, session)
        progress = load_progress(store, morning)
        attempts = attempts_for(store, on, session)
        contacted_families = {e.family_id for e in morning.entries if attempts.get(e.pupil.id)}
        summary.families_contacted += len(contacted_families)
        family_names = {
            f.id: ", ".join(e.pupil.display_name for e in f.entries) for f in morning.families
        }
        closed = register_close(store, on, session)
        steps = timeliness(morning, attempts, progress.codes, ladder_of(store), closed)
        summary.timeliness += timeliness_rows(session, steps, family_names, closed)
        for e in morning.entries:
            status = progress.statuses[e.pupil.id]
            if progress.codes[e.pupil.id] != "N":
                continue
            tried = [
                f"{a.at:%H:%M} {CHANNEL_LABELS.get(a.channel, a.channel).lower()} "
                f"{a.outcome.replace('_', ' ')}"
                for a in attempts.get(e.pupil.id, [])
            ]
            summary.unexplained.append(
                Unexplained(
                    e.pupil.display_name,
                    e.pupil.upn,
                    f"{e.pupil.year_group or ''} {e.pupil.reg_group or ''}".strip(),
                    session,
                    tried,
                )
            )
            if status.callback_due is not None:
                summary.callbacks_outstanding.append(
                    f"{e.pupil.display_name} ({session}) {status.label}"
                )

    # --- the school's attendance ----------------------------------------------------------
    term = rules.term_start(on)
    window = [d for d in days if d <= on][-20:]
    last_week = on - timedelta(days=7)
    per_date = attendance_by_date(store, min([last_week, *window[:1]]), on)

    def between(start: date, end: date) -> float | None:
        att = poss = 0
        for d, (a, p) in per_date.items():
            if start <= d <= end:
                att, poss = att + a, poss + p
        return _pct(att, poss)

    summary.attendance_today = between(on, on)
    summary.attendance_week = between(on - timedelta(days=on.weekday()), on)
    summary.attendance_same_day_last_week = between(last_week, last_week)
    summary.last_school_days = [(d, between(d, d)) for d in window]

    # This term for the school and each pupil (full attendance), and the most improved over
    # the last 4 school weeks against the 4 before.
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days if d <= on})
    windows = {"term": (term, on)}
    if len(weeks) >= 2 * IMPROVEMENT_WEEKS:
        recent, prior = weeks[-IMPROVEMENT_WEEKS], weeks[-2 * IMPROVEMENT_WEEKS]
        windows |= {"recent": (recent, on), "prior": (prior, recent - timedelta(days=1))}
    per_pupil = attendance_by_pupil(store, windows)
    summary.attendance_term = _pct(
        sum(w["term"][0] for w in per_pupil.values()),
        sum(w["term"][1] for w in per_pupil.values()),
    )
    full_ids = [
        pid for pid, w in per_pupil.items() if w["term"][1] > 0 and w["term"][0] == w["term"][1]
    ]
    improved: list[tuple[float, int, float, float]] = []
    if "prior" in windows:
        for pid, w in per_pupil.items():
            before, after = _pct(*w["prior"]), _pct(*w["recent"])
            if before is not None and after is not None and after > before:
                improved.append((after - before, pid, before, after))
        improved.sort(key=lambda t: (-t[0], t[1]))
    wanted = set(full_ids) | {pid for _, pid, _, _ in improved[:limit]}
    pupils = {p.id: p for p in store.pupils(wanted)} if wanted else {}
    summary.full_attendance = sorted(
        pupils[pid].display_name for pid in full_ids if pupils[pid].on_roll(on)
    )
    summary.most_improved = [
        Improved(pupils[pid].display_name, pupils[pid].upn, before, after)
        for _, pid, before, after in improved[:limit]
    ]
    summary.visits = visit_lines(store, on)
    return summary


def visit_lines(store: Store, on: date) -> list[str]:
    """Each visit started that day, its times and outcome, in one line."""
    from triage.dates import parse_stamp
    from triage.store.visits import visits_on
    from triage.visits.lone_working import outcome_label

    rows = [r for r in visits_on(store, on) if r.started_at]
    names = {p.id: p.display_name for p in store.pupils({i for r in rows for i in r.pupil_ids})}
    lines = []
    for r in rows:
        who = ", ".join(names.get(pid, str(pid)) for pid in r.pupil_ids)
        times = f"{parse_stamp(r.started_at or ''):%H:%M}-" + (
            f"{parse_stamp(r.ended_at):%H:%M}" if r.ended_at else "not ended"
        )
        result = outcome_label(r.outcome) if r.outcome else "under way"
        escalated = ", overdue return escalated" if r.escalated_at else ""
        lines.append(f"{who}: {times} {r.started_by}, {result}{escalated}")
    return lines
