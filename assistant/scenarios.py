"""What-if moves: "what if TSMC drops 10%?", "如果台積電跌10%呢", and after a portfolio "what if
2330 falls 20%?" or "如果全部跌10%": a lot, or the holdings, valued with the moved price.

Why apart from ``assistant.holdings``: everything there is read off the store, while a scenario
prices a move that has not happened. The move is applied to the last visible close (the as-of
rule holds), and the answer sets it beside what did happen: when the close last stood at that
level, the largest one-day move in the stored history, and Taiwan's ±10% daily limit. It is no
forecast: how likely such a move is, the forecaster says (``forecast 2330 next 20 days``).
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .holdings import lot_size, parse_positions, parse_stake, signed_money
from .price_format import SHARES_PER_LOT, fmt_price
from .risk import Job, iso_day
from .slots import target_move, to_simplified, unquoted
from .types import Answer

# On simplified, lower-cased text: a condition ("what if", "如果") before a word of moving. The
# size of the move is read by ``slots.target_move`` ("drops 10%", "跌10%").
_MOVE_WORDS = (r"drops?|dropped|falls?|fell|declines?|loses?|crash(?:es|ed)?|sinks?|tanks?|plunges?|slides?|dips?"
               r"|goes? (?:up|down)|rises?|rose|gains?|jumps?|climbs?|rall(?:y|ies)|surges?|is (?:up|down)")
_CONDITION = re.compile(
    rf"\b(?:what if|what happens if|what would happen if|if|suppose|supposing|assuming|say)\b(.{{0,60}}?)\b(?:{_MOVE_WORDS})\b"
    r"|(?:如果|假如|假设|要是|万一|若是?|假使)(.{0,20}?)(?:大跌|下跌|跌|大涨|上涨|涨|崩)"
    # "台積電跌20%我3張會虧多少": a move of a stated size and what it costs, with no "if" written
    r"|^(.{0,20}?)(?:大跌|下跌|跌|大涨|上涨|涨)\s*\d+(?:\.\d+)?\s*%(?=.{0,16}(?:亏|赔|赚|损失|剩|值))")
# The whole market or every holding moves: "what if the market drops 10%?", "如果全部跌10%"
_EVERYTHING = re.compile(r"\b(?:the (?:whole |stock )?market|everything|all of (?:them|it)|all (?:my )?(?:stocks|holdings|shares)"
                         r"|my (?:portfolio|holdings|stocks)|the portfolio|stocks)\b|大盘|台股|股市|全部|所有|整体|都")
DAILY_LIMIT = 0.10  # TWSE and TPEx: a close moves at most 10% from the one before


def asks_scenario(message: str) -> bool:
    """Whether ``message`` asks what a move of a stated size would do ("what if 2330 drops 10%?")."""
    s = unquoted(message or "")
    return bool(_CONDITION.search(s)) and target_move(message) is not None


def moved_codes(message: str) -> list[str] | None:
    """The companies the condition moves ("what if TSMC drops 10%" → 2330); ``None`` for all of
    them (the market, everything, or no company named in the condition)."""
    from ingest.companies import get_directory

    m = _CONDITION.search(to_simplified(message or "").lower())
    if m is None:
        return None
    clause = next((g for g in m.groups() if g is not None), "")
    codes = [c.code for c in get_directory().find_in_text(clause)]
    if not codes or _EVERYTHING.search(clause):
        return None
    return codes


def _history_line(job: Job, code: str, bars: pd.DataFrame, move: float) -> str:
    """Where the moved price stands in the stored history: when the close was last there, the largest
    one-day move that way, and whether the move is more than one session's limit."""
    zh = job.zh
    closes = bars["close"].astype(float)
    last = float(closes.iloc[-1])
    level = last * (1 + move)
    before = closes.iloc[:-1]
    beyond = before[before <= level] if move < 0 else before[before >= level]
    parts = []
    if len(beyond):
        day = iso_day(beyond.index[-1])
        parts.append(f"上次收在 {fmt_price(level)} {'以下' if move < 0 else '以上'}是 {day}（收盤 {fmt_price(float(beyond.iloc[-1]))}）"
                     if zh else f"it last closed at or {'below' if move < 0 else 'above'} {fmt_price(level)} on {day} "
                     f"({fmt_price(float(beyond.iloc[-1]))})")
    else:
        first = iso_day(closes.index[0])
        parts.append(f"資料庫中（自 {first} 起）從未收在這個價位{'以下' if move < 0 else '以上'}" if zh else
                     f"it never closed {'that low' if move < 0 else 'that high'} in the stored history (since {first})")
    changes = closes.pct_change().dropna()
    if len(changes):
        worst = changes.idxmin() if move < 0 else changes.idxmax()
        x = float(changes.loc[worst])
        parts.append(f"資料庫中單日最大{'跌幅' if move < 0 else '漲幅'} {x:+.2%}（{iso_day(worst)}）" if zh else
                     f"its largest one-day {'fall' if move < 0 else 'rise'} stored is {x:+.2%} ({iso_day(worst)})")
    if abs(move) > DAILY_LIMIT:
        parts.append("超過單日 ±10% 的漲跌幅限制，至少要兩個交易日" if zh else
                     "more than the ±10% daily limit allows, so it takes two sessions or more")
    return ("；".join(parts) + "。") if zh else ("; ".join(parts) + ".")


def scenario(job: Job) -> Answer:
    """A lot of each company moved (or the holdings the question names, each at its quantity),
    valued at the last visible close and with the move applied, with each moved company's history
    beside it."""
    zh = job.zh
    move = target_move(job.asked) or 0.0
    held = [(c, q) for c, q in parse_positions(job.asked) if q]
    moved = moved_codes(job.asked)
    from ingest.companies import get_directory

    named = [c.code for c in get_directory().find_in_text(job.asked)]
    targets = (moved or named or [job.code])[:4]
    if not held and len(targets) == 1 and (stake := parse_stake(job.asked)).shares:
        # "if TSMC drops 20% how much do I lose on 3 lots?": the size written apart from the name
        held = [(targets[0], stake.shares)]
    rows: list[tuple[str, float, float, float, bool]] = []  # code, shares, close, value now, moved
    texts: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for code, shares in held or [(c, float(SHARES_PER_LOT)) for c in targets]:
        bars = job.closes(code)
        if bars.empty:
            texts.append(job.missing(code))
            continue
        frames[code] = bars
        close = float(bars["close"].iloc[-1])
        rows.append((code, shares, close, shares * close, moved is None or code in moved))
    if not rows:
        return job.plain("\n".join(texts))
    if held and moved:
        outside = [c for c in moved if c not in {r[0] for r in rows}]
        if outside:
            texts.append(f"{'、'.join(outside)} 不在你的持股中，未計入。" if zh else
                         f"Not among your holdings, so left out: {', '.join(outside)}.")
    day = iso_day(max(frames[c].index[-1] for c in frames))
    who = "、".join(job.label(r[0]) for r in rows if r[4]) if zh else ", ".join(job.label(r[0]) for r in rows if r[4])
    if held and moved is None and len(rows) > 1:  # "what if the market falls 20%?": each holding
        who = "每一檔持股都" if zh else "every holding"
    verb = ("跌" if move < 0 else "漲") if zh else ("fell" if move < 0 else "rose")
    lines = []
    total0 = total1 = 0.0
    for code, shares, close, v0, is_moved in rows:
        v1 = v0 * (1 + move) if is_moved else v0
        total0, total1 = total0 + v0, total1 + v1
        size = lot_size(shares, zh)
        if is_moved:
            lines.append(f"- {job.label(code)} {size}：收盤 {fmt_price(close)} → {fmt_price(close * (1 + move))}，"
                         f"NT${v0:,.0f} → NT${v1:,.0f}（{signed_money(v1 - v0)}）" if zh else
                         f"- {size} of {job.label(code)}: close {fmt_price(close)} → {fmt_price(close * (1 + move))}, "
                         f"NT${v0:,.0f} → NT${v1:,.0f} ({signed_money(v1 - v0)})")
        else:
            lines.append(f"- {job.label(code)} {size}：NT${v0:,.0f}（不變）" if zh else
                         f"- {size} of {job.label(code)}: NT${v0:,.0f} (unchanged)")
    if held:
        head = (f"**假如 {who} {verb} {abs(move):.0%}**（以 {day} 收盤計），你的持股市值會從 NT${total0:,.0f} 變成 "
                f"**NT${total1:,.0f}**：{signed_money(total1 - total0)}（{total1 / total0 - 1:+.2%}，未計手續費與稅）。" if zh else
                f"**If {who} {verb} {abs(move):.0%}** from the {day} closes, your holdings would go from NT${total0:,.0f} "
                f"to **NT${total1:,.0f}**: {signed_money(total1 - total0)} ({total1 / total0 - 1:+.2%}, before fees and taxes).")
    else:
        head = (f"**假如 {who} {verb} {abs(move):.0%}**（以 {day} 收盤計），每張（1,000 股）的市值：" if zh else
                f"**If {who} {verb} {abs(move):.0%}** from the {day} close, a lot (1,000 shares) would be worth:")
    history = [f"{job.label(c)}：{_history_line(job, c, frames[c], move)}" if zh else
               f"{job.label(c)}: {_history_line(job, c, frames[c], move)}" for c, *_, is_moved in rows if is_moved]
    first = next(c for c, *_, is_moved in rows if is_moved)
    close_note = (f"這是假設的情境，不是預測：要看這種走勢的機率，請問預測，例如 `{first} 未來20天走勢`。" if zh else
                  "This is a hypothetical, not a forecast: for the odds of such a move, ask the forecaster, e.g. "
                  f"`forecast {first} next 20 days`.")
    numbers: dict[str, Any] = {"move": move, "value_now": total0, "value_after": total1, "day": day,
                               "positions": [{"code": c, "shares": q, "close": p, "moved": m} for c, q, p, _, m in rows]}
    window = {c: frames[c].tail(1) for c in frames}
    # the history below the list, a paragraph apart (Markdown would fold it into the last item)
    text = "\n".join([head, *lines]) + "\n\n" + "\n\n".join([*history, *texts, close_note])
    return job.answer(text, [r[0] for r in rows], window, numbers)


__all__ = ["DAILY_LIMIT", "asks_scenario", "moved_codes", "scenario"]
