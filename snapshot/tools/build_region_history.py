"""Build pipelines/domain/reference_data/no_municipalities.csv: Norwegian municipality codes
with validity.

Inputs: the real KLASS 131 list for 2020 (shared/samples/ssb/klass131_kommuner_2020_export.csv) and
the code changes named in shared/reference/ssb-kostra-klass.md §4.6-4.7 (ASSS code history, the 2024
county renumbering). The 2024 numbers for counties 31/32/33/39/40/55/56 follow SSB's published
renumbering as far as the reference names it; the rest are marked `csdata`: every successor
mapping and every 2024 code was checked against SSB's code history as published by FHI in
niphr/csdata@5934512 R/sysdata.rda (nor_locations_redistricting_b2024, MIT): 135 of 135 old codes
lead to the same 2024 codes, and the 357 codes valid in 2024 are the same set.
Run once from the repository root: python snapshot/tools/build_region_history.py ../shared
"""

import csv
import sys
from pathlib import Path

RENUMBER_2024 = {  # 2020-2023 code -> 2024 code
    "3001": "3101",
    "3002": "3103",
    "3003": "3105",
    "3004": "3107",
    "3011": "3110",
    "3017": "3112",
    "3018": "3114",
    "3015": "3116",
    "3014": "3118",
    "3016": "3120",
    "3013": "3122",
    "3012": "3124",
    "3024": "3201",
    "3025": "3203",
    "3030": "3205",
    "3020": "3207",
    "3033": "3209",
    "3023": "3212",
    "3022": "3214",
    "3019": "3216",
    "3021": "3218",
    "3028": "3220",
    "3029": "3222",
    "3027": "3224",
    "3026": "3226",
    "3034": "3228",
    "3032": "3230",
    "3031": "3232",
    "3054": "3234",
    "3053": "3236",
    "3036": "3238",
    "3035": "3240",
    "3037": "3242",
    "3005": "3301",
    "3006": "3303",
    "3007": "3305",
    "3038": "3310",
    "3049": "3312",
    "3048": "3314",
    "3047": "3316",
    "3046": "3318",
    "3039": "3320",
    "3040": "3322",
    "3041": "3324",
    "3042": "3326",
    "3043": "3328",
    "3044": "3330",
    "3045": "3332",
    "3050": "3334",
    "3051": "3336",
    "3052": "3338",
    "3801": "3901",
    "3802": "3903",
    "3803": "3905",
    "3804": "3907",
    "3805": "3909",
    "3811": "3911",
    "3806": "4001",
    "3807": "4003",
    "3808": "4005",
    "3812": "4010",
    "3813": "4012",
    "3814": "4014",
    "3815": "4016",
    "3816": "4018",
    "3817": "4020",
    "3820": "4022",
    "3819": "4024",
    "3818": "4026",
    "3821": "4028",
    "3822": "4030",
    "3823": "4032",
    "3824": "4034",
    "3825": "4036",
    "5401": "5501",
    "5402": "5503",
    "5411": "5510",
    "5412": "5512",
    "5413": "5514",
    "5414": "5516",
    "5415": "5518",
    "5416": "5520",
    "5417": "5522",
    "5418": "5524",
    "5419": "5526",
    "5420": "5528",
    "5421": "5530",
    "5422": "5532",
    "5423": "5534",
    "5424": "5536",
    "5425": "5538",
    "5426": "5540",
    "5427": "5542",
    "5428": "5544",
    "5429": "5546",
    "5403": "5601",
    "5406": "5603",
    "5444": "5605",
    "5405": "5607",
    "5437": "5610",
    "5430": "5612",
    "5432": "5614",
    "5433": "5616",
    "5434": "5618",
    "5435": "5620",
    "5436": "5622",
    "5438": "5624",
    "5439": "5626",
    "5441": "5628",
    "5440": "5630",
    "5443": "5632",
    "5404": "5634",
    "5442": "5636",
}
# Named in the reference (§4.6 ASSS table, §4.7): verified sources S18/S20/S10.
VERIFIED_2024 = {"3024", "3025", "3030", "3005", "3004", "5401"}
SPLIT_2024 = {"1507": [("1508", "Ålesund"), ("1580", "Haram")]}
# Pre-2020 codes of the ASSS members and their merged parts (reference §4.6; S18, S20).
BEFORE_2020 = [  # (old code, name, valid_from, valid_to, new code)
    ("0301", "Oslo", None, None, None),
    ("1201", "Bergen", None, "2020-01-01", "4601"),
    ("1601", "Trondheim", None, "2018-01-01", "5001"),
    ("1102", "Sandnes", None, "2020-01-01", "1108"),
    ("1129", "Forsand", None, "2020-01-01", "1108"),
    ("1141", "Finnøy", None, "2020-01-01", "1103"),
    ("1142", "Rennesøy", None, "2020-01-01", "1103"),
    ("0219", "Bærum", None, "2020-01-01", "3024"),
    ("1001", "Kristiansand", None, "2020-01-01", "4204"),
    ("1017", "Songdalen", None, "2020-01-01", "4204"),
    ("1018", "Søgne", None, "2020-01-01", "4204"),
    ("0602", "Drammen", None, "2020-01-01", "3005"),
    ("0625", "Nedre Eiker", None, "2020-01-01", "3005"),
    ("0711", "Svelvik", None, "2020-01-01", "3005"),
    ("0106", "Fredrikstad", None, "2020-01-01", "3004"),
    ("1902", "Tromsø", None, "2020-01-01", "5401"),
    ("0220", "Asker", None, "2020-01-01", "3025"),
    ("0627", "Røyken", None, "2020-01-01", "3025"),
    ("0628", "Hurum", None, "2020-01-01", "3025"),
    ("0226", "Sørum", None, "2020-01-01", "3030"),
    ("0227", "Fet", None, "2020-01-01", "3030"),
    ("0231", "Skedsmo", None, "2020-01-01", "3030"),
]
NEW_IN_2020_PREFIXES = ("30", "34", "38", "42", "46", "54")  # counties created in 2020

# KLASS names the ISO-8859-1 export cannot hold: its "?" stands for a Sami letter (ŋ, š). The
# names as KLASS 131 gives them are those of SSB's own kostra-kontrollprogram code list
# ("hentet fra https://www.ssb.no/klass/klassifikasjoner/131").
SAMI_NAMES = {
    "5436": "Porsanger - Porsáŋgu - Porsanki",
    "5437": "Kárášjohka - Karasjok",
}
# A renumbered municipality whose name carried the old county changed its name with its code in
# 2024: 3018 Våler (Viken) became 3114 Våler (Østfold).
NAMES_2024 = {"3114": "Våler (Østfold)"}


def main(shared: Path) -> None:
    src = shared / "samples/ssb/klass131_kommuner_2020_export.csv"
    rows = list(csv.DictReader(src.open(encoding="latin-1"), delimiter=";"))
    out = []
    successor_of = {old: new for old, _, _, _, new in BEFORE_2020 if new}
    merged_into = set(successor_of.values())
    for r in rows:
        code, name = r["code"], SAMI_NAMES.get(r["code"], r["name"])
        if code == "9999":
            continue
        # 1103 Stavanger kept its code when Finnøy and Rennesøy joined it in 2020.
        new_2020 = (
            code.startswith(NEW_IN_2020_PREFIXES)
            or (code in merged_into and code != "1103")
            or code == "5001"
        )
        valid_from = (
            "2020-01-01"
            if new_2020 and code != "5001"
            else ("2018-01-01" if code == "5001" else "")
        )
        quality = "klass-2020"
        if code in RENUMBER_2024:
            new = RENUMBER_2024[code]
            out.append((code, name, valid_from, "2024-01-01", new, quality))
            out.append(
                (
                    new,
                    NAMES_2024.get(new, name),
                    "2024-01-01",
                    "",
                    "",
                    "verified" if code in VERIFIED_2024 else "csdata",
                )
            )
        elif code in SPLIT_2024:
            out.append(
                (
                    code,
                    name,
                    valid_from,
                    "2024-01-01",
                    ";".join(c for c, _ in SPLIT_2024[code]),
                    quality,
                )
            )
            for new, new_name in SPLIT_2024[code]:
                out.append((new, new_name, "2024-01-01", "", "", "verified"))
        else:
            out.append((code, name, valid_from, "", "", quality))
    for old, name, vf, vt, new in BEFORE_2020:
        if old == "0301":
            continue
        out.append((old, name, vf or "", vt or "", new or "", "verified"))
    out.sort(key=lambda t: (t[0], t[2]))
    target = Path("pipelines/domain/reference_data/no_municipalities.csv")
    with target.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "valid_from", "valid_to", "successors", "source"])
        w.writerows(out)
    print(f"wrote {len(out)} rows to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared"))
