"""What a follow-up carries over: the last news question, the period of the last price question, and
the holdings of the last portfolio.

Why: "TSMC news" then "and 2454?" asks for 2454's news, and "台積電的營收" then "那聯發科呢"
asks for MediaTek's revenue; answered on their own words, such follow-ups would get a company
overview. Price questions have their own memory (``price_facts.price_question_of``), because
their periods need parsing; news questions are carried as text: the last question, asked again
of the company (or in the period) the follow-up names.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Callable

from .i18n import answers_zh
from .types import Answer

# Words that only mark a follow-up ("and", "what about", "那…呢"), stripped from what it adds.
_MARKERS = re.compile(
    r"^\s*(?:and|what about|how about|same for|same with|now|then|also|ok,? (?:and|now))\b"
    r"|^\s*(?:那麼|那么|還有|还有|換成|换成|改成|再來|再来|那如果|如果是|換|换|那)|呢|的呢"
    r"|[?？。.!！,，、\s]+$",
    re.IGNORECASE,
)


def news_question_of(asked: str, answer: Answer) -> str | None:
    """The question a session remembers after ``answer``: ``asked`` (as the engine read it)
    when the answer came from the news, ``None`` after any other kind of answer."""
    from .overview import ENGINE as OVERVIEW
    from .price_facts import ENGINE as PRICES

    if answer.route != "qa" or not answer.engine.startswith("qa:") or answer.engine in (PRICES, OVERVIEW):
        return None
    # A question the news had nothing for ("asdfghjkl") is no question to ask again of "2330" next
    return asked if answer.citations else None


# "more", "show me 5 more headlines", "next page", "更多", "再多幾則", "下一頁", "還有嗎" after a news list
_MORE = re.compile(r"^\s*(?:(?:show|give|list)\s+(?:me\s+)?)?(?:\d+\s+|a few\s+|some\s+)?more(?:\s+(?:news|headlines|articles|stories))?"
                   r"(?:\s+please)?\s*[?.!]*\s*$|^\s*(?:next|another)\s+(?:page|\d+|five|ten)\b.{0,12}$|^\s*(?:any\s+)?older\s+(?:ones|news|articles)\s*[?.!]*\s*$"
                   r"|^\s*(?:请|請)?(?:再|多)(?:多|来|來|给|給|列|看)?(?:我)?(?:几|幾|五|5|一些)?(?:则|則|篇|条|條)?(?:新闻|新聞)?\s*[?？!！。]*\s*$"
                   r"|^\s*(?:更多|下一页|下一頁|还有吗|還有嗎|还有呢|還有呢|更早的)(?:新闻|新聞)?\s*[?？!！。]*\s*$", re.I)


def asks_more(message: str) -> bool:
    """Whether ``message`` asks for the next page of the last news list."""
    return bool(_MORE.search(message or ""))


# "summarize them", "give me a summary", "tl;dr", "總結一下", "重點是什麼" after a news list: that list,
# each headline with its lead. On simplified, lower-cased text.
_SUMMARY_ONLY = re.compile(
    r"^\s*(?:(?:can you|could you|please|pls)\s+)?(?:summari[sz]e|sum up|recap|give me (?:a |the )?(?:summary|gist)"
    r"|(?:a |the )?summary|tl;?dr|(?:the )?key points|the gist)(?:\s+(?:them|these|those|it|this|that|the (?:news|articles|headlines)))?"
    r"(?:\s+(?:please|pls|for me))?\s*[?.!]*\s*$"
    r"|^\s*(?:请|帮我|可以)?(?:总结|摘要|整理|汇整|重点)(?:一下)?(?:这些|那些|这几则)?(?:新闻)?(?:是什么|是啥|呢)?\s*[?？!！。]*\s*$"
    # "有什麼重點", "重點有哪些", "what are the key points?", "any highlights?"
    r"|^\s*(?:有)?(?:什么|哪些)(?:重点|亮点)(?:吗|呢)?\s*[?？!！。]*\s*$|^\s*(?:重点|亮点)(?:有)?(?:哪些|是什么)\s*[?？!！。]*\s*$"
    r"|^\s*(?:what are |any )?(?:the )?(?:key (?:points|takeaways)|main points|highlights|takeaways)\s*[?.!]*\s*$")


def asks_summary_only(message: str) -> bool:
    """Whether ``message`` only asks to summarise what was listed ("summarize them", "總結一下")."""
    from .slots import to_simplified

    return bool(_SUMMARY_ONLY.search(to_simplified(message or "").lower()))


def summary_question(previous: str, zh: bool) -> str:
    """The last news question asked again as a summary (each headline with its lead)."""
    return f"總結 {previous}" if zh else f"summarize {previous}"


# "what do they say about Arizona?", "do any of them mention tariffs?", "這些新聞有提到關稅嗎",
# "裡面有講到美國設廠嗎" after a news list: the same news searched for that topic. On simplified,
# lower-cased text; group 1 (English) or 2 (Chinese) is the topic.
_TOPIC_IN_THEM = re.compile(
    r"^\s*(?:what|anything|is there anything)\s+(?:do|does|did)?\s*(?:they|these|those|the (?:articles|news|headlines)|it)\s+"
    r"(?:say|said|mention|write|report)\w*\s+(?:about|on|regarding)\s+(.{2,60}?)\s*[?.!]*\s*$"
    r"|^\s*(?:do|does|did)\s+(?:any of )?(?:they|them|these|those|the (?:articles|news|headlines))\s+(?:mention|talk about|cover|say anything about)\s+"
    r"(.{2,60}?)\s*[?.!]*\s*$"
    r"|^\s*(?:这些|那些|这几则|里面|其中)(?:新闻|文章)?(?:里|中)?(?:有)?(?:提到|讲到|说到|谈到|关于)(.{1,20}?)(?:的)?(?:吗|呢|什么|的部分)?\s*[?？!！。]*\s*$")


def topic_in_listed(message: str) -> str | None:
    """The topic ``message`` asks the news just listed about (see :data:`_TOPIC_IN_THEM`), else ``None``."""
    from .slots import to_simplified

    m = _TOPIC_IN_THEM.search(to_simplified(message or "").lower())
    if not m:
        return None
    topic = re.sub(r"^(?:the|a|an)\s+", "", next(g for g in m.groups() if g).strip())
    for i in range(len(message)):  # as the user wrote it ("關稅", not the "关税" it was matched as)
        if to_simplified(message[i:i + len(topic)]).lower() == topic:
            return message[i:i + len(topic)]
    return topic or None


def topic_question(previous: str, topic: str, zh: bool) -> str:
    """The last news question narrowed to ``topic`` ("TSMC news in March 2025 about Arizona")."""
    return f"{previous} 關於{topic}" if zh else f"{previous} about {topic}"


def more_notice(question: str, shown: int, zh: bool) -> str:
    return (f"視為「{question}」的下一頁（略過已列出的 {shown} 則）。" if zh else
            f"Read as the next page of “{question}” (the {shown} articles already listed are left out).")


def follow_up_rest(message: str, directory: Any) -> str:
    """What a follow-up says besides the companies it names and its follow-up words ("and what
    about 2454?", "那聯發科呢？" → ""): empty when it only asks the last question of another company."""
    rest = directory.without_mentions(message)
    for _ in range(3):  # "and what about", "那…呢？"
        rest = _MARKERS.sub(" ", rest).strip()
    return rest


_HAPPENED = re.compile(r"\bwhat(?:'s| has| had)? (?:happened|happening|going on)\b|\bany (?:events?|updates?)\b|发生|怎么了|大事")


def carry_news_question(previous: str, message: str, codes: list[str], directory: Any) -> str:
    """``previous`` asked again with what the follow-up ``message`` changes: the companies it
    names (``codes``, empty when it names none) replace the previous ones, and a period it names
    ("what about last week?") replaces the previous one: "TSMC news" + "and 2454?" → "2454 news".
    A follow-up that says anything else ("TSMC ADR premium") is a question of its own: returned
    as it is.
    """
    rest = follow_up_rest(message, directory)
    from .periods import parse_period, strip_dates

    new_period = bool(rest) and parse_period(rest, date.today()).kind != "latest"
    if rest and not new_period:
        return message  # "TSMC ADR premium", "0050 holdings": a question of its own, not the last one again
    base = previous
    if codes:
        named = " ".join(codes)
        spans = directory.mention_spans(previous)
        if spans:
            base = directory.without_mentions(previous, first=named)
            if len(spans) > 1:  # "TSMC and UMC news" → "2454 news", not "2454 and news"
                base = re.sub(rf"({re.escape(named)})\s*(?:and|&|vs\.?|versus|or|和|與|与|跟|及|或|、|,|，)\s+",
                              r"\1 ", base, count=1)
        else:
            from .router import QA_NEWS
            from .slots import to_simplified

            said = to_simplified(previous).lower()
            if not (QA_NEWS.search(said) or _HAPPENED.search(said)) and not rest:
                # "富邦科技" after "ETF有哪些": a company named after a general question is a question
                # of its own (its overview), not that question asked of it; "2330?" after "latest
                # news" or "what happened on April 7?" still asks them of 2330
                return message
            base = f"{named} {previous}"
    if not rest:
        return " ".join(base.split())
    base = strip_dates(base)  # "... in April 2025?" + "and in May?": May's, not both
    base = re.sub(r"\s+(?:in|on|during|for|of|from|since|at)\s*([?？。.!！]*)\s*$", r"\1", base)
    return " ".join(f"{base.rstrip('?？。.!！ ')} {rest}".split())


# "that month", "the same period", "back then", "那個月", "同期", "當時": the period asked before.
_THAT_PERIOD = re.compile(
    r"\b(?:(?:for|in|on|over|during|at)\s+)?(?:that|the same)\s+(?:day|date|session|week|month|quarter|year|period|span|time)\b"
    r"|\b(?:over |in |during )?the same (?:span|days)\b|\bback then\b|\bat (?:that|the) time\b"
    # "what was the average volume then?" (a "then" that ends the question points back at the span)
    r"|(?<=\s)then(?=\s*[?？.!]*\s*$)"
    r"|(?:在)?(?:那個|那个|那一個|那一个)(?:月|星期|禮拜|礼拜|交易日)|(?:在)?(?:那|那一)(?:天|日|週|周|年|季)"
    r"|同期|同一(?:期間|期间|段時間|段时间|天|個月|个月)|當時|当时|那段(?:期間|期间|時間|时间)",
    re.IGNORECASE,
)


# "and the month before?", "what about the week after?", "前一個月呢", "後一週": the span next to the
# last one asked about (on Simplified, lower-cased text).
_NEXT_SPAN = re.compile(
    r"^\s*(?:and\s+|what about\s+|how about\s+)?(?:in\s+|for\s+)?the\s+(month|week|quarter|year)\s+"
    r"(before|prior|earlier|after|following|later)\s*[?？.。!！]*\s*$"
    # "and the next week?", "the following month?", "the previous week?": with "the", after a past span
    r"|^\s*(?:and\s+|what about\s+|how about\s+)?(?:in\s+|for\s+|over\s+)?the\s+(next|following|previous|prior)\s+"
    r"(month|week|quarter|year)\s*[?？.。!！]*\s*$"
    r"|^\s*(?:那\s*)?(前|上|后|下)一?(?:个)?\s*(月|周|星期|礼拜|季|年)\s*(?:呢)?\s*[?？.。!！]*\s*$")


def _shifted_span(message: str, previous: str, today: date) -> str | None:
    """``previous`` asked again over the month (week, quarter, year) before or after its span, when
    ``message`` asks only that; ``None`` otherwise (or when the last question named no span)."""
    from ingest.cjk import CJK_CHARS

    from .periods import YOY, parse_period, shift_years, strip_dates
    from .slots import to_simplified

    m = _NEXT_SPAN.match(to_simplified(message).lower())
    span = parse_period(previous, today)
    if m is None or span.kind not in ("day", "range") or span.start is None or span.end is None:
        return None
    unit = m.group(1) or m.group(4) or {"月": "month", "周": "week", "星期": "week", "礼拜": "week", "季": "quarter",
                                        "年": "year"}[m.group(6)]
    back = (m.group(2) or m.group(3) or "") in ("before", "prior", "earlier", "previous") or m.group(5) in ("前", "上")
    step = -1 if back else 1
    start, end = span.start, span.end
    if unit == "week":
        start, end = start + timedelta(days=7 * step), end + timedelta(days=7 * step)
    elif unit == "year":
        shifted = shift_years(span, step)
        start, end = shifted.start, shifted.end  # type: ignore[union-attr]  (a day or range always shifts)
    else:  # whole calendar months: the month (quarter) next to the one the span starts in
        months = 1 if unit == "month" else 3
        index = start.year * 12 + start.month - 1 + step * months
        start = date(index // 12, index % 12 + 1, 1)
        index += months
        end = date(index // 12, index % 12 + 1, 1) - timedelta(days=1)
    zh = answers_zh(message)
    # the last question without its span (and a year-over-year word it carried), the new span after it
    base = " ".join(YOY.sub(" ", strip_dates(previous)).split())
    base = re.sub(r"[（(]\s*(?:到|to|–|-)?\s*[)）]|\b(?:from|between)\s+(?:to|and)\b"
                  r"|\b(?:in\s+)?the\s+week\s+of\b|當週|当周", " ", base)  # "2025-04-09 當週": what was left of the week
    base = " ".join(base.split()).rstrip("?？。.!！呢 ")
    base = re.sub(r"\s+(?:in|on|during|for|of|from|since|at|between|the)$", "", base)
    base = re.sub(rf"(?<=[{CJK_CHARS}])\s+(?=[{CJK_CHARS}])", "", base)  # where a Chinese date was
    base = re.sub(r"^的", "", base)  # "2025-04-09 當週的表現" without its span
    text = _span_text(start, end, zh)
    # 呢 kept: it is what says the question follows the conversation's company ("下一週呢" after
    # "那週的表現呢", whose rewrite named none)
    return f"{base} {text}" if not zh else f"{base}（{text}）呢"


def _span_text(start: date, end: date, zh: bool) -> str:
    """Dates every reader of a question parses back as that span."""
    return f"{start.isoformat()}到{end.isoformat()}" if zh else f"from {start.isoformat()} to {end.isoformat()}"


def _period_text(question: str, today: date, zh: bool) -> str | None:
    """The span ``question`` names, written so that any reader parses it back: a day or dates; a
    span named relative to today ("yesterday", "上週") as the same words, which each reader maps
    as it did the first time (a stale store reads "yesterday" as its newest session)."""
    from .periods import PERIOD_LABELS_ZH, parse_period

    period = parse_period(question, today)
    if period.label in ("yesterday", "this week", "last week", "this month", "last month", "this year", "last year"):
        return PERIOD_LABELS_ZH[period.label] if zh else period.label
    if period.kind == "day" and period.start is not None:
        return period.start.isoformat() if zh else f"on {period.start.isoformat()}"
    if period.kind == "range" and period.start is not None and period.end is not None:
        return _span_text(period.start, period.end, zh)
    return None


def _unit_of(ref: str) -> str | None:
    """``week`` / ``month`` / ``quarter`` / ``year`` when the words pointing back name one ("that
    week", "那個月", "那年"), else ``None`` ("that day", "then", "同期")."""
    low = ref.lower()
    for unit, words in (("week", ("week", "週", "周", "星期", "禮拜", "礼拜")), ("month", ("month", "月")),
                        ("quarter", ("quarter", "季")), ("year", ("year", "年"))):
        if any(w in low for w in words):
            return unit
    return None


_UNIT_DAYS = {"week": 7, "month": 28, "quarter": 90, "year": 365}  # a span shorter than these lies within one


def _enclosing_span(day: date, unit: str, zh: bool) -> str:
    """The week (month, quarter, year) around ``day``, written so that the period parser reads it
    back: "in the week of 2025-04-07" / "2025-04-07 當週", "in 2025-04" / "2025年4月"."""
    quarter = (day.month - 1) // 3 + 1
    if zh:
        return {"week": f"{day.isoformat()} 當週", "month": f"{day.year}年{day.month}月",
                "quarter": f"{day.year}年第{quarter}季", "year": f"{day.year}年"}[unit]
    return {"week": f"in the week of {day.isoformat()}", "month": f"in {day.year}-{day.month:02d}",
            "quarter": f"in {day.year} Q{quarter}", "year": f"in {day.year}"}[unit]


def carry_that_period(message: str, previous: str | None, today: date) -> str:
    """``message`` with "that day" / "the same period" / "那天" replaced by the span ``previous``
    names ("which stocks rose the most that day?" after "what happened in the market on April 9
    2025?" → "... on 2025-04-09?"); unchanged when it points at none or names a span of its own."""
    from .periods import parse_period

    ref = _THAT_PERIOD.search(message or "")
    if ref is None or not previous:
        return message
    zh = answers_zh(message)
    rest = (message[: ref.start()] + " " + message[ref.end():]).strip()
    if parse_period(rest, today).kind != "latest" or (text := _period_text(previous, today, zh)) is None:
        return message
    period = parse_period(previous, today)
    if ((unit := _unit_of(ref.group(0))) is not None and period.kind in ("day", "range") and period.start and period.end
            and (period.end - period.start).days + 1 < _UNIT_DAYS[unit]):
        # "how did it close that week?" after April 7, "那個月呢" after its week: the week (month,
        # year) around it, not the day (the week) again
        text = _enclosing_span(period.start, unit, zh)
    if ref.group(0).lower() == "then":  # kept after the span: it is what says the company is the last one
        text = f"{text} then"
    carried = " ".join((message[: ref.start()] + (text if zh else f" {text} ") + message[ref.end():]).split())
    return re.sub(r"\s+([?？!！.。])", r"\1", carried)


def carry_period(message: str, previous: str | None, today: date) -> str:
    """``message`` with the period of the last price question written in, when it points at it
    ("2330's chart for that month", "那天台積電收多少") or is a market ranking with no period of its
    own right after a ranking over one ("How did the market do in April 2025?", then "Which stocks
    did best?"); otherwise ``message`` unchanged. The rewritten question is what the conversation
    remembers, so "and the worst?" next keeps the span too."""
    from .movers import is_ranking_question
    from .periods import YOY, parse_period
    from .slots import to_simplified

    if not previous or not message:
        return message
    zh = answers_zh(message)

    simplified = to_simplified(message).lower()
    if YOY.search(simplified) and parse_period(YOY.sub(" ", simplified), today).kind == "latest":
        # "what about the same period last year?", "跟去年同期比呢": the last span beside the same span a year before
        if (text := _period_text(previous, today, zh)) is not None:
            return _with_span(message, text, zh)
    if (shifted := _shifted_span(message, previous, today)) is not None:
        # "and the month before?", "前一個月呢": the span next to the last one
        return shifted
    if _THAT_PERIOD.search(message) is not None:
        return carry_that_period(message, previous, today)
    if parse_period(message, today).kind != "latest":  # a span of its own: nothing to carry
        return message
    from ingest.companies import get_directory

    from .price_records import asks_records
    from .slots import ranked_end

    named = bool(get_directory().find_in_text(message))
    if (is_ranking_question(message) and is_ranking_question(previous) and not named
            and (text := _period_text(previous, today, zh)) is not None):
        return f"{message.rstrip()} {text}" if not zh else f"{message.rstrip()}（{text}）"
    if (ranked_end(simplified) is not None and is_ranking_question(previous)
            and (text := _span_of(previous, today, zh) or _period_text(previous, today, zh)) is not None):
        # "why did the top one fall?" after April's losers: April's move (it had been the last 20
        # sessions); after one day's ranking, that day's ("why did the top one rise on 2025-04-09?")
        return _with_span(message, text, zh)
    if asks_records(message) and not named and (text := _span_of(previous, today, zh)) is not None:
        # "and the lowest close?", "which day had the highest volume?" after "2330 in April 2025" or
        # "2330 last 10 days": that span's record (it had been the whole stored history's)
        return _with_span(message, text, zh)
    from .risk import risk_kind
    from .slots import plural_back

    if (not named and plural_back(simplified) and risk_kind(message) in ("risk", "drawdown", "correlation", "beta", "extremes")
            and (text := _span_of(previous, today, zh)) is not None):
        # "which is the riskiest?", "and their correlation?" after three companies this year: over
        # this year (they had read the whole stored history)
        return _with_span(message, text, zh)
    if (not named and risk_kind(message) in ("risk", "drawdown", "extremes") and risk_kind(message) == risk_kind(previous)
            and (text := _span_of(previous, today, zh)) is not None):
        # "and how long did it take to recover?" after "2454's max drawdown this year": this year's
        # drawdown (it had read the whole stored history)
        return _with_span(message, text, zh)
    return message


def carry_market_span(message: str, last_dated_question: str | None, today: date) -> str | None:
    """A market ranking with no span of its own ("which sectors were hit hardest?", "哪些股票跌最多")
    right after a question about the market over a span ("What happened in the Taiwan stock market
    in April 2025?"), with that span written in; ``None`` otherwise (it had ranked the newest day)."""
    from ingest.companies import get_directory

    from .movers import is_ranking_question
    from .periods import parse_period

    if (not last_dated_question or not is_ranking_question(message) or parse_period(message, today).kind != "latest"
            or get_directory().find_in_text(message) or get_directory().find_in_text(last_dated_question)
            or not _MARKET_WORDS.search(last_dated_question.lower())):
        return None
    zh = answers_zh(message)
    span = _span_of(last_dated_question, today, zh) or _period_text(last_dated_question, today, zh)
    return None if span is None else _with_span(message, span, zh)


_MARKET_WORDS = re.compile(r"\b(?:market|stocks|taiex|taiwan)\b|台股|股市|大盤|大盘|市場|市场")


# "why did it crash?", "why did the market fall?", "為什麼大跌", "台股為什麼崩" right after a question about
# the market over a span: on Simplified, lower-cased text.
_MARKET_WHY = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+)?(?:why|how come)\b.{0,12}\b(?:it|the (?:stock )?market|stocks|taiwan stocks|the taiex|taiex)\b"
    r".{0,12}\b(?:crash\w*|fall|fell|falling|drop\w*|plung\w*|tumbl\w*|sink|sank|slump\w*|declin\w*|tank\w*|rise|rose|rall\w*"
    r"|rebound\w*|jump\w*|surg\w*|soar\w*|recover\w*|go (?:up|down)|went (?:up|down))\b.{0,12}$"
    r"|^\s*(?:那|所以)?(?:台股|股市|大盘)?(?:为什么|为何|怎么)(?:会)?(?:大跌|重挫|崩盘?|暴跌|下跌|跌|大涨|反弹|上涨|涨)(?:那么多|这么多|成这样)?"
    r"(?:呢|啊)?\s*[?？!！。]*\s*$")


def market_why_question(message: str, last_dated_question: str | None, last_code: str | None, today: date) -> str | None:
    """"why did it crash?" / "為什麼大跌" right after a question about the market over a span ("What
    happened in the Taiwan stock market in April 2025?"), written out as the market's why over that
    span ("why did Taiwan stocks crash from 2025-04-01 to 2025-04-30?"), which the news engine answers
    with the span's market summary and its news; ``None`` otherwise (it had searched the news for
    "it" with no span and found nothing)."""
    from ingest.companies import get_directory

    from .slots import to_simplified

    s = to_simplified(message or "").lower().strip()
    if (last_code or not last_dated_question or not _MARKET_WHY.search(s) or get_directory().find_in_text(message)
            or get_directory().find_in_text(last_dated_question)):
        return None
    zh = answers_zh(message)
    if (span := _period_text(last_dated_question, today, zh)) is None:
        return None
    if zh:
        bare = re.sub(r"^(?:那|所以)?(?:台股|股市|大盘)?", "", message.strip())
        return f"台股{span}{bare}"
    text = re.sub(r"\b(?:it|the (?:stock )?market|the taiex)\b", "Taiwan stocks", message.strip(), count=1, flags=re.I)
    return _with_span(text, span, zh)


def why_back_question(message: str, last_price_question: str | None, last_code: str | None,
                      today: date) -> str | None:
    """A bare "why?" / "how come?" / "為什麼？" right after a price answer, written out as the question
    it asks: after a ranking, why its first (or, for losers, its last) one moved, over the
    ranking's span ("why did the worst one fall?", which :func:`carry_period` then dates); after
    one company's prices, why it moved over the span shown ("why did 2330 move from 2025-04-01 to
    2025-04-30?"). ``None`` for anything else (it had searched the news for "why?" and found nothing)."""
    from .movers import is_ranking_question, ranked_side
    from .small_talk import asks_why_back

    if not asks_why_back(message) or not (last_price_question or last_code):
        return None
    zh = answers_zh(message)
    if last_price_question and is_ranking_question(last_price_question):
        bottom = ranked_side(last_price_question) == "bottom"
        if zh:
            return "最後一名為什麼跌？" if bottom else "第一名為什麼漲？"
        return "why did the worst one fall?" if bottom else "why did the top one rise?"
    if not last_code:
        return None
    span = _span_of(last_price_question, today, zh) if last_price_question else None
    if span is None and last_price_question:
        span = _period_text(last_price_question, today, zh)  # a day, or "yesterday"
    if zh:
        return f"{last_code} {span}為什麼漲跌？" if span else f"{last_code}為什麼漲跌？"
    return f"why did {last_code} move{' ' + span if span else ''}?"


def _with_span(message: str, text: str, zh: bool) -> str:
    """``message`` with the span ``text`` written in before its closing 呢 or question mark (which
    say that it follows the conversation): "and the lowest close over the last 10 trading days?"."""
    at = re.search(r"(?:呢|吗|嗎)?\s*[?？。.!！]*\s*$", message).start()
    return f"{message[:at].rstrip()}{'（' + text + '）' if zh else ' ' + text}{message[at:]}"


def _span_of(question: str, today: date, zh: bool) -> str | None:
    """The span of several sessions ``question`` names (a range, or the last N sessions), written so
    that any reader parses it back; ``None`` for a single day or none."""
    from .periods import parse_period

    period = parse_period(question, today)
    if period.kind == "trailing" and period.sessions:
        return f"近{period.sessions}個交易日" if zh else f"over the last {period.sessions} trading days"
    return _period_text(question, today, zh) if period.kind == "range" else None


# "what's it worth?", "how did it do in April?", "which one lost more?", "what if I sell everything?",
# "我的持股現在值多少": after a portfolio, these are about it. On simplified, lower-cased text.
_ABOUT_HOLDINGS = re.compile(
    r"\b(?:it|its|them|they|everything|all of (?:it|them)|my (?:portfolio|holdings|positions|stocks|shares)|the portfolio"
    r"|which one|each (?:one|of them)|both|which (?:holding|position)s?|rebalanc\w*)\b"
    r"|它|它们|这些|我的(?:持股|投资组合|组合|部位|股票)|持股|全部|哪一?(?:档|支|个|只)|再平衡|调整(?:比例|部位|配置)"
    # "how much did I make since January?", "我賺了多少"
    r"|\b(?:did|have|do) i (?:make|made|earn|earned|lose|lost|gain|gained)\b|\bmy (?:gains?|loss(?:es)?|p&l|returns?)\b"
    r"|我(?:赚|赔|亏|损失)"
    # "how diversified am I?", "which is my biggest position?", "夠分散嗎"
    r"|\bdiversif\w*|\bconcentrat\w*|\bmy (?:biggest|largest|smallest) (?:position|holding)\b|分散|集中"
    # "要繳多少稅", "how much tax?", "如果漲到1100呢", "if it goes to 1100?": of the positions stated
    r"|税|手续费|\btax(?:es)?\b|\bfees?\b|(?:如果|若|假如|要是|那么|那)\s*(?:股价)?(?:涨|跌|回|来)到\s*\d"
    r"|\bif (?:it|the price|the stock|they) (?:goes|go|rises|rise|falls|fall|drops|drop|climbs|gets|hits|reaches"
    r"|recovers|recover|rebounds|rebound|bounces|bounce|comes|come|returns|return)\b"
    # "and if I add another 500 shares at 1200?", "再買2張在1200": a second purchase (averaging down)
    r"|\b(?:add|adding|buy)\s+(?:another|more|an? extra)\b|再买|加码|摊平"
    # "總市值多少", "帳面損益", "風險高嗎" after the holdings: of them
    r"|(?:总)?市值|值多少|现值|帐面|损益|赚(?:了)?多少|赔(?:了)?多少|风险|波动")


def holdings_stated(message: str) -> bool:
    """Whether ``message`` states holdings ("I hold 2 lots of 2330", "我1100買的台積電"): the
    conversation's holdings until the next such statement."""
    from .holdings import paid_positions, parse_positions
    from .risk import risk_kind

    return risk_kind(message) in ("portfolio", "position") and bool(
        paid_positions(message) or any(q for _, q in parse_positions(message)))


def carry_portfolio(message: str, previous: str | None, today: date, holdings: str | None = None) -> str:
    """``message`` with the holdings of the last portfolio question written in front, when it asks
    about them ("what's it worth?" after "I hold 2 lots of 2330 and 3 lots of 2454"); else
    ``message`` unchanged. The holdings are written so that the portfolio reader reads them back.
    After positions bought at a price, ``holdings`` (the conversation's last statement of them)
    is what is carried, so that a question about one of them does not narrow the rest."""
    from .holdings import holdings_text, paid_positions, parse_positions
    from .risk import risk_kind
    from .slots import unquoted

    if previous and message and risk_kind(previous) == "position" and len(paid_positions(previous)) > 0:
        return _carry_positions(message, holdings if holdings and paid_positions(holdings) else previous)
    if not previous or not message or risk_kind(previous) not in ("portfolio", "scenario"):
        return message
    from ingest.companies import get_directory

    from .scenarios import asks_scenario

    named = {c.code for c in get_directory().find_in_text(message)}
    if asks_scenario(message):
        # "what if TSMC drops 10%?" after holdings with 2330: the holdings with the move
        if not named <= {c for c, q in parse_positions(previous) if q}:
            return message
    elif named or any(q for _, q in parse_positions(message)):
        return message  # names companies (or holdings) of its own: a question of its own
    elif not _ABOUT_HOLDINGS.search(unquoted(message)):
        return message
    held = (holdings_text(holdings) if holdings else "") or holdings_text(previous)
    if not held:
        return message
    from .holdings import PORTFOLIO_SESSIONS
    from .periods import parse_period

    span = ""
    if parse_period(message, today).kind == "latest" and not asks_scenario(message):
        # the span the portfolio was read over, so that "which one lost more?" ranks that span
        span = _period_text(previous, today, False) or (
            "" if parse_period(previous, today).kind != "latest" else f"over the last {PORTFOLIO_SESSIONS} trading days")
    return " ".join(f"{held}: {message.strip()} {span}".split())


# "and MediaTek, I have 1 lot at 1300", "I also bought 2454 at 1300", "還有一張聯發科成本1300": a
# position added to those stated. On simplified, lower-cased text.
_ADDING = re.compile(r"\b(?:and|also|too|as well|plus|another|how about|what about)\b|还有|另外|也|再|加上|那")


def added_positions(message: str, holdings: str | None) -> str | None:
    """The positions stated so far (``holdings``, each bought at a price) and those ``message``
    adds in another company, written as one statement ("I bought 2,000 shares of 2330 at 1050 and
    1,000 shares of 2454 at 1300"), so that the answer is each of them and their total, and a later
    "total?" reads all of them; ``None`` when ``message`` adds none (or restates one of them, or
    states positions without a word that adds them: a new statement of its own)."""
    from .holdings import stated_positions
    from .slots import to_simplified, unquoted

    if not holdings or not message:
        return None
    held, new = stated_positions(holdings), stated_positions(message)
    if not held or not new or {c for c, _, _ in new} <= {c for c, _, _ in held}:
        return None
    if not _ADDING.search(to_simplified(unquoted(message)).lower()):
        return None
    merged = {c: (paid, shares) for c, paid, shares in held}
    merged.update({c: (paid, shares) for c, paid, shares in new})
    return "I bought " + " and ".join(f"{(shares or 1000):,.0f} shares of {c} at {paid:g}"
                                      for c, (paid, shares) in merged.items())


# After positions bought at a price ("I have 2 lots of TSMC at 900 and 1 lot of MediaTek at 1300"):
# "how am I doing?", "what's my total return?", "which holding is the worst?", "what if I sell the
# MediaTek?", "如果全部賣掉要繳多少稅" are about them. On simplified, lower-cased text.
_ABOUT_POSITIONS = re.compile(
    r"\bhow (?:am i|are we|is it|are they) doing\b|\bmy (?:total |overall |net )?(?:returns?|gains?|loss(?:es)?|p&l|profit)\b"
    r"|\b(?:holdings?|positions?)\b|\bsell\w*|\bsold\b|\btax(?:es)?\b|\bfees?\b|\bbreak[- ]?even\b"
    r"|卖|税|手续费|回本|赚|赔|亏|损益|报酬|持股|部位"
    # "total?", "all together?", "總共呢": all of them
    r"|\b(?:total|overall|altogether|all together|combined|in all)\b|总共|合计|一共|加起来|总计|全部")
_PORTFOLIO_RISK = re.compile(r"\brisk\w*|\bvolatil\w*|\bdrawdown|\bbeta\b|\bcorrelat\w*|风险|波动|回撤|相关")


def _carry_positions(message: str, previous: str) -> str:
    """``message`` with the positions of ``previous`` (each with its price) written in front when it
    asks about them; their risk is read as a portfolio (the prices paid change no volatility)."""
    from ingest.companies import get_directory

    from .holdings import holdings_text, paid_positions
    from .slots import unquoted

    from .scenarios import asks_scenario

    s = unquoted(message)
    held = paid_positions(previous)
    named = {c.code for c in get_directory().find_in_text(message)}
    if named and not named <= {c for c, _, _ in held}:
        return message  # another company: a question of its own
    if named and not (_ABOUT_POSITIONS.search(s) or asks_scenario(message)):
        return message  # "2330 RSI" names a holding but asks of the company, not of the position
    if not (named or _ABOUT_POSITIONS.search(s) or _ABOUT_HOLDINGS.search(s) or _PORTFOLIO_RISK.search(s)):
        return message
    if (_PORTFOLIO_RISK.search(s) and not named) or asks_scenario(message):
        # their risk, or a move of one of them ("如果聯發科跌10%呢"): the whole portfolio, held as it is
        text = holdings_text(previous)
        return " ".join(f"{text}: {message.strip()}".split()) if text else message
    chosen = [(c, paid, shares) for c, paid, shares in held if not named or c in named]
    written = " and ".join(f"{(shares or 1000):,.0f} shares of {c} at {paid:g}" for c, paid, shares in chosen)
    return " ".join(f"I bought {written}: {message.strip()}".split())


def chart_back_question(message: str, last_price_question: str | None, last_codes: list[str],
                        today: date) -> str | None:
    """The chart of the last price answer when ``message`` only asks for "the chart" ("show me
    the chart" after "how did TSMC do last month?", "and MediaTek?" or a comparison), written as a
    question of the conversation's companies over the span asked last ("2454 chart last month");
    after a ranking, the ranking again (its chart is the ranking's). It had searched the news for
    "chart". ``None`` otherwise, and when the chart's kind is named ("the weekly chart"), which
    reads the company alone."""
    from .movers import is_ranking_question
    from .slots import asks_chart_only, chart_kind_named

    if not last_price_question or not asks_chart_only(message) or chart_kind_named(message):
        return None
    if is_ranking_question(last_price_question) or not last_codes:
        return last_price_question
    zh = answers_zh(message)
    codes = " ".join(dict.fromkeys(last_codes))
    span = _span_of(last_price_question, today, zh) or _period_text(last_price_question, today, zh)
    if zh:
        return f"{codes} 走勢圖{span or ''}"
    return f"{codes} chart {span}" if span else f"{codes} chart"


def sentiment_trend_question(message: str, last_route: str | None, last_code: str | None) -> str | None:
    """After a company's sentiment, "compared to last month?" / "跟上個月比呢" is how its tone moved
    ("has the news tone on 2330 improved?": week by week over the recent news); it had read the
    calendar's last month, long empty on a stale store. ``None`` otherwise."""
    from .slots import COMPARED_TO_SPAN, to_simplified

    if last_route != "sentiment" or not last_code or not re.search(COMPARED_TO_SPAN, to_simplified(message or "").lower()):
        return None
    return f"{last_code} 的新聞風向有變好嗎" if answers_zh(message) else f"has the news tone on {last_code} improved?"


def compared_span_question(message: str, last_price_question: str | None, last_codes: list[str], today: date,
                           data_end: Callable[[], date | None] | None = None) -> str | None:
    """After prices over a month, quarter or year ("2330 in April 2025", "how did TSMC do last
    month?"), "compared to last month?" / "跟上個月比呢" puts that span beside the one before it
    ("2330 2025-04 vs 2025-03"); it had read the calendar's last month alone. A span named relative
    to today is the one the first answer read: on a store that ends before it, counted from the
    store's end (``data_end()``, read only then). ``None`` otherwise (weeks, days, no span)."""
    from .periods import parse_period
    from .slots import COMPARED_TO_SPAN, to_simplified

    if not last_price_question or not last_codes or not re.search(COMPARED_TO_SPAN, to_simplified(message or "").lower()):
        return None
    period = parse_period(last_price_question, today)
    end = data_end() if data_end is not None and period.start is not None else None
    if end is not None and period.start is not None and period.start > end:
        period = parse_period(last_price_question, end + timedelta(days=1))  # the store's "last month"
    if period.kind != "range" or period.start is None or period.end is None:
        return None
    start, end = period.start, period.end
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31 and start.year == end.year:
        spans = (str(start.year), str(start.year - 1))
    elif start.day == 1 and (end + timedelta(days=1)).day == 1 and start.month % 3 == 1 and (
            (end.year - start.year) * 12 + end.month - start.month == 2):
        q = (start.month - 1) // 3 + 1
        spans = (f"Q{q} {start.year}", f"Q{q - 1} {start.year}" if q > 1 else f"Q4 {start.year - 1}")
    elif start.day == 1 and (end + timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
        before = start - timedelta(days=1)
        spans = (f"{start.year}-{start.month:02d}", f"{before.year}-{before.month:02d}")
    else:
        return None
    codes = " ".join(dict.fromkeys(last_codes))
    return f"{codes} {spans[0]}跟{spans[1]}比" if answers_zh(message) else f"{codes} {spans[0]} vs {spans[1]}"


_BARE_END = re.compile(r"(?:and\s+|what about\s+)?the\s+(?:(best)|worst)(?:\s+one)?\s*[?？!.。]*"
                       r"|(?:那)?最(?:(好|强)|差|弱)的(?:呢|咧)?\s*[?？!.。]*")


def performer_question(message: str, last_ranked: dict[str, str], ranked_question: str | None, today: date) -> str | None:
    """"And the best performer?" after a comparison or a ranking (and, maybe, another kind of answer
    about its companies since: "which one was the most volatile?"): that company over the ranking's
    span ("2330 from 2025-01-01 to 2025-05-29"). It had asked the last answer's kind of the company
    (its volatility). ``None`` when the message asks more than that or nothing was ranked."""
    from .movers import is_ranking_question
    from .slots import ranked_end_alone, to_simplified

    end = ranked_end_alone(message)
    if end is None and ranked_question and not is_ranking_question(ranked_question):
        # "and the worst?" / "最差的呢" alone after a comparison of companies (after a market ranking it
        # asks for the losers' list: carry_period)
        bare = _BARE_END.fullmatch(to_simplified(message or "").lower().strip())
        end = None if bare is None else "top" if bare.group(1) or bare.group(2) else "bottom"
    if end is None or not last_ranked or not ranked_question:
        return None
    code = last_ranked.get(end)
    if not code:
        return None
    zh = answers_zh(message)
    span = _span_of(ranked_question, today, zh) or _period_text(ranked_question, today, zh)
    if zh:
        return f"{code}{span or ''}表現"
    return f"{code} {span}" if span else f"{code} price"


def chart_whose(message: str) -> str:
    """What to say to "show me the chart" with no company in the conversation."""
    if answers_zh(message):
        return "要看哪家公司的圖？例如：`台積電走勢圖`、`2330 2025年4月`、`聯發科週K`，或先問一家公司。"
    return ("Whose chart? Name a company, e.g. `2330 chart`, `TSMC in April 2025`, `MediaTek weekly chart`, "
            "or ask about a company first.")


def carried_notice(question: str, message: str) -> str:
    """Says how a follow-up was read, so that a wrong reading is visible."""
    return (f"視為「{question}」，接續上一個問題。" if answers_zh(message) else
            f"Read as “{question}”, following on from the last question.")


__all__ = ["added_positions", "asks_more", "asks_summary_only", "carried_notice", "carry_market_span",
           "carry_news_question", "carry_period", "carry_portfolio", "carry_that_period", "chart_back_question",
           "chart_whose", "compared_span_question", "holdings_stated", "market_why_question", "more_notice",
           "news_question_of", "performer_question", "sentiment_trend_question", "summary_question",
           "topic_in_listed", "topic_question"]
