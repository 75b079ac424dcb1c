"""Why a målekart row was left out, in the home's language (the file is the departments')."""

from __future__ import annotations

OWN_NO = (
    "sykefravaer, frisknaervaer, egenmeldt, legemeldt, brukerundersokelse:<spørsmål|indeks>, "
    "medarbeiderundersokelse:<spørsmål|indeks>, svar:<undersøkelse>, undersokelsesplan, "
    "egen:<måltall>"
)
OWN_SE = (
    "sjukfranvaro, frisknarvaro, egenanmalan, lakarintyg, brukerundersokning:<fråga|index>, "
    "medarbetarundersokning:<fråga|index>, svar:<undersökning>, undersokningsplan, egen:<mått>"
)

MESSAGES: dict[str, dict[str, str]] = {
    "level_unknown": {"NO": "bruk kommune, tjenesteområde eller enhet",
                      "SE": "använd kommun, verksamhetsområde eller enhet"},
    "level_missing": {"NO": "en rad som nevner en enhet eller et område, må si nivået",
                      "SE": "en rad som anger en enhet eller ett område måste ange nivån"},
    "unit_needed": {"NO": "en enhet-rad nevner enheten (dens id i enhetsfila)",
                    "SE": "en enhetsrad anger enheten (dess id i enhetsfilen)"},
    "catalog_on_unit": {
        "NO": "et KOSTRA-/Kolada-tall og undersøkelsesplanen hører til kommunen eller et "
        "tjenesteområde, ikke én enhet",
        "SE": "ett Kolada-/KOSTRA-tal och undersökningsplanen hör till kommunen eller ett "
        "verksamhetsområde, inte en enhet"},
    "unit_unknown": {"NO": "enheten «{unit}» finnes ikke i enhetsfila",
                     "SE": "enheten ”{unit}” finns inte i enhetsfilen"},
    "no_units_file": {
        "NO": "ingen enhetsfil er importert: enhet- og tjenesteområde-rader kan ikke kontrolleres "
        "(importer enhetsfila med malestokk import)",
        "SE": "ingen enhetsfil är importerad: rader för enheter och verksamhetsområden kan inte "
        "kontrolleras (importera enhetsfilen med malestokk import)"},
    "area_needed": {"NO": "en tjenesteområde-rad nevner området",
                    "SE": "en rad för ett verksamhetsområde anger området"},
    "area_unknown": {
        "NO": "ingen enhet hører til tjenesteområdet «{area}» (enhetsfila: {areas})",
        "SE": "ingen enhet hör till verksamhetsområdet ”{area}” (enhetsfilen: {areas})"},
    "kommune_with_unit": {"NO": "en kommune-rad nevner ingen enhet eller område",
                          "SE": "en kommunrad anger ingen enhet eller inget område"},
    "measure_unknown": {
        "NO": "«{text}» er verken en indikator i katalogen eller et eget måltall (egne: "
        + OWN_NO + ")",
        "SE": "”{text}” är varken ett nyckeltal i katalogen eller ett eget mått (egna: "
        + OWN_SE + ")"},
    "measure_misspelt": {
        "NO": "«{text}» er verken en indikator i katalogen eller et eget måltall; mente du "
        "«{close}»?",
        "SE": "”{text}” är varken ett nyckeltal i katalogen eller ett eget mått; menade du "
        "”{close}”?"},
    "wrong_country": {"NO": "«{id}» er et tall fra {source}; kommunen ligger i {land}",
                      "SE": "”{id}” är ett tal från {source}; kommunen ligger i {land}"},
    "grunnlagstall": {
        "NO": "«{id}» er et grunnlagstall (et absolutt tall, {unit}): mål settes på nøkkeltall "
        "(per innbygger, andel eller enhetskostnad)",
        "SE": "”{id}” är ett grundtal (ett absolut tal, {unit}): mål sätts på nyckeltal "
        "(per invånare, andel eller enhetskostnad)"},
    "year_bad": {"NO": "ikke et år eller en periode: skriv f.eks. 2024, 2024K1 eller 2024M03",
                 "SE": "inte ett år eller en period: skriv t.ex. 2024, 2024K1 eller 2024M03"},
    "catalog_yearly": {"NO": "KOSTRA- og Kolada-tall er årstall: oppgi et år",
                       "SE": "Kolada- och KOSTRA-tal är årsvärden: ange ett år"},
    "missing": {"NO": "mangler verdi", "SE": "värde saknas"},
    "not_number": {"NO": "ikke et tall: skriv f.eks. 7 eller 7,5",
                   "SE": "inte ett tal: skriv t.ex. 7 eller 7,5"},
    "tolerance_side": {
        "NO": "må være {word} målet ({target}) når {better} er bedre: toleransen er der gult "
        "blir rødt",
        "SE": "måste vara {word} målet ({target}) när {better} är bättre: toleransen är där "
        "gult blir rött"},
    "perspective_unknown": {"NO": "bruk ett av {choices}", "SE": "använd ett av {choices}"},
    "perspective_missing": {"NO": "mangler verdi: bruk ett av {choices}",
                            "SE": "värde saknas: använd ett av {choices}"},
    "peer_unknown": {"NO": "«{peer}» finnes ikke i katalogen",
                     "SE": "”{peer}” finns inte i katalogen"},
    "direction_unknown": {"NO": "bruk høyere eller lavere", "SE": "använd högre eller lägre"},
    "direction_missing": {
        "NO": "mangler, og indikatoren har ingen retning selv: oppgi høyere eller lavere",
        "SE": "saknas, och måttet har ingen riktning själv: ange högre eller lägre"},
    "duplicate": {"NO": "to mål for samme nivå, enhet, indikator og periode",
                  "SE": "två mål för samma nivå, enhet, mått och period"},
}  # fmt: skip

WORDS = {
    "NO": {"Norway": "Norge", "Sweden": "Sverige", "below": "under", "above": "over",
           "higher": "høyere", "lower": "lavere"},
    "SE": {"Norway": "Norge", "Sweden": "Sverige", "below": "under", "above": "över",
           "higher": "högre", "lower": "lägre"},
}  # fmt: skip


def message(code: str, country: str, **params: object) -> str:
    lang = "SE" if country == "SE" else "NO"
    return MESSAGES[code][lang].format(**params)


def word(text: str, country: str) -> str:
    return WORDS["SE" if country == "SE" else "NO"][text]
