"""Greetings, thanks and "what can you do?": answered with what finqa does, before any routing;
and "how accurate are your forecasts?", answered with how they are scored (the facade asks).

Why: the router must send every message to one of three engines, and "hello" is none of them.
Routed anyway it became "Which company should I forecast?", and "你好" became a QA search
whose nearest news (MiniLM reads Chinese poorly) was quoted as if it answered anything. A
message that is nothing but small talk gets the capabilities and examples instead, in the
language it was written in.
"""
from __future__ import annotations

import re
from typing import Any

from .i18n import answers_zh

_SMALL_TALK = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|greetings)(?: there)?"
    r"|what'?s up|wh?as+up|sup|how are you(?: doing)?(?: today)?|how'?s it going|how are things"
    r"|你好嗎|你好吗|最近好嗎|最近好吗|在嗎|在吗"
    r"|thanks?(?: you)?(?: (?:very|so) much)?|thx|ty|cheers|bye|goodbye|ok(?:ay)?|cool|great|nice"
    r"|help|\?|what can you do|what do you do|who are you|what are you|how do (?:i|you) use (?:this|you|finqa)"
    r"|what can i ask(?: you)?(?: about .{1,30})?|how does this work|(?:some |any )?(?:example|sample) (?:questions|prompts)|examples"
    # about finqa itself: "who made you?", "are you an AI?", "is this investment advice?"
    r"|who (?:made|built|created|wrote) (?:you|this|finqa)|are you (?:an? )?(?:ai|bot|robot|human|person|real person|chatgpt|llm)"
    r"|is (?:this|it|that|finqa) (?:investment|financial) advice|(?:do|can) you give (?:investment|financial) advice"
    r"|你好|您好|嗨|哈囉|哈啰|哈喽|早安|午安|晚安|謝謝|谢谢|多謝|多谢|感謝|感谢|再見|再见|掰掰|好的|幫助|帮助|說明|说明"
    r"|你(?:能|會|会|可以)(?:做|幹|干)?(?:什麼|什么|甚麼|啥)|你是誰|你是谁|怎麼用|怎么用|我可以問什麼|我可以问什么"
    r"|\S{0,8}可以問(?:些)?什麼|\S{0,8}可以问(?:些)?什么|(?:有)?(?:什麼|什么)?(?:範例|范例|例子)(?:問題|问题)?|問題範例|问题范例"
    r"|你是(?:不是)?(?:AI|ai|機器人|机器人|真人|人類|人类)(?:嗎|吗)?|誰(?:做|開發|写|寫)的|谁(?:做|开发|写)的"
    r"|(?:這|这)(?:是|算)(?:不是)?投資建議(?:嗎)?|(?:这|這)(?:是|算)(?:不是)?投资建议(?:吗)?)$",
    re.IGNORECASE,
)
_EDGES = re.compile(r"^[\s,.!?~:;'\"，。！？～、：；]+|[\s,.!?~:;'\"，。！？～、：；]+$")


def _asks(pattern: re.Pattern[str], message: str) -> bool:
    """Whether ``pattern`` finds its question in ``message`` (read Simplified and lower-cased)."""
    from .slots import to_simplified

    return bool(pattern.search(to_simplified(message or "").lower()))


def _asks_only(pattern: re.Pattern[str], message: str) -> bool:
    """Whether the whole of ``message``, less its edge punctuation, is what ``pattern`` asks."""
    from .slots import to_simplified

    text = _EDGES.sub("", to_simplified(message or "").strip().lower())
    return bool(text) and bool(pattern.fullmatch(" ".join(text.split())))


_ADDRESS = re.compile(r"^(?:finqa|bot|assistant)[\s,，]+|[\s,，]+(?:finqa|bot|assistant)$", re.IGNORECASE)


def is_small_talk(message: str | None) -> bool:
    """Whether the whole message is a greeting, thanks, or a question about finqa itself."""
    if not message or len(message) > 80:
        return False
    text = _EDGES.sub("", message.strip())
    text = _ADDRESS.sub("", text)
    text = _EDGES.sub("", text)
    if not text:
        return "?" in message or "？" in message
    text = " ".join(text.split())
    if _SMALL_TALK.match(text):
        return True
    # "Hi, what can you do?", "你好，你可以做什麼": a greeting, then small talk again
    greeting = _GREETING.match(text)
    rest = _EDGES.sub("", text[greeting.end():]) if greeting else ""
    return bool(rest) and bool(_SMALL_TALK.match(rest))


_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|greetings)(?: there)?[\s,.!~，。！]+"
                       r"|^(?:你好|您好|嗨|哈囉|哈啰|哈喽|早安|午安|晚安)[\s,.!~，。！]*", re.IGNORECASE)


_ABOUT_FINQA = re.compile(
    r"(?P<advice>\b(?:investment|financial) advice\b|投資建議|投资建议)"
    r"|\bwho (?:made|built|created|wrote)\b|\bare you (?:an? )?(?:ai|bot|robot|human|person|real person|chatgpt|llm)\b"
    r"|你是(?:不是)?(?:AI|ai|機器人|机器人|真人|人類|人类)|誰(?:做|開發|写|寫)的|谁(?:做|开发|写)的",
    re.IGNORECASE,
)
_THANKS_OR_BYE = re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|bye|goodbye)\b|謝謝|谢谢|多謝|多谢|感謝|感谢|再見|再见|掰掰",
                            re.IGNORECASE)


# "start over", "clear", "forget my holdings", "重新開始", "清除對話": the conversation forgotten
_RESET = re.compile(r"(?:start (?:over|again|fresh)|reset(?: (?:the )?(?:chat|conversation|context))?|clear(?: (?:the )?"
                    r"(?:chat|conversation|history|context))?|new (?:topic|conversation|chat)|forget (?:it|that|everything|all that"
                    r"|my (?:portfolio|holdings|positions))|重新开始|重来|清除(?:对话|纪录|记录|历史)?|重置(?:对话)?|换个话题|忘掉(?:刚才的|我的持股)?)")


def asks_reset(message: str) -> bool:
    """Whether the whole message asks to start the conversation over."""
    return _asks_only(_RESET, message)


def reset_text(message: str) -> str:
    if answers_zh(message):
        return "好，重新開始：先前對話中的公司、期間與持股都已清除。要問哪家公司？"
    return ("Started over: the companies, spans and holdings of this conversation are forgotten. Which company would "
            "you like to ask about?")


# "I'm new to investing, where should I start?", "股票新手要怎麼開始": a beginner asking for a way in
_BEGINNER = re.compile(
    r"\b(?:new to|beginner|just started|starting out|getting started|first[- ]time|novice|newbie)\b.{0,40}"
    r"\b(?:invest\w*|stocks?|trading|market|investor)\b|\b(?:beginner|novice|newbie)s?\b.{0,30}\b(?:guide|tips?|advice|start)\b"
    r"|\bwhere (?:should|do|can) (?:i|a beginner) (?:start|begin)\b|\bhow (?:do|can|should) i (?:start|begin|get started)"
    r"(?: (?:investing|trading|in (?:the )?(?:stock )?market|with stocks|buying stocks))?\b"
    r"|新手|初学者|刚开始(?:投资|买股|玩股)|入门|(?:怎么|如何|要怎么)开始(?:投资|买股票|玩股票)?|从哪(?:里)?开始")


def asks_beginner(message: str) -> bool:
    """Whether ``message`` is a beginner asking where to start (the facade checks that it names no company)."""
    return _asks(_BEGINNER, message)


def beginner_guide(message: str) -> str:
    """What finqa can show someone starting out, without telling them what to buy."""
    if answers_zh(message):
        return (
            "finqa 不建議買什麼，但可以用它的資料幫你認識台股：\n"
            "- 交易規則：`一張是多少股`、`漲跌幅限制是多少`、`台股幾點開盤`、`交割是什麼`、`手續費和證交稅怎麼算`\n"
            "- 常見名詞：`什麼是ETF`、`RSI是什麼意思`、`什麼是空頭市場`、`上市和上櫃的差別`\n"
            "- 一檔追蹤大盤的 ETF 的紀錄：`0050`（追蹤台灣市值前 50 大公司）、`0050最大回撤`（它過去跌過多深）\n"
            "- 一家公司的概況與一張的價格：`2330`、`台積電一張多少錢`\n"
            "- 預測是怎麼評分的（它們並未勝過簡單基準）：`預測準確率多少`\n\n"
            "以上皆非投資建議；你自己的情況，請向合格的理財顧問諮詢。"
        )
    return (
        "finqa does not tell you what to buy, but its data can help you learn how Taiwan's market works:\n"
        "- the rules: `how many shares are in one lot?`, `what's the daily price limit?`, `what are the trading hours?`, "
        "`what is T+2 settlement?`, `how much tax do I pay selling a lot of 2330?`\n"
        "- the words: `what is an ETF?`, `what does RSI mean?`, `what is a bear market?`, `What's the difference between "
        "TWSE and TPEx?`\n"
        "- a broad ETF's record: `0050` (it tracks Taiwan's 50 largest companies) and `0050 max drawdown` (how far it "
        "has fallen before)\n"
        "- a company at a glance and what a lot costs: `2330`, `how much is 1 lot of 2330?`\n"
        "- how the forecasts are scored (they do not beat simple baselines): `how accurate are your forecasts?`\n\n"
        "Nothing here is investment advice; for your own situation, ask a licensed adviser."
    )


def capabilities(message: str) -> str:
    """What finqa answers and how to ask, in the message's language; thanks and goodbyes get a
    short reply, not the whole list again."""
    if _THANKS_OR_BYE.search(message or ""):
        bye = re.search(r"\b(?:bye|goodbye)\b|再見|再见|掰掰", message, re.IGNORECASE)
        if answers_zh(message):
            return "再見！有台股的問題隨時再問。以上皆非投資建議。" if bye else "不客氣！還想問哪家公司的股價、新聞或預測？"
        return ("Goodbye! Come back with any question about Taiwan-listed stocks." if bye else
                "You're welcome! Ask about another company's prices, news or forecast any time.")
    about = _ABOUT_FINQA.search(message or "")
    if about is not None:
        # "who made you?", "are you an AI?", "is this investment advice?": a plain word first
        if answers_zh(message):
            lead = ("不是。finqa 的回答都只是資料顯示的事實與模型的機率，不是投資建議；買賣的決定與風險由你自己承擔。\n\n"
                    if about.group("advice") else
                    "我是 finqa，一個程式，不是真人：它用開源模型（問答 Llama-3.1-8B 加 LoRA、預測 StockLLM、情緒 Llama-FinSent-S；"
                    "沒有 GPU 時改用不需下載模型的 CPU 層並說明）回答，數字來自已存的股價與新聞。\n\n")
        else:
            lead = ("No. finqa gives the facts the data shows and a model's odds, never advice: whether to buy or sell, and "
                    "the risk, are yours.\n\n" if about.group("advice") else
                    "I'm finqa, a program, not a person: open models answer (Llama-3.1-8B with a LoRA for QA, StockLLM for "
                    "forecasts, Llama-FinSent-S for sentiment; without a GPU a CPU tier that needs no download answers, and "
                    "says so), and the numbers come from the stored prices and news.\n\n")
        return lead + capabilities("幫助" if answers_zh(message) else "help")
    if answers_zh(message):
        return (
            "你好！我回答台灣上市櫃股票（TWSE/TPEx）的問題，根據已存的股價與新聞：\n"
            "- 預測：`台積電未來5天會漲嗎？`（附上逐步回測，與「永遠看漲」、動能、反轉、隨機漫步等簡單基準並列）\n"
            "- 新聞情緒：`聯發科最近新聞情緒如何？`\n"
            "- 依新聞回答並附來源：`台積電最新消息`、`鴻海對 AI 伺服器說了什麼？`、`台積電2025年4月7日發生什麼事？`\n"
            "- 已存的股價：`台積電昨天收盤價多少？`、`2454 過去10天的成交量`、`上個月漲幅最大的股票`、`哪個類股表現最好`\n"
            "- 技術指標：`2330 5日均線`、`台積電 KD值`、`2330 技術指標`\n"
            "- 風險與報酬：`台積電最大回撤`、`如果 2025-01-02 買一張台積電 現在賺多少`、`台積電和聯發科的相關性`、"
            "`我持有台積電3張、聯發科2張`\n"
            "- 公司概況（股價、區間、均線、新聞情緒、預測與回測）：`2330`、`台積電最近怎麼樣`；大盤：`台股今天怎麼樣`\n\n"
            "公司可以用代號（2330）、中文名稱（台積電）或英文名稱（TSMC）指稱。中文問就用中文答；說 `用英文回答` 可改用英文。"
            "以上皆非投資建議。"
        )
    return (
        "Hi! I answer questions about Taiwan-listed stocks (TWSE/TPEx) from the stored prices and news:\n"
        "- forecasts: `forecast 2330 next 5 days` (with a walk-forward backtest beside trivial baselines: "
        "always-rise, momentum, reversal, random walk)\n"
        "- news sentiment: `sentiment of 2454 news`\n"
        "- questions answered from the news, with sources: `latest news on TSMC`, "
        "`What did Hon Hai say about AI servers?`, `What happened to TSMC shares on April 7, 2025?`\n"
        "- stored prices: `What did 2330 close at yesterday?`, `2454 volume past 10 days`, `Which stock rose the most last month?`, "
        "`which sector did best?`\n"
        "- technical indicators: `2330 20-day moving average`, `TSMC RSI`, `2330 technicals`\n"
        "- risk and return: `2330 max drawdown`, `if I had invested NT$100,000 in TSMC on 2025-01-02`, "
        "`correlation between 2330 and 2454`, `beta of 2454`, `I hold 2 lots of 2330 and 500 shares of 2454: how is my portfolio?`\n"
        "- a company at a glance (price, range, averages, news sentiment, forecast with its backtest): `2330`, "
        "`How is TSMC doing?`; the market: `how is the market doing?`\n\n"
        "Name a company by its code (2330), Chinese name (台積電) or English name (TSMC). Ask in English or Chinese; "
        "say `answer in Chinese` to switch. Nothing here is investment advice."
    )


# "How accurate are your forecasts?", "預測準確率多少", "why should I trust this prediction?":
# a question about finqa's forecaster itself, not a request for a forecast.
_FORECAST_QUALITY = re.compile(
    r"\b(?:how )?(?:accurate|reliable|trustworthy|good|right|often right)\b.{0,30}\b(?:(?:forecast(?:er|ing)?|prediction|predictor|call)s?(?! markets?)|(?:your|finqa'?s?|this|the) model)\b"
    r"|\b(?:accuracy|track record|hit rate|error rate)\b.{0,30}\b(?:(?:forecast(?:er)?|prediction|predictor)s?|(?:your|finqa'?s?|this|the) model)\b"
    r"|\b(?:forecast(?:er)?|prediction|predictor)s?\b.{0,30}\b(?:accuracy|track record|hit rate|reliable|accurate)\b"
    r"|\btrust\b.{0,30}\b(?:forecast(?:er)?|prediction|predictor)s?\b"
    # "why should I trust you?", "can I trust finqa?", "你可信嗎": how its answers are measured
    r"|\b(?:why )?(?:should|can|could|would) (?:i|we|anyone) (?:trust|believe|rely on) (?:you|finqa|this (?:app|bot|tool|assistant))\b"
    r"|(?:可以|能|该|为什么要?)(?:相信|信任)(?:你|finqa)|你(?:可信|靠谱|准)吗"
    # "why are your forecasts no better than a random walk?", "為什麼你的預測跟隨機漫步差不多"
    r"|\b(?:forecast(?:er)?|prediction|predictor)s?\b.{0,40}\b(?:random walk|coin (?:flip|toss)|no better than)\b"
    r"|(?:预测|预估|模型).{0,12}(?:随机漫步|掷硬币|丢硬币|乱猜|不准)"
    r"|(?:预测|预估|模型).{0,8}(?:准确|准不准|准吗|可信|可靠|靠谱|命中率)|(?:准确率|命中率).{0,8}(?:预测|模型)",
    re.IGNORECASE,
)


def asks_forecast_quality(simplified_lower: str) -> bool:
    """Whether the message asks how good finqa's forecasts are (the facade checks that it names
    no company: "how accurate is the 2330 forecast?" gets that forecast, with its backtest)."""
    return bool(_FORECAST_QUALITY.search(simplified_lower))


# "準嗎?", "how accurate?", "can I trust it?" right after a forecast: the same question, of it.
_ACCURACY_BACK = re.compile(
    # "good" or "right" alone is an acknowledgement, not a question
    r"(?:and\s+)?(?:is|was)\s+(?:it|that|this)\s+(?:accurate|reliable|trustworthy|right|good)"
    r"|(?:and\s+|but\s+)?how\s+(?:accurate|reliable|good|trustworthy)(?:\s+(?:is|are|was|were)\s+(?:it|that|this|they|these|those"
    r"|(?:the|that|this|your) (?:forecast|prediction|estimate)s?))?"
    r"|are\s+(?:they|these|those)\s+(?:accurate|reliable|right)"
    r"|accurate|reliable|trustworthy|can i trust (?:it|that|this|them)|how sure are you"
    r"|how confident (?:are you|is (?:it|that|this))|(?:what(?:'s| is) (?:the|its|your) )?confidence(?: level)?"
    r"|(?:有)?多(?:大|少)?把握|信心(?:度|水准)?(?:多少|如何|呢)?"
    r"|(?:那)?(?:准吗|准不准|准确吗|准确度呢?|可信吗|靠谱吗|可靠吗|有多准|准确率呢?|可以相信吗|能信吗)",
    re.IGNORECASE,
)


# "why?", "why so?", "how did you get that?", "為什麼" right after a forecast: how it was made.
_WHY_BACK = re.compile(
    r"(?:and\s+|but\s+)?(?:why|how so|how come|why so|why is that|why that|why not|why do you (?:think|say) (?:so|that)|on what basis"
    r"|based on what|how did you (?:get|come up with|calculate|compute) (?:that|this|it)|how (?:was|is) (?:that|this|it) "
    r"(?:calculated|computed|made)|what is (?:that|this|it) based on|explain(?: (?:that|this|it))?(?: please)?)"
    # "why did it fall?", "why the drop?", "為什麼跌", "怎麼跌這麼多": why it moved
    r"|why (?:did|does|is|has) (?:it|the stock|the price) (?:fall|drop|rise|go (?:up|down)|jump|crash|slump|rally|surge|move|been falling|been rising|down|up)"
    r"(?: so much)?(?: today| lately| recently)?|why the (?:drop|fall|rally|jump|crash|slump|move|rise)"
    r"|(?:为什么|为何|怎么)(?:会|又|一直|突然)?(?:跌|涨|大跌|大涨|下跌|上涨|暴跌|暴涨|跌停|涨停)(?:这么多|那么多|成这样|了)?"
    r"|为什么|为何|怎么算(?:的|出来的)|依据(?:是)?(?:什么)?|根据(?:是)?什么|凭什么|理由(?:是)?(?:什么)?|怎么来的",
    re.IGNORECASE,
)


def asks_why_back(message: str) -> bool:
    """Whether the whole message asks why (or how) of the answer just given, with nothing else."""
    return _asks_only(_WHY_BACK, message)


def asks_accuracy_back(message: str) -> bool:
    """Whether the whole message asks how accurate "it" is, with nothing else (the facade asks
    it only right after a forecast)."""
    return _asks_only(_ACCURACY_BACK, message)


def forecast_quality(message: str) -> str:
    """How the forecasts are measured and what the measurements say, without numbers that would
    go stale here: those come from `finqa eval forecast` and the README's table."""
    if answers_zh(message):
        return (
            "finqa 的預測好不好，是量出來的，不是說出來的：\n"
            "- 每一則預測都附上它在該檔股票上的逐步回測（每一步只用當時已知的資料），並與簡單基準並列："
            "永遠看漲、1 日與 5 日動能、1 日與 5 日反轉、隨機漫步。\n"
            "- 在 ACL18 基準上（FinSeer 的評測方式，`finqa eval forecast --prices DIR --protocol acl18 --json`），"
            "類比法並未勝過這些簡單基準；數字見 README 的「What we measured」表。\n"
            "- 多日路徑預測的誤差（MAPE）與隨機漫步相當（`--protocol walkforward`）。\n\n"
            "所以請把方向判斷看成接近擲硬幣。想看一則預測與它的回測，可以問 `台積電未來5天走勢`。這不是投資建議。"
        )
    return (
        "How good finqa's forecasts are is measured, not claimed:\n"
        "- Every forecast comes with its walk-forward backtest on that stock (each step uses only what was known "
        "then), beside trivial baselines: always-rise, 1- and 5-day momentum and reversal, and a random walk.\n"
        "- On the ACL18 benchmark (FinSeer's protocol, `finqa eval forecast --prices DIR --protocol acl18 --json`), "
        "the analog forecaster does not beat those baselines; the README's \"What we measured\" table has the numbers.\n"
        "- Multi-day path forecasts have about the error (MAPE) of a random walk (`--protocol walkforward`).\n\n"
        "So treat a forecast's direction as close to a coin flip. Ask `forecast 2330 next 5 days` to see one with "
        "its backtest. None of this is investment advice."
    )


# "How does your forecaster work?", "預測是怎麼算的": the method, in plain words.
_FORECAST_METHOD = re.compile(
    r"\bhow (?:does|do) (?:your|the|finqa'?s?|you|this)?\s*(?:forecast(?:er|ing|s)?|predict(?:ion|ions|or)?s?|model)\s*"
    r"(?:work|get made|come out|compute|calculate)|\bhow (?:do|does) (?:you|finqa) (?:forecast|predict|make (?:a |the )?(?:forecasts?|predictions?))\b"
    r"|\b(?:explain|describe)\s+(?:your|the|finqa'?s?)\s+(?:forecast(?:ing)?|prediction)\s+(?:method|model|approach)\b"
    r"|\bwhat (?:is|are) (?:the )?analogs?\b|\bwhat (?:method|model) (?:do|does) (?:you|finqa|the forecaster) use\b"
    # "how do I read your forecast?", "how should I interpret the prediction?", "預測要怎麼看"
    r"|\bhow (?:do|should|can|would) (?:i|we|one) (?:read|interpret|understand|use)\s+(?:your|the|a|finqa'?s?|this|these)?\s*"
    r"(?:forecast|prediction)s?\b|(?:预测|预估)(?:结果)?(?:要|该|应该)?(?:怎么|如何)(?:看|解读|读|使用)"
    r"|(?:预测|预估)(?:是)?(?:怎么|如何)(?:算|做|来|计算|产生)的?|(?:预测|预估)的?(?:原理|方法|模型|依据)|怎么预测的|类比法是什么",
    re.IGNORECASE,
)


def asks_forecast_method(simplified_lower: str) -> bool:
    """Whether the message asks how finqa's forecasts are made."""
    return bool(_FORECAST_METHOD.search(simplified_lower))


def forecast_method(message: str) -> str:
    """How a forecast is made, by which tier, and how it is checked: the facts of
    ``assistant.analog`` and the forecast engine, in plain words."""
    if answers_zh(message):
        return (
            "finqa 的預測怎麼來的：\n"
            "- 有 GPU 時由語言模型回答（TheFinAI/StockLLM，FinSeer 的做法：把歷史上最相似的價格窗格檢索出來放進提示裡，"
            "再加上我們訓練的轉接器）。\n"
            "- 沒有 GPU 時由 CPU 層的類比法回答：把這檔股票最近的走勢（自身與大盤的報酬、收盤在當日區間的位置、與 20 日均線的距離、"
            "波動狀態）變成一個向量，在所有已存股票的歷史中找出最相近的一批窗格（只用預測日之前的資料），"
            "看它們之後 N 個交易日漲跌的加權比例，得出上漲機率 P(rise)、預估收盤與 10–90% 區間；"
            "預測中列出的「最相似的過去走勢」就是其中最接近的三段。\n"
            "- 每則預測旁邊都附上它在該檔股票上的逐步回測，以及永遠看漲、動能、反轉、隨機漫步等簡單基準；"
            "這些基準很難勝過，預測本身不是投資建議。想看一則：`台積電未來5天走勢`。"
        )
    return (
        "How finqa makes a forecast:\n"
        "- With a GPU, a language model answers (TheFinAI/StockLLM, the FinSeer way: the most similar past price "
        "windows are retrieved into its prompt, plus adapters we train).\n"
        "- Without one, the CPU tier's analog forecaster does: it turns the stock's latest state (its own and the "
        "market's scaled returns, where it closed in the day's range, its distance from the 20-day average, the "
        "volatility regime) into a vector, finds the most similar windows in every stored stock's history (only "
        "from before the forecast day), and weighs what followed them over the next N sessions: P(rise), an expected "
        "close and a 10-90% band; the forecast's \"closest past windows\" line names the three nearest of them.\n"
        "- Every forecast shows its walk-forward backtest on that stock beside always-rise, momentum, reversal and "
        "a random walk; those are hard to beat, and none of it is investment advice. Ask `forecast 2330 next 5 days` "
        "to see one."
    )


# "How do you calculate sentiment?", "how does the sentiment analysis work?", "情緒怎麼算的": the method
# (it had asked which company).
_SENTIMENT_METHOD = re.compile(
    r"\bhow (?:do|does|is|are) (?:you|finqa|the|your|it)?\s*(?:calculate|compute|measure|determine|score|get|work out|classify)\w*\s+"
    r"(?:the\s+)?(?:news\s+)?(?:sentiment|tone)\b"
    r"|\bhow (?:is|are) (?:the\s+)?(?:news\s+)?(?:sentiment|tone)(?:\s+score)?s? (?:calculated|computed|measured|determined|scored)\b"
    r"|\bhow (?:does|do) (?:the |your |finqa'?s? )?(?:news )?sentiment(?: analysis| classifier| engine| score)? work\b"
    r"|(?:情绪|情感|舆情)(?:分数|分析)?(?:是)?(?:怎么|如何)(?:算|计算|判断|分类|来)的?|(?:情绪|情感)(?:分析)?的?(?:原理|方法)",
    re.IGNORECASE,
)


def asks_sentiment_method(message: str) -> bool:
    """Whether ``message`` asks how news sentiment is computed."""
    return _asks(_SENTIMENT_METHOD, message)


# "Where does your data come from?", "how often is the data updated?", "資料來源", "多久更新一次"
_DATA_SOURCES = re.compile(
    r"\bwhere (?:does|do) (?:your|the|finqa'?s?|this)\s+(?:data|prices|news|information|numbers)\s+come from\b"
    r"|\b(?:what|which) (?:are )?(?:your|the|finqa'?s?) (?:data )?sources\b|\bdata sources?\b|\bsource of (?:the|your) data\b"
    r"|\bhow often (?:is|are|do|does) (?:the |your )?(?:data|prices|news|store)\b.{0,20}\b(?:updated|refreshed|update|refresh)\b"
    r"|\bis (?:the |your )?data (?:real[- ]?time|live|delayed)\b"
    r"|(?:资料|数据|股价|新闻)(?:的)?来源|(?:资料|数据|股价|新闻)(?:是)?(?:从|打)哪(?:里|儿)?来"
    r"|(?:多久|多常|多频繁)(?:会)?更新|更新(?:的)?频率"
    r"|^\s*(?:your |the |data )?sources?\s*[?？]*\s*$|^\s*(?:资料|数据)?来源\s*[?？]*\s*$",
    re.IGNORECASE,
)


def asks_data_sources(message: str) -> bool:
    """Whether ``message`` asks where finqa's data comes from or how often it is refreshed."""
    return _asks(_DATA_SOURCES, message)


def data_sources(message: str) -> str:
    """Where each kind of data comes from and when it is refreshed: only when asked to ingest."""
    if answers_zh(message):
        return ("finqa 的資料來源：\n"
                "- 股價：證交所（TWSE）與櫃買中心（TPEx）的每日行情，透過 `twstock` 抓取，每個交易日收盤後一筆（開高低收、成交量、成交值），沒有盤中即時報價。\n"
                "- 新聞：newsapi.org（需要 `NEWSAPI_KEY`），以公司名稱全文搜尋，所以有些歸在某家公司下的文章並沒有提到它（答案會排除並說明）。\n"
                "- 公司名稱與代號：`twstock` 的上市櫃代號表，加上中英文名稱與別名；也可用 `finqa ingest import` 匯入本機的 CSV/JSON。\n"
                "資料不會自動更新：執行 `finqa ingest prices 代號`、`finqa ingest news 代號`（或介面的 Data 分頁）才會抓新資料，"
                "可以用排程（例如 cron）每天收盤後執行。問 `資料更新到哪天` 可看目前存到哪一天。")
    return ("Where finqa's data comes from:\n"
            "- Prices: TWSE and TPEx daily quotes through `twstock`, one bar per session after the close (open, high, low, "
            "close, volume, value traded); no real-time or intraday quotes.\n"
            "- News: newsapi.org (needs `NEWSAPI_KEY`), searched by the company's names in full text, so some articles filed "
            "under a company never name it (answers leave those out and say so).\n"
            "- Companies: `twstock`'s table of listed codes, with Chinese and English names and aliases; local CSV/JSON "
            "files come in through `finqa ingest import`.\n"
            "Nothing refreshes on its own: `finqa ingest prices CODE` and `finqa ingest news CODE` (or the UI's Data tab) "
            "fetch newer data, for example on a daily schedule after the close (cron). Ask `how recent is your data?` for "
            "the newest stored day.")


def sentiment_method(message: str) -> str:
    """How a news sentiment answer is made (asked "why?" right after one): the facts of
    ``assistant.engines.sentiment`` in plain words, and where its reasons are (the headlines)."""
    from .engines.sentiment import MAX_ARTICLES, WINDOW_DAYS

    if answers_zh(message):
        return (
            "新聞情緒是這樣算的：\n"
            f"- 取這家公司最近 {WINDOW_DAYS} 天的已存新聞（最多 {MAX_ARTICLES} 則；歸在它名下卻沒提到它的文章不算），"
            "每則以標題加上摘要的開頭分類為正面、中性或負面（有 GPU 時用 oopere/Llama-FinSent-S，否則用 CPU 層訓練好的 MiniLM 分類器）。\n"
            "- 淨分數 =（正面則數 − 負面則數）÷ 總則數，介於 -1（全部負面）與 +1（全部正面）之間。\n"
            "- 分數的「原因」就是列出的最正面與最負面標題：點開來源可以看原文。分類器會出錯，"
            "它的驗證分數可以問 `情緒分析準嗎`；這不是投資建議。"
        )
    return (
        "How a news sentiment answer is made:\n"
        f"- The company's stored articles of the last {WINDOW_DAYS} days (at most {MAX_ARTICLES}; articles filed under "
        "it that never name it are left out) are each classified as positive, neutral or negative from the headline "
        "and the start of the description (oopere/Llama-FinSent-S with a GPU, else the CPU tier's fine-tuned MiniLM classifier).\n"
        "- The net score is (positive − negative) / n, from -1 (all negative) to +1 (all positive).\n"
        "- The reasons behind it are the most positive and most negative headlines listed: open their sources to read "
        "them. The classifier makes mistakes; ask `how accurate is your sentiment classifier?` for its validation "
        "scores. None of it is investment advice."
    )


# "What models do you use?", "which models are loaded?", "你用什麼模型": finqa's own engines, not
# the news (whose nearest sentences about "models" were laptops and monitors).
_MODELS = re.compile(
    r"\b(?:what|which)\s+(?:ai\s+|language\s+|llm\s+|ml\s+)?(?:models?|llms?)\b(?!\s+(?:of|for)\s+(?:car|phone|chip|iphone))"
    r".{0,30}\b(?:use[ds]?|using|run|runs|running|loaded|behind|power|powers|answer|answers|answering|is this|are these)\b"
    r"|\b(?:are|is)\s+(?:the\s+|your\s+|any\s+)?(?:models?|llms?)\s+loaded\b|\bmodel status\b"
    r"|\bwhat\s+(?:ai|llm)\b.{0,20}\b(?:use|using|behind|is this)\b"
    r"|(?:用|使用|跑|载入|加载)(?:了)?(?:什么|哪个|哪些|甚么)(?:语言|ai)?模型|模型(?:是)?(?:什么|哪个|哪些)|模型(?:有)?(?:载入|加载)"
    r"|(?:什么|哪个|哪些)(?:ai|语言)?模型(?:在)?(?:回答|运作|跑)"
    # "are you using a GPU?", "do you run on a GPU?", "你有用GPU嗎": where the models run
    r"|\b(?:are|do|does|can)\s+(?:you|finqa)\s+(?:use|using|run|running|have|need|on)\b.{0,15}\b(?:gpus?|cuda)\b"
    r"|\bgpu\s+(?:status|available|in use)\b|(?:你|finqa)(?:有)?(?:在)?(?:用|使用|跑在|跑)(?:的是)?.{0,2}(?:gpu|显卡)",
    re.IGNORECASE,
)


def asks_models(simplified_lower: str) -> bool:
    """Whether the message asks which models finqa runs (the facade checks that it names no
    company and quotes nothing)."""
    return bool(_MODELS.search(simplified_lower))


_ROUTE_NAMES = {"forecast": ("Forecasts", "預測"), "sentiment": ("News sentiment", "新聞情緒"),
                "qa": ("Questions from the news", "新聞問答")}


def models_text(status: dict[str, str], embedding_model: str, message: str) -> str:
    """Which engine answers each kind of question now (the UI's status panel, in words), and the
    embedding model behind retrieval: the tier that answers, and why a larger model does not."""
    from .i18n import reason_zh

    zh = answers_zh(message)
    order = [r for r in ("forecast", "sentiment", "qa") if r in status]
    if zh:
        lines = [f"- {_ROUTE_NAMES[r][1]}：{_status_zh(status[r], reason_zh)}" for r in order]
        return ("finqa 目前由這些引擎回答：\n" + "\n".join(lines)
                + f"\n- 檢索：{embedding_model} 句向量（Chroma），新聞與價格窗格都用它找\n\n"
                "股價、排名、技術指標與風險數字一律直接由股價資料庫計算，不經語言模型。"
                "每則回答都會標明是哪個引擎回答的。")
    lines = [f"- {_ROUTE_NAMES[r][0]}: {status[r]}" for r in order]
    return ("These engines answer now:\n" + "\n".join(lines)
            + f"\n- Retrieval: {embedding_model} sentence embeddings in Chroma, for the news and the price windows\n\n"
            "Prices, rankings, technical indicators and risk figures are always computed straight from the price "
            "store, with no language model. Every answer says which engine gave it.")


_TIERS_ZH = {"analog (CPU tier, nearest historical windows)": "類比法（CPU 層：最相近的歷史窗格）",
             "CPU tier (extractive, MiniLM)": "CPU 層（擷取式，MiniLM）", "CPU tier (MiniLM classifier)": "CPU 層（MiniLM 分類器）"}
_STATUS = re.compile(r"(?P<tier>[^:]+?)(?:: (?:(?P<label>\S+) could not be used: )?(?P<reason>.+))?", re.S)


def _status_zh(text: str, reason_zh: Any) -> str:
    """An engine's status line ("CPU tier (MiniLM classifier): X could not be used: <reason>") in
    Chinese: the known tiers and reasons translated, model ids kept."""
    m = _STATUS.fullmatch(text)
    if m is None or m.group("tier") not in _TIERS_ZH:
        return reason_zh(text)
    out = _TIERS_ZH[m.group("tier")]
    if m.group("reason"):
        reason = reason_zh(m.group("reason"))
        out += f"：無法使用 {m.group('label')}，{reason}" if m.group("label") else f"：{reason}"
    return out


# "how do I add a company?", "update 2330", "can you fetch the latest prices?", "怎麼更新資料":
# the chat reads the store, it does not fetch; the commands and the UI's Data tab do.
_DATA_UPDATE = re.compile(
    r"^\s*(?:please\s+)?(?:update|refresh|fetch|ingest|download|reload)\s+(?:the\s+|latest\s+|new\s+|all\s+)*"
    r"(?:data|prices|price data|news|store|database|index|quotes)\b"
    # "update 2330", "ingest tsmc", "add 2454": one company and nothing else ("update me on TSMC" is news)
    r"|^\s*(?:please\s+)?(?:update|refresh|fetch|ingest|download|reload|add)\s+[\w.&-]{2,20}\s*[?!.]*\s*$"
    r"|\bhow (?:do|can|could) (?:i|we|you)\b.{0,20}\b(?:add|update|refresh|fetch|ingest|import|load|get)\b.{0,30}"
    r"\b(?:company|companies|stock|stocks|data|prices|news|ticker)\b"
    r"|\bcan you (?:fetch|update|refresh|download|get|pull)\b.{0,20}\b(?:latest|newest|new|recent|today'?s|fresh)?\s*"
    r"(?:prices|data|news|quotes)\b"
    r"|(?:怎么|如何|怎样)(?:才能)?(?:新增|加入|更新|抓取|下载|汇入|导入)(?:资料|数据|股价|新闻|公司|股票)"
    r"|(?:帮我|请|可以)?(?:更新|抓取|下载|汇入)(?:一下)?(?:最新)?(?:的)?(?:资料|数据|股价|新闻)"
    r"|^\s*(?:请|帮我)?(?:更新|抓取|下载)\S{1,8}?的?(?:资料|数据|股价|新闻)\s*[?？!！。]*\s*$",
    re.IGNORECASE,
)


def asks_data_update(message: str) -> bool:
    """Whether ``message`` asks finqa to fetch or add data, or how to."""
    return _asks(_DATA_UPDATE, message)


def update_help(message: str, code: str | None) -> str:
    """How to fetch prices and news (for ``code`` when one is named): the chat itself never
    fetches, so that a question never waits on TWSE or newsapi."""
    target = code or ("代號" if answers_zh(message) else "CODE")
    if answers_zh(message):
        return ("聊天只讀取已存的資料，不會自行連線抓取。要新增或更新：\n"
                f"- 介面的「Data」分頁：輸入公司代號或名稱，按「Fetch prices and news」（會抓股價、設了 `NEWSAPI_KEY` 時也抓新聞，再重建索引）；\n"
                f"- 或在命令列：`finqa ingest prices {target}`、`finqa ingest news {target}`（需要 `NEWSAPI_KEY`），再 `finqa index build`；"
                "本機的 CSV/JSON 檔用 `finqa ingest import 檔案`。\n"
                "`finqa ingest status` 列出已存的資料。")
    return ("The chat reads the stored data; it never fetches on its own. To add or refresh data:\n"
            f"- in the UI's Data tab, type a code or name and press \"Fetch prices and news\" (prices, news when "
            "`NEWSAPI_KEY` is set, then the index is rebuilt);\n"
            f"- or on the command line: `finqa ingest prices {target}`, `finqa ingest news {target}` (needs `NEWSAPI_KEY`), "
            "then `finqa index build`; local CSV/JSON files with `finqa ingest import FILE`.\n"
            "`finqa ingest status` lists what is stored.")


# "export the data as CSV", "can I download this table?", "台積電股價匯出excel": where the numbers go out.
_EXPORT = re.compile(
    r"\b(?:export|save|download|dump|get)\b.{0,40}\b(?:csv|excel|xlsx|spreadsheet|table|file)\b|\bas (?:a )?(?:csv|excel|spreadsheet)\b"
    r"|\b(?:to|into) (?:csv|excel|a spreadsheet)\b"
    r"|汇出|导出|(?:下载|存成|存为|转成|输出).{0,10}(?:csv|excel|档案|文件|表格|试算表)",
    re.IGNORECASE,
)


def asks_export(message: str) -> bool:
    """Whether ``message`` asks to take the data out as a file."""
    return _asks(_EXPORT, message)


def export_help(message: str, code: str | None) -> str:
    """Where the numbers go out: the UI's download button under every table, and ``finqa ingest
    export`` for the stored bars (the CSV ``finqa ingest import`` reads back)."""
    target = code or ("代號" if answers_zh(message) else "CODE")
    if answers_zh(message):
        return ("- 介面：每個回答下方的表格（每日股價、排行、預測）都有「Download table (CSV)」按鈕，下載的就是表格上的數字；\n"
                f"- 命令列：`finqa ingest export {target} --start 2025-01-01 --out {target}.csv` 把已存的每日股價寫成 CSV"
                "（code,date,open,high,low,close,volume），不加 `--out` 則輸出到螢幕；這個檔案可以用 `finqa ingest import` 匯回；\n"
                f"- `finqa chat --json '{target} 過去3個月'` 的 JSON 也帶有這些日資料（`prices`）。")
    return ("- In the UI, every table under an answer (daily prices, a ranking, a forecast) has a 'Download table (CSV)' "
            "button: the file holds the numbers the table shows.\n"
            f"- On the command line, `finqa ingest export {target} --start 2025-01-01 --out {target}.csv` writes the stored "
            "daily bars as CSV (code,date,open,high,low,close,volume; without `--out` to the screen), a file "
            "`finqa ingest import` reads back.\n"
            f"- `finqa chat --json '{target} last 3 months'` carries the same bars under `prices`.")


# "set an alert when 2330 drops below 900", "notify me if TSMC hits 1000", "台積電跌破900通知我":
# finqa answers when asked; it watches nothing and sends nothing.
_ALERT = re.compile(
    r"\b(?:set|create|add|make|set up)\b.{0,20}\b(?:price )?(?:alerts?|alarms?|notifications?|reminders?)\b"
    r"|\b(?:alert|notify|ping|remind|email|text)\s+me\b|\bprice alerts? (?:for|on)\b"
    r"|\btell me (?:when|once|as soon as)\b.{0,30}\b(?:hits|reaches|drops|falls|goes|crosses|breaks|gets)\b"
    r"|通知我|提醒我|发通知|推播|到价提醒|价格提醒|设(?:定|置)?(?:一个)?(?:提醒|警示|通知)",
    re.IGNORECASE,
)


def asks_alert(message: str) -> bool:
    """Whether ``message`` asks finqa to watch a price and say when it moves."""
    return _asks(_ALERT, message)


def alert_help(message: str, code: str | None) -> str:
    """finqa watches no price: what to ask instead (the past, the forecaster's odds) and how to
    keep the store current."""
    from .slots import to_simplified

    target = code or "2330"
    s = to_simplified(message or "").lower()
    # the level asked about ("drops below 900"), else an example one
    levels = [m.group(1).replace(",", "") for m in re.finditer(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)(?![\d.])", s)
              if m.group(1).replace(",", "") != target]
    level = levels[0] if levels else "900"
    down = bool(re.search(r"\b(?:below|under|drops?|falls?|sinks?|dips?)\b|跌破|跌到|低于|跌至", s)) or not levels
    if answers_zh(message):
        past, odds = (f"{target} 上次跌破{level}是什麼時候", f"{target} 20天內會跌破{level}嗎") if down else \
            (f"{target} 上次站上{level}是什麼時候", f"{target} 20天內會漲到{level}嗎")
        return ("finqa 不會盯盤，也不發送通知：它只在被問時，用資料庫中的資料回答。可以改問：\n"
                f"- 過去：`{past}`；\n"
                f"- 機率：`{odds}`（預測模型依歷史相似走勢估計觸及的比例，附回測）；\n"
                f"- 保持資料最新：定期執行 `finqa ingest prices {target}`（例如用 cron），再問一次。")
    past, odds = (f"when did {target} last close below {level}?", f"will {target} fall below {level} within 20 days?") if down \
        else (f"when did {target} last close above {level}?", f"will {target} reach {level} within 20 days?")
    return ("finqa watches no prices and sends no notifications: it answers from its store when asked. Ask instead:\n"
            f"- the past: `{past}`;\n"
            f"- the odds: `{odds}` (the forecaster's share of similar past "
            "windows that got there, with its backtest);\n"
            f"- to keep the store current, run `finqa ingest prices {target}` on a schedule (cron, for example) and ask again.")


# "how accurate is your sentiment classifier?", "情緒分析準嗎": the deployed classifier's own
# validation scores (eval_results.json beside it), not a claim.
_SENTIMENT_QUALITY = re.compile(
    r"\b(?:how )?(?:accurate|reliable|good|trustworthy)\b.{0,30}\b(?:sentiment|classifier|tone)\b"
    r"|\b(?:sentiment|classifier)\b.{0,30}\b(?:accuracy|accurate|f1|reliable|precision|recall|error rate)\b"
    r"|(?:情绪|情感|分类器).{0,8}(?:准确|准不准|准吗|可信|可靠|靠谱|f1)|(?:准确率|准确度).{0,8}(?:情绪|情感|分类)",
    re.IGNORECASE,
)


def asks_sentiment_quality(simplified_lower: str) -> bool:
    """Whether the message asks how good the sentiment classifier is."""
    return bool(_SENTIMENT_QUALITY.search(simplified_lower))


def sentiment_quality(message: str, adapters_dir: Any) -> str:
    """The deployed CPU classifier's validation scores and what it was trained on, read from the
    files training wrote beside it; or how to get one when none is trained."""
    import json
    from pathlib import Path

    from .cpu_sentiment import DEFAULT_DIRNAME

    zh = answers_zh(message)
    folder = Path(adapters_dir) / DEFAULT_DIRNAME
    try:
        scores = json.loads((folder / "eval_results.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "training_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ("還沒有訓練好的 CPU 情緒分類器可以評估：用 `finqa finetune sentiment --backend embedded --data 檔案.csv` 訓練，"
                "`finqa eval sentiment --data 檔案.csv --json` 評分。" if zh else
                "No trained CPU sentiment classifier to report on: train one with `finqa finetune sentiment --backend "
                "embedded --data FILE.csv`, and score it with `finqa eval sentiment --data FILE.csv --json`.")
    files = ", ".join(Path(f).name for f in config.get("data", []))
    per_file = ("；" if zh else "; ").join(f"{name} {v['weighted_f1']:.3f}（{v['n']} 筆）" if zh else
                                          f"{name} {v['weighted_f1']:.3f} ({v['n']} rows)"
                                          for name, v in (scores.get("by_file") or {}).items())
    if zh:
        return (f"CPU 層的情緒分類器（MiniLM，訓練資料 {files}）在留出的 {scores['n']} 筆驗證資料上：加權 F1 "
                f"{scores['weighted_f1']:.3f}、準確率 {scores['accuracy']:.3f}" + (f"（各檔：{per_file}）" if per_file else "")
                + "。這些驗證資料來自訓練檔的切分，不是新聞標題；中文新聞標題沒有標註資料可以驗證。"
                "README 的「What we measured」表列出 FPB、TFNS 的結果與尚未達到的目標。")
    return (f"The CPU-tier sentiment classifier (MiniLM, trained on {files}) scores a weighted F1 of "
            f"{scores['weighted_f1']:.3f} and an accuracy of {scores['accuracy']:.3f} on its {scores['n']} held-out "
            "validation rows" + (f" (per file: {per_file})" if per_file else "") + ". Those rows are a split of the "
            "training files, not news headlines; no labelled Chinese headlines exist to check against. The README's "
            "\"What we measured\" table has the FPB and TFNS results and the targets not yet reached.")


# "what's on my watchlist?", "add 2382 to my watchlist", "is 2317 on my watchlist?", "自選股有哪些":
# the watchlist itself (a setting), not its companies' prices. On Simplified, lower-cased text.
_WATCHLIST_ITSELF = re.compile(
    r"\b(?:what(?:'s| is| are)?|which|who)\b.{0,25}\b(?:on|in)\s+(?:my|the)\s+watch[- ]?list\b"
    r"|\b(?:show|list|view|see|display|print)\s+(?:me\s+)?(?:my|the)\s+watch[- ]?list\b|^\s*(?:my\s+)?watch[- ]?list\s*[?!.]*\s*$"
    r"|\b(?:add|remove|delete|drop|put|take|include|exclude)\b.{0,30}\b(?:to|from|on|off|in|into|of)\s+(?:my\s+|the\s+)?watch[- ]?list\b"
    r"|\b(?:is|are)\b.{0,30}\b(?:on|in)\s+(?:my|the)\s+watch[- ]?list\b"
    r"|\b(?:edit|change|update|set|configure|modify)\s+(?:my\s+|the\s+)?watch[- ]?list\b"
    r"|(?:自选股|观察清单|观察名单)(?:有哪些|有什么|是什么|是哪些|清单|名单|里有)|(?:加入|加到|加进|新增|删除|移除|拿掉|放进)"
    r".{0,10}(?:自选股|观察清单|观察名单)|^\s*(?:我的)?(?:自选股|观察清单)\s*[?？]*\s*$|在(?:我的)?(?:自选股|观察清单)(?:里|中)?吗")


def asks_about_watchlist(simplified_lower: str) -> bool:
    """Whether the message is about the watchlist setting itself (what is on it, changing it)."""
    return bool(_WATCHLIST_ITSELF.search(simplified_lower))


def watchlist_help(message: str, watchlist: list[str], named: list[str]) -> str:
    """What the watchlist holds, whether the companies ``named`` are on it, and how to change it:
    a setting, which the chat never changes on its own."""
    from ingest.companies import get_directory

    zh = answers_zh(message)
    directory = get_directory()

    def label(code: str) -> str:
        company = directory.get(code)
        return directory.label(company) if company is not None else code

    on = [label(c) for c in named if c in watchlist]
    off = [label(c) for c in named if c not in watchlist]
    held = ("、" if zh else ", ").join(label(c) for c in watchlist) or ("（空的）" if zh else "(empty)")
    if zh:
        text = f"你的觀察清單（設定 `watchlist`）：{held}。"
        text += f"{'、'.join(on)} 在清單上。" if on else ""
        text += f"{'、'.join(off)} 不在清單上。" if off else ""
        return text + ("聊天不會修改設定：在 `finqa.toml` 寫 `watchlist = [\"2330\", \"2382\"]`，或設定環境變數 "
                       "`FINQA_WATCHLIST='[\"2330\",\"2382\"]'`，再執行 `finqa demo`（或 `finqa ingest prices 代號`）抓取新加入公司的資料。"
                       "「我的自選股怎麼樣」「自選股新聞情緒」會一次回答清單上的每家公司。")
    text = f"Your watchlist (setting `watchlist`): {held}."
    text += f" On it: {', '.join(on)}." if on else ""
    text += f" Not on it: {', '.join(off)}." if off else ""
    return text + (" The chat does not change settings: put `watchlist = [\"2330\", \"2382\"]` in `finqa.toml`, or set "
                   "`FINQA_WATCHLIST='[\"2330\",\"2382\"]'`, then run `finqa demo` (or `finqa ingest prices CODE`) to fetch the "
                   "new companies' data. \"How is my watchlist doing?\" and \"news sentiment for my watchlist\" answer for "
                   "every company on it.")
