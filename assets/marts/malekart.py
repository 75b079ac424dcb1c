"""Mart: the målekart, every target with its result, colour and reason."""

from assets.marts.comparisons import mart_comparisons
from assets.marts.local import (
    mart_local__own_measures,
    mart_local__sick_leave,
    mart_local__survey_plan,
    mart_local__surveys,
)
from assets.marts.scorecard import core_targets
from assets.sql_model import sql_model

mart_malekart = sql_model(
    "marts/mart_malekart.sql",
    deps=[
        core_targets,
        mart_comparisons,
        mart_local__sick_leave,
        mart_local__surveys,
        mart_local__own_measures,
        mart_local__survey_plan,
    ],
    description="The målekart: each target per level, unit or area, indicator and period with "
    "result, target, tolerance, status (green, amber, red, grey) and its reason",
    count_by="status",
)
