"""Plain frozen rows shared by the rules, the store and the screens (no database, no Textual).

They are NamedTuples rather than frozen dataclasses: a dataclass writes and compiles its
methods when its module is imported, about 0.3-0.9 ms each at every start of the app,
where a NamedTuple costs a fifth of that. Change them with ``_replace``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

SESSIONS = ("AM", "PM")

# The stages of support, in order (DfE, *Working together to improve school attendance*).
STAGES = (
    "Expect",
    "Monitor",
    "Listen and understand",
    "Facilitate support",
    "Formalise support",
    "Enforce",
)
DEFAULT_STAGE = STAGES[0]


def stage_rank(stage: str) -> int:
    """0 for Expect up to 5 for Enforce; an unknown stage counts as Expect."""
    return STAGES.index(stage) if stage in STAGES else 0


RECEPTION = 0  # year_group value for Reception; Years 1-13 are stored as their number


NURSERY = {-2: "N1", -1: "N2"}  # nursery classes, before Reception


def year_label(year_group: int | None) -> str:
    if year_group is None:
        return ""
    if year_group in NURSERY:
        return NURSERY[year_group]
    return "R" if year_group == RECEPTION else str(year_group)


class Mark(NamedTuple):
    """One register mark. A NamedTuple, not a dataclass: a year of marks for 2,000 pupils
    is 760,000 of them, and a tuple is several times cheaper to make."""

    pupil_id: int
    date: date
    session: str  # "AM" or "PM"
    code: str  # a key of triage.codes.CODES


def address_line(address: str | None, postcode: str | None) -> str:
    """An address and its postcode on one line ('' when neither is known)."""
    return ", ".join(part for part in (address, postcode) if part)


PROFESSIONAL_ROLES = {"social_worker": "Social worker", "virtual_school": "Virtual school"}


class Professional(NamedTuple):
    """Someone around a child whom the school must keep told: their social worker, or the
    virtual school of a looked-after child."""

    pupil_id: int
    role: str  # a key of PROFESSIONAL_ROLES
    name: str
    team: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def role_label(self) -> str:
        return PROFESSIONAL_ROLES.get(self.role, self.role)

    @property
    def reach(self) -> str:
        """'Jo Bloggs (Riverside CIN team), 01632 960001, jo@example.org': whom to tell and
        how, in one line."""
        who = f"{self.name} ({self.team})" if self.team else self.name
        return ", ".join(part for part in (who, self.phone, self.email) if part)


class Pupil(NamedTuple):
    id: int
    upn: str
    admission_number: str | None
    legal_forename: str
    legal_surname: str
    preferred_forename: str | None
    year_group: int | None
    reg_group: str | None
    social_worker: bool = False
    child_protection: bool = False
    looked_after: bool = False
    sen_support: bool = False
    ehc_plan: bool = False
    free_school_meals: bool = False
    young_carer: bool = False
    date_left: date | None = None
    stage: str = DEFAULT_STAGE
    date_of_birth: date | None = None  # None: not in the roster (treated as of school age)
    address: str | None = None  # the address lines, one text ("12 High St, Riverside")
    postcode: str | None = None  # upper case, one space ("RV1 2AB")
    # Deleted from the admission register in the app (triage.casework.roll), from this day.
    removed_on: date | None = None

    @property
    def forename(self) -> str:
        """The name the school uses day to day: preferred forename if given, else legal."""
        return self.preferred_forename or self.legal_forename

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.legal_surname}".strip()

    @property
    def where(self) -> str:
        return address_line(self.address, self.postcode)

    @property
    def safeguarding(self) -> bool:
        """Social worker, child protection plan or looked after: first-day calls come first."""
        return self.social_worker or self.child_protection or self.looked_after

    @property
    def has_send(self) -> bool:
        return self.ehc_plan or self.sen_support

    def on_roll(self, on: date) -> bool:
        """On roll on ``on``: not left (the MIS's leaving date) nor deleted from the roll
        in the app by then."""
        return all(left is None or left > on for left in (self.date_left, self.removed_on))

    def identity(self) -> dict[str, object]:
        """Who the pupil is, in the stable JSON shapes (``triage queue``, ``triage case``)."""
        return {
            "upn": self.upn,
            "name": self.display_name,
            "legal_forename": self.legal_forename,
            "preferred_forename": self.preferred_forename,
            "surname": self.legal_surname,
            "year": year_label(self.year_group),
            "reg_group": self.reg_group,
        }


class Contact(NamedTuple):
    id: int
    name: str
    relationship: str | None
    priority: int
    phone: str | None = None
    mobile: str | None = None
    home_phone: str | None = None
    work_phone: str | None = None
    email: str | None = None
    parental_responsibility: bool = False
    address: str | None = None  # as on Pupil
    postcode: str | None = None

    @property
    def where(self) -> str:
        return address_line(self.address, self.postcode)

    @property
    def numbers(self) -> tuple[str, ...]:
        """Numbers to try, in the order an officer would: mobile first, then the others."""
        seen: list[str] = []
        for n in (self.mobile, self.phone, self.home_phone, self.work_phone):
            if n and n not in seen:
                seen.append(n)
        return tuple(seen)

    def as_dict(self) -> dict[str, object]:
        """The stable JSON shape of a contact (``triage queue`` and ``triage chronology``)."""
        return {
            "priority": self.priority,
            "name": self.name,
            "relationship": self.relationship,
            "numbers": list(self.numbers),
            "email": self.email,
            "parental_responsibility": self.parental_responsibility,
            "address": self.address,
            "postcode": self.postcode,
        }


class AttendanceSummary(NamedTuple):
    possible: int
    attending: int  # present or approved off-site
    authorised: int
    unauthorised: int

    @property
    def percent(self) -> float | None:
        """Attendance %: attending / possible sessions; None with no possible sessions."""
        return None if self.possible == 0 else 100.0 * self.attending / self.possible

    @property
    def persistent_absence(self) -> bool:
        """DfE: missing 10% or more of possible sessions."""
        return self.possible > 0 and (self.possible - self.attending) * 10 >= self.possible

    @property
    def severe_absence(self) -> bool:
        """DfE: missing 50% or more of possible sessions."""
        return self.possible > 0 and (self.possible - self.attending) * 2 >= self.possible


class QueueFigures(NamedTuple):
    """The figures the queue shows for a pupil (and orders by: consecutive days). The
    three others are ``None`` until counted (see :func:`triage.morning.queue.load_morning`)."""

    consecutive_days: int
    attendance: AttendanceSummary | None
    rolling_unauthorised: int | None
    overdue_n: int | None


class QueueEntry(NamedTuple):
    """One pupil in the morning queue, with the figures an officer needs before calling."""

    pupil: Pupil
    family_id: int  # the family's number for the day (kept: triage.morning.queue)
    contacts: tuple[Contact, ...]
    consecutive_days: int
    # None only in a queue loaded uncounted for its first paint (the screen alone does so)
    attendance: AttendanceSummary | None
    rolling_unauthorised: int | None
    overdue_n: int | None


class Family(NamedTuple):
    """Pupils in the queue who share a priority-1 contact's phone or email: one call covers them."""

    id: int
    entries: tuple[QueueEntry, ...] = ()


class Attempt(NamedTuple):  # not a dataclass: see the module's notes
    """A contact attempt as the queue needs it (undone attempts are never passed in)."""

    at: datetime
    officer: str
    channel: str
    outcome: str
    contact_id: int | None
    reason_code: str | None = None
    callback_at: datetime | None = None
