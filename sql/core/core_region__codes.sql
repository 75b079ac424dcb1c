-- core_region__codes: every municipality code with the years it was valid (KLASS 131 lists at
-- 1 January; Kolada's municipality list for Sweden, whose codes have not changed), and whether
-- the code is a municipality at all: KLASS 131 also lists 9999 Uoppgitt and, in some versions,
-- 21xx-23xx (Svalbard, Jan Mayen, the continental shelf), which are no municipality's figures.
CREATE OR REPLACE TABLE core_region__codes AS
SELECT
    'NO' AS country,
    code,
    arg_max(name, year) AS name,
    min(year) AS first_year,
    max(year) AS last_year,
    regexp_full_match(code, '[0-9]{4}') AND code <> '9999'
        AND left(code, 2) NOT IN ('21', '22', '23') AS is_municipality
FROM raw_klass__region_codes
WHERE classification = 131
GROUP BY code
UNION ALL
SELECT 'SE', id, title, NULL, NULL, id <> '0000'
FROM raw_kolada__municipalities
WHERE type = 'K';

COMMENT ON TABLE core_region__codes IS
    'Municipality codes with the years they were valid (NO: KLASS 131 at 1 January; SE: Kolada).';
COMMENT ON COLUMN core_region__codes.is_municipality IS
    'False for KLASS codes that are no municipality (9999 Uoppgitt, 21xx-23xx Svalbard, Jan Mayen, the shelf): they join no peer set.';
