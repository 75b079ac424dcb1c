"""Mart: the målekart, every target with its result, colour and reason."""

from assets.sql_checks import sql_check
from assets.sql_model import sql_model

mart_malekart__rejected = sql_model(
    "marts/mart_malekart__rejected.sql",
    description="The målekart rows left out: row, column, value and why, in the home's language",
)


mart_malekart__rejected_rows = sql_check(
    mart_malekart__rejected,
    "mart_malekart__rejected_rows",
    blocking=False,
    description="Målekart rows that could not be read (warning): named in the refresh summary "
    "and listed on the dashboards' page malekart-avviste-rader.html.",
    problem="målekart: {n} row(s) rejected ({examples}); see "
    "outputs/dashboards/malekart-avviste-rader.html",
)


mart_malekart = sql_model(
    "marts/mart_malekart.sql",
    description="The målekart: each target per level, unit or area, indicator and period with "
    "result, target, tolerance, status (green, amber, red, grey) and its reason",
    count_by="status",
)


mart_malekart_shows_no_hidden_figure = sql_check(
    mart_malekart,
    "mart_malekart_shows_no_hidden_figure",
    blocking=True,
    description="No hidden own figure reaches the målekart: a suppressed row has no value, and "
    "every own figure shown is one its suppressed mart shows too.",
    problem="{n} hidden figure(s) visible in the målekart: {examples}",
)


mart_tiltak = sql_model(
    "marts/mart_tiltak.sql",
    description="Every tiltak with its målekart row before and after: result, target, peer "
    "figure, whether it moved the right way; overdue tiltak and tiltak with no owner",
)
