"""A company at a glance: "2330", "How is TSMC doing?", "Is TSMC a buy?", "台積電值得買嗎".

These are the questions users ask most, and no single engine answers them: news quotes about a
bond purchase do not say how the stock is doing. The overview puts together what finqa knows,
each part from the component that owns it:

- the latest close and its trend over 5/20/60 sessions (``price_facts.read_prices``);
- the 52-week (or stored) high and low, and where the close sits between them;
- the close against its 20- and 60-day averages, and RSI(14) (``technicals``);
- the sentiment of the recent news and its newest headlines (the sentiment engine);
- the forecast *with its backtest beside the trivial baselines* (the forecast engine).

A "should I buy" question gets the same facts and a plain statement that finqa does not advise:
its forecasts do not beat trivial baselines reliably (the README has the numbers), and saying so
is more useful than a verdict. Point in time like every engine: with an as-of date, nothing on or
after it is read (each part applies the rule itself).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ingest.cjk import has_cjk
from ingest.companies import get_directory

from .i18n import answers_zh
from .periods import parse_period, Period
from .price_facts import NOT_A_FACT, TAIPEI, asks_which_is_better, names_only_companies, no_verdict, read_prices
from .price_format import company_label, company_of, fmt_price
from .price_records import day_move_text, stated_move
from .movers import HIGH_LOOKBACK
from .risk import risk_kind
from .slots import COMPANY_TOPIC, plural_back, to_simplified, unquoted
from .types import Answer, Citation, EngineRequest

log = logging.getLogger(__name__)

ENGINE = "qa:overview"
YEAR_SESSIONS = HIGH_LOOKBACK  # the "52-week" high and low: the sessions a new high must top
CHART_SESSIONS = 60  # the bars the answer carries (the UI's candlestick)
HEADLINES = 3
TYPO_MIN_SCORE = 80.0  # "tsmcc" → TSMC scores 89, "Foxcon" 92; "Intel" → ITE Tech 75, "Samsung" 66

# On Simplified, lower-case text.
_ASKS_OVERVIEW = re.compile(
    r"\bhow(?:'s| is| are| has| have)\b.{0,40}?\b(?:doing|performing|going|been|looking)\b"
    r"|\btell me (?:about|more about)\b|\boverview\b|\bsnapshot\b|\bsummar(?:y|ize|ise)\b|\bat a glance\b"
    r"|\b(?:full |complete |quick |short )?(?:report|rundown|run-down|profile|briefing|write-?up)\s+(?:on|for|of|about)\b"
    r"|\beverything (?:about|on)\b|\ball about\b|\bfull picture\b|\bthe big picture\b|所有资讯|全部资讯|完整资讯|全貌"
    # "what should I know about MediaTek?", "brief me on 2317", "fill me in on TSMC", "catch me up on Acer"
    r"|\bwhat (?:should|do|must) i (?:know|need to know) about\b|\bwhat(?:'s| is) (?:there )?to know about\b"
    r"|\b(?:brief|fill|catch) me (?:in |up )?on\b|\bupdate me on\b|该知道什么|需要知道什么"
    r"|\bwhat do you think (?:of|about)\b|\byour (?:view|take|opinion) on\b|\bthoughts on\b"
    r"|怎么样|怎样了?|如何了|概况|总览|近况|怎么看|看法|多空|好不好|好吗|觉得.{0,12}(?:如何|怎样|怎么样)"
    # "聯發科完整分析", "幫我分析一下鴻海", "台積電健檢"
    r"|(?:完整|全面|综合|整体|总体)(?:的)?分析|分析一下|帮我分析|健检|体检"
)
_ASKS_ADVICE = re.compile(
    r"\b(?:a|good|great|bad|safe) (?:buy|sell|investment)\b"
    # "is 0050 a good ETF?", "is TSMC a safe stock?"
    r"|\b(?:is|are)\b.{0,25}\b(?:a|an)\s+(?:good|great|bad|safe|solid|decent|smart)\s+(?:etf|stock|fund|share|pick|choice)\b"
    r"|\bshould i (?:buy|sell|hold|invest|get|keep)\b"
    r"|\bworth (?:buying|investing|it|holding)\b|\bbuy or sell\b|\bbullish or bearish\b|\b(?:good|best|right) time to (?:buy|sell)\b"
    # "what's the best time to buy TSMC?", "when should I buy 2330?", "台積電什麼時候買", "何時進場"
    r"|\bwhen (?:should|to|do|would) (?:i |you |we )?(?:buy|sell|get in|enter)\b|什么时候(?:买|卖|进场|出场)|何时(?:买|卖|进场|出场)"
    r"|\b(?:buy|sell|hold)\b\s*\?"
    r"|值得买|值得投资|可以买|能买|该买|要买吗|买进吗|买入吗|卖出吗|该卖|可以卖|能不能买|可不可以买|要不要买|适合买|进场"
    # "聯發科值得長期持有嗎", "is TSMC worth holding long term?"
    r"|值得(?:长期)?(?:持有|抱)|(?:可以|适合|能)长期(?:持有|投资|抱)|\b(?:good|worth)\b.{0,12}\blong[- ]term\b"
    # "聯發科現在是買點嗎", "台積電還能買嗎？現在進場會不會太晚", "is it too late to buy TSMC?"
    r"|买点|卖点|进场点|上车|太晚|来得及|还能买|\btoo late to (?:buy|get in)\b|\bmissed the (?:boat|rally)\b"
    # "台積電現在適合存股嗎": holding for the long run (for its dividends, which finqa does not store)
    r"|(?:适合|可以|能|值得|该|要)(?:拿来)?存股|存股(?:好吗|吗|标的)"
    # "台積電適合短線嗎", "適合當沖嗎", "is TSMC good for swing trading?": a style of trading it suits
    # ("台積電可以當沖嗎" asks whether it may be day-traded: a rule, assistant.glossary)
    r"|适合(?:做|操作)?(?:短线|短期|波段|当冲|长线|长期|投资)(?:吗|吧|操作|投资)?"
    r"|\b(?:good|suitable|ok|okay)\s+for\s+(?:short[- ]term|swing|day|long[- ]term)\s*(?:trading|investing|investment|holding)?\b"
    # "台積電現在貴嗎", "is TSMC expensive right now?": a verdict on the price (no P/E is stored to judge it)
    r"|(?:现在|目前|还|会不会|算)?(?:太)?(?:贵|便宜)(?:吗|不贵|了吗|嘛)|\b(?:too\s+)?(?:expensive|cheap|pricey|overpriced)\b"
    # "I'm thinking of buying Hon Hai", "planning to sell my TSMC", "我想買鴻海", "考慮賣掉台積電": a verdict sought
    r"|\b(?:thinking|planning|considering|wondering|debating)\s+(?:of\s+|about\s+|on\s+|to\s+|whether\s+to\s+)?"
    r"(?:buying|selling|buy|sell|getting|adding|dumping)\b|\b(?:i\s+)?(?:want|plan|intend)\s+to\s+(?:buy|sell)\s+(?:some\s+)?"
    r"(?!\d)(?!(?:a|one|two|three|some)\s+(?:lots?|shares?)\b)"
    r"|(?:我)?(?:想|打算|考虑|准备|计划)(?:要)?(?:买进?|卖掉?|入手|进场|加码|出场)(?![\d一二两三四五六七八九十几]+(?:张|股))"
    # "TSMC fell 3% today, should I be worried?", "台積電跌了3%，要恐慌嗎", "鴻海大漲要追嗎": a verdict on a move
    r"|\bshould i (?:be )?(?:worried|worry|panic|concerned|chase|cut|dump|bail)\b|\b(?:time|reason) to (?:panic|worry)\b"
    r"|\bchase (?:it|the rally)\b|恐慌|担心吗|要担心|该担心|紧张吗|要紧吗|要追吗|追高吗|能追吗|可以追吗|该追吗|要不要追|逃命"
)
# "台積電適合存股嗎", "is 2412 good for dividend income?": holding for the dividends
_HOLD_FOR_INCOME = re.compile(r"存股|\bdividend (?:income|investing|stock)\b|\bfor (?:the )?(?:dividends?|income)\b")
# Words that ask of a day ahead: an advice question with them is a forecast ("is TSMC a buy for next week?")
_AHEAD = re.compile(r"\bnext\b|\btomorrow\b|\bin \d+ (?:days?|weeks?|months?)\b|明天|下周|下个月|未来|年后|个月后|周后")
_NEWS = re.compile(r"\bnews\b|\bheadlines?\b|新闻|消息")
_BARE_FILLER = re.compile(r"\b(?:stock|stocks|shares?|ticker|company|info|information|what about|how about|and|show me|give me"
                          r"|show|display|look up|lookup|pull up|check out|check|take a look at|look at|please)\b"
                          # "幫我看一下鴻海", "查一下台積電", "請問聯發科": a company asked about, nothing else
                          r"|帮我|帮忙|请问|请|看一下|看看|查一下|查查|查|看|一下"
                          r"|[的呢吗股票公司那]")


def asks_advice(message: str) -> bool:
    """Whether ``message`` asks for a buy/sell verdict ("Is TSMC a buy?", "台積電值得買嗎")."""
    return bool(_ASKS_ADVICE.search(to_simplified(message).lower()))


def is_overview_question(message: str, code: str | None, *, bare: bool = True) -> bool:
    """Whether ``message`` asks how the company ``code`` is doing overall. ``bare=False`` leaves
    out a message that is only the company's name (which, in a conversation, is a follow-up)."""
    if not code or not message:
        return False
    s = unquoted(message)
    from .router import FORECAST_STRONG, SENTIMENT_STRONG

    if SENTIMENT_STRONG.search(s) and FORECAST_STRONG.search(s) and not re.search(r"\bwhy\b|为什么|为何", s):
        return True  # "2330 news sentiment and forecast": the overview holds both
    if (_ASKS_ADVICE.search(s) and not _AHEAD.search(s) and not COMPANY_TOPIC.search(s)
            and parse_period(message, date.today()).label in ("latest", "recently", "today")
            and not (asks_which_is_better(message) and len(get_directory().find_in_text(message)) > 1)
            and risk_kind(message) is None):
        return True  # "台積電還能買嗎？現在進場會不會太晚" (its 會 is no day ahead), "is now a good time to buy MediaTek?"
    if NOT_A_FACT.search(s) or COMPANY_TOPIC.search(s):
        return False  # "why", "will", "next week", "revenue": other engines' questions
    from .figures import asked_figures

    if any(f.kind == "analysts" for f in asked_figures(message)):
        return False  # "分析師怎麼看台積電": what the news quotes analysts saying, not the overview
    if _NEWS.search(s):
        return False  # "a summary of TSMC's recent news" asks for the news
    if asks_which_is_better(message) and len(get_directory().find_in_text(message)) > 1:
        return False  # "2330 or 2454, which is the better buy?": both side by side (price_facts)
    if risk_kind(message) is not None:
        return False  # "I hold 1 lot of 2330: how is my portfolio doing?", "is TSMC risky?": assistant.risk
    from .technicals import is_indicator_question

    if is_indicator_question(message, code):
        return False  # "聯發科技術面怎麼看", "how does 2330 look technically?": the indicators, not the overview
    period = parse_period(message, date.today())
    if _ASKS_ADVICE.search(s) and period.label in ("latest", "recently", "today"):
        return True  # "is now a good time to buy MediaTek?", "台積電現在可以進場嗎"
    if period.kind != "latest" and period.label != "recently":
        return False  # "How did TSMC do last week?" is a price question
    if _ASKS_OVERVIEW.search(s):
        return not _english_topic(message)  # "tell me about Hon Hai's EV business" asks the news
    return bare and is_bare_company(message)


# What an English overview question may hold besides the company: the asking words and fillers.
# Anything else is a topic ("tell me about Hon Hai's EV business", "how is TSMC's 2nm doing?").
_OVERVIEW_WORDS = re.compile(
    r"'s\b|\b(?:how|how's|is|are|has|have|been|doing|performing|going|looking|tell|me|more|about|overview|snapshot|"
    r"summary|summarize|summarise|give|show|at|a|an|the|glance|everything|all|on|full|big|picture|what|do|does|you|"
    r"think|of|your|view|take|opinion|thoughts|stock|stocks|shares?|company|price|please|pls|right|now|lately|"
    r"recently|currently|today|these|days|so|far|can|could|quick|brief|and|its|it|i|want|to|know|doing|my|"
    r"full|complete|short|report|rundown|run-down|profile|briefing|write-?up|"
    r"should|must|need|there|fill|catch|up|in|update|"
    r"watch ?list|watch-list)\b")


def _english_topic(message: str) -> bool:
    """Whether an English message names something besides the company and the overview words."""
    if has_cjk(message):
        return False
    rest = _OVERVIEW_WORDS.sub(" ", get_directory().without_mentions(message).lower())
    return bool(re.sub(r"[\W_]+", "", rest))


def is_bare_company(message: str) -> bool:
    """``message`` names one company and says nothing else ("2330", "TSMC?", "台積電"). Several
    companies and nothing else ("2330、2454、2317") are a comparison (``price_facts``)."""
    directory = get_directory()
    if len(directory.find_in_text(message)) != 1:
        return False
    rest = _BARE_FILLER.sub(" ", to_simplified(directory.without_mentions(message)).lower())
    return not re.sub(r"[\W_]+", "", rest)


_ABOUT_NAME = re.compile(
    r"^\s*(?:how(?:'s| is| are)\s+(?P<a>[^\s?]{2,20})\s+(?:doing|performing|looking)"
    r"|is\s+(?P<b>[^\s?]{2,20})\s+a\s+(?:good\s+)?(?:buy|sell|investment)"
    r"|should\s+i\s+(?:buy|sell|hold)\s+(?P<c>[^\s?]{2,20})"
    r"|tell\s+me\s+about\s+(?P<d>[^\s?]{2,20})"
    # "Foxcon stock", "Mediatec share price": a name and what is asked of it
    r"|(?:what(?:'s| is)\s+(?:the\s+)?)?(?P<f>[A-Za-z][A-Za-z0-9&.\-]{2,19})(?:'s)?\s+(?:stock|share|stock price|share price|price|quote)"
    r"|(?P<e>[^\s?]{2,20}))\s*[?？!！.。]*\s*$",
    re.IGNORECASE,
)


def asked_name(message: str) -> str | None:
    """The word a message asks about as a company: all of it ("TSMX") or the X of "how is X
    doing?", "is X a buy?", "should I buy X?", "tell me about X"; ``None`` otherwise."""
    m = _ABOUT_NAME.match(message or "")
    return next((g for g in (m.groups() if m else ()) if g), None)


def unknown_company_word(message: str, directory: Any) -> tuple[str, list[str]] | None:
    """For a message that is only a company-like word, or asks about one ("how is TSMX doing?",
    "台機電"), but names no listed company: the word and the closest listed names, or ``None``
    when nothing is close enough to be a typo (a stray word must not become "did you mean")."""
    from .slots import NOT_NAMES, guess_cjk_company

    word = asked_name(message)
    if not word:
        return None
    if has_cjk(word):
        return guess_cjk_company(word, directory)
    if word.lower() in NOT_NAMES or not re.match(r"^[A-Za-z][A-Za-z0-9&.\-]+$", word):
        return None
    suggestions, score = directory.suggest_scored(word, 5)
    return (word, suggestions) if suggestions and score >= TYPO_MIN_SCORE else None


def applies(req: EngineRequest) -> bool:
    """Whether the QA engine should answer ``req`` with an overview: it asks for one, or it
    follows one ("and 2454?" after "How is TSMC doing?") without naming a period of its own."""
    previous = req.follows_price_question
    if len({c for c in [req.code, *req.codes] if c}) > 1 and is_overview_question(req.message, req.code):
        return False  # "how are TSMC and MediaTek doing?", "我的自選股怎麼樣": side by side (price_facts)
    if previous and req.code and not is_overview_question(previous, req.code):
        # A bare "2454" after "2330 volume last week" asks 2454's volume last week.
        return is_overview_question(req.message, req.code, bare=False)
    if is_overview_question(req.message, req.code):
        return True
    if len(req.codes) > 1 and (names_only_companies(req.message) or asks_which_is_better(req.message)
                               or plural_back(to_simplified(req.message).lower())):
        # "compare it with 2454" / "兩個誰比較強" / "compare these three" after overviews: side by side (price_facts)
        return False
    return bool(previous and req.code and is_overview_question(previous, req.code)
                and parse_period(req.message, date.today()).kind == "latest")


def overview_answer(req: EngineRequest, store: Any, peers: dict[str, Any], *, today: date | None = None) -> Answer:
    """The overview of ``req.code`` as one Answer (:func:`overview_stream`, drained)."""
    from .engines.base import collect

    return collect(overview_stream(req, store, peers, today=today))


def overview_stream(req: EngineRequest, store: Any, peers: dict[str, Any], *, today: date | None = None) -> Any:
    """The overview of ``req.code`` as an ``AnswerStream``: the lines read from the store come at
    once, the news and forecast lines as their engines finish (seconds on a CPU). ``peers`` holds
    the sentiment and forecast engines (each with ``run(EngineRequest) -> Answer``); a part that
    fails is said, not fatal."""
    from .engines.base import AnswerStream

    state: dict[str, Any] = {}
    return AnswerStream(_overview_chunks(req, store, peers, today, state), lambda text: _overview_final(text, state))


def _overview_chunks(req: EngineRequest, store: Any, peers: dict[str, Any], today: date | None,
                     state: dict[str, Any]) -> Any:
    """Yield the overview's text line by line, and leave in ``state`` what the final Answer needs."""
    code = req.code
    assert code is not None
    zh = answers_zh(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    label = company_label(code, company_of(code), zh)
    notices = state["notices"] = list(req.notices)
    state.update(code=code, citations=[], bars=[], forecast=None, sentiment=None)
    reading = read_prices(store, code, Period("latest", label="latest"), ref=ref, as_of=req.as_of, zh=zh,
                          notices=notices)
    if not reading.bars:  # no prices: what it is, how to fetch them; the news, if any, still has its say
        from .coverage import identity_head

        company = company_of(code)
        if company is not None:
            yield identity_head(code, company, zh)[0] + "\n\n"
        yield reading.text
        part = _run_part(peers.get("sentiment"), "sentiment", req, code, zh)
        if part is not None and part.sentiment is not None and part.sentiment.items:
            yield "\n\n" + _news_part(part, store, code, req, zh, state)
        if asks_advice(req.message):  # "is 0050 a good ETF?" with no prices: still no verdict, said so
            yield "\n\n" + no_verdict(zh)
        return
    citations = state["citations"]
    citations.append(Citation(n=1, title=reading.title, source=reading.source,
                              date=reading.bars[-1].date.isoformat(), url=None))
    history = store.bars(code, end=reading.bars[-1].date)
    from .price_format import bar_of

    state["bars"] = [bar_of(code, d, row) for d, row in history.tail(CHART_SESSIONS).iterrows()]
    yield (f"**{label}** 概況（取自 finqa 的資料，不是投資建議）：" if zh else
           f"**{label}** at a glance, from finqa's data (not investment advice):")
    yield "\n" + ("- 股價：" if zh else "- Price ") + _strip_label(reading.text, label) + " [1]"
    yield "\n" + _range_line(history, zh)
    risk = _risk_line(history, zh)
    if risk:
        yield "\n" + risk
    if asks_advice(req.message) and (move := stated_move(req.message)) is not None:
        # "TSMC fell 3% today, should I be worried?": how often a day moved that much, for scale
        bars = [bar_of(code, d, row) for d, row in history.tail(YEAR_SESSIONS + 1).iterrows()]
        yield "\n" + ("- 同等幅度：" if zh else "- Moves that size: ") + day_move_text(bars[1:], bars[0], *move, zh)
    trend = _trend_line(req, store, ref, zh)
    if trend:
        yield "\n" + trend

    for name in ("sentiment", "forecast"):
        part = _run_part(peers.get(name), name, req, code, zh)
        if part is None:
            continue
        if name == "sentiment":
            line = _news_part(part, store, code, req, zh, state)
        else:
            notices.extend(n for n in part.notices if n not in notices)
            state["forecast"] = part.forecast
            line = _forecast_line(part, zh)
        if line:
            yield "\n" + line
    if asks_advice(req.message):
        yield "\n\n" + no_verdict(zh)
        if _HOLD_FOR_INCOME.search(to_simplified(req.message).lower()):
            # 存股 is holding for the dividends, which no number above includes
            notices.append("存股看的是長期股利與配息的穩定，finqa 沒有股利資料：以上數字只含股價變動。" if zh else
                           "Holding for income rests on dividends, which finqa does not store: the numbers above are "
                           "price only.")


def _news_part(part: Answer, store: Any, code: str, req: EngineRequest, zh: bool, state: dict[str, Any]) -> str:
    """The news line from the sentiment engine's answer, its notices and citations added to the
    overview's (numbered after those already there)."""
    notices, citations = state["notices"], state["citations"]
    notices.extend(n for n in part.notices if n not in notices)
    state["sentiment"] = part.sentiment
    line, cited = _news_line(part, len(citations), _newest_article(store, code, req.as_of), zh)
    citations.extend(cited)
    return line


def _run_part(engine: Any, name: str, req: EngineRequest, code: str, zh: bool) -> Answer | None:
    """One engine's answer for the overview, asked in the overview's language for ``code`` alone;
    an engine that raises gives an Answer that says so (the other parts still come)."""
    if engine is None:
        return None
    message = (f"{code} 新聞情緒" if name == "sentiment" else f"{code} 未來5天走勢") if zh else (
        f"sentiment of {code} news" if name == "sentiment" else f"forecast {code} next 5 days")
    sub = replace(req, message=message, notices=[], quoted_text=None, codes=[code], horizon_days=5,
                  follows_price_question=None)
    try:
        return engine.run(sub)
    except Exception as exc:  # noqa: BLE001 - one part failing must not lose the others
        log.exception("overview: the %s part failed", name)
        return Answer(route="qa", engine=name, answer=f"{type(exc).__name__}: {exc}")


def _overview_final(text: str, state: dict[str, Any]) -> Answer:
    return Answer(route="qa", engine=ENGINE, answer=text, citations=state.get("citations", []),
                  notices=state.get("notices", []), code=state.get("code"), bars=state.get("bars", []),
                  forecast=state.get("forecast"), sentiment=state.get("sentiment"))


def _newest_article(store: Any, code: str, as_of: date | None) -> date | None:
    """The Taipei date of the newest stored article about ``code`` (before ``as_of``, if given)."""
    from datetime import time, timezone

    end = (datetime.combine(as_of, time(0, 0), tzinfo=TAIPEI) if as_of is not None else datetime.now(timezone.utc))
    try:
        found = store.articles(code, before=end, limit=1)
    except Exception:  # noqa: BLE001 - a date in a sentence is not worth failing the overview
        log.warning("newest article of %s unreadable", code, exc_info=True)
        return None
    return found[0].published_at.astimezone(TAIPEI).date() if found else None


def _strip_label(text: str, label: str) -> str:
    """The price sentence without its leading "**2330 TSMC (台積電)**, " (the heading names it)."""
    return re.sub(rf"^\*\*{re.escape(label)}\*\*[,，]?\s*", "", text)


def _range_line(history: Any, zh: bool) -> str:
    """The high and low of the last 250 sessions (or of all stored ones), and the close's place."""
    window = history.tail(YEAR_SESSIONS)
    close = float(window["close"].iloc[-1])
    hi_day, lo_day = window["high"].idxmax(), window["low"].idxmin()
    hi, lo = float(window["high"].max()), float(window["low"].min())
    full = len(history) >= YEAR_SESSIONS
    since = window.index[0].date().isoformat()
    if zh:
        span = "近 52 週" if full else f"資料庫中（自 {since} 起）"
        return (f"- 區間：{span}最高 {fmt_price(hi)}（{hi_day.date().isoformat()}）、最低 {fmt_price(lo)}"
                f"（{lo_day.date().isoformat()}）；收盤距最高 {close / hi - 1:+.1%}、距最低 {close / lo - 1:+.1%}。")
    span = "52-week" if full else f"stored (since {since})"
    return (f"- Range: {span} high {fmt_price(hi)} ({hi_day.date().isoformat()}), low {fmt_price(lo)} "
            f"({lo_day.date().isoformat()}); the close is {close / hi - 1:+.1%} from the high and "
            f"{close / lo - 1:+.1%} from the low.")


def _risk_line(history: Any, zh: bool) -> str:
    """Volatility and the maximum drawdown over the same sessions as the range (``assistant.risk``
    answers "how risky is 2330?" in full)."""
    from .risk import MIN_SESSIONS, annualised_volatility, max_drawdown

    closes = history["close"].astype(float).tail(YEAR_SESSIONS)
    rets = closes.pct_change().dropna()
    if len(rets) < MIN_SESSIONS:
        return ""
    vol = annualised_volatility(rets)
    dd, peak, trough, _ = max_drawdown(closes)
    span = f"{peak.date().isoformat()} → {trough.date().isoformat()}"
    if zh:
        return f"- 風險：年化波動度 {vol:.1%}；同期最大回撤 {dd:.1%}（{span}）。"
    return f"- Risk: annualised volatility {vol:.1%}; maximum drawdown {dd:.1%} over the same sessions ({span})."


def _trend_line(req: EngineRequest, store: Any, ref: date, zh: bool) -> str:
    """The close against its 20- and 60-day averages and RSI(14), from ``technicals``."""
    from .technicals import indicator_answer, rsi_zone

    sub = replace(req, message=f"{req.code} MA20 MA60 RSI", follows_price_question=None, notices=[])
    found = indicator_answer(sub, store, today=ref)
    values = found.indicators if found is not None else {}
    close = values.get("close")
    if not close:
        return ""
    bits = []
    for n in (20, 60):
        ma = values.get(f"ma{n}")
        if ma:
            above = close >= ma
            bits.append(f"{'站上' if above else '跌破'} {n} 日均線 {fmt_price(ma)}" if zh else
                        f"{'above' if above else 'below'} its {n}-day average ({fmt_price(ma)})")
    rsi = values.get("rsi14")
    if rsi is not None:
        zone = rsi_zone(rsi)
        state = {"overbought": "超買", "oversold": "超賣", "neutral": "中性"}[zone] if zh else zone
        bits.append(f"RSI(14) {rsi:.1f}（{state}）" if zh else f"RSI(14) {rsi:.1f}, {state}")
    if not bits:
        return ""
    if zh:
        return "- 技術面：收盤" + "、".join(bits) + "。"
    averages = [b for b in bits if not b.startswith("RSI")]
    rsi_bit = [b for b in bits if b.startswith("RSI")]
    return "- Trend: " + "; ".join(([f"the close is {' and '.join(averages)}"] if averages else []) + rsi_bit) + "."


def _news_line(part: Answer | None, offset: int, newest: date | None, zh: bool) -> tuple[str, list[Citation]]:
    """Sentiment counts of the recent news and its most positive and most negative headlines
    (cited), or what the sentiment engine said instead (no news, no classifier)."""
    if part is None:
        return "", []
    s = part.sentiment
    if s is None or not s.items:
        return ("- 新聞：" if zh else "- News: ") + _first_paragraph(part.answer), []
    c = s.counts
    cpu = part.engine.endswith("cpu-minilm")
    picked = [i for i in s.items if i.label != "neutral"][:HEADLINES] or s.items[:1]
    citations = [Citation(n=offset + k + 1, title=i.title, source=None, date=i.date, url=i.url)
                 for k, i in enumerate(picked)]
    names_zh = {"positive": "正面", "negative": "負面", "neutral": "中性"}
    if zh:
        heads = "；".join(f"{names_zh[i.label]}「{i.title}」（{i.date}）[{cit.n}]" for i, cit in zip(picked, citations))
        when = f"截至 {newest.isoformat()} 的" if newest else ""
        line = (f"- 新聞：{when}近期 {sum(c.values())} 則新聞{'（CPU 分類器）' if cpu else ''}，正面 {c.get('positive', 0)}、"
                f"中性 {c.get('neutral', 0)}、負面 {c.get('negative', 0)}（淨分數 {s.score:+.2f}）。{heads}")
    else:
        heads = "; ".join(f"{i.label} \"{i.title}\" ({i.date}) [{cit.n}]" for i, cit in zip(picked, citations))
        when = f" up to {newest.isoformat()}" if newest else ""
        line = (f"- News: {sum(c.values())} recent article{'s' if sum(c.values()) != 1 else ''}{when}{' (CPU classifier)' if cpu else ''}: "
                f"{c.get('positive', 0)} positive, {c.get('neutral', 0)} neutral, {c.get('negative', 0)} negative "
                f"(net {s.score:+.2f}). {heads}")
    return line, citations


def _forecast_line(part: Answer | None, zh: bool) -> str:
    """The forecast's P(rise) with its backtest and the best trivial baseline beside it."""
    from .backtest import NAMES_EN, NAMES_ZH

    if part is None:
        return ""
    f = part.forecast
    if f is None:
        return ("- 預測：" if zh else "- Forecast: ") + _first_paragraph(part.answer)
    engine = f.engine.split(":")[-1]
    who = (NAMES_ZH.get(engine, engine) + ("，CPU 層" if part.fallback_reason else "")) if zh else \
        (("the analog method" if engine == "analog" else engine) + (", CPU tier" if part.fallback_reason else ""))
    bt = f.backtest or {}
    own = bt.get("engine") or {}
    baselines = bt.get("baselines") or {}
    if zh:
        text = f"- 預測：未來 {f.horizon_days} 個交易日上漲機率 {f.p_rise:.1%}（{who}）。"
    else:
        text = f"- Forecast: P(rise over the next {f.horizon_days} trading days) {f.p_rise:.1%} ({who})."
    if own.get("hit_rate") is not None and baselines:
        best_name, best = max(baselines.items(), key=lambda kv: kv[1].get("hit_rate") or 0.0)
        rise = (baselines.get("always_rise") or {}).get("hit_rate") or 0.0
        beats = all((own["hit_rate"] or 0) > (b.get("hit_rate") or 0) for b in baselines.values())
        if zh:
            text += (f"回測中方向命中率 {own['hit_rate']:.1%}（{own.get('n')} 次），永遠看漲 {rise:.1%}，"
                     f"最好的簡單基準（{NAMES_ZH.get(best_name, best_name)}）{best['hit_rate']:.1%}："
                     + ("勝過所有簡單基準。" if beats else "並未勝過所有簡單基準。"))
        else:
            text += (f" In its backtest on this stock it called the direction right {own['hit_rate']:.1%} of "
                     f"{own.get('n')} times; always-rise {rise:.1%}, the best trivial baseline "
                     f"({NAMES_EN.get(best_name, best_name)}) {best['hit_rate']:.1%}: "
                     + ("it beats every baseline." if beats else "it does not beat every baseline."))
    return text


def _first_paragraph(text: str) -> str:
    """The part's own words when it had no result ("no news is ingested..."), minus tier banners."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    body = [p for p in paragraphs if not p.startswith(("CPU tier", "CPU 層"))]
    return (body or paragraphs or [""])[0].replace("\n", " ")


__all__ = ["ENGINE", "applies", "asked_name", "asks_advice", "overview_stream", "unknown_company_word", "is_bare_company", "is_overview_question", "overview_answer"]
