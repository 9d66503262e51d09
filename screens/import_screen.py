"""The import screen (`i`): the inbox at a glance, and any CSV imported by hand.

Lists what is waiting in the inbox, what was imported today and what was rejected today
(with its first error), checks the inbox now, and offers a file picker. The picker starts
in the officer's home folder (or where it was last this session); a path typed or pasted
above it (``ctrl+l``) opens a folder or imports a file anywhere (``/tmp``, a share, a USB
stick), and ``backspace`` goes up a folder. Imports run in a worker thread with a progress
bar; the queue behind refreshes itself when the import lands.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, DirectoryTree, Input, ProgressBar, Static

from screens.officer_screen import TriageScreen
from screens.widgets.footer import SteadyFooter
from screens.widgets.title_bar import TitleBar
from triage.imports import inbox
from triage.imports.csvfile import ImportFileError, read_csv
from triage.imports.importers import import_files
from triage.sanitise import excerpt
from triage.store import StoreError


class CsvTree(DirectoryTree):
    """Folders and CSV-like files only; hidden ones left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in inbox.CSV_SUFFIXES)
        ]


def typed_path(text: str, here: Path) -> Path | None:
    """The path an officer typed or pasted, as they meant it: ``~`` is their home, a
    relative path is inside the folder shown (``..`` is its parent), and what a file
    manager or a terminal adds when pasting is taken off (quotes round it, a ``file://``
    address, a backslash before a space). None for nothing typed."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.exists() and "\\" in text:  # /media/usb/May\ marks.csv
        try:
            words = shlex.split(text)
        except ValueError:
            words = []
        if len(words) == 1:
            path = Path(words[0]).expanduser()
    return path if path.is_absolute() else here / path


class ImportScreen(TriageScreen):
    CSS_PATH = "import_screen.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back to the queue"),
        Binding("i", "check_now", "Check inbox"),
        Binding("ctrl+l", "type_path", "Type a path"),
        Binding("backspace", "folder_up", "Up a folder"),
        Binding("tab", "focus_next", "Next pane", show=False),
    ]

    def __init__(self, home: Path | None = None) -> None:
        super().__init__()
        self.home = home or Path.home()

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="import-folder")
        with Horizontal():
            with Vertical(id="inbox-pane"):
                yield Static(Text("Inbox", style="bold"))
                table: DataTable = DataTable(id="inbox-files", cursor_type="row")
                table.add_columns("", "File", "First error")
                yield table
            with Vertical(id="picker-pane"):
                yield Static(Text("Import a file (enter on a CSV)", style="bold"))
                yield Input(placeholder="type or paste a path (ctrl+l)", id="picker-path")
                start = self.triage_app.import_folder or self.home
                yield Static(self.folder_label(start), id="picker-folder")
                yield CsvTree(start, id="picker")
        yield ProgressBar(id="import-progress", total=100, show_eta=False)
        yield Static("", id="import-result")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        self.action_check_now()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_check_now(self) -> None:
        self.check_inbox()

    @staticmethod
    def folder_label(folder: Path) -> Text:
        """The whole path of the folder shown (the tree's top line shows only its name)."""
        return Text(f"in {folder}", style="dim")

    def action_type_path(self) -> None:
        self.query_one("#picker-path", Input).focus()

    def action_folder_up(self) -> None:
        """The folder above the one shown (from the home folder: /home, then /)."""
        here = Path(self.query_one(CsvTree).path).expanduser().resolve()
        self.show_folder(here.parent)

    def show_folder(self, folder: Path) -> bool:
        """Show ``folder`` in the picker (and remember it for this session); False, and
        one line saying why, for a folder this login may not open."""
        if not os.access(folder, os.R_OK | os.X_OK):
            self.notify(
                f"Cannot open the folder {excerpt(str(folder))}: permission denied",
                severity="error",
                markup=False,
            )
            return False
        tree = self.query_one(CsvTree)
        if Path(tree.path) != folder:
            tree.path = folder
        self.query_one("#picker-folder", Static).update(self.folder_label(folder))
        self.triage_app.import_folder = folder
        return True

    @on(Input.Submitted, "#picker-path")
    def path_typed(self, event: Input.Submitted) -> None:
        """A folder: the picker moves there. A file: it is imported (checked like any
        other; a file that is not an export is refused with its reason)."""
        try:
            path = typed_path(event.value, Path(self.query_one(CsvTree).path))
            if path is None:
                return
            is_folder, is_file = path.is_dir(), path.is_file()
        except OSError as exc:  # a name too long for the file system, and the like
            self.notify(
                f"Cannot use {excerpt(event.value.strip())}: {exc.strerror or exc}",
                severity="error",
                markup=False,
            )
            return
        if is_folder:
            if self.show_folder(path):
                event.input.value = ""
                self.query_one(CsvTree).focus()
        elif is_file:
            self.show_folder(path.parent)
            event.input.value = ""
            self.import_file(path)
        else:  # left in the box, to mend a typing slip
            self.notify(
                f"There is no file or folder at {excerpt(str(path))}",
                severity="error",
                markup=False,
            )

    @work(thread=True, exclusive=True, group="inbox")
    def check_inbox(self) -> None:
        """Look at the inbox twice a moment apart (only unchanged files are taken)."""
        import time

        app = self.triage_app
        try:
            with app.connect() as store:
                folder = inbox.inbox_folder(store)
                first = inbox.look(folder)
                time.sleep(0.3)
                results, _ = inbox.check(store, first)
                shown = inbox.listing(store)
        except (StoreError, OSError) as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self.show_listing, folder, shown)
        for result in results:
            app.call_from_thread(app.report_inbox_result, result)

    def show_listing(self, folder: Path, shown: dict[str, list[tuple[str, str]]]) -> None:
        self.query_one("#import-folder", Static).update(Text(f"Inbox folder: {folder}"))
        table = self.query_one("#inbox-files", DataTable)
        table.clear()
        labels = {"waiting": "waiting", "done": "done today", "rejected": "REJECTED today"}
        for section in ("waiting", "rejected", "done"):
            for name, error in shown[section]:
                style = "bold red" if section == "rejected" else ""
                table.add_row(Text(labels[section], style=style), Text(name), Text(error))
        if table.row_count == 0:
            table.add_row("", Text("(the inbox is empty)"), "")

    @on(DirectoryTree.FileSelected, "#picker")
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.import_file(event.path)

    @work(thread=True, exclusive=True, group="inbox")
    def import_file(self, path: Path) -> None:
        app = self.triage_app
        bar = self.query_one("#import-progress", ProgressBar)
        app.call_from_thread(setattr, bar, "display", True)

        def progress(done: int, total: int) -> None:
            app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        try:
            kind = inbox.detect_kind(read_csv(path).headers)
            if kind is None:
                raise ImportFileError(
                    path, [(1, "cannot tell whether this is a pupils, contacts or marks file")]
                )
            with app.connect() as store:
                report = import_files(store, kind, [path], progress=progress)
        except (ImportFileError, StoreError) as exc:
            message = exc.message if isinstance(exc, ImportFileError) else str(exc)
            app.call_from_thread(self.show_result, Text(message, style="bold red"))
            return
        finally:
            app.call_from_thread(setattr, bar, "display", False)
        app.call_from_thread(self.show_result, Text("\n".join(report.lines())))

    def show_result(self, text: Text) -> None:
        self.query_one("#import-result", Static).update(text)
