"""One printable page for letters, chronologies and summaries (triage/render/html.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from triage.render.html import PRINT_CSS, html_page

ROOT = Path(__file__).resolve().parent.parent


def test_the_page_template_needs_only_the_standard_library() -> None:
    """The domain's documents (letters, chronologies) are written into it: it must not
    bring Rich or anything else of the presentation layer with it."""
    tree = ast.parse((ROOT / "triage" / "render" / "html.py").read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "html"}


def test_the_stylesheet_is_xml_safe() -> None:
    assert "<" not in PRINT_CSS and "&" not in PRINT_CSS  # an XML parser reads the page


def test_an_html_page_escapes_its_title_and_keeps_its_body() -> None:
    page = html_page("<b>Amy & Ben</b>", "<p>kept</p>", body_class="letters")
    assert "<title>&lt;b&gt;Amy &amp; Ben&lt;/b&gt;</title>" in page
    assert '<body class="letters">\n<p>kept</p>\n</body>' in page
    assert "@page { size: A4;" in page and page.startswith("<!DOCTYPE html>\n")
