"""One article of the news just listed, picked by its place: "what does the first one say?",
"tell me more about #2", "第一則在說什麼", "第三篇呢".

Why: a news list shows headlines; the next question is often about one of them, by its number.
That question had been a sentence search for "the first one", which quotes whatever news is
nearest in meaning. The article is read from the store by its address (the listing kept the
addresses in their order), and its own opening sentences are given: without a language model
finqa quotes rather than summarises, and says so.
"""
from __future__ import annotations

import re
from typing import Any

from .i18n import answers_zh
from .slots import to_simplified, unquoted
from .types import Answer, Citation

ENGINE = "qa:article"
SENTENCES = 4  # the article's opening sentences quoted

_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                "fifth": 5, "5th": 5, "last": -1}
_ZH_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ITEM = r"(?:one|article|story|headline|item|link|piece|news)"
# On Simplified, lower-cased text: the ordinal is group 1 (English word), 2 (a number) or 3 (Chinese).
_PICK = re.compile(
    rf"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+{_ITEM}\b"
    rf"|(?:#|\[|\bnumber\s+|\bno\.\s*|\b{_ITEM}\s+)(\d{{1,2}})\]?"
    r"|第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?:则|篇|条|个|项|笔)|(最后一(?:则|篇|条))")
# What else such a question may hold (it is nothing but the pick and a request to read it).
_FILLER = re.compile(
    r"\b(?:what|whats|what's|does|do|did|is|it|say|says|said|about|tell|me|more|on|the|of|open|read|show|summari[sz]e|"
    r"details?|explain|and|so|ok|please|pls|in|that|this|can|you|give|what's|mean|means)\b"
    r"|在说什么|说什么|说了什么|讲什么|讲了什么|内容|是什么|在讲什么|详细|细节|呢|吗|的|看看|一下|那|打开|摘要|总结|介绍|再|多|说|讲|[\W_]")


# A feed's footer carried into the text ("The post … appeared first on …").
_FOOTER = re.compile(r"^\W*the post\b|\bappeared first on\b", re.I)


def picked_index(message: str) -> int | None:
    """The 1-based place of the article ``message`` asks about (-1 for "the last one"), when it
    asks about one article of a list by its place and nothing else; ``None`` otherwise."""
    s = to_simplified(unquoted(message or "")).lower()
    m = _PICK.search(s)
    if m is None:
        return None
    rest = _FILLER.sub(" ", s[: m.start()] + " " + s[m.end():])
    if rest.strip():
        return None  # "the first one to fall" / "第一季營收" ask something else
    if m.group(1):
        return _EN_ORDINALS[m.group(1)]
    if m.group(2):
        return int(m.group(2))
    if m.group(4):
        return -1
    word = m.group(3)
    return int(word) if word.isdigit() else _ZH_ORDINALS.get(word)


def article_answer(store: Any, urls: list[str], index: int, message: str) -> Answer:
    """The listed article at ``index`` (1-based; -1 the last): its headline, source, date and
    address, then its opening sentences as stored; a plain word when the list has no such place."""
    from .engines.qa import _informative, split_sentences

    zh = answers_zh(message)
    n = len(urls) if index == -1 else index
    if not urls or not 1 <= n <= len(urls):
        return Answer(route="qa", engine=ENGINE, answer=(
            f"剛才的清單只有 {len(urls)} 則，沒有第 {index} 則。" if zh else
            f"The list just shown has {len(urls)} article{'s' if len(urls) != 1 else ''}; there is no number {index}."))
    article = store.article(urls[n - 1])
    if article is None:  # the index listed it, the store no longer holds it
        return Answer(route="qa", engine=ENGINE, answer=(
            f"第 {n} 則（{urls[n - 1]}）已不在資料庫中。" if zh else
            f"Article {n} ({urls[n - 1]}) is no longer in the store."))
    from ingest.article_body import usable_body

    from .price_facts import TAIPEI

    day = article.published_at.astimezone(TAIPEI).date().isoformat() if article.published_at else None  # as listed
    # the description, then the body without site chrome (a cookie-consent page or an RSS footer is no text)
    body = usable_body(article.title, article.description, article.content)
    text = " ".join(x for x in (article.description, body) if x)
    title = article.title.strip()
    sentences = [s for s in dict.fromkeys(split_sentences(text))
                 if s.strip() != title and _informative(s) and not _FOOTER.search(s)][:SENTENCES]
    source = ", ".join(x for x in (article.source, day) if x)
    if zh:
        head = f"第 {n} 則：**{title}**（{source}） [1]"
        body = "\n".join(f"- {s}" for s in sentences) or "（資料庫中只有標題，沒有內文。）"
        foot = "以上是文章開頭的句子，照資料庫所存引用（newsapi 只提供每篇文章的開頭）；沒有語言模型，finqa 不自行摘要。"
    else:
        head = f"Article {n}: **{title}** ({source}) [1]"
        body = "\n".join(f"- {s}" for s in sentences) or "(The store holds its headline only, no text.)"
        foot = ("Its opening sentences as stored (newsapi gives the opening of each article); without a language model "
                "finqa quotes them rather than writing a summary of its own.")
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join([head, body, foot]), code=article.code,
                  citations=[Citation(n=1, title=title, source=article.source, date=day, url=article.url)])
