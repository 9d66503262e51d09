"""Argument types and the parsers of the sub-commands that live in their own modules.

`triage` builds its whole parser at every start (to open the app as much as to run a
command), so this module imports nothing beyond the standard library: the letters and
case modules (with markdown-it behind them) are imported only when their command runs.
Their choices and defaults are written here again; `tests/test_cli.py` holds them equal to
the modules' own (`triage.casework.letters.FORMATS`, `DEFAULT_PERIOD_WEEKS`,
`triage.casework.chronology.FORMATS`).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path

LETTER_FORMATS = ("html", "markdown")  # triage.casework.letters.FORMATS
DEFAULT_PERIOD_WEEKS = 4  # triage.casework.letters.DEFAULT_PERIOD_WEEKS
CHRONOLOGY_FORMATS = ("markdown", "html")  # triage.casework.chronology.FORMATS


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from exc


def time_arg(text: str) -> time:
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time as HH:MM, e.g. 09:30")
    return time(int(m.group(1)), int(m.group(2)))


def add_letter_parser(
    subparsers: argparse._SubParsersAction, parents: Sequence[argparse.ArgumentParser]
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
        "--dated", type=date_arg, metavar="YYYY-MM-DD", help="the letter's date (default today)"
    )
    p.add_argument(
        "--period-weeks",
        type=int,
        default=DEFAULT_PERIOD_WEEKS,
        metavar="N",
        help=f"Notice to Improve: the improvement period in weeks (default {DEFAULT_PERIOD_WEEKS})",
    )
    p.add_argument(
        "--period-start",
        type=date_arg,
        metavar="YYYY-MM-DD",
        help="Notice to Improve: its first day (default the next weekday)",
    )
    p.add_argument("--meeting-date", type=date_arg, metavar="YYYY-MM-DD")
    p.add_argument("--meeting-time", type=time_arg, metavar="HH:MM")
    p.add_argument("--meeting-place", metavar="TEXT", help="default: the school's name")
    p.set_defaults(letter_parser=p)
    return p


def add_case_parsers(
    subparsers: argparse._SubParsersAction, parents: Sequence[argparse.ArgumentParser]
) -> None:
    """``case``, ``alerts`` and ``chronology``. ``--date`` defaults to SUPPRESS so a
    ``triage --date D alerts`` given before the command is kept."""
    case = subparsers.add_parser(
        "case", parents=list(parents), help="a pupil's case: figures, stage, alerts, timeline"
    )
    case.add_argument("upn", metavar="UPN")
    case.add_argument(
        "--date", type=date_arg, default=argparse.SUPPRESS, help="as on this day (YYYY-MM-DD)"
    )
    case.add_argument("--format", dest="case_format", choices=("text", "json"), default="text")

    al = subparsers.add_parser(
        "alerts", parents=list(parents), help="every alert the rules raise on a day"
    )
    al.add_argument("--date", type=date_arg, default=argparse.SUPPRESS, help="the day (YYYY-MM-DD)")
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


def add_ladder_parser(
    config_subparsers: argparse._SubParsersAction, parents: Sequence[argparse.ArgumentParser]
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
    return p
