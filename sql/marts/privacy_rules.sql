-- The privacy rules both marts of own figures apply (sick leave by employees, surveys by
-- respondents). They are written once, here, as macros the two marts call.
--
-- A unit is hidden when it is smaller than the threshold. An area total is hidden when a unit
-- in it is hidden (else the total minus the visible units gives the hidden one away), when fewer
-- than three units report (else one unit that knows its own figures learns the other's), or
-- when one unit holds all but fewer than the threshold (else that unit, subtracting its own,
-- learns the rest). The rule is named; the hidden count never is.
CREATE OR REPLACE TEMP MACRO unit_hidden_by(size, minimum, rule) AS
    CASE WHEN size IS NULL OR size < minimum THEN rule || '=' || minimum END;

CREATE OR REPLACE TEMP MACRO area_hidden_by(n_units, n_hidden, total, largest, minimum, rule) AS
    CASE
        WHEN n_hidden > 0 THEN 'area: a unit in it is hidden (' || rule || '=' || minimum || ')'
        WHEN n_units < 3 THEN 'area: fewer than 3 units report'
        WHEN total - largest < minimum
            THEN 'area: one unit holds nearly all of it (' || rule || '=' || minimum || ')'
    END;
