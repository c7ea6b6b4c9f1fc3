"""Deterministic identifiers that come out the same on BigQuery and DuckDB."""

from sqlglot import exp
from sqlmesh import macro

from growth_analytics.contract import EVENT_COLUMNS


@macro()
def fingerprint(evaluator, *columns: exp.Expression) -> exp.Expression:
    """TO_HEX(MD5(...)) over each value as text with its length in front ("3:abc"), NULL as "~".

    The length prefix makes the encoding unambiguous whatever the values contain (a plain
    separator could appear inside a value), and it keeps NULL apart from the empty string.
    Pass DATETIMEs through FORMAT_DATETIME first: engines print fractions of seconds differently.
    """
    pieces = []
    for column in columns:
        text = f"CAST({column.sql(dialect='bigquery')} AS STRING)"
        pieces.append(f"IFNULL(CONCAT(CAST(LENGTH({text}) AS STRING), ':', {text}), '~')")
    return exp.maybe_parse(f"TO_HEX(MD5(CONCAT({', '.join(pieces)})))", dialect="bigquery")


@macro()
def event_id(evaluator, table: exp.Expression | None = None) -> exp.Expression:
    """An event's fingerprint from its eight normalised fields (EVENT_COLUMNS, of the given table
    alias or unqualified): two records are the same event exactly when their fingerprints are
    equal."""
    prefix = table.sql(dialect="bigquery") if table is not None else None
    first, *rest = (exp.column(name, table=prefix) for name in EVENT_COLUMNS)
    time_text = exp.maybe_parse(
        f"FORMAT_DATETIME('%F %H:%M:%E6S', {first.sql(dialect='bigquery')})", dialect="bigquery"
    )
    return fingerprint(evaluator, time_text, *rest)


# The order of a user's events that share one instant: by their other fields, in contract order.
# A definition choice (any fixed order would do) that needs no hashing in the hot path.
TIE_BREAK_COLUMNS = EVENT_COLUMNS[2:]


@macro()
def in_event_order(evaluator, table: exp.Expression | None = None) -> list[exp.Expression]:
    """event_time, then the tie-break columns: ORDER BY @in_event_order(alias)."""
    prefix = f"{table.sql(dialect='bigquery')}." if table is not None else ""
    return [
        exp.column(name, table=prefix.rstrip(".") or None)
        for name in ("event_time", *TIE_BREAK_COLUMNS)
    ]


# The duplicate look-up's key in staging.stg_events_classified: the eight contract fields, the
# nullable ones as never-NULL keys ('' or -1 for a missing value), so that equality joins match.
# Each key column from the staged field it stands for, with the stand-in for a missing value
# (None: the field is never NULL where the key is used).
DUPLICATE_KEY_FIELDS = {
    "event_time": ("event_time", None),
    "user_id": ("user_id", None),
    "event_type": ("event_type", None),
    "category_key": ("transaction_category", "''"),
    "miles_key": ("miles_amount", "-1"),
    "platform": ("platform", None),
    "utm_source_key": ("utm_source", "''"),
    "country_key": ("country", "''"),
}
DUPLICATE_KEY_COLUMNS = tuple(DUPLICATE_KEY_FIELDS)


@macro()
def duplicate_key(evaluator, table: exp.Expression | None = None) -> list[exp.Expression]:
    """The duplicate key's columns (of `table` if given): SELECT, GROUP BY or PARTITION BY."""
    name = table.sql(dialect="bigquery") if table is not None else None
    return [exp.column(column, table=name) for column in DUPLICATE_KEY_COLUMNS]


@macro()
def duplicate_key_of(evaluator, table: exp.Expression | None = None) -> list[exp.Expression]:
    """The duplicate key computed from staged fields (of `table` if given), each aliased to its
    key column: SELECT @duplicate_key_of(previous) FROM ... AS previous."""
    prefix = f"{table.sql(dialect='bigquery')}." if table is not None else ""
    keys = []
    for column, (field, missing) in DUPLICATE_KEY_FIELDS.items():
        value = f"{prefix}{field}" if missing is None else f"IFNULL({prefix}{field}, {missing})"
        keys.append(exp.maybe_parse(f"{value} AS {column}", dialect="bigquery"))
    return keys


@macro()
def same_duplicate_key(evaluator, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """left and right hold the same event: ON @same_duplicate_key(events, staged_before)."""
    return exp.and_(
        *(
            exp.column(column, table=left.sql(dialect="bigquery")).eq(
                exp.column(column, table=right.sql(dialect="bigquery"))
            )
            for column in DUPLICATE_KEY_COLUMNS
        )
    )
