"""``triage send texts|emails``: the ladder's due texts or emails to every family still to
be reached (:mod:`triage.messages.sending`), from cron or by hand; ``--dry-run`` prints what
would go, to whom, and writes nothing. ``triage send outbox`` lists the session's
messages; ``triage send resolve ID`` takes an officer's word on a message in doubt.

Exit codes: 0 when everything due went (or nothing was due), 1 when a message failed, is
in doubt, or the provider could not be reached (cron mails the officer the output).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from triage.cli.args import EXIT_INPUT, EXIT_OK
from triage.store import Store, StoreError, open_store


def run_send_command(args: argparse.Namespace, db_path: Path) -> int:
    from triage.messages.secrets import SecretError
    from triage.messages.sending import MessageError
    from triage.messages.templates import TemplateError
    from triage.morning.queue import NoMarksError

    try:
        with open_store(db_path, create=False) as store:
            if args.send_command == "resolve":
                return _resolve(store, args)
            if args.send_command == "outbox":
                return _outbox(store, args)
            return _send(store, args)
    except (MessageError, SecretError, TemplateError, NoMarksError) as exc:
        raise StoreError(str(exc)) from exc


def _send(store: Store, args: argparse.Namespace) -> int:
    from triage.dates import long_date
    from triage.messages.sending import plan_messages, send_messages, session_outbox
    from triage.messages.templates import text_parts

    channel = "text" if args.send_command == "texts" else "email"
    plan = plan_messages(store, channel, args.date, args.session, templates_dir=args.templates)
    report = send_messages(store, plan, dry_run=args.dry_run)
    noun = "Texts" if channel == "text" else "Emails"
    heading = f"{noun} due, {long_date(plan.on)} {plan.session} (route: {plan.route})"
    print(heading + (" — dry run: nothing is sent or written" if args.dry_run else ""))
    if args.dry_run:
        for m in plan.to_send:
            parts = f", {text_parts(m.body)} text(s)" if channel == "text" else ""
            print(f"\n  to {m.contact.name} <{m.address}> about {m.forenames}")
            print(f"     step {m.step_key}, template {m.template}{parts}")
            if m.subject is not None:
                print(f"     Subject: {m.subject}")
            for line in m.body.splitlines():
                print(f"     | {line}")
    for r in report.results:
        print(f"  {r.state:<9} {_who(r.message)}: {r.detail}")
    for m in report.not_again:
        print(f"  not again ({m.state}): {m.contact.name} <{m.recipient}> about {m.forenames}")
    for s in plan.skipped:
        who = f"{s.contact_name}: " if s.contact_name else ""
        print(f"  skipped: {s.forenames} — {who}{s.why}")
    for row in report.in_doubt:
        print(
            f"  IN DOUBT #{row.id}: {row.contact_name} <{row.recipient}> ({row.date} {row.session},"
            f" {row.step_key}) may have gone: check, then "
            f"`triage send resolve {row.id} --arrived` or `--not-arrived`"
        )
    if report.stopped:
        print(f"  stopped: {report.stopped}; the rest wait for the next run")
    earlier = sum(
        1
        for row in session_outbox(store, plan.on, plan.session, channel)
        if row.state == "accepted"
    ) - report.count("accepted")
    if args.dry_run:
        print(
            f"{len(plan.to_send)} would be sent, {earlier} sent earlier,"
            f" {len(plan.skipped)} skipped."
        )
        return EXIT_OK
    failed = report.count("failed") + report.count("in_doubt")
    print(
        f"{report.count('accepted')} sent, {failed} not sent, {earlier} sent earlier,"
        f" {len(plan.skipped)} skipped."
    )
    return EXIT_INPUT if failed or report.stopped or report.in_doubt else EXIT_OK


def _who(message: object) -> str:
    from triage.messages.sending import Planned

    if isinstance(message, Planned):
        return f"{message.contact.name} <{message.recipient}> about {message.forenames}"
    return str(message)


def _outbox(store: Store, args: argparse.Namespace) -> int:
    from triage.messages.sending import session_outbox
    from triage.morning.queue import default_date, default_session

    on = args.date or default_date(store)
    session = args.session or default_session(store, on)
    rows = session_outbox(store, on, session)
    print(f"Outbox, {on.isoformat()} {session}: {len(rows)} message(s)")
    for row in rows:
        detail = row.reference if row.state == "accepted" else (row.error or "")
        print(
            f"  #{row.id:<5} {row.state:<9} {row.channel:<5} {row.step_key:<10} "
            f"{row.contact_name or ''} <{row.recipient}> tries {row.tries} {detail}".rstrip()
        )
    return EXIT_OK


def _resolve(store: Store, args: argparse.Namespace) -> int:
    from triage.messages.sending import resolve_in_doubt

    row = resolve_in_doubt(store, args.id, arrived=args.arrived)
    said = "recorded as sent" if row.state == "accepted" else "queued: the next run sends it"
    print(f"message #{row.id} to {row.recipient}: {said}")
    return EXIT_OK
