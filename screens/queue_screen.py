"""The queue of unexplained absences: the screen an officer lives in from 8:45.

Rows are pupils in queue order, siblings together under their family number. The screen
holds no rules: it asks `triage.morning.queue` for the morning and its progress, sends the
officer's choices to `triage.morning.logbook`, and repaints only the rows that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from screens.officer_screen import (
    CONTACT_BINDINGS,
    QUICK_WRITE_MS,
    OfficerScreen,
    pupil_at_cursor,
)
from screens.queue_messages import QueueMessages
from screens.widgets.dsl_banner import DslBanner
from screens.widgets.footer import SteadyFooter
from screens.widgets.line_table import LineTable
from screens.widgets.title_bar import TitleBar
from screens.widgets.visit_banner import VisitBanner
from triage import settings
from triage.model import QueueEntry, year_label
from triage.morning import logbook
from triage.morning.ladder import DslDue, acknowledged, dsl_due, dsl_not_due
from triage.morning.outcomes import TO_CALL, Status, short_status
from triage.morning.queue import (
    Morning,
    Progress,
    add_counts,
    display_order,
    family_of,
    flags_of,
    keep_family_numbers,
    load_progress,
    refresh_families,
)
from triage.store import StoreError

if TYPE_CHECKING:
    from screens.outcome_dialog import OutcomeChoice
    from triage.store import Store


class QueueColumn(NamedTuple):
    """A column of the queue and how it gives way as the window narrows."""

    key: str
    heading: str
    width: int  # its width when there is room for it
    least: int  # the narrowest a column always shown goes before the table scrolls
    most: int  # the widest it grows to when there is width to spare
    keep: int  # 0: always shown; 1, 2 …: the order the others come back as the window widens


# The one place the queue's columns are decided, in the order they are shown. Name,
# status, next step, who to call and the number are what an officer dials from: always
# shown, at 80 columns too (narrowed to `least`). The others come back as the window
# widens (keep 1 first), and go in the opposite order; each is on the case (enter).
# Fixed widths: the table never re-measures its cells when a status changes (with 2,000
# queued pupils that re-measuring cost more than the store write behind the key).
COLUMNS = (
    QueueColumn("flag", "!", 3, 3, 3, 0),
    QueueColumn("fam", "Fam", 3, 3, 3, 0),
    QueueColumn("name", "Name", 16, 11, 24, 0),
    # Short words; the width when there is room is for another officer's "[login]" on it.
    QueueColumn("status", "Status", 22, 10, 26, 0),
    QueueColumn("next", "Next step", 14, 13, 16, 0),
    QueueColumn("contact", "Try next", 20, 12, 26, 0),
    QueueColumn("rel", "Who", 8, 8, 8, 1),
    QueueColumn("number", "Number", 12, 12, 14, 0),
    QueueColumn("last", "Last attempt", 14, 14, 40, 2),
    QueueColumn("stage", "Stage", 13, 13, 21, 3),
    QueueColumn("year", "Yr/Grp", 7, 7, 7, 4),
    QueueColumn("days", "Days", 4, 4, 4, 5),
    QueueColumn("att", "Att%", 4, 4, 4, 6),
)
CELL_PADDING = 1  # DataTable's, each side of every cell
SCROLLBAR = 2  # kept free always: a long queue's scroll bar must not push columns off
# Always-shown columns narrow in this order when the window is narrower than their widths.
NARROWING = ("status", "contact", "name", "next")
# Width to spare goes to these first (who to call and the child), up to `most`.
WIDENING = ("contact", "name", "status", "last", "stage", "next", "number")


def column_widths(window_width: int) -> dict[str, int]:
    """The queue's columns for a window ``window_width`` wide: key -> width, in the order
    shown. The always-shown columns at their widths (narrowed when they must), then the
    others while they fit, then width to spare to the columns that use it."""
    room = window_width - SCROLLBAR
    shown = {c.key: c.width for c in COLUMNS if c.keep == 0}

    def used() -> int:
        return sum(w + 2 * CELL_PADDING for w in shown.values())

    least = {c.key: c.least for c in COLUMNS}
    for key in NARROWING:
        shown[key] = max(least[key], shown[key] - max(0, used() - room))
    for column in sorted((c for c in COLUMNS if c.keep), key=lambda c: c.keep):
        if used() + column.width + 2 * CELL_PADDING > room:
            break  # in order: a less wanted column never shows while a wanted one cannot
        shown[column.key] = column.width
    most = {c.key: c.most for c in COLUMNS}
    for key in WIDENING:
        if key in shown:
            shown[key] = min(most[key], shown[key] + max(0, room - used()))
    return {c.key: shown[c.key] for c in COLUMNS if c.key in shown}


# How the Who column says a relationship; any other is shown as the MIS gives it.
RELATIONSHIPS = {
    "mother": "Mum",
    "father": "Dad",
    "stepmother": "Stepmum",
    "step-mother": "Stepmum",
    "stepfather": "Stepdad",
    "step-father": "Stepdad",
    "grandmother": "Gran",
    "grandfather": "Grandad",
    "grandparent": "G'parent",
    "foster carer": "Foster",
    "social worker": "SW",
}


def relationship_word(relationship: str | None) -> str:
    if not relationship:
        return ""
    return RELATIONSHIPS.get(relationship.strip().casefold(), relationship)


FIRST_ROWS = 60  # rows painted first; the rest follow straight after
LIVE_CHECK_SECONDS = 1.0  # another officer's change shows within 2 s
CLOCK_CHECK_TICKS = 15  # with nothing written, re-check what the clock makes due every 15 s


class FamilyCell(Text):
    """The Fam cell, carrying its pupil's id so the table can be re-sorted in place."""

    def __init__(self, text: str, pupil_id: int, style: str = "") -> None:
        super().__init__(text, style=style)
        self.pupil_id = pupil_id


def dialogs():
    """The dialogs module, imported on first use: the queue paints before it is needed."""
    from screens import outcome_dialog

    return outcome_dialog


def queue_commands():
    """The palette's provider, imported only when the palette first opens (start-up)."""
    from screens.commands import BindingCommands

    return BindingCommands


class QueueScreen(OfficerScreen):
    # The stylesheet beside this file, read as the screen's default CSS rather than named
    # in CSS_PATH: a CSS_PATH makes Textual re-parse every stylesheet of the app and restyle
    # every widget when the screen is first shown (3% of the time to the first paint).
    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    COMMANDS = {queue_commands}
    BINDINGS = [
        # Help and quit first: the footer shows keys in this order and cuts what does not
        # fit at the right; every key is in the help. (`q` is the app's, repeated here for
        # its place in the footer.)
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
        *CONTACT_BINDINGS,
        Binding("b", "callback", "Callback"),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+r", "retry", "Retry unsaved", show=False),
        Binding("enter", "details", "Details", show=False),
        Binding("slash", "filter", "Filter", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("h", "toggle_resolved", "Hide/show resolved", show=False),
        Binding("s", "summary", "Summary"),
        Binding("i", "imports", "Import"),
        Binding("w", "caseload", "Caseload"),
        Binding("l", "ladder", "Ladder", show=False),
        Binding("D", "dsl_told", "DSL told", show=False),
        # The palette finds it by this description too (screens/commands.py).
        Binding("T", "send_due_texts", "Send the due texts", show=False),
        Binding("V", "visits", "Home visits", show=False),
        Binding("R", "reports", "Reports (cohorts, year, TSM, lateness)", show=False),
        Binding("p", "plan_visit", "Plan a home visit for today", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.morning: Morning | None = None
        self.progress: Progress | None = None
        self.hide_resolved = False
        self.filter_text = ""
        self.entries: dict[int, QueueEntry] = {}
        # Writes that failed (another officer's write held the lock too long, the disk was
        # full): pupil id -> the write, ready to run again with what the officer chose.
        self.not_saved: dict[int, Callable[[], None]] = {}
        # Writes handed to a worker because another writer held the lock: pupil ids.
        self.saving: set[int] = set()
        self._data_version: int | None = None
        self._imports_seen: int | None = None
        self._due_seen: set[int] = set()
        self._generation = 0  # bumped by each rebuild
        self.last_done = ""  # the last action saved, shown under the counts
        self.alerts_open: int | None = None  # unacknowledged alerts, counted in a worker
        self._quiet_ticks = 0
        self.column_layout: dict[str, int] = {}  # key -> width of the columns shown
        self.messages = QueueMessages(self)  # texts and emails sent from here (#21)

    # --- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("Loading the queue…", id="queue-summary")
        yield DslBanner(id="dsl-banner")
        yield VisitBanner(id="visit-banner")
        table: DataTable = LineTable(
            id="queue", cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING
        )
        # Laid out for the terminal's width now, so the first paint needs no second layout.
        self._add_columns(table, column_widths(self.app.size.width))
        yield table
        yield SteadyFooter()

    def _add_columns(self, table: DataTable, widths: dict[str, int]) -> None:
        self.column_layout = widths
        headings = {c.key: c.heading for c in COLUMNS}
        for key, width in widths.items():
            table.add_column(Text(headings[key]), key=key, width=width)

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower window: columns give way or come back (COLUMNS)."""
        # Also sent on return to the queue after a resize under a case (tested).
        self.lay_out_columns(event.size.width)

    def lay_out_columns(self, window_width: int) -> None:
        widths = column_widths(window_width)
        if widths == self.column_layout:
            return
        table = self.query_one("#queue", DataTable)
        keep = self.current_pupil_id()
        table.clear(columns=True)
        self._add_columns(table, widths)
        if self.morning is not None and self.progress is not None:
            self.rebuild(keep)

    def on_mount(self) -> None:
        # The first load happens before the first paint: nothing can be typed yet, and a
        # worker would cost a thread and an extra frame before the queue appears. Every
        # later reload (a new export arriving) runs in a worker.
        # A long queue is painted before its attendance figures are counted (they do not
        # decide the order); count_figures fills them in straight after.
        # A family seen for the first time is numbered now and its number kept just after
        # the first paint (keep_numbers): the write's commit waits for the disk.
        try:
            morning = self.triage_app.load_morning(self.store, counted=False, keep_numbers=False)
            if len(morning.entries) <= FIRST_ROWS:
                morning = add_counts(self.store, morning)  # a short queue: no need to wait
            self.show(morning)
            self.call_after_refresh(self.keep_numbers, morning)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=30, markup=False)
        # Start-up ends with this first frame, the queue's or the error's: the app's pause
        # of the garbage collector ends with it (triage/app.py).
        self.call_after_refresh(self.triage_app.started)
        self.set_interval(LIVE_CHECK_SECONDS, self.check_for_changes)

    WRITE_ACTIONS = frozenset(
        {
            "log",
            "reason",
            "note",
            "callback",
            "undo",
            "imports",
            "retry",
            "dsl_told",
            "send_due_texts",
            "plan_visit",
        }
    )

    def reload(self, _closed: object = None) -> None:
        """Read the queue again when a screen pushed over it closes (whatever it returns)."""
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        """The whole queue (figures over a year of marks) is read off the interface thread."""
        try:
            morning = self.triage_app.load_morning()
        except StoreError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), severity="error", timeout=30, markup=False
            )
            return
        self.app.call_from_thread(self.show, morning)

    def show(self, morning: Morning) -> None:
        keep = self.current_pupil_id()
        self.morning = morning
        self.entries = {e.pupil.id: e for e in morning.entries}
        self.app.title = morning.school
        self.app.sub_title = f"{morning.date:%a %d %b %Y} · {morning.session}"
        self.progress = load_progress(self.store, morning, self.now())
        self._data_version = self.store.data_version()
        self._imports_seen = self.store.count("imports")
        self.rebuild(keep)
        self.update_dsl_banner()
        self.query_one("#queue", DataTable).focus()
        if any(e.attendance is None for e in morning.entries):
            self.call_after_refresh(self.count_figures, morning)
        # After the queue is on screen: the count reads a year of marks in a thread, which
        # would otherwise hold the interpreter while the first rows are being painted.
        self.call_after_refresh(self.count_alerts)

    @work(thread=True, exclusive=True, group="numbers")
    def keep_numbers(self, morning: Morning) -> None:
        """Keep the family numbers the first paint showed (docs/queue.md); should another
        officer have numbered a new family first, read the queue again to show theirs."""
        try:
            with self.triage_app.connect() as store:
                kept = keep_family_numbers(store, morning)
        except StoreError:
            return  # the next load keeps them
        if not kept:
            self.app.call_from_thread(self.load)

    @work(thread=True, exclusive=True, group="counts")
    def count_figures(self, morning: Morning) -> None:
        """The figures a first paint went without (attendance %), counted off the
        interface thread and put into the rows in place."""
        try:
            with self.triage_app.connect() as store:
                counted = add_counts(store, morning)
        except StoreError:
            return
        self.app.call_from_thread(self._show_counts, morning, counted)

    def _show_counts(self, uncounted: Morning, counted: Morning) -> None:
        if self.morning is not uncounted:
            return  # loaded again meanwhile, counted this time
        self.morning = counted
        self.entries = {e.pupil.id: e for e in counted.entries}
        if "att" not in self.column_layout:
            return  # not shown at this width; the rows are built from the counted morning
        for pid, entry in self.entries.items():
            self.set_cell(pid, "att", self.attendance_text(entry))

    @work(thread=True, exclusive=True, group="alerts")
    def count_alerts(self) -> None:
        """Open alerts for the whole school (a year of marks): counted off the interface
        thread after the queue is on screen, then shown in the counts line."""
        from triage.casework.alerts import alerts_for

        if self.morning is None:
            return
        try:
            with self.triage_app.connect() as store:
                open_alerts = [
                    a for a in alerts_for(store, self.morning.date) if not a.acknowledged
                ]
        except StoreError:
            return
        self.app.call_from_thread(self._show_alerts, len(open_alerts))

    def _show_alerts(self, count: int) -> None:
        self.alerts_open = count
        self.update_summary()

    def visible_entries(self) -> list[QueueEntry]:
        assert self.morning is not None and self.progress is not None
        entries = display_order(self.morning, self.progress, self.now(), self.hide_resolved)
        if self.filter_text:
            needle = self.filter_text.lower()
            entries = [
                e
                for e in entries
                if needle in e.pupil.display_name.lower()
                or needle in e.pupil.legal_forename.lower()
                or needle in (e.pupil.reg_group or "").lower()
                or needle in e.pupil.upn.lower()
            ]
        return entries

    def rebuild(self, keep_pupil: int | None = None) -> None:
        """Fill the table from scratch: on load, on the resolved toggle and on a filter.
        The first screenful goes in at once and the rest straight after the first paint,
        so a long queue is on screen as fast as a short one."""
        table = self.query_one("#queue", DataTable)
        table.clear()
        rows = []
        previous_family = None
        for entry in self.visible_entries():
            first_of_family = entry.family_id != previous_family
            previous_family = entry.family_id
            rows.append((entry, first_of_family))
        self._generation += 1
        self._add_rows(self._generation, rows[:FIRST_ROWS], keep_pupil)
        if len(rows) > FIRST_ROWS:
            self.call_after_refresh(self._add_rows, self._generation, rows[FIRST_ROWS:], keep_pupil)
        self.update_summary()

    def _add_rows(
        self, generation: int, rows: list[tuple[QueueEntry, bool]], keep_pupil: int | None
    ) -> None:
        if generation != self._generation:
            return  # the table was rebuilt again meanwhile (e.g. typing in the filter)
        table = self.query_one("#queue", DataTable)
        for entry, first_of_family in rows:
            if str(entry.pupil.id) not in table.rows:
                entry = self.entries.get(entry.pupil.id, entry)  # counted since, perhaps
                table.add_row(*self.cells(entry, first_of_family), key=str(entry.pupil.id))
        if keep_pupil is not None:
            self.move_to(keep_pupil)

    def cells(self, entry: QueueEntry, first_of_family: bool) -> list:
        # Every cell is a Text: a str would be read as Rich markup (a "[" in a name taken
        # for a tag, ":...:" for an emoji) and LineTable draws Text cells directly.
        assert self.progress is not None
        p = entry.pupil
        status = self.progress.statuses[p.id]
        contact = status.next_contact
        every: dict[str, Callable[[], Text]] = {
            "flag": lambda: Text(
                " ".join(flags_of(entry)[:1]) if p.safeguarding else "", style="bold red"
            ),
            "fam": lambda: FamilyCell(str(entry.family_id) if first_of_family else "│", p.id),
            "name": lambda: self.name_text(entry, status),
            "status": lambda: self.status_text(p.id, status),
            "next": lambda: self.next_step_text(entry),
            "contact": lambda: Text(contact.name if contact else "", overflow="ellipsis"),
            "rel": lambda: Text(
                relationship_word(contact.relationship) if contact else "", overflow="ellipsis"
            ),
            "number": lambda: Text(contact.numbers[0] if contact and contact.numbers else ""),
            "last": lambda: Text(self.last_attempt_text(status), overflow="ellipsis"),
            "stage": lambda: Text(p.stage),
            "year": lambda: Text(f"{year_label(p.year_group)} {p.reg_group or ''}"),
            "days": lambda: Text(str(entry.consecutive_days)),
            "att": lambda: self.attendance_text(entry),
        }
        return [every[key]() for key in self.column_layout]

    @staticmethod
    def name_text(entry: QueueEntry, status: Status) -> Text:
        # "…" where a narrow window cuts a name, so a cut name is never taken for a whole one
        return Text(
            entry.pupil.display_name, style="dim" if status.resolved else "", overflow="ellipsis"
        )

    def set_cell(self, pupil_id: int, key: str, value: Text) -> None:
        """Repaint one cell in place, if its row and column are shown."""
        table = self.query_one("#queue", DataTable)
        if key in self.column_layout and str(pupil_id) in table.rows:
            table.update_cell(str(pupil_id), key, value)

    @staticmethod
    def attendance_text(entry: QueueEntry) -> Text:
        if entry.attendance is None:
            return Text("…")  # being counted
        pct = entry.attendance.percent
        return Text("" if pct is None else f"{pct:.0f}")

    def status_text(self, pupil_id: int, status: Status) -> Text:
        assert self.progress is not None
        style = {"to call": "bold", "resolved": "green"}.get(status.phase, "yellow")
        if status.callback_due is not None and status.callback_due <= self.now():
            style = "bold reverse yellow"
        if pupil_id in self.not_saved:
            return Text("NOT SAVED", style="bold reverse red")  # ctrl+r: the message says
        if pupil_id in self.saving:
            return Text("saving…", style="bold yellow")  # another writer holds the database
        text = Text(short_status(status), style=style, overflow="ellipsis")
        holder = self.progress.claims.get(pupil_id)
        if holder:
            text.append(f" [{holder}]", style="bold magenta")
        return text

    def next_step_text(self, entry: QueueEntry) -> Text:
        """The family's next step of the school's calling ladder and when it is due."""
        assert self.progress is not None
        ladder = self.progress.ladders.get(entry.family_id)
        step = ladder.next_step if ladder is not None else None
        if step is None:
            return Text("")
        # The time first: in a narrow column the end of the step's name gives way, not it.
        if step.state == "overdue":
            return Text(f"{step.due:%H:%M} {step.step.short_label}!", style="bold reverse red")
        return Text(f"{step.due:%H:%M} {step.step.short_label}")

    @staticmethod
    def last_attempt_text(status: Status) -> str:
        a = status.last_attempt
        if a is None:
            return ""
        # When and who first: a narrow column keeps those (the Status column says what).
        return f"{a.at:%H:%M} {a.officer}: {a.channel} {a.outcome.replace('_', ' ')}"

    def update_summary(self) -> None:
        """The counts line: one line at 80 columns, so in short words (the help gives them
        in full); what does not fit is cut at the end, so the most wanted come first."""
        if self.morning is None or self.progress is None:
            return
        m, p = self.morning, self.progress
        # School, date and session are in the header above; this line is the counts.
        text = Text(f"{m.session} ")
        text.append(f"{p.count_of('to call')} to call", style="bold")
        text.append(f" · {p.count_of('in progress')} tried")
        text.append(f" · {p.count_of('reason obtained')} explained", style="green")
        if p.count_of("arrived"):
            text.append(f" · {p.count_of('arrived')} arrived")
        if p.overdue_families:
            text.append(f" · {p.overdue_families} overdue", style="bold red")
        if self.alerts_open:
            text.append(f" · {self.alerts_open} alerts (w)", style="bold magenta")
        if p.not_taken:
            registers = ", ".join(r.label for r in p.not_taken)
            text.append(f" · not taken: {registers}", style="bold yellow")
        access = self.triage_app.access
        if not access.single_user and not access.can_write:
            text.append(" · viewer, read-only", style="bold")
        if self.filter_text:
            text.append(f" · filter: {self.filter_text}", style="dim")
        if self.hide_resolved:
            text.append(" · resolved hidden (h)", style="dim")
        if access.single_user:
            text.append(" · single-user", style="dim")
        self.query_one("#queue-summary", Static).update(text)

    # --- refreshing after a change ---------------------------------------------------------

    def refresh_progress(self, written: Iterable[int] = ()) -> None:
        """Re-read statuses, repaint changed rows in place, re-sort if needed. After this
        officer's own write about the pupils ``written``, only their families are read
        again, unless another officer has written meanwhile (then, as on the live tick,
        the whole queue is)."""
        if self.morning is None or self.progress is None:
            return
        old = self.progress
        version = self.store.data_version()
        written = list(written)
        candidates: AbstractSet[int] = self.entries.keys()  # rows that may have changed
        if written and version == self._data_version:
            self.progress = refresh_families(self.store, self.morning, old, written, self.now())
            families = {self.entries[pid].family_id for pid in written if pid in self.entries}
            candidates = (
                {pid for pid, e in self.entries.items() if e.family_id in families}
                | old.claims.keys()
                | self.progress.claims.keys()
            )
        else:
            self.progress = load_progress(self.store, self.morning, self.now())
        self._data_version = version
        table = self.query_one("#queue", DataTable)
        changed = [
            pid
            for pid in candidates
            if old.statuses.get(pid) != self.progress.statuses.get(pid)
            or old.claims.get(pid) != self.progress.claims.get(pid)
        ]
        for pid in changed:
            if str(pid) not in table.rows:
                continue
            status = self.progress.statuses[pid]
            entry = self.entries[pid]
            contact = status.next_contact
            self.set_cell(pid, "status", self.status_text(pid, status))
            self.set_cell(pid, "last", Text(self.last_attempt_text(status), overflow="ellipsis"))
            self.set_cell(
                pid, "contact", Text(contact.name if contact else "", overflow="ellipsis")
            )
            self.set_cell(
                pid,
                "rel",
                Text(
                    relationship_word(contact.relationship) if contact else "", overflow="ellipsis"
                ),
            )
            self.set_cell(
                pid, "number", Text(contact.numbers[0] if contact and contact.numbers else "")
            )
            self.set_cell(pid, "name", self.name_text(entry, status))
        changed_families = {
            fid
            for fid, lad in self.progress.ladders.items()
            if old.ladders.get(fid) is not lad and old.ladders.get(fid) != lad
        }
        for pid, entry in self.entries.items():
            if entry.family_id in changed_families:
                self.set_cell(pid, "next", self.next_step_text(entry))
        if changed or changed_families:
            self.resort()
        self.update_summary()
        self.update_dsl_banner()

    def resort(self) -> None:
        """Move families to where they now belong (resolved last, due callbacks first)
        without the cursor leaving the pupil it is on."""
        keep = self.current_pupil_id()
        if self.hide_resolved:
            self.rebuild(keep)
            return
        rank = {e.pupil.id: n for n, e in enumerate(self.visible_entries())}
        table = self.query_one("#queue", DataTable)
        table.sort("fam", key=lambda cell: rank.get(cell.pupil_id, len(rank)))
        if keep is not None:
            self.move_to(keep)

    def check_for_changes(self) -> None:
        """The live refresh: a cheap counter tells whether another officer wrote anything."""
        if self.morning is None:
            return
        self.update_visit_banner()
        try:
            version = self.store.data_version()
        except Exception:  # a locked or vanished file must not crash the timer
            return
        if version == self._data_version:
            self._quiet_ticks += 1
            if self._quiet_ticks >= CLOCK_CHECK_TICKS:
                # Nothing written, but time has moved: ladder steps may now be overdue.
                self._quiet_ticks = 0
                self.refresh_progress()
            else:
                self._repaint_due_callbacks()
            return
        self._quiet_ticks = 0
        if self.store.count("imports") != self._imports_seen:
            self.load()  # a new export: new pupils may have joined the queue
        else:
            self.refresh_progress()

    def _repaint_due_callbacks(self) -> None:
        """A callback coming due changes nothing in the store, only the clock: repaint it
        and move its family to the top once, when it falls due."""
        if self.progress is None:
            return
        now = self.now()
        due = {
            pid
            for pid, s in self.progress.statuses.items()
            if s.callback_due is not None and s.callback_due <= now
        }
        if due <= self._due_seen:
            return
        table = self.query_one("#queue", DataTable)
        for pid in due - self._due_seen:
            if str(pid) in table.rows:
                table.update_cell(
                    str(pid),
                    "status",
                    self.status_text(pid, self.progress.statuses[pid]),
                )
        self._due_seen = due
        self.resort()

    # --- the cursor ------------------------------------------------------------------------

    def current_pupil_id(self) -> int | None:
        return pupil_at_cursor(self.query_one("#queue", DataTable))

    def current_entry(self) -> QueueEntry | None:
        pid = self.current_pupil_id()
        return self.entries.get(pid) if pid is not None else None

    def move_to(self, pupil_id: int) -> None:
        table = self.query_one("#queue", DataTable)
        if str(pupil_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(pupil_id)))

    def row_order(self) -> list[int]:
        table = self.query_one("#queue", DataTable)
        return [int(str(row.key.value)) for row in table.ordered_rows]

    def move_to_next_to_call(self, after: int, order: list[int] | None = None) -> None:
        """After logging, go to the next pupil still to call below (wrapping to the top),
        in ``order`` (the rows as they were before the change), else the current rows."""
        assert self.progress is not None
        order = order if order is not None else self.row_order()
        if after not in order:
            return
        start = order.index(after)
        for pid in order[start + 1 :] + order[: start + 1]:
            if self.progress.statuses[pid].phase == TO_CALL and pid not in self.saving:
                self.move_to(pid)
                return

    def action_cursor_down(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()

    # --- logging -----------------------------------------------------------------------------

    def _family(self, entry: QueueEntry) -> list[QueueEntry]:
        assert self.morning is not None
        return list(family_of(self.morning, entry.pupil.id).entries)

    def _claimed_by_other(self, family: list[QueueEntry]) -> str | None:
        assert self.progress is not None
        holders = {
            self.progress.claims[e.pupil.id] for e in family if e.pupil.id in self.progress.claims
        }
        return ", ".join(sorted(holders)) or None

    def _guarded(
        self, entry: QueueEntry, then: Callable[[list[QueueEntry], str | None], None]
    ) -> None:
        """Warn before working a family another officer is on; claim it while we are."""
        assert self.morning is not None
        family = self._family(entry)
        if self._still_saving(family):
            return
        self.claim_then(
            [e.pupil.id for e in family],
            self.morning.date,
            self.morning.session,
            self._claimed_by_other(family),
            lambda holder: then(family, holder),
        )

    def _still_saving(self, family: list[QueueEntry]) -> bool:
        """A family whose last write is still waiting for the lock takes no new one until
        it is saved (or has failed): the two could otherwise land in either order."""
        if any(e.pupil.id in self.saving for e in family):
            self.notify("Still saving this family's last entry: a moment, then try again.")
            return True
        return False

    def _release(self, family: list[QueueEntry]) -> None:
        assert self.morning is not None
        self.release_claims([e.pupil.id for e in family], self.morning.date, self.morning.session)

    def action_log(self, channel: str) -> None:
        entry = self.current_entry()
        morning = self.morning
        if entry is None or morning is None or self.progress is None:
            return
        contact = self.progress.statuses[entry.pupil.id].next_contact

        def open_dialog(family: list[QueueEntry], holder: str | None) -> None:
            warning = f"{holder} is on this family too." if holder else None
            self.app.push_screen(
                dialogs().OutcomeDialog(
                    channel,
                    family,
                    entry,
                    contact,
                    morning.date,
                    warning,
                    check_reason=self.reason_check(morning.date, morning.session),
                    sending=self.messages.offer(channel),
                ),
                lambda choice: self._chosen(family, entry, choice),
            )

        self._guarded(entry, open_dialog)

    def _chosen(
        self, family: list[QueueEntry], entry: QueueEntry, choice: OutcomeChoice | None
    ) -> None:
        """The outcome dialog closed: "send now" goes to the sending (it asks first);
        anything else is logged."""
        if isinstance(choice, dialogs().SendNow):
            self.messages.send_now(family, entry, choice)
        else:
            self._logged(family, entry, choice)

    def _logged(self, family: list[QueueEntry], entry: QueueEntry, choice: OutcomeChoice | None):
        if choice is None or self.morning is None:
            self._release(family)
            self.refresh_progress([e.pupil.id for e in family])
            return
        morning, at = self.morning, self.now()
        self._write(
            lambda store: logbook.log_attempt(
                store,
                choice.pupil_ids,
                morning.date,
                morning.session,
                choice.channel,
                choice.outcome.key,
                choice.contact,
                reason_code=choice.reason_code,
                callback_at=choice.callback_at,
                at=at,
                release_claims=[e.pupil.id for e in family],  # in the same transaction
            ),
            entry,
            on_error=lambda: self._release(family),
        )

    def _write(
        self,
        write: Callable[[Store], object],
        entry: QueueEntry,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        """Run one store write; say what happened in one line, never a traceback. If
        another writer holds the lock, the row says "saving…", the cursor moves on and the
        keyboard stays live while the write waits its turn (OfficerScreen.write_soon)."""
        # The order as the officer saw it: "next" means the family below, even though the
        # resolved family is about to move to the bottom.
        order_before = self.row_order()
        family = [e.pupil.id for e in self._family(entry)]

        def saved(result: object) -> None:
            moved_on = any(pid in self.saving for pid in family)  # the cursor already has
            self._saved(result, entry, family)
            if not moved_on:
                self.move_to_next_to_call(entry.pupil.id, order_before)

        def busy() -> None:
            for pid in family:
                self.saving.add(pid)
                self.not_saved.pop(pid, None)
            self._repaint_status(family)
            self.move_to_next_to_call(entry.pupil.id, order_before)

        self.write_soon(
            write,
            saved,
            lambda exc: self._write_failed(write, entry, family, on_error, exc),
            on_busy=busy,
        )

    def _write_failed(
        self,
        write: Callable[[Store], object],
        entry: QueueEntry,
        family: list[int],
        on_error: Callable[[], None] | None,
        exc: Exception,
    ) -> None:
        self.saving.difference_update(family)
        if isinstance(exc, StoreError):
            # Not lost: the row says so until it is saved, and ctrl+r runs the same write,
            # with what the officer chose and typed, again.
            for pid in family:
                self.not_saved[pid] = lambda: self._write(write, entry, on_error)
            self.notify(
                f"{exc}\nThe row says NOT SAVED until it is: ctrl+r on it tries again.",
                severity="error",
                timeout=10,
                markup=False,
            )
        else:  # the write itself refused what was asked (a rule of the domain)
            self.notify(str(exc), severity="error", timeout=10, markup=False)
        if on_error is not None:
            on_error()
        self.refresh_progress()
        self._repaint_status(family)

    def _saved(self, result: object, entry: QueueEntry, family: list[int]) -> None:
        """After a write is committed: the rows, the header's "saved:" line."""
        was_waiting = [pid for pid in family if pid in self.saving or pid in self.not_saved]
        self.saving.difference_update(family)
        for pid in family:
            self.not_saved.pop(pid, None)
        if was_waiting:
            self._repaint_status(family)  # saved at last: the marker goes
        summary = getattr(result, "summary", "")
        names = ", ".join(
            self.entries[pid].pupil.display_name
            for pid in getattr(result, "pupil_ids", ())
            if pid in self.entries
        )
        # Said in the header rather than a pop-up: the row itself shows the change, and a
        # toast per outcome costs a layout pass on every confirming key.
        self.last_done = f"{summary} — {names}" if summary else ""
        if self.morning is not None and self.last_done:
            # In the header, beside the date: it confirms the save without moving a row.
            self.app.sub_title = (
                f"{self.morning.date:%a %d %b %Y} · {self.morning.session}"
                f" · saved: {self.last_done}"
            )
        self.refresh_progress(getattr(result, "pupil_ids", None) or (entry.pupil.id,))

    def _repaint_status(self, pupil_ids: Iterable[int]) -> None:
        if self.progress is None:
            return
        table = self.query_one("#queue", DataTable)
        for pid in pupil_ids:
            if str(pid) in table.rows and pid in self.progress.statuses:
                table.update_cell(
                    str(pid), "status", self.status_text(pid, self.progress.statuses[pid])
                )

    def action_retry(self) -> None:
        """Run again the write that failed on this row (the same outcome, reason, note)."""
        entry = self.current_entry()
        if entry is None:
            return
        retry = self.not_saved.get(entry.pupil.id)
        if retry is None:
            self.notify("Nothing on this row is waiting to be saved.")
            return
        retry()

    def action_reason(self) -> None:
        entry = self.current_entry()
        morning = self.morning
        if entry is None or morning is None:
            return

        check = self.reason_check(morning.date, morning.session)

        def pick(family: list[QueueEntry], holder: str | None) -> None:
            def picked(code: str | None) -> None:
                self._release(family)
                if code is None:
                    self.refresh_progress([e.pupil.id for e in family])
                    return
                at = self.now()
                self._write(
                    lambda store: logbook.record_reason(
                        store,
                        [entry.pupil.id],
                        morning.date,
                        morning.session,
                        code,
                        at=at,
                    ),
                    entry,
                )

            self.app.push_screen(
                dialogs().ReasonPicker(
                    f"Reason for {entry.pupil.display_name}",
                    refuse=lambda code: check([entry.pupil.id], code),
                ),
                picked,
            )

        self._guarded(entry, pick)

    def action_note(self) -> None:
        entry = self.current_entry()
        if entry is None or self._still_saving(self._family(entry)):
            return

        def noted(text: str | None) -> None:
            if text:
                at = self.now()
                self._write(
                    lambda store: logbook.add_note(store, entry.pupil.id, text, at=at), entry
                )

        self.app.push_screen(
            dialogs().Prompt(
                f"Note on {entry.pupil.display_name}",
                "what happened, in a sentence",
                check=lambda t: None if t.strip() else "the note is empty",
            ),
            noted,
        )

    def action_callback(self) -> None:
        entry = self.current_entry()
        morning = self.morning
        if entry is None or morning is None or self.progress is None:
            return
        contact = self.progress.statuses[entry.pupil.id].next_contact
        family = self._family(entry)
        if self._still_saving(family):
            return

        def chosen(when: datetime | None) -> None:
            if when is None:
                return
            at = self.now()
            self._write(
                lambda store: logbook.set_callback(
                    store,
                    [e.pupil.id for e in family],
                    morning.date,
                    morning.session,
                    when,
                    contact,
                    at=at,
                ),
                entry,
            )

        later = self.now() + timedelta(minutes=settings.get_int(self.store, "callback_minutes"))
        self.app.push_screen(dialogs().CallbackPrompt(morning.date, f"{later:%H:%M}"), chosen)

    def action_undo(self) -> None:
        if self.saving:
            self.notify("Still saving an entry: undo when it is saved.")
            return
        try:
            with self.store.patience(QUICK_WRITE_MS):  # busy: said at once, try again
                undone = logbook.undo_last(self.store)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if undone is None:
            self.notify("Nothing of yours to undo.")
            return
        self.refresh_progress(undone.pupil_ids)
        names = ", ".join(
            self.entries[pid].pupil.display_name for pid in undone.pupil_ids if pid in self.entries
        )
        self.notify(f"Undone: your last {undone.action} — {names}", timeout=5, markup=False)
        if undone.pupil_ids and undone.pupil_ids[0] in self.entries:
            self.move_to(undone.pupil_ids[0])

    # --- viewing -------------------------------------------------------------------------------

    def action_details(self) -> None:
        """The pupil's case (enter). Back on the queue, reload: writes made from the case
        use this app's own connection, which `data_version` does not report."""
        entry = self.current_entry()
        if entry is None or self.morning is None:
            return
        from screens.case_screen import CaseScreen

        self.app.push_screen(CaseScreen(entry.pupil.id, self.morning.date), self.reload)

    def action_caseload(self) -> None:
        from screens.caseload_screen import CaseloadScreen

        on = self.morning.date if self.morning else None
        self.app.push_screen(CaseloadScreen(on), self.reload)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_details()

    def _filter_box(self) -> Input | None:
        found = self.query("#queue-filter")
        return found.first(Input) if found else None

    def action_filter(self) -> None:
        box = self._filter_box()
        if box is None:  # made on first use: the queue is painted without it
            box = Input(
                placeholder="filter by name, group or UPN — escape clears", id="queue-filter"
            )
            self.mount(box, before=self.query_one("#queue", DataTable))
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "queue-filter":
            self.filter_text = event.value.strip()
            self.rebuild(self.current_pupil_id())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "queue-filter":
            self.query_one("#queue", DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self._filter_box()
        if (box is None or not box.display) and not self.filter_text:
            return
        if box is not None:
            box.value = ""
            box.display = False
        self.filter_text = ""
        self.rebuild(self.current_pupil_id())
        self.query_one("#queue", DataTable).focus()

    def action_toggle_resolved(self) -> None:
        self.hide_resolved = not self.hide_resolved
        self.rebuild(self.current_pupil_id())

    def action_summary(self) -> None:
        from screens.summary_screen import SummaryScreen

        if self.morning is not None:
            self.app.push_screen(SummaryScreen(self.morning.date))

    def action_ladder(self) -> None:
        """The family's ladder: each step, when it was due, when it was done and by whom."""
        entry = self.current_entry()
        if entry is None or self.progress is None:
            return
        from screens.ladder_view import LadderView
        from triage.casework.professionals import professionals_for

        ladder = self.progress.ladders.get(entry.family_id)
        if ladder is not None:
            family = self._family(entry)
            names = {e.pupil.id: e.pupil.display_name for e in family}
            around = professionals_for(self.store, names)
            social_workers = {
                pid: p.reach
                for pid, found in around.items()
                for p in found
                if p.role == "social_worker"
            }
            self.app.push_screen(LadderView(ladder, names, social_workers))

    # --- the DSL step ----------------------------------------------------------------------

    def update_dsl_banner(self) -> None:
        """List the families whose DSL step is due above the queue, until an officer records
        "DSL told" (`D`). A banner, not a dialog: it never takes the keyboard, so nothing
        typed as a step falls due is lost. On the live tick and after every write."""
        if self.morning is None or self.progress is None:
            return
        due: list[DslDue] = []
        if self.morning.date == self.now().date():  # the ladder's clock is today's
            due = dsl_due(self.progress.ladders)
        if due:
            # Acknowledged by the notification this banner replaced: counted as told.
            told = acknowledged(
                self.store,
                self.morning.date,
                self.morning.session,
                [pid for d in due for pid in d.pupil_ids],
            )
            if told:
                due = dsl_due(self.progress.ladders, told.keys())
        names = {
            pid: self.entries[pid].pupil.display_name
            for d in due
            for pid in d.pupil_ids
            if pid in self.entries
        }
        self.query_one("#dsl-banner", DslBanner).show_due(
            due, names, hint=self.triage_app.access.can_write
        )

    def action_dsl_told(self) -> None:
        """`D`: the designated safeguarding lead has been told about this family. One write
        does the ladder's DSL step (who and when) for the family's pupils whose step is due."""
        entry = self.current_entry()
        morning = self.morning
        if entry is None or morning is None or self.progress is None:
            return
        ladder = self.progress.ladders.get(entry.family_id)
        refusal = dsl_not_due(ladder, entry.family_id)
        if refusal is not None:
            self.notify(refusal, severity="warning", timeout=8, markup=False)
            return
        assert ladder is not None  # without a ladder, no DSL step is due

        def tell(family: list[QueueEntry], _holder: str | None) -> None:
            at = self.now()
            self._write(
                lambda store: logbook.tell_dsl(
                    store,
                    ladder,
                    morning.date,
                    morning.session,
                    at=at,
                    release_claims=[e.pupil.id for e in family],
                ),
                entry,
                on_error=lambda: self._release(family),
            )

        self._guarded(entry, tell)

    def action_send_due_texts(self) -> None:
        """`T`: the ladder's due text to every family still to be reached, after one
        confirmation (screens/queue_messages.py)."""
        self.messages.send_due_texts()

    def action_imports(self) -> None:
        from screens.import_screen import ImportScreen

        self.app.push_screen(ImportScreen())

    def action_help(self) -> None:
        from screens.help_screen import HelpScreen

        self.app.push_screen(HelpScreen(self))

    # --- home visits (docs/visits.md) ------------------------------------------------------

    def update_visit_banner(self) -> None:
        """A home visit whose officer is overdue back: a banner until somebody acts."""
        from triage.visits.lone_working import overdue_now

        try:
            overdue = overdue_now(self.store, self.now())
        except StoreError:
            return
        self.query_one("#visit-banner", VisitBanner).show_overdue(overdue)

    def action_reports(self) -> None:
        from screens.reports_screen import ReportsScreen

        self.app.push_screen(ReportsScreen())

    def action_visits(self) -> None:
        from screens.visits_screen import VisitsScreen

        self.app.push_screen(VisitsScreen(), self.reload)

    def action_plan_visit(self) -> None:
        """`p`: plan a home visit to the family today (on the visits list, taken by this
        officer). `v` still logs a visit's outcome straight away (v then 1-5, as before)."""
        from triage.visits import lone_working
        from triage.visits.day import PLANNED, PROPOSED, DayVisit

        entry, morning = self.current_entry(), self.morning
        if entry is None or morning is None:
            return
        family = self._family(entry)
        visit = DayVisit(
            None, morning.date, morning.session, entry.family_id,
            tuple(e.pupil for e in family), (), PLANNED, None, 0, (), (), PROPOSED,
        )  # fmt: skip
        try:
            lone_working.plan(self.store, visit)
        except (ValueError, StoreError) as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.notify(
            f"Family {entry.family_id}: visit planned for today (V: the list)", markup=False
        )
