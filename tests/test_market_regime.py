"""Bull or bear by the 20% lines: "is Taiwan in a bear market?", "台股現在是牛市還是熊市", "is TSMC
in a bear market?" (they had searched the news)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assistant.market_regime import asks_regime, regime_answer
from assistant.types import EngineRequest
from ingest.types import PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-01-02", periods=120)]


def _bars(code: str, closes: list[float]) -> list[PriceBar]:
    return [PriceBar(code=code, date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in zip(DAYS, closes)]


@pytest.mark.parametrize("message, code, asks", [
    ("is Taiwan in a bear market?", None, True), ("台股現在是牛市還是熊市", None, True), ("is TSMC in a bear market?", "2330", True),
    ("台股是多頭還是空頭", None, True), ("台積電現在是多頭還是空頭", "2330", False),  # a company's trend: its moving averages
    ("bull or bear?", None, True), ("TSMC news", "2330", False), ("熊本工廠", "2330", False),
])
def test_which_questions_ask_bull_or_bear(message, code, asks):
    assert asks_regime(message, code) is asks


def test_the_market_is_the_equal_weighted_index_of_the_stored_companies(data_dir):
    """Three companies rise 1% a session for 80 sessions, then fall 1.5% a session: the index
    (each session the mean of their daily returns, here equal) is 0.985**39 - 1 = -44.5% from its
    peak on session 80, past the bear line; a bar after the as-of date is never read."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    path = [100.0 * 1.01 ** min(i, 80) * 0.985 ** max(i - 80, 0) for i in range(len(DAYS))]
    for code in ("2330", "2454", "2317"):
        store.upsert_bars(_bars(code, path))
    as_of = DAYS[-1]  # its own bar is not seen
    a = regime_answer(EngineRequest(message="is Taiwan in a bear market?", as_of=as_of), store)
    expected = path[-2] / path[80] - 1
    assert a.indicators["from_peak"] == pytest.approx(expected) and a.indicators["peak_date"] == DAYS[80].isoformat()
    assert a.indicators["end"] == DAYS[-2].isoformat() and a.indicators["sessions"] == len(DAYS) - 1
    assert "equal-weighted index of the 3 stored companies" in a.answer and "a bear market by the usual definition" in a.answer
    assert "On the last session 0 of 3 stored companies closed above their 60-day average." in a.answer
    zh = regime_answer(EngineRequest(message="台股現在是牛市還是熊市", as_of=as_of), store)
    assert f"距高點（{DAYS[80].isoformat()}）{expected:+.1%}" in zh.answer and "屬於空頭（熊市）" in zh.answer
    # one company: its own closes; within 20% of both its peak and its trough: neither line crossed
    store.upsert_bars(_bars("2303", [100.0 + (10.0 if i % 2 else 0.0) for i in range(len(DAYS))]))
    flat = regime_answer(EngineRequest(message="is UMC in a bear market?", code="2303", as_of=as_of), store)
    assert "neither line is crossed" in flat.answer and flat.indicators["from_peak"] == pytest.approx(-1 / 11)


def test_too_few_companies_or_sessions_say_so(data_dir):
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    store.upsert_bars(_bars("2330", [100.0] * 30))
    none = regime_answer(EngineRequest(message="is Taiwan in a bear market?", as_of=date(2025, 6, 30)), store)
    assert "nothing can stand for the market" in none.answer
    short = regime_answer(EngineRequest(message="is TSMC in a bear market?", code="2330", as_of=date(2025, 6, 30)), store)
    assert "fewer than 60 stored sessions" in short.answer


def test_with_both_lines_crossed_the_newer_extreme_says_which_way():
    """Down 29% from a November peak and up 39% from an April trough (Hon Hai in 2025): a rebound,
    so a bull market; a fall from a later peak that is still above an earlier trough: a bear market."""
    from assistant.market_regime import _verdict

    assert "a bull market" in _verdict(-0.29, 0.39, date(2024, 11, 11), date(2025, 4, 9), False)
    assert "a bear market" in _verdict(-0.44, 0.25, date(2025, 4, 30), date(2025, 1, 2), False)
    assert "屬於多頭（牛市）" in _verdict(-0.29, 0.39, date(2024, 11, 11), date(2025, 4, 9), True)
