-- The fact table for the GX suite, with each value checked against the catalog's range.
SELECT
    v.indicator_id, v.country, v.region_code, v.year, v.gender, v.vintage, v.status, v.value,
    (v.value IS NULL
     OR (c.valid_min IS NULL OR v.value >= c.valid_min)
        AND (c.valid_max IS NULL OR v.value <= c.valid_max)) AS within_catalog_range
FROM core_indicator_values AS v
JOIN core_catalog__indicators AS c USING (indicator_id)
