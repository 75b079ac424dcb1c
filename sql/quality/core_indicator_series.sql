SELECT indicator_id, country, region_code, year, gender, harmonisation FROM core_indicator_series
