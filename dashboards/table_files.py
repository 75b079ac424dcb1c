"""Tables people download (CSV and Excel), written so that no cell can run as a formula.

A label from an API, a file or a setting that starts with `=`, `+`, `-` or `@` would be a live
formula in Excel (CSV injection). In CSV such a text gets a leading apostrophe, which Excel shows
as text; in .xlsx every text cell is stored as a string, never as a formula.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from dashboards.units import decimals_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


VALUE_COLUMNS = ("home_value", "peer_value", "gap_abs", "home_trend_3y", "peer_trend_3y")


def rounded_as_the_source(table: pl.DataFrame) -> pl.DataFrame:
    """Figures with their unit's decimals (kroner whole, shares with one), not float noise."""
    if "unit" not in table.columns:
        return table
    decimals = pl.col("unit").map_elements(decimals_for, return_dtype=pl.Int64)
    return table.with_columns(
        pl.when(decimals == 0).then(pl.col(c).round(0))
        .when(decimals == 1).then(pl.col(c).round(1))
        .otherwise(pl.col(c).round(2)).alias(c)
        for c in VALUE_COLUMNS if c in table.columns
    )  # fmt: skip


def _as_text(value: float | None, decimals: int) -> str | None:
    return None if value is None else f"{value:.{decimals}f}".replace(".", ",")


def write_csv(table: pl.DataFrame, path: Path) -> None:
    """`;` and decimal comma, as Norwegian and Swedish Excel read a CSV file; each figure with
    its unit's decimals (kroner whole), percentages of a gap with one."""
    text_columns = [c for c, t in table.schema.items() if t == pl.String]
    safe = table.with_columns(
        pl.col(c).map_elements(neutralised, return_dtype=pl.String) for c in text_columns
    )
    if "unit" in safe.columns:
        safe = safe.with_columns(
            pl.struct(c, "unit").map_elements(
                lambda r, c=c: _as_text(r[c], decimals_for(r["unit"])), return_dtype=pl.String
            ).alias(c)
            for c in VALUE_COLUMNS if c in safe.columns
        )  # fmt: skip
    if "gap_pct" in safe.columns:
        safe = safe.with_columns(pl.col("gap_pct").round(1))
    safe.write_csv(path, separator=";", decimal_comma=True)


def write_xlsx(table: pl.DataFrame, path: Path, sheet_title: str) -> None:
    """Streamed row by row with XlsxWriter (constant memory); no text is ever read as a
    formula, a number or a link: strings are written as strings."""
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
         "strings_to_urls": False, "nan_inf_to_errors": True},
    )  # fmt: skip
    sheet = book.add_worksheet(sheet_title[:31])
    sheet.write_row(0, 0, table.columns)
    for number, row in enumerate(rounded_as_the_source(table).iter_rows(), start=1):
        sheet.write_row(number, 0, row)
    book.close()
