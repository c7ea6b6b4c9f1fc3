"""The generator's knobs: the app's event types, categories, platforms, countries and channels,
the behaviour model's constants and the dirt codes."""

from __future__ import annotations

import datetime as dt

from growth_analytics import contract

FORMATS = ("parquet", "csv")

# The event types and platforms are the contract's (seeds/), in the seeds' order; the behaviour
# model below knows each by name, so a type or platform added to a seed needs its behaviour here
# (checked at import, by name).
CONTRACT_EVENT_TYPES = contract.event_types()
EVENT_TYPES = tuple(event_type.name for event_type in CONTRACT_EVENT_TYPES)
PLATFORMS = contract.platforms()
# Population mix of event types; each user's own mix is a Dirichlet draw around it.
EVENT_TYPE_MIX = {
    "miles_earned": 0.415,
    "miles_redeemed": 0.075,
    "reward_search": 0.25,
    "share": 0.10,
    "like": 0.16,
}
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

COUNTRIES = ("SG", "MY", "TH", "ID", "PH", "VN")
COUNTRY_WEIGHTS = (0.26, 0.20, 0.16, 0.16, 0.13, 0.09)
COUNTRY_UTC_OFFSET = (8, 8, 7, 7, 8, 7)
# Share of users whose primary platform it is, per country (COUNTRIES order): iOS leads only in
# Singapore.
PLATFORM_MIX = {
    "ios": (0.55, 0.38, 0.33, 0.22, 0.30, 0.28),
    "android": (0.33, 0.50, 0.57, 0.68, 0.60, 0.62),
    "web": (0.12, 0.12, 0.10, 0.10, 0.10, 0.10),
}
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


def in_seed_order(behaviour: dict, names: tuple[str, ...], what: str) -> tuple:
    if set(behaviour) != set(names):
        raise ValueError(
            f"the generator simulates the {what} {sorted(behaviour)}, the seed lists "
            f"{sorted(names)}: give each {what[:-1]} of seeds/ its behaviour in parameters.py"
        )
    return tuple(behaviour[name] for name in names)


EVENT_TYPE_WEIGHTS = in_seed_order(EVENT_TYPE_MIX, EVENT_TYPES, "event types")
# Primary-platform weights per country, each in the seed's platform order.
PLATFORM_WEIGHTS = tuple(zip(*in_seed_order(PLATFORM_MIX, PLATFORMS, "platforms"), strict=True))
# The types the behaviour model treats apart: the two that move miles (by their effect in the
# seed), searches (with a category) and the social ones (where dirt puts miles that do not belong).
EARN, REDEEM = (
    next(i for i, t in enumerate(CONTRACT_EVENT_TYPES) if t.miles_effect == effect)
    for effect in ("earned", "redeemed")
)
SEARCH, SHARE, LIKE = (EVENT_TYPES.index(name) for name in ("reward_search", "share", "like"))
