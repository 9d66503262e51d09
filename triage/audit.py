"""Reading the audit trail: who changed what, when, with the before and after values."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from triage.store import Store
from triage.store.audit import audit_events

AUDIT_COLUMNS = ("id", "at", "officer", "action", "entity", "entity_id", "summary", "detail")


def audit_trail(
    store: Store,
    *,
    pupil: str | None = None,
    officer: str | None = None,
    since: date | None = None,
) -> list[dict[str, Any]]:
    """Audit events, oldest first, optionally about one pupil (by UPN), by one officer, or
    from a date. An event is about a pupil when it names the pupil as its subject or lists
    them among the pupils of a family action."""
    pupil_id = None
    if pupil:
        found = store.pupil_by_upn(pupil)
        if found is None:
            raise ValueError(f"no pupil with UPN {pupil}")
        pupil_id = found.id
    rows = []
    for id_, at, who, action, entity, entity_id, detail in audit_events(
        store, officer=officer, since=since
    ):
        parsed = json.loads(detail) if detail else {}
        if pupil_id is not None and not _about_pupil(entity, entity_id, parsed, pupil_id):
            continue
        rows.append(
            {
                "id": id_,
                "at": at,
                "officer": who,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "summary": _summary(action, parsed),
                "detail": parsed,
            }
        )
    return rows


def _about_pupil(entity: str | None, entity_id: str | None, detail: dict, pupil_id: int) -> bool:
    if entity == "pupil" and entity_id == str(pupil_id):
        return True
    return pupil_id in detail.get("pupils", [])


def _summary(action: str, d: dict[str, Any]) -> str:
    if action == "import":
        counts = ", ".join(f"{k} {v}" for k, v in d.get("counts", {}).items())
        return f"{d.get('kind')} from {d.get('file')}: {counts}"
    if action in ("attempt", "reason"):
        recodes = "; ".join(
            f"pupil {r['pupil_id']} {r['date']} {r['session']} {r['before']}→{r['after']}"
            for r in d.get("recodes", [])
        )
        what = f"{d.get('channel', 'reason')}: {d.get('outcome', '')}".strip(": ")
        return f"{what} for pupils {d.get('pupils')}" + (f"; recoded {recodes}" if recodes else "")
    if action == "undo":
        return f"undid their {d.get('action')}"
    if action == "note":
        return "note added"
    if action.startswith("officer") or action == "setting":
        return f"{d.get('before')} → {d.get('after')}"
    return json.dumps(d, ensure_ascii=False, sort_keys=True) if d else ""
