"""``triage officers add LOGIN | name LOGIN "Full Name" | list | remove LOGIN``: who may use
this database, and the names they sign letters with (:mod:`triage.officers`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from triage.cli.args import EXIT_OK
from triage.store import open_store


def run_officers_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.officers import (
        AccessDenied,
        access_of,
        add_officer,
        list_officers,
        remove_officer,
        set_display_name,
    )

    # Adding the first officer may create a team's database; listing never makes a file.
    creating = args.officers_command == "add"
    with open_store(db_path, create=creating, group=getattr(args, "group", None)) as store:
        if args.officers_command == "list":
            access_of(store)  # an unknown login may not read the list
        elif args.officers_command == "name":
            name = set_display_name(store, args.login, args.full_name)
            print(f"{args.login} signs letters as {name}")
            return EXIT_OK
        elif args.officers_command == "add":
            officer = add_officer(store, args.login, args.role, args.display_name)
            print(f"{officer.login} is now {officer.role}")
        else:
            remove_officer(store, args.login)
            print(f"{args.login} removed")
        if args.officers_command != "list":
            try:
                access_of(store)
            except AccessDenied:
                # Done, and worth saying: e.g. root setting up a team's database.
                print(
                    f"note: {store.officer} is not an officer of this database, so from now"
                    " on cannot use it",
                    file=sys.stderr,
                )
        officers = list_officers(store)
        if args.officers_command == "list":
            if not officers:
                print("no officers recorded: single-user mode (anyone who can open the file)")
            for o in officers:
                name = f" ({o.display_name})" if o.display_name else ""
                print(f"{o.login:<20} {o.role:<8}{name}  added {o.added_at[:10]} by {o.added_by}")
    return EXIT_OK
