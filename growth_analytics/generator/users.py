"""The users: sign-up day, first touch, country, platform, hidden segment and activity spells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from growth_analytics.generator.config import GeneratorConfig
from growth_analytics.generator.draws import cumulative_weights, draw_stream, pick_weighted
from growth_analytics.generator.parameters import (
    ACQUISITION_FLOOR,
    ACQUISITION_PEAK,
    ACQUISITION_SHAPE,
    ACTIVE_P_BETA,
    CASUAL,
    CASUAL_SPELL_MEAN_DAYS,
    CHURNER,
    CHURNER_STAY_P,
    COMEBACK_SPELL_MEAN_DAYS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DORMANCY_MEDIAN_DAYS,
    DORMANCY_MIN_DAYS,
    DORMANCY_SIGMA,
    EVENT_TYPE_CONCENTRATION,
    EVENT_TYPE_WEIGHTS,
    EVENTS_EXTRA_MEAN,
    LOYAL_SPELL_MEAN_DAYS,
    MAX_SPELLS,
    PAID_UTM,
    PLATFORM_SWITCH_BETA,
    PLATFORM_WEIGHTS,
    RESURRECT_AGAIN_P,
    RESURRECT_P,
    SEGMENT_WEIGHTS,
    SESSION_EXTRA_MEAN,
    UTM_WEIGHTS,
    WEEKEND_SIGNUPS,
)


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
class Users:
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


def make_users(cfg: GeneratorConfig) -> Users:
    rng = draw_stream(cfg.seed, 0)
    n = cfg.users
    curve = acquisition_curve(cfg.days, cfg.start)
    signup = np.sort(rng.choice(cfg.days, size=n, p=curve / curve.sum()))

    country = pick_weighted(
        rng, np.broadcast_to(cumulative_weights(COUNTRY_WEIGHTS), (n, len(COUNTRIES)))
    )
    platform = pick_weighted(rng, cumulative_weights(np.asarray(PLATFORM_WEIGHTS)[country]))
    # Paid channels weigh from half their base weight on quiet days to 1.5x at the peak.
    utm_w = np.tile(np.asarray(UTM_WEIGHTS), (n, 1))
    utm_w[:, np.asarray(PAID_UTM)] *= (0.5 + curve[signup])[:, None]
    utm = pick_weighted(rng, cumulative_weights(utm_w))
    segment = pick_weighted(rng, cumulative_weights(np.asarray(SEGMENT_WEIGHTS)[utm]))

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
    return Users(
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
        type_cum=cumulative_weights(type_mix),
    )
