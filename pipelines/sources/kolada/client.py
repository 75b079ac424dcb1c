"""Kolada API v3 client: metadata and data by KPI x municipality x year, path form.

v3 takes at most 25 ids per comma-separated path segment and pages at 5 000 rows; pages are
followed by `next_url` until it is null (`next_page` was v2 and silently stops v3 clients after
the first page). Unknown ids are not an error at Kolada (it answers an empty list), so callers
compare what came back with what they asked for.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from pipelines.sources.http import ApiError, JsonApiClient

MAX_IDS_PER_SEGMENT = 25
PER_PAGE = 5000


def chunks(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[tuple[str, ...]]:
    unique = list(dict.fromkeys(ids))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


@dataclass(frozen=True)
class DataQuery:
    """One data query; no municipalities means every one Kolada has (kommuner, regions, Riket,
    groups), which is what a national pull wants: it pages at 5 000 rows whatever the density."""

    kpis: tuple[str, ...]
    municipalities: tuple[str, ...]
    years: tuple[int, ...]

    @property
    def path(self) -> str:
        years = ",".join(str(y) for y in self.years)
        if not self.municipalities:
            return f"data/kpi/{','.join(self.kpis)}/year/{years}"
        return (
            f"data/kpi/{','.join(self.kpis)}/municipality/{','.join(self.municipalities)}"
            f"/year/{years}"
        )


def _even_chunks(ids: Sequence[str], n_chunks: int) -> list[tuple[str, ...]]:
    size = math.ceil(len(ids) / n_chunks)
    return [tuple(ids[i : i + size]) for i in range(0, len(ids), size)]


def pages_needed(queries: Sequence[DataQuery], per_page: int = PER_PAGE) -> int:
    """Requests the queries take if every KPI x municipality x year has a row (the worst case)."""
    return sum(
        max(1, math.ceil(len(q.kpis) * len(q.municipalities) * len(q.years) / per_page))
        for q in queries
    )


def requests_lower_bound(
    n_kpis: int, n_municipalities: int, n_years: int, per_page: int = PER_PAGE
) -> int:
    """No plan does better: every segment holds at most 25 ids and every page 5 000 rows."""
    segments = (
        math.ceil(n_kpis / MAX_IDS_PER_SEGMENT)
        * math.ceil(n_municipalities / MAX_IDS_PER_SEGMENT)
        * math.ceil(n_years / MAX_IDS_PER_SEGMENT)
    )
    return max(segments, math.ceil(n_kpis * n_municipalities * n_years / per_page))


def plan_national_queries(kpis: Sequence[str], years: Sequence[int]) -> list[DataQuery]:
    """Queries without a municipality segment: as few KPI and year chunks as 25 ids allow.

    Kolada then pages the answer at 5 000 rows, so a chunk costs ceil(rows / 5 000) requests
    however sparse the data are (a biennial KPI costs no request for its empty years), and an
    unchanged `from_date` pull costs one request per chunk.
    """
    k = list(dict.fromkeys(kpis))
    y = list(dict.fromkeys(years))
    if not (k and y):
        return []
    return [
        DataQuery(kc, (), tuple(int(v) for v in yc))
        for kc, yc in itertools.product(
            _even_chunks(k, math.ceil(len(k) / MAX_IDS_PER_SEGMENT)),
            _even_chunks(y, math.ceil(len(y) / MAX_IDS_PER_SEGMENT)),
        )
    ]


def plan_data_queries(
    kpis: Sequence[str],
    municipalities: Sequence[str],
    years: Sequence[int],
    per_page: int = PER_PAGE,
) -> list[DataQuery]:
    """Path-form queries with at most 25 ids per segment, in the fewest requests (pages).

    Each segment is cut into equal chunks; every combination of chunk counts is tried and the one
    whose queries need the fewest pages (assuming every cell has a row) wins. Cutting KPIs into 2
    chunks of 20 rather than 25 + 15, say, lets 20 x 25 municipalities x 10 years fill exactly one
    page of 5 000 instead of spilling onto a second.
    """
    k = list(dict.fromkeys(kpis))
    m = list(dict.fromkeys(municipalities))
    y = [str(v) for v in dict.fromkeys(years)]
    if not (k and m and y):
        return []
    best: list[DataQuery] | None = None
    best_cost = math.inf

    def counts(n: int) -> range:
        return range(math.ceil(n / MAX_IDS_PER_SEGMENT), n + 1)

    for nk in counts(len(k)):
        for nm in counts(len(m)):
            for ny in counts(len(y)):
                queries = nk * nm * ny
                if queries >= best_cost:
                    break  # more chunks only add requests from here
                plan = [
                    DataQuery(kc, mc, tuple(int(v) for v in yc))
                    for kc, mc, yc in itertools.product(
                        _even_chunks(k, nk), _even_chunks(m, nm), _even_chunks(y, ny)
                    )
                ]
                cost = pages_needed(plan, per_page)
                if cost < best_cost:
                    best, best_cost = plan, cost
    assert best is not None
    return best


@dataclass
class Page:
    values: list[dict[str, Any]]
    archive_id: str
    url: str


class KoladaClient(JsonApiClient):
    source = "Kolada"

    def pages(
        self, path: str, params: dict[str, Any] | None = None, kind: str = "data"
    ) -> Iterator[Page]:
        """Every page of a listing, following next_url (absolute or relative) until null."""
        query = {"per_page": PER_PAGE, **(params or {})}
        url: str | None = self.url(path)
        first = True
        seen: set[str] = set()
        while url:
            body, archive_id = self.request_json(
                "GET", url, params=query if first else None, kind=kind
            )
            if not isinstance(body, dict) or not isinstance(body.get("values"), list):
                raise ApiError("Kolada page has no 'values' list", url)
            yield Page(body["values"], archive_id, url)
            next_url = body.get("next_url")
            first = False
            if next_url:
                url = urljoin(self.base_url + "/", next_url)
                if url in seen:
                    raise ApiError("Kolada next_url points back to a page already read", url)
                seen.add(url)
            else:
                url = None

    def listing(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [v for page in self.pages(path, params, kind="metadata") for v in page.values]

    def kpis(self, ids: Sequence[str] = ()) -> list[dict[str, Any]]:
        """KPI metadata: title, description, operating area, perspective, publication dates."""
        return self._by_ids("kpi", ids)

    def kpi_groups(self, ids: Sequence[str] = ()) -> list[dict[str, Any]]:
        return self._by_ids("kpi_groups", ids)

    def municipalities(self) -> list[dict[str, Any]]:
        return self.listing("municipality")

    def municipality_groups(self, ids: Sequence[str] = ()) -> list[dict[str, Any]]:
        return self._by_ids("municipality_groups", ids)

    def _by_ids(self, endpoint: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids:
            return self.listing(endpoint)
        return [
            item for chunk in chunks(ids) for item in self.listing(f"{endpoint}/{','.join(chunk)}")
        ]

    def data(self, query: DataQuery, from_date: str | None = None) -> Iterator[Page]:
        params = {"from_date": from_date} if from_date else None
        yield from self.pages(query.path, params)
