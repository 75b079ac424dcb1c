"""Catalog tooling: search the sources, show a table or KPI, add a checked entry, check them all.

Everything goes through the same clients as the refresh, so it works against the bundled
snapshot (offline) and the live APIs alike. Codes are read from the source's own metadata, never
typed from memory: `add` copies SSB's or Kolada's label and unit, `check` names every code the
source does not know with the valid ones and the closest labels.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.settings.catalog import PERSPECTIVES, Catalog, Indicator, load_catalog
from pipelines.sources.kolada.client import KoladaClient
from pipelines.sources.ssb.pxweb import PxWebClient


@dataclass(frozen=True)
class Hit:
    source: str  # ssb or kolada
    id: str
    label: str
    detail: str  # periods and last update (SSB), operating area (Kolada)


@dataclass(frozen=True)
class Problem:
    indicator_id: str
    message: str
    # a code the metadata does not list: wrong against SSB's own metadata, but only "not
    # verifiable" against the snapshot's, which holds just the codes the demo was built with
    missing_code: bool = False


def search(ssb: PxWebClient | None, kolada: KoladaClient | None, words: str) -> list[Hit]:
    """SSB's table search (GET /tables?query=) and Kolada's KPI search (GET /kpi?title=)."""
    hits: list[Hit] = []
    if ssb is not None:
        page, _ = ssb.request_json(
            "GET", "tables", params={"lang": ssb.lang, "query": words, "pageSize": 50},
            kind="metadata",
        )  # fmt: skip
        for t in page.get("tables", []):
            detail = f"{t.get('firstPeriod', '?')}-{t.get('lastPeriod', '?')}, updated " + str(
                t.get("updated", "?")
            )
            hits.append(Hit("ssb", str(t["id"]), t.get("label", ""), detail))
    if kolada is not None:
        # Kolada matches one phrase in the title; each word is searched and all must match
        found: dict[str, dict[str, Any]] | None = None
        for word in words.split():
            batch = {k["id"]: k for k in kolada.listing("kpi", {"title": word})}
            found = batch if found is None else {i: k for i, k in found.items() if i in batch}
        for kpi in sorted((found or {}).values(), key=lambda k: k["id"]):
            hits.append(
                Hit("kolada", kpi["id"], kpi.get("title", ""), kpi.get("operating_area") or "")
            )
    return hits


def show_ssb(ssb: PxWebClient, table: str) -> str:
    """Dimensions, codes with labels and units, first and last period, last update."""
    info = ssb.table_info(table)
    meta = ssb.metadata(table)
    lines = [
        f"SSB table {table}: {info.get('label', meta.get('label', ''))}",
        f"periods {info.get('firstPeriod', '?')}-{info.get('lastPeriod', '?')}, "
        f"updated {info.get('updated', meta.get('updated', '?'))}",
    ]
    for dim in meta["id"]:
        d = meta["dimension"][dim]
        category = d["category"]
        index = category["index"]
        codes = list(index) if isinstance(index, list) else sorted(index, key=index.get)
        lines.append(f"{dim} ({d.get('label', '')}): {len(codes)} values")
        units = category.get("unit", {})
        shown = codes if len(codes) <= 40 else [*codes[:20], "...", *codes[-5:]]
        for code in shown:
            if code == "...":
                lines.append(f"    ... {len(codes) - 25} more")
                continue
            unit = units.get(code, {})
            extra = f"  [unit {unit.get('base')}, {unit.get('decimals')} decimals]" if unit else ""
            lines.append(f"    {code}  {category.get('label', {}).get(code, '')}{extra}")
    return "\n".join(lines)


def show_kolada(kolada: KoladaClient, kpi: str) -> str:
    found = kolada.kpis([kpi])
    if not found:
        raise LookupError(f"Kolada knows no KPI {kpi!r}")
    k = found[0]
    keys = ("title", "description", "operating_area", "perspective", "is_divided_by_gender",
            "municipality_type", "publication_date", "publ_period", "has_ou_data")  # fmt: skip
    lines = [f"Kolada KPI {k['id']}: {k.get('title', '')}"]
    lines += [f"  {key}: {k[key]}" for key in keys[1:] if k.get(key) not in (None, "")]
    lines.append(f"  unit (from the title): {kolada_unit(k.get('title', ''))}")
    return "\n".join(lines)


def kolada_unit(title: str) -> str:
    """Kolada writes the unit at the end of the title: 'andel (%)', 'kr/inv', 'antal'."""
    t = title.lower()
    if "(%)" in t or t.endswith("%"):
        return "prosent"
    m = re.search(r"(kr/[a-zåäö.]+|kr|antal|dagar|poäng|år|timmar)\s*$", t)
    return m.group(1) if m else "antal"


def _closest(
    wrong: str, codes: list[str], labels: dict[str, str], label: str = "", n: int = 3
) -> str:
    """The codes nearest the wrong one, and those whose label is nearest the entry's label."""
    near = difflib.get_close_matches(wrong, codes, n=n, cutoff=0.5)
    if label:
        by_text = {labels.get(c, "").lower(): c for c in codes}
        near += [by_text[t] for t in difflib.get_close_matches(label.lower(), list(by_text), n=2,
                                                                cutoff=0.3)]  # fmt: skip
    pairs = [f"{c} ({labels.get(c, '')})" for c in dict.fromkeys(near)]
    return ", ".join(pairs) if pairs else "none close"


def _valid_list(codes: list[str], labels: dict[str, str], limit: int = 12) -> str:
    shown = [f"{c} ({labels.get(c, '')})" for c in codes[:limit]]
    more = f" and {len(codes) - limit} more" if len(codes) > limit else ""
    return ", ".join(shown) + more


def check_ssb_entry(ind: Indicator, meta: dict[str, Any]) -> list[Problem]:
    """Every code of one SSB entry against the table's metadata (JSON-stat2)."""
    problems: list[Problem] = []
    dims = meta["id"]

    def cat(dim: str) -> tuple[list[str], dict[str, str]]:
        c = meta["dimension"][dim]["category"]
        index = c["index"]
        codes = list(index) if isinstance(index, list) else sorted(index, key=index.get)
        return codes, c.get("label", {})

    def bad(msg: str, missing_code: bool = False) -> None:
        problems.append(Problem(ind.id, f"table {ind.table}: {msg}", missing_code))

    codes, labels = cat("ContentsCode")
    if ind.contents_code not in codes:
        bad(
            f"contents_code {ind.contents_code!r} is not in the table; closest: "
            f"{_closest(ind.contents_code or '', codes, labels, ind.label)}; valid: "
            f"{_valid_list(codes, labels)}",
            missing_code=True,
        )
    if ind.region_dimension not in dims:
        bad(
            f"region_dimension {ind.region_dimension!r} is not a variable; it has {', '.join(dims)}"
        )
    chosen = {**ind.fixed, **{k: None for k in ind.sum_over}}
    for dim, value in ind.fixed.items():
        if dim not in dims:
            bad(f"fixed: no variable {dim!r}; it has {', '.join(dims)}")
            continue
        codes, labels = cat(dim)
        if value not in codes:
            bad(
                f"fixed {dim}={value!r} is not a value; closest: {_closest(value, codes, labels)}"
                f"; valid: {_valid_list(codes, labels)}",
                missing_code=True,
            )
    for dim, values in ind.sum_over.items():
        if dim not in dims:
            bad(f"sum_over: no variable {dim!r}; it has {', '.join(dims)}")
            continue
        codes, labels = cat(dim)
        missing = [v for v in values if v not in codes]
        if missing:
            bad(
                f"sum_over {dim}: {', '.join(missing[:5])} not values of the table; closest to "
                f"{missing[0]!r}: {_closest(missing[0], codes, labels)}",
                missing_code=True,
            )
    for dim in dims:
        if dim in (ind.region_dimension, "ContentsCode", "Tid") or dim in chosen:
            continue
        codes, labels = cat(dim)
        bad(f"the table also has {dim}; fix one value under `fixed` ({_valid_list(codes, labels)})")
    units = meta["dimension"]["ContentsCode"]["category"].get("unit", {})
    unit = units.get(ind.contents_code or "", {}).get("base")
    if unit and ind.kind == "grunnlagstall" and unit.strip().lower() != ind.unit.strip().lower():
        bad(f"unit {ind.unit!r} differs from SSB's {unit!r}")
    return problems


def check(catalog: Catalog, ssb: PxWebClient | None, kolada: KoladaClient | None) -> list[Problem]:
    """Every catalog entry against its source's metadata."""
    problems: list[Problem] = []
    if ssb is not None:
        for table, indicators in catalog.ssb_tables().items():
            try:
                meta = ssb.metadata(table)
            except Exception as exc:  # reported per table; the rest are still checked
                for ind in indicators:
                    problems.append(Problem(ind.id, f"table {table}: cannot read its metadata: "
                                            f"{str(exc).splitlines()[0]}"))  # fmt: skip
                continue
            for ind in indicators:
                problems.extend(check_ssb_entry(ind, meta))
    if kolada is not None:
        wanted = [i.kpi for i in catalog.by_source("kolada") if i.kpi]
        known = {k["id"] for k in kolada.kpis(wanted)} if wanted else set()
        for ind in catalog.by_source("kolada"):
            if ind.kpi not in known:
                problems.append(Problem(ind.id, f"Kolada knows no KPI {ind.kpi!r}", True))
        groups = [g.kpi_group for g in catalog.kpi_groups]
        known_groups = {g["id"] for g in kolada.kpi_groups(groups)} if groups else set()
        for group in catalog.kpi_groups:
            if group.kpi_group not in known_groups:
                problems.append(
                    Problem(group.id, f"Kolada knows no KPI group {group.kpi_group!r}", True)
                )
    return problems


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def entry_text(entry: dict[str, Any]) -> str:
    return "\n[[indicator]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items())


def ssb_entry(
    ssb: PxWebClient, table: str, contents_code: str, fixed: dict[str, str],
    sum_over: dict[str, list[str]], base: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """A catalog entry with SSB's own label and unit, its codes checked against the metadata."""
    meta = ssb.metadata(table)
    category = meta["dimension"]["ContentsCode"]["category"]
    label = category.get("label", {}).get(contents_code)
    unit = category.get("unit", {}).get(contents_code, {}).get("base")
    region = next(
        (d for d in meta["id"] if d in ("KOKkommuneregion0000", "Region")),
        (meta.get("role", {}).get("geo") or ["KOKkommuneregion0000"])[0],
    )
    entry: dict[str, Any] = {
        "id": base["id"], "source": "ssb", "kind": base["kind"], "table": table,
        "contents_code": contents_code,
    }  # fmt: skip
    if fixed:
        entry["fixed"] = fixed
    if sum_over:
        entry["sum_over"] = sum_over
    if region != "KOKkommuneregion0000":
        entry["region_dimension"] = region
    extras = {k: v for k, v in fixed.items()}
    suffix = ", ".join(
        meta["dimension"][d]["category"].get("label", {}).get(v, v) for d, v in extras.items()
    )
    entry["label"] = (label or contents_code) + (f" ({suffix})" if suffix else "")
    entry["unit"] = unit or "?"
    entry.update({k: v for k, v in base.items() if k not in entry and v is not None})
    entry["confirmed_by"] = (
        f"SSB PxWebApi metadata of table {table} ({ssb.base_url}), read {date.today()} by "
        "`malestokk catalog add`"
    )
    return entry


def kolada_entry(kolada: KoladaClient, kpi: str, base: dict[str, Any]) -> dict[str, Any]:
    found = kolada.kpis([kpi])
    if not found:
        raise LookupError(f"Kolada knows no KPI {kpi!r}")
    title = found[0].get("title", kpi)
    entry: dict[str, Any] = {"id": base["id"], "source": "kolada", "kind": base["kind"],
                             "kpi": kpi, "label": title, "unit": kolada_unit(title)}  # fmt: skip
    entry.update({k: v for k, v in base.items() if k not in entry and v is not None})
    return entry


def append_entry(catalog_file: Path, entry: dict[str, Any]) -> None:
    """Append the entry only if the catalog with it still loads (ids unique, keys valid)."""
    text = catalog_file.read_text(encoding="utf-8")
    new = text.rstrip("\n") + "\n" + entry_text(entry)
    trial = catalog_file.with_name(f".{catalog_file.name}.adding")
    trial.write_text(new, encoding="utf-8")
    try:
        load_catalog(trial)
    finally:
        trial.unlink(missing_ok=True)
    catalog_file.write_text(new, encoding="utf-8")


def base_fields(args: Any) -> dict[str, Any]:
    """The fields a user decides (the source decides label and unit)."""
    hib: Any = args.higher_is_better
    hib = {"true": True, "false": False}.get(str(hib).lower(), "neutral")
    if args.perspective not in PERSPECTIVES:
        raise ValueError(f"--perspective must be one of {', '.join(PERSPECTIVES)}")
    return {
        "id": args.id, "kind": args.kind, "service_area": args.service_area,
        "perspective": args.perspective, "higher_is_better": hib, "per": args.per,
        "weight": args.weight, "additive": True if args.kind == "grunnlagstall" else None,
    }  # fmt: skip
