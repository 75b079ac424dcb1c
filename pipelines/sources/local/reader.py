"""Read a CSV or .xlsx export into a header and numbered rows, whatever its encoding and layout.

HR and survey systems export with `;` or `,`, in UTF-8 (with or without BOM) or ISO-8859-1 /
cp1252, with any line ending, sometimes with title lines above the header. A file that cannot be
read at all is rejected with one message naming the file and the reason; nothing is guessed
silently, and no file can make the reader crash or run out of memory: its size, rows, columns
and field lengths are limited before and while it is parsed, and a workbook is streamed (its
stored used range is not trusted: one stray cell at XFD1048576 must not allocate a sheet of
17 billion cells).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from pipelines.sources.local.kinds import fold

HEADER_SEARCH_LINES = 20


@dataclass(frozen=True)
class Limits:
    """What an own-figure file may hold; a file beyond them is rejected before it is parsed."""

    max_bytes: int = 50_000_000
    max_rows: int = 200_000
    max_columns: int = 200
    max_field: int = 10_000  # characters in one cell


LIMITS = Limits()


class FileRejected(Exception):
    """The whole file is unusable; the message names the file and what is wrong."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class NumberCell(str):
    """A cell the workbook stores as a number: its value is known, no separators to read."""

    value: float

    def __new__(cls, value: float) -> NumberCell:
        text = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
        cell = super().__new__(cls, text)
        cell.value = float(value)
        return cell


@dataclass
class RawTable:
    file: str
    header: list[str]
    header_row: int  # 1-based line (CSV) or sheet row (xlsx)
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cells)
    encoding: str
    delimiter: str
    sheet: str | None = None
    hidden_rows: set[int] = field(default_factory=set)  # rows hidden in Excel
    notes: list[str] = field(default_factory=list)  # what the reader decided, for the summary


# --- CSV -----------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")


def decode(file: str, data: bytes) -> tuple[str, str]:
    """The text and the encoding that read it: UTF-8 (BOM or not), else cp1252 / ISO-8859-1."""
    if not data.strip():
        raise FileRejected(file, "the file is empty")
    head = data[:4000]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 10:
        raise FileRejected(
            file, "unreadable encoding: the file looks like UTF-16; save it as UTF-8 or "
            "ISO-8859-1 (CSV) or as .xlsx",
        )  # fmt: skip
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileRejected(file, _mixed(data, exc)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):  # UTF-8 elsewhere: one system wrote part of it wrongly
            raise FileRejected(file, _mixed(data, exc)) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            file, f"unreadable encoding: byte 0x{data[exc.start]:02x} at offset {exc.start} is "
            "neither UTF-8 nor ISO-8859-1/cp1252",
        ) from None  # fmt: skip


def _mixed(data: bytes, exc: UnicodeDecodeError) -> str:
    line = data[: exc.start].count(b"\n") + 1
    return (
        f"mixed encoding: the file is UTF-8, but byte 0x{data[exc.start]:02x} on line {line} is "
        "not (a character saved as ISO-8859-1 by another program?); save the whole file as "
        "UTF-8 again"
    )


def _find_header(
    file: str, rows: list[tuple[int, list[str]]], is_header: Callable[[list[str]], bool]
) -> int:
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_LINES]):
        if is_header(cells):
            return i
    raise FileRejected(
        file, f"no header row found in the first {HEADER_SEARCH_LINES} lines (expected columns "
        "such as enhet_id, periode, ansatte, år, spørsmål, snitt); is this the right file?",
    )  # fmt: skip


def read_csv(
    file: str, data: bytes, is_header: Callable[[list[str]], bool], limits: Limits = LIMITS
) -> RawTable:
    text, encoding = decode(file, data)
    # old Mac (CR) and Windows (CRLF) line endings read as one: the csv module refuses a bare CR
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n", HEADER_SEARCH_LINES + 1)[:HEADER_SEARCH_LINES]
    sample = "\n".join(line for line in lines if line.strip())
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    previous = csv.field_size_limit(limits.max_field)
    try:
        for cells in reader:
            if len(cells) > limits.max_columns:
                raise FileRejected(
                    file, f"line {start} has {len(cells)} columns; at most "
                    f"{limits.max_columns} are read (is the separator right?)",
                )  # fmt: skip
            if any(c.strip() for c in cells):
                rows.append((start, [c.strip() for c in cells]))
                if len(rows) > limits.max_rows:
                    raise FileRejected(file, f"more than {limits.max_rows:,} rows")
            start = reader.line_num + 1
    except csv.Error as exc:
        problem = (
            f"a cell longer than {limits.max_field:,} characters"
            if "field larger than field limit" in str(exc)
            else str(exc)
        )
        raise FileRejected(
            file, f"line {reader.line_num}: {problem}; is this the right file?"
        ) from None
    finally:
        csv.field_size_limit(previous)
    if not rows:
        raise FileRejected(file, "the file has no rows")
    at = _find_header(file, rows, is_header)
    header_row, header = rows[at]
    return RawTable(file, header, header_row, rows[at + 1 :], encoding, delimiter)


# --- xlsx ----------------------------------------------------------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float):
        return NumberCell(value)
    return str(value).strip()


def _sheet_layout(data: bytes, path: str) -> tuple[set[int], list[str]]:
    """Rows hidden in Excel and merged ranges, read from the sheet's XML as a stream."""
    hidden: set[int] = set()
    merged: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as xml:
        for _, element in ElementTree.iterparse(xml):
            if element.tag == f"{_NS}row":
                if element.get("hidden") in ("1", "true"):
                    hidden.add(int(element.get("r", 0)))
                element.clear()
            elif element.tag == f"{_NS}mergeCell":
                merged.append(element.get("ref", ""))
    return hidden, merged


def _sheet_rows(file: str, sheet, limits: Limits) -> list[tuple[int, list[str]]]:
    sheet.reset_dimensions()  # the stored used range may claim a million rows
    rows: list[tuple[int, list[str]]] = []
    for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not values:
            continue
        last = max((i for i, v in enumerate(values) if v not in (None, "")), default=-1)
        if last < 0:
            continue
        # a value far to the right is kept as one cell past the limit, so the row reads as longer
        # than its header and is quarantined, without reading 16 384 columns of nothing
        cells = [_cell_text(v) for v in values[: min(last + 1, limits.max_columns)]]
        if last >= limits.max_columns:
            cells.append(_cell_text(values[last]))
        if any(len(c) > limits.max_field for c in cells):
            raise FileRejected(
                file, f"sheet '{sheet.title}' row {n}: a cell longer than {limits.max_field:,} "
                "characters; is this the right file?",
            )  # fmt: skip
        rows.append((n, cells))
        if len(rows) > limits.max_rows:
            raise FileRejected(file, f"sheet '{sheet.title}': more than {limits.max_rows:,} rows")
    return rows


def read_xlsx_tables(
    file: str, data: bytes, is_header: Callable[[list[str]], bool], limits: Limits = LIMITS
) -> list[RawTable]:
    """Every sheet with a header of known columns; the notes say which sheets were left out."""
    try:
        from openpyxl import load_workbook  # loaded for an Excel file only
        from openpyxl.utils import get_column_letter, range_boundaries

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip/xml
        raise FileRejected(file, f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    tables: list[RawTable] = []
    notes: list[str] = []
    try:
        for sheet in book.worksheets:
            rows = _sheet_rows(file, sheet, limits)
            if not rows:
                continue
            if sheet.sheet_state != "visible":
                notes.append(f"sheet '{sheet.title}' is hidden in Excel and was not read")
                continue
            at = next((i for i, (_, c) in enumerate(rows[:HEADER_SEARCH_LINES]) if is_header(c)),
                      None)  # fmt: skip
            if at is None:
                notes.append(f"sheet '{sheet.title}' has no header of known columns; not read")
                continue
            header_row, header = rows[at]
            hidden, merged = _sheet_layout(data, sheet._worksheet_path)
            for ref in merged:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if min_row <= header_row <= max_row and max_col > min_col:
                    raise FileRejected(
                        file, f"sheet '{sheet.title}': the header has merged cells {ref} (row "
                        f"{header_row}, columns {get_column_letter(min_col)}-"
                        f"{get_column_letter(max_col)}); unmerge them so every column has its "
                        "own header",
                    )  # fmt: skip
            header = [str(h) for h in header]
            while header and not header[-1]:
                header.pop()
            table = RawTable(file, header, header_row, rows[at + 1 :], "xlsx", "", sheet.title)
            table.hidden_rows = hidden
            tables.append(table)
    finally:
        book.close()
    if not tables:
        if notes:
            raise FileRejected(file, "; ".join(notes))
        raise FileRejected(file, "the workbook has no sheet with data")
    if len(tables) > 1:
        notes.append("read sheets " + ", ".join(f"'{t.sheet}'" for t in tables))
    elif len(book.worksheets) > 1:
        notes.append(f"read sheet '{tables[0].sheet}'")
    tables[0].notes = notes
    return tables


def read_tables(
    path: Path,
    is_header: Callable[[list[str]], bool],
    name: str | None = None,
    limits: Limits = LIMITS,
) -> list[RawTable]:
    """The file's tables: one for a CSV, one per data sheet of a workbook."""
    file = name or path.name
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRejected(
            file, f"{size / 1e6:,.1f} MB is more than the {limits.max_bytes / 1e6:,.0f} MB an "
            "own-figure file may have",
        )  # fmt: skip
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".xlsx" or data.startswith(b"PK\x03\x04"):
        return read_xlsx_tables(file, data, is_header, limits)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return [read_csv(file, data, is_header, limits)]
    raise FileRejected(file, f"unknown format '{suffix}': import .csv or .xlsx files")


def read_table(
    path: Path, is_header: Callable[[list[str]], bool], name: str | None = None
) -> RawTable:
    """The file's first table (a CSV, or a workbook's first sheet with a header)."""
    return read_tables(path, is_header, name)[0]


def read_columns(
    path: Path, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> tuple[RawTable, dict[str, int]]:
    """A user file with known columns (folded header aliases): the table and each column's
    position. A missing required column rejects the file, naming it."""
    aliases = {alias for names in columns.values() for alias in names}
    table = read_table(path, lambda cells: sum(fold(c) in aliases for c in cells) >= 2)
    positions: dict[str, int] = {}
    for i, header in enumerate(table.header):
        name = next((n for n, names in columns.items() if fold(header) in names), None)
        if name is not None and name not in positions:
            positions[name] = i
    missing = [c for c in required if c not in positions]
    if missing:
        raise FileRejected(
            table.file,
            f"missing column(s) {', '.join(missing)} (header on row {table.header_row})",
        )
    return table, positions


def cell(cells: list[str], positions: Mapping[str, int], name: str) -> str:
    """A named cell's text, empty when the column is absent or the row is short."""
    i = positions.get(name)
    return cells[i].strip() if i is not None and i < len(cells) else ""
