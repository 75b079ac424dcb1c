"""Offline SSB: PxWebApi v2 and KLASS answered from the bundled snapshot, as httpx transports.

The snapshot holds a whole table per file (a JSON-stat2 dataset); a data request is answered with
the slice its selection asks for, so the real client's query planning, POST bodies and decoding
all run. Errors follow SSB: 400 with a `title` for a bad value or too many cells, 404
`Non-existent table`, 500 with an empty body for a repeated code.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import numpy as np


def _json(status: int, payload: Any, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": content_type},
    )


def _problem(status: int, title: str) -> httpx.Response:
    return _json(
        status,
        {"type": "Parameter error", "title": title, "status": status},
        "application/problem+json",
    )


def _load_table(path: Path) -> dict[str, Any]:
    """Parsed once per file version: a rewritten file (a new release) is read again."""
    stat = path.stat()
    return _parse_table(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse_table(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    with gzip.open(path, "rb") as fh:
        return json.loads(fh.read())


def _resolve_codes(expressions: list[str], codes: list[str]) -> list[str] | str:
    """Value codes for a selection; a string is the problem title when one is wrong."""
    chosen: list[str] = []
    for expr in expressions:
        top = re.fullmatch(r"top\((\d+)\)", expr)
        if top:
            chosen.extend(codes[-int(top.group(1)) :][::-1])
        elif "*" in expr or "?" in expr:
            chosen.extend(c for c in codes if fnmatch.fnmatchcase(c, expr))
        elif expr in codes:
            chosen.append(expr)
        else:
            return "Non-existent value"
    return chosen


def slice_dataset(dataset: dict[str, Any], selection: dict[str, list[str]]) -> dict[str, Any]:
    """The part of a dataset that a resolved selection names, in the dataset's own order."""
    ids, sizes = dataset["id"], dataset["size"]
    positions = []
    out_dims: dict[str, Any] = {}
    for dim, size in zip(ids, sizes, strict=True):
        category = dataset["dimension"][dim]["category"]
        index = category["index"]
        wanted = selection[dim]
        pos = sorted(index[c] for c in wanted)
        positions.append(pos)
        codes_in_order = sorted(wanted, key=lambda c: index[c])
        new_cat = {
            "index": {c: i for i, c in enumerate(codes_in_order)},
            "label": {c: category["label"][c] for c in codes_in_order},
        }
        if "unit" in category:
            new_cat["unit"] = {c: category["unit"][c] for c in codes_in_order}
        out_dims[dim] = {**dataset["dimension"][dim], "category": new_cat}
        assert len(index) == size
    values = np.array(dataset["value"], dtype=object).reshape(sizes)
    status_full = np.full(math.prod(sizes), None, dtype=object)
    for key, symbol in dataset.get("status", {}).items():
        status_full[int(key)] = symbol
    block = np.ix_(*positions)
    sub_values = values[block].ravel().tolist()
    sub_status = status_full.reshape(sizes)[block].ravel()
    status = {str(i): s for i, s in enumerate(sub_status) if s is not None}
    out = {k: v for k, v in dataset.items() if k not in ("dimension", "value", "status", "size")}
    out.update(size=[len(p) for p in positions], dimension=out_dims, value=sub_values)
    if status:
        out["status"] = status
    return out


class SsbSnapshotTransport(httpx.BaseTransport):
    """Answers PxWebApi v2 and v0 requests (any host) from <snapshot>/ssb."""

    def __init__(self, snapshot_dir: Path, max_cells: int | None = None) -> None:
        self.root = Path(snapshot_dir) / "ssb"
        self.config = json.loads((self.root / "config.json").read_text(encoding="utf-8"))
        if max_cells is not None:
            self.config["maxDataCells"] = max_cells

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        v0 = re.search(r"/api/v0/(no|en)/table(?:/(\d+))?/?$", request.url.path)
        if v0:
            return self._v0(request, v0.group(2))
        path = request.url.path.rstrip("/")
        if path.endswith("/config"):
            return _json(200, self.config)
        if path.endswith("/tables"):
            return self._tables(request)
        match = re.search(r"/tables/(\d+)(/data|/metadata)?$", path)
        if not match:
            return _problem(404, "Non-existent endpoint")
        table = match.group(1)
        table_file = self.root / "tables" / f"{table}.json.gz"
        if not table_file.exists():
            return _problem(404, "Non-existent table")
        if match.group(2) is None:
            info = json.loads((self.root / "tables" / f"{table}.info.json").read_text("utf-8"))
            return _json(200, info)
        dataset = _load_table(table_file)
        if match.group(2) == "/metadata":
            meta = {k: v for k, v in dataset.items() if k not in ("value", "status")}
            return _json(200, meta)
        if request.method == "POST":
            body = json.loads(request.content or b"{}")
            wanted = {s["variableCode"]: list(s["valueCodes"]) for s in body.get("selection", [])}
        else:
            wanted = {
                key[len("valueCodes[") : -1]: value.split(",")
                for key, value in request.url.params.multi_items()
                if key.startswith("valueCodes[")
            }
        selection = self._resolve(dataset, wanted)
        if isinstance(selection, httpx.Response):
            return selection
        cells = math.prod(len(v) for v in selection.values())
        if cells > self.max_cells:
            return _json(
                400,
                {
                    "type": "Parameter error",
                    "title": "Too many cells selected",
                    "status": 400,
                    "detail": "Too many cells selected",
                },
                "application/problem+json",
            )
        return _json(200, slice_dataset(dataset, selection))

    def _tables(self, request: httpx.Request) -> httpx.Response:
        """GET /tables?query=...: SSB's table search (the catalog tools), paged like SSB."""
        params = request.url.params
        infos = [
            json.loads(p.read_text("utf-8"))
            for p in sorted((self.root / "tables").glob("*.info.json"))
        ]
        if params.get("query"):  # SSB's table search: every word in the id or the title
            words = params["query"].lower().split()
            infos = [
                i for i in infos
                if all(w in f"{i['id']} {i['label']}".lower() for w in words)
            ]  # fmt: skip
        size = int(params.get("pageSize", 20))
        page = int(params.get("pageNumber", 1))
        pages = max(1, math.ceil(len(infos) / size))
        if page > pages:
            return _problem(404, "Non-existent page")
        links = []
        if page < pages:
            links.append(
                {
                    "rel": "next",
                    "href": str(request.url.copy_merge_params({"pageNumber": page + 1})),
                }
            )
        return _json(
            200,
            {
                "language": params.get("lang", "no"),
                "tables": infos[(page - 1) * size : page * size],
                "page": {"pageNumber": page, "pageSize": size, "totalElements": len(infos),
                         "totalPages": pages, "links": links},
            },
        )  # fmt: skip

    @property
    def max_cells(self) -> int:
        return int(self.config.get("maxDataCells") or 800_000)

    def _resolve(
        self, dataset: dict[str, Any], wanted: dict[str, list[str]]
    ) -> dict[str, list[str]] | httpx.Response:
        """Selection expressions resolved to codes, or SSB's error response."""
        selection: dict[str, list[str]] = {}
        for dim in dataset["id"]:
            if dim not in wanted:
                return _problem(400, "Missing selection for mandantory variable")
            codes = list(dataset["dimension"][dim]["category"]["index"])
            resolved = _resolve_codes(wanted[dim], codes)
            if isinstance(resolved, str):
                return _problem(400, resolved)
            if len(set(resolved)) != len(resolved):
                return httpx.Response(500, content=b"")
            selection[dim] = resolved
        if set(wanted) - set(dataset["id"]):
            return _problem(400, "Non-existent variable")
        return selection

    def _v0(self, request: httpx.Request, table: str | None) -> httpx.Response:
        """PxWeb API 1 at /api/v0: ?config, ?query= search, GET metadata, POST query."""
        if table is None:
            if "config" in request.url.params:
                return _json(
                    200,
                    {"maxValues": 100_000, "maxCells": self.max_cells, "maxCalls": 30,
                     "timeWindow": 60, "CORS": True},
                )  # fmt: skip
            query = request.url.params.get("query", "")
            hits = []
            for info_file in sorted((self.root / "tables").glob("*.info.json")):
                info = json.loads(info_file.read_text("utf-8"))
                if query and query not in info["id"] and query.lower() not in info["label"].lower():
                    continue
                hits.append(
                    {"id": info["id"], "path": "/os/kostrahoved", "title": info["label"],
                     "score": 1.0, "published": info["updated"].rstrip("Z")}
                )  # fmt: skip
            return _json(200, hits)
        table_file = self.root / "tables" / f"{table}.json.gz"
        if not table_file.exists():
            return _json(404, {"error": "Parameter error"})
        dataset = _load_table(table_file)
        if request.method == "GET":
            variables = []
            for dim in dataset["id"]:
                category = dataset["dimension"][dim]["category"]
                codes = sorted(category["index"], key=category["index"].get)
                variables.append(
                    {"code": dim, "text": dataset["dimension"][dim]["label"], "values": codes,
                     "valueTexts": [category["label"][c] for c in codes],
                     "elimination": False, **({"time": True} if dim == "Tid" else {})}
                )  # fmt: skip
            return _json(200, {"title": dataset["label"], "variables": variables})
        body = json.loads(request.content or b"{}")
        if body.get("response", {}).get("format") != "json-stat2":
            return _json(400, {"error": "Parameter error"})
        wanted = {q["code"]: list(q["selection"]["values"]) for q in body.get("query", [])}
        selection = self._resolve(dataset, wanted)
        if isinstance(selection, httpx.Response):
            return _json(400, {"error": "Parameter error"})
        if math.prod(len(v) for v in selection.values()) > self.max_cells:
            return _json(403, {"error": "Too many values selected"})
        return _json(200, slice_dataset(dataset, selection))


class KlassSnapshotTransport(httpx.BaseTransport):
    """Answers the KLASS calls Målestokk makes from <snapshot>/ssb/klass."""

    def __init__(self, snapshot_dir: Path) -> None:
        self.root = Path(snapshot_dir) / "ssb" / "klass"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        match = re.search(
            r"/classifications/(\d+)/(correspondsAt|codesAt|changes)$", request.url.path.rstrip("/")
        )
        if not match:
            return _json(404, {"error": "not found", "message": request.url.path})
        cls, kind = match.groups()
        params = request.url.params
        if kind == "correspondsAt":
            name = (
                f"{cls}-correspondsAt-{params.get('targetClassificationId')}-{params.get('date')}"
            )
        elif kind == "codesAt":
            name = f"{cls}-codesAt-{params.get('date')}"
        else:
            name = f"{cls}-changes-{params.get('from')}-{params.get('to')}"
        path = self.root / f"{name}.json.gz"
        if not path.exists():
            return _json(
                404,
                {
                    "error": "not found",
                    "message": f"no correspondence or codes for {name} in the snapshot",
                },
            )
        with gzip.open(path, "rb") as fh:
            return httpx.Response(
                200, content=fh.read(), headers={"Content-Type": "application/json"}
            )
