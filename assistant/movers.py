"""Market-wide rankings from the store: "which stock rose the most in April 2025?", "top 5 losers
last week", "上個月漲幅最大的股票", "成交量最大的股票", "2330、2454、2317 哪個表現最好？".

Why a module of its own: such a question names no company (or several, to be ranked), so the
price facts (one company at a time, ``assistant.price_facts``) never saw it, and the news search
quoted whichever article sat closest to the words "rose the most". Yet the answer is exact and
sits in the store: rank every company with stored prices by its change over the period (the same
change a single company's price answer gives: the last close in the period against the close
before it) or by the volume traded.

The universe is what finqa holds, and the answer says so ("among the 23 companies with stored
prices"): a ranking of 23 companies is not a ranking of the whole exchange, and a user should not
take it for one. Companies without a close before the period (prices that start inside it) are
left out of a change ranking and counted, since their change would be measured from another day.

Point in time: with an as-of date D only bars strictly before D are read, the rule of every other
reader (``index.retrieval``, ``assistant.price_facts``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from ingest.industries import english_name, industry_named
from ingest.limits import is_stock_code, limit_state

from .i18n import answers_zh
from .periods import PERIOD_LABELS_ZH, no_such_day, parse_period, Period, period_label
from .price_facts import (ENGINE, MOMENTUM, NOT_A_FACT, STALE_DAYS, TAIPEI, momentum_period, newer_or_newest,
                          store_footer, visible_day)
from .price_records import gap
from .price_format import SHARES_PER_LOT, bar_of, company_label, company_of, fmt_price, is_taiwan, source_name
from .slots import COMPANY_TOPIC, WATCHLIST, to_simplified, unquoted, watchlist_notice, zh_number
from .types import Answer, Citation, EngineRequest
from .versus_market import asks_vs_market

log = logging.getLogger(__name__)

DEFAULT_TOP = 5
# "for all stocks", "every stock's change", "所有股票": the whole list, not the two ends
_EVERY_STOCK = re.compile(r"\b(?:all|every|each)\s+(?:the\s+|of the\s+)?(?:stored\s+)?(?:[a-z]+\s+)?(?:stocks?|compan(?:y|ies)|shares)\b"
                          r"|所有|全部|每一?(?:档|支|家)")
MAX_TOP = 20
# "which stock had the best week?", "who had the worst month?": a ranking over that span's sessions
_BEST_SPAN = re.compile(r"\b(?:best|worst|strongest|weakest|biggest|great|good|bad|rough|tough)\s+(week|month)\b")
CHART_CODES = 3  # the leaders charted (closes rebased to 100); the table lists more

# Matched on OpenCC-simplified, lower-cased text with quoted headlines removed. A ranking needs a
# price move or a superlative about stocks: "which company makes the most chips?" is not one.
_EN_STOCKS = r"(?:stocks?|shares|tickers|equities)"
_EN_MOVE = (r"(?:rose|risen|gained|jumped|climbed|rallied|surged|soared|advanced|fell|fallen|dropped|lost|declined|"
            r"slumped|tumbled|sank|plunged|went (?:up|down)|moved|performed)")
_EN_MOST = r"(?:most|least|best|worst|biggest|largest|highest|lowest|strongest|weakest|top)"
# "how many stocks are up this year?", "今年有幾檔股票上漲" ("前幾檔" is a top list): the breadth is the answer
_HOW_MANY_UP = re.compile(
    r"\bhow many\s+(?:of\s+(?:the|my)\s+)?(?:stocks|shares|companies)\b.{0,30}\b(?:up|down|rose|fell|gained|lost|higher|lower)\b"
    r"|(?<![前哪])(?:几|多少)(?:档|支|只|家)(?:股票|公司)?.{0,4}(?:上涨|下跌|涨|跌)")
_RANKING = re.compile(
    rf"\b(?:which|what)\s+(?:of\s+(?:the|these|those|my|our)\s+)?(?:\w+\s+){{0,2}}{_EN_STOCKS}\b.{{0,60}}\b(?:{_EN_MOVE}|{_EN_MOST})\b"
    rf"|\b(?:which|what)\b.{{0,50}}\b{_EN_MOVE}\s+(?:the\s+)?(?:most|least|best|worst|more|less)\b"
    r"|\b(?:which|what)\b.{0,50}\b(?:performed|did|fared)\s+(?:the\s+)?(?:best|worst|better|worse)\b"
    # "how many stocks are up this year?", "今年有幾檔股票上漲": the breadth line of the span's summary
    r"|" + _HOW_MANY_UP.pattern +
    # "which sectors were hit hardest?", "the hardest-hit stocks", "哪個產業受傷最重"
    r"|\b(?:which|what)\b.{0,40}\b(?:hit|hurt|battered|beaten)\s+(?:the\s+)?(?:hardest|most|worst)\b|\b(?:hardest|worst)[- ]hit\b"
    r"|哪.{0,10}(?:受伤|受创|重伤)最(?:重|深|多)|(?:受伤|受创)最(?:重|深)的"
    # "who had the worst month?", "which stock had the best week?" (one company named is its own question)
    r"|\b(?:which|what|who)\b.{0,30}\b(?:had|has|have|is having)\s+(?:the\s+|a\s+)?(?:best|worst|strongest|weakest)\s+"
    r"(?:week|month|day|session)\b"
    # "what's moving today?", "what's hot this week?": the movers (not "what's moving the market?", a why)
    r"|\bwhat(?:'s| is| are)\s+(?:moving|hot|rallying|surging|tanking|crashing)\b"
    r"(?!\s+(?:the|taiwan|taiwanese|tsmc|stocks?|markets?|prices?|shares)\b)"
    # "what was the weakest stock yesterday?" (but "the best stock to buy" is advice, not a ranking)
    # "the three best stocks this year", "top 3 stocks in April 2025"
    r"|(?:\b(?:which|what)\b.{0,20}|^\s*(?:the\s+)?(?:(?:\d{1,2}|two|three|four|five|ten)\s+)?)\b(?:strongest|weakest|top|worst|best)[- ]"
    r"(?:\d{1,2}\s+)?(?:performing\s+)?(?:stocks?|shares)\b(?!\s+(?:to|for)\b)"
    r"|\b(?:top|biggest|largest|best|worst|leading)\s+(?:\d+\s+)?(?:(?:daily|weekly|monthly)\s+)?"
    r"(?:gainers?|losers?|decliners?|movers?|performers?)\b"
    r"|\b(?:best|worst|top|bottom)[- ]performing\b|\bmost (?:active|traded) (?:stocks?|shares|companies)\b"
    r"|\b(?:highest|largest|biggest|top)\s+(?:trading\s+)?(?:volume|turnover|value traded)\b|\b(?:volume|turnover) leaders\b"
    # "top 3 by volume last month", "top 10 by gain in April"
    r"|\b(?:top|bottom)\s+\d+\s+(?:stocks?\s+|shares\s+|companies\s+)?by\s+(?:volume|turnover|value traded|gains?|change|returns?|performance|losses)\b"
    # "chip stocks that fell the most", "top 5 semiconductor stocks last month", "sector performance"
    rf"|\b(?:{_EN_STOCKS}|\w+s)\s+(?:that|which)\s+{_EN_MOVE}\s+(?:the\s+)?(?:most|least)\b"
    rf"|\b{_EN_STOCKS}\s+{_EN_MOVE}\s+(?:the\s+)?(?:most|least)\b"
    # ("best chip stock this year": one is asked, still a ranking; "the best stock to buy" is advice)
    r"|\b(?:top|best|worst)\s+(?:\d+\s+)?(?:[a-z]+\s+){1,2}stocks?\b(?!\s+(?:to|for)\b)"
    r"|\b(?:sector|industry) (?:performance|returns?|rankings?|leaders|laggards)\b|类股表现|产业表现|族群表现"
    # "stocks with the best momentum", "momentum leaders", "which stocks lead?"
    r"|\b(?:stocks?|shares|companies)\s+with\s+(?:the\s+)?(?:best|strongest|weakest|worst|highest|lowest)\s+"
    r"(?:momentum|returns?|performance|gains?)\b|\bmomentum (?:leaders|laggards|rankings?)\b"
    r"|\b(?:which|what)\b.{0,30}\b(?:stocks?|shares)\s+(?:lead|leads|are leading|led|lag|lags|lagged|are lagging)\b"
    r"|\b(?:rank|ranking|leaderboard)\b.{0,40}\b(?:stocks?|shares|gains?|losses|returns?|performance|changes?|volume)\b"
    # "electronics stocks ranking", "stock rankings this month"
    r"|\b(?:stocks?|shares)\s+(?:rankings?|leaderboard)\b"
    r"|\b(?:gainers?|losers?)\b.{0,30}\b(?:today|yesterday|last|this|past|in|on|during|since|between)\b"
    # "What's the 5-day return for all stocks?", "every stock's change last month", "所有股票的漲跌幅"
    r"|\b(?:returns?|changes?|performance|moves?)\s+(?:for|of)\s+(?:all|every|each)\s+(?:the\s+)?(?:stored\s+)?(?:[a-z]+\s+)?(?:stocks?|companies|shares)\b"
    # "semiconductor stocks 5-day return", "tech stocks' returns last month"
    r"|\b(?:stocks|shares)'?\s+(?:\d+[- ](?:day|week|month|year)\s+)?(?:returns?|changes?|performance)\b"
    r"|\b(?:all|every|each)\s+(?:the\s+)?(?:stored\s+)?(?:stocks?|compan(?:y|ies))'?s?\s+(?:returns?|changes?|performance)\b"
    r"|(?:所有|全部|每一?(?:档|支|家))(?:的)?(?:股票|个股|公司).{0,8}?(?:涨跌幅?|报酬率?|表现)"
    # Chinese: 哪檔漲最多 / 漲幅最大的股票 / 表現最好的前五檔 / 成交量最大 / 股票漲幅排行
    r"|哪(?:一)?(?:档|支|只|家|些|个)?(?:股票?|个股|公司)?.{0,12}(?:涨|跌|表现|成交量?)(?:得|的)?(?:最|比较)"
    r"|(?:哪|谁).{0,12}(?:涨|跌|表现)(?:得|的)?(?:比较)?(?:多|少|好|差|强|弱)"
    r"|(?:涨|跌)(?:得|的)?最(?:多|少|凶|惨)|(?:涨|跌)幅(?:最大|最高|最多|最小|前|排行|排名|榜)"
    r"|表现最(?:好|差|强|弱|佳)|成交(?:量|额|值|金额)?最(?:大|高|多)|强势股|弱势股"
    # 哪檔最強 / 最強的股票 / 電子股最強: the strongest (weakest) by change
    r"|哪(?:一)?(?:档|支|只|家|个)(?:股票?|个股|公司)?.{0,6}最(?:强|弱)|最(?:强|弱)(?:势)?的?(?:股票?|个股|一档|公司)"
    r"|(?:股|类股)(?:中|里|里面|之中)?(?:谁|哪个)?最(?:强|弱)"
    r"|(?:股票?|个股|股价|涨跌|成交量?).{0,6}(?:排行|排名)"
    # Limit-up / limit-down lists: "which stocks hit limit down on 2025-04-07?", 今天有哪些股票漲停
    r"|\b(?:which|what|list|any)\b.{0,40}\blimit[- ](?:up|down)\b|\b(?:stocks?|shares|companies)\b.{0,30}\blimit[- ](?:up|down)\b"
    r"|\blimit[- ](?:up|down) (?:stocks?|list|names)\b"
    # "list all stocks that fell more than 10% in April 2025", "哪些股票漲幅超過5%": a threshold
    r"|\b(?:stocks?|shares|companies)\b.{0,30}\b(?:rose|gained|up|jumped|climbed|rallied|fell|dropped|down|lost|declined|sank)\b"
    r".{0,20}\d+(?:\.\d+)?\s*%|(?:哪些|哪几|哪档|哪支|股票).{0,12}(?:涨|跌).{0,8}\d+(?:\.\d+)?\s*%"
    # "漲幅超過10%的股票", "跌了5%以上的有哪些": the threshold first, the stocks after
    r"|(?:涨|跌)(?:幅|了)?\s*(?:超过|逾|大于|高于|至少|不到|小于|低于)?\s*\d+(?:\.\d+)?\s*%\s*(?:以上|以下)?"
    r"\s*(?:的)?\s*(?:股票|个股|公司|有哪些|是哪些|有几)"
    # "which stocks recovered fastest after April 9?", "哪些股票反彈最多": a ranking of the rebound
    r"|\b(?:which|what)\b.{0,30}\b(?:recover(?:ed|ing)?|rebound(?:ed|ing)?|bounced back)\b.{0,20}\b(?:most|fastest|best|quickest|strongest)\b"
    r"|(?:反弹|回升)(?:得)?(?:最多|最快|最强|最大)"
    # "which stocks gapped down on 2025-04-07?", "2025年4月哪些股票跳空下跌"
    r"|\b(?:which|what|list|any)\b.{0,40}\bgap(?:ped|s)?\s*-?\s*(?:up|down)s?\b"
    r"|\b(?:stocks?|shares|companies)\b.{0,30}\bgap(?:ped|s)?\s*-?\s*(?:up|down)\b|(?:哪|有几|名单|清单|股票|个股).{0,10}跳空"
    r"|(?:哪|有几|名单|清单|股票|个股).{0,10}(?:涨停|跌停)"
    r"|(?:涨停|跌停).{0,6}(?:的股票|的个股|股|名单|清单|家数|有哪些|有几)"
    # "台股今天誰漲停", "跌停的是誰"
    r"|谁(?:会)?(?:涨停|跌停)|(?:涨停|跌停)(?:的)?(?:是谁|有谁)"
    # New highs / lows across the stored companies: "which stocks hit new highs?", 哪些股票創新高
    r"|\b(?:which|what|list|any)\b.{0,40}\b(?:new (?:52[- ]week |all[- ]time |closing )?(?:highs?|lows?)|52[- ]week (?:highs?|lows?))\b"
    r"|\b(?:stocks?|shares|companies)\b.{0,30}\bnew (?:52[- ]week )?(?:highs?|lows?)\b"
    r"|(?:哪|有几|名单|清单|股票|个股).{0,10}(?:创新高|创新低|创高|新高|新低|破底)"
)
# "Which sector did best?": industries ranked, not companies (unless one industry is named, which
# then narrows the companies ranked: "semiconductor stocks that fell the most").
_VERSUS = re.compile(r"\b(?:out|under)perform\w*\b|\bbeat\b|\bdid better\b|\bdid worse\b|跑赢|跑输")
_SECTORS = re.compile(r"\bsectors?\b|\bindustr(?:y|ies)\b|类股|产业|族群")
_NEWS_COUNT = re.compile(r"\b(?:news|articles?|coverage|headlines?|mentions?)\b|新闻|报导|报道|消息")
_LIMIT_UP = re.compile(r"\blimit[- ]up\b|涨停")
_LIMIT_DOWN = re.compile(r"\blimit[- ]down\b|跌停")
_NEW_HIGH = re.compile(r"\bnew (?:52[- ]week |all[- ]time |closing )?highs?\b"
                       r"|\b(?:hit|hits|hitting|at|made|making) (?:a |their )?(?:52[- ]week|record) highs?\b|创新高|创高|新高")
_NEW_LOW = re.compile(r"\bnew (?:52[- ]week |all[- ]time |closing )?lows?\b"
                      r"|\b(?:hit|hits|hitting|at|made|making) (?:a |their )?(?:52[- ]week|record) lows?\b|创新低|破底|新低")
# "which stocks gapped up in April 2025?", "哪些股票跳空下跌": an open above the previous day's high
# (below its low), by the rule one company's gap days are read by (``assistant.price_records.gap``).
_GAP_UP = re.compile(r"\bgap(?:ped|s)?\s*-?\s*ups?\b|跳空(?:上涨|向上|开高|大涨)")
_GAP_DOWN = re.compile(r"\bgap(?:ped|s)?\s*-?\s*downs?\b|跳空(?:下跌|向下|开低|大跌)")
_EVENTS = (("limit_up", _LIMIT_UP), ("limit_down", _LIMIT_DOWN), ("new_high", _NEW_HIGH), ("new_low", _NEW_LOW),
           ("gap_up", _GAP_UP), ("gap_down", _GAP_DOWN))
HIGH_LOOKBACK = 250  # sessions a new high must top: the 52-week convention
_FIFTY_TWO_WEEKS = re.compile(r"\b52[- ]?weeks?\b|\b(?:one|1)[- ]year (?:highs?|lows?)\b|52\s*(?:周|星期)|一年(?:来)?(?:新高|新低)")
HIGH_MIN_HISTORY = 60  # ... but a close after fewer stored sessions is no "new high" at all
# Which end to list. Verbs and "best/worst" choose; "most"/"highest" alone do not ("which stock
# fell the most" is losers). No direction, or both ("rank", 涨跌幅), shows both ends.
_UP = re.compile(r"\b(?:rose|risen|gain\w*|jump\w*|climb\w*|rall\w*|surg\w*|soar\w*|advanc\w*|went up|best|top|"
                 r"strongest|leading|leaders?|leads?|led|better)\b|涨|好|强|佳")
_DOWN = re.compile(r"\b(?:fell|fallen|drop\w*|lost|los(?:e|er|ers|ing)|declin\w*|slump\w*|tumbl\w*|sank|plung\w*|"
                   r"went down|worst|weakest|bottom|worse|lag\w*|hardest|hurt|battered)\b|跌|差|弱|惨|受伤|受创|重伤")
_VOLUME = re.compile(r"\bvolume\b|\bmost (?:active|traded)\b|\bturnover\b|\bvalue traded\b|成交")
# 成交值 / 成交金額 / turnover is the value traded (NT$), not the shares (成交量).
_TURNOVER = re.compile(r"\bturnover\b|\bvalue traded\b|\btraded value\b|成交(?:值|额|金额)")
_BOTH = re.compile(r"\bmovers?\b|\bmoved\b|\brank(?:ing)?\b|\bleaderboard\b|排行|排名")
_TOP_N = re.compile(
    r"\b(?:top|bottom|best|worst|biggest|largest|first)\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:best|worst|biggest|top|stocks|"
    r"companies|gainers|losers|movers)\b|前\s*([0-9一二三四五六七八九十两]{1,3})\s*(?:名|档|支|只|家|大)"
    # "今年表現最好的三檔", "漲最多的兩支", "the three best stocks"
    r"|(?:最好|最佳|最差|最强|最弱|最多|最少|最大|最高|最低|最惨|最猛)的?\s*([0-9一二三四五六七八九十两]{1,3})\s*(?:名|档|支|只|家|个)"
    r"|\b(?:the\s+)?(two|three|four|five|six|seven|eight|nine|ten)\s+(?:best|worst|top|biggest|largest|strongest|weakest)\b"
)
_EN_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


# "Which stock has the best momentum?": with no span named, momentum is the change over the last
# MOMENTUM_SESSIONS (about a month), not the newest session's.
_MOMENTUM = MOMENTUM


# "How is the market doing?", "台股今天怎麼樣": breadth of the stored companies (no index is stored).
_MARKET = re.compile(
    r"\bhow(?:'s| is| was| did| are| were| has| have)?\b.{0,25}\b(?:stock )?market\b(?!\s*(?:share|cap|value|position))"
    r"|\b(?:stock )?market (?:summary|overview|recap|wrap|breadth|today|yesterday|this week|last week)\b"
    r"|\b(?:summary|overview|recap|wrap[- ]up) of (?:the )?(?:taiwan(?:ese)? )?(?:stock )?market\b"
    # "which stocks beat the market in April?": the breadth and both ends, around the median
    # (past only: "can AI stocks outperform the market?" asks about the future)
    r"|^(?!.*\b(?:can|could|would|might|will|should)\b).*\b(?:beat|outperformed|underperformed)\s+(?:the\s+)?(?:stock\s+)?market\b"
    # "summarize today's market", "today's market", "recap the market"
    r"|\b(?:summari[sz]e|recap|review|wrap up)\b.{0,25}\bmarket\b(?!\s*(?:share|cap|value|position|for|of))"
    r"|\b(?:today|yesterday|this week|last week)'?s\s+(?:taiwan(?:ese)? )?(?:stock )?market\b"
    r"|(?:今日|今天|昨日|昨天|本周|上周)?(?:盘势|盘后)(?:总结|摘要|分析|回顾)?"
    r"|\bhow (?:did|are|were|have) (?:the )?(?:taiwan(?:ese)? )?stocks\b"
    r"|(?:台股|股市|大盘|盘势|整体市场).{0,12}?(?:怎么样|如何|表现|涨跌|概况|总结|摘要|涨了|跌了|涨吗|跌吗|收红|收黑|红盘|黑盘"
    r"|反弹|大跌|大涨|重挫|回升|回落)"
    # "加權指數多少", "TAIEX level": the index is not stored; the stored companies' day, said so
    r"|(?:加权指数|台股指数|大盘指数)(?:现在|今天|目前)?(?:是)?(?:多少|几点|收多少|点数)|\btaiex\b.{0,12}\b(?:level|now|value)\b"
    r"|股票(?:今天|昨天|今日|昨日|最近|近期|本周|上周)?涨跌(?!幅)"
    # "大盤今天", "加權指數今天", "今天台股", "TAIEX today": a day named beside the market alone
    # ("台股昨天收盤", "台股收盤", "how did the market close?": the day's close of the stored companies)
    r"|^\s*(?:台股|股市|大盘|加权指数|加权|盘势)(?:的)?\s*(?:今天|今日|昨天|昨日|本周|这周|上周)?\s*"
    r"(?:呢|的?(?:走势|行情)|(?:的)?收盘(?:情况|结果)?(?:如何|怎么样)?)?\s*[?？!！。]*\s*$"
    r"|^\s*(?:今天|今日|昨天|昨日|本周|这周|上周)(?:的)?\s*(?:台股|股市|大盘|加权指数|盘势)\s*(?:呢|走势|行情|收盘)?\s*[?？!！。]*\s*$"
    r"|^\s*(?:the\s+)?taiex\s+(?:today|yesterday|this week|last week)\s*[?!.]*\s*$"
    r"|\b(?:stock )?market close (?:today|yesterday)\b"
    # "how many stocks rose on 2025-04-10?", "上漲家數": the breadth
    r"|\bhow many (?:stocks|companies|shares|names)\b.{0,20}\b(?:rose|fell|gained|declined|dropped|were up|were down|went up|went down|advanced)\b"
    r"|\b(?:advancers?|decliners?)\b.{0,10}\b(?:and|vs\.?|versus)\b.{0,10}\b(?:advancers?|decliners?)\b|\bmarket breadth\b"
    r"|(?:上涨|下跌|涨跌|平盘)家数|(?:几|多少)家(?:上涨|下跌|涨|跌)"
)
_HOW_DID = re.compile(r"\bhow (?:did|have|are|were|has|is)\b.{0,40}\b(?:do|done|doing|perform|performed|performing|fare|fared)\b"
                      # "semiconductor stocks performance in April 2025", "chip stocks returns this year"
                      r"|\b(?:stocks?|shares|sector|industry)\s+(?:performance|returns?|moves?)\b"
                      r"|表现|怎么样|如何|涨跌")
# "give me a quick rundown of Taiwan semis", "半導體類股概況": the industry's market summary (not its news)
_RUNDOWN = re.compile(r"\b(?:rundown|run-down|overview|snapshot|recap|summary|round-?up|wrap)\b|概况|总览|总结|摘要")
MARKET_TOP = 3  # a market summary names the three best and the three worst


def is_market_question(message: str) -> bool:
    """Whether ``message`` asks how the market did: answered with the breadth of the stored
    companies (advancing, declining, the median change, the ends), since no index is stored."""
    if not message:
        return False
    s = re.sub(r"[（）]", " ", unquoted(message))  # "台股（昨天）": a follow-up with the span carried in
    if NOT_A_FACT.search(s):
        return False
    # "How did Taiwan semis do in April?", "半導體股4月表現如何": an industry's market summary.
    # "半導體股跟大盤比": that summary beside the whole store's.
    return bool(_MARKET.search(s)) or (industry_named(s) is not None
                                       and bool(_HOW_DID.search(s) or asks_vs_market(message)
                                                or (_RUNDOWN.search(s) and not _NEWS_COUNT.search(s))
                                                or _group_and_span_alone(s)))


# What may stand beside a group and a span with nothing else asked ("tech stocks this year",
# "半導體股上個月", "Taiwan semiconductor stocks in April 2025"): on Simplified, lower-cased text.
_GROUP_FILLER = re.compile(r"\b(?:taiwan(?:ese)?|tw|the|in|of|for|during|over|from|to|and|so far|performance|stocks?|shares)\b"
                           r"|台股|台湾|类股|股票|股|的|表现|[?？!！.。,，\s]")


def _group_and_span_alone(s: str) -> bool:
    """Whether ``s`` names an industry (or group) and a span, and nothing else: the group's market
    summary over that span, as "2330 last month" is the company's prices (it had searched the news)."""
    from .periods import parse_period, strip_spans

    group = industry_named(s)
    if group is None or parse_period(s, date.today()).kind not in ("day", "range", "trailing"):
        return False
    rest = re.sub(group.pattern, " ", strip_spans(s))
    return not _GROUP_FILLER.sub("", rest)


def is_ranking_question(message: str) -> bool:
    """Whether ``message`` asks which stored companies moved (or traded) the most over a period."""
    if not message:
        return False
    s = unquoted(message)
    if NOT_A_FACT.search(s):  # why, or the future: news or the forecaster answer those
        return False
    if (_NEWS_COUNT.search(s) or COMPANY_TOPIC.search(s)) and not re.search(rf"\b{_EN_MOVE}\b|\bvolume\b|涨|跌|成交|股价", s):
        return False  # "which stocks have the most news?", "best dividend stocks": not a price ranking
    return bool(_RANKING.search(s)) or is_market_question(message)


_FUTURE_RANKING = re.compile(
    r"\b(?:which|what)\b.{0,40}\b(?:stocks?|shares|companies|sectors?|industr(?:y|ies))\b.{0,40}"
    r"\b(?:will|going to|gonna|likely to|next|tomorrow|upcoming)\b"
    r"|\b(?:best|top)\s+(?:\d+\s+)?stocks?\s+(?:for|to buy|to watch)\b.{0,30}\b(?:next|tomorrow|this week|this month)\b"
    r"|哪(?:一)?(?:档|支|只|家|些|个)?(?:股票?|个股|公司|类股)?.{0,12}(?:会|将|明天|下周|下个月|未来).{0,10}(?:涨|跌|表现)"
    r"|(?:明天|下周|下个月|未来).{0,10}(?:涨幅|会涨|会跌).{0,6}(?:最|前)"
    # "which stock has the highest P(rise)?", "上漲機率最高的股票"
    r"|\b(?:which|what)\b.{0,40}\b(?:highest|lowest|best|biggest)\s+(?:p\s*\(\s*rise\s*\)|probability of (?:a )?ris\w*|odds)"
    r"|(?:上涨机率|上涨概率|上涨机会).{0,4}(?:最高|最大)"
    # "forecast the top 3 stocks", "predict the best stocks", "預測前三名的股票": the forecaster over a ranking
    r"|\b(?:forecast|predict)\s+(?:the\s+)?(?:top|best|worst)\b(?:\s+\d+)?\s+(?:stocks?|shares|companies|performers)\b"
    r"|(?:预测|预估)(?:一下)?(?:前\s*\d+|前[一二三四五十]|最好|最强)(?:名|档)?的?(?:股票?|个股|公司)"
)


_PICKS = re.compile(
    r"\b(?:what|which)\b.{0,20}\b(?:stocks?|shares|companies|tickers)\b.{0,20}\b(?:should|to|would you|do you|can i)\b.{0,12}"
    r"\b(?:buy|invest|pick|recommend|own|hold)\b"
    r"|\b(?:best|good|top|hot|great|safe)\s+(?:\w+\s+)?(?:stocks?|shares)\s+(?:to|for)\s+(?:buy|invest|own|hold|watch)\b"
    # "what's a good stock for a beginner?", "a safe stock for retirees", "新手適合買什麼股票"
    r"|\b(?:a|the|any)\s+(?:good|best|safe|great|solid)\s+(?:stocks?|etfs?|shares?)\s+for\s+(?:a\s+)?"
    r"(?:beginners?|newbies?|novices?|new investors?|retirees?|students?|me|long[- ]term|the long run|dividends?|income)\b"
    r"|(?:新手|小白|初学者|学生|退休).{0,8}(?:适合|可以|该)?(?:买|投资|存)(?:什么|哪)"
    r"|\brecommend\w*\b.{0,20}\b(?:stocks?|shares)\b|\bstock (?:picks?|tips?|recommendations?|ideas?)\b"
    r"|\bwhat (?:should|do|can) i (?:buy|invest in)\b"
    # "I have 1 million NTD, how should I allocate it?", "100萬要怎麼配置": an allocation is a pick too
    # (a company named is asked of it: the facade checks this with no company only)
    r"|\bhow (?:should|do|can|would you) (?:i )?(?:allocate|invest|split|spread|diversify)\b"
    r"|\ballocat\w*\b.{0,30}\b(?:money|portfolio|million|funds?|savings|cash)\b|(?:怎么|如何|要怎么)(?:配置|分配|投资)|资产配置"
    r"|推荐.{0,6}(?:股|个股)|(?:买|投资)(?:什么|哪)(?:个|支|只|档|些)?(?:股|股票)"
    r"|(?:什么|哪)(?:个|支|只|档|些)?(?:股票?|个股).{0,6}(?:值得买|可以买|好买|该买|推荐|能买)|明牌"
    # "給我一支飆股", "報明牌", "有什麼好股票", "give me a hot stock", "any stock tips?"
    r"|(?:给|报|介绍)我?(?:一|几|两|三)?(?:支|只|档|个)?(?:飙股|好股|潜力股|妖股|强势股|股票|个股)|飙股|潜力股"
    r"|有(?:什么|没有|哪些)(?:好|值得买的?)(?:股票?|个股)"
    # "我想存股，該買什麼", "存股買哪支", "what should I buy for dividends?": picks for holding
    r"|(?:该|要|可以|能)(?:买|存)(?:什么|哪[个支只档些]?)|存股(?:要|该)?(?:买|选)(?:什么|哪)"
    r"|\b(?:give|tell|show)\s+me\s+(?:a|some|one|your)\s+(?:hot\s+|good\s+|great\s+|winning\s+)?(?:stocks?|stock picks?|tips?)\b(?!\s*(?:charts?|prices?|quotes?|data|codes?|lists?))"
    r"|\b(?:any|got any|hot)\s+stock\s+(?:tips?|picks?)\b"
    # "which ETF is the best?", "what's the best stock?" (no span, no "performing": a pick, not a ranking)
    r"|\b(?:which|what)(?:'s| is)?\s+(?:the\s+)?(?:best|top)\s+(?:stock|etf|share|company)\s*[?？!.]*\s*$"
    r"|\bwhich\s+(?:stock|etf|share|company)\s+is\s+(?:the\s+)?(?:best|better)\s*[?？!.]*\s*$"
    r"|(?:哪|什么)(?:一)?(?:档|支|只|个)?\s*(?:etf|股票|个股)\s*(?:最好|最值得买|最推荐|最值得)\s*[?？!！。]*\s*$"
)


def asks_for_picks(message: str) -> bool:
    """"What stock should I buy?", "推薦股票": a request for picks, which finqa does not give (its
    forecasts do not reliably beat trivial baselines); the answer says so and what it can show."""
    return bool(message) and bool(_PICKS.search(to_simplified(message).lower()))


def asks_future_ranking(message: str) -> bool:
    """"Which stocks will rise the most next week?": a ranking of the future, which finqa does not
    give (its forecaster calls one company at a time, about as well as a coin; see the router)."""
    return bool(message) and bool(_FUTURE_RANKING.search(to_simplified(message).lower()))


def wants_ranking(message: str, codes: list[str]) -> bool:
    """A ranking over the store (no company named) or over the companies named (two or more).
    One company named ("did TSMC rise the most in April?") is that company's price question;
    "did 2330 outperform 2454?" ranks the two, while "can AI stocks outperform?" is no ranking."""
    named = len(set(codes))
    s = to_simplified(message).lower()
    # "did 2330 outperform 2454?", "which has better momentum, 2330 or 2454?": the companies named, ranked
    if named >= 2 and (_VERSUS.search(s) or _MOMENTUM.search(s)) and not NOT_A_FACT.search(message.lower()):
        return True
    return named != 1 and is_ranking_question(message)


# "which of them fell the most?", "其中哪檔最強": a ranking of the companies and period just ranked.
_OF_THEM = re.compile(r"\b(?:of|among|between) (?:them|these|those|this group|the group)\b|\bof the (?:above|list)\b"
                      r"|其中|这些|这几(?:档|支|家|个)|里面|当中|之中")


# The words that say what a ranking lists: which end, volume, the events of a period.
_RANKED_BY = (_UP, _DOWN, _VOLUME, _BOTH, *dict(_EVENTS).values())


def changes_kind(message: str) -> bool:
    """Whether a follow-up names what to rank ("and the losers?", "what about volume?")."""
    own = unquoted(message)
    return any(rx.search(own) for rx in (*_RANKED_BY, _SECTORS))


def without_kind(message: str) -> str:
    """``message`` (simplified, lower-cased) without the words that say what it ranks: what is
    left of "which stock rose the most in April 2025" once "and the losers?" has replaced them."""
    s = unquoted(message)
    for rx in (*_RANKED_BY, _TURNOVER):  # "which sector ..." stays by sector
        s = rx.sub(" ", s)
    return re.sub(r"\s{2,}", " ", s).strip()


# "Top 3 losers in April 2025 and why", "上個月跌最多的股票和原因": the ranking, and how to ask why
_AND_WHY = re.compile(r"\s*[,，]?\s*(?:and|&)\s+(?:why|the reasons?)\s*[?？!.]*\s*$"
                      r"|\s*[,，]?\s*(?:以及|和|跟|还有)?\s*(?:为什么|為什麼|原因|為何|为何)(?:是什么|是什麼)?\s*[?？!！。]*\s*$")


def ranking_without_why(message: str) -> str | None:
    """``message`` without a trailing "and why" when what is left is a ranking ("top 3 losers in
    April 2025 and why"); ``None`` otherwise. The ranking is from the store; the reasons are the
    news of each company, asked of one at a time ("why did the worst one fall?")."""
    m = _AND_WHY.search(message or "")
    if m is None or m.start() == 0:
        return None
    from ingest.companies import get_directory

    rest = message[: m.start()]
    if get_directory().find_in_text(rest):  # "TSMC's highest volume day in April and why": that company's news
        return None
    return rest if is_ranking_question(rest) else None


def why_ranking_notice(zh: bool) -> str:
    return ("排名直接取自股價資料庫；原因要看各家公司的新聞：可以接著問「第一名為什麼跌」或「為什麼 2330 在那段期間下跌」，"
            "finqa 會引用那幾天前後的新聞。" if zh else
            "The ranking is read from the store; the reasons are in each company's news: ask next \"why did the top "
            "one fall?\" (or name the company), and finqa quotes the news of the days around the move.")


def refers_back(message: str) -> bool:
    """Whether a ranking question points at the ranking before it ("which of them ...?")."""
    return bool(_OF_THEM.search(unquoted(message)))


def applies(req: EngineRequest) -> bool:
    """Whether :func:`movers_answer` answers ``req``: a ranking question, or a follow-up of one
    that names no company ("and last week?")."""
    codes = [c for c in [req.code, *req.codes] if c]
    if wants_ranking(req.message, codes):
        return True
    return bool(req.follows_price_question and not codes and is_ranking_question(req.follows_price_question))


@dataclass
class Ranked:
    """One company's line in a ranking."""

    code: str
    change: float | None  # last close / close before the period - 1
    volume: float | None  # shares traded over the period
    turnover: float | None  # value traded over the period (NT$ for TWSE/TPEx)
    first_close: float | None  # the close the change is measured from
    last_close: float
    last_date: date
    # The days of the period whose close was the limit-up / limit-down price (ingest.limits), or
    # above / below every close of the HIGH_LOOKBACK sessions before: {"limit_up": [...], ...}.
    event_days: dict[str, list[date]] = field(default_factory=dict)

    def to_json(self, label: str) -> dict[str, Any]:
        out = {"code": self.code, "name": label, "change": self.change, "volume": self.volume,
               "turnover": self.turnover,
               "from_close": self.first_close, "close": self.last_close, "date": self.last_date.isoformat()}
        for kind, days in self.event_days.items():
            if days:
                out[f"{kind}_days"] = [d.isoformat() for d in days]
        return out


def top_n(s: str) -> int:
    """The N of "top 10", "前三名"; the default five without one."""
    m = _TOP_N.search(s)
    if not m:
        return DEFAULT_TOP
    text = next(g for g in m.groups() if g)
    n = int(text) if text.isdigit() else (_EN_NUMBERS.get(text) or zh_number(text) or DEFAULT_TOP)
    return max(1, min(MAX_TOP, n))


# "fell more than 10%", "rose at least 5%", "漲幅超過5%", "跌了10%以上": every company beyond the
# threshold, not the top N. (up, more-than, percent); on Simplified, lower-cased text.
_THRESHOLD = re.compile(
    r"\b(?P<verb>rose|gained|up|jumped|climbed|rallied|fell|dropped|down|lost|declined|sank)\b\s*(?:by\s+)?"
    r"(?P<cmp>more than|over|at least|above|less than|under|below|no more than)\s*(?P<pct>\d+(?:\.\d+)?)\s*%"
    r"|(?P<zverb>涨|跌)(?:幅|了)?\s*(?P<zcmp>超过|逾|大于|高于|至少|不到|小于|低于)?\s*(?P<zpct>\d+(?:\.\d+)?)\s*%\s*(?P<zafter>以上|以下)?")


def threshold(s: str) -> tuple[bool, str, float] | None:
    """(a rise?, the comparison ">", ">=", "<" or "<=", the fraction) of "fell more than 10%";
    ``None`` without one."""
    m = _THRESHOLD.search(s)
    if m is None:
        return None
    if m.group("verb"):
        up = m.group("verb") in ("rose", "gained", "up", "jumped", "climbed", "rallied")
        op = {"more than": ">", "over": ">", "above": ">", "at least": ">=", "less than": "<", "under": "<",
              "below": "<", "no more than": "<="}[m.group("cmp")]
        return up, op, float(m.group("pct")) / 100
    up = m.group("zverb") == "涨"
    cmp, after = m.group("zcmp") or "", m.group("zafter") or ""
    op = "<" if cmp in ("不到", "小于", "低于") else "<=" if after == "以下" else ">=" if cmp == "至少" or after == "以上" \
        else ">"
    return up, op, float(m.group("zpct")) / 100


_OP_WORDS = {">": ("超過", "more than"), ">=": ("至少", "at least"), "<": ("不到", "less than"), "<=": ("至多", "at most")}


def _kinds(s: str) -> list[str]:
    """Which lists to show: ``gainers``, ``losers`` and/or ``volume``, in that order; or the
    days of an event (``limit_up``, ``limit_down``, ``new_high``, ``new_low``) when one is asked."""
    s = re.sub(r"\btop\s+(?=(?:\d{1,2}\s+)?(?:losers?|decliners?|fallers?)\b)", " ", s)  # "top 3 losers" are losers
    events = [k for k, rx in _EVENTS if rx.search(s)]
    if events:
        return events
    if _VOLUME.search(s) and not re.search(r"\b(?:rose|fell|gain\w*|los\w*)\b|涨|跌", s):
        return ["turnover"] if _TURNOVER.search(s) else ["volume"]
    up, down = bool(_UP.search(s)), bool(_DOWN.search(s))
    if _BOTH.search(s) or up == down:
        return ["gainers", "losers"]
    return ["gainers"] if up else ["losers"]


def ranked_side(question: str) -> str:
    """Which end of a ranking ``question`` put first: ``"bottom"`` when it asked for the losers
    only ("which stock fell the most?"), else ``"top"``; what a bare "why?" after it asks about."""
    return "bottom" if _kinds(unquoted(question)) == ["losers"] else "top"


def _sessions_window(dates: pd.DatetimeIndex, period: Period, visible: date) -> tuple[date, date] | None:
    """The first and last trading day of the period (over the union of the stored codes' dates,
    none after ``visible``): the last N sessions for ``trailing``, the newest for ``latest``;
    ``None`` when no session falls in it."""
    days = dates[dates <= pd.Timestamp(visible)].unique().sort_values()
    if period.kind in ("day", "range"):
        assert period.start is not None and period.end is not None
        days = days[(days >= pd.Timestamp(period.start)) & (days <= pd.Timestamp(period.end))]
    if len(days) == 0:
        return None
    if period.kind == "latest":
        return days[-1].date(), days[-1].date()
    if period.kind == "trailing":
        return days[-min(period.sessions or 1, len(days))].date(), days[-1].date()
    return days[0].date(), days[-1].date()


def rank(bars: pd.DataFrame, period: Period, *, visible: date) -> tuple[list[Ranked], dict[str, Any]]:
    """Every company's change and volume over ``period`` in ``bars`` (``Store.all_bars`` rows),
    reading nothing after ``visible``. Also says what was left out and which days were read."""
    bars = bars[bars["date"] <= pd.Timestamp(visible)]
    info: dict[str, Any] = {"universe": int(bars["code"].nunique()), "no_base": [], "window": None, "sessions": 0}
    if bars.empty:
        return [], info
    window = _sessions_window(pd.DatetimeIndex(bars["date"]), period, visible)
    if window is None:
        return [], info
    start, end = window
    in_window = (bars["date"] >= pd.Timestamp(start)) & (bars["date"] <= pd.Timestamp(end))
    info["window"] = window
    info["sessions"] = int(bars.loc[in_window, "date"].nunique())
    info["no_bars"] = sorted(set(bars["code"].astype(str)) - set(bars.loc[in_window, "code"].astype(str)))
    out: list[Ranked] = []
    for code, g in bars.groupby("code", sort=True):
        inside = g[in_window.loc[g.index]]
        if inside.empty:
            continue
        before = g[g["date"] < pd.Timestamp(start)]
        base = float(before["close"].iloc[-1]) if len(before) else None
        if base is None:
            info["no_base"].append(str(code))
        last = inside.iloc[-1]
        volume = inside["volume"].dropna()
        turnover = inside["turnover"].dropna() if "turnover" in inside.columns else pd.Series(dtype=float)
        out.append(Ranked(code=str(code), change=(float(last["close"]) / base - 1) if base else None,
                          volume=float(volume.sum()) if len(volume) else None, first_close=base,
                          turnover=float(turnover.sum()) if len(turnover) else None,
                          last_close=float(last["close"]), last_date=pd.Timestamp(last["date"]).date(),
                          event_days=_event_days(str(code), g, inside.index)))
    return out, info


# "2330 成交量排名", "台積電漲幅排第幾", "where does 2330 rank by volume?": one company's place among the
# stored companies (on Simplified, lower-cased text).
_RANK_OF = re.compile(r"\brank(?:ed|s|ing)?\b|\bwhat place\b|排名|排第几|第几名|排行第几|排在第几")
_BY_VOLUME = re.compile(r"\bvolume\b|成交量|量")
# measures this ranking does not compute (volatility, an indicator, sentiment): not answered here
_NOT_RANKED_HERE = re.compile(r"volatil|drawdown|\brisk|\bbeta\b|\brsi\b|\bkd\b|\bmacd\b|sentiment|波动|回撤|风险|情绪")
_BY_VALUE = re.compile(r"\bturnover\b|\bvalue traded\b|成交值|成交金额|成交额")


def company_rank_answer(req: EngineRequest, store: Any, *, today: date | None = None) -> Answer | None:
    """Where the one company ``req`` names ranks among the stored Taiwan companies by its change,
    volume or value traded over the span asked (the latest session without one); ``None`` when
    ``req`` asks no such thing. Point in time, like every ranking."""
    codes = list(dict.fromkeys(c for c in [req.code, *req.codes] if c))
    s = unquoted(req.message)
    if len(codes) != 1 or not _RANK_OF.search(s) or NOT_A_FACT.search(s) or _NOT_RANKED_HERE.search(s):
        return None
    code = codes[0]
    zh = answers_zh(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    period = parse_period(req.message, ref)
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=list(req.notices), code=code, answer=no_such_day(period, zh))
    visible = visible_day(ref, req.as_of)
    everything = store.all_bars()
    universe = [str(c) for c in everything["code"].unique() if is_taiwan(str(c)) or str(c) == code]
    rows, info = rank(everything[everything["code"].isin(universe)], period, visible=visible)
    key, unit = (("turnover", "value") if _BY_VALUE.search(s) else ("volume", "volume") if _BY_VOLUME.search(s)
                 else ("change", "change"))
    scored = sorted((r for r in rows if getattr(r, key) is not None), key=lambda r: -float(getattr(r, key)))
    mine = next((i for i, r in enumerate(scored, 1) if r.code == code), None)
    label = company_label(code, company_of(code), zh)
    if mine is None or info["window"] is None:
        return Answer(route="qa", engine=ENGINE, notices=list(req.notices), code=code, answer=(
            f"{label} 在這段期間沒有可排名的股價（`finqa ingest prices {code}`）。" if zh else
            f"{label} has no prices to rank in that span (`finqa ingest prices {code}`)."))
    start, end = info["window"]
    span = start.isoformat() if start == end else (f"{start.isoformat()} 至 {end.isoformat()}" if zh else
                                                    f"{start.isoformat()} to {end.isoformat()}")

    def value(r: Ranked) -> str:
        v = float(getattr(r, key))
        if key == "change":
            return f"{v:+.2%}"
        if key == "volume":
            return f"{v / SHARES_PER_LOT:,.0f} 張" if zh else f"{v:,.0f} shares"
        return f"NT${v:,.0f}"

    what_zh, what_en = {"change": ("漲跌幅", "change"), "volume": ("成交量", "volume"), "value": ("成交值", "value traded")}[unit]
    me = scored[mine - 1]
    top = "、".join(f"第 {i} 名 {company_label(r.code, company_of(r.code), True)}（{value(r)}）"
                   for i, r in enumerate(scored[:3], 1)) if zh else "; ".join(
        f"#{i} {company_label(r.code, company_of(r.code), False)} ({value(r)})" for i, r in enumerate(scored[:3], 1))
    if zh:
        text = (f"**{label}** {span} 的{what_zh}在資料庫 {len(scored)} 家有股價的公司中排第 **{mine}** 名（{value(me)}）。"
                f"前三名：{top}。")
    else:
        text = (f"**{label}** ranked **#{mine}** of the {len(scored)} companies with stored prices by {what_en}, {span} "
                f"({value(me)}). The top three: {top}.")
    notices = list(req.notices)
    if period.kind in ("latest", "trailing", "all") and (visible - end).days > STALE_DAYS:
        notices.append(_stale_ranking(end, visible, zh, code))
    citation = Citation(n=1, title=(f"finqa 股價資料庫：{len(scored)} 家公司 {span}" if zh else
                                    f"finqa price store: {len(scored)} companies, {span}"),
                        source="finqa store", date=end.isoformat(), url=None)
    return Answer(route="qa", engine=ENGINE, answer=text + "\n\n" + _ranking_footer(zh), citations=[citation],
                  notices=notices, code=code,
                  ranking={unit: [{**r.to_json(company_label(r.code, company_of(r.code), zh)), "rank": i}
                                  for i, r in enumerate(scored, 1) if i <= 3 or r.code == code]})


def _ranking_footer(zh: bool) -> str:
    """The line under a ranking of the store: where the figures come from, and that the stored
    companies are not the whole exchange."""
    return ("（數字直接取自 finqa 的股價資料庫，未經語言模型；只涵蓋已儲存股價的公司，不是全市場排名。） [1]" if zh else
            "(Figures straight from finqa's price store; no language model was involved. Only companies with "
            "stored prices are ranked: this is not the whole exchange.) [1]")


def _stale_ranking(end: date, visible: date, zh: bool, what: str = "CODE...") -> str:
    """A ranking read from a store whose newest prices are long before the day asked: of then, not
    of now, and the command that fetches newer prices (of ``what``)."""
    days = (visible - end).days
    return (f"資料庫最新的股價是 {end.isoformat()}（比 {visible.isoformat()} 早 {days} 天），"
            f"這是當時的排名；執行 `finqa ingest prices {what}` 取得更新資料。" if zh else
            f"The newest stored prices are from {end.isoformat()}, {days} days before {visible.isoformat()}: "
            f"this ranking is of then. `finqa ingest prices {what}` fetches newer ones.")


def _event_days(code: str, g: pd.DataFrame, inside: pd.Index) -> dict[str, list[date]]:
    """The days among ``inside`` (rows of ``g``, one code's bars oldest first, none after the
    visible day) that closed at the limit or at a new high / low of the sessions before them."""
    close = g["close"]
    prior = close.shift(1)
    # The extremes of the HIGH_LOOKBACK closes before each day (the day itself excluded).
    high = prior.rolling(HIGH_LOOKBACK, min_periods=HIGH_MIN_HISTORY).max()
    low = prior.rolling(HIGH_LOOKBACK, min_periods=HIGH_MIN_HISTORY).min()
    days: dict[str, list[date]] = {kind: [] for kind, _ in _EVENTS}
    prev_high, prev_low = g["high"].shift(1), g["low"].shift(1)
    for i in inside:
        day, c = pd.Timestamp(g.at[i, "date"]).date(), float(close[i])
        if (opened := gap(g.at[i, "open"], prev_high[i], prev_low[i])) is not None:
            days[f"gap_{opened[0]}"].append(day)
        state = limit_state(None if pd.isna(prior[i]) else float(prior[i]), c) if is_stock_code(code) else None
        if state:
            days[f"limit_{state}"].append(day)
        if not pd.isna(high[i]) and c > high[i]:
            days["new_high"].append(day)
        if not pd.isna(low[i]) and c < low[i]:
            days["new_low"].append(day)
    return days


def movers_answer(req: EngineRequest, store: Any, *, today: date | None = None,
                  market_summary: bool = False, watchlist: list[str] | None = None) -> Answer | None:
    """The ranking, or ``None`` when :func:`applies` says ``req`` is not for it.

    ``market_summary`` asks for the market summary (breadth, gainers and losers) of the period
    ``req`` names whatever its words: the news engine adds it to a question about a day.
    ``watchlist`` is what "my watchlist" ranks."""
    if not market_summary and not applies(req):
        return None
    follow_up = not market_summary and not is_ranking_question(req.message)
    # A follow-up keeps the kind of ranking it follows and takes its own period, if it names one.
    asked = req.follows_price_question if follow_up and req.follows_price_question else req.message
    zh = answers_zh(req.message)
    ref = req.as_of or today or datetime.now(TAIPEI).date()
    period = parse_period(req.message, ref)
    if period.kind == "latest" and follow_up:
        period = parse_period(asked, ref)
    # "which of them fell the most?" after "how did tech stocks do in March?": its period and industry
    context = (req.follows_price_question if not follow_up and req.follows_price_question and refers_back(req.message)
               and is_ranking_question(req.follows_price_question) else None)
    if period.kind == "latest" and context:
        period = parse_period(context, ref)
    elif (period.kind == "latest" and not follow_up and req.follows_price_question
          and len({c for c in [req.code, *req.codes] if c}) > 1
          and parse_period(req.follows_price_question, ref).kind in ("day", "range", "trailing")):
        # "which one did better?" after "TSMC vs MediaTek in April 2025": the two ranked over April
        period = parse_period(req.follows_price_question, ref)
    notices = list(req.notices)
    now_only = period.label == "today" and not re.search(r"\btoday\b|今天|今日", unquoted(req.message))
    if ((period.kind == "latest" or now_only)  # "best momentum right now", "目前動能最強": a month of sessions
            and (_MOMENTUM.search(unquoted(asked)) or _MOMENTUM.search(unquoted(req.message)))):
        period, said = momentum_period(zh)
        notices.append(said)
    if period.kind == "latest" and (m := _BEST_SPAN.search(unquoted(asked))) is not None:
        # "which stock had the best week?": the last week (month) of sessions, not the newest day
        n = 5 if m.group(1) in ("week", "周") else 21
        period = Period("trailing", sessions=n, label=f"the last {n} sessions")
        notices.append(f"「{m.group(0)}」以最近 {n} 個交易日計算。" if zh else
                       f"“{m.group(0)}” is read as the last {n} trading sessions.")
    if (period.kind == "trailing" and _FIFTY_TWO_WEEKS.search(unquoted(asked))
            and set(_kinds(unquoted(asked))) & {"new_high", "new_low"}):
        # "which stocks hit 52-week highs?": the 52 weeks are what a new high tops (HIGH_LOOKBACK),
        # not the span to list them over (it had listed every new high of the year): the recent ones
        period = parse_period("最近" if zh else "recently", ref)
    if period.label == "today":
        period = Period("latest", label="today")
    elif period.label == "yesterday" and _stale_before(store, period.start):
        period = Period("latest", label="yesterday")  # a stale store's latest session, said so below
    if period.kind == "invalid":
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=no_such_day(period, zh))
    visible = visible_day(ref, req.as_of)
    named = list(dict.fromkeys(c for c in [req.code, *req.codes] if c))
    s = unquoted(asked)
    if not named and watchlist and WATCHLIST.search(s):
        named = list(dict.fromkeys(watchlist))
        notices.append(watchlist_notice(named, zh))
    # A follow-up may change what is ranked ("and the losers?", "what about volume?").
    own = unquoted(req.message)
    if follow_up and changes_kind(req.message):
        s = own
    everything = store.all_bars()
    # The universe is Taiwan's listed companies: US symbols imported for the ACL18 evaluation share
    # the store but are no answer to "which stock rose the most" here (unless named).
    codes = [str(c) for c in everything["code"].unique()]  # looked up once each, not once a row
    frame = everything[everything["code"].isin(named or [c for c in codes if is_taiwan(c)])]
    # The industry named now, else the one of the ranking followed ("and the gainers?" after "chip
    # stocks that fell the most" ranks chip stocks still).
    industry = None if named else next((i for i in (industry_named(x) for x in (s, unquoted(asked), unquoted(context or "")))
                                        if i is not None), None)
    if industry is not None:  # "semiconductor stocks that fell the most": that industry's companies
        frame = frame[frame["code"].isin([c for c in codes if industry.covers(company_of(c))])]
        if frame.empty:
            held = sorted({i for c in codes if is_taiwan(c) and (i := _industry_of(c))})
            return Answer(route="qa", engine=ENGINE, notices=notices, answer=(
                f"資料庫裡沒有任何{industry.name_zh}公司的股價（有股價的產業：{'、'.join(held) or '無'}）。" if zh else
                f"The store holds no prices of any {industry.name_en} ({industry.name_zh}) company (industries with "
                f"prices: {', '.join(english_name(h) or h for h in held) or 'none'})."))
    by_sector = industry is None and not named and bool(_SECTORS.search(s))
    rows, info = rank(frame, period, visible=visible)
    if len(named) > 1 and frame.empty and not market_summary:
        # "廣達跟緯創哪個漲比較多" with none of them stored: nothing to compare, and the command that fetches them
        labels = ("、" if zh else ", ").join(company_label(c, company_of(c), zh) for c in named)
        fetch = f"`finqa ingest prices {' '.join(named)}`"
        return Answer(route="qa", engine=ENGINE, notices=notices, answer=(
            f"資料庫沒有 {labels} 的股價，無法比較：執行 {fetch} 取得股價後再問。" if zh else
            f"The store holds no prices for {labels}, so there is nothing to compare: run {fetch}, then ask again."))
    if len(named) > 1 and len(rows) == 1 and not market_summary:
        return None  # "2330 vs 2303, which did better?" with one of them stored: that one's facts, not a ranking of one
    # none of them has prices in the span ("今年" on a store that ends last year): said below, with what it covers
    if not rows:
        return Answer(route="qa", engine=ENGINE, notices=notices,
                      answer=_nothing_text(frame, period, visible, zh, named))
    start, end = info["window"]
    if req.as_of is not None and period.end is not None and period.end > visible:
        notices.append(f"{period_label(period, zh)} 不早於查詢基準日 {req.as_of.isoformat()}，只計入基準日之前的資料。" if zh else
                       f"{period_label(period, zh)} is not before the as-of date {req.as_of.isoformat()}: only bars before it count.")
    if period.kind in ("latest", "trailing", "all") and (visible - end).days > STALE_DAYS:
        notices.append(_stale_ranking(end, visible, zh))  # "top gainers" from a store a year old
    if period.kind == "trailing" and info["sessions"] < (period.sessions or 1):
        notices.append(f"資料庫只有 {info['sessions']} 個交易日的資料，少於所問的 {period.sessions} 個。" if zh else
                       f"The store holds only {info['sessions']} of the {period.sessions} trading days asked about.")
    labels = {r.code: company_label(r.code, company_of(r.code), zh) for r in rows}
    # "how many stocks are up this year?": the breadth is the answer, so the market summary
    market = market_summary or (not named and (is_market_question(asked) or bool(_HOW_MANY_UP.search(s))))
    n = MARKET_TOP if market and not _TOP_N.search(s) else top_n(s)
    lists: dict[str, list[Ranked]] = {}
    sectors = _sector_rows(rows, worst_first=bool(_DOWN.search(s)) and not _UP.search(s)) if by_sector else []
    kinds = [] if by_sector else (["gainers", "losers"] if market else _kinds(s))
    if kinds == ["gainers", "losers"] and sum(r.change is not None for r in rows) <= n:
        kinds = ["all"]  # both ends of a short list are the same companies: one list, best first
    elif kinds == ["gainers", "losers"] and not market and _EVERY_STOCK.search(s):
        kinds, n = ["all"], len(rows)  # "the 5-day return for all stocks": every one, best first
    cut = threshold(s) if not by_sector and not market else None
    cut_empty: str | None = None  # what an empty threshold list says
    if cut is not None:  # "fell more than 10%": every company beyond it, the largest move first
        up, op, size = cut
        kind = "gainers" if up else "losers"
        moved = [r for r in rows if r.change is not None and (r.change if up else -r.change) >= 0]
        # rounded: 145 → 130.50 is -10.00%, a limit-down move "of 10%", not -9.99999999%
        test = {">": lambda x: x > size, ">=": lambda x: x >= size, "<": lambda x: x < size, "<=": lambda x: x <= size}[op]
        hit = [r for r in moved if test(round(abs(r.change or 0.0), 6))]
        lists[kind] = sorted(hit, key=lambda r: -abs(r.change or 0.0))
        kinds = []
        word_zh, word_en = _OP_WORDS[op]
        words = (f"{'漲' if up else '跌'}幅{word_zh} {size:.0%}" if zh else f"{'rose' if up else 'fell'} {word_en} {size:.0%}")
        notices.append(f"列出所有{words}的公司（{len(hit)} 家），不只前幾名。" if zh else
                       f"Every company that {words} ({len(hit)}), not only the top few.")
        if not hit:  # "漲幅超過10%的股票" over one session: none, and why none can be
            one_day = (period.start is not None and period.start == period.end) or info.get("sessions") == 1
            cut_empty = ((f"（沒有一家{words}" + ("；單日漲跌幅限制為 10%，一個交易日內不可能超過" if one_day and size >= 0.1 and op == ">"
                                                 else "") + "）") if zh else
                         (f"(none {words}" + ("; the daily limit is 10%, so no stock can move more in one session"
                                              if one_day and size >= 0.1 and op == ">" else "") + ")"))
    for kind in kinds:
        if kind in dict(_EVENTS):
            hit = [r for r in rows if r.event_days.get(kind)]
            # Every company with the event, not the top N: "which stocks hit limit down" asks for all.
            lists[kind] = sorted(hit, key=lambda r: (-len(r.event_days[kind]), r.code))
        elif kind in ("volume", "turnover"):
            lists[kind] = sorted((r for r in rows if getattr(r, kind) is not None), key=lambda r: -(getattr(r, kind) or 0.0))[:n]
        else:
            sign = 1.0 if kind == "losers" else -1.0
            lists[kind] = sorted((r for r in rows if r.change is not None), key=lambda r: sign * (r.change or 0.0))[:n]
    measured = by_sector or any(k in ("gainers", "losers", "all") for k in lists)
    parts = [_header(period, start, end, info["sessions"], len(rows), bool(named), measured, zh, industry)]
    if market:
        parts.append(_breadth_text(rows, zh))
        if industry is not None and asks_vs_market(asked):  # "半導體股跟大盤比": the whole store beside the group
            whole, _ = rank(everything[everything["code"].isin([c for c in codes if is_taiwan(c)])], period, visible=visible)
            parts.append(_against_store(rows, whole, industry, zh))
    parts.extend(_list_text(kind, ranked, labels, zh, empty=cut_empty) for kind, ranked in lists.items())
    if by_sector:
        parts.append(_sector_text(sectors, labels, zh))
    missing = list(dict.fromkeys([c for c in named if c not in labels] + info["no_bars"]))
    if missing:
        notices.append(f"{len(missing)} 家公司在這段期間沒有股價，未列入：{'、'.join(missing[:8])}{'…' if len(missing) > 8 else ''}。"
                       if zh else f"Not ranked, no prices in the period: {', '.join(missing[:8])}"
                       f"{'…' if len(missing) > 8 else ''}.")
    stale = [r for r in rows if r.last_date < end]
    if stale:
        names = ("、" if zh else ", ").join(labels[r.code] for r in stale[:5]) + ("…" if len(stale) > 5 else "")
        notices.append(f"{len(stale)} 家公司在 {end.isoformat()} 沒有股價，以其最後一筆收盤計算：{names}。" if zh else
                       f"{len(stale)} compan{'y has' if len(stale) == 1 else 'ies have'} no bar on {end.isoformat()} "
                       f"and count with their last close before it: {names}.")
    if info["no_base"] and measured:
        left = info["no_base"]
        notices.append(f"{len(left)} 家公司在期間開始前沒有收盤價，不列入漲跌排名：{'、'.join(left[:5])}。" if zh else
                       f"Left out of the change ranking: {len(left)} compan{'y' if len(left) == 1 else 'ies'} with no "
                       f"close before the period to measure from ({', '.join(left[:5])}).")
    if named:  # the companies asked about are the whole universe: nothing to warn about
        parts.append(store_footer(zh) + " [1]")
    else:
        parts.append(_ranking_footer(zh))
    leaders = list(dict.fromkeys([*(row["best"].code for row in sectors),
                                  *(r.code for ranked in lists.values() for r in ranked[:CHART_CODES])]))[:CHART_CODES]
    window = frame[(frame["date"] >= pd.Timestamp(start)) & (frame["date"] <= pd.Timestamp(end))]
    bars = [bar_of(code, row["date"], row) for code in leaders for _, row in window[window["code"] == code].iterrows()]
    span = start.isoformat() + ("" if start == end else ("–" if zh else " to ") + end.isoformat())
    citation = Citation(n=1, title=(f"finqa 股價資料庫：{len(rows)} 家公司日成交資料 {span}" if zh else
                                    f"finqa price store: daily prices of {len(rows)} companies, {span}"),
                        source=source_name(bars) or _sources(window), date=end.isoformat(), url=None)
    ranking = {kind: [r.to_json(labels[r.code]) for r in ranked] for kind, ranked in lists.items()}
    if by_sector:
        ranking["sectors"] = [{"industry": row["industry"], "name": english_name(row["industry"]),
                               "change": row["change"], "companies": [r.code for r in row["members"]],
                               "best": row["best"].code} for row in sectors]
    return Answer(route="qa", engine=ENGINE, answer="\n\n".join(parts), citations=[citation],
                  notices=notices, code=None, bars=bars, ranking=ranking)


def _stale_before(store: Any, day: date) -> bool:
    """Whether the store's newest bar is more than :data:`STALE_DAYS` before ``day``."""
    last = store.newest_bar_date()
    return last is not None and (day - last).days > STALE_DAYS


def _sources(window: pd.DataFrame) -> str:
    """Where the period's bars came from (TWSE, TPEx, an imported file), for the citation."""
    names = {"twse": "TWSE", "tpex": "TPEx"}
    if "source" not in window.columns or window["source"].dropna().empty:
        return "finqa store"
    return ", ".join(dict.fromkeys(names.get(str(x).lower(), str(x)) for x in window["source"].dropna()))


def _industry_of(code: str) -> str | None:
    company = company_of(code)
    return company.industry if company is not None else None


def _sector_rows(rows: list[Ranked], *, worst_first: bool) -> list[dict[str, Any]]:
    """Industries by the equal-weighted mean change of their stored companies (those with a
    close before the period), best first (or worst first), each with its members and its best."""
    groups: dict[str, list[Ranked]] = {}
    for r in rows:
        industry = _industry_of(r.code)
        if industry and r.change is not None:
            groups.setdefault(industry, []).append(r)
    out = [{"industry": name, "change": sum(r.change or 0.0 for r in members) / len(members),
            "members": sorted(members, key=lambda r: -(r.change or 0.0)),
            "best": max(members, key=lambda r: r.change or 0.0)} for name, members in groups.items()]
    return sorted(out, key=lambda row: row["change"] if worst_first else -row["change"])


def _sector_text(sectors: list[dict[str, Any]], labels: dict[str, str], zh: bool) -> str:
    title = ("**產業平均漲跌**（各產業已儲存股價公司的等權平均）" if zh else
             "**Industries by average change** (the stored companies of each, equally weighted)")
    lines = [title]
    for i, row in enumerate(sectors, 1):
        n, best = len(row["members"]), row["best"]
        if zh:
            lines.append(f"{i}. {row['industry']} {row['change']:+.2%}：{n} 家，最佳 {labels[best.code]} {best.change:+.2%}")
        else:
            name = f"{english_name(row['industry'])} ({row['industry']})"
            lines.append(f"{i}. {name} {row['change']:+.2%}: {n} compan{'y' if n == 1 else 'ies'}, best "
                         f"{labels[best.code]} {best.change:+.2%}")
    if not sectors:
        lines.append("（沒有可比較的產業）" if zh else "(no industry to compare)")
    return "\n".join(lines) + ("\n\n（產業別依證交所分類；一個產業只有幾家公司時，平均值說明不了整個產業。）" if zh else
                               "\n\n(Industries as TWSE classifies them; with only a few stored companies an "
                               "average says little about the whole industry.)")


def _header(period: Period, start: date, end: date, sessions: int, universe: int, named: bool, measured: bool,
            zh: bool, industry: Any = None) -> str:
    span = start.isoformat() if start == end else f"{start.isoformat()}{' 至 ' if zh else ' to '}{end.isoformat()}"
    # A calendar period named in words ("last month") is named back; dates and "the last N trading
    # days" are already in the span and the count.
    asked = period_label(period, zh) if period.kind in ("day", "range") and period.label in PERIOD_LABELS_ZH else ""
    if zh:
        kind = f"{industry.name_zh}" if industry is not None else ""
        who = f"所問的 {universe} 家公司" if named else f"資料庫中有股價的 {universe} 家{kind}公司"
        return (f"**{span}**（{sessions} 個交易日" + (f"，{asked}" if asked else "") + f"），{who}"
                + ("，漲跌以期間前最後收盤為基準：" if measured else "："))
    kind = f"{industry.name_en} " if industry is not None else ""
    who = f"the {universe} companies asked about" if named else f"the {universe} {kind}companies with stored prices"
    return (f"**{span}** ({sessions} trading day{'s' if sessions != 1 else ''}" + (f"; {asked}" if asked else "")
            + f"), among {who}" + ("; changes are measured from the close before the period:" if measured else ":"))


def _against_store(group: list[Ranked], whole: list[Ranked], industry: Any, zh: bool) -> str:
    """The group's median change beside that of every stored company (the store's stand-in for
    the market, since no index is stored)."""
    def median(rows: list[Ranked]) -> float | None:
        changes = sorted(r.change for r in rows if r.change is not None)
        return float(pd.Series(changes).median()) if changes else None

    g, w = median(group), median(whole)
    if g is None or w is None:
        return ""
    n = sum(r.change is not None for r in whole)
    if zh:
        word = "贏過" if g > w else "落後" if g < w else "持平於"
        return (f"與大盤比：{industry.name_zh}漲跌幅中位數 {g:+.2%}，資料庫中全部 {n} 家公司的中位數 {w:+.2%}"
                f"（不是加權指數）：{word}大盤 {abs(g - w) * 100:.2f} 個百分點。")
    word = "better than" if g > w else "worse than" if g < w else "level with"
    return (f"Against the market: the {industry.name_en} median change {g:+.2%}, the median of all {n} stored companies "
            f"{w:+.2%} (not the TAIEX, which finqa does not store): {abs(g - w) * 100:.2f} percentage points {word} it.")


def _breadth_text(rows: list[Ranked], zh: bool) -> str:
    """How many stored companies rose, fell and stayed flat, the median and equal-weighted mean
    change, and the limit days: the market's shape when no index level is stored."""
    changes = [r.change for r in rows if r.change is not None]
    up = sum(1 for x in changes if x > 0)
    down = sum(1 for x in changes if x < 0)
    flat = len(changes) - up - down
    median = float(pd.Series(changes).median()) if changes else 0.0
    mean = float(pd.Series(changes).mean()) if changes else 0.0
    limit_up = sum(1 for r in rows if r.event_days.get("limit_up"))
    limit_down = sum(1 for r in rows if r.event_days.get("limit_down"))
    if zh:
        text = (f"上漲 {up} 家、下跌 {down} 家、平盤 {flat} 家；漲跌幅中位數 {median:+.2%}、等權平均 {mean:+.2%}"
                + (f"；期間內漲停過 {limit_up} 家、跌停過 {limit_down} 家" if limit_up or limit_down else "") + "。")
        return text + "（資料庫不儲存加權指數，這是已儲存公司的概況。）"
    text = (f"{up} rose, {down} fell, {flat} unchanged; median change {median:+.2%}, equal-weighted mean {mean:+.2%}"
            + (f"; {limit_up} closed limit up and {limit_down} limit down at least once" if limit_up or limit_down else "")
            + ".")
    return text + " (The store holds no index level such as the TAIEX: this is the shape of the stored companies.)"


def _list_text(kind: str, ranked: list[Ranked], labels: dict[str, str], zh: bool, *, empty: str | None = None) -> str:
    if kind in dict(_EVENTS):
        return _event_text(kind, ranked, labels, zh)
    title = {"gainers": ("表現最好", "Best performers"), "losers": ("表現最差", "Worst performers"),
             "all": ("依漲跌排序", "Ranked by change"), "volume": ("成交量最大", "Most traded (volume)"),
             "turnover": ("成交值最大", "Most traded (value)")}[kind][0 if zh else 1]
    lines = [f"**{title}**"]
    # "Best" in a falling market is still a fall: say so rather than let the title imply gains.
    if kind in ("gainers", "all") and ranked and all((r.change or 0.0) <= 0 for r in ranked):
        lines[0] += "（沒有一家上漲）" if zh else " (none of them rose)"
    if kind == "losers" and ranked and all((r.change or 0.0) >= 0 for r in ranked):
        lines[0] += "（沒有一家下跌）" if zh else " (none of them fell)"
    for i, r in enumerate(ranked, 1):
        if kind == "turnover":
            value = r.turnover or 0.0
            what = f"{value / 1e8:,.2f} 億元" if zh else f"NT${value / 1e6:,.1f} million"
        elif kind == "volume":
            vol = r.volume or 0.0
            what = f"{vol / SHARES_PER_LOT:,.0f} 張" if zh else f"{vol:,.0f} shares"
        elif zh:
            what = f"{r.change:+.2%}（{fmt_price(r.first_close)} → {fmt_price(r.last_close)}）"
        else:
            what = f"{r.change:+.2%} ({fmt_price(r.first_close)} → {fmt_price(r.last_close)})"
        lines.append(f"{i}. {labels[r.code]} {what}")
    if not ranked:
        lines.append(empty or ("（沒有可比較的公司）" if zh else "(no company to compare)"))
    return "\n".join(lines)


_EVENT_WORDS = {"limit_up": ("收漲停", "Closed limit-up", "漲停價", "the limit-up price"),
                "limit_down": ("收跌停", "Closed limit-down", "跌停價", "the limit-down price"),
                "new_high": ("收盤創新高", "New closing highs", "新高", "a new high"),
                "new_low": ("收盤創新低", "New closing lows", "新低", "a new low"),
                "gap_up": ("跳空上漲", "Gapped up", "跳空上漲", "a gap up"),
                "gap_down": ("跳空下跌", "Gapped down", "跳空下跌", "a gap down")}


def _event_text(kind: str, ranked: list[Ranked], labels: dict[str, str], zh: bool) -> str:
    """The companies with the event, with its days (a period can hold several), and its rule."""
    title_zh, title_en, what_zh, what_en = _EVENT_WORDS[kind]
    lines = [f"**{title_zh if zh else title_en}**"]
    if not ranked:
        gap = kind.startswith("gap_")
        lines.append((f"（沒有公司{what_zh}）" if gap else f"（沒有公司收在{what_zh}）") if zh else
                     (f"(no company had {what_en})" if gap else f"(no company closed at {what_en})"))
    for i, r in enumerate(ranked[:MAX_TOP], 1):
        days = r.event_days[kind]
        when = ("、" if zh else ", ").join(d.isoformat() for d in days)
        count = (f"{len(days)} 天：" if zh else f"{len(days)} days: ") if len(days) > 1 else ""
        lines.append(f"{i}. {labels[r.code]} {count}{when}")
    notes = []  # after a blank line: Markdown would fold them into the last list item
    if len(ranked) > MAX_TOP:
        notes.append(f"…另有 {len(ranked) - MAX_TOP} 家。" if zh else f"… and {len(ranked) - MAX_TOP} more.")
    if kind.startswith("limit_"):
        notes.append("（漲跌停價依前一日收盤 ±10% 並按升降單位取整計算。）" if zh else
                     "(The limit price is the previous close ±10%, rounded inside to the tick size.)")
    elif kind.startswith("gap_"):
        notes.append("（跳空：開盤高於前一日最高價（跳空上漲）或低於前一日最低價（跳空下跌）。）" if zh else
                     "(A gap: an open above the previous session's high (up) or below its low (down).)")
    else:
        notes.append(f"（新高／新低：收盤高於／低於之前 {HIGH_LOOKBACK} 個交易日的每一個收盤；資料庫歷史較短時以現有歷史為準，"
                     f"且至少需要 {HIGH_MIN_HISTORY} 個交易日。）" if zh else
                     f"(A new high / low: a close above / below every close of the {HIGH_LOOKBACK} sessions before "
                     f"it, or of the stored history when that is shorter, with at least {HIGH_MIN_HISTORY} sessions.)")
    return "\n".join(lines) + "\n\n" + " ".join(notes)


def _nothing_text(bars: pd.DataFrame, period: Period, visible: date, zh: bool, named: list[str]) -> str:
    """No bar in the period: say what the store covers and how to get more."""
    if bars.empty:
        what = " ".join(named) if named else "CODE"
        return (f"資料庫裡還沒有這些股價：請執行 `finqa ingest prices {what}` 或 `finqa ingest import PATH`。" if zh else
                f"No prices for this are stored yet: run `finqa ingest prices {what}` or `finqa ingest import PATH`.")
    first, last = bars["date"].min().date(), bars["date"].max().date()
    label = period_label(period, zh) or period.label
    if period.kind in ("day", "range") and period.start and period.end and period.label in PERIOD_LABELS_ZH:
        label += f"（{period.start.isoformat()} 至 {period.end.isoformat()}）" if zh else \
            f" ({period.start.isoformat()} to {period.end.isoformat()})"
    cut = (f"，基準日前只到 {visible.isoformat()}" if zh else f"; before the as-of date only up to {visible.isoformat()}") \
        if visible < last else ""
    if period.kind == "day" and period.start is not None and period.start.weekday() >= 5:
        label += "（週末不交易）" if zh else " (a weekend: no trading)"
    # A span after the newest bar ("last month" on an old store): how to get there, and the newest
    # month it can rank instead.
    after = period.start is not None and period.start > min(last, visible)
    hint = newer_or_newest(" ".join(named) if named else "CODE...", min(last, visible), zh) if after else ""
    if zh:
        return f"資料庫在{label}沒有任何股價可排名（資料涵蓋 {first.isoformat()} 至 {last.isoformat()}{cut}）。" + hint
    return (f"The store has no prices for {label} to rank (it covers {first.isoformat()} to {last.isoformat()}{cut})."
            + (f" {hint}" if hint else ""))
