"""The dialogs of first-day calling: outcome (one key), reason picker (one key, or search),
a one-line prompt (note, callback time) and a yes/no confirmation.

Nothing here writes to the store: a dialog returns the officer's choice through
``dismiss`` and the queue screen writes it, so escape at any step changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from triage.codes import CODES
from triage.model import Contact, QueueEntry
from triage.morning.outcomes import (
    CHANNEL_LABELS,
    ESCALATION_KEYS,
    ESCALATIONS,
    OUTCOMES,
    REASONS,
    RECODABLE,
    Outcome,
    outcome,
    parse_callback_time,
)


@dataclass(frozen=True)
class OutcomeChoice:
    """What the officer chose; the queue screen turns it into one store write."""

    channel: str
    outcome: Outcome
    pupil_ids: tuple[int, ...]
    contact: Contact | None
    reason_code: str | None = None
    callback_at: datetime | None = None


@dataclass(frozen=True)
class SendNow(OutcomeChoice):
    """ "Send now" rather than log one sent elsewhere: the queue shows the message and sends
    it on a confirming key; once the provider accepts it, it is recorded as ``outcome``."""


def contact_line(contact: Contact | None) -> str:
    if contact is None:
        return "no contact on file"
    numbers = " / ".join(contact.numbers) or contact.email or "no number"
    return f"{contact.name} ({contact.relationship or 'contact'}) {numbers}"


class OutcomeDialog(ModalScreen[OutcomeChoice | None]):
    """Numbered one-key outcomes for a call, text, email or home visit, plus escalations."""

    CSS_PATH = "outcome_dialog.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("a", "toggle_family", "This pupil only / whole family"),
    ]

    def __init__(
        self,
        channel: str,
        family: list[QueueEntry],
        pupil: QueueEntry,
        contact: Contact | None,
        on_date: date,
        warning: str | None = None,
        check_reason: Callable[[tuple[int, ...], str], str | None] | None = None,
        sending: str | None = None,
    ) -> None:
        super().__init__()
        self.check_reason = check_reason  # why a code cannot be recorded for these pupils
        # A text or email the app can send itself (the queue's): "" when it is set up (`s`
        # offers "send now"), else the one line saying how to set it up; None: not offered.
        self.sending = sending
        self.channel = channel
        self.family = family
        self.pupil = pupil
        self.contact = contact
        self.on_date = on_date
        self.warning = warning
        self.whole_family = len(family) > 1
        self.choices: dict[str, Outcome] = {
            str(n): o for n, o in enumerate(OUTCOMES[channel], start=1)
        }
        self.choices.update(zip(ESCALATION_KEYS, ESCALATIONS, strict=True))

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._title(), id="dialog-title")
            if self.warning:
                yield Static(Text(self.warning), id="dialog-warning")
            yield Static(self._who(), id="dialog-who")
            if self.channel == "visit":
                yield Static(self._where(), id="dialog-where")
            if self.sending is not None:
                yield Static(self._send_line(), id="dialog-send")
            lines = Text()
            if self.sending == "":  # the numbers below only record; `s` sends
                lines.append("Or log one sent elsewhere\n", style="bold")
            for key, o in self.choices.items():
                if key == ESCALATION_KEYS[0]:
                    lines.append("\nEscalate\n", style="bold")
                lines.append(f" {key} ", style="reverse")
                lines.append(f" {o.label}\n")
            yield Static(lines, id="dialog-choices")
            yield Static(self._hint(), id="dialog-hint")

    def _send_line(self) -> Text:
        """Above logging one sent elsewhere: send it from here, or how to set that up."""
        if self.sending:
            return Text(f"Not sent from here: {self.sending}", style="dim")
        noun = CHANNEL_LABELS[self.channel].lower()
        line = Text()
        line.append(" s ", style="reverse")
        line.append(f" Send now: the {noun} is shown, with its recipient, before it goes")
        return line

    def _title(self) -> Text:
        title = Text(f"{CHANNEL_LABELS[self.channel]}: ", style="bold")
        title.append(contact_line(self.contact))
        return title

    def _who(self) -> Text:
        if self.whole_family:
            names = ", ".join(e.pupil.display_name for e in self.family)
            return Text(f"For the whole family: {names}")
        return Text(f"For {self.pupil.pupil.display_name} only")

    def _where(self) -> Text:
        """Where a home visit goes: the pupil's address, else the contact's."""
        where = self.pupil.pupil.where or (self.contact.where if self.contact else "")
        return Text(f"Address: {where or 'none on file (check the MIS)'}")

    def _hint(self) -> Text:
        hint = "Press a number to record it · escape cancels"
        if len(self.family) > 1:
            hint += " · a: this pupil only / whole family"
        return Text(hint, style="dim")

    def action_toggle_family(self) -> None:
        if len(self.family) > 1:
            self.whole_family = not self.whole_family
            self.query_one("#dialog-who", Static).update(self._who())

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_key(self, event: Key) -> None:
        if event.key == "s" and self.sending == "":
            event.stop()
            self._send_now()
            return
        chosen = self.choices.get(event.key)
        if chosen is None:
            return
        event.stop()
        pupils = (
            tuple(e.pupil.id for e in self.family) if self.whole_family else (self.pupil.pupil.id,)
        )
        channel = "escalation" if chosen in ESCALATIONS else self.channel
        choice = OutcomeChoice(channel, chosen, pupils, self.contact)
        if chosen.asks_reason:
            self._step_aside()
            who = self._who().plain  # "For … only": the picker alone says whose reason
            title = f"Reason given ({who[:1].lower()}{who[1:]})"
            check = self.check_reason
            refuse = (lambda code: check(pupils, code)) if check else None
            self.app.push_screen(
                ReasonPicker(title, refuse=refuse), lambda code: self._with_reason(choice, code)
            )
        elif chosen.asks_time:
            self._step_aside()
            self.app.push_screen(
                CallbackPrompt(self.on_date), lambda when: self._with_time(choice, when)
            )
        else:
            self.dismiss(choice)

    def _send_now(self) -> None:
        """The whole family: one message names every absent child (docs/messages.md)."""
        sent = outcome(self.channel, f"{self.channel}_sent")  # what an accepted send records
        pupils = tuple(e.pupil.id for e in self.family)
        self.dismiss(SendNow(self.channel, sent, pupils, self.contact))

    def _step_aside(self) -> None:
        """Hide this dialog under the next one (the reason picker, the callback time): a
        smaller dialog over it would leave this one's border and hint showing round it, as
        if its keys were still live. Whatever the next one returns, this one closes."""
        self.query_one("#dialog").display = False

    def _with_reason(self, choice: OutcomeChoice, code: str | None) -> None:
        if code is None:
            self.dismiss(None)  # escape in the picker: nothing is recorded
        else:
            self.dismiss(
                OutcomeChoice(
                    choice.channel, choice.outcome, choice.pupil_ids, choice.contact, code
                )
            )

    def _with_time(self, choice: OutcomeChoice, when: datetime | None) -> None:
        if when is None:
            self.dismiss(None)
        else:
            self.dismiss(
                OutcomeChoice(
                    choice.channel, choice.outcome, choice.pupil_ids, choice.contact, None, when
                )
            )


class ReasonPicker(ModalScreen[str | None]):
    """One key for the common reasons; `/` searches every national code."""

    CSS_PATH = "outcome_dialog.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str = "Reason given", refuse: Callable[[str], str | None] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.by_key = {r.key: r for r in REASONS}
        # Why a code cannot be recorded here (C without granted leave), or None: the
        # picker stays open with the reason, so the officer picks G or O instead.
        self.refuse = refuse

    def _pick(self, code: str) -> None:
        refusal = self.refuse(code) if self.refuse else None
        if refusal is None:
            self.dismiss(code)
            return
        shown = self.query("#reason-refused").results(Static)
        line = next(iter(shown), None)
        if line is None:
            line = Static(id="reason-refused")
            self.query_one("#dialog").mount(line, after="#dialog-choices")
        line.update(Text(refusal))

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            lines = Text()
            for r in REASONS:
                lines.append(f" {r.key} ", style="reverse")
                lines.append(f" {r.label} ")
                lines.append(f"({r.code})\n", style="dim")
            lines.append(" / ", style="reverse")
            lines.append(" Search all codes\n")
            yield Static(lines, id="dialog-choices")
            yield Static(Text("Press a letter · / to search · escape cancels", style="dim"))

    @property
    def searching(self) -> bool:
        return bool(self.query("#reason-search"))

    def action_cancel(self) -> None:
        if self.searching:  # escape leaves the search first, then the picker
            self.set_focus(None)  # (focus must not stay on a removed widget)
            self.query_one("#reason-search").remove()
            self.query_one("#reason-results").remove()
            return
        self.dismiss(None)

    def on_key(self, event: Key) -> None:
        if self.searching:
            if event.key == "down":
                self.query_one("#reason-results", OptionList).focus()
            return
        if event.key == "slash":
            event.stop()
            # Made only now, so that until `/` every letter picks a reason.
            dialog = self.query_one("#dialog")
            search = Input(placeholder="type a code or a word, e.g. 'exam'", id="reason-search")
            dialog.mount(search, OptionList(id="reason-results"))
            self._filter("")
            search.focus()
            return
        reason = self.by_key.get(event.key)
        if reason is not None:
            event.stop()
            self._pick(reason.code)

    @on(Input.Changed, "#reason-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    @on(Input.Submitted, "#reason-search")
    def _search_submitted(self) -> None:
        results = self.query_one("#reason-results", OptionList)
        if results.option_count:
            index = results.highlighted or 0
            code = results.get_option_at_index(index).id
            if code is not None:
                self._pick(code)

    @on(OptionList.OptionSelected, "#reason-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._pick(event.option.id)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        results = self.query_one("#reason-results", OptionList)
        results.clear_options()
        for code in RECODABLE:
            meaning = CODES[code].meaning
            if not needle or needle == code.lower() or needle in meaning.lower():
                results.add_option(Option(Text(f"{code:<3} {meaning}"), id=code))
        if results.option_count:
            results.highlighted = 0


class Prompt(ModalScreen[str | None]):
    """A one-line question; enter answers, escape cancels. ``check`` returns an error
    message for an answer that cannot be used (shown, and the prompt stays open)."""

    CSS_PATH = "outcome_dialog.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")
            yield Static(Text("enter to save · escape cancels", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(Text(problem, style="bold red"))
            return
        self.dismiss(self.result(event.value))

    def result(self, value: str) -> Any:
        """What the prompt returns for an answer that passed ``check``."""
        return value


class CallbackPrompt(Prompt):
    """Asks for a callback time (HH:MM) on the queue's date and returns it as a datetime."""

    def __init__(self, on_date: date, default: str = "") -> None:
        self.on_date = on_date

        def check(text: str) -> str | None:
            try:
                parse_callback_time(text, on_date)
            except ValueError as exc:
                return str(exc)
            return None

        super().__init__("Call back at (HH:MM)", "e.g. 14:30", default, check)

    def result(self, value: str) -> datetime:
        return parse_callback_time(value, self.on_date)


class Confirm(ModalScreen[bool]):
    """A yes/no question: `y` proceeds, `n` or escape does not."""

    CSS_PATH = "outcome_dialog.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question), id="dialog-title")
            yield Static(Text("y: yes · n or escape: no", style="dim"))

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
