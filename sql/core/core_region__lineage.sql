-- core_region__lineage: each code and the code(s) it is known by today, following KLASS 131
-- changes through every reform (Drammen 0602 -> 3005 -> 3301). A split gives several rows.
CREATE OR REPLACE TABLE core_region__lineage AS
WITH RECURSIVE
renumbering AS (
    SELECT old_code, new_code, CAST(change_occurred AS DATE) AS occurred
    FROM raw_klass__municipality_changes
    WHERE kind = 'renumbering'
),
start_codes AS (
    SELECT code FROM core_region__codes WHERE country = 'NO'
    UNION SELECT old_code FROM renumbering
    UNION SELECT new_code FROM renumbering
    UNION SELECT region_code FROM raw_ssb__kostra_values WHERE region_code SIMILAR TO '[0-9]{4}'
),
chain AS (
    SELECT code, code AS current_code, code AS path, DATE '1900-01-01' AS since
    FROM start_codes
    UNION ALL
    SELECT c.code, r.new_code, c.path || ' > ' || r.new_code, r.occurred
    FROM chain AS c
    JOIN renumbering AS r ON r.old_code = c.current_code AND r.occurred > c.since
),
ends AS (
    SELECT c.code, c.current_code, c.path
    FROM chain AS c
    WHERE NOT EXISTS (
        SELECT 1 FROM renumbering AS r WHERE r.old_code = c.current_code AND r.occurred > c.since
    )
)
SELECT
    'NO' AS country,
    code,
    current_code,
    path,
    count(*) OVER (PARTITION BY code) AS current_codes
FROM ends
UNION ALL
SELECT 'SE', code, code, code, 1 FROM core_region__codes WHERE country = 'SE';

COMMENT ON TABLE core_region__lineage IS
    'Each municipality code and the code(s) it is known by today, via KLASS 131 changes; current_codes > 1 marks a split.';
COMMENT ON COLUMN core_region__lineage.path IS
    'The codes the municipality went through, e.g. 0602 > 3005 > 3301.';
