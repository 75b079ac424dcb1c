-- mart_comparisons: the home municipality against each of its peer sets, per indicator and year.
-- The home value is today's municipality's continuous series (core_indicator_series).
-- Published peer figures (SSB EKGnn/EAK/EAKUO, Kolada groups and Riket) are used as published.
-- Computed peer figures (ASSS, the user's sets, and a published set for a figure the source
-- publishes no group row of) are made as SSB makes its group and Landet rows, from every member
-- of the set, the home too (docs/conventions.md): a ratio as sum of numerators / sum of
-- denominators when the catalog names them, else a mean weighted by the catalog's `weight`
-- population; an absolute figure (grunnlagstall) as the SUM of the members; a nøkkeltall with
-- neither as the unweighted mean (said so). Populations are those at 31.12 of the year
-- (07459 at 1.1 of the next: catalog denominator_year_offset / weight_year_offset).
-- peer_method says which. Only nøkkeltall are ranked and coloured: a grunnlagstall (absolute
-- count or amount) of a city is not better or worse than a small town's sum.
-- Every comparison is drawn for today's figures (release = 'latest') and as it stood at each
-- kept earlier release (release = its date: the unrevised 15 March figures, say), from the
-- release views of the series and the published group rows.
CREATE OR REPLACE TABLE mart_comparisons AS
WITH home AS (SELECT country, municipality FROM core_settings__home),
series AS (SELECT * FROM core_indicator_series__by_release),
home_series AS (
    SELECT s.*
    FROM series AS s
    JOIN home ON s.country = home.country AND s.region_code = home.municipality
    WHERE s.gender = 'T'
),
sets AS (
    SELECT DISTINCT peer_set, label, kind, year, peer_region, method, is_default,
           membership_provenance
    FROM core_peer_sets
),
members AS (  -- every member, the home too when it is one (as SSB's group rows)
    SELECT DISTINCT p.peer_set, p.year, p.member_code
    FROM core_peer_sets AS p
    WHERE p.member_code IS NOT NULL
),
member_values AS (  -- the members' values, decided once in mart_peer_values
    SELECT v.release, v.peer_set, v.year, v.indicator_id, v.region_code, v.value
    FROM mart_peer_values AS v
    JOIN members AS m
        ON m.peer_set = v.peer_set AND m.year = v.year AND m.member_code = v.region_code
),
unweighted AS (  -- absolute figures are summed (SSB's Landet and group rows); others averaged
    SELECT mv.release, mv.peer_set, mv.year, mv.indicator_id,
           CASE WHEN any_value(c.kind) = 'grunnlagstall' THEN sum(mv.value) ELSE avg(mv.value) END
               AS value,
           count(*) AS n_peers
    FROM member_values AS mv
    JOIN core_catalog__indicators AS c USING (indicator_id)
    GROUP BY ALL
),
weighted AS (
    SELECT
        n.release, m.peer_set, m.year, c.indicator_id,
        any_value(c.ratio_scale) * sum(n.value) / sum(d.value) AS value,
        count(*) AS n_peers
    FROM members AS m
    JOIN core_catalog__indicators AS c ON c.numerator IS NOT NULL AND c.denominator IS NOT NULL
    JOIN series AS n
        ON n.indicator_id = c.numerator AND n.region_code = m.member_code AND n.year = m.year
        AND n.gender = 'T'
    JOIN series AS d
        ON d.indicator_id = c.denominator AND d.region_code = m.member_code
        AND d.year = m.year + c.denominator_year_offset AND d.gender = 'T' AND d.release = n.release
    WHERE n.value IS NOT NULL AND d.value IS NOT NULL AND d.value <> 0
    GROUP BY ALL
),
population_weighted AS (
    SELECT
        v.release, m.peer_set, m.year, c.indicator_id,
        sum(v.value * w.value) / sum(w.value) AS value,
        count(*) AS n_peers,
        any_value(wc.label) AS weight_label
    FROM members AS m
    JOIN core_catalog__indicators AS c ON c.weight IS NOT NULL AND c.numerator IS NULL
    JOIN core_catalog__indicators AS wc ON wc.indicator_id = c.weight
    JOIN series AS v
        ON v.indicator_id = c.indicator_id AND v.region_code = m.member_code AND v.year = m.year
        AND v.gender = 'T'
    JOIN series AS w
        ON w.indicator_id = c.weight AND w.region_code = m.member_code
        AND w.year = m.year + c.weight_year_offset AND w.gender = 'T' AND w.release = v.release
    WHERE v.value IS NOT NULL AND w.value IS NOT NULL AND w.value > 0
    GROUP BY ALL
),
published AS (
    SELECT v.release, v.indicator_id, v.year, v.region_code, v.region_label, v.value, v.status,
           v.vintage
    FROM core_indicator_values__by_release AS v
    JOIN home ON v.country = home.country
    WHERE v.gender = 'T' AND v.region_kind <> 'municipality'
),
has_published AS (SELECT DISTINCT indicator_id, region_code FROM published),
-- which set/indicator pairs are computed here: the computed sets, and a published set (KOSTRA
-- group, country) for an indicator the source publishes no group figures of (derived figures,
-- the population of 07459)
plan AS (
    SELECT
        s.*, c.indicator_id, c.kind AS indicator_kind,
        s.kind = 'computed' OR (s.kind = 'published' AND hp.indicator_id IS NULL) AS computed_here
    FROM sets AS s
    CROSS JOIN core_catalog__indicators AS c
    LEFT JOIN has_published AS hp
        ON hp.indicator_id = c.indicator_id AND hp.region_code = s.peer_region
),
ranked AS (SELECT * FROM mart_peer_values WHERE rank IS NOT NULL),
base AS (
    SELECT
        h.release,
        h.indicator_id,
        h.source,
        h.year,
        h.vintage,
        h.region_code AS home_region,
        h.region_label AS home_label,
        h.value AS home_value,
        h.status AS home_status,
        h.harmonisation AS home_harmonisation,
        s.peer_set,
        CASE WHEN s.computed_here THEN 'computed' ELSE s.kind END AS peer_kind,
        s.is_default AS is_default_peer_set,
        coalesce(p.region_code, s.peer_region) AS peer_region,
        -- a group whose membership was made for the demo keeps the label that says so
        CASE WHEN s.membership_provenance = 'snapshot:synthetic' THEN s.label
             ELSE coalesce(p.region_label, s.label) END AS peer_label,
        CASE
            WHEN s.kind = 'unavailable' THEN s.method
            WHEN NOT s.computed_here AND s.method LIKE 'published by SSB%'
                THEN s.method || CASE WHEN s.indicator_kind = 'grunnlagstall'
                                      THEN ': the sum of its members'
                                      ELSE ': SSB''s figure for all its members' END
            WHEN NOT s.computed_here THEN s.method
            WHEN w.value IS NOT NULL
                THEN 'sum of numerators / sum of denominators of ' || w.n_peers
                     || ' members, home included (as SSB)'
                     || CASE WHEN any_c.denominator_year_offset = 1
                             THEN '; population at 31.12.' ELSE '' END
            WHEN pw.value IS NOT NULL
                THEN 'mean of ' || pw.n_peers || ' members weighted by ' || pw.weight_label
                     || CASE WHEN any_c.weight_year_offset = 1 THEN ' at 31.12.' ELSE '' END
                     || ', home included (as SSB)'
            WHEN u.value IS NOT NULL AND s.indicator_kind = 'grunnlagstall'
                THEN 'sum of ' || u.n_peers || ' members (absolute figures, as SSB), '
                     || 'home included'
            WHEN u.value IS NOT NULL
                THEN 'unweighted mean of ' || u.n_peers || ' members (no weight in the '
                     || 'catalog), home included'
            ELSE 'no member has a value'
        END
        || CASE WHEN s.kind = 'published' AND s.computed_here
                THEN '; computed from the members of ' || s.peer_region
                     || ' (the source publishes no group figure)' ELSE '' END AS peer_method,
        CASE
            WHEN s.computed_here THEN coalesce(w.value, pw.value, u.value)
            WHEN s.kind = 'published' THEN p.value
        END AS peer_value,
        CASE WHEN s.kind = 'published' AND NOT s.computed_here THEN p.status END AS peer_status,
        CASE
            WHEN s.computed_here THEN coalesce(w.n_peers, pw.n_peers, u.n_peers, 0)
            ELSE coalesce(u.n_peers, 0)
        END AS n_peers_with_data,
        rk.rank AS home_rank,
        rk.n_ranked,
        h.provenance
    FROM home_series AS h
    JOIN plan AS s ON s.year = h.year AND s.indicator_id = h.indicator_id
    JOIN core_catalog__indicators AS any_c ON any_c.indicator_id = h.indicator_id
    LEFT JOIN published AS p
        ON s.kind = 'published' AND p.indicator_id = h.indicator_id AND p.year = h.year
        AND p.region_code = s.peer_region AND p.release = h.release
    LEFT JOIN weighted AS w
        ON s.computed_here AND w.peer_set = s.peer_set AND w.year = h.year
        AND w.indicator_id = h.indicator_id AND w.release = h.release
    LEFT JOIN population_weighted AS pw
        ON s.computed_here AND pw.peer_set = s.peer_set AND pw.year = h.year
        AND pw.indicator_id = h.indicator_id AND pw.release = h.release
    LEFT JOIN unweighted AS u  -- for published sets: only the count of members with data
        ON u.peer_set = s.peer_set AND u.year = h.year AND u.indicator_id = h.indicator_id
        AND u.release = h.release
    LEFT JOIN ranked AS rk
        ON rk.peer_set = s.peer_set AND rk.year = h.year AND rk.indicator_id = h.indicator_id
        AND rk.region_code = h.region_code AND rk.release = h.release
)
SELECT
    b.release,
    coalesce(r.kind, 'latest') AS release_kind,
    b.indicator_id,
    c.label,
    c.unit,
    c.kind AS indicator_kind,
    c.per,
    c.service_area,
    c.perspective,
    b.source,
    b.year,
    b.vintage,
    b.home_region,
    b.home_label,
    b.home_value,
    b.home_status,
    b.home_harmonisation,
    b.peer_set,
    b.peer_kind,
    b.is_default_peer_set,
    b.peer_region,
    b.peer_label,
    b.peer_method,
    b.peer_value,
    b.peer_status,
    b.n_peers_with_data,
    b.home_value - b.peer_value AS gap_abs,
    -- a difference of two percentages is in prosentpoeng, never a percent of a percent
    CASE WHEN b.peer_value <> 0 AND c.unit NOT IN ('prosent', '%')
        THEN 100 * (b.home_value - b.peer_value) / abs(b.peer_value)
    END AS gap_pct,
    CASE WHEN c.unit IN ('prosent', '%') THEN b.home_value - b.peer_value END AS gap_points,
    c.higher_is_better,
    CASE
        WHEN c.kind <> 'nøkkeltall' THEN NULL
        WHEN c.higher_is_better IS NULL OR b.home_value IS NULL OR b.peer_value IS NULL THEN NULL
        WHEN b.home_value = b.peer_value THEN NULL
        ELSE (b.home_value > b.peer_value) = c.higher_is_better
    END AS gap_is_good,
    b.home_rank,
    b.n_ranked,
    CASE WHEN b.n_ranked > 1
        THEN round(100.0 * (b.n_ranked - b.home_rank) / (b.n_ranked - 1), 1)
    END AS home_percentile,
    b.home_value - b3.home_value AS home_trend_3y,
    b.peer_value - b3.peer_value AS peer_trend_3y,
    CASE b.source WHEN 'kolada' THEN 'Källa: Kolada' ELSE 'Kilde: Statistisk sentralbyrå' END
        AS attribution,
    b.provenance
FROM base AS b
JOIN core_catalog__indicators AS c USING (indicator_id)
LEFT JOIN core_releases AS r ON r.release = b.release
LEFT JOIN base AS b3
    ON b3.indicator_id = b.indicator_id AND b3.peer_set = b.peer_set AND b3.year = b.year - 3
    AND b3.release = b.release;

COMMENT ON TABLE mart_comparisons IS
    'Home municipality against each peer set per indicator and year: published or computed peer figure (peer_method says how), gap, rank, percentile, 3-year trend.';
COMMENT ON COLUMN mart_comparisons.peer_method IS
    'How the peer figure was made: published by SSB/Kolada, or computed here as SSB computes its group rows from every member, the home too (sum of numerators / sum of denominators, a mean weighted by the 31.12 population, the sum for absolute figures).';
COMMENT ON COLUMN mart_comparisons.gap_pct IS
    'Home minus peer in percent of the peer figure; null for a percentage (its gap is gap_points).';
COMMENT ON COLUMN mart_comparisons.gap_points IS
    'For a percentage: home minus peer in prosentpoeng (percentage points); null otherwise.';
COMMENT ON COLUMN mart_comparisons.indicator_kind IS
    'nøkkeltall (ranked, coloured, given targets) or grunnlagstall (absolute: no rank, percentile or colour).';
COMMENT ON COLUMN mart_comparisons.gap_is_good IS
    'True when the gap points the good way by the catalog (higher_is_better); null when neutral or missing.';
COMMENT ON COLUMN mart_comparisons.home_rank IS
    '1 = best among the home and the peers with a value (highest first when neutral).';
COMMENT ON COLUMN mart_comparisons.home_percentile IS
    '100 = best, 0 = worst among the home and the peers with a value.';
COMMENT ON COLUMN mart_comparisons.home_trend_3y IS
    'Home value minus its value three years earlier.';
COMMENT ON COLUMN mart_comparisons.vintage IS
    'Release the home value comes from (SSB table updated date, Kolada pull date).';
COMMENT ON COLUMN mart_comparisons.release IS
    'latest: today''s figures; a date: the comparison as it stood at that release (release_kind says unrevised, revised, correction or Kolada pull).';
