"""Price windows and FinSeer candidates: labels, shapes, and no lookahead."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ingest.errors import FinqaError
from ingest.indicators import INDICATORS, add_indicators
from ingest.windows import (
    SEQ_LEN, VECTOR_DIM, build_candidates, build_windows, movement_label, query_sequence,
    window_arrays, window_vectors,
)


def synthetic_bars(codes=("AAA", "BBB"), n=120, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    dates = pd.bdate_range("2024-01-01", periods=n)
    for i, code in enumerate(codes):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, n))) * (1 + i)
        frames.append(pd.DataFrame({
            "code": code, "date": dates, "open": close * (1 + rng.normal(0, 0.003, n)),
            "high": close * 1.01, "low": close * 0.99, "close": close,
            "adj_close": close * 0.9, "volume": rng.integers(1_000, 10_000, n).astype(float),
        }))
    return pd.concat(frames, ignore_index=True)


def test_movement_thresholds_are_the_finseer_ones():
    assert movement_label(0.56) == "rise"
    assert movement_label(0.55) == "freeze"
    assert movement_label(-0.5) == "freeze"
    assert movement_label(-0.51) == "fall"
    assert list(movement_label(np.array([1.0, np.nan, -2.0]))) == ["rise", None, "fall"]


def test_candidates_are_labelled_by_the_next_day_adjusted_return():
    bars = synthetic_bars(codes=("AAA",), n=30)
    cands = [c for c in build_candidates(bars) if c.indicator == "adjusted_close"]
    assert len(cands) == 30 - SEQ_LEN  # every window with a known next day
    first = cands[0]
    adj = bars["adj_close"].to_numpy()
    expected = (adj[SEQ_LEN] / adj[SEQ_LEN - 1] - 1) * 100
    assert first.next_return == pytest.approx(expected)
    assert first.movement == movement_label(expected)
    # as_of is the label day: the day after the last sequence day.
    assert first.dates[-1] == bars["date"][SEQ_LEN - 1].date()
    assert first.as_of == bars["date"][SEQ_LEN].date()
    assert len(first.vector) == VECTOR_DIM
    d = first.to_finseer_dict()
    assert d["adjusted_close_list"] == [round(x, 4) for x in adj[:SEQ_LEN] * 1.0]
    assert set(c.indicator for c in build_candidates(bars)) == set(INDICATORS)


def test_windows_never_span_two_codes_and_know_their_as_of():
    bars = synthetic_bars(n=50)
    arr = window_arrays(bars, 30, 5)
    assert len(arr["code"]) == 2 * (50 - 35 + 1)
    wins = build_windows(bars, 30, 5, codes=["BBB"])
    w = wins[0]
    assert w.code == "BBB" and len(w.history) == 30 and len(w.target) == 5
    assert w.as_of == w.history.index[-1].date()
    assert w.target.index[0] > w.history.index[-1]
    b = bars[bars.code == "BBB"].reset_index(drop=True)
    assert w.target["close"].iloc[0] == pytest.approx(b["close"][30])


def test_features_up_to_a_day_do_not_change_when_the_future_changes():
    bars = synthetic_bars(codes=("AAA",), n=80)
    cut = 60
    changed = bars.copy()
    changed.loc[cut:, ["open", "high", "low", "close", "adj_close"]] *= 3.0
    changed.loc[cut:, "volume"] *= 10
    a = add_indicators(bars).iloc[:cut]
    b = add_indicators(changed).iloc[:cut]
    cols = [c for c in a.columns if c not in ("code", "date")]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    ma, va = window_vectors(bars, labelled_only=False)
    mb, vb = window_vectors(changed, labelled_only=False)
    keep = (ma["end_date"] < bars["date"][cut]).to_numpy()
    np.testing.assert_allclose(va[keep], vb[keep])


def test_query_sequence_uses_only_days_strictly_before_the_query_date():
    bars = synthetic_bars(codes=("AAA",), n=40)
    qdate = bars["date"][30].date()
    query, vec = query_sequence(bars, "AAA", qdate)
    assert query["query_date"] == qdate.isoformat()
    assert query["recent_date_list"][-1] == bars["date"][29].date().isoformat()
    assert len(query["adjusted_close_list"]) == SEQ_LEN
    # Same vector as the full-history window ending on the day before: indicators are causal.
    meta, mat = window_vectors(bars)
    row = int(np.flatnonzero(meta["end_date"] == bars["date"][29])[0])
    np.testing.assert_allclose(vec, mat[row], atol=1e-9)
    # A bar on the query date itself changes nothing.
    spiked = bars.copy()
    spiked.loc[30, ["close", "adj_close"]] *= 5
    _, vec2 = query_sequence(spiked, "AAA", qdate)
    np.testing.assert_allclose(vec, vec2)


def test_query_without_enough_history_is_a_clear_error():
    bars = synthetic_bars(codes=("AAA",), n=10)
    with pytest.raises(FinqaError, match="at least 5 trading days"):
        query_sequence(bars, "AAA", date(2024, 1, 3))


def test_adjusted_close_falls_back_to_close():
    bars = synthetic_bars(codes=("AAA",), n=20).drop(columns=["adj_close"])
    df = add_indicators(bars)
    np.testing.assert_allclose(df["adjusted_close"], df["close"])
