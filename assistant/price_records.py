"""Record and listing answers over a span of daily bars: the highest and lowest close, new highs
and lows, limit-up and limit-down days, gaps, the span day by day, month by month or week by week,
and its average price.

Kept apart from :mod:`assistant.price_facts`, which reads the span and writes its summary: these
are the extra paragraphs a question asks for on top of it ("2330's highest close in 2025",
"台積電上週每天收盤價"), each computed from the bars alone.
"""
from __future__ import annotations

import re
import statistics
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ingest.types import PriceBar

from .price_format import SHARES_PER_LOT, WEEKDAY_ZH, consistent_value, fmt_price, limit_note, pct
from .slots import to_simplified, unquoted

# On simplified, lower-cased text.
_EXTREME_CLOSE = re.compile(
    r"\b(?:highest|lowest|max(?:imum)?|min(?:imum)?|peak|top|bottom|record|best|worst)\s+clos(?:e|ing)(?:\s+price)?s?\b"
    r"|\bclos(?:e|ing)\s+(?:high|low)s?\b|最高收盘|最低收盘|收盘(?:价)?(?:的)?(?:最高|最低)")
_NEW_HIGH = re.compile(
    r"\bnew (?:highs?|lows?|peaks?)\b|\brecord (?:high|low)s?\b|\ball[- ]time (?:high|low)s?\b|\bath\b|\batl\b"
    r"|\b(?:hit|reach|reached|make|made|set|at)\s+(?:a\s+)?(?:new\s+)?(?:high|low|peak)\b|新高|新低|历史(?:新)?(?:高|低)"
    r"|\b(?:\d+|one|a)\s*-?\s*(?:day|week|month|year)s?\s+(?:high|low)s?\b")
_LIMIT_DAYS = re.compile(r"\blimit[- ](?:up|down)\b|涨停|跌停")
# "2317 highest volume day", "鴻海成交量創新高了嗎", "台積電最大成交量是哪天", "天量": the volume's record,
# not the price's (whose "new high" words these share).
_VOLUME_RECORD = re.compile(
    r"\b(?:highest|biggest|largest|record|max(?:imum)?|heaviest|lowest|smallest|min(?:imum)?|thinnest)\s+"
    r"(?:trading\s+|daily\s+)?volumes?\b"
    r"|\bvolumes?\b.{0,20}\b(?:record|new high|all[- ]time high|highest|peak|new low)\b"
    r"|(?:最大|最高|最低|最小)(?:的)?成交量|成交量(?:的)?(?:最大|最高|最低|最小|新高|纪录|创新高|创新低|新低)|天量|量能?创新高")
_PRICE_WORDS = re.compile(r"\bprices?\b|\bclos(?:e|es|ing)\b|股价|收盘|价格")
# Days that opened beyond the previous day's range: "2330 gap up days", "台積電跳空缺口".
GAPS = re.compile(r"\bgap(?:s|ped)?\s*-?\s*(?:up|down)s?\b|\bgaps\b|\bgap days?\b|跳空|缺口")


# "list 2330 closes in the last 5 days", "台積電上週每天收盤價", "2330 daily returns in April 2025".
_DAILY = re.compile(r"\b(?:each|every|per)\s+(?:trading\s+)?day\b|\bdaily\s+(?:closes?|closing prices?|prices?|returns?|changes?|moves?|bars?)\b"
                    # "2330 last 3 closes", "closing prices over the past 5 days", "台積電近五日收盤價"
                    r"|\b(?:last|past|previous|latest)\s+\S+\s+(?:closes|closing prices)\b"
                    r"|\b(?:closes|closing prices)\b.{0,25}\b(?:last|past|previous)\s+\S+\s+(?:trading\s+)?(?:days|sessions)\b"
                    r"|(?:近|最近|过去|前)\s*[\d一二两三四五六七八九十]+\s*(?:个)?\s*(?:日|天|交易日)(?:的)?(?:每日|每天)?收盘(?:价)?"
                    r"|\blist\b.{0,30}\b(?:closes?|prices?|returns?)\b|\bday[- ]by[- ]day\b|每天|每日|逐日|每一天|各天|每个交易日"
                    # "2330 closing prices for April 2025", "TSMC closes in March": plural, over a span
                    r"|\b(?:closing prices|closes)\s+(?:for|in|during|from|over|between|since)\b")
DAILY_MAX = 60  # sessions listed one per line; a longer span lists its last ones
# "2330 OHLC for the last 5 days", "open high low close", "台積電近五日開高低收": each session's
# four prices, not its close alone.
OHLC = re.compile(r"\bohlcv?\b|\bopen\W{0,3}high\W{0,3}low\W{0,3}(?:and\s+)?close\b"
                  r"|开高低收|开盘.{0,4}最高.{0,4}最低.{0,4}收盘")  # read on Simplified, lower-cased text


# "2330 monthly returns in 2025", "台積電每月漲跌", "what was 2330's best month?"; the same by week.
_BY_MONTH = re.compile(r"\bmonthly\s+(?:returns?|closes?|changes?|performance|moves?|gains?)\b|\b(?:each|every|per|by)\s+month\b"
                       r"|\bmonth[- ]by[- ]month\b|\b(?:best|worst)\s+months?\b|\bwhich months?\b|每月|每个月|逐月|各月|哪个月|哪一个月"
                       # "2330 biggest monthly drop", "台積電單月最大漲幅"
                       r"|\b(?:biggest|largest|worst|best|sharpest|steepest)\s+(?:monthly|one-month|month's)\s+(?:drop|fall|decline|loss|gain|rise|jump|move)s?\b"
                       r"|单月(?:最大)?(?:涨幅|跌幅|涨跌)"
                       # "台積電2024年最好的月份", "表現最差的一個月"
                       r"|(?:最好|最差|最佳|最糟|最强|最弱)的?(?:一个)?月份?(?![线均])")
_BY_WEEK = re.compile(r"\bweekly\s+(?:returns?|closes?|changes?|performance|moves?|gains?)\b|\b(?:each|every|per|by)\s+week\b"
                      r"|\bweek[- ]by[- ]week\b|\b(?:best|worst)\s+weeks?\b|\bwhich weeks?\b|每周|每个星期|逐周|各周|哪一?周"
                      # "2330 close every Friday in April": each week's last close
                      r"|\b(?:every|each)\s+friday\b|\bfriday closes\b|每(?:周|星期|个星期|礼拜)五"
                      # "2330 biggest weekly drop", "台積電單週最大跌幅"
                      r"|\b(?:biggest|largest|worst|best|sharpest|steepest)\s+(?:weekly|one-week|week's)\s+(?:drop|fall|decline|loss|gain|rise|jump|move)s?\b"
                      r"|单周(?:最大)?(?:涨幅|跌幅|涨跌)"
                      r"|(?:最好|最差|最佳|最糟|最强|最弱)的?(?:一)?(?:周|星期|个星期)")


# "which quarter was best for TSMC?", "台積電哪一季表現最好", "2330 quarterly returns": quarter by quarter
_BY_QUARTER = re.compile(r"\bquarterly\s+(?:returns?|closes?|changes?|performance|moves?|gains?)\b|\b(?:each|every|per|by)\s+quarter\b"
                         r"|\bquarter[- ]by[- ]quarter\b|\b(?:best|worst)\s+quarters?\b|\bwhich quarters?\b"
                         r"|每季|每一季|逐季|各季|哪(?:一|个)?季|(?:最好|最差|最佳|最糟|最强|最弱)的?(?:一)?季")


# "台積電週K", "2330 weekly chart", "月K線", "monthly candles": the chart in weekly (monthly) candles,
# and the text week by week (month by month).
_MONTH_CANDLES = re.compile(r"月\s*k(?:线|棒)?|\bmonthly\s+(?:charts?|candles?|candlesticks?|k|bars?)\b", re.I)
_WEEK_CANDLES = re.compile(r"周\s*k(?:线|棒)?|\bweekly\s+(?:charts?|candles?|candlesticks?|k|bars?)\b", re.I)


def asks_candles(message: str) -> str | None:
    """"W" or "M" when ``message`` asks for weekly or monthly candles, else ``None``."""
    s = unquoted(message)
    return "M" if _MONTH_CANDLES.search(s) else "W" if _WEEK_CANDLES.search(s) else None


def asks_periodic(message: str) -> str | None:
    """"M" when ``message`` asks for a span month by month, "W" week by week, "Q" quarter by
    quarter, else ``None``."""
    s = unquoted(message)
    if _BY_QUARTER.search(s):
        return "Q"
    return "M" if _BY_MONTH.search(s) else "W" if _BY_WEEK.search(s) else asks_candles(message)


def periodic_text(bars: list[PriceBar], prev: PriceBar | None, freq: str, zh: bool) -> str:
    """One line per calendar month (quarter, or Monday-to-Sunday week): its last close and the
    change from the close that ended the one before, then the best and the worst of them."""
    rows: list[tuple[str, PriceBar]] = []  # (label, the last bar of the month, quarter or week)
    for b in bars:
        key = (b.date.strftime("%Y-%m") if freq == "M" else f"{b.date.year}-Q{(b.date.month - 1) // 3 + 1}" if freq == "Q" else
               (b.date - timedelta(days=b.date.weekday())).isoformat())
        if rows and rows[-1][0] == key:
            rows[-1] = (key, b)
        else:
            rows.append((key, b))
    if len(rows) < 2 and prev is None:
        return ""
    lines, changes = [], []
    base = prev.close if prev is not None else None
    for i, (key, b) in enumerate(rows):
        change = b.close / base - 1 if base else None
        if change is not None:
            changes.append((key, change))
        name = key if freq in ("M", "Q") else (f"{key} 當週" if zh else f"week of {key}")
        if freq == "Q":  # a quarter the stored history only partly covers says so ("2024-Q3, from 2024-09-02")
            start = date(b.date.year, (b.date.month - 1) // 3 * 3 + 1, 1)
            end = (date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - timedelta(days=1))
            if i == 0 and (bars[0].date - start).days > 7:
                name += f"（自 {bars[0].date.isoformat()} 起）" if zh else f" (from {bars[0].date.isoformat()})"
            if i == len(rows) - 1 and (end - b.date).days > 7:
                name += f"（到 {b.date.isoformat()} 為止）" if zh else f" (to {b.date.isoformat()})"
        lines.append(f"- {name}：收盤 {fmt_price(b.close)}" + (f"（{change:+.2%}）" if change is not None else "") if zh else
                     f"- {name}: close {fmt_price(b.close)}" + (f" ({change:+.2%})" if change is not None else ""))
        base = b.close
    text = "\n\n" + "\n".join(lines)
    if len(changes) > 1:
        best, worst = max(changes, key=lambda t: t[1]), min(changes, key=lambda t: t[1])
        unit_zh, unit = {"M": ("月", "month"), "Q": ("季", "quarter")}.get(freq, ("週", "week"))
        text += (f"\n\n表現最好的{unit_zh}：{best[0]}（{best[1]:+.2%}）；最差的{unit_zh}：{worst[0]}（{worst[1]:+.2%}）。" if zh else
                 f"\n\nBest {unit}: {best[0]} ({best[1]:+.2%}); worst {unit}: {worst[0]} ({worst[1]:+.2%}).")
        # "what's TSMC's average return per month?": the mean and the median of the changes listed
        values = [c for _, c in changes]
        mean, median, ups = sum(values) / len(values), statistics.median(values), sum(c > 0 for c in values)
        counted = {"月": "個月"}.get(unit_zh, unit_zh)  # "2 個月", "2 季", "2 週"
        text += (f"平均每{unit_zh} {mean:+.2%}（中位數 {median:+.2%}），{len(values)} {counted}中上漲 {ups} {counted}。" if zh else
                 f" On average {mean:+.2%} a {unit} (median {median:+.2%}); up in {ups} of {len(values)}.")
    return text


# "2330 average price in April 2025", "台積電4月均價": the span's mean close and its VWAP.
_AVERAGE = re.compile(r"\baverage\s+(?:closing\s+|close\s+|trade\s+|traded\s+)?(?:price|close)s?\b|\bmean (?:price|close)\b"
                      r"|均价|平均价|平均收盘|平均股价")
# "what was the average daily change of 2330 in 2025?", "台積電平均每日漲跌幅": the mean of the daily
# returns, not the list of them.
_AVERAGE_DAILY = re.compile(r"\b(?:average|mean|typical|median)\s+(?:daily|day'?s|one-day)\s+(?:change|return|move|gain|percentage change)s?\b"
                            r"|\b(?:average|mean)\s+(?:change|return|move)s?\s+(?:per|a|each)\s+day\b"
                            r"|平均(?:每日|每天|单日|日)(?:涨跌幅?|报酬率?|变动)|(?:每日|每天|日)平均(?:涨跌幅?|报酬率?)")


# "how much has TSMC recovered from the April low?", "台積電從4月低點反彈多少", "2330 since the March
# high": from the span's lowest (highest) close to the latest one, past the span's end.
_FROM_EXTREME = re.compile(
    r"\b(?:recover\w*|rebound\w*|bounced?|up|risen|rose|rallied|gained|fallen|fell|down|dropped|performance|change|return)\b"
    r".{0,25}?\b(?:since|from|off)\s+(?:the|its)\s+(?:[\w-]+\s+){0,2}?(lows?|bottom|highs?|peak|top"
    # "has 2330 recovered from the April crash?": the span's low
    r"|crash|sell-?off|plunge|slump|drop|dip|correction|rout)\b"
    # "has TSMC bottomed?", "台積電見底了嗎": from the stored history's low (whether it was the bottom, no one knows)
    r"|\b(bottomed|bottoming|peaked|topped)(?: out)?\b|(见底|触底|落底|打底|见顶|触顶)"
    r"|从.{0,10}?(低点|低档|谷底|最低|高点|最高|高峰|崩跌|崩盘|大跌|暴跌|重挫)(?:以来)?.{0,4}(?:反弹|回升|上涨|涨|跌|回落|下跌)")


# "How much did TSMC fall from its January peak to the April low?", "台積電從1月高點到4月低點跌了多少":
# one span's highest (lowest) close to another span's lowest (highest). On the anchored message
# ("January 2025"), read with the reader of periods.
_EXTREME_WORD = r"(peak|high|top|low|bottom|trough)"
_EXTREME_PAIR = re.compile(
    rf"\bfrom\s+(?:its|the)\s+(.{{1,30}}?)\s+{_EXTREME_WORD}s?\s+(?:close\s+)?(?:to|until|through)\s+(?:its|the)\s+(.{{1,30}}?)\s+{_EXTREME_WORD}s?\b"
    r"|从(.{1,16}?)(高点|最高点?|高峰|低点|最低点?|谷底)(?:的收盘)?(?:到|至)(.{1,16}?)(高点|最高点?|高峰|低点|最低点?|谷底)", re.I)


def extreme_pair(message: str, ref: date) -> tuple[Any, str, Any, str] | None:
    """(first span, "high" or "low", second span, "high" or "low") of "from its January peak to the
    April low"; ``None`` when the message names no such pair or a span is not read."""
    from .periods import parse_period
    from .slots import to_simplified

    m = _EXTREME_PAIR.search(to_simplified(unquoted(message)))
    if m is None:
        return None
    a, wa, b, wb = (m.group(1), m.group(2), m.group(3), m.group(4)) if m.group(1) else (m.group(5), m.group(6), m.group(7), m.group(8))
    side = (lambda w: "high" if w.lower() in ("peak", "high", "top") or "高" in w else "low")
    first, second = parse_period(f"the {a} {wa}", ref), parse_period(f"the {b} {wb}", ref)
    if first.kind != "range" or second.kind != "range" or first.start is None or second.end is None:
        return None
    return first, side(wa), second, side(wb)


def extreme_pair_text(closes: pd.Series, pair: tuple[Any, str, Any, str], zh: bool) -> str:
    """The first span's extreme close, the second's, and the change between them."""
    from .periods import period_label

    first, side_a, second, side_b = pair
    picked = []
    for span, side in ((first, side_a), (second, side_b)):
        inside = closes[(closes.index >= pd.Timestamp(span.start)) & (closes.index <= pd.Timestamp(span.end))]
        if inside.empty:
            return (f"資料庫在{period_label(span, True)}沒有股價。" if zh else f"The store holds no prices for {period_label(span, False)}.")
        day = inside.idxmax() if side == "high" else inside.idxmin()
        picked.append((span, side, day, float(inside.loc[day])))
    (sa, ha, da, pa), (sb, hb, db, pb) = picked
    sessions = int(((closes.index > da) & (closes.index <= db)).sum())
    if zh:
        return (f"從{period_label(sa, True)}的最{'高' if ha == 'high' else '低'}收盤 {fmt_price(pa)}（{da.date().isoformat()}）"
                f"到{period_label(sb, True)}的最{'高' if hb == 'high' else '低'}收盤 {fmt_price(pb)}（{db.date().isoformat()}）："
                f"{pb / pa - 1:+.2%}，歷時 {sessions} 個交易日。")
    return (f"From the {period_label(sa, False)} {'high' if ha == 'high' else 'low'} close of {fmt_price(pa)} "
            f"({da.date().isoformat()}) to the {period_label(sb, False)} {'high' if hb == 'high' else 'low'} close of "
            f"{fmt_price(pb)} ({db.date().isoformat()}): {pb / pa - 1:+.2%} over {sessions} session{'s' if sessions != 1 else ''}.")


_TURN = re.compile(r"\b(?:bottomed|bottoming|peaked|topped)(?: out)?\b|见底|触底|落底|打底|见顶|触顶")


def turn_note(message: str, code: str, zh: bool) -> str:
    """For "has TSMC bottomed?": a bottom (a top) is only known afterwards; the odds ahead are the
    forecaster's. Empty for other questions."""
    if not _TURN.search(unquoted(message)):
        return ""
    return (f"是否已經見底（見頂）只有事後才知道；以上是過去的走勢，未來的機率請問預測，例如 `{code} 未來20天走勢`。" if zh else
            f"Whether that was the bottom (the top) is only known afterwards; this is the past. For the odds ahead, "
            f"ask the forecaster: `forecast {code} next 20 days`.")


def from_extreme(message: str) -> str | None:
    """"low" or "high" when ``message`` asks how far the price has come since a span's extreme."""
    m = _FROM_EXTREME.search(unquoted(message))
    if m is None:
        return None
    word = next(g for g in m.groups() if g)
    return "high" if word.startswith(("high", "peak", "top")) or "高" in word or "顶" in word else "low"


def from_extreme_text(bars: list[PriceBar], closes: pd.Series, side: str, zh: bool) -> str:
    """From the lowest (highest) close of ``bars`` (the span asked) to the last of ``closes`` (every
    visible close, past the span's end): the change and the sessions it took."""
    extreme = (min if side == "low" else max)(bars, key=lambda b: (b.close, b.date.toordinal() * (1 if side == "low" else -1)))
    after = closes[closes.index >= pd.Timestamp(extreme.date)]
    last_day, last = after.index[-1].date(), float(after.iloc[-1])
    change, sessions = last / extreme.close - 1, len(after) - 1
    if zh:
        return (f"從期間最{'低' if side == 'low' else '高'}收盤 {fmt_price(extreme.close)}（{extreme.date.isoformat()}）到最新收盤 "
                f"{fmt_price(last)}（{last_day.isoformat()}）：{change:+.2%}，歷時 {sessions} 個交易日。")
    return (f"From the span's {'lowest' if side == 'low' else 'highest'} close, {fmt_price(extreme.close)} on "
            f"{extreme.date.isoformat()}, to the latest, {fmt_price(last)} on {last_day.isoformat()}: {change:+.2%} over "
            f"{sessions} session{'s' if sessions != 1 else ''}.")


# "台積電回到4月2日的價位了嗎", "is TSMC back to its April 2 level?", "has 2330 recovered to the 2025-04-02
# close?": the latest close against the day named (on Simplified, lower-cased text)
_BACK_TO_DAY = re.compile(r"(?:回到|回到了|站回|收复|回升到|涨回)(?:了)?.{0,14}?(?:的)?(?:价位|价格|水准|水平|收盘价?|股价)"
                          r"|\b(?:back (?:to|above|at)|return(?:ed)? to|recover(?:ed)? to|regain(?:ed)?|get back to)\b.{0,30}?"
                          r"\b(?:level|price|close|closing price)s?\b")


def asks_back_to_day(message: str | None) -> bool:
    """Whether ``message`` asks if the price is back at a day's level (see :data:`_BACK_TO_DAY`)."""
    return bool(message) and bool(_BACK_TO_DAY.search(unquoted(message)))


def back_to_day_text(day_bar: PriceBar, latest: float, latest_day: date, zh: bool) -> str:
    """The latest close against the close of the day asked about, and whether it is back there."""
    change = latest / day_bar.close - 1
    if zh:
        above = "高於" if latest > day_bar.close else "低於" if latest < day_bar.close else "等於"
        return (f"最新收盤 {fmt_price(latest)}（{latest_day.isoformat()}）{above} {day_bar.date.isoformat()} 的收盤 "
                f"{fmt_price(day_bar.close)}（{change:+.2%}）：{'已回到' if latest >= day_bar.close else '尚未回到'}那天的價位。")
    return (f"The latest close, {fmt_price(latest)} on {latest_day.isoformat()}, is {change:+.2%} against the "
            f"{day_bar.date.isoformat()} close of {fmt_price(day_bar.close)}: "
            f"{'back at or above' if latest >= day_bar.close else 'still below'} that day's level.")


# "2330 average daily range", "台積電平均振幅": the mean of each session's high minus low, as a
# share of the close before it (a session's 振幅), over a span (the last 20 sessions by default).
_AVERAGE_RANGE = re.compile(r"\b(?:average|mean|typical)\s+(?:daily\s+|day'?s\s+|intraday\s+|trading\s+)?(?:price\s+)?range\b"
                            r"|平均(?:每日|每天|单日|日)?振幅|(?:每日|日)平均振幅")  # not "ADR": the US listing


def asks_average_range(message: str) -> bool:
    """Whether ``message`` asks for the mean intraday range over a span."""
    return bool(_AVERAGE_RANGE.search(unquoted(message)))


def average_range_text(bars: list[PriceBar], prev: PriceBar | None, zh: bool) -> str:
    """The mean of the sessions' ranges (high minus low) in NT$ and as a share of the close before
    each, and the widest session."""
    rows = []
    for before, bar in zip([prev, *bars[:-1]], bars):
        if before is None or bar.high is None or bar.low is None or not before.close:
            continue
        rows.append((bar.date, bar.high - bar.low, (bar.high - bar.low) / before.close))
    if not rows:
        return ""
    width = sum(r[1] for r in rows) / len(rows)
    share = sum(r[2] for r in rows) / len(rows)
    day, w, s = max(rows, key=lambda r: r[2])
    if zh:
        return (f"{len(rows)} 個交易日的平均振幅 {fmt_price(width)}（前一日收盤的 {share:.2%}）；"
                f"最大是 {day.isoformat()} 的 {fmt_price(w)}（{s:.2%}）。")
    return (f"Over {len(rows)} sessions the daily range (high minus low) averaged {fmt_price(width)}, {share:.2%} of "
            f"the close before; the widest was {fmt_price(w)} ({s:.2%}) on {day.isoformat()}.")


# "2330 win rate", "what percentage of days did TSMC close higher?", "台積電上漲天數比例", "2330 average
# gain on up days": the share of sessions that closed up and down, and the average up and down day
_UP_SHARE = re.compile(
    r"\b(?:what|which)\s+(?:percentage|percent|share|fraction|proportion)\s+of\s+(?:the\s+)?(?:days|sessions|trading days)\b"
    r"|\bhow often\b.{0,30}\b(?:close[ds]?|rise|rises|rose|go(?:es)? up|went up|up|higher|gain\w*|fall|falls|fell|down|lower)\b"
    r"|\bwin(?:ning)? (?:rate|ratio|percentage)\b|\b(?:up|down)[- ]day (?:ratio|rate|percentage)\b"
    r"|\baverage (?:gain|rise|move|return|change) on (?:up|green|positive|winning) days\b"
    r"|\baverage (?:loss|drop|fall|decline|move|change) on (?:down|red|negative|losing) days\b"
    r"|(?:上涨|下跌)(?:天数|日数)(?:的)?(?:比例|比率|占比|机率)|胜率|上涨机率(?=.{0,6}(?:多少|几成|是))")


def asks_up_share(message: str) -> bool:
    """Whether ``message`` asks how often the close rose (and by how much on the days it did)."""
    return bool(_UP_SHARE.search(to_simplified(unquoted(message)).lower()))


def up_share_text(bars: list[PriceBar], prev: PriceBar | None, zh: bool) -> str:
    """The sessions that closed up, down and unchanged, as counts and shares, and the mean change
    of the up days and of the down days."""
    closes = [b.close for b in ([prev] if prev is not None else []) + bars]
    changes = pd.Series(closes).pct_change().dropna()
    if changes.empty:
        return ""
    n = len(changes)
    up, down = changes[changes > 0], changes[changes < 0]
    flat = n - len(up) - len(down)
    mean_up = f"{float(up.mean()):+.2%}" if len(up) else "—"
    mean_down = f"{float(down.mean()):+.2%}" if len(down) else "—"
    if zh:
        return (f"{n} 個交易日中收漲 {len(up)} 天（{len(up) / n:.1%}）、收跌 {len(down)} 天（{len(down) / n:.1%}）、平盤 {flat} 天；"
                f"上漲日平均 {mean_up}，下跌日平均 {mean_down}。過去的比例，不是預測。")
    return (f"Of {n} sessions, {len(up)} closed higher ({len(up) / n:.1%}), {len(down)} lower ({len(down) / n:.1%}) and "
            f"{flat} unchanged; the average up day was {mean_up}, the average down day {mean_down}. A share of the past, "
            "no forecast.")


def asks_average_daily(message: str) -> bool:
    """Whether ``message`` asks for the mean daily change over a span."""
    return bool(_AVERAGE_DAILY.search(unquoted(message)))


def average_daily_text(bars: list[PriceBar], prev: PriceBar | None, zh: bool) -> str:
    """The mean and median of the span's close-to-close daily changes (the first from the close
    before the span, when there is one), and how widely they spread."""
    closes = [b.close for b in ([prev] if prev is not None else []) + bars]
    changes = pd.Series(closes).pct_change().dropna()
    if changes.empty:
        return ""
    mean, median, std = float(changes.mean()), float(changes.median()), float(changes.std()) if len(changes) > 1 else 0.0
    if zh:
        return (f"{len(changes)} 個交易日的日漲跌幅：平均 {mean:+.2%}、中位數 {median:+.2%}、標準差 {std:.2%}"
                f"（單日平均很小，累積起來才是期間的漲跌）。")
    return (f"Over {len(changes)} sessions the daily change averaged {mean:+.2%} (median {median:+.2%}, standard "
            f"deviation {std:.2%}): small day to day, it is the compounding that makes the span's change.")


# "2317 average volume in March 2025", "台積電4月平均成交量", "20-day average volume": the shares a session
_AVERAGE_VOLUME = re.compile(r"\b(?:average|mean|avg\.?)\s+(?:daily\s+)?(?:trading\s+)?volume\b"
                             r"|\bvolume\s+(?:on\s+)?average\b|平均(?:每日|每天|日)?成交量|日均(?:成交)?量|(?<![\d日])均量"
                             # "台積電成交量均線", "2330 volume moving average": the same, over the span asked
                             r"|成交量均线|量均线|\bvolume (?:moving )?averages?\b|\bvolume ma\b")


def asks_average_volume(message: str) -> bool:
    """Whether ``message`` asks the span's average daily volume."""
    return bool(_AVERAGE_VOLUME.search(unquoted(message)))


def average_volume_text(bars: list[PriceBar], zh: bool) -> str:
    """The span's mean and median shares per session (in lots too: 1 lot = 1,000 shares), and its
    heaviest session, for "average volume" (it had been one number inside the span's summary)."""
    volumes = pd.Series([b.volume for b in bars if b.volume is not None], dtype=float)
    if volumes.empty:
        return ""
    mean, median = float(volumes.mean()), float(volumes.median())
    top = max((b for b in bars if b.volume is not None), key=lambda b: b.volume)
    if zh:
        return (f"日均成交量 {mean / SHARES_PER_LOT:,.0f} 張（{mean:,.0f} 股），共 {len(volumes)} 個交易日；中位數 "
                f"{median / SHARES_PER_LOT:,.0f} 張；最大量 {top.volume / SHARES_PER_LOT:,.0f} 張（{top.date.isoformat()}）。")
    return (f"Average daily volume {mean:,.0f} shares ({mean / SHARES_PER_LOT:,.0f} lots) over {len(volumes)} sessions; "
            f"median {median:,.0f}; the heaviest {top.volume:,.0f} on {top.date.isoformat()}.")


def asks_average(message: str) -> bool:
    """Whether ``message`` asks for the span's average price ("2330 average price in April")."""
    return bool(_AVERAGE.search(unquoted(message)))


def average_text(bars: list[PriceBar], zh: bool) -> str:
    """The span's mean close and, when every day has its value traded, the volume-weighted
    average price (total value / total shares)."""
    mean = sum(b.close for b in bars) / len(bars)
    shares = sum(b.volume or 0.0 for b in bars)
    value = sum(b.turnover or 0.0 for b in bars) if all(b.turnover and b.volume for b in bars) else None
    value = consistent_value(value, shares, min(b.low if b.low is not None else b.close for b in bars),
                              max(b.high if b.high is not None else b.close for b in bars))
    if zh:
        return f"期間平均收盤 {fmt_price(mean)}" + (f"、成交量加權均價 {fmt_price(value / shares)}" if value else "") + "。"
    return f"Average close {fmt_price(mean)}" + (f"; volume-weighted average price {fmt_price(value / shares)}" if value else "") + "."


def asks_daily(message: str) -> bool:
    """Whether ``message`` asks for the span day by day ("daily closes", "每天收盤價"); the average
    daily change is one number, not the list."""
    s = unquoted(message)
    return bool(_DAILY.search(s) or OHLC.search(s)) and not asks_average_daily(message)


def asks_ohlc(message: str) -> bool:
    """Whether ``message`` asks for each session's open, high, low and close."""
    return bool(OHLC.search(unquoted(message)))


def daily_text(bars: list[PriceBar], prev: PriceBar | None, zh: bool, ohlc: bool = False) -> str:
    """One line per session: the close and its change from the close before (the span's last
    :data:`DAILY_MAX` sessions when it is longer); with ``ohlc`` its open, high, low and volume
    too."""
    shown = bars[-DAILY_MAX:]
    before = [prev, *bars[:-1]][-len(shown):]

    def four(b: PriceBar) -> str:
        if not ohlc or b.open is None or b.high is None or b.low is None:
            return ""
        return (f"開 {fmt_price(b.open)}、高 {fmt_price(b.high)}、低 {fmt_price(b.low)}、" if zh else
                f"open {fmt_price(b.open)}, high {fmt_price(b.high)}, low {fmt_price(b.low)}, ")

    def volume(b: PriceBar) -> str:
        if not ohlc or not b.volume:
            return ""
        return f"，成交 {b.volume / SHARES_PER_LOT:,.0f} 張" if zh else f"; volume {b.volume:,.0f}"

    lines = [f"- {b.date.isoformat()}（週{WEEKDAY_ZH[b.date.weekday()]}）{four(b)}收盤 {fmt_price(b.close)}" if zh else
             f"- {b.date.isoformat()} ({b.date:%a}) {four(b)}close {fmt_price(b.close)}" for b in shown]
    lines = [line + (f"（{pct(p.close, b.close)}{limit_note(b.code, p.close, b.close, True).replace('（', '，').rstrip('）')}）"
                     if zh else f" ({pct(p.close, b.close)}{limit_note(b.code, p.close, b.close, False)})")
             if p is not None else line for line, b, p in zip(lines, shown, before)]
    lines = [line + volume(b) for line, b in zip(lines, shown)]
    head = ("" if len(shown) == len(bars) else
            (f"（共 {len(bars)} 個交易日，列出最後 {len(shown)} 個）" if zh else f"(the last {len(shown)} of {len(bars)} sessions)"))
    return "\n\n" + (head + "\n" if head else "") + "\n".join(lines)


# "how many days in a row has 2454 fallen?", "聯發科連跌幾天", "2330 longest winning streak".
_STREAK = re.compile(r"\bin a row\b|\b(?:winning|losing|up|down)?\s*streaks?\b|\bconsecutive (?:days?|sessions?)\b"
                     r"|\bstraight (?:days?|sessions?)\b|连涨|连跌|连续(?:上涨|下跌|涨|跌|收红|收黑)|连红|连黑"
                     # "鴻海最近好像一直跌", "台積電一路漲": the current run, and the longest
                     r"|一直(?:跌|涨|下跌|上涨)|一路(?:跌|涨|下跌|上涨|走低|走高)"
                     # "台積電跌了幾天", "聯發科漲幾天了", "how many days has 2330 been falling?": the current run
                     r"|(?:涨|跌)了(?:几|多少)天|(?:涨|跌)(?:几|多少)天了"
                     r"|\bhow many (?:days|sessions)\b.{0,30}\b(?:been|kept)\s+(?:falling|rising|dropping|climbing|going (?:up|down)"
                     r"|up|down)\b")
# "when did 2330 last close above 1000?", "台積電上次站上1000是什麼時候": the last close beyond a price.
_LAST_BEYOND = re.compile(
    r"\b(?:last|latest|most recent)\b.{0,25}?\b(?:close[ds]?|closing|trade[ds]?|traded|was|were|went|go|been|finished|ended)\s+(above|below|over|under)"
    r"\s+(?:nt\$|\$)?(\d[\d,]*(?:\.\d+)?)"
    r"|(?:上次|上一次|最后一次|最近一次).{0,6}?(站上|站回|突破|高于|超过|跌破|低于)\s*(\d[\d,]*(?:\.\d+)?)(?![\d.]|\s*(?:%|％|个百分点))")
# "did 2330 cross 1000?", "has 2330 ever closed below 800?", "台積電曾經跌破800嗎": past tense (a
# "will it cross 1000?" is a forecast's target); the answer is the same, the last close beyond it.
_EVER_BEYOND = re.compile(
    r"\b(?:did|has|have|had|ever)\b.{0,25}?\b(?:(?:cross(?:ed)?|break|broken?|broke|top(?:ped)?)(?:\s+(above|below|over|under|through))?"
    r"|(?:close[ds]?|trade[ds]?|go|gone|went|been|be|rise|risen|rose|fall|fallen|fell|drop(?:ped)?|dip(?:ped)?|sink|sunk|sank)"
    r"\s+(above|below|over|under|through))"
    r"\s+(?:nt\$|\$)?(\d[\d,]*(?:\.\d+)?)(?!\s*(?:%|percent|days?|sessions?))"
    r"|(?:曾经|有没有|是否).{0,4}?(站上|站回|突破|高于|超过|跌破|低于)\s*(\d[\d,]*(?:\.\d+)?)"
    r"|(站上|站回|突破|跌破)\s*(\d[\d,]*(?:\.\d+)?)\s*过")


# "2330 volume trend", "台積電成交量趨勢": volume over time, which one day cannot show (the last
# 20 sessions against the 60 before them)
_VOLUME_OVER_TIME = re.compile(r"\bvolume trends?\b|\btrends? (?:in|of) (?:the )?(?:trading )?volume\b|\bvolume lately\b"
                               r"|(?:成交量|量能|交易量)(?:的)?(?:趋势|走势|变化)")


def asks_volume_over_time(message: str) -> bool:
    """Whether ``message`` asks how volume has moved over time (no single day answers it)."""
    return bool(_VOLUME_OVER_TIME.search(unquoted(message)))


# "鴻海的成交量最近有放大嗎", "is 2330 volume picking up?": the span's volume against the sessions before.
_VOLUME_TREND = re.compile(r"放大|萎缩|量增|量缩|爆量|量能|量价|出量|缩量|\bvolume\b.{0,25}\b(?:ris|increas|up\b|surg|spik|pick|high|low|heav"
                           r"|light|dry|drie|fall|declin|expand|shrink|unusual|above|below)"
                           r"|\b(?:rising|increasing|higher|heavier|lighter|lower|unusual|falling) volume\b"
                           # "the volume on 2025-04-07 compared to average", "成交量跟平常比"
                           r"|\bvolume\b.{0,40}\b(?:compar\w*|relative|vs\.?|versus|than|against)\b.{0,15}\b(?:average|avg|normal|usual|typical)\b"
                           r"|\bvolume\b.{0,20}\b(?:normal|usual|typical)\b|成交量.{0,8}(?:比|跟|和|与|相较).{0,6}(?:平均|平常|均量)"
                           + "|" + _VOLUME_OVER_TIME.pattern)
VOLUME_BASE = 60  # sessions before the span whose average daily volume it is compared with
VOLUME_SHIFT = 0.2  # a change beyond ±20% is said to be a pick-up (or a drying-up)


def asks_volume_trend(message: str) -> bool:
    """Whether ``message`` asks whether volume has grown or shrunk."""
    return bool(_VOLUME_TREND.search(unquoted(message)))


# "台積電的股價在歷史的什麼位置", "what percentile is TSMC's price in its 1-year range?", "how close is it to
# its high?": where the close sits between the span's low and high (on Simplified, lower-cased text).
_RANGE_POSITION = re.compile(
    r"\bpercentile\b|\bwhere\b.{0,40}\b(?:in|within)\s+(?:its|the)\s+(?:\S+\s+){0,2}range\b"
    r"|\bhow (?:close|far)\b.{0,25}\b(?:from|to)\s+(?:its|the)\s+(?:\S+\s+)?(?:high|low|peak|top|bottom)s?\b"
    r"|(?:历史|区间|高低|一年|52周)(?:的|中|里)?.{0,4}(?:什么|哪个|哪里)?(?:位置|位阶)|相对位置|位阶|分位数?|百分位")
POSITION_SESSIONS = 250  # with no span named: about a year of sessions


def asks_range_position(message: str) -> bool:
    """Whether ``message`` asks where the price sits in its range (no single day answers it)."""
    return bool(_RANGE_POSITION.search(unquoted(message)))


def range_position_text(bars: list[PriceBar], zh: bool) -> str:
    """Where the last close of ``bars`` sits between their lowest low and highest high, and the
    share of their closes at or below it."""
    if len(bars) < 2:
        return ""
    low = min(b.low for b in bars)
    high = max(b.high for b in bars)
    last = bars[-1].close
    where = (last - low) / (high - low) if high > low else 1.0
    below = sum(b.close <= last for b in bars) / len(bars)
    span = f"{bars[0].date.isoformat()} – {bars[-1].date.isoformat()}"
    if zh:
        return (f"{span} 的 {len(bars)} 個交易日中，最後收盤 {fmt_price(last)} 位於最低 {fmt_price(low)} 到最高 {fmt_price(high)} "
                f"區間的 {where:.0%} 處（距最高 {last / high - 1:+.1%}、距最低 {last / low - 1:+.1%}），高於或等於其中 "
                f"{below:.0%} 的收盤價。這是過去的位置，不是預測。")
    return (f"Over the {len(bars)} sessions {span}, the last close, {fmt_price(last)}, sits at {where:.0%} of the way "
            f"from the low of {fmt_price(low)} to the high of {fmt_price(high)} ({last / high - 1:+.1%} from the high, "
            f"{last / low - 1:+.1%} from the low), at or above {below:.0%} of the closes. Where it stood, not where it goes.")


_VOLUME_WORD = re.compile(r"\b(?:trading\s+)?volumes?\b|成交量|交易量|量能")


def asks_volume(message: str) -> bool:
    """Whether ``message`` asks about the volume in any way that a comparison with the usual
    volume serves ("TSMC volume", "what about its volume?", "台積電成交量"): a day's 64,850,290
    shares say little until set beside the sessions before. Not a record, an average or a
    comparison of companies' volumes, which have their own answers."""
    s = unquoted(message)
    return bool(_VOLUME_WORD.search(s)) and not (_VOLUME_RECORD.search(s) or _AVERAGE_VOLUME.search(s))


def volume_trend_text(bars: list[PriceBar], before: list[float], zh: bool) -> str:
    """The span's average daily volume against that of up to :data:`VOLUME_BASE` sessions before
    it (``before``: their volumes), and whether that is a pick-up, a drying-up or neither."""
    now = [b.volume for b in bars if b.volume]
    base = [v for v in before[-VOLUME_BASE:] if v]
    if not now or not base:
        return ""
    avg, ref = sum(now) / len(now), sum(base) / len(base)
    change = avg / ref - 1
    one = len(now) == 1  # a single day: its volume, not an "average" of one
    if zh:
        verdict = "量有放大" if change > VOLUME_SHIFT else "量有縮小" if change < -VOLUME_SHIFT else "量能差不多"
        what = f"當日成交 {avg / 1000:,.0f} 張" if one else f"這 {len(now)} 個交易日日均成交 {avg / 1000:,.0f} 張"
        return (f"{what}，比之前 {len(base)} 個交易日的日均 {ref / 1000:,.0f} 張"
                f"{'多' if change >= 0 else '少'} {abs(change):.0%}：{verdict}。")
    verdict = ("volume has picked up" if change > VOLUME_SHIFT else "volume has dried up" if change < -VOLUME_SHIFT
               else "about the usual volume")
    what = (f"The day's volume, {avg:,.0f} shares, is" if one else
            f"Average daily volume over these {len(now)} sessions, {avg:,.0f} shares, is")
    return f"{what} {change:+.0%} against the average of the {len(base)} sessions before ({ref:,.0f}): {verdict}."


def asks_streak(message: str) -> bool:
    """Whether ``message`` asks for runs of rising or falling closes."""
    return bool(_STREAK.search(unquoted(message)))


# "did TSMC hit 1000?", "has 2330 ever reached 800?", "台積電漲到過1000嗎": a level reached, up or down
# from where the span ends (see :func:`beyond_text`).
_REACHED = re.compile(
    r"\b(?:did|has|have|had|ever)\b.{0,25}?\b(?:hit|reach(?:ed)?|touch(?:ed)?|get to|got to|gotten to|make it to|made it to)"
    r"\s+(?:nt\$|\$)?(\d[\d,]*(?:\.\d+)?)(?!\s*(?:%|percent|days?|sessions?|billion|million))"
    r"|(?:涨到|跌到|碰到|摸到|来到)(?:过)?\s*(\d[\d,]*(?:\.\d+)?)\s*(?:元|块)?\s*(?:过|吗|了吗|没)")


# "how many times did 2330 close above 1000?", "台積電站上1000幾次", "收盤高於1000有幾天": the sessions
# beyond a price (beyond_text counts them and gives the last), not a target to reach
_COUNT_BEYOND = re.compile(
    r"\bhow many (?:times|days|sessions)\b.{0,30}?\b(?:close[ds]?|closing|trade[ds]?|traded|finish(?:ed)?|end(?:ed)?)\s+"
    r"(above|below|over|under)\s+(?:nt\$|\$)?(\d[\d,]*(?:\.\d+)?)"
    r"|(站上|站回|突破|高于|超过|跌破|低于)\s*(\d[\d,]*(?:\.\d+)?)(?!\s*(?:%|％))\s*(?:元)?\s*(?:的)?(?:有)?(?:几|多少)(?:次|天|个交易日)"
    # "台積電今年收盤高於1000的天數", "收在1000以上的日子有幾天"
    r"|(?:收盘|收在|收)(?:价)?(高于|超过|低于|站上|跌破)\s*(\d[\d,]*(?:\.\d+)?)(?!\s*(?:%|％))\s*(?:元)?\s*(?:的)?(?:天数|日数|交易日数|日子)")


# "when was the last time TSMC fell 5% in a day?", "how often does 2330 move more than 3% in a day?",
# "台積電上次跌超過5%是哪天", "單日漲超過3%有幾天": the sessions whose close-to-close change passed a
# size (the forecaster's "will 2330 go up 5%?" looks ahead: NOT_A_FACT keeps it out).
_DAY_MOVE_EN = re.compile(
    r"\b(fell|fall|falls|falling|dropped|drop|drops|lost|lose|loses|declined|decline|sank|sink|plunged|plunge|tumbled"
    r"|rose|rise|rises|rising|gained|gain|gains|jumped|jump|jumps|rallied|climbed|surged|moved|move|moves|moving|swung|swing|swings)"
    r"\s+(?:by\s+)?(?:more than\s+|over\s+|at least\s+|above\s+|beyond\s+|upwards? of\s+)?(\d+(?:\.\d+)?)\s*(?:%|percent)"
    r"(?:\s+or more)?\s+(?:in|on|within|during)\s+(?:a|one|1|a single|the same|any)\s+(?:day|session|trading day)\b"
    r"|\b(\d+(?:\.\d+)?)\s*%\+?\s+(?:(drops?|falls?|declines?|losses|gains?|rises?|jumps?|moves?|swings?)\s+)?days?\b")
# "how many days did TSMC rise more than 3% this year?", "which sessions fell over 5%?": days counted, so
# no "in a day" is needed
_DAY_MOVE_COUNT = re.compile(
    r"\b(?:how many|which|what|list(?: the)?|count(?: the)?)\s+(?:trading\s+)?(?:days|sessions|times)\b.{0,40}?"
    r"\b(fell|fall|dropped|drop|lost|lose|declined|decline|sank|plunged|tumbled|rose|rise|gained|gain|jumped|jump|rallied"
    r"|climbed|surged|moved|move|swung|swing)\s+(?:by\s+)?(?:more than\s+|over\s+|at least\s+|above\s+|beyond\s+)?"
    r"(\d+(?:\.\d+)?)\s*(?:%|percent)")
_DAY_MOVE_ZH = re.compile(
    r"(跌幅|下跌|大跌|跌|涨幅|上涨|大涨|涨|涨跌幅|涨跌|波动|震荡)(?:了)?\s*(?:超过|逾|达|大于|超出|达到|在)?\s*(\d+(?:\.\d+)?)\s*(?:%|％)(?:以上)?")
# ... in Chinese only with a word of days or times: "台積電4月跌了5%嗎" is the month's change
_DAY_WORD_ZH = re.compile(r"单日|一天|一日|当日|单天|哪天|哪一天|哪几天|几天|几次|上次|上一次|最近一次|最后一次|多少次|多少天|次数|天数|几个交易日")
_DOWN_WORDS = ("fell", "fall", "falls", "falling", "dropped", "drop", "drops", "lost", "lose", "loses", "declined", "decline",
               "sank", "sink", "plunged", "plunge", "tumbled", "declines", "losses", "跌幅", "下跌", "大跌", "跌")
_UP_WORDS = ("rose", "rise", "rises", "rising", "gained", "gain", "gains", "jumped", "jump", "jumps", "rallied", "climbed",
             "surged", "涨幅", "上涨", "大涨", "涨")


def day_move(message: str) -> tuple[str, float] | None:
    """("down" | "up" | "either", size as a fraction) when ``message`` asks for the sessions that
    moved at least that much ("fell 5% in a day" → ("down", 0.05)), else ``None``."""
    s = to_simplified(unquoted(message)).lower()
    if (m := _DAY_MOVE_EN.search(s)) is not None:
        word, size = (m.group(1), m.group(2)) if m.group(2) else (m.group(4) or "move", m.group(3))
    elif (m := _DAY_MOVE_COUNT.search(s)) is not None:
        word, size = m.group(1), m.group(2)
    elif (m := _DAY_MOVE_ZH.search(s)) is not None and _DAY_WORD_ZH.search(s):
        word, size = m.group(1), m.group(2)
    else:
        return None
    value = float(size) / 100
    if not 0 < value < 1:
        return None
    side = "down" if word in _DOWN_WORDS else "up" if word in _UP_WORDS else "either"
    return side, value


# A move the user states ("TSMC fell 3% today, should I be worried?", "台積電跌了3%，要恐慌嗎"): no
# word of days needed, since the caller asks it only of an advice question.
_STATED_MOVE = re.compile(
    r"\b(fell|dropped|drop|drops|lost|declined|sank|plunged|tumbled|slid|crashed|rose|gained|jumped|rallied|climbed|surged|soared)"
    r"\s+(?:by\s+|over\s+|more than\s+)?(\d+(?:\.\d+)?)\s*(?:%|percent)"
    r"|(大跌|下跌|重挫|跌|大涨|上涨|涨)(?:了)?\s*(?:超过|逾)?\s*(\d+(?:\.\d+)?)\s*(?:%|％)")


def stated_move(message: str) -> tuple[str, float] | None:
    """("down" | "up", size) of a move ``message`` says happened ("fell 3%", "跌了3%"), else ``None``."""
    m = _STATED_MOVE.search(to_simplified(unquoted(message)).lower())
    if m is None:
        return None
    word, size = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    value = float(size) / 100
    if not 0 < value < 1:
        return None
    return ("down" if word in _DOWN_WORDS or word in ("slid", "crashed", "重挫") else "up"), value


def day_move_text(bars: list[PriceBar], prev: PriceBar | None, side: str, size: float, zh: bool) -> str:
    """How many sessions of ``bars`` closed ``size`` or more down (up, either way) from the close
    before, their share, the newest ten and the largest."""
    pairs = list(zip([prev, *bars[:-1]], bars))
    moves = [(bar, bar.close / before.close - 1) for before, bar in pairs if before is not None and before.close]
    if not moves:
        return ""
    hit = [(b, m) for b, m in moves if (m <= -size if side == "down" else m >= size if side == "up" else abs(m) >= size)]
    n, what = len(moves), f"{size:.0%}" if size * 100 == int(size * 100) else f"{size:.1%}"
    if zh:
        verb = {"down": f"單日跌 {what} 以上", "up": f"單日漲 {what} 以上", "either": f"單日漲跌 {what} 以上"}[side]
        if not hit:
            biggest = min(moves, key=lambda t: t[1]) if side == "down" else max(moves, key=lambda t: t[1] if side == "up" else abs(t[1]))
            return (f"{n} 個交易日中沒有一天{verb}；幅度最大的一天是 {biggest[0].date.isoformat()}（{biggest[1]:+.2%}）。")
        listed = "、".join(f"{b.date.isoformat()}（{m:+.2%}）" for b, m in hit[-10:][::-1])
        more = "，最近 10 天：" if len(hit) > 10 else "："
        return (f"{n} 個交易日中有 {len(hit)} 天{verb}（{len(hit) / n:.1%}）{more}{listed}。最近一次是 "
                f"{hit[-1][0].date.isoformat()}（{hit[-1][1]:+.2%}）。過去的次數，不是預測。")
    verb = {"down": f"fell {what} or more in a day", "up": f"rose {what} or more in a day",
            "either": f"moved {what} or more in a day (either way)"}[side]
    if not hit:
        biggest = min(moves, key=lambda t: t[1]) if side == "down" else max(moves, key=lambda t: t[1] if side == "up" else abs(t[1]))
        return (f"It never {verb} in these {n} sessions; the largest move that way was {biggest[1]:+.2%} on "
                f"{biggest[0].date.isoformat()}.")
    listed = ", ".join(f"{b.date.isoformat()} ({m:+.2%})" for b, m in hit[-10:][::-1])
    more = " (the newest 10)" if len(hit) > 10 else ""
    times = "time" if len(hit) == 1 else "times"
    return (f"It {verb} {len(hit)} {times} in these {n} sessions ({len(hit) / n:.1%}){more}: {listed}. The last: "
            f"{hit[-1][0].date.isoformat()} ({hit[-1][1]:+.2%}). A count of the past, no forecast.")


def last_beyond(message: str) -> tuple[str, float] | None:
    """("above" | "below" | "reach", price) when ``message`` asks when the close was last beyond a
    price ("reach": either way, whichever side of the span's last close the price lies)."""
    s = unquoted(message)
    if (m := _REACHED.search(s)) is not None and not _LAST_BEYOND.search(s) and not _EVER_BEYOND.search(s):
        return "reach", float((m.group(1) or m.group(2)).replace(",", ""))
    if (m := _COUNT_BEYOND.search(s)) is not None:
        word, number = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i))
    elif (m := _LAST_BEYOND.search(s)) is not None:
        word, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    elif (m := _EVER_BEYOND.search(s)) is not None:
        g = m.groups()  # (direction or None for a bare "cross", number) in English, (word, number) in Chinese
        word, number = (g[0] or g[1], g[2]) if g[2] else (g[3], g[4]) if g[4] else (g[5], g[6])
    else:
        return None
    side = "below" if word in ("below", "under", "跌破", "低于") else "above"
    return side, float(number.replace(",", ""))


def _runs(pairs: list[tuple[PriceBar | None, PriceBar]]) -> list[tuple[int, list[PriceBar], PriceBar | None]]:
    """Maximal runs of closes moving the same way: (+1 up / -1 down / 0 unchanged, the run's bars,
    the bar before it)."""
    runs: list[tuple[int, list[PriceBar], PriceBar | None]] = []
    for before, bar in pairs:
        if before is None:
            continue
        sign = (bar.close > before.close) - (bar.close < before.close)
        if runs and runs[-1][0] == sign:
            runs[-1][1].append(bar)
        else:
            runs.append((sign, [bar], before))
    return runs


def streak_text(pairs: list[tuple[PriceBar | None, PriceBar]], zh: bool) -> str:
    """The run the last close ends (how many sessions up or down, since when, by how much) and
    the span's longest rising and falling runs."""
    runs = _runs(pairs)
    if not runs:
        return ""
    sign, bars, before = runs[-1]
    last = bars[-1]
    move = pct(before.close, last.close) if before is not None else "–"
    if sign == 0:
        now = (f"截至 {last.date.isoformat()}，最後 {len(bars)} 個交易日收盤持平。" if zh else
               f"As of {last.date.isoformat()}, the close has been unchanged for {len(bars)} session{'s' if len(bars) != 1 else ''}.")
    elif len(bars) == 1:  # no run yet: the last session alone moved that way
        now = (f"截至 {last.date.isoformat()}，只有最後一個交易日收{'漲' if sign > 0 else '跌'}（{move}），前一日方向相反或持平。" if zh else
               f"As of {last.date.isoformat()}, only the last session closed {'up' if sign > 0 else 'down'} ({move}); the one "
               f"before did not.")
    elif zh:
        now = f"截至 {last.date.isoformat()}，已連續 {len(bars)} 個交易日收{'漲' if sign > 0 else '跌'}（自 {bars[0].date.isoformat()} 起 {move}）。"
    else:
        now = (f"As of {last.date.isoformat()}, it has closed {'up' if sign > 0 else 'down'} {len(bars)} sessions in a row "
               f"(since {bars[0].date.isoformat()}: {move}).")
    out = [now]
    for want, word_zh, word in ((1, "連漲", "rising"), (-1, "連跌", "falling")):
        longest = max((r for r in runs if r[0] == want), key=lambda r: (len(r[1]), r[1][-1].date), default=None)
        if longest is None:
            continue
        _, run, prior = longest
        change = pct(prior.close, run[-1].close) if prior is not None else "–"
        out.append(f"期間最長{word_zh} {len(run)} 天（{run[0].date.isoformat()} 至 {run[-1].date.isoformat()}，{change}）。" if zh else
                   f"Longest {word} run: {len(run)} session{'s' if len(run) != 1 else ''} ({run[0].date.isoformat()} to "
                   f"{run[-1].date.isoformat()}, {change}).")
    return ("" if zh else " ").join(out)


def beyond_text(bars: list[PriceBar], side: str, price: float, zh: bool) -> str:
    """When the close was last above (below) ``price``, and how long it has been on the other side;
    "reach" reads the side from the span's last close (a level above it was reached from below)."""
    if side == "reach":
        side = "above" if price > bars[-1].close else "below"
    beyond = (lambda b: b.close > price) if side == "above" else (lambda b: b.close < price)
    hits = [i for i, b in enumerate(bars) if beyond(b)]
    level = fmt_price(price)
    word_zh = "高於" if side == "above" else "低於"
    if not hits:
        extreme = max(bars, key=lambda b: b.close) if side == "above" else min(bars, key=lambda b: b.close)
        return (f"期間沒有任何收盤{word_zh} {level}（自 {bars[0].date.isoformat()} 起；最{'高' if side == 'above' else '低'}收盤 "
                f"{fmt_price(extreme.close)}，{extreme.date.isoformat()}）。" if zh else
                f"No close {side} {level} in the span (since {bars[0].date.isoformat()}); the "
                f"{'highest' if side == 'above' else 'lowest'} close was {fmt_price(extreme.close)} on {extreme.date.isoformat()}.")
    i = hits[-1]
    # "how many times did 2330 close above 1000 in 2025?": how many sessions, then the last one
    count = (f"期間 {len(bars)} 個交易日中有 {len(hits)} 天收盤{word_zh} {level}；" if zh else
             f"{len(hits)} of the span's {len(bars)} sessions closed {side} {level}. ")
    if i == len(bars) - 1:  # the latest close is beyond: how long it has been
        start = i
        while start > 0 and beyond(bars[start - 1]):
            start -= 1
        n = i - start + 1
        return count + (f"最新收盤 {fmt_price(bars[i].close)}（{bars[i].date.isoformat()}）就{word_zh} {level}：已連續 {n} 個交易日"
                f"（自 {bars[start].date.isoformat()} 起）。" if zh else
                f"The latest close, {fmt_price(bars[i].close)} on {bars[i].date.isoformat()}, is {side} {level}: {n} session"
                f"{'s' if n != 1 else ''} in a row (since {bars[start].date.isoformat()}).")
    since = len(bars) - 1 - i
    return count + (f"最後一次收盤{word_zh} {level} 是 {bars[i].date.isoformat()}（{fmt_price(bars[i].close)}），之後 {since} 個交易日都沒有。" if zh else
            f"The last close {side} {level} was on {bars[i].date.isoformat()} ({fmt_price(bars[i].close)}); none of the "
            f"{since} session{'s' if since != 1 else ''} since has been.")


def asks_records(message: str) -> bool:
    """Whether ``message`` asks for the highest or lowest close, a new high or low, or the days
    that closed limit up or down: with no period named, the whole stored history."""
    s = unquoted(message)
    return bool(_EXTREME_CLOSE.search(s) or _NEW_HIGH.search(s) or _LIMIT_DAYS.search(s) or GAPS.search(s)
                or _VOLUME_RECORD.search(s))


def asks_new_extreme(message: str) -> str | None:
    """"high" or "low" when ``message`` asks about a new (or record) high or low ("will TSMC hit a
    new high?", "台積電創新低了嗎"), else ``None``."""
    s = unquoted(message)
    if not _NEW_HIGH.search(s):
        return None
    return "low" if _LOW_WORDS.search(s) and not _HIGH_WORDS.search(s) else "high"


_LOW_WORDS = re.compile(r"\blow|最低|新低|历史(?:新)?低")
_HIGH_WORDS = re.compile(r"\bhigh|\bpeak|最高|新高|历史(?:新)?高")


def records_text(code: str, bars: list[PriceBar], prev: PriceBar | None, asked: str, zh: bool) -> str:
    """The sentences a record question asks for, over ``bars`` (``prev`` is the close before
    them): the highest and lowest close and whether the last one is a new high (or low), the
    days that closed at the limit, the days that opened beyond the previous day's range."""
    s = unquoted(asked)
    if not bars:
        return ""
    out: list[str] = []
    volume = bool(_VOLUME_RECORD.search(s))
    if (_EXTREME_CLOSE.search(s) or _NEW_HIGH.search(s)) and not (volume and not _PRICE_WORDS.search(s)):
        out.extend(_extremes(bars, s, zh))
    if volume:
        out.append(_volume_extremes(bars, s, zh))
    pairs = list(zip([prev, *bars[:-1]], bars))  # (the session before, the session)
    if _LIMIT_DAYS.search(s):
        out.append(_limit_days(code, pairs, zh))
    if GAPS.search(s):
        out.append(_gap_days(pairs, zh))
    return ("" if zh else " ").join(out)


def _extremes(bars: list[PriceBar], s: str, zh: bool) -> list[str]:
    """The span's highest and lowest close (the latest of equal ones), and, when a new high or
    low is asked, whether the last close is it. Closes, not intraday highs: a record is usually
    quoted on the close, and the span's intraday range is given beside it."""
    last = bars[-1]
    top = max(bars, key=lambda b: (b.close, b.date))
    bottom = min(bars, key=lambda b: (b.close, -b.date.toordinal()))
    out = [f"期間最高收盤 {fmt_price(top.close)}（{top.date.isoformat()}），最低收盤 {fmt_price(bottom.close)}（{bottom.date.isoformat()}）。"
           if zh else f"Highest close {fmt_price(top.close)} ({top.date.isoformat()}), lowest close "
           f"{fmt_price(bottom.close)} ({bottom.date.isoformat()})."]
    if not _NEW_HIGH.search(s) or len(bars) < 2:
        return out
    low = bool(_LOW_WORDS.search(s)) and not _HIGH_WORDS.search(s)
    ref = bottom if low else top
    word_zh, word = ("低", "low") if low else ("高", "high")
    if ref.date == last.date:
        out.append(f"最後收盤 {fmt_price(last.close)}（{last.date.isoformat()}）就是期間最{word_zh}收盤：創了新{word_zh}。" if zh else
                   f"The last close, {fmt_price(last.close)} on {last.date.isoformat()}, is the span's {word}est: a new {word}.")
    else:
        gap = pct(ref.close, last.close)
        out.append(f"最後收盤 {fmt_price(last.close)}（{last.date.isoformat()}）距離最{word_zh}收盤 {gap}：沒有創新{word_zh}。" if zh else
                   f"The last close, {fmt_price(last.close)} on {last.date.isoformat()}, is {gap} from that {word}est close: "
                   f"no new {word}.")
    return out


def _volume_extremes(bars: list[PriceBar], s: str, zh: bool) -> str:
    """The span's heaviest and lightest session by shares traded, and, when a record is asked
    ("成交量創新高了嗎"), whether the last session is it."""
    traded = [b for b in bars if b.volume]
    if not traded:
        return "期間沒有成交量資料。" if zh else "The span has no volume data."
    top = max(traded, key=lambda b: (b.volume, b.date))
    bottom = min(traded, key=lambda b: (b.volume, -b.date.toordinal()))
    last = traded[-1]

    def amount(b: PriceBar) -> str:
        return f"{b.volume / SHARES_PER_LOT:,.0f} 張" if zh else f"{b.volume:,.0f} shares"

    text = (f"期間成交量最大 {amount(top)}（{top.date.isoformat()}），最小 {amount(bottom)}（{bottom.date.isoformat()}）。" if zh else
            f"Heaviest volume {amount(top)} ({top.date.isoformat()}), lightest {amount(bottom)} ({bottom.date.isoformat()}).")
    low = bool(re.search(r"\b(?:lowest|smallest|min(?:imum)?|thinnest|new low)\b|最低|最小|新低", s))
    ref = bottom if low else top
    if len(traded) > 1 and re.search(r"\bnew (?:high|low)\b|\brecord\b|\ball[- ]time\b|新高|新低|纪录|天量", s):
        word_zh, word = ("小", "lightest") if low else ("大", "heaviest")
        if ref.date == last.date:
            text += (f"最後一個交易日 {last.date.isoformat()} 就是期間成交量最{word_zh}的一天。" if zh else
                     f" The last session, {last.date.isoformat()}, is the span's {word}.")
        else:
            text += (f"最後一個交易日 {last.date.isoformat()} 成交 {amount(last)}，是最{word_zh}量的 {last.volume / ref.volume:.0%}：沒有創紀錄。"
                     if zh else f" The last session, {last.date.isoformat()}, traded {amount(last)}, "
                     f"{last.volume / ref.volume:.0%} of that: no record.")
    return text


def _recent_dates(days: list[date], zh: bool) -> str:
    """Up to the ten most recent of ``days``, an ellipsis first when there are more."""
    sep = "、" if zh else ", "
    return ("…" + sep if len(days) > 10 else "") + sep.join(d.isoformat() for d in days[-10:])


def _limit_days(code: str, pairs: list[tuple[PriceBar | None, PriceBar]], zh: bool) -> str:
    """The sessions that closed at the limit price (``ingest.limits``); stocks only."""
    from ingest.limits import is_stock_code, limit_state

    if not is_stock_code(code):
        return ("這檔不是股票（ETF 等沒有相同的漲跌停規則），不計算漲跌停。" if zh else
                "This is not a stock (ETFs and the like follow other limit rules): limit days are not counted.")
    days: dict[str, list[date]] = {"up": [], "down": []}
    for before, bar in pairs:
        state = limit_state(before.close, bar.close) if before is not None else None
        if state is not None:
            days[state].append(bar.date)
    up, down = days["up"], days["down"]
    if zh:
        return (f"收在跌停 {len(down)} 天" + (f"（{_recent_dates(down, zh)}）" if down else "")
                + f"，收在漲停 {len(up)} 天" + (f"（{_recent_dates(up, zh)}）" if up else "") + "。")
    return (f"Closed limit down on {len(down)} day{'s' if len(down) != 1 else ''}" + (f" ({_recent_dates(down, zh)})" if down else "")
            + f" and limit up on {len(up)}" + (f" ({_recent_dates(up, zh)})" if up else "") + ".")


def gap(opened: float | None, prev_high: float | None, prev_low: float | None) -> tuple[str, float] | None:
    """The one gap rule every answer reads: ("up", open / previous high - 1) when a session opened
    above the previous session's high, ("down", open / previous low - 1) below its low; ``None``
    inside that range, or when a price is missing."""
    if opened is None or pd.isna(opened):
        return None
    if prev_high is not None and not pd.isna(prev_high) and opened > prev_high:
        return "up", opened / prev_high - 1
    if prev_low is not None and not pd.isna(prev_low) and opened < prev_low:
        return "down", opened / prev_low - 1
    return None


def day_gap_text(bar: PriceBar, prev: PriceBar | None, zh: bool) -> str:
    """Whether one session gapped ("did 2454 gap up on 2025-04-10?"): its open against the previous
    day's range, by :func:`gap`."""
    if prev is None or bar.open is None or prev.high is None or prev.low is None:
        return ("沒有前一個交易日的開高低價可比，無法判斷是否跳空。" if zh else
                "There is no previous session's range to compare the open with, so no gap can be told.")
    o, found = fmt_price(bar.open), gap(bar.open, prev.high, prev.low)
    if found is not None and found[0] == "up":
        return (f"跳空上漲：開盤 {o} 高於前一日（{prev.date.isoformat()}）最高價 {fmt_price(prev.high)}（{found[1] * 100:+.2f}%）。"
                if zh else f"It gapped up: the open, {o}, was above the previous session's ({prev.date.isoformat()}) "
                f"high of {fmt_price(prev.high)} ({found[1] * 100:+.2f}%).")
    if found is not None:
        return (f"跳空下跌：開盤 {o} 低於前一日（{prev.date.isoformat()}）最低價 {fmt_price(prev.low)}（{found[1] * 100:+.2f}%）。"
                if zh else f"It gapped down: the open, {o}, was below the previous session's ({prev.date.isoformat()}) "
                f"low of {fmt_price(prev.low)} ({found[1] * 100:+.2f}%).")
    return (f"沒有跳空：開盤 {o} 在前一日（{prev.date.isoformat()}）的高低區間 {fmt_price(prev.low)}–{fmt_price(prev.high)} 之內。"
            if zh else f"No gap: the open, {o}, was inside the previous session's ({prev.date.isoformat()}) range of "
            f"{fmt_price(prev.low)}–{fmt_price(prev.high)}.")


def _gap_days(pairs: list[tuple[PriceBar | None, PriceBar]], zh: bool) -> str:
    """The sessions that opened above the previous day's high (gap up) or below its low (gap down),
    and the widest of each, measured from the previous day's high (low): "the biggest gap up" is
    answered by the same sentence as "gap days"."""
    found = [(b.date, g) for a, b in pairs if a is not None and (g := gap(b.open, a.high, a.low)) is not None]
    ups = [(day, size) for day, (side, size) in found if side == "up"]
    downs = [(day, size) for day, (side, size) in found if side == "down"]

    def widest(gaps: list[tuple[date, float]]) -> str:
        if not gaps:
            return ""
        day, size = max(gaps, key=lambda g: (abs(g[1]), g[0]))
        return (f"；最大一次 {day.isoformat()}（{size * 100:+.2f}%）" if zh else
                f"; the widest on {day.isoformat()} ({size * 100:+.2f}% from the previous day's {'high' if size > 0 else 'low'})")

    up_days, down_days = [d for d, _ in ups], [d for d, _ in downs]
    if zh:
        return (f"跳空上漲（開盤高於前一日最高價）{len(ups)} 天" + (f"（{_recent_dates(up_days, zh)}{widest(ups)}）" if ups else "")
                + f"，跳空下跌（開盤低於前一日最低價）{len(downs)} 天"
                + (f"（{_recent_dates(down_days, zh)}{widest(downs)}）" if downs else "") + "。")
    return (f"Gapped up (opened above the previous day's high) on {len(ups)} day{'s' if len(ups) != 1 else ''}"
            + (f" ({_recent_dates(up_days, zh)}{widest(ups)})" if ups else "")
            + f" and gapped down (opened below its low) on {len(downs)}"
            + (f" ({_recent_dates(down_days, zh)}{widest(downs)})" if downs else "") + ".")
