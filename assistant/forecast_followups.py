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
    # "why this number?", "為什麼是這個數字", "這個預測用了哪些資料", "how did you get that?": how it was made
    ("why", re.compile(r"^\s*(?:but\s+|and\s+)?why\s*[?？!.]*\s*$"
                       r"|\bwhy\b(?!\s+(?:did|has|have)\b).{0,30}\b(?:number|forecast|prediction|probability|"
                       r"p\(rise\)|so (?:low|high|bearish|bullish|negative|positive)|that|this|it)\b"
                       r"|\bhow did you (?:get|come up with|arrive at|calculate|compute)\b"
                       r"|\bwhere (?:does|did) (?:that|this|the|it)\b"
                       r".{0,20}\bcome from\b|\bwhat (?:data|inputs?)\b.{0,25}\b(?:use|used|based|behind)\b|\bbased on what\b"
                       r"|^\s*为什么[?？!。]*\s*$|为什么(?:是|会是)?(?:这个|这样|这么|那么)|怎么(?:来|算|得出)的|依据(?:是)?什么|根据什么"
                       r"|用了?(?:哪些|什么)(?:资料|数据)|(?:资料|数据)(?:来源|从哪)")),
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
    """``why`` / ``downside`` / ``upside`` / ``expected`` / ``backtest`` when ``message`` asks that of
    the forecast just given, else ``None``."""
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
        if kind == "why":
            parts.append(_why_text(fc, label, zh))
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
    if kind in ("backtest", "why"):
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


def _why_text(fc: dict[str, Any], label: str, zh: bool) -> str:
    """Where the forecast's numbers come from: for the analog forecaster, the similar past windows
    and how P(rise), the expected close and the band are read from them (the shrink toward no change
    read from its configuration); for a model, what it was given. Then its backtest, since a number
    is only as good as its record."""
    from .analog import AnalogConfig

    h, last, end = int(fc["horizon_days"]), float(fc["last_close"]), fc["path"][-1]
    kept = AnalogConfig().shrink
    analog = str(fc.get("engine", "analog")).startswith("analog")
    if zh:
        if analog:
            text = (f"**{label}** 的 {h} 日預測（{fc['as_of']}）只用資料庫中截至 {fc['as_of']} 的每日股價，沒有新聞或財報："
                    "類比法把這檔股票最近的走勢（自身與大盤的報酬、收盤在當日區間的位置、與 20 日均線的距離、波動狀態）"
                    "變成一個向量，在所有已存股票的歷史中找出最相似、且其後結果在當時已知的窗格，越相似權重越高。"
                    f"上漲機率 {fc['p_rise']:.1%} 是其中其後 {h} 個交易日收高的加權比例（向 50% 略作平滑）；"
                    f"預估收盤 {end['close']:,.2f} 是它們漲跌幅的加權中位數，只保留 {kept:.0%}（往不變拉，因為隨機漫步很難勝過），"
                    f"套用在最後收盤 {last:,.2f} 上；10–90% 區間 {end['low']:,.2f}–{end['high']:,.2f} 是它們的第 10 與第 90 百分位。")
        else:
            text = (f"**{label}** 的 {h} 日預測（{fc['as_of']}）由模型 {fc.get('engine')} 回答：提示中放入這檔股票最近的走勢與"
                    f"檢索到的最相似歷史窗格（只取截至 {fc['as_of']} 已知的資料），上漲機率 {fc['p_rise']:.1%} 是模型對「漲」與「跌」的機率。")
        return text + "\n" + _backtest_text(fc, label, zh)
    if analog:
        text = (f"**{label}**, the {h}-day forecast from {fc['as_of']}, reads only the stored daily bars up to "
                f"{fc['as_of']}: no news, no financial statements. The analog forecaster writes the stock's latest sessions "
                "as a vector (its own and the market's scaled returns, where it closed in the day's range, its distance "
                "from the 20-day average, the volatility regime) and finds the most similar windows in every stored "
                f"stock's history whose outcome was known by then, the closer the heavier. P(rise) {fc['p_rise']:.1%} is "
                f"the weighted share of them whose next {h} sessions ended higher (smoothed toward 50%); the expected "
                f"close {end['close']:,.2f} is their "
                f"weighted median move with only {kept:.0%} of it kept (pulled toward no change, since a random walk is "
                f"hard to beat), applied to the last close {last:,.2f}; the 10-90% band {end['low']:,.2f}-{end['high']:,.2f} "
                "is their 10th and 90th percentiles.")
    else:
        text = (f"**{label}**, the {h}-day forecast from {fc['as_of']}, came from the model {fc.get('engine')}: its "
                f"prompt held the stock's latest sessions and the most similar past windows known by {fc['as_of']}, and "
                f"P(rise) {fc['p_rise']:.1%} is its probability of \"rise\" against \"fall\".")
    return text + "\n" + _backtest_text(fc, label, zh)


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
