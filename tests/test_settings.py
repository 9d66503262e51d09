from __future__ import annotations

import json

import pytest

from triage import settings
from triage.cli.main import main
from triage.officers import AccessDenied, add_officer
from triage.store import open_store


def test_every_setting_has_a_default_that_passes_its_own_check(store) -> None:
    for s in settings.SETTINGS.values():
        assert s.check(s.default) == s.default or s.default == ""


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("school_urn", "12AB", "6 or 7 digits"),
        ("inbox_check_seconds", "0", "from 5 to 3600"),
        ("claim_minutes", "ten", "whole number"),
        ("am_register_close", "9.75am", "HH:MM"),
        ("pm_register_close", "25:00", "HH:MM"),
        ("school_name", "   ", "must not be empty"),
    ],
)
def test_a_bad_value_is_refused_with_a_clear_reason_and_not_stored(store, key, bad, message):
    with pytest.raises(settings.SettingError, match=message):
        settings.set_value(store, key, bad)
    assert store.setting(key) is None


def test_an_unknown_setting_is_refused(store) -> None:
    with pytest.raises(settings.SettingError, match="unknown setting 'colour'"):
        settings.set_value(store, "colour", "blue")


def test_values_are_normalised_when_set(store) -> None:
    assert settings.set_value(store, "am_register_close", "9:05") == "09:05"
    assert settings.get_time(store, "am_register_close").minute == 5


@pytest.mark.parametrize("written", ["9.15am", "0915", "9:15", "09.15"])
def test_a_register_close_is_read_as_every_clock_time_is(store, written) -> None:
    """One grammar for clock times (triage.dates.parse_clock), in settings as in dialogs."""
    assert settings.set_value(store, "am_register_close", written) == "09:15"


def test_only_a_lead_may_change_settings_once_officers_exist(tmp_path) -> None:
    path = tmp_path / "t.db"
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "worker", "officer")
    with open_store(path, officer="worker") as s:
        with pytest.raises(AccessDenied):
            settings.set_value(s, "school_name", "Mine")
        assert s.setting("school_name") is None


def test_config_show_marks_defaults_and_set_changes_them(tmp_path, capsys) -> None:
    db = str(tmp_path / "t.db")
    assert main(["config", "set", "school_name", "St Mary's", "--db", db]) == 0
    assert main(["config", "show", "--db", db, "--format", "json"]) == 0
    out = capsys.readouterr().out
    rows = {r["key"]: r for r in json.loads(out[out.index("[") :])}
    assert rows["school_name"] == {**rows["school_name"], "value": "St Mary's", "default": False}
    assert rows["claim_minutes"]["default"] is True
    assert main(["config", "set", "claim_minutes", "x", "--db", db]) == 1
    assert "claim_minutes: must be a whole number" in capsys.readouterr().err


def test_the_app_header_shows_the_school_name_from_settings(demo_db) -> None:
    from tests.conftest import DEMO_MORNING
    from triage.morning.queue import load_morning

    with open_store(demo_db) as s:
        settings.set_value(s, "school_name", "Hillside School")
        assert load_morning(s, DEMO_MORNING).school == "Hillside School"
