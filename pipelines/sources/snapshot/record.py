"""Record a snapshot from the live APIs: `malestokk snapshot record`.

A municipality with network makes its own real offline copy in one command: the catalog's SSB
tables (only the series the catalog reads, every region and study year), the KLASS lists the
refresh reads, and SSB's /config, all written in the format the offline refresh replays
(snapshot/ssb/...). The requests go through the same clients as the refresh, so they keep to SSB's
announced limits and are archived. Kolada's part of the snapshot is already a real recording and
is copied from the snapshot the settings name. The manifest says `snapshot:recorded` and when.
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.settings.catalog import Catalog
from pipelines.sources.klass import KlassClient
from pipelines.sources.ssb.pxweb import PxWebClient, plan_requests
from pipelines.sources.ssb.refresh import fetch_groups

REFORM_YEARS = (2018, 2020, 2024)


def _write_json_gz(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(raw)


def _codes(category: dict[str, Any]) -> list[str]:
    index = category["index"]
    return list(index) if isinstance(index, list) else sorted(index, key=index.get)


def merge_chunks(meta: dict[str, Any], selection: dict[str, list[str]], chunks: list[dict]) -> dict:
    """One JSON-stat2 dataset over the whole selection from the answers to its split requests."""
    ids = list(meta["id"])
    wanted = {d: [c for c in _codes(meta["dimension"][d]["category"]) if c in set(selection[d])]
              for d in ids}  # fmt: skip
    sizes = [len(wanted[d]) for d in ids]
    position = {d: {c: i for i, c in enumerate(wanted[d])} for d in ids}
    strides = [1] * len(ids)
    for i in range(len(ids) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    total = strides[0] * sizes[0] if ids else 0
    values: list[Any] = [None] * total
    status: dict[str, str] = {}
    for chunk in chunks:
        chunk_codes = [_codes(chunk["dimension"][d]["category"]) for d in chunk["id"]]
        order = [ids.index(d) for d in chunk["id"]]
        raw_status = chunk.get("status") or {}
        for n, combo in enumerate(itertools.product(*chunk_codes)):
            flat = sum(position[ids[order[k]]][code] * strides[order[k]]
                       for k, code in enumerate(combo))  # fmt: skip
            values[flat] = chunk["value"][n] if isinstance(chunk["value"], list) else (
                chunk["value"].get(str(n)))  # fmt: skip
            symbol = raw_status.get(str(n)) if isinstance(raw_status, dict) else (
                raw_status[n] if n < len(raw_status) else None)  # fmt: skip
            if symbol:
                status[str(flat)] = symbol
    dims = {}
    for d in ids:
        source = meta["dimension"][d]
        category = source["category"]
        keep = wanted[d]
        new_category: dict[str, Any] = {
            "index": {c: i for i, c in enumerate(keep)},
            "label": {c: category.get("label", {}).get(c, c) for c in keep},
        }
        if "unit" in category:
            new_category["unit"] = {c: u for c, u in category["unit"].items() if c in keep}
        dims[d] = {**{k: v for k, v in source.items() if k != "category"},
                   "category": new_category}  # fmt: skip
    out = {k: v for k, v in meta.items() if k not in ("dimension", "size", "value", "status")}
    out.update({"class": "dataset", "id": ids, "size": sizes, "dimension": dims,
                "value": values, "status": status})  # fmt: skip
    return out


def record_ssb(
    client: PxWebClient, catalog: Catalog, years: list[int], out: Path,
    log: Callable[[str], None] = print,
) -> list[str]:  # fmt: skip
    """Write <out>/ssb/config.json and tables/<id>.json.gz + .info.json; return the tables."""
    (out / "ssb" / "tables").mkdir(parents=True, exist_ok=True)
    config = client.server_config()
    (out / "ssb" / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    max_cells = client.max_cells()
    by_table: dict[str, dict[str, set[str]]] = {}
    region_dim: dict[str, str] = {}
    for group in fetch_groups(catalog.ssb_tables()):
        chosen = by_table.setdefault(group.table, {})
        region_dim[group.table] = group.region_dimension
        chosen.setdefault("ContentsCode", set()).update(group.contents)
        for dim, values in group.fixed:
            chosen.setdefault(dim, set()).update(values)
    written = []
    population = catalog.population_tables()
    for table, chosen in by_table.items():
        info = client.table_info(table)
        meta = client.metadata(table)
        # a population counted at 1.1 is wanted for the year after the last too (its 31.12)
        wanted = {str(y) for y in years} | (
            {str(max(years) + 1)} if table in population and years else set()
        )
        selection: dict[str, list[str]] = {}
        for dim in meta["id"]:
            codes = _codes(meta["dimension"][dim]["category"])
            if dim == "Tid":
                selection[dim] = [c for c in codes if c in wanted]
            elif dim in chosen:
                selection[dim] = [c for c in codes if c in chosen[dim]]
            else:  # the region variable and any the catalog leaves whole
                selection[dim] = codes
        requests = plan_requests(table, selection, max_cells, ["Tid", region_dim[table],
                                                              "ContentsCode"])  # fmt: skip
        chunks = []
        for n, request in enumerate(requests, 1):
            log(f"SSB {table}: data request {n}/{len(requests)} ({request.cells} cells)")
            payload, _ = client.data(request)
            chunks.append(payload)
        dataset = merge_chunks(meta, selection, chunks)
        dataset.setdefault("updated", info.get("updated"))
        _write_json_gz(out / "ssb" / "tables" / f"{table}.json.gz", dataset)
        info["malestokk"] = {
            "provenance": "snapshot:recorded",
            "recorded_from": client.base_url,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (out / "ssb" / "tables" / f"{table}.info.json").write_text(
            json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written.append(table)
    return written


def record_klass(client: KlassClient, years: list[int], out: Path) -> int:
    """The KLASS answers the refresh reads, under the names the snapshot transport serves."""
    root = out / "ssb" / "klass"
    n = 0
    for year in years:
        day = f"{year}-01-01"
        for classification in (131, 104):
            _write_json_gz(root / f"{classification}-codesAt-{day}.json.gz",
                           {"codes": client.codes_at(classification, day)})  # fmt: skip
            n += 1
        if year >= 2020:
            items = client.corresponds_at(131, 112, day)
            _write_json_gz(
                root / f"131-correspondsAt-112-{day}.json.gz", {"correspondenceItems": items}
            )
            n += 1
    for year in REFORM_YEARS:
        start, end = f"{year - 1}-01-02", f"{year}-01-02"
        _write_json_gz(root / f"131-changes-{start}-{end}.json.gz",
                       {"codeChanges": client.changes(131, start, end)})  # fmt: skip
        n += 1
    return n


def write_manifest(out: Path, source_snapshot: Path, ssb_url: str) -> None:
    """The recorded SSB part, and Kolada's part as the source snapshot had it (copied)."""
    kolada_src = source_snapshot / "kolada"
    if kolada_src.exists() and not (out / "kolada").exists():
        shutil.copytree(kolada_src, out / "kolada")
    if (source_snapshot / "local").exists() and not (out / "local").exists():
        shutil.copytree(source_snapshot / "local", out / "local")
    old = (source_snapshot / "manifest.toml").read_text(encoding="utf-8")
    kolada_part = old[old.index("[kolada]") :] if "[kolada]" in old else ""
    now = datetime.now(UTC)
    (out / "manifest.toml").write_text(
        "# Recorded by `malestokk snapshot record`.\n\n[ssb]\n"
        'provenance = "snapshot:recorded"\n'
        f'retrieved = "{now.date()}"\n'
        f"note = \"Recorded from {ssb_url} on {now.isoformat(timespec='seconds')}: the catalog's "
        'tables and the KLASS lists the refresh reads. Kilde: Statistisk sentralbyrå."\n\n'
        + kolada_part,
        encoding="utf-8",
    )
