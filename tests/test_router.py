"""The router: intent rules EN/繁/简, follow-ups, the embedding fallback, the selector guard, and
the RouterQueryEngine dispatch carrying typed Answers (and streams) back."""
from __future__ import annotations

import json

import pytest
from llama_index.core.base.base_selector import BaseSelector, SelectorResult, SingleSelection
from llama_index.core.llms.mock import MockLLM
from llama_index.core.query_engine import RouterQueryEngine
from llama_index.core.response_synthesizers import TreeSummarize
from llama_index.core.tools import QueryEngineTool
from llama_index.core.tools.types import ToolMetadata

from assistant.engines.base import AnswerStream, FinqaQueryEngine
from assistant.router import (EXEMPLARS, FinqaRouter, GuardedSelector, IntentClassifier, validate_selection)
from assistant.service import Assistant
from assistant.slots import ChatSession, parse_slots
from assistant.types import Answer, EngineRequest


class RecordingEngine(FinqaQueryEngine):
    """An engine that records what it was asked and streams its answer in two pieces."""

    route: str = "qa"
    calls: list = []

    def run(self, req: EngineRequest) -> Answer:
        self.calls.append(req)
        return Answer(route=self.route, engine=f"fake-{self.route}", answer=f"{self.route} answer", code=req.code)

    def run_stream(self, req: EngineRequest) -> AnswerStream:
        self.calls.append(req)
        return AnswerStream(iter([f"{self.route} ", "streamed"]),
                            lambda text: Answer(route=self.route, engine=f"fake-{self.route}", answer=text, code=req.code))


@pytest.fixture
def engines():
    return {r: RecordingEngine(route=r, calls=[]) for r in ("forecast", "sentiment", "qa")}


@pytest.fixture(scope="module")
def month_of_bars():
    from tests.fixture_data import synthetic_bars

    return [b for code in ("2330", "2454", "2317") for b in synthetic_bars(code, 30)]


@pytest.fixture
def assistant(data_dir, engines, month_of_bars):
    """An Assistant over recording engines; the store holds a month of 2330 and 2454 prices."""
    from ingest.store import open_store

    open_store(data_dir.store_path).upsert_bars(month_of_bars)
    return Assistant(data_dir, engines=engines)


ROUTE_CASES = [
    # English
    ("forecast 2330 next 5 days", "forecast", "2330", 5),
    ("predict TSMC stock price next week", "forecast", "2330", 5),
    ("Will MediaTek go up tomorrow?", "forecast", "2454", 1),
    ("What's the price outlook for Hon Hai over the next two weeks?", "forecast", "2317", 10),
    ("forecast 2330 next 100 days", "forecast", "2330", 60),
    ("What is the sentiment of TSMC news lately?", "sentiment", "2330", None),
    ("Is recent news about MediaTek positive or negative?", "sentiment", "2454", None),
    ("Classify this headline: “Hon Hai warns of weak demand, shares slump”", "sentiment", "2317", None),
    ("Explain what a yield curve inversion implies for equities.", "qa", None, None),
    ("Why did TSMC shares fall?", "qa", "2330", None),
    ("What did MediaTek announce at its developer event?", "qa", "2454", None),
    ("latest news on UMC", "qa", "2303", None),
    ("台積電EPS", "qa", "2330", None), ("台積電RSI", "qa", "2330", None), ("TSM stock price", "qa", "2330", None),
    # a price to reach: the forecaster's odds; in the past, a price fact; of revenue, news
    ("will 2330 reach 1,000?", "forecast", "2330", 5), ("鴻海會跌破150嗎", "forecast", "2317", 5),
    ("TSMC above 1200 by next month?", "forecast", "2330", 21), ("did 2330 reach 1000 last year?", "qa", "2330", None),
    ("TSMC revenue to exceed 1000 billion", "qa", "2330", None), ("台積電漲到1000過嗎", "qa", "2330", None),
    ("Is the news on TSMC positive?", "sentiment", "2330", None), ("what do people think about Foxconn", "sentiment", "2317", None),
    ("how positive is news about Acer?", "sentiment", "2353", None),
    # analysts' target prices are quoted from the news (they had been a 5-day forecast); a horizon or a price is the forecaster's
    ("What is the target price for TSMC?", "qa", "2330", None), ("台積電目標價", "qa", "2330", None),
    ("2330 last trading day of April 2025", "qa", "2330", None),  # a day, not a forecast
    # counted from the store, not a target to reach or a forecast
    ("台積電站上1000幾次", "qa", "2330", None), ("台積電上漲天數比例", "qa", "2330", None), ("2330 win rate", "qa", "2330", None),
    ("2330 biggest weekly drop", "qa", "2330", None), ("台積電單週最大跌幅", "qa", "2330", None),
    # the past in colloquial Chinese (they had gone to the news, or to the forecaster), and a turn ahead
    ("台積電漲了還是跌了", "qa", "2330", None), ("聯發科這禮拜怎樣", "qa", "2454", None), ("台積電跌到哪裡了", "qa", "2330", None),
    ("鴻海最近好像一直跌", "qa", "2317", None), ("台積電是不是要反彈了", "forecast", "2330", 5),
    ("2330今天漲還跌", "qa", "2330", None), ("聯發科最近很弱耶", "qa", "2454", None),  # they had been a forecast, the news
    ("台積電套牢在1100怎麼辦", "qa", "2330", None),
    # a run asked of the past is the store's; "when will it get back to 1100?" is the forecaster's odds
    ("台積電跌了幾天", "qa", "2330", None), ("聯發科漲幾天了", "qa", "2454", None),
    ("how many days has 2330 been falling?", "qa", "2330", None), ("台積電會跌幾天", "forecast", "2330", 5),
    ("台積電什麼時候會回到1100", "forecast", "2330", 5), ("when will TSMC get back to 1100?", "forecast", "2330", 5),
    ("when did TSMC last close above 1100?", "qa", "2330", None), ("台積電什麼時候站上1100過", "qa", "2330", None),
    ("the three best stocks this year", "qa", None, None), ("今年以來表現最好的三檔", "qa", None, None),
    ("聯發科明年有機會破2000嗎", "forecast", "2454", 60),  # 破 alone is a price to break (it had been the news)
    ("2330 60-day average", "qa", "2330", None),  # its moving average (it had been a 60-day forecast)
    ("how's MediaTek looking this week?", "qa", "2454", None), ("has TSMC bottomed?", "qa", "2330", None),
    ("2330 price target in 30 days", "forecast", "2330", 30), ("台積電目標價1200會到嗎", "forecast", "2330", 5), ("how negative are the headlines on 2317?", "sentiment", "2317", None),
    ("is this good news: TSMC to build more fabs in Japan", "sentiment", "2330", None),
    ("what is 0050?", "qa", "0050", None), ("台積電是什麼公司", "qa", "2330", None),
    ("台積電最近一週走勢", "qa", "2330", None), ("台積電3月走勢", "qa", "2330", None), ("台積電走勢", "forecast", "2330", 5),
    ("台積電下週走勢", "forecast", "2330", 5),
    ("I bought 2330 at 1000, how much did I lose?", "qa", "2330", None), ("我在900買了台積電，現在賺多少", "qa", "2330", None),
    ("大家怎麼看聯發科", "sentiment", "2454", None), ("classify: TSMC shares surge after record profit", "sentiment", "2330", None),
    # which of several will rise: each forecast side by side; which rose: the store
    ("台積電和聯發科誰比較會漲", "forecast", "2330", 5), ("which will rise more, 2330 or 2454?", "forecast", "2330", 5),
    ("台積電和聯發科哪個漲比較多", "qa", "2330", None),
    ("2330 news sentiment and forecast", "qa", "2330", None), ("台積電的新聞情緒和預測", "qa", "2330", None),
    ("will TSMC outperform MediaTek next month?", "forecast", "2330", 21), ("台積電下個月會跑贏聯發科嗎", "forecast", "2330", 21),
    ("did 2330 outperform 2454 in April 2025?", "qa", "2330", None),
    ("did 2330 have a golden cross recently?", "qa", "2330", None), ("What does RSI mean?", "qa", None, None),
    # the outlook of the price is a forecast; of a business topic, the news
    ("TSMC outlook", "forecast", "2330", 5), ("what's the outlook for 2454?", "forecast", "2454", 5),
    ("What is the outlook for AI servers for Quanta?", "qa", "2382", None), ("TSMC 2nm outlook", "qa", "2330", None),
    ("what is the outlook for TSMC revenue", "qa", "2330", None),
    # Traditional Chinese
    ("台積電未來五天股價預測", "forecast", "2330", 5),
    ("鴻海下週會漲嗎？", "forecast", "2317", 5),
    ("聯發科明天會跌嗎", "forecast", "2454", 1),
    ("台達電未來10個交易日的走勢", "forecast", "2308", 10),
    ("台積電最近新聞情緒如何？", "sentiment", "2330", None),
    ("聯發科的新聞是利多還是利空？", "sentiment", "2454", None),
    ("殖利率曲線倒掛代表什麼？", "qa", None, None),
    ("台積電為什麼要擴建先進封裝？", "qa", "2330", None),
    # Simplified Chinese
    ("台积电未来五天股价预测", "forecast", "2330", 5),
    ("鸿海下周会涨吗", "forecast", "2317", 5),
    ("联发科下个月走势预测", "forecast", "2454", 21),
    ("台积电最近新闻情绪如何？", "sentiment", "2330", None),
    ("鸿海舆情分析", "sentiment", "2317", None),
    ("什么是市盈率", "qa", None, None),
    ("台积电为什么股价下跌？", "qa", "2330", None),
]


@pytest.mark.parametrize("query, route, code, horizon", ROUTE_CASES)
def test_route(assistant, query, route, code, horizon):
    assert assistant.route(query) == {"query": query, "route": route, "code": code, "horizon_days": horizon}


FOLLOW_UPS = [
    (["forecast 2330 next 5 days"], "and 2454?", "forecast", "2454", 5),
    (["forecast TSMC for two weeks"], "what about MediaTek", "forecast", "2454", 10),
    (["台積電最近新聞情緒如何？"], "那聯發科呢？", "sentiment", "2454", None),
    (["台积电下个月走势预测"], "那鸿海呢", "forecast", "2317", 21),
    (["forecast 2330 next 5 days"], "and next month?", "forecast", "2330", 21),
    (["What is the sentiment of TSMC news lately?"], "what about Hon Hai?", "sentiment", "2317", None),
    (["Why did TSMC shares fall?"], "2317呢？", "qa", "2317", None),
    (["聯發科明天會跌嗎"], "那下週呢？", "forecast", "2454", 5),
    (["forecast 2330 next 5 days", "and 2454?"], "那鴻海呢？", "forecast", "2317", 5),
    # A new intent in a follow-up wins over the remembered one.
    (["forecast 2330 next 5 days"], "and what is the sentiment?", "sentiment", "2330", None),
    # a bare request with no object is about the conversation's company
    (["台積電"], "新聞情緒", "sentiment", "2330", None), (["2454"], "news sentiment", "sentiment", "2454", None),
    (["台積電新聞"], "股價", "qa", "2330", None),
    (["forecast 2330 next 5 days"], "Explain what a yield curve inversion implies for equities.", "qa", None, None),
    # a short question of its own about the future is no follow-up of a price answer
    (["2330 close yesterday"], "will 2330 rise today?", "forecast", "2330", 5),
    (["台積電新聞"], "聯發科明天會漲嗎", "forecast", "2454", 1),
    (["UMC news"], "Quanta Computer outlook", "forecast", "2382", 5), (["聯電新聞"], "鴻海後市", "forecast", "2317", 5),
    (["台積電新聞情緒"], "聯發科", "sentiment", "2454", None),  # a bare company still continues
    # "compare them" after two answers of one kind: that kind, side by side
    (["forecast 2330 next 5 days", "and 2454?"], "compare them", "forecast", "2330", 5),
    (["台積電新聞情緒", "那聯發科呢"], "比較一下", "sentiment", "2330", None),
    (["台積電未來一週走勢預測", "那聯發科呢"], "兩個比較", "forecast", "2330", 5),
    (["台積電新聞情緒", "聯發科呢"], "這兩家比一下", "sentiment", "2330", None),
    # the last forecast's own parts and horizon: "show me the backtest", "回測呢", "what about 10 days?"
    (["forecast 2330 next 5 days"], "show me the backtest", "forecast", "2330", 5),
    (["預測台積電未來5天"], "回測呢", "forecast", "2330", 5),
    (["forecast 2330 next 5 days"], "what about 10 days?", "forecast", "2330", 10),
    # a sentiment answer's headlines and period: "which headline is the most negative?", "and over the last week?"
    (["sentiment of 2330"], "which headline is the most negative?", "sentiment", "2330", None),
    (["台積電新聞情緒"], "哪則最負面", "sentiment", "2330", None),
    (["sentiment of 2330"], "and over the last week?", "sentiment", "2330", None),
    (["2330 price"], "and over the last week?", "qa", "2330", None),
    # one of its figures, asked with no company: the conversation's ("RSI多少" had searched the news)
    (["聯發科最近表現如何", "那技術面呢"], "RSI多少", "qa", "2454", None), (["2454 price"], "what is the RSI?", "qa", "2454", None),
    (["台積電新聞"], "收盤價是多少", "qa", "2330", None),
    (["How is MediaTek doing?"], "any risks?", "qa", "2454", None),
    # days ahead after a sentiment answer: no news of them exists, so the forecaster (it had repeated the sentiment)
    (["聯發科情緒如何"], "那下週呢", "forecast", "2454", 5), (["sentiment of 2317 news"], "and next month?", "forecast", "2317", 21),
    (["台積電新聞情緒"], "那聯發科呢", "sentiment", "2454", None),
    # the tone of the conversation's company's news, asked bare (it had asked which company, or searched the news)
    (["鴻海新聞"], "有利空嗎", "sentiment", "2317", None), (["鴻海新聞"], "最負面的是哪則", "sentiment", "2317", None),
    (["2330 price"], "any bad news?", "sentiment", "2330", None),
]


@pytest.mark.parametrize("history, query, route, code, horizon", FOLLOW_UPS)
def test_follow_up_keeps_the_last_intent(assistant, history, query, route, code, horizon):
    session = ChatSession()
    for earlier in history:
        assistant.answer(earlier, session=session)
    got = assistant.route(query, session=session)
    assert (got["route"], got["code"], got["horizon_days"]) == (route, code, horizon)


@pytest.mark.parametrize("message, zh", [("準嗎", True), ("那準確率呢", True), ("how accurate?", False), ("is it reliable?", False),
                                          ("how accurate is that?", False), ("how good is it?", False)])
def test_how_accurate_right_after_a_forecast_is_about_forecasts(assistant, engines, message, zh):
    session = ChatSession()
    assistant.answer("forecast 2330 next 5 days", session=session)
    calls = len(engines["forecast"].calls)
    answer = assistant.answer(message, session=session)
    assert answer.engine == "help" and answer.code == "2330" and len(engines["forecast"].calls) == calls
    assert ("並未勝過這些簡單基準" in answer.answer) == zh and ("does not beat those baselines" in answer.answer) != zh
    assistant.answer("forecast 2330 next 5 days", session=session)
    assert "does not beat those baselines" not in assistant.answer("good", session=session).answer  # an acknowledgement
    fresh = ChatSession()  # after no forecast, a bare "準嗎" is no question about forecasts
    assistant.answer("台積電新聞", session=fresh)
    assert assistant.answer(message, session=fresh).engine != "help"


@pytest.mark.parametrize("message, zh", [("why?", False), ("how did you get that?", False), ("為什麼", True),
                                         ("依據是什麼", True), ("how confident are you?", False), ("有多少把握", True)])
def test_why_or_how_sure_right_after_a_forecast_is_about_that_forecast(assistant, engines, message, zh):
    """"why?" gets how the forecast was made, "how confident are you?" how forecasts are scored; the
    conversation stays on the forecast, so "what about 10 days?" next is that forecast again."""
    session = ChatSession()
    assistant.answer("forecast 2330 next 5 days", session=session)
    calls = len(engines["forecast"].calls)
    answer = assistant.answer(message, session=session)
    assert answer.route == "forecast" and answer.engine == "help" and answer.code == "2330"
    assert len(engines["forecast"].calls) == calls and not engines["qa"].calls
    assert ("預測" in answer.answer) == zh
    assert assistant.route("what about 10 days?", session=session)["route"] == "forecast"
    fresh = ChatSession()
    assistant.answer("台積電新聞", session=fresh)
    assert assistant.answer(message, session=fresh).engine != "help"  # after news, "why?" is the news's


@pytest.mark.parametrize("message, zh", [("why?", False), ("為什麼", True)])
def test_why_right_after_a_sentiment_answer_says_how_the_score_is_made(assistant, engines, message, zh):
    session = ChatSession()
    assistant.answer("sentiment of 2330", session=session)
    calls = len(engines["sentiment"].calls)
    answer = assistant.answer(message, session=session)
    assert answer.route == "sentiment" and answer.engine == "help" and answer.code == "2330"
    assert len(engines["sentiment"].calls) == calls
    assert ("淨分數" in answer.answer) == zh and ("(positive − negative) / n" in answer.answer) != zh


def test_how_accurate_the_sentiment_is_comes_from_the_classifier_s_own_evaluation(assistant, engines, data_dir):
    """Its validation scores as training wrote them beside it; with none trained, how to train one."""
    import json

    message = "how accurate is your sentiment classifier?"
    assert "No trained CPU sentiment classifier" in assistant.answer(message).answer
    folder = data_dir.adapters_dir / "sentiment-embedded"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eval_results.json").write_text(json.dumps({
        "n": 200, "accuracy": 0.81, "weighted_f1": 0.8, "by_file": {"fpb_train.csv": {"n": 200, "weighted_f1": 0.8}}}))
    (folder / "training_config.json").write_text(json.dumps({"data": ["../shared/data/sentiment/fpb_train.csv"]}))
    a = assistant.answer(message)
    assert a.engine == "help" and not any(e.calls for e in engines.values())
    assert "trained on fpb_train.csv) scores a weighted F1 of 0.800 and an accuracy of 0.810 on its 200" in a.answer
    session = ChatSession()
    assistant.answer("台積電新聞情緒", session=session)
    zh = assistant.answer("準嗎", session=session)  # right after a sentiment answer: the same, of it
    assert zh.engine == "help" and "加權 F1 0.800" in zh.answer


def test_without_a_session_a_follow_up_has_no_memory(assistant):
    assert assistant.route("and next month?")["code"] is None


# --- the RouterQueryEngine dispatch -----------------------------------------------------------
def test_router_query_engine_runs_the_selected_engine_and_returns_the_typed_answer(assistant, engines):
    answer = assistant.answer("台積電最近新聞情緒如何？")
    assert isinstance(answer, Answer)
    assert answer.engine == "fake-sentiment" and answer.code == "2330"
    assert len(engines["sentiment"].calls) == 1 and not engines["qa"].calls and not engines["forecast"].calls
    req = engines["sentiment"].calls[0]
    assert req.code == "2330" and req.message == "台積電最近新聞情緒如何？"


def test_stream_yields_deltas_then_the_answer_last(assistant):
    items = list(assistant.stream("forecast 2330 next 5 days"))
    assert items[:-1] == ["forecast ", "streamed"]
    assert isinstance(items[-1], Answer) and items[-1].answer == "forecast streamed"


def test_engine_request_carries_slots(assistant, engines):
    assistant.answer("as of 2025-03-01 forecast 2330 兩週")
    req = engines["forecast"].calls[0]
    assert (req.code, req.horizon_days, req.as_of.isoformat()) == ("2330", 10, "2025-03-01")


def test_a_price_to_reach_after_a_forecast_keeps_its_company_and_horizon(assistant, engines):
    """"what's the probability it goes above 1000?" after "2330 forecast for next month": 1000 is
    the price (it had been an unknown company '1000' and a news question), over that month."""
    session = ChatSession()
    assistant.answer("2330 forecast for next month", session=session)
    for message in ("what's the probability it goes above 1000?", "and below 900?"):
        answer = assistant.answer(message, session=session)
        req = engines["forecast"].calls[-1]
        assert answer.route == "forecast" and (req.code, req.horizon_days) == ("2330", 21)
        assert not any("Unknown company" in n for n in answer.notices)
    assert "could not find a listed company called '1000'" in assistant.answer("forecast 1000").answer  # a code alone is still one


@pytest.mark.parametrize("message", ["回測準確率多少", "那回測呢", "backtest accuracy?"])
def test_the_backtest_asked_after_a_forecast_is_that_forecast(assistant, engines, message):
    """"回測準確率多少" right after a forecast is that forecast with its backtest (it had asked which company)."""
    session = ChatSession()
    assistant.answer("forecast 2330 next 10 days", session=session)
    assistant.answer(message, session=session)
    req = engines["forecast"].calls[-1]
    assert len(engines["forecast"].calls) == 2 and (req.code, req.horizon_days) == ("2330", 10)


def test_a_company_s_risk_asked_as_a_follow_up_is_its_own_question(assistant, engines):
    """"那風險呢" after a forecast is the risk profile, not the forecast again."""
    session = ChatSession()
    assistant.answer("forecast 2330 next 10 days", session=session)
    risk = assistant.route("那風險呢", session=session)
    assert (risk["route"], risk["code"]) == ("qa", "2330")


def test_selected_route_through_the_llamaindex_selector(engines):
    router = FinqaRouter(engines)
    assert router.selected_route("forecast 2454 tomorrow") == "forecast"
    assert router.selected_route("鴻海新聞情緒") == "sentiment"
    assert router.selected_route("什麼是本益比？") == "qa"


# --- the selector guard (run-llama/llama_index#23072) -----------------------------------------
class FixedIndexSelector(BaseSelector):
    """A selector answering a fixed index, like an LLM selector after its `choice - 1`."""

    def __init__(self, index: int) -> None:
        self.index = index

    def _get_prompts(self):
        return {}

    def _update_prompts(self, prompts_dict) -> None:
        return None

    def _select(self, choices, query):
        return SelectorResult(selections=[SingleSelection(index=self.index, reason="fixed")])

    async def _aselect(self, choices, query):
        return self._select(choices, query)


def _tools(engines):
    return [QueryEngineTool(query_engine=engines[r], metadata=ToolMetadata(name=r, description=r))
            for r in ("forecast", "sentiment", "qa")]


def test_unguarded_llamaindex_router_runs_the_last_tool_on_index_minus_one(engines):
    """The bug the guard exists for: index -1 silently runs the last tool."""
    llm = MockLLM()
    raw = RouterQueryEngine(selector=FixedIndexSelector(-1), query_engine_tools=_tools(engines), llm=llm,
                            summarizer=TreeSummarize(llm=llm))
    raw.query("forecast 2330")
    assert engines["qa"].calls and not engines["forecast"].calls


@pytest.mark.parametrize("index, expected", [(-1, "forecast"), (-5, "forecast"), (3, "qa"), (7, "qa"),
                                             (0, "forecast"), (1, "sentiment"), (2, "qa")])
def test_guarded_selector_clamps_out_of_range_indices(engines, index, expected):
    router = FinqaRouter(engines, selector=FixedIndexSelector(index))
    router.engine.query("anything")
    ran = [r for r, e in engines.items() if e.calls]
    assert ran == [expected]


def test_validate_selection_reason_says_it_was_clamped():
    result = validate_selection(SelectorResult(selections=[SingleSelection(index=-1, reason="llm")]), 3)
    assert result.ind == 0 and "clamped" in result.reason
    result = validate_selection(SelectorResult(selections=[SingleSelection(index=2, reason="ok"),
                                                           SingleSelection(index=0, reason="extra")]), 3)
    assert result.inds == [2]
    assert validate_selection(SelectorResult(selections=[]), 3).ind == 0
    with pytest.raises(ValueError):
        validate_selection(SelectorResult(selections=[]), 0)


def test_guarded_selector_async_path(engines):
    import asyncio

    guarded = GuardedSelector(FixedIndexSelector(-1))
    choices = [ToolMetadata(name=r, description=r) for r in ("forecast", "sentiment", "qa")]
    assert asyncio.run(guarded.aselect(choices, "x")).ind == 0


# --- the embedding fallback -------------------------------------------------------------------
class KeywordEmbedder:
    """A deterministic stand-in embedder: bag of a few words, enough to test the selector maths."""

    VOCAB = ("forecast", "price", "sentiment", "news", "explain", "headline", "走勢", "情緒")

    def __init__(self) -> None:
        self.calls = 0

    def embed_queries(self, texts):
        import numpy as np

        self.calls += 1
        return np.asarray([[t.lower().count(w) + 0.01 for w in self.VOCAB] for t in texts], dtype=float)


def test_embedding_selector_used_when_no_rule_applies():
    from assistant.router import EmbeddingRouteSelector

    emb = KeywordEmbedder()
    exemplars = {"forecast": ["forecast price path"], "sentiment": ["sentiment headline"], "qa": ["explain news"]}
    classifier = IntentClassifier(EmbeddingRouteSelector(emb, exemplars))
    decision = classifier.decide("TSMC headline sentiment check")  # "sentiment" is a rule: rules first
    assert decision.source == "rule" and emb.calls == 0
    decision = classifier.decide("price price price for 2330")
    assert (decision.route, decision.source) == ("forecast", "embedding")


def test_embedding_selector_with_the_packaged_minilm():
    """The real MiniLM: messages no rule covers land on the route of their closest exemplars."""
    from assistant.router import EmbeddingRouteSelector

    selector = EmbeddingRouteSelector()
    classifier = IntentClassifier(selector)
    for text, route in [("TSMC 2330 closing level in a few sessions", "forecast"),
                        ("investor mood around Hon Hai lately", "sentiment")]:
        decision = classifier.decide(text)
        assert decision.source in ("embedding", "rule")
        assert decision.route == route, (text, decision)
    # Exemplars map to their own route.
    for route, examples in EXEMPLARS.items():
        assert selector.select(examples[0]).route == route
    # A company and a topic, with no word of the future or of feeling, are the news's, whatever
    # exemplar a short text sits near.
    for text in ("TSMC 2nm", "Hon Hai EV plans", "TSMC Arizona", "TSMC new products"):
        decision = classifier.decide(text, parse_slots(text))
        assert decision.route == "qa", (text, decision)


@pytest.mark.parametrize("message", ["   ", "🚀🚀🚀", "...", "!!"])
def test_empty_message_is_answered_without_an_engine(assistant, engines, message):
    """Nothing but blanks, emoji or punctuation: no question to route."""
    answer = assistant.answer(message)
    assert answer.engine == "input" and "Please type a question" in answer.answer
    assert not any(e.calls for e in engines.values())
    assert assistant.answer("2330 🚀").code == "2330"  # a company beside them is a question


def test_huge_message_is_truncated_with_a_notice(assistant, engines):
    answer = assistant.answer("Why did TSMC shares fall? " + "blah " * 2000)
    assert any("4,000" in n for n in answer.notices)
    assert len(engines["qa"].calls[0].message) == 4000


def test_unknown_company_gets_suggestions_not_an_engine_call(assistant, engines):
    answer = assistant.answer("forecast TSMCC next week")
    assert answer.engine == "router" and "TSMCC" in answer.answer and "Did you mean: 2330" in answer.answer
    none_close = assistant.answer("forecast FOOBAR next week")  # nothing close: no made-up guesses
    assert none_close.engine == "router" and "called 'FOOBAR'" in none_close.answer
    assert "Did you mean" not in none_close.answer
    assert not engines["forecast"].calls


@pytest.mark.parametrize("message, word", [("what is the price of 9999?", "9999"), ("what is the price of 23300?", "23300"),
                                           ("9999的股價多少", "9999")])
def test_a_price_asked_of_a_code_that_is_no_company_names_it(assistant, engines, message, word):
    """"what is the price of 9999?" had quoted laptop prices from the news (only "9999 price" said
    the code was unknown)."""
    answer = assistant.answer(message)
    assert answer.engine == "router" and (f"'{word}'" in answer.answer or f"「{word}」" in answer.answer), answer.answer
    assert not any(e.calls for e in engines.values())


@pytest.mark.parametrize("message, word, code, missing", [
    # 机 for 積: two of three characters right; written in Simplified, answered in Simplified
    ("预测台机电未来五天", "台机电", "2330 台积电", "找不到名为"),
    ("聯發可最近新聞情緒如何", "聯發可", "2454 聯發科", "找不到名為"),  # said as typed, in Traditional
    ("forecast 台机电 next week", "台机电", "2330 台积电", "找不到名为"),
])
def test_a_mistyped_chinese_name_gets_suggestions_in_chinese(assistant, engines, message, word, code, missing):
    answer = assistant.answer(message)
    assert answer.engine == "router" and f"{missing}「{word}」" in answer.answer and code in answer.answer
    assert not engines["forecast"].calls and not engines["sentiment"].calls


def test_no_name_close_enough_asks_which_company_and_open_questions_get_no_guess(assistant, engines):
    answer = assistant.answer("預測大盤未來五天")
    assert answer.engine == "router" and answer.answer.startswith("要預測哪家公司") and "您是指" not in answer.answer
    qa = assistant.answer("什么是本益比")  # a QA question: no company needed, no guess made
    assert qa.engine != "router" and engines["qa"].calls and not any("找不到" in n for n in qa.notices)


@pytest.mark.parametrize("message", ["TSMCC forecast", "Mediatec sentiment", "Foxconm's stock outlook"])
def test_an_unknown_name_before_the_intent_gets_suggestions(assistant, engines, message):
    answer = assistant.answer(message)
    assert answer.engine == "router" and "I could not find a listed company" in answer.answer
    assert "Did you mean: 2" in answer.answer  # a listed code first
    assert not any(e.calls for e in engines.values())


@pytest.mark.parametrize("message, zh", [
    ("hello", False), ("Hi there!", False), ("What can you do?", False), ("help", False),
    ("你好", True), ("您好！", True), ("你可以做什麼？", True), ("finqa, hello", False),
    # what to ask, and about finqa itself (they had searched the news)
    ("what can I ask about TSMC?", False), ("台積電可以問什麼", True), ("example questions", False),
    ("who made you?", False), ("are you an AI?", False), ("你是AI嗎", True), ("is this investment advice?", False),
    ("這是投資建議嗎", True),
])
def test_small_talk_gets_the_capabilities_not_an_engine(assistant, engines, message, zh):
    answer = assistant.answer(message)
    assert answer.engine == "help" and not any(e.calls for e in engines.values())
    assert ("`forecast 2330 next 5 days`" in answer.answer) != zh
    assert ("`聯發科最近新聞情緒如何？`" in answer.answer) == zh
    assert ("`How is TSMC doing?`" in answer.answer) != zh and ("`台股今天怎麼樣`" in answer.answer) == zh
    assert "investment advice" in answer.answer or "投資建議" in answer.answer


@pytest.mark.parametrize("message, zh", [
    ("how accurate are your forecasts?", False), ("why should I trust this forecast?", False),
    ("what's the hit rate of your predictions?", False), ("預測準確率多少", True), ("你的預測準不準", True),
    ("how accurate is your forecaster?", False), ("can I trust the predictor?", False),
    ("為什麼你的預測跟隨機漫步差不多", True), ("你的預測是不是亂猜", True),
    ("why are your forecasts no better than a random walk?", False), ("why should I trust you?", False), ("你可信嗎", True),
])
def test_questions_about_forecast_quality_get_how_it_is_measured(assistant, engines, message, zh):
    """Not "Which company should I forecast?": how forecasts are scored, and that they do not beat
    the trivial baselines."""
    answer = assistant.answer(message)
    assert answer.engine == "help" and not any(e.calls for e in engines.values())
    assert ("does not beat those baselines" in answer.answer) != zh and ("並未勝過這些簡單基準" in answer.answer) == zh
    assert "--protocol acl18" in answer.answer


@pytest.mark.parametrize("message, zh", [
    ("how does your forecaster work?", False), ("how do you make predictions?", False), ("預測是怎麼算的", True),
    ("what are the analogs for 2330?", False), ("how do I read your forecast?", False), ("預測要怎麼看", True),
])
def test_how_forecasts_are_made_gets_the_method(assistant, engines, message, zh):
    answer = assistant.answer(message)
    assert answer.engine == "help" and not any(e.calls for e in engines.values())
    assert ("most similar windows" in answer.answer) != zh and ("最相近的一批窗格" in answer.answer) == zh
    assert "random walk" in answer.answer or "隨機漫步" in answer.answer


@pytest.mark.parametrize("message, zh", [
    ("what models do you use", False), ("which models are loaded?", False), ("what AI is this?", False),
    ("你用什麼模型", True), ("模型有載入嗎", True),
    # where they run (it had quoted news about graphics cards)
    ("are you using a GPU?", False), ("do you run on a GPU?", False), ("你有用GPU嗎", True),
])
def test_questions_about_the_models_get_the_engines_status(data_dir, message, zh):
    """Not the news's nearest sentences about laptops "models": each engine's tier and why, as the
    UI's status panel says it, in the message's language."""
    answer = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert answer.engine == "help"
    if zh:
        assert "類比法（CPU 層：最相近的歷史窗格）" in answer.answer and "檢索：all-MiniLM-L6-v2" in answer.answer
    else:
        assert "- Forecasts: analog (CPU tier, nearest historical windows): cpu_only is set" in answer.answer
        assert "- Retrieval: all-MiniLM-L6-v2" in answer.answer


@pytest.mark.parametrize("message, code", [
    ("update 2330", "2330"), ("how do I add a company?", None), ("can you fetch the latest prices?", None),
    ("更新台積電股價", "2330"), ("怎麼新增公司", None),
])
def test_asking_to_fetch_data_gets_the_commands_and_the_data_tab(assistant, engines, message, code):
    """The chat never fetches on its own: the way to, with the company named."""
    answer = assistant.answer(message)
    assert answer.engine == "help" and not any(e.calls for e in engines.values())
    assert f"finqa ingest prices {code or ('代號' if '更' in message or '怎' in message else 'CODE')}" in answer.answer
    assert "Data" in answer.answer


@pytest.mark.parametrize("message", ["update me on TSMC news", "add 2 lots of 2330 to my portfolio",
                                     "TSMC updates its guidance", "台積電股價更新到哪天"])
def test_news_or_holdings_with_such_words_are_no_request_to_fetch(assistant, engines, message):
    assert assistant.answer(message).engine != "help"


@pytest.mark.parametrize("message", ["what model of iPhone does TSMC supply?", "TSMC business model",
                                     "which models of Acer laptops sold best?"])
def test_a_product_model_is_no_question_about_finqa(assistant, engines, message):
    assert assistant.answer(message).engine != "help"


@pytest.mark.parametrize("message", ["how accurate is the 2330 forecast?", "how good is a business model like TSMC's?",
                                     "what is a good prediction market?"])
def test_forecast_quality_needs_no_company_and_a_forecast(assistant, engines, message):
    assert assistant.answer(message).engine != "help"


@pytest.mark.parametrize("message, reply", [
    ("thanks", "You're welcome!"), ("Thank you so much!", "You're welcome!"), ("bye", "Goodbye!"),
    ("謝謝", "不客氣！"), ("掰掰", "再見！"),
])
def test_thanks_and_goodbyes_get_a_short_reply(assistant, engines, message, reply):
    answer = assistant.answer(message)
    assert answer.engine == "help" and answer.answer.startswith(reply) and not any(e.calls for e in engines.values())
    assert "`forecast 2330 next 5 days`" not in answer.answer  # not the whole list again


def test_questions_about_finqa_itself_get_a_plain_word_first(assistant):
    assert assistant.answer("is this investment advice?").answer.startswith("No. finqa gives the facts")
    assert assistant.answer("這是投資建議嗎").answer.startswith("不是。")
    assert assistant.answer("are you an AI?").answer.startswith("I'm finqa, a program, not a person")
    assert assistant.answer("sources?").answer.startswith("Where finqa's data comes from")


@pytest.mark.parametrize("message", ["hello, forecast 2330", "thanks, and 2454?", "help me understand TSMC's capex",
                                     "你好，台積電會漲嗎", "ok next week?", "what can I ask about TSMC's capex plans for 2026 and beyond?"])
def test_a_real_question_with_a_greeting_still_goes_to_an_engine(message):
    from assistant.small_talk import is_small_talk

    assert not is_small_talk(message)


@pytest.mark.parametrize("message", ["what's up?", "How are you doing today?", "how's it going", "你好嗎？", "在嗎",
                                     # a greeting, then small talk again (it had searched the news)
                                     "Hi, what can you do?", "hello! what can you do", "你好，你可以做什麼"])
def test_a_greeting_is_small_talk(message):
    """"what's up?" had searched the news; "what's up with TSMC?" and "what's moving today?" stay questions."""
    from assistant.small_talk import is_small_talk

    assert is_small_talk(message)
    assert not is_small_talk("what's up with TSMC?") and not is_small_talk("what's moving today?")


def test_forecast_without_stored_prices_names_the_ingest_command(assistant, engines):
    answer = assistant.answer("forecast 2603 next week")
    assert "finqa ingest prices 2603" in answer.answer
    assert not engines["forecast"].calls


def test_engine_failure_is_a_message_not_a_stack_trace(data_dir):
    class Broken(RecordingEngine):
        def run_stream(self, req):
            raise RuntimeError("boom")

    engines = {r: RecordingEngine(route=r, calls=[]) for r in ("forecast", "sentiment")}
    engines["qa"] = Broken(route="qa", calls=[])
    answer = Assistant(data_dir, engines=engines).answer("What is a P/E ratio?")
    assert answer.route == "qa" and "boom" in answer.answer


# --- finqa eval router ------------------------------------------------------------------------
def test_evaluate_router_metrics_hand_computed(assistant, tmp_path):
    from finetune.eval_router import evaluate_router

    rows = [
        {"query": "forecast 2330 next 5 days", "route": "forecast", "code": "2330", "horizon_days": 5},
        {"query": "forecast 2454 tomorrow", "route": "forecast", "code": "2454", "horizon_days": 5},  # horizon wrong
        {"query": "台積電最近新聞情緒如何？", "route": "qa", "code": "2330", "horizon_days": None},  # route wrong
        {"query": "and 2317?", "route": "forecast", "code": "2317", "horizon_days": 10,
         "history": ["forecast 2330 next two weeks"]},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = evaluate_router(path, assistant=assistant)
    assert result["n"] == 4
    assert result["route_accuracy"] == 0.75 and result["code_accuracy"] == 1.0
    assert result["horizon_accuracy"] == round(2 / 3, 4) and result["exact"] == 0.5
    assert result["confusion"]["qa"] == {"forecast": 0, "sentiment": 1, "qa": 0}
    assert result["per_route"]["forecast"] == {"n": 3, "accuracy": 1.0}
    assert len(result["errors"]) == 2


def test_evaluate_router_rejects_a_bad_line(tmp_path):
    from finetune.eval_router import evaluate_router
    from ingest.errors import FinqaError

    path = tmp_path / "bad.jsonl"
    path.write_text('{"query": "x", "route": "forecast", "code": null, "horizon_days": 5}\n{"query": 1}\n')
    with pytest.raises(FinqaError, match="bad.jsonl:2"):
        evaluate_router(path, assistant=object())


def test_labelled_router_cases_file_is_complete():
    from pathlib import Path

    from finetune.eval_router import load_cases

    cases = load_cases(Path(__file__).parent / "data" / "router_cases.jsonl")
    assert len(cases) >= 80
    assert {c["route"] for c in cases} == {"forecast", "sentiment", "qa"}
    text = " ".join(c["query"] for c in cases)
    assert "週" in text and "周" in text  # Traditional and Simplified both present


def test_no_company_near_a_forecast_exemplar_is_answered_from_the_news(assistant, engines):
    """The embedding selector finds "川普關稅對台灣科技業的影響" closest to a forecast exemplar, but
    with no company to forecast the news answers it rather than "which company?"."""
    answer = assistant.answer("川普關稅對台灣科技業的影響")
    assert answer.engine != "router" and engines["qa"].calls and not engines["forecast"].calls
    assert IntentClassifier().decide("forecast 2330 next week").route == "forecast"  # rules still decide


@pytest.mark.parametrize("name", ["router_cases.jsonl", "router_holdout.jsonl", "router_holdout2.jsonl"])
def test_the_labelled_files_route_as_labelled(data_dir, name):
    """Every labelled query (and both held-out files) goes to its engine, with the real MiniLM
    behind the embedding selector: a change to a rule that sends one elsewhere fails here."""
    from pathlib import Path

    from assistant.service import Assistant
    from finetune.eval_router import evaluate_router

    result = evaluate_router(Path(__file__).parent / "data" / name,
                             assistant=Assistant(data_dir.model_copy(update={"cpu_only": True})))
    assert result["route_accuracy"] == 1.0, result["errors"]
    if name == "router_cases.jsonl":
        assert result["exact"] == 1.0, result["errors"]


def test_the_tone_of_what_was_just_classified_or_read_is_asked_again(assistant, engines):
    """"is that positive?" after 'classify "..."' classifies that text again (not the company it
    names); 'and this one: "..."' classifies the new text; "是利多嗎" after a company's sentiment asks
    of that company; after a price answer the words are no sentiment follow-up."""
    session = ChatSession()
    assistant.answer('classify "TSMC raises guidance after strong AI demand"', session=session)
    assert assistant.answer("is that positive?", session=session).route == "sentiment"
    again = engines["sentiment"].calls[-1]
    assert again.quoted_text == "TSMC raises guidance after strong AI demand" and again.code is None
    assistant.answer('and this one: "MediaTek cuts its outlook as smartphone demand weakens"', session=session)
    assert engines["sentiment"].calls[-1].quoted_text == "MediaTek cuts its outlook as smartphone demand weakens"
    company = ChatSession()
    assistant.answer("台積電新聞情緒", session=company)
    assistant.answer("是利多嗎", session=company)
    last = engines["sentiment"].calls[-1]
    assert last.code == "2330" and last.quoted_text is None
    price = ChatSession()
    assistant.answer("2330 price", session=price)
    assert assistant.route("is that positive?", session=price)["route"] != "sentiment"
