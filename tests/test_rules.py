"""The attendance rules, each at and either side of its threshold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from triage import rules
from triage.model import Contact, Mark, Pupil
from triage.rules import (
    MISSING_EDUCATION_DAYS,
    N_RECODE_SCHOOL_DAYS,
    PENALTY_NOTICE_SESSIONS,
    PENALTY_NOTICE_WEEKS,
    attendance,
    build_queue,
    consecutive_unauthorised_days,
    family_groups,
    missing_education_threshold_reached,
    normalise_phone,
    overdue_n_marks,
    penalty_notice_threshold_reached,
    queue_key,
    rolling_unauthorised_sessions,
    rolling_window_start,
    rolling_window_starts,
    school_days,
    school_year_start,
    term_start,
)

# --- Fixtures --------------------------------------------------------------------------


def weekdays(start: date, end: date, *, skip_weeks_of: tuple[date, ...] = ()) -> list[date]:
    """Monday-Friday dates from start to end inclusive, leaving out whole weeks (holidays)."""
    skipped = {d - timedelta(days=d.weekday()) for d in skip_weeks_of}
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5 and d - timedelta(days=d.weekday()) not in skipped:
            days.append(d)
        d += timedelta(days=1)
    return days


# Autumn term 2025 up to half term: Monday 1 September to Friday 24 October (40 days).
AUTUMN = weekdays(date(2025, 9, 1), date(2025, 10, 24))


def mark(d: date, code: str, session: str = "AM", pupil_id: int = 1) -> Mark:
    return Mark(pupil_id=pupil_id, date=d, session=session, code=code)


def day(d: date, am: str, pm: str | None = None, pupil_id: int = 1) -> list[Mark]:
    """A pupil's marks for one day; PM defaults to AM (with / for present as \\)."""
    if pm is None:
        pm = "\\" if am == "/" else am
    return [mark(d, am, "AM", pupil_id), mark(d, pm, "PM", pupil_id)]


def days(dates: list[date], am: str, pm: str | None = None, pupil_id: int = 1) -> list[Mark]:
    return [m for d in dates for m in day(d, am, pm, pupil_id)]


def run_of_absence(length: int, upto: date = AUTUMN[-1]) -> list[Mark]:
    """Present every school day, then N for the last ``length`` school days up to ``upto``."""
    end = AUTUMN.index(upto) + 1
    return days(AUTUMN[: end - length], "/") + days(AUTUMN[end - length : end], "N")


def pupil(pid: int = 1, **fields) -> Pupil:
    base = dict(
        id=pid,
        upn=f"A{pid:012d}",
        admission_number=None,
        legal_forename="Alex",
        legal_surname="Smith",
        preferred_forename=None,
        year_group=7,
        reg_group=None,
    )
    base.update(fields)
    return Pupil(**base)


def contact(cid: int, priority: int = 1, name: str = "Parent", **fields) -> Contact:
    return Contact(id=cid, name=name, relationship="Mother", priority=priority, **fields)


def test_the_thresholds_are_those_the_guidance_sets():
    assert MISSING_EDUCATION_DAYS == 10
    assert PENALTY_NOTICE_SESSIONS == 10
    assert PENALTY_NOTICE_WEEKS == 10
    assert N_RECODE_SCHOOL_DAYS == 5


# --- School days -----------------------------------------------------------------------


def test_a_date_where_every_mark_is_closure_is_not_a_school_day():
    monday, tuesday = date(2025, 9, 1), date(2025, 9, 2)
    marks = [(monday, "/"), (monday, "N"), (tuesday, "#"), (tuesday, "#")]
    assert school_days(marks) == [monday]


def test_a_partial_closure_date_is_still_a_school_day():
    tuesday = date(2025, 9, 2)
    assert school_days([(tuesday, "#"), (tuesday, "/")]) == [tuesday]


def test_school_days_are_sorted_and_distinct():
    a, b = date(2025, 9, 1), date(2025, 9, 2)
    assert school_days([(b, "/"), (a, "N"), (b, "\\"), (a, "/")]) == [a, b]


# --- Attendance and persistent / severe absence ----------------------------------------


def test_attendance_counts_each_category_of_possible_session():
    d = AUTUMN[0]
    marks = [mark(d, c) for c in ["/", "L", "K", "V", "I", "M", "N", "G", "U"]]
    summary = attendance(marks)
    assert (summary.possible, summary.attending, summary.authorised, summary.unauthorised) == (
        9,
        4,
        2,
        3,
    )


def test_not_possible_sessions_count_nowhere_in_attendance():
    d = AUTUMN[0]
    marks = [mark(d, c) for c in ["X", "Y1", "Y7", "Q", "D", "Z", "#"]]
    assert attendance(marks).possible == 0
    assert attendance(marks).percent is None


def test_attendance_includes_both_ends_of_its_date_range_and_nothing_outside():
    marks = days(AUTUMN[:5], "/")
    summary = attendance(marks, start=AUTUMN[1], end=AUTUMN[3])
    assert summary.possible == 6


def test_missing_exactly_ten_percent_of_possible_sessions_is_persistent_absence():
    marks = [mark(AUTUMN[i], "/") for i in range(18)] + [mark(AUTUMN[20], "N")] * 2
    assert attendance(marks).persistent_absence


def test_missing_just_under_ten_percent_is_not_persistent_absence():
    marks = [mark(AUTUMN[i], "/") for i in range(19)] + [mark(AUTUMN[20], "N")] * 2
    assert not attendance(marks).persistent_absence


def test_not_possible_sessions_do_not_dilute_persistent_absence():
    marks = [mark(AUTUMN[i], "/") for i in range(18)] + [mark(AUTUMN[20], "N")] * 2
    marks += [mark(AUTUMN[i], "Y1") for i in range(21, 30)]
    assert attendance(marks).persistent_absence


def test_missing_exactly_half_of_possible_sessions_is_severe_absence():
    marks = [mark(AUTUMN[i], "/") for i in range(5)] + [mark(AUTUMN[i], "I") for i in range(5)]
    assert attendance(marks).severe_absence


def test_missing_just_under_half_of_possible_sessions_is_not_severe_absence():
    marks = [mark(AUTUMN[i], "/") for i in range(6)] + [mark(AUTUMN[i], "I") for i in range(5)]
    assert not attendance(marks).severe_absence


# --- Children missing education: consecutive unauthorised school days ------------------


def test_ninth_consecutive_unauthorised_day_is_short_of_missing_education_threshold():
    count = consecutive_unauthorised_days(run_of_absence(9), AUTUMN, AUTUMN[-1])
    assert count == 9
    assert not missing_education_threshold_reached(count)


def test_tenth_consecutive_unauthorised_day_reaches_missing_education_threshold():
    count = consecutive_unauthorised_days(run_of_absence(10), AUTUMN, AUTUMN[-1])
    assert count == MISSING_EDUCATION_DAYS
    assert missing_education_threshold_reached(count)


def test_eleventh_consecutive_unauthorised_day_stays_over_missing_education_threshold():
    count = consecutive_unauthorised_days(run_of_absence(11), AUTUMN, AUTUMN[-1])
    assert count == 11
    assert missing_education_threshold_reached(count)


def test_every_unauthorised_code_counts_towards_consecutive_days():
    marks = (
        day(AUTUMN[-4], "G") + day(AUTUMN[-3], "O") + day(AUTUMN[-2], "U") + day(AUTUMN[-1], "N")
    )
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 4


def test_an_authorised_day_ends_the_run_of_unauthorised_days():
    marks = days(AUTUMN[-12:-4], "N") + day(AUTUMN[-4], "I") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 3


def test_a_present_day_ends_the_run_of_unauthorised_days():
    marks = days(AUTUMN[-12:-4], "N") + day(AUTUMN[-4], "/") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 3


def test_one_present_session_ends_the_run_even_with_the_other_session_unauthorised():
    marks = days(AUTUMN[-12:-4], "N") + day(AUTUMN[-4], "N", "\\") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 3


def test_an_authorised_morning_ends_the_run_even_with_an_unauthorised_afternoon():
    marks = days(AUTUMN[-12:-4], "N") + day(AUTUMN[-4], "M", "N") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 3


def test_a_school_day_with_no_mark_for_the_pupil_ends_the_run():
    marks = days(AUTUMN[-12:-4], "N") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 3


def test_a_day_of_only_not_possible_sessions_neither_counts_nor_breaks_the_run():
    marks = days(AUTUMN[-12:-4], "N") + day(AUTUMN[-4], "Y1", "X") + days(AUTUMN[-3:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 11


def test_a_not_possible_afternoon_does_not_stop_an_unauthorised_morning_counting():
    marks = days(AUTUMN[-5:-1], "N") + day(AUTUMN[-1], "N", "#")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 5


def test_a_morning_n_alone_counts_today_before_the_afternoon_register():
    marks = days(AUTUMN[-10:-1], "N") + [mark(AUTUMN[-1], "N", "AM")]
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-1]) == 10


def test_a_whole_school_closure_is_skipped_by_the_run_of_unauthorised_days():
    closed = AUTUMN[-5]
    pupils_marks = [m for d in AUTUMN[-10:] if d != closed for m in day(d, "N")]
    # Only pupil 2 was exported for the closure day: every mark that day is #.
    everyone = pupils_marks + day(closed, "#", pupil_id=2)
    open_days = school_days((m.date, m.code) for m in everyone)
    assert closed not in open_days
    assert consecutive_unauthorised_days(pupils_marks, open_days, AUTUMN[-1]) == 9


def test_consecutive_days_ignore_school_days_and_marks_after_upto():
    marks = days(AUTUMN[-6:-3], "N") + day(AUTUMN[-3], "/") + days(AUTUMN[-2:], "N")
    assert consecutive_unauthorised_days(marks, AUTUMN, AUTUMN[-4]) == 3


def test_no_marks_means_no_consecutive_days():
    assert consecutive_unauthorised_days([], AUTUMN, AUTUMN[-1]) == 0


# --- Penalty notices: the rolling 10 school weeks --------------------------------------


def test_rolling_window_is_ten_school_weeks_ending_with_the_week_of_upto():
    term = weekdays(date(2025, 9, 1), date(2025, 12, 19))
    assert rolling_window_start(term, date(2025, 11, 7)) == date(2025, 9, 1)
    assert rolling_window_start(term, date(2025, 11, 10)) == date(2025, 9, 8)


def test_a_part_week_up_to_upto_counts_as_a_school_week():
    term = weekdays(date(2025, 9, 1), date(2025, 12, 19))
    assert rolling_window_start(term, date(2025, 11, 12)) == date(2025, 9, 8)


def test_a_holiday_week_does_not_count_towards_the_rolling_window():
    half_term = date(2025, 10, 27)
    term = weekdays(date(2025, 9, 1), date(2025, 12, 19), skip_weeks_of=(half_term,))
    # Counting the half-term week would make the window start on 8 September.
    assert rolling_window_start(term, date(2025, 11, 14)) == date(2025, 9, 1)


def test_the_rolling_window_spans_the_summer_holiday_into_the_previous_school_year():
    summer_term = weekdays(date(2025, 6, 2), date(2025, 7, 18))
    autumn_term = weekdays(date(2025, 9, 3), date(2025, 10, 24))
    calendar = summer_term + autumn_term
    # Four school weeks in September (3 Sep is a Wednesday), so six in June and July.
    assert rolling_window_start(calendar, date(2025, 9, 26)) == date(2025, 6, 9)


def test_the_rolling_window_is_none_without_school_days():
    assert rolling_window_start([], date(2025, 9, 1)) is None
    assert rolling_window_start(AUTUMN, date(2025, 8, 29)) is None


def test_the_rolling_window_of_every_day_is_the_rolling_window_start_of_each():
    summer_term = weekdays(date(2025, 6, 2), date(2025, 7, 18))
    autumn = weekdays(date(2025, 9, 3), date(2025, 12, 19), skip_weeks_of=(date(2025, 10, 27),))
    calendar = summer_term + [d for d in autumn if d != date(2025, 11, 12)]  # an INSET day
    since, upto = date(2025, 7, 1), date(2025, 11, 20)
    starts = rolling_window_starts(calendar, since, upto)
    assert starts == {d: rolling_window_start(calendar, d) for d in calendar if since <= d <= upto}
    assert rolling_window_starts(calendar, since, upto, weeks=1)[date(2025, 11, 20)] == date(
        2025, 11, 17
    )


def test_the_rolling_windows_are_none_before_the_first_school_day():
    assert rolling_window_starts(AUTUMN, date(2025, 8, 1), date(2025, 8, 29)) == {}
    with pytest.raises(ValueError):
        rolling_window_starts(AUTUMN, AUTUMN[0], AUTUMN[-1], weeks=0)


def test_nine_unauthorised_sessions_in_the_window_do_not_reach_the_penalty_notice_threshold():
    marks = [mark(d, "N") for d in AUTUMN[-9:]]
    count = rolling_unauthorised_sessions(marks, AUTUMN, AUTUMN[-1])
    assert count == 9
    assert not penalty_notice_threshold_reached(count)


def test_ten_unauthorised_sessions_in_the_window_reach_the_penalty_notice_threshold():
    marks = [mark(d, c) for d, c in zip(AUTUMN[-10:], "GNOUGNOUGN", strict=True)]
    count = rolling_unauthorised_sessions(marks, AUTUMN, AUTUMN[-1])
    assert count == PENALTY_NOTICE_SESSIONS
    assert penalty_notice_threshold_reached(count)


def test_authorised_and_present_sessions_are_not_counted_towards_a_penalty_notice():
    marks = [mark(d, c) for d in AUTUMN[-10:] for c in ("I", "/", "M", "Y1")]
    assert rolling_unauthorised_sessions(marks, AUTUMN, AUTUMN[-1]) == 0


AUTUMN_TERM = weekdays(date(2025, 9, 1), date(2025, 12, 19))


def test_a_session_on_the_first_day_of_the_window_counts_towards_a_penalty_notice():
    upto = date(2025, 11, 10)
    assert rolling_window_start(AUTUMN_TERM, upto) == date(2025, 9, 8)
    assert rolling_unauthorised_sessions([mark(date(2025, 9, 8), "N")], AUTUMN_TERM, upto) == 1


def test_a_session_just_before_the_window_is_not_counted_towards_a_penalty_notice():
    upto = date(2025, 11, 10)
    friday_before = mark(date(2025, 9, 5), "N", "PM")
    assert rolling_unauthorised_sessions([friday_before], AUTUMN_TERM, upto) == 0


def test_sessions_after_upto_are_not_counted_towards_a_penalty_notice():
    marks = [mark(d, "N") for d in AUTUMN[-10:]]
    assert rolling_unauthorised_sessions(marks, AUTUMN, AUTUMN[-2]) == 9


# --- N must be recoded within 5 school days --------------------------------------------


def test_an_n_is_still_in_time_on_the_fifth_school_day_after():
    n = mark(AUTUMN[0], "N")
    assert overdue_n_marks([n], AUTUMN, AUTUMN[N_RECODE_SCHOOL_DAYS]) == []


def test_an_n_is_overdue_on_the_sixth_school_day_after():
    n = mark(AUTUMN[0], "N")
    assert overdue_n_marks([n], AUTUMN, AUTUMN[N_RECODE_SCHOOL_DAYS + 1]) == [n]


def test_closure_days_do_not_count_towards_the_n_recode_deadline():
    n = mark(AUTUMN[0], "N")
    closed = AUTUMN[3]
    open_days = [d for d in AUTUMN if d != closed]
    assert overdue_n_marks([n], open_days, AUTUMN[6]) == []


def test_only_n_marks_can_be_overdue():
    marks = [mark(AUTUMN[0], c) for c in ("O", "G", "I", "/")]
    assert overdue_n_marks(marks, AUTUMN, AUTUMN[-1]) == []


def test_an_n_after_upto_is_not_overdue():
    assert overdue_n_marks([mark(AUTUMN[-1], "N")], AUTUMN, AUTUMN[0]) == []


def test_overdue_n_marks_come_in_date_then_session_order():
    marks = [
        mark(AUTUMN[2], "N", "AM"),
        mark(AUTUMN[1], "N", "PM"),
        mark(AUTUMN[2], "N", "PM"),
        mark(AUTUMN[1], "N", "AM"),
    ]
    overdue = overdue_n_marks(marks, AUTUMN, AUTUMN[-1])
    assert [(m.date, m.session) for m in overdue] == [
        (AUTUMN[1], "AM"),
        (AUTUMN[1], "PM"),
        (AUTUMN[2], "AM"),
        (AUTUMN[2], "PM"),
    ]


# --- Terms -----------------------------------------------------------------------------

# Easter Sunday 2025 is 20 April; Easter Sunday 2024 was 31 March.


@pytest.mark.parametrize(
    ("day_", "start"),
    [
        (date(2025, 9, 1), date(2025, 9, 1)),
        (date(2025, 12, 31), date(2025, 9, 1)),
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2025, 4, 18), date(2025, 1, 1)),  # Good Friday: spring
        (date(2025, 4, 20), date(2025, 1, 1)),  # Easter Sunday: spring
        (date(2025, 4, 21), date(2025, 4, 21)),  # Easter Monday: summer begins
        (date(2025, 8, 31), date(2025, 4, 21)),
        (date(2024, 4, 1), date(2024, 4, 1)),  # Easter Monday 2024
        (date(2024, 3, 30), date(2024, 1, 1)),
    ],
)
def test_term_start_follows_the_approximate_english_term_dates(day_, start):
    assert term_start(day_) == start


def test_school_year_starts_on_the_first_of_september_before_the_date():
    assert school_year_start(date(2025, 8, 31)) == date(2024, 9, 1)
    assert school_year_start(date(2025, 9, 1)) == date(2025, 9, 1)
    assert school_year_start(date(2026, 2, 10)) == date(2025, 9, 1)


# --- Families --------------------------------------------------------------------------


def test_pupils_sharing_a_priority_one_contact_are_one_family():
    mum = contact(10)
    assert family_groups({3: [mum], 5: [mum]}) == {3: 3, 5: 3}


def test_pupils_whose_priority_one_contacts_share_a_phone_written_differently_are_one_family():
    a = contact(10, mobile="+44 7700 900123")
    b = contact(11, phone="07700900123")
    assert family_groups({1: [a], 2: [b]}) == {1: 1, 2: 1}


def test_international_and_national_spellings_of_a_phone_normalise_alike():
    spellings = ["+44 7700 900123", "07700 900 123", "0044 7700 900123", "+44 (0)7700 900123"]
    assert {normalise_phone(s) for s in spellings} == {"07700900123"}


def test_phone_numbers_shorter_than_ten_digits_do_not_make_a_family():
    a = contact(10, mobile="900123")
    b = contact(11, mobile="900 123")
    assert family_groups({1: [a], 2: [b]}) == {1: 1, 2: 2}


def test_pupils_whose_priority_one_contacts_share_an_email_in_any_case_are_one_family():
    a = contact(10, email=" Sam.Jones@Example.org")
    b = contact(11, email="sam.jones@example.org")
    assert family_groups({1: [a], 2: [b]}) == {1: 1, 2: 1}


def test_families_are_transitive_and_keyed_by_the_smallest_pupil_id():
    a = contact(10, mobile="07700900123")
    b = contact(11, phone="07700900123", email="x@example.org")
    c = contact(12, email="X@example.org")
    assert family_groups({9: [a], 4: [b], 7: [c]}) == {9: 4, 4: 4, 7: 4}


def test_a_shared_priority_two_contact_does_not_make_a_family():
    gran = contact(20, priority=2, mobile="07700900999")
    assert family_groups({1: [contact(10), gran], 2: [contact(11), gran]}) == {1: 1, 2: 2}


def test_contacts_tied_at_the_lowest_priority_all_count_for_the_family():
    mum, dad = contact(10), contact(11, name="Dad")
    assert family_groups({1: [mum, dad], 2: [dad]}) == {1: 1, 2: 1}


def test_a_pupils_lowest_priority_number_is_their_first_contact():
    mum = contact(10)
    also_mum = contact(10, priority=2)
    assert family_groups({1: [mum], 2: [also_mum]}) == {1: 1, 2: 1}


def test_a_pupil_with_no_contacts_is_a_family_of_one():
    assert family_groups({1: [], 2: []}) == {1: 1, 2: 2}


# --- The morning queue order -----------------------------------------------------------


@pytest.mark.parametrize("flag", ["social_worker", "child_protection", "looked_after"])
def test_safeguarding_comes_before_more_consecutive_days(flag):
    safeguarded = pupil(1, **{flag: True})
    assert queue_key(safeguarded, 1) < queue_key(pupil(2), 20)


def test_more_consecutive_days_come_before_a_higher_stage():
    assert queue_key(pupil(1), 3) < queue_key(pupil(2, stage="Enforce"), 2)


def test_a_higher_stage_comes_before_send():
    monitored = pupil(1, stage="Monitor")
    assert queue_key(monitored, 0) < queue_key(pupil(2, ehc_plan=True), 0)


@pytest.mark.parametrize("flag", ["ehc_plan", "sen_support"])
def test_send_comes_before_a_lower_year_group(flag):
    assert queue_key(pupil(1, year_group=11, **{flag: True}), 0) < queue_key(
        pupil(2, year_group=7), 0
    )


def test_lower_year_groups_come_first_and_no_year_group_comes_last():
    reception, year_7, unknown = pupil(1, year_group=0), pupil(2), pupil(3, year_group=None)
    ordered = sorted([unknown, year_7, reception], key=lambda p: queue_key(p, 0))
    assert ordered == [reception, year_7, unknown]


def test_names_order_by_surname_then_forename_then_upn_ignoring_case():
    adams = pupil(1, legal_surname="adams", legal_forename="Zoe")
    baker_amy = pupil(2, legal_surname="Baker", legal_forename="Zed", preferred_forename="amy")
    baker_ben_2 = pupil(3, legal_surname="BAKER", legal_forename="Ben", upn="b000000000002")
    baker_ben_1 = pupil(4, legal_surname="baker", legal_forename="ben", upn="B000000000001")
    pupils = [baker_ben_2, baker_ben_1, baker_amy, adams]
    ordered = sorted(pupils, key=lambda p: queue_key(p, 0))
    assert ordered == [adams, baker_amy, baker_ben_1, baker_ben_2]


# --- Building the morning queue --------------------------------------------------------

TODAY = AUTUMN[-1]


def queue_for(pupils, contacts, marks):
    return build_queue(pupils, contacts, marks, AUTUMN, TODAY)


def test_siblings_are_kept_together_at_the_higher_ranked_siblings_position():
    mum = contact(10)
    older = pupil(1, social_worker=True, year_group=10)
    unrelated = pupil(2, year_group=8)
    younger = pupil(3, year_group=9)
    pupils = [younger, unrelated, older]
    contacts = {1: [mum], 2: [contact(11)], 3: [mum]}
    marks = {p.id: [mark(TODAY, "N")] for p in pupils}
    queue = queue_for(pupils, contacts, marks)
    assert [[e.pupil for e in f.entries] for f in queue] == [[older, younger], [unrelated]]
    assert [f.id for f in queue] == [1, 2]
    assert [[e.family_id for e in f.entries] for f in queue] == [[1, 1], [2]]


def test_only_absent_pupils_link_families_in_the_queue():
    a = pupil(1, year_group=7)
    c = pupil(3, year_group=9)
    # Pupil 2 (not absent) would link 1 and 3: their contacts share nothing directly.
    contacts = {
        1: [contact(10, mobile="07700900123")],
        2: [contact(11, mobile="07700900123", email="p@example.org")],
        3: [contact(12, email="p@example.org")],
    }
    queue = queue_for([a, c], contacts, {})
    assert [[e.pupil.id for e in f.entries] for f in queue] == [[1], [3]]


def test_queue_entries_carry_the_figures_an_officer_needs():
    p = pupil(1)
    marks = (
        days(AUTUMN[:-12], "/")
        + days(AUTUMN[-12:-1], "N")
        + [mark(TODAY, "N", "AM")]
        + [mark(date(2025, 7, 1), "N")]  # last school year: not in this term's figures
    )
    contacts = {1: [contact(12, priority=2, name="Gran"), contact(11, name="Zed"), contact(10)]}
    (family,) = queue_for([p], contacts, {1: marks})
    (entry,) = family.entries
    assert entry.consecutive_days == 12
    assert entry.attendance.possible == 2 * 39 + 1
    assert entry.attendance.unauthorised == 23
    assert entry.rolling_unauthorised == 23
    # N on the 6th school day before today or earlier: 6 days of two sessions, plus July's.
    assert entry.overdue_n == 2 * 6 + 1
    assert [c.id for c in entry.contacts] == [10, 11, 12]


def test_families_are_ordered_by_their_best_member():
    longest = pupil(1, year_group=11)
    shorter = pupil(2, year_group=7)
    marks = {1: days(AUTUMN[-3:], "N"), 2: days(AUTUMN[-1:], "N")}
    queue = queue_for([shorter, longest], {}, marks)
    assert [f.entries[0].pupil for f in queue] == [longest, shorter]
    assert [f.entries[0].consecutive_days for f in queue] == [3, 1]


def test_an_empty_morning_has_an_empty_queue():
    assert queue_for([], {}, {}) == []


# --- the term calendar (one place: rules.term_of) ------------------------------------------


@pytest.mark.parametrize(
    ("day", "name", "start", "usual_end"),
    [
        (date(2026, 9, 1), "Autumn", date(2026, 9, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), "Autumn", date(2026, 9, 1), date(2026, 12, 31)),
        (date(2027, 1, 4), "Spring", date(2027, 1, 1), date(2027, 3, 28)),
        (date(2027, 3, 28), "Spring", date(2027, 1, 1), date(2027, 3, 28)),  # Easter Sunday
        (date(2027, 3, 29), "Summer", date(2027, 3, 29), date(2027, 7, 31)),  # Easter Monday
        (date(2027, 8, 31), "Summer", date(2027, 3, 29), date(2027, 7, 31)),
    ],
)
def test_every_day_of_the_year_falls_in_one_term(day, name, start, usual_end) -> None:
    assert rules.term_of(day) == rules.Term(name, start, usual_end)
    assert rules.term_start(day) == start
