"""Deterministic identifiers that come out the same on BigQuery and DuckDB."""

from sqlglot import exp
from sqlmesh import macro


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
