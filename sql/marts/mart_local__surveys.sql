-- mart_local__surveys: user and employee survey results per unit and service area, safe to show.
-- The rules are sql/marts/privacy_rules.sql: fewer than ${min_respondents} respondents hides a
-- unit's result, and an area result is hidden when a unit in it is hidden, fewer than three
-- units answered, or one unit holds all but fewer than ${min_respondents} respondents.
CREATE OR REPLACE TABLE mart_local__surveys AS
WITH facts AS (
    SELECT 'bruker' AS survey_kind, unit_id, unit_name, year, question, respondents,
        mean_score, scale_max, vintage
    FROM local_raw.user_survey WHERE is_current
    UNION ALL
    SELECT 'medarbeider', unit_id, unit_name, year, question, respondents, mean_score,
        scale_max, vintage
    FROM local_raw.employee_survey WHERE is_current
),
with_area AS (
    SELECT f.* REPLACE (coalesce(u.unit_name, f.unit_name) AS unit_name), u.service_area
    FROM facts AS f LEFT JOIN current_units AS u USING (unit_id)
),
units AS (
    SELECT
        'unit' AS level, survey_kind, unit_id, unit_name, service_area, year, question,
        unit_hidden_by(respondents, ${min_respondents}) AS suppressed_by,
        respondents, mean_score, scale_max, vintage
    FROM with_area
),
areas AS (
    SELECT
        'service_area', survey_kind, NULL, NULL, service_area, year, question,
        area_hidden_by(
            count(*), count(*) FILTER (WHERE respondents < ${min_respondents}),
            sum(respondents), max(respondents), ${min_respondents}
        ),
        CAST(sum(respondents) AS BIGINT),
        sum(mean_score * respondents) / nullif(sum(respondents), 0),
        max(scale_max),
        max(vintage)
    FROM with_area
    GROUP BY survey_kind, service_area, year, question
),
combined AS (SELECT * FROM units UNION ALL SELECT * FROM areas)
SELECT
    level, survey_kind, unit_id, unit_name, service_area, year, question,
    CASE WHEN suppressed_by IS NULL THEN respondents END AS respondents,
    CASE WHEN suppressed_by IS NULL THEN round(mean_score, 2) END AS mean_score,
    scale_max,
    suppressed_by,
    suppression_setting(suppressed_by, 'survey_min_respondents') AS suppression_setting,
    suppression_threshold(suppressed_by, ${min_respondents}) AS suppression_threshold,
    vintage
FROM combined;

COMMENT ON TABLE mart_local__surveys IS
    'User (bruker, 1-6) and employee (medarbeider, 1-5) survey results per unit and service area; few respondents hidden (suppressed_by says why). Area means are weighted by respondents.';
COMMENT ON COLUMN mart_local__surveys.suppressed_by IS
    'The privacy rule that hid this row''s figures (unit_below_minimum, area_unit_hidden, area_fewer_than_3_units, area_one_unit_dominant), or NULL when they are shown.';
