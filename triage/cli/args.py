"""The whole command line's parser: every sub-command's arguments, one beside the other,
each naming the function that runs it (``set_defaults(func=Command("module:function"))``).

`triage` builds its whole parser at every start (to open the app as much as to run a
command), so this module imports nothing beyond the standard library, and a command's
module (with markdown-it, the casework, … behind it) is imported only when its command
runs (:class:`Command`). The choices and defaults that belong to those modules are written
here again; `tests/test_cli.py` holds them equal to the modules' own
(`triage.casework.letters.FORMATS`, `DEFAULT_PERIOD_WEEKS`,
`triage.casework.chronology.FORMATS`) and every :class:`Command` to a function.

Exit codes: 0 success, 1 a problem with the input (a file, the database, a date),
2 a usage error (argparse's own, or :class:`UsageError`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, time
from importlib import import_module
from pathlib import Path

from triage.dates import DateError, parse_clock, parse_date

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
DISTRIBUTION = "attendance-triage"  # the name in pyproject.toml, for its installed version

LETTER_FORMATS = ("html", "markdown")  # triage.casework.letters.FORMATS
DEFAULT_PERIOD_WEEKS = 4  # triage.casework.letters.DEFAULT_PERIOD_WEEKS
CHRONOLOGY_FORMATS = ("markdown", "html")  # triage.casework.chronology.FORMATS

Subparsers = argparse._SubParsersAction


def print_csv(text: str) -> None:
    """A CSV on standard output as a spreadsheet wants it (UTF-8 with a byte-order mark:
    :func:`triage.sanitise.excel_csv`), whether it is piped or redirected to a file."""
    from triage.sanitise import excel_csv

    sys.stdout.flush()
    sys.stdout.buffer.write(excel_csv(text))
    sys.stdout.flush()


class UsageError(Exception):
    """A bad argument value found after parsing (shown like argparse's, exit 2)."""


class Command:
    """A sub-command's function, named ``"module:function"`` and imported when it runs.

    Every command is ``function(args, db_path) -> exit code``: ``db_path`` is ``--db``,
    else ``$TRIAGE_DB``, else the per-user default; a command that may create the
    database reads ``--group`` from ``args``."""

    def __init__(self, target: str) -> None:
        self.module, _, self.name = target.partition(":")

    def function(self) -> Callable[[argparse.Namespace, Path], int]:
        return getattr(import_module(self.module), self.name)

    def __call__(self, args: argparse.Namespace, db_path: Path) -> int:
        return self.function()(args, db_path)

    def __repr__(self) -> str:
        return f"Command({self.module}:{self.name})"


class PrintVersion(argparse.Action):
    """``--version``: ``triage <version>`` from the installed package's metadata, exit 0.
    Read only when asked (importlib.metadata scans the installed packages)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="print the version and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version(DISTRIBUTION)
        except PackageNotFoundError:  # run from a source folder that was never installed
            number = "(version unknown: not installed)"
        print(f"{parser.prog} {number}")
        parser.exit()


def date_arg(text: str) -> date:
    """A date as every command and dialog reads it: dd/mm/yyyy or YYYY-MM-DD
    (:func:`triage.dates.parse_date`)."""
    try:
        return parse_date(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def time_arg(text: str) -> time:
    """A clock time: 09:30, 0930, 9.30, 2:30pm (:func:`triage.dates.parse_clock`)."""
    try:
        return parse_clock(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time as HH:MM, e.g. 09:30") from exc


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` to ``high`` (a number too large for
    the database, or a nonsense one, is a usage error, not a crash)."""

    def parse(text: str) -> int:
        if not (text.strip().isascii() and text.strip().isdigit()) or not (
            low <= int(text) <= high
        ):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse


def seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return value


def session_arg(text: str) -> str:
    session = text.strip().upper()
    if session not in ("AM", "PM"):
        raise argparse.ArgumentTypeError(f"{text!r} is not AM or PM")
    return session


def build_parser() -> argparse.ArgumentParser:
    """``triage [--db FILE] [--date D] [--session S]`` opens the app; ``triage COMMAND …``
    runs a command. Each command's parser is made by its ``add_…_parser`` below."""
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
        help="dd/mm/yyyy or YYYY-MM-DD (default: today if it has marks, else the latest)",
    )
    when.add_argument(
        "--session", type=session_arg, help="AM or PM (default: the latest with marks)"
    )

    parser = argparse.ArgumentParser(
        prog="triage",
        description="Attendance Triage: first-day calling and attendance casework.",
        parents=[common, when],
    )
    parser.add_argument("--version", action=PrintVersion)
    parser.set_defaults(func=Command("triage.cli.app:run_open_command"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_import_parser(sub, [common])
    add_marks_parser(sub, [common])
    add_queue_parser(sub, [common, when])
    add_demo_parser(sub, [common])
    add_officers_parser(sub, [common])
    add_audit_parser(sub, [common])
    add_summary_parser(sub, [common])
    add_report_parser(sub, [common])
    add_export_parser(sub, [common])
    add_letter_parser(sub, [common])
    add_case_parsers(sub, [common])
    add_config_parser(sub, [common])
    add_leave_parsers(sub, [common])
    add_roll_parsers(sub, [common])
    add_maintenance_parsers(sub, [common])
    add_send_parser(sub, [common])
    add_visits_parser(sub, [common])
    return parser


def add_import_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage import KIND FILE...`` or ``triage import --inbox``."""
    p = subparsers.add_parser(
        "import", parents=list(parents), help="import MIS exports (pupils, contacts or marks)"
    )
    p.add_argument("kind", nargs="?", choices=("pupils", "contacts", "marks"))
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--inbox",
        action="store_true",
        help="import what is waiting in the inbox folder once (for cron), instead of FILEs",
    )
    p.add_argument(
        "--settle",
        type=seconds_arg,
        default=2.0,
        metavar="SECONDS",
        help="with --inbox: how long a file must stay unchanged before it is taken",
    )
    p.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    p.add_argument("--encoding", help="the files' text encoding (default: detected)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=Command("triage.cli.imports:run_import_command"))


def add_marks_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage marks imports`` | ``triage marks remove (--import N | --date D) [--yes]``."""
    p = subparsers.add_parser(
        "marks", parents=list(parents), help="the imports, and taking back wrongly imported marks"
    )
    msub = p.add_subparsers(dest="marks_command", metavar="ACTION", required=True)
    msub.add_parser("imports", parents=list(parents), help="the latest imports, with their ids")
    rm = msub.add_parser(
        "remove",
        parents=list(parents),
        help="remove the marks an import last wrote, or of a date (a lead; audited)",
    )
    rm.add_argument(
        "--import",
        dest="import_id",
        type=whole_number(1, 2**62),
        metavar="N",
        help="an import's id",
    )
    rm.add_argument("--date", type=date_arg, help="every mark of this day (dd/mm/yyyy)")
    rm.add_argument("--session", type=session_arg, help="with --date: AM or PM only")
    rm.add_argument("--yes", action="store_true", help="remove them (without: only say what)")
    p.set_defaults(func=Command("triage.cli.marks:run_marks_command"))


def add_queue_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage queue [--date D] [--session S] [--format text|csv|json]``."""
    p = subparsers.add_parser(
        "queue", parents=list(parents), help="print the queue of unexplained absences"
    )
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.set_defaults(func=Command("triage.cli.queue:run_queue_command"))


def add_demo_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage demo [--no-open] [--date D]``."""
    p = subparsers.add_parser(
        "demo", parents=list(parents), help="build a demo school database and open the app on it"
    )
    p.add_argument("--no-open", action="store_true", help="only build the database")
    p.add_argument(
        "--date",
        type=date_arg,
        help="the demo morning (default: the latest weekday up to today)",
    )
    p.set_defaults(func=Command("triage.cli.app:run_demo_command"))


def add_officers_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage officers add LOGIN [--role R] | name LOGIN "Full Name" | list | remove LOGIN``."""
    p = subparsers.add_parser("officers", parents=list(parents), help="who may use this database")
    osub = p.add_subparsers(dest="officers_command", metavar="ACTION", required=True)
    oadd = osub.add_parser(
        "add", parents=list(parents), help="add an officer, or change their role"
    )
    oadd.add_argument("login", help="their login name on this machine")
    oadd.add_argument("--role", choices=("lead", "officer", "viewer"), default="officer")
    oadd.add_argument("--display-name", help="the name to show (default: the login)")
    oname = osub.add_parser(
        "name",
        parents=list(parents),
        help="the full name letters are signed with (your own; a lead: anyone's)",
    )
    oname.add_argument("login", help="their login name on this machine")
    oname.add_argument("full_name", metavar="FULL_NAME", help='e.g. "Priya Shah"')
    osub.add_parser("list", parents=list(parents), help="list the officers")
    orm = osub.add_parser("remove", parents=list(parents), help="remove an officer")
    orm.add_argument("login")
    p.set_defaults(func=Command("triage.cli.officers:run_officers_command"))


def add_audit_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage audit [--pupil UPN] [--officer LOGIN] [--since D] [--format …]``."""
    p = subparsers.add_parser("audit", parents=list(parents), help="print the audit trail")
    p.add_argument("--pupil", metavar="UPN", help="only changes about this pupil")
    p.add_argument("--officer", metavar="LOGIN", help="only changes by this officer")
    p.add_argument("--since", type=date_arg, metavar="DATE")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.set_defaults(func=Command("triage.cli.audit:run_audit_command"))


def add_summary_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage summary [--date D | --from D --to D] [--format …] [--out FILE] [--no-names]``."""
    p = subparsers.add_parser(
        "summary", parents=list(parents), help="the end-of-day summary (for the screen or cron)"
    )
    p.add_argument("--date", type=date_arg, help="the day (default: the latest with marks)")
    p.add_argument("--from", dest="from_date", type=date_arg, metavar="D")
    p.add_argument("--to", dest="to_date", type=date_arg, metavar="D")
    p.add_argument("--format", choices=("text", "markdown", "csv", "json", "html"), default="text")
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (0600)")
    p.add_argument(
        "--no-names", action="store_true", help="counts only: for summaries that leave the school"
    )
    p.set_defaults(func=Command("triage.cli.reports:run_summary_command"))


REPORT_FORMATS = ("text", "markdown", "csv", "json", "html")  # triage.render.reports.FORMATS


def year_group_arg(text: str) -> int:
    """A year group: R (Reception) or 1-13."""
    word = text.strip().lower().removeprefix("year").strip()
    if word in ("r", "reception"):
        return 0
    if word.isdigit() and 1 <= int(word) <= 13:
        return int(word)
    raise argparse.ArgumentTypeError(f"{text!r} is not a year group (R or 1-13)")


def add_report_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage report cohorts|year|tsm|lateness …`` and ``triage report tsm-record FILE``."""
    p = subparsers.add_parser(
        "report", parents=list(parents), help="reports for heads of year, governors and the LA"
    )
    rsub = p.add_subparsers(dest="report", metavar="REPORT", required=True)

    def common_options(r: argparse.ArgumentParser) -> None:
        r.add_argument("--format", choices=REPORT_FORMATS, default="text")
        r.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (0600)")
        r.add_argument(
            "--no-names",
            action="store_true",
            help="no pupil's name or UPN: for reports that leave the school",
        )
        r.set_defaults(func=Command("triage.cli.reports:run_report_command"))

    def period(r: argparse.ArgumentParser, default: str) -> None:
        r.add_argument("--from", dest="from_date", type=date_arg, metavar="D", help=default)
        r.add_argument("--to", dest="to_date", type=date_arg, metavar="D")

    cohorts = rsub.add_parser(
        "cohorts", parents=list(parents), help="attendance by year, group and flag (governors)"
    )
    period(cohorts, "first day (default: the current half-term)")
    common_options(cohorts)
    year = rsub.add_parser("year", parents=list(parents), help="a head of year's week")
    year.add_argument("year_group", type=year_group_arg, metavar="YEAR", help="R or 1-13")
    year.add_argument(
        "--week-of", dest="week_of", type=date_arg, metavar="D", help="default: the latest marks"
    )
    common_options(year)
    tsm = rsub.add_parser(
        "tsm", parents=list(parents), help="the targeting support meeting's list (the LA's)"
    )
    tsm.add_argument("--term", help="autumn-2026, spring-2027, summer-2027 (default: this term)")
    period(tsm, "first day (instead of --term)")
    common_options(tsm)
    late = rsub.add_parser("lateness", parents=list(parents), help="pupils late most often")
    period(late, "first day (default: the current half-term)")
    common_options(late)
    record = rsub.add_parser(
        "tsm-record",
        parents=list(parents),
        help="record what the targeting support meeting agreed (the tsm CSV, filled in)",
    )
    record.add_argument("file", type=Path, metavar="FILE.csv")
    record.add_argument("--date", type=date_arg, help="the day of the meeting (default: today)")
    record.set_defaults(func=Command("triage.cli.reports:run_tsm_record_command"))


def add_export_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage export amendments [--date D | --since D] [--out FILE] [--all]``."""
    p = subparsers.add_parser("export", parents=list(parents), help="files for other systems")
    esub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    amend = esub.add_parser(
        "amendments", parents=list(parents), help="the recodes to enter back into the MIS (CSV)"
    )
    amend.add_argument("--date", type=date_arg, help="marks on this day only")
    amend.add_argument("--since", type=date_arg, help="marks from this day on")
    amend.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    amend.add_argument(
        "--all", action="store_true", help="include those exported before (repeats them)"
    )
    p.set_defaults(func=Command("triage.cli.reports:run_export_command"))


def add_letter_parser(
    subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    """``triage letter TEMPLATE UPN... [options]`` (and ``triage letter --list``)."""
    p = subparsers.add_parser(
        "letter",
        parents=list(parents),
        help="write letters home from a template, one per pupil",
        description=(
            "Write a letter for each pupil from a template (attendance-concern, "
            "meeting-invitation, notice-to-improve, attendance-contract, praise, or the "
            "school's own in the 'templates' folder beside the database), and record a "
            "'letter sent' action on each pupil's case."
        ),
    )
    p.add_argument("template", nargs="?", metavar="TEMPLATE")
    p.add_argument("upns", nargs="*", metavar="UPN")
    p.add_argument(
        "--list", dest="list_templates", action="store_true", help="list templates and fields"
    )
    p.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="default: this folder"
    )
    p.add_argument("--format", dest="letter_format", choices=LETTER_FORMATS, default="html")
    p.add_argument(
        "--templates",
        type=Path,
        metavar="DIR",
        help="the school's templates (default: 'templates' beside the database)",
    )
    p.add_argument(
        "--dated", type=date_arg, metavar="DATE", help="the letter's date (default today)"
    )
    p.add_argument(
        "--period-weeks",
        type=whole_number(1, 52),
        default=DEFAULT_PERIOD_WEEKS,
        metavar="N",
        help=f"Notice to Improve: the improvement period in weeks (default {DEFAULT_PERIOD_WEEKS})",
    )
    p.add_argument(
        "--period-start",
        type=date_arg,
        metavar="DATE",
        help="Notice to Improve: its first day (default the next weekday)",
    )
    p.add_argument("--meeting-date", type=date_arg, metavar="DATE")
    p.add_argument("--meeting-time", type=time_arg, metavar="HH:MM")
    p.add_argument("--meeting-place", metavar="TEXT", help="default: the school's name")
    p.set_defaults(func=Command("triage.cli.letters:run_letter_command"), letter_parser=p)
    return p


def add_case_parsers(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``case``, ``alerts``, ``chronology`` and ``action-status``. ``--date`` defaults to
    SUPPRESS so a ``triage --date D alerts`` given before the command is kept."""
    case = subparsers.add_parser(
        "case", parents=list(parents), help="a pupil's case: figures, stage, alerts, timeline"
    )
    case.add_argument("upn", metavar="UPN")
    case.add_argument(
        "--date", type=date_arg, default=argparse.SUPPRESS, help="as on this day (dd/mm/yyyy)"
    )
    case.add_argument("--format", dest="case_format", choices=("text", "json"), default="text")

    al = subparsers.add_parser(
        "alerts", parents=list(parents), help="every alert the rules raise on a day"
    )
    al.add_argument("--date", type=date_arg, default=argparse.SUPPRESS, help="the day (dd/mm/yyyy)")
    al.add_argument("--open", action="store_true", help="only alerts nobody has acknowledged")
    al.add_argument(
        "--format", dest="alerts_format", choices=("text", "csv", "json"), default="text"
    )

    chron = subparsers.add_parser(
        "chronology",
        parents=list(parents),
        help="a pupil's dated record for a referral (newest last)",
    )
    chron.add_argument("upn", metavar="UPN")
    chron.add_argument(
        "--from", dest="from_date", type=date_arg, metavar="D", help="leave out what is earlier"
    )
    chron.add_argument(
        "--to", dest="to_date", type=date_arg, metavar="D", help="the last day (default: today)"
    )
    chron.add_argument(
        "--format", dest="chronology_format", choices=CHRONOLOGY_FORMATS, default="markdown"
    )
    chron.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (0600)")

    status = subparsers.add_parser(
        "action-status",
        parents=list(parents),
        help="move a pupil's open action on: a Notice to Improve done, a penalty notice paid",
    )
    status.add_argument("upn", metavar="UPN")
    status.add_argument("kind", metavar="KIND", help="the action's kind, e.g. penalty_notice")
    status.add_argument(
        "status",
        metavar="STATUS",
        help=(
            "done, cancelled, open; a penalty notice: issued, declined (--note: the LA's "
            "reason), served, paid_80, paid_160, unpaid, withdrawn"
        ),
    )
    status.add_argument("--note", help="replaces the action's note")
    status.add_argument(
        "--date", type=date_arg, default=argparse.SUPPRESS, help="as on this day (dd/mm/yyyy)"
    )
    pros = subparsers.add_parser(
        "prosecution",
        parents=list(parents),
        help="a prosecution (s444): its hearings and outcome, on the newest referral (a lead)",
    )
    psub = pros.add_subparsers(dest="prosecution_command", metavar="ACTION", required=True)
    hearing = psub.add_parser("hearing", parents=list(parents), help="a hearing (held or listed)")
    hearing.add_argument("upn", metavar="UPN")
    hearing.add_argument("--on", type=date_arg, required=True, metavar="D")
    hearing.add_argument("--court", required=True, help="e.g. Riverside Magistrates' Court")
    hearing.add_argument("--note")
    outcome = psub.add_parser("outcome", parents=list(parents), help="the court's outcome")
    outcome.add_argument("upn", metavar="UPN")
    outcome.add_argument(
        "outcome",
        metavar="OUTCOME",
        help="fined, parenting_order, conditional_discharge, absolute_discharge, "
        "community_order, withdrawn or not_guilty",
    )
    outcome.add_argument("--on", type=date_arg, required=True, metavar="D")
    outcome.add_argument("--fine", type=int, metavar="POUNDS", help="fined: the amount")
    outcome.add_argument("--note")
    for p in (case, al, chron, status, pros):
        p.set_defaults(func=Command("triage.cli.case:run_case_command"))


def add_leave_parsers(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage leave request|decide|list`` and ``triage timetable add|review|notify-la|end|
    list``: leave of absence and part-time timetables (:mod:`triage.cli.leave`)."""
    p = subparsers.add_parser(
        "leave", parents=list(parents), help="leave of absence: requests and decisions"
    )
    lsub = p.add_subparsers(dest="leave_command", metavar="ACTION", required=True)
    req = lsub.add_parser("request", parents=list(parents), help="record a parent's request")
    req.add_argument("upn")
    req.add_argument(
        "--from", dest="first", required=True, metavar="D", help="first day [AM|PM] (AM)"
    )
    req.add_argument("--to", dest="last", required=True, metavar="D", help="last day [AM|PM] (PM)")
    req.add_argument("--reason", required=True, help="why the leave is asked for")
    req.add_argument("--asked-by", required=True, help="the parent who asked")
    req.add_argument(
        "--asked-on", type=date_arg, metavar="D", help="when they asked (default: today)"
    )
    dec = lsub.add_parser(
        "decide", parents=list(parents), help="the head teacher's decision (a lead enters it)"
    )
    dec.add_argument("id", type=int, help="the request's number")
    dec.add_argument("decision", choices=("granted", "refused"))
    dec.add_argument("--by", required=True, help="who decided: the head teacher or delegate")
    dec.add_argument("--on", type=date_arg, metavar="D", help="the day decided (default: today)")
    dec.add_argument("--note", help="a line to keep with the decision")
    lst = lsub.add_parser("list", parents=list(parents), help="list leave requests")
    lst.add_argument("--upn", help="one pupil's only")
    lst.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=Command("triage.cli.leave:run_leave_command"))

    t = subparsers.add_parser("timetable", parents=list(parents), help="part-time timetables (C2)")
    tsub = t.add_subparsers(dest="timetable_command", metavar="ACTION", required=True)
    add = tsub.add_parser("add", parents=list(parents), help="record a part-time timetable")
    add.add_argument("upn")
    add.add_argument("--start", type=date_arg, required=True, metavar="D")
    add.add_argument("--end", type=date_arg, required=True, metavar="D", help="planned end")
    add.add_argument(
        "--review",
        type=date_arg,
        action="append",
        required=True,
        metavar="D",
        help="a review date (repeat for each)",
    )
    add.add_argument("--agreed-with", required=True, help="the parent who agreed")
    add.add_argument("--agreed-on", type=date_arg, required=True, metavar="D")
    add.add_argument("--la-notified", type=date_arg, metavar="D", help="when the LA was told")
    add.add_argument("--note")
    rev = tsub.add_parser("review", parents=list(parents), help="record a review held")
    rev.add_argument("id", type=int)
    rev.add_argument("--on", type=date_arg, required=True, metavar="D")
    rev.add_argument("--note")
    rev.add_argument("--next", type=date_arg, metavar="D", help="the next review date")
    la = tsub.add_parser("notify-la", parents=list(parents), help="the LA was told")
    la.add_argument("id", type=int)
    la.add_argument("--on", type=date_arg, required=True, metavar="D")
    end = tsub.add_parser("end", parents=list(parents), help="the timetable ended")
    end.add_argument("id", type=int)
    end.add_argument("--on", type=date_arg, required=True, metavar="D")
    tl = tsub.add_parser("list", parents=list(parents), help="list part-time timetables")
    tl.add_argument("--upn", help="one pupil's only")
    tl.add_argument("--format", choices=("text", "json"), default="text")
    t.set_defaults(func=Command("triage.cli.leave:run_timetable_command"))


def add_roll_parsers(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage roll grounds|remove|list`` and ``triage cme enquiry|notify|list``: leaving
    the roll and children missing education (:mod:`triage.cli.roll`)."""
    p = subparsers.add_parser(
        "roll", parents=list(parents), help="leaving the roll: deletions on a lawful ground"
    )
    rsub = p.add_subparsers(dest="roll_command", metavar="ACTION", required=True)
    gr = rsub.add_parser(
        "grounds", parents=list(parents), help="the grounds a deletion may give (on a day)"
    )
    gr.add_argument("upn")
    gr.add_argument("--on", type=date_arg, metavar="D", help="the deletion day (default: today)")
    rm = rsub.add_parser(
        "remove", parents=list(parents), help="delete a name from the roll (a lead)"
    )
    rm.add_argument("upn")
    rm.add_argument(
        "ground",
        metavar="GROUND",
        help="other_school, home_education, moved_away, permanent_exclusion, died, "
        "not_continuing, medically_unfit or absence_20_days (see: roll grounds UPN)",
    )
    rm.add_argument("--on", type=date_arg, required=True, metavar="D", help="the deletion day")
    rm.add_argument(
        "--la-told", type=date_arg, required=True, metavar="D", help="when the LA was told"
    )
    rm.add_argument("--how", required=True, help="how the LA was told (email, portal, letter…)")
    rm.add_argument("--reference", help="the local authority's reference")
    rm.add_argument("--school", help="other_school: the school now attended")
    rm.add_argument(
        "--notice-received",
        type=date_arg,
        metavar="D",
        help="home_education: the day the parent's written notice came",
    )
    rm.add_argument("--note")
    rl = rsub.add_parser("list", parents=list(parents), help="list deletions from the roll")
    rl.add_argument("--upn", help="one pupil's only")
    rl.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=Command("triage.cli.roll:run_roll_command"))

    c = subparsers.add_parser(
        "cme", parents=list(parents), help="children missing education: enquiries, the LA told"
    )
    csub = c.add_subparsers(dest="cme_command", metavar="ACTION", required=True)
    en = csub.add_parser("enquiry", parents=list(parents), help="record an enquiry made")
    en.add_argument("upn")
    en.add_argument("--on", type=date_arg, metavar="D", help="the day (default: today)")
    en.add_argument("--by", required=True, choices=("school", "la"), help="whose enquiry")
    en.add_argument("--person", required=True, help="who made it")
    en.add_argument("--contacted", required=True, help="whom: a parent, a school, an agency")
    en.add_argument("--what", required=True, help="what was done and found")
    no = csub.add_parser("notify", parents=list(parents), help="the LA was told (clears the alert)")
    no.add_argument("upn")
    no.add_argument("--on", type=date_arg, metavar="D", help="the day (default: today)")
    no.add_argument("--reference", required=True, help="the local authority's reference")
    no.add_argument("--how", required=True, help="how it was told (email, portal, phone…)")
    no.add_argument("--person", help="who at the local authority")
    no.add_argument("--reply", help="the local authority's reply")
    cl = csub.add_parser("list", parents=list(parents), help="list enquiries and notifications")
    cl.add_argument("--upn", help="one pupil's only")
    cl.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(func=Command("triage.cli.roll:run_cme_command"))


def add_config_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage config show [--format text|json] | set KEY VALUE | ladder …``."""
    p = subparsers.add_parser("config", parents=list(parents), help="show or change the settings")
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    cshow = csub.add_parser("show", parents=list(parents), help="every setting; * marks defaults")
    cshow.add_argument("--format", choices=("text", "json"), default="text")
    cset = csub.add_parser("set", parents=list(parents), help="change a setting (checked first)")
    cset.add_argument("key")
    cset.add_argument("value")
    p.set_defaults(func=Command("triage.cli.config:run_config_command"))
    add_ladder_parser(csub, parents)  # its own func, which wins over config's


def add_ladder_parser(
    config_subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    """``triage config ladder show|edit|load FILE`` (under ``triage config``)."""
    p = config_subparsers.add_parser(
        "ladder",
        parents=list(parents),
        help="the first-day-calling ladder (see docs/ladder.md)",
    )
    lsub = p.add_subparsers(dest="ladder_command", metavar="ACTION", required=True)
    lsub.add_parser("show", parents=list(parents), help="print the ladder as TOML")
    lsub.add_parser("edit", parents=list(parents), help="edit it in $EDITOR (checked first)")
    load = lsub.add_parser("load", parents=list(parents), help="load it from a TOML file")
    load.add_argument("file", type=Path, metavar="FILE")
    lsub.add_parser("reset", parents=list(parents), help="go back to the default ladder")
    p.set_defaults(func=Command("triage.cli.ladder:run_ladder_command"))
    return p


def add_maintenance_parsers(
    subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]
) -> None:
    """``triage backup DEST`` and ``triage check``."""
    backup = subparsers.add_parser(
        "backup", parents=list(parents), help="a consistent copy, safe while others work"
    )
    backup.add_argument("dest", type=Path, metavar="DEST")
    backup.set_defaults(func=Command("triage.cli.maintenance:run_backup_command"))
    check = subparsers.add_parser(
        "check", parents=list(parents), help="integrity and foreign-key checks"
    )
    check.set_defaults(func=Command("triage.cli.maintenance:run_check_command"))


def add_send_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage send texts|emails [--date D] [--session S] [--dry-run] [--templates DIR]``,
    ``triage send outbox [--date D] [--session S]`` and
    ``triage send resolve ID --arrived|--not-arrived`` (docs/messages.md)."""
    p = subparsers.add_parser(
        "send",
        parents=list(parents),
        help="send the ladder's due texts or emails (from cron, or by hand)",
    )
    ssub = p.add_subparsers(dest="send_command", metavar="WHAT", required=True)
    for what, about in (
        ("texts", "the due text step to every family still to be reached"),
        ("emails", "the due email step to every family still to be reached"),
    ):
        q = ssub.add_parser(what, parents=list(parents), help=about)
        q.add_argument("--date", type=date_arg, help="dd/mm/yyyy or YYYY-MM-DD (default: today)")
        q.add_argument("--session", type=session_arg, help="AM or PM (default: the latest)")
        q.add_argument(
            "--dry-run", action="store_true", help="print what would go, to whom; send nothing"
        )
        q.add_argument(
            "--templates",
            type=Path,
            help="the school's templates folder (default: templates beside the database)",
        )
    out = ssub.add_parser(
        "outbox", parents=list(parents), help="what was sent, failed or is in doubt"
    )
    out.add_argument("--date", type=date_arg, help="dd/mm/yyyy or YYYY-MM-DD (default: today)")
    out.add_argument("--session", type=session_arg, help="AM or PM (default: the latest)")
    res = ssub.add_parser(
        "resolve", parents=list(parents), help="say whether a message in doubt arrived"
    )
    res.add_argument("id", type=whole_number(1, 2**62), metavar="ID")
    answer = res.add_mutually_exclusive_group(required=True)
    answer.add_argument("--arrived", action="store_true", help="it arrived: record it as sent")
    answer.add_argument(
        "--not-arrived", action="store_true", help="it did not: the next run sends it"
    )
    p.set_defaults(func=Command("triage.cli.send:run_send_command"))


def add_visits_parser(subparsers: Subparsers, parents: Sequence[argparse.ArgumentParser]) -> None:
    """``triage visits [--date D] [--format text|csv|json|html]``: the day's home visits."""
    p = subparsers.add_parser(
        "visits", parents=list(parents), help="the day's home visits, as a round by area"
    )
    p.add_argument(
        "--date", type=date_arg, help="the day (default: today, or the latest with marks)"
    )
    p.add_argument("--format", choices=("text", "csv", "json", "html"), default="text")
    p.set_defaults(func=Command("triage.cli.visits:run_visits_command"))
