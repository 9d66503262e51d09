"""What every working screen shares: the app's store and clock, and no writing keys for a
viewer (they are hidden from the footer and refused)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.message_pump import MessagePump

    from screens.app import TriageApp
    from triage.store import Store

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


def triage_app(node: MessagePump | Provider) -> TriageApp:
    """The running app, with its type: Textual types ``node.app`` as any ``App``. The one
    cast of the front end; screens use :attr:`TriageScreen.triage_app`."""
    return cast("TriageApp", node.app)


class TriageScreen(Screen[Any]):
    """A screen of this app: it knows the app's type."""

    @property
    def triage_app(self) -> TriageApp:
        return triage_app(self)


class OfficerScreen(TriageScreen):
    """A screen an officer works from: the app's store and clock, and no writing keys for
    a viewer."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()  # actions that change the store

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and not self.triage_app.access.can_write:
            return False
        return True

    @property
    def store(self) -> Store:
        return self.triage_app.store

    def now(self) -> datetime:
        """The app's clock (injected by tests): local time, as officers read it."""
        return self.triage_app.now()
