"""A small school and a real SMTP server on 127.0.0.1 for the sending tests (#21): the
sending's own tests (test_send.py) and the queue's (test_queue_send.py) share them through
the ``mailbox`` and ``sending_school`` fixtures of conftest.py.

The Smiths (Amy and Ben, one mother's mobile), Cara Jones, Dan Brown (whose only contact
has a landline) and Eve Green, all N on Tuesday 24 November 2026 AM. Registers close at
09:15, so the default ladder's first text is due at 09:45.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import date, datetime
from email import message_from_string
from email.message import Message
from pathlib import Path

from aiosmtpd.smtp import AuthResult

from tests.conftest import imported
from triage.settings import set_value
from triage.store import Store

ON = date(2026, 11, 24)
AM = "AM"
AMY, BEN, CARA, DAN, EVE = (f"A12345678901{n}" for n in range(5))
PUPILS = (
    "UPN,Surname,Forename,Year,Reg\n"
    f"{AMY},Smith,Amy,3,3R\n{BEN},Smith,Ben,5,5B\n{CARA},Jones,Cara,4,4G\n"
    f"{DAN},Brown,Dan,6,6P\n{EVE},Green,Eve,2,2T\n"
)
CONTACTS = (
    "UPN,Contact Name,Relationship,Priority,Mobile,Telephone,Email\n"
    f"{AMY},Sarah Smith,Mother,1,07700 900001,,sarah@example.org\n"
    f"{BEN},Sarah Smith,Mother,1,07700 900001,,sarah@example.org\n"
    f"{CARA},Dana Jones,Mother,1,07700900003,,dana@example.org\n"
    f"{DAN},Fay Brown,Mother,1,,01632 960005,\n"
    f"{EVE},Gus Green,Father,1,+44 7700 900006,,gus@example.org\n"
)
NAMES = {
    AMY: "Smith,Amy,3,3R",
    BEN: "Smith,Ben,5,5B",
    CARA: "Jones,Cara,4,4G",
    DAN: "Brown,Dan,6,6P",
    EVE: "Green,Eve,2,2T",
}
MARKS = "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n" + "".join(
    f"{upn},{NAMES[upn]},24/11/2026,AM,N\n" for upn in NAMES
)
GATEWAY = "sms.example.net"
LOGIN, PASSWORD = "attendance", "correct-horse-battery-staple"
# Three families have a mobile: their gateway addresses.
SMITHS, JONES, GREENS = (f"4477009000{n:02d}@{GATEWAY}" for n in (1, 3, 6))
# One text step only, for the runs on the real clock (the default ladder's second text
# would be due too, long after this date).
ONE_TEXT_LADDER = """
[[step]]
key = "text_p1"
kind = "text"
due_minutes = 30

[[step]]
key = "call_p1"
kind = "call_priority_1"
due_minutes = 45
"""


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 24, hh, mm)


# --- a real SMTP server on 127.0.0.1 ------------------------------------------------------


class Mailbox:
    """aiosmtpd's handler: keeps what arrives; refuses some recipients; can hold the n-th
    message at RCPT (before the client sends it) or at the end of DATA (after the server
    has it) until the test says, so a sender can be killed at a known point."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []
        self.refuse: set[str] = set()
        self.hold_rcpt_on: int | None = None
        self.hold_data_on: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._rcpts = 0
        self._datas = 0

    async def _hold(self) -> None:
        self.held.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 <" + address + ">: no such mailbox"
        self._rcpts += 1
        if self._rcpts == self.hold_rcpt_on:
            await self._hold()
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self._datas += 1
        text = envelope.content.decode("utf-8", errors="replace")
        self.received.append((list(envelope.rcpt_tos), message_from_string(text)))
        if self._datas == self.hold_data_on:
            await self._hold()
        return "250 2.0.0 queued"

    def to(self) -> list[str]:
        return [r for rcpts, _ in self.received for r in rcpts]


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == LOGIN.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD_ENV = "TRIAGE_TEST_SMTP_PASSWORD"


def set_up_school(store: Store, folder: Path, port: int) -> Store:
    """The small school imported into ``store``, sending by the gateway through the SMTP
    server on ``port`` (its password read from the environment variable PASSWORD_ENV)."""
    imported(store, folder, pupils=PUPILS, contacts=CONTACTS, marks=MARKS)
    for key, value in {
        "school_name": "Riverside Primary",
        "school_phone": "01632 960000",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "smtp_security": "none",
        "smtp_login": LOGIN,
        "smtp_password_source": f"env:{PASSWORD_ENV}",
        "smtp_from": "attendance@riverside.example",
        "sms_route": "gateway",
        "sms_gateway_domain": GATEWAY,
    }.items():
        set_value(store, key, value)
    return store
