"""A fake newsapi ``/v2/everything`` on loopback, with real-shaped answers and errors.

Success: ``{"status": "ok", "totalResults": N, "articles": [{"source": {"id", "name"}, "author",
"title", "description", "url", "urlToImage", "publishedAt", "content"}]}``.
Errors: ``{"status": "error", "code": "rateLimited", "message": "..."}`` with newsapi's HTTP
status for that code (401 key problems, 426 maximumResultsReached, 429 rateLimited, 400
parameter errors, 500 unexpectedError).

The corpus is a list of articles, each with the ``language`` it is served under; a query ``q``
(quoted phrases OR-ed, as finqa sends) matches an article when any phrase occurs in its title,
description or content, and its ``publishedAt`` lies within ``from``/``to`` (ISO-8601 strings
in UTC compare as text). ``max_results`` mimics the free plan's cap of 100 results per query.
``fail_at[n] = code`` makes the n-th request (1-based) answer that error.
"""
from __future__ import annotations

import json
import re
import threading
import zlib
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from . import LoopbackServer, QuietHandler

STATUS_OF = {
    "apiKeyDisabled": 401, "apiKeyExhausted": 401, "apiKeyInvalid": 401, "apiKeyMissing": 401,
    "parameterInvalid": 400, "parametersMissing": 400, "rateLimited": 429, "sourcesTooMany": 400,
    "sourceDoesNotExist": 400, "maximumResultsReached": 426, "unexpectedError": 500,
}
MESSAGES = {
    "rateLimited": "You have been rate limited. Back off for a while before trying the request again.",
    "apiKeyInvalid": "Your API key is invalid or incorrect. Check your key, or go to https://newsapi.org to create a free API key.",
    "apiKeyMissing": "Your API key is missing. Append this to the URL with the apiKey param, or use the x-api-key HTTP header.",
    "unexpectedError": "This shouldn't happen, and if it does then it's our fault, not yours. Try the request again shortly.",
}


def make_article(i: int, *, term: str, language: str, day: int = 1, html: bool = False, url: str | None = None,
                 source: str = "Fake Wire") -> dict[str, Any]:
    """A newsapi-shaped article mentioning ``term``; ``html`` wraps the body in markup."""
    title = f"{term} headline {i}"
    content = f"{term} reported quarterly revenue number {i}."
    description = f"About {term}, story {i}."
    if html:
        content = (f"<p>{term} <b>reported</b> revenue &amp; profit {i}.</p><script>track({i})</script>"
                   f"<div>Second&nbsp;paragraph</div>… [+2143 chars]")
        description = f"<a href='https://example.test/x'>About</a> {term} &lt;{i}&gt;"
    return {
        "source": {"id": None, "name": source},
        "author": f"Reporter {i % 7}",
        "title": title,
        "description": description,
        "url": url or f"https://news.example.test/{language}/{zlib.crc32(term.encode()) % 10_000}/{i}",
        "urlToImage": f"https://news.example.test/img/{i}.jpg",
        "publishedAt": f"2024-09-{day:02d}T{i % 24:02d}:15:00Z",
        "content": content,
        "language": language,  # finqa's fake only: which language filter serves it (stripped on the wire)
    }


@dataclass
class NewsRequest:
    params: dict[str, str]
    authorization: str | None
    status: int = 200
    error: str | None = None


@dataclass
class FakeNewsAPI(LoopbackServer):
    """See the module docstring."""

    api_key: str = "fake-newsapi-key-0123456789abcdef"
    articles: list[dict[str, Any]] = field(default_factory=list)
    max_results: int | None = None
    fail_at: dict[int, str] = field(default_factory=dict)
    echo_key_in_errors: bool = False
    requests: list[NewsRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v2"

    def _error(self, req: NewsRequest, code: str, message: str | None = None) -> tuple[int, dict]:
        req.status, req.error = STATUS_OF[code], code
        message = message or MESSAGES.get(code, f"{code}.")
        if self.echo_key_in_errors and req.authorization:
            message += f" (key used: {req.authorization})"
        return STATUS_OF[code], {"status": "error", "code": code, "message": message}

    def answer(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, dict]:
        key = headers.get("Authorization") or headers.get("X-Api-Key") or params.get("apiKey")
        req = NewsRequest(params=params, authorization=key)
        with self._lock:
            self.requests.append(req)
            n = len(self.requests)
        if path != "/v2/everything":
            return 404, {"status": "error", "code": "parameterInvalid", "message": f"no such endpoint {path}"}
        if n in self.fail_at:
            return self._error(req, self.fail_at[n])
        if not key:
            return self._error(req, "apiKeyMissing")
        if key != self.api_key:
            return self._error(req, "apiKeyInvalid")
        q = params.get("q")
        if not q:
            return self._error(req, "parametersMissing", "Required parameters are missing: q.")
        page, size = int(params.get("page", 1)), int(params.get("pageSize", 100))
        if self.max_results is not None and page * size > self.max_results:
            return self._error(
                req, "maximumResultsReached",
                f"You have requested too many results. Developer accounts are limited to a max of "
                f"{self.max_results} results. You are trying to request results {(page - 1) * size} to {page * size}.")
        terms = re.findall(r'"([^"]+)"', q) or [q]
        lang = params.get("language")
        start, end = params.get("from", ""), params.get("to", "9999")
        hits = [a for a in self.articles
                if (lang is None or a["language"] == lang)
                and start <= a["publishedAt"].rstrip("Z") <= end
                and any(t in f"{a['title']} {a['description']} {a['content']}" for t in terms)]
        hits.sort(key=lambda a: a["publishedAt"], reverse=True)
        chunk = [{k: v for k, v in a.items() if k != "language"} for a in hits[(page - 1) * size: page * size]]
        return 200, {"status": "ok", "totalResults": len(hits), "articles": chunk}


class _NewsHandler(QuietHandler):
    fake: FakeNewsAPI

    def do_GET(self) -> None:  # noqa: N802
        parts = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(parts.query))
        status, payload = self.fake.answer(parts.path, params, self.headers)
        self.send_body(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8")


FakeNewsAPI.handler_class = _NewsHandler
