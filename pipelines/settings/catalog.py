"""The indicator catalog: which series to fetch, and what they mean for a comparison.

The catalog is a TOML file the economy department edits. Each entry says where a series comes from
(an SSB table and contents code with fixed dimension values, or a Kolada KPI), how to read it
(label, unit, service area, scorecard perspective) and which direction is good.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from pipelines.settings.model_rules import FileModel, Text, one_of, problem, unknown_key

PERSPECTIVES = ("tjenester/brukere", "økonomi", "organisasjon/medarbeidere", "samfunn")
SOURCES = ("ssb", "kolada", "derived")
# SSB's two levels: nøkkeltall relate a figure to another or to the population a service is for
# and are what municipalities are compared on; grunnlagstall are absolute (counts, 1000 kr) and
# serve sums, back-series of merged municipalities and the weights of peer figures.
KINDS = ("nøkkeltall", "grunnlagstall")
# When a population count is taken: SSB's 07459 counts at 1 January of its year ("1.1"); a count
# at 31 December of its year is "31.12".
POPULATION_DATES = ("1.1", "31.12")

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
    direction_note: str | None = None  # why a direction was chosen (or not yet: "undecided")
    population_at: str | None = None  # a population count: "1.1" or "31.12" of its year

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
    # KPI -> (higher is better, why): a direction decided per member, from Kolada's own title
    directions: dict[str, tuple[bool | None, str | None]] = field(default_factory=dict)


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

    def population_tables(self) -> frozenset[str]:
        """SSB tables counting population at 1 January: the year after the last study year is
        needed too, as the last year's 31.12 population (see year_offset)."""
        return frozenset(
            i.table for i in self.by_source("ssb") if i.population_at == "1.1" and i.table
        )

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


_ID = r"[a-z0-9_.\-]+"


def _id(value: str) -> str:
    if not re.fullmatch(_ID, value):
        raise ValueError("use lower-case letters, digits, '_', '.', '-'")
    return value


def _direction(value: Any) -> bool | None:
    """true, false, or "neutral" (None): 1 or "yes" are refused, not read as true."""
    if isinstance(value, bool):
        return value
    if value == "neutral":
        return None
    raise ValueError('must be true, false or "neutral"')


def _pattern(regex: str, problem: str):
    def check(value: str) -> str:
        if not re.fullmatch(regex, value):
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _fixed(value: dict[str, str]) -> dict[str, str]:
    if "ContentsCode" in value or "Tid" in value:
        raise ValueError("ContentsCode and Tid are chosen by the catalog and the years")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _codes(value: dict[str, list[str]]) -> dict[str, list[str]]:
    if not all(value.values()):
        raise ValueError("must map dimension ids to a list of value codes to sum")
    return value


Id = Annotated[Text, AfterValidator(_id)]
Direction = Annotated[Any, AfterValidator(_direction)]
Perspective = Annotated[Text, one_of(*PERSPECTIVES)]
Number = StrictFloat | StrictInt


class IndicatorEntry(FileModel):
    """One [[indicator]] as written; the rules that tie keys together are in `_rules`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Id
    source: Annotated[Text, one_of(*SOURCES)]
    label: Text
    unit: Text
    service_area: Text
    perspective: Perspective
    higher_is_better: Direction
    kind: Annotated[Text, one_of(*KINDS)] | None = None
    per: Text | None = None  # what a nøkkeltall is per, e.g. "innbyggere 1-5 år"
    confirmed_by: Text | None = None
    weight: Text | None = None
    table: (
        Annotated[Text, _pattern(r"\d{5}", 'an SSB table id is five digits, e.g. "12134"')] | None
    ) = None
    contents_code: Text | None = None
    fixed: Annotated[dict[str, str], AfterValidator(_fixed)] = Field(default_factory=dict)
    sum_over: Annotated[dict[str, list[str]], AfterValidator(_codes)] = Field(default_factory=dict)
    region_dimension: Text = "KOKkommuneregion0000"
    kpi: (
        Annotated[
            Text, _pattern(r"[NU]\d{5}", 'a Kolada KPI id is N or U and five digits, e.g. "N15428"')
        ]
        | None
    ) = None
    additive: bool = False
    numerator: Text | None = None
    denominator: Text | None = None
    ratio_scale: Annotated[Number, AfterValidator(_positive)] = 1.0
    valid_min: Number | None = None
    valid_max: Number | None = None
    expenditure_need_area: Text | None = None
    population_at: Annotated[Text, one_of(*POPULATION_DATES)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> IndicatorEntry:
        problem = _entry_rule(self)
        if problem:
            raise ValueError(" ".join(problem))
        return self

    @property
    def resolved_kind(self) -> str:
        """An older catalog without `kind`: an additive figure with no direction is a
        grunnlagstall."""
        if self.kind:
            return self.kind
        neutral = self.higher_is_better is None
        return "grunnlagstall" if self.additive and neutral else "nøkkeltall"


def _entry_rule(e: IndicatorEntry) -> tuple[str, str] | None:
    """The first rule across keys that the entry breaks, as (key, problem)."""
    given = e.model_fields_set
    kind = e.resolved_kind
    if kind == "grunnlagstall" and e.higher_is_better is not None:
        return "higher_is_better:", 'a grunnlagstall is never better or worse: use "neutral"'
    if e.population_at is not None and not e.additive:
        return "population_at:", "only a population count (additive = true) has a count date"
    if (e.numerator is None) != (e.denominator is None):
        return "numerator:", "give both numerator and denominator, or neither"
    if None not in (e.valid_min, e.valid_max) and e.valid_min > e.valid_max:  # type: ignore[operator]
        return "valid_min:", "is above valid_max"
    if e.source == "ssb":
        for key, problem in (
            ("table", 'an SSB table id is five digits, e.g. "12134"'),
            ("contents_code", "is required for an SSB indicator"),
        ):
            if key not in given:
                return f"{key}:", problem
        if set(e.sum_over) & (set(e.fixed) | {"ContentsCode", "Tid"}):
            return "sum_over:", "a dimension is either fixed or summed over, not both"
        if e.sum_over and not e.additive:
            return "sum_over:", "only an additive figure (additive = true) can be summed"
        if "kpi" in given:
            return "kpi:", "belongs to Kolada indicators, not SSB"
        return None
    if e.source == "derived":
        for key in ("table", "contents_code", "fixed", "kpi", "sum_over"):
            if key in given:
                return (
                    f"{key}:",
                    "a derived indicator is computed from its numerator and denominator, "
                    "not fetched",
                )
        if not (e.numerator and e.denominator):
            return "numerator:", "a derived indicator needs numerator and denominator"
        if kind != "nøkkeltall":
            return "kind:", "a derived indicator is a nøkkeltall"
        return None
    if "kpi" not in given:
        return "kpi:", 'a Kolada KPI id is N or U and five digits, e.g. "N15428"'
    for key in ("table", "contents_code", "fixed", "sum_over"):
        if key in given:
            return f"{key}:", "belongs to SSB indicators, not Kolada"
    return None


def _indicator(e: IndicatorEntry) -> Indicator:
    return Indicator(
        id=e.id,
        source=e.source,  # type: ignore[arg-type]
        label=e.label,
        unit=e.unit,
        service_area=e.service_area,
        perspective=e.perspective,
        higher_is_better=e.higher_is_better,
        kind=e.resolved_kind,
        per=e.per,
        confirmed_by=e.confirmed_by,
        weight=e.weight,
        table=e.table,
        contents_code=e.contents_code,
        fixed=dict(e.fixed),
        sum_over={k: expand_codes(v) for k, v in e.sum_over.items()},
        region_dimension=e.region_dimension,
        kpi=e.kpi,
        additive=e.additive,
        numerator=e.numerator,
        denominator=e.denominator,
        ratio_scale=float(e.ratio_scale),
        valid_min=None if e.valid_min is None else float(e.valid_min),
        valid_max=None if e.valid_max is None else float(e.valid_max),
        expenditure_need_area=e.expenditure_need_area,
        population_at=e.population_at,
    )


KpiId = Annotated[
    str, _pattern(r"[NU]\d{5}", 'a Kolada KPI id is N or U and five digits, e.g. "N15428"')
]


class DirectionOverride(FileModel):
    """One member KPI's direction with the reason for it; a neutral one must say why."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    higher_is_better: Direction
    reason: Text | None = None

    @model_validator(mode="after")
    def _neutral_says_why(self) -> DirectionOverride:
        if self.higher_is_better is None and not self.reason:
            raise ValueError('reason: a "neutral" direction says why (reason = "...")')
        return self


class KpiGroupSection(FileModel):
    """One [[kolada_kpi_group]] as written."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Id
    kpi_group: Annotated[Text, _pattern(r"G2?KPI\d+", 'a Kolada KPI group id looks like "GKPI118"')]
    service_area: Text
    perspective: Perspective
    higher_is_better: Direction = None  # for members without a direction of their own
    directions: dict[KpiId, bool | DirectionOverride] = Field(default_factory=dict)


def _group(g: KpiGroupSection) -> KpiGroupEntry:
    directions = {
        kpi: (d, None) if isinstance(d, bool) else (d.higher_is_better, d.reason)
        for kpi, d in g.directions.items()
    }
    return KpiGroupEntry(
        g.id, g.kpi_group, g.service_area, g.perspective, g.higher_is_better, directions
    )


def _parse(model: type[FileModel], where: str, raw: object) -> FileModel:
    """Validate one entry; the first problem names the entry and the key."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: must be a table")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            e
            for e in exc.errors(include_url=False)
            # a value that may be true/false or a table: name the branch its shape chose
            if not (e["type"] == "bool_type" and isinstance(e.get("input"), dict))
            and not (e["type"] == "model_type" and isinstance(e.get("input"), bool))
        ] or exc.errors(include_url=False)
        # an unknown key first: it often explains the "missing" one beside it
        error = sorted(errors, key=lambda e: e["type"] != "extra_forbidden")[0]
        if isinstance(raw.get("id"), str):
            where += f" ({raw['id']})"
        # the path to the key, without pydantic's names of union branches (bool, a model)
        key = ".".join(
            str(p)
            for p in error["loc"]
            if p not in ("bool", "DirectionOverride") and "[" not in str(p)
        )
        if error["type"] == "extra_forbidden":
            nested = len(error["loc"]) > 1  # inside a direction's table
            known = DirectionOverride.model_fields if nested else model.model_fields
            text = unknown_key(str(error["loc"][-1]), list(known))
        elif error["type"] == "missing":
            text = "is required"
        else:
            text = problem(error)
        raise CatalogError(f"{where}: {key}: {text}" if key else f"{where}: {text}") from None


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
    groups = tuple(
        _group(_parse(KpiGroupSection, f"{path}: kolada_kpi_group #{n}", raw))  # type: ignore[arg-type]
        for n, raw in enumerate(group_entries, start=1)
    )
    indicators = tuple(
        _indicator(_parse(IndicatorEntry, f"{path}: indicator #{n}", raw))  # type: ignore[arg-type]
        for n, raw in enumerate(entries, start=1)
    )
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


def year_offset(catalog_by_id: dict[str, Indicator], ref: str | None) -> int:
    """How many years after the reporting year a denominator or weight is read: KOSTRA divides
    by the population at 31 December of the reporting year, which SSB's 07459 gives as the count
    at 1 January of the next year. The one place this convention lives (docs/conventions.md)."""
    if ref is None or ref not in catalog_by_id:
        return 0
    return 1 if catalog_by_id[ref].population_at == "1.1" else 0
