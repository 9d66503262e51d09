"""The reports for the people above the officer (:mod:`triage.reports.document`) in each
format: text for the terminal, Markdown for an email, CSV for a spreadsheet, JSON for other
tools, and one printable A4 HTML page. The reports screen shows :func:`section_table`, the
same table the text format prints.

- Markdown escapes every value (:func:`triage.casework.letters.markdown_escape`), as the
  summary does.
- CSV is one table: a ``section`` column, then every column of every section (a row fills
  its own); text cells go through :func:`triage.sanitise.spreadsheet_safe`, so none runs as
  a formula. The byte-order mark is added where the file is written (``excel_csv``).
- JSON: ``report``, ``title``, ``school``, ``from``, ``to``, ``names``, ``facts`` and
  ``sections`` (each a list of rows keyed by the columns' stable keys).
- HTML carries the marking "OFFICIAL-SENSITIVE: contains personal data" unless the report
  was made without names, numbers its pages, and draws a section's chart with the summary's
  bar chart (:func:`triage.render.summary_report.bar_chart_svg`: axes from 0%).
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from triage.casework.letters import markdown_escape
from triage.render.html import html_page
from triage.render.summary_report import bar_chart_svg
from triage.reports.document import Column, ReportDoc, Section, Value
from triage.sanitise import spreadsheet_safe

FORMATS = ("text", "markdown", "csv", "json", "html")
MARKING = "OFFICIAL-SENSITIVE: contains personal data"


def cell_text(column: Column, value: Value) -> str:
    """A value as people read it: a float is a percentage (or points, or minutes) to one
    decimal place; no figure is a dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def section_table(section: Section, *, drop_empty: bool = False) -> Table:
    """A section as a Rich table (every cell a Text: names are never markup). With
    ``drop_empty`` (the screen), columns with no value in any row (the meeting's "agreed"
    columns, for paper) are left out."""
    keep = [
        i
        for i, _ in enumerate(section.columns)
        if not drop_empty or any(row[i] not in (None, "") for row in section.rows)
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for i in keep:
        column = section.columns[i]
        table.add_column(
            column.heading, justify="right" if column.numeric else "left", no_wrap=True
        )
    for row in section.rows:
        table.add_row(*(Text(cell_text(section.columns[i], row[i])) for i in keep))
    return table


def facts_table(doc: ReportDoc) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in doc.facts:
        table.add_row(Text(label), Text(value))
    return table


def render(doc: ReportDoc, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc.as_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(doc)
    if fmt == "markdown":
        return _markdown(doc)
    if fmt == "html":
        return _html(doc)
    return _text(doc)


def _plain(*renderables: RenderableType) -> str:
    """Plain text (no colour, no control codes), as wide as the widest table needs: a
    report's columns are never cut or wrapped in a file or a pipe."""
    out = io.StringIO()
    console = Console(
        file=out, width=1000, color_system=None, force_terminal=False, highlight=False
    )
    console.width = max(console.measure(r).maximum for r in renderables)
    for renderable in renderables:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


def _text(doc: ReportDoc) -> str:
    parts: list[RenderableType] = [Text(doc.title, style="bold"), facts_table(doc)]
    for section in doc.sections:
        parts.append(Text(f"\n{section.title}", style="bold"))
        parts.append(section_table(section) if section.rows else Text("  none"))
        if section.note:
            parts.append(Text(section.note))
    return _plain(*parts) + "\n"


def _markdown(doc: ReportDoc) -> str:
    md = markdown_escape
    out = [f"# {md(doc.title)}", "", "| | |", "|---|---|"]
    out += [f"| {md(label)} | {md(value)} |" for label, value in doc.facts]
    for section in doc.sections:
        out += ["", f"## {md(section.title)}", ""]
        if not section.rows:
            out.append("None.")
        else:
            out.append("| " + " | ".join(md(c.heading) for c in section.columns) + " |")
            out.append("|" + "|".join("--:" if c.numeric else "---" for c in section.columns) + "|")
            for row in section.rows:
                cells = (md(cell_text(c, v)) for c, v in zip(section.columns, row, strict=True))
                out.append("| " + " | ".join(cells) + " |")
        if section.note:
            out += ["", md(section.note)]
    return "\n".join(out) + "\n"


def _csv_value(value: Value) -> Value:
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return "" if value is None else value


def _csv(doc: ReportDoc) -> str:
    keys: list[str] = []
    for section in doc.sections:
        keys += [c.key for c in section.columns if c.key not in keys]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", *keys])
    for section in doc.sections:
        for row in section.rows:
            by_key = {c.key: _csv_value(v) for c, v in zip(section.columns, row, strict=True)}
            w.writerow([section.key, *(by_key.get(k, "") for k in keys)])
    return buf.getvalue()


def _html_table(section: Section) -> str:
    head = "".join(f"<th>{escape(c.heading)}</th>" for c in section.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(cell_text(c, v))}</td>'
            if c.numeric
            else f"<td>{escape(cell_text(c, v))}</td>"
            for c, v in zip(section.columns, row, strict=True)
        )
        + "</tr>"
        for row in section.rows
    )
    return f"<table><tr>{head}</tr>{rows}</table>\n"


def _html(doc: ReportDoc) -> str:
    facts = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in doc.facts
    )
    body = [f"<h1>{escape(doc.title)}</h1>", f"<table>{facts}</table>"]
    for section in doc.sections:
        body.append(f"<h2>{escape(section.title)}</h2>")
        if section.chart:
            body.append(bar_chart_svg(section.chart, f"{section.chart_label}; bars start at 0%"))
            body.append('<p class="note">Each bar starts at 0%; its value is printed above it.</p>')
        body.append(_html_table(section) if section.rows else "<p>None.</p>")
        if section.note:
            body.append(f'<p class="note">{escape(section.note)}</p>')
    return html_page(
        doc.title,
        "\n".join(body),
        marking=MARKING if doc.names else None,
        page_numbers=True,
    )
