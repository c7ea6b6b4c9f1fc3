"""Landing files: where they are (sources), which are read and on which day (layout), and the
DuckDB queries that read them (pieces, with the SQL beside it)."""

from growth_analytics.landing.layout import (
    Discovery,
    LandingFile,
    SkippedPath,
    discover,
    partition_date_of,
)
from growth_analytics.landing.pieces import (
    EVENT_COLUMNS,
    PIECE_COLUMNS,
    ReadPlan,
    empty_pieces_sql,
    pieces_sql,
    plan_for_query,
    plan_reading,
    read_pieces,
    release_plans,
)
from growth_analytics.landing.sources import (
    GcsSource,
    LandingError,
    LandingSource,
    LocalSource,
    gcs_client,
    landing_source,
)

__all__ = [
    "EVENT_COLUMNS",
    "PIECE_COLUMNS",
    "Discovery",
    "GcsSource",
    "LandingError",
    "LandingFile",
    "LandingSource",
    "LocalSource",
    "ReadPlan",
    "SkippedPath",
    "discover",
    "empty_pieces_sql",
    "gcs_client",
    "landing_source",
    "partition_date_of",
    "pieces_sql",
    "plan_for_query",
    "plan_reading",
    "read_pieces",
    "release_plans",
]
