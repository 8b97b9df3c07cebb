"""How a company's news tone moved over the window classified: "has sentiment on 2330 improved?",
"台積電新聞情緒的趨勢".

Why: the sentiment answer is one net score over 30 days, which cannot say whether the tone got
better or worse. The same classified articles, counted week by week (Monday to Sunday, by
publication date), can; a week with fewer than :data:`MIN_ARTICLES` articles is listed but not
compared, since one or two headlines are no tone.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from .slots import to_simplified
from .types import SentimentItem

MIN_ARTICLES = 3
# Within this much the net score is "about the same" (a few articles more or less moves it more).
SAME = 0.2

_TREND = re.compile(
    r"\btrend(?:s|ing)?\b|\bover time\b|\bweek by week\b|\bweekly\b|\b(?:by|per|each|every) week\b|\bimprov\w*|\bworsen\w*|\bdeteriorat\w*"
    r"|\b(?:getting|got|become|became)\s+(?:better|worse|more (?:positive|negative))\b|\bchang(?:e|ed|ing)\b|\bshift\w*"
    r"|趋势|变化|转好|转差|转佳|变好|变差|好转|恶化|每周|逐周|按周|走向")


def asks_trend(message: str) -> bool:
    """Whether a sentiment question asks how the tone moved, not only what it is."""
    return bool(_TREND.search(to_simplified(message or "").lower()))


def _week(day: str) -> date:
    d = date.fromisoformat(day[:10])
    return d - timedelta(days=d.weekday())


def weekly_rows(items: list[SentimentItem]) -> list[dict[str, object]]:
    """One row per week that has articles, oldest first: its Monday, article count, positive and
    negative counts and net score (what ``--json`` and the UI's chart show)."""
    weeks: dict[date, list[SentimentItem]] = {}
    for item in items:
        if item.date:
            weeks.setdefault(_week(item.date), []).append(item)
    rows: list[dict[str, object]] = []
    for start in sorted(weeks):
        group = weeks[start]
        pos = sum(i.label == "positive" for i in group)
        neg = sum(i.label == "negative" for i in group)
        rows.append({"week": start.isoformat(), "n": len(group), "positive": pos, "negative": neg,
                     "score": round((pos - neg) / len(group), 4)})
    return rows


def trend_text(rows: list[dict[str, object]], zh: bool) -> str:
    """The net score week by week (:func:`weekly_rows`), then the first comparable week against
    the last."""
    if not rows:
        return "\n\n新聞沒有日期，無法看趨勢。" if zh else "\n\nThe articles carry no dates, so there is no trend to show."
    lines = []
    for r in rows:
        s, n, p, q, net = r["week"], int(r["n"]), r["positive"], r["negative"], float(r["score"])
        lines.append((f"- {s} 當週：{n} 則，淨分數 {net:+.2f}（正面 {p}、負面 {q}）" if zh else
                      f"- week of {s}: {n} article{'s' if n != 1 else ''}, net {net:+.2f} ({p} positive, {q} negative)")
                     + ("" if n >= MIN_ARTICLES else ("（太少，不比較）" if zh else " (too few to compare)")))
    comparable = [r for r in rows if int(r["n"]) >= MIN_ARTICLES]
    if len(comparable) < 2:
        verdict = (f"少於兩週各有 {MIN_ARTICLES} 則以上的新聞，看不出趨勢。" if zh else
                   f"Fewer than two weeks have {MIN_ARTICLES} or more articles: no trend can be told.")
    else:
        first, last = comparable[0], comparable[-1]
        a, b = float(first["score"]), float(last["score"])
        if zh:
            word = "轉好" if b - a > SAME else "轉差" if b - a < -SAME else "大致持平"
            verdict = f"從 {first['week']} 當週的 {a:+.2f} 到 {last['week']} 當週的 {b:+.2f}：{word}。"
        else:
            word = "improved" if b - a > SAME else "worsened" if b - a < -SAME else "stayed about the same"
            verdict = f"From {a:+.2f} in the week of {first['week']} to {b:+.2f} in the week of {last['week']}: the tone {word}."
    title = "**每週新聞情緒**（依發布日期）" if zh else "**News tone week by week** (by publication date)"
    return "\n\n" + title + "\n" + "\n".join(lines) + "\n\n" + verdict
