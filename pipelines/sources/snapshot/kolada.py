"""Offline Kolada: API v3 answered from the bundled real values, as an httpx transport.

Pages follow v3 (`count` = items on the page, absolute `next_url`, `per_page` at most 5 000),
segments take at most 25 ids (HTTP 422 beyond), unknown ids give an empty list as Kolada does,
and group ids (`G…`) get the unweighted mean of their members with `count` = members that
contributed, which is how Kolada computes group values.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import polars as pl

MAX_IDS = 25
MAX_PER_PAGE = 5000


def _json(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )


class KoladaSnapshotTransport(httpx.BaseTransport):
    def __init__(self, snapshot_dir: Path) -> None:
        self.root = Path(snapshot_dir) / "kolada"
        manifest = tomllib.loads((Path(snapshot_dir) / "manifest.toml").read_text("utf-8"))
        retrieved = str(manifest["kolada"]["retrieved"])  # "2024-08" or "2024-08-15"
        # every recorded value counts as updated when it was recorded (the month's last day)
        self.recorded_on = retrieved if len(retrieved) == 10 else f"{retrieved}-31"

    @cached_property
    def values(self) -> pl.DataFrame:
        return pl.read_parquet(self.root / "values.parquet")

    @cached_property
    def kpis(self) -> list[dict[str, Any]]:
        with (self.root / "kpi.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            for key in ("is_divided_by_gender", "has_ou_data"):
                r[key] = r[key] == "True"
            for key in ("publication_date", "prel_publication_date"):
                r[key] = r[key] or None
        return rows

    @cached_property
    def municipalities(self) -> list[dict[str, Any]]:
        with (self.root / "municipalities.csv").open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    @cached_property
    def municipality_groups(self) -> list[dict[str, Any]]:
        return json.loads((self.root / "municipality_groups.json").read_text(encoding="utf-8"))

    @cached_property
    def kpi_groups(self) -> list[dict[str, Any]]:
        return json.loads((self.root / "kpi_groups.json").read_text(encoding="utf-8"))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rstrip("/")
        match = re.search(r"/v3/(.*)$", path)
        if not match:
            return _json(404, {"detail": "Not Found"})
        route = match.group(1).split("/")
        params = request.url.params
        try:
            per_page = int(params.get("per_page", MAX_PER_PAGE))
            page = int(params.get("page", 1))
        except ValueError:
            return _json(422, {"detail": "page and per_page must be integers"})
        if per_page > MAX_PER_PAGE or per_page < 1 or page < 1:
            return _json(422, {"detail": f"per_page must be between 1 and {MAX_PER_PAGE}"})
        segments = dict(zip(route[1::2], route[2::2], strict=False))
        for name, ids in segments.items():
            if len(ids.split(",")) > MAX_IDS:
                return _json(422, {"detail": f"at most {MAX_IDS} ids in '{name}'"})
        head = route[0]
        listings = {
            "kpi": self.kpis,
            "municipality": self.municipalities,
            "municipality_groups": self.municipality_groups,
            "kpi_groups": self.kpi_groups,
        }
        if head in listings:
            items = listings[head]
            if len(route) == 2:
                wanted = set(route[1].split(","))
                items = [i for i in items if i["id"] in wanted]
            elif len(route) > 2:
                return _json(404, {"detail": "Not Found"})
            if params.get("title"):
                needle = params["title"].lower()
                items = [i for i in items if needle in i["title"].lower()]
            return self._page(request, items, page, per_page)
        if (
            head == "data"
            and set(segments) <= {"kpi", "municipality", "year"}
            and len(segments) >= 2
            and len(route) == 1 + 2 * len(segments)
        ):
            from_date = params.get("from_date")
            if from_date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", from_date):
                return _json(422, {"detail": "from_date must be YYYY-MM-DD"})
            if from_date and from_date > self.recorded_on:
                return self._page(request, [], page, per_page)  # nothing updated since
            return self._page(request, self._data_rows(segments), page, per_page)
        return _json(404, {"detail": "Not Found"})

    def _page(
        self, request: httpx.Request, items: list[dict[str, Any]], page: int, per_page: int
    ) -> httpx.Response:
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]

        def link(p: int) -> str:
            return str(request.url.copy_merge_params({"page": p, "per_page": per_page}))

        more = start + per_page < len(items)
        return _json(
            200,
            {
                "count": len(chunk),
                "values": chunk,
                "next_url": link(page + 1) if more else None,
                "previous_url": link(page - 1) if page > 1 else None,
            },
        )

    def _data_rows(self, segments: dict[str, str]) -> list[dict[str, Any]]:
        frame = self.values
        if "kpi" in segments:
            frame = frame.filter(pl.col("kpi").is_in(segments["kpi"].split(",")))
        if "year" in segments:
            years = [int(y) for y in segments["year"].split(",") if y.isdigit()]
            frame = frame.filter(pl.col("period").is_in(years))
        frame = frame.with_columns(pl.lit(1, dtype=pl.Int64).alias("count"))
        groups = {g["id"]: [m["member_id"] for m in g["members"]] for g in self.municipality_groups}
        if "municipality" in segments:
            ids = segments["municipality"].split(",")
            plain = frame.filter(pl.col("municipality").is_in([i for i in ids if i[0] != "G"]))
            wanted_groups = [i for i in ids if i.startswith("G") and i in groups]
        else:  # no municipality segment: every municipality, region, Riket and group
            plain, wanted_groups = frame, list(groups)
        parts = [plain]
        for gid in wanted_groups:
            members = frame.filter(pl.col("municipality").is_in(groups[gid]))
            parts.append(
                members.group_by(["kpi", "period", "gender"])
                .agg(
                    pl.col("value").mean(),
                    pl.col("value").count().cast(pl.Int64).alias("count"),
                )
                .with_columns(pl.lit(gid).alias("municipality"))
                .select(frame.columns)
            )
        frame = pl.concat(parts)
        rows: list[dict[str, Any]] = []
        grouped = (
            frame.sort(["kpi", "municipality", "period", "gender"])
            .group_by(["kpi", "municipality", "period"], maintain_order=True)
            .agg(pl.struct(["gender", "count", "value"]).alias("values"))
        )
        for rec in grouped.iter_rows(named=True):
            rows.append(
                {
                    "kpi": rec["kpi"],
                    "municipality": rec["municipality"],
                    "period": rec["period"],
                    "values": [
                        {
                            "gender": v["gender"],
                            "count": v["count"],
                            "status": "",
                            "value": v["value"],
                            "isdeleted": False,
                        }
                        for v in rec["values"]
                    ],
                }
            )
        return rows
