"""What every working screen shares: the app's store and clock, and no writing keys for a
viewer (they are hidden from the footer and refused)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.screen import Screen


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
