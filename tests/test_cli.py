from __future__ import annotations

import argparse
import csv
import inspect
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_MORNING, database_dump
from triage.cli.main import main
from triage.morning.queue import load_morning
from triage.sanitise import spreadsheet_safe
from triage.store import open_store

MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark,Mins Late\n"
    "A123456789012,Smith,Jo,8,8A,24/11/2026,AM,N,\n"
    "A123456789013,Khan,Ali,9,9B,24/11/2026,AM,L,5\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_import_accepts_db_before_or_after_the_subcommand(tmp_path, capsys) -> None:
    marks = write(tmp_path / "marks.csv", MARKS)
    before, after = tmp_path / "before.db", tmp_path / "after.db"
    assert main(["--db", str(before), "import", "marks", str(marks)]) == 0
    assert main(["import", "marks", str(marks), "--db", str(after)]) == 0
    for path in (before, after):
        with open_store(path) as s:
            assert s.count("marks") == 2
    out = capsys.readouterr().out
    assert "2 new" in out and "N (no reason yet) on Tue 24 Nov 2026 AM: 1" in out


def test_triage_db_environment_variable_is_honoured(tmp_path, monkeypatch) -> None:
    marks = write(tmp_path / "marks.csv", MARKS)
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "env.db"))
    assert main(["import", "marks", str(marks)]) == 0
    assert (tmp_path / "env.db").exists()


def test_a_bad_file_gives_file_line_and_problem_exit_1_and_changes_nothing(tmp_path, capsys):
    db = tmp_path / "t.db"
    good = write(tmp_path / "marks.csv", MARKS)
    assert main(["import", "marks", str(good), "--db", str(db)]) == 0
    before = database_dump(db)
    bad = write(tmp_path / "bad.csv", MARKS + "A123456789014,Lee,Sam,7,7C,24/11/2026,AM,QQ,\n")
    assert main(["import", "marks", str(bad), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv: line 4: unknown attendance code 'QQ'" in err
    assert "Traceback" not in err
    assert database_dump(db) == before


def test_dry_run_reports_counts_and_writes_nothing(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    open_store(db).close()
    before = database_dump(db)
    marks = write(tmp_path / "marks.csv", MARKS)
    assert main(["import", "marks", str(marks), "--db", str(db), "--dry-run"]) == 0
    assert "would import marks" in capsys.readouterr().out
    assert database_dump(db) == before


def test_import_json_report_is_machine_readable(tmp_path, capsys) -> None:
    marks = write(tmp_path / "marks.csv", MARKS)
    assert (
        main(["import", "marks", str(marks), "--db", str(tmp_path / "t.db"), "--format", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["marks_new"] == 2
    assert report["absences"] == [{"date": "2026-11-24", "session": "AM", "n": 1}]


def test_usage_errors_exit_2(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import", "teachers", "x.csv"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["queue", "--date", "11/24/2026"])  # never read month first
    assert exc.value.code == 2
    assert "'11/24/2026' is not a real date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["queue", "--date", "tomorrow"])
    assert exc.value.code == 2
    assert "write it as dd/mm/yyyy" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["summary", "--format", "json"], ["queue", "--format", "json"]]
)
def test_every_command_reads_a_date_as_the_app_does(demo_db, capsys, command) -> None:
    """dd/mm/yyyy, as officers write it, and ISO give the same answer (triage.dates)."""
    outputs = []
    for written in (f"{DEMO_MORNING:%d/%m/%Y}", DEMO_MORNING.isoformat()):
        assert main([*command, "--date", written, "--db", str(demo_db)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and DEMO_MORNING.isoformat() in outputs[0]


def test_queue_on_a_missing_database_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["queue", "--db", str(tmp_path / "none.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_queue_on_an_empty_database_says_to_import_marks(tmp_path, capsys) -> None:
    db = tmp_path / "empty.db"
    open_store(db).close()
    assert main(["queue", "--db", str(db)]) == 1
    assert "import a marks file first" in capsys.readouterr().err


def test_queue_json_lists_pupils_in_the_same_order_as_the_app(demo_db, capsys) -> None:
    assert main(["queue", "--db", str(demo_db), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == DEMO_MORNING.isoformat() and data["session"] == "AM"
    cli_order = [p["upn"] for f in data["families"] for p in f["pupils"]]
    with open_store(demo_db) as s:
        app_order = [e.pupil.upn for e in load_morning(s, today=DEMO_MORNING).entries]
    assert cli_order == app_order
    assert len(cli_order) == data["pupils"] > 10
    first = data["families"][0]["pupils"][0]
    assert first["safeguarding"] is True
    assert {
        "upn",
        "name",
        "year",
        "reg_group",
        "contacts",
        "consecutive_days",
        "attendance_percent",
        "unauthorised_sessions_10_weeks",
        "overdue_n",
    } <= set(first)


def test_queue_csv_has_the_documented_columns_and_one_row_per_pupil(demo_db, capsys) -> None:
    assert main(["queue", "--db", str(demo_db), "--format", "csv", "--date", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # the byte-order mark Excel needs for accented names
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["family", "upn", "surname", "forename"]
    assert "contact_1_numbers" in rows[0]
    assert len(rows) > 10


def test_queue_text_names_the_school_date_and_counts(demo_db, capsys) -> None:
    assert main(["queue", "--db", str(demo_db), "--session", "am"]) == 0
    out = capsys.readouterr().out
    assert "Riverside Academy (demo)" in out
    assert "Tuesday 24 November 2026 AM" in out


def test_spreadsheet_formulas_in_csv_cells_are_neutralised() -> None:
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("Smith") == "Smith"


def test_demo_builds_a_database_without_opening_the_app(tmp_path) -> None:
    path = tmp_path / "demo.db"
    assert main(["demo", "--db", str(path), "--no-open", "--date", "2026-11-24"]) == 0
    with open_store(path) as s:
        assert s.setting("school_name") == "Riverside Academy (demo)"
        assert 900 <= s.count("pupils") <= 1100


def test_demo_never_overwrites_a_real_database(tmp_path, capsys) -> None:
    real = tmp_path / "real.db"
    write(tmp_path / "m.csv", MARKS)
    assert main(["import", "marks", str(tmp_path / "m.csv"), "--db", str(real)]) == 0
    before = database_dump(real)
    assert main(["demo", "--db", str(real), "--no-open"]) == 1
    assert "not a demo database" in capsys.readouterr().err
    assert database_dump(real) == before


def test_the_installed_console_script_runs_and_never_prints_a_traceback(tmp_path) -> None:
    triage = Path(sys.executable).parent / "triage"
    result = subprocess.run(
        [
            str(triage),
            "import",
            "marks",
            str(tmp_path / "nope.csv"),
            "--db",
            str(tmp_path / "t.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "nope.csv: file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_opening_the_app_on_a_missing_database_says_so_and_makes_no_file(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_the_parsers_choices_and_defaults_are_the_modules_own() -> None:
    """triage/cli/args.py writes them out again so that building the parser imports none
    of these modules (see the next test)."""
    from triage.casework import chronology, letters
    from triage.cli import args as cli_args

    assert cli_args.LETTER_FORMATS == tuple(letters.FORMATS)
    assert cli_args.DEFAULT_PERIOD_WEEKS == letters.DEFAULT_PERIOD_WEEKS
    assert cli_args.CHRONOLOGY_FORMATS == tuple(chronology.FORMATS)


HEAVY_FOR_START_UP = (
    "markdown_it",
    "sqlite_utils",
    "triage.casework.letters",
    "triage.cli.case",
    "triage.cli.letters",
    "triage.cli.ladder",
    "triage.cli.imports",
    "triage.cli.reports",
    "triage.render",
    "triage.casework.cases",
    "triage.casework.chronology",
    "triage.casework.penalties",
    "triage.imports.importers",
    "screens.outcome_dialog",
    "screens.case_screen",
)


def test_starting_the_app_from_the_command_line_imports_nothing_it_does_not_need() -> None:
    """`triage` builds its whole parser, then imports the app: neither may pull in the
    modules of other commands and screens (markdown-it alone was 12 ms of every start)."""
    code = (
        "import sys\n"
        "from triage.cli.main import build_parser\n"
        "build_parser().parse_args([])\n"
        "import screens.app\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY_FOR_START_UP!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _parsers(parser: argparse.ArgumentParser, path: str = "triage"):
    """Every parser under ``parser`` (itself included), with its command line."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_command_names_a_function_that_takes_args_and_the_database() -> None:
    from triage.cli.args import Command, build_parser

    commands = {}
    for path, parser in _parsers(build_parser()):
        func = parser.get_default("func")
        if func is not None:
            assert isinstance(func, Command), path
            commands[path] = func.function()
    assert {"triage", "triage case", "triage config ladder", "triage letter"} <= set(commands)
    for path, function in commands.items():
        params = list(inspect.signature(function).parameters)
        assert params[:2] == ["args", "db_path"], path


def test_config_ladder_runs_the_ladder_not_the_config() -> None:
    from triage.cli.args import build_parser

    args = build_parser().parse_args(["config", "ladder", "show"])
    assert args.func.function().__name__ == "run_ladder_command"
    args = build_parser().parse_args(["config", "show"])
    assert args.func.function().__name__ == "run_config_command"


def test_a_bad_meeting_time_is_a_usage_error_and_writes_nothing(demo_db, capsys) -> None:
    before = database_dump(demo_db)
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(demo_db), "letter", "meeting-invitation", "X", "--meeting-time", "25:00"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'25:00' is not a time as HH:MM" in err and "Traceback" not in err
    assert database_dump(demo_db) == before
