-- A hidden own figure must stay hidden in the målekart: a suppressed row has no value, and no
-- unit shows a sick-leave figure for a year one of its periods is hidden in (a granularity left
-- out because the other is shown is not hidden).
SELECT 'a hidden figure has a value: ' || coalesce(unit_id, service_area, 'kommune') || ' '
    || indicator_id || ' ' || period AS problem
FROM mart_malekart
WHERE status_reason = 'suppressed' AND (value IS NOT NULL OR previous_value IS NOT NULL)
UNION ALL
SELECT 'unit ' || m.unit_id || ' shows sick leave for ' || m.period || ' though hidden there'
FROM mart_malekart AS m
WHERE m.level = 'enhet' AND m.measure_kind = 'sick_leave' AND m.value IS NOT NULL
    AND EXISTS (
        SELECT 1 FROM mart_local__sick_leave AS s
        WHERE s.level = 'unit' AND s.unit_id = m.unit_id
            AND left(s.period, 4) = CAST(m.year AS VARCHAR)
            AND s.suppressed_by IS NOT NULL
            AND s.suppressed_by NOT IN ('quarters_shown', 'months_shown')
    );
