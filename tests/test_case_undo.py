"""`u` undoes case work too: stage moves, actions, status changes and acknowledgements."""

from __future__ import annotations

from datetime import date

from tests.conftest import DEMO_MORNING
from triage.casework.alerts import acknowledge, alerts_for
from triage.casework.cases import actions_of, change_stage, current_stage, record_action
from triage.morning.logbook import undo_last
from triage.store import open_store


def _pupil(store) -> int:
    return store.unexplained_pupil_ids(DEMO_MORNING, "AM")[0]


def test_undoing_a_stage_move_puts_the_stage_back(demo_db) -> None:
    with open_store(demo_db) as s:
        pid = _pupil(s)
        change_stage(s, pid, "Monitor", "pattern of Mondays", date(2026, 12, 8))
        assert current_stage(s, pid) == "Monitor"
        undone = undo_last(s)
        assert undone is not None and undone.action == "stage"
        assert current_stage(s, pid) == "Expect"
        assert (
            s.conn.execute(
                "SELECT COUNT(*) FROM stage_changes WHERE undone_event_id IS NULL"
            ).fetchone()[0]
            == 0
        )


def test_undo_leaves_a_stage_that_was_moved_again_since(demo_db) -> None:
    with open_store(demo_db) as s, open_store(demo_db, officer="officer.two") as other:
        pid = _pupil(s)
        change_stage(s, pid, "Monitor", "first", date(2026, 12, 8))
        change_stage(other, pid, "Listen and understand", "meeting needed", date(2026, 12, 8))
        undo_last(s)  # undoes officer one's move only
        assert current_stage(s, pid) == "Listen and understand"


def test_undoing_an_action_hides_it_from_the_case(demo_db) -> None:
    with open_store(demo_db) as s:
        pid = _pupil(s)
        record_action(s, pid, "letter_sent", DEMO_MORNING, note="concern letter")
        assert [a.kind for a in actions_of(s, pid)] == ["letter_sent"]
        assert undo_last(s).action == "action"
        assert actions_of(s, pid) == []


def test_undoing_an_acknowledgement_makes_the_alert_open_again(demo_db) -> None:
    with open_store(demo_db) as s:
        alert = alerts_for(s, DEMO_MORNING)[0]
        acknowledge(s, alert)
        assert undo_last(s).action == "ack"
        again = [
            a
            for a in alerts_for(s, DEMO_MORNING)
            if a.pupil_id == alert.pupil_id and a.kind == alert.kind
        ]
        assert again and again[0].acknowledged is None
