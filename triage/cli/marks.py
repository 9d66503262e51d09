"""``triage marks``: the latest imports, and taking back marks that should never have been
imported (:mod:`triage.imports.removal`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from triage.cli.args import EXIT_OK, UsageError
from triage.sanitise import printable
from triage.store import open_store


def run_marks_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.imports import removal
    from triage.store.imports import import_records

    with open_store(db_path, create=False) as store:
        if args.marks_command == "imports":
            for n, at, name, kind, rows, by in import_records(store):
                print(
                    f"{n:>5}  {at[:16].replace('T', ' ')}  {kind:<8} {rows:>7} rows  "
                    f"{printable(by)}  {printable(name)}"
                )
            return EXIT_OK
        if args.import_id is None and args.date is None:
            raise UsageError("say which marks: --import N (see 'triage marks imports') or --date D")
        if args.session and args.date is None:
            raise UsageError("--session goes with --date")
        which = {"import_id": args.import_id, "on": args.date, "session": args.session}
        if not args.yes:
            print(removal.preview(store, **which).describe() + "; add --yes to remove them")
            return EXIT_OK
        print(removal.remove_marks(store, **which).describe())
    return EXIT_OK
