-- mart_local__own_measures: the figures units measure themselves (import kind own_measure), per
-- unit and per service area, safe to show. A unit's figure is hidden when it names fewer
-- employees than ${min_employees} or fewer respondents than ${min_respondents} (privacy_rules.sql);
-- a figure that names neither is about cases, not people, and is shown.
-- An area's figure is summed, never averaged from averages: sum of numerators / sum of
-- denominators where every unit gives them; else weighted by employees or respondents where every
-- unit gives them; else it is not made, and `aggregation` says why.
-- One granularity per unit, measure and year, as for sick leave: its quarters if it gave any,
-- else its months, else the year; the rest is hidden and left out of the areas (a year minus three
-- shown quarters, or a quarter minus two shown months, would give a hidden one away).
CREATE OR REPLACE TABLE mart_local__own_measures AS
WITH facts AS (
    SELECT
        m.unit_id,
        coalesce(u.unit_name, m.unit_name) AS unit_name,
        u.service_area,
        m.measure,
        m.period,
        m.value,
        m.numerator,
        m.denominator,
        -- a percentage is 100 x numerator / denominator; a plain ratio is numerator / denominator
        CASE WHEN m.denominator > 0
            AND abs(m.value - 100 * m.numerator / m.denominator)
                < abs(m.value - m.numerator / m.denominator)
            THEN 100 ELSE 1 END AS scale,
        CAST(coalesce(m.employees, m.respondents) AS BIGINT) AS size,
        CASE
            WHEN m.employees IS NOT NULL
                THEN unit_hidden_by(m.employees, ${min_employees})
            WHEN m.respondents IS NOT NULL
                THEN unit_hidden_by(m.respondents, ${min_respondents})
        END AS size_hidden_by,
        CASE WHEN m.employees IS NOT NULL THEN ${min_employees}
             WHEN m.respondents IS NOT NULL THEN ${min_respondents} END AS minimum,
        CASE WHEN m.employees IS NOT NULL THEN 'min_employees'
             WHEN m.respondents IS NOT NULL THEN 'min_respondents' END AS rule,
        CASE WHEN m.period LIKE '%K%' THEN 1 WHEN m.period LIKE '%M%' THEN 2 ELSE 3 END AS grain,
        left(m.period, 4) AS year,
        m.vintage
    FROM local_raw.own_measure AS m
    LEFT JOIN current_units AS u USING (unit_id)
    WHERE m.is_current
),
one_granularity AS (
    SELECT
        * EXCLUDE (size_hidden_by),
        grain > min(grain) OVER (PARTITION BY unit_id, measure, year) AS other_granularity,
        CASE min(grain) OVER (PARTITION BY unit_id, measure, year)
            WHEN 1 THEN 'quarters_shown'
            WHEN 2 THEN 'months_shown'
        END AS granularity_rule,
        size_hidden_by
    FROM facts
),
shown AS (
    SELECT
        * EXCLUDE (size_hidden_by, granularity_rule),
        CASE WHEN other_granularity THEN granularity_rule ELSE size_hidden_by END AS suppressed_by,
        size_hidden_by
    FROM one_granularity
),
units AS (
    SELECT
        'unit' AS level, unit_id, unit_name, service_area, measure, period, value, numerator,
        denominator, size, suppressed_by, rule, minimum, 'reported by the unit' AS aggregation,
        vintage
    FROM shown
),
areas AS (
    SELECT
        'service_area' AS level,
        NULL AS unit_id,
        NULL AS unit_name,
        service_area,
        measure,
        period,
        CASE
            WHEN count(denominator) = count(*)
                THEN max(scale) * sum(numerator) / sum(denominator)
            WHEN count(size) = count(*) AND sum(size) > 0
                THEN sum(value * size) / sum(size)
        END AS value,
        CASE WHEN count(denominator) = count(*) THEN sum(numerator) END AS numerator,
        CASE WHEN count(denominator) = count(*) THEN sum(denominator) END AS denominator,
        CASE WHEN count(size) = count(*) THEN sum(size) END AS size,
        CASE WHEN count(size) > 0 THEN area_hidden_by(
            count(*), count(*) FILTER (WHERE size_hidden_by IS NOT NULL), sum(size), max(size),
            max(minimum)
        ) END AS suppressed_by,
        max(rule) AS rule,
        max(minimum) AS minimum,
        CASE
            WHEN count(denominator) = count(*) THEN 'sum of numerators / sum of denominators'
            WHEN count(size) = count(*) AND sum(size) > 0 THEN 'weighted by employees or respondents'
            ELSE 'not aggregable: the units give no numerator/denominator or size'
        END AS aggregation,
        max(vintage) AS vintage
    FROM shown
    WHERE service_area IS NOT NULL AND NOT other_granularity
    GROUP BY service_area, measure, period
),
combined AS (SELECT * FROM units UNION ALL SELECT * FROM areas)
SELECT
    level, unit_id, unit_name, service_area, measure, period,
    CASE WHEN suppressed_by IS NULL THEN value END AS value,
    CASE WHEN suppressed_by IS NULL THEN numerator END AS numerator,
    CASE WHEN suppressed_by IS NULL THEN denominator END AS denominator,
    CASE WHEN suppressed_by IS NULL THEN size END AS size,
    suppressed_by,
    suppression_setting(suppressed_by, rule) AS suppression_setting,
    suppression_threshold(suppressed_by, minimum) AS suppression_threshold,
    aggregation,
    vintage
FROM combined;

COMMENT ON TABLE mart_local__own_measures IS
    'Own measures per unit and service area (import kind own_measure); small units hidden (suppressed_by says why); area figures summed from numerators and denominators or weighted by size, never averaged.';
COMMENT ON COLUMN mart_local__own_measures.suppressed_by IS
    'The privacy rule that hid this row''s figures (unit_below_minimum, area_unit_hidden, area_fewer_than_3_units, area_one_unit_dominant, quarters_shown, months_shown), or NULL when they are shown.';
COMMENT ON COLUMN mart_local__own_measures.aggregation IS
    'How the figure was made: reported by the unit, summed from numerators/denominators, weighted by size, or not aggregable (why).';
