"""The reports for the people above the officer (#20): cohorts, the head of year's week, the
targeting support meeting (and recording what it agreed), lateness; every figure against a
small school counted by hand, each output format, and the reports screen.

The school: four pupils, one week before half-term (12-16 Oct 2026) and one after
(2-6 Nov 2026), ten sessions a week each.

| pupil | year, reg | flags | 12-16 Oct | 2-6 Nov |
|---|---|---|---|---|
| Amy Able | 9, 9A | FSM | 10 present | 10 present |
| Ben Bell | 9, 9A | SEN support | 10 present | 7 present, 1 I, 2 N |
| Cara Cole | 9, 9B | | 5 present, 5 O | 4 present, 6 O |
| Dan Dee | 10, 10A | looked after | 10 present | 8 present, L (10 min), U (30 min) |
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import database_dump, imported, query
from tests.pilot import make_app, settle
from triage.casework.cases import change_stage, record_action
from triage.cli.main import main
from triage.render.reports import MARKING, render
from triage.reports import cohorts, lateness, tsm, year
from triage.reports.catalogue import make_report
from triage.reports.document import ReportError, parse_term
from triage.store import Store

AMY, BEN, CARA, DAN = "A123456789012", "B123456789012", "C123456789012", "D123456789012"
OCT = [date(2026, 10, 12) + timedelta(days=i) for i in range(5)]
NOV = [date(2026, 11, 2) + timedelta(days=i) for i in range(5)]
SESSIONS = [(d, s) for d in NOV for s in ("AM", "PM")]
OCT_SESSIONS = [(d, s) for d in OCT for s in ("AM", "PM")]

PUPILS = (
    "UPN,Surname,Forename,Year,Reg,FSM,SEN,Looked After\n"
    f"{AMY},Able,Amy,9,9A,Y,,N\n"
    f"{BEN},Bell,Ben,9,9A,N,K,N\n"
    f"{CARA},Cole,Cara,9,9B,N,,N\n"
    f"{DAN},Dee,Dan,10,10A,N,,Y\n"
)


def _marks() -> str:
    lines = ["UPN,Date,Session,Mark,Minutes Late"]

    def put(upn: str, sessions: list[tuple[date, str]], codes: list[str]) -> None:
        for (d, s), code in zip(sessions, codes, strict=True):
            minutes = {"L": "10", "U": "30"}.get(code, "")
            present = "/" if s == "AM" else "\\"
            lines.append(f"{upn},{d:%d/%m/%Y},{s},{present if code == 'P' else code},{minutes}")

    put(AMY, OCT_SESSIONS, ["P"] * 10)
    put(BEN, OCT_SESSIONS, ["P"] * 10)
    put(CARA, OCT_SESSIONS, ["P"] * 5 + ["O"] * 5)
    put(DAN, OCT_SESSIONS, ["P"] * 10)
    put(AMY, SESSIONS, ["P"] * 10)
    put(BEN, SESSIONS, ["P"] * 7 + ["I", "N", "N"])
    put(CARA, SESSIONS, ["P"] * 4 + ["O"] * 6)
    put(DAN, SESSIONS, ["L", "P", "P", "U"] + ["P"] * 6)
    return "\n".join(lines) + "\n"


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, pupils=PUPILS, marks=_marks())


@pytest.fixture
def school_db(school: Store, tmp_path: Path) -> Path:
    return tmp_path / "triage.db"


def _cohort(report: cohorts.CohortsReport, name: str) -> cohorts.Cohort:
    return next(c for c in report.cohorts if c.name == name)


# --- cohorts -------------------------------------------------------------------------------


def test_whole_school_rates_are_the_hand_counted_ones(school: Store) -> None:
    report = cohorts.cohorts_report(school, NOV[0], NOV[-1])
    whole = _cohort(report, "Whole school").now
    assert whole.pupils == 4
    assert (whole.sessions.possible, whole.sessions.attending) == (40, 30)
    assert whole.attendance == 75.0  # 30 of 40
    assert whole.authorised == 2.5  # Ben's I
    assert whole.unauthorised == 22.5  # Ben's 2 N, Cara's 6 O, Dan's U
    # PA at 10% missed: Ben (30%), Cara (60%) and Dan (exactly 10%: the U); SA at 50%: Cara.
    assert (whole.persistent, whole.persistent_pct) == (3, 75.0)
    assert (whole.severe, whole.severe_pct) == (1, 25.0)
    assert (whole.sessions.late_before_close, whole.sessions.late_after_close) == (1, 1)
    assert whole.average_minutes_late == 20.0


def test_year_reg_and_flag_cohorts_count_only_their_pupils(school: Store) -> None:
    report = cohorts.cohorts_report(school, NOV[0], NOV[-1])
    year9 = _cohort(report, "Year 9").now
    assert (year9.pupils, year9.attendance, year9.persistent, year9.severe) == (3, 70.0, 2, 1)
    assert _cohort(report, "9A").now.attendance == 85.0  # Amy 10 + Ben 7 of 20
    assert _cohort(report, "Free school meals").now.attendance == 100.0  # Amy
    assert _cohort(report, "SEN support").now.attendance == 70.0  # Ben
    assert _cohort(report, "Looked after").now.attendance == 90.0  # Dan
    assert [c.name for c in report.cohorts if c.kind == "flag"] == [
        "Looked after",
        "SEN support",
        "Free school meals",
    ]


def test_change_against_the_previous_half_term_and_last_year_when_not_held(
    school: Store,
) -> None:
    report = cohorts.cohorts_report(school, NOV[0], NOV[-1])
    assert report.previous_half_term == (OCT[0], OCT[-1])
    whole = _cohort(report, "Whole school")
    assert whole.previous_half_term is not None
    assert whole.previous_half_term.attendance == 87.5  # 35 of 40
    row = cohorts.document(report).sections[0].rows[0]
    assert row[-2] == -12.5  # 75.0 against 87.5
    assert report.last_year is None and row[-1] is None


def test_comparison_figures_the_school_entered_are_shown_beside(school: Store) -> None:
    school.set_setting("compare_national_attendance", "93.2")
    doc = cohorts.document(cohorts.cohorts_report(school, NOV[0], NOV[-1]))
    assert ("National attendance %", "93.2%") in doc.facts
    assert not any("Local authority" in label for label, _ in doc.facts)


def test_cohorts_of_a_period_without_marks_is_one_clear_error(school: Store) -> None:
    with pytest.raises(ReportError, match="no marks"):
        cohorts.cohorts_report(school, date(2026, 12, 7), date(2026, 12, 11))


# --- head of year ------------------------------------------------------------------------


def test_head_of_year_week(school: Store) -> None:
    ben = school.pupil_by_upn(BEN)
    assert ben is not None
    change_stage(
        school, ben.id, "Monitor", "pattern", date(2026, 11, 20), at=datetime(2026, 11, 6, 10)
    )
    report = year.year_report(school, 9, NOV[2])
    assert (report.start, report.end) == (NOV[0], NOV[-1])
    assert [(a.pupil.upn, a.sessions, a.codes) for a in report.absences] == [
        (CARA, 6, "O 6"),
        (BEN, 3, "I 1, N 2"),
    ]
    # Ben was at 100% before the week and is at 85% (17 of 20) after: he fell below 90%.
    # Cara was below already (50% before the week).
    assert [(f.pupil.upn, f.before, f.after) for f in report.fell_below] == [(BEN, 100.0, 85.0)]
    assert [(c.pupil.upn, c.stage, c.next_review) for c in report.caseload] == [
        (BEN, "Monitor", date(2026, 11, 20))
    ]
    assert [p.upn for p in report.full_attendance] == [AMY]
    assert DAN not in {a.pupil.upn for a in report.absences}  # year 10


# --- targeting support meeting -----------------------------------------------------------


def test_tsm_lists_severe_then_persistent_then_at_risk(school: Store) -> None:
    ben = school.pupil_by_upn(BEN)
    assert ben is not None
    record_action(
        school, ben.id, "meeting_held", date(2026, 11, 5), detail={"barriers": ["transport"]}
    )
    start, end = parse_term("autumn-2026")
    report = tsm.tsm_report(school, start, end)
    # The term: Amy 100%, Ben 85% (PA), Cara 45% (SA), Dan 95% (within 5 points of 90%).
    assert [(t.pupil.upn, t.group, t.term_pct) for t in report.pupils] == [
        (CARA, "severe", 45.0),
        (BEN, "persistent", 85.0),
        (DAN, "at_risk", 95.0),
    ]
    assert report.pupils[1].barriers == ("transport",)
    assert report.pupils[1].holders == ("officer.one",)
    assert report.end == NOV[-1]  # up to the last marks


def test_term_names_are_checked() -> None:
    assert parse_term("spring-2027") == (date(2027, 1, 1), date(2027, 3, 28))
    with pytest.raises(ReportError, match="not a term"):
        parse_term("winter-2026")


def _tsm_csv(db: Path, out: Path) -> list[dict[str, str]]:
    assert (
        main(
            [
                "report",
                "tsm",
                "--term",
                "autumn-2026",
                "--format",
                "csv",
                "--out",
                str(out),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    return list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_tsm_record_back_writes_each_agreement_on_its_case(school_db: Path, tmp_path: Path) -> None:
    rows = _tsm_csv(school_db, tmp_path / "tsm.csv")
    for row in rows:
        if row["upn"] == BEN:
            row.update(
                agreed="Early Help referral this week",
                agreed_action="early_help_referral",
                lead="LA EWO",
                due="01/12/2026",
            )
        if row["upn"] == CARA:
            row["agreed"] = "Home visit by the school"
    _write_rows(tmp_path / "agreed.csv", rows)
    assert (
        main(
            [
                "report",
                "tsm-record",
                str(tmp_path / "agreed.csv"),
                "--date",
                "20/11/2026",
                "--db",
                str(school_db),
            ]
        )
        == 0
    )
    notes = query(
        school_db,
        "SELECT p.upn, n.text FROM notes n JOIN pupils p ON p.id = n.pupil_id ORDER BY p.upn",
    )
    assert notes == [
        (
            BEN,
            "Targeting support meeting 20/11/2026 agreed: Early Help referral this week."
            " Lead: LA EWO.",
        ),
        (CARA, "Targeting support meeting 20/11/2026 agreed: Home visit by the school."),
    ]
    actions = query(
        school_db,
        "SELECT p.upn, a.kind, a.date, a.due_date, a.status FROM actions a"
        " JOIN pupils p ON p.id = a.pupil_id",
    )
    assert actions == [(BEN, "early_help_referral", "2026-11-20", "2026-12-01", "open")]
    assert query(school_db, "SELECT COUNT(*) FROM events WHERE action = 'tsm-record'") == [(1,)]


def test_tsm_record_back_with_one_wrong_line_changes_nothing(
    school_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _tsm_csv(school_db, tmp_path / "tsm.csv")
    rows[0]["agreed"] = "Home visit"
    rows[1]["agreed"] = "Contract"
    rows[1]["agreed_action"] = "penalty_notice"  # not from a file: a lead's, with its checks
    _write_rows(tmp_path / "agreed.csv", rows)
    before = database_dump(school_db)
    assert main(["report", "tsm-record", str(tmp_path / "agreed.csv"), "--db", str(school_db)]) == 1
    err = capsys.readouterr().err
    assert "agreed.csv: line 3: agreed action 'penalty_notice' is not one of" in err
    assert "Traceback" not in err
    assert database_dump(school_db) == before


# --- lateness --------------------------------------------------------------------------------


def test_lateness_by_minutes_and_session(school: Store) -> None:
    report = lateness.lateness_report(school, NOV[0], NOV[-1])
    assert report.pupils_late == 1
    (dan,) = report.pupils
    c = dan.counts
    assert (dan.pupil.upn, c.lates, c.late_before_close, c.late_after_close) == (DAN, 2, 1, 1)
    assert (c.late_am, c.late_pm, c.minutes_late, dan.average_minutes) == (1, 1, 40, 20.0)


# --- every format -------------------------------------------------------------------------

KINDS = {
    "cohorts": {},
    "year": {"year_group": 9, "week_of": NOV[0]},
    "tsm": {"term": "autumn-2026"},
    "lateness": {"start": NOV[0], "end": NOV[-1]},
}
NAMES = ("Amy", "Able", "Ben", "Bell", "Cara", "Cole", "Dan", "Dee")


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "html"])
def test_no_names_leaves_no_name_or_upn(school: Store, kind: str, fmt: str) -> None:
    named = render(make_report(school, kind, names=True, **KINDS[kind]), fmt)  # type: ignore[arg-type]
    bare = render(make_report(school, kind, names=False, **KINDS[kind]), fmt)  # type: ignore[arg-type]
    if kind != "cohorts":  # the report does name pupils: the test below means something
        assert ("Dee" if kind == "lateness" else "Cole") in named
    for word in (*NAMES, AMY, BEN, CARA, DAN):
        assert word not in bare


def test_json_has_stable_keys(school: Store) -> None:
    data = json.loads(render(make_report(school, "lateness", start=NOV[0], end=NOV[-1]), "json"))
    assert list(data) == ["report", "title", "school", "from", "to", "names", "facts", "sections"]
    assert list(data["sections"]["pupils"][0]) == [
        "pupil", "upn", "year", "reg_group", "lates", "late_l", "late_u", "late_am", "late_pm",
        "minutes_late", "average_minutes_late",
    ]  # fmt: skip
    assert data["sections"]["pupils"][0]["minutes_late"] == 40


def test_csv_has_a_bom_and_no_live_formula(school: Store, school_db: Path, tmp_path: Path) -> None:
    school.conn.execute(
        "UPDATE pupils SET preferred_forename = '=HYPERLINK(\"x\")' WHERE upn = ?", (DAN,)
    )
    school.conn.commit()
    out = tmp_path / "late.csv"
    assert (
        main(
            [
                "report",
                "lateness",
                "--from",
                "02/11/2026",
                "--format",
                "csv",
                "--out",
                str(out),
                "--db",
                str(school_db),
            ]
        )
        == 0
    )
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("x") Dee'


def test_html_is_marked_numbered_and_its_chart_starts_at_zero(school: Store) -> None:
    page = render(make_report(school, "cohorts", start=NOV[0], end=NOV[-1]), "html")
    assert MARKING in page
    assert "counter(page)" in page
    assert ">0%</text>" in page and ">100%</text>" in page  # the axis, 0 to 100
    assert "bars start at 0%" in page
    bare = render(make_report(school, "cohorts", start=NOV[0], end=NOV[-1], names=False), "html")
    assert MARKING not in bare


def test_markdown_escapes_names(school: Store) -> None:
    school.conn.execute("UPDATE pupils SET legal_surname = '<b>Dee</b>' WHERE upn = ?", (DAN,))
    school.conn.commit()
    text = render(make_report(school, "lateness", start=NOV[0], end=NOV[-1]), "markdown")
    assert "<b>" not in text and "\\<b\\>" in text


# --- the command line and the screen ------------------------------------------------------


def test_report_year_of_a_year_not_on_roll_is_one_line(
    school_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "year", "R", "--db", str(school_db)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "triage: no pupil on roll in reception"


async def test_reports_screen_shows_the_same_figures(school_db: Path) -> None:
    from screens.reports_screen import ReportsScreen

    app = make_app(school_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.push_screen(ReportsScreen("cohorts"))
        await settle(pilot, ("reports",))
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.doc is not None
        assert screen.doc.sections[0].rows[0][3] == 75.0
        await pilot.press("4")
        await settle(pilot, ("reports",))
        assert screen.doc.kind == "lateness"
        assert screen.doc.sections[0].rows[0][:2] == ("Dan Dee", DAN)
        await pilot.press("n")
        await settle(pilot, ("reports",))
        assert screen.doc.sections[0].rows[0][0] == "P1"


def test_a_comparison_figure_must_be_a_percentage(school: Store) -> None:
    from triage.settings import SETTINGS, SettingError

    check = SETTINGS["compare_la_attendance"].check
    assert check(" 94.5% ") == "94.5"
    assert check("") == ""
    with pytest.raises(SettingError, match="percentage"):
        check("ninety")


def test_the_parser_offers_the_renderer_s_formats() -> None:
    from triage.cli import args as cli_args
    from triage.render import reports as report_render

    assert cli_args.REPORT_FORMATS == report_render.FORMATS


def test_a_page_without_a_marking_is_as_before() -> None:
    from triage.render.html import html_page

    plain = html_page("Letter", "<p>x</p>")
    assert "marking" not in plain.split("</style>")[1] and "counter(page)" not in plain
    marked = html_page("R", "<p>x</p>", marking="OFFICIAL-SENSITIVE: a;b", page_numbers=True)
    assert '<p class="marking">OFFICIAL-SENSITIVE: a;b</p>' in marked
    assert 'content: "OFFICIAL-SENSITIVE: a\\3b b"' in marked  # no CSS can be smuggled in


async def test_r_on_the_queue_opens_the_reports(demo_db) -> None:
    from screens.reports_screen import ReportsScreen
    from tests.pilot import loaded, make_app, press

    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "R")
        assert isinstance(app.screen, ReportsScreen)
