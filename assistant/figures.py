"""The company figures finqa does not store (revenue, EPS, P/E, dividends, market value, ...):
which of them a question asks for, and whether a news sentence mentions one.

Why: finqa holds daily prices and news, no financial statements, so "台積電營收" can only be
answered by news that gives the figure. Without a language model the CPU tier quotes the
company's sentences closest in meaning, and for Chinese news MiniLM's closeness is near noise:
"台積電營收" got "投審會核准通過" and "聯電回應一次看". A question for a figure is answered only
with sentences that name it, or with the plain statement that no stored news does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .slots import to_simplified


@dataclass(frozen=True)
class Figure:
    """One figure: its English and Chinese names, and the words that name it (simplified Chinese,
    lower case), used both to spot the question and to keep the sentences that mention it."""

    en: str
    zh: str
    words: re.Pattern[str]
    # How a question asks for it, when naming the words is not yet asking ("what did TSMC's chairman
    # say?" is news; "who is TSMC's chairman?" asks for the person); None: the words themselves.
    asks: re.Pattern[str] | None = None
    # what it would come from: "statements" (financial statements, calendars), "profile" (a company
    # fact: its people, size, seat) or "analysts" (brokers' reports: target prices, ratings)
    kind: str = "statements"
    # Words to look up verbatim in the news besides the question's own: "what do analysts say
    # about TSMC?" asks in English of news written "分析師", which the English-only embedding and
    # the question's own words both miss.
    keywords: tuple[str, ...] = ()


FIGURES = (
    Figure("revenue", "營收", re.compile(r"\brevenues?\b|\bsales\b|营收|营业收入|营业额"),
           keywords=("營收", "营收", "revenue", "Revenue")),
    Figure("EPS", "EPS", re.compile(r"(?<![a-z])eps(?![a-z])|\bearnings per share\b|每股盈余|每股收益|每股纯益")),
    Figure("P/E", "本益比", re.compile(r"(?<![a-z])p/?e(?: ratio)?(?![a-z])|\bprice[- ]to[- ]earnings\b|本益比|市盈率")),
    Figure("market value", "市值", re.compile(r"\bmarket (?:cap|capitali[sz]ation|value)\b|市值")),
    Figure("dividends", "股利", re.compile(r"\bdividends?\b|\bpayout\b|\bex-dividend\b|股利|股息|配息|除息|除权|殖利率|现金股利"),
           keywords=("股利", "配息", "股息", "除息", "dividend", "Dividend")),
    Figure("gross margin", "毛利率", re.compile(r"\bgross margins?\b|毛利率"), keywords=("毛利率", "gross margin")),
    Figure("net income", "淨利", re.compile(r"\bnet (?:income|profit)\b|\bprofits\b"
                                         r"|(?<!report )(?<!reports )(?<!release )(?<!releases )(?<!announce )(?<!announces )"
                                         r"\bearnings\b(?!\s+(?:calls?|dates?|conferences?|season|calendar|releases?))"
                                         r"|净利|获利|(?<!每股)盈余|税后纯益")),
    # "When is TSMC's next earnings call?": an event, not a number; no corporate calendar is stored.
    Figure("the earnings call schedule", "法說會日期", re.compile(
        r"\bearnings (?:calls?|dates?|conferences?|season|calendar|releases?)\b|\binvestor conferences?\b"
        r"|\b(?:report|release|announce)s? (?:its |their )?(?:quarterly |next )?(?:earnings|results)\b"
        r"|法说会|财报(?:公布|发布)|(?:公布|发布)财报|股东(?:常)?会"),
           # its date asked ("TSMC earnings date", "台積電法說會什麼時候"); "聯發科法說會說了什麼" asks what was said:
           # the news, with no figure missing
           asks=re.compile(r"\bearnings (?:dates?|calendar|season)\b|\bwhen\b.{0,40}\b(?:earnings|results|investor conference)"
                           r"|\bnext (?:earnings|investor) (?:call|conference)\b"
                           r"|(?:法说会|股东(?:常)?会|财报)(?:的)?(?:日期|时间|是)?(?:什么时候|何时|哪天|几号|日期|时间)"
                           r"|(?:什么时候|何时|哪天)(?:开|公布|发布)?(?:法说会|股东(?:常)?会|财报)")),
    Figure("book value", "淨值", re.compile(r"\bbook value\b|(?<![a-z])p/?b(?![a-z])|\bprice[- ]to[- ]book\b|净值|市净率")),
    Figure("ROE", "ROE", re.compile(r"(?<![a-z])roe(?![a-z])|\breturn on equity\b|股东权益报酬率")),
    Figure("valuation", "估值", re.compile(r"\bvaluation\b|\b(?:over|under)-?valued\b|\bfair value\b|\bintrinsic value\b"
                                         r"|估值|高估|低估|合理价")),
    # Company profile facts: not in the price store or the directory either.
    Figure("its management", "經營階層", re.compile(r"\b(?:ceo|chairman|chairwoman|founder|co-founder|chief executive)\b"
                                                r"|执行长|总裁|董事长|总经理|创办人|创始人"),
           asks=re.compile(r"\bwho\b.{0,40}\b(?:ceo|chairman|chairwoman|chair|founder|founded|president|runs|leads|"
                           r"chief executive)\b|(?:执行长|总裁|董事长|总经理|创办人|创始人)是(?:谁|哪位)|谁是.{0,12}"
                           r"(?:执行长|总裁|董事长|总经理|创办人|创始人)|(?:谁|哪位)(?:创办|创立|领导|经营)"), kind="profile"),
    Figure("its headcount", "員工人數", re.compile(r"\b(?:employees|headcount|staff|workforce)\b|员工"),
           asks=re.compile(r"\bhow many (?:employees|staff|workers|people)\b|\bheadcount\b|\bworkforce\b"
                           r"|员工(?:人数|数)|多少(?:名|位|个)?员工"), kind="profile"),
    # "What is the target price for TSMC?", "台積電目標價多少": analysts' numbers, quoted only from the news
    # ("will 2330 reach its price target of 1,200?" names a price to reach: the forecaster's)
    Figure("analysts' target prices", "法人目標價", re.compile(r"\b(?:price targets?|target prices?)\b|目标价"),
           asks=re.compile(r"\b(?:price targets?|target prices?)\b(?![\s:：of at is]*(?:nt\$|\$)?\d)|目标价(?!\s*[:：为是]?\s*\d)"
                           r"|\banalysts?'? (?:ratings?|recommendations?|consensus)\b|\b(?:upgrade|downgrade)[sd]?\b"),
           kind="analysts", keywords=("目標價", "目标价", "target price", "price target")),
    # "what do analysts say about TSMC?", "分析師怎麼看台積電": what the news quotes them saying (no
    # reports are stored; the tone of all the news is the sentiment engine's)
    Figure("analysts' views", "分析師看法", re.compile(r"\banalysts?\b|\bbrokers?\b|\bbrokerages?\b|\bstrategists?\b"
                                                   r"|分析师|券商|投顾|研究机构|研调|法人(?!买|卖|进出|持股)|研报|评等|评级"),
           asks=re.compile(r"\b(?:what|how) (?:do|does|are|is) (?:the )?(?:analysts?|brokers?|strategists?)\b"
                           r"|\banalysts?'? (?:views?|opinions?|take|outlook|comments?|forecasts?)\b"
                           r"|(?:分析师|券商|投顾|法人)(?:们)?(?:怎么看|怎么说|的?看法|的?观点|认为|预估|的?评价)"
                           r"|(?:怎么看|看法|观点).{0,12}(?:分析师|券商|法人)"),
           kind="analysts", keywords=("分析師", "分析师", "analyst", "Analyst", "券商", "法人")),
    # "台積電籌碼", "外資買賣超", "2330 foreign investors net buying": trading data beside the daily bars
    # that TWSE publishes apart; quoted only from sentences that name them
    Figure("institutional flows", "籌碼", re.compile(
        r"筹码|外资|投信|自营商|三大法人|法人(?:买|卖|进出|持股)|买卖超|买超|卖超|融资|融券|借券"
        r"|\bforeign (?:investors?|institutional|buying|selling|net)\b|\binstitutional (?:investors?|buying|selling|flows?)\b"
        r"|\bmargin (?:trading|balance|debt)\b|\bshort interest\b|\bnet (?:buy|sell)(?:ing)?\b"), kind="flows",
           keywords=("外資", "外资", "投信", "三大法人", "買超", "买超", "賣超", "卖超")),
    # "台積電跟ADR價差", "TSMC ADR premium": the ADR's US$ close against the Taiwan close at the
    # exchange rate; finqa stores neither of the first and the last
    Figure("the ADR premium", "ADR 溢價", re.compile(r"(?<![a-z])adrs?(?![a-z])|存托凭证"),
           asks=re.compile(r"(?<![a-z])adrs?(?![a-z]).{0,24}(?:\b(?:premium|discount|spread|gap|arbitrage)\b|溢价|折价|价差)"
                           r"|(?:\b(?:premium|discount|spread|gap|arbitrage)\b|溢价|折价|价差).{0,24}(?<![a-z])adrs?(?![a-z])"),
           kind="adr"),
    # "what's the expense ratio of 0056?", "0050內扣多少": a fund's costs, which the issuer publishes
    Figure("the expense ratio", "費用率", re.compile(r"\bexpense ratios?\b|\bmanagement fees?\b|(?<![a-z])ter(?![a-z])"
                                                 r"|管理费|经理费|内扣|总费用率|费用率"), kind="fund"),
    Figure("its headquarters", "總部", re.compile(r"\bheadquarter\w*|\bhq\b|总部"),
           asks=re.compile(r"\bwhere\b.{0,40}\b(?:headquarter\w*|hq|based|located)\b|总部(?:在|位于|设在)(?:哪|何)"
                           r"|\bheadquarters?\b"), kind="profile"),
)


def asked_figures(message: str) -> list[Figure]:
    """The figures ``message`` asks for ("台積電營收", "2330 EPS"), in :data:`FIGURES` order."""
    s = to_simplified(message or "").lower()
    return [f for f in FIGURES if (f.asks or f.words).search(s)]


def mentions(sentence: str, figures: list[Figure]) -> bool:
    """Whether ``sentence`` names any of ``figures``."""
    s = to_simplified(sentence or "").lower()
    return any(f.words.search(s) for f in figures)


def names(figures: list[Figure], zh: bool) -> str:
    return ("、" if zh else ", ").join(f.zh if zh else f.en for f in figures)


def not_stored(figures: list[Figure], zh: bool) -> str:
    """What finqa does not hold that the figures come from ("financial statements or company
    calendars", "company profiles", "analysts' reports"), for the sentence that says it cannot give them."""
    kinds = {f.kind for f in figures}
    sources = (("statements", "財務報表與公司行事曆", "financial statements or company calendars"),
               ("profile", "公司基本資料（經營階層、員工、總部）", "company profiles (management, headcount, headquarters)"),
               ("analysts", "券商與法人的研究報告（目標價、評等）", "analysts' reports (target prices, ratings)"),
               ("flows", "三大法人買賣超與融資融券等籌碼資料", "institutional investors' net buying or margin balances"),
               ("adr", "美國存託憑證（ADR）的美元報價與匯率", "US ADR prices or exchange rates"),
               ("fund", "ETF 的費用率與持股（發行投信公布）", "ETF fees or holdings (the issuer publishes them)"))
    if zh:
        return "、".join(z for k, z, _ in sources if k in kinds)
    return " or ".join(e for k, _, e in sources if k in kinds)
