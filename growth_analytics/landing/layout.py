"""Which paths under the landing folder are landing files, which day each one landed on, and
which are skipped and why (docs/landing.md, "Landing files").

- A file under a `dt=YYYY-MM-DD/` folder, or with `YYYY-MM-DD` in its name, landed on that date;
  a daily run reads only the files of its own dates.
- Any other file is unpartitioned: each of its rows lands on the date of its own event_time (never
  before the project's first date), so one historical file loads whole; such files are read on
  every run.
- Skipped, and listed (a row in the accounting for a dated path, a warning in the run's log):
  hidden files and markers (a path part starting with `.` or `_`), links whose target is gone, and
  folders named like data files. Any other file type fails the run, naming the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from growth_analytics.landing.sources import (
    BROKEN_LINK,
    FOLDER,
    LandingError,
    LandingSource,
    landing_source,
)

# File name endings the readers take, longest first, and the reader each one goes to.
FORMATS = {".csv.gz": "csv", ".csv": "csv", ".parquet": "parquet"}
# Why a path was skipped: stg_events_classified.reject_reason of its 'skipped' row.
HIDDEN_OR_MARKER = "hidden_or_marker"
SKIPPED_BROKEN_LINK = "broken_link"
NOT_A_FILE = "not_a_file"

_PARTITION_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@dataclass(frozen=True)
class LandingFile:
    relative: str  # path under the landing folder, POSIX style: what rows record as source_file
    location: str  # full name (local path or gs:// URL), for messages
    size: int  # bytes
    fmt: str  # "csv" or "parquet"
    compressed: bool  # gzip (".csv.gz")
    partition_date: dt.date | None  # None: unpartitioned, rows land on their own event date


@dataclass(frozen=True)
class SkippedPath:
    relative: str
    location: str
    reason: str  # HIDDEN_OR_MARKER, SKIPPED_BROKEN_LINK or NOT_A_FILE
    partition_date: dt.date | None  # the day its row is listed on; None: the log only


@dataclass(frozen=True)
class Discovery:
    files: list[LandingFile]
    skipped: list[SkippedPath]

    def for_interval(self, start: dt.date, end: dt.date) -> Discovery:
        """Partitioned files and skipped paths dated within [start, end], plus every
        unpartitioned file (its rows may land on any day)."""

        def wanted(day: dt.date | None) -> bool:
            return day is None or start <= day <= end

        return Discovery(
            [f for f in self.files if wanted(f.partition_date)],
            [s for s in self.skipped if s.partition_date is not None and wanted(s.partition_date)],
        )


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def partition_date_of(relative: PurePosixPath) -> dt.date | None:
    """The landing date a path declares: a `dt=` folder wins over a date in the file name."""
    for part in relative.parts[:-1]:
        match = _PARTITION_DIR.match(part)
        if match and (day := _parse_date(match.group(1))):
            return day
    match = _DATE_IN_NAME.search(relative.name)
    return _parse_date(match.group(1)) if match else None


def format_of(name: str) -> tuple[str, bool] | None:
    """(reader, gzip-compressed) for a file name, None for a type the readers do not take."""
    lower = name.lower()
    for suffix, fmt in FORMATS.items():
        if lower.endswith(suffix):
            return fmt, suffix.endswith(".gz")
    return None


def _sort_key(relative: str) -> tuple[str, ...]:
    return PurePosixPath(relative).parts


def discover(source: LandingSource | str) -> Discovery:
    """Every landing file and every skipped path, sorted by path (folder by folder), so that runs
    are reproducible."""
    source = landing_source(source)
    files, skipped = [], []
    for entry in sorted(source.list(), key=lambda e: _sort_key(e.relative)):
        relative = PurePosixPath(entry.relative)
        day = partition_date_of(relative)
        location = source.location(entry.relative)
        if entry.kind == FOLDER:
            if format_of(relative.name) is not None:
                skipped.append(SkippedPath(entry.relative, location, NOT_A_FILE, day))
            continue
        if any(part.startswith((".", "_")) for part in relative.parts):
            skipped.append(SkippedPath(entry.relative, location, HIDDEN_OR_MARKER, day))
            continue
        if entry.kind == BROKEN_LINK:
            skipped.append(SkippedPath(entry.relative, location, SKIPPED_BROKEN_LINK, day))
            continue
        fmt = format_of(relative.name)
        if fmt is None:
            raise LandingError(
                f"landing file {location}: unsupported file type {relative.suffix!r} "
                f"(expected {', '.join(FORMATS)}); move it out of the landing folder"
            )
        files.append(LandingFile(entry.relative, location, entry.size, *fmt, day))
    return Discovery(files, skipped)


def last_landing_day(source: LandingSource | str) -> tuple[dt.date | None, bool]:
    """The latest landing date among the dated files (None: none is dated), and whether any file
    is undated (its rows land on their own event dates, which only reading it tells)."""
    files = discover(source).files
    days = [f.partition_date for f in files if f.partition_date is not None]
    return (max(days) if days else None), any(f.partition_date is None for f in files)
