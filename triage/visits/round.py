"""A round of home visits by area, without any routing service: visits grouped by postcode
district (the outward code, "RV1"), then sector ("RV1 2"), and within a sector by street
and house number. The order is simple and written down (docs/visits.md) so that two
officers reading the same list walk it the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

NO_POSTCODE = "no postcode"
_OUTWARD = re.compile(r"([A-Z]{1,2})(\d{1,2})([A-Z]?)")
_HOUSE = re.compile(r"(?:flat\s+\w+\s*,?\s*)?(\d+)\s*([a-z]?)\b\s*(.*)", re.IGNORECASE)


def postcode_parts(postcode: str | None) -> tuple[str, str]:
    """("RV1", "RV1 2") for "rv1 2ab": the district (outward code) and the sector (outward
    code and the inward code's digit). A missing postcode is its own area, last; a bare
    outward code is its own district and sector."""
    text = " ".join((postcode or "").upper().split())
    if not text:
        return NO_POSTCODE, NO_POSTCODE
    if " " not in text and len(text) >= 5:  # "RV12AB": the inward code is the last three
        text = f"{text[:-3]} {text[-3:]}"
    outward, _, inward = text.partition(" ")
    sector = f"{outward} {inward[0]}" if inward[:1].isdigit() else outward
    return outward, sector


def _district_key(outward: str) -> tuple[int, str, int, str]:
    """RV2 before RV10: the area letters, then the district's number as a number."""
    if outward == NO_POSTCODE:
        return (1, "", 0, "")
    found = _OUTWARD.fullmatch(outward)
    if found is None:
        return (0, outward, 0, "")
    return (0, found.group(1), int(found.group(2)), found.group(3))


def street_key(address: str | None) -> tuple[str, int, str]:
    """("high st", 12, "a") for "12a High St, Riverside": the street, then the house
    number as a number, so that 2 comes before 10 on the same street."""
    first = (address or "").split(",")[0].strip()
    found = _HOUSE.fullmatch(first)
    if found is None:
        return (first.casefold(), 0, "")
    return (found.group(3).casefold(), int(found.group(1)), found.group(2).casefold())


def round_of(
    visits: Sequence[T],
    where: Callable[[T], tuple[str | None, str | None]],
    urgent: Callable[[T], bool] = lambda _v: False,
) -> list[tuple[str, list[T]]]:
    """The visits as a round: (sector, its visits) in walking order. ``where`` gives a
    visit's (address, postcode). Sectors follow their districts in postcode order (RV1,
    RV2, RV10, then no postcode), except that a district holding an ``urgent`` visit (a
    safeguarding family) comes first, so those are seen earliest; within a sector, by
    street and house number."""

    def key(visit: T) -> tuple[object, ...]:
        address, postcode = where(visit)
        outward, sector = postcode_parts(postcode)
        return (_district_key(outward), sector, street_key(address))

    urgent_districts = {postcode_parts(where(v)[1])[0] for v in visits if urgent(v)}
    ordered = sorted(
        visits,
        key=lambda v: (postcode_parts(where(v)[1])[0] not in urgent_districts, key(v)),
    )
    groups: list[tuple[str, list[T]]] = []
    for visit in ordered:
        sector = postcode_parts(where(visit)[1])[1]
        if groups and groups[-1][0] == sector:
            groups[-1][1].append(visit)
        else:
            groups.append((sector, [visit]))
    return groups
