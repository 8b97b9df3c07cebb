"""One article of the news just listed, by its place: "what does the second one say?" /
"第一則在說什麼" (it had been a sentence search for "the first one")."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assistant.listed_article import picked_index
from ingest.types import Article


@pytest.mark.parametrize("message, index", [
    ("what does the second one say?", 2), ("tell me more about #4", 4), ("the last one?", -1), ("第一則在說什麼", 1),
    ("第三篇呢", 3), ("第2則", 2), ("open article 3", 3), ("summarize the first article", 1), ("最後一則", -1),
    ("what was the first one to fall?", None), ("台積電第一季營收", None), ("TSMC news", None), ("the first day of 2025", None),
])
def test_which_messages_pick_a_listed_article(message, index):
    assert picked_index(message) == index


def test_the_article_picked_is_read_back_with_its_opening_and_without_site_chrome(data_dir):
    """"TSMC news", then "what does the second one say?": the second article listed, its headline,
    source and Taipei date as the list showed it, its opening sentences (not a cookie-consent page
    or a feed footer) and the article cited; "第九則" past the list's end says how many there were;
    another answer in between ends the list."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from tests.test_qa import _index_news

    settings = data_dir.model_copy(update={"cpu_only": True})
    arts = [Article(url=f"https://news.example.com/2330/pick{i}", title=f"TSMC story number {i}", code="2330",
                    # 16:30 UTC is the next day in Taipei: the list and the article say the same day
                    published_at=datetime(2025, 1, 10 + i, 16, 30, tzinfo=timezone.utc), source="Fixture Daily",
                    language="en", description=f"TSMC said plan {i} is on track for the coming year.",
                    content=(f"TSMC said plan {i} is on track for the coming year. Its chief executive spoke to "
                             "analysts on a call about the new plant.\nThe post TSMC story appeared first on Fixture "
                             "Daily.")) for i in range(3)]
    arts.append(Article(url="https://news.example.com/2330/consent", title="TSMC story behind a consent page", code="2330",
                        published_at=datetime(2025, 1, 20, 3, tzinfo=timezone.utc), source="Fixture Daily", language="en",
                        description=None, content="If you click 'Accept all', we and our partners will store cookies."))
    _index_news(settings, arts)
    asst, session, as_of = Assistant(settings), ChatSession(), date(2025, 2, 1)
    listed = asst.answer("TSMC news", session=session, as_of=as_of)
    urls = [c.url for c in listed.citations]
    second = asst.answer("what does the second one say?", session=session, as_of=as_of)
    assert second.engine == "qa:article" and [c.url for c in second.citations] == [urls[1]]
    story = next(a for a in arts if a.url == urls[1])
    day = f"{story.published_at.date().replace(day=story.published_at.day + 1).isoformat()}"
    assert f"Article 2: **{story.title}** (Fixture Daily, {day}) [1]" in second.answer, second.answer
    assert f"{story.description}" in second.answer and "Its chief executive spoke" in second.answer
    assert "appeared first" not in second.answer and "without a language model" in second.answer
    first = asst.answer("第一則在說什麼", session=session, as_of=as_of)
    assert first.engine == "qa:article" and [c.url for c in first.citations] == [urls[0]]
    if urls[0].endswith("consent"):
        assert "Accept all" not in first.answer and "只有標題" in first.answer
    assert asst.answer("第九則", session=session, as_of=as_of).answer == f"剛才的清單只有 {len(urls)} 則，沒有第 9 則。"
    asst.answer("which stocks rose the most in January 2025?", session=session, as_of=as_of)
    assert asst.answer("the first one?", session=session, as_of=as_of).engine != "qa:article"
