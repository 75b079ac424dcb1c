"""Build the Swedish part of the offline snapshot from real Kolada data (Källa: Kolada).

Inputs (shared/): data/kolada/{values,kpi,municipalities}.csv (real values for 35 KPIs, scraped
from the Kolada API in August 2024) and samples/kolada/*_pykolada.json (real v2 group lists,
January 2024). Values are unchanged; only the file format changes (CSV -> Parquet). Group values
are not stored: the snapshot server computes them as Kolada does (unweighted mean of members).
Run from the repository root: .venv/bin/python snapshot/tools/build_kolada_snapshot.py ../shared
"""

import json
import shutil
import sys
from pathlib import Path

import polars as pl

OUT = Path("snapshot/kolada")
SKR_GROUPS = [f"G{n}" for n in range(92786, 92795)]


def main(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    values = pl.read_csv(
        shared / "data/kolada/values.csv",
        schema={
            "kpi": pl.String,
            "municipality": pl.String,
            "period": pl.Int32,
            "gender": pl.String,
            "value": pl.Float64,
        },
    ).sort(["kpi", "municipality", "period", "gender"])
    values.write_parquet(OUT / "values.parquet", compression="zstd", compression_level=19)
    for name in ("kpi.csv", "municipalities.csv"):
        shutil.copy(shared / "data/kolada" / name, OUT / name)
    groups = json.loads(
        (shared / "samples/kolada/v2_municipality_groups_values_2024-01__pykolada.json").read_text(
            encoding="utf-8"
        )
    )
    keep = [g for g in groups if g["id"] in SKR_GROUPS or g["title"].endswith("läns kommuner")]
    (OUT / "municipality_groups.json").write_text(
        json.dumps(keep, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    kpi_groups = json.loads(
        (shared / "samples/kolada/v2_kpi_groups_values_2024-01__pykolada.json").read_text(
            encoding="utf-8"
        )
    )
    (OUT / "kpi_groups.json").write_text(
        json.dumps(kpi_groups, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    # KKiK members without values in the dump still exist at Kolada: list them in /kpi with the
    # title the real group list gives, and say that the rest of their metadata is not recorded.
    kpis = pl.read_csv(OUT / "kpi.csv", infer_schema=False)
    kkik = next(g for g in kpi_groups if g["id"] == "GKPI118")
    extra = [
        {
            "id": m["member_id"],
            "title": m["member_title"],
            "description": "Titel från Koladas KPI-grupp GKPI118 (januari 2024); övrig metadata "
            "och värden finns inte i ögonblicksbilden.",
        }
        for m in kkik["members"]
        if m["member_id"] not in set(kpis["id"].to_list())
    ]
    if extra:
        kpis = pl.concat([kpis, pl.DataFrame(extra)], how="diagonal").sort("id")
        kpis.write_csv(OUT / "kpi.csv")
    print(
        f"values: {values.height} rows; municipality groups kept: {len(keep)}; "
        f"kpi groups: {len(kpi_groups)}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared"))
