-- Catalog indicators (not KPI-group members, not derived) with no value in any study year: the
-- source's gap or a wrong catalog entry.
SELECT c.indicator_id AS problem
FROM core_catalog__indicators AS c
LEFT JOIN core_indicator_values AS v USING (indicator_id)
WHERE c.source <> 'derived' AND c.kpi_group IS NULL
GROUP BY c.indicator_id
HAVING count(v.value) = 0
ORDER BY 1;
