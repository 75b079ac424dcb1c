"""The målekart: targets on any measure, at any level, from a file the departments edit.

One row is one target: the level (kommune, tjenesteområde, enhet) and the area or unit, the
indicator (a catalog indicator, or an own measure: sick leave, frisknærvær, a survey score,
a survey's response count, the survey plan, or a measure the unit reports itself), the year or
period, the ambition level, an optional tolerance (the value beyond which amber turns red), the
direction, the perspective, who measures, when, and the owner. Norwegian, Swedish or English
headers and decimal commas, read like the municipality's other files. An old targets.csv (no
level column) is a municipality-level målekart. A wrong row is left out and listed with its row,
column, value and reason; the other targets load.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.settings.catalog import PERSPECTIVES, Catalog
from pipelines.settings.target_messages import message, word
from pipelines.sources.local.kinds import fold
from pipelines.sources.local.numbers import parse_number
from pipelines.sources.local.reader import cell, read_columns
from pipelines.sources.local.validate import parse_period_or_year

COLUMNS = {
    "level": ("level", "niva", "nivaa"),
    "unit": ("enhet_omrade", "enhet_eller_omrade", "enhet", "omrade", "enhet_id",
             "tjenesteomrade", "verksamhet", "verksamhetsomrade", "unit", "unit_id", "area"),
    "indicator_id": ("indicator_id", "indikator", "indikator_id", "matt", "nyckeltal"),
    "label": ("label", "indikatornavn", "navn", "benamning", "namn"),
    "unit_of_measure": ("unit_of_measure", "maleenhet", "maaleenhet", "matenhet"),
    "year": ("year", "ar", "aar", "periode", "period"),
    "target": ("target", "mal", "malverdi", "maal", "maalverdi", "ambisjon", "ambisjonsniva",
               "malvarde"),
    "tolerance": ("tolerance", "toleranse", "nedre_toleranse", "tolerans", "toleransgrans"),
    "direction": ("direction", "retning", "riktning"),
    "focus_area": ("focus_area", "malomrade", "maalomraade", "malomraade", "fokusomrade"),
    "perspective": ("perspective", "perspektiv"),
    "measured_by": ("measured_by", "males_av", "maales_av", "hvem_maler", "hvem_maaler",
                    "mats_av", "vem_mater"),
    "measured_when": ("measured_when", "nar", "naar", "nar_males", "naar_maales", "nar_mats"),
    "owner": ("owner", "ansvarlig", "eier", "ansvarig"),
    "peer_indicator_id": ("peer_indicator_id", "sammenlign_med", "sammenlignes_med",
                          "jamfor_med", "jamfors_med"),
}  # fmt: skip
REQUIRED = ("indicator_id", "year")
HEADER = {"level": "Nivå", "unit": "Enhet/område", "indicator_id": "Indikator", "year": "År",
          "target": "Målverdi", "tolerance": "Toleranse", "direction": "Retning",
          "perspective": "Perspektiv", "peer_indicator_id": "Sammenlign med"}  # fmt: skip

LEVELS = {"kommune": "kommune", "kommun": "kommune", "municipality": "kommune",
          "tjenesteomrade": "tjenesteområde", "tjenesteomraade": "tjenesteområde",
          "sektor": "tjenesteområde", "omrade": "tjenesteområde",
          "verksamhetsomrade": "tjenesteområde", "service_area": "tjenesteområde",
          "enhet": "enhet", "virksomhet": "enhet", "unit": "enhet"}  # fmt: skip
DIRECTIONS = {"higher": "higher", "hoyere": "higher", "hogre": "higher",
              "lower": "lower", "lavere": "lower", "lagre": "lower"}  # fmt: skip
PERSPECTIVE_WORDS = {fold(p): p for p in PERSPECTIVES} | {
    "tjenester": "tjenester/brukere", "brukere": "tjenester/brukere",
    "tjanster_brukare": "tjenester/brukere", "ekonomi": "økonomi",
    "organisasjon": "organisasjon/medarbeidere", "medarbeidere": "organisasjon/medarbeidere",
    "organisation_medarbetare": "organisasjon/medarbeidere",
    "medarbetare": "organisasjon/medarbeidere",
}  # fmt: skip

# own measures: (kind, measure, default direction, default perspective, label, unit)
# the id the målekart stores (Norwegian; a Swedish file's word maps to it), the column read
SICK_LEAVE = {
    "sykefravaer": ("sykefravaer", "sick_leave_rate", "lower", "Sykefravær", "prosent"),
    "sjukfranvaro": ("sykefravaer", "sick_leave_rate", "lower", "Sykefravær", "prosent"),
    "frisknaervaer": ("frisknaervaer", "frisknaervaer", "higher", "Frisknærvær", "prosent"),
    "frisknarvaro": ("frisknaervaer", "frisknaervaer", "higher", "Frisknærvær", "prosent"),
    "egenmeldt": ("egenmeldt", "self_certified_rate", "lower", "Egenmeldt fravær", "prosent"),
    "egenanmalan": ("egenmeldt", "self_certified_rate", "lower", "Egenmeldt fravær", "prosent"),
    "legemeldt": ("legemeldt", "doctor_certified_rate", "lower", "Legemeldt fravær", "prosent"),
    "lakarintyg": ("legemeldt", "doctor_certified_rate", "lower", "Legemeldt fravær", "prosent"),
}
SURVEYS = {
    "brukerundersokelse": "bruker", "brukerundersokning": "bruker", "user_survey": "bruker",
    "medarbeiderundersokelse": "medarbeider", "medarbetarundersokning": "medarbeider",
    "employee_survey": "medarbeider",
}  # fmt: skip
SURVEY_PLAN = ("undersokelsesplan", "undersokningsplan", "survey_plan")
INDEX = ("indeks", "index", "totalindeks")

SCHEMA = {
    "level": pl.String, "unit_id": pl.String, "service_area": pl.String,
    "indicator_id": pl.String, "measure_kind": pl.String, "measure": pl.String,
    "survey_kind": pl.String, "label": pl.String, "unit_of_measure": pl.String,
    "period": pl.String, "year": pl.Int32, "target": pl.Float64, "tolerance": pl.Float64,
    "direction": pl.String, "focus_area": pl.String, "perspective": pl.String,
    "measured_by": pl.String, "measured_when": pl.String, "owner": pl.String,
    "peer_indicator_id": pl.String, "row": pl.Int64,
}  # fmt: skip
REJECTED_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}


class RowError(ValueError):
    """A row's problem, naming its column (the file's own header) and value."""

    def __init__(self, column: str, value: str, reason: str) -> None:
        self.column, self.value, self.reason = column, value, reason
        super().__init__(reason)


@dataclass
class Targets:
    good: pl.DataFrame
    rejected: pl.DataFrame  # row, column, value, reason


@dataclass(frozen=True)
class Units:
    """The municipality's units and their service areas (local_raw.units), for checking rows."""

    area_of: dict[str, str]

    @property
    def areas(self) -> set[str]:
        return set(self.area_of.values())


SWEDISH_LABELS = {
    "Sykefravær": "Sjukfrånvaro", "Frisknærvær": "Frisknärvaro",
    "Egenmeldt fravær": "Sjukfrånvaro med egenanmälan", "Legemeldt fravær":
    "Sjukfrånvaro med läkarintyg", "Undersøkelsesplanen følges": "Undersökningsplanen följs",
}  # fmt: skip


def _swedish(found: dict) -> dict:
    """An own measure's default label in Swedish for a Swedish home."""
    label = found.get("label") or ""
    if label in SWEDISH_LABELS:
        return {**found, "label": SWEDISH_LABELS[label]}
    if found["measure_kind"] in ("survey", "survey_responses"):
        kind = "Brukar" if found["survey_kind"] == "bruker" else "Medarbetar"
        question = "index" if found["measure"] in ("index", "respondents") else found["measure"]
        prefix = "Antal svar, " if found["measure_kind"] == "survey_responses" else ""
        suffix = "" if prefix else f": {question}"
        return {**found, "label": f"{prefix}{kind.lower() if prefix else kind}undersökning{suffix}",
                "unit_of_measure": "svar" if prefix else found["unit_of_measure"].replace(
                    "snitt", "medel")}  # fmt: skip
    return found


def _measure(text: str, catalog_ids: set[str], country: str = "NO") -> dict[str, str | None]:
    """What an indicator cell names: a catalog indicator or one of the own measures."""
    if text in catalog_ids:
        return {"measure_kind": "catalog", "measure": text, "indicator_id": text}
    head, _, rest = text.partition(":")
    key = fold(head)
    if not rest and key in SICK_LEAVE:
        canonical, measure, direction, label, unit = SICK_LEAVE[key]
        return {"measure_kind": "sick_leave", "measure": measure, "indicator_id": canonical,
                "direction": direction, "perspective": "organisasjon/medarbeidere",
                "label": label, "unit_of_measure": unit}  # fmt: skip
    if key in ("svar", "antall_svar", "svarande") and fold(rest) in SURVEYS:
        kind = SURVEYS[fold(rest)]
        return {"measure_kind": "survey_responses", "measure": "respondents",
                "survey_kind": kind, "indicator_id": f"svar:{kind}undersokelse",
                "direction": "higher",
                "perspective": _survey_perspective(kind),
                "label": f"Antall svar, {kind}undersøkelse", "unit_of_measure": "svar"}  # fmt: skip
    if key in SURVEYS and rest.strip():
        kind = SURVEYS[key]
        question = rest.strip()
        is_index = fold(question) in INDEX
        scale = "1-6" if kind == "bruker" else "1-5"
        return {"measure_kind": "survey", "measure": "index" if is_index else question,
                "survey_kind": kind,
                "indicator_id": f"{kind}undersokelse:{'indeks' if is_index else fold(question)}",
                "direction": "higher", "perspective": _survey_perspective(kind),
                "label": f"{kind.capitalize()}undersøkelse: "
                         f"{'indeks (snitt av spørsmålene)' if is_index else question}",
                "unit_of_measure": f"snitt (skala {scale})"}  # fmt: skip
    if key in SURVEY_PLAN and not rest:
        return {"measure_kind": "survey_plan", "measure": "survey_plan",
                "indicator_id": "undersokelsesplan", "perspective": "tjenester/brukere",
                "label": "Undersøkelsesplanen følges", "unit_of_measure": "status"}  # fmt: skip
    if key in ("egen", "eget", "own") and rest.strip():
        measure = rest.strip().lower()
        return {"measure_kind": "own", "measure": measure, "indicator_id": f"egen:{measure}"}
    # a misspelt id: name the one it resembles (close enough to be meant, not merely similar)
    known = sorted(catalog_ids | set(SICK_LEAVE) | {SURVEY_PLAN[0]})
    close = next(iter(difflib.get_close_matches(text, known, n=1, cutoff=0.8)), None)
    if close:
        raise ValueError(message("measure_misspelt", country, text=text, close=close))
    raise ValueError(message("measure_unknown", country, text=text))


def _survey_perspective(kind: str) -> str:
    return "tjenester/brukere" if kind == "bruker" else "organisasjon/medarbeidere"


def _target_row(
    get: dict[str, str], catalog: Catalog, known: set[str], units: Units | None, country: str
) -> dict:
    def fail(column: str, code: str, **params: object) -> RowError:
        return RowError(column, get.get(column, ""), message(code, country, **params))

    try:
        found = _measure(get["indicator_id"], known, country)
    except ValueError as exc:
        raise RowError("indicator_id", get["indicator_id"], str(exc)) from None
    if country == "SE":
        found = _swedish(found)
    indicators = {i.id: i for i in catalog.indicators}
    ind = indicators.get(found["indicator_id"] or "")
    if ind is not None and (ind.source == "kolada") != (country == "SE"):
        source = "Kolada (Sverige)" if ind.source == "kolada" else "SSB/KOSTRA (Norge)"
        raise fail("indicator_id", "wrong_country", id=ind.id, source=source,
                   land=word("Sweden" if country == "SE" else "Norway", country))  # fmt: skip
    if ind is not None and ind.kind != "nøkkeltall":
        raise fail("indicator_id", "grunnlagstall", id=ind.id, unit=ind.unit)
    level_text = fold(get.get("level", ""))
    if level_text and level_text not in LEVELS:
        raise fail("level", "level_unknown")
    unit_text = get.get("unit", "")
    level = LEVELS.get(level_text) or ("kommune" if not unit_text else "")
    if not level:
        raise fail("level", "level_missing")
    unit_id = service_area = None
    if level in ("enhet", "tjenesteområde") and units is None:
        raise fail("unit", "no_units_file")
    if level == "enhet":
        if not unit_text:
            raise fail("unit", "unit_needed")
        if found["measure_kind"] in ("catalog", "survey_plan"):
            raise fail("level", "catalog_on_unit")
        if units is not None and unit_text not in units.area_of:
            raise fail("unit", "unit_unknown", unit=unit_text)
        unit_id = unit_text
        service_area = units.area_of.get(unit_text) if units else None
    elif level == "tjenesteområde":
        if not unit_text:
            raise fail("unit", "area_needed")
        if units is not None and unit_text not in units.areas:
            raise fail("unit", "area_unknown", area=unit_text, areas=", ".join(sorted(units.areas)))
        service_area = unit_text
    elif unit_text:
        raise fail("unit", "kommune_with_unit")
    if found["measure_kind"] == "survey_plan" and level == "kommune":
        service_area = "alle"
    try:
        period = parse_period_or_year(get["year"])
    except ValueError:
        raise fail("year", "year_bad") from None
    if found["measure_kind"] == "catalog" and len(period) != 4:
        raise fail("year", "catalog_yearly")
    target = tolerance = None
    if found["measure_kind"] != "survey_plan":
        if not get.get("target"):
            raise fail("target", "missing")
        target = _number(get, "target", fail)
        tolerance = _number(get, "tolerance", fail) if get.get("tolerance") else None
    direction = _direction(get, found, ind, fail)
    if tolerance is not None and target is not None:
        worse = tolerance < target if direction == "higher" else tolerance > target
        if not worse:
            side = word("below" if direction == "higher" else "above", country)
            target_text = f"{target:g}".replace(".", ",")
            raise fail("tolerance", "tolerance_side", word=side, target=target_text,
                       better=word(direction or "higher", country))  # fmt: skip
    perspective_text = get.get("perspective", "")
    if perspective_text:
        perspective = PERSPECTIVE_WORDS.get(fold(perspective_text))
        if perspective is None:
            raise fail("perspective", "perspective_unknown", choices=", ".join(PERSPECTIVES))
    else:
        perspective = found.get("perspective") or (ind.perspective if ind else None)
        if perspective is None:
            raise fail("perspective", "perspective_missing", choices=", ".join(PERSPECTIVES))
    peer = get.get("peer_indicator_id") or (found["indicator_id"] if ind else None)
    if peer and peer not in known:
        raise fail("peer_indicator_id", "peer_unknown", peer=peer)
    return {
        "level": level, "unit_id": unit_id, "service_area": service_area,
        "indicator_id": found["indicator_id"], "measure_kind": found["measure_kind"],
        "measure": found["measure"], "survey_kind": found.get("survey_kind"),
        "label": get.get("label") or found.get("label") or (ind.label if ind else None)
        or found["measure"],
        "unit_of_measure": get.get("unit_of_measure") or found.get("unit_of_measure")
        or (ind.unit if ind else None),
        "period": period, "year": int(period[:4]), "target": target, "tolerance": tolerance,
        "direction": direction, "focus_area": get.get("focus_area") or None,
        "perspective": perspective, "measured_by": get.get("measured_by") or None,
        "measured_when": get.get("measured_when") or None, "owner": get.get("owner") or None,
        "peer_indicator_id": peer,
    }  # fmt: skip


def _number(get: dict[str, str], column: str, fail) -> float:
    try:
        return parse_number(get[column])
    except ValueError:
        raise fail(column, "not_number") from None


def _direction(get: dict[str, str], found: dict, ind, fail) -> str | None:
    text = fold(get.get("direction", ""))
    if text:
        if text not in DIRECTIONS:
            raise fail("direction", "direction_unknown")
        return DIRECTIONS[text]
    if found.get("direction"):
        return found["direction"]
    if ind is not None and ind.higher_is_better is not None:
        return "higher" if ind.higher_is_better else "lower"
    if found["measure_kind"] == "survey_plan":
        return None
    raise fail("direction", "direction_missing")


def load_targets(
    path: Path | None,
    catalog: Catalog,
    extra_ids: set[str] = frozenset(),
    units: Units | None = None,
    country: str = "NO",
) -> Targets:
    """Read the målekart; `units` (when known) checks the unit and area of each row."""
    empty_rejected = pl.DataFrame(schema=REJECTED_SCHEMA)
    if path is None:
        return Targets(pl.DataFrame(schema=SCHEMA), empty_rejected)
    table, positions = read_columns(path, COLUMNS, REQUIRED)
    header = {name: table.header[i] for name, i in positions.items()}
    known = {i.id for i in catalog.indicators} | set(extra_ids)
    good, rejected = [], []
    for row, cells in table.rows:
        get = {n: cell(cells, positions, n) for n in COLUMNS}
        try:
            good.append({**_target_row(get, catalog, known, units, country), "row": row})
        except RowError as exc:
            column = header.get(exc.column, HEADER.get(exc.column, exc.column))
            rejected.append({"row": row, "column": column, "value": exc.value,
                             "reason": exc.reason})  # fmt: skip
    frame = pl.DataFrame(good, schema=SCHEMA)
    key = ["level", "unit_id", "service_area", "indicator_id", "period"]
    twice = pl.len().over(key) > 1
    for r in frame.filter(twice).iter_rows(named=True):
        rejected.append({"row": r["row"], "column": header.get("indicator_id", "Indikator"),
                         "value": r["indicator_id"],
                         "reason": message("duplicate", country)})  # fmt: skip
    frame = frame.filter(~twice)
    rejected_frame = pl.DataFrame(rejected, schema=REJECTED_SCHEMA).sort("row")
    return Targets(frame, rejected_frame)
