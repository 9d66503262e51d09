"""An officer's theme is remembered between sessions, in their own private file (#17)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.pilot import make_app, settle
from triage.preferences import load_preferences, preferences_path, save_preference


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The officer's home and configuration folder, in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


async def test_a_theme_chosen_is_the_theme_at_the_next_start(demo_db, config_home) -> None:
    first = make_app(demo_db)
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert first.theme != "nord"
        first.theme = "nord"  # as the palette's "Change theme" sets it
        await pilot.pause()
    saved = config_home / "attendance-triage" / "preferences.json"
    assert saved.is_file() and stat.S_IMODE(saved.stat().st_mode) == 0o600
    again = make_app(demo_db)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"
        assert again.has_class("-theme-nord")


async def test_the_preferences_live_under_the_default_config_folder(
    demo_db, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.theme = "gruvbox"
        await pilot.pause()
    saved = tmp_path / "home" / ".config" / "attendance-triage" / "preferences.json"
    assert load_preferences(saved) == {"theme": "gruvbox"}


@pytest.mark.parametrize(
    "content", [b"{not json", b'["theme"]', b'{"theme": 7}', b'{"theme": "gone"}', b"\xff\xfe"]
)
async def test_a_broken_preferences_file_is_ignored(demo_db, config_home, content) -> None:
    saved = config_home / "attendance-triage" / "preferences.json"
    saved.parent.mkdir(parents=True)
    saved.write_bytes(content)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert type(app.screen).__name__ == "QueueScreen"
        app.theme = "nord"  # and the next choice mends the file
        await pilot.pause()
    assert load_preferences(saved) == {"theme": "nord"}


def test_saving_a_preference_keeps_the_others_and_leaves_no_temporary_file(config_home) -> None:
    save_preference("other", 1)
    save_preference("theme", "nord")
    path = preferences_path()
    assert load_preferences(path) == {"other": 1, "theme": "nord"}
    assert [p.name for p in path.parent.iterdir()] == ["preferences.json"]
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_a_preference_that_cannot_be_saved_is_one_warning(demo_db, config_home) -> None:
    config_home.write_text("a file where the folder should be")
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert any("cannot save your preferences" in str(n.message) for n in warnings)
        assert app.theme == "nord"  # kept for this session
