"""Reading an HR extract (CSV or Excel) into rows of text, with their row numbers.

HR systems export one row per post or per assignment; the file is a grid whatever the
format. CSV is read as UTF-8 (with or without BOM), else cp1252, else Latin-1, as
spreadsheet tools write it. ``.xlsx`` is read with python-calamine (a maintained Rust
reader; no hand-written XML): numbers an id column holds as ``2500.0`` come back as
``2500``. Row numbers are the spreadsheet's (the heading row is 1), so ``FILE:ROW`` in
a warning is the row a user sees in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgsim.interchange.names import clean
from orgsim.interchange.organogram_csv import OrganogramError, decode

EXCEL = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


class TableError(ValueError):
    """A file that cannot be read as a table at all (one line)."""


@dataclass
class Grid:
    """A table as read: its headings and its rows (``(row number, cells)``)."""

    path: str
    headings: list[str]
    rows: list[tuple[int, list[str]]]
    sheet: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name

    def column(self, heading: str) -> int | None:
        """The index of a heading, matched trimmed and case-insensitively."""
        wanted = heading.strip().casefold()
        for index, have in enumerate(self.headings):
            if have.strip().casefold() == wanted:
                return index
        return None


def read_grid(path: str | Path, sheet: str | None = None) -> Grid:
    """Read a CSV or Excel file (raises :class:`TableError`)."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"no such file: {path}")
    if path.suffix.lower() in EXCEL:
        headings, rows, sheet = _read_excel(path, sheet)
    else:
        if sheet is not None:
            raise TableError(f"--sheet: {path.name} is a CSV file, which has no sheets")
        headings, rows = _read_csv(path)
    if not any(h.strip() for h in headings):
        raise TableError(f"{path.name}: the first row holds no column headings")
    return Grid(str(path), headings, rows, sheet)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TableError(f"cannot read {path}: {error.strerror or error}") from None
    if data[:4] == b"PK\x03\x04":
        raise TableError(f"{path.name} is a zip (an Excel workbook?): name it .xlsx")
    try:
        text, _ = decode(data)
    except OrganogramError as error:
        raise TableError(f"{path.name}: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headings = next(reader, None)
        if headings is None:
            raise TableError(f"{path.name} is empty")
        rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as error:
        raise TableError(f"{path.name}:{reader.line_num}: not a CSV row: {error}") from None
    return headings, rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean(str(value))


def _read_excel(
    path: Path, sheet: str | None
) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # the reader's own errors have no common base
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TableError(f"{path.name}: not a readable workbook: {first}") from None
    names = list(book.sheet_names)
    if not names:
        raise TableError(f"{path.name}: the workbook has no sheets")
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise TableError(
            f"--sheet: {path.name} has no sheet {sheet!r} (sheets: {', '.join(names)})"
        )
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    rows_iter: Iterator[tuple[int, list[Any]]] = enumerate(grid, start=1)
    headings: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, raw in rows_iter:
        cells = [_cell(v) for v in raw]
        if headings is None:
            if any(cells):
                headings = cells
            continue
        if any(cells):
            rows.append((number, cells))
    if headings is None:
        raise TableError(f"{path.name}: sheet {sheet!r} is empty")
    return headings, rows, sheet
