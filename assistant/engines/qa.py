"""Finance QA: retrieved news → grounded, cited answer (Llama-3.1 + LoRA, or the CPU tier).

Retrieval goes through ``index.retrieval`` (point-in-time: only news published strictly before
``as_of``, or before now), filtered to the company when the message names one. With a company
named, articles that never name it are dropped (newsapi files an article under a company when
any of its names matched anywhere), and hits are ranked by cosine plus the share of the
question's terms they contain (the packaged MiniLM reads English only). "What's the latest on X?"
takes the newest articles about X instead of the best-worded ones. The prompt is
built by ``assistant.prompts.render_qa_messages``: the system prompt is fixed there and every
retrieved text is fenced and escaped as data, so an article that "gives instructions" can never
change it. Generation streams token by token.

Citations: the numbered contexts are the retrieved articles in retrieval order ([1] is the
closest). The Answer lists **only the sources the answer cites** as [n]; when it cites none
(a small model, or the CPU tier with nothing relevant) it lists every retrieved source in
retrieval order, so the reader can always check what the answer was built from.

CPU tier (no model configured to load, ``settings.cpu_only``, or a load failure such as missing
weights or CUDA out of memory): an extractive answer, the sentences of the retrieved articles
most similar to the question (MiniLM cosine), each with its [n], and a first line saying plainly
that no language model answered and why.

A question asked in Chinese gets the CPU tier's sentences and the notices in Chinese
(``i18n.answers_zh`` on the message; the reason through ``i18n.reason_zh``); ``fallback_reason``
stays the English reason of the JSON/UI contract.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from itertools import zip_longest
from typing import Any

from ingest.cjk import CJK_CHARS, CJK_RE
from ingest.errors import FinqaError

from ..figures import asked_figures, mentions, names, not_stored
from ..i18n import answer_language, answers_zh, has_cjk, reason_zh
from ..price_format import company_label, company_of
from ..slots import in_users_script, to_simplified, to_traditional
from ..types import Answer, Citation, EngineRequest
from .base import AnswerStream, FinqaQueryEngine

log = logging.getLogger(__name__)

CPU_ENGINE = "qa:cpu-extractive"
# An open English question may use a hit that shares no word with it only above this cosine.
OPEN_QUESTION_SURE = 0.5
NEWS_DAYS_AROUND = 3  # news searched around a day the question names, each side
DATE_WEIGHT = 0.3  # how much being published on the day asked about counts beside similarity
EXTRACTIVE_SENTENCES = 3
_CITE = re.compile(r"[\[【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】]")
# Sentence ends: CJK terminators (no space needed) or . ! ? ; followed by whitespace. A decimal
# point ("3.5%") has no space after it, so numbers are never split.
# A period ends a sentence unless it closes a common abbreviation ("TSMC Global Ltd. 公告",
# "U.S. tariffs", "Corp.'s"); lookbehinds must be fixed-width, hence one per abbreviation.
_ABBREVIATIONS = ("Ltd", "Inc", "Co", "Corp", "Bhd", "Mr", "Ms", "Mrs", "Dr", "St", "No", "vs", "U.S", "U.K",
                  "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
_NOT_ABBREV = "".join(f"(?<!\\b{re.escape(a)}\\.)" for a in _ABBREVIATIONS)
_SENT_SPLIT = re.compile(rf"(?<=[。！？；!?])\s*|(?<=[.;]){_NOT_ABBREV}\s+|\n+")
# "latest / recent news" in English or Chinese: answered by recency, not by wording. A news word
# must be there: "why did TSMC fall recently?" still wants the most relevant articles.
# "top news", "major headlines", "top news stories": news asked for by importance.
_TOP_WORDS = r"\b(?:top|biggest|major|main|key|important|big)\s+(?:news|headlines?|stories)\b"
_LATEST = re.compile(
    r"\b(?:latest|newest|recent|today'?s|this week'?s)\b.{0,24}?\b(?:news|headlines?|updates?|developments?|stories)\b"
    r"|\blatest (?:on|about|for|from)\b|\bwhat'?s new\b|\bany news\b|\bnews (?:today|this week|lately|recently)\b"
    r"|(?:最新|最近|近期|近日|今天|今日|本週|這週|这周|本周).{0,6}?(?:新聞|新闻|消息|動態|动态|報導|报道)"
    r"|有(?:什麼|什么|甚麼)(?:新聞|新闻|消息)"
    # "what were the top news stories in April 2025?", "2025年4月的重大新聞", "今天的頭條"
    rf"|{_TOP_WORDS}|(?:重大|重要|主要)(?:新聞|新闻|消息)|頭條|头条"
    # "summarize the news on 2317", "總結鴻海的新聞": the newest headlines, not a topic search
    r"|\b(?:summari[sz]e|summary of|recap|round[- ]?up of|overview of|digest of)\b.{0,12}?\b(?:news|headlines)\b"
    r"|(?:总结|總結|整理|摘要|彙整|汇整).{0,8}?(?:新聞|新闻|消息)|(?:新聞|新闻)(?:摘要|總結|总结|整理)"
    # A company and the word news, nothing else: "TSMC news", "news on 2454", "台積電新聞", "鴻海的消息".
    r"|^\s*[\w.&'-]+(?:\s+[\w.&'-]+)?\s+(?:news|headlines)\s*[?？]?\s*$"
    r"|^\s*(?:news|headlines)\s+(?:on|about|for|of)\s+[\w.&' -]{1,30}[?？]?\s*$"
    # "What is the news on TSMC?", "tell me the news about 2454", "what's going on with Hon Hai?"
    r"|^\s*(?:what(?:'s| is| are)|tell me|show me|give me)\s+(?:the\s+)?(?:news|headlines)\s+(?:on|about|for|of|with)\s+[\w.&'-]+(?:\s+[\w.&'-]+)?\s*[?？]?\s*$"
    r"|^\s*what(?:'s| is)\s+(?:going on|happening|new)\s+(?:with|at)\s+[\w.&'-]+(?:\s+[\w.&'-]+)?\s*[?？]?\s*$"
    r"|^\s*\S{0,10}?\s*的?(?:新聞|新闻|消息)(?:呢|嗎|吗)?\s*[?？]?\s*$"
    # "新聞呢", "and the news?", "what about its news?": the conversation's company's newest
    r"|^\s*(?:and|what about|how about)\s+(?:the\s+|its\s+)?(?:latest\s+)?(?:news|headlines)\s*[?？]?\s*$"
    # "TSMC news in Chinese only", "台積電英文新聞": the newest, in that language
    r"|\bnews\s+in\s+(?:english|chinese)\b|(?:英文|中文)(?:的)?(?:新聞|新闻|消息)",
    re.IGNORECASE,
)
# What stays of a span once its dates are taken out ("TSMC news in April 2025" → "TSMC news in").
_SPAN_WORDS = re.compile(r"\s+(?:in|from|during|for|of|on|since|over)\s*(?:the\s+)?(?:month|year|quarter)?\s*([?？]?)\s*$", re.I)
# What joins two dates once strip_dates has taken them out ("from … to …", "between … and …", "…到…").
_RANGE_JOINT = re.compile(r"\s+(?:to|and|through|until|[-–~])\s*(?=[?？]?\s*$)|(?<=\S)\s*(?:到|至|~|－)\s*", re.I)
# "top news", "重大新聞", "頭條": importance, which finqa does not judge (it lists the newest, and says so)
_TOP_NEWS = re.compile(rf"{_TOP_WORDS}|重大|重要|头条")
# Index levels finqa does not store (it holds listed companies and ETFs, not TAIEX or the OTC index).
def _index_notice(zh: bool) -> str:
    """That no index level is stored, and what to ask instead."""
    return ("finqa 儲存上市櫃公司與 ETF 的股價，不儲存加權指數、櫃買指數等指數點位：可改問 0050（追蹤台灣前 50 大上市公司的 ETF，"
            "需先 `finqa ingest prices 0050`），或問資料庫中股票的排行；" if zh else
            "finqa stores the prices of listed companies and ETFs, not index levels such as the TAIEX or the OTC index: ask "
            "about 0050 (an ETF that tracks Taiwan's 50 largest listed companies; `finqa ingest prices 0050` first) or for "
            "a ranking of the stored stocks.")


_INDEX = re.compile(r"\btaiex\b|\btwii\b|\bweighted index\b|\bindex level|加权指数|加权股价指数|大盘|台股指数|柜买指数"
                    r"|\botc index\b", re.IGNORECASE)
# Trading data finqa does not store either: institutional investors' net buying (三大法人買賣超)
# and margin balances are published by TWSE apart from the daily bars that twstock reads.
_FLOWS = re.compile(r"筹码|外资|投信|自营商|三大法人|法人(?:买|卖|进出|持股)|买卖超|买超|卖超|融资|融券|借券|当冲"
                    r"|\bforeign (?:investors?|institutional|buying|selling|net)\b|\binstitutional (?:investors?|buying|selling|flows?)\b"
                    r"|\bmargin (?:trading|balance|debt)\b|\bshort interest\b|\bnet (?:buy|sell)(?:ing)?\b", re.IGNORECASE)


def _topic(req: EngineRequest, window: tuple[date, date, str] | None) -> str:
    """What to match the news against: the question, less the dates that chose the window."""
    from ..periods import strip_dates

    return (strip_dates(req.message) or req.message) if window is not None else req.message


def _price_context(contexts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The context holding the store's prices for the period asked about, if there is one."""
    return next((c for c in contexts if c.get("bars")), None)


def _closeness(hit: Any, window: tuple[date, date, str] | None) -> float:
    """0..1, how near a hit was published to the middle of the window asked about (0 without one)."""
    if window is None or hit.published_at is None:
        return 0.0
    from index.retrieval import taipei_date

    middle = window[0] + (window[1] - window[0]) / 2
    half = max((window[1] - window[0]).days / 2, 1.0)
    return max(0.0, 1.0 - abs((taipei_date(hit.published_at) - middle).days) / half)


# Words of the market in a headline or text: "what happened on 2025-04-07?" lists a day's news
# about stocks before its gadget reviews (each group nearest the day first).
_MARKET_NEWS = re.compile(r"股市|台股|股價|股价|大盤|大盘|加權|加权|指數|指数|跌停|漲停|涨停|重挫|崩跌|外資|外资|法人"
                          r"|\b(?:stocks?|shares|equit(?:y|ies)|stock markets?|financial markets?|index|indices|sell-?off"
                          r"|taiex|nasdaq|dow|s&p|investors?)\b",
                          re.IGNORECASE)
# What moves markets, and gadget reviews name too ("buy before tariffs set in"): a weaker sign.
_MARKET_CONTEXT = re.compile(r"關稅|关税|\b(?:markets?|tariffs?|plunge\w*|rall(?:y|ied)|slump\w*|recession)\b", re.IGNORECASE)


def _market_weight(hit: Any) -> int:
    """How much a hit is about markets: three for each stock-market word, one for each word of what
    moves them (tariffs), those of the headline counted twice. A gadget review that names tariffs
    comes after a report of a limit-down day."""
    def count(text: str) -> int:
        return 3 * len(_MARKET_NEWS.findall(text)) + len(_MARKET_CONTEXT.findall(text))
    return 2 * count(hit.title) + count(hit.text[:600])


def _about_markets(hit: Any) -> bool:
    return _market_weight(hit) > 0


def _news_period(req: EngineRequest) -> tuple[date, date, str] | None:
    """``(first day, last day, label)`` of the day or period of at most two months the question
    names, ``None`` when it names none (or a longer one)."""
    from ..periods import parse_period, period_label
    from ..price_facts import TAIPEI

    period = parse_period(req.message, req.as_of or datetime.now(TAIPEI).date())
    if period.kind not in ("day", "range") or period.start is None or period.end is None:
        return None
    if (period.end - period.start).days > 62:
        return None
    zh = answers_zh(req.message)
    label = period_label(period, zh)
    if not re.search(r"\d", label):  # "yesterday": which day that was (relative to the as-of day, too)
        day = period.start.isoformat() if period.start == period.end else f"{period.start.isoformat()} – {period.end.isoformat()}"
        label += f"（{day}）" if zh else f" ({day})"
    return period.start, period.end, label


def news_window(req: EngineRequest) -> tuple[date, date, str] | None:
    """``(from, until, label)`` of the news to search when the question names a day or a period of
    at most two months ("what happened to TSMC on April 7, 2025?"): from NEWS_DAYS_AROUND days
    before it to as many after (``until`` exclusive). Similarity to the wording knows nothing of
    dates; the news of that week is what the reader asked about. ``None`` for other questions."""
    span = _news_period(req)
    if span is None:
        return None
    return span[0] - timedelta(days=NEWS_DAYS_AROUND), span[1] + timedelta(days=NEWS_DAYS_AROUND + 1), span[2]


def _span_at_news_end(req: EngineRequest, newest: list[Any],
                      read: Callable[[date], list[Any]]) -> tuple[list[Any], str] | None:
    """(the articles inside the span ``req`` names relative to today, moved to end at the newest of
    ``newest``, and the notice that says so) when the store's news ends before that span ("TSMC
    news last week" on a store whose news ends in April: its last week, as the sentiment engine
    reads it); ``read(until)`` lists the newest articles before ``until``. ``None`` for other
    spans, or when no article falls in the moved span."""
    from ..periods import PERIOD_LABELS_ZH, span_at_data_end
    from ..price_facts import TAIPEI

    dated = [h for h in newest if h.published_at is not None]
    if not dated:
        return None
    last_day = max(h.published_at for h in dated).astimezone(TAIPEI).date()
    moved = span_at_data_end(req.message, req.as_of or datetime.now(TAIPEI).date(), last_day)
    if moved is None:
        return None
    period, first, last = moved
    inside = [h for h in read(last + timedelta(days=1))
              if h.published_at is not None and h.published_at.astimezone(TAIPEI).date() >= first]
    if not inside:
        return None
    fetch = f"`finqa ingest news {req.code}`" if req.code else "`finqa ingest news`"
    if answers_zh(req.message):
        label = PERIOD_LABELS_ZH.get(period.label, period.label)
        return inside, (f"已存新聞只到 {last_day.isoformat()}，「{label}」以那一天為準：列出 {first.isoformat()} 至 "
                        f"{last.isoformat()} 的新聞；{fetch} 可抓取最新新聞。")
    return inside, (f"The stored news ends on {last_day.isoformat()}, so \u201c{period.label}\u201d is read from there: "
                    f"{first.isoformat()} to {last.isoformat()} (none was published in the calendar's); {fetch} fetches "
                    "recent news.")


def listing_window(req: EngineRequest) -> tuple[date, date, str, int] | None:
    """``(from, until, label, pad)`` of the articles a news listing reads, ``pad`` the days added
    each side. A listing of a span is that span's articles ("TSMC news in March 2025": padding
    would put the first days of April first, newest first); a listing of one day takes
    NEWS_DAYS_AROUND days either side, where the reactions to it are."""
    span = _news_period(req)
    if span is None:
        return None
    pad = NEWS_DAYS_AROUND if span[0] == span[1] else 0
    return span[0] - timedelta(days=pad), span[1] + timedelta(days=pad + 1), span[2], pad


# What a question about a day says besides the day: "what happened on 2025-04-07?", "2025年4月7日
#台股發生什麼事" ask for that day's news, whatever it was about; "why did Taiwan stocks crash on
# April 7?" and "台股4月7日為什麼大跌" ask the same of the market's move that day (the day's
# headlines and how the stored companies moved are what answers it).
_DAY_FILLER = re.compile(
    r"\b(?:what|whats|what's|happened|happen|happening|went on|going on|on|in|at|the|a|was|were|is|did|news|headlines|"
    r"market|markets|stock|stocks|taiwan|taiwanese|any|there|day|that|this|around|big|major|events?|tell|me|about|"
    r"why|so|much|sharply|hard|fall|fell|drop|dropped|crash|crashed|plunge|plunged|tumble|tumbled|sink|sank|slump|slumped|"
    r"rise|rose|rally|rallied|surge|surged|jump|jumped|soar|soared|go|went|up|down|taiex|index|"
    r"cause|caused|causes|behind|drove|driving|reasons?|explain|selloff|sell-off|rout|rebound|rebounded|"
    r"move|moved|moves|moving|pushed|affected|yesterday|today|last|past|week|month|weekend|from|to|between|and)\b"
    r"|发生|什么|甚么|啥|事情?|了|的|台股|股市|市场|大盘|加权指数|新闻|消息|有|哪些|大事|那天|当天|这天|请问|吗|呢|到|至|从"
    r"|昨天|今天|前天|昨日|今日|上周|本周|这周|上个月|本月|这个月"
    r"|为什么|为何|原因|怎么|大跌|重挫|暴跌|崩跌|崩盘|下跌|大涨|暴涨|上涨|跌|涨|那么多|这么多|会|造成|导致|主因|背后|反弹",
    re.IGNORECASE,
)


_WHY = re.compile(r"\bwhy\b|\bhow come\b|\breasons?\b|\bwhat (?:caused|causes|drove|was behind|moved|moves|pushed|affected)\b"
                  r"|为什么|为何|原因|造成|导致|主因"
                  # "TSMC keeps falling, what's going on?", "台積電一直跌是怎麼了"
                  r"|\bwhat(?:'s| is) (?:going on|happening)\b|怎么了|怎么回事")
# A move asked about ("why did 2454 drop?", "聯發科為什麼漲"): on simplified, lower-cased text.
_MOVE = re.compile(r"\b(?:drop\w*|fall|falls|fell|falling|down|declin\w*|plung\w*|tumbl\w*|slump\w*|sink|sank|crash\w*|"
                   r"slid|slide|rise|rises|rose|rising|up|rall\w*|surg\w*|jump\w*|soar\w*|gain\w*|climb\w*|rebound\w*|"
                   r"weak\w*|strong|lower|higher|move|moved|moves|moving)\b|跌|涨|重挫|走弱|走强|反弹|崩")


def _asks_why(message: str) -> bool:
    """Whether a question asks for a reason: its news is ranked by the question, not by the day."""
    return bool(_WHY.search(to_simplified(message).lower()))


# "鴻海怎麼了", "台積電這兩天怎麼了", "what happened to Hon Hai this week?": a company and nothing but
# what happened to it (on the message without its companies): its move, and the news beside it.
_WHAT_HAPPENED = re.compile(
    r"^[\W_]*(?:最近|近期|这两天|这几天|今天|昨天|这周|这礼拜|本周|上周|上礼拜)?\s*(?:是|又|到底)?\s*(?:怎么了|怎么回事|发生(?:了)?什么事)[\W_吗呢啊]*$"
    r"|^[\W_]*what(?:'s| is| has| was)?\s+(?:going on|happening|happened|up)\s+(?:with|to)\s*"
    r"(?:(?:it|the stock)\s*)?(?:this week|today|yesterday|lately|recently|last week)?[\W_]*$")


def asks_why_move(message: str) -> bool:
    """Whether a question asks the reason for a price move ("why did 2454 drop?", "聯發科為什麼漲"),
    or what happened to a company ("鴻海怎麼了"): its span's prices are a source beside the news."""
    if _asks_why(message) and bool(_MOVE.search(to_simplified(message).lower())):
        return True
    from ..slots import without_companies

    return bool(message) and bool(_WHAT_HAPPENED.search(without_companies(message)))


SPAN_DAYS = 7  # a window asked of more days than this is a span ("April 2025"), not a day and its week


def _spans_days(window: tuple[date, date, str] | None) -> bool:
    """Whether a news window (padded NEWS_DAYS_AROUND days each side) was asked of a span longer
    than a week, whose news has no one day to be near."""
    return window is not None and (window[1] - window[0]).days - 2 * NEWS_DAYS_AROUND - 1 > SPAN_DAYS


def is_day_question(req: EngineRequest) -> bool:
    """Whether a question names a day (or a short period) and, once its dates are out, asks about
    nothing else and no company: its answer is the news of around that day."""
    window = news_window(req)
    if window is None or request_codes(req):
        return False
    return not re.sub(r"[\W_]+", "", _DAY_FILLER.sub(" ", to_simplified(_topic(req, window)).lower()))


def _naming(hits: list[Any], code: str, unnamed: list[str]) -> list[Any]:
    """The hits whose article names the company, in their order; ``code`` is added to ``unnamed``
    when there were hits and none names it.

    News is filed under a code whenever newsapi's full-text search matched one of its names, so
    a company's "own" news holds reviews and roundups that never name it in what was stored, and
    sometimes nothing about it at all: "Quanta" finds Quanta Magazine's science stories. Quoting
    those as what happened to Quanta Computer would answer with a story about brain cells.
    """
    mentions = _mentions(code)
    named = [h for h in hits if mentions(f"{h.title}\n{h.text}")]
    if hits and not named and code not in unnamed:
        unnamed.append(code)
    return named


def _rerank(hits: list[Any], question: str, ignore: frozenset[str],
            window: tuple[date, date, str] | None = None) -> list[Any]:
    """Hits by cosine plus term overlap with the question (see ``LEXICAL_WEIGHT``), plus nearness
    to the day asked about when there is one (``DATE_WEIGHT``), best first."""
    lexical = lexical_scores(question, [f"{h.title}\n{h.text}" for h in hits], ignore)
    scored = [(h.score + LEXICAL_WEIGHT * x + DATE_WEIGHT * _closeness(h, window), i, h)
              for i, (h, x) in enumerate(zip(hits, lexical))]
    return [h for _, _, h in sorted(scored, key=lambda t: (-t[0], t[1]))]


def _company_names(code: str) -> list[str]:
    """Every name the directory knows ``code`` by, the code itself first."""
    from ingest.companies import get_directory

    company = get_directory().get(code)
    return [code] + ([company.name_zh, company.name_en or "", *company.aliases] if company else [])


def _company_terms(codes: list[str]) -> frozenset[str]:
    """The terms of the named companies' names: every candidate shares them, so they rank nothing."""
    terms: set[str] = set()
    for code in codes:
        for name in _company_names(code):
            terms |= _terms(name)
    return frozenset(terms)


def _names(hit: Any, code: str | None) -> bool:
    """Whether a hit names the company ``code`` (newsapi files an article under a code when its
    full-text search matched, so a tool review may sit under 9921)."""
    return bool(code) and _mentions(code)(f"{hit.title}\n{hit.text}")


def _about_their_company(hits: list[Any]) -> list[Any]:
    """The hits that name the company they are filed under; all of them when none does."""
    return [h for h in hits if _names(h, h.code)] or hits


def _mentions(code: str) -> Any:
    """A test: does a text name the company ``code`` (any of its names, or the code)?"""
    from ingest.companies import get_directory

    directory = get_directory()
    return lambda text: directory.mentions(text, code)


def wants_latest(message: str | None) -> bool:
    """Whether the question asks for the newest news rather than news about a topic; a span
    written beside the company and the word news is no topic ("TSMC news in April 2025")."""
    if not message:
        return False
    from ..periods import strip_spans

    bare = _RANGE_JOINT.sub(" ", strip_spans(message))  # "2330 news from 2025-04-01 to 2025-04-10" → "2330 news from"
    return bool(_LATEST.search(message) or _LATEST.search(_SPAN_WORDS.sub(" ", bare)))


# What may stand beside the words asking for news when no company and no topic is named: time
# words and fillers ("any news today?", "what's new this week", "今天有什麼新聞").
_NO_TOPIC = re.compile(
    r"'s\b|\b(?:any|the|a|is|are|there|what|whats|anything|show|me|give|tell|list|please|pls|us|for|of|so|far|"
    r"today|yesterday|this|last|past|week|month|lately|recently|now|right|currently|stock|stocks|market|taiwan|"
    r"tw|new|latest|newest|recent|news|headlines?|updates?|stories|top|biggest|major|main|key|important|big|were|was|"
    r"in|during|on|from|about|regarding|concerning|summari[sz]e|summary|recap|round[- ]?up|overview|digest"
    r"|english|chinese|only|language)\b"  # the articles' language is a filter (asked_news_language), no topic
    r"|英文|英语|中文|只要|只看|語言|语言"
    r"|今天|今日|昨天|本週|本周|這週|这周|最近|近期|近日|最新|有|什麼|什么|甚麼|嗎|吗|呢|的|新聞|新闻|消息|台股|股市|給我|给我|看|一下"
    r"|重大|重要|主要|头条|哪些|总结|整理|摘要|汇整|[?？!！.。,，\s]"
    # "鴻海跟輝達的合作新聞": the connector joins the company and the topic, and is neither
    r"|(?<=\s)(?:and|with|between)(?=\s)|跟|(?<!调)和(?!解)|与|及")


_NEWS_LANGUAGE = (("en", re.compile(r"\benglish\b|英文|英语", re.I)), ("zh", re.compile(r"\bchinese\b|中文", re.I)))


def asked_news_language(message: str | None) -> str | None:
    """"en" or "zh" when the question asks for the news in one language ("TSMC English news",
    "台積電中文新聞", "news in Chinese only"), else ``None``."""
    s = to_simplified(message or "")
    found = [code for code, rx in _NEWS_LANGUAGE if rx.search(s)]
    return found[0] if len(found) == 1 else None


def lists_newest(req: EngineRequest) -> bool:
    """Whether the answer is the newest articles, listed: of the companies asked about ("TSMC
    news"), or of every company when none is and nothing else is asked ("latest news")."""
    return wants_latest(req.message) if request_codes(req) else wants_latest_overall(req.message)


def _latest_topic_words(req: EngineRequest) -> str:
    """What a "latest news" question about a company asks beyond the company, the news words and
    the dates ("鴻海電動車最新消息" → "电动车"), lower-cased, on Simplified text."""
    from ..periods import strip_spans

    # "台積電本月的新聞": the span is when, not what ("本月" had been the topic searched for)
    text = to_simplified(strip_spans(req.message or "")).lower()
    for code in request_codes(req):
        for name in sorted((to_simplified(n).lower() for n in _company_names(code) if n), key=len, reverse=True):
            text = text.replace(name, " ")
    return re.sub(r"\s+", " ", _NO_TOPIC.sub(" ", text)).strip()


def _latest_topic(req: EngineRequest) -> set[str]:
    """The terms of :func:`_latest_topic_words` (empty when the question asks only for the news)."""
    from ..coverage import topic_aliases

    words = _latest_topic_words(req)
    # a name in TOPIC_GROUPS or a foreign company is one term as written ("华为" has no bigram that
    # counts: 为 is a function character)
    return (_terms(words) | {name for name, _ in topic_aliases(words)}) - _company_terms(request_codes(req))


def wants_latest_overall(message: str | None) -> bool:
    """Whether the question asks for the newest news of every company ("latest news", "any news
    today?", "今天有什麼新聞"): the news words and nothing else but time words and fillers (a topic,
    as in "latest news about AI servers", is searched for instead)."""
    from ..periods import strip_dates

    return wants_latest(message) and not _NO_TOPIC.sub("", to_simplified(strip_dates(message or "")).lower()).strip()


def model_label(spec: Any) -> str:
    """A short name for an engine's model: the last path part of base (+ adapter)."""
    def short(x: str) -> str:
        return re.split(r"[\\/]", x.rstrip("/\\"))[-1]

    label = short(spec.base)
    if getattr(spec, "adapter", None):
        label += "+" + short(spec.adapter)
    if getattr(spec, "backend", "transformers") == "openai":
        label = f"openai:{spec.openai_model or label}"
    return label


def is_oom(exc: BaseException) -> bool:
    return "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"


def cited_numbers(text: str, n_contexts: int) -> list[int]:
    """The [n] markers in ``text`` that refer to a context (1..n_contexts), in first-seen order."""
    seen: list[int] = []
    for m in _CITE.finditer(text):
        for part in re.split(r"[,，、]", m.group(1)):
            n = int(part)
            if 1 <= n <= n_contexts and n not in seen:
                seen.append(n)
    return seen


def _say_figures_missing(req: EngineRequest, answer: Answer) -> None:
    """A notice on a price answer whose question also asks for a figure finqa does not store
    ("台積電今天收盤價、成交量、本益比"): the prices are answered, and the P/E had gone unmentioned."""
    from ..figures import asked_figures, names, not_stored

    missing = [f for f in asked_figures(req.message) if f.kind in ("statements", "flows")]
    if not missing:
        return
    zh = answers_zh(req.message)
    ask = f"{req.code} {names(missing[:1], zh)}" if req.code else names(missing[:1], zh)
    answer.notices.append(f"finqa 沒有{not_stored(missing, True)}：{names(missing, True)}不在資料中；問 `{ask}` 可找新聞中提到的數字。"
                          if zh else f"finqa holds no {not_stored(missing, False)}, so {names(missing, False)} is not in "
                          f"its data; ask `{ask}` to look for it in the news.")


def _joined(first: Answer, second: Answer) -> Answer:
    """Two store answers to one question as one: the second's sources renumbered after the
    first's, the notices once each, the bars and numbers of both."""
    shift = len(first.citations)
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + shift}]", second.answer)
    return replace(first, answer=first.answer + "\n\n" + text,
                   citations=[*first.citations, *(replace(c, n=c.n + shift) for c in second.citations)],
                   notices=list(dict.fromkeys([*first.notices, *second.notices])),
                   bars=[*first.bars, *(b for b in second.bars if b not in first.bars)],
                   indicators={**second.indicators, **first.indicators})


def map_citations(text: str, contexts: list[dict[str, Any]]) -> list[Citation]:
    """Citations for the contexts ``text`` cites, sorted by n; all contexts if it cites none."""
    cited = cited_numbers(text, len(contexts))
    chosen = [contexts[n - 1] for n in sorted(cited)] if cited else contexts
    return [Citation(n=c["n"], title=c["title"], source=c.get("source"), date=c.get("date"), url=c.get("url"))
            for c in chosen]


# "summarize the news on 2317", "總結鴻海的新聞", "summarize them" (after a listing): without a
# language model, each headline with its article's first informative sentence (the lead).
_SUMMARY = re.compile(r"\b(?:summari[sz]e|summary|recap|gist|key points|tl;?dr|digest)\b|总结|摘要|重点|汇整|彙整|整理", re.I)
LEAD_CHARS = 160  # a lead longer than this is cut at a word (or character) and marked "…"


def asks_summary(message: str | None) -> bool:
    """Whether a news question asks for a summary (see :data:`_SUMMARY`)."""
    from ..slots import to_simplified

    return bool(_SUMMARY.search(to_simplified(message or "")))


def article_lead(context: dict[str, Any]) -> str | None:
    """The first informative sentence of an article's text that is not its headline again, cut
    to LEAD_CHARS: what a listing that was asked to summarise adds under each headline."""
    title = _norm(str(context.get("title") or ""))
    for sentence in split_sentences(str(context.get("text") or "")):
        if _norm(sentence) == title or title and _norm(sentence) in title or not _informative(sentence):
            continue
        if len(sentence) > LEAD_CHARS:
            cut = sentence[:LEAD_CHARS]
            if " " in cut and not CJK_RE.search(cut[-10:]):
                cut = cut.rsplit(" ", 1)[0]
            sentence = cut.rstrip("，,、；; ") + "…"
        return sentence
    return None


def split_sentences(text: str) -> list[str]:
    """Split English and Chinese prose into sentences (keeps the terminators)."""
    parts = [p.strip() for p in _SENT_SPLIT.split(text or "")]
    return [p for p in parts if p]


# A publisher's own lines, carried in the article text ("欢迎关注…官方微信公众号", "Subscribe to our
# newsletter", "All rights reserved"): about the outlet, never the company, yet the embedding
# had put "#欢迎关注爱范儿官方微信公众号…" among MediaTek's most relevant sentences.
_BOILERPLATE = re.compile(
    r"公众号|微信号|欢迎关注|关注我们|(?:欢迎|点击|立即)订阅|订阅我们|下载.{0,6}app|点击(?:这里|此处|下方|链接|阅读)|更多精彩|"
    r"版权所有|未经授权|不得转载|转载请|免责声明|"
    r"\b(?:subscribe (?:to|now)|our newsletter|click here|all rights reserved|follow us|read more|"
    r"(?:use|uses|cookie) (?:of )?cookies|cookie policy|terms of (?:use|service)|privacy policy)\b", re.I)


def _informative(sentence: str) -> bool:
    """Long enough to say something, and not a question: a headline's "合併障礙有哪些？" or
    "Is TSMC next?" repeats the reader's question instead of answering it; nor a publisher's
    own line (:data:`_BOILERPLATE`)."""
    from ..slots import to_simplified

    if sentence.rstrip().endswith(("?", "？")) or _BOILERPLATE.search(to_simplified(sentence)):
        return False
    cjk = len(CJK_RE.findall(sentence))
    return cjk >= 6 or len(sentence.split()) >= 5


class QAEngine(FinqaQueryEngine):
    """Retrieval-augmented finance QA (see the module docstring)."""

    route: str = "qa"
    settings: Any
    retrieval: Any = None  # the shared index.retrieval.Retrieval
    k: int = 5
    last_fallback: str | None = None  # why the CPU tier answered last time (side panel)
    # The sibling engines ({"sentiment": ..., "forecast": ...}), set by the Assistant: a company
    # overview ("How is TSMC doing?") reports what each of them says (assistant.overview).
    peers: Any = None

    # --- plumbing -----------------------------------------------------------------------------
    def _retrieval(self) -> Any:
        if self.retrieval is None:
            from index.retrieval import get_retrieval

            self.retrieval = get_retrieval(self.settings)
        return self.retrieval

    def _embedder(self) -> Any:
        retrieval = self._retrieval()
        if getattr(retrieval, "embedder", None) is not None:
            return retrieval.embedder
        from index.embeddings import get_embedder

        return get_embedder(self.settings)

    def describe(self) -> str:
        """One line for the UI side panel: which tier answers and whether it is loaded."""
        if self.settings.cpu_only:
            return "CPU tier (extractive, MiniLM): cpu_only is set"
        label = model_label(self.settings.qa)
        if _is_loaded(self.manager, self.settings.qa):
            return f"{label} (loaded)"
        reason = self._manager().precheck(self.settings.qa)
        if reason:
            return f"CPU tier (extractive, MiniLM): {label} could not be used: {reason}"
        if self.last_fallback:
            return f"CPU tier (extractive, MiniLM): {label} could not be used: {self.last_fallback}"
        return f"{label} (loads on first question; CPU extractive tier if it cannot)"

    # --- retrieval ----------------------------------------------------------------------------
    def gather_contexts(self, req: EngineRequest) -> tuple[list[dict[str, Any]], list[str]]:
        """Numbered contexts (deduplicated by article) and notices about what is missing."""
        notices: list[str] = []
        window: tuple[date, date, str] | None = None
        zh = answers_zh(req.message)
        before = req.as_of if req.as_of is not None else datetime.now(timezone.utc)
        codes = request_codes(req) or None
        # "台積電營收", "2330 EPS": figures finqa does not store (flows have their own notice below)
        if figures := [f for f in asked_figures(req.message) if f.kind != "flows"]:
            notices.append(f"finqa 只儲存每日股價與新聞，沒有{not_stored(figures, True)}：{names(figures, True)}不在資料中；以下只是最相關的新聞，未必含有這個數字。"
                           if zh else f"finqa stores daily prices and news, not {not_stored(figures, False)}, "
                           f"so {names(figures, False)} {'is' if len(figures) == 1 else 'are'} not in its data. Below is "
                           "the closest news it has, which may not give the figure.")
            if any(f.kind == "analysts" for f in figures) and req.code:
                # the nearest thing finqa computes itself: its forecast's band, with its backtest
                notices.append(f"finqa 自己的預測（附回測與區間，不是目標價）：`{req.code} 未來20天走勢`。" if zh else
                               f"finqa's own forecast (with its backtest and band; no target price): "
                               f"`forecast {req.code} next 20 days`.")
        if _FLOWS.search(to_simplified(req.message)):
            notices.append("finqa 的股價資料是每日開高低收與成交量，沒有三大法人（外資、投信、自營商）買賣超、融資融券等籌碼資料；以下只是最相關的新聞，未必含有這些數字。"
                           if zh else "finqa's price data are the daily open, high, low, close and volume: institutional "
                           "investors' net buying (foreign investors, investment trusts, dealers) and margin balances are not "
                           "in its data. Below is the closest news, which may not give them.")
        if _INDEX.search(to_simplified(req.message)):
            notices.append(_index_notice(zh) + ("以下只是最相關的新聞。" if zh else " Below is the closest news."))
        unnamed: list[str] = []  # companies whose filed articles never name them (listing the newest)
        try:
            if lists_newest(req):
                if _TOP_NEWS.search(to_simplified(req.message).lower()):
                    notices.append("finqa 不替新聞排重要性：以下是期間內最新的幾則。" if zh else
                                   "finqa does not rank news by importance: these are the newest of the span.")
                # "What's the latest on X?": the newest articles, not the ones worded like the
                # question. Companies interleaved as below, then shown newest first.
                # "TSMC news last week": the newest up to the span's end, then only the span's (or,
                # when none is from it, the newest overall with a word saying so).
                window = listing_window(req)
                upto = before
                if window is not None:  # its ``until`` is exclusive, as ``before`` is
                    upto = window[1] if req.as_of is None else min(window[1], req.as_of)

                topic = _latest_topic(req)  # "鴻海電動車最新消息": the newest about electric cars
                off_topic: list[str] = []
                from ..coverage import topic_aliases

                # "鴻海跟輝達的合作新聞": an article that writes NVIDIA (or 英偉達) is about 輝達 too, and
                # "news about TSMC Arizona" one that writes 亞利桑那
                aliases = topic_aliases(to_simplified(_latest_topic_words(req)).lower()) if topic else []

                def on_topic(text: str) -> bool:
                    low = in_own_words(text, aliases)
                    words = _terms(low) | {mine for mine, _ in aliases if mine in low}
                    # "EVs" finds "EV": an English plural matches its singular
                    return sum(t in words or (t.endswith("s") and t[:-1] in words) for t in topic) * 2 >= len(topic)

                skip = set(req.skip_urls)  # "more": the articles listed so far are left out
                # "TSMC English news": that language's articles only (a list, so that the fallback can drop it)
                lang = [asked_news_language(req.message)]
                extra = len(skip) + (self.k * 6 if lang[0] else 0)

                def wanted(h: Any) -> bool:
                    return h.url not in skip and (lang[0] is None or (h.language or "").lower().startswith(lang[0]))

                def newest(until: Any) -> list[Any]:
                    if not codes:
                        per_code = [[h for h in _about_their_company(self._retrieval().latest_news(
                            req.message, codes=None, before=until, k=self.k * 4 + extra)) if wanted(h)]]
                    else:
                        per_code = []
                        for c in codes:
                            names = _mentions(c)
                            # the company and the topic, or (when no article has both) the company
                            about = (lambda text, names=names: names(text) and on_topic(text)) if topic else names
                            got = [h for h in self._retrieval().latest_news(req.message, codes=[c], before=until,
                                                                            k=self.k + extra, about=about)
                                   if wanted(h)]
                            if topic and got and not any(on_topic(f"{h.title}\n{h.text}") for h in got):
                                off_topic.append(c)
                            # newsapi files an article under a code on a full-text match: a list of
                            # articles none of which names the company is no news about it
                            named = [h for h in got if _names(h, c)]
                            if got and not named and c not in unnamed:
                                unnamed.append(c)
                            per_code.append(named)
                    found = [h for rank in zip_longest(*per_code) for h in rank if h is not None][: self.k]
                    return sorted(found, key=lambda h: h.published_at or datetime.min.replace(tzinfo=timezone.utc),
                                  reverse=True)

                hits = newest(upto)
                if not hits and lang[0] is not None:
                    # none in that language: the newest in any, said so
                    which = {"en": ("英文", "English"), "zh": ("中文", "Chinese")}[lang[0]]
                    lang[0] = None
                    hits = newest(upto)
                    if hits:
                        notices.append(f"沒有{which[0]}的已存新聞；以下是最新的幾則（不限語言）。" if zh else
                                       f"No stored {which[1]} articles about it; the newest in any language follow.")
                for c in dict.fromkeys(off_topic):
                    label, what = company_label(c, company_of(c), zh), _latest_topic_words(req)
                    what = in_users_script(what, req.message) if zh else what
                    notices.append(f"{label} 的已存新聞沒有一則提到「{what}」；以下是它最新的幾則。" if zh else
                                   f"None of the stored articles about {label} mentions \"{what}\"; its newest follow.")
                if window is not None:
                    from ..price_facts import TAIPEI

                    hits = [h for h in hits if h.published_at is not None
                            and h.published_at.astimezone(TAIPEI).date() >= window[0]]
                    if not hits:
                        hits = newest(before)
                        moved = _span_at_news_end(req, hits, newest)
                        if moved is not None:  # "TSMC news last week" on a stale store: the store's last week
                            hits, note = moved
                            notices.append(note)
                        elif hits:
                            notices.append((f"{window[2]} 沒有這家公司的已存新聞；以下是最新的幾則。" if codes else
                                            f"{window[2]} 沒有已存的新聞；以下是最新的幾則。") if zh else
                                           f"No stored news {'about it ' if codes else ''}from {window[2]}; the newest "
                                           "stored articles follow.")
            else:
                window = news_window(req)
                shown = set(req.skip_urls)  # "more" after quoted news: other articles
                hits = [h for h in self._search(req, codes, before, window, unnamed) if h.url not in shown]
                if window is not None and not hits:
                    # Nothing from around the day asked: the closest by topic from any date, said so.
                    hits = self._search(req, codes, before, None, unnamed)
                    if hits:
                        day = window[2]
                        notices.append(f"{day} 前後沒有已索引的相關新聞；以下是不限日期、主題最接近的新聞。" if zh else
                                       f"No indexed news from around {day}; quoting the closest news by topic from any date.")
        except FinqaError as exc:
            notices.append(f"新聞檢索失敗：{exc}" if zh else f"News retrieval failed: {exc}")
            hits = []
        found_codes = {h.code for h in hits}
        unnamed = [c for c in unnamed if c not in found_codes]  # named in the articles of another span (the fallback)
        grouped = set(unnamed) if len(unnamed) > 2 else set()
        if grouped:  # a group ("電子股最新消息"): one notice for all of them
            shown = "列出" if lists_newest(req) else "引用"
            listed = ("、" if zh else ", ").join(unnamed)
            notices.append(f"{len(unnamed)} 家公司歸在其代號下的已存新聞都沒有提到它（newsapi 以全文搜尋歸類），因此不{shown}：{listed}。" if zh else
                           f"{len(unnamed)} companies' stored articles never name them (newsapi files them by a full-text "
                           f"match), so none is {'listed' if lists_newest(req) else 'quoted'}: {listed}.")
            unnamed = []
        for c in unnamed:
            label = company_label(c, company_of(c), zh)
            shown = "列出" if lists_newest(req) else "引用"
            notices.append(f"歸在 {c} 下的已存新聞沒有一則提到 {label}（newsapi 以全文搜尋歸類），因此不{shown}；"
                           f"`finqa ingest news {c}` 可抓取最新新聞。" if zh else
                           f"None of the stored articles filed under {c} names {label} (newsapi files them by a "
                           f"full-text match), so none is {'listed' if lists_newest(req) else 'quoted'}; "
                           f"`finqa ingest news {c}` fetches recent news.")
        # The floor applies to open questions; with a company named, its own news is the context,
        # and with nothing asked but a day ("what happened on 2025-04-07?") that day's news is.
        date_only = not codes and is_day_question(req)
        overall = not codes and lists_newest(req)  # "latest news": the newest, whatever they say
        floor = self.settings.qa_min_score if not codes and not date_only and not overall else float("-inf")
        if date_only and not _asks_why(req.message) and _spans_days(window):
            # "what happened in the market in April 2025?": a month's news, the reports about the market
            # first (nearest its middle had put mid-April's graphics-card reviews first), then by date
            hits = sorted(hits, key=lambda h: (-_market_weight(h), -_closeness(h, window)))
        elif date_only and not _asks_why(req.message):  # the news nearest the day first (the wording ranks nothing here)
            hits = sorted(hits, key=lambda h: (-_closeness(h, window), not _about_markets(h)))
        elif date_only:  # "why did stocks crash on April 7?": the news most about markets first (stable sort:
            # the similarity order among equals); a gadget review that names tariffs once comes after a market report
            hits = sorted(hits, key=lambda h: -_market_weight(h))
        relevant = [h for h in hits if h.score >= floor]
        if hits and not relevant:
            best = max(h.score for h in hits)
            notices.append(f"最接近的已索引新聞（相似度 {best:.2f}）低於相關性門檻（{floor}），因此都不採用。" if zh else
                           f"The closest indexed news (similarity {best:.2f}) is below the "
                           f"relevance floor ({floor}), so none of it is used.")
        elif date_only or overall:
            pass  # the day is the topic: its news needs no word in common with "what happened on"
        elif zh and not codes and relevant:
            # An open question in Chinese: the English-only MiniLM scores unrelated Chinese texts
            # above the floor, so a hit must also share a term (a character bigram) with it.
            relevant = [h for h in relevant if term_overlap(req.message, f"{h.title}\n{h.text}") > 0]
            if not relevant:
                notices.append("最接近的已索引新聞與問題沒有共同的詞，因此都不採用。")
        elif not codes and relevant:
            # An open question in English: the same noise (gibberish such as "asdfgh" scores 0.34
            # against a Chinese shopping article), so a hit shares a word with the question
            # unless it is close in meaning beyond doubt.
            relevant = [h for h in relevant
                        if h.score >= OPEN_QUESTION_SURE or term_overlap(req.message, f"{h.title}\n{h.text}") > 0]
            if not relevant:
                notices.append("The closest indexed news shares no word with the question and is not close "
                               f"enough in meaning (similarity below {OPEN_QUESTION_SURE}), so none of it is used.")
        contexts: list[dict[str, Any]] = []
        seen: set[str] = set()
        for h in relevant:
            key = h.url or h.title
            if key in seen:
                continue
            seen.add(key)
            contexts.append({"n": len(contexts) + 1, "title": h.title, "source": h.source, "date": h.date,
                             "url": h.url or None, "text": h.text, "score": h.score, "code": h.code,
                             "prior": _closeness(h, window)})
            if len(contexts) == self.k:
                break
        if codes and window is not None:
            # "What happened to TSMC on 2025-04-07?": the day's prices from the store are a source
            # too, numbered after the news (the LLM may cite them; the CPU tier quotes them first).
            from ingest.store import open_store

            from ..price_facts import period_prices

            reading = period_prices(open_store(self.settings.store_path), codes[0], req.message, as_of=req.as_of,
                                    notices=notices)
            if reading is not None:
                contexts.append({"n": len(contexts) + 1, "title": reading.title, "source": reading.source,
                                 "date": reading.bars[-1].date.isoformat(), "url": None,
                                 "text": reading.text.replace("**", ""), "score": 1.0, "code": codes[0],
                                 "bars": reading.bars})
        if date_only or (codes and window is not None and _asks_why(req.message)):
            # "What happened on 2025-04-07?": how the stored companies moved that day is a source too;
            # "why did 2454 drop on 2025-04-07?": whether the whole market fell with it
            market = self._market_on_the_day(req, zh)
            if market is not None:
                contexts.append({"n": len(contexts) + 1, **market, "market": True})
        if codes and (len(codes) <= 2 or not contexts):
            # (a group's listing, "電子股最新消息", shows its newest few: the others are not missing)
            found = {c["code"] for c in contexts} | found_codes
            notices.extend(_missing_news_hint(self.settings, c, zh=zh) for c in codes
                           if c not in found and c not in unnamed and c not in grouped)
        elif not contexts and _nothing_indexed(self._retrieval()):
            notices.append("尚未索引任何新聞：請執行 `finqa ingest news CODE...`（或 `finqa ingest import PATH`），"
                           "再執行 `finqa index build`。" if zh else
                           "No news is indexed yet: run `finqa ingest news CODE...` (or `finqa ingest import PATH`) "
                           "and then `finqa index build`.")
        return contexts, notices

    def _recent_move(self, req: EngineRequest) -> EngineRequest:
        """"Why did MediaTek drop?", "聯發科最近為什麼跌": with no period named, the move asked about is
        the last month of stored sessions (up to the as-of date; "recently" and "over the past 10
        days" their trailing sessions), so the question is asked of that
        span: its bars from the store are a source, and the news searched is the news of that span
        (or the closest from any date, said so). Without it the CPU tier quoted the company's
        sentences nearest the wording, whatever their date; ``req`` unchanged for other questions."""
        from ingest.store import open_store

        from ..periods import parse_period
        from ..price_facts import TAIPEI, TREND_SESSIONS, visible_day

        if not (req.code and asks_why_move(req.message)):
            return req
        ref = req.as_of or datetime.now(TAIPEI).date()
        period = parse_period(req.message, ref)
        if period.kind == "trailing" and period.sessions:  # "recently", "over the past 10 days": those sessions
            sessions = period.sessions
        elif period.kind == "latest":
            sessions = TREND_SESSIONS[1]
        else:
            return req
        bars = open_store(self.settings.store_path).bars(req.code, end=visible_day(ref, req.as_of))
        if len(bars) < 2:
            return req
        start, end = bars.index[-min(sessions, len(bars))].date(), bars.index[-1].date()
        zh = answers_zh(req.message)
        span = f"{start.isoformat()}到{end.isoformat()}" if zh else f"from {start.isoformat()} to {end.isoformat()}"
        notice = (f"以資料庫中 {req.code} 最近 {sessions} 個交易日（{start.isoformat()} 至 {end.isoformat()}）的走勢與新聞回答。"
                  if zh else f"Read as {req.code}'s last {sessions} stored sessions ({start.isoformat()} to "
                  f"{end.isoformat()}), their prices and the news from around them.")
        return replace(req, message=f"{req.message.rstrip()} {span}", notices=[*req.notices, notice])

    def _market_on_the_day(self, req: EngineRequest, zh: bool) -> dict[str, Any] | None:
        """The market summary of the stored companies for the day a day question names (its
        header and breadth, as a context with the leaders' bars), or ``None`` without prices."""
        from ingest.store import open_store

        from .. import movers

        asked = replace(req, code=None, codes=[], follows_price_question=None, notices=[])
        summary = movers.movers_answer(asked, open_store(self.settings.store_path), market_summary=True)
        if summary is None or not summary.citations or not summary.bars:
            return None
        head = summary.answer.split("\n\n")[:2]
        cite = summary.citations[0]
        return {"title": cite.title, "source": cite.source, "date": cite.date, "url": None, "score": 1.0, "code": None,
                "text": ("" if zh else " ").join(head).replace("**", ""), "bars": summary.bars}

    def _search(self, req: EngineRequest, codes: list[str] | None, before: Any,
                window: tuple[date, date, str] | None, unnamed: list[str]) -> list[Any]:
        """Hits for the question, best first; published in ``window`` (from, until, label) when given,
        and always strictly before ``before``. A company whose retrieved articles never name it is
        added to ``unnamed``."""
        after, until = None, before
        topic = _topic(req, window)
        if window is not None:
            after, until = window[0], window[1] if req.as_of is None else min(window[1], req.as_of)
        retrieval = self._retrieval()

        def candidates(k: int, code: str | None, ignore: frozenset[str]) -> list[Any]:
            # The closest by meaning, plus the chunks holding the question's rare words verbatim
            # (the cosine of an English-only model misses those in Chinese text).
            found = retrieval.news(topic, codes=[code] if code else None, before=until, after=after, k=k)
            seen = {h.id for h in found}
            terms = keyword_terms(topic, ignore) + [w for f in figures for w in f.keywords] + alias_terms
            extra = retrieval.keyword_news(topic, list(dict.fromkeys(terms)), codes=[code] if code else None,
                                           before=until, after=after)
            return found + [h for h in extra if h.id not in seen]

        figures = asked_figures(req.message)
        from ..coverage import topic_aliases

        # "news about TSMC Arizona": the Chinese articles write 亞利桑那, which the English words miss
        alias_terms = [form for _, others in topic_aliases(to_simplified(topic).lower()) for other in others
                       for form in ((other, other.capitalize(), other.upper()) if other.isascii()
                                    else (other, to_traditional(other)))]

        def naming_figures_first(hits: list[Any]) -> list[Any]:
            # "what do analysts say about TSMC?": the articles that name one (分析師) come first, since
            # only their sentences are quoted; the cosine of an English question ranks them anywhere
            return sorted(hits, key=lambda h: not mentions(h.text, figures)) if figures else hits

        if codes:
            # One search per company, interleaved by rank: a single search over all of them
            # would hand every slot to whichever company's news sits closest to the wording.
            # Each keeps the articles that name the company (see _naming), hence the wider k.
            ignore = _company_terms(codes)
            per_code = [naming_figures_first(_rerank(_naming(candidates(self.k * 4, c, ignore), c, unnamed), topic, ignore,
                                                     window)) for c in codes]
            return [h for rank in zip_longest(*per_code) for h in rank if h is not None]
        # A Chinese question casts a wider net: the cosine ranks Chinese texts poorly, the term
        # overlap in _rerank then picks among more of them.
        # So does a day asked alone ("what happened on 2025-04-07?"): its wording ranks nothing, and
        # the day's news about stocks (_about_markets) must be among the candidates to come first.
        # A week of news is a few hundred chunks at most, so the day's are all read.
        wide = self.k * (40 if window is not None and is_day_question(req) else 8 if has_cjk(req.message) else 2)
        return naming_figures_first(_rerank(candidates(wide, None, frozenset()), topic, frozenset(), window))

    # --- answering ----------------------------------------------------------------------------
    def price_facts(self, req: EngineRequest) -> Answer | None:
        """A past or present price, close or volume of a named company, its indicators, drawdown,
        beta, an investment's return or a portfolio, or a ranking of the stored companies, straight
        from the store (``assistant.price_facts``, ``technicals``, ``risk``, ``holdings``,
        ``risk_rankings``, ``movers``); ``None`` for every other question. Overviews stream
        (:meth:`overview_stream`)."""
        from ingest.store import open_store

        from .. import movers
        from ..price_facts import price_answer
        from ..risk_rankings import risk_ranking, risk_ranking_kind

        from ..coverage import (asked_count_topic, coverage_answer, follows_coverage, fund_holdings_answer, identity_answer,
                                is_coverage_question, is_fund_holdings_question, is_identity_question, topic_count_answer)
        from ..glossary import ENGINE as GLOSSARY, glossary_answer, is_glossary_question

        if is_coverage_question(req.message) or follows_coverage(req):  # "which companies do you cover?", "and 2454?"
            return coverage_answer(req, open_store(self.settings.store_path))
        if is_identity_question(req.message, req.code):  # "what is 0050?", "台積電是什麼公司"
            return identity_answer(req, open_store(self.settings.store_path))
        if is_fund_holdings_question(req.message, req.code):  # "0050 holdings": not stored, and what 0050 is
            return fund_holdings_answer(req, open_store(self.settings.store_path))
        from ..peers import is_peers_question, peers_answer
        from ..price_limits import asks_limit_prices, limit_price_answer

        if asks_limit_prices(req.message, req.code):  # "台積電明天漲停價多少", "2330 limit up price"
            return limit_price_answer(req, open_store(self.settings.store_path))

        if is_peers_question(req.message, req.code):  # "who are TSMC's competitors?", "台積電的同業有哪些"
            return peers_answer(req, open_store(self.settings.store_path))
        if (topic := asked_count_topic(req.message)) is not None:  # "how many articles about Acer mention tariffs?"
            return topic_count_answer(req, open_store(self.settings.store_path), topic)
        if is_glossary_question(req.message, req.code):  # "what does RSI mean?": finqa's own definition
            return Answer(route="qa", engine=GLOSSARY, notices=list(req.notices), answer=glossary_answer(req.message))
        from ..market_hours import ENGINE as HOURS, asks_market_open, market_open_answer

        if not req.code and asks_market_open(req.message):  # "is the market open today?", "台股現在開盤了嗎"
            from ..price_facts import TAIPEI

            newest = open_store(self.settings.store_path).newest_bar_date()
            return Answer(route="qa", engine=HOURS, notices=list(req.notices),
                          answer=market_open_answer(req.message, datetime.now(TAIPEI), newest))
        from ..briefing import asks_briefing, briefing_answer

        if not req.code and not req.codes and asks_briefing(req.message):
            # "give me a morning briefing", "今天盤前要注意什麼": the latest session, the watchlist, the newest news
            return briefing_answer(req, open_store(self.settings.store_path), list(self.settings.watchlist or []),
                                   lambda: self._newest_named(req))
        from ..market_regime import regime_answer

        if (regime := regime_answer(req, open_store(self.settings.store_path))) is not None:
            return regime  # "台股現在是牛市還是熊市", "is TSMC in a bear market?": the 20% lines
        from ..market_days import market_day_kind, market_days_answer

        if market_day_kind(req.message, [c for c in [req.code, *req.codes] if c]):  # "worst day for Taiwan stocks"
            return market_days_answer(req, open_store(self.settings.store_path))
        if risk_ranking_kind(req.message, [c for c in [req.code, *req.codes] if c]):  # "most volatile stocks"
            return risk_ranking(req, open_store(self.settings.store_path))
        from ..screens import screen_answer, screen_of

        if screen_of(req.message, [c for c in [req.code, *req.codes] if c]):  # "which stocks are oversold?"
            return screen_answer(req, open_store(self.settings.store_path))
        if movers.applies(req) and (ranked := movers.movers_answer(req, open_store(self.settings.store_path),
                                                                    watchlist=self.settings.watchlist)) is not None:
            if _INDEX.search(to_simplified(req.message)) and not ranked.bars:  # "加權指數多少" on an empty store
                ranked.notices.append(_index_notice(answers_zh(req.message)))
            return ranked  # "which stock rose the most in April?": a ranking of the store
        if req.code and (placed := movers.company_rank_answer(req, open_store(self.settings.store_path))) is not None:
            return placed  # "2330 成交量排名": where one company stands among the stored ones
        if not req.code:  # the store is not even opened for a question about no company
            from ..holdings import portfolio_prompt
            from ..risk import risk_kind

            if risk_kind(req.message) == "portfolio":  # "我的持股價值": which holdings?
                return Answer(route="qa", engine="qa:prices", notices=list(req.notices),
                              answer=portfolio_prompt(answers_zh(req.message)))
            return None
        from ..risk import risk_answer, risk_kind
        from ..technicals import asks_volatility_only, indicator_answer

        store = open_store(self.settings.store_path)
        risk, indicators = risk_answer(req, store), indicator_answer(req, store)
        if risk is not None and indicators is not None:  # "2330 RSI and volatility and drawdown": both
            if risk_kind(req.message) == "risk" and asks_volatility_only(req.message):
                return risk  # "哪個波動比較大": the risk profiles hold the 20-session volatility already
            return _joined(risk, indicators)
        answer = risk or indicators or price_answer(req, store)
        if answer is not None:
            _say_figures_missing(req, answer)
        return answer

    def _newest_named(self, req: EngineRequest) -> list[Any]:
        """The newest stored articles of any company that name their company, before the as-of
        date (what "latest news" lists); none when the index cannot be read."""
        before = req.as_of if req.as_of is not None else datetime.now(timezone.utc)
        try:
            return _about_their_company(self._retrieval().latest_news(req.message, codes=None, before=before,
                                                                      k=self.k * 4))
        except FinqaError as exc:
            log.warning("newest news unavailable: %s", exc)
            return []

    def overview_stream(self, req: EngineRequest) -> AnswerStream | None:
        """A company overview as a stream (its store lines at once, each engine's part as it
        finishes), or ``None`` when ``req`` asks for none."""
        from .. import movers, overview

        if not req.code or movers.applies(req) or not overview.applies(req):
            return None
        from ingest.store import open_store

        return overview.overview_stream(req, open_store(self.settings.store_path), self.peers or {})

    def run(self, req: EngineRequest) -> Answer:
        from .base import collect

        return collect(self.run_stream(req))

    def run_stream(self, req: EngineRequest) -> AnswerStream:
        streamed = self.overview_stream(req)
        if streamed is not None:
            return streamed
        facts = self.price_facts(req)
        if facts is not None:
            return AnswerStream.of(facts)
        req = self._recent_move(req)
        contexts, notices = self.gather_contexts(req)
        notices = list(req.notices) + notices
        if self.settings.cpu_only:
            return AnswerStream.of(self.extractive(req, contexts, "cpu_only is set", notices))
        from ..models import ModelUnavailable

        manager = self._manager()
        try:
            loaded = manager.load(self.settings.qa)
        except ModelUnavailable as exc:
            return AnswerStream.of(self.extractive(req, contexts, _reason(exc), notices))
        except Exception as exc:  # CUDA OOM and friends during load
            if not is_oom(exc):
                raise
            return AnswerStream.of(self.extractive(req, contexts, f"CUDA out of memory loading the QA model ({exc})", notices))

        from ..prompts import render_qa_messages

        messages = render_qa_messages(req.message, [{k: c[k] for k in ("n", "title", "source", "date", "text")}
                                                    for c in contexts], history=req.history or None,
                                      language=answer_language())
        engine = f"qa:{model_label(self.settings.qa)}"
        state: dict[str, Any] = {"fallback": None}
        zh = answers_zh(req.message)

        def deltas() -> Iterator[str]:
            produced = False
            try:
                for delta in manager.generate_stream(loaded, messages, max_new_tokens=self.settings.max_new_tokens):
                    produced = True
                    yield delta
            except Exception as exc:
                if not is_oom(exc) and not type(exc).__name__ == "ModelUnavailable":
                    raise
                reason = f"generation failed ({exc})"
                if produced:
                    notices.append(f"回答被中斷：{reason_zh(reason)}。" if zh else f"The answer was cut short: {reason}.")
                    return
                fallback = self.extractive(req, contexts, reason, notices)
                state["fallback"] = fallback
                yield fallback.answer

        def finish(text: str) -> Answer:
            if state["fallback"] is not None:
                return state["fallback"]
            answer_text = text.strip() or ("（模型沒有回傳任何文字）" if zh else "(the model returned no text)")
            if not contexts:
                notices.append("沒有已索引的新聞符合這個問題；這個回答並非根據檢索到的來源。" if zh else
                               "No indexed news matched this question; the answer is not grounded in retrieved sources.")
            prices = _price_context(contexts)
            return Answer(route="qa", engine=engine, answer=answer_text, citations=map_citations(text, contexts),
                          notices=notices, code=req.code, bars=prices["bars"] if prices is not None else [])

        return AnswerStream(deltas(), finish)

    def extractive(self, req: EngineRequest, contexts: list[dict[str, Any]], reason: str,
                   notices: list[str]) -> Answer:
        """The CPU tier: the sentences of the retrieved news most similar to the question."""
        if reason != "cpu_only is set":
            self.last_fallback = reason
        zh = answers_zh(req.message)
        if zh:
            header = f"CPU 層（擷取式；未載入語言模型：{reason_zh(reason)}）。"
        else:
            header = f"CPU tier (extractive; no language model loaded: {reason})."
        if not contexts and request_codes(req):  # "2382 news", "what happened with Quanta?": nothing to list or quote
            labels = [company_label(c, company_of(c), zh) for c in request_codes(req)]
            if lists_newest(req):
                body = (f"沒有關於 {'、'.join(labels)} 的已存新聞可列出（原因見下方說明）。" if zh else
                        f"There is no stored news about {', '.join(labels)} to list (the notes below say why).")
            else:
                body = (f"沒有關於 {'、'.join(labels)} 的已存新聞可引用（原因見下方說明）；沒有語言模型時 finqa 無法回答資料以外的問題"
                        "（設定可載入的 QA 模型：FINQA_QA__BASE，或 OpenAI 相容的伺服器）。" if zh else
                        f"There is no stored news about {', '.join(labels)} to quote (the notes below say why), and without a "
                        "language model finqa cannot answer beyond its data (configure a QA model that can be loaded: "
                        "FINQA_QA__BASE, or an OpenAI-compatible server).")
            return Answer(route="qa", engine=CPU_ENGINE, answer=f"{header}\n\n{body}", notices=notices,
                          fallback_reason=reason, code=req.code)
        if not contexts and (figures := [f for f in asked_figures(req.message) if f.kind != "flows"]):
            # "which stocks pay the highest dividends?": the figure is not stored, which is the answer
            body = (f"finqa 沒有{not_stored(figures, True)}，所以無法回答{names(figures, True)}的問題，也無法依此排名；"
                    "已索引的新聞也沒有相關內容。" if zh else
                    f"finqa holds no {not_stored(figures, False)}, so it cannot answer about {names(figures, False)} or rank "
                    "companies by them, and no indexed news covers it.")
            return Answer(route="qa", engine=CPU_ENGINE, answer=f"{header}\n\n{body}", notices=notices,
                          fallback_reason=reason, code=req.code)
        if not contexts:
            if zh:
                where = f"關於 {req.code} 的" if req.code else ""
                body = (f"沒有{where}已索引新聞涵蓋這個問題；沒有語言模型時 finqa 無法回答一般問題，因此沒有可以引用的內容。"
                        f"若要回答一般問題，請設定一個可以載入的 QA 模型（FINQA_QA__BASE，或 OpenAI 相容的伺服器）。")
                if not req.code:  # "asdfghjkl": what it can answer instead
                    body += "\n\n可以問一家公司（`台積電`、`台積電最新消息`、`台積電未來5天走勢`），或輸入 `說明` 看更多範例。"
            else:
                where = f" for {req.code}" if req.code else ""
                body = (f"No indexed news{where} covers this question, and without a language model finqa cannot "
                        f"answer general questions, so there is nothing to quote. Configure a QA model that can be "
                        f"loaded (FINQA_QA__BASE, or an OpenAI-compatible server) for general answers.")
                if not req.code:
                    body += ("\n\nAsk about a company instead (`2330`, `latest news on TSMC`, `forecast 2330 next 5 days`), "
                             "or type `help` for more examples.")
            return Answer(route="qa", engine=CPU_ENGINE, answer=f"{header}\n\n{body}", notices=notices,
                          fallback_reason=reason, code=req.code)
        if lists_newest(req):
            tag = len(request_codes(req)) != 1  # several companies, or all of them: each line says whose
            summary = asks_summary(req.message)  # "summarize TSMC's news": each headline with its lead
            titles: set[str] = set()  # two outlets' copies of one headline are listed once
            lines = []
            for c in contexts:
                if c.get("bars") or (key := re.sub(r"\W+", "", str(c["title"])).lower()) in titles:
                    continue  # the prices are quoted above the list
                titles.add(key)
                lines.append(f"- {c['date']} {'[' + c['code'] + '] ' if tag and c.get('code') else ''}{c['title']} [{c['n']}]")
                if summary and (lead := article_lead(c)):
                    lines.append(f"  {lead}")
            intro = "最新新聞（由新到舊）：" if zh else "Latest news, newest first:"
            span = listing_window(req)
            listed = [c["date"] for c in contexts if not c.get("bars") and c.get("date")]
            if span is not None and listed and all(
                    (span[0] + timedelta(days=span[3])).isoformat() <= d
                    < (span[1] - timedelta(days=span[3])).isoformat() for d in listed):  # the span itself
                intro = f"{span[2]} 的新聞（由新到舊）：" if zh else f"News from {span[2]}, newest first:"
            elif span is not None and listed and all(span[0].isoformat() <= d < span[1].isoformat() for d in listed):
                # "TSMC headlines from April 7 2025": the days around it too
                intro = (f"{span[2]} 前後 {NEWS_DAYS_AROUND} 天的新聞（由新到舊）：" if zh else
                         f"News from {NEWS_DAYS_AROUND} days either side of {span[2]}, newest first:")
            if summary and any(line.startswith("  ") for line in lines):
                intro = (intro.rstrip("：") + "，每則附上文章的第一句（沒有語言模型，finqa 不自行撰寫摘要）：" if zh else
                         intro.rstrip(":") + ", each with its article's opening sentence (without a language model finqa "
                         "writes no summary of its own):")
        elif is_day_question(req):  # "what happened on 2025-04-07?": that day's headlines
            lines = [f"- {c['date']} {c['title']} [{c['n']}]" for c in contexts if not c.get("bars")]
            day = news_window(req)[2]  # type: ignore[index]
            if _asks_why(req.message):  # "why did stocks crash on April 7?": the reports about the market first
                intro = (f"{day} 前後的新聞（關於股市的在前；沒有語言模型，finqa 不推論原因）：" if zh else
                         f"News from around {day}, the reports about the market first (without a language model finqa "
                         "does not infer the reason):")
            elif _spans_days(news_window(req)):
                intro = (f"{day} 前後的新聞（關於股市的在前）：" if zh else
                         f"News from around {day}, the reports about the market first:")
            else:
                intro = f"{day} 前後的新聞（越接近那天越前面）：" if zh else f"News from around {day}, nearest the day first:"
        else:
            news = [c for c in contexts if not c.get("bars")]
            topic, ignore = _topic(req, news_window(req)), _company_terms(request_codes(req))
            figures = asked_figures(req.message)  # "台積電營收": only sentences that name the figure
            picked = self._rank_sentences(topic, news, ignore, keep=(lambda s: mentions(s, figures)) if figures else None)
            lines = [f"- {s} [{n}]" for s, n in picked]
            # A company's own news is quoted whatever it says (there is no relevance floor for it),
            # so when no quoted sentence shares a word with what was asked, say that it may not answer.
            note = _unanswered_note(req, topic, ignore, [sent for sent, _ in picked], zh)
            if note:
                notices = [*notices, note]
            intro = "檢索到的新聞中與問題最相關的句子：" if zh else "Most relevant sentences from the retrieved news:"
            if figures and not picked:
                about = f" {'、'.join(request_codes(req))} 的" if zh and request_codes(req) else ""
                intro = (f"檢索到的{about}新聞沒有一句提到{names(figures, zh)}：finqa 沒有{not_stored(figures, True)}，無法給出。" if zh else
                         f"None of the retrieved news{' about ' + ', '.join(request_codes(req)) if request_codes(req) else ''} "
                         f"mentions {names(figures, zh)}: finqa holds no {not_stored(figures, False)}, so it cannot give it.")
            if not news:
                intro = "沒有那段時間的相關新聞。" if zh else "No news from around then."
        body = intro + "\n" + "\n".join(lines)
        prices = _price_context(contexts)
        market = next((c for c in contexts if c.get("market")), None)
        if market is not None and market is not prices:  # "why did 2454 drop that day?": the market beside it
            body = (f"大盤（資料庫中的公司）：{market['text']} [{market['n']}]" if zh else
                    f"The market (the stored companies): {market['text']} [{market['n']}]") + "\n\n" + body
        if prices is not None:
            body = (f"股價（取自資料庫）：{prices['text']} [{prices['n']}]" if zh else
                    f"Prices (from the store): {prices['text']} [{prices['n']}]") + "\n\n" + body
        text = f"{header}\n\n{body}".rstrip()
        return Answer(route="qa", engine=CPU_ENGINE, answer=text, citations=map_citations(text, contexts),
                      notices=notices, fallback_reason=reason, code=req.code,
                      bars=prices["bars"] if prices is not None else [])

    def _rank_sentences(self, question: str, contexts: list[dict[str, Any]], ignore: frozenset[str] = frozenset(),
                        keep: Any = None) -> list[tuple[str, int]]:
        """The :data:`EXTRACTIVE_SENTENCES` sentences closest to ``question`` (only those ``keep``
        accepts, when given)."""
        import numpy as np

        candidates: list[tuple[str, int]] = []
        for c in contexts:
            sentences = split_sentences(c["text"])
            good = [s for s in sentences if _informative(s)] or sentences[:1]
            candidates.extend((s, c["n"]) for s in good if keep is None or keep(s))
        # The same sentence (the title or description repeated in the body) is ranked once.
        candidates = _dedupe(candidates)
        if not candidates:
            return []
        lexical = np.array(lexical_scores(question, [s for s, _ in candidates], ignore))
        # A question about a day favours the articles published nearest to it (``_closeness``).
        by_n = {c["n"]: float(c.get("prior") or 0.0) for c in contexts}
        prior = DATE_WEIGHT * np.array([by_n.get(n, 0.0) for _, n in candidates])
        try:
            emb = self._embedder()
            q = np.asarray(emb.embed_queries([question]))[0]
            m = np.asarray(emb.embed_passages([s for s, _ in candidates]))
            scores = m @ q + LEXICAL_WEIGHT * lexical + prior
        except Exception as exc:  # no embedder: words in common, then retrieval order
            log.warning("sentence ranking without embeddings (%s)", exc)
            scores = lexical + prior - 1e-6 * np.arange(len(candidates), dtype=float)
        order = np.argsort(-scores, kind="stable")[:EXTRACTIVE_SENTENCES]
        return [candidates[i] for i in order]


# Words in common with the question count beside the embedding's cosine: the packaged MiniLM
# reads English only, so for Chinese its cosine is close to noise, while a sentence that shares
# 營收 with "台達電的營收如何" is what the reader asked for.
LEXICAL_WEIGHT = 0.5
_STOPWORDS = frozenset(
    "the a an and or of to in on for at by with from about what why how when who which did does do is are was were "
    "be been has have had will would can could should its it this that these those their there any some news "
    "say said says tell me latest recent".split()
)
_FUNCTION_CHARS = set("的了吗呢吧啊是在有和与及或也都就还么什怎如何为哪谁个这那")
# Chinese words of asking for news, not of what it is about: "輝達相關新聞" had quoted any sentence
# with 相關 in it (the English stopwords above hold "news", "latest" and "recent" alike)
_CJK_STOP = re.compile("相关|有关|关于|新闻|消息|最新|最近|报导|报道")  # cut out before the bigrams (关新 spans two)


def _unanswered_note(req: EngineRequest, topic: str, ignore: frozenset[str], quoted: list[str], zh: bool) -> str | None:
    """A company's own news is quoted whatever it says (it has no relevance floor), so when no
    quoted sentence shares a word with what was asked, the answer says it may not answer. An
    English question quoted Chinese news shares no words with it by construction: there the
    note says so, except for a question about a day, whose news was chosen by its date."""
    from ..coverage import topic_aliases

    wanted = _terms(topic) - ignore
    aliases = topic_aliases(to_simplified(topic).lower())  # "tariffs" is in a sentence that writes 關稅
    if not (request_codes(req) and wanted and quoted) or any(_terms(in_own_words(t, aliases)) & wanted for t in quoted):
        return None
    if zh:
        return "引用的句子與問題沒有共同的詞：這些只是該公司新聞中意思最接近的句子，未必回答了問題。"
    if all(has_cjk(t) for t in quoted):
        if news_window(req) is not None:
            return None
        return ("The quoted news is in Chinese and shares no words with the question: these are the company's "
                "sentences closest in meaning, and may not answer it.")
    words = [w for w in dict.fromkeys(re.findall(r"[a-z0-9]+", topic.lower())) if w in wanted]
    return (f"None of the quoted sentences mentions {', '.join(words[:3])}: they are the company's news closest "
            "in meaning, and may not answer the question.")


def _terms(text: str) -> set[str]:
    """English content words and Chinese character bigrams (simplified), for term overlap."""
    from ..slots import to_simplified

    low = _CJK_STOP.sub(" ", to_simplified(text or "").lower())
    words = {w for w in re.findall(r"[a-z0-9]+", low) if len(w) > 1 and w not in _STOPWORDS}
    bigrams = {run[i:i + 2] for run in re.findall(f"[{CJK_CHARS}]+", low) for i in range(len(run) - 1)}
    return words | {b for b in bigrams if not (set(b) & _FUNCTION_CHARS)}


def keyword_terms(question: str, ignore: frozenset[str] = frozenset()) -> list[str]:
    """The words of ``question`` to look up verbatim in the news (``Retrieval.keyword_news``):
    English words of three letters or more as written and in the usual cases (Chroma's
    ``$contains`` is case-sensitive), and Chinese character bigrams in both scripts (the news is
    a mix of Traditional and Simplified). Terms in ``ignore`` (the companies' own names) are left
    out: every candidate shares them."""
    from ..slots import to_simplified

    wanted = _terms(question) - ignore
    out: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9&\-]{2,}", question or ""):
        if word.lower() in wanted:
            out.extend([word, word.lower(), word.upper(), word.capitalize()])
    for run in re.findall(f"[{CJK_CHARS}]+", question or ""):
        for i in range(len(run) - 1):
            gram = run[i:i + 2]
            simplified = to_simplified(gram)
            if simplified in wanted:
                out.extend([gram, simplified, to_traditional(gram)])
    return list(dict.fromkeys(out))


def _overlap(q: set[str], text_terms: set[str], weights: dict[str, float] | None) -> float:
    w = weights or {}
    total = sum(w.get(t, 1.0) for t in q)
    return sum(w.get(t, 1.0) for t in q & text_terms) / total if total else 0.0


def term_overlap(question: str, sentence: str, ignore: frozenset[str] = frozenset(),
                 weights: dict[str, float] | None = None) -> float:
    """Weighted share of the question's terms (less ``ignore``) that the sentence contains (0..1)."""
    return _overlap(_terms(question) - ignore, _terms(sentence), weights)


def _idf(q: set[str], text_terms: list[set[str]]) -> dict[str, float]:
    n = len(text_terms)
    df = {t: sum(t in s for s in text_terms) for t in q}
    return {t: math.log(1.0 + (n + 1) / (1 + df[t])) if df[t] else 0.0 for t in q}


def pool_weights(question: str, texts: list[str]) -> dict[str, float]:
    """IDF of the question's terms over the candidate texts: a term most candidates share (台灣,
    科技) says less about which one answers than a rare one (關稅). A term no candidate has weighs
    0: Chinese bigrams across word boundaries (灣科, 技業) can tell no candidate from another."""
    return _idf(_terms(question), [_terms(t) for t in texts])


def in_own_words(text: str, aliases: list[tuple[str, list[str]]]) -> str:
    """``text`` Simplified and lower-cased, with each other name of a topic or company written as
    the question writes it (``coverage.topic_aliases``): "關稅" reads as "tariffs" for a question
    about tariffs, so that the words in common count across languages."""
    low = to_simplified(text).lower()
    for mine, others in aliases:
        for other in others:
            low = re.sub(rf"(?<![a-z]){re.escape(other)}(?![a-z])", f" {mine} ", low)
    return low


def lexical_scores(question: str, texts: list[str], ignore: frozenset[str]) -> list[float]:
    """``term_overlap`` of each text with ``pool_weights`` over all of them, each text's terms
    (an OpenCC conversion and a tokenisation) computed once; a topic's other names count as the
    question's own word ("What did TSMC say about tariffs?" finds 關稅)."""
    from ..coverage import topic_aliases

    q = _terms(question)
    aliases = topic_aliases(to_simplified(question).lower())
    sets = [_terms(in_own_words(t, aliases) if aliases else t) for t in texts]
    weights = _idf(q, sets)
    return [_overlap(q - ignore, s, weights) for s in sets]


def _norm(sentence: str) -> str:
    return re.sub(r"[\W_]+", " ", sentence.lower()).strip()


def _dedupe(candidates: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop sentences whose words are contained in a longer candidate (kept in first-seen order)."""
    norms = [_norm(s) for s, _ in candidates]
    keep: list[tuple[str, int]] = []
    for i, (cand, norm) in enumerate(zip(candidates, norms)):
        if not norm:
            continue
        if any(j != i and norm in other and (len(other) > len(norm) or j < i) for j, other in enumerate(norms)):
            continue
        keep.append(cand)
    return keep


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or str(exc)
    return str(reason)


def _is_loaded(manager: Any, spec: Any) -> bool:
    """Whether the shared manager holds ``spec`` loaded right now (False when unknown)."""
    if manager is None:
        return False
    try:
        return any(getattr(m, "spec", None) == spec for m in manager.loaded())
    except Exception:
        return False


def _nothing_indexed(retrieval: Any) -> bool:
    try:
        return int(retrieval.stats().get("news", 0) or 0) == 0
    except Exception:
        return False


def request_codes(req: EngineRequest) -> list[str]:
    """The companies a QA request is about: all those named, else the (possibly inherited) one."""
    codes = list(dict.fromkeys(req.codes)) if req.codes else []
    if req.code and req.code not in codes:
        codes.insert(0, req.code)
    return codes


def _missing_news_hint(settings: Any, code: str, *, zh: bool = False) -> str:
    """Say which command fetches what is missing: news in the store, or the index over it."""
    try:
        from ingest.store import open_store

        stored = len(open_store(settings.store_path).articles(code, limit=1)) > 0
    except Exception:
        stored = False
    if stored:
        return (f"{code} 的新聞已儲存但尚未建立索引：請執行 `finqa index build`。" if zh else
                f"News for {code} is stored but not indexed: run `finqa index build`.")
    return (f"尚未匯入 {code} 的新聞：請執行 `finqa ingest news {code}`（再執行 `finqa index build`）。" if zh else
            f"No news for {code} is ingested: run `finqa ingest news {code}` (then `finqa index build`).")
