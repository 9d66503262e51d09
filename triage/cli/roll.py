"""``triage roll grounds|remove|list`` and ``triage cme enquiry|notify|list``: leaving the
roll and children missing education (:mod:`triage.casework.roll`). Prints; the rules are
the domain's.

JSON shapes (stable): ``roll list`` is ``{"roll_deletions": [{upn, name, …}]}`` with the
fields of :func:`triage.casework.roll.deletion_record`; ``cme list`` is
``{"cme_enquiries": [{upn, name, …}], "cme_notifications": [{upn, name, …}]}`` with those
of :func:`~triage.casework.roll.enquiry_record` and
:func:`~triage.casework.roll.notification_record`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.text import Text

from triage.cli.args import EXIT_OK
from triage.cli.console import people_console
from triage.cli.pupil_records import print_listing
from triage.cli.pupil_records import pupil_id as _pupil_id
from triage.cli.pupil_records import pupil_names as _names
from triage.store import open_store


def run_roll_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import roll
    from triage.dates import local_now

    console = people_console(soft_wrap=True)
    with open_store(db_path, create=False) as store:
        if args.roll_command == "grounds":
            pupil_id = _pupil_id(store, args.upn)
            on = args.on or local_now().date()
            for key, ground in roll.grounds_offered(store, pupil_id, on).items():
                console.print(Text(f"{key:<20} {ground.label}"))
            check = roll.absence_ground(store, pupil_id, on)
            if not check.met:
                console.print(Text(f"not offered: {roll.ABSENCE_GROUND} ({check.reason})"))
        elif args.roll_command == "remove":
            done = roll.record_deletion(
                store,
                _pupil_id(store, args.upn),
                args.ground,
                args.on,
                la_told_on=args.la_told,
                la_told_how=args.how,
                la_reference=args.reference,
                school=args.school,
                notice_received_on=args.notice_received,
                note=args.note,
            )
            console.print(Text(f"Recorded: {roll.describe_deletion(done)}"))
        else:
            ids = None if args.upn is None else [_pupil_id(store, args.upn)]
            print_listing(
                console,
                store,
                roll.deletions(store, ids),
                as_json=args.format == "json",
                key="roll_deletions",
                as_record=roll.deletion_record,
                describe=roll.describe_deletion,
                empty="No deletions from the roll recorded.",
            )
    return EXIT_OK


def run_cme_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.casework import roll
    from triage.dates import local_now

    console = people_console(soft_wrap=True)
    with open_store(db_path, create=False) as store:
        command = args.cme_command
        if command == "enquiry":
            enquiry = roll.record_enquiry(
                store,
                _pupil_id(store, args.upn),
                args.on or local_now().date(),
                args.by,
                args.person,
                args.contacted,
                args.what,
            )
            console.print(Text(f"Recorded: {roll.describe_enquiry(enquiry)}"))
        elif command == "notify":
            told = roll.notify_la(
                store,
                _pupil_id(store, args.upn),
                args.on or local_now().date(),
                args.reference,
                how=args.how,
                person=args.person,
                reply=args.reply,
            )
            console.print(Text(f"Recorded: {roll.describe_notification(told)}"))
        else:
            ids = None if args.upn is None else [_pupil_id(store, args.upn)]
            enquiries = roll.enquiries(store, ids)
            told_list = roll.notifications(store, ids)
            names = _names(store, {e.pupil_id for e in enquiries} | {n.pupil_id for n in told_list})
            if args.format == "json":
                out = {
                    "cme_enquiries": [
                        {"upn": names[e.pupil_id][0], "name": names[e.pupil_id][1]}
                        | roll.enquiry_record(e)
                        for e in enquiries
                    ],
                    "cme_notifications": [
                        {"upn": names[n.pupil_id][0], "name": names[n.pupil_id][1]}
                        | roll.notification_record(n)
                        for n in told_list
                    ],
                }
                print(json.dumps(out, indent=2, ensure_ascii=False))
                return EXIT_OK
            if not enquiries and not told_list:
                console.print("No enquiries or notifications recorded.")
            for line in [(e.pupil_id, roll.describe_enquiry(e)) for e in enquiries] + [
                (n.pupil_id, roll.describe_notification(n)) for n in told_list
            ]:
                upn, name = names[line[0]]
                console.print(Text(f"{name}  {upn}: {line[1]}"))
    return EXIT_OK
