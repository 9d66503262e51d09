"""Reads of the audit trail (the ``events`` table) for :mod:`triage.audit` and the
ladder's acknowledgements. Events are written by :meth:`triage.store.Store.audit`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from triage.store import Store
from triage.store.sql import placeholders


class EventRow(NamedTuple):
    id: int
    at: str
    officer: str
    action: str
    entity: str | None
    entity_id: str | None
    detail: str | None  # JSON text


def audit_events(
    store: Store, *, officer: str | None = None, since: date | None = None
) -> list[EventRow]:
    """Audit events, oldest first, optionally by one officer or from a date."""
    clauses: list[str] = []
    params: list[Any] = []
    if officer:
        clauses.append("officer = ?")
        params.append(officer)
    if since:
        clauses.append("at >= ?")
        params.append(since.isoformat())
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return [
        EventRow(*row)
        for row in store.conn.execute(
            "SELECT id, at, officer, action, entity, entity_id, detail"
            f" FROM events{where} ORDER BY id",
            params,
        )
    ]


def session_acks(
    store: Store, action: str, on: date, session: str, pupil_ids: Iterable[int] | None = None
) -> list[tuple[int, str, str]]:
    """(pupil id, officer, the ``at`` of the detail) of each ``action`` event about a pupil
    whose detail names this date and session, oldest first. Naming ``pupil_ids`` reads
    through the events (entity, entity_id) index; an empty list reads nothing."""
    sql = (
        "SELECT entity_id, officer, json_extract(detail, '$.at') FROM events"
        " WHERE action = ? AND json_extract(detail, '$.date') = ?"
        " AND json_extract(detail, '$.session') = ?"
    )
    params: list[Any] = [action, on.isoformat(), session]
    if pupil_ids is not None:
        ids = [str(p) for p in pupil_ids]  # entity_id is text
        if not ids:
            return []
        sql += f" AND entity = ? AND entity_id IN ({placeholders(ids)})"
        params += ["pupil", *ids]
    return [
        (int(pid), officer, at)
        for pid, officer, at in store.conn.execute(sql + " ORDER BY id", params)
    ]
