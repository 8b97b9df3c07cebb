"""How answers write what the store holds: prices, changes, days, volumes and values traded,
company names and sources, in English and Chinese.

One place for these so that every answer (price facts, rankings, technicals, risk, overviews)
writes a close, a percentage or "2330 台積電" the same way.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ingest.types import Company, PriceBar

SHARES_PER_LOT = 1000  # 1 張 = 1,000 shares: how volume is read in Taiwan


def bar_of(code: str, day: Any, row: Any) -> PriceBar:
    """One stored row as the ``PriceBar`` that crosses module lines (NaN read as ``None``)."""
    def num(v: Any) -> float | None:
        return None if v is None or pd.isna(v) else float(v)

    return PriceBar(code=code, date=pd.Timestamp(day).date(), open=num(row["open"]), high=num(row["high"]),
                    low=num(row["low"]), close=float(row["close"]), volume=num(row["volume"]),
                    turnover=num(row.get("turnover")), source=str(row.get("source") or "store"))


def fmt_price(x: float | None) -> str:
    """A price as every answer writes it: two decimals, thousands separated, "–" for none."""
    return "–" if x is None else f"{x:,.2f}"


def pct(a: float, b: float) -> str:
    return f"{(b / a - 1):+.2%}" if a else "–"


WEEKDAY_ZH = "一二三四五六日"


def day_label(d: date, zh: bool) -> str:
    return f"{d.isoformat()}（週{WEEKDAY_ZH[d.weekday()]}）" if zh else f"{d.isoformat()} ({d:%A})"


def volume_text(v: float | None, zh: bool, value: float | None = None, lots: bool = False) -> str:
    """Shares traded (張 too in Chinese, and in English when ``lots`` were asked for) and, when the
    source gave it, the value traded (成交值) and the average price it implies (value / shares:
    the day's VWAP)."""
    if v is None:
        return ""
    vwap = value / v if value and v else None
    if zh:
        text = f"成交 {v / SHARES_PER_LOT:,.0f} 張（{v:,.0f} 股）"
        return text + (f"，成交值 {yi(value)}、均價 {fmt_price(vwap)}" if vwap else "")
    text = f"{v:,.0f} shares ({v / SHARES_PER_LOT:,.0f} lots) traded" if lots else f"{v:,.0f} shares traded"
    return text + (f" (NT${value:,.0f}, an average price of {fmt_price(vwap)})" if vwap and value else "")


def yi(value: float) -> str:
    """NT$ the way Taiwan reads a large sum: 億 (10^8) or 萬 (10^4)."""
    return f"{value / 1e8:,.2f} 億元" if value >= 1e8 else f"{value / 1e4:,.1f} 萬元"


def company_of(code: str) -> Company | None:
    """The directory's company for ``code``, ``None`` for codes it does not know."""
    from ingest.companies import get_directory

    return get_directory().get(code)


def is_taiwan(code: str) -> bool:
    """Whether ``code`` is a TWSE/TPEx company: the universe of rankings and group answers (US
    symbols imported for the ACL18 evaluation share the store). A code the directory does not
    know counts when it is shaped like a Taiwan code, so a newly listed company is not dropped."""
    company = company_of(code)
    if company is not None:
        return company.market in ("TWSE", "TPEx")
    return code[:4].isdigit()


def company_label(code: str, company: Company | None, zh: bool) -> str:
    """How answers name a company: "2330 台積電" in Chinese, "2330 TSMC (台積電)" in English."""
    if company is None:
        return code
    if zh:
        return f"{code} {company.name_zh}"
    return f"{code} {company.name_en or company.name_zh}" + (f" ({company.name_zh})" if company.name_en else "")


def source_name(bars: list[PriceBar]) -> str:
    """Where the bars came from, for a citation: "TWSE", "TPEx" or the import's name."""
    names = {"twse": "TWSE", "tpex": "TPEx"}
    return ", ".join(dict.fromkeys(names.get(b.source.lower(), b.source) for b in bars))


def limit_note(code: str, prev_close: float | None, close: float | None, zh: bool) -> str:
    """" (limit down)" / "（跌停）" when ``close`` is the day's limit price (``ingest.limits``)."""
    from ingest.limits import is_stock_code, limit_state

    state = limit_state(prev_close, close) if is_stock_code(code) else None
    if state is None:
        return ""
    return ("（漲停）" if state == "up" else "（跌停）") if zh else f" (limit {state})"


def consistent_value(value: float | None, shares: float | None, low: float | None, high: float | None) -> float | None:
    """``value`` when value / shares lies in the price range (else a unit mismatch, lots against
    shares, would print a nonsense average price: ``ingest.indicators`` checks VWAP the same way)."""
    if not value or not shares or low is None or high is None:
        return None
    return value if low * 0.99 <= value / shares <= high * 1.01 else None


