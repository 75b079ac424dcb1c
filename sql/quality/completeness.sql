-- Completeness for the GX suite: per indicator and year, delivered values lost or changed on the
-- way into core_indicator_values, and values there that the source never delivered. Years the
-- source did not measure (source gaps) are not failures; core_indicator_coverage records them.
SELECT indicator_id, source, year, coverage, delivered_values, loaded_values, lost_or_changed,
       unexpected
FROM core_indicator_coverage
