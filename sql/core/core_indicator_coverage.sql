-- core_indicator_coverage: per indicator and study year, what the source delivered (the current
-- version of every decoded response, raw_*) against what reached core_indicator_values.
--   lost_or_changed: delivered cells that are missing from core, or there with another value or
--                    status; unexpected: cells in core that the source did not deliver. Either is
--                    the warehouse's fault and blocks the publish.
--   coverage: 'measured' (the source has values), 'source_gap' (the source has no value for any
--             region that year: biennial surveys, a KPI not yet started or discontinued, a year
--             not published yet; it is recorded and shown, never an error), 'load_gap'.
CREATE OR REPLACE TABLE core_indicator_coverage AS
WITH settings AS (SELECT first_year, last_year FROM core_settings__home),
delivered AS (
    SELECT c.indicator_id, r.region_code, CAST(r.period AS INTEGER) AS year, 'T' AS gender,
           r.value, r.status
    FROM raw_ssb__kostra_values AS r
    JOIN core_catalog__indicators AS c
        ON c.source = 'ssb' AND c.table_id = r.table_id AND c.contents_code = r.contents_code
        AND c.fixed = r.fixed
    WHERE r.is_current
    UNION ALL
    SELECT c.indicator_id, k.municipality, k.period, k.gender, k.value, nullif(k.status, '')
    FROM raw_kolada__values AS k
    JOIN core_catalog__indicators AS c ON c.source = 'kolada' AND c.kpi = k.kpi
    WHERE k.is_current AND NOT k.isdeleted
),
-- a cell is one row on each side (raw: one current version per cell, checked by pandera; core:
-- one row per indicator, region, year and gender, checked by Great Expectations), so one full
-- join on the cell's key finds, in a single pass over each side, the cells one side has and the
-- other has not, or has otherwise
cells AS (
    SELECT
        coalesce(d.indicator_id, l.indicator_id) AS indicator_id,
        coalesce(d.year, l.year) AS year,
        d.indicator_id IS NOT NULL AS is_delivered,
        d.value IS NOT NULL AS delivered_value,
        l.value IS NOT NULL AS loaded_value,
        l.indicator_id IS NOT NULL AS is_loaded,
        d.value IS DISTINCT FROM l.value OR d.status IS DISTINCT FROM l.status AS differs
    FROM delivered AS d
    FULL JOIN core_indicator_values AS l
        ON d.indicator_id = l.indicator_id AND d.region_code = l.region_code
        AND d.year = l.year AND d.gender = l.gender
),
per_year AS (
    SELECT
        indicator_id,
        year,
        count(*) FILTER (WHERE is_delivered) AS delivered_cells,
        count(*) FILTER (WHERE delivered_value) AS delivered_values,
        count(*) FILTER (WHERE loaded_value) AS loaded_values,
        count(*) FILTER (WHERE is_delivered AND (NOT is_loaded OR differs)) AS lost_or_changed,
        count(*) FILTER (WHERE is_loaded AND (NOT is_delivered OR differs)) AS unexpected
    FROM cells
    GROUP BY ALL
),
-- a population counted at 1.1 is also fetched for the year after the last (the last year's
-- 31.12 population): that year is checked for those series only, not asked of every indicator
population_counts AS (
    SELECT indicator_id FROM core_catalog__indicators WHERE population_at IS NOT NULL
),
years AS (
    SELECT y.year FROM settings, generate_series(settings.first_year, settings.last_year) AS y(year)
    UNION
    SELECT year FROM per_year
    WHERE indicator_id NOT IN (SELECT indicator_id FROM population_counts)
),
grid AS (
    SELECT c.indicator_id, c.source, y.year FROM core_catalog__indicators AS c, years AS y
    WHERE c.source <> 'derived'  -- computed here from their parts, not delivered by a source
    UNION
    SELECT c.indicator_id, c.source, p.year
    FROM per_year AS p
    JOIN core_catalog__indicators AS c USING (indicator_id)
    WHERE c.source <> 'derived'
),
counts AS (
    SELECT
        g.indicator_id, g.source, g.year,
        coalesce(p.delivered_cells, 0) AS delivered_cells,
        coalesce(p.delivered_values, 0) AS delivered_values,
        coalesce(p.loaded_values, 0) AS loaded_values,
        coalesce(p.lost_or_changed, 0) AS lost_or_changed,
        coalesce(p.unexpected, 0) AS unexpected
    FROM grid AS g
    LEFT JOIN per_year AS p USING (indicator_id, year)
),
spans AS (
    SELECT indicator_id, min(year) FILTER (WHERE delivered_values > 0) AS first_measured,
           max(year) FILTER (WHERE delivered_values > 0) AS last_measured
    FROM counts GROUP BY indicator_id
)
SELECT
    c.indicator_id, c.source, c.year, c.delivered_cells, c.delivered_values, c.loaded_values,
    c.lost_or_changed, c.unexpected,
    CASE
        WHEN c.lost_or_changed > 0 OR c.unexpected > 0 THEN 'load_gap'
        WHEN c.delivered_values = 0 THEN 'source_gap'
        ELSE 'measured'
    END AS coverage,
    CASE
        WHEN c.lost_or_changed > 0 OR c.unexpected > 0
            THEN c.lost_or_changed || ' delivered value(s) lost or changed, ' || c.unexpected
                 || ' not delivered'
        WHEN c.delivered_values > 0 THEN NULL
        WHEN s.first_measured IS NULL THEN 'no value from the source in any study year'
        WHEN c.year < s.first_measured
            THEN 'not measured before ' || s.first_measured
        WHEN c.year > s.last_measured
            THEN 'no value after ' || s.last_measured || ' (not published yet, or discontinued)'
        ELSE 'not measured this year (the source has no value for any region)'
    END AS note
FROM counts AS c
JOIN spans AS s USING (indicator_id);

COMMENT ON TABLE core_indicator_coverage IS
    'Per indicator and study year: values the source delivered against values in core_indicator_values; source gaps (not measured that year) are recorded, load gaps block the publish.';
COMMENT ON COLUMN core_indicator_coverage.coverage IS
    'measured | source_gap (the source has no value for any region that year) | load_gap (the warehouse lost, changed or added values).';
COMMENT ON COLUMN core_indicator_coverage.note IS
    'Why a year has no values (not measured that year, before the first or after the last measurement), or what was lost.';
