"""`triage leave`, `triage timetable` and the school's stage names on the command line, on a
copy of the demo school: records made, one-line refusals, JSON and CSV that carry the DfE
stage beside the school's name."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import DEMO_MORNING, planted, query
from triage.cli.main import main

ON = DEMO_MORNING.strftime("%d/%m/%Y")  # Tuesday 24/11/2026: the queued pupils are N (AM)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _request(capsys, db, upn: str) -> int:
    code, out, _err = _run(
        capsys,
        "leave", "request", upn, "--db", str(db),
        "--from", "23/11/2026 PM", "--to", f"{ON} AM",
        "--reason", "Grandparent's funeral abroad", "--asked-by", "Sarah Shaw",
        "--asked-on", "02/11/2026",
    )  # fmt: skip
    assert code == 0, out
    return int(out.split("Leave request ")[1].split(":")[0])


def test_leave_requested_and_granted_recodes_the_n_in_it_to_c(demo_db, capsys) -> None:
    upn = planted().morning_queue[0]
    request_id = _request(capsys, demo_db, upn)
    code, out, _ = _run(
        capsys, "leave", "decide", str(request_id), "granted", "--by", "Mrs Head",
        "--on", "03/11/2026", "--db", str(demo_db),
    )  # fmt: skip
    assert code == 0
    assert "granted by Mrs Head" in out and "recoded to C" in out
    marks = query(
        demo_db,
        "SELECT code FROM marks JOIN pupils ON pupils.id = pupil_id"
        " WHERE upn = ? AND date = ? AND session = 'AM'",
        upn,
        DEMO_MORNING.isoformat(),
    )
    assert marks == [("C",)]
    _code, listed, _ = _run(capsys, "leave", "list", "--upn", upn, "--format", "json",
                            "--db", str(demo_db))  # fmt: skip
    record = json.loads(listed)["leave_requests"][0]
    assert record["decision"] == "granted" and record["decided_by"] == "Mrs Head"
    assert record["first_session"] == "PM" and record["in_advance"] is True


def test_leave_ending_before_it_starts_is_one_line_and_changes_nothing(demo_db, capsys) -> None:
    code, _out, err = _run(
        capsys, "leave", "request", planted().morning_queue[0], "--db", str(demo_db),
        "--from", ON, "--to", "23/11/2026", "--reason", "r", "--asked-by", "m",
        "--asked-on", "02/11/2026",
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "before it starts" in err
    assert query(demo_db, "SELECT count(*) FROM leave_requests") == [(0,)]


def test_timetable_added_and_listed_as_json(demo_db, capsys) -> None:
    upn = planted().morning_queue[1]
    code, out, err = _run(
        capsys, "timetable", "add", upn, "--db", str(demo_db), "--start", "02/11/2026",
        "--end", "11/12/2026", "--review", "16/11/2026", "--review", "30/11/2026",
        "--agreed-with", "Sarah Shaw", "--agreed-on", "30/10/2026",
    )  # fmt: skip
    assert code == 0, err
    _code, listed, _ = _run(capsys, "timetable", "list", "--format", "json", "--db", str(demo_db))
    record = json.loads(listed)["part_time_timetables"][0]
    assert record["upn"] == upn and record["review_dates"] == ["2026-11-16", "2026-11-30"]
    assert record["la_notified_on"] is None


def test_a_stage_renamed_shows_in_the_case_and_every_export_keeps_the_dfe_stage(
    demo_db, capsys
) -> None:
    upn = planted().penalty_10
    assert main(["config", "set", "stage_name.expect", "Aspire", "--db", str(demo_db)]) == 0
    capsys.readouterr()
    _c, text, _ = _run(capsys, "case", upn, "--db", str(demo_db))
    assert "Stage: Aspire" in text
    _c, out, _ = _run(capsys, "case", upn, "--format", "json", "--db", str(demo_db))
    stage = json.loads(out)["stage"]
    assert stage["current"] == "Aspire" and stage["current_dfe"] == "Expect"
    _c, out, _ = _run(capsys, "alerts", "--format", "csv", "--db", str(demo_db))
    rows = list(csv.DictReader(io.StringIO(out)))
    mine = next(r for r in rows if r["upn"] == upn)
    assert mine["stage"] == "Aspire" and mine["stage_dfe"] == "Expect"
    _c, out, _ = _run(capsys, "queue", "--format", "csv", "--date", ON, "--db", str(demo_db))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {(r["stage"], r["stage_dfe"]) for r in rows} >= {("Aspire", "Expect")}
    _c, out, _ = _run(capsys, "queue", "--format", "json", "--date", ON, "--db", str(demo_db))
    pupil = json.loads(out)["families"][0]["pupils"][0]
    assert "stage_dfe" in pupil and pupil["stage"] == {"Expect": "Aspire"}.get(
        pupil["stage_dfe"], pupil["stage_dfe"]
    )
    stored = query(demo_db, "SELECT stage FROM pupils WHERE upn = ?", upn)
    assert stored == [("Expect",)]


def test_two_stages_cannot_share_a_name(demo_db, capsys) -> None:
    assert main(["config", "set", "stage_name.expect", "Monitor", "--db", str(demo_db)]) == 1
    assert "already names the stage Monitor" in capsys.readouterr().err


@pytest.mark.parametrize("decision", ["granted", "refused"])
def test_only_a_lead_enters_a_decision(demo_db, capsys, decision) -> None:
    from triage.officers import add_officer
    from triage.store import current_officer, open_store

    request_id = _request(capsys, demo_db, planted().morning_queue[0])
    with open_store(demo_db, create=False, officer="lead.one") as store:
        add_officer(store, "lead.one", "lead")
        add_officer(store, current_officer(), "officer")  # who runs the command
    code, _out, err = _run(
        capsys, "leave", "decide", str(request_id), decision, "--by", "Mrs Head",
        "--on", "03/11/2026", "--db", str(demo_db),
    )  # fmt: skip
    assert code == 1 and "only a lead" in err


def test_the_chronology_names_the_schools_stage_with_the_dfe_one_behind_it(demo_db, capsys) -> None:
    assert main(["config", "set", "stage_name.expect", "Aspire", "--db", str(demo_db)]) == 0
    capsys.readouterr()
    _c, out, _ = _run(capsys, "chronology", planted().penalty_10, "--db", str(demo_db))
    assert "Aspire (DfE stage: Expect)" in out


def test_leave_listed_as_text_names_the_pupil_over_each_request_and_none_says_so(
    demo_db, capsys
) -> None:
    _code, out, _ = _run(capsys, "leave", "list", "--db", str(demo_db))
    assert out.strip() == "No leave requests recorded."
    upn = planted().morning_queue[0]
    _request(capsys, demo_db, upn)
    _code, out, _ = _run(capsys, "leave", "list", "--db", str(demo_db))
    lines = out.splitlines()
    assert lines[0].endswith(f"  {upn}")  # "Name  UPN", then the request, whole to a pipe
    assert "Grandparent's funeral abroad" in lines[1] and "Sarah Shaw" in lines[1]
