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

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ingest.cjk import has_cjk
from ingest.types import PriceBar

from .i18n import answers_zh
from .periods import (ALL_TIME, AVERAGE_VOLUME, FIRST_OF, PERIOD_LABELS_ZH, YOY, Period, asks_around, day_shift,
                      no_such_day, parse_period, period_label, shifted_day, strip_dates, year_before)
from .price_format import (SHARES_PER_LOT, bar_of, company_label, company_of, consistent_value, day_label, fmt_price,
                           limit_note, pct, source_name, volume_text, yi)
from .price_records import (GAPS, asks_average, asks_average_daily, asks_average_range, asks_back_to_day, asks_candles,
                            asks_daily, asks_ohlc, asks_range_position, back_to_day_text, POSITION_SESSIONS,
                            range_position_text,
                            asks_periodic, asks_records, asks_streak, asks_up_share, asks_volume, asks_volume_over_time,
                            asks_volume_trend,
                            average_daily_text, average_volume_text, asks_average_volume, day_move, day_move_text,
                            average_range_text, average_text, beyond_text, daily_text, day_gap_text, extreme_pair,
                            extreme_pair_text, from_extreme, from_extreme_text, last_beyond, periodic_text, records_text,
                            streak_text, turn_note, up_share_text, volume_trend_text)
from .slots import (BACK_REFERENCE, COMPANY_TOPIC, COMPARE_WITH, LOOKBACK, adr_notice, plural_back, to_simplified, unquoted,
                    without_companies)
from .types import Answer, Citation, EngineRequest
from .versus_market import asks_vs_industry, asks_vs_market

log = logging.getLogger(__name__)

ENGINE = "qa:prices"
TAIPEI = ZoneInfo("Asia/Taipei")
STALE_DAYS = 7  # a bar this many calendar days older than the day asked gets a notice on how to refresh

# --- what is a price question ----------------------------------------------------------------
# Matched on OpenCC-simplified, lower-cased text. Strong words ask for a price by themselves;
# weak ones ("how did X do", 表现) only together with a past period ("last week", a date).
_STRONG = re.compile(
    r"\b(?:stock|share)s? price\b|\bprice (?:of|on|at|for|today|yesterday|now|was|is|between|from|during|over|since|in|last|this|past)\b|\bprice\s*[?？]*\s*$"
    r"|['’]s price\b|\b(?:current|latest|last|closing|close|opening|open|trading) price\b|\b(?:stock|price|share) quotes?\b"
    r"|\bclos(?:e|es|ed|ing)\b(?!\s+(?:to|a|the|its|their|deal|in on|ranks)\b)|\bopened (?:at|on)\b"
    r"|\b(?:day'?s|intraday|daily) (?:high|low|range)\b|振幅|\b(?:high|low) (?:of|on|today|yesterday)\b|\bnew (?:high|low)s?\b"
    r"|\bliquid(?:ity)?\b|流动性"  # "how liquid is 2454?": the shares and value traded a day
    # "how many shares did TSMC trade today?": the volume; "台積電周轉率": the volume, and why no rate
    r"|周转率"
    r"|\bhow many (?:shares|lots)\b.{0,30}\b(?:trade[ds]?|traded|changed hands|change hands)\b"
    # "台積電漲了還是跌了", "台積電跌到哪裡了", "聯發科這禮拜怎樣": the past, from the store
    r"|涨了还是跌了|跌了还是涨了|(?:跌|涨)到(?:哪里|哪儿|哪|多少)了|(?:这|本|上)(?:礼拜|周|星期)(?:的)?(?:怎样|怎么样|如何)"
    # "2330今天漲還跌" (today's move, not a forecast), "聯發科最近很弱耶" (the recent sessions)
    r"|(?:今天|今日|昨天|昨日|刚刚|这周|本周|上周|这礼拜)(?:是)?(?:涨还是跌|跌还是涨|涨还跌|跌还涨|收红还是收黑|红还是黑)"
    r"|(?:最近|近期|这阵子|这几天|今天|这周|本周)(?:股价|走势)?(?:很|好|超|有点|蛮|满|太)(?:弱|强|烂|惨|猛|差)"
    r"(?:耶|欸|啊|呢|吗|喔|诶)?\s*[?？!！。]*\s*$"
    r"|\bturnover\b|\bvalue traded\b|\bvwap\b|\baverage (?:trade |traded |closing |close )?(?:price|close)s?\b|均价|平均价|平均收盘"
    r"|\b(?:\d+|one|a)\s*-?\s*(?:day|week|month|year)s?\s+(?:high|low|range)\b|新高|新低|高点|低点|(?:周|月|年|日|天)(?:以?来|内)?的?(?:最高|最低)"
    # traders' shorthand: "52w range", "3m high", "5d change", "1y perf"
    r"|\b\d{1,3}\s*(?:d|w|wk|m|mo|y|yr)\s+(?:high|low|range|hi|lo|(?:price\s+)?(?:changes?|perf(?:ormance)?|moves?|gains?|loss(?:es)?))\b"
    r"|\b(?:hit|reach|touch|ma[dk]e|set)\w*\s+(?:its|their|a|the)\s+(?:(?:\d{4}|yearly|annual|monthly|weekly|year's|month's)\s+)?(?:high|low|peak|bottom)s?\b"
    r"|\b\d{4}\s+(?:high|low)s?\b|\b(?:highest|lowest) (?:close|closing|price|level)\b"
    # "what's the lowest 2330 has been this year?", "how high did TSMC go in January?"
    r"|\b(?:highest|lowest)\b.{0,25}\b(?:has been|have been|went|got|traded|fell|rose|was)\b|\bhow (?:high|low) (?:has|did|was)\b"
    r"|(?<!production )(?<!sales )(?<!shipment )(?<!\bin )(?<!\bhigh[- ])\b(?:trading )?volume\b"
    r"(?!\s+(?:production|shipments?|manufacturing|orders?|sales)\b)|\bshares traded\b"
    r"|\bhow (?:is|are)\b.{0,30}\b(?:stock|shares?)\b.{0,12}\b(?:doing|performing|trading)\b|股价怎么样|股价如何"
    r"|股价|收盘|开盘|最高价|最低价|成交量|成交额|成交值|成交金额|报价|(?<!营)收在|(?<!营)收了|(?<!营)收多少|价位|价格多少|多少钱"
    # "0050現在多少", "2330現價", "台積電跌了多少"
    r"|现价|(?:现在|目前|今天)(?:是)?(?:多少|几块)(?:钱|块)?\s*[?？]?\s*$|(?<!营收)(?:涨|跌)了多少"
    # "show me the TSMC chart", 台積電K線: the UI draws the stored bars; the text gives the trend.
    r"|\b(?:price |stock |share |daily )?charts?\b|\bcandlesticks?\b|\bk\s*线|(?:日|周|月)\s*k(?:棒)?(?![a-z])|走势图|线图"
    r"|^\s*(?:plot|graph|draw)\b|\b(?:plot|graph|draw) (?:the |its )?(?:price|prices|close|closes)\b|画出|画图"
    r"|\blimit[- ](?:up|down)\b|涨停|跌停|\ball[- ]time (?:high|low)s?\b|\brecord (?:high|low)s?\b|历史(?:新)?(?:高|低)"
    # "2330 real-time quote", "TSMC quote", "台積電即時股價": the newest stored close, said to be no live quote
    r"|\b(?:real[- ]?time|live|streaming)\s+(?:stock\s+|share\s+)?(?:quotes?|prices?)\b|\bquotes?\s*[?？.!]*\s*$|(?:即时|实时)(?:股价|报价|价格)"
)
# "the turnover rate of 2330", "台積電週轉率": volume over shares outstanding, which are not stored.
_TURNOVER_RATE = re.compile(r"\bturnover (?:rate|ratio)\b|\bshare turnover\b|周转率|週轉率")
# A live quote is asked: finqa has one bar per session, at the close (said beside the newest close).
_LIVE = re.compile(r"\b(?:real[- ]?time|live|streaming|intraday)\b|即时|实时|盘中|\bright now\b")
# "how much is TSMC now?", "what is 2330 trading at?": the price, unless a company figure is named.
_NOW = re.compile(r"\bhow much is\b.{0,30}\b(?:now|today|trading)\b|\btrading at\b")
_WEAK = re.compile(
    r"\bhow (?:did|has|have|was|were)\b.{0,40}\b(?:do|done|perform|performed|trade|traded|fare|fared|move|moved|go)\b"
    # "how is 2454 doing this month?": with a period named (without one it is the overview)
    r"|\bhow(?:'s| is| are)\b.{0,40}\b(?:doing|performing|trading|faring|moving|going|looking)\b"
    # "2330 up or down today?", "is TSMC down this week?", "did 2454 rise yesterday?": with a period
    r"|\bup or down\b|\b(?:is|was|are|were|did)\b.{0,30}\b(?:up|down|higher|lower|rise|rose|fall|fell|gain|gained|drop|dropped"
    r"|cheaper|pricier|more expensive)\b|便宜|贵"
    # "2330 range in April 2025", "the spread between its high and low in 2025", "高低點區間"
    r"|\b(?:trading |price )?range\b|\bhigh and low\b|\bhigh-low\b|高低点|高低价|区间"
    r"|涨还是跌|是涨是跌|涨跌如何|涨跌(?!幅?排)"
    # "2330 change today", "2330 percentage change this week": with a period
    r"|\b(?:price|percentage|percent|%|stock|share|daily|weekly|monthly)\s+changes?\b|\b\d{4,6}\s+changes?\b"
    r"|\bchanges?\s+(?:today|yesterday|this week|last week|this month|last month)\b"
    r"|\b(?:gain|gained|lose|lost|rise|rose|fall|fell|drop|dropped|up|down)\b.{0,12}\bhow much\b"
    r"|\bhow much\b.{0,30}\b(?:gain|gained|lose|lost|rise|rose|fall|fell|drop|dropped|up|down|move|moved)\b"
    r"|\bperf(?:ormance)?\b|表现|涨了|跌了|涨幅|跌幅|涨多少|跌多少|走势|走得"
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
    r"|为什么|为何|原因|解释|明天|明日|下周|下个月|下月|未来|(?:天|(?<!月\d)(?<!月\d\d)日|周|星期|月)(?:之|以)?后(?!\s*(?:的)?\s*(?:一|1)?\s*(?:个)?\s*(?:周|星期|礼拜|月))|接下来|往后"
    r"|(?<!说)会(?!议|计)|将会|预测|预估|目标价|涨价|降价|调涨|调降"
)

_IN_A_DAY = re.compile(r"\b(?:in|on|within|during) (?:a|one|1|a single|the same|any) (?:day|session|trading day)\b")

# "2330 momentum", "which has better momentum?", "動能最強": the change over the last month of sessions.
MOMENTUM = re.compile(r"\bmomentum\b|动能|动量")
MOMENTUM_SESSIONS = 20


def momentum_period(zh: bool) -> tuple[Period, str]:
    """The span momentum is read over, and the notice that says so (one definition for one
    company's answer and for rankings)."""
    return (Period("trailing", sessions=MOMENTUM_SESSIONS, label=f"the last {MOMENTUM_SESSIONS} sessions"),
            f"動能以最近 {MOMENTUM_SESSIONS} 個交易日（約一個月）的漲跌幅衡量；要看別的期間請寫出來，例如「最近三個月的動能」。"
            if zh else f"Momentum here is the change over the last {MOMENTUM_SESSIONS} trading days (about a "
            "month); name a span for another (\"momentum over the last 3 months\").")


# A company and "how much" and nothing else ("2330多少", "台積電現在多少錢"): its price (on Simplified,
# lower-cased text with the company blanked out)
# "台積電漲幾%", "跌了多少趴": the change asked in percent (a revenue's growth is the news: COMPANY_TOPIC)
_CHANGE_IN_PERCENT = re.compile(r"(?:涨|跌)(?:了)?\s*(?:几|多少)\s*(?:%|％|趴|个百分点)")
_HOW_MUCH_ALONE = re.compile(r"[\W_]*(?:的)?(?:现在|目前|今天|最新)?(?:是|要|股价)?(?:多少|多少钱|几块|几元|多少元)(?:了)?(?:呢|啊)?[\W_]*")


def is_price_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks for a past or present price fact about the company ``code``."""
    if not code or not message:
        return False
    # Quoted text is a headline to classify or discuss, not the question ("「台積電營收創新高」").
    s = unquoted(message)
    if day_move(message) is not None:  # "fell 5% in a day": a size of move, no day ahead
        s = _IN_A_DAY.sub(" ", s)
    if NOT_A_FACT.search(s):
        return False
    if (_STRONG.search(s) or GAPS.search(s) or asks_daily(message) or asks_average_daily(message) or asks_periodic(message)
            or asks_average_range(message) or asks_up_share(message) or day_move(message)
            or from_extreme(message) or asks_back_to_day(message)  # "is TSMC back to its April 2 level?"
            or asks_streak(message)
            or last_beyond(message) or asks_volume_trend(message)  # "鴻海爆量", "台積電量價背離"
            or asks_which_did_better(message)  # "哪個報酬比較好": their changes side by side
            or asks_vs_market(message) or asks_vs_industry(message)  # "台積電跟大盤比", "2330 vs its industry"
            or FIRST_OF.search(s)  # "TSMC first trading day of 2025": that session
            or MOMENTUM.search(s)  # "2330 momentum": the last month's change
            or (YOY.search(s) and not COMPANY_TOPIC.search(s))  # "2330 year over year" (its revenue's is news)
            or AVERAGE_VOLUME.search(s)  # "台積電5日均量", "20-day average volume": the volume over those sessions
            or (_OTHER_CURRENCY.search(s) and not COMPANY_TOPIC.search(s))  # "what's 2330 in dollars?": its price, in NT$
            or len(compared_periods(message, date.today())) > 1  # "台積電4月跟3月比": two spans
            or names_only_a_period(message)
            or names_only_companies(message)
            or _HOW_MUCH_ALONE.fullmatch(without_companies(message).strip())  # "2330多少", "台積電現在多少"
            or (_CHANGE_IN_PERCENT.search(s) and not COMPANY_TOPIC.search(s))):  # "台積電漲幾%"
        return True
    if _NOW.search(s) and not COMPANY_TOPIC.search(s):  # not "how much is TSMC's market cap now?"
        return True
    # "How did TSMC's revenue do last year?" asks about the business, not the share price.
    return bool(_WEAK.search(s)) and not COMPANY_TOPIC.search(s) and parse_period(message, date.today()).kind != "latest"


# Words a terse question may carry beside a company and a period ("TSMC in March", "2330 股價
# 上週") that ask nothing else; on Simplified, lower-case text.
_PERIOD_WORDS = re.compile(
    r"(?:上|这|本)?(?:周|星期|礼拜)[一二三四五六日天]|\b(?:year[- ]to[- ]date|month[- ]to[- ]date|ytd|mtd|yesterday|today|now|currently|current|last|previous|this|past"
    r"|week|month|year|start|beginning|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|recently|lately|recent|first|trading|session|day)\b|昨天|昨日|今天|今日|现在|目前|上周|上星期|上礼拜|本周|这周|这星期|这礼拜|上个月|上月|本月"
    r"|这个月|去年|今年|最近|近期|近来|年初|月初")
_FILLER = re.compile(r"\b(?:in|on|for|during|over|the|of|at|from|to|and|between|end|before|after|following|preceding|stock|stocks|shares?|prices?|since|start|"
                     r"beginning|so far"
                     # "zoom into March 2025", "2330, just April", "focus on last week" after a company's prices
                     r"|zoom(?:ed)?(?: in)?|into|focus|drill(?: down)?|narrow(?: it)?(?: down)?|just|only|show|me|look|let's|now"
                     # "2330 summary for last week", "台積電上週總結": the span's prices, summed up
                     r"|summary|recap|rundown|review|performance|give|a|quick)\b|以来|至今|迄今|之后|以后|之前|以前|最后|交易日|表现"
                     r"|总结|回顾|概况|[的呢吗在股票价格到至从自后前个一周月]")


def names_only_a_period(message: str) -> bool:
    """Whether ``message`` is a company and a period and nothing else ("TSMC last week", "2330
    2025-04", "台積電 上週"): the terse way of asking how the stock did then."""
    rest = without_companies(message)
    if parse_period(rest, date.today()).kind == "latest":
        return False
    for pattern in (LOOKBACK, ALL_TIME, _PERIOD_WORDS, _FILLER):
        rest = pattern.sub(" ", strip_dates(rest))
    return not re.sub(r"[\W_]+", "", rest)


_COMPARE_FILLER = re.compile(r"\b(?:vs|versus|v|compare[ds]?|comparison|with|and|or|against)\b|\brelative (?:strength|performance)\b(?! index)"
                             # "台積電 聯發科 聯電 三家比較", "compare these three"
                             r"|(?:这|那)?[两三四五六七八九十2-9]\s*(?:家|档|支|只|个)(?:公司|股票|股)?|\b(?:these|those|the|all)\s+(?:two|three|four|five)\b"
                             r"|[比较对和跟与还是及、]")
# "Which is better, 2330 or 2454?", "台積電和聯發科哪個好": the same comparison, and no pick.
_WHICH_BETTER = re.compile(r"\b(?:which|what)(?: one| stock)?(?: of (?:them|the \w+|these \w+|those \w+))?"
                           r"(?: is|'s| was| looks| seems| would have been| would be)? (?:the )?"
                           r"(?:better|best|stronger|strongest)"
                           r"(?: (?:long|short)[- ]term)?(?: buy| stock| pick| choice| investments?| hold)?"
                           r"(?: (?:for|in) the (?:long|short) (?:term|run))?\b"
                           r"|\bbetter (?:(?:long|short)[- ]term )?(?:buy|pick|choice|investment)\b"
                           r"|(?:哪(?:一)?(?:个|支|只|档|家)?|谁)(?:长期|短期|长线|短线)?(?:比较|更|最)?(?:好|强|值得买)")


# "Which is cheaper, 2330 or 2454?", "台積電和聯發科哪個比較便宜": the prices side by side, and that a
# lower share price is no cheaper valuation (which needs earnings; none are stored).
_CHEAPER = re.compile(r"\b(?:which|what)(?: one| stock)?(?: is|'s| was)? (?:the )?(?:cheaper|cheapest|more expensive|pricier|"
                      r"undervalued|overvalued|better value)\b|哪(?:一)?(?:个|档|支|只|家)?(?:比较|更|最)?(?:便宜|贵)")


# "which one rose more, 2330 or 2454?", "which did better?": a fact of the past, side by side
_WHICH_MOVED = re.compile(r"\b(?:which|who)(?: one| stock| of them)? (?:rose|gained|fell|dropped|lost|did|performed|went up|went down)"
                          r"(?: (?:more|less|better|worse|the most|the least|most|least))\b")


def asks_which_is_cheaper(message: str) -> bool:
    return bool(_CHEAPER.search(to_simplified(message).lower()))


def cheaper_note(zh: bool) -> str:
    return ("股價高低不代表貴或便宜：一張的價格取決於股數，估值要看本益比等財務數字，finqa 沒有儲存財報，因此無法比較估值。" if zh else
            "A lower share price does not make a stock cheaper: the price per share depends on how many shares there "
            "are, and valuation needs earnings (a P/E), which finqa does not store, so it cannot compare valuations.")


def asks_which_is_better(message: str) -> bool:
    """Whether ``message`` asks finqa to pick between companies ("which is better, 2330 or 2454?")."""
    return bool(_WHICH_BETTER.search(to_simplified(message).lower()))


# "哪個報酬比較好", "which had the better return?", "誰漲比較多": a fact of the past (their changes side by
# side), not a pick; on Simplified, lower-cased text.
_DID_BETTER = re.compile(
    r"(?:哪|谁).{0,8}(?:报酬|回报|获利|赚(?:得|比较)?多|涨(?:得|幅)?(?:比较|较|最)?(?:多|大)|表现(?:得)?(?:比较|较|最)?(?:好|佳))"
    r"|\bwhich\b.{0,30}\b(?:better|higher|best|bigger)\s+(?:return|performance|gain)s?\b"
    r"|\b(?:which|who)\b.{0,20}\b(?:did|performed|rose|gained|returned)\s+(?:better|more|best|most)\b")


def asks_which_did_better(message: str) -> bool:
    """Whether ``message`` asks which company's price did better (a past change, no pick)."""
    return bool(_DID_BETTER.search(unquoted(message)))


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
    rest = _WHICH_MOVED.sub(" ", _CHEAPER.sub(" ", rest))
    rest = _FILLER.sub(" ", _COMPARE_FILLER.sub(" ", BACK_REFERENCE.sub(" ", _WHICH_BETTER.sub(" ", rest))))
    for pattern in (LOOKBACK, ALL_TIME, _PERIOD_WORDS):  # "2454 跟2330比（2025-04-01到2025-04-30）": a span beside them
        rest = pattern.sub(" ", strip_dates(rest))
    return not re.sub(r"[\W_]+", "", rest)


def price_question_of(message: str, answer: Answer, previous: str | None) -> str | None:
    """What a chat session remembers after ``answer``: the question that defines the period of
    the last price answer (for follow-ups), or ``None`` once another kind of answer came."""
    from .overview import ENGINE as OVERVIEW, is_overview_question

    if answer.engine == OVERVIEW:  # "and 2454?" next asks 2454's overview
        return message if is_overview_question(message, answer.code) else (previous or message)
    if answer.engine != ENGINE:
        return None
    from .coverage import is_coverage_question

    if is_coverage_question(message):  # "how many articles about 2330?": "and 2454?" asks it again
        return message
    if previous and day_shift(message) and answer.bars and parse_period(message, date.today()).kind == "latest":
        # "and the next day?": the question now asks about the day it moved to, so that another
        # "and the next day?" moves on from there.
        return f"{strip_dates(previous)} on {answer.bars[-1].date.isoformat()}"
    if answer.ranking:  # a ranking is remembered by the ranking question, not by "and last week?"
        from .movers import changes_kind, is_ranking_question, refers_back, without_kind

        if previous and is_ranking_question(message) and refers_back(message):
            return f"{message} {previous}"  # "which of them fell the most?": still that group and period
        if is_ranking_question(message) or not previous:
            return message
        if changes_kind(message):  # "and the losers?": losers now, of the period (and group) asked before
            return f"{message} {without_kind(previous)}"
        # "and in February?": the ranking asked, in the period now named (the period first, so
        # that it is the one parse_period finds; "and 2454?" next asks 2454's February).
        return f"{message} {previous}" if parse_period(message, date.today()).kind != "latest" else previous
    from .risk import is_risk_question
    from .technicals import is_indicator_question

    if is_indicator_question(message, answer.code) or is_risk_question(message, answer.code):
        return message
    if (previous and COMPARE_WITH.search(to_simplified(message).lower())
            and parse_period(message, date.today()).kind == "latest"):
        # "跟聯發科比呢" compared over the span asked before: that span stays, and the company it was
        # asked of is written in, so that "那前一個月" next asks both again
        own = answer.code if answer.code and answer.code not in message else ""
        return " ".join(f"{own} {message} {previous}".split())
    if is_price_question(message, answer.code) or parse_period(message, date.today()).kind != "latest":
        # "what about 2025-04-07?" after an indicator (or drawdown...) question keeps asking for it.
        if (previous and (is_indicator_question(previous, answer.code) or is_risk_question(previous, answer.code))
                and (not is_price_question(message, answer.code) or names_only_a_period(message))):
            return f"{message} {previous}"  # "and in 2024?" after a drawdown: still the drawdown, of 2024
        return message
    return previous


# --- answering -------------------------------------------------------------------------------
def _why_missing(market: str, d: date, zh: bool) -> str:
    from ingest.calendar import is_session

    if d.weekday() >= 5:
        return "週末不交易" if zh else "a weekend: no trading"
    if not is_session(market, d):
        return "休市日" if zh else "a market holiday"
    return "資料庫裡沒有這一天的資料" if zh else "not in the store"


def newer_or_newest(codes: str, last: date, zh: bool) -> str:
    """For a span after the store's newest bar: the command that fetches newer prices, and the
    newest month the store can answer about instead."""
    month = last.strftime("%Y-%m")
    return (f"執行 `finqa ingest prices {codes}` 取得更新資料，或改問資料涵蓋的期間，例如最新的月份 {month}。" if zh else
            f"`finqa ingest prices {codes}` fetches newer ones; or ask about a span it covers, such as its newest "
            f"month, {month}.")


def store_footer(zh: bool) -> str:
    """The line under an answer read straight from the price store."""
    return ("（數字直接取自 finqa 的股價資料庫，未經語言模型。）" if zh else
            "(Figures straight from finqa's price store; no language model was involved.)")


def visible_day(ref: date, as_of: date | None) -> date:
    """The last day an answer may read: the day before the as-of date (nothing on or after it is
    seen), else the user's day itself: the point-in-time rule for stored bars, written once."""
    return ref - timedelta(days=1) if as_of else ref


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


def currency_notice(message: str, zh: bool) -> str | None:
    """The word that amounts stay in NT$ when ``message`` asks for them in US$ ("2330 in USD")."""
    if not _OTHER_CURRENCY.search(to_simplified(message).lower()):
        return None
    return ("價格以新台幣（NT$）計，即交易所的報價；finqa 不儲存匯率，因此不換算成美元。" if zh else
            "Prices are in NT$, as the exchange quotes them; finqa stores no exchange rates, so it does not "
            "convert them to US$.")

# "TSMC ADR price", "台積電ADR": the US listing, which finqa does not store (slots.adr_notice).
_ADR = re.compile(r"\badrs?\b|存托凭证")


CANDLE_SESSIONS = 130  # "台積電週K" with no span: about half a year of weekly candles


def price_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The answer from the store's bars, or ``None`` when ``req`` is not a price question."""
    code = req.code
    asked = req.message
    several = len({c for c in [code, *req.codes] if c}) > 1
    if several and code:
        from .overview import is_overview_question

        several = is_overview_question(req.message, code)  # "how are TSMC and MediaTek doing?": side by side
    # "這三家誰最強" / "compare these three" after forecasts: the conversation's companies side by side
    picks = len({c for c in [code, *req.codes] if c}) > 1 and (
        asks_which_is_better(req.message) or plural_back(to_simplified(req.message).lower()))
    if not is_price_question(req.message, code) and not several:
        from .figures import asked_figures

        if asked_figures(req.message):
            return None  # "那籌碼呢" after a price: a figure the store does not hold (the news is searched)
        if not (req.follows_price_question and code):
            if not picks:
                return None
        # A follow-up ("and 2454?", "what about last week?"): its own period if it names one,
        # else the period of the question it follows.
        elif parse_period(req.message, date.today()).kind == "latest":
            asked = req.follows_price_question
    zh = answers_zh(req.message)
    # The user's "today" is the as-of day when one is set (its own bar is not visible: strictly
    # before), else today in Taipei.
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    period = parse_period(asked, ref)
    if (period.kind == "latest" and req.follows_price_question
            and COMPARE_WITH.search(to_simplified(req.message).lower())):
        period = parse_period(req.follows_price_question, ref)  # "compare with 2454" keeps April's span
    if asked is not req.message and code:  # "and the next day?" after a day's price
        period = shifted_day(store, code, period, day_shift(req.message), visible_day(ref, req.as_of))
    if (pair := extreme_pair(asked, ref)) is not None:
        # "from its January peak to the April low": both spans and the sessions between them
        period = Period("range", pair[0].start, max(pair[0].end, pair[2].end),
                        label=f"{pair[0].start.isoformat()} – {max(pair[0].end, pair[2].end).isoformat()}")
    if period.kind == "latest" and (_LIQUID.search(to_simplified(asked).lower()) or asks_average_range(asked)
                                    or asks_volume_over_time(asked) or (asks_daily(asked) and not asks_candles(asked))
                                    or asks_average_volume(asked)):
        # "how liquid is 2454?", "2330 volume trend", "台積電每日漲跌幅", "台積電成交量均線": the last month of sessions
        period = Period("trailing", sessions=TREND_SESSIONS[1], label=f"the last {TREND_SESSIONS[1]} sessions")
    notices = list(req.notices)
    if period.kind == "latest" and MOMENTUM.search(to_simplified(asked).lower()):
        period, said = momentum_period(zh)
        notices.append(said)
    candles = asks_candles(asked)
    if period.label == "today":
        period = Period("latest", label="today")
    elif period.kind == "latest" and candles == "W":  # "台積電週K": the last half year, week by week
        period = Period("trailing", sessions=CANDLE_SESSIONS, label=f"the last {CANDLE_SESSIONS} sessions")
    elif period.kind == "latest" and (asks_records(asked) or asks_periodic(asked) or asks_streak(asked)
                                      or last_beyond(asked) or asks_up_share(asked) or from_extreme(asked)
                                      or day_move(asked)):  # "2330's highest close", "連跌幾天": all it holds
        period = Period("all", label="all-time")
    if (said := currency_notice(req.message, zh)) is not None:
        notices.append(said)
    if period.kind == "latest" and _LIVE.search(to_simplified(req.message).lower()) and not _RANGE.search(unquoted(req.message)):
        notices.append("finqa 每個交易日只存一筆收盤後的日資料，沒有即時或盤中報價：以下是資料庫中最新的收盤。" if zh else
                       "finqa stores one bar per session, at the close, and no real-time or intraday quotes: shown is "
                       "the newest stored close.")
    if _TURNOVER_RATE.search(to_simplified(req.message).lower()):
        notices.append("週轉率是成交量除以流通在外股數；finqa 沒有儲存股本或流通股數，因此無法計算，以下是成交量。" if zh else
                       "The turnover rate is volume over shares outstanding; finqa stores no share counts, so it cannot "
                       "compute it. The volume follows.")
    if _ADR.search(to_simplified(req.message).lower()) and (adr := adr_notice(company_of(code), zh)) not in notices:
        notices.append(adr)  # "TSM ADR price" already has it from the slots
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, code=code, answer=no_such_day(period, zh))
    if period.kind in ("day", "range") and period.start is not None and period.start > ref:
        # "2330 close on 2030-01-01": no close yet, not the newest one passed off as that day's
        now = (f"查詢基準日是 {ref.isoformat()}" if zh else f"the as-of date is {ref.isoformat()}") if req.as_of else (
            f"今天是 {ref.isoformat()}" if zh else f"today is {ref.isoformat()}")
        return Answer(route="qa", engine=ENGINE, notices=notices, code=code, answer=(
            f"{period_label(period, zh)} 還沒到（{now}），沒有收盤價。要看機率，可以問預測，例如 `{code} 未來 5 天預測`。"
            if zh else f"{period_label(period, zh)} has not come yet ({now}), so there is no close "
            f"for it. For odds, ask the forecaster, e.g. `forecast {code} next 5 days`."))
    # Every company the message names ("compare TSMC and MediaTek in April"), the first first.
    codes = list(dict.fromkeys(c for c in [code, *req.codes] if c))
    if len(codes) == 1 and asked is req.message and len(spans := compared_periods(asked, ref)) > 1:
        return _periods_side_by_side(store, code, spans, ref, req, notices, asked, zh)
    parts, citations, bars, changes = _readings(
        [(c, c, period) for c in codes], lambda c, p: read_prices(store, c, p, ref=ref, as_of=req.as_of, zh=zh,
                                                                  notices=notices, asked=asked))
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
            if _LONG_RUN.search(to_simplified(asked).lower()):
                longest = _long_run(store, [c for c, _ in changes], ref, req.as_of, zh)
                if longest:
                    parts.append(longest)
    if len(changes) > 1 and _MORE_VOLUME.search(to_simplified(asked).lower()):
        # "2330 vs 2454 which had more volume last week": the shares traded side by side, most first
        traded = [(c, sum(b.volume or 0.0 for b in bars if b.code == c)) for c, _ in changes]
        if sum(1 for _, v in traded if v) > 1:
            one_day = period.kind == "latest"
            parts.append((("成交量比較（最近一個交易日）：" if one_day else "成交量比較（期間合計）：") if zh else
                          ("Volume side by side (shares traded on the last trading day): " if one_day else
                           "Volume side by side (shares traded in the span): ")) +
                         ("、" if zh else ", ").join(f"{c} {v / 1000:,.0f} 張" if zh else f"{c} {v:,.0f}"
                                                     for c, v in sorted(traded, key=lambda t: -t[1])) + ("。" if zh else "."))
    if len(changes) > 1 and _LIQUID.search(to_simplified(asked).lower()):
        # "which is more liquid, 2330 or 2454?": the value traded a day, side by side
        daily = []
        for c, _ in changes:
            own = [b for b in bars if b.code == c and b.turnover]
            if own:
                daily.append((c, sum(b.turnover or 0.0 for b in own) / len(own)))
        if len(daily) > 1:
            parts.append(("流動性比較（日均成交值）：" if zh else "Liquidity side by side (value traded a day): ") +
                         ("、" if zh else ", ").join(f"{c} NT${v / 1e8:,.1f} 億" if zh else f"{c} NT${v / 1e9:,.2f}bn"
                                                     for c, v in sorted(daily, key=lambda t: -t[1])) + ("。" if zh else "."))
    if len(codes) == 1 and len(changes) == 1 and asks_vs_market(req.message):
        parts.append(_against_market(store, codes[0], period, [b for b in bars if b.code == codes[0]], changes[0][1],
                                     ref, req.as_of, zh))
    elif len(codes) == 1 and len(changes) == 1 and asks_vs_industry(req.message):  # "2330 vs its industry"
        industry_line = _against_industry(store, codes[0], period, [b for b in bars if b.code == codes[0]],
                                          changes[0][1], ref, req.as_of, zh, asked=req.message)
        if industry_line:
            parts.append(industry_line)
    if bars:
        parts.append(store_footer(zh))
    if len(codes) > 1 and asks_which_is_cheaper(req.message):
        last = {b.code: b.close for b in sorted(bars, key=lambda b: b.date)}  # each company's newest close
        if len(last) > 1:
            lots = sorted(last.items(), key=lambda t: t[1])
            parts.append(("一張（1,000 股）的價格：" if zh else "What a lot (1,000 shares) costs at the last close: ") +
                         ("、" if zh else ", ").join(f"{c} NT${p * SHARES_PER_LOT:,.0f}" for c, p in lots) + ("。" if zh else "."))
        parts.append(cheaper_note(zh))
    elif len(codes) > 1 and asks_which_is_better(req.message):
        parts.append(no_verdict(zh))
    # several companies' changes, best first: "and the best performer?" / "the worst one?" name them next
    ranked = [c for c, _ in sorted(changes, key=lambda t: -t[1])] if len(changes) > 1 else []
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=citations,
                  notices=notices, code=code, bars=bars, interval=candles if bars else None,
                  indicators={"side_by_side": ranked} if ranked else {})


# "2330 April vs March 2025", "台積電4月跟3月比": one company over two spans, each read on its own.
_PERIOD_SPLIT = re.compile(r"\s+(?:vs\.?|versus|compared (?:to|with)|against|and)\s+|\s*(?:跟|和|与|與|比|对比|對比|相比)\s*")
_A_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def compared_periods(message: str, ref: date) -> list[Period]:
    """Two or more spans the message sets against each other, in its order (a year written once
    serves every part: "April vs March 2025"); one span or none gives ``[]``."""
    if YOY.search(to_simplified(message or "").lower()):
        # "台積電4月跟去年同期比", "2330 Q1 2025 year over year": the span, then the same span a year before
        span = parse_period(YOY.sub(" ", to_simplified(message or "").lower()), ref)
        before = year_before(span)
        return [span, before] if before is not None else []
    pieces = [p for p in _PERIOD_SPLIT.split(message or "") if p and p.strip()]
    if len(pieces) < 2:
        return []
    whole = parse_period(message, ref)
    if whole.kind == "range" and " – " in whole.label:
        return []  # "between 2025-03-03 and 2025-03-04": one range, not two days
    years = _A_YEAR.findall(message)
    found: list[Period] = []
    for piece in pieces:
        if _A_YEAR.search(piece) or not years:
            text = piece
        else:  # the year written once serves this part too: "April vs March 2025", "2025年4月跟3月比"
            text = f"{years[-1]}年{piece}" if has_cjk(piece) else f"{piece} {years[-1]}"
            if parse_period(text, ref) == parse_period(f"in {years[-1]}", ref) and parse_period(piece, ref).kind == "latest":
                continue  # "what industry is 2382 in": no span of its own for the year to complete
        if re.fullmatch(r"\s*(?:19|20)\d\d\s*[?？]*\s*", text):
            text = f"in {text.strip(' ?？')}"  # "2024 and 2025": the second part is only a year
        p = parse_period(text, ref)
        if p.kind in ("day", "range", "trailing") and p not in found:
            found.append(p)
    return found if len(found) > 1 else []


@dataclass
class StoreQuestion:
    """What every answer read from the store starts from: the language, the user's day (the as-of
    day, else today in Taipei), the last visible day (strictly before an as-of day), the period
    named, and the notices so far."""

    zh: bool
    ref: date
    visible: date
    period: Period
    notices: list[str]

    def invalid(self) -> Answer | None:
        """The answer to a date that is no day ("2025-02-30"), else ``None``."""
        if self.period.kind != "invalid":
            return None
        return Answer(route="qa", engine=ENGINE, notices=self.notices, answer=no_such_day(self.period, self.zh))

    def ranked(self, parts: list[str], title: str, day: str, ranking: dict[str, Any]) -> Answer:
        """A ranking of the store: its paragraphs, the store cited once (``title``, as of ``day``),
        and the ranking --json and the UI's table carry."""
        citation = Citation(n=1, title=title, source="finqa store", date=day, url=None)
        return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=[citation], notices=self.notices,
                      ranking=ranking)

    def visible_bars(self, store: Any) -> pd.DataFrame:
        """Every stored bar up to the last visible day (``Store.all_bars`` rows)."""
        frame = store.all_bars()
        return frame[frame["date"] <= pd.Timestamp(self.visible)]


def store_question(req: EngineRequest, today: date | None = None) -> StoreQuestion:
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    return StoreQuestion(zh=answers_zh(req.message), ref=ref, visible=visible_day(ref, req.as_of),
                         period=parse_period(req.message, ref), notices=list(req.notices))


def _readings(items: list[tuple[str, str, Period]], read: Any
              ) -> tuple[list[str], list[Citation], list[PriceBar], list[tuple[str, float]]]:
    """``read(code, period)`` for each (name, code, period): the paragraphs, each cited; the bars
    (each once, in the order read); and each name's change, for the side-by-side line."""
    parts: list[str] = []
    citations: list[Citation] = []
    bars: list[PriceBar] = []
    changes: list[tuple[str, float]] = []
    seen: set[tuple[str, date]] = set()
    for name, code, period in items:
        reading = read(code, period)
        if not reading.bars:
            parts.append(reading.text)
            continue
        citations.append(Citation(n=len(citations) + 1, title=reading.title, source=reading.source,
                                  date=reading.bars[-1].date.isoformat(), url=None))
        parts.append(f"{reading.text} [{len(citations)}]")
        for b in reading.bars:  # two spans may share days ("April vs Q2")
            if (b.code, b.date) not in seen:
                seen.add((b.code, b.date))
                bars.append(b)
        if reading.change is not None:
            changes.append((name, reading.change))
    return parts, citations, bars, changes


def _periods_side_by_side(store: Any, code: str, spans: list[Period], ref: date, req: EngineRequest,
                          notices: list[str], asked: str, zh: bool) -> Answer:
    """Each span's summary, then their changes side by side."""
    parts, citations, bars, changes = _readings(
        [(period_label(p, zh), code, p) for p in spans],
        lambda c, p: read_prices(store, c, p, ref=ref, as_of=req.as_of, zh=zh, notices=notices, asked=asked))
    if len(changes) > 1:
        parts.append(("比較：" if zh else "Side by side: ") + ("、" if zh else ", ").join(
            f"{label} {x:+.2%}" for label, x in changes) + ("。" if zh else "."))
    if bars:
        parts.append(store_footer(zh))
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=citations, notices=notices,
                  code=code, bars=sorted(bars, key=lambda b: b.date))


def _against_market(store: Any, code: str, period: Period, own_bars: list[PriceBar], change: float, ref: date,
                    as_of: date | None, zh: bool) -> str:
    """The company's change beside the market proxy's over the same sessions (a single day: the
    last 20 sessions, as a comparison of companies does)."""
    from .versus_market import market_change, versus_text

    frame, first, last, change = _compared_span(store, code, period, own_bars, change, ref, as_of)
    label = company_label(code, company_of(code), zh)
    return versus_text(label, change, market_change(frame, code, first, last), first, last, zh)


def _compared_span(store: Any, code: str, period: Period, own_bars: list[PriceBar], change: float, ref: date,
                   as_of: date | None) -> tuple[pd.DataFrame, date, date, float]:
    """(the store's bars up to the visible day, the span's first and last day, the company's change
    over it) for a comparison with the market or its industry: the answer's own span, or with no
    period named the last 20 sessions, as a comparison of companies reads them."""
    visible = visible_day(ref, as_of)
    frame = store.all_bars()
    frame = frame[frame["date"] <= pd.Timestamp(visible)]
    first, last = own_bars[0].date, own_bars[-1].date
    if period.kind == "latest":
        closes = store.bars(code, end=visible)["close"]
        n = TREND_SESSIONS[1]
        if len(closes) > n:
            first, last = pd.Timestamp(closes.index[-n]).date(), pd.Timestamp(closes.index[-1]).date()
            change = float(closes.iloc[-1]) / float(closes.iloc[-n - 1]) - 1
    return frame, first, last, change


def _against_industry(store: Any, code: str, period: Period, own_bars: list[PriceBar], change: float, ref: date,
                      as_of: date | None, zh: bool, asked: str = "") -> str | None:
    """The company's change beside its industry's other stored companies over the same sessions
    (a single day: the last 20 sessions, as against the market); ``None`` for a company with no
    industry (an ETF)."""
    from ingest.companies import get_directory
    from ingest.industries import english_name

    from .versus_market import industry_change, named_industry, versus_industry_text

    industry = getattr(company_of(code), "industry", None)
    named = named_industry(asked)
    if named is not None and not named.includes(industry):
        # "how has it performed vs the semiconductor sector?": that group, not its own industry
        names = [named.name_zh, *named.members]
        members = list(dict.fromkeys(c.code for n in names for c in get_directory().industry_members(n)))
        industry, industry_en, own = named.name_zh, named.name_en, False
    elif industry:
        own = True
        members = [c.code for c in get_directory().industry_members(industry)]
        industry_en = english_name(industry) or industry
    else:
        return None
    frame, first, last, change = _compared_span(store, code, period, own_bars, change, ref, as_of)
    label = company_label(code, company_of(code), zh)
    return versus_industry_text(label, change, industry, industry_en,
                                industry_change(frame, code, members, first, last), first, last, zh, own_industry=own)


def _trailing_changes(store: Any, codes: list[str], sessions: int, ref: date,
                      as_of: date | None) -> list[tuple[str, float]]:
    """Each company's change over its last ``sessions`` stored sessions (point in time, like
    :func:`read_prices`); companies with a shorter history are left out."""
    visible = visible_day(ref, as_of)
    out = []
    for code in codes:
        closes = store.bars(code, end=visible)["close"]
        if len(closes) > sessions:
            out.append((code, float(closes.iloc[-1]) / float(closes.iloc[-sessions - 1]) - 1))
    return out


# "which is the better long-term investment, 2330 or 2454?", "哪個長期比較好": a month says little of the
# long run; the longest span both have, with its risk, beside it.
_LONG_RUN = re.compile(r"\blong[- ]term\b|\blong run\b|\blong haul\b|长期|长线|存股")


def _long_run(store: Any, codes: list[str], ref: date, as_of: date | None, zh: bool) -> str | None:
    """Each company's change, annualised volatility and worst drawdown over the longest span every
    one of them has stored (point in time); ``None`` when they share fewer than 20 sessions."""
    from .risk import MIN_SESSIONS, annualised_volatility, max_drawdown

    visible = visible_day(ref, as_of)
    closes = {c: store.bars(c, end=visible)["close"] for c in codes}
    closes = {c: s for c, s in closes.items() if len(s)}
    if len(closes) < 2:
        return None
    start = max(s.index[0] for s in closes.values())
    common = {c: s.loc[start:] for c, s in closes.items()}
    if min(len(s) for s in common.values()) < MIN_SESSIONS:
        return None
    end = min(s.index[-1] for s in common.values())
    rows = []
    for c, s in common.items():
        s = s.loc[:end]
        rows.append((c, float(s.iloc[-1]) / float(s.iloc[0]) - 1, annualised_volatility(s.pct_change().dropna()),
                     max_drawdown(s)[0]))
    rows.sort(key=lambda t: -t[1])
    n, first, last = len(next(iter(common.values())).loc[:end]), start.date().isoformat(), end.date().isoformat()
    if zh:
        body = "、".join(f"{c} {r:+.2%}（年化波動度 {v:.1%}、最大回撤 {d:.1%}）" for c, r, v, d in rows)
        return f"資料庫中共同最長的期間（{first} 至 {last}，{n} 個交易日）：{body}。過去的期間不代表未來。"
    body = ", ".join(f"{c} {r:+.2%} (volatility {v:.1%} a year, worst drawdown {d:.1%})" for c, r, v, d in rows)
    return (f"Over the longest span {'both' if len(rows) == 2 else 'all of them'} have stored ({first} to {last}, {n} sessions): {body}. "
            "A past span says nothing certain of the next.")


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
    zh = answers_zh(message)
    if notices is not None and store.last_bar_date(code) is None:
        label = company_label(code, company_of(code), zh)
        notices.append(f"尚未儲存 {label} 的股價：執行 `finqa ingest prices {code}` 後才能在新聞旁顯示當時的股價。" if zh else
                       f"No {label} prices are stored, so none is shown beside the news: `finqa ingest prices {code}` "
                       "fetches them.")
        return None
    reading = read_prices(store, code, period, ref=ref, as_of=as_of, zh=zh,
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
    visible = visible_day(ref, as_of)
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
        text = _day_text(label, shown, prev, zh, lots=_asks_lots(asked), spread=bool(_RANGE.search(unquoted(asked))))
        if asked and (asks_volume_trend(asked) or asks_volume(asked)):  # "is 2330 volume up today?", "TSMC volume"
            text += ("" if zh else " ") + volume_trend_text([shown], [float(v) for v in upto["volume"].iloc[:-1].dropna()], zh)
        if asked and GAPS.search(unquoted(asked)):  # "did 2454 gap up on 2025-04-10?"
            text += ("" if zh else " ") + day_gap_text(shown, prev, zh)
        if period.kind == "day" and asks_back_to_day(asked) and shown.date < last_day:
            # "台積電回到4月2日的價位了嗎": the latest close against that day's
            text += ("" if zh else " ") + back_to_day_text(shown, float(all_bars["close"].iloc[-1]), last_day, zh)
        if period.kind == "latest":
            text += _trend_text(upto["close"], zh)
        if asked and asks_range_position(asked):  # "台積電的股價在歷史的什麼位置": the last year of sessions
            year = [bar_of(code, d, row) for d, row in upto.tail(POSITION_SESSIONS).iterrows()]
            text += ("" if zh else " ") + range_position_text(year, zh)
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
                    if zh else f"The store holds no {label} prices {_for_span(period_label(period, zh))} (it has "
                    f"{first_day.isoformat()} to {last_day.isoformat()}).")
            if period.start is not None and period.start > last_day:
                text += ("" if zh else " ") + newer_or_newest(code, last_day, zh)  # "this week" on an old store
            return PriceReading(text, [])
        before = all_bars[all_bars.index < window.index[0]]
        prev = bar_of(code, before.index[-1], before.iloc[-1]) if len(before) else None
        bars = [bar_of(code, d, row) for d, row in window.iterrows()]
        if period.kind == "range" and (bars[0].date - period.start).days > 7 and not len(before):
            notices.append(f"資料庫中 {label} 的股價從 {first_day.isoformat()} 才開始。" if zh else
                           f"The store's prices for {label} only start on {first_day.isoformat()}.")
        if period.kind == "range" and (end - bars[-1].date).days > STALE_DAYS:  # "since 2025" on a stale store
            notices.append(stale_notice(label, code, bars[-1].date, end, zh))
        text = _range_text(label, bars, prev, period, zh, lots=_asks_lots(asked))
        if asked and asks_records(asked):
            text += ("" if zh else " ") + records_text(code, bars, prev, asked, zh)
        if asked and asks_streak(asked):
            text += ("" if zh else " ") + streak_text(list(zip([prev, *bars[:-1]], bars)), zh)
        if asked and (beyond := last_beyond(asked)) is not None:
            text += ("" if zh else " ") + beyond_text(bars, *beyond, zh)
        if asked and (asks_volume_trend(asked) or asks_volume(asked)):
            text += ("" if zh else " ") + volume_trend_text(bars, [float(v) for v in before["volume"].dropna()], zh)
        if asked and asks_average(asked):
            text += ("" if zh else " ") + average_text(bars, zh)
        if asked and asks_range_position(asked):  # "where is 2330 in its 2025 range?"
            text += ("" if zh else " ") + range_position_text(bars, zh)
        if asked and asks_average_volume(asked) and len(bars) > 1:  # "2317 average volume in March 2025"
            text += ("" if zh else " ") + average_volume_text(bars, zh)
        if asked and asks_up_share(asked):  # "2330 win rate", "台積電上漲天數比例"
            text += ("" if zh else " ") + up_share_text(bars, prev, zh)
        if asked and (moved := day_move(asked)) is not None:  # "when did TSMC last fall 5% in a day?"
            text += ("" if zh else " ") + day_move_text(bars, prev, *moved, zh)
        if asked and asks_average_range(asked):  # "2330 average daily range", "台積電平均振幅"
            text += ("" if zh else " ") + average_range_text(bars, prev, zh)
        if asked and asks_average_daily(asked):  # "average daily change of 2330 in 2025"
            text += ("" if zh else " ") + average_daily_text(bars, prev, zh)
        if asked and (pair := extreme_pair(asked, ref)) is not None:  # "from its January peak to the April low"
            text += ("" if zh else " ") + extreme_pair_text(all_bars["close"].astype(float), pair, zh)
        elif asked and (side := from_extreme(asked)) is not None:  # "how much has it recovered from the April low?"
            text += ("" if zh else " ") + from_extreme_text(bars, all_bars["close"].astype(float), side, zh)
            if note := turn_note(asked, code, zh):  # "has TSMC bottomed?": known only afterwards
                text += ("" if zh else " ") + note
        if asked and (freq := asks_periodic(asked)):
            text += periodic_text(bars, prev, freq, zh)
        elif asked and (asks_daily(asked) or asks_around(asked)) and len(bars) > 1:  # "before and after April 7": each day
            text += daily_text(bars, prev, zh, ohlc=asks_ohlc(asked))
        base = (prev or bars[0]).close
    span = bars[0].date.isoformat() + ("" if len(bars) == 1 else ("–" if zh else " to ") + bars[-1].date.isoformat())
    return PriceReading(text, bars, title=f"{label} 日成交資料 {span}" if zh else f"{label} daily prices {span}",
                        source=source_name(bars), change=(bars[-1].close / base - 1) if base else None)


_LIQUID = re.compile(r"\bliquid(?:ity)?\b|流动性")
# "which had more volume?", "誰的成交量比較大": the shares traded, compared
_MORE_VOLUME = re.compile(r"\b(?:more|higher|bigger|larger|most|highest)\s+(?:trading\s+)?volume\b|\bvolume\b.{0,20}\b(?:higher|more|bigger)\b"
                          r"|成交量.{0,6}(?:比较|较|最)?(?:大|多|高)|(?:谁|哪个|哪一个|哪家).{0,8}成交量"
                          # "台積電跟聯發科的成交量比較", "compare the volume of 2330 and 2454"
                          r"|成交量(?:的)?(?:比较|对比)|(?:比较|对比).{0,8}成交量|\bcompare\b.{0,30}\bvolumes?\b"
                          r"|\bvolumes?\b.{0,12}\b(?:compared|comparison|side by side)\b")


def _for_span(label: str) -> str:
    """"for April 2025", but "since 2025-03-01" as it is."""
    return label if label.startswith("since ") else f"for {label}"


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


def _asks_lots(asked: str) -> bool:
    """Whether an English question wants volume in lots too ("volume of TSMC in lots")."""
    return bool(asked and re.search(r"\blots\b(?!\s+of)", asked.lower()))  # not "a lot", not "lots of"


# "2330 intraday range yesterday", "台積電昨天振幅": the day's high minus its low, said outright.
_RANGE = re.compile(r"\b(?:day'?s|intraday|daily|trading) range\b|振幅")


def _day_text(label: str, bar: PriceBar, prev: PriceBar | None, zh: bool, *, lots: bool = False,
              spread: bool = False) -> str:
    """One session: the close and its change, open, high, low, volume; with ``spread``, the range
    (high - low) and 振幅 (the range over the previous close, as Taiwan quotes it)."""
    vol = volume_text(bar.volume, zh, consistent_value(bar.turnover, bar.volume, bar.low, bar.high), lots)
    limit = limit_note(bar.code, prev.close, bar.close, zh) if prev else ""
    width = bar.high - bar.low if spread and bar.high is not None and bar.low is not None else None
    amp = f"{width / prev.close:.2%}" if width is not None and prev is not None and prev.close else None
    if zh:
        change = f"，較前一交易日（{prev.date.isoformat()}，{fmt_price(prev.close)}）{pct(prev.close, bar.close)}{limit}" if prev else ""
        rng = f"；高低價差 {fmt_price(width)}" + (f"，振幅 {amp}" if amp else "") if width is not None else ""
        return (f"**{label}** {day_label(bar.date, True)}收盤 {fmt_price(bar.close)}{change}。"
                f"開盤 {fmt_price(bar.open)}、最高 {fmt_price(bar.high)}、最低 {fmt_price(bar.low)}{rng}" + (f"；{vol}" if vol else "") + "。")
    change = f", {pct(prev.close, bar.close)}{limit} from {fmt_price(prev.close)} on {prev.date.isoformat()}" if prev else ""
    rng = (f" (a range of {fmt_price(width)}" + (f", {amp} of the previous close" if amp else "") + ")") if width is not None else ""
    return (f"**{label}** on {day_label(bar.date, False)}: closed at {fmt_price(bar.close)}{change}. "
            f"Open {fmt_price(bar.open)}, high {fmt_price(bar.high)}, low {fmt_price(bar.low)}{rng}" + (f"; {vol}" if vol else "") + ".")


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
    value = (consistent_value(sum(values), total, lo, hi)  # only when every day has it
             if values and len(values) == len(volumes) else None)
    n = len(bars)
    closes = ([prev.close] if prev else []) + [b.close for b in bars]
    moves = [b - a for a, b in zip(closes, closes[1:])]
    up, down = sum(m > 0 for m in moves), sum(m < 0 for m in moves)
    if zh:
        start_txt = (f"期間前最後收盤（{base.date.isoformat()}）{fmt_price(base.close)}" if prev else
                     f"首日（{first.date.isoformat()}）收盤 {fmt_price(first.close)}")
        out = (f"**{label}** {first.date.isoformat()} 至 {last.date.isoformat()}（{n} 個交易日）："
               f"收在 {fmt_price(last.close)}（{last.date.isoformat()}），相對{start_txt} {pct(base.close, last.close)}。"
               f"期間最高 {fmt_price(hi)}（{hi_day.isoformat()}），最低 {fmt_price(lo)}（{lo_day.isoformat()}）")
        if len(moves) > 1:
            out += f"；上漲 {up} 天、下跌 {down} 天" + (f"、平盤 {len(moves) - up - down} 天" if len(moves) > up + down else "")
        if total is None:
            return out + "。"
        daily = f"，日均 {total / len(volumes) / SHARES_PER_LOT:,.0f} 張" if len(volumes) > 1 else ""
        worth = f"；成交值合計 {yi(value)}" if value else ""
        return out + f"；合計{volume_text(total, True)}{daily}{worth}。"
    start_txt = (f"the {fmt_price(base.close)} close on {base.date.isoformat()} before the period" if prev else
                 f"the first day's close of {fmt_price(first.close)} on {first.date.isoformat()}")
    # A calendar period named in words ("last week") is named back; dates and "the last N trading
    # days" already say what they cover.
    asked = f"; you asked about {period.label}" if period.label in PERIOD_LABELS_ZH and period.kind != "all" else ""
    out = (f"**{label}**, {first.date.isoformat()} to {last.date.isoformat()} ({n} trading day{'s' if n != 1 else ''}"
           f"{asked}): "
           f"closed at {fmt_price(last.close)} on {last.date.isoformat()}, {pct(base.close, last.close)} from {start_txt}. "
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
