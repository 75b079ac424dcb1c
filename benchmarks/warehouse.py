"""Warehouse benchmark for issue 6: a national-scale warehouse, built and queried.

Generates raw tables for every Norwegian and Swedish municipality (all codes, with the reform
history), 500 indicators (400 SSB series, 100 Kolada KPIs), 10 years and two vintages (a March
and a June release, a third of the cells revised), then times the core and mart SQL models,
records the build's peak memory (VmHWM of its own process), and times the comparisons query a
service-area dashboard makes. Run with `make bench`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUILD = """
import json, sys, time
from datetime import date
sys.path.insert(0, {root!r})
from pathlib import Path
import numpy as np
import polars as pl
from pipelines.regions import municipalities
from pipelines.models import build_releases, build_series
from pipelines.warehouse import Warehouse

YEARS = list(range(2015, 2025))
wh = Warehouse(Path({wh_dir!r}))
rng = np.random.default_rng(6)
no = sorted({{m.code for m in municipalities("NO")}})
se = sorted({{m.code for m in municipalities("SE")}})
pseudo = ["EAK", "EAKUO"] + [f"EKG{{n:02d}}" for n in range(1, 18)]
areas = ["økonomi", "barnehage", "grunnskole", "pleie og omsorg", "barnevern", "kommunehelse",
         "sosialtjenester", "kultur", "teknisk", "administrasjon"]

def catalog_rows():
    rows = []
    for i in range(400):
        rows.append(dict(indicator_id=f"ssb.i{{i:03d}}", source="ssb", label=f"SSB {{i}}",
            unit="1000 kr" if i % 4 == 0 else "prosent", service_area=areas[i % 10],
            perspective="økonomi", higher_is_better=(i % 3 == 0), table_id=f"{{20000 + i // 10}}",
            contents_code=f"KOS{{i:04d}}", fixed="", kpi=None, additive=i % 4 == 0,
            kpi_group=None, numerator=None, denominator=None, ratio_scale=1.0,
            valid_min=None, valid_max=None, kind="grunnlagstall" if i % 4 == 0 else "nøkkeltall",
            per=None, weight=None, confirmed_by=None,
            expenditure_need_area=areas[i % 10] if i % 4 == 0 else None))
    for i in range(100):
        rows.append(dict(indicator_id=f"kolada.k{{i:03d}}", source="kolada", label=f"KPI {{i}}",
            unit="prosent", service_area=areas[i % 10], perspective="tjenester/brukere",
            higher_is_better=True, table_id=None, contents_code=None, fixed=None,
            kpi=f"N{{90000 + i}}", additive=False, kpi_group=None, numerator=None,
            denominator=None, ratio_scale=1.0, valid_min=None, valid_max=None,
            kind="nøkkeltall", per=None, weight=None, confirmed_by=None,
            expenditure_need_area=None))
    return pl.DataFrame(rows, infer_schema_length=None)

def ssb_values():
    regions = no + pseudo
    n = 400 * len(regions) * len(YEARS)
    ind = np.repeat(np.arange(400), len(regions) * len(YEARS))
    reg = np.tile(np.repeat(np.arange(len(regions)), len(YEARS)), 400)
    yr = np.tile(np.array(YEARS), 400 * len(regions))
    value = rng.normal(100, 20, n).round(1)
    base = pl.DataFrame({{
        "table_id": pl.Series((20000 + ind // 10).astype(str)),
        "contents_code": pl.Series(np.char.add("KOS", np.char.zfill(ind.astype(str), 4))),
        "fixed": "", "region_code": pl.Series(np.array(regions)[reg]),
        "region_label": pl.Series(np.array(regions)[reg]), "period": pl.Series(yr.astype(str)),
        "value": value, "status": None, "unit": "x", "decimals": 1,
    }}).with_columns(pl.col("status").cast(pl.String))
    march = base.with_columns(vintage=pl.lit("2025-03-15"), updated=pl.lit("2025-03-15T07:00:00Z"),
                              archive_id=pl.lit("a" * 64), provenance=pl.lit("snapshot:synthetic"))
    revised = rng.random(n) < 1 / 3
    june = march.filter(pl.Series(revised)).with_columns(
        (pl.col("value") + 1.5).alias("value"), vintage=pl.lit("2025-06-15"),
        updated=pl.lit("2025-06-15T06:00:00Z"), is_current=pl.lit(True))
    march = march.with_columns(is_current=pl.Series(~revised))
    return pl.concat([march, june])

def kolada_values():
    regions = se + [f"G{{n}}" for n in range(92786, 92795)] + ["0000"]
    rows = 100 * len(regions) * len(YEARS) * 3
    kpi = np.repeat(np.arange(100), len(regions) * len(YEARS) * 3)
    reg = np.tile(np.repeat(np.arange(len(regions)), len(YEARS) * 3), 100)
    yr = np.tile(np.repeat(np.array(YEARS), 3), 100 * len(regions))
    gender = np.tile(np.array(["T", "K", "M"]), rows // 3)
    return pl.DataFrame({{
        "kpi": pl.Series(np.char.add("N", (90000 + kpi).astype(str))),
        "municipality": pl.Series(np.array(regions)[reg]), "period": pl.Series(yr, dtype=pl.Int32),
        "gender": pl.Series(gender), "value": rng.normal(70, 10, rows).round(2), "count": 1,
        "status": None, "isdeleted": False, "vintage": "2024-08", "archive_id": "b" * 64,
        "provenance": "snapshot:recorded", "is_current": True,
    }}).with_columns(pl.col("status").cast(pl.String))

def region_tables():
    munis = municipalities("NO")
    codes = pl.DataFrame([dict(classification=131, year=y, code=m.code, name=m.name, level="1",
                               valid_from=None, valid_to=None)
                          for m in munis for y in YEARS if m.valid_on(date(y, 1, 1))],
                         schema_overrides={{"valid_from": pl.String, "valid_to": pl.String}})
    changes = pl.DataFrame([dict(reform_year=int(str(m.valid_to)[:4]), old_code=m.code,
                                 old_name=m.name, new_code=s, new_name=s,
                                 change_occurred=str(m.valid_to),
                                 kind="renumbering")
                            for m in munis if m.valid_to for s in m.successors])
    groups = pl.DataFrame([dict(year=y, municipality=c, municipality_name=c,
                                group_code=f"EKG{{1 + hash(c) % 17:02d}}", group_name="g")
                           for y in YEARS if y >= 2020
                           for c in codes.filter(pl.col("year") == y)["code"]])
    groups = groups.with_columns(pl.when(pl.col("municipality") == "1103").then(pl.lit("EKG12"))
                                 .otherwise(pl.col("group_code")).alias("group_code"))
    kolada_munis = pl.DataFrame({{"id": se, "title": se, "type": "K"}})
    kolada_groups = pl.DataFrame([dict(group_id=f"G{{92786 + i % 9}}", title="g", member_id=c,
                                       member_title=c) for i, c in enumerate(se)])
    return codes, changes, groups, kolada_munis, kolada_groups

t0 = time.perf_counter()
codes, changes, groups, kolada_munis, kolada_groups = region_tables()
tables = {{
    "core_catalog__indicators": catalog_rows(),
    "core_settings__home": pl.DataFrame({{"country": ["NO"], "municipality": ["0301"]}}),
    "core_settings__peer_sets": pl.DataFrame({{"name": ["nj"] * 3, "label": ["NJ"] * 3,
        "country": ["NO"] * 3, "member_code": ["1108", "1124", "1127"]}}),
    "raw_ssb__kostra_values": ssb_values(),
    "raw_kolada__values": kolada_values(),
    "raw_klass__region_codes": codes, "raw_klass__municipality_changes": changes,
    "raw_klass__kostra_groups": groups, "raw_kolada__municipalities": kolada_munis,
    "raw_kolada__municipality_groups": kolada_groups,
    "core_targets": pl.DataFrame({{"indicator_id": ["ssb.i001"],
        "year": pl.Series([2024], dtype=pl.Int32),
        "target": [90.0], "direction": ["higher"], "focus_area": ["f"], "perspective": [None],
        "measured_by": ["x"], "measured_when": ["x"], "owner": ["x"], "row": [2]}},
        schema_overrides={{"perspective": pl.String}}),
    "core_expenditure_need": pl.DataFrame([dict(municipality=c, year=y, service_area=a, index=1.0,
        inhabitants=10000, source="bench") for c in no for y in YEARS for a in areas[:4]],
        schema_overrides={{"year": pl.Int32}}),
}}
with wh.build() as con:
    for name, frame in tables.items():
        wh.replace_table(con, name, frame)
    raw_rows = {{n: f.height for n, f in tables.items()}}
generate = time.perf_counter() - t0
models = ["core/core_indicator_values.sql", "core/core_region__codes.sql",
          "core/core_region__lineage.sql", build_releases,
          build_series, "core/core_peer_sets.sql", "marts/mart_peer_values.sql",
          "marts/mart_comparisons.sql", "marts/mart_scorecard.sql",
          "marts/mart_expenditure_need.sql"]
timings = {{}}
with wh.build() as con:
    con.execute("CHECKPOINT")
    start = time.perf_counter()
    for model in models:
        t = time.perf_counter()
        if callable(model):
            model(wh, con)
            model = model.__name__
        else:
            wh.run_model(con, model)
        timings[model] = time.perf_counter() - t
    total = time.perf_counter() - start
    out_rows = {{t: con.execute(f"SELECT count(*) FROM {{t}}").fetchall()[0][0]
                for t in ("core_indicator_values", "core_indicator_series", "mart_comparisons")}}
    con.execute("CHECKPOINT")
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps(dict(generate=generate, raw_rows=raw_rows, timings=timings, total=total,
                      out_rows=out_rows, hwm_kib=hwm)))
"""

DASHBOARD_QUERY = """
SELECT indicator_id, label, year, home_value, peer_set, peer_label, peer_value, gap_abs,
       gap_is_good, home_rank, n_ranked, home_percentile, home_trend_3y, peer_method
FROM mart_comparisons
WHERE service_area = ? AND peer_set IN ('kostra_group', 'asss', 'national')
ORDER BY indicator_id, year, peer_set
"""


def dashboards_and_report(folder: Path) -> None:
    """Issue 7: build every dashboard page and one annual report, then render the pages."""
    import duckdb

    from dashboards.report import annual_report
    from dashboards.site import build_site

    con = duckdb.connect(str(folder / "staging.duckdb"))
    con.execute(
        "CREATE TABLE IF NOT EXISTS mart_local__sick_leave (level VARCHAR, unit_name VARCHAR, "
        "service_area VARCHAR, period VARCHAR, employees BIGINT, sick_leave_rate DOUBLE, "
        "suppressed_by VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS mart_local__surveys (level VARCHAR, survey_kind VARCHAR, "
        "service_area VARCHAR, year INTEGER, respondents BIGINT, mean_score DOUBLE, "
        "suppressed_by VARCHAR)"
    )
    start = time.perf_counter()
    sizes = build_site(con, folder / "site")
    site_seconds = time.perf_counter() - start
    start = time.perf_counter()
    annual_report(con, 2024, folder / "reports")
    report_seconds = time.perf_counter() - start
    con.close()
    print(f"  all dashboards ({len(sizes)} pages)          {site_seconds:8.1f} s")
    print(f"  one annual report (HTML, docx, PDF) {report_seconds:5.1f} s")
    if not Path("/usr/bin/chromedriver").exists():
        print("  (render times need Debian's chromium and chromium-driver; .ci/run installs them)")
        renders = {}
    else:
        renders = render_times(folder / "site", sorted(sizes))
    print("    page (issue 15: <= 1 MB each)   page     largest ranking file, loaded when its "
          "peer set is chosen")  # fmt: skip
    for page, size in sizes.items():
        shown = f"rendered in {renders[page]:5.2f} s" if page in renders else ""
        ranks = [f.stat().st_size for f in (folder / "site").glob(f"{Path(page).stem}.rank.*.js")]
        extra = f"{max(ranks) / 1e6:6.2f} MB" if ranks else "     -   "
        print(f"    {page:28s} {size / 1e6:6.2f} MB   {extra}   {shown}")


def render_times(site: Path, pages: list[str]) -> dict[str, float]:
    """Seconds from navigation until the page has drawn its charts, in headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1800",
    ):
        options.add_argument(flag)  # fmt: skip
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    out = {}
    try:
        for page in pages:
            start = time.perf_counter()
            driver.get((site / page).as_uri())
            while not driver.execute_script("return document.body && document.body.dataset.ready"):
                time.sleep(0.02)
            out[page] = time.perf_counter() - start
    finally:
        driver.quit()
    return out


def main() -> None:
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        code = BUILD.format(root=str(ROOT), wh_dir=tmp)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=ROOT)  # fmt: skip
        if out.returncode:
            raise SystemExit(f"build failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print("warehouse benchmark: NO + SE municipalities, 500 indicators, 10 years, 2 vintages")
        for name, rows in result["raw_rows"].items():
            if rows > 1000:
                print(f"  {name:32s} {rows:>12,d} rows")
        print(f"  generating the raw tables       {result['generate']:8.1f} s")
        for model, seconds in result["timings"].items():
            print(f"  {model:32s} {seconds:8.2f} s")
        print(f"  core + marts, total             {result['total']:8.2f} s")
        for table, rows in result["out_rows"].items():
            print(f"  {table:32s} {rows:>12,d} rows")
        print(f"  peak memory (VmHWM, build process, incl. generating) "
              f"{result['hwm_kib'] / 1024:,.0f} MB")  # fmt: skip
        dashboards_and_report(Path(tmp))
        con = duckdb.connect(str(Path(tmp) / "staging.duckdb"), read_only=True)
        latencies = []
        for _ in range(30):
            start = time.perf_counter()
            rows = con.execute(DASHBOARD_QUERY, ["pleie og omsorg"]).fetchall()
            latencies.append(time.perf_counter() - start)
        con.close()
        print(f"  dashboard query, one service area ({len(rows):,d} rows): "
              f"median {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms over 30 runs")  # fmt: skip


if __name__ == "__main__":
    main()
