"""Writing what an officer does from the queue: attempts, reasons (recodes), notes,
callbacks, and undoing the last of them.

Each function is one officer action = one short transaction with one audit event; every
row it writes points at that event, so an undo finds and reverses exactly that action.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from triage.codes import NOT_YET_PROVIDED
from triage.dates import local_now, local_stamp, utc_stamp
from triage.model import Attempt, Contact
from triage.morning.ladder import ESCALATION_OF, FamilyLadder, LadderError, dsl_not_due
from triage.morning.outcomes import CHANNEL_LABELS, RECODABLE, outcome
from triage.officers import require_writer
from triage.sanitise import printable
from triage.store import Store, StoreError
from triage.store.logbook import (
    attempts_in_session,
    delete_all_claims_of,
    delete_claims_of,
    event_subject,
    insert_attempts,
    insert_note,
    last_action_not_undone,
    mark_undone,
    others_live_claims,
    pupils_of_event,
    recode_marks,
    recodes_of,
    restore_action_detail,
    restore_action_status,
    restore_mark,
    restore_stage,
    session_mark,
    stage_changes_of,
    upsert_claims,
    withdraw_acks_of,
)

# Leave of absence and part-time timetables (triage.casework.leave, .timetables).
LEAVE_AND_TIMETABLE_ACTIONS = (
    "leave-request",
    "leave-decision",
    "timetable",
    "timetable-review",
    "timetable-la",
    "timetable-end",
)
# Leaving the roll and children missing education (triage.casework.roll): each writes one
# row, which undo marks undone.
ROLL_ACTIONS = {
    "roll-deletion": "roll_deletions",
    "cme-enquiry": "cme_records",
    "cme-notified": "cme_records",
}
UNDOABLE = (
    "attempt",
    "reason",
    "note",
    "callback",
    "stage",
    "action",
    "action-status",
    "ack",
    "dsl-told",
    *LEAVE_AND_TIMETABLE_ACTIONS,
    *ROLL_ACTIONS,
)


class Logged(NamedTuple):
    event_id: int
    pupil_ids: tuple[int, ...]
    recoded: tuple[int, ...] = ()  # pupils whose mark changed
    summary: str = ""


def _plan_recodes(
    store: Store, pupil_ids: Sequence[int], on: date, session: str, code: str
) -> list[dict[str, Any]]:
    """Which marks a reason recodes, with their before and after: each pupil's mark for the
    session if it still needs a reason (an N, or an earlier recode being corrected). A mark
    the MIS has since filled in (the pupil arrived, or the office entered a reason) is left
    alone. Read inside the write transaction, so the plan cannot go stale."""
    if code not in RECODABLE:
        raise ValueError(f"{code!r} cannot be recorded as a reason")
    plan: list[dict[str, Any]] = []
    for pid in pupil_ids:
        row = session_mark(store, pid, on, session)
        if row is None:
            continue
        old, amended = row
        if old == code or (old != NOT_YET_PROVIDED and not amended):
            continue
        plan.append(
            {
                "pupil_id": pid,
                "date": on.isoformat(),
                "session": session,
                "before": old,
                "after": code,
            }
        )
    if plan:  # C needs granted leave covering the session (the 2024 regulations)
        from triage.casework.leave import c_refusal

        refusal = c_refusal(store, [r["pupil_id"] for r in plan], on, session, code)
        if refusal:
            raise ValueError(refusal)
    return plan


def log_attempt(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    channel: str,
    outcome_key: str,
    contact: Contact | None = None,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    callback_at: datetime | None = None,
    at: datetime | None = None,
    release_claims: Sequence[int] = (),
) -> Logged:
    """Record one attempt for each pupil (a family call covers siblings) and, when a reason
    was given, recode their marks — all in one transaction, which also gives up this
    officer's claims on ``release_claims`` (the family whose dialog just closed)."""
    chosen = outcome(channel, outcome_key)  # KeyError for an outcome that does not exist
    if chosen.asks_reason and reason_code is None:
        raise ValueError(f"{chosen.label}: a reason is needed")
    if chosen.asks_time and callback_at is None:
        raise ValueError(f"{chosen.label}: a callback time is needed")
    if not pupil_ids:
        raise ValueError("no pupil to log for")
    with store.transaction():
        require_writer(store)
        event_id, plan = record_attempt(
            store,
            pupil_ids,
            on,
            session,
            channel,
            outcome_key,
            contact.id if contact else None,
            contact.name if contact else None,
            contact.numbers[0] if contact and contact.numbers else None,
            reason_code=reason_code,
            note=note,
            callback_at=callback_at,
            at=at,
        )
        delete_claims_of(store, release_claims, on, session)
    changed = [r["pupil_id"] for r in plan]
    return Logged(
        event_id, tuple(pupil_ids), tuple(changed), f"{CHANNEL_LABELS[channel]}: {chosen.label}"
    )


_ESCALATION_KEYS = ("dsl_informed", "social_worker_informed", "police_welfare_check")


DSL_TOLD = "dsl-told"  # the audit action of "DSL told"


def tell_dsl(
    store: Store,
    ladder: FamilyLadder,
    on: date,
    session: str,
    *,
    at: datetime | None = None,
    release_claims: Sequence[int] = (),
) -> Logged:
    """DSL told (`D` on the queue): the designated safeguarding lead has been told about
    the family's children whose DSL-alert step is due. One transaction: one audit event
    (who, when, which step) and, for each of those pupils, the escalation *DSL informed*,
    the attempt that does the ladder's step. Refused with one line (LadderError) when no
    DSL step of the family is due, or another officer has just recorded it."""
    refusal = dsl_not_due(ladder, ladder.family_id)
    if refusal is not None:
        raise LadderError(refusal)
    steps = [s for s in ladder.dsl_alerts_due() if s.pupil_id is not None]
    wanted = list(dict.fromkeys(s.pupil_id for s in steps if s.pupil_id is not None))
    outcome_key = ESCALATION_OF["dsl_alert"]
    stamp = local_stamp(at)
    with store.transaction():
        require_writer(store)
        # Read inside the write: two officers pressing D at once record it once.
        done = attempts_in_session(store, on, session, wanted)
        pupil_ids = [
            pid for pid in wanted if all(a.outcome != outcome_key for a in done.get(pid, ()))
        ]
        if not pupil_ids:
            raise LadderError(
                f"Family {ladder.family_id}: another officer has just recorded the DSL told;"
                " nothing recorded."
            )
        event_id = store.audit(
            DSL_TOLD,
            "pupil",
            pupil_ids[0],
            {
                "pupils": pupil_ids,
                "date": on.isoformat(),
                "session": session,
                "steps": sorted({s.step.key for s in steps if s.pupil_id in pupil_ids}),
                "due": min(s.due for s in steps if s.pupil_id in pupil_ids).isoformat(),
                "at": stamp,
            },
        )
        insert_attempts(
            store,
            event_id,
            pupil_ids,
            on,
            session,
            at=stamp,
            channel="escalation",
            outcome=outcome_key,
            contact_id=None,
            contact_name=None,
            number=None,
            reason_code=None,
            note=None,
            callback_at=None,
        )
        delete_claims_of(store, release_claims, on, session)
    return Logged(event_id, tuple(pupil_ids), (), "DSL told")


def record_attempt(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    channel: str,
    outcome_key: str,
    contact_id: int | None,
    contact_name: str | None,
    number: str | None,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    callback_at: datetime | None = None,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """The writes of :func:`log_attempt` on the caller's transaction: its audit event (with
    ``detail`` added), an attempt per pupil, and the recodes of a reason. Returns the
    event's id and the recodes. The outbox (:mod:`triage.messages.sending`) records a sent
    message with it in the same transaction as the message's ``accepted`` state."""
    chosen = outcome(channel, outcome_key)
    stamp = local_stamp(at)
    stored_channel = "escalation" if outcome_key in _ESCALATION_KEYS else channel
    plan = (
        _plan_recodes(store, pupil_ids, on, session, reason_code) if reason_code is not None else []
    )
    # One audit event per officer action, written first so every row can point at it.
    event_id = store.audit(
        "attempt",
        "pupil",
        pupil_ids[0],
        {
            "pupils": list(pupil_ids),
            "date": on.isoformat(),
            "session": session,
            "channel": stored_channel,
            "outcome": chosen.label,
            "contact": contact_name,
            "reason_code": reason_code,
            "recodes": plan,
            "note": note,
            "callback_at": local_stamp(callback_at) if callback_at else None,
            **(detail or {}),
        },
    )
    insert_attempts(
        store,
        event_id,
        pupil_ids,
        on,
        session,
        at=stamp,
        channel=stored_channel,
        outcome=outcome_key,
        contact_id=contact_id,
        contact_name=contact_name,
        number=number,
        reason_code=reason_code,
        note=note,
        callback_at=local_stamp(callback_at) if callback_at else None,
    )
    recode_marks(store, event_id, plan, chosen.label, stamp)
    return event_id, plan


def record_reason(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    code: str,
    *,
    note: str | None = None,
    at: datetime | None = None,
) -> Logged:
    """A reason known without an attempt (the parent rang in, a letter came): recode."""
    stamp = local_stamp(at)
    with store.transaction():
        require_writer(store)
        plan = _plan_recodes(store, pupil_ids, on, session, code)
        event_id = store.audit(
            "reason",
            "pupil",
            pupil_ids[0],
            {"pupils": list(pupil_ids), "recodes": plan, "note": note},
        )
        recode_marks(store, event_id, plan, note or "reason recorded", stamp)
    changed = [r["pupil_id"] for r in plan]
    return Logged(event_id, tuple(pupil_ids), tuple(changed), f"Reason recorded: {code}")


def add_note(store: Store, pupil_id: int, text: str, *, at: datetime | None = None) -> Logged:
    text = printable(text).strip()
    if not text:
        raise ValueError("the note is empty")
    stamp = local_stamp(at)
    with store.transaction():
        require_writer(store)
        event_id = store.audit("note", "pupil", pupil_id, {"text": text})
        insert_note(store, event_id, pupil_id, stamp, text)
    return Logged(event_id, (pupil_id,), (), "Note added")


def set_callback(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    when: datetime,
    contact: Contact | None = None,
    *,
    at: datetime | None = None,
) -> Logged:
    """Arrange to call the family back at a time (without a call outcome to record)."""
    return log_attempt(
        store, pupil_ids, on, session, "callback", "callback", contact, callback_at=when, at=at
    )


class Undone(NamedTuple):
    event_id: int  # the undo's own audit event
    undid: int  # the action undone
    action: str
    pupil_ids: tuple[int, ...]
    marks_restored: int


def undo_last(store: Store) -> Undone | None:
    """Undo this officer's most recent action that is not already undone: its attempts,
    notes and recodes are marked undone (never deleted) and each recoded mark goes back to
    what it was — unless it has changed since (a later import or another officer), which
    is left alone. The undo is itself an audit event. None when there is nothing to undo."""
    with store.transaction():
        require_writer(store)
        row = last_action_not_undone(store, UNDOABLE)
        if row is None:
            return None
        target, action = row
        undo_id = store.audit("undo", "event", target, {"action": action})
        pupils: set[int] = set()
        restored = 0
        for table in ("attempts", "notes"):
            pupils.update(pupils_of_event(store, table, target))
            mark_undone(store, table, target, undo_id)
        restored += _undo_case_rows(store, target, action, undo_id, pupils)
        for recode in recodes_of(store, target):
            pupils.add(recode.pupil_id)
            restored += restore_mark(store, recode, undo_id)
    return Undone(undo_id, target, action, tuple(sorted(pupils)), restored)


def _undo_case_rows(store: Store, target: int, action: str, undo_id: int, pupils: set[int]) -> int:
    """The case side of undo: stage changes and actions are marked undone (the pupil's stage
    goes back only if nobody has moved it since), a status change is put back only if the
    action still has the status it set, and an acknowledgement is withdrawn."""
    restored = 0
    if action == "stage":
        for pid, from_stage, to_stage in stage_changes_of(store, target):
            pupils.add(pid)
            restored += restore_stage(store, pid, from_stage, to_stage)
        mark_undone(store, "stage_changes", target, undo_id)
    elif action == "action":
        pupils.update(pupils_of_event(store, "actions", target))
        mark_undone(store, "actions", target, undo_id)
    elif action == "action-status":
        import json  # only undo reads an event's detail back

        entity_id, detail_json = event_subject(store, target) or (None, None)
        detail = json.loads(detail_json) if detail_json else {}
        before, after = detail.get("before") or {}, detail.get("after") or {}
        if detail.get("action_id") is not None:
            put_back = restore_action_status(
                store,
                detail["action_id"],
                before.get("status"),
                before.get("note"),
                after.get("status"),
            )
            if put_back and "detail" in before:  # a date of service, a hearing, an outcome
                restore_action_detail(store, detail["action_id"], before["detail"])
            restored += put_back
            if entity_id is not None:  # the pupil whose action it is
                pupils.add(int(entity_id))
    elif action == "ack":
        pupils.update(withdraw_acks_of(store, target))
    elif action in LEAVE_AND_TIMETABLE_ACTIONS:
        _undo_leave_and_timetables(store, target, action, undo_id, pupils)
    elif action in ROLL_ACTIONS:
        pupils.update(pupils_of_event(store, ROLL_ACTIONS[action], target))
        mark_undone(store, ROLL_ACTIONS[action], target, undo_id)
    return restored


def _undo_leave_and_timetables(
    store: Store, target: int, action: str, undo_id: int, pupils: set[int]
) -> None:
    """A leave request or timetable (or review) is marked undone; a decision is taken back
    (the request waits for one again; its recodes to C are put back by the caller); the
    local authority's notification or a timetable's end is cleared if it is still the one
    the event set. A request decided since cannot be undone: the decision comes first."""
    import json  # only undo reads an event's detail back

    from triage.store import leave as leave_rows

    entity_id, detail_json = event_subject(store, target) or (None, None)
    if entity_id is not None:
        pupils.add(int(entity_id))
    detail = json.loads(detail_json) if detail_json else {}
    timetable_id = detail.get("timetable_id")
    after = detail.get("after") or {}
    if action == "leave-request":
        if leave_rows.decided_request_of_event(store, target):
            raise StoreError(
                "that leave request has been decided since: undo the decision first "
                "(a lead), then the request"
            )
        mark_undone(store, "leave_requests", target, undo_id)
    elif action == "leave-decision":
        leave_rows.clear_decision_of_event(store, target)
    elif action == "timetable":
        mark_undone(store, "part_time_timetables", target, undo_id)
    elif action == "timetable-review":
        mark_undone(store, "timetable_reviews", target, undo_id)
        if timetable_id is not None and detail.get("review_dates_before") is not None:
            leave_rows.set_review_dates(
                store, timetable_id, json.dumps(detail["review_dates_before"])
            )
    elif action == "timetable-la" and timetable_id is not None:
        leave_rows.clear_la_notified(store, timetable_id, after.get("la_notified_on", ""))
    elif action == "timetable-end" and timetable_id is not None:
        leave_rows.clear_ended(store, timetable_id, after.get("ended_on", ""))


def attempts_for(
    store: Store, on: date, session: str, pupil_ids: Sequence[int] | None = None
) -> dict[int, list[Attempt]]:
    """The attempts (not undone) about each pupil's absence in a session, oldest first
    (only those about ``pupil_ids`` when given)."""
    result = attempts_in_session(store, on, session, pupil_ids)
    # Time order, not text order: officers' clocks may write different UTC offsets.
    for attempts in result.values():
        attempts.sort(key=lambda a: a.at)
    return result


# --- claims: who is on a family right now ------------------------------------------------

CLAIM_MINUTES = 10


# A claim is a courtesy: it never keeps an officer waiting for another's write.
CLAIM_PATIENCE_MS = 250


def claim(
    store: Store,
    pupil_ids: Sequence[int],
    on: date,
    session: str,
    *,
    minutes: int = CLAIM_MINUTES,
    at: datetime | None = None,
) -> None:
    """Mark these pupils as being worked by this officer until the claim expires. Claims
    are a courtesy between officers, not a lock: nothing is audited, a claim that is not
    released (a dropped connection) simply lapses, and one that would have to wait for
    another officer's write is given up (StoreError) rather than keep the officer waiting."""
    now = at or local_now()
    expires = now + timedelta(minutes=minutes)
    with store.transaction(CLAIM_PATIENCE_MS):
        require_writer(store)
        upsert_claims(store, pupil_ids, on, session, utc_stamp(now), utc_stamp(expires))


def release(store: Store, pupil_ids: Sequence[int], on: date, session: str) -> None:
    """Give up this officer's claims on these pupils (the dialog closed)."""
    with store.transaction(CLAIM_PATIENCE_MS):
        delete_claims_of(store, pupil_ids, on, session)


def release_all(store: Store) -> None:
    """Give up every claim this officer holds (the app is closing)."""
    with store.transaction():
        delete_all_claims_of(store)


def claims_for(
    store: Store, on: date, session: str, *, at: datetime | None = None
) -> dict[int, str]:
    """Pupil id -> officer, for live claims by other officers."""
    return others_live_claims(store, on, session, utc_stamp(at))
