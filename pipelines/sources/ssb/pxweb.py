"""SSB PxWebApi clients: table info, server config, metadata and data as JSON-stat2.

Two clients share one interface so an asset never knows which API answered: `PxWebClient` speaks
PxWebApi v2 (`/api/pxwebapi/v2`), `PxWebV0Client` the older v0 endpoint (`/api/v0`), which SSB
still runs and which is the fallback when v2 is down. Data selections are POSTed, so a long region
list never hits the ~2 100-character GET limit (beyond it SSB answers 404, which looks like a
missing table). Requests are planned to stay under the server's cell limit (800 000, empty cells
included), read from the server's config when available.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from pipelines.sources.http import JsonApiClient, RequestStats, parse_json

DEFAULT_MAX_CELLS = 800_000


def pxweb_error_text(response: httpx.Response) -> str:
    """v2 problems carry a `title` (read it, not `detail`); v0 uses {"error": ...}."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or "(empty body)"
    if isinstance(body, dict):
        for key in ("title", "error"):
            if body.get(key):
                return str(body[key])
    return response.text[:300]


@dataclass(frozen=True)
class TableMeta:
    """What a table offers: its variables in order, their codes and labels, and its update time."""

    table: str
    title: str
    variables: dict[str, list[str]]
    labels: dict[str, dict[str, str]]
    updated: str | None

    def codes(self, variable: str) -> list[str]:
        if variable not in self.variables:
            raise KeyError(
                f"table {self.table} has no variable {variable} "
                f"(it has {', '.join(self.variables)})"
            )
        return self.variables[variable]


@dataclass(frozen=True)
class DataRequest:
    """One planned data call: a table and the value codes chosen for each variable."""

    table: str
    selection: dict[str, tuple[str, ...]]

    @property
    def cells(self) -> int:
        return math.prod(len(v) for v in self.selection.values())

    def body(self) -> dict[str, Any]:
        return {
            "selection": [
                {"variableCode": var, "valueCodes": list(codes)}
                for var, codes in self.selection.items()
            ]
        }

    def v0_body(self) -> dict[str, Any]:
        return {
            "query": [
                {"code": var, "selection": {"filter": "item", "values": list(codes)}}
                for var, codes in self.selection.items()
            ],
            "response": {"format": "json-stat2"},
        }


def lower_bound(cells: int, max_cells: int) -> int:
    """No plan can use fewer requests than this."""
    return max(1, math.ceil(cells / max_cells))


def _split(
    table: str, selection: dict[str, tuple[str, ...]], order: tuple[str, ...], max_cells: int
) -> list[DataRequest]:
    """Greedy split along `order`: each variable is cut into the largest chunks that fit."""
    requests = [DataRequest(table, selection)]
    for var in order:
        done: list[DataRequest] = []
        for req in requests:
            if req.cells <= max_cells:
                done.append(req)
                continue
            codes = req.selection[var]
            other = req.cells // len(codes)
            per_chunk = max(1, max_cells // other)
            n_chunks = math.ceil(len(codes) / per_chunk)
            per_chunk = math.ceil(len(codes) / n_chunks)  # even chunks, same count
            for start in range(0, len(codes), per_chunk):
                part = dict(req.selection)
                part[var] = codes[start : start + per_chunk]
                done.append(DataRequest(table, part))
        requests = done
    return requests


def plan_requests(
    table: str, selection: dict[str, list[str]], max_cells: int, split_vars: list[str]
) -> list[DataRequest]:
    """Split a selection into the fewest requests that each stay within `max_cells`.

    Every order of the variables allowed to be split is tried and the plan with the fewest
    requests wins (ties go to the earlier order, so `split_vars` states a preference). Duplicate
    codes are dropped first because SSB answers a repeated code with HTTP 500.
    """
    clean = {var: tuple(dict.fromkeys(codes)) for var, codes in selection.items()}
    for var, codes in clean.items():
        if not codes:
            raise ValueError(f"table {table}: no values selected for {var}")
    if math.prod(len(c) for c in clean.values()) <= max_cells:
        return [DataRequest(table, clean)]
    splittable = [v for v in split_vars if len(clean.get(v, ())) > 1]
    best: list[DataRequest] | None = None
    for order in itertools.permutations(splittable):
        plan = _split(table, clean, order, max_cells)
        if all(r.cells <= max_cells for r in plan) and (best is None or len(plan) < len(best)):
            best = plan
    if best is None:
        raise ValueError(f"table {table}: cannot split under {max_cells} cells along {split_vars}")
    return best


class PxWebApi(Protocol):
    """The interface both PxWebApi versions offer to the assets."""

    stats: RequestStats

    def max_cells(self) -> int: ...
    def table_updated(self, table: str) -> str | None: ...
    def table_meta(self, table: str) -> TableMeta: ...
    def data(
        self, request: DataRequest, parse: Callable[[bytes], Any] = parse_json
    ) -> tuple[dict[str, Any], str]: ...
    def close(self) -> None: ...


def _check_lang(lang: str) -> str:
    if lang not in ("no", "en"):
        raise ValueError("lang must be 'no' or 'en'")
    return lang


class _ConfiguredClient(JsonApiClient):
    """Reads the server's config before its first other request and follows what it announces:
    the cell limit, and calls per time window (the rate-limit headers may tighten it later)."""

    config_path = "config"
    cells_key = "maxDataCells"
    calls_key = "maxCallsPerTimeWindow"

    def __init__(self, base_url: str, *, lang: str = "no", **kwargs: Any) -> None:
        kwargs.setdefault("error_text", pxweb_error_text)
        super().__init__(base_url, **kwargs)
        self.lang = _check_lang(lang)
        self._config: dict[str, Any] | None = None

    def server_config(self) -> dict[str, Any]:
        if self._config is None:
            self._config = {}  # the config request itself must not ask for the config
            body, _ = super().request_json("GET", self.config_path, kind="metadata")
            self._config = body if isinstance(body, dict) else {}
            try:
                calls = int(self._config.get(self.calls_key) or 0)
                window = float(self._config.get("timeWindow") or 0)
            except (TypeError, ValueError):
                calls, window = 0, 0.0
            self.limiter.tighten(calls, window)
        return self._config

    def request_json(self, method: str, path: str, **kwargs: Any) -> tuple[Any, str]:
        self.server_config()
        return super().request_json(method, path, **kwargs)

    def max_cells(self) -> int:
        """The server's cell limit; the documented 800 000 when the config does not say."""
        value = self.server_config().get(self.cells_key)
        try:
            return int(value) if value else DEFAULT_MAX_CELLS
        except (TypeError, ValueError):
            return DEFAULT_MAX_CELLS


class PxWebClient(_ConfiguredClient):
    """PxWebApi v2."""

    source = "SSB PxWebApi v2"

    def table_info(self, table: str) -> dict[str, Any]:
        info, _ = self.request_json(
            "GET", f"tables/{table}", params={"lang": self.lang}, kind="metadata"
        )
        return info

    def table_updated(self, table: str) -> str | None:
        return self.table_info(table).get("updated")

    def metadata(self, table: str) -> dict[str, Any]:
        meta, _ = self.request_json(
            "GET",
            f"tables/{table}/metadata",
            params={"lang": self.lang, "outputFormat": "json-stat2"},
            kind="metadata",
        )
        return meta

    def table_meta(self, table: str) -> TableMeta:
        meta = self.metadata(table)
        variables: dict[str, list[str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for dim in meta["id"]:
            category = meta["dimension"][dim]["category"]
            index = category["index"]
            codes = list(index) if isinstance(index, list) else sorted(index, key=index.get)
            variables[dim] = codes
            labels[dim] = category.get("label", {})
        return TableMeta(table, meta.get("label", ""), variables, labels, meta.get("updated"))

    def data(
        self, request: DataRequest, parse: Callable[[bytes], Any] = parse_json
    ) -> tuple[dict[str, Any], str]:
        """POST the selection; return the JSON-stat2 dataset (as `parse` makes it: the refresh
        passes jsonstat.parse_dataset) and its archive id."""
        return self.request_json(
            "POST",
            f"tables/{request.table}/data",
            params={"lang": self.lang, "outputFormat": "json-stat2"},
            json_body=request.body(),
            kind="data",
            parse=parse,
        )


class PxWebV0Client(_ConfiguredClient):
    """The v0 endpoint (PxWeb API 1): same interface, POSTed `query` bodies, json-stat2 answers."""

    source = "SSB PxWebApi v0"
    cells_key = "maxCells"
    calls_key = "maxCalls"

    def __init__(self, base_url: str, *, lang: str = "no", **kwargs: Any) -> None:
        super().__init__(base_url, lang=lang, **kwargs)
        self.config_path = f"{self.lang}/table/?config"

    def table_updated(self, table: str) -> str | None:
        """v0 has no table info; its search lists the table's `published` time."""
        hits, _ = self.request_json(
            "GET", f"{self.lang}/table/", params={"query": table}, kind="metadata"
        )
        for hit in hits if isinstance(hits, list) else []:
            if str(hit.get("id")) == table:
                published = hit.get("published")
                return published if not published or published.endswith("Z") else published + "Z"
        return None

    def table_meta(self, table: str) -> TableMeta:
        meta, _ = self.request_json("GET", f"{self.lang}/table/{table}", kind="metadata")
        variables: dict[str, list[str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for var in meta["variables"]:
            if var.get("values") is None:
                raise ValueError(
                    f"table {table}: v0 metadata lists no values for {var['code']} (more than the "
                    "server's maxValues); use PxWebApi v2"
                )
            variables[var["code"]] = list(var["values"])
            labels[var["code"]] = dict(zip(var["values"], var["valueTexts"], strict=True))
        return TableMeta(table, meta.get("title", ""), variables, labels, None)

    def data(
        self, request: DataRequest, parse: Callable[[bytes], Any] = parse_json
    ) -> tuple[dict[str, Any], str]:
        return self.request_json(
            "POST",
            f"{self.lang}/table/{request.table}",
            json_body=request.v0_body(),
            kind="data",
            parse=parse,
        )
