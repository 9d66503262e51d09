"""The end-of-day summary: what came in, what was resolved, who is still unexplained, and
how the school's attendance is moving.

Every figure is a count in the store (the tests check each against a direct query). The
heavy part — attendance over the term for the whole school — is two SQL aggregates, each
one pass over the marks: totals per date (today, this week, this term, last week, the last
20 school days) and totals per pupil (full attendance this term, most improved).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from triage import rules, settings
from triage.codes import ATTENDING_CODES, POSSIBLE_CODES
from triage.ladder import ladder_of, register_close, timeliness
from triage.logbook import attempts_for
from triage.outcomes import CHANNEL_LABELS
from triage.queue import load_morning, load_progress
from triage.store import Store

IMPROVEMENT_WEEKS = 4  # "most improved over the last 4 school weeks"


def _in(codes: frozenset[str]) -> str:
    """A SQL list of codes, from the codes table (constants, never data)."""
    return ",".join("'" + c.replace("'", "''") + "'" for c in sorted(codes))


ATTENDING_SQL = f"CASE WHEN code IN ({_in(ATTENDING_CODES)}) THEN 1 ELSE 0 END"
POSSIBLE_SQL = f"CASE WHEN code IN ({_in(POSSIBLE_CODES)}) THEN 1 ELSE 0 END"


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
    alerts_acknowledged: int = 0
    per_officer: dict[str, dict[str, int]] = field(default_factory=dict)
    attendance_today: float | None = None
    attendance_week: float | None = None
    attendance_term: float | None = None
    attendance_same_day_last_week: float | None = None
    last_school_days: list[tuple[date, float | None]] = field(default_factory=list)
    full_attendance: list[str] = field(default_factory=list)
    most_improved: list[Improved] = field(default_factory=list)
    # The calling ladder, per session and step: reached, median/worst minutes, late, skipped.
    timeliness: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self, names: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["last_school_days"] = [
            {"date": d.isoformat(), "percent": p} for d, p in self.last_school_days
        ]
        if not names:
            data["unexplained"] = [
                {"year_group": u.year_group, "session": u.session, "attempts": len(u.tried)}
                for u in self.unexplained
            ]
            data["full_attendance"] = len(self.full_attendance)
            data["timeliness"] = [
                {**t, "late": len(t["late"]), "skipped": len(t["skipped"])} for t in self.timeliness
            ]
            data["most_improved"] = len(self.most_improved)
            data["callbacks_outstanding"] = len(self.callbacks_outstanding)
        return data


def _pct(att: int, poss: int) -> float | None:
    return None if poss == 0 else round(100.0 * att / poss, 1)


def day_summary(store: Store, on: date, *, limit: int = 10) -> DaySummary:
    days = rules.school_days(store.date_codes())
    summary = DaySummary(settings.get(store, "school_name"), on)
    iso = on.isoformat()

    # --- the day's first-day calling --------------------------------------------------
    summary.queued = {
        s: n
        for s, n in store.conn.execute(
            "SELECT session, COUNT(*) FROM marks WHERE date = ? AND queued = 1"
            " GROUP BY session ORDER BY session",
            (iso,),
        )
    }
    summary.attempts_by_channel = {
        CHANNEL_LABELS.get(c, c): n
        for c, n in store.conn.execute(
            "SELECT channel, COUNT(DISTINCT event_id) FROM attempts"
            " WHERE date = ? AND undone_event_id IS NULL GROUP BY channel ORDER BY channel",
            (iso,),
        )
    }
    summary.reasons_by_code = {
        code: n
        for code, n in store.conn.execute(
            "SELECT code, COUNT(*) FROM marks WHERE date = ? AND queued = 1 AND code != 'N'"
            " GROUP BY code ORDER BY code",
            (iso,),
        )
    }
    summary.recodes = store.conn.execute(
        "SELECT COUNT(*) FROM recodes WHERE date = ? AND undone_event_id IS NULL", (iso,)
    ).fetchone()[0]
    summary.stage_changes = store.conn.execute(
        "SELECT COUNT(*) FROM stage_changes WHERE substr(at, 1, 10) = ?"
        " AND undone_event_id IS NULL",
        (iso,),
    ).fetchone()[0]
    summary.alerts_acknowledged = store.conn.execute(
        "SELECT COUNT(*) FROM alert_acks WHERE substr(at, 1, 10) = ?", (iso,)
    ).fetchone()[0]
    per_officer: dict[str, Counter[str]] = defaultdict(Counter)
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
    summary.per_officer = {o: dict(c) for o, c in sorted(per_officer.items())}

    for session in summary.queued:
        morning = load_morning(store, on, session)
        progress = load_progress(store, morning)
        attempts = attempts_for(store, on, session)
        contacted_families = {e.family_id for e in morning.entries if attempts.get(e.pupil.id)}
        summary.families_contacted += len(contacted_families)
        family_names = {
            f.id: ", ".join(e.pupil.display_name for e in f.entries) for f in morning.families
        }
        for t in timeliness(
            morning,
            attempts,
            progress.codes,
            ladder_of(store),
            register_close(store, on, session),
        ):
            summary.timeliness.append(
                {
                    "session": session,
                    "step": t.key,
                    "due_minutes": t.due_minutes,
                    "families": t.applied,
                    "reached": t.reached,
                    "median_minutes": t.median_minutes,
                    "worst_minutes": t.worst_minutes,
                    "late": [family_names.get(f, str(f)) for f in t.late],
                    "skipped": [family_names.get(f, str(f)) for f in t.skipped],
                }
            )
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

    # --- the school's attendance: one pass per date, one per pupil ---------------------
    term = rules.term_start(on)
    window = [d for d in days if d <= on][-20:]
    earliest = min([term, on - timedelta(days=7), *window[:1]])
    per_date: dict[str, tuple[int, int]] = {
        d: (a, p)
        for d, a, p in store.conn.execute(
            f"SELECT date, SUM({ATTENDING_SQL}), SUM({POSSIBLE_SQL}) FROM marks"
            " WHERE date BETWEEN ? AND ? GROUP BY date",
            (earliest.isoformat(), iso),
        )
    }

    def between(start: date, end: date) -> float | None:
        att = poss = 0
        for d, (a, p) in per_date.items():
            if start.isoformat() <= d <= end.isoformat():
                att, poss = att + a, poss + p
        return _pct(att, poss)

    summary.attendance_today = between(on, on)
    summary.attendance_week = between(on - timedelta(days=on.weekday()), on)
    summary.attendance_term = between(term, on)
    last_week = on - timedelta(days=7)
    summary.attendance_same_day_last_week = (
        between(last_week, last_week) if last_week.isoformat() in per_date else None
    )
    summary.last_school_days = [(d, between(d, d)) for d in window]

    # Full attendance this term, and the most improved over the last 4 school weeks.
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days if d <= on})
    recent_start = weeks[-IMPROVEMENT_WEEKS] if len(weeks) >= IMPROVEMENT_WEEKS else None
    prior_start = weeks[-2 * IMPROVEMENT_WEEKS] if len(weeks) >= 2 * IMPROVEMENT_WEEKS else None
    r0 = recent_start.isoformat() if recent_start else iso
    p0 = prior_start.isoformat() if prior_start else r0
    per_pupil = store.conn.execute(
        f"SELECT m.pupil_id, SUM(CASE WHEN m.date >= ? THEN {ATTENDING_SQL} ELSE 0 END),"
        f" SUM(CASE WHEN m.date >= ? THEN {POSSIBLE_SQL} ELSE 0 END),"
        f" SUM(CASE WHEN m.date >= ? THEN {ATTENDING_SQL} ELSE 0 END),"
        f" SUM(CASE WHEN m.date >= ? THEN {POSSIBLE_SQL} ELSE 0 END),"
        f" SUM(CASE WHEN m.date >= ? AND m.date < ? THEN {ATTENDING_SQL} ELSE 0 END),"
        f" SUM(CASE WHEN m.date >= ? AND m.date < ? THEN {POSSIBLE_SQL} ELSE 0 END)"
        " FROM marks m WHERE m.date BETWEEN ? AND ? GROUP BY m.pupil_id",
        (
            term.isoformat(),
            term.isoformat(),
            r0,
            r0,
            p0,
            r0,
            p0,
            r0,
            min(term.isoformat(), p0),
            iso,
        ),
    ).fetchall()
    full_ids = [pid for pid, ta, tp, *_ in per_pupil if tp > 0 and ta == tp]
    improved: list[tuple[float, int, float, float]] = []
    if prior_start is not None:
        for pid, _ta, _tp, ra, rp, pa, pp in per_pupil:
            before, after = _pct(pa, pp), _pct(ra, rp)
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
    return summary
