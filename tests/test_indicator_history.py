"""Indicators over time (``assistant.indicator_history``): the path through a span, and when a line
was last crossed, from the same series the one-day readings use."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assistant.indicator_history import LevelAsked, asked_level, last_time, span_lines


@pytest.mark.parametrize("message, asked", [
    ("When did 2330's RSI last go below 30?", LevelAsked("rsi", True, 30.0)),
    ("when was the last time TSMC RSI was above 75", LevelAsked("rsi", False, 75.0)),
    ("台積電RSI上次低於30是什麼時候", LevelAsked("rsi", True, 30.0)),
    ("台積電KD上次低於20是哪天", LevelAsked("k", True, 20.0)),
    ("when was 2454 last overbought?", LevelAsked("rsi", False, 70.0)),
    ("台積電上次超賣是什麼時候", LevelAsked("rsi", True, 30.0)),
    ("when was 2330's KD last oversold?", LevelAsked("k", True, 20.0)),
    ("2330 RSI below 30?", None),  # no "when": the reading now
    ("when did 2330 close above 1000?", None),  # a price, not an indicator
    ("when did 2330 RSI go above 130?", None),  # no such level
])
def test_which_questions_ask_when_a_line_was_crossed(message, asked):
    assert asked_level(message) == asked


def _frame(rsi: list[float]) -> pd.DataFrame:
    days = pd.bdate_range("2025-01-01", periods=len(rsi))
    return pd.DataFrame({"date": days, "rsi": rsi, "kdj_k": rsi, "close": [100.0] * len(rsi),
                         "macd_histogram": [0.0] * len(rsi)})


def test_the_last_spell_its_length_and_how_often():
    # 14 warm-up sessions (ignored, even at 0), then two spells below 30: 3 sessions, then 2
    rsi = [0.0] * 14 + [50, 25, 20, 28, 40, 45, 29, 22, 35, 50]
    text, numbers = last_time(_frame(rsi), LevelAsked("rsi", True, 30.0), zh=False)
    days = pd.bdate_range("2025-01-01", periods=len(rsi))
    assert numbers == {"last_start": days[20].date().isoformat(), "last_end": days[21].date().isoformat(), "times": 2,
                       "sessions": 5, "extreme": 22.0}
    assert f"last on {days[20].date().isoformat()} to {days[21].date().isoformat()} (2 sessions, lowest 22.0)" in text
    assert "happened 2 times, on 5 sessions" in text
    ongoing, _ = last_time(_frame([0.0] * 14 + [50, 60, 75, 80]), LevelAsked("rsi", False, 70.0), zh=True)
    assert "到最新的" in ongoing and "仍是如此" in ongoing and "最高 80.0" in ongoing
    never, numbers = last_time(_frame([0.0] * 14 + [50, 60]), LevelAsked("rsi", True, 30.0), zh=False)
    assert numbers == {"times": 0} and "never happened" in never and "lowest 50.0" in never


def test_the_path_through_a_span():
    rsi = [50.0] * 14 + [40, 25, 35, 75, 60]
    frame = _frame(rsi)
    frame["close"] = [100.0] * 14 + [90, 95, 105, 110, 99]
    days = pd.bdate_range("2025-01-01", periods=len(rsi))
    lines, numbers = span_lines(frame, ["rsi"], [3], days[14].date(), days[18].date(), zh=False)
    assert numbers["RSI(14)"] == {"first": 40.0, "last": 60.0, "min": 25.0, "min_date": days[15].date().isoformat(),
                                  "max": 75.0, "max_date": days[17].date().isoformat(),
                                  "sessions_below": 1, "sessions_above": 1}
    # the 3-day average of the close on each of the 5 days: 96.67, 95, 96.67, 103.33, 104.67
    assert numbers["ma3_sessions_above"] == 3
    assert lines[0].startswith(f"- RSI(14) over {days[14].date().isoformat()} to {days[18].date().isoformat()} (5 sessions)")
    assert span_lines(frame, ["rsi"], [], days[18].date(), days[18].date(), zh=False) == ([], {})  # one session: no path


def test_through_the_assistant_the_path_ends_at_the_one_day_reading(data_dir):
    """The span's last value is the RSI the one-day answer gives for that day, and the last time
    below 30 is a day whose own reading is below 30."""
    from assistant.service import Assistant
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    open_store(data_dir.store_path).upsert_bars(synthetic_bars("2330", n=120, end=date(2025, 5, 30), seed=7))
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    span = asst.answer("2330 RSI in April 2025", as_of=date(2025, 6, 2))
    path = span.indicators["span"]["RSI(14)"]
    day = asst.answer("2330 RSI on 2025-04-30", as_of=date(2025, 6, 2))
    assert path["last"] == pytest.approx(day.indicators["rsi14"])
    assert path["min"] <= path["last"] <= path["max"]
    days = [b.date for b in span.bars]  # the chart marks the span's sessions, the one-day answer its day
    assert days[0] >= date(2025, 4, 1) and days[-1] == date(2025, 4, 30) and len(days) > 15
    assert [b.date for b in day.bars] == [date(2025, 4, 30)]
    when = asst.answer("when did 2330's RSI last go below 50?", as_of=date(2025, 6, 2))
    last = when.indicators["last_time"]
    assert last["times"] > 0  # a random walk of 120 sessions dips below 50
    then = asst.answer(f"2330 RSI on {last['last_end']}", as_of=date(2025, 6, 2))
    assert then.indicators["rsi14"] < 50
    zh = asst.answer("台積電RSI上次低於50是什麼時候", as_of=date(2025, 6, 2))
    assert "RSI(14) 低於 50" in zh.answer
