"""`triage roll` and `triage cme` on a copy of the demo school: records made, one-line
refusals that change nothing, JSON, and the missing-education alert cleared by the LA's
notification with its reference."""

from __future__ import annotations

import json

from tests.conftest import DEMO_MORNING, planted, query
from triage.cli.main import main

ON = DEMO_MORNING.strftime("%d/%m/%Y")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _missing_education(capsys, db) -> list[str]:
    code, out, _ = _run(capsys, "alerts", "--db", str(db), "--date", ON, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    rows = rows["alerts"] if isinstance(rows, dict) else rows
    return [r["upn"] for r in rows if r["kind"] == "missing_education"]


def test_cme_enquiry_and_notification_clear_the_alert_and_are_listed(demo_db, capsys) -> None:
    upn = planted().missing_education_10
    assert upn in _missing_education(capsys, demo_db)
    code, out, _ = _run(
        capsys, "cme", "enquiry", upn, "--db", str(demo_db), "--on", ON, "--by", "school",
        "--person", "J Officer", "--contacted", "Mum (home visit)", "--what", "nobody home",
    )  # fmt: skip
    assert code == 0 and "CME enquiry" in out
    code, out, _ = _run(
        capsys, "cme", "notify", upn, "--db", str(demo_db), "--on", ON,
        "--reference", "CME-2026-41", "--how", "portal", "--reply", "LA will visit",
    )  # fmt: skip
    assert code == 0 and "ref CME-2026-41" in out
    assert upn not in _missing_education(capsys, demo_db)
    code, out, _ = _run(
        capsys, "cme", "list", "--upn", upn, "--db", str(demo_db), "--format", "json"
    )
    listed = json.loads(out)
    assert listed["cme_enquiries"][0]["contacted"] == "Mum (home visit)"
    assert listed["cme_notifications"][0]["reference"] == "CME-2026-41"
    _code, out, _ = _run(capsys, "case", upn, "--db", str(demo_db), "--format", "json")
    assert json.loads(out)["cme_notifications"][0]["reply"] == "LA will visit"


def test_a_notification_without_a_reference_is_a_usage_error_and_changes_nothing(
    demo_db, capsys
) -> None:
    upn = planted().missing_education_10
    code, _out, err = _run(
        capsys, "cme", "notify", upn, "--db", str(demo_db), "--reference", "  ", "--how", "email"
    )
    assert code == 1 and "reference is needed" in err
    assert query(demo_db, "SELECT count(*) FROM cme_records") == [(0,)]


def test_roll_remove_takes_the_pupil_off_the_morning_queue(demo_db, capsys) -> None:
    upn = planted().morning_queue[0]
    queue = ("queue", "--db", str(demo_db), "--date", ON, "--session", "AM", "--format", "json")
    assert upn in _run(capsys, *queue)[1]
    code, out, _ = _run(
        capsys, "roll", "remove", upn, "other_school", "--db", str(demo_db), "--on", ON,
        "--la-told", ON, "--how", "email", "--school", "Riverside Academy",
    )  # fmt: skip
    assert code == 0 and "Registered at another school (Riverside Academy)" in out
    code, out, _ = _run(capsys, *queue)
    assert code == 0 and upn not in out
    _code, out, _ = _run(capsys, "roll", "list", "--db", str(demo_db), "--format", "json")
    assert json.loads(out)["roll_deletions"][0]["upn"] == upn


def test_the_absence_ground_is_refused_in_one_line_when_not_met(demo_db, capsys) -> None:
    upn = planted().missing_education_10
    _code, out, _ = _run(capsys, "roll", "grounds", upn, "--db", str(demo_db), "--on", ON)
    assert "not offered: absence_20_days" in out
    code, _out, err = _run(
        capsys, "roll", "remove", upn, "absence_20_days", "--db", str(demo_db), "--on", ON,
        "--la-told", ON, "--how", "email",
    )  # fmt: skip
    assert code == 1 and "the absence ground is not met" in err and "Traceback" not in err
    assert query(demo_db, "SELECT count(*) FROM roll_deletions") == [(0,)]
