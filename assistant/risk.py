"""Risk and return from the stored prices: "max drawdown of 2330 in 2025", "if I had put NT$100,000
into TSMC on 2024-09-02, what would it be worth?", "correlation between 2330 and 2454", "beta of
2330", "how risky is 2330?", "2330's biggest one-day drop", "I hold 2 lots of 2330 and 500 shares
of 2454: how did my portfolio do last month?", "台積電最大回撤", "如果 2024-09-02 買一張台積電 現在賺多少".

Why a module of its own: these are exact computations over the store's daily closes, like the
indicators (``assistant.technicals``), but over a span rather than at one day, and each needs a
choice the user should see stated (which closes, which costs, which benchmark). The news cannot
answer them and a language model would only misquote them.

The choices, said in every answer:

- Returns are close to close, **price only**: the store holds no dividends, so a dividend payer's
  total return is higher than the number given.
- An investment buys at the close of the first session on or after the day named, and is valued at
  the last close of the span (the last stored session, or the second date named). Costs are
  Taiwan's: a broker's fee of 0.1425% each way (at least NT$20) and the securities transaction tax
  on the sale, 0.3% for stocks and 0.1% for ETFs (codes starting 00).
- Drawdown is measured on closes: the largest fall from a running peak to a later trough.
- Beta and correlation use daily returns on the sessions both series have. Beta needs a market:
  no index is stored, so the benchmark is 0050 (Yuanta Taiwan 50, which tracks the exchange's 50
  largest companies) when its prices are stored, or the second company named.

Point in time: with an as-of date D only bars strictly before D are read, as everywhere.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from ingest.cjk import has_cjk

from .price_facts import (
    ENGINE,
    QUOTED,
    STALE_DAYS,
    TAIPEI,
    Period,
    bar_of,
    company_label,
    company_of,
    fmt_price,
    limit_note,
    no_such_day,
    parse_period,
    period_label,
    source_name,
    stale_notice,
    strip_dates,
)
from .slots import to_simplified, zh_number
from .types import Answer, Citation, EngineRequest

MARKET_PROXY = "0050"  # Yuanta Taiwan 50: the benchmark for beta when no other is named
DEFAULT_SESSIONS = 250  # beta and correlation without a period: the last year of sessions
MIN_SESSIONS = 20  # fewer common returns than this measure nothing
BROKER_FEE = 0.001425  # each way, on the traded value
MIN_FEE = 20.0  # NT$ per order
TAX_STOCK, TAX_ETF = 0.003, 0.001  # securities transaction tax, on the sale only
SHARES_PER_LOT = 1000

# On Simplified, lower-case text with quoted headlines removed.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cost", re.compile(
        r"\bhow much (?:does|is|would|do)\b.{0,30}\b(?:one|a|an|\d+|two|three|five|ten) (?:lots?|board lots?)\b"
        r"|\bhow many (?:shares|lots)\b.{0,50}\b(?:buy|afford|get|purchase)\b|\bcost of (?:one|a|\d+) lots?\b"
        r"|\bcan i (?:buy|afford)\b.{0,40}\bwith\b"
        r"|(?:一|两|二|三|五|十|\d+)\s*张.{0,10}(?:多少钱|要多少|需要多少|成本)|(?:可以|能|可)买(?:几|多少)(?:张|股)|买得起")),
    ("portfolio", re.compile(r"\bmy (?:portfolio|holdings|positions?|stocks)\b|\bi (?:hold|own)\b|\bportfolio\b"
                             r"|我的?(?:持股|投资组合|组合|部位)|我(?:持有|手上有)|持股")),
    ("beta", re.compile(r"\bbetas?\b|贝塔|β")),
    ("correlation", re.compile(r"\bcorrelat\w*|\bco-?mov\w*|\bmove (?:together|in (?:step|tandem))\b"
                               r"|相关(?:性|系数|度)|连动|联动|同涨同跌")),
    ("extremes", re.compile(
        r"\b(?:biggest|largest|worst|best|sharpest|steepest|highest|lowest)\s+(?:one|single|1)[- ]day\b"
        r"|\b(?:biggest|largest|worst|best|sharpest|steepest)\s+(?:daily|day's)\s+(?:drop|fall|decline|loss|gain|rise|jump|move)"
        r"|\b(?:best|worst) (?:trading )?days?\b|单日最大|单日(?:涨|跌)幅最大|最大单日")),
    ("risk", re.compile(r"\bhow (?:risky|dangerous)\b|\bris(?:k|kiness) (?:profile|metrics|level|measures)\b|\briskiness\b"
                        r"|\b(?:is|are)\s+\S+(?:\s+\S+)?\s+(?:too |very |a )?risky\b"
                        r"|\briskier\b|\b(?:more|less) risky\b|\bsafer\b"
                        r"|风险(?:比较|更)?(?:高|大|低|小|多大|如何|怎么样|指标|程度|有多)")),
    ("drawdown", re.compile(r"\bdraw[- ]?downs?\b|\bmdd\b|\bpeak[- ]to[- ]trough\b|回撤|回档幅度|从高点(?:回落|下跌|跌)了?多少"
                            r"|\b(?:fall|fell|fallen|drop|dropped|down|off|below|far)\b.{0,20}\bfrom (?:its|the|their) "
                            r"(?:peak|high|top|record)s?\b|离(?:高点|前高|最高)")),
    ("investment", re.compile(
        r"\bif (?:i|you|we|one|someone) (?:had )?(?:invest\w*|bought|buy|put|purchased|held)\b"
        r"|\b(?:invest\w*|put|bought|buying)\b.{0,50}\b(?:worth|be now|have now|today)\b"
        r"|\bhow much (?:would|could|did)\b.{0,60}\b(?:worth|make|made|earn|earned|gain|gained|lose|lost|have)\b"
        r"|\bwould (?:be|have been) worth\b|\breturn on (?:an? )?(?:investment|nt\$|\$|\d)"
        r"|如果.{0,24}(?:买|投资|投入|进场|持有)|(?:买|投资|投入).{0,30}(?:现在|至今|如今|今天).{0,8}(?:值|变成|剩|赚|赔|亏|报酬)"
        r"|投资报酬|报酬率")),
)
# "2330 return since 2024-09-02", "台積電今年報酬": a return over a span is an investment's, but
# only with a span ("TSMC shareholder returns" is the news's).
_RETURN = re.compile(r"\b(?:price |total |stock |share )?returns?\b(?!\s+(?:to|on (?:equity|assets|capital|invested)))|报酬")
_NOW = re.compile(r"\b(?:now|today|currently)\b|现在|現在|如今|今天|目前", re.I)
_FUTURE = re.compile(r"\bwill\b|\bgoing to\b|\bgonna\b|\bnext\b|\btomorrow\b|\bfrom now\b|\bin the future\b"
                     r"|明天|明年|下周|下个月|未来|以后|之后|将来")


def risk_kind(message: str) -> str | None:
    """Which computation ``message`` asks for: ``cost`` (of a lot, or what an amount buys),
    ``portfolio``, ``beta``, ``correlation``, ``extremes`` (the largest one-day moves), ``risk`` (a
    risk profile), ``drawdown``, ``investment``, or ``None``.
    The future ("what will 10,000 be worth next year?") is the forecaster's, not this module's."""
    if not message:
        return None
    s = QUOTED.sub(" ", to_simplified(message).lower())
    if _FUTURE.search(s):
        return None
    kind = next((kind for kind, rx in _KINDS if rx.search(s)), None)
    if kind == "cost" and dict(_KINDS)["investment"].search(s) and parse_period(message, date.today()).kind in ("day", "range"):
        return "investment"  # "if I bought one lot of TSMC on 2025-01-02, how much would one lot be worth?"
    if kind is None and _RETURN.search(s) and parse_period(message, date.today()).kind not in ("latest", "invalid"):
        return "investment"
    return kind


def is_risk_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks one of these computations about the company ``code``."""
    return bool(code) and risk_kind(message) is not None


# --- amounts ---------------------------------------------------------------------------------
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "千": 1e3, "万": 1e4, "亿": 1e8}
_MONEY = re.compile(
    r"(?:nt\$|ntd\s*|twd\s*|\$|新台币|台币)\s*(\d[\d,]*(?:\.\d+)?)\s*(k|m|mn|million|thousand|千|万|亿)?"
    r"|(\d[\d,]*(?:\.\d+)?)\s*(k|m|mn|million|thousand|千|万|亿)?\s*(?:ntd|twd|nt dollars|dollars|新台币|台币|元|块)"
    r"|(\d[\d,]*(?:\.\d+)?)\s*(k|million|thousand|万|亿)(?![a-z])"
    r"|([一二两三四五六七八九十百]+)\s*(千|万|亿)\s*(?:元|块|新台币|台币)?")
_LOTS = re.compile(r"(\d[\d,]*|[一二两三四五六七八九十百]+|a|one)\s*(?:个)?\s*(?:lots?|张)(?![a-z])")
_SHARES = re.compile(r"(\d[\d,]*)\s*(?:shares|股)(?!价|票|市|东)")


@dataclass(frozen=True)
class Stake:
    """What the user put in: an amount of money (NT$) or a number of shares; neither means the
    answer speaks of one lot (1,000 shares), the way Taiwan quotes a position."""

    amount: float | None = None
    shares: float | None = None


def parse_stake(message: str) -> Stake:
    """The money or shares named in ``message``, read after its dates and company names are taken
    out ("2330" and "2024-09-02" are no amounts)."""
    from ingest.companies import get_directory

    s = to_simplified(strip_dates(get_directory().without_mentions(message))).lower()
    if m := _LOTS.search(s):
        raw = m.group(1)
        n = 1 if raw in ("a", "one") else (int(raw.replace(",", "")) if raw[0].isdigit() else zh_number(raw))
        if n:
            return Stake(shares=float(n * SHARES_PER_LOT))
    if m := _SHARES.search(s):
        return Stake(shares=float(m.group(1).replace(",", "")))
    if m := _MONEY.search(s):
        g = m.groups()
        if g[6]:
            base = zh_number(g[6])
            return Stake(amount=float(base) * _SCALE[g[7]]) if base else Stake()
        number, scale = next((g[i], g[i + 1]) for i in (0, 2, 4) if g[i])
        return Stake(amount=float(number.replace(",", "")) * _SCALE.get(scale or "", 1.0))
    return Stake()


# --- answering -------------------------------------------------------------------------------
def risk_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The computation asked for, from the store; ``None`` when ``req`` asks for none of them."""
    code = req.code
    asked = req.message
    kind = risk_kind(req.message) if code else None
    earlier: list[str] = []
    if kind is None:
        # A follow-up ("and 2454?", "what about 2025?") asks the same of another company or span.
        previous = req.follows_price_question
        kind = risk_kind(previous) if previous and code else None
        if kind is None:
            return None
        assert previous is not None
        if parse_period(req.message, date.today()).kind == "latest":
            asked = previous
        from ingest.companies import get_directory

        earlier = [c.code for c in get_directory().find_in_text(previous)]
    assert code is not None
    zh = has_cjk(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    visible = ref - timedelta(days=1) if req.as_of else ref
    # "if I had bought last year, what would it be worth now?": "now" ends the holding, it is not the span.
    period = parse_period(_NOW.sub(" ", asked) if kind == "investment" else asked, ref)
    notices = list(req.notices)
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, code=code, answer=no_such_day(period, zh))
    if req.as_of is not None and period.end is not None and period.end > visible:
        notices.append(f"{period_label(period, zh)} 不早於查詢基準日 {req.as_of.isoformat()}，只使用基準日之前的資料。" if zh else
                       f"{period_label(period, zh)} is not before the as-of date {req.as_of.isoformat()}: only bars before it are used.")
    job = _Job(req=req, store=store, code=code, period=period, visible=visible, zh=zh, notices=notices, asked=asked,
               earlier=earlier)
    return {"drawdown": _drawdown, "investment": _investment, "correlation": _correlation, "beta": _beta,
            "extremes": _extremes, "risk": _profile, "portfolio": _portfolio, "cost": _cost}[kind](job)


@dataclass
class _Job:
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

    def label(self, code: str) -> str:
        return company_label(code, company_of(code), self.zh)

    def closes(self, code: str) -> pd.DataFrame:
        """Every stored bar of ``code`` up to what is visible."""
        return self.store.bars(code, end=self.visible)

    def window(self, bars: pd.DataFrame, default_sessions: int | None) -> pd.DataFrame:
        """The bars of the span asked: a day is "since that day"; no period is the last
        ``default_sessions`` (``None``: the whole stored history)."""
        p = self.period
        if p.kind in ("day", "range") and p.start is not None:
            end = min(p.end or self.visible, self.visible) if p.kind == "range" else self.visible
            return bars[(bars.index >= pd.Timestamp(p.start)) & (bars.index <= pd.Timestamp(end))]
        if p.kind == "trailing":
            return bars.tail((p.sessions or 1) + 1)  # N sessions of change need N + 1 closes
        if p.kind == "latest" and default_sessions is not None:
            return bars.tail(default_sessions + 1)
        return bars

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


def _d(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()


def _drawdown_text(job: _Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """One company's drawdown sentence over ``window`` and its numbers."""
    zh = job.zh
    closes = window["close"].astype(float)
    dd, peak, trough, back = max_drawdown(closes)
    now = float(closes.iloc[-1]) / float(closes.max()) - 1
    label = job.label(code)
    first, last = window.index[0], window.index[-1]
    n = len(window)
    numbers = {"max_drawdown": dd, "peak_date": _d(peak), "peak_close": float(closes[peak]),
               "trough_date": _d(trough), "trough_close": float(closes[trough]),
               "recovered_date": _d(back) if back is not None else None, "from_high": now,
               "start": _d(first), "end": _d(last), "sessions": n}
    if dd == 0:
        return ((f"**{label}** {_d(first)} 至 {_d(last)}（{n} 個交易日）收盤價沒有從高點回落過：最大回撤 0%。" if zh else
                 f"**{label}**, {_d(first)} to {_d(last)} ({n} sessions): the close never fell below an earlier "
                 "peak, so the maximum drawdown is 0%."), numbers)
    days = int(((window.index >= peak) & (window.index <= trough)).sum()) - 1
    if zh:
        text = (f"**{label}** {_d(first)} 至 {_d(last)}（{n} 個交易日）的最大回撤為 **{dd:.2%}**："
                f"從 {_d(peak)} 的收盤 {fmt_price(float(closes[peak]))}，{days} 個交易日後跌到 {_d(trough)} 的 "
                f"{fmt_price(float(closes[trough]))}。")
        text += (f"{_d(back)} 收復前高。" if back is not None else
                 f"之後尚未收復前高；最後收盤 {fmt_price(float(closes.iloc[-1]))}，距期間最高收盤 {now:+.2%}。")
    else:
        text = (f"**{label}**, {_d(first)} to {_d(last)} ({n} sessions): the maximum drawdown was **{dd:.2%}**, from "
                f"the {fmt_price(float(closes[peak]))} close on {_d(peak)} to {fmt_price(float(closes[trough]))} on "
                f"{_d(trough)}, {days} sessions later. ")
        text += (f"The close regained that peak on {_d(back)}." if back is not None else
                 f"It has not regained that peak: the last close, {fmt_price(float(closes.iloc[-1]))}, is {now:+.2%} "
                 "from the span's highest close.")
    return text, numbers


def _each_company(job: _Job, default_sessions: int | None, one: Any, summary: Any = None) -> Answer:
    """``one(job, code, window) -> (text, numbers)`` for every company named (up to five), each
    over the span asked; ``indicators`` holds the first company's numbers, and the others' under
    ``"companies"``. With several, ``summary(job, numbers)`` may add a line comparing them."""
    texts, windows, numbers = [], {}, {}
    for code in _named_codes(job):
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
            continue
        window = job.window(bars, default_sessions)
        if len(window) < 2:
            texts.append(job.empty_span(code, bars))
            continue
        text, values = one(job, code, window)
        texts.append(text)
        windows[code] = window
        numbers[code] = values
    if not windows:
        return job.plain("\n\n".join(texts))
    if job.period.kind in ("latest", "all") and default_sessions is None:
        first = min(w.index[0] for w in windows.values())
        job.notices.append(f"期間為資料庫中的全部股價歷史（自 {_d(first)} 起）。" if job.zh else
                           f"The span is the whole stored history (since {_d(first)}), not the history since listing.")
    codes = list(windows)
    main = dict(numbers[codes[0]])
    if len(codes) > 1:
        main["companies"] = numbers
        if summary is not None:
            texts.append(summary(job, numbers))
    return job.answer("\n\n".join(texts), codes, windows, main)


def _drawdown(job: _Job) -> Answer:
    return _each_company(job, None, _drawdown_text)


def _extremes_text(job: _Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """The largest one-day fall and rise (close to close) in ``window``."""
    closes = window["close"].astype(float)
    rets = closes.pct_change().dropna()
    worst, best = rets.idxmin(), rets.idxmax()
    label = job.label(code)
    first, last = window.index[0], window.index[-1]

    def day(ts: pd.Timestamp) -> str:
        before = float(closes.shift(1)[ts])
        note = limit_note(code, before, float(closes[ts]), job.zh)
        return (f"{_d(ts)} {float(rets[ts]):+.2%}{note}（{fmt_price(before)} → {fmt_price(float(closes[ts]))}）" if job.zh else
                f"{float(rets[ts]):+.2%}{note} on {_d(ts)} ({fmt_price(before)} → {fmt_price(float(closes[ts]))})")

    numbers = {"worst_day": _d(worst), "worst_change": float(rets[worst]), "best_day": _d(best),
               "best_change": float(rets[best]), "start": _d(first), "end": _d(last), "sessions": len(window)}
    if job.zh:
        return (f"**{label}** {_d(first)} 至 {_d(last)}（{len(window)} 個交易日）單日最大跌幅：{day(worst)}；"
                f"單日最大漲幅：{day(best)}。"), numbers
    return (f"**{label}**, {_d(first)} to {_d(last)} ({len(window)} sessions): the largest one-day fall was {day(worst)}; "
            f"the largest one-day rise {day(best)}."), numbers


def _extremes(job: _Job) -> Answer:
    return _each_company(job, None, _extremes_text)


def _profile_text(job: _Job, code: str, window: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """How risky the stock has been: volatility, drawdown, the worst day, beta when it can."""
    closes = window["close"].astype(float)
    rets = closes.pct_change().dropna()
    vol = float(rets.std() * math.sqrt(DEFAULT_SESSIONS))
    recent = float(rets.tail(20).std() * math.sqrt(DEFAULT_SESSIONS)) if len(rets) >= 20 else None
    dd, peak, trough, _ = max_drawdown(closes)
    worst = rets.idxmin()
    down = float((rets < 0).mean())
    label = job.label(code)
    first, last, n = window.index[0], window.index[-1], len(window)
    numbers: dict[str, Any] = {"volatility_annualised": vol, "volatility_20d_annualised": recent, "max_drawdown": dd,
                               "worst_day": _d(worst), "worst_change": float(rets[worst]), "down_days": down,
                               "start": _d(first), "end": _d(last), "sessions": n}
    beta_line = ""
    proxy = job.store.bars(MARKET_PROXY, end=job.visible) if code != MARKET_PROXY else pd.DataFrame()
    if not proxy.empty:
        both = pd.concat({"s": closes, "m": proxy["close"].astype(float)}, axis=1, join="inner").pct_change().dropna()
        if len(both) >= MIN_SESSIONS:
            beta = float(both["s"].cov(both["m"]) / both["m"].var())
            numbers["beta"] = beta
            beta_line = (f"；相對 0050 的 beta {beta:.2f}" if job.zh else f"; beta {beta:.2f} against 0050 (the market's stand-in)")
    elif code != MARKET_PROXY:
        beta_line = ("；beta 需要 0050 的股價（`finqa ingest prices 0050`）" if job.zh else
                     f"; beta needs 0050's prices (`finqa ingest prices {MARKET_PROXY}`)")
    if job.zh:
        text = (f"**{label}** {_d(first)} 至 {_d(last)}（{n} 個交易日）的風險：年化波動度 {vol:.1%}"
                + (f"（近 20 日 {recent:.1%}）" if recent is not None else "")
                + f"；最大回撤 {dd:.2%}（{_d(peak)} → {_d(trough)}）；單日最大跌幅 {float(rets[worst]):+.2%}（{_d(worst)}）；"
                f"{down:.0%} 的交易日下跌{beta_line}。")
    else:
        text = (f"**{label}**, {_d(first)} to {_d(last)} ({n} sessions): annualised volatility {vol:.1%}"
                + (f" ({recent:.1%} over the last 20 sessions)" if recent is not None else "")
                + f"; maximum drawdown {dd:.2%} ({_d(peak)} → {_d(trough)}); worst day {float(rets[worst]):+.2%} "
                f"({_d(worst)}); it fell on {down:.0%} of the sessions{beta_line}.")
    return text, numbers


def _profile_summary(job: _Job, numbers: dict[str, dict[str, Any]]) -> str:
    """"Which is riskier?": the most volatile and the deepest drawdown, named."""
    vol = max(numbers, key=lambda c: numbers[c]["volatility_annualised"])
    dd = min(numbers, key=lambda c: numbers[c]["max_drawdown"])
    v, d = numbers[vol]["volatility_annualised"], numbers[dd]["max_drawdown"]
    if job.zh:
        return f"比較：波動度最高的是 {job.label(vol)}（{v:.1%}），回撤最深的是 {job.label(dd)}（{d:.2%}）。"
    return f"Side by side: the most volatile was {job.label(vol)} ({v:.1%}), the deepest drawdown {job.label(dd)}'s ({d:.2%})."


def _profile(job: _Job) -> Answer:
    return _each_company(job, DEFAULT_SESSIONS, _profile_text, _profile_summary)


def _costs(code: str, buy_value: float, sell_value: float) -> tuple[float, float]:
    """(money out including the buy fee, money back after the sell fee and tax)."""
    tax = TAX_ETF if code.startswith("00") else TAX_STOCK
    fee_in = max(MIN_FEE, buy_value * BROKER_FEE)
    fee_out = max(MIN_FEE, sell_value * BROKER_FEE)
    return buy_value + fee_in, sell_value - fee_out - sell_value * tax


def _investment(job: _Job) -> Answer:
    code, zh = job.code, job.zh
    bars = job.closes(code)
    if bars.empty:
        return job.plain(job.missing(code))
    if job.period.kind not in ("day", "range", "trailing"):  # no day to buy on
        return job.plain("請說明何時買進，例如「如果 2024-09-02 買一張台積電，現在值多少？」或「2330 最近三個月的報酬」。" if zh else
                         "Say when the money went in, for example \"if I had invested NT$100,000 in 2330 on "
                         "2024-09-02, what would it be worth?\" or \"2330 return over the last 3 months\".")
    window = job.window(bars, None)
    if len(window) < 2:
        return job.plain(job.empty_span(code, bars))
    label = job.label(code)
    start = job.period.start
    buy_day, sell_day = window.index[0], window.index[-1]
    if start is not None and buy_day.date() != start:
        before_store = start < bars.index[0].date()
        job.notices.append(
            (f"資料庫中的股價從 {_d(bars.index[0])} 才開始，以那天的收盤買進。" if before_store else
             f"{start.isoformat()} 沒有交易，以之後第一個交易日 {_d(buy_day)} 的收盤買進。") if zh else
            (f"The store's prices start on {_d(bars.index[0])}: bought at that day's close." if before_store else
             f"{start.isoformat()} was no trading day: bought at the close of the next session, {_d(buy_day)}."))
    buy, sell = float(window["close"].iloc[0]), float(window["close"].iloc[-1])
    stake = parse_stake(job.asked)
    shares = stake.shares if stake.shares is not None else (
        stake.amount / buy if stake.amount is not None else float(SHARES_PER_LOT))
    cost, proceeds = _costs(code, shares * buy, shares * sell)
    gross = sell / buy - 1
    net = proceeds / cost - 1
    days = (sell_day - buy_day).days
    yearly = (1 + net) ** (365 / days) - 1 if days >= 365 and net > -1 else None
    dd, _, trough, _ = max_drawdown(window["close"].astype(float))
    tax = TAX_ETF if code.startswith("00") else TAX_STOCK
    numbers = {"buy_date": _d(buy_day), "buy_close": buy, "sell_date": _d(sell_day), "sell_close": sell,
               "shares": shares, "invested": shares * buy, "value": shares * sell, "price_return": gross,
               "cost_with_fees": cost, "proceeds_after_costs": proceeds, "net_return": net,
               "annualised_net_return": yearly, "max_drawdown": dd}
    lots = shares / SHARES_PER_LOT
    if zh:
        what = (f"投入 NT${shares * buy:,.0f}" if stake.amount is not None else
                f"買進 {lots:g} 張（{shares:,.0f} 股）" if stake.shares is not None and shares % SHARES_PER_LOT == 0 else
                f"買進 {shares:,.0f} 股" if stake.shares is not None else "買進 1 張（1,000 股）")
        text = (f"**{label}**：{_d(buy_day)} 以收盤價 {fmt_price(buy)} {what}"
                + (f"（約 {shares:,.2f} 股）" if stake.amount is not None else f"，成本 NT${shares * buy:,.0f}")
                + f"，到 {_d(sell_day)} 收盤 {fmt_price(sell)} 時市值 **NT${shares * sell:,.0f}**，股價報酬 {gross:+.2%}。"
                f"扣除手續費（買賣各 0.1425%，最低 NT$20）與賣出時 {tax:.1%} 的證券交易稅後，淨得 NT${proceeds:,.0f}，"
                f"相對總成本 NT${cost:,.0f} 為 {net:+.2%}")
        text += (f"，年化 {yearly:+.2%}。" if yearly is not None else "。")
        text += f"持有期間最大回撤 {dd:.2%}（最低點在 {_d(trough)}）。" if dd < 0 else ""
    else:
        what = (f"NT${shares * buy:,.0f}" if stake.amount is not None else
                f"{lots:g} lot{'s' if lots != 1 else ''} ({shares:,.0f} shares)" if stake.shares is not None and shares % SHARES_PER_LOT == 0 else
                f"{shares:,.0f} shares" if stake.shares is not None else "one lot (1,000 shares)")
        text = (f"**{label}**: {what} bought at the {_d(buy_day)} close of {fmt_price(buy)}"
                + (f" (about {shares:,.2f} shares)" if stake.amount is not None else f" cost NT${shares * buy:,.0f}")
                + f"; at the {_d(sell_day)} close of {fmt_price(sell)} {'it is' if stake.amount is not None else 'they are'} "
                f"worth **NT${shares * sell:,.0f}**, a price return of {gross:+.2%}. After the broker's fee (0.1425% each "
                f"way, at least NT$20) and the {tax:.1%} transaction tax on the sale, NT${proceeds:,.0f} comes back for "
                f"NT${cost:,.0f} paid: {net:+.2%}")
        text += (f", or {yearly:+.2%} a year." if yearly is not None else ".")
        text += f" Along the way it fell as far as {dd:.2%} from its high (on {_d(trough)})." if dd < 0 else ""
    return job.answer(text, [code], {code: window}, numbers)


def _returns(job: _Job, codes: list[str]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]] | str:
    """Daily close-to-close returns of ``codes`` on the sessions all of them have, within the span
    asked (the last year without one); or what is missing, as the answer's text."""
    frames: dict[str, pd.DataFrame] = {}
    for c in codes:
        bars = job.closes(c)
        if bars.empty:
            return job.missing(c)
        frames[c] = bars
    closes = pd.concat({c: f["close"].astype(float) for c, f in frames.items()}, axis=1, join="inner")
    closes = job.window(closes, DEFAULT_SESSIONS)
    rets = closes.pct_change().dropna()
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


def _benchmark(job: _Job, codes: list[str]) -> tuple[list[str], str | None]:
    """``codes`` with a second series to compare against: the market proxy when only one company
    is named (and stored); else a note on what to ingest."""
    if len(codes) >= 2:
        return codes, None
    if codes[0] != MARKET_PROXY and not job.store.bars(MARKET_PROXY, end=job.visible).empty:
        return [codes[0], MARKET_PROXY], None
    label = job.label(MARKET_PROXY)
    return codes, ("finqa 沒有儲存大盤指數，以 0050（元大台灣50，追蹤市值最大的 50 家上市公司）代表市場，但資料庫裡沒有它的股價："
                   f"請執行 `finqa ingest prices {MARKET_PROXY}`，或指定另一家公司，例如「2330 和 2454 的相關性」。" if job.zh else
                   f"No market index is stored; finqa uses {label} (it tracks the exchange's 50 largest companies) as "
                   f"the market, but its prices are not stored: run `finqa ingest prices {MARKET_PROXY}`, or name a "
                   "second company (\"correlation between 2330 and 2454\").")


def _named_codes(job: _Job) -> list[str]:
    return list(dict.fromkeys(c for c in [job.code, *job.req.codes] if c))[:5]


def _correlation(job: _Job) -> Answer:
    named = _named_codes(job)
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
    lines, numbers = [], {"start": _d(first), "end": _d(last), "sessions": n, "correlation": {}}
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            r = float(corr.loc[a, b])
            numbers["correlation"][f"{a}/{b}"] = r
            lines.append(f"- {job.label(a)} 與 {job.label(b)}：{r:+.2f}（{_strength(r, True)}）" if job.zh else
                         f"- {job.label(a)} and {job.label(b)}: {r:+.2f} ({_strength(r, False)} correlation)")
    proxy = MARKET_PROXY in codes and MARKET_PROXY not in _named_codes(job)
    if job.zh:
        head = (f"{_d(first)} 至 {_d(last)} 共 {n} 個交易日的日報酬相關係數"
                + ("（以 0050 代表市場）" if proxy else "") + "：")
        tail = "相關係數介於 -1 與 +1：+1 表示每天同方向、同比例變動，0 表示沒有線性關係。"
    else:
        head = (f"Correlation of daily returns over the {n} sessions from {_d(first)} to {_d(last)}"
                + (" (0050 stands for the market)" if proxy else "") + ":")
        tail = "Correlation runs from −1 to +1: +1 means the two move the same way every day, 0 means no linear relation."
    return job.answer("\n".join([head, *lines, tail]), codes, window, numbers)


# "beta of 2330 against 2454": the second company is the benchmark; "beta of 2330 and 2454": each
# against the market.
_AGAINST = re.compile(r"\b(?:against|vs\.?|versus|relative to|compared (?:to|with))\b|相对|对于")


def _beta(job: _Job) -> Answer:
    named = _named_codes(job)
    if len(named) >= 2 and _AGAINST.search(to_simplified(job.asked).lower()):
        pairs = [(named[0], named[1])]
    else:
        if job.store.bars(MARKET_PROXY, end=job.visible).empty and named != [MARKET_PROXY]:
            return job.plain(_benchmark(job, named[:1])[1] or "")
        pairs = [(c, MARKET_PROXY) for c in named if c != MARKET_PROXY]
    texts, numbers, windows = [], {}, {}
    for stock, bench in pairs:
        got = _returns(job, [stock, bench])
        if isinstance(got, str):
            texts.append(got)
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
    return job.answer("\n\n".join(texts), list(windows), windows, main)


def _beta_text(job: _Job, stock: str, bench: str, rets: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """One company's beta against ``bench`` from their common daily returns."""
    x, y = rets[bench], rets[stock]
    beta = float(y.cov(x) / x.var())
    r = float(y.corr(x))
    vol = {c: float(rets[c].std() * math.sqrt(DEFAULT_SESSIONS)) for c in (stock, bench)}
    first, last, n = rets.index[0], rets.index[-1], len(rets)
    numbers = {"beta": beta, "correlation": r, "r_squared": r * r, "benchmark": bench,
               "volatility_annualised": vol, "start": _d(first), "end": _d(last), "sessions": n}
    sl, bl = job.label(stock), job.label(bench)
    if job.zh:
        return (f"**{sl}** 相對 {bl} 的 beta 為 **{beta:.2f}**（{_d(first)} 至 {_d(last)}，{n} 個交易日的日報酬）："
                f"{bench} 每變動 1%，{stock} 平均變動 {beta:.2f}%。相關係數 {r:+.2f}，R² {r * r:.2f}"
                f"（{stock} 的日波動中約 {r * r:.0%} 可由 {bench} 解釋）。年化波動度：{stock} {vol[stock]:.1%}、"
                f"{bench} {vol[bench]:.1%}。"), numbers
    return (f"**{sl}** has a beta of **{beta:.2f}** against {bl} (daily returns, {n} sessions from {_d(first)} to "
            f"{_d(last)}): a 1% move in {bench} came with a {beta:.2f}% move in {stock} on average. Correlation "
            f"{r:+.2f}, R² {r * r:.2f} (about {r * r:.0%} of {stock}'s daily variance moves with {bench}). "
            f"Annualised volatility: {stock} {vol[stock]:.1%}, {bench} {vol[bench]:.1%}."), numbers


def _fee(value: float) -> float:
    return max(MIN_FEE, value * BROKER_FEE) if value > 0 else 0.0


def _cost(job: _Job) -> Answer:
    """What a lot costs at the last close, or how many lots and odd-lot shares an amount buys,
    the broker's fee included ("一張台積電多少錢", "how many shares of TSMC can I buy with NT$100,000?")."""
    code, zh = job.code, job.zh
    bars = job.closes(code)
    if bars.empty:
        return job.plain(job.missing(code))
    price, day = float(bars["close"].iloc[-1]), bars.index[-1]
    label = job.label(code)
    stake = parse_stake(job.asked)
    lot = price * SHARES_PER_LOT
    numbers: dict[str, Any] = {"date": _d(day), "close": price, "lot_cost": lot, "lot_cost_with_fee": lot + _fee(lot)}
    if stake.amount is not None:
        budget = stake.amount
        lots = int(budget // (lot + _fee(lot)))
        rest = budget - lots * lot - (_fee(lots * lot) if lots else 0.0)
        odd = int(rest // (price * (1 + BROKER_FEE)))
        while odd > 0 and odd * price + _fee(odd * price) > rest:  # the NT$20 minimum fee on a small order
            odd -= 1
        spent = lots * lot + (_fee(lots * lot) if lots else 0.0) + (odd * price + _fee(odd * price) if odd else 0.0)
        numbers.update(budget=budget, lots=lots, odd_shares=odd, spent=spent, left=budget - spent)
        if zh:
            text = (f"**{label}** {_d(day)} 收盤 {fmt_price(price)}：NT${budget:,.0f} 可買 **{lots} 張**"
                    + (f"加 {odd:,} 股零股" if odd else "") + f"（含手續費共 NT${spent:,.0f}，剩 NT${budget - spent:,.0f}）。"
                    f"一張（1,000 股）NT${lot:,.0f}，加手續費 NT${lot + _fee(lot):,.0f}。")
        else:
            text = (f"**{label}** at the {_d(day)} close of {fmt_price(price)}: NT${budget:,.0f} buys **{lots} lot{'s' if lots != 1 else ''}**"
                    + (f" and {odd:,} odd-lot shares" if odd else "") + f" (NT${spent:,.0f} with the broker's fee, NT${budget - spent:,.0f} "
                    f"left). One lot (1,000 shares) is NT${lot:,.0f}, NT${lot + _fee(lot):,.0f} with the fee.")
    else:
        n = int((stake.shares or SHARES_PER_LOT) // SHARES_PER_LOT) or 1
        total = n * lot
        numbers.update(lots=n, cost=total, cost_with_fee=total + _fee(total))
        if zh:
            text = (f"**{label}** {_d(day)} 收盤 {fmt_price(price)}：{n} 張（{n * SHARES_PER_LOT:,} 股）NT${total:,.0f}，"
                    f"加手續費（0.1425%，最低 NT$20）共 **NT${total + _fee(total):,.0f}**。不到一張可用零股交易，"
                    f"一股 {fmt_price(price)}。")
        else:
            text = (f"**{label}** at the {_d(day)} close of {fmt_price(price)}: {n} lot{'s' if n != 1 else ''} "
                    f"({n * SHARES_PER_LOT:,} shares) cost{'s' if n == 1 else ''} NT${total:,.0f}, **NT${total + _fee(total):,.0f}** with the "
                    f"broker's fee (0.1425%, at least NT$20). Less than a lot trades as odd-lot shares at "
                    f"{fmt_price(price)} each.")
    return job.answer(text, [code], {code: bars.tail(1)}, numbers)


# --- a portfolio ------------------------------------------------------------------------------
_QTY = (r"(\d[\d,]*|[一二两三四五六七八九十百]+|a|one)\s*(?:个)?\s*(lots?|shares?|张|股)(?![a-z价票市东])")
_QTY_BEFORE = re.compile(_QTY + r"\s*(?:of|in)?\s*$")
_QTY_AFTER = re.compile(r"^\s*[:：,，]?\s*" + _QTY)


def _quantity(number: str, unit: str) -> float | None:
    n = 1 if number in ("a", "one") else (int(number.replace(",", "")) if number[0].isdigit() else zh_number(number))
    if not n:
        return None
    return float(n * (SHARES_PER_LOT if unit.startswith("lot") or unit == "张" else 1))


def parse_positions(message: str) -> list[tuple[str, float | None]]:
    """``(code, shares)`` for each company ``message`` names, the shares read next to the name:
    "2 lots of 2330 and 5 lots of 2454", "1000 shares of TSMC", "台積電3張、聯發科2張" (a lot, 張, is
    1,000 shares). ``None`` where no quantity stands next to a name."""
    import unicodedata

    from ingest.companies import get_directory

    directory = get_directory()
    folded = unicodedata.normalize("NFKC", message or "")
    spans = directory.mention_spans(folded)
    text = to_simplified(folded).lower()  # one character for one: the spans' positions still hold
    out: list[tuple[str, float | None]] = []
    for i, (start, end, code) in enumerate(spans):
        before = text[spans[i - 1][1] if i else 0:start]
        after = text[end:spans[i + 1][0] if i + 1 < len(spans) else len(text)]
        m = _QTY_BEFORE.search(before) or _QTY_AFTER.search(after)
        shares = _quantity(m.group(1), m.group(2)) if m else None
        if code not in {c for c, _ in out}:
            out.append((code, shares))
    return out


def _portfolio(job: _Job) -> Answer:
    """A portfolio's value at the last close and its change over the span asked (the last 20
    sessions without one), position by position, from the quantities next to each name."""
    zh = job.zh
    positions = parse_positions(job.asked)
    unsized = [c for c, q in positions if q is None]
    held = [(c, q) for c, q in positions if q]
    if not held:
        return job.plain("請寫出每檔的股數或張數，例如「我持有台積電 2 張、聯發科 500 股，上個月表現如何？」" if zh else
                         "Say how much of each you hold, for example \"I hold 2 lots of 2330 and 500 shares of 2454: "
                         "how did my portfolio do last month?\" (a lot is 1,000 shares).")
    frames: dict[str, pd.DataFrame] = {}
    texts: list[str] = []
    for code, _ in held:
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
        else:
            frames[code] = bars
    if not frames:
        return job.plain("\n".join(texts))
    closes = pd.concat({c: f["close"].astype(float) for c, f in frames.items()}, axis=1).ffill()
    p = job.period
    if p.kind in ("day", "range") and p.start is not None:
        end = min(p.end or job.visible, job.visible) if p.kind == "range" else job.visible
        before = closes[closes.index < pd.Timestamp(p.start)]
        inside = closes[(closes.index >= pd.Timestamp(p.start)) & (closes.index <= pd.Timestamp(end))]
        start_row = before.iloc[-1] if len(before) else (inside.iloc[0] if len(inside) else None)
        start_day = before.index[-1] if len(before) else (inside.index[0] if len(inside) else None)
    else:
        sessions = p.sessions if p.kind == "trailing" and p.sessions else 20
        inside = closes.tail(sessions + 1)
        start_row, start_day = inside.iloc[0], inside.index[0]
        inside = inside.iloc[1:] if len(inside) > 1 else inside
    if start_row is None or inside.empty:
        return job.plain("\n".join([*texts, job.empty_span(next(iter(frames)), frames[next(iter(frames))])]))
    end_row, end_day = inside.iloc[-1], inside.index[-1]
    qty = dict(held)
    rows = []
    for code in frames:
        if pd.isna(start_row[code]) or pd.isna(end_row[code]):
            texts.append(f"{job.label(code)}：期間內沒有股價，未計入。" if zh else
                         f"{job.label(code)} has no prices in the span and is left out.")
            continue
        v0, v1 = qty[code] * float(start_row[code]), qty[code] * float(end_row[code])
        rows.append((code, qty[code], v0, v1))
    if not rows:
        return job.plain("\n".join(texts))
    total0, total1 = sum(r[2] for r in rows), sum(r[3] for r in rows)
    lines = []
    for code, q, v0, v1 in sorted(rows, key=lambda r: -r[3]):
        lots = q / SHARES_PER_LOT
        size = ((f"{lots:g} 張" if q % SHARES_PER_LOT == 0 else f"{q:,.0f} 股") if zh else
                (f"{lots:g} lot{'s' if lots != 1 else ''}" if q % SHARES_PER_LOT == 0 else f"{q:,.0f} shares"))
        lines.append(f"- {job.label(code)} {size}：NT${v1:,.0f}（占 {v1 / total1:.0%}），{v1 / v0 - 1:+.2%}" if zh else
                     f"- {size} of {job.label(code)}: NT${v1:,.0f} ({v1 / total1:.0%} of it), {v1 / v0 - 1:+.2%}")
    span = f"{_d(start_day)} → {_d(end_day)}"
    if p.kind not in ("day", "range"):
        n = len(inside)
        span = f"近 {n} 個交易日（{span}）" if zh else f"over the last {n} sessions ({span})"
    gain = total1 - total0
    money = f"{'+' if gain >= 0 else '−'}NT${abs(gain):,.0f}"
    if zh:
        head = (f"**你的持股**在 {_d(end_day)} 收盤市值 **NT${total1:,.0f}**；{span}：NT${total0:,.0f} → "
                f"NT${total1:,.0f}，{total1 / total0 - 1:+.2%}（{money}，未計手續費與稅）。")
    else:
        head = (f"**Your portfolio** is worth **NT${total1:,.0f}** at the {_d(end_day)} closes; {span}: "
                f"NT${total0:,.0f} → NT${total1:,.0f}, {total1 / total0 - 1:+.2%} ({money}, before fees and taxes).")
    if unsized:
        texts.append(f"沒有寫出數量、未計入：{'、'.join(unsized)}。" if zh else
                     f"Left out, no quantity given: {', '.join(unsized)}.")
    numbers = {"start": _d(start_day), "end": _d(end_day), "value_start": total0, "value_end": total1,
               "return": total1 / total0 - 1,
               "positions": [{"code": c, "shares": q, "value_start": v0, "value_end": v1} for c, q, v0, v1 in rows]}
    window = {c: frames[c][(frames[c].index > start_day) & (frames[c].index <= end_day)] for c, *_ in rows}
    window = {c: w if len(w) else frames[c].tail(1) for c, w in window.items()}
    return job.answer("\n".join([head, *lines, *texts]), [c for c, *_ in rows], window, numbers)


# --- rankings by risk ------------------------------------------------------------------------
# "Which stock had the deepest drawdown in 2025?", "most volatile stocks", "哪檔股票波動最大":
# the stored Taiwan companies ranked by a risk measure. Only without a company named (a named
# company's drawdown is its own answer above).
_RANK_CUE = re.compile(
    r"\b(?:which|what)\b.{0,40}\b(?:stocks?|shares|companies|tickers|one)\b|\b(?:rank|ranking|top \d+)\b"
    r"|\b(?:most|least) volatile\b|\b(?:biggest|largest|deepest|worst|smallest|shallowest)\s+drawdowns?\b"
    r"|哪(?:一)?(?:档|支|只|家|些|个)|排行|排名")
_VOLATILITY = re.compile(r"\bvolatil\w*|波动")
_LEAST = re.compile(r"\b(?:least|lowest|smallest|shallowest|safest|calmest|most stable)\b|最(?:小|低|稳|浅)")
RANK_MIN_SESSIONS = 20


def risk_ranking_kind(message: str, codes: list[str]) -> str | None:
    """``drawdown``, ``volatility`` or ``extremes`` when ``message`` ranks the stored companies by
    one ("which stock had the biggest drawdown?"); ``None`` otherwise, or when it names a company."""
    if not message or codes:
        return None
    s = QUOTED.sub(" ", to_simplified(message).lower())
    if _FUTURE.search(s) or not _RANK_CUE.search(s):
        return None
    kind = next((k for k, rx in _KINDS if rx.search(s)), None)
    if kind == "risk" or (kind is None and (_VOLATILITY.search(s) or re.search(r"\brisk(?:y|ier|iest)?\b|风险", s))):
        return "volatility"  # "riskiest stocks", "rank by risk": by volatility, the usual measure
    return kind if kind in ("drawdown", "extremes") else None


def risk_ranking(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The stored Taiwan companies ranked by drawdown, volatility or their worst day over the span
    asked (the last 250 sessions by default), point in time; ``None`` when ``req`` asks no such
    ranking."""
    from .movers import is_taiwan, top_n

    codes = [c for c in [req.code, *req.codes] if c]
    kind = risk_ranking_kind(req.message, codes)
    if kind is None:
        return None
    zh = has_cjk(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    visible = ref - timedelta(days=1) if req.as_of else ref
    period = parse_period(req.message, ref)
    notices = list(req.notices)
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=no_such_day(period, zh))
    everything = store.all_bars()
    everything = everything[everything["date"] <= pd.Timestamp(visible)]
    job = _Job(req=req, store=store, code="", period=period, visible=visible, zh=zh, notices=notices, asked=req.message)
    rows, short = [], []
    for code, g in everything.groupby("code", sort=True):
        code = str(code)
        if not is_taiwan(code):
            continue
        window = job.window(g.set_index("date"), DEFAULT_SESSIONS)
        closes = window["close"].astype(float)
        if len(closes) <= RANK_MIN_SESSIONS:
            short.append(code)
            continue
        rets = closes.pct_change().dropna()
        dd, peak, trough, _ = max_drawdown(closes)
        worst = rets.idxmin()
        rows.append({"code": code, "name": job.label(code), "drawdown": dd, "peak_date": _d(peak),
                     "trough_date": _d(trough), "volatility": float(rets.std() * math.sqrt(DEFAULT_SESSIONS)),
                     "worst_change": float(rets[worst]), "worst_day": _d(worst),
                     "start": _d(window.index[0]), "end": _d(window.index[-1])})
    if not rows:
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=(
            f"資料庫中沒有任何公司在{period_label(period, True) if period.kind != 'latest' else '這段期間'}有超過 {RANK_MIN_SESSIONS} 個交易日的股價可排名。" if zh else
            f"No stored company has more than {RANK_MIN_SESSIONS} sessions of prices "
            f"{'for ' + period_label(period, False) if period.kind != 'latest' else 'to rank'}."))
    s = QUOTED.sub(" ", to_simplified(req.message).lower())
    least = bool(_LEAST.search(s))
    key = {"drawdown": "drawdown", "volatility": "volatility", "extremes": "worst_change"}[kind]
    # Deepest drawdown and worst day are the most negative; the most volatile the largest.
    descending = (kind == "volatility") != least
    ranked = sorted(rows, key=lambda r: r[key], reverse=descending)[:top_n(s)]
    start, end = min(r["start"] for r in rows), max(r["end"] for r in rows)
    if zh:
        what = {"drawdown": "最大回撤" + ("最淺" if least else "最深"), "volatility": "年化波動度" + ("最低" if least else "最高"),
                "extremes": "單日跌幅" + ("最小" if least else "最大")}[kind]
        head = f"**{start} 至 {end}**，資料庫中 {len(rows)} 家有股價的公司裡{what}的："
    else:
        what = {"drawdown": ("shallowest" if least else "deepest") + " maximum drawdown",
                "volatility": ("lowest" if least else "highest") + " annualised volatility",
                "extremes": ("mildest" if least else "worst") + " one-day fall"}[kind]
        head = f"**{start} to {end}**, the {what} among the {len(rows)} companies with stored prices:"
    lines = []
    for i, r in enumerate(ranked, 1):
        if kind == "drawdown":
            detail = f"{r['drawdown']:.2%}（{r['peak_date']} → {r['trough_date']}）" if zh else \
                f"{r['drawdown']:.2%} ({r['peak_date']} → {r['trough_date']})"
        elif kind == "volatility":
            detail = f"{r['volatility']:.1%}"
        else:
            detail = f"{r['worst_change']:+.2%}（{r['worst_day']}）" if zh else f"{r['worst_change']:+.2%} ({r['worst_day']})"
        lines.append(f"{i}. {r['name']} {detail}")
    if period.kind == "latest":
        notices.append(f"沒有指定期間：每家公司取最近 {DEFAULT_SESSIONS} 個交易日（或資料庫中較短的全部歷史）。" if zh else
                       f"No period named: each company's last {DEFAULT_SESSIONS} sessions (or its whole stored history when shorter).")
    if short:
        notices.append(f"{len(short)} 家公司的股價不足 {RANK_MIN_SESSIONS} 個交易日，未列入：{'、'.join(short)}。" if zh else
                       f"Left out, fewer than {RANK_MIN_SESSIONS} sessions of prices: {', '.join(short)}.")
    foot = ("（由 finqa 的股價資料庫以收盤價計算，未經語言模型；只排名有儲存股價的公司，不是整個交易所。） [1]" if zh else
            "(Computed from the closes in finqa's price store; no language model was involved. Only companies with "
            "stored prices are ranked: this is not the whole exchange.) [1]")
    citation = Citation(n=1, title=(f"finqa 股價資料庫：{len(rows)} 家公司的日成交資料 {start} 至 {end}" if zh else
                                    f"finqa price store: daily prices of {len(rows)} companies, {start} to {end}"),
                        source="finqa store", date=end, url=None)
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join([head, "\n".join(lines), foot]), citations=[citation],
                  notices=notices, ranking={kind: [{**r, "value": r[key]} for r in ranked]})


__all__ = ["MARKET_PROXY", "Stake", "is_risk_question", "max_drawdown", "parse_stake", "risk_answer", "risk_kind",
           "risk_ranking", "risk_ranking_kind"]
