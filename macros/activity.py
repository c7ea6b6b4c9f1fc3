"""Which events count as activity: the project variable `activity_event_types` (config.yaml)."""

from sqlglot import exp
from sqlmesh import macro

EVENT_TYPE_COUNT_COLUMNS = {
    "miles_earned": "miles_earned_events",
    "miles_redeemed": "miles_redeemed_events",
    "reward_search": "reward_search_events",
    "share": "share_events",
    "like": "like_events",
}


@macro()
def counted_events(evaluator, table: exp.Expression | None = None) -> exp.Expression:
    """The sum of the backbone's per-type event counts for the event types that count as activity
    (intermediate.int_user_activity_daily has one count column per type)."""
    types = evaluator.var("activity_event_types") or list(EVENT_TYPE_COUNT_COLUMNS)
    if isinstance(types, str):
        types = [t.strip() for t in types.split(",") if t.strip()]
    unknown = sorted(set(types) - set(EVENT_TYPE_COUNT_COLUMNS))
    if unknown or not types:
        raise ValueError(
            f"activity_event_types={types!r}: expected a non-empty subset of "
            f"{', '.join(EVENT_TYPE_COUNT_COLUMNS)} (unknown: {', '.join(unknown) or 'none'})"
        )
    prefix = f"{table.sql(dialect='bigquery')}." if table is not None else ""
    columns = [f"{prefix}{EVENT_TYPE_COUNT_COLUMNS[t]}" for t in sorted(set(types))]
    return exp.maybe_parse(" + ".join(columns), dialect="bigquery")
