-- mart_local__files: which imported files the own figures come from (names and counts only, no
-- figure), so every output can say where its own figures came from and label the demo's
-- synthetic samples (source 'snapshot').
CREATE OR REPLACE TABLE mart_local__files AS
SELECT file, kind, source, imported_at, status, rows_loaded
FROM local_raw.files
WHERE status IN ('loaded', 'partly loaded');

COMMENT ON TABLE mart_local__files IS
    'The imported files behind the own figures (name, kind, how it came, rows loaded); source snapshot marks the demo''s synthetic samples.';
