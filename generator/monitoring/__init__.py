"""Monitoring: ingest exports into the parquet store, and aggregate health from it.

- `store`: the on-disk layout, locking, atomic commits, compact and verify;
- `readers` / `evidently`: export files (CSV, JSON Lines, parquet, Evidently JSON) → rows;
- `ingest`: row checks, deduplication and conflicts, then one atomic commit;
- `aggregate`: all the DuckDB SQL that turns the store into `generator.health` objects.
"""
