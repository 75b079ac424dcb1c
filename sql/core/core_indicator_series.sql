-- core_indicator_series: one continuous series per indicator and TODAY's municipality.
-- A year's value comes from the code(s) that were valid then and became today's code
-- (core_region__lineage): a renumbering carries the value over (Bærum 0219 > 3024 > 3201); a
-- merger sums the parts only when the indicator is additive (catalog), otherwise the year stays
-- missing and `harmonisation` says why; a split cannot be attributed and stays missing.
-- The same model builds today's series (${target} = core_indicator_series, from
-- core_indicator_values) and the series of earlier releases where they differ
-- (core_indicator_series__asof, from the release views of the cells that changed since).
CREATE OR REPLACE TABLE ${target} AS
SELECT ${keep} FROM (
WITH lineage AS (
    -- how many codes ever became this municipality: with one, every group below has one part
    SELECT *, count(*) OVER (PARTITION BY country, current_code) AS n_codes
    FROM core_region__lineage
),
parts AS (
    SELECT v.*, l.current_code, l.current_codes, l.n_codes
    FROM ${values} AS v
    JOIN lineage AS l ON l.country = v.country AND l.code = v.region_code
    WHERE v.region_kind = 'municipality'
      -- a code takes part in a year only if it existed then ('.' = did not exist)
      AND NOT (v.value IS NULL AND coalesce(v.status, '') = '.')
      AND ${parts_filter}
),
grouped AS (
    -- municipalities made of several codes: the parts of a year are put together
    SELECT
        release,
        indicator_id,
        country,
        current_code,
        year,
        gender,
        count(*) AS n_parts,
        count(value) AS n_with_value,
        sum(value) AS summed,
        max(value) AS single_value,
        max(status) AS single_status,
        array_to_string(list_sort(list(region_code)), '+') AS from_codes,
        max(current_codes) AS split,
        max(vintage) AS vintage,
        max(source) AS source,
        max(unit) AS unit,
        max(provenance) AS provenance,
        bool_and(published) AS published
    FROM parts
    WHERE n_codes > 1
    GROUP BY ALL
    UNION ALL BY NAME
    -- the rest (most municipalities) have one part a year: the same columns without grouping
    SELECT
        release,
        indicator_id,
        country,
        current_code,
        year,
        gender,
        1 AS n_parts,
        CASE WHEN value IS NULL THEN 0 ELSE 1 END AS n_with_value,
        value AS summed,
        value AS single_value,
        status AS single_status,
        region_code AS from_codes,
        current_codes AS split,
        vintage,
        source,
        unit,
        provenance,
        published
    FROM parts
    WHERE n_codes = 1
)
SELECT
    g.release,
    g.indicator_id,
    g.source,
    g.country,
    g.current_code AS region_code,
    r.name AS region_label,
    g.year,
    g.gender,
    CASE
        WHEN g.split > 1 THEN NULL
        WHEN g.n_parts = 1 THEN g.single_value
        WHEN c.additive AND g.n_with_value = g.n_parts THEN g.summed
    END AS value,
    CASE WHEN g.n_parts = 1 AND g.split = 1 THEN g.single_status END AS status,
    g.unit,
    g.vintage,
    CASE
        WHEN NOT g.published THEN 'not published yet at release ' || g.release
        WHEN g.split > 1 THEN 'split: ' || g.from_codes || ' became several municipalities'
        WHEN g.n_parts = 1 AND g.from_codes = g.current_code THEN 'as published'
        WHEN g.n_parts = 1 THEN 'renumbered: published as ' || g.from_codes
        WHEN c.additive AND g.n_with_value = g.n_parts THEN 'sum of merged parts ' || g.from_codes
        WHEN c.additive THEN 'merged parts ' || g.from_codes || ': not all have a value'
        ELSE 'merged parts ' || g.from_codes || ': a ratio cannot be summed'
    END AS harmonisation,
    g.from_codes,
    g.provenance
FROM grouped AS g
JOIN core_catalog__indicators AS c USING (indicator_id)
LEFT JOIN core_region__codes AS r ON r.country = g.country AND r.code = g.current_code
);

COMMENT ON TABLE ${target} IS
    'Continuous series per indicator and today''s municipality across reforms (2018, 2020, 2024); harmonisation says how each year was made.';
COMMENT ON COLUMN ${target}.harmonisation IS
    'as published | renumbered | sum of merged parts (additive only) | why the year is missing.';
COMMENT ON COLUMN ${target}.from_codes IS
    'The code(s) the value was published under that year.';
