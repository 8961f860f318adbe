"""govcat's benchmarks: synthetic catalogs, per-area measurements against floors, one table."""
