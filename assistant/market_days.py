"""The market's days, ranked: "what was the worst day for Taiwan stocks in 2025?", "biggest up day
for the market", "which day did the most stocks hit limit down?", "台股2025年哪一天跌最多".

Why apart from ``assistant.movers`` (companies ranked over a span) and ``assistant.risk_rankings``
(each company's own worst day): here the unit is the day, and the market is the stored Taiwan
companies, since no index level is stored: a day's median close-to-close change across them
(the middle company, so one stock cannot make the day), how many rose and fell, and how many
closed at the limit (``ingest.limits``). Point in time: nothing on or after an as-of date is read.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from ingest.limits import is_stock_code, limit_state

from .periods import period_label
from .price_facts import ENGINE, store_question
from .price_format import WEEKDAY_ZH, is_taiwan
from .slots import unquoted
from .types import Answer, EngineRequest

SHOWN = 5
MIN_COMPANIES = 3  # a day with fewer stored companies trading says nothing about the market

# On Simplified, lower-cased text.
_MARKET_WORDS = r"(?:the\s+)?(?:market|taiwan(?:ese)?\s+(?:stocks|market)|stocks|taiex|台股|股市|大盘)"
_BEST_WORST_DAY = re.compile(
    rf"\b(?:worst|best|biggest|largest|strongest|weakest)\s+(?:up\s+|down\s+|one[- ]?)?days?\b(?!\s+to\b).{{0,30}}{_MARKET_WORDS}"
    rf"|{_MARKET_WORDS}'?s?\s+(?:worst|best|biggest|largest|strongest|weakest)\s+(?:up\s+|down\s+)?days?\b"
    r"|(?:台股|股市|大盘).{0,12}(?:哪一?天|最惨的一天|最好的一天).{0,8}(?:跌|涨|最惨|最好)?"
    r"|哪一?天.{0,6}(?:台股|股市|大盘).{0,6}(?:跌|涨)(?:得|的)?最"
    # with no company named (the caller's rule), the day itself: "4月哪天跌最多", "which day in April
    # 2025 fell the most?", "what was the worst day in April?"
    r"|^[^档支只家股]{0,16}哪一?天(?:的)?(?:跌|涨)(?:得|的)?最(?:多|少|惨|凶|重|好)"
    r"|\bwhich\s+(?:trading\s+)?day\b.{0,30}\b(?:was\s+the\s+)?(?:worst|best|(?:fell|dropped|rose|gained|went up|went down)"
    r"\s+the\s+most|biggest\s+(?:drop|fall|gain|rise))\b(?!.{0,30}\b(?:stocks?|shares|compan(?:y|ies))\b)"
    r"|^\s*what\s+was\s+the\s+(?:worst|best)\s+(?:trading\s+)?day\s+(?:in|of|during)\b")
_LIMIT_DAY = re.compile(r"\b(?:which|what)\s+days?\b.{0,40}\bmost\b.{0,30}\blimit[- ](up|down)\b"
                        r"|哪一?天.{0,10}(涨停|跌停)(?:家数|的股票)?最多")
# "how many trading days were there in April 2025?", "台股4月有幾個交易日": the sessions, counted
_COUNT_DAYS = re.compile(r"\bhow many (?:trading |market )?(?:days|sessions)\b(?!.{0,40}\b(?:rose|rise|rising|fell|fall\w*|"
                         r"drop\w*|climb\w*|up|down|gain\w*|los\w*|higher|lower|in a row|limit|close[ds]?|above|below)\b)|\bnumber of (?:trading|market) days\b"
                         r"|(?:几|多少)个?交易日(?!.{0,8}(?:涨|跌|连))")
_UP_WORDS = re.compile(r"\b(?:best|biggest up|strongest|up day)\b|涨|最好")


def market_day_kind(message: str, codes: list[str]) -> str | None:
    """``worst`` / ``best`` (days by the median change), ``limit_up`` / ``limit_down`` (by how many
    closed at the limit), or ``None``; never with a company named."""
    if not message or codes:
        return None
    s = unquoted(message)
    if _COUNT_DAYS.search(s):
        return "count"
    if m := _LIMIT_DAY.search(s):
        word = m.group(1) or m.group(2)
        return "limit_up" if word in ("up", "涨停") else "limit_down"
    if _BEST_WORST_DAY.search(s):
        return "best" if _UP_WORDS.search(s) else "worst"
    return None


def market_days_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The span's days ranked by the stored companies' median change (or their limit closes)."""
    kind = market_day_kind(req.message, [c for c in [req.code, *req.codes] if c])
    if kind is None:
        return None
    q = store_question(req, today)
    if (invalid := q.invalid()) is not None:
        return invalid
    zh, visible, period, notices = q.zh, q.visible, q.period, q.notices
    frame = q.visible_bars(store)
    frame = frame[frame["code"].astype(str).map(is_taiwan)]
    closes = frame.pivot_table(index="date", columns="code", values="close").sort_index()
    changes = closes.pct_change(fill_method=None)
    if period.kind in ("day", "range") and period.start is not None:
        end = min(period.end or visible, visible)
        changes = changes[(changes.index >= pd.Timestamp(period.start)) & (changes.index <= pd.Timestamp(end))]
    elif period.kind == "trailing":
        changes = changes.tail(period.sessions or 1)
    days = []
    for day, row in changes.iterrows():
        moved = row.dropna()
        if len(moved) < MIN_COMPANIES:
            continue
        prev = closes.shift(1).loc[day]
        limits = [limit_state(float(prev[c]), float(closes.at[day, c])) for c in moved.index if is_stock_code(str(c))]
        days.append({"date": day.date().isoformat(), "median": float(moved.median()), "mean": float(moved.mean()),
                     "up": int((moved > 0).sum()), "down": int((moved < 0).sum()), "companies": int(len(moved)),
                     "limit_up": limits.count("up"), "limit_down": limits.count("down")})
    if kind == "count":  # the sessions themselves (a change needs the day before; a count does not)
        held = closes[closes.notna().sum(axis=1) >= MIN_COMPANIES]
        if period.kind in ("day", "range") and period.start is not None:
            held = held[(held.index >= pd.Timestamp(period.start)) & (held.index <= pd.Timestamp(min(period.end or visible, visible)))]
        elif period.kind == "trailing":
            held = held.tail(period.sessions or 1)
        if len(held):
            return _count_answer(q, [d.date().isoformat() for d in held.index], period, zh, notices)
    if not days:
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=(
            f"資料庫中{period_label(period, True) if period.kind != 'latest' else ''}沒有至少 {MIN_COMPANIES} 家公司都有股價的交易日。" if zh else
            f"The store holds no day{' in ' + period_label(period, False) if period.kind != 'latest' else ''} with at "
            f"least {MIN_COMPANIES} companies' prices to compare."))
    key = {"worst": lambda d: d["median"], "best": lambda d: -d["median"],
           "limit_up": lambda d: (-d["limit_up"], -d["median"]), "limit_down": lambda d: (-d["limit_down"], d["median"])}[kind]
    ranked = sorted(days, key=key)[:SHOWN]
    start, end = days[0]["date"], days[-1]["date"]
    what = {"worst": ("跌得最重的交易日（依漲跌幅中位數）", "the worst days, by the median company's change"),
            "best": ("漲得最多的交易日（依漲跌幅中位數）", "the best days, by the median company's change"),
            "limit_up": ("漲停家數最多的交易日", "the days the most companies closed limit up"),
            "limit_down": ("跌停家數最多的交易日", "the days the most companies closed limit down")}[kind]
    head = (f"**{start} 至 {end}**，資料庫中的公司{what[0]}：" if zh else f"**{start} to {end}**, {what[1]} among the stored companies:")
    lines = [(f"{i}. {d['date']}：中位數 {d['median']:+.2%}（等權平均 {d['mean']:+.2%}），上漲 {d['up']} 家、下跌 {d['down']} 家"
              f"（共 {d['companies']} 家），漲停 {d['limit_up']}、跌停 {d['limit_down']}" if zh else
              f"{i}. {d['date']}: median {d['median']:+.2%} (equal-weighted {d['mean']:+.2%}), {d['up']} up and {d['down']} "
              f"down of {d['companies']}, {d['limit_up']} limit up and {d['limit_down']} limit down")
             for i, d in enumerate(ranked, 1)]
    if period.kind == "latest":
        notices.append("沒有指定期間：讀資料庫中的全部交易日。" if zh else "No period named: every stored session is read.")
    foot = ("（資料庫不儲存加權指數：這是已儲存公司的中位數，不是整個交易所；數字直接取自 finqa 的股價資料庫，未經語言模型。） [1]" if zh else
            "(No index level is stored: this is the median of the stored companies, not the whole exchange; figures "
            "straight from finqa's price store, no language model involved.) [1]")
    return q.ranked([head, "\n".join(lines), foot],
                    f"finqa 股價資料庫：{start} 至 {end} 的每日收盤" if zh else f"finqa price store: daily closes, {start} to {end}",
                    end, {"days": [{**d, "name": d["date"], "value": d["median"]} for d in ranked]})


def _count_answer(q: Any, sessions: list[str], period: Any, zh: bool, notices: list[str]) -> Answer:
    """How many sessions the store holds over the span, and the weekdays between its first and
    last with none (holidays and closures, as far as the store can tell)."""
    first, last = sessions[0], sessions[-1]
    weekdays = [d.date().isoformat() for d in pd.bdate_range(first, last)]
    missing = [d for d in weekdays if d not in set(sessions)]
    if period.kind == "latest":
        notices.append("沒有指定期間：讀資料庫中的全部交易日。" if zh else "No period named: every stored session is read.")
    elif period.end is not None and period.end.isoformat() > last and q.visible.isoformat() > last:
        # "how many trading days in 2025?" on a store that ends in May: its count, not the year's
        notices.append(f"資料庫的股價只到 {last}：這是到那天為止的交易日數，不是整段期間的。" if zh else
                       f"The store's prices end on {last}: this counts the sessions up to then, not the whole span.")
    from ingest.calendar import calendar_session

    # each missing weekday, told apart: a holiday on the exchange calendar, or a gap in the stored data
    holidays = [d for d in missing if calendar_session("TWSE", date.fromisoformat(d)) is False]
    gaps = [d for d in missing if d not in holidays]
    names = "、" if zh else ", "

    def listed(days: list[str]) -> str:
        return (names.join(f"{d}（週{WEEKDAY_ZH[date.fromisoformat(d).weekday()]}）" if zh else
                           f"{d} ({date.fromisoformat(d).strftime('%a')})" for d in days[:15])
                + ((f"，以及另外 {len(days) - 15} 天" if zh else f", and {len(days) - 15} more") if len(days) > 15 else ""))

    if zh:
        text = (f"**{first} 至 {last}**：資料庫中有 **{len(sessions)}** 個交易日（至少 {MIN_COMPANIES} 家已存公司有成交的日子）。"
                + (f"其間交易所日曆上的休市日：{listed(holidays)}。" if holidays else "")
                + (f"其間日曆上有交易、資料庫卻沒有的平日：{listed(gaps)}（資料缺漏，或颱風等臨時停市）。" if gaps else "")
                + ("" if missing else "其間每個平日都有交易。")
                + " [1]\n\n（數字直接取自 finqa 的股價資料庫與交易所日曆（XTAI），未經語言模型。）")
    else:
        text = (f"**{first} to {last}**: the store holds **{len(sessions)}** trading days (days on which at least "
                f"{MIN_COMPANIES} stored companies traded). "
                + (f"Exchange holidays between them, on the TWSE calendar: {listed(holidays)}. " if holidays else "")
                + (f"Weekdays the calendar has as sessions but the store lacks: {listed(gaps)} (gaps in the data, or a "
                   "closure called at short notice such as a typhoon). " if gaps else "")
                + ("" if missing else "Every weekday between them had a session.")
                + " [1]\n\n(Figures straight from finqa's price store and the exchange calendar (XTAI); no language "
                "model involved.)")
    answer = q.ranked([text], f"finqa 股價資料庫：{first} 至 {last} 的每日收盤" if zh else
                      f"finqa price store: daily closes, {first} to {last}", last, {})
    answer.indicators = {"sessions": len(sessions), "first": first, "last": last, "weekdays_without_session": missing,
                         "holidays": holidays}
    return answer


__all__ = ["market_day_kind", "market_days_answer"]
