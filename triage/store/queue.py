"""The SQL of the queue's family numbers (:func:`triage.morning.queue.number_families`):
which number each queued pupil's family has for a date and session, and the last number
given out.

Run on the caller's transaction for writes; the domain decides the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from triage.store import Store


def family_numbers(store: Store, on: date, session: str) -> tuple[dict[int, int], int]:
    """(pupil id -> family number, the last number given out) for a date and session."""
    day = on.isoformat()
    numbers = dict(
        store.conn.execute(
            "SELECT pupil_id, number FROM family_numbers WHERE date = ? AND session = ?",
            (day, session),
        ).fetchall()
    )
    row = store.conn.execute(
        "SELECT last_number FROM family_number_counters WHERE date = ? AND session = ?",
        (day, session),
    ).fetchone()
    return numbers, row[0] if row else 0


def save_family_numbers(
    store: Store, on: date, session: str, numbers: Mapping[int, int], last_number: int
) -> None:
    """Keep ``numbers`` (pupil id -> family number) and the last number given out."""
    day = on.isoformat()
    store.conn.executemany(
        "INSERT INTO family_numbers (date, session, pupil_id, number) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (date, session, pupil_id) DO UPDATE SET number = excluded.number",
        [(day, session, pid, number) for pid, number in numbers.items()],
    )
    store.conn.execute(
        "INSERT INTO family_number_counters (date, session, last_number) VALUES (?, ?, ?)"
        " ON CONFLICT (date, session) DO UPDATE"
        " SET last_number = max(last_number, excluded.last_number)",
        (day, session, last_number),
    )
