"""raw.landed_events: every line of every landing file, as text, keyed on the day it landed."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import logging
import typing as t
from pathlib import Path

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

from growth_analytics import landing, settings

# SQLMesh serialises a Python model with the source of everything it calls from the project, and
# the reader's module-level values (paths, compiled patterns) cannot be serialised. So the model
# imports the reader by name when it runs, and carries the reader's digest as a plain value: an
# edit to the reader still makes a new model version, as an edit to a SQL model would.
READER_MODULE = landing.__name__
READER_DIGEST = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (landing, settings))
).hexdigest()

RAW_COLUMN_DESCRIPTIONS = {
    "landed_date": "Day the row landed: its dt= folder or file-name date; for an unpartitioned "
    "file, the row's own event date (never before the project start).",
    "source_file": "Path of the landing file, relative to the landing folder.",
    "source_line": "1-based physical line of the file (Parquet: row number).",
    **{name: "As written in the file; typed in staging." for name in landing.EVENT_COLUMNS},
    "parse_error": "Why the line could not be split into fields (NULL when it could).",
    "raw_line": "The line as text when it could not be split into fields.",
}


@model(
    "raw.landed_events",
    description=(
        "Every physical line of every landing file (CSV or Parquet), good or bad, as text, with "
        "its file and line number. Keyed on the landing (arrival) date, never on event_time: "
        "SQLMesh filters an incremental model's output to its interval on the time column, so a "
        "raw layer keyed on event_time would silently drop every late event."
    ),
    kind=dict(name=ModelKindName.INCREMENTAL_BY_TIME_RANGE, time_column="landed_date"),
    grain=["source_file", "source_line"],
    cron="@daily",
    columns=landing.RAW_COLUMNS,
    column_descriptions=RAW_COLUMN_DESCRIPTIONS,
    audits=[
        (
            "not_null",
            {"columns": [exp.column(c) for c in ("landed_date", "source_file", "source_line")]},
        ),
        (
            "unique_combination_of_columns",
            {"columns": [exp.column(c) for c in ("source_file", "source_line")]},
        ),
    ],
)
def execute(
    context: ExecutionContext,
    start: dt.datetime,
    end: dt.datetime,
    execution_time: dt.datetime,
    **kwargs: t.Any,
) -> t.Iterator[pd.DataFrame]:
    reader = importlib.import_module(READER_MODULE)
    landing_dir = context.var("landing_dir")
    first_date = dt.date.fromisoformat(str(context.var("first_date")))
    logging.getLogger(__name__).info(
        "reading %s for %s..%s (reader %s)",
        landing_dir,
        start.date(),
        end.date(),
        READER_DIGEST[:12],
    )
    yield from reader.landed_rows(landing_dir, start.date(), end.date(), first_date)
