"""@orders_storage(): TRUE where the order of a model's rows decides what later reads skip, for
`@ORDER_BY(@orders_storage()) activity_date, user_id` at the end of a model's query (a total
order: SQLMesh's unit tests then compare the rows in that order).

DuckDB skips row groups by their min/max (zone maps), not by partition: a user x day table written
in one backfill comes out of its windows and joins in user order, so every row group spans the
whole history and each daily read of a few days scans all of it (measured: the 360-day history's
daily run read user_engagement_daily whole in each of four models). Written in date order, a
day's rows sit in a few row groups. BigQuery prunes the table's date partitions instead, and a
top-level ORDER BY there sorts the whole result on one worker: it gets none."""

from sqlglot import exp
from sqlmesh import macro
from sqlmesh.utils.errors import SQLMeshError


@macro()
def orders_storage(evaluator) -> exp.Boolean:
    try:
        dialect = evaluator.engine_adapter.dialect
    except SQLMeshError:  # rendered outside a run (sqlmesh render): the portable query
        return exp.false()
    return exp.true() if dialect == "duckdb" else exp.false()
