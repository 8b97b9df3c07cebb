"""The next session's limit prices ("台積電明天漲停價多少", "2330 limit up price"): arithmetic from the
last close (point in time), rounded inside to the tick as the exchange does; the odds of reaching
them stay the forecaster's."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.price_limits import asks_limit_prices, limit_price_answer
from assistant.types import EngineRequest
from ingest.types import PriceBar


@pytest.mark.parametrize("message, expected", [
    ("台積電明天漲停價多少", True), ("2330 limit up price", True), ("聯發科跌停價", True), ("2330 price limits", True),
    ("台積電漲停是多少", True), ("what are 2454's daily limits?", True),
    # the odds of hitting the limit, and the past limit days, are other questions
    ("will 2330 hit limit up tomorrow?", False), ("台積電會不會漲停", False), ("how many times did 2330 close limit down?", False),
    ("台積電漲停了嗎", False),
])
def test_which_questions_ask_the_limit_prices(message, expected):
    assert asks_limit_prices(message, "2330") is expected


def _store(data_dir, closes):
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    store.upsert_bars([PriceBar(code="2330", date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in closes])
    return store


def test_the_limits_are_ten_percent_rounded_inside_to_the_tick(data_dir):
    # 967: 1,063.7 up lies in the 1,000+ band (tick 5) -> 1,060; 870.3 down in the 500-1,000 band (tick 1) -> 871
    store = _store(data_dir, [(date(2025, 5, 28), 942.0), (date(2025, 5, 29), 967.0)])
    a = limit_price_answer(EngineRequest(message="2330 limit up price", code="2330"), store)
    assert (a.indicators["limit_up"], a.indicators["limit_down"]) == (1060.0, 871.0)
    assert "the next session's limit-up price is **1,060.00** (+9.62%) and its limit-down price **871.00** (-9.93%)" in a.answer
    assert "NT$5.00 for the limit-up, NT$1.00 for the limit-down" in a.answer
    assert any("ex-dividend" in n for n in a.notices) and a.citations and a.bars
    # point in time: as of 2025-05-29 its own close is not seen; from 942, the limit-up is 1,035 (1,036.2
    # in the 1,000+ band) and the limit-down 848 (-9.98%)
    before = limit_price_answer(EngineRequest(message="台積電跌停價", code="2330", as_of=date(2025, 5, 29)), store)
    assert before.indicators["close_date"] == "2025-05-28" and before.indicators["limit_down"] == 848.0
    assert "漲停價 **1,035.00**（+9.87%）、跌停價 **848.00**（-9.98%）" in before.answer
    assert "這裡漲停價是 5.00 元、跌停價是 1.00 元" in before.answer
    assert max(b.date for b in before.bars) < date(2025, 5, 29)
    one_band = limit_price_answer(EngineRequest(message="台積電跌停價", code="2330", as_of=date(2025, 5, 28)),
                                  _store(data_dir, [(date(2025, 5, 27), 600.0)]))
    assert "漲停價 **660.00**（+10.00%）、跌停價 **540.00**（-10.00%）" in one_band.answer and "這裡是 1.00 元" in one_band.answer


def test_the_assistant_computes_them_instead_of_forecasting(data_dir):
    """"台積電明天漲停價多少" had been a one-day forecast; "2330 limit up price" the span's summary."""
    from assistant.service import Assistant

    _store(data_dir, [(date(2025, 5, 28), 942.0), (date(2025, 5, 29), 967.0)])
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("台積電明天漲停價多少")
    assert a.route == "qa" and "漲停價 **1,060.00**" in a.answer
    assert asst.answer("will 2330 hit limit up tomorrow?").route == "forecast"
    # the UI charts the last sessions with both limits drawn across
    import json

    import ui

    plot = ui.ChatController(object(), data_dir, session_factory=dict).result_views(a)[1]
    fig = json.loads(plot.value["plot"])
    assert {s["y0"] for s in fig["layout"]["shapes"] if s.get("type") == "line"} >= {1060.0, 871.0}
    assert {"limit up 1,060.00", "limit down 871.00"} <= {x["text"] for x in fig["layout"]["annotations"]}
    empty = asst.answer("2454 limit down price")
    assert "no prices" in empty.answer and "finqa ingest prices 2454" in empty.answer
