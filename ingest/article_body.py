"""Decide what of a news article's body is worth embedding and quoting.

Why: newsapi's ``content`` is often not the article. Measured on the 2025 newsapi file in
``../shared/data/news`` (790 articles):
- 653 of the 668 Chinese articles come with every CJK character stripped from ``content`` by
  newsapi, leaving a skeleton such as ``"TSMCTSMCAITSMC10\\r\\nRANDRAND Technology ..."`` while the
  title and description are intact. Embedded and quoted, these skeletons became answers like
  "2025 23 4 29 5 6 Technology Workshop".
- About 90 bodies are a cookie-consent page ("If you click 'Accept all', we and our partners
  ..."), a "site couldn't load" notice, a deal-site blurb or a bare copyright line.
- Some bodies open with site chrome ("Skip to content", "Type your search and hit enter", an
  affiliate disclaimer) before the real text.

The store keeps the body as fetched (so better rules later can reuse it); what gets chunked,
embedded and quoted is :func:`usable_body`, which drops chrome lines and returns ``None`` for a
body that carries no article text. Title and description always stay.
"""
from __future__ import annotations

import re

from .cjk import CJK_RE, has_cjk

_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"\w")

# A body that *starts* like one of these is a page about the page, not the article.
_NOT_ARTICLE = re.compile(
    r"^\W*(?:"
    r"if you click ['‘’]?accept all"
    r"|a required part of this site couldn.?t load"
    r"|this collaborative space allows users to contribute"
    r"|(?:we use|this (?:site|website) uses) cookies"
    r"|please enable (?:javascript|cookies)"
    r")",
    re.IGNORECASE,
)
# Lines of site chrome, removed wherever they stand.
_CHROME_LINE = re.compile(
    r"^\W*(?:skip to (?:main )?content\W*(?:type your search and hit enter)?"
    r"|type your search and hit enter"
    r"|when you purchase through links (?:in|on) our (?:articles|site).*"
    r"|advertisement"
    r"|©.*all rights reserved[\s|]*"
    r")\W*$",
    re.IGNORECASE,
)
# Below this share of CJK letters in the body, against a title and description at least 10% CJK,
# the body's Chinese (or Japanese) was stripped; the 15 intact Chinese bodies in the measured file
# all hold well over 30%.
_CJK_STRIPPED_SHARE = 0.05
_MIN_WORD_CHARS = 20


def cjk_share(text: str) -> float:
    """CJK characters among CJK plus Latin letters (0 when there are none)."""
    cjk = len(CJK_RE.findall(text))
    letters = cjk + len(_LATIN.findall(text))
    return cjk / letters if letters else 0.0


def body_problem(title: str, description: str | None, content: str | None) -> str | None:
    """Why ``content`` (already plain text) carries no article text, or ``None`` when it does."""
    if not content or not content.strip():
        return "empty"
    if _NOT_ARTICLE.search(content):
        return "a consent or error page, not the article"
    head = f"{title} {description or ''}"
    if has_cjk(head) and cjk_share(head) >= 0.1 and cjk_share(content) < _CJK_STRIPPED_SHARE:
        return "its Chinese characters were stripped by the news source"
    return None


def usable_body(title: str, description: str | None, content: str | None) -> str | None:
    """The article text of ``content`` without site chrome; ``None`` when nothing of the article is left."""
    if body_problem(title, description, content) is not None:
        return None
    lines = [line for line in (content or "").splitlines()
             if _WORD.search(line) and not _CHROME_LINE.match(line)]
    body = "\n".join(lines).strip()
    if len(_WORD.findall(body)) < _MIN_WORD_CHARS:
        return None
    return body


# Hosts whose URLs are an interstitial (a cookie-consent page with a one-off session id), not the
# article: newsapi hands out about one Yahoo link in ten like this. Kept as the article's identity,
# but a reader is not sent there.
_INTERSTITIAL_HOSTS = frozenset({"consent.yahoo.com", "guce.yahoo.com", "consent.google.com", "consent.youtube.com"})


def is_interstitial_url(url: str | None) -> bool:
    """Whether ``url`` leads to a consent page rather than the article (so it is not shown as a link)."""
    if not url:
        return False
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host in _INTERSTITIAL_HOSTS
