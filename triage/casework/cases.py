"""Cases: a pupil's stage of support, the actions recorded at each stage, and what the case
screen shows (timeline, absence patterns, register grid, a suggested stage).

Working together to improve school attendance (DfE, 2024): every pupil is at one stage of
support (:data:`triage.model.STAGES`); moving up is an officer's decision with a reason,
moving down is normal. A move to Formalise support or Enforce should follow recorded
support (Listen and understand, Facilitate support), except for an unapproved term-time
holiday. The app suggests; it never moves a stage on its own.

Writes follow :mod:`triage.morning.logbook`: one officer action = one short transaction with one
audit event, and every row written points at that event (``event_id``); an undo marks rows
undone (``undone_event_id``) rather than deleting them. Reads return small frozen rows and
leave undone rows out. :func:`patterns`, :func:`register_grid` and :func:`suggest` are pure
functions over plain rows. The statements are in :mod:`triage.store.cases`. See
``docs/cases.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from triage.codes import CODES, Category
from triage.dates import dmy, local_stamp, parse_stamp
from triage.model import (
    DEFAULT_STAGE,
    SESSIONS,
    STAGES,
    AttendanceSummary,
    Mark,
    stage_rank,
)
from triage.morning.outcomes import CHANNEL_LABELS, outcome
from triage.officers import require_lead, require_writer
from triage.rules import MISSING_EDUCATION_DAYS, PENALTY_NOTICE_SESSIONS
from triage.sanitise import printable
from triage.store import Store
from triage.store import cases as case_rows
from triage.store.alerts import acknowledgements_of

if TYPE_CHECKING:
    from triage.morning.ladder import FamilyLadder

EXPECT, MONITOR, LISTEN, FACILITATE, FORMALISE, ENFORCE = STAGES

# --- what can be recorded -----------------------------------------------------------------


class ActionKind(NamedTuple):
    label: str
    stage: str | None  # the stage it typically belongs to; None: any stage


# In the order a case usually runs (the order a picker shows them).
ACTION_KINDS: dict[str, ActionKind] = {
    "pattern_noted": ActionKind("Pattern noted", MONITOR),
    "letter_sent": ActionKind("Letter sent home", MONITOR),
    "meeting_held": ActionKind("Meeting held (barriers recorded)", LISTEN),
    "in_school_support_plan": ActionKind("In-school support plan", FACILITATE),
    "early_help_referral": ActionKind("Early Help referral", FACILITATE),
    "agency_referral": ActionKind("Whole-family or agency referral (health, SEND…)", FACILITATE),
    "attendance_contract": ActionKind("Attendance contract", FORMALISE),
    "notice_to_improve": ActionKind("Notice to Improve", FORMALISE),
    "education_supervision_order": ActionKind("Education Supervision Order", FORMALISE),
    "legal_intervention_referral": ActionKind("Legal Intervention referral", FORMALISE),
    "penalty_notice": ActionKind("Penalty notice", ENFORCE),
    "prosecution_referral": ActionKind("Prosecution referral (s444 Education Act 1996)", ENFORCE),
    "parenting_order": ActionKind("Parenting order", ENFORCE),
    "social_worker_informed": ActionKind("Social worker informed", None),
    "la_notified_cme": ActionKind("Local authority notified (children missing education)", None),
    "review_held": ActionKind("Case reviewed", None),
    "medical_evidence_seen": ActionKind("Medical evidence seen (illness)", None),
    "health_referral": ActionKind(
        "Local authority told: illness 15 school days (health needs, s19)", None
    ),
}

# Recorded support: the Listen-and-understand and Facilitate-support actions. A move up to
# Formalise support or Enforce without one of these needs confirming.
SUPPORT_KINDS = frozenset(k for k, v in ACTION_KINDS.items() if v.stage in (LISTEN, FACILITATE))
# Statutory intervention: only a lead may record these.
ENFORCE_KINDS = frozenset(k for k, v in ACTION_KINDS.items() if v.stage == ENFORCE)

BARRIERS = (
    "illness/health",
    "SEND",
    "mental health/anxiety",
    "bullying",
    "transport",
    "caring responsibilities",
    "family circumstances",
    "housing",
    "other",
)

ACTION_STATUSES = ("open", "done", "cancelled")
# A penalty notice's statuses (triage.casework.penalties.NOTICE_MOVES): requested from the
# local authority, its reply, service, the outcome. "paid" (no amount) is from before.
PENALTY_STATUSES = (
    "requested",
    "issued",
    "declined",
    "served",
    "paid",
    "paid_80",
    "paid_160",
    "unpaid",
    "withdrawn",
)


class NeedsConfirmation(Exception):
    """A move up to Formalise support or Enforce with no support recorded: the officer must
    confirm it (or mark the case as an unapproved term-time holiday)."""

    def __init__(self, pupil_id: int, from_stage: str, to_stage: str) -> None:
        self.pupil_id = pupil_id
        self.from_stage = from_stage
        self.to_stage = to_stage
        super().__init__(
            f"No support is recorded for this pupil (a meeting, a support plan or a "
            f"referral); moving from {from_stage} to {to_stage} should follow it. "
            f"Confirm to move anyway, or mark it as an unapproved term-time holiday."
        )


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageChange:
    id: int
    pupil_id: int
    from_stage: str
    to_stage: str
    reason: str
    review_date: date | None
    at: datetime
    officer: str
    event_id: int
    holiday: bool = False  # an unapproved term-time holiday case
    confirmed: bool = False  # moved up without recorded support, on the officer's word

    @property
    def up(self) -> bool:
        return stage_rank(self.to_stage) > stage_rank(self.from_stage)


@dataclass(frozen=True)
class Action:
    id: int
    pupil_id: int
    kind: str
    on: date  # when it happened
    note: str | None
    due_date: date | None  # review / due date; a Notice to Improve's period end
    status: str | None
    detail: Mapping[str, Any]
    at: datetime  # when it was recorded
    officer: str
    event_id: int

    @property
    def label(self) -> str:
        return ACTION_KINDS[self.kind].label if self.kind in ACTION_KINDS else self.kind

    @property
    def barriers(self) -> tuple[str, ...]:
        return tuple(self.detail.get("barriers", ()))


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    officer: str
    kind: str  # attempt, recode, note, stage, action, ack, ladder
    text: str  # plain text: show it with rich.text.Text, never as markup
    event_id: int | None = None


# --- time stamps ----------------------------------------------------------------------------


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# --- stage changes --------------------------------------------------------------------------


def _stage_of(store: Store, pupil_id: int) -> str:
    stage = case_rows.pupil_stage(store, pupil_id)
    if stage is None:
        raise ValueError(f"there is no pupil with id {pupil_id}")
    return stage


def has_support(store: Store, pupil_id: int) -> bool:
    """Whether any support action (:data:`SUPPORT_KINDS`) is recorded and not undone."""
    return case_rows.has_action_of(store, pupil_id, SUPPORT_KINDS)


def change_stage(
    store: Store,
    pupil_id: int,
    to_stage: str,
    reason: str,
    review_date: date | None,
    *,
    holiday: bool = False,
    confirmed: bool = False,
    at: datetime | None = None,
) -> StageChange:
    """Move a pupil to another stage of support, with the officer's reason and the next
    review date, in one transaction with one ``stage`` audit event (before and after).

    Working together to improve school attendance: a move up to Formalise support or
    Enforce should follow recorded support (:data:`SUPPORT_KINDS`); without it this raises
    :class:`NeedsConfirmation` unless ``confirmed`` (the officer confirms) or ``holiday``
    (an unapproved term-time holiday case, where no prior support is expected). Moving
    down is always allowed. ``ValueError`` for an unknown stage, the stage the pupil is
    already at, an empty reason or a review date before the day of the change;
    ``AccessDenied`` for a viewer.
    """
    if to_stage not in STAGES:
        raise ValueError(f"{to_stage!r} is not a stage of support ({', '.join(STAGES)})")
    reason = printable(reason or "").strip()
    if not reason:
        raise ValueError("a reason is needed to change the stage")
    stamp = local_stamp(at)
    if review_date is not None and review_date < datetime.fromisoformat(stamp).date():
        raise ValueError(f"the review date {dmy(review_date)} is in the past")
    with store.transaction():
        require_writer(store)
        from_stage = _stage_of(store, pupil_id)
        if from_stage == to_stage:
            raise ValueError(f"the pupil is already at {to_stage}")
        support = has_support(store, pupil_id)
        up = stage_rank(to_stage) > stage_rank(from_stage)
        if up and stage_rank(to_stage) >= stage_rank(FORMALISE) and not support:
            if not (holiday or confirmed):
                raise NeedsConfirmation(pupil_id, from_stage, to_stage)
        else:
            confirmed = False  # nothing needed confirming
        event_id = store.audit(
            "stage",
            "pupil",
            pupil_id,
            {
                "before": from_stage,
                "after": to_stage,
                "reason": reason,
                "review_date": review_date,
                "holiday": holiday,
                "confirmed": confirmed,
                "support_recorded": support,
            },
        )
        change_id = case_rows.insert_stage_change(
            store,
            event_id=event_id,
            pupil_id=pupil_id,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
            review_date=review_date.isoformat() if review_date else None,
            at=stamp,
            officer=store.officer,
        )
        case_rows.set_pupil_stage(store, pupil_id, to_stage)
    return StageChange(
        id=change_id,
        pupil_id=pupil_id,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        review_date=review_date,
        at=parse_stamp(stamp),
        officer=store.officer,
        event_id=event_id,
        holiday=holiday,
        confirmed=confirmed,
    )


def stage_history(store: Store, pupil_id: int) -> list[StageChange]:
    """The pupil's stage changes, newest first, undone ones left out."""
    result = []
    for row in case_rows.stage_changes_of(store, pupil_id):
        detail = json.loads(row.detail) if row.detail else {}
        result.append(
            StageChange(
                id=row.id,
                pupil_id=pupil_id,
                from_stage=row.from_stage,
                to_stage=row.to_stage,
                reason=row.reason,
                review_date=_day(row.review_date),
                at=parse_stamp(row.at),
                officer=row.officer,
                event_id=row.event_id,
                holiday=bool(detail.get("holiday")),
                confirmed=bool(detail.get("confirmed")),
            )
        )
    return result


def current_stage(store: Store, pupil_id: int) -> str:
    return _stage_of(store, pupil_id)


def stage_since(store: Store, pupil_id: int) -> date | None:
    """The date of the last stage change (not undone), or None when it never changed."""
    at = case_rows.last_stage_change_at(store, pupil_id)
    return parse_stamp(at).date() if at else None


def next_reviews(store: Store, pupil_ids: Iterable[int] | None = None) -> dict[int, date]:
    """Pupil id -> next review date, for every pupil that has one (one query).

    The review date in force is the one set by the latest of the pupil's stage changes and
    ``review_held`` actions (its ``due_date``); a latest one without a date means no review.
    """
    latest: dict[int, tuple[int, str | None]] = {}
    for pid, review, event_id in case_rows.review_dates(store, "review_held"):
        if pid not in latest or event_id > latest[pid][0]:
            latest[pid] = (event_id, review)
    wanted = None if pupil_ids is None else set(pupil_ids)
    return {
        pid: date.fromisoformat(review)
        for pid, (_event, review) in latest.items()
        if review and (wanted is None or pid in wanted)
    }


def next_review(store: Store, pupil_id: int) -> date | None:
    return next_reviews(store, [pupil_id]).get(pupil_id)


# --- actions --------------------------------------------------------------------------------


def _check_barriers(barriers: object, note: str | None) -> list[str]:
    if not isinstance(barriers, list | tuple) or not barriers:
        raise ValueError(
            "a meeting needs at least one barrier from the list: " + ", ".join(BARRIERS)
        )
    unknown = [b for b in barriers if b not in BARRIERS]
    if unknown:
        raise ValueError(
            f"{', '.join(map(str, unknown))} is not a barrier on the list: " + ", ".join(BARRIERS)
        )
    if len(set(barriers)) != len(barriers):
        raise ValueError("a barrier is listed twice")
    if "other" in barriers and not note:
        raise ValueError("say what the other barrier is in the note")
    return [b for b in BARRIERS if b in barriers]  # the list's order


def _check_improvement_period(store: Store, on: date, ends: date) -> None:
    """A Notice to Improve gives the parent a real chance: its improvement period is the
    school's setting (3 to 6 weeks by default, as most local authorities' codes of conduct
    say), not a day."""
    from triage import settings  # settings reads officers, which this module's callers use

    low, high = settings.get_int(store, "nti_min_weeks"), settings.get_int(store, "nti_max_weeks")
    days = (ends - on).days
    if not low * 7 <= days <= high * 7:
        raise ValueError(
            f"the improvement period of a Notice to Improve is {low} to {high} weeks (the "
            f"school's setting); {days} day(s) were given, to {dmy(ends)}"
        )


def _check_status(kind: str, status: str | None) -> None:
    allowed = PENALTY_STATUSES if kind == "penalty_notice" else ACTION_STATUSES
    if status is not None and status not in allowed:
        raise ValueError(f"status {status!r} is not one of {', '.join(allowed)}")


def _write_action(
    store: Store,
    pupil_id: int,
    kind: str,
    on: date,
    *,
    note: str | None,
    due_date: date | None,
    status: str | None,
    detail: dict[str, Any],
    stamp: str,
) -> Action:
    """Insert one action and its ``action`` audit event. Call inside a transaction, after
    the access check (used by :func:`record_action` and :mod:`triage.casework.penalties`)."""
    _stage_of(store, pupil_id)  # the pupil exists
    day = on.isoformat()
    due = due_date.isoformat() if due_date else None
    row = {
        "kind": kind,
        "date": day,
        "note": note,
        "due_date": due,
        "status": status,
        "detail": detail,
    }
    event_id = store.audit("action", "pupil", pupil_id, {"before": None, "after": row})
    action_id = case_rows.insert_action(
        store,
        event_id=event_id,
        pupil_id=pupil_id,
        kind=kind,
        on=day,
        note=note,
        due_date=due,
        status=status,
        detail=json.dumps(detail, sort_keys=True, ensure_ascii=False) if detail else None,
        at=stamp,
        officer=store.officer,
    )
    return Action(
        id=action_id,
        pupil_id=pupil_id,
        kind=kind,
        on=on,
        note=note,
        due_date=due_date,
        status=status,
        detail=detail,
        at=parse_stamp(stamp),
        officer=store.officer,
        event_id=event_id,
    )


def record_action(
    store: Store,
    pupil_id: int,
    kind: str,
    on: date,
    *,
    note: str | None = None,
    due_date: date | None = None,
    status: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Action:
    """Record one action of a case (:data:`ACTION_KINDS`) in one transaction with one
    ``action`` audit event.

    - ``meeting_held`` needs ``detail={"barriers": [...]}``: at least one of
      :data:`BARRIERS`, none twice; ``"other"`` needs a note saying what it is.
    - ``notice_to_improve`` needs ``due_date``: the end of the improvement period, after
      ``on``.
    - Enforce kinds (:data:`ENFORCE_KINDS`) may only be recorded by a lead; a penalty notice
      is recorded with :func:`triage.casework.penalties.issue_penalty_notice`, which applies the
      National Framework for Penalty Notices (third notice refused, amounts and dates).
    - ``status`` is one of :data:`ACTION_STATUSES` (or None).
    """
    if kind not in ACTION_KINDS:
        raise ValueError(f"{kind!r} is not a kind of action ({', '.join(ACTION_KINDS)})")
    if kind == "penalty_notice":
        raise ValueError(
            "record a penalty notice with triage.casework.penalties.issue_penalty_notice: it "
            "applies the National Framework (amounts, dates, no third notice within 3 years)"
        )
    note = (printable(note).strip() or None) if note else None
    detail = dict(detail or {})
    if kind == "meeting_held" or "barriers" in detail:
        detail["barriers"] = _check_barriers(detail.get("barriers"), note)
    if kind == "notice_to_improve":
        if due_date is None:
            raise ValueError("a Notice to Improve needs the end date of its improvement period")
        if due_date <= on:
            raise ValueError("the improvement period must end after the notice is given")
        _check_improvement_period(store, on, due_date)
    if due_date is not None and due_date < on:
        raise ValueError(f"the due date {dmy(due_date)} is before {dmy(on)}")
    _check_status(kind, status)
    try:
        json.dumps(detail)
    except TypeError as exc:
        raise ValueError(f"the detail cannot be stored: {exc}") from exc
    stamp = local_stamp(at)
    with store.transaction():
        if kind in ENFORCE_KINDS:
            require_lead(store)
        else:
            require_writer(store)
        return _write_action(
            store,
            pupil_id,
            kind,
            on,
            note=note,
            due_date=due_date,
            status=status,
            detail=detail,
            stamp=stamp,
        )


def set_action_status(
    store: Store,
    action_id: int,
    status: str,
    *,
    note: str | None = None,
    detail: Mapping[str, Any] | Callable[[Action], Mapping[str, Any]] | None = None,
    check: Callable[[Action], None] | None = None,
) -> Action:
    """Change an action's status (e.g. a referral ``done``, a notice ``paid_80``) in one
    transaction with an ``action-status`` audit event holding the before and after.
    Enforce kinds need a lead. ``note``, when given, replaces the action's note;
    ``detail`` (or ``detail(before)``), when given, is merged into the action's detail (a
    notice's date of service, a prosecution's hearings); ``check(before)`` may refuse the
    change (raising), inside the transaction. Undo puts the status, note and detail back."""
    note = (printable(note).strip() or None) if note else None
    with store.transaction():
        before = _action_by_id(store, action_id)
        if before is None:
            raise ValueError(f"there is no action {action_id}")
        if before.kind in ENFORCE_KINDS:
            require_lead(store)
        else:
            require_writer(store)
        _check_status(before.kind, status)
        if check is not None:
            check(before)
        changes = detail(before) if callable(detail) else detail
        new_detail = {**before.detail, **(changes or {})}
        if status == before.status and note is None and new_detail == dict(before.detail):
            raise ValueError(f"the {before.label.lower()} is already {status}")
        try:
            detail_json = json.dumps(new_detail, sort_keys=True, ensure_ascii=False)
        except TypeError as exc:
            raise ValueError(f"the detail cannot be stored: {exc}") from exc
        new_note = note if note is not None else before.note
        changed = new_detail != dict(before.detail)
        store.audit(
            "action-status",
            "pupil",
            before.pupil_id,
            {
                "action_id": action_id,
                "kind": before.kind,
                "before": {"status": before.status, "note": before.note}
                | ({"detail": dict(before.detail)} if changed else {}),
                "after": {"status": status, "note": new_note}
                | ({"detail": new_detail} if changed else {}),
            },
        )
        case_rows.update_action_status(store, action_id, status, new_note)
        if changed:
            case_rows.update_action_detail(store, action_id, detail_json)
        after = _action_by_id(store, action_id)
    assert after is not None
    return after


def _action_from_row(row: case_rows.ActionRow) -> Action:
    return Action(
        id=row.id,
        pupil_id=row.pupil_id,
        kind=row.kind,
        on=date.fromisoformat(row.date),
        note=row.note,
        due_date=_day(row.due_date),
        status=row.status,
        detail=json.loads(row.detail) if row.detail else {},
        at=parse_stamp(row.at),
        officer=row.officer,
        event_id=row.event_id,
    )


def _action_by_id(store: Store, action_id: int) -> Action | None:
    row = case_rows.action_by_id(store, action_id)
    return _action_from_row(row) if row else None


def actions_of(store: Store, pupil_id: int, kind: str | None = None) -> list[Action]:
    """The pupil's actions (optionally of one kind), newest first by date, undone ones left
    out."""
    return [_action_from_row(r) for r in case_rows.actions_of(store, pupil_id, kind)]


def open_actions(store: Store, kind: str) -> list[Action]:
    """Every pupil's actions of one kind that are not undone (one query; for alerts)."""
    return [_action_from_row(r) for r in case_rows.actions_of_kind(store, kind)]


def describe_action(action: Action) -> str:
    """One line of plain text about an action, as the timeline shows it."""
    parts = [f"{action.label}, {dmy(action.on)}"]
    d = action.detail
    if action.barriers:
        parts.append("barriers: " + ", ".join(action.barriers))
    if action.kind == "penalty_notice" and d.get("parent"):
        text = f"notice {d.get('number', '?')} to {d['parent']}: "
        if d.get("reduced_amount"):
            text += f"£{d['reduced_amount']} by {dmy(date.fromisoformat(d['reduced_by']))}, "
        if d.get("full_amount"):
            text += f"£{d['full_amount']} by {dmy(date.fromisoformat(d['full_by']))}"
        parts.append(text.rstrip(", "))
    elif action.due_date:
        word = "period ends" if action.kind == "notice_to_improve" else "due"
        if action.kind == "review_held":
            word = "next review"
        parts.append(f"{word} {dmy(action.due_date)}")
    if action.kind == "prosecution_referral":
        from triage.casework import prosecution  # it builds on this module

        parts += [t for t in (prosecution.hearings_text(action),) if t]
        if prosecution.outcome_text(action):
            parts.append("outcome: " + prosecution.outcome_text(action))
    if action.kind == "penalty_notice":
        for key, words in (
            ("requested_on", "requested from the LA"),
            ("issued_on", "issued by the LA"),
            ("declined_on", "declined by the LA"),
            ("served_on", "served"),
            ("paid_on", "paid"),
        ):
            if d.get(key):
                parts.append(f"{words} {dmy(date.fromisoformat(d[key]))}")
    if action.status:
        parts.append(
            action.status.replace("_", " at £") if "paid_" in action.status else action.status
        )
    if action.note:
        parts.append(action.note)
    return "; ".join(parts)


def describe_stage_change(change: StageChange, names: Mapping[str, str] | None = None) -> str:
    """One line of plain text; ``names``: the school's names for the stages (DfE -> name)."""
    names = names or {}
    text = (
        f"Stage: {names.get(change.from_stage, change.from_stage)} → "
        f"{names.get(change.to_stage, change.to_stage)}. {change.reason}"
    )
    if change.review_date:
        text += f" Review by {dmy(change.review_date)}."
    if change.holiday:
        text += " (Unapproved term-time holiday.)"
    elif change.confirmed:
        text += " (Confirmed with no support recorded.)"
    return text


# --- the timeline ---------------------------------------------------------------------------


LADDER_ABSENCES = 10  # the calling ladder is shown for the pupil's last 10 queued absences


@dataclass(frozen=True)
class StepToDo:
    """A step of the calling ladder not done yet for an absence still unexplained: not a
    record of anything done, so it is shown apart from the timeline."""

    due: datetime
    session: str
    label: str
    overdue: bool


def _pupil_ladders(
    store: Store, pupil_id: int, now: datetime
) -> list[tuple[date, str, FamilyLadder]]:
    """The school's first-day calling ladder for each of the pupil's recent queued absences,
    at ``now``: (date, session, FamilyLadder). Read for the pupil alone; a family call
    writes an attempt for each sibling, so the pupil's own attempts show what was done."""
    from triage.model import AttendanceSummary, QueueEntry
    from triage.morning import ladder as ladders
    from triage.morning.logbook import attempts_for

    queued = case_rows.queued_absences(store, pupil_id, LADDER_ABSENCES)
    if not queued:
        return []
    pupil = store.pupils([pupil_id])[0]
    contacts = tuple(store.contacts_by_pupil([pupil_id]).get(pupil_id, ()))
    ladder = ladders.ladder_of(store)
    result = []
    for day, session, code in queued:
        on = date.fromisoformat(day)
        entry = QueueEntry(pupil, 1, contacts, 0, AttendanceSummary(0, 0, 0, 0), 0, 0)
        attempts = attempts_for(store, on, session).get(pupil_id, [])
        family = ladders.family_ladder(
            [entry],
            {pupil_id: attempts},
            {pupil_id: code},
            ladder,
            ladders.register_close(store, on, session),
            now,
        )
        result.append((on, session, family))
    return result


def _ladder_steps_done(store: Store, pupil_id: int, now: datetime) -> list[TimelineEntry]:
    """The ladder's steps done, with who did them and when, timed at their due time."""
    from triage.morning.ladder import DONE

    result: list[TimelineEntry] = []
    for _on, session, family in _pupil_ladders(store, pupil_id, now):
        for step in family.steps:
            if step.state != DONE:
                continue
            text = (
                f"Calling ladder ({session}): {step.step.label} due {step.due:%H:%M},"
                f" done {step.done_at:%H:%M}" + (" (late)" if step.late else "")
            )
            result.append(TimelineEntry(step.due, step.done_by or "", "ladder", text))
    return result


def ladder_to_do(store: Store, pupil_id: int, on: date, now: datetime) -> list[StepToDo]:
    """The ladder's steps still to do for the pupil's unexplained absences of ``on``, in
    due order, overdue or not yet due at ``now``. Steps of earlier days not done are not
    listed: nothing more will be done for them (the end-of-day summary reports them)."""
    from triage.morning.ladder import OVERDUE, PENDING

    return [
        StepToDo(step.due, session, step.step.label, step.state == OVERDUE)
        for day, session, family in _pupil_ladders(store, pupil_id, now)
        if day == on
        for step in family.steps
        if step.state in (OVERDUE, PENDING)
    ]


def _leave_and_timetable_entries(store: Store, pupil_id: int) -> list[TimelineEntry]:
    """Leave requests and their decisions; part-time timetables and their reviews."""
    from triage.casework import leave, timetables

    entries = []
    for r in leave.leave_requests(store, [pupil_id]):
        text = f"Leave requested (request {r.id}): {r.dates_text}; {r.reason}; asked by "
        text += f"{r.asked_by} on {dmy(r.asked_on)}"
        if not r.in_advance:
            text += " (after the leave began: cannot be granted)"
        entries.append(TimelineEntry(r.at, r.officer, "leave", text, r.event_id))
        if r.decision and r.decision_at:
            text = f"Leave {r.decision} (request {r.id}, {r.dates_text}) by {r.decided_by}"
            text += f" on {dmy(r.decided_on)}" + (f"; {r.decision_note}" if r.decision_note else "")
            entries.append(
                TimelineEntry(
                    r.decision_at, r.decision_officer or "", "leave", text, r.decision_event_id
                )
            )
    for t in timetables.timetables_of(store, [pupil_id]):
        entries.append(
            TimelineEntry(t.at, t.officer, "timetable", timetables.describe(t), t.event_id)
        )
        for review in t.reviews:
            text = f"Part-time timetable {t.id} reviewed on {dmy(review.on)}"
            entries.append(
                TimelineEntry(
                    review.at,
                    review.officer,
                    "timetable",
                    text + (f": {review.note}" if review.note else ""),
                )
            )
    return entries


def _roll_entries(store: Store, pupil_id: int) -> list[TimelineEntry]:
    """A deletion from the roll; enquiries about a child missing education; the local
    authority told."""
    from triage.casework import roll

    entries = [
        TimelineEntry(d.at, d.officer, "roll", roll.describe_deletion(d), d.event_id)
        for d in roll.deletions(store, [pupil_id])
    ]
    entries += [
        TimelineEntry(e.at, e.officer, "cme", roll.describe_enquiry(e), e.event_id)
        for e in roll.enquiries(store, [pupil_id])
    ]
    entries += [
        TimelineEntry(n.at, n.officer, "cme", roll.describe_notification(n), n.event_id)
        for n in roll.notifications(store, [pupil_id])
    ]
    return entries


def timeline(
    store: Store, pupil_id: int, *, ladder: bool = False, now: datetime | None = None
) -> list[TimelineEntry]:
    """Everything done on the pupil's case, newest first: contact attempts, recodes, notes,
    stage changes, actions and alert acknowledgements, and with ``ladder`` the calling
    ladder's steps done (at ``now``, default the clock; the steps still to do are
    :func:`ladder_to_do`). Undone rows are left out. Each entry is plain text (no markup)."""
    entries: list[TimelineEntry] = []
    for (
        event_id,
        at,
        officer,
        channel,
        key,
        contact,
        number,
        day,
        session,
        reason,
        note,
        callback,
    ) in case_rows.attempts_of(store, pupil_id):
        try:
            label = outcome(channel, key).label
        except KeyError:
            label = key
        text = f"{CHANNEL_LABELS.get(channel, channel)}: {label}"
        if contact:
            text += f" ({contact}{', ' + number if number else ''})"
        text += f"; absence {dmy(date.fromisoformat(day))} {session}"
        if reason:
            text += f"; reason {reason}"
        if callback:
            text += f"; call back {parse_stamp(callback):%d/%m/%Y %H:%M}"
        if note:
            text += f"; {note}"
        entries.append(TimelineEntry(parse_stamp(at), officer, "attempt", text, event_id))
    for event_id, at, officer, day, session, old, new, reason in case_rows.recodes_of(
        store, pupil_id
    ):
        text = f"Mark {dmy(date.fromisoformat(day))} {session} recoded {old} → {new}"
        if reason:
            text += f" ({reason})"
        entries.append(TimelineEntry(parse_stamp(at), officer, "recode", text, event_id))
    for event_id, at, officer, note in case_rows.notes_of(store, pupil_id):
        entries.append(TimelineEntry(parse_stamp(at), officer, "note", f"Note: {note}", event_id))
    from triage import settings  # settings reads officers, which this module's callers use

    names = settings.stage_names(store)
    for change in stage_history(store, pupil_id):
        entries.append(
            TimelineEntry(
                change.at,
                change.officer,
                "stage",
                describe_stage_change(change, names),
                change.event_id,
            )
        )
    entries.extend(_leave_and_timetable_entries(store, pupil_id))
    entries.extend(_roll_entries(store, pupil_id))
    for action in actions_of(store, pupil_id):
        entries.append(
            TimelineEntry(
                action.at, action.officer, "action", describe_action(action), action.event_id
            )
        )
    from triage.casework.alerts import ALERT_LABELS  # alerts builds on this module

    for ack in acknowledgements_of(store, pupil_id):
        text = (
            f"Alert acknowledged: {ALERT_LABELS.get(ack.kind, ack.kind)}"
            f" (arose {dmy(date.fromisoformat(ack.arose_on))})"
        )
        entries.append(TimelineEntry(parse_stamp(ack.at), ack.officer, "ack", text, ack.event_id))
    if ladder:  # the case screen shows the calling ladder's steps done beside the attempts
        from triage.dates import local_now

        entries.extend(_ladder_steps_done(store, pupil_id, now or local_now()))
    # Newest first; within one officer action, what followed from it (a recode after the
    # call that gave the reason) comes first too.
    order = {id(e): i for i, e in enumerate(entries)}
    entries.sort(key=lambda e: (e.when, e.event_id or 0, order[id(e)]), reverse=True)
    return entries


# --- patterns of absence --------------------------------------------------------------------

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
_WEEKDAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays")
_SESSION_WORDS = {"AM": "mornings", "PM": "afternoons"}
# A weekday is a pattern when it has at least 3 missed sessions and at least 1.5 times the
# mean of the other four weekdays; a session when it has at least 4 missed sessions and at
# least 60% of all missed sessions. See docs/cases.md.
PATTERN_DAY_MIN = 3
PATTERN_DAY_RATIO = (3, 2)  # 1.5 as a fraction, so the rule is exact at the boundary
PATTERN_SESSION_MIN = 4
PATTERN_SESSION_SHARE = (3, 5)  # 60%


@dataclass(frozen=True)
class Patterns:
    """Missed sessions (possible and not attended) by weekday and by session over a range."""

    by_weekday: tuple[int, int, int, int, int]  # Mon..Fri
    possible_by_weekday: tuple[int, int, int, int, int]
    by_session: Mapping[str, int]  # {"AM": n, "PM": n}
    possible_by_session: Mapping[str, int]
    weekdays: tuple[int, ...] = ()  # weekdays called out (0 = Monday), at most two
    session: str | None = None  # the session called out
    callout: str | None = None  # the pattern in words, or None

    @property
    def missed(self) -> int:
        return sum(self.by_weekday)


def _heavy_day(count: int, others: Sequence[int]) -> bool:
    num, den = PATTERN_DAY_RATIO
    # count >= 1.5 * mean(others)  <=>  count * len * den >= num * sum(others)
    return count >= PATTERN_DAY_MIN and count * len(others) * den >= num * sum(others)


def patterns(marks: Iterable[Mark], start: date | None, end: date | None) -> Patterns:
    """Where a pupil's absences fall: by weekday (Monday to Friday) and by session.

    A missed session is a possible session (see :func:`triage.rules.attendance`) that was
    not attended: authorised or unauthorised absence. The callout names:

    - one or two weekdays each with at least :data:`PATTERN_DAY_MIN` missed sessions and at
      least 1.5 times the mean of the other four weekdays (three or more such weekdays is
      absence spread across the week, not a pattern);
    - a session (mornings or afternoons) with at least :data:`PATTERN_SESSION_MIN` missed
      sessions and at least 60% of all missed sessions.
    """
    missed = [0] * 5
    possible = [0] * 5
    by_session = dict.fromkeys(SESSIONS, 0)
    possible_session = dict.fromkeys(SESSIONS, 0)
    for mark in marks:
        if (start is not None and mark.date < start) or (end is not None and mark.date > end):
            continue
        weekday = mark.date.weekday()
        code = CODES[mark.code]
        if weekday > 4 or not code.possible or mark.session not in by_session:
            continue
        possible[weekday] += 1
        possible_session[mark.session] += 1
        if not code.attending:
            missed[weekday] += 1
            by_session[mark.session] += 1
    heavy = tuple(
        d for d in range(5) if _heavy_day(missed[d], [missed[o] for o in range(5) if o != d])
    )
    weekdays = heavy if len(heavy) <= 2 else ()
    total = sum(missed)
    num, den = PATTERN_SESSION_SHARE
    session = next(
        (
            s
            for s in SESSIONS
            if by_session[s] >= PATTERN_SESSION_MIN and by_session[s] * den >= num * total
        ),
        None,
    )
    words = []
    if weekdays:
        names = " and ".join(_WEEKDAY_PLURALS[d] for d in weekdays)
        count = sum(missed[d] for d in weekdays)
        words.append(f"Absence falls mostly on {names}: {count} of {total} missed sessions.")
    if session:
        words.append(
            f"Absence falls mostly in the {_SESSION_WORDS[session]}: "
            f"{by_session[session]} of {total} missed sessions."
        )
    return Patterns(
        by_weekday=tuple(missed),  # type: ignore[arg-type]
        possible_by_weekday=tuple(possible),  # type: ignore[arg-type]
        by_session=by_session,
        possible_by_session=possible_session,
        weekdays=weekdays,
        session=session,
        callout=" ".join(words) or None,
    )


# --- the register grid ----------------------------------------------------------------------


class Cell(StrEnum):
    PRESENT = "present"
    APPROVED = "approved off-site"
    AUTHORISED = "authorised absence"
    UNAUTHORISED = "unauthorised absence"
    NOT_POSSIBLE = "not a possible session"
    NO_MARK = "no mark"
    NOT_SCHOOL_DAY = "not a school day"


# One character per kind of cell, so the grid reads without colour. None is a national
# code letter, so no cell is mistaken for a mark (bar "/", which means present anyway).
CELL_CHARS: dict[Cell, str] = {
    Cell.PRESENT: "/",
    Cell.APPROVED: "+",
    Cell.AUTHORISED: "~",
    Cell.UNAUTHORISED: "!",
    Cell.NOT_POSSIBLE: "-",
    Cell.NO_MARK: "?",
    Cell.NOT_SCHOOL_DAY: ".",
}
LEGEND: tuple[tuple[str, str], ...] = tuple((CELL_CHARS[c], c.value) for c in Cell)


@dataclass(frozen=True)
class GridCell:
    date: date
    session: str
    kind: Cell
    code: str | None = None  # the mark in force, when there is one

    @property
    def char(self) -> str:
        return CELL_CHARS[self.kind]


@dataclass(frozen=True)
class GridWeek:
    monday: date
    cells: tuple[tuple[GridCell, GridCell], ...]  # Monday..Friday, each (AM, PM)
    after_break: bool = False  # a holiday (weeks without school days) comes before it

    @property
    def text(self) -> str:
        """The week as characters: AM and PM per day, days separated by a space."""
        return " ".join(am.char + pm.char for am, pm in self.cells)


@dataclass(frozen=True)
class Grid:
    weeks: tuple[GridWeek, ...]  # oldest first
    legend: tuple[tuple[str, str], ...] = LEGEND


def _cell_kind(code: str) -> Cell:
    c = CODES[code]
    if not c.possible:
        return Cell.NOT_POSSIBLE
    if c.attending:
        return Cell.APPROVED if c.category is Category.APPROVED_OFFSITE else Cell.PRESENT
    return Cell.AUTHORISED if c.authorised else Cell.UNAUTHORISED


def register_grid(
    marks: Iterable[Mark], school_days: Sequence[date], upto: date, weeks: int = 12
) -> Grid:
    """The pupil's register for the last ``weeks`` school weeks up to ``upto``: one row per
    week (oldest first), Monday to Friday, AM and PM, each cell a :class:`Cell` with its
    character (:data:`CELL_CHARS`). A school week is one with a school day on or before
    ``upto`` (as :func:`triage.rules.rolling_window_start` counts them); holiday weeks are
    left out and the week after one is marked ``after_break``. Days that are not school days
    (weekends, holidays, whole-school closures, days after ``upto``) show as such; a school
    day with no mark for the pupil (or a session not yet taken) shows as no mark."""
    open_days = {d for d in school_days if d <= upto}
    mondays = sorted({d - timedelta(days=d.weekday()) for d in open_days})[-weeks:]
    if not mondays:
        return Grid(())
    first = mondays[0]
    by_slot = {(m.date, m.session): m.code for m in marks if first <= m.date <= upto}
    rows = []
    for i, monday in enumerate(mondays):
        cells = []
        for offset in range(5):
            day = monday + timedelta(days=offset)
            pair = []
            for session in SESSIONS:
                code = by_slot.get((day, session))
                if day not in open_days:
                    kind = Cell.NOT_SCHOOL_DAY
                elif code is None:
                    kind = Cell.NO_MARK
                else:
                    kind = _cell_kind(code)
                pair.append(GridCell(day, session, kind, code))
            cells.append((pair[0], pair[1]))
        after_break = i > 0 and mondays[i - 1] != monday - timedelta(days=7)
        rows.append(GridWeek(monday, tuple(cells), after_break))
    return Grid(tuple(rows))


# --- a suggested stage ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    stage: str
    reason: str


_LISTEN_KINDS = frozenset(k for k in SUPPORT_KINDS if ACTION_KINDS[k].stage == LISTEN)
_FACILITATE_KINDS = SUPPORT_KINDS - _LISTEN_KINDS


def suggest(
    summary: AttendanceSummary,
    rolling_unauthorised: int,
    consecutive_days: int,
    actions: Iterable[Action],
    current_stage: str = DEFAULT_STAGE,
) -> Suggestion | None:
    """The stage the figures point to, with why, when it is above ``current_stage``; else
    None. The rules, first match wins:

    1. A serious concern — severe absence (missing 50% or more), the penalty-notice
       threshold (National Framework for Penalty Notices: 10 unauthorised sessions in 10
       school weeks) or 10 consecutive school days of unauthorised absence (Working
       together: children missing education) — **with support already recorded**
       (:data:`SUPPORT_KINDS`) → Formalise support.
    2. A serious concern or persistent absence (missing 10% or more) where a Facilitate
       support action is recorded, or a Listen-and-understand one only → Facilitate support.
    3. A serious concern or persistent absence with no support recorded → Listen and
       understand (Working together: find the barriers first).
    4. Otherwise no suggestion.

    Never Enforce, and never a move down: those are an officer's judgement (a formal step
    must have run its course; attendance must have improved for long enough).
    """
    serious = (
        summary.severe_absence
        or rolling_unauthorised >= PENALTY_NOTICE_SESSIONS
        or consecutive_days >= MISSING_EDUCATION_DAYS
    )
    if not (serious or summary.persistent_absence):
        return None
    kinds = {a.kind for a in actions}
    concern = _concern_words(summary, rolling_unauthorised, consecutive_days)
    if serious and kinds & SUPPORT_KINDS:
        result = Suggestion(FORMALISE, f"{concern}, with support already recorded")
    elif kinds & SUPPORT_KINDS:
        result = Suggestion(FACILITATE, f"{concern}; barriers recorded, support to put in place")
        if kinds & _FACILITATE_KINDS:
            result = Suggestion(FACILITATE, f"{concern}; support is in place")
    else:
        result = Suggestion(LISTEN, f"{concern}, and no support recorded yet")
    if stage_rank(result.stage) <= stage_rank(current_stage):
        return None
    return result


def _concern_words(summary: AttendanceSummary, rolling: int, days: int) -> str:
    said = []
    pct = summary.percent
    attendance_text = "" if pct is None else f" ({pct:.1f}% attendance)"
    if summary.severe_absence:
        said.append("severe absence" + attendance_text)
    elif summary.persistent_absence:
        said.append("persistent absence" + attendance_text)
    if rolling >= PENALTY_NOTICE_SESSIONS:
        said.append(f"{rolling} unauthorised sessions in 10 school weeks")
    if days >= MISSING_EDUCATION_DAYS:
        said.append(f"{days} consecutive school days of unauthorised absence")
    text = ", ".join(said)
    return text[:1].upper() + text[1:]
