"""newsapi ingestion with the real NewsApiClient against a loopback fake newsapi."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr

from ingest.errors import FinqaError
from ingest.html import strip_html
from ingest.news import REQUEST_COUNTER, company_query, ingest_news
from ingest.store import open_store
from ingest.types import Company
from tests.fakes.newsapi import FakeNewsAPI, make_article

TSMC = Company(code="2330", name_zh="台積電", name_en="TSMC", market="TWSE")
MEDIATEK = Company(code="2454", name_zh="聯發科", name_en="MediaTek", market="TWSE")
NOW = datetime(2024, 9, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def newsapi():
    with FakeNewsAPI() as fake:
        yield fake


@pytest.fixture
def settings(data_dir, newsapi):
    return data_dir.model_copy(update={"newsapi_url": newsapi.base_url, "newsapi_key": SecretStr(newsapi.api_key)})


@pytest.fixture
def store(settings):
    return open_store(settings.store_path)


def corpus(n_zh: int = 230, n_en: int = 30) -> list[dict]:
    zh = [make_article(i, term="台積電", language="zh", day=1 + i % 28, html=i % 3 == 0) for i in range(n_zh)]
    en = [make_article(i, term="TSMC", language="en", day=1 + i % 28) for i in range(n_en)]
    return zh + en


def run(store, settings, companies=(TSMC,), **kw):
    kw.setdefault("days", 30)
    kw.setdefault("languages", ["zh", "en"])
    return ingest_news(store, list(companies), settings=settings, progress=False, now=NOW, **kw)


def test_pages_through_results_and_stores_plain_text(store, settings, newsapi):
    newsapi.articles = corpus() + [make_article(999, term="台積電", language="zh", day=1).copy()
                                   | {"publishedAt": "2024-07-01T00:00:00Z", "url": "https://old.test/1"}]
    progress = []
    report = run(store, settings, on_progress=lambda f, m: progress.append(f))
    assert report["stopped"] is None and report["errors"] == []
    assert report["requests"] == 4  # zh: 100 + 100 + 30, en: 30
    assert report["new_articles"] == 260 and report["codes"] == {"2330": 260}
    assert store.count_today(REQUEST_COUNTER) == 4
    assert progress[-1] == pytest.approx(1.0)

    sent = [r.params for r in newsapi.requests]
    assert [(p["language"], p["page"]) for p in sent] == [("zh", "1"), ("zh", "2"), ("zh", "3"), ("en", "1")]
    assert all(p["pageSize"] == "100" and p["sortBy"] == "publishedAt" for p in sent)
    assert sent[0]["q"] == '"台積電" OR "台积电" OR "TSMC"'
    assert sent[0]["from"] == "2024-08-31T12:00:00" and sent[0]["to"] == "2024-09-30T12:00:00"
    # The key travels in the header only, never in the URL.
    assert all(r.authorization == newsapi.api_key and "apiKey" not in r.params for r in newsapi.requests)

    articles = store.articles("2330")
    assert len(articles) == 260
    assert "https://old.test/1" not in {a.url for a in articles}  # outside --days
    assert {a.language for a in articles} == {"zh", "en"}
    assert all(a.published_at.tzinfo is not None and a.source == "Fake Wire" for a in articles)
    html_one = next(a for a in articles if a.language == "zh" and "Second" in (a.content or ""))
    assert html_one.content.startswith("台積電 reported revenue & profit")
    assert "<" not in html_one.content and "track(" not in html_one.content and "[+2143 chars]" not in html_one.content
    assert "Second paragraph" in html_one.content
    assert html_one.description.startswith("About 台積電 <") and "href" not in html_one.description


def test_deduplicates_by_url_across_queries_and_runs(store, settings, newsapi):
    both = make_article(1, term="台積電 and 聯發科", language="zh", url="https://dup.test/both")
    same_url_en = make_article(2, term="TSMC", language="en", url="https://dup.test/both")
    newsapi.articles = [both, same_url_en, make_article(3, term="聯發科", language="zh"),
                        make_article(4, term="MediaTek", language="en")]
    report = run(store, settings, companies=(TSMC, MEDIATEK))
    assert report["requests"] == 4
    assert report["new_articles"] == 3
    assert report["codes"] == {"2330": 1, "2454": 2}
    urls = [a.url for a in store.articles()]
    assert len(urls) == len(set(urls)) == 3
    assert next(a for a in store.articles() if a.url == "https://dup.test/both").code == "2330"  # first one kept
    again = run(store, settings, companies=(TSMC, MEDIATEK))
    assert again["new_articles"] == 0 and len(store.articles()) == 3


@pytest.mark.parametrize(
    "setup, code, kept, requests",
    [
        (lambda f: f.fail_at.update({2: "rateLimited"}), "rateLimited", 100, 2),
        (lambda f: setattr(f, "max_results", 100), "maximumResultsReached", 100, 2),
        (lambda f: setattr(f, "api_key", "another-key"), "apiKeyInvalid", 0, 1),
    ],
    ids=["rateLimited", "maximumResultsReached", "apiKeyInvalid"],
)
def test_stops_with_a_clear_message_and_keeps_what_was_fetched(store, settings, newsapi, setup, code, kept, requests):
    newsapi.articles = corpus()
    setup(newsapi)
    report = run(store, settings)
    assert report["stopped"] and code in report["stopped"]
    assert report["requests"] == requests == len(newsapi.requests)
    assert report["new_articles"] == kept == len(store.articles())
    assert f"{kept} new articles kept" in report["stopped"]
    if code == "apiKeyInvalid":
        assert "NEWSAPI_KEY" in report["stopped"]


def test_missing_key_stops_before_any_request(store, settings, newsapi):
    newsapi.articles = corpus()
    report = run(store, settings.model_copy(update={"newsapi_key": None}))
    assert report["stopped"] and "NEWSAPI_KEY" in report["stopped"]
    assert report["requests"] == 0 and newsapi.requests == []


def test_daily_request_budget_is_counted_across_runs(store, settings, newsapi):
    newsapi.articles = corpus()
    limited = settings.model_copy(update={"newsapi_daily_limit": 2})
    first = run(store, limited)
    assert first["requests"] == 2 and first["new_articles"] == 200
    assert "daily budget of 2" in first["stopped"]
    assert store.count_today(REQUEST_COUNTER) == 2
    second = run(store, limited)
    assert second["requests"] == 0 and "daily budget" in second["stopped"]
    assert len(newsapi.requests) == 2
    # With a larger budget the same day, a rerun pages again (zh: 3, en: 1) and adds the rest.
    third = run(store, settings.model_copy(update={"newsapi_daily_limit": 6}))
    assert third["requests"] == 4 and third["stopped"] is None and third["new_articles"] == 60
    assert store.count_today(REQUEST_COUNTER) == 6
    assert len(store.articles()) == 260


def test_a_failed_query_is_reported_and_the_others_go_on(store, settings, newsapi):
    newsapi.articles = corpus(n_zh=10)
    newsapi.fail_at = {1: "unexpectedError"}
    report = run(store, settings)
    assert report["stopped"] is None
    assert len(report["errors"]) == 1 and "unexpectedError" in report["errors"][0] and "[zh]" in report["errors"][0]
    assert report["new_articles"] == 30 and {a.language for a in store.articles()} == {"en"}


def test_server_down_is_an_error_not_a_crash(store, settings):
    down = settings.model_copy(update={"newsapi_url": "http://127.0.0.1:9/v2", "http_timeout_s": 2.0})
    report = run(store, down, languages=["en"])
    assert report["stopped"] is None and len(report["errors"]) == 1 and "ConnectionError" in report["errors"][0]


def test_the_key_never_reaches_logs_reports_or_output(store, settings, newsapi, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    newsapi.articles = corpus(n_zh=5, n_en=5)
    newsapi.echo_key_in_errors = True  # a hostile or buggy server echoing the key back
    newsapi.fail_at = {1: "unexpectedError", 2: "rateLimited"}
    report = run(store, settings)
    assert "rateLimited" in report["stopped"] and "unexpectedError" in report["errors"][0]
    assert "***" in report["stopped"]  # the echoed key was scrubbed
    out = capsys.readouterr()
    for text in (caplog.text, json.dumps(report, ensure_ascii=False), out.out, out.err):
        assert newsapi.api_key not in text
    assert newsapi.requests[0].authorization == newsapi.api_key  # and yet it was sent


def test_bad_arguments_are_clear_errors(store, settings):
    with pytest.raises(FinqaError, match="unsupported news language"):
        run(store, settings, languages=["xx"])
    with pytest.raises(FinqaError, match="--days"):
        run(store, settings, days=0)


def test_company_query_names_every_form():
    assert company_query(MEDIATEK) == '"聯發科" OR "联发科" OR "MediaTek"'
    assert company_query(Company(code="0050", name_zh="元大台灣50", name_en=None, market="TWSE")) == \
        '"元大台灣50" OR "元大台湾50"'


def test_strip_html():
    assert strip_html(None) is None
    assert strip_html("plain  text\n\n here") == "plain text\nhere"
    assert strip_html("<p>A &amp; B</p><p>C&nbsp;D</p>") == "A & B\nC D"
    assert strip_html("<style>.x{}</style><script>alert(1)</script>ok <b>bold</b>") == "ok bold"
    assert strip_html("unclosed <div>tag") == "unclosed\ntag"
    assert strip_html("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"
    # newsapi's truncation cuts a WordPress comment open: it must not leak into the text
    assert strip_html('<!-- wp:paragraph {"a":1} -->\n美國總統宣佈加徵關稅。\n<!-- … ') == "美國總統宣佈加徵關稅。"


# Real shapes from newsapi's 2025 answers (shortened): the body is not always the article.
_ZH_TITLE = "台積電遭美調查疑出貨給華為，恐面臨逾10億美元鉅額罰款"
_ZH_DESC = "《路透》引述RAND技術與安全政策中心研究員Lennart Heim指出，TSMC近年來共生產約 300 萬顆晶片。"
_STRIPPED = "TSMCTSMCAITSMC10\nSophgoAITSMCAIAscend 910B\nRANDRAND Technology and Security Policy CenterLennart HeimTSMC 300 Sophgo"
_CONSENT = ("If you click 'Accept all', we and our partners, including 239 who are part of the IAB Transparency "
            "& Consent Framework, will also store and/or access information on a device")


def test_article_text_keeps_only_usable_bodies():
    from ingest.article_body import body_problem, usable_body
    from ingest.types import Article

    when = datetime(2025, 4, 9, tzinfo=timezone.utc)
    stripped = Article(url="u1", title=_ZH_TITLE, description=_ZH_DESC, content=_STRIPPED, published_at=when)
    assert body_problem(stripped.title, stripped.description, stripped.content) == \
        "its Chinese characters were stripped by the news source"
    assert stripped.text == f"{_ZH_TITLE}\n{_ZH_DESC}"  # the skeleton never reaches the index
    assert stripped.content == _STRIPPED  # the store keeps the body as fetched

    consent = Article(url="u2", title="Delta Electronics shares rise", content=_CONSENT, published_at=when)
    assert consent.text == "Delta Electronics shares rise"
    assert usable_body("x", None, "A required part of this site couldn't load. This may be due to a browser") is None
    assert usable_body("x", None, "© 2013-2025 TechNews Inc. All rights reserved. | | | |") is None

    chrome = ("Skip to contentType your search and hit enter\nWhen you purchase through links in our articles, we may "
              "earn a small commission. This doesn't affect our editorial independence\n.\nAt a glance the Aspire Go 15 "
              "is an affordable laptop that cuts some corners.")
    assert usable_body("Acer Aspire Go 15 review", None, chrome) == \
        "At a glance the Aspire Go 15 is an affordable laptop that cuts some corners."

    # Intact bodies stay whole: Chinese with English product names, and English under a Chinese name.
    zh_body = "華碩 ProArt 系列螢幕宣佈推出全新 PA32UCDM，採用 32 吋 4K QD-OLED 顯示面板，具備 240Hz 更新率。"
    assert usable_body("華碩推出 ProArt 螢幕", None, zh_body) == zh_body
    en_body = "TSMC (台積電) said first-quarter revenue rose 42% from a year earlier on AI demand."
    assert usable_body("TSMC first-quarter revenue jumps", "Taiwan Semiconductor reported results.", en_body) == en_body


def test_cli_ingest_news(monkeypatch, tmp_path, capsys, caplog, newsapi):
    from assistant.cli import main

    newsapi.articles = corpus(n_zh=120, n_en=3)
    monkeypatch.setenv("FINQA_NEWSAPI_URL", newsapi.base_url)
    d = tmp_path / "news-cli"
    try:
        rc = main(["ingest", "news", "2330", "--days", "30", "--lang", "zh,en", "--json", "--data-dir", str(d)])
        out = json.loads(capsys.readouterr().out)
        assert rc == 1 and "NEWSAPI_KEY" in out["stopped"] and newsapi.requests == []

        monkeypatch.setenv("NEWSAPI_KEY", newsapi.api_key)
        # The fake's corpus is dated September 2024: ask for enough days to reach it.
        days = (datetime.now(timezone.utc) - datetime(2024, 8, 1, tzinfo=timezone.utc)).days
        rc = main(["ingest", "news", "台積電", "--days", str(days), "--json", "--data-dir", str(d)])
        captured = capsys.readouterr()
        out = json.loads(captured.out)
        assert rc == 0, out
        assert out["requests"] == 3 and out["new_articles"] == 123 and out["codes"] == {"2330": 123}
        assert main(["ingest", "status", "--json", "--data-dir", str(d)]) == 0
        assert json.loads(capsys.readouterr().out)["news"] == {"2330": 123}
        assert main(["ingest", "news", "2330", "--lang", "xx", "--data-dir", str(d)]) == 2
        all_text = captured.out + captured.err + capsys.readouterr().err + caplog.text
        assert newsapi.api_key not in all_text
    finally:
        import ingest.config as config

        config._current = None
