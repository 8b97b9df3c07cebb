"""What the store holds: "which companies do you cover?", "when was the data last updated?",
"what data do you have for 2330?", "資料更新到哪天", "有哪些半導體股".

Why: these are questions about finqa itself, and the news cannot answer them; routed to the news
they got "no indexed news covers this question". The answer reads the store: which companies
have prices (by market, or within an industry named), from when to when, how old the newest bar
is, how much news there is and how recent, and the command that fetches newer data.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ingest.cjk import CJK_CHARS, has_cjk

from .i18n import answers_zh
from .price_facts import ENGINE, STALE_DAYS, TAIPEI
from .price_format import company_label, company_of
from .slots import in_users_script, to_simplified, unquoted, without_companies
from .types import Answer, Citation, EngineRequest

NEWS_RANKED = 10  # companies listed for "which company has the most news?"

# Matched on simplified, lower-cased text.
_COVERAGE = re.compile(
    r"\b(?:which|what)(?: [a-z-]+){0,2} (?:companies|stocks|tickers|codes|symbols|equities)\b.{0,30}\b(?:store|stored|cover|covered|support|supported|"
    r"track|tracked|available|know about|database|(?:do|does|did) (?:you|finqa|we) (?:have|hold|keep)|you have|have (?:data|prices))\b"
    r"|\blist (?:the |all |your )?(?:stored |covered |available |tracked )?(?:companies|stocks|tickers|symbols)\b"
    # "give me the list of all companies you cover", "show me every stock you support", "stocks you track"
    r"|\b(?:companies|stocks|tickers|symbols|codes)(?: that)? (?:do )?(?:you|finqa) (?:cover|support|track|store|have|hold|know)\b"
    r"|\b(?:supported|covered|available|tracked) (?:companies|stocks|tickers|symbols)\b"
    r"|\bevery (?:company|stock|ticker|symbol) (?:that )?(?:you|finqa) (?:cover|support|track|store|have|hold|know)\b"
    r"|\bhow many (?:companies|stocks|tickers|symbols)\b.{0,30}\b(?:cover|store|stored|track|have|know|database|db)\b"
    r"|\b(?:when|how recent|how fresh|how old|how up to date)\b.{0,30}\b(?:data|prices|news|store|database)\b.{0,20}"
    r"\b(?:last updated|updated|refreshed|ingested|fetched|end|ends|go back)\b"
    r"|\bhow (?:recent|fresh|old|up to date) (?:is|are) (?:the |your |finqa'?s? )?(?:data|store|database|news|prices)\b"
    r"|\b(?:data|prices|news|store|database) (?:last updated|up to date)\b|\bwhat data\b"
    r"|\bdata (?:coverage|status|freshness|range)\b"
    # "what's the latest date you have data for?", "how far back does your data go?"
    r"|\b(?:latest|newest|last|most recent|earliest|first)\s+(?:date|day)\b.{0,30}\b(?:data|prices|news)\b"
    r"|\bhow far back\b.{0,30}\b(?:data|prices|news|store|history)\b"
    r"|\b(?:data|prices|news)\b.{0,20}\b(?:up to|until|through|as of) (?:when|what date|which date)\b"
    r"|\b(?:which|what) (?:industries|sectors)\b.{0,30}\b(?:cover|covered|have|store|stored|track|tracked|available)\b"
    r"|\b(?:list|show) (?:the |all |your )?(?:industries|sectors)\b|(?:有|涵盖|收录)(?:哪些|几个)(?:产业|类股|行业)"
    r"|(?:有|存了?|收录|涵盖|追踪)(?:哪些|几家)(?:家)?(?:公司|股票|个股|标的|[^\s，。？?]{1,6}股(?![东利息价数份]))"
    r"|(?:有|存了?|收录|涵盖|追踪)多少(?:家)?(?:公司|股票|个股|标的)"
    r"|(?:资料|数据)(?:库)?(?:更新)?(?:到|截至|截止)(?:哪|何|什么|几)|(?:资料|数据|新闻)(?:库)?的?(?:更新|范围|涵盖|多新)"
    r"|最后更新|资料库(?:有|里有)|有(?:什么|哪些)资料|上市柜(?:公司|股票|股)?(?:有哪些|有几家|列表|清单)"
)


# "which companies have the most positive news?", "which stocks rose the most?": rankings, not coverage.
_RANKING = re.compile(r"\b(?:most|least|best|worst|top|highest|lowest|biggest|largest|rose|fell|gained|lost)\b"
                      r"|最|涨|跌|排行|排名")


# "how many articles about 2330?", "which has more news, 2330 or 2454?", "台積電有幾則新聞": a count
# of what the store holds, ranked by it when several companies (or none) are asked about.
_NEWS_COUNT = re.compile(
    r"\bhow many (?:news(?: articles| stories| items| reports)?|articles|headlines|stories)\b"
    r"|\b(?:which|who|what)\b.{0,40}\b(?:more|most|fewer|less|least) (?:news|articles|headlines|coverage)\b"
    r"|(?:几|多少)(?:则|篇|条)(?:新闻|报导|报道)?|新闻(?:有)?(?:几|多少)(?:则|篇|条|个)?(?![\w])|哪.{0,12}新闻(?:比较|较|更|最)?(?:多|少)"
    # "廣達跟緯創誰的新聞比較多"
    r"|谁(?:的)?新闻(?:比较|较|更|最)?(?:多|少)")


# "how many articles mention tariffs?": a topic is counted, which is a news search, not coverage.
_TOPIC_AFTER = re.compile(r"\b(?:mention\w*|contain\w*|about|on|regarding|covering|talk\w* about)\b(.*)$|(?:提到|提及|关于|有关|谈到)(.*)$")
_NOT_A_TOPIC = re.compile(r"\b(?:each|every|them|it|its|the|these|those|both|all|companies|company|stocks?|shares?|you|your|"
                          r"finqa|store|database|have|do|does|there|are|is|or|and|vs|versus)\b|新闻|报导|报道|的|吗|呢|[\W_\d]")


def asks_news_count(message: str) -> bool:
    """Whether ``message`` asks how much news the store holds on companies (the companies named,
    or all): not how many articles mention a topic."""
    if not message or not _NEWS_COUNT.search(unquoted(message)):
        return False
    from ingest.companies import get_directory

    m = _TOPIC_AFTER.search(unquoted(get_directory().without_mentions(message)))
    return m is None or not _NOT_A_TOPIC.sub("", m.group(1) or m.group(2) or "").strip()


_MENTIONS = re.compile(r"\b(?:mention\w*|contain\w*|talk\w* about|refer\w* to|cit(?:e|es|ing))\b(.*)$|(?:提到|提及|谈到|谈及)(.*)$")


def asked_count_topic(message: str) -> str | None:
    """The topic of "how many articles about Acer mention tariffs?" / "有幾則新聞提到關稅" ("tariffs",
    "关税"), Simplified and lower-cased; ``None`` when the question counts no topic."""
    if not message or not _NEWS_COUNT.search(unquoted(message)):
        return None
    from ingest.companies import get_directory

    rest = unquoted(get_directory().without_mentions(message))
    # "about Acer mention tariffs": the words after "mention" are the topic, "about" names the company
    m = _MENTIONS.search(rest) or _TOPIC_AFTER.search(rest)
    if m is None:
        return None
    words = [w for w in re.findall(rf"[a-z][a-z0-9&+-]*|[{CJK_CHARS}]+", next(g for g in m.groups() if g is not None) or "")
             if not _NOT_A_TOPIC.fullmatch(w)]
    words = [re.sub(r"^(?:的)|(?:的|吗|呢)$", "", w) for w in words]
    return " ".join(w for w in words if w) or None


def topic_count_answer(req: EngineRequest, store: Any, topic: str) -> Answer:
    """How many stored articles (about the companies named, or all) mention ``topic``: each word
    of it (an English word with or without its plural s; Chinese as written, in either script),
    point in time, with the newest few listed. A count, not a search: "how many articles about
    Acer mention tariffs?" had quoted Acer's sentences closest in meaning to the question."""
    from ingest.companies import get_directory

    zh = answers_zh(req.message)
    codes = list(dict.fromkeys(c for c in [req.code, *req.codes] if c))
    directory = get_directory()
    # an English word on its own (its plural too), also beside Chinese text ("AI伺服器"); Chinese as written
    pats = [re.compile(rf"(?<![a-z0-9]){re.escape(w[:-1] if w.endswith('s') and len(w) > 3 else w)}s?(?![a-z0-9])")
            if re.match(r"[a-z]", w) else re.compile(re.escape(w)) for w in topic.split()]
    before = datetime.combine(req.as_of, datetime.min.time(), tzinfo=TAIPEI) if req.as_of else None
    pool = [a for c in codes or [None] for a in store.articles(c, before=before)]
    if codes:  # filed under a code on a full-text match: only the ones that name the company
        pool = [a for a in pool if directory.mentions(f"{a.title}\n{a.description or ''}\n{a.content or ''}", a.code)]
    seen: set[str] = set()
    pool = [a for a in pool if not (a.url in seen or seen.add(a.url))]
    hits = [a for a in pool
            if all(p.search(to_simplified(f"{a.title}\n{a.description or ''}\n{a.content or ''}").lower()) for p in pats)]
    hits.sort(key=lambda a: a.published_at, reverse=True)
    shown = hits[:5]
    whose = (" " + "、".join(company_label(c, company_of(c), True) for c in codes) + " 的" if zh else
             " about " + " and ".join(company_label(c, company_of(c), False) for c in codes)) if codes else ""
    if zh:
        head = (f"資料庫中{whose} {len(pool)} 則新聞裡，有 **{len(hits)} 則**提到「{in_users_script(topic, req.message)}」"
                + ("：" if shown else "。"))
    else:
        head = (f"**{len(hits)}** of the {len(pool)} stored articles{whose} mention \"{topic}\""
                + (" (newest first):" if shown else "."))
    lines = [f"- {_news_day(a.published_at.isoformat())} {a.title} [{i}]" for i, a in enumerate(shown, 1)]
    foot = ("（依文字比對計算：標題、摘要與內文含有這些詞；finqa 不判斷文章是否以它為主題。）" if zh else
            "(Counted by the words themselves, in the title, description or body; finqa does not judge whether the "
            "article is about them.)")
    if re.search(r"[a-z]", topic) and any(has_cjk(a.title) for a in pool):
        foot += ("英文詞只比對英文文字：中文新聞請用中文詞再問一次。" if zh else
                 " English words match English text only: ask again with the Chinese words for the Chinese articles.")
    citations = [Citation(n=i, title=a.title, source=a.source, date=_news_day(a.published_at.isoformat()), url=a.url)
                 for i, a in enumerate(shown, 1)]
    return Answer(route="qa", engine=ENGINE, answer="\n".join([head, *lines]) + "\n\n" + foot, citations=citations,
                  code=req.code, notices=list(req.notices))


def follows_coverage(req: EngineRequest) -> bool:
    """Whether ``req`` is "and 2454?" after a question about what the store holds ("how many
    articles about 2330?"): the same question, of the company it names now."""
    previous = req.follows_price_question
    if not (previous and req.code and is_coverage_question(previous)):
        return False
    from ingest.companies import get_directory

    from .followups import follow_up_rest

    return not follow_up_rest(req.message, get_directory())


# Companies users ask about that are not listed in Taiwan: "NVIDIA stock price", "輝達股價預測".
# finqa covers TWSE/TPEx (a US symbol imported for an evaluation is in the directory, so it is
# found before this list is read). On Simplified, lower-cased text.
FOREIGN = {
    "nvidia": "NVIDIA (NVDA, Nasdaq)", "辉达": "NVIDIA (NVDA, Nasdaq)", "英伟达": "NVIDIA (NVDA, Nasdaq)",
    "apple": "Apple (AAPL, Nasdaq)", "苹果": "Apple (AAPL, Nasdaq)", "samsung": "Samsung Electronics (Korea Exchange)",
    "三星": "Samsung Electronics (Korea Exchange)", "intel": "Intel (INTC, Nasdaq)", "英特尔": "Intel (INTC, Nasdaq)",
    "amd": "AMD (Nasdaq)", "超微": "AMD (Nasdaq)", "microsoft": "Microsoft (MSFT, Nasdaq)", "微软": "Microsoft (MSFT, Nasdaq)",
    "alphabet": "Alphabet (GOOGL, Nasdaq)", "google": "Alphabet (GOOGL, Nasdaq)", "谷歌": "Alphabet (GOOGL, Nasdaq)",
    "amazon": "Amazon (AMZN, Nasdaq)", "亚马逊": "Amazon (AMZN, Nasdaq)", "tesla": "Tesla (TSLA, Nasdaq)",
    "特斯拉": "Tesla (TSLA, Nasdaq)", "qualcomm": "Qualcomm (QCOM, Nasdaq)", "高通": "Qualcomm (QCOM, Nasdaq)",
    "broadcom": "Broadcom (AVGO, Nasdaq)", "博通": "Broadcom (AVGO, Nasdaq)", "micron": "Micron (MU, Nasdaq)",
    "美光": "Micron (MU, Nasdaq)", "sk hynix": "SK hynix (Korea Exchange)", "海力士": "SK hynix (Korea Exchange)",
    "asml": "ASML (Euronext Amsterdam, Nasdaq)", "艾司摩尔": "ASML (Euronext Amsterdam, Nasdaq)",
    # US tickers as users type them ("NVDA price"); TSM, the ADR of 2330, is the directory's (an
    # alias of 2330 with a notice), not this list's.
    "nvda": "NVIDIA (NVDA, Nasdaq)", "aapl": "Apple (AAPL, Nasdaq)", "intc": "Intel (INTC, Nasdaq)",
    "msft": "Microsoft (MSFT, Nasdaq)", "googl": "Alphabet (GOOGL, Nasdaq)", "goog": "Alphabet (GOOGL, Nasdaq)",
    "amzn": "Amazon (AMZN, Nasdaq)", "tsla": "Tesla (TSLA, Nasdaq)", "qcom": "Qualcomm (QCOM, Nasdaq)",
    "avgo": "Broadcom (AVGO, Nasdaq)", "meta": "Meta Platforms (META, Nasdaq)", "smci": "Super Micro Computer (SMCI, Nasdaq)",
    "super micro": "Super Micro Computer (SMCI, Nasdaq)", "supermicro": "Super Micro Computer (SMCI, Nasdaq)",
    "美超微": "Super Micro Computer (SMCI, Nasdaq)", "dell": "Dell Technologies (DELL, NYSE)",
    "戴尔": "Dell Technologies (DELL, NYSE)",
}
_FOREIGN = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in FOREIGN if k.isascii()) + r")\b|"
                      + "|".join(re.escape(k) for k in FOREIGN if not k.isascii()))


def foreign_aliases(text: str) -> list[tuple[str, list[str]]]:
    """(a foreign company's name as ``text`` (Simplified, lower-cased) writes it, its other names)
    for each one named: "辉达" → ("辉达", ["nvidia", "英伟达", "nvda"]), so that a news filter that
    asks for 輝達 finds an article that writes NVIDIA."""
    out = []
    for m in _FOREIGN.finditer(text):
        name = m.group(0)
        label = FOREIGN.get(name)
        if label is not None and not any(name == mine for mine, _ in out):
            out.append((name, [k for k, v in FOREIGN.items() if v == label and k != name]))
    return out


# Topics the news writes in either language (Simplified, lower-cased): a filter that asks for one
# name finds an article that writes another ("news about TSMC Arizona" finds 亞利桑那, "華為" finds
# Huawei), as foreign companies' names do.
TOPIC_GROUPS: tuple[tuple[str, ...], ...] = (
    ("arizona", "亚利桑那"), ("kumamoto", "熊本"), ("japan", "japanese", "日本"), ("germany", "dresden", "德国", "德勒斯登"),
    ("india", "印度"), ("vietnam", "越南"), ("mexico", "墨西哥"), ("huawei", "华为"),
    ("tariff", "tariffs", "关税"), ("2nm", "2奈米", "2纳米", "n2"), ("3nm", "3奈米", "3纳米", "n3"),
    ("electric vehicle", "electric vehicles", "ev", "evs", "电动车", "电动汽车"),
    ("ai server", "ai servers", "ai伺服器", "ai服务器"), ("capex", "capital expenditure", "capital spending", "资本支出"),
    ("earnings call", "法说会"), ("revenue", "营收"), ("smartphone", "smartphones", "手机", "智能手机", "智慧型手机"),
)


def topic_aliases(text: str) -> list[tuple[str, list[str]]]:
    """(a name as ``text`` (Simplified, lower-cased) writes it, its other names) for each foreign
    company (:func:`foreign_aliases`) and each topic of :data:`TOPIC_GROUPS` it names."""
    out = foreign_aliases(text)
    for group in TOPIC_GROUPS:
        for name in sorted(group, key=len, reverse=True):
            at = (re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", text) if name.isascii()
                  else (re.search(re.escape(name), text)))
            if at is not None:
                out.append((name, [k for k in group if k != name]))
                break
    return out


_MARKET_ASK = re.compile(r"\b(?:stocks?|shares?|prices?|close[ds]?|quote|forecast\w*|predict\w*|outlook|sentiment|buy|sell|"
                         r"worth|trading|rise|fall|go up|go down)\b|股价|股票|收盘|预测|走势|情绪|会涨|会跌|涨跌|目标价|买|卖")


def foreign_company(message: str) -> str | None:
    """The non-Taiwan company a market question is about ("NVIDIA stock price", "輝達股價"), for
    a message that names no TWSE/TPEx company; ``None`` otherwise ("what did Hon Hai say about
    NVIDIA?" is a Taiwan company's news)."""
    from ingest.companies import get_directory

    s = unquoted(message)
    m = _FOREIGN.search(s)
    # "compare with Qualcomm" after a MediaTek answer: a comparison is a market question too; so is
    # the name asked alone ("what about Apple?", "how is NVIDIA doing?", "輝達呢")
    asks = (_MARKET_ASK.search(s) or (_COMPARES.search(s) and not _NEWS_WORDS.search(s))
            or (m is not None and _BARE_ASK.fullmatch(s[:m.start()] + " " + s[m.end():])))
    if m is None or not asks or get_directory().find_in_text(message):
        return None
    return FOREIGN[m.group(0)]


_BARE_ASK = re.compile(r"[\W_]*(?:(?:and|what|about|how|is|are|'s|doing|the|company|inc|corp|then|ok|so|呢|那|那么|还有|怎么样|如何|"
                       r"最近|表现|好吗)[\W_]*)*")
# "compare TSMC and Samsung", "TSMC vs NVIDIA stock", "台積電跟三星哪個好", "is MediaTek better than Qualcomm?"
_COMPARES = re.compile(r"\b(?:compare\w*|comparison|vs\.?|versus|better|worse|than|outperform\w*)\b|"
                       r"比较|比一比|对比|相比|哪个|哪一个|哪家|还是|跑赢|胜过|赢过|\bpk\b|(?:跟|和|与|同)\S{1,10}比")
_NEWS_WORDS = re.compile(r"\b(?:news|headlines?|said|says|say|talk\w*|mention\w*|deal|order\w*|supply|suppl\w*|custom\w*|"
                         r"partner\w*|contract\w*)\b|新闻|消息|报导|报道|订单|供应|客户|合作|说")


def foreign_comparison(message: str, conversation: list[str] | None = None) -> tuple[str, list[Any]] | None:
    """(the foreign company, the Taiwan companies) when ``message`` compares a Taiwan company's
    market with one finqa does not cover ("compare TSMC and Samsung", or "那跟高通比呢" after
    聯發科: the ``conversation``'s companies when it names none); ``None`` otherwise, and for news
    about them ("TSMC's orders from NVIDIA vs AMD" is the news's to answer)."""
    from ingest.companies import get_directory

    s = unquoted(message)
    m = _FOREIGN.search(s)
    if m is None or not _COMPARES.search(s) or _NEWS_WORDS.search(s):
        return None
    directory = get_directory()
    local = directory.find_in_text(message) or [c for c in (directory.get(code) for code in conversation or []) if c]
    return (FOREIGN[m.group(0)], local) if local else None


def cannot_compare(name: str, local: list[Any], zh: bool) -> str:
    """The answer to a comparison of Taiwan companies with one finqa does not cover: what it can
    give instead, with the questions that ask for it."""
    first = local[0]
    mine = "、".join(f"{c.code} {c.name_zh}" for c in local) if zh else ", ".join(
        f"{c.code} {c.name_en or c.name_zh}" for c in local)
    if zh:
        return (f"{name} 不在台灣上市櫃：finqa 只有台灣證交所（TWSE）與櫃買中心（TPEx）公司的股價與新聞，"
                f"無法拿它和 {mine} 比較。可以改問：`{first.name_zh}近況如何`（{first.name_zh}的股價、新聞情緒與預測），"
                f"或和台灣公司比較，例如 `{first.name_zh}和{'鴻海' if first.code == '2454' else '聯發科'}比較`。")
    name_en = first.name_en or first.code
    other = "Hon Hai" if first.code == "2454" else "MediaTek"
    return (f"{name} is not listed in Taiwan: finqa holds prices and news of TWSE and TPEx companies only, so it cannot "
            f"compare it with {mine}. Ask instead `How is {name_en} doing?` (its prices, news sentiment and forecast), "
            f"or compare it with a Taiwan company, e.g. `compare {name_en} and {other}`.")


def not_covered(name: str, zh: bool) -> str:
    """The answer to a market question about a company finqa does not cover."""
    if zh:
        return (f"{name} 不在台灣上市櫃：finqa 只涵蓋台灣證交所（TWSE）與櫃買中心（TPEx）的公司，"
                "沒有它的股價、預測或新聞情緒。可以改問台灣的相關公司，例如 `台積電股價`、`廣達新聞`。")
    return (f"{name} is not listed in Taiwan: finqa covers TWSE and TPEx companies only, so it has no prices, "
            "forecast or news sentiment for it. Ask about a Taiwan company instead, e.g. `2330 price` or `Quanta news`.")


# Markets finqa holds no prices of at all: "bitcoin price", "gold price today", "S&P 500 today",
# "台幣匯率", "美股今天怎麼樣". On Simplified, lower-cased text; (English name, Chinese name).
_OTHER_ASSETS: tuple[tuple[re.Pattern[str], tuple[str, str]], ...] = tuple((re.compile(p), names) for p, names in (
    (r"\bbitcoin\b|\bbtc\b|\bethereum\b|\bcrypto(?:currenc(?:y|ies))?\b|比特币|以太坊|加密货币|虚拟货币",
     ("crypto-assets such as bitcoin", "比特幣等加密資產")),
    (r"\bgold\b|黄金|金价", ("gold", "黃金")),
    (r"\b(?:crude )?oil (?:price|prices|futures)\b|\bcrude\b|原油|油价", ("oil", "原油")),
    (r"\bs&p(?: 500)?\b|\bdow(?: jones)?\b|\bnasdaq(?: composite| 100)?\b|\bus stocks?\b|\bwall street\b|美股|道琼|纳斯达克|那斯达克|标普|费半",
     ("US stock indexes", "美股指數")),
    (r"\bexchange rates?\b|\busd\s*/?\s*twd\b|\btwd\s*/?\s*usd\b|\bforex\b|汇率|美元兑|台币兑",
     ("exchange rates", "匯率")),
))
_ASSET_ASK = re.compile(r"\b(?:price|prices|quote|today|now|trading|forecast\w*|predict\w*|outlook|rate|rates|doing|"
                        r"up|down|rise|fall|worth|level)\b|价|多少|今天|现在|怎么样|如何|行情|走势|预测|涨|跌|汇率")


def other_asset(message: str) -> tuple[str, str] | None:
    """(English, Chinese) name of a market finqa stores no prices of, when ``message`` asks for its
    price or outlook and names no Taiwan company ("gold price today", "台幣匯率"); else ``None``
    ("news about bitcoin" is the news's to answer)."""
    from ingest.companies import get_directory

    s = unquoted(message)
    if not _ASSET_ASK.search(s) or re.search(r"\bnews\b|\bheadlines?\b|新闻|消息", s) or get_directory().find_in_text(message):
        return None
    return next((names for pattern, names in _OTHER_ASSETS if pattern.search(s)), None)


def no_asset_prices(names: tuple[str, str], zh: bool) -> str:
    """The answer to a price question about a market finqa does not store."""
    if zh:
        return (f"finqa 只儲存台灣上市櫃公司（TWSE、TPEx）的股價與新聞，沒有{names[1]}的價格或預測。"
                f"可以問 `{names[1]}新聞` 看已存新聞怎麼說，或改問台灣公司，例如 `台積電股價`。")
    return (f"finqa stores prices and news of Taiwan-listed companies (TWSE, TPEx) only: it has no prices or forecasts "
            f"of {names[0]}. Ask `news about {names[0].split(' such as ')[-1]}` for what the stored news says, or about "
            "a Taiwan company, e.g. `2330 price`.")


# Words beside an industry or market that ask for nothing else: "TPEx stocks", "上櫃股票有哪些", "chip stocks?"
_GROUP_FILLER = re.compile(r"\b(?:stocks?|shares|companies|names|list|all|the|which|what|are|is|show|me|of|in|taiwan|industry|"
                           r"sector|group|belong|to|there|do|does|you|have|cover|covered|track|tracked|support|supported)\b"
                           r"|股票?|公司|类股|有哪些|哪些|列出|有什么|你们?|支援|涵盖|[\W_]")


# "TPEx stocks", "上櫃有哪些" list a market's companies; "what is TPEx?", "什麼是上櫃" ask its meaning.
_LISTS = re.compile(r"\b(?:stocks?|shares|companies|names|list|which|show)\b|股|公司|哪些|列出|有什么")


def names_only_a_group(message: str) -> bool:
    """Whether ``message`` names an industry or market and nothing else: which companies it holds
    (a question of what the market is, "what is TPEx?", is the glossary's)."""
    from ingest.industries import industry_named

    from .glossary import terms_asked

    s = unquoted(message)
    if terms_asked(message) and not _LISTS.search(to_simplified(s).lower()):
        return False
    industry = industry_named(s)
    return industry is not None and not _GROUP_FILLER.sub("", re.sub(industry.pattern, " ", s))


_INDUSTRIES = re.compile(r"\bindustries\b|\bsectors\b|产业|类股|行业")


# "do you have 0050?", "do you cover MediaTek?", "is 2330 in your database?", "有0050的資料嗎", "有沒有聯發科":
# whether finqa holds a company, asked with nothing else (on Simplified, lower-cased text; "do you have news
# about UMC?" asks for the news).
_HAVE_IT = re.compile(r"\b(?:do|does) (?:you|finqa|the store|your (?:database|store))\s+(?:have|cover|track|hold|store|support|know|carry)\b"
                      r"|\b(?:in|covered by) (?:your|the|finqa'?s?) (?:database|store|data|coverage)\b|有没有|有.{1,16}(?:的)?(?:资料|数据)"
                      r"|(?:收录|涵盖|追踪)(?:了)?")
_HAVE_FILLER = re.compile(r"\b(?:do|does|you|finqa|have|cover|covered|track|hold|store|support|know|about|carry|any|data|prices?|"
                          r"info|information|on|for|of|the|a|an|is|are|in|your|database|coverage|by|stock|stocks|company|ticker|etf|"
                          r"yet|already|there)\b|有没有|有|的|资料|数据|吗|呢|收录|涵盖|追踪|了|股价|[?？!！.。,，\s]")


def asks_company_coverage(message: str) -> bool:
    """Whether ``message`` asks whether finqa holds the companies it names, and nothing else."""
    from ingest.companies import get_directory

    s = unquoted(message or "")
    if not _HAVE_IT.search(s) or re.search(r"\bnews\b|\bheadlines?\b|新闻|消息", s):
        return False
    directory = get_directory()
    if not directory.find_in_text(message):
        return False
    return not _HAVE_FILLER.sub("", to_simplified(directory.without_mentions(message)).lower())


def is_coverage_question(message: str) -> bool:
    """Whether ``message`` asks what data finqa holds (not a question about a company's news)."""
    if not message:
        return False
    s = unquoted(message)
    return (asks_news_count(message) or names_only_a_group(message) or asks_company_coverage(message)
            or (bool(_COVERAGE.search(s)) and not _RANKING.search(s)))


# "what is 0050?", "who is MediaTek?", "台積電是什麼公司", "介紹一下聯發科": what the company is.
_IDENTITY_EN = re.compile(r"^\s*(?:(?:what|who)(?:'s|\s+is|\s+are)\s+(?:the\s+)?(?:company\s+|stock\s+|ticker\s+|etf\s+)?"
                          r"|what\s+(?:does|do)\s+(?:the\s+)?(?:company\s+|it\s+|they\s+)?(?:do|make|sell|produce)"
                          r"(?:\s+for a living)?"
                          # "what business is it in?", "what kind of company is it?"
                          r"|what\s+(?:business|kind of (?:company|business)|type of (?:company|business))\s+is\s+"
                          r"(?:it\s+|this\s+)?(?:in)?"
                          # "what industry is 2382 in?", "which sector does Quanta belong to?", "which market is 6488 on?"
                          r"|(?:what|which)\s+(?:industry|sector|market|exchange)\s+(?:is|does)\s+(?:in|on|belong\s+to|trade\s+on"
                          r"|listed\s+on)?"
                          # "is 6488 listed on TPEx?", "where is 2330 listed?", "is 8299 a TWSE or TPEx stock?"
                          r"|is\s+(?:it\s+)?(?:listed|traded)\s+on\s+(?:the\s+)?(?:twse|tpex|taiwan stock exchange|taipei exchange|otc)"
                          r"(?:\s+or\s+(?:the\s+)?(?:twse|tpex|otc))?"
                          r"|where\s+(?:is|does)\s+(?:it\s+)?(?:listed|traded|trade)|is\s+(?:it\s+)?an?\s+(?:twse|tpex|otc)"
                          r"(?:\s+or\s+(?:an?\s+)?(?:twse|tpex|otc))?\s+(?:stock|company|listing))[\W_]*$")
_IDENTITY_ZH = re.compile(r"^[\W_]*(?:它|这家公司|这家|该公司)?(?:是(?:一家|一档|一支)?(?:什么|甚么|啥|哪家|怎样的|怎么样的)(?:样的)?(?:公司|股票|企业|etf|基金)?"
                          r"|(?:是|主要)?(?:在)?(?:做|干|卖|生产)(?:什么|甚么|啥|嘛)(?:的)?(?:公司)?"
                          r"|的?主要?业务(?:是)?(?:什么)?|介绍(?:一下)?|简介|是谁"
                          # "廣達是什麼產業", "緯創屬於哪個類股", "6488在哪個市場"
                          r"|(?:是|属于|算)(?:什么|哪个|哪一个|哪种)(?:产业|类股|行业|族群)|(?:在)?(?:哪个|哪一个)(?:市场|交易所)(?:上市|挂牌)?"
                          # "6488是上市還是上櫃", "台積電是上櫃股票嗎", "緯創在哪裡上市"
                          r"|(?:是)?(?:上市|上柜)(?:还是|或|或是)(?:上市|上柜)(?:股票|公司)?|是(?:上市|上柜)(?:股票|公司|股)?"
                          r"|在哪(?:里|边)?(?:上市|挂牌|交易))[\W_吗呢啊]*$")


def is_identity_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks only what the company ``code`` is (named once, nothing else)."""
    if not code or not message:
        return False
    rest = without_companies(message).strip()
    return bool(_IDENTITY_EN.match(rest) or _IDENTITY_ZH.match(rest))


def identity_head(code: str, company: Any, zh: bool) -> tuple[str, list[str]]:
    """(the line that says what the company is: its market, kind, industry, other names and ADR;
    those other names), from the directory alone: what an answer can say with nothing stored."""
    from ingest.industries import english_name

    label = company_label(code, company, zh)
    names = [n for n in dict.fromkeys([company.name_zh, company.name_en or "", *company.aliases])
             if n and n != code and n not in label]  # the label already names the company once
    industry = company.industry
    if zh:
        what = ("ETF" if company.kind == "etf" else "股票") + ("，上櫃（TPEx）" if company.market == "TPEx" else
                                                              "，上市（TWSE）" if company.market == "TWSE" else f"，{company.market}")
        head = (f"**{label}**：{what}" + (f"，產業別 {industry}" if industry else "")
                + (f"；也稱 {'、'.join(names[:5])}" if names else "") + "。")
        if company.adr:
            head += f"美國存託憑證（ADR）代號 {company.adr[0]}（一單位等於 {company.adr[1]} 股）。"
        return head, names
    what = ("an ETF" if company.kind == "etf" else "a stock") + f" listed on {company.market}"
    head = (f"**{label}** is {what}" + (f", in the {english_name(industry)} industry ({industry})" if industry else "")
            + (f"; also called {', '.join(names[:5])}" if names else "") + ".")
    if company.adr:
        head += f" Its US ADR trades as {company.adr[0]} (one ADR is {company.adr[1]} shares)."
    return head, names


def identity_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer:
    """What finqa knows of a company: its names, market, kind and industry from the directory,
    and what the store holds of it, with where to go next."""
    zh = answers_zh(req.message)
    code = str(req.code)
    company = company_of(code)
    if company is None:
        return _companies([code], store.status()["prices"], store.news_span(), today or datetime.now(TAIPEI).date(), zh, req)
    head, names = identity_head(code, company, zh)
    kind, industry = company.kind, company.industry
    tail = (f"問 `{code}` 看它的概況（股價、區間、均線、新聞情緒、預測與回測），或 `{code} 最新消息`。" if zh else
            f"Ask `{code}` for its overview (price, range, averages, news sentiment, forecast with its backtest), or "
            f"`latest news on {code}`.")
    asked = _market_asked(req.message)
    if asked is not None and company.market in ("TWSE", "TPEx"):  # "is 6488 listed on TPEx?": yes or no first
        head = (("是。" if asked == company.market else "不是。") if zh else ("Yes: " if asked == company.market else "No: ")) + head
    body, held = _company_line(code, store.status()["prices"], store.news_span(),
                               today or datetime.now(TAIPEI).date(), zh)
    return Answer(route="qa", engine=ENGINE, answer=f"{head}\n{body}\n\n{tail}", code=code, notices=_notices(req, zh),
                  indicators={"code": code, "names": names, "market": company.market, "kind": kind,
                              "industry": industry, **held})


# "0050 holdings", "what stocks are in 0050?", "0050成分股": what an ETF holds, which finqa does not store.
_FUND_HOLDINGS = re.compile(r"\bholdings?\b|\bconstituents?\b|\bcomponents?\b|\bportfolio\b|\bwhat(?:'s| is) (?:in|inside)\b"
                            r"|\b(?:what|which) (?:stocks|companies)"
                            r" (?:are|does it hold|is it)\b|\bwhat does\b.{0,20}\bhold\b|成分股|成份股|持股|(?:包含|包括|有)哪些(?:股票|公司)")


def is_fund_holdings_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks what the ETF ``code`` holds ("0050 holdings", "0050成分股")."""
    company = company_of(code) if code else None
    return bool(company is not None and company.kind == "etf" and _FUND_HOLDINGS.search(to_simplified(message or "").lower()))


def fund_holdings_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer:
    """What finqa can say of an ETF's holdings: that it stores none, what the fund is, and what to
    ask of it instead (its price, and the stored companies of its market)."""
    zh = answers_zh(req.message)
    code = str(req.code)
    label = company_label(code, company_of(code), zh)
    card = identity_answer(req, store, today=today)
    if zh:
        head = (f"finqa 不儲存 ETF 的成分股與持股權重，無法列出 {label} 持有哪些股票（發行投信每天公布）。"
                f"可以問 `{code}` 的股價與走勢，或 `資料庫有哪些公司`。")
    else:
        head = (f"finqa stores no ETF holdings or weights, so it cannot list what {label} holds (its issuer publishes "
                f"them daily). Ask `{code} price` for the fund itself, or `which companies do you cover?`.")
    return replace(card, answer=f"{head}\n\n{card.answer}")


def _market_asked(message: str) -> str | None:
    """``TWSE`` or ``TPEx`` when a question names one market only ("is 6488 listed on TPEx?",
    "台積電是上櫃股票嗎"); ``None`` when it names both or neither."""
    s = to_simplified(message or "").lower()
    if not re.match(r"\s*(?:is|are|does)\b", s) and not re.search(r"吗|是不是", s):
        return None  # "where is 2330 listed?", "緯創在哪裡上市": no yes or no to give
    tpex = bool(re.search(r"\btpex\b|\botc\b|\btaipei exchange\b|上柜", s))
    twse = bool(re.search(r"\btwse\b|\btaiwan stock exchange\b|上市", s))
    return "TPEx" if tpex and not twse else "TWSE" if twse and not tpex else None


def _notices(req: EngineRequest, zh: bool) -> list[str]:
    """The request's notices, and with an as-of date, that this answer describes the whole store:
    it says what data exists, which the as-of rule does not hide (no answer is built from it)."""
    out = list(req.notices)
    if req.as_of is not None:
        out.append(f"這裡描述的是整個資料庫，包括 {req.as_of.isoformat()} 當天及之後的資料；其他回答只看得到那天之前的資料。" if zh else
                   f"This describes the whole store, data on and after the as-of date {req.as_of.isoformat()} "
                   "included; every other answer sees only what came before it.")
    return out


def _days_ago(day: date, today: date, zh: bool) -> str:
    n = (today - day).days
    if zh:
        return "今天" if n <= 0 else f"{n} 天前"
    return "today" if n <= 0 else f"{n} day{'s' if n != 1 else ''} ago"


def _news_day(stamp: str) -> str:
    """A stored ``published_at`` (UTC, ISO) as the Taipei day."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(TAIPEI).date().isoformat()
    except ValueError:
        return stamp[:10]


def coverage_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer:
    """What the store holds: for the companies named, else for an industry named, else for all."""
    from ingest.industries import english_name, industry_named

    zh = answers_zh(req.message)
    today = today or datetime.now(TAIPEI).date()
    status = store.status()["prices"]
    news = store.news_span()
    codes = [c for c in dict.fromkeys([req.code, *req.codes]) if c]
    if codes:
        return _companies(codes, status, news, today, zh, req)
    if asks_news_count(req.message):  # "which company has the most news?": all of them, by their count
        return _companies(sorted((c for c in news if c), key=lambda c: (-news[c][0], c))[:NEWS_RANKED], status, news,
                          today, zh, req, ranked=True)
    industry = industry_named(to_simplified(req.message).lower())
    held = sorted(status)
    if industry is not None:
        held = [c for c in held if industry.covers(company_of(c))]
    if not status:
        text = ("資料庫裡還沒有任何股價：執行 `finqa ingest prices 2330 2454` 或 `finqa demo`。" if zh else
                "The store holds no prices yet: run `finqa ingest prices 2330 2454`, or `finqa demo`.")
        return Answer(route="qa", engine=ENGINE, answer=text, notices=_notices(req, zh))
    first = min(v["first"] for v in status.values())
    last = max(v["last"] for v in status.values())
    rows = sum(v["rows"] for v in status.values())
    markets: dict[str, int] = {}
    etfs = 0
    for c in status:
        company = company_of(c)
        market = getattr(company, "market", None) or ("其他" if zh else "other markets")
        markets[market] = markets.get(market, 0) + 1
        etfs += getattr(company, "kind", "") == "etf"
    articles = sum(n for n, _, _ in news.values())
    about = [c for c in news if c]
    newest_news = max((last_at for _, _, last_at in news.values()), default=None)
    stale = (today - date.fromisoformat(last)).days > STALE_DAYS
    listed = [company_label(c, company_of(c), zh) for c in held]
    by_industry: dict[str, int] = {}
    for c in held:  # "what industries do you cover?": TWSE's 產業別 of the companies with prices
        if (name := getattr(company_of(c), "industry", None)):
            by_industry[name] = by_industry.get(name, 0) + 1
    shown, more = listed[:40], len(listed) - 40
    if zh:
        parts = [f"finqa 的資料庫：\n- 股價：{len(status)} 家（" + "、".join(f"{m} {n} 家" for m, n in sorted(markets.items()))
                 + (f"，其中 ETF {etfs} 檔" if etfs else "") + f"），共 {rows:,} 筆日資料，{first} 至 {last}；最新一筆是 "
                 + _days_ago(date.fromisoformat(last), today, zh) + "。"
                 + ("執行 `finqa ingest prices 代號...` 取得更新資料。" if stale else "")
                 + "\n" + f"- 新聞：{articles:,} 則，涉及 {len(about)} 家公司" +
                 (f"，最新一則發布於 {_news_day(newest_news)}。" if newest_news else "。")]
        if _INDUSTRIES.search(to_simplified(req.message).lower()) and by_industry:
            parts.append("有股價的產業（證交所分類）：" + "、".join(f"{k} {v} 家" for k, v in
                                                  sorted(by_industry.items(), key=lambda kv: (-kv[1], kv[0]))) + "。")
        if industry is not None:
            parts.append(f"{industry.name_zh}（{len(held)} 家有股價）：" + ("、".join(shown) if shown else "沒有") + "。"
                         + ("" if held else _in_directory(industry, zh)))
        else:
            parts.append("有股價的公司：" + "、".join(shown) + (f"，以及另外 {more} 家（`finqa ingest status` 列出全部）" if more > 0 else "") + "。")
    else:
        parts = [f"finqa's store holds:\n- Prices: {len(status)} companies (" + ", ".join(f"{n} on {m}" for m, n in sorted(markets.items()))
                 + (f"; {etfs} of them ETFs" if etfs else "") + f"), {rows:,} daily bars from {first} to {last}; the newest is "
                 + _days_ago(date.fromisoformat(last), today, zh) + "."
                 + (" `finqa ingest prices CODE...` fetches newer ones." if stale else "")
                 + "\n" + f"- News: {articles:,} article{'s' if articles != 1 else ''} about {len(about)} compan{'ies' if len(about) != 1 else 'y'}" +
                 (f", the newest published {_news_day(newest_news)}." if newest_news else ".")]
        if _INDUSTRIES.search(to_simplified(req.message).lower()) and by_industry:
            parts.append("Industries with prices (TWSE's classification): " + ", ".join(
                f"{english_name(k) or k} ({k}) {v}" for k, v in sorted(by_industry.items(), key=lambda kv: (-kv[1], kv[0]))) + ".")
        if industry is not None:
            parts.append(f"{english_name(industry.name_zh)} ({industry.name_zh}) with prices ({len(held)}): "
                         + (", ".join(shown) if shown else "none") + "." + ("" if held else _in_directory(industry, zh)))
        else:
            parts.append("Companies with prices: " + ", ".join(shown) + (f", and {more} more (`finqa ingest status` lists them all)" if more > 0 else "") + ".")
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), notices=_notices(req, zh),
                  indicators={"companies": len(status), "first": first, "last": last, "bars": rows, "articles": articles,
                              "news_companies": len(about), "newest_article": _news_day(newest_news) if newest_news else None,
                              "listed": held})


def _in_directory(industry: Any, zh: bool) -> str:
    """For a group with no stored prices: how many of it the company directory lists, a few of
    them, and the command that fetches one."""
    from ingest.companies import listed_companies

    members = sorted((c for c in listed_companies().values() if industry.covers(c)), key=lambda c: c.code)
    if not members:
        return ""
    few = [company_label(c.code, c, zh) for c in members[:5]]
    if zh:
        return (f"公司名錄中有 {len(members)} 檔，例如 {'、'.join(few)}；`finqa ingest prices {members[0].code}` "
                "可抓取其中一檔的股價。")
    return (f" The company directory lists {len(members)}, such as {', '.join(few)}; `finqa ingest prices "
            f"{members[0].code}` fetches one's prices.")


def _company_line(code: str, status: dict[str, Any], news: dict[str, tuple[int, str, str]], today: date,
                  zh: bool) -> tuple[str, dict[str, Any]]:
    """One company's line (its prices and news in the store, or the command that fetches them)
    and its numbers."""
    label = company_label(code, company_of(code), zh)
    p, n = status.get(code), news.get(code)
    if p:
        age = _days_ago(date.fromisoformat(p["last"]), today, zh)
        prices = (f"股價 {p['first']} 至 {p['last']}（{p['rows']} 個交易日，最新一筆是 {age}）" if zh else
                  f"prices {p['first']} to {p['last']} ({p['rows']} sessions; the newest {age})")
    else:
        prices = f"沒有股價（`finqa ingest prices {code}`）" if zh else f"no prices (`finqa ingest prices {code}`)"
    if n:
        articles = (f"新聞 {n[0]} 則，{_news_day(n[1])} 至 {_news_day(n[2])}" if zh else
                    f"{n[0]} news article{'s' if n[0] != 1 else ''} from {_news_day(n[1])} to {_news_day(n[2])}")
    else:
        articles = f"沒有新聞（`finqa ingest news {code}`）" if zh else f"no news (`finqa ingest news {code}`)"
    line = f"- **{label}**：{prices}；{articles}。" if zh else f"- **{label}**: {prices}; {articles}."
    return line, {"prices": p, "articles": n[0] if n else 0,
                  "news_first": _news_day(n[1]) if n else None, "news_last": _news_day(n[2]) if n else None}


def _companies(codes: list[str], status: dict[str, Any], news: dict[str, tuple[int, str, str]], today: date, zh: bool,
               req: EngineRequest, *, ranked: bool = False) -> Answer:
    """One line per company named (or, ``ranked``, the companies with the most news): its prices
    and news in the store, and how to refresh them; for several, who has the most news."""
    lines = []
    numbers: dict[str, Any] = {}
    for code in codes:
        line, numbers[code] = _company_line(code, status, news, today, zh)
        lines.append(line)
    if not codes:
        lines.append("- 資料庫裡還沒有新聞：執行 `finqa ingest news 代號`。" if zh else
                     "- The store holds no news yet: run `finqa ingest news CODE`.")
    elif len(codes) > 1:
        order = sorted(codes, key=lambda c: -numbers[c]["articles"])
        sep = "、" if zh else ", "
        side = sep.join(f"{c} {numbers[c]['articles']}" for c in order)
        lines.append(f"\n新聞則數（由多到少）：{side}。" if zh else f"\nNews articles, most first: {side}.")
    head = ((f"新聞最多的 {len(codes)} 家公司：" if zh else f"The {len(codes)} companies with the most news in finqa's store:")
            if ranked else "finqa 資料庫中的資料：" if zh else "What finqa's store holds:")
    foot = ("`finqa ingest prices 代號` 與 `finqa ingest news 代號` 取得更新資料（再執行 `finqa index build`）。" if zh else
            "`finqa ingest prices CODE` and `finqa ingest news CODE` fetch newer data (then `finqa index build`).")
    return Answer(route="qa", engine=ENGINE, answer="\n".join([head, *lines]) + "\n\n" + foot,
                  code=codes[0] if codes and not ranked else None,
                  notices=_notices(req, zh), indicators={"companies": numbers})


__all__ = ["FOREIGN", "TOPIC_GROUPS", "asks_news_count", "foreign_aliases", "topic_aliases", "coverage_answer", "follows_coverage", "foreign_company", "identity_answer",
           "is_coverage_question", "is_identity_question", "not_covered"]
