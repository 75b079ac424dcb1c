-- mart_local__survey_plan: each planned survey (local_raw.survey_plan) with its status from the
-- imported survey files: conducted (results for that kind of survey, year and service area, or
-- any area for 'alle'), not yet due (the plan's year has not ended), overdue (it has, and no
-- results came); and results that no plan row covers: conducted without a plan.
CREATE OR REPLACE TABLE mart_local__survey_plan AS
WITH conducted AS (
    SELECT DISTINCT s.survey_kind, u.service_area, s.year
    FROM (
        SELECT 'bruker' AS survey_kind, unit_id, year FROM local_raw.user_survey WHERE is_current
        UNION ALL
        SELECT 'medarbeider', unit_id, year FROM local_raw.employee_survey WHERE is_current
    ) AS s
    JOIN current_units AS u USING (unit_id)
),
plan AS (
    SELECT
        service_area,
        survey,
        CASE lower(survey_kind) WHEN 'user' THEN 'bruker' WHEN 'employee' THEN 'medarbeider'
            ELSE lower(survey_kind) END AS survey_kind,
        year
    FROM local_raw.survey_plan
    WHERE is_current
),
planned AS (
    SELECT
        p.service_area,
        p.survey,
        p.survey_kind,
        p.year,
        CASE
            WHEN EXISTS (
                SELECT 1 FROM conducted AS c
                WHERE c.survey_kind = p.survey_kind AND c.year = p.year
                    AND (p.service_area = 'alle' OR c.service_area = p.service_area)
            ) THEN 'conducted'
            WHEN p.year >= year(current_date) THEN 'not yet due'
            ELSE 'overdue'
        END AS status
    FROM plan AS p
),
unplanned AS (
    SELECT c.service_area, NULL AS survey, c.survey_kind, c.year, 'conducted without a plan'
    FROM conducted AS c
    WHERE NOT EXISTS (
        SELECT 1 FROM plan AS p
        WHERE p.survey_kind = c.survey_kind AND p.year = c.year
            AND (p.service_area = 'alle' OR p.service_area = c.service_area)
    )
)
SELECT *, year(current_date) AS as_of_year FROM planned
UNION ALL
SELECT *, year(current_date) FROM unplanned;

COMMENT ON TABLE mart_local__survey_plan IS
    'Planned user and employee surveys with their status from the imported results: conducted, not yet due, overdue, or conducted without a plan.';
COMMENT ON COLUMN mart_local__survey_plan.status IS
    'conducted / not yet due (the plan year has not ended) / overdue / conducted without a plan.';
COMMENT ON COLUMN mart_local__survey_plan.as_of_year IS
    'The year the status was judged in (the refresh''s date): a plan for an earlier year without results is overdue.';
