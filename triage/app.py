"""The Textual App: wires the screens to the store and owns the global key bindings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from screens.queue_screen import QueueScreen
from triage.queue import Morning, NoMarksError, load_morning
from triage.store import open_store


class TriageApp(App[int]):
    """Attendance Triage. The queue of unexplained absences is the first screen."""

    TITLE = "Attendance Triage"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, db_path: Path, on: date | None = None, session: str | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.requested_date = on
        self.requested_session = session

    def on_mount(self) -> None:
        self.push_screen(QueueScreen())

    def load_morning(self) -> Morning:
        """Read the queue (called from a worker thread: it opens its own connection)."""
        with open_store(self.db_path, create=False) as store:
            return load_morning(store, self.requested_date, self.requested_session)


def run_app(db_path: Path, on: date | None, session: str | None) -> int:
    with open_store(db_path, create=False) as store:
        try:
            load_on = on
            if load_on is None:
                from triage.queue import default_date

                load_on = default_date(store)
        except NoMarksError as exc:
            from triage.store import StoreError

            raise StoreError(str(exc)) from exc
    TriageApp(db_path, load_on, session).run()
    return 0
