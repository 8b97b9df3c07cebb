"""How one company did against the market: "台積電跟大盤比", "did 2330 outperform the market in
April 2025?", "台積電今年有沒有贏大盤".

Why: finqa stores no index level (TAIEX is no listed company), so "the market" has to be a proxy,
and the answer says which: 0050 (the ETF that tracks Taiwan's 50 largest listed companies) when
its prices are stored, else the median change of the stored Taiwan companies over the same
sessions, which describes the store and not the exchange (and says so). Both are measured over
exactly the company's own span, from the close before its first session to its last one.
"""
from __future__ import annotations

import re
from typing import Any
from datetime import date

import pandas as pd

from .price_format import is_taiwan
from .slots import unquoted

MARKET_ETF = "0050"

_MARKET = re.compile(r"大盘|加权指数|加权|台股|\bthe (?:stock )?market\b|\btaiex\b|\bthe index\b|\bthe benchmark\b")
_VERSUS = re.compile(r"\b(?:vs\.?|versus|compared?|comparison|against|relative to|outperform\w*|underperform\w*|beat|beaten"
                     r"|lag(?:ged|ging)?|than)\b|比|赢|输|相比|比较|对比|跑赢|跑输|打败")


def asks_vs_market(message: str) -> bool:
    """Whether ``message`` compares a company with the market ("2330 vs the market")."""
    s = unquoted(message)
    return bool(_MARKET.search(s) and _VERSUS.search(s))


# "2330 vs its industry", "台積電跟同業比", "did TSMC beat its peers?": the company's own industry
_INDUSTRY = re.compile(r"\b(?:its|the|their) (?:industry|sector|peers|peer group)\b|\bpeers\b|同业|同产业|同类股|产业平均|类股平均")


def asks_vs_industry(message: str) -> bool:
    """Whether ``message`` compares a company with its own industry ("2330 vs its industry") or
    with one it names ("how has it performed vs the semiconductor sector?")."""
    s = unquoted(message)
    return bool((_INDUSTRY.search(s) or named_industry(message) is not None) and _VERSUS.search(s))


def named_industry(message: str) -> Any:
    """The industry (or group of industries) ``message`` names, an ``ingest.industries.Industry``;
    ``None`` when it names none, or a market or a kind of security ("TPEx stocks", "ETFs")."""
    from ingest.industries import industry_named

    found = industry_named(unquoted(message))
    return found if found is not None and not found.market and not found.kind else None


def industry_change(frame: pd.DataFrame, code: str, members: list[str], first: date,
                    last: date) -> tuple[float, list[str]] | None:
    """(the median change of the other stored companies among ``members`` (an industry's) over
    the same span, those companies), or ``None`` when none of them covers it."""
    from_before = {}
    for c, g in frame[frame["code"].isin([m for m in members if m != code])].groupby("code"):
        closes = g.set_index("date")["close"].astype(float).sort_index()
        before = closes[closes.index < pd.Timestamp(first)]
        upto = closes[closes.index <= pd.Timestamp(last)]
        if not before.empty and not upto.empty and upto.index[-1] >= pd.Timestamp(first):
            from_before[str(c)] = float(upto.iloc[-1]) / float(before.iloc[-1]) - 1
    if not from_before:
        return None
    return float(pd.Series(list(from_before.values())).median()), sorted(from_before)


def versus_industry_text(label: str, own: float, industry: str, industry_en: str, found: tuple[float, list[str]] | None,
                         first: date, last: date, zh: bool, own_industry: bool = True) -> str:
    """The company's change beside the median of its industry's other stored companies (or, with
    ``own_industry`` false, those of another industry the question named)."""
    span = f"{first.isoformat()} – {last.isoformat()}" if first != last else first.isoformat()
    if found is None:
        return (f"資料庫中沒有其他{industry}公司涵蓋這段期間，無法和{'同業' if own_industry else industry}比較。" if zh else
                f"No other stored {industry_en} ({industry}) company covers the span: there are no "
                f"{'peers' if own_industry else 'companies of it'} to compare with.")
    value, peers = found
    gap = (own - value) * 100
    names = ("、" if zh else ", ").join(peers[:8]) + ("…" if len(peers) > 8 else "")
    one = len(peers) == 1
    if zh:
        whom = "同業" if own_industry else industry
        verdict = f"贏過{whom}" if gap > 0 else f"落後{whom}" if gap < 0 else f"與{whom}持平"
        peer = (f"資料庫中另一家{industry}公司（{names}）的漲跌幅" if one else
                f"資料庫中其他 {len(peers)} 家{industry}公司（{names}）漲跌幅的中位數")
        return f"與{whom}比（{span}）：{label} {own:+.2%}，{peer} {value:+.2%}：{verdict} {abs(gap):.2f} 個百分點。"
    verdict = "did better by" if gap > 0 else "did worse by" if gap < 0 else "matched it," if one else "matched them,"
    peer = (f"the other stored {industry_en} ({industry}) company ({names})" if one else
            f"the median of the {len(peers)} other stored {industry_en} ({industry}) companies ({names})")
    against = "its industry" if own_industry else f"the {industry_en} industry"
    return (f"Against {against} ({span}): {label} {own:+.2%}, {peer} {value:+.2%}: {label.split(' ')[0]} {verdict} "
            f"{abs(gap):.2f} percentage points.")


MIN_INDEX_COMPANIES = 3  # fewer stored companies stand for no market


def equal_weighted_index(frame: pd.DataFrame) -> tuple[pd.Series, int] | None:
    """(an index of the stored Taiwan companies, 100 on the first session, each session moved by
    the mean of their daily returns; how many companies) from ``frame``'s bars (``code``, ``date``,
    ``close``, already cut at the as-of date), 0050 left out; ``None`` with fewer than
    MIN_INDEX_COMPANIES. The store holds no index level: this is what stands for the market when
    0050 is not stored (the bull-or-bear reading, beta, the correlation with the market)."""
    from .price_format import is_taiwan

    closes = frame.pivot_table(index="date", columns="code", values="close").sort_index().astype(float)
    stocks = closes[[c for c in closes.columns if c != MARKET_ETF and is_taiwan(str(c))]]
    if stocks.shape[1] < MIN_INDEX_COMPANIES:
        return None
    daily = stocks.pct_change(fill_method=None).mean(axis=1, skipna=True).fillna(0.0)
    return 100.0 * (1.0 + daily).cumprod(), int(stocks.shape[1])


def market_change(frame: pd.DataFrame, code: str, first: date, last: date) -> tuple[float, str, int] | None:
    """(the market's change from the close before ``first`` to the close on or before ``last``,
    what stood for the market, how many companies), or ``None`` when nothing can stand for it.
    ``frame`` is the store's bars (``code``, ``date``, ``close``), already cut at the as-of date."""
    def change(closes: pd.Series) -> float | None:
        before = closes[closes.index < pd.Timestamp(first)]
        upto = closes[closes.index <= pd.Timestamp(last)]
        if before.empty or upto.empty or upto.index[-1] < pd.Timestamp(first):
            return None
        return float(upto.iloc[-1]) / float(before.iloc[-1]) - 1

    by_code = {c: g.set_index("date")["close"].astype(float).sort_index() for c, g in frame.groupby("code")}
    if MARKET_ETF in by_code and (etf := change(by_code[MARKET_ETF])) is not None:
        return etf, MARKET_ETF, 1
    changes = [x for c, closes in by_code.items() if c != MARKET_ETF and is_taiwan(str(c))
               and (x := change(closes)) is not None]
    if len(changes) < 3:
        return None
    return float(pd.Series(changes).median()), "median", len(changes)


def versus_text(label: str, own: float, market: tuple[float, str, int] | None, first: date, last: date,
                zh: bool) -> str:
    """The company's change beside the market's, and by how many points it did better or worse."""
    span = f"{first.isoformat()} – {last.isoformat()}" if first != last else first.isoformat()
    if market is None:
        return ("資料庫裡沒有 0050，也不到 3 家有股價的公司，無法代表大盤。" if zh else
                "Neither 0050 nor three stored companies cover the span: nothing can stand for the market.")
    value, what, n = market
    gap = (own - value) * 100
    if zh:
        proxy = "0050（元大台灣50）" if what == MARKET_ETF else f"資料庫中 {n} 家公司漲跌幅的中位數（不是加權指數）"
        verdict = "贏過大盤" if gap > 0 else "落後大盤" if gap < 0 else "與大盤持平"
        return f"與大盤比（{span}）：{label} {own:+.2%}，{proxy} {value:+.2%}：{verdict} {abs(gap):.2f} 個百分點。"
    proxy = ("0050 (Yuanta Taiwan 50)" if what == MARKET_ETF else
             f"the median of the {n} stored companies (not the TAIEX, which finqa does not store)")
    verdict = "did better by" if gap > 0 else "did worse by" if gap < 0 else "matched it,"
    return (f"Against the market ({span}): {label} {own:+.2%}, {proxy} {value:+.2%}: {label.split(' ')[0]} {verdict} "
            f"{abs(gap):.2f} percentage points.")
