"""Walk-forward backtest of a forecaster on one code's own history, beside trivial baselines.

Why: a forecast without a track record invites over-trust. Every answer shows how often the
engine that answered got the direction of the ``horizon``-day move right on this very stock,
each step point in time (a step ending on day t sees only windows whose future was known by t),
next to what always-rise, momentum, reversal and a random walk scored on the same steps. Next-day
direction is hard; the baselines make that visible.

Vectorised: all steps of the analog go through one neighbour search grouped by date, so a year of
bars runs in well under a second. Results are cached per (code, last date, horizon, engine) since
the UI asks again on every redraw.
"""
from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from finetune import baselines

from . import analog

log = logging.getLogger(__name__)

Predictor = Callable[[analog.WindowBank, np.ndarray, int], np.ndarray]  # rows → P(rise)


@dataclass
class BacktestResult:
    """Hit rates of one engine and the baselines on the same walk-forward steps."""

    code: str
    engine: str
    horizon: int
    n: int
    start: str | None
    end: str | None
    hit_rate: float
    mcc: float
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    # Per step (for tests and the curious): end date, P(rise), predicted and actual direction.
    steps: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("steps")
        return d


_CACHE: dict[tuple, BacktestResult] = {}
_LOCK = threading.Lock()


# The backtest's engine and baseline names as answers write them (forecast, overview).
NAMES_ZH = {"analog": "類比法", "stockllm": "StockLLM", "adapter": "路徑模型", "always_rise": "永遠看漲",
            "momentum_1d": "1 日動能", "reversal_1d": "1 日反轉", "momentum_5d": "5 日動能",
            "reversal_5d": "5 日反轉", "random_walk": "隨機漫步"}
NAMES_EN = {"always_rise": "always rise", "momentum_1d": "1-day momentum", "reversal_1d": "1-day reversal",
            "momentum_5d": "5-day momentum", "reversal_5d": "5-day reversal", "random_walk": "random walk"}


def pct_text(x: float | None) -> str:
    """A hit rate or a probability as the answers write it ("53.3%"), "n/a" when there is none."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def analog_predictor(bank: analog.WindowBank, rows: np.ndarray, horizon: int) -> np.ndarray:
    """P(rise) of the analog forecaster, centred on the pool base rate when the config says so."""
    pred = analog.predict_rows(bank, rows, horizon)
    p = pred.p_rise
    if pred.center:  # shift so that 0.5 means "as likely as any window": the direction call
        p = np.clip(0.5 + (p - pred.base_rate), 0.0, 1.0)
    return p


def walk_forward(
    bank: analog.WindowBank,
    code: str,
    horizon: int,
    *,
    engine: str = "analog",
    predictor: Predictor | None = None,
    max_steps: int | None = None,
    min_neighbours: int = 10,
    use_cache: bool = True,
) -> BacktestResult:
    """Backtest ``engine`` on ``code``: every day whose ``horizon``-day outcome is known.

    ``predictor`` maps bank rows to P(rise); the analog's by default. Model tiers pass their
    own (with ``max_steps`` to bound the cost of a language model per step). Steps need valid
    features and at least ``min_neighbours`` eligible windows, the same filter for every method.
    """
    rows_all = bank.rows_for(code)
    if len(rows_all) == 0:
        raise ValueError(f"no bars of {code} in the bank")
    key = (code, str(bank.end_date[rows_all[-1]]), horizon, engine, bank.config, len(bank), max_steps)
    if use_cache:
        with _LOCK:
            hit = _CACHE.get(key)
        if hit is not None:
            return hit
    h = horizon
    known = bank.known[rows_all, h - 1]
    rows = rows_all[bank.valid[rows_all] & ~np.isnat(known)]
    if len(rows):
        # Enough eligible neighbours at each step (the pool grows over time).
        cand, cand_known = bank.sorted_by_known(h)
        pool = np.searchsorted(cand_known, bank.end_date[rows], side="right")
        rows = rows[pool >= min_neighbours]
    if max_steps is not None and len(rows) > max_steps:
        rows = rows[-max_steps:]
    actual = np.where(bank.fwd[rows, h - 1] > 0, 1, -1)
    if len(rows) == 0:
        res = BacktestResult(code, engine, h, 0, None, None, float("nan"), float("nan"), {})
    else:
        p = (predictor or analog_predictor)(bank, rows, h)
        pred = np.where(p > 0.5, 1, -1)
        trailing_1, trailing_5 = _trailing_returns(bank, rows)
        base = baselines.baseline_directions(trailing_1, trailing_5)
        # A coin per code (seeded by the code): reproducible, and not the same flips for every stock.
        base["random_walk"] = baselines.random_walk_directions(len(rows), seed=zlib.crc32(code.encode()))
        scores = baselines.score_directions(actual, base)
        res = BacktestResult(
            code=code, engine=engine, horizon=h, n=int(len(rows)),
            start=str(bank.end_date[rows[0]]), end=str(bank.end_date[rows[-1]]),
            hit_rate=baselines.accuracy(actual, pred), mcc=baselines.mcc(actual, pred),
            baselines={k: {"hit_rate": v["accuracy"], "mcc": v["mcc"]} for k, v in scores.items()},
            steps=[
                {"end_date": str(d), "p_rise": float(pp), "pred": int(a), "actual": int(b)}
                for d, pp, a, b in zip(bank.end_date[rows], p, pred, actual)
            ],
        )
    if use_cache:
        with _LOCK:
            _CACHE[key] = res
    return res


def _trailing_returns(bank: analog.WindowBank, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1-day and 5-day trailing % returns at each row, from the bank's own forward returns.

    Row i-1's 1-day forward return is row i's trailing 1-day return when both are the same code.
    """
    f1 = bank.fwd[:, 0]
    same_prev = np.r_[False, bank.codes[1:] == bank.codes[:-1]]
    r1_all = np.where(same_prev, np.r_[np.nan, f1[:-1]], np.nan)  # log %, row i's own return
    r1 = r1_all[rows]
    r5 = np.zeros(len(rows))
    for lag in range(5):
        src = rows - lag
        ok = (src >= 0) & (bank.codes[np.maximum(src, 0)] == bank.codes[rows])
        r5 += np.where(ok, np.nan_to_num(r1_all[np.maximum(src, 0)]), 0.0)
    return np.nan_to_num(r1), r5


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
