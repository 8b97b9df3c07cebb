"""Questions about the forecast just given: "worst case?", "how much could I lose on 2 lots?",
"what's the expected return?", "and the best case?", "最壞情況呢", "3張最多賠多少", "預期報酬多少",
"compare with the baselines" / "跟基準比呢".

Why here: the forecast already holds the numbers these ask for (its expected day-N close, the
10-90% band of what followed the most similar past windows, its walk-forward backtest beside the
trivial baselines), so they are read back from it, in money when a size is named. They had gone to
the news, which holds none of them. The band is said to be no bound: one past window in ten ended
below its low.
"""
from __future__ import annotations

import re
from typing import Any

from .backtest import NAMES_EN, NAMES_ZH, pct_text
from .i18n import answers_zh
from .slots import to_simplified, unquoted
from .types import Answer, Forecast

ENGINE = "forecast:follow-up"

# What is asked of the forecast (on Simplified, lower-cased text), in the order they are tried.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("backtest", re.compile(r"\bbacktest\w*\b|\bbaselines?\b|\btrack record\b|\bhit rate\b|回测|基准|命中率"
                            # "how accurate is it?", "準確率多少", "跟隨機漫步比呢", "does it beat momentum?"
                            r"|\baccura(?:te|cy)\b|\breliable\b|\brandom[- ]walk\b|\bmomentum\b|\breversal\b|\balways[- ]rise\b"
                            r"|准确|准不准|可靠|可信|随机漫步|随机游走|动能|反转|永远看涨")),
    ("downside", re.compile(r"\bworst[- ]case\b|\bdownside\b|\bhow (?:much|far) (?:could|can|might|would|will) "
                            r"(?:i|we|you|it) (?:lose|fall|drop)\b|\bmax(?:imum)? loss\b|\bhow bad\b"
                            r"|最坏|最差(?:的)?(?:情况|状况)|最多(?:会)?(?:亏|赔|损失|跌)|(?:会|可能)?(?:亏|赔)多少|下档")),
    ("upside", re.compile(r"\bbest[- ]case\b|\bupside\b|\bhow (?:much|far) (?:could|can|might|would|will) (?:i|we|you|it) "
                          r"(?:make|gain|earn|rise|go up)\b|最好(?:的)?(?:情况|状况)|最多(?:会)?(?:赚|涨)|(?:会|能|可能)?赚多少|上档")),
    ("expected", re.compile(r"\bexpected (?:return|gain|loss|move|change|close|price|value)\b|\bhow much (?:will|would|should) it "
                            r"(?:rise|fall|move|go up|go down|change)\b|预期(?:的)?(?:报酬|涨幅|跌幅|价格|收盘|获利)"
                            r"|预估(?:的)?(?:报酬|涨幅|价格)|预计(?:会)?(?:涨|跌)多少|期望值")),
)
# Words (or Chinese characters) beyond which a message asks more than the forecast's numbers; a
# company, a span or a horizon named makes a question of its own too (the caller checks those).
_TOO_LONG = 24


def forecast_followup_kind(message: str) -> str | None:
    """``downside`` / ``upside`` / ``expected`` / ``backtest`` when ``message`` asks that of the
    forecast just given, else ``None``."""
    s = to_simplified(unquoted(message or "")).lower()
    if len(re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", s)) > _TOO_LONG:
        return None
    return next((kind for kind, rx in _KINDS if rx.search(s)), None)


def forecast_followup(message: str, forecasts: list[Forecast], labels: dict[str, str]) -> Answer:
    """The numbers ``message`` asks of ``forecasts``, each company in turn; ``labels`` name the
    companies ("2454 MediaTek (聯發科)"). The forecasts ride on the answer again, so that the UI
    charts the band being talked about."""
    from .holdings import lot_size, parse_stake, signed_money

    zh = answers_zh(message)
    kind = forecast_followup_kind(message) or "expected"
    stake = parse_stake(message)
    parts = []
    for forecast in forecasts:
        fc = forecast.to_json()
        label = labels.get(fc["code"], fc["code"])
        end, last, h = fc["path"][-1], float(fc["last_close"]), int(fc["horizon_days"])
        if kind == "backtest":
            parts.append(_backtest_text(fc, label, zh))
            continue
        shares = stake.shares_at(last) if (stake.shares or stake.amount) else None
        rows = (("expected", "預估收盤" if zh else "expected close", end["close"]),
                ("downside", "10% 低檔" if zh else "10% low", end["low"]),
                ("upside", "90% 高檔" if zh else "90% high", end["high"]))
        rows = sorted(rows, key=lambda r: r[0] != kind)  # the one asked first
        lines = []
        for key, name, price in rows:
            move = price / last - 1.0
            money = f"，{lot_size(shares, True)} {signed_money(shares * (price - last))}" if zh and shares else (
                f", {signed_money(shares * (price - last))} on {lot_size(shares, False)}" if shares else "")
            text = (f"{name} {price:,.2f}（{move:+.2%}{money}）" if zh else f"{name} {price:,.2f} ({move:+.2%}{money})")
            lines.append(f"- {'**' + text + '**' if key == kind else text}")
        head = (f"**{label}** 第 {h} 個交易日（預測自 {fc['as_of']}，收盤 {last:,.2f}；上漲機率 {fc['p_rise']:.1%}）：" if zh else
                f"**{label}**, day {h} of the forecast from {fc['as_of']} (last close {last:,.2f}; P(rise) {fc['p_rise']:.1%}):")
        parts.append("\n".join([head, *lines]))
    if kind == "backtest":
        foot = ("（回測逐步進行，每一步只用當時已知的資料；簡單基準本來就很難勝過，這不是投資建議。）" if zh else
                "(Walk-forward: each step used only what was known then. Trivial baselines are genuinely hard to "
                "beat; no investment advice.)")
    else:
        sized = bool(stake.shares or stake.amount)
        foot = ("（10–90% 區間是與目前走勢最相似的歷史窗格其後結果的 80%，不是上下限：每 10 段就有 1 段收得比低檔更低。"
                + ("金額未計手續費與證交稅；" if sized else "") + "這是過去的比例，不是保證，也不是投資建議。）" if zh else
                "(The 10-90% band is where 80% of the most similar past windows ended, not a bound: one in ten ended "
                "below its low. " + ("Money before fees and taxes. " if sized else "")
                + "Shares of the past, not a promise, and no investment advice.)")
    return Answer(route="forecast", engine=ENGINE, answer="\n\n".join([*parts, foot]),
                  code=forecasts[0].code if forecasts else None, forecast=forecasts[0] if forecasts else None,
                  forecasts=list(forecasts) if len(forecasts) > 1 else [])


def _backtest_text(fc: dict[str, Any], label: str, zh: bool) -> str:
    """The forecast's own walk-forward hit rate beside each trivial baseline's, on the same steps."""
    bt = fc.get("backtest") or {}
    mine = bt.get("engine") or {}
    bases = bt.get("baselines_same_steps") or bt.get("baselines") or {}
    h = int(fc["horizon_days"])
    if not mine.get("n"):
        return (f"**{label}**：股價歷史太短，沒有 {h} 日預測的回測。" if zh else
                f"**{label}**: the stored history is too short for a walk-forward backtest of the {h}-day call.")

    name = mine.get("name", fc.get("engine", "analog"))
    best = max(((k, v.get("hit_rate")) for k, v in bases.items() if v.get("hit_rate") is not None),
               key=lambda kv: kv[1], default=None)
    beat = best is not None and mine.get("hit_rate", 0) > best[1]
    names = NAMES_ZH if zh else NAMES_EN
    each = ("、" if zh else ", ").join(f"{names.get(k, k)} {pct_text(v.get('hit_rate'))}" for k, v in bases.items())
    hit = pct_text(mine.get("hit_rate"))
    if zh:
        text = f"**{label}** {h} 日方向的回測：{NAMES_ZH.get(name, name)} {mine['n']} 次命中 {hit}；簡單基準：{each}。"
        if best is not None:
            text += ("勝過所有簡單基準。" if beat else
                     f"最好的簡單基準是{NAMES_ZH.get(best[0], best[0])}（{pct_text(best[1])}）：並未勝過所有簡單基準。")
        return text
    text = f"**{label}**, the {h}-day direction walked forward: {name} right {hit} of {mine['n']} times; baselines: {each}."
    if best is not None:
        text += (" It beat every trivial baseline." if beat else
                 f" The best baseline, {NAMES_EN.get(best[0], best[0])} ({pct_text(best[1])}), did as well or better.")
    return text


__all__ = ["ENGINE", "forecast_followup", "forecast_followup_kind"]
