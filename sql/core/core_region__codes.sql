-- core_region__codes: every municipality code with the years it was valid (KLASS 131 lists at
-- 1 January; Kolada's municipality list for Sweden, whose codes have not changed).
CREATE OR REPLACE TABLE core_region__codes AS
SELECT
    'NO' AS country,
    code,
    arg_max(name, year) AS name,
    min(year) AS first_year,
    max(year) AS last_year
FROM raw_klass__region_codes
WHERE classification = 131
GROUP BY code
UNION ALL
SELECT 'SE', id, title, NULL, NULL
FROM raw_kolada__municipalities
WHERE type = 'K';

COMMENT ON TABLE core_region__codes IS
    'Municipality codes with the years they were valid (NO: KLASS 131 at 1 January; SE: Kolada).';
