"""Daily bars from TWSE and TPEx through twstock, one month per request, incrementally.

Why this shape:
- TWSE and TPEx answer one (security, month) per request, and TWSE bans clients that ask faster
  than about 3 requests per 5 s. Every request goes through the process-wide ``RateLimiter``.
- twstock's own ``fetch`` retries silently, has no timeout and turns every failure into "no
  data", so a ban or an HTTP 500 would be stored as an empty month. We keep twstock for what it
  knows (the report URL paths of ``TWSEFetcher``/``TPEXFetcher``, their query format, and their
  row parser ``purify`` with ROC dates, thousands separators, ``--`` for no trade and TPEx's
  units), and do the HTTP ourselves with a timeout, the limiter, and retries with exponential
  backoff on HTTP 429/5xx/403, timeouts, HTML ban pages, empty and undecodable answers.
- A month is written in one transaction together with its "fetched" mark
  (``Store.upsert_bars(..., month=...)``): a run killed mid-way leaves whole months or nothing,
  and the next run plans exactly the months that are missing.
- TWSE sometimes answers with another month than the one asked: rows outside the requested
  month are rejected; an answer with only such rows is retried like any bad answer.
"""
from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import requests
from tqdm.auto import tqdm
from twstock.proxy import get_proxies, get_session
from twstock.stock import TPEXFetcher, TWSEFetcher

from .config import Settings, get_settings
from .errors import FinqaError
from .limiter import RateLimiter, get_limiter
from .store import Store
from .types import Company, PriceBar

log = logging.getLogger(__name__)

TAIPEI = timezone(timedelta(hours=8))  # Taiwan has no daylight saving time
_MAX_BACKOFF_S = 120.0


class _Retryable(Exception):
    """A bad answer that may be fine on the next try (ban, 429/5xx, timeout, garbage)."""


class _Fatal(Exception):
    """A bad answer that retrying cannot fix (e.g. HTTP 404: wrong URL)."""


# --- months ---------------------------------------------------------------------------------------
Month = tuple[int, int]


def month_str(m: Month) -> str:
    return f"{m[0]:04d}-{m[1]:02d}"


def _month_of(d: date) -> Month:
    return (d.year, d.month)


def _add_months(m: Month, n: int) -> Month:
    y, mo = divmod(m[0] * 12 + (m[1] - 1) + n, 12)
    return (y, mo + 1)


def month_range(start: Month, end: Month) -> list[Month]:
    """Months from ``start`` to ``end`` inclusive."""
    n = (end[0] * 12 + end[1]) - (start[0] * 12 + start[1])
    return [_add_months(start, i) for i in range(n + 1)]


def _month_end_utc(m: Month) -> datetime:
    """The instant the month ends on the exchange's clock (midnight Taipei), in UTC."""
    y, mo = _add_months(m, 1)
    return datetime(y, mo, 1, tzinfo=TAIPEI).astimezone(timezone.utc)


def taipei_today() -> date:
    return datetime.now(TAIPEI).date()


# --- the fetchers ---------------------------------------------------------------------------------
class _MarketMixin:
    """What our two fetchers add to twstock's: a configurable base URL and strict decoding."""

    source: str
    REPORT_URL: str

    def _rebase(self, base_url: str, twstock_url: str) -> None:
        # Keep twstock's path for the report, swap scheme and host for ours (settings.twse_url ...).
        path = urllib.parse.urlsplit(twstock_url).path
        self.REPORT_URL = base_url.rstrip("/") + path

    def params(self, year: int, month: int, sid: str) -> dict[str, str]:  # pragma: no cover
        raise NotImplementedError

    def decode(self, payload: Any) -> list:  # pragma: no cover
        raise NotImplementedError


class TwseMonthFetcher(_MarketMixin, TWSEFetcher):
    """TWSE ``exchangeReport/STOCK_DAY``: ``{"stat": "OK", "fields": [...], "data": [[...]]}``."""

    source = "twse"

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._rebase(base_url, TWSEFetcher.REPORT_URL)

    def params(self, year: int, month: int, sid: str) -> dict[str, str]:
        return {"date": "%d%02d01" % (year, month), "stockNo": sid}

    def decode(self, payload: Any) -> list:
        if not isinstance(payload, dict) or "stat" not in payload:
            raise _Retryable("answer is not a STOCK_DAY object")
        if payload["stat"] != "OK":
            # e.g. "很抱歉，沒有符合條件的資料!" (nothing that month: before listing, a halt).
            log.debug("TWSE says %r", payload["stat"])
            return []
        if not isinstance(payload.get("data"), list):
            raise _Retryable("STOCK_DAY answer without a data list")
        try:
            return self.purify(payload)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise _Retryable(f"malformed STOCK_DAY row: {exc}") from None


class TpexMonthFetcher(_MarketMixin, TPEXFetcher):
    """TPEx ``afterTrading/tradingStock``: ``{"stat": "ok", "tables": [{"data": [[...]]}]}``.

    Volumes come in lots of 1,000 shares and turnover in NT$1,000; twstock's parser scales them.
    """

    source = "tpex"

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._rebase(base_url, TPEXFetcher.REPORT_URL)

    def params(self, year: int, month: int, sid: str) -> dict[str, str]:
        return {"date": "%d/%02d/01" % (year, month), "code": sid, "response": "json"}

    def decode(self, payload: Any) -> list:
        if not isinstance(payload, dict):
            raise _Retryable("answer is not a tradingStock object")
        tables = payload.get("tables")
        if tables is None:
            stat = str(payload.get("stat", ""))
            if stat and stat.lower() != "ok":
                log.debug("TPEx says %r", stat)
                return []
            raise _Retryable("tradingStock answer without tables")
        if not isinstance(tables, list) or (tables and not isinstance(tables[0].get("data"), list)):
            raise _Retryable("tradingStock tables are malformed")
        try:
            return self.purify(payload)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise _Retryable(f"malformed tradingStock row: {exc}") from None


def _looks_like_html(resp: requests.Response) -> bool:
    ctype = resp.headers.get("Content-Type", "")
    head = resp.content[:200].lstrip().lower()
    return "html" in ctype or head.startswith((b"<!doctype", b"<html", b"<"))


@dataclass
class MonthResult:
    bars: list[PriceBar]
    rejected: int
    attempts: int


class MonthClient:
    """Fetches one (company, month) through the limiter, with retries and backoff."""

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter or get_limiter(settings.twse_max_requests, settings.twse_period_s)
        self.sleep = sleep or self.limiter.sleep
        self.fetchers: dict[str, _MarketMixin] = {
            "TWSE": TwseMonthFetcher(settings.twse_url),
            "TPEx": TpexMonthFetcher(settings.tpex_url),
        }
        self.session = get_session()  # twstock's session: mounts its TWSE/TPEx certificate adapter

    def close(self) -> None:
        self.session.close()

    def _one_try(self, fetcher: _MarketMixin, params: dict[str, str]) -> list:
        self.limiter.acquire()
        try:
            resp = self.session.get(
                fetcher.REPORT_URL, params=params, proxies=get_proxies(), timeout=self.settings.http_timeout_s
            )
        except requests.Timeout:
            raise _Retryable(f"timed out after {self.settings.http_timeout_s:g}s") from None
        except requests.RequestException as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__}") from None
        status = resp.status_code
        if status == 403 or (status == 200 and _looks_like_html(resp)):
            text = resp.content[:2000].decode("utf-8", "replace")
            why = "banned by the server (HTML block page)" if "很抱歉" in text or status == 403 else "HTML instead of JSON"
            raise _Retryable(f"HTTP {status}: {why}")
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}")
        if status != 200:
            raise _Fatal(f"HTTP {status} from {fetcher.REPORT_URL}")
        if not resp.content.strip():
            raise _Retryable("empty answer")
        try:
            payload = resp.json()
        except ValueError:
            raise _Retryable("undecodable JSON") from None
        return fetcher.decode(payload)

    def fetch_month(self, company: Company, month: Month) -> MonthResult:
        """All bars of ``company`` in ``month``; raises ``FinqaError`` after the last retry."""
        fetcher = self.fetchers.get(company.market)
        if fetcher is None:
            raise FinqaError(
                f"{company.code} is a {company.market} symbol: no live TWSE/TPEx source; "
                "import a Yahoo-style CSV with `finqa ingest import`"
            )
        params = fetcher.params(month[0], month[1], company.code)
        retries = max(0, self.settings.twse_retries)
        last = "no attempt"
        for attempt in range(retries + 1):
            try:
                rows = self._one_try(fetcher, params)
                bars, rejected = _to_bars(company.code, fetcher.source, rows, month)
                if rows and not bars and rejected:
                    raise _Retryable(f"answer holds only rows of another month ({rejected} rejected)")
                if rejected:
                    log.warning("%s %s: rejected %d rows dated outside the month", company.code, month_str(month), rejected)
                return MonthResult(bars=bars, rejected=rejected, attempts=attempt + 1)
            except _Fatal as exc:
                raise FinqaError(f"{exc}") from None
            except _Retryable as exc:
                last = str(exc)
                if attempt < retries:
                    delay = min(_MAX_BACKOFF_S, self.settings.twse_period_s * (2**attempt))
                    log.info("%s %s: %s; retry %d/%d in %.1fs", company.code, month_str(month), last,
                             attempt + 1, retries, delay)
                    self.sleep(delay)
        raise FinqaError(f"{last} (after {retries + 1} attempts)")


def _to_bars(code: str, source: str, rows: Iterable, month: Month) -> tuple[list[PriceBar], int]:
    """twstock ``Data`` tuples to bars; rows outside ``month`` are rejected, no-trade days skipped."""
    bars: list[PriceBar] = []
    rejected = 0
    for r in rows:
        d = r.date.date() if isinstance(r.date, datetime) else r.date
        if (d.year, d.month) != month:
            rejected += 1
            continue
        if r.close is None:  # "--": no trade that day, nothing to store
            continue
        bars.append(
            PriceBar(
                code=code, date=d, open=r.open, high=r.high, low=r.low, close=r.close,
                volume=float(r.capacity), turnover=float(r.turnover), transactions=int(r.transaction),
                change=r.change, source=source,
            )
        )
    # A month may list a day twice when an exchange corrects a row; the last one wins.
    unique = {b.date: b for b in bars}
    return [unique[d] for d in sorted(unique)], rejected


# --- planning -------------------------------------------------------------------------------------
def _fetched_at(store: Store, code: str) -> dict[str, datetime]:
    """When each month of ``code`` was fetched (the store keeps it beside the month mark)."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT month, fetched_at FROM fetched_months WHERE code=?", (code,)).fetchall()
    return {m: datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) for m, t in rows}


def plan_months(store: Store, code: str, start: Month, current: Month) -> list[Month]:
    """The months from ``start`` to ``current`` that need a request, oldest first.

    Skipped: months fetched after they ended (complete), and months holding imported bars that
    are older than the last stored month. Fetched again: the current month, and a month fetched
    while it was still running (it may lack its last days).
    """
    fetched = _fetched_at(store, code)
    last = store.last_bar_date(code)
    last_month = _month_of(last) if last else None
    bar_months: set[str] = set()
    if last is not None:
        idx = store.bars(code, start=date(start[0], start[1], 1)).index
        bar_months = set(idx.strftime("%Y-%m"))
    plan = []
    for m in month_range(start, current):
        key = month_str(m)
        if m == current:
            plan.append(m)
        elif key in fetched:
            if fetched[key] < _month_end_utc(m):
                plan.append(m)
        elif key in bar_months and last_month is not None and m < last_month:
            continue
        else:
            plan.append(m)
    return plan


def ingest_prices(
    store: Store,
    companies: list[Company],
    *,
    since: date | None,
    settings: Settings | None = None,
    progress: bool = True,
    on_progress: Callable[[float, str], None] | None = None,
    today: date | None = None,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Fetch the missing months of each company and store them, one transaction per month.

    Returns ``{"codes": {code: {"months_fetched", "new_rows", "rejected_rows", "months_planned"}},
    "errors": [...]}``. A month that still fails after the retries is listed in ``errors`` and
    nothing is written for it; the other months go on, and a rerun retries it.
    """
    settings = settings or get_settings()
    today = today or taipei_today()
    current = _month_of(today)
    start = _month_of(since) if since else _add_months(current, -12)
    if start > current:
        raise FinqaError(f"--since {month_str(start)} is after the current month {month_str(current)}")

    unique: dict[str, Company] = {}
    for c in companies:
        unique.setdefault(c.code, c)
    report: dict[str, Any] = {"codes": {}, "errors": []}
    plans: list[tuple[Company, Month]] = []
    for c in unique.values():
        months = plan_months(store, c.code, start, current)
        report["codes"][c.code] = {"months_planned": len(months), "months_fetched": 0, "new_rows": 0, "rejected_rows": 0}
        plans.extend((c, m) for m in months)
    log.info("prices: %d month requests for %d companies (%s .. %s)", len(plans), len(unique),
             month_str(start), month_str(current))

    client = MonthClient(settings, limiter=limiter, sleep=sleep)
    bar = tqdm(total=len(plans), desc="prices", unit="month", disable=not progress)
    try:
        for i, (company, month) in enumerate(plans, 1):
            entry = report["codes"][company.code]
            label = f"{company.code} {month_str(month)}"
            try:
                result = client.fetch_month(company, month)
            except FinqaError as exc:
                msg = f"{label}: {exc}; nothing written for this month, rerun to retry"
                log.warning(msg)
                report["errors"].append(msg)
                message = f"{label}: failed"
            else:
                new = store.upsert_bars(result.bars, month=(company.code, month_str(month)))
                entry["months_fetched"] += 1
                entry["new_rows"] += new
                entry["rejected_rows"] += result.rejected
                message = f"{label}: {len(result.bars)} bars ({new} new)"
            bar.update(1)
            bar.set_postfix_str(label)
            if on_progress is not None:
                on_progress(i / len(plans), message)
    finally:
        bar.close()
        client.close()
    if not plans and on_progress is not None:
        on_progress(1.0, "nothing to fetch")
    return report
