"""The layers around the presentation: the domain (`triage/` but `triage/cli/` and
`triage/render/`) imports neither Rich, Textual nor argparse; the screens draw with
`triage/render/` and never reach into the command line; every printed page is one
`html_page()` with one stylesheet."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from triage.render.html import PRINT_CSS, html_page

ROOT = Path(__file__).resolve().parent.parent
FRONT_ENDS = ("argparse", "rich", "textual")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _domain_files() -> list[Path]:
    triage = ROOT / "triage"
    return [
        p
        for p in sorted(triage.rglob("*.py"))
        if p.relative_to(triage).parts[0] not in ("cli", "render")
    ]


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_domain_module_imports_rich_textual_or_argparse(path: Path) -> None:
    front = {m for m in _imports(path) if m.split(".")[0] in FRONT_ENDS}
    assert front == set()


def test_importing_the_whole_domain_pulls_in_no_front_end() -> None:
    code = (
        "import importlib, pkgutil, sys, triage\n"
        "for m in pkgutil.walk_packages(triage.__path__, 'triage.'):\n"
        "    if not m.name.startswith(('triage.cli', 'triage.render')):\n"
        "        importlib.import_module(m.name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FRONT_ENDS!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "screens").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_screen_imports_the_command_line(path: Path) -> None:
    assert {m for m in _imports(path) if m.startswith("triage.cli")} == set()


def test_the_html_pages_stylesheet_is_rich_free_and_xml_safe() -> None:
    assert _imports(ROOT / "triage" / "render" / "html.py") <= {"__future__", "html"}
    assert "<" not in PRINT_CSS and "&" not in PRINT_CSS  # an XML parser reads the page


def test_an_html_page_escapes_its_title_and_keeps_its_body() -> None:
    page = html_page("<b>Amy & Ben</b>", "<p>kept</p>", body_class="letters")
    assert "<title>&lt;b&gt;Amy &amp; Ben&lt;/b&gt;</title>" in page
    assert '<body class="letters">\n<p>kept</p>\n</body>' in page
    assert "@page { size: A4;" in page and page.startswith("<!DOCTYPE html>\n")
