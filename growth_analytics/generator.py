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
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from growth_analytics.landing import EVENT_COLUMNS  # the contract the generator writes

FORMATS = ("parquet", "csv")

EVENT_TYPES = ("miles_earned", "miles_redeemed", "reward_search", "share", "like")
EARN, REDEEM, SEARCH, SHARE, LIKE = range(5)
# Population mix of event types; each user's own mix is a Dirichlet draw around it.
EVENT_TYPE_WEIGHTS = (0.415, 0.075, 0.25, 0.10, 0.16)
# Lower: users differ more. At 5, a good share of users hardly redeem while others redeem a lot,
# which (with these weights) puts about a fifth of users below zero (the public sample: 24%).
EVENT_TYPE_CONCENTRATION = 5.0

CATEGORIES = ("dining", "ecommerce", "travel", "groceries", "transport", "entertainment")
EARN_CATEGORY_WEIGHTS = (0.30, 0.28, 0.06, 0.18, 0.10, 0.08)
REDEEM_CATEGORY_WEIGHTS = (0.15, 0.22, 0.40, 0.05, 0.03, 0.15)
SEARCH_CATEGORY_WEIGHTS = (0.18, 0.30, 0.30, 0.05, 0.05, 0.12)
SEARCH_CATEGORY_SHARE = 0.6  # other searches are free text: no category
EARN_MILES = (80, 1200)
REDEEM_MILES = (800, 2400)

PLATFORMS = ("ios", "android", "web")
COUNTRIES = ("SG", "MY", "TH", "ID", "PH", "VN")
COUNTRY_WEIGHTS = (0.26, 0.20, 0.16, 0.16, 0.13, 0.09)
COUNTRY_UTC_OFFSET = (8, 8, 7, 7, 8, 7)
# Primary platform (ios, android, web) per country: iOS leads only in Singapore.
PLATFORM_WEIGHTS = (
    (0.55, 0.33, 0.12),
    (0.38, 0.50, 0.12),
    (0.33, 0.57, 0.10),
    (0.22, 0.68, 0.10),
    (0.30, 0.60, 0.10),
    (0.28, 0.62, 0.10),
)
UTM_SOURCES = ("organic", "google", "facebook", "tiktok", "referral", "email")
UTM_WEIGHTS = (0.34, 0.20, 0.16, 0.12, 0.11, 0.07)
PAID_UTM = (False, True, True, True, False, False)

CHURNER, CASUAL, LOYAL = range(3)
# Segment mix (churner, casual, loyal) per utm_source, in UTM_SOURCES order.
SEGMENT_WEIGHTS = (
    (0.50, 0.32, 0.18),
    (0.55, 0.30, 0.15),
    (0.62, 0.27, 0.11),
    (0.70, 0.22, 0.08),
    (0.42, 0.34, 0.24),
    (0.52, 0.33, 0.15),
)
CHURNER_STAY_P = 0.45  # geometric first spell: mean ~2 days
CASUAL_SPELL_MEAN_DAYS = 25.0
LOYAL_SPELL_MEAN_DAYS = 300.0
ACTIVE_P_BETA = ((3.0, 2.0), (2.0, 4.0), (5.0, 3.0))  # per segment: daily activity in a spell
RESURRECT_P = (0.15, 0.35, 0.30)  # per segment, after the first spell
RESURRECT_AGAIN_P = 0.25
DORMANCY_MIN_DAYS = 4
DORMANCY_MEDIAN_DAYS = 18.0  # plus the minimum: median ~3 weeks, 90th percentile ~2 months
DORMANCY_SIGMA = 1.0
COMEBACK_SPELL_MEAN_DAYS = 12.0
COMEBACK_ACTIVITY = 0.8
MAX_SPELLS = 3
ACTIVITY_FADE_DAYS = 40.0
WEEKEND_ACTIVITY = 1.15

SESSION_EXTRA_MEAN = 0.7  # sessions per active day = 1 + Poisson(personal rate), capped
MAX_SESSIONS = 6
EVENTS_EXTRA_MEAN = 3.5  # events per session = 1 + Poisson(personal rate), capped
MAX_SESSION_EVENTS = 25
EVENT_GAP_MIN_S = 3.0
EVENT_GAP_MEAN_S = 100.0
EVENT_GAP_MAX_S = 20 * 60.0
SESSION_GAP_MIN_S = 45 * 60.0
SESSION_GAP_MEAN_S = 3 * 3600.0
PLATFORM_SWITCH_BETA = (1.0, 11.0)
# Local-time activity by hour (0-23): quiet nights, a lunch bump and an evening peak.
# fmt: off
LOCAL_HOUR_WEIGHTS = (
    0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.7, 1.3, 1.8, 1.6, 1.4, 1.6,  # 00:00-11:00
    2.2, 2.0, 1.5, 1.4, 1.5, 1.7, 2.0, 2.4, 2.7, 2.8, 2.4, 1.6,  # 12:00-23:00
)
# fmt: on

ACQUISITION_SHAPE = 1.5
ACQUISITION_PEAK = 0.33  # fraction of the period
ACQUISITION_FLOOR = 0.08
WEEKEND_SIGNUPS = 1.2

# Dirt. Lateness in days (1..6) and the delay of a duplicate behind its original (0..3 days).
LATENESS_WEIGHTS = (0.45, 0.25, 0.15, 0.07, 0.05, 0.03)
DUPLICATE_DELAY_WEIGHTS = (0.55, 0.25, 0.12, 0.08)
CASE_VARIANT_SHARE = 0.25  # odd platform casing, as a share of the bad-row rate
(
    BAD_MISSING_TIME,
    BAD_GARBAGE_TIME,
    BAD_FUTURE_TIME,
    BAD_MISSING_USER,
    BAD_UNKNOWN_TYPE,
    BAD_NON_NUMERIC_MILES,
    BAD_NEGATIVE_MILES,
    BAD_MILES_ON_SOCIAL,
    BAD_UNKNOWN_PLATFORM,
) = range(1, 10)
BAD_KIND_WEIGHTS = (0.10, 0.16, 0.10, 0.12, 0.12, 0.12, 0.10, 0.10, 0.08)

# Text tables the rendered columns index into; codes past the valid ones are dirt.
EVENT_TYPE_TEXT = (*EVENT_TYPES, "miles_transfer", "app_open", "purchase", "page_view", "")
PLATFORM_TEXT = (*PLATFORMS, "IOS", "iOS", "Android", "ANDROID", "Web", "WEB")
PLATFORM_CASE_BASE = len(PLATFORMS)
UNKNOWN_PLATFORM_TEXT = ("windows", "ipados", "unknown", "")
PLATFORM_TEXT += UNKNOWN_PLATFORM_TEXT
UNKNOWN_PLATFORM_BASE = len(PLATFORM_TEXT) - len(UNKNOWN_PLATFORM_TEXT)
NON_NUMERIC_MILES = ("abc", "1,200", "12O", "NaN", "n/a", "five hundred", "", "500 miles")
# event_time dirt codes: 0 fine, then these; the garbage strings follow as codes 8+.
TIME_OK, TIME_FUTURE, TIME_NULL, TIME_EMPTY, TIME_DAY_FIRST, TIME_EPOCH, TIME_OFFSET = range(7)
TIME_DATE_ONLY = 7
TIME_GARBAGE_BASE = 8
GARBAGE_TIMES = (
    "not a timestamp",
    "NaT",
    "2025-02-30 10:15:00",
    "0000-00-00 00:00:00",
    "null",
    "#VALUE!",
)
USER_NULL, USER_EMPTY = 1, 2

DAY_US = 86_400_000_000
SECOND_US = 1_000_000
EPOCH = dt.date(1970, 1, 1)
_PARTITION_DIR = re.compile(r"^dt=\d{4}-\d{2}-\d{2}$")


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


# --------------------------------------------------------------------------------------------
# Users


def _rng(seed: int, purpose: int, day: int = 0) -> np.random.Generator:
    # One independent stream per (purpose, day): a day's draws never depend on other days'.
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, day]))


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Categorical draw per row: `cumulative` is (rows, k) cumulative probabilities."""
    u = rng.random(cumulative.shape[0])
    return (u[:, None] > cumulative[:, :-1]).sum(axis=1)


def _cumulative(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    c = np.cumsum(w / w.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c


def acquisition_curve(days: int, start: dt.date) -> np.ndarray:
    """Relative sign-up intensity per day: growth to a peak, then decay, weekends higher."""
    x = (np.arange(days) + 0.5) / days
    rate = ACQUISITION_SHAPE / ACQUISITION_PEAK
    curve = x**ACQUISITION_SHAPE * np.exp(-rate * x)
    # A floor of organic sign-ups: the first days are quiet, never empty.
    curve = ACQUISITION_FLOOR + (1 - ACQUISITION_FLOOR) * curve / curve.max()
    weekday = (start.weekday() + np.arange(days)) % 7
    curve *= np.where(weekday >= 5, WEEKEND_SIGNUPS, 1.0)
    return curve / curve.max()


@dataclass
class _Users:
    signup: np.ndarray  # day index, ascending (user ids are handed out in sign-up order)
    country: np.ndarray
    utm: np.ndarray
    platform: np.ndarray
    p_active: np.ndarray
    spell_start: np.ndarray  # (users, MAX_SPELLS) day index; unused spells start never
    spell_end: np.ndarray  # exclusive
    session_rate: np.ndarray
    events_rate: np.ndarray
    switch_p: np.ndarray
    type_cum: np.ndarray  # (users, 5) cumulative event-type mix


def _make_users(cfg: GeneratorConfig) -> _Users:
    rng = _rng(cfg.seed, 0)
    n = cfg.users
    curve = acquisition_curve(cfg.days, cfg.start)
    signup = np.sort(rng.choice(cfg.days, size=n, p=curve / curve.sum()))

    country = _pick(rng, np.broadcast_to(_cumulative(COUNTRY_WEIGHTS), (n, len(COUNTRIES))))
    platform = _pick(rng, _cumulative(np.asarray(PLATFORM_WEIGHTS)[country]))
    # Paid channels weigh from half their base weight on quiet days to 1.5x at the peak.
    utm_w = np.tile(np.asarray(UTM_WEIGHTS), (n, 1))
    utm_w[:, np.asarray(PAID_UTM)] *= (0.5 + curve[signup])[:, None]
    utm = _pick(rng, _cumulative(utm_w))
    segment = _pick(rng, _cumulative(np.asarray(SEGMENT_WEIGHTS)[utm]))

    # First spell, then possible comebacks after a dormancy.
    never = np.iinfo(np.int32).max // 2
    first_len = np.select(
        [segment == CHURNER, segment == CASUAL],
        [
            rng.geometric(CHURNER_STAY_P, n),
            1 + np.rint(rng.exponential(CASUAL_SPELL_MEAN_DAYS, n)),
        ],
        1 + np.rint(rng.exponential(LOYAL_SPELL_MEAN_DAYS, n)),
    ).astype(np.int64)
    spell_start = np.full((n, MAX_SPELLS), never, dtype=np.int64)
    spell_end = np.full((n, MAX_SPELLS), never, dtype=np.int64)
    spell_start[:, 0] = signup
    spell_end[:, 0] = signup + first_len
    comes_back = rng.random(n) < np.asarray(RESURRECT_P)[segment]
    for k in range(1, MAX_SPELLS):
        dormancy = DORMANCY_MIN_DAYS + np.rint(
            rng.lognormal(np.log(DORMANCY_MEDIAN_DAYS), DORMANCY_SIGMA, n)
        ).astype(np.int64)
        length = 1 + np.rint(rng.exponential(COMEBACK_SPELL_MEAN_DAYS, n)).astype(np.int64)
        spell_start[:, k] = np.where(comes_back, spell_end[:, k - 1] + dormancy, never)
        spell_end[:, k] = np.where(comes_back, spell_start[:, k] + length, never)
        comes_back &= rng.random(n) < RESURRECT_AGAIN_P

    beta = np.asarray(ACTIVE_P_BETA)[segment]
    p_active = rng.beta(beta[:, 0], beta[:, 1])
    session_rate = rng.gamma(2.0, SESSION_EXTRA_MEAN / 2.0, n)
    events_rate = rng.gamma(3.0, EVENTS_EXTRA_MEAN / 3.0, n)
    switch_p = rng.beta(*PLATFORM_SWITCH_BETA, n)
    type_mix = rng.dirichlet(np.asarray(EVENT_TYPE_WEIGHTS) * EVENT_TYPE_CONCENTRATION, n)
    return _Users(
        signup=signup,
        country=country.astype(np.int8),
        utm=utm.astype(np.int8),
        platform=platform.astype(np.int8),
        p_active=p_active,
        spell_start=spell_start,
        spell_end=spell_end,
        session_rate=session_rate,
        events_rate=events_rate,
        switch_p=switch_p,
        type_cum=_cumulative(type_mix),
    )


# --------------------------------------------------------------------------------------------
# Events of one day

# A batch of rows is a dict of equally long numpy arrays (columnar, cheap to filter and concat).
Rows = dict[str, np.ndarray]
_ROW_DTYPES = {
    "t_us": np.int64,  # true event time, µs since the epoch (naive UTC)
    "user": np.int32,
    "etype": np.int8,  # index into EVENT_TYPE_TEXT
    "cat": np.int8,  # index into CATEGORIES, -1 = null
    "miles": np.int32,  # -1 = null
    "platform": np.int8,  # index into PLATFORM_TEXT
    "event_day": np.int32,  # day index of t_us
    "landing": np.int32,  # day index of the file the row lands in
    "time_bad": np.int8,  # TIME_* code
    "future_days": np.int8,  # for TIME_FUTURE: days after the landing day
    "user_bad": np.int8,
    "miles_bad": np.int8,  # 0 fine, 1 negative, 2+ index into NON_NUMERIC_MILES (+2)
    "bad": np.bool_,
    "case": np.bool_,
    "dup": np.bool_,
}


def _empty_rows() -> Rows:
    return {name: np.empty(0, dtype=dtype) for name, dtype in _ROW_DTYPES.items()}


def _concat(parts: list[Rows]) -> Rows:
    if not parts:
        return _empty_rows()
    return {name: np.concatenate([p[name] for p in parts]) for name in _ROW_DTYPES}


def _take(rows: Rows, index: np.ndarray) -> Rows:
    return {name: values[index] for name, values in rows.items()}


def _group_offsets(values: np.ndarray, first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Exclusive cumulative sum of `values` within consecutive groups (first index, size)."""
    total = np.cumsum(values)
    exclusive = total - values
    return exclusive - np.repeat(exclusive[first], counts)


def _active_users(users: _Users, day: int, weekday: int, rng: np.random.Generator) -> np.ndarray:
    n = int(np.searchsorted(users.signup, day, side="right"))
    starts = users.spell_start[:n]
    ends = users.spell_end[:n]
    in_spell = (starts <= day) & (day < ends)
    spell = in_spell.argmax(axis=1)
    any_spell = in_spell.any(axis=1)
    age = day - starts[np.arange(n), spell]
    p = users.p_active[:n] * (0.55 + 0.45 * np.exp(-age / ACTIVITY_FADE_DAYS))
    p = np.where(spell > 0, p * COMEBACK_ACTIVITY, p)
    if weekday >= 5:
        p = p * WEEKEND_ACTIVITY
    active = any_spell & ((rng.random(n) < p) | (age == 0))
    return np.flatnonzero(active)


def _simulate_day(
    users: _Users, cfg: GeneratorConfig, day: int, hour_cum: np.ndarray, day0_us: int
) -> Rows:
    rng = _rng(cfg.seed, 1, day)
    weekday = (cfg.start.weekday() + day) % 7
    active = _active_users(users, day, weekday, rng)
    if active.size == 0:
        return _empty_rows()

    # Sessions of each active user, and events of each session.
    n_sessions = 1 + np.minimum(rng.poisson(users.session_rate[active]), MAX_SESSIONS - 1)
    s_user = np.repeat(active, n_sessions)
    n_events = 1 + np.minimum(rng.poisson(users.events_rate[s_user]), MAX_SESSION_EVENTS - 1)
    n_s, n_e = s_user.size, int(n_events.sum())
    e_session = np.repeat(np.arange(n_s), n_events)
    first_event = np.cumsum(n_events) - n_events
    gaps = np.minimum(EVENT_GAP_MIN_S + rng.exponential(EVENT_GAP_MEAN_S, n_e), EVENT_GAP_MAX_S)
    # Offsets of events from their session's start; the first event is the start.
    offsets = _group_offsets(gaps, first_event, n_events) + gaps
    offsets -= np.repeat(offsets[first_event], n_events)
    duration = offsets[first_event + n_events - 1]

    # Session starts: the first by the local daily rhythm, the next ones hours after the end of
    # the previous one. Sessions that would start after midnight are dropped (the day is over),
    # but a session already running keeps going across midnight.
    first_session = np.cumsum(n_sessions) - n_sessions
    hour = _pick(rng, hour_cum[users.country[active]])
    day_start_s = hour * 3600.0 + rng.random(active.size) * 3600.0
    step = duration + SESSION_GAP_MIN_S + rng.exponential(SESSION_GAP_MEAN_S, n_s)
    s_start = np.repeat(day_start_s, n_sessions) + _group_offsets(step, first_session, n_sessions)
    keep_session = s_start < 86_400.0

    switch = rng.random(n_s) < users.switch_p[s_user]
    other = (users.platform[s_user] + 1 + rng.integers(0, 2, n_s)) % 3
    s_platform = np.where(switch, other, users.platform[s_user]).astype(np.int8)

    e_user = s_user[e_session]
    t_us = day0_us + day * DAY_US + np.rint((s_start[e_session] + offsets) * SECOND_US)
    t_us = t_us.astype(np.int64)
    etype = _pick(rng, users.type_cum[e_user]).astype(np.int8)

    # Category and miles by type; draws are made for every event to keep the code branch-free.
    u_cat = rng.random(n_e)
    cat = np.full(n_e, -1, dtype=np.int8)
    for kind, weights in (
        (EARN, EARN_CATEGORY_WEIGHTS),
        (REDEEM, REDEEM_CATEGORY_WEIGHTS),
        (SEARCH, SEARCH_CATEGORY_WEIGHTS),
    ):
        chosen = np.searchsorted(_cumulative(weights)[:-1], u_cat, side="right")
        cat = np.where(etype == kind, chosen, cat).astype(np.int8)
    search_blank = (etype == SEARCH) & (rng.random(n_e) >= SEARCH_CATEGORY_SHARE)
    cat[search_blank] = -1
    earn = EARN_MILES[0] + np.floor(
        (EARN_MILES[1] - EARN_MILES[0] + 1) * rng.beta(1.4, 2.2, n_e)
    ).astype(np.int32)
    redeem = rng.integers(REDEEM_MILES[0], REDEEM_MILES[1] + 1, n_e, dtype=np.int32)
    miles = np.where(etype == EARN, earn, np.where(etype == REDEEM, redeem, -1)).astype(np.int32)

    keep = keep_session[e_session] & (t_us < day0_us + cfg.days * DAY_US)
    size = int(keep.sum())
    rows = {name: np.zeros(size, dtype=dtype) for name, dtype in _ROW_DTYPES.items()}
    rows.update(
        t_us=t_us[keep],
        user=e_user[keep].astype(np.int32),
        etype=etype[keep],
        cat=cat[keep],
        miles=miles[keep],
        platform=s_platform[e_session][keep],
    )
    rows["event_day"] = ((rows["t_us"] - day0_us) // DAY_US).astype(np.int32)
    return rows


def _dirty(rows: Rows, cfg: GeneratorConfig, day: int) -> Rows:
    """Turns some rows bad, gives some odd casing, makes some late and adds duplicates."""
    rng = _rng(cfg.seed, 2, day)
    n = rows["t_us"].size
    last = cfg.days - 1
    # Fixed draws per row whatever the rates, so a higher rate only adds dirt to the same stream.
    u_bad, u_case, u_late, u_dup = rng.random((4, n))
    kind = 1 + _pick(rng, np.broadcast_to(_cumulative(BAD_KIND_WEIGHTS), (n, 9)))
    variant = rng.integers(0, 1 << 15, n)
    earn_miles = rng.integers(EARN_MILES[0], EARN_MILES[1] + 1, n, dtype=np.int32)
    lateness = 1 + _pick(rng, np.broadcast_to(_cumulative(LATENESS_WEIGHTS), (n, 6)))
    delay = _pick(rng, np.broadcast_to(_cumulative(DUPLICATE_DELAY_WEIGHTS), (n, 4)))

    bad = u_bad < cfg.bad_row_rate
    kind = np.where(bad, kind, 0)
    etype, miles, cat = rows["etype"], rows["miles"], rows["cat"]
    is_miles = (etype == EARN) | (etype == REDEEM)

    time_bad = np.zeros(n, dtype=np.int8)
    garbage_time = kind == BAD_GARBAGE_TIME
    n_garbage = TIME_GARBAGE_BASE + len(GARBAGE_TIMES) - TIME_DAY_FIRST
    time_bad[garbage_time] = TIME_DAY_FIRST + variant[garbage_time] % n_garbage
    missing_time = kind == BAD_MISSING_TIME
    time_bad[missing_time] = np.where(variant[missing_time] % 2 == 0, TIME_NULL, TIME_EMPTY)
    time_bad[kind == BAD_FUTURE_TIME] = TIME_FUTURE
    future_days = np.where(kind == BAD_FUTURE_TIME, 1 + variant % 3, 0).astype(np.int8)

    user_bad = np.where(kind == BAD_MISSING_USER, 1 + variant % 2, 0).astype(np.int8)

    unknown_type = kind == BAD_UNKNOWN_TYPE
    n_unknown = len(EVENT_TYPE_TEXT) - len(EVENT_TYPES)
    etype = np.where(unknown_type, len(EVENT_TYPES) + variant % n_unknown, etype).astype(np.int8)

    # Miles dirt needs the right kind of event: an earn/redeem for bad miles values (a like
    # becomes an earn), a like/share for miles where none belong.
    bad_miles = (kind == BAD_NON_NUMERIC_MILES) | (kind == BAD_NEGATIVE_MILES)
    make_earn = bad_miles & ~is_miles
    etype = np.where(make_earn, EARN, etype).astype(np.int8)
    cat = np.where(make_earn, variant % len(CATEGORIES), cat).astype(np.int8)
    miles = np.where(make_earn, earn_miles, miles).astype(np.int32)
    miles_bad = np.zeros(n, dtype=np.int8)
    miles_bad[kind == BAD_NEGATIVE_MILES] = 1
    non_numeric = kind == BAD_NON_NUMERIC_MILES
    miles_bad[non_numeric] = 2 + variant[non_numeric] % len(NON_NUMERIC_MILES)
    on_social = kind == BAD_MILES_ON_SOCIAL
    social = np.where((etype == SHARE) | (etype == LIKE), etype, LIKE)
    etype = np.where(on_social, social, etype).astype(np.int8)
    cat = np.where(on_social, -1, cat).astype(np.int8)
    miles = np.where(on_social, 5 + variant % 96, miles).astype(np.int32)

    platform = rows["platform"]
    unknown_platform = kind == BAD_UNKNOWN_PLATFORM
    platform = np.where(
        unknown_platform,
        UNKNOWN_PLATFORM_BASE + variant % len(UNKNOWN_PLATFORM_TEXT),
        platform,
    )
    case = ~bad & (u_case < cfg.bad_row_rate * CASE_VARIANT_SHARE)
    platform = np.where(case, PLATFORM_CASE_BASE + 2 * platform + variant % 2, platform)

    late = u_late < cfg.late_rate
    landing = np.minimum(rows["event_day"] + np.where(late, lateness, 0), last)

    out = dict(rows)
    out.update(
        etype=etype,
        cat=cat,
        miles=miles,
        platform=platform.astype(np.int8),
        landing=landing.astype(np.int32),
        time_bad=time_bad,
        future_days=future_days,
        user_bad=user_bad,
        miles_bad=miles_bad,
        bad=bad,
        case=case,
    )
    source = np.flatnonzero(~bad & (u_dup < cfg.duplicate_rate))
    copies = _take(out, source)
    copies["landing"] = np.minimum(copies["landing"] + delay[source], last).astype(np.int32)
    copies["dup"] = np.ones(source.size, dtype=np.bool_)
    return _concat([out, copies])


# --------------------------------------------------------------------------------------------
# Rendering and writing


class _Renderer:
    """Turns row batches into all-text Arrow tables; user-level text is built once."""

    def __init__(self, users: _Users, cfg: GeneratorConfig) -> None:
        width = max(6, len(str(cfg.users - 1)))
        numbers = pc.cast(pa.array(np.arange(cfg.users)), pa.string())
        ids = pc.binary_join_element_wise("u_", pc.utf8_lpad(numbers, width, "0"), "")
        # Index `users` renders an empty user_id (one of the missing-user variants).
        self.user_text = pa.concat_arrays([ids, pa.array([""])])
        self.users = users
        self.day0_us = (cfg.start - EPOCH).days * DAY_US
        self.type_text = pa.array(EVENT_TYPE_TEXT)
        self.category_text = pa.array(CATEGORIES)
        self.platform_text = pa.array(PLATFORM_TEXT)
        self.utm_text = pa.array(UTM_SOURCES)
        self.country_text = pa.array(COUNTRIES)

    def table(self, rows: Rows, landing_day: int) -> pa.Table:
        user = rows["user"]
        user_index = np.where(rows["user_bad"] == USER_EMPTY, len(self.user_text) - 1, user)
        columns = [
            self._event_time(rows, landing_day),
            self.user_text.take(pa.array(user_index, mask=rows["user_bad"] == USER_NULL)),
            self.type_text.take(pa.array(rows["etype"])),
            self.category_text.take(pa.array(rows["cat"], mask=rows["cat"] < 0)),
            self._miles(rows),
            self.platform_text.take(pa.array(rows["platform"])),
            self.utm_text.take(pa.array(self.users.utm[user])),
            self.country_text.take(pa.array(self.users.country[user])),
        ]
        return pa.table(columns, schema=SCHEMA)

    def _event_time(self, rows: Rows, landing_day: int) -> pa.Array:
        t_us = rows["t_us"].copy()
        code = rows["time_bad"]
        future = code == TIME_FUTURE
        if future.any():
            # Same time of day, 1-3 days after the file's own date.
            landing_us = self.day0_us + landing_day * DAY_US
            t_us[future] = (
                landing_us
                + rows["future_days"][future].astype(np.int64) * DAY_US
                + t_us[future] % DAY_US
            )
        text = format_timestamps(t_us)
        dirty = code >= TIME_NULL
        if not dirty.any():
            return text
        sub_t = pa.array(t_us[dirty], pa.timestamp("us"))
        sub_code = code[dirty]
        values = np.full(sub_code.size, None, dtype=object)
        values[sub_code == TIME_EMPTY] = ""
        formats = {
            TIME_DAY_FIRST: (sub_t, "%d/%m/%Y %H:%M"),
            # Local time with its offset: the contract refuses offsets other than UTC.
            TIME_OFFSET: (
                pa.array(t_us[dirty] + 8 * 3600 * SECOND_US, pa.timestamp("us")),
                "%Y-%m-%dT%H:%M:%S+08:00",
            ),
            TIME_DATE_ONLY: (sub_t, "%Y-%m-%d"),
        }
        for time_code, (times, fmt) in formats.items():
            pick = sub_code == time_code
            if pick.any():
                chosen = times.filter(pa.array(pick))
                values[pick] = pc.strftime(chosen, format=fmt).to_numpy(zero_copy_only=False)
        epoch = sub_code == TIME_EPOCH
        values[epoch] = (t_us[dirty][epoch] // SECOND_US).astype(str)
        garbage = sub_code >= TIME_GARBAGE_BASE
        values[garbage] = np.asarray(GARBAGE_TIMES, dtype=object)[
            sub_code[garbage] - TIME_GARBAGE_BASE
        ]
        return pc.replace_with_mask(text, pa.array(dirty), pa.array(values, pa.string()))

    def _miles(self, rows: Rows) -> pa.Array:
        miles = rows["miles"]
        numbers = pc.cast(pa.array(miles, mask=miles < 0), pa.string())
        # Whole numbers written as floats, as the app's export does ("516.0").
        text = pc.binary_join_element_wise(numbers, ".0", "")
        code = rows["miles_bad"]
        dirty = code > 0
        if not dirty.any():
            return text
        sub_code = code[dirty]
        values = np.empty(sub_code.size, dtype=object)
        negative = sub_code == 1
        values[negative] = np.char.add("-", miles[dirty][negative].astype(str)).astype(object)
        values[negative] = values[negative] + ".0"
        values[~negative] = np.asarray(NON_NUMERIC_MILES, dtype=object)[sub_code[~negative] - 2]
        return pc.replace_with_mask(text, pa.array(dirty), pa.array(values, pa.string()))


_TWO_DIGITS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def format_timestamps(t_us: np.ndarray) -> pa.StringArray:
    """`YYYY-MM-DD HH:MM:SS.ffffff` for µs since the epoch, built as fixed-width bytes with numpy:
    about six times faster than pyarrow's strftime, which was half the generator's run time."""
    n = t_us.size
    if n == 0:
        return pa.array([], pa.string())
    width = 26
    buf = np.empty((n, width), dtype=np.uint8)
    days = t_us // DAY_US
    first_day = int(days.min())
    span = np.arange(first_day, int(days.max()) + 1).astype("datetime64[D]")
    dates = np.datetime_as_string(span).astype("S10").view(np.uint8).reshape(-1, 10)
    buf[:, :10] = dates[days - first_day]
    micros = t_us - days * DAY_US
    seconds = (micros // SECOND_US).astype(np.int32)
    fraction = (micros % SECOND_US).astype(np.int32)
    buf[:, 10] = ord(" ")
    buf[:, 11:13] = _TWO_DIGITS[seconds // 3600]
    buf[:, 13] = ord(":")
    buf[:, 14:16] = _TWO_DIGITS[seconds // 60 % 60]
    buf[:, 16] = ord(":")
    buf[:, 17:19] = _TWO_DIGITS[seconds % 60]
    buf[:, 19] = ord(".")
    buf[:, 20:22] = _TWO_DIGITS[fraction // 10_000]
    buf[:, 22:24] = _TWO_DIGITS[fraction // 100 % 100]
    buf[:, 24:26] = _TWO_DIGITS[fraction % 100]
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


SCHEMA = pa.schema([pa.field(name, pa.string()) for name in EVENT_COLUMNS])
CSV_HEADER = ",".join(EVENT_COLUMNS) + "\n"


def _csv_bytes(table: pa.Table) -> bytes:
    """CSV with the fixed header, minimal quoting and empty fields for nulls."""
    fields = []
    for column in table.columns:
        needs_quotes = pc.match_substring_regex(column, r'[",\r\n]')
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        fields.append(pc.if_else(pc.fill_null(needs_quotes, False), quoted, column))
    if table.num_rows == 0:
        return CSV_HEADER.encode()
    lines = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, "\n", "").combine_chunks()
    # The lines sit back to back in the array's data buffer: that slice is the file body.
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    body = lines.buffers()[2].slice(int(first), int(last - first)).to_pybytes()
    return CSV_HEADER.encode() + body


def _write(table: pa.Table, path: Path, fmt: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hidden temporary name: the landing reader skips dot-files, so a crash mid-write never
    # leaves a half file that a pipeline run would load.
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "parquet":
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)
    else:
        tmp.write_bytes(_csv_bytes(table))
    os.replace(tmp, path)
    return path.stat().st_size


def file_path(out_dir: Path, day: dt.date, fmt: str) -> Path:
    return out_dir / f"dt={day.isoformat()}" / f"events.{fmt}"


def _prepare_out_dir(cfg: GeneratorConfig, out_dir: Path, clean: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise GeneratorError(f"output {out_dir} exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    partitions = sorted(p for p in out_dir.iterdir() if p.is_dir() and _PARTITION_DIR.match(p.name))
    if clean:
        for folder in partitions:
            shutil.rmtree(folder)
        return
    expected = {
        file_path(out_dir, cfg.start + dt.timedelta(days=d), cfg.fmt) for d in range(cfg.days)
    }
    stale = [
        path
        for folder in partitions
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith((".", "_")) and path not in expected
    ]
    if stale:
        # A pipeline would load those files next to the new ones: users from two unrelated runs.
        raise GeneratorError(
            f"{out_dir} holds {len(stale)} landing file(s) this run would not overwrite, "
            f"e.g. {stale[0]}; use --clean (clean=True) to delete its dt=* folders first"
        )


# --------------------------------------------------------------------------------------------
# Entry points


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
    _prepare_out_dir(cfg, out_dir, clean)
    users = _make_users(cfg)
    renderer = _Renderer(users, cfg)
    hours = np.arange(24)
    local = np.asarray(LOCAL_HOUR_WEIGHTS)
    hour_cum = _cumulative(
        np.stack([local[(hours + offset) % 24] for offset in COUNTRY_UTC_OFFSET])
    )
    earned = np.zeros(cfg.users, dtype=np.int64)
    redeemed = np.zeros(cfg.users, dtype=np.int64)
    seen = np.zeros(cfg.users, dtype=np.bool_)
    stats = GenerationStats()
    pending: dict[int, list[Rows]] = {}

    for day in range(cfg.days):
        rows = _dirty(_simulate_day(users, cfg, day, hour_cum, renderer.day0_us), cfg, day)
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
            pending.setdefault(int(landing), []).append(_take(rows, rows["landing"] == landing))

        batch = _concat(pending.pop(day, []))
        # Rows of a file in event-time order (late rows therefore come first); the sort is
        # stable, so a duplicate follows its original when both land in the same file.
        batch = _take(batch, np.lexsort((batch["user"], batch["t_us"])))
        table = renderer.table(batch, day)
        path = file_path(out_dir, cfg.start + dt.timedelta(days=day), cfg.fmt)
        stats.bytes_written += _write(table, path, cfg.fmt)
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


def _whole_number(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected at least {minimum}")
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction between 0 and 0.5")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_generate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Registers `generate` on a subparsers object; sets func=run_generate."""
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic landing files (seeded, partitioned by landing day)",
        description=(
            "Write a seeded synthetic event stream as landing files OUT/dt=YYYY-MM-DD/events.* "
            "(one per landing day, every column text). Options override the preset; rates are "
            "fractions of generated events."
        ),
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="sample",
        help="base settings (default: sample)",
    )
    parser.add_argument("--users", type=_whole_number(1), metavar="N", help="number of users")
    parser.add_argument("--days", type=_whole_number(1), metavar="N", help="number of days")
    parser.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="first day")
    parser.add_argument("--seed", type=_whole_number(0), metavar="N", help="random seed")
    rate = {"type": _rate, "metavar": "RATE"}
    parser.add_argument("--bad-rate", dest="bad_row_rate", help="share of bad rows", **rate)
    parser.add_argument("--duplicate-rate", help="share of duplicated rows", **rate)
    parser.add_argument("--late-rate", help="share of late events", **rate)
    parser.add_argument(
        "--format", dest="fmt", choices=FORMATS, help="file format (default: the preset's, parquet)"
    )
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument(
        "--clean", action="store_true", help="delete the dt=* folders already in OUT first"
    )
    parser.set_defaults(func=run_generate)
    return parser


def config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    overrides = {
        name: getattr(args, name)
        for name in (field.name for field in dataclasses.fields(GeneratorConfig))
        if getattr(args, name, None) is not None
    }
    return dataclasses.replace(PRESETS[args.preset], **overrides)


def run_generate(args: argparse.Namespace) -> int:
    try:
        cfg = config_from_args(args)
        stats = generate(cfg, args.out, clean=args.clean, progress=stderr_progress())
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {stats.files} files ({cfg.fmt}, {stats.bytes_written / 1e6:,.1f} MB) to "
        f"{args.out}: {stats.events_written:,} rows = {stats.valid_events:,} valid + "
        f"{stats.bad_rows:,} bad + {stats.duplicate_rows:,} duplicates; "
        f"{stats.late_rows:,} late; {stats.negative_balance_users:,} of "
        f"{stats.users_with_events:,} users below zero miles; {stats.seconds:,.1f} s"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m growth_analytics.generator")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_generate_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
