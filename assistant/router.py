"""The router: which engine answers a message (forecast, sentiment or finance QA).

A LlamaIndex ``RouterQueryEngine`` over the three engines as ``QueryEngineTool`` s, with a
selector that needs no LLM and decides in milliseconds:

1. intent rules in English and Chinese (matched on OpenCC-Simplified text, so Traditional and
   Simplified share one rule set), strongest cues first;
2. follow-ups ("and 2454?", "那聯發科呢？", "what about MediaTek") keep the session's last route;
3. an embedding selector (the packaged MiniLM through ``index.embeddings.get_embedder``) comparing
   the message with exemplar queries of each route, for whatever the rules miss.

LlamaIndex's own selectors subtract 1 from a model's 1-based answer without checking it, so a
0-based answer becomes index -1 and ``RouterQueryEngine`` silently runs the *last* tool
(run-llama/llama_index#23072). :class:`GuardedSelector` validates every selection against the
number of choices and clamps what is out of range, whatever selector it wraps.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.base_selector import BaseSelector, SelectorResult, SingleSelection
from llama_index.core.prompts.mixin import PromptDictType
from llama_index.core.schema import QueryBundle
from llama_index.core.tools.types import ToolMetadata

from ingest.cjk import CJK_CHARS

from .movers import wants_ranking
from .overview import is_bare_company, is_overview_question
from .price_facts import asks_which_is_better, is_price_question, names_only_a_period
from .price_records import asks_new_extreme
from .figures import asked_figures
from .risk import is_risk_question
from .risk_rankings import risk_ranking_kind
from .sentiment_groups import asked_label_list, asks_sentiment_ranking
from .sentiment_returns import asks_sentiment_returns
from .coverage import is_coverage_question, is_identity_question
from .price_limits import asks_limit_prices
from .glossary import is_glossary_question
from .slots import (COMPANY_TOPIC, COMPARE_WITH, COMPARED_TO_SPAN, ChatSession, Slots, asks_profit_ahead, target_price,
                    to_simplified, unquoted, without_companies)
from .technicals import is_indicator_question

log = logging.getLogger(__name__)

ROUTES: tuple[str, ...] = ("forecast", "sentiment", "qa")
DEFAULT_ROUTE = "qa"

ROUTE_DESCRIPTIONS = {
    "forecast": "Forecast a Taiwan-listed stock's price path and P(rise) over the next N trading days.",
    "sentiment": "Classify the sentiment of a company's recent news, or of quoted news text.",
    "qa": "Answer a finance question from retrieved news, with numbered citations.",
}


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Rules run on simplified, lower-cased text. Order of the groups matters (see _rule_route).
SENTIMENT_STRONG = _rx(
    r"\bsentiment", r"\bmood\b", r"\btone\b", r"\bbullish or bearish\b", r"\bbearish or bullish\b",
    r"\bpositive or negative\b", r"\bnegative or positive\b", r"\bgood or bad news\b",
    r"\bclassify\b", r"\bfeel(?:s|ing)? (?:about|toward|towards)\b", r"\bupbeat\b", r"\bgloomy\b",
    r"\boptimistic or pessimistic\b", r"\bpessimistic or optimistic\b",
    r"\b(?:coverage|press|headlines|news flow)\b.{0,25}\b(?:positive|negative|bullish|bearish|upbeat|gloomy)\b",
    r"\b(?:is|was) (?:this|that|the) (?:news|headline|article)s? (?:positive|negative|good|bad)\b",
    r"\b(?:is|are|was|were) (?:the )?(?:news|headlines|coverage|press)\b.{0,30}\b(?:positive|negative|bullish|bearish)\b",
    # "is 2330 news this week bullish?", "2330 news this week, is that bullish?"
    r"\b(?:is|are|was|were)\b[^,.?]{0,20}\b(?:news|headlines)\b[^,.?]{0,30}\b(?:positive|negative|bullish|bearish)\b",
    r"\b(?:news|headlines)\b.{0,30}\b(?:is|was|are|were) (?:that|it|this|they)\s+(?:mostly\s+)?(?:positive|negative|bullish|bearish)\b",
    # "is the news about Hon Hai getting better or worse?", "鴻海的新聞風向", "新聞越來越差": the tone's trend
    r"\b(?:news|headlines|coverage|press)\b.{0,30}\b(?:getting|turning|gotten|got|becoming|become)\s+(?:better|worse|more (?:positive|negative))\b",
    r"(?:新闻|消息)(?:的)?风向", r"(?:新闻|消息).{0,6}越来越(?:好|差|正面|负面|多空)",
    # "why is Acer news so negative?", "is MediaTek news really that positive?": the tone, with its headlines
    r"\bnews\b\s+(?:(?:so|this|that|very|too|really|mostly|all|more|less)\s+){0,2}(?:negative|positive|bearish|bullish)\b",
    r"\bwhat do (?:people|investors|traders|the markets?) (?:think|feel|say)\b",
    # "how positive is news about Acer?", "how negative are the headlines on 2317?"
    r"\bhow (?:positive|negative|bullish|bearish|upbeat|good|bad) (?:is|are|was|were) (?:the )?(?:news|headlines|coverage|press)\b",
    r"\bhow do (?:people|investors|traders) (?:see|view|feel about)\b",
    r"情绪", r"情感", r"舆情", r"利多还是利空", r"利空还是利多", r"正面还是负面", r"负面还是正面",
    r"看多还是看空", r"偏多还是偏空", r"(?:新闻|消息|标题).{0,6}(?:正面|负面|利多|利空|好坏|偏多|偏空)",
    r"(?:正面|负面|利多|利空)吗", r"是利多", r"是利空", r"市场.{0,2}(?:怎么看|看法)", r"氛围", r"观感",
    r"乐观还是悲观", r"悲观还是乐观", r"(?:大家|投资人|网友|市场|法人)(?:都)?怎么看",
    # "any negative news about 2330?", "台積電有什麼利多消息": the news, read for its tone
    r"\b(?:negative|positive|bad|good|bullish|bearish)\s+(?:news|headlines|stories|articles|press)\b",
    # "is the news about foxconn good or bad?", "the most positive article about 2330"
    r"\b(?:news|headlines|coverage|press|articles?)\b.{0,30}\b(?:good or bad|bad or good)\b",
    r"\b(?:most|least)\s+(?:positive|negative|bullish|bearish|upbeat)\s+(?:news|headlines?|stor(?:y|ies)|articles?)\b",
    # "which headline is the most negative?", "哪則新聞最負面"
    r"\b(?:headlines?|articles?|stor(?:y|ies)|news)\b.{0,20}\b(?:most|least)\s+(?:positive|negative|bullish|bearish|upbeat)\b",
    r"哪(?:一)?(?:则|篇|条)(?:新闻|消息|标题)?.{0,4}最(?:正面|负面|利多|利空)",
    r"最(?:正面|负面|利多|利空)的?(?:是)?(?:哪|那)(?:一)?(?:则|篇|条)",
    r"最(?:正面|负面|利多|利空)的(?:新闻|消息|报导|报道|文章)",
    r"利多(?:消息|新闻)", r"利空(?:消息|新闻)", r"好消息", r"坏消息", r"负面(?:消息|新闻)", r"正面(?:消息|新闻)",
    # "how is the news on Acer?", "how's the news flow for TSMC": the tone of the news (it had quoted sentences)
    r"^\s*how(?:'s| is| are| has| have)\s+(?:the\s+)?(?:news|headlines|coverage|press|news flow)(?:\s+been)?\s+(?:on|about|for|around)\b",
    # "which is more positive?", "哪個比較正面": the news of the companies compared
    r"\b(?:more|less) (?:positive|negative|bullish|bearish|upbeat)\b", r"比较(?:正面|负面|利多|利空|乐观|悲观)",
)
FORECAST_STRONG = _rx(
    r"\bforecast", r"\bpredict", r"\bprojection\b", r"\bprice target\b", r"\btarget price\b", r"\bprice path\b",
    r"\b(?:price|stock|share) outlook\b", r"\boutlook for\b",
    r"\bp\(rise\)", r"预测", r"预估", r"预判", r"推估", r"目标价",
    r"\b(?:probability|odds|chances?|likelihood)\b.{0,40}\b(?:rises?|rising|falls?|falling|go(?:es)? (?:up|down)|gains?|drops?)\b",
    r"(?:上涨|涨|下跌|跌)的?(?:机率|概率|几率|可能性)",
    # "台積電和聯發科誰比較會漲", "which will rise more, 2330 or 2454?": each forecast, side by side
    r"(?:谁|哪个|哪一个|哪只|哪支|哪档|哪家)(?:比较)?(?:有机会|会|能|可能)(?:比较)?(?:涨|跌|上涨|下跌)",
    r"\bwhich (?:one |stock )?will (?:rise|gain|go up|fall|drop|do better|outperform)\b",
    r"\bwhich (?:one |stock )?(?:is|looks) more likely to (?:rise|gain|go up|fall|drop)\b"
    r"|\bwhich (?:one |stock )?(?:has|have) (?:the )?(?:better|higher) (?:odds|chance|probability)\b",
    # "will TSMC outperform MediaTek next month?": the future of two companies against each other
    r"\b(?:will|would|is|are)\b.{0,30}\b(?:outperform|underperform|beat|do better than|rise more than|fall more than)\b"
    r".{0,40}\b(?:next|tomorrow|coming|this (?:week|month|quarter|year)|in the (?:next|coming))\b",
    r"(?:会|能)(?:不会)?(?:跑赢|跑输|赢过|胜过|涨得比|表现比).{0,12}(?:吗|呢|？|\?|$)",
)
QA_WHY = _rx(
    r"^\s*(?:why|explain|describe|define|summari[sz]e|what is|what are|what's|what does|what do|"
    r"what happened|what did|what was|what were|who|when did|how does|how do|how did|tell me about|"
    r"summary of|give me (?:a|the) summary|compare|what(?:'s| is) the difference)\b",
    r"\bdifference between\b", r"比较", r"差异", r"区别",
    r"为什么", r"为何", r"解释", r"原因", r"什么是", r"是什么", r"意思", r"介绍", r"摘要", r"总结", r"说明一下",
)
FORECAST_WEAK = _rx(
    r"\b(?:will|going to|gonna)\b.{0,40}\b(?:rise|fall|go up|go down|drop|climb|rally|gain|decline|close|trade|rebound)\b",
    r"\blikely to (?:rise|fall|climb|drop|gain|go up|go down|rally|decline|rebound)\b",
    r"\bproject (?:where|how|what|the price|its price|the close)\b",
    r"\b(?:rise|go up) or (?:fall|go down)\b", r"\bup or down\b", r"\boutlook\b",
    r"\bwhere (?:will|is) .{0,30}\bheading\b", r"\bnext \d+ (?:trading )?days\b",
    # "where will 2454 be by end of June?", "what will TSMC trade at next month?"
    r"\bwhere will\b.{0,30}\b(?:be|trade|close|end up|go)\b",
    r"\bwhat (?:will|would)\b.{0,30}\b(?:trade at|close at|be worth|be priced at)\b",
    r"\b(?:tomorrow|next week|next month)'?s? (?:price|close|move)",
    r"走势", r"会涨", r"会跌", r"涨还是跌", r"涨跌", r"还会涨", r"还会跌", r"能涨", r"会不会涨", r"会不会跌",
    r"会(?:到|是|来到|在)多少", r"会到哪", r"(?:后天|大后天)",
    r"未来.{0,8}(?:天|日|周|个月|交易日|季|半年|年)", r"(?:明天|明日|下周|下个月).{0,10}(?:涨|跌|收盘|股价|表现)",
    # "台積電半年後", "2330 一年後": a horizon on its own (the forecaster caps it, and says so)
    r"^\S{0,12}\s*(?:半年|一年|两年|\d+\s*年|[一两三四五六\d]+\s*个月)(?:之|以)?后\s*(?:呢|会怎样|会如何|如何|怎样)?\s*[?？]?\s*$",
    r"股价.{0,6}(?:会|将)", r"看涨还是看跌",
    # "台積電是不是要反彈了", "會反彈嗎": a turn ahead
    r"要反弹", r"会反弹", r"反弹了吗", r"是不是要(?:涨|跌)", r"会不会反弹",
    # "will 2330 keep rising?", "will its momentum continue?", "台積電漲勢會延續嗎"
    r"\b(?:keep|continue|stay)\s+(?:rising|falling|climbing|dropping|going up|going down|to rise|to fall|to climb|to drop)\b",
    r"\b(?:will|would|going to|can|could|likely|might)\b.{0,40}\b(?:momentum|uptrend|downtrend|rally|rebound|sell-?off|trend|streak)\b"
    r".{0,20}\b(?:continue|last|persist|hold up|reverse|end)\b",
    r"(?:动能|涨势|跌势|趋势|反弹|走势|气势).{0,6}(?:延续|持续|继续|结束|反转)", r"(?:会|能)(?:继续|持续)(?:涨|跌|上涨|下跌)",
)
# Company fundamentals and corporate events: news answers these, the forecaster (prices) cannot.
QA_TOPIC = COMPANY_TOPIC
QA_NEWS = _rx(r"\bnews\b", r"\bheadlines?\b", r"\bannounce", r"\breport(?:ed|s)?\b", r"新闻", r"消息", r"报导", r"公告", r"财报")
PRICE_WORDS = _rx(r"\b(?:stock|shares?|price|close|perform|trade|move|go)\b", r"股价", r"股票", r"表现", r"收盘", r"走")
# Words asking the tone of a quoted passage (read on the message without its quotes)
_TONE_ASKED = re.compile(r"\b(?:bullish|bearish|positive|negative|neutral|good news|bad news|sentiment|tone|classify)\b"
                         r"|利多|利空|正面|负面|中性|好消息|坏消息|情绪|分类")
# "which one looks better?" after forecasts looks ahead; "這三家誰最強" compares what they did
_LOOKS_AHEAD = re.compile(r"\blooks?\b|\bseems?\b|\boutlook\b|看起来|看好|前景|展望")
FOLLOW_UP = _rx(
    r"^\s*(?:and|what about|how about|same for|same with|now|then|also|ok,? (?:and|now))\b",
    r"^\s*(?:那|那么|还有|换成|改成|再来|那如果|如果是|换)", r"呢\s*[？?]?\s*$",
    # the day before or after the one just asked about
    r"^\s*(?:the\s+)?(?:next|following|previous|prior)\s+(?:trading\s+)?(?:day|session)\s*[?？]?\s*$",
    r"^\s*the day (?:before|after)\s*[?？]?\s*$", r"^\s*(?:隔天|次日|第二天|前一天|前一日|后一天)",
    # "compared to last month?", "跟上個月比呢": the last answer again, beside that span
    COMPARED_TO_SPAN,
)
QA_GENERAL = _rx(
    r"\?\s*$", r"？\s*$", r"^\s*(?:what|how|which|is|are|does|do|did|can|should|could|who|when|where)\b",
    r"什么", r"如何", r"怎么", r"哪", r"吗", r"是否", r"多少",
)

# What the embedding selector's forecast or sentiment choice must be backed by: some word of the
# future, of prices moving, or of feeling (on simplified, lower-case text).
FORECAST_SOFT = _rx(
    r"\b(?:will|would|going|expect\w*|future|next|tomorrow|weeks?|months?|years?|days?|target|up|down|rise|fall|"
    r"higher|lower|move|moves|price|prices|close|closing|level|sessions?|soon|ahead|coming|trend|direction|"
    r"upside|downside|predict\w*|forecast\w*|outlook|head\w*)\b",
    r"会", r"将", r"未来", r"明天", r"下周", r"下个月", r"走势", r"涨", r"跌", r"股价", r"预", r"目标", r"收盘",
    r"后市", r"后势", r"(?:天|周|个月|月)后", r"[\d一二三四五六七八九十两]+\s*(?:天|日|个交易日|周|个月)",
)
SENTIMENT_SOFT = _rx(
    r"\b(?:feel\w*|think|view|opinion|mood|tone|positive|negative|bullish|bearish|optimis\w*|pessimis\w*|"
    r"sentiment|perception|buzz|hype|reaction|react\w*|like|love|hate|worried|confident|popular\w*)\b",
    r"情绪", r"看法", r"观感", r"利多", r"利空", r"乐观", r"悲观", r"正面", r"负面", r"舆情", r"氛围", r"怎么看",
)

SOFT_CUES = {"forecast": FORECAST_SOFT, "sentiment": SENTIMENT_SOFT}

# Exemplar queries per route for the embedding selector (EN and ZH).
EXEMPLARS: dict[str, list[str]] = {
    "forecast": [
        "forecast 2330 next 5 days", "predict TSMC stock price next week",
        "where will MediaTek shares be in a month", "will Hon Hai go up tomorrow",
        "price outlook for 2317 over the next two weeks", "expected closing price of 2454 in 10 trading days",
        "台積電未來五天股價預測", "鴻海下週會漲嗎", "联发科下个月走势", "2330 明天收盘价",
    ],
    "sentiment": [
        "what is the sentiment of TSMC news", "is the recent news about MediaTek positive or negative",
        "how do investors feel about Hon Hai lately", "classify this headline: profits plunge 30%",
        "news mood for 2330 this month", "are the headlines bullish or bearish for 2454",
        "台積電最近新聞情緒如何", "這則新聞是利多還是利空", "联发科舆情偏正面还是负面", "鴻海新聞情緒",
    ],
    "qa": [
        "Explain what a yield curve inversion implies for equities", "why did TSMC shares drop",
        "what did MediaTek announce at its developer event", "what is a price-to-earnings ratio",
        "summarize the latest news about Foxconn's EV business", "how do interest rates affect bank stocks",
        "殖利率曲線倒掛代表什麼", "台積電為什麼要擴建先進封裝", "什么是本益比", "鴻海電動車業務最新消息",
        # Short topic questions (no company in them, or every "COMPANY + anything" would land
        # here): without these a bare "COMPANY + topic" goes to whichever route's exemplars are
        # shortest.
        "quarterly revenue", "dividend policy", "AI server business", "capex plans",
        "營收表現", "股利政策", "AI伺服器業務", "新產品發表",
    ],
}


@dataclass
class RouteDecision:
    route: str
    reason: str
    source: str  # "rule", "follow-up", "embedding", "default"


OVERVIEW_REASON = "a company overview (price, trend, news, forecast)"


# "will TSMC hit a new high?": the future, as a new high or low asks it (else it is the store's record).
_FUTURE = re.compile(r"\bwill\b|\bgoing to\b|\bgonna\b|\bnext\b|\bsoon\b|\bcan it\b|\bchances?\b|\bodds\b"
                     r"|(?<!说)会(?!议|计)|将|明天|下周|下个月|未来|接下来|能不能|有没有机会|有机会|机率|概率")
_COMPARE_ONLY = re.compile(r"(?:and\s+|now\s+)?(?:compare|contrast)\s+(?:them|both|the two|these two|those two)"
                           r"(?:\s+side by side)?|(?:比较|对比)(?:一下)?(?:它们|两者|这两[家档个支]?|两[个家档支])?"
                           r"|(?:它们|两者|(?:这|那)?两[个家档支])的?(?:比较|对比|比一比|比一下)(?:一下)?")
_LIMIT_AHEAD = re.compile(r"涨停|跌停|\blimit[- ](?:up|down)\b")
# "did 2330 reach 1,000 last year?", "台積電漲到1000過嗎": a target in the past is a price fact.
_PAST_TARGET = re.compile(r"\b(?:did|was|were|has|had|have|ever|closed|traded|reached|crossed)\b"
                          # "when did it last close above 1000?" looks back; "when will it get back to 1100?",
                          # "什麼時候會回到1100" ask ahead: the forecaster's odds
                          r"|\bwhen\b(?!\s+(?:will|would|could|might|can|is it (?:going|likely) to)\b)"
                          r"|\b(?:last|latest|most recent)\s+(?:time|date|day|session)\b"
                          r"|过吗|过没|曾经|曾|了吗|(?:何时|什么时候)(?!才?(?:会|能|可以|有机会))|上次|上一次|最后一次"
                          # "台積電站上1000幾次": how often it did, counted from the store
                          r"|\d\s*(?:元)?\s*(?:的)?(?:有)?(?:几|多少)(?:次|天|个交易日)|\bhow many (?:times|days|sessions)\b")


# "What is the outlook for AI servers for Quanta?", "TSMC 2nm outlook", "outlook for TSMC revenue":
# the outlook of a business topic is the news's to answer; "TSMC outlook", "2330 price outlook for
# the next 5 days" ask where the price goes (the forecaster). On simplified, lower-cased text.
_OUTLOOK = re.compile(r"\boutlook\b")
_OUTLOOK_FILLER = re.compile(
    r"\b(?:what|whats|is|are|the|a|an|for|of|on|in|over|about|its|their|outlook|price|prices|stock|stocks|share|shares|"
    r"next|coming|this|week|weeks|month|months|year|years|day|days|trading|sessions?|short|long|term|near|tell|me|give|"
    r"your|how|does|do|look|looks|like|s|t|now|today|current|overall|please|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|few|couple|several)\b|\d+|[\W_]")


def outlook_of_a_topic(text: str, unknown_company: str | None = None) -> bool:
    """Whether ``text`` asks for the outlook of something other than the named company's price
    (``unknown_company``: a misspelt name the slots found, "Foxcon's stock outlook", is no topic)."""
    s = to_simplified(text).lower()
    if not _OUTLOOK.search(s):
        return False
    rest = without_companies(text)
    if unknown_company:
        rest = rest.replace(unknown_company.lower(), " ")
    return bool(_OUTLOOK_FILLER.sub("", rest))


def _position_at_a_price(text: str) -> bool:
    """Whether ``text`` states a position bought at a price and asks its result at another, as if
    sold there ("I bought 2330 at 950, what if it goes to 1100?", "成本950，如果漲到1100呢")."""
    from .holdings import parse_paid, parse_sold

    return parse_paid(text) is not None and parse_sold(text) is not None


def _rule_route(text: str, slots: Slots | None, session: ChatSession | None) -> RouteDecision | None:
    """The intent rules; ``None`` when none applies."""
    s = to_simplified(text).lower()
    if is_coverage_question(text):  # "which companies do you cover?", "資料更新到哪天"
        return RouteDecision("qa", "what the store holds", "rule")
    if (session is not None and session.last_route == "forecast" and slots is not None and len(slots.codes) > 1
            and COMPARE_WITH.search(s)):
        # "跟鴻海比呢" / "compare with 2454" right after a forecast: both forecasts side by side (it had
        # compared their past prices)
        return RouteDecision("forecast", "the last forecast beside another company's (follow-up)", "follow-up")
    if (slots is not None and slots.code and not slots.quoted_text and asked_label_list(text) is not None
            and not re.search(r"\bwhy\b|为什么|为何", s)):  # ("why is it negative?" after prices asks of the move)
        # "show me the negative ones" about the conversation's company (after any answer): its news read that way
        return RouteDecision("sentiment", "the articles read one way (the conversation's company)", "rule")
    if (session is not None and session.last_route == "sentiment" and slots is not None and len(slots.codes) > 1
            and not slots.quoted_text and COMPARE_WITH.search(s)):
        # "跟台積電比呢" right after a company's news sentiment: both companies' news side by side (it
        # had compared their prices)
        return RouteDecision("sentiment", "the last sentiment beside another company's (follow-up)", "follow-up")
    if slots is not None and is_identity_question(text, slots.code):  # "what is 0050?", "台積電是什麼公司"
        return RouteDecision("qa", "what the company is (the directory and the store)", "rule")
    if is_glossary_question(text, slots.code if slots is not None else None):  # "what does RSI mean?"
        return RouteDecision("qa", "what a term of finqa's answers means (its own definition)", "rule")
    if slots is not None and asks_limit_prices(text, slots.code):  # "台積電明天漲停價多少": arithmetic, no forecast
        return RouteDecision("qa", "the next session's limit prices (computed from the last close)", "rule")
    if slots is not None and slots.quoted_text and _TONE_ASKED.search(to_simplified(unquoted(text)).lower()):
        # 'is this bullish: "MediaTek cuts guidance..."': the quoted text's tone, whatever it is about
        return RouteDecision("sentiment", "the tone of a quoted text", "rule")
    if asks_sentiment_ranking(text):  # "which company has the most positive news?"
        return RouteDecision("sentiment", "a ranking of companies by their news sentiment", "rule")
    if session is not None and session.last_route == "sentiment" and (
            TONE_BACK.fullmatch(s.strip(" ?？!！.。")) or (slots is not None and slots.quoted_text and FOLLOW_UP.search(s))
            or asked_label_list(text) is not None):  # "show me the negative ones" after a company's sentiment
        # "is that positive?" after a sentiment answer, 'and this one: "..."' after a classification
        return RouteDecision("sentiment", "follow-up keeps the last intent (sentiment)", "follow-up")
    if slots is not None and slots.code and not slots.quoted_text and asks_sentiment_returns(text):
        # "does news sentiment predict TSMC's price?": the tone of each session beside its return
        return RouteDecision("sentiment", "news tone beside the price (a relation, not a forecast)", "rule")
    if (slots is not None and slots.code and len(slots.codes) <= 1 and SENTIMENT_STRONG.search(s)
            and FORECAST_STRONG.search(s)):
        # "2330 news sentiment and forecast": both parts, which the company overview holds together
        return RouteDecision("qa", "news sentiment and a forecast together (the company overview)", "rule")
    if SENTIMENT_STRONG.search(s):
        return RouteDecision("sentiment", "sentiment keyword", "rule")
    if outlook_of_a_topic(text, slots.unknown_company if slots is not None else None):
        return RouteDecision("qa", "the outlook of a business topic (the news)", "rule")
    if (not (slots is not None and slots.horizon_explicit) and target_price(text) is None
            and any(f.kind == "analysts" for f in asked_figures(text))):
        # "What is the target price for TSMC?", "台積電目標價": analysts' numbers, quoted from the news
        # (it had been a 5-day forecast); "2330 price target in 30 days" stays the forecaster's
        return RouteDecision("qa", "analysts' target prices (the news)", "rule")
    if FORECAST_STRONG.search(s):
        return RouteDecision("forecast", "forecast keyword", "rule")
    if slots is not None and slots.code and slots.horizon_explicit and not QA_TOPIC.search(s):
        from .overview import asks_advice

        if asks_advice(text):  # "is TSMC a buy for next week?", "台積電明天可以買嗎": the odds, and no verdict
            return RouteDecision("forecast", "a buy or sell asked of the days ahead (the forecaster)", "rule")
    if slots is not None and slots.code and target_price(text) is not None and _position_at_a_price(text):
        # "我有台積電2張成本950，如果漲到1100賣掉賺多少": the position's result at that price, not the odds
        return RouteDecision("qa", "a position's result at a price (computed from the store)", "rule")
    if (slots is not None and slots.code and target_price(text) is not None and not QA_TOPIC.search(s)
            and not _PAST_TARGET.search(s)):
        # "will 2330 reach 1,000?", "TSMC above 1200 by next month?": the forecaster gives the odds.
        return RouteDecision("forecast", "a price target (odds from the forecaster)", "rule")
    if (slots is not None and slots.code and _LIMIT_AHEAD.search(s) and _FUTURE.search(s) and not _PAST_TARGET.search(s)):
        # "will 2330 hit limit down tomorrow?", "台積電會不會漲停": the odds of the limit price
        return RouteDecision("forecast", "the daily limit ahead (odds from the forecaster)", "rule")
    if (slots is not None and slots.code and asks_new_extreme(text) and _FUTURE.search(s)
            and not _PAST_TARGET.search(s) and not QA_TOPIC.search(s)):
        # "will TSMC hit a new high next month?", "台積電會創新高嗎": the odds of passing the record close.
        return RouteDecision("forecast", "a new high or low ahead (odds from the forecaster)", "rule")
    if slots is not None and slots.code and asks_profit_ahead(text) and not _PAST_TARGET.search(s):
        # "if I buy TSMC now, will I make money in a month?": the odds of closing above break-even then
        return RouteDecision("forecast", "a profit ahead (odds of the break-even price from the forecaster)", "rule")
    if slots is not None and is_risk_question(text, slots.code):  # "what would NT$100k in 2330 be worth?"
        return RouteDecision("qa", "risk or return (computed from the store)", "rule")
    if risk_ranking_kind(text, list(slots.codes) if slots else []):  # "which stock was the most volatile?"
        return RouteDecision("qa", "a ranking by risk (computed from the store)", "rule")
    if (session is not None and session.last_route and slots is not None and len(slots.codes) > 1 and slots.inherited_code
            and _COMPARE_ONLY.fullmatch(s.strip(" ?？!！.。"))):
        # "compare them" after two forecasts (sentiments, prices): the last kind of answer, side by side
        return RouteDecision(session.last_route, f"follow-up keeps the last intent ({session.last_route})", "follow-up")
    if (session is not None and session.last_route == "forecast" and slots is not None and len(slots.codes) > 1
            and slots.inherited_code and asks_which_is_better(text) and _LOOKS_AHEAD.search(s)):
        # "which one looks better?" after two forecasts: both forecasts side by side, and no pick
        return RouteDecision("forecast", "a pick between the conversation's forecasts (side by side, no verdict)", "follow-up")
    if slots is not None and len(slots.codes) > 1 and slots.inherited_code and asks_which_is_better(text):
        # "哪個比較好" after two companies: both side by side, and no pick
        return RouteDecision("qa", "a pick between the conversation's companies (facts, no verdict)", "follow-up")
    if (session is not None and session.last_route == "forecast" and _BACKTEST.search(s) and slots is not None
            and (not slots.code or slots.inherited_code) and not is_glossary_question(text, None)):
        # "show me the backtest", "回測呢" right after a forecast: that forecast again, with its backtest
        return RouteDecision("forecast", "the last forecast's backtest (follow-up)", "follow-up")
    if QA_WHY.search(s):
        return RouteDecision("qa", "explanatory question", "rule")
    if slots is not None and is_indicator_question(text, slots.code):  # "5日均線" is no 5-day horizon
        return RouteDecision("qa", "a technical indicator (computed from the store)", "rule")
    if (session is not None and session.last_route == "sentiment" and slots is not None and slots.inherited_code
            and FOLLOW_UP.search(s) and names_only_a_period(text)):
        # "and over the last week?" after a company's news sentiment: the sentiment of that span
        return RouteDecision("sentiment", "follow-up keeps the last intent (sentiment)", "follow-up")
    if slots is not None and not slots.horizon_explicit and is_price_question(text, slots.code):
        return RouteDecision("qa", "a past or present price (answered from the store)", "rule")
    if not (slots and slots.horizon_explicit) and wants_ranking(text, list(slots.codes) if slots else []):
        return RouteDecision("qa", "a ranking of the stored prices (answered from the store)", "rule")
    has_company = bool(slots and slots.code and not slots.inherited_code)
    horizon = bool(slots and slots.horizon_explicit)
    if has_company and not horizon and is_overview_question(text, slots.code, bare=False):
        return RouteDecision("qa", OVERVIEW_REASON, "rule")
    # "and its dividend?", "2330 EPS" after a price answer ask something of their own: a topic
    # word makes them no follow-up (which would repeat the last kind of answer for them).
    own_topic = bool(QA_NEWS.search(s) or (QA_TOPIC.search(s) and not FORECAST_WEAK.search(s)))
    if (session is not None and session.last_route == "sentiment" and horizon and not has_company and not own_topic
            and (FOLLOW_UP.search(s) or _is_follow_up(s, has_company, horizon))):
        # "那下週呢" / "and next week?" after a company's news sentiment: no news of the days ahead
        # exists to read, so the days ahead are the forecaster's (it had repeated the sentiment)
        return RouteDecision("forecast", "days ahead after a sentiment answer (the forecaster)", "follow-up")
    if session is not None and session.last_route and not own_topic:
        if FOLLOW_UP.search(s):
            return RouteDecision(session.last_route, f"follow-up keeps the last intent ({session.last_route})", "follow-up")
    if QA_NEWS.search(s):
        return RouteDecision("qa", "question about the news", "rule")
    if session is not None and session.last_route and not own_topic and _is_follow_up(s, has_company, horizon):
        return RouteDecision(session.last_route, f"follow-up keeps the last intent ({session.last_route})", "follow-up")
    if has_company and not horizon and is_bare_company(text):  # "2330", "TSMC?" with nothing before
        return RouteDecision("qa", OVERVIEW_REASON, "rule")
    if QA_TOPIC.search(s) and not FORECAST_WEAK.search(s):
        return RouteDecision("qa", "question about the company's business", "rule")
    if FORECAST_WEAK.search(s):
        return RouteDecision("forecast", "price-movement question", "rule")
    if horizon and (has_company or (slots and slots.code)) and PRICE_WORDS.search(s):
        return RouteDecision("forecast", "company + horizon + price", "rule")
    if slots is not None and slots.quoted_text and not QA_GENERAL.search(s.replace(slots.quoted_text.lower(), "")):
        return RouteDecision("sentiment", "quoted text to classify", "rule")
    if QA_GENERAL.search(s):
        return RouteDecision("qa", "question", "rule")
    return None


# "is that positive?", "so it's bad news?", "是利多嗎": the tone of what was just classified or read.
TONE_BACK = re.compile(r"(?:and |so )?(?:is|was|are) (?:that|it|this|they|these) (?:a )?(?:positive|negative|bullish|bearish|good|bad)"
                       r"(?: (?:news|sign|signal|one))?|(?:so )?(?:it'?s|that'?s) (?:a )?(?:positive|negative|bullish|bearish|good|bad)"
                       r"(?: (?:news|sign|signal|one))?|(?:那|这|这个|这样)?(?:是|算)?(?:利多|利空|正面|负面|好消息|坏消息)(?:吗|嘛|呢|还是(?:利空|利多))?")
_BACKTEST = re.compile(r"\bbacktest\w*|\bwalk[- ]forward\b|\btrack record\b|\bbaselines?\b|回测|基准")


def _is_follow_up(s: str, has_company: bool, horizon: bool) -> bool:
    if FOLLOW_UP.search(s):
        return True
    # A bare company or horizon ("2454", "MediaTek?", "next month") continues the conversation;
    # a short question of its own about the future ("will 2330 rise today?") does not.
    words = re.findall(rf"[a-z0-9]+|[{CJK_CHARS}]", s)
    return ((has_company or horizon) and len(words) <= 6 and not QA_GENERAL.search(s.rstrip("?？ "))
            and not (_AHEAD_WORD.search(s) and (FORECAST_WEAK.search(s) or FORECAST_SOFT.search(s))))


# Words that make a short message its own question about the price ahead ("will 2330 rise
# today?", "Quanta outlook"), not a follow-up of the last answer.
_AHEAD_WORD = re.compile(r"\bwill\b|\bgoing to\b|\bgonna\b|\btomorrow\b|\boutlook\b|(?<!说)会(?!议|计)|将会|明天|后市|展望")


class EmbeddingRouteSelector:
    """Nearest exemplars by cosine similarity (MiniLM), for what the rules miss.

    The exemplar vectors are computed once; a decision is one query embedding plus a tiny matrix
    product. The embedder is loaded lazily so that ``finqa route`` on rule-covered queries never
    loads it.
    """

    def __init__(self, embedder: Any = None, exemplars: dict[str, list[str]] | None = None) -> None:
        self._embedder = embedder
        self.exemplars = exemplars or EXEMPLARS
        self._matrix: Any = None
        self._labels: list[str] = []
        self._lock = threading.Lock()

    def _get_embedder(self) -> Any:
        if self._embedder is None:
            from index.embeddings import get_embedder
            from ingest.config import get_settings

            self._embedder = get_embedder(get_settings())
        return self._embedder

    def _encode(self, texts: list[str]) -> Any:
        import numpy as np

        emb = self._get_embedder()
        if hasattr(emb, "embed_queries"):
            vecs = emb.embed_queries(texts)
        else:  # a bare SentenceTransformer
            vecs = emb.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        vecs = np.asarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms > 0, norms, 1.0)

    def scores(self, text: str) -> dict[str, float]:
        """Per route: the mean cosine of the two closest exemplars."""
        import numpy as np

        with self._lock:
            if self._matrix is None:
                labels, texts = [], []
                for route, examples in self.exemplars.items():
                    labels.extend([route] * len(examples))
                    texts.extend(examples)
                self._matrix = self._encode(texts)
                self._labels = labels
        q = self._encode([text])[0]
        sims = self._matrix @ q
        out: dict[str, float] = {}
        labels = np.asarray(self._labels)
        for route in self.exemplars:
            top = np.sort(sims[labels == route])[::-1][:2]
            out[route] = float(top.mean()) if len(top) else -1.0
        return out

    def select(self, text: str) -> RouteDecision:
        scores = self.scores(text)
        route = max(scores, key=scores.get)
        return RouteDecision(route, f"closest exemplars ({route} {scores[route]:.2f})", "embedding")


class IntentClassifier:
    """Rules, then follow-up, then embeddings. Stateless apart from the cached exemplar vectors."""

    def __init__(self, embedding_selector: EmbeddingRouteSelector | None = None) -> None:
        self.embedding = embedding_selector or EmbeddingRouteSelector()

    def decide(self, text: str, slots: Slots | None = None, session: ChatSession | None = None) -> RouteDecision:
        decision = _rule_route(text, slots, session)
        if decision is not None:
            return decision
        if not text.strip():
            return RouteDecision(DEFAULT_ROUTE, "empty message", "default")
        try:
            decision = self.embedding.select(text)
        except Exception as exc:  # no embedder: the QA engine is the safe default
            log.warning("embedding selector unavailable (%s); routing to %s", exc, DEFAULT_ROUTE)
            return RouteDecision(DEFAULT_ROUTE, f"default (embedding selector unavailable: {exc})", "default")
        if decision.route != DEFAULT_ROUTE and slots is not None and not (slots.code or slots.quoted_text):
            # Near a forecast or sentiment exemplar but naming no company and quoting nothing
            # ("川普關稅對台灣科技業的影響"): the news can answer it, "which company?" cannot.
            return RouteDecision(DEFAULT_ROUTE, f"{decision.reason}, but no company or quoted text: "
                                 "answered from the news", "embedding")
        if decision.route in SOFT_CUES and not (slots is not None and slots.quoted_text):
            s = to_simplified(text).lower()
            if not SOFT_CUES[decision.route].search(s):
                # A company and a topic with no word of the future or of feeling ("TSMC 2nm", "Hon
                # Hai EV plans", "TSMC Arizona"): short texts sit near the short exemplars of any
                # route. The next closest route that the words do back answers instead ("2454
                # tomorrow" is a forecast even when it sits nearer the sentiment exemplars); else
                # the news.
                scores = self.embedding.scores(text) if hasattr(self.embedding, "scores") else {}
                backed = [r for r in sorted(scores, key=scores.get, reverse=True)
                          if r != decision.route and (r not in SOFT_CUES or SOFT_CUES[r].search(s))]
                route = backed[0] if backed else DEFAULT_ROUTE
                why = "answered from the news" if route == DEFAULT_ROUTE else f"its words ask for a {route}"
                return RouteDecision(route, f"{decision.reason}, but nothing asks for a {decision.route}: {why}",
                                     "embedding")
        return decision


# --- LlamaIndex selectors --------------------------------------------------------------------
def _choice_index(choices: Sequence[ToolMetadata], route: str) -> int:
    for i, choice in enumerate(choices):
        if choice.name == route:
            return i
    for i, choice in enumerate(choices):
        if choice.name == DEFAULT_ROUTE:
            return i
    return 0


class FinqaSelector(BaseSelector):
    """The LLM-free selector: the route decided by :class:`IntentClassifier`, as a tool index.

    When the router has already decided (it needs the route before the query to check slots),
    that decision is read from the route context instead of classifying twice.
    """

    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier

    def _get_prompts(self) -> PromptDictType:
        return {}

    def _update_prompts(self, prompts_dict: PromptDictType) -> None:
        return None

    def _decide(self, query: QueryBundle) -> RouteDecision:
        from .engines.base import CURRENT

        ctx = CURRENT.get()
        if ctx is not None and ctx.route is not None:
            return RouteDecision(ctx.route, ctx.reason or "decided by the router", "router")
        return self.classifier.decide(query.query_str)

    def _select(self, choices: Sequence[ToolMetadata], query: QueryBundle) -> SelectorResult:
        decision = self._decide(query)
        return SelectorResult(selections=[SingleSelection(index=_choice_index(choices, decision.route),
                                                          reason=f"{decision.route}: {decision.reason}")])

    async def _aselect(self, choices: Sequence[ToolMetadata], query: QueryBundle) -> SelectorResult:
        return self._select(choices, query)


def validate_selection(result: SelectorResult, n_choices: int) -> SelectorResult:
    """One selection whose index is inside ``[0, n_choices)``.

    An index below 0 (a 0-based answer minus 1) is clamped to 0, one past the end to the last
    valid index, and the reason says so: the wrong tool is never chosen *silently* through
    Python's negative indexing. Only the first selection is kept (finqa answers with one engine).
    """
    if n_choices < 1:
        raise ValueError("a router needs at least one tool")
    if not result.selections:
        return SelectorResult(selections=[SingleSelection(index=0, reason="no selection; first tool")])
    first = result.selections[0]
    index = first.index
    if 0 <= index < n_choices:
        return SelectorResult(selections=[first])
    clamped = min(max(index, 0), n_choices - 1)
    log.warning("selector returned index %s for %s choices; clamped to %s", index, n_choices, clamped)
    return SelectorResult(selections=[SingleSelection(
        index=clamped, reason=f"{first.reason} (index {index} out of range 0..{n_choices - 1}; clamped to {clamped})")])


class GuardedSelector(BaseSelector):
    """Wraps any selector (ours or LlamaIndex's LLM selectors) and validates its answer."""

    def __init__(self, inner: BaseSelector) -> None:
        self.inner = inner

    def _get_prompts(self) -> PromptDictType:
        return self.inner.get_prompts()

    def _update_prompts(self, prompts_dict: PromptDictType) -> None:
        self.inner.update_prompts(prompts_dict)

    def _select(self, choices: Sequence[ToolMetadata], query: QueryBundle) -> SelectorResult:
        return validate_selection(self.inner._select(choices, query), len(choices))

    async def _aselect(self, choices: Sequence[ToolMetadata], query: QueryBundle) -> SelectorResult:
        return validate_selection(await self.inner._aselect(choices, query), len(choices))


# --- the router query engine -----------------------------------------------------------------
class FinqaRouter:
    """``RouterQueryEngine`` over the three engines with the guarded, LLM-free selector."""

    def __init__(self, engines: dict[str, Any], classifier: IntentClassifier | None = None,
                 selector: BaseSelector | None = None) -> None:
        from llama_index.core.llms.mock import MockLLM
        from llama_index.core.query_engine import RouterQueryEngine
        from llama_index.core.response_synthesizers import TreeSummarize
        from llama_index.core.tools import QueryEngineTool

        self.classifier = classifier or IntentClassifier()
        self.routes = [r for r in ROUTES if r in engines]
        tools = [
            QueryEngineTool(query_engine=engines[r], metadata=ToolMetadata(name=r, description=ROUTE_DESCRIPTIONS[r]))
            for r in self.routes
        ]
        self.selector = GuardedSelector(selector or FinqaSelector(self.classifier))
        # No LLM anywhere: MockLLM only satisfies the constructor (the summarizer would combine
        # multi-selections, which the guarded selector never returns).
        llm = MockLLM()
        self.engine = RouterQueryEngine(selector=self.selector, query_engine_tools=tools, llm=llm,
                                        summarizer=TreeSummarize(llm=llm))

    def decide(self, text: str, slots: Slots | None = None, session: ChatSession | None = None) -> RouteDecision:
        return self.classifier.decide(text, slots, session)

    def query(self, request: Any, decision: RouteDecision | None = None, *, stream: bool = False) -> Any:
        """Run the engine for ``request`` (an EngineRequest); returns an Answer or an AnswerStream."""
        from .engines.base import ANSWER_KEY, CURRENT, STREAM_KEY, RouteContext

        ctx = RouteContext(request=request, route=decision.route if decision else None,
                           reason=decision.reason if decision else "", stream=stream)
        token = CURRENT.set(ctx)
        try:
            response = self.engine.query(request.message)
        finally:
            CURRENT.reset(token)
        metadata = response.metadata or {}
        if stream:
            return metadata[STREAM_KEY]
        return metadata[ANSWER_KEY]

    def selected_route(self, text: str) -> str:
        """The route the RouterQueryEngine's selector picks for ``text`` (without running it)."""
        result = self.selector.select(self.engine._metadatas, text)
        return self.routes[result.ind]
