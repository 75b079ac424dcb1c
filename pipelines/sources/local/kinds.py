"""The kinds of locally reported files and the headers HR and survey systems give their columns.

Headers are matched after folding case, spaces, punctuation and æøå/åäö, so "Avtalte dagsverk",
"avtalte_dagsverk" and "AVTALTE DAGSVERK" are one column. Each kind names its key: a later file
with the same key replaces the value and the old one stays in the history.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "number", "period", "year", "period_or_year"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    aliases: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    needs_known_unit: bool = True
    scale: int | None = None  # survey scale (1..scale) when the file does not give one
    extra_columns: tuple[str, ...] = field(default=())
    # columns a header must have before it is taken for this kind (a budget export with a unit
    # and a period is not a file of own measures)
    signature: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def fold(header: str) -> str:
    """A header reduced to lower-case ASCII words joined by '_' (æ->ae, ø->o, å->a, ä->a, ö->o)."""
    text = header.strip().lower().replace("æ", "ae").replace("ø", "o")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


UNIT_ID = Column(
    "unit_id",
    "text",
    (
        "enhet_id",
        "enhetsid",
        "enhetsnr",
        "enhetsnummer",
        "enhet",
        "enhetskode",
        "enhetskod",
        "ansvar",
        "unit_id",
    ),
)
UNIT_NAME = Column(
    "unit_name",
    "text",
    ("enhetsnavn", "enhet_navn", "navn", "enhetsnamn", "namn", "unit_name"),
    required=False,
)
SERVICE_AREA = Column(
    "service_area",
    "text",
    (
        "tjenesteomrade",
        "tjenesteomraade",
        "sektor",
        "omrade",
        "verksamhetsomrade",
        "verksamhet",
        "service_area",
    ),
)

UNITS = Kind(
    "units",
    "Enheter (units and their service areas)",
    (UNIT_ID, Column("unit_name", "text", UNIT_NAME.aliases), SERVICE_AREA),
    key=("unit_id",),
    needs_known_unit=False,
)

SICK_LEAVE = Kind(
    "sick_leave",
    "Sykefravær per enhet og periode",
    (
        UNIT_ID,
        UNIT_NAME,
        Column("period", "period", ("periode", "period", "maned", "kvartal", "manad")),
        Column(
            "employees",
            "int",
            ("ansatte", "antall_ansatte", "anstallda", "antal_anstallda", "employees"),
        ),
        Column(
            "contracted_days",
            "number",
            (
                "avtalte_dagsverk",
                "mulige_dagsverk",
                "avtalte_dager",
                "avtalade_dagar",
                "mojliga_dagar",
                "contracted_days",
            ),
        ),
        Column(
            "self_certified_days",
            "number",
            (
                "egenmeldt",
                "egenmeldt_fravaer",
                "egenmeldte_dagsverk",
                "egenmeldt_fravaer_dager",
                "egenanmalan",
                "self_certified_days",
            ),
        ),
        Column(
            "doctor_certified_days",
            "number",
            (
                "legemeldt",
                "legemeldt_fravaer",
                "legemeldte_dagsverk",
                "legemeldt_fravaer_dager",
                "lakarintyg",
                "doctor_certified_days",
            ),
        ),
        Column(
            "short_term_days",
            "number",
            ("korttidsfravaer", "korttid", "korttidsfranvaro", "short_term_days"),
            required=False,
        ),
        Column(
            "long_term_days",
            "number",
            ("langtidsfravaer", "langtid", "langtidsfranvaro", "long_term_days"),
            required=False,
        ),
    ),
    key=("unit_id", "period"),
)


def _survey(name: str, label: str, scale: int) -> Kind:
    return Kind(
        name,
        label,
        (
            UNIT_ID,
            UNIT_NAME,
            Column("year", "year", ("ar", "aar", "year", "undersokelsesar")),
            Column(
                "question", "text", ("sporsmal", "faktor", "indikator", "tema", "fraga", "question")
            ),
            Column(
                "respondents",
                "int",
                (
                    "antall_svar",
                    "respondenter",
                    "svar",
                    "besvarelser",
                    "antal_svar",
                    "svarande",
                    "respondents",
                ),
            ),
            Column(
                "mean_score",
                "number",
                (
                    "snitt",
                    "gjennomsnitt",
                    "snittscore",
                    "resultat",
                    "medel",
                    "medelvarde",
                    "mean_score",
                ),
            ),
            Column(
                "scale_max",
                "int",
                ("skala", "skala_maks", "skala_max", "scale_max"),
                required=False,
            ),
        ),
        key=("unit_id", "year", "question"),
        scale=scale,
        extra_columns=tuple(f"andel_{n}" for n in range(1, scale + 1)),
    )


USER_SURVEY = _survey("user_survey", "Brukerundersøkelse (skala 1-6)", 6)
EMPLOYEE_SURVEY = _survey("employee_survey", "Medarbeiderundersøkelse (skala 1-5)", 5)

SURVEY_PLAN = Kind(
    "survey_plan",
    "Plan for undersøkelser",
    (
        SERVICE_AREA,
        Column("survey", "text", ("undersokelse", "undersokning", "survey")),
        Column("survey_kind", "text", ("type", "slag", "survey_kind")),
        Column("year", "year", ("ar", "aar", "year")),
    ),
    key=("service_area", "survey", "year"),
    needs_known_unit=False,
)

MEASURE_ALIASES = (
    "maltall", "maltall_id", "mal_id", "egen_indikator", "indikator_id", "matt", "measure",
)  # fmt: skip

# Any figure a unit measures itself ("andel vedtak innen frist", "åpningstimer"), so a målekart
# can hold it without a code change. A numerator and denominator let an area's figure be summed
# from its units; respondents or employees let a small unit's figure be hidden.
OWN_MEASURE = Kind(
    "own_measure",
    "Egne måltall per enhet og periode",
    (
        UNIT_ID,
        UNIT_NAME,
        Column(
            "measure",
            "text",
            MEASURE_ALIASES,
        ),
        Column("period", "period_or_year", ("periode", "period", "ar", "aar", "kvartal", "maned")),
        Column("value", "number", ("verdi", "varde", "value")),
        Column("numerator", "number", ("teller", "taljare", "numerator"), required=False),
        Column("denominator", "number", ("nevner", "namnare", "denominator"), required=False),
        Column(
            "respondents",
            "int",
            ("antall_svar", "respondenter", "antal_svar", "svarande", "respondents"),
            required=False,
        ),
        Column(
            "employees",
            "int",
            ("ansatte", "antall_ansatte", "anstallda", "antal_anstallda", "employees"),
            required=False,
        ),
    ),
    key=("unit_id", "measure", "period"),
    signature=("measure", "value"),
)

KINDS: dict[str, Kind] = {
    k.name: k for k in (UNITS, SICK_LEAVE, USER_SURVEY, EMPLOYEE_SURVEY, SURVEY_PLAN, OWN_MEASURE)
}

# Words in a file name that say its kind when the headers alone cannot (the two survey kinds
# share their columns).
NAME_HINTS = {
    "user_survey": ("bruker", "user", "brukar"),
    "employee_survey": ("medarbeider", "employee", "10_faktor", "10faktor", "medarbetar"),
    "sick_leave": ("sykefravaer", "fravaer", "sjukfranvaro", "sick"),
    "units": ("enheter", "units", "enhetsliste"),
    "survey_plan": ("plan",),
    "own_measure": ("maltall", "egne", "own"),
}
