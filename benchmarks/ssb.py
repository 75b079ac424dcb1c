"""SSB benchmarks: decode speed (fresh processes, 1/4/16 M cells), data requests, refresh memory.

Run with `make bench` (installs pyjstat from the `bench` dependency group). Prints figures; it
asserts nothing, because timings belong in a report, not in a test.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pipelines.settings.catalog import load_catalog  # noqa: E402
from pipelines.sources.http import RateLimiter  # noqa: E402
from pipelines.sources.snapshot.ssb import SsbSnapshotTransport  # noqa: E402
from pipelines.sources.ssb.pxweb import DEFAULT_MAX_CELLS, PxWebClient  # noqa: E402
from pipelines.sources.ssb.refresh import fetch_groups, refresh_kostra  # noqa: E402


def kostra_shaped_payload(regions: int, functions: int, arts: int, years: int) -> bytes:
    """A 12367-like cube: region x funksjon x art x contents x year, 2 % null with a status."""
    dims = {
        "KOKkommuneregion0000": ["EAK", "EAKUO"] + [f"{i:04d}" for i in range(regions - 2)],
        "KOKfunksjon0000": [f"{100 + i:03d}" for i in range(functions)],
        "KOKart0000": [f"AGD{i}" for i in range(arts)],
        "ContentsCode": ["KOSbelop0000"],
        "Tid": [str(2015 + i) for i in range(years)],
    }
    size = [len(v) for v in dims.values()]
    n = math.prod(size)
    rng = np.random.default_rng(20250615)
    values = rng.integers(-5_000, 900_000, n).astype(object)
    missing = np.flatnonzero(rng.random(n) < 0.02)
    values[missing] = None
    status = {str(i): (".", "..", ":")[i % 3] for i in missing.tolist()}
    dimension = {}
    for dim, codes in dims.items():
        category = {"index": {c: i for i, c in enumerate(codes)}, "label": {c: c for c in codes}}
        if dim == "ContentsCode":
            category["unit"] = {"KOSbelop0000": {"base": "1000 kr", "decimals": 0}}
        dimension[dim] = {"label": dim, "category": category}
    dataset = {
        "version": "2.0",
        "class": "dataset",
        "label": "12367: benchmark cube",
        "source": "Statistisk sentralbyrå",
        "updated": "2025-06-15T06:00:00Z",
        "id": list(dims),
        "size": size,
        "dimension": dimension,
        "value": values.tolist(),
        "status": status,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "extension": {"px": {"tableid": "12367"}},
    }
    return json.dumps(dataset).encode()


CUBES = {"1 M": 5, "4 M": 20, "16 M": 80}  # KOKart categories: 540 x 40 x arts x 10 cells


def bench_decode(skip_pyjstat: bool, runs: int) -> None:
    """Parse + decode against json.loads alone and against pyjstat, each run in a fresh process
    on the same file (benchmarks/decode_one.py), imports included; medians of `runs` with the
    spread, and the ratio without the imports beside it."""
    from measure import PYTHON, fresh, load, median, spread

    print(f"\ndecode: KOSTRA-shaped cubes (region x funksjon x art x contents x year); {load()}")
    print("  imports included (msgspec, numpy, polars: what a fresh process pays once); "
          f"median of {runs} fresh processes (min-max)")  # fmt: skip
    print("  cells     MB   json.loads        parse+decode             ratio (goal <= 0.6)  "
          "without imports   pyjstat   speed-up (goal >= 30x)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for label, arts in CUBES.items():
            path = Path(tmp) / f"cube_{arts}.json"
            path.write_bytes(kostra_shaped_payload(540, 40, arts, 10))

            def timed(tool: str, n: int, cube: Path = path) -> list[dict]:
                cmd = [PYTHON, str(ROOT / "benchmarks/decode_one.py"), tool, str(cube)]
                return [json.loads(fresh(cmd).stdout) for _ in range(n)]

            parse = timed("json", runs)
            ours = timed("malestokk", runs)
            parse_s = [r["seconds"] for r in parse]
            ours_s = [r["seconds"] for r in ours]
            ratio = median(ours_s) / median(parse_s)
            work_ratio = median([r["work_seconds"] for r in ours]) / median(
                [r["work_seconds"] for r in parse]
            )
            peer = "" if skip_pyjstat else None
            if peer is None:
                theirs = [r["seconds"] for r in timed("pyjstat", runs if arts <= 20 else 1)]
                peer = (f"{median(theirs):8.2f} s  {median(theirs) / median(ours_s):6.1f}x"
                        + ("" if len(theirs) > 1 else " (1 run)"))  # fmt: skip
            verdict = "met" if ratio <= 0.6 else "NOT met"
            print(f"  {label:6s} {path.stat().st_size / 1e6:5.0f}  {median(parse_s):6.2f} s "
                  f"({spread(parse_s)})  {median(ours_s):6.2f} s ({spread(ours_s)})  "
                  f"{ratio:4.2f}x {verdict:7s}  {work_ratio:4.2f}x  {peer}")  # fmt: skip
            if ratio > 0.6:
                imports = median([r["seconds"] - r["work_seconds"] for r in ours])
                print(f"         why: {imports:.2f} s of the {median(ours_s):.2f} s are the "
                      "imports of msgspec, numpy and polars, paid once per process; the "
                      f"parse+decode itself is {work_ratio:.2f}x json.loads")  # fmt: skip
            path.unlink()


def bench_requests() -> None:
    catalog = load_catalog(ROOT / "indicators.toml")
    groups = fetch_groups(catalog.ssb_tables())
    years = list(range(2017, 2025))

    def client() -> PxWebClient:
        return PxWebClient(
            "https://data.ssb.no/api/pxwebapi/v2",
            transport=SsbSnapshotTransport(ROOT / "snapshot"),
            rate_limiter=RateLimiter(1000, 1.0),
        )

    first_client = client()
    first = refresh_kostra(
        first_client, groups, years, previous_history=None, previous_log=None,
        provenance="snapshot:synthetic", run_id="bench-1",
    )  # fmt: skip
    second_client = client()
    refresh_kostra(
        second_client, groups, years, previous_history=first.history, previous_log=first.log,
        provenance="snapshot:synthetic", run_id="bench-2",
    )  # fmt: skip
    print(
        f"requests: default catalog, {len(catalog.ssb_tables())} KOSTRA tables, "
        f"{years[0]}-{years[-1]}"
    )
    print(f"  cell limit                          {DEFAULT_MAX_CELLS:,}")
    print(f"  planned data requests               {first.planned}")
    print(f"  lower bound sum(ceil(cells/limit))  {first.lower_bound}")
    print(f"  data requests made, first refresh   {first_client.stats.by_kind.get('data', 0)}")
    print(f"  data requests, second (unchanged)   {second_client.stats.by_kind.get('data', 0)}")
    print(f"  info requests, second refresh       {second_client.stats.by_kind.get('metadata', 0)}")


MEMORY_RUN = """
import sys, threading, time
sys.path.insert(0, {root!r})
import dagster as dg
from assets.ssb import raw
from pipelines.resources import build_resources
from pipelines.settings.config import load_settings

def status_kib(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field))

def rss_kib():
    return status_kib("VmRSS")

settings = load_settings({config!r})
base = rss_kib()
peak = [base]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss_kib())
        time.sleep(0.005)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
start = time.perf_counter()
result = dg.materialize(
    [raw.raw_ssb__kostra_values_and_log, raw.raw_klass__region_codes,
     raw.raw_klass__municipality_changes, raw.raw_klass__kostra_groups],
    resources=build_resources(settings), raise_on_error=True,
)
seconds = time.perf_counter() - start
done.set(); sampler.join()
print(base, max(peak[0], rss_kib()), status_kib("VmHWM"), seconds)
"""


def bench_memory() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "malestokk.toml"
        config.write_text(
            '[home]\ncountry = "NO"\nmunicipality = "1103"\n'
            f'[paths]\ndata_dir = "{tmp}/data"\ncatalog = "{ROOT}/indicators.toml"\n'
            f'snapshot_dir = "{ROOT}/snapshot"\n[sources]\nmode = "snapshot"\n',
            encoding="utf-8",
        )
        code = MEMORY_RUN.format(root=str(ROOT), config=str(config))
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
            env={"DAGSTER_HOME": tmp, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        if out.returncode:
            raise SystemExit(f"memory run failed:\n{out.stderr[-3000:]}")
        base, peak, maxrss, seconds = out.stdout.split()[-4:]
    print("memory: full offline refresh of the KOSTRA part (SSB values + KLASS), own process")
    print(f"  RSS after imports        {int(base) / 1024:7.0f} MB")
    print(f"  peak RSS during refresh  {int(peak) / 1024:7.0f} MB (sampled every 5 ms)")
    print(f"  refresh's own peak       {(int(peak) - int(base)) / 1024:7.0f} MB above the imports")
    print(f"  process peak RSS (VmHWM) {int(maxrss) / 1024:7.0f} MB (incl. imports)")
    print(f"  wall time                {float(seconds):7.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-pyjstat", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"Målestokk SSB benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"python {sys.version.split()[0]})"
    )
    bench_decode(args.skip_pyjstat, args.runs)
    bench_requests()
    bench_memory()


if __name__ == "__main__":
    main()
