"""The market's days ranked (``assistant.market_days``): which questions, the median change across
the stored companies against pandas, limit-down counts, the as-of cut, and through the assistant."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.market_days import market_day_kind, market_days_answer
from assistant.types import EngineRequest
from tests.fixture_data import flat_bars

DAYS = [d.date() for d in pd.bdate_range("2025-03-03", periods=6)]
# Day 3 (03-05): every company falls 10% (limit down); day 5 (03-07): two of three rise 5%.
CLOSES = {
    "2330": [100.0, 101.0, 90.9, 91.0, 95.55, 95.0],
    "2454": [200.0, 200.0, 180.0, 181.0, 190.0, 191.0],
    "2317": [50.0, 50.5, 45.45, 45.0, 44.0, 44.5],
}


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars(flat_bars(CLOSES, DAYS))
    return s


@pytest.mark.parametrize("message, kind", [
    ("what was the worst day for Taiwan stocks in 2025?", "worst"), ("biggest up day for the market", "best"),
    ("which day did the most stocks hit limit down?", "limit_down"), ("台股哪一天跌最多", "worst"),
    ("哪一天漲停家數最多", "limit_up"), ("what was 2330's worst day?", None), ("worst day to buy stocks", None),
    # no company and no "stocks" named: still the market's days ("4月哪天跌最多" had ranked companies)
    ("4月哪天跌最多", "worst"), ("哪天漲最多", "best"), ("which day in April 2025 fell the most?", "worst"),
    ("what was the worst day in April?", "worst"), ("台積電4月哪天跌最多", None), ("哪檔股票哪天跌最多", None),
    ("which stock fell the most in April?", None), ("which day did TSMC fall the most?", None),
    # the sessions counted (they had searched the news); days of a move are another question
    ("how many trading days were there in April 2025?", "count"), ("台股2025年4月有幾個交易日", "count"),
    ("number of trading days in 2025", "count"), ("how many days did stocks rise in April?", None),
])
def test_which_questions_rank_the_markets_days(message, kind):
    from assistant.slots import parse_slots

    assert market_day_kind(message, list(parse_slots(message).codes)) == kind


def test_days_ranked_by_the_median_change_and_the_limit_closes(store):
    changes = pd.DataFrame(CLOSES, index=pd.DatetimeIndex(DAYS)).pct_change()
    worst = market_days_answer(EngineRequest(message="worst day for Taiwan stocks in 2025"), store, today=DAYS[-1])
    rows = worst.ranking["days"]
    assert rows[0]["date"] == DAYS[2].isoformat() and rows[0]["median"] == pytest.approx(changes.iloc[2].median())
    assert rows[0]["limit_down"] == 3 and rows[0]["down"] == 3
    best = market_days_answer(EngineRequest(message="best day for the market in March 2025"), store, today=DAYS[-1])
    assert best.ranking["days"][0]["date"] == DAYS[4].isoformat()
    limits = market_days_answer(EngineRequest(message="哪一天跌停家數最多"), store, today=DAYS[-1])
    assert limits.ranking["days"][0]["date"] == DAYS[2].isoformat() and "跌停家數最多的交易日" in limits.answer
    cut = market_days_answer(EngineRequest(message="worst day for the market", as_of=DAYS[2]), store, today=DAYS[-1])
    assert all(r["date"] < DAYS[2].isoformat() for r in cut.ranking["days"])  # the as-of day itself is not read


def test_the_assistant_answers_it_from_the_store(store, data_dir):
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    a = asst.answer("what was the worst day for Taiwan stocks in 2025?", session=session)
    assert a.engine == "qa:prices" and a.ranking["days"][0]["date"] == DAYS[2].isoformat()
    assert session.last_ranked == {}  # days are no companies for "the top one"


def test_the_sessions_are_counted_with_the_weekdays_that_had_none(data_dir):
    """"how many trading days were there in March 2025?": the stored sessions, and the weekday
    between them with none (a holiday here); a span past the store's end says where it ends."""
    from datetime import date

    from ingest.store import open_store

    days = [d for d in DAYS if d != date(2025, 3, 5)]  # a Wednesday closed
    store = open_store(data_dir.store_path)
    store.upsert_bars(flat_bars({c: [v for d, v in zip(DAYS, xs) if d in days] for c, xs in CLOSES.items()}, days))
    a = market_days_answer(EngineRequest(message="how many trading days were there in March 2025?"), store,
                           today=date(2025, 4, 1))
    assert "the store holds **5** trading days" in a.answer and "2025-03-05 (Wed)" in a.answer
    assert a.indicators["weekdays_without_session"] == ["2025-03-05"] and a.citations
    # 2025-03-05 is a session on the exchange calendar: a gap in the data, not a holiday
    assert a.indicators["holidays"] == [] and "the calendar has as sessions but the store lacks: 2025-03-05" in a.answer
    assert any("this counts the sessions up to then" in n for n in a.notices)  # March runs past the store's 03-10
    zh = market_days_answer(EngineRequest(message="台股2025年3月有幾個交易日"), store, today=date(2025, 4, 1))
    assert "資料庫中有 **5** 個交易日" in zh.answer and "2025-03-05（週三）" in zh.answer


def test_a_holiday_on_the_exchange_calendar_is_told_from_a_gap_in_the_data(data_dir):
    """The store has no session on 2025-04-03 and 04-04 (holidays on the XTAI calendar) nor on
    04-08 (a session there): the first two are holidays, the third a gap in the data."""
    from datetime import date

    import pandas as pd

    from ingest.store import open_store

    days = [d.date() for d in pd.bdate_range("2025-04-01", "2025-04-10")
            if d.date() not in (date(2025, 4, 3), date(2025, 4, 4), date(2025, 4, 8))]
    store = open_store(data_dir.store_path)
    store.upsert_bars(flat_bars({c: [100.0 + i for i in range(len(days))] for c in CLOSES}, days))
    a = market_days_answer(EngineRequest(message="how many trading days in April 2025?"), store, today=date(2025, 4, 11))
    assert a.indicators["holidays"] == ["2025-04-03", "2025-04-04"]
    assert "Exchange holidays between them, on the TWSE calendar: 2025-04-03 (Thu), 2025-04-04 (Fri)." in a.answer
    assert "but the store lacks: 2025-04-08 (Tue)" in a.answer
