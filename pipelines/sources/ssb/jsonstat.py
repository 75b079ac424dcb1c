"""JSON-stat 2.0 datasets into a long polars frame: one row per cell.

The `value` array is row-major over the dimensions in `id` (the last varies fastest), so a
dimension's code column is its codes repeated by its stride and tiled by the number of blocks
before it. That is built with numpy index arithmetic, never a Python loop per cell: KOSTRA
tables run to millions of cells.

An answer is parsed by `parse_dataset` with msgspec against the dataset's shape: the `value`
array goes straight to a list of floats (no generic JSON tree, no int/float mix for polars to
reconcile), which is what makes parse+decode cheaper than `json.loads` alone. Anything not of
that shape (JSON-stat 1.x, string values, an error object) is parsed as plain JSON and meets
`decode`'s own checks, so its error messages stay the same.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import numpy as np
import polars as pl


class JsonStatError(ValueError):
    """The payload is not a JSON-stat 2.0 dataset we can decode."""


class _Dataset(msgspec.Struct):
    """The parts of a JSON-stat 2.0 dataset `decode` reads; unknown members are ignored."""

    id: list[str]
    size: list[int]
    dimension: dict[str, Any]
    value: list[float | None] | dict[str, float | None]
    version: str | None = None
    class_: str | None = msgspec.field(default=None, name="class")
    status: Any = None
    updated: str | None = None
    label: str | None = None
    extension: Any = None

    def as_payload(self) -> dict[str, Any]:
        """The mapping `decode` reads, sharing the value list (no copy)."""
        return {
            "version": self.version,
            "class": self.class_,
            "id": self.id,
            "size": self.size,
            "dimension": self.dimension,
            "value": self.value,
            "status": self.status,
            "updated": self.updated,
            "label": self.label,
            "extension": self.extension if isinstance(self.extension, dict) else {},
            _FLOATS_ONLY: True,
        }


_FLOATS_ONLY = "__malestokk_floats_only__"  # `value` holds floats and nulls only
_DATASET_DECODER = msgspec.json.Decoder(_Dataset)


def parse_dataset(body: bytes) -> dict[str, Any]:
    """An answer's bytes as the mapping `decode` takes; ValueError (with `msg` and `pos`, like
    json's) when the bytes are not JSON at all."""
    try:
        return _DATASET_DECODER.decode(body).as_payload()
    except msgspec.ValidationError:
        pass  # JSON, but not a dataset of numbers: the plain parse and decode's checks say what
    except msgspec.DecodeError:
        pass  # broken JSON: json says where, in the words the client reports
    return json.loads(body)


def _ordered_codes(category: dict[str, Any], dim: str, size: int) -> list[str]:
    index = category.get("index")
    if index is None:
        labels = category.get("label", {})
        if len(labels) != 1:
            raise JsonStatError(f"dimension {dim}: no category.index for {len(labels)} categories")
        return list(labels)
    if isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        codes = [""] * len(index)
        for code, pos in index.items():
            if not 0 <= pos < len(codes):
                raise JsonStatError(f"dimension {dim}: index position {pos} out of range")
            codes[pos] = str(code)
    if len(codes) != size:
        raise JsonStatError(f"dimension {dim}: {len(codes)} categories but size says {size}")
    return codes


def _status_column(status: Any, n: int) -> pl.Series:
    """Status symbols by cell; JSON-stat allows an object keyed by flat index, a list, or one."""
    if not status:
        return pl.Series("status", [None] * 0, dtype=pl.String).extend_constant(None, n)
    if isinstance(status, dict):
        keys = np.fromiter((int(k) for k in status), dtype=np.int64, count=len(status))
        if keys.size and (keys.min() < 0 or keys.max() >= n):
            raise JsonStatError("status refers to a cell outside the value array")
        column = pl.Series("status", [None] * 0, dtype=pl.String).extend_constant(None, n)
        return column.scatter(keys, pl.Series(list(status.values()), dtype=pl.String))
    if isinstance(status, list):
        if len(status) != n:
            raise JsonStatError(f"status array has {len(status)} entries, value has {n}")
        return pl.Series("status", status, dtype=pl.String)
    return pl.Series("status", [str(status)], dtype=pl.String).extend_constant(str(status), n - 1)


def decode(payload: dict[str, Any]) -> pl.DataFrame:
    """Decode one dataset. Columns: every dimension id (code) and `<id>__label`, then
    `value` (null stays null), `status`, `unit`, `decimals`, `updated`, `table_id`."""
    if "dataset" in payload and "version" not in payload:
        raise JsonStatError(
            "this is JSON-stat 1.x (a 'dataset' wrapper); request outputFormat=json-stat2 "
            '(v2) or response.format="json-stat2" (v0)'
        )
    if payload.get("class") != "dataset" or str(payload.get("version", "")) != "2.0":
        raise JsonStatError(
            f"expected a JSON-stat 2.0 dataset, got class={payload.get('class')!r} "
            f"version={payload.get('version')!r}"
        )
    try:
        ids: list[str] = list(payload["id"])
        sizes: list[int] = [int(s) for s in payload["size"]]
        dimensions: dict[str, Any] = payload["dimension"]
        raw_values = payload["value"]
    except KeyError as exc:
        raise JsonStatError(f"dataset is missing {exc.args[0]!r}") from exc
    if len(ids) != len(sizes):
        raise JsonStatError(f"id has {len(ids)} dimensions but size has {len(sizes)}")
    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 0

    if isinstance(raw_values, dict):  # sparse form: {"flat index": value}
        dense: list[Any] = [None] * n
        for k, v in raw_values.items():
            dense[int(k)] = v
        raw_values = dense
    if len(raw_values) != n:
        raise JsonStatError(f"value has {len(raw_values)} cells; size {sizes} needs {n}")

    columns: dict[str, pl.Series] = {}
    strides = np.ones(len(sizes), dtype=np.int64)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    unit_by_code: dict[str, dict[str, Any]] = {}
    for i, dim in enumerate(ids):
        if dim not in dimensions:
            raise JsonStatError(f"dimension {dim!r} listed in id but not described")
        category = dimensions[dim].get("category", {})
        codes = _ordered_codes(category, dim, sizes[i])
        labels_map = category.get("label", {})
        labels = [str(labels_map.get(c, c)) for c in codes]
        blocks = n // (sizes[i] * strides[i]) if sizes[i] else 0
        positions = pl.Series(
            np.tile(np.repeat(np.arange(sizes[i], dtype=np.uint32), strides[i]), blocks)
        )
        unique = len(set(codes)) == len(codes)
        code_type = pl.Enum(codes) if unique else pl.String
        columns[dim] = pl.Series(dim, codes, dtype=code_type).gather(positions)
        columns[f"{dim}__label"] = pl.Series(f"{dim}__label", labels, dtype=pl.Categorical).gather(
            positions
        )
        if "unit" in category:
            unit_by_code = category["unit"]
            metric_positions, metric_codes = positions, codes

    floats_only = bool(payload.get(_FLOATS_ONLY))  # parsed by parse_dataset: no ints to widen
    values = pl.Series("value", raw_values, dtype=pl.Float64, strict=floats_only)
    if not floats_only and values.null_count() != raw_values.count(None):
        # a cell that is neither a number nor null (a string, say) would become a silent null
        nulls = values.is_null().arg_true().to_list()
        cell = next(i for i in nulls if raw_values[i] is not None)
        raise JsonStatError(f"value[{cell}] is {raw_values[cell]!r}, not a number or null")
    frame = pl.DataFrame([*list(columns.values()), values])
    frame = frame.with_columns(_status_column(payload.get("status"), n))
    if unit_by_code:
        base = [str(unit_by_code.get(c, {}).get("base", "")) or None for c in metric_codes]
        dec = [unit_by_code.get(c, {}).get("decimals") for c in metric_codes]
        frame = frame.with_columns(
            pl.Series("unit", base, dtype=pl.String).gather(metric_positions),
            pl.Series("decimals", dec, dtype=pl.Int16).gather(metric_positions),
        )
    else:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.String).alias("unit"),
            pl.lit(None, dtype=pl.Int16).alias("decimals"),
        )
    table_id = str(payload.get("extension", {}).get("px", {}).get("tableid") or "") or None
    if table_id is None:
        label = str(payload.get("label", ""))
        table_id = label.split(":", 1)[0] if ":" in label else None
    return frame.with_columns(
        pl.lit(payload.get("updated"), dtype=pl.String).alias("updated"),
        pl.lit(table_id, dtype=pl.String).alias("table_id"),
    )
