"""Rankings of the stored companies by a risk measure: "which stock had the biggest drawdown in
2025?", "most volatile stocks", "哪檔股票波動最小", "which stocks had the worst single-day drop?".

Why apart from ``assistant.movers`` (rankings by change and volume): the measures are
``assistant.risk``'s (maximum drawdown, annualised volatility, the worst day), read the same way,
over each company's own sessions in the span asked (the last 250 without one). Only without a
company named: a named company's drawdown is its own answer. Point in time like everything else.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from .periods import period_label
from .price_facts import ENGINE, store_question
from .price_format import is_taiwan
from .risk import DEFAULT_SESSIONS, FUTURE, KINDS, Job, annualised_volatility, iso_day, max_drawdown
from .slots import to_simplified, unquoted
from .types import Answer, EngineRequest

# What makes a risk question a ranking: "which stock", "rank", "most volatile", 哪檔 (on
# Simplified, lower-case text).
_RANK_CUE = re.compile(
    r"\b(?:which|what)\b.{0,40}\b(?:stocks?|shares|companies|tickers|one|industry|industries|sectors?)\b"
    r"|\b(?:rank|ranking|top \d+)\b"
    # "compare the volatility of all semiconductor stocks", "各半導體股的波動度"
    r"|\bcompare\b.{0,40}\b(?:stocks|shares|companies)\b|\b(?:all|every|each)\s+(?:the\s+)?(?:\w+\s+)?(?:stocks|companies)\b"
    r"|\b(?:most|least) volatile\b|\b(?:biggest|largest|deepest|worst|smallest|shallowest)\s+drawdowns?\b"
    r"|哪(?:一)?(?:档|支|只|家|些|个)|排行|排名"
    # "波動最小的股票", "風險最高的公司", "stocks with the lowest volatility"
    r"|最\w{0,2}的?(?:股票|个股|公司)|\b(?:stocks?|shares|companies)\s+with\s+the\s+(?:most|least|highest|lowest|biggest|smallest|deepest)\b")
_VOLATILITY = re.compile(r"\bvolatil\w*|波动")
_SHARPE = re.compile(r"\bsharpe\b|\brisk[- ]adjusted\b|夏普|风险调整")
_LEAST = re.compile(r"\b(?:least|lowest|smallest|shallowest|safest|calmest|most stable)\b|最(?:小|低|稳|浅)")
RANK_MIN_SESSIONS = 20


def risk_ranking_kind(message: str, codes: list[str]) -> str | None:
    """``drawdown``, ``volatility``, ``extremes`` or ``sharpe`` when ``message`` ranks the stored companies by
    one ("which stock had the biggest drawdown?"); ``None`` otherwise, or when it names a company."""
    if not message or codes:
        return None
    s = unquoted(message)
    if FUTURE.search(s) or not _RANK_CUE.search(s):
        return None
    if _SHARPE.search(s):  # "which stock has the best risk-adjusted return?": by the Sharpe ratio
        return "sharpe"
    kind = next((k for k, rx in KINDS if rx.search(s)), None)
    if kind == "risk" or (kind is None and (_VOLATILITY.search(s) or re.search(r"\brisk(?:y|ier|iest)?\b|风险", s))):
        return "volatility"  # "riskiest stocks", "rank by risk": by volatility, the usual measure
    return kind if kind in ("drawdown", "extremes") else None


def risk_ranking(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """The stored Taiwan companies ranked by drawdown, volatility or their worst day over the span
    asked (the last 250 sessions by default), point in time; ``None`` when ``req`` asks no such
    ranking."""
    from .movers import top_n

    codes = [c for c in [req.code, *req.codes] if c]
    kind = risk_ranking_kind(req.message, codes)
    if kind is None:
        return None
    q = store_question(req, today)
    if (invalid := q.invalid()) is not None:
        return invalid
    zh, visible, period, notices = q.zh, q.visible, q.period, q.notices
    everything = q.visible_bars(store)
    job = Job(req=req, store=store, code="", period=period, visible=visible, zh=zh, notices=notices, asked=req.message)
    rows, short, spans = [], [], {}
    from .price_format import company_of
    from .versus_market import named_industry

    group = named_industry(req.message)  # "半導體股哪檔波動最大": that group's companies only
    for code, g in everything.groupby("code", sort=True):
        code = str(code)
        if not is_taiwan(code):
            continue
        if group is not None and not group.covers(company_of(code)):
            continue
        bars = g.set_index("date")
        window = job.window(bars, DEFAULT_SESSIONS)
        rets = job.changes(bars["close"].astype(float), window)
        if len(rets):
            spans[code] = (window, rets)
    # A company ranks with enough changes to compare: 20, or half of what the best-covered one has
    # in a shorter span ("the worst single day last week" has 5 sessions, February 2025 19).
    # With no span named, each company's own last year: 20 changes at least.
    most = max((len(r) for _, r in spans.values()), default=0)
    need = RANK_MIN_SESSIONS if period.kind in ("latest", "all") else min(RANK_MIN_SESSIONS, max(1, most // 2))
    for code, (window, rets) in spans.items():
        if len(rets) < need:
            short.append(code)
            continue
        closes = window["close"].astype(float)
        dd, peak, trough, _ = max_drawdown(closes)
        worst = rets.idxmin()
        vol = annualised_volatility(rets)
        # the Sharpe ratio as the risk answers give it: the mean daily return annualised over the
        # volatility, the risk-free rate taken as 0
        sharpe = float(rets.mean()) * DEFAULT_SESSIONS / vol if vol else 0.0
        rows.append({"code": code, "name": job.label(code), "drawdown": dd, "peak_date": iso_day(peak),
                     "trough_date": iso_day(trough), "volatility": vol, "sharpe": sharpe,
                     "worst_change": float(rets[worst]), "worst_day": iso_day(worst),
                     "start": iso_day(window.index[0]), "end": iso_day(window.index[-1])})
    if not rows:
        if period.kind in ("latest", "all"):
            text = (f"資料庫中沒有任何公司有至少 {need} 個交易日的漲跌可排名。" if zh else
                    f"No stored company has at least {need} sessions of price changes to rank.")
        else:
            text = (f"資料庫中沒有任何公司在{period_label(period, True)}有股價漲跌可排名。" if zh else
                    f"No stored company has price changes for {period_label(period, False)} to rank.")
            if not everything.empty:
                first, last = iso_day(everything["date"].min()), iso_day(everything["date"].max())
                text += (f"資料庫涵蓋 {first} 至 {last}。" if zh else f" The store covers {first} to {last}.")
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=text)
    s = unquoted(req.message)
    least = bool(_LEAST.search(s))
    key = {"drawdown": "drawdown", "volatility": "volatility", "extremes": "worst_change", "sharpe": "sharpe"}[kind]
    industries = bool(_BY_INDUSTRY.search(to_simplified(s).lower()))
    if industries:
        rows = _by_industry(rows, key, zh)  # "which industry is the most volatile?": each industry's median
    # Deepest drawdown and worst day are the most negative; the most volatile and the best Sharpe the largest.
    descending = (kind in ("volatility", "sharpe")) != least
    ranked = sorted(rows, key=lambda r: r[key], reverse=descending)[:top_n(s)]
    start, end = min(r["start"] for r in rows), max(r["end"] for r in rows)
    if zh:
        what = {"drawdown": "最大回撤" + ("最淺" if least else "最深"), "volatility": "年化波動度" + ("最低" if least else "最高"),
                "extremes": "單日跌幅" + ("最小" if least else "最大"),
                "sharpe": "夏普比率（風險調整後報酬）" + ("最低" if least else "最高")}[kind]
        among = (f"{len(rows)} 個產業（各產業已儲存股價公司的中位數）" if industries else
                 f"{len(rows)} 家有股價的{group.name_zh}公司" if group is not None else f"{len(rows)} 家有股價的公司")
        head = f"**{start} 至 {end}**，資料庫中 {among}裡{what}的："
    else:
        what = {"drawdown": ("shallowest" if least else "deepest") + " maximum drawdown",
                "volatility": ("lowest" if least else "highest") + " annualised volatility",
                "extremes": ("mildest" if least else "worst") + " one-day fall",
                "sharpe": ("lowest" if least else "highest") + " Sharpe ratio (risk-adjusted return)"}[kind]
        among = (f"{len(rows)} industries (the median of each industry's stored companies)" if industries else
                 f"the {len(rows)} {group.name_en} companies with stored prices" if group is not None else
                 f"the {len(rows)} companies with stored prices")
        head = f"**{start} to {end}**, the {what} among {among}:"
    lines = []
    for i, r in enumerate(ranked, 1):
        if industries:
            members = "、".join(r["companies"]) if zh else ", ".join(r["companies"])
            detail = (f"{r[key]:.1%}" if kind == "volatility" else f"{r[key]:.2%}" if kind == "drawdown"
                      else f"{r[key]:+.2f}" if kind == "sharpe" else f"{r[key]:+.2%}")
            detail += f"（{len(r['companies'])} 家：{members}）" if zh else f" ({len(r['companies'])}: {members})"
        elif kind == "drawdown":
            detail = f"{r['drawdown']:.2%}（{r['peak_date']} → {r['trough_date']}）" if zh else \
                f"{r['drawdown']:.2%} ({r['peak_date']} → {r['trough_date']})"
        elif kind == "volatility":
            detail = f"{r['volatility']:.1%}"
        elif kind == "sharpe":
            detail = f"{r['sharpe']:+.2f}（年化波動度 {r['volatility']:.1%}）" if zh else \
                f"{r['sharpe']:+.2f} (annualised volatility {r['volatility']:.1%})"
        else:
            detail = f"{r['worst_change']:+.2%}（{r['worst_day']}）" if zh else f"{r['worst_change']:+.2%} ({r['worst_day']})"
        lines.append(f"{i}. {r['name']} {detail}")
    if kind == "sharpe":
        notices.append("夏普比率：日報酬平均的年化值除以年化波動度，無風險利率以 0 計（與個股風險答案相同）；只含股價變動，不含股利。" if zh else
                       "The Sharpe ratio: the mean daily return annualised over the annualised volatility, with the risk-free "
                       "rate taken as 0 (as the company risk answers give it); price only, no dividends.")
    if period.kind == "latest":
        notices.append(f"沒有指定期間：每家公司取最近 {DEFAULT_SESSIONS} 個交易日（或資料庫中較短的全部歷史）。" if zh else
                       f"No period named: each company's last {DEFAULT_SESSIONS} sessions (or its whole stored history when shorter).")
    if short:
        notices.append(f"{len(short)} 家公司的漲跌不足 {need} 個交易日，未列入：{'、'.join(short)}。" if zh else
                       f"Left out, fewer than {need} sessions of price changes: {', '.join(short)}.")
    foot = ("（由 finqa 的股價資料庫以收盤價計算，未經語言模型；只排名有儲存股價的公司，不是整個交易所。） [1]" if zh else
            "(Computed from the closes in finqa's price store; no language model was involved. Only companies with "
            "stored prices are ranked: this is not the whole exchange.) [1]")
    return q.ranked([head, "\n".join(lines), foot],
                    f"finqa 股價資料庫：{len(rows)} 家公司的日成交資料 {start} 至 {end}" if zh else
                    f"finqa price store: daily prices of {len(rows)} companies, {start} to {end}",
                    end, {kind: [{**r, "value": r[key], **({"unit": "ratio"} if kind == "sharpe" else {})} for r in ranked]})


# "which industry is the most volatile?", "哪個產業回撤最深": the industries ranked, not the companies
_BY_INDUSTRY = re.compile(r"\b(?:industry|industries|sectors?)\b|产业|类股|行业|族群")


def _by_industry(rows: list[dict[str, Any]], key: str, zh: bool) -> list[dict[str, Any]]:
    """The companies' rows grouped by TWSE industry: each industry's median of ``key`` (a median,
    so that one stock's crash does not make its industry's number), its companies, its span."""
    from statistics import median

    from ingest.industries import english_name

    from .price_format import company_of

    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        company = company_of(r["code"])
        if company is not None and company.industry:
            groups.setdefault(company.industry, []).append(r)
    out = []
    for industry, members in groups.items():
        value = float(median(m[key] for m in members))
        out.append({"code": industry, "name": industry if zh else f"{english_name(industry)} ({industry})", key: value,
                    "companies": [m["code"] for m in members], "start": min(m["start"] for m in members),
                    "end": max(m["end"] for m in members)})
    return out


__all__ = ["risk_ranking", "risk_ranking_kind"]
