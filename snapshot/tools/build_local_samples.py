"""Build the demo's own-figures files (SYNTHETIC, for Stavanger-like units) in snapshot/local/.

They look like real exports: a cp1252 CSV with title lines above the header and decimal commas, a
UTF-8-with-BOM CSV with commas, an .xlsx with a merged title row. A few rows are wrong on purpose
(text in a number, absence above contracted days, an unknown unit, a score outside the scale, a
duplicate key), so the demo shows the quarantine. Run from the repository root.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from openpyxl import Workbook

OUT = Path("snapshot/local")
NOTE = "SYNTETISKE DATA - demo for Målestokk, ikke ekte tall"
UNITS = [
    ("1001", "Hundvåg skole", "grunnskole"),
    ("1002", "Tasta skole", "grunnskole"),
    ("1003", "Madla skole", "grunnskole"),
    ("1004", "Storhaug skole", "grunnskole"),
    ("2001", "Hinna barnehage", "barnehage"),
    ("2002", "Tjensvoll barnehage", "barnehage"),
    ("2003", "Eiganes barnehage", "barnehage"),
    ("2004", "Kvernevik barnehage", "barnehage"),
    ("3001", "Hjemmebaserte tjenester Eiganes", "pleie og omsorg"),
    ("3002", "Hjemmebaserte tjenester Hundvåg", "pleie og omsorg"),
    ("3003", "Tasta sykehjem", "pleie og omsorg"),
    ("3004", "Lervig sykehjem", "pleie og omsorg"),
    ("4001", "Helsestasjon Madla", "kommunehelse"),
    ("4002", "Fysioterapi Storhaug", "kommunehelse"),
]
SMALL = {"4002"}  # three employees: its figures must never be shown


def r(*parts: object) -> float:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8]) / 2**64


def comma(x: float, decimals: int = 1) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def sick_leave() -> None:
    lines = [
        f"Sykefravær per enhet og kvartal 2024;{NOTE}",
        "Uttrekk fra HR-systemet 2025-01-15",
        "",
    ]
    lines.append("Enhet ID;Enhetsnavn;Periode;Antall ansatte;Avtalte dagsverk;Egenmeldt fravær;"
                 "Legemeldt fravær;Korttidsfravær;Langtidsfravær")  # fmt: skip
    for code, name, _ in UNITS:
        employees = 3 if code in SMALL else int(12 + 50 * r(code, "emp"))
        for q in range(1, 5):
            contracted = employees * 61.5 * (0.9 + 0.1 * r(code, q))
            self_cert = contracted * (0.008 + 0.01 * r(code, q, "s"))
            doctor = contracted * (0.03 + 0.07 * r(code, q, "d"))
            short = self_cert + doctor * 0.3
            long_ = doctor * 0.7
            cells = [code, name, f"2024K{q}", str(employees), comma(contracted)]
            cells += [comma(self_cert), comma(doctor), comma(short), comma(long_)]
            lines.append(";".join(cells))
    lines += [
        "1001;Hundvåg skole;2025K1;40;2460,0;ca. 30;120,5;;",  # text in a number
        "3003;Tasta sykehjem;2025K1;55;3300,0;200,0;3500,0;;",  # absence above contracted days
        "9999;Ukjent enhet;2025K1;20;1230,0;10,0;40,0;;",  # unknown unit
    ]
    (OUT / "sykefravaer_2024_kvartal.csv").write_bytes(
        ("\r\n".join(lines) + "\r\n").encode("cp1252")
    )


def user_survey() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Resultater"
    sheet["A1"] = f"Brukerundersøkelse 2024 (bedrekommune.no, skala 1-6) - {NOTE}"
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["Enhet", "Enhetsnavn", "År", "Spørsmål", "Antall svar", "Snitt"])
    questions = ["Trivsel", "Respektfull behandling", "Informasjon", "Helhetsvurdering"]
    for code, name, area in UNITS:
        if area not in ("barnehage", "pleie og omsorg"):
            continue
        for n, question in enumerate(questions):
            respondents = 4 if code == "2004" else int(15 + 60 * r(code, n, "resp"))
            mean = round(4.3 + 1.2 * r(code, n, "mean"), 2)
            sheet.append([code, name, 2024, question, respondents, mean])
    sheet.append(["2001", "Hinna barnehage", 2024, "Medvirkning", 31, 7.2])  # outside 1-6
    book.save(OUT / "brukerundersokelse_2024.xlsx")


def employee_survey() -> None:
    factors = ["Indre motivasjon", "Mestringstro", "Autonomi", "Bruk av kompetanse",
               "Mestringsorientert ledelse", "Rolleklarhet", "Relevant kompetanseutvikling",
               "Fleksibilitetsvilje", "Mestringsklima", "Prososial motivasjon"]  # fmt: skip
    lines = [f"# 10-FAKTOR medarbeiderundersøkelse 2024 - {NOTE}"]
    lines.append("enhet_id,enhetsnavn,år,faktor,antall_svar,snitt,skala")
    for code, name, _ in UNITS:
        for n, factor in enumerate(factors):
            respondents = 3 if code in SMALL else int(10 + 45 * r(code, n, "e"))
            mean = round(3.7 + 1.0 * r(code, n, "m"), 2)
            lines.append(f'{code},"{name}",2024,{factor},{respondents},{mean},5')
    lines.append('1002,"Tasta skole",2024,Autonomi,33,4.1,5')  # duplicate key
    text = "\n".join(lines) + "\n"
    (OUT / "medarbeiderundersokelse_2024.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def units_and_plan() -> None:
    units = ["Enhet ID;Enhetsnavn;Tjenesteområde"] + [";".join(u) for u in UNITS]
    (OUT / "enheter.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    plan = ["Tjenesteområde;Undersøkelse;Type;År"]
    for year in (2023, 2024, 2025):
        plan.append(f"barnehage;Foreldreundersøkelsen;bruker;{year}")
        plan.append(f"alle;10-FAKTOR;medarbeider;{year}")
    plan += ["pleie og omsorg;Brukerundersøkelse hjemmetjenesten;bruker;2024",
             "pleie og omsorg;Pårørendeundersøkelse sykehjem;bruker;2025"]  # fmt: skip
    (OUT / "undersokelsesplan.csv").write_text("\n".join(plan) + "\n", encoding="utf-8")


def templates() -> None:
    folder = Path("templates/local")
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "enheter.csv": "Enhet ID;Enhetsnavn;Tjenesteområde\n1001;Eksempel skole;grunnskole\n",
        "sykefravaer.csv": "Enhet ID;Enhetsnavn;Periode;Antall ansatte;Avtalte dagsverk;"
        "Egenmeldt fravær;Legemeldt fravær;Korttidsfravær;Langtidsfravær\n"
        "1001;Eksempel skole;2024K1;25;1537,5;15,0;60,5;40,0;35,5\n"
        "1001;Eksempel skole;2024-04;25;512,5;5,0;20,0;12,0;13,0\n",
        "brukerundersokelse.csv": "Enhet ID;Enhetsnavn;År;Spørsmål;Antall svar;Snitt;Skala\n"
        "2001;Eksempel barnehage;2024;Trivsel;42;5,1;6\n",
        "medarbeiderundersokelse.csv": "Enhet ID;Enhetsnavn;År;Faktor;Antall svar;Snitt;Skala\n"
        "1001;Eksempel skole;2024;Mestringstro;31;4,3;5\n",
        "undersokelsesplan.csv": "Tjenesteområde;Undersøkelse;Type;År\n"
        "barnehage;Foreldreundersøkelsen;bruker;2025\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    units_and_plan()
    sick_leave()
    user_survey()
    employee_survey()
    templates()
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
