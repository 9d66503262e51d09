"""Planning visits and the lone-working record of each: who takes it, when they set off,
when they are expected back, and how it ended.

Lone working (*Keeping children safe in education*; the school's lone-working procedure):
somebody knows where the officer is going and when they are due back, and a missed return
is escalated. Each function is one officer action: one short transaction, one audit event
(``visit-plan``, ``visit-drop``, ``visit-take``, ``visit-start``, ``visit-extend``,
``visit-escalate``, ``visit-end``) naming the pupils, so the case timeline shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from triage import settings
from triage.dates import local_now, local_stamp, parse_stamp, utc_stamp
from triage.morning.logbook import Logged, record_attempt
from triage.officers import require_writer
from triage.sanitise import printable
from triage.store import Store
from triage.store import visits as rows
from triage.store.logbook import attempts_in_session
from triage.store.visits import VisitRow
from triage.visits.day import DayVisit


class VisitError(ValueError):
    """A visit action that cannot be done now (one clear line; nothing was changed)."""


class Ending(NamedTuple):
    key: str  # the one key in the dialog and the CLI's word
    label: str
    outcome: str  # the attempt's outcome (triage.morning.outcomes, channel "visit")
    asks_reason: bool = False  # a reason given: it recodes the mark
    tells_dsl: bool = False  # the DSL is told: the ladder's DSL step done


ENDINGS: tuple[Ending, ...] = (
    Ending("seen", "Child seen and safe", "child_seen"),
    Ending("reason", "Parent spoken to — reason given", "adult_seen_reason", asks_reason=True),
    Ending("no-answer", "No answer — card left", "no_one_home"),
    Ending("concern", "Concern — DSL told", "concern", tells_dsl=True),
    Ending("refused", "Refused entry", "refused_entry"),
)


def ending(key: str) -> Ending:
    for e in ENDINGS:
        if e.key == key:
            return e
    raise VisitError(f"no visit outcome {key!r}: choose {', '.join(e.key for e in ENDINGS)}")


def _who(visit: DayVisit) -> str:
    return visit.label


def _current(store: Store, visit: DayVisit) -> VisitRow | None:
    """The visit's row as it is now (read inside the write: another officer may have acted
    since the list was drawn), or the family's row written since."""
    if visit.visit_id is not None:
        return rows.visit(store, visit.visit_id)
    wanted = set(visit.pupil_ids)
    return next((r for r in rows.visits_on(store, visit.date) if wanted & set(r.pupil_ids)), None)


def _event(store: Store, action: str, visit: DayVisit, **detail: object) -> int:
    return store.audit(
        action,
        "pupil",
        visit.pupil_ids[0],
        {"pupils": list(visit.pupil_ids), "date": visit.date.isoformat(), **detail},
    )


def plan(store: Store, visit: DayVisit) -> int:
    """Put the family's visit on today's list (taken by this officer); returns its id."""
    with store.transaction():
        require_writer(store)
        row = _current(store, visit)
        if row is not None and row.state != "dropped":
            raise VisitError(f"{_who(visit)}: a visit is already on the list ({row.state}).")
        event_id = _event(store, "visit-plan", visit, officer=store.officer)
        if row is not None:
            rows.update_visit(store, row.id, event_id, state="planned", officer=store.officer)
            return row.id
        return rows.insert_visit(
            store, event_id, visit.date, visit.session, visit.pupil_ids, "planned", store.officer
        )


def drop(store: Store, visit: DayVisit) -> None:
    """Take a planned or proposed visit off the day's list (it is not proposed again)."""
    with store.transaction():
        require_writer(store)
        row = _current(store, visit)
        if row is not None and row.state in ("started", "ended"):
            raise VisitError(f"{_who(visit)}: the visit has {row.state}; it stays on the list.")
        if row is not None and row.state == "dropped":
            return
        event_id = _event(store, "visit-drop", visit)
        if row is None:
            rows.insert_visit(
                store, event_id, visit.date, visit.session, visit.pupil_ids, "dropped", None
            )
        else:
            rows.update_visit(store, row.id, event_id, state="dropped")


def take(store: Store, visit: DayVisit) -> int:
    """This officer takes the visit (two officers split the list between them)."""
    with store.transaction():
        require_writer(store)
        row = _current(store, visit)
        if row is not None and row.state in ("started", "ended"):
            raise VisitError(f"{_who(visit)}: the visit has {row.state} ({row.started_by}).")
        event_id = _event(store, "visit-take", visit, officer=store.officer)
        if row is None:
            return rows.insert_visit(
                store, event_id, visit.date, visit.session, visit.pupil_ids, "planned",
                store.officer,
            )  # fmt: skip
        rows.update_visit(store, row.id, event_id, state="planned", officer=store.officer)
        return row.id


def return_minutes(store: Store) -> int:
    return settings.get_int(store, "visit_return_minutes")


def start(
    store: Store, visit: DayVisit, *, at: datetime | None = None, minutes: int | None = None
) -> datetime:
    """The officer sets off: who, which family, when, expected back by (the setting
    ``visit_return_minutes``, default 45). Returns the time they are expected back."""
    moment = at or local_now()
    back = moment + timedelta(minutes=minutes or return_minutes(store))
    with store.transaction():
        require_writer(store)
        row = _current(store, visit)
        if row is not None and row.state in ("started", "ended"):
            raise VisitError(
                f"{_who(visit)}: the visit already {row.state} ({row.started_by}); nothing changed."
            )
        event_id = _event(
            store,
            "visit-start",
            visit,
            at=local_stamp(moment),
            expected_back=local_stamp(back),
            where=visit.where,
        )
        changes = {
            "state": "started",
            "started_by": store.officer,
            "started_at": local_stamp(moment),
            "expected_back": utc_stamp(back),
        }
        if row is None:
            visit_id = rows.insert_visit(
                store, event_id, visit.date, visit.session, visit.pupil_ids, "planned",
                store.officer,
            )  # fmt: skip
            rows.update_visit(store, visit_id, event_id, officer=store.officer, **changes)
        else:
            rows.update_visit(
                store, row.id, event_id, officer=row.officer or store.officer, **changes
            )
    return back


def _started(store: Store, visit: DayVisit, doing: str) -> VisitRow:
    row = _current(store, visit)
    if row is None or row.state != "started":
        state = row.state if row is not None else "not started"
        raise VisitError(f"{_who(visit)}: cannot {doing} a visit that is {state}.")
    return row


def extend(store: Store, visit: DayVisit, minutes: int, *, at: datetime | None = None) -> datetime:
    """More time: the officer is now expected back ``minutes`` from now (the banner goes
    until then). Returns the new time."""
    if not 5 <= minutes <= 480:
        raise VisitError("extend a visit by 5 to 480 minutes")
    back = (at or local_now()) + timedelta(minutes=minutes)
    with store.transaction():
        require_writer(store)
        row = _started(store, visit, "extend")
        event_id = _event(
            store,
            "visit-extend",
            visit,
            before=local_stamp(parse_stamp(row.expected_back or utc_stamp(at))),
            expected_back=local_stamp(back),
        )
        rows.update_visit(
            store, row.id, event_id, expected_back=utc_stamp(back), escalated_at=None,
            escalated_by=None,
        )  # fmt: skip
    return back


def escalate(store: Store, visit: DayVisit, *, at: datetime | None = None) -> None:
    """The overdue return has been escalated under the lone-working procedure (the officer
    rung, then the police if they cannot be reached): recorded, and the banner stops."""
    moment = at or local_now()
    with store.transaction():
        require_writer(store)
        row = _started(store, visit, "escalate")
        if not is_overdue(row, moment):
            raise VisitError(f"{_who(visit)}: the visit is not overdue; nothing to escalate.")
        event_id = _event(store, "visit-escalate", visit, officer=row.started_by)
        rows.update_visit(
            store, row.id, event_id, escalated_at=local_stamp(moment), escalated_by=store.officer
        )


def end(
    store: Store,
    visit: DayVisit,
    ending_key: str,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Logged:
    """The officer is back: the visit ends with its outcome, logged as the ladder's home
    visit for the family (a reason recodes the marks, as on the queue); a concern also
    tells the DSL (the ladder's DSL step done, as `D` on the queue does)."""
    chosen = ending(ending_key)
    if chosen.asks_reason and reason_code is None:
        raise VisitError(f"{chosen.label}: a reason is needed")
    note = printable(note).strip() or None if note else None
    if chosen.key == "no-answer":
        note = "; ".join(part for part in ("card left", note) if part)
    moment = at or local_now()
    with store.transaction():
        require_writer(store)
        row = _started(store, visit, "end")
        event_id, plan = record_attempt(
            store,
            visit.pupil_ids,
            row.date,
            row.session,
            "visit",
            chosen.outcome,
            None,
            None,
            None,
            reason_code=reason_code,
            note=note,
            at=moment,
            detail={"visit_id": row.id},
        )
        if chosen.tells_dsl:
            told = attempts_in_session(store, row.date, row.session, visit.pupil_ids)
            untold = [
                pid
                for pid in visit.pupil_ids
                if all(a.outcome != "dsl_informed" for a in told.get(pid, ()))
            ]
            if untold:
                record_attempt(
                    store, untold, row.date, row.session, "visit", "dsl_informed",
                    None, None, None, note="concern on a home visit", at=moment,
                )  # fmt: skip
        end_event = _event(
            store,
            "visit-end",
            visit,
            outcome=chosen.label,
            reason_code=reason_code,
            started_at=row.started_at,
            at=local_stamp(moment),
        )
        rows.update_visit(
            store,
            row.id,
            end_event,
            state="ended",
            ended_at=local_stamp(moment),
            ended_by=store.officer,
            outcome=chosen.key,
            reason_code=reason_code,
            note=note,
        )
    changed = tuple(r["pupil_id"] for r in plan)
    return Logged(end_event, visit.pupil_ids, changed, f"Home visit: {chosen.label}")


# --- the overdue return -------------------------------------------------------------------


def is_overdue(row: VisitRow, now: datetime) -> bool:
    """Started, not ended, past its expected return and not yet escalated."""
    if row.state != "started" or row.expected_back is None or row.escalated_at is not None:
        return False
    now = now if now.tzinfo is not None else now.astimezone()
    return parse_stamp(row.expected_back) < now


class OverdueVisit(NamedTuple):
    visit_id: int
    date: date
    names: str
    officer: str
    expected_back: datetime


def overdue_visits(
    open_rows: Iterable[VisitRow], names: dict[int, str], now: datetime
) -> list[OverdueVisit]:
    """The visits whose officer is overdue back, longest overdue first: the leads' alert on
    every open screen until somebody extends, ends or escalates it."""
    found = [
        OverdueVisit(
            r.id,
            r.date,
            ", ".join(names.get(pid, f"pupil {pid}") for pid in r.pupil_ids),
            r.started_by or "?",
            parse_stamp(r.expected_back or ""),
        )
        for r in open_rows
        if is_overdue(r, now)
    ]
    return sorted(found, key=lambda o: (o.expected_back, o.visit_id))


def overdue_now(store: Store, now: datetime) -> list[OverdueVisit]:
    """The overdue visits in the store (the live tick's cheap read: the open visits)."""
    open_rows = rows.open_visits(store)
    if not open_rows:
        return []
    ids = sorted({pid for r in open_rows for pid in r.pupil_ids})
    names = {p.id: p.display_name for p in store.pupils(ids)}
    return overdue_visits(open_rows, names, now)


def outcome_label(key: str | None) -> str:
    if key is None:
        return ""
    try:
        return ending(key).label
    except VisitError:
        return key
