"""Tables people download (CSV and Excel), written so that no cell can run as a formula.

A label from an API, a file or a setting that starts with `=`, `+`, `-` or `@` would be a live
formula in Excel (CSV injection). In CSV such a text gets a leading apostrophe, which Excel shows
as text; in .xlsx every text cell is stored as a string, never as a formula.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(table: pl.DataFrame, path: Path) -> None:
    text_columns = [c for c, t in table.schema.items() if t == pl.String]
    safe = table.with_columns(
        pl.col(c).map_elements(neutralised, return_dtype=pl.String) for c in text_columns
    )
    safe.write_csv(path, separator=";")


def write_xlsx(table: pl.DataFrame, path: Path, sheet_title: str) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(table.columns)
    for row in table.iter_rows():
        sheet.append(list(row))
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
    book.save(path)
