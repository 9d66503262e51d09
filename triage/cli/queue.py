"""``triage queue``: the morning's queue of unexplained absences (read by
:func:`triage.morning.queue.load_morning`), as a table for people or CSV/JSON for other
tools (the shapes are in docs/queue.md)."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

from rich.table import Table
from rich.text import Text

from triage.cli.args import EXIT_OK, print_csv
from triage.cli.console import people_console
from triage.model import year_label
from triage.sanitise import spreadsheet_safe
from triage.store import StoreError, open_store


def run_queue_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.morning.queue import (
        CSV_COLUMNS,
        NoMarksError,
        entry_as_csv_row,
        entry_as_dict,
        flags_of,
        load_morning,
    )
    from triage.settings import stage_names

    with open_store(db_path, create=False) as store:
        try:
            morning = load_morning(store, args.date, args.session)
        except NoMarksError as exc:
            raise StoreError(str(exc)) from exc
        names = stage_names(store)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "school": morning.school,
                    "date": morning.date.isoformat(),
                    "session": morning.session,
                    "pupils": len(morning.entries),
                    "families": [
                        {"family": f.id, "pupils": [entry_as_dict(e, names) for e in f.entries]}
                        for f in morning.families
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in morning.entries:
            writer.writerow([spreadsheet_safe(v) for v in entry_as_csv_row(entry, names)])
        print_csv(out.getvalue())
        return EXIT_OK
    console = people_console()
    console.print(
        Text(
            f"{morning.school} — {morning.date:%A %d %B %Y} {morning.session}: "
            f"{len(morning.entries)} pupils in {len(morning.families)} families to contact",
            style="bold",
        )
    )
    table = Table(show_lines=False, pad_edge=False, box=None, padding=(0, 1, 0, 0))
    for col, width in (
        ("fam", 3),
        ("!", 3),
        ("name", None),
        ("yr/grp", 6),
        ("days", 4),
        ("att%", 4),
        ("10wk", 4),
        ("call first", None),
        ("number", 13),
    ):
        # In a narrow terminal the two names wrap onto a second line (Rich narrows wrapping
        # columns first), so the figures and the number to call are never cut.
        wraps = width is None
        table.add_column(col, no_wrap=not wraps, overflow="fold", min_width=width)
    for family in morning.families:
        for n, e in enumerate(family.entries):
            pct = e.attendance.percent if e.attendance is not None else None
            first = e.contacts[0] if e.contacts else None
            call = f"{first.name} ({first.relationship or '?'})" if first else "no contacts"
            number = first.numbers[0] if first and first.numbers else ""
            table.add_row(
                str(family.id) if n == 0 else "",
                " ".join(flags_of(e)[:1]) if e.pupil.safeguarding else "",
                Text(e.pupil.display_name),
                Text(f"{year_label(e.pupil.year_group)} {e.pupil.reg_group or ''}"),
                str(e.consecutive_days),
                "" if pct is None else f"{pct:.0f}",
                str(e.rolling_unauthorised),
                Text(call),
                Text(number),
            )
    console.print(table)
    return EXIT_OK
