"""The scorecard (måleskjema): targets per indicator and year from a file the departments edit.

A CSV (or .xlsx) with Norwegian or English headers, read like the municipality's other files
(pipelines/local/reader.py). A wrong row is left out and listed with its row number and reason;
the other targets load. A file without the required columns is rejected, naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.catalog import Catalog
from pipelines.local.numbers import parse_number
from pipelines.local.reader import cell, read_columns
from pipelines.local.validate import parse_year

COLUMNS = {
    "indicator_id": ("indicator_id", "indikator", "indikator_id"),
    "year": ("year", "ar", "aar"),
    "target": ("target", "mal", "malverdi", "maal", "maalverdi"),
    "direction": ("direction", "retning"),
    "focus_area": ("focus_area", "malomrade", "maalomraade", "malomraade"),
    "perspective": ("perspective", "perspektiv"),
    "measured_by": ("measured_by", "males_av", "maales_av", "hvem_maler", "hvem_maaler"),
    "measured_when": ("measured_when", "nar", "naar", "nar_males", "naar_maales"),
    "owner": ("owner", "ansvarlig", "eier"),
}
REQUIRED = ("indicator_id", "year", "target")
DIRECTIONS = {"higher": "higher", "høyere": "higher", "hoyere": "higher", "lower": "lower",
              "lavere": "lower"}  # fmt: skip
SCHEMA = {
    "indicator_id": pl.String, "year": pl.Int32, "target": pl.Float64, "direction": pl.String,
    "focus_area": pl.String, "perspective": pl.String, "measured_by": pl.String,
    "measured_when": pl.String, "owner": pl.String, "row": pl.Int64,
}  # fmt: skip


@dataclass
class Targets:
    good: pl.DataFrame
    rejected: pl.DataFrame  # row, reason


def load_targets(path: Path | None, catalog: Catalog, extra_ids: set[str] = frozenset()) -> Targets:
    empty_rejected = pl.DataFrame(schema={"row": pl.Int64, "reason": pl.String})
    if path is None:
        return Targets(pl.DataFrame(schema=SCHEMA), empty_rejected)
    table, positions = read_columns(path, COLUMNS, REQUIRED)
    indicators = {i.id: i for i in catalog.indicators}
    known = set(indicators) | set(extra_ids)
    good, rejected = [], []
    for row, cells in table.rows:
        get = {n: cell(cells, positions, n) for n in COLUMNS}
        try:
            ind_id = get["indicator_id"]
            if ind_id not in known:
                raise ValueError(f"indicator_id {ind_id!r} is not in the catalog")
            ind = indicators.get(ind_id)
            if ind is not None and ind.kind != "nøkkeltall":
                raise ValueError(
                    f"indicator_id {ind_id!r} is a grunnlagstall (an absolute {ind.unit} figure): "
                    "targets are set on nøkkeltall, figures per inhabitant, share or unit cost"
                )
            direction_text = get.get("direction", "").lower()
            if direction_text:
                if direction_text not in DIRECTIONS:
                    raise ValueError(f"direction {direction_text!r}: use høyere or lavere")
                direction = DIRECTIONS[direction_text]
            elif ind is not None and ind.higher_is_better is not None:
                direction = "higher" if ind.higher_is_better else "lower"
            else:
                raise ValueError("direction missing and the catalog calls the indicator neutral")
            good.append({
                "indicator_id": ind_id, "year": parse_year(get["year"]),
                "target": parse_number(get["target"]), "direction": direction,
                "focus_area": get.get("focus_area") or None,
                "perspective": get.get("perspective") or (ind.perspective if ind else None),
                "measured_by": get.get("measured_by") or None,
                "measured_when": get.get("measured_when") or None,
                "owner": get.get("owner") or None, "row": row,
            })  # fmt: skip
        except ValueError as exc:
            rejected.append({"row": row, "reason": str(exc)})
    frame = pl.DataFrame(good, schema=SCHEMA)
    duplicated = frame.filter(pl.len().over("indicator_id", "year") > 1)
    for r in duplicated.iter_rows(named=True):
        rejected.append({"row": r["row"], "reason": "two targets for the same indicator and year"})
    frame = frame.filter(pl.len().over("indicator_id", "year") == 1)
    return Targets(frame, pl.DataFrame(rejected, schema=empty_rejected.schema))
