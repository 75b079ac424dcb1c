"""Read a CSV or .xlsx export into a header and numbered rows, whatever its encoding and layout.

HR and survey systems export with `;` or `,`, in UTF-8 (with or without BOM) or ISO-8859-1 /
cp1252, sometimes with title lines above the header. A file that cannot be read at all is rejected
with one message naming the file and the reason; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipelines.local.kinds import fold

HEADER_SEARCH_LINES = 20


class FileRejected(Exception):
    """The whole file is unusable; the message names the file and what is wrong."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


@dataclass
class RawTable:
    file: str
    header: list[str]
    header_row: int  # 1-based line (CSV) or sheet row (xlsx)
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cells)
    encoding: str
    delimiter: str


def decode(file: str, data: bytes) -> tuple[str, str]:
    """The text and the encoding that read it: UTF-8 (BOM or not), else cp1252 / ISO-8859-1."""
    if not data.strip():
        raise FileRejected(file, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4000]:
        raise FileRejected(
            file, "unreadable encoding: the file looks like UTF-16; save it as UTF-8 or "
            "ISO-8859-1 (CSV) or as .xlsx",
        )  # fmt: skip
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            file, f"unreadable encoding: byte 0x{data[exc.start]:02x} at offset {exc.start} is "
            "neither UTF-8 nor ISO-8859-1/cp1252",
        ) from None  # fmt: skip
    return text, "cp1252"


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


def read_csv(file: str, data: bytes, is_header: Callable[[list[str]], bool]) -> RawTable:
    text, encoding = decode(file, data)
    lines = text.splitlines()
    sample = "\n".join(line for line in lines[:HEADER_SEARCH_LINES] if line.strip())
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((start, [c.strip() for c in cells]))
        start = reader.line_num + 1
    if not rows:
        raise FileRejected(file, "the file has no rows")
    at = _find_header(file, rows, is_header)
    header_row, header = rows[at]
    return RawTable(file, header, header_row, rows[at + 1 :], encoding, delimiter)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(file: str, data: bytes, is_header: Callable[[list[str]], bool]) -> RawTable:
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip/xml
        raise FileRejected(file, f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    rows = [
        (n, [_cell_text(v) for v in values])
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        if any(v not in (None, "") for v in values)
    ]
    if not rows:
        raise FileRejected(file, f"sheet '{sheet.title}' is empty")
    at = _find_header(file, rows, is_header)
    header_row, header = rows[at]
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= header_row <= merged.max_row and merged.max_col > merged.min_col:
            raise FileRejected(
                file, f"sheet '{sheet.title}': the header has merged cells {merged.coord} (row "
                f"{header_row}, columns {get_column_letter(merged.min_col)}-"
                f"{get_column_letter(merged.max_col)}); unmerge them so every column has its "
                "own header",
            )  # fmt: skip
    while header and not header[-1]:
        header.pop()
    return RawTable(file, header, header_row, rows[at + 1 :], "xlsx", "")


def read_table(
    path: Path, is_header: Callable[[list[str]], bool], name: str | None = None
) -> RawTable:
    file = name or path.name
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".xlsx" or data.startswith(b"PK\x03\x04"):
        return read_xlsx(file, data, is_header)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return read_csv(file, data, is_header)
    raise FileRejected(file, f"unknown format '{suffix}': import .csv or .xlsx files")


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
