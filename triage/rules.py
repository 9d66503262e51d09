"""The attendance rules, as pure functions over plain rows (no database, no Textual).

Each rule from the statutory guidance names its source: *Working together to improve
school attendance* (DfE, August 2024), *The School Attendance (Pupil Registration)
(England) Regulations 2024* and the *National Framework for Penalty Notices* (August
2024). See ``shared/DOMAIN.md``.

Wherever a function takes ``school_days`` it expects them ascending and distinct, as
:func:`school_days` returns them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from dateutil.easter import easter

from triage.codes import (
    ATTENDING_CODES,
    AUTHORISED_CODES,
    CLOSURE,
    CODES,
    NOT_YET_PROVIDED,
    POSSIBLE_CODES,
    PRESENT_MARKS,
    UNAUTHORISED_CODES,
)
from triage.model import (
    SESSIONS,
    AttendanceSummary,
    Contact,
    Family,
    Mark,
    Pupil,
    QueueEntry,
    QueueFigures,
    stage_rank,
)

MISSING_EDUCATION_DAYS = 10
# The 2024 registration regulations: the absence ground for deleting a name from the roll.
ROLL_DELETION_ABSENCE_DAYS = 20
PENALTY_NOTICE_SESSIONS = 10
PENALTY_NOTICE_WEEKS = 10
N_RECODE_SCHOOL_DAYS = 5
ILLNESS_SCHOOL_DAYS = 15


# --- School days and attendance figures ------------------------------------------------


def school_days(date_codes: Iterable[tuple[date, str]]) -> list[date]:
    """The days the school was open: dates with at least one mark other than ``#``.

    Working together to improve school attendance: thresholds count school days, not
    calendar days. A date on which every mark is ``#`` (planned closure) is a whole-school
    closure and is not a school day; a partial closure (``#`` for some pupils only) is.
    """
    return sorted({d for d, code in date_codes if code != CLOSURE})


def attendance(
    marks: Iterable[Mark], start: date | None = None, end: date | None = None
) -> AttendanceSummary:
    """Session counts over marks dated ``start <= date <= end`` (``None`` leaves that end open).

    Working together to improve school attendance: attendance % is sessions present or at
    an approved educational activity off-site, divided by possible sessions. Codes that are
    not possible sessions (``D``, ``X``, ``Q``, ``Y1``-``Y7``, ``Z``, ``#``) count nowhere.
    An unknown code raises ``KeyError``: importers validate codes before they are stored.
    """
    codes = Counter(
        mark.code
        for mark in marks
        if (start is None or mark.date >= start) and (end is None or mark.date <= end)
    )
    return attendance_from_counts(codes.items())


def attendance_from_counts(code_counts: Iterable[tuple[str, int]]) -> AttendanceSummary:
    """:func:`attendance` from (code, number of sessions) pairs instead of marks: the same
    figures, for a loader that lets SQLite count the marks (a code may appear more than once).
    """
    possible = attending = authorised = unauthorised = 0
    for code, sessions in code_counts:
        if code not in POSSIBLE_CODES:
            if code not in CODES:
                raise KeyError(code)
            continue
        possible += sessions
        if code in ATTENDING_CODES:
            attending += sessions
        elif code in AUTHORISED_CODES:
            authorised += sessions
        elif code in UNAUTHORISED_CODES:
            unauthorised += sessions
    return AttendanceSummary(
        possible=possible, attending=attending, authorised=authorised, unauthorised=unauthorised
    )


# --- Children missing education --------------------------------------------------------


def consecutive_unauthorised_days(
    marks: Iterable[Mark], school_days: Sequence[date], upto: date
) -> int:
    """Consecutive school days, ending at ``upto``, of absence without authorisation.

    Working together to improve school attendance (children missing education): a pupil
    absent without authorisation for 10 or more consecutive school days
    (:data:`MISSING_EDUCATION_DAYS`) must be reported to the local authority.

    Walking school days back from ``upto`` (inclusive): a day counts when the pupil has at
    least one possible-session mark and every possible-session mark is unauthorised (``G``,
    ``N``, ``O``, ``U``), so a morning ``N`` alone counts on a day whose afternoon register
    is not yet taken. A day whose marks are all not-possible codes (``X``, ``Y1``-``Y7``,
    ``Q``, ``D``, ``Z``, ``#``) is skipped: it neither counts nor breaks the run. A day with
    an attending or authorised mark, or no mark at all, ends the run. Dates that are not
    school days (whole-school closures, weekends, holidays) are never visited.
    """
    return len(unauthorised_run(marks, school_days, upto)[0])


def unauthorised_run(
    marks: Iterable[Mark], school_days: Sequence[date], upto: date
) -> tuple[list[date], bool]:
    """The school days :func:`consecutive_unauthorised_days` counts, newest first, and
    whether a day ended the run.

    ``False`` means the walk ran out of ``school_days`` before any day ended the run: given
    only the last few school days and their marks, the run is then a lower bound and the
    caller must look further back (the queue does this for the few long runs). The alerts
    use the days themselves: the 10th is when the missing-education alert arose.
    """
    # Per marked day: True = every possible mark so far is unauthorised; False = some
    # possible mark is attending or authorised; None = only not-possible marks so far.
    day_state: dict[date, bool | None] = {}
    for mark in marks:
        if mark.date > upto:
            continue
        code = mark.code
        if code not in POSSIBLE_CODES:
            if code not in CODES:
                raise KeyError(code)
            day_state.setdefault(mark.date, None)
        elif code not in UNAUTHORISED_CODES:
            day_state[mark.date] = False
        elif day_state.get(mark.date) is not False:
            day_state[mark.date] = True
    run: list[date] = []
    for i in range(bisect_right(school_days, upto) - 1, -1, -1):
        day = school_days[i]
        if day not in day_state:
            return run, True  # no mark at all for the pupil
        state = day_state[day]
        if state is None:
            continue  # only not-possible sessions: skipped
        if not state:
            return run, True  # attending or authorised
        run.append(day)
    return run, False


def missing_education_threshold_reached(days: int) -> bool:
    """Working together to improve school attendance: 10 or more consecutive school days."""
    return days >= MISSING_EDUCATION_DAYS


def roll_deletion_absence_reached(days: int) -> bool:
    """The School Attendance (Pupil Registration) (England) Regulations 2024: a name may be
    deleted on the absence ground after 20 continuous school days of unauthorised absence
    (and reasonable enquiries by the school and the local authority, checked by
    :mod:`triage.casework.roll`)."""
    return days >= ROLL_DELETION_ABSENCE_DAYS


# --- Illness ----------------------------------------------------------------------------


def illness_days_reached_on(illness_marks: Sequence[Mark]) -> date | None:
    """The day a pupil's illness absence (``I``) reached :data:`ILLNESS_SCHOOL_DAYS` school
    days, or None. Arranging education for children who cannot attend school because of
    health needs (statutory guidance; Education Act 1996 s19): 15 school days or more in a
    school year, consecutive or cumulative, when the local authority's duty may apply.

    Days are counted as sessions / 2 (a morning off ill is half a day), so the day is the
    date of the 30th ``I`` session; ``illness_marks`` are the pupil's ``I`` marks of one
    school year. See docs/rules.md."""
    needed = ILLNESS_SCHOOL_DAYS * 2
    ordered = sorted(illness_marks, key=lambda m: (m.date, m.session))
    return ordered[needed - 1].date if len(ordered) >= needed else None


# --- Penalty notices -------------------------------------------------------------------


def rolling_window_start(
    school_days: Sequence[date], upto: date, weeks: int = PENALTY_NOTICE_WEEKS
) -> date | None:
    """The Monday that opens the "rolling period of 10 school weeks" ending with ``upto``'s week.

    National Framework for Penalty Notices: 10 sessions of unauthorised absence within a
    rolling period of 10 school weeks; the period may span terms and school years. A school
    week is a Monday-Sunday week with at least one school day on or before ``upto``; weeks
    with none (holidays) are not counted. Returns the Monday of the earliest of the last
    ``weeks`` school weeks, or ``None`` when there is no school day on or before ``upto``.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    earliest: date | None = None
    found = 0
    for i in range(bisect_right(school_days, upto) - 1, -1, -1):
        day = school_days[i]
        monday = day - timedelta(days=day.weekday())
        if monday != earliest:
            if found == weeks:
                break
            earliest = monday
            found += 1
    return earliest


def rolling_window_starts(
    school_days: Sequence[date], since: date, upto: date, weeks: int = PENALTY_NOTICE_WEEKS
) -> dict[date, date]:
    """:func:`rolling_window_start` of every school day from ``since`` to ``upto``, in one
    pass over the school days (the alerts want the window of each day of a school year)."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    mondays: list[date] = []  # the school weeks, in order
    starts: dict[date, date] = {}
    for day in school_days[: bisect_right(school_days, upto)]:
        monday = day - timedelta(days=day.weekday())
        if not mondays or mondays[-1] != monday:
            mondays.append(monday)
        if day >= since:
            starts[day] = mondays[max(0, len(mondays) - weeks)]
    return starts


def rolling_unauthorised_sessions(
    marks: Iterable[Mark],
    school_days: Sequence[date],
    upto: date,
    weeks: int = PENALTY_NOTICE_WEEKS,
) -> int:
    """Unauthorised sessions (``G``, ``N``, ``O``, ``U``) in the rolling window ending ``upto``.

    National Framework for Penalty Notices: a notice must be considered at 10 or more
    sessions of unauthorised absence within a rolling period of 10 school weeks (see
    :func:`rolling_window_start` for the window).
    """
    return _unauthorised_between(marks, rolling_window_start(school_days, upto, weeks), upto)


def unauthorised_in_window(
    marks: Iterable[Mark],
    school_days: Sequence[date],
    upto: date,
    weeks: int = PENALTY_NOTICE_WEEKS,
) -> list[Mark]:
    """The unauthorised sessions (``G``, ``N``, ``O``, ``U``) that
    :func:`rolling_unauthorised_sessions` counts: the ones a penalty notice relies on."""
    start = rolling_window_start(school_days, upto, weeks)
    if start is None:
        return []
    return [m for m in marks if start <= m.date <= upto and m.code in UNAUTHORISED_CODES]


def _unauthorised_between(marks: Iterable[Mark], start: date | None, upto: date) -> int:
    if start is None:
        return 0
    return sum(1 for m in marks if start <= m.date <= upto and m.code in UNAUTHORISED_CODES)


def penalty_notice_threshold_reached(count: int) -> bool:
    """National Framework for Penalty Notices: 10 or more unauthorised sessions in the window."""
    return count >= PENALTY_NOTICE_SESSIONS


# --- Recoding N ------------------------------------------------------------------------


def overdue_n_marks(
    marks: Iterable[Mark],
    school_days: Sequence[date],
    upto: date,
    allowed: int = N_RECODE_SCHOOL_DAYS,
) -> list[Mark]:
    """``N`` marks that should already have been recoded, by date then session.

    The School Attendance (Pupil Registration) (England) Regulations 2024 and Working
    together to improve school attendance: an ``N`` must be replaced by the correct code
    within 5 school days (:data:`N_RECODE_SCHOOL_DAYS`); with no reason by then it becomes
    ``O``. An ``N`` on day *d* is overdue when more than ``allowed`` school days lie after
    *d*, up to and including ``upto``: still in time on the 5th school day after, overdue on
    the 6th.
    """
    through_upto = bisect_right(school_days, upto)
    overdue = [
        m
        for m in marks
        if m.code == NOT_YET_PROVIDED
        and m.date <= upto
        and through_upto - bisect_right(school_days, m.date) > allowed
    ]
    return sorted(overdue, key=_mark_order)


def overdue_n_before(
    school_days: Sequence[date], upto: date, allowed: int = N_RECODE_SCHOOL_DAYS
) -> date | None:
    """The date before which an ``N`` is overdue on ``upto`` (see :func:`overdue_n_marks`):
    an ``N`` dated *d* is overdue exactly when ``d < overdue_n_before(...)``; ``None`` when
    none can be (fewer than ``allowed + 1`` school days up to ``upto``). Lets a query count
    overdue marks without reading them."""
    cutoff = bisect_right(school_days, upto) - allowed - 1
    return school_days[cutoff] if cutoff >= 0 else None


def _mark_order(mark: Mark) -> tuple[date, int, str]:
    rank = SESSIONS.index(mark.session) if mark.session in SESSIONS else len(SESSIONS)
    return (mark.date, rank, mark.session)


# --- Terms -----------------------------------------------------------------------------


class Term(NamedTuple):
    """A term of the English school year, by an approximation of its dates (see
    :func:`term_of`)."""

    name: str  # Autumn, Spring or Summer
    start: date  # the first day of its span
    usual_end: date  # the day it usually ends: where its half-terms are split from


def term_of(d: date) -> Term:
    """The term containing ``d``, by an approximation of English term dates.

    Until term dates become a setting: autumn term is 1 September to 31 December; spring
    term is 1 January to Easter Sunday (the Easter weekend after Good Friday belongs to
    spring); summer term is Easter Monday to 31 August, usually ending in late July. Real
    terms have holidays inside and between them; those days have no marks, so the figures
    they feed are unaffected.
    """
    if d.month >= 9:
        return Term("Autumn", date(d.year, 9, 1), date(d.year, 12, 31))
    easter_sunday = easter(d.year)
    if d > easter_sunday:
        return Term("Summer", easter_sunday + timedelta(days=1), date(d.year, 7, 31))
    return Term("Spring", date(d.year, 1, 1), easter_sunday)


def term_start(d: date) -> date:
    """The first day of the term containing ``d`` (:func:`term_of`)."""
    return term_of(d).start


# --- Compulsory school age (Education Act 1996, section 8) --------------------------------

PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))  # 31 March, 31 August, 31 December


def school_age_starts(born: date) -> date:
    """Education Act 1996, s8: a child becomes of compulsory school age on the first
    prescribed day (31 December, 31 March or 31 August) on or after their 5th birthday; a
    5th birthday that is a prescribed day is itself that day."""
    fifth = _birthday(born, 5)
    for year in (fifth.year, fifth.year + 1):
        for month, day in PRESCRIBED_DAYS:
            if date(year, month, day) >= fifth:
                return date(year, month, day)
    raise AssertionError("31 December always follows")  # pragma: no cover


def school_leaving_date(born: date) -> date:
    """Education Act 1996, s8 (and the Education (School Leaving Date) Order 1997): the last
    Friday in June of the school year in which the child turns 16. A child who turns 16 in
    the summer holiday after that Friday leaves on it too: the school year runs to 31
    August."""
    sixteenth = _birthday(born, 16)
    year_ends = school_year_start(sixteenth).year + 1
    june_30 = date(year_ends, 6, 30)
    return june_30 - timedelta(days=(june_30.weekday() - 4) % 7)


def of_compulsory_school_age(born: date | None, on: date) -> bool:
    """Whether the law's attendance duties apply on ``on``: from :func:`school_age_starts`
    to :func:`school_leaving_date`, that day included. With no date of birth the pupil is
    treated as of compulsory school age (the prompts are kept, and the case says why)."""
    if born is None:
        return True
    return school_age_starts(born) <= on <= school_leaving_date(born)


def school_age_note(born: date | None, on: date) -> str | None:
    """What a case says when the statutory prompts (penalty notice, prosecution, children
    missing education) do not apply, or may be wrong; None when the pupil is plainly of
    compulsory school age."""
    if born is None:
        return "date of birth missing: treated as of compulsory school age"
    starts, leaves = school_age_starts(born), school_leaving_date(born)
    if on < starts:
        return f"not of compulsory school age until {starts:%d/%m/%Y}"
    if on > leaves:
        return f"over compulsory school age (since {leaves + timedelta(days=1):%d/%m/%Y})"
    return None


def _birthday(born: date, years: int) -> date:
    """The birthday ``years`` on; 29 February's is 1 March in a common year (as the law
    reads it: the child attains the age at the start of 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def school_year_start(d: date) -> date:
    """1 September of the school year (1 September to 31 August) containing ``d``."""
    return date(d.year if d.month >= 9 else d.year - 1, 9, 1)


# --- Families and the morning queue ----------------------------------------------------

_NON_DIGITS = re.compile(r"\D")


def normalise_phone(number: str) -> str | None:
    """A phone number in a form two spellings of the same number share, or ``None``.

    Digits only; an international prefix (``+44``, ``0044``, ``44``, with or without a
    bracketed ``(0)``) becomes the UK trunk ``0``. Fewer than 10 digits is not a number two
    families could share by chance of spelling, so it is ignored.
    """
    digits = _NON_DIGITS.sub("", number)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest
    return digits if len(digits) >= 10 else None


def _first_contact_keys(contacts: Sequence[Contact]) -> set[tuple[str, object]]:
    """What identifies a pupil's priority-1 contacts: ids, phone numbers and emails."""
    if not contacts:
        return set()
    first = min(c.priority for c in contacts)
    keys: set[tuple[str, object]] = set()
    for contact in contacts:
        if contact.priority != first:
            continue
        keys.add(("id", contact.id))
        for number in contact.numbers:
            phone = normalise_phone(number)
            if phone:
                keys.add(("phone", phone))
        if contact.email and contact.email.strip():
            keys.add(("email", contact.email.strip().casefold()))
    return keys


def family_groups(contacts_by_pupil: Mapping[int, Sequence[Contact]]) -> dict[int, int]:
    """Pupil id -> family key (the smallest pupil id in the family).

    Working together to improve school attendance: first-day calls go to the priority-1
    contact, and siblings share contacts, so one call can explain several absences. Pupils
    are one family when their priority-1 contacts (each pupil's lowest priority number;
    ties all count) are the same contact id, share a phone number (see
    :func:`normalise_phone`) or share an email (case-insensitive). The relation is
    transitive. A pupil with no contacts is a family of one.
    """
    parent: dict[int, int] = {pid: pid for pid in contacts_by_pupil}

    def find(pid: int) -> int:
        root = pid
        while parent[root] != root:
            root = parent[root]
        while parent[pid] != root:
            parent[pid], pid = root, parent[pid]
        return root

    owner: dict[tuple[str, object], int] = {}
    for pid, contacts in contacts_by_pupil.items():
        for key in _first_contact_keys(contacts):
            other = owner.setdefault(key, pid)
            a, b = find(pid), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the root is always the smallest id
    return {pid: find(pid) for pid in contacts_by_pupil}


def queue_key(pupil: Pupil, consecutive_days: int) -> tuple:
    """Where a pupil sits in the morning queue: smaller comes first.

    Working together to improve school attendance: pupils with a social worker, on a child
    protection plan or looked after are called first. Then the longest run of consecutive
    days absent; then the highest stage of support; then pupils with an EHC plan or SEN
    support; then year group (ascending, none last), surname, forename (preferred if given)
    and UPN, case-insensitive; the pupil id settles anything left.
    """
    return (
        not pupil.safeguarding,
        -consecutive_days,
        -stage_rank(pupil.stage),
        not pupil.has_send,
        pupil.year_group is None,
        pupil.year_group or 0,
        pupil.legal_surname.casefold(),
        pupil.forename.casefold(),
        pupil.upn.casefold(),
        pupil.id,
    )


def build_queue(
    absent: Sequence[Pupil],
    contacts_by_pupil: Mapping[int, Sequence[Contact]],
    marks_by_pupil: Mapping[int, Sequence[Mark]],
    school_days: Sequence[date],
    on: date,
) -> list[Family]:
    """The morning first-day calling queue: families of absent pupils, in calling order.

    ``absent`` are the pupils marked ``N`` for the session being queued. Each gets a
    :class:`QueueEntry` with its contacts (by priority, then name), its consecutive days of
    unauthorised absence, its attendance this term (:func:`term_start` to ``on``), its
    unauthorised sessions in the penalty-notice window and its count of overdue ``N``
    marks (:func:`queue_figures`); then :func:`order_queue` puts them in calling order.
    """
    term = term_start(on)
    window_start = rolling_window_start(school_days, on)  # the same for every pupil
    figures = {
        pupil.id: queue_figures(
            marks_by_pupil.get(pupil.id, ()), school_days, on, term, window_start
        )
        for pupil in absent
    }
    return order_queue(absent, contacts_by_pupil, figures)


def queue_figures(
    marks: Sequence[Mark],
    school_days: Sequence[date],
    on: date,
    term: date,
    window_start: date | None,
) -> QueueFigures:
    """One queued pupil's figures from their marks (``term`` and ``window_start`` as
    :func:`term_start` and :func:`rolling_window_start` give them for ``on``)."""
    return QueueFigures(
        consecutive_days=consecutive_unauthorised_days(marks, school_days, on),
        attendance=attendance(marks, term, on),
        rolling_unauthorised=_unauthorised_between(marks, window_start, on),
        overdue_n=len(overdue_n_marks(marks, school_days, on)),
    )


def queue_figures_from_counts(
    consecutive_days: int,
    marks_in_term: int,
    other_marks: Iterable[tuple[str, bool, bool, bool, int]],
) -> QueueFigures:
    """:func:`queue_figures` from counted marks (:meth:`triage.store.Store.queue_mark_counts`
    gives them): ``marks_in_term`` counts every mark dated in the term; ``other_marks`` are
    (code, in the term, in the rolling window, an overdue ``N``, how many) for every code
    but the present marks (:data:`triage.codes.PRESENT_MARKS`), so the term's present
    sessions are what the others leave of ``marks_in_term``."""
    term_codes: Counter[str] = Counter()
    rolling = overdue = 0
    for code, in_term, in_window, overdue_n, sessions in other_marks:
        if in_term:
            term_codes[code] += sessions
        if in_window and code in UNAUTHORISED_CODES:
            rolling += sessions
        if overdue_n:
            overdue += sessions
    term_codes[PRESENT_MARKS[0]] += marks_in_term - term_codes.total()
    return QueueFigures(
        consecutive_days=consecutive_days,
        attendance=attendance_from_counts(term_codes.items()),
        rolling_unauthorised=rolling,
        overdue_n=overdue,
    )


def order_queue(
    absent: Sequence[Pupil],
    contacts_by_pupil: Mapping[int, Sequence[Contact]],
    figures: Mapping[int, QueueFigures],
    number_families: Callable[[list[list[int]]], Sequence[int]] | None = None,
) -> list[Family]:
    """The queue in calling order, given each absent pupil's :class:`QueueFigures`.

    Absent pupils who share a priority-1 contact form a family (:func:`family_groups`);
    entries within a family follow :func:`queue_key`, and each family sits at its best
    member's position, so siblings stay together. Family ids are what ``number_families``
    gives the families (their pupil ids, in queue order): the numbers kept for the day
    (:func:`triage.morning.queue.load_morning`); without it, 1-based queue positions.
    """
    contacts_of = {
        p.id: tuple(sorted(contacts_by_pupil.get(p.id, ()), key=_contact_order)) for p in absent
    }
    families = family_groups(contacts_of)
    rows = sorted(
        ((queue_key(pupil, figures[pupil.id].consecutive_days), pupil) for pupil in absent),
        key=lambda row: row[0],
    )
    members: dict[int, list[Pupil]] = {}  # insertion order = best member's order
    for _key, pupil in rows:
        members.setdefault(families[pupil.id], []).append(pupil)

    numbers: Sequence[int] = (
        number_families([[p.id for p in family] for family in members.values()])
        if number_families is not None
        else range(1, len(members) + 1)
    )
    queue: list[Family] = []
    for number, family_pupils in zip(numbers, members.values(), strict=True):
        entries = tuple(
            QueueEntry(
                pupil=pupil,
                family_id=number,
                contacts=contacts_of[pupil.id],
                consecutive_days=figures[pupil.id].consecutive_days,
                attendance=figures[pupil.id].attendance,
                rolling_unauthorised=figures[pupil.id].rolling_unauthorised,
                overdue_n=figures[pupil.id].overdue_n,
            )
            for pupil in family_pupils
        )
        queue.append(Family(id=number, entries=entries))
    return queue


def _contact_order(contact: Contact) -> tuple[int, str, int]:
    return (contact.priority, contact.name.casefold(), contact.id)
