"""The generator's entry point: generate() day by day, with progress reports."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from growth_analytics.generator.config import GenerationStats, GeneratorConfig, ProgressCallback
from growth_analytics.generator.days import Rows, concat_rows, simulate_day, take_rows
from growth_analytics.generator.dirt import make_dirty
from growth_analytics.generator.draws import cumulative_weights
from growth_analytics.generator.files import Renderer, file_path, prepare_out_dir, write_file
from growth_analytics.generator.parameters import (
    COUNTRY_UTC_OFFSET,
    EARN,
    LOCAL_HOUR_WEIGHTS,
    REDEEM,
)
from growth_analytics.generator.users import make_users


def generate(
    config: GeneratorConfig,
    out_dir: Path,
    clean: bool = False,
    progress: ProgressCallback | None = None,
) -> GenerationStats:
    """Writes one landing file per day of the period under `out_dir` and returns what it wrote.

    `clean` first deletes the `dt=*` folders already in `out_dir`; without it, landing files that
    this run would not overwrite make it refuse (GeneratorError). `progress(days_done, days,
    stats)` is called after each file."""
    started = time.perf_counter()
    cfg = config
    out_dir = Path(out_dir)
    prepare_out_dir(cfg, out_dir, clean)
    users = make_users(cfg)
    renderer = Renderer(users, cfg)
    hours = np.arange(24)
    local = np.asarray(LOCAL_HOUR_WEIGHTS)
    hour_cum = cumulative_weights(
        np.stack([local[(hours + offset) % 24] for offset in COUNTRY_UTC_OFFSET])
    )
    earned = np.zeros(cfg.users, dtype=np.int64)
    redeemed = np.zeros(cfg.users, dtype=np.int64)
    seen = np.zeros(cfg.users, dtype=np.bool_)
    stats = GenerationStats()
    pending: dict[int, list[Rows]] = {}

    for day in range(cfg.days):
        rows = make_dirty(simulate_day(users, cfg, day, hour_cum, renderer.day0_us), cfg, day)
        original = ~rows["dup"]
        valid = original & ~rows["bad"]
        stats.valid_events += int(valid.sum())
        stats.bad_rows += int((original & rows["bad"]).sum())
        stats.duplicate_rows += int(rows["dup"].sum())
        stats.late_rows += int((original & (rows["landing"] > rows["event_day"])).sum())
        stats.case_variant_rows += int((valid & rows["case"]).sum())
        vu, ve, vm = rows["user"][valid], rows["etype"][valid], rows["miles"][valid]
        seen[vu] = True
        earned += np.bincount(vu[ve == EARN], vm[ve == EARN], cfg.users).astype(np.int64)
        redeemed += np.bincount(vu[ve == REDEEM], vm[ve == REDEEM], cfg.users).astype(np.int64)
        for landing in np.unique(rows["landing"]):
            pending.setdefault(int(landing), []).append(take_rows(rows, rows["landing"] == landing))

        batch = concat_rows(pending.pop(day, []))
        # Rows of a file in event-time order (late rows therefore come first); the sort is
        # stable, so a duplicate follows its original when both land in the same file.
        batch = take_rows(batch, np.lexsort((batch["user"], batch["t_us"])))
        table = renderer.table(batch, day)
        path = file_path(out_dir, cfg.start + dt.timedelta(days=day), cfg.fmt)
        stats.bytes_written += write_file(table, path, cfg.fmt)
        stats.files += 1
        stats.events_written += table.num_rows
        stats.seconds = time.perf_counter() - started
        if progress is not None:
            progress(day + 1, cfg.days, stats)

    assert not pending, "rows left for a day after the period"
    assert stats.events_written == stats.valid_events + stats.bad_rows + stats.duplicate_rows
    stats.users_with_events = int(seen.sum())
    stats.negative_balance_users = int((earned - redeemed < 0).sum())
    stats.seconds = time.perf_counter() - started
    return stats


def format_progress(days_done: int, days: int, stats: GenerationStats) -> str:
    rate = stats.events_written / stats.seconds if stats.seconds > 0 else 0.0
    return (
        f"day {days_done}/{days}, {stats.events_written:,} events, "
        f"{stats.bytes_written / 1e6:,.1f} MB, {stats.seconds:,.1f} s ({rate:,.0f} events/s)"
    )


def stderr_progress(min_interval: float = 1.0) -> ProgressCallback:
    """A progress printer for terminals: a line at most every `min_interval` seconds, and the
    last day always."""
    last = [float("-inf")]

    def report(days_done: int, days: int, stats: GenerationStats) -> None:
        now = time.monotonic()
        if days_done == days or now - last[0] >= min_interval:
            last[0] = now
            print(format_progress(days_done, days, stats), file=sys.stderr, flush=True)

    return report
