"""What a follow-up carries over from the last news question.

Why: "TSMC news" then "and 2454?" asks for 2454's news, and "台積電的營收" then "那聯發科呢"
asks for MediaTek's revenue; answered on their own words, such follow-ups would get a company
overview. Price questions have their own memory (``price_facts.price_question_of``), because
their periods need parsing; news questions are carried as text: the last question, asked again
of the company (or in the period) the follow-up names.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any


from .i18n import answers_zh
from .types import Answer

# Words that only mark a follow-up ("and", "what about", "那…呢"), stripped from what it adds.
_MARKERS = re.compile(
    r"^\s*(?:and|what about|how about|same for|same with|now|then|also|ok,? (?:and|now))\b"
    r"|^\s*(?:那麼|那么|還有|还有|換成|换成|改成|再來|再来|那如果|如果是|換|换|那)|呢|的呢"
    r"|[?？。.!！,，、\s]+$",
    re.IGNORECASE,
)


def news_question_of(asked: str, answer: Answer) -> str | None:
    """The question a session remembers after ``answer``: ``asked`` (as the engine read it)
    when the answer came from the news, ``None`` after any other kind of answer."""
    from .overview import ENGINE as OVERVIEW
    from .price_facts import ENGINE as PRICES

    if answer.route != "qa" or not answer.engine.startswith("qa:") or answer.engine in (PRICES, OVERVIEW):
        return None
    return asked


def follow_up_rest(message: str, directory: Any) -> str:
    """What a follow-up says besides the companies it names and its follow-up words ("and what
    about 2454?", "那聯發科呢？" → ""): empty when it only asks the last question of another company."""
    rest = directory.without_mentions(message)
    for _ in range(3):  # "and what about", "那…呢？"
        rest = _MARKERS.sub(" ", rest).strip()
    return rest


def carry_news_question(previous: str, message: str, codes: list[str], directory: Any) -> str:
    """``previous`` asked again with what the follow-up ``message`` changes: the companies it
    names (``codes``, empty when it names none) replace the previous ones, and a period it names
    ("what about last week?") replaces the previous one: "TSMC news" + "and 2454?" → "2454 news".
    A follow-up that says anything else ("TSMC ADR premium") is a question of its own: returned
    as it is.
    """
    rest = follow_up_rest(message, directory)
    from .periods import parse_period, strip_dates

    new_period = bool(rest) and parse_period(rest, date.today()).kind != "latest"
    if rest and not new_period:
        return message  # "TSMC ADR premium", "0050 holdings": a question of its own, not the last one again
    base = previous
    if codes:
        named = " ".join(codes)
        spans = directory.mention_spans(previous)
        if spans:
            base = directory.without_mentions(previous, first=named)
            if len(spans) > 1:  # "TSMC and UMC news" → "2454 news", not "2454 and news"
                base = re.sub(rf"({re.escape(named)})\s*(?:and|&|vs\.?|versus|or|和|與|与|跟|及|或|、|,|，)\s+",
                              r"\1 ", base, count=1)
        else:
            base = f"{named} {previous}"
    if not rest:
        return " ".join(base.split())
    base = strip_dates(base)  # "... in April 2025?" + "and in May?": May's, not both
    base = re.sub(r"\s+(?:in|on|during|for|of|from|since|at)\s*([?？。.!！]*)\s*$", r"\1", base)
    return " ".join(f"{base.rstrip('?？。.!！ ')} {rest}".split())


def carried_notice(question: str, message: str) -> str:
    """Says how a follow-up was read, so that a wrong reading is visible."""
    return (f"視為「{question}」：上一個問題，換成這次提到的公司或期間。" if answers_zh(message) else
            f"Read as “{question}”: the last question, asked again of what this message names.")


__all__ = ["carried_notice", "carry_news_question", "news_question_of"]
