-- mart_home: who the outputs are written for, as every page and document names it: the home
-- municipality's country, code and current name, and the study years. One row.
CREATE OR REPLACE TABLE mart_home AS
WITH member AS (
    SELECT
        h.*,
        h.country = 'NO' AND h.municipality IN (
            SELECT code FROM read_csv('${asss_members}', header = true, all_varchar = true)
        ) AS is_asss_member
    FROM core_settings__home AS h
)
SELECT
    h.country,
    h.municipality,
    coalesce(c.name, h.municipality) AS label,
    h.first_year,
    h.last_year,
    h.is_asss_member,
    -- the network whose challenge note the home answers: the one it names ([network]), else
    -- ASSS for its members (a Norwegian network), else none
    -- (a user's set is 'custom:<name>' in core_peer_sets and every mart)
    coalesce('custom:' || h.network_peer_set, CASE WHEN h.is_asss_member THEN 'asss' END)
        AS network,
    CASE
        WHEN h.network_peer_set IS NOT NULL THEN (
            SELECT any_value(p.label) FROM core_settings__peer_sets AS p
            WHERE p.name = h.network_peer_set
        )
        WHEN h.is_asss_member THEN 'ASSS'
    END AS network_label
FROM member AS h
LEFT JOIN core_region__codes AS c ON c.country = h.country AND c.code = h.municipality;

COMMENT ON TABLE mart_home IS
    'The home municipality as the outputs name it (country, code, current name) and the study years.';
