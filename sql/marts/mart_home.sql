-- mart_home: who the outputs are written for, as every page and document names it: the home
-- municipality's country, code and current name, and the study years. One row.
CREATE OR REPLACE TABLE mart_home AS
SELECT
    h.country,
    h.municipality,
    coalesce(c.name, h.municipality) AS label,
    h.first_year,
    h.last_year,
    -- the challenge note answers ASSS's questions to its members only (a Norwegian network)
    h.country = 'NO' AND h.municipality IN (
        SELECT code FROM read_csv('${asss_members}', header = true, all_varchar = true)
    ) AS is_asss_member
FROM core_settings__home AS h
LEFT JOIN core_region__codes AS c ON c.country = h.country AND c.code = h.municipality;

COMMENT ON TABLE mart_home IS
    'The home municipality as the outputs name it (country, code, current name) and the study years.';
