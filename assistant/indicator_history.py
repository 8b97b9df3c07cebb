"""An indicator over time, not at one close: "2330 RSI in April 2025" (its path through the span),
"when did 2330's RSI last go below 30?", "台積電上次超賣是什麼時候".

Why apart from ``assistant.technicals``: that module reads every indicator at one session; these
questions read a series. The series are the same ones (``ingest.indicators.add_indicators``: RSI 14
with Wilder's smoothing, KD 9/3/3, MACD 12/26/9; the moving averages of the close), computed over
the stored bars up to the last visible session, so an answer here and the one-day reading agree on
every day they share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from .slots import to_simplified

OVERSOLD, OVERBOUGHT = 30.0, 70.0  # RSI zones, as ``technicals.rsi_zone`` reads them
K_LOW, K_HIGH = 20.0, 80.0  # KD zones
# Sessions before a series means anything: RSI's first 14 returns, K's first 9-session window. The
# first stored days (an RSI of 0 after one falling day) are no event to report.
WARMUP = {"rsi": 14, "kdj_k": 8}

# "RSI below 30", "K above 80", "RSI跌破30", "K值高於80"; on simplified, lower-cased text.
_LEVEL = re.compile(
    r"\b(?P<s1>rsi|kd|stochastics?)\b.{0,30}?\b(?P<o1>below|under|beneath|above|over|less than|more than|greater than|"
    r"higher than|lower than|exceed\w*|drop\w* (?:below|under)|f[ae]ll (?:below|under)|go(?:es)? (?:below|above|under|over)"
    r"|went (?:below|above|under|over)|r[io]se (?:above|over))\s+(?P<n1>\d{1,3}(?:\.\d+)?)"
    r"|(?P<s2>rsi|k值|kd值|kd)\s*(?:值)?.{0,8}?(?P<o2>低于|小于|跌破|高于|大于|超过|突破|站上|不到)\s*(?P<n2>\d{1,3}(?:\.\d+)?)")
# "when was it last oversold?", "上次超賣": RSI's zones by name.
_ZONE = re.compile(r"\b(?P<z1>oversold|overbought)\b|(?P<z2>超卖|超买)")
# The question is when: "when did", "last time", "上次", "什麼時候", "哪天".
_WHEN = re.compile(r"\bwhen\b|\blast time\b|\bmost recent(?:ly)?\b|\bthe last\b|何时|什么时候|上次|上一次|最近一次|哪(?:一)?天|几时")
_BELOW = re.compile(r"below|under|beneath|less|lower|drop|fall|fell|低于|小于|跌破|不到")


@dataclass(frozen=True)
class LevelAsked:
    """A line an indicator crossed: ``series`` ("rsi" or "k"), ``below`` or not, and the level."""

    series: str
    below: bool
    level: float

    def label(self, zh: bool) -> str:
        name = "RSI(14)" if self.series == "rsi" else "K(9)"
        if zh:
            return f"{name} {'低於' if self.below else '高於'} {self.level:g}"
        return f"{name} {'below' if self.below else 'above'} {self.level:g}"


def asked_level(message: str) -> LevelAsked | None:
    """The level a "when did ... last ..." question asks about, or ``None``."""
    s = to_simplified(message or "").lower()
    if not _WHEN.search(s):
        return None
    if m := _LEVEL.search(s):
        series = (m.group("s1") or m.group("s2") or "").replace("值", "")
        op = m.group("o1") or m.group("o2") or ""
        level = float(m.group("n1") or m.group("n2"))
        if 0 <= level <= 100:
            return LevelAsked("rsi" if series == "rsi" else "k", bool(_BELOW.search(op)), level)
    if m := _ZONE.search(s):
        low = (m.group("z1") or m.group("z2")) in ("oversold", "超卖")
        if re.search(r"(?<![a-z])kd?(?![a-z])|kd值|随机指标", s) and not re.search(r"\brsi\b", s):
            return LevelAsked("k", low, K_LOW if low else K_HIGH)
        return LevelAsked("rsi", low, OVERSOLD if low else OVERBOUGHT)
    return None


def _column(series: str) -> str:
    return "rsi" if series == "rsi" else "kdj_k"


def last_time(frame: pd.DataFrame, asked: LevelAsked, zh: bool) -> tuple[str, dict[str, object]]:
    """When the series was last past the level in ``frame`` (every stored session up to the last
    visible one, with ``add_indicators`` columns), how long that spell lasted, and how often."""
    column = _column(asked.series)
    values = pd.Series(frame[column].astype(float).to_numpy(), index=pd.to_datetime(frame["date"]))
    values = values.iloc[WARMUP[column]:].dropna()
    past = values < asked.level if asked.below else values > asked.level
    what = asked.label(zh)
    if values.empty:
        return ("資料不足以計算這個指標。" if zh else "Too few sessions to compute it."), {}
    spells = (past != past.shift(fill_value=False)).cumsum()[past]
    n_spells, n_days = int(spells.nunique()), int(past.sum())
    first, last = values.index[0].date(), values.index[-1].date()
    if n_days == 0:
        return ((f"從 {first.isoformat()} 到 {last.isoformat()} 的 {len(values)} 個交易日中，{what} 一次都沒有出現"
                 f"（最低 {values.min():.1f}，{values.idxmin().date().isoformat()}；最高 {values.max():.1f}，{values.idxmax().date().isoformat()}）。")
                if zh else
                (f"{what} never happened in the {len(values)} sessions from {first.isoformat()} to {last.isoformat()} "
                 f"(lowest {values.min():.1f} on {values.idxmin().date().isoformat()}, highest {values.max():.1f} on "
                 f"{values.idxmax().date().isoformat()})."), {"times": 0})
    latest = spells[spells == spells.iloc[-1]]
    start, end = latest.index[0].date(), latest.index[-1].date()
    extreme = values[latest.index].min() if asked.below else values[latest.index].max()
    ongoing = end == last
    numbers: dict[str, object] = {"last_start": start.isoformat(), "last_end": end.isoformat(), "times": n_spells,
                                  "sessions": n_days, "extreme": float(extreme)}
    if zh:
        when = (f"最近一次從 {start.isoformat()} 開始，到最新的 {last.isoformat()} 仍是如此" if ongoing else
                f"最近一次是 {start.isoformat()}" + (f" 至 {end.isoformat()}" if end != start else ""))
        return (f"{what}：{when}（{len(latest)} 個交易日，{'最低' if asked.below else '最高'} {extreme:.1f}）。"
                f"從 {first.isoformat()} 起的 {len(values)} 個交易日中共 {n_spells} 次、{n_days} 個交易日。"), numbers
    when = (f"the latest spell began on {start.isoformat()} and is still on at the newest session, {last.isoformat()}"
            if ongoing else f"last on {start.isoformat()}" + (f" to {end.isoformat()}" if end != start else ""))
    return (f"{what}: {when} ({len(latest)} session{'s' if len(latest) != 1 else ''}, "
            f"{'lowest' if asked.below else 'highest'} {extreme:.1f}). In the {len(values)} sessions since "
            f"{first.isoformat()} it happened {n_spells} time{'s' if n_spells != 1 else ''}, on {n_days} "
            f"session{'s' if n_days != 1 else ''}."), numbers


def span_lines(frame: pd.DataFrame, kinds: list[str], mas: list[int], start: date, end: date,
               zh: bool) -> tuple[list[str], dict[str, object]]:
    """How the indicators asked moved through ``start``..``end`` (sessions of ``frame`` in it): the
    first and last value, the lowest and highest with their days, the sessions in each zone."""
    dates = pd.to_datetime(frame["date"])
    after = frame.iloc[max(WARMUP.values()):]  # the warm-up sessions mean nothing yet
    when_after = dates.iloc[max(WARMUP.values()):]
    inside = after[(when_after >= pd.Timestamp(start)) & (when_after <= pd.Timestamp(end))]
    if len(inside) < 2:
        return [], {}
    when = pd.to_datetime(inside["date"]).dt.date
    lines: list[str] = []
    numbers: dict[str, object] = {}
    n = len(inside)
    head = f"{when.iloc[0].isoformat()} 至 {when.iloc[-1].isoformat()}（{n} 個交易日）" if zh else \
        f"{when.iloc[0].isoformat()} to {when.iloc[-1].isoformat()} ({n} sessions)"

    def path(name: str, values: pd.Series, low: float | None, high: float | None) -> str:
        v = pd.Series(values.astype(float).to_numpy(), index=when.to_numpy())
        lo, hi = v.idxmin(), v.idxmax()
        numbers[name] = {"first": float(v.iloc[0]), "last": float(v.iloc[-1]), "min": float(v.min()), "min_date": lo.isoformat(),
                         "max": float(v.max()), "max_date": hi.isoformat()}
        zones = ""
        if low is not None and high is not None:
            below, above = int((v < low).sum()), int((v > high).sum())
            numbers[name].update({"sessions_below": below, "sessions_above": above})
            zones = (f"；低於 {low:g} 的有 {below} 天、高於 {high:g} 的有 {above} 天" if zh else
                     f"; below {low:g} on {below} session{'s' if below != 1 else ''}, above {high:g} on {above}")
        if zh:
            return (f"- {name} 在 {head}：由 {v.iloc[0]:.1f} 到 {v.iloc[-1]:.1f}，最低 {v.min():.1f}（{lo.isoformat()}）、"
                    f"最高 {v.max():.1f}（{hi.isoformat()}）{zones}")
        return (f"- {name} over {head}: from {v.iloc[0]:.1f} to {v.iloc[-1]:.1f}, lowest {v.min():.1f} "
                f"({lo.isoformat()}), highest {v.max():.1f} ({hi.isoformat()}){zones}")

    for kind in kinds:
        if kind == "rsi" and inside["rsi"].notna().all():
            lines.append(path("RSI(14)", inside["rsi"], OVERSOLD, OVERBOUGHT))
        elif kind == "kd" and inside["kdj_k"].notna().all():
            lines.append(path("K(9)", inside["kdj_k"], K_LOW, K_HIGH))
        elif kind == "macd" and inside["macd_histogram"].notna().all():
            positive = int((inside["macd_histogram"] > 0).sum())
            numbers["macd_positive_sessions"] = positive
            lines.append(f"- MACD 柱狀體在 {head} 中有 {positive} 天為正（MACD 在訊號線之上）" if zh else
                         f"- The MACD histogram over {head} was positive (MACD above its signal) on {positive} "
                         f"session{'s' if positive != 1 else ''}")
    close = frame["close"].astype(float)
    for length in mas:
        average = close.rolling(length).mean()
        both = pd.DataFrame({"close": close, "ma": average})[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
        if both["ma"].isna().any():
            continue
        above = int((both["close"] >= both["ma"]).sum())
        numbers[f"ma{length}_sessions_above"] = above
        lines.append(f"- 收盤在 {length} 日均線之上的有 {above} 天（共 {n} 天）" if zh else
                     f"- The close was at or above its {length}-day average on {above} of the {n} sessions")
    return lines, numbers


__all__ = ["LevelAsked", "asked_level", "last_time", "span_lines"]
