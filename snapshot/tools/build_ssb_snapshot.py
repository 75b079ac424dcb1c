"""Build the synthetic Norwegian part of the offline snapshot.

No real KOSTRA extract is bundled yet, so the values are SYNTHETIC, but every file has the exact
shape of SSB's responses: PxWebApi v2 JSON-stat2 datasets with `KOKkommuneregion0000` holding
current and historical municipality codes side by side, the pseudo-regions EAK, EAKUO, EKAnn and
EKGnn, `ContentsCode` units, and status symbols on null cells (`.` a code that did not exist that
year, `..` not available, `:` suppressed). Group and national figures are population-weighted means
of their members, as SSB's are. Each dataset's `note` and the snapshot manifest say "synthetic".

Run from the repository root: .venv/bin/python snapshot/tools/build_ssb_snapshot.py
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.domain.regions import asss_members, municipalities

OUT = Path("snapshot/ssb")
YEARS = list(range(2015, 2025))
SYNTHETIC_NOTE = (
    "SYNTETISKE DATA: laget av Målestokk for offline-demoen, ikke SSB-tall. "
    "Formen følger SSBs PxWebApi v2 (JSON-stat2)."
)
UPDATED = "2025-06-15T06:00:00Z"
ASSS_2024 = asss_members()  # pipelines/domain/reference_data/asss_members.csv
COUNTY_NAMES = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "30": "Viken",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "38": "Vestfold og Telemark",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "54": "Troms og Finnmark",
    "55": "Troms",
    "56": "Finnmark",
}


def unit_random(*parts: object) -> float:
    """Deterministic pseudo-random number in [0, 1) from the given parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@cache
def _successors() -> dict[str, tuple[str, ...]]:
    return {m.code: m.successors for m in municipalities("NO") if m.successors}


def terminal(code: str) -> str:
    """The code a municipality has today (first successor on a split), so renumbered codes of
    one municipality share its synthetic level and a series stays continuous across reforms."""
    seen = {code}
    while code in _successors():
        code = _successors()[code][0]
        if code in seen:
            break
        seen.add(code)
    return code


POPULATION_SOURCE = Path("snapshot/sources/ssb_07459_befolkning_b2024.parquet")
POPULATION_PROVENANCE = (
    "niphr/csdata@5934512 R/sysdata.rda nor_population_by_age_b2024 (FHI, MIT; SSB table 07459 "
    "on 2024 borders) -> snapshot/sources/ssb_07459_befolkning_b2024.parquet"
)


@cache
def _real_population() -> dict[tuple[str, int], int]:
    """SSB's population on 1 January (table 07459, on 2024 borders), summed over sex and age."""
    frame = pl.read_parquet(POPULATION_SOURCE)
    totals = frame.group_by("region", "year").agg(pl.col("persons").sum())
    return {(r, y): n for r, y, n in totals.iter_rows()}


def _population_today(code: str, year: int = 2024) -> int:
    real = _real_population()
    if (code, year) in real:
        return real[(code, year)]
    return real[(code, 2024)]


@cache
def _merged_into() -> dict[str, tuple[int, tuple[str, ...]]]:
    """A code that lived on and absorbed others: code -> (year of the merger, the others)."""
    munis = municipalities("NO")
    before: dict[str, list] = {}
    for m in munis:
        before.setdefault(m.code, []).append(m)
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    for m in munis:
        if not m.valid_to:
            continue
        for successor in m.successors:
            lived_on = any(
                x.valid_from is None or x.valid_from < m.valid_to for x in before.get(successor, [])
            )
            if lived_on:
                year, parts = out.get(successor, (m.valid_to.year, ()))
                out[successor] = (year, (*parts, m.code))
    return out


def _share(code: str, parts: list[str]) -> float:
    weight = {c: 0.5 + unit_random("share", c) for c in parts}
    return weight[code] / sum(weight.values())


def population(code: str, year: int | None = None) -> int:
    """Today's municipalities keep their size; merged parts share the size of what they became.

    A code that lived on through a merger (Stavanger 1103 absorbing Finnøy and Rennesøy in 2020)
    had only its own share before the merger year, so summed parts stay continuous.
    """
    if code in _successors():
        successor = _successors()[code][0]
        siblings = [c for c, succ in _successors().items() if succ and succ[0] == successor]
        if successor in _merged_into():
            siblings.append(successor)
        return int(population(successor) * _share(code, siblings))
    size = _population_today(code, year or 2024)
    merged = _merged_into().get(code)
    if year is not None and merged and year < merged[0]:
        return int(size * _share(code, [*merged[1], code]))
    return size


def kostra_group(code: str) -> str:
    """Synthetic 2020-grouping membership: Oslo alone in EKG13 as SSB has it, the rest made up
    for the demo (every row is labelled snapshot:synthetic but EKG13, snapshot/manifest.toml)."""
    if code == "0301":
        return "EKG13"
    if terminal(code) in ASSS_2024:
        return "EKG12"
    pop = population(code)
    r = unit_random("group", code)
    if pop < 600:
        return "EKG16"
    if pop < 2000:
        return "EKG14" if r < 0.4 else "EKG15"
    if pop < 10_000:
        return f"EKG0{1 + int(r * 6)}"
    if pop < 20_000:
        return "EKG07" if r < 0.75 else "EKG08"
    if pop < 30_000:
        return "EKG09"
    if pop < 45_000:
        return "EKG10"
    if pop < 75_000:
        return "EKG11"
    return "EKG17" if r < 0.1 else "EKG12"


def valid_in_year(m, year: int) -> bool:
    return m.valid_on(date(year, 1, 1))


# --- the tables -----------------------------------------------------------------------------
# A contents entry: code -> (label, unit, decimals, kind, base, spread, trend per year, lo, hi).
# kind "ratio": a municipality's level is base * (1 + spread * (u - 0.5)) plus trend and noise;
#   pseudo-regions are means weighted by the 31.12 population (07459 at 1.1 of the next year).
# kind "count": base is per 1 000 inhabitants; pseudo-regions are the SUMS of their members, as
#   SSB publishes group and Landet figures of absolute numbers.
# `confirmed` lists codes seen in real SSB payloads; all other codes are modelled and must be
# checked against the live table metadata before live use (the refresh reports unknown codes).
Contents = dict[str, tuple[str, str, int, str, float, float, float, float, float]]


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    area: str
    contents: Contents
    extra_dims: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    confirmed: tuple[str, ...] = ()
    updated: str = UPDATED
    suppress_small: bool = False  # ':' for small municipalities (barnevern, pleie og omsorg)


FUNCTIONS = (  # KOSTRA function codes (statisticsnorway/kostra-kontrollprogram, kostraregnskap)
    ("201", "Opphold og stimulering"),
    ("202", "Grunnskole"),
    ("232", "Helsestasjons- og skolehelsetjeneste"),
    ("233", "Annet forebyggende helsearbeid"),
    ("241", "Diagnose, behandling, re-/habilitering"),
    ("244", "Barneverntjeneste"),
    ("251", "Barneverntiltak når barnet ikke er plassert av barnevernet"),
    ("252", "Barneverntiltak når barnet er plassert av barnevernet"),
    ("253", "Helse- og omsorgstjenester i institusjon"),
    ("254", "Helse- og omsorgstjenester til hjemmeboende"),
    ("281", "Ytelse til livsopphold"),
    ("338", "Forebygging av branner og andre ulykker"),
    ("339", "Beredskap mot branner og andre ulykker"),
)
FUNCTION_KR_PER_INNBYGGER = {
    "201": 9_000, "202": 15_500, "232": 900, "233": 250, "241": 1_600, "244": 900, "251": 300,
    "252": 1_300, "253": 7_500, "254": 9_500, "281": 1_600, "338": 150, "339": 750,
}  # fmt: skip


def _ratio(label, unit, decimals, base, spread, trend, lo, hi):
    return (label, unit, decimals, "ratio", base, spread, trend, lo, hi)


def _count(label, unit, decimals, per_1000, spread):
    return (label, unit, decimals, "count", per_1000, spread, 0, 0, 1e9)


# Every table id, dimension id and contents code below is confirmed from a real source (the
# catalog's `confirmed_by` names it); only the VALUES of these tables are synthetic.
TABLES = [
    TableSpec(
        "12134",
        "Utvalgte nøkkeltall for kommuneregnskap, kommunekonsern (K)",
        "økonomi",
        {"KOSAGD230000": _ratio("Netto driftsresultat i prosent av brutto driftsinntekter "
                                "(prosent)", "prosent", 1, 2.0, 2.0, 0.0, -8, 12)},
        confirmed=("KOSAGD230000",),
    ),
    TableSpec(
        "12137",
        "Finansielle nøkkeltall, kommunekonsern (K)",
        "økonomi",
        {"KOSbelopprinnb0000": _ratio("Beløp per innbygger (kr)", "kr", 0, 75_000, 0.8,
                                      1_500, 0, 250_000)},
        extra_dims=(("KOKartkap0000", "art/kapittel", (("KG31", "Netto lånegjeld"),)),),
        confirmed=("KOSbelopprinnb0000",),
    ),
    TableSpec(
        "12367",
        "Detaljerte regnskapstall driftsregnskapet, etter regnskapsomfang, funksjon og art (K)",
        "økonomi",
        {"KOSbelop0000": ("Beløp (1000 kr)", "1000 kr", 0, "function", 0, 0, 0, 0, 0)},
        extra_dims=(
            (
                "KOKregnskapsomfa0000",
                "regnskapsomfang",
                (("A", "Kommunekonsern"), ("B", "Kommunekasse")),
            ),
            ("KOKfunksjon0000", "funksjon", FUNCTIONS),
            ("KOKart0000", "art", (("AGD2", "Netto driftsutgifter"),)),
        ),
        confirmed=("KOSbelop0000",),
    ),
    TableSpec(
        "13502",
        "Utvalgte nøkkeltall for barnehager (K)",
        "barnehage",
        {
            "KOSandel150000": _ratio("Andel barn 1-5 år i barnehage, i forhold til innbyggere "
                                     "1-5 år (prosent)", "prosent", 1, 92.5, 0.08, 0.2, 70, 100),
            "KOSbarnaav0000": _ratio("Barn korrigert for alder per årsverk til basisvirksomhet "
                                     "i barnehagene (antall)", "antall", 1, 5.8, 0.2, -0.02, 4, 8),
            "KOSutg020000": _ratio("Netto driftsutgifter per innbygger 1-5 år, barnehager (kr)",
                                   "kr", 0, 160_000, 0.35, 4_500, 90_000, 300_000),
        },
        confirmed=("KOSandel150000", "KOSbarnaav0000", "KOSutg020000"),
    ),
    TableSpec(
        "12272",
        "Barnehager - nøkkeltall (K)",
        "barnehage",
        {"KOSandelminsptot0000": _ratio("Andel minoritetsspråklige barn i barnehage i forhold "
                                        "til innvandrerbarn 1-5 år (prosent)", "prosent", 1,
                                        82, 0.2, 0.5, 40, 100)},
        confirmed=("KOSandelminsptot0000",),
    ),
    TableSpec(
        "12255",
        "Utvalgte nøkkeltall for grunnskole (K)",
        "grunnskole",
        {
            "KOSgrstr20000": _ratio("Gjennomsnittlig gruppestørrelse, 1.-10.årstrinn, "
                                    "gruppestørrelse 2 (antall)", "antall", 1, 15.5, 0.4, 0.0,
                                    6, 22),
            "KOSregnind20000": _ratio("Netto driftsutgifter til grunnskole per innbygger 6-15 "
                                      "år (kr)", "kr", 0, 125_000, 0.35, 3_500, 80_000, 260_000),
            "KOSgrunnskolepoe0000": _ratio("Gjennomsnittlige grunnskolepoeng (poeng)", "poeng",
                                           1, 41.5, 0.08, 0.1, 34, 48),
        },
        confirmed=("KOSgrstr20000", "KOSregnind20000", "KOSgrunnskolepoe0000"),
    ),
    TableSpec(
        "12293",
        "Kommunale helse- og omsorgstjenester - nøkkeltall (K)",
        "pleie og omsorg",
        {
            "KOSlangtid80aaro0001": _ratio("Andel innbyggere 80 år og over som er "
                                           "langtidsbeboere på sykehjem (prosent)", "prosent",
                                           1, 10.5, 0.7, -0.2, 2, 30),
            "KOSlegetimperbeb0000": _ratio("Legetimer per uke per beboer i sykehjem (timer)",
                                           "timer", 2, 0.6, 0.6, 0.01, 0.1, 2.0),
            "KOSbeleggomsorgs0000": _ratio("Beboere i institusjon i prosent av plasser (belegg) "
                                           "(prosent)", "prosent", 1, 95, 0.1, 0.0, 60, 110),
        },
        confirmed=("KOSlangtid80aaro0001", "KOSlegetimperbeb0000", "KOSbeleggomsorgs0000"),
        updated="2025-03-15T07:00:00Z",  # this table's latest release is March (unrevised)
        suppress_small=True,
    ),
    TableSpec(
        "12191",
        "Kommunehelse - supplerende grunnlagstall og nøkkeltall (K)",
        "kommunehelse",
        {
            "KOSergoaarsverk0000": _count("Ergoterapeuter (kommunehelse + omsorg) (årsverk)",
                                          "årsverk", 1, 0.45, 0.6),
            "KOSavtalehjemler0001": _count("Avtalehjemler for private fysioterapeuter, fulltid "
                                           "(antall)", "antall", 0, 0.4, 0.6),
        },
        confirmed=("KOSergoaarsverk0000", "KOSavtalehjemler0001"),
    ),
]  # fmt: skip


# Reporting errors planted in the demo's unrevised (15 March) table, as a municipality makes
# them, so that the KOSTRA quality worklist (mart_kostra_kvalitet) has something real to find:
# (table, municipality, contents code, year) -> (what went wrong, how the reported value is made
# from the right one). The group and national rows are computed from the planted value, as SSB's
# would be. Listed in snapshot/manifest.toml [ssb.planted_errors]; synthetic like the rest.
PLANTED_ERRORS: dict[tuple[str, str, str, int], tuple[str, str]] = {
    ("12293", "1103", "KOSlegetimperbeb0000", 2024): ("misplaced decimal", "x10"),
    ("12293", "1103", "KOSbeleggomsorgs0000", 2024): (
        "figure reported under the wrong code", "KOSlangtid80aaro0001"),
}  # fmt: skip


def _muni_value(spec: TableSpec, code: str, key: tuple[str, ...], cc: str, year: int):
    planted = PLANTED_ERRORS.get((spec.id, code, cc, year))
    if planted:
        _what, how = planted
        right = _right_value(spec, code, key, cc, year)
        if how.startswith("x"):
            return float(round(right * float(how[1:]), spec.contents[cc][2]))
        return _right_value(spec, code, key, how, year)  # the other code's figure
    return _right_value(spec, code, key, cc, year)


def _right_value(spec: TableSpec, code: str, key: tuple[str, ...], cc: str, year: int):
    _label, _unit, decimals, kind, base, spread, trend, lo, hi = spec.contents[cc]
    today = terminal(code)  # renumbered codes of one municipality share its level
    r = unit_random(spec.id, today, key, cc, year)
    level = unit_random(spec.id, today, key, cc, "level")
    if kind == "function":
        regnskap, function, art = key
        per_capita = FUNCTION_KR_PER_INNBYGGER[function] * (0.75 + 0.5 * level)
        per_capita *= 1.0 + 0.035 * (year - 2015) + 0.04 * (r - 0.5)
        if art == "AGD10":
            per_capita *= 1.25
        if regnskap == "A":
            per_capita *= 1.02
        return float(round(population(code, year) * per_capita / 1000))
    if kind == "count":
        v = population(code, year) * base / 1000 * (1 + spread * (level - 0.5))
        v *= 0.97 + 0.06 * r
        return float(round(max(lo, v), decimals))
    # a municipality's figure moves slowly from year to year, as real KOSTRA figures do: a slow
    # wave of 2 % of the level over about six years and 1,5 % noise (a wave of 15 % made
    # barnehagedekning jump from 80 to 100 % and spending by 50 000 kr in three years)
    phase = 10 * unit_random(today, spec.id)
    wave = 0.02 * base * math.sin(year / 2 + phase) if base else 0
    v = base * (1 + spread * (level - 0.5)) + trend * (year - 2015) + wave
    v += (abs(base) * 0.015 if base else 0.3) * (r - 0.5)
    return float(round(min(hi, max(lo, v)), decimals))


def build_table(spec: TableSpec) -> dict:
    munis = municipalities("NO")
    codes = sorted({m.code for m in munis})
    by_code = {m.code: [x for x in munis if x.code == m.code] for m in munis}
    names = {m.code: m.name for m in munis}
    counties = sorted({c[:2] for c in codes})
    pseudo = (
        ["EAK", "EAKUO"] + [f"EKA{c}" for c in counties] + [f"EKG{n:02d}" for n in range(1, 18)]
    )
    regions = pseudo + codes
    groups = {code: kostra_group(code) for code in codes}
    members = {
        "EAK": codes,
        "EAKUO": [c for c in codes if c != "0301"],
        **{f"EKA{c}": [x for x in codes if x[:2] == c] for c in counties},
        **{g: [c for c in codes if groups[c] == g] for g in (f"EKG{n:02d}" for n in range(1, 18))},
    }
    extra_keys = list(itertools.product(*[[c for c, _ in d[2]] for d in spec.extra_dims]))
    contents = list(spec.contents)
    exists = {(c, y): any(valid_in_year(m, y) for m in by_code[c]) for c in codes for y in YEARS}
    muni: dict[tuple, float | None] = {}
    for code in codes:
        small = population(code) < 2_500
        for key in extra_keys:
            for cc in contents:
                for year in YEARS:
                    if not exists[(code, year)]:
                        muni[(code, key, cc, year)] = None
                        continue
                    v = _muni_value(spec, code, key, cc, year)
                    if unit_random(spec.id, code, key, cc, year, "missing") < 0.004:
                        v = None
                    if spec.suppress_small and small and unit_random(spec.id, code, "s") < 0.4:
                        v = None
                    muni[(code, key, cc, year)] = v
    values: list[float | None] = []
    status: dict[str, str] = {}
    for region in regions:
        for key in extra_keys:
            for cc in contents:
                decimals, kind = spec.contents[cc][2], spec.contents[cc][3]
                for year in YEARS:
                    flat = len(values)
                    if region in members:
                        if region.startswith("EKG") and year < 2020:
                            values.append(None)  # 2020 grouping only; older groups differ (break)
                            status[str(flat)] = "."
                            continue
                        # weighted by the population at 31.12 of the year (07459 at 1.1 of
                        # the next), the population KOSTRA divides by
                        pairs = [
                            (muni[(c, key, cc, year)], population(c, year + 1))
                            for c in members[region]
                            if muni[(c, key, cc, year)] is not None
                        ]
                        if not pairs:
                            values.append(None)
                            status[str(flat)] = "."
                        elif kind == "ratio":
                            total = sum(w for _, w in pairs)
                            values.append(round(sum(v * w for v, w in pairs) / total, decimals))
                        else:  # absolute numbers: SSB's group and Landet rows are sums
                            values.append(round(sum(v for v, _ in pairs), decimals))
                        continue
                    v = muni[(region, key, cc, year)]
                    values.append(v)
                    if v is None:
                        if not exists[(region, year)]:
                            status[str(flat)] = "."
                        elif spec.suppress_small and population(region) < 2_500:
                            status[str(flat)] = ":"
                        else:
                            status[str(flat)] = ":" if unit_random(region, "conf") < 0.3 else ".."
    region_labels = {"EAK": "Landet", "EAKUO": "Landet uten Oslo"}
    for c in counties:
        region_labels[f"EKA{c}"] = f"{COUNTY_NAMES.get(c, 'Fylke ' + c)} (fylke {c})"
    for n in range(1, 18):
        region_labels[f"EKG{n:02d}"] = f"KOSTRA-gruppe {n}"
    region_labels.update(names)
    dims: dict[str, dict] = {
        "KOKkommuneregion0000": {
            "label": "region",
            "category": {
                "index": {r: i for i, r in enumerate(regions)},
                "label": {r: region_labels[r] for r in regions},
            },
            "extension": {"elimination": False, "show": "value"},
            "link": {
                "describedby": [
                    {"extension": {"KOKkommuneregion0000": "urn:ssb:classification:klass:231"}}
                ]
            },
        }
    }
    for dim_id, dim_label, dim_codes in spec.extra_dims:
        dims[dim_id] = {
            "label": dim_label,
            "category": {
                "index": {c: i for i, (c, _) in enumerate(dim_codes)},
                "label": dict(dim_codes),
            },
            "extension": {"elimination": False, "show": "code_value"},
        }
    dims["ContentsCode"] = {
        "label": "statistikkvariabel",
        "category": {
            "index": {c: i for i, c in enumerate(contents)},
            "label": {c: t[0] for c, t in spec.contents.items()},
            "unit": {c: {"base": t[1], "decimals": t[2]} for c, t in spec.contents.items()},
        },
        "extension": {"elimination": False, "show": "value"},
    }
    dims["Tid"] = {
        "label": "år",
        "category": {
            "index": {str(y): i for i, y in enumerate(YEARS)},
            "label": {str(y): str(y) for y in YEARS},
        },
        "extension": {"elimination": False, "show": "code"},
    }
    ids = list(dims)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"{spec.id}: {spec.title}",
        "source": "Statistisk sentralbyrå",
        "updated": spec.updated,
        "note": [SYNTHETIC_NOTE],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["KOKkommuneregion0000"]},
        "id": ids,
        "size": [len(dims[d]["category"]["index"]) for d in ids],
        "dimension": dims,
        "extension": {
            "px": {
                "infofile": "None",
                "tableid": spec.id,
                "decimals": 1,
                "official-statistics": True,
                "aggregallowed": False,
                "language": "no",
            }
        },
        "value": values,
        "status": status,
    }


def table_info(dataset: dict) -> dict:
    table = dataset["extension"]["px"]["tableid"]
    return {
        "type": "Table",
        "id": table,
        "label": dataset["label"],
        "description": "",
        "updated": dataset["updated"],
        "firstPeriod": str(YEARS[0]),
        "lastPeriod": str(YEARS[-1]),
        "category": "public",
        "variableNames": [dataset["dimension"][d]["label"] for d in dataset["id"]],
        "discontinued": False,
        "source": "Statistisk sentralbyrå",
        "subjectCode": "os",
        "timeUnit": "Annual",
        "paths": [
            [
                {"id": "os", "label": "Offentlig sektor", "sortCode": "18"},
                {"id": "kommuneregnskap", "label": "Kommuneregnskap", "sortCode": "1"},
                {"id": "kostrahoved", "label": "KOSTRA", "sortCode": "1"},
            ]
        ],
        "links": [],
        "language": "no",
        "note": dataset.get("note", [SYNTHETIC_NOTE]),
    }


POPULATION_YEARS = list(range(2015, 2026))
POPULATION_NOTE = (
    "Reelle tall fra SSB, tabell 07459 (befolkning 1. januar), omregnet til kommunegrensene "
    "fra 2024 av Folkehelseinstituttet (niphr/csdata). Kilde: Statistisk sentralbyrå."
)


def build_population_table() -> dict:
    """Table 07459 as SSB's PxWebApi v2 answers it (Region, Kjonn, Alder, ContentsCode, Tid),
    with SSB's REAL figures for the 357 municipalities of 2024 and the country ("0")."""
    frame = pl.read_parquet(POPULATION_SOURCE)
    names = {m.code: m.name for m in municipalities("NO") if m.valid_to is None}
    regions = ["0", *sorted(frame["region"].unique().to_list())]
    ages = [f"{a:03d}" for a in range(105)] + ["105+"]
    sexes = ["1", "2"]
    cube: dict[tuple[str, str, str, int], int] = {}
    for region, sex, age, year, persons in frame.iter_rows():
        key_age = "105+" if age >= 105 else f"{age:03d}"
        cube[(region, sex, key_age, year)] = cube.get((region, sex, key_age, year), 0) + persons
        cube[("0", sex, key_age, year)] = cube.get(("0", sex, key_age, year), 0) + persons
    values = [
        cube.get((r, k, a, y), 0)
        for r in regions for k in sexes for a in ages for y in POPULATION_YEARS
    ]  # fmt: skip
    dims = {
        "Region": {"label": "region", "category": {
            "index": {r: i for i, r in enumerate(regions)},
            "label": {r: ("Hele landet" if r == "0" else names[r]) for r in regions}},
            "extension": {"elimination": True, "show": "value"}},
        "Kjonn": {"label": "kjønn", "category": {
            "index": {"1": 0, "2": 1}, "label": {"1": "Menn", "2": "Kvinner"}},
            "extension": {"elimination": True, "show": "value"}},
        "Alder": {"label": "alder", "category": {
            "index": {a: i for i, a in enumerate(ages)},
            "label": {a: ("105 år eller eldre" if a == "105+" else f"{int(a)} år") for a in ages}},
            "extension": {"elimination": True, "show": "value"}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {
            "index": {"Personer1": 0}, "label": {"Personer1": "Personer"},
            "unit": {"Personer1": {"base": "personer", "decimals": 0}}},
            "extension": {"elimination": False, "show": "value"}},
        "Tid": {"label": "år", "category": {
            "index": {str(y): i for i, y in enumerate(POPULATION_YEARS)},
            "label": {str(y): str(y) for y in POPULATION_YEARS}},
            "extension": {"elimination": False, "show": "code"}},
    }  # fmt: skip
    ids = list(dims)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
        "source": "Statistisk sentralbyrå",
        "updated": "2025-02-20T07:00:00Z",
        "note": [POPULATION_NOTE],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "id": ids,
        "size": [len(dims[d]["category"]["index"]) for d in ids],
        "dimension": dims,
        "extension": {"px": {"infofile": "None", "tableid": "07459", "decimals": 0,
                             "official-statistics": True, "aggregallowed": True,
                             "language": "no"}},
        "value": values,
    }  # fmt: skip


def klass_corresponds(day: date) -> dict:
    items = []
    for m in municipalities("NO"):
        if m.valid_on(day):
            group = kostra_group(m.code)
            items.append(
                {
                    "sourceCode": m.code,
                    "sourceName": m.name,
                    "sourceShortName": "",
                    "targetCode": group,
                    "targetName": f"KOSTRA-gruppe {int(group[3:])}",
                    "targetShortName": "",
                }
            )
    return {"correspondenceItems": sorted(items, key=lambda i: i["sourceCode"])}


def write_json_gz(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(raw)


COUNTIES = {  # KLASS 104 by era: (valid from, valid to) -> {code: name}
    (None, "2020-01-01"): {
        "01": "Østfold", "02": "Akershus", "03": "Oslo", "04": "Hedmark", "05": "Oppland",
        "06": "Buskerud", "07": "Vestfold", "08": "Telemark", "09": "Aust-Agder",
        "10": "Vest-Agder", "11": "Rogaland", "12": "Hordaland", "14": "Sogn og Fjordane",
        "15": "Møre og Romsdal", "18": "Nordland", "19": "Troms - Romsa",
        "20": "Finnmark - Finnmárku",
    },
    (None, "2018-01-01"): {"16": "Sør-Trøndelag", "17": "Nord-Trøndelag"},
    ("2018-01-01", None): {"50": "Trøndelag - Trööndelage"},
    ("2020-01-01", "2024-01-01"): {
        "30": "Viken", "38": "Vestfold og Telemark", "54": "Troms og Finnmark - Romsa ja Finnmárku",
    },
    ("2020-01-01", None): {
        "03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland",
        "34": "Innlandet", "42": "Agder", "46": "Vestland",
    },
    ("2024-01-01", None): {
        "31": "Østfold", "32": "Akershus", "33": "Buskerud", "39": "Vestfold", "40": "Telemark",
        "55": "Troms - Romsa - Tromssa", "56": "Finnmark - Finnmárku - Finmarkku",
    },
}  # fmt: skip


def _in_era(day: date, start: str | None, end: str | None) -> bool:
    return (start is None or date.fromisoformat(start) <= day) and (
        end is None or day < date.fromisoformat(end)
    )


def klass_codes_at(classification: int, day: date) -> dict:
    codes = []
    if classification == 131:
        for m in municipalities("NO"):
            if m.valid_on(day):
                codes.append(
                    {"code": m.code, "parentCode": None, "level": "1", "name": m.name,
                     "shortName": "", "presentationName": "",
                     "validFrom": m.valid_from.isoformat() if m.valid_from else None,
                     "validTo": m.valid_to.isoformat() if m.valid_to else None, "notes": ""}
                )  # fmt: skip
    else:
        for (start, end), names in COUNTIES.items():
            if _in_era(day, start, end):
                for code, name in names.items():
                    codes.append(
                        {"code": code, "parentCode": None, "level": "1", "name": name,
                         "shortName": "", "presentationName": "", "validFrom": start,
                         "validTo": end, "notes": ""}
                    )  # fmt: skip
    return {"codes": sorted(codes, key=lambda c: c["code"])}


def klass_changes(start: date, end: date) -> dict:
    """KLASS 131 /changes in [start, end), from the region history (old code -> successors)."""
    with open("pipelines/domain/reference_data/no_municipalities.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    names = {(r["code"], r["valid_from"]): r["name"] for r in rows}
    by_code: dict[str, list[dict]] = {}
    for r in rows:
        by_code.setdefault(r["code"], []).append(r)
    changes = []
    for r in rows:
        if not r["valid_to"] or not r["successors"]:
            continue
        occurred = date.fromisoformat(r["valid_to"])
        if not start <= occurred < end:
            continue
        for new in r["successors"].split(";"):
            new_name = next(
                (x["name"] for x in by_code.get(new, []) if x["valid_from"] == r["valid_to"]),
                names.get((new, ""), new),
            )
            changes.append(
                {"oldCode": r["code"], "oldName": r["name"], "oldShortName": "",
                 "newCode": new, "newName": new_name, "newShortName": "",
                 "changeOccurred": r["valid_to"]}
            )  # fmt: skip
    return {"codeChanges": sorted(changes, key=lambda c: (c["changeOccurred"], c["oldCode"]))}


def main() -> None:
    for stale in (OUT / "tables").glob("*"):
        stale.unlink()
    population = build_population_table()
    write_json_gz(OUT / "tables" / "07459.json.gz", population)
    info = table_info(population)
    info["firstPeriod"], info["lastPeriod"] = str(POPULATION_YEARS[0]), str(POPULATION_YEARS[-1])
    info["malestokk"] = {
        "area": "befolkning",
        "provenance": "snapshot:real",
        "values_from": POPULATION_PROVENANCE,
        "confirmed_contents_codes": ["Personer1"],
        "modelled_contents_codes": [],
    }
    (OUT / "tables" / "07459.info.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    for spec in TABLES:
        dataset = build_table(spec)
        write_json_gz(OUT / "tables" / f"{spec.id}.json.gz", dataset)
        info = table_info(dataset)
        info["malestokk"] = {
            "area": spec.area,
            "provenance": "snapshot:synthetic",
            "values_from": "snapshot/tools/build_ssb_snapshot.py (synthetic values scaled by the "
            "real population of table 07459)",
            "confirmed_contents_codes": list(spec.confirmed),
            "modelled_contents_codes": [c for c in spec.contents if c not in spec.confirmed],
        }
        (OUT / "tables" / f"{spec.id}.info.json").write_text(
            json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    for year in range(2020, 2026):
        write_json_gz(
            OUT / "klass" / f"131-correspondsAt-112-{year}-01-01.json.gz",
            klass_corresponds(date(year, 1, 1)),
        )
    for year in range(2015, 2026):
        for classification in (131, 104):
            write_json_gz(
                OUT / "klass" / f"{classification}-codesAt-{year}-01-01.json.gz",
                klass_codes_at(classification, date(year, 1, 1)),
            )
    for year in (2018, 2020, 2024):
        start, end = date(year - 1, 1, 2), date(year, 1, 2)
        write_json_gz(
            OUT / "klass" / f"131-changes-{start}-{end}.json.gz", klass_changes(start, end)
        )
    write_expenditure_need()
    print("wrote", len([p for p in OUT.rglob("*") if p.is_file()]), "files and utgiftsbehov.csv")


def write_expenditure_need(path: Path = Path("utgiftsbehov.csv")) -> None:
    """A SYNTHETIC expenditure-need file in the shape of the ministry's Grønt hefte (tabell C):
    index per service area (1.00 = national average per inhabitant) and inhabitants."""
    areas = ("barnehage", "grunnskole", "barnevern", "pleie og omsorg")
    rows = ["kommune;år;tjenesteområde;indeks;innbyggere;kilde"]
    for year in range(2020, 2025):
        for m in municipalities("NO"):
            if not m.valid_on(date(year, 1, 1)):
                continue
            for area in areas:
                index = 0.8 + 0.4 * unit_random("need", terminal(m.code), area)
                rows.append(
                    f"{m.code};{year};{area};{index:.4f}".replace(".", ",")
                    + f";{population(m.code)};SYNTETISK demo (ikke Grønt hefte)"
                )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
