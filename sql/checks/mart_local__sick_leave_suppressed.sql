-- No figure of a unit under the employees threshold is visible, and a suppressed row shows
-- neither figure nor size.
SELECT coalesce(unit_id, service_area) || ' ' || period AS problem
FROM mart_local__sick_leave
WHERE (suppressed_by IS NULL AND employees < ${min_employees})
    OR (suppressed_by IS NOT NULL AND (sick_leave_rate IS NOT NULL OR employees IS NOT NULL));
