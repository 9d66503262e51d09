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
from pathlib import Path

from rich.text import Text

from triage.cli.args import EXIT_OK
from triage.cli.console import people_console
from triage.cli.pupil_records import print_listing
from triage.cli.pupil_records import pupil_id as _pupil_id
from triage.store import open_store


def run_leave_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import leave
    from triage.dates import local_now

    console = people_console(soft_wrap=True)
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
            print_listing(
                console,
                store,
                leave.leave_requests(store, ids),
                as_json=args.format == "json",
                key="leave_requests",
                as_record=leave.as_record,
                describe=leave.describe,
                empty="No leave requests recorded.",
            )
    return EXIT_OK


def run_timetable_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import timetables

    console = people_console(soft_wrap=True)
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
            print_listing(
                console,
                store,
                timetables.timetables_of(store, ids),
                as_json=args.format == "json",
                key="part_time_timetables",
                as_record=timetables.as_record,
                describe=timetables.describe,
                empty="No part-time timetables recorded.",
            )
            return EXIT_OK
        console.print(Text(f"Recorded: {timetables.describe(done)}"))
    return EXIT_OK
