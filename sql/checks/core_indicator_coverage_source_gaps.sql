-- Years a source has no value for (biennial surveys, KPIs not yet started or discontinued,
-- releases not out yet), one row per indicator with its years.
SELECT indicator_id || ' ' || string_agg(year::VARCHAR, ', ' ORDER BY year) AS problem
FROM core_indicator_coverage
WHERE coverage = 'source_gap'
GROUP BY indicator_id
ORDER BY indicator_id;
