"""The expenditure-need index (utgiftsbehov) per municipality, year and service area.

ASSS compares service spending adjusted for need: spending per inhabitant divided by the index
from the ministry's "Grønt hefte" (beregningsteknisk dokumentasjon, tabell C; 1.00 = the national
average). The file is the user's (paths.expenditure_need); the bundled one is SYNTHETIC.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.sources.local.numbers import parse_int, parse_number
from pipelines.sources.local.reader import cell, read_columns
from pipelines.sources.local.validate import parse_year

COLUMNS = {
    "municipality": ("kommune", "kommunenr", "municipality"),
    "year": ("ar", "aar", "year"),
    "service_area": ("tjenesteomrade", "tjenesteomraade", "sektor", "service_area"),
    "index": ("indeks", "utgiftsbehov", "index"),
    "inhabitants": ("innbyggere", "folketall", "inhabitants"),
    "source": ("kilde", "source"),
}
SCHEMA = {
    "municipality": pl.String, "year": pl.Int32, "service_area": pl.String,
    "index": pl.Float64, "inhabitants": pl.Int64, "source": pl.String,
}  # fmt: skip


def load_expenditure_need(path: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(good rows, rejected rows with row number and reason); empty when there is no file."""
    rejected_schema = {"row": pl.Int64, "reason": pl.String}
    if path is None:
        return pl.DataFrame(schema=SCHEMA), pl.DataFrame(schema=rejected_schema)
    required = tuple(n for n in COLUMNS if n != "source")
    table, positions = read_columns(path, COLUMNS, required)
    good, rejected = [], []
    for row, cells in table.rows:
        get = {n: cell(cells, positions, n) for n in COLUMNS}
        try:
            index = parse_number(get["index"])
            if not 0.2 <= index <= 5:
                raise ValueError(f"index {index} is outside 0.2-5 (1.00 = national average)")
            good.append({
                "municipality": get["municipality"], "year": parse_year(get["year"]),
                "service_area": get["service_area"], "index": index,
                "inhabitants": parse_int(get["inhabitants"]), "source": get["source"] or None,
            })  # fmt: skip
        except ValueError as exc:
            rejected.append({"row": row, "reason": str(exc)})
    return pl.DataFrame(good, schema=SCHEMA), pl.DataFrame(rejected, schema=rejected_schema)
