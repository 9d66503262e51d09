"""The professionals around a child: the social worker (a child in need, on a child
protection plan, or looked after) and, for a looked-after child, the virtual school.

Working together to improve school attendance: a pupil with a social worker is a first-day
call, and the social worker is told the same day. The ladder's "social worker informed"
step says whom to tell and how (:attr:`triage.model.Professional.reach`). They come from
the roster (``Social Worker Name``, ``Virtual School Contact``…) or are entered on the
case (``p``); one of each role per pupil, the latest winning.
"""

from __future__ import annotations

from collections.abc import Iterable

from triage.model import PROFESSIONAL_ROLES, Professional
from triage.officers import require_writer
from triage.sanitise import is_email, printable
from triage.store import Store, now_iso
from triage.store.professionals import professional, professionals_of, upsert_professionals


def record_professional(
    store: Store,
    pupil_id: int,
    role: str,
    name: str,
    *,
    team: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Professional:
    """Record (or replace) a pupil's social worker or virtual school: one transaction with
    a ``professional`` audit event holding the before and after."""
    if role not in PROFESSIONAL_ROLES:
        raise ValueError(f"{role!r} is not one of {', '.join(PROFESSIONAL_ROLES)}")
    name = " ".join(printable(name).split())
    if not name:
        raise ValueError("a name is needed")

    def clean(value: str | None) -> str | None:
        return " ".join(printable(value or "").split()) or None

    email = clean(email)
    if email and not is_email(email):
        raise ValueError(f"{email!r} is not an email address")
    after = Professional(pupil_id, role, name, clean(team), clean(phone), email)
    with store.transaction():
        require_writer(store)
        before = professional(store, pupil_id, role)
        upsert_professionals(store, [after], now_iso())
        store.audit(
            "professional",
            "pupil",
            pupil_id,
            {"before": before._asdict() if before else None, "after": after._asdict()},
        )
    return after


def professionals_for(store: Store, pupil_ids: Iterable[int]) -> dict[int, list[Professional]]:
    """Each pupil's professionals, social worker first."""
    return professionals_of(store, pupil_ids)
