-- mart_scorecard: each target of the måleskjema with its status from the latest vintage, and the
-- default peer comparison beside it (core_peer_sets.is_default).
CREATE OR REPLACE TABLE mart_scorecard AS
SELECT
    t.indicator_id,
    c.label,
    c.unit,
    c.service_area,
    coalesce(t.perspective, c.perspective) AS perspective,
    t.focus_area,
    t.year,
    t.target,
    t.direction,
    m.home_value AS result,
    CASE
        WHEN m.home_value IS NULL THEN 'no data'
        WHEN t.direction = 'higher' AND m.home_value >= t.target THEN 'met'
        WHEN t.direction = 'lower' AND m.home_value <= t.target THEN 'met'
        ELSE 'not met'
    END AS status,
    m.home_value - t.target AS result_minus_target,
    m.vintage,
    m.peer_label,
    m.peer_value,
    m.peer_method,
    m.gap_is_good,
    t.measured_by,
    t.measured_when,
    t.owner
FROM core_targets AS t
JOIN core_catalog__indicators AS c ON c.indicator_id = t.indicator_id AND c.kind = 'nøkkeltall'
LEFT JOIN mart_comparisons AS m
    ON m.indicator_id = t.indicator_id AND m.year = t.year
    AND m.is_default_peer_set AND m.release = 'latest'
WHERE t.level = 'kommune' AND t.measure_kind = 'catalog';

COMMENT ON TABLE mart_scorecard IS
    'The scorecard (måleskjema): target, result from the latest vintage, status (met, not met, no data) and the peer figure.';
COMMENT ON COLUMN mart_scorecard.status IS
    'met / not met by the target''s direction (higher or lower is better); no data when the year has no result.';
