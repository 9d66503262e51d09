"""Letters home: a letter per pupil from a template the school can edit, in printable HTML or
Markdown, each one recorded on the pupil's case as a ``letter_sent`` action.

Templates are Markdown with ``{{ field }}`` placeholders (:data:`FIELDS`). The renderer is
deliberately tiny: a placeholder is replaced by its value and nothing else happens — no
expressions, no loops, no code. The shipped templates live in ``triage/casework/templates/``; a
school overrides one (or adds its own) by putting ``NAME.md`` in the ``templates`` folder
beside the database, or in the folder given with ``--templates``.

Everything is checked before anything is written: the template (every placeholder must be
a known field; the error names the field and the line), the UPNs, the options a template
needs. Then the letters are written (each file 0600: children's data) and their actions
recorded in one transaction, one ``action`` audit event per letter, like
:mod:`triage.morning.logbook`. Values are escaped for the output: HTML-escaped in HTML (a name with
``<script>`` comes out as text), backslash-escaped in Markdown. See ``docs/letters.md``.
"""

from __future__ import annotations

import difflib
import functools
import html
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from triage import settings
from triage.casework import penalties
from triage.casework.cases import Action, _write_action, actions_of
from triage.dates import local_stamp, long_date, twelve_hour
from triage.model import RECEPTION, AttendanceSummary, Contact, Mark, Pupil
from triage.officers import require_writer
from triage.render.html import html_page
from triage.rules import (
    PENALTY_NOTICE_WEEKS,
    attendance,
    rolling_unauthorised_sessions,
    school_year_start,
    term_start,
)
from triage.sanitise import printable
from triage.store import Store, folder_for_records

SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"
SCHOOL_TEMPLATES_FOLDER = "templates"  # beside the database
FORMATS = {"html": "html", "markdown": "md"}  # format -> file extension
DEFAULT_PERIOD_WEEKS = 4
PERIOD_WEEKS_RANGE = (1, 12)
ACTION_KIND = "letter_sent"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Placeholders are swapped for these while Markdown becomes HTML, then for escaped values:
# private-use characters are not Markdown syntax, and no template has a reason to hold them.
_TOKEN_OPEN, _TOKEN_CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_TOKEN_OPEN}(\\d+){_TOKEN_CLOSE}")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")


class LetterError(ValueError):
    """A letter that cannot be written (a template, a UPN, an option): one clear line."""


# --- the fields a template may use ------------------------------------------------------

# name -> what it holds. The order is the order docs/letters.md lists them.
FIELDS: dict[str, str] = {
    "school_name": "the school's name (the school_name setting)",
    "today": "the letter's date, e.g. 24 November 2026",
    "officer_name": "the officer writing: their full name (never a login; asked for if missing)",
    "officer_role": "the officer's role: Attendance Lead, or Attendance Officer",
    "preferred_forename": "the pupil's preferred forename (the legal one if none)",
    "legal_forename": "the pupil's legal forename",
    "surname": "the pupil's surname",
    "full_name": "preferred forename and surname",
    "legal_name": "legal forename and surname",
    "upn": "the pupil's UPN (a confidential identifier: think before printing it)",
    "year_group": "Year 7, or Reception",
    "reg_group": "the registration (form) group, e.g. 7RA",
    "year_and_group": "Year 7, 7RA (the year alone when there is no group)",
    "contact_name": "the priority-1 contact's name, else Parent/Carer of (full name)",
    "term_start": "the first day of this term",
    "school_year_start": "1 September of this school year",
    "attendance_term": "attendance this term, e.g. 91.3% (no sessions yet: 'not yet known')",
    "attendance_year": "attendance this school year",
    "sessions_possible_term": "possible sessions this term",
    "sessions_missed_term": "sessions missed this term (authorised or not)",
    "sessions_possible_year": "possible sessions this school year",
    "sessions_missed_year": "sessions missed this school year (authorised or not)",
    "unauthorised_sessions_year": "sessions of unauthorised absence this school year",
    "unauthorised_sessions_10_weeks": (
        "sessions of unauthorised absence in the last 10 school weeks (the penalty-notice window)"
    ),
    "period_weeks": "the improvement period's length in weeks (--period-weeks, default 4)",
    "period_start": "the improvement period's first day (--period-start, default the next "
    "weekday after the letter's date)",
    "period_end": "the improvement period's last day",
    "penalty_reduced_amount": "a first penalty notice paid within 21 days: £80",
    "penalty_reduced_days": "21",
    "penalty_full_amount": "a penalty notice paid within 28 days: £160",
    "penalty_full_days": "28",
    "meeting_date": "the meeting's date, e.g. Tuesday 1 December 2026 (--meeting-date)",
    "meeting_time": "the meeting's time, e.g. 9:30am (--meeting-time)",
    "meeting_place": "where the meeting is (--meeting-place, default the school's name)",
    "support_offered": "the support already offered, from the actions recorded on the case "
    "(meetings, support plans, referrals, an attendance contract), each with its date; "
    "'none recorded' when there is none",
    "leave_dates": "the leave asked for, e.g. Monday 11 January 2027 (afternoon) to …: the "
    "pupil's latest decided leave request",
    "leave_reason": "the reason the parent gave for the leave",
    "leave_asked_by": "the parent who asked for the leave",
    "leave_asked_on": "the day they asked",
    "leave_decision": "granted or refused",
    "leave_decided_by": "who decided (the head teacher or their delegate)",
    "leave_decided_on": "the day it was decided",
}
# Filled from the pupil's latest decided leave request: a letter using one needs it.
LEAVE_FIELDS = frozenset(f for f in FIELDS if f.startswith("leave_"))
# Fields with no value unless an option gives one: a template that uses one needs it.
NEEDS_OPTION = {"meeting_date": "--meeting-date", "meeting_time": "--meeting-time"}


@dataclass(frozen=True)
class LetterDetails:
    """What a letter needs besides the database: its date and the officer's choices."""

    today: date
    period_weeks: int = DEFAULT_PERIOD_WEEKS
    period_start: date | None = None
    meeting_date: date | None = None
    meeting_time: time | None = None
    meeting_place: str | None = None


def _percent(summary: AttendanceSummary) -> str:
    pct = summary.percent
    return "not yet known" if pct is None else f"{pct:.1f}%"


def improvement_period(today: date, weeks: int, start: date | None = None) -> tuple[date, date]:
    """A Notice to Improve's improvement period, first and last day inclusive.

    Working together to improve school attendance and the National Framework for Penalty
    Notices: a Notice to Improve gives an improvement period (commonly 3-6 weeks) before a
    penalty notice is considered. It starts on ``start``, by default the next weekday after
    the letter's date (the family has the letter before it begins), and lasts ``weeks``
    calendar weeks. School holidays inside it are not skipped: choose the dates around them.
    """
    low, high = PERIOD_WEEKS_RANGE
    if not low <= weeks <= high:
        raise LetterError(f"the improvement period must be {low} to {high} weeks, not {weeks}")
    if start is None:
        start = today + timedelta(days=1)
        while start.weekday() >= 5:
            start += timedelta(days=1)
    elif start < today:
        raise LetterError(
            f"the improvement period cannot start ({long_date(start)}) before the letter's "
            f"date ({long_date(today)})"
        )
    return start, start + timedelta(weeks=weeks, days=-1)


def letter_fields(
    pupil: Pupil,
    contacts: Sequence[Contact],
    marks: Sequence[Mark],
    days: Sequence[date],
    details: LetterDetails,
    *,
    school_name: str,
    officer_name: str,
    officer_role: str = "Attendance Officer",
) -> dict[str, str | None]:
    """Every field's value for one pupil's letter (None: needs an option, see
    :data:`NEEDS_OPTION`). Pure: figures come from :mod:`triage.rules` over ``marks`` up to
    and including the letter's date; ``days`` are the school days (:func:`rules.school_days`).
    Text from the database is made printable here and escaped when rendered."""
    on = details.today
    term, year = term_start(on), school_year_start(on)
    this_term, this_year = attendance(marks, term, on), attendance(marks, year, on)
    period_start, period_end = improvement_period(on, details.period_weeks, details.period_start)
    legal = printable(pupil.legal_forename).strip()
    preferred = printable(pupil.preferred_forename or "").strip() or legal
    surname = printable(pupil.legal_surname).strip()
    full_name = f"{preferred} {surname}".strip()
    if pupil.year_group is None:
        year_group = ""
    else:
        year_group = "Reception" if pupil.year_group == RECEPTION else f"Year {pupil.year_group}"
    reg_group = printable(pupil.reg_group or "").strip()
    first = sorted(contacts, key=lambda c: (c.priority, c.name.casefold(), c.id))[:1]
    contact_name = printable(first[0].name).strip() if first else ""
    return {
        "school_name": printable(school_name).strip(),
        "today": long_date(on),
        "officer_name": printable(officer_name).strip(),
        "officer_role": officer_role,
        "preferred_forename": preferred,
        "legal_forename": legal,
        "surname": surname,
        "full_name": full_name,
        "legal_name": f"{legal} {surname}".strip(),
        "upn": pupil.upn,
        "year_group": year_group,
        "reg_group": reg_group,
        "year_and_group": ", ".join(p for p in (year_group, reg_group) if p),
        "contact_name": contact_name or f"Parent/Carer of {full_name}",
        "term_start": long_date(term),
        "school_year_start": long_date(year),
        "attendance_term": _percent(this_term),
        "attendance_year": _percent(this_year),
        "sessions_possible_term": str(this_term.possible),
        "sessions_missed_term": str(this_term.possible - this_term.attending),
        "sessions_possible_year": str(this_year.possible),
        "sessions_missed_year": str(this_year.possible - this_year.attending),
        "unauthorised_sessions_year": str(this_year.unauthorised),
        "unauthorised_sessions_10_weeks": str(
            rolling_unauthorised_sessions(marks, days, on, PENALTY_NOTICE_WEEKS)
        ),
        "period_weeks": str(details.period_weeks),
        "period_start": long_date(period_start),
        "period_end": long_date(period_end),
        "penalty_reduced_amount": f"£{penalties.FIRST_REDUCED_AMOUNT}",
        "penalty_reduced_days": str(penalties.REDUCED_DAYS),
        "penalty_full_amount": f"£{penalties.FULL_AMOUNT}",
        "penalty_full_days": str(penalties.FULL_DAYS),
        "meeting_date": (
            f"{details.meeting_date:%A} {long_date(details.meeting_date)}"
            if details.meeting_date
            else None
        ),
        "meeting_time": twelve_hour(details.meeting_time) if details.meeting_time else None,
        "meeting_place": printable(details.meeting_place or school_name).strip(),
    }


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    path: Path
    shipped: bool  # False: the school's own file

    def placeholders(self) -> list[tuple[str, int]]:
        """Every ``{{ field }}`` as (field, line number), in order. A ``{{`` that does not
        open a well-formed placeholder is an error naming its line; so is a field that
        does not exist (with the nearest known name, if there is one)."""
        if _TOKEN_OPEN in self.text or _TOKEN_CLOSE in self.text:
            raise LetterError(f"{self._where()}: contains a reserved character (U+E000/E001)")
        found: list[tuple[str, int]] = []
        for number, line in enumerate(self.text.splitlines(), start=1):
            at = 0
            while (start := line.find("{{", at)) >= 0:
                m = _PLACEHOLDER.match(line, start)
                if m is None:
                    raise LetterError(
                        f"{self._where()}, line {number}: {line[start : start + 30]!r} is not "
                        "a placeholder; write {{ field_name }}"
                    )
                field = m.group(1)
                if field not in FIELDS:
                    close = difflib.get_close_matches(field, FIELDS, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    raise LetterError(
                        f"{self._where()}, line {number}: there is no field {{{{ {field} }}}}"
                        f"{hint}; the fields are listed in docs/letters.md and by "
                        "`triage letter --list`"
                    )
                found.append((field, number))
                at = m.end()
        return found

    def _where(self) -> str:
        return f"template {self.name} ({self.path})"


def school_templates_folder(store: Store) -> Path:
    """Where a school keeps its own templates: ``templates`` beside the database."""
    return store.path.parent / SCHOOL_TEMPLATES_FOLDER


def available_templates(school_folder: Path | None) -> dict[str, tuple[Path, bool]]:
    """Template name -> (file, shipped?), the school's own files overriding the shipped
    ones of the same name. Files whose names are not simple (letters, digits, - and _)
    are ignored."""
    found: dict[str, tuple[Path, bool]] = {}
    for folder, shipped in ((SHIPPED_TEMPLATES, True), (school_folder, False)):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            if _NAME.fullmatch(path.stem) and path.is_file():
                found[path.stem] = (path, shipped)
    return dict(sorted(found.items()))


def load_template(name: str, school_folder: Path | None) -> Template:
    """The template called ``name`` (the school's own if it has one). An unknown name lists
    the templates there are."""
    if school_folder is not None and school_folder.exists() and not school_folder.is_dir():
        raise LetterError(f"{school_folder} is not a folder of templates")
    templates = available_templates(school_folder)
    if name not in templates:
        raise LetterError(
            f"there is no letter template {name!r}; the templates are: {', '.join(templates)}"
        )
    path, shipped = templates[name]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LetterError(f"template {name} ({path}) is not UTF-8 text: save it as UTF-8") from exc
    except OSError as exc:
        raise LetterError(f"cannot read template {name} ({path}): {exc.strerror}") from exc
    return Template(name, text, path, shipped)


# --- rendering: {{ field }} substitution, and nothing else ---------------------------------


@functools.cache
def _markdown():  # -> MarkdownIt
    """The Markdown renderer, made on first use: importing markdown-it takes about 30 ms,
    which every `triage` command (the app's start above all) would otherwise pay, since
    the command line's parser is built from this module."""
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": False, "typographer": False})
        .enable("table")
        .disable("image")  # a letter is self-contained: no external assets
    )


def markdown_escape(value: str) -> str:
    """A value as literal text in Markdown: its Markdown and HTML characters backslash-escaped,
    so a name can neither format the letter nor smuggle in HTML when the file is rendered."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def render_markdown(template: Template, values: Mapping[str, str | None]) -> str:
    return _PLACEHOLDER.sub(lambda m: markdown_escape(values[m.group(1)] or ""), template.text)


def render_html_body(template: Template, values: Mapping[str, str | None]) -> str:
    """The letter as an HTML fragment. The template's Markdown becomes HTML first (raw HTML in
    a template is shown as text, not obeyed), then each placeholder is replaced by its value,
    HTML-escaped: a value is never read as Markdown or HTML."""
    fields: list[str] = []

    def protect(m: re.Match[str]) -> str:
        fields.append(m.group(1))
        return f"{_TOKEN_OPEN}{len(fields) - 1}{_TOKEN_CLOSE}"

    body = _markdown().render(_PLACEHOLDER.sub(protect, template.text))
    return _TOKEN.sub(
        lambda m: html.escape(values[fields[int(m.group(1))]] or "", quote=True), body
    )


def render_html(template: Template, values: Mapping[str, str | None]) -> str:
    """A complete, self-contained HTML page for one letter: print it, one letter a page
    (:func:`triage.render.html.html_page`, with the print stylesheet every page shares)."""
    return html_page(
        f"{template.name} — {values['full_name']}",
        f'<article class="letter">\n{render_html_body(template, values)}</article>\n',
        body_class="letters",
    )


def render(template: Template, values: Mapping[str, str | None], fmt: str) -> str:
    if fmt == "html":
        return render_html(template, values)
    if fmt == "markdown":
        return render_markdown(template, values)
    raise LetterError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


# --- writing letters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One letter written, and the ``letter_sent`` action that records it."""

    upn: str
    pupil_id: int
    path: Path
    action_id: int
    event_id: int


def officer_name(store: Store) -> str:
    """The name a letter is signed with: the officer's full name, never their login. With
    none recorded, :class:`LetterError` says how to give it (the screen asks for it first)."""
    from triage.officers import display_name

    name = display_name(store)
    if not name:
        raise LetterError(
            f"letters are signed with your full name and none is recorded for {store.officer}:"
            f' run triage officers name {store.officer} "Your Full Name"; no letters were written'
        )
    return name


def officer_role(store: Store) -> str:
    """The role under the signature: a lead of a team's database signs as Attendance Lead."""
    from triage.store.officers import role_of

    return "Attendance Lead" if role_of(store, store.officer) == "lead" else "Attendance Officer"


def _pupils(store: Store, upns: Sequence[str]) -> list[Pupil]:
    if not upns:
        raise LetterError("name at least one pupil by UPN")
    found: dict[str, Pupil] = {}
    unknown: list[str] = []
    for upn in upns:
        pupil = store.pupil_by_upn(upn)
        if pupil is None:
            unknown.append(upn.strip())
        else:
            found.setdefault(pupil.upn, pupil)
    if unknown:
        raise LetterError(f"no pupil with UPN {', '.join(unknown)}; no letters were written")
    return list(found.values())


def _file_name(pupil: Pupil, template: Template, fmt: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]', '_', pupil.upn)}-{template.name}.{FORMATS[fmt]}"


def _leave_decided(store: Store, pupil: Pupil):  # -> LeaveRequest
    from triage.casework.leave import leave_requests

    decided = [r for r in leave_requests(store, [pupil.id]) if r.decision is not None]
    if not decided:
        raise LetterError(
            f"{pupil.display_name} has no decided leave request: record the head teacher's "
            "decision first (triage leave decide)"
        )
    return max(decided, key=lambda r: (r.decision_at or r.at, r.id))


def leave_fields(request) -> dict[str, str]:  # request: triage.casework.leave.LeaveRequest
    """The :data:`LEAVE_FIELDS` of a decided leave request."""
    words = {"AM": "morning", "PM": "afternoon"}
    return {
        "leave_dates": (
            f"{long_date(request.first_date)} ({words[request.first_session]}) to "
            f"{long_date(request.last_date)} ({words[request.last_session]})"
        ),
        "leave_reason": request.reason,
        "leave_asked_by": request.asked_by,
        "leave_asked_on": long_date(request.asked_on),
        "leave_decision": request.decision or "",
        "leave_decided_by": request.decided_by or "",
        "leave_decided_on": long_date(request.decided_on) if request.decided_on else "",
    }


# The actions that count as support offered (a Notice to Improve states them), in the
# words a letter to a parent uses.
SUPPORT_OFFERED_KINDS = {
    "meeting_held": "a meeting with you",
    "in_school_support_plan": "an in-school support plan",
    "early_help_referral": "an Early Help referral",
    "agency_referral": "a referral to other services (health, SEND or whole-family support)",
    "attendance_contract": "an attendance contract",
}


def support_offered(actions: Sequence[Action], on: date) -> str:
    """The support recorded on the case up to ``on``, oldest first, one sentence: "a
    meeting with you (about: transport) on 3 November 2026; an Early Help referral on …"."""
    offered = sorted(
        (a for a in actions if a.kind in SUPPORT_OFFERED_KINDS and a.on <= on),
        key=lambda a: (a.on, a.id),
    )
    if not offered:
        return "none recorded"
    parts = []
    for a in offered:
        text = SUPPORT_OFFERED_KINDS[a.kind]
        if a.barriers:
            text += f" (about: {', '.join(a.barriers)})"
        parts.append(f"{text} on {long_date(a.on)}")
    return "; ".join(parts)


def write_letters(
    store: Store,
    template: str,
    upns: Sequence[str],
    *,
    out_dir: Path | str = ".",
    fmt: str = "html",
    templates_dir: Path | str | None = None,
    today: date | None = None,
    period_weeks: int = DEFAULT_PERIOD_WEEKS,
    period_start: date | None = None,
    meeting_date: date | None = None,
    meeting_time: time | None = None,
    meeting_place: str | None = None,
    at: datetime | None = None,
) -> list[Letter]:
    """Write one letter per pupil from ``template`` into ``out_dir`` as
    ``<UPN>-<template>.html`` (or ``.md``), each file 0600, and record a ``letter_sent``
    action for each on the pupil's case.

    Everything is checked first — the format, the template and its placeholders, the
    options it needs, every UPN, the officer's right to write — so an error leaves no file
    and no row. Then the files are written beside their final names, the actions recorded
    in one transaction (one ``action`` audit event per letter) and the files moved into
    place before it commits; if anything fails, the files are removed and nothing is kept.
    ``templates_dir`` is the school's own templates (default: ``templates`` beside the
    database). Raises :class:`LetterError` (one line) or ``officers.AccessDenied``.
    """
    if fmt not in FORMATS:
        raise LetterError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    school_folder = (
        Path(templates_dir).expanduser() if templates_dir else school_templates_folder(store)
    )
    if templates_dir and not school_folder.is_dir():
        raise LetterError(f"there is no templates folder {school_folder}")
    chosen = load_template(template, school_folder)
    used = chosen.placeholders()
    fields_used = {field for field, _line in used}
    given = {"meeting_date": meeting_date, "meeting_time": meeting_time}
    for field, line in used:
        if field in NEEDS_OPTION and given[field] is None:
            raise LetterError(
                f"template {chosen.name}, line {line}, uses {{{{ {field} }}}}: "
                f"give {NEEDS_OPTION[field]}"
            )
    on = today or date.today()
    if meeting_date is not None and meeting_date < on:
        raise LetterError(
            f"the meeting ({long_date(meeting_date)}) is before the letter's date ({long_date(on)})"
        )
    details = LetterDetails(
        today=on,
        period_weeks=period_weeks,
        period_start=period_start,
        meeting_date=meeting_date,
        meeting_time=meeting_time,
        meeting_place=(printable(meeting_place).strip() or None) if meeting_place else None,
    )
    pupils = _pupils(store, upns)
    require_writer(store)  # before any file: a viewer writes nothing

    ids = [p.id for p in pupils]
    contacts = store.contacts_by_pupil(ids)
    marks = store.marks_by_pupil(ids, end=details.today)
    days = store.school_days()
    school = settings.get(store, "school_name")
    # A template that signs needs the officer's name; one that does not (a school's own
    # slip) can be written without it. Never the login.
    writer = officer_name(store) if "officer_name" in fields_used else ""
    role = officer_role(store)
    out = Path(out_dir).expanduser()
    rendered: list[tuple[Pupil, Path, str]] = []
    for pupil in pupils:
        values = letter_fields(
            pupil,
            contacts.get(pupil.id, []),
            marks.get(pupil.id, []),
            days,
            details,
            school_name=school,
            officer_name=writer,
            officer_role=role,
        )
        if fields_used & LEAVE_FIELDS:
            values.update(leave_fields(_leave_decided(store, pupil)))
        if "support_offered" in fields_used:
            values["support_offered"] = support_offered(actions_of(store, pupil.id), on)
        target = (out / _file_name(pupil, chosen, fmt)).absolute()
        rendered.append((pupil, target, render(chosen, values, fmt)))

    try:
        file_mode = folder_for_records(out, store.path)
    except OSError as exc:
        raise LetterError(f"cannot use {out} for the letters: {exc.strerror or exc}") from exc
    if not out.is_dir():
        raise LetterError(f"{out} is not a folder")

    extra: dict[str, object] = {}  # what the letter told the family, for the case record
    if fields_used & {"period_start", "period_end", "period_weeks"}:
        first, last = improvement_period(on, period_weeks, period_start)
        extra["period_start"], extra["period_end"] = first.isoformat(), last.isoformat()
    if fields_used & {"meeting_date", "meeting_time", "meeting_place"}:
        extra["meeting_date"] = meeting_date.isoformat() if meeting_date else None
        extra["meeting_time"] = meeting_time.strftime("%H:%M") if meeting_time else None
        extra["meeting_place"] = details.meeting_place or school

    staged: list[tuple[Path, Path]] = []  # (temporary file, final name)
    placed: list[Path] = []
    stamp = local_stamp(at)
    try:
        for _pupil, target, text in rendered:
            fd, tmp_name = tempfile.mkstemp(dir=out, prefix=".letter-", suffix=".part")  # 0600
            staged.append((Path(tmp_name), target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                os.fchmod(fh.fileno(), file_mode)  # 0660 in a team's folder
                fh.write(text)
        letters: list[Letter] = []
        with store.transaction():
            require_writer(store)
            for (pupil, _target, _text), (tmp, target) in zip(rendered, staged, strict=True):
                detail: dict[str, object] = {
                    "template": chosen.name,
                    "file": str(target),
                    "format": fmt,
                    "source": "shipped" if chosen.shipped else str(chosen.path),
                }
                detail.update(extra)
                action = _write_action(
                    store,
                    pupil.id,
                    ACTION_KIND,
                    details.today,
                    note=chosen.name,
                    due_date=None,
                    status=None,
                    detail=detail,
                    stamp=stamp,
                )
                os.replace(tmp, target)
                placed.append(target)
                letters.append(Letter(pupil.upn, pupil.id, target, action.id, action.event_id))
    except BaseException as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for target in placed:
            target.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise LetterError(f"cannot write the letters in {out}: {exc.strerror or exc}") from exc
        raise
    return letters
