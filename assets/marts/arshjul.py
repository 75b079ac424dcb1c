"""The KOSTRA year (årshjul) as dated milestones: what the year page and arshjul.ics show."""

from assets.sql_model import sql_model

mart_arshjul = sql_model(
    "marts/mart_arshjul.sql",
    description="The årshjul's milestones and the målekart's dated measurements, this calendar "
    "year and the next, with who answers for each",
)
