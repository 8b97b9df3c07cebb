"""Questions finqa answers with what it can do instead: a price alert (it watches nothing)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("message, zh, past", [
    ("Set an alert when 2330 drops below 900", False, "`when did 2330 last close below 900?`"),
    ("notify me if TSMC hits 1000", False, "`when did 2330 last close above 1000?`"),
    ("台積電跌破900通知我", True, "`2330 上次跌破900是什麼時候`"),
])
def test_an_alert_is_answered_with_what_finqa_can_do_instead(data_dir, message, zh, past):
    """finqa watches no prices: it says so and what to ask (the past, the forecaster's odds at the
    level asked), instead of quoting news about the company."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "help" and past in a.answer
    assert a.answer.startswith("finqa 不會盯盤" if zh else "finqa watches no prices")


@pytest.mark.parametrize("message", ["tell me when 2330 closed above 1000", "what did the price alert say",
                                     "Tell me if 2330 is a buy", "告訴我台積電股價", "2330 news alert"])
def test_questions_that_only_sound_like_alerts_are_not(message):
    from assistant.small_talk import asks_alert

    assert not asks_alert(message)


@pytest.mark.parametrize("message, zh", [
    ("How do you calculate sentiment?", False), ("how is the news sentiment score computed?", False),
    ("how does the sentiment analysis work?", False), ("情緒怎麼算的", True), ("情緒分析的原理", True),
])
def test_how_sentiment_is_computed_is_the_method(data_dir, message, zh):
    """It had asked "which company?": the method, in the question's language."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "help"
    assert ("淨分數 =（正面則數 − 負面則數）÷ 總則數" in a.answer) if zh else ("(positive − negative) / n" in a.answer)


@pytest.mark.parametrize("message, zh", [
    ("Where does your data come from?", False), ("How often is the data updated?", False), ("is the data real-time?", False),
    ("what are your data sources?", False), ("資料來源是哪裡", True), ("多久更新一次", True), ("股價是從哪裡來的", True),
])
def test_where_the_data_comes_from_names_the_sources_and_how_they_are_refreshed(data_dir, message, zh):
    """They had quoted unrelated news: the sources (twstock, newsapi) and that nothing refreshes by itself."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "help" and "twstock" in a.answer and "newsapi.org" in a.answer
    assert ("資料不會自動更新" in a.answer) if zh else ("Nothing refreshes on its own" in a.answer)


@pytest.mark.parametrize("message", ["how is the sentiment of 2330?", "where does TSMC get its revenue from?",
                                     "how often does TSMC pay dividends?"])
def test_company_questions_are_not_the_method_or_the_sources(message):
    from assistant.slots import to_simplified
    from assistant.small_talk import asks_data_sources, asks_sentiment_method

    s = to_simplified(message).lower()
    assert not asks_sentiment_method(s) and not asks_data_sources(s)


def test_start_over_forgets_the_conversation_and_keeps_its_language(data_dir):
    """"start over" / "清除對話" had searched the news; now the session's companies, spans and
    holdings are forgotten, so "and 2454?" next is a question of its own."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("我有台積電2張成本1000", session=session)
    assert session.last_code == "2330" and session.holdings
    session.language = "zh"
    done = asst.answer("清除對話", session=session)
    assert done.engine == "help" and done.answer.startswith("好，重新開始")
    assert session.last_code is None and session.holdings is None and not session.history and session.language == "zh"
    assert asst.answer("start over", session=ChatSession()).answer.startswith("Started over")
    for message in ("clear", "reset the conversation", "重新開始", "forget my holdings"):
        from assistant.small_talk import asks_reset

        assert asks_reset(message), message
    assert not asks_reset("clear the TSMC chart") and not asks_reset("reset my password for 2330")


@pytest.mark.parametrize("message, zh", [("what time is it in Taipei?", False), ("what's today's date?", False),
                                         ("今天幾號", True), ("現在幾點", True)])
def test_the_clock_is_taipei_s_with_the_market_s_state(data_dir, message, zh):
    from datetime import datetime

    from assistant.price_facts import TAIPEI
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "qa:market-hours", (message, a.engine)
    assert datetime.now(TAIPEI).date().isoformat() in a.answer and ("台北時間" in a.answer) == zh
