"""Taking back marks that should never have been imported: a file with a wrong date, the
wrong school's export. A lead's job, audited, one transaction; officers' work on every
other mark is untouched.

Chosen by the import that last wrote them (``triage marks imports`` lists the imports) or by
a date (and session). A removed mark an officer had recoded loses that recode with it: the
preview says how many, before anything is removed.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from triage.dates import dmy
from triage.officers import require_lead
from triage.store import Store
from triage.store.imports import delete_marks_matching, marks_matching


class Removal(NamedTuple):
    marks: int
    dates: tuple[date, ...]
    recoded: int  # marks an officer had recoded in the app (the recode goes with them)
    done: bool = False

    def describe(self) -> str:
        days = ", ".join(dmy(d) for d in self.dates[:5]) + (" …" if len(self.dates) > 5 else "")
        verb = "removed" if self.done else "would remove"
        text = f"{verb} {self.marks} mark(s)" + (f" on {days}" if days else "")
        if self.recoded:
            text += f"; {self.recoded} of them recoded by an officer (the recode goes too)"
        return text


def preview(
    store: Store,
    *,
    import_id: int | None = None,
    on: date | None = None,
    session: str | None = None,
) -> Removal:
    """What :func:`remove_marks` would remove; writes nothing."""
    rows = marks_matching(store, import_id=import_id, on=_iso(on), session=session)
    return _removal(rows, done=False)


def remove_marks(
    store: Store,
    *,
    import_id: int | None = None,
    on: date | None = None,
    session: str | None = None,
) -> Removal:
    """Remove the marks an import last wrote, or of a date (and session): a lead only, one
    transaction with one ``marks-removed`` audit event that holds every mark removed."""
    with store.transaction():
        require_lead(store)
        rows = marks_matching(store, import_id=import_id, on=_iso(on), session=session)
        if not rows:
            raise ValueError("no mark matches: nothing was removed")
        delete_marks_matching(store, import_id=import_id, on=_iso(on), session=session)
        store.audit(
            "marks-removed",
            "import" if import_id is not None else "date",
            import_id if import_id is not None else _iso(on),
            {
                "import_id": import_id,
                "date": _iso(on),
                "session": session,
                "marks": [list(r) for r in rows],
            },
        )
    return _removal(rows, done=True)


def _removal(rows: list[tuple[int, str, str, str, str, int]], done: bool) -> Removal:
    days = tuple(sorted({date.fromisoformat(r[1]) for r in rows}))
    return Removal(len(rows), days, sum(1 for r in rows if r[5]), done)


def _iso(on: date | None) -> str | None:
    return None if on is None else on.isoformat()
