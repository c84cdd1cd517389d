DROP TABLE stats_key;
DROP TABLE stats_batches;
