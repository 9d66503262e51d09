"""Part-time timetables: the record a school keeps when a pupil attends less than full time.

Working together to improve school attendance (DfE, 2024): a part-time timetable is used
only exceptionally, for a short, agreed time, to meet a pupil's needs (a reintegration, a
medical condition). It must have the parent's agreement, an end date and regular reviews,
and the local authority must be told. Sessions not attended under it are ``C2``.

What is kept: the start, the planned end, the planned review dates, who agreed (the parent's
name) and when, when the local authority was told, the reviews held, and when it ended.
The alerts built on it (:func:`timetable_alerts`, used by :mod:`triage.casework.alerts`):

- ``timetable_review``: a planned review date has passed with no review recorded since the
  review before it (or since the start, for the first);
- ``timetable_overrun``: the planned end has passed and the timetable is still open;
- ``c2_without_timetable``: a ``C2`` mark this school year on a day no timetable of the
  pupil covers (from its start to its end, or to today while it is open).

Each write is one transaction with one audit event. The statements are in
:mod:`triage.store.leave`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from triage.dates import dmy, local_stamp, parse_stamp
from triage.officers import require_writer
from triage.sanitise import printable
from triage.store import Store
from triage.store import leave as rows

PART_TIME_CODE = "C2"


class TimetableError(ValueError):
    """A timetable or review that cannot be recorded (one clear line)."""


@dataclass(frozen=True)
class Review:
    on: date
    note: str | None
    at: datetime
    officer: str


@dataclass(frozen=True)
class Timetable:
    id: int
    pupil_id: int
    starts: date
    planned_end: date
    review_dates: tuple[date, ...]
    agreed_with: str
    agreed_on: date
    la_notified_on: date | None
    ended_on: date | None
    note: str | None
    at: datetime
    officer: str
    event_id: int
    reviews: tuple[Review, ...] = ()

    @property
    def open(self) -> bool:
        return self.ended_on is None

    def covers(self, day: date, today: date) -> bool:
        """Whether ``day`` falls within the timetable: from its start to its end (or, while
        it is open, to the later of its planned end and ``today``)."""
        last = self.ended_on or max(self.planned_end, today)
        return self.starts <= day <= last

    def missed_review(self, on: date) -> date | None:
        """The first planned review date on or before ``on`` with no review recorded after
        the planned review before it (or on or after the start, for the first); None when
        every review due is done."""
        previous = self.starts - timedelta(days=1)
        for due in self.review_dates:
            if due > on:
                return None
            if not any(previous < r.on for r in self.reviews):
                return due
            previous = due
        return None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _from_row(row: rows.TimetableRow, reviews: Sequence[tuple]) -> Timetable:
    return Timetable(
        id=row.id,
        pupil_id=row.pupil_id,
        starts=date.fromisoformat(row.starts),
        planned_end=date.fromisoformat(row.planned_end),
        review_dates=tuple(date.fromisoformat(d) for d in json.loads(row.review_dates)),
        agreed_with=row.agreed_with,
        agreed_on=date.fromisoformat(row.agreed_on),
        la_notified_on=_day(row.la_notified_on),
        ended_on=_day(row.ended_on),
        note=row.note,
        at=parse_stamp(row.at),
        officer=row.officer,
        event_id=row.event_id,
        reviews=tuple(
            Review(date.fromisoformat(on), note, parse_stamp(at), officer)
            for on, note, at, officer in reviews
        ),
    )


def timetables_of(store: Store, pupil_ids: Iterable[int] | None = None) -> list[Timetable]:
    """Part-time timetables (of some pupils, or all) with their reviews, latest first."""
    found = rows.timetables(store, pupil_ids)
    reviews = rows.reviews(store, [t.id for t in found]) if found else {}
    return [_from_row(t, reviews.get(t.id, ())) for t in found]


def timetable(store: Store, timetable_id: int) -> Timetable:
    row = rows.timetable(store, timetable_id)
    if row is None:
        raise TimetableError(f"there is no part-time timetable {timetable_id}")
    return _from_row(row, rows.reviews(store, [timetable_id]).get(timetable_id, ()))


def _text(value: str | None) -> str | None:
    return " ".join(printable(value or "").split()) or None


def record_timetable(
    store: Store,
    pupil_id: int,
    starts: date,
    planned_end: date,
    review_dates: Sequence[date],
    agreed_with: str,
    agreed_on: date,
    *,
    la_notified_on: date | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Timetable:
    """Record a part-time timetable: one transaction with a ``timetable`` audit event.

    It needs an end after its start, at least one review date between them (reviews are
    what keep it short), the parent who agreed and when (on or before the start). The local
    authority's notification may be recorded later (:func:`notify_la`)."""
    agreed = _text(agreed_with)
    if not agreed:
        raise TimetableError("the parent who agreed to it is needed")
    if planned_end <= starts:
        raise TimetableError(f"the planned end {dmy(planned_end)} is not after the start")
    reviews = sorted(set(review_dates))
    if not reviews:
        raise TimetableError("at least one review date is needed (a timetable is reviewed)")
    outside = [d for d in reviews if not starts < d <= planned_end]
    if outside:
        raise TimetableError(
            f"review date {dmy(outside[0])} is not between the start {dmy(starts)} and the "
            f"planned end {dmy(planned_end)}"
        )
    if agreed_on > starts:
        raise TimetableError(
            f"the parent's agreement ({dmy(agreed_on)}) must come before the start ({dmy(starts)})"
        )
    stamp = local_stamp(at)
    row: dict[str, Any] = {
        "pupil_id": pupil_id,
        "starts": starts.isoformat(),
        "planned_end": planned_end.isoformat(),
        "review_dates": json.dumps([d.isoformat() for d in reviews]),
        "agreed_with": agreed,
        "agreed_on": agreed_on.isoformat(),
        "la_notified_on": la_notified_on.isoformat() if la_notified_on else None,
        "note": _text(note),
        "at": stamp,
        "officer": store.officer,
    }
    with store.transaction():
        require_writer(store)
        if not store.pupils([pupil_id]):
            raise TimetableError(f"there is no pupil with id {pupil_id}")
        detail = {k: v for k, v in row.items() if k not in ("at", "officer")}
        event_id = store.audit("timetable", "pupil", pupil_id, {"before": None, "after": detail})
        timetable_id = rows.insert_timetable(store, {**row, "event_id": event_id})
    return timetable(store, timetable_id)


def _change(
    store: Store,
    timetable_id: int,
    action: str,
    detail: Callable[[Timetable], dict[str, Any]],
    write: Callable[[Timetable, int], None],
) -> Timetable:
    """One change to a timetable: its audit event (``detail(before)``: what an undo needs),
    then ``write(before, event_id)``, which checks and writes (raising leaves nothing
    written)."""
    with store.transaction():
        require_writer(store)
        before = timetable(store, timetable_id)
        event_id = store.audit(
            action, "pupil", before.pupil_id, {"timetable_id": timetable_id, **detail(before)}
        )
        write(before, event_id)
    return timetable(store, timetable_id)


def record_review(
    store: Store,
    timetable_id: int,
    on: date,
    note: str | None = None,
    *,
    next_review: date | None = None,
    at: datetime | None = None,
) -> Timetable:
    """A review of the timetable was held on ``on`` (optionally planning another): one
    transaction with a ``timetable-review`` audit event."""
    stamp = local_stamp(at)
    text = _text(note)

    def write(before: Timetable, event_id: int) -> None:
        if on > parse_stamp(stamp).date():
            raise TimetableError(f"a review is recorded once held, not for {dmy(on)}")
        if on < before.starts:
            raise TimetableError(f"the review ({dmy(on)}) is before the start")
        if not before.open:
            raise TimetableError(f"the timetable ended on {dmy(before.ended_on)}")
        rows.insert_review(store, timetable_id, on.isoformat(), text, event_id, stamp)
        if next_review is not None:
            if next_review <= on:
                raise TimetableError(f"the next review {dmy(next_review)} is not after this one")
            planned = sorted({*before.review_dates, next_review})
            rows.set_review_dates(store, timetable_id, json.dumps([d.isoformat() for d in planned]))

    return _change(
        store,
        timetable_id,
        "timetable-review",
        lambda before: {
            "reviewed_on": on.isoformat(),
            "note": text,
            "next_review": next_review,
            "review_dates_before": [d.isoformat() for d in before.review_dates],
        },
        write,
    )


def notify_la(store: Store, timetable_id: int, on: date) -> Timetable:
    """The local authority was told of the timetable on ``on`` (not a day to come)."""
    if on > parse_stamp(local_stamp()).date():
        raise TimetableError(f"record the local authority as told once it is, not for {dmy(on)}")

    def write(before: Timetable, _event_id: int) -> None:
        if before.la_notified_on is not None:
            raise TimetableError(
                f"the local authority was told of it already, on {dmy(before.la_notified_on)}"
            )
        rows.set_la_notified(store, timetable_id, on.isoformat())

    return _change(
        store,
        timetable_id,
        "timetable-la",
        lambda _before: {"before": None, "after": {"la_notified_on": on.isoformat()}},
        write,
    )


def end_timetable(store: Store, timetable_id: int, on: date) -> Timetable:
    """The pupil went back to full time (or the timetable stopped) on ``on``."""

    def write(before: Timetable, _event_id: int) -> None:
        if not before.open:
            raise TimetableError(f"the timetable ended already, on {dmy(before.ended_on)}")
        if on < before.starts:
            raise TimetableError(f"it cannot end ({dmy(on)}) before it starts")
        rows.set_ended(store, timetable_id, on.isoformat())

    return _change(
        store,
        timetable_id,
        "timetable-end",
        lambda _before: {"before": None, "after": {"ended_on": on.isoformat()}},
        write,
    )


# --- alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimetableAlert:
    pupil_id: int
    kind: str
    arose_on: date
    message: str


def timetable_alerts(
    timetables: Iterable[Timetable],
    c2_marks: Mapping[int, Sequence[date]],
    on: date,
) -> list[TimetableAlert]:
    """The three timetable alerts (see the module's docstring) on ``on``: pure, from the
    timetables and each pupil's ``C2`` mark dates this school year (ascending)."""
    found: list[TimetableAlert] = []
    by_pupil: dict[int, list[Timetable]] = {}
    for t in timetables:
        by_pupil.setdefault(t.pupil_id, []).append(t)
        missed = t.missed_review(on) if t.open else None
        if missed is not None:
            found.append(
                TimetableAlert(
                    t.pupil_id,
                    "timetable_review",
                    missed,
                    f"The part-time timetable from {dmy(t.starts)} was due a review on "
                    f"{dmy(missed)}; none is recorded.",
                )
            )
        if t.open and t.planned_end < on:
            found.append(
                TimetableAlert(
                    t.pupil_id,
                    "timetable_overrun",
                    t.planned_end + timedelta(days=1),
                    f"The part-time timetable from {dmy(t.starts)} was to end on "
                    f"{dmy(t.planned_end)} and is still open: end it or record why it goes on.",
                )
            )
    for pid, days in c2_marks.items():
        uncovered = [d for d in days if not any(t.covers(d, on) for t in by_pupil.get(pid, ()))]
        if uncovered:
            found.append(
                TimetableAlert(
                    pid,
                    "c2_without_timetable",
                    uncovered[0],
                    f"{len(uncovered)} C2 (part-time timetable) session(s) this school year "
                    f"with no timetable recorded, the first on {dmy(uncovered[0])}.",
                )
            )
    return found


def describe(t: Timetable) -> str:
    """One line of plain text, as the timeline and lists show it."""
    text = (
        f"Part-time timetable {t.id}: from {dmy(t.starts)} to {dmy(t.planned_end)}"
        f" (planned); agreed with {t.agreed_with} on {dmy(t.agreed_on)}; reviews "
        + ", ".join(dmy(d) for d in t.review_dates)
    )
    text += f"; LA told {dmy(t.la_notified_on)}" if t.la_notified_on else "; LA not yet told"
    if t.reviews:
        text += f"; {len(t.reviews)} review(s) held, the last {dmy(t.reviews[-1].on)}"
    if t.ended_on:
        text += f"; ended {dmy(t.ended_on)}"
    if t.note:
        text += f"; {t.note}"
    return text


def as_record(t: Timetable) -> dict[str, Any]:
    return {
        "id": t.id,
        "starts": t.starts.isoformat(),
        "planned_end": t.planned_end.isoformat(),
        "review_dates": [d.isoformat() for d in t.review_dates],
        "agreed_with": t.agreed_with,
        "agreed_on": t.agreed_on.isoformat(),
        "la_notified_on": t.la_notified_on.isoformat() if t.la_notified_on else None,
        "ended_on": t.ended_on.isoformat() if t.ended_on else None,
        "note": t.note,
        "recorded_by": t.officer,
        "reviews": [{"on": r.on.isoformat(), "note": r.note, "by": r.officer} for r in t.reviews],
    }
