"""``triage config show`` and ``triage config set KEY VALUE``: the settings
(:mod:`triage.settings`). ``triage config ladder`` is :mod:`triage.cli.ladder`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from triage.cli.args import EXIT_OK
from triage.store import open_store


def run_config_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage import settings
    from triage.morning.ladder import ladder_text

    # Only a change creates the database: showing the settings of none makes no file.
    creating = args.config_command == "set"
    with open_store(db_path, create=creating, group=getattr(args, "group", None)) as store:
        if args.config_command == "set":
            value = settings.set_value(store, args.key, args.value)
            print(f"{args.key} = {value}")
            return EXIT_OK
        rows = settings.show(store)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(row["key"]) for row in rows) + 1
    for row in rows:
        mark = "*" if row["default"] else " "
        print(f"{row['key']:<{width}}{mark} {row['value'] or '(empty)':<28} {row['description']}")
    print("* = default")
    with open_store(db_path, create=False) as store:
        default = store.setting("ladder") is None
        print(
            f"\nfirst-day calling ladder{' (default)' if default else ''}"
            " — change it with `triage config ladder edit` or `load FILE`:\n"
        )
        print(ladder_text(store))
    return EXIT_OK
