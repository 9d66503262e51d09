"""Riverside Academy (demo): a made-up secondary school that writes itself to CSV.

``write_demo_files(directory, end_date)`` writes three UTF-8 CSV files in one plain shape
(``pupils.csv``, ``contacts.csv``, ``marks.csv``; headers in ``PUPILS_HEADER``,
``CONTACTS_HEADER`` and ``MARKS_HEADER``) for 1,000 pupils by default. The same
``(end_date, seed, pupils)`` always gives byte-identical files: everything is drawn from
``random.Random(seed)`` and nothing reads the clock.

The school
----------
- Years 7 to 11, about 200 pupils a year in registration groups of about 30 (``7RA``, ``7RB``…).
  Names are a diverse British mix, some with apostrophes, hyphens or accents (O'Neill,
  Smith-Jones, Zoë); about one pupil in ten has a preferred forename (Alexander -> Alex).
- About 15% of pupils have a brother or sister in the school (mostly pairs, a few threes).
  Siblings share the very same contacts (names, numbers, emails, priorities), and usually
  the same surname. Mobiles are made-up ``077009``/``078``/``079`` numbers, landlines come
  from Ofcom's drama ranges, emails are at example.com / example.org; every number and
  email belongs to one family only.
- Flags: a social worker for about 3% (every pupil on a child protection plan, about 1%, and
  every looked-after pupil, about 1%, has one too), SEN support (``K``) about 12%, EHC plan
  (``E``) about 2.5%, free school meals about 25% (by family), young carers about 2%.
  Looked-after pupils' contacts are their foster carers.
- Marks: 35 school days ending on ``end_date``, weekdays only, skipping the October half-term
  (Monday to Friday of the week holding the last Monday of October), the Christmas holiday
  (22 December to 2 January) and the summer holiday (23 July to 31 August). One of the 35
  days, at least 12 school days back (the first day after a holiday when there is one), is
  an INSET day: every pupil ``#`` both sessions. ``end_date`` has AM marks only: it is the
  morning and the calling queue is being worked. Three pupils (two under 500 pupils) left
  part-way through: Date Left is set and they have marks up to and including that day.
- About 94% of marks are present (``/`` AM, ``\\`` PM, ``L`` late with 1 to 20 minutes);
  absences are mostly illness ``I`` and appointments ``M``, with some educational visits
  ``V`` (one year-group trip), sports fixtures ``P`` and ``B``, and a little ``G``, ``O``,
  ``U`` and ``C``. Past ``N`` marks are rare: they have mostly been recoded.

Planted cases (``planted_cases()`` returns their UPNs for any seed)
------------------------------------------------------------------
- Missing education: one pupil whose unauthorised absence reaches exactly **10** consecutive
  school days counting ``end_date`` (``O`` for days 5 or more school days old, ``N`` for the
  last four, ``N`` on ``end_date`` AM; present the day before the run), and one at exactly
  **9**. No other pupil has a run of 8 or more such days.
- Penalty-notice threshold (10 unauthorised sessions in 10 school weeks; the whole range is
  shorter than 10 weeks): one pupil with exactly **10** unauthorised sessions (a three-day
  term-time holiday ``G``, one day ``O``, two ``U``) and one with exactly **9** (a four-day
  holiday ``G`` and one ``U``); both present on ``end_date``.
- Persistent absence: about 9% of pupils miss 10% or more of their possible sessions; every
  other pupil misses under 10%. Severe absence (50% or more): two pupils (one with fewer
  than 500 pupils).
- The morning queue on ``end_date``: about 1.75% of pupils (18 of 1,000) have ``N`` AM,
  including both missing-education pupils, two sibling pairs absent together, a pupil with a
  social worker, one on a child protection plan, one looked after, one with an EHC plan and
  one severe absentee.
- Stale ``N``: a handful of pupils (5 of 1,000) still have an ``N`` more than 5 school days
  old, which should have been recoded; a few others have an ``N`` from the last four days.
"""

from __future__ import annotations

import csv
import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from triage.codes import ATTENDING_CODES, CODES, UNAUTHORISED_CODES

DEMO_SCHOOL_NAME = "Riverside Academy (demo)"

PUPILS_HEADER = tuple(
    "UPN,Adno,Legal Surname,Legal Forename,Preferred Forename,Year,Reg Group,Social Worker,"
    "Child Protection,Looked After,SEN Status,FSM,Young Carer,Date Left,Date of Birth,"
    "Address Line 1,Town,Postcode,Social Worker Name,Social Worker Team,Social Worker Phone".split(
        ","
    )
)
CONTACTS_HEADER = tuple(
    "UPN,Contact Name,Relationship,Priority,Mobile,Home Phone,Work Phone,Email,"
    "Parental Responsibility".split(",")
)
MARKS_HEADER = tuple(
    "UPN,Surname,Forename,Year,Reg Group,Date,Session,Mark,Minutes Late".split(",")
)

SCHOOL_DAYS = 35  # dates with marks, the INSET day included
MIN_PUPILS = 50
RECODE_AFTER_DAYS = 5  # an N must be recoded within 5 school days


# --- the school calendar -------------------------------------------------------------------


def _last_monday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=day.weekday())


def closure(day: date) -> str | None:
    """Why the demo school is shut on ``day`` ("weekend", "October half-term", ...), or None."""
    if day.weekday() >= 5:
        return "weekend"
    half_term = _last_monday_of_october(day.year)
    if half_term <= day <= half_term + timedelta(days=4):
        return "October half-term"
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
        return "Christmas holiday"
    if (day.month == 7 and day.day >= 23) or day.month == 8:
        return "summer holiday"
    return None


def latest_school_day(on_or_before: date) -> date:
    """The last day on or before ``on_or_before`` when the demo school is open (an end_date)."""
    day = on_or_before
    while closure(day) is not None:
        day -= timedelta(days=1)
    return day


def demo_school_days(end_date: date) -> tuple[date, ...]:
    """The SCHOOL_DAYS dates with marks, oldest first, ending on ``end_date``."""
    reason = closure(end_date)
    if reason is not None:
        raise ValueError(
            f"{end_date:%d/%m/%Y} is not a school day ({reason}); "
            f"try {latest_school_day(end_date):%d/%m/%Y}"
        )
    days = [end_date]
    day = end_date
    while len(days) < SCHOOL_DAYS:
        day -= timedelta(days=1)
        if closure(day) is None:
            days.append(day)
    return tuple(reversed(days))


def _inset_index(days: Sequence[date]) -> int:
    """The first day back after a holiday, else a day a third of the way in; never recent."""
    latest = len(days) - 13
    for i in range(1, latest + 1):
        if (days[i] - days[i - 1]).days > 3:
            return i
    return len(days) // 3


# --- names and contacts ----------------------------------------------------------------------

_GIRLS = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Emily Poppy Ella Evie "
    "Charlotte Willow Sienna Daisy Phoebe Ruby Alice Florence Harper Matilda Elsie Chloe Zoë "
    "Aoife Niamh Siobhán Róisín Ciara Megan Ffion Cerys Seren Eilidh Aisha Fatima Maryam Zainab "
    "Amira Hafsa Ayesha Khadija Priya Anjali Simran Harleen Nusrat Tasnim Amara Chidinma Adaeze "
    "Temitope Abena Nia Imani Zuzanna Maja Oliwia Julia Ioana Mei Yasmin Leila Hodan Ayan Elif "
    "Zeynep Renée Elizabeth Katherine Rebecca Victoria Abigail Jessica Francesca Gabriella "
    "Hannah Jasmine Lily-Rose Gráinne Chloé Bethan"
).split()
_BOYS = (
    "Oliver George Noah Arthur Leo Harry Oscar Archie Henry Theo Jack Freddie Charlie Alfie "
    "Thomas William Alexander Benjamin Samuel Joshua Jacob Daniel Matthew Christopher James "
    "Ethan Logan Dylan Rhys Owain Callum Euan Cian Seán Oisín Muhammad Mohammed Yusuf Ibrahim "
    "Ali Hamza Zayn Aarav Arjun Rohan Gurpreet Harjot Rayan Ayaan Oluwaseun Oluwatobi "
    "Chukwuemeka Kwame Kofi Tyrese Jayden Kacper Jakub Szymon Aleksander Andrei Luca Matei Wei "
    "Jun Mustafa Emre Abdirahman Mohamed José Tomás Jean-Luc Reuben Finley Kai Mason"
).split()
_SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall "
    "Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray "
    "Mason Ali Hussain Ahmed Akhtar Rahman Islam Mahmood Iqbal Shah Kaur Sharma Gill Sandhu "
    "Chowdhury Miah Uddin Okafor Adeyemi Okonkwo Mensah Boateng Asante Osei Campbell Francis "
    "Grant Nowak Kowalski Lewandowski Popescu Ionescu Chen Wang Li Nguyen Yilmaz Demir Hassan "
    "Farah Warsame Mohamud O'Neill O'Brien O'Connor O'Sullivan McDonald MacLeod McCarthy "
    "Doherty Gallagher Quinn Smith-Jones Brown-Okafor Hughes-Williams Lloyd-Davies D'Souza "
    "Fernandes Santos Pereira Rossi Schmidt Papadopoulos Novák Müller"
).split() + ["da Silva", "Ó Súilleabháin"]
_WOMEN = (
    "Sarah Emma Laura Rachel Claire Gemma Lisa Nicola Kelly Michelle Joanne Rebecca Amy Stacey "
    "Hayley Jennifer Victoria Fatima Nasreen Shazia Samina Rukhsana Parveen Sunita Manjit "
    "Funmilayo Ngozi Abena Grace Agnieszka Katarzyna Anna Elena Mihaela Siobhan Mairéad Sinéad "
    "Bethan Rhian Fiona Deborah Susan Margaret Patricia Linda"
).split()
_MEN = (
    "David Paul Mark Andrew Richard Stephen Daniel Christopher James Michael Lee Craig Darren "
    "Wayne Gareth Imran Tariq Asif Shahid Rajesh Sukhdev Olumide Emeka Kwabena Tomasz Piotr "
    "Marek Bogdan Ion Wei Mehmet Abdi Patrick Seamus Liam Niall Rhodri Hamish Peter John Brian"
).split()
_NICKNAMES = dict(
    pair.split(":")
    for pair in (
        "Alexander:Alex Oliver:Ollie William:Will Thomas:Tom Benjamin:Ben Samuel:Sam Joshua:Josh "
        "Jacob:Jake Daniel:Dan Matthew:Matt Christopher:Chris James:Jamie Muhammad:Mo Mohammed:Mo "
        "Oluwaseun:Seun Oluwatobi:Tobi Chukwuemeka:Emeka Aleksander:Olek Elizabeth:Libby "
        "Isabella:Bella Olivia:Liv Katherine:Kate Rebecca:Becky Victoria:Tori Abigail:Abbie "
        "Jessica:Jess Francesca:Frankie Gabriella:Gabby Zuzanna:Zuzia Temitope:Temi "
        "Charlotte:Lottie Matilda:Tilly"
    ).split()
)
# Ofcom's drama ranges for landlines: 0113 496 0000-0999 and friends.
_LANDLINE_RANGES = ("0113 496 0", "0113 496 0", "0113 496 0", "0161 496 0", "020 7946 0")
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_FORM_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_FEEDER_SCHOOLS = ("2014", "2031", "2057", "2103", "2140", "2216", "3002", "3015")
_DEMO_LA = "999"  # no such local authority: these UPNs can never be a real child's


def upn_check_letter(digits: str) -> str:
    """The DfE check letter for the 12 digits of a UPN (weights 2..13, modulus 23)."""
    total = sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True))
    return _UPN_CHECK_LETTERS[total % 23]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass(frozen=True)
class _Contact:
    name: str
    relationship: str
    mobile: str
    home: str
    work: str
    email: str
    parental_responsibility: bool


class _Numbers:
    """Hands out phone numbers and emails, each to one family only."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()  # membership only, never iterated

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        return ""

    def mobile(self) -> str:
        rng = self._rng

        def make() -> str:
            kind = rng.random()
            if kind < 0.4:
                return f"07700 9{rng.randrange(100000):05d}"
            prefix = "078" if kind < 0.7 else "079"
            digits = f"{prefix}{rng.randrange(10**8):08d}"
            return f"{digits[:5]} {digits[5:]}"

        return self._unique(make)

    def landline(self) -> str:
        rng = self._rng
        return self._unique(lambda: f"{rng.choice(_LANDLINE_RANGES)}{rng.randrange(1000):03d}")

    def email(self, forename: str, surname: str) -> str:
        rng = self._rng
        first, last = _ascii(forename), _ascii(surname)
        domain = rng.choice(("example.com", "example.com", "example.org"))
        if rng.random() < 0.6:
            base = f"{first}.{last}"
        else:
            base = f"{first}{last[:1]}{rng.randrange(60, 100)}"
        email = self._unique(lambda: f"{base}@{domain}")
        return email or self._unique(lambda: f"{base}{rng.randrange(1000)}@{domain}")


def _family_contacts(
    rng: random.Random, numbers: _Numbers, surname: str, looked_after: bool
) -> list[_Contact]:
    """One to three contacts, priority order, for a family whose children carry ``surname``."""
    home = numbers.landline() if rng.random() < 0.35 else ""

    def person(
        relationship: str, forename: str, last: str, pr: bool, household: bool, prio: int
    ) -> _Contact:
        mobile = numbers.mobile() if prio == 1 or rng.random() < 0.92 else ""
        work = (
            numbers.landline()
            if relationship in ("Mother", "Father") and rng.random() < 0.15
            else ""
        )
        wants_email = rng.random() < (0.85 if pr else 0.4)
        email = numbers.email(forename, last) if wants_email else ""
        return _Contact(
            f"{forename} {last}",
            relationship,
            mobile,
            home if household else "",
            work,
            email,
            pr,
        )

    mum, dad = rng.choice(_WOMEN), rng.choice(_MEN)
    mum_surname = surname if rng.random() < 0.8 else rng.choice(_SURNAMES)
    shape = rng.random()
    if looked_after:
        carer_surname = rng.choice(_SURNAMES)
        people = [("Carer", mum, carer_surname, False, True)]
        if rng.random() < 0.5:
            people.append(("Carer", dad, carer_surname, False, True))
    elif shape < 0.55:
        people = [
            ("Mother", mum, mum_surname, True, True),
            ("Father", dad, surname, True, True),
        ]
        if rng.random() < 0.2:
            people.reverse()
        if rng.random() < 0.25:
            extra = rng.choice(("Grandparent", "Grandparent", "Aunt", "Uncle"))
            given = rng.choice(_MEN if extra == "Uncle" else _WOMEN)
            people.append(
                (extra, given, rng.choice((surname, rng.choice(_SURNAMES))), False, False)
            )
    elif shape < 0.80:
        people = [("Mother", mum, mum_surname, True, True)]
        if rng.random() < 0.15:
            people = [("Father", dad, surname, True, True)]
        if rng.random() < 0.6:
            extra = rng.choice(("Grandparent", "Grandparent", "Aunt", "Step-parent"))
            given = rng.choice(
                _MEN if extra == "Step-parent" and people[0][0] == "Mother" else _WOMEN
            )
            people.append((extra, given, rng.choice(_SURNAMES), False, extra == "Step-parent"))
    elif shape < 0.92:
        people = [
            ("Mother", mum, mum_surname, True, True),
            ("Step-parent", rng.choice(_MEN), rng.choice(_SURNAMES), False, True),
        ]
        if rng.random() < 0.5:
            people.append(("Father", dad, surname, True, False))
    else:
        people = [("Grandparent", rng.choice(_WOMEN), surname, True, True)]
        if rng.random() < 0.5:
            people.append(("Aunt", rng.choice(_WOMEN), rng.choice(_SURNAMES), False, False))
    return [
        person(rel, given, last, pr, household, prio)
        for prio, (rel, given, last, pr, household) in enumerate(people, start=1)
    ]


# --- pupils ------------------------------------------------------------------------------


@dataclass
class _Pupil:
    upn: str
    adno: str
    surname: str
    forename: str
    preferred: str
    year: int
    reg: str
    family: int
    social_worker: bool = False
    child_protection: bool = False
    looked_after: bool = False
    sen: str = ""
    fsm: bool = False
    young_carer: bool = False
    left: date | None = None
    contacts: list[_Contact] = field(default_factory=list)
    marks: list[str | None] = field(default_factory=list)
    minutes: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlantedCases:
    """The UPNs of the pupils planted at the thresholds the app must notice."""

    missing_education_10: str
    missing_education_9: str
    penalty_10: str
    penalty_9: str
    severe: tuple[str, ...]
    morning_queue: tuple[str, ...]
    queue_sibling_pairs: tuple[tuple[str, str], ...]
    queue_social_worker: str
    queue_child_protection: str
    queue_looked_after: str
    queue_ehc_plan: str
    stale_n: tuple[str, ...]
    recent_n: tuple[str, ...]
    leavers: tuple[str, ...]
    sibling_groups: tuple[tuple[str, ...], ...]
    school_days: tuple[date, ...]
    inset_day: date


@dataclass(frozen=True)
class DemoFiles:
    pupils: Path
    contacts: Path
    marks: Path


@dataclass
class _School:
    days: tuple[date, ...]
    inset: int
    pupils: list[_Pupil]
    planted: PlantedCases


_STREETS = (
    "Mill Lane",
    "Church Road",
    "Station Street",
    "Orchard Close",
    "Riverside Walk",
    "High Street",
    "Meadow View",
    "Quarry Hill",
)
_SOCIAL_WORKERS = (
    ("Jo Bloggs", "Riverside CIN team", "01632 960001"),
    ("Sam Hill", "Riverside CP team", "01632 960002"),
    ("Alex Mor", "Children in care team", "01632 960003"),
)


def _home(pupil: _Pupil) -> tuple[str, str, str]:
    """A family's made-up address (siblings share it), from the family number: like the
    date of birth, outside the random stream, so no other figure of the demo moved. The
    postcodes are in the made-up RV area."""
    n = pupil.family
    street = _STREETS[n % len(_STREETS)]
    return f"{n % 97 + 1} {street}", "Riverside", f"RV{n % 9 + 1} {n % 10}{'ABDEFGHJ'[n % 8]}Q"


def _social_worker(pupil: _Pupil) -> tuple[str, str, str]:
    """A named social worker for a pupil with one (child in need, protection plan or looked
    after), as a local authority's roster would give; blank for the others."""
    if not (pupil.social_worker or pupil.child_protection or pupil.looked_after):
        return "", "", ""
    return _SOCIAL_WORKERS[int(pupil.upn[1:]) % len(_SOCIAL_WORKERS)]


def _birth_date(pupil: _Pupil, end_date: date) -> date:
    """A date of birth that fits the pupil's year group: Year Y in the school year that
    starts in September S was born from 1 September S-5-Y to 31 August S-4-Y. Taken from
    the UPN's digits, not the random stream, so that adding it changed no other figure."""
    start = end_date.year if end_date.month >= 9 else end_date.year - 1
    first = date(start - 5 - pupil.year, 9, 1)
    span = (date(start - 4 - pupil.year, 9, 1) - first).days
    return first + timedelta(days=int(pupil.upn[1:]) % span)


def _make_pupils(rng: random.Random, count: int, end_date: date) -> list[_Pupil]:
    first_year_entry = end_date.year if end_date.month >= 9 else end_date.year - 1
    pupils: list[_Pupil] = []
    used_upns: set[str] = set()
    for y_index, year in enumerate(range(7, 12)):
        in_year = count // 5 + (1 if y_index < count % 5 else 0)
        forms = min(len(_FORM_LETTERS), max(1, round(in_year / 30)))
        entry = first_year_entry - (year - 7)  # the September this year group started Year 7
        serials = rng.sample(range(1, 10000), in_year)
        for i in range(in_year):
            girl = rng.random() < 0.5
            forename = rng.choice(_GIRLS if girl else _BOYS)
            upn = ""
            while not upn or upn in used_upns:
                digits = (
                    f"{_DEMO_LA}{rng.choice(_FEEDER_SCHOOLS)}"
                    f"{(entry - 7) % 100:02d}{rng.randrange(1000):03d}"
                )
                upn = upn_check_letter(digits) + digits
            used_upns.add(upn)
            pupils.append(
                _Pupil(
                    upn=upn,
                    adno=f"{entry % 100:02d}{serials[i]:04d}",
                    surname=rng.choice(_SURNAMES),
                    forename=forename,
                    preferred=forename,
                    year=year,
                    reg=f"{year}R{_FORM_LETTERS[i % forms]}",
                    family=len(pupils),
                )
            )
    for p in pupils:
        if rng.random() < 0.10:
            nickname = _NICKNAMES.get(p.forename)
            if nickname is None:
                nickname = rng.choice(_GIRLS + _BOYS)
            p.preferred = nickname if nickname != p.forename else p.preferred
    return pupils


def _make_siblings(rng: random.Random, pupils: list[_Pupil]) -> list[list[int]]:
    """Groups of pupil indices who are brothers and sisters, each in a different year."""
    target = round(len(pupils) * 0.15)
    threes = max(1, round(target * 0.06))
    sizes = [3] * threes + [2] * ((target - 3 * threes) // 2)
    pool = list(range(len(pupils)))
    rng.shuffle(pool)
    taken: set[int] = set()
    groups: list[list[int]] = []
    for size in sizes:
        group: list[int] = []
        for i in pool:
            if i not in taken and all(pupils[i].year != pupils[j].year for j in group):
                group.append(i)
                if len(group) == size:
                    break
        if len(group) < size:
            continue
        taken.update(group)
        groups.append(group)
        first = pupils[group[0]]
        same_surname = rng.random() < 0.85
        for j in group[1:]:
            pupils[j].family = first.family
            if same_surname:
                pupils[j].surname = first.surname
    return groups


def _set_flags(rng: random.Random, pupils: list[_Pupil], in_family: set[int]) -> None:
    n = len(pupils)
    order = list(range(n))
    rng.shuffle(order)
    singles = [i for i in order if i not in in_family]
    cp = max(1, round(n * 0.01))
    lac = max(1, round(n * 0.01))
    sw_only = max(1, round(n * 0.03) - cp - lac)
    for i in singles[:lac]:
        pupils[i].looked_after = pupils[i].social_worker = True
    rest = [i for i in order if not pupils[i].looked_after]
    for i in rest[:cp]:
        pupils[i].child_protection = pupils[i].social_worker = True
    for i in rest[cp : cp + sw_only]:
        pupils[i].social_worker = True
    rng.shuffle(order)
    first = next(i for i in order if not pupils[i].social_worker)  # so a small school has one
    order.remove(first)
    order.insert(0, first)
    ehc = max(1, round(n * 0.025))
    k = round(n * 0.12)
    for i in order[:ehc]:
        pupils[i].sen = "E"
    for i in order[ehc : ehc + k]:
        pupils[i].sen = "K"
    rng.shuffle(order)
    for i in order[: max(1, round(n * 0.02))]:
        pupils[i].young_carer = True
    fsm_families: dict[int, bool] = {}
    for p in pupils:
        if p.family not in fsm_families:
            fsm_families[p.family] = rng.random() < 0.25
        p.fsm = fsm_families[p.family]


# --- marks -------------------------------------------------------------------------------

_NORMAL = (
    ("illness", 50),
    ("illness_pm", 8),
    ("medical", 17),
    ("unexplained", 6),
    ("late_after_close", 5),
    ("exceptional", 3),
    ("holiday", 2),
)
_PERSISTENT = (
    ("illness", 40),
    ("illness_pm", 4),
    ("medical", 10),
    ("unexplained", 25),
    ("late_after_close", 10),
    ("exceptional", 3),
    ("holiday", 4),
)
_SEVERE = (
    ("illness", 45),
    ("medical", 5),
    ("unexplained", 35),
    ("late_after_close", 5),
    ("exceptional", 5),
)
_AUTHORISED_ONLY = (("illness", 60), ("medical", 40))


class _Register:
    """One pupil's sessions: index 2*day + (0 AM, 1 PM); the end date has AM only."""

    def __init__(self, pupil: _Pupil, days: Sequence[date], inset: int) -> None:
        self.pupil = pupil
        last = len(days) - 1 if pupil.left is None else days.index(pupil.left)
        self.size = 2 * len(days) - 1
        self.end_am = self.size - 1
        self.open_days = [d for d in range(last + 1) if d != inset]
        self.past_days = [d for d in self.open_days if d != len(days) - 1]
        pupil.marks = [None] * min(self.size, 2 * last + 2)
        if inset <= last:
            pupil.marks[2 * inset] = pupil.marks[2 * inset + 1] = "#"

    @property
    def possible(self) -> int:
        return sum(1 for c in self.pupil.marks if c != "#")

    @property
    def missed(self) -> int:
        return sum(
            1 for c in self.pupil.marks if c is not None and c not in ATTENDING_CODES and c != "#"
        )

    def free(self, index: int) -> bool:
        return index < len(self.pupil.marks) and self.pupil.marks[index] is None

    def set_day(self, day: int, code: str) -> None:
        for index in (2 * day, 2 * day + 1):
            if index < len(self.pupil.marks):
                self.pupil.marks[index] = code

    def place(self, rng: random.Random, code: str, days: int, half: int | None) -> bool:
        """Put an episode on free past sessions: ``days`` school days, or one session."""
        for _ in range(30):
            if half is not None:
                index = 2 * rng.choice(self.past_days) + half
                if self.free(index):
                    self.pupil.marks[index] = code
                    return True
                continue
            start = rng.randrange(len(self.past_days) - days + 1)
            chosen = self.past_days[start : start + days]
            if all(self.free(2 * d) and self.free(2 * d + 1) for d in chosen):
                for d in chosen:
                    self.set_day(d, code)
                return True
        return False

    def fill(self, rng: random.Random, budget: int, kinds: Sequence[tuple[str, int]]) -> None:
        """Add absence episodes until ``budget`` sessions are missed in all."""
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        remaining = budget - self.missed
        while remaining > 0:
            kind = rng.choices(names, weights)[0]
            half: int | None = None
            days = 0
            if kind == "illness":
                code, days = "I", min(rng.choice((1, 1, 1, 2, 2, 3)), remaining // 2)
            elif kind == "illness_pm":
                code, half = "I", 1
            elif kind == "medical":
                code, half = "M", rng.randrange(2)
            elif kind == "unexplained":
                code, days = "O", (1 if remaining >= 2 and rng.random() < 0.5 else 0)
            elif kind == "late_after_close":
                code, half = "U", 0
            elif kind == "exceptional":
                code, days = "C", min(1, remaining // 2)
            else:
                code, days = "G", min(rng.randint(2, 5), remaining // 2)
                if days < 2:
                    code, days = "M", 0
            if half is None and days == 0:
                half = rng.randrange(2)
            if self.place(rng, code, days, half):
                remaining -= days * 2 if half is None else 1
            else:
                free = [i for i in range(len(self.pupil.marks) - 1) if self.free(i)]
                if not free:
                    return
                self.pupil.marks[rng.choice(free)] = "I"
                remaining -= 1

    def unauthorised_day(self, day: int) -> bool:
        marks = self.pupil.marks
        return any(marks[i] in UNAUTHORISED_CODES for i in (2 * day, 2 * day + 1) if i < len(marks))

    def break_long_runs(self, limit: int) -> None:
        """No run of ``limit`` or more school days with unauthorised absence (except planted)."""
        while True:
            run: list[int] = []
            for day in self.open_days:
                run = run + [day] if self.unauthorised_day(day) else []
                if len(run) >= limit:
                    break
            else:
                return
            middle = run[len(run) // 2]
            for i in (2 * middle, 2 * middle + 1):
                if i < len(self.pupil.marks) and self.pupil.marks[i] in UNAUTHORISED_CODES:
                    self.pupil.marks[i] = "I"

    def finish(self, rng: random.Random, late_am: float) -> None:
        """Everyone not otherwise marked was present; a few arrived late."""
        marks = self.pupil.marks
        for i, code in enumerate(marks):
            if code is not None:
                continue
            if rng.random() < (late_am if i % 2 == 0 else 0.006):
                marks[i] = "L"
                self.pupil.minutes[i] = rng.randint(1, 20)
            else:
                marks[i] = "/" if i % 2 == 0 else "\\"


def _budget(rng: random.Random, possible: int, profile: str) -> int:
    if profile == "severe":
        return math.ceil(possible * rng.uniform(0.55, 0.70))
    if profile == "persistent":
        return math.ceil(possible * rng.uniform(0.11, 0.30))
    under = math.ceil(possible * 0.1) - 1  # the most a pupil can miss and stay under 10%
    if rng.random() < 0.2:
        return 0
    return min(under, 1 + int(rng.expovariate(1 / 3.0)))


def _build(end_date: date, seed: int, count: int) -> _School:
    if count < MIN_PUPILS:
        raise ValueError(f"the demo school needs at least {MIN_PUPILS} pupils, not {count}")
    rng = random.Random(seed)
    days = demo_school_days(end_date)
    inset = _inset_index(days)
    end = len(days) - 1
    pupils = _make_pupils(rng, count, end_date)
    groups = _make_siblings(rng, pupils)
    in_family = {i for g in groups for i in g}
    _set_flags(rng, pupils, in_family)

    numbers = _Numbers(rng)
    family_contacts: dict[int, list[_Contact]] = {}
    for p in pupils:
        if p.family not in family_contacts:
            family_contacts[p.family] = _family_contacts(rng, numbers, p.surname, p.looked_after)
        p.contacts = family_contacts[p.family]

    # Who plays which part: drawn in a shuffled order, each pupil at most once.
    order = list(range(count))
    rng.shuffle(order)
    taken: set[int] = set()

    def pick(test: Callable[[_Pupil], bool] = lambda p: True, single: bool = True) -> int:
        for i in order:
            p = pupils[i]
            if i not in taken and (not single or i not in in_family) and test(p):
                taken.add(i)
                return i
        raise ValueError("the demo school is too small for its planted cases")

    q_sw = pick(lambda p: p.social_worker and not (p.child_protection or p.looked_after), False)
    q_cp = pick(lambda p: p.child_protection, False)
    q_lac = pick(lambda p: p.looked_after, False)
    q_ehc = pick(lambda p: p.sen == "E", False)
    plain = lambda p: not (p.social_worker or p.sen or p.young_carer)  # noqa: E731
    leavers = [pick(plain) for _ in range(2 if count < 500 else 3)]
    leave_days = rng.sample(range(8, end - 3), len(leavers))
    for i, day in zip(leavers, leave_days, strict=True):
        if day == inset:
            day += 1
        pupils[i].left = days[day]

    cme10, cme9, pen10, pen9 = (pick(plain) for _ in range(4))
    severe = [pick() for _ in range(2 if count >= 500 else 1)]
    pairs: list[tuple[int, int]] = []
    for g in groups:
        if len(pairs) < 2 and len(g) == 2 and not any(i in taken for i in g):
            taken.update(g)
            pairs.append((g[0], g[1]))
    queue = [cme10, cme9, *[i for pair in pairs for i in pair], q_sw, q_cp, q_lac, q_ehc]
    queue.append(severe[0])
    while len(queue) < max(round(count * 0.0175), len(queue)):
        queue.append(pick(single=False))
    stale = [pick(single=False) for _ in range(max(2, round(count * 0.005)))]
    recent = [pick(single=False) for _ in range(max(2, round(count * 0.004)))]
    planted_pa = 4 + len(severe)
    persistent = [pick(single=False) for _ in range(round(count * 0.09) - planted_pa)]

    profile: dict[int, str] = {i: "persistent" for i in persistent}
    profile.update({i: "severe" for i in severe})

    # A Year 10 geography trip for two forms, and the odd sports fixture or off-site activity.
    trip_day = rng.choice([d for d in range(1, end - 12) if d != inset])
    trip_forms = {"10RA", "10RB"}
    special = {cme10, cme9, pen10, pen9}

    for i, p in enumerate(pupils):
        reg = _Register(p, days, inset)
        possible = reg.possible
        if i not in special:
            if p.reg in trip_forms and reg.free(2 * trip_day):
                reg.set_day(trip_day, "V")
            if rng.random() < 0.03:
                reg.place(rng, "P", 0, 1)
            if rng.random() < 0.01:
                reg.place(rng, "B", 0, rng.randrange(2))
        if i in (cme10, cme9):
            run = 10 if i == cme10 else 9
            run_days = reg.open_days[-run:]
            for day in run_days[:-1]:
                age = end - day - (1 if day < inset < end else 0)
                reg.set_day(day, "O" if age >= RECODE_AFTER_DAYS else "N")
            reg.set_day(reg.open_days[-run - 1], "/")
            p.marks[2 * reg.open_days[-run - 1] + 1] = "\\"
            reg.fill(rng, reg.missed + 1, _AUTHORISED_ONLY)
        elif i in (pen10, pen9):
            start = rng.randrange(2, len(reg.past_days) // 2)
            holiday = reg.past_days[start : start + (3 if i == pen10 else 4)]
            for day in holiday:
                reg.set_day(day, "G")
            if i == pen10:
                reg.place(rng, "O", 1, None)
            for _ in range(2 if i == pen10 else 1):
                reg.place(rng, "U", 0, 0)
            p.marks[reg.end_am] = "/"
            reg.fill(rng, reg.missed + 2, _AUTHORISED_ONLY)
        if i in queue:
            p.marks[reg.end_am] = "N"
        elif i not in special and reg.free(reg.end_am):
            r = rng.random()
            if r < 0.015:
                p.marks[reg.end_am] = "I"  # a parent rang in before the register closed
            elif r < 0.02:
                p.marks[reg.end_am] = "M"
        if i in stale:
            old = [d for d in reg.past_days if end - d > RECODE_AFTER_DAYS + 1]
            day = rng.choice(old)
            if rng.random() < 0.5:
                reg.set_day(day, "N")
            else:
                p.marks[2 * day + rng.randrange(2)] = "N"
        if i in recent:
            p.marks[2 * reg.past_days[-rng.randint(1, 4)] + rng.randrange(2)] = "N"
        if i not in special:
            kinds = {"severe": _SEVERE, "persistent": _PERSISTENT}.get(profile.get(i, ""), _NORMAL)
            budget = _budget(rng, possible, profile.get(i, "normal"))
            reg.fill(rng, max(budget, reg.missed), kinds)
            reg.break_long_runs(8)
        reg.finish(rng, 0.08 if i in profile else 0.035)

    upn = lambda i: pupils[i].upn  # noqa: E731
    planted = PlantedCases(
        missing_education_10=upn(cme10),
        missing_education_9=upn(cme9),
        penalty_10=upn(pen10),
        penalty_9=upn(pen9),
        severe=tuple(upn(i) for i in severe),
        morning_queue=tuple(upn(i) for i in queue),
        queue_sibling_pairs=tuple((upn(a), upn(b)) for a, b in pairs),
        queue_social_worker=upn(q_sw),
        queue_child_protection=upn(q_cp),
        queue_looked_after=upn(q_lac),
        queue_ehc_plan=upn(q_ehc),
        stale_n=tuple(upn(i) for i in stale),
        recent_n=tuple(upn(i) for i in recent),
        leavers=tuple(upn(i) for i in leavers),
        sibling_groups=tuple(tuple(upn(i) for i in g) for g in groups),
        school_days=days,
        inset_day=days[inset],
    )
    return _School(days, inset, pupils, planted)


# --- writing -----------------------------------------------------------------------------


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _write(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_demo_files(
    directory: Path, end_date: date, seed: int = 2026, pupils: int = 1000
) -> DemoFiles:
    """Write the demo school's pupils, contacts and marks as CSV files in ``directory``."""
    school = _build(end_date, seed, pupils)
    directory.mkdir(parents=True, exist_ok=True)
    roll = sorted(school.pupils, key=lambda p: (p.year, p.reg, p.surname, p.forename, p.upn))

    pupil_rows = [
        [
            p.upn,
            p.adno,
            p.surname,
            p.forename,
            p.preferred,
            str(p.year),
            p.reg,
            _yn(p.social_worker),
            _yn(p.child_protection),
            _yn(p.looked_after),
            p.sen,
            _yn(p.fsm),
            _yn(p.young_carer),
            "" if p.left is None else f"{p.left:%d/%m/%Y}",
            f"{_birth_date(p, end_date):%d/%m/%Y}",
            *_home(p),
            *_social_worker(p),
        ]
        for p in roll
    ]
    contact_rows = [
        [
            p.upn,
            c.name,
            c.relationship,
            str(priority),
            c.mobile,
            c.home,
            c.work,
            c.email,
            _yn(c.parental_responsibility),
        ]
        for p in roll
        for priority, c in enumerate(p.contacts, start=1)
    ]
    mark_rows: list[list[str]] = []
    for index in range(2 * len(school.days) - 1):
        day = f"{school.days[index // 2]:%d/%m/%Y}"
        session = "AM" if index % 2 == 0 else "PM"
        for p in roll:
            if index < len(p.marks):
                code = p.marks[index]
                assert code in CODES, code
                minutes = p.minutes.get(index)
                mark_rows.append(
                    [
                        p.upn,
                        p.surname,
                        p.forename,
                        str(p.year),
                        p.reg,
                        day,
                        session,
                        code,
                        "" if minutes is None else str(minutes),
                    ]
                )

    files = DemoFiles(
        pupils=directory / "pupils.csv",
        contacts=directory / "contacts.csv",
        marks=directory / "marks.csv",
    )
    _write(files.pupils, PUPILS_HEADER, pupil_rows)
    _write(files.contacts, CONTACTS_HEADER, contact_rows)
    _write(files.marks, MARKS_HEADER, mark_rows)
    return files


def planted_cases(end_date: date, seed: int = 2026, pupils: int = 1000) -> PlantedCases:
    """The planted pupils of the demo school ``write_demo_files`` writes for the same arguments."""
    return _build(end_date, seed, pupils).planted
