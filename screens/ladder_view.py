"""`l` on the queue: one family's first-day calling ladder, step by step."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triage.morning.ladder import FamilyLadder

STATE_STYLE = {"overdue": "bold red", "done": "green", "not needed": "dim", "pending": ""}


class LadderView(ModalScreen[None]):
    CSS_PATH = "help_screen.tcss"
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("l", "close", "Back", show=False),
    ]

    def __init__(
        self,
        ladder: FamilyLadder,
        names: dict[int, str],
        social_workers: dict[int, str] | None = None,
    ) -> None:
        super().__init__()
        self.ladder = ladder
        self.names = names
        self.social_workers = social_workers or {}  # pupil id -> whom to tell, and how

    def compose(self) -> ComposeResult:
        table = Table(title="First-day calling ladder", title_justify="left", expand=True)
        for col in ("step", "for", "due", "state", "done", "by"):
            table.add_column(col)
        for s in self.ladder.steps:
            who = Text(self.names.get(s.pupil_id, "family") if s.pupil_id else "family")
            if s.step.kind == "social_worker_informed" and s.pupil_id is not None:
                reach = self.social_workers.get(s.pupil_id)
                who.append(
                    f"\ntell {reach}" if reach else "\nno social worker on file (p on the case)",
                    style="" if reach else "bold yellow",
                )
            table.add_row(
                s.step.label,
                who,
                f"{s.due:%H:%M}",
                Text(s.state, style=STATE_STYLE.get(s.state, "")),
                f"{s.done_at:%H:%M}" if s.done_at else "",
                Text(s.done_by or ""),
            )
        with VerticalScroll(id="panel"):
            yield Static(table)
            if self.ladder.dsl_alerts_due():
                yield Static(
                    Text(
                        "The DSL step is due: tell the designated safeguarding lead, then"
                        " D on the family (back on the queue) records it: DSL told.",
                        style="bold red",
                    )
                )
            yield Static(Text("escape: back to the queue", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
