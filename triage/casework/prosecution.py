"""Prosecution under section 444 of the Education Act 1996: the court, its hearings and the
outcome, kept on the case's ``prosecution_referral`` action (an Enforce action: a lead
records them).

A hearing is the court and a date (one to come is fine: it is listed); there may be
several (adjournments). The outcome ends the prosecution: the action is marked ``done``
with the outcome (:data:`OUTCOMES`), its date, and for a fine the amount. Each is one
``action-status`` change of the action (:func:`triage.casework.cases.set_action_status`):
one transaction, one audit event, taken back by undo.
"""

from __future__ import annotations

from datetime import date

from triage.casework.cases import Action, set_action_status
from triage.dates import dmy
from triage.sanitise import printable
from triage.store import Store
from triage.store import cases as case_rows

PROSECUTION_KIND = "prosecution_referral"
OUTCOMES: dict[str, str] = {
    "fined": "Fined",
    "parenting_order": "Parenting order",
    "conditional_discharge": "Conditional discharge",
    "absolute_discharge": "Absolute discharge",
    "community_order": "Community order",
    "withdrawn": "Withdrawn",
    "not_guilty": "Not guilty",
}


class ProsecutionError(ValueError):
    """A hearing or outcome that cannot be recorded (one clear line)."""


def _text(value: str | None) -> str | None:
    return " ".join(printable(value or "").split()) or None


def _prosecution(store: Store, action_id: int) -> None:
    row = case_rows.action_by_id(store, action_id)
    if row is None or row.kind != PROSECUTION_KIND:
        raise ProsecutionError(f"action {action_id} is not a prosecution referral")


def _not_decided(before: Action) -> None:
    if before.detail.get("outcome"):
        raise ProsecutionError(
            f"the prosecution has its outcome already ({outcome_text(before)}); undo it first"
        )


def record_hearing(
    store: Store, action_id: int, on: date, court: str, note: str | None = None
) -> Action:
    """A hearing at ``court`` on ``on`` (past or listed). Hearings are kept in date order;
    the latest court named is the action's ``court``."""
    _prosecution(store, action_id)
    where = _text(court)
    if not where:
        raise ProsecutionError("name the court (e.g. Riverside Magistrates' Court)")
    hearing = {"on": on.isoformat(), "court": where, "note": _text(note)}

    def check(before: Action) -> None:
        _not_decided(before)
        if on < before.on:
            raise ProsecutionError(f"a hearing ({dmy(on)}) before the referral ({dmy(before.on)})")
        if any(h.get("on") == hearing["on"] for h in before.detail.get("hearings", ())):
            raise ProsecutionError(f"a hearing on {dmy(on)} is recorded already")

    row = case_rows.action_by_id(store, action_id)
    assert row is not None
    return set_action_status(
        store,
        action_id,
        row.status or "open",
        detail=lambda before: {
            "court": where,
            "hearings": sorted(
                [*before.detail.get("hearings", ()), hearing], key=lambda h: str(h["on"])
            ),
        },
        check=check,
    )


def record_outcome(
    store: Store,
    action_id: int,
    outcome: str,
    on: date,
    *,
    fine: int | None = None,
    note: str | None = None,
) -> Action:
    """The prosecution's outcome on ``on``: the action is ``done``. A fine needs its amount
    (whole pounds); no other outcome takes one."""
    _prosecution(store, action_id)
    if outcome not in OUTCOMES:
        raise ProsecutionError(f"{outcome!r} is not an outcome ({', '.join(OUTCOMES)})")
    if outcome == "fined" and (fine is None or fine <= 0):
        raise ProsecutionError("give the fine's amount in pounds")
    if outcome != "fined" and fine is not None:
        raise ProsecutionError(f"{OUTCOMES[outcome].lower()} takes no fine")

    def check(before: Action) -> None:
        _not_decided(before)
        if on < before.on:
            raise ProsecutionError(f"the outcome ({dmy(on)}) is before the referral")

    return set_action_status(
        store,
        action_id,
        "done",
        note=note,
        detail={"outcome": outcome, "outcome_on": on.isoformat(), "fine": fine},
        check=check,
    )


def outcome_text(action: Action) -> str:
    """'Fined £120 on 03/03/2027'; '' with no outcome."""
    key = action.detail.get("outcome")
    if not key:
        return ""
    text = OUTCOMES.get(str(key), str(key))
    if action.detail.get("fine"):
        text += f" £{action.detail['fine']}"
    on = action.detail.get("outcome_on")
    return text + (f" on {dmy(date.fromisoformat(on))}" if on else "")


def hearings_text(action: Action) -> str:
    """'hearings 12/02/2027 (Riverside Magistrates' Court), 05/03/2027 (…)'; '' with none."""
    hearings = action.detail.get("hearings") or ()
    if not hearings:
        return ""
    return "hearings " + ", ".join(
        f"{dmy(date.fromisoformat(h['on']))} ({h['court']})" for h in hearings
    )
