-- core_indicator_values: one row per indicator x region x year x gender x vintage, both sources.
-- Status symbols stay beside a null value ('.', '..', ':' are not zero); provenance names the
-- archived response (archive_id) and the source mode (live / snapshot, recorded or synthetic).
-- Every version is read once; the current ones become core_indicator_values, the earlier ones
-- (and Kolada's deletions) core_indicator_values__history, from which a release's view is drawn.
CREATE OR REPLACE TEMP VIEW _indicator_versions AS
SELECT
    c.indicator_id,
    'ssb' AS source,
    'NO' AS country,
    r.region_code,
    r.region_label,
    CASE
        WHEN r.region_code IN ('EAK', 'EAKUO', '0') THEN 'national'  -- '0': Landet outside KOSTRA
        WHEN r.region_code LIKE 'EKA%' THEN 'county'
        WHEN r.region_code LIKE 'EKG%' THEN 'kostra_group'
        ELSE 'municipality'
    END AS region_kind,
    CAST(r.period AS INTEGER) AS year,
    'T' AS gender,
    r.value,
    r.status,
    coalesce(r.unit, c.unit) AS unit,
    r.vintage,
    r.table_id || '/' || r.contents_code AS source_series,
    r.archive_id,
    r.provenance,
    r.is_current,
    false AS is_deleted
FROM raw_ssb__kostra_values AS r
JOIN core_catalog__indicators AS c
    ON c.source = 'ssb' AND c.table_id = r.table_id AND c.contents_code = r.contents_code
    AND c.fixed = r.fixed
UNION ALL
SELECT
    c.indicator_id,
    'kolada' AS source,
    'SE' AS country,
    k.municipality AS region_code,
    coalesce(m.title, g.title) AS region_label,
    CASE
        WHEN k.municipality = '0000' THEN 'national'
        WHEN k.municipality LIKE 'G%' THEN 'kolada_group'
        WHEN k.municipality LIKE '00%' THEN 'region'
        ELSE 'municipality'
    END AS region_kind,
    k.period AS year,
    k.gender,
    k.value,
    nullif(k.status, '') AS status,
    c.unit,
    k.vintage,
    k.kpi AS source_series,
    k.archive_id,
    k.provenance,
    k.is_current,
    k.isdeleted AS is_deleted
FROM raw_kolada__values AS k
JOIN core_catalog__indicators AS c ON c.source = 'kolada' AND c.kpi = k.kpi
LEFT JOIN raw_kolada__municipalities AS m ON m.id = k.municipality
LEFT JOIN (SELECT DISTINCT group_id, title FROM raw_kolada__municipality_groups) AS g
    ON g.group_id = k.municipality;

CREATE OR REPLACE TABLE core_indicator_values AS
SELECT * EXCLUDE (is_current, is_deleted) FROM _indicator_versions
WHERE is_current AND NOT is_deleted;

CREATE OR REPLACE TABLE core_indicator_values__history AS
SELECT * EXCLUDE (is_current) FROM _indicator_versions
WHERE NOT is_current OR is_deleted;

DROP VIEW _indicator_versions;

COMMENT ON TABLE core_indicator_values IS
    'Indicator values from SSB (KOSTRA) and Kolada, one row per indicator, region, year, gender and vintage. Null values keep their status symbol.';
COMMENT ON COLUMN core_indicator_values.status IS
    'Status symbol from the source: . not applicable, .. not available, : suppressed. Never zero.';
COMMENT ON COLUMN core_indicator_values.vintage IS
    'Release the value comes from: SSB table updated date, Kolada pull date.';
COMMENT ON COLUMN core_indicator_values.archive_id IS
    'sha256 of the archived raw response that produced the value (data/raw/<source>/objects).';
COMMENT ON COLUMN core_indicator_values.provenance IS
    'live, snapshot:recorded (a recorded API answer), snapshot:real (real published figures rebuilt in the API''s shape; raw_ssb__fetch_log.values_from names the source) or snapshot:synthetic (demo values that are not official figures).';
COMMENT ON TABLE core_indicator_values__history IS
    'Earlier versions of indicator values (an unrevised 15 March figure revised on 15 June) and Kolada deletions; with core_indicator_values they give each release''s view.';
