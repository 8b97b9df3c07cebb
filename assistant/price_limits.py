"""The next session's price limits: "台積電明天漲停價多少", "2330 limit up price", "聯發科跌停價".

Why: a Taiwanese trader asks for the exact limit prices (漲停價 / 跌停價) before the open, and
they are arithmetic, not a forecast: 10% of the last close rounded inside to the tick of its
price band (``ingest.limits``). The question had been read as a forecast (明天) or as the stored
span's summary. The answer is point in time (the last close before the as-of day) and says the
one case it cannot know: an ex-dividend or ex-rights day, whose limits come from the reference
price, which finqa does not store.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ingest.limits import LIMIT, is_stock_code, limit_prices, tick_size

from .i18n import answers_zh
from .price_facts import ENGINE, STALE_DAYS, TAIPEI, stale_notice
from .price_format import bar_of, company_label, company_of, fmt_price, source_name
from .slots import unquoted
from .types import Answer, Citation, EngineRequest

RECENT_BARS = 20  # the sessions charted beside the answer

# On simplified, lower-cased text. "will 2330 hit limit up?" (no "price") stays the forecaster's odds.
_LIMIT_PRICE = re.compile(
    r"\blimit[- ]?(?:up|down)\s+(?:price|level)s?\b|\b(?:daily\s+)?price\s+limits?\b|\bdaily\s+limits?\b"
    r"|\blimits?\s+(?:up\s+and\s+down|for\s+tomorrow|tomorrow)\b|\bupper\s+and\s+lower\s+limits?\b"
    r"|涨停价|跌停价|涨跌停价|涨停板价|跌停板价|涨跌幅限制|(?:涨停|跌停|涨跌停)(?:是|会是|价位|在)?(?:多少|几块|几元|哪里|多少钱)")


def asks_limit_prices(message: str, code: str | None) -> bool:
    """Whether ``message`` asks a company's limit prices (漲停價, "limit up price")."""
    return bool(code and message and _LIMIT_PRICE.search(unquoted(message)))


def limit_price_answer(req: EngineRequest, store: Any) -> Answer:
    """The limit-up and limit-down prices of the session after the last stored close (before the
    as-of day), with their change, the tick they were rounded to, and what can make them differ."""
    zh = answers_zh(req.message)
    code = str(req.code)
    label = company_label(code, company_of(code), zh)
    end = req.as_of - timedelta(days=1) if req.as_of else None
    bars = store.bars(code, end=end)
    notices = list(req.notices)
    if bars.empty:
        text = (f"資料庫中沒有 {label} 的股價，無法計算漲跌停價：請執行 `finqa ingest prices {code}`。" if zh else
                f"The store holds no prices for {label}, so its limit prices cannot be computed: run "
                f"`finqa ingest prices {code}`.")
        return Answer(route="qa", engine=ENGINE, answer=text, code=code, notices=notices)
    day = bars.index[-1].date()  # the last close seen: the limits are the next session's
    close = float(bars["close"].iloc[-1])
    down, up = limit_prices(close)
    t_up, t_down = tick_size(close * (1 + LIMIT)), tick_size(close * (1 - LIMIT))
    same = t_up == t_down  # 967: the limit-up lies in the 1,000+ band (5.00), the limit-down below it (1.00)
    if zh:
        text = (f"**{label}**：以 {day.isoformat()} 收盤 {fmt_price(close)} 計算，下一個交易日的漲停價 **{fmt_price(up)}**"
                f"（{up / close - 1:+.2%}）、跌停價 **{fmt_price(down)}**（{down / close - 1:+.2%}）。"
                "漲跌幅限制為前一日收盤的 10%，再依價位的升降單位（這裡"
                + (f"是 {fmt_price(t_up)} 元" if same else f"漲停價是 {fmt_price(t_up)} 元、跌停價是 {fmt_price(t_down)} 元")
                + "）往內取整，所以實際幅度常略小於 10%。 [1]")
        caveat = "除息、除權當天以參考價（收盤減股利）計算漲跌停，finqa 沒有股利資料，那一天的價格會不同。"
        if not is_stock_code(code):
            caveat += "ETF 等非普通股的規則不同（追蹤國外指數的 ETF 沒有漲跌幅限制），以上以 10% 計算，僅供參考。"
    else:
        text = (f"**{label}**: from the {day.isoformat()} close of {fmt_price(close)}, the next session's limit-up price "
                f"is **{fmt_price(up)}** ({up / close - 1:+.2%}) and its limit-down price **{fmt_price(down)}** "
                f"({down / close - 1:+.2%}). The limit is 10% of the previous close, rounded inside to its price band's "
                "tick (here " + (f"NT${fmt_price(t_up)}" if same else
                                 f"NT${fmt_price(t_up)} for the limit-up, NT${fmt_price(t_down)} for the limit-down")
                + "), which is why the largest move is often a little under 10%. [1]")
        caveat = ("On an ex-dividend or ex-rights day the exchange sets the limits from the reference price (the close "
                  "less the dividend), which finqa does not store: that day's limits differ.")
        if not is_stock_code(code):
            caveat += (" ETFs and other non-ordinary shares follow other rules (an ETF tracking a foreign index has no "
                       "daily limit); the 10% figures above are only indicative.")
    notices.append(caveat)
    today = req.as_of or datetime.now(TAIPEI).date()
    if (today - day).days > STALE_DAYS:  # "tomorrow" is the session after the last stored one, long past
        notices.append(stale_notice(label, code, day, today, zh))
    recent = [bar_of(code, d, row) for d, row in bars.tail(RECENT_BARS).iterrows()]  # the UI charts them
    title = f"{label} 日成交資料 {day.isoformat()}" if zh else f"{label} daily prices {day.isoformat()}"
    return Answer(route="qa", engine=ENGINE, answer=text, code=code, notices=notices, bars=recent,
                  citations=[Citation(n=1, title=title, source=source_name(recent[-1:]), date=day.isoformat(), url=None)],
                  indicators={"code": code, "close": close, "close_date": day.isoformat(), "limit_up": up,
                              "limit_down": down})


__all__ = ["asks_limit_prices", "limit_price_answer"]
