"""UK phone numbers as a text message needs them: is it a mobile, and in which form.

Ofcom's National Telephone Numbering Plan: mobiles are 071-075 and 077-079 (and 07624 on the
Isle of Man); 070 is a "personal number" and 076 a pager, neither of which takes a text
reliably; 01 and 02 are geographic (landlines), 03 non-geographic, 08 and 09 special-rate.
A landline is never texted: a school that texts one sends a message nobody reads (or one
that a text-to-speech service reads aloud to whoever answers).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Separators people type in a number: spaces, dashes, dots, brackets, slashes.
_SEPARATORS = re.compile(r"[\s\-./()]+")
_MOBILE = re.compile(r"7(?:[1-57-9]\d{8}|624\d{5})")

GATEWAY_FORMS = ("447", "07")  # 447700900123 or 07700900123


class Number(NamedTuple):
    """A number as read: ``mobile`` the E.164 form (+447…) when it is a UK mobile, else
    None with ``why`` a short reason ("a landline", "not a UK number")."""

    raw: str
    mobile: str | None
    why: str = ""


def read_number(raw: str) -> Number:
    """What ``raw`` is: a UK mobile (in E.164, +447…), or why it cannot be texted."""
    digits = _SEPARATORS.sub("", raw.strip())
    digits = digits.replace("+44(0)", "+44").replace("(0)", "")
    if digits.startswith("+44"):
        national = digits[3:]
    elif digits.startswith("0044"):
        national = digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return Number(raw, None, "not a UK number")
    national = national.removeprefix("0")  # +44 07…, written by habit
    if not national.isdigit():
        return Number(raw, None, "not a phone number")
    if _MOBILE.fullmatch(national):
        return Number(raw, "+44" + national)
    if national[:1] in ("1", "2"):
        return Number(raw, None, "a landline")
    if national[:1] == "3":
        return Number(raw, None, "a non-geographic (03) number")
    if national[:1] == "7":
        return Number(raw, None, "not a mobile (070 or 076)")
    return Number(raw, None, "not a UK mobile")


def for_notify(mobile: str) -> str:
    """GOV.UK Notify takes international form: +447700900123."""
    return mobile


def for_gateway(mobile: str, form: str) -> str:
    """An email-to-SMS gateway's form (the ``sms_gateway_number_form`` setting):
    ``447`` gives 447700900123, ``07`` gives 07700900123."""
    national = mobile.removeprefix("+44")
    return "44" + national if form == "447" else "0" + national
