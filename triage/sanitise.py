"""Text from files is shown in a terminal: it must never be able to drive the terminal.

An escape sequence in a pupil's name (ESC [ 2 J clears the screen, others can retitle the
window or worse) would be sent to the officer's terminal as-is; Rich strips only a few
control codes. So every text field that comes from outside is made printable when it is
stored. Rich markup such as "[bold]" needs no treatment: screens show stored text with
`rich.text.Text`, which never interprets markup.
"""

from __future__ import annotations

import re

# C0 controls (ESC among them), DEL and the C1 controls (U+0080-U+009F, which include CSI).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACING = re.compile(r"[\t\n\r\x0b\x0c]+")


def printable(text: str) -> str:
    """Whitespace controls become a space; every other control character is removed."""
    if not _CONTROL.search(text):
        return text  # the usual case, and the fast one
    return _CONTROL.sub("", _SPACING.sub(" ", text))


def spreadsheet_safe(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula (CSV formula injection):
    a leading = + - @, tab or carriage return gets a ' in front."""
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
