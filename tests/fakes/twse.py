"""A fake TWSE + TPEx on loopback, answering the report endpoints twstock 1.5.1 asks.

- TWSE ``GET /exchangeReport/STOCK_DAY?date=YYYYMM01&stockNo=CODE`` answers
  ``{"stat": "OK", "date", "title", "fields": [...], "data": [["113/09/02", "38,250,185",
  "36,330,232,560", "944.00", "961.00", "940.00", "950.00", "+6.00", "55,802", ""], ...], "notes",
  "total"}``: ROC dates, thousands separators, ``--`` prices on a day without trades, ``X0.00``
  change on a day without price comparison; a month without data answers
  ``{"stat": "很抱歉，沒有符合條件的資料!"}``.
- TPEx ``GET /www/zh-tw/afterTrading/tradingStock?date=YYYY/MM/01&code=CODE&response=json``
  answers ``{"tables": [{"title", "date", "data": [["113/09/02", "1,234", "56,789", ...]],
  "fields", "totalCount"}], "code", "name", "date", "stat": "ok"}`` with volumes in lots of 1,000
  shares and turnover in NT$1,000; dates may carry a ``＊`` mark.

Prices are a deterministic function of (code, day), so tests compute what the store must hold
with ``expected_bars``. Misbehaviour is scripted per (code, month) with ``script`` (consumed one
action per request) or for every request after the n-th with ``stall_after``.
"""
from __future__ import annotations

import json
import math
import threading
import urllib.parse
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import LoopbackServer, QuietHandler

TWSE_PATH = "/exchangeReport/STOCK_DAY"
TPEX_PATH = "/www/zh-tw/afterTrading/tradingStock"
NO_DATA = "很抱歉，沒有符合條件的資料!"
BAN_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>臺灣證券交易所</title></head>"
    "<body><h2>很抱歉，您的連線請求過於頻繁，已暫停服務。</h2>"
    "<p>THE PAGE CANNOT BE ACCESSED!</p></body></html>"
)
NO_TRADE_DAY = 10  # a weekday with this day-of-month has no trades ("--" prices)


@dataclass(frozen=True)
class FakeBar:
    date: date
    open: float
    high: float
    low: float
    close: float
    volume: int  # shares
    turnover: int  # NT$
    transactions: int
    change: float


def _seed(code: str) -> int:
    return int(code) if code.isdigit() else sum(map(ord, code))


def _weekdays(year: int, month: int) -> list[date]:
    return [d for d in (date(year, month, i) for i in range(1, monthrange(year, month)[1] + 1)) if d.weekday() < 5]


def fake_bars(code: str, year: int, month: int, *, until: date | None = None) -> list[FakeBar]:
    """The trading days of a month with their (deterministic) bars; no-trade days excluded."""
    seed = _seed(code)
    base = 50 + seed % 1200  # 2330 -> 1180: prices above 1,000 exercise the thousands separator
    out: list[FakeBar] = []
    for d in _weekdays(year, month):
        if until is not None and d > until:
            break
        if d.day == NO_TRADE_DAY:
            continue
        x = d.toordinal()
        close = round(base * (1 + 0.05 * math.sin(x / 7.0 + seed)), 2)
        prev = round(base * (1 + 0.05 * math.sin((x - 1) / 7.0 + seed)), 2)
        open_ = round((close + prev) / 2, 2)
        high = round(max(open_, close) * 1.01, 2)
        low = round(min(open_, close) * 0.99, 2)
        lots = 1000 + (x * 7919 + seed) % 50000
        volume = lots * 1000
        out.append(FakeBar(d, open_, high, low, close, volume, int(volume * close), 100 + (x + seed) % 9000,
                           round(close - prev, 2)))
    return out


def _roc(d: date) -> str:
    return f"{d.year - 1911}/{d.month:02d}/{d.day:02d}"


def _price(x: float) -> str:
    return f"{x:,.2f}"


def twse_rows(code: str, year: int, month: int, until: date | None) -> list[list[str]]:
    rows = []
    bars = {b.date: b for b in fake_bars(code, year, month, until=until)}
    for d in _weekdays(year, month):
        if until is not None and d > until:
            break
        b = bars.get(d)
        if b is None:  # a halt: TWSE lists the day with "--" prices
            rows.append([_roc(d), "0", "0", "--", "--", "--", "--", " 0.00", "0", ""])
            continue
        change = "X0.00" if b.change == 0 else f"{b.change:+,.2f}"
        rows.append([_roc(d), f"{b.volume:,}", f"{b.turnover:,}", _price(b.open), _price(b.high), _price(b.low),
                     _price(b.close), change, f"{b.transactions:,}", ""])
    return rows


def tpex_rows(code: str, year: int, month: int, until: date | None) -> list[list[str]]:
    rows = []
    bars = {b.date: b for b in fake_bars(code, year, month, until=until)}
    for d in _weekdays(year, month):
        if until is not None and d > until:
            break
        b = bars.get(d)
        if b is None:
            rows.append([_roc(d), "0", "0", "--", "--", "--", "--", "0.00", "0"])
            continue
        mark = "＊" if d.day in (15, 16) else ""  # TPEx marks ex-right/dividend days
        rows.append([_roc(d) + mark, f"{b.volume // 1000:,}", f"{b.turnover // 1000:,}", _price(b.open),
                     _price(b.high), _price(b.low), _price(b.close), f"{b.change:.2f}", f"{b.transactions:,}"])
    return rows


def expected_bars(code: str, market: str, year: int, month: int, until: date | None = None) -> dict[date, dict]:
    """What twstock + finqa must store for that month: ``{date: {"close", "volume", ...}}``."""
    out = {}
    for b in fake_bars(code, year, month, until=until):
        volume = b.volume if market == "TWSE" else (b.volume // 1000) * 1000
        turnover = b.turnover if market == "TWSE" else (b.turnover // 1000) * 1000
        out[b.date] = {"open": b.open, "high": b.high, "low": b.low, "close": b.close, "volume": float(volume),
                       "turnover": float(turnover), "transactions": b.transactions}
    return out


@dataclass
class Hit:
    market: str
    code: str
    month: str  # "YYYY-MM"
    action: str


class FakeExchange(LoopbackServer):
    """TWSE and TPEx on one port.

    ``script[(code, "YYYY-MM")]`` is a list of actions, one consumed per request for that month
    (afterwards it answers normally): ``ok``, ``ban`` (200 + HTML block page), ``403``, ``429``,
    ``500``, ``empty`` (200, no body), ``malformed`` (broken JSON), ``badrow`` (JSON with an
    unparseable number), ``nodata``, ``wrong:YYYY-MM`` (answers that other month),
    ``mixed:YYYY-MM`` (the right month plus a row of another), ``slow:SECONDS``.
    ``listed_from[code] = "YYYY-MM"``: months before answer "no data".
    ``stall_after = n``: every request after the n-th blocks until ``release()`` or ``stop()``.
    """

    def __init__(self, *, until: date | None = None) -> None:
        super().__init__()
        self.until = until
        self.script: dict[tuple[str, str], list[str]] = {}
        self.listed_from: dict[str, str] = {}
        self.hits: list[Hit] = []
        self.stall_after: int | None = None
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()

    handler_class = None  # set below

    def release(self) -> None:
        self.stall_after = None
        self._release.set()

    def _before_stop(self) -> None:
        self._release.set()

    def months_requested(self, code: str) -> list[str]:
        return [h.month for h in self.hits if h.code == code]

    # --- answering ---------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str, float]:
        """(status, body, content type, delay) for one request."""
        if path == TWSE_PATH:
            market, code, raw = "TWSE", query.get("stockNo", ""), query.get("date", "")
            year, month = int(raw[:4]), int(raw[4:6])
        elif path == TPEX_PATH:
            market, code, raw = "TPEx", query.get("code", ""), query.get("date", "")
            year, month = int(raw[:4]), int(raw[5:7])
        else:
            return 404, b"<html>404 Not Found</html>", "text/html", 0.0
        key = (code, f"{year:04d}-{month:02d}")
        with self._lock:
            actions = self.script.get(key)
            action = actions.pop(0) if actions else "ok"
            self.hits.append(Hit(market, code, key[1], action))
            stall = self.stall_after is not None and len(self.hits) > self.stall_after
        if stall:
            self.stalled.set()
            self._release.wait(timeout=120)
        delay = 0.0
        if action.startswith("slow:"):
            delay, action = float(action.split(":", 1)[1]), "ok"
        if action == "ban":
            return 200, BAN_PAGE.encode(), "text/html; charset=utf-8", delay
        if action in ("403", "429", "500"):
            body = BAN_PAGE if action == "403" else f"<html><body>{action}</body></html>"
            return int(action), body.encode(), "text/html", delay
        if action == "empty":
            return 200, b"", "application/json", delay
        if action == "malformed":
            return 200, b'{"stat": "OK", "data": [["113/09/02", "1,000"', "application/json", delay
        listed = self.listed_from.get(code)
        if action == "nodata" or (listed is not None and key[1] < listed):
            return 200, self._no_data(market, year, month), "application/json", delay
        if action.startswith("wrong:"):
            y, m = map(int, action.split(":", 1)[1].split("-"))
            return 200, self._data(market, code, y, m, year, month), "application/json", delay
        extra = None
        if action.startswith("mixed:"):
            extra = tuple(map(int, action.split(":", 1)[1].split("-")))
        body = self._data(market, code, year, month, year, month, extra=extra, badrow=action == "badrow")
        return 200, body, "application/json", delay

    def _no_data(self, market: str, year: int, month: int) -> bytes:
        if market == "TWSE":
            return json.dumps({"stat": NO_DATA}, ensure_ascii=False).encode()
        return json.dumps({"tables": [{"title": "個股日成交資訊", "date": f"{year}{month:02d}01", "data": [],
                                       "fields": [], "totalCount": 0}], "stat": "ok"}, ensure_ascii=False).encode()

    def _data(self, market: str, code: str, year: int, month: int, asked_y: int, asked_m: int,
              extra: tuple[int, int] | None = None, badrow: bool = False) -> bytes:
        if market == "TWSE":
            rows = twse_rows(code, year, month, self.until)
            if extra:
                rows = rows + twse_rows(code, *extra, None)[:1]
            if badrow:
                rows[0][6] = "1O0.5"
            payload: dict[str, Any] = {
                "stat": "OK",
                "date": f"{asked_y}{asked_m:02d}01",
                "title": f"{year - 1911}年{month:02d}月 {code} 測試股           各日成交資訊",
                "fields": ["日期", "成交股數", "成交金額", "開盤價", "最高價", "最低價", "收盤價", "漲跌價差", "成交筆數", "註記"],
                "data": rows,
                "notes": ["符號說明:+/-/X表示漲/跌/不比價", "當日統計資訊含一般、零股、盤後定價、鉅額交易，不含拍賣、標購。"],
                "total": len(rows),
            }
        else:
            rows = tpex_rows(code, year, month, self.until)
            if extra:
                rows = rows + tpex_rows(code, *extra, None)[:1]
            if badrow:
                rows[0][6] = "1O0.5"
            payload = {
                "tables": [{
                    "title": "個股日成交資訊", "subtitle": f"{code} 測試櫃", "date": f"{asked_y}{asked_m:02d}01",
                    "data": rows,
                    "fields": ["日 期", "成交張數", "成交仟元", "開盤", "最高", "最低", "收盤", "漲跌", "筆數"],
                    "notes": ["＊：除權息、減資、分割等交易日"], "totalCount": len(rows), "summary": [],
                }],
                "code": code, "name": "測試櫃", "date": f"{asked_y}{asked_m:02d}01", "showListPriceNote": False,
                "stat": "ok",
            }
        return json.dumps(payload, ensure_ascii=False).encode()


class _ExchangeHandler(QuietHandler):
    fake: FakeExchange

    def do_GET(self) -> None:  # noqa: N802
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        status, body, ctype, delay = self.fake.answer(parts.path, query)
        if delay:
            threading.Event().wait(delay)
        try:
            self.send_body(status, body, ctype)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


FakeExchange.handler_class = _ExchangeHandler
