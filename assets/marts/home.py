"""Mart: the home municipality as every output names it."""

from assets.sql_model import sql_model

mart_home = sql_model(
    "marts/mart_home.sql",
    description="The home municipality's country, code and current name, the study years, and "
    "the network whose challenge note it answers",
)
