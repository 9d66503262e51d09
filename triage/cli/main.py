"""The `triage` command: argument parsing and output. It prints; it never computes.

Exit codes: 0 success, 1 a problem with the input (a file, the database, a date),
2 a usage error (argparse's own).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from triage.cli.args import add_case_parsers, add_ladder_parser, add_letter_parser, date_arg
from triage.imports.csvfile import ImportFileError
from triage.model import year_label
from triage.sanitise import spreadsheet_safe
from triage.store import StoreError, default_db_path, open_store

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad argument value found after parsing (shown like argparse's, exit 2)."""


def _session_arg(text: str) -> str:
    session = text.strip().upper()
    if session not in ("AM", "PM"):
        raise argparse.ArgumentTypeError(f"{text!r} is not AM or PM")
    return session


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the subcommand: the same option on both parsers,
    # with SUPPRESS so the subparser's absence does not overwrite the main parser's value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="the database file (default: $TRIAGE_DB, else a per-user data directory)",
    )
    common.add_argument(
        "--group",
        default=argparse.SUPPRESS,
        help="when this creates the database: share it with this group (mode 0660)",
    )
    when = argparse.ArgumentParser(add_help=False)
    when.add_argument(
        "--date",
        type=date_arg,
        help="YYYY-MM-DD (default: today if it has marks, else the latest)",
    )
    when.add_argument(
        "--session", type=_session_arg, help="AM or PM (default: the latest with marks)"
    )

    parser = argparse.ArgumentParser(
        prog="triage",
        description="Attendance Triage: first-day calling and attendance casework.",
        parents=[common, when],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    imp = sub.add_parser(
        "import", parents=[common], help="import MIS exports (pupils, contacts or marks)"
    )
    imp.add_argument("kind", nargs="?", choices=("pupils", "contacts", "marks"))
    imp.add_argument("files", nargs="*", type=Path, metavar="FILE")
    imp.add_argument(
        "--inbox",
        action="store_true",
        help="import what is waiting in the inbox folder once (for cron), instead of FILEs",
    )
    imp.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="with --inbox: how long a file must stay unchanged before it is taken",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    imp.add_argument("--encoding", help="the files' text encoding (default: detected)")
    imp.add_argument("--format", choices=("text", "json"), default="text")

    queue = sub.add_parser(
        "queue", parents=[common, when], help="print the queue of unexplained absences"
    )
    queue.add_argument("--format", choices=("text", "csv", "json"), default="text")

    demo = sub.add_parser(
        "demo", parents=[common], help="build a demo school database and open the app on it"
    )
    demo.add_argument("--no-open", action="store_true", help="only build the database")
    demo.add_argument(
        "--date",
        type=date_arg,
        help="the demo morning (default: the latest weekday up to today)",
    )
    officers = sub.add_parser("officers", parents=[common], help="who may use this database")
    osub = officers.add_subparsers(dest="officers_command", metavar="ACTION", required=True)
    oadd = osub.add_parser("add", parents=[common], help="add an officer, or change their role")
    oadd.add_argument("login", help="their login name on this machine")
    oadd.add_argument("--role", choices=("lead", "officer", "viewer"), default="officer")
    oadd.add_argument("--display-name", help="the name to show (default: the login)")
    osub.add_parser("list", parents=[common], help="list the officers")
    orm = osub.add_parser("remove", parents=[common], help="remove an officer")
    orm.add_argument("login")

    audit = sub.add_parser("audit", parents=[common], help="print the audit trail")
    audit.add_argument("--pupil", metavar="UPN", help="only changes about this pupil")
    audit.add_argument("--officer", metavar="LOGIN", help="only changes by this officer")
    audit.add_argument("--since", type=date_arg, metavar="YYYY-MM-DD")
    audit.add_argument("--format", choices=("text", "csv", "json"), default="text")

    summary = sub.add_parser(
        "summary", parents=[common], help="the end-of-day summary (for the screen or cron)"
    )
    summary.add_argument("--date", type=date_arg, help="the day (default: the latest with marks)")
    summary.add_argument("--from", dest="from_date", type=date_arg, metavar="D")
    summary.add_argument("--to", dest="to_date", type=date_arg, metavar="D")
    summary.add_argument(
        "--format", choices=("text", "markdown", "csv", "json", "html"), default="text"
    )
    summary.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (0600)")
    summary.add_argument(
        "--no-names", action="store_true", help="counts only: for summaries that leave the school"
    )

    export = sub.add_parser("export", parents=[common], help="files for other systems")
    esub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    amend = esub.add_parser(
        "amendments", parents=[common], help="the recodes to enter back into the MIS (CSV)"
    )
    amend.add_argument("--date", type=date_arg, help="marks on this day only")
    amend.add_argument("--since", type=date_arg, help="marks from this day on")
    amend.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    amend.add_argument(
        "--all", action="store_true", help="include those exported before (repeats them)"
    )

    add_letter_parser(sub, [common])
    add_case_parsers(sub, [common])

    config = sub.add_parser("config", parents=[common], help="show or change the settings")
    csub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    cshow = csub.add_parser("show", parents=[common], help="every setting; * marks defaults")
    cshow.add_argument("--format", choices=("text", "json"), default="text")
    cset = csub.add_parser("set", parents=[common], help="change a setting (checked first)")
    cset.add_argument("key")
    cset.add_argument("value")
    add_ladder_parser(csub, [common])

    backup = sub.add_parser(
        "backup", parents=[common], help="a consistent copy, safe while others work"
    )
    backup.add_argument("dest", type=Path, metavar="DEST")
    sub.add_parser("check", parents=[common], help="integrity and foreign-key checks")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    db_path: Path = getattr(args, "db", None) or default_db_path()
    group: str | None = getattr(args, "group", None)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "import":
            return _cmd_import(args, db_path, group)
        if args.command == "summary":
            return _cmd_summary(args, db_path)
        if args.command == "export":
            return _cmd_export_amendments(args, db_path)
        if args.command in ("case", "alerts", "chronology"):
            from triage.cli.case import run_case_command

            return run_case_command(args, db_path)
        if args.command == "letter":
            from triage.casework.letters import run_letter_command

            return run_letter_command(args, db_path)
        if args.command == "config":
            return _cmd_config(args, db_path, group)
        if args.command == "officers":
            return _cmd_officers(args, db_path, group)
        if args.command == "audit":
            return _cmd_audit(args, db_path)
        if args.command == "backup":
            return _cmd_backup(args, db_path)
        if args.command == "check":
            return _cmd_check(db_path)
        if args.command == "queue":
            return _cmd_queue(args, db_path)
        if args.command == "demo":
            return _cmd_demo(args)
        return _cmd_open(args, db_path)
    except ImportFileError as exc:
        err.print(Text(exc.message))
        return EXIT_INPUT
    except (StoreError, ValueError) as exc:
        err.print(Text(f"triage: {exc}"))
        return EXIT_INPUT
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        err.print(Text(f"triage: error: {exc}"))
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `triage audit | head`): not an error for an officer.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - swallow the final flush
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        err.print(Text("triage: interrupted; nothing half-written was kept"))
        return 130
    except Exception as exc:  # the last line of defence: never a traceback for an officer
        err.print(Text(f"triage: unexpected error ({type(exc).__name__}): {exc}"))
        err.print(Text("Nothing was changed by the step that failed. Please report this."))
        if os.environ.get("TRIAGE_DEBUG"):
            raise
        return EXIT_INPUT


def _cmd_import(args: argparse.Namespace, db_path: Path, group: str | None) -> int:
    from triage.imports.importers import import_files

    if args.inbox:
        if args.kind or args.files:
            raise UsageError("give either --inbox or a kind and files, not both")
        return _cmd_import_inbox(args, db_path, group)
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
        self._task = None

    def __enter__(self):
        self._progress.start()
        self._task = self._progress.add_task("checking rows", total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(self._task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress_bar(total_bytes: int):
    quiet = not sys.stderr.isatty() or os.environ.get("CI") or total_bytes < 1_000_000
    return _NoProgress() if quiet else _RichProgress()


def _cmd_queue(args: argparse.Namespace, db_path: Path) -> int:
    from triage.morning.queue import (
        CSV_COLUMNS,
        NoMarksError,
        entry_as_csv_row,
        entry_as_dict,
        flags_of,
        load_morning,
    )

    with open_store(db_path, create=False) as store:
        try:
            morning = load_morning(store, args.date, args.session)
        except NoMarksError as exc:
            raise StoreError(str(exc)) from exc
    if args.format == "json":
        print(
            json.dumps(
                {
                    "school": morning.school,
                    "date": morning.date.isoformat(),
                    "session": morning.session,
                    "pupils": len(morning.entries),
                    "families": [
                        {"family": f.id, "pupils": [entry_as_dict(e) for e in f.entries]}
                        for f in morning.families
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in morning.entries:
            writer.writerow([spreadsheet_safe(v) for v in entry_as_csv_row(entry)])
        return EXIT_OK
    console = Console(highlight=False)
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
        table.add_column(col, no_wrap=True, overflow="ellipsis", min_width=width)
    for family in morning.families:
        for n, e in enumerate(family.entries):
            pct = e.attendance.percent
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


def _cmd_import_inbox(args: argparse.Namespace, db_path: Path, group: str | None) -> int:
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


def _write_private(path: Path, data: bytes) -> None:
    """Reports hold children's data: a new file is made 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _cmd_summary(args: argparse.Namespace, db_path: Path) -> int:
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
    if args.out:
        _write_private(args.out, text.encode("utf-8"))
        print(f"summary written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_export_amendments(args: argparse.Namespace, db_path: Path) -> int:
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


def _cmd_config(args: argparse.Namespace, db_path: Path, group: str | None) -> int:
    from triage import settings

    if args.config_command == "ladder":
        from triage.morning.ladder import run_ladder_command

        return run_ladder_command(args, db_path, group)
    with open_store(db_path, group=group) as store:
        if args.config_command == "set":
            value = settings.set_value(store, args.key, args.value)
            print(f"{args.key} = {value}")
            return EXIT_OK
        rows = settings.show(store)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        mark = "*" if row["default"] else " "
        print(f"{row['key']:<22}{mark} {row['value'] or '(empty)':<28} {row['description']}")
    print("* = default")
    from triage.morning.ladder import ladder_text

    with open_store(db_path, create=False) as store:
        default = store.setting("ladder") is None
        print(
            f"\nfirst-day calling ladder{' (default)' if default else ''}"
            " — change it with `triage config ladder edit` or `load FILE`:\n"
        )
        print(ladder_text(store))
    return EXIT_OK


def _cmd_officers(args: argparse.Namespace, db_path: Path, group: str | None) -> int:
    from triage.officers import (
        AccessDenied,
        access_of,
        add_officer,
        list_officers,
        remove_officer,
    )

    with open_store(db_path, group=group) as store:
        if args.officers_command == "list":
            access_of(store)  # an unknown login may not read the list
        elif args.officers_command == "add":
            officer = add_officer(store, args.login, args.role, args.display_name)
            print(f"{officer.login} is now {officer.role}")
        else:
            remove_officer(store, args.login)
            print(f"{args.login} removed")
        if args.officers_command != "list":
            try:
                access_of(store)
            except AccessDenied:
                # Done, and worth saying: e.g. root setting up a team's database.
                print(
                    f"note: {store.officer} is not an officer of this database, so from now"
                    " on cannot use it",
                    file=sys.stderr,
                )
        officers = list_officers(store)
        if args.officers_command == "list":
            if not officers:
                print("no officers recorded: single-user mode (anyone who can open the file)")
            for o in officers:
                name = f" ({o.display_name})" if o.display_name else ""
                print(f"{o.login:<20} {o.role:<8}{name}  added {o.added_at[:10]} by {o.added_by}")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace, db_path: Path) -> int:
    from triage.audit import AUDIT_COLUMNS, audit_trail

    with open_store(db_path, create=False) as store:
        rows = audit_trail(store, pupil=args.pupil, officer=args.officer, since=args.since)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(AUDIT_COLUMNS)
        for row in rows:
            writer.writerow([spreadsheet_safe(_csv_value(row[c])) for c in AUDIT_COLUMNS])
    else:
        console = Console(highlight=False, soft_wrap=True)
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


def _cmd_backup(args: argparse.Namespace, db_path: Path) -> int:
    from triage.store.maintenance import backup

    with open_store(db_path, create=False) as store:
        copied = backup(store, args.dest)
    print(f"backed up {db_path} to {copied}")
    return EXIT_OK


def _cmd_check(db_path: Path) -> int:
    from triage.store.maintenance import check

    with open_store(db_path, create=False) as store:
        problems = check(store)
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        return EXIT_INPUT
    print(f"{db_path}: integrity ok, foreign keys ok")
    return EXIT_OK


def _cmd_open(args: argparse.Namespace, db_path: Path) -> int:
    from screens.app import run_app

    return run_app(db_path, args.date, args.session)  # refuses a missing or unusable file


def _cmd_demo(args: argparse.Namespace) -> int:
    from triage.demo_school import build_demo_database, demo_db_path, demo_morning

    on = args.date or demo_morning(date.today())
    path = getattr(args, "db", None) or demo_db_path(on)
    build_demo_database(path, on)
    print(f"demo school built in {path}", file=sys.stderr)
    if args.no_open:
        return EXIT_OK
    from screens.app import run_app

    return run_app(path, on, None)


if __name__ == "__main__":
    sys.exit(main())
