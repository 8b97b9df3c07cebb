"""Screens of the stored companies at their last visible close (``assistant.screens``): which
questions, RSI oversold / overbought against ``assistant.technicals``'s number for one company,
near the 52-week high or low, above or below a moving average against pandas, the closest when
none passes, point in time, and through the assistant."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assistant.screens import Screen, screen_answer, screen_of
from assistant.types import EngineRequest
from ingest.types import PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-01-02", periods=80)]
PATHS = {  # 2330 falls for the last 20 sessions (oversold), 2454 rises (overbought, at its high), 2317 drifts
    "2330": [100.0 + i for i in range(60)] + [159.0 - 3 * (i + 1) for i in range(20)],
    "2454": [200.0 - i * 0.5 for i in range(60)] + [170.0 + 2 * (i + 1) for i in range(20)],
    "2317": [50.0 + (i % 4) * 0.5 for i in range(80)],
}


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code=c, date=d, open=x, high=x + 1, low=x - 1, close=x, volume=1e6)
                   for c, xs in PATHS.items() for d, x in zip(DAYS, xs)])
    return s


def ask(store, message, *, as_of=None, today=DAYS[-1]):
    return screen_answer(EngineRequest(message=message, as_of=as_of), store, today=today)


@pytest.mark.parametrize("message, screen", [
    ("which stocks are oversold?", Screen("rsi", "low")), ("哪些股票RSI超賣", Screen("rsi", "low")),
    ("any overbought stocks?", Screen("rsi", "high")), ("which stocks are near their 52-week high?", Screen("extreme", "high")),
    ("stocks near their lows", Screen("extreme", "low")), ("stocks above their 20-day moving average", Screen("ma", "above", 20)),
    ("哪些股票站上季線", Screen("ma", "above", 60)), ("哪些股票跌破月線", Screen("ma", "below", 20)),
    ("which stocks are below their ma10?", Screen("ma", "below", 10)),
    ("which stocks rose 3 days in a row?", Screen("streak", "up", 3)), ("哪些股票連跌五天", Screen("streak", "down", 5)),
    ("which stocks have the longest losing streak?", Screen("streak", "down", 0)),
    ("Is TSMC overbought?", None), ("what does oversold mean", None), ("2330 above its 20-day moving average?", None),
    # "average" alone is the moving average (it had gone to the news); an average volume is not
    ("Stocks above their 20-day average", Screen("ma", "above", 20)), ("stocks above their 20-day average volume", None),
    # a price level (they had searched the news); a number with no currency or price word is none
    ("stocks under NT$100", Screen("price", "below", level=100.0)), ("股價低於100元的股票有哪些", Screen("price", "below", level=100.0)),
    ("百元以下的股票", Screen("price", "below", level=100.0)), ("shares priced above 500", Screen("price", "above", level=500.0)),
    ("股價在50元以下的股票", Screen("price", "below", level=50.0)), ("stocks under 100", None),
    # by the price of a share (they had searched the news)
    ("which company has the highest share price?", Screen("price_rank", "high")), ("股價最高的是哪一檔", Screen("price_rank", "high")),
    ("which stocks are cheapest right now?", Screen("price_rank", "low")), ("哪檔股票最便宜", Screen("price_rank", "low")),
    ("which stocks have the highest RSI?", Screen("rsi", "high")),  # the RSI's order (not the price's)
    ("電子股誰超賣", Screen("rsi", "low")),  # a group is the stocks asked about (it had searched the news)
])
def test_which_questions_are_screens(message, screen):
    from assistant.slots import parse_slots

    assert screen_of(message, list(parse_slots(message).codes)) == screen


def test_rsi_screens_agree_with_one_companys_indicator(store):
    from assistant.technicals import indicator_answer

    low = ask(store, "which stocks are oversold?")
    rsi = {c: indicator_answer(EngineRequest(message=f"{c} RSI", code=c), store, today=DAYS[-1]).indicators["rsi14"]
           for c in PATHS}
    assert [r["code"] for r in low.ranking["screen"]] == [c for c in sorted(rsi, key=rsi.get) if rsi[c] < 30]
    assert low.ranking["screen"][0]["value"] == pytest.approx(rsi["2330"])
    assert low.answer.startswith("1 of the 3 stored companies has RSI(14) below 30 (oversold):")
    high = ask(store, "哪些股票RSI超買")
    assert [r["code"] for r in high.ranking["screen"]] == ["2454"] and "家符合「RSI(14) 高於 70（超買）」" in high.answer


def test_near_the_high_and_moving_averages_against_pandas(store):
    near = ask(store, "which stocks are near their 52-week high?")
    gaps = {c: xs[-1] / max(xs) - 1 for c, xs in PATHS.items()}
    passed = sorted((c for c in gaps if abs(gaps[c]) <= 0.05), key=lambda c: (abs(gaps[c]), c))
    assert [r["code"] for r in near.ranking["screen"]] == passed and "2330" not in passed
    assert any("fewer than 250 stored sessions" in n for n in near.notices)
    above = ask(store, "stocks above their 20-day moving average")
    ma = {c: xs[-1] / (sum(xs[-20:]) / 20) - 1 for c, xs in PATHS.items()}
    assert [r["code"] for r in above.ranking["screen"]] == sorted((c for c in ma if ma[c] > 0), key=lambda c: -ma[c])
    assert above.ranking["screen"][0]["value"] == pytest.approx(max(ma.values()))
    long_ = ask(store, "stocks above their 200-day moving average")  # longer than the history: said, nothing made up
    assert not long_.ranking and "at least 200 sessions" in long_.answer


def test_a_price_level_lists_the_closes_beyond_it_cheapest_first(store):
    """Last closes: 2330 99, 2454 210, 2317 51.5 (PATHS): under NT$100 are 2317 then 2330."""
    under = ask(store, "stocks under NT$100")
    last = {c: xs[-1] for c, xs in PATHS.items()}
    assert [r["code"] for r in under.ranking["screen"]] == sorted((c for c in last if last[c] < 100), key=last.get)
    assert under.answer.startswith("2 of the 3 stored companies have a close below NT$100:")
    assert under.ranking["screen"][0]["value"] == pytest.approx(min(last.values()))
    above = ask(store, "股價高於200元的股票")
    assert [r["code"] for r in above.ranking["screen"]] == ["2454"] and "收盤價高於 200 元" in above.answer


def test_the_companies_by_the_price_of_a_share_and_what_cheap_means_there(store):
    """Last closes 2330 99, 2454 210, 2317 51.5: highest first 2454, 2330, 2317; "cheapest" says a
    share's price is no value (no earnings are stored)."""
    high = ask(store, "which company has the highest share price?")
    assert [r["code"] for r in high.ranking["screen"]] == ["2454", "2330", "2317"]
    assert high.answer.startswith("The 3 stored companies by their last close (highest first):\n\n1. 2454 MediaTek (聯發科) (close")
    cheap = ask(store, "哪檔股票最便宜")
    assert [r["code"] for r in cheap.ranking["screen"]] == ["2317", "2330", "2454"]
    assert any("finqa 沒有獲利資料" in n for n in cheap.notices) and not any("earnings" in n for n in high.notices)


def test_the_as_of_cut_hides_later_bars(store):
    """As of the 60th session 2454 had fallen for 60 sessions (oversold) and 2330 risen (not);
    at the end it is the other way round. No bar on or after the as-of day is read."""
    cut = ask(store, "which stocks are oversold?", as_of=DAYS[60])
    assert [r["code"] for r in cut.ranking["screen"]] == ["2454"]
    assert all(r["date"] < DAYS[60].isoformat() for r in cut.ranking["screen"])
    assert [r["code"] for r in ask(store, "which stocks are oversold?").ranking["screen"]] == ["2330"]


def test_an_empty_screen_lists_the_closest(data_dir):
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    store.upsert_bars([PriceBar(code=c, date=d, open=x, high=x, low=x, close=x, volume=1e6)
                       for c in ("2317", "2308") for d, x in zip(DAYS, PATHS["2317"])])
    none = ask(store, "which stocks are oversold?")
    assert none.answer.startswith("None of the 2 stored companies has RSI(14) below 30 (oversold); the closest:")
    assert len(none.ranking["screen"]) == 2 and not any(r["passes"] for r in none.ranking["screen"])
    assert "沒有一家符合「RSI(14) 低於 30（超賣）」；最接近的是：" in ask(store, "哪些股票超賣").answer


def test_the_assistant_sends_screens_to_the_store(store, data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("which stocks are oversold?", as_of=date(2025, 4, 23))
    assert a.route == "qa" and a.engine == "qa:prices" and "screen" in a.ranking
    assert asst.answer("Is 2330 overbought?").ranking == {}  # one company: its own indicators
    # after two companies, "stocks near their lows" is still a screen: "their" is the stocks'
    session = ChatSession()
    asst.answer("compare 2330 and 2454", session=session)
    assert "screen" in asst.answer("stocks near their lows", session=session).ranking
    assert "correlation" in asst.answer("their correlation", session=session).indicators


def test_streaks_are_the_runs_ending_at_the_last_close(store):
    """2454 rose for its last 20 sessions, 2317 for its last 3 (50 → 50.5 → 51 → 51.5), 2330 fell for
    20: "rose 3 days in a row" lists 2454 then 2317, longest first; "連跌" lists 2330."""
    up = ask(store, "which stocks rose 3 days in a row?")
    assert [(r["code"], r["value"]) for r in up.ranking["screen"]] == [("2454", 20), ("2317", 3)]
    assert "20 sessions up in a row" in up.answer and up.ranking["screen"][0]["unit"] == "sessions"
    assert [r["code"] for r in ask(store, "哪些股票連跌三天").ranking["screen"]] == ["2330"]
    four = ask(store, "which stocks rose 4 days in a row?")
    assert [r["code"] for r in four.ranking["screen"]] == ["2454"]


def test_a_screen_of_a_named_group_screens_only_its_companies(store):
    """"which semiconductor stock has the highest RSI?" / "which tech stocks are above their 60-day
    average?" had screened every stored company: 2330 and 2454 are semiconductors, 2317 is not."""
    semis = ask(store, "which semiconductor stock has the highest RSI?")
    assert {r["code"] for r in semis.ranking["screen"]} <= {"2330", "2454"} and "stored Semiconductors companies" in semis.answer
    every = ask(store, "which stocks have the highest RSI?")
    assert "of the 3 stored companies" in every.answer or "None of the 3 stored companies" in every.answer
    zh = ask(store, "半導體股哪些站上月線")
    assert "2 家半導體業公司" in zh.answer
