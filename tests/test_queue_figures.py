"""The queue's figures counted by SQLite (triage.morning.queue.queue_figures) are the figures the
rules give over every mark (triage.rules.queue_figures), and one family's progress read
again after a write is the whole queue's progress read again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.conftest import DEMO_MORNING
from triage import rules
from triage.codes import CODES
from triage.imports.importers import import_files
from triage.model import Mark
from triage.morning.logbook import log_attempt, record_reason
from triage.morning.queue import (
    RUN_TAIL_SCHOOL_DAYS,
    load_morning,
    load_progress,
    queue_figures,
    refresh_families,
)
from triage.store import Store

MON = date(2026, 11, 2)
UPN = "A123456789012"
AT = datetime(2026, 11, 24, 9, 30)


def figures_from_every_mark(store: Store, pupil_ids: list[int], on: date) -> dict:
    """The rules over a year of marks: what the queue computed before it counted."""
    days = rules.school_days(store.date_codes())
    window_start = rules.rolling_window_start(days, on)
    since = min(rules.school_year_start(on), window_start or on)
    marks = store.marks_by_pupil(pupil_ids, start=since, end=on)
    term = rules.term_start(on)
    return {
        pid: rules.queue_figures(marks.get(pid, ()), days, on, term, window_start)
        for pid in pupil_ids
    }


def test_counted_figures_equal_the_rules_over_every_mark_on_every_demo_school_day(demo):
    """Every pupil with a possible absence that day (not only the N ones, so that runs,
    overdue N and the term boundary all vary), on every school day of the demo term."""
    days = rules.school_days(demo.date_codes())
    long_runs = 0
    checked = 0
    for on in days[-45:]:
        ids = [
            pid
            for (pid,) in demo.conn.execute(
                "SELECT DISTINCT pupil_id FROM marks WHERE date = ? AND code IN ('N','O','G','U')",
                (on.isoformat(),),
            )
        ]
        if not ids:
            continue
        expected = figures_from_every_mark(demo, ids, on)
        assert queue_figures(demo, ids, on) == expected, on
        long_runs += sum(1 for f in expected.values() if f.consecutive_days > RUN_TAIL_SCHOOL_DAYS)
        checked += len(ids)
    assert checked > 500
    assert long_runs > 0  # the longer read (a run beyond the last few days) was exercised


def marks_of(pupil_id: int, rows: list[tuple[date, str, str]]) -> list[Mark]:
    return [Mark(pupil_id, d, s, c) for d, s, c in rows]


def test_a_run_across_the_summer_holiday_is_read_beyond_the_recent_school_days(store, tmp_path):
    """Early September, absent since July: the run counts school days, so it crosses the
    holiday, and it is longer than the few recent days the counted way reads first."""
    july = [date(2026, 7, d) for d in (13, 14, 15, 16, 17, 20, 21)]
    september = [date(2026, 9, d) for d in (2, 3, 4)]
    rows = [
        f"{UPN},Smith,Amy,9,9R,{d:%d/%m/%Y},{session},N\n"
        for d in july + september
        for session in ("AM", "PM")
    ]
    path = tmp_path / "marks.csv"
    path.write_text("UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n" + "".join(rows))
    import_files(store, "marks", [path])
    pupil = store.pupil_by_upn(UPN).id
    on = date(2026, 9, 4)
    expected = figures_from_every_mark(store, [pupil], on)
    assert queue_figures(store, [pupil], on) == expected
    assert expected[pupil].consecutive_days == 10 > RUN_TAIL_SCHOOL_DAYS


def test_attendance_from_counts_is_attendance_over_the_marks():
    rows = [
        (MON + timedelta(days=i % 5), "AM" if i % 2 else "PM", code)
        for i, code in enumerate(
            ["/", "\\", "I", "M", "N", "O", "X", "#", "L", "V", "G", "U", "D", "B"]
        )
    ]
    marks = marks_of(1, rows)
    counts: dict[str, int] = {}
    for m in marks:
        counts[m.code] = counts.get(m.code, 0) + 1
    assert rules.attendance_from_counts(counts.items()) == rules.attendance(marks)
    assert rules.attendance_from_counts([("/", 3), ("/", 2), ("N", 5)]).percent == 50.0


def test_attendance_from_counts_refuses_a_code_that_is_not_national():
    assert "Q9" not in CODES
    with pytest.raises(KeyError):
        rules.attendance_from_counts([("Q9", 1)])


@pytest.mark.parametrize("upto_offset", range(0, 14))
def test_overdue_n_before_agrees_with_overdue_n_marks(upto_offset):
    """Across a half-term week with no school days: an N dated before the cutoff is
    overdue and one on or after it is not."""
    school = [MON + timedelta(days=i) for i in range(28) if (MON + timedelta(days=i)).weekday() < 5]
    school = [d for d in school if not date(2026, 11, 9) <= d <= date(2026, 11, 13)]  # a week off
    upto = school[upto_offset]
    marks = marks_of(1, [(d, "AM", "N") for d in school if d <= upto])
    overdue = {m.date for m in rules.overdue_n_marks(marks, school, upto)}
    cutoff = rules.overdue_n_before(school, upto)
    assert {m.date for m in marks if cutoff is not None and m.date < cutoff} == overdue


def test_unauthorised_run_says_whether_a_day_ended_it():
    days = [MON + timedelta(days=i) for i in range(5)]
    all_n = marks_of(1, [(d, "AM", "N") for d in days])
    assert rules.unauthorised_run(all_n, days, days[-1]) == (days[::-1], False)  # ran out
    present_monday = marks_of(1, [(days[0], "AM", "/")] + [(d, "AM", "N") for d in days[1:]])
    assert rules.unauthorised_run(present_monday, days, days[-1]) == (days[:0:-1], True)
    assert rules.consecutive_unauthorised_days(all_n, days, days[-1]) == 5


def test_one_familys_progress_read_again_equals_the_whole_queue_read_again(demo):
    morning = load_morning(demo, DEMO_MORNING, "AM")
    before = load_progress(demo, morning, AT)
    family = next(f for f in morning.families if len(f.entries) == 2)
    ids = [e.pupil.id for e in family.entries]
    log_attempt(demo, ids, DEMO_MORNING, "AM", "call", "no_answer", None, at=AT)
    record_reason(demo, ids[:1], DEMO_MORNING, "AM", "I", at=AT + timedelta(minutes=1))
    later = AT + timedelta(minutes=2)
    assert refresh_families(demo, morning, before, ids[1:], later) == load_progress(
        demo, morning, later
    )
    assert refresh_families(demo, morning, before, ids[1:], later) != before
