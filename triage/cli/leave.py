"""``triage leave request|decide|list`` and ``triage timetable add|review|notify-la|end|list``:
leave of absence (:mod:`triage.casework.leave`) and part-time timetables
(:mod:`triage.casework.timetables`). Prints; the rules are the domain's.

JSON shapes (stable): ``leave list`` is ``{"leave_requests": [{upn, name, …}]}`` with the
fields of :func:`triage.casework.leave.as_record`; ``timetable list`` is
``{"part_time_timetables": [{upn, name, …}]}`` with those of
:func:`triage.casework.timetables.as_record`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.text import Text

from triage.cli.args import EXIT_OK
from triage.store import Store, open_store


def _pupil_id(store: Store, upn: str) -> int:
    from triage.casework.chronology import find_pupil

    return find_pupil(store, upn).id


def _names(store: Store, ids: set[int]) -> dict[int, tuple[str, str]]:
    return {p.id: (p.upn, p.display_name) for p in store.pupils(ids)} if ids else {}


def run_leave_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import leave
    from triage.dates import local_now

    console = Console(highlight=False, soft_wrap=True)
    with open_store(db_path, create=False) as store:
        if args.leave_command == "request":
            first = leave.parse_slot(args.first, "AM")
            last = leave.parse_slot(args.last, "PM")
            request = leave.request_leave(
                store,
                _pupil_id(store, args.upn),
                first,
                last,
                args.reason,
                args.asked_by,
                args.asked_on or local_now().date(),
            )
            console.print(Text(f"Recorded: {leave.describe(request)}"))
            if not request.in_advance:
                console.print(
                    Text("note: asked for after the leave began, so it cannot be granted")
                )
        elif args.leave_command == "decide":
            decided = leave.decide_leave(
                store, args.id, args.decision, args.by, note=args.note, on=args.on
            )
            console.print(Text(f"Recorded: {leave.describe(decided.request)}"))
            if decided.recoded:
                console.print(Text(f"{decided.recoded} N mark(s) in the leave recoded to C"))
        else:
            ids = None if args.upn is None else [_pupil_id(store, args.upn)]
            requests = leave.leave_requests(store, ids)
            names = _names(store, {r.pupil_id for r in requests})
            if args.format == "json":
                rows = [
                    {
                        "upn": names[r.pupil_id][0],
                        "name": names[r.pupil_id][1],
                        **leave.as_record(r),
                    }
                    for r in requests
                ]
                print(json.dumps({"leave_requests": rows}, indent=2, ensure_ascii=False))
                return EXIT_OK
            if not requests:
                console.print("No leave requests recorded.")
            for r in requests:
                upn, name = names[r.pupil_id]
                console.print(Text(f"{name}  {upn}", style="bold"))
                console.print(Text(f"  {leave.describe(r)}"))
    return EXIT_OK


def run_timetable_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import timetables

    console = Console(highlight=False, soft_wrap=True)
    with open_store(db_path, create=False) as store:
        command = args.timetable_command
        if command == "add":
            done = timetables.record_timetable(
                store,
                _pupil_id(store, args.upn),
                args.start,
                args.end,
                args.review,
                args.agreed_with,
                args.agreed_on,
                la_notified_on=args.la_notified,
                note=args.note,
            )
        elif command == "review":
            done = timetables.record_review(
                store, args.id, args.on, args.note, next_review=args.next
            )
        elif command == "notify-la":
            done = timetables.notify_la(store, args.id, args.on)
        elif command == "end":
            done = timetables.end_timetable(store, args.id, args.on)
        else:
            ids = None if args.upn is None else [_pupil_id(store, args.upn)]
            found = timetables.timetables_of(store, ids)
            names = _names(store, {t.pupil_id for t in found})
            if args.format == "json":
                rows = [
                    {
                        "upn": names[t.pupil_id][0],
                        "name": names[t.pupil_id][1],
                        **timetables.as_record(t),
                    }
                    for t in found
                ]
                print(json.dumps({"part_time_timetables": rows}, indent=2, ensure_ascii=False))
                return EXIT_OK
            if not found:
                console.print("No part-time timetables recorded.")
            for t in found:
                upn, name = names[t.pupil_id]
                console.print(Text(f"{name}  {upn}", style="bold"))
                console.print(Text(f"  {timetables.describe(t)}"))
            return EXIT_OK
        console.print(Text(f"Recorded: {timetables.describe(done)}"))
    return EXIT_OK
