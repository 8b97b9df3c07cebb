"""What the terms in finqa's answers mean: "what does RSI mean?", "什麼是KD值", "explain a moving
average crossover", "what is MCC?".

Why here: every answer that quotes an RSI, a drawdown, a limit-down day or an MCC uses finqa's own
definition of it (its parameters, its market proxy, Taiwan's fees and tax), and a user reading those
answers asks what they mean. Without a language model (the CPU tier) nothing else could answer;
with one, a general definition could still differ from what finqa computed. So the definitions
are the ones the code uses (``ingest.indicators``, ``assistant.risk``, ``assistant.holdings``,
``ingest.limits``, ``finetune.eval_forecast``), written once here, in both languages. A few terms
finqa does not compute are defined too (P/E, EPS, dividend yield, ETF, 當沖, 融資融券, 三大法人...):
asked without a language model they would get nothing, and each definition says what finqa stores
of it, usually nothing (``NOT_COMPUTED``; their answers say "finqa's own definitions").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.limits import tick_bands

from .i18n import answers_zh
from .market_hours import hours_text
from .slots import to_simplified

ENGINE = "qa:glossary"


@dataclass(frozen=True)
class Term:
    """One term: how a question names it (on simplified, lower-cased text), and its definition."""

    key: str
    pattern: re.Pattern[str]
    en: str
    zh: str
    example_en: str  # what to ask to see it for a company ("" when it is no per-company number)
    example_zh: str


def _t(key: str, pattern: str, en: str, zh: str, example_en: str = "", example_zh: str = "") -> Term:
    return Term(key, re.compile(pattern), en, zh, example_en, example_zh or example_en)


TERMS: tuple[Term, ...] = (
    _t("rsi", r"\brsi\b|相对强弱(?:指标|指数)?",
       "**RSI (relative strength index), 14 sessions, Wilder's smoothing.** The average daily gain over the "
       "average daily loss (RS), each smoothed with weight 1/14, turned into 0–100 as 100 − 100 / (1 + RS). "
       "Above 70 is usually read as overbought, below 30 as oversold; neither predicts the next move by itself.",
       "**RSI（相對強弱指標），14 日，Wilder 平滑。** 以 1/14 的權重平滑每日平均漲幅與平均跌幅，兩者之比為 RS，"
       "RSI = 100 − 100 / (1 + RS)，介於 0 到 100。一般把 70 以上視為超買、30 以下視為超賣；單靠它不能預測下一步。",
       "2330 RSI", "台積電RSI"),
    _t("kd", r"(?<![a-z])kdj?(?![a-z])(?:\s*值)?|\bstochastics?(?: oscillator)?\b|随机指标",
       "**KD (stochastic oscillator), 9/3/3.** RSV = (close − lowest low of 9 sessions) / (highest high − lowest "
       "low) × 100; K is RSV smoothed with weight 1/3 (K = ⅔·K yesterday + ⅓·RSV), D is K smoothed the same way. "
       "K above D after crossing it is a \"golden cross\"; above 80 and below 20 are read as overbought and oversold.",
       "**KD（隨機指標），9/3/3。** RSV = （收盤 − 9 日最低價）/（9 日最高價 − 9 日最低價）× 100；K 是以 1/3 權重平滑的 RSV"
       "（K = ⅔ 前日 K + ⅓ RSV），D 再以同樣方式平滑 K。K 由下往上穿過 D 稱為黃金交叉，80 以上、20 以下分別視為超買、超賣。",
       "2330 KD", "台積電KD值"),
    _t("macd", r"\bmacd\b|指数平滑异同",
       "**MACD, 12/26/9.** DIF = the 12-day minus the 26-day exponential moving average of the close; the signal "
       "line is the 9-day EMA of DIF; the histogram is DIF − signal. DIF crossing above the signal line is read "
       "as momentum turning up.",
       "**MACD，12/26/9。** DIF = 收盤價的 12 日指數移動平均減 26 日指數移動平均；訊號線（MACD 線）是 DIF 的 9 日 EMA；"
       "柱狀體 = DIF − 訊號線。DIF 由下往上穿過訊號線通常解讀為動能轉強。",
       "2330 MACD", "台積電MACD"),
    _t("bollinger", r"\bbollinger(?: bands?)?\b|布林(?:通道|带|线)?",
       "**Bollinger bands, 20/2.** The middle band is the 20-day moving average of the close; the upper and lower "
       "bands are 2 standard deviations of those 20 closes above and below it. A close outside them is unusual "
       "for the recent volatility, not a signal on its own.",
       "**布林通道，20/2。** 中軌是收盤價的 20 日移動平均，上下軌是中軌加減這 20 個收盤價的 2 個標準差。"
       "收盤落在通道外表示相對近期波動不尋常，本身不是買賣訊號。",
       "2330 Bollinger bands", "台積電布林通道"),
    _t("atr", r"(?<![a-z])atr(?![a-z])|\baverage true range\b|真实波幅|平均真实(?:波幅|区间|范围)",
       "**ATR (average true range), 14 sessions, Wilder's smoothing.** A day's true range is the largest of its "
       "high − low, |high − the close before| and |low − the close before|, so an overnight gap counts; ATR smooths it "
       "with a 1/14 weight, as RSI does. It is the size of a usual day's move in price units, often used to space a "
       "stop from the close; no direction is in it.",
       "**ATR（平均真實波幅），14 日，Wilder 平滑。** 每天的真實波幅取「最高 − 最低」、「|最高 − 前一日收盤|」、"
       "「|最低 − 前一日收盤|」三者中最大的，所以跳空缺口也算在內；再以 1/14 的權重平滑（與 RSI 相同）。它是一般一天"
       "會動多少的價格幅度，常用來決定停損離收盤多遠；本身不含方向。",
       "2330 ATR", "台積電ATR"),
    _t("crossover", r"\b(?:golden|death) cross(?:es|ing)?\b|\b(?:moving[- ]average|ma) cross(?:over|overs|ing)?\b"
                    r"|\bcrossovers?\b|黄金交叉|死亡交叉",
       "**Moving-average crossover.** A shorter moving average crossing above a longer one (for example the 5-day "
       "above the 20-day) is a \"golden cross\", read as the trend turning up; crossing below is a \"death cross\". "
       "Both lag the price, since they are averages of past closes.",
       "**均線交叉。** 短天期均線由下往上穿過長天期均線（例如 5 日線穿過 20 日線）稱為黃金交叉，解讀為趨勢轉強；"
       "由上往下穿過稱為死亡交叉。均線是過去收盤的平均，所以兩者都落後於股價。",
       "did 2330 have a golden cross recently?", "台積電黃金交叉了嗎"),
    _t("ema", r"\bema\b|\bexponential moving averages?\b|指数移动平均",
       "**Exponential moving average (EMA), N days.** A moving average that weighs recent closes more: each day "
       "it moves 2 / (N + 1) of the way from yesterday's EMA to today's close.",
       "**指數移動平均（EMA），N 日。** 較重視近期收盤的移動平均：每天從前一日的 EMA 往當天收盤移動 2 / (N + 1) 的距離。",
       "2330 EMA 20", "台積電20日指數移動平均"),
    _t("moving_average", r"\bmoving averages?\b|\b(?:sma|ma)\b|均线|移动平均|周线|月线|季线|半年线|年线",
       "**Moving average (MA), N days.** The mean of the last N closes. Taiwan's charts name them by span: 週線 "
       "5 days, 月線 20, 季線 60, 半年線 120, 年線 240. A close above its average means it is above where it "
       "traded on average over that span.",
       "**移動平均（均線），N 日。** 最近 N 個收盤價的平均。週線是 5 日、月線 20 日、季線 60 日、半年線 120 日、年線 240 日。"
       "收盤在均線之上，代表股價高於這段期間的平均價位。",
       "2330 20-day moving average", "台積電月線"),
    _t("levels", r"\bsupport\s*(?:and|&|/)\s*resistance\b|\bresistance\s*(?:and|&|/)\s*support\b"
                 r"|\b(?:support|resistance)\s+(?:levels?|lines?|zones?)\b"
                 r"|支撑(?:\s*[和与及跟、]\s*(?:压力|阻力))?|(?:压力|阻力)\s*[和与及跟、]\s*支撑|压力位|阻力位",
       "**Support and resistance.** Prices where a stock turned before: finqa reads them as the lowest low and "
       "highest high of the last 20 and 60 sessions and the 20- and 60-day averages, those below the close being "
       "support and those above resistance. They describe the past; the price may go straight through them.",
       "**支撐與壓力。** 股價過去轉折的價位：finqa 取近 20 與 60 個交易日的最低價、最高價以及 20 日、60 日均線，"
       "在收盤之下的是支撐、之上的是壓力。它們描述過去，股價也可能直接穿過。",
       "2330 support and resistance", "台積電的支撐和壓力"),
    _t("volatility", r"\bvolatility\b|波动率|波动度",
       "**Volatility (annualised).** The standard deviation of daily simple returns over the last 20 sessions "
       "(or the span asked), times √250 trading days a year. 30% means a typical year's move of about ±30%.",
       "**波動率（年化）。** 最近 20 個交易日（或所問期間）每日報酬率的標準差，乘以 √250（一年約 250 個交易日）。"
       "30% 大約表示一年的典型變動幅度是 ±30%。",
       "how volatile is 2330?", "台積電波動率"),
    _t("drawdown", r"\b(?:max(?:imum)? )?drawdowns?\b|\bmdd\b|最大回撤|最大跌幅|回撤",
       "**Maximum drawdown.** The largest fall from a closing high to a later closing low within the span: how "
       "much someone who bought at the worst time would have been down at the worst point.",
       "**最大回撤。** 期間內從一個收盤高點到其後收盤低點的最大跌幅：在最糟的時點買進的人，在最低點時帳面上虧了多少。",
       "2330 max drawdown in 2025", "台積電2025年最大回撤"),
    _t("beta", r"\bbeta\b|β值?|贝塔",
       "**Beta.** How much a stock's daily return moves with the market's: the covariance of the two over the "
       "variance of the market's. finqa stores no index, so the market is 0050 (Yuanta Taiwan 50), or, when 0050 is "
       "not stored, the stored companies' equal-weighted index. Beta 1.2 means that, on average, a 1% market day "
       "came with a 1.2% move.",
       "**Beta 值。** 個股每日報酬隨大盤變動的程度：兩者的共變異數除以大盤報酬的變異數。finqa 不儲存指數，"
       "以 0050 元大台灣50 代表大盤；沒有 0050 的股價時，以已存公司的等權指數代表。Beta 1.2 表示大盤漲跌 1% 的日子，它平均漲跌 1.2%。",
       "2330 beta", "台積電的beta"),
    _t("sharpe", r"\bsharpe(?: ratio)?\b|夏普(?:比率|值)?",
       "**Sharpe ratio.** The mean daily return, annualised (× 250), over the annualised volatility: return per "
       "unit of risk. finqa takes the risk-free rate as 0 and uses prices only (no dividends), so it is a rough "
       "measure; above 1 over a year is usually read as good, below 0 means the stock lost money.",
       "**夏普比率。** 日報酬平均值年化（× 250）除以年化波動度：每承擔一單位風險得到的報酬。finqa 以 0 作為無風險利率，"
       "且只計股價（不含股利），只能當粗略參考；一年期間大於 1 通常視為不錯，小於 0 表示賠錢。",
       "2330 Sharpe ratio", "台積電夏普比率"),
    _t("correlation", r"\bcorrelations?\b|相关性|相关系数",
       "**Correlation.** The Pearson correlation of two stocks' daily returns over the same sessions, from −1 "
       "(always opposite) through 0 (unrelated) to +1 (always together).",
       "**相關係數。** 兩檔股票在同一段交易日每日報酬率的皮爾森相關係數，−1 代表總是反向，0 代表無關，+1 代表總是同向。",
       "correlation between 2330 and 2454", "台積電和聯發科的相關性"),
    _t("limit", r"\blimit[- ](?:up|down)s?\b|\bprice limits?\b|涨跌幅(?:限制|上限)|涨停|跌停|涨跌停",
       "**Limit up and limit down.** TWSE and TPEx stocks may not close more than 10% above or below the "
       "previous close (the limit price is rounded to the tick size). A close at that price is a limit-up or "
       "limit-down day; ETFs and some securities follow other rules.",
       "**漲停與跌停。** 上市櫃股票每日漲跌幅以前一日收盤價的 10% 為限（再依升降單位取整）。收在這個價格就是漲停或跌停；"
       "ETF 等部分商品適用其他規則。",
       "2330 limit down days", "台積電跌停幾天"),
    _t("gap", r"\bgap(?:s|ped)?\s*-?\s*(?:up|down)s?\b|\bprice gaps?\b|跳空|缺口",
       "**Gap up and gap down.** A day that opens above the previous day's high (a gap up) or below its low (a gap "
       "down), leaving a price range where nothing traded, usually after news between the sessions.",
       "**跳空。** 開盤高於前一日最高價（跳空上漲）或低於前一日最低價（跳空下跌），中間留下沒有成交的價格區間，"
       "通常是兩個交易時段之間出現了消息。",
       "2330 gap days in April 2025", "台積電2025年4月跳空"),
    _t("lot", r"\b(?:board )?lots?\b(?! of)|零股|(?<![\d一二三四五六七八九十两])张(?:数)?(?=是|$|\s)|一张(?=是|等于|有|多少|几)",
       "**Lot (張).** Taiwan quotes positions in lots of 1,000 shares; fewer shares are an odd lot (零股).",
       "**張。** 台股以一張 1,000 股為交易單位；不足一張的是零股。",
       ""),
    _t("hours", r"\btrading (?:hours|sessions|times?)\b|\bmarket hours\b|\bopening hours\b"
                r"|\b(?:when|what time) does (?:the )?(?:taiwan(?:ese)? )?(?:stock )?(?:market|twse|tpex|exchange) (?:open|close)\b"
                r"|交易时间|开盘时间|收盘时间|几点开盘|几点收盘|几点开始交易",
       "**Trading hours (Taipei time, weekdays except exchange holidays).** " + hours_text(False) + ". finqa stores "
       "one bar per session, at the close, and no intraday prices. Ask `is the market open now?` for where the day stands.",
       "**交易時間（台北時間，週一至週五，休市日除外）。** " + hours_text(True) + "。finqa 每個交易日只存一筆收盤後的日資料，"
       "沒有盤中價格。問 `現在有開盤嗎` 可知道現在是哪個時段。"),
    _t("settlement", r"\bsettlement\b|\bt\s*\+\s*2\b|交割",
       "**Settlement (T+2).** A trade on TWSE or TPEx is paid for and its shares delivered two business days after "
       "the trade day: a buyer's money leaves the account on T+2, a seller's arrives then.",
       "**交割（T+2）。** 上市櫃股票成交後第二個營業日交割：買方在 T+2 扣款、賣方在 T+2 收到價金。"),
    _t("tick", r"\btick sizes?\b|\bminimum (?:price )?(?:increment|movement|tick)\b|升降单位|跳动单位|最小跳动",
       "**Tick size (升降單位).** The smallest step a stock's price moves in, by price band: "
       + "; ".join(f"{band} {tick:g}" for band, tick in tick_bands(False)) + ". The ±10% limit prices are rounded "
       "inside to these ticks, so the largest daily move is often 9.6% to 9.9%.",
       "**升降單位。** 股價每次跳動的最小幅度，依價位而定："
       + "；".join(f"{band} {tick:g} 元" for band, tick in tick_bands(True)) + "。漲跌停價是 10% 往內取到這個單位，"
       "所以單日最大漲跌幅常是 9.6% 到 9.9%。",
       "2330 limit up days", "台積電漲停幾天"),
    _t("costs", r"\b(?:transaction|securities) tax\b|\bbroker(?:age)? fees?\b|\btrading costs?\b|手续费|证交税|交易税|证券交易税"
                r"|^\W*(?:要|需要|得)?缴多少税\W*$|^\W*how much (?:tax|taxes)(?: do i (?:pay|owe))?\W*$",
       "**Trading costs in Taiwan.** The broker's fee is 0.1425% of each order (at least NT$20), on the buy and "
       "the sell; the securities transaction tax is 0.3% of the sale for stocks and 0.1% for ETFs. finqa's "
       "return answers subtract all three (before any broker discount).",
       "**台股交易成本。** 手續費為成交金額的 0.1425%（最低 NT$20），買賣各收一次；證券交易稅在賣出時收，股票 0.3%、ETF 0.1%。"
       "finqa 的報酬試算會扣除這三筆（未計券商折扣）。",
       "if I had invested NT$100,000 in 2330 on 2025-01-02", "如果2025-01-02買一張台積電，現在值多少"),
    _t("mcc", r"\bmcc\b|\bmatthews\b|马修斯相关",
       "**MCC (Matthews correlation coefficient).** How well rise/fall calls match what happened, from −1 through "
       "0 (no better than chance, whatever the mix of rises and falls) to +1 (always right). Unlike accuracy, "
       "always calling \"rise\" scores 0.",
       "**MCC（馬修斯相關係數）。** 漲跌預測與實際結果的吻合程度，−1 到 +1，0 代表和亂猜一樣（不論漲跌比例如何），"
       "+1 代表全對。和準確率不同，永遠猜「漲」的 MCC 是 0。",
       ""),
    _t("mape", r"\bmape\b|平均绝对百分比误差",
       "**MAPE (mean absolute percentage error).** The average of |forecast − actual| / actual over the forecasts, "
       "in percent. finqa compares it with a random walk's (tomorrow's close = today's) as the ratio: below 1 "
       "beats it.",
       "**MAPE（平均絕對百分比誤差）。** 各次預測 |預測 − 實際| / 實際 的平均，以百分比表示。finqa 以它除以隨機漫步"
       "（明天收盤 = 今天收盤）的 MAPE 作比較：小於 1 才算勝過。",
       ""),
    _t("baselines", r"\brandom walk\b|\balways[- ]rise\b|\bbaselines?\b|\b(?:momentum|reversal) baselines?\b"
                    r"|随机漫步|简单基准|永远看涨",
       "**The trivial baselines beside every forecast.** Always-rise calls \"up\" every time; momentum repeats the "
       "last 1 or 5 days' direction; reversal calls the opposite; the random walk says the price stays where it is. "
       "A forecast is only worth something if it beats all of them in its backtest, which is hard.",
       "**每個預測旁的簡單基準。** 「永遠看漲」每次都猜漲；動能重複最近 1 日或 5 日的方向；反轉猜相反方向；"
       "隨機漫步認為價格維持不變。預測要在回測中勝過它們全部才有價值，而這本來就很難。",
       ""),
    _t("backtest", r"\bbacktest(?:s|ing)?\b|\bwalk[- ]forward\b|回测",
       "**Backtest (walk-forward).** Each past day is forecast again using only what was known before it, then "
       "scored against what followed; the hit rate sits beside the baselines' on the same days, so that no "
       "information from the future flatters it.",
       "**回測（逐步前進）。** 對過去每一天，只用那天之前已知的資料重新預測，再和之後的實際走勢比對；命中率和簡單基準在"
       "同樣日子的命中率並列，不讓未來的資訊美化結果。",
       "forecast 2330 next 5 days", "台積電未來5天走勢"),
    # ("區間是什麼意思" after a forecast: its band; "the band" alone too)
    _t("p_rise", r"\bp\s*\(\s*rise\s*\)|\bprobability of (?:a )?rise\b|上涨机率|上涨概率|10\s*[-–]\s*90\s*%?\s*(?:band|区间)"
                 r"|^\W*(?:the |this |that |its )?(?:forecast |price )?band\b|^\W*(?:那个|这个|预测)?区间(?=是|什么|的意思|意思)",
       "**P(rise) and the 10–90% band.** The forecaster finds the past price windows most like the recent one "
       "(before the as-of date only) and looks at what followed them: P(rise) is the share of those that ended "
       "higher, the band holds the middle 80% of where they ended.",
       "**上漲機率與 10–90% 區間。** 預測器找出歷史上與近期走勢最相似的價格片段（只用查詢基準日之前的資料），看它們之後怎麼走："
       "上漲機率是其中收高的比例，區間涵蓋它們結束位置的中間 80%。",
       "forecast 2330 next 5 days", "台積電未來5天走勢"),
    _t("analog", r"\banalog(?:ue)? (?:forecaster|forecast|method|model)\b|\bnearest[- ]neighbou?rs?\b|类比法|类比预测"
                 r"|\b(?:closest|most similar|similar) past windows?\b|\bpast windows?\b|最相似的(?:过去|历史)(?:走势|片段|窗格)",
       "**The analog forecaster (the CPU tier).** It describes the recent closes as a window (returns, volatility, the "
       "market's move), finds the past windows most like it among the stored companies (only those that ended "
       "before the as-of date), and reads what followed them: the share that rose is P(rise), their spread the "
       "band. It needs no model download; its walk-forward backtest sits beside every forecast.",
       "**類比法預測（CPU 層）。** 把近期收盤描述成一段走勢（報酬、波動、大盤的變化），在已存公司中找出最相似的歷史片段"
       "（只取在查詢基準日之前結束的），看它們之後怎麼走：上漲的比例就是上漲機率，分布就是區間。不需要下載模型；"
       "每次預測旁都附上逐步回測。",
       "forecast 2330 next 5 days", "台積電未來5天走勢"),
    _t("net_score", r"\bnet (?:sentiment )?score\b|\bsentiment score\b|净分数|情绪分数",
       "**Net score (news sentiment).** Each article's headline and summary are read by the classifier as positive, "
       "neutral or negative; the net score is (positive − negative) / all articles read, from −1 (all negative) to +1 "
       "(all positive). It is a count of tones, not a forecast, and only of the news finqa stored.",
       "**淨分數（新聞情緒）。** 分類器把每則新聞的標題與摘要判為正面、中性或負面；淨分數 = （正面 − 負面）/ 判讀的新聞數，"
       "介於 −1（全部負面）與 +1（全部正面）。它是語氣的計數，不是預測，也只涵蓋 finqa 已存的新聞。",
       "TSMC news sentiment", "台積電新聞情緒"),
    _t("candlestick", r"\bcandle ?sticks?\b|\bcandles?\b(?= chart)|(?<![a-z])k\s*线|(?<![a-z])k\s*棒|(?:日|周|月)\s*k(?![a-z])|蜡烛图",
       "**Candlestick (K線).** One candle a session: the body runs from the open to the close, the wicks to the high "
       "and the low. In Taiwan a rising candle is red and a falling one green (the reverse of the US), and finqa's "
       "charts follow that; weekly and monthly candles (週K, 月K) do the same for a week or a month.",
       "**K 線（蠟燭圖）。** 每個交易日一根：實體從開盤到收盤，上下影線到最高與最低。台灣習慣漲紅跌綠（與美國相反），"
       "finqa 的圖也一樣；週 K、月 K 則是一週、一個月一根。",
       "2330 weekly chart", "台積電週K"),
    # Figures users ask about that finqa does not store (no financial statements): what they are,
    # and that finqa cannot give them, rather than nothing when no language model is loaded.
    _t("pe", r"(?<![a-z])p/?e(?: ratio)?(?![a-z])|\bprice[- ]to[- ]earnings(?: ratio)?\b|本益比|市盈率",
       "**P/E (price-to-earnings ratio).** The share price over the earnings per share of the last four quarters: "
       "how many years of current earnings the price pays for. A high P/E means the market expects growth (or "
       "earnings have dropped). finqa stores no financial statements, so it cannot give a company's P/E.",
       "**本益比（P/E）。** 股價除以近四季每股盈餘：股價相當於幾年的獲利。本益比高，代表市場預期成長（或獲利下滑）。"
       "finqa 沒有財務報表，無法給出個股的本益比。"),
    _t("eps", r"(?<![a-z])eps(?![a-z])|\bearnings per share\b|每股盈余|每股收益|每股纯益",
       "**EPS (earnings per share).** Net income attributable to shareholders over the shares outstanding, usually "
       "quarterly and summed over four quarters. finqa stores no financial statements, so it cannot give a company's EPS.",
       "**每股盈餘（EPS）。** 歸屬於股東的稅後淨利除以流通在外股數，通常按季公布、以近四季加總。"
       "finqa 沒有財務報表，無法給出個股的 EPS。"),
    _t("dividend_yield", r"\bdividend yield\b|殖利率|股息率",
       "**Dividend yield.** The cash dividends of a year over the share price. In Taiwan many companies pay "
       "quarterly or yearly, and the price drops by the dividend on the ex-dividend day. finqa stores no dividends, so "
       "it cannot give a yield, and its returns are price only.",
       "**殖利率。** 一年的現金股利除以股價。台灣許多公司按季或按年配息，除息日股價會扣掉股利。"
       "finqa 不儲存股利，無法給出殖利率，它算的報酬也只含股價。"),
    _t("market_cap", r"\bmarket (?:cap|capitali[sz]ation|value)\b|市值",
       "**Market capitalisation.** The share price times the shares outstanding: what the market values the whole "
       "company at. finqa stores prices but not share counts, so it cannot give it.",
       "**市值。** 股價乘以流通在外股數：市場對整家公司的估價。finqa 有股價但沒有股數，無法給出市值。"),
    _t("ex_dividend", r"\bex-?dividend(?: date| day)?\b|除权息|除息|除权",
       "**Ex-dividend (除息) and ex-rights (除權) days.** From that session a buyer no longer receives the dividend, and the "
       "exchange lowers the reference price by it; the chart shows a drop that is no loss to holders. finqa stores no "
       "dividends, so its returns and drawdowns are price only and count those drops.",
       "**除息與除權。** 從那個交易日起買進的人不再領到這次股利，交易所把參考價扣掉股利；圖上的下跌對原持有人不是損失。"
       "finqa 不儲存股利，所以它算的報酬與回撤只含股價，會把這些下跌算進去。"),
    # Market terms users ask about beside finqa's numbers.
    _t("etf", r"(?<![a-z])etfs?(?![a-z])|\bexchange[- ]traded funds?\b|指数股票型基金",
       "**ETF (exchange-traded fund).** A fund listed like a stock that holds a basket, often an index's companies: "
       "0050 holds Taiwan's 50 largest listed companies. Its codes start with 00; its sales pay a 0.1% transaction "
       "tax instead of 0.3%, and no ±10% limit-day count is made for it here.",
       "**ETF（指數股票型基金）。** 像股票一樣掛牌交易、持有一籃子股票（常是某個指數的成分股）的基金，例如 0050 持有台灣市值最大的 "
       "50 家上市公司。代號以 00 開頭；賣出的證交稅是 0.1%（股票 0.3%），finqa 也不替它計算漲跌停天數。", "0050 price", "0050股價"),
    _t("day_trading", r"\bday[- ]trad(?:e|es|ing|er|ers)\b|当冲|现股当冲",
       "**Day trading (當沖).** Buying and selling the same stock within one session, settling only the difference. "
       "In Taiwan the transaction tax on a day trade's sale is halved (0.15%) under the current rule; finqa's "
       "return figures assume a held position and the full 0.3%.",
       "**當沖。** 同一個交易日內買進又賣出同一檔股票，只交割差價。現行規定下現股當沖賣出的證交稅減半（0.15%）；finqa 的報酬試算"
       "以持有部位、0.3% 證交稅計算。"),
    _t("markets", r"\btwse\b|\btpex\b|\btaiwan stock exchange\b|\btaipei exchange\b|上柜|(?<!新)(?<!产品)上市(?!公司的|后|前|时)|证交所|柜买中心|兴柜",
       "**TWSE and TPEx (上市, 上櫃).** The Taiwan Stock Exchange (TWSE, 臺灣證券交易所) lists the larger companies "
       "(上市); the Taipei Exchange (TPEx, 證券櫃檯買賣中心) lists smaller and younger ones (上櫃), under lighter listing "
       "rules. Both trade 09:00–13:30 with the same 10% daily limit, lots of 1,000 shares and T+2 settlement. The "
       "emerging-stock board (興櫃) trades without a daily limit and is not covered. finqa covers TWSE and TPEx "
       "companies alike and says which market each is on (ask \"which market is 6488 on?\").",
       "**上市與上櫃。** 上市公司在臺灣證券交易所（TWSE）掛牌，多為規模較大的公司；上櫃公司在證券櫃檯買賣中心（TPEx）掛牌，"
       "上市條件較寬，多為規模較小或較年輕的公司。兩者的交易時間（09:00–13:30）、10% 漲跌幅限制、一張 1,000 股與 T+2 交割都相同。"
       "興櫃股票沒有漲跌幅限制，finqa 不涵蓋。finqa 同時涵蓋上市與上櫃公司，並標明各自的市場（可問「6488是上市還是上櫃」）。"),
    _t("margin", r"\bmargin (?:trading|account|loans?|balance)\b|\bshort selling\b|\bshort sales?\b|融资|融券|信用交易",
       "**Margin trading and short selling (融資, 融券).** Buying with money borrowed from the broker, or selling "
       "borrowed shares to buy back later; TWSE publishes the balances daily. finqa stores none of these balances.",
       "**融資與融券。** 融資是向券商借錢買股票，融券是借股票來賣、之後再買回；證交所每天公布餘額。finqa 不儲存這些餘額。"),
    _t("institutional", r"\binstitutional investors?\b|三大法人|外资|投信|自营商",
       "**Institutional investors (三大法人).** Foreign investors, investment trusts (投信) and dealers (自營商); TWSE "
       "publishes each one's net buying per stock every day. finqa stores none of these figures.",
       "**三大法人。** 外資、投信與自營商；證交所每天公布各自在每檔股票的買賣超。finqa 不儲存這些數字。"),
    _t("how_to_buy", r"\bhow (?:do|can|would|should) (?:i|we|you|one|foreigners?|a foreigner) (?:buy|invest in|trade|start "
                     r"(?:investing|trading) in)\b(?: (?:taiwan(?:ese)?|tw) (?:stocks?|shares|equities)| stocks?| shares)?(?: in taiwan)?"
                     r"|\bhow to (?:buy|invest in|trade) (?:taiwan(?:ese)?|tw) (?:stocks?|shares|equities)\b"
                     r"|(?:怎么|如何|要怎么|怎样)(?:开始)?(?:买|投资|进场)(?:台股|股票|台湾股票)|(?:怎么|如何)开(?:证券)?户|开户(?:流程|步骤)",
       "**Buying Taiwan stocks.** Open a securities account with a Taiwan broker (證券商) and the bank settlement "
       "account linked to it (交割帳戶); orders go through the broker's app or by phone, in lots of 1,000 shares or as "
       "odd lots (零股, from one share, during the session or after hours). The money leaves the settlement account "
       "two trading days later (T+2). Costs: the broker's fee of 0.1425% each way (at least NT$20, often discounted) "
       "and the transaction tax on the sale (0.3%, 0.1% for ETFs). A foreign investor first registers with TWSE for an "
       "investor ID through a local agent or custodian bank, or buys the ADRs some companies list abroad. finqa places "
       "no orders and recommends no broker.",
       "**如何買台股。** 向國內證券商開立證券戶，並開立連結的銀行交割帳戶；用券商 App 或電話下單，以一張（1,000 股）或零股"
       "（1 股起，盤中或盤後）為單位；成交後第二個交易日（T+2）從交割帳戶扣款。成本：買賣各 0.1425% 手續費（最低 NT$20，"
       "常有折扣），賣出時證券交易稅 0.3%（ETF 0.1%）。外國投資人須先透過國內代理人或保管銀行向證交所登記取得投資身分，"
       "或改買部分公司在海外掛牌的 ADR。finqa 不下單，也不推薦券商。",
       "how much does a lot of 2330 cost", "一張台積電多少錢"),
    _t("bull_bear", r"\b(?:bull|bear)(?:ish)? markets?\b|\bbull(?:ish)?\b|\bbear(?:ish)?\b|(?:多头|空头)(?:市场)?|牛市|熊市",
       "**Bull and bear markets.** A bull market is a lasting rise, a bear market a lasting fall, commonly a drop of 20% "
       "or more from a peak (and a bull market a rise of 20% from a trough). finqa reads those lines from the past, never "
       "ahead: \"is Taiwan in a bear market?\" for the market, \"is TSMC in a bear market?\" for a company.",
       "**多頭與空頭（牛市、熊市）。** 多頭是持續上漲的行情，空頭是持續下跌，常以從高點跌超過 20% 為空頭（從低點漲 20% 為多頭）。"
       "finqa 只就過去的走勢看這兩條線，不預測：`台股現在是牛市還是熊市`、`台積電是熊市嗎`。"),
)

# The terms above that finqa defines but never computes (it stores no financial statements).
NOT_COMPUTED = frozenset({"how_to_buy", "pe", "eps", "dividend_yield", "market_cap", "ex_dividend", "etf", "day_trading", "margin", "hours",
                          "settlement", "markets", "institutional", "bull_bear"})

# A question that asks what a term means; on simplified, lower-cased text.
_ASKS = re.compile(
    r"\bwhat(?:'s| is| are| does| do)\b|\bmeaning\b|\bmeans?\b|\bdefin(?:e|ition)\b|\bexplain\b|\bstand for\b"
    r"|\bhow (?:is|are|do you|does finqa)\b.{0,30}\b(?:calculated|computed|calculate|compute|measured|read)\b"
    r"|\bdifference between\b|\btell me about\b|\bhow many shares\b|\bwhen does\b|\bwhat time\b"
    r"|\bhow (?:does|do|is)\b.{0,30}\bwork(?:s|ing)?\b"
    r"|什么是|是什么|是啥|什么意思|意思|定义|怎么算|如何计算|怎么计算|怎么看|解释|说明|差别|差异|区别|几点|多少股|几股|交易时间"
    r"|(?:限制|上限)(?:是)?多少|(?:税|手续费)(?:是)?多少|缴多少税|\bhow much (?:tax|taxes)\b"
    # "漲停是幾%", "跌停多少趴"; "how do I buy Taiwan stocks?", "怎麼開戶"
    r"|几\s*(?:%|％|趴|成)|多少\s*(?:%|％|趴)|\bhow (?:do|can|would|should)\b|\bhow to\b|怎么|如何|怎样|流程|步骤")
# "and KD?", "那KD呢", "what about MACD?" after a definition: the next term (with no company in
# the conversation; with one, the same words ask for that company's number).
_NEXT_TERM = re.compile(r"^\s*(?:and|what about|how about|那|那么|还有)\b|^\s*(?:那|那么|还有)|呢\s*[?？]?\s*$")
# What may surround the term and the asking words, and nothing else.
_FILLER = re.compile(
    # "explain moving averages like I'm five", "in simple terms", "簡單說明KD": how to say it, not what
    r"\blike (?:i'?m|i am) (?:five|5|a (?:beginner|kid|child))\b|\b(?:in )?(?:simple|plain) (?:terms|english|words)\b"
    r"|\bfor (?:a )?(?:beginners?|dummies|newbies?)\b|\bsimply\b|\bbriefly\b|简单(?:地|的)?|白话|浅显"
    r"|\b(?:what|whats|is|are|does|do|the|a|an|of|in|on|for|me|by|mean|means|meaning|define|definition|explain|"
    r"stand|stands|for|how|calculated|computed|calculate|compute|measured|read|it|they|you|finqa|your|indicator|"
    r"indicators|value|values|ratio|difference|between|and|vs|versus|tell|about|term|please|stock|stocks|"
    r"technical|index|s|days?|sessions?|taiwan|taiwanese|here|how|about|many|shares|one|per|each|daily|when|time|"
    r"market|exchange|twse|tpex|stock|open|close|work|works|working|your)\b|那么|那|还有"
    r"|什么是|是什么|是啥|什么意思|意思|定义|怎么算|如何计算|怎么计算|怎么看|解释|说明|差别|差异|区别|指标|和|跟|与|的|请问|呢|吗|啊|值|是|日|天|台股|股市|多少股|几股|一张|有|几点|多少|几|趴|要|开始|\bin\b|\bi\b|\bcan\b|\bto\b",
)


def terms_asked(message: str) -> list[Term]:
    """The terms ``message`` asks the meaning of, in order; empty unless it asks only that
    ("what is RSI?", "RSI和KD的差別" yes; "2330 RSI", "is RSI useful for TSMC?" no)."""
    if not message:
        return []
    s = to_simplified(message).lower()
    if not (_ASKS.search(s) or _NEXT_TERM.search(s)):
        return []
    found: list[tuple[int, Term]] = []
    rest = s
    for term in TERMS:
        m = term.pattern.search(rest)
        if m is not None:
            found.append((m.start(), term))
            rest = term.pattern.sub(" ", rest)
    if not found:
        return []
    rest = _FILLER.sub(" ", rest)
    if re.sub(r"[\W_\d]+", "", rest):
        return []  # something else is asked too ("is RSI useful for TSMC?", "RSI of 2330")
    if len(found) > 1:  # "the trading hours of TWSE": the exchange only says whose hours
        found = [(at, t) for at, t in found if t.key != "markets"]
    return [t for _, t in sorted(found, key=lambda p: p[0])]


# "can I day trade TSMC?", "台積電可以當沖嗎": a rule of the market, asked of a company; finqa
# holds no list of which stocks may be day-traded, so the answer is the rule and that.
_CAN_DAY_TRADE = re.compile(r"\bcan (?:i|you|we|one)\s+day[- ]trade\b|\bday[- ]trad\w*\b.{0,30}\b(?:allowed|possible|permitted)\b"
                            r"|(?:可以|可|能|能不能|可不可以)(?:现股)?当冲")


def is_glossary_question(message: str, code: str | None = None) -> bool:
    """Whether ``message`` asks what a term of finqa's answers means, and names no company (with
    one, "what is 2330's RSI?" asks for the number), or asks whether a company may be day-traded."""
    if _CAN_DAY_TRADE.search(to_simplified(message or "").lower()):
        return True
    return not code and bool(terms_asked(message))


def glossary_answer(message: str) -> str:
    """The definitions asked, in the message's language, each with what to ask to see it."""
    zh = answers_zh(message)
    parts = []
    asked = terms_asked(message)
    if not asked and _CAN_DAY_TRADE.search(to_simplified(message or "").lower()):
        asked = [t for t in TERMS if t.key == "day_trading"]
        parts.append("finqa 沒有可當沖標的名單（證交所與櫃買中心每天公布；多數上市櫃普通股都可以），以下是規則：" if zh else
                     "finqa holds no list of which stocks may be day-traded (TWSE and TPEx publish it daily; most listed "
                     "common stocks may be), so here is the rule:")
    for term in asked:
        text = term.zh if zh else term.en
        if term.example_en:
            text += f"（問 `{term.example_zh}` 可看某家公司的數字。）" if zh else f" Ask `{term.example_en}` to see it for a company."
        parts.append(text)
    if all(t.key in NOT_COMPUTED for t in asked):
        parts.append("（finqa 撰寫的定義，未經語言模型。）" if zh else "(finqa's own definitions; no language model was involved.)")
    else:
        parts.append("（這是 finqa 計算時用的定義，未經語言模型。）" if zh else
                     "(The definitions finqa computes with; no language model was involved.)")
    return "\n\n".join(parts)


__all__ = ["ENGINE", "TERMS", "Term", "glossary_answer", "is_glossary_question", "terms_asked"]
