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
    return alert_text(HEAD, [_label(d, names) for d in due], HINT if hint else None, width)


def alert_text(
    head: str, labels: Sequence[str], hint: str | None, width: int, noun: str = "families"
) -> Text:
    """``HEAD label · label … — hint`` in at most two lines of ``width`` cells: as many
    labels as fit, then "+N more"; with none fitting, the count."""
    for shown in range(len(labels), 0, -1):
        lines = _wrap(head, labels[:shown], len(labels) - shown, width, hint)
        if len(lines) <= MAX_LINES:
            return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
    # Not even one fits (a very narrow terminal): the count, cut at the edge.
    return Text(
        f"{head} {len(labels)} {noun}" + (f" — {hint}" if hint else ""),
        no_wrap=True,
        overflow="ellipsis",
    )


def _label(due: DslDue, names: Mapping[int, str]) -> str:
    who = ", ".join(short_name(names.get(pid, f"pupil {pid}")) for pid in due.pupil_ids)
    return f"fam {due.family_id} {who} {due.due:%H:%M}"


def short_name(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _wrap(head: str, labels: Sequence[str], more: int, width: int, hint: str | None) -> list[str]:
    """The banner's lines, each token kept whole: a label is never split across lines."""
    tokens = [("", f"{head} {labels[0]}")] + [(" · ", label) for label in labels[1:]]
    if more:
        tokens.append((" · ", f"+{more} more"))
    if hint:
        tokens.append((" — ", hint))
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


class AlertBanner(Static):
    """A red, bold banner of what needs somebody now (labels after a head word); hidden
    when there is nothing. It never takes the keyboard: it cannot be focused."""

    DEFAULT_CSS = """
    AlertBanner {
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
        self._shown: tuple[str, tuple[str, ...], str | None] = ("", (), None)

    def show_alert(self, head: str, labels: Sequence[str], hint: str | None) -> None:
        """Show these labels (none: hide the banner); the same again repaints nothing."""
        shown = (head, tuple(labels), hint)
        if shown == self._shown and self.display == bool(labels):
            return  # the live tick: nothing new, no repaint
        self._shown = shown
        self.display = bool(labels)
        if labels:
            self._paint()

    def on_resize(self) -> None:
        if self._shown[1]:
            self._paint()

    def _paint(self) -> None:
        # Before the first layout the widget has no width yet: the screen's, less padding.
        width = self.content_size.width or max(self.app.size.width - 2, 20)
        head, labels, hint = self._shown
        self.update(alert_text(head, labels, hint, width))


class DslBanner(AlertBanner):
    """Above the queue while any family's DSL step is due."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.due: tuple[DslDue, ...] = ()

    def show_due(self, due: Sequence[DslDue], names: Mapping[int, str], hint: bool) -> None:
        """List these families (none: hide the banner)."""
        self.due = tuple(due)
        self.show_alert(HEAD, [_label(d, names) for d in due], HINT if hint else None)
