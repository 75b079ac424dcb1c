"""SSB PxWebApi v2 client: table info, server config and data as JSON-stat2.

Data selections are POSTed so a long region list never hits the ~2 100-character GET limit
(beyond it SSB answers 404, which looks like a missing table). Requests are planned to stay under
the server's cell limit (800 000, empty cells included), read from /config when available.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx

from pipelines.http import JsonApiClient

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


def plan_requests(
    table: str, selection: dict[str, list[str]], max_cells: int, split_order: list[str]
) -> list[DataRequest]:
    """Split a selection into as few requests as possible, each within `max_cells`.

    Variables in `split_order` are split in that order (the first is cut into the largest chunks
    that fit); duplicate codes are dropped first because SSB answers a repeated code with HTTP 500.
    """
    clean = {var: tuple(dict.fromkeys(codes)) for var, codes in selection.items()}
    for var, codes in clean.items():
        if not codes:
            raise ValueError(f"table {table}: no values selected for {var}")
    requests = [DataRequest(table, clean)]
    for var in split_order:
        done: list[DataRequest] = []
        for req in requests:
            if req.cells <= max_cells:
                done.append(req)
                continue
            other = req.cells // len(req.selection[var])
            per_chunk = max(1, max_cells // other)
            codes = req.selection[var]
            for start in range(0, len(codes), per_chunk):
                part = dict(req.selection)
                part[var] = codes[start : start + per_chunk]
                done.append(DataRequest(table, part))
        requests = done
    too_big = [r for r in requests if r.cells > max_cells]
    if too_big:
        raise ValueError(f"table {table}: cannot split under {max_cells} cells along {split_order}")
    return requests


class PxWebClient(JsonApiClient):
    source = "SSB PxWebApi"

    def __init__(self, base_url: str, *, lang: str = "no", **kwargs: Any) -> None:
        kwargs.setdefault("error_text", pxweb_error_text)
        super().__init__(base_url, **kwargs)
        if lang not in ("no", "en"):
            raise ValueError("lang must be 'no' or 'en'")
        self.lang = lang

    def max_cells(self) -> int:
        """The server's cell limit; the documented 800 000 when /config does not say."""
        config, _ = self.request_json("GET", "config", kind="metadata")
        value = config.get("maxDataCells") if isinstance(config, dict) else None
        return int(value) if value else DEFAULT_MAX_CELLS

    def table_info(self, table: str) -> dict[str, Any]:
        info, _ = self.request_json(
            "GET", f"tables/{table}", params={"lang": self.lang}, kind="metadata"
        )
        return info

    def metadata(self, table: str) -> dict[str, Any]:
        meta, _ = self.request_json(
            "GET",
            f"tables/{table}/metadata",
            params={"lang": self.lang, "outputFormat": "json-stat2"},
            kind="metadata",
        )
        return meta

    def data(self, request: DataRequest) -> tuple[dict[str, Any], str]:
        """POST the selection; return the JSON-stat2 dataset and its archive id."""
        return self.request_json(
            "POST",
            f"tables/{request.table}/data",
            params={"lang": self.lang, "outputFormat": "json-stat2"},
            json_body=request.body(),
            kind="data",
        )
