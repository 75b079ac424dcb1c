-- mart_malekart: every target of the målekart (core_targets) with its result and status: one row
-- per level, unit or area, indicator and period. Results come only from marts that are already
-- safe to show (own figures with small units hidden), so a hidden figure stays hidden here.
--
-- Status: green (target reached), amber (missed, but within the tolerance), red (beyond it),
-- grey (no data, or the figure is hidden: status_reason says which). An area's or the
-- municipality's own figure is summed from its units (sick-leave days, survey respondents,
-- numerators and denominators), never an average of averages; where it cannot be, it is grey.
CREATE OR REPLACE TEMP MACRO malekart_level(level) AS
    CASE level WHEN 'unit' THEN 'enhet' WHEN 'service_area' THEN 'tjenesteområde' ELSE level END;

-- why an own figure is hidden, as the local marts give it (sql/marts/privacy_rules.sql): one
-- value, so it goes through the sums and unions below whole (max() keeps a hidden one)
CREATE OR REPLACE TEMP MACRO hidden(rule, setting, threshold) AS
    CASE WHEN rule IS NOT NULL
        THEN {'rule': rule, 'setting': setting, 'threshold': CAST(threshold AS INTEGER)} END;

CREATE OR REPLACE TABLE mart_malekart AS
WITH sick AS (
    -- months hidden because the unit reports quarters for the year are not a gap: left out
    SELECT
        level, coalesce(unit_id, service_area) AS who, period, contracted_days,
        sick_leave_rate, self_certified_rate, doctor_certified_rate,
        hidden(suppressed_by, suppression_setting, suppression_threshold) AS suppressed_by
    FROM mart_local__sick_leave
    WHERE suppressed_by IS NULL OR suppressed_by NOT IN ('quarters_shown', 'months_shown')
),
sick_levels AS (
    SELECT level, who, period, contracted_days, sick_leave_rate, self_certified_rate,
        doctor_certified_rate, suppressed_by
    FROM sick
    UNION ALL  -- the municipality: every service area's days (hidden if one area is hidden)
    SELECT 'kommune', NULL, period, sum(contracted_days),
        sum(sick_leave_rate * contracted_days) / sum(contracted_days),
        sum(self_certified_rate * contracted_days) / sum(contracted_days),
        sum(doctor_certified_rate * contracted_days) / sum(contracted_days),
        max(suppressed_by)
    FROM sick WHERE level = 'service_area'
    GROUP BY period
),
sick_periods AS (
    SELECT * FROM sick_levels
    UNION ALL  -- a year from its months or quarters, weighted by contracted days
    SELECT level, who, left(period, 4), sum(contracted_days),
        sum(sick_leave_rate * contracted_days) / sum(contracted_days),
        sum(self_certified_rate * contracted_days) / sum(contracted_days),
        sum(doctor_certified_rate * contracted_days) / sum(contracted_days),
        max(suppressed_by)
    FROM sick_levels
    GROUP BY level, who, left(period, 4)
),
sick_values AS (
    SELECT 'sick_leave' AS measure_kind, m.measure, NULL AS survey_kind,
        malekart_level(level) AS level, who, period,
        CASE WHEN suppressed_by IS NULL THEN CASE m.measure
            WHEN 'sick_leave_rate' THEN sick_leave_rate
            WHEN 'frisknaervaer' THEN 100 - sick_leave_rate
            WHEN 'self_certified_rate' THEN self_certified_rate
            WHEN 'doctor_certified_rate' THEN doctor_certified_rate
        END END AS value,
        suppressed_by,
        NULL AS detail
    FROM sick_periods
    CROSS JOIN (VALUES ('sick_leave_rate'), ('frisknaervaer'), ('self_certified_rate'),
        ('doctor_certified_rate')) AS m(measure)
),
survey AS (
    SELECT level, survey_kind, coalesce(unit_id, service_area) AS who, year, question,
        respondents, mean_score,
        hidden(suppressed_by, suppression_setting, suppression_threshold) AS suppressed_by
    FROM mart_local__surveys
    UNION ALL  -- the municipality: every area's respondents (hidden if one area is hidden)
    SELECT 'kommune', survey_kind, NULL, year, question, sum(respondents),
        sum(mean_score * respondents) / sum(respondents),
        max(hidden(suppressed_by, suppression_setting, suppression_threshold))
    FROM mart_local__surveys WHERE level = 'service_area'
    GROUP BY survey_kind, year, question
),
survey_values AS (
    SELECT 'survey' AS measure_kind, lower(question) AS measure, survey_kind,
        malekart_level(level) AS level, who, CAST(year AS VARCHAR),
        mean_score, suppressed_by, NULL
    FROM survey
    UNION ALL  -- the index: the mean of the questions, each question counting once
    SELECT 'survey', 'index', survey_kind, malekart_level(level), who,
        CAST(year AS VARCHAR),
        CASE WHEN count(suppressed_by) = 0 THEN avg(mean_score) END, max(suppressed_by), NULL
    FROM survey
    GROUP BY ALL
    UNION ALL
    SELECT 'survey_responses', 'respondents', survey_kind,
        malekart_level(level), who, CAST(year AS VARCHAR),
        CASE WHEN count(suppressed_by) = 0 THEN max(respondents) END, max(suppressed_by),
        'the most respondents any question had'
    FROM survey
    GROUP BY ALL
),
own AS (
    SELECT level, coalesce(unit_id, service_area) AS who, measure, period, value, denominator,
        size, hidden(suppressed_by, suppression_setting, suppression_threshold) AS suppressed_by,
        aggregation
    FROM mart_local__own_measures
    UNION ALL  -- the municipality: its areas, by denominator or size where every area has one
    SELECT 'kommune', NULL, measure, period,
        CASE
            WHEN count(suppressed_by) > 0 THEN NULL
            WHEN count(denominator) = count(*)
                THEN sum(value * denominator) / sum(denominator)
            WHEN count(size) = count(*) AND sum(size) > 0 THEN sum(value * size) / sum(size)
        END,
        sum(denominator), sum(size),
        max(hidden(suppressed_by, suppression_setting, suppression_threshold)),
        CASE
            WHEN count(denominator) = count(*) THEN 'sum of numerators / sum of denominators'
            WHEN count(size) = count(*) THEN 'weighted by employees or respondents'
            ELSE 'not aggregable: the units give no numerator/denominator or size'
        END
    FROM mart_local__own_measures WHERE level = 'service_area'
    GROUP BY measure, period
),
own_values AS (
    SELECT 'own', lower(measure), NULL, malekart_level(level), who,
        period, value, suppressed_by, aggregation
    FROM own
),
catalog_values AS (
    SELECT 'catalog', indicator_id, NULL, 'kommune', NULL, CAST(year AS VARCHAR), home_value,
        NULL, NULL
    FROM mart_comparisons
    WHERE is_default_peer_set AND release = 'latest'
),
measured AS (
    SELECT * FROM sick_values
    UNION ALL SELECT * FROM survey_values
    UNION ALL SELECT * FROM own_values
    UNION ALL SELECT * FROM catalog_values
),
plan AS (
    SELECT
        t.row,
        count(p.status) AS planned,
        count(*) FILTER (WHERE p.status = 'conducted') AS conducted,
        count(*) FILTER (WHERE p.status = 'overdue') AS overdue,
        count(*) FILTER (WHERE p.status = 'not yet due') AS not_due,
        string_agg(p.survey || ' (' || p.status || ')', '; ' ORDER BY p.survey) AS detail
    FROM core_targets AS t
    LEFT JOIN mart_local__survey_plan AS p
        ON p.year = t.year AND p.status <> 'conducted without a plan'
        AND (t.service_area = 'alle' OR p.service_area IN (t.service_area, 'alle'))
    WHERE t.measure_kind = 'survey_plan'
    GROUP BY t.row
),
targets AS (
    SELECT
        t.*,
        -- KOSTRA and Kolada figures describe the whole municipality, also for an area's target
        CASE WHEN t.measure_kind = 'catalog' THEN 'kommune' ELSE t.level END AS lookup_level,
        CASE WHEN t.measure_kind = 'catalog' THEN NULL
            ELSE coalesce(t.unit_id, t.service_area) END AS lookup_who,
        CASE WHEN t.measure_kind = 'survey' THEN lower(t.measure) ELSE t.measure END
            AS lookup_measure,
        CASE WHEN length(t.period) = 4 THEN CAST(t.year - 1 AS VARCHAR) END AS previous_period
    FROM core_targets AS t
),
valued AS (
    SELECT
        t.*,
        CASE WHEN t.measure_kind = 'survey_plan' THEN p.conducted ELSE v.value END AS value,
        pv.value AS previous_value,
        v.suppressed_by,
        coalesce(v.detail, p.detail) AS detail,
        p.planned, p.conducted, p.overdue, p.not_due
    FROM targets AS t
    LEFT JOIN measured AS v
        ON v.measure_kind = t.measure_kind AND v.measure = t.lookup_measure
        AND v.survey_kind IS NOT DISTINCT FROM t.survey_kind AND v.level = t.lookup_level
        AND v.who IS NOT DISTINCT FROM t.lookup_who AND v.period = t.period
    LEFT JOIN measured AS pv
        ON pv.measure_kind = t.measure_kind AND pv.measure = t.lookup_measure
        AND pv.survey_kind IS NOT DISTINCT FROM t.survey_kind AND pv.level = t.lookup_level
        AND pv.who IS NOT DISTINCT FROM t.lookup_who AND pv.period = t.previous_period
    LEFT JOIN plan AS p ON p.row = t.row
),
judged AS (
    SELECT
        *,
        CASE
            WHEN measure_kind = 'survey_plan' THEN CASE
                WHEN planned = 0 THEN 'no_plan'
                WHEN overdue > 0 THEN 'overdue'
                WHEN conducted = planned THEN 'conducted'
                ELSE 'not_yet_due'
            END
            WHEN suppressed_by IS NOT NULL THEN 'suppressed'
            WHEN value IS NULL AND detail LIKE 'not aggregable%' THEN 'not_aggregable'
            WHEN value IS NULL THEN 'no_data'
            WHEN (direction = 'higher' AND value >= target)
                OR (direction = 'lower' AND value <= target) THEN 'reached'
            WHEN (direction = 'higher' AND value >= tolerance)
                OR (direction = 'lower' AND value <= tolerance) THEN 'within_tolerance'
            ELSE 'missed'
        END AS status_reason
    FROM valued
)
SELECT
    j.level,
    j.unit_id,
    u.unit_name,
    coalesce(j.service_area, u.service_area) AS service_area,
    j.indicator_id,
    j.measure_kind,
    j.label,
    j.unit_of_measure,
    j.period,
    j.year,
    j.value,
    j.previous_value,
    j.value - j.previous_value AS change,
    -- for a survey-plan item: how many surveys were planned
    CASE WHEN j.measure_kind = 'survey_plan' THEN j.planned ELSE j.target END AS target,
    j.tolerance,
    j.direction,
    CASE j.status_reason
        WHEN 'reached' THEN 'green' WHEN 'conducted' THEN 'green'
        WHEN 'within_tolerance' THEN 'amber'
        WHEN 'missed' THEN 'red' WHEN 'overdue' THEN 'red'
        ELSE 'grey'
    END AS status,
    j.status_reason,
    j.suppressed_by.rule AS suppressed_by,
    j.suppressed_by.setting AS suppression_setting,
    j.suppressed_by.threshold AS suppression_threshold,
    j.detail AS status_detail,
    j.perspective,
    j.focus_area,
    j.measured_by,
    j.measured_when,
    j.owner,
    j.peer_indicator_id,
    c.peer_label,
    c.peer_value,
    c.home_value AS kommune_value,
    c.vintage AS peer_vintage,
    j.row AS source_row
FROM judged AS j
LEFT JOIN (
    SELECT DISTINCT unit_id, unit_name, service_area FROM mart_local__sick_leave
    WHERE level = 'unit'
    UNION
    SELECT DISTINCT unit_id, unit_name, service_area FROM mart_local__surveys WHERE level = 'unit'
    UNION
    SELECT DISTINCT unit_id, unit_name, service_area FROM mart_local__own_measures
    WHERE level = 'unit'
) AS u ON u.unit_id = j.unit_id
LEFT JOIN mart_comparisons AS c
    ON c.indicator_id = j.peer_indicator_id AND c.year = j.year AND c.is_default_peer_set
    AND c.release = 'latest';

COMMENT ON TABLE mart_malekart IS
    'The målekart: one row per level, unit or area, indicator and period with result, target, tolerance, status (green/amber/red/grey) and its reason, perspective and owner; own figures come from the suppressed marts only.';
COMMENT ON COLUMN mart_malekart.status IS
    'green: target reached (or survey conducted); amber: missed within the tolerance; red: beyond it (or survey overdue); grey: no data, hidden, not aggregable or not yet due (status_reason says which).';
COMMENT ON COLUMN mart_malekart.status_reason IS
    'reached, within_tolerance, missed, no_data, suppressed, not_aggregable; for the survey plan conducted, not_yet_due, overdue, no_plan.';
