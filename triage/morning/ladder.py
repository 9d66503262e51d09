"""The school's first-day-calling policy as a clock: the ladder of steps, when each falls
due, whether it is done, and how timely the morning was.

Schools' first-day-calling procedures (in their safeguarding policies, after *Working
together to improve school attendance* and *Keeping children safe in education*) are timed
ladders: a text to the priority-1 contact, a call, every contact, the designated
safeguarding lead (DSL), a home visit, a police welfare check. Here a ladder is data (TOML
in the settings table under ``ladder``); everything else is a pure function of the queue,
the attempts and the marks, so a test injects the clock. The rules are written out in
``docs/ladder.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from triage import settings
from triage.codes import NOT_YET_PROVIDED
from triage.model import Attempt, Contact, Family, Pupil, QueueEntry
from triage.officers import require_lead
from triage.store import Store
from triage.store.audit import session_acks

if TYPE_CHECKING:
    from triage.morning.queue import Morning

SETTING_KEY = "ladder"

KINDS = (
    "text",
    "call_priority_1",
    "call_all",
    "email",
    "dsl_alert",
    "home_visit",
    "police_welfare_check",
    "social_worker_informed",
)
KIND_LABELS = {
    "text": "Text",
    "call_priority_1": "Call priority-1 contact",
    "call_all": "Call every contact",
    "email": "Email",
    "dsl_alert": "DSL alerted",
    "home_visit": "Home visit",
    "police_welfare_check": "Police welfare check",
    "social_worker_informed": "Social worker informed",
}
SHORT_KIND_LABELS = {
    "text": "Text",
    "call_priority_1": "Call P1",
    "call_all": "Call all",
    "email": "Email",
    "dsl_alert": "Tell DSL",
    "home_visit": "Visit",
    "police_welfare_check": "Police",
    "social_worker_informed": "Tell SW",
}
# Escalations are about one child: done per pupil. Every other kind is one action that
# covers the family (a call to the shared priority-1 contact is logged for each sibling).
PUPIL_KINDS = frozenset({"dsl_alert", "police_welfare_check", "social_worker_informed"})
ESCALATION_OF = {
    "dsl_alert": "dsl_informed",
    "police_welfare_check": "police_welfare_check",
    "social_worker_informed": "social_worker_informed",
}
CHANNEL_OF = {"text": "text", "email": "email", "home_visit": "visit"}

APPLIES = ("all", "safeguarding", "absent_2_days")
# Outcomes in which somebody answered: they end a step marked ``unless_reached``.
REACHED_OUTCOMES = frozenset(
    {
        "spoke_reason",
        "spoke_no_reason",
        "callback",
        "reply_reason",
        "child_seen",
        "adult_seen_reason",
    }
)
MAX_MINUTES = 12 * 60

DONE = "done"
PENDING = "pending"
OVERDUE = "overdue"
NOT_NEEDED = "not needed"


class LadderError(ValueError):
    """A ladder that cannot be used (one clear line naming the step and field)."""


class Step(NamedTuple):  # not a dataclass: see triage.model
    key: str  # unique in the ladder: "call_p1"
    kind: str  # one of KINDS
    due_minutes: int  # after the session's register closes
    applies_to: tuple[str, ...] = ("all",)  # any of APPLIES
    unless_reached: bool = False  # not needed once somebody in the family answered
    replaces: str | None = None  # safeguarding ladder only: the main step it tightens

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def short_label(self) -> str:
        """The label in a word or two, for the queue's Next step column."""
        return SHORT_KIND_LABELS[self.kind]

    def applies(self, pupil: Pupil, consecutive_days: int) -> bool:
        return any(
            a == "all"
            or (a == "safeguarding" and pupil.safeguarding)
            or (a == "absent_2_days" and consecutive_days >= 2)
            for a in self.applies_to
        )


class Ladder(NamedTuple):  # not a dataclass: see triage.model
    steps: tuple[Step, ...]
    safeguarding: tuple[Step, ...] = ()  # for pupils with a social worker, CP plan or LAC

    def step(self, key: str) -> Step:
        for s in self.steps + self.safeguarding:
            if s.key == key:
                return s
        raise KeyError(key)


DEFAULT_LADDER_TOML = """\
# First-day calling ladder: each step falls due this many minutes after the register
# closes (settings am_register_close / pm_register_close). Steps are listed in time order.
# kind: text, call_priority_1, call_all, email, dsl_alert, home_visit,
#       police_welfare_check, social_worker_informed
# applies_to: "all", "safeguarding", "absent_2_days" (or a list: any of them)
# unless_reached = true: not needed once somebody in the family has answered.
# See docs/ladder.md.

[[step]]
key = "text_p1"
kind = "text"
due_minutes = 30
applies_to = "all"

[[step]]
key = "call_p1"
kind = "call_priority_1"
due_minutes = 45
applies_to = "all"

[[step]]
key = "call_all"
kind = "call_all"
due_minutes = 60
applies_to = "all"

[[step]]
key = "dsl_alert"
kind = "dsl_alert"
due_minutes = 75
applies_to = ["safeguarding", "absent_2_days"]
unless_reached = true

[[step]]
key = "text_2"
kind = "text"
due_minutes = 90
applies_to = "all"

[[step]]
key = "email"
kind = "email"
due_minutes = 90
applies_to = "all"

[[step]]
key = "home_visit"
kind = "home_visit"
due_minutes = 150
applies_to = ["safeguarding", "absent_2_days"]

[[step]]
key = "police"
kind = "police_welfare_check"
due_minutes = 240
applies_to = "safeguarding"

# Pupils with a social worker, child protection plan or looked after: these steps are
# added to theirs (a step with replaces = "KEY" takes the place of that main step).
[[safeguarding]]
key = "social_worker"
kind = "social_worker_informed"
due_minutes = 30
applies_to = "safeguarding"
"""


# --- the ladder as TOML ------------------------------------------------------------------

_FIELDS = {"key", "kind", "due_minutes", "applies_to", "unless_reached", "replaces"}


def parse_ladder(text: str) -> Ladder:
    """A ladder from TOML text, or LadderError with one line naming the step and field."""
    import tomllib  # here: a school on the default ladder never reads TOML at start-up

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LadderError(f"not valid TOML: {exc}") from exc
    unknown = set(data) - {"step", "safeguarding"}
    if unknown:
        raise LadderError(
            f"unknown section {sorted(unknown)[0]!r}; a ladder has [[step]] and [[safeguarding]]"
        )
    main = _parse_steps(data.get("step", []), "step")
    if not main:
        raise LadderError("the ladder has no [[step]]")
    extra = _parse_steps(data.get("safeguarding", []), "safeguarding")
    seen: set[str] = set()
    for where, steps in (("step", main), ("safeguarding", extra)):
        for n, s in enumerate(steps, 1):
            if s.key in seen:
                raise LadderError(f"{where} {n}: key {s.key!r} is used twice")
            seen.add(s.key)
    main_keys = {s.key for s in main}
    for n, s in enumerate(main, 1):
        if s.replaces is not None:
            raise LadderError(f"step {n}: replaces is for [[safeguarding]] steps only")
    for n, s in enumerate(extra, 1):
        if s.replaces is not None and s.replaces not in main_keys:
            raise LadderError(f"safeguarding {n}: replaces {s.replaces!r}, which is not a step")
    return Ladder(tuple(main), tuple(extra))


def _parse_steps(raw: Any, where: str) -> list[Step]:
    if not isinstance(raw, list):
        raise LadderError(f"{where} must be a list of [[{where}]] tables")
    steps: list[Step] = []
    for n, table in enumerate(raw, 1):
        at = f"{where} {n}"
        if not isinstance(table, dict):
            raise LadderError(f"{at}: must be a [[{where}]] table")
        for name in sorted(set(table) - _FIELDS):
            raise LadderError(f"{at}: unknown field {name!r}")
        for name in ("key", "kind", "due_minutes"):
            if name not in table:
                raise LadderError(f"{at}: {name} is missing")
        key = table["key"]
        if not isinstance(key, str) or not key.strip() or not key.replace("_", "").isalnum():
            raise LadderError(f"{at}: key must be a short name of letters, digits and _")
        kind = table["kind"]
        if kind not in KINDS:
            raise LadderError(f"{at}: kind {kind!r} is not one of {', '.join(KINDS)}")
        minutes = table["due_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise LadderError(f"{at}: due_minutes must be a whole number of minutes")
        if not 0 <= minutes <= MAX_MINUTES:
            raise LadderError(f"{at}: due_minutes must be from 0 to {MAX_MINUTES}")
        applies = table.get("applies_to", "all")
        applies = (applies,) if isinstance(applies, str) else applies
        if (
            not isinstance(applies, list | tuple)
            or not applies
            or any(a not in APPLIES for a in applies)
        ):
            raise LadderError(
                f"{at}: applies_to {table.get('applies_to')!r} is not one of {', '.join(APPLIES)}"
            )
        unless = table.get("unless_reached", False)
        if not isinstance(unless, bool):
            raise LadderError(f"{at}: unless_reached must be true or false")
        replaces = table.get("replaces")
        if replaces is not None and not isinstance(replaces, str):
            raise LadderError(f"{at}: replaces must be the key of a step")
        if steps and minutes < steps[-1].due_minutes:
            raise LadderError(
                f"{at}: due_minutes {minutes} is earlier than the step before "
                f"({steps[-1].due_minutes}); list steps in time order"
            )
        steps.append(Step(key, kind, minutes, tuple(dict.fromkeys(applies)), unless, replaces))
    return steps


def ladder_toml(ladder: Ladder) -> str:
    """The ladder as TOML that :func:`parse_ladder` reads back to the same ladder."""
    out: list[str] = []
    for where, steps in (("step", ladder.steps), ("safeguarding", ladder.safeguarding)):
        for s in steps:
            applies = (
                f'"{s.applies_to[0]}"'
                if len(s.applies_to) == 1
                else "[" + ", ".join(f'"{a}"' for a in s.applies_to) + "]"
            )
            out += [
                f"[[{where}]]",
                f'key = "{s.key}"',
                f'kind = "{s.kind}"',
                f"due_minutes = {s.due_minutes}",
                f"applies_to = {applies}",
            ]
            if s.unless_reached:
                out.append("unless_reached = true")
            if s.replaces:
                out.append(f'replaces = "{s.replaces}"')
            out.append("")
    return "\n".join(out)


# The default ladder as data, the same as its text above reads (a test holds them equal):
# a school that keeps the default does not parse TOML at every start.
DEFAULT_LADDER = Ladder(
    steps=(
        Step("text_p1", "text", 30),
        Step("call_p1", "call_priority_1", 45),
        Step("call_all", "call_all", 60),
        Step("dsl_alert", "dsl_alert", 75, ("safeguarding", "absent_2_days"), True),
        Step("text_2", "text", 90),
        Step("email", "email", 90),
        Step("home_visit", "home_visit", 150, ("safeguarding", "absent_2_days")),
        Step("police", "police_welfare_check", 240, ("safeguarding",)),
    ),
    safeguarding=(Step("social_worker", "social_worker_informed", 30, ("safeguarding",)),),
)


def ladder_text(store: Store) -> str:
    """The school's ladder as stored (the default's text when none is)."""
    return store.setting(SETTING_KEY) or DEFAULT_LADDER_TOML


def ladder_of(store: Store) -> Ladder:
    text = store.setting(SETTING_KEY)
    return DEFAULT_LADDER if text is None else parse_ladder(text)


def set_ladder(store: Store, text: str) -> Ladder:
    """Check and store a ladder (a lead's job); the text is kept as written, comments too."""
    ladder = parse_ladder(text)
    require_lead(store)
    store.set_setting(SETTING_KEY, text)
    return ladder


# --- due times and applicability ---------------------------------------------------------


def register_close(store: Store, on: date, session: str) -> datetime:
    """When the session's register closes on that date, in local time (with its offset)."""
    key = "pm_register_close" if session.upper() == "PM" else "am_register_close"
    return datetime.combine(on, settings.get_time(store, key)).astimezone()


def due_at(step: Step, register_close: datetime) -> datetime:
    return register_close + timedelta(minutes=step.due_minutes)


def steps_for(ladder: Ladder, pupil: Pupil, consecutive_days: int) -> list[Step]:
    """The steps that apply to a pupil, by due time (ladder order among equals): the main
    ladder's, plus for a safeguarding pupil the safeguarding ladder's, each of which takes
    the place of the main step it ``replaces``."""
    chosen = [s for s in ladder.steps if s.applies(pupil, consecutive_days)]
    if pupil.safeguarding:
        extra = [s for s in ladder.safeguarding if s.applies(pupil, consecutive_days)]
        replaced = {s.replaces for s in extra}
        chosen = [s for s in chosen if s.key not in replaced] + extra
    order = _step_order(ladder)
    return sorted(chosen, key=lambda s: (s.due_minutes, order[s.key]))


def _step_order(ladder: Ladder) -> dict[str, int]:
    return {s.key: i for i, s in enumerate(ladder.steps + ladder.safeguarding)}


class _StepsByPupil:
    """:func:`steps_for`, worked out once per kind of pupil for a whole queue: which steps
    apply depends only on the safeguarding flag and on two or more days' absence, so 2,000
    pupils need at most four answers."""

    def __init__(self, ladder: Ladder) -> None:
        self.ladder = ladder
        self.order = _step_order(ladder)
        self._known: dict[tuple[bool, bool], list[Step]] = {}
        self._families: dict[frozenset[int], list[Step]] = {}
        self._due: dict[tuple[str, datetime], datetime] = {}

    def __call__(self, pupil: Pupil, consecutive_days: int) -> list[Step]:
        kind = (pupil.safeguarding, consecutive_days >= 2)
        steps = self._known.get(kind)
        if steps is None:
            steps = self._known[kind] = steps_for(self.ladder, pupil, consecutive_days)
        return steps

    def family_steps(self, per_pupil: Mapping[int, list[Step]]) -> list[Step]:
        """:func:`_family_steps`, once per mix of kinds of pupil (the lists come from
        ``__call__``, so the same kind is the same list)."""
        mix = frozenset(id(steps) for steps in per_pupil.values())
        found = self._families.get(mix)
        if found is None:
            found = self._families[mix] = _family_steps(per_pupil, self.order)
        return found

    def due(self, step: Step, register_close: datetime) -> datetime:
        key = (step.key, register_close)
        due = self._due.get(key)
        if due is None:
            due = self._due[key] = due_at(step, register_close)
        return due


# --- one family's ladder -----------------------------------------------------------------


class FamilyStep(NamedTuple):  # not a dataclass: see triage.model
    step: Step
    pupil_id: int | None  # set for a per-pupil step (an escalation about one child)
    due: datetime
    state: str  # DONE, PENDING, OVERDUE or NOT_NEEDED
    done_at: datetime | None = None
    done_by: str | None = None

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due

    def minutes_after_close(self, register_close: datetime) -> int | None:
        if self.done_at is None:
            return None
        return round((self.done_at - register_close).total_seconds() / 60)


class FamilyLadder(NamedTuple):  # not a dataclass: see triage.model
    family_id: int
    steps: tuple[FamilyStep, ...]  # by due time
    ended: bool  # every pupil's mark is no longer N

    @property
    def next_step(self) -> FamilyStep | None:
        return next((s for s in self.steps if s.state in (OVERDUE, PENDING)), None)

    @property
    def next_due(self) -> datetime | None:
        step = self.next_step
        return step.due if step else None

    @property
    def overdue(self) -> bool:
        return any(s.state == OVERDUE for s in self.steps)

    def dsl_alerts_due(self) -> list[FamilyStep]:
        """DSL-alert steps past due and not done: what the queue's DSL banner lists."""
        return [s for s in self.steps if s.step.kind == "dsl_alert" and s.state == OVERDUE]


def family_ladder(
    family_entries: Sequence[QueueEntry],
    attempts_by_pupil: Mapping[int, Sequence[Attempt]],
    codes_by_pupil: Mapping[int, str],
    ladder: Ladder,
    register_close: datetime,
    now: datetime,
    family_id: int | None = None,
    _steps: _StepsByPupil | None = None,
) -> FamilyLadder:
    """Each step of one family's ladder at ``now`` (a naive time is local).

    Family steps (text, calls, email, home visit) apply when they apply to any pupil and are
    done by an attempt logged for any of them; escalations (DSL, social worker, police) are
    one row per pupil they apply to, done by that pupil's own attempt. The n-th step of a
    kind is done by the n-th attempt of that kind. A step not done is *not needed* once the
    marks say the ladder has ended (every pupil in the family for a family step; the pupil
    for an escalation), or, for ``unless_reached``, once anybody in the family answered.
    """
    close = _aware(register_close)
    now = _aware(now)
    entries = list(family_entries)
    fid = family_id if family_id is not None else (entries[0].family_id if entries else 0)
    ended_pupils = {
        e.pupil.id
        for e in entries
        if codes_by_pupil.get(e.pupil.id, NOT_YET_PROVIDED) != NOT_YET_PROVIDED
    }
    family_ended = bool(entries) and len(ended_pupils) == len(entries)
    family_attempts = _family_attempts(entries, attempts_by_pupil)
    reached = any(a.outcome in REACHED_OUTCOMES for a in family_attempts)
    steps = _steps or _StepsByPupil(ladder)
    order = steps.order

    rows: list[tuple[Step, int | None, Attempt | None, bool]] = []
    per_pupil = {e.pupil.id: steps(e.pupil, e.consecutive_days) for e in entries}
    family_steps = steps.family_steps(per_pupil)
    # No attempt yet (most families, early in the morning): nothing to match.
    done = _match(family_steps, family_attempts, _contact_plan(entries)) if family_attempts else {}
    rows += [(s, None, done.get(s.key), family_ended) for s in family_steps]
    for e in entries:
        own = [s for s in per_pupil[e.pupil.id] if s.kind in PUPIL_KINDS]
        attempts = attempts_by_pupil.get(e.pupil.id)
        matched = _match(own, _sorted(attempts), None) if attempts else {}
        rows += [(s, e.pupil.id, matched.get(s.key), e.pupil.id in ended_pupils) for s in own]

    out: list[FamilyStep] = []
    for step, pid, attempt, ended in rows:
        due = steps.due(step, close)
        if attempt is not None:
            state = DONE
        elif ended or (step.unless_reached and reached):
            state = NOT_NEEDED
        elif now > due:
            state = OVERDUE
        else:
            state = PENDING
        out.append(
            FamilyStep(
                step,
                pid,
                due,
                state,
                _aware(attempt.at) if attempt else None,
                attempt.officer if attempt else None,
            )
        )
    out.sort(key=lambda f: (f.due, order[f.step.key], f.pupil_id or 0))
    return FamilyLadder(fid, tuple(out), family_ended)


def family_ladders(
    families: Iterable[Family],
    attempts_by_pupil: Mapping[int, Sequence[Attempt]],
    codes_by_pupil: Mapping[int, str],
    ladder: Ladder,
    register_close: datetime,
    now: datetime,
) -> dict[int, FamilyLadder]:
    """Family id -> its ladder, for the whole queue (``morning.families``)."""
    steps = _StepsByPupil(ladder)
    return {
        f.id: family_ladder(
            f.entries, attempts_by_pupil, codes_by_pupil, ladder, register_close, now, f.id, steps
        )
        for f in families
    }


def _family_steps(per_pupil: Mapping[int, list[Step]], order: Mapping[str, int]) -> list[Step]:
    """The family steps that apply to any pupil; a main step gives way in the whole family
    to a safeguarding step that replaces it (one call, one clock)."""
    found: dict[str, Step] = {}
    for steps in per_pupil.values():
        for s in steps:
            if s.kind not in PUPIL_KINDS:
                found[s.key] = s
    replaced = {s.replaces for s in found.values() if s.replaces}
    chosen = [s for k, s in found.items() if k not in replaced]
    return sorted(chosen, key=lambda s: (s.due_minutes, order[s.key]))


def _sorted(attempts: Iterable[Attempt]) -> list[Attempt]:
    return sorted(attempts, key=lambda a: _aware(a.at))


def _family_attempts(
    entries: Sequence[QueueEntry], attempts_by_pupil: Mapping[int, Sequence[Attempt]]
) -> list[Attempt]:
    """Every attempt about the family, once: a family call is one row per sibling."""
    seen: dict[tuple[Any, ...], Attempt] = {}
    for e in entries:
        for a in attempts_by_pupil.get(e.pupil.id, ()):
            seen.setdefault((_aware(a.at), a.officer, a.channel, a.outcome, a.contact_id), a)
    return _sorted(seen.values())


class _Contacts(NamedTuple):
    priority_1: frozenset[int]  # ids of every pupil's lowest-numbered-priority contacts
    person: Mapping[int, str]  # contact id -> the person (siblings' rows for one parent)
    people: frozenset[str]  # everybody callable (with a number)


def _contact_plan(entries: Sequence[QueueEntry]) -> _Contacts:
    p1: set[int] = set()
    person: dict[int, str] = {}
    people: set[str] = set()
    for e in entries:
        if e.contacts:
            top = min(c.priority for c in e.contacts)
            p1.update(c.id for c in e.contacts if c.priority == top)
        for c in e.contacts:
            person[c.id] = _person(c)
            if c.numbers:
                people.add(person[c.id])
    return _Contacts(frozenset(p1), person, frozenset(people))


def _person(contact: Contact) -> str:
    """Siblings each have their own contact rows: the same person is the same first
    number (or, with no number, the same name)."""
    return contact.numbers[0] if contact.numbers else "name:" + contact.name.casefold()


def _match(
    steps: Sequence[Step], attempts: Sequence[Attempt], contacts: _Contacts | None
) -> dict[str, Attempt]:
    """Step key -> the attempt that did it. The n-th step of a kind takes the n-th attempt
    of that kind; ``call_all`` is done by the call that covers the last callable person."""
    done: dict[str, Attempt] = {}
    used: dict[str, int] = {}
    for step in steps:
        if step.kind == "call_all":
            attempt = _all_called(attempts, contacts)
            if attempt is not None:
                done[step.key] = attempt
            continue
        matching = [a for a in attempts if _does(step.kind, a, contacts)]
        n = used.get(step.kind, 0)
        if n < len(matching):
            done[step.key] = matching[n]
            used[step.kind] = n + 1
    return done


def _does(kind: str, a: Attempt, contacts: _Contacts | None) -> bool:
    if kind in ESCALATION_OF:
        return a.outcome == ESCALATION_OF[kind]
    if kind == "call_priority_1":
        if a.channel != "call":
            return False
        if contacts is None or not contacts.priority_1:
            return True  # no contacts on file: any call is the first call
        return a.contact_id in contacts.priority_1
    return a.channel == CHANNEL_OF[kind]


def _all_called(attempts: Sequence[Attempt], contacts: _Contacts | None) -> Attempt | None:
    calls = [a for a in attempts if a.channel == "call"]
    if contacts is None or not contacts.people:
        return calls[0] if calls else None
    left = set(contacts.people)
    for a in calls:
        if a.contact_id is not None:
            left.discard(contacts.person.get(a.contact_id, ""))
        if not left:
            return a
    return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()


# --- the queue ---------------------------------------------------------------------------


def overdue_count(ladders: Mapping[int, FamilyLadder]) -> int:
    """How many families have an overdue step (the header count)."""
    return sum(1 for lad in ladders.values() if lad.overdue)


# --- the DSL step: the queue's banner ----------------------------------------------------

# The audit action of the notification's acknowledgement before "DSL told" (one key on the
# family) took its place: no longer written, still read, so that an acknowledgement already
# recorded counts as the DSL told.
ACK_ACTION = "ladder-ack"


class Ack(NamedTuple):
    officer: str
    at: datetime


def acknowledged(
    store: Store, on: date, session: str, pupil_ids: Iterable[int] | None = None
) -> dict[int, Ack]:
    """Pupil id -> the first acknowledgement of their DSL alert that session, as the old
    notification recorded it. Pass the pupil ids to read through the events (entity,
    entity_id) index."""
    result: dict[int, Ack] = {}
    for pid, officer, at in session_acks(store, ACK_ACTION, on, session, pupil_ids):
        result.setdefault(pid, Ack(officer, datetime.fromisoformat(at)))
    return result


class DslDue(NamedTuple):  # not a dataclass: see triage.model
    family_id: int
    pupil_ids: tuple[int, ...]  # the family's pupils whose DSL step is overdue
    due: datetime  # the earliest of their due times


def dsl_due(
    ladders: Mapping[int, FamilyLadder], already_told: AbstractSet[int] = frozenset()
) -> list[DslDue]:
    """The families whose DSL-alert step is past due and not done, earliest first (then by
    family number): what the queue's banner lists until an officer records "DSL told".
    ``already_told``: pupils whose alert the old notification acknowledged."""
    found = []
    for fid, lad in ladders.items():
        due: dict[int, datetime] = {}
        for s in lad.dsl_alerts_due():
            if s.pupil_id is not None and s.pupil_id not in already_told:
                due.setdefault(s.pupil_id, s.due)
        if due:
            found.append(DslDue(fid, tuple(due), min(due.values())))
    return sorted(found, key=lambda d: (d.due, d.family_id))


def dsl_not_due(ladder: FamilyLadder | None, family_number: int) -> str | None:
    """Why "DSL told" cannot be recorded for this family now, in one line; None when its
    DSL step is due (past due and not done)."""
    steps = [s for s in ladder.steps if s.step.kind == "dsl_alert"] if ladder else []
    if any(s.state == OVERDUE for s in steps):
        return None
    family = f"Family {family_number}"
    pending = [s for s in steps if s.state == PENDING]
    done = [s for s in steps if s.state == DONE and s.done_at is not None]
    if not steps:
        return f"{family}: the ladder has no DSL step for this family; nothing recorded."
    if pending:
        return (
            f"{family}: the DSL step is not due until {min(s.due for s in pending):%H:%M};"
            " nothing recorded (c then 7 records the DSL informed sooner)."
        )
    if done:
        last = max(done, key=lambda s: s.done_at or s.due)
        return (
            f"{family}: the DSL was already told at {last.done_at:%H:%M}"
            f" by {last.done_by}; nothing recorded."
        )
    return (
        f"{family}: the DSL step is not needed (somebody answered, or a reason came);"
        " nothing recorded."
    )


# --- timeliness for the summary ----------------------------------------------------------


class StepTimeliness(NamedTuple):  # not a dataclass: see triage.model
    key: str
    kind: str
    due_minutes: int
    applied: int  # families the step applied to
    reached: int  # families where it was done
    median_minutes: float | None  # from the register closing to the step being done
    worst_minutes: int | None
    late: tuple[int, ...]  # family ids: done after it was due
    skipped: tuple[int, ...]  # due passed, never done, ladder not ended, still needed
    on_time: int = 0  # families where it was done for every pupil, none of them late


def timeliness(
    morning: Morning,
    attempts_by_pupil: Mapping[int, Sequence[Attempt]],
    codes_by_pupil: Mapping[int, str],
    ladder: Ladder,
    register_close: datetime,
    now: datetime | None = None,
) -> list[StepTimeliness]:
    """For each step of the ladder (main, then safeguarding), across the morning's families
    (``morning.families``). A per-pupil step counts once per family: done when done for
    every pupil it applies to (at the last of those times), late or skipped if any is.
    ``now`` None means the day is over: every due time has passed."""
    from statistics import median  # for the summary only: not at the app's start

    close = _aware(register_close)
    clock = _aware(now) if now is not None else close + timedelta(days=1)
    ladders = family_ladders(
        morning.families, attempts_by_pupil, codes_by_pupil, ladder, close, clock
    )
    out: list[StepTimeliness] = []
    for step in ladder.steps + ladder.safeguarding:
        applied = 0
        minutes: list[int] = []
        on_time = 0
        late: list[int] = []
        skipped: list[int] = []
        for fid, lad in ladders.items():
            rows = [r for r in lad.steps if r.step.key == step.key]
            if not rows:
                continue
            applied += 1
            if all(r.state == DONE for r in rows):
                minutes.append(max(r.minutes_after_close(close) or 0 for r in rows))
                on_time += not any(r.late for r in rows)
            if any(r.late for r in rows):
                late.append(fid)
            if any(r.state == OVERDUE for r in rows):
                skipped.append(fid)
        out.append(
            StepTimeliness(
                step.key,
                step.kind,
                step.due_minutes,
                applied,
                len(minutes),
                median(minutes) if minutes else None,
                max(minutes) if minutes else None,
                tuple(late),
                tuple(skipped),
                on_time,
            )
        )
    return out
