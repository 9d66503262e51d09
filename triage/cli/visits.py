"""``triage visits``: the day's home visits as a round by area (:mod:`triage.visits.day`),
to print and take out of the door."""

from __future__ import annotations

import argparse
from pathlib import Path

from triage.cli.args import EXIT_OK, print_csv
from triage.store import StoreError, open_store


def run_visits_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage import settings
    from triage.morning.queue import NoMarksError
    from triage.render import visits as render
    from triage.visits.day import load_day

    with open_store(db_path, create=False) as store:
        try:
            day = load_day(store, args.date)
        except NoMarksError as exc:
            raise StoreError(str(exc)) from exc
        school = settings.get(store, "school_name")
    if args.format == "json":
        print(render.dumps(day))
    elif args.format == "csv":
        print_csv(render.as_csv(day))
    elif args.format == "html":
        print(render.as_html(day, school), end="")
    else:
        print(render.as_text(day, school), end="")
    return EXIT_OK
