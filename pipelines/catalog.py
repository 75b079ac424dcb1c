"""The indicator catalog: which series to fetch, and what they mean for a comparison.

The catalog is a TOML file the economy department edits. Each entry says where a series comes from
(an SSB table and contents code with fixed dimension values, or a Kolada KPI), how to read it
(label, unit, service area, scorecard perspective) and which direction is good.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PERSPECTIVES = ("tjenester/brukere", "økonomi", "organisasjon/medarbeidere", "samfunn")
SOURCES = ("ssb", "kolada", "derived")
# SSB's two levels: nøkkeltall relate a figure to another or to the population a service is for
# and are what municipalities are compared on; grunnlagstall are absolute (counts, 1000 kr) and
# serve sums, back-series of merged municipalities and the weights of peer figures.
KINDS = ("nøkkeltall", "grunnlagstall")

Source = Literal["ssb", "kolada", "derived"]


class CatalogError(ValueError):
    """The catalog file is wrong; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Indicator:
    id: str
    source: Source
    label: str
    unit: str
    service_area: str
    perspective: str
    higher_is_better: bool | None  # None: neither direction is good in itself
    kind: str = "nøkkeltall"  # or "grunnlagstall": never ranked, coloured or given a target
    per: str | None = None  # what a nøkkeltall is per ("innbyggere 1-5 år", "beboer", ...)
    confirmed_by: str | None = None  # the real source the codes were checked against
    table: str | None = None  # SSB table id
    contents_code: str | None = None  # SSB ContentsCode value
    fixed: dict[str, str] = field(default_factory=dict)  # SSB dimension -> fixed value code
    # SSB dimension -> value codes summed into the one series (ages 1-5, functions 244+251+252)
    sum_over: dict[str, tuple[str, ...]] = field(default_factory=dict)
    region_dimension: str = "KOKkommuneregion0000"
    kpi: str | None = None  # Kolada KPI id
    additive: bool = False
    kpi_group: str | None = None  # set when the indicator comes from a catalog KPI group
    # for a ratio: the additive indicators it is made of, so peer averages can be weighted; a
    # `derived` indicator is computed from them (ratio_scale * numerator / denominator)
    numerator: str | None = None
    denominator: str | None = None
    ratio_scale: float = 1.0
    weight: str | None = None  # additive indicator computed peer figures are weighted by
    valid_min: float | None = None  # plausible range, checked by the Great Expectations suites
    valid_max: float | None = None
    expenditure_need_area: str | None = None  # spending (1000 kr) to compare adjusted for need

    @property
    def fixed_text(self) -> str:
        """How the series' fixed (and summed) dimension values are written in the warehouse."""
        parts = {**self.fixed, **{k: "+".join(_ranges(v)) for k, v in self.sum_over.items()}}
        return ",".join(f"{k}={v}" for k, v in sorted(parts.items()))

    @property
    def series_key(self) -> str:
        """Identifies the source series the indicator reads."""
        if self.source == "ssb":
            return f"ssb:{self.table}:{self.contents_code}:{self.fixed_text}"
        if self.source == "derived":
            return f"derived:{self.numerator}/{self.denominator}*{self.ratio_scale}"
        return f"kolada:{self.kpi}"


@dataclass(frozen=True)
class KpiGroupEntry:
    """A Kolada KPI group named in the catalog; its members become indicators when fetched."""

    id: str  # prefix of the member indicators' ids: "<id>.<kpi in lower case>"
    kpi_group: str  # e.g. "GKPI118" (KKiK)
    service_area: str
    perspective: str
    higher_is_better: bool | None = None


@dataclass(frozen=True)
class Catalog:
    path: Path
    indicators: tuple[Indicator, ...]
    kpi_groups: tuple[KpiGroupEntry, ...] = ()

    def by_source(self, source: Source) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.source == source)

    def needs(self, source: Source) -> bool:
        """Whether a refresh has anything to fetch from the source (its API may be unreachable
        when nothing is wanted from it: a Swedish setup never needs SSB)."""
        if source == "kolada" and self.kpi_groups:
            return True
        return bool(self.by_source(source))

    def skip_reason(self, source: Source) -> str | None:
        if self.needs(source):
            return None
        name = {"ssb": "SSB (KOSTRA) indicators", "kolada": "Kolada indicators or KPI groups"}
        return f"skipped: the catalog has no {name[source]}"

    def ssb_tables(self) -> dict[str, list[Indicator]]:
        tables: dict[str, list[Indicator]] = {}
        for ind in self.by_source("ssb"):
            tables.setdefault(ind.table or "", []).append(ind)
        return tables


def expand_codes(codes: list[str]) -> tuple[str, ...]:
    """Value codes as written in the catalog, ranges of zero-padded numbers spelled out:
    ["000-017"] -> "000", "001", ..., "017" (SSB's Alder codes); other codes stay as written."""
    out: list[str] = []
    for code in codes:
        m = re.fullmatch(r"(\d+)-(\d+)", code)
        if m and len(m[1]) == len(m[2]) and int(m[1]) <= int(m[2]):
            out.extend(str(n).zfill(len(m[1])) for n in range(int(m[1]), int(m[2]) + 1))
        else:
            out.append(code)
    return tuple(dict.fromkeys(out))


def _ranges(codes: tuple[str, ...]) -> list[str]:
    """The inverse of expand_codes for display: runs of consecutive numbers written a-b."""
    out: list[str] = []
    run: list[str] = []
    for code in (*codes, None):
        if (
            code is not None
            and code.isdigit()
            and run
            and len(code) == len(run[-1])
            and int(code) == int(run[-1]) + 1
        ):
            run.append(code)
            continue
        if run:
            out.extend(run if len(run) < 3 else [f"{run[0]}-{run[-1]}"])
        run = [code] if code is not None and code.isdigit() else []
        if code is not None and not code.isdigit():
            out.append(code)
    return out


_REQUIRED = ("id", "source", "label", "unit", "service_area", "perspective", "higher_is_better")
_KNOWN_KEYS = {
    *_REQUIRED,
    "kind",
    "per",
    "confirmed_by",
    "sum_over",
    "weight",
    "table",
    "contents_code",
    "fixed",
    "region_dimension",
    "kpi",
    "additive",
    "numerator",
    "denominator",
    "ratio_scale",
    "valid_min",
    "valid_max",
    "expenditure_need_area",
}


def unknown_key(key: str, known: set[str]) -> str:
    """'unknown key', with the closest known one when a misspelling is likely."""
    close = closest(key, known)
    return f"unknown key; did you mean {close!r}?" if close else "unknown key"


def closest(word: str, known: set[str] | list[str]) -> str | None:
    """The known word a misspelling most likely meant: swapped letters first ('lable' is
    'label', not 'table'), then the most similar."""
    candidates = difflib.get_close_matches(word, sorted(known), n=3, cutoff=0.5)
    swapped = [c for c in candidates if sorted(c) == sorted(word)]
    return (swapped or candidates or [None])[0]


def _entry(path: Path, n: int, raw: dict) -> Indicator:
    where = f"{path}: indicator #{n}" + (
        f" ({raw['id']})" if isinstance(raw.get("id"), str) else ""
    )

    def fail(key: str, problem: str) -> CatalogError:
        return CatalogError(f"{where}: {key}: {problem}")

    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise fail(unknown[0], unknown_key(unknown[0], _KNOWN_KEYS))
    for key in _REQUIRED:
        if key not in raw:
            raise fail(key, "is required")
    for key in ("id", "label", "unit", "service_area"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(key, "must be a non-empty string")
    if not re.fullmatch(r"[a-z0-9_.\-]+", raw["id"]):
        raise fail("id", "use lower-case letters, digits, '_', '.', '-'")
    source = raw["source"]
    if source not in SOURCES:
        raise fail("source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    if raw["perspective"] not in PERSPECTIVES:
        raise fail("perspective", f"must be one of {', '.join(PERSPECTIVES)}")
    hib = raw["higher_is_better"]
    if not (isinstance(hib, bool) or hib == "neutral"):
        raise fail("higher_is_better", 'must be true, false or "neutral"')
    additive_raw = raw.get("additive", False)
    # an older catalog without `kind`: an additive figure with no direction is a grunnlagstall
    kind = raw.get("kind") or (
        "grunnlagstall" if additive_raw is True and hib == "neutral" else "nøkkeltall"
    )
    if kind not in KINDS:
        raise fail("kind", f"must be {' or '.join(repr(k) for k in KINDS)}, got {kind!r}")
    if kind == "grunnlagstall" and hib != "neutral":
        raise fail("higher_is_better", 'a grunnlagstall is never better or worse: use "neutral"')
    per = raw.get("per")
    if per is not None and (not isinstance(per, str) or not per.strip()):
        raise fail("per", 'must say what the figure is per, e.g. "innbyggere 1-5 år"')
    weight = raw.get("weight")
    if weight is not None and (not isinstance(weight, str) or not weight):
        raise fail("weight", "must be the id of an additive indicator")
    additive = raw.get("additive", False)
    if not isinstance(additive, bool):
        raise fail("additive", "must be true or false")
    parts = {k: raw.get(k) for k in ("numerator", "denominator")}
    if (parts["numerator"] is None) != (parts["denominator"] is None):
        raise fail("numerator", "give both numerator and denominator, or neither")
    for key, value in parts.items():
        if value is not None and (not isinstance(value, str) or not value):
            raise fail(key, "must be the id of another indicator")
    scale = raw.get("ratio_scale", 1.0)
    if not isinstance(scale, int | float) or isinstance(scale, bool) or scale <= 0:
        raise fail("ratio_scale", "must be a positive number")
    bounds = {k: raw.get(k) for k in ("valid_min", "valid_max")}
    for key, value in bounds.items():
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise fail(key, "must be a number")
    if None not in bounds.values() and bounds["valid_min"] > bounds["valid_max"]:
        raise fail("valid_min", "is above valid_max")
    confirmed_by = raw.get("confirmed_by")
    if confirmed_by is not None and (not isinstance(confirmed_by, str) or not confirmed_by.strip()):
        raise fail("confirmed_by", "must name the real source the codes were checked against")
    common = dict(
        id=raw["id"],
        source=source,
        kind=kind,
        per=per.strip() if per else None,
        confirmed_by=confirmed_by,
        weight=weight,
        label=raw["label"].strip(),
        unit=raw["unit"].strip(),
        service_area=raw["service_area"].strip(),
        perspective=raw["perspective"],
        higher_is_better=None if hib == "neutral" else hib,
        additive=additive,
        numerator=parts["numerator"],
        denominator=parts["denominator"],
        ratio_scale=float(scale),
        valid_min=None if bounds["valid_min"] is None else float(bounds["valid_min"]),
        valid_max=None if bounds["valid_max"] is None else float(bounds["valid_max"]),
        expenditure_need_area=raw.get("expenditure_need_area"),
    )
    if source == "ssb":
        table = raw.get("table")
        if not isinstance(table, str) or not re.fullmatch(r"\d{5}", table):
            raise fail("table", 'an SSB table id is five digits, e.g. "12134"')
        code = raw.get("contents_code")
        if not isinstance(code, str) or not code:
            raise fail("contents_code", "is required for an SSB indicator")
        fixed = raw.get("fixed", {})
        if not isinstance(fixed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fixed.items()
        ):
            raise fail("fixed", "must map dimension ids to one value code each")
        if "ContentsCode" in fixed or "Tid" in fixed:
            raise fail("fixed", "ContentsCode and Tid are chosen by the catalog and the years")
        sum_over = raw.get("sum_over", {})
        if not isinstance(sum_over, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and v and all(isinstance(c, str) for c in v)
            for k, v in sum_over.items()
        ):
            raise fail("sum_over", "must map dimension ids to a list of value codes to sum")
        if set(sum_over) & (set(fixed) | {"ContentsCode", "Tid"}):
            raise fail("sum_over", "a dimension is either fixed or summed over, not both")
        if sum_over and not additive:
            raise fail("sum_over", "only an additive figure (additive = true) can be summed")
        if "kpi" in raw:
            raise fail("kpi", "belongs to Kolada indicators, not SSB")
        return Indicator(
            **common,
            table=table,
            contents_code=code,
            fixed=dict(fixed),
            sum_over={k: expand_codes(v) for k, v in sum_over.items()},
            region_dimension=raw.get("region_dimension", "KOKkommuneregion0000"),
        )
    if source == "derived":
        for key in ("table", "contents_code", "fixed", "kpi", "sum_over"):
            if key in raw:
                raise fail(key, "a derived indicator is computed from its numerator and "
                           "denominator, not fetched")  # fmt: skip
        if not (parts["numerator"] and parts["denominator"]):
            raise fail("numerator", "a derived indicator needs numerator and denominator")
        if kind != "nøkkeltall":
            raise fail("kind", "a derived indicator is a nøkkeltall")
        return Indicator(**common)
    kpi = raw.get("kpi")
    if not isinstance(kpi, str) or not re.fullmatch(r"[NU]\d{5}", kpi):
        raise fail("kpi", 'a Kolada KPI id is N or U and five digits, e.g. "N15428"')
    for key in ("table", "contents_code", "fixed"):
        if key in raw:
            raise fail(key, "belongs to SSB indicators, not Kolada")
    return Indicator(**common, kpi=kpi)


def _group_entry(path: Path, n: int, raw: dict) -> KpiGroupEntry:
    where = f"{path}: kolada_kpi_group #{n}"

    def fail(key: str, problem: str) -> CatalogError:
        return CatalogError(f"{where}: {key}: {problem}")

    known = {"id", "kpi_group", "service_area", "perspective", "higher_is_better"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise fail(unknown[0], unknown_key(unknown[0], known))
    for key in ("id", "kpi_group", "service_area", "perspective"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(key, "is required")
    if not re.fullmatch(r"[a-z0-9_.\-]+", raw["id"]):
        raise fail("id", "use lower-case letters, digits, '_', '.', '-'")
    if not re.fullmatch(r"G2?KPI\d+", raw["kpi_group"]):
        raise fail("kpi_group", 'a Kolada KPI group id looks like "GKPI118"')
    if raw["perspective"] not in PERSPECTIVES:
        raise fail("perspective", f"must be one of {', '.join(PERSPECTIVES)}")
    hib = raw.get("higher_is_better", "neutral")
    if not (isinstance(hib, bool) or hib == "neutral"):
        raise fail("higher_is_better", 'must be true, false or "neutral"')
    return KpiGroupEntry(
        raw["id"],
        raw["kpi_group"],
        raw["service_area"].strip(),
        raw["perspective"],
        None if hib == "neutral" else hib,
    )


def load_catalog(path: Path | str) -> Catalog:
    """Parse and check the catalog; raise CatalogError naming the first wrong entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: catalog file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("indicator", [])
    group_entries = data.get("kolada_kpi_group", [])
    if not isinstance(entries, list) or not isinstance(group_entries, list):
        raise CatalogError(f"{path}: [[indicator]] and [[kolada_kpi_group]] must be lists")
    if not entries and not group_entries:
        raise CatalogError(f"{path}: no [[indicator]] entries")
    groups = tuple(_group_entry(path, n, raw) for n, raw in enumerate(group_entries, start=1))
    indicators = tuple(_entry(path, n, raw) for n, raw in enumerate(entries, start=1))
    seen: dict[str, int] = {}
    series: dict[str, str] = {}
    for n, ind in enumerate(indicators, start=1):
        if ind.id in seen:
            raise CatalogError(f"{path}: indicator #{n}: id: {ind.id!r} repeats #{seen[ind.id]}")
        seen[ind.id] = n
        if ind.series_key in series:
            raise CatalogError(
                f"{path}: indicator #{n} ({ind.id}): "
                f"reads the same series as {series[ind.series_key]}"
            )
        series[ind.series_key] = ind.id
    by_id = {i.id: i for i in indicators}
    for n, ind in enumerate(indicators, start=1):
        for key in ("numerator", "denominator"):
            ref = getattr(ind, key)
            if ref is None:
                continue
            if ref not in by_id:
                raise CatalogError(
                    f"{path}: indicator #{n} ({ind.id}): {key}: no indicator {ref!r}"
                )
            if not by_id[ref].additive:
                raise CatalogError(
                    f"{path}: indicator #{n} ({ind.id}): {key}: {ref} must be additive = true"
                )
        if ind.weight is not None and (ind.weight not in by_id or not by_id[ind.weight].additive):
            raise CatalogError(
                f"{path}: indicator #{n} ({ind.id}): weight: {ind.weight!r} must be an "
                "additive indicator of the catalog"
            )
    return Catalog(path=path, indicators=indicators, kpi_groups=groups)
