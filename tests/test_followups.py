"""Follow-ups of news questions ("TSMC news" → "and 2454?") carry the question over."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.followups import carry_news_question, news_question_of
from assistant.types import Answer
from ingest.companies import build_directory


@pytest.fixture(scope="module")
def directory():
    return build_directory()


@pytest.fixture
def store(data_dir):
    from datetime import date

    from ingest.store import open_store
    from ingest.types import PriceBar

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code="2330", date=date(2025, 3, d), open=1000.0, high=1020.0, low=990.0,
                            close=1000.0 + d, volume=1_000_000) for d in (3, 4, 5)])
    return s


@pytest.mark.parametrize("previous, message, codes, carried", [
    ("TSMC news", "and 2454?", ["2454"], "2454 news"),
    ("TSMC news", "what about MediaTek?", ["2454"], "2454 news"),
    ("台積電的營收", "那聯發科呢？", ["2454"], "2454的營收"),
    ("台積電的營收", "還有鴻海呢", ["2317"], "2317的營收"),
    ("TSMC news", "what about last week?", [], "TSMC news last week"),
    ("Why did TSMC drop in April 2025?", "and in May 2025?", [], "Why did TSMC drop in May 2025"),
    ("台積電2025年4月的新聞", "那5月呢", [], "台積電 的新聞 5月"),
    ("semiconductor tariff news", "and TSMC?", ["2330"], "2330 semiconductor tariff news"),
    ("TSMC and UMC news", "and 2454?", ["2454"], "2454 news"),
    ("台積電和聯電的營收", "那鴻海呢", ["2317"], "2317 的營收"),
    ("TSMC news", "and?", [], "TSMC news"),
    # words of its own: a new question, returned as it is
    ("2330 ADR", "TSMC ADR premium", ["2330"], "TSMC ADR premium"), ("what is 0050?", "0050 holdings", ["0050"], "0050 holdings"),
    # a company alone after a general question (no company, no news asked) is its own question
    ("ETF有哪些", "富邦科技", ["0052"], "富邦科技"), ("latest news", "2330?", ["2330"], "2330 latest news"),
    ("what happened on 2025-04-07?", "and TSMC?", ["2330"], "2330 what happened on 2025-04-07?"),
])
def test_the_last_question_is_asked_of_what_the_follow_up_names(directory, previous, message, codes, carried):
    assert carry_news_question(previous, message, codes, directory) == carried


def test_only_news_answers_are_remembered():
    from assistant.types import Citation

    cited = [Citation(n=1, title="TSMC beats", source="Fixture Daily", date="2025-03-04", url=None)]
    assert news_question_of("TSMC news", Answer(route="qa", engine="qa:cpu-extractive", answer="…", citations=cited)) == "TSMC news"
    assert news_question_of("TSMC news", Answer(route="qa", engine="qa:Llama-3.1-8B", answer="…", citations=cited)) == "TSMC news"
    # nothing found: "asdfghjkl" and then "2330" had been read as "2330 asdfghjkl"
    assert news_question_of("asdfghjkl", Answer(route="qa", engine="qa:cpu-extractive", answer="No indexed news…")) is None
    for engine in ("qa:prices", "qa:overview"):
        assert news_question_of("2330 price", Answer(route="qa", engine=engine, answer="…")) is None
    assert news_question_of("TSMC sentiment", Answer(route="sentiment", engine="sentiment:cpu-minilm", answer="…")) is None


def test_the_facade_carries_a_news_question_to_the_next_company_and_says_so(data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from tests.test_qa import _index_news

    settings = data_dir.model_copy(update={"cpu_only": True})
    _index_news(settings)
    asst, session = Assistant(settings), ChatSession()
    first = asst.answer("TSMC news", session=session)
    assert first.engine == "qa:cpu-extractive" and session.last_news_question == "TSMC news"
    other = asst.answer("and MediaTek?", session=session)
    assert other.engine == "qa:cpu-extractive" and other.code == "2454"  # news, not an overview
    assert other.citations and all("MediaTek" in c.title or "聯發科" in c.title for c in other.citations)
    assert any("Read as “2454 news”" in n for n in other.notices)
    assert session.last_news_question == "2454 news"
    # A follow-up that asks something of its own is no follow-up: "2454 dividend" is about dividends.
    own = asst.answer("2454 dividend", session=session)
    assert not any(n.startswith("Read as") for n in own.notices)
    assert any("not financial statements" in n for n in own.notices)
    # A price answer ends the news thread: "and 2317?" then asks for 2317's price.
    asst.answer("2330 close on 2025-03-03", session=session)
    assert session.last_news_question is None


def test_a_topic_after_a_price_answer_is_not_a_price_follow_up(store, data_dir):
    """"2330 dividend" after "2330 price" used to repeat the price answer."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    settings = data_dir.model_copy(update={"cpu_only": True})
    asst, session = Assistant(settings), ChatSession()
    assert asst.answer("2330 price", session=session).engine == "qa:prices"
    for message in ("2330 dividend", "what about its EPS?", "台積電的市值呢", "and its market cap?"):
        assert asst.route(message, session)["route"] == "qa"
        answer = asst.answer(message, session=session)
        assert answer.engine != "qa:prices", message
        asst.answer("2330 price", session=session)
    assert asst.answer("and 2454?", session=session).engine == "qa:prices"


@pytest.mark.parametrize("message, previous, carried", [
    ("Show me 2330's chart for that month", "How did the market do in April 2025?",
     "Show me 2330's chart from 2025-04-01 to 2025-04-30"),
    ("2454 on that day", "2330 close on 2025-04-07", "2454 on 2025-04-07"),
    ("那天聯發科收多少", "台積電2025年4月7日收盤價", "2025-04-07聯發科收多少"),
    ("聯發科同期表現", "台積電2025年3月表現", "聯發科2025-03-01到2025-03-31表現"),
    ("Which stocks did best?", "How did the market do in April 2025?", "Which stocks did best? from 2025-04-01 to 2025-04-30"),
    ("哪些股票表現最好", "台股2025年4月表現", "哪些股票表現最好（2025-04-01到2025-04-30）"),
    # its own period, a company, no period before, or no ranking before: as written
    ("Which stocks did best in May 2025?", "How did the market do in April 2025?", "Which stocks did best in May 2025?"),
    ("Which stocks did best?", "2330 price", "Which stocks did best?"),
    ("Which stocks did best?", "2330 in April 2025", "Which stocks did best?"),
    ("Did TSMC do best?", "How did the market do in April 2025?", "Did TSMC do best?"),
    ("2330 that month", None, "2330 that month"),
    ("2330 that month", "2330 price", "2330 that month"),
    # the same span a year before: the last span written in, the year-over-year words kept
    ("what about the same period last year?", "2330 price in April 2025",
     "what about the same period last year from 2025-04-01 to 2025-04-30?"),
    ("跟去年同期比呢", "台積電2025年4月股價", "跟去年同期比（2025-04-01到2025-04-30）呢"),
    # the span next to the last one, the last question asked of it
    ("and the month before?", "2330 price in April 2025", "2330 price from 2025-03-01 to 2025-03-31"),
    ("what about the week after?", "2330 price from 2025-04-07 to 2025-04-13", "2330 price from 2025-04-14 to 2025-04-20"),
    ("前一個月呢", "台積電2025年4月股價", "台積電股價（2025-03-01到2025-03-31）呢"),
    # "and the next week?" (with "the": after a past span, not a forecast); a week that the rewrite
    # had named keeps its 呢, whose company the conversation holds
    ("and the next week?", "how did it close in the week of 2025-04-07?", "how did it close from 2025-04-14 to 2025-04-20"),
    ("the previous month?", "2330 price in April 2025", "2330 price from 2025-03-01 to 2025-03-31"),
    ("下一週呢", "2025-04-09 當週的表現呢", "表現（2025-04-14到2025-04-20）呢"),
    # "that week" / "那個月" after one day (one week): the week (month) around it, not the day again
    ("how did it close that week?", "What happened to TSMC on April 7 2025?", "how did it close in the week of 2025-04-07?"),
    ("那週的表現呢", "台積電2025年4月9日收盤", "2025-04-09 當週的表現呢"),
    ("那個月呢", "how did it close in the week of 2025-04-07?", "2025年4月呢"),
    ("what about that year?", "2330 on 2025-04-07", "what about in 2025?"),
    ("2454 on that day", "2330 close on 2025-04-07", "2454 on 2025-04-07"),
    ("and the quarter before?", "2330 in Q2 2025", "2330 from 2025-01-01 to 2025-03-31"),
    ("and the year before?", "2330 in 2025", "2330 from 2024-01-01 to 2024-12-31"),
    ("and the year after?", "2330 in 2024", "2330 from 2025-01-01 to 2025-12-31"),  # the whole year, to the 31st
    ("and the month before?", "2330 price", "and the month before?"),  # no span before: as written
])
def test_a_period_pointed_at_or_a_ranking_after_a_ranking_takes_the_last_period(message, previous, carried):
    from assistant.followups import carry_period

    assert carry_period(message, previous, date(2026, 12, 5)) == carried


def test_the_conversation_keeps_the_market_s_period_and_what_about_a_month_moves_it(store, data_dir):
    """"How did the market do in March 2025?", then "which stocks did best?", "and the worst?" and
    "2330 for that month": every answer over the span the conversation is on, each carried one
    said so. "What about May?" names May (the verb "may" never does)."""
    from assistant.periods import parse_period

    for message in ("What about May?", "how about March", "and April?"):
        assert parse_period(message, date(2026, 12, 5)).kind == "range", message
    assert parse_period("what about May 2025?", date(2026, 12, 5)).start == date(2025, 5, 1)
    assert parse_period("2330 may rise", date(2026, 12, 5)).kind == "latest"
    assert parse_period("and may I ask about 2330?", date(2026, 12, 5)).kind == "latest"
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    march = asst.answer("How did the market do in March 2025?", session=session, as_of=date(2025, 3, 20))
    assert "2025-03-03" in march.answer
    best = asst.answer("Which stocks did best?", session=session, as_of=date(2025, 3, 20))
    assert best.ranking and "2025-03-03" in best.answer and any("Read as" in n for n in best.notices)
    worst = asst.answer("and the worst?", session=session, as_of=date(2025, 3, 20))
    assert "losers" in worst.ranking and "2025-03-03" in worst.answer
    chart = asst.answer("2330 for that month", session=session, as_of=date(2025, 3, 20))
    assert chart.code == "2330" and [b.date for b in chart.bars] == [date(2025, 3, d) for d in (3, 4, 5)]


def test_that_week_then_the_next_week_after_one_day_are_those_weeks_of_the_same_company(data_dir):
    """"台積電2025年4月9日收盤", "那週的表現呢", "下一週呢" (and the English): the week around April 9,
    then the week after, both TSMC's prices. "那週" had been April 9 again, and "下一週呢" had lost
    the company (its rewrite named none) and searched the news."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from ingest.types import PriceBar

    days = [date(2025, 4, d) for d in (1, 2, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 21)]
    open_store(data_dir.store_path).upsert_bars([PriceBar(code="2330", date=d, open=900.0 + i, high=910.0 + i, low=890.0 + i,
                                                          close=900.0 + i, volume=1_000_000) for i, d in enumerate(days)])
    asst, as_of = Assistant(data_dir.model_copy(update={"cpu_only": True})), date(2025, 5, 1)
    for first, that, after in (("台積電2025年4月9日收盤", "那週的表現呢", "下一週呢"),
                               ("2330 close on 2025-04-09", "how did it close that week?", "and the next week?")):
        session = ChatSession()
        asst.answer(first, session=session, as_of=as_of)
        week = asst.answer(that, session=session, as_of=as_of)
        assert week.engine == "qa:prices" and [b.date.day for b in week.bars] == [7, 8, 9, 10, 11], week.answer
        nxt = asst.answer(after, session=session, as_of=as_of)
        assert nxt.engine == "qa:prices" and nxt.code == "2330", nxt.answer
        assert [b.date.day for b in nxt.bars] == [14, 15, 16, 17, 18], nxt.answer


def test_a_record_asked_next_is_the_record_of_the_span_just_asked_about(data_dir):
    """"2330 in April 2025", then "which day had the highest volume?" and "and the lowest close?":
    April's heaviest day and lowest close (they had been the market's ranking of the last day and
    the whole stored history's low, both outside April here), said as read; a company or span named
    in the message keeps its own."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from ingest.types import PriceBar

    bars = [(date(2025, 3, 3), 500.0, 9_000_000), (date(2025, 3, 4), 510.0, 1_000_000),
            (date(2025, 4, 1), 900.0, 2_000_000), (date(2025, 4, 2), 880.0, 5_000_000), (date(2025, 4, 3), 920.0, 3_000_000)]
    open_store(data_dir.store_path).upsert_bars([PriceBar(code="2330", date=d, open=c, high=c + 5, low=c - 5, close=c, volume=v)
                                                 for d, c, v in bars])
    asst, as_of = Assistant(data_dir.model_copy(update={"cpu_only": True})), date(2025, 5, 1)
    for first, day, low, zh in (("2330 in April 2025", "which day had the highest volume?", "and the lowest close?", False),
                                ("台積電2025年4月股價", "哪天成交量最大", "最低收盤呢", True)):
        session = ChatSession()
        asst.answer(first, session=session, as_of=as_of)
        heaviest = asst.answer(day, session=session, as_of=as_of)
        assert heaviest.engine == "qa:prices" and heaviest.code == "2330", day
        assert "(2025-04-02)" in heaviest.answer or "（2025-04-02）" in heaviest.answer
        assert "2025-03-03" not in heaviest.answer and "Compal" not in heaviest.answer
        assert any(("視為" if zh else "Read as") in n and "2025-04-01" in n for n in heaviest.notices)
        lowest = asst.answer(low, session=session, as_of=as_of)
        assert "880.00" in lowest.answer and "500.00" not in lowest.answer, lowest.answer
    session = ChatSession()
    asst.answer("2330 in April 2025", session=session, as_of=as_of)
    assert "500.00" in asst.answer("and the lowest close ever?", session=session, as_of=as_of).answer


def test_the_month_before_a_comparison_compares_both_again(data_dir):
    """"2454 4月表現" → "5月呢" → "跟2330比呢" → "那前一個月": April for both companies (it had
    dropped 2330 and quoted the news)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from ingest.types import PriceBar

    days = [date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 30), date(2025, 5, 2), date(2025, 5, 29)]
    open_store(data_dir.store_path).upsert_bars([PriceBar(code=c, date=d, open=p, high=p, low=p, close=p + i, volume=1e6)
                                                 for c, p in (("2454", 1200.0), ("2330", 900.0)) for i, d in enumerate(days)])
    asst, session, as_of = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession(), date(2025, 6, 10)
    for message in ("2454 2025年4月表現", "5月呢", "跟2330比呢"):
        asst.answer(message, session=session, as_of=as_of)
    before = asst.answer("那前一個月", session=session, as_of=as_of)
    assert before.engine == "qa:prices" and {b.code for b in before.bars} == {"2454", "2330"}
    assert {b.date for b in before.bars} == {date(2025, 4, 1), date(2025, 4, 30)}


def test_which_of_the_conversations_companies_compares_them_all(data_dir):
    """Overviews of 台積電 and 聯發科, then "兩個誰比較強": both side by side with no verdict (it had been
    台積電's overview again); after 鴻海 too, "哪個最會漲" forecasts all three (it had taken the last two)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454", "2317")):
        store.upsert_bars(synthetic_bars(code, 120, seed=seed))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("台積電", session=session)
    asst.answer("那聯發科呢", session=session)
    both = asst.answer("兩個誰比較強", session=session)
    assert both.engine == "qa:prices" and {b.code for b in both.bars} == {"2330", "2454"}
    assert "finqa 不替你決定" in both.answer
    asst.answer("那鴻海呢", session=session)
    rise = asst.answer("哪個最會漲", session=session)
    assert rise.route == "forecast" and [f.code for f in rise.forecasts] == ["2330", "2454", "2317"]
    # a number of them named: "這三家誰最強" / "compare these three" (they had been the news, or
    # the first company's overview)
    for message in ("這三家誰最強", "which of the three is the strongest"):
        three = asst.answer(message, session=session)
        assert three.engine == "qa:prices" and {b.code for b in three.bars} == {"2330", "2454", "2317"}, message
        assert "finqa 不替你決定" in three.answer or "which to pick" in three.answer
    plain = asst.answer("compare these three", session=session)
    assert plain.engine == "qa:prices" and {b.code for b in plain.bars} == {"2330", "2454", "2317"}
    assert {b.code for b in asst.answer("compare these two", session=session).bars} == {"2454", "2317"}


def test_more_after_a_news_list_is_its_next_page(data_dir):
    """"TSMC news", then "more" / "更多" / "下一頁": the next older articles, none listed twice, said as
    read; past the oldest, that this was all (not that the index is missing)."""
    from datetime import datetime, timedelta, timezone

    from assistant.followups import asks_more
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from index.news_index import build_news
    from ingest.store import open_store
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = open_store(settings.store_path)
    start = datetime(2025, 3, 1, 3, tzinfo=timezone.utc)
    store.upsert_articles([Article(url=f"https://news.example.com/tsmc/{i}", title=f"TSMC update number {i}",
                                   published_at=start + timedelta(days=i), code="2330", source="Fixture Daily",
                                   language="en", description=f"TSMC said update {i} went well.",
                                   content=f"TSMC said update {i} went well.") for i in range(12)])
    build_news(store, settings, progress=False)
    asst, session = Assistant(settings), ChatSession()
    first = asst.answer("TSMC news", session=session, as_of=date(2025, 4, 1))
    pages = [first] + [asst.answer(m, session=session, as_of=date(2025, 4, 1)) for m in ("more", "更多")]
    urls = [c.url for page in pages for c in page.citations]
    assert len(urls) == 12 and len(set(urls)) == 12  # every article once, newest first
    assert urls == [f"https://news.example.com/tsmc/{i}" for i in range(11, -1, -1)]
    assert any("next page of “TSMC news” (the 5 articles already listed" in n for n in pages[1].notices)
    done = asst.answer("下一頁", session=session, as_of=date(2025, 4, 1))
    assert "沒有更早的已存新聞" in done.answer and not any("finqa index build" in n for n in done.notices)
    assert asks_more("show me 5 more headlines") and not asks_more("tell me more about TSMC")
    # without a news list before it, "more" is no page of anything
    assert not any("next page" in n for n in asst.answer("more", session=ChatSession()).notices)


def test_a_figure_after_technicals_is_not_the_technicals_again(data_dir):
    """"台積電技術面", then "那籌碼呢": institutional flows, which finqa does not store (it had repeated
    the indicators, then the last price)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    open_store(data_dir.store_path).upsert_bars(synthetic_bars("2330", 120))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("台積電技術面", session=session)
    flows = asst.answer("那籌碼呢", session=session)
    assert flows.engine != "qa:prices" and any("三大法人" in n for n in flows.notices)


def test_a_relative_span_is_carried_as_its_words():
    """"台股" after "台股昨天收盤": the span carried as "昨天" (a stale store maps it to its newest
    session, as the first answer did), not as yesterday's calendar date (which it had, and then
    searched that date's news)."""
    from datetime import date

    from assistant.followups import carry_period

    assert carry_period("台股", "台股昨天收盤", date(2026, 12, 6)) == "台股（昨天）"
    assert carry_period("which stocks did best?", "how did the market do last week?", date(2026, 12, 6)) == (
        "which stocks did best? last week")


@pytest.mark.parametrize("message, previous, code, expected", [
    # after one company's prices: why it moved over the span shown
    ("why?", "2330 in April 2025", "2330", "why did 2330 move from 2025-04-01 to 2025-04-30?"),
    ("how come?", "2454 last week", "2454", "why did 2454 move last week?"),
    ("為什麼？", "台積電2025年4月表現", "2330", "2330 2025-04-01到2025-04-30為什麼漲跌？"),
    ("why?", "2330 price", "2330", "why did 2330 move?"),  # no span: the engine's recent move
    # after a ranking: its first one, or its last for a list of losers
    ("why?", "which stock fell the most in April 2025?", "2465", "why did the worst one fall?"),
    ("why?", "Which semiconductor stock had the best week?", "2330", "why did the top one rise?"),
    ("為什麼", "上個月跌最多的股票", "2330", "最後一名為什麼跌？"),
    # why it moved, said with the move ("為什麼跌", "why did it fall?"): the same (it had found no news)
    ("為什麼跌", "台積電2025年4月表現", "2330", "2330 2025-04-01到2025-04-30為什麼漲跌？"),
    ("why did it fall?", "2454 last week", "2454", "why did 2454 move last week?"),
    ("怎麼跌這麼多", "2330 price", "2330", "2330為什麼漲跌？"),
    # not a bare why, or nothing before: nothing to write out
    ("why did 2330 fall?", "2330 in April 2025", "2330", None), ("why?", None, None, None),
    ("why did it fall behind its peers?", "2330 in April 2025", "2330", None),
])
def test_a_bare_why_after_prices_asks_why_they_moved(message, previous, code, expected):
    """"why?" after "2330 in April 2025" had searched the news for "why?" and found nothing."""
    from assistant.followups import why_back_question

    assert why_back_question(message, previous, code, date(2026, 12, 6)) == expected


def test_why_zoom_and_then_follow_a_company_s_prices(data_dir):
    """"why?" is April's move with its prices beside the news; "zoom into March 2025" and "what
    was the average volume then?" keep the company and the span (they had searched the news)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    open_store(data_dir.store_path).upsert_bars(synthetic_bars("2317", 120, end=date(2025, 5, 30)))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("2317 in April 2025", session=session)
    why = asst.answer("why?", session=session)
    assert any("why did 2317 move from 2025-04-01 to 2025-04-30?" in n for n in why.notices)
    assert why.bars and {b.date.month for b in why.bars} == {4}
    zoom = asst.answer("zoom into March 2025", session=session)
    assert zoom.engine == "qa:prices" and {b.date.month for b in zoom.bars} == {3} and zoom.code == "2317"
    then = asst.answer("what was the average volume then?", session=session)
    assert then.engine == "qa:prices" and {b.date.month for b in then.bars} == {3}
    shares = [b.volume for b in then.bars]
    assert f"Average daily volume {sum(shares) / len(shares):,.0f} shares" in then.answer


def test_a_comparison_s_best_and_worst_are_named_next(data_dir):
    """"compare 2330 2454 2317 this year", then "why did the top one rise?": the best of the three
    (it had said there was no ranking)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from ingest.types import PriceBar

    days = [date(2025, 3, 3), date(2025, 3, 4)]
    moves = {"2330": (100.0, 110.0), "2454": (100.0, 90.0), "2317": (100.0, 101.0)}
    open_store(data_dir.store_path).upsert_bars([PriceBar(code=c, date=d, open=p, high=p, low=p, close=p, volume=1e6)
                                                 for c, ps in moves.items() for d, p in zip(days, ps)])
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    compared = asst.answer("compare 2330 2454 2317 on 2025-03-04", session=session)
    assert compared.indicators["side_by_side"] == ["2330", "2317", "2454"]
    assert session.last_ranked == {"top": "2330", "bottom": "2454"}
    assert asst.route("why did the worst one fall?", session)["code"] == "2454"


def test_a_stale_store_s_last_month_and_its_chart_follow_the_conversation(data_dir):
    """On a store that ends long before today, "how did TSMC do last month?" reads the store's last
    month; "and MediaTek?" had read the calendar's (and found nothing), and "show me the chart" had
    searched the news for "chart". Now both keep the span, and a chart after a bare company is its chart."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for code in ("2330", "2454"):
        store.upsert_bars(synthetic_bars(code, 120, end=date(2025, 5, 30)))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("how did TSMC do last month?", session=session)
    assert first.engine == "qa:prices" and {b.date.month for b in first.bars} == {4}
    other = asst.answer("and MediaTek?", session=session)
    assert other.engine == "qa:prices" and other.code == "2454", other.answer
    assert {b.date.month for b in other.bars} == {4} and any("is read from there" in n for n in other.notices)
    chart = asst.answer("show me the chart", session=session)
    assert chart.engine == "qa:prices" and chart.code == "2454" and {b.date.month for b in chart.bars} == {4}
    assert any("Read as" in n for n in chart.notices)

    session = ChatSession()
    asst.answer("聯發科", session=session)
    zh = asst.answer("給我看K線圖", session=session)
    assert zh.engine == "qa:prices" and zh.code == "2454" and zh.bars
    assert any("2454 走勢圖" in n for n in zh.notices), zh.notices

    nobody = asst.answer("show me the chart", session=ChatSession())
    assert nobody.engine == "help" and nobody.answer.startswith("Whose chart?")


@pytest.mark.parametrize("message, only", [
    ("show me the chart", True), ("chart please", True), ("can I see the weekly chart?", True), ("畫出走勢圖", True),
    ("給我看K線圖", True), ("週K線", True), ("2330 chart", False), ("chart of TSMC in April", False), ("畫圖", True),
    ("畫個圖", True), ("圖呢", True), ("地圖", False),
    ("what does a candlestick chart show?", False),
])
def test_a_chart_asked_alone(message, only):
    from assistant.slots import asks_chart_only

    assert asks_chart_only(message) == only


@pytest.mark.parametrize("message, route", [
    ("what do analysts say?", "qa"), ("分析師怎麼看", "qa"), ("what's the market saying about it?", "qa"),
    ("市場怎麼看", "sentiment"),
])
def test_what_analysts_or_the_market_say_is_asked_of_the_conversation_s_company(data_dir, message, route):
    """After "Hon Hai news", "what do analysts say?" had asked which company was meant."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    session = ChatSession(last_route="qa", last_code="2317", last_codes=["2317"])
    decided = Assistant(data_dir.model_copy(update={"cpu_only": True})).route(message, session)
    assert decided["code"] == "2317" and decided["route"] == route, decided


def test_compared_to_last_month_puts_the_last_span_beside_the_one_before(data_dir):
    """"compared to last month?" after "2330 in April 2025" had read the calendar's last month
    alone; now April beside March (and "跟上個月比呢" after the store's last month, on a stale store,
    that month beside the one before). After a sentiment answer it is how the tone moved, week by week."""
    from assistant.followups import compared_span_question, sentiment_trend_question
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    open_store(data_dir.store_path).upsert_bars(synthetic_bars("2330", 120, end=date(2025, 5, 30)))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("2330 in April 2025", session=session)
    compared = asst.answer("compared to last month?", session=session)
    assert compared.engine == "qa:prices" and {b.date.month for b in compared.bars} == {3, 4}
    assert any("2330 2025-04 vs 2025-03" in n for n in compared.notices)
    session = ChatSession()
    asst.answer("how did TSMC do last month?", session=session)  # the store's last month: April 2025
    zh = asst.answer("跟上個月比呢", session=session)
    assert {b.date.month for b in zh.bars} == {3, 4} and any("2330 2025-04跟2025-03比" in n for n in zh.notices)
    today = date(2026, 12, 6)
    assert compared_span_question("compared to last year?", "2330 in 2024", ["2330"], today) == "2330 2024 vs 2023"
    assert compared_span_question("compared to last quarter?", "2330 Q1 2025", ["2330"], today) == "2330 Q1 2025 vs Q4 2024"
    assert compared_span_question("compared to last month?", "2330 on 2025-04-07", ["2330"], today) is None
    assert sentiment_trend_question("compared to last month?", "sentiment", "2330") == "has the news tone on 2330 improved?"
    assert sentiment_trend_question("跟上個月比呢", "sentiment", "2330") == "2330 的新聞風向有變好嗎"
    assert sentiment_trend_question("compared to last month?", "qa", "2330") is None


def test_the_best_performer_after_another_kind_of_answer_is_the_ranking_s_span(data_dir):
    """"compare 2330 2454 2317 on 2025-03-04", "which one was the most volatile?", then "and the best
    performer?": the comparison's best over its span (it had been 2330's volatility again)."""
    from assistant.followups import performer_question
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454", "2317")):
        store.upsert_bars(synthetic_bars(code, 120, end=date(2025, 5, 30), seed=seed))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    compared = asst.answer("compare 2330 2454 2317 in April 2025", session=session)
    best, worst = compared.indicators["side_by_side"][0], compared.indicators["side_by_side"][-1]
    asst.answer("which one was the most volatile?", session=session)
    top = asst.answer("and the best performer?", session=session)
    assert top.code == best and {b.date.month for b in top.bars} == {4} and "Volatility" not in top.answer
    bottom = asst.answer("the worst one?", session=session)
    assert bottom.code == worst and {b.date.month for b in bottom.bars} == {4}
    today = date(2026, 12, 6)
    ranked = {"top": "2330", "bottom": "2317"}
    assert performer_question("表現最好的是哪一檔", ranked, "compare 2330 2454 2317 in April 2025", today).startswith("2330")
    assert performer_question("and the worst?", ranked, "which stocks rose the most in April 2025?", today) is None
    assert performer_question("and the best performer?", {}, None, today) is None
    # "and the worst?" / "最差的呢" alone after a comparison (not a market ranking): its last one over its span
    assert performer_question("and the worst?", ranked, "compare 2330 2454 2317 in April 2025", today) == \
        "2317 from 2025-04-01 to 2025-04-30"
    assert performer_question("最好的呢", ranked, "compare 2330 2454 2317 in April 2025", today).startswith("2330")
    # "which one is the best?" in between (no span of its own) keeps the comparison's span for "and the worst?"
    session = ChatSession()
    asst.answer("compare 2330 2454 2317 in April 2025", session=session)
    asst.answer("which one is the best?", session=session)
    last = asst.answer("and the worst?", session=session)
    assert last.code == worst and {b.date.month for b in last.bars} == {4}, last.answer


def test_which_did_better_and_a_drawdown_follow_up_keep_the_span_and_ask_the_returns(data_dir):
    """"TSMC vs MediaTek in April 2025", then "which one did better?": the two ranked over April (it
    had ranked the newest session); "哪個報酬比較好" after their volatility: their changes, not the
    volatility again; "and how long did it take to recover?" after "2454's max drawdown in April
    2025": April's drawdown (it had read the whole stored history)."""
    from assistant.price_facts import asks_which_did_better
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454")):
        store.upsert_bars(synthetic_bars(code, 120, end=date(2025, 5, 30), seed=seed))
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    session = ChatSession()
    asst.answer("TSMC vs MediaTek in April 2025", session=session)
    better = asst.answer("which one did better?", session=session)
    assert better.ranking and "2025-04-01 to 2025-04-30" in better.answer, better.answer
    for message in ("哪個報酬比較好", "which had the better return?", "誰漲比較多", "which one did better?"):
        assert asks_which_did_better(message), message
    assert not asks_which_did_better("哪個比較好") and not asks_which_did_better("哪個波動大")
    session = ChatSession()
    asst.answer("聯發科跟台積電哪個波動大", session=session)
    returns = asst.answer("哪個報酬比較好", session=session)
    assert "波動度" not in returns.answer and "近 20 個交易日：" in returns.answer, returns.answer
    session = ChatSession()
    asst.answer("What's the max drawdown of 2454 in April 2025?", session=session)
    recover = asst.answer("and how long did it take to recover?", session=session)
    assert {b.date.month for b in recover.bars} == {4} and "2025-04" in recover.answer, recover.answer


def test_a_correlation_asked_next_is_between_the_conversation_s_companies(data_dir):
    """"台積電4月表現", "跟聯發科比呢", then "那相關性呢": 2330 against 2454 (it had been 2330 against the
    market, whose prices were not stored)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454")):
        store.upsert_bars(synthetic_bars(code, 120, end=date(2025, 5, 30), seed=seed))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("台積電2025年4月表現", session=session)
    asst.answer("跟聯發科比呢", session=session)
    corr = asst.answer("那相關性呢", session=session)
    assert corr.engine == "qa:prices" and "2330 台積電 與 2454 聯發科" in corr.answer, corr.answer


def test_summarize_them_or_a_topic_after_a_news_list_reads_that_list(data_dir):
    """"TSMC news in March 2025", then "summarize them" / "總結一下": the same articles, each headline
    with its opening sentence; "what do they say about Arizona?" / "這些新聞有提到亞利桑那嗎": that
    news searched for the topic (both had found no news: "them" and "they" are no topic)."""
    from datetime import datetime, timedelta, timezone

    from assistant.followups import asks_summary_only, topic_in_listed
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from index.news_index import build_news
    from ingest.store import open_store
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = open_store(settings.store_path)
    start = datetime(2025, 3, 10, 3, tzinfo=timezone.utc)
    store.upsert_articles([Article(url=f"https://news.example.com/tsmc/{i}", title=f"TSMC update number {i}",
                                   published_at=start + timedelta(days=i), code="2330", source="Fixture Daily",
                                   language="en", description=f"TSMC update number {i}.",
                                   content=f"TSMC update number {i}. The company said step {i} of its "
                                           f"{'Arizona fab' if i == 3 else 'packaging'} plan went well today.")
                           for i in range(6)])
    build_news(store, settings, progress=False)
    asst = Assistant(settings)
    for listing, summarize, about in (("TSMC news in March 2025", "summarize them", "what do they say about Arizona?"),
                                      ("台積電2025年3月的新聞", "總結一下", "這些新聞有提到Arizona嗎")):
        session = ChatSession()
        first = asst.answer(listing, session=session, as_of=date(2025, 4, 1))
        assert "said step" not in first.answer
        summary = asst.answer(summarize, session=session, as_of=date(2025, 4, 1))
        assert [c.url for c in summary.citations] == [c.url for c in first.citations], summary.answer
        assert "  The company said step 5 of its packaging plan went well today." in summary.answer.splitlines()
        assert any("2025" in n and ("summarize" in n or "總結" in n) for n in summary.notices)
        topic = asst.answer(about, session=session, as_of=date(2025, 4, 1))
        assert [c.url for c in topic.citations][:1] == ["https://news.example.com/tsmc/3"], topic.answer
        assert "Arizona fab" in topic.answer and "packaging" not in topic.answer
    assert asks_summary_only("can you summarize these?") and asks_summary_only("重點是什麼")
    assert asks_summary_only("有什麼重點") and asks_summary_only("what are the key points?")  # they had searched the news
    assert not asks_summary_only("summarize TSMC's Q1 earnings call") and topic_in_listed("what about Arizona?") is None


def test_an_aspect_or_a_ranking_of_them_after_several_companies_keeps_them_and_their_span(data_dir):
    """"2330 2454 2317 in 2025", then "which is the riskiest?" and "and their correlation?": all three
    over 2025's sessions (they had read the whole stored history), and "chart them" charts the three
    over it (it had repeated the correlation); "台積電跟聯發科" then "那風險呢" is both companies' risk (it
    had been 2330's alone), while "那新聞呢" stays the first company's news."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession, asks_chart_only
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454", "2317")):
        store.upsert_bars(synthetic_bars(code, 200, end=date(2025, 5, 30), seed=seed))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("compare 2330, 2454 and 2317 in 2025", session=session)
    risk = asst.answer("which is the riskiest?", session=session)
    assert risk.answer.count(", 2025-01-02 to 2025-05-") == 3, risk.answer
    corr = asst.answer("and their correlation?", session=session)
    assert "from 2025-01-02 to 2025-05-" in corr.answer and corr.answer.count(" and ") >= 3, corr.answer
    chart = asst.answer("chart them", session=session)
    assert {b.code for b in chart.bars} == {"2330", "2454", "2317"}, chart.notices
    assert min(b.date for b in chart.bars) >= date(2025, 1, 1)
    assert asks_chart_only("把它們畫出來") and asks_chart_only("plot both") and not asks_chart_only("看看")
    session = ChatSession()
    asst.answer("台積電跟聯發科", session=session)
    both = asst.answer("那風險呢", session=session)
    assert "2330 台積電" in both.answer and "2454 聯發科" in both.answer, both.answer
    news = asst.answer("那新聞呢", session=session)
    assert news.route == "qa" and "風險" not in news.answer
    # "哪個波動比較大" is the risk comparison, once (the 20-session volatility had followed it again)
    asst.answer("台積電跟聯發科", session=session)
    vol = asst.answer("哪個波動比較大", session=session)
    assert "比較：波動度最高的是" in vol.answer and "技術指標" not in vol.answer, vol.answer


def test_that_day_after_a_news_answer_and_why_after_a_day_s_ranking_keep_the_day(data_dir):
    """"what happened in the market on 2025-04-09?" (a news answer), then "which stocks rose the most
    that day?": that day's ranking (it had ranked the newest session, no price question being
    remembered); "why?" next is the top one's move on that day (it had been its last 20 sessions)."""
    from assistant.followups import carry_that_period
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for seed, code in enumerate(("2330", "2454", "2317")):
        store.upsert_bars(synthetic_bars(code, 120, end=date(2025, 5, 30), seed=seed))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("what happened in the market on 2025-04-09?", session=session)
    ranked = asst.answer("which stocks rose the most that day?", session=session)
    assert ranked.answer.startswith("**2025-04-09** (1 trading day)"), ranked.answer
    why = asst.answer("why?", session=session)
    top = next(iter(ranked.ranking.values()))[0]["code"]
    assert why.code == top and any("on 2025-04-09" in n for n in why.notices), why.notices
    assert carry_that_period("那天漲最多的是哪檔", "台股2025年4月9日怎麼了", date(2026, 12, 6)) == "2025-04-09漲最多的是哪檔"
    assert carry_that_period("which stocks rose the most that day?", None, date(2026, 12, 6)).endswith("that day?")
