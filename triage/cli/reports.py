"""``triage summary`` (the end-of-day summary, :mod:`triage.reports.summary`, in the
formats of :mod:`triage.render.summary_report`) and ``triage export amendments`` (the
recodes for the MIS, :mod:`triage.reports.amendments`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from triage.cli.args import EXIT_OK, UsageError, print_csv
from triage.sanitise import excel_csv
from triage.store import StoreError, open_store


def _write_private(path: Path, data: bytes) -> None:
    """Reports hold children's data: a new file is made 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def run_summary_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.morning.queue import NoMarksError, default_date
    from triage.render.summary_report import render
    from triage.reports.summary import day_summary

    if args.date and (args.from_date or args.to_date):
        raise UsageError("give --date, or --from and --to, not both")
    with open_store(db_path, create=False) as store:
        try:
            last = default_date(store)
        except NoMarksError as exc:
            raise StoreError(str(exc)) from exc
        if args.from_date or args.to_date:
            start, end = args.from_date or args.to_date, args.to_date or last
            if start > end:
                raise UsageError("--from is after --to")
            days = [d for d in store.school_days() if start <= d <= end]
        else:
            days = [args.date or last]
        summaries = [day_summary(store, d) for d in days]
    names = not args.no_names
    if args.format == "json" and len(summaries) != 1:
        text = json.dumps([s.as_json(names) for s in summaries], indent=2, ensure_ascii=False)
    elif args.format == "csv":
        parts = [render(s, "csv", names) for s in summaries]
        text = parts[0] + "".join(p.split("\n", 1)[1] for p in parts[1:]) if parts else ""
    else:
        text = "\n".join(render(s, args.format, names) for s in summaries)
    # A CSV goes to a spreadsheet: with a byte-order mark (sanitise.excel_csv).
    data = excel_csv(text) if args.format == "csv" else text.encode("utf-8")
    if args.out:
        _write_private(args.out, data)
        print(f"summary written to {args.out}", file=sys.stderr)
    elif args.format == "csv":
        print_csv(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def run_export_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.reports.amendments import mark_exported, pending, to_csv

    if args.date and args.since:
        raise UsageError("give --date or --since, not both")
    with open_store(db_path, create=False) as store:
        rows = pending(store, on=args.date, since=args.since, everything=args.all)
        data = to_csv(rows)
        if args.out:
            _write_private(args.out, data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        # Only once the file is written are the rows counted as exported.
        mark_exported(store, rows, args.out.name if args.out else "<stdout>")
    print(f"{len(rows)} amendment(s) exported", file=sys.stderr)
    return EXIT_OK


def run_report_command(args: argparse.Namespace, db_path: Path) -> int:
    """``triage report cohorts|year|tsm|lateness`` (:mod:`triage.reports.catalogue`), in the
    formats of :mod:`triage.render.reports`."""
    from triage.render.reports import render
    from triage.reports.catalogue import make_report

    with open_store(db_path, create=False) as store:
        doc = make_report(
            store,
            args.report,
            start=getattr(args, "from_date", None),
            end=getattr(args, "to_date", None),
            term=getattr(args, "term", None),
            year_group=getattr(args, "year_group", None),
            week_of=getattr(args, "week_of", None),
            names=not args.no_names,
        )
    text = render(doc, args.format)
    data = excel_csv(text) if args.format == "csv" else text.encode("utf-8")
    if args.out:
        _write_private(args.out, data)
        print(f"{args.report} report written to {args.out}", file=sys.stderr)
    elif args.format == "csv":
        print_csv(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def run_tsm_record_command(args: argparse.Namespace, db_path: Path) -> int:
    """``triage report tsm-record FILE.csv [--date D]``: what the meeting agreed, recorded
    on each case (:func:`triage.reports.tsm.record_agreed`); a wrong row refuses the file."""
    from datetime import date

    from triage.reports.tsm import record_agreed

    with open_store(db_path, create=False) as store:
        done = record_agreed(store, args.file, args.date or date.today())
    print(
        f"recorded {done.notes} agreement(s) for {done.pupils} pupil(s): "
        f"{done.notes} note(s), {done.actions} action(s)"
    )
    return EXIT_OK
