"""Taiwan's daily price limits: which closes were limit-up (漲停) or limit-down (跌停).

Why exact prices rather than "a change of about 10%": a TWSE/TPEx stock may move at most 10% from
the previous close, and the limit price is that 10% rounded *inside* to the tick size of its price
band, so the largest possible move is often 9.6% or 9.9%, not 10% (TSMC from 942: the limit-down
price is 848, -9.98%; from 1,040 it is 936, -10.0%; from 1,045 the limit-up is 1,145, +9.57%).
A close of +9.7% can be the limit or fall one tick short of it; only the exact price says which.

Tick sizes (TWSE and TPEx stocks since 2005): under 10: 0.01; 10-50: 0.05; 50-100: 0.1;
100-500: 0.5; 500-1,000: 1; from 1,000: 5. Warrants, ETFs and a new listing's first five days
(no limit) follow other rules; for them the answer may say "limit" where there was none, so the
callers only use it for ordinary stock codes. On an ex-dividend day the limits are set from the
reference price (the close less the dividend), which the store does not hold: on such a day the
check can be wrong either way.
"""
from __future__ import annotations

import math

LIMIT = 0.10
_BANDS = ((10.0, 0.01), (50.0, 0.05), (100.0, 0.1), (500.0, 0.5), (1000.0, 1.0), (math.inf, 5.0))


def tick_bands(zh: bool = False) -> list[tuple[str, float]]:
    """The bands as (price range in words, tick), for the answers that explain them."""
    out, lower = [], 0.0
    for upper, tick in _BANDS:
        if math.isinf(upper):
            out.append((f"{lower:,.0f} 以上" if zh else f"from {lower:,.0f}", tick))
        elif lower == 0:
            out.append((f"未滿 {upper:,.0f}" if zh else f"under {upper:,.0f}", tick))
        else:
            out.append((f"{lower:,.0f}-{upper:,.0f}", tick))
        lower = upper
    return out


def tick_size(price: float) -> float:
    """The tick of the band ``price`` falls in."""
    for upper, tick in _BANDS:
        if price < upper:
            return tick
    return _BANDS[-1][1]  # pragma: no cover - math.inf catches everything


def _to_tick(price: float, up: bool) -> float:
    """``price`` rounded inside the limit to its band's tick (down for limit-up, up for limit-down)."""
    tick = tick_size(price)
    steps = round(price / tick, 6)  # 942 * 0.9 / 1 = 847.8000000001 must not round to 849
    n = math.floor(steps) if up else math.ceil(steps)
    return round(n * tick, 2)


def limit_prices(prev_close: float) -> tuple[float, float]:
    """(limit-down, limit-up) prices for a day whose previous close was ``prev_close``."""
    return _to_tick(prev_close * (1 - LIMIT), up=False), _to_tick(prev_close * (1 + LIMIT), up=True)


def limit_state(prev_close: float | None, close: float | None) -> str | None:
    """``"up"`` when ``close`` is the limit-up price, ``"down"`` the limit-down price, else ``None``."""
    if not prev_close or close is None or prev_close <= 0:
        return None
    down, up = limit_prices(prev_close)
    if abs(close - up) < 1e-6:
        return "up"
    if abs(close - down) < 1e-6:
        return "down"
    return None


def is_stock_code(code: str) -> bool:
    """Ordinary TWSE/TPEx stock codes are four digits (warrants have six, ETFs start with 00)."""
    return len(code) == 4 and code.isdigit() and not code.startswith("00")
