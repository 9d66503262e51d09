"""Whether sending is set up: a cheap read of the settings, asked by the queue each time an
officer opens the text or email dialog, so it imports nothing of the providers."""

from __future__ import annotations

from triage import settings
from triage.store import Store

__all__ = ["MessageError", "setup_problem", "text_route"]


class MessageError(ValueError):
    """Sending is not set up, or cannot be done as asked: one clear line."""


def text_route(store: Store) -> str:
    route = settings.get(store, "sms_route")
    if route == "none":
        raise MessageError(
            "texts are not set up: triage config set sms_route gateway (or notify); "
            "see docs/messages.md"
        )
    if route == "gateway" and not settings.get(store, "sms_gateway_domain"):
        raise MessageError("sms_route is gateway but sms_gateway_domain is not set")
    return route


def setup_problem(store: Store, channel: str) -> str | None:
    """Why this app cannot send ``channel`` messages with the settings as they are (one
    line: what to set, and where it is explained), or None when it is set up. Reads only the
    settings: whether the password or key can be read is found when sending."""
    how = "triage config set KEY VALUE; see docs/messages.md"
    wanted = ("smtp_host", "smtp_from")  # emails, and texts by an email-to-SMS gateway
    if channel == "text":
        try:
            route = text_route(store)
        except MessageError as exc:
            said = str(exc)
            return said if "docs/messages.md" in said else f"{said} ({how})"
        if route == "notify":
            wanted = ("notify_key_source", "notify_sms_template_id")
    missing = [key for key in wanted if not settings.get(store, key)]
    if missing:
        noun = "emails are" if channel == "email" else "texts are"
        return f"{noun} not set up: set {' and '.join(missing)} ({how})"
    return None
