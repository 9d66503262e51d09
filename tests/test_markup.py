"""Text from outside (names, file names, error text) is never read as markup (#15): a pupil
or a file called `[bold]x` shows as written, and a stray `[/]` never crashes a
notification."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.pilot import loaded, make_app, notifications
from triage.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def _notifications_that_may_read_markup(path: Path) -> list[str]:
    """Calls of notify (direct, or handed to call_from_thread) whose message is not a plain
    constant and that do not say markup=False."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        args = node.args
        if isinstance(func, ast.Attribute) and func.attr == "call_from_thread" and args:
            first = args[0]
            if isinstance(first, ast.Attribute) and first.attr == "notify":
                args = args[1:]
            else:
                continue
        elif not (isinstance(func, ast.Attribute) and func.attr == "notify"):
            continue
        message = args[0] if args else None
        constant = isinstance(message, ast.Constant)
        safe = any(
            k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in node.keywords
        )
        if not (constant or safe):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_notification_of_outside_text_says_markup_false() -> None:
    found = [
        f
        for p in sorted((ROOT / "screens").rglob("*.py"))
        for f in _notifications_that_may_read_markup(p)
    ]
    assert found == []


def test_the_checker_sees_a_notification_that_would_read_markup(tmp_path: Path) -> None:
    global ROOT
    module = tmp_path / "screen.py"
    module.write_text(
        "def f(self, exc, name):\n"
        "    self.notify(str(exc))\n"
        "    self.app.call_from_thread(self.notify, f'{name}', severity='error')\n"
        "    self.notify('a constant is fine')\n"
        "    self.notify(str(exc), markup=False)\n"
    )
    saved, ROOT = ROOT, tmp_path
    try:
        assert _notifications_that_may_read_markup(module) == ["screen.py:2", "screen.py:3"]
    finally:
        ROOT = saved


async def test_a_file_named_like_markup_is_reported_as_written(demo_db: Path, tmp_path) -> None:
    """The inbox's report names the file: read as markup, `[bold]` would vanish."""
    with open_store(demo_db, create=False) as s:
        folder = demo_db.parent / "inbox"
        folder.mkdir(exist_ok=True)
        s.set_setting("inbox", str(folder))
    (folder / "Marks [bold]x.csv").write_text("Colour,Size\nred,3\n", encoding="utf-8")
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        app.check_inbox()
        await pilot.pause(0.2)
        app.check_inbox()
        for _ in range(30):
            await pilot.pause(0.1)
            if notifications(app):
                break
        (report,) = [n for n in app._notifications if "Marks [bold]x.csv" in str(n.message)]
        assert report.markup is False  # shown as written, not as bold "Marks x.csv"


def test_the_summarys_markdown_escapes_names_and_never_says_none(tmp_path: Path) -> None:
    """A pupil called <script>… or [a link](…) must not become HTML or a link when the
    Markdown is rendered; a step nobody reached has no median, not 'None'."""
    from datetime import date

    from triage.imports.importers import import_files
    from triage.render.summary_report import render
    from triage.reports.summary import day_summary

    marks = tmp_path / "m.csv"
    marks.write_text(
        "UPN,Surname,Forename,Date,Session,Mark\n"
        'A123456789012,"<script>alert(1)</script>",Amy,24/11/2026,AM,N\n'
        "A123456789013,[win](http://evil.example),Ben,24/11/2026,AM,N\n",
        encoding="utf-8",
    )
    with open_store(tmp_path / "t.db") as s:
        s.set_setting("school_name", "St <b>Mary</b>'s")
        import_files(s, "marks", [marks])
        text = render(day_summary(s, date(2026, 11, 24)), "markdown")
    assert "<script>" not in text and "\\<script\\>" in text
    assert "[win](" not in text and "\\[win\\](http" in text  # no link: brackets escaped
    assert "<b>" not in text
    assert "None" not in text


# --- bytes that reach a terminal (#15) -----------------------------------------------------

ESC_AND_BIDI = "\x1b[2J\u202eCorp\u200b\u2066"


def test_invisible_and_control_characters_never_reach_a_terminal() -> None:
    from triage.sanitise import printable

    assert printable(f"St Mary{ESC_AND_BIDI}") == "St Mary[2JCorp"
    assert printable("Ra\u200dj") == "Ra\u200dj"  # a joiner Indic and Persian names need


def test_the_school_name_and_an_officers_name_are_stored_printable(tmp_path: Path) -> None:
    from triage import settings
    from triage.officers import add_officer, list_officers

    with open_store(tmp_path / "t.db", officer="lead.one") as s:
        settings.set_value(s, "school_name", f"Riverside{ESC_AND_BIDI}")
        add_officer(s, "lead.one", "lead", f"Jo{ESC_AND_BIDI}")
        assert settings.get(s, "school_name") == "Riverside[2JCorp"
        assert list_officers(s)[0].display_name == "Jo[2JCorp"


def test_an_import_error_quotes_a_short_printable_excerpt(tmp_path: Path) -> None:
    """A header of thousands of cells is not repeated whole; a control code never."""
    import pytest

    from triage.imports.csvfile import ImportFileError
    from triage.imports.importers import import_files

    path = tmp_path / "m\x1b[31m.csv"
    path.write_text(",".join(f"col{i}\u202e" for i in range(5000)) + "\n1\n", encoding="utf-8")
    with open_store(tmp_path / "t.db") as s, pytest.raises(ImportFileError) as caught:
        import_files(s, "marks", [path])
    message = caught.value.message
    assert len(message) < 1000
    assert "\x1b" not in message and "\u202e" not in message
