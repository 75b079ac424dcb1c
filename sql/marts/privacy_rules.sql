-- The privacy rules both marts of own figures apply (sick leave by employees, surveys by
-- respondents). They are written once, here, as macros the marts call.
--
-- A unit is hidden when it is smaller than the threshold. An area total is hidden when a unit
-- in it is hidden (else the total minus the visible units gives the hidden one away), when fewer
-- than three units report (else one unit that knows its own figures learns the other's), or
-- when one unit holds all but fewer than the threshold (else that unit, subtracting its own,
-- learns the rest). The rule is named; the hidden count never is.
--
-- A hidden row says why as data, put into the reader's words only by the pages
-- (dashboards/words.py): `suppressed_by` the rule (unit_below_minimum, area_unit_hidden,
-- area_fewer_than_3_units, area_one_unit_dominant; quarters_shown and months_shown for a
-- granularity left out), `suppression_setting` the setting whose minimum applied, and
-- `suppression_threshold` that minimum (3 units for area_fewer_than_3_units).
CREATE OR REPLACE TEMP MACRO unit_hidden_by(size, minimum) AS
    CASE WHEN size IS NULL OR size < minimum THEN 'unit_below_minimum' END;

CREATE OR REPLACE TEMP MACRO area_hidden_by(n_units, n_hidden, total, largest, minimum) AS
    CASE
        WHEN n_hidden > 0 THEN 'area_unit_hidden'
        WHEN n_units < 3 THEN 'area_fewer_than_3_units'
        WHEN total - largest < minimum THEN 'area_one_unit_dominant'
    END;

CREATE OR REPLACE TEMP MACRO suppression_setting(rule, setting) AS
    CASE WHEN rule IN ('unit_below_minimum', 'area_unit_hidden', 'area_one_unit_dominant')
        THEN setting END;

CREATE OR REPLACE TEMP MACRO suppression_threshold(rule, minimum) AS
    CAST(CASE
        WHEN rule IN ('unit_below_minimum', 'area_unit_hidden', 'area_one_unit_dominant')
            THEN minimum
        WHEN rule = 'area_fewer_than_3_units' THEN 3
    END AS INTEGER);
