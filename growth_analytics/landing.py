"""Reads landing files (CSV and Parquet) into raw rows: every physical data line becomes exactly
one row, good or bad, with its file and line number. Typing and validation happen in SQL
(models/staging); this module only decides what a *line* is and which day it landed on.

Layout rules (README, "Landing files"):
- a file under a `dt=YYYY-MM-DD/` folder, or with `YYYY-MM-DD` in its name, landed on that date;
  a daily run reads only the files of its own dates;
- any other file is unpartitioned: each of its rows lands on the date of its own event_time, so a
  single historical file (such as the public sample) loads whole; such files are read on every run;
- hidden files and markers (`.x`, `_SUCCESS`) are skipped; any other file type fails the run.

The landing folder is a local folder or `gs://bucket/prefix` (a GCS bucket, same layout): a
`LandingSource` lists the files as relative POSIX paths and opens them as binary file objects;
discovery and the readers see nothing else, so both follow the same rules and the same parsing.
"""

from __future__ import annotations

import abc
import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from growth_analytics.settings import resolve_path

EVENT_COLUMNS = (
    "event_time",
    "user_id",
    "event_type",
    "transaction_category",
    "miles_amount",
    "platform",
    "utm_source",
    "country",
)

# Column types of raw.landed_events, in order (BigQuery names; SQLMesh maps them per engine).
RAW_COLUMNS = {
    "landed_date": "DATE",
    "source_file": "STRING",
    "source_line": "INT64",
    **{name: "STRING" for name in EVENT_COLUMNS},
    "parse_error": "STRING",
    "raw_line": "STRING",
}

# Reason codes given at this stage; the SQL layer adds the field-level ones.
WRONG_COLUMN_COUNT = "wrong_column_count"
MALFORMED_CSV = "malformed_csv"
INVALID_UTF8 = "invalid_utf8"
INVALID_HEADER = "invalid_header"
MISSING_HEADER = "missing_header"

SUPPORTED_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
_PARTITION_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_LEADING_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
CHUNK_ROWS = 500_000
READ_BYTES = 8 << 20  # CSV is read in blocks of this size and split into physical lines
GCS_SCHEME = "gs://"
# Set (to http://host:port) by the tests: the GCS client then talks to a local emulator.
STORAGE_EMULATOR_HOST = "STORAGE_EMULATOR_HOST"


class LandingError(RuntimeError):
    """A landing file that cannot be read at all: the run stops and names it."""


class LandingSource(abc.ABC):
    """Where landing files are. Everything else sees only paths relative to the landing folder
    (POSIX style, what rows record as source_file) and binary file objects."""

    @abc.abstractmethod
    def list(self) -> Iterator[tuple[str, int]]:
        """(relative path, size in bytes) of every file, in any order; LandingError when the
        landing folder itself does not exist."""

    @abc.abstractmethod
    def open(self, relative: str) -> BinaryIO:
        """The file as a readable, seekable binary file object (use it in a `with`)."""

    @abc.abstractmethod
    def location(self, relative: str) -> str:
        """The file's full name, for messages: a local path or a gs:// URL."""

    def close(self) -> None:  # noqa: B027 (optional: most sources hold nothing)
        """Releases what the source holds (connections); it is not used after this."""


class LocalSource(LandingSource):
    """A folder of the local filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def list(self) -> Iterator[tuple[str, int]]:
        if not self.root.is_dir():
            raise LandingError(f"landing folder {self.root} does not exist (ANALYTICS_LANDING_DIR)")
        for path in self.root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.root).as_posix(), path.stat().st_size

    def open(self, relative: str) -> BinaryIO:
        return (self.root / relative).open("rb")

    def location(self, relative: str) -> str:
        return str(self.root / relative)


def gcs_client():
    """A google-cloud-storage client: anonymous when STORAGE_EMULATOR_HOST points it at an
    emulator, otherwise with Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or
    the machine's own identity). No project: reading a bucket does not need one."""
    from google.cloud import storage

    if os.environ.get(STORAGE_EMULATOR_HOST):
        return storage.Client.create_anonymous_client()
    return storage.Client(project=None)


class GcsSource(LandingSource):
    """`gs://bucket/prefix`: the objects under `prefix/`, read with ranged downloads. A "folder"
    exists when an object is under it; objects named like folders (`x/`) are not files."""

    def __init__(self, url: str, client=None) -> None:
        bucket, _, prefix = url[len(GCS_SCHEME) :].partition("/")
        if not bucket:
            raise LandingError(
                f"ANALYTICS_LANDING_DIR={url}: expected a local folder or gs://bucket/prefix"
            )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self._blobs: dict = {}  # relative path -> Blob as listed (its size and generation)

    def __str__(self) -> str:
        return f"{GCS_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = gcs_client()
            except Exception as exc:  # google.auth's DefaultCredentialsError, mostly
                raise LandingError(
                    f"landing folder {self}: no GCS client ({exc}); set "
                    "GOOGLE_APPLICATION_CREDENTIALS or use the machine's own identity"
                ) from exc
        return self._client

    def _name(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def list(self) -> Iterator[tuple[str, int]]:
        from google.api_core import exceptions

        folder = f"{self.prefix}/" if self.prefix else ""
        found = False
        try:
            for blob in self.client.list_blobs(self.bucket, prefix=folder):
                found = True
                if blob.name.endswith("/"):
                    continue
                relative = blob.name[len(folder) :]
                self._blobs[relative] = blob
                yield relative, blob.size
        except exceptions.NotFound as exc:
            raise LandingError(
                f"landing folder {self} does not exist (ANALYTICS_LANDING_DIR): "
                f"no bucket {self.bucket}"
            ) from exc
        except exceptions.GoogleAPIError as exc:
            raise LandingError(f"landing folder {self} cannot be listed: {exc}") from exc
        if folder and not found:
            raise LandingError(f"landing folder {self} does not exist (ANALYTICS_LANDING_DIR)")

    def open(self, relative: str) -> BinaryIO:
        blob = self._blobs.get(relative)
        if blob is None:
            blob = self.client.bucket(self.bucket).blob(self._name(relative))
        return blob.open("rb")

    def location(self, relative: str) -> str:
        return f"{GCS_SCHEME}{self.bucket}/{self._name(relative)}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def landing_source(landing_dir: str | Path | LandingSource) -> LandingSource:
    """ANALYTICS_LANDING_DIR as a source: gs://bucket/prefix, or a local folder (a relative one
    is taken from the project root)."""
    if isinstance(landing_dir, LandingSource):
        return landing_dir
    if isinstance(landing_dir, str) and landing_dir.lower().startswith(GCS_SCHEME):
        return GcsSource(landing_dir)
    return LocalSource(resolve_path(landing_dir))


@dataclass(frozen=True)
class LandingFile:
    relative: str  # path under the landing folder, POSIX style: what rows record as source_file
    location: str  # full name (local path or gs:// URL), for messages
    size: int  # bytes
    fmt: str  # "csv" or "parquet"
    partition_date: dt.date | None  # None: unpartitioned, rows land on their own event date


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def partition_date_of(relative: PurePath) -> dt.date | None:
    """The landing date a path declares: a `dt=` folder wins over a date in the file name."""
    for part in relative.parts[:-1]:
        match = _PARTITION_DIR.match(part)
        if match and (day := _parse_date(match.group(1))):
            return day
    match = _DATE_IN_NAME.search(relative.name)
    return _parse_date(match.group(1)) if match else None


def discover(source: LandingSource | str | Path) -> list[LandingFile]:
    """Every landing file, sorted by path (folder by folder) so that runs are reproducible."""
    source = landing_source(source)
    files = []
    for name, size in sorted(source.list(), key=lambda item: PurePosixPath(item[0]).parts):
        relative = PurePosixPath(name)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        fmt = SUPPORTED_SUFFIXES.get(relative.suffix.lower())
        location = source.location(name)
        if fmt is None:
            raise LandingError(
                f"landing file {location}: unsupported file type {relative.suffix!r} "
                f"(expected {', '.join(SUPPORTED_SUFFIXES)}); move it out of the landing folder"
            )
        files.append(LandingFile(name, location, size, fmt, partition_date_of(relative)))
    return files


def files_for_interval(files: list[LandingFile], start: dt.date, end: dt.date) -> list[LandingFile]:
    """Partitioned files dated within [start, end], plus every unpartitioned file."""
    return [f for f in files if f.partition_date is None or start <= f.partition_date <= end]


def _normalise_header(fields: list[str]) -> list[str]:
    return [field.strip().lstrip("\ufeff").strip().lower() for field in fields]


def _looks_like_data(fields: list[str]) -> bool:
    return bool(fields) and _LEADING_DATE.match(fields[0]) is not None


class _Rows:
    """Column-wise accumulator for raw rows (faster and leaner than a list of dicts)."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.columns: dict[str, list] = {name: [] for name in RAW_COLUMNS if name != "landed_date"}

    def add(self, line_no: int, values: dict[str, str | None], error: str | None, raw: str | None):
        cols = self.columns
        cols["source_file"].append(self.source_file)
        cols["source_line"].append(line_no)
        for name in EVENT_COLUMNS:
            cols[name].append(values.get(name))
        cols["parse_error"].append(error)
        cols["raw_line"].append(raw)

    def __len__(self) -> int:
        return len(self.columns["source_line"])

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns)


def _empty_to_null(value: str) -> str | None:
    value = value.strip()
    return value or None


def _open(source: LandingSource, relative: str) -> BinaryIO:
    try:
        return source.open(relative)
    except Exception as exc:  # OSError locally; google.api_core's errors on GCS
        raise LandingError(
            f"landing file {source.location(relative)} cannot be read: {exc}"
        ) from exc


def _physical_lines(stream: BinaryIO, location: str) -> Iterator[bytes]:
    """The file split on b"\\n" exactly as bytes.split would (the last piece may be empty),
    read a block at a time so that a large file is never held whole."""
    tail = b""
    while True:
        try:
            block = stream.read(READ_BYTES)
        except Exception as exc:
            raise LandingError(f"landing file {location} cannot be read: {exc}") from exc
        if not block:
            break
        lines = (tail + block).split(b"\n")
        tail = lines.pop()
        yield from lines
    yield tail


def read_csv_rows(source: LandingSource, relative: str) -> pd.DataFrame:
    """One row per non-blank physical line after the header. Lines are parsed one at a time, so a
    bad line (broken quoting, wrong column count, bytes that are not UTF-8) is quarantined alone
    and never swallows the lines after it; quoted line breaks are therefore not supported."""
    rows = _Rows(relative)
    with _open(source, relative) as stream:
        _parse_csv_lines(_physical_lines(stream, source.location(relative)), rows)
    return rows.frame()


def _parse_csv_lines(lines: Iterator[bytes], rows: _Rows) -> None:
    header: list[str] | None = None
    header_error: str | None = None
    for index, raw_bytes in enumerate(lines, start=1):
        raw_bytes = raw_bytes.removesuffix(b"\r")
        if not raw_bytes.strip():
            continue
        try:
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            if header is None and header_error is None:
                header_error = INVALID_HEADER
                header = []
                continue
            rows.add(index, {}, INVALID_UTF8, raw_bytes.decode("utf-8", "backslashreplace"))
            continue
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error:
            fields = None
        if header is None:
            if fields is not None and _looks_like_data(fields):
                header, header_error = list(EVENT_COLUMNS), MISSING_HEADER
            else:
                header = _normalise_header(fields or [])
                if not set(EVENT_COLUMNS) <= set(header) or len(set(header)) != len(header):
                    header_error = INVALID_HEADER
                continue
        if header_error is not None:
            rows.add(index, {}, header_error, text)
        elif fields is None:
            rows.add(index, {}, MALFORMED_CSV, text)
        elif len(fields) != len(header):
            rows.add(index, {}, WRONG_COLUMN_COUNT, text)
        else:
            rows.add(
                index,
                {k: _empty_to_null(v) for k, v in zip(header, fields, strict=True)},
                None,
                None,
            )


def _arrow_to_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type):
        if column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit, "UTC"))
        # Arrow's %S already carries the fraction of a second at the column's unit.
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_floating(column.type):
        # Arrow prints 516.0 as "516"; the SQL layer accepts either form of a whole number.
        column = pc.cast(column, pa.string())
    elif not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    column = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(column, ""), None, column)


def read_parquet_chunks(source: LandingSource, relative: str) -> Iterator[pd.DataFrame]:
    """Parquet rows in chunks; source_line is the 1-based row number in the file."""
    with _open(source, relative) as stream:
        yield from _parquet_chunks(stream, relative, source.location(relative))


def _parquet_chunks(stream: BinaryIO, source_file: str, path: str) -> Iterator[pd.DataFrame]:
    try:
        parquet = pq.ParquetFile(stream)
        names = _normalise_header(parquet.schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise LandingError(f"landing file {path} cannot be read as Parquet: {exc}") from exc
    valid_header = set(EVENT_COLUMNS) <= set(names) and len(set(names)) == len(names)
    offset = 0
    try:
        batches = parquet.iter_batches(batch_size=CHUNK_ROWS)
        for batch in batches:
            table = pa.Table.from_batches([batch]).rename_columns(names)
            count = table.num_rows
            frame = pd.DataFrame(
                {
                    "source_file": source_file,
                    "source_line": range(offset + 1, offset + count + 1),
                }
            )
            if valid_header:
                for name in EVENT_COLUMNS:
                    frame[name] = _arrow_to_strings(table.column(name)).to_pandas()
                frame["parse_error"] = None
                frame["raw_line"] = None
            else:
                for name in EVENT_COLUMNS:
                    frame[name] = None
                frame["parse_error"] = INVALID_HEADER
                frame["raw_line"] = [json.dumps(r, default=str) for r in table.to_pylist()]
            offset += count
            yield frame
    except LandingError:
        raise
    except Exception as exc:
        raise LandingError(f"landing file {path} cannot be read as Parquet: {exc}") from exc


def read_file(source: LandingSource, landing_file: LandingFile) -> Iterator[pd.DataFrame]:
    if landing_file.fmt == "csv":
        yield read_csv_rows(source, landing_file.relative)
    else:
        yield from read_parquet_chunks(source, landing_file.relative)


def _event_dates(frame: pd.DataFrame) -> pd.Series:
    text = frame["event_time"].astype("string").str.extract(_LEADING_DATE, expand=False)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").dt.date


def assign_landed_dates(
    frame: pd.DataFrame, landing_file: LandingFile, first_date: dt.date
) -> pd.Series:
    """The landing date of each row. Partitioned: the partition's date. Unpartitioned: the row's
    own event date, never before `first_date` (the first date the models cover, so that nothing
    older is left unloaded); rows without a readable date land with the file's earliest one."""
    if landing_file.partition_date is not None:
        return pd.Series([landing_file.partition_date] * len(frame), index=frame.index)
    dates = _event_dates(frame)
    earliest = dates.dropna().min() if dates.notna().any() else first_date
    dates = dates.fillna(earliest)
    return dates.map(lambda day: max(day, first_date))


def landed_rows(
    landing_dir: str | Path | LandingSource, start: dt.date, end: dt.date, first_date: dt.date
) -> Iterator[pd.DataFrame]:
    """Raw rows that landed on a date in [start, end], a DataFrame per file chunk, in the
    column order of RAW_COLUMNS; nothing at all when there are none (SQLMesh refuses an empty
    frame but accepts an empty generator). landing_dir is gs://bucket/prefix or a local folder
    (a relative one is taken from the project root)."""
    source = landing_source(landing_dir)
    try:
        for landing_file in files_for_interval(discover(source), start, end):
            for frame in read_file(source, landing_file):
                landed = assign_landed_dates(frame, landing_file, first_date)
                keep = (landed >= start) & (landed <= end)
                if not keep.any():
                    continue
                frame = frame[keep].copy()
                frame.insert(0, "landed_date", landed[keep].values)
                yield frame[list(RAW_COLUMNS)]
    finally:
        source.close()
