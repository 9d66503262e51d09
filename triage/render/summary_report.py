"""The end-of-day summary in each output format: text for the terminal, Markdown for an
email, CSV and JSON for other tools, and one self-contained printable HTML page with the
20-day chart as inline SVG (no network, no external assets), made by
:func:`triage.render.html.html_page` with the print stylesheet every page shares.

With ``names=False`` (for summaries that leave the school) no pupil is named: lists become
counts, and the still-unexplained list keeps only year/group and session.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from triage.casework.letters import markdown_escape
from triage.render.html import html_page
from triage.reports.summary import DaySummary
from triage.sanitise import spreadsheet_safe

FORMATS = ("text", "markdown", "csv", "json", "html")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def headline(s: DaySummary) -> list[tuple[str, str]]:
    queued = ", ".join(f"{k} {v}" for k, v in s.queued.items()) or "none"
    return [
        ("Absences queued", queued),
        ("Families contacted", str(s.families_contacted)),
        (
            "Contacts by channel",
            ", ".join(f"{k} {v}" for k, v in s.attempts_by_channel.items()) or "none",
        ),
        ("Reasons obtained", ", ".join(f"{k} {v}" for k, v in s.reasons_by_code.items()) or "none"),
        ("Still unexplained", str(len(s.unexplained))),
        ("Registers not taken", ", ".join(r.label for r in s.registers_not_taken) or "none"),
        ("Callbacks outstanding", str(len(s.callbacks_outstanding))),
        ("Marks recoded", str(s.recodes)),
        ("Stage changes", str(s.stage_changes)),
        ("DSL told (safeguarding step)", str(s.dsl_told)),
        ("Case alerts acknowledged", str(s.alerts_acknowledged)),
        ("Attendance today", _pct(s.attendance_today)),
        ("Same day last week", _pct(s.attendance_same_day_last_week)),
        ("This week", _pct(s.attendance_week)),
        ("This term", _pct(s.attendance_term)),
    ]


def sparkline(values: list[float | None]) -> str:
    """A one-line chart for the terminal and Markdown (lowest to highest of the values)."""
    bars = "▁▂▃▄▅▆▇█"
    real = [v for v in values if v is not None]
    if not real:
        return ""
    low, high = min(real), max(real)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else bars[min(7, int((v - low) / span * 7.999))] for v in values
    )


def _unexplained_lines(s: DaySummary, names: bool) -> list[str]:
    lines = []
    for u in s.unexplained:
        who = f"{u.name} ({u.upn}, {u.year_group})" if names else f"Year/group {u.year_group}"
        tried = "; ".join(u.tried) if names else f"{len(u.tried)} attempt(s)"
        lines.append(f"{who}, {u.session}: {tried or 'no contact attempted'}")
    return lines


def render(s: DaySummary, fmt: str, names: bool = True) -> str:
    if fmt == "json":
        return json.dumps(s.as_json(names), indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(s, names)
    if fmt == "markdown":
        return _markdown(s, names)
    if fmt == "html":
        return _html(s, names)
    return _text(s, names)


def _text(s: DaySummary, names: bool) -> str:
    out = [f"{s.school} — end of day {s.date:%A %d %B %Y}", ""]
    width = max(len(k) for k, _ in headline(s))
    out += [f"  {k:<{width}}  {v}" for k, v in headline(s)]
    out.append(
        f"  {'Last 20 school days':<{width}}  {sparkline([p for _, p in s.last_school_days])}"
    )
    out += ["", "Still unexplained (for tomorrow's home visits or the safeguarding lead):"]
    out += [f"  - {line}" for line in _unexplained_lines(s, names)] or ["  none"]
    if s.callbacks_outstanding:
        out += ["", "Callbacks outstanding:"]
        out += (
            [f"  - {c}" for c in s.callbacks_outstanding]
            if names
            else [f"  {len(s.callbacks_outstanding)}"]
        )
    if s.timeliness:
        out += ["", "First-day calling ladder (minutes after registers closed):"]
        for t in s.timeliness:
            med = "—" if t["median_minutes"] is None else f"{t['median_minutes']:.0f}"
            worst = "—" if t["worst_minutes"] is None else f"{t['worst_minutes']:.0f}"
            line = (
                f"  {t['session']} {t['step']:<16} due {t['due_minutes']:>3}: "
                f"{t['reached']}/{t['families']} reached, median {med}, worst {worst}"
            )
            late, skipped = len(t["late"]), len(t["skipped"])
            if late or skipped:
                line += f"; late {late}, skipped {skipped}"
                if names:
                    line += " (" + "; ".join(t["late"] + t["skipped"]) + ")"
            out.append(line)
    if s.per_officer:
        out += ["", "Work per officer:"]
        for officer, counts in s.per_officer.items():
            out.append(f"  {officer}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    out += ["", f"Celebrate: {len(s.full_attendance)} pupil(s) at 100% this term"]
    if names and s.most_improved:
        out.append("Most improved over the last 4 school weeks:")
        out += [f"  - {i.name}: {i.before:.0f}% → {i.after:.0f}%" for i in s.most_improved]
    return "\n".join(out) + "\n"


def _markdown(s: DaySummary, names: bool) -> str:
    """Every text from outside (the school's name, pupils', officers') is escaped: a name
    can neither format the page nor carry HTML (<script>, <img onerror=…>) or a link into
    it when the Markdown is rendered."""
    md = markdown_escape
    out = [f"# {md(s.school)}: end of day, {s.date:%A %d %B %Y}", "", "| | |", "|---|---|"]
    out += [f"| {k} | {md(v)} |" for k, v in headline(s)]
    out.append(f"| Last 20 school days | {sparkline([p for _, p in s.last_school_days])} |")
    out += ["", "## Still unexplained", ""]
    out += [f"- {md(line)}" for line in _unexplained_lines(s, names)] or ["None."]
    if s.timeliness:
        out += [
            "",
            "## First-day calling ladder",
            "",
            "| session | step | due (min) | reached | median | worst | late | skipped |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for t in s.timeliness:
            late = md("; ".join(t["late"])) if names else str(len(t["late"]))
            skipped = md("; ".join(t["skipped"])) if names else str(len(t["skipped"]))
            median = "—" if t["median_minutes"] is None else f"{t['median_minutes']:.0f}"
            worst = "—" if t["worst_minutes"] is None else f"{t['worst_minutes']:.0f}"
            out.append(
                f"| {t['session']} | {t['step']} | {t['due_minutes']} |"
                f" {t['reached']}/{t['families']} | {median} | {worst} | {late} | {skipped} |"
            )
    if s.per_officer:
        out += [
            "",
            "## Work per officer",
            "",
            "| officer | attempts | recodes | notes |",
            "|---|---|---|---|",
        ]
        for officer, c in s.per_officer.items():
            out.append(
                f"| {md(officer)} | {c.get('attempts', 0)} | {c.get('recodes', 0)} |"
                f" {c.get('notes', 0)} |"
            )
    out += ["", "## Celebrate", "", f"{len(s.full_attendance)} pupil(s) at 100% this term."]
    if names:
        if s.full_attendance:
            out += ["", md(", ".join(s.full_attendance))]
        if s.most_improved:
            out += ["", "Most improved over the last 4 school weeks:", ""]
            out += [f"- {md(i.name)}: {i.before:.0f}% → {i.after:.0f}%" for i in s.most_improved]
    return "\n".join(out) + "\n"


def _csv(s: DaySummary, names: bool) -> str:
    """Rows of (section, item, value): one shape for every figure, easy to filter."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "section", "item", "value"])
    d = s.date.isoformat()
    for session, n in s.queued.items():
        w.writerow([d, "queued", session, n])
    w.writerow([d, "families_contacted", "", s.families_contacted])
    for channel, n in s.attempts_by_channel.items():
        w.writerow([d, "contacts_by_channel", channel, n])
    for code, n in s.reasons_by_code.items():
        w.writerow([d, "reasons_by_code", code, n])
    for key in ("recodes", "stage_changes", "dsl_told", "alerts_acknowledged"):
        w.writerow([d, key, "", getattr(s, key)])
    for key in ("today", "week", "term", "same_day_last_week"):
        value = getattr(s, f"attendance_{key}")
        w.writerow([d, "attendance_percent", key, "" if value is None else value])
    for day, pct in s.last_school_days:
        w.writerow([d, "attendance_by_day", day.isoformat(), "" if pct is None else pct])
    for officer, counts in s.per_officer.items():
        for k, v in sorted(counts.items()):
            w.writerow([d, f"officer_{k}", spreadsheet_safe(officer), v])
    for r in s.registers_not_taken:
        w.writerow([d, "register_not_taken", spreadsheet_safe(f"{r.session} {r.group}"), r.pupils])
    for u in s.unexplained:
        item = spreadsheet_safe(f"{u.name} ({u.upn})") if names else u.year_group
        w.writerow([d, "unexplained", item, u.session])
    w.writerow([d, "full_attendance_count", "", len(s.full_attendance)])
    if names:
        for i in s.most_improved:
            w.writerow([d, "most_improved", spreadsheet_safe(i.name), f"{i.before}->{i.after}"])
    return buf.getvalue()


def chart_svg(points: list[tuple[str, float | None]], width: int = 600, height: int = 160) -> str:
    """A bar chart of attendance by day, as inline SVG (self-contained, printable)."""
    real = [p for _, p in points if p is not None]
    low = min(real + [90.0]) - 2 if real else 0.0
    high = 100.0
    n = max(len(points), 1)
    bar = width / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20}" '
        f'width="{width}" height="{height + 20}" role="img" '
        f'aria-label="Attendance for the last {len(points)} school days">'
    ]
    for i, (label, pct) in enumerate(points):
        if pct is None:
            continue
        h = max(1.0, (pct - low) / (high - low) * height)
        x = i * bar + 2
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
            f'fill="#2b6cb0"><title>{escape(label)}: {pct:.1f}%</title></rect>'
        )
    parts.append(
        f'<text x="0" y="{height + 15}" font-size="11">{escape(points[0][0]) if points else ""}'
        f'</text><text x="{width}" y="{height + 15}" font-size="11" text-anchor="end">'
        f"{escape(points[-1][0]) if points else ''}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _html(s: DaySummary, names: bool) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in headline(s))
    unexplained = "".join(f"<li>{escape(line)}</li>" for line in _unexplained_lines(s, names))
    officers = "".join(
        f"<tr><td>{escape(o)}</td><td>{c.get('attempts', 0)}</td><td>{c.get('recodes', 0)}"
        f"</td><td>{c.get('notes', 0)}</td></tr>"
        for o, c in s.per_officer.items()
    )
    celebrate = f"<p>{len(s.full_attendance)} pupil(s) at 100% this term.</p>"
    if names:
        if s.full_attendance:
            celebrate += f"<p>{escape(', '.join(s.full_attendance))}</p>"
        if s.most_improved:
            celebrate += (
                "<ul>"
                + "".join(
                    f"<li>{escape(i.name)}: {i.before:.0f}% → {i.after:.0f}%</li>"
                    for i in s.most_improved
                )
                + "</ul>"
            )
    chart = chart_svg([(f"{d:%d %b}", p) for d, p in s.last_school_days])
    title = f"{s.school}: end of day, {s.date:%A %d %B %Y}"
    body = f"""<h1>{escape(title)}</h1>
<table>{rows}</table>
<h2>Attendance, last {len(s.last_school_days)} school days</h2>
{chart}
<h2>Still unexplained</h2>
<ul>{unexplained or "<li>None.</li>"}</ul>
<h2>Work per officer</h2>
<table><tr><th>officer</th><th>attempts</th><th>recodes</th><th>notes</th></tr>{officers}</table>
<h2>Celebrate</h2>
{celebrate}
"""
    return html_page(title, body)
