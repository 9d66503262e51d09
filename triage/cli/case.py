"""The case commands of ``triage``: parsing and printing only; the record is read by
:mod:`triage.casework.chronology` and the alerts by :mod:`triage.casework.alerts`.

- ``triage case UPN [--date D] [--format text|json]``: the case summary, as the case
  screen shows it.
- ``triage alerts [--date D] [--open] [--format text|csv|json]``: every alert on a day,
  in the order an officer should look at them.
- ``triage chronology UPN [--from D] [--to D] [--format markdown|html] [--out FILE]``: the
  dated record for a referral, newest last.

``--date``/``--to`` default to today if it has marks, else the latest day with marks.
Errors are :class:`triage.casework.chronology.CaseError` (a ValueError) or ``StoreError``, one line
each; the CLI's ``main`` prints them and exits 1. CSV cells go through
:func:`triage.sanitise.spreadsheet_safe`; files are written 0600 (children's data).

The Rich renderables that lay out a case (:func:`figures_text`, :func:`grid_text`,
:func:`thresholds_text`, …) are shared with the case screen, so the terminal and the
command line show a case the same way.

JSON shapes (stable): ``case`` is :func:`triage.casework.chronology.case_as_dict`; ``alerts`` is
``{"date", "alerts": [{kind, label, upn, name, year, reg_group, stage, arose_on, message,
acknowledged_by, acknowledged_at}], "counts": {kind: n}}``; the CSV has the same columns
as each alert (:data:`ALERT_COLUMNS`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.text import Text

from triage import rules
from triage.casework import alerts, cases, chronology
from triage.casework.chronology import CaseError, CaseSummary
from triage.model import year_label
from triage.sanitise import spreadsheet_safe
from triage.store import Store, open_store

ALERT_COLUMNS = (
    "kind",
    "label",
    "upn",
    "name",
    "year",
    "reg_group",
    "stage",
    "arose_on",
    "message",
    "acknowledged_by",
    "acknowledged_at",
)

CELL_STYLES = {
    cases.Cell.PRESENT: "green",
    cases.Cell.APPROVED: "cyan",
    cases.Cell.AUTHORISED: "yellow",
    cases.Cell.UNAUTHORISED: "bold red",
    cases.Cell.NOT_POSSIBLE: "dim",
    cases.Cell.NO_MARK: "magenta",
    cases.Cell.NOT_SCHOOL_DAY: "dim",
}


CASE_COMMANDS = ("case", "alerts", "chronology")


def run_case_command(args: argparse.Namespace, db_path: Path) -> int:
    """Run ``case``, ``alerts`` or ``chronology``; returns the exit code (0)."""
    with open_store(db_path, create=False) as store:
        if args.command == "case":
            return _case(store, args)
        if args.command == "alerts":
            return _alerts(store, args)
        if args.command == "chronology":
            return _chronology(store, args)
    raise CaseError(f"{args.command!r} is not a case command")


def _as_of(store: Store, given: date | None) -> date:
    from triage.morning.queue import NoMarksError, default_date

    if given is not None:
        return given
    try:
        return default_date(store)
    except NoMarksError as exc:
        raise CaseError(str(exc)) from exc


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """A new or replaced file readable by its owner only (0600; 0660 for a team's folder,
    see :func:`triage.store.folder_for_records`): children's data."""
    path = path.expanduser()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    except OSError as exc:
        raise CaseError(f"cannot write {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        os.fchmod(fh.fileno(), mode)  # an existing file keeps its mode otherwise
        fh.write(text)


# --- triage case ---------------------------------------------------------------------------


def _case(store: Store, args: argparse.Namespace) -> int:
    pupil = chronology.find_pupil(store, args.upn)
    case = chronology.load_case(store, pupil.id, _as_of(store, getattr(args, "date", None)))
    if args.case_format == "json":
        print(json.dumps(chronology.case_as_dict(case), indent=2, ensure_ascii=False))
        return 0
    console = Console(highlight=False, soft_wrap=False)
    for renderable in case_text(case):
        console.print(renderable)
    return 0


def _dmy(d: date | None) -> str:
    return "—" if d is None else f"{d:%d/%m/%Y}"


def grid_text(grid: cases.Grid) -> Text:
    """The register picture: one row a school week, AM and PM a day, with a legend."""
    text = Text("week of     Mon Tue Wed Thu Fri\n", style="bold")
    for week in grid.weeks:
        text.append(f"{week.monday:%d/%m/%Y}  ")
        for am, pm in week.cells:
            text.append(am.char, style=CELL_STYLES[am.kind])
            text.append(pm.char, style=CELL_STYLES[pm.kind])
            text.append("  ")
        codes = Counter(
            c.code
            for pair in week.cells
            for c in pair
            if c.code and c.kind not in (cases.Cell.PRESENT, cases.Cell.NOT_SCHOOL_DAY)
        )
        if codes:
            text.append(" ".join(f"{k}×{n}" for k, n in sorted(codes.items())), style="dim")
        if week.after_break:
            text.append("  after a break", style="dim italic")
        text.append("\n")
    if not grid.weeks:
        text.append("no school days on record\n", style="dim")
    for char, meaning in grid.legend:
        kind = cases.Cell(meaning)
        text.append(char, style=CELL_STYLES[kind])
        text.append(f" {meaning}  ")
    return text


FIGURES_HEADINGS = ("possible", "present", "authorised", "unauthorised", "attendance")


def figures_text(case: CaseSummary) -> Text:
    """This term and this school year: possible, present, authorised, unauthorised, %.

    Laid out as a Rich ``Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))`` lays it
    out when it has the room (headings in bold, a space between columns, the figures to
    the right), but as plain Text: a table costs a few milliseconds each time it is
    measured and painted, and the case screen opens on it."""
    rows = []
    for label, s in (("This term", case.term), ("This school year", case.year)):
        pct = "—" if s.percent is None else f"{s.percent:.1f}%"
        values = [str(s.possible), str(s.attending), str(s.authorised), str(s.unauthorised), pct]
        rows.append((label, values, _badge(s)[1]))
    first = max(len(label) for label, _values, _style in rows)
    widths = [
        max(len(heading), *(len(values[i]) for _label, values, _style in rows))
        for i, heading in enumerate(FIGURES_HEADINGS)
    ]
    text = Text()
    text.append(" " * first, style="bold")
    for heading, width in zip(FIGURES_HEADINGS, widths, strict=True):
        text.append(" " + heading.rjust(width), style="bold")
    for label, values, style in rows:
        text.append("\n" + label.ljust(first))
        *numbers, pct = values
        for value, width in zip(numbers, widths, strict=False):
            text.append(" " + value.rjust(width))
        text.append(" " * (widths[-1] - len(pct) + 1))
        text.append(pct, style=style)
    return text


def _badge(s) -> tuple[str, str]:
    if s.severe_absence:
        return "SEVERE ABSENCE (missing 50% or more)", "bold red"
    if s.persistent_absence:
        return "PERSISTENT ABSENCE (missing 10% or more)", "bold yellow"
    return "", ""


def badges_text(case: CaseSummary) -> Text:
    """The persistent/severe absence badges, for this term and this school year."""
    found: dict[str, list[str]] = {}
    for label, s in (("this term", case.term), ("this school year", case.year)):
        badge, _style = _badge(s)
        if badge:
            found.setdefault(badge, []).append(label)
    text = Text()
    for badge, periods in found.items():
        text.append(badge.split(" (")[0], style=_STYLE_OF[badge.split(" (")[0]])
        text.append(f" {' and '.join(periods)} ({badge.split(' (')[1]}  ")
    return text


_STYLE_OF = {"SEVERE ABSENCE": "bold red", "PERSISTENT ABSENCE": "bold yellow"}


def thresholds_text(case: CaseSummary) -> Text:
    text = Text(
        f"Term from {case.term_start:%d/%m/%Y}, year from {case.year_start:%d/%m/%Y}"
        " (present: in school or at approved off-site activity)\n",
        style="dim",
    )
    rolling = case.rolling_unauthorised
    style = "bold red" if rolling >= rules.PENALTY_NOTICE_SESSIONS else ""
    text.append("Unauthorised sessions in the rolling 10 school weeks: ")
    text.append(f"{rolling} of {rules.PENALTY_NOTICE_SESSIONS}", style=style)
    days = case.consecutive_days
    style = "bold red" if days >= rules.MISSING_EDUCATION_DAYS else ""
    text.append("\nConsecutive school days of unauthorised absence: ")
    text.append(f"{days} of {rules.MISSING_EDUCATION_DAYS}", style=style)
    text.append("\nN marks older than 5 school days: ")
    if case.overdue_n:
        oldest = case.overdue_n[0]
        text.append(
            f"{len(case.overdue_n)} (oldest {oldest.date:%d/%m/%Y} {oldest.session})",
            style="bold yellow",
        )
    else:
        text.append("none")
    return text


def patterns_text(case: CaseSummary) -> Text:
    p = case.patterns
    text = Text(f"Missed sessions this term (from {case.term_start:%d/%m/%Y}): ")
    text.append("  ".join(f"{d} {n}" for d, n in zip(cases.WEEKDAYS, p.by_weekday, strict=True)))
    text.append(f"   AM {p.by_session.get('AM', 0)}  PM {p.by_session.get('PM', 0)}\n")
    if p.callout:
        text.append(p.callout, style="bold")
    else:
        text.append("No weekday or session stands out.", style="dim")
    return text


def stage_text(case: CaseSummary) -> Text:
    text = Text("Stage: ")
    text.append(case.stage, style="bold")
    if case.stage_since is not None:
        text.append(f" since {_dmy(case.stage_since)} ({case.days_at_stage} days)")
    else:
        text.append(" (never changed)")
    text.append(f" · review {_dmy(case.next_review)}")
    if case.next_review is not None and case.next_review <= case.on:
        text.append(" (due)", style="bold yellow")
    if case.suggestion is not None:
        text.append(" · suggested: ")
        text.append(case.suggestion.stage, style="bold magenta")
    return text


def case_text(case: CaseSummary) -> list:
    """What ``triage case`` prints, in order (Rich renderables; text never as markup)."""
    from triage.casework.chronology import flags_of

    p = case.pupil
    title = Text(p.display_name, style="bold")
    title.append(f"  UPN {p.upn}  Year {year_label(p.year_group)} {p.reg_group or ''}")
    flags = flags_of(p)
    if flags:
        title.append("  " + " ".join(flags), style="bold red")
    if p.date_left:
        title.append(f"  left {_dmy(p.date_left)}", style="dim")
    title.append(f"\n{case.school} · as on {case.on:%A %d %B %Y}", style="dim")
    out: list = [title, stage_text(case)]
    if case.suggestion is not None:
        out.append(Text(f"Suggested because: {case.suggestion.reason}", style="dim"))
    out += [Text(""), figures_text(case), badges_text(case), thresholds_text(case)]
    out.append(Text("\nAlerts", style="bold"))
    if case.alerts:
        for a in case.alerts:
            line = Text(f"  {a.label} (arose {_dmy(a.arose_on)}): ", style="bold")
            line.append(a.message, style="")
            if a.acknowledged:
                line.append(f" — acknowledged by {a.acknowledged.officer}", style="dim")
            out.append(line)
    else:
        out.append(Text("  none"))
    out.append(Text("\nThe register, last 12 school weeks", style="bold"))
    out.append(grid_text(case.grid))
    out.append(Text(""))
    out.append(patterns_text(case))
    out.append(Text("\nContacts", style="bold"))
    for c in case.contacts:
        line = Text(f"  {c.priority}. {c.name} ({c.relationship or 'contact'})")
        line.append(f"  {' / '.join(c.numbers) or c.email or 'no number'}")
        if c.parental_responsibility:
            line.append("  PR", style="bold")
        out.append(line)
    if not case.contacts:
        out.append(Text("  none on file"))
    if case.siblings:
        out.append(Text("\nSiblings", style="bold"))
        for s in case.siblings:
            line = Text(f"  {s.display_name}  {s.upn}  Year {year_label(s.year_group)}")
            line.append(f" {s.reg_group or ''}  {s.stage}")
            if not s.on_roll(case.on):
                line.append("  (left)", style="dim")
            out.append(line)
    out.append(Text("\nTimeline (newest first)", style="bold"))
    for e in case.timeline:
        line = Text(f"  {e.when:%d/%m/%Y %H:%M}  {e.officer:<14} ")
        line.append(e.text)
        out.append(line)
    if not case.timeline:
        out.append(Text("  nothing recorded yet"))
    return out


# --- triage alerts -------------------------------------------------------------------------


def alert_rows(store: Store, on: date, only_open: bool = False) -> list[dict[str, object]]:
    found = alerts.alerts_for(store, on)
    if only_open:
        found = [a for a in found if a.acknowledged is None]
    pupils = {p.id: p for p in store.pupils({a.pupil_id for a in found})} if found else {}
    rows = []
    for a in found:
        p = pupils[a.pupil_id]
        d = chronology.alert_as_dict(a)
        rows.append(
            {
                "kind": d["kind"],
                "label": d["label"],
                "upn": p.upn,
                "name": p.display_name,
                "year": year_label(p.year_group),
                "reg_group": p.reg_group,
                "stage": p.stage,
                "arose_on": d["arose_on"],
                "message": d["message"],
                "acknowledged_by": d["acknowledged_by"],
                "acknowledged_at": d["acknowledged_at"],
            }
        )
    return rows


def alerts_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ALERT_COLUMNS)
    for row in rows:
        writer.writerow(
            [spreadsheet_safe("" if row[c] is None else str(row[c])) for c in ALERT_COLUMNS]
        )
    return out.getvalue()


def _alerts(store: Store, args: argparse.Namespace) -> int:
    on = _as_of(store, getattr(args, "date", None))
    rows = alert_rows(store, on, args.open)
    counts = dict(Counter(str(r["kind"]) for r in rows))
    if args.alerts_format == "json":
        print(
            json.dumps(
                {"date": on.isoformat(), "alerts": rows, "counts": counts},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if args.alerts_format == "csv":
        sys.stdout.write(alerts_csv(rows))
        return 0
    console = Console(highlight=False, soft_wrap=True)
    unacknowledged = sum(1 for r in rows if r["acknowledged_by"] is None)
    console.print(
        Text(
            f"{len(rows)} alert(s) on {on:%A %d %B %Y}, {unacknowledged} not yet acknowledged",
            style="bold",
        )
    )
    kind = None
    for r in rows:
        if r["kind"] != kind:
            kind = r["kind"]
            console.print(Text(f"\n{r['label']} ({counts[str(kind)]})", style="bold"))
        line = Text(f"  {r['name']}  {r['upn']}  {r['year']} {r['reg_group'] or ''}  ")
        line.append(f"{r['stage']}  arose {date.fromisoformat(str(r['arose_on'])):%d/%m/%Y}")
        if r["acknowledged_by"]:
            line.append(f"  (acknowledged by {r['acknowledged_by']})", style="dim")
        console.print(line)
        console.print(Text(f"    {r['message']}", style="dim"))
    return 0


# --- triage chronology ---------------------------------------------------------------------


def _chronology(store: Store, args: argparse.Namespace) -> int:
    pupil = chronology.find_pupil(store, args.upn)
    until = _as_of(store, args.to_date)
    record = chronology.build_chronology(store, pupil.id, until, args.from_date)
    text = chronology.render(record, args.chronology_format)
    if args.out:
        write_private(args.out, text)
        print(f"chronology written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
