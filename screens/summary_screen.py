"""The end-of-day summary (`s` from the queue; `[` and `]` for the day before and after).

The figures come from `triage.reports.summary`, read in a worker thread (a term of marks for the
whole school); the screen only lays them out.
"""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.officer_screen import TriageScreen
from screens.widgets.footer import SteadyFooter
from screens.widgets.title_bar import TitleBar
from triage.render.summary_report import (
    attendance_chart,
    headline,
    timeliness_names,
    timeliness_table,
)
from triage.reports.summary import DaySummary, day_summary
from triage.store import StoreError


class SummaryScreen(TriageScreen):
    CSS_PATH = "summary_screen.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back to the queue"),
        Binding("left_square_bracket", "day(-1)", "Day before"),
        Binding("right_square_bracket", "day(1)", "Day after"),
    ]

    def __init__(self, on: date) -> None:
        super().__init__()
        self.on = on
        self.days: list[date] = []
        self.summary: DaySummary | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll():
            yield Static("Counting…", id="summary-title")
            yield Static("", id="summary-figures")
            yield Static("", id="summary-ladder")
            yield Static("", id="summary-chart")
            yield Static("", id="summary-unexplained")
            yield Static("", id="summary-officers")
            yield Static("", id="summary-celebrate")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_day(self, step: int) -> None:
        if self.days and self.on in self.days:
            i = self.days.index(self.on) + step
            if 0 <= i < len(self.days):
                self.on = self.days[i]
                self.load()

    @work(thread=True, exclusive=True, group="summary")
    def load(self) -> None:
        app = self.triage_app
        try:
            with app.connect() as store:
                days = store.school_days()
                summary = day_summary(store, self.on)
        except StoreError as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self.show, summary, days)

    def show(self, s: DaySummary, days: list[date]) -> None:
        self.days = days
        self.summary = s
        self.query_one("#summary-title", Static).update(
            Text(f"End of day — {s.date:%A %d %B %Y}   ([ and ] for other days)", style="bold")
        )
        figures = Table(box=None, show_header=False, pad_edge=False)
        figures.add_column(style="bold")
        figures.add_column()
        for key, value in headline(s):
            figures.add_row(key, Text(value))
        self.query_one("#summary-figures", Static).update(figures)
        self.query_one("#summary-chart", Static).update(attendance_chart(s.last_school_days))
        unexplained = Text("Still unexplained at the end of the day\n", style="bold")
        for u in s.unexplained:
            unexplained.append(f"  {u.name} ({u.year_group}) {u.session}: ")
            unexplained.append("; ".join(u.tried) or "no contact attempted", style="dim")
            unexplained.append("\n")
        if not s.unexplained:
            unexplained.append("  none\n")
        self.query_one("#summary-unexplained", Static).update(unexplained)
        ladder: RenderableType = Text("")
        if s.timeliness:
            ladder = Group(
                Text(
                    "First-day calling ladder: families reached on time, late, or not at all",
                    style="bold",
                ),
                timeliness_table(s.timeliness),
                timeliness_names(s.timeliness),
            )
        self.query_one("#summary-ladder", Static).update(ladder)
        officers = Text("Work per officer\n", style="bold")
        for officer, counts in s.per_officer.items():
            officers.append(
                f"  {officer}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + "\n"
            )
        self.query_one("#summary-officers", Static).update(officers)
        celebrate = Text(
            f"Celebrate: {len(s.full_attendance)} pupil(s) at 100% this term\n", style="bold"
        )
        for i in s.most_improved:
            celebrate.append(f"  {i.name}: {i.before:.0f}% → {i.after:.0f}%\n")
        self.query_one("#summary-celebrate", Static).update(celebrate)
