"""`?`: every key of the screen underneath, built from its live bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help_screen.tcss"
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("question_mark", "close", "Back", show=False),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", title_justify="left", expand=True, box=None)
        table.add_column("key", style="bold")
        table.add_column("what it does")
        seen: set[str] = set()
        for binding in [*self.for_screen.BINDINGS, *self.app.BINDINGS]:
            if not isinstance(binding, Binding) or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = ", ".join(
                self.app.get_key_display(Binding(k, "")) for k in binding.key.split(",")
            )
            table.add_row(keys, Text(binding.description or binding.action))
        table.add_row("ctrl+p", "command palette: every action by name")
        with VerticalScroll(id="panel"):
            yield Static(table)
            yield Static(Text("escape: back", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
