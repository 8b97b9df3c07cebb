"""Price facts from the store: which questions they answer, the periods, the exact numbers, the
as-of rule (no bar on or after the as-of date, ever), stale data, and the router/UI around them."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from assistant.periods import named_days, parse_period
from assistant.price_facts import ENGINE, is_price_question, price_answer
from assistant.types import EngineRequest
from ingest.types import PriceBar

# 2025-02-28 (Friday) is Peace Memorial Day: the TWSE is closed. 03-01/02 is a weekend.
BARS = [  # day, open, high, low, close, volume (shares)
    (date(2025, 2, 26), 1050.0, 1065.0, 1045.0, 1060.0, 40_000_000),
    (date(2025, 2, 27), 1065.0, 1065.0, 1040.0, 1040.0, 61_646_900),
    (date(2025, 3, 3), 1000.0, 1020.0, 1000.0, 1020.0, 73_279_419),
    (date(2025, 3, 4), 996.0, 1010.0, 990.0, 1000.0, 70_879_417),
    (date(2025, 3, 5), 1020.0, 1030.0, 1015.0, 1025.0, 45_086_222),
]


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code="2330", date=d, open=o, high=h, low=lo, close=c, volume=v)
                   for d, o, h, lo, c, v in BARS])
    return s


def ask(store, message, *, as_of=None, today=date(2025, 3, 6), code="2330"):
    return price_answer(EngineRequest(message=message, code=code, as_of=as_of), store, today=today)


# --- which questions --------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    "What was TSMC's closing price on 2025-03-03?", "2330 price today", "台積電昨天收盤價多少",
    "2330多少", "台積電現在多少錢", "台積電漲幾%",  # (they had quoted news)
    "2330 close on March 3, 2025", "TSMC stock price in April 2025", "2330 volume past 10 days",
    "How did 2330 do last week?", "鴻海上週表現如何", "台積電成交量", "2330 opened at what price yesterday",
    "show me the TSMC chart", "台積電K線", "台積電日K", "台積電 4月 日K", "compare 2330 and 2317 in March 2025", "what's TSMC's all-time high?",
    "台積電歷史新高", "when did TSMC hit its 2025 low?", "how many days did 2330 rise in April 2025?", "台積電4月漲了幾天",
    "2330 highest close in 2025",
    "請問2330現在多少", "台積電現在幾塊", "2330現價", "台積電跌了多少", "how much is TSMC now?", "what is 2330 trading at?",
    "2330 since the start of 2025", "台積電今年以來", "how many up days did 2330 have in April 2025?",
    "TSMC performance over the past quarter", "how is 2454 doing this month?", "how's TSMC trading in March 2025?",
    "2330 up or down today", "is TSMC down this week?", "did 2454 rise yesterday?", "台積電今天漲還是跌",
    "plot 2330 and 2454 in April 2025", "graph TSMC", "畫出台積電的股價",
    "what's the lowest 2330 has been this year?", "how high did TSMC go in January 2025?", "how much did TSMC gain in May?",
    "TSMC first trading day of 2025", "台積電今年第一個交易日", "2330 relative strength vs 2454",
    "台積電今日漲跌", "2330 change today", "2330 percentage change this week",
])
def test_price_questions(message):
    assert is_price_question(message, "2330")


@pytest.mark.parametrize("message, kind, start, end", [
    # no year: the latest such month or day on or before today (Thursday 2025-03-06)
    ("TSMC in February", "range", date(2025, 2, 1), date(2025, 2, 28)),
    ("台積電4月股價", "range", date(2024, 4, 1), date(2024, 4, 30)),
    ("台積電3月3日收盤", "day", date(2025, 3, 3), date(2025, 3, 3)),
    ("TSMC close on March 3", "day", date(2025, 3, 3), date(2025, 3, 3)),
    ("what happened to 2330 on 7 April", "day", date(2024, 4, 7), date(2024, 4, 7)),
    ("2330 from February 3 to February 14", "range", date(2025, 2, 3), date(2025, 2, 14)),
    ("2330 since February 3", "range", date(2025, 2, 3), date(2025, 3, 6)),
    ("2330 close on February 30", "invalid", None, None),
    # not dates: a modal "may", a count of months, a day that carries its year
    ("TSMC may 5 percent", "latest", None, None), ("台積電3個月", "latest", None, None),
    ("台積電近3月股價", "trailing", None, None),  # the last 3 months, not March
    # a quarter or half of a year named relative to today (2025-03-06)
    ("台積電去年第四季表現", "range", date(2024, 10, 1), date(2024, 12, 31)),
    # a month of a year named relative to today (they had been the whole year)
    ("如果去年9月買10張鴻海", "range", date(2024, 9, 1), date(2024, 9, 30)), ("台積電去年十二月", "range", date(2024, 12, 1), date(2024, 12, 31)),
    ("前年5月", "range", date(2023, 5, 1), date(2023, 5, 31)), ("2330 September last year", "range", date(2024, 9, 1), date(2024, 9, 30)),
    ("2330 last September", "range", date(2024, 9, 1), date(2024, 9, 30)), ("2330 last February", "range", date(2025, 2, 1), date(2025, 2, 28)),
    ("TSMC last may rise", "latest", None, None),
    ("去年的第4季", "range", date(2024, 10, 1), date(2024, 12, 31)),
    ("台積電今年上半年", "range", date(2025, 1, 1), date(2025, 6, 30)),
    ("2330 Q1 this year", "range", date(2025, 1, 1), date(2025, 3, 31)),
    ("TSMC first half of last year", "range", date(2024, 1, 1), date(2024, 6, 30)),
    ("2330 Q1 2025", "range", date(2025, 1, 1), date(2025, 3, 31)),  # the code before "Q1" is no year
    ("台積電2024年4月7日", "day", date(2024, 4, 7), date(2024, 4, 7)),
])
def test_months_and_days_without_a_year(message, kind, start, end):
    p = parse_period(message, date(2025, 3, 6))
    assert (p.kind, p.start, p.end) == (kind, start, end)


@pytest.mark.parametrize("message, year", [
    ("2330 monthly returns 2025", 2025), ("TSMC 2025", 2025), ("台積電 2024", 2024), ("2330 drawdown 2024", 2024),
    ("chip stocks 2025", 2025),
    # a price, or the company with that code, is no year
    ("2025", None), ("How many times did 2330 close above 2000?", None), ("台積電跌破2000", None),
    ("2330 target 2000", None), ("2330 2000元", None), ("2330 NT$2000", None),
])
def test_a_year_written_alone_is_the_period_as_the_directory_reads_it(message, year):
    """"2330 monthly returns 2025" had listed every stored month: a bare year after a company or a
    topic word is the year (``ingest.companies`` already reads it as no company there)."""
    p = parse_period(message, date(2026, 12, 5))
    assert (p.kind, p.start, p.end) == (("range", date(year, 1, 1), date(year, 12, 31)) if year else ("latest", None, None))


def test_a_year_named_before_high_or_low_is_the_period():
    p = parse_period("when did TSMC hit its 2025 low?", date(2025, 3, 6))
    assert (p.kind, p.start, p.end) == ("range", date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize("message", [
    "Why did TSMC fall last week?", "TSMC to raise wafer prices next year", "will TSMC close higher tomorrow?",
    "2330 明天收盘价", "What is a price-to-earnings ratio?", "TSMC revenue in 2024", "forecast 2330 closing price",
    "TSMC close to a deal with Intel", "台積電為什麼上週下跌", "How did 2330 do?",  # no period: a weak cue is not enough
    "When does TSMC start volume production of 2nm?", "TSMC 2nm in volume by 2025", "a quote from TSMC's CEO",
    "台積電毛利率最高的產品", "台積電去年營收多少", "這則標題的情緒？「台積電營收創新高」",
    "这条新闻的情感是什么：「联发科下修财测 股价重挫」", "How did TSMC revenue do last year?", "compare TSMC and UMC revenue in 2024",
    "how much is TSMC's market cap now?", "台積電營收漲了多少", "how is TSMC doing?",  # no period: the overview's
    "how is TSMC's revenue doing this year?", "TSMC plots a new fab in Arizona", "TSMC draws record orders",
    "TSMC management change in 2025", "TSMC strategy change last year", "台積電明天漲跌",
    "台積電營收多少", "台積電有多少員工", "台積電營收漲幾%",
])
def test_not_price_questions(message):
    assert not is_price_question(message, "2330")


def test_no_company_no_price_fact():
    assert not is_price_question("what was the closing price yesterday?", None)


# --- periods ----------------------------------------------------------------------------------
@pytest.mark.parametrize("message, kind, start, end, sessions", [
    ("2330 close on 2025-03-03", "day", date(2025, 3, 3), date(2025, 3, 3), None),
    ("台積電2025年3月5日收盤", "day", date(2025, 3, 5), date(2025, 3, 5), None),
    ("2330 close on March 1, 2025", "day", date(2025, 3, 1), date(2025, 3, 1), None),
    ("TSMC close 3 March 2025", "day", date(2025, 3, 3), date(2025, 3, 3), None),
    ("2330 price between 2025-03-05 and 2025-03-03", "range", date(2025, 3, 3), date(2025, 3, 5), None),
    ("TSMC stock price in April 2025", "range", date(2025, 4, 1), date(2025, 4, 30), None),
    ("2025年2月 台積電股價", "range", date(2025, 2, 1), date(2025, 2, 28), None),
    ("2330 price in 2024", "range", date(2024, 1, 1), date(2024, 12, 31), None),
    # "over 2024" is the year too (it had been read as a price to reach), unless the price goes over it
    ("Compare TSMC, MediaTek and UMC over 2024", "range", date(2024, 1, 1), date(2024, 12, 31), None),
    ("how did TSMC do throughout 2024?", "range", date(2024, 1, 1), date(2024, 12, 31), None),
    ("will 2330 go over 2024?", "latest", None, None, None),
    ("sentiment of 2330 news in 2023", "range", date(2023, 1, 1), date(2023, 12, 31), None),  # 2330 is no year
    ("TSMC price last week", "range", date(2025, 2, 24), date(2025, 3, 2), None),  # today is Thursday 03-06
    ("台積電本週股價", "range", date(2025, 3, 3), date(2025, 3, 6), None),
    ("2330 price last month", "range", date(2025, 2, 1), date(2025, 2, 28), None),
    ("台積電昨天收盤", "day", date(2025, 3, 5), date(2025, 3, 5), None),
    # the day before yesterday (it had been yesterday, or the latest day)
    ("台積電前天收盤", "day", date(2025, 3, 4), date(2025, 3, 4), None),
    ("2330 close the day before yesterday", "day", date(2025, 3, 4), date(2025, 3, 4), None),
    ("台積電大前天收盤", "day", date(2025, 3, 3), date(2025, 3, 3), None),
    # "past year" with no number (it had been the latest day, or the last question's span)
    ("2330 past year", "trailing", None, None, 250), ("TSMC over the past month", "trailing", None, None, 21),
    # a week each side of a day (it had been the day alone)
    ("2330 before and after 2025-03-04", "range", date(2025, 2, 25), date(2025, 3, 11), None),
    ("台積電2025年3月4日前後", "range", date(2025, 2, 25), date(2025, 3, 11), None),
    ("TSMC Q1 2025 performance", "range", date(2025, 1, 1), date(2025, 3, 31), None),
    ("台積電2025年第一季股價", "range", date(2025, 1, 1), date(2025, 3, 31), None),
    ("1Q25 2330 price", "range", date(2025, 1, 1), date(2025, 3, 31), None),
    ("fourth quarter of 2024 TSMC close", "range", date(2024, 10, 1), date(2024, 12, 31), None),
    ("2025年上半年 台積電股價", "range", date(2025, 1, 1), date(2025, 6, 30), None),
    ("2330 price H2 2024", "range", date(2024, 7, 1), date(2024, 12, 31), None),
    ("q1 2330 close", "latest", None, None, None),  # a stock code is not a year
    ("2330 volume past 10 days", "trailing", None, None, 10),
    ("TSMC price over the last 3 weeks", "trailing", None, None, 15),
    ("近一個月台積電股價", "trailing", None, None, 21),
    ("2330 52-week high", "trailing", None, None, 260),
    ("台積電一年來最低價", "trailing", None, None, 250),
    ("2330 52週高低", "trailing", None, None, 260),
    ("2330 price", "latest", None, None, None),
    # "N-day return": the last N sessions, not an N-day forecast horizon
    ("What's TSMC's 5-day return?", "trailing", None, None, 5), ("2330 1-month performance", "trailing", None, None, 21),
    ("台積電5日漲幅", "trailing", None, None, 5),
    # the end of this month or year, even ahead of today; "year-end 2024" is that year's
    ("will 2330 rise by the end of the month", "day", date(2025, 3, 31), date(2025, 3, 31), None),
    ("台積電年底會到多少", "day", date(2025, 12, 31), date(2025, 12, 31), None),
    ("forecast 2330 for the rest of the month", "day", date(2025, 3, 31), date(2025, 3, 31), None),
    ("2330 over the remainder of this year", "day", date(2025, 12, 31), date(2025, 12, 31), None),
    ("year-end 2024 close of 2330", "day", date(2024, 12, 31), date(2024, 12, 31), None),
    ("2330 2024 year-end", "day", date(2024, 12, 31), date(2024, 12, 31), None),
    # early / mid / late in a month, 上旬 / 中旬 / 下旬, 月初: days 1-10, 11-20, 21 to the end
    ("台積電2025年4月初的新聞", "range", date(2025, 4, 1), date(2025, 4, 10), None),
    ("2330 in mid-April 2025", "range", date(2025, 4, 11), date(2025, 4, 20), None),
    ("2330 late February 2025", "range", date(2025, 2, 21), date(2025, 2, 28), None),
    ("台積電2025年1月下旬", "range", date(2025, 1, 21), date(2025, 1, 31), None),
    ("mid-cap stocks in January 2025", "range", date(2025, 1, 1), date(2025, 1, 31), None),
    # the first trading day of a span: its first session on TWSE's calendar (2025-01-01 is a holiday)
    ("TSMC first trading day of 2025", "day", date(2025, 1, 2), date(2025, 1, 2), None),
    ("台積電2025年第一個交易日收盤", "day", date(2025, 1, 2), date(2025, 1, 2), None),
    ("2330 close on the first trading day of March 2025", "day", date(2025, 3, 3), date(2025, 3, 3), None),
    ("2330 close price history", "all", None, None, None), ("台積電歷史股價", "all", None, None, None),
    # "since": from that day, month or year up to today, not that day alone
    ("2330 return since 2025-01-02", "range", date(2025, 1, 2), date(2025, 3, 6), None),
    ("how has TSMC done since January 2025?", "range", date(2025, 1, 1), date(2025, 3, 6), None),
    ("台積電 2024年以來", "range", date(2024, 1, 1), date(2025, 3, 6), None),
    ("台積電 2025-01-02 至今", "range", date(2025, 1, 2), date(2025, 3, 6), None),
    # "to now" ends the span; it does not make it today alone
    ("台積電從去年到現在漲了多少", "range", date(2024, 1, 1), date(2025, 3, 6), None),
    ("2330 from last year to now", "range", date(2024, 1, 1), date(2025, 3, 6), None),
    ("2330 from 2025-01-02 to today", "range", date(2025, 1, 2), date(2025, 3, 6), None),
    ("台積電從1月到今天", "range", date(2025, 1, 1), date(2025, 3, 6), None),
    ("台積電今天收多少", "day", date(2025, 3, 6), date(2025, 3, 6), None),
    ("2330 between 2025-01-02 and 2025-02-03 since", "range", date(2025, 1, 2), date(2025, 2, 3), None),
    # a year written once serves both ends of a range
    ("2330 return from Jan 1 to Mar 31 2024", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    ("2330 from Dec 1 to Jan 31 2025", "range", date(2024, 12, 1), date(2025, 1, 31), None),
    ("台積電2024年12月1日到1月31日", "range", date(2024, 12, 1), date(2025, 1, 31), None),
    ("台積電2024年1月1日到3月31日的報酬", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    # two months joined: the whole span, not the last month alone
    ("2330 return between January and March 2024", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    ("2330 Jan-Mar 2024", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    ("2330 from January 2024 to March 2024", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    ("2330 from November to February", "range", date(2024, 11, 1), date(2025, 2, 28), None),
    ("台積電2024年1月到3月的表現", "range", date(2024, 1, 1), date(2024, 3, 31), None),
    ("台積電1至2月漲幅", "range", date(2025, 1, 1), date(2025, 2, 28), None),
    ("TSMC and MediaTek in February", "range", date(2025, 2, 1), date(2025, 2, 28), None),  # "and" joins companies
    ("will 2330 drop in may to 900", "range", date(2024, 5, 1), date(2024, 5, 31), None),  # "may to": no span
    # "N units ago": that day
    ("if I invested 100000 in 2330 a year ago", "day", date(2024, 3, 6), date(2024, 3, 6), None),
    ("2330 price 3 months ago", "day", date(2024, 12, 6), date(2024, 12, 6), None),
    ("一年前買一張台積電現在值多少", "day", date(2024, 3, 6), date(2024, 3, 6), None),
    ("台積電兩週前的收盤價", "day", date(2025, 2, 20), date(2025, 2, 20), None),
    ("2330 close 10 days ago", "day", date(2025, 2, 24), date(2025, 2, 24), None),
    ("TSMC stock price a month ago", "day", date(2025, 2, 6), date(2025, 2, 6), None),
    # month first, the US way; day first when the first number is no month
    ("2317 close 3/3/2025", "day", date(2025, 3, 3), date(2025, 3, 3), None),
    ("2330 from 1/2/2025 to 2/3/2025", "range", date(2025, 1, 2), date(2025, 2, 3), None),
    ("2330 on 25/2/2025", "day", date(2025, 2, 25), date(2025, 2, 25), None),
    # weeks: the Monday-to-Sunday week of a day; the n-th week of a month is its days 7n-6 to 7n
    ("2330 week of 2025-02-05", "range", date(2025, 2, 3), date(2025, 2, 9), None),
    ("台積電2025-02-05那週", "range", date(2025, 2, 3), date(2025, 2, 9), None),
    ("2330 in the first week of February 2025", "range", date(2025, 2, 1), date(2025, 2, 7), None),
    ("台積電2025年2月第二週", "range", date(2025, 2, 8), date(2025, 2, 14), None),
    ("台積電1月最後一週", "range", date(2025, 1, 25), date(2025, 1, 31), None),
    ("2330 last week of January 2025", "range", date(2025, 1, 25), date(2025, 1, 31), None),
    ("TSMC performance over the past quarter", "trailing", None, None, 63),
    ("台積電近一季表現", "trailing", None, None, 63),
])
def test_periods(message, kind, start, end, sessions):
    p = parse_period(message, date(2025, 3, 6))
    assert (p.kind, p.start, p.end, p.sessions) == (kind, start, end, sessions)


def test_the_as_of_clause_is_not_the_period_asked():
    assert parse_period("2330 close as of 2025-03-05", date(2025, 3, 5)).kind == "latest"


# --- the numbers ------------------------------------------------------------------------------
def test_one_day_in_english(store):
    a = ask(store, "What was TSMC's closing price on 2025-03-03?")
    assert a.route == "qa" and a.engine == ENGINE and a.fallback_reason is None
    assert "2025-03-03 (Monday): closed at 1,020.00, -1.92% from 1,040.00 on 2025-02-27" in a.answer
    assert "Open 1,000.00, high 1,020.00, low 1,000.00; 73,279,419 shares traded" in a.answer
    assert [b.date for b in a.bars] == [date(2025, 3, 3)]
    assert a.citations[0].source == "TWSE" and a.citations[0].date == "2025-03-03" and "[1]" in a.answer
    assert not a.notices


def test_one_day_in_chinese_counts_lots(store):
    a = ask(store, "台積電2025年3月3日收盤價多少")
    assert "2025-03-03（週一）收盤 1,020.00" in a.answer and "-1.92%" in a.answer
    assert "成交 73,279 張（73,279,419 股）" in a.answer


def test_weekend_and_holiday_say_why_and_show_the_day_before(store):
    weekend = ask(store, "2330 close on 2025-03-01")
    assert weekend.bars[0].date == date(2025, 2, 27)
    assert any("2025-03-01" in n and "weekend" in n for n in weekend.notices)
    holiday = ask(store, "2330 close on 2025-02-28")
    assert holiday.bars[0].date == date(2025, 2, 27)
    assert any("market holiday" in n for n in holiday.notices)


def test_range_reports_change_from_the_close_before_it(store):
    a = ask(store, "2330 price between 2025-03-03 and 2025-03-05")
    assert [b.date for b in a.bars] == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
    assert "closed at 1,025.00 on 2025-03-05, -1.44% from the 1,040.00 close on 2025-02-27" in a.answer
    assert "High 1,030.00 (2025-03-05), low 990.00 (2025-03-04)" in a.answer
    total = 73_279_419 + 70_879_417 + 45_086_222
    assert f"{total:,} shares traded in all ({total / 3:,.0f} a day)" in a.answer
    # 1,040 → 1,020 → 1,000 → 1,025: down, down, up
    assert "up on 1 of 3 sessions, down on 2;" in a.answer


def test_trailing_sessions(store):
    a = ask(store, "台積電過去2天股價")
    assert [b.date for b in a.bars] == [date(2025, 3, 4), date(2025, 3, 5)]
    assert "2 個交易日" in a.answer and f"日均 {(70_879_417 + 45_086_222) / 2 / 1000:,.0f} 張" in a.answer
    # The change runs from the close before the window (03-03: 1,020) to the last one (1,025).
    assert "（2025-03-03）1,020.00 +0.49%" in a.answer


def test_as_of_never_shows_a_bar_on_or_after_it(store):
    """The leak test: with as-of 2025-03-05, the 03-05 bar exists in the store and must not be used."""
    for message in ("2330 price today", "2330 close on 2025-03-05", "2330 price between 2025-03-01 and 2025-03-31",
                    "2330 volume past 10 days", "台積電最新股價"):
        a = ask(store, message, as_of=date(2025, 3, 5))
        assert a.bars and max(b.date for b in a.bars) < date(2025, 3, 5), message
        out = a.to_json()
        assert all(p["date"] < "2025-03-05" for p in out["prices"]), message
        assert all(c["date"] < "2025-03-05" and "2025-03-05" not in c["title"] for c in out["citations"]), message
        assert "1,025.00" not in a.answer and "1,030.00" not in a.answer, message
    late = ask(store, "2330 close on 2025-03-05", as_of=date(2025, 3, 5))
    assert any("as-of date 2025-03-05" in n for n in late.notices)


def test_stale_store_says_how_to_refresh(store):
    a = ask(store, "2330 price today", today=date(2025, 4, 1))
    assert a.bars[0].date == date(2025, 3, 5)
    assert any("`finqa ingest prices 2330`" in n and "27 days" in n for n in a.notices)
    zh = ask(store, "台積電上週表現如何", today=date(2025, 6, 4))
    assert not zh.bars and "上週沒有股價資料" in zh.answer and "finqa ingest prices 2330" in zh.answer
    assert "最新的月份 2025-03" in zh.answer  # the newest span it can answer instead
    # a span up to today on a stale store ends at its last bar, and says so
    since = ask(store, "2330 since 2025-02-27", today=date(2025, 4, 1))
    assert since.bars[-1].date == date(2025, 3, 5) and any("27 days" in n for n in since.notices)
    assert not any("days before" in n for n in ask(store, "2330 since 2025-02-27", today=date(2025, 3, 6)).notices)


def test_no_prices_stored(store):
    a = ask(store, "2454 price today", code="2454")
    assert not a.bars and "No prices for 2454" in a.answer and "`finqa ingest prices 2454`" in a.answer


def test_before_the_first_bar(store):
    a = ask(store, "2330 close on 2024-01-02")
    assert not a.bars and "start on 2025-02-26" in a.answer


def test_json_carries_the_bars(store):
    out = ask(store, "2330 close on 2025-03-04").to_json()
    assert out["engine"] == "qa:prices" and out["citations"][0]["n"] == 1
    assert out["prices"] == [{"code": "2330", "date": "2025-03-04", "open": 996.0, "high": 1010.0, "low": 990.0, "close": 1000.0,
                              "volume": 70_879_417.0, "source": "twse"}]


# --- around it: the QA engine, the router, the UI ---------------------------------------------
def test_qa_engine_answers_price_questions_without_a_model(store, data_dir):
    from assistant.engines.qa import QAEngine

    class NoModels:
        def load(self, spec):
            raise AssertionError("a price fact must not load a model")

    engine = QAEngine(settings=data_dir, manager=NoModels())
    answer = engine.run(EngineRequest(message="2330 close on 2025-03-04", code="2330"))
    assert answer.engine == ENGINE and answer.bars[0].close == 1000.0


@pytest.mark.parametrize("message, route", [
    ("2330 price today", "qa"), ("2330 close on March 1, 2025", "qa"), ("2330 volume past 10 days", "qa"),
    ("TSMC stock price in April 2025", "qa"), ("TSMC revenue guidance 2025", "qa"), ("TSMC 2025 capex", "qa"),
    ("2330 52-week high", "qa"), ("台積電52週新高", "qa"),
    ("2330 明天收盘价", "forecast"), ("will TSMC close higher tomorrow", "forecast"),
])
def test_router_sends_price_facts_and_fundamentals_to_qa(message, route):
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    slots = parse_slots(message)
    assert IntentClassifier().decide(message, slots).route == route


def test_a_look_back_is_not_a_horizon():
    from assistant.slots import parse_slots

    assert not parse_slots("2330 volume past 10 days").horizon_explicit
    assert not parse_slots("台積電過去10天股價").horizon_explicit
    assert not parse_slots("2330 52-week high").horizon_explicit  # was a 260-day forecast
    assert not parse_slots("台積電52週新高").horizon_explicit
    assert parse_slots("forecast 2330 next 10 days").horizon_days == 10


def test_ui_charts_the_period_and_nothing_after_it(store, data_dir):
    import ui

    answer = ask(store, "2330 price between 2025-03-03 and 2025-03-04")
    ctl = ui.ChatController(object(), data_dir, session_factory=dict)
    details, plot, table = ctl.result_views(answer)
    assert "daily prices 2025-03-03 to 2025-03-04" in details
    assert table.value["data"][-1][0] == "2025-03-04" and len(table.value["data"]) == 2
    fig = json.loads(plot.value["plot"])
    xs = fig["data"][0]["x"]
    assert xs[-1] == "2025-03-04" and "2025-03-05" not in xs and xs[0] == "2025-02-26"


def test_follow_ups_ask_the_same_of_another_company_or_period(store, data_dir):
    """"and 2454?" after a price answer gives 2454's bar for the same day; "what about DATE?" keeps
    the company and changes the day; a news question in between ends the price thread."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    store.upsert_bars([PriceBar(code="2454", date=date(2025, 3, 3), open=1490.0, high=1495.0, low=1465.0,
                                close=1470.0, volume=11_544_405)])
    settings = data_dir.model_copy(update={"cpu_only": True})
    asst, session = Assistant(settings), ChatSession()
    first = asst.answer("2330 close on 2025-03-03", session=session)
    assert first.engine == ENGINE and first.bars[0].close == 1020.0
    other = asst.answer("and 2454?", session=session)
    assert other.engine == ENGINE and other.code == "2454" and other.bars[0].date == date(2025, 3, 3)
    assert other.bars[0].close == 1470.0
    moved = asst.answer("what about 2025-03-04?", session=session)
    assert moved.engine == ENGINE and moved.code == "2454"  # the store holds only 03-03 for 2454:
    assert any("no bar for 2025-03-04 (not in the store)" in n for n in moved.notices)
    zh = asst.answer("那台積電呢？", session=session)
    assert zh.engine == ENGINE and zh.code == "2330" and zh.bars[0].date == date(2025, 3, 4)
    assert "收盤 1,000.00" in zh.answer
    news = asst.answer("Why did TSMC shares fall?", session=session)
    assert news.engine != ENGINE and session.last_price_question is None
    assert asst.answer("and 2454?", session=session).engine != ENGINE


def test_the_next_and_the_previous_day_move_by_one_stored_session(store, data_dir):
    """"and the next day?" after a day's price moves to the next stored session (over the
    holiday and the weekend), again from there, and back with "the day before?"/"前一天呢";
    an indicator question moves the same way; past the last visible bar it stays put."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    settings = data_dir.model_copy(update={"cpu_only": True})
    asst, session = Assistant(settings), ChatSession()
    assert asst.answer("2330 close on 2025-02-26", session=session).bars[0].date == date(2025, 2, 26)
    nxt = asst.answer("and the next day?", session=session)
    assert nxt.engine == ENGINE and nxt.bars[0].date == date(2025, 2, 27)
    assert asst.answer("the next day?", session=session).bars[0].date == date(2025, 3, 3)  # 02-28 closed, weekend
    assert asst.answer("前一天呢", session=session).bars[0].date == date(2025, 2, 27)
    assert asst.answer("the day before?", session=session).bars[0].date == date(2025, 2, 26)
    session = ChatSession()  # five stored sessions: a 2-day average is what they allow
    assert "at the 2025-03-04 close" in asst.answer("2330 MA2 on 2025-03-04", session=session).answer
    moved = asst.answer("and the next day?", session=session)
    assert "at the 2025-03-05 close" in moved.answer and "2-day moving average 1,012.50" in moved.answer
    # As of 03-05, there is no next visible session after 03-04: the day stays.
    cut = ChatSession()
    asst.answer("2330 close on 2025-03-04", session=cut, as_of=date(2025, 3, 5))
    assert asst.answer("and the next day?", session=cut, as_of=date(2025, 3, 5)).bars[0].date == date(2025, 3, 4)


def test_compare_with_another_company_puts_both_side_by_side_over_the_span_asked(store, data_dir):
    """"compare with 2454" / "跟聯發科比呢" after "2330 in March 2025": both companies' March, not
    a news search for the comparison, and not their last day."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6)
                       for d, c in ((date(2025, 2, 27), 1500.0), (date(2025, 3, 3), 1470.0), (date(2025, 3, 5), 1350.0))])
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    for first, follow in (("2330 price in March 2025", "compare with MediaTek"), ("台積電2025年3月表現", "跟聯發科比呢"),
                          # (these two had searched the news for the comparison)
                          ("2330 price in March 2025", "how does it compare to MediaTek?"), ("台積電2025年3月表現", "它跟聯發科比呢")):
        session = ChatSession()
        asst.answer(first, session=session, as_of=date(2025, 3, 6))
        a = asst.answer(follow, session=session, as_of=date(2025, 3, 6))
        assert a.engine == ENGINE and {b.code for b in a.bars} == {"2330", "2454"}, follow
        assert min(b.date for b in a.bars) == date(2025, 3, 3)  # the March span, both companies
        assert "2454 -10.00%" in a.answer and "2330 -1.44%" in a.answer  # from the 02-27 closes
        # "which is better?" next: the same two over the same span, and no pick
        better = asst.answer("哪個比較好" if follow.startswith("跟") else "which one is better?", session=session,
                             as_of=date(2025, 3, 6))
        assert better.engine == ENGINE and {b.code for b in better.bars} == {"2330", "2454"}, follow
        assert "2454 -10.00%" in better.answer and ("does not tell you" in better.answer or "不替你決定" in better.answer)
    session = ChatSession()  # one company an answer, then "their correlation": the last two asked about
    asst.answer("2330 max drawdown", session=session, as_of=date(2025, 3, 6))
    asst.answer("and 2454?", session=session, as_of=date(2025, 3, 6))
    corr = asst.answer("它們的相關性", session=session, as_of=date(2025, 3, 6))  # both asked of, too few sessions
    assert corr.answer.startswith("2330 台積電、2454 聯發科 在資料庫中只有 2 個共同交易日的報酬")
    fresh = asst.answer("compare with MediaTek", session=ChatSession(), as_of=date(2025, 3, 6))
    assert fresh.engine == ENGINE and {b.code for b in fresh.bars} == {"2454"}  # nothing to compare with yet


def test_a_period_named_in_words_is_named_back(store):
    a = ask(store, "2330 price this week")  # today is Thursday 2025-03-06
    assert [b.date for b in a.bars] == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
    assert "(3 trading days; you asked about this week)" in a.answer
    assert "you asked about" not in ask(store, "2330 volume past 2 days").answer
    short = ask(store, "2330 52-week high")
    assert len(short.bars) == 5 and "High 1,065.00 (2025-02-26)" in short.answer
    assert any("only 5 of the 260 trading days" in n for n in short.notices)


def test_several_companies_are_answered_each_and_compared(store, data_dir, monkeypatch):
    """"compare TSMC and MediaTek …": a paragraph and a source per company, the changes side by
    side (best first), a company without bars says so; the UI rebases both to 100."""
    import ui

    store.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6)
                       for d, c in ((date(2025, 2, 27), 1500.0), (date(2025, 3, 3), 1530.0),
                                    (date(2025, 3, 4), 1560.0), (date(2025, 3, 5), 1545.0))])
    a = price_answer(EngineRequest(message="compare TSMC and MediaTek stock price between 2025-03-03 and 2025-03-05",
                                   code="2330", codes=["2330", "2454", "2317"]), store, today=date(2025, 3, 6))
    assert [c.n for c in a.citations] == [1, 2] and "[1]" in a.answer and "[2]" in a.answer
    assert "2454 MediaTek" in a.citations[1].title
    assert "Side by side: 2454 +3.00%, 2330 -1.44%." in a.answer  # 1,500 → 1,545; 1,040 → 1,025
    assert "No prices for 2317" in a.answer
    assert {b.code for b in a.bars} == {"2330", "2454"}
    details, plot, table = ui.ChatController(object(), data_dir, session_factory=dict).result_views(a)
    fig = json.loads(plot.value["plot"])
    assert [t["name"] for t in fig["data"]] == ["2330", "2454"]
    assert fig["data"][1]["y"][0] == 100.0 and abs(fig["data"][1]["y"][-1] - 103.0) < 1e-9
    assert table.value["headers"][0] == "code" and len(table.value["data"]) == 6
    monkeypatch.setattr(ui, "PRICE_TABLE_ROWS", 2)  # a long period: each company keeps its newest rows
    _, _, short = ui.ChatController(object(), data_dir, session_factory=dict).result_views(a)
    assert [(r[0], r[1]) for r in short.value["data"]] == [("2330", "2025-03-04"), ("2330", "2025-03-05"),
                                                           ("2454", "2025-03-04"), ("2454", "2025-03-05")]


def test_how_is_it_doing_gets_the_recent_trend(store):
    """No period asked: the latest day plus the last 5 / 20 / 60 sessions (those the history has)."""
    import pandas as pd

    days = [d.date() for d in pd.bdate_range("2025-01-02", periods=25)]
    store.upsert_bars([PriceBar(code="2454", date=d, open=100.0 + i, high=100.0 + i, low=100.0 + i, close=100.0 + i,
                                volume=1e6) for i, d in enumerate(days)])
    a = ask(store, "How is MediaTek stock doing?", code="2454", today=days[-1])
    assert a.engine == ENGINE and a.bars[0].close == 124.0
    assert "Over the last 5 trading days +4.20%, 20 trading days +19.23%." in a.answer  # 119 → 124, 104 → 124
    assert "60 trading days" not in a.answer
    assert "trading days" not in ask(store, "2454 close on 2025-02-03", code="2454", today=days[-1]).answer


def test_a_date_that_is_no_day_is_said_not_ignored(store):
    a = ask(store, "2330 close on 2025-02-30")
    assert not a.bars and "no such day as '2025-02-30'" in a.answer
    assert "日曆上沒有「2025年2月30日」" in ask(store, "台積電2025年2月30日收盤價").answer
    assert parse_period("2330 close on Feb 30, 2025", date(2025, 3, 6)).kind == "invalid"


def test_all_time_is_the_stored_history_and_says_so(store):
    a = ask(store, "what's TSMC's all-time high?")
    assert len(a.bars) == 5 and "High 1,065.00 (2025-02-26)" in a.answer and "you asked about" not in a.answer
    assert any("the stored history, since 2025-02-26" in n for n in a.notices)
    zh = ask(store, "台積電歷史新高是多少")
    assert "最高 1,065.00（2025-02-26）" in zh.answer and any("不是上市以來的完整紀錄" in n for n in zh.notices)
    since = ask(store, "How much has TSMC gained since it listed?")  # it had quoted news
    assert len(since.bars) == 5 and any("not the whole history since listing" in n for n in since.notices)
    assert len(ask(store, "台積電掛牌以來漲多少").bars) == 5
    for asked in ("台積電歷史最高價是多少", "台積電有史以來最高價", "台積電歷來最高收盤"):  # these had been the last day
        other = ask(store, asked)
        assert len(other.bars) == 5 and "最高 1,065.00（2025-02-26）" in other.answer, asked


def test_a_news_question_about_a_day_long_after_the_store_gets_no_bar_beside_it(store):
    """The bar shown beside the news must be the day's (or the last session before it), not one
    from months earlier; the notice says the store is out of date instead."""
    from assistant.price_facts import period_prices

    notices: list[str] = []
    assert period_prices(store, "2330", "what happened to TSMC on 2025-06-20?", today=date(2025, 7, 1), notices=notices) is None
    assert any("finqa ingest prices 2330" in n for n in notices)
    near = period_prices(store, "2330", "what happened to TSMC on 2025-03-08?", today=date(2025, 7, 1))
    assert near is not None and near.bars[-1].date == date(2025, 3, 5)  # a weekend: the session before


@pytest.mark.parametrize("message, anchored, label", [
    ("Why did MediaTek drop in April?", "Why did MediaTek drop in April 2025?", "2025-04"),
    ("台積電4月股價", "台積電2025年4月股價", "2025-04"),
    ("TSMC close on April 7", "TSMC close on April 7, 2025", "2025-04-07"),
    ("2330 4月7日收盤", "2330 2025年4月7日收盤", "2025-04-07"),
    ("2330 close on 7 April", "2330 close on 7 April 2025", "2025-04-07"),
    ("TSMC in December", "TSMC in December 2024", "2024-12"),  # after the store's end in its own year
    ("2330 since March", "2330 since March 2025", "since 2025-03-01"),
    ("台積電第一季漲幅", "台積電2025年第一季漲幅", "2025-Q1"),  # a quarter or half with no year
    ("TSMC Q3 performance", "TSMC Q3 2024 performance", "2024-Q3"),
    ("2330 second half", "2330 second half 2024", "2024-H2"),
    ("bought 2330 at the April low", "bought 2330 at the April 2025 low", "2025-04"),  # a month's extreme
    ("How did Taiwanese stocks react to the April tariff announcement?",  # a month's event (it had been the latest day)
     "How did Taiwanese stocks react to the April 2025 tariff announcement?", "2025-04"),
    ("TSMC news in early April", "TSMC news in early April 2025", "2025-04"),
])
def test_a_yearless_date_after_a_stale_store_s_end_reads_as_the_latest_it_covers(message, anchored, label):
    from assistant.periods import anchor_yearless

    out, notice = anchor_yearless(message, date(2026, 11, 30), date(2025, 5, 29))
    assert out == anchored and label in notice and "2025-05-29" in notice
    # A store that covers the month, a year named, or no date: nothing changes.
    assert anchor_yearless(message, date(2025, 6, 2), date(2025, 5, 30)) == (message, None)
    assert anchor_yearless(message, date(2026, 11, 30), None) == (message, None)


@pytest.mark.parametrize("message", ["TSMC in April 2025", "2330 price", "2330 last week", "2330 2025年4月7日收盤",
                                     'classify: "Quanta\'s Q1 profit fell 20% on weak server demand"',
                                     "「台積電4月營收創新高」是利多嗎"])  # a quoted headline's dates are its own
def test_questions_with_a_year_or_no_named_date_are_not_anchored(message):
    from assistant.periods import anchor_yearless

    assert anchor_yearless(message, date(2026, 11, 30), date(2025, 5, 29)) == (message, None)


def test_a_yearless_as_of_day_on_a_stale_store_is_anchored_and_applied():
    from assistant.periods import anchor_yearless
    from assistant.slots import parse_as_of

    out, notice = anchor_yearless("forecast 2330 as of March 1", date(2026, 11, 30), date(2025, 5, 29))
    assert out == "forecast 2330 as of March 1, 2025" and "2025-03-01" in notice
    assert parse_as_of(out)[0] == date(2025, 3, 1)
    # On a store that covers it (or none), the latest such day up to today, said too.
    for end in (date(2026, 11, 27), None):
        out, notice = anchor_yearless("forecast 2330 as of March 1", date(2026, 11, 30), end)
        assert parse_as_of(out)[0] == date(2026, 3, 1) and "The as-of date reads as 2026-03-01" in notice
    out, notice = anchor_yearless("截至3月1日 台積電新聞情緒", date(2026, 11, 30), date(2026, 11, 27))
    assert parse_as_of(out)[0] == date(2026, 3, 1) and "查詢基準日以 2026-03-01 解讀" in notice
    assert anchor_yearless("2330 in April", date(2026, 11, 30), date(2026, 11, 27)) == ("2330 in April", None)


def test_a_day_ahead_is_not_moved_into_the_stores_past(store, data_dir):
    """"Forecast 2330 until Christmas" asks about days ahead: the store's end does not turn it into
    last Christmas (a yearless as-of day still is anchored: it dates the question)."""
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    notices: list[str] = []
    assert asst._anchor_dates("forecast 2330 until Christmas", None, notices) == "forecast 2330 until December 25"
    assert asst._anchor_dates("will 2330 rise by March 3?", None, notices) == "will 2330 rise by March 3?" and not notices
    assert asst._anchor_dates("forecast 2330 as of March 1", None, notices) == "forecast 2330 as of March 1, 2025"
    assert asst._anchor_dates("2330 close on March 3", None, []) == "2330 close on March 3, 2025"


def test_the_assistant_reads_april_as_the_stores_april_and_follow_ups_keep_it(store, data_dir):
    """The store ends 2025-03-05 and today is much later: "February" is February 2025."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    store.upsert_bars([PriceBar(code="2454", date=date(2025, 2, 27), open=1.0, high=1.0, low=1.0, close=1400.0, volume=1.0)])
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    a = asst.answer("2330 in February", session=session)
    assert a.engine == ENGINE and [b.date for b in a.bars][-1] == date(2025, 2, 27)
    assert any("a date without a year is read as the latest one they cover: 2025-02" in n for n in a.notices)
    other = asst.answer("and 2454?", session=session)
    assert other.code == "2454" and [b.date for b in other.bars] == [date(2025, 2, 27)]


@pytest.mark.parametrize("message, written", [
    ("2330 close on Christmas 2024", "2330 close on December 25 2024"),
    ("2330 on Christmas of 2024", "2330 on December 25 2024"),
    ("TSMC on christmas eve, 2024", "TSMC on December 24, 2024"),
    ("2330 on New Year’s Eve 2024", "2330 on December 31 2024"),
    ("2330 on new year's day 2025", "2330 on January 1 2025"),
    ("2024年聖誕節台積電收盤價", "2024年12月25日台積電收盤價"),
    ("2024年的聖誕節台積電", "2024年12月25日台積電"),
    ("2024年雙十節台積電", "2024年10月10日台積電"),
    ("a new year for TSMC", "a new year for TSMC"),  # no day named
    ("TSMC's new year's resolution", "TSMC's new year's resolution"),
    # months and days in Chinese numerals, in digits; a length or a quarter is no month
    ("台積電四月平均成交量", "台積電4月平均成交量"), ("十二月", "12月"), ("十一月表現", "11月表現"), ("四月七日", "4月7日"),
    ("十月三十一號", "10月31號"), ("一月到三月", "1月到3月"), ("三個月", "三個月"), ("第一季", "第一季"), ("每一月", "每一月"),
    # a month/day with a slash and no year, month first; never a fraction, a ratio or a dated day
    ("2330 收盤價 5/20", "2330 收盤價 5月20日"), ("2330 close on 5/20", "2330 close on May 20"),
    ("TSMC 12/31 close", "TSMC December 31 close"), ("2330 on 2/29", "2330 on February 29"),
    ("2330 close 5/20/2025", "2330 close 5/20/2025"), ("2025/5/20 台積電", "2025/5/20 台積電"),
    ("sell 1/2 of my 2330", "sell 1/2 of my 2330"), ("賣掉1/3的持股", "賣掉1/3的持股"), ("24/7 trading", "24/7 trading"),
    ("2330 2/30", "2330 2/30"), ("2330 up 3/5%", "2330 up 3/5%"), ("1/2 split of 2330", "1/2 split of 2330"),
    ("2330 1/2 張", "2330 1/2 張"), ("台股4/9反彈多少", "台股4月9日反彈多少"), ("台積電3/15收多少", "台積電3月15日收多少"),
    ("1/2股", "1/2股"),
    # Taiwan's 民國 years, as TWSE writes them; never a length of time or the 240-day average (年線)
    ("台積電 114/04/07 收盤", "台積電 2025-04-07 收盤"), ("台積電 114.4.7", "台積電 2025-04-07"),
    ("台積電 114年4月7日 收盤價", "台積電 2025年4月7日 收盤價"), ("聯發科民國114年4月表現", "聯發科2025年4月表現"),
    ("台積電113年第四季", "台積電2024年第四季"), ("台積電100年4月", "台積電2011年4月"), ("民國 99 年", "2010年"),
    ("過去100年", "過去100年"), ("110年來", "110年來"), ("2330 年線", "2330 年線"), ("1101年線", "1101年線"),
    ("2025年4月", "2025年4月"),
])
def test_fixed_date_holidays_are_written_as_their_dates(message, written):
    from assistant.periods import named_days

    assert named_days(message) == written


def test_a_holiday_names_its_day_for_the_whole_assistant(store, data_dir):
    """"2330 close on Christmas 2024" is 2024-12-25's bar, not the latest one; a holiday without a
    year on a store that ended before it is the latest one the store covers, said so."""
    from assistant.service import Assistant

    store.upsert_bars([PriceBar(code="2330", date=date(2024, 12, d), open=1.0, high=1.0, low=1.0, close=900.0 + d, volume=1.0)
                       for d in (24, 25, 26)])
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("2330 close on Christmas 2024")
    assert a.engine == ENGINE and [b.date for b in a.bars] == [date(2024, 12, 25)] and "925.00" in a.answer
    zh = asst.answer("2024年平安夜台積電收盤價")
    assert [b.date for b in zh.bars] == [date(2024, 12, 24)]
    yearless = asst.answer("2330 close on Christmas")
    assert [b.date for b in yearless.bars] == [date(2024, 12, 25)]
    assert any("read as the latest one they cover: 2024-12-25" in n for n in yearless.notices)


@pytest.mark.parametrize("message, label", [
    ("台積電第一季漲幅", "2026-Q1"), ("TSMC Q1 performance", "2026-Q1"), ("2330 first quarter", "2026-Q1"),
    ("2330 上半年", "2026-H1"), ("2330 H2", "2026-H2"), ("2330 第4季度", "2026-Q4"),  # Q4 began on 2026-10-01
    ("2330 Q4", "2026-Q4"), ("2330 2025年第一季", "2025-Q1"), ("2330 2025 q1", "2025-Q1"), ("2025 第一季 2330", "2025-Q1"),
    ("2330 q1 this year", "2026-Q1"), ("今年第一季台積電", "2026-Q1"), ("Q1 2330 earnings", "latest"),
    # a year written after, in English, serves a quarter named before it
    ("2330 first quarter vs second quarter of 2025", "2025-Q1"), ("2330 Q1 and Q2 in 2024", "2024-Q1"),
    ("台積電第一季和2024年第四季", "2026-Q1"),  # Chinese writes the year before its own quarter
])
def test_a_quarter_or_half_without_a_year_is_the_latest_that_began(message, label):
    """On 2026-12-05: the latest such quarter or half that began on or before the day (a stock
    code beside it, 2330, is no year; a year written beside it is kept)."""
    assert parse_period(message, date(2026, 12, 5)).label == label


def test_a_quarter_that_has_not_begun_is_last_years():
    assert parse_period("2330 Q4", date(2026, 9, 30)).label == "2025-Q4"
    assert parse_period("2330 H2", date(2026, 9, 30)).label == "2026-H2"
    assert parse_period("台積電第三季", date(2026, 6, 30)).label == "2025-Q3"


# --- records: highest and lowest closes, new highs, limit days ----------------------------------
def test_the_highest_close_and_new_highs_are_read_from_the_closes(store):
    """No period named: the whole stored history. Closes, not intraday highs (1,065 on 02-26/27)."""
    a = ask(store, "When did 2330 hit its highest close?")
    assert "Highest close 1,060.00 (2025-02-26), lowest close 1,000.00 (2025-03-04)." in a.answer
    assert any("All-time here means the stored history" in n for n in a.notices)
    zh = ask(store, "台積電股價創新高了嗎")
    assert "最後收盤 1,025.00（2025-03-05）距離最高收盤 -3.30%：沒有創新高。" in zh.answer
    low = ask(store, "is 2330 at a new low?")
    assert "is +2.50% from that lowest close: no new low." in low.answer
    # Point in time: as of 03-05 the last visible close (03-04, 1,000) is the lowest yet.
    then = ask(store, "is 2330 at a new low?", as_of=date(2025, 3, 5))
    assert "The last close, 1,000.00 on 2025-03-04, is the span's lowest: a new low." in then.answer
    assert all(b.date < date(2025, 3, 5) for b in then.bars)
    # A period named: the records of that period only.
    march = ask(store, "2330 highest close in March 2025")
    assert "Highest close 1,025.00 (2025-03-05), lowest close 1,000.00 (2025-03-04)." in march.answer
    plain = ask(store, "2330 price in March 2025")
    assert "Highest close" not in plain.answer  # only asked for, not on every range


def test_limit_days_of_one_company(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    closes = [(date(2025, 4, 1), 100.0), (date(2025, 4, 2), 90.0), (date(2025, 4, 3), 99.0), (date(2025, 4, 7), 89.1),
              (date(2025, 4, 8), 89.5)]
    s.upsert_bars([PriceBar(code="2454", date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in closes])
    a = ask(s, "how many times did 2454 close limit down in April 2025", code="2454", today=date(2025, 5, 1))
    assert "Closed limit down on 2 days (2025-04-02, 2025-04-07) and limit up on 1 (2025-04-03)." in a.answer
    zh = ask(s, "聯發科跌停幾天", code="2454", today=date(2025, 5, 1))
    assert "收在跌停 2 天（2025-04-02、2025-04-07），收在漲停 1 天（2025-04-03）。" in zh.answer
    s.upsert_bars([PriceBar(code="0050", date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in closes])
    etf = ask(s, "0050 limit down days", code="0050", today=date(2025, 5, 1))
    assert "limit days are not counted" in etf.answer


def test_a_span_day_by_day_lists_each_close_and_its_change(store):
    a = ask(store, "list 2330 closes in March 2025")
    assert "- 2025-03-03 (Mon) close 1,020.00 (-1.92%)\n- 2025-03-04 (Tue) close 1,000.00 (-1.96%)\n" in a.answer
    assert "- 2025-03-05 (Wed) close 1,025.00 (+2.50%)" in a.answer  # 1,020 / 1,040 (02-27, before the period)
    zh = ask(store, "台積電2025年3月每天收盤價")
    assert "- 2025-03-04（週二）收盤 1,000.00（-1.96%）" in zh.answer
    daily = ask(store, "2330 daily returns in March 2025")  # not the return of one investment
    assert "- 2025-03-05 (Wed) close 1,025.00 (+2.50%)" in daily.answer and daily.engine == ENGINE
    plain = ask(store, "2330 price in March 2025")
    assert "(Mon) close" not in plain.answer


@pytest.mark.parametrize("message", ["2330 OHLC in March 2025", "2330 open high low close March 2025",
                                     "台積電2025年3月開高低收"])
def test_ohlc_over_a_span_lists_each_session_s_four_prices(store, message):
    from assistant.price_format import fmt_price

    assert is_price_question(message, "2330")
    a = ask(store, message)
    bar = next(b for b in BARS if b[0] == date(2025, 3, 4))
    o, h, lo, c = (fmt_price(x) for x in bar[1:5])
    v = bar[5]
    if "台積電" in message:
        assert f"- 2025-03-04（週二）開 {o}、高 {h}、低 {lo}、收盤 {c}（-1.96%），成交 {v / 1000:,.0f} 張" in a.answer
    else:
        assert f"- 2025-03-04 (Tue) open {o}, high {h}, low {lo}, close {c} (-1.96%); volume {v:,.0f}" in a.answer


def test_a_yearless_slash_date_is_that_day_for_the_whole_assistant(store, data_dir):
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    for message in ("2330 close on 3/4", "台積電 收盤價 3/4", "台積電 114/03/04 收盤", "台積電民國114年3月4日收盤價"):
        a = asst.answer(message)
        assert a.engine == ENGINE and [b.date for b in a.bars] == [date(2025, 3, 4)], message


@pytest.mark.parametrize("message, start, end", [
    ("2330 vs 2454 vs 2317 YTD 2024", date(2024, 1, 1), date(2024, 12, 31)),  # 2317 is no year
    ("2330 2024 year-to-date", date(2024, 1, 1), date(2024, 12, 31)),
    ("2330 ytd", date(2025, 1, 1), date(2025, 3, 6)),
])
def test_ytd_with_a_year_is_that_year(message, start, end):
    p = parse_period(message, date(2025, 3, 6))
    assert (p.kind, p.start, p.end) == ("range", start, end)


def test_gap_days_open_beyond_the_previous_days_range(store):
    """03-03 opened at 1,000, below 02-27's low of 1,040, and 03-04 at 996, below 03-03's low of
    1,000: gaps down; 03-05 opened at 1,020, above 03-04's high of 1,010: a gap up; 02-27 opened
    at 1,065, inside 02-26's range up to 1,065."""
    a = ask(store, "2330 gap up days")
    assert ("Gapped up (opened above the previous day's high) on 1 day (2025-03-05; the widest on 2025-03-05 (+0.99% "
            "from the previous day's high)) and gapped down (opened below its low) on 2 (2025-03-03, 2025-03-04; the "
            "widest on 2025-03-03 (-3.85% from the previous day's low)).") in a.answer
    zh = ask(store, "台積電2025年3月跳空")
    assert ("跳空上漲（開盤高於前一日最高價）1 天（2025-03-05；最大一次 2025-03-05（+0.99%）），跳空下跌（開盤低於前一日最低價）2 天"
            "（2025-03-03、2025-03-04；最大一次 2025-03-03（-3.85%））。") in zh.answer
    assert "the widest on 2025-03-03 (-3.85%" in ask(store, "what was the biggest gap down for 2330?").answer
    # One day asked: its open against the session before, by the same rule.
    assert ("It gapped up: the open, 1,020.00, was above the previous session's (2025-03-04) high of 1,010.00 (+0.99%)."
            in ask(store, "did 2330 gap up on 2025-03-05?").answer)
    assert "跳空下跌：開盤 1,000.00 低於前一日（2025-02-27）最低價 1,040.00（-3.85%）。" in ask(store, "台積電2025年3月3日有跳空嗎").answer
    assert ("No gap: the open, 1,065.00, was inside the previous session's (2025-02-26) range of 1,045.00–1,065.00."
            in ask(store, "did 2330 gap up on 2025-02-27?").answer)


def test_a_price_asked_in_us_dollars_says_it_is_not_converted(store):
    a = ask(store, "2330 price in USD")
    assert any("finqa stores no exchange rates" in n for n in a.notices) and "1,025.00" in a.answer
    assert any("不換算成美元" in n for n in ask(store, "台積電股價換成美元").notices)
    assert not any("exchange rates" in n for n in ask(store, "2330 price").notices)
    # with no other price word ("what's 2330 in dollars?", "台積電美金多少"): still its price, said in NT$
    for message in ("what's 2330 in dollars?", "台積電美金多少"):
        dollars = ask(store, message)
        assert dollars is not None and "1,025.00" in dollars.answer and any("NT$" in n for n in dollars.notices), message
    assert not is_price_question("TSMC revenue in USD", "2330")


def test_value_traded_and_the_average_price_when_the_source_gives_them(data_dir):
    """TWSE gives 成交金額: the day's value and VWAP (value / shares) are shown beside the shares,
    in 億 for Chinese; a value whose average price falls outside the day's range (lots against
    shares) is not shown at all."""
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code="2330", date=date(2025, 5, 28), open=984.0, high=985.0, low=967.0, close=967.0,
                            volume=31_929_816, turnover=31_118_690_000.0),
                   PriceBar(code="2330", date=date(2025, 5, 29), open=986.0, high=986.0, low=967.0, close=967.0,
                            volume=64_850_290, turnover=62_982_593_605.0),
                   PriceBar(code="2454", date=date(2025, 5, 29), open=1285.0, high=1305.0, low=1260.0, close=1260.0,
                            volume=20_205_556, turnover=25_000_000.0)])  # a value in thousands: inconsistent
    a = ask(s, "2330 turnover on 2025-05-29", today=date(2025, 5, 30))
    vwap = 62_982_593_605.0 / 64_850_290
    assert f"64,850,290 shares traded (NT$62,982,593,605, an average price of {vwap:,.2f})" in a.answer
    zh = ask(s, "台積電2025年5月29日成交值", today=date(2025, 5, 30))
    assert f"成交值 629.83 億元、均價 {vwap:,.2f}" in zh.answer
    both = ask(s, "2330 turnover from 2025-05-28 to 2025-05-29", today=date(2025, 5, 30))
    assert f"worth NT${31_118_690_000 + 62_982_593_605:,.0f}" in both.answer
    odd = ask(s, "2454 price on 2025-05-29", code="2454", today=date(2025, 5, 30))
    assert "20,205,556 shares traded." in odd.answer and "average price" not in odd.answer


def test_volume_in_lots_when_an_english_question_asks(store):
    a = ask(store, "what's the trading volume of TSMC on 2025-03-04 in lots")
    assert "70,879,417 shares (70,879 lots) traded" in a.answer
    span = ask(store, "2330 volume in lots in March 2025")
    assert f"{73_279_419 + 70_879_417 + 45_086_222:,.0f} shares (189,245 lots) traded in all" in span.answer
    assert "lots)" not in ask(store, "2330 volume on 2025-03-04").answer
    assert "lots)" not in ask(store, "2330 close on 2025-03-04: did it move a lot?").answer


def test_a_span_month_by_month_and_week_by_week(data_dir):
    """Each month's (week's) last close and its change from the close that ended the one before,
    then the best and the worst; "monthly returns" is no single investment's return."""
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    closes = [(date(2025, 1, 30), 100.0), (date(2025, 1, 31), 100.0), (date(2025, 2, 3), 104.0), (date(2025, 2, 28), 110.0),
              (date(2025, 3, 3), 105.0), (date(2025, 3, 31), 99.0)]
    s.upsert_bars([PriceBar(code="2330", date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in closes])
    a = ask(s, "2330 monthly returns from February to March 2025", today=date(2025, 4, 1))
    assert "- 2025-02: close 110.00 (+10.00%)\n- 2025-03: close 99.00 (-10.00%)" in a.answer
    assert "Best month: 2025-02 (+10.00%); worst month: 2025-03 (-10.00%)." in a.answer and a.engine == ENGINE
    assert "On average +0.00% a month (median +0.00%); up in 1 of 2." in a.answer  # (+10% - 10%) / 2
    zh = ask(s, "台積電每月漲跌", today=date(2025, 4, 1))  # no period: the whole stored history
    assert "- 2025-01：收盤 100.00\n- 2025-02：收盤 110.00（+10.00%）" in zh.answer
    assert "表現最好的月：2025-02（+10.00%）" in zh.answer
    assert "平均每月 +0.00%（中位數 +0.00%），2 個月中上漲 1 個月。" in zh.answer
    which = ask(s, "which month was best for 2330 in 2025?", today=date(2025, 4, 1))
    assert "Best month: 2025-02 (+10.00%)" in which.answer
    best = ask(s, "台積電2025年最好的月份", today=date(2025, 4, 1))  # it had searched the news
    assert "表現最好的月：2025-02（+10.00%）；最差的月：2025-03（-10.00%）" in best.answer
    worst_week = ask(s, "台積電2025年表現最差的一週", today=date(2025, 4, 1))  # a week of the past, no week ahead
    assert "當週" in worst_week.answer and "最差的週" in worst_week.answer
    weeks = ask(s, "2330 weekly closes in February 2025", today=date(2025, 4, 1))
    assert "- week of 2025-02-03: close 104.00 (+4.00%)\n- week of 2025-02-24: close 110.00 (+5.77%)" in weeks.answer
    # quarter by quarter (they had searched the news); a quarter the history only partly covers says so
    s.upsert_bars([PriceBar(code="2330", date=date(2025, 4, 10), open=88.0, high=88.0, low=88.0, close=88.0, volume=1e6)])
    quarters = ask(s, "which quarter was best for TSMC?", today=date(2025, 4, 11))
    assert "- 2025-Q1 (from 2025-01-30): close 99.00\n- 2025-Q2 (to 2025-04-10): close 88.00 (-11.11%)" in quarters.answer
    zh = ask(s, "台積電哪一季表現最好", today=date(2025, 4, 11))
    assert "- 2025-Q1（自 2025-01-30 起）：收盤 99.00" in zh.answer


def test_the_average_close_and_the_volume_weighted_price_of_a_span(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code="2330", date=date(2025, 3, 3), open=100.0, high=101.0, low=99.0, close=100.0, volume=1_000,
                            turnover=100_000.0),
                   PriceBar(code="2330", date=date(2025, 3, 4), open=110.0, high=111.0, low=109.0, close=110.0, volume=3_000,
                            turnover=330_000.0)])
    a = ask(s, "2330 average price in March 2025", today=date(2025, 4, 1))
    assert "Average close 105.00; volume-weighted average price 107.50." in a.answer  # 430,000 / 4,000
    zh = ask(s, "台積電2025年3月均價", today=date(2025, 4, 1))
    assert "期間平均收盤 105.00、成交量加權均價 107.50。" in zh.answer
    s.upsert_bars([PriceBar(code="2454", date=date(2025, 3, 3), open=10.0, high=10.0, low=10.0, close=10.0, volume=1e3)])
    assert "Average close 10.00." in ask(s, "2454 average close in March 2025", code="2454", today=date(2025, 4, 1)).answer


def test_an_adr_question_gets_the_taiwan_listing_and_says_so(store, data_dir):
    """"TSMC ADR price": finqa stores the TWSE listing, not TSM on the NYSE; the answer is the
    Taiwan price with the notice the ticker "TSM" gets too (``slots.adr_notice``), never the NT$
    price passed off as the ADR's."""
    a = ask(store, "TSMC ADR price")
    assert a.engine == "qa:prices" and "1,025.00" in a.answer
    assert any("TSM is the US ADR of 2330" in n and "5 shares" in n and "in NT$" in n for n in a.notices)
    assert any("TSM 是 2330" in n and "美國存託憑證（ADR，一單位等於 5 股）" in n for n in ask(store, "台積電ADR股價").notices)
    from assistant.service import Assistant

    both = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("TSM ADR price")  # the ticker and the word
    assert both.code == "2330" and sum("TSM is the US ADR" in n for n in both.notices) == 1
    assert not any("ADR" in n for n in ask(store, "2330 price").notices)


# --- runs, the last close beyond a price, the last N closes, a day's range --------------------------
@pytest.mark.parametrize("message", [
    "how many days in a row has 2330 fallen?", "聯發科連跌幾天", "2330 longest winning streak", "台積電連續上漲幾天",
    "when did 2330 last close above 1000?", "台積電上次站上1000是什麼時候", "2330 last 3 closes", "台積電近五日收盤價",
    "2330 intraday range yesterday", "台積電昨天振幅",
])
def test_runs_levels_and_lists_are_price_questions(message):
    assert is_price_question(message, "2330")


def test_the_current_run_and_the_longest_ones_come_from_the_closes(store):
    """Closes 1060, 1040, 1020, 1000, 1025: three falls (02-27..03-04, -5.66% from 1060), then a rise."""
    a = ask(store, "how many days in a row has 2330 fallen?")
    assert "As of 2025-03-05, only the last session closed up (+2.50%); the one before did not." in a.answer
    assert "Longest falling run: 3 sessions (2025-02-27 to 2025-03-04, -5.66%)." in a.answer
    assert "Longest rising run: 1 session (2025-03-05 to 2025-03-05, +2.50%)." in a.answer
    then = ask(store, "聯發科連跌幾天", as_of=date(2025, 3, 5))  # point in time: the 03-05 rise is not seen
    assert "截至 2025-03-04，已連續 3 個交易日收跌（自 2025-02-27 起 -5.66%）。" in then.answer


def test_the_last_close_beyond_a_price(store):
    assert "The last close above 1,030.00 was on 2025-02-27 (1,040.00); none of the 3 sessions since has been." in ask(
        store, "when did 2330 last close above 1030?").answer
    assert "The latest close, 1,025.00 on 2025-03-05, is above 1,020.00: 1 session in a row (since 2025-03-05)." in ask(
        store, "when did 2330 last close above 1020?").answer  # 03-03 closed at 1,020: not above
    assert "最後一次收盤低於 1,010.00 是 2025-03-04（1,000.00），之後 1 個交易日都沒有。" in ask(store, "台積電上次跌破1010是什麼時候").answer
    assert "No close above 2,000.00 in the span (since 2025-02-26); the highest close was 1,060.00 on 2025-02-26." in ask(
        store, "when did 2330 last trade above 2000?").answer
    # Past tense asks the same ("did 2330 cross 1030?"); "will it cross" is a forecast's target.
    assert "The last close above 1,030.00 was on 2025-02-27" in ask(store, "did 2330 cross 1030?").answer
    assert "最後一次收盤低於 1,010.00 是 2025-03-04" in ask(store, "台積電曾經跌破1010嗎").answer
    # "did 2330 hit 1050?": a level reached, up or down from the span's last close (1,025)
    assert "1 of the span's 5 sessions closed above 1,050.00. The last close above 1,050.00 was on 2025-02-26" in ask(
        store, "did 2330 hit 1050?").answer
    assert "closed below 1,010.00" in ask(store, "has 2330 ever reached 1010?").answer
    assert "天收盤高於 1,050.00" in ask(store, "台積電漲到過1050嗎").answer
    # "how many times": the sessions beyond it are counted, before the last one
    closes = [bar[4] for bar in BARS]
    n = sum(c > 1010 for c in closes)
    assert f"{n} of the span's {len(closes)} sessions closed above 1,010.00." in ask(
        store, "How many times did 2330 close above 1010?").answer
    assert f"期間 {len(closes)} 個交易日中有 {sum(c < 1030 for c in closes)} 天收盤低於 1,030.00；" in ask(
        store, "台積電曾經跌破1030嗎").answer


@pytest.mark.parametrize("message, beyond", [
    ("did 2330 cross 1000", ("above", 1000.0)), ("has 2330 ever closed below 800?", ("below", 800.0)),
    ("did tsmc break through 1,100?", ("above", 1100.0)), ("did 2330 break below 800", ("below", 800.0)),
    ("台積電曾經跌破800嗎", ("below", 800.0)), ("台積電站上1100過嗎", ("above", 1100.0)),
    ("will 2330 cross 1000", None), ("did 2330 rise 5%", None), ("has 2330 crossed 5 days in a row", None),
    ("did TSMC hit 1000?", ("reach", 1000.0)), ("台積電漲到過1100嗎", ("reach", 1100.0)), ("will TSMC hit 1000?", None),
    ("did 2330 reach 5 days of gains", None),
    # the count asked with the level first (it had been the span's prices alone)
    ("台積電今年收盤高於1000的天數", ("above", 1000.0)), ("收盤低於900的日子", ("below", 900.0)),
])
def test_a_price_crossed_in_the_past_is_the_last_close_beyond_it(message, beyond):
    from assistant.price_records import last_beyond

    assert last_beyond(message) == beyond


def test_the_last_n_closes_are_listed_and_a_days_range_is_said(store):
    a = ask(store, "2330 last 3 closes")
    assert [b.date for b in a.bars] == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
    assert "- 2025-03-04 (Tue) close 1,000.00 (-1.96%)" in a.answer
    zh = ask(store, "台積電近五日收盤價")
    assert len(zh.bars) == 5 and "- 2025-03-05（週三）收盤 1,025.00（+2.50%）" in zh.answer
    day = ask(store, "2330 intraday range on 2025-03-05")
    assert "high 1,030.00, low 1,015.00 (a range of 15.00, 1.50% of the previous close)" in day.answer
    assert "高低價差 15.00，振幅 1.50%" in ask(store, "台積電2025年3月5日振幅").answer
    assert "range of" not in ask(store, "2330 close on 2025-03-05").answer


def test_whether_volume_picked_up_is_the_span_against_the_sessions_before(store):
    """Volumes 40.0M, 61.6M, 73.3M, 70.9M, 45.1M: the last two sessions average 57.98M against
    58.31M for the three before (-1%: about the usual); the last one alone 45.1M against 61.45M (-27%)."""
    two = ask(store, "is 2330 volume picking up in the last 2 days?")
    assert ("Average daily volume over these 2 sessions, 57,982,820 shares, is -1% against the average of the 3 "
            "sessions before (58,308,773): about the usual volume.") in two.answer
    one = ask(store, "台積電2025年3月5日成交量有放大嗎")
    assert "當日成交 45,086 張，比之前 4 個交易日的日均 61,451 張少 27%：量有縮小。" in one.answer
    day = ask(store, "2330 volume surge on 2025-03-05?")
    assert "The day's volume, 45,086,222 shares, is -27% against the average of the 4 sessions before (61,451,434)" in \
        day.answer
    assert "量有縮小" in ask(store, "鴻海爆量", code="2330").answer  # no word of volume needed: 爆量 asks it
    # any volume question sets the volume beside the usual (a day's 45,086,222 shares said little alone),
    # but not a record or an average, which answer otherwise
    assert "Average daily volume over these 2 sessions, 57,982,820 shares, is -1%" in ask(store, "2330 volume past 2 days").answer
    assert "-27% against the average of the 4 sessions before" in ask(store, "2330 volume on 2025-03-05").answer
    assert "少 27%：量有縮小" in ask(store, "台積電2025年3月5日成交量").answer
    assert "against the average of" not in ask(store, "2330 highest volume day").answer
    assert "against the average of" not in ask(store, "2330 average volume in the last 2 days").answer
    assert "against the average of" not in ask(store, "2330 close on 2025-03-05").answer
    # against the average, asked in words (it had given the day's volume alone)
    assert "-27% against the average of the 4 sessions before" in ask(
        store, "What was the volume on 2025-03-05 for TSMC compared to average?").answer
    assert "少 27%" in ask(store, "台積電2025年3月5日成交量跟平常比").answer


def test_a_volume_trend_is_the_last_month_of_sessions_against_the_sixty_before(data_dir):
    """"2330 volume trend" / "台積電成交量趨勢": one day shows no trend (it had been the last bar, or
    the price trend of the moving averages): the last 20 sessions' average against the 60 before."""
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    bars = synthetic_bars("2330", 120, end=date(2025, 3, 5))
    store.upsert_bars(bars)
    recent, before = [b.volume for b in bars[-20:]], [b.volume for b in bars[-80:-20]]
    change = (sum(recent) / 20) / (sum(before) / 60) - 1
    en = ask(store, "2330 volume trend")
    assert len(en.bars) == 20 and f"is {change:+.0%} against the average of the 60 sessions before" in en.answer
    zh = ask(store, "台積電成交量趨勢")
    assert len(zh.bars) == 20 and "這 20 個交易日日均成交" in zh.answer and "比之前 60 個交易日的日均" in zh.answer


@pytest.mark.parametrize("message, label", [
    ("TSMC month to date", "this month"), ("2330 mtd", "this month"), ("2330 since the start of the year", "this year"),
    ("台積電年初至今漲幅", "this year"), ("台積電月初以來", "this month"),
])
def test_to_date_spans(message, label):
    assert parse_period(message, date(2025, 3, 6)).label == label and is_price_question(message, "2330")


@pytest.mark.parametrize("message, label", [
    ("2330 between March 3 and March 7 2025", "2025-03-03 – 2025-03-07"),
    ("2330 from 3/3 to 3/7/2025", "2025-03-03 – 2025-03-07"),  # a US-style day beside a full date takes its year
    ("TSMC price on the 7th of April 2025", "2025-04-07"),
    ("2330 price end of March 2025", "2025-03-31"), ("台積電2025年3月底收盤價", "2025-03-31"),
    ("2330 close at the end of Q1 2025", "2025-03-31"), ("台積電2024年底股價", "2024-12-31"),
    ("2330 since the end of March 2025", "since 2025-03-31"),
    ("how did 2330 do the week after April 7 2025?", "the week after 2025-04-07"),
    ("2330 the month before 2025-04-07", "the month before 2025-04-07"),
    ("2330 1/2 share", "latest"),  # a fraction with no full date beside it is no day
    # "the most recent time" is no span (it had read the last 5 sessions and found no limit-up)
    ("台積電最近一次漲停是哪天", "latest"), ("2330 most recent time it closed limit up", "latest"),
    ("台積電最近表現", "recently"),
    # "年初" alone is the start of this year (an investment from then had asked when it was bought)
    ("台積電年初到現在漲多少", "this year"), ("2024年初台積電股價", "2024"),
    # "after a day": from the close of that day on (it had been that day alone)
    ("how did 2330 do after April 9 2025?", "after 2025-04-09"), ("台積電2025年4月9日之後的漲幅", "after 2025-04-09"),
    ("how did 2330 do the week after April 7 2025?", "the week after 2025-04-07"),
])
def test_more_ways_of_naming_a_day_or_span(message, label):
    assert parse_period(message, date(2026, 12, 5)).label == label
    if label != "latest":
        assert is_price_question(message, "2330")


def test_the_end_of_a_month_is_its_last_session_and_the_week_after_a_day_leaves_the_day_out(store):
    end = ask(store, "2330 price at the end of February 2025")  # 02-28 is a holiday: 02-27's bar, said so
    assert [b.date for b in end.bars] == [date(2025, 2, 27)] and any("2025-02-28" in n for n in end.notices)
    after = ask(store, "how did 2330 do the week after 2025-02-27?")
    assert [b.date for b in after.bars] == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
    assert "-1.44% from the 1,040.00 close on 2025-02-27 before the period" in after.answer


@pytest.mark.parametrize("message, label", [
    ("台積電2025年3月3日到3月7日", "2025-03-03 – 2025-03-07"), ("台積電2025年4月7日之後一週的表現", "the week after 2025-04-07"),
    ("台積電2025年4月7日後一週", "the week after 2025-04-07"), ("台積電2025年4月7日前一個月", "the month before 2025-04-07"),
    ("台積電2025年3月最後一個交易日", "2025-03-31"), ("what did TSMC do on the last trading day of March 2025", "2025-03-31"),
    ("聯發科上週五收盤", "2026-11-27"), ("2330 last Friday close", "2026-12-04"), ("2330 close on Monday", "2026-11-30"),
    ("台積電週一收盤價", "2026-11-30"), ("台積電本週三", "2026-12-02"), ("Monday, April 7, 2025 2330 close", "2025-04-07"),
])
def test_chinese_spans_around_a_day_and_weekdays(message, label):
    """On Saturday 2026-12-05. A day count beside a date is no forecast horizon ("3月7日" is not
    7 days, "4月7日之後一週" is the week after a past day)."""
    from assistant.slots import parse_slots

    assert parse_period(message, date(2026, 12, 5)).label == label
    assert not parse_slots(message).horizon_explicit
    if "what did" not in message:
        assert is_price_question(message, "2330")


def test_a_span_around_a_day_is_named_in_chinese():
    from assistant.periods import period_label

    assert period_label(parse_period("台積電2025年4月7日之後一週", date(2026, 12, 5)), True) == "2025-04-07 之後一週"
    assert period_label(parse_period("台積電2025年4月7日前一個月", date(2026, 12, 5)), True) == "2025-04-07 之前一個月"
    assert parse_slots_horizon("台積電5天後會漲嗎") == 5  # a real horizon stays one


def parse_slots_horizon(message):
    from assistant.slots import parse_slots

    return parse_slots(message).horizon_days


def test_next_weekdays_point_ahead():
    assert parse_period("forecast TSMC for next Friday", date(2026, 12, 5)).label == "2026-12-11"
    assert parse_period("台積電下週五", date(2026, 12, 5)).label == "2026-12-11"
    assert parse_period("2330 next Saturday", date(2026, 12, 5)).label == "2026-12-12"  # not today


def test_a_day_or_span_after_today_has_no_close_yet(store):
    """"2330 close on 2030-01-01" was answered with the newest stored close, as if it were that
    day's; a day, or a span, that has not come yet has no close, and the forecaster is suggested.
    With an as-of date, the days after it are the future too (no bar from them is read)."""
    for message in ("2330 close on 2030-01-01", "2330 in 2030", "2330 close on 2025-03-10"):
        a = ask(store, message, today=date(2025, 3, 6))
        assert not a.bars and "has not come yet (today is 2025-03-06)" in a.answer, message
        assert "`forecast 2330 next 5 days`" in a.answer, message
    zh = ask(store, "台積電2030年1月2日收盤價")
    assert not zh.bars and "2030-01-02 還沒到" in zh.answer
    cut = ask(store, "2330 close on 2025-03-05", as_of=date(2025, 3, 4))
    assert not cut.bars and "the as-of date is 2025-03-04" in cut.answer
    assert ask(store, "2330 close on 2025-03-05", today=date(2025, 3, 6)).bars  # a past day still answers


def test_the_average_daily_change_is_one_number_not_the_list(store):
    """"Average daily change of 2330 since 2025-02-27" is the mean of the close-to-close changes
    (the first from the close before the span), with their median and spread; "daily changes"
    still lists the days."""
    closes = [bar[4] for bar in BARS]
    changes = pd.Series(closes).pct_change().dropna()
    a = ask(store, "what was the average daily change of 2330 since 2025-02-27?")
    assert (f"Over {len(changes)} sessions the daily change averaged {changes.mean():+.2%} (median "
            f"{changes.median():+.2%}, standard deviation {changes.std():.2%})") in a.answer
    assert "- 2025-03-03" not in a.answer  # no day-by-day list
    assert "平均" in ask(store, "台積電2025年2月27日以來平均每日漲跌幅").answer
    assert "- 2025-03-03 (Mon) close 1,020.00" in ask(store, "2330 daily changes since 2025-02-27").answer


def test_the_way_back_from_a_spans_low_or_high_runs_to_the_latest_close(store):
    """"How much has 2330 recovered from the March low?": from March's lowest close (1,000 on
    03-04) to the latest (1,025 on 03-05), past the span's end; the as-of cut stops it earlier."""
    a = ask(store, "how much has 2330 recovered from the March 2025 low?")
    assert "From the span's lowest close, 1,000.00 on 2025-03-04, to the latest, 1,025.00 on 2025-03-05: +2.50% over 1 session." in a.answer
    zh = ask(store, "台積電從2025年2月高點下跌多少")
    assert "從期間最高收盤 1,060.00（2025-02-26）到最新收盤 1,025.00（2025-03-05）：-3.30%，歷時 4 個交易日。" in zh.answer
    cut = ask(store, "how much has 2330 recovered from the February 2025 low?", as_of=date(2025, 3, 5))
    assert "to the latest, 1,000.00 on 2025-03-04" in cut.answer
    # a crash or a selloff is the span's low (it had gone to the news)
    crash = ask(store, "Has 2330 recovered from the March 2025 crash?")
    assert "From the span's lowest close, 1,000.00 on 2025-03-04" in crash.answer
    assert "從期間最低收盤 1,000.00（2025-03-04）" in ask(store, "台積電從2025年3月崩跌反彈了多少").answer


@pytest.mark.parametrize("message, kind, sessions", [
    ("2330 1y return", "trailing", 250), ("2330 52w range", "trailing", 260), ("2330 3m perf", "trailing", 63),
    ("2330 5d change", "trailing", 5), ("2330 6m", "trailing", 126), ("2330 ATH", "all", None),
    ("2330 at 5m", "latest", None), ("2330 volume 5m", "latest", None),
])
def test_traders_shorthand_names_the_span(message, kind, sessions):
    """"2330 1y return", "52w range", "3m perf", "ATH": read as the spans they name (they had been
    quoted news, or taken the period of the question before); "at 5m" is no span."""
    p = parse_period(message, date(2026, 12, 5))
    assert (p.kind, p.sessions) == (kind, sessions)


@pytest.mark.parametrize("message, horizon", [
    ("forecast 2330 1m", 21), ("predict 2454 2w", 10), ("台積電預測 10d", 10), ("2330 1y return", None), ("2330 5m shares", None),
])
def test_shorthand_is_a_horizon_only_in_a_forecast(message, horizon):
    from assistant.slots import parse_slots

    slots = parse_slots(message)
    assert (slots.horizon_days if slots.horizon_explicit else None) == horizon


def test_shorthand_questions_are_price_questions_of_their_own(store):
    from assistant.risk import risk_kind

    assert is_price_question("2330 52w range", "2330") and is_price_question("2330 5d change", "2330")
    assert is_price_question("2330 3m perf", "2330") and risk_kind("2330 1y return") == "investment"
    ath = ask(store, "2330 ATH")
    assert "Highest close 1,060.00 (2025-02-26)" in ath.answer


def test_cheaper_than_a_week_ago_runs_from_then_to_now(store):
    """"Is 2330 cheaper than a week ago?" is the span from that day to the last close (it had been
    that one day's bar alone)."""
    a = ask(store, "is 2330 cheaper than a week ago?", today=date(2025, 3, 6))
    assert a.bars[0].date == date(2025, 2, 27) and a.bars[-1].date == date(2025, 3, 5)
    assert "1,060.00 close on 2025-02-26 before the period" in a.answer
    assert ask(store, "台積電比一週前便宜嗎", today=date(2025, 3, 6)).bars[-1].date == date(2025, 3, 5)


@pytest.mark.parametrize("message, labels", [
    ("2330 March vs February 2025", ["2025-03", "2025-02"]), ("台積電2025年3月跟2月比", ["2025-03", "2025-02"]),
    ("compare 2330 in 2024 and 2025", ["2024", "2025"]),
    ("2330 between 2025-02-26 and 2025-03-04", []), ("2330 from 2025-02-26 to 2025-03-04", []), ("2330 in March 2025", []),
])
def test_two_spans_set_against_each_other(message, labels):
    from assistant.price_facts import compared_periods

    assert [p.label for p in compared_periods(message, date(2025, 3, 6))] == labels


def test_one_company_over_two_spans_side_by_side(store):
    """"2330 March vs February 2025": each month's summary, then both changes (March from the
    last February close 1,040 to 1,025; February from its first stored close, 1,060, to 1,040)."""
    a = ask(store, "2330 March vs February 2025")
    assert f"Side by side: 2025-03 {1025 / 1040 - 1:+.2%}, 2025-02 {1040 / 1060 - 1:+.2%}." in a.answer
    assert len(a.citations) == 2 and sorted({b.date for b in a.bars}) == [b.date for b in a.bars]
    assert "比較：2025-03" in ask(store, "台積電2025年3月跟2月比").answer


def test_every_friday_is_each_weeks_last_close(store):
    a = ask(store, "2330 close every Friday since 2025-02-24")
    assert "- week of 2025-02-24: close 1,040.00" in a.answer and "- week of 2025-03-03: close 1,025.00" in a.answer


def test_liquidity_is_the_value_traded_a_day_over_the_last_month(data_dir):
    """"How liquid is 2454?" reads the last 20 sessions (shares and value a day); "which is more
    liquid, 2330 or 2454?" puts their value traded a day side by side."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    days = [d.date() for d in pd.bdate_range("2025-01-02", periods=30)]
    store.upsert_bars([PriceBar(code=c, date=d, open=x, high=x, low=x, close=x, volume=v, turnover=x * v)
                       for c, x, v in (("2330", 100.0, 1e6), ("2454", 50.0, 1e5)) for d in days])
    one = price_answer(EngineRequest(message="how liquid is 2454?", code="2454"), store, today=days[-1])
    assert one.bars[0].date == days[-20] and len(one.bars) == 20
    both = price_answer(EngineRequest(message="which is more liquid, 2330 or 2454?", code="2330", codes=["2330", "2454"]),
                        store, today=days[-1])
    assert "Liquidity side by side (value traded a day): 2330 NT$0.10bn, 2454 NT$0.01bn." in both.answer
    # "which had more volume?": the shares traded over the span, most first (it had compared the changes only)
    volume = price_answer(EngineRequest(message="2454 vs 2330 which had more volume in January 2025", code="2454",
                                        codes=["2454", "2330"]), store, today=days[-1])
    n = sum(d.month == 1 for d in days)
    assert f"Volume side by side (shares traded in the span): 2330 {n * 1_000_000:,}, 2454 {n * 100_000:,}." in volume.answer
    zh = price_answer(EngineRequest(message="台積電和聯發科誰的成交量比較大", code="2330", codes=["2330", "2454"]),
                      store, today=days[-1])
    assert "成交量比較（最近一個交易日）：2330 1,000 張、2454 100 張。" in zh.answer  # no span: the last day
    compared = price_answer(EngineRequest(message="台積電跟聯發科的成交量比較", code="2330", codes=["2330", "2454"]),
                            store, today=days[-1])  # (it had compared the changes only)
    assert "成交量比較（最近一個交易日）：2330 1,000 張、2454 100 張。" in compared.answer
    assert "Volume side by side" not in price_answer(EngineRequest(message="2330 vs 2454", code="2330", codes=["2330", "2454"]),
                                                     store, today=days[-1]).answer


@pytest.mark.parametrize("message, interval", [
    ("台積電週K", "W"), ("台積電周K線", "W"), ("2330 weekly chart", "W"), ("2330 weekly candles", "W"),
    ("台積電月K", "M"), ("2330 monthly candlesticks", "M"), ("2330 price", None), ("2330 weekly returns", None),
])
def test_weekly_and_monthly_candles_are_asked_by_their_names(message, interval):
    from assistant.price_records import asks_candles

    assert asks_candles(message) == interval
    assert is_price_question(message, "2330")


def test_candles_are_the_first_open_the_extremes_the_last_close_and_the_summed_volume():
    from assistant.charts import candles

    days = pd.bdate_range("2025-03-03", periods=8)  # Mon 3 .. Fri 7, Mon 10 .. Wed 12
    bars = pd.DataFrame({"date": days, "open": [10.0, 11, 12, 13, 14, 20, 21, 22], "high": [11.0, 15, 13, 14, 15, 25, 22, 23],
                         "low": [9.0, 10, 8, 12, 13, 19, 18, 21], "close": [11.0, 12, 13, 14, 15, 21, 22, 23],
                         "volume": [1.0, 2, 3, 4, 5, 6, 7, 8]})
    weeks = candles(bars, "W")
    assert [d.date().isoformat() for d in weeks.index] == ["2025-03-03", "2025-03-10"]
    assert weeks.iloc[0].to_dict() == {"open": 10.0, "high": 15.0, "low": 8.0, "close": 15.0, "volume": 15.0}
    assert weeks.iloc[1].to_dict() == {"open": 20.0, "high": 25.0, "low": 18.0, "close": 23.0, "volume": 21.0}
    months = candles(bars, "M")
    assert len(months) == 1 and months.iloc[0]["close"] == 23.0 and months.iloc[0]["volume"] == 36.0


def test_weekly_candles_answer_week_by_week_and_the_ui_draws_them(data_dir):
    """"台積電週K": half a year of sessions week by week in the text, and the chart in one candle a
    week, each dated by its first session, the span asked shaded."""
    import ui
    from ingest.store import open_store

    days = [d.date() for d in pd.bdate_range("2024-09-02", periods=200)]
    store = open_store(data_dir.store_path)
    store.upsert_bars([PriceBar(code="2330", date=d, open=100.0 + i, high=101.0 + i, low=99.0 + i, close=100.5 + i,
                                volume=1e6) for i, d in enumerate(days)])
    answer = price_answer(EngineRequest(message="台積電週K", code="2330"), store, today=days[-1])
    assert answer.interval == "W" and len(answer.bars) == 130 and "當週：收盤" in answer.answer
    plot = ui.ChatController(object(), data_dir, session_factory=dict).result_views(answer)[1]
    fig = json.loads(plot.value["plot"])
    xs = fig["data"][0]["x"]
    mondays = {d - pd.Timedelta(days=d.weekday()) for d in pd.to_datetime(xs)}
    assert len(xs) == len(mondays) and all(pd.Timestamp(x).weekday() == 0 for x in xs[1:])  # one candle a week
    assert xs[-1] == (days[-1] - pd.Timedelta(days=days[-1].weekday())).isoformat() and fig["layout"]["title"]["text"] == "2330 weekly prices"
    # the averages are of weeks, and named so ("MA5" on a weekly chart had read as five days)
    assert {t["name"] for t in fig["data"] if t["name"].startswith("MA")} == {"MA5 (weeks)", "MA20 (weeks)", "MA60 (weeks)"}
    daily = price_answer(EngineRequest(message="2330 price", code="2330"), store, today=days[-1])
    assert daily.interval is None


def test_the_volume_s_record_is_its_own_not_the_price_s(store):
    """"2330 highest volume day" / "台積電成交量創新高了嗎" read the shares traded (the heaviest and
    lightest session, and whether the last is the record), not the price's highs."""
    a = ask(store, "2330 highest volume day")
    assert "Heaviest volume 73,279,419 shares (2025-03-03), lightest 40,000,000 shares (2025-02-26)." in a.answer
    assert "Highest close" not in a.answer
    zh = ask(store, "台積電成交量創新高了嗎")
    assert "期間成交量最大 73,279 張（2025-03-03）" in zh.answer and "最高收盤" not in zh.answer
    assert f"最後一個交易日 2025-03-05 成交 45,086 張，是最大量的 {45_086_222 / 73_279_419:.0%}：沒有創紀錄。" in zh.answer
    both = ask(store, "台積電股價和成交量創新高了嗎")  # the price named too: both records
    assert "期間最高收盤" in both.answer and "期間成交量最大" in both.answer


def test_year_over_year_is_the_span_against_the_same_span_a_year_before(data_dir):
    """"台積電2025年4月跟去年同期比" / "2330 April 2025 yoy": April 2025, then April 2024; with no span
    named, "year over year" is the last 250 sessions. Revenue's YoY stays a news question."""
    from assistant.periods import parse_period
    from assistant.price_facts import compared_periods
    from ingest.store import open_store

    ref = date(2025, 6, 2)
    spans = compared_periods("台積電2025年4月跟去年同期比", ref)
    assert [(p.start, p.end) for p in spans] == [(date(2025, 4, 1), date(2025, 4, 30)), (date(2024, 4, 1), date(2024, 4, 30))]
    assert parse_period("2330 year over year", ref).sessions == 250
    assert not is_price_question("台積電營收年增率", "2330")
    store = open_store(data_dir.store_path)
    days = [d.date() for d in pd.bdate_range("2024-03-01", "2025-05-30")]
    store.upsert_bars([PriceBar(code="2330", date=d, open=500.0 + i, high=500.0 + i, low=500.0 + i, close=500.0 + i,
                                volume=1e6) for i, d in enumerate(days)])
    a = ask(store, "2330 April 2025 yoy", today=ref)
    assert "2025-04-01 to 2025-04-30" in a.answer and "2024-04-01 to 2024-04-30" in a.answer
    whole = ask(store, "2330 year over year", today=ref)
    first = days[-251]  # 250 sessions of change from the close before them
    assert f"from the {500.0 + len(days) - 251:,.2f} close on {first.isoformat()} before the period" in whole.answer


@pytest.mark.parametrize("message, start, end", [
    ("2330 this quarter", date(2025, 4, 1), date(2025, 5, 10)), ("台積電本季表現", date(2025, 4, 1), date(2025, 5, 10)),
    ("2330 QTD", date(2025, 4, 1), date(2025, 5, 10)), ("2330 quarter to date", date(2025, 4, 1), date(2025, 5, 10)),
    ("台積電上一季表現", date(2025, 1, 1), date(2025, 3, 31)), ("鴻海上季漲多少", date(2025, 1, 1), date(2025, 3, 31)),
])
def test_this_quarter_and_the_previous_one_are_calendar_quarters(message, start, end):
    """They had been the latest day ("is 2454 outperforming 2330 this quarter?" ranked one session)."""
    p = parse_period(message, date(2025, 5, 10))
    assert (p.kind, p.start, p.end) == ("range", start, end)


def test_a_quarter_s_revenue_is_no_span():
    assert parse_period("台積電本季度營收", date(2025, 5, 10)).kind == "latest"


@pytest.mark.parametrize("message, sessions", [
    ("What's the 20-day average volume for 2454?", 20), ("台積電5日均量", 5), ("2330 20日平均成交量", 20),
])
def test_an_n_day_average_volume_is_the_volume_over_those_sessions(message, sessions):
    """"台積電5日均量" had been a 5-day forecast, "20-day average volume" the last day's bar."""
    from assistant.slots import parse_slots

    p = parse_period(message, date(2025, 3, 6))
    assert (p.kind, p.sessions) == ("trailing", sessions)
    assert is_price_question(message, "2330") and not parse_slots(message).horizon_explicit
    assert parse_period("2330 20-day moving average", date(2025, 3, 6)).kind == "latest"  # the MA is an indicator


@pytest.mark.parametrize("message, sessions", [("鴻海三年來的表現", 750), ("鴻海一年來表現", 250), ("台積電一個月來漲多少", 21)])
def test_n_years_up_to_now_is_a_span_looked_back_at(message, sessions):
    """"三年來" had been no span: the question went to the news."""
    from assistant.slots import parse_slots

    p = parse_period(message, date(2025, 3, 6))
    assert (p.kind, p.sessions) == ("trailing", sessions)
    assert is_price_question(message, "2317") and not parse_slots(message).horizon_explicit


@pytest.mark.parametrize("message, live", [
    ("2330 real-time quote", True), ("台積電即時股價", True), ("what is TSMC trading at right now?", True),
    ("TSMC quote", False), ("2330 intraday range yesterday", False), ("2330 close", False),
])
def test_a_live_quote_is_the_newest_close_said_to_be_no_live_quote(store, message, live):
    """finqa has one bar per session: "2330 real-time quote" (which had gone to the news) is the
    newest stored close, with a notice that it is no live quote; "TSMC quote" is the close too."""
    from assistant.price_facts import is_price_question

    assert is_price_question(message, "2330")
    a = ask(store, message)
    assert a is not None and a.bars and a.bars[-1].date == date(2025, 3, 5)
    said = any("no real-time or intraday quotes" in n or "沒有即時或盤中報價" in n for n in a.notices)
    assert said is live


@pytest.mark.parametrize("message", ["2330 average daily range", "台積電平均振幅", "what's TSMC's typical daily range?"])
def test_the_average_daily_range_is_the_mean_of_each_sessions_high_minus_low(store, message):
    """"2330 average daily range" had given the last day's range alone: the mean over the last 20
    sessions (the fixture's, each from the close before it), by hand, and the widest session.
    "2330 ADR" is the US listing, no range."""
    from assistant.price_records import asks_average_range

    a = ask(store, message)
    window = BARS[-20:]
    prev = BARS[-21] if len(BARS) > 20 else None
    rows = [(d, (h - lo) / before[4]) for before, (d, _, h, lo, _, _) in zip([prev, *window[:-1]], window) if before]
    share = sum(r[1] for r in rows) / len(rows)
    assert [b.date for b in a.bars] == [row[0] for row in window]
    assert (f"{share:.2%} of the close before" in a.answer) or (f"前一日收盤的 {share:.2%}" in a.answer), a.answer
    assert max(rows, key=lambda r: r[1])[0].isoformat() in a.answer
    assert not asks_average_range("2330 ADR price")


@pytest.mark.parametrize("message, zh", [("Which is cheaper, 2330 or 2454?", False), ("台積電和聯發科哪個比較便宜", True)])
def test_which_is_cheaper_gives_both_prices_and_says_a_price_is_no_valuation(data_dir, message, zh):
    """It had quoted unrelated news: both companies' prices side by side, what a lot of each costs,
    and that a lower share price is no cheaper valuation (no earnings are stored)."""
    from assistant.price_facts import names_only_companies
    from assistant.service import Assistant
    from ingest.store import open_store

    open_store(data_dir.store_path).upsert_bars([
        PriceBar(code=code, date=date(2025, 3, d), open=c, high=c, low=c, close=c, volume=1e6)
        for code, c in (("2330", 1000.0), ("2454", 1200.0)) for d in (3, 4, 5)])
    assert names_only_companies(message)
    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message, as_of=date(2025, 3, 6))
    assert a.engine == ENGINE and {b.code for b in a.bars} == {"2330", "2454"}
    assert ("2330 NT$1,000,000、2454 NT$1,200,000" in a.answer) if zh else ("2330 NT$1,000,000, 2454 NT$1,200,000" in a.answer)
    assert ("估值要看本益比" in a.answer) if zh else ("does not make a stock cheaper" in a.answer)


def test_from_one_spans_extreme_to_anothers(store):
    """"How much did TSMC fall from its February 2025 peak to the March 2025 low?": February's
    highest close (1,060 on 02-26) to March's lowest (1,000 on 03-04), -5.66% over 3 sessions (it had
    answered February alone); the chart spans both months."""
    a = ask(store, "How much did TSMC fall from its February 2025 peak to the March 2025 low?")
    assert ("From the 2025-02 high close of 1,060.00 (2025-02-26) to the 2025-03 low close of 1,000.00 (2025-03-04): "
            "-5.66% over 3 sessions.") in a.answer
    assert [b.date for b in a.bars] == [row[0] for row in BARS]
    zh = ask(store, "台積電從2025年2月高點到2025年3月低點跌了多少")
    assert "從2025-02的最高收盤 1,060.00（2025-02-26）到2025-03的最低收盤 1,000.00（2025-03-04）：-5.66%，歷時 3 個交易日。" in zh.answer
    up = ask(store, "how much did 2330 rise from the March 2025 low to the March 2025 high?")
    assert "to the 2025-03 high close of 1,025.00 (2025-03-05): +2.50% over 1 session." in up.answer


@pytest.mark.parametrize("message, day", [
    ("2330 close on Lunar New Year 2025", date(2025, 1, 29)), ("2330 on Chinese New Year 2024", date(2024, 2, 10)),
    ("台積電2025年春節前收盤", date(2025, 1, 29)), ("2025年過年前台積電收多少", date(2025, 1, 29)),
    ("2330 spring festival 2026", date(2026, 2, 17)), ("2330 on Lunar New Year's Eve 2025", date(2025, 1, 28)),
    ("Lunar New Year 2025 2330 close", date(2025, 1, 29)),
])
def test_lunar_new_year_is_its_day_of_that_year(message, day):
    """Lunar New Year moves every year: written as its date (it had been read as no date, the latest
    close); the price answer then gives the last session before the market's break."""
    p = parse_period(named_days(message), date(2026, 12, 5))
    assert (p.kind, p.start) == ("day", day)


def test_before_and_after_a_day_lists_each_session_around_it(store):
    a = ask(store, "2330 before and after 2025-03-04")
    assert [b.date for b in a.bars] == [row[0] for row in BARS]
    assert "- 2025-03-04 (Tue) close 1,000.00" in a.answer


def test_how_often_the_close_rose_and_beyond_a_price(store):
    """"2330 win rate" / "台積電上漲天數比例" count the sessions that closed up and down, with the average
    up and down day (they had been the last day or a forecast); "how many times did 2330 close above
    1010?" / "台積電站上1010幾次" count the closes beyond it (the Chinese one had been a target to reach)."""
    changes = pd.Series([c for *_, c, _ in BARS]).pct_change().dropna()
    up, down = changes[changes > 0], changes[changes < 0]
    a = ask(store, "2330 win rate")
    assert (f"Of 4 sessions, {len(up)} closed higher ({len(up) / 4:.1%}), {len(down)} lower ({len(down) / 4:.1%})"
            f" and 0 unchanged; the average up day was {up.mean():+.2%}, the average down day {down.mean():+.2%}.") in a.answer
    assert "收漲" in ask(store, "台積電上漲天數比例").answer
    count = ask(store, "how many times did 2330 close above 1010?")
    assert "4 of the span's 5 sessions closed above 1,010.00." in count.answer
    assert "有 4 天收盤高於 1,010.00" in ask(store, "台積電站上1010幾次").answer
    weekly = ask(store, "2330 biggest weekly drop")
    assert "- week of 2025-02-24: close 1,040.00" in weekly.answer


@pytest.mark.parametrize("message, zh", [("has TSMC bottomed?", False), ("台積電見底了嗎", True)])
def test_whether_it_bottomed_is_the_way_back_from_the_low_and_no_verdict(store, message, zh):
    """It had been the last day's price: from the stored history's lowest close to the latest, and
    that a bottom is only known afterwards."""
    a = ask(store, message)
    assert ("從期間最低收盤 1,000.00（2025-03-04）" in a.answer) if zh else (
        "From the span's lowest close, 1,000.00 on 2025-03-04, to the latest, 1,025.00 on 2025-03-05" in a.answer)
    assert ("只有事後才知道" in a.answer) if zh else ("only known afterwards" in a.answer)
    assert "afterwards" not in ask(store, "how much has 2330 recovered from the March 2025 low?").answer


def test_shares_traded_and_the_turnover_rate_that_needs_share_counts(store):
    """"how many shares did TSMC trade?" is the volume (it had gone to the news); "the turnover rate
    of 2330" / "台積電周轉率" give the volume with a notice that shares outstanding are not stored."""
    from assistant.price_facts import is_price_question

    assert is_price_question("how many shares did TSMC trade today?", "2330")
    rate = ask(store, "what is the turnover rate of 2330?")
    assert "45,086,222 shares traded" in rate.answer and any("no share counts" in n for n in rate.notices)
    assert any("流通股數" in n for n in ask(store, "台積電周轉率").notices)
    assert not any("share counts" in n for n in ask(store, "2330 turnover").notices)


@pytest.mark.parametrize("message, moved", [
    ("When was the last time TSMC fell 5% in a day?", ("down", 0.05)), ("台積電上次跌超過5%是哪天", ("down", 0.05)),
    ("how often does 2330 move more than 3% in a day?", ("either", 0.03)), ("台積電單日漲超過3%有幾天", ("up", 0.03)),
    ("2330 10% drop days", ("down", 0.10)), ("台積電4月跌了5%嗎", None), ("2330 down 5% this month", None),
    # days counted need no "in a day" (it had been the span's summary alone)
    ("how many days did TSMC rise more than 3% this year?", ("up", 0.03)), ("which sessions fell over 5%?", ("down", 0.05)),
    ("how many shares did TSMC trade when it fell 3%?", None),
])
def test_which_questions_ask_for_days_of_a_big_move(message, moved):
    from assistant.price_records import day_move

    got = day_move(message)
    if moved is None:
        assert got is None
    else:
        assert got is not None and got[0] == moved[0] and got[1] == pytest.approx(moved[1])


def test_days_of_a_big_move_are_counted_with_the_last_one(store):
    """"When was the last time TSMC fell 1.9% in a day?": the sessions down that much from the close
    before (-1.92% on 03-03, -1.96% on 03-04), the last one, and a size never reached said so
    ("台積電上次跌超過5%是哪天" had been read as a close above 5.00)."""
    down = ask(store, "When was the last time TSMC fell 1.9% in a day?")
    assert "It fell 1.9% or more in a day 2 times in these 4 sessions (50.0%): 2025-03-04 (-1.96%), 2025-03-03 (-1.92%). " \
           "The last: 2025-03-04 (-1.96%)." in down.answer
    assert "4 個交易日中有 2 天單日跌 1.9% 以上（50.0%）" in ask(store, "台積電上次跌超過1.9%是哪天").answer
    either = ask(store, "how often does 2330 move more than 2% in a day?")
    assert "moved 2% or more in a day (either way) 1 time in these 4 sessions (25.0%): 2025-03-05 (+2.50%)" in either.answer
    never = ask(store, "2330 rose 5% in a day how many times?")
    assert "It never rose 5% or more in a day in these 4 sessions; the largest move that way was +2.50% on 2025-03-05." \
        in never.answer
    assert "高於 5.00" not in ask(store, "台積電上次跌超過5%是哪天").answer


def test_daily_changes_with_no_span_are_the_last_month_listed(data_dir):
    """"台積電每日漲跌幅" / "2330 daily returns" name no span: the last 20 sessions, one a line (it had
    been the last day alone); "2330 closing prices for April 2025" lists April's closes."""
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    bars = synthetic_bars("2330", 60, end=date(2025, 5, 30))
    store.upsert_bars(bars)
    zh = ask(store, "台積電每日漲跌幅", today=date(2025, 6, 2))
    assert len(zh.bars) == 20 and zh.answer.count("\n- ") == 20 and zh.bars[-1].date == bars[-1].date
    en = ask(store, "2330 daily returns", today=date(2025, 6, 2))
    assert len(en.bars) == 20 and en.answer.count("\n- ") == 20
    april = ask(store, "2330 closing prices for April 2025", today=date(2025, 6, 2))
    assert {b.date.month for b in april.bars} == {4} and april.answer.count("\n- ") == len(april.bars)


def test_a_span_relative_to_today_on_a_stale_store_is_read_from_its_end(data_dir):
    """"2330 this week" / "本週漲幅前五名" / "2330 last month" on a store whose prices ended long ago:
    the store's last week (the month before its last) as of the day after its end, said so (they
    had answered that there were no prices); a dated span, an as-of date and the news are unchanged."""
    from assistant.service import Assistant
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    bars = synthetic_bars("2330", 120, end=date(2025, 5, 30))
    store.upsert_bars(bars + synthetic_bars("2454", 120, end=date(2025, 5, 30)))
    end = bars[-1].date  # long before today
    monday = end - timedelta(days=end.weekday())
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    week = asst.answer("2330 this week")
    assert [b.date for b in week.bars] == [b.date for b in bars if monday <= b.date <= end] and week.bars
    assert any(n.startswith(f"The store's prices end on {end}, so “this week” is read from there: {monday} to {end}")
               for n in week.notices)
    assert not any("as-of date" in n for n in week.notices)
    ranked = asst.answer("本週漲幅前五名")
    assert ranked.ranking and any("「本週」以資料的最後一天為準" in n for n in ranked.notices)
    month = asst.answer("2330 last month")
    assert {b.date.month for b in month.bars} == {4}
    assert any("“last month” is read from there: 2025-04-01 to 2025-04-30" in n for n in month.notices)
    assert any("讀作 2025-04-01 至 2025-04-30" in n for n in asst.answer("台積電上個月").notices)
    dated = asst.answer("2330 in April 2025")
    assert not any("is read from there" in n for n in dated.notices)
    drawdown = asst.answer("2330 max drawdown this year")  # a risk question, too
    assert drawdown.indicators.get("max_drawdown") is not None and any("“this year” is read from there" in n
                                                                        for n in drawdown.notices)
    asked = asst.answer("2330 this week", as_of=end)  # an as-of date the user gave: the week of it, before it
    assert not any("is read from there" in n for n in asked.notices) and max(b.date for b in asked.bars) < end
    # "why did 2330 fall this week?" (a why question of a move): the store's last week's prices are
    # its source (it had searched news of the calendar week and shown no prices)
    why = asst.answer("why did 2330 fall this week?")
    assert any("“this week” is read from there" in n for n in why.notices)
    assert why.bars and min(b.date for b in why.bars) >= monday and max(b.date for b in why.bars) == end
    assert f"{monday.isoformat()} to {end.isoformat()}" in why.answer
    assert not any("is read from there" in n for n in asst.answer("2330 news this week").notices)  # the news: as asked


def test_a_company_against_its_industry_is_the_median_of_its_other_stored_peers(data_dir):
    """"2330 vs its industry" / "台積電跟同業比" / "did MediaTek beat its peers in April 2025?": the
    company's change beside the median of its industry's other stored companies over the same
    sessions (it had searched the news); a company of another industry is no peer."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    days = [date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 30)]
    series = {"2330": (100.0, 101.0, 110.0), "2454": (100.0, 99.0, 95.0), "2303": (50.0, 50.0, 51.0),  # semiconductors
              "2317": (100.0, 100.0, 200.0)}  # Other Electronics: no peer of 2330
    store.upsert_bars([PriceBar(code=c, date=d, open=p, high=p, low=p, close=p, volume=1e6)
                       for c, ps in series.items() for d, p in zip(days, ps)])
    en = ask(store, "did TSMC beat its peers in April 2025?", today=date(2025, 5, 2))
    # 2330 +10.00%; peers 2454 -5.00% and 2303 +2.00%: median -1.50%
    assert ("Against its industry (2025-04-01 – 2025-04-30): 2330 TSMC (台積電) +10.00%, the median of the 2 other stored "
            "Semiconductors (半導體業) companies (2303, 2454) -1.50%: 2330 did better by 11.50 percentage points.") in en.answer
    zh = ask(store, "台積電4月跟同業比", today=date(2025, 5, 2))
    assert "與同業比（2025-04-01 – 2025-04-30）" in zh.answer and "贏過同業 11.50 個百分點" in zh.answer
    # another industry named ("how did Hon Hai do vs the semiconductor sector?"): that one's stored companies
    # (2317 +100.00%; 2330 +10.00%, 2454 -5.00%, 2303 +2.00%: median +2.00%)
    other = ask(store, "how did 2317 do vs the semiconductor sector in April 2025?", code="2317", today=date(2025, 5, 2))
    assert ("Against the Semiconductors industry (2025-04-01 – 2025-04-30): 2317 Hon Hai (鴻海) +100.00%, the median of "
            "the 3 other stored Semiconductors (半導體業) companies (2303, 2330, 2454) +2.00%: 2317 did better by 98.00 "
            "percentage points.") in other.answer, other.answer
    assert "與半導體業比" in ask(store, "鴻海4月跟半導體股比", code="2317", today=date(2025, 5, 2)).answer


@pytest.mark.parametrize("message, said", [
    ("台積電今天收盤價、成交量、本益比", "本益比不在資料中；問 `2330 本益比`"),
    ("2330 close and EPS", "so EPS is not in its data; ask `2330 EPS`"),
])
def test_a_figure_asked_beside_the_prices_is_said_to_be_missing(store, data_dir, message, said):
    """The prices are answered, and the P/E or EPS asked beside them is said to be missing (it had
    gone unmentioned); a price question alone gets no such notice."""
    from assistant.engines.qa import QAEngine

    engine = QAEngine(settings=data_dir.model_copy(update={"cpu_only": True}))
    a = engine.price_facts(EngineRequest(message=message, code="2330"))
    assert a is not None and a.engine == "qa:prices" and any(said in n for n in a.notices), a.notices
    plain = engine.price_facts(EngineRequest(message="台積電股價", code="2330"))
    assert not any("不在資料中" in n for n in plain.notices)


def test_back_to_a_day_s_level_sets_the_latest_close_beside_it(store):
    """"is TSMC back to its 2025-02-27 level?" / "台積電回到2月27日的價位了嗎": that day's close and the
    latest against it (the English one had searched the news, the Chinese one given the day alone)."""
    latest, then = BARS[-1][4], BARS[1][4]
    en = ask(store, "is TSMC back to its 2025-02-27 level?")
    change = latest / then - 1
    assert (f"The latest close, {latest:,.2f} on {BARS[-1][0].isoformat()}, is {change:+.2%} against the 2025-02-27 close "
            f"of {then:,.2f}: {'back at or above' if latest >= then else 'still below'} that day's level.") in en.answer
    zh = ask(store, "台積電回到2025年2月27日的價位了嗎")
    assert ("已回到那天的價位" if latest >= then else "尚未回到那天的價位") in zh.answer
    assert "latest close" not in ask(store, "2330 close on 2025-02-27").answer  # nothing asked beyond the day


def test_where_the_close_sits_in_its_range(data_dir):
    """"台積電的股價在歷史的什麼位置" / "what percentile is TSMC's price in its 1-year range?" / "where is
    2330 in its 2025 range?": the last close between the span's lowest low and highest high, and the
    share of closes at or below it (they had answered the day alone). Lows 90..109, highs 110..129,
    closes 100..118 and last 105: (105 - 90) / (129 - 90) = 38%, 7 of 20 closes at or below it."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    days = [d.date() for d in pd.bdate_range("2025-01-02", periods=20)]
    closes = [100.0 + i for i in range(19)] + [105.0]
    store.upsert_bars([PriceBar(code="2330", date=d, open=c, high=110.0 + i, low=90.0 + i, close=c, volume=1e6)
                       for i, (d, c) in enumerate(zip(days, closes))])
    today = days[-1] + timedelta(days=1)
    a = ask(store, "what percentile is TSMC's price in its 1-year range?", today=today)
    assert ("the last close, 105.00, sits at 38% of the way from the low of 90.00 to the high of 129.00 (-18.6% from "
            "the high, +16.7% from the low), at or above 35% of the closes") in a.answer, a.answer
    zh = ask(store, "台積電的股價在歷史的什麼位置", today=today)
    assert "位於最低 90.00 到最高 129.00 區間的 38% 處" in zh.answer
    assert "of the way from the low" not in ask(store, "2330 price", today=today).answer
