"""The events of one day: who is active, their sessions and events, as columnar batches."""

from __future__ import annotations

import numpy as np

from growth_analytics.generator.config import GeneratorConfig
from growth_analytics.generator.draws import cumulative_weights, draw_stream, pick_weighted
from growth_analytics.generator.parameters import (
    ACTIVITY_FADE_DAYS,
    COMEBACK_ACTIVITY,
    DAY_US,
    EARN,
    EARN_CATEGORY_WEIGHTS,
    EARN_MILES,
    EVENT_GAP_MAX_S,
    EVENT_GAP_MEAN_S,
    EVENT_GAP_MIN_S,
    MAX_SESSION_EVENTS,
    MAX_SESSIONS,
    REDEEM,
    REDEEM_CATEGORY_WEIGHTS,
    REDEEM_MILES,
    SEARCH,
    SEARCH_CATEGORY_SHARE,
    SEARCH_CATEGORY_WEIGHTS,
    SECOND_US,
    SESSION_GAP_MEAN_S,
    SESSION_GAP_MIN_S,
    WEEKEND_ACTIVITY,
)
from growth_analytics.generator.users import Users

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


def concat_rows(parts: list[Rows]) -> Rows:
    if not parts:
        return _empty_rows()
    return {name: np.concatenate([p[name] for p in parts]) for name in _ROW_DTYPES}


def take_rows(rows: Rows, index: np.ndarray) -> Rows:
    return {name: values[index] for name, values in rows.items()}


def _group_offsets(values: np.ndarray, first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Exclusive cumulative sum of `values` within consecutive groups (first index, size)."""
    total = np.cumsum(values)
    exclusive = total - values
    return exclusive - np.repeat(exclusive[first], counts)


def _active_users(users: Users, day: int, weekday: int, rng: np.random.Generator) -> np.ndarray:
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


def simulate_day(
    users: Users, cfg: GeneratorConfig, day: int, hour_cum: np.ndarray, day0_us: int
) -> Rows:
    rng = draw_stream(cfg.seed, 1, day)
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
    hour = pick_weighted(rng, hour_cum[users.country[active]])
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
    etype = pick_weighted(rng, users.type_cum[e_user]).astype(np.int8)

    # Category and miles by type; draws are made for every event to keep the code branch-free.
    u_cat = rng.random(n_e)
    cat = np.full(n_e, -1, dtype=np.int8)
    for kind, weights in (
        (EARN, EARN_CATEGORY_WEIGHTS),
        (REDEEM, REDEEM_CATEGORY_WEIGHTS),
        (SEARCH, SEARCH_CATEGORY_WEIGHTS),
    ):
        chosen = np.searchsorted(cumulative_weights(weights)[:-1], u_cat, side="right")
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
