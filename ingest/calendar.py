"""Trading calendars: which days an exchange is open.

Forecast horizons count trading days on the exchange's own calendar (XTAI for TWSE/TPEx, XNYS
for US symbols), so "next 5 days" from a Thursday before a holiday skips the holiday. Outside
the range ``exchange_calendars`` covers we fall back to weekdays and say so in the log.
"""
from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

import pandas as pd

log = logging.getLogger(__name__)

_EXCHANGE = {"TWSE": "XTAI", "TPEx": "XTAI", "US": "XNYS"}


@lru_cache(maxsize=4)
def _calendar(name: str):
    import exchange_calendars as xcals

    return xcals.get_calendar(name, start="2000-01-03")


def exchange_for(market: str) -> str:
    return _EXCHANGE.get(market, "XTAI")


def next_sessions(market: str, after: date, n: int) -> list[date]:
    """The ``n`` trading days strictly after ``after`` on ``market``'s exchange."""
    if n <= 0:
        return []
    cal = _calendar(exchange_for(market))
    after_ts = pd.Timestamp(after)
    out: list[date] = []
    if cal.first_session <= after_ts < cal.last_session:
        sessions = cal.sessions[cal.sessions > after_ts][:n]
        out = [s.date() for s in sessions]
    if len(out) < n:
        log.info("%s calendar ends at %s; counting weekdays after that", cal.name, cal.last_session.date())
        start = pd.Timestamp(out[-1]) if out else after_ts
        extra = pd.bdate_range(start + pd.Timedelta(days=1), periods=n - len(out))
        out.extend(d.date() for d in extra)
    return out


def calendar_session(market: str, day: date) -> bool | None:
    """Whether ``day`` is a trading day on ``market``'s exchange calendar, or ``None`` outside the
    range the calendar covers (where only the weekday could be read). The calendar holds the
    holidays announced in advance, not a typhoon closure called the day before."""
    cal = _calendar(exchange_for(market))
    ts = pd.Timestamp(day)
    if cal.first_session <= ts <= cal.last_session:
        return bool(cal.is_session(ts))
    return None


def is_session(market: str, day: date) -> bool:
    """:func:`calendar_session`, or a weekday outside the calendar's range."""
    known = calendar_session(market, day)
    return known if known is not None else day.weekday() < 5
