"""A company against the market (``assistant.versus_market``): which questions, the proxy (0050
when stored, else the median of the stored companies), the same span for both, and the as-of rule."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.price_facts import ENGINE, price_answer
from assistant.types import EngineRequest
from assistant.versus_market import asks_vs_market
from tests.fixture_data import flat_bars

DAYS = [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5), date(2025, 3, 6)]
# 2330 +10% over 03-04..03-06 (from 100 on 03-03); the others +0%, +2%, -4%: median +0%.
CLOSES = {"2330": [100, 104, 108, 110], "2454": [50, 50, 50, 50], "2317": [100, 101, 101, 102], "2303": [50, 49, 48, 48]}


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars(flat_bars(CLOSES, DAYS))
    return s


def ask(store, message, **kw):
    return price_answer(EngineRequest(message=message, code="2330", **kw), store, today=date(2025, 3, 7))


@pytest.mark.parametrize("message, asked", [
    ("台積電跟大盤比", True), ("did 2330 outperform the market in March 2025?", True), ("台積電今年有沒有贏大盤", True),
    ("TSMC vs the TAIEX", True), ("2330 price", False), ("how is the market doing?", False), ("台積電跟聯發科比", False),
])
def test_which_questions_compare_with_the_market(message, asked):
    assert asks_vs_market(message) is asked


def test_the_median_of_the_stored_companies_stands_for_the_market_and_says_so(store):
    a = ask(store, "did 2330 outperform the market from 2025-03-04 to 2025-03-06?")
    assert a.engine == ENGINE
    # 2330 +10.00%; the four companies +10%, +0%, +2%, -4%: median +1.00%
    assert ("Against the market (2025-03-04 – 2025-03-06): 2330 TSMC (台積電) +10.00%, the median of the 4 stored "
            "companies (not the TAIEX, which finqa does not store) +1.00%: 2330 did better by 9.00 percentage points.") in a.answer
    zh = ask(store, "台積電2025年3月4日到3月6日跟大盤比")
    assert "資料庫中 4 家公司漲跌幅的中位數（不是加權指數） +1.00%：贏過大盤 9.00 個百分點" in zh.answer


def test_0050_stands_for_the_market_when_stored(store):
    store.upsert_bars(flat_bars({"0050": [200, 202, 204, 210]}, DAYS))  # +5% from 03-03
    a = ask(store, "did 2330 outperform the market from 2025-03-04 to 2025-03-06?")
    assert "0050 (Yuanta Taiwan 50) +5.00%: 2330 did better by 5.00 percentage points." in a.answer


def test_the_market_is_read_point_in_time(store):
    """As of 03-06 the span ends on 03-05: 2330 +8%, the others 0%, +1%, -4%: median +0.5%."""
    a = ask(store, "did 2330 beat the market since 2025-03-04?", as_of=date(2025, 3, 6))
    assert "2330 TSMC (台積電) +8.00%" in a.answer and "+0.50%: 2330 did better by 7.50" in a.answer
