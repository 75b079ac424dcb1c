"""Kolada benchmarks: a national pull on dense and on sparse real data, against the lower bound.

For every kommun the pull leaves the municipality segment out, so each KPI chunk (at most 25
KPIs, 25 years) costs ceil(rows / 5 000) requests, whatever the density; the old plan cut the
municipalities into 25-id segments and paid for every segment. Dense: the KKiK group (GKPI118).
Sparse: real KPIs with years missing (N15452 has no 2020-2021, U23490 no 2013-2014 and 2020-2021,
U07451 no 2011 or 2013, U21468 no 2021, N00640 starts in 2021). Served over real HTTP by a local
server from the snapshot's real values; then a second pull with `from_date` when nothing
changed, which costs one request per KPI chunk. Run with `make bench`.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.sources.http import RateLimiter  # noqa: E402
from pipelines.sources.kolada.client import (  # noqa: E402
    KoladaClient,
    pages_needed,
    plan_data_queries,
    plan_national_queries,
)
from pipelines.sources.kolada.pull import pull_kolada  # noqa: E402
from pipelines.sources.snapshot.kolada import KoladaSnapshotTransport  # noqa: E402
from tests.fake_server import serve  # noqa: E402

YEARS = list(range(2010, 2025))
SKR = [f"G{n}" for n in range(92786, 92795)]
SPARSE = ["N15452", "U23490", "U07451", "U21468", "N00640"]


def client(url: str) -> KoladaClient:
    return KoladaClient(f"{url}/v3", rate_limiter=RateLimiter(5, 1.0))


def pull(url: str, kpis: list[str], regions: list[str], previous=None, today="2026-11-01"):
    c = client(url)
    start = time.perf_counter()
    result = pull_kolada(
        c, kpis, regions, YEARS,
        previous_history=previous.history if previous else None,
        previous_log=previous.log if previous else None,
        known_kpis=set(kpis), known_municipalities=set(regions), vintage="2024-08",
        provenance="snapshot:recorded", run_id=f"bench-{today}", today=today, national=True,
    )  # fmt: skip
    return result, c.stats.by_kind.get("data", 0), time.perf_counter() - start


def report(url: str, name: str, kpis: list[str], regions: list[str], munis: list[str]) -> None:
    chunks = len(plan_national_queries(kpis, YEARS))
    segmented = pages_needed(plan_data_queries(kpis, regions, YEARS))
    first, made, wall = pull(url, kpis, regions)
    second, again, _ = pull(url, kpis, regions, first, today="2026-11-02")
    kept_items = first.history.select("kpi", "municipality", "period").unique().height
    print(f"{name}: {len(kpis)} KPIs x {len(munis)} kommuner + {len(SKR)} SKR groups + Riket "
          f"x {len(YEARS)} years ({YEARS[0]}-{YEARS[-1]}), {chunks} KPI chunk(s)")  # fmt: skip
    print(f"  requests made                     {made}")
    print(f"  lower bound, ceil(rows/5000)/chunk {first.lower_bound}  "
          f"(rows answered incl. regions; {kept_items:,} kept)")  # fmt: skip
    print(f"  old plan (25-id municipality segments) {segmented}")
    print(f"  wall time, local HTTP, 5 req/s    {wall:.1f} s")
    print(f"  unchanged second pull (from_date) {again} request(s) "
          f"for {chunks} chunk(s), {second.rows_received} rows")  # fmt: skip
    assert made == first.lower_bound and again == chunks, "not at the lower bound"
    assert math.isfinite(wall)


def main() -> None:
    with serve(KoladaSnapshotTransport(ROOT / "snapshot")) as url:
        setup = client(url)
        (kkik,) = setup.kpi_groups(["GKPI118"])
        dense = [m["member_id"] for m in kkik["members"]]
        munis = [m["id"] for m in setup.municipalities() if m["type"] == "K"]
        regions = [*munis, *SKR, "0000"]
        print("Kolada benchmark (real values, national pull without a municipality segment)")
        report(url, "dense: KKiK (GKPI118)", dense, regions, munis)
        report(url, "sparse: KPIs with real gaps", SPARSE, regions, munis)


if __name__ == "__main__":
    main()
