"""The store's case and alert reads (triage.store.cases, triage.store.alerts), on a real
SQLite file built from a small MIS export: the edges the case and alert tests reach only
through their results."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import imported, pid
from triage.casework.cases import change_stage, record_action, set_action_status
from triage.casework.letters import LetterError, officer_name
from triage.morning.logbook import undo_last
from triage.officers import add_officer, set_display_name
from triage.store import Store
from triage.store import alerts as alert_rows
from triage.store import cases as case_rows
from triage.store.officers import role_and_name_of

AMY, BEN = "A123456789012", "A123456789013"
NINE = datetime(2026, 11, 24, 9, 0)
# Amy: an N long before (never recoded), an O before the window, then G and / in it.
MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
    f"{AMY},Smith,Amy,3,3R,02/11/2026,AM,N\n"
    f"{AMY},Smith,Amy,3,3R,03/11/2026,AM,O\n"
    f"{AMY},Smith,Amy,3,3R,23/11/2026,AM,G\n"
    f"{AMY},Smith,Amy,3,3R,23/11/2026,PM,I\n"
    f"{AMY},Smith,Amy,3,3R,24/11/2026,AM,/\n"
    f"{BEN},Smith,Ben,5,5B,23/11/2026,AM,U\n"
    f"{BEN},Smith,Ben,5,5B,24/11/2026,AM,N\n"
)


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, marks=MARKS)


def test_an_unknown_pupil_has_no_stage(school: Store) -> None:
    assert case_rows.pupil_stage(school, 999) is None


def test_an_undone_support_action_is_not_support(school: Store) -> None:
    amy = pid(school, AMY)
    record_action(school, amy, "early_help_referral", date(2026, 11, 24), at=NINE)
    assert case_rows.has_action_of(school, amy, {"early_help_referral"})
    undo_last(school)
    assert not case_rows.has_action_of(school, amy, {"early_help_referral"})


def test_an_undone_action_cannot_be_read_by_its_id(school: Store) -> None:
    action = record_action(school, pid(school, AMY), "pattern_noted", date(2026, 11, 24), at=NINE)
    assert case_rows.action_by_id(school, action.id) is not None
    undo_last(school)
    assert case_rows.action_by_id(school, action.id) is None


def test_review_dates_come_from_stage_changes_and_reviews_only(school: Store) -> None:
    amy = pid(school, AMY)
    change_stage(school, amy, "Monitor", "Pattern of Mondays", date(2026, 12, 1), at=NINE)
    record_action(
        school, amy, "review_held", date(2026, 11, 24), due_date=date(2026, 12, 8), at=NINE
    )
    record_action(
        school, amy, "pattern_noted", date(2026, 11, 24), due_date=date(2026, 12, 15), at=NINE
    )
    found = {review for _pid, review, _event in case_rows.review_dates(school, "review_held")}
    assert found == {"2026-12-01", "2026-12-08"}


def test_status_changes_are_read_for_their_own_pupil(school: Store) -> None:
    amy, ben = pid(school, AMY), pid(school, BEN)
    action = record_action(
        school, amy, "early_help_referral", date(2026, 11, 24), status="open", at=NINE
    )
    set_action_status(school, action.id, "done")
    assert len(case_rows.action_status_events(school, amy)) == 1
    assert case_rows.action_status_events(school, ben) == []


def test_queued_absences_are_the_latest_first_and_limited(school: Store) -> None:
    amy = pid(school, AMY)
    assert case_rows.queued_absences(school, amy, 10) == [("2026-11-02", "AM", "N")]
    assert case_rows.queued_absences(school, amy, 0) == []


def test_a_letter_is_never_signed_with_the_login_of_an_officer_without_a_display_name(
    school: Store,
) -> None:
    add_officer(school, "officer.one", "lead")
    assert role_and_name_of(school, "officer.one") == ("lead", None)
    assert role_and_name_of(school, "nobody") is None
    school.officer = "officer.one"
    with pytest.raises(LetterError, match='triage officers name officer.one "Your Full Name"'):
        officer_name(school)
    set_display_name(school, "officer.one", "Priya Shah")
    assert officer_name(school) == "Priya Shah"


def test_unauthorised_marks_keep_an_old_n_but_not_an_old_o(school: Store) -> None:
    amy = pid(school, AMY)
    found = alert_rows.unauthorised_marks(school, None, date(2026, 11, 20), date(2026, 11, 24))
    assert [(m.date.isoformat(), m.code) for m in found[amy]] == [
        ("2026-11-02", "N"),
        ("2026-11-23", "G"),
    ]


def test_unauthorised_marks_can_be_read_for_some_pupils(school: Store) -> None:
    ben = pid(school, BEN)
    found = alert_rows.unauthorised_marks(school, [ben], date(2026, 11, 20), date(2026, 11, 24))
    assert list(found) == [ben]


def test_year_counts_count_possible_and_attending_sessions(school: Store) -> None:
    amy, ben = pid(school, AMY), pid(school, BEN)
    counts = alert_rows.year_counts(school, None, date(2026, 11, 20), date(2026, 11, 24))
    assert counts == {amy: (3, 1), ben: (2, 0)}
    assert alert_rows.year_counts(school, [ben], date(2026, 11, 20), date(2026, 11, 24)) == {
        ben: (2, 0)
    }


def test_an_acknowledgement_is_read_back_by_its_alert(school: Store) -> None:
    amy = pid(school, AMY)
    with school.transaction():
        event = school.audit("ack", "pupil", amy)
        alert_rows.insert_acknowledgement(
            school, amy, "overdue_n", "2026-11-10", event, "2026-11-24T09:00:00+00:00", "o.one"
        )
    row = alert_rows.acknowledgement(school, amy, "overdue_n", "2026-11-10")
    assert row == alert_rows.AckRow(
        amy, "overdue_n", "2026-11-10", event, "2026-11-24T09:00:00+00:00", "o.one"
    )
    assert alert_rows.acknowledgement(school, amy, "overdue_n", "2026-11-11") is None
    assert alert_rows.acknowledgements_of(school, pid(school, BEN)) == []
