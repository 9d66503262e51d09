"""The SQL of the outbox (:mod:`triage.messages.sending`): texts and emails written before
they are handed to a provider, and what became of each.

Each function is one statement run on the caller's transaction; the domain opens the
transaction and writes the audit event. A change of state names the state it expects to
find, so two senders never both take the same message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from triage.store import Store
from triage.store.sql import placeholders

QUEUED = "queued"
SENDING = "sending"
ACCEPTED = "accepted"
FAILED = "failed"
IN_DOUBT = "in_doubt"

_COLUMNS = (
    "id, key, date, session, step_key, channel, route, recipient, contact_id, contact_name,"
    " pupil_ids, template, subject, body, state, tries, reference, error, claimed_by,"
    " claimed_at, handed_over_at, finished_at"
)


class OutboxRow(NamedTuple):
    id: int
    key: str
    date: str
    session: str
    step_key: str
    channel: str
    route: str
    recipient: str
    contact_id: int | None
    contact_name: str | None
    pupil_ids: tuple[int, ...]
    template: str
    subject: str | None
    body: str
    state: str
    tries: int
    reference: str | None
    error: str | None
    claimed_by: str | None
    claimed_at: str | None
    handed_over_at: str | None
    finished_at: str | None


class NewMessage(NamedTuple):
    key: str
    on: date
    session: str
    step_key: str
    channel: str
    route: str
    recipient: str
    contact_id: int | None
    contact_name: str | None
    pupil_ids: tuple[int, ...]
    template: str
    subject: str | None
    body: str


def _row(values: Sequence[object]) -> OutboxRow:
    fields = list(values)
    fields[10] = tuple(json.loads(str(fields[10])))
    return OutboxRow(*fields)  # type: ignore[arg-type]


def insert_queued(store: Store, messages: Iterable[NewMessage], at: str) -> list[int]:
    """Write each message ``queued`` unless its key is already in the outbox (a message is
    written once, whatever became of it); the ids of those written."""
    ids: list[int] = []
    for m in messages:
        cur = store.conn.execute(
            "INSERT INTO outbox (key, date, session, step_key, channel, route, recipient,"
            " contact_id, contact_name, pupil_ids, template, subject, body, state, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(key) DO NOTHING",
            (
                m.key,
                m.on.isoformat(),
                m.session,
                m.step_key,
                m.channel,
                m.route,
                m.recipient,
                m.contact_id,
                m.contact_name,
                json.dumps(list(m.pupil_ids)),
                m.template,
                m.subject,
                m.body,
                QUEUED,
                at,
                store.officer,
            ),
        )
        if cur.rowcount == 1 and cur.lastrowid is not None:
            ids.append(cur.lastrowid)
    return ids


def by_keys(store: Store, keys: Sequence[str]) -> dict[str, OutboxRow]:
    if not keys:
        return {}
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE key IN ({placeholders(keys)})", tuple(keys)
    ).fetchall()
    return {r.key: r for r in map(_row, rows)}


def by_id(store: Store, outbox_id: int) -> OutboxRow | None:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    return None if row is None else _row(row)


def in_session(store: Store, on: date, session: str, channel: str | None = None) -> list[OutboxRow]:
    """The session's messages (of one channel when given), oldest first."""
    sql = f"SELECT {_COLUMNS} FROM outbox WHERE date = ? AND session = ?"
    params: list[object] = [on.isoformat(), session]
    if channel is not None:
        sql += " AND channel = ?"
        params.append(channel)
    return [_row(r) for r in store.conn.execute(sql + " ORDER BY id", params).fetchall()]


def in_state(store: Store, state: str) -> list[OutboxRow]:
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = ? ORDER BY id", (state,)
    ).fetchall()
    return [_row(r) for r in rows]


def claim(
    store: Store, outbox_id: int, claimed_by: str, at: str, from_states: Sequence[str]
) -> bool:
    """Take a message to send it (``sending``, one more try), if it is still in one of
    ``from_states``; False when another sender took it first."""
    cur = store.conn.execute(
        "UPDATE outbox SET state = ?, claimed_by = ?, claimed_at = ?, handed_over_at = NULL,"
        f" tries = tries + 1 WHERE id = ? AND state IN ({placeholders(from_states)})",
        (SENDING, claimed_by, at, outbox_id, *from_states),
    )
    return cur.rowcount == 1


def unclaim(store: Store, outbox_id: int, error: str) -> None:
    """Put a message taken to send back in the queue, untried (the provider could not be
    reached, or refused the login: it did not go), keeping why."""
    store.conn.execute(
        "UPDATE outbox SET state = ?, tries = tries - 1, error = ?, claimed_by = NULL,"
        " claimed_at = NULL, handed_over_at = NULL WHERE id = ? AND state = ?",
        (QUEUED, error, outbox_id, SENDING),
    )


def mark_handed_over(store: Store, outbox_id: int, claimed_by: str, at: str) -> None:
    store.conn.execute(
        "UPDATE outbox SET handed_over_at = ? WHERE id = ? AND state = ? AND claimed_by = ?",
        (at, outbox_id, SENDING, claimed_by),
    )


def finish(
    store: Store,
    outbox_id: int,
    state: str,
    at: str,
    *,
    reference: str | None = None,
    error: str | None = None,
    event_id: int | None = None,
    from_state: str = SENDING,
) -> bool:
    """``accepted`` (with the provider's reference and the attempt's event) or ``failed``
    (with its error), from ``from_state``; False when the message was not in it."""
    cur = store.conn.execute(
        "UPDATE outbox SET state = ?, finished_at = ?, reference = ?, error = ?, event_id = ?"
        " WHERE id = ? AND state = ?",
        (state, at, reference, error, event_id, outbox_id, from_state),
    )
    return cur.rowcount == 1


def move(store: Store, outbox_id: int, from_state: str, to_state: str) -> bool:
    """Change a message's state only (back to ``queued``, or to ``in_doubt``)."""
    cur = store.conn.execute(
        "UPDATE outbox SET state = ? WHERE id = ? AND state = ?",
        (to_state, outbox_id, from_state),
    )
    return cur.rowcount == 1
