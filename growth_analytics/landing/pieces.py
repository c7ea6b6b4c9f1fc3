"""The engine reads the landing files: this module writes the DuckDB query that turns an
interval's files into pieces, one row per record (a CSV record or a Parquet row), header line,
blank line or skipped path, with its file, first line and number of lines, and runs it where a
caller needs the rows themselves (tests; the BigQuery gateway, which loads them in one job).

Python only lists files, reads Parquet footers (for each file's column names and types), and
makes local copies where the engine cannot read the file where it is (gs:// objects, gzip CSV);
every row is read, split and counted by DuckDB (csv_pieces.sql, parquet_pieces.sql)."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import gzip
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from growth_analytics.contract import EVENT_COLUMNS
from growth_analytics.landing.layout import Discovery, LandingFile, SkippedPath, discover
from growth_analytics.landing.sources import LandingError, LandingSource, landing_source

# The pieces relation (raw.landed_events), in order, with BigQuery type names.
PIECE_COLUMNS = {
    "landed_date": "DATE",
    "source_file": "STRING",
    "source_line": "INT64",
    "line_count": "INT64",
    "file_lines": "INT64",
    "file_lines_elsewhere": "INT64",
    "piece": "STRING",
    **{name: "STRING" for name in EVENT_COLUMNS},
    "parse_error": "STRING",
    "raw_line": "STRING",
}
_DUCKDB_TYPES = {"DATE": "DATE", "STRING": "VARCHAR", "INT64": "BIGINT"}

# A CSV field (RFC 4180): quoted, with "" for a quote and anything else inside, line breaks
# included; or unquoted, not starting with a quote, without commas or line breaks; or empty.
FIELD = r'"(?:[^"]|"")*"|[^",\n][^,\n]*|'
RECORD_PATTERN = f"(?:{FIELD})(?:,(?:{FIELD}))*"
# Matched against "," + the record, so that every field, the first included, follows a comma:
# with "(?:^|,)" an empty first field is an empty match, after which the engine steps over the
# comma that follows it and the fields shift by one.
FIELD_PATTERN = f",({FIELD})"

LOG = logging.getLogger("growth_analytics.landing")
_TEMPLATES = Path(__file__).parent
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _template(name: str, **values: str) -> str:
    # The file's opening comment documents the template; the generated SQL goes without it.
    text = re.sub(r"^\s*/\*.*?\*/\s*", "", (_TEMPLATES / name).read_text(), count=1, flags=re.S)
    return _PLACEHOLDER.sub(
        lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), text
    )


def literal(value: object) -> str:
    """A DuckDB literal for a str, a date, an int or None."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _map_rows(rows: Iterable[tuple[str, str, dt.date | None]]) -> str:
    # The first row carries the types, so that a NULL date is typed.
    return ", ".join(
        f"({literal(path)}, {literal(source_file)}, CAST({literal(day)} AS DATE))"
        for path, source_file, day in rows
    )


def empty_pieces_sql() -> str:
    columns = ", ".join(
        f"CAST(NULL AS {_DUCKDB_TYPES[t]}) AS {n}" for n, t in PIECE_COLUMNS.items()
    )
    return f"SELECT {columns} WHERE FALSE"


@dataclass
class ReadPlan:
    """An interval's files with what the engine needs: a local path for each, and for Parquet
    the columns its footer declares. Local copies live until close()."""

    source: LandingSource
    discovery: Discovery
    paths: dict[str, str] = field(default_factory=dict)  # relative -> local path
    schemas: dict[str, pa.Schema] = field(default_factory=dict)  # relative -> Parquet schema
    _scratch: Path | None = None

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        self.source.close()

    def scratch(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="landing-"))
        return self._scratch


def plan_reading(landing_dir: str | Path | LandingSource, start: dt.date, end: dt.date) -> ReadPlan:
    """Lists the landing folder and prepares the files of [start, end] for the engine."""
    source = landing_source(landing_dir)
    discovery = discover(source)
    for path in discovery.skipped:
        if path.partition_date is None:
            # No day to list it on: the run's log says so, on every run that lists the folder.
            LOG.warning("landing path %s skipped: %s", path.location, path.reason)
    plan = ReadPlan(source, discovery.for_interval(start, end))
    try:
        for landing_file in plan.discovery.files:
            plan.paths[landing_file.relative] = _local_copy(plan, landing_file)
            if landing_file.fmt == "parquet":
                plan.schemas[landing_file.relative] = _parquet_schema(plan, landing_file)
    except BaseException:
        plan.close()
        raise
    return plan


def _local_copy(plan: ReadPlan, landing_file: LandingFile) -> str:
    path = plan.source.local_path(landing_file.relative)
    try:
        with open(path, "rb") as stream:
            stream.read(1)
    except OSError as exc:
        raise LandingError(f"landing file {landing_file.location} cannot be read: {exc}") from exc
    if not landing_file.compressed:
        return str(path)
    # DuckDB's byte reader does not decompress: the file is inflated (streamed) to a local copy.
    target = plan.scratch() / f"{len(plan.paths)}.csv"
    try:
        with gzip.open(path, "rb") as packed, open(target, "wb") as out:
            shutil.copyfileobj(packed, out, 8 << 20)
    except (OSError, EOFError) as exc:
        raise LandingError(
            f"landing file {landing_file.location} cannot be read as gzip: {exc}"
        ) from exc
    return str(target)


def _parquet_schema(plan: ReadPlan, landing_file: LandingFile) -> pa.Schema:
    try:
        return pq.read_schema(plan.paths[landing_file.relative])
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise LandingError(
            f"landing file {landing_file.location} cannot be read as Parquet: {exc}"
        ) from exc


def _normalised(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(column: str, arrow_type: pa.DataType) -> str:
    """A Parquet column as the text the validation reads: timestamps in UTC, to the microsecond
    (BigQuery's DATETIME resolution; pandas writes nanoseconds), numbers as DuckDB prints them."""
    ref = f"file_rows.{_quote(column)}"
    if pa.types.is_timestamp(arrow_type):
        if arrow_type.tz is not None:
            return f"CAST({ref} AT TIME ZONE 'UTC' AS VARCHAR)"
        return f"CAST(CAST({ref} AS TIMESTAMP) AS VARCHAR)"
    return f"CAST({ref} AS VARCHAR)"


def _trimmed(expression: str) -> str:
    return f"NULLIF(TRIM({expression}, ' ' || CHR(9) || CHR(13) || CHR(10)), '')"


def _parquet_branch(plan: ReadPlan, files: list[LandingFile]) -> str:
    schema = plan.schemas[files[0].relative]
    names = [_normalised(n) for n in schema.names]
    valid = set(EVENT_COLUMNS) <= set(names) and len(set(names)) == len(names)
    if valid:
        by_name = dict(zip(names, schema.names, strict=True))
        columns = [
            f"    {_trimmed(_text(by_name[c], schema.field(by_name[c]).type))} AS {c}"
            for c in EVENT_COLUMNS
        ]
        parse_error, raw_line = "CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)"
    else:
        columns = [f"    CAST(NULL AS VARCHAR) AS {c}" for c in EVENT_COLUMNS]
        parse_error = literal("invalid_header")
        pairs = ", ".join(f"{_quote(n)} := file_rows.{_quote(n)}" for n in schema.names)
        raw_line = f"CAST(TO_JSON(STRUCT_PACK({pairs})) AS VARCHAR)"
    paths = [plan.paths[f.relative] for f in files]
    return _template(
        "parquet_pieces.sql",
        parquet_files=_list(paths),
        parquet_map=_map_rows(
            (plan.paths[f.relative], f.relative, f.partition_date) for f in files
        ),
        field_columns=",\n".join(columns),
        parse_error=parse_error,
        raw_line=raw_line,
    )


def _csv_branch(plan: ReadPlan, files: list[LandingFile]) -> str:
    columns = [
        f"    CASE WHEN pieces.piece = 'record' AND pieces.parse_error IS NULL THEN "
        f"{_trimmed(f'pieces.fields[LIST_POSITION(pieces.names, {literal(c)})]')} END AS {c}"
        for c in EVENT_COLUMNS
    ]
    return _template(
        "csv_pieces.sql",
        csv_files=_list(plan.paths[f.relative] for f in files),
        csv_map=_map_rows((plan.paths[f.relative], f.relative, f.partition_date) for f in files),
        record_pattern=literal(RECORD_PATTERN),
        field_pattern=literal(FIELD_PATTERN),
        contract_columns=_list(EVENT_COLUMNS),
        field_columns=",\n".join(columns),
    )


def _skipped_branch(skipped: list[SkippedPath]) -> str:
    rows = []
    for path in skipped:
        values = {
            "landed_date": literal(path.partition_date),
            "source_file": literal(path.relative),
            "source_line": "CAST(NULL AS BIGINT)",
            "line_count": "0",
            "file_lines": "0",
            "file_lines_elsewhere": "0",
            "piece": "'skipped'",
            **{c: "CAST(NULL AS VARCHAR)" for c in EVENT_COLUMNS},
            "parse_error": literal(path.reason),
            "raw_line": "CAST(NULL AS VARCHAR)",
        }
        rows.append("SELECT " + ", ".join(f"{v} AS {k}" for k, v in values.items()))
    return "\nUNION ALL\n".join(rows)


def _branches(plan: ReadPlan, files: list[LandingFile]) -> list[str]:
    """One branch for all CSV files, one per distinct Parquet schema."""
    branches = []
    csv_files = [f for f in files if f.fmt == "csv"]
    if csv_files:
        branches.append(_csv_branch(plan, csv_files))
    groups: dict[tuple, list[LandingFile]] = {}
    for f in files:
        if f.fmt == "parquet":
            schema = plan.schemas[f.relative]
            key = tuple(zip(schema.names, map(str, schema.types), strict=True))
            groups.setdefault(key, []).append(f)
    branches += [_parquet_branch(plan, group) for group in groups.values()]
    return branches


def _union(branches: list[str]) -> str:
    return "\nUNION ALL\n".join(
        f"SELECT * FROM ({b}) AS branch_{i}" for i, b in enumerate(branches)
    )


def pieces_sql(plan: ReadPlan, start: dt.date, end: dt.date, first_date: dt.date) -> str:
    """The DuckDB query for the pieces that landed in [start, end], in PIECE_COLUMNS order."""
    names = ", ".join(PIECE_COLUMNS)
    parts = []
    partitioned = [f for f in plan.discovery.files if f.partition_date is not None]
    unpartitioned = [f for f in plan.discovery.files if f.partition_date is None]
    if partitioned:
        parts.append(
            f"SELECT partition_date AS landed_date, 0 AS file_lines_elsewhere, "
            f"* EXCLUDE (partition_date) "
            f"FROM ({_union(_branches(plan, partitioned))}) AS partitioned_pieces"
        )
    if unpartitioned:
        dated = _template(
            "unpartitioned.sql",
            branches=_union(_branches(plan, unpartitioned)),
            first_date=first_date.isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
        parts.append(
            f"SELECT * EXCLUDE (in_interval) FROM ({dated}) AS unpartitioned_pieces "
            f"WHERE in_interval"
        )
    if plan.discovery.skipped:
        parts.append(_skipped_branch(plan.discovery.skipped))
    if not parts:
        return empty_pieces_sql()
    return "\nUNION ALL\n".join(
        f"SELECT {names} FROM ({p}) AS part_{i}" for i, p in enumerate(parts)
    )


@contextlib.contextmanager
def _pieces_query(
    landing_dir: str | Path | LandingSource, start: dt.date, end: dt.date, first_date: dt.date
) -> Iterator[Callable[[str], object]]:
    """An in-memory DuckDB ready to run a statement over the pieces of [start, end]: yields a
    function that puts the pieces' query in place of `{pieces}` in a statement and runs it, an
    engine error naming the landing files rather than their local copies."""
    import duckdb

    plan = plan_reading(landing_dir, start, end)
    try:
        with duckdb.connect() as con:
            con.execute("SET TimeZone = 'UTC'")
            query = pieces_sql(plan, start, end, first_date)

            def run(statement: str):
                try:
                    return con.execute(statement.replace("{pieces}", query))
                except duckdb.Error as exc:
                    raise LandingError(_name_files(str(exc), plan)) from exc

            yield run
    finally:
        plan.close()


def read_pieces(
    landing_dir: str | Path | LandingSource,
    start: dt.date,
    end: dt.date,
    first_date: dt.date,
) -> pa.Table:
    """The pieces of [start, end] as an Arrow table, read by an in-memory DuckDB, ordered by file
    and line: what raw.landed_events holds for the interval."""
    with _pieces_query(landing_dir, start, end, first_date) as run:
        return run(
            "SELECT * FROM ({pieces}) AS pieces ORDER BY source_file, source_line"
        ).to_arrow_table()


def write_pieces_parquet(
    landing_dir: str | Path | LandingSource,
    start: dt.date,
    end: dt.date,
    first_date: dt.date,
    target: Path,
) -> int:
    """The pieces of [start, end] written by an in-memory DuckDB straight to one Parquet file
    (what the BigQuery path loads); returns how many pieces it holds (COPY's own count)."""
    with _pieces_query(landing_dir, start, end, first_date) as run:
        return run("COPY ({pieces}) TO " + literal(str(target)) + " (FORMAT parquet)").fetchone()[0]


def _name_files(message: str, plan: ReadPlan) -> str:
    """An engine error with local copies' paths replaced by the files' own names."""
    for f in plan.discovery.files:
        local = plan.paths.get(f.relative)
        if local and local != f.location:
            message = message.replace(local, f.location)
    return f"landing files could not be read: {message}"


# Plans whose local copies a query still needs: the landing macro returns SQL naming them, and
# SQLMesh runs it after the macro has returned. Each new plan releases the older ones (batches
# run one after another), and whatever is left goes when the process exits.
_OPEN_PLANS: list[ReadPlan] = []


def plan_for_query(
    landing_dir: str | Path | LandingSource, start: dt.date, end: dt.date
) -> ReadPlan:
    """plan_reading() for a query that runs later in this process."""
    release_plans()
    plan = plan_reading(landing_dir, start, end)
    _OPEN_PLANS.append(plan)
    return plan


def release_plans() -> None:
    while _OPEN_PLANS:
        _OPEN_PLANS.pop().close()


atexit.register(release_plans)
