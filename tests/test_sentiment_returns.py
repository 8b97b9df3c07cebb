"""The news tone beside the price: "Does news sentiment predict TSMC's price?" (it had been the
overview, or the 30-day tone). Each article counts on the first session that closed after it was
published, and nothing on or after the as-of date is read."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from assistant.engines.base import EngineRequest
from assistant.engines.sentiment import SentimentEngine
from assistant.sentiment_returns import MIN_SESSIONS, asks_sentiment_returns, pairs_of, session_of, summary
from ingest.types import Article, PriceBar
from tests.test_sentiment_engine import KeywordClassifier

TAIPEI = ZoneInfo("Asia/Taipei")
SESSIONS = [d.date() for d in pd.bdate_range("2025-03-03", periods=30)]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI).astimezone(timezone.utc)


@pytest.mark.parametrize("message, asks", [
    ("Does news sentiment predict TSMC's price?", True), ("台積電的新聞情緒跟股價有關係嗎", True),
    ("is Hon Hai's news sentiment correlated with its returns?", True), ("聯發科的新聞情緒會影響股價嗎", True),
    ("TSMC news sentiment", False), ("does TSMC's price predict anything?", False), ("台積電新聞", False),
    ("what moved TSMC's price?", False),
])
def test_which_questions_ask_whether_the_tone_goes_with_the_price(message, asks):
    assert asks_sentiment_returns(message) is asks


def test_an_article_counts_on_the_first_session_that_closed_after_it():
    """Before 13:30 on a session day: that session; after it, the next; on a Saturday: Monday;
    after the last stored session: none."""
    monday, tuesday = date(2025, 3, 3), date(2025, 3, 4)
    assert session_of(_at(monday, 9), SESSIONS, TAIPEI) == monday
    assert session_of(_at(monday, 13, 29), SESSIONS, TAIPEI) == monday
    assert session_of(_at(monday, 13, 30), SESSIONS, TAIPEI) == tuesday
    assert session_of(_at(date(2025, 3, 8), 10), SESSIONS, TAIPEI) == date(2025, 3, 10)  # Saturday → Monday
    assert session_of(_at(SESSIONS[-1], 15), SESSIONS, TAIPEI) is None


def test_the_numbers_against_a_hand_computation():
    """Sessions 1..12 each have one article, positive on odd sessions and negative on even ones,
    and the returns go with the tone on most: the net scores and returns are correlated exactly
    as numpy computes, and the means after each side are the plain means."""
    # returns: +1% on odd sessions, -1% on even ones (built from the closes, then read back)
    values = [100.0]
    for i in range(1, len(SESSIONS)):
        values.append(values[-1] * (1.01 if i % 2 else 0.99))
    closes = pd.Series(values, index=pd.to_datetime(SESSIONS))
    published, labels = [], []
    for i in range(1, 13):
        published.append(_at(SESSIONS[i], 9))
        labels.append("positive" if i % 2 else "negative")
    published.append(_at(SESSIONS[5], 10))  # a second article on session 5, neutral: its net 0.5
    labels.append("neutral")
    pairs = pairs_of(published, labels, closes, TAIPEI)
    assert [p.session for p in pairs] == SESSIONS[1:13]
    assert pairs[4].net == pytest.approx(0.5) and pairs[4].articles == 2
    numbers = summary(pairs)
    rets = closes.pct_change()
    nets = [p.net for p in pairs]
    assert numbers["correlation"] == pytest.approx(np.corrcoef(nets, [rets[pd.Timestamp(s)] for s in SESSIONS[1:13]])[0, 1])
    assert numbers["sessions"] == 12 and numbers["articles"] == 13 and numbers["chance_band"] == pytest.approx(2 / np.sqrt(12))
    assert numbers["mean_after_positive"] == pytest.approx(0.01) and numbers["mean_after_negative"] == pytest.approx(-0.01)
    assert numbers["same_direction"] == 1.0 and numbers["positive_sessions"] == 6
    # the session before each: -1% before an odd session, +1% before an even one (none before the first)
    before = [(p.net, rets[pd.Timestamp(SESSIONS[SESSIONS.index(p.session) - 1])]) for p in pairs if p.session != SESSIONS[1]]
    assert numbers["correlation_before"] == pytest.approx(np.corrcoef(*zip(*before))[0, 1])
    assert numbers["correlation_before"] < -0.95


def test_the_engine_reads_only_before_the_as_of_date_and_says_how_little_it_can_say(data_dir):
    """Gains on the sessions that rose, losses on those that fell: the correlation is high. An
    article and a bar on or after the as-of date are never read (a loss on the as-of day itself
    would change the numbers); a company with news on fewer than MIN_SESSIONS sessions gets no
    correlation at all."""
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    closes, c = [], 100.0
    for i, d in enumerate(SESSIONS):
        c *= 1.02 if i % 3 == 0 else 0.99
        closes.append(c)
    store.upsert_bars([PriceBar(code="2330", date=d, open=v, high=v, low=v, close=v, volume=1e6)
                       for d, v in zip(SESSIONS, closes)])
    as_of = SESSIONS[20]
    arts = [Article(url=f"https://news.example.com/2330/{d}", code="2330", language="en", source="Fixture Daily",
                    title=f"TSMC posts a {'gain' if i % 3 == 0 else 'loss'} on {d}", content="TSMC.",
                    published_at=_at(d, 9)) for i, d in enumerate(SESSIONS) if i > 0]
    store.upsert_articles(arts)
    engine = SentimentEngine(settings=data_dir.model_copy(update={"cpu_only": True}), cpu_classifier=KeywordClassifier())
    a = engine.run(EngineRequest(message="Does news sentiment predict TSMC's price?", code="2330", as_of=as_of))
    assert a.indicators["sessions"] == 19 and a.indicators["last"] == SESSIONS[19].isoformat()
    assert a.indicators["correlation"] == pytest.approx(1.0) and a.indicators["same_direction"] == 1.0
    assert "19 sessions with news" in a.answer and "outside the ±0.46 that chance alone gives" in a.answer
    assert "not a trading signal" in a.answer
    zh = engine.run(EngineRequest(message="台積電的新聞情緒跟股價有關係嗎", code="2330", as_of=as_of))
    assert "19 個有新聞的交易日" in zh.answer and "不是交易訊號" in zh.answer
    early = engine.run(EngineRequest(message="Does news sentiment predict TSMC's price?", code="2330",
                                     as_of=SESSIONS[MIN_SESSIONS - 1]))
    assert "too few to say anything" in early.answer and early.indicators["correlation"] is None
    assert engine.run(EngineRequest(message="Does news sentiment predict 2454's price?", code="2454",
                                    as_of=as_of)).answer.startswith("No news about 2454 is ingested")


def test_the_rules_send_it_to_the_sentiment_engine():
    """"predict" had made it a forecast word beside a sentiment word: the overview."""
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    for message in ("Does news sentiment predict TSMC's price?", "台積電的新聞情緒跟股價有關係嗎"):
        decision = IntentClassifier().decide(message, parse_slots(message))
        assert decision.route == "sentiment" and decision.source == "rule", (message, decision)
