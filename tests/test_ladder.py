"""The first-day-calling ladder: the TOML, due times, which steps apply, what does each step,
the clock across a morning, the queue order, DSL acknowledgements and the day's timeliness.

A small school from hand-made MIS exports on a real SQLite file; attempts are logged with
the logbook at fixed times, and the clock is passed in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import imported, pid
from triage.cli.args import add_ladder_parser
from triage.model import Family
from triage.morning import ladder as lad
from triage.morning.ladder import (
    DEFAULT_LADDER,
    DEFAULT_LADDER_TOML,
    DONE,
    NOT_NEEDED,
    OVERDUE,
    PENDING,
    LadderError,
    acknowledged,
    dsl_due,
    due_at,
    family_ladder,
    family_ladders,
    ladder_of,
    ladder_toml,
    overdue_count,
    parse_ladder,
    register_close,
    set_ladder,
    steps_for,
    timeliness,
)
from triage.morning.logbook import attempts_for, log_attempt, tell_dsl, undo_last
from triage.morning.queue import Morning, family_of, load_morning
from triage.officers import AccessDenied, add_officer
from triage.settings import set_value
from triage.store import Store, open_store

ON = date(2026, 11, 24)
AM = "AM"
AMY, BEN, CARA, DAN, EVE = (f"A12345678901{n}" for n in range(5))

# The Smiths (Amy, Ben) share both parents; Cara has a social worker; Dan was absent
# yesterday too; Eve has nothing on her record.
PUPILS = (
    "UPN,Surname,Forename,Year,Reg,Social Worker\n"
    f"{AMY},Smith,Amy,3,3R,N\n"
    f"{BEN},Smith,Ben,5,5B,N\n"
    f"{CARA},Jones,Cara,4,4G,Y\n"
    f"{DAN},Brown,Dan,6,6P,N\n"
    f"{EVE},Green,Eve,2,2T,N\n"
)
CONTACTS = (
    "UPN,Contact Name,Relationship,Priority,Mobile,Email\n"
    f"{AMY},Sarah Smith,Mother,1,07700900001,sarah@example.org\n"
    f"{AMY},Tom Smith,Father,2,07700900002,\n"
    f"{BEN},Sarah Smith,Mother,1,07700900001,sarah@example.org\n"
    f"{BEN},Tom Smith,Father,2,07700900002,\n"
    f"{CARA},Dana Jones,Mother,1,07700900003,\n"
    f"{CARA},Ed Jones,Uncle,2,07700900004,\n"
    f"{DAN},Fay Brown,Mother,1,07700900005,\n"
    f"{EVE},Gus Green,Father,1,07700900006,\n"
)
NAMES = {
    AMY: "Smith,Amy,3,3R",
    BEN: "Smith,Ben,5,5B",
    CARA: "Jones,Cara,4,4G",
    DAN: "Brown,Dan,6,6P",
    EVE: "Green,Eve,2,2T",
}
MARKS = (
    "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
    + "".join(
        f"{upn},{NAMES[upn]},23/11/2026,{s},{'N' if upn == DAN else '/'}\n"
        for upn in NAMES
        for s in ("AM", "PM")
    )
    + "".join(f"{upn},{NAMES[upn]},24/11/2026,AM,N\n" for upn in NAMES)
)


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 24, hh, mm)


@pytest.fixture
def school(store: Store, tmp_path: Path) -> Store:
    return imported(store, tmp_path, pupils=PUPILS, contacts=CONTACTS, marks=MARKS)


@pytest.fixture
def morning(school: Store) -> Morning:
    return load_morning(school, ON, AM)


def fam(store: Store, morning: Morning, upn: str) -> Family:
    return family_of(morning, pid(store, upn))


def log(store, morning, upn, channel, outcome, when, *, contact=0, **kw):
    """Log an attempt for the pupil's whole family, to its ``contact``-th contact."""
    family = fam(store, morning, upn)
    entry = next(e for e in family.entries if e.pupil.upn == upn)
    chosen = entry.contacts[contact] if contact is not None else None
    ids = [e.pupil.id for e in family.entries]
    return log_attempt(store, ids, ON, AM, channel, outcome, chosen, at=when, **kw)


def ladder_at(store: Store, morning: Morning, upn: str, now: datetime, ladder=DEFAULT_LADDER):
    codes = {pid: code for pid, (code, _) in store.queued_marks(ON, AM).items()}
    return family_ladder(
        fam(store, morning, upn).entries,
        attempts_for(store, ON, AM),
        codes,
        ladder,
        register_close(store, ON, AM),
        now,
    )


def state(fl, key: str, pupil_id: int | None = None) -> str:
    return next(
        s.state
        for s in fl.steps
        if s.step.key == key and (pupil_id is None or s.pupil_id == pupil_id)
    )


# --- the TOML ----------------------------------------------------------------------------


def test_default_ladder_round_trips_through_toml() -> None:
    assert parse_ladder(ladder_toml(DEFAULT_LADDER)) == DEFAULT_LADDER


def test_default_ladder_is_what_its_text_says() -> None:
    # The default is written twice: as data (read at start-up) and as the commented TOML
    # an officer sees in `triage ladder show` and edits. They must not drift apart.
    assert parse_ladder(DEFAULT_LADDER_TOML) == DEFAULT_LADDER


def test_default_ladder_follows_the_common_local_authority_timings() -> None:
    timings = [(s.kind, s.due_minutes) for s in DEFAULT_LADDER.steps]
    assert timings == [
        ("text", 30),
        ("call_priority_1", 45),
        ("call_all", 60),
        ("dsl_alert", 75),
        ("text", 90),
        ("email", 90),
        ("home_visit", 150),
        ("police_welfare_check", 240),
    ]


def test_a_database_without_a_ladder_uses_the_default(store: Store) -> None:
    assert ladder_of(store) == DEFAULT_LADDER


def test_a_ladder_set_by_a_lead_is_read_back_with_its_comments(store: Store) -> None:
    text = DEFAULT_LADDER_TOML.replace("due_minutes = 30", "due_minutes = 20", 1)
    set_ladder(store, text)
    assert ladder_of(store).steps[0].due_minutes == 20
    assert lad.ladder_text(store) == text


BAD = [
    ('kind = "call_all"', 'kind = "phone"', "step 3: kind 'phone' is not one of"),
    ("due_minutes = 30\n", "due_minutes = -5\n", "step 1: due_minutes must be from 0 to 720"),
    ('key = "call_p1"\n', "", "step 2: key is missing"),
    ('applies_to = "safeguarding"\n', 'applies_to = "everyone"\n', "step 8: applies_to"),
    ("due_minutes = 150", "due_minutes = 50", "step 7: due_minutes 50 is earlier than"),
    ('key = "email"', 'key = "text_2"', "step 6: key 'text_2' is used twice"),
    ("\nunless_reached = true", "\nunles_reached = true", "step 4: unknown field 'unles_reached'"),
    ("due_minutes = 45", 'due_minutes = "45"', "step 2: due_minutes must be a whole number"),
    ("[[safeguarding]]", "[[safeguard]]", "unknown section 'safeguard'"),
    (
        'key = "social_worker"',
        'key = "social_worker"\nreplaces = "nope"',
        "safeguarding 1: replaces 'nope', which is not a step",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD, ids=[b[2][:32] for b in BAD])
def test_a_bad_ladder_is_refused_with_one_line_naming_the_step_and_field(
    old: str, new: str, message: str
) -> None:
    with pytest.raises(LadderError) as exc:
        parse_ladder(DEFAULT_LADDER_TOML.replace(old, new, 1))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_a_ladder_that_is_not_toml_is_refused() -> None:
    with pytest.raises(LadderError, match="not valid TOML"):
        parse_ladder("[[step]\nkey = ")


def test_a_refused_ladder_is_not_stored(store: Store) -> None:
    with pytest.raises(LadderError):
        set_ladder(store, DEFAULT_LADDER_TOML.replace('kind = "email"', 'kind = "fax"'))
    assert store.setting("ladder") is None


def test_only_a_lead_may_change_the_ladder(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    with open_store(path, officer="lead.one") as s:
        add_officer(s, "lead.one", "lead")
        add_officer(s, "worker", "officer")
    with open_store(path, officer="worker") as s, pytest.raises(AccessDenied):
        set_ladder(s, DEFAULT_LADDER_TOML)


# --- due times and applicability ---------------------------------------------------------


def test_due_times_count_from_the_morning_register_close_setting(store: Store) -> None:
    set_value(store, "am_register_close", "08:50")
    close = register_close(store, ON, "AM")
    assert due_at(DEFAULT_LADDER.steps[1], close).replace(tzinfo=None) == at(9, 35)


def test_afternoon_due_times_count_from_the_afternoon_register_close(store: Store) -> None:
    close = register_close(store, ON, "PM")
    assert due_at(DEFAULT_LADDER.steps[0], close).replace(tzinfo=None) == at(14, 15)


def test_a_pupil_with_one_day_absent_and_no_flag_gets_the_contact_steps_only(
    school: Store,
) -> None:
    keys = [s.key for s in steps_for(DEFAULT_LADDER, school.pupil_by_upn(EVE), 1)]
    assert keys == ["text_p1", "call_p1", "call_all", "text_2", "email"]


def test_two_consecutive_days_absent_adds_the_dsl_alert_and_home_visit(school: Store) -> None:
    keys = [s.key for s in steps_for(DEFAULT_LADDER, school.pupil_by_upn(DAN), 2)]
    assert keys == ["text_p1", "call_p1", "call_all", "dsl_alert", "text_2", "email", "home_visit"]


def test_a_social_worker_flag_adds_the_safeguarding_steps_in_time_order(school: Store) -> None:
    keys = [s.key for s in steps_for(DEFAULT_LADDER, school.pupil_by_upn(CARA), 1)]
    assert keys[:2] == ["text_p1", "social_worker"]
    assert {"dsl_alert", "home_visit", "police"} <= set(keys)


def test_a_safeguarding_step_that_replaces_a_main_step_takes_its_place(school: Store) -> None:
    tighter = parse_ladder(
        DEFAULT_LADDER_TOML + '\n[[safeguarding]]\nkey = "sg_call"\nkind = "call_priority_1"\n'
        'due_minutes = 35\napplies_to = "safeguarding"\nreplaces = "call_p1"\n'
    )
    steps = steps_for(tighter, school.pupil_by_upn(CARA), 1)
    assert [s.key for s in steps if s.kind == "call_priority_1"] == ["sg_call"]


# --- what does each step -----------------------------------------------------------------

KIND_CASES = [
    ("text_p1", EVE, "text", "text_sent", {}),
    ("call_p1", EVE, "call", "no_answer", {}),
    ("email", EVE, "email", "email_sent", {}),
    ("home_visit", DAN, "visit", "no_one_home", {}),
    ("dsl_alert", DAN, "call", "dsl_informed", {}),
    ("police", CARA, "call", "police_welfare_check", {}),
    ("social_worker", CARA, "call", "social_worker_informed", {}),
]


@pytest.mark.parametrize(("key", "upn", "channel", "outcome", "kw"), KIND_CASES)
def test_each_step_is_done_by_an_attempt_of_its_kind(
    school: Store, morning: Morning, key, upn, channel, outcome, kw
) -> None:
    before = ladder_at(school, morning, upn, at(9, 20))
    log(school, morning, upn, channel, outcome, at(9, 20), **kw)
    after = ladder_at(school, morning, upn, at(9, 21))
    assert (state(before, key), state(after, key)) == (PENDING, DONE)


def test_a_done_step_records_when_and_by_whom(school: Store, morning: Morning) -> None:
    log(school, morning, EVE, "text", "text_sent", at(9, 40))
    step = ladder_at(school, morning, EVE, at(9, 41)).steps[0]
    assert (step.done_at.replace(tzinfo=None), step.done_by) == (at(9, 40), "officer.one")


def test_a_call_to_the_second_contact_does_not_do_the_priority_1_call(
    school: Store, morning: Morning
) -> None:
    log(school, morning, CARA, "call", "no_answer", at(9, 30), contact=1)
    assert state(ladder_at(school, morning, CARA, at(9, 31)), "call_p1") == PENDING


def test_calling_every_contact_is_done_by_the_call_to_the_last_one(
    school: Store, morning: Morning
) -> None:
    log(school, morning, CARA, "call", "no_answer", at(9, 30), contact=0)
    first = state(ladder_at(school, morning, CARA, at(9, 31)), "call_all")
    log(school, morning, CARA, "call", "voicemail", at(9, 40), contact=1)
    step = next(
        s for s in ladder_at(school, morning, CARA, at(9, 41)).steps if s.step.key == "call_all"
    )
    assert (first, step.state, step.done_at.replace(tzinfo=None)) == (PENDING, DONE, at(9, 40))


def test_siblings_rows_for_one_parent_count_as_one_contact_to_call(
    school: Store, morning: Morning
) -> None:
    log(school, morning, AMY, "call", "no_answer", at(9, 30), contact=0)  # Amy's mother row
    log(school, morning, BEN, "call", "no_answer", at(9, 35), contact=1)  # Ben's father row
    assert state(ladder_at(school, morning, AMY, at(9, 36)), "call_all") == DONE


def test_a_text_logged_for_one_sibling_does_the_familys_text_step(
    school: Store, morning: Morning
) -> None:
    ben = school.pupil_by_upn(BEN)
    log_attempt(school, [ben.id], ON, AM, "text", "text_sent", at=at(9, 30))
    assert state(ladder_at(school, morning, AMY, at(9, 31)), "text_p1") == DONE


def test_the_second_text_step_needs_a_second_text(school: Store, morning: Morning) -> None:
    log(school, morning, EVE, "text", "text_sent", at(9, 30))
    once = state(ladder_at(school, morning, EVE, at(9, 31)), "text_2")
    log(school, morning, EVE, "text", "text_sent", at(10, 40))
    twice = state(ladder_at(school, morning, EVE, at(10, 41)), "text_2")
    assert (once, twice) == (PENDING, DONE)


def test_a_social_worker_informed_for_one_pupil_is_a_step_of_that_pupil_only(
    school: Store, morning: Morning
) -> None:
    fl = ladder_at(school, morning, CARA, at(9, 20))
    rows = [s for s in fl.steps if s.step.key == "social_worker"]
    assert [s.pupil_id for s in rows] == [pid(school, CARA)]


def test_a_reason_ends_the_ladder_leaving_done_steps_done(school: Store, morning: Morning) -> None:
    log(school, morning, DAN, "text", "text_sent", at(9, 40))
    log(school, morning, DAN, "call", "spoke_reason", at(11, 0), reason_code="I")
    fl = ladder_at(school, morning, DAN, at(12, 0))
    states = {s.step.key: s.state for s in fl.steps}
    assert states["text_p1"] == DONE
    assert {k: v for k, v in states.items() if k not in ("text_p1", "call_p1", "call_all")} == {
        k: NOT_NEEDED for k in ("dsl_alert", "text_2", "email", "home_visit")
    }
    assert (fl.ended, fl.overdue, fl.next_step) == (True, False, None)


def test_a_family_ladder_runs_on_while_one_sibling_is_still_unexplained(
    school: Store, morning: Morning
) -> None:
    amy = school.pupil_by_upn(AMY)
    from triage.morning.logbook import record_reason

    record_reason(school, [amy.id], ON, AM, "I", at=at(9, 30))
    assert ladder_at(school, morning, BEN, at(10, 0)).overdue


def test_the_dsl_alert_is_not_needed_once_somebody_has_answered(
    school: Store, morning: Morning
) -> None:
    log(school, morning, DAN, "call", "spoke_no_reason", at(10, 0))
    assert state(ladder_at(school, morning, DAN, at(11, 0)), "dsl_alert") == NOT_NEEDED


# --- the clock across the morning (register closes 09:15) ---------------------------------


def test_at_nine_nothing_is_overdue_and_the_first_text_is_due_at_quarter_to_ten(
    school: Store, morning: Morning
) -> None:
    fl = ladder_at(school, morning, EVE, at(9, 0))
    assert (fl.overdue, fl.next_step.step.key, fl.next_due.replace(tzinfo=None)) == (
        False,
        "text_p1",
        at(9, 45),
    )


def test_at_ten_to_ten_the_untried_text_is_overdue(school: Store, morning: Morning) -> None:
    fl = ladder_at(school, morning, EVE, at(9, 50))
    assert (fl.overdue, state(fl, "text_p1")) == (True, OVERDUE)


def test_at_half_past_ten_after_the_first_steps_calling_everyone_is_next_and_overdue(
    school: Store, morning: Morning
) -> None:
    log(school, morning, CARA, "text", "text_sent", at(9, 40))
    log(school, morning, CARA, "call", "social_worker_informed", at(9, 42))
    log(school, morning, CARA, "call", "no_answer", at(9, 55))
    fl = ladder_at(school, morning, CARA, at(10, 30))
    assert (fl.overdue, fl.next_step.step.key, fl.next_due.replace(tzinfo=None)) == (
        True,
        "call_all",
        at(10, 15),
    )


def test_the_earliest_step_not_done_is_next_even_when_a_later_one_is_done(
    school: Store, morning: Morning
) -> None:
    log(school, morning, CARA, "text", "text_sent", at(9, 40))
    log(school, morning, CARA, "call", "no_answer", at(9, 55))
    fl = ladder_at(school, morning, CARA, at(10, 0))
    assert fl.next_step.step.key == "social_worker"


def test_at_noon_a_family_whose_every_step_is_done_has_no_next_step(
    school: Store, morning: Morning
) -> None:
    log(school, morning, EVE, "text", "text_sent", at(9, 40))
    log(school, morning, EVE, "call", "no_answer", at(9, 55))
    log(school, morning, EVE, "text", "text_sent", at(10, 40))
    log(school, morning, EVE, "email", "email_sent", at(10, 41))
    fl = ladder_at(school, morning, EVE, at(12, 0))
    assert (fl.next_step, fl.overdue) == (None, False)


def test_a_dsl_alert_past_due_is_offered_for_the_notification(
    school: Store, morning: Morning
) -> None:
    before = ladder_at(school, morning, DAN, at(10, 30)).dsl_alerts_due()
    after = ladder_at(school, morning, DAN, at(10, 31)).dsl_alerts_due()
    assert (before, [s.pupil_id for s in after]) == ([], [pid(school, DAN)])


# --- the queue ---------------------------------------------------------------------------


def _ladders(store: Store, morning: Morning, now: datetime):
    codes = {p: c for p, (c, _) in store.queued_marks(ON, AM).items()}
    return family_ladders(
        morning.families,
        attempts_for(store, ON, AM),
        codes,
        DEFAULT_LADDER,
        register_close(store, ON, AM),
        now,
    )


def test_the_header_counts_overdue_families(school: Store, morning: Morning) -> None:
    log(school, morning, EVE, "text", "text_sent", at(9, 30))  # Eve's family alone is in time
    assert overdue_count(_ladders(school, morning, at(9, 50))) == len(morning.families) - 1


# --- the DSL step: the banner and "DSL told" ---------------------------------------------


def _dsl_step(store: Store, morning: Morning, upn: str, now: datetime):
    return next(s for s in ladder_at(store, morning, upn, now).steps if s.step.kind == "dsl_alert")


def test_the_banner_lists_the_families_past_their_dsl_step_by_due_time_then_family(
    school: Store, morning: Morning
) -> None:
    assert dsl_due(_ladders(school, morning, at(10, 30))) == []  # due at 10:30, not yet past
    due = dsl_due(_ladders(school, morning, at(10, 31)))
    expected = sorted((fam(school, morning, upn).id, (pid(school, upn),)) for upn in (CARA, DAN))
    assert [(d.family_id, d.pupil_ids) for d in due] == expected
    assert {d.due.replace(tzinfo=None) for d in due} == {at(10, 30)}


def test_dsl_told_does_the_ladder_step_with_who_and_when(school: Store, morning: Morning) -> None:
    tell_dsl(school, ladder_at(school, morning, DAN, at(10, 40)), ON, AM, at=at(10, 41))
    step = _dsl_step(school, morning, DAN, at(11, 0))
    assert (step.state, step.done_by, step.done_at.replace(tzinfo=None)) == (
        DONE,
        "officer.one",
        at(10, 41),
    )
    assert [d.pupil_ids for d in dsl_due(_ladders(school, morning, at(11, 0)))] == [
        (pid(school, CARA),)
    ]


def test_dsl_told_is_one_audit_event_naming_the_step_and_one_escalation(
    school: Store, morning: Morning
) -> None:
    dan = pid(school, DAN)
    logged = tell_dsl(school, ladder_at(school, morning, DAN, at(10, 40)), ON, AM, at=at(10, 41))
    event = school.conn.execute(
        "SELECT action, officer, entity_id, json_extract(detail, '$.steps') FROM events"
        " WHERE id = ?",
        (logged.event_id,),
    ).fetchone()
    assert event == ("dsl-told", "officer.one", str(dan), '["dsl_alert"]')
    rows = school.conn.execute(
        "SELECT pupil_id, channel, outcome FROM attempts WHERE event_id = ?", (logged.event_id,)
    ).fetchall()
    assert rows == [(dan, "escalation", "dsl_informed")]


def test_dsl_told_before_the_step_is_due_says_when_and_records_nothing(
    school: Store, morning: Morning
) -> None:
    early = ladder_at(school, morning, DAN, at(10, 0))
    with pytest.raises(LadderError, match="not due until 10:30; nothing recorded"):
        tell_dsl(school, early, ON, AM, at=at(10, 0))
    assert attempts_for(school, ON, AM) == {}


def test_dsl_told_for_a_family_the_dsl_step_does_not_apply_to_records_nothing(
    school: Store, morning: Morning
) -> None:
    with pytest.raises(LadderError, match="no DSL step for this family"):
        tell_dsl(school, ladder_at(school, morning, EVE, at(11, 0)), ON, AM)
    assert attempts_for(school, ON, AM) == {}


def test_dsl_told_again_from_a_queue_read_before_is_recorded_once(
    school: Store, morning: Morning
) -> None:
    seen_by_both = ladder_at(school, morning, DAN, at(10, 40))
    tell_dsl(school, seen_by_both, ON, AM, at=at(10, 41))
    with open_store(school.path, officer="officer.two") as second:
        with pytest.raises(LadderError, match="another officer has just recorded"):
            tell_dsl(second, seen_by_both, ON, AM, at=at(10, 42))
    assert len(attempts_for(school, ON, AM)[pid(school, DAN)]) == 1


def test_undoing_dsl_told_makes_the_dsl_step_overdue_again(school: Store, morning: Morning) -> None:
    tell_dsl(school, ladder_at(school, morning, DAN, at(10, 40)), ON, AM, at=at(10, 41))
    assert undo_last(school) is not None
    assert _dsl_step(school, morning, DAN, at(11, 0)).state == OVERDUE


def test_a_viewer_cannot_record_dsl_told(school: Store, morning: Morning) -> None:
    add_officer(school, "officer.one", "lead")
    add_officer(school, "watcher", "viewer")
    due = ladder_at(school, morning, DAN, at(10, 40))
    with open_store(school.path, officer="watcher") as viewer, pytest.raises(AccessDenied):
        tell_dsl(viewer, due, ON, AM)
    assert attempts_for(school, ON, AM) == {}


def old_ack(store: Store, upn: str, when: datetime, on: date = ON, session: str = AM) -> None:
    """An acknowledgement as the DSL notification recorded it before "DSL told"."""
    with store.transaction():
        store.audit(
            "ladder-ack",
            "pupil",
            pid(store, upn),
            {
                "date": on.isoformat(),
                "session": session,
                "step": "dsl_alert",
                "at": when.astimezone().isoformat(),
            },
        )


def test_an_acknowledgement_the_old_notification_recorded_keeps_the_family_off_the_banner(
    school: Store, morning: Morning
) -> None:
    old_ack(school, DAN, at(10, 33))
    told = acknowledged(school, ON, AM)
    due = dsl_due(_ladders(school, morning, at(11, 0)), told.keys())
    assert [d.pupil_ids for d in due] == [(pid(school, CARA),)]


def test_an_old_acknowledgement_records_who_and_when(school: Store) -> None:
    old_ack(school, DAN, at(10, 33))
    ack = acknowledged(school, ON, AM)[pid(school, DAN)]
    assert (ack.officer, ack.at.replace(tzinfo=None)) == ("officer.one", at(10, 33))


def test_old_acknowledgements_are_read_for_their_own_date_and_session_only(school: Store) -> None:
    old_ack(school, DAN, at(10, 33))
    assert (
        acknowledged(school, ON, "PM") == {} and acknowledged(school, ON + timedelta(1), AM) == {}
    )


def test_old_acknowledgements_can_be_read_for_the_queued_pupils_only(school: Store) -> None:
    old_ack(school, DAN, at(10, 33))
    assert acknowledged(school, ON, AM, [pid(school, EVE)]) == {}


def test_the_first_old_acknowledgement_is_the_one_kept(school: Store) -> None:
    old_ack(school, DAN, at(10, 33))
    old_ack(school, DAN, at(10, 50))
    assert acknowledged(school, ON, AM)[pid(school, DAN)].at.replace(tzinfo=None) == at(10, 33)


# --- timeliness --------------------------------------------------------------------------


@pytest.fixture
def worked_morning(school: Store, morning: Morning):
    """Register closes 09:15, first text due 09:45. Texts at 09:35 (Smiths, 20 min), 09:55
    (Cara, 40: late) and 10:15 (Eve, 60: late); none to Dan, whose reason comes at 11:00.
    Cara's social worker told at 09:40 (25 min, in time). No second text or email at all."""
    log(school, morning, AMY, "text", "text_sent", at(9, 35))
    log(school, morning, CARA, "text", "text_sent", at(9, 55))
    log(school, morning, EVE, "text", "text_sent", at(10, 15))
    log(school, morning, CARA, "call", "social_worker_informed", at(9, 40))
    log(school, morning, DAN, "call", "spoke_reason", at(11, 0), reason_code="I")
    codes = {p: c for p, (c, _) in school.queued_marks(ON, AM).items()}
    report = timeliness(
        morning, attempts_for(school, ON, AM), codes, DEFAULT_LADDER, register_close(school, ON, AM)
    )
    return {t.key: t for t in report}


def test_timeliness_counts_the_families_that_reached_a_step(worked_morning) -> None:
    assert (worked_morning["text_p1"].applied, worked_morning["text_p1"].reached) == (4, 3)


def test_timeliness_gives_the_median_and_worst_minutes_from_register_close(worked_morning) -> None:
    text = worked_morning["text_p1"]
    assert (text.median_minutes, text.worst_minutes) == (40, 60)


def test_timeliness_names_the_families_where_a_step_was_late(
    school: Store, morning: Morning, worked_morning
) -> None:
    late = {fam(school, morning, CARA).id, fam(school, morning, EVE).id}
    assert set(worked_morning["text_p1"].late) == late


def test_a_step_never_done_is_skipped_unless_a_reason_ended_the_ladder(
    school: Store, morning: Morning, worked_morning
) -> None:
    skipped = {f.id for f in morning.families} - {fam(school, morning, DAN).id}
    assert set(worked_morning["email"].skipped) == skipped


def test_a_step_done_in_time_is_neither_late_nor_skipped(worked_morning) -> None:
    sw = worked_morning["social_worker"]
    assert (sw.reached, sw.late, sw.skipped, sw.worst_minutes) == (1, (), (), 25)


def test_timeliness_during_the_day_does_not_call_steps_not_yet_due_skipped(
    school: Store, morning: Morning
) -> None:
    codes = {p: c for p, (c, _) in school.queued_marks(ON, AM).items()}
    report = timeliness(
        morning,
        attempts_for(school, ON, AM),
        codes,
        DEFAULT_LADDER,
        register_close(school, ON, AM),
        now=at(9, 30),
    )
    assert all(t.skipped == () for t in report)


# --- triage config ladder ----------------------------------------------------------------


def run_ladder(db: Path, *argv: str) -> int:
    import argparse

    from triage.cli.ladder import run_ladder_command

    parser = argparse.ArgumentParser()
    add_ladder_parser(parser.add_subparsers(dest="config_command"), [])
    return run_ladder_command(parser.parse_args(["ladder", *argv]), db)


def test_config_ladder_show_prints_the_default_ladder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_store(tmp_path / "t.db").close()  # a new school's database (show makes none)
    run_ladder(tmp_path / "t.db", "show")
    assert parse_ladder(capsys.readouterr().out) == DEFAULT_LADDER


def test_config_ladder_load_stores_a_ladder_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(DEFAULT_LADDER_TOML.replace("due_minutes = 30", "due_minutes = 15", 1))
    run_ladder(tmp_path / "t.db", "load", str(path))
    with open_store(tmp_path / "t.db") as s:
        assert ladder_of(s).steps[0].due_minutes == 15


def test_config_ladder_edit_stores_what_the_editor_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/due_minutes = 240/due_minutes = 200/" "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(editor))
    run_ladder(tmp_path / "t.db", "edit")
    with open_store(tmp_path / "t.db") as s:
        assert ladder_of(s).step("police").due_minutes == 200
