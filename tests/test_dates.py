"""One grammar for dates and clock times (triage.dates), used by every command, dialog and
import."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from triage.dates import (
    DateError,
    dmy,
    hhmm,
    local_stamp,
    long_date,
    parse_clock,
    parse_date,
    parse_optional_date,
    parse_stamp,
    twelve_hour,
    utc_stamp,
)

NOV_24 = date(2026, 11, 24)


@pytest.mark.parametrize(
    "text",
    [
        "24/11/2026",
        "24.11.2026",
        "24-11-2026",
        " 24/11/2026 ",
        "2026-11-24",
        "2026-11-24T00:00:00",
        "2026-11-24 09:15",
        "24/11/2026 00:00",
        "24/11/2026 00:00:00",
        "24 Nov 2026",
        "24-Nov-2026",
        "24 November 2026",
        "24 nov 2026",
    ],
)
def test_a_date_written_the_english_way_is_read_day_first(text) -> None:
    assert parse_date(text) == NOV_24


def test_a_single_digit_day_and_month_are_read() -> None:
    assert parse_date("4/3/2027") == date(2027, 3, 4)


@pytest.mark.parametrize("text", ["11/24/2026", "31/02/2026", "2026-13-01", "0/1/2026"])
def test_an_impossible_date_is_an_error_naming_the_text(text) -> None:
    with pytest.raises(DateError, match="not a real date") as caught:
        parse_date(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["tomorrow", "24/11/26", "", "24 Nox 2026", "2026/11/24"])
def test_a_date_in_no_known_form_says_how_to_write_it(text) -> None:
    with pytest.raises(DateError, match="dd/mm/yyyy"):
        parse_date(text)


def test_date_errors_are_value_errors_for_callers_that_catch_those() -> None:
    assert issubclass(DateError, ValueError)


def test_a_blank_optional_date_is_none() -> None:
    assert parse_optional_date("  ") is None
    assert parse_optional_date("24/11/2026") == NOV_24


def test_dates_are_shown_day_first_with_leading_zeros() -> None:
    assert dmy(date(2027, 3, 4)) == "04/03/2027"
    assert dmy(None) == ""


def test_dmy_reads_back_as_the_same_date() -> None:
    day = date(2026, 1, 1)
    for _ in range(400):
        assert parse_date(dmy(day)) == day
        day += timedelta(days=1)


def test_a_letter_writes_the_month_in_full() -> None:
    assert long_date(date(2026, 11, 4)) == "4 November 2026"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("1430", time(14, 30)),
        ("930", time(9, 30)),
        ("9", time(9, 0)),
        ("09:05", time(9, 5)),
        ("2:30pm", time(14, 30)),
        (" 2:30 PM ", time(14, 30)),
        ("12pm", time(12, 0)),
        ("12am", time(0, 0)),
        ("12:15am", time(0, 15)),
    ],
)
def test_a_clock_time_is_read_as_officers_type_it(text, expected) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25:00", "14:75", "soon", "", "13pm", "0am", "14:3"])
def test_a_clock_time_that_is_not_a_time_of_day_is_refused(text) -> None:
    with pytest.raises(DateError, match="HH:MM"):
        parse_clock(text)


def test_clock_times_are_written_for_tables_and_for_letters() -> None:
    assert hhmm(time(9, 5)) == "09:05"
    assert twelve_hour(time(9, 5)) == "9:05am"
    assert twelve_hour(time(12, 0)) == "12:00pm"
    assert twelve_hour(time(0, 30)) == "12:30am"


def test_a_local_stamp_keeps_its_offset_and_reads_back() -> None:
    bst = timezone(timedelta(hours=1))
    moment = datetime(2026, 6, 1, 9, 15, 30, 999, tzinfo=bst)
    assert local_stamp(moment) == "2026-06-01T09:15:30+01:00"
    assert parse_stamp(local_stamp(moment)) == moment.replace(microsecond=0)


def test_a_utc_stamp_orders_as_time_whatever_the_offset() -> None:
    bst = timezone(timedelta(hours=1))
    earlier = datetime(2026, 6, 1, 9, 0, tzinfo=bst)  # 08:00 UTC
    later = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    assert utc_stamp(earlier) < utc_stamp(later)
    assert utc_stamp(later) == "2026-06-01T08:30:00+00:00"
