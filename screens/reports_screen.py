"""The reports for the people above the officer, on screen: cohorts, a head of year's week,
the targeting support meeting's list and lateness (``1``-``4``; ``[`` and ``]`` for another
year group; ``n`` for the version without names). The same figures as ``triage report``:
both ask :func:`triage.reports.catalogue.make_report`, here in a worker thread (a term of
marks for the whole school); the screen only lays the sections out.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Static

from screens.officer_screen import TriageScreen
from screens.widgets.footer import SteadyFooter
from screens.widgets.title_bar import TitleBar
from triage.render.reports import facts_table, section_table
from triage.reports.catalogue import KIND_LABELS, KINDS, make_report
from triage.reports.document import ReportDoc
from triage.store import StoreError
from triage.store.report_figures import year_groups


class ReportsScreen(TriageScreen):
    CSS_PATH = "reports_screen.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "show('cohorts')", "Cohorts"),
        Binding("2", "show('year')", "Head of year"),
        Binding("3", "show('tsm')", "Targeting meeting"),
        Binding("4", "show('lateness')", "Lateness"),
        Binding("left_square_bracket", "year(-1)", "Year before", show=False),
        Binding("right_square_bracket", "year(1)", "Year after", show=False),
        Binding("n", "toggle_names", "Names on/off"),
    ]

    def __init__(self, kind: str = "cohorts") -> None:
        super().__init__()
        self.kind = kind if kind in KINDS else "cohorts"
        self.years: list[int] = []
        self.year_group: int | None = None
        self.names = True
        self.doc: ReportDoc | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("Counting…", id="reports-title")
        with ScrollableContainer(id="reports-body"):
            yield Static("", id="reports-facts")
            yield Static("", id="reports-sections")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show(self, kind: str) -> None:
        self.kind = kind
        self.load()

    def action_year(self, step: int) -> None:
        if self.kind == "year" and self.years and self.year_group in self.years:
            i = self.years.index(self.year_group) + step
            if 0 <= i < len(self.years):
                self.year_group = self.years[i]
                self.load()

    def action_toggle_names(self) -> None:
        self.names = not self.names
        self.load()

    @work(thread=True, exclusive=True, group="reports")
    def load(self) -> None:
        app = self.triage_app
        kind, names = self.kind, self.names
        try:
            with app.connect() as store:
                years = year_groups(store)
                year = (
                    self.year_group if self.year_group in years else (years[0] if years else None)
                )
                doc = make_report(store, kind, year_group=year, names=names)
        except (StoreError, ValueError) as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            app.call_from_thread(self._title, Text(f"{KIND_LABELS[kind]}: no report"))
            return
        app.call_from_thread(self.show, doc, years, year)

    def _title(self, text: Text) -> None:
        self.query_one("#reports-title", Static).update(text)

    def show(self, doc: ReportDoc, years: list[int], year: int | None) -> None:
        self.doc, self.years, self.year_group = doc, years, year
        keys = "  1 cohorts · 2 head of year · 3 targeting meeting · 4 lateness"
        if doc.kind == "year":
            keys += " · [ ] year"
        title = Text(doc.title, style="bold")
        title.append(("" if doc.names else "  (without names)") + keys, style="dim")
        self._title(title)
        self.query_one("#reports-facts", Static).update(facts_table(doc))
        parts: list[RenderableType] = []
        for section in doc.sections:
            parts.append(Text(f"\n{section.title}", style="bold"))
            parts.append(
                section_table(section, drop_empty=True) if section.rows else Text("  none")
            )
            if section.note:
                parts.append(Text(section.note, style="dim"))
        sections = Group(*parts)
        # As wide as its widest table, not wrapped: the body scrolls sideways on a narrow
        # terminal rather than cutting names into pieces.
        console = self.app.console
        widest = console.measure(sections, options=console.options.update_width(1000)).maximum
        static = self.query_one("#reports-sections", Static)
        static.styles.width = widest + 2
        static.update(sections)
