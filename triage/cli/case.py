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
:func:`triage.sanitise.spreadsheet_safe`; files are written 0600 (children's data) by
:func:`triage.private_files.write_private`.

A case is drawn by :func:`triage.render.case.case_text`: the case screen's header and
panels, so the terminal app and the command line show a case the same way.

JSON shapes (stable): ``case`` is :func:`triage.casework.chronology.case_as_dict`; ``alerts`` is
``{"date", "alerts": [{kind, label, upn, name, year, reg_group, stage, stage_dfe, arose_on, message,
acknowledged_by, acknowledged_at}], "counts": {kind: n}}``; the CSV has the same columns
as each alert (:data:`ALERT_COLUMNS`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from rich.text import Text

from triage.casework import alerts, chronology
from triage.casework.chronology import CaseError
from triage.cli.args import print_csv
from triage.cli.console import people_console
from triage.dates import dmy
from triage.model import year_label
from triage.private_files import write_private
from triage.render.case import case_text
from triage.sanitise import spreadsheet_safe
from triage.settings import stage_names
from triage.store import Store, open_store

ALERT_COLUMNS = (
    "kind",
    "label",
    "upn",
    "name",
    "year",
    "reg_group",
    "stage",
    "stage_dfe",
    "arose_on",
    "message",
    "acknowledged_by",
    "acknowledged_at",
)

CASE_COMMANDS = ("case", "alerts", "chronology")


def run_case_command(args: argparse.Namespace, db_path: Path) -> int:
    """Run ``case``, ``alerts`` or ``chronology`` (``args.command``); returns the exit code
    (0)."""
    with open_store(db_path, create=False) as store:
        if args.command == "case":
            return _case(store, args)
        if args.command == "alerts":
            return _alerts(store, args)
        if args.command == "chronology":
            return _chronology(store, args)
        if args.command == "action-status":
            return _action_status(store, args)
        if args.command == "prosecution":
            return _prosecution(store, args)
    raise CaseError(f"{args.command!r} is not a case command")


def _as_of(store: Store, given: date | None) -> date:
    from triage.morning.queue import NoMarksError, default_date

    if given is not None:
        return given
    try:
        return default_date(store)
    except NoMarksError as exc:
        raise CaseError(str(exc)) from exc


# --- triage case ---------------------------------------------------------------------------


def _case(store: Store, args: argparse.Namespace) -> int:
    pupil = chronology.find_pupil(store, args.upn)
    case = chronology.load_case(store, pupil.id, _as_of(store, getattr(args, "date", None)))
    if args.case_format == "json":
        print(json.dumps(chronology.case_as_dict(case), indent=2, ensure_ascii=False))
        return 0
    console = people_console()
    for renderable in case_text(case):
        console.print(renderable)
    return 0


# --- triage action-status ------------------------------------------------------------------


def _action_status(store: Store, args: argparse.Namespace) -> int:
    """The newest open action of the kind is moved on (the app picks from a list)."""
    from triage.casework import penalties
    from triage.casework.cases import actions_of

    pupil = chronology.find_pupil(store, args.upn)
    open_ones = [
        a for a in penalties.changeable(actions_of(store, pupil.id)) if a.kind == args.kind
    ]
    if not open_ones:
        raise CaseError(f"{pupil.display_name} has no open action of the kind {args.kind!r}")
    action = open_ones[0]
    outcome = penalties.change_status(
        store, action.id, args.status, on=getattr(args, "date", None), note=args.note
    )
    done = outcome.action
    print(f"{done.label} of {dmy(done.on)} for {pupil.display_name}: {args.status}")
    if outcome.next_step:
        print(outcome.next_step)
    return 0


def _prosecution(store: Store, args: argparse.Namespace) -> int:
    """A hearing or the outcome, on the pupil's newest prosecution referral."""
    from triage.casework import prosecution
    from triage.casework.cases import actions_of, describe_action

    pupil = chronology.find_pupil(store, args.upn)
    referrals = actions_of(store, pupil.id, prosecution.PROSECUTION_KIND)
    if not referrals:
        raise CaseError(f"{pupil.display_name} has no prosecution referral recorded")
    if args.prosecution_command == "hearing":
        done = prosecution.record_hearing(store, referrals[0].id, args.on, args.court, args.note)
    else:
        done = prosecution.record_outcome(
            store, referrals[0].id, args.outcome, args.on, fine=args.fine, note=args.note
        )
    print(f"{pupil.display_name}: {describe_action(done)}")
    return 0


# --- triage alerts -------------------------------------------------------------------------


def alert_rows(store: Store, on: date, only_open: bool = False) -> list[dict[str, object]]:
    found = alerts.alerts_for(store, on)
    if only_open:
        found = [a for a in found if a.acknowledged is None]
    pupils = {p.id: p for p in store.pupils({a.pupil_id for a in found})} if found else {}
    names = stage_names(store)
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
                "stage": names.get(p.stage, p.stage),
                "stage_dfe": p.stage,
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
        print_csv(alerts_csv(rows))
        return 0
    console = people_console(soft_wrap=True)
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
