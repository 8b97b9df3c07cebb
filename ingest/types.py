"""The objects that cross module lines in the ingest → store → index direction.

Plain dataclasses so that every layer can build, compare and serialise them without importing
the layer that produced them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Market = Literal["TWSE", "TPEx", "US"]
Movement = Literal["rise", "fall", "freeze"]


@dataclass(frozen=True)
class Company:
    """A listed security as the user may name it."""

    code: str
    name_zh: str
    name_en: str | None
    market: Market
    kind: str = "stock"  # "stock" or "etf"
    aliases: tuple[str, ...] = ()
    industry: str | None = None  # TWSE's 產業別 (半導體業 ...), ingest.industries; None for ETFs, US symbols
    adr: tuple[str, int] | None = None  # US ADR ticker and Taiwan shares per ADR: ("TSM", 5)

    @property
    def symbol(self) -> str:
        """Yahoo-style symbol: 2330.TW for TWSE, 6488.TWO for TPEx, the ticker for US."""
        return {"TWSE": f"{self.code}.TW", "TPEx": f"{self.code}.TWO"}.get(self.market, self.code)

    @property
    def display(self) -> str:
        en = f" {self.name_en}" if self.name_en else ""
        return f"{self.code} {self.name_zh}{en}".strip()

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en, "market": self.market}


@dataclass(frozen=True)
class PriceBar:
    """One trading day of one security. ``volume`` is shares traded (twstock's ``capacity``)."""

    code: str
    date: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None = None
    turnover: float | None = None
    transactions: int | None = None
    change: float | None = None
    adj_close: float | None = None
    source: str = "twse"

    def to_row(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict deep-copies and dominated import time.
        return {
            "code": self.code, "date": self.date.isoformat(), "open": self.open, "high": self.high,
            "low": self.low, "close": self.close, "volume": self.volume, "turnover": self.turnover,
            "transactions": self.transactions, "change": self.change, "adj_close": self.adj_close,
            "source": self.source,
        }


@dataclass(frozen=True)
class Article:
    """A news article, deduplicated by ``url``. ``published_at`` is timezone-aware UTC."""

    url: str
    title: str
    published_at: datetime
    code: str | None = None
    description: str | None = None
    content: str | None = None
    source: str | None = None
    author: str | None = None
    language: str | None = None

    @property
    def text(self) -> str:
        """Title, description and the usable part of the body joined: what gets chunked and embedded.

        The body goes through :func:`ingest.article_body.usable_body`, so a body that newsapi
        stripped of its Chinese, or a consent page, never reaches the index or an answer.
        """
        from .article_body import usable_body

        parts = [self.title, self.description or "", usable_body(self.title, self.description, self.content) or ""]
        return "\n".join(p.strip() for p in parts if p and p.strip())


@dataclass
class Window:
    """A multi-day price window known on ``as_of`` (its last day), with the future bars as target.

    ``history`` and ``target`` are pandas DataFrames indexed by date with columns
    open/high/low/close/adj_close/volume. ``target`` is empty when the future is not known yet.
    """

    code: str
    as_of: date
    history_days: int
    horizon_days: int
    history: Any
    target: Any = None


@dataclass(frozen=True)
class Candidate:
    """A FinSeer-style 5-day sequence of one indicator, labelled with the next day's movement.

    ``dates`` are the 5 sequence days. ``as_of`` is the last day whose data the candidate
    contains: for a labelled candidate that is the *label day* (the trading day after the
    sequence, whose close decides the movement), because the label is only known at that close;
    for an unlabelled one (a query) it is the last sequence day. Retrieval for a query dated D
    may only return candidates with ``as_of < D``: that single rule is the no-lookahead guarantee.
    ``vector`` is the z-normalised numeric fingerprint of the whole 5-day window (returns and
    indicators), used as the embedding for numeric retrieval; the indicator sequences of one
    window share it.
    """

    code: str
    as_of: date
    indicator: str
    dates: tuple[date, ...]
    values: tuple[float, ...]
    movement: Movement | None
    next_return: float | None = None
    vector: tuple[float, ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        return f"{self.code}|{self.as_of.isoformat()}|{self.indicator}"

    def to_finseer_dict(self) -> dict[str, Any]:
        """The candidate dict as FinSeer's prompt renders it (``str()`` of this dict)."""
        return {
            "candidate_stock": self.code,
            "candidate_date": self.as_of.isoformat(),
            "candidate_movement": self.movement,
            "recent_date_list": [d.isoformat() for d in self.dates],
            f"{self.indicator}_list": [round(float(v), 4) for v in self.values],
        }
