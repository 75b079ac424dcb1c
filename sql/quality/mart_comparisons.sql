-- The comparisons mart for the GX suite; peers_behind_a_computed_figure is null unless Målestokk
-- computed the peer figure itself.
SELECT
    release, indicator_id, year, peer_set, peer_method, home_percentile,
    CASE WHEN peer_kind = 'computed' AND peer_value IS NOT NULL
        THEN n_peers_with_data END AS peers_behind_a_computed_figure
FROM mart_comparisons
