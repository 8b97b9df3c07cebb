"""Price windows, built point-in-time from stored bars.

Two kinds, both vectorised with numpy stride tricks over the whole (code, date)-sorted table
rather than a Python loop per window:

* multi-day windows ``(history, horizon)`` in ``WINDOW_SPECS`` with their future bars as targets
  (the path forecaster's training examples), each knowing its ``as_of`` (last history day);
* FinSeer-style 5-day candidate sequences, one per indicator, labelled with the next day's
  movement (rise if the next close-to-close return, adjusted close where the source has one,
  is > 0.55%, fall if < -0.5%, else freeze). A candidate's ``as_of`` is its label day.

Numeric retrieval compares window *fingerprints*: returns scaled by the code's own past
volatility, the z-normalised price and volume shape, and the last day's indicator state, plus
the z-normalised shape of the candidate's own indicator. Every term uses data up to the
window's last day only.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .errors import FinqaError
from .indicators import INDICATORS, add_indicators, prepare_bars
from .types import Candidate, Window

SEQ_LEN = 5
RISE_THRESHOLD = 0.55  # percent
FALL_THRESHOLD = -0.5  # percent
WINDOW_SPECS: tuple[tuple[int, int], ...] = ((1, 1), (5, 5), (30, 5), (90, 30))
BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")

# Relative weights of the fingerprint's parts (returns, price shape, volume shape, state, own
# indicator shape). Returns dominate: they are what the movement label is made of.
_W_RETURNS, _W_PRICE, _W_VOLUME, _W_STATE, _W_SHAPE = 1.0, 0.5, 0.3, 0.5, 0.5
FINGERPRINT_DIM = 3 * SEQ_LEN + 6
VECTOR_DIM = FINGERPRINT_DIM + SEQ_LEN


def movement_label(return_pct: Any) -> Any:
    """rise / fall / freeze for a return in percent; vectorised over arrays (NaN → None)."""
    arr = np.asarray(return_pct, dtype="float64")
    out = np.where(arr > RISE_THRESHOLD, "rise", np.where(arr < FALL_THRESHOLD, "fall", "freeze")).astype(object)
    out[np.isnan(arr)] = None
    return out.item() if out.ndim == 0 else out


def _trailing(values: np.ndarray, n: int) -> np.ndarray:
    """(rows, n) matrix whose row i holds values[i-n+1 .. i] (zero-padded at the start)."""
    pad = np.zeros((n - 1,) + values.shape[1:], dtype=values.dtype)
    return sliding_window_view(np.concatenate([pad, values]), n, axis=0)


def _znorm_rows(m: np.ndarray) -> np.ndarray:
    mu = m.mean(axis=1, keepdims=True)
    sd = m.std(axis=1, keepdims=True)
    return np.where(sd > 1e-12, (m - mu) / np.where(sd > 1e-12, sd, 1.0), 0.0)


class _Prepared:
    """Indicators plus per-row window bookkeeping for one bars table (computed once)."""

    def __init__(self, bars: pd.DataFrame) -> None:
        df = bars if "macd_histogram" in bars.columns else add_indicators(bars)
        self.df = df
        codes = df["code"].to_numpy()
        self.codes = codes
        self.dates = df["date"].to_numpy()
        pos = df.groupby("code", sort=False).cumcount().to_numpy()
        self.valid_end = pos >= SEQ_LEN - 1
        same_next = np.zeros(len(df), dtype=bool)
        same_next[:-1] = codes[1:] == codes[:-1]
        self.has_next = same_next
        nxt = np.full(len(df), np.nan)
        ret = df["return"].to_numpy(dtype="float64")
        nxt[:-1] = ret[1:]
        self.next_return = np.where(same_next, nxt, np.nan)
        label_date = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[ns]")
        label_date[:-1] = self.dates[1:]
        self.label_date = np.where(same_next, label_date, np.datetime64("NaT"))
        self.fingerprint = self._fingerprint()

    def _fingerprint(self) -> np.ndarray:
        df = self.df
        r = np.clip((df["return"] / df["vol60"]).fillna(0.0).to_numpy(), -5, 5)
        returns = _trailing(r, SEQ_LEN)
        price = _znorm_rows(_trailing(df["adj_close"].to_numpy(dtype="float64"), SEQ_LEN))
        volume = np.clip(_trailing(df["volume_ratio"].to_numpy(dtype="float64"), SEQ_LEN), -3, 3)
        macd_norm = (df["macd_histogram"] / (df["close"] * df["vol60"] / 100.0)).to_numpy()
        state = np.column_stack([
            np.clip(df["bollinger_pct"].to_numpy() - 0.5, -1.5, 1.5),
            df["rsi"].to_numpy() / 50.0 - 1.0,
            df["kdj_k"].to_numpy() / 50.0 - 1.0,
            df["kdj_d"].to_numpy() / 50.0 - 1.0,
            np.clip(np.nan_to_num(macd_norm), -3, 3),
            df["overbought_oversold"].to_numpy(dtype="float64"),
        ])
        fp = np.concatenate([
            _W_RETURNS * returns, _W_PRICE * price, _W_VOLUME * volume, _W_STATE * state,
        ], axis=1)
        return np.nan_to_num(fp)

    def shape(self, indicator: str) -> np.ndarray:
        return _znorm_rows(np.nan_to_num(_trailing(self.df[indicator].to_numpy(dtype="float64"), SEQ_LEN)))

    def vectors(self, indicator: str, rows: np.ndarray) -> np.ndarray:
        v = np.concatenate([self.fingerprint[rows], _W_SHAPE * self.shape(indicator)[rows]], axis=1)
        norm = np.linalg.norm(v, axis=1, keepdims=True)
        return v / np.where(norm > 0, norm, 1.0)


def window_vectors(bars: pd.DataFrame, *, indicator: str = "adjusted_close",
                   labelled_only: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """Every 5-day window's numeric vector, for fast in-memory neighbour search.

    Returns ``meta`` (code, end_date, label_date, next_return, movement; one row per window)
    and the matching ``(n, VECTOR_DIM)`` matrix of L2-normalised vectors. With
    ``labelled_only`` windows whose next day is unknown are dropped.
    """
    prep = _Prepared(bars)
    mask = prep.valid_end & (prep.has_next if labelled_only else True)
    rows = np.flatnonzero(mask)
    meta = pd.DataFrame({
        "code": prep.codes[rows],
        "end_date": pd.to_datetime(prep.dates[rows]),
        "label_date": pd.to_datetime(prep.label_date[rows]),
        "next_return": prep.next_return[rows],
    })
    meta["movement"] = movement_label(meta["next_return"].to_numpy())
    return meta, prep.vectors(indicator, rows)


def build_candidates(bars: pd.DataFrame, *, codes: list[str] | None = None,
                     indicators: tuple[str, ...] = INDICATORS) -> list[Candidate]:
    """All labelled FinSeer candidates (one per window and indicator), oldest first per code."""
    prep = _Prepared(bars)
    mask = prep.valid_end & prep.has_next
    if codes is not None:
        mask &= np.isin(prep.codes, list(codes))
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    date_windows = _trailing(prep.dates.astype("datetime64[D]"), SEQ_LEN)[rows]
    labels = movement_label(prep.next_return[rows])
    label_days = prep.label_date[rows].astype("datetime64[D]")
    out: list[Candidate] = []
    for ind in indicators:
        values = _trailing(prep.df[ind].to_numpy(dtype="float64"), SEQ_LEN)[rows]
        vecs = prep.vectors(ind, rows)
        for j, row in enumerate(rows):
            out.append(Candidate(
                code=str(prep.codes[row]),
                as_of=label_days[j].item(),
                indicator=ind,
                dates=tuple(d.item() for d in date_windows[j]),
                values=tuple(float(x) for x in values[j]),
                movement=labels[j],
                next_return=float(prep.next_return[row]),
                vector=tuple(float(x) for x in vecs[j]),
            ))
    return out


def query_sequence(bars: pd.DataFrame, code: str, query_date: date) -> tuple[dict[str, Any], np.ndarray]:
    """The FinSeer query for ``code`` on ``query_date``: the 5 sessions strictly before it.

    Returns the query dict (``query_stock``, ``query_date``, ``recent_date_list``,
    ``adjusted_close_list``) and its numeric vector (comparable to ``Candidate.vector`` of the
    ``adjusted_close`` indicator). Bars on or after ``query_date`` are cut before anything is
    computed, so nothing from that day can leak in.
    """
    df = prepare_bars(bars)
    df = df[(df["code"] == str(code)) & (df["date"] < pd.Timestamp(query_date))]
    if len(df) < SEQ_LEN:
        raise FinqaError(
            f"{code}: need at least {SEQ_LEN} trading days before {query_date}, have {len(df)}."
        )
    prep = _Prepared(df)
    last = len(prep.df) - 1
    tail = prep.df.iloc[-SEQ_LEN:]
    query = {
        "query_stock": str(code),
        "query_date": pd.Timestamp(query_date).date().isoformat(),
        "recent_date_list": [d.date().isoformat() for d in tail["date"]],
        "adjusted_close_list": [round(float(x), 4) for x in tail["adjusted_close"]],
    }
    return query, prep.vectors("adjusted_close", np.array([last]))[0]


def window_arrays(bars: pd.DataFrame, history: int, horizon: int, *,
                  columns: tuple[str, ...] = BAR_COLUMNS) -> dict[str, np.ndarray]:
    """All complete (history, horizon) windows as arrays: the vectorised core of ``build_windows``.

    Returns ``code`` (m,), ``as_of`` (m,) datetime64, ``history`` (m, history, C) and
    ``target`` (m, horizon, C), with C = ``columns``. A window never spans two codes.
    """
    df = prepare_bars(bars)
    span = history + horizon
    n = len(df)
    if n < span:
        return {"code": np.array([], dtype=object), "as_of": np.array([], dtype="datetime64[ns]"),
                "history": np.zeros((0, history, len(columns))), "target": np.zeros((0, horizon, len(columns)))}
    codes = df["code"].to_numpy()
    values = df[list(columns)].to_numpy(dtype="float64")
    starts = np.arange(n - span + 1)
    same = codes[starts] == codes[starts + span - 1]
    starts = starts[same]
    blocks = sliding_window_view(values, span, axis=0).transpose(0, 2, 1)[starts]
    return {
        "code": codes[starts + history - 1],
        "as_of": df["date"].to_numpy()[starts + history - 1],
        "history": blocks[:, :history, :],
        "target": blocks[:, history:, :],
    }


def build_windows(bars: pd.DataFrame, history: int, horizon: int, *,
                  codes: list[str] | None = None) -> list[Window]:
    """``Window`` objects (DataFrames indexed by date) for one (history, horizon) spec."""
    df = prepare_bars(bars)
    if codes is not None:
        df = df[df["code"].isin([str(c) for c in codes])]
    arr = window_arrays(df, history, horizon)
    dates = df["date"].to_numpy()
    codes_arr = df["code"].to_numpy()
    # Row index of each window's as_of, to slice dates for the DataFrames.
    key = pd.MultiIndex.from_arrays([codes_arr, dates])
    pos = key.get_indexer(pd.MultiIndex.from_arrays([arr["code"], arr["as_of"]]))
    out = []
    for i, p in enumerate(pos):
        hist_idx = pd.DatetimeIndex(dates[p - history + 1: p + 1], name="date")
        tgt_idx = pd.DatetimeIndex(dates[p + 1: p + 1 + horizon], name="date")
        out.append(Window(
            code=str(arr["code"][i]),
            as_of=pd.Timestamp(arr["as_of"][i]).date(),
            history_days=history,
            horizon_days=horizon,
            history=pd.DataFrame(arr["history"][i], index=hist_idx, columns=list(BAR_COLUMNS)),
            target=pd.DataFrame(arr["target"][i], index=tgt_idx, columns=list(BAR_COLUMNS)),
        ))
    return out
