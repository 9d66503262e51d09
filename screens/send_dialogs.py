"""The two questions before the app sends a text or email itself (#21): one family's message
("send now" from `t` or `e`), and the queue's bulk send of the due texts (`T`).

Both show the message with its real values and who it goes to, and answer on one key:
`y` sends, `n` or escape sends nothing. Neither writes: the queue sends (screens/
queue_messages.py), through triage.messages.sending.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triage.messages.sending import Plan, Planned, Skipped
from triage.messages.templates import text_parts

ROUTES = {
    "gateway": "by the email-to-SMS gateway",
    "notify": "by GOV.UK Notify",
    "smtp": "by email",
}
MOST_LISTED = 3  # skipped or left-out families named in the bulk confirmation; then a count


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def message_text(message: Planned) -> Text:
    """The message as it will go: the subject of an email, then its body."""
    text = Text()
    if message.subject is not None:
        text.append("Subject: ", style="bold")
        text.append(f"{message.subject}\n\n")
    text.append(message.body)
    return text


def size_line(message: Planned) -> str:
    """How long it is: a text's parts matter (each is charged), an email's do not."""
    if message.channel != "text":
        return f"template {message.template}"
    parts = text_parts(message.body)
    return f"{plural(parts, 'text')} ({len(message.body)} characters), template {message.template}"


class MessageDialog(ModalScreen[bool]):
    """What both questions share: `y` answers yes, `n` or escape no."""

    CSS_PATH = ["outcome_dialog.tcss", "send_dialogs.tcss"]
    BINDINGS = [
        Binding("y", "answer(True)", "Send"),
        Binding("n", "answer(False)", "Do not send"),
        Binding("escape", "answer(False)", "Do not send", show=False),
    ]

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class SendPreview(MessageDialog):
    """One family's message before it goes (`t` or `e`, then `s`)."""

    def __init__(self, message: Planned, route: str) -> None:
        super().__init__()
        self.message = message
        self.route = route

    def compose(self) -> ComposeResult:
        m = self.message
        noun = "text" if m.channel == "text" else "email"
        with Vertical(id="dialog"):
            yield Static(Text(f"Send this {noun} now?", style="bold"), id="dialog-title")
            to = Text("To ")
            to.append(m.contact.name, style="bold")
            to.append(f" ({m.contact.relationship or 'contact'})")
            to.append(f", {m.recipient}, {ROUTES.get(self.route, self.route)}")
            yield Static(to, id="send-to")
            yield Static(Text(f"About {m.forenames} · {size_line(m)}", style="dim"))
            with VerticalScroll(id="send-message"):
                yield Static(message_text(m))
            yield Static(
                Text("y: send it · n or escape: back, nothing is sent", style="dim"),
                id="dialog-hint",
            )


class SendDueConfirm(MessageDialog):
    """`T`: the due texts to every family still to be reached, after this one question."""

    def __init__(
        self,
        plan: Plan,
        to_send: Sequence[Planned],
        left_out: Sequence[Skipped],
        earlier: int = 0,
    ) -> None:
        super().__init__()
        self.earlier = earlier  # sent before now: not again
        self.plan = plan
        self.to_send = list(to_send)
        self.left_out = list(left_out)

    def compose(self) -> ComposeResult:
        count = plural(len(self.to_send), "text")
        sample = self.to_send[0]
        with Vertical(id="dialog"):
            yield Static(Text("Send the due texts now?", style="bold"), id="dialog-title")
            counts = Text()
            counts.append(f"{count} to send", style="bold")
            counts.append(f" {ROUTES.get(self.plan.route, self.plan.route)}")
            counts.append(f" · {len(self.plan.skipped)} skipped (landline, no mobile)")
            if self.earlier:
                counts.append(f" · {self.earlier} sent earlier")
            if self.left_out:
                counts.append(f" · {len(self.left_out)} left out")
            yield Static(counts, id="send-counts")
            listed = self._listed()
            if listed.plain:
                yield Static(listed, id="send-skipped")
            who = Text("Sample, to ")
            who.append(sample.contact.name, style="bold")
            who.append(f" {sample.recipient} about {sample.forenames} ({size_line(sample)}):")
            yield Static(who, id="send-to")
            with VerticalScroll(id="send-message"):
                yield Static(message_text(sample))
            yield Static(
                Text(f"y: send {count} · n or escape: no, nothing is sent", style="dim"),
                id="dialog-hint",
            )

    def _listed(self) -> Text:
        """Who is not texted, and why: a few by name, the rest counted (`triage send texts
        --dry-run` lists them all)."""
        lines = Text()
        rows = [("skipped", s) for s in self.plan.skipped] + [
            ("left out", s) for s in self.left_out
        ]
        for kind, s in rows[:MOST_LISTED]:
            who = f"{s.contact_name}: " if s.contact_name else ""
            lines.append(f"{kind.capitalize()}: {s.forenames} — {who}{s.why}\n")
        if len(rows) > MOST_LISTED:
            lines.append(f"… and {len(rows) - MOST_LISTED} more (triage send texts --dry-run)\n")
        lines.rstrip()
        return lines
