"""Handing a message to whoever delivers it: a mail server over SMTP (emails, and texts
through an email-to-SMS gateway), or GOV.UK Notify through its official client.

A provider's ``send`` calls ``handed_over()`` at the last moment before the provider may
have the message (SMTP: once the recipient is accepted, before DATA; Notify: before the
POST), so the outbox knows when a message might have left. What can go wrong is told
apart, because it decides what the outbox does next:

- :class:`Refused`: the provider answered no (a refused recipient, a 400 from Notify):
  the message did not go; ``failed``, tried again on the next run.
- :class:`Unavailable`: the provider could not be reached before anything was handed over
  (no connection, a login refused): this message did not go and neither will the rest;
  the batch stops.
- :class:`InDoubt`: the connection broke after the message was handed over and before an
  answer: it may have gone. Never resent without an officer's word (docs/messages.md).

Error text is made short and printable and never holds the password or key.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, NamedTuple, Protocol

from triage.sanitise import excerpt

SMTP_TIMEOUT_SECONDS = 30
NOTIFY_TIMEOUT_SECONDS = 30
LOCAL_HOST = "127.0.0.1"  # the one host a mail server may be used without TLS
# A Notify API key: "name-" then the service id and the secret, each a UUID.
_NOTIFY_KEY = re.compile(
    r".+-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
)


class ProviderProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(ProviderProblem):
    """The provider said no to this message: it did not go."""


class Unavailable(ProviderProblem):
    """The provider could not be reached, or refused the login: nothing went."""


class InDoubt(ProviderProblem):
    """The message was handed over and no answer came back: it may have gone."""


class Outgoing(NamedTuple):
    outbox_id: int
    address: str  # an email address (a gateway's NUMBER@domain), or +447… for Notify
    subject: str | None
    body: str
    reference: str  # ours: the outbox key, given to Notify as its ``reference``
    personalisation: Mapping[str, str] = {}


class Provider(Protocol):
    route: str

    def send(self, message: Outgoing, handed_over: Callable[[], None]) -> str:
        """Hand over the message; the provider's reference for it."""
        ...

    def close(self) -> None: ...


def _short(text: object, secret: str | None) -> str:
    value = str(text)
    if secret:
        value = value.replace(secret, "[hidden]")
    return excerpt(" ".join(value.split()), 200)


# --- SMTP ---------------------------------------------------------------------------------


class SmtpSettings(NamedTuple):
    host: str
    port: int
    security: str  # starttls, tls or none
    login: str
    from_address: str


class SmtpProvider:
    """One connection for the whole batch, opened at the first message."""

    def __init__(self, settings: SmtpSettings, password: str | None, route: str = "smtp") -> None:
        if settings.security == "none" and settings.host != LOCAL_HOST:
            raise Unavailable(
                "smtp_security none is only for a mail server on 127.0.0.1: use starttls or tls"
            )
        self.settings = settings
        self.route = route
        self._password = password
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"the mail server {s.host}:{s.port}"
        try:
            context = ssl.create_default_context()
            conn: smtplib.SMTP
            if s.security == "tls":
                conn = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS)
                if s.security == "starttls":
                    conn.starttls(context=context)
            # EHLO before MAIL: login() says it itself, but a server taking mail without a
            # login (or just after STARTTLS) answers MAIL with "503 send HELO first".
            conn.ehlo_or_helo_if_needed()
            if s.login:
                conn.login(s.login, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise Unavailable(f"{where} refused the login {s.login!r} ({exc.smtp_code})") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise Unavailable(f"{where} does not offer STARTTLS: set smtp_security") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable(f"cannot use {where}: {_short(exc, self._password)}") from exc
        return conn

    def send(self, message: Outgoing, handed_over: Callable[[], None]) -> str:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        email = EmailMessage()
        email["From"] = self.settings.from_address
        email["To"] = message.address
        if message.subject is not None:
            email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        domain = self.settings.from_address.rpartition("@")[2] or None
        email["Message-ID"] = make_msgid(f"triage.{message.outbox_id}", domain=domain)
        email.set_content(message.body)
        try:
            code, reply = conn.mail(self.settings.from_address)
            if code != 250:
                # The sender is refused for every message (no login, a wrong from address).
                conn.rset()
                raise Unavailable(
                    f"the mail server refused the sender {self.settings.from_address}: "
                    f"{code} {_short(reply.decode(errors='replace'), None)}"
                )
            code, reply = conn.rcpt(message.address)
            if code not in (250, 251):
                conn.rset()
                raise Refused(
                    f"recipient refused: {code} {_short(reply.decode(errors='replace'), None)}"
                )
        except UnicodeError as exc:  # smtplib sends addresses as ASCII
            self._reset()
            raise Refused(f"the address {message.address!r} is not plain ASCII") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise Unavailable(
                f"the mail server stopped answering: {_short(exc, self._password)}"
            ) from exc
        handed_over()
        try:
            code, reply = conn.data(email.as_bytes())
        except smtplib.SMTPDataError as exc:  # a reply that is a clear no
            self._reset()
            raise Refused(
                f"message refused: {exc.smtp_code} {_short(exc.smtp_error, None)}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise InDoubt(
                f"no answer after the message was sent: {_short(exc, self._password)}"
            ) from exc
        if code != 250:
            self._reset()
            raise Refused(f"message refused: {code} {_short(reply.decode(errors='replace'), None)}")
        return str(email["Message-ID"])

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


# --- GOV.UK Notify ------------------------------------------------------------------------


class NotifyProvider:
    """Texts through GOV.UK Notify's API (``POST /v2/notifications/sms``) with its official
    client. The school's Notify template is ``((body))``: the text is rendered here, from
    the school's own template, and every field is sent as personalisation too."""

    route = "notify"

    def __init__(self, api_key: str, template_id: str, base_url: str) -> None:
        if not _NOTIFY_KEY.fullmatch(api_key):
            raise Unavailable(
                "the Notify API key is not in Notify's form (name-service id-secret): "
                "check the file or variable notify_key_source names"
            )
        if not template_id:
            raise Unavailable("notify_sms_template_id is not set")
        from notifications_python_client.notifications import NotificationsAPIClient

        self._key = api_key
        self.template_id = template_id
        self.client = NotificationsAPIClient(
            api_key, base_url=base_url, timeout=NOTIFY_TIMEOUT_SECONDS
        )

    def send(self, message: Outgoing, handed_over: Callable[[], None]) -> str:
        import requests
        from notifications_python_client.errors import APIError

        handed_over()
        try:
            response: Any = self.client.send_sms_notification(
                phone_number=message.address,
                template_id=self.template_id,
                personalisation={**message.personalisation, "body": message.body},
                reference=message.reference,
            )
        except APIError as exc:
            cause = exc.__cause__
            if exc.response is not None and exc.status_code in (401, 403):
                # The key is wrong or revoked: no message will go; stop the batch.
                raise Unavailable(f"Notify {exc.status_code}: {self._message(exc)}") from exc
            if exc.response is not None and 400 <= exc.status_code < 500:
                raise Refused(f"Notify {exc.status_code}: {self._message(exc)}") from exc
            if isinstance(cause, requests.ConnectionError) and _never_connected(cause):
                raise Unavailable(f"cannot reach Notify: {_short(cause, self._key)}") from exc
            raise InDoubt(f"Notify gave no clear answer: {self._message(exc)}") from exc
        except requests.RequestException as exc:
            raise InDoubt(f"Notify gave no clear answer: {_short(exc, self._key)}") from exc
        if not isinstance(response, dict) or not response.get("id"):
            raise InDoubt("Notify answered without a notification id")
        return str(response["id"])

    def _message(self, exc: Any) -> str:
        message = exc.message
        if isinstance(message, list):
            message = "; ".join(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in message
            )
        return _short(message, self._key)

    def close(self) -> None:
        self.client.request_session.close()


def _never_connected(exc: BaseException) -> bool:
    """A connection refused or a name not found: the request never left."""
    text = str(exc)
    return any(
        sign in text
        for sign in ("NewConnectionError", "Failed to establish", "Name or service not known")
    ) or isinstance(exc, socket.gaierror)
