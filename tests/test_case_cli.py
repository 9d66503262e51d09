"""`triage case`, `triage alerts` and `triage chronology` on a copy of the demo school:
text for people, JSON and CSV that parse back, files written private."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tests.conftest import DEMO_MORNING, planted
from triage.casework.alerts import acknowledge, alerts_for
from triage.casework.chronology import CaseError, load_case
from triage.cli.args import add_case_parsers
from triage.cli.case import ALERT_COLUMNS, run_case_command
from triage.model import AttendanceSummary
from triage.render.case import FIGURES_HEADINGS, _badge, figures_text
from triage.store import open_store


def run(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    """Parse as `triage` does (--db on a shared parent) and run; returns stdout."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="triage", parents=[common])
    add_case_parsers(parser.add_subparsers(dest="command"), [common])
    args = parser.parse_args([*argv, "--db", str(db)])
    assert run_case_command(args, args.db) == 0
    return capsys.readouterr().out


def test_case_text_shows_the_figures_against_their_thresholds(demo_db, capsys) -> None:
    out = run(capsys, demo_db, "case", planted().penalty_10, "--date", "2026-11-24")
    assert "Ivy Chapman" in out
    assert "Unauthorised sessions in the rolling 10 school weeks: 10 of 10" in out
    assert "PERSISTENT ABSENCE" in out and "suggested: Listen and understand" in out


def test_case_json_parses_back_with_the_register_and_the_alerts(demo_db, capsys) -> None:
    case = json.loads(run(capsys, demo_db, "case", planted().penalty_10, "--format", "json"))
    assert case["date"] == DEMO_MORNING.isoformat()
    assert case["attendance"]["year"]["unauthorised"] == 10
    assert case["unauthorised_sessions_10_weeks"] == 10
    assert [a["kind"] for a in case["alerts"]] == ["penalty_threshold", "persistent_absence"]
    assert case["register"]["weeks"][2]["cells"] == "!! !! !! // !/"


def test_case_for_an_unknown_upn_is_a_one_line_error(demo_db, capsys) -> None:
    with pytest.raises(CaseError, match="no pupil with UPN 'Z000000000000'") as caught:
        run(capsys, demo_db, "case", "Z000000000000")
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_alerts_json_counts_every_alert_by_kind(demo_db, capsys) -> None:
    found = json.loads(run(capsys, demo_db, "alerts", "--format", "json"))
    with open_store(demo_db, create=False) as s:
        expected = Counter(a.kind for a in alerts_for(s, DEMO_MORNING))
    assert found["counts"] == dict(expected)
    assert len(found["alerts"]) == sum(expected.values())
    assert found["alerts"][0]["upn"] == planted().missing_education_10


def test_alerts_csv_parses_back_one_row_per_alert(demo_db, capsys) -> None:
    out = run(capsys, demo_db, "alerts", "--format", "csv")
    assert out.startswith("\ufeff")  # the byte-order mark Excel needs for accented names
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    with open_store(demo_db, create=False) as s:
        expected = alerts_for(s, DEMO_MORNING)
    assert tuple(rows[0]) == ALERT_COLUMNS
    assert [r[0] for r in rows[1:]] == [a.kind for a in expected]
    assert rows[1][2] == planted().missing_education_10


def test_alerts_csv_cell_that_starts_with_a_formula_gets_a_quote(demo_db, capsys) -> None:
    upn = planted().missing_education_10
    with open_store(demo_db, create=False) as s:
        s.conn.execute(
            "UPDATE pupils SET preferred_forename = '=cmd', legal_forename = '=cmd' WHERE upn = ?",
            (upn,),
        )
    rows = list(csv.reader(io.StringIO(run(capsys, demo_db, "alerts", "--format", "csv"))))
    names = {r[3] for r in rows[1:] if r[2] == upn}
    assert names == {"'=cmd Robinson"}


def test_alerts_open_leaves_out_the_acknowledged(demo_db, capsys) -> None:
    with open_store(demo_db, create=False, officer="officer.one") as s:
        first = alerts_for(s, DEMO_MORNING)[0]
        acknowledge(s, first)
    every = json.loads(run(capsys, demo_db, "alerts", "--format", "json"))["alerts"]
    waiting = json.loads(run(capsys, demo_db, "alerts", "--open", "--format", "json"))["alerts"]
    assert len(waiting) == len(every) - 1
    assert every[0]["acknowledged_by"] == "officer.one"


def test_alerts_text_groups_by_kind_with_counts(demo_db, capsys) -> None:
    out = run(capsys, demo_db, "alerts", "--date", "2026-11-24")
    assert "10 school days unauthorised: notify the local authority (1)" in out
    assert "Tuesday 24 November 2026" in out


def test_chronology_markdown_goes_to_stdout_newest_last(demo_db, capsys) -> None:
    out = run(capsys, demo_db, "chronology", planted().penalty_10)
    assert out.startswith("# Attendance chronology: Ivy Chapman")
    assert out.index("Autumn 1, 2026/27") < out.index("Autumn 2, 2026/27")


def test_chronology_out_is_written_private_even_over_an_open_file(
    demo_db, capsys, tmp_path
) -> None:
    target = tmp_path / "chronology.html"
    target.write_text("old")
    os.chmod(target, 0o644)
    run(
        capsys,
        demo_db,
        "chronology",
        planted().penalty_10,
        "--format",
        "html",
        "--out",
        str(target),
    )
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- the figures, as text -------------------------------------------------------------------


def _as_a_rich_table(case) -> Table:
    """The figures as the Rich table they used to be, the layout figures_text keeps."""
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("")
    for heading in FIGURES_HEADINGS:
        table.add_column(heading, justify="right")
    for label, s in (("This term", case.term), ("This school year", case.year)):
        pct = "—" if s.percent is None else f"{s.percent:.1f}%"
        values = (str(s.possible), str(s.attending), str(s.authorised), str(s.unauthorised))
        table.add_row(label, *values, Text(pct, style=_badge(s)[1]))
    return table


def _painted(renderable, width: int = 120) -> list[list[tuple[str, str]]]:
    """Each line's characters with their style, trailing blanks left out."""
    console = Console(width=width, file=io.StringIO(), color_system="truecolor")
    lines = console.render_lines(renderable, console.options, pad=False)
    painted = []
    for line in lines:
        cells = [(ch, str(seg.style or "")) for seg in line for ch in seg.text]
        while cells and cells[-1][0] == " ":
            cells.pop()
        painted.append([(ch, style if ch != " " else "") for ch, style in cells])
    return painted


@pytest.mark.parametrize(
    ("term", "year"),
    [
        (AttendanceSummary(0, 0, 0, 0), AttendanceSummary(8, 8, 0, 0)),  # no possible: "—"
        (AttendanceSummary(120, 105, 6, 9), AttendanceSummary(380, 323, 48, 9)),  # persistent
        (AttendanceSummary(10, 4, 0, 6), AttendanceSummary(1234, 1000, 100, 134)),  # severe
    ],
)
def test_the_figures_line_up_as_the_rich_table_did(demo_db, term, year) -> None:
    with open_store(demo_db, create=False) as s:
        pupil = s.pupil_by_upn(planted().penalty_10)
        assert pupil is not None
        case = replace(load_case(s, pupil.id, DEMO_MORNING), term=term, year=year)
    assert _painted(figures_text(case)) == _painted(_as_a_rich_table(case))
    assert len(_painted(figures_text(case))) == 3
