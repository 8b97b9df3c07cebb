"""When Taiwan's market trades: "is the market open today?", "台股幾點開盤", "what are TWSE's
trading hours?".

Why a rule and not the news: the schedule is fixed by the exchanges and the news only mentions it
in passing, so without a language model (the CPU tier) the nearest sentences were about a laptop
sale "kicking off today". The hours are written once here, in Taipei time, and the glossary's
definition and the open-now answer both read them. Holidays come from the exchange calendar
(XTAI, ``exchange_calendars``, through ``ingest.calendar``): the days announced in advance, not a
typhoon closure called the day before, which the answer says; outside the range that calendar
covers only the weekday is read, and said so. The newest session in finqa's own store is named
beside it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from ingest.calendar import calendar_session, next_sessions

from .i18n import answers_zh
from .periods import WEEKDAYS_EN
from .price_format import WEEKDAY_ZH
from .slots import to_simplified, unquoted

ENGINE = "qa:market-hours"

# Taipei time. (start, end, English name, Chinese name)
SESSIONS: tuple[tuple[time, time, str, str], ...] = (
    (time(8, 30), time(9, 0), "pre-open order entry", "盤前委託"),
    (time(9, 0), time(13, 30), "regular session (the last five minutes, 13:25-13:30, a closing call auction)",
     "一般交易（13:25-13:30 為收盤集合競價）"),
    (time(9, 0), time(13, 30), "intraday odd-lot trading", "盤中零股交易"),
    (time(13, 40), time(14, 30), "after-hours odd-lot trading", "盤後零股交易"),
    (time(14, 0), time(14, 30), "after-hours fixed-price trading at the close", "盤後定價交易"),
)
REGULAR = SESSIONS[1]


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def hours_text(zh: bool) -> str:
    """The day's sessions, one clause each."""
    if zh:
        return "；".join(f"{name} {_hm(a)}-{_hm(b)}" for a, b, _, name in SESSIONS)
    return "; ".join(f"{name} {_hm(a)}-{_hm(b)}" for a, b, name, _ in SESSIONS)


# "is the market open (today / now)?", "is TWSE open on Saturday?", "台股今天有開盤嗎", "現在開盤了嗎",
# "收盤了嗎", "台股下週一有開嗎", "when is the next trading day?"; on simplified, lower-cased text.
# "when is the next trading day?", "下一個交易日是哪天", "下次開盤什麼時候": when, not what happens then
# ("will 2330 rise on the next trading day?" is a forecast)
_NEXT = (r"\bwhen(?:'s| is| will be)? (?:the )?next (?:trading day|trading session|market day|session)\b"
         r"|^\s*(?:the )?next trading day\s*[?？]?\s*$|\bwhen does the (?:stock )?market (?:re)?open\b"
         r"|下一?个交易日(?:是)?(?:哪天|哪一天|什么时候|几号|星期几|周几)|下次开盘(?:是)?(?:哪天|什么时候|几点|是什么时候)?")
_NEXT_SESSION = re.compile(_NEXT)
# "what time is it in Taipei?", "what's today's date?", "今天幾號", "現在幾點": the clock, and the session
_CLOCK_ASKED = (r"^\W*what(?:'s| is)? (?:the )?time (?:is it )?(?:now |in taipei |in taiwan )*\W*$|^\W*what time is it\b"
                r"|^\W*what(?:'s| is) (?:the )?(?:date|day) (?:today|is it)?\W*$|^\W*what(?:'s| is) today'?s date\W*$"
                r"|^\W*what day is (?:it|today)\W*$|^\W*(?:今天|现在)(?:是)?(?:几月)?几号|^\W*(?:今天|现在)(?:是)?(?:星期|礼拜|周)几|^\W*现在几点")
_CLOCK = re.compile(_CLOCK_ASKED)
_OPEN_NOW = re.compile(
    r"\b(?:is|are|will|was|were) (?:the )?(?:taiwan(?:ese)? )?(?:stock )?(?:market|markets|exchange|twse|tpex|taiex)(?: \w+)? "
    r"(?:be )?(?:open|closed|trading)\b"
    r"|\b(?:market|twse|tpex) (?:open|closed) (?:today|now|tomorrow)\b|\bis (?:it|today|tomorrow) a trading day\b"
    r"|(?:台股|股市|市场|证交所|柜买)?(?:今天|现在|明天|后天|目前|(?:下|这|本)?(?:周|星期|礼拜)[一二三四五六日天])(?:有)?(?:开盘|开市|开|交易|收盘)(?:了)?(?:吗|嘛|没|没有)"
    r"|(?:今天|明天|后天)是(?:不是)?交易日"
    # "2025年4月4日台股有開盤嗎", "4/4股市有交易嗎", "那天是交易日嗎"
    r"|(?:台股|股市|证交所)\S{0,4}?(?:有)?(?:开盘|开市|交易)(?:吗|嘛|没|没有)|是(?:不是)?交易日(?:吗|嘛)?"
    r"|" + _CLOCK_ASKED +
    # "when is the next trading day?", "下一個交易日是哪天"
    r"|" + _NEXT)

_DAY_EN = re.compile(r"\b(next|this|on)?\s*(" + "|".join(WEEKDAYS_EN) + r")\b")
_DAY_ZH = re.compile(r"(下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")


def asks_market_open(message: str) -> bool:
    """Whether ``message`` asks if the market is open now, on a day, or when it next trades."""
    return bool(message and _OPEN_NOW.search(unquoted(message)))


def _day_asked(s: str, today: date) -> date | None:
    """The day a question asks about (``None``: today, now): tomorrow, the day after, a weekday
    ("next Monday" / "下週一" in the next Monday-to-Sunday week; "this Friday" / "這週五" in this
    one; a bare "on Saturday" / "週六" the next one from today), or an ISO date."""
    if m := _ISO.search(s):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if "day after tomorrow" in s or "后天" in s:
        return today + timedelta(days=2)
    if "tomorrow" in s or "明天" in s:
        return today + timedelta(days=1)
    which, weekday = None, None
    if m := _DAY_ZH.search(s):
        which, weekday = {"下": "next", "这": "this", "本": "this"}.get(m.group(1) or ""), WEEKDAY_ZH.index(
            "日" if m.group(2) == "天" else m.group(2))
    elif m := _DAY_EN.search(s):
        which, weekday = (m.group(1) if m.group(1) in ("next", "this") else None), WEEKDAYS_EN.index(m.group(2))
    if weekday is None:
        from .periods import parse_period

        named = parse_period(s, today)  # "was the market open on April 4 2025?", "2025年4月4日台股有開盤嗎"
        return named.start if named.kind == "day" else None
    monday = today - timedelta(days=today.weekday())
    if which == "next":
        return monday + timedelta(days=7 + weekday)
    if which == "this":
        return monday + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def market_open_answer(message: str, now: datetime, newest_session: date | None) -> str:
    """Whether the market trades at ``now`` (Taipei time), or on the day asked, from the weekday
    and the hours; what finqa cannot know (holidays, typhoon closures) is said, with the newest
    session it stores."""
    zh = answers_zh(message)
    s = to_simplified(message).lower()
    if _NEXT_SESSION.search(s):  # "when is the next trading day?": after today's session, the next one on the calendar
        ahead = _next_session(now)
        when_en, when_zh = f"{ahead.isoformat()} ({ahead.strftime('%A')})", f"{ahead.isoformat()}（週{WEEKDAY_ZH[ahead.weekday()]}）"
        if calendar_session("TWSE", ahead) is None:
            state_en = (f"The next trading day is {when_en}, unless it is an exchange holiday: the exchange calendar "
                        "finqa reads does not reach that far, so only the weekday was read.")
            state_zh = f"下一個交易日是 {when_zh}，除非那天休市：finqa 讀的交易所日曆沒有涵蓋到那天，只看了星期幾。"
        else:
            state_en = (f"The next trading day is {when_en}, on the exchange calendar (its announced holidays skipped; "
                        "a typhoon closure called the day before is not on it).")
            state_zh = f"下一個交易日是 {when_zh}（依交易所日曆，已跳過公告的休市日；颱風臨時停市不在其中）。"
        return _with_hours(state_en, state_zh, zh, newest_session)
    asked = _day_asked(s, now.date())
    other_day = asked is not None and asked != now.date()
    day = asked or now.date()
    weekday = day.weekday()
    start, end = REGULAR[0], REGULAR[1]
    when_en = f"{day.isoformat()} ({day.strftime('%A')})"
    when_zh = f"{day.isoformat()}（週{WEEKDAY_ZH[weekday]}）"
    if weekday >= 5:
        state_en = f"{when_en} is a weekend day: TWSE and TPEx do not trade."
        state_zh = f"{when_zh} 是週末：證交所與櫃買中心不交易。"
        if _CLOCK.search(s) and not other_day:  # "what time is it?": the clock first
            state_en = f"It is {now.strftime('%H:%M')} on {when_en} in Taipei, a weekend day: TWSE and TPEx do not trade."
            state_zh = f"台北時間 {when_zh} {now.strftime('%H:%M')}，週末：證交所與櫃買中心不交易。"
    elif calendar_session("TWSE", day) is False:  # "was the market open on 2025-04-04?": a holiday on the calendar
        state_en = (f"{when_en} is an exchange holiday on the TWSE calendar: TWSE and TPEx "
                    f"{'did not trade' if day < now.date() else 'do not trade'}.")
        state_zh = f"{when_zh} 是交易所日曆上的休市日：證交所與櫃買中心{'沒有交易' if day < now.date() else '不交易'}。"
    elif other_day:
        known = calendar_session("TWSE", day) is not None
        state_en = (f"{when_en} is a trading day: TWSE and TPEx trade {_hm(start)}-{_hm(end)} Taipei time "
                    + ("(the exchange calendar has no holiday that day; a typhoon closure called the day before is not on it)."
                       if known else "unless it is an exchange holiday: the exchange calendar finqa reads does not reach "
                       "that far, so only the weekday was read."))
        state_zh = (f"{when_zh} 是交易日：證交所與櫃買中心 {_hm(start)}-{_hm(end)}（台北時間）交易"
                    + ("（交易所日曆上那天沒有休市；颱風臨時停市不在其中）。" if known else
                       "，除非是休市日：finqa 讀的交易所日曆沒有涵蓋到那天，只看了星期幾。"))
    else:
        clock = now.time()
        if clock < SESSIONS[0][0]:
            phase_en, phase_zh = f"before the session (orders from {_hm(SESSIONS[0][0])})", f"尚未開盤（{_hm(SESSIONS[0][0])} 起可委託）"
        elif clock < start:
            phase_en, phase_zh = "in pre-open order entry", "盤前委託時段"
        elif clock < end:
            phase_en, phase_zh = "in the regular session", "一般交易時段（盤中）"
        elif clock < SESSIONS[-2][1]:
            phase_en, phase_zh = "after the close, in the after-hours sessions", "已收盤，盤後交易時段"
        else:
            phase_en, phase_zh = "after the close", "已收盤"
        state_en = (f"It is {now.strftime('%H:%M')} on {when_en} in Taipei: {phase_en} (a trading day on the exchange "
                    "calendar; a typhoon closure called the day before is not on it).")
        state_zh = (f"台北時間 {when_zh} {now.strftime('%H:%M')}：{phase_zh}（交易所日曆上的交易日；颱風臨時停市不在其中）。")
    return _with_hours(state_en, state_zh, zh, newest_session)


def _next_session(now: datetime) -> date:
    """The next trading day after ``now``'s (today's, while its session has not opened yet), on the
    exchange calendar, or the next weekday where the calendar ends."""
    today = now.date()
    if now.time() < REGULAR[0] and calendar_session("TWSE", today) is not False and today.weekday() < 5:
        return today
    return next_sessions("TWSE", today, 1)[0]


def _with_hours(state_en: str, state_zh: str, zh: bool, newest_session: date | None) -> str:
    """The answer's first line, then the day's sessions and the newest session finqa stores."""
    if zh:
        store = f"資料庫最新的交易日是 {newest_session.isoformat()}。" if newest_session else "資料庫還沒有股價。"
        return f"{state_zh}\n\n交易時間（台北時間，週一至週五）：{hours_text(True)}。{store}"
    store = f"The newest session in finqa's store is {newest_session.isoformat()}." if newest_session else \
        "finqa's store holds no prices yet."
    return f"{state_en}\n\nTrading hours (Taipei time, weekdays): {hours_text(False)}. {store}"


__all__ = ["ENGINE", "REGULAR", "SESSIONS", "asks_market_open", "hours_text", "market_open_answer"]
