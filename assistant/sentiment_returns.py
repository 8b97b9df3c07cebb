"""Whether a company's news tone went with its price: "Does news sentiment predict TSMC's price?",
"台積電的新聞情緒跟股價有關係嗎", "is Hon Hai's news sentiment correlated with its returns?".

Why: the sentiment answer gives one net score, which says nothing about whether the tone ever
meant anything for the price, and the question had gone to the overview (or the 30-day tone).
Here every stored article that names the company is classified, each is set on the first session
whose close came after it was published (13:30 Taipei; a weekend article on the Monday), and the
articles of a session make its net score. That score is set beside the session's return (what
followed the news) and the return of the session before (whether the news only followed the
price, as it often does). Point in time: articles and bars strictly before the as-of date only.

With a few dozen sessions of news a correlation means little: the answer gives the rough 95% band
of chance (±2/√n) beside it and says when it is inside. Nothing here is a trading rule.
"""
from __future__ import annotations

import math
from bisect import bisect_left
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from .slots import to_simplified, unquoted

CLOSE = time(13, 30)  # the TWSE/TPEx close: an article after it reaches the next session
MIN_SESSIONS = 8  # fewer sessions with news and no correlation is given at all
MAX_ARTICLES = 400  # the newest articles classified (about 6 s for the CPU classifier on one core)

_TONE = r"(?:\bsentiment\b|\bnews\b|\btone\b|\bheadlines?\b|情绪|新闻|舆论|利多|利空)"
_LINK = (r"(?:\bpredict\w*|\bforecast\w*|\blead\w*|\brelat\w*|\bcorrelat\w*|\baffect\w*|\bimpact\w*|\bmove\w* with\b|\bdriv\w*"
         r"|\btrack\w*|\bmatter\w*|\bexplain\w*|影响|有关|关系|关联|相关|预测|领先|带动|连动|反映|有用)")
_PRICE = r"(?:\bprices?\b|\bstock\b|\bshares?\b|\breturns?\b|\bmoves?\b|股价|涨跌|报酬|走势|股票)"
_ASKS = re.compile(rf"{_TONE}.{{0,40}}{_LINK}.{{0,40}}{_PRICE}|{_TONE}.{{0,12}}(?:跟|和|与|对).{{0,12}}{_PRICE}.{{0,12}}{_LINK}"
                   rf"|{_PRICE}.{{0,40}}{_LINK}.{{0,40}}{_TONE}")


def asks_sentiment_returns(message: str) -> bool:
    """Whether ``message`` asks whether the news tone goes with (or predicts) the price."""
    s = to_simplified(unquoted(message)).lower()
    return bool(_ASKS.search(s)) and bool(re.search(r"\bsentiment\b|\btone\b|情绪|利多|利空|\bpositive\b|\bnegative\b|正面|负面", s))


@dataclass
class Pair:
    """One session with news: its net score (the mean of +1 / 0 / −1 over its articles), how many
    articles, its return and the return of the session before."""

    session: date
    net: float
    articles: int
    ret: float
    before: float | None


def session_of(published: datetime, sessions: list[date], tz: Any) -> date | None:
    """The first stored session whose close came after ``published``; ``None`` past the last one."""
    local = published.astimezone(tz)
    day = local.date() if local.time() < CLOSE else local.date() + timedelta(days=1)
    i = bisect_left(sessions, day)  # ``sessions`` sorted, oldest first
    return sessions[i] if i < len(sessions) else None


def pairs_of(published: list[datetime], labels: list[str], closes: pd.Series, tz: Any) -> list[Pair]:
    """Each session that had news, with its net score and returns (``closes``: indexed by day, oldest
    first). An article whose session is the first stored one has no return and is left out."""
    sessions = [d.date() for d in closes.index]
    place = {d: i for i, d in enumerate(sessions)}
    rets = closes.astype(float).pct_change()
    by_session: dict[date, list[int]] = {}
    score = {"positive": 1, "negative": -1}
    for when, label in zip(published, labels):
        s = session_of(when, sessions, tz)
        if s is not None:
            by_session.setdefault(s, []).append(score.get(label, 0))
    out = []
    for s, scores in sorted(by_session.items()):
        i = place[s]
        r = rets.iloc[i]
        if i == 0 or r != r:
            continue
        before = float(rets.iloc[i - 1]) if i > 1 and rets.iloc[i - 1] == rets.iloc[i - 1] else None
        out.append(Pair(s, sum(scores) / len(scores), len(scores), float(r), before))
    return out


def _corr(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < MIN_SESSIONS:
        return None
    r = pd.Series(xs).corr(pd.Series(ys))
    return None if r != r else float(r)


def summary(pairs: list[Pair]) -> dict[str, Any]:
    """The numbers the answer gives (and ``--json`` would): sessions, the correlation of the net
    score with the session's return and with the session before's, the band of chance, and the mean
    return after mostly positive and mostly negative sessions."""
    n = len(pairs)
    nets, rets = [p.net for p in pairs], [p.ret for p in pairs]
    prior = [p for p in pairs if p.before is not None]
    pos = [p.ret for p in pairs if p.net > 0]
    neg = [p.ret for p in pairs if p.net < 0]
    agree = [p for p in pairs if p.net != 0 and p.ret != 0]
    return {
        "sessions": n, "articles": sum(p.articles for p in pairs),
        "correlation": _corr(nets, rets),
        "correlation_before": _corr([p.net for p in prior], [p.before for p in prior if p.before is not None]),
        "chance_band": 2 / math.sqrt(n) if n else None,
        "positive_sessions": len(pos), "mean_after_positive": sum(pos) / len(pos) if pos else None,
        "negative_sessions": len(neg), "mean_after_negative": sum(neg) / len(neg) if neg else None,
        "same_direction": (sum((p.net > 0) == (p.ret > 0) for p in agree) / len(agree)) if agree else None,
        "directional_sessions": len(agree),
        "up_share": sum(r > 0 for r in rets) / n if n else None,
        "first": pairs[0].session.isoformat() if pairs else None, "last": pairs[-1].session.isoformat() if pairs else None,
    }


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:+.2%}"


def _sides_en(numbers: dict[str, Any]) -> str:
    pos, neg = numbers["positive_sessions"], numbers["negative_sessions"]
    parts = [f"mostly positive sessions ({pos}) returned {_pct(numbers['mean_after_positive'])} on average" if pos else
             "no session's news was mostly positive",
             f"mostly negative ones ({neg}) {_pct(numbers['mean_after_negative'])}" if neg else
             "no session's news was mostly negative"]
    return "- " + "; ".join(parts) + ("" if pos and neg else ", so the two cannot be set against each other")


def _sides_zh(numbers: dict[str, Any]) -> str:
    pos, neg = numbers["positive_sessions"], numbers["negative_sessions"]
    parts = [f"偏正面的 {pos} 個交易日平均 {_pct(numbers['mean_after_positive'])}" if pos else "沒有偏正面的交易日",
             f"偏負面的 {neg} 個交易日平均 {_pct(numbers['mean_after_negative'])}" if neg else "沒有偏負面的交易日"]
    return "- " + "；".join(parts) + ("" if pos and neg else "，兩邊無從比較")


def render(label: str, numbers: dict[str, Any], zh: bool) -> str:
    """The answer's text: what was counted, the correlations with the band of chance, the mean
    returns after positive and negative sessions, and what that can and cannot say."""
    n, band = numbers["sessions"], numbers["chance_band"]
    if n < MIN_SESSIONS:
        return (f"{label} 只有 {n} 個有新聞的交易日可以對照股價，少於 {MIN_SESSIONS} 個，算不出有意義的關係；"
                "`finqa ingest news 代號` 可抓取更多新聞。" if zh else
                f"{label} has news on only {n} trading sessions that can be set beside its prices, fewer than "
                f"{MIN_SESSIONS}: too few to say anything. `finqa ingest news CODE` fetches more.")

    def corr_text(r: float | None) -> str:
        if r is None:
            return "–"
        inside = band is not None and abs(r) < band
        if zh:
            return f"{r:+.2f}（{'在' if inside else '超出'}隨機波動的範圍 ±{band:.2f}{'內' if inside else ''}）"
        return f"{r:+.2f} ({'inside' if inside else 'outside'} the ±{band:.2f} that chance alone gives)"

    same, up = numbers["same_direction"], numbers["up_share"]
    if zh:
        lines = [f"{label} 的新聞情緒與股價（{numbers['first']} 至 {numbers['last']}，{n} 個有新聞的交易日、"
                 f"{numbers['articles']} 則提到這家公司的新聞；每則新聞算在它發布後第一個收盤的交易日）：",
                 f"- 當日淨分數與該交易日報酬的相關係數：{corr_text(numbers['correlation'])}",
                 f"- 與前一交易日報酬的相關係數（新聞是否只是跟著股價走）：{corr_text(numbers['correlation_before'])}",
                 _sides_zh(numbers)]
        if same is not None:
            lines.append(f"- 情緒與漲跌同方向的比例 {same:.0%}（{numbers['directional_sessions']} 個交易日），"
                         f"同期上漲日的比例 {up:.0%}")
        lines.append("\n樣本這麼小，相關係數在範圍內就和隨機無法區分；分類器本身也會讀錯（見 README 的準確率）。"
                     "這是過去的對照，不是交易訊號，也不是投資建議。")
        return "\n".join(lines)
    lines = [f"{label}'s news tone beside its price ({numbers['first']} to {numbers['last']}: {n} sessions with news, "
             f"{numbers['articles']} articles that name the company, each counted on the first session that closed after "
             "it was published):",
             f"- correlation of a session's net score with that session's return: {corr_text(numbers['correlation'])}",
             f"- with the return of the session before (does the news only follow the price?): "
             f"{corr_text(numbers['correlation_before'])}",
             _sides_en(numbers)]
    if same is not None:
        lines.append(f"- tone and move agreed on {same:.0%} of {numbers['directional_sessions']} sessions, while "
                     f"{up:.0%} of the sessions rose")
    lines.append("\nWith so few sessions, a correlation inside the band cannot be told from chance, and the classifier "
                 "misreads some headlines itself (its accuracy is in the README). A look at the past, not a trading "
                 "signal and not investment advice.")
    return "\n".join(lines)
