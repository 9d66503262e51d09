"""The day's home visits: which families are proposed (a rule over the queue, the ladder
and the marks), which were planned, dropped, started or ended (the store), and the list an
officer takes out, grouped into a round by area (:mod:`triage.visits.round`).

First-day calling ends in a home visit when nobody can be reached, sooner for vulnerable
pupils (*Working together to improve school attendance*; the school's ladder's home-visit
step). A visit is proposed for a family when

- the ladder's home-visit step is due (past its time and not done), or
- a pupil is still unexplained (N) once every calling step of the ladder has fallen due
  (the calling ladder is over and nobody gave a reason),

and nobody in the family has been visited today already. Safeguarding families first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import NamedTuple

from triage.codes import NOT_YET_PROVIDED
from triage.model import Attempt, Contact, Family, Pupil, QueueEntry, address_line
from triage.morning.ladder import DONE, OVERDUE, FamilyLadder
from triage.morning.outcomes import CHANNEL_LABELS, outcome
from triage.store import Store
from triage.store.visits import VisitRow, visited_pupils, visits_on
from triage.visits.round import postcode_parts, round_of

LADDER_DUE = "ladder"  # the ladder's home-visit step is due
UNEXPLAINED = "unexplained"  # still N after the calling ladder
PLANNED = "planned"  # an officer planned it (v on the queue, or p on the list)
WHY_LABELS = {
    LADDER_DUE: "home-visit step due",
    UNEXPLAINED: "unexplained after calling",
    PLANNED: "planned",
}
CALLING_KINDS = frozenset({"text", "call_priority_1", "call_all", "email"})
PROPOSED = "proposed"  # a visit's state before anybody acted on it (no row yet)


class Proposal(NamedTuple):
    family: Family
    why: str  # LADDER_DUE or UNEXPLAINED
    due: datetime | None  # the home-visit step's due time (LADDER_DUE)

    @property
    def safeguarding(self) -> bool:
        return any(e.pupil.safeguarding for e in self.family.entries)


def propose(
    families: Iterable[Family],
    ladders: Mapping[int, FamilyLadder],
    codes_by_pupil: Mapping[int, str],
    visited_today: AbstractSet[int],
    now: datetime,
) -> list[Proposal]:
    """The families to visit today (see the module's rules), safeguarding families first,
    then by the family's number. ``now`` only decides whether the ladder's calling steps
    have all fallen due (an aware or local time, as the ladders')."""
    found: list[Proposal] = []
    for family in families:
        pupils = [e.pupil.id for e in family.entries]
        if any(pid in visited_today for pid in pupils):
            continue
        unexplained = any(
            codes_by_pupil.get(pid, NOT_YET_PROVIDED) == NOT_YET_PROVIDED for pid in pupils
        )
        if not unexplained:
            continue
        ladder = ladders.get(family.id)
        steps = ladder.steps if ladder else ()
        visit_due = [s for s in steps if s.step.kind == "home_visit" and s.state == OVERDUE]
        calling = [s for s in steps if s.step.kind in CALLING_KINDS]
        if visit_due:
            found.append(Proposal(family, LADDER_DUE, min(s.due for s in visit_due)))
        elif calling and all(s.state in (OVERDUE, DONE) and s.due <= _aware(now) for s in calling):
            found.append(Proposal(family, UNEXPLAINED, None))
    return sorted(found, key=lambda p: (not p.safeguarding, p.family.id))


class DayVisit(NamedTuple):
    """One family's visit on the day's list, with what the officer takes out of the door."""

    visit_id: int | None  # None: proposed, nobody has acted on it yet
    date: date
    session: str
    family_number: int | None  # the queue's number for the family, if it is queued
    pupils: tuple[Pupil, ...]
    contacts: tuple[Contact, ...]  # the family's, priority order, each person once
    why: str  # LADDER_DUE, UNEXPLAINED or PLANNED
    due: datetime | None
    days_absent: int
    flags: tuple[str, ...]  # SW, CP, LAC…
    tried: tuple[str, ...]  # "09:12 call: no answer (Mother)"
    state: str  # PROPOSED, planned, dropped, started, ended
    officer: str | None = None  # who takes it
    row: VisitRow | None = None

    @property
    def pupil_ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.pupils)

    @property
    def names(self) -> str:
        return ", ".join(p.display_name for p in self.pupils)

    @property
    def address(self) -> str | None:
        return _first(p.address for p in self.pupils) or _first(c.address for c in self.contacts)

    @property
    def postcode(self) -> str | None:
        return _first(p.postcode for p in self.pupils) or _first(c.postcode for c in self.contacts)

    @property
    def where(self) -> str:
        return address_line(self.address, self.postcode)

    @property
    def area(self) -> str:
        return postcode_parts(self.postcode)[1]

    @property
    def safeguarding(self) -> bool:
        return any(p.safeguarding for p in self.pupils)

    @property
    def reason(self) -> str:
        """Why the family is on the list, in one line: the ladder step, days absent, flags."""
        why = WHY_LABELS[self.why]
        if self.due is not None:
            why += f" {self.due:%H:%M}"
        parts = [why, f"{self.days_absent} day{'s' if self.days_absent != 1 else ''} absent"]
        if self.flags:
            parts.append(" ".join(self.flags))
        return "; ".join(parts)

    @property
    def label(self) -> str:
        return f"fam {self.family_number} {self.names}" if self.family_number else self.names


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v), None)


class VisitDay(NamedTuple):
    date: date
    session: str
    rounds: list[tuple[str, list[DayVisit]]]  # (sector, its visits) in walking order

    @property
    def visits(self) -> list[DayVisit]:
        return [v for _area, visits in self.rounds for v in visits]


def visit_session(store: Store, on: date) -> str:
    """The session whose calling leads to the day's visits: the morning's, when its
    register was taken (the calling ladder runs from it); otherwise the afternoon's."""
    sessions = store.sessions_on(on)
    return "AM" if "AM" in sessions or not sessions else sessions[-1]


def load_day(store: Store, on: date | None = None, now: datetime | None = None) -> VisitDay:
    """The day's visits (today, or the latest day with marks): every visit row that is not
    dropped, and every proposal nobody has acted on, as a round by area."""
    from triage.morning.logbook import attempts_for
    from triage.morning.queue import default_date, load_morning, load_progress

    on = on or default_date(store)
    session = visit_session(store, on)
    morning = load_morning(store, on, session, counted=False)
    progress = load_progress(store, morning, now)
    attempts = attempts_for(store, on, session)
    rows = visits_on(store, on)
    by_pupil = {e.pupil.id: f for f in morning.families for e in f.entries}
    acted_on: set[int] = {pid for r in rows for pid in r.pupil_ids}
    moment = now or datetime.now()
    proposals = propose(
        morning.families, progress.ladders, progress.codes, visited_pupils(store, on), moment
    )
    # A planned or started visit keeps the reason it was proposed for, while it still is.
    proposed_for = {e.pupil.id: p for p in proposals for e in p.family.entries}
    visits: list[DayVisit] = []
    for row in rows:
        if row.state == "dropped":
            continue
        family = next((by_pupil[pid] for pid in row.pupil_ids if pid in by_pupil), None)
        entries = list(family.entries) if family else _entries_off_queue(store, row.pupil_ids)
        was = next((proposed_for[pid] for pid in row.pupil_ids if pid in proposed_for), None)
        why, due = (was.why, was.due) if was else (PLANNED, None)
        visits.append(_day_visit(row.id, on, session, family, entries, why, due, attempts, row))
    for p in proposals:
        if any(e.pupil.id in acted_on for e in p.family.entries):
            continue
        visits.append(
            _day_visit(None, on, session, p.family, p.family.entries, p.why, p.due, attempts)
        )
    rounds = round_of(visits, lambda v: (v.address, v.postcode), lambda v: v.safeguarding)
    return VisitDay(on, session, rounds)


def _entries_off_queue(store: Store, pupil_ids: Sequence[int]) -> list[QueueEntry]:
    """A planned family no longer in the queue (a reason came since): its pupils as
    entries, with their contacts, so the list still shows whom the visit is for."""
    contacts = store.contacts_by_pupil(pupil_ids)
    return [
        QueueEntry(p, 0, tuple(contacts.get(p.id, ())), 0, None, None, None)
        for p in store.pupils(pupil_ids)
    ]


def _day_visit(
    visit_id: int | None,
    on: date,
    session: str,
    family: Family | None,
    entries: Sequence[QueueEntry],
    why: str,
    due: datetime | None,
    attempts: Mapping[int, Sequence[Attempt]],
    row: VisitRow | None = None,
) -> DayVisit:
    from triage.morning.queue import flags_of

    contacts: dict[str, Contact] = {}
    for e in entries:
        for c in e.contacts:
            contacts.setdefault(c.numbers[0] if c.numbers else c.name.casefold(), c)
    seen: dict[tuple[object, ...], Attempt] = {}
    for e in entries:
        for a in attempts.get(e.pupil.id, ()):
            seen.setdefault((a.at, a.channel, a.outcome, a.contact_id), a)
    names = {c.id: c.name for e in entries for c in e.contacts}
    tried = tuple(_tried(a, names) for a in sorted(seen.values(), key=lambda a: a.at))
    return DayVisit(
        visit_id,
        on,
        session,
        family.id if family else None,
        tuple(e.pupil for e in entries),
        tuple(sorted(contacts.values(), key=lambda c: c.priority)),
        why,
        due,
        max((e.consecutive_days for e in entries), default=0),
        tuple(dict.fromkeys(flag for e in entries for flag in flags_of(e))),
        tried,
        row.state if row else PROPOSED,
        row.officer if row else None,
        row,
    )


def _tried(attempt: Attempt, contact_names: Mapping[int, str]) -> str:
    try:
        what = outcome(attempt.channel, attempt.outcome).label
    except KeyError:
        what = attempt.outcome.replace("_", " ")
    who = contact_names.get(attempt.contact_id) if attempt.contact_id is not None else None
    channel = CHANNEL_LABELS.get(attempt.channel, attempt.channel).lower()
    return f"{attempt.at:%H:%M} {channel}: {what}" + (f" ({who})" if who else "")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()
