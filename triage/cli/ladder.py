"""``triage config ladder show|edit|load FILE|reset``: the first-day-calling ladder
(:mod:`triage.morning.ladder`), shown as TOML, edited in $EDITOR, loaded from a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from triage.cli.args import EXIT_OK
from triage.morning.ladder import (
    DEFAULT_LADDER_TOML,
    LadderError,
    ladder_text,
    parse_ladder,
    set_ladder,
)
from triage.officers import require_lead
from triage.store import open_store


def run_ladder_command(args: argparse.Namespace, db_path: Path) -> int:
    """Run ``triage config ladder``; errors are LadderError (a ValueError) or StoreError."""
    creating = args.ladder_command != "show"  # showing the ladder of no database makes no file
    with open_store(db_path, create=creating, group=getattr(args, "group", None)) as store:
        if args.ladder_command == "show":
            sys.stdout.write(ladder_text(store))
            return EXIT_OK
        if args.ladder_command == "load":
            try:
                text = args.file.read_text(encoding="utf-8")
            except OSError as exc:
                raise LadderError(f"cannot read {args.file}: {exc.strerror}") from exc
        elif args.ladder_command == "reset":
            text = DEFAULT_LADDER_TOML
        else:
            require_lead(store)  # before the editor, not after the officer's work
            edited = edit_in_editor(ladder_text(store))
            if edited is None:
                print("ladder unchanged")
                return EXIT_OK
            text = edited
        ladder = set_ladder(store, text)
    print(f"ladder saved: {len(ladder.steps)} steps, {len(ladder.safeguarding)} safeguarding")
    return EXIT_OK


def edit_in_editor(text: str) -> str | None:
    """Open the text in $VISUAL / $EDITOR (else nano, vi); the edited text, or None if the
    file was left as it was. A ladder that does not parse is offered again with the error
    at the top, until it parses or the officer leaves it unchanged."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "nano"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ladder.toml"
        current = text
        while True:
            path.write_text(current, encoding="utf-8")
            subprocess.run([*shlex.split(editor), str(path)], check=False)
            edited = path.read_text(encoding="utf-8")
            if edited == current:
                return None
            try:
                parse_ladder(edited)
            except LadderError as exc:
                body = "\n".join(
                    line for line in edited.splitlines() if not line.startswith("# ERROR:")
                )
                current = f"# ERROR: {exc}\n{body}\n"
                continue
            return edited
