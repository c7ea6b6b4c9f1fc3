"""Seeded synthetic event stream for the rewards app, written as daily landing files.

The output looks like what the app's event export drops into the landing folder: one file per
landing day, `OUT/dt=YYYY-MM-DD/events.parquet` (or `events.csv`), holding the rows that *arrived*
that day. Every column is text, so the generator can also write the broken values real feeds
carry; the pipeline types and validates them (models/staging).

Model of user behaviour
-----------------------
Acquisition. Each user signs up on one day of the period. Sign-ups follow a gamma-shaped curve,
a launch/growth phase peaking about a third of the way in and then a decay to roughly a third
of the peak, with more sign-ups at weekends. A user's first touch (`utm_source`) and `country`
are drawn once and sent unchanged on every event; paid channels (google, facebook, tiktok) are
over-represented while acquisition is booming, as marketing spend usually is.

Retention. Each user belongs to one hidden segment, whose mix depends on the channel (referral
and organic users stay longer than tiktok ones):
- churners (about half): active for a few days after sign-up, then gone;
- casual users: an active spell of weeks (exponential length, mean ~25 days);
- loyal users: a spell of months that mostly outlasts the period (the long tail of the curve).
Within a spell the user is active on a given day with a personal probability that fades with the
spell's age and rises at weekends, which alone gives gaps of a few days. When a spell ends the
user may come back (resurrect) after a dormancy of log-normal length, median ~3 weeks and a tail
of months, for a shorter second (and rarely third) spell; the first day of every spell is active.
Together these give cohort retention curves that drop steeply over the first days and flatten
into a tail, and resurrections after dormancies of days, weeks and months.

Sessions. An active day holds one to a few sessions. Events within a session are seconds to a
few minutes apart (never more than 20 minutes, so a 30-minute sessionisation rule keeps them
together); sessions are hours apart. The first session's hour follows the local daily rhythm of
the user's country (UTC+7/+8: lunch and evening peaks), so sessions of the local morning commute
fall around midnight UTC and some of them cross midnight into the next (UTC) day.

Platforms. Each user has a primary platform, drawn from a per-country mix; a session switches to
one of the other two now and then (a per-user probability, ~8% on average).

Economy. Each user has a personal mix of event types around a population mix (earns most
common, then searches, likes, shares, redemptions). Earns are 80-1,200 miles, skewed low;
redemptions 800-2,400. Redemptions are larger than earns and the stream does not show every way
of gaining miles (sign-up bonuses, partner transfers), so about a fifth of users (measured
20-23% across sizes and seeds) end with earned minus redeemed below zero.

Dirty data (rates are knobs, as fractions of generated events):
- bad rows: an event is replaced by an invalid row: empty or garbage event_time (other formats,
  offsets, impossible dates), event_time after its file's date, missing user_id, unknown
  event_type, non-numeric or negative miles on an earn/redeem, miles on a like/share, an unknown
  platform. Another quarter of that rate of rows get odd platform casing ("IOS", "Android"),
  which is valid after normalisation and so is counted as valid;
- late events land 1-6 days after their event date (most within 3); the last file of the period
  takes whatever would land after it;
- duplicates are exact copies of valid rows, in the same file or one up to 3 days later.

Determinism. Every random draw comes from numpy's PCG64 seeded by (seed, purpose, day), and the
files carry no timestamps, so the same configuration and seed give byte-identical files (with
the same numpy/pyarrow versions). Behaviour and dirt use separate streams: changing a dirt rate
changes which rows are dirty, never the underlying users and events.

Scale. Work is vectorised with numpy per day: users are simulated day by day (with sign-ups
sorted, only users already signed up are looked at), late rows and duplicates wait in a buffer
until their landing day, and each file is written as soon as its day is complete, so memory is
bounded by a few days of events rather than by the whole run.

Layout
------
parameters (the knobs above), config (GeneratorConfig, the presets), draws (seeded random
streams), users, days (one day's events), dirt (invalid rows), files (rendering and writing the
landing files), run (generate(), day by day) and cli (`growth-analytics generate`).
"""

from growth_analytics.generator.cli import add_generate_parser, config_from_args, main, run_generate
from growth_analytics.generator.config import (
    PRESETS,
    GenerationStats,
    GeneratorConfig,
    GeneratorError,
)
from growth_analytics.generator.files import file_path, format_timestamps
from growth_analytics.generator.parameters import FORMATS
from growth_analytics.generator.run import format_progress, generate, stderr_progress
from growth_analytics.generator.users import acquisition_curve
from growth_analytics.landing import EVENT_COLUMNS

__all__ = [
    "EVENT_COLUMNS",
    "FORMATS",
    "PRESETS",
    "GenerationStats",
    "GeneratorConfig",
    "GeneratorError",
    "acquisition_curve",
    "add_generate_parser",
    "config_from_args",
    "file_path",
    "format_progress",
    "format_timestamps",
    "generate",
    "main",
    "run_generate",
    "stderr_progress",
]
