"""National scale: the core and mart models and one home's dashboards at 1x and Nx the indicators.

`python benchmarks/warehouse.py --sizes 1,4` (make bench SIZES=1,4). Size 1 is every Norwegian
and Swedish municipality x 500 indicators (400 SSB series, 100 Kolada KPIs) x 10 years x two
releases; size 4 (2 000 indicators, about 12 M facts) is all KOSTRA nøkkeltall plus KKiK. Each
phase (generate, build, dashboards) runs in a fresh process (benchmarks/national.py); the build's
peak is its own process's, generation excluded. The demo warehouse the sizes start from is built
first by an offline refresh of its own.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import PYTHON, ROOT, fresh, load

from pipelines.storage.warehouse import BUILD_MEMORY_LIMIT

TARGETS = {"build_seconds": 30.0, "build_mb": 2048.0, "dashboards_seconds": 10.0, "page_mb": 1.0}


def demo_config(tmp: Path) -> Path:
    """The demo's settings in a folder of its own (the bundled snapshot, Stavanger)."""
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ("indicators.toml", "malekart.csv", "utgiftsbehov.csv"):
        shutil.copy(ROOT / name, tmp / name)
    config = tmp / "malestokk.toml"
    config.write_text(
        '[home]\ncountry = "NO"\nmunicipality = "1103"\n'
        f'[paths]\ndata_dir = "data"\ncatalog = "indicators.toml"\n'
        f'snapshot_dir = "{ROOT}/snapshot"\n[sources]\nmode = "snapshot"\n',
        encoding="utf-8",
    )
    return config


def demo_warehouse(tmp: Path) -> Path:
    config = demo_config(tmp)
    fresh([PYTHON, "-m", "pipelines.cli", "--config", str(config), "refresh", "--offline"])
    return tmp / "data/warehouse/malestokk.duckdb"


def phase(name: str, folder: Path, *extra: str) -> dict:
    run = fresh([PYTHON, str(ROOT / "benchmarks/national.py"), name, "--dir", str(folder), *extra])
    out = json.loads(run.stdout.strip().splitlines()[-1])
    out["process_peak_mb"] = run.peak_mb
    out["wall"] = run.wall
    return out


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else f"NOT met (target {target:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,4", help="indicator multipliers, e.g. 1,4")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = demo_warehouse(Path(tmp) / "demo")
        for size in sizes:
            folder = Path(tmp) / f"size{size}"
            before = load()
            gen = phase("generate", folder, "--size", str(size), "--demo", str(demo))
            built = phase("build", folder)
            site = phase("dashboards", folder)
            results[size] = (gen, built, site, before)
            facts = gen["rows"]["raw_ssb__kostra_values"] + gen["rows"]["raw_kolada__values"]
            indicators = gen["rows"]["core_catalog__indicators"]
            print(f"\nnational scale, size {size}: {facts:,d} raw facts ({indicators:,d} "
                  f"indicators); {before}")  # fmt: skip
            print(f"  core + marts (Dagster, fresh process)  {built['seconds']:7.1f} s   "
                  f"{verdict(built['seconds'], TARGETS['build_seconds'])}")  # fmt: skip
            print(f"  build's peak memory (own process)      {built['process_peak_mb']:7.0f} MB  "
                  f"{verdict(built['process_peak_mb'], TARGETS['build_mb'])}")  # fmt: skip
            if built["seconds"] > TARGETS["build_seconds"]:
                print(
                    f"    DuckDB is held at {BUILD_MEMORY_LIMIT} (pipelines/storage/warehouse.py) "
                    "and spills the largest joins, windows and groupings to disk; slowest steps:"
                )
            for step, seconds in sorted(built["steps"].items(), key=lambda s: -s[1])[:6]:
                print(f"    {step:36s} {seconds:7.1f} s")
            for table, rows in built["rows"].items():
                print(f"    {table:36s} {rows:>11,d} rows")
            pages = f"one home's dashboards ({site['pages']} pages)"
            print(f"  {pages:38s} {site['seconds']:7.1f} s   "
                  f"{verdict(site['seconds'], TARGETS['dashboards_seconds'])}")  # fmt: skip
            if site["seconds"] > TARGETS["dashboards_seconds"]:
                print(f"    written: ranking files {site['ranking_files_mb']:.0f} MB (every "
                      f"member's value per indicator, year, release and peer set), tables "
                      f"{site['xlsx_mb']:.0f} MB of .xlsx")  # fmt: skip
            print(f"  dashboards' peak memory (own process)  {site['process_peak_mb']:7.0f} MB  "
                  f"{verdict(site['process_peak_mb'], TARGETS['build_mb'])}")  # fmt: skip
            load_mb = site["largest_load"] / 1e6
            print(f"  heaviest page with a peer set chosen   {load_mb:7.2f} MB  "
                  f"{verdict(load_mb, TARGETS['page_mb'])} ({site['largest_load_name']} and "
                  "the largest ranking file it fetches when a peer set is chosen)")  # fmt: skip
            print(f"    largest page alone: {site['largest_page_name']} "
                  f"{site['largest_page'] / 1e6:.2f} MB")  # fmt: skip
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        print(f"\ngrowth from {first}x to {last}x ({last / first:g}x the indicators):")
        rows = (("core + marts, s", "seconds", 1), ("build peak, MB", "process_peak_mb", 1),
                ("dashboards, s", "seconds", 2))  # fmt: skip
        for label, key, index in rows:
            a, b = results[first][index][key], results[last][index][key]
            print(f"  {label:14s} {a:8.1f} -> {b:8.1f}  ({b / a:4.1f}x)")


if __name__ == "__main__":
    main()
