-- mart_local__surveys: user and employee survey results per unit and service area, safe to show.
-- Primary rule: fewer than ${min_respondents} respondents shows no result. Secondary rule as for
-- sick leave: a lone hidden unit in an area takes the next smallest with it.
CREATE OR REPLACE TABLE mart_local__surveys AS
WITH current_units AS (
    SELECT unit_id, unit_name, service_area FROM local_raw.units WHERE is_current
),
facts AS (
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
primary_rule AS (
    SELECT
        *,
        respondents < ${min_respondents} AS hidden_primary,
        count(*) FILTER (WHERE respondents < ${min_respondents})
            OVER (PARTITION BY survey_kind, service_area, year, question) AS hidden_in_area,
        row_number() OVER (
            PARTITION BY survey_kind, service_area, year, question,
                respondents < ${min_respondents}
            ORDER BY respondents, unit_id
        ) AS size_rank
    FROM with_area
),
units AS (
    SELECT
        'unit' AS level, survey_kind, unit_id, unit_name, service_area, year, question,
        CASE
            WHEN hidden_primary
                THEN 'survey_min_respondents=${min_respondents}: ' || respondents || ' respondents'
            WHEN hidden_in_area = 1 AND size_rank = 1
                THEN 'secondary: protects a hidden unit in the same service area, year and question'
        END AS suppressed_by,
        respondents, mean_score, scale_max, vintage
    FROM primary_rule
),
areas AS (
    SELECT
        'service_area', survey_kind, NULL, NULL, service_area, year, question,
        CASE WHEN sum(respondents) < ${min_respondents}
            THEN 'survey_min_respondents=${min_respondents}: ' || sum(respondents) || ' respondents'
        END,
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
    vintage
FROM combined;

COMMENT ON TABLE mart_local__surveys IS
    'User (bruker, 1-6) and employee (medarbeider, 1-5) survey results per unit and service area; few respondents hidden (suppressed_by says why). Area means are weighted by respondents.';
COMMENT ON COLUMN mart_local__surveys.suppressed_by IS
    'The privacy rule that hid this row''s figures, or NULL when they are shown.';
