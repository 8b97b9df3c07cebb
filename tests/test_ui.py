"""The Gradio UI end to end in a real headless Chromium (Playwright driving Debian's chromium).

The app runs in this process on 127.0.0.1 with the real Assistant on its CPU tiers over the
synthetic fixture dataset (``tests/fixture_data.py``): a forecast must draw its plotly chart and
table, a sentiment question its bar chart and headline links, a follow-up must keep the
conversation, a QA question must cite its sources as links. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, serve_ui

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (CI installs Debian's chromium)"),
]

ANSWER_TIMEOUT_MS = 180_000  # a hang guard on a loaded 2-core machine, not a speed assertion


@pytest.fixture(scope="module")
def ui_url(tmp_path_factory):
    import ingest.config as config
    from tests.fixture_data import shared_fixture_dir

    settings = shared_fixture_dir(tmp_path_factory.getbasetemp(), cpu_only=True)
    with serve_ui(settings) as (url, _app):
        yield url
    config._current = None


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.finqa_errors = errors
    yield pg
    ctx.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _ask(page, text: str | None = None, *, example: str | None = None) -> str:
    """Send a message (typed, or by clicking an example) and wait for its final answer bubble."""
    done = page.locator("#finqa-chatbot", has_text="answered by")
    before = page.locator("#finqa-chatbot").inner_text().count("answered by")
    if example is not None:
        page.get_by_role("button", name=example, exact=True).click()
    else:
        page.fill("#finqa-input textarea", text)
        page.keyboard.press("Enter")
    page.wait_for_function(
        "n => (document.querySelector('#finqa-chatbot')?.innerText.split('answered by').length - 1) > n",
        arg=before, timeout=ANSWER_TIMEOUT_MS)
    assert done.count() == 1
    # The last bot bubble holds the final answer.
    return page.locator("#finqa-chatbot").inner_text()


def test_chat_forecast_sentiment_followup_qa(ui_url, page):
    page.goto(ui_url)
    page.wait_for_selector("#finqa-input textarea")
    # Side panel: the fixture companies with their data, and each route's tier.
    page.wait_for_function("() => document.querySelector('#finqa-companies')?.innerText.includes('2330')",
                           timeout=60_000)
    side = page.locator("#finqa-companies").inner_text()
    assert "2454" in side and "2317" in side and "articles" in side
    engines = page.locator("#finqa-engines").inner_text()
    assert "Forecaster" in engines and "analog" in engines and "Sentiment" in engines

    # 1. Forecast: the answer, the plotly candlestick with the forecast, the table of days.
    chat = _ask(page, "forecast 2330 next 5 days")
    assert "P(rise)" in chat and "forecast:analog" in chat
    plot = page.locator("#finqa-plot .js-plotly-plot")
    plot.wait_for(state="visible", timeout=60_000)
    assert page.locator("#finqa-plot .main-svg").count() >= 1
    assert page.locator("#finqa-plot g.trace").count() >= 2  # candles + forecast path (and band, MAs)
    details = page.locator("#finqa-details").inner_text()
    assert "P(rise)" in details and "always rise" in details and "this forecast" in details
    table = page.locator("#finqa-table").inner_text()
    assert "high (90%)" in table and table.count("20") >= 5  # five forecast dates
    _shot(page, "ui-1-forecast")

    # 2. Sentiment (clicking the example prompt): bar chart of labels, headline links.
    chat = _ask(page, example="台積電最近新聞情緒如何？")
    assert "sentiment:" in chat
    page.wait_for_function("() => document.querySelector('#finqa-details')?.innerText.includes('Most positive')",
                           timeout=60_000)
    assert page.locator("#finqa-details a[href='https://news.example.com/2330/0']").count() == 1
    assert page.locator("#finqa-plot g.trace.bars").count() == 1
    assert not page.locator("#finqa-table").is_visible()
    _shot(page, "ui-2-sentiment")

    # 3. Follow-up in the same conversation keeps the sentiment intent for another company.
    _ask(page, "那聯發科呢？")
    page.wait_for_function("() => document.querySelector('#finqa-details')?.innerText.includes('MediaTek')"
                           " || document.querySelector('#finqa-details')?.innerText.includes('聯發科')",
                           timeout=60_000)
    assert page.locator("#finqa-details a[href^='https://news.example.com/2454/']").count() >= 1
    _shot(page, "ui-3-followup")

    # 3b. "用英文回答": the follow-up answered again in English, from the conversation kept in the
    # browser session's state (its rewind travels through gr.State with it).
    chat = _ask(page, "用英文回答")
    assert chat.count("English from now on, starting with the last question again") == 1
    assert "articles about 2454" in chat and "Traceback" not in chat

    # 4. QA: the answer with numbered sources as links.
    chat = _ask(page, "Explain what a yield curve inversion implies for equities.")
    assert "Sources" in chat and "qa:" in chat
    link = page.locator("#finqa-chatbot a[href='https://news.example.com/macro/10']")
    assert link.count() >= 1
    assert not page.locator("#finqa-plot").is_visible()
    _shot(page, "ui-4-qa")

    # 4b. A price question: answered from the store, charted with the days asked, the bars in a table.
    chat = _ask(page, "2330 volume past 5 days")
    assert "qa:prices" in chat and "shares traded in all" in chat
    page.locator("#finqa-plot .js-plotly-plot").wait_for(state="visible", timeout=60_000)
    assert page.locator("#finqa-plot g.trace").count() >= 2  # candles and volume (and MAs)
    table = page.locator("#finqa-table").inner_text()
    assert "volume" in table and table.count("20") >= 5
    _shot(page, "ui-4b-prices")
    # ... and the table shown downloads as CSV, the same rows
    button = page.locator("#finqa-download")
    button.wait_for(state="visible", timeout=60_000)
    with page.expect_download(timeout=60_000) as got:
        button.click()
    csv_text = Path(got.value.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("date") and "volume" in csv_text.splitlines()[0]
    rows = csv_text.splitlines()[1:]
    assert len(rows) == 5 and all(r.startswith("20") for r in rows)  # the 5 days asked, one row each

    # 4c. A ranking of the stored companies: the list in the chat, the leaders rebased to 100.
    chat = _ask(page, "which stocks rose the most in the past 20 days?")
    assert "qa:prices" in chat and "Best performers" in chat and "not the whole exchange" in chat
    page.locator("#finqa-plot .js-plotly-plot").wait_for(state="visible", timeout=60_000)
    assert page.locator("#finqa-plot g.trace").count() >= 2  # one line per leader
    assert "rebased to 100" in page.locator("#finqa-plot").inner_text()
    assert "finqa price store" in page.locator("#finqa-details").inner_text()
    table = page.locator("#finqa-table").inner_text()
    assert "gainers" in table and "change" in table and "%" in table  # the ranking, not daily bars
    _shot(page, "ui-4c-ranking")

    # 4d. A company overview, charted with the forecast after its bars.
    chat = _ask(page, "How is 2454 doing?")
    assert "qa:overview" in chat and "at a glance" in chat and "backtest" in chat
    page.locator("#finqa-plot .js-plotly-plot").wait_for(state="visible", timeout=60_000)
    assert "forecast" in page.locator("#finqa-plot").inner_text()  # the path's legend entry
    assert "close" in page.locator("#finqa-table").inner_text()
    _shot(page, "ui-4d-overview")

    # 4e. Risk from the store (clicking the example): the drawdown in the chat, the bars charted.
    chat = _ask(page, example="2330 max drawdown")
    assert "qa:prices" in chat and "maximum drawdown" in chat and "dividends are not stored" in chat
    page.locator("#finqa-plot .js-plotly-plot").wait_for(state="visible", timeout=60_000)
    assert "daily prices" in page.locator("#finqa-details").inner_text()
    _shot(page, "ui-4e-risk")

    # 5. A bad option is a message in the chat, not a stack trace.
    page.get_by_text("Options").click()
    page.fill("#finqa-asof textarea, #finqa-asof input", "yesterday")
    page.fill("#finqa-input textarea", "forecast 2330 next 5 days")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#finqa-chatbot')?.innerText.includes('YYYY-MM-DD')",
                           timeout=60_000)
    assert "Traceback" not in page.locator("#finqa-chatbot").inner_text()
    _shot(page, "ui-5-error")

    # 6. "New conversation" empties the chat and the results panel.
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("() => !document.querySelector('#finqa-chatbot')?.innerText.includes('answered by')",
                           timeout=30_000)
    assert not page.locator("#finqa-plot").is_visible()
    assert page.finqa_errors == []


def test_the_chat_s_clear_button_forgets_the_conversation(ui_url, page):
    """The chat's own trash button had cleared the messages but not the session: "what's the RSI?"
    next still read the cleared conversation's company. Now it is a definition, as in a new chat."""
    page.goto(ui_url)
    page.wait_for_selector("#finqa-input textarea")
    chat = _ask(page, "2330 RSI")
    assert "RSI(14)" in chat and "2330" in chat
    page.locator("#finqa-chatbot").get_by_role("button", name="Clear").click()
    page.wait_for_function("() => !document.querySelector('#finqa-chatbot')?.innerText.includes('answered by')",
                           timeout=30_000)
    chat = _ask(page, "what's the RSI?")
    assert "qa:glossary" in chat and "relative strength index" in chat and "RSI(14) " not in chat
    assert page.finqa_errors == []


def test_data_tab_unknown_company_is_a_message(ui_url, page):
    page.goto(ui_url)
    page.get_by_role("tab", name="Data").click()
    page.fill("#finqa-company input, #finqa-company textarea", "Zyxwvut Nonexistent Holdings")
    page.locator("#finqa-add").click()
    page.wait_for_function("() => document.querySelector('#finqa-data-log')?.innerText.includes('Unknown company')",
                           timeout=60_000)
    assert "Traceback" not in page.locator("#finqa-data-log").inner_text()
    _shot(page, "ui-6-data-unknown")


def test_data_tab_fetches_with_progress(tmp_path, browser):
    """Adding a company fetches its prices (loopback fake TWSE) with a visible progress bar."""
    import ingest.config as config
    from ingest.prices import taipei_today
    from tests.fakes.twse import FakeExchange

    with FakeExchange(until=taipei_today()) as fake:
        for back in range(13):  # every month answers slowly enough for the bar to be seen
            y, m = taipei_today().year, taipei_today().month - back
            while m < 1:
                y, m = y - 1, m + 12
            fake.script[("2303", f"{y:04d}-{m:02d}")] = ["slow:0.3"]
        settings = config.configure(data_dir=tmp_path / "d", cpu_only=True, twse_url=fake.url, tpex_url=fake.url,
                                    twse_period_s=0.05, twse_retries=1)
        try:
            with serve_ui(settings) as (url, _app):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.goto(url)
                page.get_by_role("tab", name="Data").click()
                page.fill("#finqa-company input, #finqa-company textarea", "聯電")
                page.locator("#finqa-add").click()
                progress = page.locator("#finqa-data-log .progress-level, #finqa-data-log .progress-bar")
                progress.first.wait_for(state="attached", timeout=60_000)
                page.wait_for_function("() => document.querySelector('#finqa-data-log')?.innerText.includes('prices ·')",
                                       timeout=60_000)
                _shot(page, "ui-7-data-progress")
                page.wait_for_function("() => document.querySelector('#finqa-data-log')?.innerText.includes('Index rebuilt')",
                                       timeout=ANSWER_TIMEOUT_MS)
                log_text = page.locator("#finqa-data-log").inner_text()
                assert "2303" in log_text and "new rows" in log_text and "NEWSAPI_KEY" in log_text
                _shot(page, "ui-8-data-done")
                ctx.close()
        finally:
            config._current = None
    from ingest.store import open_store

    assert open_store(settings.store_path).status()["prices"]["2303"]["rows"] > 200
