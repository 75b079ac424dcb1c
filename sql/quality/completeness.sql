-- Completeness: each indicator listed in the catalog (not KPI-group members, which Kolada may
-- not fill), every year between its first and last year with data, counts regions with a value.
WITH listed AS (
    SELECT indicator_id FROM core_catalog__indicators WHERE kpi_group IS NULL
),
span AS (
    SELECT indicator_id, min(year) AS first_year, max(year) AS last_year
    FROM core_indicator_values WHERE value IS NOT NULL GROUP BY 1
),
grid AS (
    SELECT l.indicator_id, y.year
    FROM listed AS l
    JOIN span AS s USING (indicator_id)
    CROSS JOIN (SELECT DISTINCT year FROM core_indicator_values) AS y
    WHERE y.year BETWEEN s.first_year AND s.last_year
)
SELECT g.indicator_id, g.year, count(v.value) AS regions_with_value
FROM grid AS g
LEFT JOIN core_indicator_values AS v USING (indicator_id, year)
GROUP BY ALL
