"""Penalty notices by the National Framework for Penalty Notices (August 2024): first and
second notices, the refused third, the 3-year limit, amounts, dates and the next step."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import database_dump
from triage.casework.cases import actions_of, record_action
from triage.casework.penalties import (
    NoticeRefused,
    ThirdNoticeRefused,
    change_status,
    changeable,
    issue_penalty_notice,
    next_notice,
    set_notice_status,
    statuses_for,
)
from triage.cli.main import main
from triage.imports.importers import import_files
from triage.officers import AccessDenied, add_officer
from triage.store import Store, open_store

AMY, BEN = "A123456789012", "A123456789013"
MUM = "Sarah Smith"
JAN = date(2024, 1, 10)
JUNE = date(2024, 6, 3)


def _absent_every_school_day(first: date, last: date) -> str:
    """A marks export of Amy and Ben absent without authorisation (O) every weekday AM
    from ``first`` to ``last``: over the threshold in every 10-week window it covers."""
    rows = ["UPN,Surname,Forename,Year,Reg,Date,Session,Mark"]
    day = first
    while day <= last:
        if day.weekday() < 5:
            rows.append(f"{AMY},Smith,Amy,3,3R,{day:%d/%m/%Y},AM,O")
            rows.append(f"{BEN},Smith,Ben,5,5B,{day:%d/%m/%Y},AM,O")
        day += timedelta(days=1)
    return "\n".join(rows) + "\n"


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    """Amy and Ben over the penalty-notice threshold at every date the tests issue on: one
    export per school year (an export is one school year, or near it)."""
    for n, (first, last) in enumerate(
        [
            (date(2023, 9, 4), date(2024, 7, 19)),
            (date(2024, 12, 2), date(2025, 3, 14)),
            (date(2026, 11, 2), date(2027, 6, 4)),
        ]
    ):
        path = tmp_path / f"marks{n}.csv"
        path.write_text(_absent_every_school_day(first, last), encoding="utf-8")
        import_files(store, "marks", [path])
    return store


def pid(store: Store, upn: str = AMY) -> int:
    return store.pupil_by_upn(upn).id


def issue(store: Store, on: date, parent: str = MUM, upn: str = AMY):
    return issue_penalty_notice(store, pid(store, upn), parent, on, at=datetime(2026, 1, 1, 9))


def test_the_first_notice_to_a_parent_is_80_within_21_days_or_160_within_28_days(school):
    decision = next_notice(school, pid(school), MUM, JAN)
    assert decision.number == 1
    assert (decision.reduced_amount, decision.reduced_by) == (80, date(2024, 1, 31))
    assert (decision.full_amount, decision.full_by) == (160, date(2024, 2, 7))


def test_a_second_notice_to_the_same_parent_for_the_same_child_is_160_with_no_reduced_rate(
    school,
):
    issue(school, JAN)
    decision = next_notice(school, pid(school), MUM, JUNE)
    assert decision.number == 2
    assert (decision.reduced_amount, decision.reduced_by) == (None, None)
    assert (decision.full_amount, decision.full_by) == (160, date(2024, 7, 1))


def test_a_third_notice_within_three_years_is_refused_with_the_route_instead(school):
    issue(school, JAN)
    issue(school, JUNE)
    decision = next_notice(school, pid(school), MUM, date(2025, 3, 1))
    assert not decision.allowed
    assert "a third cannot be issued (not before 10/01/2027)" in decision.refused
    assert "section 444" in decision.route


def test_issuing_a_third_notice_raises_and_records_nothing(school):
    issue(school, JAN)
    issue(school, JUNE)
    before = database_dump(school.path)
    with pytest.raises(ThirdNoticeRefused, match="prosecution"):
        issue(school, date(2025, 3, 1))
    assert database_dump(school.path) == before


def test_a_notice_exactly_three_years_old_no_longer_counts(school):
    issue(school, JAN)
    issue(school, JUNE)
    assert not next_notice(school, pid(school), MUM, date(2027, 1, 9)).allowed
    assert next_notice(school, pid(school), MUM, date(2027, 1, 10)).number == 2


def test_a_first_notice_again_once_three_years_have_passed_since_both(school):
    issue(school, JAN)
    issue(school, JUNE)
    decision = next_notice(school, pid(school), MUM, date(2027, 6, 3))
    assert (decision.number, decision.reduced_amount) == (1, 80)


def test_a_notice_to_the_other_parent_of_the_same_child_is_their_first(school):
    issue(school, JAN)
    issue(school, JUNE)
    assert next_notice(school, pid(school), "Tom Smith", JUNE).number == 1


def test_a_notice_for_a_brother_or_sister_does_not_count_for_this_child(school):
    issue(school, JAN, upn=BEN)
    issue(school, JUNE, upn=BEN)
    assert next_notice(school, pid(school, AMY), MUM, JUNE).number == 1


def test_parent_names_match_ignoring_case_and_spacing(school):
    issue(school, JAN)
    assert next_notice(school, pid(school), "  sarah   SMITH ", JUNE).number == 2


def test_a_withdrawn_notice_does_not_count(school):
    first = issue(school, JAN)
    set_notice_status(school, first.id, "withdrawn", on=JAN)
    assert next_notice(school, pid(school), MUM, JUNE).number == 1


def test_an_issued_notice_records_parent_number_amounts_and_dates(school):
    issue(school, JAN)
    second = issue(school, JUNE)
    assert (second.kind, second.status, second.due_date) == (
        "penalty_notice",
        "issued",
        date(2024, 7, 1),
    )
    assert {k: second.detail[k] for k in ("parent", "number", "reduced_amount", "full_amount")} == {
        "parent": MUM,
        "number": 2,
        "reduced_amount": None,
        "full_amount": 160,
    }
    assert [a.detail["number"] for a in actions_of(school, pid(school), "penalty_notice")] == [2, 1]


def test_a_notice_needs_a_parent_name(school):
    with pytest.raises(ValueError, match="named parent"):
        next_notice(school, pid(school), "  ", JAN)


def test_only_a_lead_may_issue_a_penalty_notice(school):
    add_officer(school, "officer.one", "lead")
    add_officer(school, "officer.two", "officer")
    other = open_store(school.path, officer="officer.two")
    try:
        with pytest.raises(AccessDenied, match="only a lead"):
            issue(other, JAN)
    finally:
        other.close()
    assert actions_of(school, pid(school)) == []


def test_no_notice_to_improve_is_a_warning_not_a_block(school):
    decision = next_notice(school, pid(school), MUM, JAN)
    assert decision.allowed
    assert "No Notice to Improve" in decision.warnings[0]
    assert "not required for an unapproved term-time holiday" in decision.warnings[0]


def test_a_recent_notice_to_improve_whose_period_has_ended_gives_no_warning(school):
    record_action(
        school, pid(school), "notice_to_improve", date(2023, 12, 1), due_date=date(2024, 1, 5)
    )
    assert next_notice(school, pid(school), MUM, JAN).warnings == ()


def test_a_notice_to_improve_still_running_is_a_warning(school):
    record_action(
        school, pid(school), "notice_to_improve", date(2023, 12, 11), due_date=date(2024, 1, 19)
    )
    (warning,) = next_notice(school, pid(school), MUM, JAN).warnings
    assert "runs until 19/01/2024" in warning


def test_an_unpaid_notice_points_to_prosecution(school):
    notice = issue(school, JAN)
    outcome = set_notice_status(school, notice.id, "unpaid", on=date(2024, 2, 8))
    assert outcome.action.status == "unpaid"
    assert "prosecute under section 444" in outcome.next_step


def test_a_notice_cannot_be_unpaid_while_its_28_days_run(school):
    notice = issue(school, JAN)
    with pytest.raises(ValueError, match="can still be paid until 07/02/2024"):
        set_notice_status(school, notice.id, "unpaid", on=date(2024, 2, 7))


def test_a_paid_notice_is_recorded_as_paid(school):
    notice = issue(school, JAN)
    outcome = set_notice_status(school, notice.id, "paid", on=date(2024, 1, 20))
    assert actions_of(school, pid(school))[0].status == "paid"
    assert outcome.next_step.startswith("Paid")


def test_only_a_penalty_notice_takes_a_notice_status(school):
    letter = record_action(school, pid(school), "letter_sent", JAN)
    with pytest.raises(ValueError, match="not a penalty notice"):
        set_notice_status(school, letter.id, "paid", on=JAN)


# --- moving any action on (the case screen's s, triage action-status) ----------------------


def test_a_notice_to_improve_is_marked_done_and_leaves_the_open_actions(school):
    nti = record_action(school, pid(school), "notice_to_improve", JAN, due_date=date(2024, 2, 14))
    assert [a.id for a in changeable(actions_of(school, pid(school)))] == [nti.id]
    assert statuses_for(nti) == ("done", "cancelled")
    outcome = change_status(school, nti.id, "done")
    assert outcome.action.status == "done" and outcome.next_step is None
    assert changeable(actions_of(school, pid(school))) == []


def test_a_penalty_notice_moves_on_by_the_framework_with_its_next_step(school):
    notice = issue(school, JAN)
    assert statuses_for(notice) == ("served", "paid_80", "paid_160", "unpaid", "withdrawn")
    with pytest.raises(ValueError, match="can still be paid"):
        change_status(school, notice.id, "unpaid", on=date(2024, 2, 1))
    outcome = change_status(school, notice.id, "unpaid", on=date(2024, 2, 8))
    assert "prosecute" in outcome.next_step
    assert [a.id for a in changeable(actions_of(school, pid(school)))] == [notice.id]


def test_a_status_an_action_cannot_take_is_refused_and_nothing_changes(school):
    nti = record_action(school, pid(school), "notice_to_improve", JAN, due_date=date(2024, 2, 14))
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="not one of open, done, cancelled"):
        change_status(school, nti.id, "paid")
    with pytest.raises(ValueError, match="there is no action 999"):
        change_status(school, 999, "done")
    assert database_dump(school.path) == before


def test_the_action_status_command_moves_the_newest_open_action_of_a_kind(school, capsys):
    issue(school, JAN)
    db = str(school.path)
    assert (
        main(["action-status", AMY, "penalty_notice", "paid", "--date", "20/01/2024", "--db", db])
        == 0
    )
    out = capsys.readouterr().out
    assert "Penalty notice of 10/01/2024 for Amy Smith: paid" in out and "Paid:" in out
    assert main(["action-status", AMY, "penalty_notice", "paid", "--db", db]) == 1
    assert "no open action of the kind 'penalty_notice'" in capsys.readouterr().err


# --- guard rails before a notice (#18) -------------------------------------------------------

CARA, DEV = "A123456789014", "A123456789015"


def _more_pupils(store: Store, tmp_path: Path, rows: str) -> None:
    path = tmp_path / "more.csv"
    path.write_text("UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n" + rows, encoding="utf-8")
    import_files(store, "marks", [path])


def test_a_notice_keeps_the_sessions_it_relies_on(school):
    notice = issue(school, JAN)
    sessions = notice.detail["sessions"]
    assert len(sessions) >= 10 and all(code == "O" for _d, _s, code in sessions)
    assert notice.detail["threshold"].startswith(f"{len(sessions)} of 10 unauthorised sessions")


def test_below_the_threshold_a_notice_is_refused_naming_the_count(school, tmp_path):
    _more_pupils(school, tmp_path, f"{CARA},Khan,Cara,3,3R,10/01/2024,AM,/\n")
    decision = next_notice(school, pid(school, CARA), "Mo Khan", JAN)
    assert not decision.allowed and decision.below_threshold
    assert "0 of 10 unauthorised sessions in the 10 school weeks to 10/01/2024" in (
        decision.refused or ""
    )
    before = database_dump(school.path)
    with pytest.raises(NoticeRefused, match="Below the threshold"):
        issue(school, JAN, parent="Mo Khan", upn=CARA)
    assert database_dump(school.path) == before


def test_a_lead_may_issue_below_the_threshold_giving_the_reason(school, tmp_path):
    _more_pupils(school, tmp_path, f"{CARA},Khan,Cara,3,3R,10/01/2024,AM,G\n")
    notice = issue_penalty_notice(
        school,
        pid(school, CARA),
        "Mo Khan",
        JAN,
        override="ten days' holiday in term time, refused in writing",
        at=datetime(2026, 1, 1, 9),
    )
    assert notice.detail["override"] == "ten days' holiday in term time, refused in writing"
    (event,) = [e for e in school.events() if e["action"] == "action"][-1:]
    assert "refused in writing" in event["detail"]


def test_no_notice_for_a_pupil_not_of_compulsory_school_age_even_with_a_reason(school, tmp_path):
    pupils = tmp_path / "pupils.csv"
    pupils.write_text(f"UPN,Surname,Forename,DOB\n{AMY},Smith,Amy,01/03/2006\n", encoding="utf-8")
    import_files(school, "pupils", [pupils])  # Amy is 17: over compulsory school age
    decision = next_notice(school, pid(school), MUM, JAN)
    assert "Amy Smith is not of compulsory school age on 10/01/2024" in (decision.refused or "")
    with pytest.raises(NoticeRefused, match="not of compulsory school age"):
        issue_penalty_notice(school, pid(school), MUM, JAN, override="a reason")


def test_n_marks_count_as_provisional_and_the_decision_says_so(school, tmp_path):
    rows = "".join(
        f"{DEV},Patel,Dev,3,3R,{day:%d/%m/%Y},AM,{'N' if n < 3 else 'O'}\n"
        for n, day in enumerate(
            d for d in (date(2024, 1, 10) - timedelta(days=i) for i in range(20)) if d.weekday() < 5
        )
    )
    _more_pupils(school, tmp_path, rows)
    decision = next_notice(school, pid(school, DEV), "Raj Patel", JAN)
    assert decision.allowed and decision.provisional == 3
    assert any("still N: an N may yet become illness" in w for w in decision.warnings)


async def test_on_a_case_below_the_threshold_a_lead_gives_the_reason(demo_db) -> None:
    """penalty_9 has 9 unauthorised sessions: the form asks for the lead's reason."""
    from screens.case_dialogs import PenaltyForm
    from screens.outcome_dialog import Prompt
    from tests.conftest import planted, pupil_id
    from tests.pilot import choose_action, make_app, open_case, press, type_text
    from triage.casework.cases import actions_of as actions

    pid = pupil_id(demo_db, planted().penalty_9)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, pid)
        await choose_action(pilot, "pen")
        assert isinstance(app.screen, PenaltyForm)
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, Prompt)
        await type_text(pilot, "holiday refused in writing")
        await press(pilot, "enter")
    with open_store(demo_db, create=False) as s:
        (notice,) = actions(s, pid, "penalty_notice")
    assert notice.detail["override"] == "holiday refused in writing"
    assert notice.detail["threshold"].startswith("9 of 10")


@pytest.mark.parametrize("days", [1, 20, 43])
def test_a_notice_to_improves_period_is_the_schools_3_to_6_weeks(school, days) -> None:
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="improvement period of a Notice to Improve is 3 to 6"):
        record_action(
            school, pid(school), "notice_to_improve", JAN, due_date=JAN + timedelta(days=days)
        )
    assert database_dump(school.path) == before


def test_the_improvement_period_follows_the_schools_setting(school) -> None:
    from triage import settings

    settings.set_value(school, "nti_max_weeks", "8")
    nti = record_action(
        school, pid(school), "notice_to_improve", JAN, due_date=JAN + timedelta(weeks=8)
    )
    assert nti.due_date == date(2024, 3, 6)


# --- notices the local authority issues; service; outcomes ---------------------------------


def test_a_notice_requested_from_the_la_waits_for_its_reply(school):
    notice = issue_penalty_notice(
        school, pid(school), MUM, JAN, requested=True, at=datetime(2026, 1, 1, 9)
    )
    assert notice.status == "requested" and notice.detail["requested_on"] == "2024-01-10"
    assert statuses_for(notice) == ("issued", "declined", "withdrawn")
    with pytest.raises(ValueError, match="cannot become paid_80"):
        set_notice_status(school, notice.id, "paid_80", on=date(2024, 1, 12))
    issued = set_notice_status(school, notice.id, "issued", on=date(2024, 1, 15))
    assert issued.action.detail["issued_on"] == "2024-01-15" and "served" in issued.next_step


def test_a_declined_request_needs_the_las_reason(school):
    notice = issue_penalty_notice(
        school, pid(school), MUM, JAN, requested=True, at=datetime(2026, 1, 1, 9)
    )
    before = database_dump(school.path)
    with pytest.raises(ValueError, match="say why"):
        set_notice_status(school, notice.id, "declined", on=date(2024, 1, 15))
    assert database_dump(school.path) == before
    done = set_notice_status(
        school, notice.id, "declined", on=date(2024, 1, 15), note="NTI not yet offered"
    )
    assert done.action.status == "declined" and done.action.note == "NTI not yet offered"
    assert changeable(actions_of(school, pid(school))) == []


def test_the_days_to_pay_run_from_the_date_of_service(school):
    notice = issue(school, JAN)
    set_notice_status(school, notice.id, "served", on=date(2024, 1, 20))
    # 21 days from service: £80 until 10/02/2024 (from issue it would be 31/01/2024)
    done = set_notice_status(school, notice.id, "paid_80", on=date(2024, 2, 10))
    assert done.action.status == "paid_80" and done.action.detail["paid_on"] == "2024-02-10"


def test_the_reduced_rate_ends_after_21_days_and_a_notice_is_unpaid_only_after_28(school):
    notice = issue(school, JAN)
    set_notice_status(school, notice.id, "served", on=date(2024, 1, 20))
    with pytest.raises(ValueError, match="£80 was payable until 10/02/2024"):
        set_notice_status(school, notice.id, "paid_80", on=date(2024, 2, 11))
    with pytest.raises(ValueError, match="can still be paid until 17/02/2024"):
        set_notice_status(school, notice.id, "unpaid", on=date(2024, 2, 17))
    outcome = set_notice_status(school, notice.id, "unpaid", on=date(2024, 2, 18))
    assert "prosecution considered" in outcome.next_step
    assert statuses_for(outcome.action) == ("withdrawn",)


def test_a_second_notice_cannot_be_paid_at_80(school):
    issue(school, JAN)
    second = issue(school, JUNE)
    with pytest.raises(ValueError, match="no reduced rate"):
        set_notice_status(school, second.id, "paid_80", on=JUNE)
    assert set_notice_status(school, second.id, "paid_160", on=JUNE).action.status == "paid_160"


def test_undo_takes_back_the_date_of_service_with_the_status(school):
    from triage.morning import logbook

    notice = issue(school, JAN)
    set_notice_status(school, notice.id, "served", on=date(2024, 1, 20))
    assert logbook.undo_last(school).action == "action-status"
    back = actions_of(school, pid(school))[0]
    assert back.status == "issued" and "served_on" not in back.detail


# --- prosecution: the court, hearings, outcome -------------------------------------------------


def _referral(school):
    return record_action(school, pid(school), "prosecution_referral", date(2024, 3, 1))


def test_hearings_are_kept_in_date_order_with_the_court(school):
    from triage.casework import prosecution
    from triage.casework.cases import describe_action

    referral = _referral(school)
    prosecution.record_hearing(school, referral.id, date(2024, 5, 2), "Riverside Magistrates")
    done = prosecution.record_hearing(
        school, referral.id, date(2024, 4, 4), "Riverside Magistrates"
    )
    assert [h["on"] for h in done.detail["hearings"]] == ["2024-04-04", "2024-05-02"]
    assert "hearings 04/04/2024 (Riverside Magistrates), 02/05/2024" in describe_action(done)
    with pytest.raises(prosecution.ProsecutionError, match="recorded already"):
        prosecution.record_hearing(school, referral.id, date(2024, 4, 4), "Riverside")


def test_the_outcome_closes_the_prosecution_and_a_fine_needs_its_amount(school):
    from triage.casework import prosecution

    referral = _referral(school)
    with pytest.raises(prosecution.ProsecutionError, match="fine's amount"):
        prosecution.record_outcome(school, referral.id, "fined", date(2024, 5, 2))
    with pytest.raises(prosecution.ProsecutionError, match="takes no fine"):
        prosecution.record_outcome(school, referral.id, "not_guilty", date(2024, 5, 2), fine=50)
    done = prosecution.record_outcome(school, referral.id, "fined", date(2024, 5, 2), fine=120)
    assert done.status == "done" and prosecution.outcome_text(done) == "Fined £120 on 02/05/2024"
    with pytest.raises(prosecution.ProsecutionError, match="outcome already"):
        prosecution.record_hearing(school, referral.id, date(2024, 6, 1), "Riverside")


def test_only_a_prosecution_referral_takes_hearings(school):
    from triage.casework import prosecution

    letter = record_action(school, pid(school), "letter_sent", JAN)
    with pytest.raises(prosecution.ProsecutionError, match="not a prosecution referral"):
        prosecution.record_hearing(school, letter.id, JAN, "Riverside")


def test_the_prosecution_command_records_hearings_and_the_outcome(school, capsys):
    from triage.casework import prosecution

    _referral(school)
    db = str(school.path)
    assert main(["prosecution", "hearing", AMY, "--on", "04/04/2024", "--court", "Riverside MC",
                 "--db", db]) == 0  # fmt: skip
    assert "hearings 04/04/2024 (Riverside MC)" in capsys.readouterr().out
    assert main(["prosecution", "outcome", AMY, "fined", "--on", "02/05/2024", "--db", db]) == 1
    assert "fine's amount" in capsys.readouterr().err
    assert main(["prosecution", "outcome", AMY, "fined", "--on", "02/05/2024", "--fine", "120",
                 "--db", db]) == 0  # fmt: skip
    referral = actions_of(school, pid(school), "prosecution_referral")[0]
    assert prosecution.outcome_text(referral) == "Fined £120 on 02/05/2024"


def test_the_action_status_command_records_the_las_reply_and_service(school, capsys):
    notice = issue_penalty_notice(
        school, pid(school), MUM, JAN, requested=True, at=datetime(2026, 1, 1, 9)
    )
    db = str(school.path)
    assert main(["action-status", AMY, "penalty_notice", "declined", "--db", db]) == 1
    assert "say why" in capsys.readouterr().err
    assert main(["action-status", AMY, "penalty_notice", "issued", "--date", "15/01/2024",
                 "--db", db]) == 0  # fmt: skip
    assert main(["action-status", AMY, "penalty_notice", "served", "--date", "17/01/2024",
                 "--db", db]) == 0  # fmt: skip
    back = actions_of(school, pid(school))[0]
    assert back.id == notice.id and back.detail["served_on"] == "2024-01-17"
