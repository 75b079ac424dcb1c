-- core_releases: the releases of the home country's source a comparison can be drawn as of.
-- A release is a date the source published figures that are still in the history: SSB's table
-- `updated` (15 March: unrevised, 15 June: revised, other dates: corrections), Kolada's pull
-- dates. The newest release is what every table holds as "latest"; the ${releases_kept} newest
-- are kept (March, June and a correction of one KOSTRA year).
CREATE OR REPLACE TABLE core_releases AS
WITH home AS (SELECT country FROM core_settings__home),
dates AS (
    SELECT DISTINCT v.country, v.vintage AS release
    FROM (SELECT country, vintage FROM core_indicator_values
          UNION ALL SELECT country, vintage FROM core_indicator_values__history) AS v
    JOIN home USING (country)
    WHERE v.vintage IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY release DESC) AS newest_first FROM dates
)
SELECT
    country,
    release,
    newest_first = 1 AS is_newest,
    CASE
        WHEN country = 'SE' THEN 'pull'
        WHEN try_cast(release AS DATE) IS NULL THEN 'release'
        WHEN month(CAST(release AS DATE)) BETWEEN 3 AND 5 THEN 'unrevised'
        WHEN month(CAST(release AS DATE)) = 6 THEN 'revised'
        ELSE 'correction'
    END AS kind
FROM ranked
WHERE newest_first <= ${releases_kept};

-- core_indicator_values__asof: for each kept release but the newest, the cells whose value as
-- it stood then differs from today's: an unrevised March value revised in June, a cell not yet
-- published then (value and status NULL, published = false), a Kolada value since deleted.
-- Every other cell of a release's view is today's row (core_indicator_values__by_release).
-- core_indicator_values__asof (below) reads these twice: a temporary table, which DuckDB can
-- spill to disk, not a CTE held in memory.
-- A cell whose row of today was published by the release stood then as it stands now, so only
-- cells published (again) after the release, or gone since, are looked up in the history: the
-- newest version the release had (by vintage; of equal vintages the one not deleted).
CREATE OR REPLACE TEMP TABLE _as_of AS
WITH releases AS (SELECT country, release FROM core_releases WHERE NOT is_newest)
SELECT r.release, h.*
FROM releases AS r
JOIN core_indicator_values__history AS h ON h.country = r.country AND h.vintage <= r.release
ANTI JOIN core_indicator_values AS c
    ON c.indicator_id = h.indicator_id AND c.region_code = h.region_code
    AND c.year = h.year AND c.gender = h.gender AND c.vintage <= r.release
QUALIFY row_number() OVER (
    PARTITION BY r.release, h.indicator_id, h.region_code, h.year, h.gender
    ORDER BY h.vintage DESC, h.is_deleted
) = 1;

CREATE OR REPLACE TABLE core_indicator_values__asof AS
WITH releases AS (SELECT country, release FROM core_releases WHERE NOT is_newest),
-- today's rows published after the oldest kept release: the only ones an as_of cell can have
late AS (
    SELECT * FROM core_indicator_values
    WHERE vintage > (SELECT min(release) FROM releases)
),
revised AS (
    SELECT a.* EXCLUDE (is_deleted), NOT a.is_deleted AS published
    FROM _as_of AS a
    LEFT JOIN late AS c USING (indicator_id, region_code, year, gender)
    WHERE a.is_deleted OR c.indicator_id IS NULL
       OR a.value IS DISTINCT FROM c.value OR a.status IS DISTINCT FROM c.status
),
not_yet AS (
    SELECT r.release, c.* REPLACE (NULL::DOUBLE AS value, NULL::VARCHAR AS status),
           false AS published
    FROM releases AS r
    JOIN core_indicator_values AS c
        ON c.country = r.country AND (c.vintage IS NULL OR c.vintage > r.release)
    ANTI JOIN _as_of AS a
        ON a.release = r.release AND a.indicator_id = c.indicator_id
        AND a.region_code = c.region_code AND a.year = c.year AND a.gender = c.gender
)
SELECT * REPLACE (
    CASE WHEN published THEN value END AS value, CASE WHEN published THEN status END AS status
) FROM revised
UNION ALL BY NAME
SELECT * FROM not_yet;

DROP TABLE _as_of;

-- A release's view of the values: today's rows, with the cells that stood otherwise then
-- replaced. 'latest' is today's.
CREATE OR REPLACE VIEW core_indicator_values__by_release AS
SELECT 'latest' AS release, c.*, true AS published FROM core_indicator_values AS c
UNION ALL BY NAME
SELECT r.release, c.*, true AS published
FROM core_releases AS r
JOIN core_indicator_values AS c ON c.country = r.country AND NOT r.is_newest
ANTI JOIN core_indicator_values__asof AS a
    ON a.release = r.release AND a.indicator_id = c.indicator_id
    AND a.region_code = c.region_code AND a.year = c.year AND a.gender = c.gender
UNION ALL BY NAME
SELECT * FROM core_indicator_values__asof;

COMMENT ON TABLE core_releases IS
    'The releases a comparison can be drawn as of (home country): SSB release dates (unrevised 15 March, revised 15 June, corrections) or Kolada pull dates; the newest is "latest".';
COMMENT ON TABLE core_indicator_values__asof IS
    'Per kept release but the newest: the cells whose value then differs from today''s (revised later, not yet published, deleted since).';
COMMENT ON VIEW core_indicator_values__by_release IS
    'Indicator values as they stood at each kept release (release = a date) and today (release = ''latest'').';
