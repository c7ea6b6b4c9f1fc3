"""The last day a command may publish, and the days a restatement may recompute: only days that
have happened and that a landing file supports (docs/operations.md, "Which days a command
publishes").

- A landing day after today's UTC date plus ANALYTICS_LANDING_AHEAD_DAYS has not happened: it
  never becomes the end day, its files are not read, and the command that found it exits 65
  naming it, after doing its work on the days that did happen. A real delivery after it is read
  by the next run, since nothing was marked as done past the last real day.
- No run or plan goes past the last landing day that exists (with undated files, which carry no
  delivery day: yesterday, UTC), nor before ANALYTICS_START: an --end outside is refused (exit 2).
- A restatement stays within what production covers, ANALYTICS_START to its last day: a range
  outside is refused (exit 2), since restating past it would mark days done that no file filled.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from growth_analytics.exits import LandingRefused
from growth_analytics.settings import SettingsError
from growth_analytics.variables import landing_ahead_days


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"{option} {text!r}: expected a date, YYYY-MM-DD") from None


@dataclass(frozen=True)
class LandingDays:
    """What the landing folder says of the days that have arrived."""

    folder: str
    last: dt.date | None  # the last landing day that has happened, of the dated files
    undated: bool  # files without a landing day: their rows land on their own event dates
    future: tuple[tuple[dt.date, str], ...]  # (day, path) of files dated after `latest_allowed`
    today: dt.date
    ahead: int  # ANALYTICS_LANDING_AHEAD_DAYS

    @property
    def latest_allowed(self) -> dt.date:
        return self.today + dt.timedelta(days=self.ahead)

    @property
    def end(self) -> dt.date | None:
        """The default end day: the last landing day that has arrived; with undated files, which
        only reading tells the days of, at least yesterday (UTC), as cron's clock says."""
        if self.undated:
            yesterday = self.today - dt.timedelta(days=1)
            return max(self.last, yesterday) if self.last else yesterday
        return self.last

    def future_refusal(self) -> LandingRefused | None:
        """The refusal of the landing days that have not happened, naming them; None if none."""
        if not self.future:
            return None
        days = Counter(day for day, _ in self.future)
        listed = ", ".join(
            f"{day} ({count} file{'' if count == 1 else 's'})"
            for day, count in sorted(days.items())
        )
        example = self.future[0][1]
        return LandingRefused(
            f"landing day {listed} in {self.folder} is after today ({self.today}, UTC, plus "
            f"ANALYTICS_LANDING_AHEAD_DAYS={self.ahead}): not read, and no table goes past "
            f"{self.end or 'the last real day'}. Move {example} and the rest of that day out of "
            "the landing folder (a producer's clock is wrong?); the next run reads the real days"
        )


def landing_days(
    folder: str, today: dt.date | None = None, ahead: int | None = None
) -> LandingDays:
    """The landing days of `folder` (a local path or gs://), read from the names alone.
    LandingError when the folder cannot be listed or holds a file type the readers refuse."""
    from growth_analytics.landing.layout import discover

    today = today or today_utc()
    ahead = landing_ahead_days() if ahead is None else ahead
    latest_allowed = today + dt.timedelta(days=ahead)
    files = discover(folder).files
    dated = [(f.partition_date, f.relative) for f in files if f.partition_date is not None]
    real = [day for day, _ in dated if day <= latest_allowed]
    return LandingDays(
        folder=str(folder),
        last=max(real) if real else None,
        undated=any(f.partition_date is None for f in files),
        future=tuple(sorted((day, path) for day, path in dated if day > latest_allowed)),
        today=today,
        ahead=ahead,
    )


def end_day(requested: dt.date | None, days: LandingDays, first_date: dt.date) -> dt.date | None:
    """The day a run or plan goes up to: --end if it is within the days that arrived, else the
    last day that arrived (None: no day has)."""
    if requested is None:
        return days.end
    if requested < first_date:
        raise SettingsError(
            f"--end {requested} is before ANALYTICS_START={first_date}, the first day the models "
            "cover: give a later day, or set ANALYTICS_START"
        )
    if days.end is None or requested > days.end:
        arrived = f"the last landing day is {days.end}" if days.end else "no landing day has"
        raise SettingsError(
            f"--end {requested} is after the days that have arrived in {days.folder} ({arrived}"
            f"{'' if days.end else ' arrived'}): a day without its files would be published as a "
            "day on which nobody was active. Leave --end out, or deliver that day's files first"
        )
    return requested


def check_restate_range(
    start: dt.date, end: dt.date, first_date: dt.date, covered_to: dt.date | None
) -> None:
    """A restatement recomputes days production already covers, and nothing else."""
    if start > end:
        raise SettingsError(f"restate --start {start} is after --end {end}")
    if covered_to is None:
        raise SettingsError(
            "production covers no day yet: there is nothing to restate; run `growth-analytics run`"
        )
    if start < first_date or end > covered_to:
        raise SettingsError(
            f"restate {start} to {end} is outside what production covers, {first_date} "
            f"(ANALYTICS_START) to {covered_to}: restate days within it. Days after {covered_to} "
            "are the next `growth-analytics run`'s, once their files have landed"
        )
