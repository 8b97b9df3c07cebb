"""Market rankings from the store ("which stock rose the most in March 2025?"): which questions
they answer, the exact changes and volumes, top N, one end or both, what is left out and said,
the as-of rule (no bar on or after the as-of date), follow-ups, the router, --json and the UI."""
from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.movers import is_ranking_question, movers_answer, wants_ranking
from assistant.price_facts import ENGINE
from assistant.types import EngineRequest
from ingest.types import PriceBar
from tests.fixture_data import flat_bars

# Closes per code: the last February close, then March 3..5. 2308 only starts in March (no close
# before the period to measure from); 2317 has no bar on 03-05.
CLOSES = {
    "2330": {date(2025, 2, 27): 1000.0, date(2025, 3, 3): 1010.0, date(2025, 3, 4): 990.0, date(2025, 3, 5): 1050.0},
    "2454": {date(2025, 2, 27): 1500.0, date(2025, 3, 3): 1400.0, date(2025, 3, 4): 1380.0, date(2025, 3, 5): 1350.0},
    "2317": {date(2025, 2, 27): 100.0, date(2025, 3, 3): 104.0, date(2025, 3, 4): 108.0},
    "2382": {date(2025, 2, 27): 200.0, date(2025, 3, 3): 198.0, date(2025, 3, 4): 199.0, date(2025, 3, 5): 202.0},
    "2308": {date(2025, 3, 3): 300.0, date(2025, 3, 4): 330.0, date(2025, 3, 5): 360.0},
}
VOLUMES = {"2330": 5_000_000, "2454": 2_000_000, "2317": 9_000_000, "2382": 1_000_000, "2308": 3_000_000}


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars([PriceBar(code=code, date=d, open=c, high=c, low=c, close=c, volume=VOLUMES[code])
                   for code, closes in CLOSES.items() for d, c in closes.items()])
    return s


def ask(store, message, *, codes=(), as_of=None, today=date(2025, 3, 6), follows=None):
    codes = list(codes)
    req = EngineRequest(message=message, code=codes[0] if codes else None, codes=codes, as_of=as_of,
                        follows_price_question=follows)
    return movers_answer(req, store, today=today)


@pytest.mark.parametrize("message", [
    "Which stock rose the most in March 2025?", "what stocks fell the most last week", "top 5 gainers today",
    "biggest losers in 2025-03", "best performing stocks this month", "which of these stocks did best?",
    "most active stocks yesterday", "rank the stocks by volume in March 2025", "which company's shares gained the most",
    "What was the weakest stock yesterday?", "which stocks hit limit down on 2025-04-07?", "highest turnover stocks",
    "上個月漲幅最大的股票", "哪檔股票漲最多", "哪一檔表現最好", "成交量最大的股票", "股票漲跌幅排行", "强势股有哪些",
    "2330和2454誰漲比較多", "台積電和聯發科哪個漲得多", "今天有哪些股票漲停", "台股今天誰漲停", "跌停的是誰", "worst stock this year",
    "Which stocks recovered fastest after April 9 2025?", "4月9日之後反彈最多的股票",
    "best performing stocks in 2025", "top 3 by volume last month", "top 10 by gain in April 2025",
    "電子股哪檔最強", "哪一檔最強", "最弱的股票", "電子股最強", "Top 3 stocks by turnover in April 2025",
    "半導體股誰最強", "best chip stock this year", "best computer hardware stock this year",
    "top 5 companies by gain last month", "Which of my watchlist stocks has the best momentum?",
    "stocks with the best momentum", "momentum leaders", "which stocks are lagging?", "哪檔股票動能最強",
    "momentum over the last 3 months, which stocks lead?", "electronics stocks ranking", "stock rankings in April 2025",
    "what's the 5-day return of every semiconductor stock", "semiconductor stocks 5-day return",
    "what's moving today?", "what's hot this week?", "Which semiconductor stock had the best week?",
    # the breadth asked (they had searched the news)
    "how many stocks are up this year?", "今年有幾檔股票上漲",
])
def test_ranking_questions(message):
    assert is_ranking_question(message)


@pytest.mark.parametrize("message", [
    "Which company makes the most chips?", "台積電在全球晶圓代工的排名", "which stocks will rise the most next week",
    "台積電最強", "台積電股價最強的一天",
    "Why did chip stocks fall the most in April?", "哪檔股票明天會漲最多", "What is the best stock to buy?",
    "what are the best stocks for dividends?", "which stocks have the most news coverage?", "哪檔股票的新聞最多",
    "Which stock should I buy?", "TSMC's biggest customers", "2330 close on 2025-03-03", "「漲幅最大」的新聞情緒",
    "漲停板制度是什麼",
])
def test_not_ranking_questions(message):
    assert not is_ranking_question(message)


def test_one_company_named_is_that_companys_question():
    assert not wants_ranking("Did TSMC rise the most in March 2025?", ["2330"])
    assert wants_ranking("Which rose the most in March 2025, 2330 or 2454?", ["2330", "2454"])
    assert wants_ranking("Which stock rose the most in March 2025?", [])
    assert wants_ranking("Did 2330 outperform 2454 in April?", ["2330", "2454"])
    assert not wants_ranking("Can AI stocks outperform the market?", [])
    assert not wants_ranking("Will 2330 outperform 2454 next month?", ["2330", "2454"])


def test_the_ranking_and_its_numbers(store):
    a = ask(store, "Which stock rose the most in March 2025?")
    assert a.engine == ENGINE and a.route == "qa" and a.code is None
    gainers = a.ranking["gainers"]
    # From the close before March: 2330 1000 → 1050 (+5%), 2317 100 → 108 (+8%, its last bar 03-04),
    # 2382 200 → 202 (+1%), 2454 1500 → 1350 (-10%). 2308 has no close before March: left out.
    assert [r["code"] for r in gainers] == ["2317", "2330", "2382", "2454"]
    assert gainers[0]["change"] == pytest.approx(0.08) and gainers[1]["change"] == pytest.approx(0.05)
    assert gainers[0]["from_close"] == 100.0 and gainers[0]["close"] == 108.0 and gainers[0]["date"] == "2025-03-04"
    assert "losers" not in a.ranking  # "rose": one end
    assert "1. 2317 Hon Hai" in a.answer and "+8.00% (100.00 → 108.00)" in a.answer
    assert "2025-03-03 to 2025-03-05** (3 trading days)" in a.answer
    assert "among the 5 companies with stored prices" in a.answer and "not the whole exchange" in a.answer
    assert any("Left out of the change ranking: 1 company" in n and "2308" in n for n in a.notices)
    assert any("no bar on 2025-03-05" in n and "2317" in n for n in a.notices)
    assert a.citations[0].title == "finqa price store: daily prices of 5 companies, 2025-03-03 to 2025-03-05"
    # The leaders' bars for the chart, nothing outside the period.
    assert {b.code for b in a.bars} == {"2317", "2330", "2382"}
    assert min(b.date for b in a.bars) == date(2025, 3, 3)


def test_losers_volume_both_ends_and_top_n(store):
    losers = ask(store, "which stocks fell the most in March 2025?")
    assert list(losers.ranking) == ["losers"] and losers.ranking["losers"][0]["code"] == "2454"
    volume = ask(store, "rank the stocks by volume in March 2025")
    assert list(volume.ranking) == ["volume"]
    # 2317: 9M shares on each of 2 days; 2330: 5M on 3 days; 2308 counts (no base needed for volume).
    assert [r["code"] for r in volume.ranking["volume"]][:3] == ["2317", "2330", "2308"]
    assert volume.ranking["volume"][0]["volume"] == 18_000_000
    both = ask(store, "top 2 movers in March 2025")
    assert list(both.ranking) == ["gainers", "losers"]
    assert [r["code"] for r in both.ranking["losers"]] == ["2454", "2382"]
    # Both ends of a list no longer than N are the same companies: one list, best first.
    short = ask(store, "biggest movers in March 2025")
    assert list(short.ranking) == ["all"] and "Ranked by change" in short.answer
    assert [r["code"] for r in short.ranking["all"]] == ["2317", "2330", "2382", "2454"]
    assert len(ask(store, "top 2 gainers in March 2025").ranking["gainers"]) == 2
    # the N written as a word or after the superlative ("the three best stocks", "表現最好的三檔"; they
    # had listed five, or gone to the news)
    for message in ("the two best stocks in March 2025", "top 2 stocks in March 2025", "2025年3月表現最好的兩檔"):
        answer = ask(store, message)
        assert len(answer.ranking["gainers"]) == 2, (message, answer.ranking)
    trailing = ask(store, "top gainers in the past 10 days")
    assert "2025-02-27 to 2025-03-05** (4 trading days)" in trailing.answer
    assert any("only 4 of the 10 trading days" in n for n in trailing.notices)
    assert "you asked" not in trailing.answer and "last week" in ask(store, "top gainers last week").answer
    zh = ask(store, "2025年3月漲幅前三名的股票")
    assert len(zh.ranking["gainers"]) == 3 and "表現最好" in zh.answer and "+8.00%（100.00 → 108.00）" in zh.answer
    assert "張" in ask(store, "2025年3月成交量最大的股票").answer


def test_best_in_a_falling_market_says_none_rose(store):
    a = ask(store, "top gainers on 2025-03-04")  # 03-04: 2330 -1.98%, 2454 -1.43%, 2317 +3.85% ...
    assert "none of them rose" not in a.answer
    down = ask(store, "top 1 gainers in March 2025", codes=["2454", "2382"])
    assert [r["code"] for r in down.ranking["gainers"]] == ["2382"]
    only_down = ask(store, "which of these stocks did best in March 2025?", codes=["2454", "2330"])
    assert only_down.ranking["gainers"][0]["code"] == "2330"
    falling = ask(store, "best performing stocks on 2025-03-05", codes=["2454", "2330"])
    assert falling.ranking["gainers"][0]["code"] == "2330"  # 990 → 1050
    worst_day = ask(store, "best performing stocks on 2025-03-04", codes=["2454", "2330"])
    assert "(none of them rose)" in worst_day.answer


def test_us_symbols_in_the_store_are_not_ranked_unless_named(store):
    store.upsert_bars([PriceBar(code="AAPL", date=d, open=c, high=c, low=c, close=c, volume=1e6, source="yahoo")
                       for d, c in ((date(2025, 2, 27), 100.0), (date(2025, 3, 5), 200.0))])
    a = ask(store, "Which stock rose the most in March 2025?")
    assert "AAPL" not in json.dumps(a.to_json()) and "among the 5 companies" in a.answer
    named = ask(store, "did AAPL outperform 2330 in March 2025?", codes=["AAPL", "2330"])
    assert named.ranking["all"][0]["code"] == "AAPL"


def test_named_companies_are_the_universe(store):
    a = ask(store, "2330、2454、2317 哪個表現最好？2025年3月", codes=["2330", "2454", "2317"])
    assert [r["code"] for r in a.ranking["gainers"]] == ["2317", "2330", "2454"]
    assert "所問的 3 家公司" in a.answer and "不是全市場排名" not in a.answer


def test_nothing_in_the_period_says_what_the_store_covers(store):
    a = ask(store, "which stock rose the most last month", today=date(2026, 11, 29))
    assert not a.ranking and not a.bars
    assert "no prices for last month (2026-10-01 to 2026-10-31) to rank" in a.answer
    assert "covers 2025-02-27 to 2025-03-05" in a.answer
    assert "ask about a span it covers, such as its newest month, 2025-03" in a.answer  # the way forward
    assert "newest month" not in ask(store, "top gainers on 2025-03-01").answer  # inside the store: nothing to suggest
    assert "weekend" in ask(store, "top gainers on 2025-03-01").answer
    old = ask(store, "top gainers", today=date(2026, 11, 29))  # the newest session, a year and more ago
    assert old.ranking and any("newest stored prices are from 2025-03-05" in n and "ranking is of then" in n
                               for n in old.notices)
    assert not any("newest stored" in n for n in ask(store, "top gainers").notices)
    # "yesterday" on a stale store is its newest session, said so; on a fresh one, the day itself
    stale = ask(store, "which stock had the highest volume yesterday", today=date(2026, 11, 29))
    assert stale.ranking["volume"][0]["code"] == "2330" and any("ranking is of then" in n for n in stale.notices)
    fresh = ask(store, "most active stocks yesterday", today=date(2025, 3, 5))
    assert [r["code"] for r in fresh.ranking["volume"]][:2] == ["2317", "2330"] and "2025-03-04" in fresh.answer


def test_two_named_with_one_stored_is_no_ranking(store, data_dir):
    """A ranking of one is no comparison: the engine declines, and the assistant answers with the
    stored company's own span and says the other has no prices."""
    assert ask(store, "2330 vs 2603 which did better in March 2025?", codes=["2330", "2603"]) is None
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("2330 vs 2603 which did better in March 2025?")
    assert a.engine == ENGINE and a.code == "2330" and "+5.00%" in a.answer and "No prices for 2603" in a.answer


def test_as_of_hides_the_day_and_everything_after(store):
    """A +50% bar on the as-of day and one after it must change nothing: the ranking as of
    2025-03-05 is the ranking of the bars through 2025-03-04."""
    store.upsert_bars([PriceBar(code="2454", date=date(2025, 3, 5), open=2100.0, high=2100.0, low=2100.0,
                                close=2100.0, volume=1e9),
                       PriceBar(code="2454", date=date(2025, 3, 6), open=2200.0, high=2200.0, low=2200.0,
                                close=2200.0, volume=1e9)])
    for message in ("Which stock rose the most in March 2025?", "top gainers", "most active stocks this week",
                    "which stocks fell the most in the past 5 days"):
        a = ask(store, message, as_of=date(2025, 3, 5))
        out = a.to_json()
        text = json.dumps([out["answer"], out.get("ranking"), out.get("prices"), out["citations"]])
        assert "2025-03-05" not in text and "2025-03-06" not in text and "2,100" not in text, message
        assert all(b.date < date(2025, 3, 5) for b in a.bars)
    march = ask(store, "Which stock rose the most in March 2025?", as_of=date(2025, 3, 5))
    assert march.ranking["gainers"][0]["code"] == "2317"  # 2454's +40% as-of-day close is not seen
    assert any("not before the as-of date 2025-03-05" in n for n in march.notices)


def test_json_and_follow_ups_through_the_assistant(store, data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("Which stock rose the most in March 2025?", session=session)
    assert first.engine == ENGINE and first.ranking["gainers"][0]["code"] == "2317"
    out = first.to_json()
    assert out["ranking"]["gainers"][0]["code"] == "2317" and out["prices"][0]["code"] in {"2317", "2330", "2382"}
    feb = asst.answer("and in February 2025?", session=session)
    assert feb.engine == ENGINE and "2025-02-27" in feb.answer and "gainers" in feb.ranking
    losers = asst.answer("and the losers?", session=session)  # the kind changes, the period stays
    assert list(losers.ranking) == ["losers"] and "2025-02-27" in losers.answer
    march = asst.answer("and in March 2025?", session=session)  # the period changes, the losers stay
    assert list(march.ranking) == ["losers"] and "2025-03-03" in march.answer
    asst.answer("and in February 2025?", session=session)
    one = asst.answer("and 2454?", session=session)  # 2454's own February
    assert one.engine == ENGINE and one.code == "2454" and [b.date for b in one.bars] == [date(2025, 2, 27)]
    assert asst.answer("Why did TSMC shares fall?", session=session).engine != ENGINE
    assert session.last_price_question is None


def test_which_of_them_keeps_the_group_and_period_ranked_before(store, data_dir):
    """"Which of them fell the most?" after "how did chip stocks do in March 2025?" ranks the
    semiconductors of March, not every company on the latest day; a new ranking without "of
    them" starts afresh."""
    from assistant.movers import refers_back
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    assert refers_back("which of them fell the most?") and refers_back("其中哪檔最強")
    assert not refers_back("which stock fell the most?")
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("how did chip stocks do in March 2025?", session=session)
    them = asst.answer("which of them fell the most?", session=session)
    assert [r["code"] for r in them.ranking["losers"]] == ["2454", "2330"] and "2025-03-03" in them.answer
    again = asst.answer("and the gainers?", session=session)  # still that group and period
    rows = [r["code"] for rows in again.ranking.values() for r in rows]
    assert set(rows) == {"2330", "2454"} and rows[0] == "2330" and "2025-03-03" in again.answer
    fresh = asst.answer("which stock fell the most in March 2025?", session=session)
    assert {r["code"] for r in fresh.ranking["losers"]} >= {"2454", "2382"} or len(fresh.ranking["losers"]) > 2


def test_the_router_sends_rankings_to_qa():
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    for message in ("Which stock rose the most in April 2025?", "上個月漲幅最大的股票", "top 5 losers last week"):
        decision = IntentClassifier().decide(message, parse_slots(message))
        assert decision.route == "qa" and "ranking" in decision.reason, message


def test_the_ui_charts_the_leaders(store, data_dir):
    import ui

    a = ask(store, "Which stock rose the most in March 2025?")
    details, plot, table = ui.ChatController(object(), data_dir, session_factory=dict).result_views(a)
    fig = json.loads(plot.value["plot"])
    assert [t["name"] for t in fig["data"]] == ["2317", "2330", "2382"]
    assert fig["data"][0]["y"][0] == 100.0 and fig["data"][0]["y"][-1] == pytest.approx(108.0)
    assert "finqa price store" in details
    assert table.label == "ranking" and table.value["headers"][:4] == ["list", "#", "company", "change"]
    assert table.value["data"][0][2].startswith("2317 Hon Hai") and table.value["data"][0][3] == "+8.00%"
    sectors = ui.ChatController(object(), data_dir, session_factory=dict).result_views(
        ask(store, "which sector did best in March 2025?"))[2]
    assert sectors.value["data"][0][2] == "Other Electronics (其他電子業)" and "companies" in sectors.value["headers"]
    limits = ui.ChatController(object(), data_dir, session_factory=dict).result_views(
        ask(store, "which stocks hit new highs in March 2025?"))
    assert limits[2].visible is False  # nothing to list: no empty table shown


def test_new_highs_and_lows_need_the_history_before_them(data_dir):
    """A close above every close of the sessions before it (at least 60 of them) is a new high;
    the same close after 30 sessions is not called one."""
    import pandas as pd

    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    days = [d.date() for d in pd.bdate_range("2025-01-02", periods=70)]
    series = {"2330": [100.0 + i for i in range(70)],            # a new high every day from the 61st
              "2454": [200.0 - i for i in range(70)],            # a new low every day from the 61st
              "2317": [100.0 + (i % 5) for i in range(70)]}      # a range: neither
    store.upsert_bars(flat_bars(series, days))
    last = days[-1]
    highs = ask(store, f"which stocks hit new highs on {last.isoformat()}?", today=last + pd.Timedelta(days=1))
    assert [r["code"] for r in highs.ranking["new_high"]] == ["2330"]
    assert highs.ranking["new_high"][0]["new_high_days"] == [last.isoformat()]
    lows = ask(store, "哪些股票創新低", today=last + pd.Timedelta(days=1))
    assert [r["code"] for r in lows.ranking["new_low"]] == ["2454"] and "收盤創新低" in lows.answer
    month = ask(store, "which stocks made new highs in the past 20 days?", today=last + pd.Timedelta(days=1))
    assert len(month.ranking["new_high"][0]["new_high_days"]) == 10  # sessions 61..70 of 70
    early = ask(store, f"which stocks hit new highs on {days[40].isoformat()}?", today=last)
    assert early.ranking["new_high"] == [] and "at least 60 sessions" in early.answer
    # "52-week highs": the 52 weeks are what a high tops, not the span listed (it had been all 10 days)
    for message in ("which stocks hit 52-week highs?", "哪些股票創52週新高"):
        recent = ask(store, message, today=last + pd.Timedelta(days=1))
        assert recent.ranking["new_high"][0]["new_high_days"] == [d.isoformat() for d in days[-5:]], message


def test_industries_are_named_and_stored_on_companies():
    from ingest.companies import get_directory
    from ingest.industries import english_name, industry_named

    assert get_directory().get("2330").industry == "半導體業" and get_directory().get("0050").industry is None
    assert get_directory().get("2330").to_json().keys() == {"code", "name_zh", "name_en", "market"}  # contract
    for text, name in (("semiconductor stocks that fell", "半導體業"), ("chip stocks", "半導體業"),
                       ("半导体类股涨幅排行", "半導體業"), ("shipping stocks", "航運業"), ("航运股", "航運業"),
                       ("computer makers that fell the most", "電腦及週邊設備業"), ("which stock rose", None),
                       ("how did tech stocks do", "電子類股"), ("电子股哪档最强", "電子類股"), ("科技股表现", "電子類股"),
                       ("其他电子业", "其他電子業"), ("联发科的电子业务", None)):
        found = industry_named(text)
        assert (found.name_zh if found else None) == name, text
    assert english_name("半導體業") == "Semiconductors" and english_name(None) is None


def test_sectors_are_ranked_by_their_companies_average(store):
    """March 2025 from the close before it: 2330 +5% and 2454 -10% (semiconductors, -2.5% on
    average), 2317 +8% (other electronics), 2382 +1% (computers); 2308 has no close before March."""
    a = ask(store, "which sector did best in March 2025?")
    sectors = a.ranking["sectors"]
    assert [row["industry"] for row in sectors] == ["其他電子業", "電腦及週邊設備業", "半導體業"]
    assert sectors[2]["change"] == pytest.approx(-0.025) and sectors[2]["companies"] == ["2330", "2454"]
    assert sectors[2]["best"] == "2330" and sectors[2]["name"] == "Semiconductors"
    assert "1. Other Electronics (其他電子業) +8.00%: 1 company, best 2317 Hon Hai" in a.answer
    assert "equally weighted" in a.answer and "says little about the whole industry" in a.answer
    worst = ask(store, "worst performing industries in March 2025")
    assert worst.ranking["sectors"][0]["industry"] == "半導體業"
    zh = ask(store, "2025年3月哪個類股表現最好")
    assert "產業平均漲跌" in zh.answer and zh.ranking["sectors"][0]["industry"] == "其他電子業"


def test_a_named_industry_narrows_the_companies_ranked(store):
    a = ask(store, "semiconductor stocks that fell the most in March 2025")
    assert [r["code"] for r in a.ranking["losers"]] == ["2454", "2330"]
    assert "among the 2 Semiconductors companies with stored prices" in a.answer
    zh = ask(store, "2025年3月半導體類股漲幅排行")
    assert "2 家半導體業公司" in zh.answer and [r["code"] for r in zh.ranking["all"]] == ["2330", "2454"]
    none = ask(store, "shipping stocks that rose the most in March 2025")
    assert not none.ranking and "no prices of any Shipping (航運業) company" in none.answer
    # "How did chip stocks do?": the industry's market summary (its breadth, best and worst).
    how = ask(store, "How did Taiwan semis do in March 2025?")
    assert "among the 2 Semiconductors companies with stored prices" in how.answer
    assert "1 rose, 1 fell, 0 unchanged" in how.answer and "2317" not in how.answer
    zh_how = ask(store, "2025年3月半導體股表現如何")
    assert "上漲 1 家、下跌 1 家" in zh_how.answer


def test_tech_stocks_are_every_electronics_industry(store):
    """"Tech stocks" / 電子股 are TWSE's electronics sectors together: semiconductors, computers,
    other electronics... (2330, 2454, 2317, 2382 here), not one of them."""
    from ingest.industries import BY_NAME

    tech = BY_NAME["電子類股"]
    assert tech.includes("半導體業") and tech.includes("電腦及週邊設備業") and not tech.includes("航運業")
    assert not BY_NAME["半導體業"].includes("電腦及週邊設備業") and not tech.includes(None)
    a = ask(store, "how did tech stocks do in March 2025?")
    assert "Electronics (tech) companies with stored prices" in a.answer and "2382" in a.answer and "2317" in a.answer
    zh = ask(store, "2025年3月電子股哪檔最強")
    assert zh.ranking and zh.ranking["gainers"][0]["code"] == "2317" and "電子類股公司" in zh.answer


def test_value_traded_is_not_shares_traded(data_dir):
    """成交值 / turnover ranks by the value traded, 成交量 by the shares: a cheap stock can trade
    the most shares and the least value."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    rows = (("2330", 1000.0, 1_000_000), ("2317", 100.0, 5_000_000), ("2324", 20.0, 9_000_000))
    store.upsert_bars([PriceBar(code=c, date=d, open=p, high=p, low=p, close=p, volume=v, turnover=p * v)
                       for c, p, v in rows for d in (date(2025, 3, 3), date(2025, 3, 4))])
    shares = ask(store, "2025年3月成交量最大的股票")
    assert [r["code"] for r in shares.ranking["volume"]] == ["2324", "2317", "2330"]
    value = ask(store, "2025年3月成交值最大的股票")
    assert [r["code"] for r in value.ranking["turnover"]] == ["2330", "2317", "2324"]
    assert "1. 2330 台積電 20.00 億元" in value.answer  # 1,000 × 1,000,000 × 2 days
    en = ask(store, "highest turnover stocks in March 2025")
    assert list(en.ranking) == ["turnover"] and "NT$2,000.0 million" in en.answer


def test_a_ranking_of_the_future_is_declined_with_the_reason(data_dir):
    """"Which stocks will rise the most next week?" is no past ranking and no one-company forecast:
    the answer says why finqa gives no such list, in the question's language."""
    from assistant.movers import asks_future_ranking
    from assistant.service import Assistant

    assert asks_future_ranking("which stocks will rise the most next week?")
    assert asks_future_ranking("哪檔股票明天會漲最多") and not asks_future_ranking("which stock rose the most last week")
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    en = asst.answer("which stocks will rise the most next week?")
    assert en.engine == "router" and "does not rank stocks by where they will go" in en.answer
    zh = asst.answer("哪檔股票明天會漲最多")
    assert "不替股票的未來漲跌排名" in zh.answer
    assert "Which company should I forecast?" in asst.answer("will it go up next week?").answer
    assert asks_future_ranking("which stock has the highest P(rise)?") and asks_future_ranking("上漲機率最高的股票")
    # "forecast the top 3 stocks" had asked which company to forecast
    assert "does not rank stocks by where they will go" in asst.answer("forecast the top 3 stocks").answer
    assert asks_future_ranking("預測前三名的股票") and not asks_future_ranking("forecast 2330 and 2454")
    from assistant.slots import ChatSession

    session = ChatSession()  # a company in the conversation does not turn the question into its forecast
    asst.answer("2330 price", session=session)
    assert "does not rank stocks" in asst.answer("which stock will go up tomorrow?", session=session).answer


def test_a_group_is_not_forecast_and_its_companies_are_named(store, data_dir):
    """"forecast chip stocks next week": the stored companies of the group, and how to ask."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("forecast chip stocks next week")
    assert a.engine == "router" and "does not forecast a whole group (Semiconductors)" in a.answer
    assert "stored prices: 2330, 2454" in a.answer and "`forecast 2330 and 2454 next 5 days`" in a.answer
    assert "不預測整個半導體業" in asst.answer("預測半導體股").answer
    session = ChatSession()
    asst.answer("forecast 2317", session=session)
    assert "whole group" in asst.answer("forecast chip stocks next week", session=session).answer


@pytest.mark.parametrize("message, picks", [
    ("best stock to buy", True), ("What stock should I buy?", True), ("which stocks should I invest in now?", True),
    ("any stock recommendations?", True), ("有什麼股票推薦", True), ("買什麼股票好", True), ("哪支股票值得買", True),
    ("which stocks rose the most last month?", False), ("is TSMC a buy?", False), ("how is the market doing?", False),
    ("給我一支飆股", True), ("報明牌", True), ("有什麼好股票", True), ("give me a hot stock", True), ("any stock tips?", True),
    ("show me a stock chart", False), ("give me a stock list", False),
    ("which ETF is the best?", True), ("what's the best stock?", True), ("哪檔ETF最好", True),  # they had searched the news
    ("which stock is the best performer this year?", False), ("哪一檔表現最好", False),
    ("I have 1 million NTD, how should I allocate it?", True), ("100萬要怎麼配置", True),  # an allocation is a pick
    ("我想存股，該買什麼", True), ("存股買哪支", True),  # picks for holding (the first had quoted a cartoon's news)
    ("What's a good stock for a beginner in Taiwan?", True), ("a safe ETF for retirees?", True),  # they had quoted news
    ("any good stocks for the long run?", True),
])
def test_requests_for_picks_are_declined_with_what_finqa_can_show(data_dir, message, picks):
    from assistant.movers import asks_for_picks
    from assistant.service import Assistant

    assert asks_for_picks(message) is picks
    if picks:
        a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
        assert a.engine == "router"
        assert ("不推薦股票" in a.answer) if any("\u4e00" <= ch <= "\u9fff" for ch in message) else (
            "does not pick stocks" in a.answer and "which stocks rose the most last month?" in a.answer)


def test_the_best_performer_with_no_ranking_yet_is_a_ranking(store, data_dir):
    """"which stock is the best performer this year?" had been told there was no ranking to take
    "the top one" from: it asks for one."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("which stock is the best performer in March 2025?")
    assert a.ranking and a.engine == ENGINE


def test_top_n_losers_are_losers(store):
    a = ask(store, "show me the top 2 losers in March 2025")
    assert list(a.ranking) == ["losers"] and len(a.ranking["losers"]) == 2


@pytest.mark.parametrize("message, market", [
    ("how is the market doing?", True), ("台股今天怎麼樣", True), ("台股今天漲了嗎", True), ("大盤收紅嗎", True), ("今天股票漲跌", True), ("market recap", True),
    ("stock market summary", True), ("How did Taiwan stocks do in March 2025?", True), ("股市最近表現如何", True),
    ("How is TSMC's market share?", False), ("will the market rise tomorrow?", False), ("what is a market order?", False),
    ("哪檔股票表現最好", False), ("股票漲跌幅排行", False), ("台股明天會漲嗎", False),
    ("How did Taiwan semis do in April 2025?", True), ("半導體股4月表現如何", True), ("台積電股價如何", False),
    ("半導體類股新聞情緒", False),
    # a group and a span, nothing else (they had searched the news)
    ("tech stocks this year", True), ("semiconductor stocks last month", True), ("半導體股上個月", True),
    ("electronics stocks in 2025", True), ("tech stocks news this week", False), ("tech stocks", False),
    ("summarize today's market", True), ("yesterday's market", True), ("今日盤勢", True), ("盤後總結", True),
    ("which stocks beat the market in April 2025?", True), ("how many stocks rose on 2025-04-10?", True),
    ("台股2025年4月10日上漲家數", True), ("market breadth yesterday", True), ("how many shares of TSMC can I buy?", False),
    ("review the market for AI servers", False), ("summarize TSMC's market share", False),
    # a day beside the market alone: "大盤今天" had quoted unrelated news
    ("大盤今天", True), ("加權指數今天", True), ("今天台股", True), ("TAIEX today", True), ("今天大盤呢", True),
    # the index level is not stored: the stored companies' day, said so (the news quoted for it had
    # been a PMI's "綜合指數"); a rebound or fall of the market on a day is that day
    ("加權指數多少", True), ("TAIEX level now", True), ("台股4月9日反彈多少", True), ("台積電今天", False),
    # the market's close, and the market alone ("台股" had been an unknown company), with a span carried in
    ("台股昨天收盤", True), ("台股收盤", True), ("market close today", True), ("台股", True), ("台股（昨天）", True),
    ("台積電收盤", False),
    # an industry's performance with no "how" (it had gone to the news)
    ("semiconductor stocks performance in April 2025", True), ("chip stocks returns this year", True),
    ("semiconductor revenue", False),
    # a rundown of an industry is its market summary (it had searched the news); its news is not
    ("Give me a quick rundown of Taiwan semis", True), ("半導體類股概況", True), ("how many semiconductor news articles?", False),
])
def test_market_questions(message, market):
    from assistant.movers import is_market_question

    assert is_market_question(message) is market


def test_a_market_question_gets_the_breadth_and_both_ends(store):
    """No index is stored: "how did the market do?" counts the stored companies that rose and fell,
    gives the median and mean change, and the three best and worst."""
    a = ask(store, "How did Taiwan stocks do in March 2025?")
    # From the February close (2308 has none and is left out): 2330 +5%, 2454 -10%, 2317 +8%, 2382 +1%.
    changes = [0.05, -0.10, 0.08, 0.01]
    median, mean = sorted(changes)[1:3], sum(changes) / 4
    assert f"3 rose, 1 fell, 0 unchanged; median change {sum(median) / 2:+.2%}, equal-weighted mean {mean:+.2%}" in a.answer
    assert "no index level such as the TAIEX" in a.answer
    assert "; 1 closed limit up and 0 limit down at least once." in a.answer  # 2308: 300 → 330 on 03-04
    assert [r["code"] for r in a.ranking["gainers"]] == ["2317", "2330", "2382"]  # three, not five
    assert [r["code"] for r in a.ranking["losers"]][0] == "2454"
    zh = ask(store, "台股2025年3月表現如何")
    assert "上漲 3 家、下跌 1 家、平盤 0 家" in zh.answer and "資料庫不儲存加權指數" in zh.answer
    assert "期間內漲停過 1 家、跌停過 0 家" in zh.answer
    plain = ask(store, "Which stock rose the most in March 2025?")
    assert "rose, " not in plain.answer.split("\n\n")[1]  # an ordinary ranking has no breadth line
    # The news engine asks for the summary of the day a question names, whatever its words.
    day = EngineRequest(message="what happened on 2025-03-04?")
    assert movers_answer(day, store, today=date(2025, 3, 6)) is None  # no ranking asked
    summary = movers_answer(day, store, today=date(2025, 3, 6), market_summary=True)
    assert "3 rose, 2 fell, 0 unchanged" in summary.answer  # 03-04 against 03-03: 2308, 2317, 2382 up; 2330, 2454 down
    assert [r["code"] for r in summary.ranking["gainers"]][0] == "2308"


def test_the_router_sends_market_questions_to_the_store(data_dir):
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    for message in ("how is the market doing?", "台股今天怎麼樣", "今天股票漲跌"):
        decision = IntentClassifier().decide(message, parse_slots(message))
        assert decision.route == "qa" and "ranking" in decision.reason, message


def test_an_industry_against_the_market_is_its_median_beside_the_whole_store(store):
    """March 3-5 from the 02-27 closes: semis 2330 +5% and 2454 -10% (median -2.50%); all four
    with a base (2330, 2454, 2317 +8%, 2382 +1%): median +3.00%."""
    from assistant.movers import is_market_question

    assert is_market_question("半導體股跟大盤比") and is_market_question("how did chip stocks do vs the market?")
    a = ask(store, "how did chip stocks do vs the market from 2025-03-03 to 2025-03-05?")
    assert ("Against the market: the Semiconductors median change -2.50%, the median of all 4 stored companies "
            "+3.00% (not the TAIEX, which finqa does not store): 5.50 percentage points worse than it.") in a.answer
    zh = ask(store, "2025年3月3日到3月5日半導體股跟大盤比")
    assert "與大盤比：半導體業漲跌幅中位數 -2.50%，資料庫中全部 4 家公司的中位數 +3.00%（不是加權指數）：落後大盤 5.50 個百分點。" in zh.answer
    assert "Against the market" not in ask(store, "how did chip stocks do from 2025-03-03 to 2025-03-05?").answer


def test_momentum_is_the_last_month_and_my_watchlist_is_the_configured_one(data_dir):
    """"Best momentum" with no span is the change over the last 20 sessions, said so, not the
    newest session's: 2330 rose for a month and dipped on the last day, 2454 did the reverse. "My
    watchlist" ranks the configured watchlist only."""
    from ingest.store import open_store

    days = [d.date() for d in __import__("pandas").bdate_range("2025-03-03", periods=30)]
    paths = {"2330": [100.0] * 9 + [100.0 + 3 * i for i in range(20)] + [150.0],
             "2454": [100.0] * 9 + [100.0 - 1 * i for i in range(20)] + [85.0],
             "2317": [50.0] * 29 + [60.0]}
    store = open_store(data_dir.store_path)
    store.upsert_bars(flat_bars(paths, days))
    today = days[-1]
    momentum = ask(store, "Which stock has the best momentum?", today=today)
    base = {c: xs[-21] for c, xs in paths.items()}
    assert [r["code"] for r in momentum.ranking["gainers"]][0] == "2330"
    assert momentum.ranking["gainers"][0]["change"] == pytest.approx(150.0 / base["2330"] - 1)
    assert any("last 20 trading days" in n for n in momentum.notices) and "(20 trading days)" in momentum.answer
    # "right now" / "目前" is the momentum there is now (it had been the newest session's change)
    for message in ("Which Taiwan stocks have the best momentum right now?", "目前動能最強的股票"):
        now = ask(store, message, today=today)
        assert now.ranking["gainers"][0]["code"] == "2330" and now.ranking["gainers"][0]["change"] == pytest.approx(
            150.0 / base["2330"] - 1), message
    # "the best week" / "the worst month": the last 5 (21) sessions, said so (it had been the newest day)
    week = ask(store, "which stock had the best week?", today=today)
    assert "(5 trading days)" in week.answer and any("read as the last 5 trading sessions" in n for n in week.notices)
    changes = {r["code"]: r["change"] for r in week.ranking["gainers"]}
    assert changes["2330"] == pytest.approx(150.0 / paths["2330"][-6] - 1) and changes["2317"] == pytest.approx(0.2)
    assert "(21 trading days)" in ask(store, "who had the worst month?", today=today).answer
    day = ask(store, "top gainers", today=today)  # the newest session: 2317's +20%
    assert [r["code"] for r in day.ranking["gainers"]][0] == "2317" and not any("Momentum" in n for n in day.notices)
    zh = ask(store, "哪檔股票動能最強", today=today)
    assert zh.ranking["gainers"][0]["code"] == "2330" and any("最近 20 個交易日" in n for n in zh.notices)
    mine = movers_answer(EngineRequest(message="Which of my watchlist stocks has the best momentum?"), store,
                         today=today, watchlist=["2454", "2317"])
    assert {r["code"] for r in mine.ranking["gainers"]} == {"2454", "2317"} and "3 companies asked about" not in mine.answer
    assert any("Your watchlist" in n and "2454, 2317" in n for n in mine.notices)
    # through the assistant, the watchlist is the settings'
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True, "watchlist": ["2330", "2317"]}))
    through = asst.answer("which of my watchlist stocks rose the most in April 2025?")
    assert {r["code"] for r in through.ranking["gainers"]} == {"2330", "2317"}


@pytest.mark.parametrize("message, end", [
    ("why did the top one rise?", "top"), ("forecast the top stock", "top"), ("第一名為什麼漲", "top"),
    ("who is the leader in AI chips?", None), ("news about the #1", "top"),
    ("漲最多的那檔有什麼新聞", "top"), ("and the worst one?", "bottom"), ("the biggest loser's news", "bottom"),
    ("最後一名呢", "bottom"), ("top 5 gainers", None), ("what is the best stock to buy?", None), ("2330 news", None),
])
def test_an_end_of_the_ranking_named_instead_of_a_company(message, end):
    from assistant.slots import ranked_end, to_simplified

    assert ranked_end(to_simplified(message)) == end


def test_the_top_one_with_no_ranking_in_the_conversation_says_so(data_dir):
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("why did the top one rise?")
    assert a.engine == "help" and "There is no ranking in this conversation yet" in a.answer
    assert "這段對話還沒有排行" in asst.answer("第一名為什麼漲").answer


def test_the_top_and_the_worst_one_of_a_ranking_are_its_companies_in_the_conversation(store, data_dir):
    """After "which stock rose the most in March 2025?" (2317 first; 2454 the biggest loser),
    "why did the top one rise?" is about 2317 and "and the worst one?" about 2454, through the
    follow-ups in between; a new ranking replaces them."""
    from assistant.service import Assistant, ranked_ends
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("Which stock rose the most in March 2025?", session=session)
    assert session.last_ranked == ranked_ends(first.ranking)
    top = first.ranking[next(iter(first.ranking))][0]["code"]
    assert asst.answer("why did the top one rise?", session=session).code == top
    assert asst.answer("forecast the top one", session=session).code == top
    worst = asst.answer("and the worst one?", session=session)
    assert worst.code == session.last_ranked["bottom"] and worst.code != top
    assert ranked_ends({"gainers": [{"code": "A"}, {"code": "B"}], "losers": [{"code": "C"}, {"code": "D"}]}) == \
        {"top": "A", "bottom": "C"}
    assert ranked_ends({"volume": [{"code": "A"}, {"code": "B"}]}) == {"top": "A", "bottom": "B"}
    assert ranked_ends({}) == {} and ranked_ends({"sectors": [{"industry": "半導體業", "best": "A"}]}) == {}
    asst.answer("which stocks fell the most in March 2025?", session=session)
    assert session.last_ranked["top"] == session.last_ranked["bottom"]  # the losers' list: its first is both


def test_my_watchlist_is_the_companies_asked_about_for_every_engine(store, data_dir):
    """"news sentiment for my watchlist", "how volatile is my watchlist?", "我的自選股怎麼樣" ask of the
    configured watchlist's companies, all of them, with a notice that names them; "how are 2330 and
    2454 doing?" (several companies, an overview's words) is every one side by side, not the first
    company's overview alone."""
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True, "watchlist": ["2330", "2454"]}))
    route = asst.route("news sentiment for my watchlist")
    assert route["route"] == "sentiment" and route["code"] == "2330"
    zh = asst.answer("我的自選股怎麼樣")
    assert {b.code for b in zh.bars} == {"2330", "2454"} and any("你的觀察清單" in n and "2330、2454" in n for n in zh.notices)
    both = asst.answer("how are 2330 and 2454 doing?")
    assert both.engine == ENGINE and {b.code for b in both.bars} == {"2330", "2454"} and "Side by side" in both.answer
    mine = asst.answer("how is my watchlist doing?")
    assert {b.code for b in mine.bars} == {"2330", "2454"} and any("Your watchlist" in n for n in mine.notices)
    assert asst.answer("How is 2330 doing?").engine == "qa:overview"  # one company: its overview
    # the watchlist itself: what is on it, whether a company is, how to change it (a setting)
    on = asst.answer("is 2317 on my watchlist?")
    assert on.engine == "help" and "Not on it: 2317" in on.answer and "FINQA_WATCHLIST" in on.answer
    held = asst.answer("what's on my watchlist?")
    assert held.engine == "help" and "Your watchlist (setting `watchlist`): 2330" in held.answer and "2454" in held.answer
    assert "On it: 2330" in asst.answer("add 2330 to my watchlist").answer
    zh = asst.answer("把鴻海加入自選股")
    assert zh.engine == "help" and "2317 鴻海 (Hon Hai) 不在清單上" in zh.answer and "聊天不會修改設定" in zh.answer
    assert asst.answer("我的自選股有哪些").engine == "help"


def test_gap_days_of_the_stored_companies(data_dir):
    """"Which stocks gapped down on 2025-03-05?": an open below the previous session's low, the
    same rule as one company's gap days; 2330 opened at 95 under the 03-04 low of 99, 2454 inside."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    rows = {"2330": [(date(2025, 3, 3), 100, 101, 99, 100), (date(2025, 3, 4), 100, 102, 99, 101),
                     (date(2025, 3, 5), 95, 96, 94, 95)],
            "2454": [(date(2025, 3, 3), 200, 201, 199, 200), (date(2025, 3, 4), 200, 203, 199, 202),
                     (date(2025, 3, 5), 204, 205, 203, 204)]}
    store.upsert_bars([PriceBar(code=c, date=d, open=o, high=h, low=lo, close=cl, volume=1e6)
                       for c, bars in rows.items() for d, o, h, lo, cl in bars])
    down = ask(store, "which stocks gapped down on 2025-03-05?", today=date(2025, 3, 6))
    assert [r["code"] for r in down.ranking["gap_down"]] == ["2330"] and "**Gapped down**" in down.answer
    up = ask(store, "2025年3月哪些股票跳空上漲", today=date(2025, 3, 6))
    assert [r["code"] for r in up.ranking["gap_up"]] == ["2454"] and up.ranking["gap_up"][0]["gap_up_days"] == ["2025-03-05"]
    assert "開盤高於前一日最高價" in up.answer


def test_a_threshold_lists_every_company_beyond_it(store):
    """March 2025: 2330 +5% exactly, 2317 +8%, 2382 +1%, 2454 -10% exactly. "More than" is strict,
    "at least" is not, and every company past the line is listed, not the top five."""
    more = ask(store, "which stocks rose more than 5% in March 2025?")
    assert [r["code"] for r in more.ranking["gainers"]] == ["2317"]
    least = ask(store, "list all stocks that rose at least 5% in March 2025")
    assert [r["code"] for r in least.ranking["gainers"]] == ["2317", "2330"]
    assert any("Every company that rose at least 5% (2)" in n for n in least.notices)
    fell = ask(store, "2025年3月哪些股票跌幅超過5%")
    assert [r["code"] for r in fell.ranking["losers"]] == ["2454"] and any("跌幅超過 5%" in n for n in fell.notices)
    assert [r["code"] for r in ask(store, "which stocks fell at least 10% in March 2025?").ranking["losers"]] == ["2454"]
    none = ask(store, "which stocks fell more than 10% in March 2025?")
    assert none.ranking["losers"] == [] and "(none fell more than 10%)" in none.answer
    # the threshold before the stocks, in Chinese (it had searched the news); over one session, the
    # daily limit is said to rule more than 10% out
    ahead = ask(store, "2025年3月漲幅超過5%的股票")
    assert [r["code"] for r in ahead.ranking["gainers"]] == ["2317"]
    one_day = ask(store, "漲幅超過10%的股票")
    assert "單日漲跌幅限制為 10%" in one_day.answer, one_day.answer


def test_momentum_of_the_companies_named_and_of_one_company(data_dir):
    """"Which has better momentum, 2330 or 2454?" ranks the two over the last 20 sessions (it had
    been sent to the forecaster, or the news); "2330 momentum" is 2330's own 20 sessions, with the
    same notice; "which one has better momentum?" after both ranks them the same way; "will its
    momentum continue?" is still a forecast."""
    from assistant.router import IntentClassifier
    from assistant.service import Assistant
    from assistant.slots import ChatSession, parse_slots
    from ingest.store import open_store

    days = [d.date() for d in __import__("pandas").bdate_range("2025-03-03", periods=30)]
    paths = {"2330": [100.0] * 9 + [100.0 + 3 * i for i in range(20)] + [150.0],
             "2454": [100.0] * 9 + [100.0 - 1 * i for i in range(20)] + [85.0]}
    open_store(data_dir.store_path).upsert_bars(flat_bars(paths, days))
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    as_of = days[-1] + __import__("datetime").timedelta(days=1)
    for message in ("Which has better momentum, 2330 or 2454?", "2330 vs 2454 momentum", "台積電和聯發科哪個動能強"):
        pair = asst.answer(message, as_of=as_of)
        rows = next(iter(pair.ranking.values()))  # "gainers", or both ends ranked as one list for "vs"
        assert pair.engine == ENGINE and [r["code"] for r in rows] == ["2330", "2454"], message
        assert rows[0]["change"] == pytest.approx(150.0 / paths["2330"][-21] - 1)
        assert any("20" in n and ("Momentum" in n or "動能" in n) for n in pair.notices)
    one = asst.answer("2330 momentum", as_of=as_of)
    assert one.engine == ENGINE and one.code == "2330" and len(one.bars) == 20
    assert f"{150.0 / paths['2330'][-21] - 1:+.2%}" in one.answer and any("Momentum here" in n for n in one.notices)
    session = ChatSession()
    asst.answer("2330 and 2454", session=session, as_of=as_of)
    back = asst.answer("Which one has better momentum?", session=session, as_of=as_of)
    assert [r["code"] for r in back.ranking["gainers"]] == ["2330", "2454"] and "(20 trading days)" in back.answer
    for future in ("will 2330's momentum continue?", "will 2330 keep rising?", "台積電會繼續漲嗎", "台積電漲勢會延續嗎"):
        assert IntentClassifier().decide(future, parse_slots(future)).route == "forecast", future
    past = "did 2330's rally continue in April 2025?"
    assert IntentClassifier().decide(past, parse_slots(past)).route == "qa"


def test_a_comparison_of_companies_none_of_which_is_stored_says_so(store, data_dir):
    """"廣達跟緯創哪個漲比較多" with neither stored: no news quoted in their place, the command that
    fetches both (one of them stored is still that one's own facts, above)."""
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    zh = asst.answer("緯創跟華碩哪個漲比較多")
    assert zh.engine == ENGINE and "資料庫沒有 3231 緯創、2357 華碩 的股價" in zh.answer
    assert "`finqa ingest prices 3231 2357`" in zh.answer
    en = asst.answer("which did better, Wistron or Asustek?")
    assert "The store holds no prices for 3231 Wistron" in en.answer and "nothing to compare" in en.answer


def test_a_year_completes_only_the_spans_that_need_one():
    """"What industry is 2382 in and how did it do in April 2025?": the year does not turn the
    first clause into a span of its own (it had been read as 2025 against April 2025)."""
    from assistant.price_facts import compared_periods

    ref = date(2026, 12, 5)
    assert compared_periods("What industry is 2382 in and how did it do in April 2025?", ref) == []
    assert [p.label for p in compared_periods("2330 April vs March 2025", ref)] == ["2025-04", "2025-03"]
    assert [p.label for p in compared_periods("compare 2330 in 2024 and 2025", ref)] == ["2024", "2025"]


def test_a_comparison_over_a_span_the_store_does_not_reach_says_what_it_covers(store):
    """"台積電和聯發科今年誰漲得多" a year after the store ends: both are stored, neither has a bar this
    year; the answer says so and what the store covers (it had quoted unrelated news)."""
    zh = ask(store, "台積電和聯發科今年誰漲得多", codes=["2330", "2454"], today=date(2026, 6, 1))
    assert zh is not None and zh.engine == ENGINE and not zh.ranking
    assert "資料庫在今年（2026-01-01 至 2026-06-01）沒有任何股價可排名" in zh.answer
    assert "`finqa ingest prices 2330 2454`" in zh.answer
    en = ask(store, "which did better this year, 2330 or 2454?", codes=["2330", "2454"], today=date(2026, 6, 1))
    assert "The store has no prices for this year (2026-01-01 to 2026-06-01) to rank" in en.answer


def test_one_company_s_place_among_the_stored_ones(store):
    """"2330 成交量排名", "where does 2330 rank by return?": its position by volume, value traded or
    change over the span, with the top three (it had answered the day's price)."""
    from assistant.movers import company_rank_answer

    def place(message, code="2330", **kw):
        return company_rank_answer(EngineRequest(message=message, code=code, **kw), store, today=date(2025, 3, 6))

    # 2025-03-05 volumes: 2317 has no bar that day; 2330 5,000,000 > 2308 3,000,000 > 2454 2,000,000 > 2382 1,000,000
    vol = place("2330 成交量排名")
    assert "排第 **1** 名（5,000 張）" in vol.answer and vol.ranking["volume"][0]["code"] == "2330"
    # March 3-5 changes from the Feb 27 close: 2330 +5.0%, 2382 +1.0%, 2454 -10.0%, 2317 +8.0% (to 03-04); 2308 has no base
    month = place("where does 2454 rank by return from 2025-03-03 to 2025-03-05?", code="2454")
    assert "ranked **#4** of the 4 companies with stored prices by change" in month.answer
    assert "#1 2317 Hon Hai (鴻海) (+8.00%)" in month.answer
    assert place("2330 rank by volatility") is None and place("2330 price") is None


@pytest.mark.parametrize("message", ["What's the return for all stocks in March 2025?", "every stock's change in March 2025",
                                     "所有股票2025年3月的漲跌幅"])
def test_all_stocks_get_the_whole_list_not_its_two_ends(store, monkeypatch, message):
    """"What's the 5-day return for all stocks?" had gone to the news: every stored company, best
    first, in one list (with the default of two per end here, the ends would have hidden one)."""
    from assistant import movers

    monkeypatch.setattr(movers, "DEFAULT_TOP", 2)
    assert is_ranking_question(message)
    a = ask(store, message)
    assert list(a.ranking) == ["all"]
    changes = [r["change"] for r in a.ranking["all"]]
    assert len(changes) == 4 and changes == sorted(changes, reverse=True)  # 2308 has no close before March
    assert list(ask(store, "biggest movers in March 2025").ranking) == ["gainers", "losers"]


def test_the_top_ones_move_is_asked_over_the_rankings_span_and_and_why_ranks_first(store, data_dir):
    """"why did the top one rise?" after March's ranking reads March's move (it had been the last 20
    sessions), said as read; "top 2 gainers in March 2025 and why" is the ranking (it had gone to the
    news and found nothing), with a notice on how to ask each one's reasons."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("top 2 gainers in March 2025 and why", session=session, as_of=date(2025, 4, 20))
    assert first.engine == ENGINE and list(first.ranking) == ["gainers"] and len(first.ranking["gainers"]) == 2
    assert any("why did the top" in n for n in first.notices)
    why = asst.answer("why did the top one rise?", session=session, as_of=date(2025, 4, 20))
    assert why.code == first.ranking["gainers"][0]["code"]
    assert any("Read as" in n and "2025-03-01" in n for n in why.notices)
    zh = asst.answer("2025年3月跌最多的股票和原因", session=ChatSession(), as_of=date(2025, 4, 20))
    assert zh.ranking and any("第一名為什麼跌" in n for n in zh.notices)


def test_computer_hardware_is_the_computers_industry():
    from ingest.industries import industry_named

    assert industry_named("best computer hardware stock this year").name_zh == "電腦及週邊設備業"
    assert industry_named("pc stocks this month").name_zh == "電腦及週邊設備業"


def test_how_many_stocks_rose_is_the_span_s_breadth(data_dir):
    """"how many stocks are up this year?" / "今年有幾檔股票上漲": the market summary, whose breadth
    line answers it; "哪幾檔漲最多" stays the gainers' list."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    import pandas as pd

    days = [d.date() for d in pd.bdate_range("2024-12-23", periods=15)]  # a close before this year to measure from
    for code, step in (("2330", 1.0), ("2454", -1.0), ("2317", 2.0)):
        store.upsert_bars(flat_bars({code: [100.0 + step * i for i in range(15)]}, days))
    today = days[-1]
    a = ask(store, "how many stocks are up this year?", today=today)
    assert "2 rose, 1 fell, 0 unchanged" in a.answer, a.answer
    zh = ask(store, "今年有幾檔股票上漲", today=today)
    assert "上漲 2 家、下跌 1 家" in zh.answer
    assert "上漲 2 家" not in ask(store, "哪幾檔漲最多", today=today).answer
