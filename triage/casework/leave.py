"""Leave of absence: a parent's request, the head teacher's decision, and the one rule that
follows from it: a session is ``C`` (leave in exceptional circumstances) only when granted
leave covers it.

The School Attendance (Pupil Registration) (England) Regulations 2024: only the head
teacher, or someone they authorise, may grant leave; on an application made **in advance**
by a parent the pupil normally lives with; only in exceptional circumstances. Leave cannot
be granted after the event, and a reason given on the phone on the morning never turns an
absence into granted leave. A term-time holiday taken without leave is ``G``.

- A request is recorded by any officer (:func:`request_leave`); one asked for on or after
  its first day is kept, and says so: it cannot be granted.
- A decision is recorded by a lead only, as the head teacher's delegate
  (:func:`decide_leave`): "decided by" is the name typed (the head teacher) and the officer
  who entered it. Granting recodes the covered sessions' ``N`` marks to ``C`` (the only
  marks a phone call could have left waiting for this); every other mark, and sessions not
  yet marked, are left to the MIS, the register of record (see ``docs/cases.md``).
- :func:`c_refusal` is the rule the reason dialogs and :mod:`triage.morning.logbook` ask
  before writing ``C``; :func:`triage.store.logbook.recode_marks` refuses it too.

Each write is one transaction with one audit event (``leave-request``, ``leave-decision``).
The statements are in :mod:`triage.store.leave`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from triage.dates import DateError, dmy, local_stamp, parse_date, parse_stamp
from triage.model import SESSIONS
from triage.officers import require_lead, require_writer
from triage.sanitise import printable
from triage.store import Store
from triage.store import leave as leave_rows
from triage.store.logbook import LEAVE_CODE, recode_marks

GRANTED, REFUSED = "granted", "refused"
DECISIONS = (GRANTED, REFUSED)
HOLIDAY_CODE = "G"  # holiday not granted by the school


class LeaveError(ValueError):
    """A request or decision that cannot be recorded (one clear line)."""


@dataclass(frozen=True)
class LeaveRequest:
    id: int
    pupil_id: int
    first_date: date
    first_session: str
    last_date: date
    last_session: str
    reason: str
    asked_by: str
    asked_on: date
    at: datetime
    officer: str
    event_id: int
    decision: str | None = None
    decided_by: str | None = None  # the name typed: the head teacher or their delegate
    decided_on: date | None = None
    decision_note: str | None = None
    decision_officer: str | None = None  # the officer (a lead) who entered it
    decision_event_id: int | None = None
    decision_at: datetime | None = None

    @property
    def in_advance(self) -> bool:
        """Asked for before its first day (leave cannot be granted after the event)."""
        return self.asked_on < self.first_date

    @property
    def granted(self) -> bool:
        return self.decision == GRANTED

    @property
    def dates_text(self) -> str:
        return (
            f"{dmy(self.first_date)} {self.first_session} to "
            f"{dmy(self.last_date)} {self.last_session}"
        )

    def covers(self, day: date, session: str) -> bool:
        return covers(self, day, session)


def _slot(day: date, session: str) -> tuple[date, int]:
    return day, SESSIONS.index(session)


def covers(request: LeaveRequest, day: date, session: str) -> bool:
    """Whether the request's dates include the session: from its first session to its last,
    both included (a request from Monday PM does not cover Monday AM)."""
    return (
        _slot(request.first_date, request.first_session)
        <= _slot(day, session)
        <= _slot(request.last_date, request.last_session)
    )


def parse_slot(text: str, default_session: str) -> tuple[date, str]:
    """A date as officers type it, optionally followed by AM or PM: ``12/01/2027 PM``."""
    words = printable(text or "").split()
    session = default_session
    if words and words[-1].upper() in SESSIONS:
        session = words.pop().upper()
    try:
        return parse_date(" ".join(words)), session
    except DateError as exc:
        raise LeaveError(str(exc)) from exc


def _clean(text: str | None, what: str) -> str:
    value = " ".join(printable(text or "").split())
    if not value:
        raise LeaveError(f"{what} is needed")
    return value


# --- records ------------------------------------------------------------------------------------


def _request_from_row(row: leave_rows.LeaveRow) -> LeaveRequest:
    return LeaveRequest(
        id=row.id,
        pupil_id=row.pupil_id,
        first_date=date.fromisoformat(row.first_date),
        first_session=row.first_session,
        last_date=date.fromisoformat(row.last_date),
        last_session=row.last_session,
        reason=row.reason,
        asked_by=row.asked_by,
        asked_on=date.fromisoformat(row.asked_on),
        at=parse_stamp(row.at),
        officer=row.officer,
        event_id=row.event_id,
        decision=row.decision,
        decided_by=row.decided_by,
        decided_on=date.fromisoformat(row.decided_on) if row.decided_on else None,
        decision_note=row.decision_note,
        decision_officer=row.decision_officer,
        decision_event_id=row.decision_event_id,
        decision_at=parse_stamp(row.decision_at) if row.decision_at else None,
    )


def leave_request(store: Store, request_id: int) -> LeaveRequest:
    row = leave_rows.leave_request(store, request_id)
    if row is None:
        raise LeaveError(f"there is no leave request {request_id}")
    return _request_from_row(row)


def leave_requests(store: Store, pupil_ids: Iterable[int] | None = None) -> list[LeaveRequest]:
    """Leave requests (of some pupils, or every pupil), the latest leave first."""
    return [_request_from_row(r) for r in leave_rows.leave_requests(store, pupil_ids)]


def request_leave(
    store: Store,
    pupil_id: int,
    first: tuple[date, str],
    last: tuple[date, str],
    reason: str,
    asked_by: str,
    asked_on: date,
    *,
    at: datetime | None = None,
) -> LeaveRequest:
    """Record a parent's request for leave: the first and last sessions, the reason, who
    asked and when. One transaction with a ``leave-request`` audit event. A request made on
    or after its first day is kept (it is part of the record) and cannot be granted."""
    (first_date, first_session), (last_date, last_session) = first, last
    if first_session not in SESSIONS or last_session not in SESSIONS:
        raise LeaveError("a session is AM or PM")
    if _slot(last_date, last_session) < _slot(first_date, first_session):
        raise LeaveError(
            f"the leave ends ({dmy(last_date)} {last_session}) before it starts "
            f"({dmy(first_date)} {first_session})"
        )
    reason = _clean(reason, "the reason for the leave")
    asked_by = _clean(asked_by, "who asked (the parent's name)")
    stamp = local_stamp(at)
    if asked_on > parse_stamp(stamp).date():
        raise LeaveError(f"the request cannot have been made in the future ({dmy(asked_on)})")
    row: dict[str, Any] = {
        "pupil_id": pupil_id,
        "first_date": first_date.isoformat(),
        "first_session": first_session,
        "last_date": last_date.isoformat(),
        "last_session": last_session,
        "reason": reason,
        "asked_by": asked_by,
        "asked_on": asked_on.isoformat(),
        "at": stamp,
        "officer": store.officer,
    }
    with store.transaction():
        require_writer(store)
        if not store.pupils([pupil_id]):
            raise LeaveError(f"there is no pupil with id {pupil_id}")
        detail = {k: v for k, v in row.items() if k not in ("at", "officer")}
        event_id = store.audit(
            "leave-request", "pupil", pupil_id, {"before": None, "after": detail}
        )
        request_id = leave_rows.insert_leave_request(store, {**row, "event_id": event_id})
    return leave_request(store, request_id)


@dataclass(frozen=True)
class LeaveDecision:
    request: LeaveRequest
    recoded: int  # N marks in the leave recoded to C (granted leave)


def decide_leave(
    store: Store,
    request_id: int,
    decision: str,
    decided_by: str,
    *,
    note: str | None = None,
    on: date | None = None,
    at: datetime | None = None,
) -> LeaveDecision:
    """Record the head teacher's decision on a request (a lead enters it, as their
    delegate): ``granted`` or ``refused``, by whom (the name typed), on ``on`` (default:
    today). One transaction with a ``leave-decision`` audit event, which also recodes the
    leave's ``N`` marks to ``C`` when granted.

    Refused: a request decided already; granting a request made on or after the leave's
    first day, or deciding to grant after its last day (leave cannot be granted after the
    event)."""
    if decision not in DECISIONS:
        raise LeaveError(f"the decision is {' or '.join(DECISIONS)}, not {decision!r}")
    decided_by = _clean(decided_by, "who decided (the head teacher or their delegate)")
    note = " ".join(printable(note or "").split()) or None
    stamp = local_stamp(at)
    on = on or parse_stamp(stamp).date()
    with store.transaction():
        require_lead(store)
        request = leave_request(store, request_id)
        if request.decision is not None:
            raise LeaveError(
                f"leave request {request_id} was {request.decision} already, on "
                f"{dmy(request.decided_on)} by {request.decided_by}"
            )
        if decision == GRANTED and not request.in_advance:
            raise LeaveError(
                f"leave cannot be granted after the event: the request was made on "
                f"{dmy(request.asked_on)}, not before the leave began on "
                f"{dmy(request.first_date)}; refuse it (the absence is G or O)"
            )
        if decision == GRANTED and on > request.last_date:
            raise LeaveError(
                f"leave cannot be granted after the event: the leave ended on "
                f"{dmy(request.last_date)}"
            )
        first = f"{request.first_date.isoformat()} {request.first_session}"
        last = f"{request.last_date.isoformat()} {request.last_session}"
        plan = []
        if decision == GRANTED:
            plan = [
                {
                    "pupil_id": request.pupil_id,
                    "date": d,
                    "session": s,
                    "before": "N",
                    "after": LEAVE_CODE,
                }
                for d, s, _amended in leave_rows.marks_in_leave(
                    store, request.pupil_id, first, last, "N"
                )
            ]
        event_id = store.audit(
            "leave-decision",
            "pupil",
            request.pupil_id,
            {
                "request_id": request_id,
                "before": None,
                "after": {
                    "decision": decision,
                    "decided_by": decided_by,
                    "decided_on": on.isoformat(),
                    "note": note,
                },
                "recodes": plan,
            },
        )
        leave_rows.decide_leave_request(
            store,
            request_id,
            decision=decision,
            decided_by=decided_by,
            decided_on=on.isoformat(),
            note=note,
            event_id=event_id,
            officer=store.officer,
            at=stamp,
        )
        recode_marks(store, event_id, plan, "leave granted", stamp)
        decided = leave_request(store, request_id)
    return LeaveDecision(decided, len(plan))


# --- the rule the reason dialogs ask -----------------------------------------------------------


def c_refusal(
    store: Store, pupil_ids: Sequence[int], on: date, session: str, code: str = LEAVE_CODE
) -> str | None:
    """Why ``code`` cannot be recorded for these pupils' session, or None when it can. Only
    ``C`` is checked: it needs a granted leave request covering the session for every
    pupil (a reason given on the phone never turns an absence into granted leave)."""
    if code != LEAVE_CODE:
        return None
    requests = leave_requests(store, pupil_ids)
    names = {p.id: p.display_name for p in store.pupils(pupil_ids)}
    for pid in pupil_ids:
        mine = [r for r in requests if r.pupil_id == pid and r.covers(on, session)]
        if any(r.granted for r in mine):
            continue
        refused = next((r for r in mine if r.decision == REFUSED), None)
        who = names.get(pid, "this pupil")
        if refused is not None:
            return (
                f"Leave for {who} on {dmy(on)} {session} was refused (request "
                f"{refused.id}): record G (holiday not granted) or O, not C."
            )
        return (
            f"No granted leave covers {who} on {dmy(on)} {session}: C needs the head "
            "teacher's decision on a request made in advance. Record G (holiday not "
            "granted) or O instead."
        )
    return None


def describe(request: LeaveRequest) -> str:
    """One line of plain text, as the timeline and lists show it."""
    text = f"Leave request {request.id}: {request.dates_text}; {request.reason}"
    text += f"; asked by {request.asked_by} on {dmy(request.asked_on)}"
    if not request.in_advance:
        text += " (after the leave began: cannot be granted)"
    if request.decision:
        text += f"; {request.decision} by {request.decided_by} on {dmy(request.decided_on)}"
        if request.decision_officer:
            text += f" (entered by {request.decision_officer})"
        if request.decision_note:
            text += f"; {request.decision_note}"
    else:
        text += "; awaiting the head teacher's decision"
    return text


def as_record(request: LeaveRequest) -> dict[str, Any]:
    """The request as plain data (``triage case --format json``, ``triage leave list``)."""
    return {
        "id": request.id,
        "first_date": request.first_date.isoformat(),
        "first_session": request.first_session,
        "last_date": request.last_date.isoformat(),
        "last_session": request.last_session,
        "reason": request.reason,
        "asked_by": request.asked_by,
        "asked_on": request.asked_on.isoformat(),
        "in_advance": request.in_advance,
        "recorded_by": request.officer,
        "decision": request.decision,
        "decided_by": request.decided_by,
        "decided_on": request.decided_on.isoformat() if request.decided_on else None,
        "decision_entered_by": request.decision_officer,
        "decision_note": request.decision_note,
    }
