-- mart_malekart__rejected: the målekart rows that could not be read, for the page that lists
-- them (dashboards: malekart-avviste-rader.html) and the refresh summary. The reasons are in the
-- home's language (pipelines/settings/target_messages.py); the file is the departments' own, so nothing
-- here is private.
CREATE OR REPLACE TABLE mart_malekart__rejected AS
SELECT "row", "column", "value", reason
FROM core_targets__rejected
ORDER BY "row", "column";

COMMENT ON TABLE mart_malekart__rejected IS
    'Rows of the målekart file (paths.targets) left out: row, column, value and why, in the home''s language.';
COMMENT ON COLUMN mart_malekart__rejected."row" IS 'Row of the målekart file (the header is row 1).';
COMMENT ON COLUMN mart_malekart__rejected."column" IS 'The column of the value that could not be used (the file''s own header).';
COMMENT ON COLUMN mart_malekart__rejected."value" IS 'The value as written.';
COMMENT ON COLUMN mart_malekart__rejected.reason IS 'Why the row was left out, and what to write instead.';
