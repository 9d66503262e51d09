"""What every working screen shares: the app's store and clock, and no writing keys for a
viewer (they are hidden from the footer and refused)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

# The keys of first-day calling, the same on the queue and on a case (the issue: "c/t/e/v/n/r
# as on the queue"); each screen's own action handles them.
CONTACT_BINDINGS = (
    Binding("c", "log('call')", "Call"),
    Binding("t", "log('text')", "Text"),
    Binding("e", "log('email')", "Email"),
    Binding("v", "log('visit')", "Visit"),
    Binding("r", "reason", "Reason"),
    Binding("n", "note", "Note"),
)


def pupil_at_cursor(table: DataTable) -> int | None:
    """The pupil id of the row under a table's cursor (rows are keyed by pupil id)."""
    if table.row_count == 0:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except Exception:
        return None
    return int(key.value) if key.value is not None else None


class OfficerScreen(Screen):
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()  # actions that change the store

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and not self.app.access.can_write:  # type: ignore[attr-defined]
            return False
        return True

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    def now(self) -> datetime:
        """The app's clock (injected by tests): local time, as officers read it."""
        return self.app.now()  # type: ignore[attr-defined]
