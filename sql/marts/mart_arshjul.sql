-- mart_arshjul: the KOSTRA year as dated milestones, this calendar year and the next: the
-- årshjul file's rows (every year on day.month, or on one date) and the målekart's measurements
-- whose "Når" names a day ("15. mars (KOSTRA)"), with who answers for each. The year page and
-- arshjul.ics are drawn from it; Dagster's schedules follow the file itself
-- (pipelines/domain/arshjul.py).
CREATE OR REPLACE TABLE mart_arshjul AS
WITH years AS (
    SELECT unnest([year(current_date), year(current_date) + 1]) AS year
),
months AS (
    SELECT * FROM (VALUES
        ('januar', 1), ('februar', 2), ('mars', 3), ('april', 4), ('mai', 5), ('juni', 6),
        ('juli', 7), ('august', 8), ('september', 9), ('oktober', 10), ('november', 11),
        ('desember', 12), ('januari', 1), ('maj', 5), ('augusti', 8), ('december', 12)
    ) AS m(name, month)
),
from_file AS (
    SELECT
        coalesce(a.on_date, try_cast(make_date(y.year, a.month, a.day) AS DATE)) AS day,
        a.what, a.who, a.kind, coalesce(a.source, '') AS source,
        'arshjul:' || a.row AS origin
    FROM core_settings__arshjul AS a
    CROSS JOIN years AS y
    WHERE a.on_date IS NULL OR year(a.on_date) = y.year
),
parsed AS (
    SELECT
        CAST(regexp_extract(lower(t.measured_when), '^(\d{1,2})\.?\s+([a-zæøåä]+)', 1)
             AS INTEGER) AS day_of_month,
        regexp_extract(lower(t.measured_when), '^(\d{1,2})\.?\s+([a-zæøåä]+)', 2) AS month_text,
        t.label, t.owner, t.measured_by, t.measured_when, t.row
    FROM core_targets AS t
    WHERE regexp_matches(lower(t.measured_when), '^\d{1,2}\.?\s+[a-zæøåä]+')
),
measured AS (  -- the målekart's dated measurements, once per indicator, day and owner
    SELECT day_of_month, month_text, label, owner,
        string_agg(DISTINCT measured_when, ', ' ORDER BY measured_when) AS said,
        string_agg(DISTINCT measured_by, ', ' ORDER BY measured_by) AS measured_by,
        min(row) AS first_row
    FROM parsed GROUP BY ALL
),
from_targets AS (
    SELECT
        try_cast(make_date(y.year, m.month, d.day_of_month) AS DATE) AS day,
        'Måling: ' || d.label AS what,
        coalesce(d.owner, d.measured_by, '') AS who,
        'malekart' AS kind,
        'målekart: ' || d.said || coalesce(' (måles av ' || d.measured_by || ')', '') AS source,
        'malekart:' || d.first_row AS origin
    FROM measured AS d
    JOIN months AS m ON m.name = d.month_text
    CROSS JOIN years AS y
)
SELECT * FROM (
    SELECT * FROM from_file UNION ALL SELECT * FROM from_targets
) WHERE day IS NOT NULL
ORDER BY day, kind, what, who;

COMMENT ON TABLE mart_arshjul IS
    'The KOSTRA year (årshjul) as dated milestones this calendar year and the next: the årshjul file''s rows and the målekart''s measurements with a day in "Når", with who answers for each.';
