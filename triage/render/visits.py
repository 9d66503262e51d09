"""The day's home visits as people and other tools read them: a plain-text round, CSV
(through the spreadsheet helpers), JSON, and a printable HTML page per officer."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from triage.render.html import html_page
from triage.sanitise import spreadsheet_safe
from triage.visits.day import DayVisit, VisitDay

MARKING = "OFFICIAL-SENSITIVE"
CSV_COLUMNS = [
    "area", "family", "pupils", "upns", "address", "postcode", "reason", "state",
    "officer", "contacts", "tried",
]  # fmt: skip


def _contacts(v: DayVisit) -> list[str]:
    return [
        ", ".join(part for part in (c.name, c.relationship, *c.numbers) if part) for c in v.contacts
    ]


def as_json(day: VisitDay) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        "session": day.session,
        "areas": [
            {"area": area, "visits": [_visit_json(v) for v in visits]}
            for area, visits in day.rounds
        ],
    }


def _visit_json(v: DayVisit) -> dict[str, Any]:
    row = v.row
    return {
        "visit_id": v.visit_id,
        "family": v.family_number,
        "pupils": [p.identity() for p in v.pupils],
        "address": v.address,
        "postcode": v.postcode,
        "why": v.why,
        "reason": v.reason,
        "safeguarding": v.safeguarding,
        "flags": list(v.flags),
        "days_absent": v.days_absent,
        "state": v.state,
        "officer": v.officer,
        "started_at": row.started_at if row else None,
        "expected_back": row.expected_back if row else None,
        "ended_at": row.ended_at if row else None,
        "outcome": row.outcome if row else None,
        "contacts": [c.as_dict() for c in v.contacts],
        "tried": list(v.tried),
    }


def as_csv(day: VisitDay) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for area, visits in day.rounds:
        for v in visits:
            cells = [
                area,
                str(v.family_number or ""),
                v.names,
                " ".join(p.upn for p in v.pupils),
                v.address or "",
                v.postcode or "",
                v.reason,
                v.state,
                v.officer or "",
                " | ".join(_contacts(v)),
                " | ".join(v.tried),
            ]
            w.writerow([spreadsheet_safe(c) for c in cells])
    return out.getvalue()


def as_text(day: VisitDay, school: str) -> str:
    out = [f"{school} — home visits {day.date:%A %d %B %Y} ({len(day.visits)})", MARKING, ""]
    for area, visits in day.rounds:
        out.append(f"{area}:")
        for v in visits:
            who = f" [{v.officer}]" if v.officer else ""
            out.append(f"  {v.label} — {v.where or 'no address on file'} ({v.state}){who}")
            out.append(f"      {v.reason}")
            out += [f"      contact: {c}" for c in _contacts(v)]
            if v.tried:
                out.append(f"      tried: {'; '.join(v.tried)}")
    if not day.visits:
        out.append("No home visits proposed or planned.")
    return "\n".join(out) + "\n"


def as_html(day: VisitDay, school: str) -> str:
    """One page per officer (CSS page breaks; visits nobody has taken on a page of their
    own), marked OFFICIAL-SENSITIVE, each visit with space to write the outcome."""
    by_officer: dict[str, list[tuple[str, DayVisit]]] = {}
    for area, visits in day.rounds:
        for v in visits:
            by_officer.setdefault(v.officer or "Not yet taken", []).append((area, v))
    pages = []
    for officer, taken in by_officer.items():
        items = "".join(_visit_html(area, v) for area, v in taken)
        pages.append(
            '<section class="letter">'
            f'<p class="note"><b>{MARKING}</b></p>'
            f"<h2>{escape(school)}: home visits, {day.date:%A %d %B %Y}</h2>"
            f"<p>Officer: <b>{escape(officer)}</b> · {len(taken)} visit(s), in round order.</p>"
            f'{items}<p class="note"><b>{MARKING}</b></p></section>'
        )
    if not pages:
        pages.append(f'<p class="note"><b>{MARKING}</b></p><p>No home visits.</p>')
    return html_page(f"Home visits {day.date:%d/%m/%Y}", "\n".join(pages), body_class="letters")


def _visit_html(area: str, v: DayVisit) -> str:
    contacts = "".join(f"<li>{escape(c)}</li>" for c in _contacts(v)) or "<li>none on file</li>"
    tried = escape("; ".join(v.tried)) or "nothing yet"
    return (
        f"<h3>{escape(area)} · {escape(v.label)}</h3>"
        "<table>"
        f"<tr><th>Address</th><td>{escape(v.where or 'no address on file')}</td></tr>"
        f"<tr><th>Why</th><td>{escape(v.reason)}</td></tr>"
        f"<tr><th>Contacts</th><td><ul>{contacts}</ul></td></tr>"
        f"<tr><th>Tried</th><td>{tried}</td></tr>"
        "<tr><th>Outcome</th><td>☐ child seen and safe ☐ parent spoken to, reason: ________"
        " ☐ no answer, card left ☐ concern, DSL told ☐ refused entry"
        "<br>Time out ______ Time back ______ Notes:<br><br><br></td></tr>"
        "</table>"
    )


def dumps(day: VisitDay) -> str:
    return json.dumps(as_json(day), indent=2, ensure_ascii=False)
