-- A release's view of the series: today's series, with the rows rebuilt from the values as they
-- stood at that release wherever one of their parts differed then (core_indicator_series__asof).
CREATE OR REPLACE VIEW core_indicator_series__by_release AS
SELECT 'latest' AS release, s.* FROM core_indicator_series AS s
UNION ALL BY NAME
SELECT r.release, s.*
FROM core_releases AS r
JOIN core_indicator_series AS s ON s.country = r.country AND NOT r.is_newest
ANTI JOIN core_indicator_series__asof AS a
    ON a.release = r.release AND a.indicator_id = s.indicator_id
    AND a.region_code = s.region_code AND a.year = s.year AND a.gender = s.gender
UNION ALL BY NAME
SELECT * FROM core_indicator_series__asof;

COMMENT ON VIEW core_indicator_series__by_release IS
    'Continuous series as they stood at each kept release (release = a date) and today (release = ''latest'').';
