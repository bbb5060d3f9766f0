"""The heavy passes over the activity table, run where the events already live.

The passes (the window pass, the block aggregates, the history per account, which sources
exist, the weekly series of the efficiency view) are written once as Ibis expressions
(`passes`, `weekly`), which Ibis compiles for DuckDB, Spark, PostgreSQL and the other SQL
engines it reaches; they return small per-account or per-week tables, and everything after
them runs in polars as with the default engine. `connect` names and opens an engine, `table`
opens and checks the activity table on it.
"""
