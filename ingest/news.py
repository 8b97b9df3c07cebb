"""News about listed companies from newsapi (``NewsApiClient.get_everything``), stored by URL.

Why this shape:
- The free plan allows 100 requests a day and 100 results a query, so each (company, language)
  is ONE query naming the company every way it is written (Traditional and Simplified Chinese
  name, English name, OR-ed), paged with the largest page size, and every request is counted
  in the store (a per-UTC-day counter shared by every run of the day).
- Every page is written as soon as it arrives (deduplicated by URL in the store), so when newsapi
  says stop (``rateLimited``, ``maximumResultsReached``, a bad key) or the daily budget is spent,
  the run ends with a clear message in ``report["stopped"]`` and keeps everything fetched.
- The key goes only into newsapi's ``Authorization`` header; messages that reach logs or the
  report are scrubbed of it in case a server echoes it back.
- newsapi-python has its endpoint URLs as constants; a ``requests.Session`` that rebases them on
  ``settings.newsapi_url`` lets the real client talk to a loopback fake in tests or to a proxy.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import requests
from newsapi import NewsApiClient, const
from newsapi.newsapi_exception import NewsAPIException
from tqdm.auto import tqdm

from .config import Settings, get_settings
from .errors import FinqaError
from .html import strip_html
from .store import Store
from .types import Article, Company

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # newsapi's maximum
REQUEST_COUNTER = "newsapi_requests"
_NEWSAPI_BASE = const.EVERYTHING_URL.rsplit("/", 1)[0]  # "https://newsapi.org/v2"
_TRUNCATION = re.compile(r"\s*(?:…|\.\.\.)?\s*\[\+\d+ chars\]\s*$")

# newsapi error codes after which no further request can succeed in this run.
_STOP_HINTS = {
    "rateLimited": "newsapi says the request rate or the plan's daily quota is exceeded; wait and rerun",
    "maximumResultsReached": "newsapi's plan allows no more results for this query (the free plan stops at 100); "
                             "narrow --days or upgrade the plan",
    "apiKeyInvalid": "newsapi rejected the key: check NEWSAPI_KEY",
    "apiKeyMissing": "newsapi received no key: set NEWSAPI_KEY",
    "apiKeyDisabled": "the newsapi key is disabled: check the account, then set NEWSAPI_KEY",
    "apiKeyExhausted": "the newsapi key has no requests left: wait for the quota to reset",
}


class _RebasedSession(requests.Session):
    """Sends newsapi-python's requests to ``base_url`` instead of https://newsapi.org/v2."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith(_NEWSAPI_BASE):
            url = self.base_url + url[len(_NEWSAPI_BASE):]
        kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=1)
def _to_simplified() -> Callable[[str], str]:
    try:
        from opencc import OpenCC

        return OpenCC("t2s").convert
    except Exception:  # pragma: no cover - opencc is a dependency; stay useful without it
        return lambda s: s


def company_query(company: Company) -> str:
    """All the ways the company is written, quoted and OR-ed: one query instead of three."""
    names: list[str] = []
    for name in (company.name_zh, _to_simplified()(company.name_zh or ""), company.name_en):
        name = (name or "").replace('"', " ").strip()
        if name and name not in names:
            names.append(name)
    if not names:
        names = [company.code]
    return " OR ".join(f'"{n}"' for n in names)


def _scrub(text: str, key: str | None) -> str:
    return text.replace(key, "***") if key else text


def _published(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc)


def parse_articles(raw: Iterable[Any], *, code: str | None, language: str | None) -> list[Article]:
    """newsapi article objects to ``Article``; removed or broken items are skipped."""
    out: list[Article] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        url = (item.get("url") or "").strip()
        title = strip_html(item.get("title") or "") or ""
        published = _published(item.get("publishedAt"))
        if not url or not title or title == "[Removed]" or published is None:
            log.debug("skipping a news item without url, title or date")
            continue
        content = item.get("content")
        if isinstance(content, str):
            content = _TRUNCATION.sub("", content)
        source = item.get("source")
        out.append(
            Article(
                url=url, title=title, published_at=published, code=code,
                description=strip_html(item.get("description")) or None,
                content=strip_html(content) or None,
                source=(source.get("name") if isinstance(source, dict) else source) or None,
                author=strip_html(item.get("author")) or None,
                language=language,
            )
        )
    return out


def _error_code(exc: NewsAPIException) -> tuple[str, str]:
    body = exc.exception if isinstance(exc.exception, dict) else {}
    return str(body.get("code") or "unknown"), str(body.get("message") or "")


class _Stop(Exception):
    pass


def ingest_news(
    store: Store,
    companies: list[Company],
    *,
    days: int = 30,
    languages: list[str] | tuple[str, ...] = ("zh", "en"),
    settings: Settings | None = None,
    progress: bool = True,
    on_progress: Callable[[float, str], None] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Fetch the last ``days`` of news for each company and language; store each page at once.

    Returns ``{"requests", "new_articles", "codes": {code: new}, "stopped": None | message,
    "errors": [...]}``. ``stopped`` says why the run ended early (missing or rejected key, rate
    limit, result cap, daily budget); what was fetched before stays stored.
    """
    settings = settings or get_settings()
    if days < 1:
        raise FinqaError(f"--days must be at least 1, got {days}")
    langs = list(dict.fromkeys(languages))
    bad = [x for x in langs if x not in const.languages]
    if not langs or bad:
        raise FinqaError(f"unsupported news language(s) {bad or langs}; newsapi knows {', '.join(sorted(const.languages))}")
    unique: dict[str, Company] = {}
    for c in companies:
        unique.setdefault(c.code, c)
    report: dict[str, Any] = {"requests": 0, "new_articles": 0, "codes": {c: 0 for c in unique}, "stopped": None,
                              "errors": []}

    key = settings.newsapi_key_value()
    if not key:
        report["stopped"] = ("NEWSAPI_KEY is not set: get a free key at https://newsapi.org/register and "
                             "`export NEWSAPI_KEY=...` (or set newsapi_key in finqa.toml); nothing was fetched")
        log.warning(report["stopped"])
        return report

    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    window = {"from_param": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S"),
              "to": now.strftime("%Y-%m-%dT%H:%M:%S")}
    queries = [(c, lang, company_query(c)) for c in unique.values() for lang in langs]
    session = _RebasedSession(settings.newsapi_url, settings.http_timeout_s)
    client = NewsApiClient(api_key=key, session=session)
    limit = settings.newsapi_daily_limit
    bar = tqdm(total=len(queries), desc="news", unit="query", disable=not progress)

    def stop(message: str) -> None:
        kept = report["new_articles"]
        report["stopped"] = _scrub(f"{message} (stopped after {report['requests']} requests; "
                                   f"{kept} new articles kept)", key)
        log.warning(report["stopped"])
        raise _Stop

    try:
        for i, (company, lang, q) in enumerate(queries, 1):
            page = 1
            while True:
                used = store.count_today(REQUEST_COUNTER)
                if used >= limit:
                    stop(f"the daily budget of {limit} newsapi requests is spent ({used} today, "
                         "UTC day); rerun tomorrow or raise newsapi_daily_limit")
                store.count_today(REQUEST_COUNTER, add=1)
                report["requests"] += 1
                label = f"{company.code} [{lang}] page {page}"
                try:
                    answer = client.get_everything(q=q, language=lang, sort_by="publishedAt", page=page,
                                                   page_size=PAGE_SIZE, **window)
                except NewsAPIException as exc:
                    code, message = _error_code(exc)
                    if code in _STOP_HINTS:
                        stop(f"newsapi {code}: {_STOP_HINTS[code]}. Server said: {_scrub(message, key)}")
                    report["errors"].append(_scrub(f"{label}: newsapi {code}: {message}", key))
                    log.warning(report["errors"][-1])
                    break
                except (requests.RequestException, ValueError) as exc:
                    # Timeouts, refused connections, non-JSON error pages: skip this query.
                    report["errors"].append(_scrub(f"{label}: {type(exc).__name__}: {exc}", key))
                    log.warning(report["errors"][-1])
                    break
                if not isinstance(answer, dict) or not isinstance(answer.get("articles", []), list):
                    report["errors"].append(f"{label}: newsapi answered something that is not an article list")
                    log.warning(report["errors"][-1])
                    break
                raw = answer.get("articles") or []
                articles = parse_articles(raw, code=company.code, language=lang)
                new = store.upsert_articles(articles) if articles else 0
                report["new_articles"] += new
                report["codes"][company.code] += new
                total = int(answer.get("totalResults") or 0)
                log.info("%s: %d articles (%d new), %d results in all", label, len(articles), new, total)
                if len(raw) < PAGE_SIZE or page * PAGE_SIZE >= total:
                    break
                page += 1
            bar.update(1)
            if on_progress is not None:
                on_progress(i / len(queries), f"{company.code} [{lang}]: {report['codes'][company.code]} new")
    except _Stop:
        if on_progress is not None:
            on_progress(1.0, report["stopped"])
    finally:
        bar.close()
        session.close()
    return report
