"""``triage audit``: the audit trail (:func:`triage.audit.audit_trail`), as lines for
people or CSV/JSON for other tools."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

from rich.text import Text

from triage.cli.args import EXIT_OK, print_csv
from triage.cli.console import people_console
from triage.sanitise import spreadsheet_safe
from triage.store import open_store


def run_audit_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.audit import AUDIT_COLUMNS, audit_trail

    with open_store(db_path, create=False) as store:
        rows = audit_trail(store, pupil=args.pupil, officer=args.officer, since=args.since)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(AUDIT_COLUMNS)
        for row in rows:
            writer.writerow([spreadsheet_safe(_csv_value(row[c])) for c in AUDIT_COLUMNS])
        print_csv(out.getvalue())
    else:
        console = people_console(soft_wrap=True)
        for row in rows:
            line = Text(f"{row['at']}  {row['officer']:<16} {row['action']:<16}")
            line.append(f" {row['summary']}")
            console.print(line)
        if not rows:
            console.print("no audit events match")
    return EXIT_OK


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
