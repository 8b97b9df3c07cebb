"""Definitions of the terms in finqa's answers (``assistant.glossary``): which questions ask for
one, the answer in each language, the router, and that every "ask this to see it" example is
itself answered with a company's numbers (an example that fell back to the glossary, or to the
news, would send the user in a circle)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from assistant.glossary import ENGINE, TERMS, glossary_answer, is_glossary_question, terms_asked
from ingest.types import PriceBar


@pytest.mark.parametrize("message, keys", [
    ("What does RSI mean?", ["rsi"]), ("Explain a moving average crossover", ["crossover"]), ("什麼是KD值", ["kd"]),
    ("KD和RSI的差別", ["kd", "rsi"]), ("5日均線是什麼意思", ["moving_average"]), ("what is MCC?", ["mcc"]),
    ("how is beta calculated?", ["beta"]), ("漲停是什麼", ["limit"]), ("what is the random walk baseline", ["baselines"]),
    ("what is a candlestick?", ["candlestick"]), ("K線是什麼", ["candlestick"]), ("日K是什麼", ["candlestick"]),
    ("how does the analog forecaster work?", ["analog"]), ("類比法是什麼", ["analog"]),
    ("布林通道怎麼看", ["bollinger"]), ("what is a golden cross", ["crossover"]), ("什麼是零股", ["lot"]),
    ("what are trading costs in Taiwan", ["costs"]), ("what is P(rise)?", ["p_rise"]), ("最大回撤是什麼", ["drawdown"]),
    ("what is support and resistance?", ["levels"]), ("支撐和壓力是什麼意思", ["levels"]),
    ("what is a gap up?", ["gap"]), ("跳空是什麼", ["gap"]),
    ("and KD?", ["kd"]), ("那KD呢", ["kd"]), ("what about MACD?", ["macd"]),  # the next term, with no company about
    # figures finqa defines but does not store
    ("what is a P/E ratio?", ["pe"]), ("什麼是本益比", ["pe"]), ("what is EPS", ["eps"]), ("殖利率是什麼意思", ["dividend_yield"]),
    ("what does market cap mean", ["market_cap"]), ("what does ex-dividend mean", ["ex_dividend"]), ("除權息是什麼", ["ex_dividend"]),
    # market terms asked beside finqa's numbers
    ("what is an ETF", ["etf"]), ("什麼是當沖", ["day_trading"]), ("what is margin trading", ["margin"]),
    ("融資融券是什麼", ["margin"]), ("三大法人是什麼", ["institutional"]), ("what is a bear market", ["bull_bear"]),
    ("多頭空頭是什麼意思", ["bull_bear"]),
    # the market's rules
    ("How many shares are in one lot?", ["lot"]), ("一張是多少股", ["lot"]), ("What's the daily price limit in Taiwan?", ["limit"]),
    ("What are the trading hours of TWSE?", ["hours"]), ("when does the market open?", ["hours"]), ("台股幾點開盤", ["hours"]),
    ("台股交易時間", ["hours"]), ("what is the tick size?", ["tick"]), ("什麼是升降單位", ["tick"]),
    ("what is T+2 settlement", ["settlement"]), ("交割是什麼", ["settlement"]),
    ("What's the difference between TWSE and TPEx?", ["markets"]), ("上市和上櫃的差別", ["markets"]), ("什麼是興櫃", ["markets"]),
])
def test_definition_questions(message, keys):
    assert [t.key for t in terms_asked(message)] == keys
    assert is_glossary_question(message)


@pytest.mark.parametrize("message, code", [
    ("2330 RSI", "2330"), ("what is 2330's RSI?", "2330"), ("台積電的KD值是多少", "2330"),  # the number, not the term
    ("is RSI useful for picking stocks?", None), ("what is TSMC", "2330"), ("台積電本益比", "2330"),
    ("is the news on 2330 bullish?", "2330"), ("what is bullish news about TSMC?", None), ("台積電外資買超", "2330"),
    ("what is the market doing today?", None), ("RSI?", None), ("how is TSMC doing", "2330"),
    ("我有一張台積電", "2330"), ("一張台積電多少錢", "2330"), ("is the market open today?", None),
    ("新機上市時間", None), ("is 6488 listed on TPEx?", "6488"),  # a launch; a company's own market (its card)
    ("how do I make money?", None), ("how do I buy TSMC?", "2330"), ("如何投資台積電", "2330"),
    ("how can I tell if TSMC is cheap?", "2330"), ("台積電漲了幾%", "2330"),
])
def test_not_definition_questions(message, code):
    assert not is_glossary_question(message, code)


def test_the_answer_is_in_the_question_language_with_finqa_s_parameters():
    en = glossary_answer("What does RSI mean?")
    assert en.startswith("**RSI (relative strength index), 14 sessions, Wilder's smoothing.**")
    assert "Ask `2330 RSI` to see it for a company." in en and "no language model" in en
    zh = glossary_answer("KD和RSI的差別")
    assert zh.index("**KD（隨機指標），9/3/3。**") < zh.index("**RSI（相對強弱指標）")
    assert "（問 `台積電KD值` 可看某家公司的數字。）" in zh and "未經語言模型" in zh
    pe = glossary_answer("what is a P/E ratio?")  # defined, and said to be no number finqa has
    assert "cannot give a company's P/E" in pe and "finqa's own definitions" in pe and "computes with" not in pe
    assert "無法給出殖利率" in glossary_answer("殖利率是什麼意思")
    assert "computes with" in glossary_answer("what is EPS and RSI?")
    beta = glossary_answer("how is beta calculated?")
    assert "0050" in beta  # the market proxy finqa uses, said where beta is defined


def test_the_router_and_the_assistant_answer_definitions_without_a_model(data_dir):
    from assistant.router import IntentClassifier
    from assistant.service import Assistant
    from assistant.slots import parse_slots

    for message in ("What does RSI mean?", "什麼是KD值", "Explain a moving average crossover"):
        assert IntentClassifier().decide(message, parse_slots(message)).route == "qa", message
    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("what is MCC?")
    assert a.engine == "qa:glossary" and "Matthews correlation coefficient" in a.answer and not a.citations


@pytest.mark.parametrize("message, zh", [("what is TPEx?", False), ("什麼是上櫃", True), ("what's the TWSE?", False)])
def test_what_a_market_is_is_its_definition_not_its_list_of_companies(data_dir, message, zh):
    """"TPEx stocks" lists the market's companies; "what is TPEx?" had listed them too (with what
    the store holds) instead of saying what the Taipei Exchange is."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "qa:glossary", (message, a.engine, a.answer[:200])
    assert ("證券櫃檯買賣中心" in a.answer) and (("上櫃公司在" in a.answer) == zh)


@pytest.fixture
def priced(data_dir):
    """Half a year of prices for 2330, 2454 and 0050 (the market proxy beta needs), with a
    limit-down day, so that every example has numbers to answer with."""
    from ingest.store import open_store

    days = [d.date() for d in pd.bdate_range("2024-12-02", "2025-05-30")]
    rng = np.random.default_rng(3)
    store = open_store(data_dir.store_path)
    bars = []
    for code, start in (("2330", 1000.0), ("2454", 1300.0), ("0050", 190.0)):
        closes = start * np.cumprod(1 + rng.normal(0, 0.012, len(days)))
        closes = np.round(closes, 1)
        if code == "2330":
            closes[60] = float(np.ceil(closes[59] * 0.9))  # limit down (the tick at this price is 1.0)
        bars += [PriceBar(code=code, date=d, open=float(c), high=float(c), low=float(c), close=float(c), volume=1e6)
                 for d, c in zip(days, closes)]
    store.upsert_bars(bars)
    return data_dir.model_copy(update={"cpu_only": True})


def test_every_example_is_answered_with_the_company_s_numbers(priced):
    from assistant.service import Assistant

    asst = Assistant(priced)
    examples = {ex for t in TERMS for ex in (t.example_en, t.example_zh) if ex}
    assert len(examples) >= 24
    for example in sorted(examples):
        if "forecast" in example or "走勢" in example:
            continue  # the forecaster needs an index; its route is checked below
        if "sentiment" in example or "情緒" in example:
            continue  # the sentiment engine's (checked below), not the store's numbers
        a = asst.answer(example, as_of=date(2025, 6, 2))
        assert a.engine == "qa:prices", (example, a.engine, a.answer[:200])
        assert not is_glossary_question(example, a.code) and a.bars, example
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    for example in ("forecast 2330 next 5 days", "台積電未來5天走勢"):
        assert IntentClassifier().decide(example, parse_slots(example)).route == "forecast"
    for example in ("TSMC news sentiment", "台積電新聞情緒"):
        assert IntentClassifier().decide(example, parse_slots(example)).route == "sentiment"


def test_the_next_term_follows_a_definition_and_a_company_s_number_follows_a_number(priced):
    """"and KD?" after "what does MACD mean?" defines KD; after "2330 RSI" it asks 2330's KD."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(priced), ChatSession()
    asst.answer("what does MACD mean?", session=session)
    nxt = asst.answer("and KD?", session=session)
    assert nxt.engine == "qa:glossary" and nxt.answer.startswith("**KD (stochastic oscillator)")
    session = ChatSession()
    asst.answer("2330 RSI", session=session, as_of=date(2025, 6, 2))
    number = asst.answer("and KD?", session=session, as_of=date(2025, 6, 2))
    assert number.engine == "qa:prices" and "KD(9,3,3) K " in number.answer and number.code == "2330"


def test_the_tick_sizes_said_are_the_ones_the_limit_prices_use():
    """The definition is written from ``ingest.limits``'s bands, so it cannot drift from the limit
    prices finqa computes: each band's tick is the tick of a price inside it."""
    from ingest.limits import tick_bands, tick_size

    text = glossary_answer("what is the tick size?")
    for band, tick in tick_bands():
        assert f"{band} {tick:g}" in text
    for price, tick in ((9.99, 0.01), (10, 0.05), (49.95, 0.05), (50, 0.1), (100, 0.5), (500, 1), (999, 1), (1000, 5)):
        assert tick_size(price) == tick
    assert "under 10 0.01" in text and "from 1,000 5" in text and "未滿 10 0.01 元" in glossary_answer("什麼是升降單位")


def test_the_hours_are_the_sessions_the_open_now_answer_reads():
    from assistant.market_hours import hours_text

    assert hours_text(False) in glossary_answer("what are the trading hours?") and "09:00-13:30" in hours_text(False)
    assert hours_text(True) in glossary_answer("台股交易時間") and "finqa 撰寫的定義" in glossary_answer("台股交易時間")


@pytest.mark.parametrize("message", ["台積電可以當沖嗎", "can I day trade TSMC?"])
def test_whether_a_company_may_be_day_traded_is_the_rule_and_what_finqa_lacks(data_dir, message):
    """A company named, yet no number of it is asked: the day-trading rule, and that finqa holds no
    list of which stocks may be day-traded (it had quoted unrelated news)."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == ENGINE
    if "台" in message:
        assert a.answer.startswith("finqa 沒有可當沖標的名單") and "**當沖。**" in a.answer
    else:
        assert a.answer.startswith("finqa holds no list of which stocks may be day-traded") and "**Day trading" in a.answer


@pytest.mark.parametrize("message, key", [
    ("explain moving averages like I'm five", "moving_average"), ("簡單說明KD", "kd"), ("什麼是空頭市場", "bull_bear"),
    ("漲跌幅限制是多少", "limit"), ("what is RSI in simple terms?", "rsi"), ("要繳多少稅", "costs"), ("證交稅是多少", "costs"),
    ("how much tax do I pay?", "costs"), ("漲停是幾%", "limit"), ("跌停是多少趴", "limit"),
    # how to buy (it had found no news): the account, the order, T+2, the costs, foreign investors
    ("how do I buy Taiwan stocks?", "how_to_buy"), ("how can a foreigner buy Taiwan stocks?", "how_to_buy"),
    ("怎麼買台股", "how_to_buy"), ("台股怎麼開戶", "how_to_buy"),
    # the words of finqa's own answers (they had searched the news)
    ("what are the closest past windows?", "analog"), ("what is net score?", "net_score"), ("淨分數是什麼", "net_score"),
])
def test_how_simply_a_definition_is_asked_is_no_other_question(message, key):
    """"like I'm five", "簡單說明", a term's own suffix (空頭市場) or "限制是多少" had left the words
    unread and the question to the news (or the forecaster)."""
    assert [t.key for t in terms_asked(message)] == [key]


def test_a_beginner_gets_what_to_ask_and_every_example_is_answered(priced):
    """"I'm new to investing, where should I start?" had searched the news; each question the guide
    suggests is answered by a rule, the store or the glossary, none by the news or the forecaster."""
    import re as _re

    from assistant.service import Assistant
    from assistant.small_talk import beginner_guide

    asst = Assistant(priced)
    for message, zh in (("hi, I'm new to investing. where should I start?", False), ("股票新手要怎麼開始", True)):
        guide = asst.answer(message)
        assert guide.engine == "help" and ("Nothing here is investment advice" in guide.answer) != zh
        assert ("以上皆非投資建議" in guide.answer) == zh
        for example in _re.findall(r"`([^`]+)`", beginner_guide(message)):
            a = asst.answer(example, as_of=date(2025, 6, 2))
            assert a.engine in ("qa:glossary", "qa:prices", "qa:overview", "help"), (example, a.engine, a.answer[:200])
    assert asst.answer("I'm a beginner, is TSMC a good buy?").engine == "qa:overview"  # a company: its overview


def test_a_definition_between_a_forecast_and_its_follow_up_keeps_the_forecast(data_dir):
    """"聯發科未來兩週會漲嗎", "區間是什麼意思" (its band, defined), then "那一個月呢": the forecast over a
    month (the definition had made the conversation a news question)."""
    from assistant.slots import ChatSession
    from assistant.service import Assistant

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    session.last_route, session.last_code, session.last_codes, session.last_horizon = "forecast", "2454", ["2454"], 10
    band = asst.answer("區間是什麼意思", session=session)
    assert band.engine == "qa:glossary" and "10–90% 區間" in band.answer
    assert session.last_route == "forecast" and session.last_code == "2454"
    assert asst.route("那一個月呢", session)["route"] == "forecast"
