"""The demo school: read back with the csv module (not the importer) and checked against its
docstring's promises and the thresholds in shared/DOMAIN.md."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from triage.codes import ATTENDING_CODES, CODES, POSSIBLE_CODES, UNAUTHORISED_CODES
from triage.demo import (
    CONTACTS_HEADER,
    DEMO_SCHOOL_NAME,
    MARKS_HEADER,
    PUPILS_HEADER,
    PlantedCases,
    latest_school_day,
    planted_cases,
    upn_check_letter,
    write_demo_files,
)

END = date(2026, 11, 24)  # a Tuesday, four weeks after the October half-term


@dataclass
class Demo:
    directory: Path
    pupils: list[dict[str, str]]
    contacts: list[dict[str, str]]
    marks: list[dict[str, str]]
    planted: PlantedCases

    @property
    def by_upn(self) -> dict[str, dict[str, str]]:
        return {p["UPN"]: p for p in self.pupils}

    def marks_of(self, upn: str) -> list[dict[str, str]]:
        rows = [m for m in self.marks if m["UPN"] == upn]
        return sorted(rows, key=lambda m: (_day(m["Date"]), m["Session"]))

    def contacts_of(self, upn: str) -> list[tuple[str, ...]]:
        return [tuple(c.values())[1:] for c in self.contacts if c["UPN"] == upn]


@cache
def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    directory = tmp_path_factory.mktemp("demo")
    files = write_demo_files(directory, END)
    return Demo(
        directory,
        _read(files.pupils)[1],
        _read(files.contacts)[1],
        _read(files.marks)[1],
        planted_cases(END),
    )


def _unauthorised_days_ending_today(demo: Demo, upn: str) -> int:
    """Consecutive open school days back from END on which every session was unauthorised."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for m in demo.marks_of(upn):
        by_day[_day(m["Date"])].append(m["Mark"])
    run = 0
    for day in sorted(by_day, reverse=True):
        codes = by_day[day]
        if codes == ["#", "#"]:
            continue
        if not all(c in UNAUTHORISED_CODES for c in codes):
            break
        run += 1
    return run


def _longest_run_with_any_unauthorised_session(demo_marks: list[dict[str, str]]) -> int:
    by_day: dict[date, list[str]] = defaultdict(list)
    for m in demo_marks:
        by_day[_day(m["Date"])].append(m["Mark"])
    longest = run = 0
    for day in sorted(by_day):
        if by_day[day] == ["#", "#"]:
            continue
        run = run + 1 if any(c in UNAUTHORISED_CODES for c in by_day[day]) else 0
        longest = max(longest, run)
    return longest


# --- files -------------------------------------------------------------------------------


def test_same_arguments_write_byte_identical_files(demo: Demo, tmp_path: Path) -> None:
    again = write_demo_files(tmp_path, END)
    for path in (again.pupils, again.contacts, again.marks):
        assert path.read_bytes() == (demo.directory / path.name).read_bytes()


def test_files_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from datetime import date; from pathlib import Path; "
        "from triage.demo import write_demo_files; "
        "write_demo_files(Path(sys.argv[1]), date(2026, 11, 24), pupils=100)"
    )
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)], env=env, check=True
        )
    for name in ("pupils.csv", "contacts.csv", "marks.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_another_seed_writes_another_school(tmp_path: Path) -> None:
    one = write_demo_files(tmp_path / "a", END, seed=1, pupils=100)
    two = write_demo_files(tmp_path / "b", END, seed=2, pupils=100)
    assert one.pupils.read_bytes() != two.pupils.read_bytes()


def test_files_have_exactly_the_documented_headers(demo: Demo) -> None:
    for name, header in (
        ("pupils.csv", PUPILS_HEADER),
        ("contacts.csv", CONTACTS_HEADER),
        ("marks.csv", MARKS_HEADER),
    ):
        first = (demo.directory / name).read_bytes().split(b"\r\n", 1)[0]
        assert first.decode("utf-8") == ",".join(header)
    assert MARKS_HEADER == (
        "UPN",
        "Surname",
        "Forename",
        "Year",
        "Reg Group",
        "Date",
        "Session",
        "Mark",
        "Minutes Late",
    )


def test_a_thousand_pupils_write_in_well_under_two_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    write_demo_files(tmp_path, END)
    assert time.perf_counter() - started < 2.0


def test_demo_school_is_named_as_a_demo() -> None:
    assert DEMO_SCHOOL_NAME == "Riverside Academy (demo)"


# --- pupils ------------------------------------------------------------------------------


def test_a_thousand_pupils_in_years_7_to_11_in_forms_of_about_thirty(demo: Demo) -> None:
    assert len(demo.pupils) == 1000
    assert Counter(p["Year"] for p in demo.pupils) == {str(y): 200 for y in range(7, 12)}
    forms = Counter(p["Reg Group"] for p in demo.pupils)
    assert all(re.fullmatch(r"(7|8|9|10|11)R[A-H]", form) for form in forms)
    assert all(p["Reg Group"].startswith(p["Year"] + "R") for p in demo.pupils)
    assert all(25 <= size <= 35 for size in forms.values())


def test_upns_are_unique_and_carry_a_valid_check_letter(demo: Demo) -> None:
    upns = [p["UPN"] for p in demo.pupils]
    assert len(set(upns)) == len(upns)
    for upn in upns:
        assert re.fullmatch(r"[A-Z]\d{12}", upn)
        assert upn[0] == upn_check_letter(upn[1:])
    adnos = [p["Adno"] for p in demo.pupils]
    assert all(re.fullmatch(r"\d{6}", a) for a in adnos) and len(set(adnos)) == len(adnos)


def test_flags_are_y_or_n_in_realistic_proportions(demo: Demo) -> None:
    flags = ("Social Worker", "Child Protection", "Looked After", "FSM", "Young Carer")
    assert all(p[f] in ("Y", "N") for p in demo.pupils for f in flags)
    count = Counter(f for p in demo.pupils for f in flags if p[f] == "Y")
    assert 25 <= count["Social Worker"] <= 35
    assert 5 <= count["Child Protection"] <= 15 and 5 <= count["Looked After"] <= 15
    assert 200 <= count["FSM"] <= 300 and 10 <= count["Young Carer"] <= 30
    sen = Counter(p["SEN Status"] for p in demo.pupils)
    assert set(sen) == {"", "K", "E"}
    assert 100 <= sen["K"] <= 140 and 20 <= sen["E"] <= 30


def test_pupils_on_a_plan_or_looked_after_have_a_social_worker(demo: Demo) -> None:
    for p in demo.pupils:
        if p["Child Protection"] == "Y" or p["Looked After"] == "Y":
            assert p["Social Worker"] == "Y"


def test_names_include_apostrophes_hyphens_and_accents(demo: Demo) -> None:
    names = [p["Legal Surname"] + " " + p["Legal Forename"] for p in demo.pupils]
    assert any("'" in n for n in names)
    assert any("-" in n for n in names)
    assert any(not n.isascii() for n in names)


def test_about_one_pupil_in_ten_has_a_different_preferred_forename(demo: Demo) -> None:
    differ = sum(p["Preferred Forename"] != p["Legal Forename"] for p in demo.pupils)
    assert 70 <= differ <= 130
    assert all(p["Preferred Forename"] for p in demo.pupils)


def test_two_or_three_pupils_left_part_way_through(demo: Demo) -> None:
    left = [p for p in demo.pupils if p["Date Left"]]
    assert 2 <= len(left) <= 3
    assert sorted(p["UPN"] for p in left) == sorted(demo.planted.leavers)
    for p in left:
        assert demo.planted.school_days[0] < _day(p["Date Left"]) < END


def test_no_marks_after_a_pupil_left_and_marks_up_to_the_day_they_left(demo: Demo) -> None:
    for p in demo.pupils:
        if p["Date Left"]:
            days = {_day(m["Date"]) for m in demo.marks_of(p["UPN"])}
            assert max(days) == _day(p["Date Left"])


# --- contacts ----------------------------------------------------------------------------


def test_every_pupil_has_one_to_three_contacts_in_priority_order(demo: Demo) -> None:
    priorities: dict[str, list[str]] = defaultdict(list)
    for c in demo.contacts:
        priorities[c["UPN"]].append(c["Priority"])
    assert set(priorities) == set(demo.by_upn)
    assert all(p in (["1"], ["1", "2"], ["1", "2", "3"]) for p in priorities.values())


def test_contact_details_look_british_and_are_safe_to_publish(demo: Demo) -> None:
    for c in demo.contacts:
        assert c["Parental Responsibility"] in ("Y", "N")
        assert c["Mobile"] == "" or re.fullmatch(r"07(700 9|8\d\d \d|9\d\d \d)\d{5}", c["Mobile"])
        for phone in (c["Home Phone"], c["Work Phone"]):
            assert phone == "" or re.fullmatch(r"(0113 496|0161 496|020 7946) 0\d{3}", phone)
        assert c["Email"] == "" or re.fullmatch(r"[a-z0-9.]+@example\.(com|org)", c["Email"])
    relationships = {c["Relationship"] for c in demo.contacts}
    assert {"Mother", "Father", "Grandparent", "Carer", "Step-parent"} <= relationships


def test_priority_one_contact_always_has_a_mobile(demo: Demo) -> None:
    assert all(c["Mobile"] for c in demo.contacts if c["Priority"] == "1")


def test_siblings_share_identical_contacts_and_nobody_else_shares_a_number(demo: Demo) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    for c in demo.contacts:
        for value in (c["Mobile"], c["Home Phone"], c["Work Phone"], c["Email"]):
            if value:
                holders[value].add(c["UPN"])
    sharing = [upns for upns in holders.values() if len(upns) > 1]
    for upns in sharing:
        first, *rest = sorted(upns)
        assert all(demo.contacts_of(u) == demo.contacts_of(first) for u in rest)
    families = {frozenset(g) for g in demo.planted.sibling_groups}
    assert {frozenset(u) for u in sharing} == families
    in_families = sum(len(g) for g in families)
    assert 120 <= in_families <= 180
    assert Counter(len(g) for g in families)[3] >= 1


def test_siblings_are_in_different_years_and_mostly_share_a_surname(demo: Demo) -> None:
    groups = demo.planted.sibling_groups
    same = 0
    for group in groups:
        years = [demo.by_upn[u]["Year"] for u in group]
        assert len(set(years)) == len(years)
        same += len({demo.by_upn[u]["Legal Surname"] for u in group}) == 1
    assert same / len(groups) > 0.7


def test_looked_after_pupils_are_called_through_their_carers(demo: Demo) -> None:
    for p in demo.pupils:
        if p["Looked After"] == "Y":
            assert {c[1] for c in demo.contacts_of(p["UPN"])} == {"Carer"}


# --- marks -------------------------------------------------------------------------------


def test_every_mark_is_a_national_code(demo: Demo) -> None:
    assert {m["Mark"] for m in demo.marks} <= set(CODES)


def test_marks_cover_35_weekdays_ending_on_the_end_date_skipping_half_term(demo: Demo) -> None:
    days = sorted({_day(m["Date"]) for m in demo.marks})
    assert len(days) == 35 and days[-1] == END
    assert days == list(demo.planted.school_days)
    assert all(d.weekday() < 5 for d in days)
    half_term = {date(2026, 10, 26) + timedelta(days=i) for i in range(5)}
    assert not half_term & set(days)
    assert days[0] < date(2026, 10, 26)


def test_one_mark_per_pupil_per_session_and_only_am_on_the_end_date(demo: Demo) -> None:
    keys = Counter((m["UPN"], m["Date"], m["Session"]) for m in demo.marks)
    assert max(keys.values()) == 1
    today = [m for m in demo.marks if _day(m["Date"]) == END]
    assert {m["Session"] for m in today} == {"AM"}
    assert {m["Session"] for m in demo.marks} == {"AM", "PM"}
    on_roll = len(demo.pupils) - len(demo.planted.leavers)
    assert len(today) == on_roll
    assert len(demo.marks) == on_roll * 69 + sum(
        2 * sum(d <= _day(demo.by_upn[u]["Date Left"]) for d in demo.planted.school_days)
        for u in demo.planted.leavers
    )


def test_marks_repeat_the_pupils_names_and_forms(demo: Demo) -> None:
    for m in demo.marks[:: len(demo.pupils) // 3]:
        p = demo.by_upn[m["UPN"]]
        assert (m["Surname"], m["Forename"], m["Year"], m["Reg Group"]) == (
            p["Legal Surname"],
            p["Legal Forename"],
            p["Year"],
            p["Reg Group"],
        )


def test_the_inset_day_is_hash_for_every_pupil_both_sessions(demo: Demo) -> None:
    inset = demo.planted.inset_day
    assert inset in demo.planted.school_days[:-12]
    that_day = [m for m in demo.marks if _day(m["Date"]) == inset]
    assert {m["Mark"] for m in that_day} == {"#"}
    assert len(that_day) == 2 * len({m["UPN"] for m in that_day})
    assert all(_day(m["Date"]) == inset for m in demo.marks if m["Mark"] == "#")


def test_about_94_percent_of_possible_marks_are_present(demo: Demo) -> None:
    possible = [m["Mark"] for m in demo.marks if m["Mark"] in POSSIBLE_CODES]
    present = sum(code in ("/", "\\", "L") for code in possible)
    assert 0.92 <= present / len(possible) <= 0.96


def test_am_and_pm_present_marks_use_their_own_slash(demo: Demo) -> None:
    assert all(m["Session"] == "AM" for m in demo.marks if m["Mark"] == "/")
    assert all(m["Session"] == "PM" for m in demo.marks if m["Mark"] == "\\")


def test_minutes_late_only_for_l_and_between_1_and_20(demo: Demo) -> None:
    for m in demo.marks:
        if m["Mark"] == "L":
            assert 1 <= int(m["Minutes Late"]) <= 20
        else:
            assert m["Minutes Late"] == ""


def test_absences_use_a_realistic_mix_of_codes(demo: Demo) -> None:
    codes = Counter(m["Mark"] for m in demo.marks)
    assert codes["I"] > codes["M"] > codes["C"] > 0
    for code in ("L", "V", "P", "B", "G", "O", "U"):
        assert codes[code] > 0
    assert codes["G"] + codes["O"] + codes["U"] + codes["C"] < 0.02 * len(demo.marks)


# --- the morning queue and the thresholds ------------------------------------------------


def _n_this_morning(demo: Demo) -> list[str]:
    return [m["UPN"] for m in demo.marks if _day(m["Date"]) == END and m["Mark"] == "N"]


def test_between_1_and_2_and_a_half_percent_of_pupils_are_n_this_morning(demo: Demo) -> None:
    queue = _n_this_morning(demo)
    assert 0.01 * len(demo.pupils) <= len(queue) <= 0.025 * len(demo.pupils)
    assert sorted(queue) == sorted(demo.planted.morning_queue)


def test_the_queue_holds_safeguarding_and_ehc_plan_pupils(demo: Demo) -> None:
    queue = [demo.by_upn[u] for u in _n_this_morning(demo)]
    safeguarding = [
        p for p in queue if "Y" in (p["Social Worker"], p["Child Protection"], p["Looked After"])
    ]
    assert len(safeguarding) >= 2
    assert any(p["Child Protection"] == "Y" for p in queue)
    assert any(p["Looked After"] == "Y" for p in queue)
    assert any(p["SEN Status"] == "E" for p in queue)
    planted = demo.planted
    assert demo.by_upn[planted.queue_social_worker]["Social Worker"] == "Y"
    assert demo.by_upn[planted.queue_ehc_plan]["SEN Status"] == "E"


def test_the_queue_holds_two_sibling_pairs_sharing_their_contacts(demo: Demo) -> None:
    queue = set(_n_this_morning(demo))
    pairs = demo.planted.queue_sibling_pairs
    assert len(pairs) >= 2
    for a, b in pairs:
        assert a in queue and b in queue
        assert demo.contacts_of(a) == demo.contacts_of(b)


def test_past_n_is_rare_but_a_handful_are_older_than_five_school_days(demo: Demo) -> None:
    days = list(demo.planted.school_days)
    open_days = [d for d in days if d != demo.planted.inset_day]
    age = {d: len(open_days) - 1 - open_days.index(d) for d in open_days}
    past_n = [m for m in demo.marks if m["Mark"] == "N" and _day(m["Date"]) != END]
    assert len(past_n) < 0.001 * len(demo.marks)
    stale = {m["UPN"] for m in past_n if age[_day(m["Date"])] > 5}
    assert stale == set(demo.planted.stale_n)
    assert 3 <= len(stale) <= 8


def test_one_pupil_reaches_ten_consecutive_days_of_unauthorised_absence(demo: Demo) -> None:
    assert _unauthorised_days_ending_today(demo, demo.planted.missing_education_10) == 10


def test_one_pupil_stands_at_nine_consecutive_days_of_unauthorised_absence(demo: Demo) -> None:
    assert _unauthorised_days_ending_today(demo, demo.planted.missing_education_9) == 9


def test_no_other_pupil_has_a_long_run_of_unauthorised_days(demo: Demo) -> None:
    planted = {demo.planted.missing_education_10, demo.planted.missing_education_9}
    by_pupil: dict[str, list[dict[str, str]]] = defaultdict(list)
    for m in demo.marks:
        by_pupil[m["UPN"]].append(m)
    longest = {u: _longest_run_with_any_unauthorised_session(ms) for u, ms in by_pupil.items()}
    assert max(n for u, n in longest.items() if u not in planted) < 8


def test_missing_education_pupils_have_o_once_five_school_days_old_and_n_before(
    demo: Demo,
) -> None:
    codes = [m["Mark"] for m in demo.marks_of(demo.planted.missing_education_10)]
    assert codes[-19:] == ["O"] * 10 + ["N"] * 9
    assert codes[-21:-19] == ["/", "\\"]


def test_penalty_threshold_pupils_have_exactly_ten_and_nine_unauthorised_sessions(
    demo: Demo,
) -> None:
    for upn, expected in ((demo.planted.penalty_10, 10), (demo.planted.penalty_9, 9)):
        codes = [m["Mark"] for m in demo.marks_of(upn)]
        assert sum(c in UNAUTHORISED_CODES for c in codes) == expected
        assert "G" in codes and "N" not in codes
        assert codes[-1] == "/"


def test_about_nine_percent_persistent_and_one_or_two_severe_absentees(demo: Demo) -> None:
    missed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m in demo.marks:
        if m["Mark"] in POSSIBLE_CODES:
            missed[m["UPN"]][0] += m["Mark"] not in ATTENDING_CODES
            missed[m["UPN"]][1] += 1
    rate = {u: gone / possible for u, (gone, possible) in missed.items()}
    persistent = [u for u, r in rate.items() if r >= 0.10]
    severe = [u for u, r in rate.items() if r >= 0.50]
    assert 0.08 * len(rate) <= len(persistent) <= 0.10 * len(rate)
    assert sorted(severe) == sorted(demo.planted.severe) and 1 <= len(severe) <= 2
    planted = demo.planted
    for upn in (planted.missing_education_10, planted.missing_education_9, planted.penalty_10):
        assert upn in persistent


# --- the calendar and other sizes --------------------------------------------------------


def test_a_weekend_end_date_is_refused_with_the_last_school_day_suggested(tmp_path: Path) -> None:
    saturday = date(2026, 11, 28)
    with pytest.raises(ValueError, match="27/11/2026"):
        write_demo_files(tmp_path, saturday)
    assert latest_school_day(saturday) == date(2026, 11, 27)
    assert latest_school_day(date(2026, 10, 29)) == date(2026, 10, 23)


def test_a_january_school_skips_christmas_and_puts_inset_on_the_first_day_back(
    tmp_path: Path,
) -> None:
    end = date(2027, 1, 27)
    files = write_demo_files(tmp_path, end, pupils=100)
    days = sorted({_day(m["Date"]) for m in _read(files.marks)[1]})
    assert not [d for d in days if date(2026, 12, 22) <= d <= date(2027, 1, 2)]
    assert planted_cases(end, pupils=100).inset_day == date(2027, 1, 4)


def test_a_small_school_still_has_every_planted_case(tmp_path: Path) -> None:
    files = write_demo_files(tmp_path, END, pupils=60)
    marks = _read(files.marks)[1]
    planted = planted_cases(END, pupils=60)
    queue = sorted(m["UPN"] for m in marks if m["Date"] == "24/11/2026" and m["Mark"] == "N")
    assert queue == sorted(planted.morning_queue)
    assert len(planted.queue_sibling_pairs) == 2
    assert len(_read(files.pupils)[1]) == 60
