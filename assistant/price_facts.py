"""Price facts from the store: "what did 2330 close at on 2025-03-03?", "台積電昨天收盤價多少",
"how did MediaTek do last week?", "2454 volume today".

Why a separate path inside finance QA: these questions have exact answers in the store's daily
bars (the exchange's own numbers, or the imported file's), and neither the news nor a language
model should stand between the user and them. An 8B model restating a close can only misquote it;
retrieved news rarely holds it at all. So a question about a past or present price, close, open,
high, low or volume of the companies it names is answered here, from ``Store.bars``, in the
language it was asked in, with the bars themselves on the Answer (``finqa chat --json`` prints
them under ``"prices"``; the UI charts them) and the store cited as the source. ``engine`` is
``qa:prices``: nothing was generated. The same reading (:func:`period_prices`) gives a news
question about a day ("what happened to TSMC on 2025-04-07?") that day's bar as one more source.

What is *not* a price fact, and goes on to the news: "why did TSMC fall last week?" (a reason is
asked), anything about the future (that is the forecaster's), product prices ("TSMC raises wafer
prices"), and questions naming no company.

Point in time: with an as-of date D, only bars strictly before D exist for this module, the same
rule as every retrieval (``index.retrieval``); a date asked on or after D is answered with the
last bar before D and a notice that says so.
"""
from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ingest.cjk import has_cjk
from ingest.types import Company, PriceBar

from .slots import (AGO, ANY_DATE, AS_OF_CLAUSE, BACK_REFERENCE, COMPANY_TOPIC, COMPARE_WITH, LOOKBACK, NUM_MDY,
                    lookback_days, parse_as_of, to_simplified, zh_number)
from .types import Answer, Citation, EngineRequest

log = logging.getLogger(__name__)

ENGINE = "qa:prices"
TAIPEI = ZoneInfo("Asia/Taipei")
STALE_DAYS = 7  # a bar this many calendar days older than the day asked gets a notice on how to refresh
SHARES_PER_LOT = 1000  # 1 張 = 1,000 shares: how volume is read in Taiwan

# --- what is a price question ----------------------------------------------------------------
# Matched on OpenCC-simplified, lower-cased text. Strong words ask for a price by themselves;
# weak ones ("how did X do", 表现) only together with a past period ("last week", a date).
_STRONG = re.compile(
    r"\b(?:stock|share)s? price\b|\bprice (?:of|on|at|for|today|yesterday|now|was|is|between|from|during|over|since|in|last|this|past)\b|\bprice\s*[?？]*\s*$"
    r"|['’]s price\b|\b(?:current|latest|last|closing|close|opening|open|trading) price\b|\b(?:stock|price|share) quotes?\b"
    r"|\bclos(?:e|es|ed|ing)\b(?!\s+(?:to|a|the|its|their|deal|in on|ranks)\b)|\bopened (?:at|on)\b"
    r"|\b(?:day'?s|intraday|daily) (?:high|low)\b|\b(?:high|low) (?:of|on|today|yesterday)\b|\bnew (?:high|low)s?\b"
    r"|\bturnover\b|\bvalue traded\b|\bvwap\b|\baverage (?:trade |traded |closing |close )?(?:price|close)s?\b|均价|平均价|平均收盘"
    r"|\b(?:\d+|one|a)\s*-?\s*(?:day|week|month|year)s?\s+(?:high|low|range)\b|新高|新低|高点|低点|(?:周|月|年|日|天)(?:以?来|内)?的?(?:最高|最低)"
    r"|\b(?:hit|reach|touch|ma[dk]e|set)\w*\s+(?:its|their|a|the)\s+(?:(?:\d{4}|yearly|annual|monthly|weekly|year's|month's)\s+)?(?:high|low|peak|bottom)s?\b"
    r"|\b\d{4}\s+(?:high|low)s?\b|\b(?:highest|lowest) (?:close|closing|price|level)\b"
    r"|(?<!production )(?<!sales )(?<!shipment )(?<!\bin )(?<!\bhigh[- ])\b(?:trading )?volume\b"
    r"(?!\s+(?:production|shipments?|manufacturing|orders?|sales)\b)|\bshares traded\b"
    r"|\bhow (?:is|are)\b.{0,30}\b(?:stock|shares?)\b.{0,12}\b(?:doing|performing|trading)\b|股价怎么样|股价如何"
    r"|股价|收盘|开盘|最高价|最低价|成交量|成交额|成交值|成交金额|报价|(?<!营)收在|(?<!营)收了|(?<!营)收多少|价位|价格多少|多少钱"
    # "0050現在多少", "2330現價", "台積電跌了多少"
    r"|现价|(?:现在|目前|今天)(?:是)?(?:多少|几块)(?:钱|块)?\s*[?？]?\s*$|(?<!营收)(?:涨|跌)了多少"
    # "show me the TSMC chart", 台積電K線: the UI draws the stored bars; the text gives the trend.
    r"|\b(?:price |stock |share |daily )?charts?\b|\bcandlesticks?\b|\bk\s*线|走势图|线图"
    r"|\blimit[- ](?:up|down)\b|涨停|跌停|\ball[- ]time (?:high|low)s?\b|\brecord (?:high|low)s?\b|历史(?:新)?(?:高|低)"
)
# "how much is TSMC now?", "what is 2330 trading at?": the price, unless a company figure is named.
_NOW = re.compile(r"\bhow much is\b.{0,30}\b(?:now|today|trading)\b|\btrading at\b")
_WEAK = re.compile(
    r"\bhow (?:did|has|have|was|were)\b.{0,40}\b(?:do|done|perform|performed|trade|traded|fare|fared|move|moved|go)\b"
    r"|\b(?:gain|gained|lose|lost|rise|rose|fall|fell|drop|dropped|up|down)\b.{0,12}\bhow much\b"
    r"|\bhow much\b.{0,30}\b(?:gain|gained|lose|lost|rise|rose|fall|fell|drop|dropped|up|down|move|moved)\b"
    r"|\bperformance\b|表现|涨了|跌了|涨幅|跌幅|涨多少|跌多少|走势|走得"
    r"|\bhow many (?:days|sessions|trading days)\b.{0,30}\b(?:rise|rose|fall|fell|up|down|gain|gained|drop|dropped|close|closed)\b"
    r"|\bhow many (?:up|down|green|red|positive|negative|rising|falling) (?:days|sessions)\b"
    r"|(?:涨|跌)了?(?:几|多少)天"
    # "compare 2330 and 2317 last month": with a past period, the companies' prices side by side.
    r"|\bcompar(?:e|ed|ing|ison)\b|\bvs\.?(?=\s)|\bversus\b|比较|对比|相比"
)
# A reason is asked, or the future: not a price fact (news or the forecaster answer those).
NOT_A_FACT = re.compile(
    r"\bwhy\b|\bexplain|\breasons?\b|\bcaused?\b|\bwill\b|\bgoing to\b|\bgonna\b|\btomorrow\b|\bnext\b"
    r"|\bforecast|\bpredict|\bexpect|\btarget\b|\boutlook\b|\bprice[- ]to[- ]|\bprices?\b.{0,12}\b(?:hike|rais|increas|cut|war)"
    r"|\b(?:rais|hik|cut)\w*\b.{0,20}\bprices\b"
    r"|\bin (?:a few|a couple of|a|\d+|one|two|three|four|five|ten) (?:days?|weeks?|months?|sessions?)\b"
    r"|\bcoming\b|\bahead\b|\bfrom now\b|\bsoon\b"
    r"|为什么|为何|原因|解释|明天|明日|下周|下个月|下月|未来|(?:天|日|周|星期|月)(?:之|以)?后|接下来|往后"
    r"|(?<!说)会(?!议|计)|将会|预测|预估|目标价|涨价|降价|调涨|调降"
)

QUOTED = re.compile(r"「[^」]*」|『[^』]*』|“[^”]*”|\"[^\"]*\"|«[^»]*»")

# --- periods ---------------------------------------------------------------------------------
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MDY = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON},?\s+(\d{{4}})\b", re.I)
_YM = re.compile(rf"(\d{{4}})\s*[-/年]\s*(\d{{1,2}})\s*月?(?![\d/\-.])|\b{_MON}\s+(\d{{4}})\b", re.I)
# A month with no year ("TSMC in April", "台積電4月股價"): the latest such month up to today.
_MONTH_ONLY = re.compile(rf"\b(?:in|during|for|of|since|from)\s+{_MON}(?![\w-])(?!\s*\d)|(?<![\d年./\-近前去])(1[0-2]|0?[1-9])\s*月(?!\s*\d{{1,2}}\s*[日号])", re.I)
_YEAR = re.compile(r"\b(?:in|during|for|of)\s+(\d{4})\b|(\d{4})\s*年(?!\s*\d)"
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
# "all-time high", 歷史新高: the whole stored history.
_ALL_TIME = re.compile(r"\ball[- ]time\b|\bever\b|\brecord (?:high|low)|历史(?:新)?(?:高|低)|史上(?:最)?(?:高|低)|上市以来")


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


PERIOD_LABELS_ZH = {"all-time": "有史以來（資料庫中）", "today": "今天", "yesterday": "昨天", "last week": "上週", "this week": "本週",
                    "last month": "上個月", "this month": "本月", "last year": "去年", "this year": "今年", "recently": "最近"}


def period_label(period: Period, zh: bool) -> str:
    """How the answer names the period asked about, in the answer's language."""
    if period.kind == "trailing":
        n = period.sessions or 1
        return f"最近 {n} 個交易日" if zh else f"the last {n} trading day{'s' if n != 1 else ''}"
    if zh and period.label.startswith("since "):
        return f"{period.label[6:]} 以來"
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


def is_price_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks for a past or present price fact about the company ``code``."""
    if not code or not message:
        return False
    # Quoted text is a headline to classify or discuss, not the question ("「台積電營收創新高」").
    s = QUOTED.sub(" ", to_simplified(message).lower())
    if NOT_A_FACT.search(s):
        return False
    if (_STRONG.search(s) or _DAILY.search(s) or _GAPS.search(s) or _BY_MONTH.search(s) or _BY_WEEK.search(s)
            or names_only_a_period(message)
            or names_only_companies(message)):
        return True
    if _NOW.search(s) and not COMPANY_TOPIC.search(s):  # not "how much is TSMC's market cap now?"
        return True
    # "How did TSMC's revenue do last year?" asks about the business, not the share price.
    return bool(_WEAK.search(s)) and not COMPANY_TOPIC.search(s) and parse_period(message, date.today()).kind != "latest"


# Words a terse question may carry beside a company and a period ("TSMC in March", "2330 股價
# 上週") that ask nothing else; on Simplified, lower-case text.
_PERIOD_WORDS = re.compile(
    r"\b(?:yesterday|today|now|currently|current|last|previous|this|past|week|month|year|ytd|year[- ]to[- ]date"
    r"|recently|lately|recent)\b|昨天|昨日|今天|今日|现在|目前|上周|上星期|上礼拜|本周|这周|这星期|这礼拜|上个月|上月|本月"
    r"|这个月|去年|今年|最近|近期|近来")
_FILLER = re.compile(r"\b(?:in|on|for|during|over|the|of|at|from|to|and|stock|stocks|shares?|prices?|since|start|"
                     r"beginning|so far)\b|以来|至今|迄今|[的呢吗在股票价格]")


def names_only_a_period(message: str) -> bool:
    """Whether ``message`` is a company and a period and nothing else ("TSMC last week", "2330
    2025-04", "台積電 上週"): the terse way of asking how the stock did then."""
    from ingest.companies import get_directory

    rest = to_simplified(get_directory().without_mentions(message)).lower()
    if parse_period(rest, date.today()).kind == "latest":
        return False
    for pattern in (LOOKBACK, _ALL_TIME, _PERIOD_WORDS, _FILLER):
        rest = pattern.sub(" ", strip_dates(rest))
    return not re.sub(r"[\W_]+", "", rest)


_COMPARE_FILLER = re.compile(r"\b(?:vs|versus|v|compare[ds]?|comparison|with|and|or|against)\b|[比较对和跟与还是及、]")
# "Which is better, 2330 or 2454?", "台積電和聯發科哪個好": the same comparison, and no pick.
_WHICH_BETTER = re.compile(r"\b(?:which|what)(?: one| stock)?(?: is|'s| was)? (?:the )?(?:better|best|stronger)(?: buy| stock| pick| choice| investment)?\b"
                           r"|\bbetter (?:buy|pick|choice|investment)\b|哪(?:一)?(?:个|支|只|档|家)?(?:比较|更)?(?:好|强|值得买)")


def asks_which_is_better(message: str) -> bool:
    """Whether ``message`` asks finqa to pick between companies ("which is better, 2330 or 2454?")."""
    return bool(_WHICH_BETTER.search(to_simplified(message).lower()))


def no_verdict(zh: bool) -> str:
    """What finqa says to a buy, sell or "which is better" question after the facts it can give."""
    return ("finqa 不替你決定買或賣：它的預測在回測中並未穩定勝過「永遠看漲」、動能、反轉與隨機漫步這類簡單基準"
            "（數字見 README），以上是資料顯示的事實，決定請自行判斷並考量自身風險。" if zh else
            "finqa does not tell you whether to buy or sell, or which to pick: its forecasts do not reliably beat trivial "
            "baselines such as always-rise, momentum, reversal and a random walk (the numbers are in the README). "
            "These are the facts the data shows; the decision, and its risk, are yours.")


def names_only_companies(message: str) -> bool:
    """Whether ``message`` names two or more companies and nothing else ("2330 vs 2454", "台積電
    跟聯發科比較"): a comparison of how they are doing, from the store."""
    from ingest.companies import get_directory

    directory = get_directory()
    rest = to_simplified(directory.without_mentions(message)).lower()
    # "compare it with 2454", "compare with MediaTek", "跟聯發科比呢": the pronoun, or the
    # comparison itself, brings in the conversation's company (slots.parse_slots).
    implied = bool(BACK_REFERENCE.search(rest) or COMPARE_WITH.search(to_simplified(message).lower()))
    if len(directory.find_in_text(message)) + implied < 2:
        return False
    rest = _FILLER.sub(" ", _COMPARE_FILLER.sub(" ", BACK_REFERENCE.sub(" ", _WHICH_BETTER.sub(" ", rest))))
    return not re.sub(r"[\W_]+", "", rest)


def price_question_of(message: str, answer: Answer, previous: str | None) -> str | None:
    """What a chat session remembers after ``answer``: the question that defines the period of
    the last price answer (for follow-ups), or ``None`` once another kind of answer came."""
    from .overview import ENGINE as OVERVIEW, is_overview_question

    if answer.engine == OVERVIEW:  # "and 2454?" next asks 2454's overview
        return message if is_overview_question(message, answer.code) else (previous or message)
    if answer.engine != ENGINE:
        return None
    if previous and day_shift(message) and answer.bars and parse_period(message, date.today()).kind == "latest":
        # "and the next day?": the question now asks about the day it moved to, so that another
        # "and the next day?" moves on from there.
        return f"{strip_dates(previous)} on {answer.bars[-1].date.isoformat()}"
    if answer.ranking:  # a ranking is remembered by the ranking question, not by "and last week?"
        from .movers import is_ranking_question

        if is_ranking_question(message) or not previous:
            return message
        # "and in February?": the ranking asked, in the period now named (the period first, so
        # that it is the one parse_period finds; "and 2454?" next asks 2454's February).
        return f"{message} {previous}" if parse_period(message, date.today()).kind != "latest" else previous
    from .risk import is_risk_question
    from .technicals import is_indicator_question

    if is_indicator_question(message, answer.code) or is_risk_question(message, answer.code):
        return message
    if is_price_question(message, answer.code) or parse_period(message, date.today()).kind != "latest":
        # "what about 2025-04-07?" after an indicator (or drawdown...) question keeps asking for it.
        if (previous and (is_indicator_question(previous, answer.code) or is_risk_question(previous, answer.code))
                and not is_price_question(message, answer.code)):
            return f"{message} {previous}"
        return message
    return previous


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
    for pattern in (_NTH_WEEK_EN, _NTH_WEEK_ZH, ANY_DATE, NUM_MDY, _MDY, _DMY, _QUARTER, _HALF, _EN_MONTHS, _ZH_MONTHS, AGO, _YM, _YEAR, _MD, _MONTH_ONLY):
        out = pattern.sub(" ", out)
    return re.sub(r"\s{2,}", " ", out).strip()


# "since 2024-09-02", "since April", "2025年以來", "從3月至今": from that day (or the start of that
# month, quarter, year) up to today, not that day alone.
_SINCE = re.compile(r"\bsince\b|以来|至今|迄今|到现在|到今天|到目前")


def parse_period(message: str, today: date) -> Period:
    """The period ``message`` asks about, relative to ``today`` (the user's day, or the as-of day)."""
    s = AS_OF_CLAUSE.sub(" ", to_simplified(message).lower())
    period = _parse_period(s, today)
    if (period.kind in ("day", "range") and period.start is not None and period.end is not None
            and period.end < today and _SINCE.search(s) and len(_explicit_dates(s)[0] or _yearless_dates(s, today)[0]) < 2):
        return Period("range", period.start, today, label=f"since {period.start.isoformat()}")
    return period


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
    """The month of a :data:`_MONTH_ONLY` match ("in April", "4月")."""
    return _MONTHS[m.group(1).rstrip(".").lower()] if m.group(1) else int(m.group(2))


def names_yearless_date(message: str) -> bool:
    """Whether ``message`` names a month or a day without a year ("in April", "4月7日")."""
    return bool(_MD.search(message) or _MONTH_ONLY.search(message))


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
    if not message:
        return message, None
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
            inserts.append((m.start(2), f"{year}年") if m.group(2) else (m.end(), f" {year}"))
    if not inserts:
        return message, None
    out = message
    for at, text in sorted(inserts, reverse=True):
        out = out[:at] + text + out[at:]
    as_of, _ = parse_as_of(out)
    anchored = parse_period(out, today)
    zh = has_cjk(message)
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
_RELATIVE_YEAR_EN = re.compile(r"\b(q[1-4]|h[12]|(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half))"
                               r"\s+(?:of\s+)?(this|last) year\b")


def _absolute_years(s: str, today: date) -> str:
    """``s`` with "去年第四季" written "2024年第四季" and "Q1 this year" "q1 2025"."""
    zh = {"今年": today.year, "去年": today.year - 1, "前年": today.year - 2}
    s = _RELATIVE_YEAR_ZH.sub(lambda m: f"{zh[m.group(1)]}年", s)
    return _RELATIVE_YEAR_EN.sub(lambda m: f"{m.group(1)} {today.year - (m.group(2) == 'last')}", s)


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


def _with_year_of(s: str, explicit: date, today: date) -> list[date]:
    """The days ``s`` names without a year when it also names ``explicit`` with one ("from Jan 1
    to Mar 31 2025", "2025年1月1日到3月31日"): each takes that year, moved a year back when it comes
    first in the text yet later in the calendar ("Dec 1 to Jan 31 2025"), a year on when it
    comes after it yet earlier."""
    at = next((m.start() for p in (ANY_DATE, NUM_MDY, _MDY, _DMY) for m in p.finditer(s)), 0)
    out: list[date] = []
    for m in _MD.finditer(s):
        mo, d = _month_day(m)
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


# "YTD 2025", "2025 year to date": that year up to its last day asked (the year, not this one).
_YTD_YEAR = re.compile(r"\b(?:ytd|year[- ]to[- ]date)\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+(?:ytd|year[- ]to[- ]date)\b")


def _parse_period(s: str, today: date) -> Period:
    s = _YTD_YEAR.sub(lambda m: f" in {m.group(1) or m.group(2)} ", _absolute_years(s, today))
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
    if m := _MONTH_ONLY.search(s):
        mo = _month_of(m)
        y = today.year if mo <= today.month else today.year - 1
        return Period("range", date(y, mo, 1), _month_end(y, mo), label=f"{y}-{mo:02d}")
    if m := LOOKBACK.search(s):
        return Period("trailing", sessions=max(1, lookback_days(m)), label=m.group(0).strip())
    if _ALL_TIME.search(s):
        return Period("all", label="all-time")
    if re.search(r"\byesterday\b|昨天|昨日", s):
        d = today - timedelta(days=1)
        return Period("day", d, d, label="yesterday")
    if re.search(r"\b(?:today|now|currently|current)\b|今天|今日|现在|目前", s):
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
    if re.search(r"\bthis month\b|本月|这个月", s):
        return Period("range", first, today, label="this month")
    if re.search(r"\blast year\b|去年", s):
        return Period("range", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), label="last year")
    if re.search(r"\bthis year\b|\bytd\b|\byear[- ]to[- ]date\b|今年", s):
        return Period("range", date(today.year, 1, 1), today, label="this year")
    if re.search(r"\b(?:the\s+)?(?:past|last|previous)\s+(?:three\s+months|quarter)\b|近一季|近三个月", s) and not re.search(
            r"\b(?:last|previous)\s+quarter'?s?\s+(?:results|earnings|revenue)", s):
        # "over the past quarter": the last 63 sessions (a quarter's trading days), as "past 3 months"
        return Period("trailing", sessions=63, label=re.search(r"(?:the\s+)?(?:past|last|previous)\s+(?:three\s+months|quarter)|近一季|近三个月", s).group(0))
    if re.search(r"\brecently\b|\blately\b|\brecent\b|最近|近期|近来", s):
        return Period("trailing", sessions=5, label="recently")
    return Period("latest", label="latest")


# --- records: the highest and lowest closes, new highs, limit days ------------------------------
# On simplified, lower-cased text.
_EXTREME_CLOSE = re.compile(
    r"\b(?:highest|lowest|max(?:imum)?|min(?:imum)?|peak|top|bottom|record|best|worst)\s+clos(?:e|ing)(?:\s+price)?s?\b"
    r"|\bclos(?:e|ing)\s+(?:high|low)s?\b|最高收盘|最低收盘|收盘(?:价)?(?:的)?(?:最高|最低)")
_NEW_HIGH = re.compile(
    r"\bnew (?:highs?|lows?|peaks?)\b|\brecord (?:high|low)s?\b|\ball[- ]time (?:high|low)s?\b"
    r"|\b(?:hit|reach|reached|make|made|set|at)\s+(?:a\s+)?(?:new\s+)?(?:high|low|peak)\b|新高|新低|历史(?:新)?(?:高|低)"
    r"|\b(?:\d+|one|a)\s*-?\s*(?:day|week|month|year)s?\s+(?:high|low)s?\b")
_LIMIT_DAYS = re.compile(r"\blimit[- ](?:up|down)\b|涨停|跌停")
# Days that opened beyond the previous day's range: "2330 gap up days", "台積電跳空缺口".
_GAPS = re.compile(r"\bgap(?:s|ped)?\s*-?\s*(?:up|down)s?\b|\bgaps\b|\bgap days?\b|跳空|缺口")


# "list 2330 closes in the last 5 days", "台積電上週每天收盤價", "2330 daily returns in April 2025".
_DAILY = re.compile(r"\b(?:each|every|per)\s+(?:trading\s+)?day\b|\bdaily\s+(?:closes?|closing prices?|prices?|returns?|changes?|moves?|bars?)\b"
                    r"|\blist\b.{0,30}\b(?:closes?|prices?|returns?)\b|\bday[- ]by[- ]day\b|每天|每日|逐日|每一天|各天|每个交易日")
DAILY_MAX = 60  # sessions listed one per line; a longer span lists its last ones


# "2330 monthly returns in 2025", "台積電每月漲跌", "what was 2330's best month?"; the same by week.
_BY_MONTH = re.compile(r"\bmonthly\s+(?:returns?|closes?|changes?|performance|moves?|gains?)\b|\b(?:each|every|per|by)\s+month\b"
                       r"|\bmonth[- ]by[- ]month\b|\b(?:best|worst)\s+months?\b|每月|每个月|逐月|各月|哪个月|哪一个月")
_BY_WEEK = re.compile(r"\bweekly\s+(?:returns?|closes?|changes?|performance|moves?|gains?)\b|\b(?:each|every|per|by)\s+week\b"
                      r"|\bweek[- ]by[- ]week\b|\b(?:best|worst)\s+weeks?\b|每周|每个星期|逐周|各周|哪一?周")


def asks_periodic(message: str) -> str | None:
    """"M" when ``message`` asks for a span month by month, "W" week by week, else ``None``."""
    s = QUOTED.sub(" ", to_simplified(message or "").lower())
    return "M" if _BY_MONTH.search(s) else "W" if _BY_WEEK.search(s) else None


def _periodic_text(bars: list[PriceBar], prev: PriceBar | None, freq: str, zh: bool) -> str:
    """One line per calendar month (or Monday-to-Sunday week): its last close and the change from
    the close that ended the month (week) before, then the best and the worst of them."""
    rows: list[tuple[str, PriceBar]] = []  # (label, the last bar of the month or week)
    for b in bars:
        key = (b.date.strftime("%Y-%m") if freq == "M" else
               (b.date - timedelta(days=b.date.weekday())).isoformat())
        if rows and rows[-1][0] == key:
            rows[-1] = (key, b)
        else:
            rows.append((key, b))
    if len(rows) < 2 and prev is None:
        return ""
    lines, changes = [], []
    base = prev.close if prev is not None else None
    for key, b in rows:
        change = b.close / base - 1 if base else None
        if change is not None:
            changes.append((key, change))
        name = key if freq == "M" else (f"{key} 當週" if zh else f"week of {key}")
        lines.append(f"- {name}：收盤 {fmt_price(b.close)}" + (f"（{change:+.2%}）" if change is not None else "") if zh else
                     f"- {name}: close {fmt_price(b.close)}" + (f" ({change:+.2%})" if change is not None else ""))
        base = b.close
    text = "\n\n" + "\n".join(lines)
    if len(changes) > 1:
        best, worst = max(changes, key=lambda t: t[1]), min(changes, key=lambda t: t[1])
        unit_zh, unit = ("月", "month") if freq == "M" else ("週", "week")
        text += (f"\n\n表現最好的{unit_zh}：{best[0]}（{best[1]:+.2%}）；最差的{unit_zh}：{worst[0]}（{worst[1]:+.2%}）。" if zh else
                 f"\n\nBest {unit}: {best[0]} ({best[1]:+.2%}); worst {unit}: {worst[0]} ({worst[1]:+.2%}).")
    return text


# "2330 average price in April 2025", "台積電4月均價": the span's mean close and its VWAP.
_AVERAGE = re.compile(r"\baverage\s+(?:closing\s+|close\s+|trade\s+|traded\s+)?(?:price|close)s?\b|\bmean (?:price|close)\b"
                      r"|均价|平均价|平均收盘|平均股价")


def _average_text(bars: list[PriceBar], zh: bool) -> str:
    """The span's mean close and, when every day has its value traded, the volume-weighted
    average price (total value / total shares)."""
    mean = sum(b.close for b in bars) / len(bars)
    shares = sum(b.volume or 0.0 for b in bars)
    value = sum(b.turnover or 0.0 for b in bars) if all(b.turnover and b.volume for b in bars) else None
    value = _consistent_value(value, shares, min(b.low if b.low is not None else b.close for b in bars),
                              max(b.high if b.high is not None else b.close for b in bars))
    if zh:
        return f"期間平均收盤 {fmt_price(mean)}" + (f"、成交量加權均價 {fmt_price(value / shares)}" if value else "") + "。"
    return f"Average close {fmt_price(mean)}" + (f"; volume-weighted average price {fmt_price(value / shares)}" if value else "") + "."


def asks_daily(message: str) -> bool:
    """Whether ``message`` asks for the span day by day ("daily closes", "每天收盤價")."""
    return bool(_DAILY.search(QUOTED.sub(" ", to_simplified(message or "").lower())))


def _daily_text(bars: list[PriceBar], prev: PriceBar | None, zh: bool) -> str:
    """One line per session: the close and its change from the close before (the span's last
    :data:`DAILY_MAX` sessions when it is longer)."""
    shown = bars[-DAILY_MAX:]
    before = [prev, *bars[:-1]][-len(shown):]
    lines = [f"- {b.date.isoformat()}（週{_WEEKDAY_ZH[b.date.weekday()]}）收盤 {fmt_price(b.close)}" if zh else
             f"- {b.date.isoformat()} ({b.date:%a}) close {fmt_price(b.close)}" for b in shown]
    lines = [line + (f"（{_pct(p.close, b.close)}{limit_note(b.code, p.close, b.close, True).replace('（', '，').rstrip('）')}）"
                     if zh else f" ({_pct(p.close, b.close)}{limit_note(b.code, p.close, b.close, False)})")
             if p is not None else line for line, b, p in zip(lines, shown, before)]
    head = ("" if len(shown) == len(bars) else
            (f"（共 {len(bars)} 個交易日，列出最後 {len(shown)} 個）" if zh else f"(the last {len(shown)} of {len(bars)} sessions)"))
    return "\n\n" + (head + "\n" if head else "") + "\n".join(lines)


def asks_records(message: str) -> bool:
    """Whether ``message`` asks for the highest or lowest close, a new high or low, or the days
    that closed limit up or down: with no period named, the whole stored history."""
    s = QUOTED.sub(" ", to_simplified(message).lower())
    return bool(_EXTREME_CLOSE.search(s) or _NEW_HIGH.search(s) or _LIMIT_DAYS.search(s) or _GAPS.search(s))


def asks_new_extreme(message: str) -> str | None:
    """"high" or "low" when ``message`` asks about a new (or record) high or low ("will TSMC hit a
    new high?", "台積電創新低了嗎"), else ``None``."""
    s = QUOTED.sub(" ", to_simplified(message or "").lower())
    if not _NEW_HIGH.search(s):
        return None
    return "low" if _LOW_WORDS.search(s) and not _HIGH_WORDS.search(s) else "high"


_LOW_WORDS = re.compile(r"\blow|最低|新低|历史(?:新)?低")
_HIGH_WORDS = re.compile(r"\bhigh|\bpeak|最高|新高|历史(?:新)?高")


def _records_text(code: str, bars: list[PriceBar], prev: PriceBar | None, asked: str, zh: bool) -> str:
    """The sentences a record question asks for, over ``bars`` (``prev`` is the close before
    them): the highest and lowest close and whether the last one is a new high (or low), the
    days that closed at the limit, the days that opened beyond the previous day's range."""
    s = QUOTED.sub(" ", to_simplified(asked).lower())
    if not bars:
        return ""
    out: list[str] = []
    if _EXTREME_CLOSE.search(s) or _NEW_HIGH.search(s):
        out.extend(_extremes(bars, s, zh))
    pairs = list(zip([prev, *bars[:-1]], bars))  # (the session before, the session)
    if _LIMIT_DAYS.search(s):
        out.append(_limit_days(code, pairs, zh))
    if _GAPS.search(s):
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
        gap = _pct(ref.close, last.close)
        out.append(f"最後收盤 {fmt_price(last.close)}（{last.date.isoformat()}）距離最{word_zh}收盤 {gap}：沒有創新{word_zh}。" if zh else
                   f"The last close, {fmt_price(last.close)} on {last.date.isoformat()}, is {gap} from that {word}est close: "
                   f"no new {word}.")
    return out


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


def _gap_days(pairs: list[tuple[PriceBar | None, PriceBar]], zh: bool) -> str:
    """The sessions that opened above the previous day's high (gap up) or below its low (gap down)."""
    ups = [b.date for a, b in pairs if a is not None and b.open is not None and a.high is not None and b.open > a.high]
    downs = [b.date for a, b in pairs if a is not None and b.open is not None and a.low is not None and b.open < a.low]
    if zh:
        return (f"跳空上漲（開盤高於前一日最高價）{len(ups)} 天" + (f"（{_recent_dates(ups, zh)}）" if ups else "")
                + f"，跳空下跌（開盤低於前一日最低價）{len(downs)} 天" + (f"（{_recent_dates(downs, zh)}）" if downs else "") + "。")
    return (f"Gapped up (opened above the previous day's high) on {len(ups)} day{'s' if len(ups) != 1 else ''}"
            + (f" ({_recent_dates(ups, zh)})" if ups else "")
            + f" and gapped down (opened below its low) on {len(downs)}" + (f" ({_recent_dates(downs, zh)})" if downs else "") + ".")


# --- answering -------------------------------------------------------------------------------
def bar_of(code: str, day: Any, row: Any) -> PriceBar:
    """One stored row as the ``PriceBar`` that crosses module lines (NaN read as ``None``)."""
    def num(v: Any) -> float | None:
        return None if v is None or pd.isna(v) else float(v)

    return PriceBar(code=code, date=pd.Timestamp(day).date(), open=num(row["open"]), high=num(row["high"]),
                    low=num(row["low"]), close=float(row["close"]), volume=num(row["volume"]),
                    turnover=num(row.get("turnover")), source=str(row.get("source") or "store"))


def fmt_price(x: float | None) -> str:
    """A price as every answer writes it: two decimals, thousands separated, "–" for none."""
    return "–" if x is None else f"{x:,.2f}"


def _pct(a: float, b: float) -> str:
    return f"{(b / a - 1):+.2%}" if a else "–"


_WEEKDAY_ZH = "一二三四五六日"


def _day(d: date, zh: bool) -> str:
    return f"{d.isoformat()}（週{_WEEKDAY_ZH[d.weekday()]}）" if zh else f"{d.isoformat()} ({d:%A})"


def _volume(v: float | None, zh: bool, value: float | None = None, lots: bool = False) -> str:
    """Shares traded (張 too in Chinese, and in English when ``lots`` were asked for) and, when the
    source gave it, the value traded (成交值) and the average price it implies (value / shares:
    the day's VWAP)."""
    if v is None:
        return ""
    vwap = value / v if value and v else None
    if zh:
        text = f"成交 {v / SHARES_PER_LOT:,.0f} 張（{v:,.0f} 股）"
        return text + (f"，成交值 {_yi(value)}、均價 {fmt_price(vwap)}" if vwap else "")
    text = f"{v:,.0f} shares ({v / SHARES_PER_LOT:,.0f} lots) traded" if lots else f"{v:,.0f} shares traded"
    return text + (f" (NT${value:,.0f}, an average price of {fmt_price(vwap)})" if vwap and value else "")


def _yi(value: float) -> str:
    """NT$ the way Taiwan reads a large sum: 億 (10^8) or 萬 (10^4)."""
    return f"{value / 1e8:,.2f} 億元" if value >= 1e8 else f"{value / 1e4:,.1f} 萬元"


def company_of(code: str) -> Company | None:
    """The directory's company for ``code``, ``None`` for codes it does not know."""
    from ingest.companies import get_directory

    return get_directory().get(code)


def is_taiwan(code: str) -> bool:
    """Whether ``code`` is a TWSE/TPEx company: the universe of rankings and group answers (US
    symbols imported for the ACL18 evaluation share the store). A code the directory does not
    know counts when it is shaped like a Taiwan code, so a newly listed company is not dropped."""
    company = company_of(code)
    if company is not None:
        return company.market in ("TWSE", "TPEx")
    return code[:4].isdigit()


def company_label(code: str, company: Company | None, zh: bool) -> str:
    """How answers name a company: "2330 台積電" in Chinese, "2330 TSMC (台積電)" in English."""
    if company is None:
        return code
    if zh:
        return f"{code} {company.name_zh}"
    return f"{code} {company.name_en or company.name_zh}" + (f" ({company.name_zh})" if company.name_en else "")


def source_name(bars: list[PriceBar]) -> str:
    """Where the bars came from, for a citation: "TWSE", "TPEx" or the import's name."""
    names = {"twse": "TWSE", "tpex": "TPEx"}
    return ", ".join(dict.fromkeys(names.get(b.source.lower(), b.source) for b in bars))


def _why_missing(market: str, d: date, zh: bool) -> str:
    from ingest.calendar import is_session

    if d.weekday() >= 5:
        return "週末不交易" if zh else "a weekend: no trading"
    if not is_session(market, d):
        return "休市日" if zh else "a market holiday"
    return "資料庫裡沒有這一天的資料" if zh else "not in the store"


def no_such_day(period: Period, zh: bool) -> str:
    """The answer to a date that is no day ("2025-02-30"): said, never read as "latest"."""
    return (f"日曆上沒有「{period.label}」這一天，請換一個日期再問。" if zh else
            f"There is no such day as {period.label!r} on the calendar; ask again with a real date.")


def stale_notice(label: str, code: str, newest: date, asked: date, zh: bool) -> str:
    """The store's newest bar of ``code`` is far older than the day asked: say how old, and how to
    fetch newer bars."""
    age = (asked - newest).days
    return (f"{label} 的股價資料只到 {newest.isoformat()}（比 {asked.isoformat()} 早 {age} 天）："
            f"執行 `finqa ingest prices {code}` 取得更新資料。" if zh else
            f"The newest stored bar for {label} is {newest.isoformat()}, {age} days before "
            f"{asked.isoformat()}: `finqa ingest prices {code}` fetches newer ones.")


# "2330 price in USD", "台積電股價換成美元": finqa quotes the exchange's NT$ and converts nothing.
_OTHER_CURRENCY = re.compile(r"\busd\b|\bus\s*\$|\bus dollars?\b|\bin dollars\b|美元|美金")


def price_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The answer from the store's bars, or ``None`` when ``req`` is not a price question."""
    code = req.code
    asked = req.message
    if not is_price_question(req.message, code):
        if not (req.follows_price_question and code):
            return None
        # A follow-up ("and 2454?", "what about last week?"): its own period if it names one,
        # else the period of the question it follows.
        if parse_period(req.message, date.today()).kind == "latest":
            asked = req.follows_price_question
    zh = has_cjk(req.message)
    # The user's "today" is the as-of day when one is set (its own bar is not visible: strictly
    # before), else today in Taipei.
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    period = parse_period(asked, ref)
    if (period.kind == "latest" and req.follows_price_question
            and COMPARE_WITH.search(to_simplified(req.message).lower())):
        period = parse_period(req.follows_price_question, ref)  # "compare with 2454" keeps April's span
    if asked is not req.message and code:  # "and the next day?" after a day's price
        period = shifted_day(store, code, period, day_shift(req.message), ref - timedelta(days=1) if req.as_of else ref)
    if period.label == "today":
        period = Period("latest", label="today")
    elif period.kind == "latest" and (asks_records(asked) or asks_periodic(asked)):  # "2330's highest close": all it holds
        period = Period("all", label="all-time")
    notices = list(req.notices)
    if _OTHER_CURRENCY.search(to_simplified(req.message).lower()):
        notices.append("價格以新台幣（NT$）計，即交易所的報價；finqa 不儲存匯率，因此不換算成美元。" if zh else
                       "Prices are in NT$, as the exchange quotes them; finqa stores no exchange rates, so it does not "
                       "convert them to US$.")
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, code=code, answer=no_such_day(period, zh))
    # Every company the message names ("compare TSMC and MediaTek in April"), the first first.
    codes = list(dict.fromkeys(c for c in [code, *req.codes] if c))
    parts: list[str] = []
    citations: list[Citation] = []
    bars: list[PriceBar] = []
    changes: list[tuple[str, float]] = []
    for c in codes:
        reading = read_prices(store, c, period, ref=ref, as_of=req.as_of, zh=zh, notices=notices, asked=asked)
        if not reading.bars:
            parts.append(reading.text)
            continue
        citations.append(Citation(n=len(citations) + 1, title=reading.title, source=reading.source,
                                  date=reading.bars[-1].date.isoformat(), url=None))
        parts.append(f"{reading.text} [{len(citations)}]")
        bars.extend(reading.bars)
        if reading.change is not None:
            changes.append((c, reading.change))
    if len(changes) > 1:
        ranked = sorted(changes, key=lambda t: -t[1])
        when = ("（最近一個交易日）" if zh else " (the last trading day)") if period.kind == "latest" else ""
        parts.append(("比較" + when + "：" if zh else "Side by side" + when + ": ") + ("、" if zh else ", ").join(
            f"{c} {x:+.2%}" for c, x in ranked) + ("。" if zh else "."))
        if period.kind == "latest":
            # "2330 vs 2454": one day says little; the last 20 sessions side by side too.
            month = _trailing_changes(store, [c for c, _ in changes], TREND_SESSIONS[1], ref, req.as_of)
            if len(month) > 1:
                n = TREND_SESSIONS[1]
                parts.append((f"近 {n} 個交易日：" if zh else f"Over the last {n} trading days: ") + ("、" if zh else ", ").join(
                    f"{c} {x:+.2%}" for c, x in sorted(month, key=lambda t: -t[1])) + ("。" if zh else "."))
    if bars:
        parts.append("（數字直接取自 finqa 的股價資料庫，未經語言模型。）" if zh else
                     "(Figures straight from finqa's price store; no language model was involved.)")
    if len(codes) > 1 and asks_which_is_better(req.message):
        parts.append(no_verdict(zh))
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=citations,
                  notices=notices, code=code, bars=bars)


def _trailing_changes(store: Any, codes: list[str], sessions: int, ref: date,
                      as_of: date | None) -> list[tuple[str, float]]:
    """Each company's change over its last ``sessions`` stored sessions (point in time, like
    :func:`read_prices`); companies with a shorter history are left out."""
    visible = ref - timedelta(days=1) if as_of else ref
    out = []
    for code in codes:
        closes = store.bars(code, end=visible)["close"]
        if len(closes) > sessions:
            out.append((code, float(closes.iloc[-1]) / float(closes.iloc[-sessions - 1]) - 1))
    return out


@dataclass
class PriceReading:
    """What the store says about one company over a period: the sentence, the bars it read (none
    when there were none to read), and how to cite them."""

    text: str
    bars: list[PriceBar]
    title: str = ""
    source: str = ""
    change: float | None = None  # last close against the close before the period (or its first)


def period_prices(store: Any, code: str, message: str, *, as_of: date | None = None,
                  today: date | None = None, notices: list[str] | None = None) -> PriceReading | None:
    """The bars of the day or dates ``message`` names ("what happened to TSMC on 2025-04-07?"), for
    an answer from the news to show beside them; ``None`` when it names no day or range, or the
    store has no bar for it."""
    ref = as_of or today or datetime.now(TAIPEI).date()
    period = parse_period(message, ref)
    if period.kind not in ("day", "range"):
        return None
    reading = read_prices(store, code, period, ref=ref, as_of=as_of, zh=has_cjk(message),
                          notices=notices if notices is not None else [])
    if not reading.bars or (period.start is not None and (period.start - reading.bars[-1].date).days > STALE_DAYS):
        return None  # a bar from months before the day asked is not that day's (the stale notice says why)
    return reading


def read_prices(store: Any, code: str, period: Period, *, ref: date, as_of: date | None, zh: bool,
                notices: list[str], asked: str = "") -> PriceReading:
    """Read ``period`` of ``code`` from the store, point in time: with ``as_of`` only bars strictly
    before it. Appends what the reader should know (a weekend, stale data) to ``notices``. A span
    read for a record question (``asked``: the highest close, a new high, limit days) says what
    it asked after the span's summary."""
    visible = ref - timedelta(days=1) if as_of else ref
    company = company_of(code)
    label = company_label(code, company, zh)
    all_bars = store.bars(code, end=visible)
    if all_bars.empty:
        if as_of is not None and store.last_bar_date(code) is not None:
            text = (f"{label} 在 {as_of.isoformat()} 之前沒有任何股價資料。" if zh else
                    f"The store has no prices for {label} before the as-of date {as_of.isoformat()}.")
        else:
            text = (f"尚未儲存 {label} 的股價：請執行 `finqa ingest prices {code}`。" if zh else
                    f"No prices for {label} are stored: run `finqa ingest prices {code}`.")
        return PriceReading(text, [])
    first_day, last_day = all_bars.index[0].date(), all_bars.index[-1].date()
    if as_of is not None and period.end is not None and period.end > visible:
        notices.append(f"{period_label(period, zh)} 不早於查詢基準日 {as_of.isoformat()}，只顯示基準日之前的資料。" if zh else
                       f"{period_label(period, zh)} is not before the as-of date {as_of.isoformat()}: only bars before it are shown.")
    market = company.market if company is not None else "TWSE"
    if period.kind in ("latest", "day"):
        target = min(period.end, visible) if period.kind == "day" and period.end else visible
        upto = all_bars[all_bars.index <= pd.Timestamp(target)]
        if upto.empty:
            text = (f"{label} 最早的股價資料是 {first_day.isoformat()}，沒有 {target.isoformat()} 或更早的資料。" if zh else
                    f"The store's prices for {label} start on {first_day.isoformat()}: nothing on or before "
                    f"{target.isoformat()}.")
            return PriceReading(text, [])
        shown = bar_of(code, upto.index[-1], upto.iloc[-1])
        prev = bar_of(code, upto.index[-2], upto.iloc[-2]) if len(upto) > 1 else None
        stale = target > last_day and (target - shown.date).days > STALE_DAYS
        if period.kind == "day" and shown.date != target and not stale:
            why = _why_missing(market, target, zh)
            notices.append(f"{target.isoformat()} 沒有股價（{why}），以下是在那之前最近的交易日。" if zh else
                           f"There is no bar for {target.isoformat()} ({why}); shown is the last trading day before it.")
        if stale:
            notices.append(stale_notice(label, code, shown.date, target, zh))
        text = _day_text(label, shown, prev, zh, lots=_asks_lots(asked))
        if period.kind == "latest":
            text += _trend_text(upto["close"], zh)
        bars = [shown]
        base = prev.close if prev is not None else None
    else:
        if period.kind == "all":
            window = all_bars
            notices.append(f"「有史以來」指資料庫中的股價歷史（自 {first_day.isoformat()} 起），不是上市以來的完整紀錄。" if zh else
                           f"All-time here means the stored history, since {first_day.isoformat()}: not the "
                           "whole history since listing.")
        elif period.kind == "trailing":
            window = all_bars.tail(period.sessions or 1)
            if (visible - last_day).days > STALE_DAYS:  # "the last 3 months" are the store's last 3
                notices.append(stale_notice(label, code, last_day, visible, zh))
            if len(window) < (period.sessions or 1):
                notices.append(f"資料庫只有 {len(window)} 個交易日的資料，少於所問的 {period.sessions} 個。" if zh else
                               f"The store holds only {len(window)} of the {period.sessions} trading days asked about.")
        else:
            start, end = period.start, min(period.end, visible)
            window = all_bars[(all_bars.index >= pd.Timestamp(start)) & (all_bars.index <= pd.Timestamp(end))]
        if window.empty:
            text = (f"{label} 在{period_label(period, zh)}沒有股價資料（資料庫涵蓋 {first_day.isoformat()} 至 {last_day.isoformat()}）。"
                    if zh else f"The store holds no {label} prices for {period_label(period, zh)} (it has "
                    f"{first_day.isoformat()} to {last_day.isoformat()}).")
            if period.start is not None and period.start > last_day:
                text += (f"執行 `finqa ingest prices {code}` 取得更新資料。" if zh else
                         f" `finqa ingest prices {code}` fetches newer ones.")
            return PriceReading(text, [])
        before = all_bars[all_bars.index < window.index[0]]
        prev = bar_of(code, before.index[-1], before.iloc[-1]) if len(before) else None
        bars = [bar_of(code, d, row) for d, row in window.iterrows()]
        if period.kind == "range" and (bars[0].date - period.start).days > 7 and not len(before):
            notices.append(f"資料庫中 {label} 的股價從 {first_day.isoformat()} 才開始。" if zh else
                           f"The store's prices for {label} only start on {first_day.isoformat()}.")
        text = _range_text(label, bars, prev, period, zh, lots=_asks_lots(asked))
        if asked and asks_records(asked):
            text += ("" if zh else " ") + _records_text(code, bars, prev, asked, zh)
        if asked and _AVERAGE.search(QUOTED.sub(" ", to_simplified(asked).lower())):
            text += ("" if zh else " ") + _average_text(bars, zh)
        if asked and (freq := asks_periodic(asked)):
            text += _periodic_text(bars, prev, freq, zh)
        elif asked and asks_daily(asked) and len(bars) > 1:
            text += _daily_text(bars, prev, zh)
        base = (prev or bars[0]).close
    span = bars[0].date.isoformat() + ("" if len(bars) == 1 else ("–" if zh else " to ") + bars[-1].date.isoformat())
    return PriceReading(text, bars, title=f"{label} 日成交資料 {span}" if zh else f"{label} daily prices {span}",
                        source=source_name(bars), change=(bars[-1].close / base - 1) if base else None)


TREND_SESSIONS = (5, 20, 60)  # "how is it doing?": the change over the last week, month, quarter


def _trend_text(closes: pd.Series, zh: bool) -> str:
    """" Last 5 trading days +1.2%, 20: −3.4%, 60: +8.0%." for a question with no period: the
    day alone says little about how a stock is doing. Spans longer than the history are left out."""
    last = float(closes.iloc[-1])
    parts = [(n, last / float(closes.iloc[-n - 1]) - 1) for n in TREND_SESSIONS if len(closes) > n]
    if not parts:
        return ""
    if zh:
        return "近 " + "、".join(f"{n} 個交易日 {x:+.2%}" for n, x in parts) + "。"
    return " Over the last " + ", ".join(f"{n} trading days {x:+.2%}" for n, x in parts) + "."


def limit_note(code: str, prev_close: float | None, close: float | None, zh: bool) -> str:
    """" (limit down)" / "（跌停）" when ``close`` is the day's limit price (``ingest.limits``)."""
    from ingest.limits import is_stock_code, limit_state

    state = limit_state(prev_close, close) if is_stock_code(code) else None
    if state is None:
        return ""
    return ("（漲停）" if state == "up" else "（跌停）") if zh else f" (limit {state})"


def _consistent_value(value: float | None, shares: float | None, low: float | None, high: float | None) -> float | None:
    """``value`` when value / shares lies in the price range (else a unit mismatch, lots against
    shares, would print a nonsense average price: ``ingest.indicators`` checks VWAP the same way)."""
    if not value or not shares or low is None or high is None:
        return None
    return value if low * 0.99 <= value / shares <= high * 1.01 else None


def _asks_lots(asked: str) -> bool:
    """Whether an English question wants volume in lots too ("volume of TSMC in lots")."""
    return bool(asked and re.search(r"\blots\b(?!\s+of)", asked.lower()))  # not "a lot", not "lots of"


def _day_text(label: str, bar: PriceBar, prev: PriceBar | None, zh: bool, *, lots: bool = False) -> str:
    vol = _volume(bar.volume, zh, _consistent_value(bar.turnover, bar.volume, bar.low, bar.high), lots)
    limit = limit_note(bar.code, prev.close, bar.close, zh) if prev else ""
    if zh:
        change = f"，較前一交易日（{prev.date.isoformat()}，{fmt_price(prev.close)}）{_pct(prev.close, bar.close)}{limit}" if prev else ""
        return (f"**{label}** {_day(bar.date, True)}收盤 {fmt_price(bar.close)}{change}。"
                f"開盤 {fmt_price(bar.open)}、最高 {fmt_price(bar.high)}、最低 {fmt_price(bar.low)}" + (f"；{vol}" if vol else "") + "。")
    change = f", {_pct(prev.close, bar.close)}{limit} from {fmt_price(prev.close)} on {prev.date.isoformat()}" if prev else ""
    return (f"**{label}** on {_day(bar.date, False)}: closed at {fmt_price(bar.close)}{change}. "
            f"Open {fmt_price(bar.open)}, high {fmt_price(bar.high)}, low {fmt_price(bar.low)}" + (f"; {vol}" if vol else "") + ".")


def _range_text(label: str, bars: list[PriceBar], prev: PriceBar | None, period: Period, zh: bool, *,
                lots: bool = False) -> str:
    first, last = bars[0], bars[-1]
    base = prev or first
    highs = [(b.high if b.high is not None else b.close, b.date) for b in bars]
    lows = [(b.low if b.low is not None else b.close, b.date) for b in bars]
    hi, hi_day = max(highs, key=lambda t: t[0])
    lo, lo_day = min(lows, key=lambda t: t[0])
    volumes = [b.volume for b in bars if b.volume is not None]
    total = sum(volumes) if volumes else None
    values = [b.turnover for b in bars if b.turnover]
    value = (_consistent_value(sum(values), total, lo, hi)  # only when every day has it
             if values and len(values) == len(volumes) else None)
    n = len(bars)
    closes = ([prev.close] if prev else []) + [b.close for b in bars]
    moves = [b - a for a, b in zip(closes, closes[1:])]
    up, down = sum(m > 0 for m in moves), sum(m < 0 for m in moves)
    if zh:
        start_txt = (f"期間前最後收盤（{base.date.isoformat()}）{fmt_price(base.close)}" if prev else
                     f"首日（{first.date.isoformat()}）收盤 {fmt_price(first.close)}")
        out = (f"**{label}** {first.date.isoformat()} 至 {last.date.isoformat()}（{n} 個交易日）："
               f"收在 {fmt_price(last.close)}（{last.date.isoformat()}），相對{start_txt} {_pct(base.close, last.close)}。"
               f"期間最高 {fmt_price(hi)}（{hi_day.isoformat()}），最低 {fmt_price(lo)}（{lo_day.isoformat()}）")
        if len(moves) > 1:
            out += f"；上漲 {up} 天、下跌 {down} 天" + (f"、平盤 {len(moves) - up - down} 天" if len(moves) > up + down else "")
        if total is None:
            return out + "。"
        daily = f"，日均 {total / len(volumes) / SHARES_PER_LOT:,.0f} 張" if len(volumes) > 1 else ""
        worth = f"；成交值合計 {_yi(value)}" if value else ""
        return out + f"；合計{_volume(total, True)}{daily}{worth}。"
    start_txt = (f"the {fmt_price(base.close)} close on {base.date.isoformat()} before the period" if prev else
                 f"the first day's close of {fmt_price(first.close)} on {first.date.isoformat()}")
    # A calendar period named in words ("last week") is named back; dates and "the last N trading
    # days" already say what they cover.
    asked = f"; you asked about {period.label}" if period.label in PERIOD_LABELS_ZH and period.kind != "all" else ""
    out = (f"**{label}**, {first.date.isoformat()} to {last.date.isoformat()} ({n} trading day{'s' if n != 1 else ''}"
           f"{asked}): "
           f"closed at {fmt_price(last.close)} on {last.date.isoformat()}, {_pct(base.close, last.close)} from {start_txt}. "
           f"High {fmt_price(hi)} ({hi_day.isoformat()}), low {fmt_price(lo)} ({lo_day.isoformat()})")
    if len(moves) > 1:
        flat = len(moves) - up - down
        out += f"; up on {up} of {len(moves)} sessions, down on {down}" + (f", unchanged on {flat}" if flat else "")
    if total is None:
        return out + "."
    daily = f" ({total / len(volumes):,.0f} a day)" if len(volumes) > 1 else ""
    worth = f", worth NT${value:,.0f}" if value else ""
    in_lots = f" ({total / SHARES_PER_LOT:,.0f} lots)" if lots else ""
    return out + f"; {total:,.0f} shares{in_lots} traded in all{daily}{worth}."
