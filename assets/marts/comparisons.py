"""Marts: what dashboards, reports and notebooks read."""

from assets.sql_checks import sql_check
from assets.sql_model import sql_model

mart_peer_values = sql_model(
    "marts/mart_peer_values.sql",
    description="The home's and every peer-set member's value per release, peer set, indicator "
    "and year, ranked (nøkkeltall): what comparisons and ranked bars rest on",
    count_by="peer_set",
)


mart_comparisons = sql_model(
    "marts/mart_comparisons.sql",
    description="Home municipality against each peer set per indicator and year: published or "
    "computed peer figure, gap, whether it is good, rank, percentile, 3-year trend",
    count_by="peer_set",
)


mart_comparisons_has_home = sql_check(
    mart_comparisons,
    "mart_comparisons_has_home",
    blocking=True,
    description="The home municipality has at least one comparison with a peer value.",
    problem="{examples}",
)
