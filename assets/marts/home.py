"""Mart: the home municipality as every output names it."""

from assets.core.regions import core_region__codes
from assets.core.settings import core_settings__home, core_settings__peer_sets
from assets.sql_model import sql_model

mart_home = sql_model(
    "marts/mart_home.sql",
    deps=[core_settings__home, core_settings__peer_sets, core_region__codes],
    description="The home municipality's country, code and current name, the study years, and "
    "the network whose challenge note it answers",
)
