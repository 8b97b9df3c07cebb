""""Is the market open today?": from the weekday, the exchange calendar's holidays and the session
hours, in Taipei time, with what the calendar cannot know (a typhoon closure) said."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from assistant.market_hours import asks_market_open, market_open_answer
from assistant.price_facts import TAIPEI


@pytest.mark.parametrize("message, asks", [
    ("Is the market open today?", True), ("is the Taiwan stock market open now?", True), ("is TWSE open tomorrow?", True),
    ("台股今天有開盤嗎", True), ("現在開盤了嗎", True), ("明天是交易日嗎", True), ("is today a trading day?", True),
    ("is TSMC a good stock?", False), ("2330 open price", False), ("what did the market do today?", False),
    ("the market opened lower today", False),
    ("when is the next trading day?", True), ("下一個交易日是哪天", True), ("台股下週一有開嗎", True),
    ("is the market open on Saturday?", True), ("台積電下一個交易日會漲嗎", False),
    ("will the market rise on the next trading day?", False),
])
def test_which_questions_ask_whether_the_market_is_open(message, asks):
    assert asks_market_open(message) is asks


def _at(y, m, d, hh, mm):
    return datetime(y, m, d, hh, mm, tzinfo=TAIPEI)


@pytest.mark.parametrize("now, said", [
    (_at(2026, 12, 5, 10, 0), "2026-12-05 (Saturday) is a weekend day"),
    (_at(2026, 12, 7, 8, 0), "before the session (orders from 08:30)"),
    (_at(2026, 12, 7, 8, 45), "in pre-open order entry"),
    (_at(2026, 12, 7, 10, 15), "It is 10:15 on 2026-12-07 (Monday) in Taipei: in the regular session"),
    (_at(2026, 12, 7, 13, 30), "after the close, in the after-hours sessions"),
    (_at(2026, 12, 7, 14, 30), "after the close (a trading day on the exchange calendar"),
])
def test_the_answer_reads_the_weekday_and_the_hour_in_taipei(now, said):
    text = market_open_answer("is the market open now?", now, date(2025, 5, 29))
    assert said in text and "The newest session in finqa's store is 2025-05-29." in text
    assert ("exchange calendar" in text) == (now.weekday() < 5)


def test_tomorrow_and_chinese():
    friday = _at(2026, 12, 4, 20, 0)
    assert "2026-12-05 (Saturday) is a weekend day" in market_open_answer("is the market open tomorrow?", friday, None)
    monday = market_open_answer("明天有開盤嗎", _at(2026, 12, 6, 20, 0), None)
    assert "2026-12-07（週一） 是交易日" in monday and "交易所日曆上那天沒有休市" in monday and "資料庫還沒有股價" in monday


def test_the_assistant_answers_it_without_a_model_or_the_news(data_dir):
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("台股今天有開盤嗎")
    assert a.engine == "qa:market-hours" and "交易時間（台北時間，週一至週五）" in a.answer and not a.citations


def test_a_day_named_and_the_next_trading_day():
    """"is the market open on Saturday?" had answered for today; "台股下週一有開嗎" and "when is the
    next trading day?" had searched the news."""
    sunday = _at(2026, 12, 6, 20, 0)
    assert "2026-12-12 (Saturday) is a weekend day" in market_open_answer("is the market open on Saturday?", sunday, None)
    assert "2026-12-07（週一） 是交易日" in market_open_answer("台股下週一有開嗎", sunday, None)
    assert "2026-12-11 (Friday) is a trading day" in market_open_answer("is TWSE open this Friday?", _at(2026, 12, 7, 9, 0), None)
    assert "2026-12-14 (Monday)" in market_open_answer("is the market open next Monday?", _at(2026, 12, 7, 9, 0), None)
    friday_evening = _at(2026, 12, 4, 18, 0)
    assert market_open_answer("when is the next trading day?", friday_evening, None).startswith(
        "The next trading day is 2026-12-07 (Monday)")
    early = _at(2026, 12, 7, 7, 0)  # before Monday's session: today
    assert "下一個交易日是 2026-12-07（週一）" in market_open_answer("下一個交易日是哪天", early, None)


def test_a_holiday_on_the_exchange_calendar_is_said_and_skipped():
    """2025-04-03 and 04-04 (Children's Day, Tomb Sweeping Day) are holidays on the XTAI calendar: "was
    the market open on 2025-04-04?" says so (it had searched the news), in Chinese for a Chinese
    date, and the next trading day after the evening of 04-02 is 04-07."""
    evening = _at(2025, 4, 2, 18, 0)
    assert asks_market_open("was the market open on 2025-04-04?") and asks_market_open("2025年4月4日台股有開盤嗎")
    assert market_open_answer("was the market open on 2025-04-04?", _at(2025, 4, 10, 9, 0), None).startswith(
        "2025-04-04 (Friday) is an exchange holiday on the TWSE calendar: TWSE and TPEx did not trade.")
    assert market_open_answer("2025年4月4日台股有開盤嗎", _at(2025, 4, 10, 9, 0), None).startswith(
        "2025-04-04（週五） 是交易所日曆上的休市日")
    assert market_open_answer("when is the next trading day?", evening, None).startswith(
        "The next trading day is 2025-04-07 (Monday), on the exchange calendar")
