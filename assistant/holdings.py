"""Money and positions from the stored prices: what an investment made ("if I had put NT$100,000
into TSMC on 2024-09-02, what would it be worth?", "如果 2024-09-02 買一張台積電 現在賺多少"), what a
lot costs or an amount buys ("一張台積電多少錢", "how many shares of TSMC can I buy with NT$100,000?"),
a position bought at a price ("I bought 2330 at 1000, how much did I lose?"), and a portfolio ("I
hold 2 lots of 2330 and 500 shares of 2454: how did my portfolio do last month?").

Why apart from ``assistant.risk``, which detects these questions and dispatches them: these read
the user's own amounts and quantities (NT$, 張, shares) and apply Taiwan's trading costs, a job of
their own. The costs: a broker's fee of 0.1425% each way, at least NT$20 an order, and the
securities transaction tax on the sale, 0.3% for stocks and 0.1% for ETFs (codes starting 00).
Returns are close to close and price only (no dividends are stored), as in ``assistant.risk``;
point in time through the same :class:`~assistant.risk.Job`.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .periods import Period, strip_dates
from .price_format import SHARES_PER_LOT, fmt_price
from .risk import Job, each_company, iso_day, max_drawdown
from .slots import to_simplified, unquoted, zh_number
from .types import Answer

BROKER_FEE = 0.001425  # each way, on the traded value
MIN_FEE = 20.0  # NT$ per order
TAX_STOCK, TAX_ETF = 0.003, 0.001  # securities transaction tax, on the sale only


# --- amounts ---------------------------------------------------------------------------------
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "千": 1e3, "万": 1e4, "亿": 1e8}
_MONEY = re.compile(
    r"(?:nt\$|ntd\s*|twd\s*|\$|新台币|台币)\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k|m|mn|million|thousand|千|万|亿)?"
    r"|(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k|m|mn|million|thousand|千|万|亿)?\s*(?:nt\$|ntd|twd|nt dollars|nt(?![a-z])|dollars|新台币|台币|元|块)"
    r"|(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k|million|thousand|万|亿)(?![a-z])"
    r"|([一二两三四五六七八九十百]+)\s*(千|万|亿)\s*(?:元|块|新台币|台币)?"
    # a bare sum after a verb of spending: "invest 100000 in TSMC", "with 250,000", "投入100000"
    r"|(?:\binvest(?:ed|ing)?|\bput|\bspend|\bspent|\bwith|\bhave|投资|投入|花|拿)\s*(\d{1,3}(?:,\d{3})+(?!\d)|\d{4,})(?![\d.,])()")
_LOTS = re.compile(r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+|[一二两三四五六七八九十百]+|a|one)\s*(?:个)?\s*(?:lots?|张)(?![a-z])")
_SHARES = re.compile(r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+)\s*(?:shares|股)(?!价|票|市|东)")


@dataclass(frozen=True)
class Stake:
    """What the user put in: an amount of money (NT$) or a number of shares; neither means the
    answer speaks of one lot (1,000 shares), the way Taiwan quotes a position."""

    amount: float | None = None
    shares: float | None = None

    def shares_at(self, price: float) -> float:
        """The shares held: those named, or what the amount bought at ``price``, or one lot."""
        if self.shares is not None:
            return self.shares
        return self.amount / price if self.amount is not None else float(SHARES_PER_LOT)

    @property
    def positive(self) -> bool:
        """False for "NT$0" or "0 lots": nothing to compute a return or a cost on."""
        return all(v is None or v > 0 for v in (self.amount, self.shares))


def _nothing_staked(zh: bool) -> str:
    return ("金額或股數必須大於零，例如「NT$100,000」或「2 張」。" if zh else
            "The amount or number of shares must be above zero, for example NT$100,000 or 2 lots.")


def parse_stake(message: str) -> Stake:
    """The money or shares named in ``message``, read after its dates and company names are taken
    out ("2330" and "2024-09-02" are no amounts)."""
    from ingest.companies import get_directory

    s = to_simplified(strip_dates(get_directory().without_mentions(message))).lower()
    if m := _LOTS.search(s):
        raw = m.group(1)
        n = 1 if raw in ("a", "one") else (int(raw.replace(",", "")) if raw[0].isdigit() else zh_number(raw))
        if n is not None:
            return Stake(shares=float(n * SHARES_PER_LOT))
    if m := _SHARES.search(s):
        return Stake(shares=float(m.group(1).replace(",", "")))
    if m := _MONEY.search(s):
        g = m.groups()
        if g[6]:
            base = zh_number(g[6])
            return Stake(amount=float(base) * _SCALE[g[7]]) if base else Stake()
        number, scale = next((g[i], g[i + 1]) for i in (0, 2, 4, 8) if g[i])
        return Stake(amount=float(number.replace(",", "")) * _SCALE.get(scale or "", 1.0))
    return Stake()


def _fee(value: float) -> float:
    """The broker's fee on an order of ``value`` NT$: 0.1425%, at least NT$20 (none on no order)."""
    return max(MIN_FEE, value * BROKER_FEE) if value > 0 else 0.0


def _tax_rate(code: str) -> float:
    """The securities transaction tax on a sale: 0.1% for ETFs (codes starting 00), 0.3% else."""
    return TAX_ETF if code.startswith("00") else TAX_STOCK


def _costs(code: str, buy_value: float, sell_value: float) -> tuple[float, float]:
    """(money out including the buy fee, money back after the sell fee and tax)."""
    return buy_value + _fee(buy_value), sell_value - _fee(sell_value) - sell_value * _tax_rate(code)


def signed_money(x: float) -> str:
    """A gain or loss in NT$ with its sign: "+NT$5,000", "−NT$33,000"."""
    return f"{'+' if x >= 0 else '−'}NT${abs(x):,.0f}"


def lot_size(shares: float, zh: bool) -> str:
    """A holding's size the way Taiwan quotes it: whole lots (張) when it is whole lots, else shares."""
    lots = shares / SHARES_PER_LOT
    if shares % SHARES_PER_LOT == 0:
        return f"{lots:g} 張" if zh else f"{lots:g} lot{'s' if lots != 1 else ''}"
    return f"{shares:,.0f} 股" if zh else f"{shares:,.0f} shares"


def _size_in_full(shares: float, zh: bool) -> str:
    """A position's size with its shares: "2 lots (2,000 shares)" / "2 張（2,000 股）", or "500 shares"."""
    lots = shares / SHARES_PER_LOT
    if shares % SHARES_PER_LOT:
        return f"{shares:,.0f} 股" if zh else f"{shares:,.0f} shares"
    return f"{lots:g} 張（{shares:,.0f} 股）" if zh else f"{lots:g} lot{'s' if lots != 1 else ''} ({shares:,.0f} shares)"


def _one_lot_note(stake: Stake, zh: bool) -> str:
    """Said when no quantity was given and one lot was assumed."""
    if stake.shares or stake.amount is not None:
        return ""
    return "（沒有寫出股數，以一張計；可寫「2 張」或「500 股」。）" if zh else \
        " (No quantity given: one lot is assumed; say \"2 lots\" or \"500 shares\".)"


# "bought at the April low", "在四月最低點買進": the buy day is the span's lowest (highest) close.
_AT_EXTREME = re.compile(r"\bat (?:the|its)\s+(?:[\w-]+\s+){0,2}?(lows?|bottom|high|peak|top)\b"
                         r"|(最低点|低点|最低价|谷底|最高点|高点|最高价)(?:时)?(?:的时候)?(?:买|进场|买进|买入|进)")


def investment(job: Job) -> Answer:
    """What a stake bought at the close of the day named (or the span's first session) is worth at
    the span's last close, before and after Taiwan's costs, and the worst fall along the way; for
    each company named ("compare 2330, 2454 and 2317 returns over the last 3 months"), then side by
    side."""
    zh = job.zh
    from .risk import DEFAULT_SESSIONS, KINDS

    if job.period.kind == "latest" and dict(KINDS)["investment"].search(_RETURN_WORDS.sub(" ", unquoted(job.asked))) is None:
        # "台積電跟聯發科的報酬率比較", "2330 return": no purchase and no span: the last year of sessions
        job.period = Period("trailing", sessions=DEFAULT_SESSIONS, label=f"the last {DEFAULT_SESSIONS} sessions")
        job.notices.append(f"沒有指定期間：以最近 {DEFAULT_SESSIONS} 個交易日（約一年，或資料庫中較短的全部歷史）計算。" if zh else
                           f"No span named: the last {DEFAULT_SESSIONS} sessions (about a year, or the whole stored "
                           "history when shorter).")
    if job.period.kind not in ("day", "range", "trailing"):  # no day to buy on
        return job.plain("請說明何時買進，例如「如果 2024-09-02 買一張台積電，現在值多少？」或「2330 最近三個月的報酬」。" if zh else
                         "Say when the money went in, for example \"if I had invested NT$100,000 in 2330 on "
                         "2024-09-02, what would it be worth?\" or \"2330 return over the last 3 months\".")
    stake = parse_stake(job.asked)
    if not stake.positive:
        return job.plain(_nothing_staked(zh))
    # "2330 return in 2025" is measured from the close before the span, as every span's change is
    # (and as the movers rank); "if I had bought in 2025" buys at the span's first close, and
    # "from Jan 2 to Jan 8" runs from the first day's close to the last's.
    named = job.period.kind == "range" and " – " not in job.period.label
    before = named and _AT_EXTREME.search(to_simplified(job.asked).lower()) is None \
        and dict(KINDS)["investment"].search(_RETURN_WORDS.sub(" ", unquoted(job.asked))) is None
    return each_company(job, None, lambda job, code, window: _investment_text(job, code, window, stake, before),
                        _side_by_side)


_RETURN_WORDS = re.compile(r"投资报酬率?|报酬率|\breturn on investment\b")  # a return asked, no stake bought


def _side_by_side(job: Job, numbers: dict[str, dict[str, Any]]) -> str:
    """The companies' price returns over the span, best first."""
    order = sorted(numbers, key=lambda c: -numbers[c]["price_return"])
    parts = [f"{c} {numbers[c]['price_return']:+.2%}" for c in order]
    return ("比較（股價報酬，高到低）：" + "、".join(parts) + "。" if job.zh else
            "Side by side (price return, best first): " + ", ".join(parts) + ".")


def _investment_text(job: Job, code: str, window: pd.DataFrame, stake: Stake,
                     from_before: bool) -> tuple[str, dict[str, Any] | None, pd.DataFrame]:
    """One company's investment over ``window`` (the span asked), bought at the close before it
    when ``from_before``: its sentence, its numbers and the bars it used."""
    zh = job.zh
    earlier = job.closes(code).loc[:window.index[0]].iloc[:-1] if from_before else window.iloc[:0]
    if len(earlier):
        window = pd.concat([earlier.tail(1), window])
    at = _AT_EXTREME.search(to_simplified(job.asked).lower())
    if at is not None:
        # "if I bought at the April low, what would it be worth now?": bought at the span's lowest
        # (highest) close, held to the last one
        low = bool(at.group(1) and at.group(1) in ("low", "lows", "bottom")) or bool(at.group(2) and "低" in at.group(2) + "谷")
        day = window["close"].idxmin() if low else window["close"].idxmax()
        job.notices.append((f"以期間最{'低' if low else '高'}收盤（{iso_day(day)}，{fmt_price(float(window.loc[day, 'close']))}）買進，"
                            f"持有到最後一筆收盤。") if zh else
                           (f"Bought at the span's {'lowest' if low else 'highest'} close ({iso_day(day)}, "
                            f"{fmt_price(float(window.loc[day, 'close']))}), held to the last close."))
        bars = job.closes(code)
        window = bars[bars.index >= day]
    label = job.label(code)
    if len(window) < 2:  # bought at the last close: nothing held yet
        return job.empty_span(code, job.closes(code)), None, window
    start = job.period.start
    buy_day, sell_day = window.index[0], window.index[-1]
    if start is not None and buy_day.date() != start and at is None and not len(earlier):
        first = job.closes(code).index[0]
        before_store = start < first.date()
        note = (
            (f"資料庫中 {code} 的股價從 {iso_day(first)} 才開始，以那天的收盤買進。" if before_store else
             f"{start.isoformat()} 沒有交易，以之後第一個交易日 {iso_day(buy_day)} 的收盤買進。") if zh else
            (f"The store's {code} prices start on {iso_day(first)}: bought at that day's close." if before_store else
             f"{start.isoformat()} was no trading day: bought at the close of the next session, {iso_day(buy_day)}."))
        if note not in job.notices:  # once for all the companies compared
            job.notices.append(note)
    buy, sell = float(window["close"].iloc[0]), float(window["close"].iloc[-1])
    shares = stake.shares_at(buy)
    cost, proceeds = _costs(code, shares * buy, shares * sell)
    gross = sell / buy - 1
    net = proceeds / cost - 1
    days = (sell_day - buy_day).days
    yearly = (1 + net) ** (365 / days) - 1 if days >= 365 and net > -1 else None
    if yearly is None and re.search(r"\bannuali[sz]ed\b|\bper (?:year|annum)\b|\bcagr\b|年化", to_simplified(job.asked).lower()):
        note = (f"持有 {days} 天，不到一年：報酬不年化（把短期報酬換算成一年會誇大或低估）。" if zh else
                f"Held {days} days, less than a year: the return is not annualised (scaling a short span up to "
                "a year would exaggerate it either way).")
        if note not in job.notices:
            job.notices.append(note)
    dd, _, trough, _ = max_drawdown(window["close"].astype(float))
    tax = _tax_rate(code)
    numbers = {"buy_date": iso_day(buy_day), "buy_close": buy, "sell_date": iso_day(sell_day), "sell_close": sell,
               "shares": shares, "invested": shares * buy, "value": shares * sell, "price_return": gross,
               "cost_with_fees": cost, "proceeds_after_costs": proceeds, "net_return": net,
               "annualised_net_return": yearly, "max_drawdown": dd}
    lots = shares / SHARES_PER_LOT
    if zh:
        what = (f"投入 NT${shares * buy:,.0f}" if stake.amount is not None else
                f"買進 {lots:g} 張（{shares:,.0f} 股）" if stake.shares is not None and shares % SHARES_PER_LOT == 0 else
                f"買進 {shares:,.0f} 股" if stake.shares is not None else "買進 1 張（1,000 股）")
        text = (f"**{label}**：{iso_day(buy_day)}{'（期間前最後一個交易日）' if len(earlier) else ''} 以收盤價 {fmt_price(buy)} {what}"
                + (f"（約 {shares:,.2f} 股）" if stake.amount is not None else f"，成本 NT${shares * buy:,.0f}")
                + f"，到 {iso_day(sell_day)} 收盤 {fmt_price(sell)} 時市值 **NT${shares * sell:,.0f}**，股價報酬 {gross:+.2%}。"
                f"扣除手續費（買賣各 0.1425%，最低 NT$20）與賣出時 {tax:.1%} 的證券交易稅後，淨得 NT${proceeds:,.0f}，"
                f"相對總成本 NT${cost:,.0f} 為 {net:+.2%}")
        text += (f"，年化 {yearly:+.2%}。" if yearly is not None else "。")
        text += f"持有期間最大回撤 {dd:.2%}（最低點在 {iso_day(trough)}）。" if dd < 0 else ""
    else:
        what = (f"NT${shares * buy:,.0f}" if stake.amount is not None else
                f"{lots:g} lot{'s' if lots != 1 else ''} ({shares:,.0f} shares)" if stake.shares is not None and shares % SHARES_PER_LOT == 0 else
                f"{shares:,.0f} shares" if stake.shares is not None else "one lot (1,000 shares)")
        text = (f"**{label}**: {what} bought at the {iso_day(buy_day)} close of {fmt_price(buy)}"
                + (" (the last before the span)" if len(earlier) else "")
                + (f" (about {shares:,.2f} shares)" if stake.amount is not None else f" cost NT${shares * buy:,.0f}")
                + f"; at the {iso_day(sell_day)} close of {fmt_price(sell)} {'it is' if stake.amount is not None else 'they are'} "
                f"worth **NT${shares * sell:,.0f}**, a price return of {gross:+.2%}. After the broker's fee (0.1425% each "
                f"way, at least NT$20) and the {tax:.1%} transaction tax on the sale, NT${proceeds:,.0f} comes back for "
                f"NT${cost:,.0f} paid: {net:+.2%}")
        text += (f", or {yearly:+.2%} a year." if yearly is not None else ".")
        text += f" Along the way it fell as far as {dd:.2%} from its high (on {iso_day(trough)})." if dd < 0 else ""
    return text, numbers, window


def lot_cost(job: Job) -> Answer:
    """What a lot costs at the last close, or how many lots and odd-lot shares an amount buys,
    the broker's fee included ("一張台積電多少錢", "how many shares of TSMC can I buy with NT$100,000?")."""
    code, zh = job.code, job.zh
    bars = job.closes(code)
    if bars.empty:
        return job.plain(job.missing(code))
    price, day = float(bars["close"].iloc[-1]), bars.index[-1]
    label = job.label(code)
    stake = parse_stake(job.asked)
    if not stake.positive:
        return job.plain(_nothing_staked(zh))
    codes = list(dict.fromkeys([code, *job.req.codes]))
    if len(codes) > 1 and stake.amount is None:
        return _several_lot_costs(job, codes, stake)
    lot = price * SHARES_PER_LOT
    numbers: dict[str, Any] = {"date": iso_day(day), "close": price, "lot_cost": lot, "lot_cost_with_fee": lot + _fee(lot)}
    if stake.amount is not None:
        budget = stake.amount
        lots = int(budget // (lot + _fee(lot)))
        rest = budget - lots * lot - (_fee(lots * lot) if lots else 0.0)
        odd = int(rest // (price * (1 + BROKER_FEE)))
        while odd > 0 and odd * price + _fee(odd * price) > rest:  # the NT$20 minimum fee on a small order
            odd -= 1
        spent = lots * lot + (_fee(lots * lot) if lots else 0.0) + (odd * price + _fee(odd * price) if odd else 0.0)
        numbers.update(budget=budget, lots=lots, odd_shares=odd, spent=spent, left=budget - spent)
        if zh:
            bought = (f"**{lots} 張**" + (f"加 {odd:,} 股零股" if odd else "") if lots else
                      f"**{odd:,} 股零股**（不到一張）" if odd else "**不到 1 股**")
            text = (f"**{label}** {iso_day(day)} 收盤 {fmt_price(price)}：NT${budget:,.0f} 可買 {bought}"
                    f"（含手續費共 NT${spent:,.0f}，剩 NT${budget - spent:,.0f}）。"
                    f"一張（1,000 股）NT${lot:,.0f}，加手續費 NT${lot + _fee(lot):,.0f}。")
        else:
            bought = (f"**{lots} lot{'s' if lots != 1 else ''}**" + (f" and {odd:,} odd-lot shares" if odd else "") if lots else
                      f"**{odd:,} shares** as odd lots (less than one lot)" if odd else "**not a single share**")
            text = (f"**{label}** at the {iso_day(day)} close of {fmt_price(price)}: NT${budget:,.0f} buys {bought}"
                    f" (NT${spent:,.0f} with the broker's fee, NT${budget - spent:,.0f} "
                    f"left). One lot (1,000 shares) is NT${lot:,.0f}, NT${lot + _fee(lot):,.0f} with the fee.")
    else:
        n = int((stake.shares or SHARES_PER_LOT) // SHARES_PER_LOT) or 1
        total = n * lot
        numbers.update(lots=n, cost=total, cost_with_fee=total + _fee(total))
        if zh:
            text = (f"**{label}** {iso_day(day)} 收盤 {fmt_price(price)}：{n} 張（{n * SHARES_PER_LOT:,} 股）NT${total:,.0f}，"
                    f"加手續費（0.1425%，最低 NT$20）共 **NT${total + _fee(total):,.0f}**。不到一張可用零股交易，"
                    f"一股 {fmt_price(price)}。")
        else:
            text = (f"**{label}** at the {iso_day(day)} close of {fmt_price(price)}: {n} lot{'s' if n != 1 else ''} "
                    f"({n * SHARES_PER_LOT:,} shares) cost{'s' if n == 1 else ''} NT${total:,.0f}, **NT${total + _fee(total):,.0f}** with the "
                    f"broker's fee (0.1425%, at least NT$20). Less than a lot trades as odd-lot shares at "
                    f"{fmt_price(price)} each.")
        if _SELLING.search(to_simplified(job.asked).lower()):  # "how much tax do I pay selling a lot of 2330?"
            fee, tax = _fee(total), total * _tax_rate(code)
            numbers.update(sell_fee=fee, sell_tax=tax, sell_proceeds=total - fee - tax)
            text += (f"賣出時扣手續費 NT${fee:,.0f} 與 {_tax_rate(code):.1%} 證券交易稅 NT${tax:,.0f}，實得 **NT${total - fee - tax:,.0f}**。"
                     if zh else f" Sold at that close, the broker's fee (NT${fee:,.0f}) and the {_tax_rate(code):.1%} "
                     f"transaction tax (NT${tax:,.0f}) leave **NT${total - fee - tax:,.0f}**.")
    return job.answer(text, [code], {code: bars.tail(1)}, numbers)


def _several_lot_costs(job: Job, codes: list[str], stake: Stake) -> Answer:
    """"How much do I need to buy 1 lot of each of 2330 2454 2317?": each company's lots at its last
    close with the broker's fee, and the total (it had searched the news)."""
    zh = job.zh
    n = int((stake.shares or SHARES_PER_LOT) // SHARES_PER_LOT) or 1
    lines, texts, priced, window = [], [], [], {}
    total = 0.0
    for code in codes[:10]:
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
            continue
        price, day = float(bars["close"].iloc[-1]), bars.index[-1]
        cost = n * price * SHARES_PER_LOT
        total += cost + _fee(cost)
        priced.append({"code": code, "date": iso_day(day), "close": price, "lots": n, "cost": cost, "cost_with_fee": cost + _fee(cost)})
        window[code] = bars.tail(1)
        lines.append(f"- {job.label(code)}：{iso_day(day)} 收盤 {fmt_price(price)}，{n} 張 NT${cost:,.0f}，含手續費 NT${cost + _fee(cost):,.0f}"
                     if zh else f"- {job.label(code)}: close {fmt_price(price)} on {iso_day(day)}, {n} lot{'s' if n != 1 else ''} "
                     f"NT${cost:,.0f}, NT${cost + _fee(cost):,.0f} with the broker's fee")
    if not priced:
        return job.plain("\n".join(texts))
    head = (f"各買 {n} 張（每張 1,000 股）需要 **NT${total:,.0f}**（含 0.1425% 手續費，每筆最低 NT$20）：" if zh else
            f"{n} lot{'s' if n != 1 else ''} of each (1,000 shares a lot) needs **NT${total:,.0f}** with the broker's fee "
            f"(0.1425%, at least NT$20 an order):")
    text = "\n".join([head, *lines, *texts])
    return job.answer(text, [p["code"] for p in priced], window, {"lots": n, "total_with_fee": total, "companies": priced})


_SELLING = re.compile(r"\bsell(?:s|ing)?\b|\bsale\b|\btax(?:es)?\b|卖出|卖掉|交易税|证交税")


# --- a regular-saving plan (定期定額) ----------------------------------------------------------------
DCA_MIN_FEE = 1.0  # NT$: brokers' regular-saving plans charge the 0.1425% fee with a NT$1 minimum
DCA_DEFAULT_DAYS = 365  # no start named: the last year


def dca(job: Job) -> Answer:
    """A sum invested every month ("定期定額台積電每月5000元從2024年9月開始", "if I invest 10k a month in
    2330 since 2024"): bought on the first session of each month from the start named (the last year
    without one) up to the last visible close, whole shares only (a regular-saving plan buys odd-lot
    shares), the broker's fee at 0.1425% with a NT$1 minimum, what is left over each month kept as
    cash; then the value at the last close beside the same total put in at once on the first day."""
    code, zh = job.code, job.zh
    bars = job.closes(code)
    if bars.empty:
        return job.plain(job.missing(code))
    stake = parse_stake(job.asked)
    if stake.amount is None or stake.amount <= 0:
        return job.plain("請寫出每月投入的金額，例如「定期定額台積電每月5000元從2024年9月開始」。" if zh else
                         "Say how much goes in each month, e.g. \"if I invest NT$10,000 a month in 2330 since 2024-09\".")
    monthly = stake.amount
    closes = bars["close"].astype(float)
    days = pd.to_datetime(closes.index)
    start = (pd.Timestamp(job.period.start) if job.period.kind in ("range", "day") and job.period.start is not None
             else days[-1] - pd.Timedelta(days=DCA_DEFAULT_DAYS))
    window = closes[days >= start]
    if window.empty:
        return job.plain(job.empty_span(code, bars))
    if start < days[0] - pd.Timedelta(days=7):  # "since 2024" on a store that starts in September
        job.notices.append(f"資料庫中 {job.label(code)} 的股價從 {iso_day(days[0])} 開始：扣款由那時算起。" if zh else
                           f"The store's prices for {job.label(code)} start on {iso_day(days[0])}: the plan is counted from there.")
    wdays = pd.to_datetime(window.index)
    firsts = window.groupby([wdays.year, wdays.month]).head(1)  # each month's first session in the span
    if len(firsts) < 2:
        return job.plain("期間內只有一次扣款：請從更早的月份開始，或直接問單筆投資（「2024-09-02 買一張台積電現在值多少」）。"
                         if zh else "Only one monthly purchase falls in that span: start earlier, or ask about one "
                         "purchase (\"what would NT$100,000 in 2330 on 2024-09-02 be worth?\").")
    shares = spent = fees = cash = 0.0
    for price in firsts.astype(float):
        n = int(monthly // (price * (1 + BROKER_FEE)))
        while n > 0 and n * price + max(DCA_MIN_FEE, n * price * BROKER_FEE) > monthly:
            n -= 1
        fee = max(DCA_MIN_FEE, n * price * BROKER_FEE) if n else 0.0
        shares, spent, fees = shares + n, spent + n * price + fee, fees + fee
        cash += monthly - (n * price + fee)
    invested = monthly * len(firsts)
    last, last_day = float(closes.iloc[-1]), closes.index[-1]
    value = shares * last
    total = value + cash
    first_price = float(firsts.iloc[0])
    lump_shares = int(invested // (first_price * (1 + BROKER_FEE)))
    lump_value = lump_shares * last + invested - lump_shares * first_price * (1 + BROKER_FEE)
    label = job.label(code)
    numbers = {"monthly": monthly, "purchases": len(firsts), "first": iso_day(firsts.index[0]),
               "last_purchase": iso_day(firsts.index[-1]), "invested": invested, "shares": shares, "fees": fees,
               "cash_left": cash, "average_cost": spent / shares if shares else None, "close": last, "date": iso_day(last_day),
               "value": value, "total": total, "return": total / invested - 1, "lump_sum_total": lump_value,
               "lump_sum_return": lump_value / invested - 1}
    avg = f"{spent / shares:,.2f}" if shares else "–"
    if zh:
        text = (f"**{label}** 定期定額每月 NT${monthly:,.0f}，於 {iso_day(firsts.index[0])} 至 {iso_day(firsts.index[-1])} "
                f"每月第一個交易日扣款 {len(firsts)} 次：共投入 NT${invested:,.0f}，買進 {shares:,.0f} 股（零股，含手續費平均成本 "
                f"{avg}，手續費合計 NT${fees:,.0f}，未用完的 NT${cash:,.0f} 留作現金）。以 {iso_day(last_day)} 收盤 "
                f"{fmt_price(last)} 計，股票市值 NT${value:,.0f}，連同現金共 **NT${total:,.0f}**，報酬 **{total / invested - 1:+.2%}**。"
                f"同樣的 NT${invested:,.0f} 若在 {iso_day(firsts.index[0])} 一次買進：NT${lump_value:,.0f}"
                f"（{lump_value / invested - 1:+.2%}）。")
    else:
        text = (f"**{label}**, NT${monthly:,.0f} a month on the first session of each month, {iso_day(firsts.index[0])} to "
                f"{iso_day(firsts.index[-1])} ({len(firsts)} purchases): NT${invested:,.0f} put in, {shares:,.0f} shares bought "
                f"(odd lots, an average cost of {avg} with fees; NT${fees:,.0f} in fees; NT${cash:,.0f} left over as cash). At the "
                f"{iso_day(last_day)} close of {fmt_price(last)} the shares are worth NT${value:,.0f}, with the cash "
                f"**NT${total:,.0f}**: **{total / invested - 1:+.2%}**. The same NT${invested:,.0f} put in at once on "
                f"{iso_day(firsts.index[0])}: NT${lump_value:,.0f} ({lump_value / invested - 1:+.2%}).")
    job.notices.append("每次扣款以當天收盤價買整數股，手續費 0.1425%、每次至少 NT$1（券商定期定額的常見收費）；未含股利，也不含賣出的手續費與證交稅。"
                       if zh else "Each purchase buys whole shares at that day's close, with the 0.1425% fee at NT$1 at least "
                       "(brokers' usual charge for regular-saving plans); dividends and the costs of selling are not included.")
    return job.answer(text, [code], {code: bars[pd.to_datetime(bars.index) >= start]}, numbers)


# --- a position bought at a price ------------------------------------------------------------------
# "I bought 2330 at 1000", "my cost basis is 800", "我在900買了台積電", "成本價850": the price paid.
_PAID = re.compile(
    # "bought at 1000", "bought 2 lots at NT$1,050", "bought 500 shares for 900 each" ("for NT$200,000"
    # without "each" is what the whole lot cost, and "buy with NT$100,000" a budget: no price paid)
    r"\b(?:bought|buy|purchased|got in|entered)\b(?:(?!\b(?:sold|sell|selling)\b)[^.?!。？！]){0,30}?(?:\bat\b|@)\s*(?:nt\$|\$|twd\s*)?"
    r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)(?!\s*(?:k\b|m\b|bn\b|million|billion|thousand|lots?|shares|%))"
    r"|\b(?:bought|purchased)\b[^.?!。？！]{0,30}?\bfor\s*(?:nt\$|\$|twd\s*)?(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)"
    r"(?=\s*(?:each|a share|per share|/share)\b)"
    # "cost basis 800", "my average cost is 850"
    r"|\b(?:average cost|avg\.? cost|average price|cost basis|entry price)\b\s*(?:is|was|of|at|:)?\s*(?:nt\$|\$|twd\s*)?"
    r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)(?!\s*(?:k\b|m\b|million|thousand|lots?|shares|%))"
    r"|(?:在|以)\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:的价格|价位)?\s*(?:买|买进|买入|进场|入手|接|购入)"
    r"|(?:成本价?|均价|买进价|买价|买入价|进场价)\s*(?:是|为|在|约)?\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\s*(?:万|亿|千))"
    r"|(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)\s*(?:买的|买进的|买入的|进场的)"
    # "台積電套牢在1100", "1100套牢": stuck at that cost; "stuck at 1100", "bag holding from 1100"
    r"|套牢(?:在|于)?\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\s*(?:万|亿|千|张|股|%))|(?<!\d)(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:套牢|被套)"
    r"|\b(?:stuck|trapped|bag ?holding)\b\s*(?:at|from|since)\s*(?:nt\$|\$)?(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)"
    # "我900買台積電1100賣掉": a price right before 買
    r"|(?<!\d)(?<!\d[.,])(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:买进|买入|买)(?![卖])",
    re.IGNORECASE,
)
# "sold at 1100", "sell at 1000", "1100賣掉", "在1100賣出": the price a position was (or would be) sold at.
_SOLD = re.compile(
    r"\b(?:sold|sell|selling|sells|exited|exit)\b[^.?!。？！]{0,20}?(?:\bat\b|@|\bfor\b)\s*(?:nt\$|\$|twd\s*)?"
    r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)(?!\s*(?:k\b|m\b|million|thousand|lots?|shares|%))"
    # (a number's commas group thousands: "成本950，賣掉要繳多少稅" sells at the close, not at 950, and
    # "成本950，1100賣掉" at 1100, not 9,501,100)
    r"|(?:在|以)?\s*(?<!\d)(?<!\d\.)(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:卖出|卖掉|卖|出场|出清)"
    r"|(?:卖出|卖掉|卖)(?:一半|半数|三分之一|四分之一|三分之二|四分之三)?(?:价|在|于)\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    # "如果漲到1100呢", "if it goes to 1100": a position's result at that price, as if sold there
    r"|(?:如果|若|假如|要是|假设|那么|那)\s*(?:股价)?(?:涨|跌|回|来)到\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|\bif (?:it|the price|the stock|the shares?|they) (?:goes|go|rises|rise|falls|fall|drops|drop|climbs|gets|hits|reaches"
    r"|recovers|recover|rebounds|rebound|bounces|bounce|comes|come|returns|return)"
    r"(?: (?:up|down|back))?(?: to)? (?:nt\$|\$)?(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


def parse_sold(message: str) -> float | None:
    """The price per share a position was or would be sold at ("I bought at 900 and sold at 1100",
    "if I sell at 1000", "1100賣掉"), or ``None``."""
    from ingest.companies import get_directory

    s = to_simplified(strip_dates(get_directory().without_mentions(message))).lower()
    m = _SOLD.search(s)
    return float(next(g for g in m.groups() if g).replace(",", "")) if m else None


def breakeven_price(code: str, paid: float, shares: float) -> float:
    """The sell price at which ``shares`` bought at ``paid`` return exactly what they cost, after
    the buy fee, the sell fee (at least NT$20) and the transaction tax: found by bisection, since
    the minimum fee makes the costs piecewise."""
    cost, _ = _costs(code, shares * paid, shares * paid)
    lo, hi = paid, paid * 1.1
    while _costs(code, shares * paid, shares * hi)[1] < cost:  # the NT$20 minimum can need far more
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if _costs(code, shares * paid, shares * mid)[1] < cost:
            lo = mid
        else:
            hi = mid
    return hi


def parse_paid(message: str) -> tuple[float, str] | None:
    """The price per share the user paid, and the message without it (where the quantity is
    read: "I bought 2 lots of 2330 at 1000"); ``None`` when no price paid is named."""
    from ingest.companies import get_directory

    s = to_simplified(strip_dates(get_directory().without_mentions(message))).lower()
    m = _PAID.search(s)
    if not m:
        return None
    group = next(i for i, g in enumerate(m.groups(), 1) if g)
    start, end = m.span(group)
    return float(m.group(group).replace(",", "")), s[:start] + " " + s[end:]


# A price paid right beside a name: "TSMC at 1000", "TSMC 2 lots @ 1,050", "台積電成本900" (after
# it), "在900買了3張台積電" (before it).
# What may stand between a name and the size held after it: "MediaTek, I have 1 lot at 1300",
# "聯發科我有1張 成本1300".
_HOLDER = r"(?:(?:i\s+(?:also\s+)?(?:have|hold|own|bought|got)|i've\s+got)\s+|我(?:还|也)?(?:有|持有|买了)\s*)?"
_PRICE_AFTER = re.compile(r"^\s*[:：,，]?\s*" + _HOLDER + r"(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)\s*(?:lots?|shares|张|股)\s*[,，]?\s*)?"
                          r"(?:\bat\b|@|成本价?|均价|买在)\s*"
                          r"(?:nt\$|\$|twd\s*)?(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d)(?!\s*(?:k\b|m\b|million|thousand|lots?|shares|%|万|亿|千|张|股))")
_PRICE_BEFORE = re.compile(r"(?:在|以)\s*(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:的价格)?\s*(?:买进|买入|买了|买|购入)"
                           r"\s*(?:了)?\s*(?:[一二两三四五六七八九十百\d,]+\s*(?:张|股))?\s*$")


# "sell my TSMC at 1100", "賣掉台積電在1100": what follows the name is a sale, not a purchase.
_SELLING_IT = re.compile(r"\b(?:sell|selling|sold|dump|dumping|unload)\s+(?:(?:all|half|some|the rest)\s+(?:of\s+)?)?"
                         r"(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+|a|one|two|three)\s*(?:lots?|shares)\s+(?:of\s+)?)?(?:my\s+|the\s+|our\s+)?$"
                         r"|(?:卖掉|卖出|卖|出清)\s*(?:我的|手上的)?\s*$")


def paid_positions(message: str) -> list[tuple[str, float, float | None]]:
    """``(code, price paid, shares or None)`` for each company named with a price paid right
    beside it: "I bought TSMC at 1000 and MediaTek at 1200", "我在900買了台積電、在1100買了聯發科"."""
    sizes = dict(parse_positions(message))
    out: list[tuple[str, float, float | None]] = []
    for code, before, after in _beside_names(message):
        if _SELLING_IT.search(before):  # "sell my TSMC at 1100": the price it would be sold at
            continue
        m = _PRICE_AFTER.search(after) or _PRICE_BEFORE.search(before)
        if m and code not in {c for c, _, _ in out}:
            out.append((code, float(m.group(1).replace(",", "")), sizes.get(code)))
    return out


def stated_positions(message: str) -> list[tuple[str, float, float | None]]:
    """:func:`paid_positions`, or, when ``message`` names one company and a price paid away from
    its name ("我1000買了3張台積電", "I bought 2 lots at 1050 of TSMC"), that one position."""
    several = paid_positions(message)
    if several:
        return several
    sizes = parse_positions(message)
    paid = parse_paid(message)
    if len(sizes) != 1 or paid is None or parse_sold(message) is not None:
        return []
    return [(sizes[0][0], paid[0], sizes[0][1])]


def same_company_purchases(message: str) -> list[tuple[float, float]]:
    """``(price paid, shares)`` of each purchase of the one company ``message`` names, when it
    names two or more with both a price and a size ("500 shares of 2454 at 1300 and 500 shares of
    2454 at 1200", "I bought 500 shares of 2454 at 1300: and if I add another 500 shares at 1200?");
    empty otherwise."""
    mentions = list(_beside_names(message))
    if len({code for code, _, _ in mentions}) != 1:
        return []
    out: list[tuple[float, float]] = []
    taken = False
    for _, before, after in mentions:
        q = (None if taken else _QTY_BEFORE.search(before)) or _QTY_AFTER.search(after)
        taken = bool(q) and q.re is _QTY_AFTER
        p = _PRICE_AFTER.search(after) or _PRICE_BEFORE.search(before)
        shares = _quantity(q.group(1), q.group(2)) if q else None
        if p and shares:
            out.append((float(p.group(1).replace(",", "")), shares))
    text = to_simplified(unicodedata.normalize("NFKC", message or "")).lower()
    for rx in _ADD_MORE:
        for m in rx.finditer(text):
            groups = m.groups()
            if rx is _ADD_MORE[2]:
                price, (number, unit) = groups[0], groups[1:3]
            else:
                (number, unit), price = groups[0:2], groups[2]
            shares = _quantity(number, unit)
            if shares:
                out.append((float(price.replace(",", "")), shares))
    return out if len(out) > 1 else []


def _several_positions(job: Job, held: list[tuple[str, float, float | None]]) -> Answer:
    """Each position bought at its price, at the last visible close, and all of them together."""
    zh = job.zh
    lines: list[str] = []
    rows = []
    frames: dict[str, pd.DataFrame] = {}
    for code, paid, shares in held:
        bars = job.closes(code)
        if bars.empty:
            lines.append(job.missing(code))
            continue
        n = shares or float(SHARES_PER_LOT)
        price, day = float(bars["close"].iloc[-1]), bars.index[-1]
        cost, proceeds = _costs(code, n * paid, n * price)
        rows.append({"code": code, "paid": paid, "shares": n, "date": iso_day(day), "close": price,
                     "paper_gain": n * (price - paid), "cost_with_fee": cost, "proceeds_after_costs": proceeds})
        frames[code] = bars.tail(1)
        size = lot_size(n, zh)
        lines.append(f"- {job.label(code)} {size}：買進價 {fmt_price(paid)}，{iso_day(day)} 收盤 {fmt_price(price)}"
                     f"（{price / paid - 1:+.2%}），帳面 {signed_money(n * (price - paid))}" if zh else
                     f"- {size} of {job.label(code)} bought at {fmt_price(paid)}: the {iso_day(day)} close is "
                     f"{fmt_price(price)} ({price / paid - 1:+.2%}), {signed_money(n * (price - paid))} on paper")
    if not rows:
        return job.plain("\n".join(lines))
    paid_total = sum(r["paid"] * r["shares"] for r in rows)
    paper = sum(r["paper_gain"] for r in rows)
    cost = sum(r["cost_with_fee"] for r in rows)
    back = sum(r["proceeds_after_costs"] for r in rows)
    value = sum(r["close"] * r["shares"] for r in rows)
    buy_fees, tax = cost - paid_total, sum(r["close"] * r["shares"] * _tax_rate(r["code"]) for r in rows)
    sell_fees = value - back - tax
    head = (f"**你的 {len(rows)} 筆持股**：買進共 NT${paid_total:,.0f}，帳面損益 **{signed_money(paper)}**"
            f"（{paper / paid_total:+.2%}）；若都以這些收盤價賣出，計入買進手續費 NT${buy_fees:,.0f}、賣出手續費 NT${sell_fees:,.0f} "
            f"與證券交易稅 NT${tax:,.0f} 後，淨損益 **{signed_money(back - cost)}**（{back / cost - 1:+.2%}）。" if zh else
            f"**Your {len(rows)} positions**: NT${paid_total:,.0f} paid, **{signed_money(paper)}** on paper "
            f"({paper / paid_total:+.2%}); all sold at these closes, after the buy fees (NT${buy_fees:,.0f}), the sell fees "
            f"(NT${sell_fees:,.0f}) and the transaction tax (NT${tax:,.0f}): **{signed_money(back - cost)}** ({back / cost - 1:+.2%}).")
    if len(rows) > 1:  # "which one is worse?": named, not left to the reader
        ranked = sorted(rows, key=lambda r: r["close"] / r["paid"] - 1)
        worst, best = ranked[0], ranked[-1]
        lines.append(f"最好的是 {job.label(best['code'])}（{best['close'] / best['paid'] - 1:+.2%}），最差的是 "
                     f"{job.label(worst['code'])}（{worst['close'] / worst['paid'] - 1:+.2%}）。" if zh else
                     f"Best: {job.label(best['code'])} ({best['close'] / best['paid'] - 1:+.2%}); worst: "
                     f"{job.label(worst['code'])} ({worst['close'] / worst['paid'] - 1:+.2%}).")
    if any(shares is None for _, _, shares in held):
        lines.append("（沒有寫出股數的以一張計。）" if zh else "(One lot where no quantity was given.)")
    numbers = {"positions": rows, "paid": paid_total, "paper_gain": paper, "net_gain": back - cost,
               "net_return": back / cost - 1, "buy_fees": buy_fees, "sell_fees": sell_fees, "sell_tax": tax}
    return job.answer("\n".join([head, *lines]), [r["code"] for r in rows], frames, numbers)


def position(job: Job) -> Answer:
    """What shares bought at a price are worth at the last close: the paper gain or loss, and
    what selling at that close would leave after Taiwan's costs ("I bought 2330 at 1000, how much
    did I lose?", "我在900買了台積電，現在賺多少"). Several companies, each with its price, are
    answered position by position and in all."""
    several = paid_positions(job.asked)
    if len(several) > 1:
        return _several_positions(job, several)
    code, zh = job.code, job.zh
    paid_rest = parse_paid(job.asked)
    sold = parse_sold(job.asked)  # "... and sold at 1100": that price, not the last close
    bars = job.closes(code)
    purchases = same_company_purchases(job.asked)
    if purchases:  # two purchases of one company (averaging down): one position at the average cost
        total = sum(n for _, n in purchases)
        paid, stake = sum(p * n for p, n in purchases) / total, Stake(shares=total)
        parts = ("、" if zh else " and ").join(
            f"{fmt_price(p)} 買 {lot_size(n, zh)}" if zh else f"{lot_size(n, zh)} at {fmt_price(p)}" for p, n in purchases)
        job.notices.append(f"合併 {len(purchases)} 次買進（{parts}）：共 {lot_size(total, zh)}，平均成本 {fmt_price(paid)}；"
                           "手續費以合計金額計算。" if zh else
                           f"{len(purchases)} purchases combined ({parts}): {lot_size(total, zh)} at an average cost of "
                           f"{fmt_price(paid)}; the fees are counted on the combined amount.")
    elif paid_rest is not None:
        paid, rest = paid_rest
        stake = parse_stake(rest)
    elif several:  # "TSMC at 1000, what is my P&L?": the price beside the name
        code, paid, shares = several[0]
        stake = Stake(shares=shares)
        bars = job.closes(code)
    else:  # "if I buy 2330 now and sell at 1000": bought at the last close
        assert sold is not None, "risk_kind says 'position' only when a price is named"
        if bars.empty:
            return job.plain(job.missing(code))
        paid, stake = float(bars["close"].iloc[-1]), parse_stake(job.asked)
    bought_now = paid_rest is None and not several and not purchases
    if bars.empty and not (sold is not None and not bought_now):  # two prices given need no stored one
        return job.plain(job.missing(code))
    if paid <= 0 or not stake.positive or (sold is not None and sold <= 0):
        return job.plain(_nothing_staked(zh))
    if sold is not None:
        return _trade(job, code, paid, sold, stake, bought_now=bought_now, bars=bars)
    price, day = float(bars["close"].iloc[-1]), bars.index[-1]
    shares = stake.shares_at(paid)
    cost, proceeds = _costs(code, shares * paid, shares * price)
    tax_rate = _tax_rate(code)
    per_share = price - paid
    paper = shares * per_share
    net = proceeds - cost
    label = job.label(code)
    numbers = {"paid": paid, "date": iso_day(day), "close": price, "shares": shares, "price_change": price / paid - 1,
               "paper_gain": paper, "cost_with_fee": cost, "proceeds_after_costs": proceeds, "net_gain": net,
               "net_return": proceeds / cost - 1}
    sell_fee, tax = _fee(shares * price), shares * price * tax_rate
    size = _size_in_full(shares, zh)
    if zh:
        text = (f"**{label}**：買進價 {fmt_price(paid)}，{iso_day(day)} 收盤 {fmt_price(price)}，"
                f"{price / paid - 1:+.2%}（每股 {per_share:+,.2f}）。{size}帳面損益 **{signed_money(paper)}**；"
                f"若以這個收盤價賣出，計入買進手續費 NT${_fee(shares * paid):,.0f}、賣出手續費 NT${sell_fee:,.0f} 與 "
                f"{tax_rate:.1%} 證券交易稅 NT${tax:,.0f} 後，淨損益 **{signed_money(net)}**（{proceeds / cost - 1:+.2%}）。")
    else:
        text = (f"**{label}**: bought at {fmt_price(paid)}; the {iso_day(day)} close is {fmt_price(price)}, "
                f"{price / paid - 1:+.2%} ({per_share:+,.2f} a share). On {size} that is **{signed_money(paper)}** on paper; "
                f"sold at that close, after the buy fee (NT${_fee(shares * paid):,.0f}), the sell fee "
                f"(NT${sell_fee:,.0f}) and the {tax_rate:.1%} transaction tax (NT${tax:,.0f}): **{signed_money(net)}** "
                f"({proceeds / cost - 1:+.2%}).")
    text += _one_lot_note(stake, zh)
    even = breakeven_price(code, paid, shares)
    numbers["breakeven_price"] = even
    text += (f"回本價（計入買賣手續費與證交稅後不賺不賠的賣價）：{fmt_price(even)}。" if zh else
             f" Break-even sell price (no gain, no loss after the fees and the tax): {fmt_price(even)}.")
    if not purchases and _AVERAGING.search(to_simplified(job.req.message).lower()):
        # "要不要加碼攤平", "should I average down?": what adding as much again at the last close does
        text += _averaging_text(code, paid, price, shares, zh)
    return job.answer(text, [code], {code: bars.tail(1)}, numbers)


# "should I average down?", "要不要加碼攤平", "補倉嗎": adding to a position (no size or price named;
# with them, same_company_purchases reads the second purchase). On simplified, lower-cased text.
_AVERAGING = re.compile(r"\baverag\w*\s+down\b|\bbuy (?:more|the dip)\b|\badd (?:more|to (?:it|my position))\b"
                        r"|\bdouble down\b|加码|摊平|补仓|加仓|逢低(?:买|加)")


def _averaging_text(code: str, paid: float, price: float, shares: float, zh: bool) -> str:
    """What buying ``shares`` more at the last close ``price`` does to a position bought at
    ``paid``: the new average cost and break-even, and the money at stake doubled. No verdict: a
    lower average cost is the same loss spread over more shares."""
    average = (paid + price) / 2
    even = breakeven_price(code, average, 2 * shares)
    extra = shares * price
    if zh:
        return (f"\n\n攤平試算：以收盤價 {fmt_price(price)} 再買同樣的 {lot_size(shares, True)}（約 NT${extra:,.0f}），"
                f"共 {lot_size(2 * shares, True)}，平均成本由 {fmt_price(paid)} 降到 {fmt_price(average)}，回本價 {fmt_price(even)}；"
                "但投入的錢加倍，之後每跌 1% 的損失也加倍。平均成本降低不等於虧損變小，要不要加碼由你決定。")
    return (f"\n\nAveraging down, worked out: buying the same {lot_size(shares, False)} again at the close of "
            f"{fmt_price(price)} (about NT${extra:,.0f}) makes {lot_size(2 * shares, False)} at an average cost of "
            f"{fmt_price(average)} (from {fmt_price(paid)}), breaking even at {fmt_price(even)}; the money at stake "
            "doubles, and so does every 1% fall from here. A lower average cost is not a smaller loss; whether to add "
            "is your call.")


# "sell half", "a third of it", "賣一半", "賣掉三分之一": the part of a position sold (on simplified, lower-cased text)
_FRACTION_SOLD = re.compile(r"\b(?:sell|sold|selling|dump|unload)\s+(?:(?:only|just)\s+)?(half|a third|one third|a quarter|one quarter"
                            r"|two thirds|three quarters)\b|(?:卖|卖掉|卖出|出)\s*(一半|半数|三分之一|四分之一|三分之二|四分之三)")
_FRACTIONS = {"half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "a quarter": 0.25, "one quarter": 0.25, "two thirds": 2 / 3,
              "three quarters": 0.75, "一半": 0.5, "半数": 0.5, "三分之一": 1 / 3, "四分之一": 0.25, "三分之二": 2 / 3,
              "四分之三": 0.75}


def sold_fraction(message: str) -> float | None:
    """The part of a position a sale names ("sell half at 1100" → 0.5), or ``None`` for all of it."""
    m = _FRACTION_SOLD.search(to_simplified(message or "").lower())
    return _FRACTIONS[next(g for g in m.groups() if g)] if m else None


def _trade(job: Job, code: str, paid: float, sold: float, stake: Stake, *, bought_now: bool,
           bars: pd.DataFrame) -> Answer:
    """A round trip at two prices the user names ("bought at 900, sold at 1100"), or bought at the
    last close and sold at the price named ("if I buy now and sell at 1000"): the gain before and
    after the buy fee, the sell fee and the transaction tax, and the break-even sell price."""
    zh = job.zh
    shares = stake.shares_at(paid)
    held, fraction = shares, sold_fraction(job.asked)
    if fraction is not None:  # "what if I sell half at 1100?": that part sold, the rest kept
        shares = float(int(held * fraction))
        if shares <= 0:
            return job.plain(_nothing_staked(zh))
    cost, proceeds = _costs(code, shares * paid, shares * sold)
    tax_rate = _tax_rate(code)
    buy_fee, sell_fee, tax = _fee(shares * paid), _fee(shares * sold), shares * sold * tax_rate
    gross, net, even = shares * (sold - paid), proceeds - cost, breakeven_price(code, paid, shares)
    day = bars.index[-1] if len(bars) else None  # only read when bought at the last close
    label = job.label(code)
    numbers = {"paid": paid, "sold": sold, "shares": shares, "price_change": sold / paid - 1, "gross_gain": gross,
               "buy_fee": buy_fee, "sell_fee": sell_fee, "sell_tax": tax, "cost_with_fee": cost,
               "proceeds_after_costs": proceeds, "net_gain": net, "net_return": proceeds / cost - 1,
               "breakeven_price": even, "bought_at_last_close": bought_now}
    size = _size_in_full(shares, zh)
    if zh:
        buy = f"以 {iso_day(day)} 收盤價 {fmt_price(paid)} 買進" if bought_now else f"以 {fmt_price(paid)} 買進"
        text = (f"**{label}**：{buy}、以 {fmt_price(sold)} 賣出，每股 {sold - paid:+,.2f}（{sold / paid - 1:+.2%}）。"
                f"{size}價差 **{signed_money(gross)}**；扣除買進手續費 NT${buy_fee:,.0f}、賣出手續費 NT${sell_fee:,.0f} 與 "
                f"{tax_rate:.1%} 證券交易稅 NT${tax:,.0f} 後，淨損益 **{signed_money(net)}**（{proceeds / cost - 1:+.2%}）。"
                f"回本價（不賺不賠的賣價）：{fmt_price(even)}。")
    else:
        buy = f"bought at the {iso_day(day)} close of {fmt_price(paid)}" if bought_now else f"bought at {fmt_price(paid)}"
        text = (f"**{label}**: {buy} and sold at {fmt_price(sold)}, {sold - paid:+,.2f} a share "
                f"({sold / paid - 1:+.2%}). On {size} that is **{signed_money(gross)}** before costs; after the buy fee "
                f"(NT${buy_fee:,.0f}), the sell fee (NT${sell_fee:,.0f}) and the {tax_rate:.1%} transaction tax "
                f"(NT${tax:,.0f}): **{signed_money(net)}** ({proceeds / cost - 1:+.2%}). Break-even sell price: {fmt_price(even)}.")
    if fraction is not None:
        kept = held - shares
        numbers.update(shares_held=held, shares_kept=kept, sold_fraction=fraction)
        text += (f"（賣出持有 {_size_in_full(held, zh)}中的 {_size_in_full(shares, zh)}，留下 {_size_in_full(kept, zh)}，成本仍是 "
                 f"{fmt_price(paid)}。）" if zh else
                 f" (That sells {shares:,.0f} of the {held:,.0f} shares held; {kept:,.0f} are kept, still at a cost of "
                 f"{fmt_price(paid)}.)")
    else:
        text += _one_lot_note(stake, zh)
    if bought_now:
        return job.answer(text, [code], {code: bars.tail(1)}, numbers)
    # Both prices are the user's: nothing was read from the store, so none of it is cited or charted.
    from .price_facts import ENGINE

    foot = (f"（以你給的兩個價格計算，含買賣手續費（各 0.1425%，最低 NT$20）與 {tax_rate:.1%} 證券交易稅；未經語言模型，"
            "也不是投資建議。）" if zh else
            f"(Computed from the two prices you gave, with the broker's fee (0.1425% each way, at least NT$20) and the "
            f"{tax_rate:.1%} transaction tax; no language model was involved, and no investment advice.)")
    return Answer(route="qa", engine=ENGINE, answer=f"{text}\n\n{foot}", notices=job.notices, code=code,
                  indicators=numbers)


# --- a portfolio ------------------------------------------------------------------------------
_QTY = (r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+|[一二两三四五六七八九十百]+|a|one)\s*(?:个)?\s*(lots?|shares?|张|股)(?![a-z价票市东])")
_QTY_BEFORE = re.compile(_QTY + r"\s*(?:of|in)?\s*$")
_QTY_AFTER = re.compile(r"^\s*[:：,，]?\s*" + _HOLDER + _QTY + r"(?!\s*(?:of|in)\b)")  # "2 lots of" is the next name's
# "TSMC at 1,050, 2 lots", "台積電成本950，2張": the size written after the price paid
_QTY_AFTER_PRICE = re.compile(r"^\s*[:：,，]?\s*(?:\bat\b|@|成本价?|均价|买在)\s*(?:nt\$|\$|twd\s*)?"
                              r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?\s*(?:元|块)?\s*[,，、]?\s*" + _QTY)
# "2330 x 1000", "2454 ×500": shares written as a multiplication
# ("2330 x2 lots", "台積電 x3張": lots when the unit says so)
_TIMES_AFTER = re.compile(r"^\s*[:：]?\s*[x×*]\s*(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?![\d.])\s*(lots?|张|shares?|股)?(?![a-z])")
# "and if I add another 500 shares at 1200?", "再買2張在1200", "在1200再買2張": a second purchase of the
# one company a position names (averaging down, 攤平). On simplified, lower-cased text.
_NUM = r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
_ADD_MORE = (
    re.compile(r"\b(?:add|adding|added|buy|buying|bought)\s+(?:another\s+|more\s+|an? extra\s+)?" + _QTY
               + r"\s+(?:more\s+)?(?:at|@)\s*(?:nt\$|\$)?" + _NUM),
    re.compile(r"(?:再|加码|摊平)\s*(?:买|买进|买入)?\s*" + _QTY + r"\s*(?:在|于|@)\s*" + _NUM),
    re.compile(r"(?:在|以)\s*" + _NUM + r"\s*(?:元|块)?\s*(?:再|加码|摊平)\s*(?:买|买进|买入)?\s*" + _QTY),
)


def _quantity(number: str, unit: str) -> float | None:
    n = 1 if number in ("a", "one") else (int(number.replace(",", "")) if number[0].isdigit() else zh_number(number))
    if not n:
        return None
    return float(n * (SHARES_PER_LOT if unit.startswith("lot") or unit == "张" else 1))


def _beside_names(message: str) -> Iterator[tuple[str, str, str]]:
    """``(code, text before, text after)`` for each company mention, the texts reaching to the
    neighbouring mentions, simplified and lower-cased: where a quantity or a price paid is read.

    Each piece is simplified on its own: the spans index the folded text, and to_simplified sets
    Latin words apart from Chinese ("持有TSMC"), which moves every later position."""
    import unicodedata

    from ingest.companies import get_directory

    folded = unicodedata.normalize("NFKC", message or "")
    spans = get_directory().mention_spans(folded)
    for i, (start, end, code) in enumerate(spans):
        before = to_simplified(folded[spans[i - 1][1] if i else 0:start]).lower()
        after = to_simplified(folded[end:spans[i + 1][0] if i + 1 < len(spans) else len(folded)]).lower()
        yield code, before, after


def parse_positions(message: str) -> list[tuple[str, float | None]]:
    """``(code, shares)`` for each company ``message`` names, the shares read next to the name:
    "2 lots of 2330 and 5 lots of 2454", "1000 shares of TSMC", "台積電3張、聯發科2張" (a lot, 張, is
    1,000 shares). ``None`` where no quantity stands next to a name."""
    out: list[tuple[str, float | None]] = []
    taken = False  # the last name's quantity was read after it: the text before this name is that text
    for code, before, after in _beside_names(message):
        # "台積電3張 鴻海10張": 3 張 follows 台積電, so it is not also 鴻海's (which had held 3 張)
        m = (None if taken else _QTY_BEFORE.search(before)) or _QTY_AFTER.search(after)
        taken = bool(m) and m.re is _QTY_AFTER
        if m is None and (m := _QTY_AFTER_PRICE.search(after)) is not None:
            taken = True  # "TSMC at 1,050, 2 lots", "台積電成本950，2張": the size after the price paid
        shares = _quantity(m.group(1), m.group(2)) if m else None
        if shares is None and (times := _TIMES_AFTER.search(after)):
            shares = (_quantity(times.group(1), times.group(2)) if times.group(2) else
                      float(times.group(1).replace(",", "")) or None)
        if code not in {c for c, _ in out}:
            out.append((code, shares))
    return out


PORTFOLIO_SESSIONS = 20  # a portfolio's change without a span named: the last month of sessions

# "what if I sell everything?", "全部賣掉拿多少": a portfolio's proceeds after the fee and the tax.
_SELL = re.compile(r"\bsell\w*|\bsold\b|\bcash(?:ed)? out\b|\bliquidat\w*|卖|出清|变现")


def holdings_text(message: str) -> str | None:
    """The holdings ``message`` names, written so that :func:`parse_positions` reads them back ("I
    hold 2000 shares of 2330 and 3000 shares of 2454"), or ``None`` when it names none with a size."""
    held = [(c, q) for c, q in parse_positions(message) if q]
    if not held:
        return None
    return "I hold " + " and ".join(f"{q:,.0f} shares of {c}" for c, q in held)


def portfolio_prompt(zh: bool) -> str:
    """What to write for a portfolio question that names no quantities (or no companies)."""
    return ("請寫出每檔的股數或張數，例如「我持有台積電 2 張、聯發科 500 股，上個月表現如何？」" if zh else
            "Say how much of each you hold, for example \"I hold 2 lots of 2330 and 500 shares of 2454: "
            "how did my portfolio do last month?\" (a lot is 1,000 shares).")


def portfolio(job: Job) -> Answer:
    """A portfolio's value at the last close and its change over the span asked (the last 20
    sessions without one), position by position, from the quantities next to each name."""
    zh = job.zh
    positions = parse_positions(job.asked)
    unsized = [c for c, q in positions if q is None]
    held = [(c, q) for c, q in positions if q]
    if not held:
        return job.plain(portfolio_prompt(zh))
    frames: dict[str, pd.DataFrame] = {}
    texts: list[str] = []
    for code, _ in held:
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
        else:
            frames[code] = bars
    if not frames:
        return job.plain("\n".join(texts))
    closes = pd.concat({c: f["close"].astype(float) for c, f in frames.items()}, axis=1).ffill()
    p = job.period
    if p.kind in ("day", "range") and p.start is not None:
        end = min(p.end or job.visible, job.visible)  # a day asked ("my portfolio on 2025-03-05") is that day
        before = closes[closes.index < pd.Timestamp(p.start)]
        inside = closes[(closes.index >= pd.Timestamp(p.start)) & (closes.index <= pd.Timestamp(end))]
        start_row = before.iloc[-1] if len(before) else (inside.iloc[0] if len(inside) else None)
        start_day = before.index[-1] if len(before) else (inside.index[0] if len(inside) else None)
    else:
        sessions = p.sessions if p.kind == "trailing" and p.sessions else PORTFOLIO_SESSIONS
        inside = closes.tail(sessions + 1)
        start_row, start_day = inside.iloc[0], inside.index[0]
        inside = inside.iloc[1:] if len(inside) > 1 else inside
    if start_row is None or inside.empty:
        return job.plain("\n".join([*texts, job.empty_span(next(iter(frames)), frames[next(iter(frames))])]))
    end_row, end_day = inside.iloc[-1], inside.index[-1]
    qty = dict(held)
    rows = []
    for code in frames:
        if pd.isna(start_row[code]) or pd.isna(end_row[code]):
            texts.append(f"{job.label(code)}：期間內沒有股價，未計入。" if zh else
                         f"{job.label(code)} has no prices in the span and is left out.")
            continue
        v0, v1 = qty[code] * float(start_row[code]), qty[code] * float(end_row[code])
        rows.append((code, qty[code], v0, v1))
    if not rows:
        return job.plain("\n".join(texts))
    total0, total1 = sum(r[2] for r in rows), sum(r[3] for r in rows)
    lines = []
    for code, q, v0, v1 in sorted(rows, key=lambda r: -r[3]):
        size = lot_size(q, zh)
        lines.append(f"- {job.label(code)} {size}：NT${v1:,.0f}（占 {v1 / total1:.0%}），{v1 / v0 - 1:+.2%}" if zh else
                     f"- {size} of {job.label(code)}: NT${v1:,.0f} ({v1 / total1:.0%} of it), {v1 / v0 - 1:+.2%}")
    span = f"{iso_day(start_day)} → {iso_day(end_day)}"
    if p.kind not in ("day", "range"):
        n = len(inside)
        span = f"近 {n} 個交易日（{span}）" if zh else f"over the last {n} sessions ({span})"
    money = signed_money(total1 - total0)
    if zh:
        head = (f"**你的持股**在 {iso_day(end_day)} 收盤市值 **NT${total1:,.0f}**；{span}：NT${total0:,.0f} → "
                f"NT${total1:,.0f}，{total1 / total0 - 1:+.2%}（{money}，未計手續費與稅）。")
    else:
        head = (f"**Your portfolio** is worth **NT${total1:,.0f}** at the {iso_day(end_day)} closes; {span}: "
                f"NT${total0:,.0f} → NT${total1:,.0f}, {total1 / total0 - 1:+.2%} ({money}, before fees and taxes).")
    if unsized:
        texts.append(f"沒有寫出數量、未計入：{'、'.join(unsized)}。" if zh else
                     f"Left out, no quantity given: {', '.join(unsized)}.")
    numbers = {"start": iso_day(start_day), "end": iso_day(end_day), "value_start": total0, "value_end": total1,
               "return": total1 / total0 - 1,
               "positions": [{"code": c, "shares": q, "value_start": v0, "value_end": v1} for c, q, v0, v1 in rows]}
    if _SELL.search(to_simplified(job.asked).lower()):
        # "what if I sell everything?": one sell order a holding, each paying the fee and the tax
        fees = sum(_fee(v1) for _, _, _, v1 in rows)
        taxes = sum(v1 * _tax_rate(c) for c, _, _, v1 in rows)
        net = total1 - fees - taxes
        numbers.update({"sell_fees": fees, "sell_tax": taxes, "sell_net": net})
        lines.append(f"全部以 {iso_day(end_day)} 收盤賣出：手續費 NT${fees:,.0f}（每筆 0.1425%，最低 NT$20）、證交稅 NT${taxes:,.0f}"
                     f"（股票 0.3%、ETF 0.1%），實拿 **NT${net:,.0f}**。" if zh else
                     f"Sold at the {iso_day(end_day)} closes, one order a holding: broker's fees NT${fees:,.0f} (0.1425%, at "
                     f"least NT$20 an order) and transaction tax NT${taxes:,.0f} (0.3%, ETFs 0.1%) leave **NT${net:,.0f}**.")
    if _RISK.search(to_simplified(job.asked).lower()):
        # "my portfolio risk": the holdings' value day by day, as one series
        risk_line, risk_numbers = _portfolio_risk(closes, {c: q for c, q, _, _ in rows}, end_day, zh, job)
        if risk_line:
            lines.append(risk_line)
            numbers["risk"] = risk_numbers
    window = {c: frames[c][(frames[c].index > start_day) & (frames[c].index <= end_day)] for c, *_ in rows}
    window = {c: w if len(w) else frames[c].tail(1) for c, w in window.items()}
    return job.answer("\n".join([head, *lines, *texts]), [c for c, *_ in rows], window, numbers)


# ("how diversified am I?": the holdings' weights, above, beside how the whole moves)
_RISK = re.compile(r"\brisk\w*|\bvolatil\w*|\bdrawdown|\bdiversif\w*|\bconcentrat\w*|风险|波动|回撤|分散|集中")


def _portfolio_risk(closes: pd.DataFrame, qty: dict[str, float], end_day: pd.Timestamp, zh: bool,
                    job: Job) -> tuple[str, dict[str, Any]]:
    """The portfolio's annualised volatility and worst drawdown over the last year of sessions that
    every holding has (its value each day, the quantities held fixed), beside each holding's own
    volatility: what holding them together does to the swings."""
    from .risk import DEFAULT_SESSIONS, MIN_SESSIONS, annualised_volatility

    held = closes[list(qty)].loc[:end_day].dropna().tail(DEFAULT_SESSIONS + 1)
    if len(held) <= MIN_SESSIONS:
        return "", {}
    value = sum(held[c] * q for c, q in qty.items())
    vol, dd = annualised_volatility(value.pct_change().dropna()), max_drawdown(value)
    own = {c: annualised_volatility(held[c].pct_change().dropna()) for c in qty}
    span = f"{iso_day(held.index[0])} → {iso_day(held.index[-1])}"
    shares = risk_shares(held, qty)
    numbers = {"start": iso_day(held.index[0]), "end": iso_day(held.index[-1]), "sessions": len(held) - 1,
               "volatility_annualised": vol, "max_drawdown": dd[0], "holdings_volatility": own, "risk_shares": shares}
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    if zh:
        each = "、".join(f"{c} {v:.1%}" for c, v in own.items())
        part = "、".join(f"{c} {v:.0%}" for c, v in ranked)
        return (f"風險（{span}，{len(held) - 1} 個交易日，持股數量不變）：組合年化波動度 **{vol:.1%}**（個股：{each}），"
                f"最大回撤 {dd[0]:.1%}（{iso_day(dd[1])} → {iso_day(dd[2])}）。"
                + (f"各持股占組合風險（以目前市值權重，計入彼此的共變異）：{part}。" if len(shares) > 1 else "")), numbers
    each = ", ".join(f"{c} {v:.1%}" for c, v in own.items())
    part = ", ".join(f"{c} {v:.0%}" for c, v in ranked)
    return (f"Risk ({span}, {len(held) - 1} sessions, the same quantities held): the portfolio's annualised volatility "
            f"**{vol:.1%}** (the holdings alone: {each}), worst drawdown {dd[0]:.1%} ({iso_day(dd[1])} → "
            f"{iso_day(dd[2])})." + (f" Each holding's share of the portfolio's risk (at today's value weights, with how "
                                     f"they move together): {part}." if len(shares) > 1 else "")), numbers


def risk_shares(held: pd.DataFrame, qty: dict[str, float]) -> dict[str, float]:
    """Each holding's share of the portfolio's variance, w_i (Σw)_i / w'Σw, with w the holdings'
    weights by value on the last day and Σ the covariance of their daily returns: which holding
    the swings come from (a large, volatile holding that moves with the rest weighs most). The
    shares add up to 1; one can be negative (a holding that steadies the rest)."""
    import numpy as np

    returns = held[list(qty)].pct_change().dropna()
    value = np.array([float(held[c].iloc[-1]) * q for c, q in qty.items()])
    if len(returns) < 2 or value.sum() <= 0:
        return {}
    w = value / value.sum()
    cov = returns.cov().to_numpy()
    total = float(w @ cov @ w)
    if total <= 0:
        return {}
    return {c: float(w[i] * (cov @ w)[i] / total) for i, c in enumerate(qty)}


__all__ = ["BROKER_FEE", "PORTFOLIO_SESSIONS", "SHARES_PER_LOT", "Stake", "holdings_text", "investment", "lot_cost", "paid_positions", "parse_paid",
           "parse_positions", "parse_stake", "portfolio", "position"]
