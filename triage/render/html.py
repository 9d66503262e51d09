"""One printable HTML page, with one print stylesheet, for everything `triage` prints on
paper: letters home (:func:`triage.casework.letters.render_html`), a pupil's chronology
(:func:`triage.casework.chronology.render_html`) and the end-of-day summary
(:func:`triage.render.summary_report.render`).

A page is self-contained (no scripts, no links, no external assets) and well-formed (every
element closed, so an XML parser reads it). The title is escaped here; the body is HTML
its maker has built with every value from the database escaped.

The stylesheet prints on A4. A letter (``<article class="letter">``) takes a page of its
own and is shown on screen as a sheet of paper (``body_class="letters"``); tables are ruled,
with figures (``td.n``) to the right.
"""

from __future__ import annotations

from html import escape

PRINT_CSS = """\
@page { size: A4; margin: 18mm 20mm; }
html { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.35;
  color: #000; }
body { margin: 0 auto; max-width: 190mm; background: #fff; }
h1 { font-size: 15pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; page-break-after: avoid; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
p, ul, ol { margin: 0 0 3mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; }
th, td { border: 1px solid #777; padding: 1mm 2mm; text-align: left; vertical-align: top; }
td.n { text-align: right; }
tr { page-break-inside: avoid; break-inside: avoid; }
p.note { font-size: 9pt; color: #333; }
p.marking { font-weight: bold; text-align: center; margin: 0 0 3mm; }
a { color: inherit; }
svg { max-width: 100%; height: auto; }
.letter { font-size: 11pt; line-height: 1.4; max-width: 170mm; margin: 0 auto;
  page-break-after: always; break-after: page; }
.letter:last-child { page-break-after: auto; break-after: auto; }
.letter h1 { margin: 0 0 8mm; text-align: right; }
.letter h2 { margin: 5mm 0 2mm; }
.letter table { width: auto; }
.letter th, .letter td { padding: 1mm 3mm; }
@media screen {
  body { padding: 8mm; }
  body.letters { max-width: none; padding: 0; background: #e8e8e8; }
  .letter { background: #fff; padding: 18mm 20mm; margin: 8mm auto;
    box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); }
}
@media print { .letter { box-shadow: none; } }
"""


def _css_string(text: str) -> str:
    """Plain text as a CSS string literal (for ``content:``)."""
    return '"' + "".join(c if c.isalnum() or c in " :-,." else f"\\{ord(c):x} " for c in text) + '"'


def html_page(
    title: str,
    body_html: str,
    *,
    body_class: str | None = None,
    marking: str | None = None,
    page_numbers: bool = False,
) -> str:
    """A complete, self-contained printable page: ``title`` (plain text, escaped here) in
    the head, ``body_html`` (already HTML, its values escaped by its maker) as the body.

    ``marking`` (a protective marking such as "OFFICIAL-SENSITIVE: contains personal data")
    is printed at the top of the page and, on paper, at the head of every sheet;
    ``page_numbers`` numbers the sheets at their foot ("Page 2 of 5", CSS page counters)."""
    body = f'<body class="{escape(body_class, quote=True)}">' if body_class else "<body>"
    if body_html and not body_html.endswith("\n"):
        body_html += "\n"
    extra_css = ""
    if marking:
        extra_css += (
            f"@page {{ @top-center {{ content: {_css_string(marking)}; font-size: 8pt; }} }}\n"
        )
        body_html = f'<p class="marking">{escape(marking)}</p>\n' + body_html
    if page_numbers:
        extra_css += (
            '@page { @bottom-center { content: "Page " counter(page) " of " counter(pages);'
            " font-size: 8pt; } }\n"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        f"<title>{escape(title, quote=True)}</title>\n"
        f"<style>\n{PRINT_CSS}{extra_css}</style>\n"
        "</head>\n"
        f"{body}\n"
        f"{body_html}"
        "</body>\n"
        "</html>\n"
    )
