"""Sending the ladder's texts and emails (#21) against a real SMTP server on 127.0.0.1
(aiosmtpd, the ``mailbox`` fixture of conftest.py) and a local HTTP server answering as
GOV.UK Notify's API does.

A small school from hand-made MIS exports on a real SQLite file (tests/smtp_school.py):
the Smiths (Amy and Ben, one mother's mobile), Cara Jones, Dan Brown (whose only contact
has a landline) and Eve Green. Registers close at 09:15, so the default ladder's first text
is due at 09:45.
"""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import database_dump, pid, query
from tests.smtp_school import (
    AM,
    AMY,
    BEN,
    CARA,
    GREENS,
    JONES,
    ON,
    ONE_TEXT_LADDER,
    PASSWORD,
    PASSWORD_ENV,
    SMITHS,
    Mailbox,
    at,
    free_port,
)
from triage.messages.sending import (
    MessageError,
    Report,
    plan_messages,
    resolve_in_doubt,
    send_messages,
    session_outbox,
)
from triage.morning.ladder import DONE, family_ladder, ladder_of, register_close
from triage.morning.logbook import attempts_for
from triage.morning.queue import family_of, load_morning
from triage.officers import AccessDenied, add_officer
from triage.settings import set_value
from triage.store import Store, open_store

# The test server takes a login over plain SMTP on 127.0.0.1 (aiosmtpd warns about it).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def school(sending_school: Store) -> Store:
    return sending_school


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def send_texts(store: Store, now: datetime | None = None, **kw: Any) -> Report:
    """The bulk send at 09:50 (the first text due at 09:45), unless ``now`` says."""
    plan = plan_messages(store, "text", ON, AM, now=now or at(9, 50))
    return send_messages(store, plan, **kw)


# --- sending over SMTP ----------------------------------------------------------------------


def test_due_texts_arrive_at_the_gateway_with_the_right_recipients_and_text(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    report = send_texts(school)
    assert report.count("accepted") == 3
    assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])
    smiths = next(m for rcpts, m in box.received if rcpts == [SMITHS])
    body = smiths.get_payload(decode=True).decode()
    assert body.startswith("Riverside Primary: Amy and Ben are not in school this morning")
    assert "01632 960000" in body
    assert smiths["From"] == "attendance@riverside.example"


def test_a_landline_is_never_texted_and_is_reported(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    plan = plan_messages(school, "text", ON, AM, now=at(9, 50))
    assert [(s.forenames, s.why) for s in plan.skipped] == [
        ("Dan", "01632 960005 is a landline: not texted")
    ]
    send_messages(school, plan)
    assert not any("01632" in r or "441632" in r for r in box.to())


def test_nothing_is_due_before_the_text_step(school: Store) -> None:
    assert plan_messages(school, "text", ON, AM, now=at(9, 40)).messages == ()


def test_each_sent_text_is_an_attempt_that_does_the_ladder_step(school: Store) -> None:
    send_texts(school)
    morning = load_morning(school, ON, AM)
    family = family_of(morning, pid(school, AMY))
    attempts = attempts_for(school, ON, AM)
    ladder = family_ladder(
        family.entries,
        attempts,
        {},
        ladder_of(school),
        register_close(school, ON, AM),
        at(9, 50),
    )
    assert ladder.steps[0].step.key == "text_p1" and ladder.steps[0].state == DONE
    amy = attempts[pid(school, AMY)]
    assert [(a.channel, a.outcome) for a in amy] == [("text", "text_sent")]
    assert amy == attempts[pid(school, BEN)]  # one text covers both children
    row = query(
        school.path,
        "SELECT contact_name, number, officer, note FROM attempts WHERE pupil_id = ?",
        pid(school, AMY),
    )[0]
    assert row[:3] == ("Sarah Smith", "+447700900001", "officer.one")
    assert "template text-first-day" in row[3]
    assert re.search(r"reference <[0-9.]+\.triage\.\d+@riverside\.example>", row[3])


def test_a_second_bulk_send_sends_nothing(school: Store, mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    send_texts(school)
    again = send_texts(school)
    assert again.results == ()
    assert len(box.received) == 3


def test_a_refused_recipient_is_failed_and_the_rest_are_sent(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.refuse.add(JONES)
    report = send_texts(school)
    assert report.count("accepted") == 2
    assert sorted(box.to()) == sorted([SMITHS, GREENS])
    states = {r.recipient: (r.state, r.error) for r in session_outbox(school, ON, AM)}
    state, error = states["+447700900003"]
    assert state == "failed"
    assert error is not None and error.startswith("recipient refused: 550")
    assert attempts_for(school, ON, AM).get(pid(school, CARA)) is None  # not an attempt

    box.refuse.clear()  # a retry sends only what failed
    retry = send_texts(school)
    assert [r.state for r in retry.results] == ["accepted"]
    assert sorted(box.to()) == sorted([SMITHS, GREENS, JONES])


def test_a_mail_server_that_cannot_be_reached_stops_the_batch_and_keeps_every_message(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    set_value(school, "smtp_port", str(free_port()))  # nothing listens there
    report = send_texts(school)
    assert report.results == () and report.stopped is not None
    assert report.stopped.startswith("cannot use the mail server 127.0.0.1:")
    rows = session_outbox(school, ON, AM)
    assert [(r.state, r.tries) for r in rows] == [("queued", 0)] * 3
    set_value(school, "smtp_port", str(port))
    assert send_texts(school).count("accepted") == 3
    assert len(box.received) == 3


def test_send_now_on_one_family_before_its_text_is_due(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    morning = load_morning(school, ON, AM)
    smiths = family_of(morning, pid(school, AMY)).id
    plan = plan_messages(school, "text", ON, AM, now=at(9, 20), family_ids=[smiths], early=True)
    assert [m.forenames for m in plan.messages] == ["Amy and Ben"]
    send_messages(school, plan)
    assert box.to() == [SMITHS]
    assert plan_messages(school, "text", ON, AM, now=at(9, 20), family_ids=[smiths]).messages == ()


def test_dry_run_sends_nothing_and_writes_nothing(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    before = database_dump(school.path)
    report = send_texts(school, dry_run=True)
    assert sorted(m.forenames for m in report.plan.to_send) == ["Amy and Ben", "Cara", "Eve"]
    assert box.received == []
    assert database_dump(school.path) == before


def test_a_viewer_cannot_send(school: Store, mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    add_officer(school, "officer.one", "lead")
    add_officer(school, "viewer.v", "viewer")
    viewer = open_store(school.path, create=False, officer="viewer.v")
    try:
        with pytest.raises(AccessDenied):
            send_texts(viewer)
    finally:
        viewer.close()
    assert box.received == []
    assert query(school.path, "SELECT COUNT(*) FROM outbox") == [(0,)]


def test_emails_go_to_the_priority_1_contacts_address(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    plan = plan_messages(school, "email", ON, AM, now=at(10, 50))
    report = send_messages(school, plan)
    assert report.count("accepted") == 3
    assert sorted(box.to()) == ["dana@example.org", "gus@example.org", "sarah@example.org"]
    sarah = next(m for rcpts, m in box.received if rcpts == ["sarah@example.org"])
    assert sarah["Subject"] == "Amy and Ben: absence from Riverside Primary today"
    assert [s.why for s in plan.skipped] == ["no email address"]


def test_a_password_file_with_a_wrong_mode_is_refused_and_nothing_is_sent(
    school: Store, mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, _ = mailbox
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD)
    secret.chmod(0o640)
    set_value(school, "smtp_password_source", f"file:{secret}")
    with pytest.raises(ValueError, match="can be read by others") as caught:
        send_texts(school)
    assert PASSWORD not in str(caught.value)
    assert box.received == []
    assert query(school.path, "SELECT COUNT(*) FROM outbox") == [(0,)]
    secret.chmod(0o600)
    assert send_texts(school).count("accepted") == 3


def test_the_password_is_never_in_the_database(school: Store) -> None:
    send_texts(school)
    assert PASSWORD not in database_dump(school.path)


def test_security_none_is_refused_for_a_server_that_is_not_local(school: Store) -> None:
    set_value(school, "smtp_host", "smtp.example.org")
    with pytest.raises(MessageError, match="only for a mail server on 127.0.0.1"):
        send_texts(school)


def test_texts_need_a_route(school: Store) -> None:
    set_value(school, "sms_route", "none")
    with pytest.raises(MessageError, match="texts are not set up"):
        plan_messages(school, "text", ON, AM, now=at(9, 50))


# --- the command, and a crash mid-batch -----------------------------------------------------

WORKTREE = Path(__file__).resolve().parent.parent


def _command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "triage.cli.main", "send", *args, "--db", str(db)]


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(db, *args), cwd=WORKTREE, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def one_text_school(school: Store) -> Path:
    from triage.morning.ladder import set_ladder

    set_ladder(school, ONE_TEXT_LADDER)
    return school.path


def test_send_texts_dry_run_prints_what_would_go_to_whom(
    one_text_school: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    done = _run(one_text_school, "texts", "--date", "24/11/2026", "--session", "AM", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"to Sarah Smith <{SMITHS}> about Amy and Ben" in done.stdout
    assert "| Riverside Primary: Amy and Ben are not in school this morning" in done.stdout
    assert "skipped: Dan — Fay Brown: 01632 960005 is a landline: not texted" in done.stdout
    assert "3 would be sent, 0 sent earlier, 1 skipped." in done.stdout
    assert box.received == []


def test_send_texts_from_the_command_line_then_again_sends_nothing(
    one_text_school: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    first = _run(one_text_school, "texts", "--date", "24/11/2026")
    assert first.returncode == 0, first.stderr
    assert "3 sent, 0 not sent, 0 sent earlier, 1 skipped." in first.stdout
    second = _run(one_text_school, "texts", "--date", "24/11/2026")
    assert "0 sent, 0 not sent, 3 sent earlier, 1 skipped." in second.stdout
    assert len(box.received) == 3
    assert PASSWORD not in first.stdout + first.stderr + second.stdout


def _kill_when_held(db: Path, box: Mailbox) -> None:
    sender = subprocess.Popen(
        _command(db, "texts", "--date", "24/11/2026"),
        cwd=WORKTREE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert box.held.wait(30), "the sender never reached the held message"
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    finally:
        if sender.poll() is None:
            sender.kill()
    box.release.set()


def test_killed_before_the_second_message_left_each_message_arrives_exactly_once(
    one_text_school: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.hold_rcpt_on = 2  # the second message waits at RCPT: the client has not sent it
    _kill_when_held(one_text_school, box)
    assert len(box.received) == 1
    states = [r[0] for r in query(one_text_school, "SELECT state FROM outbox ORDER BY id")]
    assert states == ["accepted", "sending", "queued"]

    again = _run(one_text_school, "texts", "--date", "24/11/2026")
    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])  # each exactly once
    states = [r[0] for r in query(one_text_school, "SELECT state FROM outbox ORDER BY id")]
    assert states == ["accepted"] * 3
    sent = query(one_text_school, "SELECT COUNT(*) FROM attempts WHERE outcome = 'text_sent'")
    assert sent == [(4,)]  # the Smiths' text is an attempt for each child


def test_killed_after_the_server_had_a_message_it_is_in_doubt_not_resent(
    one_text_school: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.hold_data_on = 2  # the server has the second message; the sender dies unanswered
    _kill_when_held(one_text_school, box)
    assert len(box.received) == 2

    again = _run(one_text_school, "texts", "--date", "24/11/2026")
    assert again.returncode == 1  # cron mails the officer: one message needs a look
    assert "IN DOUBT #2:" in again.stdout and "triage send resolve 2 --arrived" in again.stdout
    assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])  # the second not sent again

    resolved = _run(one_text_school, "resolve", "2", "--arrived")
    assert "recorded as sent" in resolved.stdout, resolved.stderr
    with open_store(one_text_school, create=False) as store:
        attempts = attempts_for(store, ON, AM)
        assert [a.outcome for a in attempts[pid(store, CARA)]] == ["text_sent"]


def test_an_officer_says_a_message_in_doubt_did_not_arrive_and_the_next_run_sends_it(
    one_text_school: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.hold_data_on = 2
    _kill_when_held(one_text_school, box)
    box.received.pop()  # the server lost it after all
    _run(one_text_school, "texts", "--date", "24/11/2026")
    with open_store(one_text_school, create=False, officer="officer.one") as store:
        assert resolve_in_doubt(store, 2, arrived=False).state == "queued"
    _run(one_text_school, "texts", "--date", "24/11/2026")
    assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])


# --- GOV.UK Notify, answered by a local HTTP server -------------------------------------------

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"riverside_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


class NotifyHandler(BaseHTTPRequestHandler):
    """POST /v2/notifications/sms as Notify's API documentation describes it: a bearer JWT
    (HS256, iss the service id, iat now) signed with the key's secret; 201 with the
    notification's id; 400 with Notify's error shape for a number it will not text."""

    received: list[dict[str, Any]] = []
    refuse: set[str] = set()

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        import jwt

        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            assert header == {"typ": "JWT", "alg": "HS256"}
            assert claims["iss"] == SERVICE_ID and abs(claims["iat"] - time.time()) < 30
        except (jwt.PyJWTError, AssertionError):
            return self._answer(
                403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]}
            )
        if self.path != "/v2/notifications/sms":
            return self._answer(404, {"errors": [{"error": "NotFound", "message": "Not found"}]})
        if body["phone_number"] in self.refuse:
            return self._answer(
                400,
                {
                    "status_code": 400,
                    "errors": [{"error": "BadRequestError", "message": "Not a UK mobile number"}],
                },
            )
        self.received.append(body)
        n = len(self.received)
        self._answer(
            201,
            {
                "id": f"740e5834-3a29-46b4-9a6f-16142fde{n:04d}",
                "reference": body.get("reference"),
                "content": {"body": body["personalisation"]["body"], "from_number": "RIVERSIDE"},
                "template": {"id": body["template_id"], "version": 1, "uri": "…"},
            },
        )

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def notify(school: Store, tmp_path: Path) -> Iterator[type[NotifyHandler]]:
    handler = type("Handler", (NotifyHandler,), {"received": [], "refuse": set()})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key_file = tmp_path / "notify-key"
    key_file.write_text(API_KEY + "\n")
    key_file.chmod(0o600)
    for key, value in {
        "sms_route": "notify",
        "notify_key_source": f"file:{key_file}",
        "notify_sms_template_id": TEMPLATE_ID,
        "notify_base_url": f"http://127.0.0.1:{server.server_port}",
    }.items():
        set_value(school, key, value)
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_notify_gets_each_due_text_with_a_signed_token_and_our_reference(
    school: Store, notify: type[NotifyHandler]
) -> None:
    report = send_texts(school)
    assert report.count("accepted") == 3
    numbers = sorted(b["phone_number"] for b in notify.received)
    assert numbers == ["+447700900001", "+447700900003", "+447700900006"]
    smiths = next(b for b in notify.received if b["phone_number"] == "+447700900001")
    assert smiths["template_id"] == TEMPLATE_ID
    assert smiths["reference"] == "2026-11-24|AM|text_p1|text|+447700900001"
    assert smiths["personalisation"]["body"].startswith("Riverside Primary: Amy and Ben are")
    assert smiths["personalisation"]["forenames"] == "Amy and Ben"
    references = {r.recipient: r.reference for r in session_outbox(school, ON, AM)}
    assert references["+447700900001"].startswith("740e5834-")
    assert API_KEY not in database_dump(school.path)


def test_a_number_notify_refuses_is_failed_with_its_error(
    school: Store, notify: type[NotifyHandler]
) -> None:
    notify.refuse.add("+447700900003")
    report = send_texts(school)
    assert report.count("accepted") == 2
    failed = [r for r in session_outbox(school, ON, AM) if r.state == "failed"]
    assert [(r.recipient, r.error) for r in failed] == [
        ("+447700900003", "Notify 400: Not a UK mobile number")
    ]


def test_a_wrong_notify_key_stops_at_the_first_message_without_showing_the_key(
    school: Store, notify: type[NotifyHandler], tmp_path: Path
) -> None:
    wrong = f"riverside_test-{SERVICE_ID}-{'0' * 8}-0000-0000-0000-{'0' * 12}"
    (tmp_path / "notify-key").write_text(wrong)
    report = send_texts(school)
    assert report.count("accepted") == 0
    rows = session_outbox(school, ON, AM)
    assert report.stopped == "Notify 403: Invalid token"
    assert [(r.state, r.tries) for r in rows] == [("queued", 0)] * 3  # not the messages' fault
    errors = [r.error or "" for r in rows]
    assert errors[0] == "Notify 403: Invalid token"
    assert all(wrong not in e and "0000-0000" not in e for e in errors)
    assert notify.received == []


# --- the outbox's migration ---------------------------------------------------------------------


def test_a_database_from_before_the_outbox_upgrades_and_keeps_one_message_per_key(
    tmp_path: Path,
) -> None:
    import sqlite3

    from tests.test_store import _database_at_version
    from triage.store import outbox
    from triage.store.schema import MIGRATIONS, _v11_outbox

    before = MIGRATIONS.index(_v11_outbox)  # the lead may renumber it at a merge
    path = tmp_path / "old.db"
    _database_at_version(path, before)
    with open_store(path, officer="officer.one") as s:
        assert s.pupil_by_upn("A123456789012") is not None  # the data is kept
        message = outbox.NewMessage(
            "2026-11-24|AM|text_p1|text|+447700900001",
            ON,
            AM,
            "text_p1",
            "text",
            "gateway",
            "+447700900001",
            None,
            "Sarah Smith",
            (1,),
            "text-first-day",
            None,
            "Jo is not in school",
        )
        with s.transaction():
            assert outbox.insert_queued(s, [message, message], "2026-11-24T09:45:00+00:00") == [1]
        with pytest.raises(sqlite3.IntegrityError), s.transaction():
            s.conn.execute("UPDATE outbox SET state = 'lost' WHERE id = 1")


def test_a_claim_from_another_machine_is_stale_only_after_15_minutes(school: Store) -> None:
    from triage.messages.sending import recover_stale
    from triage.store import outbox

    plan = plan_messages(school, "text", ON, AM, now=at(9, 50))
    with school.transaction():
        ids = outbox.insert_queued(
            school,
            [
                outbox.NewMessage(
                    m.key,
                    ON,
                    AM,
                    m.step_key,
                    "text",
                    m.route,
                    m.recipient,
                    m.contact.id,
                    m.contact.name,
                    m.pupil_ids,
                    m.template,
                    None,
                    m.body,
                )
                for m in plan.messages
            ],
            "2026-11-24T09:50:00+00:00",
        )
        for outbox_id in ids:
            outbox.claim(
                school, outbox_id, "other-host:4242", "2026-11-24T09:50:00+00:00", ["queued"]
            )
        outbox.mark_handed_over(school, ids[1], "other-host:4242", "2026-11-24T09:50:01+00:00")
    assert recover_stale(school, now=datetime.fromisoformat("2026-11-24T10:00:00+00:00")) == []
    moved = recover_stale(school, now=datetime.fromisoformat("2026-11-24T10:06:00+00:00"))
    assert [(r.id, r.state) for r in moved] == [
        (ids[0], "queued"),
        (ids[1], "in_doubt"),
        (ids[2], "queued"),
    ]


def test_a_server_that_refuses_the_sender_stops_the_batch_without_spending_tries(
    school: Store, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    set_value(school, "smtp_login", "")  # the server wants a login: it refuses MAIL FROM
    report = send_texts(school)
    assert report.stopped is not None and "refused the sender" in report.stopped
    assert [(r.state, r.tries) for r in session_outbox(school, ON, AM)] == [("queued", 0)] * 3
    assert box.received == []


def test_a_mail_server_without_a_login_is_greeted_before_the_first_message(
    school: Store,
) -> None:
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)  # no AUTH
    controller.start()
    try:
        set_value(school, "smtp_port", str(port))
        set_value(school, "smtp_login", "")
        assert send_texts(school).count("accepted") == 3
    finally:
        controller.stop()
    assert sorted(box.to()) == sorted([SMITHS, JONES, GREENS])
