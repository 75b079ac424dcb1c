"""The words of the documents in the reader's language: Norwegian for a Norwegian home,
Swedish for a Swedish one. No English status word reaches a document."""

from __future__ import annotations

WORDS = {
    "no": {
        "report": "Årsberetning {year}: {home}",
        "subtitle": "Nøkkeltall mot sammenlignbare kommuner",
        "basis": "Tallgrunnlag",
        "edition": "utgave",
        "provenance": {"snapshot:synthetic": "tall laget for demoen",
                       "snapshot:real": "ekte tall fra kilden, lagret for demoen",
                       "snapshot:recorded": "tall hentet fra kilden og lagret",
                       "live": "hentet fra kilden"},
        "months": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
                   "september", "oktober", "november", "desember"),
        "vs": "mot",
        "derived": "SSB, beregnet per innbygger",
        "unrevised": "ureviderte tall fra 15. mars",
        "compared_with": "Sammenlignet med",
        "findings": "Hovedfunn",
        "slide_title": "Hvor står vi? {home} {year}",
        "slide_area": "{area}: {home} mot {peer}",
        "slide_gap": "{label}: {home} mot {peer} ({gap})",
        "no_findings": "Ingen nøkkeltall med retning har nok sammenligningsgrunnlag dette året.",
        "better": "bedre",
        "weaker": "svakere",
        "neutral": "nøytral",
        "met": "nådd",
        "not met": "ikke nådd",
        "no data": "mangler data",
        "finding": "{label}: {home} mot {peer} for {peer_label}, avvik {gap} ({verdict}).",
        "trend_up": "{label} har økt med {change} de siste tre årene (til {home}){verdict}.",
        "trend_down": "{label} har gått ned med {change} de siste tre årene "
        "(til {home}){verdict}.",
        "trend_good": ", en bedring",
        "trend_bad": ", en svekkelse",
        "gap_axis": "Avvik mot {peer}: prosentpoeng for andeler i prosent, ellers prosent av "
        "sammenligningstallet",
        "need": "Ressursbruk justert for utgiftsbehov",
        "need_intro": "Netto driftsutgifter per innbygger delt på utgiftsbehovsindeksen, mot "
        "{peer_label}. Merforbruk (+) eller mindreforbruk (\u2212) er det kommunen bruker utover "
        "sammenligningsnivået ved sitt eget utgiftsbehov.",
        "need_header": ["Tjenesteområde", "Kr per innb.", "Justert for behov",
                        "Sammenligning justert", "Mer/mindre per innb.",
                        "Mer/mindre, mill. kr"],
        "published": "tall publisert av SSB",
        "computed": "beregnet av Målestokk fra alle medlemmene, også kommunen selv, slik SSB "
        "beregner gruppetall",
        "need_synthetic": "Utgiftsbehovsindeksen i demoen er SYNTETISK, ikke Grønt hefte.",
        "indicator": "Indikator",
        "gap": "Avvik",
        "verdict": "Vurdering",
        "target": "Mål",
        "status": "Status",
        "slot": "[Kommentar fra tjenesteområdet: skriv her]",
        "credit": "Kilde: Statistisk sentralbyrå (KOSTRA)",
        "kolada_credit": "Källa: Kolada",
        "synthetic": "SYNTETISKE DEMODATA: KOSTRA-tallene er laget for demoen og er ikke SSBs "
        "tall (folketallet er SSBs eget).",
        "group_break": "SSB: KOSTRA-grupperingen ble lagt om fra 2020; tall for KOSTRA-grupper "
        "før og etter 2020 kan ikke sammenlignes.",
        "why_missing": "Mangler fordi: {why}",
        # the challenge note
        "note_title": "Utfordringsnotat {year}: {home} mot {network}-snittet",
        "note_intro": "Nøkkeltallene der kommunen skiller seg mest fra {network}-tallet "
        "(beregnet fra alle medlemmene, også kommunen selv, slik SSB beregner gruppetall; avvik "
        "for andeler i prosentpoeng), per tjenesteområde. Tjenestene fyller ut kolonnen "
        "Forklaring; svarene vises ved neste års tall.",
        "note_header": ["Indikator", "Hjem", "{network}", "Avvik", "Trend mot {network}",
                        "Merforbruk mill. kr", "Svar i fjor", "Forklaring"],
        "answer_slot": "[Forklaring fra tjenesten]",
        # the målekart
        "malekart": "Målekart",
        "malekart_of": "Målekart {year}: {who}",
        "malekart_summary": "Målekart per tjenesteområde",
        "malekart_summary_intro": "Status for målene i målekartet: grønt nådd, gult innenfor "
        "toleranse, rødt ikke nådd, grått uten tall (mangler eller skjult av personvernhensyn).",
        "perspectives": {"tjenester/brukere": "Tjenester og brukere", "økonomi": "Økonomi",
                         "organisasjon/medarbeidere": "Organisasjon og medarbeidere",
                         "samfunn": "Samfunn"},
        "levels": {"kommune": "Kommunen", "tjenesteområde": "Tjenesteområde", "enhet": "Enhet"},
        "malekart_header": ["Indikator", "Periode", "Resultat", "Mål", "Status", "Utvikling",
                            "Sammenligning"],
        "summary_header": ["Tjenesteområde", "Mål", "Grønt", "Gult", "Rødt", "Grått"],
        "colours": {"green": "grønt", "amber": "gult", "red": "rødt", "grey": "grått"},
        "reasons": {"reached": "nådd", "within_tolerance": "innenfor toleranse",
                    "missed": "ikke nådd", "no_data": "mangler tall for {period}",
                    "suppressed": "skjult: {detail}", "not_aggregable": "kan ikke summeres fra "
                    "enhetene", "conducted": "gjennomført", "not_yet_due": "ikke forfalt",
                    "overdue": "forsinket", "no_plan": "ingen undersøkelse planlagt"},
        "privacy": {"employees": "færre enn {n} ansatte", "respondents": "færre enn {n} svar",
                    "area_hidden": "en enhet i området er skjult ({rule})",
                    "few_units": "færre enn tre enheter rapporterer",
                    "one_unit": "én enhet utgjør nesten hele området ({rule})",
                    "quarters": "kvartalene vises (én periodeinndeling per enhet og år)",
                    "months": "månedene vises (én periodeinndeling per enhet og år)",
                    "hidden": "skjult av personvernhensyn"},
        "plan_status": {"conducted": "gjennomført", "not yet due": "ikke forfalt",
                        "overdue": "forsinket"},
        "plan_result": "{done} av {planned} gjennomført",
        "tolerance": "toleranse {value}",
        "points": "prosentpoeng",
        "malekart_credit": "Kilde: kommunens egne tall (HR-system, bruker- og "
        "medarbeiderundersøkelser, egne måltall; små enheter skjult) og Statistisk sentralbyrå "
        "(KOSTRA).",
        "higher": "høyere er bedre",
        "lower": "lavere er bedre",
        "peer_of": "{peer}: {value}",
        "kommune_value": "kommunen: {value}",
        "owner": "Ansvarlig",
        "measured": "Måles av {by}, {when}",
        "units_of_area": "Enheter",
        "rejected_title": "Rader i målekartet som ikke ble lest",
        "rejected_notice": "{n} rader i målekartfila ble ikke lest og vises ikke her: se {link}.",
        "rejected_link": "listen med rad, kolonne, verdi og grunn",
        "rejected_intro": "Rett radene i målekartfila ({file}); de kommer med ved neste "
        "oppdatering.",
        "rejected_columns": ("Rad", "Kolonne", "Verdi", "Grunn"),
        "no_targets": "Ingen mål i målekartet for dette perspektivet.",
        "dialogue": "Resultatdialog {year}: {who}",
        "dialogue_intro": "Målekart for enheten med resultat, mål og status. Fyll ut feltene "
        "under i dialogen med kommunedirektøren.",
        "dialogue_fields": ["Hva har gått bra, og hvorfor?", "Hvor når vi ikke målene, og "
                            "hvorfor?", "Tiltak til neste periode (hva, hvem, når)",
                            "Behov for støtte fra kommunedirektøren"],
        "dialogue_slot": "[Skriv her]",
        "participants": "Deltakere og dato: [fylles ut]",
        "synthetic_own": "SYNTETISKE DEMODATA: egne tall (sykefravær, undersøkelser, "
        "egne måltall) er laget for demoen.",
    },
    "sv": {
        "report": "Årsredovisning {year}: {home}",
        "subtitle": "Nyckeltal jämfört med liknande kommuner",
        "basis": "Underlag",
        "edition": "uttag",
        "provenance": {"snapshot:synthetic": "tal gjorda för demon",
                       "snapshot:real": "riktiga tal från källan, sparade för demon",
                       "snapshot:recorded": "tal hämtade från källan och sparade",
                       "live": "hämtade från källan"},
        "months": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                   "september", "oktober", "november", "december"),
        "vs": "jämfört med",
        "derived": "SSB, beräknat per invånare",
        "unrevised": "preliminära uppgifter",
        "compared_with": "Jämfört med",
        "findings": "Huvudresultat",
        "slide_title": "Var står vi? {home} {year}",
        "slide_area": "{area}: {home} jämfört med {peer}",
        "slide_gap": "{label}: {home} jämfört med {peer} ({gap})",
        "no_findings": "Inga nyckeltal med riktning har tillräckligt jämförelseunderlag i år.",
        "better": "bättre",
        "weaker": "sämre",
        "neutral": "neutral",
        "met": "uppnått",
        "not met": "ej uppnått",
        "no data": "saknar data",
        "finding": "{label}: {home} jämfört med {peer} för {peer_label}, skillnad {gap} "
        "({verdict}).",
        "trend_up": "{label} har ökat med {change} de senaste tre åren (till {home}){verdict}.",
        "trend_down": "{label} har minskat med {change} de senaste tre åren "
        "(till {home}){verdict}.",
        "trend_good": ", en förbättring",
        "trend_bad": ", en försämring",
        "gap_axis": "Skillnad mot {peer}: procentenheter för andelar i procent, annars procent av "
        "jämförelsevärdet",
        "need": "Kostnader justerade för behov",
        "need_intro": "Kostnad per invånare delat med behovsindex, jämfört med {peer_label}.",
        "need_header": ["Verksamhet", "Kr per inv.", "Behovsjusterad",
                        "Jämförelse, justerad", "Mer/mindre per inv.", "Mer/mindre, mnkr"],
        "published": "värde publicerat av Kolada",
        "computed": "beräknat av Målestokk från alla medlemmar, även kommunen själv",
        "need_synthetic": "Behovsindex i demon är SYNTETISKT.",
        "indicator": "Nyckeltal",
        "gap": "Skillnad",
        "verdict": "Bedömning",
        "target": "Mål",
        "status": "Status",
        "slot": "[Kommentar från verksamheten: skriv här]",
        "credit": "Källa: Kolada",
        "kolada_credit": "Källa: Kolada",
        "synthetic": "SYNTETISKA DEMODATA i delar av underlaget.",
        "group_break": "",
        "why_missing": "Saknas eftersom: {why}",
        # the challenge note, against the home's own network (a peer set)
        "note_title": "Utmaningsanalys {year}: {home} jämfört med {network}",
        "note_intro": "De nyckeltal där kommunen skiljer sig mest från värdet för "
        "{network} (beräknat från alla medlemmar, även kommunen själv; skillnader för andelar i "
        "procentenheter), per verksamhet. Verksamheterna fyller i "
        "kolumnen Förklaring; svaren visas vid nästa års värden.",
        "note_header": ["Nyckeltal", "Hemkommun", "{network}", "Skillnad",
                        "Trend jämfört med {network}", "Merkostnad mnkr", "Svar i fjol",
                        "Förklaring"],
        "answer_slot": "[Förklaring från verksamheten]",
        # the målekart (styrkort)
        "malekart": "Styrkort",
        "malekart_of": "Styrkort {year}: {who}",
        "malekart_summary": "Styrkort per verksamhet",
        "malekart_summary_intro": "Status för målen i styrkortet: grönt uppnått, gult inom "
        "toleransen, rött ej uppnått, grått utan värde (saknas eller dolt av integritetsskäl).",
        "perspectives": {"tjenester/brukere": "Verksamhet och brukare", "økonomi": "Ekonomi",
                         "organisasjon/medarbeidere": "Organisation och medarbetare",
                         "samfunn": "Samhälle"},
        "levels": {"kommune": "Kommunen", "tjenesteområde": "Verksamhet", "enhet": "Enhet"},
        "malekart_header": ["Nyckeltal", "Period", "Utfall", "Mål", "Status", "Utveckling",
                            "Jämförelse"],
        "summary_header": ["Verksamhet", "Mål", "Grönt", "Gult", "Rött", "Grått"],
        "colours": {"green": "grönt", "amber": "gult", "red": "rött", "grey": "grått"},
        "reasons": {"reached": "uppnått", "within_tolerance": "inom toleransen",
                    "missed": "ej uppnått", "no_data": "saknar värde för {period}",
                    "suppressed": "dolt: {detail}", "not_aggregable": "kan inte summeras från "
                    "enheterna", "conducted": "genomförd", "not_yet_due": "inte aktuell än",
                    "overdue": "försenad", "no_plan": "ingen undersökning planerad"},
        "privacy": {"employees": "färre än {n} anställda", "respondents": "färre än {n} svar",
                    "area_hidden": "en enhet i verksamheten är dold ({rule})",
                    "few_units": "färre än tre enheter rapporterar",
                    "one_unit": "en enhet utgör nästan hela verksamheten ({rule})",
                    "quarters": "kvartalen visas (en periodindelning per enhet och år)",
                    "months": "månaderna visas (en periodindelning per enhet och år)",
                    "hidden": "dold av integritetsskäl"},
        "plan_status": {"conducted": "genomförd", "not yet due": "inte aktuell än",
                        "overdue": "försenad"},
        "plan_result": "{done} av {planned} genomförda",
        "tolerance": "tolerans {value}",
        "points": "procentenheter",
        "malekart_credit": "Källa: kommunens egna värden (HR-system, brukar- och "
        "medarbetarundersökningar, egna mått; små enheter dolda) och Kolada.",
        "higher": "högre är bättre",
        "lower": "lägre är bättre",
        "peer_of": "{peer}: {value}",
        "kommune_value": "kommunen: {value}",
        "owner": "Ansvarig",
        "measured": "Mäts av {by}, {when}",
        "units_of_area": "Enheter",
        "rejected_title": "Rader i styrkortet som inte lästes",
        "rejected_notice": "{n} rader i styrkortsfilen lästes inte och visas inte här: se {link}.",
        "rejected_link": "listan med rad, kolumn, värde och skäl",
        "rejected_intro": "Rätta raderna i styrkortsfilen ({file}); de kommer med vid nästa "
        "uppdatering.",
        "rejected_columns": ("Rad", "Kolumn", "Värde", "Skäl"),
        "no_targets": "Inga mål i styrkortet för detta perspektiv.",
        "dialogue": "Resultatdialog {year}: {who}",
        "dialogue_intro": "Enhetens styrkort med utfall, mål och status. Fyll i fälten nedan "
        "i dialogen med kommundirektören.",
        "dialogue_fields": ["Vad har gått bra, och varför?", "Var når vi inte målen, och "
                            "varför?", "Åtgärder till nästa period (vad, vem, när)",
                            "Behov av stöd från kommundirektören"],
        "dialogue_slot": "[Skriv här]",
        "participants": "Deltagare och datum: [fylls i]",
        "synthetic_own": "SYNTETISKA DEMODATA: egna värden (sjukfrånvaro, undersökningar, "
        "egna mått) är gjorda för demon.",
    },
}  # fmt: skip


# the overview page (its script switches to English with #lang=en)
OVERVIEW_WORDS = {
    "sv": {"title": "Var står vi?", "area": "Verksamhet", "year": "År",
           "n": "Nyckeltal", "good": "Bättre", "bad": "Sämre", "indicator": "Nyckeltal",
           "home": "Hemkommun", "peer": "Jämförelse", "gap": "Skillnad", "list": "Alla "
           "nyckeltal, största skillnaden först", "sick": "Sjukfrånvaro per verksamhet (egna "
           "värden, små enheter dolda)", "survey": "Brukarundersökningar: medel per verksamhet "
           "(egna värden)", "index": "Hemkommunen i procent av jämförelsen (jämförelsen = 100)",
           "legend": "✓ blå: bättre · ✗ orange: sämre · grå: neutral · ▲▼ förändring senaste "
           "tre åren", "rate": "Sjukfrånvaro %", "score": "Medel (skala 1-6)",
           "period": "Period", "built": "Byggd", "credit": "Källa: Kolada · egna värden från "
           "kommunens HR- och undersökningssystem"},
    "no": {"title": "Hvor står vi?", "area": "Tjenesteområde", "year": "År",
           "n": "Nøkkeltall", "good": "Bedre", "bad": "Svakere", "indicator": "Nøkkeltall",
           "home": "Hjem", "peer": "Sammenligning", "gap": "Avvik", "list": "Alle nøkkeltall, "
           "største avvik først", "sick": "Sykefravær per tjenesteområde (egne tall, små enheter "
           "skjult)", "survey": "Brukerundersøkelser: snitt per tjenesteområde (egne tall)",
           "index": "Hjem i prosent av sammenligningen (sammenligningen = 100)",
           "legend": "✓ blå: bedre · ✗ oransje: svakere · grå: nøytral · ▲▼ endring siste "
           "tre år", "rate": "Sykefravær %", "score": "Snitt (skala 1-6)",
           "period": "Periode", "built": "Bygd", "credit": "Kilde: Statistisk sentralbyrå "
           "(KOSTRA) · egne tall fra kommunens HR- og undersøkelsessystemer"},
    "en": {"title": "Where do we stand?", "area": "Service area", "year": "Year",
           "n": "Key figures", "good": "Better", "bad": "Weaker", "indicator": "Key figure",
           "home": "Home", "peer": "Peers", "gap": "Gap", "list": "All key figures, largest "
           "gap first", "sick": "Sick leave by service area (own figures, small units hidden)",
           "survey": "User surveys: mean by service area (own figures)",
           "index": "Home as a percentage of the peer figure (peers = 100)",
           "legend": "✓ blue: better · ✗ orange: weaker · grey: neutral · ▲▼ change over three "
           "years", "rate": "Sick leave %", "score": "Mean (scale 1-6)", "period": "Period",
           "built": "Built", "credit": "Source: Statistics Norway (KOSTRA) · Kolada · own "
           "figures from the municipality's HR and survey systems"},
}  # fmt: skip


def capital(text: str) -> str:
    """A heading's first letter upper-case ("barnehage" -> "Barnehage"), the rest as written."""
    return text[:1].upper() + text[1:]


def words(country: str) -> dict:
    return WORDS["sv" if country == "SE" else "no"]


# Why the home has no figure, in the reader's words: core_indicator_series.harmonisation (and the
# derived figures' reasons) are written for analysts, in English and with codes and indicator
# ids, e.g. "derived: no kostra.netto_driftsutgifter_kommunehelse (split: 1227 became several
# municipalities)"; a report or a page says "kommunen ble delt: tallet kan ikke fordeles".
WHY_MISSING = {
    "no": {
        "not_published": "ikke publisert ennå",
        "split": "kommunen ble delt: tallet kan ikke fordeles",
        "merged_missing": "sammenslått kommune: ikke alle delene har tall",
        "merged_ratio": "sammenslått kommune: et forholdstall kan ikke legges sammen",
        "derived": "grunnlagstall mangler",
        "zero": "nevneren er 0",
        "other": "ingen tall",
    },
    "sv": {
        "not_published": "inte publicerat ännu",
        "split": "kommunen delades: talet kan inte fördelas",
        "merged_missing": "sammanslagen kommun: inte alla delar har värden",
        "merged_ratio": "sammanslagen kommun: ett kvottal kan inte läggas ihop",
        "derived": "underlag saknas",
        "zero": "nämnaren är 0",
        "other": "inget värde",
    },
}


def why_missing(harmonisation: str | None, lang: str = "no") -> str:
    """The reason a figure is missing in `lang` ("" when it is as published): a derived figure
    says its basis is missing and, where the basis names one, why."""
    text = (harmonisation or "").strip()
    if not text or text == "as published":
        return ""
    w = WHY_MISSING["sv" if lang == "sv" else "no"]
    if text.startswith("derived:"):
        if text.endswith(" is 0"):
            return w["zero"]
        inner = text[text.find("(") + 1 : text.rfind(")")] if "(" in text else ""
        reason = why_missing(inner, lang) if inner and not inner.startswith("no value") else ""
        return f"{w['derived']} ({reason})" if reason and reason != w["other"] else w["derived"]
    if text.startswith("not published yet"):
        return w["not_published"]
    if text.startswith("split:"):
        return w["split"]
    if text.startswith("merged parts"):
        return w["merged_ratio"] if "cannot be summed" in text else w["merged_missing"]
    return w["other"]
