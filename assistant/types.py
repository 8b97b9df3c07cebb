"""Typed results the engines return and the UI / CLI render.

Each result says which engine produced it (``engine``) and, when a CPU tier answered in place of
a model, why (``fallback_reason``): the user is never left guessing what answered.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from ingest.types import PriceBar

Route = Literal["qa", "forecast", "sentiment"]


@dataclass
class Citation:
    n: int
    title: str
    source: str | None
    date: str | None  # ISO date of publication
    url: str | None


@dataclass
class ForecastPoint:
    date: str  # ISO trading day
    close: float
    low: float  # 10% band
    high: float  # 90% band


@dataclass
class Forecast:
    code: str
    name_zh: str | None
    name_en: str | None
    as_of: str  # ISO date of the last bar used
    horizon_days: int
    path: list[ForecastPoint]
    p_rise: float
    engine: str  # "analog", "stockllm", "adapter"
    last_close: float
    backtest: dict[str, Any] = field(default_factory=dict)  # {"engine": {...}, "baselines": {...}}
    figure: Any = None  # plotly Figure; not serialised
    target: float | None = None  # a price the question asked the odds of reaching (charted; the text gives the odds)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "as_of": self.as_of,
            "horizon_days": self.horizon_days,
            "path": [asdict(p) for p in self.path],
            "p_rise": self.p_rise,
            "engine": self.engine,
            "last_close": self.last_close,
            "backtest": self.backtest,
        }


@dataclass
class SentimentItem:
    title: str
    url: str | None
    label: str
    p: float
    date: str | None = None


@dataclass
class SentimentResult:
    counts: dict[str, int]
    score: float  # net score in [-1, 1]: (positive - negative) / n
    items: list[SentimentItem]
    code: str | None = None
    # the net score week by week, when the question asked how the tone moved (sentiment_trend)
    weekly: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {"counts": self.counts, "score": self.score, "items": [asdict(i) for i in self.items]}
        if self.weekly:
            out["weekly"] = self.weekly
        return out


@dataclass
class Answer:
    """What every engine returns and ``finqa chat --json`` prints."""

    route: Route
    engine: str  # e.g. "qa:llama-3.1-8b+lora", "qa:cpu-extractive"
    answer: str
    citations: list[Citation] = field(default_factory=list)
    forecast: Forecast | None = None
    sentiment: SentimentResult | None = None
    notices: list[str] = field(default_factory=list)  # truncation, clamped horizon, fallbacks
    fallback_reason: str | None = None
    code: str | None = None
    # The stored daily bars a price answer ("what did 2330 close at on ...") was read from.
    bars: list[PriceBar] = field(default_factory=list)
    # A market ranking ("which stock rose the most in April?", ``assistant.movers``): per list
    # (``gainers``, ``losers``, ``all``, ``volume``, ``turnover``, ``limit_up``, ``new_high``...,
    # ``sectors``) its rows in order.
    ranking: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # A company's technical indicators ("2330 RSI", ``assistant.technicals``): the day, its close
    # and each number asked for (``ma20``, ``ema12``, ``rsi14``, ``k``, ``macd``...).
    indicators: dict[str, Any] = field(default_factory=dict)
    # "forecast 2330 and 2454": every company's forecast, the first one also as ``forecast``.
    forecasts: list[Forecast] = field(default_factory=list)
    # "台積電週K", "2330 monthly chart": the candles the UI draws the bars in ("W", "M"; None: daily).
    interval: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"route": self.route, "engine": self.engine, "answer": self.answer}
        if self.code is not None:
            out["code"] = self.code
        if self.notices:
            out["notices"] = self.notices
        if self.fallback_reason:
            out["fallback_reason"] = self.fallback_reason
        if self.route == "qa":
            out["citations"] = [asdict(c) for c in self.citations]
        if self.forecast is not None:
            out["forecast"] = self.forecast.to_json()
        if len(self.forecasts) > 1:
            out["forecasts"] = [f.to_json() for f in self.forecasts]
        if self.sentiment is not None:
            out["sentiment"] = self.sentiment.to_json()
        if self.bars:
            out["prices"] = [{"code": b.code, "date": b.date.isoformat(), "open": b.open, "high": b.high, "low": b.low,
                              "close": b.close, "volume": b.volume, "source": b.source} for b in self.bars]
        if self.ranking:
            out["ranking"] = self.ranking
        if self.indicators:
            out["indicators"] = self.indicators
        return out


@dataclass
class EngineRequest:
    """What the router hands an engine: the message plus the slots already parsed from it.

    Slots are parsed once (``assistant.slots``) so that every engine sees the same company,
    horizon and as-of date, and follow-ups can inherit them from the chat session.
    """

    message: str
    code: str | None = None
    # Every company the message names, in order (``code`` is the first): QA retrieves news for
    # each of them, so "compare TSMC and MediaTek" quotes both; forecasts and sentiment use ``code``.
    codes: list[str] = field(default_factory=list)
    horizon_days: int = 5
    horizon_named: bool = False  # the message named the horizon ("next 10 days"): no day in it is read as one
    as_of: date | None = None  # None = now; a forecast for D sees only data strictly before D
    quoted_text: str | None = None  # text in quotes to classify (sentiment)
    follows_price_question: str | None = None  # a follow-up ("and 2454?") of this price question
    # Articles this conversation already listed ("more" after "TSMC news"): the next page leaves them out.
    skip_urls: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)  # [{"role", "content"}]


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
