"""The expenditure-need index (utgiftsbehov) per municipality, year and service area.

ASSS compares service spending adjusted for need: spending per inhabitant divided by the index
from the ministry's "Grønt hefte" (beregningsteknisk dokumentasjon, tabell C; 1.00 = the national
average). The file is the user's (paths.expenditure_need); the bundled one is SYNTHETIC.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from pipelines.local.kinds import fold
from pipelines.local.reader import decode
from pipelines.local.validate import parse_int, parse_number, parse_year

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


class ExpenditureNeedError(ValueError):
    pass


def load_expenditure_need(path: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(good rows, rejected rows with row number and reason); empty when there is no file."""
    rejected_schema = {"row": pl.Int64, "reason": pl.String}
    if path is None:
        return pl.DataFrame(schema=SCHEMA), pl.DataFrame(schema=rejected_schema)
    text, _ = decode(path.name, path.read_bytes())
    first = text.splitlines()[0] if text else ""
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    header = [fold(h) for h in next(reader, [])]
    position = {
        n: next((i for i, h in enumerate(header) if h in a), None) for n, a in COLUMNS.items()
    }
    missing = [n for n, i in position.items() if i is None and n != "source"]
    if missing:
        raise ExpenditureNeedError(f"{path}: missing column(s) {', '.join(missing)}")
    good, rejected = [], []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = reader.line_num
        cell = {
            n: cells[i].strip() if i is not None and i < len(cells) else ""
            for n, i in position.items()
        }
        try:
            index = parse_number(cell["index"])
            if not 0.2 <= index <= 5:
                raise ValueError(f"index {index} is outside 0.2-5 (1.00 = national average)")
            good.append({
                "municipality": cell["municipality"], "year": parse_year(cell["year"]),
                "service_area": cell["service_area"], "index": index,
                "inhabitants": parse_int(cell["inhabitants"]), "source": cell["source"] or None,
            })  # fmt: skip
        except ValueError as exc:
            rejected.append({"row": row, "reason": str(exc)})
    return pl.DataFrame(good, schema=SCHEMA), pl.DataFrame(rejected, schema=rejected_schema)
