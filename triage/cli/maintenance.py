"""``triage backup DEST`` and ``triage check``: a consistent copy of the database, and its
integrity and foreign-key checks (:mod:`triage.store.maintenance`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from triage.cli.args import EXIT_INPUT, EXIT_OK
from triage.store import open_store


def run_backup_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.store.maintenance import backup

    with open_store(db_path, create=False) as store:
        copied = backup(store, args.dest)
    print(f"backed up {db_path} to {copied}")
    return EXIT_OK


def run_check_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.store.maintenance import check

    with open_store(db_path, create=False) as store:
        problems = check(store)
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        return EXIT_INPUT
    print(f"{db_path}: integrity ok, foreign keys ok")
    return EXIT_OK
