"""Taiwan's daily price limits: the exact limit prices (±10% rounded inside to the tick), and
which closes were at them; the price facts and rankings that say so."""
from __future__ import annotations

import pytest

from ingest.limits import is_stock_code, limit_prices, limit_state, tick_size


@pytest.mark.parametrize("price, tick", [(9.99, 0.01), (10.0, 0.05), (49.95, 0.05), (50.0, 0.1), (99.9, 0.1),
                                         (100.0, 0.5), (499.5, 0.5), (500.0, 1.0), (999.0, 1.0), (1000.0, 5.0)])
def test_tick_sizes(price, tick):
    assert tick_size(price) == tick


@pytest.mark.parametrize("prev, down, up", [
    (942.0, 848.0, 1035.0),   # TSMC 2025-04-07: 847.8 rounds up to 848 (the real close); 1,036.2 → 1,035
    (1040.0, 936.0, 1140.0),  # 1,144 rounds down to the 5-tick 1,140 (+9.62%)
    (1045.0, 941.0, 1145.0),  # 940.5 → 941 (tick 1 below 1,000); 1,149.5 → 1,145
    (125.0, 112.5, 137.5),    # Hon Hai 2025-04-09: 112.5 is on the 0.5 tick
    (30.05, 27.05, 33.05),    # 27.045 → 27.05, 33.055 → 33.05 (tick 0.05)
    (8.0, 7.2, 8.8),
])
def test_limit_prices(prev, down, up):
    assert limit_prices(prev) == (down, up)


def test_limit_state():
    assert limit_state(942.0, 848.0) == "down"
    assert limit_state(942.0, 849.0) is None  # one tick short
    assert limit_state(1040.0, 1140.0) == "up"
    assert limit_state(1040.0, 1144.0) is None  # +10% exactly is not a price on the 5-tick
    assert limit_state(None, 100.0) is None and limit_state(0.0, 1.0) is None


def test_only_ordinary_stock_codes():
    assert is_stock_code("2330") and is_stock_code("6488")
    assert not is_stock_code("0050") and not is_stock_code("085133") and not is_stock_code("AAPL")


def test_price_facts_and_rankings_say_limit(data_dir):
    """A day's answer marks a limit close; "which stocks hit limit down" lists every company at it
    (not a top five), with the days, and nothing at the limit says so."""
    from datetime import date

    from assistant.movers import movers_answer
    from assistant.price_facts import price_answer
    from assistant.types import EngineRequest
    from ingest.store import open_store
    from ingest.types import PriceBar

    store = open_store(data_dir.store_path)
    closes = {"2330": (942.0, 848.0, 933.0), "2317": (125.0, 112.5, 123.5), "2454": (1200.0, 1100.0, 1210.0)}
    days = (date(2025, 4, 2), date(2025, 4, 7), date(2025, 4, 8))
    store.upsert_bars([PriceBar(code=c, date=d, open=x, high=x, low=x, close=x, volume=1e6)
                       for c, xs in closes.items() for d, x in zip(days, xs)])
    day = price_answer(EngineRequest(message="2330 close on 2025-04-07", code="2330"), store, today=date(2025, 4, 9))
    assert "-9.98% (limit down) from 942.00" in day.answer
    zh = price_answer(EngineRequest(message="台積電2025年4月7日收盤", code="2330"), store, today=date(2025, 4, 9))
    assert "-9.98%（跌停）" in zh.answer
    assert "limit" not in price_answer(EngineRequest(message="2330 close on 2025-04-08", code="2330"), store,
                                       today=date(2025, 4, 9)).answer
    down = movers_answer(EngineRequest(message="which stocks hit limit down on 2025-04-07?"), store, today=date(2025, 4, 9))
    assert list(down.ranking) == ["limit_down"]
    assert [r["code"] for r in down.ranking["limit_down"]] == ["2317", "2330"]  # 2454 fell 8.3%: no limit
    assert down.ranking["limit_down"][0]["limit_down_days"] == ["2025-04-07"]
    assert "Closed limit-down" in down.answer and "changes are measured" not in down.answer
    up = movers_answer(EngineRequest(message="2025年4月有哪些股票漲停"), store, today=date(2025, 4, 9))
    # 04-08: 2317 112.5 → 123.5 and 2454 1,100 → 1,210 are limit-up; 2330 848 → 933 is above 932, the
    # limit: not a price it could close at, and not called a limit.
    assert [r["code"] for r in up.ranking["limit_up"]] == ["2317", "2454"] and "收漲停" in up.answer
    none = movers_answer(EngineRequest(message="2025-04-07 漲停的股票"), store, today=date(2025, 4, 9))
    assert none.ranking["limit_up"] == [] and "沒有公司收在漲停價" in none.answer
