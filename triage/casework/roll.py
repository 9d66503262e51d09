"""Leaving the roll, and children missing education (CME).

The School Attendance (Pupil Registration) (England) Regulations 2024: a pupil's name may
be deleted from the admission register only on a lawful ground (:data:`GROUNDS`), and the
school tells the local authority of every deletion and its ground. Working together to
improve school attendance (DfE, 2024): a pupil absent without authorisation for 10 school
days in a row is reported to the local authority as possibly missing education, after the
school's own enquiries.

What is kept:

- a **deletion**: the ground, the day the name comes off the roll, what the ground needs
  (the other school; the day the parent's written notice of home education came), and the
  local authority's notification (when, how, its reference). Only a lead records one. From
  the deletion day the pupil is off roll: off the morning queue (a filter in the store) and
  out of the alerts.
- **enquiries** made about where the child is: the day, who made them (``school`` or the
  local authority, ``la``), the person, whom they asked (a parent, another school, an
  agency) and what was done and found.
- the **notification** of the local authority that the child may be missing education: the
  day, how, the LA's reference (needed) and its reply. This, not a bare action, clears the
  ``missing_education`` alert.

The absence ground (:func:`absence_ground`) is offered and accepted only when the register
shows 20 school days of continuous unauthorised absence up to the deletion day and the
enquiries recorded from the first day of that absence to the deletion day include one made
by the school and one made by (or with) the local authority.

Each write is one transaction with one audit event; undo marks the row undone. The
statements are in :mod:`triage.store.roll`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from triage import rules
from triage.dates import dmy, local_stamp, parse_stamp
from triage.officers import require_lead, require_writer
from triage.sanitise import printable
from triage.store import Store
from triage.store import roll as rows


class RollError(ValueError):
    """A deletion, enquiry or notification that cannot be recorded (one clear line)."""


class Ground(NamedTuple):
    label: str
    needs: str | None  # "school": the school now attended; "notice": the parent's notice


ABSENCE_GROUND = "absence_20_days"
# The lawful grounds for deleting a name (the 2024 registration regulations; the common
# ones, as listed in the guidance), in the order a picker shows them.
GROUNDS: dict[str, Ground] = {
    "other_school": Ground("Registered at another school", "school"),
    "home_education": Ground("Educated at home: the parent told the school in writing", "notice"),
    "moved_away": Ground("Moved to live too far away to attend", None),
    "permanent_exclusion": Ground("Permanently excluded", None),
    "died": Ground("Died", None),
    "not_continuing": Ground(
        "No longer of compulsory school age and not continuing (sixth form)", None
    ),
    "medically_unfit": Ground("Medically unfit to attend before leaving school age", None),
    ABSENCE_GROUND: Ground(
        "Continuously absent without authorisation for 20 school days, after reasonable "
        "enquiries by the school and the local authority",
        None,
    ),
}
ENQUIRERS = {"school": "the school", "la": "the local authority"}


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    id: int
    pupil_id: int
    ground: str
    deleted_on: date
    school: str | None  # the other school (other_school)
    notice_received_on: date | None  # the parent's written notice (home_education)
    la_told_on: date
    la_told_how: str
    la_reference: str | None
    note: str | None
    at: datetime
    officer: str
    event_id: int

    @property
    def ground_label(self) -> str:
        return GROUNDS[self.ground].label if self.ground in GROUNDS else self.ground


@dataclass(frozen=True)
class Enquiry:
    id: int
    pupil_id: int
    on: date
    made_by: str  # "school" or "la"
    person: str
    contacted: str
    what: str
    at: datetime
    officer: str
    event_id: int


@dataclass(frozen=True)
class CmeNotification:
    id: int
    pupil_id: int
    on: date
    how: str
    reference: str
    person: str | None
    reply: str | None
    at: datetime
    officer: str
    event_id: int


def _deletion(row: rows.DeletionRow) -> Deletion:
    detail = json.loads(row.detail) if row.detail else {}
    received = detail.get("notice_received_on")
    return Deletion(
        id=row.id,
        pupil_id=row.pupil_id,
        ground=row.ground,
        deleted_on=date.fromisoformat(row.deleted_on),
        school=detail.get("school"),
        notice_received_on=date.fromisoformat(received) if received else None,
        la_told_on=date.fromisoformat(row.la_told_on),
        la_told_how=row.la_told_how,
        la_reference=row.la_reference,
        note=row.note,
        at=parse_stamp(row.at),
        officer=row.officer,
        event_id=row.event_id,
    )


def deletions(store: Store, pupil_ids: Iterable[int] | None = None) -> list[Deletion]:
    """Deletions from the roll (of some pupils, or all), the latest first."""
    return [_deletion(r) for r in rows.deletions(store, pupil_ids)]


def deletion_of(store: Store, pupil_id: int) -> Deletion | None:
    """The pupil's deletion from the roll (the earliest, should there be two), or None."""
    found = deletions(store, [pupil_id])
    return found[-1] if found else None


def enquiries(store: Store, pupil_ids: Iterable[int] | None = None) -> list[Enquiry]:
    """Enquiries about where a child is, the latest first."""
    return [
        Enquiry(
            r.id,
            r.pupil_id,
            date.fromisoformat(r.made_on),
            r.made_by or "school",
            r.person or "",
            r.contacted or "",
            r.what or "",
            parse_stamp(r.at),
            r.officer,
            r.event_id,
        )
        for r in rows.cme_records(store, pupil_ids, "enquiry")
    ]


def notifications(store: Store, pupil_ids: Iterable[int] | None = None) -> list[CmeNotification]:
    """The local authority told that a child may be missing education, the latest first."""
    return [
        CmeNotification(
            r.id,
            r.pupil_id,
            date.fromisoformat(r.made_on),
            r.how or "",
            r.reference or "",
            r.person,
            r.reply,
            parse_stamp(r.at),
            r.officer,
            r.event_id,
        )
        for r in rows.cme_records(store, pupil_ids, "notified")
    ]


# --- the absence ground ---------------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceGround:
    """Whether the absence ground is met on ``on``, and why not."""

    on: date
    days: int  # school days of continuous unauthorised absence up to ``on``
    first_day: date | None  # the first of them
    by_school: int  # enquiries by the school since the first day
    by_la: int  # enquiries by (or with) the local authority since the first day

    @property
    def met(self) -> bool:
        return (
            rules.roll_deletion_absence_reached(self.days) and self.by_school > 0 and self.by_la > 0
        )

    @property
    def reason(self) -> str:
        """One line: what is met, or what is missing."""
        needed = rules.ROLL_DELETION_ABSENCE_DAYS
        text = f"{self.days} of {needed} school days of continuous unauthorised absence"
        text += f" to {dmy(self.on)}"
        missing = []
        if self.by_school == 0:
            missing.append("enquiry by the school")
        if self.by_la == 0:
            missing.append("enquiry by the local authority")
        if self.first_day is None or not missing:
            return text + (
                f"; enquiries: {self.by_school} by the school, {self.by_la} by the local authority"
                if self.first_day
                else ""
            )
        return text + f"; no {' and no '.join(missing)} recorded since {dmy(self.first_day)}"


def absence_ground_of(run: Sequence[date], recorded: Iterable[Enquiry], on: date) -> AbsenceGround:
    """Pure: the absence ground from the run of unauthorised school days to ``on`` (newest
    first, :func:`triage.rules.unauthorised_run`) and the enquiries recorded. An enquiry
    counts when made from the first day of the run to ``on``: enquiries are made about
    this absence, not an earlier one."""
    first = run[-1] if run else None
    counted = [e for e in recorded if first is not None and first <= e.on <= on]
    return AbsenceGround(
        on=on,
        days=len(run),
        first_day=first,
        by_school=sum(1 for e in counted if e.made_by == "school"),
        by_la=sum(1 for e in counted if e.made_by == "la"),
    )


def absence_ground(store: Store, pupil_id: int, on: date) -> AbsenceGround:
    """:func:`absence_ground_of` for a pupil, from the register and the recorded enquiries."""
    marks = store.marks_by_pupil([pupil_id], end=on).get(pupil_id, [])
    run, _ended = rules.unauthorised_run(marks, store.school_days(), on)
    return absence_ground_of(run, enquiries(store, [pupil_id]), on)


def grounds_offered(store: Store, pupil_id: int, on: date) -> dict[str, Ground]:
    """The grounds a deletion on ``on`` may give: all of them, the absence ground only
    when it is met (:func:`absence_ground`)."""
    met = absence_ground(store, pupil_id, on).met
    return {k: g for k, g in GROUNDS.items() if k != ABSENCE_GROUND or met}


# --- writes ---------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    return " ".join(printable(value or "").split()) or None


def _today(at: datetime | None) -> date:
    """The day of the record (``at``, default now): nothing is recorded for a day after it."""
    return parse_stamp(local_stamp(at)).date()


def record_deletion(
    store: Store,
    pupil_id: int,
    ground: str,
    deleted_on: date,
    *,
    la_told_on: date,
    la_told_how: str,
    la_reference: str | None = None,
    school: str | None = None,
    notice_received_on: date | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Deletion:
    """Delete the pupil's name from the roll from ``deleted_on`` on a lawful ground, with
    the local authority's notification: one transaction with a ``roll-deletion`` audit
    event. Only a lead may. The absence ground needs :func:`absence_ground` met on
    ``deleted_on``; ``other_school`` needs the school, ``home_education`` the day the
    parent's written notice came (not after the deletion)."""
    if ground not in GROUNDS:
        raise RollError(f"{ground!r} is not a lawful ground ({', '.join(GROUNDS)})")
    how = _text(la_told_how)
    if not how:
        raise RollError("say how the local authority was told (email, portal, letter…)")
    today = _today(at)
    if deleted_on > today:
        raise RollError(f"record a deletion once made, not for {dmy(deleted_on)}")
    if la_told_on > today:
        raise RollError(f"record the local authority as told once it is, not {dmy(la_told_on)}")
    needs = GROUNDS[ground].needs
    detail: dict[str, Any] = {}
    if needs == "school":
        detail["school"] = _text(school)
        if not detail["school"]:
            raise RollError("name the school the pupil is now registered at")
    if needs == "notice":
        if notice_received_on is None:
            raise RollError("give the day the parent's written notice of home education came")
        if notice_received_on > deleted_on:
            raise RollError(
                f"the parent's notice ({dmy(notice_received_on)}) comes before the deletion"
            )
        detail["notice_received_on"] = notice_received_on.isoformat()
    stamp = local_stamp(at)
    row: dict[str, Any] = {
        "pupil_id": pupil_id,
        "ground": ground,
        "deleted_on": deleted_on.isoformat(),
        "detail": json.dumps(detail, sort_keys=True) if detail else None,
        "la_told_on": la_told_on.isoformat(),
        "la_told_how": how,
        "la_reference": _text(la_reference),
        "note": _text(note),
        "at": stamp,
        "officer": store.officer,
    }
    with store.transaction():
        require_lead(store)
        if not store.pupils([pupil_id]):
            raise RollError(f"there is no pupil with id {pupil_id}")
        earlier = rows.deletions(store, [pupil_id])
        if earlier:
            since = dmy(date.fromisoformat(earlier[-1].deleted_on))
            raise RollError(f"already deleted from the roll on {since} (undo that first)")
        if ground == ABSENCE_GROUND:
            check = absence_ground(store, pupil_id, deleted_on)
            if not check.met:
                raise RollError(f"the absence ground is not met: {check.reason}")
            detail["absence"] = check.reason
            row["detail"] = json.dumps(detail, sort_keys=True)
        after = {k: v for k, v in row.items() if k not in ("at", "officer", "pupil_id")}
        event_id = store.audit("roll-deletion", "pupil", pupil_id, {"before": None, "after": after})
        deletion_id = rows.insert_deletion(store, {**row, "event_id": event_id})
    found = [d for d in deletions(store, [pupil_id]) if d.id == deletion_id]
    return found[0]


def record_enquiry(
    store: Store,
    pupil_id: int,
    on: date,
    made_by: str,
    person: str,
    contacted: str,
    what: str,
    *,
    at: datetime | None = None,
) -> Enquiry:
    """An enquiry made about where a child is (a call, a visit, a check with another school
    or an agency): one transaction with a ``cme-enquiry`` audit event. ``made_by`` is
    ``school`` or ``la`` (made by, or jointly with, the local authority)."""
    if made_by not in ENQUIRERS:
        raise RollError(f"an enquiry is made by {' or '.join(ENQUIRERS)}, not {made_by!r}")
    fields = {"person": _text(person), "contacted": _text(contacted), "what": _text(what)}
    for name, words in (
        ("person", "who made the enquiry"),
        ("contacted", "whom it was made of"),
        ("what", "what was done and found"),
    ):
        if not fields[name]:
            raise RollError(f"say {words}")
    if on > _today(at):
        raise RollError(f"record an enquiry once made, not for {dmy(on)}")
    return _write_cme(
        store,
        pupil_id,
        "cme-enquiry",
        {"kind": "enquiry", "made_on": on, "made_by": made_by, **fields},
        at,
    )


def notify_la(
    store: Store,
    pupil_id: int,
    on: date,
    reference: str,
    *,
    how: str,
    person: str | None = None,
    reply: str | None = None,
    at: datetime | None = None,
) -> CmeNotification:
    """The local authority was told on ``on`` that the child may be missing education, and
    gave ``reference``: one transaction with a ``cme-notified`` audit event. It clears the
    ``missing_education`` alert that arose on or before ``on``."""
    ref = _text(reference)
    if not ref:
        raise RollError("the local authority's reference is needed (it shows they were told)")
    told_how = _text(how)
    if not told_how:
        raise RollError("say how the local authority was told (email, portal, phone…)")
    if on > _today(at):
        raise RollError(f"record the local authority as told once it is, not for {dmy(on)}")
    values = {
        "kind": "notified",
        "made_on": on,
        "how": told_how,
        "reference": ref,
        "person": _text(person),
        "reply": _text(reply),
    }
    return _write_cme(store, pupil_id, "cme-notified", values, at)


def _write_cme(
    store: Store, pupil_id: int, action: str, values: dict[str, Any], at: datetime | None
) -> Any:
    stamp = local_stamp(at)
    row = {**values, "pupil_id": pupil_id, "made_on": values["made_on"].isoformat()}
    with store.transaction():
        require_writer(store)
        if not store.pupils([pupil_id]):
            raise RollError(f"there is no pupil with id {pupil_id}")
        after = {k: v for k, v in row.items() if k != "pupil_id"}
        event_id = store.audit(action, "pupil", pupil_id, {"before": None, "after": after})
        record_id = rows.insert_cme(
            store, {**row, "event_id": event_id, "at": stamp, "officer": store.officer}
        )
    found: list[Any] = [
        r
        for r in (
            enquiries(store, [pupil_id])
            if values["kind"] == "enquiry"
            else notifications(store, [pupil_id])
        )
        if r.id == record_id
    ]
    return found[0]


# --- text and JSON --------------------------------------------------------------------------


def describe_deletion(d: Deletion) -> str:
    text = f"Deleted from the roll from {dmy(d.deleted_on)}: {d.ground_label}"
    if d.school:
        text += f" ({d.school})"
    if d.notice_received_on:
        text += f" (parent's notice received {dmy(d.notice_received_on)})"
    text += f"; local authority told {dmy(d.la_told_on)} by {d.la_told_how}"
    if d.la_reference:
        text += f", ref {d.la_reference}"
    if d.note:
        text += f"; {d.note}"
    return text


def describe_enquiry(e: Enquiry) -> str:
    return (
        f"CME enquiry {dmy(e.on)} by {ENQUIRERS.get(e.made_by, e.made_by)} ({e.person}) "
        f"of {e.contacted}: {e.what}"
    )


def describe_notification(n: CmeNotification) -> str:
    text = f"Local authority told (children missing education) {dmy(n.on)} by {n.how}"
    if n.person:
        text += f" ({n.person})"
    text += f", ref {n.reference}"
    if n.reply:
        text += f"; reply: {n.reply}"
    return text


def deletion_record(d: Deletion) -> dict[str, Any]:
    return {
        "id": d.id,
        "ground": d.ground,
        "ground_label": d.ground_label,
        "deleted_on": d.deleted_on.isoformat(),
        "school": d.school,
        "notice_received_on": d.notice_received_on.isoformat() if d.notice_received_on else None,
        "la_told_on": d.la_told_on.isoformat(),
        "la_told_how": d.la_told_how,
        "la_reference": d.la_reference,
        "note": d.note,
        "recorded_by": d.officer,
    }


def enquiry_record(e: Enquiry) -> dict[str, Any]:
    return {
        "id": e.id,
        "on": e.on.isoformat(),
        "made_by": e.made_by,
        "person": e.person,
        "contacted": e.contacted,
        "what": e.what,
        "recorded_by": e.officer,
    }


def notification_record(n: CmeNotification) -> dict[str, Any]:
    return {
        "id": n.id,
        "on": n.on.isoformat(),
        "how": n.how,
        "reference": n.reference,
        "person": n.person,
        "reply": n.reply,
        "recorded_by": n.officer,
    }
