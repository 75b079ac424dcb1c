-- mart_challenge_note: the rows of the ASSS challenge note (utfordringsnotat), every year. Per
-- service area, the nøkkeltall where the home differs most from the ASSS average (computed
-- without the home), ordered by the size of the gap; the 3-year trend against ASSS's; for
-- spending in kroner the area's need-adjusted mer-/mindreforbruk; and last year's explanation
-- from the services. The note takes the first rows of each area; it computes nothing itself.
CREATE OR REPLACE TABLE mart_challenge_note AS
WITH asss AS (
    SELECT * FROM mart_comparisons
    WHERE peer_set = 'asss' AND release = 'latest' AND home_value IS NOT NULL
      AND peer_value IS NOT NULL AND indicator_kind = 'nøkkeltall'
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY year, service_area ORDER BY abs(gap_pct) DESC NULLS LAST, indicator_id
    ) AS position
    FROM asss
)
SELECT
    r.year, r.service_area, r.position, r.indicator_id, r.label, r.unit, r.home_value,
    r.peer_value, r.gap_pct,
    r.home_trend_3y - r.peer_trend_3y AS trend_vs_asss,
    e.mer_mindreforbruk_kr / 1e6 AS merforbruk_mill,
    a.answer AS last_year_answer,
    r.provenance
FROM ranked AS r
-- the area's need-adjusted mer-/mindreforbruk, beside its spending per inhabitant
LEFT JOIN mart_expenditure_need AS e
    ON e.area = r.service_area AND e.year = r.year AND e.peer_set = 'asss' AND r.unit = 'kr'
LEFT JOIN core_challenge_answers AS a
    ON a.indicator_id = r.indicator_id AND a.year = r.year - 1
ORDER BY r.year, r.service_area, r.position;

COMMENT ON TABLE mart_challenge_note IS
    'Rows of the ASSS challenge note per year: per service area the nøkkeltall furthest from the ASSS average (home left out), trend against ASSS, need-adjusted mer-/mindreforbruk, last year''s answer.';
