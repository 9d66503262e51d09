"""Sending the ladder's texts and emails from the morning's queue, once each.

Two calls, so that a screen (or ``triage send``) is a thin layer over them:

- :func:`plan_messages` — what would go now: for every family whose ladder has a text (or
  email) step overdue and not done, the message from the school's template with the real
  values, to the priority-1 contact; and the families skipped, with why (a landline, no
  email). It reads only.
- :func:`send_messages` — writes each message to the outbox (``queued``) before it is
  handed to the provider, then records ``accepted`` with the provider's reference and, in
  the same transaction, the attempt on the family's record (so the ladder's timeliness and
  the audit trail see it); or ``failed`` with the provider's error. ``dry_run`` writes
  nothing.

The states and what is promised after a crash are in docs/messages.md: a message is never
sent twice by the app, and one the app cannot be sure about is reported, not resent.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from triage import settings
from triage.codes import NOT_YET_PROVIDED
from triage.dates import local_now, parse_stamp, utc_stamp
from triage.messages import templates
from triage.messages.numbers import for_gateway, for_notify, read_number
from triage.messages.providers import (
    InDoubt,
    NotifyProvider,
    Outgoing,
    Provider,
    Refused,
    SmtpProvider,
    SmtpSettings,
    Unavailable,
)
from triage.messages.secrets import read_secret
from triage.messages.setup import MessageError, text_route
from triage.model import Contact, Family
from triage.morning.ladder import OVERDUE, PENDING
from triage.morning.logbook import record_attempt
from triage.morning.queue import load_morning, load_progress
from triage.officers import require_writer
from triage.sanitise import is_email
from triage.store import Store
from triage.store import outbox as sql
from triage.store.outbox import (
    ACCEPTED,
    FAILED,
    IN_DOUBT,
    QUEUED,
    SENDING,
    NewMessage,
    OutboxRow,
)

CHANNELS = ("text", "email")
SENT_OUTCOME = {"text": "text_sent", "email": "email_sent"}
MAX_TRIES = 3  # a message refused this many times waits for an officer
# A claim older than this is a dead sender's (a message takes seconds; SMTP gives up at 30).
STALE_CLAIM = timedelta(minutes=15)


# --- what would go -------------------------------------------------------------------------


class Planned(NamedTuple):
    """One message that is due, with its real text."""

    key: str  # unique in the outbox: date, session, step, channel, recipient
    family_id: int
    pupil_ids: tuple[int, ...]
    forenames: str
    step_key: str
    channel: str
    route: str  # smtp, gateway or notify
    template: str
    contact: Contact
    recipient: str  # +447… or an email address: what the attempt records
    address: str  # what the provider is given (a gateway's NUMBER@domain)
    subject: str | None
    body: str
    fields: dict[str, str]
    state: str | None = None  # the outbox's state for this key, if it has one

    @property
    def will_send(self) -> bool:
        return self.state in (None, QUEUED, FAILED)


class Skipped(NamedTuple):
    family_id: int
    forenames: str
    contact_name: str
    why: str


class Plan(NamedTuple):
    on: date
    session: str
    channel: str
    route: str
    messages: tuple[Planned, ...]
    skipped: tuple[Skipped, ...]

    @property
    def to_send(self) -> list[Planned]:
        return [m for m in self.messages if m.will_send]


def plan_messages(
    store: Store,
    channel: str,
    on: date | None = None,
    session: str | None = None,
    *,
    now: datetime | None = None,
    templates_dir: Path | None = None,
    family_ids: Collection[int] | None = None,
    early: bool = False,
) -> Plan:
    """What :func:`send_messages` would send now (``now`` naive is local time): for each
    family still to be reached whose ladder has a ``channel`` step overdue and not done,
    the earliest such step's message to the family's priority-1 contact. One message per
    family per run: a later step goes on a later run, once this one is done.

    ``family_ids`` limits it to those families (the queue's send-now on one family);
    ``early`` takes the next step of the channel not done even if it is not due yet (an
    officer's choice to send now, never the bulk send's)."""
    if channel not in CHANNELS:
        raise MessageError(f"channel {channel!r} is not text or email")
    route = text_route(store) if channel == "text" else "smtp"
    moment = now or local_now()
    morning = load_morning(store, on, session, counted=False)
    progress = load_progress(store, morning, moment)
    if templates_dir is not None and not templates_dir.is_dir():
        raise MessageError(f"there is no templates folder {templates_dir}")
    from triage.casework.letters import school_templates_folder  # one folder for both

    folder = templates_dir if templates_dir is not None else school_templates_folder(store)
    chosen = {
        name: templates.load(name, folder)
        for name in (
            (templates.FIRST_TEXT, templates.SECOND_TEXT)
            if channel == "text"
            else (templates.EMAIL,)
        )
    }
    school = settings.get(store, "school_name")
    phone = settings.get(store, "school_phone")
    form = settings.get(store, "sms_gateway_number_form")
    domain = settings.get(store, "sms_gateway_domain")

    planned: list[Planned] = []
    skipped: list[Skipped] = []
    wanted = (OVERDUE, PENDING) if early else (OVERDUE,)
    for family in morning.families:
        if family_ids is not None and family.id not in family_ids:
            continue
        ladder = progress.ladders.get(family.id)
        if ladder is None or ladder.ended:
            continue
        absent = [e for e in family.entries if progress.codes.get(e.pupil.id) == NOT_YET_PROVIDED]
        if not absent:
            continue
        steps = [s for s in ladder.steps if s.pupil_id is None and s.step.kind == channel]
        due = next((s for s in steps if s.state in wanted), None)
        if due is None:
            continue
        contact = _priority_1(family)
        fields = templates.message_fields(
            [e.pupil for e in absent],
            contact,
            morning.date,
            morning.session,
            school_name=school,
            school_phone=phone,
        )
        forenames = fields["forenames"]
        if contact is None:
            skipped.append(Skipped(family.id, forenames, "", "no contact on file"))
            continue
        if channel == "text":
            recipient, why = _mobile_of(contact)
            if recipient is None:
                skipped.append(Skipped(family.id, forenames, contact.name, why))
                continue
            address = (
                for_notify(recipient)
                if route == "notify"
                else f"{for_gateway(recipient, form)}@{domain}"
            )
            template = chosen[
                templates.FIRST_TEXT if steps.index(due) == 0 else templates.SECOND_TEXT
            ]
        else:
            email = (contact.email or "").strip()
            if not email or not is_email(email):
                why = f"no email address ({email})" if email else "no email address"
                skipped.append(Skipped(family.id, forenames, contact.name, why))
                continue
            recipient = address = email.lower()
            template = chosen[templates.EMAIL]
        subject, body = template.render(fields)
        key = "|".join(
            (morning.date.isoformat(), morning.session, due.step.key, channel, recipient)
        )
        planned.append(
            Planned(
                key,
                family.id,
                tuple(e.pupil.id for e in absent),
                forenames,
                due.step.key,
                channel,
                route,
                template.name,
                contact,
                recipient,
                address,
                subject,
                body,
                fields,
            )
        )
    known = sql.by_keys(store, [p.key for p in planned])
    planned = [p._replace(state=known[p.key].state) if p.key in known else p for p in planned]
    return Plan(morning.date, morning.session, channel, route, tuple(planned), tuple(skipped))


def _priority_1(family: Family) -> Contact | None:
    """The family's priority-1 contact (the one the ladder's text step is to): the first
    pupil's lowest-numbered priority, as the queue's Try next shows before any attempt."""
    contacts = sorted(family.entries[0].contacts, key=lambda c: (c.priority, c.id))
    return contacts[0] if contacts else None


def _mobile_of(contact: Contact) -> tuple[str | None, str]:
    """The contact's first UK mobile (+447…), or None and why not."""
    whys: list[str] = []
    for raw in contact.numbers:
        number = read_number(raw)
        if number.mobile is not None:
            return number.mobile, ""
        whys.append(f"{raw} is {number.why}")
    return None, ("; ".join(whys) if whys else "no phone number") + ": not texted"


# --- sending -------------------------------------------------------------------------------


class Result(NamedTuple):
    message: Planned | OutboxRow
    state: str  # accepted, failed or in_doubt
    detail: str  # the provider's reference, or its error


class Report(NamedTuple):
    plan: Plan
    results: tuple[Result, ...]
    not_again: tuple[Planned, ...]  # accepted (or in doubt) before this run: not sent
    in_doubt: tuple[OutboxRow, ...]  # every message waiting for an officer's word
    stopped: str | None = None  # why the batch stopped early (the provider unreachable)
    dry_run: bool = False

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.state == state)


ProviderFactory = Callable[[Store, str], Provider]


def provider_for(store: Store, route: str) -> Provider:
    """The provider of a route, from the settings (its password or key read now, kept only
    in memory)."""
    if route == "notify":
        source = settings.get(store, "notify_key_source")
        if not source:
            raise MessageError("notify_key_source is not set (file:/path or env:NAME)")
        key = read_secret(source, "the Notify API key")
        try:
            return NotifyProvider(
                key,
                settings.get(store, "notify_sms_template_id"),
                settings.get(store, "notify_base_url"),
            )
        except Unavailable as exc:
            raise MessageError(exc.message) from exc
    host = settings.get(store, "smtp_host")
    sender = settings.get(store, "smtp_from")
    if not host or not sender:
        raise MessageError("set smtp_host and smtp_from first (triage config set …)")
    login = settings.get(store, "smtp_login")
    source = settings.get(store, "smtp_password_source")
    if login and not source:
        raise MessageError("smtp_login is set but smtp_password_source is not")
    password = read_secret(source, "the mail server's password") if login else None
    smtp = SmtpSettings(
        host,
        settings.get_int(store, "smtp_port"),
        settings.get(store, "smtp_security"),
        login,
        sender,
    )
    try:
        return SmtpProvider(smtp, password, route)
    except Unavailable as exc:
        raise MessageError(exc.message) from exc


def sender_id() -> str:
    """Who is sending, as a claim records it: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def send_messages(
    store: Store,
    plan: Plan,
    *,
    dry_run: bool = False,
    provider: ProviderFactory = provider_for,
    at: datetime | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> Report:
    """Send the plan's messages that have not gone, once each (see the module's notes).
    A dry run only reports what would go, and writes nothing. ``on_result`` hears each
    message's result as soon as it is recorded (a screen shows it while the rest go)."""
    if dry_run:
        return Report(
            plan,
            (),
            tuple(m for m in plan.messages if not m.will_send),
            tuple(sql.in_state(store, IN_DOUBT)),
            dry_run=True,
        )
    require_writer(store)
    recover_stale(store)
    sending = provider(store, plan.route) if plan.to_send else None
    me = sender_id()
    new = [m for m in plan.messages if m.state is None]
    if new:
        with store.transaction():
            require_writer(store)
            ids = sql.insert_queued(store, (_new(m, plan) for m in new), utc_stamp(at))
            store.audit(
                "messages-queued",
                "outbox",
                None,
                {
                    "date": plan.on.isoformat(),
                    "session": plan.session,
                    "channel": plan.channel,
                    "outbox_ids": ids,
                },
            )
    rows = sql.by_keys(store, [m.key for m in plan.messages])
    results: list[Result] = []
    not_again: list[Planned] = []
    stopped: str | None = None
    try:
        for message in plan.messages:
            row = rows[message.key]
            if row.state in (ACCEPTED, IN_DOUBT, SENDING) or (
                row.state == FAILED and row.tries >= MAX_TRIES
            ):
                not_again.append(message._replace(state=row.state))
                continue
            if stopped is not None or sending is None:
                continue  # left queued for the next run
            result = _send_one(store, sending, message, row, me, at)
            if isinstance(result, str):
                stopped = result
                continue
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        if sending is not None:
            sending.close()
    return Report(
        plan, tuple(results), tuple(not_again), tuple(sql.in_state(store, IN_DOUBT)), stopped
    )


def _new(m: Planned, plan: Plan) -> NewMessage:
    return NewMessage(
        m.key,
        plan.on,
        plan.session,
        m.step_key,
        m.channel,
        m.route,
        m.recipient,
        m.contact.id,
        m.contact.name,
        m.pupil_ids,
        m.template,
        m.subject,
        m.body,
    )


def _send_one(
    store: Store,
    sending: Provider,
    message: Planned,
    row: OutboxRow,
    me: str,
    at: datetime | None,
) -> Result | str:
    """One message: claimed, handed over, and its answer recorded. A string back means the
    provider is unreachable (the message is ``failed``; the batch stops)."""
    with store.transaction():
        # The claim's time is the clock's, whatever ``at`` says: others judge it by theirs.
        if not sql.claim(store, row.id, me, utc_stamp(), (QUEUED, FAILED)):
            return Result(message, SENDING, "taken by another sender")

    def handed_over() -> None:
        with store.transaction():
            sql.mark_handed_over(store, row.id, me, utc_stamp())

    outgoing = Outgoing(row.id, message.address, row.subject, row.body, row.key, message.fields)
    try:
        reference = sending.send(outgoing, handed_over)
    except Refused as exc:
        _failed(store, row, exc.message, at)
        return Result(message, FAILED, exc.message)
    except Unavailable as exc:
        # Not this message's fault: it goes back to the queue, and the try does not count.
        with store.transaction():
            sql.unclaim(store, row.id, exc.message)
            store.audit("message-not-sent", "outbox", row.id, {"error": exc.message})
        return exc.message
    except InDoubt as exc:
        with store.transaction():
            sql.move(store, row.id, SENDING, IN_DOUBT)
            store.audit("message-in-doubt", "outbox", row.id, {"error": exc.message})
        return Result(message, IN_DOUBT, exc.message)
    with store.transaction():
        event_id = _record_sent(store, row, reference, at)
        sql.finish(store, row.id, ACCEPTED, utc_stamp(at), reference=reference, event_id=event_id)
    return Result(message, ACCEPTED, reference)


def _failed(store: Store, row: OutboxRow, error: str, at: datetime | None) -> None:
    with store.transaction():
        sql.finish(store, row.id, FAILED, utc_stamp(at), error=error)
        store.audit("message-failed", "outbox", row.id, {"route": row.route, "error": error})


def _record_sent(store: Store, row: OutboxRow, reference: str, at: datetime | None) -> int:
    """The attempt on the family's record (text/email, "sent", the contact, the number or
    address, who sent it), with the template and the provider's reference in its event."""
    event_id, _plan = record_attempt(
        store,
        row.pupil_ids,
        date.fromisoformat(row.date),
        row.session,
        row.channel,
        SENT_OUTCOME[row.channel],
        row.contact_id,
        row.contact_name,
        row.recipient,
        note=f"sent by {row.route}, template {row.template}, reference {reference}",
        at=at,
        detail={
            "outbox_id": row.id,
            "route": row.route,
            "recipient": row.recipient,
            "template": row.template,
            "reference": reference,
        },
    )
    return event_id


# --- after a crash -------------------------------------------------------------------------


def recover_stale(store: Store, *, now: datetime | None = None) -> list[OutboxRow]:
    """Messages left ``sending`` by a sender that has stopped (its process is gone, or its
    claim is older than :data:`STALE_CLAIM`): one never handed over goes back to
    ``queued`` (it never left); one handed over becomes ``in_doubt`` (it may have gone)
    and waits for an officer. Returns the rows it moved."""
    moment = now or local_now()
    moved: list[OutboxRow] = []
    for row in sql.in_state(store, SENDING):
        if not _sender_gone(row, moment):
            continue
        target = QUEUED if row.handed_over_at is None else IN_DOUBT
        with store.transaction():
            if sql.move(store, row.id, SENDING, target):
                store.audit(
                    "message-recovered",
                    "outbox",
                    row.id,
                    {"to": target, "claimed_by": row.claimed_by, "claimed_at": row.claimed_at},
                )
                moved.append(row._replace(state=target))
    return moved


def _sender_gone(row: OutboxRow, now: datetime) -> bool:
    host, _, pid = (row.claimed_by or "").rpartition(":")
    if row.claimed_at is not None:
        aware = now if now.tzinfo is not None else now.astimezone()
        if aware - parse_stamp(row.claimed_at) > STALE_CLAIM:
            return True
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # alive, another login's
        return False
    return False


def resolve_in_doubt(
    store: Store, outbox_id: int, arrived: bool, *, at: datetime | None = None
) -> OutboxRow:
    """An officer's word on a message in doubt: it arrived (``accepted``, and recorded as
    an attempt now) or it did not (``queued``: the next run sends it)."""
    with store.transaction():
        require_writer(store)
        row = sql.by_id(store, outbox_id)
        if row is None or row.state != IN_DOUBT:
            raise MessageError(f"message {outbox_id} is not in doubt")
        if arrived:
            reference = "confirmed by " + store.officer
            event_id = _record_sent(store, row, reference, at)
            sql.finish(
                store,
                row.id,
                ACCEPTED,
                utc_stamp(at),
                reference=reference,
                event_id=event_id,
                from_state=IN_DOUBT,
            )
        else:
            sql.move(store, row.id, IN_DOUBT, QUEUED)
            store.audit("message-not-arrived", "outbox", row.id, {"recipient": row.recipient})
        found = sql.by_id(store, outbox_id)
    assert found is not None
    return found


def session_outbox(
    store: Store, on: date, session: str, channel: str | None = None
) -> list[OutboxRow]:
    return sql.in_session(store, on, session, channel)


def outbox_rows(store: Store, ids: Sequence[int]) -> list[OutboxRow]:
    return [r for r in (sql.by_id(store, i) for i in ids) if r is not None]
