"""LineTable draws each one-line cell exactly as Textual's DataTable does, only faster.

Every cell is drawn twice, by LineTable's direct path and by DataTable's own code, and the
two lists of segments (text, style and the cell's row/column metadata) must be equal: with
and without the cursor or the mouse on it, in zebra and fixed rows, with each cell padding,
in the dark and light themes, and with the cursor's colours taken from CSS or the cell.
The columns are an odd number of cells wide, so double-width characters get cut in half.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from screens.widgets.line_table import LineTable

# (cell, drawn directly?) The others must fall back to DataTable's code.
CELLS = [
    (Text("Amelia Okafor"), True),
    (Text("no answer ×2", style="bold red"), True),
    (Text("callback 10:30!", style="bold reverse red"), True),
    (Text.assemble("given → ", ("I", "bold green"), " (ill)"), True),
    (Text(""), True),
    (Text("", style="dim"), True),
    (Text("Zoë Brontë-Łukasz"), True),
    (Text("李小龙 👍"), True),  # double-width characters
    (Text("│"), True),
    (Text("Sam", end=""), True),
    ("plain string", True),
    ("[bold]markup[/bold] string", True),
    (":thumbs_up: emoji code", True),
    (42, True),
    (None, True),
    (Text("x" * 40), True),  # longer than its column: cut
    (Text("Patricia Smith-Jones (Mother)"), True),
    (Text("y" * 40, overflow="ellipsis"), True),
    (Text.assemble(("a" * 12, "bold"), ("b" * 12, "italic")), True),
    (Text("李" * 12), True),  # cut inside a double-width character
    (Text("wrap me " * 5, no_wrap=False), False),
    (Text("z" * 40, overflow="ignore"), False),
    (Text("Sam", end="!"), False),  # Rich draws the end on the line
    (Text("Sam", end=" "), False),
    (Text("two\nlines"), False),
    (Text("a\ttab"), False),
    (Text("right", justify="right"), False),
    (Text("centre", justify="center"), False),
]
WIDTH = 19  # odd: "李" * 12 is cut inside a character


class Tables(App):
    def compose(self) -> ComposeResult:
        table = LineTable(zebra_stripes=True)
        for n in range(3):
            table.add_column(Text(f"col {n}"), key=str(n), width=WIDTH)
        for n, (cell, _) in enumerate(CELLS):
            table.add_row(cell, Text(f"row {n}"), cell, key=str(n))
        table.add_row(Text("two"), Text("lines"), Text("high"), key="tall", height=2)
        yield table


def both_ways(table: LineTable, row: int, column: int, cursor: bool, hover: bool):
    """(LineTable's lines, DataTable's lines) for one cell, each drawn afresh."""
    style = table._get_row_style(row, table.rich_style)
    width = table.columns[table._column_locations.get_key(column)].get_render_width(table)
    table._cell_render_cache.clear()
    fast = table._render_cell(row, column, style, width, cursor, hover)
    table._cell_render_cache.clear()
    slow = DataTable._render_cell(table, row, column, style, width, cursor, hover)
    return fast, slow


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("foreground", ["css", "renderable"])
@pytest.mark.parametrize("background", ["css", "renderable"])
async def test_every_cell_is_drawn_as_datatable_draws_it(
    theme, padding, foreground, background
) -> None:
    app = Tables()
    async with app.run_test(size=(80, 40)) as pilot:
        app.theme = theme
        table = app.query_one(LineTable)
        table.cell_padding = padding
        table.cursor_foreground_priority = foreground
        table.cursor_background_priority = background
        table.fixed_rows = 1
        table.fixed_columns = 1
        table._show_hover_cursor = True  # as when the mouse is over the table
        table.focus()
        await pilot.pause()
        compared = 0
        for row in range(table.row_count):
            for column in range(3):
                for cursor in (False, True):
                    for hover in (False, True):
                        fast, slow = both_ways(table, row, column, cursor, hover)
                        assert fast == slow, (row, column, cursor, hover)
                        compared += 1
        assert compared == table.row_count * 3 * 4


async def test_a_column_narrower_than_its_padding_is_left_to_datatable() -> None:
    app = Tables()
    async with app.run_test(size=(80, 40)):
        table = app.query_one(LineTable)
        table.cell_padding = 2
        key = table._row_locations.get_key(0)
        assert table._one_line(key, 0, 0, table.rich_style, 4, False, False) is None
        fast = table._render_cell(0, 0, table.rich_style, 4)
        table._cell_render_cache.clear()
        assert fast == DataTable._render_cell(table, 0, 0, table.rich_style, 4)


async def test_simple_cells_take_the_direct_path_and_the_rest_do_not() -> None:
    app = Tables()
    async with app.run_test(size=(80, 30)):
        table = app.query_one(LineTable)
        style = table.rich_style
        for row, (cell, direct) in enumerate(CELLS):
            key = table._row_locations.get_key(row)
            drawn = table._one_line(key, row, 0, style, WIDTH + 2, False, False)
            assert (drawn is not None) == direct, cell
        tall = len(CELLS)  # the row two lines high
        key = table._row_locations.get_key(tall)
        assert table._one_line(key, tall, 0, style, WIDTH + 2, False, False) is None


async def test_the_painted_screen_matches_datatable() -> None:
    """The whole widget, row by row, as it reaches the terminal."""

    class Plain(Tables):
        def compose(self) -> ComposeResult:
            (table,) = super().compose()
            plain = DataTable(zebra_stripes=True)
            for key, column in table.columns.items():
                plain.add_column(column.label, key=key.value, width=WIDTH)
            for n, (cell, _) in enumerate(CELLS):
                plain.add_row(cell, Text(f"row {n}"), cell, key=str(n))
            plain.add_row(Text("two"), Text("lines"), Text("high"), key="tall", height=2)
            yield plain

    screens = []
    for app in (Tables(), Plain()):
        async with app.run_test(size=(80, 30)) as pilot:
            await pilot.press("down", "down")
            await pilot.pause()
            table = app.query_one(DataTable)
            screens.append([table.render_line(y).text for y in range(table.size.height)])
            screens.append([list(table.render_line(y)) for y in range(table.size.height)])
    assert screens[0] == screens[2] and screens[1] == screens[3]


@pytest.mark.parametrize("widths", ["given", "one from its cells"])
@pytest.mark.parametrize("labels", [False, True])
async def test_the_table_is_laid_out_as_datatable_lays_it_out(widths, labels) -> None:
    """LineTable does not measure the cells of columns given a width; a column sized by its
    cells, a row label or a taller row are still measured, as DataTable measures them."""

    def fill(table: DataTable) -> DataTable:
        for n in range(3):
            auto = widths != "given" and n == 1
            table.add_column(Text(f"col {n}"), key=str(n), width=None if auto else WIDTH)
        for n, (cell, _) in enumerate(CELLS):
            label = Text(f"label {n}" * (n % 3)) if labels else None
            table.add_row(cell, Text(f"row {n} " * (n % 4)), cell, key=str(n), label=label)
        table.add_row(Text("a\nb\nc"), Text("x"), Text("y"), key="auto", height=None)
        return table

    class Both(App):
        def compose(self) -> ComposeResult:
            yield fill(LineTable(id="line"))
            yield fill(DataTable(id="data"))

    app = Both()
    async with app.run_test(size=(120, 80)) as pilot:
        await pilot.pause()
        line, data = app.query_one("#line", DataTable), app.query_one("#data", DataTable)
        assert line.virtual_size == data.virtual_size
        assert [c.get_render_width(line) for c in line.columns.values()] == [
            c.get_render_width(data) for c in data.columns.values()
        ]
        assert line._row_label_column_width == data._row_label_column_width
        assert [r.height for r in line.rows.values()] == [r.height for r in data.rows.values()]
        assert line.rows[line._row_locations.get_key(len(CELLS))].height == 3
