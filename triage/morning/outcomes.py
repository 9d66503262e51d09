"""First-day calling: the outcomes an officer logs, the reasons that recode a mark, and
the status each queued pupil is in as a result.

What can be chosen is data (so dialogs, the CLI and tests share one list); the writes are
in :mod:`triage.morning.logbook`; the status of a pupil is a pure function of its mark and the
attempts made.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from triage.codes import ATTENDING_CODES, CODES, NOT_YET_PROVIDED
from triage.dates import parse_clock
from triage.model import Attempt, Contact


class Outcome(NamedTuple):
    key: str  # stored in attempts.outcome
    label: str
    asks_reason: bool = False  # a reason was given: pick it, which recodes the mark
    asks_time: bool = False  # a callback time follows
    no_answer: bool = False  # nobody reached on this contact: move to the next one
    concern: bool = False  # worry for the child's safety: escalate


# Numbered one-key choices, in the order the dialog shows them.
OUTCOMES: dict[str, tuple[Outcome, ...]] = {
    "call": (
        Outcome("spoke_reason", "Spoke to contact — reason given", asks_reason=True),
        Outcome("spoke_no_reason", "Spoke to contact — no reason given"),
        Outcome("no_answer", "No answer", no_answer=True),
        Outcome("voicemail", "Voicemail left", no_answer=True),
        Outcome("wrong_number", "Wrong or unobtainable number", no_answer=True),
        Outcome("callback", "Asked to call back", asks_time=True),
    ),
    "text": (
        Outcome("text_sent", "Text sent"),
        Outcome("reply_reason", "Reply received — reason given", asks_reason=True),
        Outcome("text_failed", "Could not send", no_answer=True),
    ),
    "email": (
        Outcome("email_sent", "Email sent"),
        Outcome("reply_reason", "Reply received — reason given", asks_reason=True),
        Outcome("email_bounced", "Bounced", no_answer=True),
    ),
    "visit": (
        Outcome("child_seen", "Child seen — safe", asks_reason=True),
        Outcome("adult_seen_reason", "Adult seen — reason given", asks_reason=True),
        Outcome("no_one_home", "No one home"),
        Outcome("concern", "Concern — escalate", concern=True),
        Outcome("refused_entry", "Refused entry"),
    ),
}
# Escalations can be recorded from any dialog (keys 7, 8, 9), each an attempt with its time.
ESCALATIONS: tuple[Outcome, ...] = (
    Outcome("dsl_informed", "Designated safeguarding lead informed"),
    Outcome("social_worker_informed", "Social worker informed"),
    Outcome("police_welfare_check", "Police welfare (safe and well) check requested"),
)
ESCALATION_KEYS = ("7", "8", "9")
CHANNEL_LABELS = {
    "call": "Call",
    "text": "Text",
    "email": "Email",
    "visit": "Home visit",
    "escalation": "Escalation",
    "callback": "Callback",
    "reason": "Reason",
}


def outcome(channel: str, key: str) -> Outcome:
    for o in OUTCOMES.get(channel, ()) + ESCALATIONS:
        if o.key == key:
            return o
    if channel == "callback" and key == "callback":
        return Outcome("callback", "Callback arranged", asks_time=True)
    raise KeyError(f"{channel}/{key}")


class Reason(NamedTuple):
    key: str  # the one key in the picker
    code: str
    label: str


# The one-key reason picker; every other national code is behind its search.
REASONS: tuple[Reason, ...] = (
    Reason("i", "I", "Illness"),
    Reason("m", "M", "Medical or dental appointment"),
    Reason("g", "G", "Holiday not granted by the school"),
    Reason("c", "C", "Exceptional circumstances (leave granted)"),
    Reason("r", "R", "Religious observance"),
    Reason("o", "O", "Other or unacceptable reason"),
    Reason("l", "L", "Arrived late, before the register closed"),
    Reason("u", "U", "Arrived after the register closed"),
)
# Codes an officer may record as a reason (not N itself, not administrative-only codes
# such as '#' that a school sets for everyone).
RECODABLE = tuple(c for c in CODES if c not in (NOT_YET_PROVIDED, "#", "Z", "X", "D"))


# --- status ------------------------------------------------------------------------------


TO_CALL = "to call"
IN_PROGRESS = "in progress"
RESOLVED = "resolved"


class Status(NamedTuple):  # not a dataclass: see triage.model
    label: str  # what the Status column shows
    phase: str  # TO_CALL, IN_PROGRESS or RESOLVED: the header counts and the sort
    next_contact: Contact | None
    callback_due: datetime | None = None  # sorted to the top once due
    last_attempt: Attempt | None = None
    no_answers: int = 0

    @property
    def resolved(self) -> bool:
        return self.phase == RESOLVED


def status_of(
    code: str,
    amended: bool,
    attempts: list[Attempt],
    contacts: tuple[Contact, ...],
    safeguarding: bool,
    consecutive_days: int,
) -> Status:
    """Where a queued pupil stands, from their mark and the attempts so far (oldest first).

    - a mark that is no longer N: *reason given → X* (recoded in the app or by the MIS), or
      *arrived* when a later export shows the pupil present or late (`U`: after the
      register closed);
    - otherwise the latest attempt decides: a pending callback (*callback HH:MM*), *no answer
      ×N* moving to the next contact in priority order, and, once every contact has failed,
      *home visit needed* for a pupil with a safeguarding flag or 2+ consecutive days absent.
    """
    last = attempts[-1] if attempts else None
    if code != NOT_YET_PROVIDED:
        if code in ATTENDING_CODES and not amended:
            return Status("arrived", RESOLVED, None, last_attempt=last)
        if code == "U" and not amended:  # the register says they came, after it closed
            return Status("arrived late (U)", RESOLVED, None, last_attempt=last)
        return Status(f"reason given → {code}", RESOLVED, None, last_attempt=last)
    failed_contacts: list[int | None] = []
    no_answers = 0
    for a in attempts:
        o = _outcome_or_none(a.channel, a.outcome)
        if o is not None and o.no_answer:
            no_answers += 1
            failed_contacts.append(a.contact_id)
    next_contact = _next_contact(contacts, last, failed_contacts)
    if last is None:
        return Status(TO_CALL, TO_CALL, next_contact)
    callback = next((a for a in reversed(attempts) if a.callback_at is not None), None)
    if callback is not None and callback is last:
        return Status(
            f"callback {callback.callback_at:%H:%M}",
            IN_PROGRESS,
            next_contact,
            callback_due=callback.callback_at,
            last_attempt=last,
            no_answers=no_answers,
        )
    last_outcome = _outcome_or_none(last.channel, last.outcome)
    if last_outcome is not None and last_outcome.concern:
        return Status("concern — escalate", IN_PROGRESS, next_contact, last_attempt=last)
    if last.channel == "visit" and last.outcome == "no_one_home":
        return Status("visit: no one home", IN_PROGRESS, next_contact, last_attempt=last)
    all_failed = bool(contacts) and {c.id for c in contacts} <= set(failed_contacts)
    last_failed = last_outcome is not None and last_outcome.no_answer
    if last_failed and all_failed and (safeguarding or consecutive_days >= 2):
        return Status(
            "home visit needed", IN_PROGRESS, None, last_attempt=last, no_answers=no_answers
        )
    if last_failed:
        return Status(
            f"no answer ×{no_answers}",
            IN_PROGRESS,
            next_contact,
            last_attempt=last,
            no_answers=no_answers,
        )
    label = last_outcome.label if last_outcome is not None else last.outcome
    return Status(label, IN_PROGRESS, next_contact, last_attempt=last, no_answers=no_answers)


# The queue's Status column: a word or two for what happened last, keyed by outcome. An
# outcome in which somebody answered is "reached" unless it has a word of its own.
SHORT_OUTCOMES = {
    "text_sent": "texted",
    "email_sent": "emailed",
    "dsl_informed": "DSL told",
    "social_worker_informed": "SW told",
    "police_welfare_check": "police",
}


def short_status(status: Status) -> str:
    """``status`` in at most 10 characters, for the queue's Status column (the full words
    are on the case and in the help): to call, tried 2, reached, ring 10:30, reason → I…"""
    label = status.label
    if status.phase == TO_CALL:
        return TO_CALL
    if status.phase == RESOLVED:
        if label.startswith("reason given → "):
            return "reason → " + label.removeprefix("reason given → ")
        return {"arrived late (U)": "late (U)"}.get(label, label)
    if status.callback_due is not None and label.startswith("callback "):
        return f"ring {status.callback_due:%H:%M}"
    last = status.last_attempt
    if label == "concern — escalate":
        return "CONCERN"
    if label == "visit: no one home":
        return "not home"
    if label == "home visit needed":
        return "visit due"
    if label.startswith("no answer"):
        return f"tried {status.no_answers}"
    if last is not None and last.outcome in SHORT_OUTCOMES:
        return SHORT_OUTCOMES[last.outcome]
    return "reached"


def _outcome_or_none(channel: str, key: str) -> Outcome | None:
    try:
        return outcome(channel, key)
    except KeyError:
        return None


def _next_contact(
    contacts: tuple[Contact, ...], last: Attempt | None, failed: list[int | None]
) -> Contact | None:
    """The contact to try next: after a failed attempt, the next in priority order that has
    not failed yet (round again to the first when all have); otherwise the one last used
    (or the first)."""
    if not contacts:
        return None
    if last is None:
        return contacts[0]
    if last.contact_id is not None and failed and failed[-1] == last.contact_id:
        untried = [c for c in contacts if c.id not in failed]
        if untried:
            return untried[0]
        ids = [c.id for c in contacts]
        i = ids.index(last.contact_id) if last.contact_id in ids else -1
        return contacts[(i + 1) % len(contacts)]
    used = next((c for c in contacts if c.id == last.contact_id), None)
    return used or contacts[0]


def parse_callback_time(text: str, on: date) -> datetime:
    """'14:30', '1430', '2:30pm' on the queue's date (:func:`triage.dates.parse_clock`);
    raises ValueError with a clear message."""
    return datetime.combine(on, parse_clock(text))
