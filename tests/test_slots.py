"""Slots in English, Traditional and Simplified Chinese: company, horizon, as-of, quoted text."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.slots import (MAX_MESSAGE_CHARS, ChatSession, parse_horizon, parse_slots, to_simplified,
                             truncate_message, zh_number)


@pytest.fixture(scope="module")
def directory():
    from ingest.companies import get_directory

    return get_directory()


@pytest.mark.parametrize("message, days", [
    ("forecast 2330 tomorrow", 1),
    ("台積電明天會漲嗎", 1),
    ("台积电明日走势", 1),
    ("forecast 2330 next week", 5),
    ("鴻海下週走勢", 5),
    ("鸿海下周走势", 5),
    ("forecast TSMC for two weeks", 10),
    ("聯發科兩週後", 10),
    ("联发科两周后", 10),
    ("2454 price in a fortnight", 10),
    ("forecast 2317 next month", 21),
    ("鴻海下個月", 21),
    ("鸿海下个月", 21),
    ("台積電一個月後股價", 21),
    ("forecast 2330 next 7 days", 7),
    ("forecast 2330 in 12 trading days", 12),
    ("a 5-day forecast for 2454", 5),
    ("台積電未來10天", 10),
    ("台積電未來15個交易日", 15),
    ("台积电未来15个交易日", 15),
    ("台積電未來三天", 3),
    ("台积电未来二十天", 20),
    ("forecast 2330 3 weeks", 15),
    ("forecast 2330 2 months", 42),
    ("will 2330 go up 5% in a day?", 1),  # it had been the default five
    ("will TSMC drop 3% within a single trading day?", 1),
])
def test_horizon(directory, message, days):
    slots = parse_slots(message, directory=directory)
    assert slots.horizon_days == days
    assert slots.horizon_explicit
    assert not any("limit" in n for n in slots.horizon_notices)


def test_default_horizon_is_five(directory):
    slots = parse_slots("forecast 2330", directory=directory)
    assert (slots.horizon_days, slots.horizon_explicit) == (5, False)


@pytest.mark.parametrize("message", ["forecast 2330 next 100 days", "台積電未來一百天", "forecast 2330 for 6 months",
                                     "forecast 2330 for 2 years", "will 2330 be higher in a year?", "台積電明年會漲嗎",
                                     "台積電未來半年", "台積電兩年後會漲嗎"])
def test_horizon_past_60_is_clamped_with_a_notice(directory, message):
    """A year or half a year ahead is said to be past the limit (they had been 5 days, unsaid), in
    the question's language."""
    slots = parse_slots(message, directory=directory)
    assert slots.horizon_days == 60 and slots.horizon_explicit
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        assert any("超過 60 日的上限" in n for n in slots.horizon_notices)
    else:
        assert any("60" in n and "limit" in n for n in slots.horizon_notices)


@pytest.mark.parametrize("message", ["台積電兩年漲了多少", "2330 return over 2 years", "2330 performance over a year",
                                     "2330 price a year ago", "台積電上半年表現", "2330 年線", "台積電2年報酬",
                                     "how often does 2330 move more than 3% in a day?", "聯發科今年表現最差的一週",
                                     "聯發科今年最慘的一天", "2330 best single day", "台積電2024年最好的月份"])
def test_years_looked_back_at_are_no_horizon(directory, message):
    assert not parse_slots(message, directory=directory).horizon_explicit


def test_zero_days_becomes_one():
    days, notices = parse_horizon("forecast 2330 in 0 days")
    assert days == 1 and notices


@pytest.mark.parametrize("text, value", [("5", 5), ("十", 10), ("十五", 15), ("二十", 20), ("三十五", 35),
                                         ("兩", 2), ("一百", 100), ("一百零五", 105), ("百", None), ("abc", None)])
def test_zh_number(text, value):
    assert zh_number(text) == value


@pytest.mark.parametrize("message, code", [
    ("forecast 2330 next 5 days", "2330"),
    ("forecast 2330.TW", "2330"),
    ("台積電最近新聞情緒如何？", "2330"),
    ("台积电最近新闻情绪如何？", "2330"),
    ("what about MediaTek", "2454"),
    ("那聯發科呢？", "2454"),
    ("Hon Hai next week", "2317"),
    ("鸿海下周", "2317"),
    ("Delta Electronics outlook", "2308"),
])
def test_company(directory, message, code):
    assert parse_slots(message, directory=directory).code == code


def test_company_inside_quoted_news(directory):
    slots = parse_slots("sentiment of “鴻海電動車布局有成 營收大增”", directory=directory)
    assert slots.code == "2317"
    assert slots.quoted_text == "鴻海電動車布局有成 營收大增"


@pytest.mark.parametrize("message, quoted", [
    ('classify "Profits plunged 40% after the fire"', "Profits plunged 40% after the fire"),
    ("這則新聞：「台積電營收創新高」", "台積電營收創新高"),
    ("sentiment of “TSMC beats estimates”", "TSMC beats estimates"),
    ("『聯發科下修財測』利多還是利空", "聯發科下修財測"),
    ('what is "EPS"?', None),  # a short quoted term is a name, not news to classify
    # no quotes: the passage after a lead and a colon
    ("classify: TSMC shares surge after record profit", "TSMC shares surge after record profit"),
    ("情緒：聯發科下修財測 股價重挫", "聯發科下修財測 股價重挫"), ("headline: Foxconn cuts outlook", "Foxconn cuts outlook"),
    ("sentiment: 2330", None), ("新聞：台積電美國設廠最新進度", None), ("what is the sentiment on TSMC?", None),
    # a question of tone before the colon (the company's news had been read instead)
    ("這則新聞是利多還是利空：台積電調升資本支出", "台積電調升資本支出"),
    ("is this headline bullish or bearish: TSMC raises capex guidance", "TSMC raises capex guidance"),
    ("利多還是利空？台積電4月營收年增48%", "台積電4月營收年增48%"),
    ("Is 2330 bullish or bearish? what about next week", None), ("台積電情緒如何？會漲嗎", None),
    ("is this good news: TSMC to build more fabs in Japan", "TSMC to build more fabs in Japan"), ("any good news for TSMC?", None),
    # the question of tone after the text (the company's news had been read instead)
    ("台積電調升資本支出，這是利多還是利空？", "台積電調升資本支出"), ("聯發科下修財測，這則消息是利空嗎？", "聯發科下修財測"),
    ("TSMC raises capex to $40bn. Is this good news?", "TSMC raises capex to $40bn"),
    ("Foxconn wins Apple order - bullish or bearish?", "Foxconn wins Apple order"),
    ("2330 news this week, is that bullish?", None), ("台積電最近新聞是利多還是利空", None), ("台積電跌了，這是利空嗎", None),
    ("What happened to TSMC, is it good or bad?", None), ("2330 bullish?", None), ("台積電 聯發科，哪個好？", None),
])
def test_quoted_text(directory, message, quoted):
    assert parse_slots(message, directory=directory).quoted_text == quoted


@pytest.mark.parametrize("message, as_of", [
    ("as of 2025-03-01 forecast 2330", date(2025, 3, 1)),
    ("台積電2025年3月1日時的預測", date(2025, 3, 1)), ("台積電2025年3月1日收盤", None),  # the forecast as it stood then
    ("forecast 2330 as-of 2024/12/31", date(2024, 12, 31)),
    ("截至2025年3月5日 台積電新聞情緒", date(2025, 3, 5)),
    ("forecast 2330 as of March 1, 2025", date(2025, 3, 1)), ("as of 1 March 2025, forecast 2330", date(2025, 3, 1)),
    ("forecast 2330", None),
])
def test_as_of(directory, message, as_of):
    slots = parse_slots(message, directory=directory)
    assert slots.as_of == as_of
    assert slots.code == "2330"  # the date's year (2025 is a listed code: 千興) is not a company


def test_invalid_as_of_is_a_notice(directory):
    slots = parse_slots("as of 2025-02-30 forecast 2330", directory=directory)
    assert slots.as_of is None
    assert any("not a valid date" in n for n in slots.notices)
    future = parse_slots("as of 2099-01-01 forecast 2330", directory=directory)  # kept, and said to hide nothing
    assert future.as_of == date(2099, 1, 1) and any("is after today: it hides nothing" in n for n in future.notices)
    assert not parse_slots("as of 2025-03-01 forecast 2330", directory=directory).notices


def test_date_inside_question_is_not_a_company(directory):
    slots = parse_slots("what happened to the market on 2025-03-01?", directory=directory)
    assert slots.code is None and slots.unknown_company is None


@pytest.mark.parametrize("message, token, close", [("forecast 9999 next week", "9999", True), ("forecast TSMCC", "TSMCC", True),
                                                   ("forecast FOOBAR", "FOOBAR", False),
                                                   ("sentiment of ACMEZZ news", "ACMEZZ", False)])
def test_unknown_company_gives_a_notice_with_suggestions(directory, message, token, close):
    slots = parse_slots(message, directory=directory)
    assert slots.code is None
    assert slots.unknown_company == token
    assert any(token in n for n in slots.notices)
    # Close names from the directory (for a number, the nearest listed codes); a Latin name with
    # nothing close gets none rather than whatever shares three letters with it.
    assert bool(slots.suggestions) is close
    if not close:
        assert any("No TWSE or TPEx company has a name or code close to it." in n for n in slots.notices)


def test_general_words_are_not_unknown_companies(directory):
    slots = parse_slots("forecast the market next week", directory=directory)
    assert slots.unknown_company is None
    # a lower-case word near no company's name is a topic; a capitalised one may be a name, said
    topic = parse_slots("news about tariffs", directory=directory)
    assert topic.unknown_company is None and not topic.notices
    assert parse_slots("forecast Zzyzx", directory=directory).unknown_company == "Zzyzx"
    assert parse_slots("news about tsmcc", directory=directory).unknown_company == "tsmcc"  # close to TSMC: said
    # a language asked of the news is no company ("Unknown company 'English'" had been said)
    for message in ("latest English news", "Chinese news today"):
        assert parse_slots(message, directory=directory).unknown_company is None, message


def test_follow_up_inherits_the_company_general_question_does_not(directory):
    session = ChatSession(last_route="forecast", last_code="2330", last_horizon=5)
    assert parse_slots("and next month?", session, directory).code == "2330"
    assert parse_slots("那下週呢？", session, directory).code == "2330"
    assert parse_slots("will it rise?", session, directory).code == "2330"
    assert parse_slots("Explain what a yield curve inversion implies for equities.", session, directory).code is None
    inherited = parse_slots("and next month?", session, directory)
    assert inherited.inherited_code and inherited.horizon_days == 21


@pytest.mark.parametrize("message", ["what's the trend?", "技術面怎麼看", "KD值多少", "會跌破1200嗎", "站上1300嗎",
                                     "zoom into March 2025", "focus on last week",
                                     "what was the average volume then?", "當時的成交量"])
def test_a_figure_a_level_or_a_span_asked_alone_is_of_the_conversation_s_company(directory, message):
    """After "聯發科" (an overview), these had searched the news or asked which company."""
    session = ChatSession(last_route="qa", last_code="2454")
    slots = parse_slots(message, session, directory)
    assert slots.code == "2454" and slots.inherited_code


def test_truncate_message():
    text, notices = truncate_message("x" * 5000)
    assert len(text) == MAX_MESSAGE_CHARS and "5,000" in notices[0]
    assert truncate_message("short") == ("short", [])


def test_traditional_and_simplified_share_rules():
    assert to_simplified("下週 兩週 下個月 預測 情緒") == "下周 两周 下个月 预测 情绪"


def test_latin_words_beside_chinese_are_set_apart_for_the_word_rules():
    """"台積電RSI": Python's \\b sees no boundary between 電 and R, so English rules missed it."""
    assert to_simplified("台積電RSI") == "台积电 RSI"
    assert to_simplified("2330的EPS和capex呢") == "2330的 EPS 和 capex 呢"
    assert to_simplified("台積電2330 MA20") == "台积电2330 MA20"  # digits stay attached: "近5天", "2330年線"


def test_a_comparison_or_a_plural_follow_up_brings_back_the_conversation_s_companies(directory):
    session = ChatSession()
    session.remember("qa", "2330", None, codes=["2330"])
    for message in ("跟聯發科比呢", "compare with MediaTek", "vs 2454", "那和聯發科相比呢"):
        slots = parse_slots(message, session, directory)
        assert slots.codes == ["2330", "2454"] and slots.code == "2330", message
    assert parse_slots("聯發科呢", session, directory).codes == ["2454"]  # a new company, no comparison
    session.remember("qa", "2330", None, codes=["2330", "2454"])
    for message in ("它們的相關性", "what is their correlation?", "compare both"):
        assert parse_slots(message, session, directory).codes == ["2330", "2454"], message
    for message in ("which one is more volatile?", "哪一個比較強", "forecast both for next week", "sentiment on them"):
        slots = parse_slots(message, session, directory)  # no unknown company called "both" or "them"
        assert slots.codes == ["2330", "2454"] and not slots.unknown_company, message
    assert parse_slots("forecast both", None, directory).code is None
    assert parse_slots("哪檔股票漲最多", session, directory).codes == []  # a ranking of the market, not of the two
    # "誰最會漲" / "誰風險最低": a pick among the conversation's companies (they had asked which company)
    assert parse_slots("誰最會漲", session, directory).codes == ["2330", "2454"]
    assert parse_slots("誰風險最低", session, directory).codes == ["2330", "2454"]
    one_by_one = ChatSession()  # one company an answer: "their correlation" is of the last two asked about
    for code in ("2317", "2330", "2454"):
        one_by_one.remember("qa", code, None, codes=[code])
    assert parse_slots("它們的相關性", one_by_one, directory).codes == ["2330", "2454"]
    assert parse_slots("which is riskier?", one_by_one, directory).codes == ["2330", "2454"]
    assert parse_slots("它的RSI", one_by_one, directory).codes == []
    assert parse_slots("它的RSI", session, directory).codes == []  # one company: the last one
    assert parse_slots("它的RSI", session, directory).code == "2330"


@pytest.mark.parametrize("message", ["預測一下", "forecast?", "分析一下", "sentiment please", "新聞呢", "最近新聞", "latest news?",
                                     "最新消息",
                                     # the news' tone asked with no company (it had asked which company)
                                     "有什麼利空消息嗎", "有沒有好消息", "any bad news?", "are there any bullish headlines?",
                                     # an indicator alone (they had searched the news with no company)
                                     "golden cross?", "布林通道", "support and resistance?", "volume?", "均線呢",
                                     "any recent news?"])
def test_a_bare_request_continues_with_the_last_company(directory, message):
    session = ChatSession()
    session.remember("qa", "2454", None, codes=["2454"])
    slots = parse_slots(message, session, directory)
    assert slots.code == "2454" and slots.inherited_code
    assert parse_slots(message, None, directory).code is None


def test_days_counted_back_and_us_dates_are_no_horizon_and_no_company(directory):
    """"a month ago" names a past day, not a one-month forecast; "4/7/2025" holds no company 2025."""
    slots = parse_slots("TSMC stock price a month ago", directory=directory)
    assert slots.code == "2330" and not slots.horizon_explicit
    for past in ("What's TSMC's 5-day return?", "台積電5日漲幅", "2330 1-month performance"):  # the last N sessions
        assert not parse_slots(past, directory=directory).horizon_explicit, past
    assert parse_slots("2330 5-day forecast", directory=directory).horizon_explicit
    assert parse_slots("台積電後天", directory=directory).horizon_days == 2  # the day after tomorrow
    assert parse_slots("台積電大後天會漲嗎", directory=directory).horizon_days == 3
    assert parse_slots("will 2330 rise the day after tomorrow", directory=directory).horizon_days == 2
    assert parse_slots("forecast 2330 for a month", directory=directory).horizon_days == 21
    assert parse_slots("2317 close 4/7/2025", directory=directory).codes == ["2317"]
    assert parse_slots("what happened on 4/7/2025?", directory=directory).code is None


@pytest.mark.parametrize("message", ["2330 week of 2025-04-07", "台積電2025年4月第二週", "台積電4月最後一週",
                                     "2330 in the first week of April 2025"])
def test_a_company_code_or_an_ordinal_week_is_no_horizon(directory, message):
    """"2330 week" is company 2330 (it read as 2,330 weeks, clamped to 60 days); 第二週 and 最後一週
    are weeks of a month, not two weeks and one week ahead."""
    slots = parse_slots(message, directory=directory)
    assert not slots.horizon_explicit and not slots.horizon_notices, message
    assert parse_slots("台積電未來兩週", directory=directory).horizon_days == 10
    assert parse_slots("forecast 2330 next 100 days", directory=directory).horizon_days == 60


@pytest.mark.parametrize("message, asks", [
    ("if I buy TSMC now, will I make money in a month?", True), ("如果我現在買台積電，一個月後會賺錢嗎", True),
    ("would I be profitable buying 2454 today?", True), ("現在買聯發科會賺嗎", True),
    ("how much did I make on 2330 since 2025-01-02?", False), ("台積電賺多少", False), ("how does TSMC make money?", False),
])
def test_a_profit_ahead_is_asked(message, asks):
    """"Will I make money?" is the forecaster's (the break-even price as its target), not a past return."""
    from assistant.slots import asks_profit_ahead

    assert asks_profit_ahead(message) is asks
