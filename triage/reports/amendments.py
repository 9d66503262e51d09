"""The marks to enter back into the MIS: every recode officers made in the app.

The MIS is the register of record, so each reason obtained by phone must be typed into it
(or imported) by the office. This builds that list. By default it holds only recodes not
exported before, and records that they now have been; ``everything=True`` repeats the
whole range. Several recodes of one mark (N → I, then corrected to M) come out as one row,
from the mark's original code to its final one; a mark the MIS already shows with the new
code needs no entry and is left out.

``Reason`` is what the MIS is told: the register reason the new code stands for
("Illness (not a medical or dental appointment)"); how the reason was obtained (the call's
outcome, "Spoke to contact — reason given") is kept apart in ``Outcome``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from triage.codes import CODES
from triage.officers import require_writer
from triage.sanitise import excel_csv, spreadsheet_safe
from triage.store import Store, now_iso
from triage.store.reports import RecodeRow, mark_recodes_exported, recodes_to_amend

COLUMNS = (
    "UPN",
    "Surname",
    "Forename",
    "Date",
    "Session",
    "Original mark",
    "New mark",
    "Reason",
    "Outcome",
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
    reason: str  # the register reason of the new code, for the MIS
    outcome: str  # how it was learned: the attempt's outcome, when one was recorded
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
            self.outcome,
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
    rows = recodes_to_amend(store, on=on, since=since, everything=everything)
    by_mark: dict[tuple[int, str, str], list[RecodeRow]] = {}
    for row in rows:
        by_mark.setdefault((row.pupil_id, row.date, row.session), []).append(row)
    result: list[Amendment] = []
    for chain in by_mark.values():
        first, last = chain[0], chain[-1]
        original, new, mis_now = first.old_code, last.new_code, last.mis_code
        if original == new or mis_now == new:
            continue  # reverted, or the MIS already says so: nothing to type in
        result.append(
            Amendment(
                upn=last.upn,
                surname=last.surname,
                forename=last.forename,
                date=last.date,
                session=last.session,
                original=original,
                new=new,
                reason=register_reason(new),
                outcome=last.reason or "",
                officer=last.officer,
                recorded_at=last.at,
                recode_ids=tuple(r.id for r in chain),
            )
        )
    return result


def register_reason(code: str) -> str:
    """The reason a code records, as the MIS lists it: "I" -> "Illness (not a medical or
    dental appointment)" (the national codes' meaning, first letter capitalised)."""
    meaning = CODES[code].meaning if code in CODES else code
    return meaning[:1].upper() + meaning[1:]


def mark_exported(store: Store, amendments: list[Amendment], file_name: str) -> None:
    """Record that these went out, so the next default export leaves them out."""
    ids = [i for a in amendments for i in a.recode_ids]
    if not ids:
        return
    with store.transaction():
        require_writer(store)
        mark_recodes_exported(store, ids, now_iso())
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
    return excel_csv(out.getvalue())
