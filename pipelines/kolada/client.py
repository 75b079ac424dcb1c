"""Kolada API v3 client: metadata and data by KPI x municipality x year, path form.

v3 takes at most 25 ids per comma-separated path segment and pages at 5 000 rows; pages are
followed by `next_url` until it is null (`next_page` was v2 and silently stops v3 clients after
the first page). Unknown ids are not an error at Kolada (it answers an empty list), so callers
compare what came back with what they asked for.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from pipelines.http import ApiError, JsonApiClient

MAX_IDS_PER_SEGMENT = 25
PER_PAGE = 5000


def chunks(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[tuple[str, ...]]:
    unique = list(dict.fromkeys(ids))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


@dataclass(frozen=True)
class DataQuery:
    kpis: tuple[str, ...]
    municipalities: tuple[str, ...]
    years: tuple[int, ...]

    @property
    def path(self) -> str:
        return (
            f"data/kpi/{','.join(self.kpis)}/municipality/{','.join(self.municipalities)}"
            f"/year/{','.join(str(y) for y in self.years)}"
        )


def plan_data_queries(
    kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int]
) -> list[DataQuery]:
    """The fewest path-form queries that keep every segment within 25 ids."""
    return [
        DataQuery(k, m, y)
        for k, m, y in itertools.product(
            chunks(kpis), chunks(municipalities), chunks([str(y) for y in years])
        )
        for y in [tuple(int(v) for v in y)]
    ]


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

    def data(self, query: DataQuery, from_date: str | None = None) -> Iterator[Page]:
        params = {"from_date": from_date} if from_date else None
        yield from self.pages(query.path, params)
