"""The morning queue, read from the store: which date and session, and who to call.

The ordering itself is a pure rule (:func:`triage.rules.order_queue`); this module only
gathers its inputs, so the CLI and the app show exactly the same queue.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from triage import rules, settings
from triage.bulk import cyclic_gc_paused
from triage.model import SESSIONS, Family, QueueEntry, QueueFigures
from triage.morning.ladder import (
    FamilyLadder,
    family_ladders,
    ladder_of,
    overdue_count,
    register_close,
)
from triage.morning.logbook import attempts_for, claims_for
from triage.morning.outcomes import RESOLVED, TO_CALL, Status, status_of
from triage.store import Store, StoreError
from triage.store import queue as queue_store
from triage.store.imports import unmarked_by_group


class NoMarksError(Exception):
    """The database holds no register marks yet (or none on the date asked for)."""


class Morning(NamedTuple):  # not a dataclass: see triage.model
    """A queue for one date and session, with what the header shows."""

    school: str
    date: date
    session: str
    families: list[Family]

    @property
    def entries(self) -> list[QueueEntry]:
        return [e for f in self.families for e in f.entries]


def default_date(store: Store, today: date | None = None) -> date:
    """Today if it has marks, else the latest date that has marks."""
    today = today or date.today()
    dates = store.mark_dates()
    if not dates:
        raise NoMarksError("there are no register marks yet: import a marks file first")
    return today if today in dates else dates[-1]


def default_session(store: Store, on: date) -> str:
    """The latest session with marks that day: AM in the morning, PM once it is taken."""
    sessions = store.sessions_on(on)
    return sessions[-1] if sessions else "AM"


@cyclic_gc_paused()  # thousands of pupils, contacts and entries: no cycles
def load_morning(
    store: Store,
    on: date | None = None,
    session: str | None = None,
    today: date | None = None,
    *,
    counted: bool = True,
    keep_numbers: bool = True,
) -> Morning:
    """The queue for a date and session (by default today's, or the latest with marks,
    and its latest session). With ``counted=False`` the figures that do not decide the
    order (attendance this term, unauthorised sessions in 10 school weeks, overdue ``N``)
    are left as ``None`` for :func:`add_counts` to fill in once the queue is on screen: a
    long queue is painted a third sooner (60 ms at 2,000 queued pupils). With
    ``keep_numbers=False`` a family seen for the first time is numbered but the number is not
    yet kept (no write before the first paint): :func:`keep_family_numbers` keeps it."""
    on = on or default_date(store, today)
    session = (session or default_session(store, on)).upper()
    if session not in ("AM", "PM"):
        raise ValueError(f"session {session!r} is not AM or PM")
    absent_ids = store.unexplained_pupil_ids(on, session)
    pupils = [p for p in store.pupils(absent_ids) if p.on_roll(on)] if absent_ids else []
    ids = [p.id for p in pupils]
    families = rules.order_queue(
        pupils,
        store.contacts_by_pupil(ids) if ids else {},
        queue_figures(store, ids, on, counted=counted) if ids else {},
        lambda members: kept_family_numbers(store, on, session, members, write=keep_numbers),
    )
    return Morning(settings.get(store, "school_name"), on, session, families)


def keep_family_numbers(store: Store, morning: Morning) -> bool:
    """Keep the numbers of a queue loaded with ``keep_numbers=False``. False when the numbers
    kept are not the ones it shows (another officer numbered a new family first, in
    another order): read the queue again."""
    families = [[e.pupil.id for e in f.entries] for f in morning.families]
    kept = kept_family_numbers(store, morning.date, morning.session, families)
    return kept == [f.id for f in morning.families]


def number_families(
    families: Sequence[Sequence[int]], kept: Mapping[int, int], last_number: int
) -> tuple[list[int], dict[int, int], int]:
    """Each family's number for the day, given the families (their pupil ids, in queue
    order), the numbers kept so far (pupil id -> number) and the last number given out.

    A family keeps the number its pupils had: the smallest, when two families have merged
    (a contact import linked them), and a number set free that way is never given again.
    A family seen for the first time gets the next number. When a family has split, the
    part that comes first in the queue keeps the number and the rest get new ones.
    Returns (the numbers, in the order of ``families``; the pupils whose number is new or
    changed; the last number given out)."""
    numbers: list[int] = []
    taken: set[int] = set()
    for members in families:
        known = sorted({kept[pid] for pid in members if pid in kept} - taken)
        if known:
            number = known[0]
        else:
            last_number += 1
            number = last_number
        taken.add(number)
        numbers.append(number)
    changed = {
        pid: number
        for members, number in zip(families, numbers, strict=True)
        for pid in members
        if kept.get(pid) != number
    }
    return numbers, changed, last_number


def kept_family_numbers(
    store: Store,
    on: date,
    session: str,
    families: Sequence[Sequence[int]],
    *,
    write: bool = True,
) -> list[int]:
    """The families' numbers for the day (see :func:`number_families`), kept in the store
    so that every officer and every reload agree. Usually only read; a family seen for the
    first time is numbered in one short transaction that reads the kept numbers again
    first, so two officers loading at once give it the same number (``write=False``: the
    numbers it would get, not yet kept)."""
    kept, last = queue_store.family_numbers(store, on, session)
    numbers, changed, _last = number_families(families, kept, last)
    if not changed or not write:
        return numbers
    try:
        with store.transaction():
            kept, last = queue_store.family_numbers(store, on, session)
            numbers, changed, last = number_families(families, kept, last)
            if changed:
                queue_store.save_family_numbers(store, on, session, changed, last)
    except StoreError:
        # Busy for longer than an officer should wait: show the numbers worked out here
        # (the kept ones, and the next free for a new family); the next load keeps them.
        pass
    return numbers


@cyclic_gc_paused()
def add_counts(store: Store, morning: Morning) -> Morning:
    """``morning`` (loaded with ``counted=False``) with every pupil's figures counted; the
    order, which they do not decide, stays as it is."""
    window = _Window.of(store, morning.date)
    figures = _counted(store, {e.pupil.id: e.consecutive_days for e in morning.entries}, window)
    families = [
        Family(
            f.id,
            tuple(
                e._replace(
                    attendance=figures[e.pupil.id].attendance,
                    rolling_unauthorised=figures[e.pupil.id].rolling_unauthorised,
                    overdue_n=figures[e.pupil.id].overdue_n,
                )
                for e in f.entries
            ),
        )
        for f in morning.families
    ]
    return morning._replace(families=families)


RUN_TAIL_SCHOOL_DAYS = 6  # consecutive days are read from this many school days first


class _Window(NamedTuple):
    """The dates the queue's figures are counted over, for the queue of ``on``."""

    on: date
    days: list[date]  # school days (see rules.school_days)
    term: date
    window_start: date | None  # of the 10 school weeks
    since: date  # rules look back at most a school year (this term, 10 school weeks)

    @classmethod
    def of(cls, store: Store, on: date) -> _Window:
        days = store.school_days()
        window_start = rules.rolling_window_start(days, on)
        since = min(rules.school_year_start(on), window_start or on)
        return cls(on, days, rules.term_start(on), window_start, since)


def queue_figures(
    store: Store, pupil_ids: list[int], on: date, *, counted: bool = True
) -> dict[int, QueueFigures]:
    """The figures of :func:`triage.rules.queue_figures` for many pupils, without reading
    a year of marks each (0.27 s for 2,000 queued pupils that way; about a quarter of that
    this way): the run of consecutive days is walked over the last few school days' marks,
    reading further back only for the pupils whose run goes back that far, and SQLite
    counts the marks for the rest (:meth:`Store.queue_mark_counts`). The same figures
    either way (tested). ``counted=False``: the run only (see :func:`load_morning`)."""
    window = _Window.of(store, on)
    runs = _runs(store, pupil_ids, window)
    if not counted:
        return {pid: QueueFigures(runs[pid], None, None, None) for pid in pupil_ids}
    return _counted(store, runs, window)


def _runs(store: Store, pupil_ids: list[int], window: _Window) -> dict[int, int]:
    days, on, since = window.days, window.on, window.since
    upto = bisect_right(days, on)
    tail = [d for d in days[max(0, upto - RUN_TAIL_SCHOOL_DAYS) : upto] if d >= since]
    recent = store.marks_by_pupil(pupil_ids, start=tail[0], end=on) if tail else {}
    runs: dict[int, int] = {}
    for pid in pupil_ids:
        run, ended = rules.unauthorised_run(recent.get(pid, ()), tail, on)
        if ended:
            runs[pid] = len(run)
    longer = [pid for pid in pupil_ids if pid not in runs]
    if longer:
        full = store.marks_by_pupil(longer, start=since, end=on)
        for pid in longer:
            runs[pid] = rules.consecutive_unauthorised_days(full.get(pid, ()), days, on)
    return runs


def _counted(store: Store, runs: dict[int, int], window: _Window) -> dict[int, QueueFigures]:
    counts = store.queue_mark_counts(
        list(runs),
        window.since,
        window.on,
        window.term,
        window.window_start,
        rules.overdue_n_before(window.days, window.on),
    )
    return {
        pid: rules.queue_figures_from_counts(run, *counts.get(pid, (0, ())))
        for pid, run in runs.items()
    }


FLAG_LABELS = (
    ("social_worker", "SW"),
    ("child_protection", "CP"),
    ("looked_after", "LAC"),
    ("ehc_plan", "EHCP"),
    ("sen_support", "SEN"),
    ("young_carer", "YC"),
    ("free_school_meals", "FSM"),
)


def flags_of(entry: QueueEntry) -> list[str]:
    return [label for attr, label in FLAG_LABELS if getattr(entry.pupil, attr)]


def entry_as_dict(
    entry: QueueEntry, stage_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The stable JSON shape of one queued pupil (documented in docs/queue.md). ``stage`` is
    the school's name for the stage (``stage_names``: :func:`triage.settings.stage_names`),
    ``stage_dfe`` the DfE stage behind it."""
    p = entry.pupil
    attendance = entry.attendance  # None only while a long queue is still being counted
    pct = attendance.percent if attendance else None
    return {
        "family": entry.family_id,
        **p.identity(),
        "flags": flags_of(entry),
        "safeguarding": p.safeguarding,
        "stage": (stage_names or {}).get(p.stage, p.stage),
        "stage_dfe": p.stage,
        "consecutive_days": entry.consecutive_days,
        "attendance_percent": None if pct is None else round(pct, 1),
        "persistent_absence": attendance.persistent_absence if attendance else None,
        "severe_absence": attendance.severe_absence if attendance else None,
        "unauthorised_sessions_10_weeks": entry.rolling_unauthorised,
        "overdue_n": entry.overdue_n,
        "contacts": [c.as_dict() for c in entry.contacts],
    }


CSV_CONTACTS = 3  # contacts flattened into the CSV, in priority order
CSV_COLUMNS = [
    "family",
    "upn",
    "surname",
    "forename",
    "year",
    "reg_group",
    "flags",
    "stage",
    "stage_dfe",
    "consecutive_days",
    "attendance_percent",
    "unauthorised_sessions_10_weeks",
    "overdue_n",
] + [
    f"contact_{n}_{part}"
    for n in range(1, CSV_CONTACTS + 1)
    for part in ("name", "relationship", "numbers", "email")
]


def entry_as_csv_row(entry: QueueEntry, stage_names: Mapping[str, str] | None = None) -> list[str]:
    d = entry_as_dict(entry, stage_names)
    row = [
        str(d["family"]),
        d["upn"],
        d["surname"],
        entry.pupil.forename,
        d["year"],
        d["reg_group"] or "",
        " ".join(d["flags"]),
        d["stage"],
        d["stage_dfe"],
        str(d["consecutive_days"]),
        "" if d["attendance_percent"] is None else f"{d['attendance_percent']:.1f}",
        str(d["unauthorised_sessions_10_weeks"]),
        str(d["overdue_n"]),
    ]
    for n in range(CSV_CONTACTS):
        if n < len(entry.contacts):
            c = entry.contacts[n]
            row += [c.name, c.relationship or "", " / ".join(c.numbers), c.email or ""]
        else:
            row += ["", "", "", ""]
    return row


# --- where each queued pupil stands, and the order the screen shows them -----------------


class RegisterNotTaken(NamedTuple):
    """A registration group whose register for a session had closed and that the latest
    export still says was not taken (``-`` or a blank mark)."""

    session: str
    group: str  # '' when the export gave the pupils no registration group
    pupils: int

    @property
    def label(self) -> str:
        """'PM 7A (28)': how the queue's header and the summary name it."""
        return f"{self.session} {self.group or 'no group'} ({self.pupils})"


def registers_not_taken(store: Store, on: date, now: datetime) -> tuple[RegisterNotTaken, ...]:
    """The registers of ``on`` not taken after they closed (the settings' close times), by
    session and registration group: worth chasing with the teacher before the calling."""
    moment = _aware(now)
    return tuple(
        RegisterNotTaken(session, group, n)
        for session in SESSIONS
        if register_close(store, on, session) <= moment
        for group, n in unmarked_by_group(store, on.isoformat(), session).items()
    )


class Progress(NamedTuple):  # not a dataclass: see triage.model
    """What has happened to the queue so far: each pupil's status and the header counts."""

    statuses: dict[int, Status]
    codes: dict[int, str]  # the mark in force for the queued session
    claims: dict[int, str]  # pupil id -> another officer working on them now
    ladders: dict[int, FamilyLadder]  # family id -> its ladder
    not_taken: tuple[RegisterNotTaken, ...] = ()  # registers closed but not taken

    def count_of(self, label: str) -> int:  # not `count`: a NamedTuple is a tuple
        return sum(1 for s in self.statuses.values() if _bucket(s) == label)

    @property
    def overdue_families(self) -> int:
        return overdue_count(self.ladders)


def _bucket(status: Status) -> str:
    if status.phase == TO_CALL:
        return "to call"
    if status.phase == RESOLVED:
        return "arrived" if status.label.startswith("arrived") else "reason obtained"
    return "in progress"


def load_progress(store: Store, morning: Morning, now: datetime | None = None) -> Progress:
    """Statuses for every queued pupil: two small queries, cheap enough for every refresh."""
    return _progress(store, morning, morning.families, Progress({}, {}, {}, {}), now)


def refresh_families(
    store: Store,
    morning: Morning,
    progress: Progress,
    pupil_ids: Iterable[int],
    now: datetime | None = None,
) -> Progress:
    """``progress`` with the families of ``pupil_ids`` read again: what one officer's own
    write can have changed (an outcome, a reason, a note, an undo). Every other family keeps
    its figures, so the confirming key costs one family's reading, not the whole queue's;
    another officer's writes are for :func:`load_progress`."""
    wanted = set(pupil_ids)
    families = [f for f in morning.families if any(e.pupil.id in wanted for e in f.entries)]
    return _progress(store, morning, families, progress, now)


@cyclic_gc_paused()  # a status and a ladder for every family: no cycles
def _progress(
    store: Store,
    morning: Morning,
    families: list[Family],
    previous: Progress,
    now: datetime | None,
) -> Progress:
    """``previous`` with ``families`` read from the store (all of them: the whole queue)."""
    ids = (
        None if families is morning.families else [e.pupil.id for f in families for e in f.entries]
    )
    marks = store.queued_marks(morning.date, morning.session, ids)
    attempts = attempts_for(store, morning.date, morning.session, ids)
    statuses = dict(previous.statuses)
    codes = dict(previous.codes)
    for family in families:
        for entry in family.entries:
            pid = entry.pupil.id
            code, amended = marks.get(pid, ("N", False))
            codes[pid] = code
            statuses[pid] = status_of(
                code,
                amended,
                attempts.get(pid, []),
                entry.contacts,
                entry.pupil.safeguarding,
                entry.consecutive_days,
            )
    # The school's first-day calling ladder: each family's next step and when it is due.
    moment = _aware(now or datetime.now())
    ladders = dict(previous.ladders)
    ladders.update(
        family_ladders(
            families,
            attempts,
            codes,
            ladder_of(store),
            register_close(store, morning.date, morning.session),
            moment,
        )
    )
    return Progress(
        statuses,
        codes,
        claims_for(store, morning.date, morning.session, at=now),
        ladders,
        # Only an import changes which registers are taken, and an import changes the
        # data version, so the whole queue is read again: one family's re-read (the outcome
        # key) keeps the last answer.
        registers_not_taken(store, morning.date, moment)
        if families is morning.families
        else previous.not_taken,
    )


def display_order(
    morning: Morning, progress: Progress, now: datetime, hide_resolved: bool = False
) -> list[QueueEntry]:
    """The queue as the screen shows it: the foundation order, except that a family with a
    callback now due, or a step of the calling ladder overdue, comes first and a family
    whose every pupil is resolved goes last
    (or is hidden). Families always move as a whole. A naive ``now`` is local time."""
    now = _aware(now)

    def family_rank(family: Family) -> int:
        statuses = [progress.statuses[e.pupil.id] for e in family.entries]
        if all(s.resolved for s in statuses):
            return 3
        if any(s.callback_due is not None and _aware(s.callback_due) <= now for s in statuses):
            return 0  # a promised callback is due: first of all
        ladder = progress.ladders.get(family.id)
        if morning.date == now.date() and ladder is not None and ladder.overdue:
            return 1  # a step of the school's calling ladder is overdue (today's queue only)
        return 2

    # A stable sort: within a rank, families keep the foundation order (their numbers, kept
    # for the day, no longer follow it once a later export adds a family).
    ranked = sorted(morning.families, key=family_rank)
    return [e for f in ranked if not (hide_resolved and family_rank(f) == 3) for e in f.entries]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()


def family_of(morning: Morning, pupil_id: int) -> Family:
    for family in morning.families:
        if any(e.pupil.id == pupil_id for e in family.entries):
            return family
    raise KeyError(pupil_id)
