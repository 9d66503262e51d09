"""What an officer can choose after a contact attempt, and the status a queued pupil is in
as a result (pure: no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from triage.codes import CODES
from triage.model import Contact
from triage.morning.outcomes import (
    ESCALATION_KEYS,
    ESCALATIONS,
    IN_PROGRESS,
    OUTCOMES,
    REASONS,
    RECODABLE,
    RESOLVED,
    TO_CALL,
    Attempt,
    parse_callback_time,
    status_of,
)

ON = date(2026, 11, 24)
NINE = datetime(2026, 11, 24, 9, 0)
MUM = Contact(1, "Sarah Smith", "Mother", 1, mobile="07700900001")
DAD = Contact(2, "Tom Smith", "Father", 2, mobile="07700900002")
GRAN = Contact(3, "Jean Smith", "Grandmother", 3, mobile="07700900003")
CONTACTS = (MUM, DAD)


def attempt(
    minute: int,
    channel: str,
    outcome: str,
    contact: Contact | None,
    *,
    callback_at: datetime | None = None,
) -> Attempt:
    return Attempt(
        at=NINE + timedelta(minutes=minute),
        officer="officer.one",
        channel=channel,
        outcome=outcome,
        contact_id=contact.id if contact else None,
        callback_at=callback_at,
    )


def status(
    attempts: list[Attempt],
    *,
    code: str = "N",
    amended: bool = False,
    contacts: tuple[Contact, ...] = CONTACTS,
    safeguarding: bool = False,
    days: int = 1,
):
    return status_of(code, amended, attempts, contacts, safeguarding, days)


# --- the choices -------------------------------------------------------------------------


@pytest.mark.parametrize("channel", sorted(OUTCOMES))
def test_each_channels_numbered_choices_are_unique_and_leave_room_for_escalations(
    channel,
) -> None:
    keys = [o.key for o in OUTCOMES[channel]]
    numbers = [str(n) for n in range(1, len(keys) + 1)]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & {e.key for e in ESCALATIONS}
    assert not set(numbers) & set(ESCALATION_KEYS)


def test_escalations_are_keys_seven_eight_nine_for_dsl_social_worker_and_police() -> None:
    assert ESCALATION_KEYS == ("7", "8", "9")
    assert [e.key for e in ESCALATIONS] == [
        "dsl_informed",
        "social_worker_informed",
        "police_welfare_check",
    ]


def test_call_dialog_offers_the_six_call_outcomes_in_order() -> None:
    assert [o.key for o in OUTCOMES["call"]] == [
        "spoke_reason",
        "spoke_no_reason",
        "no_answer",
        "voicemail",
        "wrong_number",
        "callback",
    ]


def test_only_spoke_with_reason_asks_a_reason_and_only_callback_asks_a_time() -> None:
    call = OUTCOMES["call"]
    assert [o.key for o in call if o.asks_reason] == ["spoke_reason"]
    assert [o.key for o in call if o.asks_time] == ["callback"]
    assert [o.key for o in call if o.no_answer] == ["no_answer", "voicemail", "wrong_number"]


def test_each_reason_key_is_unique() -> None:
    keys = [r.key for r in REASONS]
    assert len(set(keys)) == len(keys)


def test_each_reason_key_maps_to_its_national_code() -> None:
    assert {r.key: r.code for r in REASONS} == {
        "i": "I",
        "m": "M",
        "g": "G",
        "c": "C",
        "r": "R",
        "o": "O",
        "l": "L",
        "u": "U",
    }
    assert all(r.code in CODES and r.code in RECODABLE for r in REASONS)


def test_n_and_school_wide_administrative_codes_cannot_be_given_as_a_reason() -> None:
    assert not {"N", "#", "Z", "X", "D"} & set(RECODABLE)


# --- callback times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [("14:30", 14, 30), ("1430", 14, 30), ("2:30pm", 14, 30), ("9", 9, 0), (" 2:30 PM ", 14, 30)],
)
def test_callback_time_is_read_on_the_queues_date(text, hour, minute) -> None:
    assert parse_callback_time(text, ON) == datetime(2026, 11, 24, hour, minute)


@pytest.mark.parametrize("text", ["25:00", "soon", "14:75", ""])
def test_callback_time_that_is_not_a_time_of_day_is_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_callback_time(text, ON)


# --- status of a queued pupil -----------------------------------------------------------


def test_pupil_with_no_attempts_is_to_call_starting_with_the_priority_one_contact() -> None:
    s = status([])
    assert (s.label, s.phase, s.next_contact) == ("to call", TO_CALL, MUM)


def test_no_answer_from_the_priority_one_contact_moves_on_to_priority_two() -> None:
    s = status([attempt(0, "call", "no_answer", MUM)])
    assert (s.label, s.phase, s.next_contact) == ("no answer ×1", IN_PROGRESS, DAD)


def test_voicemail_and_wrong_number_also_count_as_no_answer() -> None:
    s = status(
        [attempt(0, "call", "voicemail", MUM), attempt(1, "call", "wrong_number", DAD)],
        contacts=(MUM, DAD, GRAN),
    )
    assert (s.label, s.no_answers, s.next_contact) == ("no answer ×2", 2, GRAN)


def test_every_contact_failing_for_a_safeguarding_pupil_needs_a_home_visit() -> None:
    tries = [attempt(0, "call", "no_answer", MUM), attempt(1, "call", "no_answer", DAD)]
    s = status(tries, safeguarding=True, days=1)
    assert (s.label, s.phase, s.next_contact) == ("home visit needed", IN_PROGRESS, None)


def test_every_contact_failing_on_a_second_consecutive_day_needs_a_home_visit() -> None:
    tries = [attempt(0, "call", "no_answer", MUM), attempt(1, "call", "no_answer", DAD)]
    assert status(tries, safeguarding=False, days=2).label == "home visit needed"


def test_every_contact_failing_on_a_first_day_means_retry_from_the_first_contact() -> None:
    tries = [attempt(0, "call", "no_answer", MUM), attempt(1, "call", "no_answer", DAD)]
    s = status(tries, safeguarding=False, days=1)
    assert (s.label, s.phase, s.next_contact) == ("no answer ×2", IN_PROGRESS, MUM)


def test_retrying_after_every_contact_failed_keeps_cycling_through_the_contacts() -> None:
    tries = [
        attempt(0, "call", "no_answer", MUM),
        attempt(1, "call", "no_answer", DAD),
        attempt(2, "call", "no_answer", MUM),
    ]
    s = status(tries, safeguarding=False, days=1)
    assert (s.label, s.next_contact) == ("no answer ×3", DAD)


def test_home_visit_is_not_needed_while_a_contact_is_still_untried() -> None:
    tries = [attempt(0, "call", "no_answer", MUM), attempt(1, "call", "no_answer", MUM)]
    s = status(tries, safeguarding=True, days=3)
    assert (s.label, s.next_contact) == ("no answer ×2", DAD)


def test_speaking_to_a_contact_after_every_contact_failed_is_no_longer_a_home_visit() -> None:
    tries = [
        attempt(0, "call", "no_answer", MUM),
        attempt(1, "call", "no_answer", DAD),
        attempt(2, "call", "spoke_no_reason", MUM),
    ]
    s = status(tries, safeguarding=True, days=1)
    assert s.label == "Spoke to contact — no reason given"


def test_a_callback_shows_its_time_and_when_it_is_due() -> None:
    at = datetime(2026, 11, 24, 14, 30)
    s = status([attempt(0, "call", "callback", MUM, callback_at=at)])
    assert (s.label, s.phase, s.callback_due) == ("callback 14:30", IN_PROGRESS, at)


def test_a_callback_is_forgotten_once_a_later_attempt_is_logged() -> None:
    at = datetime(2026, 11, 24, 14, 30)
    s = status(
        [
            attempt(0, "call", "callback", MUM, callback_at=at),
            attempt(1, "call", "no_answer", MUM),
        ]
    )
    assert (s.label, s.callback_due) == ("no answer ×1", None)


def test_spoke_to_contact_without_a_reason_is_in_progress_with_the_same_contact() -> None:
    s = status([attempt(0, "call", "no_answer", MUM), attempt(1, "call", "spoke_no_reason", DAD)])
    assert (s.label, s.phase, s.next_contact) == (
        "Spoke to contact — no reason given",
        IN_PROGRESS,
        DAD,
    )


def test_a_mark_recoded_in_the_app_is_reason_given_and_resolved() -> None:
    s = status([attempt(0, "call", "spoke_reason", MUM)], code="I", amended=True)
    assert (s.label, s.phase, s.resolved) == ("reason given → I", RESOLVED, True)


def test_a_late_mark_recoded_in_the_app_is_a_reason_not_an_arrival() -> None:
    s = status([attempt(0, "call", "spoke_reason", MUM)], code="L", amended=True)
    assert s.label == "reason given → L"


@pytest.mark.parametrize("code", ["/", "L"])
def test_a_mark_the_mis_now_gives_as_present_is_arrived(code) -> None:
    s = status([attempt(0, "call", "no_answer", MUM)], code=code, amended=False)
    assert (s.label, s.phase, s.resolved) == ("arrived", RESOLVED, True)


def test_a_concern_on_a_home_visit_asks_to_escalate() -> None:
    tries = [
        attempt(0, "call", "no_answer", MUM),
        attempt(1, "call", "no_answer", DAD),
        attempt(60, "visit", "concern", None),
    ]
    s = status(tries, safeguarding=True)
    assert (s.label, s.phase) == ("concern — escalate", IN_PROGRESS)


def test_no_one_home_on_a_visit_is_shown_as_such() -> None:
    s = status([attempt(0, "visit", "no_one_home", None)], safeguarding=True)
    assert (s.label, s.phase) == ("visit: no one home", IN_PROGRESS)
