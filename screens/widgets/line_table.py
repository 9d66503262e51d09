"""A `DataTable` whose one-line text cells are drawn without Rich's layout pipeline.

`DataTable` draws every cell by wrapping it in Rich's `Padding` inside Textual's `Styled`
and asking the console to lay that out: about 65 µs a cell, 15 ms for the queue's first
screen (19 rows of 12 cells), most of the first frame. A cell of the queue is always one
line of text in a fixed-width column, and for such a cell the result of that pipeline is
simple: the padding, the text's own segments (cut to the column), spaces to the column's
width, with the table's styles either side. `LineTable` builds that line directly from
the same Rich primitives (`Text.join`/`Text.render` for the text's styles,
`Segment.apply_style`, `Segment.adjust_line_length`, `Text.truncate`), and leaves every
other cell (headers, rows taller than a line, text of several lines or with tabs,
justified or wrapping text, text with an `end` of its own, other renderables) to
`DataTable`.

When every column has a width of its own (as the queue's do), the cells of new rows are
not measured either: `DataTable` measures them all to size its columns, for nothing.

`tests/test_line_table.py` checks, cell by cell and segment by segment, that both ways
draw the same lines, with the cursor, hover, zebra stripes and fixed rows; Textual and Rich
are pinned (pyproject.toml) because this reads the table's own cell-drawing rules.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

_NULL = Style.null()
_JOINER = Text("\n")  # what Rich's Text layout joins its wrapped lines with


class LineTable(DataTable):
    """`DataTable` with a direct path for cells of one line of text, and no measuring of
    cells in columns whose width is given."""

    def _update_dimensions(self, new_rows) -> None:
        # DataTable measures every cell of every new row to size the columns (24,000 cells
        # for a queue of 2,000: half the time of rebuilding it as the filter is typed). A
        # column given a width never takes it from its cells, so when every column has one,
        # only rows that need DataTable's attention are passed on: a row with a label
        # (the label column is sized by them) or a row whose height comes from its cells.
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        rows = self.rows
        super()._update_dimensions(
            [
                key
                for key in new_rows
                if (row := rows.get(key)) is not None and (row.label is not None or row.auto_height)
            ]
        )

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ):
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:  # not a cell of this table: DataTable's way
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        line = self._one_line(row_key, row_index, column_index, base_style, width, cursor, hover)
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _one_line(
        self,
        row_key,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[Segment] | None:
        """The cell's line as `DataTable` would draw it, or None when it is not a simple
        one: then `DataTable` draws it."""
        if self.rows[row_key].height != 1:
            return None
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text):
            return None
        plain = cell.plain
        padding = self.cell_padding
        inner = width - 2 * padding
        if (
            inner < 1
            or "\n" in plain
            or "\t" in plain
            or cell.justify not in (None, "default")  # the app's console never justifies
            or cell.end not in ("", "\n")  # Rich would draw any other end on the line
        ):
            return None
        if cell_len(plain) > inner:
            # Too long: cut as Rich cuts a line it may not wrap (crop, or end with "…").
            # A cell that asks to wrap, or to overflow, is left to DataTable.
            if cell.no_wrap is False or cell.overflow == "ignore":
                return None
            cell = cell.copy()
            cell.truncate(inner, overflow=cell.overflow or "fold")
        is_fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            is_fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = (
            base_style + Style.from_meta({"row": row_index, "column": column_index})
        ) + component_style
        # Rich lays a single line out as the line joined on its own, padded to the width
        # with unstyled spaces, between the padding's unstyled spaces.
        text = Segment.adjust_line_length(
            list(_JOINER.join([cell]).render(self.app.console)), inner, style=_NULL
        )
        gap = Segment(" " * padding, _NULL)
        segments = [gap, *text, gap] if padding else text
        return list(Segment.apply_style(segments, pre_style, post_style))
