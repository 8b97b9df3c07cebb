"""A company's peers: "who are TSMC's competitors?", "台積電的同業有哪些", "2330 peers".

Why: finqa holds no competitive analysis, and the news search had quoted whatever the company's
articles said closest to "competitors" (a bond purchase, a cooling material). What it does hold is
the exchange's industry classification (產業別, in the company directory) and the stored prices:
the companies of the same industry, how each moved over the same recent sessions, and which ones
the directory lists without stored prices. The answer says the limit plainly: the classification
is broad (半導體業 puts a foundry beside chip designers and testers), and rivals listed abroad are
not in the data.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from .i18n import answers_zh
from .price_facts import ENGINE
from .price_format import company_label, company_of
from .slots import without_companies
from .types import Answer, EngineRequest

RECENT_SESSIONS = 20  # "how each moved lately": the last month of sessions, as the overview's trend
SHOWN = 12  # the directory's other members named; the rest are counted

_PEER_WORDS = re.compile(
    r"\b(?:competitors?|rivals?|competition|peers?|peer group|comparable companies|comps|similar (?:companies|stocks)"
    r"|(?:companies|stocks) like|competes? with|compete against|competing with)\b"
    r"|竞争对手|竞争者|对手|同业|同类股|同产业|同行|类似的?(?:公司|股票|个股)|相似的?(?:公司|股票|个股)")
# What a peers question says besides the company and the peer words: asking words and nothing else
# ("who are its main competitors?", "台積電的主要競爭對手有哪些"); anything more ("TSMC competitors
# news", "台積電跟同業比") is another question.
_FILLER = re.compile(
    r"\b(?:who|what|which|are|is|the|its|their|it|s|list|show|me|main|biggest|key|major|top|closest|of|for|to|does|do"
    r"|companies|stocks|in taiwan|taiwanese|listed|other|some|any|has|have|with|against)\b"
    r"|有哪些|有谁|是谁|是哪些|哪些|哪几家|主要|最大|的|公司|股票|个股|列出|台湾|其他|还有|有|呢|吗|是|和|跟|与")


def is_peers_question(message: str, code: str | None) -> bool:
    """Whether ``message`` asks only who a company's peers or competitors are (one company named)."""
    if not code or not message:
        return False
    from .versus_market import asks_vs_industry

    if asks_vs_industry(message):  # "2330 vs its industry", "did TSMC beat its peers?": the comparison
        return False
    rest = without_companies(message)
    if not _PEER_WORDS.search(rest):
        return False
    return not re.sub(r"[\W_]+", "", _FILLER.sub(" ", _PEER_WORDS.sub(" ", rest)))


def _recent_change(store: Any, code: str, end: date | None) -> tuple[float, date] | None:
    """(the change over the last :data:`RECENT_SESSIONS` sessions up to ``end``, its last day)."""
    bars = store.bars(code, end=end)
    if len(bars) < 2:
        return None
    closes = bars["close"].astype(float)
    first = closes.iloc[-min(RECENT_SESSIONS + 1, len(closes))]
    return float(closes.iloc[-1]) / float(first) - 1, bars.index[-1].date()


def peers_answer(req: EngineRequest, store: Any) -> Answer:
    """The company's industry, its stored peers with their recent change (the company among
    them), and the directory's other members; or, for a company without an industry (an ETF),
    that there is none to read."""
    from datetime import timedelta

    from ingest.companies import get_directory
    from ingest.industries import english_name

    zh = answers_zh(req.message)
    code = str(req.code)
    company = company_of(code)
    label = company_label(code, company, zh)
    industry = getattr(company, "industry", None)
    if not industry:
        text = (f"{label} 在證交所的分類中沒有產業別（例如 ETF），finqa 無法列出它的同業。" if zh else
                f"{label} has no industry in the exchange's classification (an ETF, for one), so finqa has no peers to "
                "list for it.")
        return Answer(route="qa", engine=ENGINE, answer=text, code=code, notices=list(req.notices))
    directory = get_directory()
    members = directory.industry_members(industry)
    stored = set(store.status()["prices"])
    end = req.as_of - timedelta(days=1) if req.as_of else None  # point in time: nothing on or after the as-of day
    moves: dict[str, tuple[float, date]] = {}
    for c in sorted(stored & {m.code for m in members} | {code} & stored):
        if (found := _recent_change(store, c, end)) is not None:
            moves[c] = found
    others = sorted((m for m in members if m.code not in moves and m.code != code),
                    key=lambda m: (directory.prominence.get(m.code, 10**6), m.code))
    en_industry = english_name(industry) or industry
    sep = "、" if zh else ", "
    lines: list[str] = []
    if zh:
        lines.append(f"**{label}** 屬於證交所分類的「{industry}」，公司名錄中這個產業共有 {len(members)} 家上市櫃公司。")
    else:
        lines.append(f"**{label}** is in the exchange's {en_industry} industry ({industry}); the company directory "
                     f"lists {len(members)} listed companies in it.")
    ranked = sorted(moves, key=lambda c: -moves[c][0])
    if len(ranked) > 1 or (ranked and ranked[0] != code):
        ends = {d for _, d in moves.values()}
        last = max(ends)
        if zh:
            lines.append(f"資料庫中有股價的（{len(ranked)} 家，近 {RECENT_SESSIONS} 個交易日漲跌幅，至 {last.isoformat()}，高到低）：")
        else:
            lines.append(f"With stored prices ({len(ranked)}; change over the last {RECENT_SESSIONS} sessions to "
                         f"{last.isoformat()}, best first):")
        for c in ranked:
            change, day = moves[c]
            mark = ("（本公司）" if zh else " (the company asked about)") if c == code else ""
            late = (f"，至 {day.isoformat()}" if zh else f", to {day.isoformat()}") if day != last else ""
            lines.append(f"- {company_label(c, company_of(c), zh)}{mark}：{change:+.2%}{late}" if zh else
                         f"- {company_label(c, company_of(c), zh)}{mark}: {change:+.2%}{late}")
    else:
        lines.append(f"資料庫中沒有其他{industry}公司的股價。" if zh else
                     f"The store holds no other {en_industry} company's prices.")
    if others:
        named = sep.join(company_label(m.code, m, zh) for m in others[:SHOWN])
        more = len(others) - SHOWN
        if zh:
            lines.append(f"名錄中其他同業（沒有股價）：{named}" + (f"，以及另外 {more} 家" if more > 0 else "")
                         + f"。`finqa ingest prices {others[0].code}` 可抓取其中一檔的股價。")
        else:
            lines.append(f"Others in the directory (no stored prices): {named}" + (f", and {more} more" if more > 0 else "")
                         + f". `finqa ingest prices {others[0].code}` fetches one's prices.")
    if zh:
        lines.append(f"\n這是證交所的產業分類，不是誰與誰競爭的判斷：同一產業可能包含上下游與不同業務的公司，在海外上市的對手也不在 finqa 的資料中。"
                     f"問「{code} 跟同業比」可比較它和同業在同一段期間的漲跌。")
    else:
        lines.append(f"\nThis is the exchange's classification, not a judgement of who competes with whom: one industry "
                     "holds suppliers, customers and different businesses, and rivals listed abroad are not in finqa's data. "
                     f"Ask `{code} vs its industry` to compare its change with theirs over the same span.")
    return Answer(route="qa", engine=ENGINE, answer="\n".join(lines), code=code, notices=list(req.notices),
                  indicators={"code": code, "industry": industry, "members": len(members),
                              "stored_peers": {c: round(moves[c][0], 6) for c in ranked},
                              "others": [m.code for m in others]})


__all__ = ["is_peers_question", "peers_answer"]
