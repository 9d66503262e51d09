"""Home visits (issue #19): which families are proposed, the round by postcode, the
lone-working record and its overdue return (with an injected clock), the store's upgrade,
and `triage visits` in each format."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest

from tests.conftest import DEMO_MORNING
from triage.cli.main import main
from triage.model import Family, Pupil, QueueEntry
from triage.morning.ladder import DONE, OVERDUE, PENDING, FamilyLadder, FamilyStep, Step
from triage.store import Store, open_store
from triage.store.schema import MIGRATIONS
from triage.visits import lone_working
from triage.visits.day import LADDER_DUE, UNEXPLAINED, load_day, propose
from triage.visits.lone_working import VisitError, overdue_now
from triage.visits.round import postcode_parts, round_of, street_key

NOON = datetime(2026, 11, 24, 12, 0).astimezone()
NINE = datetime(2026, 11, 24, 9, 0).astimezone()


def pupil(pid: int, *, social_worker: bool = False) -> Pupil:
    return Pupil(pid, f"A{pid:012d}", None, f"Child{pid}", "Test", None, 5, "5A",
                 social_worker=social_worker)  # fmt: skip


def family(fid: int, *pids: int, social_worker: bool = False) -> Family:
    return Family(
        fid,
        tuple(QueueEntry(pupil(p, social_worker=social_worker), fid, (), 2, None, None, None)
              for p in pids),
    )  # fmt: skip


def ladder(fid: int, *steps: tuple[str, str]) -> FamilyLadder:
    return FamilyLadder(
        fid,
        tuple(FamilyStep(Step(kind, kind, 60), None, NINE, state) for kind, state in steps),
        False,
    )


# --- proposing the day's visits ---------------------------------------------------------


def test_a_family_whose_home_visit_step_is_due_is_proposed() -> None:
    fam = family(1, 10)
    found = propose([fam], {1: ladder(1, ("home_visit", OVERDUE))}, {10: "N"}, set(), NOON)
    assert [(p.family.id, p.why) for p in found] == [(1, LADDER_DUE)]


def test_a_family_still_unexplained_after_every_calling_step_is_proposed() -> None:
    lad = ladder(1, ("text", DONE), ("call_priority_1", OVERDUE), ("call_all", OVERDUE))
    found = propose([family(1, 10)], {1: lad}, {10: "N"}, set(), NOON)
    assert [p.why for p in found] == [UNEXPLAINED]


def test_a_family_with_a_calling_step_still_to_come_is_not_proposed() -> None:
    lad = ladder(1, ("text", DONE), ("call_all", PENDING))
    assert propose([family(1, 10)], {1: lad}, {10: "N"}, set(), NOON) == []


def test_a_family_whose_reason_came_is_not_proposed() -> None:
    lad = ladder(1, ("home_visit", OVERDUE))
    assert propose([family(1, 10)], {1: lad}, {10: "I"}, set(), NOON) == []


def test_a_family_already_visited_today_is_not_proposed() -> None:
    lad = ladder(1, ("home_visit", OVERDUE))
    assert propose([family(1, 10, 11)], {1: lad}, {10: "N", 11: "N"}, {11}, NOON) == []


def test_safeguarding_families_are_proposed_first() -> None:
    lads = {f: ladder(f, ("home_visit", OVERDUE)) for f in (1, 2)}
    fams = [family(1, 10), family(2, 20, social_worker=True)]
    found = propose(fams, lads, {10: "N", 20: "N"}, set(), NOON)
    assert [p.family.id for p in found] == [2, 1]


# --- the round by area -------------------------------------------------------------------


def test_a_postcode_gives_its_district_and_sector() -> None:
    assert postcode_parts("rv1 2ab") == ("RV1", "RV1 2")
    assert postcode_parts("RV12AB") == ("RV1", "RV1 2")
    assert postcode_parts(None) == ("no postcode", "no postcode")


def test_house_numbers_on_a_street_are_ordered_as_numbers() -> None:
    assert street_key("2 High St, Riverside") < street_key("10 High St, Riverside")


def test_the_round_groups_by_district_then_sector_then_street_and_number() -> None:
    visits = [
        ("10 High St", "RV10 1AA"),
        ("9 Mill Lane", "RV2 3AA"),
        ("2 Mill Lane", "RV2 3AB"),
        ("1 Acre Rd", "RV2 1AA"),
        ("5 Nowhere", None),
    ]
    rounds = round_of(visits, lambda v: v)
    assert [(area, [v[0] for v in vs]) for area, vs in rounds] == [
        ("RV2 1", ["1 Acre Rd"]),
        ("RV2 3", ["2 Mill Lane", "9 Mill Lane"]),
        ("RV10 1", ["10 High St"]),
        ("no postcode", ["5 Nowhere"]),
    ]


def test_a_district_with_a_safeguarding_visit_comes_first() -> None:
    visits = [("1 A St", "RV2 1AA"), ("1 B St", "RV9 1AA")]
    rounds = round_of(visits, lambda v: v, urgent=lambda v: v[1].startswith("RV9"))
    assert [area for area, _ in rounds] == ["RV9 1", "RV2 1"]


# --- the store and lone working on the demo school ----------------------------------------


def test_the_demo_day_proposes_the_ladder_s_home_visits(demo: Store) -> None:
    day = load_day(demo, DEMO_MORNING, NOON)
    assert any(v.why == LADDER_DUE for v in day.visits)
    assert all(v.state == "proposed" for v in day.visits)


def test_a_visit_overdue_back_is_an_alert_until_extended(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON, minutes=45)
    assert overdue_now(demo, NOON.replace(minute=44)) == []
    late = NOON.replace(hour=12, minute=46)
    assert [o.names for o in overdue_now(demo, late)] == [visit.names]
    started = next(v for v in load_day(demo, DEMO_MORNING, late).visits if v.state == "started")
    lone_working.extend(demo, started, 30, at=late)
    assert overdue_now(demo, late) == []


def test_escalating_an_overdue_visit_ends_the_alert_and_is_audited(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON, minutes=45)
    late = NOON.replace(hour=13)
    started = next(v for v in load_day(demo, DEMO_MORNING, late).visits if v.state == "started")
    lone_working.escalate(demo, started, at=late)
    assert overdue_now(demo, late) == []
    actions = [e["action"] for e in demo.events()]
    assert "visit-start" in actions and "visit-escalate" in actions


def test_ending_with_a_reason_recodes_the_mark_and_logs_the_visit(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON)
    started = next(v for v in load_day(demo, DEMO_MORNING, NOON).visits if v.state == "started")
    logged = lone_working.end(demo, started, "reason", reason_code="I", at=NOON.replace(hour=13))
    assert set(logged.recoded) == set(visit.pupil_ids)
    assert demo.queued_marks(DEMO_MORNING, "AM", list(visit.pupil_ids)) == {
        pid: ("I", True) for pid in visit.pupil_ids
    }
    assert all(v.state == "ended" for v in load_day(demo, DEMO_MORNING, NOON).visits
               if v.visit_id == started.visit_id)  # fmt: skip


def test_a_concern_tells_the_dsl(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON)
    started = next(v for v in load_day(demo, DEMO_MORNING, NOON).visits if v.state == "started")
    lone_working.end(demo, started, "concern", at=NOON.replace(hour=13))
    told = demo.conn.execute(
        "SELECT COUNT(*) FROM attempts WHERE outcome = 'dsl_informed' AND pupil_id = ?",
        (visit.pupil_ids[0],),
    ).fetchone()[0]
    assert told == 1


def test_a_visit_cannot_be_started_twice(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON)
    with pytest.raises(VisitError):
        lone_working.start(demo, visit, at=NOON)


def test_a_dropped_proposal_is_not_proposed_again(demo: Store) -> None:
    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.drop(demo, visit)
    ids = [v.pupil_ids for v in load_day(demo, DEMO_MORNING, NOON).visits]
    assert visit.pupil_ids not in ids


def test_upgrading_from_the_version_before_adds_the_visits(tmp_path) -> None:
    import sqlite_utils

    from triage.store.schema import SCHEMA_VERSION, _v14_visits

    before = MIGRATIONS.index(_v14_visits)  # found by name: merges renumber
    path = tmp_path / "before.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:before]:
        step(db)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.close()
    with open_store(path) as s:
        assert s.user_version == SCHEMA_VERSION
        assert "visits" in s.db.table_names()


# --- triage visits -------------------------------------------------------------------------


def _cli(capsys, demo_db, fmt: str) -> str:
    assert main(["visits", "--db", str(demo_db), "--date", "24/11/2026", "--format", fmt]) == 0
    return capsys.readouterr().out


def test_visits_as_json_lists_areas_and_visits(capsys, demo_db) -> None:
    data = json.loads(_cli(capsys, demo_db, "json"))
    assert data["date"] == "2026-11-24"
    assert data["areas"] and data["areas"][0]["visits"][0]["postcode"]


def test_visits_as_csv_starts_with_the_columns(capsys, demo_db) -> None:
    out = _cli(capsys, demo_db, "csv")
    assert out.lstrip("\ufeff").startswith("area,family,pupils")


def test_visits_as_text_is_marked_sensitive(capsys, demo_db) -> None:
    assert "OFFICIAL-SENSITIVE" in _cli(capsys, demo_db, "text")


def test_visits_as_html_has_a_page_per_officer_with_room_for_the_outcome(capsys, demo_db) -> None:
    with open_store(demo_db, create=False, officer="officer.one") as s:
        lone_working.take(s, load_day(s, DEMO_MORNING, NOON).visits[0])
    out = _cli(capsys, demo_db, "html")
    assert out.count('<section class="letter">') == 2  # officer.one, and not yet taken
    assert "OFFICIAL-SENSITIVE" in out and "Time back" in out


def test_the_summary_reports_every_visit_its_times_and_outcome(demo: Store) -> None:
    from triage.render.summary_report import render
    from triage.reports.summary import visit_lines

    visit = load_day(demo, DEMO_MORNING, NOON).visits[0]
    lone_working.start(demo, visit, at=NOON)
    started = next(v for v in load_day(demo, DEMO_MORNING, NOON).visits if v.state == "started")
    lone_working.end(demo, started, "seen", at=NOON.replace(hour=12, minute=40))
    lines = visit_lines(demo, DEMO_MORNING)
    assert lines == [f"{visit.names}: 12:00-12:40 officer.one, Child seen and safe"]
    from triage.reports.summary import DaySummary

    summary = DaySummary("School", DEMO_MORNING, visits=lines)
    assert lines[0] in render(summary, "text")
    assert lines[0] in render(summary, "html")
