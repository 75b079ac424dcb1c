-- mart_comparisons: the home municipality against its peer group, per indicator, year, vintage.
-- Norway: the KOSTRA group of that year (KLASS 131 -> 112), using SSB's own published EKG figure.
-- Sweden: the SKR kommungrupp the home belongs to, using Kolada's group value (unweighted mean).
CREATE OR REPLACE TABLE mart_comparisons AS
WITH home AS (
    SELECT country, municipality FROM core_settings__home
),
peer_of_year AS (
    SELECT k.year, k.group_code AS peer_region, k.group_name AS peer_label,
           'kostra_group' AS peer_set,
           'published by SSB (' || k.group_code || ' row, population-weighted)' AS peer_method
    FROM raw_klass__kostra_groups AS k, home
    WHERE home.country = 'NO' AND k.municipality = home.municipality
    UNION ALL
    SELECT y.year, g.group_id, g.title, 'skr_kommungrupp',
           'Kolada group value (unweighted mean of members, home included)'
    FROM raw_kolada__municipality_groups AS g, home,
         (SELECT DISTINCT year FROM core_indicator_values WHERE source = 'kolada') AS y
    WHERE home.country = 'SE' AND g.member_id = home.municipality
      AND g.group_id IN ('G92786', 'G92787', 'G92788', 'G92789', 'G92790', 'G92791', 'G92792',
                         'G92793', 'G92794')
),
home_values AS (
    SELECT v.* FROM core_indicator_values AS v, home
    WHERE v.country = home.country AND v.region_code = home.municipality AND v.gender = 'T'
)
SELECT
    h.indicator_id,
    c.label,
    c.unit,
    c.service_area,
    c.perspective,
    h.source,
    h.year,
    h.vintage,
    h.region_code AS home_region,
    h.region_label AS home_label,
    h.value AS home_value,
    h.status AS home_status,
    p.peer_set,
    p.peer_region,
    p.peer_label,
    p.peer_method,
    pv.value AS peer_value,
    pv.status AS peer_status,
    h.value - pv.value AS gap_abs,
    CASE WHEN pv.value <> 0 THEN 100 * (h.value - pv.value) / abs(pv.value) END AS gap_pct,
    c.higher_is_better,
    CASE
        WHEN c.higher_is_better IS NULL OR h.value IS NULL OR pv.value IS NULL THEN NULL
        WHEN h.value = pv.value THEN NULL
        ELSE (h.value > pv.value) = c.higher_is_better
    END AS gap_is_good,
    CASE h.source WHEN 'ssb' THEN 'Kilde: SSB' ELSE 'Källa: Kolada' END AS attribution,
    h.provenance
FROM home_values AS h
JOIN core_catalog__indicators AS c ON c.indicator_id = h.indicator_id
LEFT JOIN peer_of_year AS p ON p.year = h.year  -- years with no peer group stay, peer null
LEFT JOIN core_indicator_values AS pv
    ON pv.indicator_id = h.indicator_id AND pv.year = h.year AND pv.vintage = h.vintage
    AND pv.region_code = p.peer_region AND pv.gender = 'T' AND pv.country = h.country;

COMMENT ON TABLE mart_comparisons IS
    'Home municipality against its peer group per indicator, year and vintage; peer_method says how the peer figure was made.';
COMMENT ON COLUMN mart_comparisons.gap_is_good IS
    'True when the gap points the good way by the catalog (higher_is_better); null when neutral or missing.';
