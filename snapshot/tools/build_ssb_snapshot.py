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

import gzip
import hashlib
import json
import math
from datetime import date
from pathlib import Path

from pipelines.regions import municipalities

OUT = Path("snapshot/ssb")
YEARS = list(range(2015, 2025))
SYNTHETIC_NOTE = (
    "SYNTETISKE DATA: laget av Målestokk for offline-demoen, ikke SSB-tall. "
    "Formen følger SSBs PxWebApi v2 (JSON-stat2)."
)
UPDATED = "2025-06-15T06:00:00Z"
ASSS_2024 = [
    "0301",
    "4601",
    "5001",
    "1103",
    "3201",
    "4204",
    "3301",
    "3107",
    "1108",
    "5501",
    "3203",
    "3205",
]
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


def population(code: str) -> int:
    if code == "0301":
        return 717_000
    if code in ASSS_2024:
        return int(75_000 + 230_000 * unit_random("pop", code))
    return int(math.exp(7.0 + 4.2 * unit_random("pop", code)))


def kostra_group(code: str) -> str:
    """Synthetic 2020-grouping membership (the ASSS members and Oslo as SSB has them)."""
    if code == "0301":
        return "EKG13"
    if code in ASSS_2024:
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


def build_12134() -> dict:
    munis = municipalities("NO")
    codes = sorted({m.code for m in munis})
    by_code = {m.code: [x for x in munis if x.code == m.code] for m in munis}
    names = {m.code: m.name for m in munis}
    counties = sorted({c[:2] for c in codes})
    pseudo = (
        ["EAK", "EAKUO"] + [f"EKA{c}" for c in counties] + [f"EKG{n:02d}" for n in range(1, 18)]
    )
    regions = pseudo + codes
    contents = {
        "KOSAGD230000": (
            "Netto driftsresultat i prosent av brutto driftsinntekter (prosent)",
            "prosent",
            1,
        ),
        "KOSAGD310000": ("Frie inntekter i kroner per innbygger (kr)", "kr", 0),
    }
    values: list[float | None] = []
    status: dict[str, str] = {}
    # municipal values first, then pseudo-regions as weighted means
    muni_value: dict[tuple[str, str, int], float | None] = {}
    for code in codes:
        for cc in contents:
            for year in YEARS:
                exists = any(valid_in_year(m, year) for m in by_code[code])
                if not exists:
                    muni_value[(code, cc, year)] = None
                    continue
                r = unit_random(code, cc, year)
                if cc == "KOSAGD230000":
                    base = 2.0 + 4.0 * (unit_random(code, "level") - 0.5)
                    v = round(base + 3.0 * math.sin(year + 10 * unit_random(code)) + (r - 0.5), 1)
                else:
                    v = float(
                        round(
                            52_000
                            + 25_000 * unit_random(code, "fi")
                            + 1_400 * (year - 2015)
                            + 800 * (r - 0.5)
                        )
                    )
                if unit_random(code, cc, year, "missing") < 0.004:
                    v = None
                muni_value[(code, cc, year)] = v
    groups = {code: kostra_group(code) for code in codes}
    for ri, region in enumerate(regions):
        for ci, cc in enumerate(contents):
            for yi, year in enumerate(YEARS):
                flat = (ri * len(contents) + ci) * len(YEARS) + yi
                if region in pseudo:
                    if region == "EAK":
                        members = codes
                    elif region == "EAKUO":
                        members = [c for c in codes if c != "0301"]
                    elif region.startswith("EKA"):
                        members = [c for c in codes if c[:2] == region[3:]]
                    else:
                        members = [c for c in codes if groups[c] == region]
                    pairs = [
                        (muni_value[(c, cc, year)], population(c))
                        for c in members
                        if muni_value[(c, cc, year)] is not None
                    ]
                    if region.startswith("EKG") and year < 2020:
                        values.append(None)  # 2020 grouping only; earlier groups differ (break)
                        status[str(flat)] = "."
                    elif pairs:
                        total = sum(w for _, w in pairs)
                        values.append(round(sum(v * w for v, w in pairs) / total, contents[cc][2]))
                    else:
                        values.append(None)
                        status[str(flat)] = "."
                    continue
                v = muni_value[(region, cc, year)]
                values.append(v)
                if v is None:
                    exists = any(valid_in_year(m, year) for m in by_code[region])
                    status[str(flat)] = (
                        "." if not exists else (":" if unit_random(region, "conf") < 0.3 else "..")
                    )
    region_labels = {"EAK": "Landet", "EAKUO": "Landet uten Oslo"}
    for c in counties:
        region_labels[f"EKA{c}"] = f"{COUNTY_NAMES.get(c, 'Fylke ' + c)} (fylke {c})"
    for n in range(1, 18):
        region_labels[f"EKG{n:02d}"] = f"KOSTRA-gruppe {n}"
    region_labels.update(names)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "12134: Utvalgte nøkkeltall for kommuneregnskap, "
        "etter region, statistikkvariabel og år",
        "source": "Statistisk sentralbyrå",
        "updated": UPDATED,
        "note": [SYNTHETIC_NOTE],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["KOKkommuneregion0000"]},
        "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
        "size": [len(regions), len(contents), len(YEARS)],
        "dimension": {
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
            },
            "ContentsCode": {
                "label": "statistikkvariabel",
                "category": {
                    "index": {c: i for i, c in enumerate(contents)},
                    "label": {c: t[0] for c, t in contents.items()},
                    "unit": {c: {"base": t[1], "decimals": t[2]} for c, t in contents.items()},
                },
                "extension": {"elimination": False, "show": "value"},
            },
            "Tid": {
                "label": "år",
                "category": {
                    "index": {str(y): i for i, y in enumerate(YEARS)},
                    "label": {str(y): str(y) for y in YEARS},
                },
                "extension": {"elimination": False, "show": "code"},
            },
        },
        "extension": {
            "px": {
                "infofile": "None",
                "tableid": "12134",
                "decimals": 1,
                "official-statistics": True,
                "aggregallowed": False,
                "language": "no",
                "matrix": "KOSTRANokkelRegnsk",
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
        "variableNames": ["region", "statistikkvariabel", "år"],
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
        "note": [SYNTHETIC_NOTE],
    }


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


def main() -> None:
    dataset = build_12134()
    write_json_gz(OUT / "tables" / "12134.json.gz", dataset)
    (OUT / "tables" / "12134.info.json").write_text(
        json.dumps(table_info(dataset), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    for year in range(2020, 2025):
        write_json_gz(
            OUT / "klass" / f"131-correspondsAt-112-{year}-01-01.json.gz",
            klass_corresponds(date(year, 1, 1)),
        )
    print("wrote", sorted(str(p) for p in OUT.rglob("*") if p.is_file()))


if __name__ == "__main__":
    main()
