"""Alerts: what needs an officer's attention, derived from marks and recorded actions,
never typed in.

Each alert names the date it arose (``arose_on``). An officer acknowledges an alert; the
acknowledgement is kept against (pupil, kind, arose_on), so when the condition ends and
later arises again, the new occurrence has a new ``arose_on`` and shows unacknowledged.
How each kind's ``arose_on`` is found is in :data:`ALERT_KINDS`' docs and ``docs/cases.md``.

:func:`alerts_for` reads everything it needs in a fixed number of queries (marks once,
grouped by pupil; the statements are in :mod:`triage.store.alerts`) and computes per pupil
with the pure rules of :mod:`triage.rules`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from triage import rules
from triage.casework.cases import next_reviews, open_actions
from triage.casework.roll import notifications as cme_notifications
from triage.casework.timetables import PART_TIME_CODE, timetable_alerts, timetables_of
from triage.codes import ATTENDING_CODES, POSSIBLE_CODES, UNAUTHORISED_CODES
from triage.dates import dmy, local_stamp
from triage.model import Mark
from triage.officers import require_writer
from triage.store import Store
from triage.store import alerts as alert_rows

# In the order an officer should look at them.
ALERT_LABELS: dict[str, str] = {
    "missing_education": "10 school days unauthorised: notify the local authority",
    "penalty_threshold": "Penalty-notice threshold",
    "severe_absence": "Severe absence",
    "persistent_absence": "Persistent absence",
    "overdue_n": "N older than 5 school days",
    "illness_15_days": "Illness 15 school days: tell the local authority (health needs)",
    "c2_without_timetable": "C2 marks with no part-time timetable",
    "timetable_overrun": "Part-time timetable past its end date",
    "timetable_review": "Part-time timetable review overdue",
    "review_due": "Review due",
    "nti_ended": "Notice to Improve period ended",
}
ALERT_KINDS = tuple(ALERT_LABELS)
# Raised only for pupils of compulsory school age (rules.of_compulsory_school_age).
SCHOOL_AGE_KINDS = frozenset({"missing_education", "penalty_threshold"})

# Persistent and severe absence need at least a school week of possible sessions in the
# school year, so one day off in September is not "severe absence".
MIN_POSSIBLE_SESSIONS = 10


@dataclass(frozen=True)
class Acknowledgement:
    officer: str
    at: datetime
    event_id: int


@dataclass(frozen=True)
class Alert:
    pupil_id: int
    kind: str  # a key of ALERT_LABELS
    arose_on: date
    message: str  # plain text
    acknowledged: Acknowledgement | None = None

    @property
    def label(self) -> str:
        return ALERT_LABELS[self.kind]


# --- per pupil, pure -------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """What every pupil shares: the school days and each one's penalty-notice window."""

    days: Sequence[date]
    on: date
    year_start: date
    since: date  # no alert from the marks arises before this day
    window: dict[date, date]  # school day (since..on) -> first day of its rolling window

    @property
    def load_from(self) -> date:
        """See :func:`load_from`."""
        return rules.rolling_window_start(self.days, self.since) or self.since


def calendar(days: Sequence[date], on: date) -> Calendar:
    """The shared facts for alerts on ``on``, from the school days (ascending)."""
    year_start = rules.school_year_start(on)
    since = min(year_start, rules.rolling_window_start(days, on) or on)
    window = rules.rolling_window_starts(days, since, on)
    return Calendar(days, on, year_start, since, window)


def load_from(days: Sequence[date], on: date) -> date:
    """The earliest mark :func:`alerts_for` reads: 10 school weeks before the start of the
    school year (or of the current window, if earlier), so every window it counts is whole."""
    return calendar(days, on).load_from


def pupil_alerts(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> list[Alert]:
    """Every mark-based alert of one pupil on ``cal.on``, from the pupil's marks in date
    order (at least from :func:`load_from` to ``on``; earlier ``N`` marks may come too)."""
    found = [
        attendance_alert(pupil_id, marks, cal),
        penalty_alert(pupil_id, marks, cal),
        missing_education_alert(pupil_id, marks, cal),
        overdue_n_alert(pupil_id, marks, cal),
        illness_alert(pupil_id, marks, cal),
    ]
    return [a for a in found if a is not None]


def attendance_alert(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> Alert | None:
    """Persistent absence (missing 10% or more of possible sessions) or, instead of it,
    severe absence (50% or more), over the school year to ``on`` (Working together to
    improve school attendance), once there are :data:`MIN_POSSIBLE_SESSIONS`.

    arose_on: the first day, walking back over the pupil's marked days of the school year,
    of the unbroken run of days on whose evening the year's figure met the threshold."""
    summary = rules.attendance(marks, cal.year_start, cal.on)
    if summary.possible < MIN_POSSIBLE_SESSIONS or not summary.persistent_absence:
        return None
    severe = summary.severe_absence
    share = 2 if severe else 10  # missed * share >= possible
    points: list[tuple[date, int, int]] = []  # (day, possible so far, attending so far)
    possible = attending = 0
    for m in marks:
        if m.date < cal.year_start or m.date > cal.on or m.code not in POSSIBLE_CODES:
            continue
        possible += 1
        attending += m.code in ATTENDING_CODES
        if points and points[-1][0] == m.date:
            points[-1] = (m.date, possible, attending)
        else:
            points.append((m.date, possible, attending))
    arose = points[-1][0]
    for d, p, a in reversed(points):
        if p < MIN_POSSIBLE_SESSIONS or (p - a) * share < p:
            break
        arose = d
    missed = summary.possible - summary.attending
    return Alert(
        pupil_id,
        "severe_absence" if severe else "persistent_absence",
        arose,
        f"{summary.percent or 0.0:.1f}% attendance this school year: {missed} of "
        f"{summary.possible} possible sessions missed ({'50' if severe else '10'}% or more).",
    )


def penalty_alert(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> Alert | None:
    """National Framework for Penalty Notices: 10 or more unauthorised sessions in a rolling
    10 school weeks (:func:`triage.rules.rolling_unauthorised_sessions`). Needs only the
    unauthorised marks.

    arose_on: the first school day of the unbroken run of school days, ending ``on``, on
    which the count was 10 or more (not before the start of the school year, or of the
    current window if that is earlier)."""
    count = rules.rolling_unauthorised_sessions(marks, cal.days, cal.on)
    if not rules.penalty_notice_threshold_reached(count):
        return None
    unauthorised = sorted(m.date for m in marks if m.code in UNAUTHORISED_CODES)
    arose = cal.on
    for i in range(bisect_right(cal.days, cal.on) - 1, -1, -1):
        day = cal.days[i]
        start = cal.window.get(day)
        if start is None:  # before cal.since
            break
        if bisect_right(unauthorised, day) - bisect_left(unauthorised, start) < (
            rules.PENALTY_NOTICE_SESSIONS
        ):
            break
        arose = day
    return Alert(
        pupil_id,
        "penalty_threshold",
        arose,
        f"{count} unauthorised sessions in 10 school weeks: a penalty notice must be "
        "considered (a Notice to Improve usually comes first).",
    )


def missing_education_alert(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> Alert | None:
    """Working together to improve school attendance (children missing education): 10 or
    more consecutive school days of unauthorised absence; the local authority must be told.

    arose_on: the 10th school day of the current run."""
    run, _ended = rules.unauthorised_run(marks, cal.days, cal.on)
    if not rules.missing_education_threshold_reached(len(run)):
        return None
    return Alert(
        pupil_id,
        "missing_education",
        run[len(run) - rules.MISSING_EDUCATION_DAYS],
        f"{len(run)} consecutive school days of unauthorised absence (since "
        f"{dmy(run[-1])}): the local authority must be told (children missing education).",
    )


def overdue_n_alert(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> Alert | None:
    """The School Attendance (Pupil Registration) (England) Regulations 2024: an ``N`` must
    be recoded within 5 school days (:func:`triage.rules.overdue_n_marks`). Needs only the
    ``N`` marks.

    arose_on: the day the oldest outstanding ``N`` became overdue (its 6th school day
    after), which starts the current run."""
    overdue = rules.overdue_n_marks(marks, cal.days, cal.on)
    if not overdue:
        return None
    oldest = overdue[0]
    index = bisect_right(cal.days, oldest.date) + rules.N_RECODE_SCHOOL_DAYS
    many = len(overdue) != 1
    return Alert(
        pupil_id,
        "overdue_n",
        cal.days[index],
        f"{len(overdue)} N mark{'s' if many else ''} older than 5 school days (the oldest "
        f"{dmy(oldest.date)} {oldest.session}): recode {'each' if many else 'it'}, to O "
        "when no reason has come.",
    )


# --- from the store ---------------------------------------------------------------------------


def alerts_for(
    store: Store,
    on: date,
    pupil_ids: Sequence[int] | None = None,
    *,
    school_days: Sequence[date] | None = None,
    marks_by_pupil: Mapping[int, Sequence[Mark]] | None = None,
) -> list[Alert]:
    """Every alert on ``on`` for pupils on roll (all, or ``pupil_ids``), each with its
    acknowledgement if any; ordered by :data:`ALERT_KINDS`, then oldest ``arose_on`` first,
    then pupil id.

    A fixed number of queries whatever the number of pupils, in two steps: first the
    cheap facts for everyone (each pupil's possible and attending sessions this school
    year, and the unauthorised and ``N`` marks, which are all the penalty-notice and
    ``N`` rules read); then the full marks (:meth:`Store.marks_by_pupil`, one query) of
    only the pupils who could have an attendance or a missing-education alert.

    ``school_days``: the school days (:func:`triage.rules.school_days`), when the caller
    has read them already; ``marks_by_pupil``: likewise each pupil's marks in date order (all of
    them to ``on`` at least from :func:`load_from`; those outside are left out here).
    """
    pupils = store.pupils(pupil_ids)
    on_roll = sorted(p.id for p in pupils if p.on_roll(on))
    if not on_roll:
        return []
    ids = None if pupil_ids is None else on_roll
    days = store.school_days() if school_days is None else school_days
    cal = calendar(days, on)
    start = cal.load_from

    found: list[Alert] = []
    unauthorised = alert_rows.unauthorised_marks(store, ids, start, on)
    for pid in on_roll:
        marks = unauthorised.get(pid, [])
        found.extend(
            a for a in (penalty_alert(pid, marks, cal), overdue_n_alert(pid, marks, cal)) if a
        )

    # Only these can have a persistent/severe absence or a missing-education alert: the
    # year's figure is at the threshold, or there are 10 days with unauthorised marks.
    counts = alert_rows.year_counts(store, ids, cal.year_start, on)
    need_marks = [
        pid
        for pid in on_roll
        if _could_be_persistent(*counts.get(pid, (0, 0)))
        or len({m.date for m in unauthorised.get(pid, ()) if m.date >= start})
        >= rules.MISSING_EDUCATION_DAYS
    ]
    if marks_by_pupil is not None:
        full = {
            pid: [m for m in marks_by_pupil.get(pid, ()) if start <= m.date <= on]
            for pid in need_marks
        }
    else:
        full = store.marks_by_pupil(need_marks, start=start, end=on) if need_marks else {}
    for pid in need_marks:
        marks = full.get(pid, [])
        found.extend(
            a
            for a in (attendance_alert(pid, marks, cal), missing_education_alert(pid, marks, cal))
            if a
        )

    # Penalty notices and the duty to tell the local authority of a child missing education
    # are for children of compulsory school age only (Education Act 1996, s8).
    of_age = {p.id for p in pupils if rules.of_compulsory_school_age(p.date_of_birth, on)}
    found = [a for a in found if a.kind not in SCHOOL_AGE_KINDS or a.pupil_id in of_age]

    # Children missing education: no alert once the local authority is recorded as told,
    # with its reference (triage.casework.roll.notify_la), on or after the day it arose.
    told: dict[int, date] = {}
    for notified in cme_notifications(store, ids):
        told[notified.pupil_id] = max(notified.on, told.get(notified.pupil_id, notified.on))
    found = [
        a
        for a in found
        if not (a.kind == "missing_education" and told.get(a.pupil_id, date.min) >= a.arose_on)
    ]

    wanted = set(on_roll)
    found += _illness_alerts(store, ids, cal, wanted)
    c2 = alert_rows.marks_with_code(store, ids, PART_TIME_CODE, cal.year_start, on)
    found += [
        Alert(a.pupil_id, a.kind, a.arose_on, a.message)
        for a in timetable_alerts(
            timetables_of(store, ids),
            {pid: [m.date for m in marks] for pid, marks in c2.items()},
            on,
        )
        if a.pupil_id in wanted
    ]
    for pid, review in next_reviews(store, ids).items():
        if pid in wanted and review <= on:
            found.append(Alert(pid, "review_due", review, f"Case review due {dmy(review)}."))
    for nti in open_actions(store, "notice_to_improve"):
        due = nti.due_date
        if nti.pupil_id in wanted and nti.status in (None, "open") and due and due <= on:
            found.append(
                Alert(
                    nti.pupil_id,
                    "nti_ended",
                    due,
                    f"The Notice to Improve of {dmy(nti.on)} ends its improvement period on "
                    f"{dmy(due)}: review attendance and decide the next step (mark the "
                    "notice done to close this).",
                )
            )

    acks = _acknowledgements(store)
    found = [replace(a, acknowledged=acks.get((a.pupil_id, a.kind, a.arose_on))) for a in found]
    order = {k: i for i, k in enumerate(ALERT_KINDS)}
    found.sort(key=lambda a: (order[a.kind], a.arose_on, a.pupil_id))
    return found


ILLNESS_CODE = "I"


def illness_alert(pupil_id: int, marks: Sequence[Mark], cal: Calendar) -> Alert | None:
    """Arranging education for children who cannot attend school because of health needs:
    15 school days of illness (``I``) in the school year, consecutive or cumulative
    (:func:`triage.rules.illness_days_reached_on`; days = sessions / 2).

    arose_on: the day of the 30th ``I`` session of the school year."""
    year = [m for m in marks if cal.year_start <= m.date <= cal.on and m.code == ILLNESS_CODE]
    reached = rules.illness_days_reached_on(year)
    if reached is None:
        return None
    days = len(year) / 2
    return Alert(
        pupil_id,
        "illness_15_days",
        reached,
        f"{days:g} school days of illness this school year ({len(year)} sessions): the local "
        "authority's duty to arrange education may apply (s19); tell it, and record "
        "medical evidence seen and the referral.",
    )


def _illness_alerts(
    store: Store, ids: Sequence[int] | None, cal: Calendar, wanted: set[int]
) -> list[Alert]:
    """Illness alerts, none once the referral to the local authority is recorded on or
    after the day the alert arose."""
    illness = alert_rows.marks_with_code(store, ids, ILLNESS_CODE, cal.year_start, cal.on)
    referred: dict[int, date] = {}
    for action in open_actions(store, "health_referral"):
        referred[action.pupil_id] = max(action.on, referred.get(action.pupil_id, action.on))
    found = []
    for pid, marks in illness.items():
        alert = illness_alert(pid, marks, cal) if pid in wanted else None
        if alert and referred.get(pid, date.min) < alert.arose_on:
            found.append(alert)
    return found


def _could_be_persistent(possible: int, attending: int) -> bool:
    return possible >= MIN_POSSIBLE_SESSIONS and (possible - attending) * 10 >= possible


def _acknowledgements(store: Store) -> dict[tuple[int, str, date], Acknowledgement]:
    return {
        (ack.pupil_id, ack.kind, date.fromisoformat(ack.arose_on)): Acknowledgement(
            ack.officer, datetime.fromisoformat(ack.at), ack.event_id
        )
        for ack in alert_rows.acknowledgements(store)
    }


def acknowledge(store: Store, alert: Alert, *, at: datetime | None = None) -> Alert:
    """Record that this officer has seen the alert (one transaction, one ``ack`` audit
    event); returns the alert with its acknowledgement. Acknowledging an alert that is
    already acknowledged changes nothing and returns the first acknowledgement."""
    if alert.kind not in ALERT_LABELS:
        raise ValueError(f"{alert.kind!r} is not a kind of alert")
    stamp = local_stamp(at)
    key = (alert.pupil_id, alert.kind, alert.arose_on.isoformat())
    with store.transaction():
        require_writer(store)
        row = alert_rows.acknowledgement(store, *key)
        if row is not None:
            return replace(
                alert,
                acknowledged=Acknowledgement(
                    row.officer, datetime.fromisoformat(row.at), row.event_id
                ),
            )
        event_id = store.audit(
            "ack",
            "pupil",
            alert.pupil_id,
            {
                "kind": alert.kind,
                "arose_on": alert.arose_on,
                "message": alert.message,
                "before": None,
                "after": {"officer": store.officer, "at": stamp},
            },
        )
        alert_rows.insert_acknowledgement(store, *key, event_id, stamp, store.officer)
    return replace(
        alert, acknowledged=Acknowledgement(store.officer, datetime.fromisoformat(stamp), event_id)
    )
