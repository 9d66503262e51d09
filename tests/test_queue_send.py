"""Sending texts and emails from the queue (#21, the screens): `t`/`e` → send now on one
family, and `T` → the due texts to every family still to be reached, against a real SMTP
server on 127.0.0.1 (the ``mailbox`` and ``sending_school`` fixtures: tests/smtp_school.py).

The clock stands at 09:20 (no text due yet: send now is the officer's choice) or at 09:50
(the default ladder's first text, due at 09:45, is overdue for every family).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens.outcome_dialog import OutcomeDialog
from screens.queue_screen import QueueScreen
from screens.send_dialogs import SendDueConfirm, SendPreview
from tests.conftest import database_dump, pid, query
from tests.pilot import Clock, loaded, make_app, notifications, press, screen_text
from tests.smtp_school import AM, AMY, BEN, CARA, DAN, EVE, GREENS, JONES, ON, SMITHS, Mailbox
from tests.test_queue_screen import go_to, status
from triage.morning.logbook import claim
from triage.officers import add_officer
from triage.settings import set_value
from triage.store import Store, open_store

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SIZE = (120, 40)


def sent_attempts(path: Path) -> list[tuple[str, str, str, str]]:
    """(pupil's forename, channel, outcome, number or address) of every attempt."""
    return query(
        path,
        "SELECT p.legal_forename, a.channel, a.outcome, a.number FROM attempts a"
        " JOIN pupils p ON p.id = a.pupil_id ORDER BY p.legal_forename",
    )


def outbox_states(path: Path) -> list[tuple[str, str]]:
    return query(path, "SELECT recipient, state FROM outbox ORDER BY recipient")


# --- send now: one family ---------------------------------------------------------------------


async def test_send_now_shows_the_text_with_its_recipient_then_sends_it_and_the_row_changes(
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    amy, ben = pid(sending_school, AMY), pid(sending_school, BEN)
    app = make_app(sending_school.path, clock=Clock(9, 20))  # before the text is due
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await go_to(pilot, amy)
        assert status(app, amy) == "to call"
        await press(pilot, "t")
        assert isinstance(app.screen, OutcomeDialog)
        assert "s  Send now" in screen_text(app)
        assert "Or log one sent elsewhere" in screen_text(app)
        await press(pilot, "s")
        await loaded(pilot)
        assert isinstance(app.screen, SendPreview)
        shown = " ".join(screen_text(app).split())
        assert "To Sarah Smith (Mother), +447700900001, by the email-to-SMS gateway" in shown
        assert (
            "Riverside Primary: Amy and Ben are not in school this morning and we have no "
            "reason. Please call us today on 01632 960000." in shown
        )
        assert box.received == []  # shown, not sent
        await press(pilot, "y")
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
        assert box.to() == [SMITHS]
        assert status(app, amy) == status(app, ben) == "texted"
        assert "Text sent to Sarah Smith (+447700900001) about Amy and Ben." in notifications(app)
    assert sent_attempts(sending_school.path) == [
        ("Amy", "text", "text_sent", "+447700900001"),
        ("Ben", "text", "text_sent", "+447700900001"),
    ]
    assert query(sending_school.path, "SELECT count(*) FROM claims") == [(0,)]  # released


async def test_send_now_then_no_sends_nothing_and_writes_nothing(
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    before = database_dump(sending_school.path)
    app = make_app(sending_school.path, clock=Clock(9, 20))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await go_to(pilot, pid(sending_school, CARA))
        await press(pilot, "e", "s")
        await loaded(pilot)
        assert isinstance(app.screen, SendPreview)
        shown = " ".join(screen_text(app).split())
        assert "Send this email now?" in shown and "dana@example.org" in shown
        assert "Subject: Cara: absence from Riverside Primary today" in shown
        await press(pilot, "n")
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
    assert box.received == []
    assert database_dump(sending_school.path) == before


async def test_send_now_to_a_landline_says_why_in_one_line_and_sends_nothing(
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    app = make_app(sending_school.path, clock=Clock(9, 20))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await go_to(pilot, pid(sending_school, DAN))
        await press(pilot, "t", "s")
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
        assert notifications(app)[-1] == (
            "No text sent to Fay Brown: 01632 960005 is a landline: not texted"
        )
    assert box.received == []


async def test_when_texts_are_not_set_up_the_dialog_says_how_and_logging_works_as_before(
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    set_value(sending_school, "sms_route", "none")
    app = make_app(sending_school.path, clock=Clock(9, 50))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await go_to(pilot, pid(sending_school, EVE))
        await press(pilot, "t")
        assert isinstance(app.screen, OutcomeDialog)
        shown = " ".join(screen_text(app).split())
        assert (
            "Not sent from here: texts are not set up: triage config set sms_route gateway "
            "(or notify); see docs/messages.md" in shown
        )
        await press(pilot, "s")  # not offered: nothing happens
        assert isinstance(app.screen, OutcomeDialog)
        await press(pilot, "1")  # logged as sent elsewhere, as before
        await loaded(pilot)
        await press(pilot, "T")
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
        assert notifications(app)[-1].startswith(
            "Texts cannot be sent from here: texts are not set up"
        )
    assert box.received == []
    assert sent_attempts(sending_school.path) == [("Eve", "text", "text_sent", "+44 7700 900006")]


# --- T: the due texts to every family still to be reached --------------------------------------


async def test_T_after_one_confirmation_sends_every_due_text_once_and_again_sends_nothing(  # noqa: N802
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    cara = pid(sending_school, CARA)
    app = make_app(sending_school.path, clock=Clock(9, 50))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await press(pilot, "T")
        await loaded(pilot)
        assert isinstance(app.screen, SendDueConfirm)
        shown = " ".join(screen_text(app).split())
        assert "3 texts to send by the email-to-SMS gateway · 1 skipped" in shown
        assert "Skipped: Dan — Fay Brown: 01632 960005 is a landline: not texted" in shown
        assert (
            "Sample, to Gus Green +447700900006 about Eve (1 text (113 characters), template "
            "text-first-day): Riverside Primary: Eve is not in school this morning" in shown
        )
        assert box.received == []
        await press(pilot, "y")
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
        assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])
        assert status(app, cara) == "texted"
        assert "3 texts sent." in notifications(app)

        await press(pilot, "T")  # again: nothing new is due, and it says so
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
        assert notifications(app)[-1] == (
            "No texts to send now: nothing new is due (3 sent earlier, 1 skipped (no mobile))."
        )
    assert len(box.received) == 3
    assert [state for _, state in outbox_states(sending_school.path)] == ["accepted"] * 3


async def test_T_says_a_refused_text_in_one_line_and_the_outbox_keeps_it_for_T_again(  # noqa: N802
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.refuse.add(JONES)
    app = make_app(sending_school.path, clock=Clock(9, 50))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await press(pilot, "T", "y")
        await loaded(pilot)
        failures = [n for n in notifications(app) if "not sent" in n]
        assert failures[0].startswith(
            "Text to Dana Jones (+447700900003) about Cara not sent: recipient refused: 550"
        )
        assert failures[0].endswith("It is kept: T tries it again.")
        assert "\n" not in failures[0]
        assert status(app, pid(sending_school, CARA)) == "to call"
        box.refuse.clear()
        await press(pilot, "T")
        await loaded(pilot)
        assert "1 text to send" in screen_text(app)
        await press(pilot, "y")
        await loaded(pilot)
    assert sorted(box.to()) == sorted([SMITHS, GREENS, JONES])
    assert outbox_states(sending_school.path) == [
        ("+447700900001", "accepted"),
        ("+447700900003", "accepted"),
        ("+447700900006", "accepted"),
    ]


async def test_T_leaves_out_a_family_another_officer_is_working_on(  # noqa: N802
    sending_school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    with open_store(sending_school.path, create=False, officer="officer.two") as two:
        claim(two, [pid(two, EVE)], ON, AM, at=Clock(9, 49).now)
    app = make_app(sending_school.path, clock=Clock(9, 50))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await press(pilot, "T")
        await loaded(pilot)
        shown = " ".join(screen_text(app).split())
        assert "2 texts to send" in shown and "1 left out" in shown
        assert "Left out: Eve — officer.two is working on this family now (t sends it)" in shown
        await press(pilot, "y")
        await loaded(pilot)
    assert sorted(box.to()) == sorted([SMITHS, JONES])


async def test_a_viewer_cannot_send(sending_school: Store, mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    with open_store(sending_school.path, create=False, officer="lead.one") as lead:
        add_officer(lead, "lead.one", "lead")
        add_officer(lead, "watcher", "viewer")
    before = database_dump(sending_school.path)
    app = make_app(sending_school.path, officer="watcher", clock=Clock(9, 50))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.screen.check_action("send_due_texts", ()) is False
        await press(pilot, "T", "y", "t")  # `t` is refused too: no dialog, no send now
        await loaded(pilot)
        assert type(app.screen) is QueueScreen
    assert box.received == []
    assert database_dump(sending_school.path) == before


# --- how the confirmation looks ---------------------------------------------------------------


def test_the_send_confirmation_snapshot_80x24(
    sending_school: Store, mailbox: tuple[Mailbox, int], snap_compare
) -> None:
    async def confirm(pilot: Pilot) -> None:
        await loaded(pilot)
        await press(pilot, "T")
        await loaded(pilot)
        assert isinstance(pilot.app.screen, SendDueConfirm)

    app = make_app(sending_school.path, clock=Clock(9, 50))
    assert snap_compare(app, terminal_size=(80, 24), run_before=confirm)
