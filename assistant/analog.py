"""The analog forecaster: "what happened after the days that looked most like today?".

Pure numpy/pandas, no model, so it runs anywhere (the CPU tier of the forecaster), and it is the
same code for the chat engine, the walk-forward backtest and ``finqa eval forecast``: the number
the backtest reports is the number of the thing that answers.

How it works
------------
* Every (code, day t) becomes a *window*: a feature vector built only from bars up to and
  including t (returns over the last ``lookback`` sessions scaled by the stock's own trailing
  volatility, the market's returns over the same days, volume and trend state), plus the
  forward cumulative log returns for 1..H sessions after t and the date each becomes known.
* A query is the window ending at the last bar the forecast may see. Its neighbours are the
  ``k`` nearest windows (weighted Euclidean distance) whose forward path of ``horizon`` sessions
  was *already known* on the query's last bar: ``known_date[h] <= query end date``. That single
  comparison is the no-lookahead rule; a planted future window cannot be a neighbour.
* The forecast: per horizon day the (similarity-weighted) median of the neighbours' cumulative
  returns applied to the last close, a 10-90% band from their quantiles, and P(rise) = smoothed
  weighted share of neighbours whose final return is positive.

Features are scale-free by construction (returns divided by trailing volatility, log ratios),
so there is no global standardisation fitted on the whole sample: nothing about the future leaks
in through feature scaling either.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

_DAY = np.timedelta64(1, "D")
_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class AnalogConfig:
    """Knobs of the analog forecaster.

    The defaults were chosen on the ACL18 *validation* period only -- queries 2014-01-02 ..
    2015-05-29, each seeing candidates strictly before its date -- never on the 2015-06-03 ..
    2015-12-31 test period (``finetune.eval_forecast.tune_acl18`` reruns such a grid). About 30
    configurations were scored by validation MCC (n = 11,516 queries, so one standard error is
    about 0.01): 5 days of own returns alone ≈ 0.00 MCC whatever k; the 1-day reversal features
    (the market's last return, the stock's own, where it closed in the day's range, its gap to
    MA20) with a Gaussian-weighted vote of ~2,000 neighbours and the volatility regime reached
    0.067-0.070 (accuracy 0.534-0.535); adding lagged days (lookback 2+) fell back to ≈ 0.00.
    Weights are per feature group (0 drops the group).
    """

    lookback: int = 1  # sessions of returns in the vector
    vol_window: int = 20  # trailing sessions for the volatility that scales returns
    k: int = 2000  # neighbours (at most)
    k_frac: float = 0.1  # ... and at most this share of the eligible pool (small stores, early dates)
    k_min: int = 10  # ... but at least this many when the pool has them
    w_ret: float = 0.5  # the stock's own scaled returns
    w_mkt: float = 1.5  # the cross-sectional mean scaled return on the same days
    w_rel: float = 0.0  # own minus market
    w_volume: float = 0.0  # log volume / trailing mean volume (last day)
    w_trend: float = 0.5  # log close / MA20 scaled by volatility
    w_range: float = 0.5  # where the close sits in the day's high-low range
    w_vol: float = 0.5  # log trailing vol / longer vol (volatility regime)
    lag_decay: float = 1.0  # weight of lag i in the lagged groups is multiplied by lag_decay**i
    weighting: str = "gaussian"  # "uniform" | "gaussian" (exp(-d^2 / 2 median d^2)) | "inverse"
    prior: float = 1.0  # Laplace smoothing of P(rise): (w_up + prior) / (w + 2 prior)
    center: bool = True  # compare P(rise) with the eligible pool's base rate when classifying
    # Multiply the median path returns, pulling the point forecast toward the random walk: on the
    # ACL18 walk-forward validation (h=5, forecasts 2013-06..2015-05) MAPE / random-walk MAPE was
    # 1.007 at 1.0, 1.002 at 0.75, 0.999 at 0.5, 0.998 at 0.25 (chosen) and 1.000 at 0.
    shrink: float = 0.25
    same_code_only: bool = False  # neighbours from the query's own code only
    max_age_days: int | None = None  # only windows whose future became known within this many days

    def weights(self) -> dict[str, float]:
        return {
            "ret": self.w_ret, "mkt": self.w_mkt, "rel": self.w_rel, "volume": self.w_volume,
            "trend": self.w_trend, "range": self.w_range, "vol": self.w_vol,
        }


DEFAULT_CONFIG = AnalogConfig()


def normalise_bars(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars from the store, a Yahoo CSV or ``Store.bars`` → columns code,date,open,high,low,close,adj_close,volume.

    ``adj_close`` falls back to ``close`` where a source has none (TWSE has none). Rows without a
    usable close are dropped; the result is sorted by (code, date) with one row per pair.
    """
    df = bars.copy()
    if "date" not in df.columns:
        df = df.reset_index()
        if "date" not in df.columns:
            df = df.rename(columns={df.columns[0]: "date"})
    if "code" not in df.columns:
        raise ValueError("bars need a 'code' column (or pass a single code's bars through with_code)")
    df["date"] = pd.to_datetime(df["date"]).dt.normalize()
    for col in ("open", "high", "low", "close", "adj_close", "volume"):
        if col not in df.columns:
            df[col] = np.nan
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df["adj_close"] = df["adj_close"].where(df["adj_close"].notna() & (df["adj_close"] > 0), df["close"])
    df = df[df["close"].notna() & (df["close"] > 0)]
    df["code"] = df["code"].astype(str)
    df = df.drop_duplicates(["code", "date"], keep="last").sort_values(["code", "date"], kind="stable")
    return df[["code", "date", "open", "high", "low", "close", "adj_close", "volume"]].reset_index(drop=True)


def with_code(bars: pd.DataFrame, code: str) -> pd.DataFrame:
    """``Store.bars(code)`` (indexed by date, no code column) → the long format above."""
    df = bars.reset_index()
    if "date" not in df.columns:
        df = df.rename(columns={df.columns[0]: "date"})
    df["code"] = code
    return df


@dataclass
class WindowBank:
    """Every window of a set of bars, flattened across codes (row = one code's day).

    ``fwd[i, h-1]`` is the cumulative log return from the close of ``end_date[i]`` to ``h``
    sessions later and ``known[i, h-1]`` the date that close happens (NaT when not yet known).
    ``valid[i]`` is False where the features need more history than the code had.
    """

    config: AnalogConfig
    max_horizon: int
    codes: np.ndarray  # (n,) str
    end_date: np.ndarray  # (n,) datetime64[D]
    X: np.ndarray  # (n, d) float32, already multiplied by the group weights
    fwd: np.ndarray  # (n, H) float64
    known: np.ndarray  # (n, H) datetime64[D]
    valid: np.ndarray  # (n,) bool
    close: np.ndarray  # (n,) raw close of the end day (what paths are applied to)
    adj: np.ndarray  # (n,) adjusted close (FinSeer's adjusted_close_list)
    feature_names: list[str] = field(default_factory=list)
    _sorted: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def rows_for(self, code: str) -> np.ndarray:
        return np.flatnonzero(self.codes == code)

    def row_at(self, code: str, last_day: date | np.datetime64 | None = None) -> int | None:
        """The row of ``code`` whose end date is the last one on or before ``last_day``."""
        rows = self.rows_for(code)
        if last_day is not None:
            rows = rows[self.end_date[rows] <= np.datetime64(pd.Timestamp(last_day).date(), "D")]
        return int(rows[-1]) if len(rows) else None

    def sorted_by_known(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Candidate rows (valid, forward path of ``horizon`` known) sorted by known date.

        The eligible set for a query ending on day t is then a prefix: ``known <= t``.
        """
        if horizon not in self._sorted:
            kn = self.known[:, horizon - 1]
            rows = np.flatnonzero(self.valid & ~np.isnat(kn))
            order = np.argsort(kn[rows], kind="stable")
            rows = rows[order]
            self._sorted[horizon] = (rows, kn[rows])
        return self._sorted[horizon]


def _rolling_std(x: np.ndarray, window: int) -> np.ndarray:
    s = pd.Series(x)
    return s.rolling(window, min_periods=max(3, window // 2)).std().to_numpy()


def _shift(x: np.ndarray, lag: int) -> np.ndarray:
    out = np.full_like(x, np.nan)
    if lag < len(x):
        out[lag:] = x[: len(x) - lag]
    return out


def build_bank(bars: pd.DataFrame, *, config: AnalogConfig = DEFAULT_CONFIG, max_horizon: int = 5) -> WindowBank:
    """Build the window bank of all codes in ``bars`` (long format, see ``normalise_bars``).

    Vectorised per code (a handful of numpy passes over each series; the number of codes is
    small next to the number of days). The cross-sectional market return of a date uses only
    that date's returns of the codes present, so it is known at that date's close.
    """
    df = normalise_bars(bars)
    if df.empty:
        raise ValueError("no bars")
    L, H = config.lookback, max_horizon
    codes = df["code"].to_numpy()
    dates = df["date"].to_numpy().astype("datetime64[D]")
    adj = df["adj_close"].to_numpy()
    close = df["close"].to_numpy()
    high, low, vol = df["high"].to_numpy(), df["low"].to_numpy(), df["volume"].to_numpy()
    n = len(df)
    # Boundaries of each code's block (df is sorted by code, date).
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], n]

    logret = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    sigma_long = np.full(n, np.nan)
    volume_z = np.full(n, np.nan)
    trend = np.full(n, np.nan)
    fwd = np.full((n, H), np.nan)
    known = np.full((n, H), _NAT)
    for s, e in zip(starts, ends):
        a = np.log(adj[s:e])
        r = np.r_[np.nan, np.diff(a)] * 100.0
        logret[s:e] = r
        sd = _rolling_std(r, config.vol_window)
        sigma[s:e] = sd
        sigma_long[s:e] = _rolling_std(r, config.vol_window * 6)
        v = vol[s:e]
        with np.errstate(divide="ignore", invalid="ignore"):
            mv = pd.Series(v).rolling(20, min_periods=5).mean().to_numpy()
            volume_z[s:e] = np.log((v + 1.0) / (mv + 1.0))
            ma = pd.Series(adj[s:e]).rolling(20, min_periods=10).mean().to_numpy()
            trend[s:e] = np.log(adj[s:e] / ma) * 100.0 / (sd * np.sqrt(20.0))
        m = e - s
        for h in range(1, H + 1):
            if h < m:
                fwd[s : e - h, h - 1] = (a[h:] - a[:-h]) * 100.0
                known[s : e - h, h - 1] = dates[s + h : e]
    sig = np.where(sigma > 1e-6, sigma, np.nan)
    z = logret / sig  # today's return in units of the stock's trailing volatility

    # Cross-sectional market: mean scaled return per date over the codes trading that day.
    zs = pd.Series(np.clip(z, -6, 6))
    mkt_by_date = zs.groupby(dates).mean()
    mkt = mkt_by_date.reindex(dates).to_numpy()

    groups: list[tuple[str, np.ndarray, float]] = []
    weights = config.weights()
    block_id = np.repeat(np.arange(len(starts)), ends - starts)
    pos = np.arange(n) - starts[block_id]

    def lagged(x: np.ndarray, lag: int) -> np.ndarray:
        out = _shift(x, lag)
        out[pos < lag] = np.nan  # never reach into the previous code's block
        return out

    for lag in range(L):
        decay = config.lag_decay**lag
        groups.append((f"ret_{lag}", np.clip(lagged(z, lag), -6, 6), weights["ret"] * decay))
        groups.append((f"mkt_{lag}", lagged(mkt, lag), weights["mkt"] * decay))
        groups.append((f"rel_{lag}", np.clip(lagged(z, lag), -6, 6) - lagged(mkt, lag), weights["rel"] * decay))
    groups.append(("volume", np.clip(volume_z, -4, 4), weights["volume"]))
    groups.append(("trend", np.clip(trend, -6, 6), weights["trend"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        rng = np.where(high > low, (close - low) / (high - low) * 2.0 - 1.0, 0.0)
        volreg = np.log(sigma / sigma_long)
    groups.append(("range", np.where(np.isfinite(rng), rng, 0.0), weights["range"]))
    groups.append(("vol", np.clip(volreg, -3, 3), weights["vol"]))
    used = [(name, col * w) for name, col, w in groups if w != 0]
    if not used:
        raise ValueError("every feature group has weight 0")
    X = np.column_stack([c for _, c in used])
    valid = np.isfinite(X).all(axis=1)
    # float32: distances need no more, and it halves the memory traffic of the neighbour search.
    X = np.where(valid[:, None], X, 0.0).astype(np.float32)
    return WindowBank(
        config=config, max_horizon=H, codes=codes, end_date=dates, X=X, fwd=fwd, known=known,
        valid=valid, close=close, adj=adj, feature_names=[nm for nm, _ in used],
    )


@dataclass
class Neighbours:
    """The neighbours of one query: bank rows, distances, weights (sum 1)."""

    rows: np.ndarray
    dist: np.ndarray
    weights: np.ndarray


def _weights(dist: np.ndarray, how: str, finite: np.ndarray) -> np.ndarray:
    """Similarity weights per row of a (q, k) distance matrix (unnormalised)."""
    if how == "uniform":
        w = np.ones_like(dist)
    elif how == "gaussian":
        d2 = dist**2
        scale = np.nanmedian(np.where(finite, d2, np.nan), axis=1, keepdims=True)
        scale = np.where(np.isfinite(scale), scale, 1.0)
        w = np.exp(-d2 / (2.0 * np.where(scale > 0, scale, 1.0)))
    elif how == "inverse":
        w = 1.0 / (dist + 1e-3)
    else:
        raise ValueError(f"unknown weighting {how!r}")
    return w


def knn_groups(
    bank: WindowBank,
    query_rows: np.ndarray,
    horizon: int,
    *,
    k: int | None = None,
) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(idx, rows, dist, weights)`` per query end date, each ``(q, k)``, nearest first.

    ``idx`` indexes ``query_rows``. Queries are grouped by end date; for each group the eligible
    candidates are the prefix of the windows sorted by known date with ``known[h] <= end date``
    (point in time), so one matrix product per date handles every stock of that date. Missing
    neighbours (fewer than k eligible, or other codes with ``same_code_only``) have row -1 and
    weight 0.
    """
    if not 1 <= horizon <= bank.max_horizon:
        raise ValueError(f"horizon {horizon} outside 1..{bank.max_horizon} of this bank")
    k = k or bank.config.k
    cand_rows, cand_known = bank.sorted_by_known(horizon)
    Xc = bank.X[cand_rows]
    norms = np.einsum("ij,ij->i", Xc, Xc)
    query_rows = np.asarray(query_rows, dtype=np.int64)
    qdates = bank.end_date[query_rows]
    order = np.argsort(qdates, kind="stable")
    uniq, first = np.unique(qdates[order], return_index=True)
    bounds = np.r_[first, len(order)]
    prefix_ends = np.searchsorted(cand_known, uniq, side="right")
    max_age = bank.config.max_age_days
    starts = (np.searchsorted(cand_known, uniq - np.timedelta64(max_age, "D"), side="right")
              if max_age else np.zeros(len(uniq), dtype=np.int64))
    same_code = bank.config.same_code_only
    for g, (lo, p) in enumerate(zip(starts, prefix_ends)):
        idx = order[bounds[g] : bounds[g + 1]]
        rows = query_rows[idx]
        m = int(p - lo)
        kk = min(k, m, max(bank.config.k_min, int(bank.config.k_frac * m)))
        if kk == 0:
            e = np.empty((len(idx), 0))
            yield idx, e.astype(np.int64), e, e
            continue
        Q = bank.X[rows]
        d2 = norms[None, lo:p] - 2.0 * (Q @ Xc[lo:p].T) + np.einsum("ij,ij->i", Q, Q)[:, None]
        if same_code:
            d2 = np.where(bank.codes[cand_rows[lo:p]][None, :] == bank.codes[rows][:, None], d2, np.inf)
        part = np.argpartition(d2, kk - 1, axis=1)[:, :kk] if kk < m else np.tile(np.arange(m), (len(rows), 1))
        pd2 = np.take_along_axis(d2, part, axis=1)
        srt = np.argsort(pd2, axis=1, kind="stable")
        part = np.take_along_axis(part, srt, axis=1)
        pd2 = np.take_along_axis(pd2, srt, axis=1)
        finite = np.isfinite(pd2)
        dist = np.sqrt(np.maximum(np.where(finite, pd2, 0.0), 0.0))
        w = np.where(finite, _weights(dist, bank.config.weighting, finite), 0.0)
        s = w.sum(axis=1, keepdims=True)
        w = np.divide(w, s, out=np.zeros_like(w), where=s > 0)
        nb_rows = np.where(finite, cand_rows[lo + part], -1)
        yield idx, nb_rows, dist, w


def find_neighbours(bank: WindowBank, query_rows: np.ndarray, horizon: int, *, k: int | None = None) -> list[Neighbours]:
    """The k nearest eligible windows of each query row, point in time (see ``knn_groups``)."""
    query_rows = np.asarray(query_rows, dtype=np.int64)
    out: list[Neighbours | None] = [None] * len(query_rows)
    for idx, rows, dist, w in knn_groups(bank, query_rows, horizon, k=k):
        for j, i in enumerate(idx):
            keep = rows[j] >= 0
            out[i] = Neighbours(rows[j][keep], dist[j][keep], w[j][keep])
    return out  # type: ignore[return-value]


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of each column of ``values`` (k, H) under row weights (k,)."""
    order = np.argsort(values, axis=0, kind="stable")
    v = np.take_along_axis(values, order, axis=0)
    w = weights[order]
    cw = np.cumsum(w, axis=0) - 0.5 * w
    cw /= np.where(cw[-1:] > 0, w.sum(axis=0, keepdims=True), 1.0)
    return np.stack([[np.interp(qq, cw[:, j], v[:, j]) for j in range(v.shape[1])] for qq in q])


@dataclass
class AnalogForecast:
    """One analog forecast: cumulative log-return quantiles (in %) per horizon day and P(rise)."""

    code: str
    as_of: date  # the last bar the forecast saw
    last_close: float
    horizon: int
    median: np.ndarray  # (H,) % log return, after shrink
    low: np.ndarray  # (H,) 10% quantile
    high: np.ndarray  # (H,) 90% quantile
    p_rise: float
    base_rate: float  # the eligible pool's share of rises (what "no information" looks like)
    n_neighbours: int
    neighbours: list[dict[str, Any]] = field(default_factory=list)

    def path_prices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(close, low, high) price paths."""
        f = lambda r: self.last_close * np.exp(r / 100.0)  # noqa: E731
        return f(self.median), f(self.low), f(self.high)


def summarise(bank: WindowBank, row: int, nb: Neighbours, horizon: int) -> AnalogForecast:
    """Turn one query's neighbours into a path, a band and P(rise)."""
    cfg = bank.config
    end = bank.end_date[row]
    if len(nb.rows) == 0:
        zeros = np.zeros(horizon)
        return AnalogForecast(str(bank.codes[row]), pd.Timestamp(end).date(), float(bank.close[row]), horizon,
                              zeros, zeros, zeros, 0.5, 0.5, 0)
    paths = bank.fwd[nb.rows, :horizon]
    q = _weighted_quantile(paths, nb.weights, (0.1, 0.5, 0.9))
    up = float(nb.weights @ (paths[:, -1] > 0))
    p_rise = (up * len(nb.rows) + cfg.prior) / (len(nb.rows) + 2 * cfg.prior)
    base = float(pool_base_rate(bank, horizon, end))
    nbs = [
        {"code": str(bank.codes[r]), "end_date": str(bank.end_date[r]), "distance": float(d),
         "final_return_pct": float(bank.fwd[r, horizon - 1])}
        for r, d in zip(nb.rows[:10], nb.dist[:10])
    ]
    return AnalogForecast(
        code=str(bank.codes[row]), as_of=pd.Timestamp(end).date(), last_close=float(bank.close[row]),
        # The median is the same weighted median the batch path (evaluations, backtest) uses.
        horizon=horizon, median=_weighted_median_rows(paths.T, np.tile(nb.weights, (horizon, 1))) * cfg.shrink,
        low=q[0], high=q[2], p_rise=float(p_rise),
        base_rate=base, n_neighbours=len(nb.rows), neighbours=nbs,
    )


def target_odds(bank: WindowBank, nb: Neighbours, horizon: int, target_return_pct: float) -> tuple[float, float]:
    """For "will 2330 reach 1,000?": the weighted share of the neighbours whose future went as
    far as ``target_return_pct`` (a % log return; below zero, as low), as (on the last day's
    close, on any close within the horizon). The neighbours' raw paths, without the median's
    shrink, so that the odds match the band the answer shows."""
    if len(nb.rows) == 0:
        return float("nan"), float("nan")
    paths = bank.fwd[nb.rows, :horizon]
    beyond = paths >= target_return_pct if target_return_pct >= 0 else paths <= target_return_pct
    w = nb.weights / nb.weights.sum()
    return float(w @ beyond[:, -1]), float(w @ beyond.any(axis=1))


def pool_base_rate(bank: WindowBank, horizon: int, end: Any) -> Any:
    """Share of positive final returns among all windows known by ``end`` (Laplace-smoothed).

    ``end`` may be one date or an array of dates (vectorised through a cumulative count).
    """
    rows, kn = bank.sorted_by_known(horizon)
    cum = np.r_[0, np.cumsum(bank.fwd[rows, horizon - 1] > 0)]
    end = np.asarray(end, dtype="datetime64[D]")
    p = np.searchsorted(kn, end, side="right")
    age = bank.config.max_age_days
    lo = np.searchsorted(kn, end - np.timedelta64(age, "D"), side="right") if age else np.zeros_like(p)
    return (cum[p] - cum[lo] + 1.0) / (p - lo + 2.0)


def forecast(bank: WindowBank, code: str, horizon: int, *, last_day: date | None = None) -> AnalogForecast:
    """The analog forecast for ``code`` from its last bar on or before ``last_day``."""
    row = bank.row_at(code, last_day)
    if row is None:
        raise ValueError(f"no bars of {code} on or before {last_day}")
    if not bank.valid[row]:
        raise ValueError(f"{code} has too little history before {bank.end_date[row]} for the analog features")
    nb = find_neighbours(bank, np.array([row]), horizon)[0]
    return summarise(bank, row, nb, horizon)


@dataclass
class BatchPrediction:
    """Vectorised predictions for many query rows (what the evaluations and backtest need)."""

    rows: np.ndarray
    p_rise: np.ndarray  # smoothed weighted share of neighbours with a positive final return
    base_rate: np.ndarray  # the eligible pool's share at each query
    median_final: np.ndarray  # % log return at the horizon (after shrink)
    n_neighbours: np.ndarray
    center: bool = False

    def direction(self) -> np.ndarray:
        """+1 rise / -1 fall: P(rise) against 0.5, or against the pool's base rate when centred.

        Centring matters for MCC: with an upward drift most neighbour sets are more than half
        rises, and an uncentred classifier collapses into "always rise".
        """
        thr = self.base_rate if self.center else 0.5
        return np.where(self.p_rise > thr, 1, -1)


def predict_rows(bank: WindowBank, rows: Iterable[int], horizon: int, *, progress: bool = False) -> BatchPrediction:
    """P(rise) and the median final return for many query rows at once (point in time)."""
    rows = np.asarray(list(rows), dtype=np.int64)
    cfg = bank.config
    p = np.full(len(rows), 0.5)
    med = np.zeros(len(rows))
    cnt = np.zeros(len(rows), dtype=np.int64)
    groups = knn_groups(bank, rows, horizon)
    if progress:
        from tqdm.auto import tqdm

        groups = tqdm(groups, total=len(np.unique(bank.end_date[rows])), desc=f"analog h={horizon}", unit="day")
    for idx, nb_rows, dist, w in groups:
        if nb_rows.shape[1] == 0:
            continue
        have = nb_rows >= 0
        final = np.where(have, bank.fwd[np.where(have, nb_rows, 0), horizon - 1], np.nan)
        n = have.sum(axis=1)
        up = (w * (final > 0)).sum(axis=1)
        p[idx] = (up * n + cfg.prior) / (n + 2 * cfg.prior)
        med[idx] = _weighted_median_rows(np.where(have, final, np.inf), w) * cfg.shrink
        cnt[idx] = n
    base = pool_base_rate(bank, horizon, bank.end_date[rows]) if len(rows) else np.empty(0)
    return BatchPrediction(rows=rows, p_rise=p, base_rate=np.asarray(base, dtype=float), median_final=med,
                           n_neighbours=cnt, center=cfg.center)


def _weighted_median_rows(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted median of each row of ``v`` (q, k); ``inf`` entries carry weight 0."""
    o = np.argsort(v, axis=1, kind="stable")
    vs = np.take_along_axis(v, o, axis=1)
    cw = np.cumsum(np.take_along_axis(w, o, axis=1), axis=1)
    j = (cw < 0.5 * cw[:, -1:]).sum(axis=1)
    j = np.minimum(j, v.shape[1] - 1)
    out = vs[np.arange(len(v)), j]
    return np.where(np.isfinite(out), out, 0.0)
