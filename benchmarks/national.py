"""The phases of the national-scale benchmark, each run in a process of its own by warehouse.py.

    generate   raw tables for every Norwegian and Swedish municipality (all codes, with the
               reform history): 400 x size SSB series and 100 x size Kolada KPIs, 10 years, two
               vintages (a March and a June release, a third of the cells revised), written
               into a staging warehouse that starts as a copy of the demo's (the home's own
               figures, målekart and settings stay the demo's: Stavanger).
    build      the core and mart assets, materialized by Dagster as a refresh does (checks
               left out: they are timed with the refresh), in a fresh process.
    dashboards every dashboard page of the home from the built warehouse, in a fresh process.

Each phase prints one JSON line; the figures are synthetic and only their size matters.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEARS = list(range(2015, 2025))
AREAS = ["økonomi", "barnehage", "grunnskole", "pleie og omsorg", "barnevern", "kommunehelse",
         "sosialtjenester", "kultur", "teknisk", "administrasjon"]  # fmt: skip
# tables the benchmark generates; every other table of the demo warehouse is kept as it is
GENERATED = (
    "core_catalog__indicators",
    "raw_ssb__kostra_values",
    "raw_kolada__values",
    "raw_klass__region_codes",
    "raw_klass__municipality_changes",
    "raw_klass__kostra_groups",
    "raw_kolada__municipalities",
    "raw_kolada__municipality_groups",
)


def peak_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def _codes():
    from pipelines.domain.regions import municipalities

    no = sorted({m.code for m in municipalities("NO")})
    se = sorted({m.code for m in municipalities("SE")})
    return no, se


def catalog(size: int, template):
    import polars as pl

    rows = []
    for i in range(400 * size):
        rows.append(
            dict(
                indicator_id=f"ssb.i{i:04d}",
                source="ssb",
                label=f"SSB {i}",
                unit="kr" if i % 4 == 0 else "prosent",
                service_area=AREAS[i % 10],
                perspective="økonomi",
                higher_is_better=(i % 3 == 0),
                table_id=f"{20000 + i // 10}",
                contents_code=f"KOS{i:05d}",
                fixed="",
                additive=False,
                ratio_scale=1.0,
                kind="nøkkeltall",
                expenditure_need_area=AREAS[i % 10] if i % 4 == 0 else None,
            )
        )
    for i in range(100 * size):
        rows.append(dict(indicator_id=f"kolada.k{i:04d}", source="kolada", label=f"KPI {i}",
            unit="%", service_area=AREAS[i % 10], perspective="tjenester/brukere",
            higher_is_better=True, kpi=f"N{90000 + i}", additive=False, ratio_scale=1.0,
            kind="nøkkeltall"))  # fmt: skip
    frame = pl.DataFrame(rows, infer_schema_length=None)
    # a figure and its denominator of the same year (KOSTRA's 1.1 populations are the demo's)
    zero = {"denominator_year_offset", "weight_year_offset"}
    missing = [
        pl.lit(0 if c in zero else None, dtype=t).alias(c)
        for c, t in template.items()
        if c not in frame.columns
    ]
    return frame.with_columns(missing).select([pl.col(c).cast(t) for c, t in template.items()])


def ssb_values(size: int, no: list[str], rng):
    import numpy as np
    import polars as pl

    regions = no + ["EAK", "EAKUO"] + [f"EKG{n:02d}" for n in range(1, 18)]
    series = 400 * size
    n = series * len(regions) * len(YEARS)
    ind = np.repeat(np.arange(series), len(regions) * len(YEARS))
    reg = np.tile(np.repeat(np.arange(len(regions)), len(YEARS)), series)
    yr = np.tile(np.array(YEARS), series * len(regions))
    base = pl.DataFrame({
        "table_id": pl.Series((20000 + ind // 10).astype(str)),
        "contents_code": pl.Series(np.char.add("KOS", np.char.zfill(ind.astype(str), 5))),
        "fixed": "", "region_code": pl.Series(np.array(regions)[reg]),
        "region_label": pl.Series(np.array(regions)[reg]), "period": pl.Series(yr.astype(str)),
        "value": rng.normal(100, 20, n).round(1), "status": None, "unit": "x", "decimals": 1,
    }).with_columns(pl.col("status").cast(pl.String))  # fmt: skip
    march = base.with_columns(
        vintage=pl.lit("2025-03-15"), updated=pl.lit("2025-03-15T07:00:00Z"),
        archive_id=pl.lit("a" * 64), provenance=pl.lit("snapshot:synthetic"),
    )  # fmt: skip
    revised = rng.random(n) < 1 / 3
    june = march.filter(pl.Series(revised)).with_columns(
        (pl.col("value") + 1.5).alias("value"), vintage=pl.lit("2025-06-15"),
        updated=pl.lit("2025-06-15T06:00:00Z"), is_current=pl.lit(True),
    )  # fmt: skip
    march = march.with_columns(is_current=pl.Series(~revised))
    return pl.concat([march, june])


def kolada_values(size: int, se: list[str], rng):
    import numpy as np
    import polars as pl

    regions = se + [f"G{n}" for n in range(92786, 92795)] + ["0000"]
    kpis = 100 * size
    rows = kpis * len(regions) * len(YEARS) * 3
    kpi = np.repeat(np.arange(kpis), len(regions) * len(YEARS) * 3)
    reg = np.tile(np.repeat(np.arange(len(regions)), len(YEARS) * 3), kpis)
    yr = np.tile(np.repeat(np.array(YEARS), 3), kpis * len(regions))
    gender = np.tile(np.array(["T", "K", "M"]), rows // 3)
    return pl.DataFrame({
        "kpi": pl.Series(np.char.add("N", (90000 + kpi).astype(str))),
        "municipality": pl.Series(np.array(regions)[reg]), "period": pl.Series(yr, dtype=pl.Int32),
        "gender": pl.Series(gender), "value": rng.normal(70, 10, rows).round(2), "count": 1,
        "status": None, "isdeleted": False, "vintage": "2024-08", "archive_id": "b" * 64,
        "provenance": "snapshot:recorded", "is_current": True,
    }).with_columns(pl.col("status").cast(pl.String))  # fmt: skip


def region_tables(no: list[str], se: list[str]):
    import polars as pl

    from pipelines.domain.regions import municipalities

    munis = municipalities("NO")
    codes = pl.DataFrame(
        [dict(classification=131, year=y, code=m.code, name=m.name, level="1", valid_from=None,
              valid_to=None) for m in munis for y in YEARS if m.valid_on(date(y, 1, 1))],
        schema_overrides={"valid_from": pl.String, "valid_to": pl.String},
    )  # fmt: skip
    changes = pl.DataFrame(
        [dict(reform_year=int(str(m.valid_to)[:4]), old_code=m.code, old_name=m.name,
              new_code=s, new_name=s, change_occurred=str(m.valid_to), kind="renumbering")
         for m in munis if m.valid_to for s in m.successors]
    )  # fmt: skip
    groups = pl.DataFrame(
        [dict(year=y, municipality=c, municipality_name=c,
              group_code=f"EKG{1 + sum(map(ord, c)) % 17:02d}", group_name="g",
              provenance="snapshot:synthetic")
         for y in YEARS if y >= 2020 for c in codes.filter(pl.col("year") == y)["code"]]
    ).with_columns(
        pl.when(pl.col("municipality") == "1103").then(pl.lit("EKG12"))
        .otherwise(pl.col("group_code")).alias("group_code")
    )  # fmt: skip
    kolada_munis = pl.DataFrame({"id": se, "title": se, "type": "K"})
    kolada_groups = pl.DataFrame(
        [dict(group_id=f"G{92786 + i % 9}", title="g", member_id=c, member_title=c)
         for i, c in enumerate(se)]
    )  # fmt: skip
    return codes, changes, groups, kolada_munis, kolada_groups


def generate(size: int, demo: Path, folder: Path) -> dict:
    import duckdb
    import numpy as np

    from pipelines.storage.warehouse import Warehouse

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo, folder / "staging.duckdb")
    wh = Warehouse(folder)
    no, se = _codes()
    rng = np.random.default_rng(6)
    with wh.build() as con:
        template = {
            name: _polars_type(kind)
            for name, kind in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = "
                "'core_catalog__indicators' ORDER BY column_index"
            ).fetchall()
        }
    codes, changes, groups, kolada_munis, kolada_groups = region_tables(no, se)
    tables = {
        "core_catalog__indicators": catalog(size, template),
        "raw_ssb__kostra_values": ssb_values(size, no, rng),
        "raw_kolada__values": kolada_values(size, se, rng),
        "raw_klass__region_codes": codes,
        "raw_klass__municipality_changes": changes,
        "raw_klass__kostra_groups": groups,
        "raw_kolada__municipalities": kolada_munis,
        "raw_kolada__municipality_groups": kolada_groups,
    }
    with wh.build() as con:
        for name, frame in tables.items():
            wh.replace_table(con, name, frame)
        con.execute("CHECKPOINT")
    del con
    duckdb.connect(str(folder / "staging.duckdb")).close()
    rows = {name: frame.height for name, frame in tables.items()}
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_mb": peak_mb()}


def _polars_type(duckdb_type: str):
    import polars as pl

    return {
        "VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DOUBLE": pl.Float64,
        "INTEGER": pl.Int32, "BIGINT": pl.Int64,
    }.get(duckdb_type, pl.String)  # fmt: skip


def build(folder: Path, config: Path) -> dict:
    """The SQL model assets of the core and marts layers and their checks (the blocking ones
    that gate the publish, Great Expectations suites and table contracts), as the refresh
    materializes them."""
    import dagster as dg

    from pipelines.definitions import all_assets, all_checks
    from pipelines.resources import WarehouseResource, build_resources
    from pipelines.settings.config import load_settings
    from pipelines.storage.graph_shape import shape_of

    models = [
        a
        for a in all_assets()
        if set(a.required_resource_keys) - {"io_manager"} <= {"warehouse"}
        and {a.group_names_by_key[k] for k in a.keys} <= {"core", "marts"}
        and not {k.to_user_string() for k in a.keys} & set(GENERATED)
    ]
    keys = {k for a in models for k in a.keys}
    everything = all_assets()
    every_check = all_checks(everything)
    checks = [c for c in every_check if {k.asset_key for k in c.check_keys} <= keys]
    selection = dg.AssetSelection.assets(*models)
    start = time.perf_counter()
    result = dg.materialize(
        [*models, *checks],
        selection=selection,
        # the demo's resources (its settings are the checks' study), the benchmark's warehouse
        resources={
            **build_resources(load_settings(config, env={})),
            "warehouse": WarehouseResource(warehouse_dir=str(folder)),
            "graph_shape": shape_of(everything, every_check),
        },
        raise_on_error=True,
    )
    seconds = time.perf_counter() - start
    steps = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    import duckdb

    con = duckdb.connect(str(folder / "staging.duckdb"), read_only=True)
    out_rows = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("core_indicator_values", "core_indicator_series", "mart_comparisons")
    }
    con.close()
    return {"seconds": seconds, "steps": steps, "rows": out_rows, "peak_mb": peak_mb()}


def dashboards(folder: Path) -> dict:
    import duckdb

    from dashboards.site import build_site

    con = duckdb.connect(str(folder / "staging.duckdb"), read_only=True)
    start = time.perf_counter()
    sizes = build_site(con, folder / "site")
    seconds = time.perf_counter() - start
    con.close()
    rank_files = list((folder / "site").glob("*.rank.*.js"))
    ranks = [f.stat().st_size for f in rank_files]
    tables = [f.stat().st_size for f in (folder / "site").glob("*.xlsx")]
    # what a browser loads for one page with a peer set chosen: the page and the largest of the
    # ranking files that page fetches (<area>.rank.<release>-<peer set>-<indicator>.js); the
    # scripts every page shares (plotly.min.js, app.js, style.css) are counted apart
    site = folder / "site"
    by_page: dict[str, list[Path]] = {}
    for f in rank_files:
        by_page.setdefault(f.name.split(".rank.")[0] + ".html", []).append(f)

    def gz(path: Path) -> int:  # what nginx sends (deploy/nginx-outputs.conf: gzip level 5)
        return len(gzip.compress(path.read_bytes(), compresslevel=5))

    loads, loads_gz = {}, {}
    for page, size in sizes.items():
        largest = max(by_page.get(page, []), key=lambda f: f.stat().st_size, default=None)
        loads[page] = size + (largest.stat().st_size if largest else 0)
        loads_gz[page] = gz(site / page) + (gz(largest) if largest else 0)
    return {
        "seconds": seconds,
        "pages": len(sizes),
        "largest_page": max(sizes.values()),
        "largest_page_name": max(sizes, key=sizes.get),
        "largest_ranking_file": max(ranks, default=0),
        "largest_load": max(loads.values()),
        "largest_load_name": max(loads, key=loads.get),
        "largest_load_gz": max(loads_gz.values()),
        "largest_load_gz_name": max(loads_gz, key=loads_gz.get),
        "ranking_files_mb": sum(ranks) / 1e6,
        "ranking_files": len(ranks),
        "shared_mb": sum(
            (site / n).stat().st_size for n in ("plotly.min.js", "app.js", "style.css")
        )
        / 1e6,
        "shared_gz_mb": sum(gz(site / n) for n in ("plotly.min.js", "app.js", "style.css")) / 1e6,
        "xlsx_mb": sum(tables) / 1e6,
        "peak_mb": peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=("generate", "build", "dashboards"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--demo", type=Path)
    parser.add_argument("--config", type=Path, help="the demo's settings (build: the checks')")
    args = parser.parse_args()
    if args.phase == "generate":
        out = generate(args.size, args.demo, args.dir)
    elif args.phase == "build":
        out = build(args.dir, args.config)
    else:
        out = dashboards(args.dir)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
