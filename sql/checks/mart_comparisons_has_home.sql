-- The home municipality must have at least one comparison with a peer value.
SELECT 'no comparison of the home has a peer value' AS problem
WHERE NOT EXISTS (SELECT 1 FROM mart_comparisons WHERE peer_value IS NOT NULL);
