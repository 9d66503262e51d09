"""The marks to enter back into the MIS: every recode officers made in the app.

The MIS is the register of record, so each reason obtained by phone must be typed into it
(or imported) by the office. This builds that list. By default it holds only recodes not
exported before, and records that they now have been; ``everything=True`` repeats the
whole range. Several recodes of one mark (N → I, then corrected to M) come out as one row,
from the mark's original code to its final one; a mark the MIS already shows with the new
code needs no entry and is left out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from triage.officers import require_writer
from triage.sanitise import spreadsheet_safe
from triage.store import Store, now_iso

COLUMNS = (
    "UPN",
    "Surname",
    "Forename",
    "Date",
    "Session",
    "Original mark",
    "New mark",
    "Reason",
    "Officer",
    "Recorded at",
)


@dataclass(frozen=True)
class Amendment:
    upn: str
    surname: str
    forename: str
    date: str
    session: str
    original: str
    new: str
    reason: str
    officer: str
    recorded_at: str
    recode_ids: tuple[int, ...]

    def row(self) -> list[str]:
        return [
            self.upn,
            self.surname,
            self.forename,
            self.date,
            self.session,
            self.original,
            self.new,
            self.reason,
            self.officer,
            self.recorded_at,
        ]


def pending(
    store: Store,
    *,
    on: date | None = None,
    since: date | None = None,
    everything: bool = False,
) -> list[Amendment]:
    """Amendments for marks on ``on``, or from ``since`` on, or all dates (neither)."""
    clauses = ["r.undone_event_id IS NULL"]
    params: list[str] = []
    if on is not None:
        clauses.append("r.date = ?")
        params.append(on.isoformat())
    elif since is not None:
        clauses.append("r.date >= ?")
        params.append(since.isoformat())
    if not everything:
        clauses.append("r.exported_at IS NULL")
    rows = store.conn.execute(
        "SELECT r.id, r.pupil_id, r.date, r.session, r.old_code, r.new_code, r.reason,"
        " r.officer, r.at, p.upn, p.legal_surname, COALESCE(p.preferred_forename,"
        " p.legal_forename), m.mis_code FROM recodes r JOIN pupils p ON p.id = r.pupil_id"
        " LEFT JOIN marks m ON m.pupil_id = r.pupil_id AND m.date = r.date"
        " AND m.session = r.session"
        f" WHERE {' AND '.join(clauses)} ORDER BY r.date, r.session, p.legal_surname, r.id",
        params,
    ).fetchall()
    by_mark: dict[tuple[int, str, str], list[tuple]] = {}
    for row in rows:
        by_mark.setdefault((row[1], row[2], row[3]), []).append(row)
    result: list[Amendment] = []
    for chain in by_mark.values():
        first, last = chain[0], chain[-1]
        original, new, mis_now = first[4], last[5], last[12]
        if original == new or mis_now == new:
            continue  # reverted, or the MIS already says so: nothing to type in
        result.append(
            Amendment(
                upn=last[9],
                surname=last[10],
                forename=last[11],
                date=last[2],
                session=last[3],
                original=original,
                new=new,
                reason=last[6] or "",
                officer=last[7],
                recorded_at=last[8],
                recode_ids=tuple(r[0] for r in chain),
            )
        )
    return result


def mark_exported(store: Store, amendments: list[Amendment], file_name: str) -> None:
    """Record that these went out, so the next default export leaves them out."""
    ids = [i for a in amendments for i in a.recode_ids]
    if not ids:
        return
    with store.transaction():
        require_writer(store)
        stamp = now_iso()
        store.conn.executemany(
            "UPDATE recodes SET exported_at = ? WHERE id = ? AND exported_at IS NULL",
            [(stamp, i) for i in ids],
        )
        store.audit(
            "export-amendments", "file", file_name, {"rows": len(amendments), "recodes": ids}
        )


def to_csv(amendments: list[Amendment]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows names with accents correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for a in amendments:
        writer.writerow([spreadsheet_safe(v) for v in a.row()])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
