"""What-if moves (``assistant.scenarios``): which questions, the values by hand, where the moved
price stands in the stored history, holdings carried from the conversation, and the as-of rule."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assistant.scenarios import asks_scenario, moved_codes
from ingest.types import PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-03-03", periods=8)]
CLOSES = {"2330": [1000.0, 950.0, 880.0, 905.0, 960.0, 990.0, 1010.0, 1000.0],
          "2454": [1200.0, 1210.0, 1190.0, 1250.0, 1240.0, 1230.0, 1220.0, 1200.0]}


@pytest.fixture
def settings(data_dir):
    from ingest.store import open_store

    open_store(data_dir.store_path).upsert_bars([
        PriceBar(code=code, date=d, open=c, high=c, low=c, close=c, volume=1e6)
        for code, closes in CLOSES.items() for d, c in zip(DAYS, closes)])
    return data_dir.model_copy(update={"cpu_only": True})


@pytest.mark.parametrize("message, scenario", [
    ("what if TSMC drops 10%?", True), ("如果台積電跌10%呢", True), ("what if 2330 falls 25%?", True),
    ("suppose MediaTek rises 5%", True), ("what if the market falls 20%?", True), ("假如聯發科大漲7%", True),
    ("what if I sell everything?", False), ("will TSMC drop 10%?", False), ("did 2330 drop 10% last week?", False),
    ("如果台積電明天漲呢", False), ("if TSMC revenue grows 10%, what happens?", False),
])
def test_which_questions_are_scenarios(message, scenario):
    assert asks_scenario(message) is scenario


@pytest.mark.parametrize("message, codes", [
    ("what if TSMC drops 10%?", ["2330"]), ("如果台積電跌10%呢", ["2330"]), ("what if the market falls 20%?", None),
    ("如果全部跌10%", None), ("I hold 2,000 shares of 2330 and 500 shares of 2454: what if MediaTek falls 5%?", ["2454"]),
])
def test_the_condition_names_what_moves(message, codes):
    assert moved_codes(message) == codes


def test_a_lot_moved_by_hand_beside_its_history(settings):
    """A lot of 2330 at the last close of 1,000.00, 10% down: 900.00 and NT$900,000; the close
    was last at or below 900 on the third day (880.00); a 25% fall is more than one session's
    limit and below anything stored."""
    from assistant.service import Assistant

    asst = Assistant(settings)
    a = asst.answer("what if TSMC drops 10%?", as_of=date(2025, 3, 20))
    assert a.engine == "qa:prices" and a.code == "2330"
    assert "close 1,000.00 → 900.00, NT$1,000,000 → NT$900,000 (−NT$100,000)" in a.answer
    assert f"last closed at or below 900.00 on {DAYS[2].isoformat()} (880.00)" in a.answer
    assert f"largest one-day fall stored is -7.37% ({DAYS[2].isoformat()})" in a.answer
    assert "not a forecast" in a.answer and "`forecast 2330 next 20 days`" in a.answer
    deep = asst.answer("what if 2330 falls 25%?", as_of=date(2025, 3, 20))
    assert "never closed that low" in deep.answer and "more than the ±10% daily limit" in deep.answer
    up = asst.answer("假如聯發科大漲5%", as_of=date(2025, 3, 20))
    assert "收盤 1,200.00 → 1,260.00" in up.answer and "從未收在這個價位以上" in up.answer
    # as of a day, only the closes before it: the last is 880.00 on the third day
    cut = asst.answer("what if TSMC drops 10%?", as_of=DAYS[3])
    assert "close 880.00 → 792.00" in cut.answer and all(b.date < DAYS[3] for b in cut.bars)


def test_holdings_in_the_conversation_take_the_move(settings):
    """After "I have 2 lots of 2330 and 500 shares of 2454", "what if TSMC drops 10%?" moves the
    2330 lots only (NT$2,600,000 → NT$2,400,000), "如果全部跌10%" both, said as read; a company
    not held is asked of a lot."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session, as_of = Assistant(settings), ChatSession(), date(2025, 3, 20)
    asst.answer("I have 2 lots of 2330 and 500 shares of 2454, what are they worth?", session=session, as_of=as_of)
    one = asst.answer("what if TSMC drops 10%?", session=session, as_of=as_of)
    assert "your holdings would go from NT$2,600,000 to **NT$2,400,000**: −NT$200,000 (-7.69%" in one.answer
    assert "500 shares of 2454 MediaTek (聯發科): NT$600,000 (unchanged)" in one.answer
    assert any(n.startswith("Read as “I hold 2,000 shares of 2330 and 500 shares of 2454: what if TSMC drops 10%?”")
               for n in one.notices)
    both = asst.answer("如果全部跌10%", session=session, as_of=as_of)
    assert "每一檔持股都 跌 10%" in both.answer and "NT$2,340,000" in both.answer and "NT$540,000" in both.answer
    other = asst.answer("what if 2317 drops 10%?", session=session, as_of=as_of)
    assert "holdings" not in other.answer and "`finqa ingest prices 2317`" in other.answer
