-- mart_local__sick_leave: sick-leave rates per unit and per service area, safe to show.
-- Primary rule: a unit (or area) with fewer than ${min_employees} employees shows no figures.
-- Secondary rule: when exactly one unit of an area and period is hidden, the next smallest unit
-- is hidden too, or the area total minus the visible units would reveal it.
CREATE OR REPLACE TABLE mart_local__sick_leave AS
WITH current_units AS (
    SELECT unit_id, unit_name, service_area FROM local_raw.units WHERE is_current
),
facts AS (
    SELECT
        s.unit_id,
        coalesce(u.unit_name, s.unit_name) AS unit_name,
        u.service_area,
        s.period,
        s.employees,
        s.contracted_days,
        s.self_certified_days,
        s.doctor_certified_days,
        s.vintage,
        s.file
    FROM local_raw.sick_leave AS s
    LEFT JOIN current_units AS u USING (unit_id)
    WHERE s.is_current
),
primary_rule AS (
    SELECT
        *,
        employees < ${min_employees} AS hidden_primary,
        count(*) FILTER (WHERE employees < ${min_employees})
            OVER (PARTITION BY service_area, period) AS hidden_in_area,
        row_number() OVER (
            PARTITION BY service_area, period, employees < ${min_employees}
            ORDER BY employees, unit_id
        ) AS size_rank
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
            WHEN hidden_primary
                THEN 'sick_leave_min_employees=${min_employees}: ' || employees || ' employees'
            WHEN hidden_in_area = 1 AND size_rank = 1
                THEN 'secondary: protects a hidden unit in the same service area and period'
        END AS suppressed_by,
        employees,
        contracted_days,
        self_certified_days,
        doctor_certified_days,
        vintage
    FROM primary_rule
),
areas AS (
    SELECT
        'service_area' AS level,
        NULL AS unit_id,
        NULL AS unit_name,
        service_area,
        period,
        CASE WHEN sum(employees) < ${min_employees}
            THEN 'sick_leave_min_employees=${min_employees}: ' || sum(employees) || ' employees'
        END AS suppressed_by,
        CAST(sum(employees) AS BIGINT) AS employees,
        sum(contracted_days) AS contracted_days,
        sum(self_certified_days) AS self_certified_days,
        sum(doctor_certified_days) AS doctor_certified_days,
        max(vintage) AS vintage
    FROM facts
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
    vintage
FROM combined;

COMMENT ON TABLE mart_local__sick_leave IS
    'Sick leave per unit and service area, percent of contracted days; small units hidden (suppressed_by says why). Source: the municipality''s own HR export.';
COMMENT ON COLUMN mart_local__sick_leave.sick_leave_rate IS
    'Absence days (self- plus doctor-certified) / contracted days x 100; NULL when suppressed.';
COMMENT ON COLUMN mart_local__sick_leave.suppressed_by IS
    'The privacy rule that hid this row''s figures, or NULL when they are shown.';
