-- Målekart rows that could not be read, as the user's file has them.
SELECT 'row ' || "row" || ', ' || "column" || ' ''' || coalesce("value", '') || ''': ' || reason
    AS problem
FROM mart_malekart__rejected
ORDER BY "row", "column";
