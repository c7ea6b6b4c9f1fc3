"""Dirty rows: invalid values, odd casing, as real feeds carry them."""

from __future__ import annotations

import numpy as np

from growth_analytics.generator.config import GeneratorConfig
from growth_analytics.generator.days import Rows, concat_rows, take_rows
from growth_analytics.generator.draws import cumulative_weights, draw_stream, pick_weighted
from growth_analytics.generator.parameters import (
    BAD_FUTURE_TIME,
    BAD_GARBAGE_TIME,
    BAD_KIND_WEIGHTS,
    BAD_MILES_ON_SOCIAL,
    BAD_MISSING_TIME,
    BAD_MISSING_USER,
    BAD_NEGATIVE_MILES,
    BAD_NON_NUMERIC_MILES,
    BAD_UNKNOWN_PLATFORM,
    BAD_UNKNOWN_TYPE,
    CASE_VARIANT_SHARE,
    CATEGORIES,
    DUPLICATE_DELAY_WEIGHTS,
    EARN,
    EARN_MILES,
    EVENT_TYPE_TEXT,
    EVENT_TYPES,
    GARBAGE_TIMES,
    LATENESS_WEIGHTS,
    LIKE,
    NON_NUMERIC_MILES,
    PLATFORM_CASE_BASE,
    REDEEM,
    SHARE,
    TIME_DAY_FIRST,
    TIME_EMPTY,
    TIME_FUTURE,
    TIME_GARBAGE_BASE,
    TIME_NULL,
    UNKNOWN_PLATFORM_BASE,
    UNKNOWN_PLATFORM_TEXT,
)


def make_dirty(rows: Rows, cfg: GeneratorConfig, day: int) -> Rows:
    """Turns some rows bad, gives some odd casing, makes some late and adds duplicates."""
    rng = draw_stream(cfg.seed, 2, day)
    n = rows["t_us"].size
    last = cfg.days - 1
    # Fixed draws per row whatever the rates, so a higher rate only adds dirt to the same stream.
    u_bad, u_case, u_late, u_dup = rng.random((4, n))
    kind = 1 + pick_weighted(rng, np.broadcast_to(cumulative_weights(BAD_KIND_WEIGHTS), (n, 9)))
    variant = rng.integers(0, 1 << 15, n)
    earn_miles = rng.integers(EARN_MILES[0], EARN_MILES[1] + 1, n, dtype=np.int32)
    lateness = 1 + pick_weighted(rng, np.broadcast_to(cumulative_weights(LATENESS_WEIGHTS), (n, 6)))
    delay = pick_weighted(rng, np.broadcast_to(cumulative_weights(DUPLICATE_DELAY_WEIGHTS), (n, 4)))

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
    copies = take_rows(out, source)
    copies["landing"] = np.minimum(copies["landing"] + delay[source], last).astype(np.int32)
    copies["dup"] = np.ones(source.size, dtype=np.bool_)
    return concat_rows([out, copies])
