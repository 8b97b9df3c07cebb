"""Time periods named in a question: "on 2025-04-07", "last week", "in April", "Q1 2025", "the
first week of March", "since 2024", "a year ago", "4月7日", "上週", "近一季".

Why a module of its own: every answer that reads the store over time (price facts, technicals,
risk, rankings, movers, news of a day) must read a period the same way, and relative to the same
"today" (the user's day, or the as-of day, so that an evaluation or a back-dated question never
sees a later one). :func:`parse_period` turns a message into a :class:`Period`; the label it
carries names the period back in the answer's language (:func:`period_label`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ingest.cjk import has_cjk

from .i18n import answers_zh
from .slots import (AGO, ANY_DATE, AS_OF_CLAUSE, AVERAGE_VOLUME, LOOKBACK, NUM_MDY, QUOTED, lookback_days, parse_as_of,
                    to_simplified, zh_number)

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MDY = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?\s+(\d{{4}})\b", re.I)
_YM = re.compile(rf"(\d{{4}})\s*[-/年]\s*(\d{{1,2}})\s*月?(?![\d/\-.])|\b{_MON}\s+(\d{{4}})\b", re.I)
# A month with no year ("TSMC in April", "台積電4月股價"): the latest such month up to today.
_MONTH_ONLY = re.compile(rf"\b(?:(?:in|during|for|of|since|from)\s+(?:early\s+|mid[- ]?|late\s+)?|(?:early|mid|late)[- ]?(?=[a-z])"
                         # a follow-up's month: "what about May?", "how about March", "and April?"
                         rf"|(?:what|how)\s+about\s+|^\s*and\s+(?=\w+\s*[?.!]*\s*$))"
                         rf"{_MON}(?![\w-])(?!\s*\d)"
                         # "at the April low", "the March high": a month's extreme
                         rf"|\b(?:the|its)\s+{_MON}(?=\s+(?:high|low|peak|bottom|top|close|rally|drop|crash|selloff|sell-off"
                         # "the April tariff announcement", "the March earnings": an event of that month
                         rf"|tariffs?|announcements?|earnings|results|correction|rebound|slump|plunge|rout)s?\b)|(?<![\d年./\-近前去])(1[0-2]|0?[1-9])\s*月(?!\s*\d{{1,2}}\s*[日号])", re.I)
_YEAR = re.compile(r"\b(?:in|during|for|of|throughout|across|(?<!go )(?<!goes )(?<!be )over)\s+(\d{4})\b|(\d{4})\s*年(?!\s*\d)"
                   r"|\b(?:its|the|their|a)\s+(\d{4})\s+(?:high|low|peak|bottom|performance|return|range|drawdown)s?\b", re.I)
# Quarters and halves: "Q1 2025", "2025 Q1", "1Q25", "first quarter of 2025", "2025年第一季";
# "H1 2025", "first half of 2025", "2025年上半年". Matched on simplified, lower-cased text.
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4, "上": 1, "下": 2}
_QUARTER = re.compile(
    r"\bq([1-4])\s*(?:of\s+)?'?(\d{4}|\d{2})\b|\b(\d{4})\s*-?\s*q([1-4])\b|\b([1-4])q\s*'?(\d{2}|\d{4})\b"
    r"|\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)?,?\s+(\d{4})\b"
    r"|(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季", re.I)
_HALF = re.compile(
    r"\bh([12])\s*(?:of\s+)?'?(\d{4})\b|\b(\d{4})\s*-?\s*h([12])\b|\b(first|second|1st|2nd) half(?: of)?,?\s+(\d{4})\b"
    r"|(\d{4})\s*年?\s*(上|下)半年", re.I)
# "2330 year over year", "YoY", "台積電跟去年同期比": a span against the same span a year before, or
# with no span named the last year of sessions (on Simplified, lower-cased text).
YOY = re.compile(r"\byear[- ]over[- ]year\b|\byoy\b|\b(?:the\s+)?same\s+(?:period|month|quarter|time|week|days?)\s+"
                 r"(?:last\s+year|(?:a|one)\s+year\s+(?:earlier|before|ago)|the\s+(?:year|previous year)\s+before)\b"
                 r"|去年同期|同期相比|年增|年减")


def shift_years(period: Period, years: int) -> Period | None:
    """The same span ``years`` years later (earlier when negative): "April 2025" → "April 2024" for
    -1; a February 29 that does not exist then becomes the 28th. ``None`` for no span."""
    if period.kind not in ("day", "range") or period.start is None or period.end is None:
        return None

    def move(d: date) -> date:
        return _valid(d.year + years, d.month, d.day) or date(d.year + years, d.month, 28)

    start, end = move(period.start), move(period.end)
    label = period.label or ""
    if re.fullmatch(r"\d{4}(?:-(?:\d{2}|Q[1-4]|H[12]))?", label):  # "2025", "2025-04", "2025-Q1"
        label = str(int(label[:4]) + years) + label[4:]
    else:
        label = start.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"
    return Period(period.kind, start, end, label=label)


def year_before(period: Period) -> Period | None:
    """The same span one year earlier ("April 2025" → "April 2024"); ``None`` for no span."""
    return shift_years(period, -1)


# "all-time high", 歷史新高: the whole stored history.
ALL_TIME = re.compile(r"\ball[- ]time\b|\bever\b|\brecord (?:high|low)|\b(?:price|close|closing price|stock) history\b|\bath\b|\batl\b"
                      r"|历史(?:上)?(?:新|最)?(?:高|低)|史上(?:最)?(?:高|低)|有史以来|历来最(?:高|低)|上市以来|历史股价|历史价格"
                      # "since it listed", "since its IPO", "掛牌以來": the stored history, said to be no more
                      r"|\bsince (?:it |its )?(?:listed|listing|ipo|inception|debut|went public)\b|挂牌以来|上柜以来")


# A year written alone, as the company directory reads it (``ingest.companies``): after a word of
# time or topic ("returns 2025", "summer 2025"), or last, after the company ("TSMC 2025", "2330
# drawdown 2024"); never a price ("close above 2000", "跌破2000"), never the whole message (then it is
# the company with that code, such as 2025 千興).
_BARE_YEAR = re.compile(r"(?<![\d./\-:$])\b((?:19|20)\d\d)\b(?![\d./\-:%]|\s*(?:元|块|点|张|股|塊|點))")
_PRICE_BEFORE = re.compile(r"(?:\b(?:above|below|over|under|at|reach(?:es|ed)?|hit|hits|to|past|near|target|nt)\s*\$?"
                           r"|\$|破|站上|站回|跌破|突破|涨到|跌到|到|目标价?)\s*$")


def _bare_year(s: str) -> int | None:
    from ingest.companies import _YEAR_BEFORE

    for m in _BARE_YEAR.finditer(s):
        y = int(m.group(1))
        before, after = s[: m.start()], s[m.end():]
        if not 1990 <= y <= 2100 or not before.strip() or _PRICE_BEFORE.search(before[-16:]):
            continue
        if _YEAR_BEFORE.search(before[-24:]) or not re.sub(r"[\s?？!！.。,，]+", "", after):
            return y
    return None


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _quarter_or_half(s: str) -> Period | None:
    """A quarter or a half year named in ``s`` (simplified, lower-cased), as a calendar range."""
    for pattern, pairs, months, tag in ((_QUARTER, ((0, 1), (3, 2), (4, 5), (6, 7), (9, 8)), 3, "Q"),
                                        (_HALF, ((0, 1), (3, 2), (4, 5), (7, 6)), 6, "H")):
        # Tried at every position, overlapping: in "2330 q1 2025" the "2330 q1" reading (no year)
        # must not hide "q1 2025".
        for start in range(len(s)):
            m = pattern.match(s, start)
            if m is None or (start and _ascii_word(s[start - 1]) and _ascii_word(s[start])):
                continue  # inside a Latin word or a number, not at its start
            g = m.groups()
            n, y = next((_ORDINAL[g[i]], _year(g[j])) for i, j in pairs if g[i])
            if 1990 <= y <= 2100:  # "Q1 2330 earnings": a stock code is not a year
                return Period("range", date(y, months * n - months + 1, 1), _month_end(y, months * n),
                              label=f"{y}-{tag}{n}")
    return None


@dataclass(frozen=True)
class Period:
    """What the question asks about. ``kind``: ``latest`` (no period), ``day``, ``range``
    (calendar bounds, inclusive), ``trailing`` (the last ``sessions`` trading days), ``all`` (the
    whole stored history: "all-time high") or ``invalid`` (a date that is no day, such as
    2025-02-30, in ``label``)."""

    kind: str
    start: date | None = None
    end: date | None = None
    sessions: int | None = None
    label: str = ""


# Spans named relative to today: on a store whose data end before them, the price and sentiment
# answers read them from the data's end instead (and say so).
RELATIVE_SPANS = frozenset({"this week", "last week", "this month", "last month", "this year", "last year", "this quarter",
                            "last quarter"})
PERIOD_LABELS_ZH = {"all-time": "有史以來（資料庫中）", "today": "今天", "yesterday": "昨天", "last week": "上週", "this week": "本週",
                    "last month": "上個月", "this month": "本月", "last year": "去年", "this year": "今年", "recently": "最近",
                    "this quarter": "本季", "the previous quarter": "上一季"}


def span_at_data_end(message: str, today: date, last_day: date) -> tuple[Period, date, date] | None:
    """(the span as asked, its first day, its last day) for a span ``message`` names relative to
    ``today`` ("last week", "本月") read as if today were the day after ``last_day``, the store's
    newest day; the last day never passes ``last_day`` ("this month" ends there). ``None`` for a
    span of other words. The price and sentiment answers both re-anchor a stale store's spans here,
    so that they read "this month" alike."""
    period = parse_period(message, today)
    if period.label not in RELATIVE_SPANS:
        return None
    moved = parse_period(message, last_day + timedelta(days=1))
    if moved.start is None:
        return None
    return period, moved.start, min(moved.end, last_day) if moved.end else last_day


def period_label(period: Period, zh: bool) -> str:
    """How the answer names the period asked about, in the answer's language."""
    if period.kind == "trailing":
        n = period.sessions or 1
        return f"最近 {n} 個交易日" if zh else f"the last {n} trading day{'s' if n != 1 else ''}"
    if zh and period.label.startswith("since "):
        return f"{period.label[6:]} 以來"
    if zh and (m := re.fullmatch(r"the (week|month) (after|before) (\S+)", period.label)):
        return f"{m.group(3)} {'之後' if m.group(2) == 'after' else '之前'}{'一週' if m.group(1) == 'week' else '一個月'}"
    if zh and period.label.startswith("week of "):
        return f"{period.label[8:]} 當週"
    return PERIOD_LABELS_ZH.get(period.label, period.label) if zh else period.label


# "and the next day?", "前一天呢": a follow-up that moves the day asked by one trading session.
_NEXT_DAY = re.compile(r"\b(?:the\s+)?(?:next|following)\s+(?:trading\s+)?(?:day|session)\b|\bthe day after\b"
                       r"|隔天|次日|第二天|翌日|后一天|后一日|下一个交易日|下个交易日")
_PREV_DAY = re.compile(r"\b(?:the\s+)?(?:previous|prior|preceding)\s+(?:trading\s+)?(?:day|session)\b|\bthe day before\b"
                       r"|前一天|前一日|前一个交易日|上一个交易日|上个交易日")


def day_shift(message: str) -> int:
    """+1 for "the next day", -1 for "the day before", 0 otherwise."""
    s = to_simplified(message or "").lower()
    return 1 if _NEXT_DAY.search(s) else -1 if _PREV_DAY.search(s) else 0


def shifted_day(store: Any, code: str, period: Period, shift: int, visible: date) -> Period:
    """``period`` (a day) moved by ``shift`` stored sessions of ``code``, never past ``visible``;
    unchanged when there is no such session."""
    if not shift or period.kind != "day" or period.start is None:
        return period
    days = [d.date() for d in store.bars(code, end=visible).index]
    if shift > 0:
        later = [d for d in days if d > period.start]
        target = later[0] if later else None
    else:
        earlier = [d for d in days if d < period.start]
        target = earlier[-1] if earlier else None
    return Period("day", target, target, label=target.isoformat()) if target is not None else period


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _explicit_dates(s: str) -> tuple[list[date], str | None]:
    """The dates written in ``s`` in order, and the first date-shaped text that is no day at all
    ("2025-02-30"), so that it is said rather than silently read as "no date"."""
    found: list[tuple[int, date]] = []
    invalid: str | None = None
    for pattern, ymd in ((ANY_DATE, lambda g: (int(g[0]), int(g[1]), int(g[2]))),
                         (_MDY, lambda g: (int(g[2]), _MONTHS[g[0].rstrip(".").lower()], int(g[1]))),
                         (_DMY, lambda g: (int(g[2]), _MONTHS[g[1].rstrip(".").lower()], int(g[0]))),
                         (NUM_MDY, lambda g: (int(g[2]), int(g[0]), int(g[1])) if int(g[0]) <= 12
                          else (int(g[2]), int(g[1]), int(g[0])))):
        for m in pattern.finditer(s):
            d = _valid(*ymd(m.groups()))
            if d is not None:
                found.append((m.start(), d))
            elif invalid is None:
                invalid = m.group(0).strip()
    return [d for _, d in sorted(found)], invalid


def strip_dates(message: str) -> str:
    """``message`` without the dates it names: once they have chosen the news to search, "2025"
    and "4月7日" would only make every dated sentence look relevant."""
    out = message
    numeric = bool(NUM_MDY.search(out))  # "from 3/3 to 3/7/2025": the yearless 3/3 is a date too
    for pattern in (_NTH_WEEK_EN, _NTH_WEEK_ZH, ANY_DATE, NUM_MDY, _MDY, _DMY, _QUARTER, _HALF, _EN_MONTHS, _ZH_MONTHS, AGO, _YM, _YEAR, _MD, _MONTH_ONLY):
        out = pattern.sub(" ", out)
    if numeric:
        out = _NUM_MD.sub(" ", out)
    return re.sub(r"\s{2,}", " ", out).strip()


# Spans named relative to today, which strip_dates leaves ("TSMC news last week", "台積電上週新聞",
# "tech stocks this year"). On any text; Chinese in both scripts.
RELATIVE_SPAN_WORDS = re.compile(
    r"\b(?:(?:this|last|past|previous)\s+(?:week|month|quarter|year)|yesterday|today|lately|recently|so far this year|ytd"
    # trailing spans: "the past two weeks", "last 3 months", "最近一週", "近一個月", "過去三天"
    r"|(?:the\s+)?(?:last|past|previous)\s+(?:\d{1,3}|two|three|four|five|six|few|several)\s+"
    r"(?:(?:trading\s+)?days?|sessions?|weeks?|months?|quarters?|years?))\b"
    r"|(?:最近|近|過去|过去)\s*(?:\d{1,3}|[一二兩两三四五六七八九十半]{1,3})\s*(?:個|个)?\s*(?:週|周|星期|禮拜|礼拜|月|年|天|日|交易日)"
    r"|上週|上周|上個月|上个月|本月|這個月|这个月|本週|本周|這週|这周|昨天|今天|今年(?:以來|以来)?|去年|本季|上一?季", re.I)


def strip_spans(message: str) -> str:
    """``message`` without the dates and the spans relative to today it names: what else it asks."""
    return re.sub(r"\s{2,}", " ", RELATIVE_SPAN_WORDS.sub(" ", strip_dates(message))).strip()


# "since 2024-09-02", "since April", "2025年以來", "從3月至今": from that day (or the start of that
# month, quarter, year) up to today, not that day alone.
_SINCE = re.compile(r"\bsince\b|\b(?:to|until|till)\s+(?:now|today|date|the present)\b|以来|至今|迄今|到现在|到今天|到目前"
                    # "is 2454 cheaper than a month ago?", "2330 vs a year ago": from then to now
                    r"|\b(?:than|vs\.?|versus|compared? (?:to|with)|against)\s+(?:it was\s+)?(?:a|an|one|two|three|\d{1,3})\s+"
                    r"(?:day|week|month|year)s?\s+ago\b|(?:比|跟|和)\S{0,6}前(?:比|相比|贵|便宜|高|低)")


# "before and after April 7", "around 2025-04-07", "4月7日前後": a week of calendar days each side
_AROUND = re.compile(r"\bbefore and after\b|\baround\s+(?:the\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                     r"|(?:日|号|\d)\s*(?:前后|前後)(?!.{0,4}(?:一|1|两|2|三|3)?\s*(?:个)?\s*(?:周|星期|礼拜|月|天|日|交易日))")
AROUND_DAYS = 7


def asks_around(message: str) -> bool:
    """Whether ``message`` asks about the days on both sides of a day ("before and after April 7")."""
    return bool(_AROUND.search(to_simplified(message or "").lower()))


def parse_period(message: str, today: date) -> Period:
    """The period ``message`` asks about, relative to ``today`` (the user's day, or the as-of day)."""
    s = _REST_OF.sub(r"end of this \1", AS_OF_CLAUSE.sub(" ", to_simplified(message).lower()))
    period = _parse_period(s, today)
    if period.kind == "range" and period.end is not None and _END_OF.search(s):
        # its last day, even ahead of today ("will 2330 rise by the end of the month?"): what reads
        # the store stops at the last visible bar anyway
        period = Period("day", period.end, period.end, label=period.end.isoformat())
    elif (period.kind == "range" and period.start is not None and period.end is not None and period.start.day == 1
          and period.end == _month_end(period.start.year, period.start.month) and (part := _PART_OF_MONTH.search(s))):
        # "early April 2025" / "4月初" / "上旬": days 1-10; "mid" / 中旬: 11-20; "late" / 下旬: 21 to the end
        which = next(k for k, v in part.groupdict().items() if v)
        lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, period.end.day)}[which]
        start, end = period.start.replace(day=lo), period.start.replace(day=hi)
        period = Period("range", start, end, label=f"{start.isoformat()} – {end.isoformat()}")
    elif period.kind == "range" and period.start is not None and FIRST_OF.search(s):
        # "the first trading day of 2025", "台積電今年第一個交易日": its first session on TWSE's calendar
        from ingest.calendar import next_sessions

        first = next_sessions("TWSE", period.start - timedelta(days=1), 1)[0]
        period = Period("day", first, first, label=first.isoformat())
    if period.kind == "day" and period.start is not None and _AROUND.search(s):
        # "2330 before and after April 7", "台積電4月7日前後": the week on each side of the day
        start, end = period.start - timedelta(days=AROUND_DAYS), period.start + timedelta(days=AROUND_DAYS)
        return Period("range", start, end, label=f"{start.isoformat()} – {end.isoformat()}")
    if (period.kind in ("day", "range") and period.start is not None and period.end is not None
            and period.end < today and _SINCE.search(s) and len(_explicit_dates(s)[0] or _yearless_dates(s, today)[0]) < 2):
        return Period("range", period.start, today, label=f"since {period.start.isoformat()}")
    if period.kind == "day" and period.start is not None and period.start < today and _AFTER_DAY.search(s):
        # "which stocks recovered fastest after April 9 2025?", "4月9日之後": from the close of that day on
        return Period("range", period.start + timedelta(days=1), today, label=f"after {period.start.isoformat()}")
    return period


# "after April 9", "4月9日之後": the days after a day, up to today (not "the week after", "before and
# after", "the day after", which name a span of their own).
_AFTER_DAY = re.compile(r"(?<!week )(?<!month )(?<!day )(?<!session )(?<!and )(?<!year )\bafter\b|(?<!前)(?:之后|以后)")


# A day with no year ("April 7", "7 April", "4月7日"): the latest such day up to today.
_MD = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})(?!\s*(?:%|percent|billion|million))"
                 rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}(?![\w-])(?!,?\s*\d{{4}})"
                 r"|(?<![\d年./-])(1[0-2]|0?[1-9])\s*月\s*(\d{1,2})\s*[日号]", re.I)


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    """(month, day) of a :data:`_MD` match, whichever of its forms matched."""
    g = m.groups()
    if g[0]:
        return _MONTHS[g[0].rstrip(".").lower()], int(g[1])
    if g[3]:
        return _MONTHS[g[3].rstrip(".").lower()], int(g[2])
    return int(g[4]), int(g[5])


def _month_of(m: re.Match[str]) -> int:
    """The month of a :data:`_MONTH_ONLY` match ("in April", "the April low", "4月")."""
    name = m.group(1) or m.group(2)
    return _MONTHS[name.rstrip(".").lower()] if name else int(m.group(3))


def names_yearless_date(message: str) -> bool:
    """Whether ``message`` names a month or a day without a year ("in April", "4月7日")."""
    return bool(_MD.search(message) or _MONTH_ONLY.search(message) or _YEARLESS_QH.search(message))


def _yearless_dates(s: str, today: date) -> tuple[list[date], str | None]:
    """The days named without a year in ``s``, each in the latest year that puts it on or before
    ``today``; and the first that is no day at all ("February 30")."""
    found: list[date] = []
    invalid: str | None = None
    for m in _MD.finditer(s):
        mo, d = _month_day(m)
        day = _valid(today.year, mo, d) or (_valid(today.year - 1, mo, d) if (mo, d) == (2, 29) else None)
        if day is None:
            invalid = invalid or m.group(0).strip()
            continue
        if day > today:
            day = _valid(day.year - 1, mo, d) or day.replace(day=28)
        found.append(day)
    return found, invalid


# "as of March 1", "截至3月1日": an as-of day without a year (the as-of clause itself wants one).
_YEARLESS_AS_OF = re.compile(rf"(?:\bas\s*-?\s*of\b|\bas\s+at\b|截至|截止)\s*:?\s*(?:{_MON}\s+\d{{1,2}}|\d{{1,2}}\s+{_MON}"
                             r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?)(?!\d)(?!,?\s*\d{4})", re.I)


# Days named by their holiday ("2330 close on Christmas 2024", "2024年聖誕節台積電收盤"): written
# as the date they are, so that every reader of the question (periods, the news search, the
# anchoring of a yearless day below) agrees. Fixed-date days only: a lunar holiday (春節, 除夕)
# moves every year and the exchange is shut on it anyway.
_NAMED_EN = (
    (r"christmas eve|xmas eve", "December 24"), (r"christmas(?: day)?|xmas(?: day)?", "December 25"),
    (r"new year['’]?s eve", "December 31"), (r"new year['’]?s day", "January 1"), (r"boxing day", "December 26"),
)
_NAMED_ZH = (
    (r"平安夜|圣诞夜|聖誕夜", "12月24日"), (r"圣诞节|聖誕節|圣诞|聖誕", "12月25日"), (r"跨年夜", "12月31日"), (r"元旦", "1月1日"),
    (r"双十节|雙十節|国庆日|國慶日", "10月10日"), (r"劳动节|勞動節", "5月1日"), (r"和平纪念日|和平紀念日", "2月28日"),
)
_NAMED_DAY_EN = re.compile(r"\b(" + "|".join(p for p, _ in _NAMED_EN) + r")\b(?:\s+of\b)?", re.I)
_NAMED_DAY_ZH = re.compile(r"(\d{4}\s*年\s*)?(?:的)?(" + "|".join(p for p, _ in _NAMED_ZH) + ")")


# Lunar New Year (農曆新年, 春節) falls on a different day each year; TWSE closes for several sessions
# around it, so its price answer is the last session before the break.
LUNAR_NEW_YEAR = {2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
                  2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
                  2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
_LNY_EN = re.compile(r"\b(?:((?:19|20)\d\d)\s+)?(?:the\s+)?(?:lunar|chinese)\s+new\s+year(?:['’]s)?(?:\s+(?:day|eve))?(?:\s+(?:of\s+)?((?:19|20)\d\d))?\b"
                     r"|\bspring festival(?:\s+(?:of\s+)?((?:19|20)\d\d))?\b", re.I)
_LNY_ZH = re.compile(r"(?:(\d{4})\s*年\s*(?:的)?)?(?:農曆新年|农历新年|農曆年|农历年|春節|春节|大年初一)"
                     r"|(\d{4})\s*年\s*(?:的)?(?:過年|过年)")  # "過年" alone is any year's holiday: only with a year


def _lunar_new_year(message: str, today: date | None = None) -> str:
    """``message`` with Lunar New Year written as its date: "Lunar New Year 2025" → "January 29 2025",
    "2025年春節" → "2025年1月29日"; with no year, the latest one on or before today."""
    today = today or date.today()

    def day_of(year: str | None) -> date | None:
        if year:
            return LUNAR_NEW_YEAR.get(int(year))
        return max((d for d in LUNAR_NEW_YEAR.values() if d <= today), default=None)

    def en(m: re.Match[str]) -> str:
        d = day_of(m.group(1) or m.group(2) or m.group(3))
        if d is not None and re.search(r"\beve\b", m.group(0), re.I):  # "Lunar New Year's Eve": the day before
            d -= timedelta(days=1)
        return m.group(0) if d is None else f"{calendar.month_name[d.month]} {d.day} {d.year}"

    def zh(m: re.Match[str]) -> str:
        d = day_of(m.group(1) or m.group(2))
        return m.group(0) if d is None else f"{d.year}年{d.month}月{d.day}日"

    return _LNY_ZH.sub(zh, _LNY_EN.sub(en, message))


def named_days(message: str) -> str:
    """``message`` with each fixed-date holiday it names written as its month and day ("Christmas
    2024" → "December 25 2024", "2024年的聖誕節" → "2024年12月25日"), and its months and days in
    Chinese numerals in digits ("四月七日" → "4月7日")."""
    def en(m: re.Match[str]) -> str:
        return next(day for p, day in _NAMED_EN if re.fullmatch(p, m.group(1), re.I))

    def zh(m: re.Match[str]) -> str:
        return (m.group(1) or "") + next(day for p, day in _NAMED_ZH if re.fullmatch(p, m.group(2)))

    return _numeric_month_days(_roc_dates(_zh_numeral_dates(_NAMED_DAY_ZH.sub(zh, _NAMED_DAY_EN.sub(en, _lunar_new_year(message or ""))))))


# Taiwan's own calendar (民國, year 1 = 1912), as TWSE writes its dates: "114/04/07", "民國114年4月",
# "114年4月7日" are 2025. A three-digit year is read so when 民國 stands before it, a month follows it,
# or it is 110-119 (2021-2030) and no length of time ("過去100年", "110年來").
_ROC_SLASH = re.compile(r"(?<![\d/.-])(1[01]\d)\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})(?![\d/.-])")
_ROC_YEAR = re.compile(r"(?:(民國|民国)\s*)?(?<![\d.])(\d{2,3})(\s*年)(?!\s*(?:来|來|以来|以來|前|后|後|历史|歷史|线|線))")


def _roc_dates(message: str) -> str:
    """``message`` with each 民國 date written in the Western year ("114/04/07" → "2025-04-07",
    "民國114年4月" → "2025年4月")."""
    def slash(m: re.Match[str]) -> str:
        y, mo, d = int(m.group(1)) + 1911, int(m.group(2)), int(m.group(3))
        return f"{y}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else m.group(0)

    def year(m: re.Match[str]) -> str:
        roc, n = bool(m.group(1)), int(m.group(2))
        month_after = re.match(r"\s*\d{1,2}\s*月", message[m.end():]) is not None
        before = message[max(0, m.start() - 3):m.start()]
        duration = re.search(r"过去|過去|近|超过|超過|这|這|每", before) is not None
        if roc and 1 <= n <= 200:
            return f"{n + 1911}年"
        if len(m.group(2)) == 3 and not duration and (month_after or 110 <= n <= 119):
            return f"{n + 1911}{m.group(3)}"
        return m.group(0)

    return _ROC_YEAR.sub(year, _ROC_SLASH.sub(slash, message))


# "2330 收盤價 5/20", "2330 close on 5/20": a month and day written with a slash and no year, the
# way Taiwan (and the US) write them, month first ("24/7" and "20/5" are left alone). Never a
# fraction ("1/2 of my shares", "賣掉1/3的持股"), a date with a year ("5/20/2025", "2025/5/20": read
# as such), a ratio or a score ("3/5%").
# (Chinese beside it is no part of the number: "台股4/9反彈多少")
_NUMERIC_MD = re.compile(r"(?<![A-Za-z0-9_/.$,-])(\d{1,2})/(\d{1,2})(?![A-Za-z0-9_/.%,])"
                         r"(?!\s*(?:of\b|的|股|張|张|lots?\b|shares?\b|[-+*/]))")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def _numeric_month_days(message: str) -> str:
    """``message`` with each yearless numeric month/day written as the words every date reader
    knows ("5/20" → "May 20", or "5月20日" in a Chinese message)."""
    if re.search(r"\b(?:split|ratio|odds|score)\b|分割|比例", message, re.I):
        return message
    zh = has_cjk(message)

    def words(m: re.Match[str]) -> str:
        mo, d = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12) or _valid(2024, mo, d) is None:  # 2024: a leap year, so 2/29 is a day
            return m.group(0)
        return f"{mo}月{d}日" if zh else f"{_MONTH_NAMES[mo - 1]} {d}"

    return _NUMERIC_MD.sub(words, message)


# "四月", "十二月", "四月七日": months and days in Chinese numerals, written in digits ("4月",
# "12月", "4月7日") so that every rule that reads 4月 reads them. Not "三個月" (a length) nor
# "第一季" (a quarter, read as such), nor the 一 of "十一月".
_ZH_NUMERAL_DATE = re.compile(r"(?<![一二三四五六七八九十两兩\d第每])(十[一二]|[一二三四五六七八九十])月(份)?"
                              r"(?:([一二三四五六七八九十]{1,3})\s*([日號号]))?")


def _zh_numeral_dates(message: str) -> str:
    def digits(m: re.Match[str]) -> str:
        day = f"{zh_number(m.group(3))}{m.group(4)}" if m.group(3) else ""
        return f"{zh_number(m.group(1))}月{m.group(2) or ''}{day}"

    return _ZH_NUMERAL_DATE.sub(digits, message)


def anchor_yearless(message: str, today: date, data_end: date | None) -> tuple[str, str | None]:
    """``message`` with a year written beside each month or day it names without one, when those
    read against ``today`` fall wholly after ``data_end`` (the store's newest bar), or when one
    is an as-of day; plus a notice.

    Why: a month with no year is the latest one on or before today, which is right for a live
    store; on a store that ends long ago ("Why did MediaTek drop in April?" asked in November of
    the next year) it names a month the store has nothing of, when the user meant the April the
    data covers. The year is then the latest that puts the month or day on or before
    ``data_end``, written into the question so that every reader of it agrees. An as-of day
    ("forecast 2330 as of March 1") gets its year on any store (the latest such day on or before
    today, or before the store's end when that is earlier), since the as-of clause reads full
    dates only.
    """
    if not message or not names_yearless_date(QUOTED.sub(" ", message)):
        return message, None  # no yearless date, or only inside a quoted headline ('classify "Q1 profit fell"')
    s = to_simplified(message).lower()
    if _explicit_dates(s)[0] or _YM.search(s) or any(1990 <= int(m.group(1) or m.group(2) or m.group(3)) <= 2100
                                                     for m in _YEAR.finditer(s)):
        return message, None  # a year is named somewhere: nothing to anchor
    period = parse_period(message, today)
    stale = (data_end is not None and period.kind in ("day", "range") and period.start is not None
             and period.start > data_end)
    as_of_day = bool(_YEARLESS_AS_OF.search(message))
    if not (stale or as_of_day) or not names_yearless_date(message):
        return message, None
    end = data_end if stale and data_end is not None else today
    inserts: list[tuple[int, str]] = []
    for m in _MD.finditer(message):
        g = m.groups()
        mo, d = _month_day(m)
        year = end.year if (mo, d) <= (end.month, end.day) else end.year - 1
        inserts.append((m.start(), f"{year}年") if g[4] else (m.end(), f", {year}" if g[0] else f" {year}"))
    if not inserts:
        for m in _MONTH_ONLY.finditer(message):
            mo = _month_of(m)
            year = end.year if mo <= end.month else end.year - 1
            inserts.append((m.start(3), f"{year}年") if m.group(3) else (m.end(), f" {year}"))
    out = message
    for at, text in sorted(inserts, reverse=True):
        out = out[:at] + text + out[at:]
    if not inserts:  # "台積電第一季漲幅": the latest first quarter the store covers
        out = _year_the_yearless(message, end)
        if out == message:
            return message, None
    as_of, _ = parse_as_of(out)
    anchored = parse_period(out, today)
    zh = answers_zh(message)
    if as_of is not None:  # "forecast 2330 as of March 1": the as-of day is what was dated
        label = as_of.isoformat()
    elif anchored.kind in ("day", "range") and anchored.start is not None and anchored.start <= end:
        label = period_label(anchored, zh)
    else:
        return message, None
    if not stale:
        return out, (f"查詢基準日以 {label} 解讀（沒有寫年份，取今天以前最近的一次）。" if zh else
                     f"The as-of date reads as {label} (no year given: the latest such day up to today).")
    return out, (f"資料庫的股價只到 {end.isoformat()}，沒有寫年份的日期以資料涵蓋的最近一次解讀：{label}；要問別的年份請寫出年份。"
                 if zh else
                 f"The store's prices end on {end.isoformat()}, so a date without a year is read as the latest "
                 f"one they cover: {label}. Name the year to ask about another.")


# "去年第四季", "今年上半年", "Q1 this year", "first half of last year": a quarter or half of a year
# named relative to today, read as that year's number.
_RELATIVE_YEAR_ZH = re.compile(r"(今年|去年|前年)\s*(?:的)?(?=\s*(?:第?\s*[1-4一二三四]\s*季|[上下]半年))")
# "去年9月", "前年十二月": a month of that year, written with digits ("2025年12月")
_RELATIVE_YEAR_MONTH_ZH = re.compile(r"(今年|去年|前年)\s*(?:的)?\s*(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月")
_RELATIVE_YEAR_EN = re.compile(r"\b(q[1-4]|h[12]|(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half)"
                               r"|january|february|march|april|june|july|august|september|october|november|december)"
                               r"\s+(?:of\s+)?(this|last) year\b")
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
# "last September", "this March" ("last may" is left alone: "may" is too often the verb)
_LAST_MONTH_NAMED = re.compile(r"\b(last|this)\s+(january|february|march|april|june|july|august|september|october|november"
                               r"|december)\b")


def _absolute_years(s: str, today: date) -> str:
    """``s`` with "去年第四季" written "2024年第四季", "去年9月" "2024年9月", "Q1 this year" "q1 2025",
    "September last year" "september 2024" and "last September" the latest September before this
    month."""
    zh = {"今年": today.year, "去年": today.year - 1, "前年": today.year - 2}
    s = _RELATIVE_YEAR_MONTH_ZH.sub(
        lambda m: f"{zh[m.group(1)]}年{int(m.group(2)) if m.group(2).isdigit() else zh_number(m.group(2))}月", s)
    s = _RELATIVE_YEAR_ZH.sub(lambda m: f"{zh[m.group(1)]}年", s)
    s = _RELATIVE_YEAR_EN.sub(lambda m: f"{m.group(1)} {today.year - (m.group(2) == 'last')}", s)

    def named(m: re.Match[str]) -> str:
        month = _MONTHS_EN.index(m.group(2)) + 1
        year = today.year if m.group(1) == "this" or month < today.month else today.year - 1
        return f"{m.group(2)} {year}"

    return _LAST_MONTH_NAMED.sub(named, s)


# A quarter or half with no year ("台積電第一季漲幅", "TSMC Q1 performance", "上半年"): the latest
# one that began on or before today, written with its year so that _quarter_or_half reads it.
_YEARLESS_QH = re.compile(
    r"(?<![\d年])(?<!年\s)(第\s*([1-4一二三四])\s*季度?|([上下])半年)"
    r"|(?<!\d)\b(q([1-4])|h([12])|(first|second|third|fourth|1st|2nd|3rd|4th)\s+(quarter|half))\b"
    r"(?!\s*(?:of\s+)?,?\s*'?\d)(?!\s+(?:of\s+)?(?:this|last|next)\s+year)", re.I)


def _yearless_start_month(m: re.Match[str]) -> int:
    """The first month of a :data:`_YEARLESS_QH` match's quarter or half."""
    if m.group(1):
        if m.group(3):
            return 1 if m.group(3) == "上" else 7
        return 3 * _ORDINAL[m.group(2)] - 2
    if m.group(5):
        return 3 * int(m.group(5)) - 2
    if m.group(6):
        return 6 * int(m.group(6)) - 5
    n = _ORDINAL[m.group(7).lower()]
    return 3 * n - 2 if m.group(8).lower() == "quarter" else 6 * n - 5


# A year written after a quarter or half, for one named before it without one ("first quarter vs
# second quarter of 2025"). English only: Chinese writes the year before its quarter (2024年第四季).
_LATER_YEAR = re.compile(r"\b(?:of|in)\s+((?:19|20)\d\d)\b")


def _year_the_yearless(s: str, ref: date) -> str:
    """``s`` with each yearless quarter or half given the year of the latest one that began on or
    before ``ref`` ("第一季" → "2025年第一季", "Q3" → "Q3 2025")."""
    def year_of(m: re.Match[str]) -> str:
        if re.search(r"(?:19|20)\d\d\s*[-年]?\s*$", s[:m.start()]):
            return m.group(0)  # "2025 Q1", "2025 第一季": the year is written (a stock code, 2330, is none)
        start = _yearless_start_month(m)
        later = _LATER_YEAR.search(s, m.end())  # "first quarter vs second quarter of 2025": 2025 serves both
        if later is not None and not m.group(1) and 1990 <= int(later.group(1)) <= ref.year:
            year = int(later.group(1))
        else:
            year = ref.year if start <= ref.month else ref.year - 1
        return f"{year}年{m.group(1)}" if m.group(1) else f"{m.group(4)} {year}"

    return _YEARLESS_QH.sub(year_of, s)


# The words and units of "a year ago", "3 months ago", "兩週前", "一年前" (slots.AGO).
_AGO_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10}
_AGO_UNITS = {"day": "day", "天": "day", "日": "day", "week": "week", "星期": "week", "周": "week", "礼拜": "week",
              "month": "month", "月": "month", "year": "year", "年": "year"}


def _ago(s: str, today: date) -> Period | None:
    """The day an "N units ago" names (a month or year back is the same day of that month, or
    its last day: a year before 2024-02-29 is 2023-02-28)."""
    m = AGO.search(s)
    if m is None:
        return None
    number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    n = _AGO_WORDS.get(number) or (int(number) if number.isdigit() else zh_number(number))
    if not n:
        return None
    kind = _AGO_UNITS[unit]
    if kind in ("day", "week"):
        day = today - timedelta(days=n * (7 if kind == "week" else 1))
    else:
        months = today.year * 12 + today.month - 1 - n * (12 if kind == "year" else 1)
        y, mo = divmod(months, 12)
        day = date(y, mo + 1, min(today.day, calendar.monthrange(y, mo + 1)[1]))
    return Period("day", day, day, label=day.isoformat())


# Two months joined into one span: "from January to March 2025", "between Jan and Mar 2025",
# "Jan-Mar 2025", "2025年1月到3月", "1至3月". Matched on simplified, lower-cased text.
_EN_MONTHS = re.compile(
    rf"(?:\b(?:from|between)\s+)?\b{_MON}(?:\s*,?\s*(\d{{4}}))?\s*(?:to|through|thru|until|till|and|-|–)\s*{_MON}(?![\w-])"
    r"(?!\s*\d{1,2}\b)(?:\s*,?\s*(\d{4}))?", re.I)
_ZH_MONTHS = re.compile(r"(?<![\d./-])(?:(\d{4})\s*年\s*)?(1[0-2]|0?[1-9])\s*月?\s*(?:到|至|~|～|-|－|—)\s*"
                        r"(?:(\d{4})\s*年\s*)?(1[0-2]|0?[1-9])\s*月(?!\s*\d{1,2}\s*[日号])")


def _month_span(s: str, today: date) -> Period | None:
    """The span from the start of one month to the end of another, when ``s`` joins two months.

    A year written on either side serves both (the first month falls in the year before when it
    comes later in the calendar: "Nov to Feb 2025"); with none, the second month is the latest
    such month up to today. English needs "from"/"between" or a year, so that "may" the verb and
    "and" between unrelated words do not make a span."""
    for m in _EN_MONTHS.finditer(s):
        text = m.group(0).lower()
        y1, y2 = m.group(2), m.group(4)
        if not (y1 or y2 or text.startswith(("from", "between"))) or (" and " in text and not text.startswith("between")):
            continue
        m1, m2 = _MONTHS[m.group(1).rstrip(".").lower()], _MONTHS[m.group(3).rstrip(".").lower()]
        return _span_of(m1, m2, int(y1) if y1 else None, int(y2) if y2 else None, today)
    if m := _ZH_MONTHS.search(s):
        m1, m2 = int(m.group(2)), int(m.group(4))
        return _span_of(m1, m2, int(m.group(1)) if m.group(1) else None, int(m.group(3)) if m.group(3) else None, today)
    return None


def _span_of(m1: int, m2: int, y1: int | None, y2: int | None, today: date) -> Period | None:
    if y2 is None:
        y2 = (y1 if m2 >= m1 else y1 + 1) if y1 is not None else (today.year if m2 <= today.month else today.year - 1)
    if y1 is None:
        y1 = y2 if m1 <= m2 else y2 - 1
    start, end = date(y1, m1, 1), _month_end(y2, m2)
    if end < start or not (1990 <= y1 <= 2100 and 1990 <= y2 <= 2100):
        return None
    return Period("range", start, end, label=f"{y1}-{m1:02d} – {y2}-{m2:02d}")


_NUM_MD = re.compile(r"(?<![\d/.-])(1[0-2]|0?[1-9])/(\d{1,2})(?![\d/])")


def _with_year_of(s: str, explicit: date, today: date) -> list[date]:
    """The days ``s`` names without a year when it also names ``explicit`` with one ("from Jan 1
    to Mar 31 2025", "2025年1月1日到3月31日"): each takes that year, moved a year back when it comes
    first in the text yet later in the calendar ("Dec 1 to Jan 31 2025"), a year on when it
    comes after it yet earlier."""
    at = next((m.start() for p in (ANY_DATE, NUM_MDY, _MDY, _DMY) for m in p.finditer(s)), 0)
    out: list[date] = []
    # "from 3/3 to 3/7/2025": a month/day written US-style beside a full date takes its year too
    numeric = [(m, (int(m.group(1)), int(m.group(2)))) for m in _NUM_MD.finditer(s)] if NUM_MDY.search(s) else []
    for m, (mo, d) in [*((m, _month_day(m)) for m in _MD.finditer(s)), *numeric]:
        day = _valid(explicit.year, mo, d)
        if day is None:
            continue
        if m.start() < at and day > explicit:
            day = _valid(explicit.year - 1, mo, d) or day
        elif m.start() > at and day < explicit:
            day = _valid(explicit.year + 1, mo, d) or day
        if day <= today:
            out.append(day)
    return out


# "how did 2330 do the week after April 7 2025?", "the month before 2025-04-07": calendar days
# after (or before) the day named, the day itself left out.
_SPAN_AROUND = re.compile(r"\b(?:the\s+)?(week|month)\s+(after|following|before|preceding)\b"
                          r"|(之后|以后|后|之前|以前|前)\s*(?:的)?\s*(?:一|1)?\s*(?:个)?\s*(周|星期|礼拜|月)")
# "2330 price at the end of March 2025", "台積電3月底收盤價": the period's last day (its last
# session when that is no trading day), not the whole period.
_BEFORE_MONTH = r"[- ]?(?=(?:in\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)"
_PART_OF_MONTH = re.compile(rf"(?P<early>\bearly{_BEFORE_MONTH}|上旬|月初)|(?P<mid>\bmid{_BEFORE_MONTH}|中旬|月中)"
                            rf"|(?P<late>\blate{_BEFORE_MONTH}|下旬)")
FIRST_OF = re.compile(r"\bfirst (?:trading |business )?(?:day|session) of\b|第一个交易日|第一天|首个交易日|首日")
_END_OF = re.compile(r"\bend of\b|\b(?:month|quarter|year)[- ]end\b|\blast (?:trading )?(?:day|session) of\b"
                     r"|月底|月末|年底|年末|季底|季末|最后一个交易日|最后一天")

# Weeks: "week of 2025-04-07" / "2025-04-07那週" is the Monday-to-Sunday week holding the day;
# "the second week of April 2025" / "2025年4月第二週" is days 8-14 of the month (week n is days
# 7n-6 to 7n, the last week the month's last seven days): a plain rule, named in the label.
_WEEK_OF = re.compile(r"\bweek of\b|(?:那|当|同)一?(?:周|星期|礼拜)")
_ORDINAL_WEEK = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                 "fifth": 5, "5th": 5, "一": 1, "1": 1, "二": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4, "五": 5, "5": 5}
_NTH_WEEK_EN = re.compile(rf"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+week\s+(?:of|in)\s+{_MON}"
                          r"(?:\s*,?\s*(\d{4}))?", re.I)
_NTH_WEEK_ZH = re.compile(r"(?:(\d{4})\s*年\s*)?(1[0-2]|0?[1-9])\s*月\s*(?:的)?\s*(?:第\s*([一二三四五1-5])|(最后一))\s*(?:个)?\s*(?:周|星期|礼拜)")


def _nth_week(s: str, today: date) -> Period | None:
    """The week of a month ``s`` names by its rank (see :data:`_WEEK_OF`)."""
    if m := _NTH_WEEK_EN.search(s):
        rank, mo, y = m.group(1).lower(), _MONTHS[m.group(2).rstrip(".").lower()], m.group(3)
    elif m := _NTH_WEEK_ZH.search(s):
        rank, mo, y = ("last" if m.group(4) else m.group(3)), int(m.group(2)), m.group(1)
    else:
        return None
    year = int(y) if y else (today.year if mo <= today.month else today.year - 1)
    end_of_month = _month_end(year, mo)
    if rank == "last":
        start, end = end_of_month - timedelta(days=6), end_of_month
    else:
        n = _ORDINAL_WEEK[rank]
        start = date(year, mo, 7 * n - 6) if 7 * n - 6 <= end_of_month.day else None
        if start is None:
            return None
        end = min(date(year, mo, min(7 * n, end_of_month.day)), end_of_month)
    return Period("range", start, end, label=f"{start.isoformat()} – {end.isoformat()}")


# A weekday: "last Friday", "on Monday", "上週五", "週一". English: the latest such day on or
# before today ("last": strictly before); Chinese 上週X is that day of the previous Monday-to-Sunday
# week, 本週X / 週X that day of this week (the week before when it has not come yet).
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_EN = re.compile(r"\b(last|this|on|past|next|coming)?\s*(" + "|".join(WEEKDAYS_EN) + r")\b")
_WEEKDAY_ZH = re.compile(r"(上|这|本|下)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天])(?![一二三四五六日天])")
_ZH_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def _weekday(s: str, today: date) -> date | None:
    """The day a weekday name in ``s`` points at, or ``None``."""
    if m := _WEEKDAY_EN.search(s):
        if m.group(1) in ("next", "coming"):  # "next Friday": the first one after today (a forecast's day)
            return today + timedelta(days=(WEEKDAYS_EN.index(m.group(2)) - today.weekday() - 1) % 7 + 1)
        back = (today.weekday() - WEEKDAYS_EN.index(m.group(2))) % 7
        return today - timedelta(days=back or (7 if m.group(1) == "last" else 0))
    if m := _WEEKDAY_ZH.search(s):
        shift = {"上": -7, "下": 7}.get(m.group(1) or "", 0)
        day = today - timedelta(days=today.weekday()) + timedelta(days=shift + _ZH_WEEKDAY_INDEX[m.group(2)])
        return day if day <= today or m.group(1) == "下" else day - timedelta(days=7)
    return None


# "YTD 2025", "2025 year to date": that year up to its last day asked (the year, not this one).
_YTD_YEAR = re.compile(r"\b(?:ytd|year[- ]to[- ]date)\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+(?:ytd|year[- ]to[- ]date)\b")


# "forecast TSMC for the rest of the month", "until the rest of the year": the end of this one
_REST_OF = re.compile(r"\b(?:rest|remainder) of (?:the|this) (week|month|quarter|year)\b")


def _parse_period(s: str, today: date) -> Period:
    s = _YTD_YEAR.sub(lambda m: f" in {m.group(1) or m.group(2)} ", _year_the_yearless(_absolute_years(s, today), today))
    dates, invalid = _explicit_dates(s)
    if len(dates) == 1:  # "from Jan 1 to Mar 31 2025": the other day takes the year written
        dates = sorted(dates + _with_year_of(s, dates[0], today))
    if not dates and invalid is None:
        dates, invalid = _yearless_dates(s, today)
    if invalid is not None and not dates:
        return Period("invalid", label=invalid)
    if len(dates) >= 2:
        a, b = sorted(dates[:2])
        return Period("range", a, b, label=f"{a.isoformat()} – {b.isoformat()}")
    if dates and (m := _SPAN_AROUND.search(s)):  # "the week after 2025-04-07": the 7 (or 30) days after it
        unit, way = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        days = 7 if unit in ("week", "周", "星期", "礼拜") else 30
        after = way in ("after", "following", "之后", "以后", "后")
        a, b = ((dates[0] + timedelta(days=1), dates[0] + timedelta(days=days)) if after else
                (dates[0] - timedelta(days=days), dates[0] - timedelta(days=1)))
        word = {7: "week", 30: "month"}[days]
        return Period("range", a, min(b, today), label=f"the {word} {'after' if after else 'before'} {dates[0].isoformat()}")
    if dates and _WEEK_OF.search(s):  # "week of 2025-04-07": its Monday to Sunday
        monday = dates[0] - timedelta(days=dates[0].weekday())
        return Period("range", monday, monday + timedelta(days=6), label=f"week of {monday.isoformat()}")
    if dates:
        return Period("day", dates[0], dates[0], label=dates[0].isoformat())
    if (span := _nth_week(s, today) or _quarter_or_half(s) or _month_span(s, today) or _ago(s, today)) is not None:
        return span
    if m := _YM.search(s):
        if m.group(1):
            y, mo = int(m.group(1)), int(m.group(2))
        else:
            y, mo = int(m.group(4)), _MONTHS[m.group(3).rstrip(".")]
        if 1 <= mo <= 12:
            return Period("range", date(y, mo, 1), _month_end(y, mo), label=f"{y}-{mo:02d}")
    for m in _YEAR.finditer(s):  # "of 2330 news in 2023": a stock code is not a year
        y = int(m.group(1) or m.group(2) or m.group(3))
        if 1990 <= y <= 2100:
            return Period("range", date(y, 1, 1), date(y, 12, 31), label=str(y))
    if (y := _bare_year(s)) is not None:  # "2330 monthly returns 2025", "TSMC 2025"
        return Period("range", date(y, 1, 1), date(y, 12, 31), label=str(y))
    if m := _MONTH_ONLY.search(s):
        mo = _month_of(m)
        y = today.year if mo <= today.month else today.year - 1
        return Period("range", date(y, mo, 1), _month_end(y, mo), label=f"{y}-{mo:02d}")
    if m := AVERAGE_VOLUME.search(s):  # "20-day average volume", "台積電5日均量": that many sessions' volume
        n = int(m.group(1) or m.group(2))
        return Period("trailing", sessions=max(1, n), label=f"the last {n} sessions")
    if m := LOOKBACK.search(s):
        return Period("trailing", sessions=max(1, lookback_days(m)), label=m.group(0).strip())
    if YOY.search(s):  # "2330 year over year", "台積電跟去年同期比": the last year of sessions
        return Period("trailing", sessions=250, label="year over year")
    if ALL_TIME.search(s):
        return Period("all", label="all-time")
    if (day := _weekday(s, today)) is not None:  # "last Friday", "上週五", "週一"
        return Period("day", day, day, label=day.isoformat())
    if m := re.search(r"\b(?:the )?day before yesterday\b|大前天|前天", s):  # calendar days, as "yesterday"
        d = today - timedelta(days=3 if m.group(0) == "大前天" else 2)
        return Period("day", d, d, label=d.isoformat())
    if re.search(r"\byesterday\b|昨天|昨日", s):
        d = today - timedelta(days=1)
        return Period("day", d, d, label="yesterday")
    # not the end of a span ("從去年到現在", "from last year to now"): its start is read below
    if re.search(r"\b(?<!to )(?<!until )(?<!till )(?:today|now|currently|current)\b|(?<![到至])(?:今天|今日|现在|目前)", s):
        return Period("day", today, today, label="today")
    monday = today - timedelta(days=today.weekday())
    if re.search(r"\blast week\b|\bprevious week\b|上周|上星期|上礼拜", s):
        return Period("range", monday - timedelta(days=7), monday - timedelta(days=1), label="last week")
    if re.search(r"\bthis week\b|本周|这周|这星期|这礼拜", s):
        return Period("range", monday, today, label="this week")
    first = today.replace(day=1)
    if re.search(r"\blast month\b|\bprevious month\b|上个月|上月", s):
        prev = first - timedelta(days=1)
        return Period("range", prev.replace(day=1), prev, label="last month")
    # "by the end of the month", "台積電年底會到多少": this month's (year's) last day, even ahead of today
    if re.search(r"\bend of (?:the|this) month\b|\bmonth[- ]end\b|(?<![\d一二三四五六七八九十])月(?:底|末)", s):
        return Period("range", first, _month_end(today.year, today.month), label="this month")
    if m := re.search(r"\byear[- ]end\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+year[- ]end\b", s):  # "year-end 2024"
        y = int(m.group(1) or m.group(2))
        return Period("range", date(y, 1, 1), date(y, 12, 31), label=str(y))
    if re.search(r"\bend of (?:the|this) year\b|\byear[- ]end\b|(?<![\d一二三四五六七八九十今去明])年(?:底|末)|今年(?:底|年底|年末)", s):
        return Period("range", date(today.year, 1, 1), date(today.year, 12, 31), label="this year")
    if re.search(r"\bthis month\b|\bmonth[- ]to[- ]date\b|\bmtd\b|\b(?:start|beginning) of (?:the|this) month\b|本月|这个月|月初(?:以来|至今)", s):
        return Period("range", first, today, label="this month")
    # "this quarter", "QTD", "本季": from the calendar quarter's first day; "上一季", "上季": the quarter before
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if re.search(r"\bthis quarter\b|\bquarter[- ]to[- ]date\b|\bqtd\b|本季(?!度)|这一?季", s):
        return Period("range", quarter, today, label="this quarter")
    if re.search(r"上一?季(?!度)|上个季度", s):
        end = quarter - timedelta(days=1)
        return Period("range", date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end, label="the previous quarter")
    if re.search(r"\blast year\b|去年", s):
        return Period("range", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), label="last year")
    # "年初買台積電到現在賺多少": the start of this year ("2024年初" and "去年年初" are other years)
    if re.search(r"\bthis year\b|\bytd\b|\byear[- ]to[- ]date\b|\b(?:start|beginning) of (?:the|this) year\b|今年|(?<![\d年])年初", s):
        return Period("range", date(today.year, 1, 1), today, label="this year")
    if re.search(r"\b(?:the\s+)?(?:past|last|previous)\s+(?:three\s+months|quarter)\b|近一季|近三个月", s) and not re.search(
            r"\b(?:last|previous)\s+quarter'?s?\s+(?:results|earnings|revenue)", s):
        # "over the past quarter": the last 63 sessions (a quarter's trading days), as "past 3 months"
        return Period("trailing", sessions=63, label=re.search(r"(?:the\s+)?(?:past|last|previous)\s+(?:three\s+months|quarter)|近一季|近三个月", s).group(0))
    # ("最近一次漲停是哪天", "the most recent limit-up": the last time it happened, whenever; no span)
    if re.search(r"\brecently\b|\blately\b|\brecent\b(?!\s+(?:time|one|occurrence))|最近(?!一次|的一次|那次)|近期|近来", s):
        return Period("trailing", sessions=5, label="recently")
    return Period("latest", label="latest")


def no_such_day(period: Period, zh: bool) -> str:
    """The answer to a date that is no day ("2025-02-30"): said, never read as "latest"."""
    return (f"日曆上沒有「{period.label}」這一天，請換一個日期再問。" if zh else
            f"There is no such day as {period.label!r} on the calendar; ask again with a real date.")


