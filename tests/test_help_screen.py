"""`?`: the keys this officer may use, those they may not, and what the queue shows."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from screens.help_screen import HelpScreen
from tests.conftest import planted, pupil_id
from tests.pilot import loaded, make_app, open_case, press, screen_text
from triage.officers import add_officer
from triage.store import open_store


def _officers(db: Path, **roles: str) -> None:
    with open_store(db, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        for login, role in roles.items():
            add_officer(s, login, role)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _sections(text: str) -> tuple[list[str], list[str]]:
    """The help's lines before "Not allowed to you" and from it on."""
    lines = _lines(text)
    cut = next((n for n, line in enumerate(lines) if line.startswith("Not allowed")), len(lines))
    return lines[:cut], lines[cut:]


async def _help_on_queue(db: Path, officer: str) -> str:
    app = make_app(db, officer=officer)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        return screen_text(app)


async def test_a_viewer_sees_the_writing_keys_apart_as_not_allowed(demo_db: Path) -> None:
    _officers(demo_db, watcher="viewer")
    allowed, refused = _sections(await _help_on_queue(demo_db, "watcher"))
    assert refused and refused[0] == "Not allowed to you (watcher: viewer)"
    for key in ("c Call", "r Reason", "n Note", "u Undo", "i Import", "^r Retry"):
        assert any(line.startswith(key) for line in refused), key
        assert not any(line.startswith(key) for line in allowed), key
    for key in ("? Help", "w Caseload", "l Ladder", "q Quit"):  # reading keys stay
        assert any(line.startswith(key) for line in allowed), key


async def test_a_lead_sees_every_key_as_allowed(demo_db: Path) -> None:
    _officers(demo_db)
    allowed, refused = _sections(await _help_on_queue(demo_db, "lead.one"))
    assert refused == []
    for key in ("c Call", "r Reason", "u Undo", "^r Retry", "? Help"):
        assert any(line.startswith(key) for line in allowed), key


async def test_help_explains_every_queue_column_the_flags_and_the_marks(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        headings = [
            c.label.plain for c in app.screen.query_one("#queue", DataTable).columns.values()
        ]
        await press(pilot, "question_mark")
        lines = _lines(screen_text(app))
    terms = {line.split(" ")[0] for line in lines if line} | {
        " ".join(line.split(" ")[:2]) for line in lines if line
    }
    for heading in headings:
        assert heading in terms, f"the help does not explain the column {heading!r}"
    text = " ".join(lines)
    for flag in ("SW social worker", "CP child protection plan", "LAC looked-after child"):
        assert flag in text
    for mark in ("overdue", "NOT SAVED", "ctrl+r", "saving…", "DSL banner", "D on the family"):
        assert mark in text
    for count in ("to call", "tried", "explained", "overdue", "alerts (w)", "not taken"):
        assert any(line.startswith(count) for line in lines), count


async def test_an_officer_on_a_case_is_told_which_actions_only_a_lead_records(
    demo_db: Path,
) -> None:
    _officers(demo_db, **{"officer.one": "officer"})
    seen = {}
    for login in ("officer.one", "lead.one"):
        app = make_app(demo_db, officer=login)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await open_case(pilot, pupil_id(demo_db, planted().penalty_10))
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            seen[login] = " ".join(_lines(screen_text(app)))
    assert "Only a lead records (a):" in seen["officer.one"]
    assert "Penalty notice" in seen["officer.one"]
    assert "Only a lead records" not in seen["lead.one"]
    assert "The columns" not in seen["lead.one"]  # the queue's glossary is the queue's


async def test_each_key_is_listed_once_even_when_the_screen_and_the_app_both_bind_it(
    demo_db: Path,
) -> None:
    _officers(demo_db)
    allowed, _refused = _sections(await _help_on_queue(demo_db, "lead.one"))
    assert len([line for line in allowed if line.split(" ")[0] == "q"]) == 1
