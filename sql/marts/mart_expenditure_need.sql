-- mart_expenditure_need: service spending adjusted for expenditure need, as ASSS compares it.
-- Spending per inhabitant (netto driftsutgifter, 1000 kr x 1000 / inhabitants) divided by the
-- need index (1.00 = national average). The peer level is made as SSB combines ratios, from
-- every member, the home too: the members' summed spending over their summed inhabitants (per
-- inhabitant), and over their summed need-weighted inhabitants (adjusted). Mer-/mindreforbruk is
-- what the home spends beyond that level at its own need: (home adjusted - peer adjusted) x home
-- index x inhabitants.
CREATE OR REPLACE TABLE mart_expenditure_need AS
WITH home AS (SELECT country, municipality FROM core_settings__home),
spending AS (
    SELECT
        s.indicator_id, c.label, c.expenditure_need_area AS area, s.region_code, s.year,
        s.vintage, n.inhabitants, n.index, n.source AS index_source,
        s.value * 1000.0 AS kroner,
        s.value * 1000.0 / n.inhabitants AS per_inhabitant,
        s.value * 1000.0 / n.inhabitants / n.index AS adjusted
    FROM core_indicator_series AS s
    JOIN core_catalog__indicators AS c USING (indicator_id)
    JOIN core_expenditure_need AS n
        ON n.municipality = s.region_code AND n.year = s.year
        AND n.service_area = c.expenditure_need_area
    WHERE c.expenditure_need_area IS NOT NULL AND c.unit = '1000 kr'
      AND s.gender = 'T' AND s.value IS NOT NULL AND n.inhabitants > 0
),
peers AS (
    SELECT
        p.peer_set, p.year, sp.indicator_id,
        sum(sp.kroner) / sum(sp.inhabitants * sp.index) AS peer_adjusted,
        sum(sp.kroner) / sum(sp.inhabitants) AS peer_per_inhabitant,
        count(*) AS n_peers
    FROM core_peer_sets AS p
    JOIN spending AS sp ON sp.region_code = p.member_code AND sp.year = p.year
    WHERE p.peer_set IN ('asss', 'kostra_group') OR p.peer_set LIKE 'custom:%'
    GROUP BY ALL
)
SELECT
    h.indicator_id,
    h.label,
    h.area,
    h.year,
    h.vintage,
    pr.peer_set,
    h.inhabitants,
    h.per_inhabitant AS home_per_inhabitant,
    h.index AS home_index,
    h.adjusted AS home_adjusted,
    pr.peer_per_inhabitant,
    pr.peer_adjusted,
    pr.n_peers,
    (h.adjusted - pr.peer_adjusted) * h.index AS mer_mindreforbruk_per_innbygger,
    (h.adjusted - pr.peer_adjusted) * h.index * h.inhabitants AS mer_mindreforbruk_kr,
    'sum of spending / sum of need-weighted inhabitants of ' || pr.n_peers
        || ' members, home included' AS peer_method,
    h.index_source
FROM spending AS h
JOIN home ON h.region_code = home.municipality
JOIN peers AS pr ON pr.indicator_id = h.indicator_id AND pr.year = h.year;

COMMENT ON TABLE mart_expenditure_need IS
    'Service spending per inhabitant adjusted for expenditure need (utgiftsbehov), home against ASSS, KOSTRA group and own sets; mer-/mindreforbruk in NOK.';
COMMENT ON COLUMN mart_expenditure_need.mer_mindreforbruk_kr IS
    'What the home spends above (+) or below (-) the peers'' need-adjusted level at its own need: (home adjusted - peer adjusted) x index x inhabitants.';
COMMENT ON COLUMN mart_expenditure_need.index_source IS
    'Where the need index comes from (the ministry''s Grønt hefte; SYNTHETIC in the offline demo).';
