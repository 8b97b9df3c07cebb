"""A briefing of the latest session: "give me a morning briefing" / "今天盤前要注意什麼" (they had
searched the news for "morning" or "注意")."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from assistant.briefing import asks_briefing
from assistant.engines.qa import QAEngine
from assistant.types import EngineRequest
from ingest.types import Article, PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-03-03", periods=30)]


@pytest.mark.parametrize("message, asks", [
    ("Give me a morning briefing", True), ("今天盤前要注意什麼", True), ("what should I watch this week?", True),
    ("daily summary", True), ("brief me", True), ("盤後重點", True), ("收盤總結", True),
    ("brief me on 2317", False), ("what should I know about MediaTek?", False), ("TSMC news", False),
])
def test_which_messages_ask_for_a_briefing(message, asks):
    assert asks_briefing(message) is asks


def test_the_briefing_holds_the_last_session_the_watchlist_and_the_newest_news_point_in_time(data_dir):
    from index.news_index import build_news
    from ingest.store import open_store

    settings = data_dir.model_copy(update={"cpu_only": True, "watchlist": ["2330", "2454"]})
    store = open_store(settings.store_path)
    for k, code in enumerate(("2330", "2454", "2317")):
        store.upsert_bars([PriceBar(code=code, date=d, open=100.0, high=100.0, low=100.0, close=100.0 + i * (k + 1),
                                    volume=1e6) for i, d in enumerate(DAYS)])
    store.upsert_articles([
        Article(url=f"https://news.example.com/2330/brief{i}", title=f"TSMC update {i}", code="2330", language="en",
                source="Fixture Daily", content=f"TSMC update {i}.",
                published_at=datetime(2025, 4, 1 + i, 3, tzinfo=timezone.utc)) for i in range(8)])
    build_news(store, settings, progress=False)
    as_of = DAYS[-1]  # its own bar and the articles from it on are not seen
    a = QAEngine(settings=settings).run(EngineRequest(message="Give me a morning briefing", as_of=as_of))
    last = DAYS[-2].isoformat()
    assert a.engine == "qa:briefing" and f"**The market**: **{last}** (1 trading day)" in a.answer, a.answer
    close = 100.0 + 28
    assert (f"- 2330 TSMC (台積電): closed at {close:,.2f} on {last} ({close / (close - 1) - 1:+.2%}), "
            f"{close / (close - 20) - 1:+.2%} over the last 20 sessions") in a.answer
    assert "2317" not in a.answer.split("**Your watchlist**")[1].split("**The newest headlines**")[0]
    headlines = a.answer.split("**The newest headlines** (newest first):\n")[1]
    newest_seen = max(i for i in range(8) if date(2025, 4, 1 + i) < as_of)
    assert headlines.startswith(f"- 2025-04-{1 + newest_seen:02d} [2330] TSMC update {newest_seen} [2]")
    assert all(c.url is None or "brief" in c.url for c in a.citations)
    zh = QAEngine(settings=settings).run(EngineRequest(message="今天盤前要注意什麼", as_of=as_of))
    assert "**市場**：" in zh.answer and "**自選股**" in zh.answer and "不是預測" in zh.answer
