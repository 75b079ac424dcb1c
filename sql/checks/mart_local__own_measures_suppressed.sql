-- No own figure of a unit under its threshold is visible (the smaller of the two minimums: a
-- figure may be sized by employees or respondents), and a suppressed row shows neither figure
-- nor size.
SELECT coalesce(unit_id, service_area) || ' ' || measure || ' ' || period AS problem
FROM mart_local__own_measures
WHERE (suppressed_by IS NULL AND size < ${min_size})
    OR (suppressed_by IS NOT NULL AND (value IS NOT NULL OR size IS NOT NULL));
