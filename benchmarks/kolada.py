"""Kolada benchmarks for issue 4: the KKiK group over all municipalities and 10 years.

Prints planned requests against the lower bound (25 ids per segment, 5 000 rows per page), the
requests made and the wall time against the offline snapshot served over real HTTP by a local
server (default politeness: 5 requests per second), then what a second pull with `from_date`
costs when nothing has changed. Run with `make bench`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.http import RateLimiter  # noqa: E402
from pipelines.kolada.client import (  # noqa: E402
    KoladaClient,
    pages_needed,
    plan_data_queries,
    requests_lower_bound,
)
from pipelines.kolada.pull import pull_kolada  # noqa: E402
from pipelines.snapshot.kolada import KoladaSnapshotTransport  # noqa: E402
from tests.fake_server import serve  # noqa: E402

YEARS = list(range(2015, 2025))
SKR = [f"G{n}" for n in range(92786, 92795)]


def client(url: str) -> KoladaClient:
    return KoladaClient(f"{url}/v3", rate_limiter=RateLimiter(5, 1.0))


def main() -> None:
    with serve(KoladaSnapshotTransport(ROOT / "snapshot")) as url:
        setup = client(url)
        (kkik,) = setup.kpi_groups(["GKPI118"])
        kpis = [m["member_id"] for m in kkik["members"]]
        munis = [m["id"] for m in setup.municipalities() if m["type"] == "K"]
        regions = [*munis, *SKR, "0000"]
        plan = plan_data_queries(kpis, regions, YEARS)
        bound = requests_lower_bound(len(kpis), len(regions), len(YEARS))
        print(f"Kolada benchmark: KKiK (GKPI118) = {len(kpis)} KPIs x {len(munis)} kommuner "
              f"+ {len(SKR)} SKR groups + Riket x {len(YEARS)} years")  # fmt: skip
        print(f"  queries (25 ids/segment)        {len(plan)}")
        print(f"  planned requests (pages)        {pages_needed(plan)}")
        print(f"  lower bound                     {bound}  "
              f"(max of segment product and ceil(rows / 5000))")  # fmt: skip
        first_client = client(url)
        start = time.perf_counter()
        first = pull_kolada(
            first_client, kpis, regions, YEARS, previous_history=None, previous_log=None,
            known_kpis=set(kpis), known_municipalities=set(regions), vintage="2024-08",
            provenance="snapshot:recorded", run_id="bench-1", today="2026-11-01",
        )  # fmt: skip
        wall = time.perf_counter() - start
        made = first_client.stats.by_kind.get("data", 0)
        print(f"  requests made                   {made}  (fewer when cells have no data)")
        print(f"  rows received                   {first.rows_received:,}")
        print(f"  wall time, local HTTP server    {wall:.1f} s at 5 requests/s")
        second_client = client(url)
        start = time.perf_counter()
        second = pull_kolada(
            second_client, kpis, regions, YEARS, previous_history=first.history,
            previous_log=first.log, known_kpis=set(kpis), known_municipalities=set(regions),
            vintage="2026-11-02", provenance="snapshot:recorded", run_id="bench-2",
            today="2026-11-02",
        )  # fmt: skip
        print("second pull, from_date = date of the first, nothing changed:")
        print(f"  requests made                   {second_client.stats.by_kind.get('data', 0)}")
        print(f"  rows received                   {second.rows_received}")
        print(f"  rows touched (new versions)     {second.rows_changed}")
        print(f"  wall time                       {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
