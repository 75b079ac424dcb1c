-- home_settings: the tables one more home's outputs are computed from, in that home's own
-- in-memory database, in front of the published national warehouse (attached read-only as
-- `nat`, next on the search path). The home-dependent models (peer sets, peer values,
-- comparisons, challenge note, need-adjusted spending, scorecard) are then run from their own
-- files in sql/ and read these first.
CREATE OR REPLACE TABLE core_settings__home AS
SELECT '${country}' AS country, '${municipality}' AS municipality, first_year, last_year,
       ${network} AS network_peer_set
FROM nat.core_settings__home;

-- The own figures, the målekart, its targets and the challenge-note answers are the primary
-- home's alone (imported from its own files): another home's outputs get them empty, with the
-- same columns, so no figure of one municipality is shown under another's name.
CREATE OR REPLACE TABLE core_targets AS SELECT * FROM nat.core_targets LIMIT 0;
CREATE OR REPLACE TABLE core_challenge_answers AS SELECT * FROM nat.core_challenge_answers LIMIT 0;
CREATE OR REPLACE TABLE mart_local__sick_leave AS SELECT * FROM nat.mart_local__sick_leave LIMIT 0;
CREATE OR REPLACE TABLE mart_local__surveys AS SELECT * FROM nat.mart_local__surveys LIMIT 0;
CREATE OR REPLACE TABLE mart_local__own_measures AS
SELECT * FROM nat.mart_local__own_measures LIMIT 0;
CREATE OR REPLACE TABLE mart_local__survey_plan AS SELECT * FROM nat.mart_local__survey_plan LIMIT 0;
CREATE OR REPLACE TABLE mart_local__files AS SELECT * FROM nat.mart_local__files LIMIT 0;
CREATE OR REPLACE TABLE mart_malekart AS SELECT * FROM nat.mart_malekart LIMIT 0;
CREATE OR REPLACE TABLE mart_malekart__rejected AS SELECT * FROM nat.mart_malekart__rejected LIMIT 0;
-- so are its tiltak and its årshjul (its own deadlines and målekart), and the quality worklist,
-- which checks the primary home's own reported figures (a network's homes check their own)
CREATE OR REPLACE TABLE mart_tiltak AS SELECT * FROM nat.mart_tiltak LIMIT 0;
CREATE OR REPLACE TABLE mart_arshjul AS SELECT * FROM nat.mart_arshjul LIMIT 0;
CREATE OR REPLACE TABLE mart_kostra_kvalitet AS SELECT * FROM nat.mart_kostra_kvalitet LIMIT 0;
