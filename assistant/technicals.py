"""Technical indicators of one company from the store: "2330 5日均線", "台積電月線在哪", "TSMC RSI",
"2454 KD值", "MACD of 2317", "how volatile is 2330?".

Why here and not in the news: these numbers are computed from the stored daily bars, exactly, and
every Taiwanese charting tool shows them (週線/月線/季線 are the 5/20/60-day moving averages), so a
question about them deserves the number, not the closest news sentence. "5日均線" also carries a
"5 days" that the slot parser reads as a forecast horizon; the router asks :func:`is_indicator_question`
first.

Definitions are the usual ones and shared with the forecaster's candidate sequences
(``ingest.indicators.add_indicators``): RSI 14 (Wilder), KD 9/3/3, MACD 12/26/9, Bollinger 20/2;
moving averages of the close; volatility is the 20-session standard deviation of daily returns,
annualised with 250 sessions (``risk.annualised_volatility``, so that "how volatile is 2330?"
and "how risky is 2330?" give the same number). Point in time: with an as-of date D only bars strictly
before D are read; a day named in the question reads the bars up to that day.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


from .i18n import answers_zh
from .indicator_history import asked_level, last_time, span_lines
from .periods import day_shift, no_such_day, parse_period, shifted_day
from .price_facts import ENGINE, NOT_A_FACT, STALE_DAYS, TAIPEI, stale_notice, visible_day
from .price_format import bar_of, company_label, company_of, fmt_price, source_name
from .risk import annualised_volatility
from .slots import plural_back, unquoted, zh_number
from .types import Answer, Citation, EngineRequest

# Matched on simplified, lower-cased text. Taiwan's names for the moving averages first.
_MA_NAMES = {"周线": 5, "月线": 20, "季线": 60, "半年线": 120, "年线": 240}
_MA = re.compile(
    r"(\d{1,3}|[一二三四五六七八九十百两]{1,4})\s*(?:(?:日|天|周|个月)?\s*(?:均线|移动平均)|(?:日|天|周)\s*线)"
    # "2330 60-day average" is its moving average ("20-day average volume" the shares traded: price_records)
    r"|\b(?:ma|sma)\s*-?\s*(\d{1,3})\b|\b(\d{1,3})\s*-?\s*(?:day|week|d)\s+(?:(?:simple |moving )?averages?|s?ma)\b"
    r"(?!\s+(?:daily\s+)?(?:trading\s+)?(?:volume|turnover|range|change|return|gain|loss|move))"
    # "is it above the 60 day?", "did it cross the 20-day?": a moving average by its length alone
    r"|\b(?:above|below|over|under|cross(?:es|ed|ing)?|break(?:s|ing)?|broke|reclaim(?:ed|s)?|hold(?:s|ing)?)\s+(?:the|its)\s+"
    r"(\d{1,3})\s*-?\s*(?:day|d)\b(?:\s+line)?\s*[?？.!]*\s*$"
    # ("成交量均線", "volume moving average": the shares traded a session, price_records' average volume)
    r"|(半年线|年线|季线|月线|周线)|(?<!volume )\bmoving averages?\b|(?<!量)均线"
    # the bias ratio (乖離率) is the close's distance from its averages, which each average's line gives
    r"|乖离率?|\bbias ratio\b|\b(?:ma|moving averages?)\s*bias\b|\b(?:distance|deviation) from (?:the |its )?(?:moving )?averages?\b"
)
# Exponential averages are their own indicator ("ema:20"), not a simple average under another name.
_EMA = re.compile(r"\bema\s*-?\s*(\d{1,3})\b|\b(\d{1,3})\s*-?\s*(?:day|d)\s+exponential moving averages?\b|(\d{1,3})\s*日?指数移动平均")
_OVERBOUGHT = r"\bover\s*-?\s*(?:bought|sold)\b|超买|超卖"
# "where should I put a stop loss on 2330?", 台積電停損點: the levels and the volatility such a stop
# is set against, never a level picked for the user.
_STOP_LOSS = r"\bstop\s*-?\s*loss(?:es)?\b|\bstop orders?\b|\btake\s*-?\s*profits?\b|停损|止损|停利|止盈|停损点"
_KINDS = {
    # "is TSMC overbought?", 台積電超賣了嗎: the two oscillators that read it (_OVERBOUGHT in both).
    "rsi": re.compile(r"\brsi\b|相对强弱|" + _OVERBOUGHT),
    "kd": re.compile(r"(?<![a-z])kd(?:j)?(?![a-z])|\bstochastics?\b|随机指标|" + _OVERBOUGHT),
    "macd": re.compile(r"\bmacd\b|指数平滑异同"),
    "bollinger": re.compile(r"\bbollinger\b|布林"),
    # "2330 ATR", "台積電真實波幅": the average true range, the day's range with its gap from the close before
    "atr": re.compile(r"(?<![a-z])atr(?![a-z])|\baverage true range\b|真实波幅|平均真实(?:波幅|区间|范围)|真实波动幅度"
                      # "average daily range", "平均振幅": a usual day's high-to-low move, which ATR measures
                      r"|\baverage (?:daily |day's |intraday )?(?:trading )?range\b|平均(?:每日|每天|单日)?(?:振幅|波幅)"),
    "volatility": re.compile(r"\bvolatil\w*|波动|\bstd\b|\bstandard deviation\b|\bstdev\b|标准差|" + _STOP_LOSS),
    # "did 2330 have a golden cross?", 台積電黃金交叉了嗎, 死叉: the recent crossovers.
    # A bare "cross" only beside what crosses: "did 2330 cross 1000?" is a price target.
    "cross": re.compile(r"\b(?:golden|death)\s+cross(?:es|ed|ing)?\b|\bcrossovers?\b"
                        r"|\b(?:ma\d*|moving averages?|averages?|kd|k and d|macd|signal(?: line)?)\b.{0,30}\bcross(?:es|ed|ing)?\b"
                        r"|\bcross(?:es|ed|ing)?\b.{0,30}\b(?:ma\d*|moving averages?|averages?|signal(?: line)?|d line)\b"
                        r"|黄金交叉|死亡交叉|金叉|死叉|交叉(?!持股)"),
    # "is 2330 in an uptrend?", 台積電現在是多頭還是空頭: the moving averages' order (多頭/空頭排列).
    "trend": re.compile(r"\b(?:up|down)-?trends?\b|\b(?:in|on) an? (?:up|down)(?:ward)? trend\b|\btrend (?:direction|of the price)\b"
                        r"|\bprice trend\b|\b(?:bullish|bearish) trend\b|\btrending (?:up|down|higher|lower)\b"
                        # "2330 trend", "what's the trend?" (not "2330 volume trend": the volume over time)
                        r"|(?<!volume )(?<!volume's )\btrend\s*[?？.!]*\s*$|\bwhat(?:'s| is) (?:the|its) trend\b(?!.{0,25}\bvolume\b)"
                        r"|多头还是空头|空头还是多头|多头排列|空头排列|均线排列|偏多还是偏空"
                        # not "成交量趨勢" (volume over time: the price answer)
                        r"|(?<!量)(?<!量能)(?<!量的)(?<!量之)趋势(?:向上|向下|如何|怎么样|怎样|是)?"),
    # "support and resistance", 支撐與壓力; not "government support" or 關稅壓力 (tariff pressure).
    "levels": re.compile(r"\bsupport\s*(?:and|&|/)\s*resistance\b|\bresistance\s*(?:and|&|/)\s*support\b"
                         r"|\b(?:support|resistance)\s+(?:levels?|lines?|zones?|prices?)\b"
                         r"|支撑|压力(?:位|区|价|线)|阻力(?:位|区|价|线)|(?<=[和与及跟、])(?:压力|阻力)|(?:压力|阻力)(?=[和与及跟、])|"
                         + _STOP_LOSS),
}
_ALL = re.compile(r"\btechnicals?\b|\btechnical (?:indicators?|analysis|picture|signals?)\b|技术指标|技术面|技术分析"
                  # "what do the indicators say about 2317?", "2330's indicators", "指標怎麼看"
                  r"|\b(?:the|its|all)\s+indicators\b|['’]s\s+indicators\b|\bindicators\s+(?:say|show|for|of|on)\b|指标(?:怎么看|如何|呢)")
DEFAULT_MAS = (5, 20, 60)
VOL_WINDOW = 20


def _wanted(s: str) -> tuple[list[int], list[str]]:
    """(moving-average lengths, other indicators) that ``s`` asks for."""
    mas: list[int] = []
    for m in _MA.finditer(s):
        number, en_ma, name = m.group(1), m.group(2), m.group(5)
        en_day = m.group(3) or m.group(4)  # "60-day average", "above the 60 day"
        if name:
            mas.append(_MA_NAMES[name])
        elif number:
            n = int(number) if number.isdigit() else zh_number(number)
            unit = s[m.start():m.end()]
            n = (n or 0) * (5 if "周" in unit else 21 if "个月" in unit else 1)
            if 2 <= n <= 500:
                mas.append(n)
        elif en_ma or en_day:
            n = int(en_ma or en_day)
            unit = m.group(0)
            n *= 5 if "week" in unit else 1
            if 2 <= n <= 500:
                mas.append(n)
        else:
            mas.extend(DEFAULT_MAS)  # "moving averages" / 均線: the three everyone reads
    others = [f"ema:{n}" for m in _EMA.finditer(s) if 2 <= (n := int(next(g for g in m.groups() if g))) <= 500]
    others += [k for k, rx in _KINDS.items() if rx.search(s)]
    if _ALL.search(s):
        mas = mas or list(DEFAULT_MAS)
        others = list(dict.fromkeys([*others, "trend", "rsi", "kd", "macd", "bollinger", "volatility"]))
    return list(dict.fromkeys(mas)), others


def is_indicator_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks for a technical indicator of the company ``code``."""
    if not code or not message:
        return False
    s = unquoted(message)
    if NOT_A_FACT.search(s):  # "will the MA5 cross the MA20 next week?" is a forecast
        return False
    mas, others = _wanted(s)
    if not mas and others == ["volatility"] and asks_span_volatility(message):
        return False  # "2330 volatility in 2025": over that span (risk), not the last 20 sessions
    return bool(mas or others)


def asks_volatility_only(message: str) -> bool:
    """Whether the only indicator ``message`` asks for is volatility ("哪個波動比較大"): the risk
    profile, which a comparison of risk also answers, already gives its last 20 sessions."""
    mas, others = _wanted(unquoted(message or ""))
    return not mas and others == ["volatility"]


def asks_span_volatility(message: str) -> bool:
    """Whether ``message`` asks for volatility over a span of several sessions it names ("2330
    volatility in 2025", "台積電今年以來的波動"): the risk profile's, computed over the span."""
    s = unquoted(message)
    return bool(_KINDS["volatility"].search(s)) and parse_period(message, date.today()).kind in ("range", "trailing", "all")


@dataclass
class _Reading:
    """One company's indicators: its sentences (or why there are none), and what the answer
    carries with them."""

    code: str
    text: str
    notices: list[str] = field(default_factory=list)
    citation: tuple[str, str, str] | None = None  # title, source, date
    bars: list[Any] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def indicator_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The indicators asked for, from the store; ``None`` when ``req`` asks for none. Every
    company the message names gets its own ("2330 vs 2454 volatility"), side by side."""
    code = req.code
    asked = req.message
    if not is_indicator_question(req.message, code):
        # A follow-up ("and 2454?", "what about 2025-04-07?") asks the same indicators of another
        # company or day.
        previous = req.follows_price_question
        from .price_facts import asks_which_did_better, asks_which_is_better

        from .figures import asked_figures

        if (not (previous and is_indicator_question(previous, code)) or asks_which_is_better(req.message)
                or asks_which_did_better(req.message) or asked_figures(req.message)):
            # "哪個比較好" after their RSI: side by side, no pick; "哪個報酬比較好": their changes; "那籌碼呢":
            # a figure of its own
            return None
        asked = previous
    assert code is not None
    zh = answers_zh(req.message)
    s = unquoted(asked)
    mas, others = _wanted(s)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    visible = visible_day(ref, req.as_of)
    period = parse_period(req.message, ref)
    if period.kind == "latest" and asked is not req.message:
        # a follow-up: the day of the question it follows, moved a session by "and the next day?"
        period = shifted_day(store, code, parse_period(asked, ref), day_shift(req.message), visible)
    elif (period.kind == "latest" and req.follows_price_question and len(set(req.codes)) > 1
          and plural_back(unquoted(req.message))):
        # "which one is more volatile?" after both companies' April: read at the end of April
        before = parse_period(req.follows_price_question, ref)
        if before.kind in ("day", "range"):
            period = before
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=list(req.notices), code=code,
                      answer=no_such_day(period, zh))
    # A day, or the end of a month or range ("RSI at the end of March"); never after what is visible.
    day = min(period.end, visible) if period.kind in ("day", "range") and period.end else visible
    codes = list(dict.fromkeys(c for c in [code, *req.codes] if c))
    # "2330 RSI in April 2025": the path through the span too; "when did its RSI last go below 30?": that day
    span = period if ((period.kind == "range" and period.start and period.start < day)
                      or (period.kind == "trailing" and (period.sessions or 0) > 1)) else None
    level = asked_level(asked)
    readings = [_read(store, c, day, mas, others, zh, span=span, level=level, cross=asked_cross(asked)) for c in codes]
    notices = list(req.notices)
    for r in readings:
        notices.extend(n for n in r.notices if n not in notices)
    parts: list[str] = []
    citations: list[Citation] = []
    for r in readings:
        if r.citation is None:
            parts.append(r.text)
            continue
        title, source, when = r.citation
        citations.append(Citation(n=len(citations) + 1, title=title, source=source, date=when, url=None))
        parts.append(f"{r.text} [{len(citations)}]")
    vols = [(r.code, r.values["volatility_annualised"]) for r in readings if "volatility_annualised" in r.values]
    if len(vols) > 1:
        ranked = sorted(vols, key=lambda t: -t[1])
        parts.append((f"比較（近 {VOL_WINDOW} 個交易日年化波動度）：" if zh else
                      f"Side by side (annualised volatility, last {VOL_WINDOW} sessions): ") +
                     ("、" if zh else ", ").join(f"{c} {v:.1%}" for c, v in ranked) + ("。" if zh else "."))
    rsis = [(r.code, r.values["rsi14"]) for r in readings if r.values.get("rsi14") is not None]
    if len(rsis) > 1:  # "rank 2330 2454 2317 by RSI": highest first
        parts.append(("比較（RSI(14)，由高到低）：" if zh else "Side by side (RSI(14), highest first): ") +
                     ("、" if zh else ", ").join(f"{c} {v:.1f}" for c, v in sorted(rsis, key=lambda t: -t[1]))
                     + ("。" if zh else "."))
    if citations and re.search(_STOP_LOSS, s):
        parts.append("finqa 不替你設定停損或停利：以上是常被用來設定它的價位（支撐與壓力）與日波動度，設在哪裡、承擔多少風險由你決定。" if zh else
                     "finqa does not set a stop-loss or take-profit for you: above are the levels (support and resistance) "
                     "and the daily volatility such orders are usually set against; where to put one, and how much risk "
                     "to take, is yours to decide.")
    if citations:
        parts.append("（數字由 finqa 的股價資料庫計算，未經語言模型；技術指標描述過去的走勢，不是預測，也不是投資建議。）" if zh else
                     "(Computed from finqa's price store; no language model was involved. Indicators describe the past, "
                     "they are no forecast and no investment advice.)")
    found = [r for r in readings if r.citation is not None]
    if len(codes) == 1:
        values = readings[0].values
    else:  # one entry per company, as the risk answers do
        values = {"companies": {r.code: r.values for r in found}} if found else {}
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=citations, notices=notices,
                  code=code, bars=[b for r in readings for b in r.bars], indicators=values)


# "when was the last golden cross?", "台積電上次死叉": one kind of crossover (on Simplified text)
_GOLDEN = re.compile(r"\bgolden\s+cross|黄金交叉|金叉")
_DEATH = re.compile(r"\bdeath\s+cross|死亡交叉|死叉")


def asked_cross(message: str) -> str | None:
    """``golden`` or ``death`` when ``message`` asks for one kind of crossover only."""
    s = unquoted(message or "")  # Simplified and lower-cased already
    golden, death = bool(_GOLDEN.search(s)), bool(_DEATH.search(s))
    return "golden" if golden and not death else "death" if death and not golden else None


def _read(store: Any, code: str, day: date, mas: list[int], others: list[str], zh: bool,
          span: Any = None, level: Any = None, cross: str | None = None) -> _Reading:
    """One company's indicators at ``day`` (the last stored bar on or before it); with ``span`` (the
    range or trailing ``Period`` asked, ending at ``day``) their path through it too, and with
    ``level`` (``indicator_history.LevelAsked``) when they were last past it."""
    label = company_label(code, company_of(code), zh)
    bars = store.bars(code, end=day)
    if bars.empty:
        return _Reading(code, f"尚未儲存 {label} 在 {day.isoformat()} 以前的股價：請執行 `finqa ingest prices {code}`。" if zh else
                        f"No prices for {label} up to {day.isoformat()} are stored: run `finqa ingest prices {code}`.")
    from ingest.indicators import add_indicators

    frame = add_indicators(bars.reset_index().assign(code=code))
    last = frame.iloc[-1]
    n = len(frame)
    close = frame["close"]
    asof = pd.Timestamp(last["date"]).date()
    notices: list[str] = []
    if (day - asof).days > STALE_DAYS:
        notices.append(stale_notice(label, code, asof, day, zh))
    price = float(last["close"])
    lines: list[str] = []
    short: list[str] = []
    values: dict[str, Any] = {}
    for length in mas:
        if n < length:
            short.append(f"MA{length}")
            continue
        value = float(close.tail(length).mean())
        values[f"ma{length}"] = value
        name = {5: "週線", 20: "月線", 60: "季線", 120: "半年線", 240: "年線"}.get(length, "")
        lines.append(_average_line(f"{length} 日均線" + (f"（{name}）" if name else "") if zh else
                                   f"{length}-day moving average", value, price, zh))
    for kind in others:
        if kind.startswith("ema:"):
            length = int(kind[4:])
            if n < length:
                short.append(f"EMA{length}")
                continue
            value = float(close.ewm(span=length, adjust=False).mean().iloc[-1])
            values[f"ema{length}"] = value
            lines.append(_average_line(f"{length} 日指數移動平均" if zh else f"{length}-day exponential moving average",
                                       value, price, zh))
            continue
        pair = tuple(sorted(mas)[:2]) if len(mas) >= 2 else CROSS_PAIR
        needed = {"rsi": 15, "kd": 9, "macd": 35, "bollinger": 20, "atr": ATR_SESSIONS + 1, "volatility": VOL_WINDOW + 1,
                  "levels": LEVEL_SPANS[0],
                  "cross": pair[1] + 1, "trend": TREND_MAS[1]}[kind]
        if n < needed:
            short.append({"volatility": "波動度" if zh else "volatility",
                          "levels": "支撐與壓力" if zh else "support and resistance",
                          "cross": "交叉" if zh else "crossovers", "trend": "趨勢" if zh else "the trend"}.get(kind, kind.upper()))
            continue
        if kind == "trend":
            line, numbers = _trend(close, price, zh)
            values.update(numbers)
            lines.append(line)
            continue
        if kind == "cross":
            line, numbers = _crosses(frame, (int(pair[0]), int(pair[1])), zh, cross)
            values.update(numbers)
            lines.append(line)
            continue
        if kind == "levels":
            line, numbers = _levels(frame, price, zh)
            values.update(numbers)
            lines.append(line)
            continue
        numbers = _indicator_values(kind, frame)
        values.update(numbers)
        lines.append(_indicator_line(kind, numbers, price, zh))
    if level is not None:
        text, numbers = last_time(frame, level, zh)
        values["last_time"] = numbers
        lines.insert(0, f"- {text}")
    first: date | None = None
    if span is not None:
        first = span.start if span.kind == "range" else pd.Timestamp(frame["date"].iloc[max(0, n - span.sessions)]).date()
        extra, numbers = span_lines(frame, [k for k in others if k in ("rsi", "kd", "macd")], mas, first, asof, zh)
        if extra:
            values["span"] = numbers
            lines.extend(extra)
        else:
            first = None
    if short:
        notices.append(f"資料庫只有 {n} 個交易日的 {label} 股價，不足以計算：{'、'.join(short)}。" if zh else
                       f"The store holds only {n} sessions of {label}: too few for {', '.join(short)}.")
    if not lines:
        return _Reading(code, f"{label} 的股價歷史太短（{n} 個交易日），算不出所問的指標。" if zh else
                        f"{label}'s stored history ({n} sessions) is too short for the indicators asked.", notices)
    # The day the indicators are read at: the UI charts it with the sessions before it (and the
    # MA5/20/60 lines), so the answer carries that one bar, not a range to highlight
    # (over a span, the span's bars: the chart marks the days the path was read over)
    shown = [bar_of(code, d, row) for d, row in (bars[bars.index >= pd.Timestamp(first)] if first else bars.tail(1)).iterrows()]
    head = (f"**{label}** {asof.isoformat()} 收盤 {fmt_price(price)} 的技術指標（以資料庫中到這一天為止的 {n} 個交易日計算）：" if zh else
            f"**{label}** technical indicators at the {asof.isoformat()} close of {fmt_price(price)} (from the {n} stored "
            f"sessions up to that day):")
    title = f"{label} 日成交資料 至 {asof.isoformat()}" if zh else f"{label} daily prices up to {asof.isoformat()}"
    return _Reading(code, head + "\n\n" + "\n".join(lines), notices, (title, source_name(shown), asof.isoformat()),
                    shown, {"date": asof.isoformat(), "close": price, **values})


def _average_line(name: str, value: float, price: float, zh: bool) -> str:
    """A moving average's sentence: its value and where the close sits against it."""
    if zh:
        return f"- {name} {fmt_price(value)}：收盤{'站上' if price >= value else '跌破'}，乖離率 {price / value - 1:+.2%}"
    return (f"- {name} {fmt_price(value)}: the close is {'above' if price >= value else 'below'} it "
            f"({price / value - 1:+.2%}, the bias)")


def _indicator_values(kind: str, frame: pd.DataFrame) -> dict[str, float]:
    """The numbers of one indicator at the last row of ``frame`` (what --json carries)."""
    last = frame.iloc[-1]
    if kind == "rsi":
        return {"rsi14": float(last["rsi"])}
    if kind == "kd":
        return {"k": float(last["kdj_k"]), "d": float(last["kdj_d"]), "kd_cross": float(last["kdj_crossover"])}
    if kind == "macd":
        return {"macd": float(last["macd"]), "macd_signal": float(last["macd_signal"]),
                "macd_histogram": float(last["macd_histogram"])}
    if kind == "bollinger":
        up, low = float(last["bollinger_upper"]), float(last["bollinger_lower"])
        return {"bollinger_upper": up, "bollinger_middle": (up + low) / 2, "bollinger_lower": low}
    if kind == "atr":
        atr = average_true_range(frame)
        return {"atr14": atr, "atr14_pct": atr / float(last["close"])}
    returns = pd.Series(frame["close"]).astype(float).pct_change().tail(VOL_WINDOW)
    return {"volatility_daily": float(returns.std()), "volatility_annualised": annualised_volatility(returns)}


ATR_SESSIONS = 14


def average_true_range(frame: pd.DataFrame, n: int = ATR_SESSIONS) -> float:
    """ATR(n) at the last row, with Wilder's smoothing (as RSI's): each day's true range is the
    largest of its high-low range and its high's and low's distances from the close before, so an
    overnight gap counts; the first value is the mean of the first n true ranges."""
    high, low = frame["high"].astype(float), frame["low"].astype(float)
    before = frame["close"].astype(float).shift(1)
    true_range = pd.concat([high - low, (high - before).abs(), (low - before).abs()], axis=1).max(axis=1).iloc[1:]
    atr = float(true_range.iloc[:n].mean())
    for tr in true_range.iloc[n:]:
        atr = (atr * (n - 1) + float(tr)) / n
    return atr


TREND_MAS = (20, 60)  # the averages whose order with the close reads the trend (月線, 季線)


def _trend(close: pd.Series, price: float, zh: bool) -> tuple[str, dict[str, Any]]:
    """The trend as the moving averages read it: the close above the 20-day average above the
    60-day, with the 20-day rising over the last 5 sessions, is an uptrend (多頭排列); the mirror
    a downtrend (空頭排列); anything else mixed. A description of the past, no forecast."""
    short, long_ = TREND_MAS
    ma_s, ma_l = close.rolling(short).mean(), close.rolling(long_).mean()
    s_now, l_now, s_before = float(ma_s.iloc[-1]), float(ma_l.iloc[-1]), float(ma_s.iloc[-6])
    slope = s_now / s_before - 1
    up = price > s_now > l_now and slope > 0
    down = price < s_now < l_now and slope < 0
    verdict = "up" if up else "down" if down else "mixed"
    numbers = {"trend": verdict, f"ma{short}": s_now, f"ma{long_}": l_now, f"ma{short}_change_5d": slope}
    facts_zh = (f"收盤 {fmt_price(price)}、{short} 日均線 {fmt_price(s_now)}（5 個交易日 {slope:+.2%}）、{long_} 日均線 {fmt_price(l_now)}")
    facts = (f"close {fmt_price(price)}, {short}-day average {fmt_price(s_now)} ({slope:+.2%} over 5 sessions), "
             f"{long_}-day average {fmt_price(l_now)}")
    if zh:
        what = {"up": "多頭排列（收盤 > 月線 > 季線，月線上揚）：均線看是上升趨勢",
                "down": "空頭排列（收盤 < 月線 < 季線，月線下彎）：均線看是下降趨勢",
                "mixed": "均線沒有排成多頭或空頭：趨勢不明"}[verdict]
        return f"- 趨勢：{facts_zh}；{what}", numbers
    what = {"up": "an uptrend by the moving averages (the close above the 20-day, the 20-day above the 60-day and rising)",
            "down": "a downtrend by the moving averages (the close below the 20-day, the 20-day below the 60-day and falling)",
            "mixed": "no clear trend: the averages are not lined up either way"}[verdict]
    return f"- Trend: {facts}; {what}", numbers


CROSS_PAIR = (5, 20)  # the moving averages whose crossing a "golden cross" question means by default
CROSS_SESSIONS = 60  # how far back a crossover is looked for


def _crosses(frame: pd.DataFrame, pair: tuple[int, int], zh: bool,
             wanted: str | None = None) -> tuple[str, dict[str, Any]]:
    """The most recent crossover of the two moving averages, of K and D, and of MACD and its
    signal within the last :data:`CROSS_SESSIONS` sessions: a golden cross when the first turns
    above the second, a death cross when it turns below; and where each pair stands now. With
    ``wanted`` ("when was the last golden cross?") the last of that kind too, over the whole
    stored history, when the latest is the other kind or older than those sessions."""
    close = frame["close"].astype(float)
    short, long_ = close.rolling(pair[0]).mean(), close.rolling(pair[1]).mean()
    diffs = {"ma": short - long_, "kd": frame["kdj_k"] - frame["kdj_d"], "macd": frame["macd_histogram"]}
    # K/D and MACD crossings are the ones ``ingest.indicators`` already marks (the KD line's "K
    # crossed above D today" reads the same column). The averages' own: their difference is NaN
    # until the longer window fills, and its first defined day is no crossing.
    sign = (diffs["ma"] > 0).astype(int).where(diffs["ma"].notna())
    turns = {"ma": sign.diff().fillna(0), "kd": frame["kdj_crossover"], "macd": frame["macd_crossover"]}
    names = {"ma": (f"{pair[0]} 日／{pair[1]} 日均線" if zh else f"{pair[0]}/{pair[1]}-day averages"), "kd": "KD",
             "macd": "MACD"}
    dates = pd.to_datetime(frame["date"]).dt.date
    parts, values = [], {}
    for key, diff in diffs.items():
        recent = turns[key].iloc[-CROSS_SESSIONS:]
        hits = recent[recent != 0]
        above = bool(diff.iloc[-1] > 0)
        now = ("目前在上" if above else "目前在下") if zh else ("now above" if above else "now below")
        kind = None if hits.empty else ("golden" if hits.iloc[-1] > 0 else "death")
        if hits.empty:
            part = (f"{names[key]} 近 {CROSS_SESSIONS} 個交易日沒有交叉（{now}）" if zh else
                    f"{names[key]}: no crossover in the last {CROSS_SESSIONS} sessions ({now})")
            values[f"{key}_cross"] = None
        else:
            day = dates.loc[hits.index[-1]].isoformat()
            values[f"{key}_cross"] = {"kind": kind, "date": day}
            part = (f"{names[key]} {day} {'黃金交叉' if kind == 'golden' else '死亡交叉'}（{now}）" if zh else
                    f"{names[key]}: {kind} cross on {day} ({now})")
        if wanted is not None and kind != wanted:
            every = turns[key]
            same = every[every > 0] if wanted == "golden" else every[every < 0]
            word = ("黃金交叉" if wanted == "golden" else "死亡交叉") if zh else f"{wanted} cross"
            if same.empty:
                part += (f"，資料庫 {len(frame)} 個交易日中沒有{word}" if zh else
                         f"; no {word} in the {len(frame)} stored sessions")
                values[f"{key}_last_{wanted}"] = None
            else:
                last = dates.loc[same.index[-1]].isoformat()
                part += f"，上次{word}在 {last}" if zh else f"; the last {word} was on {last}"
                values[f"{key}_last_{wanted}"] = last
        parts.append(part)
    head = f"- 近 {CROSS_SESSIONS} 個交易日最近一次交叉：" if zh else f"- The latest crossovers (last {CROSS_SESSIONS} sessions): "
    return head + ("；" if zh else "; ").join(parts), values


LEVEL_SPANS = (20, 60)  # support and resistance: the lows and highs of the last month and quarter


def _levels(frame: pd.DataFrame, price: float, zh: bool) -> tuple[str, dict[str, float]]:
    """Support and resistance as most charting tools draw them: the lowest low and highest high
    of the last 20 and 60 sessions, with the 20- and 60-day averages, sorted into those below
    the close (support) and above it (resistance). Levels where the price turned before, said
    as such: they are no forecast of where it will turn."""
    levels: list[tuple[float, str]] = []
    values: dict[str, Any] = {}
    for span in LEVEL_SPANS:
        tail = frame.tail(span)
        if len(tail) < span:
            continue
        lo_at, hi_at = tail["low"].astype(float).idxmin(), tail["high"].astype(float).idxmax()
        lo, hi = float(tail.loc[lo_at, "low"]), float(tail.loc[hi_at, "high"])
        lo_day = pd.Timestamp(tail.loc[lo_at, "date"]).date().isoformat()
        hi_day = pd.Timestamp(tail.loc[hi_at, "date"]).date().isoformat()
        ma = float(tail["close"].astype(float).mean())
        values.update({f"low{span}": lo, f"high{span}": hi, f"ma{span}": ma})
        levels += [(lo, f"{span} 日最低，{lo_day}" if zh else f"{span}-session low, {lo_day}"),
                   (hi, f"{span} 日最高，{hi_day}" if zh else f"{span}-session high, {hi_day}"),
                   (ma, f"{span} 日均線" if zh else f"{span}-day average")]
    below = sorted((lv for lv in levels if lv[0] < price), key=lambda lv: -lv[0])
    above = sorted((lv for lv in levels if lv[0] > price), key=lambda lv: lv[0])

    def listed(side: list[tuple[float, str]]) -> str:
        if not side:
            return "無（收盤就在這些價位的極端）" if zh else "none of these (the close is at their extreme)"
        return ("、" if zh else ", ").join(f"{fmt_price(v)}（{what}）" if zh else f"{fmt_price(v)} ({what})" for v, what in side)

    if zh:
        return (f"- 支撐（收盤之下）：{listed(below)}；壓力（收盤之上）：{listed(above)}。"
                f"取自近 {LEVEL_SPANS[0]} 與 {LEVEL_SPANS[1]} 個交易日的高低點與均線，是過去轉折的價位，不是預測", values)
    return (f"- Support (below the close): {listed(below)}; resistance (above it): {listed(above)}. These are the "
            f"highs, lows and averages of the last {LEVEL_SPANS[0]} and {LEVEL_SPANS[1]} sessions: where the price "
            "turned before, not a forecast of where it will", values)


RSI_OVERBOUGHT, RSI_OVERSOLD = 70.0, 30.0


def rsi_zone(rsi: float) -> str:
    """"overbought" above 70, "oversold" below 30, else "neutral": the one reading of RSI(14) that
    the indicator answer and the overview both give."""
    return "overbought" if rsi > RSI_OVERBOUGHT else "oversold" if rsi < RSI_OVERSOLD else "neutral"


def _indicator_line(kind: str, v: dict[str, float], price: float, zh: bool) -> str:
    """One indicator's sentence from its numbers (:func:`_indicator_values`)."""
    if kind == "rsi":
        rsi = v["rsi14"]
        zone = rsi_zone(rsi)
        state = {"overbought": "超買區（>70）", "oversold": "超賣區（<30）", "neutral": "中性區"}[zone] if zh else \
            {"overbought": "overbought (> 70)", "oversold": "oversold (< 30)", "neutral": "neutral (30-70)"}[zone]
        return f"- RSI(14) {rsi:.1f}：{state}" if zh else f"- RSI(14) {rsi:.1f}: {state}"
    if kind == "kd":
        k, d, cross = v["k"], v["d"], v["kd_cross"]
        if zh:
            extra = "，今日黃金交叉" if cross > 0 else "，今日死亡交叉" if cross < 0 else ""
            return f"- KD(9,3,3) K {k:.1f}、D {d:.1f}：K {'高於' if k >= d else '低於'} D{extra}"
        extra = "; K crossed above D today" if cross > 0 else "; K crossed below D today" if cross < 0 else ""
        return f"- KD(9,3,3) K {k:.1f}, D {d:.1f}: K is {'above' if k >= d else 'below'} D{extra}"
    if kind == "macd":
        dif, sig, hist = v["macd"], v["macd_signal"], v["macd_histogram"]
        if zh:
            return (f"- MACD(12,26,9) DIF {dif:.2f}、訊號線 {sig:.2f}、柱狀體 {hist:+.2f}："
                    f"DIF {'在訊號線之上' if hist >= 0 else '在訊號線之下'}")
        return (f"- MACD(12,26,9) {dif:.2f}, signal {sig:.2f}, histogram {hist:+.2f}: MACD is "
                f"{'above' if hist >= 0 else 'below'} its signal")
    if kind == "bollinger":
        up, mid, low = v["bollinger_upper"], v["bollinger_middle"], v["bollinger_lower"]
        pos = (price - low) / (up - low) if up > low else 0.5
        if zh:
            where = ("收盤跌破下軌" if pos < 0 else "收盤突破上軌" if pos > 1 else "收盤位於通道") + f" {pos:.0%} 處"
            return f"- 布林通道(20,2) 上軌 {fmt_price(up)}、中軌 {fmt_price(mid)}、下軌 {fmt_price(low)}：{where}"
        where = ("the close is below the lower band, at" if pos < 0 else "the close is above the upper band, at" if pos > 1
                 else "the close sits at")
        return (f"- Bollinger bands (20, 2): upper {fmt_price(up)}, middle {fmt_price(mid)}, lower {fmt_price(low)}; {where} "
                f"{pos:.0%} of the band (0% is the lower band, 100% the upper)")
    if kind == "atr":
        atr, pct = v["atr14"], v["atr14_pct"]
        if zh:
            return f"- ATR(14) {fmt_price(atr)}（收盤的 {pct:.2%}）：近 14 個交易日平均每日真實波幅（含跳空缺口，Wilder 平滑）"
        return (f"- ATR(14) {fmt_price(atr)} ({pct:.2%} of the close): the average day's true range over 14 sessions, "
                "gaps included (Wilder's smoothing)")
    daily, yearly = v["volatility_daily"], v["volatility_annualised"]
    if zh:
        return f"- 波動度：近 {VOL_WINDOW} 個交易日日報酬標準差 {daily:.2%}，年化 {yearly:.1%}"
    return f"- Volatility: {daily:.2%} a day over the last {VOL_WINDOW} sessions ({yearly:.1%} annualised)"
