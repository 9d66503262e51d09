"""``triage letter TEMPLATE UPN... [options]`` and ``triage letter --list``: letters home,
written and recorded by :func:`triage.casework.letters.write_letters`."""

from __future__ import annotations

import argparse
from pathlib import Path

from triage.casework.letters import (
    FIELDS,
    available_templates,
    school_templates_folder,
    write_letters,
)
from triage.cli.args import EXIT_OK
from triage.store import open_store


def run_letter_command(args: argparse.Namespace, db_path: Path) -> int:
    """Run ``triage letter``; errors are :class:`triage.casework.letters.LetterError`
    (a ValueError) or StoreError."""
    with open_store(db_path, create=False) as store:
        if args.list_templates:
            folder = args.templates or school_templates_folder(store)
            print(f"Templates (the school's own are in {folder}):")
            for name, (path, shipped) in available_templates(folder).items():
                print(f"  {name:<24} {'shipped' if shipped else path}")
            print("Fields ({{ name }} in a template):")
            for name, description in FIELDS.items():
                print(f"  {name:<32} {description}")
            return EXIT_OK
        if not args.template or not args.upns:
            args.letter_parser.error("give a TEMPLATE and at least one UPN (or --list)")
        letters = write_letters(
            store,
            args.template,
            args.upns,
            out_dir=args.out,
            fmt=args.letter_format,
            templates_dir=args.templates,
            today=args.dated,
            period_weeks=args.period_weeks,
            period_start=args.period_start,
            meeting_date=args.meeting_date,
            meeting_time=args.meeting_time,
            meeting_place=args.meeting_place,
        )
    for letter in letters:
        print(f"{letter.upn}: {letter.path}")
    print(f"{len(letters)} letter(s) written; 'letter sent' recorded on each pupil's case")
    return EXIT_OK
