-- core_peer_sets: who the home municipality is compared with, per study year.
-- kind 'published': the source publishes the peer figure (SSB EKGnn/EAK/EAKUO, Kolada G.../0000);
-- kind 'computed': Målestokk computes the figure from the members' series.
-- Either way the figure stands for every member, the home too, as SSB's group and Landet rows do;
-- members give rank and percentile. Only municipalities are members: KLASS 131 also lists codes
-- that are not (9999 Uoppgitt; 21xx-23xx Svalbard, Jan Mayen, the shelf), and those never join.
CREATE OR REPLACE TABLE core_peer_sets AS
WITH home AS (SELECT country, municipality FROM core_settings__home),
years AS (  -- the study years (a population fetched for 1.1 of the year after is no study year)
    SELECT DISTINCT v.year
    FROM core_indicator_values AS v, core_settings__home AS s
    WHERE v.year BETWEEN s.first_year AND s.last_year
),
-- ASSS members by today's codes, from the one list (pipelines/domain/reference_data/asss_members.csv)
asss AS (
    SELECT code, coalesce(TRY_CAST(member_from_year AS INTEGER), 0) AS from_year
    FROM read_csv('${asss_members}', header = true, all_varchar = true)
),
-- the country is every municipality of today every year: the series are today's municipalities
-- (an older code's figures are carried or summed into its successor), so Landet of any year is
-- their sum, whatever the KLASS list of that year holds
no_munis AS (
    SELECT DISTINCT years.year, l.current_code AS code
    FROM core_region__lineage AS l
    JOIN core_region__codes AS c ON c.country = l.country AND c.code = l.current_code, years
    WHERE l.country = 'NO' AND c.is_municipality
),
groups AS (  -- KOSTRA-group rows of real municipalities, with how far the membership is SSB's
    SELECT k.*
    FROM raw_klass__kostra_groups AS k
    JOIN core_region__codes AS c ON c.country = 'NO' AND c.code = k.municipality
    WHERE c.is_municipality
),
all_sets AS (
-- KOSTRA group of the home that year (2020 grouping; earlier years are a series break). KLASS
-- lists the codes valid that year, so the home and the members are found through their lineage:
-- Halden is 3001 in the 2020-2023 lists and 3101 from 2024, and is compared as 3101 throughout.
-- A membership the snapshot made for the demo is labelled so and never called SSB's.
SELECT DISTINCT 'kostra_group' AS peer_set,
       CASE WHEN k.provenance = 'snapshot:synthetic'
            THEN k.group_name || ' (syntetisk inndeling)' ELSE k.group_name END AS label,
       'published' AS kind, k.year,
       k.group_code AS peer_region, lm.current_code AS member_code,
       CASE WHEN k.provenance = 'snapshot:synthetic'
            THEN 'snapshot ' || k.group_code || ' row (SYNTHETIC group membership made for the '
                 || 'demo, not SSB''s grouping)'
            ELSE 'published by SSB (' || k.group_code || ' row)' END AS method,
       k.provenance AS membership_provenance
FROM groups AS k
JOIN core_region__lineage AS lh ON lh.country = 'NO' AND lh.code = k.municipality
JOIN home ON home.country = 'NO' AND lh.current_code = home.municipality
JOIN groups AS m ON m.year = k.year AND m.group_code = k.group_code
JOIN core_region__lineage AS lm ON lm.country = 'NO' AND lm.code = m.municipality
UNION ALL
SELECT 'kostra_group', 'KOSTRA-gruppe', 'unavailable', y.year, NULL, NULL,
       'no 2020-grouping figure before 2020: series break between 2019 and 2020', NULL
FROM years AS y, home
WHERE home.country = 'NO' AND y.year < 2020
UNION ALL
-- the country, as SSB publishes it (with and without Oslo)
SELECT 'national', 'Landet', 'published', n.year, 'EAK', n.code,
       'published by SSB (EAK row, Landet)', 'klass:131'
FROM no_munis AS n, home WHERE home.country = 'NO'
UNION ALL
SELECT 'national_excl_oslo', 'Landet uten Oslo', 'published', n.year, 'EAKUO', n.code,
       'published by SSB (EAKUO row, Landet uten Oslo)', 'klass:131'
FROM no_munis AS n, home WHERE home.country = 'NO' AND n.code <> '0301'
UNION ALL
-- ASSS: 10 members until 2021, 12 from 2022 (Asker, Lillestrøm), by today's codes
SELECT 'asss', 'ASSS-snitt', 'computed', y.year, NULL, a.code, NULL,
       'pipelines/domain/reference_data/asss_members.csv'
FROM asss AS a, years AS y, home
WHERE home.country = 'NO' AND y.year >= a.from_year
UNION ALL
-- Sweden: Riket and the home's SKR kommungrupp, as Kolada publishes them
SELECT 'national', 'Riket', 'published', y.year, '0000', m.id,
       'published by Kolada (Riket)', 'kolada'
FROM years AS y, home, raw_kolada__municipalities AS m
WHERE home.country = 'SE' AND m.type = 'K'
UNION ALL
SELECT 'skr_group', g.title, 'published', y.year, g.group_id, m.member_id,
       'Kolada group value (unweighted mean of members, home included)', 'kolada'
FROM raw_kolada__municipality_groups AS g
JOIN home ON home.country = 'SE' AND g.member_id = home.municipality
JOIN raw_kolada__municipality_groups AS m ON m.group_id = g.group_id
CROSS JOIN years AS y
UNION ALL
-- the user's own peer sets (malestokk.toml [peer_sets.*]), for the home's country
SELECT 'custom:' || p.name, p.label, 'computed', y.year, NULL, p.member_code, NULL, 'settings'
FROM core_settings__peer_sets AS p, years AS y, home
WHERE p.country = home.country
)
-- the set charts, the scorecard and the annual report show unless told otherwise
SELECT *, peer_set IN ('kostra_group', 'skr_group') AS is_default FROM all_sets;

COMMENT ON TABLE core_peer_sets IS
    'Peer sets per year: published (the source''s own group figure) or computed (from every member, the home too, as SSB computes its group rows); members give rank and percentile; only municipalities are members.';
COMMENT ON COLUMN core_peer_sets.membership_provenance IS
    'Where the membership comes from: ssb:klass (KLASS 131 -> 112), snapshot:synthetic (made for the demo, not SSB''s grouping), snapshot:real, klass:131, the ASSS list, Kolada or the settings.';
