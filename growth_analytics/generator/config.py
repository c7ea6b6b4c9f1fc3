"""What to generate (GeneratorConfig), the presets, and what a run produced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from growth_analytics.generator.parameters import FORMATS


class GeneratorError(RuntimeError):
    """A configuration or output folder the generator refuses; the message says what to do."""


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Rates are fractions of generated events (0 turns the dirt off)."""

    users: int = 2_000
    days: int = 120
    start: dt.date = dt.date(2025, 1, 1)
    seed: int = 42
    bad_row_rate: float = 0.003
    duplicate_rate: float = 0.003
    late_rate: float = 0.01
    fmt: str = "parquet"

    def __post_init__(self) -> None:
        if not isinstance(self.users, int) or self.users < 1:
            raise GeneratorError(f"users={self.users!r}: expected a whole number >= 1")
        if not isinstance(self.days, int) or self.days < 1:
            raise GeneratorError(f"days={self.days!r}: expected a whole number >= 1")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise GeneratorError(f"seed={self.seed!r}: expected a whole number >= 0")
        if not isinstance(self.start, dt.date) or isinstance(self.start, dt.datetime):
            raise GeneratorError(f"start={self.start!r}: expected a datetime.date")
        for name in ("bad_row_rate", "duplicate_rate", "late_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.5:
                raise GeneratorError(f"{name}={value!r}: expected a fraction between 0 and 0.5")
        if self.fmt not in FORMATS:
            raise GeneratorError(f"fmt={self.fmt!r}: expected one of {', '.join(FORMATS)}")

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        return self.start + dt.timedelta(days=self.days - 1)


PRESETS: dict[str, GeneratorConfig] = {
    # The demo data shipped in sample_data/landing: ~123k rows, 1.9 MB of Parquet.
    "sample": GeneratorConfig(),
    # Scale test: ~10.7M events over half a year.
    "benchmark": GeneratorConfig(
        users=150_000,
        days=180,
        seed=7,
        bad_row_rate=0.002,
        duplicate_rate=0.002,
        late_rate=0.01,
    ),
    # The same app ten times larger (~100M events, ~1.2 GB of Parquet): benchmarks/ only.
    "benchmark_100m": GeneratorConfig(
        users=1_410_000,
        days=180,
        seed=7,
        bad_row_rate=0.002,
        duplicate_rate=0.002,
        late_rate=0.01,
    ),
}


@dataclass
class GenerationStats:
    """What a run wrote. events_written = valid_events + bad_rows + duplicate_rows."""

    events_written: int = 0  # every row in the files
    valid_events: int = 0  # rows the pipeline should stage (first occurrences, valid)
    bad_rows: int = 0  # rows the pipeline should reject
    duplicate_rows: int = 0  # exact copies of valid rows
    late_rows: int = 0  # non-duplicate rows in a partition after their event date
    case_variant_rows: int = 0  # valid rows whose platform is valid only once lower-cased
    files: int = 0
    bytes_written: int = 0
    users_with_events: int = 0  # users with at least one valid event
    negative_balance_users: int = 0  # of those, earned minus redeemed < 0 (valid events)
    seconds: float = 0.0


ProgressCallback = Callable[[int, int, GenerationStats], None]
