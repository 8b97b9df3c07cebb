"""Technical indicators over stored bars, vectorised per code.

Every indicator at day t uses only bars up to t (EMAs and rolling windows look backwards), so a
window that ends at t carries nothing from after t. The definitions follow the usual ones
(MACD 12/26/9, Bollinger 20/2, RSI 14 with 70/30 bands, KDJ 9/3/3), which is what FinSeer's
candidate sequences carry.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# Indicator names as they appear in FinSeer-style candidate dicts (``{name}_list``).
INDICATORS: tuple[str, ...] = (
    "open", "high", "low", "close", "adjusted_close", "volume", "return",
    "macd_histogram", "macd_crossover", "bollinger_upper", "bollinger_lower",
    "overbought_oversold", "kdj_crossover", "vwap",
)


def prepare_bars(bars: pd.DataFrame) -> pd.DataFrame:
    """Normalise a bars table: columns code/date/ohlc/adj_close/volume, sorted by (code, date).

    Missing open/high/low (some sources) fall back to close; missing adj_close to close.
    """
    df = bars.copy()
    if "date" not in df.columns:
        df = df.reset_index()
    df["date"] = pd.to_datetime(df["date"])
    df["code"] = df["code"].astype(str)
    for col in ("open", "high", "low", "close", "adj_close", "volume", "turnover"):
        if col not in df.columns:
            df[col] = np.nan
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df = df.dropna(subset=["close"])
    df = df[df["close"] > 0]
    for col in ("open", "high", "low", "adj_close"):
        df[col] = df[col].fillna(df["close"])
    df = df.sort_values(["code", "date"], kind="mergesort").drop_duplicates(["code", "date"], keep="last")
    return df.reset_index(drop=True)


def _ewm(g: pd.core.groupby.SeriesGroupBy, span: float | None = None, alpha: float | None = None) -> pd.Series:
    return g.transform(lambda s: s.ewm(span=span, alpha=alpha, adjust=False).mean())


def _cross(diff: pd.Series, code: pd.Series) -> pd.Series:
    """+1 where ``diff`` turns positive, -1 where it turns negative, else 0 (per code)."""
    sign = np.sign(diff).fillna(0)
    prev = sign.groupby(code).shift(1)
    first = prev.isna()  # a code's first day has nothing to cross from
    prev = prev.fillna(0)
    out = np.where((sign > 0) & (prev <= 0), 1, np.where((sign < 0) & (prev >= 0), -1, 0))
    return pd.Series(np.where(first, 0, out), index=diff.index)


def add_indicators(bars: pd.DataFrame) -> pd.DataFrame:
    """Return ``prepare_bars(bars)`` plus one column per indicator (and helpers used by vectors)."""
    df = prepare_bars(bars)
    code = df["code"]
    by = df.groupby("code", sort=False)
    adj = df["adj_close"]
    close = df["close"]

    df["adjusted_close"] = adj
    df["return"] = by["adj_close"].pct_change(fill_method=None) * 100.0

    ema12 = _ewm(by["close"], span=12)
    ema26 = _ewm(by["close"], span=26)
    macd = ema12 - ema26
    signal = _ewm(macd.groupby(code), span=9)
    df["macd"], df["macd_signal"] = macd, signal  # DIF and its 9-day EMA (the answer quotes them)
    df["macd_histogram"] = macd - signal
    df["macd_crossover"] = _cross(df["macd_histogram"], code)

    ma20 = by["close"].transform(lambda s: s.rolling(20, min_periods=5).mean())
    sd20 = by["close"].transform(lambda s: s.rolling(20, min_periods=5).std(ddof=0))
    df["bollinger_upper"] = ma20 + 2 * sd20
    df["bollinger_lower"] = ma20 - 2 * sd20
    width = (df["bollinger_upper"] - df["bollinger_lower"]).replace(0, np.nan)
    df["bollinger_pct"] = ((close - df["bollinger_lower"]) / width).fillna(0.5)

    delta = by["close"].diff()
    gain = _ewm(delta.clip(lower=0).groupby(code), alpha=1 / 14)
    loss = _ewm((-delta.clip(upper=0)).groupby(code), alpha=1 / 14)
    rs = gain / loss.replace(0, np.nan)
    # No losses at all is RSI 100 (only gains), not "no information"; no move at all stays 50.
    df["rsi"] = (100 - 100 / (1 + rs)).fillna(pd.Series(np.where(gain > 0, 100.0, 50.0), index=df.index))
    df["overbought_oversold"] = np.where(df["rsi"] > 70, 1, np.where(df["rsi"] < 30, -1, 0))

    low9 = by["low"].transform(lambda s: s.rolling(9, min_periods=1).min())
    high9 = by["high"].transform(lambda s: s.rolling(9, min_periods=1).max())
    rsv = ((close - low9) / (high9 - low9).replace(0, np.nan) * 100).fillna(50.0)
    df["kdj_k"] = _ewm(rsv.groupby(code), alpha=1 / 3)
    df["kdj_d"] = _ewm(df["kdj_k"].groupby(code), alpha=1 / 3)
    df["kdj_crossover"] = _cross(df["kdj_k"] - df["kdj_d"], code)

    typical = (df["high"] + df["low"] + close) / 3
    vwap = df["turnover"] / df["volume"].replace(0, np.nan)
    # turnover/volume is the true daily VWAP where the source has turnover; it must lie in the
    # day's range, else (a unit mismatch, lots vs shares) use the typical price.
    ok = vwap.between(df["low"] * 0.99, df["high"] * 1.01)
    df["vwap"] = vwap.where(ok, typical)

    # Point-in-time scale of daily returns: the code's own past 60-day volatility.
    # (min_periods=2, never back-filled: early rows must not borrow volatility from the future)
    df["vol60"] = by["return"].transform(lambda s: s.rolling(60, min_periods=2).std()).fillna(1.0)
    df["vol60"] = df["vol60"].where(df["vol60"] > 1e-6, 1.0)
    vol_ma20 = by["volume"].transform(lambda s: s.rolling(20, min_periods=1).mean())
    df["volume_ratio"] = np.log((df["volume"] + 1) / (vol_ma20 + 1)).fillna(0.0)
    return df
