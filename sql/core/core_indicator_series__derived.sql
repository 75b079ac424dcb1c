-- Derived nøkkeltall: ratio_scale * numerator / denominator per today's municipality and year,
-- where SSB publishes no such figure (net spending per inhabitant in the target group, from
-- 12367 and the population of table 07459). The population is the one KOSTRA divides by: at 31.12
-- of the reporting year, i.e. 07459's count at 1.1 of the next year (denominator_year_offset = 1,
-- from the catalog's population_at; pipelines/settings/catalog.py year_offset). Both parts come from the continuous series, so a
-- merged municipality's figure is built from its summed parts. A year without both parts stays
-- missing and says which part is missing. Runs after core_indicator_series and the release view.
CREATE OR REPLACE TEMP MACRO _derived_provenance(a, b) AS
    CASE WHEN 'snapshot:synthetic' IN (a, b) THEN 'snapshot:synthetic'
         WHEN a = b THEN a
         ELSE a || '+' || b END;

-- which count the denominator is: the 31.12 population is 07459 at 1.1 of the next year
CREATE OR REPLACE TEMP MACRO _derived_when(year_offset, year) AS
    CASE WHEN year_offset = 1 THEN ' at 31.12.' || year || ' (1.1.' || (year + 1) || ')' ELSE '' END;

CREATE OR REPLACE TEMP TABLE _derived AS
SELECT
    n.release,
    c.indicator_id,
    'derived' AS source,
    n.country,
    n.region_code,
    n.region_label,
    n.year,
    n.gender,
    CASE WHEN d.value IS NOT NULL AND d.value <> 0
        THEN c.ratio_scale * n.value / d.value END AS value,
    CASE WHEN n.value IS NULL THEN coalesce(n.status, '..')
         WHEN d.value IS NULL THEN coalesce(d.status, '..') END AS status,
    c.unit,
    coalesce(greatest(n.vintage, d.vintage), n.vintage) AS vintage,
    CASE
        WHEN n.value IS NULL
            THEN 'derived: no ' || c.numerator || ' (' || coalesce(n.harmonisation, '') || ')'
        WHEN d.value IS NULL
            THEN 'derived: no ' || c.denominator || _derived_when(c.denominator_year_offset, n.year)
                 || ' (' || coalesce(d.harmonisation, 'no value that year') || ')'
        WHEN d.value = 0 THEN 'derived: ' || c.denominator || ' is 0'
        ELSE 'derived: ' || c.ratio_scale || ' x ' || c.numerator || ' / ' || c.denominator
             || _derived_when(c.denominator_year_offset, n.year)
    END AS harmonisation,
    n.from_codes,
    _derived_provenance(n.provenance, coalesce(d.provenance, n.provenance)) AS provenance
FROM core_catalog__indicators AS c
JOIN core_indicator_series__by_release AS n ON n.indicator_id = c.numerator
LEFT JOIN core_indicator_series__by_release AS d
    ON d.indicator_id = c.denominator AND d.release = n.release AND d.country = n.country
    AND d.region_code = n.region_code AND d.year = n.year + c.denominator_year_offset
    AND d.gender = n.gender
WHERE c.source = 'derived';

INSERT INTO core_indicator_series BY NAME
SELECT * EXCLUDE (release) FROM _derived WHERE release = 'latest';

-- an earlier release's derived figure is stored only where it differs from today's
INSERT INTO core_indicator_series__asof BY NAME
SELECT x.*
FROM _derived AS x
LEFT JOIN _derived AS l
    ON l.release = 'latest' AND l.indicator_id = x.indicator_id AND l.region_code = x.region_code
    AND l.year = x.year AND l.gender = x.gender
WHERE x.release <> 'latest'
  AND (x.value IS DISTINCT FROM l.value OR x.status IS DISTINCT FROM l.status);

DROP TABLE _derived;
