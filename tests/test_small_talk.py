"""Questions finqa answers with what it can do instead: a price alert (it watches nothing)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("message, zh, past", [
    ("Set an alert when 2330 drops below 900", False, "`when did 2330 last close below 900?`"),
    ("notify me if TSMC hits 1000", False, "`when did 2330 last close above 1000?`"),
    ("台積電跌破900通知我", True, "`2330 上次跌破900是什麼時候`"),
])
def test_an_alert_is_answered_with_what_finqa_can_do_instead(data_dir, message, zh, past):
    """finqa watches no prices: it says so and what to ask (the past, the forecaster's odds at the
    level asked), instead of quoting news about the company."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.engine == "help" and past in a.answer
    assert a.answer.startswith("finqa 不會盯盤" if zh else "finqa watches no prices")


@pytest.mark.parametrize("message", ["tell me when 2330 closed above 1000", "what did the price alert say",
                                     "Tell me if 2330 is a buy", "告訴我台積電股價", "2330 news alert"])
def test_questions_that_only_sound_like_alerts_are_not(message):
    from assistant.small_talk import asks_alert

    assert not asks_alert(message)
