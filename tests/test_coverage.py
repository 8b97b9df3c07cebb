"""What the store holds, asked in the chat: counts, spans, freshness, per company and per industry."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from assistant.coverage import coverage_answer, is_coverage_question
from assistant.types import Answer, EngineRequest
from ingest.types import Article, PriceBar


@pytest.mark.parametrize("message", [
    "Which semiconductor stocks are in the store?", "list stored companies", "how many stocks do you cover?",
    "When was the data last updated?", "what data do you have for 2330?", "資料更新到哪天", "有哪些半導體股",
    "你們有多少家公司", "how recent is the data?", "which companies do you have?", "when does the price data end?",
    "資料庫有哪些公司", "how up to date is the data?", "which stocks are available?",
    "Which has more news, 2330 or 2454?", "how many articles about 2330?", "how many news do you have on TSMC",
    "台積電有幾則新聞", "台積電和聯發科哪個新聞比較多", "which company has the most news?", "哪家公司新聞最多",
    "廣達跟緯創誰的新聞比較多",
    "TPEx stocks", "上櫃股票有哪些", "chip stocks", "半導體股", "上市櫃公司有哪些",
    "what industries do you cover?", "有哪些產業", "list the sectors",
    "Give me the list of all companies you cover", "show me every stock you support", "which stocks do you support?",
    "Which stocks are in the semiconductor industry?", "which companies belong to the semiconductor sector?",
    "supported tickers", "How many stocks are in the database?", "ETF有哪些", "which ETFs do you have?",
    # whether one company is held (they had searched the news for it)
    "do you have 0050?", "do you cover MediaTek?", "is 2330 in your database?", "有0050的資料嗎", "有沒有聯發科",
])
def test_coverage_questions(message):
    assert is_coverage_question(message)


@pytest.mark.parametrize("message", [
    "when did 2330 prices peak", "2330 prices at the end of March", "TSMC analyst coverage", "台積電有多少股東", "我有多少股",
    "台積電股價到多少", "what stocks should I buy", "which stocks rose the most", "which companies have the most positive news?",
    "how many stocks rose today", "what is TSMC data center revenue", "what chip stocks have AI exposure",
    "how many articles mention tariffs?", "有幾則提到關稅的新聞", "how many articles about TSMC and tariffs",
    "哪家公司新聞最正面", "more news on TSMC please", "which sector did best?", "哪個類股表現最好",
    "stocks you track that rose the most", "what is TPEx?", "什麼是上櫃", "what's the TWSE?",
    "do you have news about UMC?", "有沒有台積電的新聞", "do you think TSMC will rise?",
])
def test_not_coverage_questions(message):
    assert not is_coverage_question(message)


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    for code, days in (("2330", (2, 3, 4)), ("2454", (3, 4)), ("2317", (4,))):
        s.upsert_bars([PriceBar(code=code, date=date(2025, 3, d), open=10.0, high=10.0, low=10.0, close=10.0,
                                volume=1.0) for d in days])
    s.upsert_articles([
        Article(url=f"https://news.example.com/{i}", title=f"TSMC item {i}", code="2330", source="Fixture",
                published_at=datetime(2025, 3, 1 + i, 3, tzinfo=timezone.utc), language="en") for i in range(3)])
    return s


def test_the_industries_held_are_listed_when_asked(store):
    """2330 and 2454 are 半導體業, 2317 其他電子業 (TWSE's classification in the directory)."""
    a = coverage_answer(EngineRequest(message="what industries do you cover?"), store, today=date(2025, 3, 20))
    assert "Industries with prices (TWSE's classification): Semiconductors (半導體業) 2, Other Electronics (其他電子業) 1." in a.answer
    zh = coverage_answer(EngineRequest(message="有哪些產業"), store, today=date(2025, 3, 20))
    assert "有股價的產業（證交所分類）：半導體業 2 家、其他電子業 1 家。" in zh.answer
    assert "Industries with prices" not in coverage_answer(EngineRequest(message="which companies do you cover?"), store).answer


def test_the_whole_store_is_counted_and_its_age_said(store):
    a = coverage_answer(EngineRequest(message="which companies do you cover?"), store, today=date(2025, 3, 20))
    assert "Prices: 3 companies (3 on TWSE), 6 daily bars from 2025-03-02 to 2025-03-04; the newest is 16 days ago." in a.answer
    assert "`finqa ingest prices CODE...` fetches newer ones." in a.answer  # older than a week
    assert "News: 3 articles about 1 company, the newest published 2025-03-03." in a.answer
    assert "Companies with prices: 2317 Hon Hai (鴻海), 2330 TSMC (台積電), 2454 MediaTek (聯發科)." in a.answer
    assert a.indicators["companies"] == 3 and a.indicators["listed"] == ["2317", "2330", "2454"]
    fresh = coverage_answer(EngineRequest(message="how recent is the data?"), store, today=date(2025, 3, 5))
    assert "the newest is 1 day ago." in fresh.answer and "fetches newer" not in fresh.answer


def test_an_industry_or_companies_named(store):
    chips = coverage_answer(EngineRequest(message="有哪些半導體股"), store, today=date(2025, 3, 5))
    assert "半導體業（2 家有股價）：2330 台積電、2454 聯發科。" in chips.answer and "鴻海" not in chips.answer.split("半導體業")[1]
    one = coverage_answer(EngineRequest(message="what data do you have for 2330 and 2603?", code="2330",
                                        codes=["2330", "2603"]), store, today=date(2025, 3, 5))
    assert "**2330 TSMC (台積電)**: prices 2025-03-02 to 2025-03-04 (3 sessions; the newest 1 day ago); 3 news articles " \
           "from 2025-03-01 to 2025-03-03." in one.answer
    assert "**2603 Evergreen Marine (長榮)**: no prices (`finqa ingest prices 2603`); no news (`finqa ingest news 2603`)." \
        in one.answer
    assert one.indicators["companies"]["2330"]["articles"] == 3


def test_news_counts_are_compared_and_ranked(store):
    """"Which has more news, 2330 or 2454?": each one's line, then the counts most first; with no
    company named, the companies with the most news, and no company becomes the conversation's."""
    both = coverage_answer(EngineRequest(message="Which has more news, 2454 or 2330?", code="2454", codes=["2454", "2330"]),
                           store, today=date(2025, 3, 5))
    assert "News articles, most first: 2330 3, 2454 0." in both.answer
    zh = coverage_answer(EngineRequest(message="台積電和聯發科哪個新聞比較多", code="2330", codes=["2330", "2454"]),
                         store, today=date(2025, 3, 5))
    assert "新聞則數（由多到少）：2330 3、2454 0。" in zh.answer
    store.upsert_articles([Article(url="https://news.example.com/mtk", title="MediaTek item", code="2454", source="Fixture",
                                   published_at=datetime(2025, 3, 2, 3, tzinfo=timezone.utc), language="en")])
    ranked = coverage_answer(EngineRequest(message="which company has the most news?"), store, today=date(2025, 3, 5))
    assert ranked.answer.startswith("The 2 companies with the most news in finqa's store:\n- **2330 TSMC")
    assert ranked.answer.index("2330 TSMC") < ranked.answer.index("2454 MediaTek") and ranked.code is None
    assert "News articles, most first: 2330 3, 2454 1." in ranked.answer


def test_a_coverage_question_is_asked_again_of_the_next_company(store, data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("how many articles about 2330?", session=session)
    assert "3 news articles" in first.answer
    other = asst.answer("and 2454?", session=session)
    assert other.code == "2454" and "What finqa's store holds:" in other.answer and "no news (`finqa ingest news 2454`)" in other.answer
    assert "What finqa's store holds" not in asst.answer("2454 close on 2025-03-04", session=session).answer


def test_the_ui_tables_what_the_store_holds_per_company(store, data_dir):
    import ui

    a = coverage_answer(EngineRequest(message="Which has more news, 2330 or 2454?", code="2330", codes=["2330", "2454"]),
                        store, today=date(2025, 3, 5))
    details, plot, table = ui.ChatController(None, data_dir, dict).result_views(a)
    frame = table.value if isinstance(table.value, pd.DataFrame) else pd.DataFrame(table.value["data"], columns=table.value["headers"])
    assert table.visible and not plot.visible
    assert frame[["code", "sessions", "articles"]].values.tolist() == [["2330", 3, 3], ["2454", 2, 0]]
    assert frame.loc[1, "news from"] == "–" and frame.loc[0, "prices from"] == "2025-03-02"
    assert ui.coverage_table(Answer(route="qa", engine="qa:prices", answer="x", indicators={"companies": {"2330": {"ma20": 1.0}}})) is None


def test_a_market_is_a_group_of_companies_like_an_industry(store):
    """"TPEx stocks" / 上櫃 and "TWSE-listed" / 上市 group companies by the market they are listed
    on, for coverage, rankings and sentiment alike (2330, 2454, 2317 are all TWSE)."""
    from ingest.companies import get_directory
    from ingest.industries import BY_NAME, industry_named

    assert industry_named("which tpex stock rose the most").name_zh == "上櫃"
    assert industry_named("上市公司4月表現").name_zh == "上市" and industry_named("上市柜公司") is None
    assert industry_named("twse:2330 close") is None and industry_named("台积电上市以来最高") is None
    assert BY_NAME["上市"].covers(get_directory().get("2330")) and not BY_NAME["上櫃"].covers(get_directory().get("2330"))
    assert BY_NAME["上櫃"].covers(get_directory().get("6488"))  # GlobalWafers trades on TPEx
    twse = coverage_answer(EngineRequest(message="TWSE-listed companies"), store, today=date(2025, 3, 5))
    assert "TWSE-listed (上市) with prices (3): 2317 Hon Hai" in twse.answer
    tpex = coverage_answer(EngineRequest(message="上櫃股票有哪些"), store, today=date(2025, 3, 5))
    assert "上櫃（0 家有股價）：沒有。公司名錄中有" in tpex.answer  # how many there are, and how to fetch one


def test_etfs_are_a_group_by_their_kind(store):
    """"ETF有哪些" / "which ETF rose the most?": twstock files ETFs under no industry, so they are a
    group of their kind (it had searched the news); none stored says how many the directory lists."""
    from ingest.companies import get_directory, listed_companies
    from ingest.industries import BY_NAME, industry_named

    assert industry_named("etf有哪些").name_zh == "ETF" and industry_named("get the etfs") is not None
    assert industry_named("netflix") is None and industry_named("betfair") is None
    etf = BY_NAME["ETF"]
    assert etf.covers(get_directory().get("0050")) and not etf.covers(get_directory().get("2330"))
    count = sum(etf.covers(c) for c in listed_companies().values())
    a = coverage_answer(EngineRequest(message="ETF有哪些"), store, today=date(2025, 3, 5))
    assert f"ETF（0 家有股價）：沒有。公司名錄中有 {count} 檔，例如 0050 元大台灣50" in a.answer and count > 100
    assert "`finqa ingest prices 0050`" in a.answer


def test_an_empty_store_says_how_to_fill_it(data_dir):
    from ingest.store import open_store

    a = coverage_answer(EngineRequest(message="which companies do you cover?"), open_store(data_dir.store_path))
    assert "no prices yet" in a.answer and "finqa demo" in a.answer


def test_the_assistant_routes_coverage_questions_to_the_store(store, data_dir):
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    assert asst.route("When was the data last updated?")["route"] == "qa"
    a = asst.answer("how many stocks do you cover?")
    assert a.engine == "qa:prices" and "Prices: 3 companies" in a.answer


@pytest.mark.parametrize("message, code, asks", [
    ("what is 0050?", "0050", True), ("what is TSMC?", "2330", True), ("台積電是什麼公司", "2330", True),
    ("介紹一下聯發科", "2454", True), ("who is MediaTek?", "2454", True), ("聯發科是哪家公司？", "2454", True),
    ("what is TSMC doing?", "2330", False), ("what is TSMC revenue", "2330", False),
    ("what is the TSMC stock price", "2330", False), ("what is a P/E ratio?", None, False),
    ("光寶科是做什麼的", "2301", True), ("what does Lite-On do?", "2301", True), ("台積電主要業務是什麼", "2330", True),
    ("鴻海在做什麼", "2317", True), ("what does TSMC make", "2330", True),
    ("what does TSMC do with its cash?", "2330", False), ("台積電在美國做什麼", "2330", False),
    ("What industry is 2382 in?", "2382", True), ("which sector does Quanta belong to?", "2382", True),
    ("廣達是什麼產業", "2382", True), ("緯創屬於哪個類股", "3231", True), ("which market is 6488 listed on?", "6488", True),
    ("What industry is 2382 in and how did it do in April 2025?", "2382", False),
    ("Is 6488 listed on TPEx?", "6488", True), ("where is 2330 listed?", "2330", True),
    ("is 8299 a TWSE or TPEx stock?", "8299", True), ("6488是上市還是上櫃", "6488", True), ("台積電是上櫃股票嗎", "2330", True),
    ("緯創在哪裡上市", "3231", True), ("is 2330 listed on TWSE and how did it do?", "2330", False),
    # about the conversation's company (they had quoted its news)
    ("What does it do?", "2308", True), ("它是做什麼的", "2308", True), ("what business is it in?", "2308", True),
    ("what did it do in April?", "2308", False),
])
def test_identity_questions(message, code, asks):
    from assistant.coverage import is_identity_question

    assert is_identity_question(message, code) is asks


def test_what_a_company_is_comes_from_the_directory_and_the_store(store):
    from assistant.coverage import identity_answer

    a = identity_answer(EngineRequest(message="what is TSMC?", code="2330"), store, today=date(2025, 3, 5))
    assert a.answer.startswith("**2330 TSMC (台積電)** is a stock listed on TWSE, in the Semiconductors industry (半導體業)")
    assert "Its US ADR trades as TSM (one ADR is 5 shares)." in a.answer
    assert "prices 2025-03-02 to 2025-03-04 (3 sessions" in a.answer and "Ask `2330` for its overview" in a.answer
    assert a.indicators["industry"] == "半導體業" and a.indicators["articles"] == 3
    etf = identity_answer(EngineRequest(message="0050是什麼", code="0050"), store, today=date(2025, 3, 5))
    assert etf.answer.startswith("**0050 元大台灣50**：ETF，上市（TWSE）") and "沒有股價（`finqa ingest prices 0050`）" in etf.answer


def test_which_market_a_company_is_on_is_answered_yes_or_no_when_asked_so(store):
    from assistant.coverage import identity_answer

    yes = identity_answer(EngineRequest(message="Is 6488 listed on TPEx?", code="6488"), store, today=date(2025, 3, 5))
    assert yes.answer.startswith("Yes: **6488 GlobalWafers (環球晶)** is a stock listed on TPEx")
    no = identity_answer(EngineRequest(message="台積電是上櫃股票嗎", code="2330"), store, today=date(2025, 3, 5))
    assert no.answer.startswith("不是。**2330 台積電**：股票，上市（TWSE）")
    where = identity_answer(EngineRequest(message="where is 2330 listed?", code="2330"), store, today=date(2025, 3, 5))
    assert where.answer.startswith("**2330 TSMC (台積電)** is a stock listed on TWSE")


def test_with_an_as_of_date_the_answer_says_it_describes_the_whole_store(store):
    a = coverage_answer(EngineRequest(message="which companies do you cover?", as_of=date(2025, 3, 3)), store,
                        today=date(2025, 3, 5))
    assert any("data on and after the as-of date 2025-03-03 included" in n for n in a.notices)
    assert not coverage_answer(EngineRequest(message="which companies do you cover?"), store).notices


@pytest.mark.parametrize("message, name, route", [
    ("NVIDIA stock price", "NVIDIA (NVDA, Nasdaq)", "qa"), ("輝達股價預測", "NVIDIA (NVDA, Nasdaq)", "forecast"),
    ("forecast Apple next week", "Apple (AAPL, Nasdaq)", "forecast"),
    ("Samsung sentiment", "Samsung Electronics (Korea Exchange)", "sentiment"),
    ("NVDA price", "NVIDIA (NVDA, Nasdaq)", "qa"), ("AAPL forecast", "Apple (AAPL, Nasdaq)", "forecast"),
    ("美超微股價", "Super Micro Computer (SMCI, Nasdaq)", "qa"),
])
def test_a_market_question_about_a_company_not_listed_in_taiwan_says_so(store, data_dir, message, name, route):
    from assistant.service import Assistant
    from ingest.cjk import has_cjk

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.route == route and a.engine == "router" and a.answer.startswith(name)
    assert ("不在台灣上市櫃" in a.answer) == has_cjk(message) and not any("Unknown company" in n for n in a.notices)


def test_a_foreign_company_asked_alone_in_a_conversation_is_not_the_last_company(store, data_dir):
    """"what about Apple?" after a TSMC answer had been TSMC's overview again (the follow-up took
    the conversation's company); asked alone ("how is Apple doing?", "輝達呢") it had quoted news."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("2330", session=session)
    apple = asst.answer("what about Apple?", session=session)
    assert apple.engine == "router" and apple.answer.startswith("Apple (AAPL, Nasdaq) is not listed in Taiwan")
    for message, name in (("how is Apple doing?", "Apple"), ("輝達呢", "NVIDIA")):
        assert asst.answer(message).answer.startswith(name), message
    told = asst.answer("what did Hon Hai say about NVIDIA?")
    assert told.engine != "router"  # a Taiwan company's news about it


@pytest.mark.parametrize("message", ["what did Hon Hai say about NVIDIA?", "is TSMC a supplier to Apple?", "NVIDIA news",
                                     "apple pie", "2330 price", "what did Hon Hai say about Dell?", "metadata price"])
def test_a_taiwan_company_or_no_market_question_is_not_turned_away(message):
    from assistant.coverage import foreign_company

    assert foreign_company(message) is None


@pytest.mark.parametrize("message, name, local, route", [
    ("Compare TSMC and Samsung", "Samsung Electronics (Korea Exchange)", "2330 TSMC", "qa"),
    ("TSMC vs NVIDIA stock", "NVIDIA (NVDA, Nasdaq)", "2330 TSMC", "qa"),
    ("台積電跟三星哪個好", "Samsung Electronics (Korea Exchange)", "2330 台積電", "qa"),
    ("is MediaTek better than Qualcomm?", "Qualcomm (QCOM, Nasdaq)", "2454 MediaTek", "qa"),
    ("Will TSMC outperform Intel next month?", "Intel (INTC, Nasdaq)", "2330 TSMC", "forecast"),
])
def test_comparing_a_taiwan_company_with_one_not_listed_here_says_what_it_can_compare(data_dir, message, name, local, route):
    """Not the news's nearest sentences (or one side's forecast as if it were the comparison): why
    it cannot, and the questions that ask for what it holds."""
    from assistant.service import Assistant
    from ingest.cjk import has_cjk

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.route == route and a.engine == "router" and a.answer.startswith(name) and local in a.answer
    assert ("無法拿它和" in a.answer) == has_cjk(message) and ("cannot compare it with" in a.answer) != has_cjk(message)


def test_a_foreign_company_compared_in_a_conversation_is_said_to_be_not_listed(data_dir):
    """"聯發科", then "那跟高通比呢" / "compare it with Samsung": the conversation's company against one
    finqa does not cover (it had repeated the overview)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    session = ChatSession()
    asst.answer("聯發科", session=session)
    zh = asst.answer("那跟高通比呢", session=session)
    assert zh.engine == "router" and zh.answer.startswith("Qualcomm (QCOM, Nasdaq) 不在台灣上市櫃") and "2454 聯發科" in zh.answer
    session = ChatSession()
    asst.answer("TSMC", session=session)
    en = asst.answer("compare it with Samsung", session=session)
    assert en.engine == "router" and "cannot compare it with 2330 TSMC" in en.answer


@pytest.mark.parametrize("message", ["What did TSMC say about NVIDIA orders?", "TSMC news vs Samsung", "compare TSMC and MediaTek",
                                     "is TSMC a better supplier to Apple than UMC?", "Samsung vs Apple", "Hon Hai or Apple"])
def test_news_about_a_foreign_company_or_a_comparison_of_taiwan_companies_is_answered(message):
    from assistant.coverage import foreign_comparison

    assert foreign_comparison(message) is None


@pytest.mark.parametrize("message, name", [
    ("bitcoin price", "crypto-assets such as bitcoin"), ("gold price today", "gold"), ("S&P 500 today", "US stock indexes"),
    ("what's the usd/twd exchange rate", "exchange rates"), ("台幣匯率", "匯率"), ("美股今天怎麼樣", "美股指數"),
    ("原油價格", "原油"),
])
def test_a_price_question_about_a_market_finqa_does_not_store_says_so(data_dir, message, name):
    """Not the news's nearest sentences about a Chromebook's "price cut": what finqa stores, and
    what to ask instead, in the question's language."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "router" and name in a.answer
    assert ("只儲存台灣上市櫃公司" in a.answer) == any("\u4e00" <= ch <= "\u9fff" for ch in message)


@pytest.mark.parametrize("message", ["news about bitcoin", "比特幣新聞", "how does the gold price affect 2330?",
                                     "TSMC ADR on the Nasdaq today", "golden cross 2330", "the dow of TSMC", "bitcoin"])
def test_news_or_a_taiwan_company_beside_another_market_is_not_turned_away(message):
    from assistant.coverage import other_asset

    assert other_asset(message) is None


@pytest.mark.parametrize("message, code, asks", [
    ("0050 holdings", "0050", True), ("what stocks are in 0050?", "0050", True), ("0050成分股有哪些", "0050", True),
    ("0056持股", "0056", True), ("2330 holdings", "2330", False), ("0050 price", "0050", False),
    ("what's in 0056?", "0056", True), ("what's inside 0050", "0050", True), ("what's in the news on 2330?", "2330", False),
])
def test_what_an_etf_holds_is_asked(message, code, asks):
    from assistant.coverage import is_fund_holdings_question

    assert is_fund_holdings_question(message, code) is asks


def test_an_etf_s_holdings_are_said_not_stored_with_the_fund_s_card(store, data_dir):
    """"0050 holdings" had said no 0050 prices are stored; it gets that finqa stores no holdings,
    then the fund's card, in the question's language."""
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    en = asst.answer("what stocks are in 0050?")
    assert en.answer.startswith("finqa stores no ETF holdings or weights, so it cannot list what 0050 Yuanta Taiwan 50")
    assert "is an ETF listed on TWSE" in en.answer and en.code == "0050"
    zh = asst.answer("0050成分股有哪些")
    assert zh.answer.startswith("finqa 不儲存 ETF 的成分股與持股權重") and "**0050 元大台灣50**：ETF，上市（TWSE）" in zh.answer


@pytest.mark.parametrize("message, topic", [
    ("How many articles about Acer mention tariffs?", "tariffs"), ("how many articles mention AI servers?", "ai servers"),
    ("台積電有幾則新聞提到關稅", "关税"), ("有幾則新聞提到川普", "川普"),
    ("how many articles about 2330?", None), ("which has more news, 2330 or 2454?", None), ("TSMC tariffs news", None),
])
def test_a_count_of_articles_mentioning_a_topic_is_asked(message, topic):
    from assistant.coverage import asked_count_topic

    assert asked_count_topic(message) == topic


def test_how_many_articles_mention_a_topic_is_counted_point_in_time(data_dir):
    """Only the company's articles that name it, each word of the topic in the title, description
    or body (an English word beside Chinese text too, its plural too), before the as-of day; the
    newest listed. It had quoted the sentences closest in meaning."""
    from assistant.coverage import topic_count_answer
    from ingest.store import open_store

    store = open_store(data_dir.store_path)

    def art(i, title, code="2353", day=1, content=""):
        return Article(url=f"https://news.example.com/t{i}", title=title, code=code, source="Fixture", content=content,
                       published_at=datetime(2025, 4, day, 3, tzinfo=timezone.utc), language="en")

    store.upsert_articles([
        art(1, "Acer says tariffs will lift laptop prices", day=2), art(2, "Acer raises prices", day=3, content="A tariff hit."),
        art(3, "Acer launches laptops", day=4), art(4, "Laptop review", day=5, content="tariffs everywhere"),  # never names Acer
        art(5, "宏碁回應關稅議題", day=6), art(6, "Acer tariff update", day=20),
        art(7, "ASUS AI伺服器出貨", code="2357", day=7)])
    a = topic_count_answer(EngineRequest(message="How many articles about Acer mention tariffs?", code="2353",
                                         as_of=date(2025, 4, 10)), store, "tariffs")
    assert a.answer.startswith('**2** of the 4 stored articles about 2353 Acer (宏碁) mention "tariffs" (newest first):')
    assert [c.url for c in a.citations] == ["https://news.example.com/t2", "https://news.example.com/t1"]
    assert "ask again with the Chinese words" in a.answer  # 宏碁回應關稅議題 is not matched by "tariffs"
    zh = topic_count_answer(EngineRequest(message="宏碁有幾則新聞提到關稅", code="2353", as_of=date(2025, 4, 10)), store, "关税")
    assert "有 **1 則**提到「關稅」" in zh.answer and zh.citations[0].url == "https://news.example.com/t5"
    ai = topic_count_answer(EngineRequest(message="how many articles mention AI servers?"), store, "ai")
    assert "https://news.example.com/t7" in [c.url for c in ai.citations]  # "AI伺服器": AI beside Chinese text



def test_a_comparison_with_a_company_not_listed_in_taiwan_is_said_so_in_a_conversation():
    """"compare with Qualcomm" after a MediaTek answer names no market word, yet compares."""
    from assistant.coverage import foreign_company

    assert foreign_company("compare with Qualcomm") == "Qualcomm (QCOM, Nasdaq)"
    assert foreign_company("what did Qualcomm say about its orders vs last year?") is None  # news about it
