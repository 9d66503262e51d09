"""A family keeps its number for the day (issue #17): "family 2" in a message, a note or a
colleague's shout across the office means the same family all session, whatever re-sorts
the queue, whatever later exports add, and for every officer."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from tests.conftest import DEMO_MORNING
from triage.imports.importers import import_files
from triage.model import Pupil
from triage.morning.logbook import log_attempt
from triage.morning.queue import Morning, load_morning, number_families
from triage.store import Store, open_store
from triage.store.schema import MIGRATIONS

AM = "AM"
NINE = datetime(2026, 11, 24, 9, 0)


def numbers_by_pupil(morning: Morning) -> dict[int, int]:
    return {e.pupil.id: e.family_id for e in morning.entries}


def mark_absent(store: Store, folder: Path, pupil: Pupil) -> None:
    """A later export of the morning's register, marking ``pupil`` N (no reason yet)."""
    later = folder / "later.csv"
    later.write_text(
        "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
        f"{pupil.upn},{pupil.legal_surname},{pupil.legal_forename},{pupil.year_group},"
        f"{pupil.reg_group},24/11/2026,AM,N\n",
        encoding="utf-8",
    )
    import_files(store, "marks", [later])


def unqueued_safeguarding_pupil(store: Store, morning: Morning) -> Pupil:
    """A pupil with a social worker not in the queue: absent, they would be called first."""
    queued = numbers_by_pupil(morning)
    return next(
        p
        for p in store.pupils()
        if p.safeguarding and p.id not in queued and p.on_roll(DEMO_MORNING)
    )


# --- the rule ----------------------------------------------------------------------------


def test_families_seen_for_the_first_time_are_numbered_in_queue_order() -> None:
    numbers, changed, last = number_families([[5, 6], [2], [9]], {}, 0)
    assert numbers == [1, 2, 3]
    assert changed == {5: 1, 6: 1, 2: 2, 9: 3}
    assert last == 3


def test_a_family_keeps_its_number_wherever_it_now_sits_in_the_queue() -> None:
    numbers, changed, last = number_families([[9], [2], [5, 6]], {5: 1, 6: 1, 2: 2, 9: 3}, 3)
    assert (numbers, changed, last) == ([3, 2, 1], {}, 3)


def test_a_new_family_gets_the_next_number_even_at_the_top_of_the_queue() -> None:
    numbers, changed, last = number_families([[7], [5, 6], [2]], {5: 1, 6: 1, 2: 2}, 2)
    assert numbers == [3, 1, 2]
    assert changed == {7: 3}


def test_a_new_sibling_joins_the_number_of_the_family_it_joins() -> None:
    numbers, changed, _ = number_families([[4, 5, 6], [2]], {5: 1, 6: 1, 2: 2}, 2)
    assert numbers == [1, 2]
    assert changed == {4: 1}


def test_merged_families_keep_the_smaller_number_and_the_other_is_never_given_again() -> None:
    numbers, changed, last = number_families([[2, 5]], {5: 1, 2: 2}, 2)
    assert (numbers, changed) == ([1], {2: 1})
    again, _, _ = number_families([[2, 5], [8]], {5: 1, 2: 1}, last)
    assert again == [1, 3]  # not 2: that meant another family this morning


def test_a_split_family_keeps_its_number_for_the_part_called_first() -> None:
    numbers, changed, last = number_families([[5], [6]], {5: 1, 6: 1}, 1)
    assert (numbers, changed, last) == ([1, 2], {6: 2}, 2)


# --- kept in the store ---------------------------------------------------------------------


def test_family_numbers_survive_a_resort_when_an_outcome_resolves_family_one(demo) -> None:
    before = load_morning(demo, DEMO_MORNING, AM)
    first = before.families[0]
    ids = [e.pupil.id for e in first.entries]
    # A reason (illness) recodes the N: the run of unauthorised days, which places the
    # family, changes, and so does its place in the foundation order.
    log_attempt(
        demo,
        ids,
        DEMO_MORNING,
        AM,
        "call",
        "spoke_reason",
        first.entries[0].contacts[0],
        reason_code="I",
        at=NINE,
    )
    after = load_morning(demo, DEMO_MORNING, AM)
    assert first.id == 1
    assert numbers_by_pupil(after) == numbers_by_pupil(before)


def test_a_second_import_keeps_old_numbers_and_numbers_a_new_family_next(demo, tmp_path) -> None:
    before = load_morning(demo, DEMO_MORNING, AM)
    newcomer = unqueued_safeguarding_pupil(demo, before)
    mark_absent(demo, tmp_path, newcomer)
    after = load_morning(demo, DEMO_MORNING, AM)
    numbers = numbers_by_pupil(after)
    assert after.entries[0].pupil.safeguarding  # the newcomer's family may sit near the top
    assert {pid: numbers[pid] for pid in numbers_by_pupil(before)} == numbers_by_pupil(before)
    assert numbers[newcomer.id] == max(f.id for f in before.families) + 1


def test_two_officers_see_the_same_numbers(demo, tmp_path) -> None:
    on_my_screen = numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM))
    newcomer = unqueued_safeguarding_pupil(demo, load_morning(demo, DEMO_MORNING, AM))
    mark_absent(demo, tmp_path, newcomer)
    with open_store(demo.path, officer="officer.two") as other:
        theirs = numbers_by_pupil(load_morning(other, DEMO_MORNING, AM))  # first to see it
    ours = numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM))
    assert theirs == ours
    assert {pid: theirs[pid] for pid in on_my_screen} == on_my_screen


def test_the_cli_prints_the_numbers_the_screen_shows(demo, tmp_path, capsys) -> None:
    from triage.cli.main import main

    screen = load_morning(demo, DEMO_MORNING, AM)
    mark_absent(demo, tmp_path, unqueued_safeguarding_pupil(demo, screen))
    screen = load_morning(demo, DEMO_MORNING, AM)
    main(["--db", str(demo.path), "queue", "--date", "2026-11-24", "--format", "json"])
    import json

    printed = json.loads(capsys.readouterr().out)
    assert [f["family"] for f in printed["families"]] == [f.id for f in screen.families]


def test_a_busy_database_still_shows_numbers_and_keeps_them_next_time(demo, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.BUSY_TIMEOUT_MS", 50)
    blocker = sqlite3.connect(demo.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another officer's long write
    try:
        shown = load_morning(demo, DEMO_MORNING, AM)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [f.id for f in shown.families] == list(range(1, len(shown.families) + 1))
    assert numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM)) == numbers_by_pupil(shown)


def test_upgrading_from_the_version_before_adds_the_family_numbers(tmp_path) -> None:
    import sqlite_utils

    from triage.store.schema import SCHEMA_VERSION, _v12_family_numbers

    before = MIGRATIONS.index(_v12_family_numbers)  # found by name: merges renumber
    path = tmp_path / "before.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:before]:
        step(db)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.close()
    with open_store(path) as s:
        assert s.user_version == SCHEMA_VERSION
        assert {"family_numbers", "family_number_counters"} <= set(s.db.table_names())


# --- the queue screen: numbered before its first paint, kept just after ----------------------


def test_a_first_load_without_keeping_writes_nothing_and_keeping_writes_the_same(demo) -> None:
    from triage.morning.queue import keep_family_numbers

    shown = load_morning(demo, DEMO_MORNING, AM, keep_numbers=False)
    assert demo.count("family_numbers") == 0  # no write before the first paint
    assert keep_family_numbers(demo, shown)
    assert numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM)) == numbers_by_pupil(shown)
    assert demo.count("family_numbers") == len(shown.entries)


def test_keeping_says_so_when_another_officer_numbered_a_new_family_first(demo, tmp_path) -> None:
    from triage.morning.queue import keep_family_numbers

    queued = numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM))  # families 1 … 16 kept
    # Two pupils not queued, the later export's one (`earlier`) called before the other.
    newcomers = [
        p
        for p in demo.pupils()
        if p.safeguarding and p.on_roll(DEMO_MORNING) and p.id not in queued
    ]
    later_one, earlier = (
        newcomers[0],
        next(p for p in newcomers[1:] if (p.year_group or 99) < (newcomers[0].year_group or 99)),
    )
    mark_absent(demo, tmp_path, later_one)
    shown = load_morning(demo, DEMO_MORNING, AM, keep_numbers=False)  # later_one would be 17
    assert numbers_by_pupil(shown)[later_one.id] == 17
    with open_store(demo.path, officer="officer.two") as other:
        mark_absent(other, tmp_path, earlier)  # and theirs numbers both, earlier first
        theirs = numbers_by_pupil(load_morning(other, DEMO_MORNING, AM))
    assert (theirs[earlier.id], theirs[later_one.id]) == (17, 18)
    assert not keep_family_numbers(demo, shown)
    assert numbers_by_pupil(load_morning(demo, DEMO_MORNING, AM)) == theirs


async def test_the_queue_screen_keeps_the_numbers_it_first_showed(demo_db) -> None:
    from tests.pilot import loaded, make_app

    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        shown = numbers_by_pupil(app.screen.morning)
    with open_store(demo_db, create=False) as s:
        assert s.count("family_numbers") == len(shown)
        assert numbers_by_pupil(load_morning(s, DEMO_MORNING, AM, keep_numbers=False)) == shown
