"""``triage import KIND FILE...`` and ``triage import --inbox``: the MIS exports, read by
:mod:`triage.imports.importers` (files) and :mod:`triage.imports.inbox` (the inbox folder)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console

from triage.cli.args import EXIT_INPUT, EXIT_OK, UsageError
from triage.store import open_store


def run_import_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.imports.importers import import_files

    group: str | None = getattr(args, "group", None)
    if args.inbox:
        if args.kind or args.files:
            raise UsageError("give either --inbox or a kind and files, not both")
        return _import_inbox(args, db_path, group)
    if not args.kind or not args.files:
        raise UsageError("import needs a kind (pupils, contacts or marks) and FILEs, or --inbox")
    with open_store(db_path, group=group) as store:
        progress = _progress_bar(sum(p.stat().st_size for p in args.files if p.is_file()))
        with progress as update:
            report = import_files(
                store,
                args.kind,
                args.files,
                dry_run=args.dry_run,
                encoding=args.encoding,
                progress=update,
            )
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
    else:
        for line in report.lines():
            print(line)
    return EXIT_OK


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _RichProgress:
    """A progress bar on a terminal, for files big enough to take more than a moment."""

    def __init__(self) -> None:
        from rich.progress import Progress

        self._progress = Progress(transient=True, console=Console(stderr=True))

    def __enter__(self):
        self._progress.start()
        task = self._progress.add_task("checking rows", total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress_bar(total_bytes: int):
    quiet = not sys.stderr.isatty() or os.environ.get("CI") or total_bytes < 1_000_000
    return _NoProgress() if quiet else _RichProgress()


def _import_inbox(args: argparse.Namespace, db_path: Path, group: str | None) -> int:
    """One look at the inbox, as cron would run it: look twice, --settle seconds apart,
    so a file still being copied is left for next time."""
    import time

    from triage.imports import inbox

    with open_store(db_path, group=group) as store:
        folder = inbox.inbox_folder(store)
        first = inbox.look(folder)
        time.sleep(max(0.0, args.settle))
        results, _ = inbox.check(store, first)
    if not results:
        print(f"nothing to import in {folder}")
    for r in results:
        print(f"{r.file}: {r.outcome}" + (f" ({r.kind})" if r.kind else ""))
        for line in r.message.splitlines():
            print(f"  {line.strip()}")
    return EXIT_INPUT if any(r.outcome == "rejected" for r in results) else EXIT_OK
