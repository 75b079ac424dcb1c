-- mart_peer_values: every value a comparison rests on: the home's and each peer-set member's, per
-- release, peer set, indicator and year, with its rank among them. mart_comparisons computes the
-- peer figures and the home's rank from these rows, and the dashboards draw the ranked bars from
-- them, so who is in a set and how it ranks is decided here once. Only nøkkeltall are ranked: the
-- absolute figure (grunnlagstall) of a city is not better or worse than a small town's.
CREATE OR REPLACE TABLE mart_peer_values AS
WITH home AS (SELECT country, municipality FROM core_settings__home),
pool AS (
    SELECT s.release, p.peer_set, p.year, s.indicator_id, s.region_code, s.region_label,
           s.value, s.region_code = home.municipality AS is_home
    FROM (
        SELECT DISTINCT peer_set, year, member_code FROM core_peer_sets
        WHERE member_code IS NOT NULL
        UNION  -- the home is ranked in every set that has figures, member or not
        SELECT DISTINCT p.peer_set, p.year, home.municipality
        FROM core_peer_sets AS p, home WHERE p.kind <> 'unavailable'
    ) AS p
    CROSS JOIN home
    JOIN core_indicator_series__by_release AS s
        ON s.region_code = p.member_code AND s.year = p.year AND s.gender = 'T'
        AND s.country = home.country
    WHERE s.value IS NOT NULL
)
SELECT
    v.*,
    CASE WHEN c.kind = 'nøkkeltall' THEN rank() OVER ranked END AS rank,
    -- the same window as the rank (one sort for both), over the whole partition
    CASE WHEN c.kind = 'nøkkeltall' THEN count(*) OVER (
        ranked ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) END AS n_ranked
FROM pool AS v
LEFT JOIN core_catalog__indicators AS c USING (indicator_id)
WINDOW ranked AS (
    PARTITION BY v.release, v.peer_set, v.year, v.indicator_id
    ORDER BY CASE WHEN c.higher_is_better = false THEN v.value ELSE -v.value END
);
-- no ORDER BY for storage: every reader sorts what it reads (dashboards/data.rankings), and at
-- national scale the sort of 12 M rows was a third of this model and spilled to disk

COMMENT ON TABLE mart_peer_values IS
    'The home''s and every peer-set member''s value per release, peer set, indicator and year, with the rank among them (nøkkeltall only): what comparisons and ranked bars rest on.';
COMMENT ON COLUMN mart_peer_values.is_home IS
    'True for the home municipality''s own row (it is ranked in every set with figures).';
COMMENT ON COLUMN mart_peer_values.rank IS
    '1 = best among the home and the members with a value (highest first when neutral); null for grunnlagstall.';
COMMENT ON COLUMN mart_peer_values.n_ranked IS
    'How many municipalities (home included) have a value to rank; null for grunnlagstall.';
