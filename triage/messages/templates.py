"""The school's message templates: the first-day text, the second text, the email.

Like the letter templates (:mod:`triage.casework.letters`): ``{{ field }}`` placeholders and
nothing else — no conditions, loops or expressions. The shipped templates are in
``triage/messages/templates/``; a school's own copy of the same name in its templates
folder (``templates`` beside the database, as for letters) replaces one. An email
template's first line is ``Subject: …``, then a blank line, then the body. Every
placeholder is checked before anything is sent or written; values are made printable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from triage.dates import long_date
from triage.model import Contact, Pupil
from triage.sanitise import printable

SHIPPED = Path(__file__).resolve().parent / "templates"
FIRST_TEXT = "text-first-day"
SECOND_TEXT = "text-second"
EMAIL = "email"
NAMES = (FIRST_TEXT, SECOND_TEXT, EMAIL)
SUFFIX = ".txt"  # not .md: message templates are not letters (`triage letter --list`)

# One GSM-7 text is 160 characters; longer ones go as several parts (153 each), each
# charged: the dry run says how many.
TEXT_PART = 160
TEXT_PART_JOINED = 153

FIELDS: dict[str, str] = {
    "school_name": "the school's name (the school_name setting)",
    "school_phone": "the school's phone number (the school_phone setting)",
    "today": "the date of the absence, e.g. 24 November 2026",
    "session": "morning or afternoon",
    "contact_name": "the contact the message goes to",
    "forenames": "the absent children's preferred forenames: Amy, or Amy and Ben",
    "is_or_are": "is (one child) or are (two or more), to follow forenames",
    "preferred_forename": "the first child's preferred forename",
    "full_name": "the first child's preferred forename and surname",
    "surname": "the first child's surname",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class TemplateError(ValueError):
    """A message template that cannot be used: one line naming the file, line and field."""


class MessageTemplate(NamedTuple):
    name: str
    subject: str | None  # emails only
    body: str
    path: Path
    shipped: bool

    def render(self, values: Mapping[str, str]) -> tuple[str | None, str]:
        """(subject, body) with every placeholder replaced by its value."""

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

        return (fill(self.subject) if self.subject is not None else None, fill(self.body))


def load(name: str, school_folder: Path | None) -> MessageTemplate:
    """The template ``name`` (the school's own copy if it has one), checked."""
    if name not in NAMES:
        raise TemplateError(f"there is no message template {name!r}; they are {', '.join(NAMES)}")
    own = school_folder / f"{name}{SUFFIX}" if school_folder is not None else None
    path, shipped = (
        (own, False)
        if own is not None and own.is_file()
        else (
            SHIPPED / f"{name}{SUFFIX}",
            True,
        )
    )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"template {name} ({path}) is not UTF-8 text") from exc
    except OSError as exc:
        raise TemplateError(f"cannot read template {name} ({path}): {exc.strerror}") from exc
    _check(name, path, text)
    subject: str | None = None
    body = text.strip()
    if name == EMAIL:
        first, _, rest = text.lstrip().partition("\n")
        if not first.lower().startswith("subject:"):
            raise TemplateError(
                f"template {name} ({path}), line 1: an email template starts with 'Subject: …'"
            )
        subject = first.split(":", 1)[1].strip()
        body = rest.strip()
    else:
        body = " ".join(body.split())  # a text is one paragraph: no stray line breaks
    return MessageTemplate(name, subject, body, path, shipped)


def _check(name: str, path: Path, text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        at = 0
        while (start := line.find("{{", at)) >= 0:
            m = _PLACEHOLDER.match(line, start)
            if m is None:
                raise TemplateError(
                    f"template {name} ({path}), line {number}: {line[start : start + 30]!r} is "
                    "not a placeholder; write {{ field_name }}"
                )
            if m.group(1) not in FIELDS:
                close = difflib.get_close_matches(m.group(1), FIELDS, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise TemplateError(
                    f"template {name} ({path}), line {number}: there is no field "
                    f"{{{{ {m.group(1)} }}}}{hint}; the fields are in docs/messages.md"
                )
            at = m.end()


def _joined(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def message_fields(
    pupils: Sequence[Pupil],
    contact: Contact | None,
    on: date,
    session: str,
    *,
    school_name: str,
    school_phone: str,
) -> dict[str, str]:
    """Every field's value for one family's message (its absent pupils, oldest first as
    the queue lists them). Text from the database is made printable."""
    first = pupils[0]
    forenames = [printable(p.forename).strip() for p in pupils]
    surname = printable(first.legal_surname).strip()
    return {
        "school_name": printable(school_name).strip(),
        "school_phone": printable(school_phone).strip() or "the school office",
        "today": long_date(on),
        "session": "afternoon" if session.upper() == "PM" else "morning",
        "contact_name": printable(contact.name).strip() if contact else "Parent/Carer",
        "forenames": _joined(list(dict.fromkeys(forenames))),
        "is_or_are": "are" if len(pupils) > 1 else "is",
        "preferred_forename": forenames[0],
        "full_name": f"{forenames[0]} {surname}".strip(),
        "surname": surname,
    }


def text_parts(body: str) -> int:
    """How many texts a message goes as (GSM-7 lengths; a message with characters outside
    GSM-7 goes in shorter parts, which this does not count)."""
    n = len(body)
    return 1 if n <= TEXT_PART else -(-n // TEXT_PART_JOINED)
