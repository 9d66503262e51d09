"""The end-of-day summary in each output format: text for the terminal, Markdown for an
email, CSV and JSON for other tools, and one self-contained printable HTML page with the
20-day chart as inline SVG (no network, no external assets), made by
:func:`triage.render.html.html_page` with the print stylesheet every page shares.

The ladder's timeliness and the 20-day chart are drawn once for the terminal, as Rich
renderables (:func:`timeliness_table`, :func:`attendance_chart`) that the summary screen
shows and the text format prints; Markdown, CSV and HTML each have their own table.

With ``names=False`` (for summaries that leave the school) no pupil is named: lists become
counts, and the still-unexplained list keeps only year/group and session.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from html import escape

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from triage.casework.letters import markdown_escape
from triage.render.html import html_page
from triage.reports.summary import DaySummary, TimelinessRow
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


# --- the 20-day chart ------------------------------------------------------------------

CHART_WIDTH = 40  # cells of the terminal chart's bars


def chart_baseline(values: list[float | None]) -> float:
    """Where the terminal chart's bars start: a round 10% below the lowest day, so that a
    fall of a few points shows; the chart says so on its axis. 0 for a chart with no days."""
    real = [v for v in values if v is not None]
    if not real:
        return 0.0
    return float(max(0, 10 * math.floor(min(real) / 10) - 10))


def _ticks(baseline: float) -> list[float]:
    span = 100.0 - baseline
    step = 5.0 if span <= 20 else 10.0 if span <= 50 else 25.0
    return [baseline + i * step for i in range(int(span / step) + 1)]


def _bar(fraction: float, width: int) -> str:
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])


def attendance_chart(days: list[tuple[date, float | None]], width: int = CHART_WIDTH) -> Text:
    """Attendance by school day for the terminal: one bar per day, its date on the left and
    its value on the right, over an axis in % that states where the bars start."""
    baseline = chart_baseline([p for _, p in days])
    span = 100.0 - baseline
    label_width = 10  # "Mon 23 Nov"
    out = Text()
    out.append(f"Attendance % per school day (bars start at {baseline:.0f}%)\n", style="bold")
    for day, pct in days:
        out.append(f"{day:%a %d %b}".ljust(label_width) + " │")
        if pct is None:
            out.append(" " * width + "   no marks\n", style="dim")
            continue
        bar = _bar((pct - baseline) / span, width)
        out.append(bar.ljust(width))
        out.append(f" {pct:5.1f}%\n")
    ticks = _ticks(baseline)
    positions = [round((t - baseline) / span * width) for t in ticks]
    axis = ["─"] * (width + 1)
    for pos in positions:
        axis[pos] = "┬" if 0 < pos < width else axis[pos]
    axis[0], axis[width] = "└", "┤" if width in positions else "─"
    out.append(" " * label_width + " " + "".join(axis) + "\n")
    labels = [" "] * (width + 6)
    for tick, pos in zip(ticks, positions, strict=True):
        label = f"{tick:.0f}%"
        start = max(0, min(pos - len(label) // 2, width + 6 - len(label)))
        labels[start : start + len(label)] = label
    out.append(" " * (label_width + 1) + "".join(labels).rstrip() + "\n")
    return out


# --- the calling ladder's timeliness ----------------------------------------------------


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def timeliness_table(rows: list[TimelinessRow]) -> Table:
    """Each step of the ladder: when it fell due and how many families were reached on time,
    late, or not at all (the families who no longer needed it are in none)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("Step", no_wrap=True)
    table.add_column("Due", no_wrap=True)
    for heading in ("Families", "On time", "Late", "Not reached"):
        table.add_column(heading, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            Text(r.session),
            Text(r.label),
            Text(r.due_at),
            Text(str(r.families)),
            Text(str(r.on_time)),
            Text(str(len(r.late)), style="bold" if r.late else ""),
            Text(str(len(r.not_reached)), style="bold" if r.not_reached else ""),
        )
    return table


def _timeliness_name_lines(rows: list[TimelinessRow]) -> list[tuple[str, str]]:
    """(family, the steps it was reached late at or not at all): one line per family to
    follow up, rather than every step repeating the same names."""
    late: dict[str, list[str]] = {}
    missed: dict[str, list[str]] = {}
    for r in rows:
        step = f"{r.label} {r.due_at}"
        for family in r.late:
            late.setdefault(f"{family} ({r.session})", []).append(step)
        for family in r.not_reached:
            missed.setdefault(f"{family} ({r.session})", []).append(step)
    out = []
    for family in dict.fromkeys([*missed, *late]):
        what = []
        if family in missed:
            what.append("not reached: " + ", ".join(missed[family]))
        if family in late:
            what.append("late: " + ", ".join(late[family]))
        out.append((family, "; ".join(what)))
    return out


def timeliness_names(rows: list[TimelinessRow]) -> Text:
    """The families to follow up: those reached late or not at all, and at which steps."""
    out = Text()
    for family, steps in _timeliness_name_lines(rows):
        out.append(family, style="bold")
        out.append(f" — {steps}\n")
    return out


def _plain(*renderables: RenderableType, width: int = 100) -> str:
    """Rich renderables as plain text (no colour, no control codes) for the text format."""
    out = io.StringIO()
    console = Console(
        file=out, width=width, color_system=None, force_terminal=False, highlight=False
    )
    for renderable in renderables:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


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
    if s.last_school_days:
        out += ["", _plain(attendance_chart(s.last_school_days))]
    out += ["", "Still unexplained (for tomorrow's home visits or the safeguarding lead):"]
    out += [f"  - {line}" for line in _unexplained_lines(s, names)] or ["  none"]
    if s.visits:
        out += ["", "Home visits:"]
        out += [f"  - {v}" for v in s.visits] if names else [f"  {len(s.visits)}"]
    if s.callbacks_outstanding:
        out += ["", "Callbacks outstanding:"]
        out += (
            [f"  - {c}" for c in s.callbacks_outstanding]
            if names
            else [f"  {len(s.callbacks_outstanding)}"]
        )
    if s.timeliness:
        out += ["", "First-day calling ladder: families reached on time, late, or not at all:"]
        parts: list[RenderableType] = [timeliness_table(s.timeliness)]
        if names:
            parts.append(timeliness_names(s.timeliness))
        out.append(_plain(*parts))
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
            "| session | step | due | families | on time | late | not reached |",
            "|---|---|---|--:|--:|--:|--:|",
        ]
        for t in s.timeliness:
            out.append(
                f"| {t.session} | {md(t.label)} | {t.due_at} | {t.families} | {t.on_time} |"
                f" {len(t.late)} | {len(t.not_reached)} |"
            )
        if names:
            out += [""] + [
                f"- {md(family)}: {md(steps)}"
                for family, steps in _timeliness_name_lines(s.timeliness)
            ]
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
    if s.visits:
        out += ["", "## Home visits", ""]
        out += [f"- {md(v)}" for v in s.visits] if names else [f"{len(s.visits)} visit(s)."]
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
    for t in s.timeliness:
        step = f"{t.session} {t.due_at} {t.label}"
        w.writerow([d, "ladder_families", step, t.families])
        w.writerow([d, "ladder_on_time", step, t.on_time])
        w.writerow([d, "ladder_late", step, len(t.late)])
        w.writerow([d, "ladder_not_reached", step, len(t.not_reached)])
        if names:
            for family in t.late:
                w.writerow([d, "ladder_late_family", step, spreadsheet_safe(family)])
            for family in t.not_reached:
                w.writerow([d, "ladder_not_reached_family", step, spreadsheet_safe(family)])
    for r in s.registers_not_taken:
        w.writerow([d, "register_not_taken", spreadsheet_safe(f"{r.session} {r.group}"), r.pupils])
    for u in s.unexplained:
        item = spreadsheet_safe(f"{u.name} ({u.upn})") if names else u.year_group
        w.writerow([d, "unexplained", item, u.session])
    w.writerow([d, "home_visits", "", len(s.visits)])
    if names:
        for line in s.visits:
            w.writerow([d, "home_visit", spreadsheet_safe(line), ""])
    w.writerow([d, "full_attendance_count", "", len(s.full_attendance)])
    if names:
        for i in s.most_improved:
            w.writerow([d, "most_improved", spreadsheet_safe(i.name), f"{i.before}->{i.after}"])
    return buf.getvalue()


def chart_svg(points: list[tuple[date, float | None]]) -> str:
    """Attendance by school day as an inline SVG bar chart for paper (:func:`bar_chart_svg`)."""
    return bar_chart_svg(
        [(f"{day:%a %d %b}", pct) for day, pct in points],
        f"Attendance % for the last {len(points)} school days; bars start at 0%",
    )


def bar_chart_svg(points: list[tuple[str, float | None]], aria_label: str) -> str:
    """Percentages as an inline SVG bar chart for paper: every bar starts at 0% (its height
    is proportional to its value), the axis is marked 0-100% with its lines, each bar
    carries its value and its label. Black, white and grey only, so it prints."""
    left, top, plot_w, plot_h, bottom = 44, 16, 560, 180, 52
    width, height = left + plot_w + 8, top + plot_h + bottom
    n = max(len(points), 1)
    slot = plot_w / n
    base_y = top + plot_h

    def y_of(pct: float) -> float:
        return base_y - pct / 100 * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="Arial, sans-serif" '
        f'aria-label="{escape(aria_label)}">'
    ]
    for tick in range(0, 101, 25):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{"#000" if tick == 0 else "#bbb"}" stroke-width="{1 if tick == 0 else 0.5}"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">{tick}%</text>'
        )
    parts.append(
        f'<text x="10" y="{top + plot_h / 2:.1f}" font-size="9" text-anchor="middle" '
        f'transform="rotate(-90 10 {top + plot_h / 2:.1f})">Attendance %</text>'
    )
    for i, (label, pct) in enumerate(points):
        x = left + i * slot
        centre = x + slot / 2
        if pct is not None:
            h = pct / 100 * plot_h
            parts.append(
                f'<rect x="{x + 3:.1f}" y="{base_y - h:.1f}" width="{slot - 6:.1f}" '
                f'height="{h:.1f}" fill="#999" stroke="#000" stroke-width="0.5">'
                f"<title>{escape(label)}: {pct:.1f}%</title></rect>"
                f'<text x="{centre:.1f}" y="{base_y - h - 3:.1f}" font-size="8" '
                f'text-anchor="middle">{pct:.1f}</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{base_y + 10:.1f}" font-size="8" text-anchor="end" '
            f'transform="rotate(-45 {centre:.1f} {base_y + 10:.1f})">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _timeliness_html(s: DaySummary, names: bool) -> str:
    if not s.timeliness:
        return ""
    rows = "".join(
        f"<tr><td>{escape(t.session)}</td><td>{escape(t.label)}</td><td>{escape(t.due_at)}</td>"
        f'<td class="n">{t.families}</td><td class="n">{t.on_time}</td>'
        f'<td class="n">{len(t.late)}</td><td class="n">{len(t.not_reached)}</td></tr>'
        for t in s.timeliness
    )
    html = (
        "<h2>First-day calling ladder</h2>\n<table><tr><th>session</th><th>step</th>"
        "<th>due</th><th>families</th><th>on time</th><th>late</th><th>not reached</th></tr>"
        f"{rows}</table>\n"
    )
    lines = _timeliness_name_lines(s.timeliness) if names else []
    if lines:
        html += (
            "<ul>"
            + "".join(
                f"<li><b>{escape(family)}</b>: {escape(steps)}</li>" for family, steps in lines
            )
            + "</ul>\n"
        )
    return html


def _visits_html(s: DaySummary, names: bool) -> str:
    if not s.visits:
        return ""
    if not names:
        return f"<h2>Home visits</h2>\n<p>{len(s.visits)} visit(s).</p>\n"
    items = "".join(f"<li>{escape(v)}</li>" for v in s.visits)
    return f"<h2>Home visits</h2>\n<ul>{items}</ul>\n"


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
    chart = chart_svg(s.last_school_days)
    title = f"{s.school}: end of day, {s.date:%A %d %B %Y}"
    body = f"""<h1>{escape(title)}</h1>
<table>{rows}</table>
<h2>Attendance, last {len(s.last_school_days)} school days</h2>
{chart}
<p class="note">Each bar starts at 0%; its value is printed above it.</p>
<h2>Still unexplained</h2>
<ul>{unexplained or "<li>None.</li>"}</ul>
{_timeliness_html(s, names)}{_visits_html(s, names)}<h2>Work per officer</h2>
<table><tr><th>officer</th><th>attempts</th><th>recodes</th><th>notes</th></tr>{officers}</table>
<h2>Celebrate</h2>
{celebrate}
"""
    return html_page(title, body)
