-- No survey result of a unit under the respondents threshold is visible, and a suppressed row
-- shows neither result nor count.
SELECT coalesce(unit_id, service_area) || ' ' || year || ' ' || question AS problem
FROM mart_local__surveys
WHERE (suppressed_by IS NULL AND respondents < ${min_respondents})
    OR (suppressed_by IS NOT NULL AND (mean_score IS NOT NULL OR respondents IS NOT NULL));
