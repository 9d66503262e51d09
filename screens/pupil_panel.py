"""A pupil's details from the queue (`enter`): figures, flags, contacts and today's attempts.

A simple panel for now; the full case screen comes with the cases work.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triage.model import QueueEntry, year_label
from triage.outcomes import CHANNEL_LABELS, Attempt, Status
from triage.queue import flags_of


class PupilPanel(ModalScreen[None]):
    CSS_PATH = "pupil_panel.tcss"
    BINDINGS = [
        Binding("escape", "dismiss_panel", "Back"),
        Binding("enter", "dismiss_panel", "Back", show=False),
    ]

    def __init__(self, entry: QueueEntry, status: Status, attempts: list[Attempt]) -> None:
        super().__init__()
        self.entry = entry
        self.status = status
        self.attempts = attempts

    def compose(self) -> ComposeResult:
        e, p = self.entry, self.entry.pupil
        with VerticalScroll(id="panel"):
            title = Text(p.display_name, style="bold")
            title.append(f"   UPN {p.upn}   Year {year_label(p.year_group)} {p.reg_group or ''}")
            yield Static(title)
            flags = " ".join(flags_of(e)) or "none"
            pct = e.attendance.percent
            figures = Text()
            figures.append(f"Status: {self.status.label}\n", style="bold")
            figures.append(f"Flags: {flags}   Stage: {p.stage}\n")
            figures.append(
                f"Attendance this term: {'—' if pct is None else f'{pct:.1f}%'}"
                f" ({e.attendance.attending}/{e.attendance.possible} sessions)"
            )
            if e.attendance.severe_absence:
                figures.append("  SEVERE ABSENCE", style="bold red")
            elif e.attendance.persistent_absence:
                figures.append("  PERSISTENT ABSENCE", style="bold yellow")
            figures.append(
                f"\nConsecutive school days unauthorised: {e.consecutive_days} of 10"
                f"\nUnauthorised sessions in 10 school weeks: {e.rolling_unauthorised} of 10"
                f"\nN marks older than 5 school days: {e.overdue_n}"
            )
            yield Static(figures, id="panel-figures")
            contacts = Table(title="Contacts", title_justify="left", expand=True)
            for col in ("#", "name", "relationship", "numbers", "email", "PR"):
                contacts.add_column(col)
            for c in e.contacts:
                contacts.add_row(
                    str(c.priority),
                    Text(c.name),
                    Text(c.relationship or ""),
                    Text(" / ".join(c.numbers)),
                    Text(c.email or ""),
                    "yes" if c.parental_responsibility else "",
                )
            yield Static(contacts)
            history = Table(title="Attempts today", title_justify="left", expand=True)
            for col in ("time", "officer", "channel", "outcome", "reason"):
                history.add_column(col)
            for a in reversed(self.attempts):
                history.add_row(
                    f"{a.at:%H:%M}",
                    Text(a.officer),
                    CHANNEL_LABELS.get(a.channel, a.channel),
                    Text(a.outcome.replace("_", " ")),
                    a.reason_code or "",
                )
            if not self.attempts:
                history.add_row("", "", "", "none yet", "")
            yield Static(history)
            yield Static(Text("escape: back to the queue", style="dim"))

    def action_dismiss_panel(self) -> None:
        self.dismiss(None)
