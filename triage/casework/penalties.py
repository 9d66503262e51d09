"""Penalty notices, by the National Framework for Penalty Notices (DfE, August 2024).

- A notice is per parent, per child. The first to that parent for that child within 3
  years is £80 if paid within 21 days, £160 if paid within 28 days.
- A second to the same parent for the same child within 3 years is £160, paid within 28
  days, with no reduced rate.
- A third within 3 years cannot be issued: the case goes another way, usually prosecution
  under section 444 of the Education Act 1996.
- A Notice to Improve is usually offered first; it is not required for an unapproved
  term-time holiday, so its absence is a warning here, never a block.

Only a lead may issue a notice or change its status (Enforce actions). The notice is a
``penalty_notice`` action (:mod:`triage.casework.cases`) whose detail holds the parent, the notice's
number and its amounts and dates. See ``docs/cases.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from triage.casework.cases import (
    ACTION_STATUSES,
    Action,
    _write_action,
    actions_of,
    set_action_status,
)
from triage.codes import NOT_YET_PROVIDED
from triage.dates import dmy, local_stamp
from triage.model import Mark
from triage.officers import require_lead
from triage.rules import (
    PENALTY_NOTICE_SESSIONS,
    of_compulsory_school_age,
    penalty_notice_threshold_reached,
    school_age_note,
    unauthorised_in_window,
)
from triage.sanitise import printable
from triage.store import Store
from triage.store import cases as case_rows

NOTICE_YEARS = 3  # notices to the same parent for the same child count for 3 years
NOTICES_ALLOWED = 2  # within those 3 years; a third is refused
FIRST_REDUCED_AMOUNT = 80  # £, if paid within REDUCED_DAYS
FULL_AMOUNT = 160  # £, if paid within FULL_DAYS (the only rate for a second notice)
REDUCED_DAYS = 21
FULL_DAYS = 28
NTI_LOOKBACK = relativedelta(years=1)  # a Notice to Improve this recent counts as offered

ROUTE_INSTEAD = (
    "refer the case to the local authority for prosecution under section 444 of the "
    "Education Act 1996, or take another route (Education Supervision Order, parenting order)"
)


class NoticeRefused(Exception):
    """A penalty notice that cannot lawfully be issued: the decision says why."""

    def __init__(self, decision: NoticeDecision) -> None:
        self.decision = decision
        instead = f" Instead: {decision.route}." if decision.route else ""
        super().__init__(f"{decision.refused}{instead}")


class ThirdNoticeRefused(NoticeRefused):
    """A third penalty notice to the same parent for the same child within 3 years."""


@dataclass(frozen=True)
class NoticeDecision:
    """What a penalty notice to this parent for this child, issued ``on``, would be."""

    pupil_id: int
    parent: str
    on: date
    number: int | None  # 1 or 2; None when refused
    reduced_amount: int | None  # £80 for a first notice; None for a second
    reduced_by: date | None  # last day to pay the reduced amount
    full_amount: int | None  # £160
    full_by: date | None  # last day to pay at all
    earlier: tuple[Action, ...]  # this parent's notices for this child in the 3 years
    counts_from: date  # notices dated after this day count
    refused: str | None = None  # why a notice cannot be issued
    route: str | None = None  # what to do instead
    warnings: tuple[str, ...] = ()
    # National Framework: the unauthorised sessions in the 10 school weeks before ``on``
    # that the notice relies on (kept with it), and how many are still N (provisional).
    sessions: tuple[Mark, ...] = ()
    below_threshold: bool = False  # refused unless a lead overrides with a reason
    third: bool = False  # refused: the third within 3 years

    @property
    def allowed(self) -> bool:
        return self.refused is None

    @property
    def provisional(self) -> int:
        return sum(1 for m in self.sessions if m.code == NOT_YET_PROVIDED)

    @property
    def threshold_text(self) -> str:
        """'10 of 10 unauthorised sessions in the 10 school weeks to 10/01/2024, 3 still N'."""
        text = (
            f"{len(self.sessions)} of {PENALTY_NOTICE_SESSIONS} unauthorised sessions in the "
            f"10 school weeks to {dmy(self.on)}"
        )
        return text + (f", {self.provisional} still N" if self.provisional else "")


@dataclass(frozen=True)
class NoticeOutcome:
    action: Action
    next_step: str | None


def same_parent(a: str, b: str) -> bool:
    """Names match ignoring case and spacing ("Jane  SMITH" is "jane smith")."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def next_notice(store: Store, pupil_id: int, parent_name: str, on: date) -> NoticeDecision:
    """The notice that could be issued to ``parent_name`` for this pupil on ``on``.

    National Framework for Penalty Notices: earlier notices count when they are to the same
    parent (:func:`same_parent`), for the same child, dated within the 3 years before ``on``
    (after ``on`` minus 3 years; a notice exactly 3 years old no longer counts) and not
    withdrawn. None earlier: first notice, £80 within 21 days or £160 within 28 days of
    ``on``. One: second notice, £160 within 28 days, no reduced rate. Two: refused, with
    the route instead and the date a notice becomes possible again. Days are counted from
    ``on``, the date of issue: when a notice is posted, record the date it is served.
    """
    parent = printable(parent_name or "").strip()
    if not parent:
        raise ValueError("a penalty notice is issued to a named parent")
    found = store.pupils([pupil_id])
    if not found:
        raise ValueError(f"there is no pupil with id {pupil_id}")
    pupil = found[0]
    marks = store.marks_by_pupil([pupil_id], end=on).get(pupil_id, [])
    sessions = tuple(unauthorised_in_window(marks, store.school_days(), on))
    counts_from = on - relativedelta(years=NOTICE_YEARS)
    actions = actions_of(store, pupil_id)
    earlier = tuple(
        sorted(
            (
                a
                for a in actions
                if a.kind == "penalty_notice"
                and a.status != "withdrawn"
                and counts_from < a.on <= on
                and same_parent(str(a.detail.get("parent", "")), parent)
            ),
            key=lambda a: (a.on, a.id),
        )
    )
    warnings = _warnings(actions, on)
    if len(earlier) >= NOTICES_ALLOWED:
        again = earlier[-NOTICES_ALLOWED].on + relativedelta(years=NOTICE_YEARS)
        return NoticeDecision(
            pupil_id=pupil_id,
            parent=parent,
            on=on,
            earlier=earlier,
            number=None,
            reduced_amount=None,
            reduced_by=None,
            full_amount=None,
            full_by=None,
            counts_from=counts_from,
            refused=(
                f"{parent} has had {len(earlier)} penalty notices for this child within 3 "
                f"years ({', '.join(dmy(a.on) for a in earlier)}); a third cannot be "
                f"issued (not before {dmy(again)})."
            ),
            route=ROUTE_INSTEAD,
            warnings=warnings,
            sessions=sessions,
            third=True,
        )
    first = not earlier
    decision = NoticeDecision(
        pupil_id=pupil_id,
        parent=parent,
        on=on,
        earlier=earlier,
        number=len(earlier) + 1,
        reduced_amount=FIRST_REDUCED_AMOUNT if first else None,
        reduced_by=on + timedelta(days=REDUCED_DAYS) if first else None,
        full_amount=FULL_AMOUNT,
        full_by=on + timedelta(days=FULL_DAYS),
        counts_from=counts_from,
        warnings=warnings,
        sessions=sessions,
    )
    if not of_compulsory_school_age(pupil.date_of_birth, on):
        # Education Act 1996 s8: the parent's duty, and so a notice, is for a child of
        # compulsory school age only. No override.
        return replace(
            decision,
            refused=(
                f"{pupil.display_name} is not of compulsory school age on {dmy(on)} "
                f"({school_age_note(pupil.date_of_birth, on)}): a penalty notice cannot be "
                "issued."
            ),
        )
    if not penalty_notice_threshold_reached(len(sessions)):
        return replace(
            decision,
            refused=(
                "Below the threshold of the National Framework for Penalty Notices: "
                f"{decision.threshold_text}. A lead may still issue one, giving the reason."
            ),
            below_threshold=True,
        )
    if decision.provisional:
        decision = replace(
            decision,
            warnings=(
                *warnings,
                f"{decision.threshold_text}: an N may yet become illness; recode them "
                "before relying on them.",
            ),
        )
    return decision


def _warnings(actions: list[Action], on: date) -> tuple[str, ...]:
    """A Notice to Improve is usually offered first (not for a term-time holiday case)."""
    notices = [
        a for a in actions if a.kind == "notice_to_improve" and on - NTI_LOOKBACK < a.on <= on
    ]
    if not notices:
        return (
            "No Notice to Improve is recorded in the last 12 months: one is usually offered "
            "first (it is not required for an unapproved term-time holiday).",
        )
    for notice in notices:
        if notice.due_date is not None and notice.due_date > on:
            return (
                f"The improvement period of the Notice to Improve of {dmy(notice.on)} runs "
                f"until {dmy(notice.due_date)}.",
            )
    return ()


def issue_penalty_notice(
    store: Store,
    pupil_id: int,
    parent_name: str,
    on: date,
    *,
    note: str | None = None,
    override: str | None = None,
    requested: bool = False,
    at: datetime | None = None,
) -> Action:
    """Record a penalty notice (status ``issued``; with ``requested``, ``requested``: asked
    of the local authority, which issues it, on ``on``) to a parent for this pupil, as
    :func:`next_notice` decides it, in one transaction with one ``action`` audit event
    that keeps the unauthorised sessions it relies on. Only a lead may. Raises
    :class:`ThirdNoticeRefused` for a third notice within 3 years and
    :class:`NoticeRefused` for a pupil not of compulsory school age, or below the
    threshold unless ``override`` gives the lead's reason (kept with the notice)."""
    note = (printable(note).strip() or None) if note else None
    override = " ".join(printable(override or "").split()) or None
    stamp = local_stamp(at)
    with store.transaction():
        require_lead(store)
        decision = next_notice(store, pupil_id, parent_name, on)
        if decision.third:
            raise ThirdNoticeRefused(decision)
        if not decision.allowed and not (decision.below_threshold and override):
            raise NoticeRefused(decision)
        if decision.below_threshold:
            decision = replace(decision, refused=None)  # the lead's reason is kept
        detail = {
            "parent": decision.parent,
            "number": decision.number,
            "reduced_amount": decision.reduced_amount,
            "reduced_by": decision.reduced_by.isoformat() if decision.reduced_by else None,
            "full_amount": decision.full_amount,
            "full_by": decision.full_by.isoformat() if decision.full_by else None,
            "warnings": list(decision.warnings),
            "threshold": decision.threshold_text,
            "sessions": [[m.date.isoformat(), m.session, m.code] for m in decision.sessions],
            "override": override if decision.below_threshold or override else None,
        }
        if requested:
            detail["requested_on"] = on.isoformat()
        return _write_action(
            store,
            pupil_id,
            "penalty_notice",
            on,
            note=note,
            due_date=decision.full_by,
            status="requested" if requested else "issued",
            detail=detail,
            stamp=stamp,
        )


NEXT_STEPS = {
    "issued": (
        "Issued by the local authority: record the date it is served; the 21 and 28 days "
        "to pay run from service."
    ),
    "declined": "Declined by the local authority: the reason is kept with the notice.",
    "served": "Served: the 21 days (£80) and 28 days (£160) to pay run from today.",
    "paid": "Paid: the parent cannot be prosecuted for the absence this notice covered.",
    "paid_80": (
        "Paid at £80 within 21 days: the parent cannot be prosecuted for the absence this "
        "notice covered."
    ),
    "paid_160": (
        "Paid at £160 within 28 days: the parent cannot be prosecuted for the absence this "
        "notice covered."
    ),
    "unpaid": (
        "Not paid within 28 days: the local authority decides whether to prosecute under "
        "section 444 of the Education Act 1996 (prosecution considered); record a "
        "prosecution referral if it goes ahead. The notice itself is not re-issued."
    ),
    "withdrawn": "Withdrawn: it no longer counts towards the limit of two in 3 years.",
}
# Where a notice may go from each status (the local authority issues many areas' notices):
# requested -> the LA's reply; issued or served -> paid, unpaid or withdrawn.
NOTICE_MOVES: dict[str, tuple[str, ...]] = {
    "requested": ("issued", "declined", "withdrawn"),
    "issued": ("served", "paid_80", "paid_160", "unpaid", "withdrawn"),
    "served": ("paid_80", "paid_160", "unpaid", "withdrawn"),
    "unpaid": ("withdrawn",),
}
# The day each status was reached is kept in the notice's detail under this name.
STATUS_DATES = {
    "issued": "issued_on",
    "declined": "declined_on",
    "served": "served_on",
    "paid_80": "paid_on",
    "paid_160": "paid_on",
    "paid": "paid_on",
    "unpaid": "unpaid_on",
    "withdrawn": "withdrawn_on",
}


def pay_by(notice: Action) -> tuple[date | None, date]:
    """The last days to pay £80 (a first notice only) and at all: from the date of service
    when one is recorded, else from the date of issue."""
    served = notice.detail.get("served_on")
    start = date.fromisoformat(served) if served else notice.on
    full_by = start + timedelta(days=FULL_DAYS)
    reduced = notice.detail.get("reduced_amount")
    return (start + timedelta(days=REDUCED_DAYS) if reduced else None), full_by


def set_notice_status(
    store: Store,
    action_id: int,
    status: str,
    *,
    on: date | None = None,
    note: str | None = None,
) -> NoticeOutcome:
    """Move a penalty notice on (a lead only), with the next step, by :data:`NOTICE_MOVES`:
    the local authority's reply to a request (``issued``, or ``declined`` with the reason
    in ``note``), the date of service (``served``), the outcome (``paid_80`` within 21 days
    of service for a first notice, ``paid_160``, ``unpaid`` only once the 28 days have
    passed, ``withdrawn``). ``on`` (default today) is kept as the day of the status.
    ``paid`` (no amount) is still accepted from the statuses before these."""
    if status not in NEXT_STEPS:
        raise ValueError(f"a penalty notice is {', '.join(NEXT_STEPS)}, not {status!r}")
    row = case_rows.action_by_id(store, action_id)
    if row is None or row.kind != "penalty_notice":
        raise ValueError(f"action {action_id} is not a penalty notice")
    today = on or date.today()
    if status == "declined" and not (note and note.strip()):
        raise ValueError("say why the local authority declined to issue the notice")

    def check(before: Action) -> None:
        current = before.status or "issued"
        allowed = NOTICE_MOVES.get(current, ())
        if status not in allowed and not (status == "paid" and "paid_160" in allowed):
            raise ValueError(
                f"a notice that is {current} cannot become {status}"
                + (f" (it may become {', '.join(allowed)})" if allowed else "")
            )
        if today < before.on:
            raise ValueError(f"{dmy(today)} is before the notice ({dmy(before.on)})")
        reduced_by, full_by = pay_by(before)
        if status == "unpaid" and today <= full_by:
            raise ValueError(f"the notice can still be paid until {dmy(full_by)}")
        if status == "paid_80" and reduced_by is None:
            raise ValueError("a second notice has no reduced rate: it is paid at £160")
        if status == "paid_80" and reduced_by is not None and today > reduced_by:
            raise ValueError(f"£80 was payable until {dmy(reduced_by)}; after that it is £160")

    action = set_action_status(
        store,
        action_id,
        status,
        note=note,
        detail={STATUS_DATES[status]: today.isoformat()},
        check=check,
    )
    return NoticeOutcome(action, NEXT_STEPS[status])


# --- any action's status --------------------------------------------------------------------

FINAL_STATUSES = ("done", "cancelled", "paid", "paid_80", "paid_160", "declined", "withdrawn")


def changeable(actions: Iterable[Action]) -> list[Action]:
    """The actions whose status can still move on (open, issued or unpaid), newest first:
    a Notice to Improve to mark done, a referral cancelled, a penalty notice paid; a
    prosecution referral's outcome is recorded with :mod:`triage.casework.prosecution`."""
    return [a for a in actions if a.status not in FINAL_STATUSES]


def statuses_for(action: Action) -> tuple[str, ...]:
    """The statuses an action may be moved to: a penalty notice's by the Framework
    (:data:`NOTICE_MOVES`), any other's open, done or cancelled."""
    if action.kind == "penalty_notice":
        return NOTICE_MOVES.get(action.status or "issued", ())
    allowed = ACTION_STATUSES
    return tuple(s for s in allowed if s != (action.status or "open"))


def change_status(
    store: Store,
    action_id: int,
    status: str,
    *,
    on: date | None = None,
    note: str | None = None,
) -> NoticeOutcome:
    """Move an action to ``status``: a penalty notice through :func:`set_notice_status`
    (its rules and next step), any other action as recorded (``next_step`` None). One
    transaction with an ``action-status`` audit event, undone by ``u``."""
    row = case_rows.action_by_id(store, action_id)
    if row is None:
        raise ValueError(f"there is no action {action_id}")
    if row.kind == "penalty_notice":
        return set_notice_status(store, action_id, status, on=on, note=note)
    return NoticeOutcome(set_action_status(store, action_id, status, note=note), None)
