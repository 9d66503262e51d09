"""Text from files is shown in a terminal: it must never be able to drive the terminal.

An escape sequence in a pupil's name (ESC [ 2 J clears the screen, others can retitle the
window or worse) would be sent to the officer's terminal as-is; Rich strips only a few
control codes. So every text field that comes from outside is made printable when it is
stored. Rich markup such as "[bold]" needs no treatment: screens show stored text with
`rich.text.Text`, which never interprets markup.
"""

from __future__ import annotations

import re

# C0 controls (ESC among them), DEL and the C1 controls (U+0080-U+009F, which include CSI);
# and the invisible characters that move text about without showing: bidirectional
# embeddings, overrides and isolates (U+202A-E, U+2066-9; U+202E turns "gpj.exe" round),
# the direction marks, the zero-width space and word joiners, and a stray byte-order mark.
# They misalign the queue's columns and can disguise a name. The zero-width joiner and
# non-joiner (U+200C, U+200D) stay: Persian and Indic names are spelt with them.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
MAX_EXCERPT = 80  # characters of a bad input quoted back in a message
_SPACING = re.compile(r"[\t\n\r\x0b\x0c]+")


def printable(text: str) -> str:
    """Whitespace controls become a space; every other control character is removed."""
    if not _CONTROL.search(text):
        return text  # the usual case, and the fast one
    return _CONTROL.sub("", _SPACING.sub(" ", text))


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """``text`` made printable and cut to ``limit`` characters (with … when cut): how much
    of a bad input a message quotes back (a header of 25 million cells is not repeated)."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email(text: str) -> bool:
    """An email address, checked loosely for its shape (something@somewhere.tld)."""
    return bool(_EMAIL.fullmatch(text))


def excel_csv(text: str) -> bytes:
    """CSV text as the bytes to write for a spreadsheet: UTF-8 with a byte-order mark.
    Without the mark Excel reads UTF-8 as the local code page, and a name with an accent
    (Müller, Zoë) comes out garbled. Every CSV the app writes goes through here."""
    return text.encode("utf-8-sig")


def spreadsheet_safe(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula (CSV formula injection):
    a leading = + - @, tab or carriage return gets a ' in front."""
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
