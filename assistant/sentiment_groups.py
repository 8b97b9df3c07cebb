"""News sentiment across companies: "how is the sentiment on chip stocks?", "半導體類股新聞情緒",
"which company has the most positive news?", "哪家公司的新聞最負面".

Why: sentiment is read one company at a time (``engines.sentiment``), but users ask about an
industry, or which company the news likes best. Both are the same classification over the news of
several companies: each company's articles (only those that name it, the newest 50 at most) in
the window asked (the 30 days before the as-of date or now by default), every article classified
once, then per company the counts and the net score, and for an industry the whole group's too.

Point in time like every engine: with an as-of date, only news published strictly before it.
A company with fewer than ``MIN_ARTICLES`` articles in the window is listed apart, not ranked: a
net score of +1.00 from one headline says nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .price_format import company_label, company_of, is_taiwan
from .slots import unquoted

MIN_ARTICLES = 3
TOP = 5

# On Simplified, lower-case text.
_RANKING = re.compile(
    r"\b(?:which|what)\b.{0,40}\b(?:compan(?:y|ies)|stocks?|names|tickers|firms?)\b.{0,40}"
    r"\b(?:most|least|best|worst)\s+(?:positive|negative|bullish|bearish|upbeat|gloomy|favou?rable)\b"
    r"|\b(?:most|least)\s+(?:positive|negative|bullish|bearish|upbeat|gloomy)\s+(?:news|sentiment|coverage|headlines|press)\b"
    r"|\b(?:rank|ranking)\b.{0,30}\b(?:sentiment|news tone)\b|\bsentiment (?:ranking|leaders?|laggards?)\b"
    r"|\b(?:best|worst) (?:news )?sentiment\b"
    r"|哪(?:一)?(?:家|档|支|只|些|个).{0,12}(?:新闻|消息|情绪|舆情).{0,6}(?:最|比较)(?:正面|负面|好|差|乐观|悲观|利多|利空)"
    r"|(?:新闻|情绪|舆情).{0,4}最(?:正面|负面|好|差|乐观|悲观)|情绪(?:排行|排名)|舆情(?:排行|排名)")
# "which industry has the most positive news?", "哪個產業的新聞最正面": industries ranked, not companies.
_BY_INDUSTRY = re.compile(r"\b(?:which|what)\s+(?:industry|industries|sector|sectors)\b|\bby (?:industry|sector)\b"
                          r"|哪(?:一)?(?:个|些)?(?:产业|类股|族群|行业)|(?:产业|类股|族群)(?:别)?(?:的)?(?:情绪|新闻)?(?:排行|排名)")
# "what's the overall market sentiment?", "台股整體情緒", "市場情緒如何": every stored company's news as one.
_OVERALL = re.compile(r"\b(?:overall|market|whole market|market-wide|general)\s+(?:news\s+)?(?:sentiment|mood|tone)\b"
                      r"|\bsentiment (?:of|on|in|across) the (?:whole |taiwan(?:ese)? )?(?:market|stock market)\b"
                      r"|(?:整体|市场|台股|股市|大盘)(?:的)?(?:整体)?(?:新闻)?(?:情绪|氛围|舆情)")
_NEGATIVE_FIRST = re.compile(r"\b(?:negative|bearish|gloomy|worst|least positive|bad news)\b|负面|差|悲观|利空|坏消息")


@dataclass
class Group:
    """Whose news to read: the companies, how the answer names them, and the industry if any."""

    codes: list[str]
    label: str
    label_zh: str
    industry: str | None = None
    negative_first: bool = False
    ranking: bool = False
    named: bool = False  # the companies the question names ("sentiment of 2330 and 2454"), side by side
    overall: bool = False  # "the overall market sentiment": the group's total said first
    by_industry: bool = False  # "which industry has the most positive news?": industries ranked


# "show me the negative ones", "list the positive articles", "負面的有哪些", "列出利多新聞": every article
# of one label, not the counts and the top three. On simplified, lower-cased text.
_LABEL_LIST = re.compile(
    r"\b(?:show|list|give|see|read)\b.{0,20}\b(?:(?:all|the|only)\s+)?(negative|positive|neutral|bearish|bullish|bad|good)"
    r"\s+(?:ones|articles|news|headlines|stories|items)\b"
    r"|\b(?:which|what)\s+(?:are|were)\s+the\s+(negative|positive|neutral|bearish|bullish)\s+(?:ones|articles|news|headlines)\b"
    r"|\ball\s+(?:the\s+)?(negative|positive|neutral|bearish|bullish)\s+(?:ones|articles|news|headlines|stories)\b"
    r"|^\s*(?:and\s+|only\s+)?(?:the\s+)?(negative|positive|neutral|bearish|bullish)\s+ones\s*[?？.!]*\s*$"
    r"|(负面|正面|中性|利空|利多)(?:的)?(?:新闻|消息|文章|标题)?(?:有)?(?:哪些|是哪几则|是哪些|清单)"
    r"|列出.{0,6}(负面|正面|中性|利空|利多)"
    # "why is it negative?", "why so positive?", "為什麼是負面": the articles read that way are the reason
    r"|\bwhy\s+(?:is|was|are|were)\s+(?:it|that|this|the news|the sentiment|the score|the tone)\s+(?:so\s+)?"
    r"(negative|positive|bearish|bullish)\b|\bwhy\s+(?:so\s+)?(negative|positive|bearish|bullish)\b"
    r"|(?:为什么|为何)(?:会|是)?(?:这么|那么)?(负面|正面|利空|利多)")
_LIST_LABELS = {"negative": "negative", "bearish": "negative", "bad": "negative", "负面": "negative", "利空": "negative",
                "positive": "positive", "bullish": "positive", "good": "positive", "正面": "positive", "利多": "positive",
                "neutral": "neutral", "中性": "neutral"}


def asked_label_list(message: str) -> str | None:
    """The label whose articles ``message`` asks to list ("show me the negative ones": ``negative``),
    or ``None``."""
    from .slots import to_simplified

    m = _LABEL_LIST.search(to_simplified(unquoted(message or "")).lower())
    return _LIST_LABELS[next(g for g in m.groups() if g)] if m else None


def asks_negative_first(message: str) -> bool:
    """Whether ``message`` asks about the bad news first ("any negative news about 2330?", 利空)."""
    return bool(message) and bool(_NEGATIVE_FIRST.search(unquoted(message)))


def asks_sentiment_ranking(message: str) -> bool:
    """Whether ``message`` asks which companies' news is the most positive (or negative)."""
    return bool(message) and bool(_RANKING.search(unquoted(message)))


def asks_about_a_group(message: str) -> bool:
    """Whether ``message`` is about several companies' news at once: an industry it names ("chip
    stocks", 半導體類股) or a ranking of companies by their news. Such a message names no misspelt
    company, whatever a name guesser would make of "半導體類股"."""
    from ingest.industries import industry_named

    s = unquoted(message)
    return industry_named(s) is not None or bool(_RANKING.search(s) or _BY_INDUSTRY.search(s) or _OVERALL.search(s))


def group_of(message: str, store: Any) -> Group | None:
    """The companies a sentiment question without a company is about: an industry it names ("chip
    stocks", 半導體類股), or every company with stored news for a ranking; ``None`` otherwise."""
    from ingest.industries import industry_named

    if not asks_about_a_group(message):
        return None
    s = unquoted(message)
    industry = industry_named(s)
    ranking = asks_sentiment_ranking(message)
    codes = store.news_codes()
    if industry is None and (_BY_INDUSTRY.search(s) or _OVERALL.search(s)):
        by_industry = bool(_BY_INDUSTRY.search(s))
        return Group(codes=[c for c in codes if is_taiwan(c)], label="all companies with stored news",
                     label_zh="所有有已存新聞的公司", negative_first=bool(_NEGATIVE_FIRST.search(s)), ranking=True,
                     overall=True, by_industry=by_industry)
    if industry is not None:
        codes = [c for c in codes if industry.covers(company_of(c))]
        label, label_zh = f"{industry.name_en} ({industry.name_zh}) companies", f"{industry.name_zh}公司"
    else:
        codes = [c for c in codes if is_taiwan(c)]
        label, label_zh = "any company", "任何公司"
    return Group(codes=codes, label=label, label_zh=label_zh, industry=industry.name_zh if industry else None,
                 negative_first=bool(_NEGATIVE_FIRST.search(s)), ranking=ranking or industry is not None)


def named_group(codes: list[str], message: str) -> Group:
    """The companies a question names ("compare news sentiment of 2330 and 2454", "台積電和聯發科的
    新聞情緒"): each one's tone side by side, in the order of their net scores."""
    return Group(codes=list(codes), label="the companies named", label_zh="所問的公司",
                 negative_first=bool(_NEGATIVE_FIRST.search(unquoted(message))), ranking=True, named=True)


@dataclass
class CompanyTone:
    code: str
    counts: dict[str, int] = field(default_factory=lambda: {"negative": 0, "neutral": 0, "positive": 0})

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def score(self) -> float:
        return (self.counts["positive"] - self.counts["negative"]) / self.n if self.n else 0.0

    def to_json(self, zh: bool) -> dict[str, Any]:
        return {"code": self.code, "name": company_label(self.code, company_of(self.code), zh), "n": self.n,
                **self.counts, "score": round(self.score, 4)}


def gather(group: Group, store: Any, since: datetime, until: datetime,
           naming: Any, per_company: int) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """The articles to classify (each once, however many companies it is filed under) and, per
    company, the indexes of its articles among them. ``naming(articles, code)`` keeps those that
    name the company (``engines.sentiment._naming_the_company``)."""
    from .engines.sentiment import _headline_text

    by_code: dict[str, list[Any]] = {}
    wanted = set(group.codes)
    for a in store.articles(before=until, since=since):
        if a.code in wanted:
            by_code.setdefault(a.code, []).append(a)
    items: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    of_company: dict[str, list[int]] = {}
    for code, articles in by_code.items():
        named, _ = naming(articles, code)
        for a in named[:per_company]:
            if a.url not in index:
                index[a.url] = len(items)
                items.append({"title": a.title, "text": _headline_text(a), "url": a.url,
                              "date": a.published_at.date().isoformat()})
            of_company.setdefault(code, []).append(index[a.url])
    return items, of_company


def newest_before(group: Group, store: Any, until: datetime) -> datetime | None:
    """The newest stored article of the group before ``until`` (for a stale window)."""
    wanted = set(group.codes)
    for a in store.articles(before=until, limit=2000):
        if a.code in wanted:
            return a.published_at
    return None


def tones(of_company: dict[str, list[int]], labels: list[str]) -> list[CompanyTone]:
    """Per company, the counts of its articles' labels."""
    out = []
    for code, idx in of_company.items():
        tone = CompanyTone(code)
        for i in idx:
            tone.counts[labels[i]] += 1
        out.append(tone)
    return out


def render(group: Group, ranked: list[CompanyTone], few: list[CompanyTone], overall: Any, what: str,
           zh: bool) -> str:
    """The answer: the group's overall reading (for an industry), then the companies ranked."""
    lines: list[str] = []
    c = overall.counts
    if group.industry is not None or group.overall:
        lines.append(f"{group.label_zh}（{what}）整體：正面 {c['positive']}、中性 {c['neutral']}、負面 {c['negative']}；"
                     f"淨分數 {overall.score:+.2f}。" if zh else
                     f"{group.label[:1].upper()}{group.label[1:]}, overall ({what}): {c['positive']} positive, {c['neutral']} neutral, "
                     f"{c['negative']} negative; net score {overall.score:+.2f}.")
    if group.by_industry:
        lines.extend(_industry_lines(group, [*ranked, *few], zh))
    elif ranked:
        order = "最負面" if group.negative_first else "最正面"
        head = (f"依新聞淨分數排名（{order}在前；至少 {MIN_ARTICLES} 則新聞的公司）：" if zh else
                f"Companies by the net score of their news ({'most negative' if group.negative_first else 'most positive'} "
                f"first; those with at least {MIN_ARTICLES} articles):")
        if group.named:
            head = (f"並列比較（{'最負面' if group.negative_first else '最正面'}在前；新聞少於 {MIN_ARTICLES} 則的不排名）：" if zh else
                    f"Side by side, by the net score of their news ({'most negative' if group.negative_first else 'most positive'} "
                    f"first; fewer than {MIN_ARTICLES} articles are not ranked):")
        if group.industry is None:
            head = (f"{what}，" if zh else f"{what[0].upper()}{what[1:]}. ") + head
        lines.append(head)
        for i, t in enumerate(ranked[:TOP], 1):
            lines.append(_tone_line(i, company_label(t.code, company_of(t.code), zh), t, zh))
    else:
        lines.append(f"沒有任何公司在這段期間有至少 {MIN_ARTICLES} 則新聞，無法排名。" if zh else
                     f"No company has at least {MIN_ARTICLES} articles in the window, so none is ranked.")
    if few and not group.by_industry:
        names = ("、" if zh else ", ").join(t.code for t in few)
        lines.append(f"新聞少於 {MIN_ARTICLES} 則、未排名：{names}。" if zh else
                     f"Fewer than {MIN_ARTICLES} articles, not ranked: {names}.")
    read = {t.code for t in [*ranked, *few]}
    for code in (c for c in group.codes if group.named and c not in read):  # a company named with nothing to read
        lines.append(f"{company_label(code, company_of(code), zh)}：這段期間沒有提及它的已存新聞（`finqa ingest news {code}`）。" if zh else
                     f"{company_label(code, company_of(code), zh)}: no stored news naming it in the window (`finqa ingest news {code}`).")
    lines.append("（情緒由分類器判讀標題與摘要；只涵蓋 finqa 已存的新聞，不是全部市場的看法。）" if zh else
                 "(Labels come from the classifier reading each headline and summary; only the news finqa has "
                 "stored is read, not the whole market's view.)")
    return "\n".join(lines)


def _tone_line(i: int, name: str, t: CompanyTone, zh: bool, extra: str = "") -> str:
    """One ranked line: its place, name, net score and counts (and ``extra`` after them)."""
    k = t.counts
    if zh:
        return f"{i}. {name} {t.score:+.2f}（{t.n} 則：正面 {k['positive']}、中性 {k['neutral']}、負面 {k['negative']}{'；' + extra if extra else ''}）"
    return (f"{i}. {name} {t.score:+.2f} ({t.n} articles: {k['positive']} positive, {k['neutral']} neutral, "
            f"{k['negative']} negative{'; ' + extra if extra else ''})")


def industry_tones(tones: list[CompanyTone]) -> dict[str, tuple[CompanyTone, list[str]]]:
    """Per TWSE industry, its companies' counts summed (as one tone) and its companies; a company
    the directory gives no industry is left out."""
    out: dict[str, tuple[CompanyTone, list[str]]] = {}
    for t in tones:
        company = company_of(t.code)
        industry = getattr(company, "industry", None) if company is not None else None
        if not industry:
            continue
        total, codes = out.setdefault(industry, (CompanyTone(industry), []))
        for k, v in t.counts.items():
            total.counts[k] += v
        codes.append(t.code)
    return out


def _industry_lines(group: Group, tones: list[CompanyTone], zh: bool) -> list[str]:
    """"Which industry has the most positive news?": the industries ranked by the net score of all
    their companies' articles (those with at least ``MIN_ARTICLES``), each with its best company."""
    from ingest.industries import english_name

    sign = 1 if group.negative_first else -1
    rows = sorted(((name, t, codes) for name, (t, codes) in industry_tones(tones).items() if t.n >= MIN_ARTICLES),
                  key=lambda r: (sign * r[1].score, -r[1].n))
    order = ("最負面" if group.negative_first else "最正面") if zh else ("most negative" if group.negative_first else "most positive")
    lines = [f"依產業的新聞淨分數排名（{order}在前；產業內各公司提及它的新聞合計，至少 {MIN_ARTICLES} 則）：" if zh else
             f"Industries by the net score of their companies' news ({order} first; each industry's articles together, "
             f"at least {MIN_ARTICLES}):"]
    if not rows:
        return [f"沒有任何產業在這段期間有至少 {MIN_ARTICLES} 則新聞，無法排名。" if zh else
                f"No industry has at least {MIN_ARTICLES} articles in the window, so none is ranked."]
    for i, (name, t, codes) in enumerate(rows[:TOP], 1):
        who = ("、" if zh else ", ").join(codes[:4]) + ("…" if len(codes) > 4 else "")
        lines.append(_tone_line(i, name if zh else f"{english_name(name) or name} ({name})", t, zh, who))
    lines.append("（產業別依證交所分類；一個產業只有幾家公司時，它的分數說明不了整個產業。）" if zh else
                 "(Industries as TWSE classifies them; an industry with few stored companies says little about the whole industry.)")
    return lines


__all__ = ["CompanyTone", "Group", "MIN_ARTICLES", "asks_negative_first", "asks_about_a_group", "asks_sentiment_ranking", "gather", "group_of", "named_group",
           "industry_tones", "newest_before", "render", "tones"]
