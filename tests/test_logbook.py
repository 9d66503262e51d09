"""Writing what officers do: attempts, reasons (recodes), undo, claims and the audit trail,
on a real SQLite file built from small hand-made MIS exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import database_dump
from triage.imports.importers import import_files
from triage.model import Contact
from triage.morning.logbook import (
    add_note,
    attempts_for,
    claim,
    claims_for,
    log_attempt,
    record_reason,
    release,
    undo_last,
)
from triage.store import Store, open_store

ON = date(2026, 11, 24)
AM = "AM"
NINE = datetime(2026, 11, 24, 9, 0)
AMY, BEN, CARA = "A123456789012", "A123456789013", "A123456789014"

MARKS_HEADER = "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
MARKS = (
    MARKS_HEADER
    + f"{AMY},Smith,Amy,3,3R,24/11/2026,AM,N\n"
    + f"{BEN},Smith,Ben,5,5B,24/11/2026,AM,N\n"
    + f"{CARA},Jones,Cara,4,4G,24/11/2026,AM,N\n"
)
# The Smith siblings share their mother's mobile (priority 1) and their father (priority 2).
CONTACTS = (
    "UPN,Contact Name,Relationship,Priority,Mobile,Email\n"
    f"{AMY},Sarah Smith,Mother,1,07700900001,sarah@example.org\n"
    f"{AMY},Tom Smith,Father,2,07700900002,\n"
    f"{BEN},Sarah Smith,Mother,1,07700900001,sarah@example.org\n"
    f"{BEN},Tom Smith,Father,2,07700900002,\n"
    f"{CARA},Dana Jones,Mother,1,07700900003,\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def import_marks(store: Store, path: Path, *rows: str) -> dict[str, int]:
    """Import a later marks export of these rows ('UPN,Mark'), all 24/11/2026 AM."""
    names = {AMY: "Smith,Amy,3,3R", BEN: "Smith,Ben,5,5B", CARA: "Jones,Cara,4,4G"}
    lines = []
    for row in rows:
        upn, code = row.split(",")
        lines.append(f"{upn},{names[upn]},24/11/2026,AM,{code}\n")
    return import_files(store, "marks", [write(path, MARKS_HEADER + "".join(lines))]).counts


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    import_files(store, "marks", [write(tmp_path / "marks.csv", MARKS)])
    import_files(store, "contacts", [write(tmp_path / "contacts.csv", CONTACTS)])
    return store


def pid(store: Store, upn: str) -> int:
    return store.pupil_by_upn(upn).id


def mother(store: Store, upn: str = AMY) -> Contact:
    return store.contacts_by_pupil([pid(store, upn)])[pid(store, upn)][0]


def mark(store: Store, upn: str) -> tuple[str, str, int]:
    return store.conn.execute(
        "SELECT code, mis_code, amended FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
        (pid(store, upn), ON.isoformat(), AM),
    ).fetchone()


def reason_given(store: Store, upns=(AMY,), code: str = "I", minute: int = 5):
    return log_attempt(
        store,
        [pid(store, u) for u in upns],
        ON,
        AM,
        "call",
        "spoke_reason",
        mother(store, upns[0]),
        reason_code=code,
        at=NINE + timedelta(minutes=minute),
    )


def no_answer(store: Store, upn: str = CARA, minute: int = 1):
    return log_attempt(
        store,
        [pid(store, upn)],
        ON,
        AM,
        "call",
        "no_answer",
        mother(store, upn),
        at=NINE + timedelta(minutes=minute),
    )


@pytest.fixture
def second(school: Store) -> Store:
    """officer.two, on the same database file."""
    other = open_store(school.path, officer="officer.two")
    yield other
    other.close()


# --- logging an attempt ------------------------------------------------------------------


def test_the_siblings_share_a_priority_one_contact(school) -> None:
    assert mother(school, AMY) == mother(school, BEN)
    assert [c.priority for c in school.contacts_by_pupil()[pid(school, AMY)]] == [1, 2]


def test_a_reason_given_on_a_call_recodes_the_mark_but_keeps_what_the_mis_said(school) -> None:
    logged = reason_given(school, (AMY,), "I")
    assert mark(school, AMY) == ("I", "N", 1)
    assert logged.recoded == (pid(school, AMY),)


def test_a_reason_given_writes_a_recode_row_with_old_and_new_code_officer_and_time(
    school,
) -> None:
    logged = reason_given(school, (AMY,), "I", minute=5)
    rows = list(school.db.query("SELECT * FROM recodes"))
    assert [
        (r["event_id"], r["pupil_id"], r["old_code"], r["new_code"], r["officer"]) for r in rows
    ] == [(logged.event_id, pid(school, AMY), "N", "I", "officer.one")]
    assert rows[0]["at"].startswith("2026-11-24T09:05:00")


def test_a_reason_given_writes_the_attempt_with_its_contact_and_reason(school) -> None:
    reason_given(school, (AMY,), "I")
    rows = list(school.db.query("SELECT * FROM attempts"))
    assert [
        (
            r["pupil_id"],
            r["channel"],
            r["outcome"],
            r["contact_name"],
            r["number"],
            r["reason_code"],
        )
        for r in rows
    ] == [(pid(school, AMY), "call", "spoke_reason", "Sarah Smith", "07700900001", "I")]


def test_a_reason_given_is_audited_with_the_mark_before_and_after(school) -> None:
    logged = reason_given(school, (AMY,), "I")
    events = {e["action"]: e for e in school.events()}
    assert events["attempt"]["id"] == logged.event_id
    assert events["attempt"]["officer"] == "officer.one"
    detail = json.loads(events["attempt"]["detail"])
    assert detail["recodes"] == [
        {
            "pupil_id": pid(school, AMY),
            "date": "2026-11-24",
            "session": AM,
            "before": "N",
            "after": "I",
        }
    ]


def test_a_reason_given_is_written_in_exactly_one_transaction(school) -> None:
    statements: list[str] = []
    school.conn.set_trace_callback(statements.append)
    try:
        reason_given(school, (AMY,), "I")
    finally:
        school.conn.set_trace_callback(None)
    begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
    commits = [i for i, s in enumerate(statements) if s.startswith("COMMIT")]
    writes = [i for i, s in enumerate(statements) if s.split()[0] in ("INSERT", "UPDATE")]
    assert len(begins) == len(commits) == 1
    assert writes and begins[0] < min(writes) and max(writes) < commits[0]


def test_logging_for_a_family_writes_one_attempt_per_sibling(school) -> None:
    reason_given(school, (AMY, BEN), "I")
    rows = school.conn.execute("SELECT pupil_id, event_id FROM attempts").fetchall()
    assert sorted(p for p, _ in rows) == sorted([pid(school, AMY), pid(school, BEN)])
    assert len({e for _, e in rows}) == 1  # one officer action


def test_logging_a_reason_for_a_family_recodes_every_sibling(school) -> None:
    logged = reason_given(school, (AMY, BEN), "I")
    assert mark(school, AMY) == mark(school, BEN) == ("I", "N", 1)
    assert school.count("recodes") == 2
    assert mark(school, CARA) == ("N", "N", 0)
    assert sorted(logged.recoded) == sorted([pid(school, AMY), pid(school, BEN)])


def test_a_no_answer_is_an_attempt_and_leaves_the_mark_alone(school) -> None:
    no_answer(school, CARA)
    assert mark(school, CARA) == ("N", "N", 0)
    assert [a.outcome for a in attempts_for(school, ON, AM)[pid(school, CARA)]] == ["no_answer"]


def test_a_reason_outcome_without_a_reason_is_refused_and_writes_nothing(school) -> None:
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="reason"):
        log_attempt(
            school, [pid(school, AMY)], ON, AM, "call", "spoke_reason", mother(school), at=NINE
        )
    assert database_dump(school.path) == before


def test_a_reason_that_cannot_be_recorded_rolls_back_the_whole_attempt(school) -> None:
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="cannot be recorded"):
        reason_given(school, (AMY, BEN), "#")
    assert database_dump(school.path) == before


def test_a_callback_outcome_without_a_time_is_refused_and_writes_nothing(school) -> None:
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="time"):
        log_attempt(school, [pid(school, AMY)], ON, AM, "call", "callback", mother(school))
    assert database_dump(school.path) == before


def test_record_reason_leaves_a_mark_the_mis_has_since_filled_in_alone(school, tmp_path) -> None:
    import_marks(school, tmp_path / "later.csv", f"{AMY},/")
    logged = record_reason(school, [pid(school, AMY), pid(school, BEN)], ON, AM, "I", at=NINE)
    assert mark(school, AMY) == ("/", "/", 0)
    assert mark(school, BEN) == ("I", "N", 1)
    assert logged.recoded == (pid(school, BEN),)


def test_record_reason_can_correct_an_earlier_recode(school) -> None:
    reason_given(school, (AMY,), "I")
    record_reason(school, [pid(school, AMY)], ON, AM, "M", at=NINE + timedelta(hours=1))
    assert mark(school, AMY) == ("M", "N", 1)
    assert [
        tuple(r) for r in school.conn.execute("SELECT old_code, new_code FROM recodes ORDER BY id")
    ] == [("N", "I"), ("I", "M")]


# --- undo ---------------------------------------------------------------------------------


def test_undo_puts_the_mark_back_to_n(school) -> None:
    reason_given(school, (AMY, BEN), "I")
    undone = undo_last(school)
    assert mark(school, AMY) == mark(school, BEN) == ("N", "N", 0)
    assert undone.marks_restored == 2


def test_undo_marks_attempts_and_recodes_undone_without_deleting_them(school) -> None:
    reason_given(school, (AMY, BEN), "I")
    undone = undo_last(school)
    for table in ("attempts", "recodes"):
        rows = school.conn.execute(f"SELECT undone_event_id FROM {table}").fetchall()
        assert rows == [(undone.event_id,), (undone.event_id,)], table
    assert attempts_for(school, ON, AM) == {}


def test_undo_is_itself_an_audit_event_naming_the_action_undone(school) -> None:
    logged = reason_given(school, (AMY,), "I")
    undone = undo_last(school)
    event = school.events(limit=1)[0]
    assert (event["id"], event["action"], event["officer"], event["entity_id"]) == (
        undone.event_id,
        "undo",
        "officer.one",
        str(logged.event_id),
    )
    assert (undone.undid, undone.action) == (logged.event_id, "attempt")


def test_undo_reverses_only_the_last_action(school) -> None:
    no_answer(school, CARA, minute=1)
    reason_given(school, (AMY,), "I", minute=2)
    undo_last(school)
    assert mark(school, AMY) == ("N", "N", 0)
    assert [a.outcome for a in attempts_for(school, ON, AM)[pid(school, CARA)]] == ["no_answer"]


def test_a_second_undo_reverses_the_action_before_it(school) -> None:
    first = reason_given(school, (AMY,), "I", minute=1)
    second = reason_given(school, (BEN,), "M", minute=2)
    assert undo_last(school).undid == second.event_id
    assert mark(school, AMY) == ("I", "N", 1)
    assert undo_last(school).undid == first.event_id
    assert mark(school, AMY) == ("N", "N", 0)


def test_undo_never_reverses_another_officers_action(school, second) -> None:
    mine = reason_given(school, (AMY,), "I", minute=1)
    reason_given(second, (BEN,), "M", minute=2)
    assert undo_last(school).undid == mine.event_id
    assert mark(school, BEN) == ("M", "N", 1)
    assert undo_last(school) is None


def test_undo_with_nothing_to_undo_returns_none_and_writes_nothing(school) -> None:
    before = database_dump(school.path)
    assert undo_last(school) is None
    assert database_dump(school.path) == before


def test_undo_after_everything_is_undone_returns_none(school) -> None:
    reason_given(school, (AMY,), "I")
    undo_last(school)
    assert undo_last(school) is None


def test_undo_removes_a_note(school) -> None:
    add_note(school, pid(school, CARA), "Mum says she will ring back", at=NINE)
    undone = undo_last(school)
    assert (undone.action, undone.pupil_ids) == ("note", (pid(school, CARA),))
    assert school.conn.execute("SELECT undone_event_id FROM notes").fetchone() == (undone.event_id,)


def test_undo_does_not_restore_a_mark_that_a_later_import_changed(school, tmp_path) -> None:
    reason_given(school, (AMY,), "I")
    import_marks(school, tmp_path / "later.csv", f"{AMY},/")
    undone = undo_last(school)
    assert mark(school, AMY) == ("/", "/", 0)
    assert undone.marks_restored == 0


def test_undo_does_not_restore_a_mark_another_officer_has_since_recoded(school, second) -> None:
    reason_given(school, (AMY,), "I", minute=1)
    record_reason(second, [pid(second, AMY)], ON, AM, "M", at=NINE + timedelta(minutes=2))
    undo_last(school)
    assert mark(school, AMY) == ("M", "N", 1)


# --- a later export from the MIS ----------------------------------------------------------


def test_a_later_import_that_still_says_n_keeps_the_officers_recode(school, tmp_path) -> None:
    reason_given(school, (AMY,), "I")
    counts = import_marks(school, tmp_path / "later.csv", f"{AMY},N", f"{CARA},N")
    assert counts["marks_kept"] == 1
    assert mark(school, AMY) == ("I", "N", 1)


def test_a_later_import_with_a_real_code_overrides_the_officers_recode(school, tmp_path) -> None:
    reason_given(school, (AMY,), "I")
    import_marks(school, tmp_path / "later.csv", f"{AMY},M")
    assert mark(school, AMY) == ("M", "M", 0)


def test_undo_after_an_import_that_kept_the_recode_still_restores_n(school, tmp_path) -> None:
    reason_given(school, (AMY,), "I")
    import_marks(school, tmp_path / "later.csv", f"{AMY},N")
    undo_last(school)
    assert mark(school, AMY) == ("N", "N", 0)


# --- claims -------------------------------------------------------------------------------


def test_another_officers_claim_is_seen(school, second) -> None:
    claim(second, [pid(second, AMY), pid(second, BEN)], ON, AM, at=NINE)
    assert claims_for(school, ON, AM, at=NINE + timedelta(minutes=5)) == {
        pid(school, AMY): "officer.two",
        pid(school, BEN): "officer.two",
    }


def test_an_officer_does_not_see_their_own_claim(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, at=NINE)
    assert claims_for(second, ON, AM, at=NINE + timedelta(minutes=5)) == {}


def test_a_claim_lapses_after_its_expiry(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, minutes=10, at=NINE)
    assert claims_for(school, ON, AM, at=NINE + timedelta(minutes=9)) != {}
    assert claims_for(school, ON, AM, at=NINE + timedelta(minutes=10)) == {}


def test_releasing_a_claim_removes_it(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, at=NINE)
    release(second, [pid(second, AMY)], ON, AM)
    assert claims_for(school, ON, AM, at=NINE + timedelta(minutes=1)) == {}


def test_an_officer_cannot_release_another_officers_claim(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, at=NINE)
    release(school, [pid(school, AMY)], ON, AM)
    assert claims_for(school, ON, AM, at=NINE + timedelta(minutes=1)) == {
        pid(school, AMY): "officer.two"
    }


def test_a_claim_is_for_one_session_only(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, at=NINE)
    assert claims_for(school, ON, "PM", at=NINE + timedelta(minutes=1)) == {}


def test_a_live_claim_is_seen_whatever_utc_offset_the_clock_reads_in(school, second) -> None:
    claim(second, [pid(second, AMY)], ON, AM, at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    five_past_in_bst = datetime(2026, 11, 24, 11, 5, tzinfo=timezone(timedelta(hours=1)))
    assert claims_for(school, ON, AM, at=five_past_in_bst) == {pid(school, AMY): "officer.two"}


# --- the audit trail ------------------------------------------------------------------------


def test_the_audit_trail_lists_each_action_by_the_officer_who_did_it(school, second) -> None:
    no_answer(school, CARA, minute=1)
    record_reason(second, [pid(second, AMY)], ON, AM, "I", at=NINE + timedelta(minutes=2))
    add_note(school, pid(school, CARA), "No answer from mum", at=NINE + timedelta(minutes=3))
    undo_last(second)
    actions = [
        (e["action"], e["officer"])
        for e in reversed(school.events())
        if e["action"] in ("attempt", "reason", "note", "undo")
    ]
    assert actions == [
        ("attempt", "officer.one"),
        ("reason", "officer.two"),
        ("note", "officer.one"),
        ("undo", "officer.two"),
    ]


def test_recode_rows_name_the_officer_who_made_them(school, second) -> None:
    reason_given(school, (AMY,), "I")
    reason_given(second, (BEN,), "M")
    assert sorted(
        school.conn.execute("SELECT pupil_id, officer FROM recodes").fetchall()
    ) == sorted([(pid(school, AMY), "officer.one"), (pid(school, BEN), "officer.two")])


def test_attempts_are_in_time_order_whatever_utc_offset_they_were_logged_in(school, second) -> None:
    bst = timezone(timedelta(hours=1))
    log_attempt(
        school,
        [pid(school, CARA)],
        ON,
        AM,
        "call",
        "no_answer",
        mother(school, CARA),
        at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )
    log_attempt(  # 09:30 UTC: half an hour before officer.one's call
        second,
        [pid(second, CARA)],
        ON,
        AM,
        "call",
        "spoke_no_reason",
        mother(second, CARA),
        at=datetime(2026, 11, 24, 10, 30, tzinfo=bst),
    )
    outcomes = [a.outcome for a in attempts_for(school, ON, AM)[pid(school, CARA)]]
    assert outcomes == ["spoke_no_reason", "no_answer"]
