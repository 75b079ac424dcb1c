"""The KOSTRA quality worklist: the home's own figures of the newest release that look wrong."""

from assets.sql_model import sql_model

mart_kostra_kvalitet = sql_model(
    "marts/mart_kostra_kvalitet.sql",
    description="The home's figures of the newest unrevised release (15 March) that look like "
    "reporting errors, per rule with the numbers behind it, how sure the flag is and the service "
    "area responsible; after 15 June whether SSB revised each one",
    count_by="service_area",
)
