-- The units as they are today (local_raw.units, is_current): the one definition the marts of own
-- figures join for a unit's name and service area. A temporary view: it lives for the build's
-- connection only and is never published.
CREATE OR REPLACE TEMP VIEW current_units AS
SELECT unit_id, unit_name, service_area FROM local_raw.units WHERE is_current;
