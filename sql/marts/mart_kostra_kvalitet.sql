-- mart_kostra_kvalitet: the home's own figures of the newest release that look like reporting
-- errors, for the services to check before the spring deadline (KOSTRA: unrevised 15 March,
-- corrections until the revised 15 June release). One row per figure and rule, with the numbers
-- behind the flag; the pages and worklists word them (dashboards/kvalitet.py).
--
-- The figures checked are those of the check release: the newest unrevised release kept
-- (core_releases.kind = 'unrevised', the 15 March one), else today's ('latest'); the year is the
-- newest with any of the home's values in that release's view. Rules:
--   endring         the change from the last earlier figure (up to five years back) is far
--                   outside the home's own earlier changes and the peers' changes the same year
--                   (robust z from median and MAD, both above 4); a change is a log ratio for
--                   positive amounts and counts, a difference in points for percentages, per
--                   year between the two figures
--   utenfor_spenn   the value lies outside every other municipality's of the country, or far
--                   outside its KOSTRA group's (beyond the group's range by half its width)
--   ugyldig_verdi   the value is outside the catalog's plausible range (a coverage share above
--                   100 %)
--   stemmer_ikke    a published ratio the catalog gives numerator and denominator for does not
--                   match them (more than 1 % apart)
--   utgift_uten_aktivitet / aktivitet_uten_utgift
--                   spending on a service area with every activity count of it at zero, or the
--                   reverse
--   mangler         a figure reported the year before is missing (status .. or no row; a
--                   suppressed figure, status :, is not a reporting error)
-- After a later release (15 June) each flag says whether the figure was revised, by how much,
-- or stands.
CREATE OR REPLACE TABLE mart_kostra_kvalitet AS
WITH home AS (
    SELECT country, municipality FROM core_settings__home
),
check_release AS (
    SELECT coalesce((
        SELECT max(r.release) FROM core_releases AS r, home AS h
        WHERE r.country = h.country AND r.kind = 'unrevised'
    ), 'latest') AS release
),
indicators AS (
    SELECT c.* FROM core_catalog__indicators AS c
    -- what the municipality reports: not the population register, not another country's
    WHERE coalesce(c.service_area, '') <> 'befolkning'
),
seen AS (  -- the figures as they stood at the check release, the home's country only
    SELECT s.indicator_id, s.region_code, s.region_label, s.year, s.value, s.status, s.unit,
           s.vintage, s.provenance
    FROM home AS h
    CROSS JOIN check_release AS r
    JOIN core_indicator_series__by_release AS s
        ON s.release = r.release AND s.country = h.country
    WHERE s.gender = 'T'
),
check_year AS (
    SELECT max(s.year) AS year FROM home AS h
    JOIN seen AS s ON s.region_code = h.municipality
    JOIN indicators AS i ON i.indicator_id = s.indicator_id
    WHERE s.value IS NOT NULL
),
group_members AS (  -- the home's KOSTRA group (the country's default peer set) that year
    SELECT DISTINCT p.member_code, p.peer_set, p.label
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN core_peer_sets AS p ON p.year = y.year AND p.member_code <> h.municipality
    WHERE p.is_default
),
reported AS (SELECT * FROM seen WHERE value IS NOT NULL),
pairs AS (
    -- every municipality's figure this year, its last earlier one (up to five years back: a
    -- real series has gaps) and the change per year between them
    SELECT
        cur.indicator_id, cur.region_code, cur.value, cur.status, cur.unit, cur.vintage,
        cur.provenance,
        CASE WHEN cur.year - prev.year <= 5 THEN prev.value END AS previous_value,
        CASE WHEN cur.year - prev.year <= 5 THEN prev.year END AS previous_year,
        CASE WHEN cur.year - prev.year <= 5 THEN
            CASE
                WHEN cur.unit IN ('prosent', '%') THEN cur.value - prev.value
                WHEN cur.value > 0 AND prev.value > 0 THEN ln(cur.value / prev.value)
            END / (cur.year - prev.year)
        END AS change
    FROM (SELECT s.* FROM seen AS s JOIN check_year AS y ON s.year = y.year) AS cur
    ASOF LEFT JOIN reported AS prev
        ON prev.indicator_id = cur.indicator_id AND prev.region_code = cur.region_code
        AND prev.year < cur.year
),
history AS (  -- the home's own changes in the years before
    SELECT
        cur.indicator_id,
        CASE
            WHEN cur.unit IN ('prosent', '%') THEN cur.value - prev.value
            WHEN cur.value > 0 AND prev.value > 0 THEN ln(cur.value / prev.value)
        END AS change
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN seen AS cur ON cur.region_code = h.municipality AND cur.year < y.year
    JOIN seen AS prev
        ON prev.indicator_id = cur.indicator_id AND prev.region_code = cur.region_code
        AND prev.year = cur.year - 1
),
own AS (
    SELECT indicator_id, count(change) AS own_n, median(change) AS own_median
    FROM history GROUP BY indicator_id
),
own_spread AS (
    SELECT h.indicator_id, o.own_n, o.own_median,
           median(abs(h.change - o.own_median)) AS own_mad
    FROM history AS h JOIN own AS o USING (indicator_id)
    GROUP BY ALL
),
peer_changes AS (  -- the KOSTRA group's changes; the country's where the group is too small
    SELECT p.indicator_id, p.change, p.value, (g.member_code IS NOT NULL) AS in_group
    FROM home AS h
    JOIN pairs AS p ON p.region_code <> h.municipality
    LEFT JOIN group_members AS g ON g.member_code = p.region_code
),
peer AS (
    SELECT
        indicator_id,
        count(change) FILTER (WHERE in_group) AS group_n,
        median(change) FILTER (WHERE in_group) AS group_median,
        count(change) AS country_n,
        median(change) AS country_median,
        min(value) FILTER (WHERE in_group) AS group_min,
        max(value) FILTER (WHERE in_group) AS group_max,
        min(value) AS country_min,
        max(value) AS country_max
    FROM peer_changes GROUP BY indicator_id
),
peer_spread AS (
    SELECT
        c.indicator_id,
        median(abs(c.change - p.group_median)) FILTER (WHERE c.in_group) AS group_mad,
        median(abs(c.change - p.country_median)) AS country_mad
    FROM peer_changes AS c JOIN peer AS p USING (indicator_id)
    GROUP BY c.indicator_id
),
figures AS (  -- the home's figures with everything a rule reads
    SELECT
        i.indicator_id, i.label, i.service_area, i.kind AS indicator_kind, i.unit AS catalog_unit,
        i.valid_min, i.valid_max, i.numerator, i.denominator, i.ratio_scale,
        i.denominator_year_offset, i.source,
        y.year, p.value, p.status, p.previous_value, p.previous_year, p.change, p.vintage,
        p.provenance,
        o.own_n, o.own_median, o.own_mad,
        q.group_n, q.group_min, q.group_max, q.country_n, q.country_min, q.country_max,
        -- the group's changes when it has five members with one, else the country's
        CASE WHEN q.group_n >= 5 THEN 'kostra_group' ELSE 'national' END AS peer_basis,
        CASE WHEN q.group_n >= 5 THEN q.group_median ELSE q.country_median END AS peer_median,
        CASE WHEN q.group_n >= 5 THEN s.group_mad ELSE s.country_mad END AS peer_mad,
        -- a floor under the spread: a change of 2 % (log) or 0.2 points is never unusual
        CASE WHEN i.unit IN ('prosent', '%') THEN 0.2 ELSE 0.02 END AS spread_floor
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN pairs AS p ON p.region_code = h.municipality
    JOIN indicators AS i ON i.indicator_id = p.indicator_id
    LEFT JOIN own_spread AS o ON o.indicator_id = p.indicator_id
    LEFT JOIN peer AS q ON q.indicator_id = p.indicator_id
    LEFT JOIN peer_spread AS s ON s.indicator_id = p.indicator_id
),
scored AS (
    SELECT *,
        (change - own_median) / (1.4826 * greatest(own_mad, spread_floor)) AS own_z,
        (change - peer_median) / (1.4826 * greatest(peer_mad, spread_floor)) AS peer_z
    FROM figures
),
changes AS (
    SELECT indicator_id, 'endring' AS rule,
        CASE WHEN abs(change) >= ln(5) AND catalog_unit NOT IN ('prosent', '%') THEN 'høy'
             WHEN abs(peer_z) > 8 AND (own_n < 3 OR abs(own_z) > 8) THEN 'høy'
             ELSE 'middels' END AS sikkerhet,
        NULL::DOUBLE AS expected_value
    FROM scored
    WHERE value IS NOT NULL AND change IS NOT NULL AND abs(peer_z) > 4
      AND (coalesce(own_n, 0) < 3 OR abs(own_z) > 4)
),
ranges AS (
    SELECT indicator_id, 'utenfor_spenn' AS rule,
        -- every indicator has a lowest and a highest municipality: only far beyond the
        -- others (a tenth of their range) is it more than a hint
        CASE WHEN value < country_min - (country_max - country_min) / 10
                  OR value > country_max + (country_max - country_min) / 10 THEN 'middels'
             ELSE 'lav' END AS sikkerhet,
        NULL::DOUBLE AS expected_value
    FROM scored
    WHERE value IS NOT NULL AND (
        value < country_min OR value > country_max
        OR value > group_max + (group_max - group_min) / 2
        OR value < group_min - (group_max - group_min) / 2
    )
),
invalid AS (
    SELECT indicator_id, 'ugyldig_verdi' AS rule, 'høy' AS sikkerhet, NULL::DOUBLE
    FROM scored WHERE value < valid_min OR value > valid_max
),
parts AS (  -- a published ratio against its own numerator and denominator
    SELECT f.indicator_id, 'stemmer_ikke' AS rule, 'høy' AS sikkerhet,
        f.ratio_scale * n.value / nullif(d.value, 0) AS expected_value
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN scored AS f ON true
    JOIN seen AS n ON n.indicator_id = f.numerator AND n.region_code = h.municipality
        AND n.year = y.year
    JOIN seen AS d ON d.indicator_id = f.denominator AND d.region_code = h.municipality
        AND d.year = y.year + f.denominator_year_offset
    WHERE f.source <> 'derived' AND f.value IS NOT NULL
      AND abs(f.value - f.ratio_scale * n.value / nullif(d.value, 0))
          > 0.01 * abs(f.ratio_scale * n.value / nullif(d.value, 0))
),
area_totals AS (
    SELECT service_area,
        max(value) FILTER (WHERE catalog_unit IN ('kr', '1000 kr')
                           AND indicator_kind = 'grunnlagstall') AS spending,
        max(value) FILTER (WHERE catalog_unit NOT IN ('kr', '1000 kr', 'prosent', '%')
                           AND indicator_kind = 'grunnlagstall') AS activity
    FROM scored GROUP BY service_area
),
activity AS (
    SELECT f.indicator_id,
        CASE WHEN f.catalog_unit IN ('kr', '1000 kr') THEN 'aktivitet_uten_utgift'
             ELSE 'utgift_uten_aktivitet' END AS rule,
        'middels' AS sikkerhet, NULL::DOUBLE
    FROM scored AS f JOIN area_totals AS a USING (service_area)
    WHERE f.indicator_kind = 'grunnlagstall' AND f.value = 0 AND (
        (f.catalog_unit IN ('kr', '1000 kr') AND a.activity > 0)
        OR (f.catalog_unit NOT IN ('kr', '1000 kr', 'prosent', '%') AND a.spending > 0
            AND a.activity = 0)
    )
),
missing AS (
    SELECT indicator_id, 'mangler' AS rule,
        CASE WHEN status = '.' THEN 'middels' ELSE 'høy' END AS sikkerhet, NULL::DOUBLE
    FROM scored
    -- a cell with neither value nor status was not published at the check release: no error
    WHERE value IS NULL AND previous_year = year - 1 AND status IS NOT NULL AND status <> ':'
),
-- a figure the year before that has no row at all this year
vanished AS (
    SELECT prev.indicator_id, 'mangler' AS rule, 'høy' AS sikkerhet, NULL::DOUBLE
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN seen AS prev ON prev.region_code = h.municipality AND prev.year = y.year - 1
    JOIN indicators AS i ON i.indicator_id = prev.indicator_id
    WHERE prev.value IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM seen AS cur WHERE cur.indicator_id = prev.indicator_id
          AND cur.region_code = prev.region_code AND cur.year = y.year
      )
),
flags AS (
    SELECT * FROM changes UNION ALL SELECT * FROM ranges UNION ALL SELECT * FROM invalid
    UNION ALL SELECT * FROM parts UNION ALL SELECT * FROM activity
    UNION ALL SELECT * FROM missing UNION ALL SELECT * FROM vanished
),
table_releases AS (
    -- each SSB table's newest release that changed any of its figures (an unchanged cell keeps
    -- the vintage of the release that first published it); a Kolada KPI's newest pull
    SELECT CASE WHEN source = 'ssb' THEN split_part(source_series, '/', 1)
                ELSE source_series END AS series,
           max(vintage) AS released
    FROM core_indicator_values, home AS h
    WHERE core_indicator_values.country = h.country
    GROUP BY ALL
),
released AS (  -- the newest release of each indicator's table (a derived one: its numerator's)
    SELECT i.indicator_id, max(t.released) AS newest_vintage
    FROM indicators AS i
    LEFT JOIN indicators AS n ON n.indicator_id = i.numerator
    JOIN table_releases AS t ON t.series = coalesce(
        CASE WHEN i.source = 'derived' THEN coalesce(n.table_id, n.kpi) END,
        i.table_id, i.kpi)
    GROUP BY i.indicator_id
),
now AS (  -- today's figure, for the follow-up after a later release
    SELECT s.indicator_id, s.value, s.status, s.vintage
    FROM home AS h
    CROSS JOIN check_year AS y
    JOIN core_indicator_series AS s
        ON s.country = h.country AND s.region_code = h.municipality AND s.year = y.year
    WHERE s.gender = 'T'
)
SELECT
    h.country, h.municipality, y.year, r.release AS check_release,
    i.indicator_id, i.label, i.service_area, i.unit, g.rule, g.sikkerhet,
    f.value, f.status, coalesce(f.previous_value, pv.value) AS previous_value,
    coalesce(f.previous_year, pv.year) AS previous_year, f.change,
    f.own_n AS own_changes, f.own_median AS own_median_change, f.own_mad AS own_mad_change,
    f.own_z, f.peer_basis, f.peer_median AS peer_median_change, f.peer_mad AS peer_mad_change,
    f.peer_z, f.group_min, f.group_max, f.country_min, f.country_max,
    i.valid_min, i.valid_max, g.expected_value,
    n.value AS value_now, n.status AS status_now, n.vintage AS vintage_now,
    -- a figure is followed up once a release after the check release has changed any figure
    -- of its table (SSB's June release revises some in every table), not before
    CASE
        WHEN r.release = 'latest' OR coalesce(rl.newest_vintage, '') <= r.release THEN 'venter'
        WHEN n.value IS NOT DISTINCT FROM f.value
             AND n.status IS NOT DISTINCT FROM f.status THEN 'står'
        ELSE 'revidert'
    END AS follow_up,
    CASE WHEN r.release <> 'latest' AND rl.newest_vintage > r.release
        THEN n.value - f.value END AS revised_by,
    coalesce(f.vintage, pv.vintage) AS vintage,
    coalesce(f.provenance, pv.provenance) AS provenance
FROM home AS h
CROSS JOIN check_year AS y
CROSS JOIN check_release AS r
JOIN flags AS g ON true
JOIN indicators AS i ON i.indicator_id = g.indicator_id
LEFT JOIN scored AS f ON f.indicator_id = g.indicator_id
LEFT JOIN now AS n ON n.indicator_id = g.indicator_id
LEFT JOIN released AS rl ON rl.indicator_id = g.indicator_id
LEFT JOIN seen AS pv ON pv.indicator_id = g.indicator_id AND pv.region_code = h.municipality
    AND pv.year = y.year - 1
ORDER BY i.service_area, CASE g.sikkerhet WHEN 'høy' THEN 0 WHEN 'middels' THEN 1 ELSE 2 END,
    i.indicator_id, g.rule;

COMMENT ON TABLE mart_kostra_kvalitet IS
    'The home''s figures of the newest unrevised release (15 March; else today''s) that look like reporting errors: per figure and rule (endring, utenfor_spenn, ugyldig_verdi, stemmer_ikke, utgift_uten_aktivitet, aktivitet_uten_utgift, mangler) the numbers behind the flag, how sure it is, the service area responsible, and after a later release whether SSB revised it.';
