-- mart_local__sick_leave: sick-leave rates per unit and per service area, safe to show.
-- The rules are sql/marts/privacy_rules.sql: a unit under ${min_employees} employees is hidden,
-- and so is an area total a unit of which is hidden, with fewer than three units, or with one
-- unit holding all but fewer than ${min_employees}. One granularity per unit and year: when a
-- unit has quarters for a year its months are not shown (a quarter minus two shown months would
-- give the third away).
CREATE OR REPLACE TABLE mart_local__sick_leave AS
WITH facts AS (
    SELECT
        s.unit_id,
        coalesce(u.unit_name, s.unit_name) AS unit_name,
        u.service_area,
        s.period,
        left(s.period, 4) AS year,
        s.period LIKE '%K%' AS is_quarter,
        s.employees,
        s.contracted_days,
        s.self_certified_days,
        s.doctor_certified_days,
        s.vintage
    FROM local_raw.sick_leave AS s
    LEFT JOIN current_units AS u USING (unit_id)
    WHERE s.is_current
),
one_granularity AS (
    SELECT
        *,
        NOT is_quarter AND bool_or(is_quarter) OVER (PARTITION BY unit_id, year) AS other_granularity
    FROM facts
),
units AS (
    SELECT
        'unit' AS level,
        unit_id,
        unit_name,
        service_area,
        period,
        CASE
            WHEN other_granularity THEN 'quarters_shown'
            ELSE unit_hidden_by(employees, ${min_employees})
        END AS suppressed_by,
        employees,
        contracted_days,
        self_certified_days,
        doctor_certified_days,
        vintage
    FROM one_granularity
),
areas AS (
    SELECT
        'service_area' AS level,
        NULL AS unit_id,
        NULL AS unit_name,
        service_area,
        period,
        area_hidden_by(
            count(*), count(*) FILTER (WHERE employees < ${min_employees}), sum(employees),
            max(employees), ${min_employees}
        ) AS suppressed_by,
        CAST(sum(employees) AS BIGINT) AS employees,
        sum(contracted_days) AS contracted_days,
        sum(self_certified_days) AS self_certified_days,
        sum(doctor_certified_days) AS doctor_certified_days,
        max(vintage) AS vintage
    FROM one_granularity
    WHERE NOT other_granularity
    GROUP BY service_area, period
),
combined AS (SELECT * FROM units UNION ALL SELECT * FROM areas)
SELECT
    level,
    unit_id,
    unit_name,
    service_area,
    period,
    CASE WHEN suppressed_by IS NULL THEN employees END AS employees,
    CASE WHEN suppressed_by IS NULL THEN contracted_days END AS contracted_days,
    CASE WHEN suppressed_by IS NULL
        THEN round(100 * (self_certified_days + doctor_certified_days) / contracted_days, 2)
    END AS sick_leave_rate,
    CASE WHEN suppressed_by IS NULL
        THEN round(100 * self_certified_days / contracted_days, 2)
    END AS self_certified_rate,
    CASE WHEN suppressed_by IS NULL
        THEN round(100 * doctor_certified_days / contracted_days, 2)
    END AS doctor_certified_rate,
    suppressed_by,
    suppression_setting(suppressed_by, 'sick_leave_min_employees') AS suppression_setting,
    suppression_threshold(suppressed_by, ${min_employees}) AS suppression_threshold,
    vintage
FROM combined;

COMMENT ON TABLE mart_local__sick_leave IS
    'Sick leave per unit and service area, percent of contracted days; small units hidden (suppressed_by says why). Source: the municipality''s own HR export.';
COMMENT ON COLUMN mart_local__sick_leave.sick_leave_rate IS
    'Absence days (self- plus doctor-certified) / contracted days x 100; NULL when suppressed.';
COMMENT ON COLUMN mart_local__sick_leave.suppressed_by IS
    'The privacy rule that hid this row''s figures (unit_below_minimum, area_unit_hidden, area_fewer_than_3_units, area_one_unit_dominant, quarters_shown), or NULL when they are shown.';
