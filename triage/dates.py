"""Dates and clock times as people in English schools write them: one grammar for every
command, dialog and import.

Dates are day first, always: ``24/11/2026`` (``/``, ``.`` or ``-`` between, one or two
digits for the day and month), ISO ``2026-11-24``, or with the month's name (``24 Nov 2026``,
``24-November-2026``). A time of day after the date (``24/11/2026 00:00``, as some MIS
exports write every date) is accepted and dropped. A number-only date is never read month
first: ``11/24/2026`` is an error, not 24 November.

Clock times: ``14:30``, ``14.30``, ``1430``, ``9`` (09:00), ``2:30pm``, ``12am``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_DMONY = re.compile(r"(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-](\d{4})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?")
_CLOCK_DIGITS = re.compile(r"(\d{1,2})(\d{2})\s*(am|pm)?")

DATE_HINT = "write it as dd/mm/yyyy, e.g. 24/11/2026"
CLOCK_HINT = "write it as HH:MM, e.g. 09:30 or 2:30pm"


class DateError(ValueError):
    """A date or time an officer typed (or a file holds) that cannot be read; the message
    says what was given and how to write it."""


class ImpossibleDate(DateError):
    """Written as a date, but no such day (31/02/2026)."""


def parse_date(text: str) -> date:
    """A date as written in England (see the module's docstring); raises :class:`DateError`.

    An impossible date (31/02/2026) is an error too, with the text in the message."""
    s = text.strip()
    try:
        if m := _ISO.fullmatch(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(s):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _DMONY.fullmatch(s)) and m[2].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError as exc:
        raise ImpossibleDate(f"{text.strip()!r} is not a real date") from exc
    raise DateError(f"{text.strip()!r} is not a date: {DATE_HINT}")


def parse_optional_date(text: str) -> date | None:
    """:func:`parse_date`, with a blank field meaning no date."""
    return parse_date(text) if text.strip() else None


def dmy(d: date | None) -> str:
    """24/11/2026; '' for no date. (Written out: ``f"{d:%d/%m/%Y}"`` takes three times as
    long, and the caseload formats thousands.)"""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def long_date(d: date) -> str:
    """24 November 2026: the way a letter in England writes a date."""
    return f"{d.day} {d:%B %Y}"


def parse_clock(text: str) -> time:
    """A time of day as officers type it (see the module's docstring); raises
    :class:`DateError`."""
    s = text.strip().lower()
    m = _CLOCK.fullmatch(s) or _CLOCK_DIGITS.fullmatch(s)
    if not m:
        raise DateError(f"{text.strip()!r} is not a time of day: {CLOCK_HINT}")
    hour, minute, half = int(m[1]), int(m[2] or 0), m[3]
    if half:
        if not 1 <= hour <= 12:
            raise DateError(f"{text.strip()!r} is not a time of day: {CLOCK_HINT}")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DateError(f"{text.strip()!r} is not a time of day: {CLOCK_HINT}")
    return time(hour, minute)


def hhmm(t: time) -> str:
    """14:30: a clock time in settings, tables and messages."""
    return f"{t.hour:02d}:{t.minute:02d}"


def twelve_hour(t: time) -> str:
    """2:30pm: a clock time in a letter."""
    return f"{t.hour % 12 or 12}:{t.minute:02d}{'am' if t.hour < 12 else 'pm'}"


def local_now() -> datetime:
    """Now, in local time with its UTC offset, to the second: as officers read it."""
    return datetime.now().astimezone().replace(microsecond=0)


def local_stamp(at: datetime | None = None) -> str:
    """A moment as stored for officers to read: local time with its UTC offset, to the
    second (a naive time is taken as local; none is now)."""
    moment = at or local_now()
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def utc_stamp(at: datetime | None = None) -> str:
    """A moment compared in SQL as text (a claim's expiry): one offset, so that text order
    is time order whatever offset the clock reads in."""
    moment = at or local_now()
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_stamp(text: str) -> datetime:
    """A stored stamp back to an aware moment (a naive one is taken as local)."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone() if moment.tzinfo is None else moment
