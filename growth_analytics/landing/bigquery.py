"""The landing files of an interval into BigQuery with one load job.

BigQuery's own loaders cannot give what the quarantine needs: a CSV load has no line numbers
(`_FILE_NAME` names the file, nothing names the line), drops or fails whole lines it cannot
split, and cannot count a file's lines apart from its records. So the runner's embedded DuckDB
reads the interval's files (the same SQL as on DuckDB, growth_analytics/landing/pieces.py) into
one Parquet file, and one load job ships it to a scratch table that the staging model reads: one
load job per batch of landing days (up to staging's batch_size), however many files they hold.
The pieces pass through the runner's disk, not through Python: DuckDB writes the Parquet itself.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import tempfile
import uuid
from pathlib import Path

from growth_analytics.landing.pieces import PIECE_COLUMNS, write_pieces_parquet
from growth_analytics.landing.sources import LandingSource

# The scratch tables' dataset, beside the project's own (raw, staging, ...). Its tables expire
# after a day, and each run deletes its own when it exits.
SCRATCH_DATASET = "landing_loads"
SCRATCH_EXPIRATION_MS = 24 * 3600 * 1000
_BIGQUERY_TYPES = {"DATE": "DATE", "STRING": "STRING", "INT64": "INT64"}

_LOADED: list[tuple[object, str]] = []  # (client, table id) to delete when the process exits
# SQLMesh may render a model's query more than once for one evaluation: one load per interval
# and process, whatever the number of renders.
_BY_INTERVAL: dict[tuple[str, dt.date, dt.date, dt.date], str | None] = {}


def load_pieces(
    client,
    landing_dir: str | Path | LandingSource,
    start: dt.date,
    end: dt.date,
    first_date: dt.date,
) -> str | None:
    """Loads the pieces of [start, end] into a new scratch table and returns its id
    (project.dataset.table); None when the interval has no pieces (no job is issued)."""
    key = (str(landing_dir), start, end, first_date)
    if key not in _BY_INTERVAL:
        _BY_INTERVAL[key] = _load(client, landing_dir, start, end, first_date)
    return _BY_INTERVAL[key]


def _load(client, landing_dir, start, end, first_date) -> str | None:
    from google.cloud import bigquery

    with tempfile.TemporaryDirectory(prefix="landing-load-") as scratch:
        parquet = Path(scratch) / "pieces.parquet"
        if write_pieces_parquet(landing_dir, start, end, first_date, parquet) == 0:
            return None
        dataset = bigquery.Dataset(f"{client.project}.{SCRATCH_DATASET}")
        dataset.default_table_expiration_ms = SCRATCH_EXPIRATION_MS
        if client.location:
            dataset.location = client.location
        client.create_dataset(dataset, exists_ok=True)
        table_id = (
            f"{client.project}.{SCRATCH_DATASET}."
            f"pieces_{start:%Y%m%d}_{end:%Y%m%d}_{uuid.uuid4().hex[:12]}"
        )
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            schema=[
                bigquery.SchemaField(name, _BIGQUERY_TYPES[kind])
                for name, kind in PIECE_COLUMNS.items()
            ],
        )
        with parquet.open("rb") as stream:
            client.load_table_from_file(stream, table_id, job_config=config).result()
    _LOADED.append((client, table_id))
    return table_id


def drop_loaded() -> None:
    """Deletes the scratch tables this process loaded (an API call each, not a job)."""
    _BY_INTERVAL.clear()
    while _LOADED:
        client, table_id = _LOADED.pop()
        # Best effort: the table expires anyway.
        with contextlib.suppress(Exception):
            client.delete_table(table_id, not_found_ok=True)


atexit.register(drop_loaded)
