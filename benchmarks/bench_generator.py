"""Measures the synthetic data generator: wall time, events/s, output size and peak RSS of one
preset, written to a scratch folder (never into the repository). One preset per process, so
that the peak RSS is that preset's own.

    .venv/bin/python benchmarks/bench_generator.py                   # the benchmark preset
    .venv/bin/python benchmarks/bench_generator.py --preset sample
    .venv/bin/python benchmarks/bench_generator.py --out /tmp/landing  # and keep the files

Prints a Markdown table row for benchmarks/generator.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from growth_analytics.generator import FORMATS, PRESETS, generate, stderr_progress

COLUMNS = (
    "preset",
    "format",
    "users",
    "days",
    "rows written",
    "valid events",
    "wall s",
    "events/s",
    "files",
    "output MB",
    "peak RSS MB",
)


def machine() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory_gb:.0f} GB RAM, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="benchmark")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="parquet")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder to write into, kept afterwards; its dt=* folders are replaced "
        "(default: a new folder under the system temp dir, deleted afterwards)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the default folder afterwards")
    args = parser.parse_args(argv)

    config = dataclasses.replace(PRESETS[args.preset], fmt=args.fmt)
    out = args.out or Path(tempfile.mkdtemp(prefix=f"generator-bench-{args.preset}-"))
    started = time.perf_counter()
    stats = generate(config, out, clean=True, progress=stderr_progress(5.0))
    wall = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux: the peak of this whole process, imports included.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    on_disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert on_disk == stats.bytes_written

    print(f"date: {dt.date.today().isoformat()}; machine: {machine()}; output: {out}")
    values = (
        args.preset,
        args.fmt,
        f"{config.users:,}",
        f"{config.days}",
        f"{stats.events_written:,}",
        f"{stats.valid_events:,}",
        f"{wall:.1f}",
        f"{stats.events_written / wall:,.0f}",
        f"{stats.files}",
        f"{on_disk / 1e6:.1f}",
        f"{peak_rss_mb:,.0f}",
    )
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    print("| " + " | ".join(values) + " |")
    print(
        f"bad rows {stats.bad_rows:,}, duplicates {stats.duplicate_rows:,}, late "
        f"{stats.late_rows:,}, negative balances {stats.negative_balance_users:,} of "
        f"{stats.users_with_events:,} users"
    )
    if args.out is None and not args.keep:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
