"""The caseload (`w` from the queue): every pupil above Expect or with an alert nobody has
acknowledged, filterable and sortable; `enter` opens the case.

The rows come from :func:`triage.casework.chronology.load_caseload` (alerts over every pupil's
year, so a worker in group ``case``). Filters: `/` a name, UPN or group; `s` cycles the
stage, `a` the kind of alert, `y` the year group, `g` the registration group; `o` cycles
the sort order. Escape clears the filters, then goes back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from screens.case_screen import CaseScreen, default_day
from screens.commands import BindingCommands
from screens.help_screen import HelpScreen
from screens.officer_screen import TriageScreen, pupil_at_cursor
from screens.widgets.footer import SteadyFooter
from screens.widgets.title_bar import TitleBar
from triage.casework.alerts import ALERT_KINDS, ALERT_LABELS
from triage.casework.chronology import CaseloadRow, load_caseload
from triage.model import STAGES, stage_rank, year_label
from triage.settings import stage_names
from triage.store import StoreError

COLUMNS = (
    ("name", "Name"),
    ("stage", "Stage"),
    ("alerts", "Alerts"),
    ("att", "Att%"),
    ("rolling", "10wk"),
    ("review", "Review"),
    ("year", "Yr/Grp"),
    ("alert", "First open alert"),
    ("suggested", "Suggested"),
)
_KIND_ORDER = {k: i for i, k in enumerate(ALERT_KINDS)}


def _first_alert_rank(row: CaseloadRow) -> int:
    return min((_KIND_ORDER[a.kind] for a in row.open_alerts), default=len(ALERT_KINDS))


def _name_key(row: CaseloadRow) -> tuple:
    p = row.pupil
    return (p.legal_surname.casefold(), p.forename.casefold(), p.upn)


# name -> (what the officer reads, the key; smaller first)
SORTS: dict[str, tuple[str, Callable[[CaseloadRow], tuple]]] = {
    "alerts": (
        "most urgent alert first",
        lambda r: (
            (_first_alert_rank(r), -len(r.open_alerts), -stage_rank(r.pupil.stage)) + _name_key(r)
        ),
    ),
    "stage": ("highest stage first", lambda r: (-stage_rank(r.pupil.stage),) + _name_key(r)),
    "attendance": (
        "lowest attendance first",
        lambda r: (r.year.percent if r.year.percent is not None else 101.0,) + _name_key(r),
    ),
    "review": (
        "soonest review first",
        lambda r: (r.next_review is None, r.next_review or date.max) + _name_key(r),
    ),
    "name": ("by name", _name_key),
}


class CaseloadScreen(TriageScreen):
    CSS_PATH = "caseload_screen.tcss"
    COMMANDS = {BindingCommands}
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open_case", "Open case", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle('stage')", "Stage"),
        Binding("a", "cycle('alert')", "Alert"),
        Binding("y", "cycle('year')", "Year"),
        Binding("g", "cycle('group')", "Group"),
        Binding("o", "sort", "Sort"),
        Binding("question_mark", "help", "Help"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, on: date | None = None) -> None:
        super().__init__()
        self.on_date = on
        self.rows: list[CaseloadRow] = []
        self.filters: dict[str, str | None] = {
            "stage": None,
            "alert": None,
            "year": None,
            "group": None,
        }
        self.text_filter = ""
        self.sort = "alerts"
        self.loaded = False
        self.stage_names: dict[str, str] = {}  # DfE stage -> the school's name for it

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(Text("Reading every pupil's alerts…"), id="caseload-summary")
        yield Input(
            placeholder="filter by name, UPN or group — escape clears", id="caseload-filter"
        )
        table: DataTable = DataTable(id="caseload", cursor_type="row", zebra_stripes=True)
        for key, heading in COLUMNS:
            table.add_column(heading, key=key)
        yield table
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.title = "Caseload"
        self.query_one("#caseload-filter").display = False
        self.query_one("#caseload", DataTable).focus()
        self.load()

    # --- reading --------------------------------------------------------------------------

    def reload(self, _closed: object = None) -> None:
        """Read the caseload again when a case closes (whatever it returns)."""
        self.load()

    @work(thread=True, exclusive=True, group="case")
    def load(self) -> None:
        app = self.triage_app
        try:
            with app.connect() as store:
                on = self.on_date or app.requested_date or default_day(store, app)
                rows = load_caseload(store, on)
                names = stage_names(store)
        except (StoreError, ValueError) as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self.show, rows, on, names)

    def show(self, rows: list[CaseloadRow], on: date, names: dict[str, str] | None = None) -> None:
        if self not in self.app.screen_stack:
            return  # closed while it was being read
        self.rows = rows
        self.stage_names = names or {}
        self.on_date = on
        self.loaded = True
        self.sub_title = f"as on {on:%a %d %b %Y}"
        self.rebuild()
        self.query_one("#caseload", DataTable).focus()

    # --- what is shown ----------------------------------------------------------------------

    def _values(self, name: str, rows: list[CaseloadRow] | None = None) -> list[str]:
        """The values a filter can take, in a sensible order, from the rows there are."""
        rows = self.rows if rows is None else rows
        if name == "stage":
            present = {r.pupil.stage for r in rows}
            return [s for s in STAGES if s in present]
        if name == "alert":
            present = {a.kind for r in rows for a in r.open_alerts}
            return [k for k in ALERT_KINDS if k in present]
        if name == "year":
            years = {r.pupil.year_group for r in rows if r.pupil.year_group is not None}
            return [year_label(y) for y in sorted(years)]
        if self.filters["year"] is not None:  # groups of the chosen year only
            rows = [r for r in rows if year_label(r.pupil.year_group) == self.filters["year"]]
        return sorted({r.pupil.reg_group for r in rows if r.pupil.reg_group})

    def _keep(self, row: CaseloadRow) -> bool:
        p, f = row.pupil, self.filters
        if f["stage"] is not None and p.stage != f["stage"]:
            return False
        if f["alert"] is not None and all(a.kind != f["alert"] for a in row.open_alerts):
            return False
        if f["year"] is not None and year_label(p.year_group) != f["year"]:
            return False
        if f["group"] is not None and p.reg_group != f["group"]:
            return False
        if self.text_filter:
            needle = self.text_filter.casefold()
            haystack = f"{p.display_name} {p.legal_forename} {p.upn} {p.reg_group or ''}"
            if needle not in haystack.casefold():
                return False
        return True

    def visible_rows(self) -> list[CaseloadRow]:
        _label, key = SORTS[self.sort]
        return sorted((r for r in self.rows if self._keep(r)), key=key)

    def rebuild(self) -> None:
        table = self.query_one("#caseload", DataTable)
        keep = self.current_pupil_id()
        table.clear()
        for row in self.visible_rows():
            table.add_row(*self.cells(row, self.stage_names), key=str(row.pupil.id))
        if keep is not None and str(keep) in table.rows:
            table.move_cursor(row=table.get_row_index(str(keep)))
        self.update_summary()

    @staticmethod
    def cells(row: CaseloadRow, names: Mapping[str, str] | None = None) -> list:
        """The row's cells; ``names``: the school's names for the stages (DfE -> name)."""
        names = names or {}
        p = row.pupil
        waiting = row.open_alerts
        seen = len(row.alerts) - len(waiting)
        alerts_text = Text(str(len(waiting)), style="bold yellow" if waiting else "")
        if seen:
            alerts_text.append(f" (+{seen} seen)", style="dim")
        first = min(waiting, key=lambda a: _KIND_ORDER[a.kind], default=None)
        pct = row.year.percent
        return [
            Text(p.display_name),
            Text(names.get(p.stage, p.stage)),
            alerts_text,
            Text("" if pct is None else f"{pct:.0f}", style=_att_style(row)),
            str(row.rolling_unauthorised),
            "" if row.next_review is None else f"{row.next_review:%d/%m/%y}",
            Text(f"{year_label(p.year_group)} {p.reg_group or ''}"),
            Text(first.label if first else ""),
            Text(
                names.get(row.suggestion.stage, row.suggestion.stage) if row.suggestion else "",
                style="magenta",
            ),
        ]

    def update_summary(self) -> None:
        if not self.loaded:
            return
        visible = self.query_one("#caseload", DataTable).row_count
        waiting = Counter(a.kind for r in self.rows for a in r.open_alerts)
        text = Text(f"{len(self.rows)} pupils on the caseload", style="bold")
        text.append(f" · {sum(waiting.values())} open alerts", style="bold yellow")
        if waiting:
            text.append(
                " ("
                + ", ".join(f"{ALERT_LABELS[k]} {waiting[k]}" for k in ALERT_KINDS if k in waiting)
                + ")",
                style="dim",
            )
        text.append(f"\nshowing {visible} · sort: {SORTS[self.sort][0]} (o)")
        names = {**self.stage_names, **ALERT_LABELS}  # what each filter's value is called
        chosen = [
            f"{name}: {names.get(value, value)}"
            for name, value in self.filters.items()
            if value is not None
        ]
        if self.text_filter:
            chosen.append(f"text: {self.text_filter}")
        text.append(
            " · filters: " + "; ".join(chosen) if chosen else " · filters: none (/ s a y g)"
        )
        self.query_one("#caseload-summary", Static).update(text)

    # --- keys ------------------------------------------------------------------------------

    def current_pupil_id(self) -> int | None:
        return pupil_at_cursor(self.query_one("#caseload", DataTable))

    def action_cycle(self, name: str) -> None:
        """The next value of a filter; after the last, the filter is off again."""
        values: list[str | None] = [None, *self._values(name)]
        current = self.filters[name]
        index = values.index(current) if current in values else 0
        self.filters[name] = values[(index + 1) % len(values)]
        if name == "year":
            self.filters["group"] = None  # a group belongs to a year
        self.rebuild()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.rebuild()

    def action_filter(self) -> None:
        box = self.query_one("#caseload-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "caseload-filter":
            self.text_filter = event.value.strip()
            self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "caseload-filter":
            self.query_one("#caseload", DataTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#caseload-filter", Input)
        if box.display or self.text_filter or any(v is not None for v in self.filters.values()):
            box.value = ""
            box.display = False
            self.text_filter = ""
            self.filters = dict.fromkeys(self.filters)
            self.rebuild()
            self.query_one("#caseload", DataTable).focus()
            return
        self.dismiss(None)

    def action_open_case(self) -> None:
        pid = self.current_pupil_id()
        if pid is not None:
            self.app.push_screen(CaseScreen(pid, self.on_date), self.reload)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    def action_cursor_down(self) -> None:
        self.query_one("#caseload", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#caseload", DataTable).action_cursor_up()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))


def _att_style(row: CaseloadRow) -> str:
    if row.year.severe_absence:
        return "bold red"
    if row.year.persistent_absence:
        return "yellow"
    return ""
