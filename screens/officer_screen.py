"""What every working screen shares: the app's store and clock, and no writing keys for a
viewer (they are hidden from the footer and refused)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from triage import settings
from triage.morning import logbook
from triage.officers import AccessDenied
from triage.store import StoreBusy, StoreError

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.message_pump import MessagePump

    from screens.app import TriageApp
    from triage.store import Store

T = TypeVar("T")

# A write first waits this long for another writer on the interface thread (a key must
# never feel the lock), then waits its turn in a worker for up to BACKGROUND_WRITE_MS
# (an import or a backup may hold the lock for seconds).
QUICK_WRITE_MS = 150
BACKGROUND_WRITE_MS = 30_000

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

    # --- writing: never with the keyboard waiting on a lock ---------------------------------

    def write_soon(
        self,
        write: Callable[[Store], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
        *,
        expected: tuple[type[Exception], ...] = (),
        on_busy: Callable[[], None] | None = None,
    ) -> None:
        """Run one store write (``write(store)``, one transaction) and then ``done(result)``,
        or ``failed(error)`` for a :class:`StoreError`, a ``ValueError`` (a rule refused
        it) or one of ``expected``: all on the interface thread.

        The write is tried at once with little patience. If another writer holds the lock
        it goes to a worker with a connection of its own and waits its turn there, so the
        keyboard stays live; ``on_busy`` (else a notification) says it is saving."""
        catch: tuple[type[Exception], ...] = (StoreError, ValueError, *expected)
        try:
            with self.store.patience(QUICK_WRITE_MS):
                result = write(self.store)
        except StoreBusy:
            if on_busy is not None:
                on_busy()
            else:
                self.notify("Saving… another officer (or a backup) is writing; a moment.")
            self._write_when_free(write, done, failed, catch)
            return
        except catch as exc:
            failed(exc)
            return
        done(result)

    @work(thread=True, group="writes")
    def _write_when_free(
        self,
        write: Callable[[Store], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
        catch: tuple[type[Exception], ...],
    ) -> None:
        """A busy write, waiting its turn off the interface thread."""
        try:
            with self.triage_app.connect() as store, store.patience(BACKGROUND_WRITE_MS):
                result = write(store)
        except catch as exc:
            self.app.call_from_thread(failed, exc)
            return
        self.app.call_from_thread(done, result)

    # --- claims: one officer on a family at a time -----------------------------------------

    def claim_then(
        self,
        pupil_ids: Sequence[int],
        on: date,
        session: str,
        holder: str | None,
        then: Callable[[str | None], None],
        *,
        who: str = "this family",
    ) -> None:
        """Claim the pupils for this officer while they log, then ``then(holder)``.

        ``holder`` is whoever else has claimed them (from the screen's last read): the
        officer is asked first whether to log anyway. A claim is a courtesy: one that cannot
        be written at once (another officer or a backup is writing) is given up, and the
        officer goes on; a viewer, who may not write, is told."""

        def go(holder: str | None) -> None:
            try:
                logbook.claim(
                    self.store,
                    pupil_ids,
                    on,
                    session,
                    minutes=settings.get_int(self.store, "claim_minutes"),
                    at=self.now(),
                )
            except AccessDenied as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            except StoreError:
                pass  # busy: no claim this time; the write itself will wait its turn
            then(holder)

        if holder:
            from screens.outcome_dialog import Confirm  # imported with the first dialog

            self.app.push_screen(
                Confirm(f"{holder} is working on {who} right now. Log anyway?"),
                lambda yes: go(holder) if yes else None,
            )
        else:
            go(None)

    def reason_check(self, on: date, session: str) -> Callable[[Sequence[int], str], str | None]:
        """What the reason pickers ask before a code is recorded for some pupils' session:
        why it cannot be (C with no granted leave covering it), or None. The write refuses
        it too; asking first lets the picker stay open and offer G or O."""

        def check(pupil_ids: Sequence[int], code: str) -> str | None:
            from triage.casework.leave import c_refusal  # only when a reason is picked

            try:
                return c_refusal(self.store, list(pupil_ids), on, session, code)
            except StoreError:  # a busy or damaged file: the write will say so
                return None

        return check

    def release_claims(self, pupil_ids: Sequence[int], on: date, session: str) -> None:
        """Let the pupils go (the dialog closed); a claim that cannot be released now lapses
        by itself after the claim minutes."""
        try:
            logbook.release(self.store, pupil_ids, on, session)
        except StoreError:
            pass
