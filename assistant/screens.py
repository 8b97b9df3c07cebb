"""Screens of the stored companies by where each stands now: "which stocks are oversold?",
"哪些股票RSI超賣", "which stocks are near their 52-week high?", "stocks above their 60-day moving
average", "哪些股票站上季線", "which stocks rose 3 days in a row?", "哪些股票連跌".

Why apart from ``assistant.movers`` (changes over a span) and ``assistant.risk_rankings`` (risk
over a span): a screen reads each company's state at its last visible close, with the same
definitions as one company's indicators (``assistant.technicals``: RSI 14 with Wilder's smoothing,
moving averages of the close; the 52-week high is the highest close of the last 250 sessions, as
``assistant.movers`` reads a new high). The companies that pass are listed, and when none does the
closest are, so that an empty screen still says where the edge was. Point in time: with an as-of
date only bars strictly before it are read. Only without a company named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from .movers import HIGH_LOOKBACK
from .price_facts import ENGINE, STALE_DAYS, store_question
from .price_format import company_label, company_of, fmt_price, is_taiwan
from .slots import unquoted, zh_number
from .types import Answer, EngineRequest

RSI_LOW, RSI_HIGH = 30.0, 70.0  # the usual oversold / overbought lines
NEAR = 0.05  # "near" a high or low: within 5% of it
SHOWN = 10  # companies listed at most

# On Simplified, lower-cased text. A screen asks about stocks in the plural (or "which"), no company.
_ABOUT_STOCKS = re.compile(r"\b(?:which|what|any)\b.{0,25}\b(?:stocks?|shares|compan(?:y|ies)|ones|names)\b|\b(?:list|find|screen)\b"
                           r"|\bstocks\b|\bshares\b|\bcompanies\b|哪些|哪(?:一)?(?:档|支|只|家)|有没有|列出|股票")
_OVERSOLD = re.compile(r"\bover\s*-?\s*sold\b|超卖|\brsi\b.{0,20}\b(?:below|under)\s*30\b|\brsi\b.{0,12}(?:低于|小于)\s*30")
_OVERBOUGHT = re.compile(r"\bover\s*-?\s*bought\b|超买|\brsi\b.{0,20}\b(?:above|over)\s*70\b|\brsi\b.{0,12}(?:高于|大于)\s*70")
_NEAR_HIGH = re.compile(r"\b(?:near|close to|closest to|nearest|within \d+%? of|at)\s+(?:their|its|the|a)?\s*"
                        r"(?:52[- ]week|one[- ]year|1[- ]year|yearly|annual)?\s*(highs?|lows?)\b"
                        r"|(?:接近|靠近|贴近|离)(?:52周|一年|年)?(?:新)?(高点|低点|高|低)(?:最近)?")
# "the highest RSI", "RSI最高": the RSI screen's order, the strongest first
_HIGHEST_RSI = re.compile(r"\b(?:highest|strongest|top)\s+rsi\b|\brsi\b.{0,6}(?:最高|最强)")
_LOWEST_RSI = re.compile(r"\b(?:lowest|weakest)\s+rsi\b|\brsi\b.{0,6}(?:最低|最弱)")
_MA_SIDE = re.compile(r"\b(above|over|below|under)\s+(?:their|its|the)\s+")
_ZH_MA_SIDE = re.compile(r"(站上|站稳|高于|在|跌破|低于|失守)\S{0,4}?(?:(\d{1,3}|[一二三四五六七八九十百两]{1,4})\s*(?:日|天)\s*(?:均线|线)"
                         r"|(周线|月线|季线|半年线|年线))")
_EN_MA = re.compile(r"\b(above|over|below|under)\s+(?:their|its|the)\s+(\d{1,3})\s*-?\s*(?:day|d)\s+(?:simple\s+)?"
                    r"(?:(?:moving\s+)?averages?|s?ma)\b(?!\s*(?:volume|turnover|daily volume))|\b(above|over|below|under)\s+(?:their|its|the)\s+(?:s?ma)\s*-?\s*(\d{1,3})\b")
_MA_NAMES = {"周线": 5, "月线": 20, "季线": 60, "半年线": 120, "年线": 240}
# "stocks under NT$100", "shares priced above 500", "股價低於100元的股票", "100元以下的股票", "百元以下": a
# price level (a currency or a price word says that the number is a price, not a percent or a code)
_PRICE_NUMBER = r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
# "which company has the highest share price?", "股價最高的是哪一檔", "the cheapest stock", "哪檔最便宜":
# the stored companies by their last close (group 1: high, group 2: low)
_PRICE_RANK = re.compile(
    r"\b(?:(most expensive|priciest)|(cheapest))\b"
    r"|\b(?:(highest)|(lowest))\s+(?:share |stock |closing )?prices?\b"
    r"|股价最(高)|股价最(低)|(最贵)|(最便宜)")
_BELOW = frozenset({"under", "below", "less than", "cheaper than", "低于", "小于", "不到", "以下", "以内"})
_ABOVE = frozenset({"above", "over", "more than", "高于", "大于", "超过", "以上"})
_PRICE_LEVEL = re.compile(
    r"\b(?:priced|trading|price[sd]?|that cost|costing)?\s*(under|below|less than|cheaper than|above|over|more than)\s+"
    r"(?:nt\$|\$|twd\s*|ntd\s*)" + _PRICE_NUMBER +
    r"|\b(?:priced|trading|price[sd]?|costing)\s+(under|below|less than|cheaper than|above|over|more than)\s+" + _PRICE_NUMBER +
    r"(?!\s*%)|股价\s*(?:在)?\s*(低于|小于|不到|高于|大于|超过)\s*" + _PRICE_NUMBER +
    r"|(?:股价\s*(?:在)?\s*)?" + _PRICE_NUMBER + r"\s*(?:元|块)\s*(以下|以内|以上)|" + _PRICE_NUMBER + r"\s*(?:元|块)?\s*(以下|以上)的(?:股票|个股)")
# "which stocks rose 3 days in a row?", "哪些股票連漲三天", "longest losing streak": the current run of
# closes moving one way, ending at the last close.
_NUM = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|[一二两三四五六七八九十]{1,3})"
_STREAK_UP = re.compile(rf"\b(?:rose|up|gained|risen|rising|higher|climbed)\b.{{0,12}}?\b{_NUM}\s+(?:straight\s+)?(?:days?|sessions?)\s+in a row\b"
                        rf"|\bwinning streaks?\b|\b(?:up|rising) streaks?\b|连涨{_NUM}?|连(?:续)?(?:上涨|收红|红){_NUM}?")
_STREAK_DOWN = re.compile(rf"\b(?:fell|down|lost|fallen|falling|lower|dropped)\b.{{0,12}}?\b{_NUM}\s+(?:straight\s+)?(?:days?|sessions?)\s+in a row\b"
                          rf"|\blosing streaks?\b|\b(?:down|falling) streaks?\b|连跌{_NUM}?|连(?:续)?(?:下跌|收黑|黑){_NUM}?")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _streak_length(m: re.Match[str]) -> int:
    """The N of "3 days in a row" / "連漲三天"; 0 when the question names none."""
    text = next((g for g in m.groups() if g), None)
    if text is None:
        return 0
    return int(text) if text.isdigit() else _WORDS.get(text) or zh_number(text) or 0


@dataclass(frozen=True)
class Screen:
    """What to screen: ``kind`` ``rsi`` (``side`` low = oversold, high = overbought), ``extreme``
    (``side`` high or low: near the 52-week one), ``ma`` (``side`` above or below the
    ``length``-day average), ``streak`` or ``price`` (``side`` below or above ``level`` NT$)."""

    kind: str
    side: str
    length: int = 0
    level: float = 0.0  # ``price``: the NT$ level a close is below (``side`` below) or above


def screen_of(message: str, codes: list[str]) -> Screen | None:
    """The screen ``message`` asks for, or ``None`` (a named company is its own question)."""
    if not message or codes:
        return None
    s = unquoted(message)
    from .versus_market import named_industry

    if not _ABOUT_STOCKS.search(s) and named_industry(message) is None:  # "電子股誰超賣": the group is the stocks
        return None
    for side, rx in (("up", _STREAK_UP), ("down", _STREAK_DOWN)):
        if m := rx.search(s):
            return Screen("streak", side, _streak_length(m))
    if (m := _PRICE_RANK.search(s)) and not _PRICE_LEVEL.search(s):
        high = any(m.group(i) for i in (1, 3, 5, 7))
        return Screen("price_rank", "high" if high else "low")
    if m := _PRICE_LEVEL.search(s):
        groups = [g for g in m.groups() if g]
        word = next(g for g in groups if g in _BELOW or g in _ABOVE)
        number = next(g for g in groups if g is not word)
        level = (float(number.replace(",", "")) if number[0].isdigit() else
                 {"百": 100.0, "千": 1000.0}.get(number) or float(zh_number(number) or 0))  # "百元以下": 100
        return Screen("price", "below" if word in _BELOW else "above", level=level) if level > 0 else None
    if _OVERSOLD.search(s) or _LOWEST_RSI.search(s):
        return Screen("rsi", "low")
    if _OVERBOUGHT.search(s) or _HIGHEST_RSI.search(s):  # "which semiconductor stock has the highest RSI?"
        return Screen("rsi", "high")
    if m := _NEAR_HIGH.search(s):
        word = m.group(1) or m.group(2) or ""
        return Screen("extreme", "low" if "low" in word or "低" in word else "high")
    if m := _EN_MA.search(s):
        side, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return Screen("ma", "above" if side in ("above", "over") else "below", int(n))
    if m := _ZH_MA_SIDE.search(s):
        n = _MA_NAMES[m.group(3)] if m.group(3) else (int(m.group(2)) if m.group(2).isdigit() else zh_number(m.group(2)) or 0)
        return Screen("ma", "below" if m.group(1) in ("跌破", "低于", "失守") else "above", n) if n >= 2 else None
    return None


def screen_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The stored Taiwan companies that pass the screen at their last visible close (or the
    closest, when none does), with each one's number; ``None`` when ``req`` asks no screen."""
    screen = screen_of(req.message, [c for c in [req.code, *req.codes] if c])
    if screen is None:
        return None
    q = store_question(req, today)  # a screen reads each company at its last close: no period
    zh, visible = q.zh, q.visible
    everything = q.visible_bars(store)
    from .versus_market import named_industry

    group = named_industry(req.message)  # "電子股誰超賣", "which tech stocks are above their 60-day average?"
    rows, short = [], []
    need = {"rsi": 15, "extreme": 20, "ma": screen.length, "streak": 2, "price": 1, "price_rank": 1}[screen.kind]
    for code, g in everything.groupby("code", sort=True):
        code = str(code)
        if not is_taiwan(code) or (group is not None and not group.covers(company_of(code))):
            continue
        g = g.sort_values("date")
        closes = g.set_index("date")["close"].astype(float)
        if len(closes) < need:
            short.append(code)
            continue
        rows.append({"code": code, "name": company_label(code, company_of(code), zh), "close": float(closes.iloc[-1]),
                     "date": closes.index[-1].date().isoformat(), **_measure(screen, closes, g)})
    notices = q.notices
    if short:
        notices.append(f"{len(short)} 家公司的股價不足 {need} 個交易日，無法計算，未列入：{'、'.join(short[:8])}。" if zh else
                       f"Left out, fewer than {need} sessions of prices to compute it: {', '.join(short[:8])}.")
    if not rows:
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=(
            f"資料庫中沒有公司有足夠的股價（至少 {need} 個交易日）可以篩選。" if zh else
            f"No stored company has enough prices (at least {need} sessions) to screen."))
    passed = [r for r in rows if r["passes"]]
    # The strongest first: lowest RSI for oversold, nearest the extreme, farthest beyond the average.
    order = sorted(passed or rows, key=lambda r: r["sort"])[:SHOWN]
    newest = max(r["date"] for r in rows)
    if (visible - date.fromisoformat(newest)).days > STALE_DAYS:
        notices.append(f"資料庫最新的股價是 {newest}：這是當時的情況；執行 `finqa ingest prices CODE...` 取得更新資料。" if zh else
                       f"The newest stored prices are from {newest}: this is where things stood then. "
                       "`finqa ingest prices CODE...` fetches newer ones.")
    if screen.kind == "extreme" and any(r["history"] < HIGH_LOOKBACK for r in rows):
        notices.append(f"資料庫中有些公司的股價不到 {HIGH_LOOKBACK} 個交易日：以其全部已存歷史的最高（低）收盤計算。" if zh else
                       f"Some companies have fewer than {HIGH_LOOKBACK} stored sessions: their high (low) is that of "
                       "their whole stored history.")
    if screen.kind == "price_rank" and re.search(r"cheap|expensive|pric(?:ey|iest)|便宜|贵", unquoted(req.message)):
        # "which stock is cheapest?": a share's price says nothing of its value
        notices.append("這裡的便宜／貴是一股的價格：finqa 沒有獲利資料，無法判斷哪檔相對其價值便宜（本益比）；一張 1,000 股的價格也因此不同。"
                       if zh else "Cheap and expensive here are the price of one share: finqa stores no earnings, so it "
                       "cannot say which is cheap against its value (P/E); a lot of 1,000 shares costs 1,000 times it.")
    head = _head(screen, len(rows), len(passed), zh, group)
    lines = [f"{i}. {' '.join(filter(None, (r['name'], r['text_zh'])))}（收盤 {fmt_price(r['close'])}，{r['date']}）" if zh else
             f"{i}. {' '.join(filter(None, (r['name'], r['text'])))} (close {fmt_price(r['close'])}, {r['date']})"
             for i, r in enumerate(order, 1)]
    more = len(passed) - len(order) if passed else 0
    if more > 0:
        lines.append(f"…另有 {more} 家。" if zh else f"…and {more} more.")
    foot = ("（由 finqa 的股價資料庫以收盤價計算，未經語言模型；只篩選有儲存股價的公司，不是整個交易所；技術指標描述過去，不是預測，也不是投資建議。） [1]"
            if zh else "(Computed from the closes in finqa's price store; no language model was involved. Only companies "
            "with stored prices are screened, not the whole exchange; indicators describe the past, they are no forecast "
            "and no investment advice.) [1]")
    unit = {"rsi": "rsi", "streak": "sessions", "price": "price", "price_rank": "price"}.get(screen.kind, "pct")  # how the UI's table shows the value
    ranking = {"screen": [{"code": r["code"], "name": r["name"], "value": r["value"], "unit": unit, "passes": r["passes"],
                           "close": r["close"], "date": r["date"]} for r in order]}
    return q.ranked([head, "\n".join(lines), foot],
                    f"finqa 股價資料庫：{len(rows)} 家公司的日成交資料，至 {newest}" if zh else
                    f"finqa price store: daily prices of {len(rows)} companies, up to {newest}", newest, ranking)


def _measure(screen: Screen, closes: pd.Series, bars: pd.DataFrame) -> dict[str, Any]:
    """One company's number for the screen, whether it passes, how to sort it, and its words
    (``bars``: its stored rows, oldest first, as ``assistant.technicals`` reads them)."""
    last = float(closes.iloc[-1])
    if screen.kind == "rsi":
        from ingest.indicators import add_indicators

        rsi = float(add_indicators(bars.reset_index(drop=True))["rsi"].iloc[-1])
        low = screen.side == "low"
        return {"value": rsi, "passes": rsi < RSI_LOW if low else rsi > RSI_HIGH, "sort": rsi if low else -rsi,
                "text": f"RSI(14) {rsi:.1f}", "text_zh": f"RSI(14) {rsi:.1f}"}
    if screen.kind == "streak":
        moves = closes.diff().dropna()
        sign = 1 if screen.side == "up" else -1
        run = 0
        for move in reversed(moves.tolist()):  # the run ending at the last close
            if (move > 0) - (move < 0) != sign:
                break
            run += 1
        start = closes.iloc[-run - 1] if run else last
        word, word_zh = ("up", "上漲") if sign > 0 else ("down", "下跌")
        return {"value": run, "passes": run >= max(screen.length, 2), "sort": -run,
                "text": f"{run} session{'s' if run != 1 else ''} {word} in a row ({last / start - 1:+.2%})",
                "text_zh": f"連續 {run} 個交易日{word_zh}（{last / start - 1:+.2%}）"}
    if screen.kind == "extreme":
        span = closes.tail(HIGH_LOOKBACK)
        high = screen.side == "high"
        ref = float(span.max() if high else span.min())
        day = (span.idxmax() if high else span.idxmin()).date().isoformat()
        gap = last / ref - 1
        word, word_zh = ("high", "高點") if high else ("low", "低點")
        return {"value": gap, "passes": abs(gap) <= NEAR, "sort": abs(gap), "history": len(closes),
                "text": f"{gap:+.2%} from its {word} close of {fmt_price(ref)} ({day})",
                "text_zh": f"距{word_zh}收盤 {fmt_price(ref)}（{day}）{gap:+.2%}"}
    if screen.kind == "price_rank":
        return {"value": last, "passes": True, "sort": -last if screen.side == "high" else last, "text": "", "text_zh": ""}
    if screen.kind == "price":
        below = screen.side == "below"
        return {"value": last, "passes": last < screen.level if below else last > screen.level,
                "sort": last if below else -last, "text": f"{last / screen.level - 1:+.2%} against NT${screen.level:,g}",
                "text_zh": f"相對 {screen.level:,g} 元 {last / screen.level - 1:+.2%}"}
    ma = float(closes.tail(screen.length).mean())
    gap = last / ma - 1
    above = screen.side == "above"
    return {"value": gap, "passes": gap > 0 if above else gap < 0, "sort": -gap if above else gap,
            "text": f"{gap:+.2%} against its {screen.length}-day average ({fmt_price(ma)})",
            "text_zh": f"相對 {screen.length} 日均線（{fmt_price(ma)}）{gap:+.2%}"}


def _head(screen: Screen, n: int, passed: int, zh: bool, group: Any = None) -> str:
    """What was screened, and how many of the ``n`` companies (of ``group``, an industry, when one
    was named) passed (none: the closest follow)."""
    whose_zh = f"{group.name_zh}" if group is not None else ""
    whose = f"{group.name_en} " if group is not None else ""
    if screen.kind == "streak":
        least = max(screen.length, 2)
        rule = (f"到最後收盤為止連續至少 {least} 個交易日{'上漲' if screen.side == 'up' else '下跌'}" if zh else
                f"closed {screen.side} at least {least} sessions in a row up to their last close")
    elif screen.kind == "rsi":
        rule = (f"RSI(14) 低於 {RSI_LOW:g}（超賣）" if screen.side == "low" else f"RSI(14) 高於 {RSI_HIGH:g}（超買）") if zh else \
            (f"RSI(14) below {RSI_LOW:g} (oversold)" if screen.side == "low" else f"RSI(14) above {RSI_HIGH:g} (overbought)")
    elif screen.kind == "extreme":
        rule = (f"收盤在 {HIGH_LOOKBACK} 個交易日{'最高' if screen.side == 'high' else '最低'}收盤的 {NEAR:.0%} 以內" if zh else
                f"a close within {NEAR:.0%} of the {'highest' if screen.side == 'high' else 'lowest'} close of the last "
                f"{HIGH_LOOKBACK} sessions (the 52-week {screen.side})")
    elif screen.kind == "price_rank":
        order = ("由高到低" if screen.side == "high" else "由低到高") if zh else ("highest first" if screen.side == "high" else
                                                                         "lowest first")
        return (f"資料庫中 {n} 家{whose_zh}公司的最後收盤價（{order}）：" if zh else
                f"The {n} stored {whose}companies by their last close ({order}):")
    elif screen.kind == "price":
        rule = (f"收盤價{'低於' if screen.side == 'below' else '高於'} {screen.level:,g} 元" if zh else
                f"a close {screen.side} NT${screen.level:,g}")
    else:
        rule = (f"收盤{'高於' if screen.side == 'above' else '低於'} {screen.length} 日均線" if zh else
                f"a close {screen.side} the {screen.length}-day moving average")
    if zh:
        return (f"資料庫中 {n} 家{whose_zh}公司，{passed} 家符合「{rule}」：" if passed else
                f"資料庫中 {n} 家{whose_zh}公司沒有一家符合「{rule}」；最接近的是：")
    return (f"{passed} of the {n} stored {whose}companies {'has' if passed == 1 else 'have'} {rule}:" if passed else
            f"None of the {n} stored {whose}companies has {rule}; the closest:")


__all__ = ["Screen", "screen_answer", "screen_of"]
