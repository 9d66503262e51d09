"""The case record: half-terms (approximate, from the register), the chronology's order
(newest last), its escaping in Markdown and HTML, and what the case summary gathers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from tests.conftest import DEMO_MORNING, planted
from triage.casework import cases, penalties
from triage.casework.chronology import (
    CaseError,
    build_chronology,
    half_terms,
    load_case,
    render,
    siblings_of,
)
from triage.model import Mark
from triage.morning import logbook
from triage.store import Store


def weekdays(first: date, last: date, skip: tuple[date, ...] = ()) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5 and d not in skip]


def present(days: list[date]) -> list[Mark]:
    return [Mark(1, d, s, "/" if s == "AM" else "\\") for d in days for s in ("AM", "PM")]


# --- half-terms -------------------------------------------------------------------------------

AUTUMN = weekdays(date(2026, 9, 2), date(2026, 10, 23)) + weekdays(
    date(2026, 11, 2),
    date(2026, 12, 18),
    skip=(date(2026, 11, 13),),  # an INSET day
)


def test_a_term_is_split_at_its_half_term_week_not_at_an_inset_day() -> None:
    found = half_terms(present(AUTUMN), AUTUMN, None, date(2026, 12, 18))
    assert [(h.label, h.start, h.end) for h in found] == [
        ("Autumn 1, 2026/27", date(2026, 9, 2), date(2026, 10, 23)),
        ("Autumn 2, 2026/27", date(2026, 11, 2), date(2026, 12, 18)),
    ]


def test_a_register_that_starts_after_the_break_is_the_second_half() -> None:
    days = weekdays(date(2026, 11, 2), date(2026, 11, 20))
    (only,) = half_terms(present(days), days, None, date(2026, 11, 20))
    assert only.label == "Autumn 2, 2026/27"


def test_a_term_before_its_break_is_the_first_half() -> None:
    days = weekdays(date(2026, 9, 2), date(2026, 10, 16))
    (only,) = half_terms(present(days), days, None, date(2026, 10, 16))
    assert only.label == "Autumn 1, 2026/27"


def test_from_inside_a_half_term_keeps_its_label_and_starts_there() -> None:
    found = half_terms(present(AUTUMN), AUTUMN, date(2026, 11, 16), date(2026, 12, 18))
    assert [(h.label, h.start) for h in found] == [("Autumn 2, 2026/27", date(2026, 11, 16))]


def test_each_half_term_counts_its_own_unauthorised_sessions() -> None:
    marks = present(AUTUMN)
    marks[0] = Mark(1, AUTUMN[0], "AM", "G")
    first, second = half_terms(marks, AUTUMN, None, date(2026, 12, 18))
    assert (first.figures.unauthorised, second.figures.unauthorised) == (1, 0)
    assert first.unauthorised_codes == {"G": 1}


def test_spring_is_split_at_february_and_summer_starts_on_easter_monday() -> None:
    # Easter Sunday 2027 is 28 March: spring runs to it, summer from 29 March.
    spring = weekdays(date(2027, 1, 5), date(2027, 2, 12)) + weekdays(
        date(2027, 2, 22), date(2027, 3, 26)
    )
    summer = weekdays(date(2027, 4, 12), date(2027, 5, 28))
    days = spring + summer
    found = half_terms(present(days), days, None, date(2027, 5, 28))
    assert [(h.label, h.start) for h in found] == [
        ("Spring 1, 2026/27", date(2027, 1, 5)),
        ("Spring 2, 2026/27", date(2027, 2, 22)),
        ("Summer 1, 2026/27", date(2027, 4, 12)),
    ]


# --- the chronology on the demo school --------------------------------------------------------


def pid_of(store: Store, upn: str) -> int:
    pupil = store.pupil_by_upn(upn)
    assert pupil is not None
    return pupil.id


def test_the_chronology_puts_the_newest_last_and_dates_actions_by_when_they_happened(
    demo: Store,
) -> None:
    pid = pid_of(demo, planted().penalty_10)
    # Recorded on the 24th, but the meeting was held on the 10th.
    cases.record_action(
        demo,
        pid,
        "meeting_held",
        date(2026, 11, 10),
        detail={"barriers": ["transport"]},
        at=datetime(2026, 11, 24, 9, 0),
    )
    logbook.add_note(demo, pid, "mum rang", at=datetime(2026, 11, 20, 10, 0))
    cases.change_stage(
        demo, pid, cases.LISTEN, "barriers found", None, at=datetime(2026, 11, 21, 11, 0)
    )
    record = build_chronology(demo, pid, DEMO_MORNING)
    assert [(e.on, e.heading) for e in record.entries] == [
        (date(2026, 11, 10), "Meeting"),
        (date(2026, 11, 20), "Note"),
        (date(2026, 11, 21), "Stage of support"),
    ]


def test_from_leaves_out_what_came_before(demo: Store) -> None:
    pid = pid_of(demo, planted().penalty_10)
    logbook.add_note(demo, pid, "early", at=datetime(2026, 10, 1, 10, 0))
    logbook.add_note(demo, pid, "late", at=datetime(2026, 11, 20, 10, 0))
    record = build_chronology(demo, pid, DEMO_MORNING, date(2026, 11, 1))
    assert [e.text for e in record.entries] == ["Note: late"]
    assert [h.label for h in record.half_terms] == ["Autumn 2, 2026/27"]


def test_a_penalty_notice_paid_is_its_own_dated_entry(demo: Store) -> None:
    pid = pid_of(demo, planted().penalty_10)
    notice = penalties.issue_penalty_notice(
        demo,
        pid,
        "Claire Chapman",
        date(2026, 10, 1),
        override="issued before the app was used",
        at=datetime(2026, 10, 1, 9, 0),
    )
    penalties.set_notice_status(demo, notice.id, "paid", on=date(2026, 10, 20))
    # A status change is dated by the audit trail (the real clock), so look up to today.
    record = build_chronology(demo, pid, max(DEMO_MORNING, date.today()))
    assert [e.heading for e in record.entries] == ["Penalty notice", "Status changed"]
    assert "status issued → paid" in record.entries[-1].text


def test_from_after_the_last_day_is_an_error(demo: Store) -> None:
    pid = pid_of(demo, planted().penalty_10)
    with pytest.raises(CaseError, match="after the record's last day"):
        build_chronology(demo, pid, DEMO_MORNING, date(2026, 12, 1))


def _hostile(demo: Store) -> int:
    pid = pid_of(demo, planted().penalty_10)
    demo.conn.execute(
        "UPDATE pupils SET legal_forename = '<script>alert(1)</script>' WHERE id = ?", (pid,)
    )
    logbook.add_note(demo, pid, "**bold** | [link](x) & <b>", at=datetime(2026, 11, 20, 10, 0))
    return pid


def test_markdown_escapes_every_value_from_the_database(demo: Store) -> None:
    text = render(build_chronology(demo, _hostile(demo), DEMO_MORNING), "markdown")
    assert r"\*\*bold\*\* \| \[link\](x) \& \<b\>" in text
    assert "<script>" not in text and r"\<script\>" in text


def test_html_is_well_formed_with_values_as_text(demo: Store) -> None:
    page = render(build_chronology(demo, _hostile(demo), DEMO_MORNING), "html")
    root = ET.fromstring(page)  # raises on anything not closed or not escaped
    assert root.find(".//script") is None and root.find(".//b") is None
    assert "<script>alert(1)</script>" in "".join(root.itertext())
    record = root.findall(".//table[@class='record']/tr")
    assert "**bold** | [link](x) & <b>" in "".join(record[-1].itertext())


def test_html_lists_the_half_terms_in_order(demo: Store) -> None:
    pid = pid_of(demo, planted().penalty_10)
    root = ET.fromstring(render(build_chronology(demo, pid, DEMO_MORNING), "html"))
    rows = root.findall(".//table[@class='half-terms']/tr")[1:]
    assert [r.find("td").text for r in rows] == ["Autumn 1, 2026/27", "Autumn 2, 2026/27"]


# --- the case summary -----------------------------------------------------------------------


def test_siblings_are_the_pupils_who_share_a_contact(demo: Store) -> None:
    first, second = planted().queue_sibling_pairs[0]
    assert [p.upn for p in siblings_of(demo, pid_of(demo, first))] == [second]


def test_the_case_logs_against_the_latest_n_on_or_before_its_day(demo: Store) -> None:
    pid = pid_of(demo, planted().missing_education_10)
    case = load_case(demo, pid, DEMO_MORNING)
    assert case.latest_n == Mark(pid, DEMO_MORNING, "AM", "N")
    earlier = load_case(demo, pid, DEMO_MORNING - timedelta(days=1))
    assert earlier.latest_n is not None and earlier.latest_n.date < DEMO_MORNING
