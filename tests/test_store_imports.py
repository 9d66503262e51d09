"""The import's and the reports' store functions (triage.store.imports, triage.store.reports)
where the importer's, the summary's and the amendments' own tests do not reach them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.conftest import DEMO_MORNING
from triage.casework.alerts import Alert, acknowledge
from triage.casework.cases import change_stage
from triage.morning.logbook import add_note, log_attempt, record_reason, undo_last
from triage.store import Store, open_store
from triage.store.imports import (
    import_with_sha256,
    insert_import,
    insert_marks,
    insert_pupils,
    keep_date_codes,
    marks_between,
    pupil_lookup,
    set_mis_codes,
    update_marks,
)
from triage.store.reports import (
    alerts_acknowledged_on,
    dsl_told_on,
    mark_recodes_exported,
    recodes_to_amend,
    stage_changes_on,
    work_by_officer,
)

MONDAY = "2026-11-16"


def _two_pupils(store: Store) -> list[int]:
    insert_pupils(
        store,
        [
            {"upn": upn, "legal_forename": "A", "legal_surname": "B", "stage": "Expect"}
            | {"created_at": "", "updated_at": ""}
            for upn in ("A123456789012", "B123456789012")
        ],
    )
    by_upn, _ = pupil_lookup(store)
    return sorted(by_upn.values())


def test_a_day_that_becomes_a_closure_is_recounted_in_date_codes(store: Store) -> None:
    with store.transaction():
        ids = _two_pupils(store)
        insert_marks(store, [(pid, MONDAY, "AM", "/", None, 1) for pid in ids])
        keep_date_codes(store, {(MONDAY, "/")})
        update_marks(store, [("#", "#", None, 2, False, pid, MONDAY, "AM") for pid in ids])
        keep_date_codes(store, {(MONDAY, "#")})
    assert store.date_codes() == [(date(2026, 11, 16), "#")]


def test_a_new_n_is_queued_and_an_update_never_unqueues_it(store: Store) -> None:
    with store.transaction():
        pid = _two_pupils(store)[0]
        insert_marks(store, [(pid, MONDAY, "AM", "N", None, 1), (pid, MONDAY, "PM", "\\", 5, 1)])
        update_marks(store, [("I", "I", None, 2, False, pid, MONDAY, "AM")])
        set_mis_codes(store, [("U", 3, pid, MONDAY, "PM")])
    assert marks_between(store, MONDAY, MONDAY) == {
        (pid, MONDAY, "AM"): ("I", "I", 0, None),
        (pid, MONDAY, "PM"): ("\\", "U", 0, 5),
    }
    assert store.queued_marks(date(2026, 11, 16), "AM") == {pid: ("I", False)}


def test_an_import_is_found_by_its_content_hash(store: Store) -> None:
    assert import_with_sha256(store, "ab" * 32) is None
    with store.transaction():
        insert_import(store, file_name="am.csv", sha256="ab" * 32, kind="marks", rows=3, at="t")
    found = import_with_sha256(store, "ab" * 32)
    assert found is not None and (found.file_name, found.imported_at) == ("am.csv", "t")


def test_the_days_stage_changes_acknowledgements_and_notes_are_counted(demo_db) -> None:
    at = datetime.combine(DEMO_MORNING, datetime.min.time()).replace(hour=10)
    with open_store(demo_db, officer="officer.one") as s:
        pupil = s.pupils()[0]
        stage = "Monitor" if pupil.stage != "Monitor" else "Expect"
        change_stage(s, pupil.id, stage, "first meeting held", None, confirmed=True, at=at)
        acknowledge(s, Alert(pupil.id, "overdue_n", DEMO_MORNING, "an N"), at=at)
        add_note(s, pupil.id, "spoke to mum", at=at)
        add_note(s, pupil.id, "and to dad", at=at)
        on, day_before = DEMO_MORNING, DEMO_MORNING - timedelta(days=1)
        assert (stage_changes_on(s, on), stage_changes_on(s, day_before)) == (1, 0)
        assert (alerts_acknowledged_on(s, on), alerts_acknowledged_on(s, day_before)) == (1, 0)
        assert work_by_officer(s, on)["officer.one"] == {"notes": 2}
        assert work_by_officer(s, day_before) == {}


def test_the_dsl_told_is_counted_once_a_pupil_by_escalation_or_old_acknowledgement(
    demo_db,
) -> None:
    at = datetime.combine(DEMO_MORNING, datetime.min.time()).replace(hour=10, minute=40)
    on, day_before = DEMO_MORNING, DEMO_MORNING - timedelta(days=1)
    with open_store(demo_db, officer="officer.one") as s:
        told, acked, undone = s.unexplained_pupil_ids(on, "AM")[:3]
        for _ in range(2):  # told twice: one pupil
            log_attempt(s, [told], on, "AM", "call", "dsl_informed", at=at)
        with s.transaction():  # the DSL notification's acknowledgement, before "DSL told"
            s.audit("ladder-ack", "pupil", acked, {"date": on.isoformat(), "session": "AM"})
        log_attempt(s, [undone], on, "AM", "call", "dsl_informed", at=at)
        undo_last(s)
        log_attempt(s, [undone], on, "AM", "call", "no_answer", at=at)
        assert (dsl_told_on(s, on), dsl_told_on(s, day_before)) == (2, 0)


def test_amendments_are_chosen_by_date_and_by_whether_exported(demo_db) -> None:
    with open_store(demo_db, officer="officer.one") as s:
        pid = s.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]
        record_reason(s, [pid], DEMO_MORNING, "AM", "I")
        ids = [r.id for r in recodes_to_amend(s, on=DEMO_MORNING)]
        assert len(ids) == 1
        assert recodes_to_amend(s, on=DEMO_MORNING - timedelta(days=1)) == []
        assert [r.id for r in recodes_to_amend(s, since=DEMO_MORNING)] == ids
        assert recodes_to_amend(s, since=DEMO_MORNING + timedelta(days=1)) == []
        with s.transaction():
            mark_recodes_exported(s, ids, "first")
            mark_recodes_exported(s, ids, "second")  # the first stamp stays
        assert recodes_to_amend(s) == []
        assert [r.id for r in recodes_to_amend(s, everything=True)] == ids
        stamp = s.conn.execute("SELECT exported_at FROM recodes WHERE id = ?", ids).fetchone()
        assert stamp == ("first",)
