"""The end-of-day summary and the MIS amendments file: every figure against a direct count."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import date
from html.parser import HTMLParser

import pytest

from tests.conftest import DEMO_MORNING
from triage.cli.main import main
from triage.codes import ATTENDING_CODES, POSSIBLE_CODES
from triage.morning.logbook import log_attempt, record_reason, set_callback
from triage.morning.queue import load_morning
from triage.render.summary_report import attendance_chart, chart_svg, render, sparkline
from triage.reports.amendments import mark_exported, pending, to_csv
from triage.reports.summary import day_summary
from triage.store import open_store


@pytest.fixture
def worked_db(demo_db):
    """The demo morning with some work done by two officers."""
    with open_store(demo_db, officer="officer.one") as s:
        morning = load_morning(s, DEMO_MORNING)
        fams = morning.families
        log_attempt(
            s,
            [e.pupil.id for e in fams[0].entries],
            DEMO_MORNING,
            "AM",
            "call",
            "spoke_reason",
            reason_code="I",
        )
        log_attempt(
            s, [e.pupil.id for e in fams[1].entries], DEMO_MORNING, "AM", "call", "no_answer"
        )
        set_callback(
            s,
            [e.pupil.id for e in fams[2].entries],
            DEMO_MORNING,
            "AM",
            __import__("datetime").datetime(2026, 11, 24, 14, 30),
        )
    with open_store(demo_db, officer="officer.two") as s:
        record_reason(s, [fams[3].entries[0].pupil.id], DEMO_MORNING, "AM", "M")
        log_attempt(
            s, [e.pupil.id for e in fams[4].entries], DEMO_MORNING, "AM", "text", "text_sent"
        )
    return demo_db


def _direct(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_counts_match_direct_queries(worked_db) -> None:
    with open_store(worked_db) as s:
        summary = day_summary(s, DEMO_MORNING)
    d = DEMO_MORNING.isoformat()
    queued = dict(
        _direct(
            worked_db,
            "SELECT session, COUNT(*) FROM marks WHERE date=? AND queued=1 GROUP BY session",
            d,
        )
    )
    assert summary.queued == queued
    assert (
        summary.recodes == _direct(worked_db, "SELECT COUNT(*) FROM recodes WHERE date=?", d)[0][0]
    )
    reasons = dict(
        _direct(
            worked_db,
            "SELECT code, COUNT(*) FROM marks WHERE date=? AND"
            " queued=1 AND code != 'N' GROUP BY code",
            d,
        )
    )
    assert summary.reasons_by_code == reasons == {"I": 1, "M": 1}
    still_n = _direct(
        worked_db, "SELECT COUNT(*) FROM marks WHERE date=? AND queued=1 AND code='N'", d
    )[0][0]
    assert len(summary.unexplained) == still_n
    assert summary.attempts_by_channel == {"Call": 2, "Callback": 1, "Text": 1}
    assert summary.families_contacted == 4
    assert summary.per_officer["officer.one"] == {"attempts": 3, "recodes": 1}
    assert summary.per_officer["officer.two"] == {"attempts": 1, "recodes": 1}
    assert len(summary.callbacks_outstanding) == 1


def test_attendance_percentages_match_a_direct_count(worked_db) -> None:
    with open_store(worked_db) as s:
        summary = day_summary(s, DEMO_MORNING)
    rows = _direct(worked_db, "SELECT code FROM marks WHERE date = ?", DEMO_MORNING.isoformat())
    att = sum(1 for (c,) in rows if c in ATTENDING_CODES)
    poss = sum(1 for (c,) in rows if c in POSSIBLE_CODES)
    assert summary.attendance_today == round(100 * att / poss, 1)
    term = _direct(
        worked_db,
        "SELECT code FROM marks WHERE date BETWEEN '2026-09-01' AND ?",
        DEMO_MORNING.isoformat(),
    )
    t_att = sum(1 for (c,) in term if c in ATTENDING_CODES)
    t_poss = sum(1 for (c,) in term if c in POSSIBLE_CODES)
    assert summary.attendance_term == round(100 * t_att / t_poss, 1)
    assert len(summary.last_school_days) == 20
    assert summary.last_school_days[-1][0] == DEMO_MORNING


def test_full_attendance_lists_exactly_the_pupils_with_no_missed_session(worked_db) -> None:
    with open_store(worked_db) as s:
        summary = day_summary(s, DEMO_MORNING)
        on_roll = {p.id: p.display_name for p in s.pupils() if p.on_roll(DEMO_MORNING)}
    rows = _direct(
        worked_db,
        "SELECT pupil_id, code FROM marks WHERE date BETWEEN '2026-09-01' AND ?",
        DEMO_MORNING.isoformat(),
    )
    possible: dict[int, int] = {}
    missed: set[int] = set()
    for pid, code in rows:
        if code in POSSIBLE_CODES:
            possible[pid] = possible.get(pid, 0) + 1
            if code not in ATTENDING_CODES:
                missed.add(pid)
    expected = sorted(on_roll[p] for p in possible if p not in missed and p in on_roll)
    assert summary.full_attendance == expected
    assert len(expected) > 50
    assert summary.most_improved and all(i.after > i.before for i in summary.most_improved)


def test_a_day_with_no_absences_is_a_quiet_summary(tmp_path) -> None:
    path = tmp_path / "t.db"
    marks = tmp_path / "m.csv"
    marks.write_text(
        "UPN,Surname,Forename,Date,Session,Mark\nA123456789012,Smith,Jo,24/11/2026,AM,/\n"
    )
    assert main(["import", "marks", str(marks), "--db", str(path)]) == 0
    with open_store(path) as s:
        summary = day_summary(s, date(2026, 11, 24))
    assert summary.queued == {} and summary.unexplained == []
    assert summary.attendance_today == 100.0
    assert "none" in render(summary, "text")


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "html"])
def test_every_format_renders_and_parses_back(worked_db, fmt) -> None:
    with open_store(worked_db) as s:
        summary = day_summary(s, DEMO_MORNING)
    out = render(summary, fmt)
    if fmt == "json":
        data = json.loads(out)
        assert data["recodes"] == summary.recodes
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {"section": "recodes", "value": str(summary.recodes)}.items() <= {
            k: v for r in rows if r["section"] == "recodes" for k, v in r.items()
        }.items()
    elif fmt == "html":
        _check_html(out)
        assert "<svg" in out and "http" not in out.replace("http://www.w3.org/2000/svg", "")
    elif fmt == "markdown":
        assert "| Marks recoded | 2 |" in out
    else:
        assert "Marks recoded" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "html"])
def test_every_format_counts_the_dsl_told_apart_from_the_case_alerts_acknowledged(
    worked_db, fmt
) -> None:
    with open_store(worked_db, officer="officer.one") as s:
        pupils = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[-2:]  # two families not yet worked
        log_attempt(s, pupils, DEMO_MORNING, "AM", "call", "dsl_informed")  # as c then 7
        summary = day_summary(s, DEMO_MORNING)
    assert (summary.dsl_told, summary.alerts_acknowledged) == (2, 0)
    out = render(summary, fmt)
    if fmt == "json":
        assert (json.loads(out)["dsl_told"], json.loads(out)["alerts_acknowledged"]) == (2, 0)
    elif fmt == "csv":
        rows = {r["section"]: r["value"] for r in csv.DictReader(io.StringIO(out))}
        assert (rows["dsl_told"], rows["alerts_acknowledged"]) == ("2", "0")
    elif fmt == "markdown":
        assert "| DSL told (safeguarding step) | 2 |" in out
        assert "| Case alerts acknowledged | 0 |" in out
    elif fmt == "html":
        assert "<th>DSL told (safeguarding step)</th><td>2</td>" in out
        assert "<th>Case alerts acknowledged</th><td>0</td>" in out
    else:
        assert re.search(r"DSL told \(safeguarding step\) +2\n", out)
        assert re.search(r"Case alerts acknowledged +0\n", out)


def test_no_names_leaves_every_pupil_unnamed(worked_db) -> None:
    with open_store(worked_db) as s:
        summary = day_summary(s, DEMO_MORNING)
        names = [u.name for u in summary.unexplained] + summary.full_attendance
    for fmt in ("text", "markdown", "csv", "json", "html"):
        out = render(summary, fmt, names=False)
        assert not any(n in out for n in names), fmt


def test_sparkline_spans_lowest_to_highest() -> None:
    assert sparkline([90.0, 95.0, 100.0]) == "▁▄█"
    assert sparkline([None, 90.0]) == " ▁"


class _Balanced(HTMLParser):
    VOID = {"meta", "br", "img", "link", "rect", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()


def _check_html(text: str) -> None:
    parser = _Balanced()
    parser.feed(text)
    assert parser.stack == []


# --- amendments ---------------------------------------------------------------------------


def test_amendments_list_each_recode_once_then_not_again(worked_db, tmp_path) -> None:
    out = tmp_path / "amend.csv"
    assert main(["export", "amendments", "--db", str(worked_db), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the names right
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted((r["Original mark"], r["New mark"]) for r in rows) == [("N", "I"), ("N", "M")]
    assert {r["Officer"] for r in rows} == {"officer.one", "officer.two"}
    again = tmp_path / "again.csv"
    assert main(["export", "amendments", "--db", str(worked_db), "--out", str(again)]) == 0
    assert len(again.read_bytes().decode("utf-8-sig").splitlines()) == 1  # header only
    everything = tmp_path / "all.csv"
    assert (
        main(["export", "amendments", "--all", "--db", str(worked_db), "--out", str(everything)])
        == 0
    )
    assert len(everything.read_bytes().decode("utf-8-sig").splitlines()) == 3


def test_the_amendments_reason_is_the_register_reason_and_the_call_outcome_its_own_column(
    worked_db, tmp_path
) -> None:
    out = tmp_path / "amend.csv"
    assert main(["export", "amendments", "--db", str(worked_db), "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    by_code = {r["New mark"]: r for r in rows}
    assert by_code["I"]["Reason"].startswith("Illness")
    assert by_code["M"]["Reason"].startswith("Leave: medical or dental appointment")
    assert "Spoke to contact" not in by_code["I"]["Reason"]
    assert by_code["I"]["Outcome"] == "Spoke to contact — reason given"


def test_the_summary_csv_starts_with_the_byte_order_mark_excel_needs(worked_db, tmp_path):
    out = tmp_path / "summary.csv"
    argv = ["summary", "--db", str(worked_db), "--date", "2026-11-24", "--format", "csv"]
    assert main([*argv, "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdate,section,item,value")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert "Müller" in data.decode("utf-8-sig")  # the demo's most improved, read back whole


def test_a_summary_csv_of_several_days_has_one_byte_order_mark_and_one_header(
    worked_db, capsysbinary
) -> None:
    argv = ["summary", "--db", str(worked_db), "--from", "2026-11-23", "--to", "2026-11-24"]
    assert main([*argv, "--format", "csv"]) == 0
    data = capsysbinary.readouterr().out
    assert data.startswith(b"\xef\xbb\xbfdate,section,item,value")
    assert data.count(b"\xef\xbb\xbf") == 1 and data.count(b"date,section,item,value") == 1
    assert b"2026-11-23," in data and b"2026-11-24," in data


def test_a_corrected_recode_is_one_row_from_the_original_to_the_final_mark(worked_db):
    with open_store(worked_db) as s:
        pid = s.conn.execute("SELECT pupil_id FROM recodes WHERE new_code = 'I'").fetchone()[0]
        record_reason(s, [pid], DEMO_MORNING, "AM", "M")  # correction: I -> M
        rows = [a for a in pending(s) if a.upn == s.pupils([pid])[0].upn]
    assert [(a.original, a.new) for a in rows] == [("N", "M")]


def test_a_mark_the_mis_already_shows_needs_no_amendment(worked_db) -> None:
    with open_store(worked_db) as s:
        s.conn.execute("UPDATE marks SET mis_code = code WHERE amended = 1 AND code = 'M'")
        assert [a.new for a in pending(s)] == ["I"]


def test_a_formula_in_a_name_comes_out_inert(tmp_path) -> None:
    path = tmp_path / "t.db"
    marks = tmp_path / "m.csv"
    marks.write_text(
        "UPN,Surname,Forename,Date,Session,Mark\n"
        'A123456789012,"=HYPERLINK(""http://x"")",@Jo,24/11/2026,AM,N\n'
    )
    assert main(["import", "marks", str(marks), "--db", str(path)]) == 0
    with open_store(path) as s:
        record_reason(s, [1], date(2026, 11, 24), "AM", "I")
        text = to_csv(pending(s)).decode("utf-8-sig")
        mark_exported(s, pending(s), "x.csv")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1].startswith("'=") and row[2].startswith("'@")


async def test_s_opens_the_summary_and_brackets_move_between_days(worked_db) -> None:
    from textual.widgets import Static

    from screens.app import TriageApp

    app = TriageApp(worked_db, DEMO_MORNING)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#summary-title", Static).render())
        assert "Tuesday 24 November 2026" in title
        assert app.screen.summary.recodes == 2
        assert "Marks&#160;recoded" in app.export_screenshot()
        await pilot.press("left_square_bracket")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Monday 23 November 2026" in str(
            app.screen.query_one("#summary-title", Static).render()
        )
        await pilot.press("escape")
        assert type(app.screen).__name__ == "QueueScreen"


async def test_the_summary_screen_shows_the_ladder_table_and_the_dated_chart(demo_db) -> None:
    from screens.app import TriageApp
    from tests.pilot import settle, text_of

    _summary, _on_time, late_family = _timely_summary(demo_db)
    app = TriageApp(demo_db, DEMO_MORNING)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot, ("summary",))
        ladder = text_of(app.screen.query_one("#summary-ladder"))
        chart = text_of(app.screen.query_one("#summary-chart"))
    assert "On time" in ladder and "Not reached" in ladder
    text_row = next(line for line in ladder.splitlines() if "Text" in line and "09:45" in line)
    assert text_row.split()[-3:-1] == ["1", "1"]  # one family on time, one late
    assert late_family in ladder
    assert "Tue 24 Nov │" in chart and "bars start at" in chart


def test_the_summary_reports_how_timely_each_ladder_step_was(demo_db) -> None:
    _timely_summary(demo_db)


def _timely_summary(demo_db):
    """The demo morning with one family texted on time and one late; the summary, and the
    two families' names."""
    from datetime import datetime

    with open_store(demo_db, officer="officer.one") as s:
        families = load_morning(s, DEMO_MORNING).families
        log_attempt(
            s,
            [e.pupil.id for e in families[3].entries],
            DEMO_MORNING,
            "AM",
            "text",
            "text_sent",
            at=datetime(2026, 11, 24, 9, 40),
        )
        log_attempt(
            s,
            [e.pupil.id for e in families[4].entries],
            DEMO_MORNING,
            "AM",
            "text",
            "text_sent",
            at=datetime(2026, 11, 24, 10, 5),
        )
        summary = day_summary(s, DEMO_MORNING)
    text_step = next(t for t in summary.timeliness if t.step == "text_p1")
    assert (text_step.label, text_step.due_at) == ("Text", "09:45")  # registers close at 09:15
    assert text_step.on_time == 1
    assert text_step.median_minutes == (25 + 50) / 2
    assert text_step.worst_minutes == 50
    late_names = ", ".join(e.pupil.display_name for e in families[4].entries)
    assert text_step.late == (late_names,)
    on_time_names = ", ".join(e.pupil.display_name for e in families[3].entries)
    assert on_time_names not in text_step.not_reached
    # every other family the first text applied to was never texted
    assert len(text_step.not_reached) == text_step.families - 2
    return summary, on_time_names, late_names


def test_the_ladder_timeliness_is_a_table_in_every_format(demo_db) -> None:
    summary, on_time_family, late_family = _timely_summary(demo_db)
    text_step = next(t for t in summary.timeliness if t.step == "text_p1")
    counts = [str(text_step.families), "1", "1", str(len(text_step.not_reached))]

    text = render(summary, "text")
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("AM   Text") and "09:45" in line)
    assert row.split()[-4:] == counts
    follow_up = " ".join(text.split("Work per officer")[0].split())  # unwrapped
    assert (
        follow_up.split(f"{late_family} (AM) — ")[1].split("(AM)")[0].endswith("; late: Text 09:45")
    )

    markdown = render(summary, "markdown")
    assert f"| AM | Text | 09:45 | {' | '.join(counts)} |" in markdown

    html = render(summary, "html")
    assert (
        "<tr><td>AM</td><td>Text</td><td>09:45</td>"
        + "".join(f'<td class="n">{n}</td>' for n in counts)
        + "</tr>"
    ) in html
    assert "<th>not reached</th>" in html

    rows = list(csv.reader(io.StringIO(render(summary, "csv"))))
    ladder = {(r[1], r[2]): r[3] for r in rows if r[1].startswith("ladder_")}
    step = "AM 09:45 Text"
    assert [ladder[(k, step)] for k in ("ladder_families", "ladder_on_time")] == counts[:2]
    assert [ladder[(k, step)] for k in ("ladder_late", "ladder_not_reached")] == counts[2:]
    assert ["2026-11-24", "ladder_late_family", step, late_family] in rows
    # a family reached on time needs no follow-up at that step: it is not named for it
    on_time_line = follow_up.split(f"{on_time_family} (AM) — ")[1].split("(AM)")[0]
    assert "Text 09:45" not in on_time_line
    named = [r for r in rows if r[1].endswith("_family") and r[2] == step]
    assert on_time_family not in [r[3] for r in named]


def test_a_summary_without_names_gives_the_ladder_as_counts_only(demo_db) -> None:
    summary, _on_time, late_family = _timely_summary(demo_db)
    for fmt in ("text", "markdown", "html", "csv", "json"):
        out = render(summary, fmt, names=False)
        assert "ladder" in out.lower() or '"timeliness"' in out, fmt
        assert late_family not in out, fmt


# --- the school's attendance: every figure against a count of the marks themselves -----


def _expected_attendance(db, on: date, limit: int = 10) -> dict[str, object]:
    """The attendance figures of the summary, from every mark read back and counted in
    Python: the school days, the week, last week, the 20-day chart, the pupils at 100% this
    term and the most improved over the last 4 school weeks against the 4 before."""
    from datetime import timedelta

    from triage.rules import term_start

    with open_store(db) as s:
        pupils = {p.id: p for p in s.pupils()}

    marks = [
        (pid, date.fromisoformat(d), code)
        for pid, d, code in _direct(db, "SELECT pupil_id, date, code FROM marks")
    ]

    def pct(codes) -> float | None:
        rows = list(codes)
        poss = sum(1 for c in rows if c in POSSIBLE_CODES)
        att = sum(1 for c in rows if c in ATTENDING_CODES)
        return None if poss == 0 else round(100.0 * att / poss, 1)

    def between(start: date, end: date, pid: int | None = None) -> float | None:
        return pct(c for p, d, c in marks if start <= d <= end and pid in (None, p))

    days = sorted({d for _, d, c in marks if c != "#" and d <= on})
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    improved = []
    if len(weeks) >= 8:
        recent, prior = weeks[-4], weeks[-8]
        for pid in sorted({p for p, _, _ in marks}):
            before = between(prior, recent - timedelta(days=1), pid)
            after = between(recent, on, pid)
            if before is not None and after is not None and after > before:
                improved.append((after - before, pid, before, after))
        improved.sort(key=lambda t: (-t[0], t[1]))
    term = [(p, c) for p, d, c in marks if term_start(on) <= d <= on]
    possible = {p for p, c in term if c in POSSIBLE_CODES}
    missed = {p for p, c in term if c in POSSIBLE_CODES and c not in ATTENDING_CODES}
    return {
        "attendance_today": between(on, on),
        "attendance_week": between(on - timedelta(days=on.weekday()), on),
        "attendance_term": between(term_start(on), on),
        "attendance_same_day_last_week": between(on - timedelta(days=7), on - timedelta(days=7)),
        "last_school_days": [(d, between(d, d)) for d in days[-20:]],
        "full_attendance": sorted(
            pupils[p].display_name for p in possible - missed if pupils[p].on_roll(on)
        ),
        "most_improved": [
            (pupils[pid].upn, before, after) for _, pid, before, after in improved[:limit]
        ],
    }


def _attendance_of(summary) -> dict[str, object]:
    return {
        "attendance_today": summary.attendance_today,
        "attendance_week": summary.attendance_week,
        "attendance_term": summary.attendance_term,
        "attendance_same_day_last_week": summary.attendance_same_day_last_week,
        "last_school_days": summary.last_school_days,
        "full_attendance": summary.full_attendance,
        "most_improved": [(i.upn, i.before, i.after) for i in summary.most_improved],
    }


def test_every_attendance_figure_matches_a_count_of_the_marks(worked_db) -> None:
    with open_store(worked_db) as s:
        for on in (DEMO_MORNING, date(2026, 11, 16), date(2026, 10, 5)):
            assert _attendance_of(day_summary(s, on)) == _expected_attendance(worked_db, on), on
        assert _expected_attendance(worked_db, DEMO_MORNING)["most_improved"]


@pytest.fixture
def term_edge_db(tmp_path):
    """Twelve pupils from November to February, random marks (fixed seed): the summary's
    windows cross the Christmas holiday and the start of the spring term; one whole-school
    closure day ('#'), a partial closure, and pupils who leave or join half way."""
    import random
    from datetime import timedelta

    rnd = random.Random(5)
    codes = ["/"] * 12 + ["L", "I", "M", "O", "G", "U", "C", "V", "B", "X", "Y1", "N"]
    lines = ["UPN,Surname,Forename,Date,Session,Mark"]
    day = date(2025, 11, 3)
    while day <= date(2026, 2, 13):
        if day.weekday() < 5 and not date(2025, 12, 20) <= day <= date(2026, 1, 4):
            for n in range(12):
                if (n == 10 and day > date(2026, 1, 9)) or (n == 11 and day < date(2025, 12, 1)):
                    continue  # a leaver and a joiner
                for session in ("AM", "PM"):
                    if day == date(2026, 1, 21):
                        mark = "#"  # the whole school closed
                    elif day == date(2026, 1, 22) and n < 6:
                        mark = "#"  # part of it closed
                    else:
                        mark = rnd.choice(codes) if n % 3 else "/" if session == "AM" else "\\"
                    lines.append(
                        f"A1234567890{n:02d},Pupil{n},Test,{day:%d/%m/%Y},{session},{mark}"
                    )
        day += timedelta(days=1)
    path, csv_file = tmp_path / "t.db", tmp_path / "m.csv"
    csv_file.write_text("\n".join(lines) + "\n")
    assert main(["import", "marks", str(csv_file), "--db", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "on",
    [
        date(2026, 2, 13),  # the 4 weeks before the last 4 straddle the holiday
        date(2026, 1, 23),  # the day after the closure; last week's day was a school day
        date(2026, 1, 28),  # last week's same day was the closure
        date(2026, 1, 5),  # the first day of the spring term
        date(2025, 12, 25),  # a holiday: no marks that day
        date(2025, 11, 4),  # the second day of all
    ],
)
def test_attendance_figures_across_a_term_boundary_match_a_count(term_edge_db, on) -> None:
    with open_store(term_edge_db) as s:
        summary = day_summary(s, on, limit=5)
    assert _attendance_of(summary) == _expected_attendance(term_edge_db, on, limit=5)


# --- the 20-day chart ----------------------------------------------------------------------

CHART_DAYS = [(date(2026, 11, 23), 93.2), (date(2026, 11, 24), 95.9), (date(2026, 11, 25), None)]


def test_the_terminal_chart_names_each_day_prints_its_value_and_states_its_baseline() -> None:
    chart = attendance_chart(CHART_DAYS).plain
    lines = chart.splitlines()
    assert "bars start at 80%" in lines[0]  # 10% below the lowest day, rounded, and said
    monday = next(line for line in lines if line.startswith("Mon 23 Nov"))
    tuesday = next(line for line in lines if line.startswith("Tue 24 Nov"))
    assert monday.endswith("93.2%") and tuesday.endswith("95.9%")
    assert "no marks" in next(line for line in lines if line.startswith("Wed 25 Nov"))
    assert lines[-1].split() == ["80%", "85%", "90%", "95%", "100%"]  # the axis, in %
    # bar lengths from the baseline: (93.2-80)/20 and (95.9-80)/20 of the width
    bars = [line.split("│")[1].rstrip(" 0123456789.%") for line in (monday, tuesday)]
    assert len(bars[0].rstrip("▏▎▍▌▋▊▉")) == int(13.2 / 20 * 40)
    assert len(bars[1].rstrip("▏▎▍▌▋▊▉")) == int(15.9 / 20 * 40)


def test_the_html_chart_bars_start_at_zero_in_proportion_to_their_values() -> None:
    import re

    svg = chart_svg(CHART_DAYS)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2  # a day with no marks has no bar
    assert heights[0] / heights[1] == pytest.approx(93.2 / 95.9, rel=1e-3)
    bottoms = {
        round(float(y) + float(h), 1)
        for y, h in re.findall(r'<rect [^>]*y="([\d.]+)" [^>]*height="([\d.]+)"', svg)
    }
    assert len(bottoms) == 1  # every bar stands on the same line: 0%
    labels = re.findall(r">([^<>]+)</text>", svg)
    assert {"0%", "50%", "100%", "Attendance %", "93.2", "95.9"} <= set(labels)
    assert {"Mon 23 Nov", "Tue 24 Nov", "Wed 25 Nov"} <= set(labels)
    assert "#2b6cb0" not in svg  # black, white and grey: it prints


def test_the_html_summary_says_where_its_bars_start(worked_db) -> None:
    with open_store(worked_db) as s:
        html = render(day_summary(s, DEMO_MORNING), "html")
    assert "Each bar starts at 0%" in html
