-- Kolada KPI-group members with no direction decided in the catalog: shown as neutral until
-- someone decides (a KPI Kolada added to the group later).
SELECT kpi || ' (' || label || ')' AS problem
FROM core_catalog__indicators
WHERE direction_note LIKE 'undecided%'
ORDER BY kpi;
