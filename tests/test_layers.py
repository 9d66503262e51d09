"""The layers of docs/architecture.md, kept by tests rather than by good intentions.

- ``triage/`` is the domain: no Textual, no ``screens``, no Rich and no argparse, except in
  ``triage/render/`` (presentation: Rich and HTML, never Textual) and ``triage/cli/`` (the
  command line, the outermost layer: it parses, prints, and starts the app).
- ``triage/store/`` owns every SQL statement and the database connection: no other module
  (in ``triage/`` or ``screens/``) runs SQL, holds SQL text, touches a ``conn`` or ``db``,
  or imports ``sqlite3``/``sqlite_utils``.
- The domain and the store never import the command line or the presentation layer.
- Types are checked: mypy, configured in pyproject.toml, finds no error in either package.

Each rule is checked on the syntax tree of every module (imports inside functions and
under ``TYPE_CHECKING`` count too), and each checker is itself shown to catch a breach.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|WITH|PRAGMA|BEGIN|COMMIT|"
    r"ROLLBACK|VACUUM|ATTACH)\s"
)
SQL_CALLS = {"execute", "executemany", "executescript"}
DATABASE_ATTRIBUTES = {"conn", "db"}
DATABASE_MODULES = {"sqlite3", "sqlite_utils"}


def modules(folder: str) -> Iterator[Path]:
    yield from sorted((ROOT / folder).rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (``from . import x`` resolved)."""
    found: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def breaches_of_imports(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{rel(path)} imports {name}"
        for name in imported(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def breaches_of_store(path: Path) -> list[str]:
    """SQL or the database used directly, outside the store layer."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        where = f"{rel(path)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in SQL_CALLS | DATABASE_ATTRIBUTES:
            found.append(f"{where} uses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL_TEXT.match(node.value):
                found.append(f"{where} holds SQL text {node.value[:40]!r}")
    found += [
        f"{rel(path)} imports {name}"
        for name in imported(path)
        if name.split(".")[0] in DATABASE_MODULES
    ]
    return found


def domain_modules() -> Iterator[Path]:
    """``triage/`` but for the command line (``cli/``, and ``__main__.py``, which is
    ``python -m triage``: only the command line's entry point) and the presentation."""
    for path in modules("triage"):
        if path.relative_to(ROOT / "triage").parts[0] not in ("cli", "render", "__main__.py"):
            yield path


# --- the rules ----------------------------------------------------------------------------


def test_the_domain_and_the_presentation_never_import_textual_or_the_screens() -> None:
    """The command line is the one part of ``triage/`` that may: it starts the app."""
    below_the_app = [*domain_modules(), *modules("triage/render")]
    breaches = [b for p in below_the_app for b in breaches_of_imports(p, ("textual", "screens"))]
    assert breaches == []


def test_rich_and_argparse_stay_in_the_presentation_and_command_line_layers() -> None:
    breaches = [
        b for p in domain_modules() for b in breaches_of_imports(p, ("rich", "argparse", "click"))
    ]
    assert breaches == []


def test_the_domain_and_the_store_never_import_the_command_line_or_the_presentation() -> None:
    """But for the page template (``triage/render/html.py``, standard library only:
    tests/test_html_page.py), which the domain's documents are written into."""
    template = ("imports triage.render.html", "imports triage.render.html.html_page")
    breaches = [
        b
        for p in domain_modules()
        for b in breaches_of_imports(p, ("triage.cli", "triage.render"))
        if not b.endswith(template)
    ]
    assert breaches == []


def test_importing_the_whole_domain_loads_no_front_end() -> None:
    """What the syntax trees say, checked by Python itself: importing every domain module
    (and whatever they import, however indirectly) loads no Rich, Textual or argparse."""
    code = (
        "import importlib, pkgutil, sys, triage\n"
        "for m in pkgutil.walk_packages(triage.__path__, 'triage.'):\n"
        "    if not m.name.startswith(('triage.cli', 'triage.render', 'triage.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'textual', 'argparse'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


STORE_MAY_IMPORT = ("triage.store", "triage.model", "triage.codes", "triage.dates")


def test_the_store_knows_only_the_plain_records_below_it() -> None:
    """The store returns the records of ``triage.model`` (and numbers, dates, codes): it
    never reaches up into the rules or the work that call it."""
    breaches = [
        f"{rel(p)} imports {name}"
        for p in modules("triage/store")
        for name in imported(p)
        if name.startswith("triage")
        and name != "triage"
        and not any(name == m or name.startswith(m + ".") for m in STORE_MAY_IMPORT)
    ]
    assert breaches == []


def test_the_screens_never_import_the_command_line() -> None:
    breaches = [b for p in modules("screens") for b in breaches_of_imports(p, ("triage.cli",))]
    assert breaches == []


def test_the_presentation_layer_never_imports_the_command_line() -> None:
    breaches = [
        b for p in modules("triage/render") for b in breaches_of_imports(p, ("triage.cli",))
    ]
    assert breaches == []


def test_sql_lives_in_the_store_layer_only() -> None:
    outside = [
        p
        for folder in ("triage", "screens")
        for p in modules(folder)
        if not rel(p).startswith("triage/store/")
    ]
    breaches = [b for p in outside for b in breaches_of_store(p)]
    assert breaches == []


def test_the_store_layer_is_where_the_sql_is() -> None:
    """The other side of the rule above: the checker sees the store's SQL (so a checker
    that saw nothing could not pass the rule by accident)."""
    assert any(breaches_of_store(p) for p in modules("triage/store"))


# --- the checkers catch what they should ---------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "module.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(__name__ + ".ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "import textual\n",
        "from textual.widgets import DataTable\n",
        "def f():\n    from screens.app import TriageApp\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import textual.app\n",
    ],
)
def test_the_import_checker_sees_every_kind_of_import(root_at: Path, source: str) -> None:
    assert breaches_of_imports(write(root_at, source), ("textual", "screens"))


def test_the_import_checker_does_not_mistake_a_longer_name(root_at: Path) -> None:
    assert not breaches_of_imports(write(root_at, "import textualize_other\n"), ("textual",))


@pytest.mark.parametrize(
    "source",
    [
        "def f(store):\n    return store.conn.execute('SELECT 1')\n",
        "def f(conn):\n    conn.executemany('x', [])\n",
        "SQL = '''\n  UPDATE marks SET code = ?'''\n",
        "def f(store):\n    return store.db['pupils']\n",
        "import sqlite3\n",
        "from sqlite_utils import Database\n",
    ],
)
def test_the_store_checker_sees_sql_and_the_database(root_at: Path, source: str) -> None:
    assert breaches_of_store(write(root_at, source))


def test_the_store_checker_leaves_ordinary_words_alone(root_at: Path) -> None:
    source = "MESSAGE = 'Select a pupil first'\nNOTE = 'with the family'\n"
    assert breaches_of_store(write(root_at, source)) == []


# --- types ----------------------------------------------------------------------------------


def test_mypy_finds_no_error_in_the_app() -> None:
    from mypy import api  # installed with the test extra (pyproject.toml)

    config = str(ROOT / "pyproject.toml")
    out, err, status = api.run(
        ["--config-file", config, str(ROOT / "triage"), str(ROOT / "screens")]
    )
    assert status == 0, out + err
