"""The queue of unexplained absences: the screen an officer lives in from 8:45.

This first version shows the queue read-only; logging outcomes comes with the queue issue.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from triage.model import year_label
from triage.queue import Morning, flags_of

COLUMNS = ("Fam", "!", "Name", "Yr/Grp", "Days", "Att %", "Stage", "Call first", "Number")


class QueueScreen(Screen):
    CSS_PATH = "queue_screen.tcss"
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the queue…", id="queue-summary")
        table: DataTable = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        morning = self.app.load_morning()  # type: ignore[attr-defined]
        self.app.call_from_thread(self.show, morning)

    def show(self, morning: Morning) -> None:
        self.app.title = morning.school
        self.app.sub_title = f"{morning.date:%a %d %b %Y} · {morning.session}"
        summary = self.query_one("#queue-summary", Static)
        summary.update(
            Text(
                f"{morning.school} — {morning.date:%A %d %B %Y}, {morning.session} register: "
                f"{len(morning.entries)} pupils in {len(morning.families)} families to contact"
            )
        )
        table = self.query_one("#queue", DataTable)
        table.clear()
        for family in morning.families:
            for n, e in enumerate(family.entries):
                pct = e.attendance.percent
                first = e.contacts[0] if e.contacts else None
                table.add_row(
                    str(family.id) if n == 0 else "│",
                    Text(
                        " ".join(flags_of(e)[:1]) if e.pupil.safeguarding else "", style="bold red"
                    ),
                    Text(e.pupil.display_name),
                    Text(f"{year_label(e.pupil.year_group)} {e.pupil.reg_group or ''}"),
                    str(e.consecutive_days),
                    "" if pct is None else f"{pct:.0f}",
                    e.pupil.stage,
                    Text(f"{first.name} ({first.relationship or '?'})" if first else "no contact"),
                    Text(first.numbers[0] if first and first.numbers else ""),
                    key=str(e.pupil.id),
                )
        table.focus()

    def action_cursor_down(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()
