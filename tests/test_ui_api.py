"""The UI without a browser: rendering, the chat handler, the Data tab, and the ``/chat`` API.

The API tests launch the real app on 127.0.0.1 with the real Assistant (CPU tiers) over the
synthetic fixture dataset and talk to it through ``gradio_client``, including 10 concurrent
sessions. The handler tests use tiny stand-in assistants only where the point is the UI's own
behaviour (streaming deltas, an engine that crashes).
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

import ui
from assistant.types import Answer, Citation, Forecast, ForecastPoint, SentimentItem, SentimentResult
from ingest.errors import FinqaError, UnknownCompanyError
from tests.ui_server import serve_ui

CLIENT_TIMEOUT_S = 300  # a hang guard for the threads, not a speed assertion


# --- rendering -------------------------------------------------------------------------------------------
def _forecast(figure=None) -> Forecast:
    path = [ForecastPoint("2026-11-23", 101.0, 99.0, 103.0), ForecastPoint("2026-11-24", 102.0, 98.0, 105.0)]
    return Forecast(code="2330", name_zh="台積電", name_en="TSMC", as_of="2026-11-20", horizon_days=2, path=path,
                    p_rise=0.625, engine="analog", last_close=100.0, figure=figure,
                    backtest={"engine": {"name": "analog", "hit_rate": 0.55, "mcc": 0.1, "n": 40},
                              "baselines": {"always_rise": {"hit_rate": 0.5, "mcc": 0.0},
                                            "momentum_1d": {"hit_rate": 0.45, "mcc": -0.1}}})


def test_forecast_rendering_table_and_backtest():
    f = _forecast()
    text = ui.render_forecast(f)
    assert "P(rise): 62.5%" in text and "`analog`" in text
    assert "| analog (this forecast) | 55.0% | +0.10 | 40 |" in text
    assert "| always rise | 50.0% | +0.00 | 40 |" in text  # baselines share the engine's steps
    assert "102.00" in text and "+2.00%" in text  # day-2 expected close vs the last close
    table = ui.forecast_table(f)
    assert list(table.columns) == ["date", "close", "low (10%)", "high (90%)", "vs last"]
    assert table["date"].tolist() == ["2026-11-23", "2026-11-24"] and table["vs last"].tolist() == ["+1.00%", "+2.00%"]
    # Without the engine's figure the UI draws stored bars + the path + the band itself.
    bars = pd.DataFrame({"open": [99.0, 100.0], "high": [101.0, 101.0], "low": [98.0, 99.0], "close": [100.0, 100.0]},
                        index=pd.to_datetime(["2026-11-19", "2026-11-20"]))
    fig = ui.forecast_figure(f, bars)
    kinds = [t.type for t in fig.data]
    assert "candlestick" in kinds and kinds.count("scatter") == 3
    assert list(fig.data[-1].y) == [100.0, 101.0, 102.0]  # the path starts at the last close
    assert ui.forecast_figure(_forecast(figure="engine-figure")) == "engine-figure"


def test_sentiment_rendering_orders_headlines_and_counts():
    items = [SentimentItem("meh", "https://x/n", "neutral", 0.9),
             SentimentItem("good", "https://x/p1", "positive", 0.7),
             SentimentItem("great", "https://x/p2", "positive", 0.95),
             SentimentItem("bad [sic] | x", "https://x/n1", "negative", 0.8)]
    res = SentimentResult(counts={"positive": 2, "neutral": 1, "negative": 1}, score=0.25, items=items, code="2330")
    pos, neg = ui.top_headlines(res)
    assert [i.title for i in pos] == ["great", "good"] and [i.title for i in neg] == ["bad [sic] | x"]
    md = ui.render_sentiment(res)
    assert "**Net sentiment +0.25** over 4 articles" in md
    assert md.index("[great](https://x/p2)") < md.index("[good](https://x/p1)") < md.index("Most negative")
    assert "[bad \\[sic\\] \\| x](https://x/n1)" in md  # titles cannot break the markdown link
    fig = ui.sentiment_figure(res)
    assert list(fig.data[0].x) == ["negative", "neutral", "positive"] and list(fig.data[0].y) == [1, 1, 2]
    seven = SentimentResult(counts={"strong positive": 1, "mildly negative": 2}, score=0.0,
                            items=[SentimentItem("a", None, "mildly negative", 0.9),
                                   SentimentItem("b", None, "strong negative", 0.6)])
    assert [i.title for i in ui.top_headlines(seven)[1]] == ["b", "a"]  # strong before mild
    # quoted headlines (no link, no date) are texts, not a company's news: "for 2330" had titled them
    quoted = SentimentResult(counts={"positive": 1, "negative": 1}, score=0.0,
                             items=[SentimentItem("TSMC beats estimates", None, "positive", 0.7),
                                    SentimentItem("UMC warns", None, "negative", 0.9)])
    assert "over 2 quoted texts" in ui.render_sentiment(quoted)
    assert ui.sentiment_figure(quoted).layout.title.text == "Sentiment of the quoted texts: net +0.00"
    assert list(ui.sentiment_figure(seven).data[0].x) == ["mildly negative", "strong positive"]
    res.weekly = [{"week": "2025-03-03", "n": 3, "positive": 0, "negative": 2, "score": -0.6667},
                  {"week": "2025-03-10", "n": 4, "positive": 3, "negative": 0, "score": 0.75}]
    weekly = ui.sentiment_figure(res)  # the trend asked: the net score by week, coloured by its sign
    assert list(weekly.data[0].x) == ["2025-03-03", "2025-03-10"] and list(weekly.data[0].y) == [-0.6667, 0.75]
    assert list(weekly.data[0].marker.color) == [ui._SENTIMENT_COLOURS["negative"], ui._SENTIMENT_COLOURS["positive"]]


def test_answer_markdown_by_route():
    qa = Answer(route="qa", engine="qa:cpu-extractive", answer="Inversions precede recessions [1].",
                citations=[Citation(2, "Second", None, None, None), Citation(1, "Yield curve", "Wire", "2026-11-16",
                                                                          "https://x/1")],
                notices=["Your message was truncated to 4,000 characters."], fallback_reason="cpu_only is set")
    md = ui.render_answer_markdown(qa)
    assert "**Sources**\n\n1. [Yield curve](https://x/1) — Wire, 2026-11-16" in md and "2. Second" in md
    assert md.index("1. [Yield") < md.index("2. Second")
    assert "truncated" in md and "answered by `qa:cpu-extractive` (fallback: cpu_only is set)" in md
    # An answer that already says why the CPU tier answered does not repeat it in the footer.
    said = Answer(route="qa", engine="qa:cpu-extractive", fallback_reason="no GPU on this machine",
                  answer="CPU tier (extractive; no language model loaded: no GPU on this machine).\n\n- x [1]")
    assert ui.render_answer_markdown(said).endswith("_answered by `qa:cpu-extractive`_")
    zh = Answer(route="qa", engine="qa:cpu-extractive", fallback_reason="cpu_only is set",
                answer="CPU 層（擷取式；未載入語言模型：已設定 cpu_only）。")
    assert ui.render_answer_markdown(zh).endswith("_answered by `qa:cpu-extractive`_")
    fc = ui.render_answer_markdown(Answer(route="forecast", engine="forecast:analog", answer="up", forecast=_forecast()))
    assert "P(rise) **62.5%**" in fc
    empty = ui.render_answer_markdown(Answer(route="qa", engine="x", answer="  "))
    assert empty.startswith("(no answer text)")
    # a sentiment answer with the span's prices beside it lists their source
    from assistant.types import SentimentResult

    tone = Answer(route="sentiment", engine="sentiment:cpu-minilm", answer="... [1]",
                  sentiment=SentimentResult(counts={"positive": 1, "neutral": 0, "negative": 0}, score=1.0, items=[]),
                  citations=[Citation(1, "2330 daily prices", "TWSE", "2025-04-30", None)])
    assert "**Sources**\n\n1. 2330 daily prices — TWSE, 2025-04-30" in ui.render_answer_markdown(tone)


def test_small_helpers():
    assert ui.parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    assert ui.parse_auth(None) is None
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(FinqaError, match="user:pass"):
            ui.parse_auth(bad)
    assert str(ui.parse_as_of("2025-05-29")) == "2025-05-29" and ui.parse_as_of("  ") is None
    with pytest.raises(FinqaError, match="YYYY-MM-DD"):
        ui.parse_as_of("last friday")
    assert ui.error_message(UnknownCompanyError("xyz", ["2330 台積電"])).startswith("⚠️ Unknown company 'xyz'")
    msg = ui.error_message(RuntimeError("internal detail"))
    assert "RuntimeError" in msg and "internal detail" not in msg and "log" in msg
    calls = []
    cb = ui._progress_callback(lambda p, desc=None: calls.append((p, desc)), "prices")
    cb(0.5, "2330 2026-10: 21 bars")
    cb(3, 4)
    cb("garbage", object())  # never raises
    assert calls == [(0.5, "prices · 2330 2026-10: 21 bars"), ((3, 4), "prices")]
    report = {"codes": {"2330": {"new_rows": 5, "months_fetched": 2}, "2454": {"new_rows": 7, "months_fetched": 1}},
              "errors": ["2454 2026-11: HTTP 500"]}
    assert ui._summarise_report(report) == "new rows 12, months fetched 3, errors 1"
    frame = ui.companies_frame({"prices": {"2330": {"rows": 3, "first": "a", "last": "2026-11-20"}},
                                "news": {"2330": 4, "2454": 2, "": 1}}, lambda c: {"2330": "台積電"}.get(c, ""))
    assert frame.to_dict("records") == [
        {"code": "2330", "name": "台積電", "last price": "2026-11-20", "bars": 3, "articles": 4},
        {"code": "2454", "name": "", "last price": "–", "bars": 0, "articles": 2}]
    side = ui.render_companies(frame)
    assert side.splitlines() == ["- **2330** 台積電 — prices to 2026-11-20, 4 articles", "- **2454** — no prices, 2 articles"]


# --- the chat handler ----------------------------------------------------------------------------------------
class _Scripted:
    """Stands in for the assistant to test the UI's own streaming and error handling."""

    def __init__(self, parts=None, exc=None):
        self.parts, self.exc, self.sessions = parts or [], exc, []

    def stream(self, message, *, session=None, as_of=None):
        self.sessions.append(session)
        yield from self.parts
        if self.exc:
            raise self.exc

    def answer(self, message, *, session=None, as_of=None):
        return [p for p in self.stream(message, session=session) if isinstance(p, Answer)][-1]

    def engine_status(self):
        raise RuntimeError("no status")


def _run(ctl, message, history=None, session=None, as_of=""):
    return list(ctl.respond(message, history or [], session, as_of))


def test_respond_streams_deltas_then_renders_the_answer(data_dir):
    final = Answer(route="qa", engine="qa:test", answer="Hello world [1]",
                   citations=[Citation(1, "T", "S", "2026-01-01", "https://x/t")])
    asst = _Scripted(["Hello", " world", " [1]", final])
    ctl = ui.ChatController(asst, data_dir, session_factory=dict)
    outs = _run(ctl, "hi")
    bubbles = [o[0][-1]["content"] for o in outs]
    assert bubbles[:4] == ["…", "Hello", "Hello world", "Hello world [1]"]  # one update per delta
    assert "[T](https://x/t)" in bubbles[-1] and "answered by `qa:test`" in bubbles[-1]
    assert outs[0][0][-2] == {"role": "user", "content": "hi"} and outs[0][2] == ""  # textbox cleared
    details = outs[-1][3]
    assert "[T](https://x/t)" in details
    # The session object is created once and handed back to the same browser session.
    session = outs[-1][1]
    _run(ctl, "again", outs[-1][0], session)
    assert asst.sessions[0] is session and asst.sessions[1] is session


def test_respond_turns_failures_into_chat_messages(data_dir):
    crash = ui.ChatController(_Scripted(["partial"], exc=KeyError("secret internal detail")), data_dir, dict)
    last = _run(crash, "forecast 2330")[-1][0][-1]["content"]
    assert "Sorry, something went wrong" in last and "KeyError" in last and "secret internal detail" not in last
    explained = ui.ChatController(_Scripted(exc=FinqaError("No prices for 9999 are stored yet.")), data_dir, dict)
    assert _run(explained, "forecast 9999")[-1][0][-1]["content"] == "⚠️ No prices for 9999 are stored yet."
    nothing = ui.ChatController(_Scripted(["text only"]), data_dir, dict)
    assert "Sorry" in _run(nothing, "hi")[-1][0][-1]["content"]  # a stream without a final Answer
    empty = ui.ChatController(_Scripted(), data_dir, dict)
    assert "Please type a question" in _run(empty, "   ")[-1][0][-1]["content"]
    assert "Please type a question" in empty.api_chat("")
    bad_date = ui.ChatController(_Scripted([Answer(route="qa", engine="x", answer="ok")]), data_dir, dict)
    assert "YYYY-MM-DD" in _run(bad_date, "hi", as_of="soon")[-1][0][-1]["content"]
    assert crash.engines().startswith("⚠️")  # a broken status is a message in the side panel


def test_respond_with_the_real_assistant_keeps_the_conversation(shared_settings):
    from assistant.service import Assistant, ChatSession

    ctl = ui.ChatController(Assistant(shared_settings), shared_settings)
    outs = _run(ctl, "forecast 2330 next 3 days")
    history, session = outs[-1][0], outs[-1][1]
    assert isinstance(session, ChatSession) and session.last_route == "forecast"
    assert "answered by `forecast:" in history[-1]["content"]
    plot, table = outs[-1][4], outs[-1][5]
    assert plot.visible and plot.value is not None
    assert table.visible and len(table.value["data"]) == 3  # three forecast trading days
    follow = _run(ctl, "and 2454?", history, session)[-1]
    assert session.last_code == "2454" and "2454" in follow[3]
    assert len(follow[0]) == 4  # both turns kept in the chat
    hello = _run(ctl, "hello", follow[0], session)[-1]
    assert "`forecast 2330 next 5 days`" in hello[0][-1]["content"] and "answered by `help`" in hello[0][-1]["content"]
    assert hello[3] == "_Nothing to chart: no engine ran for this message._" and not hello[4].visible


# --- the Data tab --------------------------------------------------------------------------------------------
def test_data_tab_unknown_company_suggests_matches(data_dir):
    ctl = ui.ChatController(_Scripted(), data_dir, dict)
    text, frame = ctl.add_company("TSMCC", True, 30)
    assert "Unknown company 'TSMCC'" in text and "Did you mean: 2330 台積電" in text
    assert frame.empty
    text, _ = ctl.add_company("  ", True, 30)
    assert "Type a company code or name" in text


def test_data_tab_fetches_prices_and_news_then_indexes(tmp_path):
    """Against loopback fakes: progress reported, rows stored, news stored, index rebuilt, key never shown."""
    from pydantic import SecretStr

    import ingest.config as config
    from ingest.prices import taipei_today
    from ingest.store import open_store
    from tests.fakes.newsapi import FakeNewsAPI
    from tests.fakes.twse import FakeExchange

    recent = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    articles = [{"source": {"id": None, "name": "Wire"}, "author": "A", "title": f"MediaTek story {i}",
                 "description": "MediaTek news.", "url": f"https://news.example.test/mtk/{i}", "urlToImage": None,
                 "publishedAt": recent, "content": "MediaTek shipped chips.", "language": lang}
                for i, lang in enumerate(["en", "en", "zh"])]
    articles[2]["title"] = "聯發科 新聞"
    with FakeExchange(until=taipei_today()) as exchange, FakeNewsAPI(articles=articles) as news:
        settings = config.configure(data_dir=tmp_path / "d", cpu_only=True, twse_url=exchange.url,
                                    tpex_url=exchange.url, twse_period_s=0.01, twse_retries=1,
                                    newsapi_url=news.base_url)
        settings = settings.model_copy(update={"newsapi_key": SecretStr(news.api_key)})
        try:
            ctl = ui.ChatController(_Scripted(), settings, dict)
            calls = []
            text, frame = ctl.add_company("MediaTek", True, 30, progress=lambda p, desc=None: calls.append((p, desc)))
        finally:
            config._current = None
        assert news.api_key not in text
    status = open_store(settings.store_path).status()
    assert status["prices"]["2454"]["rows"] > 200 and status["news"]["2454"] >= 2
    assert "2454 聯發科" in text and "Index rebuilt" in text and "⚠️" not in text
    assert frame.to_dict("records")[0]["code"] == "2454"
    fractions = [p for p, d in calls if isinstance(p, float) and d and d.startswith("prices")]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) == 13  # 12 months + current
    assert any(d and d.startswith("news") for _, d in calls) and any(d == "indexing price windows" for _, d in calls)


# --- the /chat API, 10 concurrent sessions -------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_settings(tmp_path_factory):
    import ingest.config as config
    from tests.fixture_data import shared_fixture_dir

    settings = shared_fixture_dir(tmp_path_factory.getbasetemp(), cpu_only=True)
    yield settings
    config._current = None


@pytest.fixture(scope="module")
def api_url(shared_settings):
    with serve_ui(shared_settings) as (url, _app):
        yield url


def test_chat_api_answers_each_route(api_url):
    from gradio_client import Client

    client = Client(api_url, verbose=False)
    assert "/chat" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    forecast = client.predict("forecast 2330 next 5 days", api_name="/chat")
    assert isinstance(forecast, str) and "P(rise)" in forecast and "2330" in forecast
    sentiment = client.predict("台積電最近新聞情緒如何？", api_name="/chat")
    assert "positive" in sentiment and "negative" in sentiment
    qa = client.predict("Explain what a yield curve inversion implies for equities.", api_name="/chat")
    assert "[1]" in qa and "yield" in qa.lower()
    unknown = client.predict("forecast Zyxwvut Holdings next week", api_name="/chat")
    assert "could not find" in unknown.lower() or "unknown company" in unknown.lower()


def test_ten_concurrent_sessions(api_url):
    from gradio_client import Client

    questions = ["forecast 2330 next 5 days", "forecast 2454 tomorrow", "forecast 2317 next week",
                 "台積電最近新聞情緒如何？", "How is news sentiment on MediaTek?", "鴻海新聞情緒",
                 "Explain what a yield curve inversion implies for equities.", "What did TSMC report?",
                 "聯發科下週會漲嗎", "What is a yield curve inversion?"]
    results: dict[int, str] = {}
    errors: dict[int, BaseException] = {}
    start = threading.Barrier(len(questions))

    def session(i: int) -> None:
        try:
            client = Client(api_url, verbose=False)
            start.wait(timeout=60)
            results[i] = client.predict(questions[i], api_name="/chat")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors[i] = exc

    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=CLIENT_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a session hung"
    assert errors == {}
    assert sorted(results) == list(range(10))
    for i, text in results.items():
        assert text.strip() and not text.startswith("⚠️"), (questions[i], text)
    for i in (0, 1, 2, 8):
        assert "P(rise)" in results[i], results[i]
    for i in (3, 4, 5):
        assert "net score" in results[i], results[i]


def test_an_overview_charts_its_bars_with_the_forecast_after_them(data_dir):
    """A company overview carries 60 bars and the forecast: the chart is the candlestick of those
    bars with the forecast's path and band after the last one, the table the bars."""
    from datetime import date

    from ingest.types import PriceBar

    days = [d.date() for d in pd.bdate_range("2026-08-03", periods=60)]
    bars = [PriceBar(code="2330", date=d, open=100.0 + i, high=101.0 + i, low=99.0 + i, close=100.0 + i, volume=1e6)
            for i, d in enumerate(days)]
    answer = Answer(route="qa", engine="qa:overview", answer="**2330** at a glance", code="2330", bars=bars,
                    forecast=_forecast(), citations=[Citation(1, "2330 daily prices", "TWSE", days[-1].isoformat(), None)])
    details, plot, table = ui.ChatController(None, data_dir, dict).result_views(answer)
    import json

    traces = json.loads(plot.value["plot"])["data"]
    kinds, names = [t["type"] for t in traces], [t.get("name") for t in traces]
    assert "candlestick" in kinds and "forecast" in names and "10–90% band" in names
    candles = traces[kinds.index("candlestick")]
    assert len(candles["x"]) == 60
    value = table.value
    frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value["data"], columns=value["headers"])
    assert len(frame) == 60 and frame["date"].iloc[-1] == days[-1].isoformat() and "code" not in frame.columns
    assert "2330 daily prices" in details
    assert "| always rise | 50.0% |" in details  # the backtest beside the baselines
    assert date(2026, 11, 20) > days[-1]  # the fixture's forecast starts after the bars


def test_several_forecasts_are_charted_together_and_tabled_side_by_side(data_dir):
    """"forecast 2330 and 2454": both paths on one chart, each rebased to 100 on its own last
    close (so the chart compares moves), each company's backtest in the details, and one row per
    company with its best baseline beside its hit rate."""
    import json
    from dataclasses import replace

    first = _forecast()
    second = replace(_forecast(), code="2454", name_zh="聯發科", name_en="MediaTek", last_close=50.0, p_rise=0.4,
                     path=[ForecastPoint("2026-11-23", 49.0, 47.0, 51.0), ForecastPoint("2026-11-24", 48.0, 45.0, 52.0)])
    answer = Answer(route="forecast", engine="forecast:analog", answer="both", code="2330", forecast=first,
                    forecasts=[first, second])
    assert [f["code"] for f in answer.to_json()["forecasts"]] == ["2330", "2454"]
    assert "forecasts" not in Answer(route="forecast", engine="x", answer="one", forecast=first, forecasts=[first]).to_json()
    assert "P(rise) 2330 **62.5%** · 2454 **40.0%** · chart and table" in ui.render_answer_markdown(answer)
    details, plot, table = ui.ChatController(None, data_dir, dict).result_views(answer)
    traces = json.loads(plot.value["plot"])["data"]
    paths = {t["name"]: t["y"] for t in traces if "forecast" in (t.get("name") or "")}
    assert paths == {"2330 forecast (P(rise) 62%)": [100.0, 101.0, 102.0], "2454 forecast (P(rise) 40%)": [100.0, 98.0, 96.0]}
    assert "**2330 台積電 TSMC**" in details and "**2454 聯發科 MediaTek**" in details
    value = table.value
    frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value["data"], columns=value["headers"])
    assert frame["company"].tolist() == ["2330 台積電", "2454 聯發科"]
    assert frame["change"].tolist() == ["+2.00%", "-4.00%"] and frame["P(rise)"].tolist() == ["62.5%", "40.0%"]
    assert frame["backtest hit rate"].tolist() == ["55.0%", "55.0%"]
    assert frame["best baseline"].tolist() == ["always rise 50.0%", "always rise 50.0%"]


def test_a_consent_page_url_is_not_offered_as_the_articles_link():
    """newsapi gives about one Yahoo article in ten a consent.yahoo.com URL with a one-off session:
    the title is shown, the dead link is not."""
    from assistant.chat_cli import render_answer
    from ingest.article_body import is_interstitial_url

    consent = "https://consent.yahoo.com/v2/collectConsent?sessionId=1_cc-session_0dd65145"
    assert is_interstitial_url(consent) and not is_interstitial_url("https://tw.news.yahoo.com/x.html")
    assert not is_interstitial_url(None) and not is_interstitial_url("not a url")
    answer = Answer(route="qa", engine="qa:test", answer="x [1] [2]", citations=[
        Citation(1, "台積電重訊", "Yahoo", "2025-04-01", consent), Citation(2, "TSMC update", "Fixture", None, "https://x/t")])
    md = ui.render_citations(answer)
    assert consent not in md and "台積電重訊 (no link: newsapi gave a cookie-consent page" in md and "[TSMC update](https://x/t)" in md
    text = render_answer(answer)
    assert consent not in text and "no link: a cookie-consent page" in text and "https://x/t" in text


def test_a_ranking_by_a_measure_shows_each_value_in_its_own_unit(data_dir):
    """A screen by RSI shows 36.0 (not +3600%), a correlation +0.74, a drawdown a percentage."""
    answer = Answer(route="qa", engine="qa:prices", answer="ranked", ranking={
        "screen": [{"code": "6166", "name": "6166 ADLINK", "value": 36.02, "unit": "rsi", "date": "2025-05-29"}],
        "correlation": [{"code": "2308", "name": "2308 Delta", "value": 0.7412, "unit": "correlation"}],
        "drawdown": [{"code": "2317", "name": "2317 Hon Hai", "value": -0.4886, "start": "2024-09-02", "end": "2025-05-29"}]})
    _, _, table = ui.ChatController(None, data_dir, dict).result_views(answer)
    value = table.value
    frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value["data"], columns=value["headers"])
    assert list(frame["value"]) == ["36.0", "+0.74", "-48.86%"]
    assert frame["to"].iloc[0] == "2025-05-29"


def test_the_table_download_is_served_from_a_data_dir_outside_gradio_s_default_folders(data_dir):
    """Gradio serves files from the working directory and the temp dir only, and ``~/.finqa`` is
    neither: the launched app allows the data dir's ``exports`` folder, where the download button's
    CSV is written (it had failed with InvalidPathError outside the tests' temp dirs). Checked with
    Gradio's own rule, leaving the temp dir (which holds the tests' data dir) out of it."""
    import os
    from pathlib import Path

    from gradio.utils import is_allowed_file

    settings = data_dir.model_copy(update={"cpu_only": True})
    with serve_ui(settings) as (_url, app):
        app.finqa_controller.table_csv(pd.DataFrame({"date": ["2025-03-05"], "close": [1005.0]}))
        written = list((Path(settings.data_dir) / "exports").glob("finqa-table-*.csv"))
        assert len(written) == 1 and written[0].read_text().startswith("date,close")
        path = written[0]
        allowed, why = is_allowed_file(path, blocked_paths=app.blocked_paths,
                                       allowed_paths=[*app.allowed_paths, os.getcwd()], created_paths=[])
        assert allowed and why == "allowed"
        assert not is_allowed_file(path, blocked_paths=[], allowed_paths=[os.getcwd()], created_paths=[])[0]


def test_a_one_day_comparison_is_charted_over_the_last_twenty_sessions(data_dir):
    """"2330 vs 2454" answers with each company's last day (and a 20-session line): the chart had
    been two points; it is the 20 sessions before that day, rebased, ending where the text's does."""
    import json

    from ingest.store import open_store
    from ingest.types import PriceBar

    days = [d.date() for d in pd.bdate_range("2026-08-03", periods=40)]
    store = open_store(data_dir.store_path)
    for code, base in (("2330", 100.0), ("2454", 200.0)):
        store.upsert_bars([PriceBar(code=code, date=d, open=base + i, high=base + i, low=base + i, close=base + i,
                                    volume=1e6) for i, d in enumerate(days)])
    bars = [PriceBar(code=c, date=days[-1], open=b + 39, high=b + 39, low=b + 39, close=b + 39, volume=1e6)
            for c, b in (("2330", 100.0), ("2454", 200.0))]
    answer = Answer(route="qa", engine="qa:prices", answer="side by side", code="2330", bars=bars)
    _, plot, _ = ui.ChatController(None, data_dir, dict).result_views(answer)
    lines = json.loads(plot.value["plot"])["data"]
    first = next(t for t in lines if t.get("name", "").startswith("2330"))
    assert len(first["x"]) == 21 and first["x"][0] == days[-21].isoformat() and first["x"][-1] == days[-1].isoformat()
    assert first["y"][-1] == pytest.approx(100 * 139.0 / 119.0, rel=1e-3)  # rebased at the close 20 sessions before
