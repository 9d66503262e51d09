"""The national attendance codes (DfE, from August 2024), as data: one table, one lookup.

Source: *The School Attendance (Pupil Registration) (England) Regulations 2024* and
*Working together to improve school attendance* (2024). See ``shared/DOMAIN.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Category(StrEnum):
    PRESENT = "present"
    APPROVED_OFFSITE = "approved off-site"
    AUTHORISED = "authorised absence"
    UNAUTHORISED = "unauthorised absence"
    ADMINISTRATIVE = "administrative"
    UNABLE_TO_ATTEND = "unable to attend"


class Code(NamedTuple):
    code: str
    meaning: str
    category: Category

    @property
    def possible(self) -> bool:
        """Whether the session counts as a possible session for attendance figures."""
        return self.category not in (Category.ADMINISTRATIVE, Category.UNABLE_TO_ATTEND)

    @property
    def attending(self) -> bool:
        """Present, or at an approved educational activity off-site: counts towards attendance %."""
        return self.category in (Category.PRESENT, Category.APPROVED_OFFSITE)

    @property
    def unauthorised(self) -> bool:
        return self.category is Category.UNAUTHORISED

    @property
    def authorised(self) -> bool:
        return self.category is Category.AUTHORISED


_P, _O, _A, _U = (
    Category.PRESENT,
    Category.APPROVED_OFFSITE,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
)
_ADM, _UTA = Category.ADMINISTRATIVE, Category.UNABLE_TO_ATTEND

CODES: dict[str, Code] = {
    c.code: c
    for c in [
        Code("/", "present (AM)", _P),
        Code("\\", "present (PM)", _P),
        Code("L", "late, arrived before the register closed", _P),
        Code("K", "attending education provision arranged by the local authority", _O),
        Code("V", "educational visit or trip", _O),
        Code("P", "approved sporting activity", _O),
        Code("W", "work experience", _O),
        Code("B", "other approved educational activity off-site", _O),
        Code("D", "attending another school where also registered", _ADM),
        Code("C1", "leave: regulated performance or employment abroad", _A),
        Code("M", "leave: medical or dental appointment", _A),
        Code("J1", "leave: interview for employment or another school/college", _A),
        Code("S", "leave: study for a public examination", _A),
        Code("X", "non-compulsory school age, not required to attend", _ADM),
        Code("C2", "leave: part-time timetable", _A),
        Code("C", "leave: exceptional circumstances", _A),
        Code("T", "parent travelling for occupational purposes", _A),
        Code("R", "religious observance", _A),
        Code("I", "illness (not a medical or dental appointment)", _A),
        Code("E", "suspended or excluded, no alternative provision", _A),
        Code("Q", "unable to attend: lack of access arrangements", _UTA),
        Code("Y1", "unable to attend: transport not provided", _UTA),
        Code("Y2", "unable to attend: widespread travel disruption", _UTA),
        Code("Y3", "unable to attend: part of premises closed", _UTA),
        Code("Y4", "unable to attend: whole site unexpectedly closed", _UTA),
        Code("Y5", "unable to attend: criminal justice detention", _UTA),
        Code("Y6", "unable to attend: public health guidance or law", _UTA),
        Code("Y7", "unable to attend: any other unavoidable cause", _UTA),
        Code("G", "holiday not granted by the school", _U),
        Code("N", "reason for absence not yet provided", _U),
        Code("O", "absent in other or unknown circumstances", _U),
        Code("U", "arrived after the register closed", _U),
        Code("Z", "prospective pupil, not yet on the admission register", _ADM),
        Code("#", "planned whole or partial school closure", _ADM),
    ]
}

NOT_YET_PROVIDED = "N"
CLOSURE = "#"
UNAUTHORISED_CODES = frozenset(c for c, v in CODES.items() if v.unauthorised)
ATTENDING_CODES = frozenset(c for c, v in CODES.items() if v.attending)
AUTHORISED_CODES = frozenset(c for c, v in CODES.items() if v.authorised)
POSSIBLE_CODES = frozenset(c for c, v in CODES.items() if v.possible)
# Present in the morning and in the afternoon: most of any register. Queries that count
# marks by code let SQLite count these two and hand Python only the rest.
PRESENT_MARKS = ("/", "\\")


# A register export run before every register is taken (at 09:20, the afternoon's sessions)
# says so with ``-`` (SIMS) or a blank mark (Arbor, Bromcom): no mark yet. Never stored as
# a mark, never a possible session, never an absence.
NOT_TAKEN_MARKS = frozenset({"-", ""})
NOT_TAKEN = ""  # how the importer carries such a session until it sets it aside


def normalise_code(raw: str) -> str | None:
    """The stored form of a code as written in an export, or None when it is not a national code.

    Exports differ by habit in case and padding: accept any case, store upper case
    (``/`` and ``\\`` as they are).
    """
    code = raw.strip().upper()
    return code if code in CODES else None


def lookup(code: str) -> Code:
    """The code's entry; KeyError for a code that is not national (callers validate first)."""
    return CODES[code]
