"""Technical indicators answered from the store: which questions, the numbers against hand
computations, too little history said, the as-of rule, and the router (5日均線 is no horizon)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from assistant.technicals import _wanted, indicator_answer, is_indicator_question
from assistant.types import EngineRequest
from ingest.types import PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-01-02", periods=70)]
# Up 1 a day for 60 sessions, then down 2 a day: every indicator has something to say.
CLOSES = [100.0 + i for i in range(60)] + [159.0 - 2 * (i + 1) for i in range(10)]


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code="2330", date=d, open=c, high=c + 1, low=c - 1, close=c, volume=1e6)
                   for d, c in zip(DAYS, CLOSES)])
    return s


def ask(store, message, *, as_of=None, today=DAYS[-1]):
    return indicator_answer(EngineRequest(message=message, code="2330", as_of=as_of), store, today=today)


@pytest.mark.parametrize("message", [
    "2330 5日均線", "台積電月線在哪", "TSMC 20-day moving average", "MA60 of 2330", "2330 RSI", "聯發科 KD值",
    "MACD of 2317", "台積電布林通道", "how volatile is 2330?", "2330 std of daily returns", "台積電報酬標準差", "2330 技術指標", "2330 technicals", "2330 年線",
    # English indicator names written right after Chinese, as Taiwanese users write them
    "台積電RSI", "台積電的MACD", "台積電MA20", "2330的RSI", "2330 5日線", "台積電20日線在哪", "台積電和聯發科的volatility",
    "台積電的支撐和壓力", "台積電支撐在哪", "台積電壓力位", "where is 2330 support and resistance?", "2330 resistance level",
    "Is TSMC overbought?", "台積電超賣了嗎", "台積電黃金交叉了嗎", "did 2330 have a golden cross recently?", "2330 死叉",
    "2330 stop loss", "where should I put a stop-loss on TSMC?", "台積電停損點要設多少", "聯發科止損",
    "2330 20 day ma", "its 20-day sma", "台積電現在是多頭還是空頭", "is 2330 in an uptrend?", "鴻海趨勢如何",
    "台積電乖離率", "2330 bias ratio", "2330 deviation from its moving average",
    "2330 trend", "what's the trend?", "聯發科技術面怎麼看",
    # the indicators as a whole (the first had quoted news)
    "what do the indicators say about 2317?", "2330's indicators", "鴻海指標怎麼看",
])
def test_indicator_questions(message):
    assert is_indicator_question(message, "2330")


@pytest.mark.parametrize("message", [
    "2330 close yesterday", "will 2330's MA5 cross the MA20 next week?", "forecast 2330 next 5 days",
    "TSMC revenue", "What is RSI?", "台積電面臨關稅壓力", "government support for TSMC", "tech support for TSMC",
    "TSMC cross-strait risk", "台積電交叉持股", "did 2330 cross 1000 last month?",
    "台積電成交量趨勢", "is there bias in the TSMC news?",  # volume over time is the price answer's
    "2330 volume trend", "what is the trend of TSMC volume", "TSMC trend in AI chips news",
])
def test_not_indicator_questions(message):
    assert not is_indicator_question(message, "2330" if "RSI" not in message else None)


@pytest.mark.parametrize("text, mas, others", [
    ("2330 5日均线", [5], []), ("2330 10日线", [10], []), ("台积电10周线", [50], []), ("台积电季线", [60], []), ("2330 10周均线", [50], []), ("ma20", [20], []),
    ("tsmc 20-day moving average", [20], []), ("2330 moving averages", [5, 20, 60], []),
    ("2330 rsi and macd", [], ["rsi", "macd"]), ("2330 ema20 and ma20", [20], ["ema:20"]),
    ("is tsmc overbought?", [], ["rsi", "kd"]), ("台积电超卖了吗", [], ["rsi", "kd"]),
    ("2330 ma5 crossed ma20?", [5, 20], ["cross"]), ("2330 macd crossover", [], ["macd", "cross"]),
    ("台积电乖离率", [5, 20, 60], []),  # the bias ratio is each average's distance, which its line gives
    ("2330 atr", [], ["atr"]), ("台积电真实波幅", [], ["atr"]), ("鸿海均线排列", [5, 20, 60], ["trend"]),
    ("台积电成交量均线", [], []), ("2330 volume moving average", [], []),  # the shares traded: price_records
    ("2330 60-day average", [60], []), ("2330 distance from 60-day average", [60], []),  # it had been a 60-day forecast
    ("2330 20-day average volume", [], []),
    ("is it above the 60 day?", [60], []), ("did it break the 20-day?", [20], []),  # by its length alone (it had been news)
    ("is it above the 60 day high?", [], []),  # a high, not an average
])
def test_what_is_asked(text, mas, others):
    assert _wanted(text) == (mas, others)


def test_the_numbers(store):
    a = ask(store, "2330 MA5 MA20 RSI KD MACD bollinger volatility")
    assert a.engine == "qa:prices" and a.code == "2330" and a.citations
    last5 = sum(CLOSES[-5:]) / 5  # 147, 145, 143, 141, 139 → 143
    assert f"5-day moving average {last5:,.2f}: the close is below it" in a.answer
    series = pd.Series(CLOSES)
    delta = series.diff()
    gain = delta.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean().iloc[-1]
    loss = (-delta.clip(upper=0)).ewm(alpha=1 / 14, adjust=False).mean().iloc[-1]
    assert f"RSI(14) {100 - 100 / (1 + gain / loss):.1f}" in a.answer
    # Simple daily returns, the definition the risk answers use too (not log returns).
    returns = series.pct_change().tail(20)
    assert f"{returns.std():.2%} a day over the last 20 sessions" in a.answer
    mid = series.tail(20).mean()
    assert f"middle {mid:,.2f}" in a.answer
    assert "K crossed" in a.answer or "K is below D" in a.answer
    assert [b.date for b in a.bars] == [DAYS[-1]]
    j = a.to_json()["indicators"]
    assert j["date"] == DAYS[-1].isoformat() and j["close"] == 139.0 and j["ma5"] == pytest.approx(last5)
    assert j["rsi14"] == pytest.approx(100 - 100 / (1 + gain / loss)) and j["bollinger_middle"] == pytest.approx(mid)
    assert {"ma20", "k", "d", "macd", "macd_signal", "macd_histogram"} <= set(j)
    assert j["volatility_annualised"] == pytest.approx(returns.std() * math.sqrt(250), rel=1e-9)
    assert j["volatility_annualised"] != pytest.approx(series.apply(math.log).diff().tail(20).std() * math.sqrt(250),
                                                        rel=1e-9)
    ema = ask(store, "2330 EMA10")
    assert f"10-day exponential moving average {series.ewm(span=10, adjust=False).mean().iloc[-1]:,.2f}" in ema.answer


def test_rising_only_is_rsi_100(store):
    a = ask(store, "2330 RSI", today=DAYS[59])
    assert "RSI(14) 100.0: overbought" in a.answer


def test_too_little_history_is_said(store):
    a = ask(store, "2330 年線")
    assert "股價歷史太短（70 個交易日）" in a.answer and any("不足以計算：MA240" in n for n in a.notices)
    en = ask(store, "2330 240-day moving average")
    assert "too short" in en.answer and any("too few for MA240" in n for n in en.notices)


def test_as_of_reads_only_the_days_before(store):
    """As of the first falling day, the answer is the rising series' (the fall must not show)."""
    a = ask(store, "2330 MA5", as_of=DAYS[60], today=DAYS[-1])
    assert f"at the {DAYS[59].isoformat()} close of 159.00" in a.answer
    assert "5-day moving average 157.00" in a.answer  # 155..159
    assert all(b.date < DAYS[60] for b in a.bars)
    day = ask(store, f"2330 MA5 on {DAYS[62].isoformat()}")
    assert f"at the {DAYS[62].isoformat()} close" in day.answer


def test_the_router_and_the_engine(store, data_dir):
    from assistant.router import IntentClassifier
    from assistant.service import Assistant
    from assistant.slots import parse_slots

    for message in ("2330 5日均線", "台積電 20日均線", "2330 年線"):
        decision = IntentClassifier().decide(message, parse_slots(message))
        assert decision.route == "qa" and "indicator" in decision.reason, message
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    answer = asst.answer("2330 5日均線")
    assert answer.engine == "qa:prices" and "5 日均線（週線）" in answer.answer
    # "200-day" is no forecast horizon here: no notice about clamping one to 60 days.
    long = asst.answer("Is 2330 above its 200-day moving average?")
    assert long.engine == "qa:prices" and "too few for MA200" in " ".join(long.notices)
    assert not any("limit" in n for n in long.notices), long.notices


def test_follow_ups_ask_the_same_indicators_of_another_company_or_day(store, data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6)
                       for d, c in zip(DAYS, [200.0 + i for i in range(70)])])
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("2330 MA5", session=session)
    assert "5-day moving average 143.00" in first.answer  # 147..139
    other = asst.answer("and 2454?", session=session)
    assert other.code == "2454" and "5-day moving average 267.00" in other.answer  # 265..269
    day = asst.answer(f"what about {DAYS[59].isoformat()}?", session=session)
    assert day.code == "2454" and f"at the {DAYS[59].isoformat()} close" in day.answer
    assert "5-day moving average 257.00" in day.answer  # 255..259


def test_a_date_that_is_no_day_is_said_and_a_month_is_read_at_its_end(store):
    """2025-02-30 is no day: said, never answered with the latest bar. "in February" reads the
    indicators at February's last stored session, not at the newest bar."""
    bad = ask(store, "2330 RSI on 2025-02-30")
    assert "no such day" in bad.answer and "2025-02-30" in bad.answer and not bad.bars
    zh = ask(store, "台積電 2025-02-30 的 RSI")
    assert "日曆上沒有" in zh.answer
    feb = ask(store, "2330 MA5 at the end of February 2025")
    last_feb = max(d for d in DAYS if d.month == 2)
    assert [b.date for b in feb.bars] == [last_feb]
    i = DAYS.index(last_feb)
    assert f"5-day moving average {sum(CLOSES[i - 4:i + 1]) / 5:,.2f}" in feb.answer


def test_every_named_company_gets_its_indicators_side_by_side(store):
    calmer = [100.0 + 0.1 * (i % 3) for i in range(70)]
    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6)
                       for d, c in zip(DAYS, calmer)])
    a = indicator_answer(EngineRequest(message="2330 vs 2454 volatility", code="2330", codes=["2330", "2454"]),
                         store, today=DAYS[-1])
    assert "**2330 TSMC (台積電)** technical indicators" in a.answer and "**2454 MediaTek (聯發科)**" in a.answer
    assert [c.n for c in a.citations] == [1, 2] and [b.code for b in a.bars] == ["2330", "2454"]
    vols = {c: v["volatility_annualised"] for c, v in a.to_json()["indicators"]["companies"].items()}
    assert vols["2330"] > vols["2454"]
    assert f"Side by side (annualised volatility, last 20 sessions): 2330 {vols['2330']:.1%}, 2454 {vols['2454']:.1%}." \
        in a.answer
    # A company without prices says so; the other still answers.
    b = indicator_answer(EngineRequest(message="RSI of 2330 and 2317", code="2330", codes=["2330", "2317"]),
                         store, today=DAYS[-1])
    assert "RSI(14)" in b.answer and "No prices for 2317" in b.answer and len(b.citations) == 1
    assert set(b.to_json()["indicators"]["companies"]) == {"2330"}
    assert "Side by side (RSI" not in b.answer  # one company read: nothing to set beside it
    # "rank 2330 and 2454 by RSI": the RSIs side by side, highest first (each had been listed apart only)
    both = indicator_answer(EngineRequest(message="rank 2330 and 2454 by RSI", code="2330", codes=["2330", "2454"]),
                            store, today=DAYS[-1])
    rsi = {c: v["rsi14"] for c, v in both.to_json()["indicators"]["companies"].items()}
    first, second = sorted(rsi, key=lambda c: -rsi[c])
    assert f"Side by side (RSI(14), highest first): {first} {rsi[first]:.1f}, {second} {rsi[second]:.1f}." in both.answer


def test_the_assistant_sends_a_comparison_of_indicators_to_every_company(store, data_dir):
    from assistant.service import Assistant

    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6)
                       for d, c in zip(DAYS, CLOSES)])
    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("2330 vs 2454 volatility")
    assert a.engine == "qa:prices" and "2330 TSMC" in a.answer and "2454 MediaTek" in a.answer


def test_support_and_resistance_are_the_recent_lows_highs_and_averages(store):
    """Close 139 on the last day. Last 20 sessions: lows down to 138 (that day), highs up to 160
    (session 59), mean close 151.25; last 60: low 109 (session 10), mean 136.75."""
    a = ask(store, "where is 2330 support and resistance?")
    d = lambda i: DAYS[i].isoformat()  # noqa: E731
    assert (f"Support (below the close): 138.00 (20-session low, {d(69)}), 136.75 (60-day average), "
            f"109.00 (60-session low, {d(10)}); resistance (above it): 151.25 (20-day average), "
            f"160.00 (20-session high, {d(59)}), 160.00 (60-session high, {d(59)})") in a.answer
    assert a.indicators["low60"] == 109.0 and a.indicators["ma20"] == pytest.approx(151.25)
    zh = ask(store, "台積電的支撐和壓力")
    assert f"支撐（收盤之下）：138.00（20 日最低，{d(69)}）" in zh.answer and "不是預測" in zh.answer
    # Point in time: as of session 60, the last visible bar is session 59 (close 159, high 160);
    # the fall after it (the 138 low) is not seen.
    then = ask(store, "2330 support and resistance", as_of=DAYS[60])
    assert (then.indicators["low20"], then.indicators["high20"], then.indicators["ma20"]) == (139.0, 160.0, 149.5)
    assert f"resistance (above it): 160.00 (20-session high, {d(59)}), 160.00 (60-session high, {d(59)})" in then.answer
    assert "138.00" not in then.answer
    short = ask(store, "2330 support and resistance", today=DAYS[10])
    assert "too few for support and resistance" in " ".join(short.notices)


def test_a_stop_loss_question_gets_the_levels_and_volatility_and_no_level_picked(store):
    """A stop-loss is set against support and volatility: the answer gives both and says plainly
    that finqa picks no level; other indicator answers carry no such line."""
    a = ask(store, "where should I put a stop loss on 2330?")
    assert "Support (below the close): 138.00" in a.answer and "Volatility:" in a.answer
    assert "finqa does not set a stop-loss or take-profit for you" in a.answer
    assert "low20" in a.indicators and "volatility_annualised" in a.indicators
    zh = ask(store, "台積電停損點要設多少")
    assert "finqa 不替你設定停損或停利" in zh.answer and "支撐（收盤之下）" in zh.answer
    assert "stop-loss" not in ask(store, "2330 support and resistance").answer


def test_a_close_outside_the_bollinger_bands_is_said_to_be_outside(store):
    """Ten sessions down 2 after sixty up 1: the last close is below the lower band."""
    a = ask(store, "2330 bollinger")
    pos = a.indicators["close"] - a.indicators["bollinger_lower"]
    assert pos < 0 and "the close is below the lower band, at -" in a.answer
    assert "收盤跌破下軌" in ask(store, "台積電布林通道").answer


def test_the_latest_crossovers_against_a_hand_computation(store):
    """Sixty sessions up, then down 2 a day: the 5-day average falls through the 20-day one on the
    first session where it is no longer above it (found here with plain loops), a death cross;
    K through D and MACD through its signal turn after the top too. A named pair of averages
    ("20日線和60日線") replaces 5/20; nothing crossed before the history allows it."""
    def mean(xs):
        return sum(xs) / len(xs)

    first = next(i for i in range(60, 70) if mean(CLOSES[i - 4:i + 1]) <= mean(CLOSES[i - 19:i + 1]))
    a = ask(store, "did 2330 have a golden cross recently?")
    assert a.indicators["ma_cross"] == {"kind": "death", "date": DAYS[first].isoformat()}
    assert f"5/20-day averages: death cross on {DAYS[first].isoformat()} (now below)" in a.answer
    for key in ("kd_cross", "macd_cross"):
        assert a.indicators[key]["kind"] == "death" and a.indicators[key]["date"] >= DAYS[59].isoformat()
    zh = ask(store, "台積電黃金交叉了嗎")
    assert f"5 日／20 日均線 {DAYS[first].isoformat()} 死亡交叉（目前在下）" in zh.answer
    pair = ask(store, "2330 20日線和60日線交叉")
    assert "20 日／60 日均線" in pair.answer
    # Before the fall, the averages never crossed (the 5-day led from the start): none is made up.
    early = ask(store, "2330 golden cross", as_of=DAYS[59])
    assert early.indicators["ma_cross"] is None and "no crossover in the last 60 sessions (now above)" in early.answer


def test_the_trend_is_the_order_of_the_close_and_the_averages(store):
    """Up 1 a day for 60 sessions then down 2 a day for 10: after 60 sessions the close sits above
    a rising 20-day average above the 60-day (an uptrend); at the end it is below a 20-day that
    has turned down, but the 20-day is still above the 60-day: mixed, not yet a downtrend. A fall
    long enough lines them up the other way."""
    up = ask(store, "is 2330 in an uptrend?", as_of=DAYS[60])
    seen = CLOSES[:60]
    ma20, ma60 = sum(seen[-20:]) / 20, sum(seen) / 60
    assert up.indicators["trend"] == "up" and up.indicators["ma20"] == pytest.approx(ma20)
    assert up.indicators["ma60"] == pytest.approx(ma60) and "an uptrend by the moving averages" in up.answer
    mixed = ask(store, "台積電現在是多頭還是空頭")
    assert mixed.indicators["trend"] == "mixed" and "趨勢不明" in mixed.answer
    later = [d.date() for d in pd.bdate_range(DAYS[-1] + pd.Timedelta(days=1), periods=60)]
    store.upsert_bars([PriceBar(code="2330", date=d, open=c, high=c + 1, low=c - 1, close=c, volume=1e6)
                       for d, c in zip(later, [139.0 - i for i in range(60)])])
    down = ask(store, "2330 trend direction", today=later[-1])
    assert down.indicators["trend"] == "down" and "a downtrend by the moving averages" in down.answer
    assert "- Trend:" in ask(store, "2330 technicals", today=later[-1]).answer  # part of the full set


def test_which_one_is_more_volatile_reads_the_span_just_asked(data_dir):
    """After "How did 2330 do in February 2025?" and "and 2454?", "which one is more volatile?" reads
    both at the end of February (its last 20 sessions), not at the newest bar."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    other = [200.0 + (i % 3) for i in range(70)]
    store.upsert_bars([PriceBar(code=c, date=d, open=x, high=x + 1, low=x - 1, close=x, volume=1e6)
                       for c, xs in (("2330", CLOSES), ("2454", other)) for d, x in zip(DAYS, xs)])
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("How did 2330 do in February 2025?", session=session)
    asst.answer("and 2454?", session=session)
    a = asst.answer("which one is more volatile?", session=session)
    feb_end = max(d for d in DAYS if d.month == 2).isoformat()
    assert a.indicators["companies"]["2330"]["date"] == feb_end and a.indicators["companies"]["2454"]["date"] == feb_end
    fresh = asst.answer("which one is more volatile, 2330 or 2454?")  # no conversation: the newest bar
    assert fresh.indicators["companies"]["2330"]["date"] == DAYS[-1].isoformat()


def test_the_last_golden_cross_is_found_when_the_latest_crossover_is_a_death_cross(store):
    """Down 30 sessions, up 30, down 10: the 5-day average crosses above the 20-day after the
    bottom (found here with plain loops) and back below near the end. "When was the last golden
    cross?" gives the death cross and that golden cross; a kind that never happened is said."""
    closes = [200.0 - 2 * i for i in range(30)] + [142.0 + 2 * (i + 1) for i in range(30)] + [202.0 - 3 * (i + 1) for i in range(10)]
    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in zip(DAYS, closes)])

    def above(i):
        return sum(closes[i - 4:i + 1]) / 5 > sum(closes[i - 19:i + 1]) / 20

    golden = max(i for i in range(20, 70) if above(i) and not above(i - 1))
    death = max(i for i in range(20, 70) if not above(i) and above(i - 1))
    assert golden < death
    def ask_2454(message):
        return indicator_answer(EngineRequest(message=message, code="2454"), store, today=DAYS[-1])

    a = ask_2454("when was the last golden cross for 2454?")
    assert f"5/20-day averages: death cross on {DAYS[death].isoformat()} (now below); the last golden cross was on " \
           f"{DAYS[golden].isoformat()}" in a.answer
    assert a.indicators["ma_last_golden"] == DAYS[golden].isoformat()
    zh = ask_2454("聯發科上次黃金交叉是什麼時候")
    assert f"上次黃金交叉在 {DAYS[golden].isoformat()}" in zh.answer
    never = ask(store, "2330 last golden cross")  # up then down: the 5-day led from the start
    assert "no golden cross in the 70 stored sessions" in never.answer and never.indicators["ma_last_golden"] is None
    plain = ask_2454("2454 crossovers")  # no kind asked: the latest of each pair only
    assert "the last golden cross" not in plain.answer


def test_atr_against_a_hand_computation(store):
    """ATR(14) with Wilder's smoothing. Each bar's high and low are 1 either side of its close: on a
    rising day (the close 1 above the one before) the true range is high − low = 2; on a falling day
    (2 below) it is |low − the close before| = 3. After 60 rising sessions and 10 falling ones the
    ATR is 2 smoothed towards 3 ten times."""
    atr = 2.0
    for _ in range(10):
        atr = (atr * 13 + 3.0) / 14
    a = ask(store, "2330 ATR")
    assert a.indicators["atr14"] == pytest.approx(atr)
    assert f"- ATR(14) {atr:.2f} ({atr / CLOSES[-1]:.2%} of the close)" in a.answer
    assert "ATR(14)" in ask(store, "台積電真實波幅").answer and "平均每日真實波幅" in ask(store, "台積電真實波幅").answer
    # a usual day's range, asked in plain words (it had been the last 20 sessions' prices)
    assert ask(store, "what's the average daily range of 2330?").indicators["atr14"] == pytest.approx(atr)
    assert ask(store, "台積電平均振幅").indicators["atr14"] == pytest.approx(atr)
