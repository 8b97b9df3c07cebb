"""Slots: the company, horizon, as-of date and quoted text a chat message carries.

Parsed once per message, before routing, so that the router and every engine agree on what the
user asked about, and so that a follow-up ("and 2454?", "那聯發科呢？") can inherit what the
message leaves out from the :class:`ChatSession`. Chinese is normalised to Simplified (OpenCC)
before matching, so each rule is written once for Traditional and Simplified text.
"""
from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from typing import Any

from ingest.cjk import CJK_CHARS

from .i18n import answers_zh

log = logging.getLogger(__name__)

DEFAULT_HORIZON = 5
MAX_HORIZON = 60
MAX_MESSAGE_CHARS = 4000


@dataclass
class ChatSession:
    """What a conversation remembers for follow-ups: the last route, company and horizon."""

    last_route: str | None = None
    last_code: str | None = None
    last_horizon: int | None = None
    # The price question the last answer came from the store for ("2330 close on 2025-03-03"), so
    # that "and 2454?" or "what about last week?" asks the same of another company or period.
    last_price_question: str | None = None
    # The user's last statement of holdings ("I have 2 lots of TSMC at 900 and 1 lot of MediaTek at
    # 1300"): follow-ups about one of them ("what if I sell the MediaTek?") do not narrow the rest.
    holdings: str | None = None
    # The last question answered from the news ("TSMC news"), asked again by "and 2454?"
    # (assistant.followups).
    last_news_question: str | None = None
    # The articles the last news listing (and the "more" after it) showed: "more" lists the next ones.
    shown_urls: list[str] = field(default_factory=list)
    # The articles the last listing showed, in their order: "what does the first one say?" reads one.
    listed_urls: list[str] = field(default_factory=list)
    # Every company of the last answer ("2330 vs 2454 RSI"): "their correlation" asks of them all.
    last_codes: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)  # [{"role", "content"}]
    max_history: int = 6
    # The distinct companies of the conversation's answers, oldest first (a few).
    recent_codes: list[str] = field(default_factory=list)
    # The ends of the conversation's last ranking ("top" / "bottom" codes): "why did the top one
    # rise?" is about its first company, "and the worst one?" about its last.
    last_ranked: dict[str, str] = field(default_factory=dict)
    # The question that ranked them ("compare 2330 2454 2317 this year"): "and the best performer?"
    # after another kind of answer about them is that company over its span.
    last_ranked_question: str | None = None
    # The last forecasts given (without their figures): "worst case?", "how much could I lose on 2
    # lots?" right after are read from them (assistant.forecast_followups), and charted again.
    last_forecasts: list[Any] = field(default_factory=list)
    # The last question, of any kind, that named a day or a span ("what happened in the market on
    # April 9 2025?"): "which stocks rose the most that day?" reads that day even after a news answer.
    last_dated_question: str | None = None
    # The text the last answer classified ('classify "..."'): "is that positive?" asks of it again.
    last_quoted: str | None = None
    # The Chinese script the user writes ("simplified" / "traditional"; None until one shows): answers
    # in Simplified for a user who writes it, Traditional (finqa's own) otherwise.
    script: str | None = None
    # The language the user asked answers in ("en" / "zh", from "answer in English" or "用中文回答"),
    # for the rest of the conversation; None: each question's own.
    language: str | None = None
    # (the conversation as it stood before the last question, that question, its as-of date): "用英文
    # 回答" alone answers the last question again, from the same state, in the language asked.
    rewind: tuple["ChatSession", str, date | None] | None = None

    def snapshot(self) -> "ChatSession":
        """A copy of what the conversation remembers, for :attr:`rewind` (without its own rewind)."""
        return ChatSession(**{f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "rewind"})

    def restore(self, state: "ChatSession") -> None:
        """Back to ``state`` (a :meth:`snapshot`), keeping the language asked for now."""
        for f in fields(self):
            if f.name not in ("rewind", "language"):
                setattr(self, f.name, copy.deepcopy(getattr(state, f.name)))

    def remember(self, route: str, code: str | None, horizon: int | None,
                 user: str | None = None, assistant: str | None = None, codes: list[str] | None = None) -> None:
        self.last_route = route
        if code:
            self.last_code = code
            self.last_codes = list(dict.fromkeys([code, *(codes or [])]))
            # the conversation's companies, latest last: "它們的相關性" after 2330's, then 2454's answer
            self.recent_codes = [c for c in self.recent_codes if c not in self.last_codes][-3:] + self.last_codes
        if horizon is not None and route == "forecast":
            self.last_horizon = horizon
        if user is not None:
            self.history.append({"role": "user", "content": user})
        if assistant is not None:
            self.history.append({"role": "assistant", "content": assistant})
        del self.history[: max(0, len(self.history) - self.max_history)]


@dataclass
class Slots:
    """What one message says (after inheriting from the session where it says nothing)."""

    code: str | None = None
    company: Any = None  # ingest.types.Company
    codes: list[str] = field(default_factory=list)  # every company mentioned, in order
    horizon_days: int = DEFAULT_HORIZON
    horizon_explicit: bool = False
    as_of: date | None = None
    quoted_text: str | None = None
    unknown_company: str | None = None  # a token that looks like a company but is not listed
    suggestions: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Clamping the horizon concerns forecasts only: "the 200-day moving average" is no horizon
    # once the router sends it to the indicators, so the facade adds these for forecasts alone.
    horizon_notices: list[str] = field(default_factory=list)
    inherited_code: bool = False


# --- Chinese normalisation -------------------------------------------------------------------
@lru_cache(maxsize=1)
def _t2s() -> Any:
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a dependency; stay usable without it
        log.warning("opencc unavailable: Traditional Chinese rules match only where written")
        return None


@lru_cache(maxsize=1)
def _s2t() -> Any:
    try:
        import opencc

        return opencc.OpenCC("s2t")
    except Exception:  # pragma: no cover - opencc is a dependency
        return None


def to_traditional(text: str) -> str:
    """Simplified → Traditional: the user's own script for words read back to them from the
    Simplified text the rules match on."""
    conv = _s2t()
    return conv.convert(text) if conv is not None else text


# Characters Taiwan writes in both scripts: no sign of Simplified (OpenCC's s2t turns 台 into 臺)
_BOTH_SCRIPTS = frozenset("台")


def script_of(message: str | None) -> str | None:
    """"simplified" when ``message`` is written in Simplified Chinese (a character only Simplified
    has, none only Traditional has), "traditional" for the mirror case, ``None`` when it shows
    neither ("5月", "台股呢"): such a message keeps the conversation's script."""
    t2s, s2t = _t2s(), _s2t()
    if not message or t2s is None or s2t is None:
        return None
    chars = [c for c in message if "\u4e00" <= c <= "\u9fff"]
    traditional = any(t2s.convert(c) != c for c in chars)
    simplified = any(s2t.convert(c) != c and c not in _BOTH_SCRIPTS for c in chars)
    if simplified and not traditional:
        return "simplified"
    return "traditional" if traditional and not simplified else None


def in_script(text: str, script: str | None) -> str:
    """``text`` (finqa writes Traditional) in Simplified when the user writes Simplified."""
    conv = _t2s() if script == "simplified" else None
    return conv.convert(text) if conv is not None and text else text


def in_users_script(text: str, message: str) -> str:
    """``text`` (Simplified, as the rules read it) in the script ``message`` was written in."""
    conv = _t2s()
    traditional = conv is not None and conv.convert(message or "") != (message or "")
    return to_traditional(text) if traditional else text


# A Chinese character right beside a Latin letter: "台積電RSI", "2330的EPS", "鴻海的drawdown".
_CJK_LATIN = re.compile(rf"(?<=[{CJK_CHARS}])(?=[A-Za-z])|(?<=[A-Za-z])(?=[{CJK_CHARS}])")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Traditional → Simplified, so rules are written once. Cached: messages repeat in a chat.

    A space is put between a Chinese character and a Latin letter next to it: Python counts
    both as word characters, so without it ``\\brsi\\b`` would not find the RSI in "台積電RSI",
    the way Taiwanese users write it, and every English keyword rule would miss such messages.
    """
    conv = _t2s()
    out = conv.convert(text) if conv is not None else text
    return _CJK_LATIN.sub(" ", out)


# Quoted text is a headline to classify or discuss, not the question ("「台積電營收創新高」").
QUOTED = re.compile(r"「[^」]*」|『[^』]*』|“[^”]*”|\"[^\"]*\"|«[^»]*»")


def unquoted(message: str | None) -> str:
    """``message`` as the question rules read it: Simplified, lower-cased, and without the text it
    quotes, so that a quoted headline ("台積電「創新高」了嗎") cannot trigger a rule."""
    return QUOTED.sub(" ", to_simplified(message or "").lower())

# --- horizon ---------------------------------------------------------------------------------
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def zh_number(text: str) -> int | None:
    """'5', '十', '十五', '二十', '三十五', '兩', '一百', '一百二十' → int (up to 999); None if not a number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    text = to_simplified(text)
    if not text or any(ch not in _ZH_DIGITS and ch not in "十百" for ch in text):
        return None
    total = 0
    for unit_char, unit in (("百", 100), ("十", 10)):
        if unit_char in text:
            head, _, text = text.partition(unit_char)
            if head == "" and unit == 10:
                digit = 1  # 十五 = 15
            elif len(head) == 1 and head in _ZH_DIGITS:
                digit = _ZH_DIGITS[head]
            else:
                return None
            total += digit * unit
    text = text.lstrip("零〇")
    if text:
        if len(text) != 1:
            return None
        total += _ZH_DIGITS[text]
    return total


_NUM = r"(?<![\d.])(\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})"
_EN_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "thirty": 30}
_EN_NUM = r"(?<![\w.])(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty)"

# A horizon's number: at most three digits ("2330 week of April 7" is company 2330, not 2,330
# weeks), and not an ordinal ("4月第二週", "最後一週" are weeks of April, not weeks ahead).
_H_NUM = r"(?<![\d.第后])(\d{1,3}|[零〇一二两三四五六七八九十百]{1,5})(?!\d)"
_H_EN_NUM = r"(?<![\w.])(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty)(?!\d)"
# (pattern on simplified lower-cased text, days or a function of the number). First match wins.
_HORIZON_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(rf"{_H_EN_NUM}\s*(?:-\s*)?(?:trading\s+|business\s+|market\s+)?(?:days?|sessions?)\b"), "n"),
    (re.compile(rf"{_H_NUM}\s*(?:个)?\s*(?:交易日|营业日|天|日)(?![元币报均])"), "n"),  # "5日均量" is no horizon
    (re.compile(rf"{_H_EN_NUM}\s*(?:-\s*)?weeks?\b"), "w"),
    (re.compile(rf"{_H_NUM}\s*(?:个)?\s*(?:星期|周|礼拜)"), "w"),
    (re.compile(rf"{_H_EN_NUM}\s*(?:-\s*)?months?\b"), "m"),
    (re.compile(rf"{_H_NUM}\s*个\s*月"), "m"),
    (re.compile(r"大后天|\bin three days\b"), 3),
    (re.compile(r"(?<!大)后天|\bday after tomorrow\b"), 2),
    (re.compile(r"\btomorrow\b|明天|明日|next\s+(?:trading\s+)?(?:day|session)\b|下一个交易日"), 1),
    # "will 2330 go up 5% in a day?": one session ahead (it had been the default five); "how often
    # does 2330 move 3% in a day?" looks back (no word of the future: see parse_horizon)
    (re.compile(r"\b(?:in|within)\s+(?:a|one)\s+(?:single\s+)?(?:trading\s+)?(?:day|session)\b"), "a day"),
    (re.compile(r"\bnext\s+week\b|下周|下星期|下礼拜|\ba\s+week\b"), 5),
    (re.compile(r"\b(?:a\s+|one\s+|next\s+)?fortnight\b"), 10),
    (re.compile(r"\bnext\s+month\b|下个月|下月|\ba\s+month\b"), 21),
    (re.compile(r"\bnext\s+quarter\b|下一?季|\ba\s+quarter\b"), 63),
    # past the limit, said so: "for 2 years", "明年", "未來半年" (not 上半年 / 下半年, halves of a year)
    (re.compile(rf"{_H_EN_NUM}\s*(?:-\s*)?years?\b"), "y"),
    (re.compile(rf"{_H_NUM}\s*(?:个)?\s*年(?![线初底中度前内来以报])"), "y"),
    (re.compile(r"\bhalf\s+a\s+year\b|\bsix\s+months\b|(?<![上下前后])半年(?![线报])"), 126),
    (re.compile(r"\bnext\s+year\b|明年|下一年"), 250),
    (re.compile(r"\b(?:in|within|for)\s+a\s+year\b"), "a year"),
    # shorthand, read only in a forecast ("forecast 2330 1m", "predict 2454 2w"): see parse_slots
    (re.compile(r"(?<![\w.$])(\d{1,3})\s*(d|w|wk|m|mo)\b"), "short"),
]


# A span looking back ("past 10 days", "last 3 weeks", "過去10天", "近一個月") or the span of a high or
# low ("52-week high", "52週新高", "一年來最低") is history asked about, not a horizon to forecast.
# The price facts read it as the last N trading days.
_SPAN_UNITS = {"day": 1, "session": 1, "close": 1, "closing price": 1, "week": 5, "month": 21, "year": 250,
               "交易日": 1, "营业日": 1, "天": 1, "日": 1, "星期": 5, "周": 5, "礼拜": 5, "月": 21, "年": 250,
               "d": 1, "w": 5, "wk": 5, "m": 21, "mo": 21, "y": 250, "yr": 250}
LOOKBACK = re.compile(
    rf"\b(?:past|last|previous|prior|latest)\s+{_EN_NUM}\s*(?:-\s*)?(?:trading\s+|business\s+)?(day|session|close|closing price|week|month|year)s?\b"
    # 前一天 is "the day before" (periods.day_shift), not "the last 1 day"
    # "這兩天", "這三個月": the last ones up to now
    rf"|(?:过去|最近|近|这(?=\s*[两二三四五六七八九十\d])|前(?!\s*[一1]\s*(?:个\s*)?(?:天|日|交易日)))\s*{_NUM}\s*(?:个)?\s*"
    r"(交易日|营业日|天|日|星期|周|礼拜|月|年)"
    rf"|{_EN_NUM}\s*-?\s*(day|week|month|year)s?\s+(?:high|low|range)"
    rf"|{_NUM}\s*(?:个)?\s*(周|星期|月|年|日|天)\s*(?:以?来|内)?\s*(?:的)?\s*(?:新高|新低|高点|低点|最高|最低|高低|区间)"
    # "TSMC's 5-day return", "2330 1-month performance", "台積電5日漲幅": the last N sessions' change
    rf"|(?<!next )(?<!coming ){_EN_NUM}\s*-?\s*(day|week|month|year)s?\s+(?:price\s+)?(?:returns?|changes?|performance|gains?|loss(?:es)?|moves?)\b"
    rf"|{_NUM}\s*(?:个)?\s*(日|天|周|月|年)\s*(?:的)?\s*(?:报酬率?|涨跌幅?|涨幅|跌幅|绩效)"
    # "鴻海三年來的表現", "台積電一個月來漲多少": the span up to now
    rf"|{_NUM}\s*(?:个)?\s*(交易日|天|日|周|星期|礼拜|月|年)\s*(?:以来|来)"
    # "2330 past year", "TSMC over the past month": one of the unit (an empty number reads as 1)
    r"|\b(?:past|trailing)\s+()(year|month|week)\b"
)
# Traders' shorthand: "2330 1y return", "3m perf", "52w range", "5d change", "2330 6m": a span looking
# back, except in a forecast ("forecast 2330 1m" is a month ahead; see parse_slots).
SHORT_LOOKBACK = re.compile(
    r"(?<!at )(?<!above )(?<!below )(?<!over )(?<!under )(?<!volume )(?<![\w.$])(\d{1,3})\s*(d|w|wk|m|mo|y|yr)\b"
    r"(?=\s*(?:price\s+)?(?:returns?|changes?|perf(?:ormance)?|gains?|loss(?:es)?"
    r"|moves?|range|high|low|hi|lo)\b|\s*[?？!.]*\s*$)")
LOOKBACK_WORDS = LOOKBACK  # the spans written out ("past 10 days"), without the shorthand
LOOKBACK = re.compile(LOOKBACK.pattern + "|" + SHORT_LOOKBACK.pattern)
# "the 20-day average volume", "5日均量": the volume over that many sessions, not a moving average
# of the price (on Simplified, lower-cased text).
AVERAGE_VOLUME = re.compile(r"\b(\d{1,3})[- ]?(?:day|session)s?\s+average\s+(?:daily\s+)?(?:volume|turnover)\b"
                             r"|(?<!\d)(\d{1,3})\s*日\s*(?:平)?均(?:成交)?量")
_FORECAST_WORDS = re.compile(r"\bforecast\w*|\bpredict\w*|\boutlook\b|预测|预估")
# Words that look ahead: with them "2 years" is a horizon ("will 2330 rise in 2 years?", "兩年後會漲嗎").
_AHEAD_WORDS = re.compile(r"\bwill\b|\bgoing to\b|\bfrom now\b|\bin\s+(?:a|one|two|\d+)\s+years?\b"
                          r"|(?<!法说)(?<!机)会|将|未来|之后|以后|年后")


def lookback_days(match: re.Match[str]) -> int:
    """Trading days in a ``LOOKBACK`` match (a week is 5, a month 21, a year 250)."""
    groups = match.groups()
    number, unit = next(((groups[i], groups[i + 1]) for i in range(0, len(groups), 2) if groups[i + 1]), ("1", "day"))
    return (_num(number or "1") or 1) * _SPAN_UNITS[unit]


def _num(text: str) -> int | None:
    text = text.strip().lower()
    if text in _EN_NUM_WORDS:
        return _EN_NUM_WORDS[text]
    return zh_number(text)


# "聯發科今年表現最差的一週", "2330 best single day": a span of the past ranked, never a horizon
# ("一週" alone would be a week ahead).
_RANKED_SPAN = re.compile(r"(?:最好|最差|最佳|最糟|最惨|最强|最弱)的?(?:一个?)?(?:周|星期|个星期|礼拜|月份?|天|日|交易日)"
                          r"|\b(?:best|worst)\s+(?:single\s+)?(?:trading\s+)?(?:day|session|week|month)s?\b")


def parse_horizon(simplified_lower: str, zh: bool = False) -> tuple[int | None, list[str]]:
    """Horizon in trading days, or None when the message names none; notices for clamping (in
    Chinese with ``zh``)."""
    notices: list[str] = []
    simplified_lower = _RANKED_SPAN.sub(" ", simplified_lower)
    for pattern, value in _HORIZON_RULES:
        m = pattern.search(simplified_lower)
        if not m:
            continue
        if value == "short" and not _FORECAST_WORDS.search(simplified_lower):
            continue  # "2330 5m shares": no horizon; only a forecast reads the shorthand ahead
        ahead = _FORECAST_WORDS.search(simplified_lower) or _AHEAD_WORDS.search(simplified_lower)
        if value in ("y", "a year", "a day") and not ahead:
            continue  # "台積電兩年漲了多少", "2330 over 2 years": years looked back at, not ahead
        if isinstance(value, int) or value in ("a year", "a day"):
            days = {"a year": 250, "a day": 1}.get(value, value)
        else:
            n = _num(m.group(1))
            if n is None:
                continue
            days = n * ({"n": 1, "w": 5, "m": 21, "y": 250}[value] if value != "short" else _SPAN_UNITS[m.group(2)])
        if days < 1:
            notices.append("預測天數至少 1 天：以 1 個交易日預測。" if zh else
                           f"A horizon of {days} trading days makes no sense; using 1.")
            days = 1
        if days > MAX_HORIZON:
            notices.append(
                f"{days} 個交易日超過 {MAX_HORIZON} 日的上限：改為預測 {MAX_HORIZON} 個交易日（更遠的走勢，類比與回測都說不了什麼）。"
                if zh else
                f"Horizon of {days} trading days is past the {MAX_HORIZON}-day limit; "
                f"forecasting {MAX_HORIZON} trading days instead."
            )
            days = MAX_HORIZON
        return days, notices
    return None, notices


# Company fundamentals and corporate events (revenue, dividends, capex, 營收...): the news answers
# these. The router sends them to QA; the price facts do not read "how did TSMC's revenue do last
# year?" as a question about the share price. Matched on simplified, lower-cased text.
COMPANY_TOPIC = re.compile("|".join(f"(?:{p})" for p in (
    r"\brevenues?\b", r"\bsales\b", r"\bearnings\b", r"\bprofits?\b", r"\bdividends?\b", r"\bpayout\b",
    r"\bcapex\b", r"\bcapital (?:expenditure|spending)\b", r"\bguidance\b", r"\bmargins?\b", r"\beps\b",
    r"\bmarket (?:cap|capitali[sz]ation|value)\b", r"\bp/e\b", r"\bpe ratio\b", r"\bbook value\b",
    r"本益比", r"市盈率", r"市值", r"殖利率", r"每股盈余",
    r"\bbuybacks?\b", r"\bacquisition\b", r"\bmerger\b", r"\bceo\b", r"\bfabs?\b", r"\bcustomers?\b",
    r"营收", r"获利", r"利润", r"盈利", r"股利", r"股息", r"配息", r"除息", r"资本支出", r"毛利", r"财测", r"法说", r"并购",
    # plants and capacity: "台積電美國設廠進度" is news, not a price path
    r"设厂", r"建厂", r"盖厂", r"扩厂", r"新厂", r"工厂", r"厂房", r"扩产", r"产能", r"制程",
    # products, shipments, customers and people: "聯發科新產品", "鴻海AI伺服器出貨"
    r"产品", r"新品", r"出货", r"订单", r"客户", r"市占", r"竞争", r"合作", r"董事长", r"执行长", r"业务",
)))


# "will 2330 reach 1,000?", "台積電會漲到1000嗎", "鴻海會跌破150嗎": a price to reach. The number
# must follow a word of reaching; whether it is above or below the last close says which way.
_TARGET = re.compile(
    r"\b(?:reach(?:es|ing)?|hit(?:s|ting)?|tops?|break(?:s|ing)?(?: through)?|exceed(?:s|ing)?|surpass(?:es|ing)?"
    r"|(?<!golden )(?<!death )cross(?:es|ing)?|climb to|rise to|go (?:to|above|over|past|below|under)"
    r"|get to|(?:get|come|go|bounce|climb) back (?:to|above)|return to|recover to|rebound to|back above"
    r"|fall (?:to|below|under)|drop (?:to|below|under)|sink to|dip (?:to|below|under)|above|below|under"
    # a bare "over" before a year is a span ("compare TSMC and UMC over 2025"), not a price
    r"|over(?!\s+(?:19|20)\d\d(?![\d,]|\.\d)))"
    r"\s+(?:nt\$|\$|twd\s*)?(\d[\d,]*(?:\.\d+)?)(?!\d)(?!\s*-?\s*(?:%|percent|days?|weeks?|months?|years?|trading|sessions?"
    # "hits a 52-week high", "top 10 holdings": a span or a count, no price
    r"|lots?|shares?|holdings?|stocks?|companies|names|gainers?|losers?|performers?))"
    r"|(?:涨到|涨破|涨至|涨回|突破|站上|站回|上看|冲上|冲到|回到|超过|升到|达到|来到|跌到|跌破|跌至|跌回|掉到|掉回|摔到|下看|低于"
    # "聯發科明年有機會破2000嗎": 破 alone is a price to break through
    r"|(?<![涨跌突攻击打])破"
    r"|会到|能到|可以到|可能到)"
    r"\s*(\d[\d,]*(?:\.\d+)?)(?!\d)(?!\s*(?:%|天|日|周|个月|月|年|个交易日|张|股))"
    # "its price target of 1,200", "target price 1200", "目標價1200"
    r"|(?:\bprice\s+target|\btarget\s+price|目标价)\s*(?:of|at|is|:|：|为|是)?\s*(?:nt\$|\$|twd\s*)?(\d[\d,]*(?:\.\d+)?)(?!\d)"
    r"(?!\s*(?:%|percent|days?|weeks?|months?|years?|天|日|周|个月|月|年))",
    re.IGNORECASE,
)


def target_price(message: str) -> float | None:
    """The price a forecast question asks about reaching ("reach 1,000", "漲到1000"), if any."""
    m = _TARGET.search(to_simplified(message or "").lower())
    if not m:
        return None
    value = float((m.group(1) or m.group(2) or m.group(3)).replace(",", ""))
    return value if value > 0 else None


# "will 2330 go up 5% in a month?", "台積電會漲10%嗎", "chance 2454 falls 3% next week": a move to
# reach, as a fraction of the last close (up positive). Only after a word of moving, so that
# "2330 with a 5% stop" or "a 5% yield" is none.
_TARGET_MOVE = re.compile(
    r"\b(?:(go(?:es)? up|rise|rises|gain|gains|climb|climbs|jump|jumps|rally|rallies|up|increase|increases|surge|surges)"
    r"|(go(?:es)? down|fall|falls|drop|drops|decline|declines|lose|loses|sink|sinks|slide|slides|down|dip|dips|crash|crashes))"
    r"\s+(?:by\s+|another\s+|more than\s+|over\s+|at least\s+)?(\d+(?:\.\d+)?)\s*(?:%|percent)"
    r"|(涨|上涨|涨幅|大涨|跌|下跌|跌幅|大跌)(?:超过|逾|达到|达|到)?\s*(\d+(?:\.\d+)?)\s*(?:%|％|个百分点|成)",
    re.IGNORECASE,
)


# "if I buy TSMC now, will I make money in a month?", "現在買台積電一個月後會賺錢嗎": a profit ahead,
# which is the odds of closing above the break-even price (the fees and the tax paid) by then.
_PROFIT_AHEAD = re.compile(
    r"\b(?:will|would|could|can|gonna|going to)\s+(?:i|we|you)\s+(?:make|earn|turn)\s+(?:any\s+|some\s+)?(?:money|a profit|profits?)\b"
    r"|\b(?:will|would|could|can)\s+(?:i|we|you)\s+(?:be\s+)?(?:profit(?:able)?|in the (?:green|money))\b"
    r"|(?:会|能|可以|可能)(?:不会)?(?:赚钱|赚到钱|获利|赚吗|赚)|赚得到|有得赚",
    re.IGNORECASE,
)


def asks_profit_ahead(message: str) -> bool:
    """Whether ``message`` asks if buying now will pay off ("will I make money?"): a forecast whose
    target is the break-even price, not a past return."""
    return bool(_PROFIT_AHEAD.search(to_simplified(message or "").lower()))


def target_move(message: str) -> float | None:
    """The move a forecast question asks the odds of ("go up 5%" → 0.05, "跌10%" → -0.10,
    "漲兩成" is not read), or ``None``."""
    m = _TARGET_MOVE.search(to_simplified(message or "").lower())
    if not m:
        return None
    if m.group(4):
        value = float(m.group(5)) * (10 if m.group(0).endswith("成") else 1)
        down = m.group(4).startswith(("跌", "下跌", "大跌"))
    else:
        value, down = float(m.group(3)), m.group(2) is not None
    if not 0 < value < 100:
        return None
    return -value / 100 if down else value / 100


# --- as-of date ------------------------------------------------------------------------------
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
# "as of 2025-03-01" / "截至2025年3月1日": the as-of clause, and any Y-M-D date (the price facts
# read both too, so they are public).
# The same with the month in words and the year: "as of March 1, 2025", "as of 1 March 2025".
_MONTH_WORDS = {m: i for i, names in enumerate((
    (), ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"))) for m in names}
_WORD_MONTH = "(" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + r")\.?"
_TEXT_DATE = (rf"(?:{_WORD_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})"
              rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+{_WORD_MONTH},?\s+(\d{{4}}))\b")
AS_OF_CLAUSE = re.compile(rf"(?:\bas\s*-?\s*of\b|\bas\s+at\b|截至|截止|截至于|基准日)\s*:?\s*(?:{_DATE}|{_TEXT_DATE})"
                          # "台積電2025年3月1日時的預測": the forecast as it stood that day
                          rf"|{_DATE}\s*(?:时|時|当时|當時|那时|那時)(?:的|所做的)?\s*(?=预测|預測|预估|預估|走势|走勢)", re.I)
ANY_DATE = re.compile(_DATE)
# "4/7/2025": a date written month first, the US way (day first when the first number cannot be a
# month: "25/4/2025"). Taiwan writes the year first (2025/4/7), which ANY_DATE reads.
NUM_MDY = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?![\d/])")
# "a year ago", "3 months ago", "兩週前", "一年前": a day counted back (price_facts reads it); not
# a horizon, though it names "a month".
AGO = re.compile(r"(?<![\w.])(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\s+(day|week|month|year)s?\s+ago\b"
                 r"|(?<![\d.])(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个)?\s*(天|日|星期|周|礼拜|月|年)\s*(?:以)?前(?![\d一二两三四五六七八九十])")
_WORDED_DATE = re.compile(r"\b" + _TEXT_DATE, re.I)


def parse_as_of(text: str) -> tuple[date | None, list[str]]:
    m = AS_OF_CLAUSE.search(text)
    if not m:
        return None, []
    g = m.groups()
    if g[0]:
        y, mo, d = int(g[0]), int(g[1]), int(g[2])
    elif g[3]:
        y, mo, d = int(g[5]), _MONTH_WORDS[g[3].lower()], int(g[4])
    elif g[6]:
        y, mo, d = int(g[8]), _MONTH_WORDS[g[7].lower()], int(g[6])
    else:
        y, mo, d = int(g[9]), int(g[10]), int(g[11])
    try:
        day = date(y, mo, d)
    except ValueError:
        return None, [f"Ignored the as-of date {m.group(0).strip()!r}: not a valid date."]
    if day > date.today():  # "as of 2030-01-01": nothing stored is hidden by it
        return day, [f"The as-of date {day.isoformat()} is after today: it hides nothing, every stored price and "
                     "article counts."]
    return day, []


# --- quoted text -----------------------------------------------------------------------------
_QUOTES = [("“", "”"), ("「", "」"), ("『", "』"), ('"', '"'), ("«", "»")]


# "classify: TSMC shares surge after record profit", "情緒：聯發科下修財測": a passage given
# after a lead and a colon, without quotes, is the text to classify too.
_LEAD = re.compile(
    r"^\s*(?:classify|sentiment(?: of)?|analy[sz]e(?: the)?(?: sentiment)?(?: of)?|headline|text"
    r"|情[绪緒](?:分析)?|判[断斷]情[绪緒]|分[类類]|[标標]題)\s*[:：]\s*(.+?)\s*$",
    re.IGNORECASE | re.S,
)
# A question of tone before the colon: "這則新聞是利多還是利空：台積電調升資本支出", "is this headline
# bullish or bearish: ...", "positive or negative? ..."
_TONE_LEAD = re.compile(
    r"^\s*([^:：?？\n]{0,40}?(?:\b(?:good|bad) news\b|\bbullish\b|\bbearish\b|\bpositive\b|\bnegative\b|\bsentiment\b|\btone\b"
    r"|利多|利空|利好|利淡|好消息|[坏壞]消息|正面|[负負]面|情[绪緒]|[乐樂][观觀]|悲[观觀])[^:：?？\n]{0,20}[?？]?)\s*([:：?？])\s*(.+?)\s*$",
    re.IGNORECASE | re.S,
)
# The question of tone after the text: "台積電調升資本支出，這是利多還是利空？", "TSMC raises capex to
# $40bn. Is this good news?", "Foxconn wins Apple order - bullish or bearish?". The tail must point
# back at the text (這/this/that) or be the bare either-or, so "2330 bullish?" stays a question.
_TONE_TAIL = re.compile(
    r"^\s*(.+?)\s*(?:[，,。.;；!！—–]|\s-)\s*((?:(?:這|这|此|那)(?:則|则|個|个|條|条|項|项)?(?:新聞|新闻|消息|標題|标题)?"
    r"|\bis (?:this|that|it)\b|\b(?:this|that|it) is\b|\b(?:is|are) (?:these|those)\b)[^?？\n]{0,24}"
    r"|(?:\bgood or bad\b|\bbullish or bearish\b|\bpositive or negative\b|利多(?:還是|还是|或)利空|利空(?:還是|还是|或)利多"
    r"|好(?:還是|还是)[壞坏])[^?？\n]{0,12})[?？]*\s*$",
    re.IGNORECASE | re.S,
)
_TONE_WORD = re.compile(r"\b(?:good|bad|bullish|bearish|positive|negative|sentiment|tone)\b|利多|利空|利好|利淡|好消息"
                        r"|[坏壞]消息|正面|[负負]面|[乐樂][观觀]|悲[观觀]|好[還还]是[壞坏]", re.IGNORECASE)
# ... and the text must be a statement, not a request about news: "2330 news this week, is that bullish?"
# (nor a question itself: "What happened to TSMC, is it good or bad?"), and long enough to carry a tone
_NOT_A_PASSAGE = re.compile(r"\bnews\b|\bheadlines?\b|\bsentiment\b|新[闻聞]|情[绪緒]|[?？]"
                            r"|^\s*(?:what|how|why|when|where|which|who|is|are|does|do|did|will|can|should)\b", re.IGNORECASE)


def _long_enough(passage: str) -> bool:
    """Six characters of Chinese or three words: "台積電跌了" or "2330 down" carry no tone to read."""
    cjk = sum(1 for ch in passage if "\u4e00" <= ch <= "\u9fff")
    return cjk >= 6 or len(passage.split()) >= 3


# After a question mark, a second question is no passage: "Is 2330 bullish or bearish? what about May?"
_SECOND_QUESTION = re.compile(r"^(?:what|how|why|and|will|is|are|does|do|can|should|when|which|那|呢|会|會|如何|怎么|怎麼)\b"
                              r"|[?？]\s*$", re.IGNORECASE)


def parse_quotes(text: str) -> list[str]:
    """Every quoted passage of 4 characters or more, in the order written ('sentiment of these
    headlines: "TSMC beats estimates"; "UMC warns of weak demand"'): each is classified on its own."""
    found: list[tuple[int, str]] = []
    for left, right in _QUOTES:
        pattern = re.compile(re.escape(left) + r"(.+?)" + re.escape(right), re.S)
        found.extend((m.start(), m.group(1).strip()) for m in pattern.finditer(text or ""))
    return [q for _, q in sorted(found) if len(q) >= 4]


def parse_quoted(text: str) -> str | None:
    """The longest quoted passage (news text to classify); short quotes (<4 chars) are names.
    Without quotes, the passage after a lead and a colon ("classify: ...")."""
    found: list[str] = []
    for left, right in _QUOTES:
        pattern = re.compile(re.escape(left) + r"(.+?)" + re.escape(right), re.S)
        found.extend(m.group(1).strip() for m in pattern.finditer(text))
    found = [f for f in found if len(f) >= 4]
    if found:
        return max(found, key=len)
    m = _LEAD.match(text or "")
    if m and len(m.group(1)) >= 8:
        return m.group(1)
    m = _TONE_LEAD.match(text or "")
    if not m or len(m.group(3)) < 8:
        tail = _TONE_TAIL.match(text or "")
        if (tail and _TONE_WORD.search(tail.group(2)) and _long_enough(tail.group(1))
                and not _NOT_A_PASSAGE.search(tail.group(1))):
            return tail.group(1)
        return None
    if m.group(2) in "?？" and _SECOND_QUESTION.search(m.group(3)):
        return None
    return m.group(3)


# --- companies -------------------------------------------------------------------------------
_CODE_TOKEN = re.compile(r"(?<![\d.\-/])(\d{4,6}[A-Z]?)(?:\.TWO?|\.tw|\.two)?(?![\d\-/])")
# An uppercase-looking name right after an intent word: "forecast FOOBAR", "sentiment of ACME".
_NAME_AFTER_INTENT = re.compile(
    r"(?:\bforecast(?:\s+for)?|\bpredict(?:ion\s+for)?|\bsentiment\s+(?:of|for|on)|\bnews\s+(?:of|for|on|about)"
    r"|\boutlook\s+for|\bprice\s+of|预测|情绪)\s+([A-Za-z][A-Za-z0-9&.\-]{1,20})"
)
# The same, named first: "TSMCC forecast", "Mediatec sentiment", "Foxcon stock outlook".
_NAME_BEFORE_INTENT = re.compile(
    r"(?:^|[\s,;:])([A-Za-z][A-Za-z0-9&.\-]{1,20})(?:['’]s)?\s+(?:(?:stock|share|price)\s+)?"
    r"(?:forecast|prediction|sentiment|outlook|news|预测|情绪)\b"
)
NOT_NAMES = {
    "the", "a", "an", "this", "that", "it", "its", "next", "tomorrow", "stock", "stocks", "price",
    "prices", "shares", "share", "market", "markets", "news", "sentiment", "me", "my", "taiwan",
    "tw", "for", "of", "on", "what", "how", "recent", "latest", "today", "week", "month", "days",
    "and", "is", "are", "to", "in", "about", "tech", "semiconductor", "semiconductors", "equities",
    "bonds", "gold", "oil", "inflation", "rates", "us", "usa",
    # adjectives and industry words that precede "news" / follow "sentiment on"
    "positive", "negative", "good", "bad", "bullish", "bearish", "big", "important", "any", "some", "all",
    "more", "most", "overall", "general", "global", "world", "ai", "chip", "chips", "bank", "banks",
    "financial", "financials", "shipping", "company", "companies", "sector", "industry", "etf", "etfs",
    # a language asked of the news ("latest English news"): asked_news_language's
    "english", "chinese", "japanese", "mandarin", "local", "foreign", "international",
}


def _directory(directory: Any) -> Any:
    if directory is not None:
        return directory
    from ingest.companies import get_directory

    return get_directory()


def _names_an_industry(token: str) -> bool:
    """"semiconductor", "shipping": an industry (``ingest.industries``) is no misspelt company."""
    from ingest.industries import industry_named

    return industry_named(token) is not None


def _is_yearish(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1900 <= int(token) <= 2100


def parse_companies(text: str, directory: Any) -> tuple[list[Any], str | None, list[str]]:
    """Companies named in ``text`` (in order), plus an unknown company-like token and suggestions.

    Dates are blanked first: ``2025-03-01`` must not read as company 2025.
    """
    clean = NUM_MDY.sub(" ", ANY_DATE.sub(" ", text))
    clean = _WORDED_DATE.sub(" ", clean)  # "on April 10 2025": 2025 is the year, not company 2025
    clean = re.sub(r"\d{4}\s*年(?![線线])", " ", clean)  # "2025年", but "2330 年線" is 2330's 240-day MA
    clean = re.sub(r"(\w)['’]s\b", r"\1", clean)  # possessives: "Evergreen's" names Evergreen
    try:
        companies = list(directory.find_in_text(clean))
    except Exception as exc:  # a broken directory must not break the chat
        log.warning("company lookup failed: %s", exc)
        companies = []
    unknown: str | None = None
    suggestions: list[str] = []
    if not companies:
        for m in _CODE_TOKEN.finditer(clean):
            token = m.group(1)
            if _is_yearish(token) or len(token) > 6:
                continue
            if directory.resolve(token) is None:
                unknown = token
                break
        if unknown is None:
            for m in (_NAME_AFTER_INTENT.search(clean), _NAME_BEFORE_INTENT.search(clean)):
                token = m.group(1).strip(".-") if m else ""
                if (token and token.lower() not in NOT_NAMES and directory.resolve(token) is None
                        and not _names_an_industry(token)):
                    unknown = token
                    break
        if unknown is not None:
            try:
                suggestions = list(directory.suggest(unknown, 5))
            except Exception:  # pragma: no cover
                suggestions = []
            if not suggestions and unknown.isdigit():
                suggestions = _nearest_codes(unknown, directory)
            if not suggestions and unknown.isalpha() and unknown.islower() and unknown.isascii():
                unknown = None  # "news about tariffs": a lower-case word near no company's name is a topic
    return companies, unknown, suggestions


# Words of a Chinese question that are not a company name: what is left between them is a name
# candidate ("预测台机电未来五天" → "台机电"). Longest first, matched on Simplified text.
_CJK_NOT_NAME = re.compile("|".join(sorted((
    "预测 预估 预判 推估 未来 情绪 情感 舆情 新闻 消息 股价 股票 走势 最近 近期 近来 今天 明天 明日 大后天 后天 昨天 下周 "
    "下星期 下礼拜 下个月 下月 本周 这周 本月 上周 上个月 交易日 个月 星期 会不会 分析 表现 收盘价 收盘 价格 最新 "
    "看法 市场 投资人 帮我 给我 一下 目标 还是 什么 为什么 如何 怎么样 怎样 怎么 多少 公司 利多 利空 正面 负面 "
    "会 涨 跌 吗 呢 的 请 和 跟 与 那 是 价 天 日 周 月 年 好 坏").split(), key=len, reverse=True))
    + r"|[一二两三四五六七八九十百零〇0-9]+")
CJK_GUESS_MIN_SCORE = 60.0  # two of three characters right ("台机电" for 台積電 scores 66.7)


def guess_cjk_company(message: str, directory: Any) -> tuple[str, list[str]] | None:
    """For a Chinese message that names no listed company: the word most like a company name and
    its suggestions ("台机电" → 2330 台積電), or ``None`` when nothing is close enough.

    Only for routes that need a company (the facade asks): on an open question a stray word
    such as "本益比" must not turn into "did you mean ...?"."""
    text = LOOKBACK.sub(" ", ANY_DATE.sub(" ", to_simplified(message or "")))
    words = [w for w in re.findall(f"[{CJK_CHARS}]+", _CJK_NOT_NAME.sub(" ", text)) if 2 <= len(w) <= 6]
    best: tuple[float, str, list[str]] | None = None
    for word in words:
        try:
            suggestions, score = directory.suggest_scored(word, 5)
        except Exception:  # pragma: no cover - a broken directory must not break the chat
            return None
        if suggestions and score >= CJK_GUESS_MIN_SCORE and (best is None or score > best[0]):
            best = (score, word, suggestions)
    if best is None:
        return None
    # Say the word as the user wrote it: OpenCC's Traditional→Simplified keeps positions.
    simplified = to_simplified(message)
    at = simplified.find(best[1])
    word = message[at:at + len(best[1])] if at >= 0 and len(simplified) == len(message) else best[1]
    return word, best[2]


def _nearest_codes(token: str, directory: Any, n: int = 5) -> list[str]:
    """For an unlisted number, the listed stock codes numerically closest to it (a typo is usually
    one digit off): better than no suggestion at all."""
    companies = getattr(directory, "companies", None) or {}
    target = int(token)
    codes = [c for c in companies if c.isdigit() and len(c) == len(token)]
    codes.sort(key=lambda c: (abs(int(c) - target), c))
    label = getattr(directory, "label", None)
    return [label(companies[c]) if callable(label) else c for c in codes[:n]]


# One end of the ranking just shown, named instead of a company (on Simplified, lower-cased text).
_RANK_TOP = re.compile(
    r"\b(?:the\s+)?(?:top|first|best|strongest|leading)(?:[- ]performing)?\s+(?:one|stock|name|company|performer|gainer)\b"
    r"(?!\s+(?:to|for)\b)|\b(?:best|top) of (?:them|the three|the two)\b"
    r"|(?<!\w)#1\b|\bthe (?:biggest|top) gainer\b"
    r"|第一名|第一档|第一支|第一只|冠军|榜首|(?:涨|表现)(?:得|的)?最(?:多|好|强)的(?:那|这)?(?:档|支|只|家|个)"
    # "表現最好的是哪一檔", "最強的是哪家"
    r"|(?:表现)?最(?:好|强)的?(?:是)?哪一?(?:档|支|只|家|个)|表现最(?:好|强)的")
_RANK_BOTTOM = re.compile(
    r"\b(?:the\s+)?(?:last|worst|weakest|bottom)(?:[- ]performing)?\s+(?:one|stock|name|company|performer)\b"
    r"(?!\s+(?:to|for)\b)|\b(?:worst|bottom) of (?:them|the three|the two)\b"
    r"|\b(?:the\s+)?(?:biggest|worst)\s+loser\b|\bthe laggard\b"
    r"|最后一名|垫底|(?:跌|表现)(?:得|的)?最(?:多|差|弱|惨)的(?:那|这)?(?:档|支|只|家|个)"
    r"|(?:表现)?最(?:差|弱)的?(?:是)?哪一?(?:档|支|只|家|个)|表现最(?:差|弱)的")
# What a message that only names an end of the ranking says besides it: "and the best performer?",
# "who was the worst one?", "那表現最好的是哪一檔呢"
_END_ONLY_FILLER = re.compile(r"\b(?:and|so|ok|which|who|is|was|the|of|them|three|two)\b|'s|那|是|谁|呢|[\W_]")


# "my watchlist", 自選股: the configured watchlist (``watchlist``, env ``FINQA_WATCHLIST``) is the
# companies asked about (matched on Simplified, lower-cased text).
WATCHLIST = re.compile(r"\bwatch[- ]?list\b|自选股|自选清单|观察名单|观察清单|追踪清单|关注清单")


def watchlist_notice(codes: list[str], zh: bool) -> str:
    """Says which companies "my watchlist" was read as, and where that setting lives."""
    return (f"你的觀察清單（設定 watchlist / FINQA_WATCHLIST）：{'、'.join(codes)}。" if zh else
            f"Your watchlist (setting `watchlist`, env FINQA_WATCHLIST): {', '.join(codes)}.")


def ranked_end_alone(message: str) -> str | None:
    """:func:`ranked_end` for a message that names an end of the ranking and asks nothing else
    ("and the best performer?", "表現最好的是哪一檔"); ``None`` otherwise ("why did the top one rise?")."""
    s = to_simplified(message or "").lower()
    end = ranked_end(s)
    if end is None:
        return None
    rest = (_RANK_TOP if end == "top" else _RANK_BOTTOM).sub(" ", s)
    return None if _END_ONLY_FILLER.sub("", rest) else end


def ranked_end(simplified: str) -> str | None:
    """``"top"`` or ``"bottom"`` when a message names an end of a ranking instead of a company."""
    s = simplified.lower()
    if _RANK_TOP.search(s):
        return "top"
    if _RANK_BOTTOM.search(s):
        return "bottom"
    return None


def truncate_message(message: str) -> tuple[str, list[str]]:
    """Messages past 4,000 characters are cut there (and the user is told)."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message, []
    return message[:MAX_MESSAGE_CHARS], [
        f"Your message was {len(message):,} characters; only the first {MAX_MESSAGE_CHARS:,} were read."
    ]


# "compared to last month?", "跟上個月比呢": the last answer again, beside the span before it (on
# Simplified, lower-cased text; the facade writes it out: followups.compared_span_question)
COMPARED_TO_SPAN = (r"^\s*(?:and\s+|how\s+(?:does\s+(?:it|that)\s+|is\s+(?:it|that)\s+)?)?(?:compared?\s+(?:to|with)|vs\.?|versus"
                    r"|against)\s+(?:last|the\s+previous|the\s+prior|a)\s+(?:week|month|quarter|year)\s*[?？.!]*\s*$"
                    r"|^\s*(?:那)?(?:跟|和|与|比起)(?:上个月|上周|上礼拜|上一季|去年|前一个月|前一周)(?:比|相比|比较|对比)?(?:呢|如何|怎么样)?"
                    r"\s*[?？]?\s*$")
# A chart asked for with no company and nothing else: "show me the chart", "can I see the weekly
# chart?", "畫出走勢圖", "給我看K線圖" (simplified, lower-cased; a space may sit between "k" and 线).
_CHART_ONLY = (
    r"^\s*(?:(?:can|could)\s+(?:i|you)\s+(?:see|show(?:\s+me)?|get|have|draw|plot)\s+|(?:show|give|draw|plot)(?:\s+me)?\s+"
    r"|let\s+me\s+see\s+)?(?:the\s+|a\s+|its\s+|their\s+)?(?:(?:price|candlestick|daily|weekly|monthly)\s+)?(?:charts?|graphs?|plot)"
    r"(?:\s+please)?\s*[?？!！.。]*\s*$"
    # "chart them", "plot both", "graph it"
    r"|^\s*(?:can\s+you\s+|please\s+)?(?:chart|plot|graph|draw)\s+(?:them|both|it|these|those|all of them)(?:\s+please)?\s*[?？!！.。]*\s*$"
    # "把它們畫出來", "畫出來": drawn, with no chart named
    r"|^\s*(?:请)?(?:把(?:它们|他们|它|这两[档支个家])|它们|他们)?(?:帮我)?(?:画出来|画一下)\s*(?:吧|呢)?\s*[?？!！。]*\s*$"
    r"|^\s*(?:请)?(?:给我看|给我|帮我画|帮我|画出|画一下|画个|画|显示|秀出|看一下|看看)?(?:一下)?\s*(?:日|周|月)?\s*(?:k\s*线图?|线图|走势图|图表|图)"
    r"\s*(?:呢|吗|看看)?\s*[?？!！。]*\s*$")
# ... of which "weekly", "週K" ask a different chart than the last answer's
_CHART_KIND = re.compile(r"\b(?:daily|weekly|monthly)\b|(?:日|周|月)\s*k")


def asks_chart_only(message: str) -> bool:
    """Whether ``message`` asks for a chart and names nothing else (no company, no span)."""
    return bool(re.search(_CHART_ONLY, to_simplified(message or "").lower()))


def chart_kind_named(message: str) -> bool:
    """Whether a chart request names its kind ("weekly chart", "週K"): not simply the last answer's."""
    return bool(_CHART_KIND.search(to_simplified(message or "").lower()))


_CONTINUATION = re.compile(
    r"^\s*(?:and|what about|how about|same for|now|then|also|ok)\b|^\s*(?:那|那么|还有|换成|改成|再来|如果是)"
    # "會跌破1200嗎", "could it break 1000?": a price level asked of the conversation's company
    r"|^\s*(?:会|能|可能|有机会)?(?:不会)?(?:跌破|突破|站上|站回|涨到|跌到|回到|守住)\s*\d"
    # "zoom into March 2025", "focus on last week": the same company, another span
    r"|^\s*(?:zoom(?:ed)?\s+(?:in(?:to)?|on)|focus\s+on|drill\s+(?:down\s+)?(?:into|on)|narrow\s+(?:it\s+)?(?:down\s+)?to)\b"
    # "what was the average volume then?", "當時的成交量": the conversation's company, at the span asked
    r"|\s(?:back\s+)?then\s*[?？.!]*\s*$|\bat that time\b|当时|那时候?|那段(?:时间|期间)"
    r"|呢\s*[？?]?\s*$|\b(?:it|its|it's|the stock|this stock|that stock|the company)\b|(?:它|这家|该公司|这档|这支|同一)"
    # a bare request with no object: "預測一下", "forecast?", "sentiment please"
    # "RSI多少", "what's the RSI?", "收盤價是多少": one of its figures, asked with no company
    r"|^\s*(?:what(?:'s| is| are)\s+(?:the\s+|its\s+)?)?(?:(?:最近|最新|近期|近来|latest|recent|any)\s*(?:的)?\s*){0,2}"
    r"(?:(?:预测|预估|分析|forecast|predict|sentiment|news|新闻|消息|情绪|舆情|走势|技术指标|技术面|技术分析|technicals|rsi|kd|macd|均线"
    r"|股价|收盘价|收盘|price|close|volume|成交量|波动度?|volatility|risks?|风险|drawdown|回撤|beta|trend|趋势)\s*){1,3}"
    r"(?:值)?(?:一下|看看|please|pls|呢|是多少|多少|如何|怎么样|怎么看|几)?"
    r"\s*[?？!！。.]?\s*$|一下\s*[?？!！。.]?\s*$"
    # "有什麼利空消息嗎", "有沒有好消息", "any bad news?", "any bullish headlines?": the conversation's company's news tone
    r"|^\s*(?:(?:有(?:什么|没有|没)?|还有)\s*(?:什么)?|(?:is|are) there (?:any )?|any\s+)(?:利空|利多|坏|好|负面|正面|不好的|bad|good|negative"
    r"|positive|bearish|bullish)\s*(?:的)?\s*(?:消息|新闻|news|headlines?|stories)\s*(?:吗|呢)?\s*[?？]?\s*$"
    # "what do analysts say?", "分析師怎麼看", "市場怎麼看": the conversation's company, in its news
    r"|^\s*(?:and\s+|so\s+|ok\s+)?what\s+(?:do|does|are|is)\s+(?:the\s+)?(?:analysts?|experts?|market|street|brokers?|investors|people)"
    r"\s+(?:say|saying|think|thinking|expect|expecting)\b(?:\s+about\s+(?:it|this|that))?\s*[?？.!]*\s*$"
    r"|^\s*(?:那)?(?:分析师|法人|市场|专家|券商|投顾|大家)(?:们)?(?:怎么看|怎么说|的看法|看法|的观点|观点|评价)(?:呢|如何)?\s*[?？]?\s*$"
    # "compared to last month?", "跟上個月比呢": the conversation's company, beside that span
    r"|" + COMPARED_TO_SPAN +
    # "show me the chart", "chart please", "畫出走勢圖", "給我看K線": the conversation's company, charted
    r"|" + _CHART_ONLY +
    # the day before or after the one just asked about: "the day before?", "隔天"
    r"|^\s*(?:and\s+|what about\s+|how about\s+)?(?:the\s+)?(?:next|following|previous|prior)\s+(?:trading\s+)?(?:day|session)\s*[?？]?\s*$"
    r"|^\s*(?:and\s+)?the day (?:before|after)\s*[?？]?\s*$|^\s*(?:隔天|次日|第二天|前一天|前一日|后一天)"
    # "which headline is the most negative?", "哪則最負面": the last answer's headlines
    r"|^\s*(?:which|what)\s+(?:headline|article|story|news)\b|^\s*哪(?:一)?(?:则|篇|条)"
    # "最負面的是哪則", "有利空嗎", "any bad news?": the conversation's company's news, read for its tone
    r"|^\s*最(?:正面|负面|利多|利空)的?(?:是)?(?:哪|那)(?:一)?(?:则|篇|条)|^\s*(?:有|有没有)(?:什么)?(?:利空|利多|坏消息|好消息)(?:吗|消息)?\s*[?？]?\s*$"
    r"|^\s*(?:any|some)\s+(?:bad|good|negative|positive|bearish|bullish)\s+(?:news|headlines)\s*[?？.!]*\s*$"
    # the last answer's own parts: "show me the backtest", "回測呢", "the baselines?"
    r"|^\s*(?:(?:show|give|tell) me\s+|what about\s+|and\s+)?(?:the\s+|its\s+)?(?:backtest|baselines?|track record)s?\s*[?？!！.。]*\s*$"
    r"|^\s*(?:那)?(?:给我看|看一下)?(?:回测|基准)(?:的)?(?:呢|结果|准确率|命中率|准不准|准吗|准确吗|可信吗|表现|成绩)?(?:是)?(?:多少|如何|怎样|怎么样|呢)?\s*[?？!！。]*\s*$"
    r"|^\s*(?:and\s+|what about\s+)?(?:the\s+|its\s+)?(?:backtest|hit rate)\s+(?:accuracy|results?|score)\s*[?？!！.。]*\s*$"
    # "which day had the highest volume?", "哪天收最低": a day of the company just asked about
    r"|^\s*(?:and\s+)?(?:on\s+)?which\s+(?:day|session|date)\b(?!.*\b(?:stocks?|shares|companies|market)\b)"
    r"|^\s*(?:那)?(?:是)?哪(?:一)?(?:天|日|个交易日)(?!.*(?:台股|股市|大盘|股票|个股|公司|哪[档支只家]))"
)
# What only a pair of companies has: "那相關性呢", "and the correlation?" ask it of the conversation's
_NEEDS_TWO = re.compile(r"\bcorrelat\w*|相关性|相关系数|连动")
# A follow-up that names only another computed aspect ("那風險呢", "and the volatility?", "RSI呢", "and
# the forecast?"): after an answer about several companies, asked of each of them (it had been the
# first alone). "its risk" / "它的風險" stays one company; the news stays the first company's. On
# Simplified, lower-cased text.
_ASPECT_ALONE = re.compile(
    r"[\W_]*(?:(?:and|what about|how about|then|so|那|那么|还有|再来)\s*)?(?:the\s+|their\s+|他们的|它们的)?"
    r"(?:risks?|risk profile|volatility|drawdowns?|max(?:imum)? drawdown|sharpe(?: ratio)?|rsi|kd|macd|technicals?"
    r"|(?:technical )?indicators?|volume|forecasts?|outlook|风险|波动(?:度|率)?|回撤|最大回撤|夏普(?:比率|值)?"
    r"|技术(?:面|指标)|成交量|预测|走势预测"
    # "golden cross?", "布林通道", "support and resistance?" after a company: its indicator
    r"|bollinger(?: bands?)?|(?:golden|death) cross(?:es)?|crossovers?|moving averages?|support(?: and resistance)?"
    r"|resistance|布林(?:通道|带|线)?|黄金交叉|死亡交叉|金叉|死叉|均线|支撑|压力|支撑(?:与|和|跟)?压力|乖离率?)"
    r"\s*(?:呢|吗|如何|怎么样)?[\W_]*")
# A follow-up that names only another span or horizon ("what about 20 days?", "and next month?",
# "那10天呢"): asked of every company of the last answer (on Simplified, lower-cased text).
_ONLY_A_SPAN = re.compile(
    r"[\W_]*(?:(?:and|what about|how about|then|ok|so|over|for|in|the|next|coming|last|past|a|one|two|three|five|ten"
    r"|twenty|\d+|days?|weeks?|months?|years?|trading|sessions?|那|那么|如果是|改成|换成|未来|下|上|个|天|日|交易日|周|礼拜|月|年"
    r"|[一二三四五六七八九十两]+|呢|吗)[\W_]*)+")
# "their correlation", "它們的相關性", "compare both": every company of the last answer.
_PLURAL_BACK = re.compile(r"\b(?:they|them|their|both|these two|the two|those two|which one|which of (?:the|these|those) two"
                          r"|which of them|which is|which was|which would(?: have)?(?: been)?)\b"
                          # "哪一個比較強" picks between them; "哪檔股票漲最多" ranks the market
                          r"|\b(?:these|the|those|all) (?:three|four|five)\b|\ball of them\b"
                          r"|它们|他们|两者|两家|这两|二者|两档|两支|两个(?=的?(?:比较|对比|比一比|比一下|谁|哪))"
                          r"|(?:这|那|这几|那几)(?:三|四|五|几)(?:家|档|支|只|个|者)|三者"
                          r"|^\s*(?:比较|对比)(?:一下)?\s*[?？!！。]?\s*$|(?:哪一个|哪一家|哪一档|哪个|哪家)(?!股票|个股|公司|类股|产业|股|券商|银行)"
                          # "誰最會漲", "誰風險最低" after several companies: a pick among them
                          r"|^\s*(?:那)?谁(?=.{0,6}(?:最|比较|更))")
# "stocks near their lows", "which stocks hit their highs": "their" is the stocks just named (a
# screen of the store), not the conversation's companies.
_THEIR_OWN = re.compile(r"\b(?:stocks|shares|companies|names)\b.{0,40}\b(?:their|they|them)\b")


# "these three", "這三家": how many of the conversation's companies a plural points back at.
_BACK_COUNT = re.compile(r"\b(?:these|the|those|all) (two|three|four|five)\b|(?:这|那)(两|三|四|五)(?:家|档|支|只|个|者)|(三)者")
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "两": 2, "三": 3, "四": 4, "五": 5}


def back_count(simplified: str) -> int | None:
    """How many companies a plural back-reference names ("these three" → 3), or ``None``."""
    m = _BACK_COUNT.search(simplified)
    return _COUNTS[next(g for g in m.groups() if g)] if m else None


def plural_back(simplified: str) -> bool:
    """Whether a message points back at the conversation's companies ("their correlation")."""
    return bool(_PLURAL_BACK.search(simplified)) and not _THEIR_OWN.search(simplified)


# Words a company-name rule may take for a name ("forecast both", "sentiment on them"): with a
# conversation about companies, they point back at them, and are no unknown company.
_BACK_WORDS = frozenset("it its they them their both these those this that one".split())
# "跟聯發科比呢", "compare with 2454", "vs 2454": the conversation's company beside a new one.
COMPARE_WITH = re.compile(r"^\s*(?:那|那么)?\s*(?:它|这档|这支)?\s*(?:跟|和|与|同)\s*\S{1,12}?(?:比|相比|比较|对比)"
                           r"|^\s*(?:and\s+)?(?:compared? (?:it |this |that )?(?:with|to)|vs\.?|versus|against)\b"
                           # "how does it compare to Lite-On?", "how did it do against 2454?"
                           r"|^\s*(?:and\s+)?how (?:does|did|do|would) (?:it|this|that|this stock|that stock) "
                           r"(?:compare|stack up|do|fare)\s+(?:with|to|against|versus|vs\.?)\b")


def _new_ranking(message: str) -> bool:
    """Whether ``message`` asks for a ranking of its own ("what's the worst performing stock this
    year?"), whose "worst" is no end of the last ranking."""
    from .movers import is_ranking_question

    return is_ranking_question(message)


def _asks_label_list(simplified_lower: str) -> bool:
    """Whether the message asks for the articles read one way ("show me the negative ones")."""
    from .sentiment_groups import asked_label_list

    return asked_label_list(simplified_lower) is not None


def is_continuation(simplified_lower: str, slots: Slots) -> bool:
    """Does a message that names no company talk about the previous one?

    Yes for follow-up phrasing ("and next month?", "那下週呢？", "what about its sentiment"),
    pronouns ("will it rise?"), or a bare horizon ("next week?"); no for a new general question
    ("Explain what a yield curve inversion implies"), which must not be filtered by an old company.
    """
    if _NEW_SUBJECT.search(simplified_lower):  # "which stock will go up tomorrow?": not the last company
        return False
    from ingest.industries import industry_named

    if industry_named(simplified_lower) is not None:  # "forecast chip stocks next week": a group, not the last company
        # ... unless "it" is set against the group: "how has it performed vs the semiconductor sector?"
        return bool(BACK_REFERENCE.search(simplified_lower) and _COMPARING.search(simplified_lower))
    if _CONTINUATION.search(simplified_lower) or _ASPECT_ALONE.fullmatch(simplified_lower):
        return True  # "golden cross?", "布林通道", "volume?" alone: of the conversation's company
    if _asks_label_list(simplified_lower):  # "show me the negative ones": the company's news read so
        return True
    words = re.findall(rf"[a-z0-9]+|[{CJK_CHARS}]", simplified_lower)
    return slots.horizon_explicit and len(words) <= 6


# A question about stocks in general ("which stock will go up tomorrow?", "哪檔會漲") names a new
# subject, whatever its horizon: it inherits no company.
_NEW_SUBJECT = re.compile(r"\b(?:which|what|any) (?:stocks?|shares|compan(?:y|ies)|tickers?)\b|哪[档支只些](?:股票)?|哪家公司|哪些公司")


# "compare it with 2454", "它跟聯發科比": a pronoun for the conversation's company beside a new one.
BACK_REFERENCE = re.compile(r"\b(?:it|its|it's)\b|它|该股|这档|这只|这支|此股")
_COMPARING = re.compile(r"\b(?:compare[ds]?|vs|versus|than|against|and|with)\b|比|和|跟|与|对")


def without_companies(message: str) -> str:
    """``message`` read Simplified and lower-cased with every company mention blanked: what it asks
    besides naming companies ("台積電的同業有哪些" → "  的同业有哪些"), which the question readers
    that allow only a few words beside the company match against."""
    from ingest.companies import get_directory

    return to_simplified(get_directory().without_mentions(message)).lower()


def adr_notices(message: str, directory: Any) -> list[str]:
    """"TSM" names 2330 through its US ADR: say that the answer is the Taiwan listing's, in NT$,
    because the ADR trades at another price (one TSM is five 2330 shares) and in US$."""
    return [adr_notice(c, answers_zh(message)) for c in getattr(directory, "adr_mentions", lambda _: [])(message)]


def adr_notice(company: Any, zh: bool) -> str:
    """Why the answer about a company asked of through its ADR ("TSM", "TSMC ADR price") is the
    Taiwan listing's, in NT$; for a company the directory knows no ADR of, that finqa stores none."""
    if company is None or not company.adr:
        return ("finqa 回答的是台灣上市櫃股票的股價，以新台幣計；它不儲存美國存託憑證（ADR）的報價。" if zh else
                "finqa answers for the Taiwan listing, in NT$; it stores no ADR prices.")
    ticker, ratio = company.adr
    return (f"{ticker} 是 {company.display} 的美國存託憑證（ADR，一單位等於 {ratio} 股）；finqa 回答的是台灣上市的 "
            f"{company.code}，以新台幣計，不是 ADR 在美國的美元價格。" if zh else
            f"{ticker} is the US ADR of {company.display} (one ADR stands for {ratio} shares); finqa answers for "
            f"the Taiwan listing {company.code}, in NT$, not for the ADR's US$ price.")


# Day counts that are no horizon: "3月7日" (a day), "4月7日之後一週" (the week after a past day),
# "3月最後一個交易日" (the month's last session). Read before the horizon, on simplified text.
_NOT_A_HORIZON = re.compile(
    r"(?:(?:\d{4}\s*[-/年]\s*)?\d{1,2}\s*[-/月]\s*\d{1,2}\s*[日号]?)\s*(?:之后|以后|后|之前|以前|前)\s*(?:的)?\s*"
    r"(?:一|1|两|2|三|3)?\s*(?:个)?\s*(?:周|星期|礼拜|月|天|日|个交易日)"
    r"|(?<!\d)(?:1[0-2]|0?[1-9])\s*月\s*\d{1,2}\s*[日号]|最后一个交易日|最后一天|第一个交易日")


def parse_slots(message: str, session: ChatSession | None = None, directory: Any = None) -> Slots:
    """Parse company, horizon, as-of date and quoted text from one message.

    A message that names no company inherits the session's last one when it continues the
    conversation (:func:`is_continuation`: "what about next month?", "will it rise?"). The
    horizon is inherited by forecast follow-ups that name none (the facade does that, once the
    route is known).
    """
    directory = _directory(directory)
    slots = Slots()
    simplified = to_simplified(message).lower()

    slots.as_of, notices = parse_as_of(message)
    slots.notices.extend(notices)
    slots.quoted_text = parse_quoted(message)

    # The horizon is parsed with dates removed ("2025-03-01" has no "days" in it, but "3月1日" does).
    # A span looking back is no horizon, but "forecast 2330 1m" is a month ahead: the shorthand is
    # left in for a forecast.
    lookback = LOOKBACK_WORDS if _FORECAST_WORDS.search(simplified) else LOOKBACK
    unspanned = _NOT_A_HORIZON.sub(" ", AVERAGE_VOLUME.sub(" ", simplified))  # "5日均量" is no horizon either
    horizon_text = AGO.sub(" ", lookback.sub(" ", ANY_DATE.sub(" ", unspanned)))
    from .i18n import answers_zh

    horizon, slots.horizon_notices = parse_horizon(horizon_text, answers_zh(message))
    if horizon is not None:
        slots.horizon_days, slots.horizon_explicit = horizon, True

    companies, unknown, suggestions = parse_companies(message, directory)
    if companies:
        slots.company = companies[0]
        slots.code = companies[0].code
        slots.codes = list(dict.fromkeys(c.code for c in companies))
        slots.notices.extend(adr_notices(message, directory))
        last = session.last_code if session is not None else None
        if (last and last not in slots.codes and ((BACK_REFERENCE.search(simplified) and _COMPARING.search(simplified))
                                                  or COMPARE_WITH.search(simplified))):
            # "compare it with 2454" after a TSMC answer: TSMC first, then 2454.
            slots.codes = [last, *slots.codes]
            slots.code = last
            try:
                slots.company = directory.get(last)
            except Exception:
                slots.company = None
    elif (unknown is not None and not (session is not None and session.last_code and unknown.lower() in _BACK_WORDS)
          and not (unknown.isdigit() and target_price(message) == float(unknown))):  # "goes above 1000": a price, no code
        slots.unknown_company, slots.suggestions = unknown, suggestions
        hint = (f" Did you mean: {', '.join(suggestions)}?" if suggestions else
                " No TWSE or TPEx company has a name or code close to it.")
        slots.notices.append(f"Unknown company {unknown!r}.{hint}")
    elif (session is not None and session.last_ranked and (end := ranked_end(simplified)) in session.last_ranked
          and not _new_ranking(message)):  # "what's the worst performing stock this year?" ranks again
        # "why did the top one rise?", "第一名為什麼漲" after a ranking: its first (last) company
        slots.code = session.last_ranked[end]
        slots.codes = [slots.code]
        slots.inherited_code = True
        try:
            slots.company = directory.get(slots.code)
        except Exception:
            slots.company = None
    elif session is not None and session.last_code and (
            is_continuation(simplified, slots)
            or (max(len(session.last_codes), len(session.recent_codes)) > 1 and plural_back(simplified))):
        slots.code = session.last_code
        slots.inherited_code = True
        count = back_count(simplified)
        if plural_back(simplified) and len(session.last_codes) > 1 and (count is None or count <= len(session.last_codes)):
            slots.codes = list(session.last_codes)[-count:] if count else list(session.last_codes)  # "their correlation"
            slots.code = slots.codes[0]
        elif plural_back(simplified) and len(session.recent_codes) > 1:
            # one company an answer: the number named ("這三家"), else the last two asked about, or
            # with a superlative ("哪個最會漲" after three) the last four
            many = bool(re.search(r"最|\b(?:most|best|worst|highest|lowest|strongest|weakest)\b", simplified))
            slots.codes = session.recent_codes[-(count or (4 if many else 2)):]
            slots.code = slots.codes[0]
        elif len(session.last_codes) > 1 and _NEEDS_TWO.search(simplified):
            # "那相關性呢" after both companies' prices: between them (it had asked one company's against the market)
            slots.codes = list(session.last_codes)
            slots.code = slots.codes[0]
        elif len(session.last_codes) > 1 and _ASPECT_ALONE.fullmatch(simplified):
            # "那風險呢" after both companies' prices: both companies' risk
            slots.codes = list(session.last_codes)
            slots.code = slots.codes[0]
        elif len(session.last_codes) > 1 and session.last_route == "sentiment" and _asks_label_list(simplified):
            # "show me the negative ones" after two companies' news side by side: each one's (it had been the first's)
            slots.codes = list(session.last_codes)
            slots.code = slots.codes[0]
        elif len(session.last_codes) > 1 and _ONLY_A_SPAN.fullmatch(simplified):
            # "what about 20 days?" after two forecasts: both again, over the new span (it had been the first alone)
            slots.codes = list(session.last_codes)
            slots.code = slots.codes[0]
        try:
            slots.company = directory.get(session.last_code)
        except Exception:
            slots.company = None
    return slots
