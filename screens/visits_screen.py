"""The day's home visits (`V` on the queue, or the palette): proposed and planned visits
grouped into a round by area, and the lone-working keys: plan or drop, take, start, end,
more time, escalate. The screen asks :mod:`triage.visits` and shows what comes back."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.officer_screen import OfficerScreen
from screens.widgets.footer import SteadyFooter
from screens.widgets.visit_banner import VisitBanner
from triage.morning.outcomes import REASONS
from triage.store import Store, StoreError
from triage.visits import lone_working
from triage.visits.day import DayVisit, VisitDay, load_day
from triage.visits.lone_working import ENDINGS, VisitError, overdue_now

LIVE_CHECK_SECONDS = 1.0
EXTENSIONS = (15, 30, 45, 60)
# Who, where and how it stands first (they fit at 80 columns); why last, the longest.
COLUMNS = (
    ("area", "Area", 6),
    ("fam", "Fam", 3),
    ("pupils", "Pupils", 16),
    ("address", "Address", 20),
    ("state", "State", 8),
    ("back", "Back", 5),
    ("officer", "Officer", 10),
    ("reason", "Why", 40),
)


def visits_commands():
    from screens.commands import BindingCommands

    return BindingCommands


class VisitsScreen(OfficerScreen):
    CSS_PATH = "visits_screen.tcss"
    COMMANDS = {visits_commands}
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("p", "plan", "Plan/drop"),
        Binding("a", "take", "Take"),
        Binding("s", "start", "Start"),
        Binding("e", "end", "End"),
        Binding("m", "extend", "More time"),
        Binding("E", "escalate", "Escalate"),
    ]
    WRITE_ACTIONS = frozenset({"plan", "take", "start", "end", "extend", "escalate"})

    def __init__(self) -> None:
        super().__init__()
        self.day: VisitDay | None = None
        self.visits: list[DayVisit] = []

    def compose(self) -> ComposeResult:
        yield Static("Reading the day's visits…", id="visits-title")
        yield VisitBanner(id="visit-banner")
        table: DataTable = DataTable(id="visits", cursor_type="row", zebra_stripes=True)
        for key, heading, width in COLUMNS:
            table.add_column(Text(heading), key=key, width=width)
        yield table
        yield Static(Text(""), id="visit-detail")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.load()
        self.update_banner()
        self.set_interval(LIVE_CHECK_SECONDS, self.update_banner)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            with self.triage_app.connect() as store:
                day = load_day(store, self.triage_app.requested_date, self.now())
        except (StoreError, ValueError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, day)

    def show(self, day: VisitDay) -> None:
        table = self.query_one("#visits", DataTable)
        keep = table.cursor_row
        self.day, self.visits = day, day.visits
        table.clear()
        for area, visits in day.rounds:
            for n, v in enumerate(visits):
                table.add_row(*self.cells(area if n == 0 else "", v))
        if self.visits:
            table.move_cursor(row=min(keep, len(self.visits) - 1))
        self.query_one("#visits-title", Static).update(
            Text(
                f"Home visits {day.date:%A %d %B %Y}: {len(self.visits)} in "
                f"{len(day.rounds)} areas — OFFICIAL-SENSITIVE"
            )
        )
        self.show_detail()

    def cells(self, area: str, v: DayVisit) -> list[Text]:
        row = v.row
        back = ""
        if row is not None and row.state == "started" and row.expected_back:
            from triage.dates import parse_stamp

            back = f"{parse_stamp(row.expected_back).astimezone():%H:%M}"
        state = v.state
        if row is not None and row.state == "ended" and row.outcome:
            state = f"ended: {row.outcome}"
        style = "bold" if v.safeguarding else ""
        return [
            Text(area),
            Text(str(v.family_number or "")),
            Text(v.names, style=style),
            Text(v.address or "no address on file"),
            Text(state),
            Text(back),
            Text(v.officer or ""),
            Text(v.reason),
        ]

    def current(self) -> DayVisit | None:
        table = self.query_one("#visits", DataTable)
        if not self.visits or table.cursor_row >= len(self.visits):
            return None
        return self.visits[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        v = self.current()
        lines = []
        if v is not None:
            lines.append(f"{v.label} — {v.where or 'no address on file'}")
            for c in v.contacts:
                numbers = ", ".join(c.numbers) or "no number"
                lines.append(f"  {c.priority}. {c.name} ({c.relationship or '?'}): {numbers}")
            lines.append("Tried: " + ("; ".join(v.tried) or "nothing yet"))
        self.query_one("#visit-detail", Static).update(Text("\n".join(lines)))

    def update_banner(self) -> None:
        """The live tick: the overdue returns, from one small read of the open visits."""
        try:
            overdue = overdue_now(self.store, self.now())
        except StoreError:
            return
        self.query_one("#visit-banner", VisitBanner).show_overdue(overdue)

    # --- the keys ----------------------------------------------------------------------

    def _do(self, write: Callable[[Store, DayVisit], object], done: str) -> None:
        v = self.current()
        if v is None:
            return
        try:
            write(self.store, v)
        except (VisitError, StoreError, ValueError) as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.notify(f"{v.label}: {done}", markup=False)
        self.update_banner()
        self.load()

    def action_plan(self) -> None:
        v = self.current()
        if v is None:
            return
        if v.state in ("proposed",):
            self._do(lone_working.plan, "planned")
        else:
            self._do(lone_working.drop, "dropped from today's list")

    def action_take(self) -> None:
        self._do(lone_working.take, "yours")

    def action_start(self) -> None:
        at = self.now()
        self._do(lambda s, v: lone_working.start(s, v, at=at), "started: you are expected back")

    def action_extend(self) -> None:
        from screens.case_dialogs import Choice

        options = [(str(m), f"{m} minutes more") for m in EXTENSIONS]

        def chosen(minutes: str | None) -> None:
            if minutes is not None:
                at = self.now()
                self._do(lambda s, v: lone_working.extend(s, v, int(minutes), at=at), "more time")

        self.app.push_screen(Choice("Expected back in…", options), chosen)

    def action_escalate(self) -> None:
        at = self.now()
        self._do(lambda s, v: lone_working.escalate(s, v, at=at), "overdue return escalated")

    def action_end(self) -> None:
        from screens.case_dialogs import Choice

        options = [(e.key, e.label) for e in ENDINGS]

        def ended(key: str | None) -> None:
            if key is None:
                return
            if next(e for e in ENDINGS if e.key == key).asks_reason:
                reasons = [(r.code, f"{r.code}  {r.label}") for r in REASONS]
                self.app.push_screen(
                    Choice("The reason given", reasons), lambda code: self._end(key, code)
                )
            else:
                self._end(key, None)

        self.app.push_screen(Choice("How did the visit end?", options), ended)

    def _end(self, key: str, code: str | None) -> None:
        if code is None and next(e for e in ENDINGS if e.key == key).asks_reason:
            return
        at = self.now()
        self._do(lambda s, v: lone_working.end(s, v, key, reason_code=code, at=at), "visit ended")
