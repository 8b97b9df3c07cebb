"""Bull or bear: "is Taiwan in a bear market?", "台股現在是牛市還是熊市", "is TSMC in a bear market?".

Why: the question had searched the news. The usual convention is numeric: a fall of 20% or more
from the peak is called a bear market, a rise of 20% or more from the trough a bull market. The
store holds no index level, so the market is what the other market answers use: 0050 when it is
stored, else the stored Taiwan companies as an equal-weighted index (each session the mean of
their daily returns). Over the last year of sessions (point in time) the answer gives the index's
distance from its peak and from its trough with their days, and, for the market, how many stored
companies close above their 60-day average. It names which line is crossed, never what comes next.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from .price_facts import ENGINE, store_question
from .price_format import company_label, company_of, is_taiwan
from .slots import unquoted
from .types import Answer, Citation, EngineRequest
from .versus_market import MARKET_ETF, equal_weighted_index

LINE = 0.20  # the conventional line: 20% below the peak (bear), 20% above the trough (bull)
SESSIONS = 250  # about a year of sessions
TREND_MA = 60

# On Simplified, lower-cased text.
_ASKS = re.compile(r"\b(?:bull|bear)(?:ish)?\s+(?:market|territory|run)s?\b|\b(?:bull|bear)\s+or\s+(?:a\s+)?(?:bull|bear)\b"
                   r"|牛市|熊市|多头市场|空头市场")
# "台股是多頭還是空頭": of the market only ("台積電是多頭還是空頭" reads its moving averages' order: technicals)
_MARKET_TREND = re.compile(r"多头还是空头|空头还是多头")


def asks_regime(message: str, code: str | None = None) -> bool:
    """Whether ``message`` asks whether the market (or the company ``code``) is in a bull or a
    bear market."""
    s = unquoted(message or "")
    return bool(_ASKS.search(s)) or (code is None and bool(_MARKET_TREND.search(s)))


def _index(frame: pd.DataFrame) -> tuple[pd.Series, str, int] | None:
    """(the market's closes over the window, what stood for it, how many companies): 0050 when
    stored over the window, else the equal-weighted index of the stored Taiwan companies."""
    etf = frame[frame["code"] == MARKET_ETF].set_index("date")["close"].astype(float).sort_index()
    if etf.notna().sum() > TREND_MA:
        return etf.dropna(), MARKET_ETF, 1
    got = equal_weighted_index(frame)
    return None if got is None else (got[0], "equal-weighted", got[1])


def _extremes(series: pd.Series) -> tuple[float, date, float, date, float]:
    """(its last value, the peak's day, the distance from the peak, the trough's day, from the trough)."""
    last = float(series.iloc[-1])
    peak_day, trough_day = series.idxmax(), series.idxmin()
    return (last, peak_day.date(), last / float(series.max()) - 1, trough_day.date(), last / float(series.min()) - 1)


def _verdict(from_peak: float, from_trough: float, peak_day: date, trough_day: date, zh: bool) -> str:
    """Which 20% line is crossed; with both, the newer extreme says which way the last move went
    (a fall from a later peak is a bear market, a rebound from a later trough a bull market)."""
    bear, bull = from_peak <= -LINE, from_trough >= LINE
    if bear and bull:
        bear, bull = peak_day > trough_day, trough_day > peak_day
        if zh:
            return ("從高點已跌逾 20%（雖然仍比更早的低點高逾 20%），照慣例的定義屬於空頭（熊市）" if bear else
                    "跌逾 20% 之後，已從低點反彈逾 20%，照慣例的定義屬於多頭（牛市）")
        return ("more than 20% below its peak (though still more than 20% above an earlier trough): a bear market by the "
                "usual definition" if bear else
                "more than 20% above its trough after a fall of more than 20%: a bull market by the usual definition")
    if zh:
        if bear:
            return "離高點跌逾 20%，照慣例的定義屬於空頭（熊市）"
        if bull:
            return "離低點漲逾 20%、離高點不到 20%，照慣例的定義屬於多頭（牛市）"
        return "離高點跌不到 20%、離低點也漲不到 20%：兩條線都沒跨過"
    if bear:
        return "more than 20% below the peak: a bear market by the usual definition"
    if bull:
        return "more than 20% above the trough and within 20% of the peak: a bull market by the usual definition"
    return "less than 20% from both the peak and the trough: neither line is crossed"


def regime_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The bull-or-bear reading of the company named, or of the market; ``None`` when ``req`` asks
    none."""
    if not asks_regime(req.message, req.code):
        return None
    q = store_question(req, today)
    zh, visible = q.zh, q.visible
    if req.code:
        closes = store.bars(req.code, end=visible)["close"].astype(float).tail(SESSIONS)
        label = company_label(req.code, company_of(req.code), zh)
        if len(closes) <= TREND_MA:
            return Answer(route="qa", engine=ENGINE, code=req.code, notices=q.notices, answer=(
                f"{label} 的股價資料不足 {TREND_MA} 個交易日，無法判斷。`finqa ingest prices {req.code}` 可取得資料。" if zh else
                f"{label} has fewer than {TREND_MA} stored sessions: too few to say. `finqa ingest prices {req.code}` "
                "fetches them."))
        series, what = closes, label
        breadth = ""
    else:
        frame = store.all_bars()  # every company's bars: only the market needs them
        frame = frame[frame["date"] <= pd.Timestamp(visible)]
        dates = sorted(frame["date"].unique())[-SESSIONS:]
        window = frame[frame["date"].isin(dates)]
        got = _index(window)
        if got is None:
            return Answer(route="qa", engine=ENGINE, notices=q.notices, answer=(
                "資料庫裡沒有 0050，有股價的公司也不到 3 家，無法代表大盤。" if zh else
                "Neither 0050 nor three stored companies' prices are stored: nothing can stand for the market."))
        series, kind, n = got
        what = (("0050（代表大盤）" if kind == MARKET_ETF else f"已存 {n} 家公司的等權指數（資料庫不存加權指數）") if zh else
                ("0050, standing for the market" if kind == MARKET_ETF else
                 f"the equal-weighted index of the {n} stored companies (the store holds no TAIEX level)"))
        breadth = _breadth(frame, zh)
    last, peak_day, from_peak, trough_day, from_trough = _extremes(series)
    first_day, last_day = series.index[0].date(), series.index[-1].date()
    span = f"{first_day.isoformat()} – {last_day.isoformat()}"
    verdict = _verdict(from_peak, from_trough, peak_day, trough_day, zh)
    if zh:
        text = (f"{what}，{span}（{len(series)} 個交易日）：距高點（{peak_day.isoformat()}）{from_peak:+.1%}，"
                f"距低點（{trough_day.isoformat()}）{from_trough:+.1%}。{verdict}。"
                f"{breadth}慣例以離高點跌 20% 為空頭、離低點漲 20% 為多頭；這描述的是過去的走勢，不是預測，也不是投資建議。")
    else:
        text = (f"{what[0].upper() + what[1:]}, {span} ({len(series)} sessions): {from_peak:+.1%} from its peak "
                f"({peak_day.isoformat()}), {from_trough:+.1%} from its trough ({trough_day.isoformat()}): "
                f"{verdict}.{breadth} By the usual convention a fall of 20% from the peak is a bear market and a rise "
                "of 20% from the trough a bull market; this describes the past, not what comes next, and is no "
                "investment advice.")
    cite = Citation(n=1, title="finqa price store", source="TWSE/TPEx via twstock", date=last_day.isoformat(), url=None)
    return Answer(route="qa", engine=ENGINE, code=req.code, notices=q.notices, answer=text + " [1]", citations=[cite],
                  indicators={"from_peak": from_peak, "peak_date": peak_day.isoformat(), "from_trough": from_trough,
                              "trough_date": trough_day.isoformat(), "sessions": len(series), "start": first_day.isoformat(),
                              "end": last_day.isoformat()})


def _breadth(frame: pd.DataFrame, zh: bool) -> str:
    """How many stored Taiwan companies closed above their 60-day average on the last session."""
    above = total = 0
    for code, g in frame.groupby("code"):
        if not is_taiwan(str(code)) or str(code) == MARKET_ETF:
            continue
        closes = g.sort_values("date")["close"].astype(float)
        if len(closes) >= TREND_MA:
            total += 1
            above += float(closes.iloc[-1]) > float(closes.tail(TREND_MA).mean())
    if not total:
        return ""
    return (f"最後一個交易日 {total} 家中有 {above} 家收在 60 日均線之上。" if zh else
            f" On the last session {above} of {total} stored companies closed above their 60-day average.")
