""""用英文回答" / "answer in Chinese please": the language the user asks for, over the question's own.

The request is read apart from the question ("台積電股價，用英文回答" asks for 2330's price, in
English), holds for the rest of the conversation, and alone answers the last question again, from
the state the conversation was in before it, in the language asked.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from assistant.i18n import answers_zh, answering_in, language_request, only_language_request, stream_in
from ingest.cjk import has_cjk


@pytest.mark.parametrize("message, language, rest", [
    ("用英文回答", "en", ""), ("請用中文回答", "zh", ""), ("说中文", "zh", ""), ("英文回答", "en", ""),
    ("改用英文", "en", ""), ("给我英文版", "en", ""), ("中文", "zh", ""), ("English please", "en", ""),
    ("Answer in Chinese please", "zh", ""), ("please reply in english", "en", ""), ("can you speak Chinese?", "zh", ""),
    ("translate that to English", "en", ""), ("switch to Chinese", "zh", ""), ("use English", "en", ""),
    ("请用简体中文回答", "zh", ""),
    ("can you explain that in English?", "en", ""), ("repeat that in Chinese please", "zh", ""),  # they had searched the news
    ("台積電股價，用英文回答", "en", "台積電股價"), ("What's TSMC news? answer in Chinese", "zh", "What's TSMC news?"),
    ("2330 price in english", "en", "2330 price"), ("用英文說明台積電的風險", "en", "台積電的風險"),
])
def test_a_request_names_its_language_and_leaves_the_question(message, language, rest):
    assert language_request(message) == (language, rest)
    assert only_language_request(rest) == (rest == "")


@pytest.mark.parametrize("message", [
    "TSMC's Chinese name", "台積電英文名稱", "聯發科的英文名字", "translate 'bullish'", "what is 台積電 in English?",
    "how do you say 當沖 in English", "How is TSMC doing in the Chinese market?", "2330 price",
    'classify "please answer in English"', "「用英文回答」是利多嗎",
])
def test_naming_a_language_for_another_reason_is_no_request(message):
    assert language_request(message) == (None, message)


def test_filler_beside_a_request_asks_nothing_else():
    assert only_language_request("please, thanks") and only_language_request("再一次")
    assert not only_language_request("2330") and not only_language_request("台積電")


def test_the_asked_language_wins_over_the_question_and_is_undone_after():
    assert answers_zh("台積電股價") and not answers_zh("2330 price")
    with answering_in("en"):
        assert not answers_zh("台積電股價")
    with answering_in("zh"):
        assert answers_zh("2330 price")
    assert answers_zh("台積電股價") and not answers_zh("2330 price")


def test_a_stream_keeps_its_language_whichever_thread_pulls_each_step():
    """Gradio pulls a streaming answer's steps from worker threads: the setting travels with the
    steps, not with the thread, and never leaks to the caller."""
    def steps():
        for _ in range(4):
            yield answers_zh("2330 price"), threading.get_ident()

    items = stream_in("zh", steps())
    with ThreadPoolExecutor(max_workers=2) as pool:
        pulled = [pool.submit(next, items).result() for _ in range(4)]
    assert all(zh for zh, _ in pulled)
    assert not answers_zh("2330 price")


def test_the_qa_prompt_says_the_asked_language_after_the_question():
    from assistant.prompts import LANGUAGE_INSTRUCTIONS, render_qa_messages

    ctx = [{"n": 1, "title": "t", "source": "s", "date": "2025-04-01", "text": "台積電營收成長"}]
    plain = render_qa_messages("台積電營收?", ctx)[-1]["content"]
    english = render_qa_messages("台積電營收?", ctx, language="en")[-1]["content"]
    assert LANGUAGE_INSTRUCTIONS["en"] not in plain
    assert english == plain + "\n\n" + LANGUAGE_INSTRUCTIONS["en"]
    assert render_qa_messages("revenue?", ctx, language="zh")[-1]["content"].endswith(LANGUAGE_INSTRUCTIONS["zh"])


@pytest.fixture
def assistant(data_dir):
    from assistant.service import Assistant
    from ingest.store import open_store
    from ingest.types import PriceBar

    store = open_store(data_dir.store_path)
    store.upsert_bars([PriceBar(code=code, date=date(2025, 3, d), open=100.0, high=110.0, low=95.0,
                                close=base + d, volume=2_000_000)
                       for code, base in (("2330", 1000.0), ("2454", 1300.0)) for d in (3, 4, 5, 6, 7)])
    return Assistant(data_dir)


def test_a_bare_request_answers_the_last_question_again_in_that_language(assistant):
    from assistant.slots import ChatSession

    session = ChatSession()
    first = assistant.answer("台積電2025年3月7日收盤價", session=session)
    assert first.engine == "qa:prices" and "收盤" in first.answer
    again = assistant.answer("用英文回答", session=session)
    assert again.engine == "qa:prices" and "closed at 1,007.00" in again.answer and not has_cjk(again.answer.split("(")[0])
    assert "English from now on" in again.notices[0] and "last question again" in again.notices[0]
    # the conversation is as it was after the question, once: "and 2454?" follows it, in English
    assert [t["content"] for t in session.history if t["role"] == "user"] == ["台積電2025年3月7日收盤價"]
    follow = assistant.answer("那聯發科呢？", session=session)
    assert "2454" in follow.answer and "closed at 1,307.00" in follow.answer
    back = assistant.answer("Answer in Chinese please", session=session)
    assert "收盤 1,307.00" in back.answer and "中文回答" in back.notices[0]
    assert "收盤" in assistant.answer("2330 close on 2025-03-06", session=session).answer


def test_a_request_beside_a_question_answers_it_and_holds_for_the_conversation(assistant):
    from assistant.slots import ChatSession

    session = ChatSession()
    ans = assistant.answer("台積電2025年3月7日收盤價，用英文回答", session=session)
    assert "closed at 1,007.00" in ans.answer and "English from now on" in ans.notices[0]
    later = assistant.answer("聯發科2025年3月6日收盤價", session=session)
    assert "closed at 1,306.00" in later.answer and not any("English from now on" in n for n in later.notices)
    # without a conversation it is this answer's language only, and nothing is promised
    single = assistant.answer("2330 close on 2025-03-07 in Chinese")
    assert "收盤 1,007.00" in single.answer and not any("從現在起" in n or "接下來" in n for n in single.notices)
    assert assistant.route("台積電股價，用英文回答")["code"] == "2330"


def test_a_bare_request_with_nothing_to_answer_again_says_what_to_ask(assistant):
    from assistant.slots import ChatSession

    session = ChatSession()
    ack = assistant.answer("用英文回答", session=session)
    assert ack.engine == "help" and "in English from now on" in ack.answer and "`TSMC price`" in ack.answer
    assert "closed at" in assistant.answer("台積電2025年3月7日收盤價", session=session).answer
    assert "好的" in assistant.answer("中文").answer and "這段對話" not in assistant.answer("中文").answer


@pytest.mark.parametrize("message, zh", [
    ("Tell me everything about 台積電", False), ("sentiment of 台積電", False), ("台積電 TSMC 2330 price", False),
    ('classify "聯發科下修財測"', False), ("台積電 news", False),
    ("台積電", True), ("台積電RSI", True), ("鴻海的drawdown", True), ("2330的EPS", True), ("聯發科 KD", True),
    ("預測台積電 next 5 days", True), ("台積電pirce 2025-03-05", True), ("2330 price", False), ("台積電最近新聞", True),
])
def test_an_english_sentence_with_a_chinese_name_is_english(message, zh):
    """A Chinese company name or a quoted Chinese headline in an English sentence does not make it
    a Chinese question; a bare name, Chinese words, or English terms glued to Chinese do."""
    from assistant.i18n import written_in_chinese

    assert written_in_chinese(message) is zh
    assert answers_zh(message) is zh


def test_the_assistant_answers_an_english_question_about_a_chinese_name_in_english(assistant):
    en = assistant.answer("What was 台積電's close on 2025-03-07?")
    assert "closed at 1,007.00" in en.answer
    assert "收盤 1,007.00" in assistant.answer("台積電2025-03-07收盤").answer
