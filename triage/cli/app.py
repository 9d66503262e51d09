"""Opening the app (``triage`` with no command) and ``triage demo`` (a demo school's
database, :mod:`triage.demo_school`, then the app on it)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from triage.cli.args import EXIT_OK


def run_open_command(args: argparse.Namespace, db_path: Path) -> int:
    from screens.app import run_app

    return run_app(db_path, args.date, args.session)  # refuses a missing or unusable file


def run_demo_command(args: argparse.Namespace, db_path: Path) -> int:
    """Build the demo school (in ``--db``, else a file of its own: never the default
    database ``db_path``), then open the app on it unless ``--no-open``."""
    from triage.demo_school import build_demo_database, demo_db_path, demo_morning

    on = args.date or demo_morning(date.today())
    path = getattr(args, "db", None) or demo_db_path(on)
    build_demo_database(path, on)
    print(f"demo school built in {path}", file=sys.stderr)
    if args.no_open:
        return EXIT_OK
    from screens.app import run_app

    return run_app(path, on, None)
