-- mart_tiltak: every tiltak with what became of its målekart row: the result in the period it
-- was set for (before) and in the row's next period (after), against the target and the peer
-- figure, whether the result moved the right way and met the target after; overdue (planned or
-- under way past its deadline, as of the build) and tiltak with no owner.
CREATE OR REPLACE TABLE mart_tiltak AS
WITH rows AS (
    SELECT *, coalesce(unit_id, service_area) AS unit_or_area_key FROM mart_malekart
),
tiltak AS (
    SELECT t.*,
        CASE WHEN t.level = 'kommune' THEN NULL ELSE t.unit_or_area END AS matched_key
    FROM core_tiltak AS t
),
before AS (
    SELECT t.*, r.label, r.unit_name, r.service_area, r.unit_of_measure, r.direction,
        r.target AS target_before, r.value AS value_before, r.status AS status_before,
        r.peer_value AS peer_before, r.owner AS target_owner
    FROM tiltak AS t
    LEFT JOIN rows AS r
        ON r.level = t.level AND r.indicator_id = t.indicator_id AND r.period = t.period
        AND (t.level = 'kommune' OR r.unit_or_area_key = t.matched_key)
),
after AS (  -- the row's next period in the målekart
    SELECT b.level, b.unit_or_area, b.indicator_id, b.period, b.what,
        arg_min(r.period, r.period) AS period_after,
        arg_min(r.value, r.period) AS value_after,
        arg_min(r.target, r.period) AS target_after,
        arg_min(r.status, r.period) AS status_after,
        arg_min(r.status_reason, r.period) AS status_reason_after,
        arg_min(r.peer_value, r.period) AS peer_after
    FROM before AS b
    JOIN rows AS r
        ON r.level = b.level AND r.indicator_id = b.indicator_id AND r.period > b.period
        AND length(r.period) = length(b.period)
        AND (b.level = 'kommune' OR r.unit_or_area_key = b.matched_key)
    GROUP BY ALL
)
SELECT
    b.level, b.unit_or_area, b.unit_name, b.service_area, b.indicator_id, b.label,
    b.unit_of_measure, b.period, b.what, b.owner, b.due, b.cost_kr, b.status, b.assessment,
    b.direction, b.target_before, b.value_before, b.status_before, b.peer_before,
    a.period_after, a.value_after, a.target_after, a.status_after, a.peer_after,
    CASE
        WHEN b.value_before IS NULL OR a.value_after IS NULL OR b.direction IS NULL THEN NULL
        WHEN b.direction = 'higher' THEN a.value_after > b.value_before
        ELSE a.value_after < b.value_before
    END AS moved_right,
    CASE WHEN a.status_reason_after IS NULL THEN NULL
         ELSE a.status_reason_after = 'reached' END AS met_after,
    b.status IN ('planlagt', 'i gang') AND b.due < current_date AS overdue,
    b.owner IS NULL AS no_owner,
    b.status_before IS NULL AS no_malekart_row,
    b.target_owner, b.file, b.row, b.imported_at
FROM before AS b
LEFT JOIN after AS a
    ON a.level = b.level AND a.unit_or_area IS NOT DISTINCT FROM b.unit_or_area
    AND a.indicator_id = b.indicator_id AND a.period = b.period AND a.what = b.what
ORDER BY b.service_area NULLS FIRST, b.unit_or_area NULLS FIRST, b.indicator_id, b.period, b.what;

COMMENT ON TABLE mart_tiltak IS
    'Every tiltak with its målekart row before (the period it was set for) and after (the next period): result, target, peer figure, moved the right way, met after; overdue and no-owner flags.';
