"""A briefing of the latest session: "give me a morning briefing", "今天盤前要注意什麼", "what should I
watch this week?", "daily summary".

Why: these had searched the news for the words "morning" or "注意" and quoted whatever was nearest.
What the store can honestly give is the latest session's shape (the market summary every ranking
uses), the watchlist's closes beside the session before and the last 20, and the newest headlines,
each part from the engine that already answers it, with the data's age said. It looks back, never
ahead: nothing here says what to watch for tomorrow's prices.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from .i18n import answers_zh
from .price_format import company_label, company_of
from .slots import unquoted
from .types import Answer, Citation, EngineRequest

ENGINE = "qa:briefing"
HEADLINES = 5
MONTH = 20  # sessions

# On Simplified, lower-cased text, with no company named (the caller checks that).
_ASKS = re.compile(
    r"\b(?:morning|daily|market|pre-?market|evening|end[- ]of[- ]day|weekly)\s+"
    r"(?:briefing|brief|summary|update|digest|wrap(?:-?up)?)\b"
    r"|\bbrief(?:ing)?\s+me\b\s*[?.!]*\s*$|^\s*(?:give me\s+)?(?:a\s+|the\s+)?briefing\b"
    r"|\bwhat should i (?:watch|know|look at|pay attention to|keep an eye on)\b(?!\s+(?:about|on|for)\s+\S)"
    r"|\bwhat(?:'s| is) (?:important|worth knowing) today\b|\bcatch me up\b\s*[?.!]*\s*$"
    r"|盘前|盘后|早报|晨报|今日重点|今天的重点|每日摘要|每日重点|收盘(?:总结|摘要|重点)|(?:今天|今日|这周|本周|这礼拜).{0,4}(?:要)?(?:注意|关注)(?:什么|甚么|哪些)")


def asks_briefing(message: str) -> bool:
    """Whether ``message`` asks for a briefing of the market (the caller checks that no company is named)."""
    return bool(message) and bool(_ASKS.search(unquoted(message)))


def briefing_answer(req: EngineRequest, store: Any, watchlist: list[str],
                    newest: Callable[[], list[Any]]) -> Answer:
    """The briefing: the latest session's market summary, the watchlist's moves, the newest
    headlines (``newest()``: the latest stored articles of any company, point in time)."""
    from . import movers
    from .price_facts import TAIPEI, visible_day

    zh = answers_zh(req.message)
    notices = list(req.notices)
    summary = movers.movers_answer(replace(req, code=None, codes=[], follows_price_question=None, notices=[]), store,
                                   market_summary=True)
    parts: list[str] = []
    citations: list[Citation] = []
    if summary is not None and summary.citations:
        body = summary.answer.rsplit("\n\n(", 1)[0].rsplit("\n\n（", 1)[0].replace(" [1]", "")
        parts.append(("**市場**：" if zh else "**The market**: ") + body)
        citations.append(replace(summary.citations[0], n=1))
        notices.extend(n for n in summary.notices if n not in notices)
    else:
        parts.append("資料庫中沒有股價：`finqa ingest prices 代號...` 取得資料。" if zh else
                     "No prices are stored: `finqa ingest prices CODE...` fetches them.")
    visible = visible_day(req.as_of or datetime.now(TAIPEI).date(), req.as_of)
    rows = []
    for code in watchlist:
        closes = store.bars(code, end=visible)["close"].astype(float)
        if len(closes) < 2:
            continue
        day = closes.iloc[-1] / closes.iloc[-2] - 1
        month = closes.iloc[-1] / closes.iloc[-MONTH - 1] - 1 if len(closes) > MONTH else None
        label = company_label(code, company_of(code), zh)
        when = closes.index[-1].date().isoformat()
        if zh:
            rows.append(f"- {label}：{when} 收盤 {closes.iloc[-1]:,.2f}（{day:+.2%}）"
                        + (f"，近 {MONTH} 個交易日 {month:+.2%}" if month is not None else ""))
        else:
            rows.append(f"- {label}: closed at {closes.iloc[-1]:,.2f} on {when} ({day:+.2%})"
                        + (f", {month:+.2%} over the last {MONTH} sessions" if month is not None else ""))
    if rows:
        parts.append(("**自選股**（設定 `watchlist`）：\n" if zh else "**Your watchlist** (setting `watchlist`):\n") + "\n".join(rows))
    hits = newest()[:HEADLINES]
    if hits:
        from index.retrieval import taipei_date

        lines = []
        for h in hits:
            n = len(citations) + 1
            day = taipei_date(h.published_at).isoformat() if h.published_at else None
            citations.append(Citation(n=n, title=h.title, source=getattr(h, "source", None), date=day, url=h.url))
            lines.append(f"- {day or ''} [{h.code}] {h.title} [{n}]".replace("-  [", "- ["))
        parts.append(("**最新新聞**（由新到舊）：\n" if zh else "**The newest headlines** (newest first):\n") + "\n".join(lines))
    foot = ("（以上取自 finqa 的資料庫，回顧最近一個交易日與最新新聞；不是預測，也不是投資建議。）" if zh else
            "(From finqa's store: the latest session and the newest news, looking back. No forecast and no investment "
            "advice.)")
    head = "**簡報**" if zh else "**Briefing**"
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join([head, *parts, foot]), citations=citations,
                  notices=notices, bars=summary.bars if summary is not None else [],
                  ranking=summary.ranking if summary is not None else {})
