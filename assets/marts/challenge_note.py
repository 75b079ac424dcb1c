"""The ASSS challenge note's rows as a mart: the note document only lays them out."""

from assets.marts.comparisons import mart_comparisons
from assets.marts.expenditure_need import mart_expenditure_need
from assets.marts.home import mart_home
from assets.sql_model import sql_model

mart_challenge_note = sql_model(
    "marts/mart_challenge_note.sql",
    # core_challenge_answers is written by the reports module (it imports the note's answers)
    deps=[mart_comparisons, mart_expenditure_need, mart_home, "core_challenge_answers"],
    description="Per year and service area, the nøkkeltall furthest from the ASSS average, with "
    "the trend against ASSS, the need-adjusted mer-/mindreforbruk and last year's answer",
    count_by="year",
)
