"""Trivial baselines and the metrics every forecast evaluation reports beside its engine.

Why they exist: next-day direction is close to a coin flip, and a model that "beats 50%" can do
so just by always saying *rise* in a rising market. An engine only earns its keep if it beats
these on the same queries: always-rise, 1-day and 5-day momentum and reversal, and the random
walk (the last close repeated; its direction is a seeded coin because a random walk has none).

Conventions: directions are +1 (rise) / -1 (fall); a zero trailing return counts as +1 so that
momentum and reversal always say something. Returns are simple returns in percent.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

BASELINES = ("always_rise", "momentum_1d", "reversal_1d", "momentum_5d", "reversal_5d")


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of equal labels; NaN for an empty set (no query to score)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) == 0:
        return float("nan")
    return float((y_true == y_pred).mean())


def mcc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Matthews correlation of two ±1 label arrays (rise = positive class).

    Degenerate cases (a predictor or a truth that holds one class only) have a zero denominator;
    the convention (scikit-learn's too) is 0: such a predictor carries no information.
    """
    t = np.asarray(y_true) > 0
    p = np.asarray(y_pred) > 0
    tp = float(np.sum(t & p))
    tn = float(np.sum(~t & ~p))
    fp = float(np.sum(~t & p))
    fn = float(np.sum(t & ~p))
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return 0.0 if den == 0 else (tp * tn - fp * fn) / den


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error in percent: mean(|pred - actual| / |actual|) * 100."""
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    ok = np.isfinite(a) & np.isfinite(p) & (a != 0)
    if not ok.any():
        return float("nan")
    return float(np.mean(np.abs(p[ok] - a[ok]) / np.abs(a[ok])) * 100.0)


def direction_accuracy(actual_change: np.ndarray, predicted_change: np.ndarray) -> float:
    """Share of forecasts whose sign of change (up / down / flat) matches the actual one."""
    return accuracy(np.sign(np.asarray(actual_change, float)), np.sign(np.asarray(predicted_change, float)))


def sign_dir(x: np.ndarray) -> np.ndarray:
    """+1 for >= 0, -1 for < 0 (ties go to rise)."""
    return np.where(np.asarray(x, dtype=float) >= 0, 1, -1)


def baseline_directions(ret_1d: np.ndarray, ret_5d: np.ndarray) -> dict[str, np.ndarray]:
    """Each baseline's ±1 prediction from the trailing 1-day and 5-day returns of the query."""
    ret_1d = np.asarray(ret_1d, float)
    ret_5d = np.asarray(ret_5d, float)
    return {
        "always_rise": np.ones(len(ret_1d), dtype=int),
        "momentum_1d": sign_dir(ret_1d),
        "reversal_1d": -sign_dir(ret_1d),
        "momentum_5d": sign_dir(ret_5d),
        "reversal_5d": -sign_dir(ret_5d),
    }


def random_walk_directions(n: int, seed: int = 0) -> np.ndarray:
    """A random walk repeats the last close and has no direction: a seeded fair coin."""
    return np.where(np.random.default_rng(seed).random(n) < 0.5, 1, -1)


def score_directions(y_true: np.ndarray, preds: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """``{"name": {"accuracy", "mcc"}}`` for each prediction array against the same truth."""
    return {name: {"accuracy": accuracy(y_true, p), "mcc": mcc(y_true, p)} for name, p in preds.items()}
