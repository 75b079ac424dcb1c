"""The ASSS challenge note's rows as a mart: the note document only lays them out."""

from assets.sql_model import sql_model

mart_challenge_note = sql_model(
    "marts/mart_challenge_note.sql",
    description="Per year and service area, the nøkkeltall furthest from the ASSS average, with "
    "the trend against ASSS, the need-adjusted mer-/mindreforbruk and last year's answer",
    count_by="year",
)
