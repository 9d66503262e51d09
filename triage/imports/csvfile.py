"""Reading MIS CSV exports as they really come: several encodings, delimiters and header styles.

This module only turns bytes into header + rows and matches headers to fields; the
meaning of each field is checked in :mod:`triage.imports.importers`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from triage.sanitise import MAX_EXCERPT, excerpt

# The encodings that MIS exports come in, in the order they are tried when not given.
# UTF-16 is what Excel writes for "Unicode Text"; Windows-1252 is the SIMS default.
# A letter as UTF-8 writes it beyond ASCII: a lead byte and its continuation bytes (overlong
# forms and surrogates excluded). Windows-1252 text almost never holds such a pair.
_UTF8_LETTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class ImportFileError(Exception):
    """A file that cannot be imported: names the file and each problem with its line."""

    MAX_SHOWN = 20

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str]]) -> None:
        self.path = Path(path)
        self.problems = problems
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Printable, and short: the file's name and each problem, each cut to a line."""
        name = excerpt(self.path.name)
        lines = [f"{name}: not imported ({len(self.problems)} problem(s))"]
        for line, text in self.problems[: self.MAX_SHOWN]:
            where = f"line {line}: " if line is not None else ""
            lines.append(f"  {name}: {where}{excerpt(text, 4 * MAX_EXCERPT)}")
        hidden = len(self.problems) - self.MAX_SHOWN
        if hidden > 0:
            lines.append(f"  … and {hidden} more problem(s)")
        return "\n".join(lines)


@dataclass(frozen=True)
class CsvTable:
    path: Path
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[list[str]]  # the records after the header, blank ones left out
    raw: bytes
    # Line (1-based) of each row; None when row i is simply on line first_row_line + i.
    row_lines: list[int] | None = None
    first_row_line: int = 2

    def line(self, index: int) -> int:
        """The file line of rows[index], for error messages."""
        if self.row_lines is not None:
            return self.row_lines[index]
        return self.first_row_line + index

    def numbered_rows(self) -> list[tuple[int, list[str]]]:
        return [(self.line(i), r) for i, r in enumerate(self.rows)]


def decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    """Text and the encoding used. A byte-order mark decides; else UTF-8, else Windows-1252."""
    if encoding:
        try:
            # A byte-order mark is not text, whatever encoding the officer names.
            return raw.decode(encoding).lstrip("\ufeff"), encoding
        except LookupError as exc:
            raise ImportFileError(path, [(None, f"unknown encoding {encoding!r}")]) from exc
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportFileError(
                path, [(line, f"not valid {encoding} (byte {exc.object[exc.start]:#04x})")]
            ) from exc
    bom = next((enc for mark, enc in _BOMS if raw.startswith(mark)), None)
    if bom is not None:
        try:
            return raw.decode(bom).lstrip("\ufeff"), bom
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                path, [(None, f"the file says it is {bom} but is not valid {bom} (cut off?)")]
            ) from exc
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ImportFileError(path, [(line, "this is not a text CSV file (it contains NUL bytes)")])
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        not_utf8 = exc.start
    # Not UTF-8 throughout. Windows-1252 (the SIMS default) only when nothing in the file is
    # UTF-8's own way of writing a letter: a file that is UTF-8 but for one stray byte would
    # otherwise be read whole as Windows-1252, and every accented name in it spoilt.
    looks_utf8 = _UTF8_LETTER.search(raw)
    if looks_utf8 is not None:
        bad_line = raw[:not_utf8].count(b"\n") + 1
        good_line = raw[: looks_utf8.start()].count(b"\n") + 1
        raise ImportFileError(
            path,
            [
                (
                    bad_line,
                    f"byte {raw[not_utf8]:#04x} is not UTF-8, but line {good_line} is written "
                    "in UTF-8: the file mixes two encodings. Correct that line at the source "
                    "(or export the file again), or name the encoding with --encoding",
                )
            ],
        )
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            path,
            [(None, "text is neither UTF-8 nor Windows-1252; give the encoding with --encoding")],
        ) from exc


def sniff_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file. A FIFO, a device or a socket is refused at once: reading
    one would wait for ever (a FIFO) or never end (/dev/zero). Opened without blocking, then
    checked on the open file itself, so nothing can be swapped in between."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise ImportFileError(
                path, [(None, "this is not a regular file (a pipe or a device?)")]
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as f:
            fd = -1  # closed by the file object
            return f.read()
    finally:
        if fd >= 0:
            os.close(fd)


def read_csv(path: Path, encoding: str | None = None) -> CsvTable:
    """Read a whole CSV file. Raises ImportFileError for an unreadable, empty or broken file."""
    try:
        raw = _read_regular_file(path)
    except FileNotFoundError as exc:
        raise ImportFileError(path, [(None, "file not found")]) from exc
    except IsADirectoryError as exc:
        raise ImportFileError(path, [(None, "this is a folder, not a file")]) from exc
    except OSError as exc:
        raise ImportFileError(path, [(None, f"cannot read the file: {exc.strerror}")]) from exc
    text, used = decode(path, raw, encoding)
    if not text.strip():
        raise ImportFileError(path, [(None, "the file is empty")])
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(path, [_where_csv_breaks(text, delimiter)]) from exc
    one_record_per_line = len(records) == _line_count(text)
    while records and not any(records[-1]):
        records.pop()  # trailing blank lines, or Excel's trailing ",,,," rows
    leading = 0
    while leading < len(records) and not any(records[leading]):
        leading += 1
    if not records:
        raise ImportFileError(path, [(None, "the file is empty")])
    headers = [h.strip() for h in records[leading]]
    rows = records[leading + 1 :]
    if one_record_per_line and all(rows):
        # The usual case: one record per line, so row i is on line leading + 2 + i.
        return CsvTable(path, used, delimiter, headers, rows, raw, None, leading + 2)
    numbered = _numbered_slowly(text, delimiter)
    headers = [h.strip() for h in numbered[0][1]]
    return CsvTable(
        path,
        used,
        delimiter,
        headers,
        [r for _, r in numbered[1:]],
        raw,
        [n for n, _ in numbered[1:]],
    )


def _line_count(text: str) -> int:
    """Physical lines as csv counts them: ended by \\n, \\r\\n or \\r."""
    crlf = text.count("\r\n")
    breaks = text.count("\n") + text.count("\r") - crlf
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def _numbered_slowly(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Records with the line each ends on, for files where quoted fields span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    return [(reader.line_num, r) for r in reader if any(r)]


def _where_csv_breaks(text: str, delimiter: str) -> tuple[int, str]:
    """The line where the broken record starts (an unclosed quote is only noticed at the
    end of the file, but the officer needs the line where it opens)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last_good = 0
    try:
        for _ in reader:
            last_good = reader.line_num
    except csv.Error as exc:
        message = str(exc)
        if "unexpected end of data" in message or "EOF" in message:
            return last_good + 1, 'broken CSV: a quoted field is never closed (a missing " ?)'
        return reader.line_num, f"broken CSV: {message}"
    return last_good, "broken CSV"


def header_key(header: str) -> str:
    """Headers compare without case, spaces, underscores, dots or hyphens."""
    return re.sub(r"[\s_.\-]+", "", header).lower()


def repeated_headers(
    headers: list[str], synonyms: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, list[int]]]:
    """Headers the importer would read that appear more than once (``UPN,UPN``,
    ``Mark,Mark``), with their column numbers (from 1): which one is meant cannot be told,
    so such a file is refused rather than read from the first."""
    wanted = {name for names in synonyms.values() for name in names}
    columns: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        if header_key(h) in wanted:
            columns.setdefault(header_key(h), []).append(i + 1)
    return [(headers[cols[0] - 1], cols) for cols in columns.values() if len(cols) > 1]


def match_headers(headers: list[str], synonyms: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """field -> column index for every field whose synonym appears; unknown columns ignored.

    A header that appears twice is refused before this is asked (:func:`repeated_headers`).
    """
    by_key: dict[str, int] = {}
    for i, h in enumerate(headers):
        by_key.setdefault(header_key(h), i)
    found: dict[str, int] = {}
    for field, names in synonyms.items():
        for name in names:
            if name in by_key:
                found[field] = by_key[name]
                break
    return found
