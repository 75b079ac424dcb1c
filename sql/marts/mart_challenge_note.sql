-- mart_challenge_note: the rows of the challenge note (utfordringsnotat), every year, against the
-- home's network (mart_home.network: ASSS for its members, or the peer set [network] names). Per
-- service area, the nøkkeltall where the home differs most from the network's figure (computed
-- from every member, the home too), ordered by the size of the gap relative to the network's
-- figure (a percentage's gap is shown in prosentpoeng, gap_points); the 3-year trend against the network's; for
-- spending in kroner the area's need-adjusted mer-/mindreforbruk; and last year's explanation
-- from the services. The note takes the first rows of each area; it computes nothing itself.
CREATE OR REPLACE TABLE mart_challenge_note AS
WITH network AS (
    SELECT c.* FROM mart_comparisons AS c JOIN mart_home AS h ON c.peer_set = h.network
    WHERE c.release = 'latest' AND c.home_value IS NOT NULL
      AND c.peer_value IS NOT NULL AND c.indicator_kind = 'nøkkeltall'
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY year, service_area
        ORDER BY abs(gap_abs / nullif(peer_value, 0)) DESC NULLS LAST, indicator_id
    ) AS position
    FROM network
)
SELECT
    r.year, r.peer_set AS network, r.service_area, r.position, r.indicator_id, r.label, r.unit, r.home_value,
    r.peer_value, r.gap_pct, r.gap_points,
    r.home_trend_3y - r.peer_trend_3y AS trend_vs_network,
    e.mer_mindreforbruk_kr / 1e6 AS merforbruk_mill,
    a.answer AS last_year_answer,
    r.provenance
FROM ranked AS r
-- the area's need-adjusted mer-/mindreforbruk, beside its spending per inhabitant
LEFT JOIN mart_expenditure_need AS e
    ON e.area = r.service_area AND e.year = r.year AND e.peer_set = r.peer_set AND r.unit = 'kr'
LEFT JOIN core_challenge_answers AS a
    ON a.indicator_id = r.indicator_id AND a.year = r.year - 1
ORDER BY r.year, r.service_area, r.position;

COMMENT ON TABLE mart_challenge_note IS
    'Rows of the challenge note per year against the home''s network (ASSS for its members, or the [network] peer set): per service area the nøkkeltall furthest from the network figure (every member, the home too; percentages in prosentpoeng), trend against it, need-adjusted mer-/mindreforbruk, last year''s answer.';
