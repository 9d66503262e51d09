"""The Textual App: wires the screens to the store and owns the global key bindings."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage.bulk import cyclic_gc_paused

# Start-up makes tens of thousands of objects (modules, classes, widgets, styles, rows) and
# few garbage cycles, which Python's cyclic collector would scan over and over. It is
# paused while the app's modules are imported (which then live as long as the process:
# frozen, with the few hundred objects of garbage among them), and again from the app's
# start until the queue's first frame (TriageApp.on_load and started). Measured: GC time
# before the first paint from about 10 ms to 0.2 ms; one collection of about 3 ms follows
# just after it, freeing the start's few thousand objects of garbage.
with cyclic_gc_paused(freeze=True):
    from textual import work
    from textual.app import App
    from textual.binding import Binding

    from screens.queue_screen import QueueScreen
    from triage import settings
    from triage.dates import local_now
    from triage.morning.logbook import release_all
    from triage.morning.queue import Morning, NoMarksError, default_date, load_morning
    from triage.officers import Access, access_of
    from triage.preferences import PreferencesError, save_preference, saved_theme
    from triage.store import Store, StoreError, open_store, readable_by_others


if TYPE_CHECKING:
    from textual.theme import Theme


class TriageApp(App[int]):
    """Attendance Triage. The queue of unexplained absences is the first screen."""

    TITLE = "Attendance Triage"
    COMMANDS = App.COMMANDS | {lambda: _find_pupil(), lambda: _report_commands()}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("x", "dismiss_notices", "Dismiss messages", show=False),
    ]

    def __init__(
        self,
        db_path: Path,
        on: date | None = None,
        session: str | None = None,
        *,
        officer: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.requested_date = on
        self.requested_session = session
        self.officer = officer
        self._clock = clock or local_now
        self._starting = ExitStack()  # the collector's pause at start (on_load, started)
        self._warned_of_unsaved = False  # a first q with entries unsaved only warns
        self._damage_checked = False
        # Writes are tried on the interface thread, each one short transaction; one that
        # finds another writer holding the lock waits its turn in a worker (the queue's
        # _write), with a connection of its own (connect()).
        self.import_folder: Path | None = None  # the import screen's picker, this session
        self.store: Store = open_store(db_path, create=False, officer=officer)
        try:
            self.access: Access = access_of(self.store)  # an unknown login stops here
        except StoreError:
            self.store.close()
            raise
        # The theme this officer chose last time (their own file, not the school's database).
        self._saved_theme = saved_theme()
        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme

    def now(self) -> datetime:
        """The clock (injected by tests); local time, as officers read it."""
        moment = self._clock()
        return moment if moment.tzinfo is not None else moment.astimezone()

    def connect(self) -> Store:
        """A connection of its own, for a worker thread (SQLite connections stay on the
        thread that made them); close it when done (``with app.connect() as store``)."""
        store = open_store(self.db_path, create=False, officer=self.officer)
        store.damaged = self.store.damaged  # found damaged: no connection writes on
        return store

    def on_load(self) -> None:
        self._starting.enter_context(cyclic_gc_paused())

    def started(self) -> None:
        """The first screen is painted (the queue, or why it could not be read): the
        collector runs again (see the imports), and the file is checked for damage.
        Called again, it does nothing."""
        self._starting.close()
        if not self._damage_checked:
            self._damage_checked = True
            self.check_for_damage()

    def on_mount(self) -> None:
        # Pushed over the blank default screen. (As the default mode's screen it would save
        # a few milliseconds, but its widgets can then be mounted twice in a race at start.)
        self.push_screen(QueueScreen())
        self.theme_changed_signal.subscribe(self, self.remember_theme)
        self._inbox_seen: dict[str, tuple[int, int]] | None = None
        self.set_interval(settings.get_int(self.store, "inbox_check_seconds"), self.check_inbox)
        if readable_by_others(self.db_path):
            self.notify(
                f"{self.db_path} can be read by every user on this machine: it holds "
                "children's data. Ask for it to be made private (chmod o-rwx).",
                severity="warning",
                timeout=30,
                markup=False,
            )

    @work(thread=True, exclusive=True, group="check")
    def check_for_damage(self) -> None:
        """SQLite's quick check of the whole file, once, off the interface thread after
        the queue is on screen: a damaged database then refuses every write (each would
        build on the damage) and the officer is told what to do."""
        try:
            with self.connect() as store:
                store.refuse_if_damaged()
        except StoreError as exc:
            self.call_from_thread(self._damaged, str(exc))

    def _damaged(self, message: str) -> None:
        self.store.damaged = message
        self.notify(message, severity="error", timeout=600, markup=False)

    def remember_theme(self, theme: Theme) -> None:
        """A theme chosen (in the palette) is this officer's from now on."""
        if theme.name == self._saved_theme:
            return
        try:
            save_preference("theme", theme.name)
        except PreferencesError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self._saved_theme = theme.name

    def on_unmount(self) -> None:
        self._starting.close()  # if it never painted
        try:
            release_all(self.store)  # a claim should not outlive the officer's session
        except StoreError:
            pass  # it lapses by itself
        self.store.close()

    @work(thread=True, exclusive=True, group="inbox")
    def check_inbox(self) -> None:
        """The inbox timer: off the interface thread, with its own connection. Files must
        look the same on two ticks in a row before they are taken."""
        from triage.imports import inbox

        try:
            with self.connect() as store:
                if not self.access.can_write:
                    return
                results, self._inbox_seen = inbox.check(store, self._inbox_seen)
        except (StoreError, OSError) as exc:
            self.call_from_thread(self.notify, f"inbox: {exc}", severity="warning", markup=False)
            return
        for result in results:
            self.call_from_thread(self.report_inbox_result, result)

    def report_inbox_result(self, result) -> None:  # a triage.imports.inbox.InboxResult
        """One line per file. A rejection stays on screen until dismissed (x)."""
        if result.outcome == "imported":
            new = result.counts.get("marks_new", 0) + result.counts.get("marks_changed", 0)
            self.notify(
                f"Imported {result.file} ({result.kind}): {new} marks new or changed",
                title="Inbox",
                timeout=8,
                markup=False,
            )
        elif result.outcome == "duplicate":
            self.notify(result.message, title="Inbox: already imported", timeout=8, markup=False)
        else:
            self.notify(
                result.message + "\n(press x to dismiss; i for the inbox)",
                title="Inbox: file rejected, nothing imported",
                severity="error",
                timeout=8 * 3600,
                markup=False,
            )

    def _fatal_error(self) -> None:
        """An error nobody expected ended the app: one line for the officer, and the details
        in a private log. Textual's own report is a traceback with the local variables of
        every frame (pupils' names and figures, on a shared terminal); it has no public
        hook, so this replaces it (Textual is pinned: tests/test_app.py checks the line)."""
        from rich.text import Text

        where = log_unexpected_error(self._exception)
        self.bell()
        self._exit_renderables.append(
            Text(
                "Attendance Triage stopped after an unexpected error. Every change made "
                f"before it was saved. The details are in {where}: please send that file "
                "to whoever looks after the app."
            )
        )
        self._close_messages_no_wait()

    async def action_quit(self) -> None:
        """Quit; but first say so if an entry is still saving or was not saved, since
        quitting then loses it. A second `q` quits anyway."""
        from screens.queue_screen import QueueScreen

        waiting = sum(
            len(screen.saving | screen.not_saved.keys())
            for screen in self.screen_stack
            if isinstance(screen, QueueScreen)
        )
        if waiting and not self._warned_of_unsaved:
            self._warned_of_unsaved = True
            self.notify(
                f"Not saved yet for {waiting} pupil{'s' if waiting != 1 else ''} (rows marked "
                "saving… or NOT SAVED). Wait, or ctrl+r on a NOT SAVED row; "
                "press q again to quit anyway and lose them.",
                severity="warning",
                timeout=15,
                markup=False,
            )
            return
        self.exit(0)

    def action_dismiss_notices(self) -> None:
        self.clear_notifications()

    def load_morning(
        self, store: Store | None = None, *, counted: bool = True, keep_numbers: bool = True
    ) -> Morning:
        """Read the queue: with the app's own connection on the interface thread (the first
        load, before the first paint), or from a worker thread with a connection of its own.
        ``counted``, ``keep_numbers``: see :func:`triage.morning.queue.load_morning`."""
        if store is not None:
            return load_morning(
                store,
                self.requested_date,
                self.requested_session,
                counted=counted,
                keep_numbers=keep_numbers,
            )
        with self.connect() as own:
            return load_morning(
                own,
                self.requested_date,
                self.requested_session,
                counted=counted,
                keep_numbers=keep_numbers,
            )


def log_unexpected_error(error: BaseException | None) -> Path:
    """Append ``error`` to the officer's own error log (0600, in their state folder, never
    beside a shared database): the traceback without local variables."""
    import os
    import traceback

    from triage.store import APP_DIR_NAME

    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    log = Path(base) / APP_DIR_NAME / "errors.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}\n")
            if error is not None:
                f.write("".join(traceback.format_exception(error)))
    except OSError:
        pass  # the one line is still shown
    return log


def _find_pupil():
    """The palette's "open a pupil's case", imported when the palette first opens."""
    from screens.commands import FindPupil

    return FindPupil


def _report_commands():
    """The palette's reports, imported when the palette first opens."""
    from screens.commands import ReportCommands

    return ReportCommands


def run_app(db_path: Path, on: date | None, session: str | None) -> int:
    with open_store(db_path, create=False) as store:
        try:
            on = on or default_date(store)
        except NoMarksError as exc:
            raise StoreError(str(exc)) from exc
    app = TriageApp(db_path, on, session)
    app.run()
    return app.return_code or 0
