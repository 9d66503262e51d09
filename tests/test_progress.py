"""Where each queued pupil stands and the order the queue screen shows them, on the demo
school's morning (2026-11-24 AM, 18 pupils queued)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import DEMO_MORNING
from triage.imports.importers import import_files
from triage.model import Family, QueueEntry
from triage.morning.logbook import claim, log_attempt, set_callback
from triage.morning.queue import Morning, display_order, load_morning, load_progress
from triage.store import Store, open_store

AM = "AM"
NINE = datetime(2026, 11, 24, 9, 0)
COUNTS = ("to call", "in progress", "reason obtained", "arrived")


def local(hour: int, minute: int = 0) -> datetime:
    """A moment on the demo morning, on this machine's clock (as the app's clock reads)."""
    return datetime(2026, 11, 24, hour, minute).astimezone()


@pytest.fixture
def morning(demo: Store) -> Morning:
    return load_morning(demo, DEMO_MORNING, AM)


def family_order(entries: list[QueueEntry]) -> list[int]:
    order: list[int] = []
    for e in entries:
        if e.family_id not in order:
            order.append(e.family_id)
    return order


def siblings(morning: Morning) -> Family:
    """A family of two queued pupils who share their priority-1 contact."""
    return next(f for f in morning.families[1:] if len(f.entries) == 2)


def ids(family: Family) -> list[int]:
    return [e.pupil.id for e in family.entries]


def reason_for(store: Store, family: Family, code: str = "I") -> None:
    log_attempt(
        store,
        ids(family),
        DEMO_MORNING,
        AM,
        "call",
        "spoke_reason",
        family.entries[0].contacts[0],
        reason_code=code,
        at=NINE,
    )


def test_the_demo_morning_queues_eighteen_pupils_with_sibling_pairs(morning) -> None:
    assert len(morning.entries) == 18
    assert any(len(f.entries) == 2 for f in morning.families)


def test_at_first_every_queued_pupil_is_to_call(demo, morning) -> None:
    progress = load_progress(demo, morning, now=local(8, 45))
    assert {s.label for s in progress.statuses.values()} == {"to call"}
    assert set(progress.statuses) == {e.pupil.id for e in morning.entries}


def test_at_first_the_counts_are_all_to_call(demo, morning) -> None:
    progress = load_progress(demo, morning, now=local(8, 45))
    assert {label: progress.count_of(label) for label in COUNTS} == {
        "to call": 18,
        "in progress": 0,
        "reason obtained": 0,
        "arrived": 0,
    }


def test_at_first_the_display_order_is_the_foundation_order(demo, morning) -> None:
    progress = load_progress(demo, morning, now=local(8, 45))
    assert display_order(morning, progress, local(8, 45)) == morning.entries


def test_a_reason_for_a_family_resolves_every_sibling(demo, morning) -> None:
    family = siblings(morning)
    reason_for(demo, family, "I")
    progress = load_progress(demo, morning, now=local(9, 5))
    assert [progress.statuses[p].label for p in ids(family)] == ["reason given → I"] * 2
    assert [progress.codes[p] for p in ids(family)] == ["I", "I"]


def test_a_reason_for_a_family_moves_the_counts(demo, morning) -> None:
    reason_for(demo, siblings(morning))
    log_attempt(
        demo,
        [morning.families[0].entries[0].pupil.id],
        DEMO_MORNING,
        AM,
        "call",
        "no_answer",
        morning.families[0].entries[0].contacts[0],
        at=NINE,
    )
    progress = load_progress(demo, morning, now=local(9, 5))
    assert {label: progress.count_of(label) for label in COUNTS} == {
        "to call": 15,
        "in progress": 1,
        "reason obtained": 2,
        "arrived": 0,
    }


def test_a_resolved_family_goes_last_and_the_rest_keep_the_foundation_order(demo, morning) -> None:
    family = siblings(morning)
    reason_for(demo, family)
    progress = load_progress(demo, morning, now=local(9, 5))
    order = family_order(display_order(morning, progress, local(9, 5)))
    rest = [f.id for f in morning.families if f.id != family.id]
    assert order == rest + [family.id]


def test_hiding_resolved_families_leaves_them_out(demo, morning) -> None:
    family = siblings(morning)
    reason_for(demo, family)
    progress = load_progress(demo, morning, now=local(9, 5))
    shown = display_order(morning, progress, local(9, 5), hide_resolved=True)
    assert [e.pupil.id for e in shown] == [
        e.pupil.id for e in morning.entries if e.family_id != family.id
    ]


def test_a_family_with_a_callback_now_due_comes_first(demo, morning) -> None:
    family = morning.families[-1]
    set_callback(demo, ids(family), DEMO_MORNING, AM, datetime(2026, 11, 24, 10, 0), at=NINE)
    progress = load_progress(demo, morning, now=local(10, 5))
    order = family_order(display_order(morning, progress, local(10, 5)))
    assert order == [family.id] + [f.id for f in morning.families[:-1]]


def test_a_callback_not_yet_due_keeps_its_family_in_place(demo, morning) -> None:
    family = morning.families[-1]
    set_callback(demo, ids(family), DEMO_MORNING, AM, datetime(2026, 11, 24, 10, 0), at=NINE)
    progress = load_progress(demo, morning, now=local(9, 55))
    assert progress.statuses[ids(family)[0]].label == "callback 10:00"
    assert family_order(display_order(morning, progress, local(9, 55))) == [
        f.id for f in morning.families
    ]


def test_a_naive_now_is_read_as_local_time_when_ordering(demo, morning) -> None:
    family = morning.families[-1]
    set_callback(demo, ids(family), DEMO_MORNING, AM, datetime(2026, 11, 24, 10, 0), at=NINE)
    progress = load_progress(demo, morning, now=datetime(2026, 11, 24, 10, 5))
    order = family_order(display_order(morning, progress, datetime(2026, 11, 24, 10, 5)))
    assert order[0] == family.id


def test_a_pupil_a_later_export_shows_present_has_arrived(demo, morning, tmp_path) -> None:
    entry = next(f for f in morning.families if len(f.entries) == 1).entries[0]
    p = entry.pupil
    later = tmp_path / "later.csv"
    later.write_text(
        "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
        f"{p.upn},{p.legal_surname},{p.legal_forename},{p.year_group},{p.reg_group},"
        "24/11/2026,AM,/\n",
        encoding="utf-8",
    )
    import_files(demo, "marks", [later])
    progress = load_progress(demo, load_morning(demo, DEMO_MORNING, AM), now=local(9, 30))
    assert progress.statuses[p.id].label == "arrived"
    assert (progress.count_of("arrived"), progress.count_of("to call")) == (1, 17)


def test_a_second_officer_sees_the_first_officers_outcome(demo, morning) -> None:
    entry = morning.families[0].entries[0]
    with open_store(demo.path, officer="officer.two") as other:
        before = load_progress(other, load_morning(other, DEMO_MORNING, AM), now=local(9, 0))
        log_attempt(
            demo,
            [entry.pupil.id],
            DEMO_MORNING,
            AM,
            "call",
            "no_answer",
            entry.contacts[0],
            at=NINE,
        )
        after = load_progress(other, load_morning(other, DEMO_MORNING, AM), now=local(9, 5))
    assert before.statuses[entry.pupil.id].label == "to call"
    assert after.statuses[entry.pupil.id].label == "no answer ×1"
    assert after.statuses[entry.pupil.id].next_contact == entry.contacts[1]


def test_a_second_officers_claim_shows_in_the_first_officers_progress(demo, morning) -> None:
    family = siblings(morning)
    with open_store(demo.path, officer="officer.two") as other:
        claim(other, ids(family), DEMO_MORNING, AM, at=NINE)
    progress = load_progress(demo, morning, now=local(9, 5))
    assert progress.claims == {p: "officer.two" for p in ids(family)}
