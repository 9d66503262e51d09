"""The Rich console for what people read on standard output.

In a terminal, output fits the window (tables shorten what does not fit, text wraps). To a
pipe or a file (``triage queue > today.txt``, ``| lpr``, ``| grep``) nothing is cut or
wrapped: Rich would otherwise assume 80 columns and lose the end of a phone number. Lines
are as long as they need; a table takes its columns' natural widths."""

from __future__ import annotations

from rich.console import Console

# Wide enough that no line is ever shortened; Rich pads a table's cells to their columns'
# widths, never to the console's, so nothing is printed this wide.
UNLIMITED_WIDTH = 1_000_000


def people_console(*, soft_wrap: bool = False) -> Console:
    """A console on stdout (as it is when printing: tests capture it). ``soft_wrap``: in a
    terminal, leave long lines for the terminal to wrap rather than wrapping at words."""
    console = Console(highlight=False, soft_wrap=soft_wrap)
    if not console.is_terminal:
        console.width = UNLIMITED_WIDTH
        console.soft_wrap = True
    return console
