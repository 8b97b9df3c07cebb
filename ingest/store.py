"""The local store: SQLite in WAL mode under the data dir.

Why SQLite: embedded, no server, atomic transactions. Every write is a batch inside one
transaction, keyed by (code, date) for prices and by url for news, so a rerun never duplicates
and a run killed mid-way (kill -9) leaves either a whole batch or none of it. Fetch progress
(which months are complete) is written in the same transaction as the rows, so a rerun resumes.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .types import Article, Company, PriceBar

_SCHEMA = """
CREATE TABLE IF NOT EXISTS prices (
    code TEXT NOT NULL,
    date TEXT NOT NULL,
    open REAL, high REAL, low REAL, close REAL NOT NULL,
    volume REAL, turnover REAL, transactions INTEGER, change REAL, adj_close REAL,
    source TEXT,
    PRIMARY KEY (code, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS news (
    url TEXT PRIMARY KEY,
    code TEXT,
    title TEXT NOT NULL,
    description TEXT, content TEXT, source TEXT, author TEXT,
    published_at TEXT NOT NULL,
    language TEXT,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS news_code_time ON news (code, published_at);
CREATE TABLE IF NOT EXISTS fetched_months (
    code TEXT NOT NULL, month TEXT NOT NULL, fetched_at TEXT NOT NULL,
    PRIMARY KEY (code, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS symbols (
    code TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT, market TEXT NOT NULL, kind TEXT
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY, day TEXT NOT NULL, value INTEGER NOT NULL
);
"""

PRICE_COLUMNS = [
    "code", "date", "open", "high", "low", "close", "volume", "turnover",
    "transactions", "change", "adj_close", "source",
]


def _iso_utc(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


class Store:
    """Thread-safe access to the SQLite store. One per process (see ``open_store``)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic batch: all of it lands, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    # --- prices ------------------------------------------------------------------------------
    def upsert_bars(self, bars: Iterable[PriceBar], *, month: tuple[str, str] | None = None) -> int:
        """Insert or replace bars; returns how many (code, date) keys were new.

        ``month=(code, "YYYY-MM")`` also marks that month as fetched, in the same transaction.
        """
        rows = [b.to_row() for b in bars]
        with self.transaction() as conn:
            before = conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
            conn.executemany(
                f"INSERT OR REPLACE INTO prices ({','.join(PRICE_COLUMNS)}) "
                f"VALUES ({','.join(':' + c for c in PRICE_COLUMNS)})",
                rows,
            )
            if month is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO fetched_months VALUES (?, ?, ?)",
                    (month[0], month[1], _iso_utc(datetime.now(timezone.utc))),
                )
            after = conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
        return after - before

    def fetched_months(self, code: str) -> set[str]:
        return {m for (m,) in self._query("SELECT month FROM fetched_months WHERE code=?", (code,))}

    def last_bar_date(self, code: str) -> date | None:
        (last,) = self._query("SELECT MAX(date) FROM prices WHERE code=?", (code,))[0]
        return date.fromisoformat(last) if last else None

    def bars(self, code: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """Bars of one code, oldest first, as a DataFrame indexed by ``date`` (Timestamp).

        ``end`` is inclusive. Point-in-time callers pass the last day they may see.
        """
        sql = "SELECT * FROM prices WHERE code=?"
        params: list[Any] = [code]
        if start is not None:
            sql += " AND date>=?"
            params.append(start.isoformat())
        if end is not None:
            sql += " AND date<=?"
            params.append(end.isoformat())
        with self._lock:
            df = pd.read_sql_query(sql + " ORDER BY date", self._conn, params=params)
        df["date"] = pd.to_datetime(df["date"])
        return df.set_index("date")

    def all_bars(self) -> pd.DataFrame:
        """Every stored bar, sorted by (code, date): the input of vectorised window building."""
        with self._lock:
            df = pd.read_sql_query("SELECT * FROM prices ORDER BY code, date", self._conn)
        df["date"] = pd.to_datetime(df["date"])
        return df

    def newest_bar_date(self) -> date | None:
        """The newest day any stored bar has (``None`` for an empty store)."""
        rows = self._query("SELECT MAX(date) FROM prices")
        return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def price_codes(self) -> list[str]:
        return [c for (c,) in self._query("SELECT DISTINCT code FROM prices ORDER BY code")]

    def news_codes(self) -> list[str]:
        """The codes that have stored news (news about no company has none)."""
        return [c for (c,) in self._query("SELECT DISTINCT code FROM news WHERE code IS NOT NULL AND code<>'' ORDER BY code")]

    def news_span(self) -> dict[str, tuple[int, str, str]]:
        """Per code ('' for news about no company): (articles, first and last ``published_at``)."""
        return {code: (n, first, last) for code, n, first, last in self._query(
            "SELECT COALESCE(code, ''), COUNT(*), MIN(published_at), MAX(published_at) FROM news GROUP BY 1 ORDER BY 1")}

    # --- news --------------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> int:
        """Insert articles not seen before (by url); returns how many were new.

        An article already stored keeps its code unless it had none.
        """
        now = _iso_utc(datetime.now(timezone.utc))
        rows = [
            (a.url, a.code, a.title, a.description, a.content, a.source, a.author,
             _iso_utc(a.published_at), a.language, now)
            for a in articles
        ]
        with self.transaction() as conn:
            before = conn.execute("SELECT COUNT(*) FROM news").fetchone()[0]
            conn.executemany(
                "INSERT INTO news VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET "
                "code=COALESCE(news.code, excluded.code)",
                rows,
            )
            after = conn.execute("SELECT COUNT(*) FROM news").fetchone()[0]
        return after - before

    def articles(
        self,
        code: str | None = None,
        *,
        before: datetime | None = None,
        since: datetime | None = None,
        language: str | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Articles newest first. ``before`` is exclusive: the point-in-time cut."""
        sql = "SELECT url, title, published_at, code, description, content, source, author, language FROM news WHERE 1=1"
        params: list[Any] = []
        if code is not None:
            sql += " AND code=?"
            params.append(code)
        if before is not None:
            sql += " AND published_at<?"
            params.append(_iso_utc(before))
        if since is not None:
            sql += " AND published_at>=?"
            params.append(_iso_utc(since))
        if language is not None:
            sql += " AND language=?"
            params.append(language)
        sql += " ORDER BY published_at DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            Article(url=r[0], title=r[1], published_at=_parse_utc(r[2]), code=r[3], description=r[4],
                    content=r[5], source=r[6], author=r[7], language=r[8])
            for r in self._query(sql, params)
        ]

    def article(self, url: str) -> Article | None:
        """The stored article at ``url`` (its key), or ``None``: a listing's "what does the first one
        say?" reads it back by the address it showed."""
        rows = self._query("SELECT url, title, published_at, code, description, content, source, author, language "
                           "FROM news WHERE url=? LIMIT 1", (url,))
        if not rows:
            return None
        r = rows[0]
        return Article(url=r[0], title=r[1], published_at=_parse_utc(r[2]), code=r[3], description=r[4],
                       content=r[5], source=r[6], author=r[7], language=r[8])

    # --- symbols that twstock does not know (US tickers from Yahoo-style imports) --------------
    def upsert_symbol(self, company: Company) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO symbols VALUES (?,?,?,?,?)",
                (company.code, company.name_zh, company.name_en, company.market, company.kind),
            )

    def symbols(self) -> list[Company]:
        return [
            Company(code=r[0], name_zh=r[1] or r[0], name_en=r[2], market=r[3], kind=r[4] or "stock")
            for r in self._query("SELECT code, name_zh, name_en, market, kind FROM symbols")
        ]

    # --- daily counters (newsapi quota) ------------------------------------------------------
    def count_today(self, name: str, add: int = 0, *, today: date | None = None) -> int:
        """Read (and optionally bump) a per-UTC-day counter; resets when the day changes."""
        day = (today or datetime.now(timezone.utc).date()).isoformat()
        with self.transaction() as conn:
            row = conn.execute("SELECT day, value FROM counters WHERE name=?", (name,)).fetchone()
            value = row[1] if row and row[0] == day else 0
            value += add
            conn.execute("INSERT OR REPLACE INTO counters VALUES (?,?,?)", (name, day, value))
        return value

    # --- status ------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """The payload of ``finqa ingest status --json``."""
        prices = {
            code: {"rows": n, "first": first, "last": last}
            for code, n, first, last in self._query(
                "SELECT code, COUNT(*), MIN(date), MAX(date) FROM prices GROUP BY code ORDER BY code"
            )
        }
        news = {
            code: n
            for code, n in self._query(
                "SELECT COALESCE(code, ''), COUNT(*) FROM news GROUP BY code ORDER BY code"
            )
        }
        return {"prices": prices, "news": news}


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: Path | str | None = None) -> Store:
    """The one Store for a path in this process (nothing opens the database twice)."""
    if path is None:
        from .config import get_settings

        path = get_settings().store_path
    key = Path(path).resolve()
    with _stores_lock:
        if key not in _stores:
            _stores[key] = Store(key)
        return _stores[key]
