"""What the per-pupil record commands share (``triage leave``, ``timetable``, ``roll``,
``cme``): finding the pupil by UPN, naming the pupils of a listing, and printing a listing
of one kind of record as JSON or as text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from rich.console import Console
from rich.text import Text

from triage.store import Store


class PupilRecord(Protocol):
    @property
    def pupil_id(self) -> int: ...


R = TypeVar("R", bound=PupilRecord)


def pupil_id(store: Store, upn: str) -> int:
    from triage.casework.chronology import find_pupil

    return find_pupil(store, upn).id


def pupil_names(store: Store, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Pupil id -> (UPN, display name)."""
    return {p.id: (p.upn, p.display_name) for p in store.pupils(ids)} if ids else {}


def print_listing(
    console: Console,
    store: Store,
    records: Sequence[R],
    *,
    as_json: bool,
    key: str,
    as_record: Callable[[R], dict[str, Any]],
    describe: Callable[[R], str],
    empty: str,
) -> None:
    """``{key: [{upn, name, …as_record}]}`` as JSON, or each pupil's name and UPN over the
    record's one-line description."""
    names = pupil_names(store, {r.pupil_id for r in records})
    if as_json:
        rows = [
            {"upn": names[r.pupil_id][0], "name": names[r.pupil_id][1]} | as_record(r)
            for r in records
        ]
        print(json.dumps({key: rows}, indent=2, ensure_ascii=False))
        return
    if not records:
        console.print(empty)
    for r in records:
        upn, name = names[r.pupil_id]
        console.print(Text(f"{name}  {upn}", style="bold"))
        console.print(Text(f"  {describe(r)}"))
