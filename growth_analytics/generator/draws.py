"""Seeded random draws: one PCG64 stream per (seed, purpose, day), and weighted picks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def draw_stream(seed: int, purpose: int, day: int = 0) -> np.random.Generator:
    # One independent stream per (purpose, day): a day's draws never depend on other days'.
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, day]))


def pick_weighted(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Categorical draw per row: `cumulative` is (rows, k) cumulative probabilities."""
    u = rng.random(cumulative.shape[0])
    return (u[:, None] > cumulative[:, :-1]).sum(axis=1)


def cumulative_weights(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    c = np.cumsum(w / w.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c
