"""Risk and return from the stored prices: "max drawdown of 2330 in 2025", "correlation between
2330 and 2454", "beta of 2330", "how risky is 2330?", "2330's biggest one-day drop", "台積電最大回撤";
and the detection and dispatch of the money questions that ``assistant.holdings`` answers
(investments, a lot's cost, portfolios).

Why a module of its own: these are exact computations over the store's daily closes, like the
indicators (``assistant.technicals``), but over a span rather than at one day, and each needs a
choice the user should see stated (which closes, which benchmark). The news cannot answer them
and a language model would only misquote them.

The choices, said in every answer:

- Returns are close to close, **price only**: the store holds no dividends, so a dividend payer's
  total return is higher than the number given.
- Drawdown is measured on closes: the largest fall from a running peak to a later trough.
- Beta and correlation use daily returns on the sessions both series have. Beta needs a market:
  no index is stored, so the benchmark is 0050 (Yuanta Taiwan 50, which tracks the exchange's 50
  largest companies) when its prices are stored, or the company named after "against".

Point in time: with an as-of date D only bars strictly before D are read, as everywhere
(:class:`Job` holds the cut; ``assistant.holdings`` and ``assistant.risk_rankings`` read through it).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd


from .i18n import answers_zh
from .periods import no_such_day, parse_period, Period, period_label
from .price_facts import ENGINE, STALE_DAYS, TAIPEI, stale_notice, visible_day
from .price_format import bar_of, company_label, company_of, fmt_price, limit_note, source_name
from .price_records import asks_daily, asks_periodic
from .slots import to_simplified, unquoted, without_companies
from .types import Answer, Citation, EngineRequest

MARKET_PROXY = "0050"  # Yuanta Taiwan 50: the benchmark for beta when no other is named
# Not a listed code: the stored companies' equal-weighted index, the market's stand-in when 0050 is
# not stored (``versus_market.equal_weighted_index``); never charted, never ranked.
MARKET_INDEX = "MARKET"
DEFAULT_SESSIONS = 250  # beta and correlation without a period: the last year of sessions
MIN_SESSIONS = 20  # fewer common returns than this measure nothing

# On Simplified, lower-case text with quoted headlines removed.
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "定期定額台積電每月5000元", "if I invest 10k a month in 2330 since 2024": a regular-saving plan
    ("dca", re.compile(r"定期定额|定期定股|\bdollar[- ]cost averag\w*|(?<![a-z])dca(?![a-z])"
                       r"|\b(?:invest\w*|put|buy\w*|add\w*|sav\w*)\b.{0,40}\b(?:a|per|each|every) month\b"
                       r"|\bmonthly\b.{0,20}\b(?:invest\w*|contribution|purchase|buy\w*|plan)\b"
                       r"|(?:每个?月|每月).{0,12}(?:投入|买|扣款|存|投资)")),
    ("cost", re.compile(
        r"\bhow much (?:money |cash )?(?:does|is|would|do)\b.{0,30}\b(?:one|a|an|\d+|two|three|five|ten) (?:lots?|board lots?)\b"
        r"|\bhow many (?:shares|lots)\b.{0,50}\b(?:buy|afford|get|purchase)\b|\bcost of (?:one|a|\d+) lots?\b"
        r"|\bcan i (?:buy|afford)\b.{0,40}\bwith\b"
        r"|(?:一|两|二|三|五|十|\d+)\s*张.{0,10}(?:多少钱|要多少|需要多少|成本|多贵)|(?:可以|能|可)买(?:几|多少)(?:张|股)|买得起"
        # "the minimum to buy TSMC", "2330 odd lot price", "how much tax do I pay selling a lot of 2330?"
        r"|\bminimum\b.{0,30}\b(?:buy|invest|purchase)\b|\bodd[- ]lots?\b|零股|最少(?:要|需要)?多少钱"
        r"|\b(?:tax|taxes|fees?)\b.{0,30}\b(?:sell|selling|sale|buy|buying)\b|\b(?:sell|selling|buy|buying)\b.{0,30}\b(?:tax|taxes|fees?)\b"
        r"|交易税|证交税|手续费.{0,10}(?:多少|怎么算)"
        # "2330 lot size", "台積電一張幾股": the lot, priced (they had been read as news questions)
        r"|\b(?:board )?lot size\b|\bshares (?:per|in an?|in one) lot\b|一张(?:是|有)?(?:几|多少)股"
        # "what's 1 lot of TSMC in USD?", "what does a lot of 2330 cost?"
        r"|\bwhat(?:'s| is| does| would)\s+(?:one|a|1)\s+lot\b"
        # "if I buy 3 lots of 2317 how much do I need?", "how much is 1 share of TSMC?"
        r"|\b(?:one|a|an|\d+|two|three|four|five|ten)\s+(?:board\s+)?lots?\b.{0,40}\bhow much\b"
        r"|\bhow much (?:is|does|would|do)\b.{0,20}\b(?:one|a|1|single)\s+share\b")),
    ("portfolio", re.compile(r"\bmy (?:portfolio|holdings|positions?|stocks)\b|\bi (?:hold|own)\b|\bportfolio\b"
                             # "my 2 lots of 2330", "I have 3 lots of 2317 and...", "我有台積電2張和鴻海5張"
                             r"|\bmy \d[\d,]*\s*(?:lots?|shares)\b|\bi have\b(?=.{0,40}?\b\d[\d,]*\s*(?:lots?|shares)\b)"
                             r"|我的?(?:持股|投资组合|组合|部位)|我(?:持有|手上有)|持股|我有(?=.{0,15}?(?:\d|[一二两三四五六七八九十])\s*[张股])")),
    ("beta", re.compile(r"\bbetas?\b|贝塔|β")),
    ("correlation", re.compile(r"\bcorrelat\w*|\bco-?mov\w*|\bmove (?:together|in (?:step|tandem))\b"
                               r"|\bmoves? (?:most|least) like\b|\b(?:trades?|moves?) (?:the )?most like\b"
                               r"|相关(?:性|系数|度)|连动|联动|同涨同跌|走势(?:最)?(?:像|相似)|(?:跟|和|与).{1,8}最(?:像|相似)"
                               # "哪個跟台積電最相關", "哪檔跟聯發科最不相關"
                               r"|(?:跟|和|与).{1,8}最(?:不)?相关")),
    ("extremes", re.compile(
        r"\b(?:biggest|largest|worst|best|sharpest|steepest|highest|lowest)\s+(?:one|single|1)[- ]day\b"
        r"|\b(?:biggest|largest|worst|best|sharpest|steepest)\s+(?:daily|day's)\s+(?:drop|fall|decline|loss|gain|rise|jump|move)"
        r"|\b(?:best|worst) (?:trading )?days?\b|单日最大|单日(?:涨|跌)幅最大|最大单日"
        # "TSMC's biggest gain in a single day this year", "largest drop in one session"
        r"|\b(?:biggest|largest|worst|best|sharpest|steepest)\s+(?:drop|fall|decline|loss|gain|rise|jump|move|crash|rally)s?"
        r"\s+(?:in|on|over)\s+(?:a|one|1|a single)\s+(?:single\s+)?(?:trading\s+)?(?:day|session)\b"
        # "which day in April had the biggest drop for TSMC?", "台積電4月哪天跌最多"
        r"|\b(?:which|what) (?:day|session)\b.{0,50}\b(?:biggest|largest|worst|best|sharpest|steepest|most)\b"
        r"|哪一?天.{0,6}(?:跌|涨)(?:得|的)?(?:最多|最大|最凶|最惨)"
        # "台積電最好的一天", "聯發科今年最慘的一天", "表現最差的交易日"
        r"|(?:最好|最差|最佳|最糟|最惨|最强|最弱)的?(?:一个?)?(?:天|日|交易日)")),
    ("risk", re.compile(r"\bhow (?:risky|dangerous)\b|\bris(?:k|kiness) (?:profile|metrics|level|measures)\b|\briskiness\b"
                        r"|\b(?:is|are)\s+\S+(?:\s+\S+)?\s+(?:too |very |a )?risky\b"
                        r"|\briskier\b|\b(?:more|less) risky\b|\bsafer\b|\bcompar\w*\b.{0,40}\b(?:risk|volatility)\b"
                        r"|比较.{0,12}(?:风险|波动)|(?:风险|波动).{0,6}比较"
                        r"|风险(?:比较|更|最)?(?:高|大|低|小|多大|如何|怎么样|指标|程度|有多)"
                        r"|\b(?:most|least) risky\b|\briskiest\b|\bsafest\b"
                        r"|\bsharpe\b|\brisk[- ]adjusted\b|夏普|风险调整")),
    ("drawdown", re.compile(r"\bdraw[- ]?downs?\b|\bmdd\b|\bpeak[- ]to[- ]trough\b|回撤|回档幅度|从高点(?:回落|下跌|跌)了?多少"
                            # "how long did it take MediaTek to recover?", "台積電多久才收復前高": the drawdown and its recovery
                            r"|\bhow long\b.{0,40}\brecover\w*|\brecovery (?:time|period)\b|多久.{0,4}(?:收复|回到(?:前)?高|恢复|站回前高)"
                            r"|\b(?:fall|fell|fallen|drop|dropped|down|off|below|far)\b.{0,20}\bfrom (?:its|the|their) "
                            r"(?:peak|high|top|record)s?\b|离(?:高点|前高|最高)")),
    ("investment", re.compile(
        r"\bif (?:i|you|we|one|someone) (?:had )?(?:invest\w*|bought|buy|put|purchased|held)\b"
        r"|\b(?:invest\w*|put|bought|buying)\b.{0,50}\b(?:worth|be now|have now|today)\b"
        # "how much would I have made?", "how much did I lose?"; "how much did TSMC gain in May?" is the
        # month's change (price_facts), not a lot bought on its first session
        r"|\bhow much (?:would|could|did (?:i|you|we|one|someone|my|an?))\b.{0,60}\b(?:worth|make|made|earn|earned|gain|gained|lose|lost|have)\b"
        r"|\bwould (?:be|have been) worth\b|\breturn on (?:an? )?(?:investment|nt\$|\$|\d)"
        # "what would 100k in TSMC a year ago be worth today?"
        r"|\bwould\b.{0,50}\b(?:be|have been) worth\b"
        r"|如果.{0,24}(?:买|投资|投入|进场|持有)|(?:买|投资|投入).{0,30}(?:现在|至今|如今|今天).{0,8}(?:值|变成|剩|赚|赔|亏|报酬|多少)"
        r"|投资报酬|报酬率")),
)
# "2330 return since 2024-09-02", "台積電今年報酬": a return over a span is an investment's, but
# only with a span ("TSMC shareholder returns" is the news's).
_RETURN = re.compile(r"\b(?:price |total |stock |share )?returns?\b(?!\s+(?:to|on (?:equity|assets|capital|invested)))|报酬")
# Words of holding or of a result, beside a price paid: "bought at 1000", "成本850 賺多少".
_HOLDING = re.compile(r"\b(?:i|we|my|our)\b|\b(?:bought|purchased|cost basis|average cost|avg cost|profit|loss|lose|lost|gain)\b"
                      r"|\bp\s*&\s*l\b|\bpnl\b|\bp/l\b"
                      r"|\btax(?:es)?\b"  # "台積電1100賣掉要繳多少稅": a sale at a price named, its costs
                      r"|我|买|卖|税|成本|均价|赚|赔|亏|损益|套牢|被套")
_NOW = re.compile(r"\b(?:now|today|currently)\b|现在|現在|如今|今天|目前", re.I)
FUTURE = re.compile(r"\bwill\b|\bgoing to\b|\bgonna\b|\bnext\b|\btomorrow\b|\bfrom now\b|\bin the future\b"
                     r"|明天|明年|下周|下个月|未来|以后|之后|将来")


# What selling a position costs or needs ("how much tax will I pay?", "要繳多少稅", "break-even"): asked
# in the future tense, still the position's arithmetic (on Simplified, lower-cased text).
_COSTS_ASKED = re.compile(r"\btax(?:es)?\b|\bfees?\b|\bcommissions?\b|\bbreak[- ]?even\b|税|手续费|回本")


def risk_kind(message: str) -> str | None:
    """Which computation ``message`` asks for: ``dca`` (a sum invested every month), ``position``
    (shares bought at a price named),
    ``cost`` (of a lot, or what an amount buys),
    ``portfolio``, ``beta``, ``correlation``, ``extremes`` (the largest one-day moves), ``risk`` (a
    risk profile), ``drawdown``, ``investment``, ``scenario`` (a move of a stated size: "what if
    2330 drops 10%?"), or ``None``.
    The future ("what will 10,000 be worth next year?") is the forecaster's, not this module's."""
    if not message:
        return None
    s = unquoted(message)
    from .scenarios import asks_scenario

    if asks_scenario(message):  # "what if TSMC drops 10% tomorrow?" prices the move, whenever it comes
        return "scenario"
    from .holdings import paid_positions, parse_paid, parse_sold

    if (FUTURE.search(s) and _COSTS_ASKED.search(s) and _HOLDING.search(s)
            and (parse_paid(message) is not None or paid_positions(message))):
        return "position"  # "I bought 2317 at 150: how much tax will I pay if I sell now?": its "will" is no forecast
    if FUTURE.search(s):
        return None

    if _HOLDING.search(s) and (parse_paid(message) is not None or paid_positions(message) or parse_sold(message)):
        return "position"  # "I bought 2330 at 1000: how much did I lose?", "2330 200 shares at 950, P&L?"
    kind = next((kind for kind, rx in KINDS if rx.search(s)), None)
    if kind is None and _BIGGEST_DROP.search(s) and not _WHICH.search(s):
        return "risk"  # "MediaTek's biggest drop": its worst day and its deepest fall from a peak, together
    if kind is None and re.search(r"\bvolatil\w*|波动", s):
        from .technicals import asks_span_volatility

        if asks_span_volatility(message):
            return "risk"  # "2330 volatility in 2025": the risk profile over that span
    if kind is None and _BARE_RISK.fullmatch(_without_companies(message)):
        return "risk"  # "台積電風險", "2330 risk": the company's risk profile ("what are the risks for TSMC?" is news)
    if kind is None and _BARE_RETURN.fullmatch(_CONNECTORS.sub(" ", _without_companies(message))):
        return "investment"  # "2330 return", "台積電報酬率": the last year's ("TSMC shareholder returns" is news)
    named = parse_period(message, date.today())
    if (kind == "cost" and dict(KINDS)["investment"].search(s) and named.kind in ("day", "range")
            and named.label != "today"):  # "if I invest 100000 today, how many shares can I buy?": what it buys
        return "investment"  # "if I bought one lot of TSMC on 2025-01-02, how much would one lot be worth?"
    if kind is None and _RETURN.search(s) and parse_period(message, date.today()).kind not in ("latest", "invalid"):
        # "2330 daily returns in April" lists the days (price_facts), it is no investment's return
        return None if asks_daily(message) or asks_periodic(message) else "investment"
    return kind


# "MediaTek's biggest drop", "聯發科最大跌幅": no day said, so both the worst day and the deepest fall
# from a peak, which the risk profile gives together ("which stock had the biggest drop?" ranks).
_BIGGEST_DROP = re.compile(r"\b(?:biggest|largest|worst|sharpest|steepest|deepest)\s+(?:drop|fall|decline|loss|crash|plunge|slump)s?\b"
                           r"(?!\s+(?:in|on|over)\s+(?:a|one|1|a single)\b)|最大(?:的)?(?:跌幅|下跌|崩跌)")
_WHICH = re.compile(r"\bwhich\b|\bwhat (?:stocks?|compan(?:y|ies)|shares?)\b|哪|谁|排行|排名")
_CONNECTORS = re.compile(r"\b(?:of|and|vs\.?|versus|between|for|the)\b|[和跟与、,，&]")  # between the names
_BARE_RETURN = re.compile(r"[\s,，。.!！?？]*(?:的)?\s*(?:(?:price|total|stock|share|1-year|one-year)\s+)?(?:returns?|报酬率?)"
                          r"\s*(?:比较|compared?)?\s*[?？!！.。]*|[\s,，]*(?:compare|比较)\s+(?:the\s+)?returns?\s*[?？]*")
# "台積電風險", "2330 risk", and as a follow-up "那風險呢" / "and its risk?" / "what about the risk?"
_BARE_RISK = re.compile(r"[\s,，。.!！?？]*(?:(?:那么|那|and|what about|how about)\s*)?(?:its\s+|the\s+|它的|他的)?(?:的)?\s*"
                        r"(?:risk|risk profile|风险|风险状况)\s*(?:呢)?\s*[?？!！.。]*")


def _without_companies(message: str) -> str:
    return without_companies(message).strip()


def is_risk_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks one of these computations about the company ``code``."""
    return bool(code) and risk_kind(message) is not None


# --- answering -------------------------------------------------------------------------------
def risk_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The computation asked for, from the store; ``None`` when ``req`` asks for none of them."""
    code = req.code
    asked = req.message
    kind = risk_kind(req.message) if code else None
    earlier: list[str] = []
    if kind is None:
        from .price_facts import asks_which_did_better, asks_which_is_better

        previous = req.follows_price_question
        if ((asks_which_is_better(req.message) or asks_which_did_better(req.message))
                and not (previous and len({c for c in [code, *req.codes] if c}) > 1
                         and risk_kind(previous) in ("investment", "dca"))):
            return None  # "哪個比較好" / "哪個報酬比較好" after their correlation: the companies side by side
        # A follow-up ("and 2454?", "what about 2025?") asks the same of another company or span; "which
        # would have been better?" after two investments, both invested the same way, side by side.
        kind = risk_kind(previous) if previous and code else None
        if kind is None:
            return None
        assert previous is not None
        if parse_period(req.message, date.today()).kind == "latest":
            asked = previous
        from ingest.companies import get_directory

        earlier = [c.code for c in get_directory().find_in_text(previous)]
    assert code is not None
    zh = answers_zh(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    visible = visible_day(ref, req.as_of)
    # "if I had bought last year, what would it be worth now?", "what do I get if I sell everything now?":
    # "now" is the latest close, not a span.
    period = parse_period(_NOW.sub(" ", asked) if kind in ("investment", "portfolio", "scenario") else asked, ref)
    notices = list(req.notices)
    from .price_facts import currency_notice

    if (said := currency_notice(req.message, zh)) is not None:  # "what's 1 lot of TSMC in USD?"
        notices.append(said)
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, code=code, answer=no_such_day(period, zh))
    if req.as_of is not None and period.end is not None and period.end > visible:
        notices.append(f"{period_label(period, zh)} 不早於查詢基準日 {req.as_of.isoformat()}，只使用基準日之前的資料。" if zh else
                       f"{period_label(period, zh)} is not before the as-of date {req.as_of.isoformat()}: only bars before it are used.")
    job = Job(req=req, store=store, code=code, period=period, visible=visible, zh=zh, notices=notices, asked=asked,
               earlier=earlier)
    from . import holdings, scenarios

    answer = {"dca": holdings.dca, "scenario": scenarios.scenario, "drawdown": _drawdown, "investment": holdings.investment,
              "correlation": _correlation,
              "beta": _beta, "extremes": _extremes, "risk": _profile, "portfolio": holdings.portfolio, "cost": holdings.lot_cost,
              "position": holdings.position}[kind](job)
    if kind in ("position", "portfolio") and _SEEKS_VERDICT.search(to_simplified(req.message).lower()):
        # "I have 10 lots of 2317 at 180, should I cut my losses?": the numbers, and no verdict
        from .price_facts import no_verdict

        answer.answer += "\n\n" + no_verdict(zh)
    return answer


# "should I cut my losses?", "要停損嗎", "該不該賣", "要續抱嗎": a verdict asked of a position
# (a stop-loss asked, "要停損嗎", gets the levels it is set at and its own such word: assistant.technicals)
_SEEKS_VERDICT = re.compile(r"\bcut (?:my |the )?loss(?:es)?\b|\bshould i (?:sell|hold|keep|buy more|average down|take profits?|rebalance)\b"
                            r"|该不该卖|要不要卖|该卖吗|要卖吗|卖掉吗|续抱|该抱|要抱|加码吗|摊平吗|怎么办|要不要(?:再平衡|调整)|该(?:再平衡|调整)"
                            # "要不要加碼攤平", "should I double down?"
                            r"|(?:要不要|该不该|该|可以)(?:加码|摊平|补仓|加仓)|\bshould i (?:add|double down|buy the dip)\b")


@dataclass
class Job:
    """One question's context for the computations: the request, the store, the company, the span
    asked, the last visible day (the as-of cut) and the answer's language and notices."""

    req: EngineRequest
    store: Any
    code: str
    period: Period
    visible: date
    zh: bool
    notices: list[str]
    asked: str
    earlier: list[str] = field(default_factory=list)  # the companies of the question a follow-up follows
    _bars: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # read once per question

    def label(self, code: str) -> str:
        if code == MARKET_INDEX:
            n = self.closes(MARKET_INDEX).attrs.get("companies", 0)
            return f"已存 {n} 家公司的等權指數" if self.zh else f"the equal-weighted index of the {n} stored companies"
        return company_label(code, company_of(code), self.zh)

    def closes(self, code: str) -> pd.DataFrame:
        """Every stored bar of ``code`` up to what is visible, read from the store once per question
        (the computations ask for the same company's bars several times; none changes them);
        MARKET_INDEX is the stored companies' equal-weighted index (empty with too few of them)."""
        if code not in self._bars:
            self._bars[code] = self._market_index() if code == MARKET_INDEX else self.store.bars(code, end=self.visible)
        return self._bars[code]

    def _market_index(self) -> pd.DataFrame:
        from .versus_market import equal_weighted_index

        frame = self.store.all_bars()
        got = equal_weighted_index(frame[frame["date"] <= pd.Timestamp(self.visible)])
        if got is None:
            return pd.DataFrame(columns=["open", "high", "low", "close", "volume"])
        index, n = got
        index.index = pd.DatetimeIndex(index.index)
        out = pd.DataFrame({"open": index, "high": index, "low": index, "close": index, "volume": 0.0})
        out.attrs["companies"] = n
        return out

    def benchmark(self) -> str | None:
        """What stands for the market: 0050 when stored, else the stored companies' equal-weighted
        index, else nothing."""
        if not self.store.bars(MARKET_PROXY, end=self.visible).empty:
            return MARKET_PROXY
        return MARKET_INDEX if not self.closes(MARKET_INDEX).empty else None

    def window(self, bars: pd.DataFrame, default_sessions: int | None) -> pd.DataFrame:
        """The bars of the span asked: a day is "since that day"; no period is the last
        ``default_sessions`` (``None``: the whole stored history)."""
        p = self.period
        if p.kind in ("day", "range") and p.start is not None:
            end = min(p.end or self.visible, self.visible) if p.kind == "range" else self.visible
            return bars[(bars.index >= pd.Timestamp(p.start)) & (bars.index <= pd.Timestamp(end))]
        if p.kind == "trailing":
            window = bars.tail((p.sessions or 1) + 1)  # N sessions of change need N + 1 closes
            if 0 < len(window) <= (p.sessions or 1):
                # "2330 1 year return" on a store of 177 sessions: said, not passed off as a year
                short = (f"資料庫只有 {len(window) - 1} 個交易日的資料，少於所問的 {p.sessions} 個：從第一筆 "
                         f"{window.index[0].date().isoformat()} 算起。" if self.zh else
                         f"The store holds only {len(window) - 1} of the {p.sessions} trading days asked about: "
                         f"the figures start at its first stored day, {window.index[0].date().isoformat()}.")
                if short not in self.notices:
                    self.notices.append(short)
            return window
        if p.kind == "latest" and default_sessions is not None:
            return bars.tail(default_sessions + 1)
        return bars

    def changes(self, closes: pd.Series | pd.DataFrame, window: pd.DataFrame) -> pd.Series | pd.DataFrame:
        """Close-to-close changes on ``window``'s sessions. A named span ("in April 2025") counts
        its first session's change from the close before it, as the price answers do ("-0.22%
        from the close on 2025-03-31 before the period"): else April 1 would have no change, and
        a month of 20 sessions only 19. The trailing and default windows already hold their base
        close (N sessions of change from N + 1 closes)."""
        if self.period.kind == "range" and len(window) and len(closes) and closes.index[0] < window.index[0]:
            return closes.pct_change().loc[window.index].dropna(how="all")
        return closes.loc[window.index].pct_change().iloc[1:]

    def missing(self, code: str) -> str:
        label = self.label(code)
        return (f"尚未儲存 {label} 的股價：請執行 `finqa ingest prices {code}`。" if self.zh else
                f"No prices for {label} are stored: run `finqa ingest prices {code}`.")

    def empty_span(self, code: str, bars: pd.DataFrame) -> str:
        label = self.label(code)
        first, last = bars.index[0].date().isoformat(), bars.index[-1].date().isoformat()
        text = (f"{label} 在{period_label(self.period, True)}沒有足夠的股價資料（資料庫涵蓋 {first} 至 {last}）。" if self.zh else
                f"The store holds too few {label} prices for {period_label(self.period, False)} (it has {first} to {last}).")
        if self.period.start is not None and self.period.start > bars.index[-1].date():
            text += (f"執行 `finqa ingest prices {code}` 取得更新資料。" if self.zh else
                     f" `finqa ingest prices {code}` fetches newer ones.")
        return text

    def answer(self, text: str, codes: list[str], window: dict[str, pd.DataFrame], numbers: dict[str, Any]) -> Answer:
        """The answer with its bars (the UI charts them), the store cited, and the numbers for
        ``--json``."""
        codes = [c for c in codes if c != MARKET_INDEX]  # the stand-in index is no company to chart
        bars = [bar_of(c, d, row) for c in codes for d, row in window[c].iterrows()]
        last = max(b.date for b in bars)
        if self.period.end is None or self.period.end >= self.visible:  # "since 2024-09-02" on an old store
            for c in codes:
                newest = window[c].index[-1].date()
                if (self.visible - newest).days > STALE_DAYS:
                    self.notices.append(stale_notice(self.label(c), c, newest, self.visible, self.zh))
        span = f"{min(b.date for b in bars).isoformat()} – {last.isoformat()}"
        names = "、".join(self.label(c) for c in codes) if self.zh else ", ".join(self.label(c) for c in codes)
        citation = Citation(n=1, title=f"{names} 日成交資料 {span}" if self.zh else f"{names} daily prices {span}",
                            source=source_name(bars), date=last.isoformat(), url=None)
        foot = ("（由 finqa 的股價資料庫以收盤價計算，未經語言模型；只含股價變動，不含股利。這是過去的數字，不是預測，也不是投資建議。）" if self.zh else
                "(Computed from the closes in finqa's price store; no language model was involved. Price only: "
                "dividends are not stored, so they are not included. These describe the past: no forecast and no "
                "investment advice.)")
        return Answer(route="qa", engine=ENGINE, answer=f"{text} [1]\n\n{foot}", citations=[citation],
                      notices=self.notices, code=self.code, bars=bars, indicators=numbers)

    def plain(self, text: str) -> Answer:
        return Answer(route="qa", engine=ENGINE, answer=text, notices=self.notices, code=self.code)


def max_drawdown(closes: pd.Series) -> tuple[float, pd.Timestamp, pd.Timestamp, pd.Timestamp | None]:
    """(largest fall from a running peak, as a negative fraction; the peak's day; the trough's
    day; the first later day the close regained the peak, or ``None``)."""
    peaks = closes.cummax()
    dd = closes / peaks - 1
    trough = dd.idxmin()
    peak = closes.loc[:trough].idxmax()
    after = closes.loc[trough:]
    regained = after[after >= closes.loc[peak]]
    return float(dd.loc[trough]), peak, trough, (regained.index[0] if len(regained) else None)


def annualised_volatility(returns: pd.Series) -> float:
    """The standard deviation of daily (simple) returns scaled to a year of 250 sessions: the one
    definition the risk answers, the beta lines, the rankings and the overview's risk line use."""
    return float(returns.std() * math.sqrt(DEFAULT_SESSIONS))


def iso_day(ts: pd.Timestamp) -> str:
    """A stored bar's index as the ISO day the answers print."""
    return ts.date().isoformat()


def _drawdown_text(job: Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """One company's drawdown sentence over ``window`` and its numbers."""
    zh = job.zh
    closes = window["close"].astype(float)
    dd, peak, trough, back = max_drawdown(closes)
    now = float(closes.iloc[-1]) / float(closes.max()) - 1
    label = job.label(code)
    first, last = window.index[0], window.index[-1]
    n = len(window)
    numbers = {"max_drawdown": dd, "peak_date": iso_day(peak), "peak_close": float(closes[peak]),
               "trough_date": iso_day(trough), "trough_close": float(closes[trough]),
               "recovered_date": iso_day(back) if back is not None else None, "from_high": now,
               "start": iso_day(first), "end": iso_day(last), "sessions": n}
    if dd == 0:
        return ((f"**{label}** {iso_day(first)} 至 {iso_day(last)}（{n} 個交易日）收盤價沒有從高點回落過：最大回撤 0%。" if zh else
                 f"**{label}**, {iso_day(first)} to {iso_day(last)} ({n} sessions): the close never fell below an earlier "
                 "peak, so the maximum drawdown is 0%."), numbers)
    days = int(((window.index >= peak) & (window.index <= trough)).sum()) - 1
    if zh:
        text = (f"**{label}** {iso_day(first)} 至 {iso_day(last)}（{n} 個交易日）的最大回撤為 **{dd:.2%}**："
                f"從 {iso_day(peak)} 的收盤 {fmt_price(float(closes[peak]))}，{days} 個交易日後跌到 {iso_day(trough)} 的 "
                f"{fmt_price(float(closes[trough]))}。")
        text += (f"{iso_day(back)} 收復前高。" if back is not None else
                 f"之後尚未收復前高；最後收盤 {fmt_price(float(closes.iloc[-1]))}，距期間最高收盤 {now:+.2%}。")
    else:
        text = (f"**{label}**, {iso_day(first)} to {iso_day(last)} ({n} sessions): the maximum drawdown was **{dd:.2%}**, from "
                f"the {fmt_price(float(closes[peak]))} close on {iso_day(peak)} to {fmt_price(float(closes[trough]))} on "
                f"{iso_day(trough)}, {days} sessions later. ")
        text += (f"The close regained that peak on {iso_day(back)}." if back is not None else
                 f"It has not regained that peak: the last close, {fmt_price(float(closes.iloc[-1]))}, is {now:+.2%} "
                 "from the span's highest close.")
    return text, numbers


def each_company(job: Job, default_sessions: int | None, one: Any, summary: Any = None) -> Answer:
    """``one(job, code, window) -> (text, numbers[, bars used])`` for every company named (up to
    five), each over the span asked (numbers ``None``: a sentence alone, nothing computed); ``indicators`` holds the first company's numbers, and the others' under
    ``"companies"``. With several, ``summary(job, numbers)`` may add a line comparing them."""
    texts, windows, numbers = [], {}, {}
    for code in named_codes(job):
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
            continue
        window = job.window(bars, default_sessions)
        if len(window) < 2:
            texts.append(job.empty_span(code, bars))
            continue
        text, values, *held = one(job, code, window)  # a third item: the bars it used, when not the span's
        texts.append(text)
        if values is None:  # nothing to compute for this company (its sentence says why)
            continue
        windows[code] = held[0] if held else window
        numbers[code] = values
    if not windows:
        return job.plain("\n\n".join(texts))
    if job.period.kind in ("latest", "all") and default_sessions is None:
        first = min(w.index[0] for w in windows.values())
        job.notices.append(f"期間為資料庫中的全部股價歷史（自 {iso_day(first)} 起）。" if job.zh else
                           f"The span is the whole stored history (since {iso_day(first)}), not the history since listing.")
    codes = list(windows)
    main = dict(numbers[codes[0]])
    if len(codes) > 1:
        main["companies"] = numbers
        if summary is not None:
            texts.append(summary(job, numbers))
    return job.answer("\n\n".join(texts), codes, windows, main)


def _drawdown_summary(job: Job, numbers: dict[str, dict[str, Any]]) -> str:
    """"Which had the smallest drawdown?": every company's, the shallowest first."""
    ranked = sorted(numbers, key=lambda c: -numbers[c]["max_drawdown"])
    if job.zh:
        return "比較（最大回撤，淺到深）：" + "、".join(f"{c} {numbers[c]['max_drawdown']:.2%}" for c in ranked) + "。"
    return "Side by side (maximum drawdown, shallowest first): " + ", ".join(
        f"{c} {numbers[c]['max_drawdown']:.2%}" for c in ranked) + "."


def _drawdown(job: Job) -> Answer:
    return each_company(job, None, _drawdown_text, _drawdown_summary)


def _extremes_text(job: Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """The largest one-day fall and rise (close to close) in ``window``."""
    every = job.closes(code)["close"].astype(float)
    closes = window["close"].astype(float)
    rets = job.changes(every, window)
    worst, best = rets.idxmin(), rets.idxmax()
    label = job.label(code)
    first, last = window.index[0], window.index[-1]

    def day(ts: pd.Timestamp) -> str:
        before = float(every.shift(1)[ts])
        note = limit_note(code, before, float(closes[ts]), job.zh)
        return (f"{iso_day(ts)} {float(rets[ts]):+.2%}{note}（{fmt_price(before)} → {fmt_price(float(closes[ts]))}）" if job.zh else
                f"{float(rets[ts]):+.2%}{note} on {iso_day(ts)} ({fmt_price(before)} → {fmt_price(float(closes[ts]))})")

    numbers = {"worst_day": iso_day(worst), "worst_change": float(rets[worst]), "best_day": iso_day(best),
               "best_change": float(rets[best]), "start": iso_day(first), "end": iso_day(last), "sessions": len(window)}
    if job.zh:
        return (f"**{label}** {iso_day(first)} 至 {iso_day(last)}（{len(window)} 個交易日）單日最大跌幅：{day(worst)}；"
                f"單日最大漲幅：{day(best)}。"), numbers
    return (f"**{label}**, {iso_day(first)} to {iso_day(last)} ({len(window)} sessions): the largest one-day fall was {day(worst)}; "
            f"the largest one-day rise {day(best)}."), numbers


def _extremes(job: Job) -> Answer:
    return each_company(job, None, _extremes_text)


def _profile_text(job: Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """How risky the stock has been: volatility, drawdown, the worst day, beta when it can."""
    closes = window["close"].astype(float)
    rets = job.changes(job.closes(code)["close"].astype(float), window)
    vol = annualised_volatility(rets)
    recent = annualised_volatility(rets.tail(20)) if len(rets) >= 20 else None
    dd, peak, trough, _ = max_drawdown(closes)
    worst = rets.idxmin()
    down = float((rets < 0).mean())
    # Sharpe ratio: the mean daily return annualised over the annualised volatility, with the
    # risk-free rate taken as 0 (said so: Taiwan's deposit rate, ~1.7%, would lower it a little).
    mean = float(rets.mean()) * DEFAULT_SESSIONS
    sharpe = mean / vol if vol else None
    label = job.label(code)
    first, last, n = window.index[0], window.index[-1], len(window)
    numbers: dict[str, Any] = {"volatility_annualised": vol, "volatility_20d_annualised": recent, "max_drawdown": dd,
                               "worst_day": iso_day(worst), "worst_change": float(rets[worst]), "down_days": down,
                               "mean_return_annualised": mean, "sharpe": sharpe,
                               "start": iso_day(first), "end": iso_day(last), "sessions": n}
    beta_line = ""
    bench = job.benchmark() if code != MARKET_PROXY else None
    if bench is not None:
        proxy = job.closes(bench)
        both = pd.concat({"s": closes, "m": proxy["close"].astype(float)}, axis=1, join="inner").pct_change().dropna()
        if len(both) >= MIN_SESSIONS and both["m"].var() > 0:
            beta = float(both["s"].cov(both["m"]) / both["m"].var())
            numbers["beta"] = beta
            numbers["beta_benchmark"] = bench
            against = "0050" if bench == MARKET_PROXY else job.label(bench)
            beta_line = (f"；相對 {against} 的 beta {beta:.2f}" if job.zh else
                         f"; beta {beta:.2f} against {against} (the market's stand-in)")
    elif code != MARKET_PROXY:
        beta_line = ("；beta 需要 0050 的股價（`finqa ingest prices 0050`）" if job.zh else
                     f"; beta needs 0050's prices (`finqa ingest prices {MARKET_PROXY}`)")
    if job.zh:
        text = (f"**{label}** {iso_day(first)} 至 {iso_day(last)}（{n} 個交易日）的風險：年化波動度 {vol:.1%}"
                + (f"（近 20 日 {recent:.1%}）" if recent is not None else "")
                + f"；最大回撤 {dd:.2%}（{iso_day(peak)} → {iso_day(trough)}）；單日最大跌幅 {float(rets[worst]):+.2%}（{iso_day(worst)}）；"
                f"{down:.0%} 的交易日下跌{beta_line}"
                + (f"；夏普比率 {sharpe:.2f}（日報酬平均年化 {mean:+.1%} 除以年化波動度，無風險利率以 0 計）" if sharpe is not None else "")
                + "。")
    else:
        text = (f"**{label}**, {iso_day(first)} to {iso_day(last)} ({n} sessions): annualised volatility {vol:.1%}"
                + (f" ({recent:.1%} over the last 20 sessions)" if recent is not None else "")
                + f"; maximum drawdown {dd:.2%} ({iso_day(peak)} → {iso_day(trough)}); worst day {float(rets[worst]):+.2%} "
                f"({iso_day(worst)}); it fell on {down:.0%} of the sessions{beta_line}"
                + (f"; Sharpe ratio {sharpe:.2f} (the mean daily return annualised, {mean:+.1%}, divided by that "
                   "volatility; risk-free rate 0)" if sharpe is not None else "")
                + ".")
    return text, numbers


def _profile_summary(job: Job, numbers: dict[str, dict[str, Any]]) -> str:
    """"Which is riskier?": the most volatile and the deepest drawdown, named."""
    vol = max(numbers, key=lambda c: numbers[c]["volatility_annualised"])
    dd = min(numbers, key=lambda c: numbers[c]["max_drawdown"])
    v, d = numbers[vol]["volatility_annualised"], numbers[dd]["max_drawdown"]
    if job.zh:
        return f"比較：波動度最高的是 {job.label(vol)}（{v:.1%}），回撤最深的是 {job.label(dd)}（{d:.2%}）。"
    return f"Side by side: the most volatile was {job.label(vol)} ({v:.1%}), the deepest drawdown {job.label(dd)}'s ({d:.2%})."


def _profile(job: Job) -> Answer:
    return each_company(job, DEFAULT_SESSIONS, _profile_text, _profile_summary)


def _returns(job: Job, codes: list[str]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]] | str:
    """Daily close-to-close returns of ``codes`` on the sessions all of them have, within the span
    asked (the last year without one); or what is missing, as the answer's text."""
    frames: dict[str, pd.DataFrame] = {}
    for c in codes:
        bars = job.closes(c)
        if bars.empty:
            return job.missing(c)
        frames[c] = bars
    every = pd.concat({c: f["close"].astype(float) for c, f in frames.items()}, axis=1, join="inner")
    closes = job.window(every, DEFAULT_SESSIONS)
    rets = job.changes(every, closes).dropna()
    if len(rets) < MIN_SESSIONS:
        names = "、".join(job.label(c) for c in codes) if job.zh else " and ".join(job.label(c) for c in codes)
        return (f"{names} 在{period_label(job.period, True) if job.period.kind != 'latest' else '資料庫中'}只有 {len(rets)} "
                f"個共同交易日的報酬，少於計算所需的 {MIN_SESSIONS} 個。" if job.zh else
                f"{names} share only {len(rets)} daily returns in the store"
                + (f" for {period_label(job.period, False)}" if job.period.kind != "latest" else "")
                + f": too few (at least {MIN_SESSIONS}) to measure how they move together.")
    window = {c: frames[c].loc[closes.index] for c in codes}
    return rets, window


def _strength(r: float, zh: bool) -> str:
    a = abs(r)
    if zh:
        word = "強" if a >= 0.7 else "中等" if a >= 0.4 else "弱" if a >= 0.2 else "幾乎沒有"
        return f"{word}{'正' if r >= 0 else '負'}相關" if a >= 0.2 else "幾乎不相關"
    word = "strong" if a >= 0.7 else "moderate" if a >= 0.4 else "weak" if a >= 0.2 else ""
    return f"{word} {'positive' if r >= 0 else 'negative'}" if word else "little or no"


def _benchmark(job: Job, codes: list[str]) -> tuple[list[str], str | None]:
    """``codes`` with a second series to compare against: the market proxy when only one company
    is named (and stored); else a note on what to ingest."""
    if len(codes) >= 2:
        return codes, None
    if codes[0] != MARKET_PROXY and (bench := job.benchmark()) is not None:
        return [codes[0], bench], None
    return codes, _no_market(job)


def _no_market(job: Job) -> str:
    """What to say when a comparison with the market needs 0050 and its prices are not stored."""
    return ("finqa 沒有儲存大盤指數，以 0050（元大台灣50，追蹤市值最大的 50 家上市公司）代表市場，但資料庫裡沒有它的股價："
            f"請執行 `finqa ingest prices {MARKET_PROXY}`，或指定另一家公司，例如「2330 和 2454 的相關性」。" if job.zh else
            f"No market index is stored; finqa uses {job.label(MARKET_PROXY)} (it tracks the exchange's 50 largest "
            f"companies) as the market, but its prices are not stored: run `finqa ingest prices {MARKET_PROXY}`, or "
            "name a second company (\"correlation between 2330 and 2454\").")


def named_codes(job: Job) -> list[str]:
    """The companies the question names (the first is ``job.code``), five at most."""
    return list(dict.fromkeys(c for c in [job.code, *job.req.codes] if c))[:5]


# "which stock is most correlated with TSMC?", "跟台積電連動最高的股票": one company against every
# other stored one (on Simplified, lower-cased text).
_CORRELATION_RANKING = re.compile(
    r"\b(?:most|least|highest|lowest|strongest|weakest)\b.{0,20}\bcorrelat\w*|\bcorrelat\w*\b.{0,20}\b(?:most|least|highest|lowest)\b"
    r"|(?:最|相关性最|相关系数最|连动性?最|联动性?最)(?:相关|高|低|强|弱|大|小)|\bmoves? (?:most|least) (?:like|with)\b"
    r"|最(?:像|相似)|\b(?:trades?|moves?) (?:the )?most like\b|最(?:不)?相关")
RANKED_CORRELATIONS = 5


def _correlation_ranking(job: Job, code: str) -> Answer:
    """Every other stored Taiwan company's correlation of daily returns with ``code`` over the
    span asked (the last year without one), each on the sessions the two share; the most (or,
    when asked, the least) correlated first."""
    from .price_format import is_taiwan

    least = bool(re.search(r"\b(?:least|lowest|weakest)\b|最低|最弱|最小|最不", to_simplified(job.asked).lower()))
    others = [c for c in job.store.price_codes() if c != code and is_taiwan(c)]
    rows: list[tuple[str, float, int]] = []
    for other in others:
        got = _returns(job, [code, other])
        if isinstance(got, str):
            continue
        rets, _ = got
        r = float(rets.corr().iloc[0, 1])
        if r == r:  # NaN: one of the two never moved
            rows.append((other, r, len(rets)))
    if not rows:
        return job.plain("資料庫中沒有其他公司的股價可以比較。" if job.zh else
                         "The store holds no other company's prices to compare with.")
    rows.sort(key=lambda t: t[1] if least else -t[1])
    top = rows[:RANKED_CORRELATIONS]
    lines = [f"{i}. {job.label(c)} {r:+.2f}（{_strength(r, True)}，{n} 個共同交易日）" if job.zh else
             f"{i}. {job.label(c)} {r:+.2f} ({_strength(r, False)}, {n} shared sessions)"
             for i, (c, r, n) in enumerate(top, 1)]
    which = ("最低" if least else "最高") if job.zh else ("least" if least else "most")
    head = (f"資料庫中 {len(rows)} 家公司與 {job.label(code)} 的日報酬相關係數，{which}的在前：" if job.zh else
            f"The {len(rows)} stored companies by how closely their daily returns move with {job.label(code)}, the "
            f"{which} correlated first:")
    tail = ("相關係數介於 -1 與 +1；這只是過去的共同走勢，不代表未來。" if job.zh else
            "Correlation runs from −1 to +1; it describes how they moved together in the past, not how they will.")
    bars = job.closes(code)
    numbers = {"correlation_with": code, "ranking": [{"code": c, "correlation": r, "sessions": n} for c, r, n in rows]}
    answer = job.answer("\n".join([head, *lines, tail]), [code], {code: job.window(bars, DEFAULT_SESSIONS)}, numbers)
    answer.ranking = {"correlation": [{"code": c, "name": job.label(c), "value": r, "unit": "correlation", "sessions": n}
                                      for c, r, n in top]}
    return answer


def _correlation(job: Job) -> Answer:
    named = named_codes(job)
    if len(named) == 1 and not job.earlier and _CORRELATION_RANKING.search(to_simplified(job.asked).lower()):
        return _correlation_ranking(job, named[0])  # "which stock is most correlated with TSMC?"
    if len(named) == 1 and len(job.earlier) > 1:  # "and 2317?" after "correlation between 2330 and 2454": all three
        named = list(dict.fromkeys([*job.earlier, *named]))[:5]
    codes, missing = _benchmark(job, named)
    if missing:
        return job.plain(missing)
    got = _returns(job, codes)
    if isinstance(got, str):
        return job.plain(got)
    rets, window = got
    corr = rets.corr()
    first, last, n = rets.index[0], rets.index[-1], len(rets)
    lines, numbers = [], {"start": iso_day(first), "end": iso_day(last), "sessions": n, "correlation": {}}
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            r = float(corr.loc[a, b])
            if r != r:  # NaN: one of the two never moved in the span
                lines.append(f"- {job.label(a)} 與 {job.label(b)}：其中一檔沒有價格變動，無法計算" if job.zh else
                             f"- {job.label(a)} and {job.label(b)}: one of them did not move, so there is no correlation")
                continue
            numbers["correlation"][f"{a}/{b}"] = r
            lines.append(f"- {job.label(a)} 與 {job.label(b)}：{r:+.2f}（{_strength(r, True)}）" if job.zh else
                         f"- {job.label(a)} and {job.label(b)}: {r:+.2f} ({_strength(r, False)} correlation)")
    proxy = MARKET_PROXY in codes and MARKET_PROXY not in named_codes(job)
    if MARKET_INDEX in codes:  # no 0050 stored: the stored companies stand for the market
        head_note = ("（資料庫沒有 0050，以已存公司的等權指數代表市場）" if job.zh else
                     " (0050 is not stored: the stored companies' equal-weighted index stands for the market)")
    else:
        head_note = ("（以 0050 代表市場）" if job.zh else " (0050 stands for the market)") if proxy else ""
    if job.zh:
        head = (f"{iso_day(first)} 至 {iso_day(last)} 共 {n} 個交易日的日報酬相關係數" + head_note + "：")
        tail = "相關係數介於 -1 與 +1：+1 表示每天同方向、同比例變動，0 表示沒有線性關係。"
    else:
        head = (f"Correlation of daily returns over the {n} sessions from {iso_day(first)} to {iso_day(last)}"
                + head_note + ":")
        tail = "Correlation runs from −1 to +1: +1 means the two move the same way every day, 0 means no linear relation."
    return job.answer("\n".join([head, *lines, tail]), codes, window, numbers)


# "beta of 2330 against 2454": the second company is the benchmark; "beta of 2330 and 2454": each
# against the market.
_AGAINST = re.compile(r"\b(?:against|vs\.?|versus|relative to|compared (?:to|with))\b|相对|对于"
                      # "2330's beta to 2454", "beta of 2330 with 2454", "台積電對聯發科的beta"
                      r"|\bbetas?\s+(?:to|with|on)\b|对\S{1,12}(?:的)?(?:beta|贝塔|β)")


def _beta(job: Job) -> Answer:
    named = named_codes(job)
    if len(named) >= 2 and _AGAINST.search(to_simplified(job.asked).lower()):
        pairs = [(named[0], named[1])]
    else:
        bench = job.benchmark()
        if bench is None and named != [MARKET_PROXY]:
            return job.plain(_no_market(job))
        pairs = [(c, bench or MARKET_PROXY) for c in named if c != MARKET_PROXY]
    texts, numbers, windows = [], {}, {}
    for stock, bench in pairs:
        got = _returns(job, [stock, bench])
        if isinstance(got, str):
            texts.append(got)
            continue
        if not got[0][bench].std() > 0:  # a suspended or flat benchmark: no beta to divide out
            texts.append(f"{job.label(bench)} 在這段期間沒有任何價格變動，無法計算 beta。" if job.zh else
                         f"{job.label(bench)} did not move in the span, so no beta can be measured against it.")
            continue
        text, values = _beta_text(job, stock, bench, got[0])
        texts.append(text)
        numbers[stock] = values
        windows.update(got[1])
    if not numbers:
        return job.plain("\n\n".join(texts))
    main = dict(numbers[next(iter(numbers))])
    if len(numbers) > 1:
        main["companies"] = numbers
    if any(b == MARKET_PROXY for _, b in pairs) and MARKET_PROXY not in named:
        texts.append("（finqa 沒有儲存大盤指數，以 0050 代表市場。）" if job.zh else "(No index is stored; 0050 stands for the market.)")
    elif any(b == MARKET_INDEX for _, b in pairs):
        texts.append("（finqa 沒有儲存大盤指數，資料庫也沒有 0050：以已存公司的等權指數代表市場，這家公司本身也在其中。）" if job.zh else
                     "(No index is stored, nor 0050: the stored companies' equal-weighted index stands for the market, "
                     "this company among them.)")
    return job.answer("\n\n".join(texts), list(windows), windows, main)


def _beta_text(job: Job, stock: str, bench: str, rets: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """One company's beta against ``bench`` from their common daily returns."""
    x, y = rets[bench], rets[stock]
    beta = float(y.cov(x) / x.var())
    r = float(y.corr(x))
    vol = {c: annualised_volatility(rets[c]) for c in (stock, bench)}
    first, last, n = rets.index[0], rets.index[-1], len(rets)
    numbers = {"beta": beta, "correlation": r, "r_squared": r * r, "benchmark": bench,
               "volatility_annualised": vol, "start": iso_day(first), "end": iso_day(last), "sessions": n}
    sl, bl = job.label(stock), job.label(bench)
    bn = ("指數" if job.zh else "the index") if bench == MARKET_INDEX else bench  # a short name in the sentence
    vs, vb = vol[stock], vol[bench]
    if job.zh:
        return (f"**{sl}** 相對 {bl} 的 beta 為 **{beta:.2f}**（{iso_day(first)} 至 {iso_day(last)}，{n} 個交易日的日報酬）："
                f"{bn} 每變動 1%，{stock} 平均變動 {beta:.2f}%。相關係數 {r:+.2f}，R² {r * r:.2f}"
                f"（{stock} 的日波動中約 {r * r:.0%} 可由 {bn} 解釋）。年化波動度：{stock} {vs:.1%}、{bn} {vb:.1%}。"), numbers
    return (f"**{sl}** has a beta of **{beta:.2f}** against {bl} (daily returns, {n} sessions from {iso_day(first)} to "
            f"{iso_day(last)}): a 1% move in {bn} came with a {beta:.2f}% move in {stock} on average. Correlation "
            f"{r:+.2f}, R² {r * r:.2f} (about {r * r:.0%} of {stock}'s daily variance moves with {bn}). "
            f"Annualised volatility: {stock} {vs:.1%}, {bn} {vb:.1%}."), numbers


__all__ = ["DEFAULT_SESSIONS", "annualised_volatility", "MARKET_INDEX", "MARKET_PROXY", "MIN_SESSIONS", "Job",
           "is_risk_question", "iso_day", "max_drawdown", "named_codes", "risk_answer", "risk_kind"]
