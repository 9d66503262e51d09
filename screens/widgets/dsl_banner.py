"""The queue's safeguarding banner: the families whose DSL step is due, until an officer
records "DSL told" (`D` on the family). It never takes the keyboard: it cannot be focused,
and what the officer is typing goes on into the queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from triage.morning.ladder import DslDue

HEAD = "DSL due:"
HINT = "D on the family: DSL told"
MAX_LINES = 2
MAX_NAME = 24  # one long name must not push every other family off the banner


def banner_text(
    due: Sequence[DslDue], names: Mapping[int, str], width: int, hint: bool = True
) -> Text:
    """``DSL due: fam 3 Hamza Shaw 13:15 · fam 7 … — D on the family: DSL told`` in at most
    two lines of ``width`` cells: as many families as fit, earliest due first, then
    "+N more". ``hint`` False (a viewer, who cannot record it) leaves out the key."""
    labels = [_label(d, names) for d in due]
    for shown in range(len(labels), 0, -1):
        lines = _wrap(labels[:shown], len(labels) - shown, width, hint)
        if len(lines) <= MAX_LINES:
            return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
    # Not even one family fits (a very narrow terminal): the count, cut at the edge.
    return Text(
        f"{HEAD} {len(labels)} families" + (f" — {HINT}" if hint else ""),
        no_wrap=True,
        overflow="ellipsis",
    )


def _label(due: DslDue, names: Mapping[int, str]) -> str:
    who = ", ".join(_short(names.get(pid, f"pupil {pid}")) for pid in due.pupil_ids)
    return f"fam {due.family_id} {who} {due.due:%H:%M}"


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _wrap(labels: Sequence[str], more: int, width: int, hint: bool) -> list[str]:
    """The banner's lines, each token kept whole: a family is never split across lines."""
    tokens = [("", f"{HEAD} {labels[0]}")] + [(" · ", label) for label in labels[1:]]
    if more:
        tokens.append((" · ", f"+{more} more"))
    if hint:
        tokens.append((" — ", HINT))
    lines: list[str] = []
    line = ""
    for joiner, token in tokens:
        if line and cell_len(line + joiner + token) <= width:
            line += joiner + token
            continue
        if line:
            lines.append(line)
        line = token
    lines.append(line)
    return lines


class DslBanner(Static):
    """Red and bold above the queue while any family's DSL step is due; hidden otherwise."""

    DEFAULT_CSS = """
    DslBanner {
        display: none;
        height: auto;
        max-height: 2;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id)
        self.due: tuple[DslDue, ...] = ()
        self._names: Mapping[int, str] = {}
        self._hint = True

    def show_due(self, due: Sequence[DslDue], names: Mapping[int, str], hint: bool) -> None:
        """List these families (none: hide the banner)."""
        if tuple(due) == self.due and self._hint == hint and self.display == bool(due):
            return  # the live tick: nothing new, no repaint
        self.due, self._names, self._hint = tuple(due), names, hint
        self.display = bool(self.due)
        if self.due:
            self._paint()

    def on_resize(self) -> None:
        if self.due:
            self._paint()

    def _paint(self) -> None:
        # Before the first layout the widget has no width yet: the screen's, less padding.
        width = self.content_size.width or max(self.app.size.width - 2, 20)
        self.update(banner_text(self.due, self._names, width, self._hint))
